// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.test"

#include "config.h"

#include <gtk/gtk.h>

#include <glib/gstdio.h>
#include <string.h>

#include "ld-activity-chart.h"
#include "ld-application.h"
#include "ld-dashboard.h"
#include "ld-connection-monitor.h"
#include "ld-detail-pane.h"
#include "ld-error-tracker-view.h"
#include "ld-export-dialog.h"
#include "ld-row.h"
#include "ld-sidebar.h"
#include "ld-level.h"
#include "ld-window-private.h"
#include "ui-test-utils.h"

#define DEADLINE_US (20 * G_USEC_PER_SEC)

static LdApplication *app;

typedef gboolean (*Condition) (gpointer data);
static gboolean renderer_was_set;
static void collect_labels (GtkWidget *widget, GPtrArray *labels);
static const char *widget_text (GtkWidget *widget);

static void
wait_until (Condition   condition,
            gpointer    data,
            const char *what)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        {
          GtkWindow *w = gtk_application_get_active_window (GTK_APPLICATION (app));
          if (w != NULL)
            {
              GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (LD_WINDOW (w)->scroller);
              g_printerr ("shown %u pending %u stored %u; ",
                          g_list_model_get_n_items (G_LIST_MODEL (LD_WINDOW (w)->model)),
                          ld_filter_model_get_pending (LD_WINDOW (w)->model),
                          ld_store_get_n_records (ld_application_get_store (app)));
              for (guint r = 0; r < ld_store_get_n_records (ld_application_get_store (app)); r++)
                {
                  const LdRecord *rec = ld_store_get_record (ld_application_get_store (app), r);
                  gsize len;
                  const char *msg = ld_record_get_message (rec, &len);
                  g_printerr ("[%s %d %.*s] ", ld_intern_lookup (rec->logger), rec->level, (int) len, msg);
                }
              g_printerr ("adj value %f upper %f page %f following %d\n",
                          gtk_adjustment_get_value (adj), gtk_adjustment_get_upper (adj),
                          gtk_adjustment_get_page_size (adj), LD_WINDOW (w)->following);
            }
          if (w != NULL)
            {
              g_autoptr(GPtrArray) labels = g_ptr_array_new ();
              collect_labels (GTK_WIDGET (LD_WINDOW (w)->column_view), labels);
              for (guint i = 0; i < labels->len; i++)
                if (g_str_has_prefix (widget_text (labels->pdata[i]), "follow"))
                  g_printerr ("[%s] ", widget_text (labels->pdata[i]));
            }
          g_error ("Timed out waiting for %s", what);
        }
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

/* Lets the window lay out and draw what it has. */
static void
settle (void)
{
  gint64 end = g_get_monotonic_time () + 150 * G_TIME_SPAN_MILLISECOND;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
}

static void
push_records (guint       count,
              int         level,
              const char *prefix)
{
  LdBatch *batch = ld_batch_new ();

  for (guint i = 0; i < count; i++)
    {
      g_autofree char *message = g_strdup_printf ("%s %u", prefix, i);
      LdRecordFields fields = {
        .time_us = g_get_real_time (), .level = level,
        .level_name = ld_level_canonical_name (level), .logger = "acme.api",
        .thread = "Worker-1", .connection = "tcp-1", .message = message,
      };
      ld_batch_add (batch, &fields);
    }

  ld_handoff_push_batch (ld_application_get_handoff (app), batch);
}

/* The text of a label, or of a GtkInscription (the table's text cells). */
static const char *
widget_text (GtkWidget *widget)
{
  if (GTK_IS_INSCRIPTION (widget))
    return gtk_inscription_get_text (GTK_INSCRIPTION (widget));
  return gtk_label_get_text (GTK_LABEL (widget));
}

/* Collects the mapped widgets that show text: labels and inscriptions. */
static void
collect_labels (GtkWidget  *widget,
                GPtrArray  *labels)
{
  if ((GTK_IS_LABEL (widget) || GTK_IS_INSCRIPTION (widget)) && gtk_widget_get_mapped (widget))
    g_ptr_array_add (labels, widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_labels (child, labels);
}

static GtkWidget *
find_label (LdWindow   *window,
            const char *text)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();

  collect_labels (GTK_WIDGET (window->column_view), labels);
  for (guint i = 0; i < labels->len; i++)
    if (g_strcmp0 (widget_text (labels->pdata[i]), text) == 0)
      return labels->pdata[i];

  return NULL;
}

typedef struct
{
  LdWindow   *window;
  const char *text;
} LabelWait;

static gboolean
label_shown (gpointer data)
{
  LabelWait *wait = data;

  return find_label (wait->window, wait->text) != NULL;
}

static void
wait_for_label (LdWindow   *window,
                const char *text)
{
  LabelWait wait = { window, text };

  wait_until (label_shown, &wait, text);
}

static LdWindow *
new_window (void)
{
  LdWindow *window = ld_window_new (app);

  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 600);
  gtk_window_present (GTK_WINDOW (window));
  return window;
}

static void assert_no_unexpected_warnings (void);

static void
close_window (LdWindow *window)
{
  assert_no_unexpected_warnings ();
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
  ld_store_clear (ld_application_get_store (app));
}



/* Layout: the window as a user sees it, through actions, widgets and
 * sizes only. */

static void
push_service_records (guint       n_loggers,
                     gint64      time_us,
                     const char *message)
{
  LdBatch *batch = ld_batch_new ();

  for (guint i = 0; i < n_loggers; i++)
    {
      g_autofree char *logger = g_strdup_printf ("service%02u", i);
      g_autofree char *connection = g_strdup_printf ("ws-%08x-4b1d-4c2e-9a7f-0123456789%02u",
                                                     0x5eed0000 + i, i);
      LdRecordFields fields = {
        .time_us = time_us + i * G_USEC_PER_SEC, .level = i % 3 == 0 ? 40 : 20,
        .level_name = ld_level_canonical_name (i % 3 == 0 ? 40 : 20), .logger = logger,
        .thread = "MainThread", .connection = connection, .message = message,
      };
      ld_batch_add (batch, &fields);
    }

  ld_handoff_push_batch (ld_application_get_handoff (app), batch);
}

#define FRAME 10

typedef struct
{
  GtkWidget *window;
  int        width;
  int        height;
} SizeWait;

static gboolean
window_has_size (gpointer data)
{
  SizeWait *wait = data;

  /* The default size counts the client-side decorations' frame too. */
  return ABS (gtk_widget_get_width (wait->window) + FRAME - wait->width) <= FRAME
         && ABS (gtk_widget_get_height (wait->window) + FRAME - wait->height) <= FRAME;
}

/* Resizes as a window manager would, then lets the window adapt. */
static void
resize_window (LdWindow *window,
               int       width,
               int       height)
{
  SizeWait wait = { GTK_WIDGET (window), width, height };

  /* Twice, as a user drags on: a narrower layout lowers the window's
   * minimum width only once it applies. */
  for (guint i = 0; i < 3 && !window_has_size (&wait); i++)
    {
      gtk_window_set_default_size (GTK_WINDOW (window), width + 1, height);
      settle ();
      gtk_window_set_default_size (GTK_WINDOW (window), width, height);
      settle ();
    }
  wait_until (window_has_size, &wait, "the window's new size");
}

