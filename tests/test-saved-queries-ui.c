// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.test"

/* Saved queries and the filter's history in the real window, driven as a
 * user does: Save Query names the filter bar's query, the sidebar lists it
 * with its live count, a click applies it and Ctrl+click (saved.combine,
 * and once a real Ctrl+click through Xvfb with xdotool) combines several,
 * a row's menu renames and deletes, the alert rule
 * editor offers them; Enter puts a query in the history, which keeps 50
 * without repeats, and Up/Down in the entry walk it. With screenshots in
 * light and dark. */

#include "config.h"

#include <adwaita.h>
#include <gdk/x11/gdkx.h>
#include <string.h>

#include "ld-application.h"
#include "ld-handoff.h"
#include "ld-intern.h"
#include "ld-level.h"
#include "ld-preferences.h"
#include "ld-preferences-alerts.h"
#include "ld-query.h"
#include "ld-saved-queries-page.h"
#include "ld-sidebar.h"
#include "ld-window.h"
#include "ui-test-app.h"

static LdApplication *app;

static GtkWidget *
new_window (void)
{
  GtkWidget *window = GTK_WIDGET (ld_window_new (app));

  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 800);
  gtk_window_present (GTK_WINDOW (window));
  wait_painted (window);
  return window;
}

/* 300 records: every third an ERROR, loggers shop.http and shop.db in turn. */
static void
push_records (void)
{
  LdBatch *batch = ld_batch_new ();

  for (guint i = 0; i < 300; i++)
    {
      LdRecordFields fields = {
        .time_us = g_get_real_time (),
        .level = i % 3 == 0 ? LD_LEVEL_ERROR : LD_LEVEL_INFO,
        .level_name = i % 3 == 0 ? "ERROR" : "INFO",
        .logger = i % 2 == 0 ? "shop.http" : "shop.db",
        .message = "request done",
      };

      ld_batch_add (batch, &fields);
    }
  ld_handoff_push_batch (ld_application_get_handoff (app), batch);
}

static guint
recount (const char *text)
{
  LdStore *store = ld_application_get_store (app);
  g_autoptr(LdQuery) query = ld_query_parse (text, g_get_real_time (), NULL);
  guint n = 0;

  for (guint i = 0; i < ld_store_get_n_records (store); i++)
    n += ld_query_matches (query, ld_store_get_record (store, i));

  return n;
}

