// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.test"

/* The dashboard's Timing view in the real window, driven as a user does: a
 * CPython peer sends request logs through the window's own TCP listener,
 * the panel is opened by its action, the message pattern typed into its
 * popover (a malformed one first), a slow request activated in the list
 * and the grouping field changed. Then a store of a million records, read
 * by the counters' worker thread when the panel first shows and again
 * when the pattern changes, with records arriving meanwhile. With
 * screenshots in light and dark. */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "ingest-test-utils.h"
#include "ld-count-format.h"
#include "ld-application.h"
#include "ld-dashboard.h"
#include "ld-row.h"
#include "ld-timing-chart.h"
#include "ld-timing-view.h"
#include "ld-window.h"
#include "ui-test-app.h"

static LdApplication *app;

/* The texts of the labels in the list row that holds @label, in order. */
static char *
row_text (GtkWidget *label)
{
  GtkWidget *row = gtk_widget_get_ancestor (label, GTK_TYPE_LIST_BOX_ROW);
  GString *text = g_string_new (NULL);

  for (GtkWidget *cell = gtk_widget_get_first_child (gtk_list_box_row_get_child (
                                                       GTK_LIST_BOX_ROW (row)));
       cell != NULL; cell = gtk_widget_get_next_sibling (cell))
    g_string_append_printf (text, "%s%s", text->len > 0 ? " | " : "",
                            gtk_label_get_text (GTK_LABEL (cell)));
  return g_string_free (text, FALSE);
}

static void
send_requests (const char *count,
               const char *plain)
{
  LdIngest *ingest = ld_session_get_ingest (ld_application_get_session (app));
  g_autofree char *port = g_strdup_printf ("%u", ld_ingest_get_bound_port (ingest, "tcp"));
  g_autofree char *script = peer_script ("send_timed_requests.py");
  g_autoptr(GSubprocess) peer = NULL;
  g_autoptr(GError) error = NULL;

  peer = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, python3 (), script,
                           "--port", port, "--count", count, "--plain", plain,
                           NULL);
  g_assert_no_error (error);
  /* The listener reads on the ingest thread: this one may wait. */
  g_subprocess_wait_check (peer, NULL, &error);
  g_assert_no_error (error);
}

typedef struct
{
  LdTiming *timing;
  guint     n;
} DurationsWait;

static gboolean
durations_counted (gpointer data)
{
  DurationsWait *wait = data;

  return ld_timing_get_n_durations (wait->timing) == wait->n;
}

static gboolean
records_stored (gpointer data)
{
  return ld_store_get_n_records (ld_application_get_store (app)) == 3;
}

static void
type_pattern (GtkWidget  *view,
              const char *pattern)
{
  GtkWidget *entry;

  ld_timing_view_edit_pattern (LD_TIMING_VIEW (view));
  entry = find_descendant (GTK_WIDGET (gtk_menu_button_get_popover (
                             GTK_MENU_BUTTON (find_descendant (view, GTK_TYPE_MENU_BUTTON, NULL)))),
                           GTK_TYPE_ENTRY, NULL);
  gtk_editable_set_text (GTK_EDITABLE (entry), pattern);
  gtk_widget_activate (find_descendant (gtk_widget_get_parent (entry), GTK_TYPE_BUTTON,
                                        "suggested-action"));
}

static guint64
selected_seq (GtkWidget *window)
{
  GtkColumnView *table = GTK_COLUMN_VIEW (find_descendant (window, GTK_TYPE_COLUMN_VIEW, NULL));
  GtkSelectionModel *selection = gtk_column_view_get_model (table);
  LdRow *row = gtk_single_selection_get_selected_item (GTK_SINGLE_SELECTION (selection));

  return row != NULL ? ld_row_get_seq (row) : G_MAXUINT64;
}

/* A pointer drag from @from to @to, as fractions of @chart's width. */
static void
drag_across (GtkWidget *chart,
             double     from,
             double     to)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (chart);
  double width = gtk_widget_get_width (chart);

  g_assert_cmpfloat (width, >, 100);
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_GESTURE_DRAG (controller))
        continue;
      g_signal_emit_by_name (controller, "drag-begin", width * from, 20.0);
      g_signal_emit_by_name (controller, "drag-end", width * (to - from), 0.0);
      return;
    }
  g_assert_not_reached ();
}

