// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.test"

/* The sidebar's tools in the real window, driven as a user does: "Set
 * level on sender…" (turned on in Preferences, opened from the logger
 * tree's action, sent to a CPython peer's logging.config.listen(), whose
 * SocketHandler sends to the window's own listener; opened from a record's
 * menu for that record's host, from the tree with a choice among the hosts
 * that sent the logger, and with no host for a file's records), and the Fields page
 * (a field picked, a value's filter and exclude buttons clicked). With
 * screenshots in light and dark. */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "ingest-test-utils.h"
#include "ld-application.h"
#include "ld-fields-page.h"
#include "ld-import.h"
#include "ld-level.h"
#include "ld-preferences.h"
#include "ld-row.h"
#include "ld-sender-level-dialog.h"
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

static guint
count_records (const char *logger,
               int         level)
{
  LdStore *store = ld_application_get_store (app);
  guint n = 0;

  for (guint i = 0; i < ld_store_get_n_records (store); i++)
    {
      const LdRecord *record = ld_store_get_record (store, i);

      if (record->level == level && g_strcmp0 (ld_intern_lookup (record->logger), logger) == 0)
        n++;
    }

  return n;
}

/* The peer */

typedef struct
{
  GSubprocess      *process;
  GDataInputStream *out;
  GOutputStream    *in;
  guint16           port;
} Peer;

static void
on_line_read (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  char **line = user_data;

  *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (object), result, NULL,
                                                     NULL);
  if (*line == NULL)
    *line = g_strdup ("(end of output)");
}

static char *
peer_read_line (Peer *peer)
{
  char *line = NULL;

  g_data_input_stream_read_line_async (peer->out, G_PRIORITY_DEFAULT, NULL, on_line_read, &line);
  WAIT_UNTIL (line != NULL, 20);
  return line;
}

static void
peer_command (Peer       *peer,
              const char *command)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (peer->in, command, strlen (command), NULL, NULL, &error);
  g_assert_no_error (error);
}

static void
peer_start (Peer *peer)
{
  LdIngest *ingest = ld_session_get_ingest (ld_application_get_session (app));
  g_autofree char *port = g_strdup_printf ("%u", ld_ingest_get_bound_port (ingest, "tcp"));
  g_autofree char *script = peer_script ("config_listener.py");
  g_autofree char *line = NULL;
  g_autoptr(GError) error = NULL;

  peer->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                                    &error, python3 (), script, "--port", port, "--logger",
                                    "shop.db", NULL);
  g_assert_no_error (error);
  peer->in = g_subprocess_get_stdin_pipe (peer->process);
  peer->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (peer->process));
  line = peer_read_line (peer);
  g_assert_true (g_str_has_prefix (line, "port "));
  peer->port = (guint16) g_ascii_strtoull (line + 5, NULL, 10);
}

static void
peer_stop (Peer *peer)
{
  peer_command (peer, "quit\n");
  g_subprocess_wait (peer->process, NULL, NULL);
  g_clear_object (&peer->out);
  g_clear_object (&peer->process);
}

static void
peer_burst (Peer  *peer,
            guint  n_info,
            guint  n_debug)
{
  g_autofree char *line = NULL;

  peer_command (peer, "burst 3\n");
  line = peer_read_line (peer);
  g_assert_cmpstr (line, ==, "done");
  WAIT_UNTIL (count_records ("shop.db", LD_LEVEL_INFO) == n_info
              && count_records ("shop.db", LD_LEVEL_DEBUG) == n_debug, 20);
}

static gboolean
sender_levels_allowed (gpointer data)
{
  return g_settings_get_boolean (ld_application_get_settings (app), "sender-config-enabled");
}

/* Preferences' switch turns the feature on, as a user clicks it. */
static void
allow_sender_levels (GtkWidget *window)
{
  GtkWindow *preferences;
  AdwActionRow *row;

  gtk_widget_activate_action (window, "win.preferences", NULL);
  preferences = ui_wait_for_toplevel (LD_TYPE_PREFERENCES);
  row = find_row (GTK_WIDGET (preferences), "Allow Changing Senders’ Log Levels");
  g_assert_nonnull (row);
  /* The user goes to the row's page; the switch turns at the end of its animation. */
  adw_preferences_window_set_visible_page (ADW_PREFERENCES_WINDOW (preferences),
                                           ADW_PREFERENCES_PAGE (gtk_widget_get_ancestor (
                                             GTK_WIDGET (row), ADW_TYPE_PREFERENCES_PAGE)));
  wait_painted (GTK_WIDGET (preferences));
  gtk_widget_activate (adw_action_row_get_activatable_widget (row));
  ui_wait_until (sender_levels_allowed, NULL, "the setting on");
  gtk_window_destroy (preferences);
}

