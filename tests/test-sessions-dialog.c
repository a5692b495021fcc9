// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.test"

/* The Sessions dialog over a real sessions folder: a session that ended, one
 * that crashed, a damaged file and one the age limit deletes at start, next
 * to the running session, whose sources (a TCP sender, a file) it lists.
 * Driven by app.sessions and the dialog's session.* actions, answered
 * through the confirmations, as a user would. */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>
#include <utime.h>

#include "ld-activity.h"
#include "ld-application.h"
#include "ld-archive.h"
#include "ld-archive-writer.h"
#include "ld-error-groups.h"
#include "ld-preferences.h"
#include "ld-session.h"
#include "ld-sessions-dialog.h"
#include "ld-sources-panel.h"
#include "ld-window.h"
#include "ui-test-app.h"

#define ENDED "2026-11-01T10-00-00-2147483000.logdeck"
#define CRASHED "2026-11-02T10-00-00-2147483000.logdeck"
#define DAMAGED "2026-11-03T10-00-00-2147483000.logdeck"
#define TOO_OLD "2026-10-01T10-00-00-2147483000.logdeck"
#define LARGE "2026-11-04T10-00-00-2147483000.logdeck"
#define N_LARGE 60000

static LdApplication *app;
static char *sessions_dir;

static char *
session_path (const char *file_name)
{
  return g_build_filename (sessions_dir, file_name, NULL);
}

/* A session that ended, as the writer leaves one: three records. */
static void
make_ended_session (void)
{
  g_autofree char *path = session_path (ENDED);
  g_autoptr(LdStore) store = ld_store_new (0);
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autoptr(LdArchiveWriter) writer = NULL;

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *message = g_strdup_printf ("archived record %u", i);
      LdRecordFields fields = {
        .time_us = 1764583200000000 + i, .level = 20, .level_name = "INFO",
        .logger = "acme.api", .message = message,
      };

      ld_batch_add (batch, &fields);
    }
  ld_store_append_batch (store, batch);
  writer = ld_archive_writer_new (store, path, NULL);
  g_assert_nonnull (writer);
  ld_archive_writer_set_meta (writer, "started", "2026-11-01T10:00:00Z");
  ld_archive_writer_notify (writer);
  ld_archive_writer_flush (writer);
}

static void
make_sessions (void)
{
  g_autofree char *crashed = session_path (CRASHED);
  g_autofree char *damaged = session_path (DAMAGED);
  g_autofree char *too_old = session_path (TOO_OLD);
  g_autoptr(LdArchive) archive = NULL;
  struct utimbuf times;

  g_assert_cmpint (g_mkdir_with_parents (sessions_dir, 0700), ==, 0);
  make_ended_session ();

  archive = ld_archive_create (crashed, NULL);
  g_assert_nonnull (archive);
  g_assert_true (ld_archive_set_meta (archive, "started", "2026-11-02T10:00:00Z", NULL));

  g_assert_true (g_file_set_contents (damaged, "not an archive at all", -1, NULL));

  g_assert_true (g_file_set_contents (too_old, "old", -1, NULL));
  times.actime = times.modtime = g_get_real_time () / G_USEC_PER_SEC - 40 * 24 * 60 * 60;
  g_assert_cmpint (g_utime (too_old, &times), ==, 0);
}

static LdSessionsDialog *
open_dialog (void)
{
  g_action_group_activate_action (G_ACTION_GROUP (app), "sessions", NULL);
  return LD_SESSIONS_DIALOG (ui_wait_for_toplevel (LD_TYPE_SESSIONS_DIALOG));
}