/* The filter bar's entry, told from Find's by its placeholder. */
static GtkEditable *
find_filter_entry (GtkWidget *widget)
{
  if (GTK_IS_SEARCH_ENTRY (widget))
    {
      g_autofree char *placeholder = NULL;

      g_object_get (widget, "placeholder-text", &placeholder, NULL);
      if (placeholder != NULL && g_str_has_prefix (placeholder, "Filter"))
        return GTK_EDITABLE (widget);
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkEditable *found = find_filter_entry (child);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* The count label beside the saved query called @name, once it says @count. */
static void
wait_count (GtkWidget  *page,
            const char *name,
            guint       count)
{
  gint64 deadline = g_get_monotonic_time () + UI_TEST_DEADLINE_US;
  g_autofree char *expected = g_strdup_printf ("%u", count);

  for (;;)
    {
      GtkWidget *label = ui_find_label (page, name);
      GtkWidget *count_label = label != NULL ? gtk_widget_get_next_sibling (label) : NULL;

      if (count_label != NULL
          && g_strcmp0 (gtk_label_get_text (GTK_LABEL (count_label)), expected) == 0)
        return;
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for %s to count %u", name, count);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

/* Answers the name dialog as a user does: types @name, presses the button. */
static void
answer_name_dialog (const char *name)
{
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (ui_wait_for_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  GtkWidget *entry = find_descendant (GTK_WIDGET (dialog), GTK_TYPE_ENTRY, NULL);

  g_assert_false (adw_message_dialog_get_response_enabled (dialog, "save")
                  && *gtk_editable_get_text (GTK_EDITABLE (entry)) == '\0');
  gtk_editable_set_text (GTK_EDITABLE (entry), name);
  g_assert_true (adw_message_dialog_get_response_enabled (dialog, "save"));
  /* As the button does: the answer, and the dialog closes. */
  g_object_ref (dialog);
  adw_message_dialog_response (dialog, "save");
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_object_unref (dialog);
}

static char *
saved_text (void)
{
  g_autoptr(GVariant) saved = g_settings_get_value (ld_application_get_settings (app),
                                                    "saved-queries");

  return g_variant_print (saved, FALSE);
}

typedef struct
{
  LdFilterModel *model;
  guint          n;
} CountWait;

static gboolean
count_shown (gpointer data)
{
  CountWait *wait = data;

  return ld_filter_model_get_pending (wait->model) == 0
         && g_list_model_get_n_items (G_LIST_MODEL (wait->model)) == wait->n;
}

static GtkWidget *
row_of (GtkWidget  *page,
        const char *name)
{
  return gtk_widget_get_ancestor (ui_find_label (page, name), GTK_TYPE_LIST_BOX_ROW);
}

static void
test_saved_queries (void)
{
  GSettings *settings = ld_application_get_settings (app);
  GtkWidget *window;
  GtkWidget *page;
  GtkEditable *entry;
  LdFilterModel *model;
  CountWait shown;
  g_autofree char *after_save = NULL;
  g_autofree char *after_rename = NULL;
  g_autofree char *after_delete = NULL;

  g_settings_set_boolean (settings, "follow", FALSE);
  g_settings_reset (settings, "saved-queries");
  window = new_window ();
  model = ld_window_get_model (LD_WINDOW (window));
  entry = find_filter_entry (window);
  page = find_descendant (window, LD_TYPE_SAVED_QUERIES_PAGE, NULL);
  gtk_widget_activate_action (window, "app.clear", NULL);

  /* Nothing to save while the filter is empty. */
  gtk_editable_set_text (entry, "");
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "save-query"));

  /* The user types a query and saves it, then another. */
  gtk_editable_set_text (entry, "level>=ERROR");
  gtk_widget_activate_action (window, "win.save-query", NULL);
  answer_name_dialog ("Errors");
  gtk_editable_set_text (entry, "logger=shop.db");
  gtk_widget_activate_action (window, "win.save-query", NULL);
  answer_name_dialog ("DB");
  after_save = saved_text ();
  g_assert_cmpstr (after_save, ==, "[('Errors', 'level>=ERROR'), ('DB', 'logger=shop.db')]");

  /* Their counts follow the records as they come, filtered or not. */
  push_records ();
  push_records ();
  wait_count (page, "Errors", 200);
  wait_count (page, "DB", 300);
  g_assert_cmpuint (recount ("level>=ERROR"), ==, 200);

  /* A click applies one. */
  gtk_widget_activate (row_of (page, "Errors"));
  g_assert_cmpstr (gtk_editable_get_text (entry), ==, "level>=ERROR");
  shown = (CountWait) { model, 200 };
  ui_wait_until (count_shown, &shown, "the errors shown");

  /* Ctrl+click adds another: both at once. */
  gtk_widget_activate_action (page, "saved.combine", "s", "DB");
  g_assert_cmpstr (gtk_editable_get_text (entry), ==, "level>=ERROR logger=shop.db");
  shown = (CountWait) { model, recount ("level>=ERROR logger=shop.db") };
  g_assert_cmpuint (shown.n, ==, 100);
  ui_wait_until (count_shown, &shown, "the database's errors shown");
  ui_save_shots (window, "saved-queries");

  /* Ctrl+click on a picked one takes it out again. */
  gtk_widget_activate_action (page, "saved.combine", "s", "Errors");
  g_assert_cmpstr (gtk_editable_get_text (entry), ==, "logger=shop.db");

  /* Renamed from its menu, it keeps its query and count. */
  gtk_widget_activate_action (page, "saved.rename", "s", "DB");
  answer_name_dialog ("Database");
  after_rename = saved_text ();
  g_assert_cmpstr (after_rename, ==,
                   "[('Errors', 'level>=ERROR'), ('Database', 'logger=shop.db')]");
  wait_count (page, "Database", 300);

  gtk_widget_activate_action (page, "saved.delete", "s", "Errors");
  after_delete = saved_text ();
  g_assert_cmpstr (after_delete, ==, "[('Database', 'logger=shop.db')]");
  {
    UiLabelWait gone = { page, "Errors" };

    g_assert_false (ui_label_shown (&gone));
  }

  gtk_widget_activate_action (window, "win.clear-filters", NULL);
  ui_close_window (window);
  g_settings_reset (settings, "follow");
}

typedef struct
{
  GtkEditable *entry;
  const char  *text;
} TextWait;

static gboolean
text_is (gpointer data)
{
  TextWait *wait = data;

  return g_strcmp0 (gtk_editable_get_text (wait->entry), wait->text) == 0;
}

/* A real Ctrl+click on @widget, through the X server (xdotool's XTest), as
 * GTK has no way to make one up. */
static void
ctrl_click (GtkWidget *window,
            GtkWidget *widget)
{
  double sx, sy;
  graphene_point_t point;

  g_assert_true (gtk_widget_compute_point (widget, window, &GRAPHENE_POINT_INIT (8, 8), &point));
  gtk_native_get_surface_transform (GTK_NATIVE (window), &sx, &sy);
  g_assert_true (ui_send_x_input (window, (int) (point.x + sx), (int) (point.y + sy),
                                  "keydown ctrl click 1 keyup ctrl"));
}

static void
test_ctrl_click (void)
{
  GSettings *settings = ld_application_get_settings (app);
  GtkWidget *window;
  GtkWidget *page;
  TextWait wait;

  if (!GDK_IS_X11_DISPLAY (gdk_display_get_default ())
      || g_find_program_in_path ("xdotool") == NULL)
    {
      g_test_skip ("needs X11 and xdotool");
      return;
    }

  g_settings_set_value (settings, "saved-queries",
                        g_variant_new_parsed ("[('Errors', 'level>=ERROR'), "
                                              "('DB', 'logger=shop.db')]"));
  window = new_window ();
  page = find_descendant (window, LD_TYPE_SAVED_QUERIES_PAGE, NULL);
  wait.entry = find_filter_entry (window);

  /* A plain click applies one; a Ctrl+click on another adds it. */
  gtk_widget_activate (row_of (page, "Errors"));
  wait_painted (window);
  ctrl_click (window, row_of (page, "DB"));
  wait.text = "level>=ERROR logger=shop.db";
  ui_wait_until (text_is, &wait, "the combined query after Ctrl+click");

  gtk_widget_activate_action (window, "win.clear-filters", NULL);
  ui_close_window (window);
  g_settings_reset (settings, "saved-queries");
}

/* The key controller the window put on the filter entry, which sees keys
 * before the entry does. */
static gboolean
press_key (GtkEditable *entry,
           guint        keyval)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (entry));
  gboolean handled = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (g_strcmp0 (gtk_event_controller_get_name (controller), "filter-history-keys") == 0)
        {
          g_signal_emit_by_name (controller, "key-pressed", keyval, 0, 0, &handled);
          return handled;
        }
    }

  g_assert_not_reached ();
}

