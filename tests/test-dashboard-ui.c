// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.test"

#include "config.h"

#include <adwaita.h>
#include <math.h>

#include "ld-activity-chart.h"
#include "ld-connection-monitor.h"
#include "ld-error-tracker-view.h"
#include "ld-level.h"
#include "ld-row.h"
#include "logdeck-resources.h"
#include "ui-test-utils.h"

/* The dashboard's widgets with a synthetic session: a web server that
 * reloads (and reconnects as the same source), a worker, a browser over a
 * WebSocket, twenty minutes of records with two bursts of errors. The test
 * reads each view's model and saves a screenshot of the whole, light and
 * dark, beside the test program. With --demo it stays open instead. */

#define MINUTES 20
#define DASHBOARD_CSS "/io/github/logdeck/Logdeck/ld-dashboard.css"

typedef struct
{
  LdStore              *store;
  LdConnectionRegistry *registry;
  LdActivity           *activity;
  LdActivity           *filtered_activity;
  GtkFilterListModel   *filtered;
  LdErrorGroups        *groups;
  LdConnectionStats    *stats;
  LdSourceTracker      *tracker;
  GtkWidget            *window;
  GtkWidget            *chart;
  GtkWidget            *tracker_view;
  GtkWidget            *monitor;
  gint64                now;
} Dashboard;

static const char *orders_traceback =
  "Traceback (most recent call last):\n"
  "  File \"/srv/shop/releases/20261121/shop/views.py\", line 88, in checkout\n"
  "    order = load_order(request.json[\"order\"])\n"
  "  File \"/srv/shop/releases/20261121/shop/orders.py\", line 31, in load_order\n"
  "    return Order.objects.get(pk=int(raw))\n"
  "ValueError: invalid literal for int() with base 10: '%s'\n";

static const char *sync_traceback =
  "Traceback (most recent call last):\n"
  "  File \"/srv/shop/worker/sync.py\", line 140, in run\n"
  "    self.push(batch)\n"
  "  File \"/srv/shop/worker/sync.py\", line 171, in push\n"
  "    sku = item[\"sku\"]\n"
  "KeyError: 'sku'\n";

static const char *browser_trace =
  "TypeError: Cannot read properties of undefined (reading 'id')\n"
  "    at renderCart (https://shop.example/static/app.js:1042:17)\n"
  "    at onLoad (https://shop.example/static/app.js:88:5)\n";

typedef struct
{
  const char *connection;
  const char *peer;
  const char *process_name;
  int         pid;
  const char *protocol;
} Sender;

static const Sender web_before = { "tcp-1", "127.0.0.1:50412", "gunicorn", 4242, "tcp-pickle" };
static const Sender web_after = { "tcp-3", "127.0.0.1:50988", "gunicorn", 4242, "tcp-pickle" };
static const Sender worker = { "tcp-2", "127.0.0.1:50433", "sync-worker", 5151, "tcp-pickle" };
static const Sender browser = { "ws-1", "127.0.0.1:51002", NULL, 0, "ws-json" };

static void
add (LdBatch      *batch,
     const Sender *sender,
     gint64        time_us,
     int           level,
     const char   *logger,
     const char   *message,
     const char   *exception)
{
  LdRecordFields fields = { 0 };

  fields.time_us = time_us;
  fields.level = level;
  fields.level_name = ld_level_canonical_name (level);
  fields.logger = logger;
  fields.message = message;
  fields.exception = exception;
  fields.connection = sender->connection;
  fields.peer = sender->peer;
  fields.protocol = sender->protocol;
  fields.process_name = sender->process_name;
  fields.process = sender->pid;
  ld_batch_add (batch, &fields);
  if (sender == &browser)
    ld_batch_add_extra (batch, "connection_id", -1, LD_VALUE_STRING, "tab-7f3a", -1);
}

static gboolean
in_burst (gint64 minutes_ago)
{
  return minutes_ago == 13 || minutes_ago == 4 || minutes_ago == 3;
}

