// SPDX-License-Identifier: GPL-3.0-or-later
/* The archive file: every field and extra kind survives a round trip, the
 * "records" view and the full-text index read as the README says, and a
 * file that is not an archive, or a damaged one, is refused in words. */

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "ld-archive.h"
#include "ld-archive-writer.h"
#include "ld-jsonl.h"
#include "ld-store.h"

typedef struct
{
  char    *dir;
  char    *path;
  LdStore *store;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = g_dir_make_tmp ("ld-archive-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->path = g_build_filename (f->dir, "session.logdeck", NULL);
  f->store = ld_store_new (0);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (f->path, "-shm", NULL);

  g_unlink (f->path);
  g_unlink (wal);
  g_unlink (shm);
  g_rmdir (f->dir);
  g_free (f->path);
  g_free (f->dir);
  g_object_unref (f->store);
}

/* Records with every field, every extra type, non-ASCII and odd text. */
static void
fill_store (LdStore *store)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();
  LdRecordFields full = {
    .time_us = 1733430000123456,
    .level = 40,
    .level_name = "ERROR",
    .logger = "spam_application.auxiliary",
    .message = "Ärger in Zürich: 日本語 and an emoji 🪵, tab\there",
    .exception = "Traceback (most recent call last):\n  File \"x.py\", line 1\nZeroDivisionError",
    .stack = "Stack (most recent call last):\n  File \"y.py\"",
    .thread = "MainThread",
    .thread_id = 140245,
    .process_name = "MainProcess",
    .process = 4242,
    .task = "Task-7",
    .file = "/srv/app/x.py",
    .line = 123,
    .function = "handle",
    .connection = "tcp-3",
    .peer = "127.0.0.1:54321",
    .protocol = "tcp-pickle",
    .host = "web-1",
    .service = "checkout",
    .trace_id = "4bf92f3577b34da6a3ce929d0e0e4736",
    .span_id = "00f067aa0ba902b7",
  };
  LdRecordFields bare = { .time_us = -1234567, .level = 17, .message = "" };
  LdRecordFields warning = { .time_us = 1733430000999999, .level = 30, .logger = "root",
                             .message = "disk almost full", .connection = "tcp-3" };

  ld_batch_add (batch, &full);
  ld_batch_add_extra (batch, "user", -1, LD_VALUE_STRING, "zoë \"quoted\"", -1);
  ld_batch_add_extra (batch, "duration", -1, LD_VALUE_NUMBER, "0.125", -1);
  ld_batch_add_extra (batch, "big", -1, LD_VALUE_NUMBER, "12345678901234567890", -1);
  ld_batch_add_extra (batch, "ok", -1, LD_VALUE_BOOL, "false", -1);
  ld_batch_add_extra (batch, "nothing", -1, LD_VALUE_NULL, "null", -1);
  ld_batch_add_extra (batch, "args", -1, LD_VALUE_JSON, "[1,\"two\",{\"three\":3}]", -1);
  ld_batch_add (batch, &bare);
  ld_batch_add (batch, &warning);
  ld_batch_add_extra (batch, "path", -1, LD_VALUE_STRING, "/index.html", -1);
  ld_store_append_batch (store, batch);
}

static void
write_store (LdArchive *archive,
             LdStore   *store)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ld_archive_begin (archive, &error));
  for (guint i = 0; i < ld_store_get_n_records (store); i++)
    g_assert_true (ld_archive_add (archive, ld_store_get_first_seq (store) + i,
                                   ld_store_get_record (store, i), &error));
  g_assert_true (ld_archive_commit (archive, &error));
  g_assert_no_error (error);
}

