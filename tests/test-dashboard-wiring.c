// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.test"

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "ld-activity-chart.h"
#include "ld-alert-notifier.h"
#include "ld-connection-monitor.h"
#include "ld-dashboard.h"
#include "ld-error-tracker-view.h"
#include "ld-filter-model.h"
#include "ld-handoff.h"
#include "ld-ingest.h"
#include "ld-level.h"
#include "ld-preferences-alerts.h"
#include "ld-query.h"
#include "ld-row.h"
#include "ld-session.h"
#include "logdeck-resources.h"
#include "ingest-test-utils.h"
#include "ui-test-utils.h"

/* The dashboard as the window wires it: a store, the filter model of the
 * table, the registry, settings in memory; records arrive through a drain
 * that shows each batch to the source tracker first, as the session's does.
 * The alert notifier and the preferences page share the "alert-rules" key.
 * One test drives a real reconnecting peer (CPython's SocketHandler) through
 * the ingest thread. With --demo the dashboard stays open around a record
 * list, for a look. */


typedef struct
{
  GSettings            *settings;
  LdStore              *store;
  LdFilterModel        *filtered;
  LdConnectionRegistry *registry;
  GtkWidget            *window;
  LdDashboard          *dashboard;
} Fixture;

typedef struct
{
  const char *connection;
  const char *process_name;
  int         pid;
} Sender;

static const Sender web = { "tcp-1", "gunicorn", 4242 };
static const Sender web_again = { "tcp-2", "gunicorn", 4242 };
static const Sender worker = { "tcp-3", "sync-worker", 5151 };

static void
add_record (LdBatch      *batch,
            const Sender *sender,
            gint64        time_us,
            int           level,
            const char   *logger,
            const char   *message)
{
  LdRecordFields fields = { 0 };

  fields.time_us = time_us;
  fields.level = level;
  fields.level_name = ld_level_canonical_name (level);
  fields.logger = logger;
  fields.message = message;
  fields.connection = sender->connection;
  fields.peer = "127.0.0.1:50000";
  fields.protocol = LD_INGEST_PROTOCOL_TCP_PICKLE;
  fields.process_name = sender->process_name;
  fields.process = sender->pid;
  ld_batch_add (batch, &fields);
}

/* What the session's drain does once the dashboard is wired in. */
static void
drain (LdSourceTracker *tracker,
       LdStore         *store,
       LdBatch *const  *batches,
       guint            n_batches)
{
  g_autoptr(LdBatch) dividers = ld_batch_new ();
  g_autoptr(GPtrArray) all = g_ptr_array_new ();

  for (guint i = 0; i < n_batches; i++)
    ld_source_tracker_observe_batch (tracker, batches[i], dividers);
  g_ptr_array_add (all, dividers);
  for (guint i = 0; i < n_batches; i++)
    g_ptr_array_add (all, batches[i]);
  ld_store_append_batches (store, (LdBatch *const *) all->pdata, all->len);
}

static void
deliver (Fixture *f,
         LdBatch *batch)
{
  drain (ld_dashboard_get_source_tracker (f->dashboard), f->store, &batch, 1);
  ld_filter_model_flush (f->filtered);
}

