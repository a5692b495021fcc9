// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.test"

/* The windows a user opens from the main window: Preferences (showing the
 * ports really bound, as `logdeck --tcp-port 0` asks), the keyboard
 * shortcuts window and About; and the dashboard's panels at the window's
 * default size. Driven by their actions, as a user would,
 * and checked through public API and the widget tree only. */

#include "config.h"

#include <adwaita.h>
#include <stdio.h>
#include <string.h>

#include "ld-application.h"
#include "ld-connection-monitor.h"
#include "ld-dashboard.h"
#include "ld-error-tracker-view.h"
#include "ld-level.h"
#include "ld-window.h"
#include "ui-test-utils.h"

#define SETTINGS_TCP_PORT 9020

static LdApplication *app;

static GtkWidget *
new_window (void)
{
  GtkWidget *window = GTK_WIDGET (ld_window_new (app));

  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 600);
  gtk_window_present (GTK_WINDOW (window));
  wait_painted (window);
  return window;
}

static void
close_window (GtkWidget *window)
{
  g_object_ref (window);
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
}

/* The preferences row titled @title. */
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

static gboolean
row_says_listening (gpointer data)
{
  const char *subtitle = adw_action_row_get_subtitle (data);

  return subtitle != NULL && g_str_has_prefix (subtitle, "Listening on 127.0.0.1:");
}

/* `--tcp-port 0`: the row shows the port the system picked, the field shows
 * it too, and the settings keep the user's own port. */
static void
test_preferences_bound_port (void)
{
  GtkWidget *window = new_window ();
  g_autoptr(GSettings) settings = g_object_ref (ld_application_get_settings (app));
  GtkWindow *preferences;
  AdwActionRow *row;
  GtkSpinButton *spin;
  const char *subtitle;
  guint port;

  gtk_widget_activate_action (window, "win.preferences", NULL);
  preferences = ui_wait_for_toplevel (ADW_TYPE_PREFERENCES_WINDOW);
  wait_painted (GTK_WIDGET (preferences));

  row = find_row (GTK_WIDGET (preferences), "TCP Port");
  g_assert_nonnull (row);
  ui_wait_until (row_says_listening, row, "the TCP port row to show the bound port");
  subtitle = adw_action_row_get_subtitle (row);
  g_test_message ("TCP Port: %s", subtitle);
  g_assert_nonnull (strstr (subtitle, "--tcp-port"));
  g_assert_cmpint (sscanf (subtitle, "Listening on 127.0.0.1:%u", &port), ==, 1);
  g_assert_cmpuint (port, !=, 0);

  spin = GTK_SPIN_BUTTON (find_descendant (GTK_WIDGET (row), GTK_TYPE_SPIN_BUTTON, NULL));
  g_assert_cmpint (gtk_spin_button_get_value_as_int (spin), ==, (int) port);
  g_assert_cmpuint (g_variant_get_uint16 (g_settings_get_value (settings, "tcp-port")), ==,
                    SETTINGS_TCP_PORT);

  /* The UDP port comes from the settings (0): no note about the command line. */
  row = find_row (GTK_WIDGET (preferences), "UDP Port");
  ui_wait_until (row_says_listening, row, "the UDP port row to show the bound port");
  g_assert_null (strstr (adw_action_row_get_subtitle (row), "command line"));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (row), "system picked"));

  if (g_getenv ("LD_SHOTS_DIR") != NULL)
    {
      GtkWidget *page = gtk_widget_get_ancestor (GTK_WIDGET (row), ADW_TYPE_PREFERENCES_PAGE);

      adw_preferences_window_set_visible_page (ADW_PREFERENCES_WINDOW (preferences),
                                               ADW_PREFERENCES_PAGE (page));
      wait_painted (GTK_WIDGET (preferences));
      save_screenshot (GTK_WIDGET (preferences), "preferences.png");
    }

  close_window (GTK_WIDGET (preferences));
  close_window (window);
}

static void
collect_shortcuts (GtkWidget *widget,
                   GPtrArray *titles)
{
  if (GTK_IS_SHORTCUTS_SHORTCUT (widget))
    {
      char *title = NULL;

      g_object_get (widget, "title", &title, NULL);
      g_ptr_array_add (titles, title);
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_shortcuts (child, titles);
}

static void
test_shortcuts_window (void)
{
  static const char *const expected[] = {
    "Open Files", "Export Records", "Show the Sidebar", "Preferences", "Keyboard Shortcuts",
    "Quit", "Pause or Resume the View", "Clear All Records", "Filter (or Start Typing)",
    "Next Match", "Previous Match",
  };
  GtkWidget *window = new_window ();
  g_autoptr(GPtrArray) titles = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app),
                                                                "win.show-help-overlay");
  GtkWindow *shortcuts;

  /* Ctrl+? opens it, as in every GNOME application. */
  g_assert_true (g_strv_contains ((const char * const *) accels, "<Control>question"));

  gtk_widget_activate_action (window, "win.show-help-overlay", NULL);
  shortcuts = ui_wait_for_toplevel (GTK_TYPE_SHORTCUTS_WINDOW);
  g_assert_true (shortcuts == GTK_WINDOW (gtk_application_window_get_help_overlay (
                                            GTK_APPLICATION_WINDOW (window))));
  wait_painted (GTK_WIDGET (shortcuts));

  collect_shortcuts (GTK_WIDGET (shortcuts), titles);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_true (g_ptr_array_find_with_equal_func (titles, expected[i], g_str_equal, NULL));

  if (g_getenv ("LD_SHOTS_DIR") != NULL)
    save_screenshot (GTK_WIDGET (shortcuts), "shortcuts.png");

  gtk_window_close (shortcuts);
  close_window (window);
}

