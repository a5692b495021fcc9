// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.test"

/* Marks and the cells' menus in the real window, driven as a user does:
 * rows selected and marked with win.toggle-mark (Ctrl+M) and a click in the
 * gutter, `is:marked` typed in the filter bar and changed away and back,
 * F2 and Shift+F2, Export Marked Records writing exactly the marked
 * records, the marks in the session's archive, and a right click on a cell
 * whose "Filter to This Value" and "Exclude This Value" put in the filter
 * bar the text a user could type, as the Menu key's and a detail-pane
 * field's menu do. With repeat folding on, a folded run above makes the
 * table's rows differ from the filter's records: Ctrl+M, F2 and a cell's
 * menu still act on the row the user sees. With screenshots in light and
 * dark. */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "ld-application.h"
#include "ld-archive.h"
#include "ld-detail-pane.h"
#include "ld-export-dialog.h"
#include "ld-fold-model.h"
#include "ld-level.h"
#include "ld-row.h"
#include "ld-window.h"
#include "ui-test-app.h"

static LdApplication *app;

#define N_RECORDS 40

static gboolean
model_has_all (gpointer data)
{
  return g_list_model_get_n_items (G_LIST_MODEL (ld_window_get_model (data))) == N_RECORDS;
}

static gboolean
is_gone (gpointer data)
{
  return *(gpointer *) data == NULL;
}

static GtkSingleSelection *
table_selection (GtkWidget *window)
{
  GtkWidget *view = find_descendant (window, GTK_TYPE_COLUMN_VIEW, NULL);

  return GTK_SINGLE_SELECTION (gtk_column_view_get_model (GTK_COLUMN_VIEW (view)));
}

static guint64
selected_seq (GtkWidget *window)
{
  GtkSingleSelection *selection = table_selection (window);
  guint position = gtk_single_selection_get_selected (selection);

  g_assert_cmpuint (position, !=, GTK_INVALID_LIST_POSITION);
  return ld_filter_model_get_seq (ld_window_get_model (LD_WINDOW (window)), position);
}

static void
select_seq (GtkWidget *window,
            guint64    seq)
{
  int position = ld_filter_model_find_seq (ld_window_get_model (LD_WINDOW (window)), seq);

  g_assert_cmpint (position, >=, 0);
  gtk_single_selection_set_selected (table_selection (window), position);
}

/* Scrolls the table to its top, where the records this test marks are. */
static void
scroll_to_top (GtkWidget *window)
{
  GtkWidget *view = find_descendant (window, GTK_TYPE_COLUMN_VIEW, NULL);
  GtkWidget *list = find_descendant (view, GTK_TYPE_LIST_VIEW, NULL);

  gtk_widget_activate_action (list, "list.scroll-to-item", "u", 0);
  wait_painted (window);
  wait_painted (window);
}

static void
set_filter (GtkWidget  *window,
            const char *text)
{
  LdFilterModel *model = ld_window_get_model (LD_WINDOW (window));

  gtk_widget_activate_action (window, "win.set-filter", "s", text);
  /* The filter bar applies what is typed after a short pause. */
  for (guint i = 0; i < 500; i++)
    {
      LdQuery *query = ld_filter_model_get_query (model);

      if (g_strcmp0 (query != NULL ? ld_query_get_text (query) : "", text) == 0)
        break;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
    }
  ld_filter_model_flush (model);
}

static char *
shown_seqs (GtkWidget *window)
{
  LdFilterModel *model = ld_window_get_model (LD_WINDOW (window));
  GString *seqs = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (model)); i++)
    g_string_append_printf (seqs, "%" G_GUINT64_FORMAT " ", ld_filter_model_get_seq (model, i));

  return g_string_free (seqs, FALSE);
}

static guint
n_shown (GtkWidget *window)
{
  return g_list_model_get_n_items (G_LIST_MODEL (ld_window_get_model (LD_WINDOW (window))));
}

