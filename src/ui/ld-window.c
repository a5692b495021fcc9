// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <glib/gi18n.h>

#include "ld-alert-notifier.h"
#include "ld-bench-report.h"
#include "ld-count-format.h"
#include "ld-dashboard.h"
#include "ld-detail-pane.h"
#include "ld-error-groups.h"
#include "ld-export.h"
#include "ld-export-dialog.h"
#include "ld-field-stats.h"
#include "ld-preferences.h"
#include "ld-sidebar.h"
#include "ld-window-private.h"

G_DEFINE_FINAL_TYPE (LdWindow, ld_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  PROP_SESSION,
  PROP_DEMO,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* How close to the end counts as "at the bottom", in pixels. */
#define FOLLOW_SLACK 4.0

/* How long the load progress stays after the last busy look, so that the
 * pauses between files do not make it blink away. */
#define LOAD_LINGER_US (G_USEC_PER_SEC)

static char *
format_count (guint64 n)
{
  return ld_format_count (n);
}

static void
update_status (LdWindow *self)
{
  LdStore *store = ld_filter_model_get_store (self->model);
  g_autofree char *total = format_count (ld_store_get_n_received (store));
  g_autofree char *shown = format_count (g_list_model_get_n_items (G_LIST_MODEL (self->model)));
  g_autofree char *evicted = format_count (ld_store_get_n_evicted (store));
  g_autofree char *rate = format_count ((guint64) (self->rate + 0.5));
  g_autofree char *total_text = g_strdup_printf (_("Received: %s"), total);
  g_autofree char *shown_text = g_strdup_printf (_("Shown: %s"), shown);
  g_autofree char *rate_text = g_strdup_printf (_("%s records/s"), rate);
  g_autofree char *evicted_text = g_strdup_printf (_("Evicted: %s"), evicted);

  gtk_label_set_text (self->total_label, total_text);
  gtk_label_set_text (self->shown_label, shown_text);
  gtk_label_set_text (self->rate_label, rate_text);
  gtk_label_set_text (self->evicted_label, evicted_text);
  gtk_widget_set_visible (GTK_WIDGET (self->evicted_label), ld_store_get_n_evicted (store) > 0);
  ld_window_update_search_offer (self);
}

/* The second without records shows a rate of 0 and stops the timer. */
static gboolean
update_rate (gpointer data)
{
  LdWindow *self = data;
  guint64 received = ld_store_get_n_received (ld_filter_model_get_store (self->model));
  gint64 now = g_get_monotonic_time ();
  gboolean idle = received == self->rate_last_received;

  if (now > self->rate_last_time)
    self->rate = (received - self->rate_last_received) * (double) G_USEC_PER_SEC
                 / (now - self->rate_last_time);
  self->rate_last_received = received;
  self->rate_last_time = now;
  update_status (self);
  ld_window_update_level_toggles (self);

  if (idle)
    self->rate_timeout_id = 0;
  return idle ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

/* Logdeck's own diagnostics (a port in use; GTK's "Unable to acquire
 * session bus", which comes through the in-process log writer as protocol
 * "glib") are not a sender's: until a sender's first record arrives they
 * wait behind a badge on the empty page, whose how-to-send help they must
 * not replace. The demo logs in-process too, and its records are a
 * sender's. */
static gboolean
is_senders_record (const LdRecord *record)
{
  const char *logger = ld_intern_lookup (record->logger);

  if (logger != NULL && g_str_has_prefix (logger, "logdeck.demo"))
    return TRUE;
  if (g_strcmp0 (ld_intern_lookup (record->protocol), "glib") == 0)
    return FALSE;
  return !ld_export_record_is_internal (record);
}

static gboolean
look_for_sender (LdWindow *self)
{
  LdStore *store = ld_filter_model_get_store (self->model);
  guint n = ld_store_get_n_records (store);

  self->internal_scanned = MIN (self->internal_scanned, n);
  for (; !self->sender_seen && self->internal_scanned < n; self->internal_scanned++)
    if (is_senders_record (ld_store_get_record (store, self->internal_scanned)))
      self->sender_seen = TRUE;

  return self->sender_seen;
}

static void
update_empty_state (LdWindow *self)
{
  gboolean shown = g_list_model_get_n_items (G_LIST_MODEL (self->model)) > 0;
  guint stored = ld_store_get_n_records (ld_filter_model_get_store (self->model));
  gboolean waiting = !look_for_sender (self) && !self->show_internal;

  if (waiting && stored > 0)
    {
      g_autofree char *count = format_count (stored);
      /* Translators: a badge on the empty page; %s is a count */
      g_autofree char *text = g_strdup_printf (ngettext ("%s Message from Logdeck",
                                                         "%s Messages from Logdeck", stored),
                                               count);

      gtk_button_set_label (GTK_BUTTON (self->internal_button), text);
    }
  gtk_widget_set_visible (self->internal_button, waiting && stored > 0);
  /* The results of a whole-session search stay until Back. */
  if (self->search_shown)
    return;
  gtk_stack_set_visible_child_name (self->content_stack,
                                    waiting ? "empty"
                                    : shown ? "records" : stored > 0 ? "no-matches" : "empty");
}

/* What the content shows again, after the search results (ld-window-search.c). */
void
ld_window_update_content (LdWindow *self)
{
  update_empty_state (self);
}

static void
show_internal_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  LdWindow *self = user_data;

  self->show_internal = TRUE;
  update_empty_state (self);
}

/* A new width class is applied after the allocation, not during it, so
 * that the changes it makes lay out in the next frame. */
static void
ld_window_size_allocate (GtkWidget *widget,
                         int        width,
                         int        height,
                         int        baseline)
{
  LdWindow *self = LD_WINDOW (widget);

  GTK_WIDGET_CLASS (ld_window_parent_class)->size_allocate (widget, width, height, baseline);

  ld_window_adapt_to_width (self, width);
}

static void
dismiss_restored_filter_activated (GSimpleAction *action,
                                   GVariant      *parameter,
                                   gpointer       user_data)
{
  LdWindow *self = user_data;

  gtk_revealer_set_reveal_child (self->restored_revealer, FALSE);
}

/**
 * ld_window_show_restored_filter:
 * @self: a window
 * @description: (nullable): what the filter kept from last time hides, or
 *   %NULL when nothing is hidden any more
 *
 * A filter that comes back at startup says so, with a one-click Clear:
 * otherwise "Shown: 1" would be the only sign of it.
 */
void
ld_window_show_restored_filter (LdWindow   *self,
                                const char *description)
{
  if (description != NULL)
    gtk_label_set_text (self->restored_label, description);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->restored_label), description);
  gtk_revealer_set_reveal_child (self->restored_revealer, description != NULL);
}

