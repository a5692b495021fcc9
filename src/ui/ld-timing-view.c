// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <glib/gi18n.h>

#include "ld-count-format.h"
#include "ld-field-stats.h"
#include "ld-timing-chart.h"
#include "ld-timing-view.h"

/* The dashboard's Timing panel: percentiles of request durations over time
 * (a chart under the activity chart's window), the same by a chosen field,
 * and the slowest requests. Lists are rebuilt at most once a frame, only
 * while the panel is on screen, from counters LdTiming keeps as records
 * arrive; when no record has a duration, an empty state says what is
 * looked for and offers the message pattern. While LdTiming reads the
 * whole store again (the first time the panel shows, or after the pattern
 * or the grouping field changed), a progress bar says how far it is, and
 * the chart and lists show the records read so far. */

/* The fields offered to group by: what request logs name their endpoint. */
static const char *const group_keys[] = {
  "path", "endpoint", "route", "url", "method", "status", "logger", NULL,
};

struct _LdTimingView
{
  AdwBin           parent_instance;

  LdTiming        *timing;
  LdStore         *store;
  GSettings       *settings;

  GtkStack        *stack;
  GtkWidget       *chart;
  GtkDropDown     *group_dropdown;
  GtkListBox      *group_list;
  GtkListBox      *slowest_list;
  GtkMenuButton   *pattern_button;
  GtkEntry        *pattern_entry;
  GtkLabel        *pattern_error;
  GtkLabel        *summary;
  GtkProgressBar  *progress;

  guint            tick_id;
  guint            delay_id;
  gint64           refreshed_us;   /* monotonic */
  gboolean         attached;       /* the timing reads the store */
};

enum {
  RECORD_ACTIVATED,
  RANGE_SELECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LdTimingView, ld_timing_view, ADW_TYPE_BIN)

/* Rows */

/* A number @width characters wide, right-aligned; with a @width of 0,
 * text that takes the room left, cut at its end but never below 8
 * characters (a path such as "/search" stays whole in an 800-pixel
 * window). */
static GtkWidget *
cell (const char *text,
      guint       width)
{
  GtkWidget *label = gtk_label_new (text);

  if (width > 0)
    {
      gtk_label_set_xalign (GTK_LABEL (label), 1);
      gtk_label_set_width_chars (GTK_LABEL (label), width);
      gtk_widget_add_css_class (label, "numeric");
    }
  else
    {
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_label_set_width_chars (GTK_LABEL (label), 8);
      gtk_widget_set_hexpand (label, TRUE);
    }
  return label;
}

/* "518.4 ms", and a count of up to six digits. */
#define DURATION_CHARS 8
#define COUNT_CHARS 6

static GtkWidget *
group_row (const LdTimingGroup *group)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *row = gtk_list_box_row_new ();
  g_autofree char *count = g_strdup_printf ("%" G_GUINT64_FORMAT, group->count);
  g_autofree char *p50 = ld_timing_format_duration (group->p50);
  g_autofree char *p95 = ld_timing_format_duration (group->p95);
  g_autofree char *p99 = ld_timing_format_duration (group->p99);

  gtk_box_append (GTK_BOX (box), cell (group->name != NULL ? group->name : _("Other"), 0));
  gtk_box_append (GTK_BOX (box), cell (count, COUNT_CHARS));
  gtk_box_append (GTK_BOX (box), cell (p50, DURATION_CHARS));
  gtk_box_append (GTK_BOX (box), cell (p95, DURATION_CHARS));
  gtk_box_append (GTK_BOX (box), cell (p99, DURATION_CHARS));
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  /* "Other" stands for many values: there is no one term to filter to. */
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), group->name != NULL);
  g_object_set_data_full (G_OBJECT (row), "value", g_strdup (group->name), g_free);
  return row;
}

