// SPDX-License-Identifier: GPL-3.0-or-later
/* The archive file: every field and extra kind survives a round trip, the
 * "records" view and the full-text index read as the README says, and a
 * file that is not an archive, or a damaged one, is refused in words. A
 * whole session survives archive → open → JSON Lines export → import →
 * archive again; the writer leaves out what it is told to skip and lists
 * the session's sources. */

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "ld-archive.h"
#include "ld-archive-loader.h"
#include "ld-archive-writer.h"
#include "ld-export.h"
#include "ld-import.h"
#include "ld-jsonl.h"
#include "ld-level.h"
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

/* A session with every field kind: every LdRecord field, the fleet's
 * fields, extras of every JSON type (nested objects and arrays, null,
 * booleans, integers past 64 bits, floats with exponents), non-ASCII keys
 * and text, exceptions and stack info. Every record names where it came
 * from, as every record a sender sends does: an import gives one that
 * names nothing the file's name. */
static void
fill_store_every_kind (LdStore *store)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();
  LdRecordFields full = {
    .time_us = 1733430000123456, .level = 40, .level_name = "ERROR",
    .logger = "spam_application.auxiliary",
    .message = "Ärger in Zürich: 日本語 and an emoji 🪵, tab\there, \"quotes\" and a\nnew line",
    .exception = "Traceback (most recent call last):\n  File \"x.py\", line 1\nZeroDivisionError",
    .stack = "Stack (most recent call last):\n  File \"y.py\"",
    .thread = "MainThread", .thread_id = 140245, .process_name = "MainProcess",
    .process = 4242, .task = "Task-7", .file = "/srv/app/x.py", .line = 123,
    .function = "handle", .connection = "tcp-3", .peer = "127.0.0.1:54321",
    .protocol = "tcp-pickle", .host = "web-1", .service = "checkout",
    .trace_id = "4bf92f3577b34da6a3ce929d0e0e4736", .span_id = "00f067aa0ba902b7",
  };
  LdRecordFields exception_only = {
    .time_us = -1234567, .level = 17, .message = "", .exception = "ValueError: ÿ",
    .connection = "udp", .protocol = "udp-pickle",
  };
  LdRecordFields stack_only = {
    .time_us = 1733430000999999, .level = 55, .level_name = "alert", .logger = "root",
    .message = "only a stack", .stack = "Stack:\n  here", .protocol = "otlp-json",
    .thread_id = -1, .process = -7, .line = G_MAXUINT32,
  };
  LdRecordFields plain = {
    .time_us = 253402300799999999, .level = 20, .level_name = "INFO", .logger = "ü.logger",
    .message = "far future", .peer = "[::1]:9020",
  };

  ld_batch_add (batch, &full);
  ld_batch_add_extra (batch, "user", -1, LD_VALUE_STRING, "zoë \"quoted\" \\ back", -1);
  ld_batch_add_extra (batch, "clé", -1, LD_VALUE_STRING, "värde 値", -1);
  ld_batch_add_extra (batch, "duration", -1, LD_VALUE_NUMBER, "0.125", -1);
  ld_batch_add_extra (batch, "tiny", -1, LD_VALUE_NUMBER, "-1.5e-7", -1);
  ld_batch_add_extra (batch, "huge", -1, LD_VALUE_NUMBER, "1.7976931348623157E+308", -1);
  ld_batch_add_extra (batch, "big", -1, LD_VALUE_NUMBER, "12345678901234567890123", -1);
  ld_batch_add_extra (batch, "negative", -1, LD_VALUE_NUMBER, "-9223372036854775808", -1);
  ld_batch_add_extra (batch, "ok", -1, LD_VALUE_BOOL, "false", -1);
  ld_batch_add_extra (batch, "yes", -1, LD_VALUE_BOOL, "true", -1);
  ld_batch_add_extra (batch, "nothing", -1, LD_VALUE_NULL, NULL, 0);
  ld_batch_add_extra (batch, "args", -1, LD_VALUE_JSON,
                      "[1,\"two\",{\"three\":3},null,true,[]]", -1);
  ld_batch_add_extra (batch, "nested", -1, LD_VALUE_JSON,
                      "{\"a\":{\"b\":[1.5,-2,{\"c\":\"ünï\"}]},"
                      "\"d\":null,\"e\":false,\"f\":{}}", -1);
  ld_batch_add (batch, &exception_only);
  ld_batch_add (batch, &stack_only);
  ld_batch_add_extra (batch, "path", -1, LD_VALUE_STRING, "/index.html", -1);
  ld_batch_add_extra (batch, "empty", -1, LD_VALUE_STRING, "", -1);
  ld_batch_add (batch, &plain);
  ld_batch_add_extra (batch, "zero", -1, LD_VALUE_NUMBER, "0", -1);
  ld_store_append_batch (store, batch);
}