static void
test_archive_round_trip (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LdArchive) writer = NULL;
  g_autoptr(LdArchive) reader = NULL;
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autoptr(LdStore) reread = ld_store_new (0);
  g_autofree char *started = NULL;
  guint64 next = 0;

  fill_store (f->store);
  writer = ld_archive_create (f->path, &error);
  g_assert_no_error (error);
  g_assert_true (ld_archive_set_meta (writer, "started", "2026-12-05T23:00:00Z", &error));
  write_store (writer, f->store);

  reader = ld_archive_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ld_archive_get_n_records (reader), ==, 3);
  started = ld_archive_get_meta (reader, "started");
  g_assert_cmpstr (started, ==, "2026-12-05T23:00:00Z");

  /* Two reads: the second goes on where the first stopped. */
  g_assert_true (ld_archive_read (reader, 0, 2, batch, &next, &error));
  g_assert_cmpuint (ld_batch_get_length (batch), ==, 2);
  g_assert_true (ld_archive_read (reader, next, 100, batch, &next, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ld_batch_get_length (batch), ==, 3);
  g_assert_cmpuint (next, ==, ld_store_get_first_seq (f->store) + 3);

  /* Field for field, as the canonical JSON line shows every one. */
  ld_store_append_batch (reread, batch);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GString) before = g_string_new (NULL);
      g_autoptr(GString) after = g_string_new (NULL);

      ld_jsonl_append_record (before, ld_store_get_record (f->store, i), NULL);
      ld_jsonl_append_record (after, ld_store_get_record (reread, i), NULL);
      g_assert_cmpstr (after->str, ==, before->str);
    }
}

static char *
query_one (const char *path,
           const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  GString *rows = g_string_new (NULL);

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      for (int i = 0; i < sqlite3_column_count (stmt); i++)
        {
          const char *text = (const char *) sqlite3_column_text (stmt, i);
          g_string_append_printf (rows, "%s%s", i > 0 ? "|" : "", text != NULL ? text : "NULL");
        }
      g_string_append_c (rows, '\n');
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return g_string_free (rows, FALSE);
}

/* What `sqlite3 session.logdeck 'SELECT … FROM records'` shows. */
static void
test_archive_view_and_text_index (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LdArchive) writer = NULL;
  g_autofree char *rows = NULL;
  g_autofree char *found = NULL;
  g_autofree char *extra = NULL;

  fill_store (f->store);
  guint n_indexed;

  writer = ld_archive_create (f->path, &error);
  g_assert_no_error (error);
  write_store (writer, f->store);
  g_assert_true (ld_archive_index (writer, 2, &n_indexed, &error));
  g_assert_cmpuint (n_indexed, ==, 2);
  g_assert_true (ld_archive_index (writer, 100, &n_indexed, &error));
  g_assert_cmpuint (n_indexed, ==, 1);
  g_assert_true (ld_archive_index (writer, 100, &n_indexed, &error));
  g_assert_cmpuint (n_indexed, ==, 0);

  rows = query_one (f->path, "SELECT time, level, levelno, logger, connection FROM records ORDER BY seq");
  g_assert_cmpstr (rows, ==,
                   "2024-12-05T20:20:00.123456Z|ERROR|40|spam_application.auxiliary|tcp-3\n"
                   "1969-12-31T23:59:58.765433Z|Level 17|17|NULL|NULL\n"
                   "2024-12-05T20:20:00.999999Z|WARNING|30|root|tcp-3\n");

  found = query_one (f->path, "SELECT r.levelno FROM record_text JOIN records AS r ON r.seq = record_text.rowid"
                              " WHERE record_text MATCH 'ZeroDivisionError OR zürich'");
  g_assert_cmpstr (found, ==, "40\n");

  extra = query_one (f->path, "SELECT json_extract (extra, '$.duration'), json_extract (extra, '$.args[1]')"
                              " FROM records WHERE extra IS NOT NULL ORDER BY seq LIMIT 1");
  g_assert_cmpstr (extra, ==, "0.125|two\n");

  g_clear_pointer (&rows, g_free);
  rows = query_one (f->path, "SELECT host, service, trace_id, span_id, json_extract (extra, '$.trace_id')"
                             " FROM records ORDER BY seq LIMIT 2");
  g_assert_cmpstr (rows, ==,
                   "web-1|checkout|4bf92f3577b34da6a3ce929d0e0e4736|00f067aa0ba902b7|NULL\n"
                   "NULL|NULL|NULL|NULL|NULL\n");
}