/* The column view's own list, whose "list.scroll-to-item" action moves its
 * anchor to a row: setting the adjustment while the list lays itself out
 * would be undone by the list. */
GtkWidget *
ld_window_get_list_view (LdWindow *self)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->column_view));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LIST_VIEW (child))
      return child;

  return NULL;
}

static gboolean
is_at_bottom (LdWindow *self)
{
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->scroller);

  return gtk_adjustment_get_value (adj)
         >= gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj) - FOLLOW_SLACK;
}

/* Runs once per frame until the newest row is in view: the list's size is
 * an estimate until its rows are laid out, so one scroll may fall short. */
static gboolean
follow_tick (GtkWidget     *widget,
             GdkFrameClock *frame_clock,
             gpointer       user_data)
{
  LdWindow *self = user_data;
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->selection));
  GtkWidget *list_view = ld_window_get_list_view (self);
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->scroller);

  if (!self->following || n_items == 0 || list_view == NULL
      || (self->follow_settled && is_at_bottom (self)))
    {
      self->follow_tick_id = 0;
      return G_SOURCE_REMOVE;
    }

  self->scrolling = TRUE;
  gtk_widget_activate_action (list_view, "list.scroll-to-item", "u", n_items - 1);
  gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj)
                                 - gtk_adjustment_get_page_size (adj));
  self->scrolling = FALSE;
  self->last_value = gtk_adjustment_get_value (adj);
  self->follow_settled = TRUE;

  return G_SOURCE_CONTINUE;
}

/* At most once per frame, however many batches arrived. */
static void
scroll_to_bottom (LdWindow *self)
{
  self->follow_settled = FALSE;
  if (self->follow_tick_id == 0)
    self->follow_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self->column_view),
                                                         follow_tick, self, NULL);
}

static void
set_following (LdWindow *self,
               gboolean  following)
{
  self->following = following;
  if (self->dashboard != NULL)
    ld_dashboard_set_following (self->dashboard, following);
  gtk_revealer_set_reveal_child (self->jump_revealer, !following);
  if (following)
    scroll_to_bottom (self);
}