/* One second of traffic: a web server, a worker and a browser. */
static void
add_second (Dashboard *d,
            LdBatch   *batch,
            GRand     *rand,
            gint64     second)
{
  gint64 minutes_ago = (d->now / G_USEC_PER_SEC - second) / 60;
  const Sender *web = minutes_ago >= 9 ? &web_before : &web_after;
  int n_info = 12 + (int) (8 * sin (second / 70.0)) + g_rand_int_range (rand, 0, 6);
  int n_debug = 6 + g_rand_int_range (rand, 0, 6);
  gint64 base = second * G_USEC_PER_SEC;
  char text[256], exception[1024];

  for (int i = 0; i < n_info; i++)
    {
      g_snprintf (text, sizeof text, "GET /api/orders/%d 200 in %d ms",
                  g_rand_int_range (rand, 1000, 9999), g_rand_int_range (rand, 3, 90));
      add (batch, web, base + i * 997 % G_USEC_PER_SEC, LD_LEVEL_INFO, "shop.web", text, NULL);
    }
  for (int i = 0; i < n_debug; i++)
    add (batch, &worker, base + 500000 + i * 131, LD_LEVEL_DEBUG, "shop.worker.sync",
         "polling queue", NULL);
  if (g_rand_int_range (rand, 0, 4) == 0)
    add (batch, &worker, base + 600000, LD_LEVEL_WARNING, "shop.worker.sync",
         "queue depth above 500, falling behind", NULL);

  if (in_burst (minutes_ago) ? g_rand_int_range (rand, 0, 2) == 0
                             : g_rand_int_range (rand, 0, 40) == 0)
    {
      g_snprintf (text, sizeof text, "Checkout failed for order %d",
                  g_rand_int_range (rand, 100, 999));
      g_snprintf (exception, sizeof exception, orders_traceback,
                  g_rand_boolean (rand) ? "x17" : "n/a");
      add (batch, web, base + 700000, LD_LEVEL_ERROR, "shop.orders", text, exception);
    }
  if (g_rand_int_range (rand, 0, in_burst (minutes_ago) ? 3 : 25) == 0)
    {
      g_snprintf (text, sizeof text, "Timeout after %d ms talking to 'db-%d'",
                  g_rand_int_range (rand, 3000, 9000), g_rand_int_range (rand, 1, 4));
      add (batch, &worker, base + 800000, LD_LEVEL_ERROR, "shop.worker.db", text, NULL);
    }
  if (g_rand_int_range (rand, 0, 90) == 0)
    add (batch, &worker, base + 810000, LD_LEVEL_ERROR, "shop.worker.sync", "Sync aborted",
         sync_traceback);
  if (g_rand_int_range (rand, 0, 70) == 0)
    add (batch, &browser, base + 820000, LD_LEVEL_ERROR, "frontend", "Unhandled error in cart",
         browser_trace);
  if (minutes_ago == 3 && second % 20 == 0)
    {
      g_snprintf (text, sizeof text, "Payment gateway unreachable after %d attempts",
                  g_rand_int_range (rand, 3, 6));
      add (batch, web, base + 900000, LD_LEVEL_CRITICAL, "shop.payments", text, NULL);
    }
}

/* What the window's drain would do: the tracker sees the batch first, its
 * dividers go in just before it, then the store takes both. */
static void
deliver (Dashboard *d,
         LdBatch   *batch)
{
  g_autoptr(LdBatch) dividers = ld_batch_new ();
  LdBatch *batches[2] = { dividers, batch };

  ld_source_tracker_observe_batch (d->tracker, batch, dividers);
  ld_store_append_batches (d->store, batches, 2);

  /* The store's copies, whose text is their own, as the window counts them. */
  for (guint i = ld_store_get_n_records (d->store) - ld_batch_get_length (batch);
       i < ld_store_get_n_records (d->store); i++)
    {
      const LdRecord *record = ld_store_get_record (d->store, i);

      /* Arrival is taken as the record's time, so that the sparklines of
       * this replayed session look as they would have live. */
      ld_connection_stats_add_record (d->stats, record, record->time_us);
    }
}