static GtkWidget *
group_header (void)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);

  gtk_box_append (GTK_BOX (box), cell (_("Value"), 0));
  gtk_box_append (GTK_BOX (box), cell (_("Count"), COUNT_CHARS));
  gtk_box_append (GTK_BOX (box), cell (_("p50"), DURATION_CHARS));
  gtk_box_append (GTK_BOX (box), cell (_("p95"), DURATION_CHARS));
  gtk_box_append (GTK_BOX (box), cell (_("p99"), DURATION_CHARS));
  gtk_widget_add_css_class (box, "timing-header");
  gtk_widget_add_css_class (box, "dim-label");
  return box;
}

static GtkWidget *
slow_row (const LdTimingSlow *slow,
          const LdRecord     *record)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *row = gtk_list_box_row_new ();
  g_autofree char *duration = ld_timing_format_duration (slow->seconds);
  gint64 second = record->time_us / G_USEC_PER_SEC;
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (second);
  g_autofree char *clock = time != NULL ? g_date_time_format (time, "%H:%M:%S") : NULL;
  gsize length;
  const char *text = ld_record_get_message (record, &length);
  /* Milliseconds are enough to tell requests apart. */
  g_autofree char *when = g_strdup_printf ("%s.%03d", clock != NULL ? clock : "?",
                                           (int) ((record->time_us - second * G_USEC_PER_SEC)
                                                  / 1000));
  g_autofree char *message = g_utf8_make_valid (text, MIN (length, 300));
  GtkWidget *duration_label = cell (duration, 9);

  gtk_widget_add_css_class (duration_label, "heading");
  gtk_box_append (GTK_BOX (box), duration_label);
  gtk_box_append (GTK_BOX (box), cell (when, 12));
  gtk_box_append (GTK_BOX (box), cell (message, 0));
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  g_object_set_data_full (G_OBJECT (row), "seq", g_memdup2 (&slow->seq, sizeof slow->seq),
                          g_free);
  return row;
}

/* Refreshing */