/* A user's scroll up stops following; reaching the bottom again resumes it.
 * A value change that comes with a new upper bound is the list growing or
 * shrinking under the view, not the user. */
static void
on_value_changed (LdWindow      *self,
                  GtkAdjustment *adj)
{
  double value = gtk_adjustment_get_value (adj);
  double upper = gtk_adjustment_get_upper (adj);
  double bottom = upper - gtk_adjustment_get_page_size (adj);

  if (self->scrolling)
    return;

  if (value >= bottom - FOLLOW_SLACK)
    {
      if (!self->following)
        set_following (self, TRUE);
    }
  else if (self->following && upper == self->last_upper && value < self->last_value)
    set_following (self, FALSE);

  self->last_value = value;
  self->last_upper = upper;
}

static void
on_adjustment_changed (LdWindow      *self,
                       GtkAdjustment *adj)
{
  self->last_upper = gtk_adjustment_get_upper (adj);
}

static void
apply_time_style (LdWindow *self)
{
  g_autofree char *display = g_settings_get_string (self->settings, "time-display");
  g_autofree char *format = g_settings_get_string (self->settings, "time-format");
  LdStore *store = ld_filter_model_get_store (self->model);
  const LdRecord *first = ld_store_get_record (store, 0);
  LdTimeStyle style = { LD_TIME_LOCAL, LD_TIME_FORMAT_TIME_MS, 0 };

  if (g_str_equal (display, "utc"))
    style.display = LD_TIME_UTC;
  else if (g_str_equal (display, "relative"))
    style.display = LD_TIME_RELATIVE;
  if (g_str_equal (format, "time"))
    style.format = LD_TIME_FORMAT_TIME;
  else if (g_str_equal (format, "date-time-ms"))
    style.format = LD_TIME_FORMAT_DATE_TIME_MS;
  style.base_us = first != NULL ? first->time_us : 0;
  self->relative_base_set = first != NULL;

  self->time_style = style;
  ld_window_refresh_column (self, "time");
}

static void
apply_wrap_messages (LdWindow *self)
{
  self->wrap_messages = g_settings_get_boolean (self->settings, "wrap-messages");
  ld_window_refresh_column (self, "message");
}

static void
on_model_items_changed (LdWindow   *self,
                        guint       position,
                        guint       removed,
                        guint       added,
                        GListModel *model)
{
  update_empty_state (self);
  update_status (self);
  ld_window_filter_model_changed (self, position, removed, added);
  if (self->following)
    scroll_to_bottom (self);
  /* Relative times count from the first record, once there is one. */
  if (!self->relative_base_set && added > 0)
    apply_time_style (self);
}

static void
on_paused_changed (LdWindow   *self,
                   GParamSpec *pspec,
                   GObject    *application)
{
  gboolean paused = self->application != NULL && ld_application_get_paused (self->application);

  ld_filter_model_set_frozen (self->model, paused);
  gtk_widget_set_visible (GTK_WIDGET (self->paused_label), paused);
}

static void
on_demo_running_changed (LdWindow   *self,
                         GParamSpec *pspec,
                         LdDemo     *demo)
{
  gboolean running = ld_demo_get_running (demo);

  gtk_label_set_text (self->demo_label, running ? _("Worker thread running")
                                                : _("Worker thread idle"));
  gtk_label_set_text (self->demo_start_label,
                      running ? _("Stop Background Work") : _("Start Background Work"));
}

static void
show_demo_change_state (GSimpleAction *action,
                        GVariant      *state,
                        gpointer       user_data)
{
  LdWindow *self = user_data;

  g_simple_action_set_state (action, state);
  gtk_revealer_set_reveal_child (self->demo_revealer, g_variant_get_boolean (state));
  /* The empty page's invitation is answered once the demo shows. */
  gtk_widget_set_visible (self->try_demo_button, !g_variant_get_boolean (state));
}

static void
jump_to_latest_activated (GSimpleAction *action,
                          GVariant      *parameter,
                          gpointer       user_data)
{
  set_following (LD_WINDOW (user_data), TRUE);
}