static void
fill_records (Dashboard *d)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  gint64 last = d->now / G_USEC_PER_SEC;
  g_autoptr(LdBatch) batch = ld_batch_new ();

  for (gint64 second = last - MINUTES * 60; second <= last; second++)
    {
      add_second (d, batch, rand, second);
      if (second % 15 == 0 || second == last)
        {
          deliver (d, batch);
          ld_batch_free (batch);
          batch = ld_batch_new ();
        }
      if (second == last - 9 * 60)
        ld_source_tracker_connection_closed (d->tracker, ld_intern ("tcp-1", -1));
    }
}

static void
report (Dashboard         *d,
        const char        *id,
        const char        *kind,
        const char        *protocol,
        const char        *address,
        LdConnectionState  state,
        gint64             since_minutes,
        gint64             closed_minutes,
        const char        *why)
{
  LdConnectionInfo info = { 0 };
  LdConnectionCounts counts;

  ld_connection_stats_lookup (d->stats, ld_intern (id, -1), &counts);
  info.id = id;
  info.kind = kind;
  info.protocol = protocol;
  info.address = address;
  info.state = state;
  info.connected_since = d->now - since_minutes * 60 * G_USEC_PER_SEC;
  info.closed_at = closed_minutes > 0 ? d->now - closed_minutes * 60 * G_USEC_PER_SEC : 0;
  info.n_records = counts.n_records;
  info.n_bytes = counts.n_records * 310;
  info.last_error = why;
  ld_connection_registry_report (d->registry, &info);
}

static void
fill_registry (Dashboard *d)
{
  report (d, "tcp", LD_CONNECTION_KIND_ENDPOINT, "tcp-pickle", "127.0.0.1:9020",
          LD_CONNECTION_LISTENING, 25, 0, NULL);
  report (d, "udp", LD_CONNECTION_KIND_ENDPOINT, "udp-pickle", "127.0.0.1:9021",
          LD_CONNECTION_LISTENING, 25, 0, NULL);
  report (d, "ws", LD_CONNECTION_KIND_ENDPOINT, "ws-json", "127.0.0.1:9022",
          LD_CONNECTION_FAILED, 25, 0, "Error binding to address 127.0.0.1:9022: "
          "Address already in use");
  report (d, "tcp-1", LD_CONNECTION_KIND_CONNECTION, "tcp-pickle", web_before.peer,
          LD_CONNECTION_CLOSED, MINUTES, 9, "the peer closed the connection");
  report (d, "tcp-2", LD_CONNECTION_KIND_CONNECTION, "tcp-pickle", worker.peer,
          LD_CONNECTION_OPEN, MINUTES, 0, NULL);
  report (d, "ws-1", LD_CONNECTION_KIND_CONNECTION, "ws-json", browser.peer,
          LD_CONNECTION_OPEN, MINUTES, 0, NULL);
  report (d, "tcp-3", LD_CONNECTION_KIND_CONNECTION, "tcp-pickle", web_after.peer,
          LD_CONNECTION_OPEN, 9, 0, NULL);
  report (d, "tcp-4", LD_CONNECTION_KIND_CONNECTION, "tcp-pickle", "127.0.0.1:51230",
          LD_CONNECTION_ERROR, 6, 6, "bad frame at byte 0 (1936287828 bytes): "
          "the frame is larger than 16 MiB");
}

static gboolean
at_least_warning (gpointer item,
                  gpointer user_data)
{
  const LdRecord *record = ld_row_get_record (item);

  return record != NULL && record->level >= LD_LEVEL_WARNING;
}