static void
report_connection (LdConnectionRegistry *registry,
                   const char           *id,
                   LdConnectionState     state)
{
  LdConnectionInfo info = { 0 };

  info.id = id;
  info.kind = LD_CONNECTION_KIND_CONNECTION;
  info.protocol = LD_INGEST_PROTOCOL_TCP_PICKLE;
  info.address = "127.0.0.1:50000";
  info.state = state;
  info.connected_since = g_get_real_time ();
  info.closed_at = state == LD_CONNECTION_CLOSED ? g_get_real_time () : 0;
  ld_connection_registry_report (registry, &info);
  ld_connection_registry_flush (registry);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LdQuery) query = ld_query_parse ("level>=WARNING", 0, &error);

  g_assert_no_error (error);
  f->settings = ld_settings_new ();
  /* The memory backend outlives each test's settings object. */
  g_settings_reset (f->settings, "alert-rules");
  g_settings_reset (f->settings, "chart-span");
  g_settings_reset (f->settings, "chart-filtered");
  f->store = ld_store_new (0);
  f->filtered = ld_filter_model_new (f->store);
  ld_filter_model_set_query (f->filtered, query);
  f->registry = ld_connection_registry_new ();
  f->dashboard = LD_DASHBOARD (ld_dashboard_new (f->store, G_LIST_MODEL (f->filtered),
                                                 f->registry, f->settings));
  ld_dashboard_set_content (f->dashboard, gtk_label_new ("table"));
  f->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1200, 700);
  gtk_window_set_child (GTK_WINDOW (f->window), GTK_WIDGET (f->dashboard));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_object_add_weak_pointer (G_OBJECT (f->dashboard), (gpointer *) &f->dashboard);
  gtk_window_destroy (GTK_WINDOW (f->window));
  while (f->dashboard != NULL)
    g_main_context_iteration (NULL, FALSE);
  g_assert_finalize_object (f->filtered);
  g_assert_finalize_object (f->registry);
  g_assert_finalize_object (f->store);
  g_clear_object (&f->settings);
}

/* The chart */

static void
assert_counts_match_store (LdActivity *activity,
                           GListModel *model,
                           LdStore    *store)
{
  LdActivityBucket sum;
  guint n_items = g_list_model_get_n_items (model);
  guint32 bands[LD_ACTIVITY_N_BANDS] = { 0 };
  gint64 first, last;

  g_assert_cmpuint (ld_activity_get_n_records (activity), ==, n_items);
  g_assert_true (ld_activity_get_time_range (activity, &first, &last));
  ld_activity_sum (activity, first, last + 1, &sum);
  for (guint i = 0; i < n_items; i++)
    {
      guint64 seq = model == G_LIST_MODEL (store)
                    ? ld_store_get_first_seq (store) + i
                    : ld_filter_model_get_seq (LD_FILTER_MODEL (model), i);
      const LdRecord *record = ld_store_get_record_by_seq (store, seq);

      bands[ld_activity_band_for_level (record->level)]++;
    }
  for (guint band = 0; band < LD_ACTIVITY_N_BANDS; band++)
    g_assert_cmpuint (sum.counts[band], ==, bands[band]);
}

static void
push_session (Fixture *f,
              gint64   start)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();

  for (int second = 0; second < 30; second++)
    {
      gint64 time_us = start + second * G_USEC_PER_SEC;
      char text[64];

      g_snprintf (text, sizeof text, "GET /orders/%d 200", second);
      add_record (batch, &web, time_us, LD_LEVEL_INFO, "shop.http", text);
      add_record (batch, &worker, time_us + 1000, LD_LEVEL_DEBUG, "shop.sync", "tick");
      if (second % 10 == 0)
        add_record (batch, &worker, time_us + 2000, LD_LEVEL_WARNING, "shop.sync", "slow");
    }
  deliver (f, batch);
}

static void
test_chart (Fixture       *f,
            gconstpointer  data)
{
  LdActivityChart *chart = LD_ACTIVITY_CHART (ld_dashboard_get_chart (f->dashboard));

  push_session (f, g_get_real_time () - 60 * G_USEC_PER_SEC);
  g_assert_cmpuint (ld_store_get_n_records (f->store), ==, 63);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->filtered)), ==, 3);
  assert_counts_match_store (ld_dashboard_get_activity (f->dashboard, FALSE),
                             G_LIST_MODEL (f->store), f->store);
  assert_counts_match_store (ld_dashboard_get_activity (f->dashboard, TRUE),
                             G_LIST_MODEL (f->filtered), f->store);

  /* The span and the all-or-filtered choice are kept in the settings. */
  g_settings_set_uint (f->settings, "chart-span", LD_ACTIVITY_CHART_SPAN_15_MIN);
  g_assert_cmpuint (ld_activity_chart_get_span (chart), ==, LD_ACTIVITY_CHART_SPAN_15_MIN);
  ld_activity_chart_set_filtered (chart, TRUE);
  g_assert_true (g_settings_get_boolean (f->settings, "chart-filtered"));
  ld_dashboard_set_following (f->dashboard, FALSE);
  g_assert_false (ld_activity_chart_get_following (chart));

  ld_store_clear (f->store);
  g_assert_cmpuint (ld_activity_get_n_records (ld_dashboard_get_activity (f->dashboard, FALSE)),
                    ==, 0);
}