static const char *
filter_text (GtkWidget *window)
{
  GtkWidget *bar = find_descendant (window, GTK_TYPE_SEARCH_BAR, NULL);
  GtkWidget *entry = find_descendant (bar, GTK_TYPE_SEARCH_ENTRY, NULL);

  return gtk_editable_get_text (GTK_EDITABLE (entry));
}

/* The shown gutter cells with their glyph lit. */
static guint
count_lit_gutters (GtkWidget *widget)
{
  guint n = 0;

  if (gtk_widget_has_css_class (widget, "mark-gutter")
      && gtk_widget_get_opacity (gtk_widget_get_first_child (widget)) > 0.5)
    return 1;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_lit_gutters (child);

  return n;
}

/* The first gutter cell or cell of the Logger column bound to @seq. */
static GtkWidget *
find_cell (GtkWidget  *widget,
           guint64     seq,
           const char *column_title)
{
  GtkListItem *item = g_object_get_data (G_OBJECT (widget), "ld-list-item");

  if (item != NULL && gtk_list_item_get_item (item) != NULL
      && ld_row_get_seq (gtk_list_item_get_item (item)) == seq)
    {
      const char *const *id = g_object_get_data (G_OBJECT (widget), "ld-column-info");

      if (id != NULL && g_strcmp0 (*id, column_title) == 0)
        return widget;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_cell (child, seq, column_title);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* Presses the secondary button on @cell, as a right click does. */
static GtkWidget *
right_click (GtkWidget *window,
             GtkWidget *cell)
{
  GtkWidget *view = find_descendant (window, GTK_TYPE_COLUMN_VIEW, NULL);
  GListModel *controllers = gtk_widget_observe_controllers (view);
  graphene_point_t point;
  GtkWidget *popover;

  g_assert_true (gtk_widget_compute_point (cell, view, &GRAPHENE_POINT_INIT (4, 4), &point));
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_GESTURE_CLICK (controller)
          && gtk_gesture_single_get_button (GTK_GESTURE_SINGLE (controller))
             == GDK_BUTTON_SECONDARY)
        g_signal_emit_by_name (controller, "pressed", 1, (double) point.x, (double) point.y);
    }
  g_object_unref (controllers);

  popover = find_descendant (view, GTK_TYPE_POPOVER_MENU, NULL);
  g_assert_nonnull (popover);
  g_assert_true (gtk_widget_get_visible (popover));
  return popover;
}

/* Presses the Menu key in the table, through its shortcut. */
static GtkWidget *
press_menu_key (GtkWidget *window)
{
  GtkWidget *view = find_descendant (window, GTK_TYPE_COLUMN_VIEW, NULL);
  GListModel *controllers = gtk_widget_observe_controllers (view);
  gboolean pressed = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers) && !pressed; i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          g_autofree char *trigger = gtk_shortcut_trigger_to_string (
            gtk_shortcut_get_trigger (shortcut));

          if (strstr (trigger, "Menu") == NULL)
            continue;
          g_assert_true (gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut), 0,
                                                       view, NULL));
          pressed = TRUE;
          break;
        }
    }
  g_object_unref (controllers);
  g_assert_true (pressed);

  return find_descendant (view, GTK_TYPE_POPOVER_MENU, NULL);
}

/* Picks @label in the open menu, as a click on it does. */
static void
choose (GtkWidget  *popover,
        const char *label)
{
  g_autofree char *action = NULL;
  g_autoptr(GVariant) target = NULL;

  g_assert_true (ui_find_menu_item (gtk_popover_menu_get_menu_model (GTK_POPOVER_MENU (popover)),
                                    label, &action, &target));
  gtk_popover_popdown (GTK_POPOVER (popover));
  g_assert_true (gtk_widget_activate_action_variant (popover, action, target));
}