static gboolean
popover_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

/* A right click on the logger's row in the tree opens its menu. */
static void
open_logger_menu (GtkWidget  *sidebar,
                  const char *logger)
{
  UiLabelWait wait = { sidebar, logger };
  g_autoptr(GListModel) controllers = NULL;
  GtkWidget *row, *menu;

  ui_wait_until (ui_label_shown, &wait, "the logger in the tree");
  row = gtk_widget_get_parent (ui_find_label (sidebar, logger));
  controllers = gtk_widget_observe_controllers (row);
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_GESTURE_CLICK (controller)
          && gtk_gesture_single_get_button (GTK_GESTURE_SINGLE (controller))
             == GDK_BUTTON_SECONDARY)
        g_signal_emit_by_name (controller, "pressed", 1, 4.0, 4.0);
    }
  menu = find_descendant (sidebar, GTK_TYPE_POPOVER_MENU, NULL);
  ui_wait_until (popover_mapped, menu, "the logger's menu");
  wait_painted (menu);
  save_screenshot (menu, "logger-menu.png");
  gtk_popover_popdown (GTK_POPOVER (menu));
}

static gboolean
dialog_done (gpointer data)
{
  return !ld_sender_level_dialog_get_busy (data)
         && *ld_sender_level_dialog_get_status (data) != '\0'
         && strcmp (ld_sender_level_dialog_get_status (data), "Sending…") != 0;
}

static void
test_sender_level (void)
{
  GSettings *settings = ld_application_get_settings (app);
  GtkWidget *window = new_window ();
  GtkWidget *sidebar = find_descendant (window, LD_TYPE_SIDEBAR, NULL);
  GtkWindow *dialog;
  g_autofree char *expected = NULL;
  g_autofree char *received = NULL;
  g_autoptr(GVariant) ports = NULL;
  guint16 remembered = 0;
  Peer peer = { 0 };

  peer_start (&peer);
  peer_burst (&peer, 3, 0);

  /* Off by default: the logger's action opens nothing. */
  g_assert_false (g_settings_get_boolean (settings, "sender-config-enabled"));
  gtk_widget_activate_action (sidebar, "sidebar.set-sender-level", "s", "shop.db");
  for (guint i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_null (ui_find_toplevel (LD_TYPE_SENDER_LEVEL_DIALOG));

  allow_sender_levels (window);
  open_logger_menu (sidebar, "shop");
  gtk_widget_activate_action (sidebar, "sidebar.set-sender-level", "s", "shop.db");
  dialog = ui_wait_for_toplevel (LD_TYPE_SENDER_LEVEL_DIALOG);
  wait_painted (GTK_WIDGET (dialog));

  /* The port is the one thing the user gives; DEBUG is picked, the host
   * comes from the records' peer. */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (find_descendant (GTK_WIDGET (dialog),
                                                               GTK_TYPE_SPIN_BUTTON, NULL)),
                             peer.port);
  gtk_widget_activate_action (GTK_WIDGET (dialog), "sender-level.send", NULL);
  ui_wait_until (dialog_done, dialog, "the level sent");
  expected = g_strdup_printf ("Sent “shop.db” at DEBUG to 127.0.0.1, port %u. listen() does "
                              "not confirm: records at DEBUG will show that it took.", peer.port);
  g_assert_cmpstr (ld_sender_level_dialog_get_status (LD_SENDER_LEVEL_DIALOG (dialog)), ==,
                   expected);
  ui_save_shots (GTK_WIDGET (dialog), "sender-level");

  /* The program's verify= let it through; it now sends its DEBUG records,
   * and the port is remembered. */
  received = peer_read_line (&peer);
  g_assert_true (g_str_has_prefix (received, "received "));
  g_assert_true (g_str_has_suffix (received, " accepted"));
  peer_burst (&peer, 6, 3);
  ports = g_settings_get_value (settings, "sender-config-ports");
  g_assert_true (g_variant_lookup (ports, "127.0.0.1", "q", &remembered));
  g_assert_cmpuint (remembered, ==, peer.port);

  gtk_window_destroy (dialog);
  peer_stop (&peer);

  /* A port where nothing listens: the failure in words. */
  {
    g_autoptr(GSocketListener) listener = g_socket_listener_new ();
    guint16 closed_port = g_socket_listener_add_any_inet_port (listener, NULL, NULL);
    g_autofree char *refused = g_strdup_printf ("Connection refused by 127.0.0.1:%u", closed_port);
    const char *status;

    g_socket_listener_close (listener);
    gtk_widget_activate_action (sidebar, "sidebar.set-sender-level", "s", "shop.db");
    dialog = ui_wait_for_toplevel (LD_TYPE_SENDER_LEVEL_DIALOG);
    gtk_spin_button_set_value (GTK_SPIN_BUTTON (find_descendant (GTK_WIDGET (dialog),
                                                                 GTK_TYPE_SPIN_BUTTON, NULL)),
                               closed_port);
    gtk_widget_activate_action (GTK_WIDGET (dialog), "sender-level.send", NULL);
    ui_wait_until (dialog_done, dialog, "the failure");
    status = ld_sender_level_dialog_get_status (LD_SENDER_LEVEL_DIALOG (dialog));
    g_assert_true (g_str_has_prefix (status, refused));
    ui_save_shots (GTK_WIDGET (dialog), "sender-level-refused");
    gtk_window_destroy (dialog);
  }

  g_settings_reset (settings, "sender-config-enabled");
  ui_close_window (window);
}