static void
remove_rows (GtkListBox *list)
{
  GtkWidget *row;

  while ((row = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, row);
}

/* The summary, and while a recount goes on its progress: cheap enough to
 * follow every ::changed of it. */
static void
refresh_summary (LdTimingView *self)
{
  guint n = ld_timing_get_n_durations (self->timing);
  guint pending = ld_timing_get_pending (self->timing);
  g_autofree char *summary = NULL;

  /* Until every record is read, "none found" would not be true yet. */
  gtk_stack_set_visible_child_name (self->stack, n > 0 || pending > 0 ? "data" : "empty");
  if (pending > 0)
    {
      guint n_records = ld_store_get_n_records (self->store);
      guint n_read = n_records - MIN (pending, n_records);
      g_autofree char *read = ld_format_count (n_read);
      g_autofree char *total = ld_format_count (n_records);

      summary = g_strdup_printf (_("Reading records, %s of %s…"), read, total);
      gtk_progress_bar_set_fraction (self->progress, n_records > 0 ? (double) n_read / n_records
                                                                   : 0);
    }
  else
    {
      g_autofree char *count = ld_format_count (n);

      summary = g_strdup_printf (ngettext ("%s request timed", "%s requests timed", n), count);
    }
  gtk_label_set_text (self->summary, summary);
  gtk_widget_set_visible (GTK_WIDGET (self->progress), pending > 0);
}

static void
refresh_lists (LdTimingView *self)
{
  g_autoptr(GArray) groups = ld_timing_dup_groups (self->timing);
  g_autoptr(GArray) slowest = ld_timing_dup_slowest (self->timing);

  refresh_summary (self);
  remove_rows (self->group_list);
  for (guint i = 0; i < groups->len; i++)
    gtk_list_box_append (self->group_list,
                         group_row (&g_array_index (groups, LdTimingGroup, i)));
  remove_rows (self->slowest_list);
  /* A record evicted since the worker last looked is no longer listed:
   * it could not be opened. */
  for (guint i = 0; i < slowest->len; i++)
    {
      const LdTimingSlow *slow = &g_array_index (slowest, LdTimingSlow, i);
      const LdRecord *record = ld_store_get_record_by_seq (self->store, slow->seq);

      if (record != NULL)
        gtk_list_box_append (self->slowest_list, slow_row (slow, record));
    }
}

/* The lists are rebuilt at most this often while records stream in:
 * readable, and a few dozen rows four times a second cost little. */
#define REFRESH_INTERVAL_US (250 * 1000)

static gboolean
refresh_tick (GtkWidget     *widget,
              GdkFrameClock *clock,
              gpointer       user_data)
{
  LdTimingView *self = LD_TIMING_VIEW (widget);

  self->tick_id = 0;
  self->refreshed_us = g_get_monotonic_time ();
  refresh_lists (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_refresh (LdTimingView *self)
{
  if (self->tick_id == 0 && gtk_widget_get_mapped (GTK_WIDGET (self)))
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), refresh_tick, NULL, NULL);
}

static gboolean
refresh_delayed (gpointer data)
{
  LdTimingView *self = data;

  self->delay_id = 0;
  schedule_refresh (self);
  return G_SOURCE_REMOVE;
}

/* Records arrive in batches, up to one a frame: the lists follow at the
 * next frame, or REFRESH_INTERVAL_US after the last refresh, whichever is
 * later, and not at all while the panel is hidden. Nothing is scheduled
 * while nothing changes. */
static void
on_timing_changed (LdTimingView *self)
{
  gint64 since = g_get_monotonic_time () - self->refreshed_us;

  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;
  if (gtk_widget_get_visible (GTK_WIDGET (self->progress)) || ld_timing_get_pending (self->timing) > 0)
    refresh_summary (self);
  if (self->tick_id != 0 || self->delay_id != 0)
    return;

  if (since >= REFRESH_INTERVAL_US)
    schedule_refresh (self);
  else
    self->delay_id = g_timeout_add ((REFRESH_INTERVAL_US - since) / 1000 + 1, refresh_delayed,
                                    self);
}

/* Durations are read from the store from the first time the panel shows,
 * not before: reading them costs more per record than the other
 * dashboard views do (on the counters' own thread, but a CPU all the
 * same), and a session that never opens the panel should not pay it. From
 * then on they follow the store as it changes. */
static void
on_map (LdTimingView *self)
{
  if (!self->attached)
    {
      self->attached = TRUE;
      ld_timing_attach_store (self->timing, self->store);
    }
  refresh_lists (self);
}

/* Choosing */

static void
on_group_selected (LdTimingView *self)
{
  guint selected = gtk_drop_down_get_selected (self->group_dropdown);

  if (selected < G_N_ELEMENTS (group_keys) - 1)
    {
      ld_timing_set_group_key (self->timing, group_keys[selected]);
      g_settings_set_string (self->settings, "timing-group-key", group_keys[selected]);
    }
}

static void
on_group_row_activated (LdTimingView  *self,
                        GtkListBoxRow *row)
{
  const char *key = ld_timing_get_group_key (self->timing);
  const char *value = g_object_get_data (G_OBJECT (row), "value");
  g_autofree char *term = NULL;

  if (value == NULL || key == NULL)
    return;

  term = g_str_equal (key, "logger") ? ld_field_stats_term (LD_STATS_FIELD_LOGGER, NULL, value, FALSE)
                                     : ld_field_stats_term (LD_STATS_FIELD_EXTRA, key, value, FALSE);
  gtk_widget_activate_action (GTK_WIDGET (self), "win.set-filter", "s", term);
}

static void
on_slow_row_activated (LdTimingView  *self,
                       GtkListBoxRow *row)
{
  const guint64 *seq = g_object_get_data (G_OBJECT (row), "seq");

  if (seq != NULL)
    g_signal_emit (self, signals[RECORD_ACTIVATED], 0, *seq);
}

static void
on_range_selected (LdTimingView *self,
                   gint64        from_us,
                   gint64        to_us)
{
  g_signal_emit (self, signals[RANGE_SELECTED], 0, from_us, to_us);
}

/* The message pattern */

static void
apply_pattern (LdTimingView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->pattern_entry));
  g_autoptr(GError) error = NULL;

  if (!ld_timing_set_pattern (self->timing, text, &error))
    {
      g_autofree char *message = g_strdup_printf (_("This pattern cannot be used: %s."),
                                                  error->message);

      gtk_label_set_text (self->pattern_error, message);
      gtk_widget_set_visible (GTK_WIDGET (self->pattern_error), TRUE);
      gtk_widget_add_css_class (GTK_WIDGET (self->pattern_entry), "error");
      return;
    }

  gtk_widget_set_visible (GTK_WIDGET (self->pattern_error), FALSE);
  gtk_widget_remove_css_class (GTK_WIDGET (self->pattern_entry), "error");
  g_settings_set_string (self->settings, "timing-pattern", text);
  gtk_menu_button_popdown (self->pattern_button);
}