static void
toggle_sources_activated (GSimpleAction *action,
                          GVariant      *parameter,
                          gpointer       user_data)
{
  LdWindow *self = user_data;

  adw_flap_set_reveal_flap (self->flap, !adw_flap_get_reveal_flap (self->flap));
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  LdWindow *self = user_data;
  GtkWidget *preferences = ld_preferences_new (GTK_WINDOW (self), self->settings);

  /* The column toggles are the window's own, as in the header menu. */
  gtk_widget_insert_action_group (preferences, "columns", G_ACTION_GROUP (self->column_actions));
  gtk_window_present (GTK_WINDOW (preferences));
}

static void
export_activated (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  LdWindow *self = user_data;

  gtk_window_present (GTK_WINDOW (ld_export_dialog_new (GTK_WINDOW (self), self->model)));
}

static void
on_open_response (LdWindow             *self,
                  int                   response,
                  GtkFileChooserNative *chooser)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (chooser));
      g_autoptr(GPtrArray) array = g_ptr_array_new_with_free_func (g_object_unref);
      const char *follow = gtk_file_chooser_get_choice (GTK_FILE_CHOOSER (chooser), "follow");

      for (guint i = 0; i < g_list_model_get_n_items (files); i++)
        g_ptr_array_add (array, g_list_model_get_item (files, i));
      ld_session_open (self->session,
                       (GFile **) array->pdata, array->len, g_strcmp0 (follow, "true") == 0);
    }
  g_object_unref (chooser);
}

static void
open_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  LdWindow *self = user_data;
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (_("Open Log Files"),
                                                               GTK_WINDOW (self),
                                                               GTK_FILE_CHOOSER_ACTION_OPEN,
                                                               _("_Open"), _("_Cancel"));

  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (chooser), TRUE);
  gtk_file_chooser_add_choice (GTK_FILE_CHOOSER (chooser), "follow",
                               _("Follow the file as it grows"), NULL, NULL);
  g_signal_connect_swapped (chooser, "response", G_CALLBACK (on_open_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static gboolean
on_drop (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         LdWindow      *self)
{
  GSList *files = gdk_file_list_get_files (g_value_get_boxed (value));
  g_autoptr(GPtrArray) array = g_ptr_array_new ();

  for (GSList *l = files; l != NULL; l = l->next)
    g_ptr_array_add (array, l->data);
  g_slist_free (files);
  ld_session_open (self->session, (GFile **) array->pdata,
                   array->len, FALSE);

  return TRUE;
}

/* While files load, the status bar shows how far. */
static gboolean
update_load_progress (gpointer data)
{
  LdWindow *self = data;
  LdFileSources *files = ld_session_get_file_sources (self->session);
  gboolean busy = ld_file_sources_get_busy (files);
  gint64 now = g_get_monotonic_time ();

  if (busy)
    {
      double fraction = ld_file_sources_get_fraction (files);
      /* Translators: the load progress bar's text; %d is a percentage */
      g_autofree char *text = g_strdup_printf (_("Loading %d %%"), (int) (fraction * 100));

      self->load_seen_us = now;
      gtk_progress_bar_set_fraction (self->load_progress, fraction);
      gtk_progress_bar_set_text (self->load_progress, text);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->load_progress),
                          busy || now - self->load_seen_us < LOAD_LINGER_US);

  if (busy || now - self->load_seen_us < LOAD_LINGER_US)
    return G_SOURCE_CONTINUE;
  self->load_timeout_id = 0;
  return G_SOURCE_REMOVE;
}

/* Records, shown or not, start the once-a-second refresh (the rate counting
 * from those before this batch), and the load progress while files load;
 * both stop when nothing changes, so that an idle window does not wake up. */
static void
on_store_changed (LdWindow   *self,
                  guint       position,
                  guint       removed,
                  guint       added,
                  GListModel *store)
{
  if (self->rate_timeout_id == 0)
    {
      self->rate_last_time = g_get_monotonic_time ();
      self->rate_last_received = ld_store_get_n_received (LD_STORE (store)) - added;
      self->rate_timeout_id = g_timeout_add_seconds (1, update_rate, self);
    }
  if (self->load_timeout_id == 0
      && ld_file_sources_get_busy (ld_session_get_file_sources (self->session)))
    self->load_timeout_id = g_timeout_add (200, update_load_progress, self);
  /* Records that arrive, or go, while the filter (one kept from last time,
   * say) shows none of them change the page between "waiting", "nothing
   * matches" and "empty", which the table's own changes would not say. */
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->content_stack), "records") != 0)
    update_empty_state (self);
}

/* The chart's drag becomes after:/before: terms in the filter bar, in place
 * of the time terms ANDed with the rest of the query
 * (ld_field_stats_query_with_range()). */