/* Which host "Set level on sender…" offers */

/* JSON lines for @logger through a real socket to the window's TCP
 * listener, from the loopback address @from, as a program on that host
 * sends them. */
static void
send_from (const char *from,
           const char *logger,
           const char *message)
{
  LdIngest *ingest = ld_session_get_ingest (ld_application_get_session (app));
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketAddress) local = g_inet_socket_address_new_from_string (from, 0);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_strdup_printf ("{\"created\": %.6f, \"levelno\": 20, \"levelname\": "
                                           "\"INFO\", \"name\": \"%s\", \"msg\": \"%s\"}\n",
                                           g_get_real_time () / 1e6, logger, message);

  g_socket_client_set_enable_proxy (client, FALSE);
  g_socket_client_set_local_address (client, local);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1",
                                                ld_ingest_get_bound_port (ingest, "tcp"), NULL,
                                                &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)), line,
                             strlen (line), NULL, NULL, &error);
  g_assert_no_error (error);
  g_io_stream_close (G_IO_STREAM (connection), NULL, &error);
  g_assert_no_error (error);
}

/* The store's newest record of @logger with @message. */
static gboolean
find_record (const char *logger,
             const char *message,
             guint64    *seq)
{
  LdStore *store = ld_application_get_store (app);

  for (guint i = ld_store_get_n_records (store); i > 0; i--)
    {
      const LdRecord *record = ld_store_get_record (store, i - 1);
      gsize length;
      const char *text = ld_record_get_message (record, &length);

      if (g_strcmp0 (ld_intern_lookup (record->logger), logger) == 0
          && length == strlen (message) && memcmp (text, message, length) == 0)
        {
          *seq = ld_store_get_first_seq (store) + i - 1;
          return TRUE;
        }
    }

  return FALSE;
}

typedef struct
{
  const char *logger;
  const char *message;
} RecordWait;

static gboolean
record_arrived (gpointer data)
{
  RecordWait *wait = data;
  guint64 seq;

  return find_record (wait->logger, wait->message, &seq);
}

static void
wait_for_record (const char *logger,
                 const char *message)
{
  RecordWait wait = { logger, message };

  ui_wait_until (record_arrived, &wait, message);
}

/* Selects the record's row in the table and presses the Menu key there, as
 * a user does; picks "Set Level on Sender…" and returns the dialog, with
 * the item's target in @target. */
static GtkWindow *
sender_level_from_record (GtkWidget  *window,
                          guint64     seq,
                          GVariant  **target)
{
  GtkWidget *view = find_descendant (window, GTK_TYPE_COLUMN_VIEW, "record-table");
  GtkSingleSelection *selection = GTK_SINGLE_SELECTION (gtk_column_view_get_model (
    GTK_COLUMN_VIEW (view)));
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (view);
  g_autofree char *action = NULL;
  GtkWidget *popover = NULL;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (selection));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LdRow) row = g_list_model_get_item (G_LIST_MODEL (selection), i);

      if (ld_row_get_seq (row) == seq)
        gtk_single_selection_set_selected (selection, i);
    }
  g_assert_cmpuint (ld_row_get_seq (gtk_single_selection_get_selected_item (selection)), ==, seq);
  gtk_widget_grab_focus (view);
  for (guint i = 0; i < g_list_model_get_n_items (controllers) && popover == NULL; i++)
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
          popover = find_descendant (view, GTK_TYPE_POPOVER_MENU, NULL);
          break;
        }
    }
  g_assert_nonnull (popover);
  g_assert_true (ui_find_menu_item (gtk_popover_menu_get_menu_model (GTK_POPOVER_MENU (popover)),
                                    "Set _Level on Sender…", &action, target));
  gtk_popover_popdown (GTK_POPOVER (popover));
  g_assert_true (gtk_widget_activate_action_variant (popover, action, *target));

  return ui_wait_for_toplevel (LD_TYPE_SENDER_LEVEL_DIALOG);
}