/* Signals and views */

static void
on_range (LdDashboard *dashboard,
          gint64       from_us,
          gint64       to_us,
          gint64      *range)
{
  range[0] = from_us;
  range[1] = to_us;
}

static void
on_group (LdDashboard   *dashboard,
          LdErrorGroup  *group,
          LdErrorGroup **out)
{
  *out = group;
}

static void
on_connection (LdDashboard *dashboard,
               const char  *id,
               char       **out)
{
  g_free (*out);
  *out = g_strdup (id);
}

static void
push_errors (Fixture *f)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();
  gint64 now = g_get_real_time ();

  for (int i = 0; i < 3; i++)
    {
      g_autofree char *text = g_strdup_printf ("Payment gateway unreachable after %d attempts",
                                               i + 3);

      add_record (batch, &web, now + i, LD_LEVEL_ERROR, "shop.payments", text);
    }
  add_record (batch, &worker, now + 5, LD_LEVEL_ERROR, "shop.sync", "Lost the queue");
  deliver (f, batch);
}

static void
test_views (Fixture       *f,
            gconstpointer  data)
{
  LdErrorGroups *groups = ld_dashboard_get_error_groups (f->dashboard);
  LdErrorGroup *group;
  gint64 range[2] = { 0, 0 };
  LdErrorGroup *activated = NULL;
  g_autofree char *connection = NULL;
  GtkWidget *tracker_view, *monitor;

  push_errors (f);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (groups)), ==, 2);
  group = ld_error_groups_lookup (groups, ld_store_get_record (f->store, 0));
  g_assert_nonnull (group);
  g_assert_cmpuint (ld_error_group_get_count (group), ==, 3);

  g_signal_connect (f->dashboard, "range-selected", G_CALLBACK (on_range), range);
  g_signal_connect (f->dashboard, "group-activated", G_CALLBACK (on_group), &activated);
  g_signal_connect (f->dashboard, "connection-activated", G_CALLBACK (on_connection),
                    &connection);
  g_signal_emit_by_name (ld_dashboard_get_chart (f->dashboard), "range-selected",
                         (gint64) 1000, (gint64) 2000);
  g_assert_cmpint (range[0], ==, 1000);
  g_assert_cmpint (range[1], ==, 2000);
  tracker_view = find_descendant (GTK_WIDGET (f->dashboard), LD_TYPE_ERROR_TRACKER_VIEW, NULL);
  g_signal_emit_by_name (tracker_view, "group-activated", group);
  g_assert_true (activated == group);
  monitor = find_descendant (GTK_WIDGET (f->dashboard), LD_TYPE_CONNECTION_MONITOR, NULL);
  g_signal_emit_by_name (monitor, "connection-activated", "tcp-1");
  g_assert_cmpstr (connection, ==, "tcp-1");

  g_assert_false (ld_dashboard_get_show_views (f->dashboard));
  ld_dashboard_set_show_views (f->dashboard, TRUE);
  g_assert_true (gtk_widget_get_visible (gtk_widget_get_parent (gtk_widget_get_parent (
    tracker_view))));
  ld_dashboard_set_visible_view (f->dashboard, "connections");
  g_assert_cmpstr (ld_dashboard_get_visible_view (f->dashboard), ==, "connections");
}

/* Reconnects */

static const LdRecord *
find_divider (LdStore *store)
{
  for (guint i = 0; i < ld_store_get_n_records (store); i++)
    {
      const LdRecord *record = ld_store_get_record (store, i);
      LdValueType type;
      const char *value;
      gsize length;

      if (g_strcmp0 (ld_intern_lookup (record->logger), "logdeck.ingest") == 0
          && ld_record_get_extra (record, "previous_connection", &type, &value, &length))
        return record;
    }

  return NULL;
}