static void
build_models (Dashboard *d)
{
  GtkCustomFilter *filter = gtk_custom_filter_new (at_least_warning, NULL, NULL);

  d->now = g_get_real_time ();
  d->store = ld_store_new (0);
  d->registry = ld_connection_registry_new ();
  d->activity = ld_activity_new ();
  d->filtered_activity = ld_activity_new ();
  d->filtered = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (d->store)),
                                           GTK_FILTER (filter));
  d->groups = ld_error_groups_new ();
  d->stats = ld_connection_stats_new ();
  d->tracker = ld_source_tracker_new ();

  ld_activity_attach_store (d->activity, d->store);
  ld_activity_attach_model (d->filtered_activity, G_LIST_MODEL (d->filtered), d->store, NULL);
  ld_error_groups_attach_store (d->groups, d->store);
  fill_records (d);
  fill_registry (d);
}

static void
load_css (void)
{
  g_autoptr(GtkCssProvider) app_css = gtk_css_provider_new ();
  g_autoptr(GtkCssProvider) dashboard_css = gtk_css_provider_new ();
  g_autofree char *here = g_path_get_dirname (BUILD_ROOT G_DIR_SEPARATOR_S __FILE__);
  g_autofree char *path = g_build_filename (here, "..", "src", "ui", "ld-dashboard.css", NULL);

  logdeck_register_resource ();
  gtk_css_provider_load_from_resource (app_css, "/io/github/logdeck/Logdeck/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (app_css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  /* From the resource once the window loads it from there, else from the
   * source tree. */
  if (g_resources_get_info (DASHBOARD_CSS, 0, NULL, NULL, NULL))
    gtk_css_provider_load_from_resource (dashboard_css, DASHBOARD_CSS);
  else
    gtk_css_provider_load_from_path (dashboard_css, path);
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (dashboard_css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

/* style-dark.css follows the style, as AdwApplication would load it. */
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
follow_dark_style (void)
{
  GtkCssProvider *dark_css = gtk_css_provider_new ();
  AdwStyleManager *manager = adw_style_manager_get_default ();

  gtk_css_provider_load_from_resource (dark_css, "/io/github/logdeck/Logdeck/style-dark.css");
  /* Kept for the life of the program, as the application keeps its own. */
  g_signal_connect (manager, "notify::dark", G_CALLBACK (on_dark_changed), dark_css);
  on_dark_changed (manager, NULL, dark_css);
}

static void
on_span_selected (GtkDropDown     *dropdown,
                  GParamSpec      *pspec,
                  LdActivityChart *chart)
{
  static const guint spans[] = {
    LD_ACTIVITY_CHART_SPAN_1_MIN, LD_ACTIVITY_CHART_SPAN_5_MIN, LD_ACTIVITY_CHART_SPAN_15_MIN,
    LD_ACTIVITY_CHART_SPAN_60_MIN, LD_ACTIVITY_CHART_SPAN_SESSION,
  };

  ld_activity_chart_set_span (chart, spans[gtk_drop_down_get_selected (dropdown)]);
}

static GtkWidget *
build_header (Dashboard *d)
{
  const char *spans[] = { "1 min", "5 min", "15 min", "60 min", "Session", NULL };
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *dropdown = gtk_drop_down_new_from_strings (spans);
  GtkWidget *filtered = gtk_toggle_button_new_with_label ("Filtered");

  gtk_drop_down_set_selected (GTK_DROP_DOWN (dropdown), 2);
  g_signal_connect (dropdown, "notify::selected", G_CALLBACK (on_span_selected), d->chart);
  g_object_bind_property (filtered, "active", d->chart, "filtered", G_BINDING_DEFAULT);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), dropdown);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), filtered);
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), adw_window_title_new ("Logdeck",
                                                                                   "Dashboard"));

  return header;
}