/* The dialog's row titled @title. */
static GtkWidget *
dialog_row (GtkWindow  *dialog,
            const char *title)
{
  GtkWidget *row = find_descendant (GTK_WIDGET (dialog), ADW_TYPE_PREFERENCES_ROW, NULL);

  for (; row != NULL; row = gtk_widget_get_next_sibling (row))
    if (ADW_IS_PREFERENCES_ROW (row)
        && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), title) == 0)
      return row;

  g_assert_not_reached ();
}

static const char *
dialog_host (GtkWindow *dialog)
{
  return gtk_editable_get_text (GTK_EDITABLE (dialog_row (dialog, "Sender’s Host")));
}

static gboolean
send_sensitive (GtkWindow *dialog)
{
  GtkWidget *send = find_descendant (GTK_WIDGET (dialog), GTK_TYPE_BUTTON, "suggested-action");

  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (send)), ==, "_Send");
  return gtk_widget_is_sensitive (send);
}

/* Writes records of shop.import to a file and imports it, as File ▸ Open does. */
static void
import_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("logdeck-test-sender-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "shop.jsonl", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(LdImport) import = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *lines = g_strdup_printf ("{\"created\": %.6f, \"levelno\": 20, \"name\": "
                                            "\"shop.import\", \"msg\": \"from a file\"}\n",
                                            g_get_real_time () / 1e6);

  g_assert_true (g_file_set_contents (path, lines, -1, &error));
  import = ld_import_new_for_file (file);
  ld_import_set_handoff (import, ld_application_get_handoff (app));
  g_assert_true (ld_import_run (import, NULL, &error));
  g_assert_no_error (error);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_sender_hosts (void)
{
  GSettings *settings = ld_application_get_settings (app);
  GtkWidget *window = new_window ();
  GtkWidget *sidebar = find_descendant (window, LD_TYPE_SIDEBAR, NULL);
  g_autoptr(GVariant) target = NULL;
  GtkWindow *dialog;
  AdwComboRow *senders;
  guint64 seq_a, seq_file;

  g_settings_set_boolean (settings, "sender-config-enabled", TRUE);

  /* Two programs on two hosts send the same logger; B's record is newer. */
  send_from ("127.0.0.1", "shop.cart", "from host a");
  wait_for_record ("shop.cart", "from host a");
  send_from ("127.0.0.2", "shop.cart", "from host b");
  wait_for_record ("shop.cart", "from host b");
  g_assert_true (find_record ("shop.cart", "from host a", &seq_a));

  /* A's record's menu: A, not the newest sender of the logger. */
  wait_painted (window);
  dialog = sender_level_from_record (window, seq_a, &target);
  g_assert_cmpstr (g_variant_get_type_string (target), ==, "(ss)");
  wait_painted (GTK_WIDGET (dialog));
  g_assert_cmpstr (dialog_host (dialog), ==, "127.0.0.1");
  g_assert_false (gtk_widget_get_visible (dialog_row (dialog, "Sent By")));
  g_assert_true (send_sensitive (dialog));
  gtk_window_destroy (dialog);
  g_clear_pointer (&target, g_variant_unref);

  /* The logger tree: both hosts to pick from, the newest picked. */
  gtk_widget_activate_action (sidebar, "sidebar.set-sender-level", "s", "shop.cart");
  dialog = ui_wait_for_toplevel (LD_TYPE_SENDER_LEVEL_DIALOG);
  wait_painted (GTK_WIDGET (dialog));
  senders = ADW_COMBO_ROW (dialog_row (dialog, "Sent By"));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (senders)));
  g_assert_cmpuint (g_list_model_get_n_items (adw_combo_row_get_model (senders)), ==, 2);
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (adw_combo_row_get_model (senders)),
                                               1), ==, "127.0.0.1");
  g_assert_cmpstr (dialog_host (dialog), ==, "127.0.0.2");
  ui_save_shots (GTK_WIDGET (dialog), "sender-level-hosts");
  adw_combo_row_set_selected (senders, 1);
  g_assert_cmpstr (dialog_host (dialog), ==, "127.0.0.1");
  g_assert_true (send_sensitive (dialog));
  gtk_window_destroy (dialog);

  /* A file's records came from no sender: no host, no Send, and why. */
  import_file ();
  wait_for_record ("shop.import", "from a file");
  g_assert_true (find_record ("shop.import", "from a file", &seq_file));
  gtk_widget_activate_action (sidebar, "sidebar.set-sender-level", "s", "shop.import");
  dialog = ui_wait_for_toplevel (LD_TYPE_SENDER_LEVEL_DIALOG);
  wait_painted (GTK_WIDGET (dialog));
  g_assert_cmpstr (dialog_host (dialog), ==, "");
  g_assert_false (send_sensitive (dialog));
  g_assert_false (gtk_widget_get_visible (dialog_row (dialog, "Sent By")));
  g_assert_nonnull (ui_find_label (GTK_WIDGET (dialog), "No record of this logger came over the "
                                   "network: records from a file, a pipe or standard input have "
                                   "no sender to talk to. Give the program’s host to send to it "
                                   "anyway."));
  ui_save_shots (GTK_WIDGET (dialog), "sender-level-no-host");
  /* What the user types is where it goes. */
  gtk_editable_set_text (GTK_EDITABLE (dialog_row (dialog, "Sender’s Host")), "127.0.0.1");
  g_assert_true (send_sensitive (dialog));
  gtk_window_destroy (dialog);

  dialog = sender_level_from_record (window, seq_file, &target);
  g_assert_cmpstr (dialog_host (dialog), ==, "");
  g_assert_false (send_sensitive (dialog));
  gtk_window_destroy (dialog);

  g_settings_reset (settings, "sender-config-enabled");
  ui_close_window (window);
}