static void
on_range_selected (LdWindow *self,
                   gint64    from_us,
                   gint64    to_us)
{
  g_autoptr(GDateTime) from = g_date_time_new_from_unix_local (from_us / G_USEC_PER_SEC);
  g_autoptr(GDateTime) to = g_date_time_new_from_unix_local ((to_us + G_USEC_PER_SEC - 1)
                                                              / G_USEC_PER_SEC);
  g_autofree char *from_text = g_date_time_format (from, "%Y-%m-%dT%H:%M:%S");
  g_autofree char *to_text = g_date_time_format (to, "%Y-%m-%dT%H:%M:%S");
  g_autofree char *range = g_strdup_printf ("after:%s before:%s", from_text, to_text);
  g_autofree char *query =
    ld_field_stats_query_with_range (gtk_editable_get_text (GTK_EDITABLE (self->filter_entry)),
                                     range);

  gtk_search_bar_set_search_mode (self->filter_bar, TRUE);
  gtk_editable_set_text (GTK_EDITABLE (self->filter_entry), query);
}

/* The query language has no term for "this error group": the group's own
 * test becomes part of the filter until Clear Filters. */
static gboolean
group_predicate (const LdRecord *record,
                 gpointer        data)
{
  return ld_error_groups_record_matches (data, record);
}

static void
on_group_activated (LdWindow     *self,
                    LdErrorGroup *group)
{
  ld_filter_model_set_predicate (self->model, group_predicate, g_object_ref (group),
                                 g_object_unref);
  ld_window_update_subtitle (self);
}

/* The query goes in the filter bar, where the user sees it and can edit it,
 * as if typed there. */
static void
show_query (LdWindow   *self,
            const char *query)
{
  gtk_search_bar_set_search_mode (self->filter_bar, TRUE);
  gtk_editable_set_text (GTK_EDITABLE (self->filter_entry), query);
}

/* A value's filter or exclude button in the sidebar's Fields section: the term
 * joins the query in the filter bar, in place of its opposite. */
static void
on_filter_term (LdWindow   *self,
                const char *term)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->filter_entry));
  g_autofree char *query = ld_field_stats_query_with_term (text, term);

  show_query (self, query);
}

static void
on_connection_activated (LdWindow   *self,
                         const char *id)
{
  /* A record may name its own connection: the id is a sender's text. */
  g_autoptr(GString) query = g_string_new ("conn=");

  ld_query_append_value (query, id);
  show_query (self, query->str);
}

/* "win.set-filter" with a query: what the detail pane's "Show This Trace"
 * and the connection monitor's host rows ask for. */
static void
set_filter_activated (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  show_query (LD_WINDOW (user_data), g_variant_get_string (parameter, NULL));
}

/* A notification's Show: the record, selected, with the filter cleared if
 * it hid it. */
static void
on_show_record (LdWindow *self,
                guint64   seq)
{
  int position = ld_filter_model_find_seq (self->model, seq);

  if (position < 0)
    {
      gtk_widget_activate_action (GTK_WIDGET (self), "win.clear-filters", NULL);
      ld_filter_model_flush (self->model);
      position = ld_filter_model_find_seq (self->model, seq);
    }
  if (position < 0)
    return;

  position = ld_window_reveal_record (self, position);
  gtk_single_selection_set_selected (self->selection, position);
  gtk_widget_activate_action (ld_window_get_list_view (self), "list.scroll-to-item", "u",
                              (guint) position);
}

static void
on_unread_changed (LdWindow        *self,
                   GParamSpec      *pspec,
                   LdAlertNotifier *notifier)
{
  guint n = 0;
  g_autofree char *text = NULL;

  g_object_get (notifier, "n-unread", &n, NULL);
  text = g_strdup_printf (ngettext ("%u alert", "%u alerts", n), n);
  gtk_label_set_text (self->alerts_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->alerts_label), n > 0);
}

