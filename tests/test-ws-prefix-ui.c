// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.test"

/* The websockets library's debug prefixes in the real window, driven as a
 * user does: a real websockets server and client (tests/peers/
 * ws_debug_pair.py) send their DEBUG records to the window's listener; the
 * Message cells show a glyph instead of the prefix, `ws:send` typed into
 * the filter bar (win.set-filter) keeps what was sent, and the
 * Connections tab of the dashboard shows the frames, pings and close code
 * in its WebSocket column. With screenshots in light and dark. */

#include "config.h"

#include <adwaita.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "ingest-test-utils.h"
#include "ld-application.h"
#include "ld-connection-monitor.h"
#include "ld-window.h"
#include "ui-test-app.h"

static LdApplication *app;

typedef struct
{
  gboolean  done;
  char     *out;
} PeerRun;

static void
on_communicated (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  PeerRun *run = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (object), result, &run->out, NULL, &error);
  g_assert_no_error (error);
  run->done = TRUE;
}

/* Runs the pair against the window's TCP listener; returns what it counted. */
static JsonObject *
run_pair (void)
{
  LdIngest *ingest = ld_session_get_ingest (ld_application_get_session (app));
  g_autofree char *port = g_strdup_printf ("%u", ld_ingest_get_bound_port (ingest, "tcp"));
  g_autofree char *script = peer_script ("ws_debug_pair.py");
  g_autoptr(GSubprocess) peer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  PeerRun run = { 0 };

  peer = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, python3 (), script,
                           "--port", port, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (peer, NULL, NULL, on_communicated, &run);
  WAIT_UNTIL (run.done, 60);
  g_assert_cmpint (g_subprocess_get_exit_status (peer), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, run.out, -1, &error));
  g_assert_no_error (error);
  g_free (run.out);

  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* A mapped text cell of the table whose text starts with @prefix. */
static GtkWidget *
find_inscription (GtkWidget  *widget,
                  const char *prefix)
{
  if (GTK_IS_INSCRIPTION (widget) && gtk_widget_get_mapped (widget)
      && g_str_has_prefix (gtk_inscription_get_text (GTK_INSCRIPTION (widget)) ?: "", prefix))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_inscription (child, prefix);

      if (found != NULL)
        return found;
    }

  return NULL;
}

typedef struct
{
  GtkWidget  *widget;
  const char *text;
} TextWait;

static gboolean
inscription_shown (gpointer data)
{
  TextWait *wait = data;

  return find_inscription (wait->widget, wait->text) != NULL;
}

static gboolean
label_shown (gpointer data)
{
  TextWait *wait = data;

  return ui_find_label_starting (wait->widget, wait->text) != NULL;
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

static gboolean
store_has (gpointer data)
{
  return ld_store_get_n_records (ld_application_get_store (app)) >= GPOINTER_TO_UINT (data);
}

static GtkColumnViewColumn *
column_titled (GtkColumnView *view,
               const char    *title)
{
  GListModel *columns = gtk_column_view_get_columns (view);

  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, i);

      if (g_strcmp0 (gtk_column_view_column_get_title (column), title) == 0)
        return column;
    }

  return NULL;
}

static gboolean
column_visible (gpointer data)
{
  return gtk_column_view_column_get_visible (data);
}