static void
test_reconnect_divider (Fixture       *f,
                        gconstpointer  data)
{
  LdSourceTracker *tracker = ld_dashboard_get_source_tracker (f->dashboard);
  g_autoptr(LdBatch) before = ld_batch_new ();
  g_autoptr(LdBatch) after = ld_batch_new ();
  g_autofree char *message = NULL;
  const LdRecord *divider;
  gint64 now = g_get_real_time ();

  report_connection (f->registry, "tcp-1", LD_CONNECTION_OPEN);
  add_record (before, &web, now, LD_LEVEL_INFO, "shop.http", "serving");
  deliver (f, before);
  /* The registry's word that the connection closed reaches the tracker. */
  report_connection (f->registry, "tcp-1", LD_CONNECTION_CLOSED);
  report_connection (f->registry, "tcp-2", LD_CONNECTION_OPEN);
  add_record (after, &web_again, now + 1, LD_LEVEL_INFO, "shop.http", "serving again");
  deliver (f, after);

  g_assert_cmpuint (ld_source_tracker_get_n_sources (tracker), ==, 1);
  g_assert_cmpuint (ld_source_tracker_get_source (tracker, ld_intern ("tcp-1", -1)), ==,
                    ld_source_tracker_get_source (tracker, ld_intern ("tcp-2", -1)));
  divider = find_divider (f->store);
  g_assert_nonnull (divider);
  /* The divider comes just before the records it announces. */
  g_assert_true (divider == ld_store_get_record (f->store, 1));
  message = message_of (divider);
  g_assert_nonnull (strstr (message, "tcp-2 reconnected as the same source as tcp-1"));
}

/* Alerts */

static void
on_alerted (LdAlertNotifier *notifier,
            LdAlertRule     *rule,
            guint64          seq,
            GArray          *seqs)
{
  g_array_append_val (seqs, seq);
}

static void
on_show_record (LdAlertNotifier *notifier,
                guint64          seq,
                guint64         *shown)
{
  *shown = seq;
}

static void
push_one (Fixture    *f,
          int         level,
          const char *logger,
          const char *message)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();

  add_record (batch, &web, g_get_real_time (), level, logger, message);
  deliver (f, batch);
}

static void
test_alerts (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GArray) seqs = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(LdAlertNotifier) notifier = NULL;
  g_autoptr(GtkApplication) app = NULL;
  guint64 shown = 0;

  g_settings_set_value (f->settings, "alert-rules",
                        g_variant_new_parsed ("[('level>=ERROR', uint32 1, true)]"));
  notifier = ld_alert_notifier_new (f->store, f->settings, GTK_WINDOW (f->window));
  g_signal_connect (notifier, "alerted", G_CALLBACK (on_alerted), seqs);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (ld_alert_notifier_get_alerts (
    notifier))), ==, 1);
  g_assert_false (gtk_window_is_active (GTK_WINDOW (f->window)));

  push_one (f, LD_LEVEL_INFO, "shop.http", "fine");
  g_assert_cmpuint (seqs->len, ==, 0);
  push_one (f, LD_LEVEL_ERROR, "shop.payments", "timeout");
  push_one (f, LD_LEVEL_ERROR, "shop.payments", "timeout again");
  /* Once per interval: the second error came within the second. */
  g_assert_cmpuint (seqs->len, ==, 1);
  g_assert_cmpuint (g_array_index (seqs, guint64, 0), ==, ld_store_get_first_seq (f->store) + 1);
  g_assert_cmpuint (ld_alert_notifier_get_n_unread (notifier), ==, 1);
  g_usleep (1100 * 1000);
  push_one (f, LD_LEVEL_CRITICAL, "shop.payments", "down");
  g_assert_cmpuint (seqs->len, ==, 2);
  g_assert_cmpuint (ld_alert_notifier_get_n_unread (notifier), ==, 2);
  ld_alert_notifier_mark_read (notifier);
  g_assert_cmpuint (ld_alert_notifier_get_n_unread (notifier), ==, 0);

  /* "Show" in a notification activates app.show-record. */
  app = gtk_application_new ("io.github.logdeck.LogdeckTest", G_APPLICATION_NON_UNIQUE);
  ld_alert_notifier_install_action (notifier, G_APPLICATION (app));
  g_signal_connect (notifier, "show-record", G_CALLBACK (on_show_record), &shown);
  /* As the notification would, less the registration on the bus. */
  g_action_activate (g_action_map_lookup_action (G_ACTION_MAP (app), LD_ALERT_NOTIFIER_ACTION),
                     g_variant_new_uint64 (g_array_index (seqs, guint64, 1)));
  g_assert_cmpuint (shown, ==, g_array_index (seqs, guint64, 1));
  g_clear_object (&notifier);
  g_assert_null (g_action_map_lookup_action (G_ACTION_MAP (app), LD_ALERT_NOTIFIER_ACTION));
}