/* Fields */

static void
push_requests (guint n)
{
  LdBatch *batch = ld_batch_new ();

  for (guint i = 0; i < n; i++)
    {
      LdRecordFields fields = {
        .time_us = g_get_real_time (), .level = LD_LEVEL_INFO, .level_name = "INFO",
        .logger = "shop.http", .message = "request done",
      };
      char duration[16];

      ld_batch_add (batch, &fields);
      ld_batch_add_extra (batch, "path", -1, LD_VALUE_STRING,
                          (const char *[]) { "/cart", "/cart", "/cart", "/pay", "/home" }[i % 5],
                          -1);
      g_snprintf (duration, sizeof duration, "%u", 10 + i % 90);
      ld_batch_add_extra (batch, "duration_ms", -1, LD_VALUE_NUMBER, duration, -1);
    }
  ld_handoff_push_batch (ld_application_get_handoff (app), batch);
}

static int
compare_uints (gconstpointer a,
               gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;

  return x < y ? -1 : x > y;
}

/* The button with @tooltip in the row of the value labelled @value. */
static GtkWidget *
value_button (GtkWidget  *page,
              const char *value,
              const char *tooltip)
{
  GtkWidget *label = ui_find_label (page, value);
  GtkWidget *row_top = gtk_widget_get_parent (label);

  for (GtkWidget *child = gtk_widget_get_first_child (row_top); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_BUTTON (child) && g_strcmp0 (gtk_widget_get_tooltip_text (child), tooltip) == 0)
      return child;

  g_assert_not_reached ();
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

/* "min … · median … · p95 … · max … (N numbers)" over the durations of
 * push_requests() but those of /pay, counted here on their own. */
static char *
expected_numbers (guint n_pushed)
{
  g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (guint));
  guint n;

  for (guint i = 0; i < n_pushed; i++)
    if (i % 5 != 3)
      {
        guint value = 10 + i % 90;
        g_array_append_val (values, value);
      }
  g_array_sort (values, compare_uints);
  n = values->len;

  return g_strdup_printf ("min %u · median %u · p95 %u · max %u (%u numbers)",
                          g_array_index (values, guint, 0),
                          g_array_index (values, guint, (n + 1) / 2 - 1),
                          g_array_index (values, guint, (95 * n + 99) / 100 - 1),
                          g_array_index (values, guint, n - 1), n);
}