static GtkWidget *
find_label_in (GtkWidget  *widget,
               const char *text)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();

  collect_labels (widget, labels);
  for (guint i = 0; i < labels->len; i++)
    if (g_strcmp0 (widget_text (labels->pdata[i]), text) == 0)
      return labels->pdata[i];

  return NULL;
}

/* @widget is shown, and all of it inside @window. */
static void
assert_inside (GtkWidget  *widget,
               GtkWidget  *window,
               const char *what)
{
  graphene_rect_t bounds;

  g_assert_nonnull (widget);
  if (!gtk_widget_get_mapped (widget))
    g_error ("%s is not shown at %d px", what, gtk_widget_get_width (window));
  g_assert_true (gtk_widget_compute_bounds (widget, window, &bounds));
  if (bounds.origin.x < 0
      || bounds.origin.x + bounds.size.width > gtk_widget_get_width (window) + 0.5
      || bounds.origin.y < 0
      || bounds.origin.y + bounds.size.height > gtk_widget_get_height (window) + 0.5)
    g_error ("%s is at %.0f,%.0f %.0f×%.0f, outside the %d×%d window", what, bounds.origin.x,
             bounds.origin.y, bounds.size.width, bounds.size.height,
             gtk_widget_get_width (window), gtk_widget_get_height (window));
}

/* The Message column's title cell. */
static GtkWidget *
message_header (LdWindow *window)
{
  GtkWidget *view = find_descendant (GTK_WIDGET (window), GTK_TYPE_COLUMN_VIEW, NULL);
  GtkWidget *label = find_label_in (view, "Message");

  /* GtkColumnViewTitle, which is private, is the header's "button". */
  while (label != NULL && g_strcmp0 (gtk_widget_get_css_name (label), "button") != 0)
    label = gtk_widget_get_parent (label);
  return label;
}

static void
save_shot (LdWindow   *window,
           const char *name)
{
  wait_painted (GTK_WIDGET (window));
  save_screenshot (GTK_WIDGET (window), name);
}

static void
save_shots (LdWindow   *window,
            const char *size)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  g_autofree char *light = g_strdup_printf ("window-%s-light.png", size);
  g_autofree char *dark = g_strdup_printf ("window-%s-dark.png", size);

  save_shot (window, light);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  save_shot (window, dark);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
}

static gboolean
screen_fits (GtkWidget *window,
             int        width,
             int        height)
{
  GdkDisplay *display = gtk_widget_get_display (window);
  GdkMonitor *monitor = g_list_model_get_item (gdk_display_get_monitors (display), 0);
  GdkRectangle geometry;

  gdk_monitor_get_geometry (monitor, &geometry);
  g_object_unref (monitor);
  return geometry.width >= width && geometry.height >= height;
}

/* At every width the header bar's buttons and the Message column are on
 * screen; below 1,000 px the sidebar folds away, below 700 px the chart. */
static void
test_adaptive_sizes (void)
{
  static const int widths[] = { 360, 800, 1400, 1920 };
  LdWindow *window = g_object_ref (new_window ());
  GtkWidget *header, *flap, *dashboard;

  push_service_records (12, g_get_real_time (),
                       "GET /api/orders/1042 200 in 12 ms from a client that sends long lines");
  wait_for_label (window, "service11");
  header = find_descendant (GTK_WIDGET (window), ADW_TYPE_HEADER_BAR, NULL);
  flap = find_descendant (GTK_WIDGET (window), ADW_TYPE_FLAP, NULL);
  dashboard = find_descendant (GTK_WIDGET (window), LD_TYPE_DASHBOARD, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (widths); i++)
    {
      int height = widths[i] >= 1920 ? 1080 : 600;
      GtkWidget *menu, *controls, *message;

      if (!screen_fits (GTK_WIDGET (window), widths[i], height))
        {
          g_test_message ("%d px is wider than the screen: run under a 1920×1080 Xvfb for it",
                          widths[i]);
          continue;
        }
      resize_window (window, widths[i], height);
      menu = find_descendant (header, GTK_TYPE_MENU_BUTTON, NULL);
      controls = find_descendant (header, GTK_TYPE_WINDOW_CONTROLS, "end");
      message = message_header (window);
      assert_inside (menu, GTK_WIDGET (window), "the main menu button");
      assert_inside (controls, GTK_WIDGET (window), "the window buttons");
      assert_inside (message, GTK_WIDGET (window), "the Message column");
      g_assert_cmpint (gtk_widget_get_width (message), >=, MIN (widths[i] / 3, 90));
      g_assert_cmpint (adw_flap_get_folded (ADW_FLAP (flap)), ==, widths[i] < 1000);
      g_assert_cmpint (ld_dashboard_get_show_chart (LD_DASHBOARD (dashboard)), ==,
                       widths[i] >= 700);
      if (widths[i] == 360)
        save_shots (window, "360x600");
      else if (widths[i] == 800)
        {
          save_shots (window, "800x600");
          /* The filter bar keeps its level toggles on one row. */
          gtk_widget_activate_action (GTK_WIDGET (window), "win.find", NULL);
          /* The toggles follow the levels seen, once a second. */
          for (guint j = 0; j < 8; j++)
            settle ();
          assert_inside (find_descendant (GTK_WIDGET (window), GTK_TYPE_BOX, "level-toggles"),
                         GTK_WIDGET (window), "the level toggles");
          save_shot (window, "window-800x600-filter-light.png");
          gtk_widget_activate_action (GTK_WIDGET (window), "win.clear-filters", NULL);
          gtk_search_bar_set_search_mode (GTK_SEARCH_BAR (find_descendant (GTK_WIDGET (window),
                                                                           GTK_TYPE_SEARCH_BAR,
                                                                           NULL)),
                                          FALSE);
        }
      else if (widths[i] == 1920)
        save_shots (window, "1920x1080");
    }

  close_window (window);
}

static gboolean
dashboard_tab_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data) && gtk_widget_get_height (data) > 0;
}

/* Each tab, clicked, shows its view. */
static void
test_dashboard_tabs (void)
{
  static const struct { const char *tab; GType (*view_type) (void); } tabs[] = {
    { "connections", ld_connection_monitor_get_type },
    { "errors", ld_error_tracker_view_get_type },
    { "connections", ld_connection_monitor_get_type },
  };
  LdWindow *window = g_object_ref (new_window ());
  GtkWidget *dashboard;

  static const char *errors[] = {
    "KeyError: 'sku' in sync.push", "ValueError: invalid literal for int()",
    "TimeoutError: upstream did not answer", "PermissionError: /srv/shop/media",
    "ConnectionResetError: peer closed", "TypeError: cannot read 'id' of undefined",
    "ZeroDivisionError: division by zero",
  };

  resize_window (window, 1200, 760);
  push_service_records (3, g_get_real_time (), "a record");
  for (guint i = 0; i < G_N_ELEMENTS (errors); i++)
    {
      LdBatch *batch = ld_batch_new ();
      g_autofree char *logger = g_strdup_printf ("shop.part%u", i);
      LdRecordFields fields = {
        .time_us = g_get_real_time (), .level = 40, .level_name = "ERROR", .logger = logger,
        .message = errors[i],
      };

      ld_batch_add (batch, &fields);
      ld_handoff_push_batch (ld_application_get_handoff (app), batch);
    }
  wait_for_label (window, "service02");
  dashboard = find_descendant (GTK_WIDGET (window), LD_TYPE_DASHBOARD, NULL);
  ld_sidebar_update (LD_SIDEBAR (find_descendant (GTK_WIDGET (window), LD_TYPE_SIDEBAR, NULL)));
  ld_dashboard_set_show_views (LD_DASHBOARD (dashboard), TRUE);
  settle ();

  for (guint i = 0; i < G_N_ELEMENTS (tabs); i++)
    {
      GtkWidget *button = NULL;
      GtkWidget *view = find_descendant (dashboard, tabs[i].view_type (), NULL);

      for (GtkWidget *b = find_descendant (dashboard, GTK_TYPE_TOGGLE_BUTTON, "tab"); b != NULL;
           b = gtk_widget_get_next_sibling (b))
        if (g_str_equal (gtk_widget_get_name (b), tabs[i].tab))
          button = b;
      g_assert_nonnull (button);
      gtk_widget_activate (button);
      wait_until (dashboard_tab_mapped, view, tabs[i].tab);
      g_assert_cmpstr (ld_dashboard_get_visible_view (LD_DASHBOARD (dashboard)), ==, tabs[i].tab);
      g_assert_true (gtk_widget_get_child_visible (view));
      /* The panel is usable: at least 200 px tall at the default size. */
      g_assert_cmpint (gtk_widget_get_height (view), >=, 200);
      if (i < 2)
        {
          g_autofree char *name = g_strdup_printf ("1200x760-%s", tabs[i].tab);

          save_shots (window, name);
        }
    }

  close_window (window);
}