static void
assert_setting (GSettings  *settings,
                const char *key,
                const char *expected)
{
  g_autofree char *value = g_settings_get_string (settings, key);

  g_assert_cmpstr (value, ==, expected);
}

static void
test_timing_view (void)
{
  GSettings *settings = ld_application_get_settings (app);
  GtkWidget *window = GTK_WIDGET (ld_window_new (app));
  GtkWidget *dashboard, *view, *label, *popover;
  g_autofree char *cart = NULL;
  g_autofree char *slowest = NULL;
  DurationsWait wait;
  LdTiming *timing;
  GtkWidget *filter;
  gint64 from_us, to_us;
  guint64 seq;

  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 800);
  gtk_window_present (GTK_WINDOW (window));
  wait_painted (window);
  dashboard = find_descendant (window, LD_TYPE_DASHBOARD, NULL);
  timing = ld_dashboard_get_timing (LD_DASHBOARD (dashboard));

  /* Records without durations: the table shows them; the panel, opened by
   * its action, says that nothing is timed and what it looks for. */
  send_requests ("0", "3");
  ui_wait_until (records_stored, NULL, "the plain records");
  g_assert_false (ld_dashboard_get_show_views (LD_DASHBOARD (dashboard)));
  gtk_widget_activate_action (dashboard, "dashboard.show-view", "s", "timing");
  g_assert_true (ld_dashboard_get_show_views (LD_DASHBOARD (dashboard)));
  g_assert_cmpstr (ld_dashboard_get_visible_view (LD_DASHBOARD (dashboard)), ==, "timing");
  view = find_descendant (dashboard, LD_TYPE_TIMING_VIEW, NULL);
  ui_wait_for_label (view, "No durations found");
  ui_save_shots (window, "timing-empty");

  /* Fields are read at once: 150 of the 201 requests carry duration_ms. */
  send_requests ("200", "0");
  wait = (DurationsWait) { timing, 150 };
  ui_wait_until (durations_counted, &wait, "150 durations from fields");
  ui_wait_for_label (view, "150 requests timed");
  label = ui_find_label (view, "/cart");
  g_assert_nonnull (label);
  cart = row_text (label);
  g_assert_true (g_str_has_prefix (cart, "/cart | 100 | "));
  g_assert_null (ui_find_label (view, "/home"));   /* its durations are in messages only */

  /* A malformed pattern is refused in words, and changes nothing. */
  type_pattern (view, "in {duraton}s");
  popover = GTK_WIDGET (gtk_menu_button_get_popover (
                          GTK_MENU_BUTTON (find_descendant (view, GTK_TYPE_MENU_BUTTON, NULL))));
  ui_wait_for_label (popover, "This pattern cannot be used: A pattern has exactly one {duration}.");
  g_assert_cmpuint (ld_timing_get_n_durations (timing), ==, 150);
  assert_setting (settings, "timing-pattern", "");
  /* A popover is a surface of its own: it is shot on its own. */
  wait_painted (popover);
  save_screenshot (popover, "timing-pattern-refused.png");

  /* The tutorial's pattern reads the rest, and is kept. */
  type_pattern (view, "in {duration}s");
  wait = (DurationsWait) { timing, 201 };
  ui_wait_until (durations_counted, &wait, "every duration");
  g_assert_false (gtk_widget_get_mapped (popover));
  assert_setting (settings, "timing-pattern", "in {duration}s");
  ui_wait_for_label (view, "/home");
  ui_wait_for_label (view, "/report");

  /* The slowest request heads its list; activating it selects it in the
   * table, where the detail pane shows it. */
  label = ui_find_label (view, "4.32 s");
  g_assert_nonnull (label);
  slowest = row_text (label);
  g_assert_true (g_str_has_suffix (slowest, "| Request completed in 4.321s [avg=0.100s]"));
  g_assert_true (gtk_widget_get_first_child (gtk_widget_get_parent (
                   gtk_widget_get_ancestor (label, GTK_TYPE_LIST_BOX_ROW)))
                 == gtk_widget_get_ancestor (label, GTK_TYPE_LIST_BOX_ROW));
  {
    g_autoptr(GArray) slow = ld_timing_dup_slowest (timing);

    seq = g_array_index (slow, LdTimingSlow, 0).seq;
  }
  gtk_widget_activate (gtk_widget_get_ancestor (label, GTK_TYPE_LIST_BOX_ROW));
  g_assert_cmpuint (selected_seq (window), ==, seq);
  ui_save_shots (window, "timing-view");

  /* A value in the grouped list filters the table to it, as typed. */
  filter = find_descendant (window, GTK_TYPE_SEARCH_ENTRY, NULL);
  gtk_widget_activate (gtk_widget_get_ancestor (ui_find_label (view, "/pay"),
                                                GTK_TYPE_LIST_BOX_ROW));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (filter)), ==, "path=\"/pay\"");

  /* A drag across the timing chart selects that span on the activity chart
   * and narrows the table to it, as a drag there does. */
  drag_across (find_descendant (view, LD_TYPE_TIMING_CHART, NULL), 0.25, 0.75);
  g_assert_true (ld_activity_chart_get_selection (
                   LD_ACTIVITY_CHART (ld_dashboard_get_chart (LD_DASHBOARD (dashboard))),
                   &from_us, &to_us));
  g_assert_cmpint (from_us, <, to_us);
  g_assert_true (g_str_has_prefix (gtk_editable_get_text (GTK_EDITABLE (filter)),
                                   "path=\"/pay\" after:"));
  g_assert_nonnull (strstr (gtk_editable_get_text (GTK_EDITABLE (filter)), " before:"));
  gtk_widget_activate_action (window, "win.clear-filters", NULL);

  /* Grouped by logger instead: one group, every request. */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (find_descendant (view, GTK_TYPE_DROP_DOWN, NULL)), 6);
  assert_setting (settings, "timing-group-key", "logger");
  ui_wait_for_label (view, "shop.http");
  {
    g_autofree char *text = row_text (ui_find_label (view, "shop.http"));

    g_assert_true (g_str_has_prefix (text, "shop.http | 201 | "));
  }
  g_assert_null (ui_find_label (view, "/cart"));

  g_object_ref (window);
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
  g_settings_reset (settings, "timing-pattern");
  g_settings_reset (settings, "timing-group-key");
}