/* The dashboard's tab named @name. */
static GtkWidget *
find_tab (GtkWidget  *widget,
          const char *name)
{
  if (GTK_IS_TOGGLE_BUTTON (widget) && gtk_widget_has_css_class (widget, "tab")
      && g_strcmp0 (gtk_widget_get_name (widget), name) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_tab (child, name);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static gboolean
widget_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

/* The toggle beside the chart that shows the Errors and Connections panel. */
static GtkWidget *
find_views_toggle (GtkWidget *widget)
{
  if (GTK_IS_TOGGLE_BUTTON (widget)
      && g_strcmp0 (gtk_widget_get_tooltip_text (widget), "Show Errors, Connections and Timing") == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_views_toggle (child);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* The dashboard's Connections tab, clicked as a user does, after the
 * button beside the chart that shows the panel. */
static GtkWidget *
open_connections (GtkWidget *window)
{
  GtkWidget *toggle = find_views_toggle (window);
  GtkWidget *tab = find_tab (window, "connections");
  GtkWidget *monitor;

  g_assert_nonnull (toggle);
  g_assert_nonnull (tab);
  if (!gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (toggle)))
    gtk_widget_activate (toggle);
  ui_wait_until (widget_mapped, tab, "the Connections tab");
  gtk_widget_activate (tab);
  monitor = find_descendant (window, LD_TYPE_CONNECTION_MONITOR, NULL);
  g_assert_nonnull (monitor);
  ui_wait_until (widget_mapped, monitor, "the connection monitor");
  return monitor;
}

static void
test_glyphs_filter_monitor (void)
{
  GSettings *settings = ld_application_get_settings (app);
  GtkWidget *window, *monitor, *cell;
  g_autoptr(JsonObject) tally = NULL;
  JsonObject *kinds;
  LdFilterModel *model;
  GtkColumnViewColumn *column;
  g_autofree char *expected = NULL;
  CountWait shown;
  TextWait wait;

  /* Not following: see test-sidebar-tools.c (GTK 4.8 warns scrolling to
   * the newest record through a filter change). */
  g_settings_set_boolean (settings, "follow", FALSE);
  window = GTK_WIDGET (ld_window_new (app));
  gtk_window_set_default_size (GTK_WINDOW (window), 1400, 860);
  gtk_window_present (GTK_WINDOW (window));
  wait_painted (window);
  model = ld_window_get_model (LD_WINDOW (window));

  tally = run_pair ();
  kinds = json_object_get_object_member (tally, "kinds");
  ui_wait_until (store_has,
                 GUINT_TO_POINTER ((guint) json_object_get_int_member (tally, "records")),
                 "the pair's records");

  /* Only the websockets records, from the keepalive pings on: glyphs, no prefixes. */
  gtk_widget_activate_action (window, "win.set-filter", "s", "logger:websockets. -ws:send");
  shown = (CountWait) { model, json_object_get_int_member (tally, "records")
                               - json_object_get_int_member (kinds, "send") };
  ui_wait_until (count_shown, &shown, "all but what was sent");
  wait = (TextWait) { window, "◆ connection is" };
  ui_wait_until (inscription_shown, &wait, "a state glyph");
  cell = find_inscription (window, "◆ connection is");
  g_assert_cmpstr (gtk_widget_get_tooltip_text (gtk_widget_get_parent (cell)), ==,
                   "websockets connection state (“=”)");
  g_assert_null (find_inscription (window, "= connection"));
  g_assert_null (find_inscription (window, "< "));
  g_assert_nonnull (find_inscription (window, "↓ "));
  ui_save_shots (window, "ws-glyphs");

  /* ws:send as the user would type it: only what was sent, with ↑. */
  gtk_widget_activate_action (window, "win.set-filter", "s", "ws:send");
  shown = (CountWait) { model, json_object_get_int_member (kinds, "send") };
  ui_wait_until (count_shown, &shown, "what was sent");
  wait = (TextWait) { window, "↑ " };
  ui_wait_until (inscription_shown, &wait, "a send glyph");
  g_assert_null (find_inscription (window, "↓ "));
  g_assert_null (find_inscription (window, "> "));
  gtk_widget_activate_action (window, "win.set-filter", "s", "ws:ping OR ws:close OR ws:error");
  shown = (CountWait) { model, json_object_get_int_member (kinds, "ping")
                               + json_object_get_int_member (kinds, "close")
                               + json_object_get_int_member (kinds, "error") };
  ui_wait_until (count_shown, &shown, "pings, closes and errors");
  wait = (TextWait) { window, "↕ sending keepalive ping" };
  ui_wait_until (inscription_shown, &wait, "a ping glyph");
  g_assert_nonnull (find_inscription (window, "✕ "));
  g_assert_nonnull (find_inscription (window, "⚠ invalid upgrade"));
  ui_save_shots (window, "ws-filter");

  /* The Connections tab: the WebSocket column appears with the counts. */
  monitor = open_connections (window);
  column = column_titled (GTK_COLUMN_VIEW (find_descendant (monitor, GTK_TYPE_COLUMN_VIEW, NULL)),
                          "WebSocket");
  g_assert_nonnull (column);
  ui_wait_until (column_visible, column, "the WebSocket column");
  expected = g_strdup_printf ("↑%" G_GINT64_FORMAT " ↓%" G_GINT64_FORMAT " ↕%" G_GINT64_FORMAT
                              " ✕1000",
                              json_object_get_int_member (tally, "sent"),
                              json_object_get_int_member (tally, "received"),
                              json_object_get_int_member (tally, "pings"));
  wait = (TextWait) { monitor, expected };
  ui_wait_until (label_shown, &wait, "the connection's WebSocket counts");
  g_free (expected);
  expected = g_strdup_printf ("%" G_GINT64_FORMAT " frames sent, %" G_GINT64_FORMAT " received, %"
                              G_GINT64_FORMAT " pings, closed with code 1000",
                              json_object_get_int_member (tally, "sent"),
                              json_object_get_int_member (tally, "received"),
                              json_object_get_int_member (tally, "pings"));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (ui_find_label_starting (monitor, "↑")), ==,
                   expected);
  ui_save_shots (window, "ws-connections");

  gtk_widget_activate_action (window, "win.clear-filters", NULL);
  g_object_ref (window);
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
  g_settings_reset (settings, "follow");
}

int
main (int   argc,
      char *argv[])
{
  int status;

  if (!ui_test_init (&argc, &argv, &status))
    return status;
  app = ui_test_application_new ();

  g_test_add_func ("/ws-prefix-ui/glyphs-filter-monitor", test_glyphs_filter_monitor);

  status = g_test_run ();
  g_clear_object (&app);
  return status;
}