/* The detail pane's value label showing @text. */
static GtkWidget *
find_value_label (GtkWidget  *widget,
                  const char *text)
{
  if (GTK_IS_LABEL (widget) && gtk_label_get_selectable (GTK_LABEL (widget))
      && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_value_label (child, text);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static void
push_records (void)
{
  LdBatch *batch = ld_batch_new ();

  for (guint i = 0; i < N_RECORDS; i++)
    {
      g_autofree char *message = g_strdup_printf ("request %u took %u ms", i, 10 * i);
      LdRecordFields fields = {
        .time_us = g_get_real_time () + i,
        .level = i % 5 == 0 ? LD_LEVEL_ERROR : LD_LEVEL_INFO,
        .logger = i % 2 == 0 ? "acme.api" : "acme \"db\"",
        .message = message,
      };

      ld_batch_add (batch, &fields);
    }
  ld_handoff_push_batch (ld_application_get_handoff (app), batch);
}

static char *
export_marked (GtkWidget  *window,
               const char *path)
{
  GtkWindow *dialog;
  gpointer alive;
  char *contents = NULL;

  gtk_widget_activate_action (window, "win.export-marked", NULL);
  dialog = ui_wait_for_toplevel (LD_TYPE_EXPORT_DIALOG);
  g_assert_cmpstr (gtk_window_get_title (dialog), ==, "Export Marked Records");
  alive = dialog;
  g_object_add_weak_pointer (G_OBJECT (dialog), &alive);
  gtk_widget_activate_action (GTK_WIDGET (dialog), "export.to-file", "s", path);
  ui_wait_until (is_gone, &alive, "the export");
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_unlink (path);

  return contents;
}

static char *
archived_marks (GtkWidget *window)
{
  LdArchiveWriter *writer = ld_session_get_archive_writer (ld_application_get_session (app));
  g_autoptr(LdArchive) archive = NULL;
  g_autoptr(GArray) ordinals = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GError) error = NULL;
  GString *seqs = g_string_new (NULL);
  guint64 first = 0, end = 0;

  g_assert_nonnull (writer);
  ld_archive_writer_flush (writer);
  archive = ld_archive_open (ld_archive_writer_get_path (writer), &error);
  g_assert_no_error (error);
  g_assert_true (ld_archive_get_seq_range (archive, &first, &end));
  ld_archive_get_mark_ordinals (archive, ordinals);
  for (guint i = 0; i < ordinals->len; i++)
    g_string_append_printf (seqs, "%" G_GUINT64_FORMAT " ",
                            first + g_array_index (ordinals, guint64, i));

  return g_string_free (seqs, FALSE);
}

static void
test_marks (void)
{
  g_autoptr(GtkWidget) window = g_object_ref (GTK_WIDGET (ld_window_new (app)));
  g_autofree char *dir = g_dir_make_tmp ("logdeck-test-marks-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "marked.jsonl", NULL);
  g_autofree char *exported = NULL;
  g_autofree char *seqs = NULL;
  g_autofree char *archived = NULL;
  g_auto(GStrv) accels = NULL;
  g_auto(GStrv) lines = NULL;
  guint64 first;

  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 800);
  gtk_window_present (GTK_WINDOW (window));
  push_records ();
  ui_wait_until (model_has_all, window, "the records");
  wait_painted (window);
  first = ld_filter_model_get_seq (ld_window_get_model (LD_WINDOW (window)), 0);

  accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "win.toggle-mark");
  g_assert_cmpstr (accels[0], ==, "<Control>m");
  g_clear_pointer (&accels, g_strfreev);
  accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "win.next-mark");
  g_assert_cmpstr (accels[0], ==, "F2");
  g_clear_pointer (&accels, g_strfreev);
  accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "win.previous-mark");
  g_assert_cmpstr (accels[0], ==, "<Shift>F2");

  /* Nothing marked: nothing to export. */
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "export-marked"));

  /* Ctrl+M on three rows; a fourth marked twice is unmarked again. */
  select_seq (window, first + 3);
  gtk_widget_activate_action (window, "win.toggle-mark", NULL);
  select_seq (window, first + 12);
  gtk_widget_activate_action (window, "win.toggle-mark", NULL);
  select_seq (window, first + 7);
  gtk_widget_activate_action (window, "win.toggle-mark", NULL);
  gtk_widget_activate_action (window, "win.toggle-mark", NULL);
  /* A click in the gutter of a row on screen. */
  scroll_to_top (window);
  {
    GtkWidget *gutter = find_cell (window, first + 5, "mark");
    GListModel *controllers;

    g_assert_nonnull (gutter);
    controllers = gtk_widget_observe_controllers (gutter);
    for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
      {
        g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

        if (GTK_IS_GESTURE_CLICK (controller))
          g_signal_emit_by_name (controller, "released", 1, 4.0, 4.0);
      }
    g_object_unref (controllers);
  }
  wait_painted (window);
  g_assert_cmpuint (count_lit_gutters (window), ==, 3);
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "export-marked"));
  select_seq (window, first + 12);
  ui_save_shots (window, "marks-table");

  /* is:marked, through a filter change away and back. */
  set_filter (window, "is:marked");
  seqs = shown_seqs (window);
  {
    g_autofree char *want = g_strdup_printf ("%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
                                             " %" G_GUINT64_FORMAT " ", first + 3, first + 5,
                                             first + 12);

    g_assert_cmpstr (seqs, ==, want);
    set_filter (window, "level>=ERROR");
    g_assert_cmpuint (n_shown (window), ==, N_RECORDS / 5);
    set_filter (window, "is:marked");
    g_clear_pointer (&seqs, g_free);
    seqs = shown_seqs (window);
    g_assert_cmpstr (seqs, ==, want);
    /* Unmarking a record with is:marked shown takes it away at once. */
    select_seq (window, first + 5);
    gtk_widget_activate_action (window, "win.toggle-mark", NULL);
    g_clear_pointer (&seqs, g_free);
    seqs = shown_seqs (window);
    g_clear_pointer (&want, g_free);
    want = g_strdup_printf ("%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " ", first + 3,
                            first + 12);
    g_assert_cmpstr (seqs, ==, want);
  }

  /* F2 and Shift+F2 with every record shown, the mark just taken off put back. */
  set_filter (window, "");
  select_seq (window, first + 5);
  gtk_widget_activate_action (window, "win.toggle-mark", NULL);
  select_seq (window, first);
  gtk_widget_activate_action (window, "win.next-mark", NULL);
  g_assert_cmpuint (selected_seq (window), ==, first + 3);
  gtk_widget_activate_action (window, "win.next-mark", NULL);
  g_assert_cmpuint (selected_seq (window), ==, first + 5);
  gtk_widget_activate_action (window, "win.next-mark", NULL);
  g_assert_cmpuint (selected_seq (window), ==, first + 12);
  gtk_widget_activate_action (window, "win.next-mark", NULL);
  g_assert_cmpuint (selected_seq (window), ==, first + 12);
  gtk_widget_activate_action (window, "win.previous-mark", NULL);
  g_assert_cmpuint (selected_seq (window), ==, first + 5);
  /* A mark the filter hides is passed over. */
  set_filter (window, "-\"request 5 \"");
  select_seq (window, first + 3);
  gtk_widget_activate_action (window, "win.next-mark", NULL);
  g_assert_cmpuint (selected_seq (window), ==, first + 12);
  set_filter (window, "");

  /* Export Marked Records: exactly the marked ones, in order. */
  exported = export_marked (window, path);
  lines = g_strsplit (exported, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 4);
  g_assert_nonnull (strstr (lines[0], "\"request 3 took 30 ms\""));
  g_assert_nonnull (strstr (lines[1], "\"request 5 took 50 ms\""));
  g_assert_nonnull (strstr (lines[2], "\"request 12 took 120 ms\""));
  g_assert_cmpstr (lines[3], ==, "");

  /* The archive writer's thread has them. */
  archived = archived_marks (window);
  {
    g_autofree char *want = g_strdup_printf ("%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
                                             " %" G_GUINT64_FORMAT " ", first + 3, first + 5,
                                             first + 12);

    g_assert_cmpstr (archived, ==, want);
  }

  /* A cell's menu: the logger's value, quoted as a user would type it. */
  scroll_to_top (window);
  {
    GtkWidget *popover;
    GtkWidget *cell = find_cell (window, first + 1, "logger");

    g_assert_nonnull (cell);
    popover = right_click (window, cell);
    g_assert_cmpuint (selected_seq (window), ==, first + 1);
    /* The menu is a surface of its own: its picture is taken apart. */
    ui_save_shots (popover, "marks-cell-menu");
    choose (popover, "_Filter to This Value");
    g_assert_cmpstr (filter_text (window), ==, "logger=\"acme \\\"db\\\"\"");
    set_filter (window, filter_text (window));
    g_assert_cmpuint (n_shown (window), ==, N_RECORDS / 2);

    scroll_to_top (window);
    cell = find_cell (window, first + 1, "logger");
    popover = right_click (window, cell);
    choose (popover, "_Exclude This Value");
    g_assert_cmpstr (filter_text (window), ==, "-logger=\"acme \\\"db\\\"\"");
    set_filter (window, filter_text (window));
    g_assert_cmpuint (n_shown (window), ==, N_RECORDS / 2);

    scroll_to_top (window);
    cell = find_cell (window, first + 4, "message");
    g_assert_nonnull (cell);
    popover = right_click (window, cell);
    choose (popover, "_Filter to This Value");
    g_assert_cmpstr (filter_text (window), ==, "-logger=\"acme \\\"db\\\"\" "
                                               "message=\"request 4 took 40 ms\"");
    set_filter (window, filter_text (window));
    g_assert_cmpuint (n_shown (window), ==, 1);
  }
  set_filter (window, "");

  /* The Menu key: the selected row's menu, for its message. */
  {
    GtkWidget *popover;
    g_autofree char *action = NULL;
    g_autoptr(GVariant) target = NULL;

    select_seq (window, first + 4);
    gtk_widget_grab_focus (find_descendant (window, GTK_TYPE_COLUMN_VIEW, NULL));
    popover = press_menu_key (window);
    g_assert_true (gtk_widget_get_visible (popover));
    g_assert_true (ui_find_menu_item (gtk_popover_menu_get_menu_model (GTK_POPOVER_MENU (popover)),
                                      "_Exclude This Value", &action, &target));
    g_assert_cmpstr (g_variant_get_string (target, NULL), ==, "-message=\"request 4 took 40 ms\"");
    gtk_popover_popdown (GTK_POPOVER (popover));
  }

  /* A detail-pane field's menu: its label's own menu has the same items. */
  {
    GtkWidget *pane = find_descendant (window, LD_TYPE_DETAIL_PANE, NULL);
    GtkWidget *label;
    g_autofree char *action = NULL;
    g_autoptr(GVariant) target = NULL;

    select_seq (window, first + 5);
    wait_painted (window);
    label = find_value_label (pane, "40");
    g_assert_nonnull (label);
    g_assert_true (ui_find_menu_item (gtk_label_get_extra_menu (GTK_LABEL (label)),
                                      "_Exclude This Value", &action, &target));
    g_assert_true (gtk_widget_activate_action_variant (label, action, target));
    g_assert_cmpstr (filter_text (window), ==, "-level=40");
    set_filter (window, filter_text (window));
    g_assert_cmpuint (n_shown (window), ==, N_RECORDS - N_RECORDS / 5);
  }
  set_filter (window, "");

  g_rmdir (dir);
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (g_steal_pointer (&window));
}