/* The preferences page edits the key; the notifier follows it. */

static GPtrArray *
find_all_of_type (GtkWidget *widget,
                  GType      type,
                  GPtrArray *found)
{
  if (g_type_is_a (G_OBJECT_TYPE (widget), type)
      && (gtk_widget_get_visible (widget) || type != ADW_TYPE_ENTRY_ROW))
    g_ptr_array_add (found, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    find_all_of_type (child, type, found);

  return found;
}

static guint
count_error_rows (GPtrArray *rows)
{
  guint n = 0;

  for (guint i = 0; i < rows->len; i++)
    n += gtk_widget_get_visible (g_ptr_array_index (rows, i))
         && gtk_widget_has_css_class (g_ptr_array_index (rows, i), "alert-rule-error");

  return n;
}

static void
test_preferences (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(LdAlertNotifier) notifier = ld_alert_notifier_new (f->store, f->settings,
                                                               GTK_WINDOW (f->window));
  LdAlerts *alerts = ld_alert_notifier_get_alerts (notifier);
  AdwPreferencesPage *page = g_object_ref_sink (ld_preferences_alerts_page_new (f->settings));
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) errors = NULL;
  g_autoptr(LdAlertRule) rule = NULL;
  GtkEditable *entry;

  ld_alerts_append (alerts, ld_alert_rule_new ("level>=ERROR", 60, TRUE));
  ld_alerts_append (alerts, ld_alert_rule_new ("logger:payments", 300, FALSE));
  entries = find_all_of_type (GTK_WIDGET (page), ADW_TYPE_ENTRY_ROW, g_ptr_array_new ());
  g_assert_cmpuint (entries->len, ==, 2);
  entry = g_ptr_array_index (entries, 1);
  errors = find_all_of_type (GTK_WIDGET (page), ADW_TYPE_ACTION_ROW, g_ptr_array_new ());
  g_assert_cmpstr (gtk_editable_get_text (entry), ==, "logger:payments");

  /* A query that does not parse shows its error as it is typed. */
  gtk_editable_set_text (entry, "level>=");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (entry), "error"));
  g_assert_cmpuint (count_error_rows (errors), ==, 1);

  gtk_editable_set_text (entry, "logger:payments timeout");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (entry), "error"));
  g_assert_cmpuint (count_error_rows (errors), ==, 0);
  g_signal_emit_by_name (entry, "apply");
  rule = g_list_model_get_item (G_LIST_MODEL (alerts), 1);
  g_assert_cmpstr (ld_alert_rule_get_query (rule), ==, "logger:payments timeout");
  g_assert_cmpuint (ld_alert_rule_get_interval (rule), ==, 300);
  g_assert_false (ld_alert_rule_get_enabled (rule));

  ld_alerts_remove_all (alerts);
  g_clear_pointer (&entries, g_ptr_array_unref);
  entries = find_all_of_type (GTK_WIDGET (page), ADW_TYPE_ENTRY_ROW, g_ptr_array_new ());
  g_assert_cmpuint (entries->len, ==, 0);
  g_assert_finalize_object (page);
}

/* A real peer */

typedef struct
{
  LdSourceTracker *tracker;
  LdStore         *store;
} Drain;