static void
test_fields_page (void)
{
  GSettings *settings = ld_application_get_settings (app);
  GtkWidget *window;
  GtkWidget *sidebar;
  GtkWidget *page;
  LdFilterModel *model;
  g_autofree char *numbers = expected_numbers (500);
  GtkWidget *keys;
  UiLabelWait wait;
  CountWait shown;

  /* Not following: GTK 4.8's column view warns "failed to scroll to given
   * position" when the window follows the newest record through a filter
   * change that grows the list, which is the window's, not the Fields'. */
  g_settings_set_boolean (settings, "follow", FALSE);
  window = new_window ();
  sidebar = find_descendant (window, LD_TYPE_SIDEBAR, NULL);
  model = ld_window_get_model (LD_WINDOW (window));
  gtk_widget_activate_action (window, "app.clear", NULL);
  push_requests (500);
  shown = (CountWait) { model, 500 };
  ui_wait_until (count_shown, &shown, "500 records shown");

  /* The user opens the sidebar's Fields section. */
  gtk_expander_set_expanded (GTK_EXPANDER (gtk_widget_get_ancestor (ui_find_label (sidebar, "Fields"),
                                                                    GTK_TYPE_EXPANDER)),
                             TRUE);
  page = find_descendant (sidebar, LD_TYPE_FIELDS_PAGE, NULL);
  wait = (UiLabelWait) { page, "path" };
  ui_wait_until (ui_label_shown, &wait, "the key path in the Fields list");

  /* Picking "path" shows its values, /cart first with 300 of 500. */
  keys = find_descendant (page, GTK_TYPE_LIST_BOX, NULL);
  for (GtkWidget *row = gtk_widget_get_first_child (keys); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (ui_find_label (row, "path") != NULL)
      gtk_list_box_select_row (GTK_LIST_BOX (keys), GTK_LIST_BOX_ROW (row));
  wait = (UiLabelWait) { page, "300 · 60.0%" };
  ui_wait_until (ui_label_shown, &wait, "the count of /cart");
  g_assert_nonnull (ui_find_label (page, "/cart"));
  g_assert_nonnull (ui_find_label (page, "100 · 20.0%"));
  ui_save_shots (window, "fields-page");

  /* + filters to the value, − excludes it instead. */
  gtk_widget_activate (value_button (page, "/pay", "Filter to this value"));
  shown = (CountWait) { model, 100 };
  ui_wait_until (count_shown, &shown, "only /pay shown");
  gtk_widget_activate (value_button (page, "/pay", "Exclude this value"));
  shown = (CountWait) { model, 400 };
  ui_wait_until (count_shown, &shown, "all but /pay shown");

  /* A numeric field has its figures. */
  ld_fields_page_select (LD_FIELDS_PAGE (page), LD_STATS_FIELD_EXTRA, "duration_ms");
  wait = (UiLabelWait) { page, numbers };
  ui_wait_until (ui_label_shown, &wait, "the numbers of duration_ms");
  ui_save_shots (window, "fields-page-numbers");

  /* More of the same values: the counts change in rows that stay, so that a
   * click on one of their buttons is not lost while records stream in. */
  {
    GtkWidget *pay_button;

    gtk_widget_activate_action (window, "win.clear-filters", NULL);
    ld_fields_page_select (LD_FIELDS_PAGE (page), LD_STATS_FIELD_EXTRA, "path");
    wait = (UiLabelWait) { page, "300 · 60.0%" };
    ui_wait_until (ui_label_shown, &wait, "the count of /cart again");
    pay_button = value_button (page, "/pay", "Filter to this value");

    g_object_add_weak_pointer (G_OBJECT (pay_button), (gpointer *) &pay_button);
    push_requests (500);
    shown = (CountWait) { model, 1000 };
    ui_wait_until (count_shown, &shown, "1,000 records shown");
    wait = (UiLabelWait) { page, "600 · 60.0%" };
    ui_wait_until (ui_label_shown, &wait, "the new count of /cart");
    g_assert_true (pay_button == value_button (page, "/pay", "Filter to this value"));
    g_object_remove_weak_pointer (G_OBJECT (pay_button), (gpointer *) &pay_button);
  }

  /* A sender's megabyte of text as a value is shown by its first line,
   * shortened; the row's filter term still names the whole value. */
  {
    LdBatch *batch = ld_batch_new ();
    LdRecordFields fields = {
      .time_us = g_get_real_time (), .level = LD_LEVEL_INFO, .level_name = "INFO",
      .logger = "shop.http", .message = "request done",
    };
    g_autoptr(GString) huge = g_string_new ("/first-line");
    g_autofree char *shown_start = NULL;
    g_autofree char *expected = NULL;
    GtkWidget *values = gtk_widget_get_ancestor (ui_find_label (page, "/cart"), GTK_TYPE_LIST_BOX);
    GtkWidget *huge_label = NULL;

    for (guint i = 0; i < 1000; i++)
      g_string_append (huge, "-abcdefghijklmnopqrstuvwxyz");
    g_string_append (huge, "\nsecond line");
    for (guint i = 0; i < 2000; i++)
      {
        ld_batch_add (batch, &fields);
        ld_batch_add_extra (batch, "path", -1, LD_VALUE_STRING, huge->str, huge->len);
      }
    ld_handoff_push_batch (ld_application_get_handoff (app), batch);
    shown = (CountWait) { model, 3000 };
    ui_wait_until (count_shown, &shown, "3,000 records shown");
    wait = (UiLabelWait) { page, "2,000 · 66.7%" };
    ui_wait_until (ui_label_shown, &wait, "the count of the long value");
    shown_start = g_strndup (huge->str, 200);
    for (GtkWidget *row = gtk_widget_get_first_child (values); row != NULL && huge_label == NULL; row = gtk_widget_get_next_sibling (row))
      {
        GtkWidget *label = find_descendant (row, GTK_TYPE_LABEL, NULL);

        if (g_str_has_prefix (gtk_label_get_text (GTK_LABEL (label)), "/first-line"))
          huge_label = label;
      }
    g_assert_nonnull (huge_label);
    expected = g_strconcat (shown_start, "…", NULL);
    g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (huge_label)), ==, expected);
  }

  gtk_widget_activate_action (window, "win.clear-filters", NULL);
  ui_close_window (window);
  g_settings_reset (settings, "follow");
}