/* A record without a level name has the one its number gives: JSON Lines
 * always has "level", and the window shows that name. */
static char *
level_name (const LdRecord *record)
{
  const char *name = record->level_name != LD_INTERN_NONE ? ld_intern_lookup (record->level_name)
                                                          : ld_level_canonical_name (record->level);

  return name != NULL ? g_strdup (name) : ld_level_display_name (record->level);
}

/* Every field of two records, the extras in order with their types; a
 * null's text is no part of it. */
static void
assert_same_record (const LdRecord *a,
                    const LdRecord *b)
{
  const guint32 *ids_a = &a->level_name, *ids_b = &b->level_name;
  const char *text_a, *text_b;
  gsize len_a, len_b;
  LdExtraIter iter_a, iter_b;
  guint32 key_a, key_b;
  LdValueType type_a, type_b;
  const char *value_a, *value_b;

  g_autofree char *level_a = level_name (a);
  g_autofree char *level_b = level_name (b);

  g_assert_cmpint (a->time_us, ==, b->time_us);
  g_assert_cmpint (a->thread_id, ==, b->thread_id);
  g_assert_cmpint (a->level, ==, b->level);
  g_assert_cmpstr (level_a, ==, level_b);
  /* logger to service: the interned strings, one id per text. */
  for (guint i = 1; i <= (guint) (&a->service - &a->level_name); i++)
    g_assert_cmpstr (ld_intern_lookup (ids_a[i]), ==, ld_intern_lookup (ids_b[i]));
  g_assert_cmpuint (a->line, ==, b->line);
  g_assert_cmpint (a->process, ==, b->process);

  text_a = ld_record_get_message (a, &len_a);
  text_b = ld_record_get_message (b, &len_b);
  g_assert_cmpmem (text_a, len_a, text_b, len_b);
  text_a = ld_record_get_exception (a, &len_a);
  text_b = ld_record_get_exception (b, &len_b);
  g_assert_cmpmem (text_a, len_a, text_b, len_b);
  text_a = ld_record_get_stack (a, &len_a);
  text_b = ld_record_get_stack (b, &len_b);
  g_assert_cmpmem (text_a, len_a, text_b, len_b);

  g_assert_cmpuint (ld_record_n_extras (a), ==, ld_record_n_extras (b));
  ld_extra_iter_init (&iter_a, a);
  ld_extra_iter_init (&iter_b, b);
  while (ld_extra_iter_next (&iter_a, &key_a, &type_a, &value_a, &len_a))
    {
      g_assert_true (ld_extra_iter_next (&iter_b, &key_b, &type_b, &value_b, &len_b));
      g_assert_cmpstr (ld_intern_lookup (key_a), ==, ld_intern_lookup (key_b));
      g_assert_cmpint (type_a, ==, type_b);
      if (type_a != LD_VALUE_NULL)
        g_assert_cmpmem (value_a, len_a, value_b, len_b);
    }
}