static GtkWidget *
build_pattern_popover (LdTimingView *self)
{
  g_autofree char *pattern = g_settings_get_string (self->settings, "timing-pattern");
  GtkWidget *popover = gtk_popover_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  GtkWidget *title = gtk_label_new (_("Durations in Messages"));
  GtkWidget *hint = gtk_label_new (_("For records without a duration field: the text around "
                                     "the number, with {duration} in its place. "
                                     "“in {duration}s” reads “Request completed in 0.123s”."));
  GtkWidget *apply = gtk_button_new_with_mnemonic (_("_Apply"));

  gtk_widget_add_css_class (title, "heading");
  gtk_label_set_wrap (GTK_LABEL (hint), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (hint), 40);
  gtk_label_set_xalign (GTK_LABEL (hint), 0);
  gtk_widget_add_css_class (hint, "dim-label");
  self->pattern_entry = GTK_ENTRY (gtk_entry_new ());
  gtk_entry_set_placeholder_text (self->pattern_entry, "in {duration}s");
  gtk_editable_set_text (GTK_EDITABLE (self->pattern_entry), pattern);
  self->pattern_error = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->pattern_error, TRUE);
  gtk_label_set_xalign (self->pattern_error, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->pattern_error), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->pattern_error), FALSE);
  gtk_widget_add_css_class (apply, "suggested-action");
  gtk_widget_set_halign (apply, GTK_ALIGN_END);
  g_signal_connect_object (apply, "clicked", G_CALLBACK (apply_pattern), self,
                           G_CONNECT_SWAPPED);

  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), hint);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->pattern_entry));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->pattern_error));
  gtk_box_append (GTK_BOX (box), apply);
  gtk_popover_set_child (GTK_POPOVER (popover), box);
  gtk_popover_set_default_widget (GTK_POPOVER (popover), apply);
  gtk_entry_set_activates_default (self->pattern_entry, TRUE);
  return popover;
}

/* Building */

static GtkWidget *
build_toolbar (LdTimingView *self)
{
  GtkWidget *bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *by = gtk_label_new_with_mnemonic (_("Group _by"));
  GtkWidget *spacer = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  g_autofree char *key = g_settings_get_string (self->settings, "timing-group-key");
  guint selected = 0;

  self->summary = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->summary), "dim-label");
  gtk_label_set_xalign (self->summary, 0);
  gtk_widget_set_hexpand (spacer, TRUE);
  self->progress = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_widget_set_size_request (GTK_WIDGET (self->progress), 160, -1);
  gtk_widget_set_valign (GTK_WIDGET (self->progress), GTK_ALIGN_CENTER);
  gtk_widget_set_visible (GTK_WIDGET (self->progress), FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->progress), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Records read"), -1);

  self->group_dropdown = GTK_DROP_DOWN (gtk_drop_down_new_from_strings (group_keys));
  gtk_label_set_mnemonic_widget (GTK_LABEL (by), GTK_WIDGET (self->group_dropdown));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->group_dropdown),
                               _("The field the durations are grouped by"));
  for (guint i = 0; group_keys[i] != NULL; i++)
    if (g_str_equal (group_keys[i], key))
      selected = i;
  gtk_drop_down_set_selected (self->group_dropdown, selected);
  ld_timing_set_group_key (self->timing, group_keys[selected]);
  g_signal_connect_object (self->group_dropdown, "notify::selected",
                           G_CALLBACK (on_group_selected), self, G_CONNECT_SWAPPED);

  self->pattern_button = GTK_MENU_BUTTON (gtk_menu_button_new ());
  gtk_menu_button_set_label (self->pattern_button, _("Message Pattern"));
  gtk_menu_button_set_popover (self->pattern_button, build_pattern_popover (self));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->pattern_button),
                               _("Read durations from message text"));

  gtk_box_append (GTK_BOX (bar), GTK_WIDGET (self->summary));
  gtk_box_append (GTK_BOX (bar), GTK_WIDGET (self->progress));
  gtk_box_append (GTK_BOX (bar), spacer);
  gtk_box_append (GTK_BOX (bar), by);
  gtk_box_append (GTK_BOX (bar), GTK_WIDGET (self->group_dropdown));
  gtk_box_append (GTK_BOX (bar), GTK_WIDGET (self->pattern_button));
  gtk_widget_add_css_class (bar, "timing-toolbar");
  return bar;
}