/* With 12 loggers the tree shows at least 6 rows at the default size, with
 * the filter bar open too. */
static void
test_logger_tree_height (void)
{
  LdWindow *window = g_object_ref (new_window ());
  GtkWidget *sidebar, *tree, *row;

  resize_window (window, 1200, 760);
  push_service_records (12, g_get_real_time (), "a record");
  wait_for_label (window, "service11");
  sidebar = find_descendant (GTK_WIDGET (window), LD_TYPE_SIDEBAR, NULL);
  ld_sidebar_update (LD_SIDEBAR (sidebar));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.find", NULL);
  settle ();

  tree = find_descendant (sidebar, GTK_TYPE_LIST_VIEW, "logger-tree");
  g_assert_nonnull (tree);
  row = gtk_widget_get_first_child (tree);
  g_assert_nonnull (row);
  g_assert_cmpint (gtk_widget_get_height (row), >, 0);
  g_assert_cmpint (gtk_widget_get_height (gtk_widget_get_parent (tree)), >=,
                   6 * gtk_widget_get_height (row));

  close_window (window);
}

static gboolean
revealer_hidden (gpointer data)
{
  return !gtk_revealer_get_reveal_child (data);
}

/* A filter kept from last time says so, and Clear clears it. */
static void
test_restored_filter (void)
{
  GSettings *settings = ld_application_get_settings (app);
  LdWindow *window;
  GtkWidget *bar;

  g_settings_set_string (settings, "filter-query", "level>=ERROR");
  window = g_object_ref (new_window ());
  bar = find_descendant (GTK_WIDGET (window), GTK_TYPE_REVEALER, "restored-filter");
  g_assert_nonnull (bar);
  g_assert_true (gtk_revealer_get_reveal_child (GTK_REVEALER (bar)));
  g_assert_nonnull (find_label_in (bar, "A filter from last time is on: level>=ERROR"));

  /* A button clicks a moment after it is activated, as with a key. */
  gtk_widget_activate (find_descendant (bar, GTK_TYPE_BUTTON, "clear"));
  wait_until (revealer_hidden, bar, "the restored filter's bar to hide");
  {
    g_autofree char *query = g_settings_get_string (settings, "filter-query");

    g_assert_cmpstr (query, ==, "");
  }
  close_window (window);

  /* Without a kept filter there is nothing to say. */
  window = g_object_ref (new_window ());
  bar = find_descendant (GTK_WIDGET (window), GTK_TYPE_REVEALER, "restored-filter");

  g_assert_false (gtk_revealer_get_reveal_child (GTK_REVEALER (bar)));
  close_window (window);
}

/* Records whose own times are hours old (a file, a replay) are drawn: the
 * chart's "last 5 minutes" are those of the records, not of the clock. */
static void
test_chart_past_records (void)
{
  LdWindow *window = g_object_ref (new_window ());
  GtkWidget *chart;
  guint drawn = 0;

  resize_window (window, 1200, 760);
  push_service_records (12, g_get_real_time () - (gint64) 3 * 3600 * G_USEC_PER_SEC,
                        "an old record");
  wait_for_label (window, "service11");
  chart = find_descendant (GTK_WIDGET (window), LD_TYPE_ACTIVITY_CHART, NULL);
  g_assert_nonnull (chart);
  wait_painted (GTK_WIDGET (window));

  for (int x = 0; x < gtk_widget_get_width (chart); x++)
    {
      gint64 from, to;
      LdActivityBucket bucket;

      if (ld_activity_chart_get_column_at (LD_ACTIVITY_CHART (chart), x, &from, &to, &bucket))
        for (guint band = 0; band < LD_ACTIVITY_N_BANDS; band++)
          drawn += bucket.counts[band];
    }
  g_assert_cmpuint (drawn, >, 0);

  close_window (window);
}

static void
push_one (const char *logger,
          const char *message)
{
  LdBatch *batch = ld_batch_new ();
  LdRecordFields fields = {
    .time_us = g_get_real_time (), .level = 30, .level_name = "WARNING", .logger = logger,
    .message = message,
  };

  ld_batch_add (batch, &fields);
  ld_handoff_push_batch (ld_application_get_handoff (app), batch);
}

static gboolean
widget_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

/* Logdeck's own diagnostics wait behind a badge on the empty page, whose
 * how-to-send help stays, until a sender's first record arrives. */
static void
test_internal_records_badge (void)
{
  LdWindow *window = g_object_ref (new_window ());
  GtkWidget *badge = find_descendant (GTK_WIDGET (window), GTK_TYPE_BUTTON, "internal-badge");
  GtkWidget *empty = gtk_widget_get_ancestor (badge, ADW_TYPE_STATUS_PAGE);

  push_one ("logdeck.ingest", "Port 9020 is in use");
  {
    /* GTK's own, through the in-process log writer. A warning there would
     * fail the test, so this one is INFO. */
    LdBatch *batch = ld_batch_new ();
    LdRecordFields fields = {
      .time_us = g_get_real_time (), .level = 20, .level_name = "INFO", .logger = "Gtk",
      .protocol = "glib", .message = "Unable to acquire session bus",
    };

    ld_batch_add (batch, &fields);
    ld_handoff_push_batch (ld_application_get_handoff (app), batch);
  }
  wait_until (widget_mapped, badge, "the badge for Logdeck's own records");
  settle ();
  g_assert_true (gtk_widget_get_mapped (empty));

  push_one ("acme.api", "a sender's first record");
  wait_for_label (window, "a sender's first record");
  g_assert_false (gtk_widget_get_mapped (empty));

  close_window (window);
}

typedef struct
{
  LdWindow   *window;
  const char *text;
} WrappedWait;

static gboolean
wrapped_shown (gpointer data)
{
  WrappedWait *wait = data;
  GtkWidget *label = find_label_in (GTK_WIDGET (wait->window), wait->text);

  return label != NULL && gtk_widget_has_css_class (label, "wrapped-message")
         && gtk_widget_get_height (label) > 0;
}