static void
setup_dashboard (LdWindow *self)
{
  LdSession *session = self->session;
  GtkWidget *paned = g_object_ref (GTK_WIDGET (self->paned));

  self->dashboard = LD_DASHBOARD (ld_dashboard_new (ld_session_get_store (session),
                                                    G_LIST_MODEL (self->model),
                                                    ld_session_get_registry (session),
                                                    self->settings));
  ld_session_set_source_tracker (session, ld_dashboard_get_source_tracker (self->dashboard));

  /* The dashboard goes around the table: chart above, views below. */
  gtk_stack_remove (self->content_stack, paned);
  ld_dashboard_set_content (self->dashboard, paned);
  gtk_stack_add_named (self->content_stack, GTK_WIDGET (self->dashboard), "records");
  g_object_unref (paned);

  g_signal_connect_object (self->dashboard, "range-selected", G_CALLBACK (on_range_selected),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->dashboard, "group-activated", G_CALLBACK (on_group_activated),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->dashboard, "connection-activated",
                           G_CALLBACK (on_connection_activated), self, G_CONNECT_SWAPPED);
  /* A slow request in the Timing view: selected, so the detail pane shows it. */
  g_signal_connect_object (self->dashboard, "record-activated", G_CALLBACK (on_show_record),
                           self, G_CONNECT_SWAPPED);
  g_object_bind_property (self->dashboard_button, "active", self->dashboard, "show-chart",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);

  self->notifier = ld_alert_notifier_new (ld_session_get_store (session), self->settings,
                                          GTK_WINDOW (self));
  g_signal_connect_object (self->notifier, "show-record", G_CALLBACK (on_show_record), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->notifier, "notify::n-unread", G_CALLBACK (on_unread_changed),
                           self, G_CONNECT_SWAPPED);
}

static const GActionEntry win_actions[] = {
  { "open", open_activated },
  { "export", export_activated },
  { "preferences", preferences_activated },
  { "toggle-sources", toggle_sources_activated },
  { "show-demo", NULL, NULL, "false", show_demo_change_state },
  { "jump-to-latest", jump_to_latest_activated },
  { "dismiss-restored-filter", dismiss_restored_filter_activated },
  { "show-internal", show_internal_activated },
  { "set-filter", set_filter_activated, "s" },
};

/* New ports show in the empty page and the subtitle (unless a filter has it). */
static void
on_listeners_changed (LdWindow *self)
{
  ld_window_update_endpoints_text (self);
  ld_window_update_subtitle (self);
}

static gboolean
ld_window_close_request (GtkWindow *window)
{
  LdWindow *self = LD_WINDOW (window);

  ld_window_save_columns (self);
  /* The worker stops with the window, as in the cookbook's demo. */
  ld_demo_stop (self->demo);

  return GTK_WINDOW_CLASS (ld_window_parent_class)->close_request (window);
}

static void
ld_window_dispose (GObject *object)
{
  LdWindow *self = LD_WINDOW (object);

  g_clear_handle_id (&self->rate_timeout_id, g_source_remove);
  g_clear_handle_id (&self->load_timeout_id, g_source_remove);
  g_clear_handle_id (&self->adapt_id, g_source_remove);
  if (self->follow_tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self->column_view), self->follow_tick_id);
      self->follow_tick_id = 0;
    }
  if (self->application != NULL)
    g_signal_handlers_disconnect_by_data (self->application, self);
  if (self->demo != NULL)
    g_signal_handlers_disconnect_by_data (self->demo, self);
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);

  ld_window_dispose_marks (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), LD_TYPE_WINDOW);

  ld_window_finalize_filter (self);
  g_clear_object (&self->notifier);
  g_clear_object (&self->selection);
  ld_window_finalize_fold (self);
  g_clear_object (&self->model);
  g_clear_object (&self->column_actions);
  g_clear_object (&self->settings);
  g_clear_object (&self->application);
  g_clear_object (&self->session);
  g_clear_object (&self->demo);

  G_OBJECT_CLASS (ld_window_parent_class)->dispose (object);
}

static void
install_space_to_pause (LdWindow *self)
{
  GtkEventController *controller = gtk_shortcut_controller_new ();

  /* Space pauses while the table has focus; elsewhere it types a space. */
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_space, 0),
                                                          gtk_named_action_new ("app.pause")));
  gtk_widget_add_controller (GTK_WIDGET (self->column_view), controller);
}

static void
bind_window_settings (LdWindow *self)
{
  g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);
}

/* The detail pane follows the selection, so arrow keys move through records
 * with the pane showing each in turn. */

/* The detail pane opens at up to DETAIL_HEIGHT, but never takes more than
 * DETAIL_SHARE of the space it shares with the table: in a short window
 * (800×600 with the chart shown) the table keeps rows to select from. */
#define DETAIL_HEIGHT 300
#define DETAIL_SHARE 0.45