/* The keyboard */

/* Presses Shift+F10 where @widget's own key bindings see it: the shortcut
 * of the class's bindings that it triggers, run on @widget as GTK runs it
 * for a key that reached it. */
static gboolean
press_shift_f10 (GtkWidget *widget)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          g_autofree char *trigger = gtk_shortcut_trigger_to_string (
            gtk_shortcut_get_trigger (shortcut));

          if (g_strcmp0 (trigger, "<Shift>F10") == 0)
            return gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut), 0, widget,
                                                 gtk_shortcut_get_arguments (shortcut));
        }
    }

  g_error ("no Shift+F10 on %s", G_OBJECT_TYPE_NAME (widget));
}

/* The logger tree's row for @logger, focused as Tab and the arrow keys do. */
static GtkWidget *
focus_logger_row (GtkWidget  *sidebar,
                  const char *logger)
{
  GtkWidget *label, *row;

  ui_wait_for_label (sidebar, logger);
  /* Laid out, as a row the user sees is. */
  wait_painted (GTK_WIDGET (gtk_widget_get_root (sidebar)));
  label = ui_find_label (sidebar, logger);
  row = gtk_widget_get_ancestor (label, GTK_TYPE_TREE_EXPANDER);
  g_assert_nonnull (row);
  row = gtk_widget_get_parent (row);
  g_assert_true (gtk_widget_grab_focus (row));
  g_assert_true (gtk_widget_has_focus (row)
                 || gtk_widget_is_ancestor (gtk_root_get_focus (gtk_widget_get_root (row)), row));
  return row;
}

/* The menu item widget under @widget whose label reads @text. */
static GtkWidget *
find_menu_item_widget (GtkWidget  *widget,
                       const char *text)
{
  for (GtkWidget *item = ui_find_label (widget, text); item != NULL;
       item = gtk_widget_get_parent (item))
    if (g_str_equal (G_OBJECT_TYPE_NAME (item), "GtkModelButton"))
      return item;

  return NULL;
}

/* Whether an entry row under @widget holds @text, as the dialog's logger does. */
static gboolean
has_entry_text (GtkWidget  *widget,
                const char *text)
{
  if (ADW_IS_ENTRY_ROW (widget)
      && g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (widget)), text) == 0)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (has_entry_text (child, text))
      return TRUE;

  return FALSE;
}

static gboolean
popover_unmapped (gpointer data)
{
  return !gtk_widget_get_mapped (data);
}

/* Focuses the "shop" row and sends @keys through the X server (once they
 * reached the window, as ui_send_x_input() makes sure): the logger's menu
 * must show. FALSE where there is no X11 or no xdotool. */