/* "Wrap long messages" shows a multi-line message in full. */
static void
test_wrap_messages (void)
{
  GSettings *settings = ld_application_get_settings (app);
  LdWindow *window = g_object_ref (new_window ());
  const char *message = "first line of three\nsecond line\nthird line";
  WrappedWait wait = { window, message };
  GtkWidget *label;
  int one_line;

  push_one ("acme.api", message);
  wait_for_label (window, "first line of three");
  one_line = gtk_widget_get_height (find_label (window, "first line of three"));
  g_action_group_activate_action (G_ACTION_GROUP (window), "wrap-messages", NULL);
  g_assert_true (g_settings_get_boolean (settings, "wrap-messages"));
  wait_until (wrapped_shown, &wait, "the wrapped message");
  label = find_label_in (GTK_WIDGET (window), message);
  g_assert_cmpint (gtk_widget_get_height (label), >=, 3 * one_line - 2);

  g_settings_reset (settings, "wrap-messages");
  close_window (window);
}

static gboolean
chart_is_full (gpointer data)
{
  return gtk_widget_get_height (data) >= 80;
}

static gboolean
chart_is_strip (gpointer data)
{
  return gtk_widget_get_height (data) > 0 && gtk_widget_get_height (data) <= 40;
}

/* The chart collapses to a thin strip, and says which colour is which level
 * while it is not. */
static void
test_chart_collapse (void)
{
  GSettings *settings = ld_application_get_settings (app);
  LdWindow *window = g_object_ref (new_window ());
  GtkWidget *chart, *collapse, *legend;

  resize_window (window, 1200, 760);
  push_one ("acme.api", "a record for the chart");
  wait_for_label (window, "a record for the chart");
  chart = find_descendant (GTK_WIDGET (window), LD_TYPE_ACTIVITY_CHART, NULL);
  legend = find_descendant (GTK_WIDGET (window), GTK_TYPE_BOX, "chart-legend");
  collapse = find_descendant (GTK_WIDGET (window), GTK_TYPE_TOGGLE_BUTTON, "chart-collapse");
  wait_until (chart_is_full, chart, "the chart to be laid out");
  g_assert_true (gtk_widget_get_mapped (legend));
  g_assert_nonnull (find_label_in (legend, "Error"));

  gtk_widget_activate (collapse);
  wait_until (chart_is_strip, chart, "the chart to collapse");
  g_assert_false (gtk_widget_get_mapped (legend));
  g_assert_true (g_settings_get_boolean (settings, "chart-collapsed"));

  g_settings_reset (settings, "chart-collapsed");
  close_window (window);
}

/* A window is built from what it shows, without an application, and goes
 * away whole. */
static void
test_construct_properties (void)
{
  LdWindow *window = g_object_new (LD_TYPE_WINDOW,
                                   "settings", ld_application_get_settings (app),
                                   "session", ld_application_get_session (app),
                                   "demo", ld_application_get_demo (app),
                                   NULL);

  g_object_ref_sink (window);
  g_assert_true (G_IS_ACTION_GROUP (window));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (window), "clear-filters"));
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
}

static void
test_rows_and_levels (void)
{
  static const int levels[] = { 10, 20, 30, 40, 50 };
  LdWindow *window = g_object_ref (new_window ());

  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->content_stack), ==, "empty");

  for (guint i = 0; i < G_N_ELEMENTS (levels); i++)
    {
      g_autofree char *prefix = g_strdup_printf ("row at %s", ld_level_canonical_name (levels[i]));
      push_records (1, levels[i], prefix);
    }

  for (guint i = 0; i < G_N_ELEMENTS (levels); i++)
    {
      const char *name = ld_level_canonical_name (levels[i]);
      g_autofree char *message = g_strdup_printf ("row at %s 0", name);
      GtkWidget *badge;

      wait_for_label (window, message);
      badge = find_label (window, name);
      g_assert_nonnull (badge);
      g_assert_true (gtk_widget_has_css_class (badge, ld_level_css_class (levels[i])));
    }

  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->content_stack), ==, "records");
  g_assert_nonnull (find_label (window, "acme.api"));
  g_assert_nonnull (find_label (window, "Worker-1"));
  g_assert_nonnull (find_label (window, "tcp-1"));

  close_window (window);
}

static gboolean
shows_no_matches (gpointer data)
{
  LdWindow *window = data;

  return g_strcmp0 (gtk_stack_get_visible_child_name (window->content_stack), "no-matches") == 0;
}

/* A filter that shows none of a sender's first records (one kept from last
 * time, say) says that nothing matches, not that Logdeck is still waiting
 * for records. */
static void
test_filter_hides_first_records (void)
{
  LdWindow *window = g_object_ref (new_window ());

  g_action_group_activate_action (G_ACTION_GROUP (app), "clear", NULL);
  g_action_group_activate_action (G_ACTION_GROUP (window), "set-filter",
                                  g_variant_new_string ("logger:nothing.here"));
  settle ();
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->content_stack), ==, "empty");

  push_records (3, 20, "hidden by the filter");
  wait_until (shows_no_matches, window, "the no-matches page");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (window->model)), ==, 0);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.clear-filters", NULL);
  wait_for_label (window, "hidden by the filter 0");
  close_window (window);
}

static gboolean
has_record_from_thread (gpointer data)
{
  LdStore *store = ld_application_get_store (app);

  for (guint i = 0; i < ld_store_get_n_records (store); i++)
    {
      const LdRecord *record = ld_store_get_record (store, i);

      if (g_strcmp0 (ld_intern_lookup (record->thread), data) == 0
          && g_strcmp0 (ld_intern_lookup (record->logger), "logdeck.demo") == 0)
        return TRUE;
    }

  return FALSE;
}

static gboolean
store_is_empty (gpointer data)
{
  return ld_store_get_n_records (ld_application_get_store (app)) == 0;
}

static void
test_demo (void)
{
  LdWindow *window = g_object_ref (new_window ());
  LdDemo *demo = ld_application_get_demo (app);

  ld_window_show_demo (window);
  g_assert_true (gtk_revealer_get_reveal_child (window->demo_revealer));

  /* "Log a message at a random level" logs from the UI thread. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "demo-log", NULL);
  wait_until (has_record_from_thread, (gpointer) "MainThread", "a record from MainThread");

  /* "Start background work" runs the thread named Worker. */
  ld_demo_set_delay_range (demo, 5, 10);
  g_action_group_change_action_state (G_ACTION_GROUP (app), "demo-start",
                                      g_variant_new_boolean (TRUE));
  g_assert_true (ld_demo_get_running (demo));
  wait_until (has_record_from_thread, (gpointer) "Worker", "a record from Worker");
  g_action_group_change_action_state (G_ACTION_GROUP (app), "demo-start",
                                      g_variant_new_boolean (FALSE));
  g_assert_false (ld_demo_get_running (demo));

  /* "Clear" empties the view. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "clear", NULL);
  wait_until (store_is_empty, NULL, "an empty store");
  settle ();
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (window->model)), ==, 0);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->content_stack), ==, "empty");

  /* Closing the window stops the worker. */
  ld_demo_start (demo);
  gtk_window_close (GTK_WINDOW (window));
  g_assert_false (ld_demo_get_running (demo));

  close_window (window);
}