static void
place_detail_pane (LdWindow *self)
{
  int height = gtk_widget_get_height (GTK_WIDGET (self->paned));
  int detail = MIN (DETAIL_HEIGHT, (int) (height * DETAIL_SHARE));

  if (height > 0)
    gtk_paned_set_position (self->paned, height - detail);
}

static void
on_selected_item_changed (LdWindow           *self,
                          GParamSpec         *pspec,
                          GtkSingleSelection *selection)
{
  LdRow *row = gtk_single_selection_get_selected_item (selection);
  guint position = gtk_single_selection_get_selected (selection);
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (selection));

  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->scroller);

  /* Picking an older record to read stops the view running away from it,
   * once there is anywhere to run. */
  if (row != NULL && self->following && position + 1 < n_items
      && gtk_adjustment_get_upper (adj) > gtk_adjustment_get_page_size (adj))
    set_following (self, FALSE);

  ld_detail_pane_set_row (LD_DETAIL_PANE (self->detail_pane), row);
  if (row != NULL && !gtk_widget_get_visible (GTK_WIDGET (self->detail_pane)))
    place_detail_pane (self);
  gtk_widget_set_visible (GTK_WIDGET (self->detail_pane), row != NULL);
}

static void
connect_model (LdWindow *self)
{
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->scroller);

  self->model = ld_filter_model_new (ld_session_get_store (self->session));
  ld_window_setup_fold (self);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->fold)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));

  g_signal_connect_object (self->model, "items-changed", G_CALLBACK (on_model_items_changed),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->selection, "notify::selected-item",
                           G_CALLBACK (on_selected_item_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (adj, "value-changed", G_CALLBACK (on_value_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (adj, "changed", G_CALLBACK (on_adjustment_changed), self,
                           G_CONNECT_SWAPPED);
}

/* What needs the application: its paused state, and the action of the
 * alerts' notifications. "application" is set after construction, and may
 * not be set at all in a test. */
static void
on_application_changed (LdWindow   *self,
                        GParamSpec *pspec,
                        gpointer    user_data)
{
  GtkApplication *application = gtk_window_get_application (GTK_WINDOW (self));

  if (self->application != NULL || !LD_IS_APPLICATION (application))
    return;

  self->application = g_object_ref (LD_APPLICATION (application));
  g_signal_connect_swapped (self->application, "notify::paused",
                            G_CALLBACK (on_paused_changed), self);
  on_paused_changed (self, NULL, NULL);
  ld_alert_notifier_install_action (self->notifier, G_APPLICATION (self->application));
}

static void
ld_window_constructed (GObject *object)
{
  LdWindow *self = LD_WINDOW (object);

  G_OBJECT_CLASS (ld_window_parent_class)->constructed (object);

  g_assert (G_IS_SETTINGS (self->settings));
  g_assert (LD_IS_SESSION (self->session));
  g_assert (LD_IS_DEMO (self->demo));

  self->following = g_settings_get_boolean (self->settings, "follow");

  g_action_map_add_action_entries (G_ACTION_MAP (self), win_actions, G_N_ELEMENTS (win_actions),
                                   self);
  ld_window_setup_columns (self);
  connect_model (self);
  install_space_to_pause (self);
  bind_window_settings (self);

  g_signal_connect_swapped (self->demo, "notify::running", G_CALLBACK (on_demo_running_changed),
                            self);
  on_paused_changed (self, NULL, NULL);
  on_demo_running_changed (self, NULL, self->demo);

  g_signal_connect_object (ld_session_get_store (self->session), "items-changed",
                           G_CALLBACK (on_store_changed), self, G_CONNECT_SWAPPED);
  {
    GtkDropTarget *drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);

    g_signal_connect (drop, "drop", G_CALLBACK (on_drop), self);
    gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
  }

  ld_sidebar_set_sources (self->sidebar, ld_session_get_store (self->session),
                          ld_session_get_registry (self->session));
  ld_sidebar_set_view (self->sidebar, self->model, self->settings);
  g_signal_connect_object (self->sidebar, "filter-term", G_CALLBACK (on_filter_term), self,
                           G_CONNECT_SWAPPED);
  self->initial_filter = g_strdup (ld_session_get_filter (self->session));
  setup_dashboard (self);
  ld_window_setup_marks (self);
  ld_window_setup_filter (self);
  ld_window_setup_search (self);
  ld_window_update_endpoints_text (self);
  g_signal_connect_object (self->session, "listeners-changed",
                           G_CALLBACK (on_listeners_changed), self, G_CONNECT_SWAPPED);
  update_empty_state (self);
  update_status (self);
  gtk_revealer_set_reveal_child (self->jump_revealer, !self->following);

  ld_window_apply_default_width (self);

  {
    g_autoptr(GAction) wrap = g_settings_create_action (self->settings, "wrap-messages");

    g_action_map_add_action (G_ACTION_MAP (self), wrap);
  }
  apply_wrap_messages (self);
  g_signal_connect_object (self->settings, "changed::wrap-messages",
                           G_CALLBACK (apply_wrap_messages), self, G_CONNECT_SWAPPED);
  apply_time_style (self);
  g_signal_connect_object (self->settings, "changed::time-display",
                           G_CALLBACK (apply_time_style), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::time-format",
                           G_CALLBACK (apply_time_style), self, G_CONNECT_SWAPPED);

  g_signal_connect (self, "notify::application", G_CALLBACK (on_application_changed), NULL);
  ld_bench_report_attach (GTK_WIDGET (self), ld_session_get_store (self->session));
}

static void
ld_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  LdWindow *self = LD_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_DEMO:
      g_value_set_object (value, self->demo);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ld_window_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  LdWindow *self = LD_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;
    case PROP_DEMO:
      self->demo = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ld_window_class_init (LdWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = ld_window_constructed;
  object_class->dispose = ld_window_dispose;
  object_class->get_property = ld_window_get_property;
  object_class->set_property = ld_window_set_property;

  /* What the window shows, given rather than fetched from the application,
   * so that a test can build one. */
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, LD_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DEMO] =
    g_param_spec_object ("demo", NULL, NULL, LD_TYPE_DEMO,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  window_class->close_request = ld_window_close_request;
  widget_class->size_allocate = ld_window_size_allocate;

  g_type_ensure (LD_TYPE_SIDEBAR);
  g_type_ensure (LD_TYPE_DETAIL_PANE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/logdeck/Logdeck/ld-window.ui");
  gtk_widget_class_bind_template_child (widget_class, LdWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, dashboard_button);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, pause_button);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, clear_button);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, filter_row);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, restored_revealer);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, restored_label);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, try_demo_button);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, internal_button);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, demo_start_label);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, filter_bar);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, filter_entry);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, min_level_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, level_box);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, filter_error_revealer);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, filter_error_label);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, find_entry);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, find_count_label);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, flap);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, detail_pane);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, demo_revealer);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, demo_label);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, demo_start_button);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, empty_page);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, snippet_label);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, senders_expander);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, senders_label);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, scroller);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, column_view);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, jump_revealer);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, total_label);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, shown_label);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, rate_label);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, evicted_label);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, paused_label);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, load_progress);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, alerts_label);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, paned);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, search_revealer);
  gtk_widget_class_bind_template_child (widget_class, LdWindow, search_label);
}