/* Repeat folding */

/* The table's row showing @seq (a folded run's first record shows the run). */
static guint
table_position (GtkWidget *window,
                guint64    seq)
{
  GListModel *rows = G_LIST_MODEL (table_selection (window));

  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr(LdRow) row = g_list_model_get_item (rows, i);

      if (ld_row_get_seq (row) == seq)
        return i;
    }
  g_assert_not_reached ();
}

/* Clicks the row showing @seq, scrolled to, as a user does. */
static void
select_row (GtkWidget *window,
            guint64    seq)
{
  GtkWidget *view = find_descendant (window, GTK_TYPE_COLUMN_VIEW, NULL);
  guint position = table_position (window, seq);

  gtk_single_selection_set_selected (table_selection (window), position);
  gtk_widget_activate_action (find_descendant (view, GTK_TYPE_LIST_VIEW, NULL),
                              "list.scroll-to-item", "u", position);
  wait_painted (window);
}

/* The selected row's record, as the table shows it. */
static guint64
selected_row_seq (GtkWidget *window)
{
  LdRow *row = gtk_single_selection_get_selected_item (table_selection (window));

  g_assert_nonnull (row);
  return ld_row_get_seq (row);
}

static gboolean
folded (gpointer data)
{
  GListModel *rows = gtk_single_selection_get_model (table_selection (data));

  return ld_fold_model_get_pending (LD_FOLD_MODEL (rows)) == 0
         && g_list_model_get_n_items (rows)
            < g_list_model_get_n_items (G_LIST_MODEL (ld_window_get_model (data)));
}