static gboolean
at_bottom (gpointer data)
{
  LdWindow *window = data;
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (window->scroller);

  return gtk_adjustment_get_upper (adj) > gtk_adjustment_get_page_size (adj)
         && gtk_adjustment_get_value (adj) >= gtk_adjustment_get_upper (adj)
                                              - gtk_adjustment_get_page_size (adj) - 1;
}

static gboolean
n_items_is (gpointer data)
{
  LdWindow *window = data;

  return g_list_model_get_n_items (G_LIST_MODEL (window->model))
         == ld_store_get_n_records (ld_application_get_store (app))
         && ld_handoff_get_n_pending (ld_application_get_handoff (app)) == 0;
}

static void
test_follow (void)
{
  LdWindow *window = g_object_ref (new_window ());
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (window->scroller);

  push_records (3000, 20, "follow");
  wait_for_label (window, "follow 2999");
  wait_until (at_bottom, window, "the view at the bottom");
  g_assert_true (ld_window_get_following (window));
  g_assert_false (gtk_revealer_get_reveal_child (window->jump_revealer));

  /* New records keep the view at the bottom. */
  push_records (500, 30, "more");
  wait_for_label (window, "more 499");
  g_assert_true (at_bottom (window));

  /* A scroll up stops following and offers to jump back. */
  gtk_adjustment_set_value (adj, 0);
  g_assert_false (ld_window_get_following (window));
  g_assert_true (gtk_revealer_get_reveal_child (window->jump_revealer));
  push_records (200, 40, "while up");
  wait_until (n_items_is, window, "the records to arrive");
  settle ();
  g_assert_cmpfloat (gtk_adjustment_get_value (adj), <, 1);
  g_assert_null (find_label (window, "while up 199"));

  g_action_group_activate_action (G_ACTION_GROUP (window), "jump-to-latest", NULL);
  wait_for_label (window, "while up 199");
  g_assert_true (ld_window_get_following (window));

  close_window (window);
}

static void
test_pause (void)
{
  LdWindow *window = g_object_ref (new_window ());
  LdStore *store = ld_application_get_store (app);
  guint shown;

  push_records (10, 20, "before pause");
  wait_for_label (window, "before pause 9");

  g_action_group_activate_action (G_ACTION_GROUP (app), "pause", NULL);
  g_assert_true (ld_application_get_paused (app));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window->paused_label)));
  shown = g_list_model_get_n_items (G_LIST_MODEL (window->model));

  push_records (25, 30, "during pause");
  ld_handoff_drain (ld_application_get_handoff (app));
  settle ();
  g_assert_cmpuint (ld_store_get_n_records (store), ==, shown + 25);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (window->model)), ==, shown);
  g_assert_null (find_label (window, "during pause 0"));

  g_action_group_activate_action (G_ACTION_GROUP (app), "pause", NULL);
  g_assert_false (ld_application_get_paused (app));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (window->model)), ==, shown + 25);
  wait_for_label (window, "during pause 24");

  close_window (window);
}

/* Selecting a record shows it whole; arrow keys (selection changes) move the
 * pane along. */
static void
test_detail_pane (void)
{
  LdWindow *window = g_object_ref (new_window ());
  LdBatch *batch = ld_batch_new ();
  LdRecordFields fields = {
    .time_us = g_get_real_time (), .level = 40, .level_name = "ERROR", .logger = "acme.db",
    .message = "query failed\nwith detail", .thread = "MainThread",
    .exception = "Traceback (most recent call last):\n  File \"app.py\", line 3, in <module>\n"
                 "ZeroDivisionError: division by zero",
  };
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  gboolean saw_traceback = FALSE, saw_extra = FALSE;

  ld_batch_add (batch, &fields);
  ld_batch_add_extra (batch, "user", -1, LD_VALUE_STRING, "bob", -1);
  fields.message = "second record";
  fields.exception = NULL;
  ld_batch_add (batch, &fields);
  ld_handoff_push_batch (ld_application_get_handoff (app), batch);
  wait_for_label (window, "second record");
  g_assert_false (gtk_widget_get_visible (window->detail_pane));

  gtk_single_selection_set_selected (window->selection, 0);
  settle ();
  g_assert_true (gtk_widget_get_visible (window->detail_pane));
  collect_labels (window->detail_pane, labels);
  for (guint i = 0; i < labels->len; i++)
    {
      const char *text = widget_text (labels->pdata[i]);
      saw_traceback |= strstr (text, "ZeroDivisionError: division by zero") != NULL;
      saw_extra |= g_str_equal (text, "bob");
    }
  g_assert_true (saw_traceback);
  g_assert_true (saw_extra);

  gtk_single_selection_set_selected (window->selection, 1);
  g_assert_cmpuint (ld_row_get_seq (ld_detail_pane_get_row (LD_DETAIL_PANE (window->detail_pane))),
                    ==, ld_filter_model_get_seq (window->model, 1));

  close_window (window);
}

static gboolean
udp_port_is_zero (gpointer data)
{
  LdIngest *ingest = ld_session_get_ingest (ld_application_get_session (app));

  /* While the listeners restart there is no ingest at all. */
  if (ingest == NULL)
    return FALSE;
  return (ld_ingest_get_bound_port (ingest, "udp") == 0) == GPOINTER_TO_INT (data);
}

/* Preferences apply without a restart: listeners and retention follow the
 * settings. */
static void
test_settings_apply (void)
{
  GSettings *settings = ld_application_get_settings (app);
  LdStore *store = ld_application_get_store (app);

  g_assert_cmpuint (ld_ingest_get_bound_port (ld_session_get_ingest (ld_application_get_session (app)),
                                              "udp"), !=, 0);
  g_settings_set_boolean (settings, "udp-enabled", FALSE);
  wait_until (udp_port_is_zero, GINT_TO_POINTER (TRUE), "the UDP listener to stop");
  g_settings_set_boolean (settings, "udp-enabled", TRUE);
  wait_until (udp_port_is_zero, GINT_TO_POINTER (FALSE), "the UDP listener to start again");

  g_settings_set_uint (settings, "max-records", 5000);
  g_assert_cmpuint (ld_store_get_max_records (store), ==, 5000);
  g_settings_set_uint (settings, "max-megabytes", 1);
  g_assert_cmpuint (ld_store_get_max_bytes (store), ==, 1024 * 1024);
  g_settings_reset (settings, "max-records");
  g_settings_reset (settings, "max-megabytes");
  g_assert_cmpuint (ld_store_get_max_bytes (store), ==, 0);
}

static void
push_logger_records (const char *logger,
                     int         level,
                     const char *message,
                     guint       count)
{
  LdBatch *batch = ld_batch_new ();

  for (guint i = 0; i < count; i++)
    {
      g_autofree char *text = g_strdup_printf ("%s %u", message, i);
      LdRecordFields fields = {
        .time_us = g_get_real_time (), .level = level,
        .level_name = ld_level_canonical_name (level), .logger = logger,
        .thread = i % 2 ? "Worker-2" : "Worker-1", .message = text,
      };
      ld_batch_add (batch, &fields);
    }
  ld_handoff_push_batch (ld_application_get_handoff (app), batch);
}

static gboolean
shown_is (gpointer data)
{
  LdWindow *window = LD_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));

  return g_list_model_get_n_items (G_LIST_MODEL (window->model)) == GPOINTER_TO_UINT (data)
         && ld_filter_model_get_pending (window->model) == 0;
}