static gboolean
real_keys_open_menu (GtkWidget  *window,
                     GtkWidget  *sidebar,
                     GtkWidget  *menu,
                     const char *keys)
{
  g_autofree char *actions = g_strdup_printf ("key %s", keys);
  g_autofree char *what = g_strdup_printf ("the logger's menu from a real %s", keys);

  focus_logger_row (sidebar, "shop");
  if (!ui_send_x_input (window, 300, 10, actions))
    return FALSE;
  ui_wait_until (popover_mapped, menu, what);
  return TRUE;
}

/* A keyboard user reaches a logger's menu: Shift+F10 (or the Menu key, or
 * GTK's menu.popup) on its focused row opens it at the row, and its "Set
 * Level on Sender…" opens the dialog for that logger. Elsewhere in the
 * sidebar the key is left to others. */
static void
test_logger_menu_keys (void)
{
  GSettings *settings = ld_application_get_settings (app);
  GtkWidget *window = new_window ();
  GtkWidget *sidebar = find_descendant (window, LD_TYPE_SIDEBAR, NULL);
  GtkWidget *row, *menu, *item;
  GtkWindow *dialog;
  GtkWidget *loggers = find_descendant (sidebar, GTK_TYPE_EXPANDER, NULL);
  graphene_point_t at;
  GdkRectangle to;

  g_settings_set_boolean (settings, "sender-config-enabled", TRUE);
  push_requests (10);
  menu = find_descendant (sidebar, GTK_TYPE_POPOVER_MENU, NULL);

  /* The Loggers heading focused, no row: the key goes on, no menu. */
  g_assert_true (gtk_widget_grab_focus (loggers));
  g_assert_false (press_shift_f10 (sidebar));
  g_assert_false (gtk_widget_get_visible (menu));

  row = focus_logger_row (sidebar, "shop");
  g_assert_true (press_shift_f10 (sidebar));
  ui_wait_until (popover_mapped, menu, "the logger's menu from Shift+F10");
  /* It points at the focused row, not wherever the pointer was. */
  g_assert_true (gtk_popover_get_pointing_to (GTK_POPOVER (menu), &to));
  g_assert_true (gtk_widget_compute_point (sidebar, row, &GRAPHENE_POINT_INIT (to.x, to.y), &at));
  g_assert_cmpfloat (at.y, >=, 0);
  g_assert_cmpfloat (at.y, <, gtk_widget_get_height (row));
  wait_painted (menu);
  /* The menu is a surface of its own: its picture is taken apart. */
  ui_save_shots (menu, "logger-menu-keys");
  item = find_menu_item_widget (menu, "Set Level on Sender…");
  g_assert_nonnull (item);
  gtk_widget_activate (item);
  dialog = ui_wait_for_toplevel (LD_TYPE_SENDER_LEVEL_DIALOG);
  g_assert_true (has_entry_text (GTK_WIDGET (dialog), "shop"));
  gtk_window_destroy (dialog);
  ui_wait_until (popover_unmapped, menu, "the menu closed");

  /* GTK's own route to a context menu, menu.popup, from the focused row. */
  focus_logger_row (sidebar, "shop");
  g_assert_true (gtk_widget_activate_action (gtk_root_get_focus (GTK_ROOT (window)), "menu.popup",
                                             NULL));
  ui_wait_until (popover_mapped, menu, "the logger's menu from menu.popup");
  g_assert_nonnull (find_menu_item_widget (menu, "Set Level on Sender…"));
  gtk_popover_popdown (GTK_POPOVER (menu));
  ui_wait_until (popover_unmapped, menu, "the menu closed");

  /* And the real keys, Shift+F10 then Menu, through the X server. */
  if (real_keys_open_menu (window, sidebar, menu, "shift+F10"))
    {
      gtk_popover_popdown (GTK_POPOVER (menu));
      ui_wait_until (popover_unmapped, menu, "the menu closed");
      /* Closed it stays: nothing else is on its way to open it again. */
      wait_painted (window);
      g_assert_false (gtk_widget_get_mapped (menu));
      g_assert_true (real_keys_open_menu (window, sidebar, menu, "Menu"));
      gtk_popover_popdown (GTK_POPOVER (menu));
    }
  else
    g_test_message ("no X11 or no xdotool: the real keys were not sent");

  g_settings_reset (settings, "sender-config-enabled");
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

  g_test_add_func ("/sidebar-tools/sender-level", test_sender_level);
  g_test_add_func ("/sidebar-tools/sender-hosts", test_sender_hosts);
  g_test_add_func ("/sidebar-tools/fields-page", test_fields_page);
  g_test_add_func ("/sidebar-tools/logger-menu-keys", test_logger_menu_keys);

  status = g_test_run ();
  g_clear_object (&app);
  return status;
}