static GtkListBox *
build_list (LdTimingView *self,
            GCallback     on_activated)
{
  GtkWidget *list = gtk_list_box_new ();

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "timing-list");
  g_signal_connect_object (list, "row-activated", on_activated, self, G_CONNECT_SWAPPED);
  return GTK_LIST_BOX (list);
}

static GtkWidget *
titled (const char *title,
        GtkWidget  *header,
        GtkWidget  *child)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *label = gtk_label_new (title);
  GtkWidget *scrolled = gtk_scrolled_window_new ();

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "heading");
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), child);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_box_append (GTK_BOX (box), label);
  if (header != NULL)
    gtk_box_append (GTK_BOX (box), header);
  gtk_box_append (GTK_BOX (box), scrolled);
  gtk_widget_set_hexpand (box, TRUE);
  return box;
}

static GtkWidget *
build_legend (void)
{
  static const char *const names[] = { "p50", "p95", "p99" };
  static const char *const classes[] = { "timing-p50", "timing-p95", "timing-p99" };
  GtkWidget *legend = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 10);

  gtk_box_append (GTK_BOX (legend), cell (_("Duration percentiles"), 0));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      GtkWidget *swatch = gtk_label_new ("━");

      gtk_widget_add_css_class (swatch, classes[i]);
      gtk_box_append (GTK_BOX (legend), swatch);
      gtk_box_append (GTK_BOX (legend), gtk_label_new (names[i]));
    }
  gtk_widget_add_css_class (legend, "dim-label");
  return legend;
}

static GtkWidget *
build_data (LdTimingView    *self,
            LdActivityChart *activity_chart)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *lists = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 18);

  self->chart = ld_timing_chart_new (self->timing, activity_chart);
  gtk_widget_set_size_request (self->chart, -1, 110);
  g_signal_connect_object (self->chart, "range-selected", G_CALLBACK (on_range_selected), self,
                           G_CONNECT_SWAPPED);
  self->group_list = build_list (self, G_CALLBACK (on_group_row_activated));
  self->slowest_list = build_list (self, G_CALLBACK (on_slow_row_activated));
  gtk_box_set_homogeneous (GTK_BOX (lists), TRUE);
  gtk_box_append (GTK_BOX (lists), titled (_("By Field"), group_header (),
                                           GTK_WIDGET (self->group_list)));
  gtk_box_append (GTK_BOX (lists), titled (_("Slowest Requests"), NULL,
                                           GTK_WIDGET (self->slowest_list)));
  gtk_widget_set_vexpand (lists, TRUE);

  gtk_box_append (GTK_BOX (box), build_legend ());
  gtk_box_append (GTK_BOX (box), self->chart);
  gtk_box_append (GTK_BOX (box), lists);
  return box;
}