/* An archive written before host, service and the trace context were
 * columns is read with none of them. */
static void
test_archive_without_fleet_columns (Fixture       *f,
                                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LdArchive) reader = NULL;
  g_autoptr(LdBatch) batch = ld_batch_new ();
  sqlite3 *db = NULL;
  const LdRecord *record;
  const char *text;
  guint64 next = 0;

  fill_store (f->store);
  {
    g_autoptr(LdArchive) writer = ld_archive_create (f->path, &error);

    g_assert_no_error (error);
    write_store (writer, f->store);
  }
  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "DROP VIEW records;"
                                     "ALTER TABLE record_data DROP COLUMN host;"
                                     "ALTER TABLE record_data DROP COLUMN service;"
                                     "ALTER TABLE record_data DROP COLUMN trace_id;"
                                     "ALTER TABLE record_data DROP COLUMN span_id;",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  reader = ld_archive_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_true (ld_archive_read (reader, 0, 100, batch, &next, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ld_batch_get_length (batch), ==, 3);
  record = ld_batch_get_record (batch, 0, &text);
  g_assert_cmpuint (record->host, ==, 0);
  g_assert_cmpuint (record->service, ==, 0);
  g_assert_cmpuint (record->logger, !=, 0);
}

static void
write_file (const char *path,
            const char *contents,
            gssize      length)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, length, &error);
  g_assert_no_error (error);
}

static void
test_archive_refuses_other_files (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  LdArchive *archive;
  sqlite3 *db = NULL;

  /* Missing. */
  archive = ld_archive_open (f->path, &error);
  g_assert_null (archive);
  g_assert_error (error, LD_ARCHIVE_ERROR, LD_ARCHIVE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, f->path));
  g_clear_error (&error);

  /* Not SQLite at all: a text log. */
  write_file (f->path, "2026-12-05 12:00:00,000 INFO root: hello\n", -1);
  archive = ld_archive_open (f->path, &error);
  g_assert_null (archive);
  g_assert_error (error, LD_ARCHIVE_ERROR, LD_ARCHIVE_ERROR_NOT_AN_ARCHIVE);
  g_clear_error (&error);
  g_unlink (f->path);

  /* Empty. */
  write_file (f->path, "", 0);
  archive = ld_archive_open (f->path, &error);
  g_assert_null (archive);
  g_assert_error (error, LD_ARCHIVE_ERROR, LD_ARCHIVE_ERROR_NOT_AN_ARCHIVE);
  g_clear_error (&error);
  g_unlink (f->path);

  /* Another program's database. */
  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE t (x)", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  archive = ld_archive_open (f->path, &error);
  g_assert_null (archive);
  g_assert_error (error, LD_ARCHIVE_ERROR, LD_ARCHIVE_ERROR_NOT_AN_ARCHIVE);
  g_assert_nonnull (strstr (error->message, "not a Logdeck archive"));
  g_clear_error (&error);

  /* An archive is never overwritten by a new session. */
  archive = ld_archive_create (f->path, &error);
  g_assert_null (archive);
  g_assert_error (error, LD_ARCHIVE_ERROR, LD_ARCHIVE_ERROR_FAILED);
}

/* Damage in the middle of the records: what lies before it is read, then
 * the error says the file is damaged; nothing crashes. */