static AdwActionRow *
find_row (LdSessionsDialog *dialog,
          const char       *file_name)
{
  GtkWidget *list = find_descendant (GTK_WIDGET (dialog), GTK_TYPE_LIST_BOX, "boxed-list");

  for (GtkWidget *row = gtk_widget_get_first_child (list); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (g_strcmp0 (gtk_widget_get_name (row), file_name) == 0)
      return ADW_ACTION_ROW (row);

  return NULL;
}

static guint
count_rows (LdSessionsDialog *dialog)
{
  GtkWidget *list = find_descendant (GTK_WIDGET (dialog), GTK_TYPE_LIST_BOX, "boxed-list");
  guint n = 0;

  for (GtkWidget *row = gtk_widget_get_first_child (list); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    n++;

  return n;
}

static gboolean
has_four_rows (gpointer data)
{
  return count_rows (data) == 4;
}

static const char *
row_subtitle (LdSessionsDialog *dialog,
              const char       *file_name)
{
  AdwActionRow *row = find_row (dialog, file_name);

  g_assert_nonnull (row);
  return adw_action_row_get_subtitle (row);
}

/* The message dialog a session action asked, answered with @response. */
static void
answer (const char *response,
        const char *entry_text)
{
  AdwMessageDialog *question = ADW_MESSAGE_DIALOG (ui_wait_for_toplevel (ADW_TYPE_MESSAGE_DIALOG));

  if (entry_text != NULL)
    gtk_editable_set_text (GTK_EDITABLE (adw_message_dialog_get_extra_child (question)),
                           entry_text);
  adw_message_dialog_response (question, response);
  gtk_window_destroy (GTK_WINDOW (question));
}

static void
test_list (void)
{
  LdSessionsDialog *dialog = open_dialog ();
  LdArchiveWriter *writer = ld_session_get_archive_writer (ld_application_get_session (app));
  g_autofree char *running = g_path_get_basename (ld_archive_writer_get_path (writer));
  GtkWidget *removals;

  ui_wait_until (has_four_rows, dialog, "four sessions listed");
  g_assert_nonnull (strstr (row_subtitle (dialog, ENDED), "Ended"));
  g_assert_nonnull (strstr (row_subtitle (dialog, ENDED), "3 records"));
  g_assert_nonnull (strstr (row_subtitle (dialog, CRASHED), "Did not end"));
  g_assert_nonnull (strstr (row_subtitle (dialog, DAMAGED), "Cannot be read"));
  g_assert_nonnull (strstr (row_subtitle (dialog, running), "running now"));
  g_assert_null (find_row (dialog, TOO_OLD));

  removals = find_descendant (GTK_WIDGET (dialog), GTK_TYPE_LABEL, "dim-label");
  g_assert_true (gtk_widget_get_visible (removals));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (removals)), TOO_OLD));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (removals)), "Older than 14 days"));

  wait_painted (GTK_WIDGET (dialog));
  save_screenshot (GTK_WIDGET (dialog), "sessions-dialog.png");
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
test_rename (void)
{
  LdSessionsDialog *dialog = open_dialog ();
  g_autofree char *path = session_path (ENDED);
  g_autoptr(LdArchive) archive = NULL;
  g_autofree char *name = NULL;

  ui_wait_until (has_four_rows, dialog, "four sessions listed");
  gtk_widget_activate_action (GTK_WIDGET (dialog), "session.rename", "s", path);
  answer ("rename", "Before the release");

  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (find_row (dialog, ENDED))),
                   ==, "Before the release");
  archive = ld_archive_open (path, NULL);
  name = ld_archive_get_meta (archive, "name");
  g_assert_cmpstr (name, ==, "Before the release");
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static gboolean
store_has_archived_records (gpointer data)
{
  LdStore *store = ld_application_get_store (app);
  guint found = 0;

  for (guint i = 0; i < ld_store_get_n_records (store); i++)
    {
      gsize length;
      const char *message = ld_record_get_message (ld_store_get_record (store, i), &length);

      if (g_str_has_prefix (message, "archived record"))
        found++;
    }

  return found == 3;
}

/* How many records of the archive at @path have a message starting with
 * @prefix. */
static guint
count_archived (const char *path,
                const char *prefix)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LdArchive) archive = ld_archive_open (path, &error);
  g_autoptr(LdBatch) batch = ld_batch_new ();
  guint64 next = 0;
  guint found = 0;

  g_assert_no_error (error);
  g_assert_true (ld_archive_read (archive, 0, G_MAXUINT, batch, &next, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < ld_batch_get_length (batch); i++)
    {
      const char *text;
      const LdRecord *record = ld_batch_get_record (batch, i, &text);

      if (record->message_len >= strlen (prefix) && strncmp (text, prefix, strlen (prefix)) == 0)
        found++;
    }

  return found;
}

