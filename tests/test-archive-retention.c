// SPDX-License-Identifier: GPL-3.0-or-later
/* The sessions folder with real files: the limits delete the oldest
 * sessions beyond either and say why, never the running one; listing reads
 * each archive's details, and a damaged file is listed with its error.
 * Opening a session loads its records into a store on the main context,
 * and exporting one copies what its write-ahead log holds too. */

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>
#include <utime.h>

#include "ld-archive.h"
#include "ld-archive-loader.h"
#include "ld-archive-writer.h"
#include "ld-archive-retention.h"

#define DAY_US ((gint64) G_USEC_PER_SEC * 60 * 60 * 24)
#define NOW_US ((gint64) 1765000000 * G_USEC_PER_SEC)

typedef struct
{
  char *dir;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = g_dir_make_tmp ("ld-retention-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GDir) dir = g_dir_open (f->dir, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
}

/* A session file of @size bytes last written @days_ago. The process id
 * 2147483000 is above any kernel's pid_max: no process runs with it. */
static char *
make_session (Fixture    *f,
              const char *stamp,
              gsize       size,
              gint64      days_ago)
{
  g_autofree char *name = g_strdup_printf ("%s-2147483000.logdeck", stamp);
  char *path = g_build_filename (f->dir, name, NULL);
  g_autofree char *contents = g_malloc0 (size);
  struct utimbuf times;

  g_assert_true (g_file_set_contents (path, contents, size, NULL));
  times.actime = times.modtime = (NOW_US - days_ago * DAY_US) / G_USEC_PER_SEC;
  g_assert_cmpint (g_utime (path, &times), ==, 0);

  return path;
}

static gboolean
exists (const char *path)
{
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static void
test_age_limit (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *old = make_session (f, "2026-11-01T10-00-00", 100, 20);
  g_autofree char *recent = make_session (f, "2026-11-30T10-00-00", 100, 2);
  g_autofree char *running = make_session (f, "2026-10-01T10-00-00", 100, 40);
  g_autofree char *wal = g_strconcat (old, "-wal", NULL);
  g_autoptr(GPtrArray) removals = NULL;
  LdArchiveRemoval *removal;

  g_assert_true (g_file_set_contents (wal, "x", 1, NULL));
  removals = ld_archive_retention_apply (f->dir, running, 0, 14, NOW_US);

  g_assert_cmpuint (removals->len, ==, 1);
  removal = removals->pdata[0];
  g_assert_true (g_str_has_prefix (removal->file_name, "2026-11-01T10-00-00"));
  g_assert_cmpstr (removal->reason, ==, "Older than 14 days");
  g_assert_false (exists (old));
  g_assert_false (exists (wal));
  g_assert_true (exists (recent));
  g_assert_true (exists (running));
}

static void
test_size_limit (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *first = make_session (f, "2026-11-01T10-00-00", 4000, 3);
  g_autofree char *second = make_session (f, "2026-11-02T10-00-00", 4000, 2);
  g_autofree char *third = make_session (f, "2026-11-03T10-00-00", 4000, 1);
  g_autofree char *running = make_session (f, "2026-11-04T10-00-00", 4000, 0);
  g_autoptr(GPtrArray) removals = NULL;

  /* 16,000 bytes against a limit of 9,000: the two oldest go. */
  removals = ld_archive_retention_apply (f->dir, running, 9000, 0, NOW_US);

  g_assert_cmpuint (removals->len, ==, 2);
  g_assert_true (strstr (((LdArchiveRemoval *) removals->pdata[0])->reason, "more than") != NULL);
  g_assert_false (exists (first));
  g_assert_false (exists (second));
  g_assert_true (exists (third));
  g_assert_true (exists (running));
}

/* Even alone over the limit, the running session stays; and one whose
 * process is alive (this test's) belongs to another Logdeck: it stays. */
static void
test_never_running (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *running = make_session (f, "2026-11-04T10-00-00", 4000, 30);
  g_autofree char *name = g_strdup_printf ("2026-11-01T10-00-00-%d.logdeck", (int) getpid ());
  g_autofree char *other = g_build_filename (f->dir, name, NULL);
  g_autoptr(GPtrArray) removals = NULL;

  g_assert_true (g_file_set_contents (other, "x", 1, NULL));
  removals = ld_archive_retention_apply (f->dir, running, 1, 1, NOW_US);

  g_assert_cmpuint (removals->len, ==, 0);
  g_assert_true (exists (running));
  g_assert_true (exists (other));
}

static void
test_list_details (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *good = g_build_filename (f->dir, "2026-11-01T10-00-00-1.logdeck", NULL);
  g_autofree char *bad = make_session (f, "2026-11-02T10-00-00", 300, 0);
  g_autoptr(LdArchive) archive = ld_archive_create (good, NULL);
  g_autoptr(GPtrArray) sessions = NULL;
  LdArchiveSession *session;

  g_assert_nonnull (archive);
  g_assert_true (ld_archive_set_meta (archive, "started", "2026-11-01T10:00:00Z", NULL));
  g_clear_pointer (&archive, ld_archive_free);
  g_assert_true (ld_archive_write_meta (good, "name", "Before the release", NULL));
  g_assert_false (ld_archive_write_meta (bad, "name", "x", NULL));

  sessions = ld_archive_list_sessions (f->dir);
  g_assert_cmpuint (sessions->len, ==, 2);

  session = sessions->pdata[0];
  ld_archive_session_read_details (session);
  g_assert_no_error (session->error);
  g_assert_cmpstr (session->name, ==, "Before the release");
  g_assert_cmpstr (session->started, ==, "2026-11-01T10:00:00Z");
  g_assert_null (session->ended);
  g_assert_cmpuint (session->n_records, ==, 0);
  g_assert_cmpuint (session->size, >, 0);

  session = sessions->pdata[1];
  ld_archive_session_read_details (session);
  g_assert_nonnull (session->error);

  g_assert_true (ld_archive_delete_session (good, NULL));
  g_assert_false (exists (good));
}

/* An archive of @n records "record 0"…, written by the writer thread and
 * left open by it: the records are in its write-ahead log. */
static LdArchiveWriter *
write_archive (const char *path,
               LdStore    *store,
               guint       n)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();
  LdArchiveWriter *writer;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *message = g_strdup_printf ("record %u", i);
      LdRecordFields fields = {
        .time_us = 1764583200000000 + i, .level = 20, .level_name = "INFO",
        .logger = "acme.api", .message = message,
      };

      ld_batch_add (batch, &fields);
    }
  ld_store_append_batch (store, batch);
  writer = ld_archive_writer_new (store, path, NULL);
  g_assert_nonnull (writer);
  ld_archive_writer_notify (writer);
  ld_archive_writer_flush (writer);

  return writer;
}