static void
test_history (void)
{
  GSettings *settings = ld_application_get_settings (app);
  GtkWidget *window;
  GtkEditable *entry;
  g_auto(GStrv) history = NULL;

  g_settings_reset (settings, "query-history");
  window = new_window ();
  entry = find_filter_entry (window);

  /* 60 queries, each applied with Enter, one of them twice, one broken. */
  for (guint i = 0; i < 60; i++)
    {
      g_autofree char *query = g_strdup_printf ("word%u", i);

      gtk_editable_set_text (entry, query);
      g_signal_emit_by_name (entry, "activate");
    }
  gtk_editable_set_text (entry, "word55");
  g_signal_emit_by_name (entry, "activate");
  gtk_editable_set_text (entry, "level>=NOSUCHLEVEL");
  g_signal_emit_by_name (entry, "activate");

  history = g_settings_get_strv (settings, "query-history");
  g_assert_cmpuint (g_strv_length (history), ==, 50);
  g_assert_cmpstr (history[0], ==, "word55");
  g_assert_cmpstr (history[1], ==, "word59");
  g_assert_cmpstr (history[2], ==, "word58");
  g_assert_cmpstr (history[49], ==, "word10");

  /* Up walks back, Down forward, and past the newest gives the draft. */
  gtk_editable_set_text (entry, "draft");
  g_assert_true (press_key (entry, GDK_KEY_Up));
  g_assert_cmpstr (gtk_editable_get_text (entry), ==, "word55");
  g_assert_true (press_key (entry, GDK_KEY_Up));
  g_assert_cmpstr (gtk_editable_get_text (entry), ==, "word59");
  g_assert_true (press_key (entry, GDK_KEY_Up));
  g_assert_cmpstr (gtk_editable_get_text (entry), ==, "word58");
  g_assert_true (press_key (entry, GDK_KEY_Down));
  g_assert_cmpstr (gtk_editable_get_text (entry), ==, "word59");
  g_assert_true (press_key (entry, GDK_KEY_Down));
  g_assert_true (press_key (entry, GDK_KEY_Down));
  g_assert_cmpstr (gtk_editable_get_text (entry), ==, "draft");
  /* Below the draft, Down is left to the entry, to move on to the table. */
  g_assert_false (press_key (entry, GDK_KEY_Down));
  g_assert_cmpstr (gtk_editable_get_text (entry), ==, "draft");
  for (guint i = 0; i < 60; i++)
    press_key (entry, GDK_KEY_Up);
  g_assert_cmpstr (gtk_editable_get_text (entry), ==, "word10");

  /* Typing ends the walk: Up starts again from the newest. */
  gtk_editable_set_text (entry, "other");
  g_assert_true (press_key (entry, GDK_KEY_Up));
  g_assert_cmpstr (gtk_editable_get_text (entry), ==, "word55");

  /* The dropdown beside the entry lists them, newest first. */
  {
    GtkWidget *button = gtk_widget_get_next_sibling (GTK_WIDGET (entry));
    GMenuModel *menu;
    g_autoptr(GVariant) target = NULL;

    g_assert_true (GTK_IS_MENU_BUTTON (button));
    gtk_menu_button_popup (GTK_MENU_BUTTON (button));
    menu = gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (button));
    g_assert_cmpint (g_menu_model_get_n_items (menu), ==, 50);
    target = g_menu_model_get_item_attribute_value (menu, 1, G_MENU_ATTRIBUTE_TARGET, NULL);
    g_assert_cmpstr (g_variant_get_string (target, NULL), ==, "word59");
    gtk_menu_button_popdown (GTK_MENU_BUTTON (button));
  }
  gtk_widget_activate_action (window, "win.find", NULL);
  ui_save_shots (window, "query-history");

  gtk_editable_set_text (entry, "");
  ui_close_window (window);
  g_settings_reset (settings, "query-history");
  g_settings_reset (settings, "filter-query");
}