static void
set_folding (GtkWidget *window,
             gboolean   fold)
{
  GSettings *settings = ld_application_get_settings (app);

  if (g_settings_get_boolean (settings, "fold-repeats") != fold)
    g_action_group_activate_action (G_ACTION_GROUP (window), "fold-repeats", NULL);
  g_assert_true (g_settings_get_boolean (settings, "fold-repeats") == fold);
  if (fold)
    ui_wait_until (folded, window, "the repeats folded");
  wait_painted (window);
}

/* The shown records from @from on, by message. */
static char *
shown_messages (GtkWidget *window,
                guint64    from)
{
  LdFilterModel *model = ld_window_get_model (LD_WINDOW (window));
  GString *messages = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (model)); i++)
    if (ld_filter_model_get_seq (model, i) >= from)
      {
        g_autoptr(LdRow) row = g_list_model_get_item (G_LIST_MODEL (model), i);
        gsize length;
        const char *message = ld_record_get_message (ld_row_get_record (row), &length);

        g_string_append_printf (messages, "%.*s; ", (int) length, message);
      }

  return g_string_free (messages, FALSE);
}

/* Two runs of heartbeats, each folding into one row, around four records
 * of their own: seqs @first + 0…4 and 9…11 fold. */
#define N_FOLD_RECORDS 13