static void
on_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* More records than one slice, so that several batches cross the hand-off
 * in order. */
static void
test_load (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "2026-11-01T10-00-00-1.logdeck", NULL);
  g_autoptr(LdStore) written = ld_store_new (0);
  g_autoptr(LdArchiveWriter) writer = write_archive (path, written, 70000);
  g_autoptr(LdStore) store = ld_store_new (0);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint64 n_records = 0;

  ld_archive_load_async (path, store, NULL, on_loaded, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  g_assert_true (ld_archive_load_finish (result, &n_records, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_records, ==, 70000);
  g_assert_cmpuint (ld_store_get_n_records (store), ==, 70000);
  for (guint i = 0; i < 70000; i += 9999)
    {
      g_autofree char *expected = g_strdup_printf ("record %u", i);
      gsize length;
      const char *message = ld_record_get_message (ld_store_get_record (store, i), &length);

      g_assert_cmpmem (message, length, expected, strlen (expected));
    }
}

static void
test_load_damaged (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *path = make_session (f, "2026-11-02T10-00-00", 300, 0);
  g_autoptr(LdStore) store = ld_store_new (0);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  ld_archive_load_async (path, store, NULL, on_loaded, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  g_assert_false (ld_archive_load_finish (result, NULL, &error));
  g_assert_error (error, LD_ARCHIVE_ERROR, LD_ARCHIVE_ERROR_NOT_AN_ARCHIVE);
  g_assert_cmpuint (ld_store_get_n_records (store), ==, 0);
}

/* The writer still holds the archive: the copy has every record anyway. */
static void
test_copy (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "2026-11-01T10-00-00-1.logdeck", NULL);
  g_autofree char *copy = g_build_filename (f->dir, "copy.sqlite", NULL);
  g_autoptr(LdStore) written = ld_store_new (0);
  g_autoptr(LdArchiveWriter) writer = write_archive (path, written, 100);
  g_autoptr(LdArchive) archive = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (ld_archive_copy (path, copy, &error));
  g_assert_no_error (error);
  g_assert_false (ld_archive_copy (path, copy, &error));
  g_assert_nonnull (error);

  archive = ld_archive_open (copy, NULL);
  g_assert_nonnull (archive);
  g_assert_cmpuint (ld_archive_get_n_records (archive), ==, 100);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/archive-retention/age", Fixture, NULL,
              fixture_set_up, test_age_limit, fixture_tear_down);
  g_test_add ("/archive-retention/size", Fixture, NULL,
              fixture_set_up, test_size_limit, fixture_tear_down);
  g_test_add ("/archive-retention/never-running", Fixture, NULL,
              fixture_set_up, test_never_running, fixture_tear_down);
  g_test_add ("/archive-retention/list-details", Fixture, NULL,
              fixture_set_up, test_list_details, fixture_tear_down);

  g_test_add ("/archive-retention/load", Fixture, NULL,
              fixture_set_up, test_load, fixture_tear_down);
  g_test_add ("/archive-retention/load-damaged", Fixture, NULL,
              fixture_set_up, test_load_damaged, fixture_tear_down);
  g_test_add ("/archive-retention/copy", Fixture, NULL,
              fixture_set_up, test_copy, fixture_tear_down);

  return g_test_run ();
}