/* A million records of a shop: three in ten carry a duration, two in a
 * field and one in the message only. */
static void
store_many_requests (LdStore *store,
                     guint    count)
{
  static const char *const paths[] = { "/cart", "/pay", "/home", "/search", "/api/items" };
  gint64 clock = g_get_real_time () - (gint64) count * 300;
  g_autoptr(LdBatch) batch = ld_batch_new ();

  for (guint i = 0; i < count; i++)
    {
      LdRecordFields fields = { .level = 20, .level_name = "INFO", .logger = "shop.http" };
      double seconds = 0.001 * (1 + (i * 7919) % 2000);
      const char *path = paths[(i / 3) % G_N_ELEMENTS (paths)];
      char message[96], value[32];

      fields.time_us = clock + (gint64) i * 300;
      if (i % 10 == 2)
        g_snprintf (message, sizeof message, "Request completed in %.3fs [avg=0.1s]", seconds);
      else
        g_snprintf (message, sizeof message, "GET %s 200", path);
      fields.message = message;
      ld_batch_add (batch, &fields);
      ld_batch_add_extra (batch, "path", -1, LD_VALUE_STRING, path, -1);
      if (i % 10 < 2)
        {
          g_snprintf (value, sizeof value, "%.3f", seconds * 1000);
          ld_batch_add_extra (batch, "duration_ms", -1, LD_VALUE_NUMBER, value, -1);
        }
      if (ld_batch_get_length (batch) == 65536)
        {
          ld_store_append_batch (store, batch);
          g_clear_pointer (&batch, ld_batch_free);
          batch = ld_batch_new ();
        }
    }
  ld_store_append_batch (store, batch);
}

static void
count_paints (GdkFrameClock *clock,
              guint         *n_paints)
{
  (*n_paints)++;
}

/* One frame painted, no more: a recount goes on between frames, and a
 * shot of it in progress must not wait for it to end. */