static void
build_window (Dashboard *d)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *paned = gtk_paned_new (GTK_ORIENTATION_VERTICAL);

  d->chart = ld_activity_chart_new ();
  g_object_set (d->chart, "activity", d->activity, "filtered-activity", d->filtered_activity,
                "span", LD_ACTIVITY_CHART_SPAN_15_MIN, "height-request", 110, NULL);
  d->tracker_view = ld_error_tracker_view_new ();
  ld_error_tracker_view_set_groups (LD_ERROR_TRACKER_VIEW (d->tracker_view), d->groups);
  d->monitor = ld_connection_monitor_new ();
  g_object_set (d->monitor, "registry", d->registry, "stats", d->stats,
                "source-tracker", d->tracker, NULL);

  gtk_paned_set_start_child (GTK_PANED (paned), d->tracker_view);
  gtk_paned_set_end_child (GTK_PANED (paned), d->monitor);
  gtk_paned_set_position (GTK_PANED (paned), 400);
  gtk_widget_set_vexpand (paned, TRUE);
  gtk_box_append (GTK_BOX (box), build_header (d));
  gtk_box_append (GTK_BOX (box), d->chart);
  gtk_box_append (GTK_BOX (box), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
  gtk_box_append (GTK_BOX (box), paned);

  d->window = adw_window_new ();
  adw_window_set_content (ADW_WINDOW (d->window), box);
  gtk_window_set_default_size (GTK_WINDOW (d->window), 1400, 900);
}

static void
dashboard_free (Dashboard *d)
{
  gtk_window_destroy (GTK_WINDOW (d->window));
  g_clear_object (&d->activity);
  g_clear_object (&d->filtered_activity);
  g_clear_object (&d->filtered);
  g_clear_object (&d->groups);
  g_clear_object (&d->stats);
  g_clear_object (&d->tracker);
  g_clear_object (&d->registry);
  g_clear_object (&d->store);
  g_free (d);
}

/* The test */

static void
on_group_activated (LdErrorTrackerView *view,
                    LdErrorGroup       *group,
                    LdErrorGroup      **activated)
{
  g_set_object (activated, group);
}

static void
on_connection_activated (LdConnectionMonitor *monitor,
                         const char          *id,
                         char               **activated)
{
  g_free (*activated);
  *activated = g_strdup (id);
}

static void
check_chart (Dashboard *d)
{
  LdActivityChart *chart = LD_ACTIVITY_CHART (d->chart);
  double width = gtk_widget_get_width (d->chart);
  LdActivityBucket bucket;
  gint64 from, to;

  g_assert_cmpuint (ld_activity_get_n_records (d->activity), ==,
                    ld_store_get_n_records (d->store));
  g_assert_cmpuint (ld_activity_get_n_records (d->filtered_activity), ==,
                    g_list_model_get_n_items (G_LIST_MODEL (d->filtered)));
  g_assert_true (ld_activity_chart_get_column_at (chart, width / 2, &from, &to, &bucket));
  g_assert_cmpint (to - from, >=, G_USEC_PER_SEC);
  g_assert_cmpuint (bucket.counts[LD_ACTIVITY_BAND_INFO], >, 0);
  g_assert_false (ld_activity_chart_get_column_at (chart, width + 5, NULL, NULL, NULL));
}

static void
check_tracker (Dashboard *d)
{
  LdErrorTrackerView *view = LD_ERROR_TRACKER_VIEW (d->tracker_view);
  GListModel *model = ld_error_tracker_view_get_model (view);
  g_autoptr(LdErrorGroup) first = NULL, activated = NULL;
  GtkWidget *list_view = find_descendant (d->tracker_view, GTK_TYPE_LIST_VIEW, "error-list");

  /* Orders, database timeouts, sync, browser and payments. */
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 5);
  first = g_list_model_get_item (model, 0);
  for (guint i = 1; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(LdErrorGroup) other = g_list_model_get_item (model, i);
      g_assert_cmpint (ld_error_group_get_last_seen (first), >=,
                       ld_error_group_get_last_seen (other));
    }

  g_signal_connect (view, "group-activated", G_CALLBACK (on_group_activated), &activated);
  g_signal_emit_by_name (list_view, "activate", 0);
  g_assert_true (activated == first);
}

