// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.test"

/* Repeat folding and dimmed levels in the real window, driven as a user
 * does: a CPython peer's SocketHandler sends heartbeat lines to the
 * window's own listener; "win.fold-repeats" folds them into one row with a
 * "×N" badge, Enter on the row shows each record, Enter on a row of the
 * run folds it again; counts never change. "win.dim-level" dims a level's
 * rows and the setting comes back in a new window. With screenshots in
 * light and dark. */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "ingest-test-utils.h"
#include "ld-application.h"
#include "ld-row.h"
#include "ld-window.h"
#include "ui-test-app.h"

static LdApplication *app;

#define N_BEFORE 15
#define N_AFTER 5
#define N_RECORDS (N_BEFORE + 1 + N_AFTER)

static GtkWidget *
new_window (void)
{
  GtkWidget *window = GTK_WIDGET (ld_window_new (app));

  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 800);
  gtk_window_present (GTK_WINDOW (window));
  wait_painted (window);
  return window;
}

static guint
n_rows (GtkWidget *window)
{
  GtkColumnView *view = ld_window_get_column_view (LD_WINDOW (window));

  return g_list_model_get_n_items (G_LIST_MODEL (gtk_column_view_get_model (view)));
}

/* The visible fold badge whose label starts with @prefix. */
static GtkWidget *
find_badge (GtkWidget  *widget,
            const char *prefix)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_has_css_class (widget, "fold-badge")
      && gtk_widget_get_visible (widget)
      && g_str_has_prefix (gtk_label_get_text (GTK_LABEL (widget)), prefix))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_badge (child, prefix);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* The search entry whose placeholder is @placeholder. */