static void
wait_one_paint (GtkWidget *window)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (window);
  guint n_paints = 0;
  gulong id = g_signal_connect (clock, "after-paint", G_CALLBACK (count_paints), &n_paints);
  gint64 deadline = g_get_monotonic_time () + UI_TEST_DEADLINE_US;

  gtk_widget_queue_draw (window);
  while (n_paints == 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (clock, id);
  g_assert_cmpuint (n_paints, >, 0);
}

static void
shoot_in_progress (GtkWidget *window,
                   LdTiming  *timing,
                   const char *name)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  static const AdwColorScheme schemes[] = { ADW_COLOR_SCHEME_FORCE_LIGHT,
                                            ADW_COLOR_SCHEME_FORCE_DARK };
  static const char *const suffixes[] = { "light", "dark" };

  for (guint i = 0; i < G_N_ELEMENTS (schemes); i++)
    {
      g_autofree char *file = g_strdup_printf ("%s-%s.png", name, suffixes[i]);

      adw_style_manager_set_color_scheme (style, schemes[i]);
      wait_one_paint (window);
      save_screenshot (window, file);
      g_test_message ("%s: %u records still to read", file, ld_timing_get_pending (timing));
    }
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
}

static gboolean
recount_done (gpointer data)
{
  return ld_timing_get_pending (data) == 0;
}

/* Paints frames until the reading is done (within the UI tests'
 * deadline), checking each that the progress shown is the reading's: the
 * bar is shown exactly while records are left, and the summary says how
 * many of the store's are read. Returns in how many frames it was. */
static guint
watch_progress (GtkWidget  *window,
                GtkWidget  *view,
                LdTiming   *timing,
                GtkWidget  *progress,
                const char *shot)
{
  g_autofree char *total = NULL;
  g_autofree char *suffix = NULL;
  gint64 deadline = g_get_monotonic_time () + UI_TEST_DEADLINE_US;
  guint n_frames = 0;

  for (;;)
    {
      LdStore *store = ld_application_get_store (app);
      guint pending = ld_timing_get_pending (timing);
      GtkWidget *label;
      const char *text;

      wait_one_paint (window);
      if (pending == 0)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      /* What the panel shows was computed when ::changed last came: a
       * reading still under way then, or done by now. */
      if (!gtk_widget_get_visible (progress))
        continue;
      n_frames++;
      g_clear_pointer (&total, g_free);
      g_clear_pointer (&suffix, g_free);
      total = ld_format_count (ld_store_get_n_records (store));
      suffix = g_strdup_printf (" of %s…", total);
      label = ui_find_label_starting (view, "Reading records, ");
      g_assert_nonnull (label);
      text = gtk_label_get_text (GTK_LABEL (label));
      g_assert_true (g_str_has_suffix (text, suffix));
      g_assert_cmpfloat (gtk_progress_bar_get_fraction (GTK_PROGRESS_BAR (progress)), <, 1);
      /* The first frame that shows it, in light and dark. */
      if (n_frames == 1 && shot != NULL)
        shoot_in_progress (window, timing, shot);
    }
  ui_wait_until (recount_done, timing, "the reading");
  return n_frames;
}

static gboolean
view_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

/* The Apply button's activation ends, and clicks, a moment later. */
static gboolean
pattern_taken (gpointer data)
{
  return ld_timing_get_pattern (data) != NULL;
}