static GtkWidget *
build_empty (LdTimingView *self)
{
  GtkWidget *page = adw_status_page_new ();
  GtkWidget *button = gtk_button_new_with_mnemonic (_("Set _Message Pattern…"));

  adw_status_page_set_icon_name (ADW_STATUS_PAGE (page), "preferences-system-time-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (page), _("No durations found"));
  adw_status_page_set_description (ADW_STATUS_PAGE (page),
                                   _("Durations are read from a field named duration, elapsed, "
                                     "latency, response_time, took or http.duration (in ms, s "
                                     "or µs), or from the message through a pattern you set."));
  gtk_widget_set_halign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "pill");
  g_signal_connect_object (button, "clicked", G_CALLBACK (ld_timing_view_edit_pattern), self,
                           G_CONNECT_SWAPPED);
  adw_status_page_set_child (ADW_STATUS_PAGE (page), button);
  gtk_widget_add_css_class (page, "compact");
  return page;
}

static void
build (LdTimingView    *self,
       LdActivityChart *activity_chart)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  g_autofree char *pattern = g_settings_get_string (self->settings, "timing-pattern");

  /* A pattern kept from an older version that this one refuses is simply
   * not used; the popover shows it, to be corrected. */
  ld_timing_set_pattern (self->timing, pattern, NULL);

  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_box_append (GTK_BOX (box), build_toolbar (self));
  gtk_stack_add_named (self->stack, build_empty (self), "empty");
  gtk_stack_add_named (self->stack, build_data (self, activity_chart), "data");
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->stack));
  gtk_widget_add_css_class (box, "timing-view");
  adw_bin_set_child (ADW_BIN (self), box);

  g_signal_connect_object (self->timing, "changed", G_CALLBACK (on_timing_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect (self, "map", G_CALLBACK (on_map), NULL);
  refresh_lists (self);
}

/* GObject */

static void
ld_timing_view_dispose (GObject *object)
{
  LdTimingView *self = LD_TIMING_VIEW (object);

  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  g_clear_handle_id (&self->delay_id, g_source_remove);
  adw_bin_set_child (ADW_BIN (self), NULL);
  g_clear_object (&self->timing);
  g_clear_object (&self->store);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (ld_timing_view_parent_class)->dispose (object);
}

static void
ld_timing_view_class_init (LdTimingViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ld_timing_view_dispose;

  /**
   * LdTimingView::record-activated:
   * @seq: the store sequence number of the slow request clicked
   */
  signals[RECORD_ACTIVATED] =
    g_signal_new ("record-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT64);
  /**
   * LdTimingView::range-selected:
   * @from_us: the start of the range dragged across the timing chart
   * @to_us: its end, excluded
   */
  signals[RANGE_SELECTED] =
    g_signal_new ("range-selected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_INT64);

  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "timingview");
}

static void
ld_timing_view_init (LdTimingView *self)
{
}

/**
 * ld_timing_view_new:
 * @timing: the durations, not yet attached: the view attaches it to @store
 *   the first time it shows
 * @store: the records
 * @activity_chart: the chart whose window the timing chart shares
 * @settings: where the message pattern and grouping field are kept
 *
 * Returns: (transfer full): the Timing panel
 */
GtkWidget *
ld_timing_view_new (LdTiming        *timing,
                    LdStore         *store,
                    LdActivityChart *activity_chart,
                    GSettings       *settings)
{
  LdTimingView *self;

  g_return_val_if_fail (LD_IS_TIMING (timing), NULL);
  g_return_val_if_fail (LD_IS_STORE (store), NULL);
  g_return_val_if_fail (LD_IS_ACTIVITY_CHART (activity_chart), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (LD_TYPE_TIMING_VIEW, NULL);
  self->timing = g_object_ref (timing);
  self->store = g_object_ref (store);
  self->settings = g_object_ref (settings);
  build (self, activity_chart);
  return GTK_WIDGET (self);
}

/**
 * ld_timing_view_edit_pattern:
 *
 * Opens the message pattern's popover, as the empty state's button does.
 */
void
ld_timing_view_edit_pattern (LdTimingView *self)
{
  g_return_if_fail (LD_IS_TIMING_VIEW (self));

  gtk_menu_button_popup (self->pattern_button);
  gtk_widget_grab_focus (GTK_WIDGET (self->pattern_entry));
}