static void
push_runs (void)
{
  static const char *const loggers[] = { "acme.alpha", "acme.bravo", "acme.charlie",
                                         "acme.delta" };
  LdBatch *batch = ld_batch_new ();

  for (guint i = 0; i < N_FOLD_RECORDS; i++)
    {
      gboolean beat = i < 5 || (i >= 9 && i < 12);
      g_autofree char *message = beat ? g_strdup_printf ("heartbeat %u", i)
                                      : g_strdup_printf ("%s ready",
                                                         loggers[i < 9 ? i - 5 : 3] + 5);
      LdRecordFields fields = {
        .time_us = g_get_real_time () + i,
        .level = LD_LEVEL_INFO,
        .logger = beat ? "acme.beat" : loggers[i < 9 ? i - 5 : 3],
        .message = message,
      };

      ld_batch_add (batch, &fields);
    }
  ld_handoff_push_batch (ld_application_get_handoff (app), batch);
}

static gboolean
runs_arrived (gpointer data)
{
  LdFilterModel *model = ld_window_get_model (data);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (model));
  g_autoptr(LdRow) row = n > 0 ? g_list_model_get_item (G_LIST_MODEL (model), n - 1) : NULL;

  return row != NULL && ld_intern_lookup (ld_row_get_record (row)->logger) != NULL
         && g_str_equal (ld_intern_lookup (ld_row_get_record (row)->logger), "acme.delta");
}