/* The view's counters equal those of a reading of the store in one go. */
static void
assert_equals_one_reading (GtkWidget *view,
                           LdTiming  *timing,
                           LdStore   *store)
{
  g_autoptr(LdTiming) once = ld_timing_new ();
  g_autoptr(GArray) groups = NULL;
  g_autoptr(GArray) once_groups = NULL;
  g_autoptr(GArray) slowest = NULL;
  g_autoptr(GArray) once_slowest = NULL;

  g_assert_true (ld_timing_set_pattern (once, ld_timing_get_pattern (timing), NULL));
  ld_timing_set_group_key (once, ld_timing_get_group_key (timing));
  ld_timing_attach_store (once, store);
  ld_timing_flush (once);

  /* The records stored after a reading began are read as they come, on
   * the worker: the panel's summary says so when it has them all. */
  {
    g_autofree char *count = ld_format_count (ld_timing_get_n_durations (once));
    g_autofree char *timed = g_strdup_printf ("%s requests timed", count);

    ui_wait_for_label (view, timed);
  }
  g_assert_cmpuint (ld_timing_get_n_durations (timing), ==, ld_timing_get_n_durations (once));
  groups = ld_timing_dup_groups (timing);
  once_groups = ld_timing_dup_groups (once);
  g_assert_cmpuint (groups->len, ==, once_groups->len);
  for (guint i = 0; i < groups->len; i++)
    {
      g_assert_cmpstr (g_array_index (groups, LdTimingGroup, i).name, ==,
                       g_array_index (once_groups, LdTimingGroup, i).name);
      g_assert_cmpuint (g_array_index (groups, LdTimingGroup, i).count, ==,
                        g_array_index (once_groups, LdTimingGroup, i).count);
      g_assert_cmpfloat (g_array_index (groups, LdTimingGroup, i).p99, ==,
                         g_array_index (once_groups, LdTimingGroup, i).p99);
    }
  slowest = ld_timing_dup_slowest (timing);
  once_slowest = ld_timing_dup_slowest (once);
  g_assert_cmpuint (slowest->len, ==, once_slowest->len);
  for (guint i = 0; i < slowest->len; i++)
    g_assert_cmpuint (g_array_index (slowest, LdTimingSlow, i).seq, ==,
                      g_array_index (once_slowest, LdTimingSlow, i).seq);
}

static void
test_timing_recount (void)
{
  LdStore *store = ld_application_get_store (app);
  GtkWidget *window = GTK_WIDGET (ld_window_new (app));
  GtkWidget *dashboard, *view, *progress;
  guint n_frames_in_progress;
  g_autofree char *count = NULL;
  g_autofree char *timed = NULL;
  LdTiming *timing;

  store_many_requests (store, 1000000);
  gtk_window_set_default_size (GTK_WINDOW (window), 1400, 900);
  gtk_window_present (GTK_WINDOW (window));
  wait_painted (window);
  dashboard = find_descendant (window, LD_TYPE_DASHBOARD, NULL);
  timing = ld_dashboard_get_timing (LD_DASHBOARD (dashboard));

  /* Opening the panel starts the reading, on the counters' worker thread.
   * How far it got when the panel first paints depends on the machine; in
   * every frame painted while records are left, the progress bar and the
   * summary say how many of the 1,000,000 are read. */
  gtk_widget_activate_action (dashboard, "dashboard.show-view", "s", "timing");
  view = find_descendant (dashboard, LD_TYPE_TIMING_VIEW, NULL);
  ui_wait_until (view_mapped, view, "the timing panel");
  progress = find_descendant (view, GTK_TYPE_PROGRESS_BAR, NULL);
  n_frames_in_progress = watch_progress (window, view, timing, progress, "timing-recount");
  g_test_message ("the reading was shown in progress in %u frames", n_frames_in_progress);

  assert_equals_one_reading (view, timing, store);
  count = ld_format_count (ld_timing_get_n_durations (timing));
  timed = g_strdup_printf ("%s requests timed", count);
  ui_wait_for_label (view, timed);
  g_assert_false (gtk_widget_get_visible (progress));
  ui_save_shots (window, "timing-recount-done");

  /* A pattern read again over every record, with records arriving
   * meanwhile: they are read after the others, and nothing twice. */
  type_pattern (view, "in {duration}s");
  ui_wait_until (pattern_taken, timing, "the pattern");
  store_many_requests (store, 20000);
  watch_progress (window, view, timing, progress, NULL);
  assert_equals_one_reading (view, timing, store);
  g_clear_pointer (&timed, g_free);
  g_clear_pointer (&count, g_free);
  count = ld_format_count (ld_timing_get_n_durations (timing));
  timed = g_strdup_printf ("%s requests timed", count);
  ui_wait_for_label (view, timed);

  g_object_ref (window);
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
  g_settings_reset (ld_application_get_settings (app), "timing-pattern");
  g_settings_reset (ld_application_get_settings (app), "timing-group-key");
}

int
main (int   argc,
      char *argv[])
{
  int status;

  if (!ui_test_init (&argc, &argv, &status))
    return status;
  app = ui_test_application_new ();

  g_test_add_func ("/timing-ui/view", test_timing_view);
  g_test_add_func ("/timing-ui/recount", test_timing_recount);

  status = g_test_run ();
  g_clear_object (&app);
  return status;
}