static GtkToggleButton *
level_toggle (LdWindow *window,
              int       level)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (window->level_box));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    if (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (child), "ld-level")) == level)
      return GTK_TOGGLE_BUTTON (child);

  return NULL;
}

/* As a user narrows down: a query, a level toggle, a logger subtree, and
 * what the table and the detail pane then show. */
static void
test_filter (void)
{
  LdWindow *window = g_object_ref (new_window ());
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  gboolean saw_message = FALSE;

  /* Logdeck's own records (a listener restarting, say) are not counted. */
  ld_sidebar_set_logger_excluded (window->sidebar, "logdeck", TRUE);
  push_logger_records ("acme.api", 40, "timeout talking to db", 6);
  push_logger_records ("acme.api.auth", 40, "timeout refreshing token", 4);
  push_logger_records ("acme.api", 20, "request served", 5);
  push_logger_records ("websockets.server", 30, "timeout on ping", 3);
  wait_until (shown_is, GUINT_TO_POINTER (18), "all records shown");

  /* Typing the query in the bar, as a user does. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.find", NULL);
  g_assert_true (gtk_search_bar_get_search_mode (window->filter_bar));
  gtk_editable_set_text (GTK_EDITABLE (window->filter_entry), "timeout");
  wait_until (shown_is, GUINT_TO_POINTER (13), "the query to apply");

  /* A mistake is shown inline and the last good filter stays. */
  /* Typed on, as a user would: replacing the whole text would pass through
   * an empty entry, which GtkSearchEntry reports at once. */
  {
    int position = -1;
    gtk_editable_insert_text (GTK_EDITABLE (window->filter_entry), " level>=loud", -1, &position);
  }
  settle ();
  settle ();
  g_assert_true (gtk_revealer_get_reveal_child (window->filter_error_revealer));
  g_assert_nonnull (strstr (gtk_label_get_text (window->filter_error_label), "offset"));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (window->model)), ==, 13);
  gtk_editable_set_text (GTK_EDITABLE (window->filter_entry), "timeout");
  wait_until (shown_is, GUINT_TO_POINTER (13), "the query to apply again");

  /* The WARNING toggle hides the websockets records. */
  ld_window_update_level_toggles (window);
  g_assert_nonnull (level_toggle (window, 30));
  gtk_toggle_button_set_active (level_toggle (window, 30), FALSE);
  wait_until (shown_is, GUINT_TO_POINTER (10), "the level toggle to apply");

  /* Unchecking acme.api.auth in the logger tree hides its subtree. */
  ld_sidebar_set_logger_excluded (window->sidebar, "acme.api.auth", TRUE);
  wait_until (shown_is, GUINT_TO_POINTER (6), "the logger subtree to hide");
  wait_for_label (window, "timeout talking to db 5");
  g_assert_null (find_label (window, "timeout refreshing token 0"));
  g_assert_null (find_label (window, "request served 0"));

  gtk_single_selection_set_selected (window->selection, 0);
  settle ();
  collect_labels (window->detail_pane, labels);
  for (guint i = 0; i < labels->len; i++)
    saw_message |= g_str_equal (widget_text (labels->pdata[i]), "timeout talking to db 0");
  g_assert_true (saw_message);

  /* Clear Filters shows everything again. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.clear-filters", NULL);
  ld_sidebar_set_logger_excluded (window->sidebar, "logdeck", TRUE);
  wait_until (shown_is, GUINT_TO_POINTER (18), "everything after clearing");
  ld_sidebar_reset (window->sidebar);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (window->filter_entry)), ==, "");

  close_window (window);
}

static GtkColumnViewColumn *
column_at (LdWindow *window,
           guint     position,
           char    **id)
{
  GListModel *columns = gtk_column_view_get_columns (window->column_view);
  GtkColumnViewColumn *column = g_list_model_get_item (columns, position);

  *id = g_strdup (g_object_get_data (G_OBJECT (column), "ld-column-id"));
  g_object_unref (column);
  return column;
}



static gboolean
find_count_is (gpointer data)
{
  LdWindow *window = LD_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));

  return g_strcmp0 (gtk_label_get_text (window->find_count_label), data) == 0;
}

static char *
selected_message (LdWindow *window)
{
  LdRow *row = gtk_single_selection_get_selected_item (window->selection);
  const LdRecord *record = row != NULL ? ld_row_get_record (row) : NULL;
  const char *text;
  gsize length;

  if (record == NULL)
    return NULL;
  text = ld_record_get_message (record, &length);
  return g_strndup (text, length);
}

static void
assert_find_step (LdWindow   *window,
                  const char *action,
                  const char *count,
                  const char *message)
{
  g_autofree char *selected = NULL;

  gtk_widget_activate_action (GTK_WIDGET (window), action, NULL);
  wait_until (find_count_is, (gpointer) count, count);
  selected = selected_message (window);
  g_assert_cmpstr (selected, ==, message);
}

/* Opens Find, types @text and waits for the count to read @count. */
static void
find_text (LdWindow   *window,
           const char *text,
           const char *count)
{
  gtk_widget_activate_action (GTK_WIDGET (window), "win.find", NULL);
  gtk_editable_set_text (GTK_EDITABLE (window->find_entry), text);
  wait_until (find_count_is, (gpointer) count, count);
}

/* Find looks through the shown records a slice at a time (two records a
 * slice here), walks its matches both ways and wraps round, and takes in
 * matching records as they arrive. */
static void
test_find (void)
{
  LdWindow *window = g_object_ref (new_window ());

  ld_sidebar_set_logger_excluded (window->sidebar, "logdeck", TRUE);
  window->find_slice = 2;
  push_logger_records ("acme.api", 20, "hay", 4);
  push_logger_records ("acme.api", 30, "needle", 3);
  push_logger_records ("acme.api", 20, "more hay", 3);
  wait_until (shown_is, GUINT_TO_POINTER (10), "all records shown");

  find_text (window, "needle", "3 matches");

  assert_find_step (window, "win.find-next", "1 of 3", "needle 0");
  assert_find_step (window, "win.find-next", "2 of 3", "needle 1");
  assert_find_step (window, "win.find-next", "3 of 3", "needle 2");
  assert_find_step (window, "win.find-next", "1 of 3", "needle 0");
  assert_find_step (window, "win.find-previous", "3 of 3", "needle 2");

  /* Records that arrive are looked at too. */
  push_logger_records ("acme.api", 30, "late needle", 2);
  wait_until (find_count_is, (gpointer) "3 of 5", "the new matches to count");
  assert_find_step (window, "win.find-next", "4 of 5", "late needle 0");

  /* A new filter looks for every match again, among what it shows, once it
   * has shown them all (two records a slice here too). */
  ld_filter_model_set_slice_limit (window->model, 2);
  gtk_editable_set_text (GTK_EDITABLE (window->filter_entry), "late");
  wait_until (shown_is, GUINT_TO_POINTER (2), "the filter to apply");
  wait_until (find_count_is, (gpointer) "2 matches", "matches among the shown records");

  /* Enter while a new filter is still showing its records finishes that first. */
  {
    g_autoptr(LdQuery) query = ld_query_parse ("needle", g_get_real_time (), NULL);

    gtk_single_selection_set_selected (window->selection, GTK_INVALID_LIST_POSITION);
    ld_filter_model_set_query (window->model, query);
    g_assert_cmpuint (ld_filter_model_get_pending (window->model), >, 0);
    assert_find_step (window, "win.find-next", "1 of 5", "needle 0");
  }

  gtk_editable_set_text (GTK_EDITABLE (window->filter_entry), "");
  gtk_editable_set_text (GTK_EDITABLE (window->find_entry), "");
  wait_until (find_count_is, (gpointer) "", "find to clear");
  ld_sidebar_set_logger_excluded (window->sidebar, "logdeck", FALSE);
  close_window (window);
}