static void
drain_cb (LdBatch *const *batches,
          guint           n_batches,
          gpointer        user_data)
{
  Drain *d = user_data;

  drain (d->tracker, d->store, batches, n_batches);
}

static void
on_peer_exited (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (object), result, NULL);
  *(gboolean *) user_data = TRUE;
}

static void
run_reconnecting_peer (guint16 port)
{
  g_autofree char *script = g_build_filename (g_getenv ("LD_PEERS_DIR"), "send_reconnect.py",
                                              NULL);
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  g_autoptr(GSubprocess) peer = NULL;
  g_autoptr(GError) error = NULL;
  gboolean done = FALSE;

  peer = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, g_getenv ("LD_PYTHON3"), script,
                           "--port", port_text, NULL);
  g_assert_no_error (error);
  g_subprocess_wait_async (peer, NULL, on_peer_exited, &done);
  WAIT_UNTIL (done, 60);
  g_assert_true (g_subprocess_get_successful (peer));
}

static void
test_reconnect_peer (Fixture       *f,
                     gconstpointer  data)
{
  Drain d = { ld_dashboard_get_source_tracker (f->dashboard), f->store };
  g_autoptr(LdHandoff) handoff = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  LdIngest *ingest;
  const LdRecord *divider;

  if (g_getenv ("LD_PYTHON3") == NULL || g_getenv ("LD_PEERS_DIR") == NULL)
    {
      g_test_skip ("LD_PYTHON3 and LD_PEERS_DIR are not set");
      return;
    }

  handoff = ld_handoff_new (NULL, drain_cb, &d, NULL);
  ld_handoff_set_min_interval (handoff, 0);
  ingest = ld_ingest_new (handoff, f->registry);
  g_assert_true (ld_ingest_add_tcp (ingest, "127.0.0.1", 0, &error));
  g_assert_no_error (error);

  run_reconnecting_peer (ld_ingest_get_bound_port (ingest, "tcp"));
  /* Six records and one divider. */
  WAIT_UNTIL (ld_store_get_n_records (f->store) >= 7, 20);
  ld_ingest_free (ingest);
  ld_handoff_shutdown (handoff);

  g_assert_cmpuint (ld_store_get_n_records (f->store), ==, 7);
  g_assert_cmpuint (ld_source_tracker_get_n_sources (d.tracker), ==, 1);
  divider = find_divider (f->store);
  g_assert_nonnull (divider);
  g_assert_true (divider == ld_store_get_record (f->store, 3));
  message = message_of (divider);
  g_test_message ("divider: %s", message);
  g_assert_nonnull (strstr (message, "reconnected as the same source as"));
}

/* Screenshots and the demo */

/* As AdwApplication would: style.css (which imports the dashboard's) from
 * the resource, and style-dark.css while the style is dark. */
static void
on_dark_changed (AdwStyleManager *manager,
                 GParamSpec      *pspec,
                 GtkCssProvider  *dark_css)
{
  if (adw_style_manager_get_dark (manager))
    gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                                GTK_STYLE_PROVIDER (dark_css),
                                                GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  else
    gtk_style_context_remove_provider_for_display (gdk_display_get_default (),
                                                   GTK_STYLE_PROVIDER (dark_css));
}