static void
on_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (ld_archive_load_finish (result, NULL, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

/* Opens an archive into a new store, as the Sessions dialog does. */
static LdStore *
open_archive (const char *path)
{
  LdStore *store = ld_store_new (0);
  gboolean done = FALSE;

  ld_archive_load_async (path, store, NULL, on_loaded, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);

  return store;
}

static void
archive_store (LdStore    *store,
               const char *path)
{
  g_autoptr(GError) error = NULL;
  LdArchiveWriter *writer = ld_archive_writer_new (store, path, &error);

  g_assert_no_error (error);
  ld_archive_writer_flush (writer);
  ld_archive_writer_free (writer);
}

/* Every column of every row but the sequence number, in order. */
static char *
archived_rows (const char *path)
{
  return query_one (path, "SELECT time_us, levelno, level, logger, message, thread, thread_id,"
                          " process, process_name, task, file, line, function, exception, stack,"
                          " connection, peer, protocol, host, service, trace_id, span_id, extra"
                          " FROM records ORDER BY seq");
}

static void
test_archive_jsonl_round_trip (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *jsonl = g_build_filename (f->dir, "session.jsonl", NULL);
  g_autofree char *again = g_build_filename (f->dir, "again.logdeck", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (jsonl);
  g_autoptr(LdStore) opened = NULL;
  g_autoptr(LdStore) imported = ld_store_new (0);
  g_autoptr(LdExportSnapshot) snapshot = NULL;
  g_autoptr(LdImport) import = NULL;
  g_autoptr(GPtrArray) batches = NULL;
  g_autofree char *rows = NULL;
  g_autofree char *rows_again = NULL;
  LdExportOptions options = { .format = LD_EXPORT_JSONL };
  guint n;

  fill_store_every_kind (f->store);
  n = ld_store_get_n_records (f->store);
  archive_store (f->store, f->path);

  /* Open, export as JSON Lines, import. */
  opened = open_archive (f->path);
  g_assert_cmpuint (ld_store_get_n_records (opened), ==, n);
  snapshot = ld_export_snapshot_new_from_store (opened, NULL, 0);
  g_assert_true (ld_export_to_file (snapshot, file, &options, NULL, &error));
  g_assert_no_error (error);
  import = ld_import_new_for_file (file);
  g_assert_true (ld_import_run (import, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ld_import_get_detected_format (import), ==, LD_IMPORT_FORMAT_JSON);
  g_assert_cmpuint (ld_import_get_n_bad (import), ==, 0);
  batches = ld_import_steal_batches (import);
  for (guint i = 0; i < batches->len; i++)
    ld_store_append_batch (imported, batches->pdata[i]);

  g_assert_cmpuint (ld_store_get_n_records (imported), ==, n);
  for (guint i = 0; i < n; i++)
    {
      assert_same_record (ld_store_get_record (f->store, i), ld_store_get_record (opened, i));
      assert_same_record (ld_store_get_record (f->store, i), ld_store_get_record (imported, i));
    }

  /* Archived again, the rows are the same rows. */
  archive_store (imported, again);
  rows = archived_rows (f->path);
  rows_again = archived_rows (again);
  g_assert_cmpstr (rows_again, ==, rows);
  g_assert_nonnull (strstr (rows, "Ärger in Zürich"));

  g_unlink (jsonl);
  {
    g_autofree char *wal = g_strconcat (again, "-wal", NULL);
    g_autofree char *shm = g_strconcat (again, "-shm", NULL);

    g_unlink (again);
    g_unlink (wal);
    g_unlink (shm);
  }
}

static void
append_messages (LdStore    *store,
                 const char *format,
                 guint       n)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *message = g_strdup_printf (format, i);
      LdRecordFields fields = { .time_us = 1000 + i, .level = 20, .message = message };

      ld_batch_add (batch, &fields);
    }
  ld_store_append_batch (store, batch);
}

/* Records marked as skipped before the store receives them are not
 * written, wherever they fall among slices and commits; the others are,
 * with their own sequence numbers, and only they are counted. */
static void
test_archive_writer_skips (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LdArchive) reader = NULL;
  g_autofree char *count = NULL;
  g_autofree char *skipped = NULL;
  g_autofree char *live = NULL;
  LdArchiveWriter *writer;
  LdArchiveWriterStatus status = { 0 };

  writer = ld_archive_writer_new (f->store, f->path, &error);
  g_assert_no_error (error);
  for (guint round = 0; round < 3; round++)
    {
      append_messages (f->store, "live %u", 3000);
      ld_archive_writer_skip (writer, ld_store_get_n_received (f->store), 5000);
      append_messages (f->store, "opened %u", 5000);
      ld_archive_writer_notify (writer);
    }
  /* Two ranges that touch are one. */
  ld_archive_writer_skip (writer, ld_store_get_n_received (f->store), 10);
  ld_archive_writer_skip (writer, ld_store_get_n_received (f->store) + 10, 10);
  append_messages (f->store, "opened %u", 20);
  append_messages (f->store, "live %u", 7);
  ld_archive_writer_flush (writer);
  ld_archive_writer_get_status (writer, &status);
  g_assert_cmpuint (status.n_written, ==, 9007);
  g_assert_cmpuint (status.n_missed, ==, 0);
  ld_archive_writer_status_clear (&status);
  ld_archive_writer_free (writer);

  reader = ld_archive_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ld_archive_get_n_records (reader), ==, 9007);
  count = ld_archive_get_meta (reader, "records");
  g_assert_cmpstr (count, ==, "9007");
  skipped = query_one (f->path, "SELECT count (*) FROM records WHERE message LIKE 'opened%'");
  g_assert_cmpstr (skipped, ==, "0\n");
  live = query_one (f->path, "SELECT min (seq), max (seq) FROM records WHERE seq > 3000");
  g_assert_cmpstr (live, ==, "8000|24026\n");
}