/* The opened session's records come into the window, and the running
 * session's archive, which goes on receiving, does not take them in. */
static void
test_open (void)
{
  LdSessionsDialog *dialog = open_dialog ();
  LdArchiveWriter *writer = ld_session_get_archive_writer (ld_application_get_session (app));
  LdStore *store = ld_application_get_store (app);
  g_autofree char *path = session_path (ENDED);
  g_autoptr(LdBatch) live = ld_batch_new ();
  LdRecordFields fields = { .time_us = 1764583200000000, .level = 20, .message = "live record" };

  ui_wait_until (has_four_rows, dialog, "four sessions listed");
  gtk_widget_activate_action (GTK_WIDGET (dialog), "session.open", "s", path);
  answer ("open", NULL);
  ui_wait_until (store_has_archived_records, NULL, "the three archived records in the store");

  ld_batch_add (live, &fields);
  ld_store_append_batch (store, live);
  ld_archive_writer_flush (writer);
  g_assert_cmpuint (count_archived (ld_archive_writer_get_path (writer), "archived record"), ==, 0);
  g_assert_cmpuint (count_archived (ld_archive_writer_get_path (writer), "live record"), ==, 1);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

/* Records of every level over five minutes, with errors that group by
 * their masked text and some with a traceback. */
static LdBatch *
make_large_batch (void)
{
  static const char *loggers[] = { "acme.api", "acme.db", "acme.worker" };
  static const char *exceptions[] = { NULL, "Traceback (most recent call last):\nValueError: bad" };
  LdBatch *batch = ld_batch_new ();

  for (guint i = 0; i < N_LARGE; i++)
    {
      g_autofree char *message = i % 7 == 0
                                   ? g_strdup_printf ("upstream %u timed out after %u ms", i % 3,
                                                      i % 997)
                                   : g_strdup_printf ("request %u done", i);
      LdRecordFields fields = {
        .time_us = 1764583200000000 + (gint64) i * 5000, .level = 10 * (1 + i % 5),
        .logger = loggers[i % 3], .message = message, .exception = exceptions[i % 11 == 0],
      };

      ld_batch_add (batch, &fields);
    }

  return batch;
}

static gboolean
store_has_large_session (gpointer data)
{
  LdStore *store = ld_application_get_store (app);
  guint n = ld_store_get_n_records (store);
  static const char last[] = "request 59999 done";
  const char *message;
  gsize length;

  if (n != N_LARGE)
    return FALSE;
  message = ld_record_get_message (ld_store_get_record (store, n - 1), &length);
  return length == strlen (last) && memcmp (message, last, length) == 0;
}

static gboolean
dialog_lists (gpointer data)
{
  LdSessionsDialog *dialog = LD_SESSIONS_DIALOG (ui_find_toplevel (LD_TYPE_SESSIONS_DIALOG));

  return dialog != NULL && find_row (dialog, data) != NULL;
}

static void
assert_same_groups (LdErrorGroups *groups,
                    LdErrorGroups *expected)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (expected));

  g_assert_cmpuint (n, >, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (groups)), ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LdErrorGroup) want = g_list_model_get_item (G_LIST_MODEL (expected), i);
      g_autoptr(LdErrorGroup) got = g_list_model_get_item (G_LIST_MODEL (groups), i);

      g_assert_cmpstr (ld_error_group_get_fingerprint (got), ==,
                       ld_error_group_get_fingerprint (want));
      g_assert_cmpuint (ld_error_group_get_count (got), ==, ld_error_group_get_count (want));
      g_assert_cmpuint (ld_error_group_get_n_stored (got), ==,
                        ld_error_group_get_n_stored (want));
      g_assert_cmpint (ld_error_group_get_max_level (got), ==,
                       ld_error_group_get_max_level (want));
      g_assert_cmpint (ld_error_group_get_first_seen (got), ==,
                       ld_error_group_get_first_seen (want));
      g_assert_cmpint (ld_error_group_get_last_seen (got), ==,
                       ld_error_group_get_last_seen (want));
    }
}