/* The button beside the filter entry that opens the history's menu. */
static GtkWidget *
history_button (GtkWidget *window)
{
  GtkWidget *button = gtk_widget_get_next_sibling (GTK_WIDGET (find_filter_entry (window)));

  g_assert_true (GTK_IS_MENU_BUTTON (button));
  return button;
}

/* Save Query's own button, beside the history's. */
static GtkWidget *
save_button (GtkWidget *window)
{
  GtkWidget *button = gtk_widget_get_next_sibling (history_button (window));

  g_assert_true (GTK_IS_BUTTON (button));
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (button)), ==,
                   "win.save-query");
  return button;
}

/* The mapped menu item under @widget whose label reads @text. */
static GtkWidget *
find_menu_item_widget (GtkWidget  *widget,
                       const char *text)
{
  GtkWidget *label = ui_find_label (widget, text);

  while (label != NULL && gtk_widget_get_focusable (label))
    label = gtk_widget_get_parent (label);
  for (GtkWidget *item = label; item != NULL; item = gtk_widget_get_parent (item))
    if (g_str_equal (G_OBJECT_TYPE_NAME (item), "GtkModelButton"))
      return item;

  return NULL;
}

static gboolean
toggle_active (gpointer data)
{
  return gtk_toggle_button_get_active (data);
}