static void
load_css (void)
{
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();
  GtkCssProvider *dark_css = gtk_css_provider_new ();
  AdwStyleManager *manager = adw_style_manager_get_default ();

  logdeck_register_resource ();
  gtk_css_provider_load_from_resource (css, "/io/github/logdeck/Logdeck/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  gtk_css_provider_load_from_resource (dark_css, "/io/github/logdeck/Logdeck/style-dark.css");
  /* Kept for the life of the program, as the application keeps its own. */
  g_signal_connect (manager, "notify::dark", G_CALLBACK (on_dark_changed), dark_css);
  on_dark_changed (manager, NULL, dark_css);
}


static void
test_screenshot (Fixture       *f,
                 gconstpointer  data)
{
  AdwStyleManager *manager = adw_style_manager_get_default ();

  push_session (f, g_get_real_time () - 40 * G_USEC_PER_SEC);
  push_errors (f);
  report_connection (f->registry, "tcp-1", LD_CONNECTION_OPEN);
  report_connection (f->registry, "tcp-3", LD_CONNECTION_OPEN);
  g_settings_set_uint (f->settings, "chart-span", LD_ACTIVITY_CHART_SPAN_1_MIN);
  ld_dashboard_set_show_views (f->dashboard, TRUE);
  gtk_window_present (GTK_WINDOW (f->window));
  wait_painted (f->window);
  save_screenshot (f->window, "dashboard-wiring-light.png");
  adw_style_manager_set_color_scheme (manager, ADW_COLOR_SCHEME_FORCE_DARK);
  wait_painted (f->window);
  save_screenshot (f->window, "dashboard-wiring-dark.png");
  adw_style_manager_set_color_scheme (manager, ADW_COLOR_SCHEME_DEFAULT);
}

/* The demo: a record list inside the dashboard, a live trickle of records
 * with errors now and then, and the unread count in the title. */

typedef struct
{
  Fixture          f;
  LdAlertNotifier *notifier;
  GRand           *rand;
  AdwWindowTitle  *title;
  int              tick;
} Demo;

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *item)
{
  const LdRecord *record = ld_row_get_record (gtk_list_item_get_item (item));
  g_autofree char *message = message_of (record);
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (record->time_us / G_USEC_PER_SEC);
  g_autofree char *when = g_date_time_format (time, "%H:%M:%S");
  g_autofree char *text = g_strdup_printf ("%s  %-8s  %-14s  %s", when,
                                           ld_level_canonical_name (record->level),
                                           ld_intern_lookup (record->logger), message);

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)), text);
}

static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *item)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "monospace");
  gtk_list_item_set_child (item, label);
}

static GtkWidget *
build_record_list (GListModel *model)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkNoSelection *selection = gtk_no_selection_new (g_object_ref (model));
  GtkWidget *list = gtk_list_view_new (GTK_SELECTION_MODEL (selection), factory);
  GtkWidget *scroller = gtk_scrolled_window_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), NULL);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), list);
  gtk_widget_set_vexpand (scroller, TRUE);
  return scroller;
}

static void
add_demo_second (Demo    *demo,
                 LdBatch *batch,
                 gint64   time_us)
{
  static const char *paths[] = { "/", "/cart", "/orders/{}", "/api/stock", "/login" };
  int n = 4 + (int) g_rand_int_range (demo->rand, 0, 10) + (demo->tick / 40) % 3 * 4;

  for (int i = 0; i < n; i++)
    {
      g_autofree char *text = g_strdup_printf ("GET %s 200 (%d ms)",
        paths[g_rand_int_range (demo->rand, 0, 5)], g_rand_int_range (demo->rand, 3, 90));

      add_record (batch, &web, time_us + i * 1000, LD_LEVEL_INFO, "shop.http", text);
    }
  add_record (batch, &worker, time_us + 500, LD_LEVEL_DEBUG, "shop.sync", "polling the queue");
  if (g_rand_int_range (demo->rand, 0, 9) == 0)
    add_record (batch, &worker, time_us + 700, LD_LEVEL_WARNING, "shop.sync",
                "the queue is 120 items behind");
  if (g_rand_int_range (demo->rand, 0, 25) == 0)
    add_record (batch, &web, time_us + 900, LD_LEVEL_ERROR, "shop.payments",
                "Payment gateway unreachable after 3 attempts");
}

static gboolean
demo_tick (gpointer user_data)
{
  Demo *demo = user_data;
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autofree char *subtitle = NULL;
  guint n_unread = ld_alert_notifier_get_n_unread (demo->notifier);

  demo->tick++;
  add_demo_second (demo, batch, g_get_real_time ());
  deliver (&demo->f, batch);
  subtitle = n_unread > 0 ? g_strdup_printf ("%u unread alerts", n_unread) : g_strdup ("Demo");
  adw_window_title_set_subtitle (demo->title, subtitle);
  return G_SOURCE_CONTINUE;
}