static void
test_about (void)
{
  GtkWidget *window = new_window ();
  AdwAboutWindow *about;

  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  about = ADW_ABOUT_WINDOW (ui_wait_for_toplevel (ADW_TYPE_ABOUT_WINDOW));
  wait_painted (GTK_WIDGET (about));

  g_assert_true (g_str_has_prefix (adw_about_window_get_website (about), "https://"));
  g_assert_true (g_str_has_prefix (adw_about_window_get_issue_url (about), "https://"));
  g_assert_true (g_str_has_suffix (adw_about_window_get_issue_url (about), "/issues"));
  g_assert_cmpstr (adw_about_window_get_version (about), ==, PACKAGE_VERSION);
  g_assert_nonnull (adw_about_window_get_developers (about));

  if (g_getenv ("LD_SHOTS_DIR") != NULL)
    save_screenshot (GTK_WIDGET (about), "about.png");

  close_window (GTK_WIDGET (about));
  close_window (window);
}

static gboolean
action_state (const char *name)
{
  g_autoptr(GVariant) state = g_action_group_get_action_state (G_ACTION_GROUP (app), name);

  return g_variant_get_boolean (state);
}

/* Whatever stops the demo (its window closing), the demo's "running" and
 * the app.demo-start state agree, so what offers the demo can hide. */
static void
test_demo_running_state (void)
{
  LdDemo *demo = ld_application_get_demo (app);

  /* The worker logs criticals on purpose; it logs nothing in this test. */
  ld_demo_set_delay_range (demo, 60 * 1000, 60 * 1000);
  g_action_group_change_action_state (G_ACTION_GROUP (app), "demo-start",
                                      g_variant_new_boolean (TRUE));
  g_assert_true (ld_demo_get_running (demo));
  g_assert_true (action_state ("demo-start"));

  ld_demo_stop (demo);
  g_assert_false (action_state ("demo-start"));

  ld_demo_start (demo);
  g_assert_true (action_state ("demo-start"));
  g_action_group_change_action_state (G_ACTION_GROUP (app), "demo-start",
                                      g_variant_new_boolean (FALSE));
  g_assert_false (ld_demo_get_running (demo));
}

static gboolean
has_n_groups (gpointer data)
{
  return g_list_model_get_n_items (ld_error_tracker_view_get_model (data)) >= 6;
}

/* Rows of @list_view that show whole within its height. */
static guint
count_whole_rows (GtkWidget *list_view)
{
  int height = gtk_widget_get_height (list_view);
  guint n = 0;

  for (GtkWidget *row = gtk_widget_get_first_child (list_view); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      graphene_rect_t bounds;

      if (gtk_widget_get_mapped (row) && gtk_widget_compute_bounds (row, list_view, &bounds)
          && bounds.origin.y >= 0 && bounds.origin.y + bounds.size.height <= height)
        n++;
    }

  return n;
}

static void
push_error_kinds (void)
{
  static const char *const kinds[] = {
    "Payment gateway unreachable", "Lost the queue", "Disk full", "Certificate expired",
    "Database connection pool exhausted", "Could not read the configuration",
  };
  LdBatch *batch = ld_batch_new ();

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      LdRecordFields fields = {
        .time_us = g_get_real_time (), .level = LD_LEVEL_ERROR, .level_name = "ERROR",
        .logger = "shop.api", .connection = "tcp-1", .message = kinds[i],
      };
      ld_batch_add (batch, &fields);
    }
  ld_handoff_push_batch (ld_application_get_handoff (app), batch);
}

/* At the window's default size the panel lists five error groups or more,
 * and the connections panel opens. */