/* The header bar's filter button, clicked as a user does (or Ctrl+F). */
static void
show_filter_bar (GtkWidget *window)
{
  GtkWidget *header = find_descendant (window, ADW_TYPE_HEADER_BAR, NULL);

  for (GtkWidget *button = find_descendant (header, GTK_TYPE_TOGGLE_BUTTON, NULL); button != NULL;
       button = gtk_widget_get_next_sibling (button))
    if (g_strcmp0 (gtk_widget_get_tooltip_text (button), "Filter and Find (Ctrl+F)") == 0)
      {
        gtk_widget_activate (button);
        ui_wait_until (toggle_active, button, "the filter button pressed");
        return;
      }

  g_error ("no filter button in the header bar");
}

/* Resizes as a window manager would, twice, as a user drags on: a narrower
 * layout lowers the window's minimum width only once it applies. The
 * default size counts the client-side decorations' frame, the width not. */
static void
resize_to (GtkWidget *window,
           int        width,
           int        height)
{
  for (guint i = 0; i < 3 && ABS (gtk_widget_get_width (window) - width) > 16; i++)
    {
      gtk_window_set_default_size (GTK_WINDOW (window), width + 1, height);
      wait_painted (window);
      gtk_window_set_default_size (GTK_WINDOW (window), width, height);
      wait_painted (window);
    }
}

typedef struct
{
  GtkWidget *window;
  gboolean   narrow;
} LayoutWait;

/* The filter bar laid out for the window's width: narrow below 700 px. */
static gboolean
layout_is (gpointer data)
{
  LayoutWait *wait = data;
  GtkWidget *save = save_button (wait->window);


  return gtk_widget_get_width (wait->window) > 0
         && (gtk_widget_get_width (wait->window) < 700) == wait->narrow
         && gtk_widget_get_visible (save) != wait->narrow
         && gtk_widget_get_mapped (history_button (wait->window));
}

/* At 600 px, narrower than the fold widths, the filter bar has no room for
 * Save Query's button: the menu button beside the entry offers it, and a
 * query saved from there is listed in the sidebar. */
static void
test_narrow_save (void)
{
  GSettings *settings = ld_application_get_settings (app);
  GtkWidget *window = new_window ();
  GtkWidget *button, *popover, *item, *page;
  GtkEditable *entry;
  LayoutWait layout = { window, TRUE };
  g_autofree char *after_save = NULL;

  g_settings_reset (settings, "saved-queries");
  show_filter_bar (window);
  resize_to (window, 600, 700);
  ui_wait_until (layout_is, &layout, "the narrow layout");
  wait_painted (window);
  g_assert_cmpint (gtk_widget_get_width (window), <=, 600);
  entry = find_filter_entry (window);
  button = history_button (window);
  g_assert_cmpstr (gtk_widget_get_tooltip_text (button), ==, "More Filter Actions");

  /* The user types a query, opens the menu beside it and picks Save Query. */
  gtk_editable_set_text (entry, "level>=ERROR logger:shop.");
  gtk_menu_button_popup (GTK_MENU_BUTTON (button));
  popover = GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (button)));
  wait_painted (popover);
  g_assert_nonnull (find_menu_item_widget (popover, "Clear Filters"));
  item = find_menu_item_widget (popover, "Save Query…");
  g_assert_nonnull (item);
  g_assert_true (gtk_widget_get_sensitive (item));
  ui_save_shots (window, "save-query-narrow-600");
  /* The menu is a surface of its own: its picture is taken apart. */
  ui_save_shots (popover, "save-query-narrow-menu");
  gtk_widget_activate (item);
  answer_name_dialog ("Shop Errors");
  after_save = saved_text ();
  g_assert_cmpstr (after_save, ==, "[('Shop Errors', 'level>=ERROR logger:shop.')]");

  /* The sidebar, folded away at this width, lists it once opened. */
  gtk_widget_activate_action (window, "win.toggle-sources", NULL);
  page = find_descendant (window, LD_TYPE_SAVED_QUERIES_PAGE, NULL);
  g_assert_nonnull (page);
  ui_wait_for_label (page, "Shop Errors");

  /* Wide again, Save Query has its button back and leaves the menu. */
  resize_to (window, 1200, 700);
  layout.narrow = FALSE;
  ui_wait_until (layout_is, &layout, "the wide layout");
  gtk_menu_button_popup (GTK_MENU_BUTTON (button));
  popover = GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (button)));
  wait_painted (popover);
  g_assert_true (gtk_widget_get_mapped (popover));
  g_assert_nonnull (find_menu_item_widget (popover, "level>=ERROR logger:shop."));
  g_assert_null (find_menu_item_widget (popover, "Save Query…"));
  gtk_menu_button_popdown (GTK_MENU_BUTTON (button));

  gtk_editable_set_text (entry, "");
  ui_close_window (window);
  g_settings_reset (settings, "saved-queries");
  g_settings_reset (settings, "filter-query");
}