static void
test_archive_damaged (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LdArchive) reader = NULL;
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autofree char *contents = NULL;
  gsize length;
  guint64 next = 0;
  gboolean ok;

  {
    g_autoptr(LdArchive) writer = ld_archive_create (f->path, &error);
    g_autoptr(LdBatch) many = ld_batch_new ();

    g_assert_no_error (error);
    for (guint i = 0; i < 20000; i++)
      {
        g_autofree char *message = g_strdup_printf ("record %u with some text to fill pages", i);
        LdRecordFields fields = { .time_us = 1000000 + i, .level = 20, .message = message,
                                  .logger = "bulk" };
        ld_batch_add (many, &fields);
      }
    ld_store_append_batch (f->store, many);
    write_store (writer, f->store);
    /* Closing checkpoints the WAL into the file. */
  }

  g_assert_true (g_file_get_contents (f->path, &contents, &length, NULL));
  g_assert_cmpuint (length, >, 400 * 1024);
  /* Garbage over pages in the last third, past the schema. */
  memset (contents + length * 2 / 3, 0xA5, 64 * 1024);
  write_file (f->path, contents, length);

  reader = ld_archive_open (f->path, &error);
  g_assert_no_error (error);
  ok = ld_archive_read (reader, 0, 100000, batch, &next, &error);
  g_assert_false (ok);
  g_assert_error (error, LD_ARCHIVE_ERROR, LD_ARCHIVE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, f->path));
  g_assert_cmpuint (ld_batch_get_length (batch), >, 0);
  g_assert_cmpuint (ld_batch_get_length (batch), <, 20000);
}


/* The writer thread empties the store into the archive, records evicted
 * before it read them included, and indexes their words while idle. */
static void
test_archive_writer_thread (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LdArchive) reader = NULL;
  g_autofree char *count = NULL;
  g_autofree char *found = NULL;
  LdArchiveWriter *writer;
  LdArchiveWriterStatus status = { 0 };

  ld_store_set_max_records (f->store, 1000);
  writer = ld_archive_writer_new (f->store, f->path, &error);
  g_assert_no_error (error);
  ld_archive_writer_set_meta (writer, "started", "now");
  for (guint b = 0; b < 50; b++)
    {
      g_autoptr(LdBatch) batch = ld_batch_new ();

      for (guint i = 0; i < 500; i++)
        {
          g_autofree char *message = g_strdup_printf ("message %u%s", b * 500 + i,
                                                      b * 500 + i == 7 ? " needle" : "");
          LdRecordFields fields = { .time_us = 1000 + b * 500 + i, .level = 20, .message = message };
          ld_batch_add (batch, &fields);
        }
      ld_store_append_batch (f->store, batch);
      ld_archive_writer_notify (writer);
    }
  ld_archive_writer_flush (writer);
  ld_archive_writer_get_status (writer, &status);
  g_assert_cmpuint (status.n_written + status.n_missed, ==, 25000);
  g_assert_false (status.paused);
  ld_archive_writer_status_clear (&status);
  /* Idle now: the index catches up. */
  for (guint i = 0; i < 200; i++)
    {
      g_autofree char *indexed = NULL;
      g_autoptr(LdArchive) peek = ld_archive_open (f->path, NULL);

      indexed = peek != NULL ? ld_archive_get_meta (peek, "indexed_to") : NULL;
      if (g_strcmp0 (indexed, "25000") == 0)
        break;
      g_usleep (20000);
    }
  ld_archive_writer_free (writer);

  reader = ld_archive_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ld_archive_get_n_records (reader), ==, 25000);
  count = ld_archive_get_meta (reader, "records");
  g_assert_cmpstr (count, ==, "25000");
  found = query_one (f->path, "SELECT rowid FROM record_text WHERE record_text MATCH 'needle'");
  g_assert_cmpstr (found, ==, "7\n");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/archive/round-trip", Fixture, NULL,
              fixture_set_up, test_archive_round_trip, fixture_tear_down);
  g_test_add ("/archive/without-fleet-columns", Fixture, NULL, fixture_set_up,
              test_archive_without_fleet_columns, fixture_tear_down);
  g_test_add ("/archive/view-and-text-index", Fixture, NULL,
              fixture_set_up, test_archive_view_and_text_index, fixture_tear_down);
  g_test_add ("/archive/refuses-other-files", Fixture, NULL,
              fixture_set_up, test_archive_refuses_other_files, fixture_tear_down);
  g_test_add ("/archive/writer-thread", Fixture, NULL,
              fixture_set_up, test_archive_writer_thread, fixture_tear_down);
  g_test_add ("/archive/damaged", Fixture, NULL,
              fixture_set_up, test_archive_damaged, fixture_tear_down);

  return g_test_run ();
}