/* An archive of more slices than the loader's readers, with a gap in its
 * sequence numbers wider than a slice, opens whole and in order. */
static void
test_archive_load_in_order (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LdStore) opened = NULL;
  LdArchiveWriter *writer;

  writer = ld_archive_writer_new (f->store, f->path, &error);
  g_assert_no_error (error);
  append_messages (f->store, "first %06u", 70000);
  ld_archive_writer_skip (writer, ld_store_get_n_received (f->store), 50000);
  append_messages (f->store, "opened %u", 50000);
  append_messages (f->store, "then %06u", 30001);
  ld_archive_writer_notify (writer);
  ld_archive_writer_flush (writer);
  ld_archive_writer_free (writer);

  opened = open_archive (f->path);
  g_assert_cmpuint (ld_store_get_n_records (opened), ==, 100001);
  for (guint i = 0; i < 100001; i++)
    {
      g_autofree char *expected = i < 70000 ? g_strdup_printf ("first %06u", i)
                                            : g_strdup_printf ("then %06u", i - 70000);
      gsize length;
      const char *message = ld_record_get_message (ld_store_get_record (opened, i), &length);

      g_assert_cmpmem (message, length, expected, strlen (expected));
    }
}

/* The sources are listed once each, in the order they came. */
static void
test_archive_writer_sources (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LdArchive) reader = NULL;
  g_autofree char *sources = NULL;
  LdArchiveWriter *writer;

  writer = ld_archive_writer_new (f->store, f->path, &error);
  g_assert_no_error (error);
  ld_archive_writer_add_source (writer, "tcp-pickle 127.0.0.1:9020");
  ld_archive_writer_add_source (writer, "otlp 127.0.0.1:4318");
  ld_archive_writer_add_source (writer, "tcp-pickle 127.0.0.1:9020");
  ld_archive_writer_add_source (writer, "file app.log");
  ld_archive_writer_free (writer);

  reader = ld_archive_open (f->path, &error);
  g_assert_no_error (error);
  sources = ld_archive_get_meta (reader, "sources");
  g_assert_cmpstr (sources, ==, "tcp-pickle 127.0.0.1:9020, otlp 127.0.0.1:4318, file app.log");
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
  g_test_add ("/archive/jsonl-round-trip", Fixture, NULL,
              fixture_set_up, test_archive_jsonl_round_trip, fixture_tear_down);
  g_test_add ("/archive/writer-skips", Fixture, NULL,
              fixture_set_up, test_archive_writer_skips, fixture_tear_down);
  g_test_add ("/archive/load-in-order", Fixture, NULL,
              fixture_set_up, test_archive_load_in_order, fixture_tear_down);
  g_test_add ("/archive/writer-sources", Fixture, NULL,
              fixture_set_up, test_archive_writer_sources, fixture_tear_down);

  return g_test_run ();
}