static void
fill_demo_history (Demo *demo)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC * G_USEC_PER_SEC;

  report_connection (demo->f.registry, "tcp-1", LD_CONNECTION_OPEN);
  report_connection (demo->f.registry, "tcp-3", LD_CONNECTION_OPEN);
  for (gint64 second = 600; second > 0; second--)
    {
      g_autoptr(LdBatch) batch = ld_batch_new ();

      demo->tick++;
      add_demo_second (demo, batch, now - second * G_USEC_PER_SEC);
      deliver (&demo->f, batch);
    }
}

static GtkWidget *
build_demo_prefs (Demo *demo)
{
  GtkWidget *prefs = adw_preferences_window_new ();

  g_settings_set_value (demo->f.settings, "alert-rules", g_variant_new_parsed (
    "[('level>=ERROR', uint32 60, true), ('logger:shop.payments timeout', uint32 300, true), "
    "('level>=', uint32 60, false)]"));
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (prefs),
                              ld_preferences_alerts_page_new (demo->f.settings));
  gtk_window_set_default_size (GTK_WINDOW (prefs), 640, 760);
  return prefs;
}

static int
run_demo (void)
{
  Demo demo = { 0 };
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  GtkWidget *box, *header;

  gtk_init ();
  adw_init ();
  load_css ();
  fixture_setup (&demo.f, NULL);
  demo.rand = g_rand_new_with_seed (7);
  demo.notifier = ld_alert_notifier_new (demo.f.store, demo.f.settings, GTK_WINDOW (demo.f.window));
  ld_dashboard_set_content (demo.f.dashboard, build_record_list (G_LIST_MODEL (demo.f.store)));
  ld_dashboard_set_show_views (demo.f.dashboard, g_getenv ("LD_DEMO_HIDE_VIEWS") == NULL);
  if (g_getenv ("LD_DEMO_VIEW") != NULL)
    ld_dashboard_set_visible_view (demo.f.dashboard, g_getenv ("LD_DEMO_VIEW"));
  fill_demo_history (&demo);

  header = adw_header_bar_new ();
  demo.title = ADW_WINDOW_TITLE (adw_window_title_new ("Logdeck", "Demo"));
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), GTK_WIDGET (demo.title));
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  g_object_ref (demo.f.dashboard);
  gtk_window_set_child (GTK_WINDOW (demo.f.window), box);
  gtk_box_append (GTK_BOX (box), header);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (demo.f.dashboard));
  g_object_unref (demo.f.dashboard);
  gtk_window_set_default_size (GTK_WINDOW (demo.f.window), 1380, 880);
  g_timeout_add (1000, demo_tick, &demo);
  g_signal_connect_swapped (demo.f.window, "close-request", G_CALLBACK (g_main_loop_quit), loop);
  gtk_window_present (GTK_WINDOW (g_getenv ("LD_DEMO_PREFS") != NULL ? build_demo_prefs (&demo)
                                                                      : demo.f.window));
  g_main_loop_run (loop);
  return 0;
}

static void
skip_without_display (void)
{
  g_test_skip ("No display");
}

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

int
main (int   argc,
      char *argv[])
{
  if (argc > 1 && g_str_equal (argv[1], "--demo"))
    return run_demo ();

  g_test_init (&argc, &argv, NULL);
  if (!gtk_init_check ())
    {
      g_test_add_func ("/dashboard-wiring/skipped", skip_without_display);
      return g_test_run ();
    }
  adw_init ();
  load_css ();

  ADD ("/dashboard-wiring/chart", test_chart);
  ADD ("/dashboard-wiring/views", test_views);
  ADD ("/dashboard-wiring/reconnect-divider", test_reconnect_divider);
  ADD ("/dashboard-wiring/alerts", test_alerts);
  ADD ("/dashboard-wiring/preferences", test_preferences);
  ADD ("/dashboard-wiring/reconnect-peer", test_reconnect_peer);
  ADD ("/dashboard-wiring/screenshot", test_screenshot);

  return g_test_run ();
}