/* Matches that are evicted are forgotten, the selected one too. */
static void
test_find_eviction (void)
{
  GSettings *settings = ld_application_get_settings (app);
  LdWindow *window;

  g_settings_set_uint (settings, "max-records", 1000);
  window = g_object_ref (new_window ());
  ld_sidebar_set_logger_excluded (window->sidebar, "logdeck", TRUE);
  push_logger_records ("acme.api", 30, "needle", 5);
  push_logger_records ("acme.api", 20, "hay", 300);
  wait_until (shown_is, GUINT_TO_POINTER (305), "all records shown");

  find_text (window, "needle", "5 matches");
  assert_find_step (window, "win.find-next", "1 of 5", "needle 0");

  push_logger_records ("acme.api", 20, "more hay", 1000);
  wait_until (find_count_is, (gpointer) "No matches", "the evicted matches to go");
  g_assert_cmpuint (window->find_matches->len, ==, 0);
  g_assert_cmpuint (window->find_current, ==, G_MAXUINT64);

  push_logger_records ("acme.api", 30, "late needle", 1);
  wait_until (find_count_is, (gpointer) "1 match", "a new match");

  gtk_editable_set_text (GTK_EDITABLE (window->find_entry), "");
  ld_sidebar_set_logger_excluded (window->sidebar, "logdeck", FALSE);
  close_window (window);
  g_settings_reset (settings, "max-records");
}


/* A burst into an empty store reaches the window a little at a time at
 * first (GTK 4.8 would make a list view's 200 rows in one frame), then all
 * at once; after Clear it starts small again. */
static void
test_first_records_ramp (void)
{
  LdHandoff *handoff = ld_application_get_handoff (app);
  LdStore *store = ld_application_get_store (app);

  for (guint round = 0; round < 2; round++)
    {
      LdBatch *batch = ld_batch_new ();

      ld_handoff_drain_all (handoff);
      ld_store_clear (store);
      for (guint i = 0; i < 5000; i++)
        {
          g_autofree char *text = g_strdup_printf ("burst %u", i);
          LdRecordFields fields = { .time_us = g_get_real_time (), .level = 20, .message = text };

          ld_batch_add (batch, &fields);
        }
      ld_handoff_push_batch (handoff, batch);

      g_assert_true (ld_handoff_drain (handoff));
      g_assert_cmpuint (ld_store_get_n_records (store), ==, 64);
      for (guint i = 0; i < 3; i++)
        ld_handoff_drain (handoff);
      g_assert_cmpuint (ld_store_get_n_records (store), ==, 256);
      ld_handoff_drain (handoff);
      g_assert_cmpuint (ld_store_get_n_records (store), ==, 5000);
    }
  ld_store_clear (store);
}

/* Whether every mapped text cell whose text starts with @prefix passes @check. */
typedef gboolean (*CellCheck) (GtkWidget *cell);

static guint
count_cells (LdWindow   *window,
             const char *prefix,
             CellCheck   check)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  guint n = 0;

  collect_labels (GTK_WIDGET (window->column_view), labels);
  for (guint i = 0; i < labels->len; i++)
    if (g_str_has_prefix (widget_text (labels->pdata[i]), prefix)
        && (check == NULL || check (labels->pdata[i])))
      n++;

  return n;
}

/* Waits up to two seconds for @expected cells to pass @check. */
static guint
wait_for_cells (LdWindow   *window,
                const char *prefix,
                CellCheck   check,
                guint       expected)
{
  guint n = 0;

  for (guint i = 0; i < 20 && (n = count_cells (window, prefix, check)) != expected; i++)
    settle ();

  return n;
}

static gboolean
is_highlighted (GtkWidget *cell)
{
  return GTK_IS_INSCRIPTION (cell) && gtk_inscription_get_attributes (GTK_INSCRIPTION (cell)) != NULL;
}

/* Cells already on screen show a change at once: Find's highlights on every
 * match, and the Time column in the style just chosen. */
static void
test_cells_follow_changes (void)
{
  LdWindow *window = g_object_ref (new_window ());
  GSettings *settings = ld_application_get_settings (app);
  guint n_shown;

  ld_sidebar_set_logger_excluded (window->sidebar, "logdeck", TRUE);
  push_logger_records ("acme.api", 30, "disk almost full on node", 8);
  wait_for_label (window, "disk almost full on node 7");
  settle ();

  n_shown = count_cells (window, "disk almost full", NULL);
  g_assert_cmpuint (n_shown, >=, 8);
  g_assert_cmpuint (count_cells (window, "disk almost full", is_highlighted), ==, 0);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.find", NULL);
  gtk_editable_set_text (GTK_EDITABLE (window->find_entry), "node");
  g_assert_cmpuint (wait_for_cells (window, "disk almost full", is_highlighted, n_shown), ==, n_shown);

  gtk_editable_set_text (GTK_EDITABLE (window->find_entry), "");
  g_assert_cmpuint (wait_for_cells (window, "disk almost full", is_highlighted, 0), ==, 0);

  /* Relative times start at +0:00:00 for the first record. */
  g_assert_cmpuint (count_cells (window, "+0:00:0", NULL), ==, 0);
  g_settings_set_string (settings, "time-display", "relative");
  g_assert_cmpuint (wait_for_cells (window, "+0:00:0", NULL, n_shown), ==, n_shown);
  g_settings_reset (settings, "time-display");
  g_assert_cmpuint (wait_for_cells (window, "+0:00:0", NULL, 0), ==, 0);

  ld_sidebar_set_logger_excluded (window->sidebar, "logdeck", FALSE);
  close_window (window);
}

/* Widths, order and hidden columns survive closing the window. */
static void
test_column_layout (void)
{
  LdWindow *window = g_object_ref (new_window ());
  GSettings *settings = ld_application_get_settings (app);
  g_autofree char *hidden_id = NULL, *moved_id = NULL, *id = NULL, *action = NULL;
  GtkColumnViewColumn *column;

  column = column_at (window, 2, &moved_id);
  gtk_column_view_column_set_fixed_width (column, 333);
  gtk_column_view_insert_column (window->column_view, 0, column);
  column = column_at (window, 3, &hidden_id);
  action = g_strdup_printf ("columns.%s", hidden_id);
  gtk_widget_activate_action (GTK_WIDGET (window), action, NULL);
  g_assert_false (gtk_column_view_column_get_visible (column));
  gtk_window_close (GTK_WINDOW (window));
  g_assert_finalize_object (window);

  window = g_object_ref (new_window ());
  column = column_at (window, 0, &id);
  g_assert_cmpstr (id, ==, moved_id);
  g_assert_cmpint (gtk_column_view_column_get_fixed_width (column), ==, 333);
  g_clear_pointer (&id, g_free);
  column = column_at (window, 3, &id);
  g_assert_cmpstr (id, ==, hidden_id);
  g_assert_false (gtk_column_view_column_get_visible (column));

  g_settings_reset (settings, "column-order");
  g_settings_reset (settings, "column-widths");
  g_settings_reset (settings, "hidden-columns");
  close_window (window);
}