static void
check_monitor (Dashboard *d)
{
  LdConnectionMonitor *monitor = LD_CONNECTION_MONITOR (d->monitor);
  GListModel *model = ld_connection_monitor_get_model (monitor);
  GtkWidget *column_view = find_descendant (d->monitor, GTK_TYPE_COLUMN_VIEW, "data-table");
  g_autofree char *activated = NULL;
  g_autoptr(LdConnection) first = NULL;
  guint n = g_list_model_get_n_items (model);

  g_assert_cmpuint (n, ==, 8);
  g_signal_connect (monitor, "connection-activated", G_CALLBACK (on_connection_activated),
                    &activated);
  g_signal_emit_by_name (column_view, "activate", 3);
  first = g_list_model_get_item (model, 3);
  g_assert_cmpstr (activated, ==, ld_connection_get_id (first));

  g_assert_cmpuint (ld_source_tracker_get_source (d->tracker, ld_intern ("tcp-3", -1)), ==,
                    ld_source_tracker_get_source (d->tracker, ld_intern ("tcp-1", -1)));

  ld_connection_monitor_clear_closed (monitor);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n - 2);
}

static void
test_dashboard (void)
{
  Dashboard *d = g_new0 (Dashboard, 1);

  build_models (d);
  build_window (d);
  gtk_window_present (GTK_WINDOW (d->window));
  wait_painted (d->window);

  check_chart (d);
  check_tracker (d);
  save_screenshot (d->window, "dashboard-light.png");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_FORCE_DARK);
  wait_painted (d->window);
  save_screenshot (d->window, "dashboard-dark.png");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_DEFAULT);
  check_monitor (d);

  dashboard_free (d);
}

static void
skip_without_display (void)
{
  g_test_skip ("No display");
}

static void
run_demo (void)
{
  Dashboard *d = g_new0 (Dashboard, 1);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  build_models (d);
  build_window (d);
  if (g_getenv ("LD_DEMO_SELECT") != NULL)
    ld_activity_chart_set_selection (LD_ACTIVITY_CHART (d->chart),
                                     d->now - 5 * 60 * G_USEC_PER_SEC,
                                     d->now - 3 * 60 * G_USEC_PER_SEC);
  if (g_getenv ("LD_DEMO_SPAN") != NULL)
    ld_activity_chart_set_span (LD_ACTIVITY_CHART (d->chart),
                                (guint) g_ascii_strtoull (g_getenv ("LD_DEMO_SPAN"), NULL, 10));
  if (g_getenv ("LD_DEMO_FILTERED") != NULL)
    ld_activity_chart_set_filtered (LD_ACTIVITY_CHART (d->chart), TRUE);
  if (g_getenv ("LD_DEMO_STILL") != NULL)
    ld_activity_chart_set_following (LD_ACTIVITY_CHART (d->chart), FALSE);
  g_signal_connect_swapped (d->window, "close-request", G_CALLBACK (g_main_loop_quit), loop);
  gtk_window_present (GTK_WINDOW (d->window));
  g_main_loop_run (loop);
}

int
main (int   argc,
      char *argv[])
{
  gboolean demo = argc > 1 && g_str_equal (argv[1], "--demo");

  if (demo)
    {
      gtk_init ();
      adw_init ();
      load_css ();
      follow_dark_style ();
      run_demo ();
      return 0;
    }

  g_test_init (&argc, &argv, NULL);
  if (!gtk_init_check ())
    {
      g_test_add_func ("/dashboard/views", skip_without_display);
      return g_test_run ();
    }
  adw_init ();
  load_css ();
  follow_dark_style ();
  g_test_add_func ("/dashboard/views", test_dashboard);

  return g_test_run ();
}