static void
test_marks_folded (void)
{
  g_autoptr(GtkWidget) window = g_object_ref (GTK_WIDGET (ld_window_new (app)));
  LdFilterModel *model = ld_window_get_model (LD_WINDOW (window));
  g_autofree char *marked = NULL;
  guint64 first;

  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 800);
  gtk_window_present (GTK_WINDOW (window));
  push_runs ();
  ui_wait_until (runs_arrived, window, "the records");
  ld_filter_model_flush (model);
  first = ld_filter_model_get_seq (model, g_list_model_get_n_items (G_LIST_MODEL (model))
                                          - N_FOLD_RECORDS);
  /* One mark inside the first run, made while it shows each record. */
  set_folding (window, FALSE);
  select_row (window, first + 3);
  gtk_widget_activate_action (window, "win.toggle-mark", NULL);
  set_folding (window, TRUE);
  /* Both runs are one row each, above and below the records marked next. */
  g_assert_cmpuint (table_position (window, first + 5), ==, table_position (window, first) + 1);
  g_assert_cmpuint (table_position (window, first + 12),
                    ==, table_position (window, first + 9) + 1);

  /* Ctrl+M on a row below a folded run marks that row's record. */
  select_row (window, first + 6);
  gtk_widget_activate_action (window, "win.toggle-mark", NULL);
  select_row (window, first + 9);
  gtk_widget_activate_action (window, "win.toggle-mark", NULL);
  ui_save_shots (window, "marks-folded");
  /* is:marked: exactly the records marked, by their own messages. */
  set_filter (window, "is:marked");
  marked = shown_messages (window, first);
  g_assert_cmpstr (marked, ==, "heartbeat 3; bravo ready; heartbeat 9; ");
  set_filter (window, "");

  /* A cell's menu on a row below a folded run offers that row's values. */
  {
    GtkWidget *cell, *popover;

    select_row (window, first + 7);
    cell = find_cell (window, first + 7, "logger");
    g_assert_nonnull (cell);
    popover = right_click (window, cell);
    g_assert_cmpuint (selected_row_seq (window), ==, first + 7);
    choose (popover, "_Filter to This Value");
    g_assert_cmpstr (filter_text (window), ==, "logger=\"acme.charlie\"");
    set_filter (window, "");
  }

  /* F2 goes from mark to mark as the rows show them: into the folded run,
   * which opens to show the marked record, and on below it. */
  set_folding (window, FALSE);
  set_folding (window, TRUE);
  select_row (window, first);
  gtk_widget_activate_action (window, "win.next-mark", NULL);
  g_assert_cmpuint (selected_row_seq (window), ==, first + 3);
  g_assert_cmpuint (table_position (window, first + 3), ==, table_position (window, first) + 3);
  gtk_widget_activate_action (window, "win.next-mark", NULL);
  g_assert_cmpuint (selected_row_seq (window), ==, first + 6);
  gtk_widget_activate_action (window, "win.next-mark", NULL);
  g_assert_cmpuint (selected_row_seq (window), ==, first + 9);
  gtk_widget_activate_action (window, "win.previous-mark", NULL);
  g_assert_cmpuint (selected_row_seq (window), ==, first + 6);

  set_folding (window, FALSE);
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (g_steal_pointer (&window));
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

  {
    g_autoptr(GSettings) settings = ld_settings_new ();

    g_settings_set_value (settings, "tcp-port", g_variant_new_uint16 (0));
    g_settings_set_value (settings, "udp-port", g_variant_new_uint16 (0));
    g_settings_set_value (settings, "http-port", g_variant_new_uint16 (0));
    g_settings_set_string (settings, "nng-listen", "");
  }

  app = ld_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);

  g_test_add_func ("/marks/window", test_marks);
  g_test_add_func ("/marks/folded", test_marks_folded);

  status = g_test_run ();
  g_clear_object (&app);
  return status;
}