/* Preferences → Alerts: a rule's query menu lists the saved queries, and
 * picking one fills the rule's query. */
static void
test_alert_editor (void)
{
  GSettings *settings = ld_application_get_settings (app);
  GtkWidget *window;
  GtkWindow *preferences;
  GtkWidget *alerts;
  GtkWidget *query_row;
  GtkWidget *button;
  GMenuModel *menu;
  g_autoptr(GVariant) target = NULL;
  g_autoptr(GVariant) rules = NULL;
  g_autofree char *rules_text = NULL;

  g_settings_set_value (settings, "saved-queries",
                        g_variant_new_parsed ("[('Errors', 'level>=ERROR'), "
                                              "('Slow', 'duration_ms>=500')]"));
  g_settings_set_value (settings, "alert-rules",
                        g_variant_new_parsed ("@a(sub) [('level>=CRITICAL', 60, true)]"));
  window = new_window ();
  gtk_widget_activate_action (window, "win.preferences", NULL);
  preferences = ui_wait_for_toplevel (LD_TYPE_PREFERENCES);
  alerts = find_descendant (GTK_WIDGET (preferences), LD_TYPE_PREFERENCES_ALERTS_PAGE, NULL);
  adw_preferences_window_set_visible_page (ADW_PREFERENCES_WINDOW (preferences),
                                           ADW_PREFERENCES_PAGE (alerts));
  wait_painted (GTK_WIDGET (preferences));

  query_row = find_descendant (alerts, ADW_TYPE_ENTRY_ROW, NULL);
  button = find_descendant (query_row, GTK_TYPE_MENU_BUTTON, NULL);
  g_assert_cmpstr (gtk_widget_get_tooltip_text (button), ==, "Use a Saved Query");
  gtk_menu_button_popup (GTK_MENU_BUTTON (button));
  menu = gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (button));
  g_assert_cmpint (g_menu_model_get_n_items (menu), ==, 2);
  target = g_menu_model_get_item_attribute_value (menu, 1, G_MENU_ATTRIBUTE_TARGET, NULL);
  g_assert_cmpstr (g_variant_get_string (target, NULL), ==, "duration_ms>=500");
  gtk_menu_button_popdown (GTK_MENU_BUTTON (button));

  /* Picking it: the rule has that query. */
  gtk_widget_activate_action (query_row, "rule.use-saved", "s", "duration_ms>=500");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (query_row)), ==, "duration_ms>=500");
  rules = g_settings_get_value (settings, "alert-rules");
  rules_text = g_variant_print (rules, FALSE);
  g_assert_nonnull (strstr (rules_text, "'duration_ms>=500'"));

  gtk_window_destroy (preferences);
  ui_close_window (window);
  g_settings_reset (settings, "alert-rules");
  g_settings_reset (settings, "saved-queries");
}

int
main (int   argc,
      char *argv[])
{
  int status;

  if (!ui_test_init (&argc, &argv, &status))
    return status;
  app = ui_test_application_new ();

  g_test_add_func ("/saved-queries-ui/save-apply-combine", test_saved_queries);
  g_test_add_func ("/saved-queries-ui/history", test_history);
  g_test_add_func ("/saved-queries-ui/alert-editor", test_alert_editor);
  g_test_add_func ("/saved-queries-ui/ctrl-click", test_ctrl_click);
  g_test_add_func ("/saved-queries-ui/narrow-save", test_narrow_save);

  status = g_test_run ();
  g_clear_object (&app);
  return status;
}