static void
ld_window_init (LdWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * ld_window_new:
 * @application: the application
 *
 * Returns: (transfer full): a new window showing the application's session
 */
LdWindow *
ld_window_new (LdApplication *application)
{
  g_return_val_if_fail (LD_IS_APPLICATION (application), NULL);

  return g_object_new (LD_TYPE_WINDOW,
                       "settings", ld_application_get_settings (application),
                       "session", ld_application_get_session (application),
                       "demo", ld_application_get_demo (application),
                       "application", application,
                       NULL);
}

/**
 * ld_window_show_demo:
 * @self: a window
 *
 * Reveals the demo's bar, as the menu item does.
 */
void
ld_window_show_demo (LdWindow *self)
{
  g_return_if_fail (LD_IS_WINDOW (self));

  g_action_group_change_action_state (G_ACTION_GROUP (self), "show-demo",
                                      g_variant_new_boolean (TRUE));
}

LdFilterModel *
ld_window_get_model (LdWindow *self)
{
  g_return_val_if_fail (LD_IS_WINDOW (self), NULL);

  return self->model;
}

GtkColumnView *
ld_window_get_column_view (LdWindow *self)
{
  g_return_val_if_fail (LD_IS_WINDOW (self), NULL);

  return self->column_view;
}

gboolean
ld_window_get_following (LdWindow *self)
{
  g_return_val_if_fail (LD_IS_WINDOW (self), FALSE);

  return self->following;
}