static void
test_panels_default_size (void)
{
  GSettings *settings = ld_application_get_settings (app);
  GtkWidget *window, *tracker, *list_view, *monitor;
  GtkAdjustment *columns;
  LdDashboard *dashboard;

  /* The other tests' windows saved their sizes. */
  g_settings_reset (settings, "window-width");
  g_settings_reset (settings, "window-height");
  window = GTK_WIDGET (ld_window_new (app));

  gtk_window_present (GTK_WINDOW (window));
  wait_painted (window);
  dashboard = LD_DASHBOARD (find_descendant (window, LD_TYPE_DASHBOARD, NULL));
  tracker = find_descendant (GTK_WIDGET (dashboard), LD_TYPE_ERROR_TRACKER_VIEW, NULL);
  push_error_kinds ();
  ui_wait_until (has_n_groups, tracker, "six kinds of error");

  ld_dashboard_set_show_views (dashboard, TRUE);
  ld_dashboard_set_visible_view (dashboard, "errors");
  wait_painted (window);
  list_view = find_descendant (tracker, GTK_TYPE_LIST_VIEW, "error-list");
  g_test_message ("%u error groups show whole at %dx%d", count_whole_rows (list_view),
                  gtk_widget_get_width (window), gtk_widget_get_height (window));
  if (g_getenv ("LD_SHOTS_DIR") != NULL)
    save_screenshot (window, "panel-errors.png");
  g_assert_cmpuint (count_whole_rows (list_view), >=, 5);

  ld_dashboard_set_visible_view (dashboard, "connections");
  wait_painted (window);
  monitor = find_descendant (GTK_WIDGET (dashboard), LD_TYPE_CONNECTION_MONITOR, NULL);
  g_assert_true (gtk_widget_get_mapped (monitor));
  if (g_getenv ("LD_SHOTS_DIR") != NULL)
    save_screenshot (window, "panel-connections.png");
  /* Every column shows without scrolling sideways. */
  columns = gtk_scrolled_window_get_hadjustment (
    GTK_SCROLLED_WINDOW (find_descendant (monitor, GTK_TYPE_SCROLLED_WINDOW, NULL)));
  g_assert_cmpfloat (gtk_adjustment_get_upper (columns), <=,
                     gtk_adjustment_get_page_size (columns) + 1);

  close_window (window);
}

static gboolean
has_label (GtkWidget  *widget,
           const char *text)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget)
      && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0)
    return TRUE;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (has_label (child, text))
      return TRUE;

  return FALSE;
}

typedef struct
{
  GtkWidget  *widget;
  const char *text;
} LabelWait;

static gboolean
label_shown (gpointer data)
{
  LabelWait *wait = data;

  return has_label (wait->widget, wait->text);
}

/* Counts read with thousands separators, whatever the locale. */
static void
test_panel_counts (void)
{
  GSettings *settings = ld_application_get_settings (app);
  LdBatch *batch = ld_batch_new ();
  GtkWidget *window;
  LdDashboard *dashboard;
  LabelWait wait;

  g_settings_reset (settings, "window-width");
  g_settings_reset (settings, "window-height");
  window = GTK_WIDGET (ld_window_new (app));
  gtk_window_present (GTK_WINDOW (window));
  wait_painted (window);
  dashboard = LD_DASHBOARD (find_descendant (window, LD_TYPE_DASHBOARD, NULL));
  ld_dashboard_set_show_views (dashboard, TRUE);
  ld_dashboard_set_visible_view (dashboard, "errors");

  for (guint i = 0; i < 1234; i++)
    {
      LdRecordFields fields = {
        .time_us = g_get_real_time (), .level = LD_LEVEL_ERROR, .level_name = "ERROR",
        .logger = "shop.api", .message = "The same failure, often",
      };
      ld_batch_add (batch, &fields);
    }
  ld_handoff_push_batch (ld_application_get_handoff (app), batch);

  wait = (LabelWait) { find_descendant (window, LD_TYPE_ERROR_TRACKER_VIEW, NULL), "1,234" };
  ui_wait_until (label_shown, &wait, "the count 1,234 in the error list");

  close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariantDict) options = g_variant_dict_new (NULL);
  int status;

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_test_init (&argc, &argv, NULL);
      g_test_skip ("no display: run under xvfb-run, as build-aux/test does");
      return g_test_run ();
    }

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  /* The settings name a TCP port that the command line overrides; the
   * others let the system pick, never a developer's own ports. */
  {
    g_autoptr(GSettings) settings = ld_settings_new ();
    g_settings_set_value (settings, "tcp-port", g_variant_new_uint16 (SETTINGS_TCP_PORT));
    g_settings_set_value (settings, "udp-port", g_variant_new_uint16 (0));
    g_settings_set_value (settings, "http-port", g_variant_new_uint16 (0));
    g_settings_set_string (settings, "nng-listen", "");
  }

  app = ld_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  /* As `logdeck --tcp-port 0` gives it. */
  g_variant_dict_insert (options, "tcp-port", "s", "0");
  g_assert_cmpint (ld_session_handle_options (ld_application_get_session (app), options), ==, -1);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);

  g_test_add_func ("/dialogs/preferences-bound-port", test_preferences_bound_port);
  g_test_add_func ("/dialogs/shortcuts-window", test_shortcuts_window);
  g_test_add_func ("/dialogs/about", test_about);
  g_test_add_func ("/dialogs/demo-running-state", test_demo_running_state);
  g_test_add_func ("/dialogs/panels-default-size", test_panels_default_size);
  g_test_add_func ("/dialogs/panel-counts", test_panel_counts);

  status = g_test_run ();
  g_clear_object (&app);
  return status;
}