/* GTK's own warnings reach the store through the log writer: a test run
 * that made any has a problem even if nothing aborted. */
static void
assert_no_unexpected_warnings (void)
{
  LdStore *store = ld_application_get_store (app);

  for (guint i = 0; i < ld_store_get_n_records (store); i++)
    {
      const LdRecord *record = ld_store_get_record (store, i);
      const char *logger = ld_intern_lookup (record->logger);
      gsize len;
      const char *message = ld_record_get_message (record, &len);

      if (record->level >= 30 && g_strcmp0 (ld_intern_lookup (record->protocol), "glib") == 0
          && !g_str_equal (logger, "logdeck.demo"))
        g_error ("Unexpected warning from %s: %.*s", logger, (int) len, message);
    }
}


/* An X server without a GPU, such as the Xvfb the tests run in, gives
 * OpenGL only through software rendering, where Logdeck draws with cairo
 * (as GTK 4.14 and later do by themselves); a renderer the user names wins. */
static void
test_renderer (void)
{
  LdWindow *window = g_object_ref (new_window ());
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (window));

  if (!renderer_was_set && g_getenv ("WAYLAND_DISPLAY") == NULL)
    g_assert_cmpstr (G_OBJECT_TYPE_NAME (renderer), ==, "GskCairoRenderer");
  else
    g_test_message ("GSK_RENDERER or Wayland: the renderer is %s", G_OBJECT_TYPE_NAME (renderer));

  close_window (window);
}

static gboolean
model_has_items (gpointer data)
{
  return g_list_model_get_n_items (G_LIST_MODEL (LD_WINDOW (data)->model)) > 0;
}

static gboolean
is_gone (gpointer data)
{
  return *(gpointer *) data == NULL;
}

/* The action row of the dialog with @title. */
static AdwActionRow *
find_row (GtkWidget  *widget,
          const char *title)
{
  if (ADW_IS_ACTION_ROW (widget)
      && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0)
    return ADW_ACTION_ROW (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      AdwActionRow *found = find_row (child, title);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* Exports what @window shows to @path as CSV through the export dialog,
 * with the rows named in @untick turned off first; returns the file. */
static char *
export_csv_from_dialog (LdWindow           *window,
                        const char         *path,
                        const char * const *untick)
{
  GtkWidget *dialog = ld_export_dialog_new (GTK_WINDOW (window), window->model);
  gpointer alive = dialog;
  char *contents = NULL;

  g_object_add_weak_pointer (G_OBJECT (dialog), &alive);
  gtk_window_present (GTK_WINDOW (dialog));
  adw_combo_row_set_selected (ADW_COMBO_ROW (find_descendant (dialog, ADW_TYPE_COMBO_ROW, NULL)),
                              LD_EXPORT_CSV);
  for (guint i = 0; untick[i] != NULL; i++)
    adw_action_row_activate (find_row (dialog, untick[i]));

  gtk_widget_activate_action (dialog, "export.to-file", "s", path);
  /* A finished export closes the dialog. */
  wait_until (is_gone, &alive, "the export");
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_unlink (path);
  return contents;
}

/* The dialog's CSV export protects against formulas and escapes terminal
 * controls unless its check boxes are turned off. */
static void
test_export_dialog (void)
{
  static const char * const none[] = { NULL };
  static const char * const both[] = {
    "Protect Against Spreadsheet Formulas", "Escape Control Characters", NULL
  };
  LdWindow *window = g_object_ref (new_window ());
  g_autofree char *dir = g_dir_make_tmp ("logdeck-test-window-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "records.csv", NULL);
  g_autofree char *safe = NULL, *raw = NULL;
  LdBatch *batch = ld_batch_new ();
  LdRecordFields fields = { .time_us = g_get_real_time (), .level = LD_LEVEL_WARNING,
                            .logger = "acme.csv", .message = "=cmd|' /C calc'!A0 \033[2J" };

  ld_batch_add (batch, &fields);
  ld_handoff_push_batch (ld_application_get_handoff (app), batch);
  wait_until (model_has_items, window, "the record");

  safe = export_csv_from_dialog (window, path, none);
  g_assert_nonnull (strstr (safe, ",'=cmd|' /C calc'!A0 \\x1b[2J,"));
  raw = export_csv_from_dialog (window, path, both);
  g_assert_nonnull (strstr (raw, ",=cmd|' /C calc'!A0 \033[2J,"));

  g_rmdir (dir);
  close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_test_init (&argc, &argv, NULL);
      g_test_skip ("no display: run under xvfb-run, as build-aux/test does");
      return g_test_run ();
    }

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  /* The demo logs warnings and criticals on purpose; GTK's own still fail
   * the run through assert_no_unexpected_warnings(). */
  g_log_set_always_fatal (G_LOG_FATAL_MASK);

  /* Listen on ports of the system's choosing, never on a developer's 9020. */
  {
    g_autoptr(GSettings) settings = ld_settings_new ();
    g_settings_set_value (settings, "tcp-port", g_variant_new_uint16 (0));
    g_settings_set_value (settings, "udp-port", g_variant_new_uint16 (0));
    g_settings_set_value (settings, "http-port", g_variant_new_uint16 (0));
    g_settings_set_string (settings, "nng-listen", "");
  }

  renderer_was_set = g_getenv ("GSK_RENDERER") != NULL;
  app = ld_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);

  g_test_add_func ("/window/rows-and-levels", test_rows_and_levels);
  g_test_add_func ("/window/demo", test_demo);
  g_test_add_func ("/window/filter-hides-first-records", test_filter_hides_first_records);
  g_test_add_func ("/window/follow", test_follow);
  g_test_add_func ("/window/pause", test_pause);
  g_test_add_func ("/window/column-layout", test_column_layout);
  g_test_add_func ("/window/detail-pane", test_detail_pane);
  g_test_add_func ("/window/settings-apply", test_settings_apply);
  g_test_add_func ("/window/filter", test_filter);
  g_test_add_func ("/window/cells-follow-changes", test_cells_follow_changes);
  g_test_add_func ("/window/find", test_find);
  g_test_add_func ("/window/find-eviction", test_find_eviction);
  g_test_add_func ("/window/renderer", test_renderer);
  g_test_add_func ("/window/first-records-ramp", test_first_records_ramp);
  g_test_add_func ("/window/export-dialog", test_export_dialog);
  g_test_add_func ("/window/adaptive-sizes", test_adaptive_sizes);
  g_test_add_func ("/window/dashboard-tabs", test_dashboard_tabs);
  g_test_add_func ("/window/logger-tree-height", test_logger_tree_height);
  g_test_add_func ("/window/restored-filter", test_restored_filter);
  g_test_add_func ("/window/chart-past-records", test_chart_past_records);
  g_test_add_func ("/window/internal-records-badge", test_internal_records_badge);
  g_test_add_func ("/window/wrap-messages", test_wrap_messages);
  g_test_add_func ("/window/chart-collapse", test_chart_collapse);
  g_test_add_func ("/window/construct-properties", test_construct_properties);

  status = g_test_run ();
  g_clear_object (&app);
  return status;
}