static GtkWidget *
find_entry (GtkWidget  *widget,
            const char *placeholder)
{
  if (GTK_IS_SEARCH_ENTRY (widget))
    {
      g_autofree char *text = NULL;

      g_object_get (widget, "placeholder-text", &text, NULL);
      if (g_strcmp0 (text, placeholder) == 0)
        return widget;
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_entry (child, placeholder);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static guint
count_css (GtkWidget  *widget,
           const char *css_class)
{
  guint n = gtk_widget_has_css_class (widget, css_class) && gtk_widget_get_mapped (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_css (child, css_class);

  return n;
}

/* The CPython peer: heartbeats, one warning, heartbeats again, through
 * logging.handlers.SocketHandler. */
static const char peer_script_text[] =
  "import logging, logging.handlers, sys\n"
  "h = logging.handlers.SocketHandler('127.0.0.1', int(sys.argv[1]))\n"
  "log = logging.getLogger('shop.heartbeat')\n"
  "log.setLevel(logging.DEBUG)\n"
  "log.addHandler(h)\n"
  "for i in range(%d):\n"
  "    log.info('heartbeat %%d ok after %%d ms', i, 10 + i)\n"
  "log.warning('disk /var is 91%% full')\n"
  "for i in range(%d):\n"
  "    log.info('heartbeat %%d ok after %%d ms', 100 + i, 3 * i)\n"
  "h.close()\n";

static gboolean
all_arrived (gpointer data)
{
  return ld_store_get_n_records (ld_application_get_store (app)) >= N_RECORDS;
}

static void
send_heartbeats (void)
{
  LdIngest *ingest = ld_session_get_ingest (ld_application_get_session (app));
  g_autofree char *port = g_strdup_printf ("%u", ld_ingest_get_bound_port (ingest, "tcp"));
  g_autofree char *script = g_strdup_printf (peer_script_text, N_BEFORE, N_AFTER);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) peer = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, python3 (),
                                                  "-c", script, port, NULL);

  g_assert_no_error (error);
  ui_wait_until (all_arrived, NULL, "the peer's records");
  g_assert_true (g_subprocess_wait_check (peer, NULL, &error));
  g_assert_no_error (error);
}

static gboolean
badge_shown (gpointer window)
{
  return find_badge (window, "▸ ×15") != NULL;
}

static void
test_fold_heartbeats (void)
{
  GtkWidget *window = new_window ();
  LdFilterModel *model = ld_window_get_model (LD_WINDOW (window));
  GSettings *settings = ld_application_get_settings (app);
  g_autoptr(GVariant) state = NULL;

  send_heartbeats ();
  ld_filter_model_flush (model);
  g_assert_cmpuint (n_rows (window), ==, N_RECORDS);

  /* The filter bar's toggle's action folds the two runs of heartbeats. */
  g_action_group_activate_action (G_ACTION_GROUP (window), "fold-repeats", NULL);
  state = g_action_group_get_action_state (G_ACTION_GROUP (window), "fold-repeats");
  g_assert_true (g_variant_get_boolean (state));
  g_assert_true (g_settings_get_boolean (settings, "fold-repeats"));
  g_assert_cmpuint (n_rows (window), ==, 3);
  /* Counts are of records, never of rows. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, N_RECORDS);
  g_assert_cmpuint (ld_filter_model_get_n_matches (model), ==, N_RECORDS);
  wait_painted (window);
  ui_wait_until (badge_shown, window, "the ×15 badge");
  g_assert_nonnull (find_badge (window, "▸ ×5"));
  /* The filter bar open, to show its Fold toggle pressed. */
  gtk_search_bar_set_search_mode (GTK_SEARCH_BAR (find_descendant (window, GTK_TYPE_SEARCH_BAR,
                                                                   NULL)), TRUE);
  ui_save_shots (window, "fold-collapsed");

  /* Enter on the folded row (the column view's "activate") shows each
   * record of the run, after its first. */
  g_assert_nonnull (find_badge (window, "▸ ×15"));
  g_signal_emit_by_name (ld_window_get_column_view (LD_WINDOW (window)), "activate", 0);
  g_assert_cmpuint (n_rows (window), ==, 3 + N_BEFORE - 1);
  wait_painted (window);
  g_assert_nonnull (find_badge (window, "▾ ×15"));
  g_assert_nonnull (find_badge (window, "↳ 2 of 15"));
  ui_save_shots (window, "fold-expanded");

  /* Enter on another record of the run folds it again. */
  g_signal_emit_by_name (ld_window_get_column_view (LD_WINDOW (window)), "activate", 4);
  g_assert_cmpuint (n_rows (window), ==, 3);

  /* Find goes to a record inside a folded run: the run opens, and the
   * record's own row is selected. */
  {
    GtkWidget *find = find_entry (window, "Find");
    GtkSingleSelection *selection =
      GTK_SINGLE_SELECTION (gtk_column_view_get_model (ld_window_get_column_view (LD_WINDOW (window))));
    LdRow *row;
    gsize length;
    const char *message;

    g_assert_nonnull (find);
    gtk_editable_set_text (GTK_EDITABLE (find), "\"heartbeat 7 ok\"");
    g_signal_emit_by_name (find, "search-changed");
    g_action_group_activate_action (G_ACTION_GROUP (window), "find-next", NULL);
    g_assert_cmpuint (n_rows (window), ==, 3 + N_BEFORE - 1);
    row = gtk_single_selection_get_selected_item (selection);
    g_assert_nonnull (row);
    message = ld_record_get_message (ld_row_get_record (row), &length);
    g_assert_cmpmem (message, length, "heartbeat 7 ok after 17 ms", 26);
    g_assert_cmpuint (gtk_single_selection_get_selected (selection), ==, 7);
    gtk_editable_set_text (GTK_EDITABLE (find), "");
    g_signal_emit_by_name (find, "search-changed");
    g_signal_emit_by_name (ld_window_get_column_view (LD_WINDOW (window)), "activate", 0);
    g_assert_cmpuint (n_rows (window), ==, 3);
  }

  /* Off again: every record is a row. */
  g_action_group_change_action_state (G_ACTION_GROUP (window), "fold-repeats",
                                      g_variant_new_boolean (FALSE));
  g_assert_cmpuint (n_rows (window), ==, N_RECORDS);
  g_assert_false (g_settings_get_boolean (settings, "fold-repeats"));

  ui_close_window (window);
}

static void
test_dim_level (void)
{
  GtkWidget *window = new_window ();
  GSettings *settings = ld_application_get_settings (app);
  g_autoptr(GVariant) dimmed = NULL;
  guint n_info_cells;

  ld_filter_model_flush (ld_window_get_model (LD_WINDOW (window)));
  wait_painted (window);
  g_assert_cmpuint (count_css (window, "dim-label") , >, 0);
  n_info_cells = count_css (window, "dim-label");

  /* Dim INFO, as the level chip's context menu does: its rows dim, none hides. */
  gtk_widget_activate_action (window, "win.dim-level", "i", 20);
  dimmed = g_settings_get_value (settings, "dimmed-levels");
  g_assert_cmpuint (g_variant_n_children (dimmed), ==, 1);
  g_clear_pointer (&dimmed, g_variant_unref);
  wait_painted (window);
  g_assert_cmpuint (count_css (window, "dim-label"), >=, n_info_cells + N_BEFORE + N_AFTER);
  g_assert_cmpuint (n_rows (window), ==, ld_store_get_n_records (ld_application_get_store (app)));
  ui_save_shots (window, "dim-info");
  ui_close_window (window);

  /* A new window dims from the settings; the action undims. */
  window = new_window ();
  ld_filter_model_flush (ld_window_get_model (LD_WINDOW (window)));
  wait_painted (window);
  g_assert_cmpuint (count_css (window, "dim-label"), >=, n_info_cells + N_BEFORE + N_AFTER);
  gtk_widget_activate_action (window, "win.dim-level", "i", 20);
  dimmed = g_settings_get_value (settings, "dimmed-levels");
  g_assert_cmpuint (g_variant_n_children (dimmed), ==, 0);
  wait_painted (window);
  g_assert_cmpuint (count_css (window, "dim-label"), ==, n_info_cells);
  ui_close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  if (!ui_test_init (&argc, &argv, &status))
    return status;
  app = ui_test_application_new ();

  g_test_add_func ("/fold/heartbeats", test_fold_heartbeats);
  g_test_add_func ("/fold/dim-level", test_dim_level);

  status = g_test_run ();
  g_clear_object (&app);
  return status;
}