static void
assert_same_activity (LdActivity *activity,
                      LdActivity *expected)
{
  gint64 first, last, want_first, want_last;
  LdActivityBucket sum, want_sum;

  g_assert_cmpuint (ld_activity_get_n_records (activity), ==,
                    ld_activity_get_n_records (expected));
  g_assert_true (ld_activity_get_time_range (expected, &want_first, &want_last));
  g_assert_true (ld_activity_get_time_range (activity, &first, &last));
  g_assert_cmpint (first, ==, want_first);
  g_assert_cmpint (last, ==, want_last);
  for (gint64 second = first; second <= last; second++)
    {
      ld_activity_get_second (expected, second, &want_sum);
      ld_activity_get_second (activity, second, &sum);
      g_assert_cmpmem (&sum, sizeof sum, &want_sum, sizeof want_sum);
    }
  ld_activity_sum (expected, first, last + 1, &want_sum);
  ld_activity_sum (activity, first, last + 1, &sum);
  g_assert_cmpmem (&sum, sizeof sum, &want_sum, sizeof want_sum);
}

/* A session too large for one drain, opened through the dialog, ends up
 * as the same records had arrived in one batch: every record in order, the
 * window's count, the level counts, the error groups and the chart's
 * seconds. The load grows its drains from a few hundred records to tens of
 * thousands; nothing may depend on where it cut them. */
static void
test_open_large (void)
{
  LdStore *store = ld_application_get_store (app);
  g_autofree char *path = session_path (LARGE);
  g_autoptr(LdBatch) batch = make_large_batch ();
  g_autoptr(LdStore) expected_store = ld_store_new (0);
  g_autoptr(LdErrorGroups) expected_groups = ld_error_groups_new ();
  g_autoptr(LdErrorGroups) groups = ld_error_groups_new ();
  g_autoptr(LdActivity) expected_activity = ld_activity_new ();
  g_autoptr(LdActivity) activity = ld_activity_new ();
  GtkWidget *window = GTK_WIDGET (ld_window_new (app));
  const GArray *levels, *expected_levels;
  LdSessionsDialog *dialog;

  gtk_window_present (GTK_WINDOW (window));
  ld_error_groups_attach_store (expected_groups, expected_store);
  ld_activity_attach_store (expected_activity, expected_store);
  ld_store_append_batch (expected_store, batch);
  {
    g_autoptr(LdArchiveWriter) writer = ld_archive_writer_new (expected_store, path, NULL);

    g_assert_nonnull (writer);
    ld_archive_writer_flush (writer);
  }

  ld_error_groups_attach_store (groups, store);
  ld_activity_attach_store (activity, store);
  dialog = open_dialog ();
  ui_wait_until (dialog_lists, (gpointer) LARGE, "the large session listed");
  gtk_widget_activate_action (GTK_WIDGET (dialog), "session.open", "s", path);
  answer ("open", NULL);
  ui_wait_until (store_has_large_session, NULL, "the large session in the store");
  ui_wait_for_label (window, "Shown: 60,000");

  for (guint i = 0; i < N_LARGE; i++)
    {
      const LdRecord *got = ld_store_get_record (store, i);
      const LdRecord *want = ld_store_get_record (expected_store, i);
      gsize got_len, want_len;
      const char *got_text = ld_record_get_message (got, &got_len);
      const char *want_text = ld_record_get_message (want, &want_len);

      g_assert_cmpint (got->time_us, ==, want->time_us);
      g_assert_cmpint (got->level, ==, want->level);
      g_assert_cmpmem (got_text, got_len, want_text, want_len);
    }
  levels = ld_store_get_level_counts (store);
  expected_levels = ld_store_get_level_counts (expected_store);
  g_assert_cmpmem (levels->data, levels->len * sizeof (LdLevelCount), expected_levels->data,
                   expected_levels->len * sizeof (LdLevelCount));
  assert_same_groups (groups, expected_groups);
  assert_same_activity (activity, expected_activity);

  ld_error_groups_detach (groups);
  ld_activity_detach (activity);
  gtk_window_destroy (GTK_WINDOW (dialog));
  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
archive_lists_sources (gpointer data)
{
  const char *path = ld_archive_writer_get_path (
                       ld_session_get_archive_writer (ld_application_get_session (app)));
  g_autoptr(LdArchive) archive = ld_archive_open (path, NULL);
  g_autofree char *sources = archive != NULL ? ld_archive_get_meta (archive, "sources") : NULL;

  return sources != NULL && strstr (sources, data) != NULL && strstr (sources, "file") != NULL;
}

static gboolean
row_lists_sources (gpointer data)
{
  const char **expected = data;
  LdSessionsDialog *dialog = LD_SESSIONS_DIALOG (ui_find_toplevel (LD_TYPE_SESSIONS_DIALOG));
  AdwActionRow *row = dialog != NULL ? find_row (dialog, expected[0]) : NULL;
  const char *subtitle = row != NULL ? adw_action_row_get_subtitle (row) : NULL;

  return subtitle != NULL && strstr (subtitle, expected[1]) != NULL
         && strstr (subtitle, expected[2]) != NULL;
}

/* A JSON line sent to the TCP port and a file opened: the running
 * session's row names both among its sources. */
static void
test_sources (void)
{
  LdSession *session = ld_application_get_session (app);
  LdArchiveWriter *writer = ld_session_get_archive_writer (session);
  g_autofree char *running = g_path_get_basename (ld_archive_writer_get_path (writer));
  guint16 port = ld_ingest_get_bound_port (ld_session_get_ingest (session), "tcp");
  g_autofree char *endpoint = g_strdup_printf ("127.0.0.1:%u", port);
  g_autofree char *log = g_build_filename (sessions_dir, "..", "app.jsonl", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (log);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  const char *expected[] = { running, endpoint, "file app.jsonl" };
  GOutputStream *output;
  static const char line[] = "{\"message\": \"over tcp\", \"levelname\": \"INFO\"}\n";
  LdSessionsDialog *dialog;

  connection = g_socket_client_connect_to_host (client, endpoint, 0, NULL, &error);
  g_assert_no_error (error);
  output = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_assert_true (g_output_stream_write_all (output, line, sizeof line - 1, NULL, NULL, &error));
  g_assert_true (g_io_stream_close (G_IO_STREAM (connection), NULL, &error));
  g_assert_true (g_file_set_contents (log, "{\"message\": \"from a file\"}\n", -1, &error));
  ld_session_open (session, &file, 1, FALSE);

  ui_wait_until (archive_lists_sources, endpoint, "the archive to list the TCP port and the file");
  dialog = open_dialog ();
  ui_wait_until (row_lists_sources, expected, "the running session's row to list its sources");
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_unlink (log);
}

static gboolean
has_three_rows (gpointer data)
{
  return count_rows (data) == 3;
}

static void
test_delete (void)
{
  LdSessionsDialog *dialog = open_dialog ();
  g_autofree char *crashed = session_path (CRASHED);
  const char *running = ld_archive_writer_get_path (
                          ld_session_get_archive_writer (ld_application_get_session (app)));

  ui_wait_until (has_four_rows, dialog, "four sessions listed");

  /* The running session cannot be deleted: nothing is asked. */
  gtk_widget_activate_action (GTK_WIDGET (dialog), "session.delete", "s", running);
  g_assert_null (ui_find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_true (g_file_test (running, G_FILE_TEST_EXISTS));

  gtk_widget_activate_action (GTK_WIDGET (dialog), "session.delete", "s", crashed);
  answer ("delete", NULL);
  g_assert_false (g_file_test (crashed, G_FILE_TEST_EXISTS));
  g_assert_null (find_row (dialog, CRASHED));
  ui_wait_until (has_three_rows, dialog, "three sessions listed");
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static GtkSpinButton *
find_spin_with_upper (GtkWidget *widget,
                      double     upper)
{
  if (GTK_IS_SPIN_BUTTON (widget)
      && gtk_adjustment_get_upper (gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (widget)))
         == upper)
    return GTK_SPIN_BUTTON (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkSpinButton *found = find_spin_with_upper (child, upper);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* The limits are in Preferences, bound to their keys both ways. */
static void
test_preferences_limits (void)
{
  g_autoptr(GSettings) settings = ld_settings_new ();
  GtkWidget *preferences = ld_preferences_new (NULL, settings);
  GtkSpinButton *days = find_spin_with_upper (preferences, 3650);
  GtkSpinButton *gigabytes = find_spin_with_upper (preferences, 16384);

  g_assert_nonnull (days);
  g_assert_nonnull (gigabytes);
  g_assert_cmpfloat (gtk_spin_button_get_value (days), ==, 14);
  g_assert_cmpfloat (gtk_spin_button_get_value (gigabytes), ==, 2);

  gtk_spin_button_set_value (days, 30);
  g_assert_cmpuint (g_settings_get_uint (settings, "archive-max-days"), ==, 30);
  g_settings_set_uint (settings, "archive-max-gigabytes", 5);
  g_assert_cmpfloat (gtk_spin_button_get_value (gigabytes), ==, 5);

  g_settings_reset (settings, "archive-max-days");
  g_settings_reset (settings, "archive-max-gigabytes");
  gtk_window_destroy (GTK_WINDOW (preferences));
}

static GtkLabel *
find_label_containing (GtkWidget  *widget,
                       const char *text)
{
  if (GTK_IS_LABEL (widget) && strstr (gtk_label_get_text (GTK_LABEL (widget)), text) != NULL)
    return GTK_LABEL (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkLabel *found = find_label_containing (child, text);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static gboolean
panel_says_not_archived (gpointer data)
{
  GtkLabel *label = find_label_containing (data, "records not archived");

  return label != NULL && gtk_widget_get_visible (GTK_WIDGET (label))
         && gtk_widget_get_visible (gtk_widget_get_parent (GTK_WIDGET (label)));
}

/* A store that keeps ten records takes 400,000 at once: it holds back
 * what the writer has not read only up to a point (256 Ki records), the
 * writer misses the rest, and the sources panel says how many, a second
 * later. Last, as the running session's archive is short of them. */
static void
test_status_missed (void)
{
  GtkWidget *window = GTK_WIDGET (ld_window_new (app));
  GtkWidget *panel = find_descendant (window, LD_TYPE_SOURCES_PANEL, NULL);
  LdStore *store = ld_application_get_store (app);
  guint max_records = ld_store_get_max_records (store);
  g_autoptr(LdBatch) batch = ld_batch_new ();

  g_assert_nonnull (panel);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_false (panel_says_not_archived (panel));

  for (guint i = 0; i < 400000; i++)
    {
      LdRecordFields fields = { .time_us = 1764583200000000 + i, .level = 20, .message = "flood" };

      ld_batch_add (batch, &fields);
    }
  ld_store_set_max_records (store, 10);
  ld_store_append_batch (store, batch);
  ui_wait_until (panel_says_not_archived, panel, "the sources panel to count missed records");
  ld_store_set_max_records (store, max_records);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* The test's data folder goes with what the session archived in it. */
static void
remove_data_home (const char *data_home)
{
  g_autofree char *logdeck_dir = g_build_filename (data_home, "logdeck", NULL);
  g_autoptr(GDir) dir = g_dir_open (sessions_dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (sessions_dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (sessions_dir);
  g_rmdir (logdeck_dir);
  g_rmdir (data_home);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data_home = NULL;
  int status;

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_test_init (&argc, &argv, NULL);
      g_test_skip ("no display: run under xvfb-run, as build-aux/test does");
      return g_test_run ();
    }

  /* A folder of this test's own: other UI tests archive their sessions
   * into the shared one at the same time. */
  data_home = g_dir_make_tmp ("ld-sessions-XXXXXX", NULL);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  sessions_dir = ld_session_default_archive_dir ();
  make_sessions ();

  /* The system picks the ports: never a developer's own, nor another test's. */
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

  g_test_add_func ("/sessions-dialog/list", test_list);
  g_test_add_func ("/sessions-dialog/rename", test_rename);
  g_test_add_func ("/sessions-dialog/open", test_open);
  g_test_add_func ("/sessions-dialog/sources", test_sources);
  g_test_add_func ("/sessions-dialog/delete", test_delete);
  g_test_add_func ("/sessions-dialog/preferences-limits", test_preferences_limits);
  g_test_add_func ("/sessions-dialog/open-large", test_open_large);
  g_test_add_func ("/sessions-dialog/status-missed", test_status_missed);

  status = g_test_run ();
  g_clear_object (&app);
  remove_data_home (data_home);
  g_free (sessions_dir);
  return status;
}
