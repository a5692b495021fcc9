// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.archive"

/* The archive file: its schema, writing records in transactions, and
 * reading them back into batches.
 *
 * The table keeps raw numbers (µs since the epoch, interned strings as ids
 * into one side table); the view "records" shows what a person asks for with
 * sqlite3: ISO times, level names, texts. Extras are the JSON object a JSON
 * Lines export has under "extra", so SQLite's json_extract() reads them. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

#include "ld-archive.h"
#include "ld-archive-private.h"
#include "ld-json.h"
#include "ld-jsonl.h"

/* One thread uses an LdArchive at a time, so SQLite need not lock the
 * connection around every call: in its default serialized mode, reading
 * the 24 columns of a row took 24 mutex pairs, a third of the loader's
 * time. */
#define OPEN_FLAGS SQLITE_OPEN_NOMUTEX

/* "LDK1" at offset 68 of the file: `file` and Logdeck tell an archive apart
 * from any other SQLite database by it. */
#define ARCHIVE_APPLICATION_ID 0x4C444B31


static const char schema[] =
  "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
  "CREATE TABLE strings (id INTEGER PRIMARY KEY, text TEXT NOT NULL);"
  "CREATE TABLE record_data ("
  "  seq INTEGER PRIMARY KEY,"
  "  time_us INTEGER NOT NULL,"
  "  levelno INTEGER NOT NULL,"
  "  level_name INTEGER, logger INTEGER, thread INTEGER, thread_id INTEGER,"
  "  process INTEGER, process_name INTEGER, task INTEGER, file INTEGER,"
  "  line INTEGER, function INTEGER, connection INTEGER, peer INTEGER,"
  "  protocol INTEGER,"
  "  message TEXT NOT NULL, exception TEXT, stack TEXT, extra TEXT,"
  "  host INTEGER, service INTEGER, trace_id TEXT, span_id TEXT);"
  "CREATE TABLE marks (seq INTEGER PRIMARY KEY);"
  "CREATE VIRTUAL TABLE record_text USING fts5 (message, exception,"
  "  content = 'record_data', content_rowid = 'seq');"
  /* Floor division, so that times before 1970 print right too. */
  "CREATE VIEW records AS SELECT"
  "  r.seq AS seq,"
  "  strftime ('%Y-%m-%dT%H:%M:%S',"
  "            (r.time_us - ((r.time_us % 1000000) + 1000000) % 1000000) / 1000000,"
  "            'unixepoch')"
  "    || printf ('.%06dZ', ((r.time_us % 1000000) + 1000000) % 1000000) AS time,"
  "  coalesce (level_name.text, CASE r.levelno"
  "    WHEN 5 THEN 'TRACE' WHEN 10 THEN 'DEBUG' WHEN 20 THEN 'INFO'"
  "    WHEN 25 THEN 'NOTICE' WHEN 30 THEN 'WARNING' WHEN 40 THEN 'ERROR'"
  "    WHEN 50 THEN 'CRITICAL' WHEN 55 THEN 'ALERT' WHEN 60 THEN 'EMERGENCY'"
  "    ELSE 'Level ' || r.levelno END) AS level,"
  "  r.levelno AS levelno,"
  "  logger.text AS logger,"
  "  r.message AS message,"
  "  thread.text AS thread, r.thread_id AS thread_id,"
  "  r.process AS process, process_name.text AS process_name,"
  "  task.text AS task,"
  "  file.text AS file, r.line AS line, function.text AS function,"
  "  r.exception AS exception, r.stack AS stack,"
  "  connection.text AS connection, peer.text AS peer, protocol.text AS protocol,"
  "  host.text AS host, service.text AS service,"
  "  r.trace_id AS trace_id, r.span_id AS span_id,"
  "  r.extra AS extra,"
  "  r.time_us AS time_us"
  " FROM record_data AS r"
  "  LEFT JOIN strings AS level_name ON level_name.id = r.level_name"
  "  LEFT JOIN strings AS logger ON logger.id = r.logger"
  "  LEFT JOIN strings AS thread ON thread.id = r.thread"
  "  LEFT JOIN strings AS process_name ON process_name.id = r.process_name"
  "  LEFT JOIN strings AS task ON task.id = r.task"
  "  LEFT JOIN strings AS file ON file.id = r.file"
  "  LEFT JOIN strings AS function ON function.id = r.function"
  "  LEFT JOIN strings AS connection ON connection.id = r.connection"
  "  LEFT JOIN strings AS peer ON peer.id = r.peer"
  "  LEFT JOIN strings AS protocol ON protocol.id = r.protocol"
  "  LEFT JOIN strings AS host ON host.id = r.host"
  "  LEFT JOIN strings AS service ON service.id = r.service;";

/* The columns of record_data in the order they are bound and read. Host,
 * service and the trace context came later, at the end: a Logdeck that reads
 * columns by name and knows none of them still reads such a file right, so
 * the schema version stayed 1, and this one reads them as NULL from a file
 * that has none. */
enum
{
  COL_SEQ = 1, COL_TIME, COL_LEVELNO, COL_LEVEL_NAME, COL_LOGGER, COL_THREAD,
  COL_THREAD_ID, COL_PROCESS, COL_PROCESS_NAME, COL_TASK, COL_FILE, COL_LINE,
  COL_FUNCTION, COL_CONNECTION, COL_PEER, COL_PROTOCOL, COL_MESSAGE,
  COL_EXCEPTION, COL_STACK, COL_EXTRA, COL_HOST, COL_SERVICE, COL_TRACE_ID,
  COL_SPAN_ID,
};

G_DEFINE_QUARK (ld-archive-error-quark, ld_archive_error)

gboolean
_ld_archive_fail (LdArchive   *self,
                  int          rc,
                  const char  *what,
                  GError     **error)
{
  LdArchiveError code;

  switch (rc & 0xff)
    {
    case SQLITE_FULL: code = LD_ARCHIVE_ERROR_FULL; break;
    case SQLITE_CORRUPT: code = LD_ARCHIVE_ERROR_CORRUPT; break;
    case SQLITE_NOTADB: code = LD_ARCHIVE_ERROR_NOT_AN_ARCHIVE; break;
    default: code = LD_ARCHIVE_ERROR_FAILED; break;
    }

  g_set_error (error, LD_ARCHIVE_ERROR, code, "%s: %s (%s)", self->path, what,
               self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
  return FALSE;
}

static gboolean
exec (LdArchive   *self,
      const char  *sql,
      GError     **error)
{
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    return _ld_archive_fail (self, rc, sql, error);

  return TRUE;
}

gboolean
_ld_archive_prepare (LdArchive     *self,
                     const char    *sql,
                     sqlite3_stmt **stmt,
                     GError       **error)
{
  int rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL);

  if (rc != SQLITE_OK)
    return _ld_archive_fail (self, rc, "preparing a statement", error);

  return TRUE;
}

gint64
_ld_archive_pragma_int (LdArchive  *self,
                        const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value = -1;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);

  return value;
}

/* Whether record_data has @column: an archive written before host, service
 * and the trace context were columns has none of them. */
static gboolean
has_column (LdArchive  *self,
            const char *column)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM pragma_table_info ('record_data')"
                                          " WHERE name = '%s'", column);

  return _ld_archive_pragma_int (self, sql) > 0;
}

static LdArchive *
archive_new (const char *path)
{
  LdArchive *self = g_new0 (LdArchive, 1);

  self->path = g_strdup (path);
  self->string_ids = g_hash_table_new (NULL, NULL);
  self->next_string_id = 1;
  self->strings = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->strings, NULL);   /* id 0: absent */
  self->extra = g_string_sized_new (256);

  return self;
}

void
ld_archive_free (LdArchive *self)
{
  if (self == NULL)
    return;

  sqlite3_finalize (self->insert_record);
  sqlite3_finalize (self->insert_text);
  sqlite3_finalize (self->select_slice_end);
  sqlite3_finalize (self->insert_string);
  sqlite3_finalize (self->select_records);
  sqlite3_finalize (self->select_strings);
  sqlite3_close_v2 (self->db);
  g_hash_table_unref (self->string_ids);
  g_ptr_array_unref (self->strings);
  g_string_free (self->extra, TRUE);
  g_clear_pointer (&self->parser, ld_json_parser_free);
  g_free (self->path);
  g_free (self);
}

/**
 * ld_archive_create:
 * @path: a file that does not exist yet
 * @error: where to say why not
 *
 * Makes a new, empty archive. It is written in WAL mode with
 * `synchronous = NORMAL`: a commit survives the process being killed at
 * any moment; a power cut may lose the last commits, never the file.
 *
 * Returns: (transfer full) (nullable): the archive
 */
LdArchive *
ld_archive_create (const char  *path,
                   GError     **error)
{
  g_autoptr(LdArchive) self = archive_new (path);
  static const char *const suffixes[] = { "", "-wal", "-shm" };
  g_autofree char *header = NULL;
  int fd, rc;

  /* SQLite has no exclusive create: the empty file is made first, so that
   * a session never writes into an archive that is already there. */
  /* The records are other programs' logs: for the user's eyes only. */
  fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, LD_ARCHIVE_ERROR, LD_ARCHIVE_ERROR_FAILED,
                   "%s: cannot create the archive (%s)", path, g_strerror (saved_errno));
      return NULL;
    }
  close (fd);

  rc = sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | OPEN_FLAGS, NULL);
  if (rc != SQLITE_OK)
    {
      _ld_archive_fail (self, rc, "cannot create the archive", error);
      goto failed;
    }

  header = g_strdup_printf ("PRAGMA page_size = 16384;"
                            "PRAGMA application_id = %d;"
                            "PRAGMA user_version = %d;"
                            "PRAGMA journal_mode = WAL;"
                            "PRAGMA synchronous = NORMAL;"
                            "PRAGMA cache_size = -32768;"
                            "PRAGMA wal_autocheckpoint = 4096;",
                            ARCHIVE_APPLICATION_ID, LD_ARCHIVE_SCHEMA_VERSION);
  if (!exec (self, header, error)
      || !exec (self, "BEGIN", error)
      || !exec (self, schema, error)
      || !exec (self, "COMMIT", error))
    goto failed;

  if (!_ld_archive_prepare (self,
                "INSERT INTO record_data VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                &self->insert_record, error)
      || !_ld_archive_prepare (self,
                   "INSERT INTO record_text (rowid, message, exception)"
                   " SELECT seq, message, exception FROM record_data"
                   " WHERE seq BETWEEN ? AND ?",
                   &self->insert_text, error)
      || !_ld_archive_prepare (self,
                   "SELECT max (seq) FROM"
                   " (SELECT seq FROM record_data WHERE seq >= ? ORDER BY seq LIMIT ?)",
                   &self->select_slice_end, error)
      || !_ld_archive_prepare (self, "INSERT INTO strings (id, text) VALUES (?, ?)",
                   &self->insert_string, error))
    goto failed;

  return g_steal_pointer (&self);

failed:
  /* No half-made archive stays behind to be taken for a session. */
  g_clear_pointer (&self, ld_archive_free);
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      g_unlink (file);
    }
  return NULL;
}

/**
 * ld_archive_open:
 * @path: an archive
 * @error: where to say why not
 *
 * Opens an archive read-only, one that is being written by a running
 * Logdeck or one left by a crash included.
 *
 * Returns: (transfer full) (nullable): the archive
 */
LdArchive *
ld_archive_open (const char  *path,
                 GError     **error)
{
  g_autoptr(LdArchive) self = archive_new (path);
  g_autofree char *select = NULL;
  gint64 application_id, version;
  int rc;

  self->read_only = TRUE;
  rc = sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READONLY | OPEN_FLAGS, NULL);
  if (rc != SQLITE_OK)
    {
      _ld_archive_fail (self, rc, "cannot open the archive", error);
      return NULL;
    }

  application_id = _ld_archive_pragma_int (self, "PRAGMA application_id");
  if (application_id < 0)
    {
      g_set_error (error, LD_ARCHIVE_ERROR, LD_ARCHIVE_ERROR_NOT_AN_ARCHIVE,
                   "%s: not a SQLite database (%s)", path, sqlite3_errmsg (self->db));
      return NULL;
    }
  if (application_id != ARCHIVE_APPLICATION_ID)
    {
      g_set_error (error, LD_ARCHIVE_ERROR, LD_ARCHIVE_ERROR_NOT_AN_ARCHIVE,
                   "%s: a SQLite database, but not a Logdeck archive", path);
      return NULL;
    }

  version = _ld_archive_pragma_int (self, "PRAGMA user_version");
  if (version > LD_ARCHIVE_SCHEMA_VERSION)
    {
      g_set_error (error, LD_ARCHIVE_ERROR, LD_ARCHIVE_ERROR_NEWER,
                   "%s: written by a newer Logdeck (archive version %" G_GINT64_FORMAT
                   ", this one reads %d)", path, version, LD_ARCHIVE_SCHEMA_VERSION);
      return NULL;
    }

  select = g_strdup_printf ("SELECT seq, time_us, levelno, level_name, logger, thread,"
                            " thread_id, process, process_name, task, file, line, function,"
                            " connection, peer, protocol, message, exception, stack, extra, %s"
                            " FROM record_data WHERE seq >= ?1 AND seq < ?3"
                            " ORDER BY seq LIMIT ?2",
                            has_column (self, "host") ? "host, service, trace_id, span_id"
                                                      : "NULL, NULL, NULL, NULL");
  if (!_ld_archive_prepare (self, select, &self->select_records, error)
      || !_ld_archive_prepare (self, "SELECT id, text FROM strings WHERE id >= ? ORDER BY id",
                   &self->select_strings, error))
    return NULL;

  return g_steal_pointer (&self);
}

gboolean
ld_archive_set_meta (LdArchive   *self,
                     const char  *key,
                     const char  *value,
                     GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (self != NULL && !self->read_only, FALSE);

  if (!_ld_archive_prepare (self, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", &stmt, error))
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, value, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return _ld_archive_fail (self, rc, "writing the session's details", error);

  return TRUE;
}

/**
 * ld_archive_write_meta:
 * @path: an archive, closed or being written by a running Logdeck
 * @key: a meta key, such as "name"
 * @value: (nullable): its new value; %NULL removes the key
 * @error: where to say why not
 *
 * Changes one detail of a session's archive without reading its records:
 * how the Sessions dialog renames one. A writer holding the file is waited
 * for, as SQLite locks it only for the length of a commit.
 *
 * Returns: %FALSE on error
 */
gboolean
ld_archive_write_meta (const char  *path,
                       const char  *key,
                       const char  *value,
                       GError     **error)
{
  g_autoptr(LdArchive) self = archive_new (path);
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (path != NULL && key != NULL, FALSE);

  rc = sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | OPEN_FLAGS, NULL);
  if (rc != SQLITE_OK)
    return _ld_archive_fail (self, rc, "cannot open the archive", error);
  sqlite3_busy_timeout (self->db, 2000);
  if (_ld_archive_pragma_int (self, "PRAGMA application_id") != ARCHIVE_APPLICATION_ID)
    {
      g_set_error (error, LD_ARCHIVE_ERROR, LD_ARCHIVE_ERROR_NOT_AN_ARCHIVE,
                   "%s: not a Logdeck archive", path);
      return FALSE;
    }

  if (value != NULL)
    return ld_archive_set_meta (self, key, value, error);

  if (!_ld_archive_prepare (self, "DELETE FROM meta WHERE key = ?", &stmt, error))
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return _ld_archive_fail (self, rc, "writing the session's details", error);

  return TRUE;
}

/**
 * ld_archive_copy:
 * @path: an archive, closed, crashed or being written
 * @dest: a file that does not exist yet
 * @error: where to say why not
 *
 * Writes a copy of the archive as one self-contained file, what its
 * write-ahead log holds included: copying the file alone would miss the
 * last commits of a running or crashed session.
 *
 * Returns: %FALSE on error
 */
gboolean
ld_archive_copy (const char  *path,
                 const char  *dest,
                 GError     **error)
{
  g_autoptr(LdArchive) self = ld_archive_open (path, error);
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (self == NULL)
    return FALSE;
  if (!_ld_archive_prepare (self, "VACUUM INTO ?", &stmt, error))
    return FALSE;
  sqlite3_bind_text (stmt, 1, dest, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return _ld_archive_fail (self, rc, "copying the archive", error);

  return TRUE;
}

char *
ld_archive_get_meta (LdArchive  *self,
                     const char *key)
{
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  if (sqlite3_prepare_v2 (self->db, "SELECT value FROM meta WHERE key = ?", -1, &stmt, NULL)
      != SQLITE_OK)
    return NULL;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);

  return value;
}

gboolean
ld_archive_begin (LdArchive  *self,
                  GError    **error)
{
  g_return_val_if_fail (self != NULL && !self->read_only, FALSE);

  return exec (self, "BEGIN", error);
}

/* Failing, the transaction is rolled back: ld_archive_add() has then
 * failed too, and the caller tries the same records again later. */
gboolean
ld_archive_commit (LdArchive  *self,
                   GError    **error)
{
  int rc;

  g_return_val_if_fail (self != NULL && !self->read_only, FALSE);

  rc = sqlite3_exec (self->db, "COMMIT", NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    return TRUE;

  _ld_archive_fail (self, rc, "committing records", error);
  ld_archive_rollback (self);
  return FALSE;
}

/* Undoes the records added since ld_archive_begin(). */
void
ld_archive_rollback (LdArchive *self)
{
  g_return_if_fail (self != NULL && !self->read_only);

  if (sqlite3_get_autocommit (self->db) == 0)
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  /* Strings written in the failed transaction are gone with it. */
  g_hash_table_remove_all (self->string_ids);
  self->next_string_id = (guint32) _ld_archive_pragma_int (self, "SELECT coalesce (max (id), 0) + 1 FROM strings");
}

/* The id in the strings table of an interned string, written there the
 * first time it is seen. */
static gboolean
string_id (LdArchive  *self,
           guint32     interned,
           gint64     *id,
           GError    **error)
{
  gpointer found;
  int rc;

  if (interned == LD_INTERN_NONE)
    {
      *id = 0;
      return TRUE;
    }

  found = g_hash_table_lookup (self->string_ids, GUINT_TO_POINTER (interned));
  if (found != NULL)
    {
      *id = GPOINTER_TO_UINT (found);
      return TRUE;
    }

  sqlite3_bind_int64 (self->insert_string, 1, self->next_string_id);
  sqlite3_bind_text (self->insert_string, 2, ld_intern_lookup (interned), -1, SQLITE_STATIC);
  rc = sqlite3_step (self->insert_string);
  sqlite3_reset (self->insert_string);
  if (rc != SQLITE_DONE)
    return _ld_archive_fail (self, rc, "writing a string", error);

  *id = self->next_string_id;
  g_hash_table_insert (self->string_ids, GUINT_TO_POINTER (interned),
                       GUINT_TO_POINTER (self->next_string_id));
  self->next_string_id++;
  return TRUE;
}

static gboolean
bind_string (LdArchive  *self,
             int         column,
             guint32     interned,
             GError    **error)
{
  gint64 id = 0;

  if (!string_id (self, interned, &id, error))
    return FALSE;
  if (id == 0)
    sqlite3_bind_null (self->insert_record, column);
  else
    sqlite3_bind_int64 (self->insert_record, column, id);

  return TRUE;
}

static void
bind_text_or_null (sqlite3_stmt *stmt,
                   int           column,
                   const char   *text,
                   gsize         length)
{
  if (length == 0)
    sqlite3_bind_null (stmt, column);
  else
    sqlite3_bind_text64 (stmt, column, text, length, SQLITE_STATIC, SQLITE_UTF8);
}

/* The trace and span ids are extra fields under reserved keys in the record,
 * and columns of their own here. */
static void
bind_reserved_extra (sqlite3_stmt   *stmt,
                     int             column,
                     const LdRecord *record,
                     const char     *key)
{
  LdValueType type;
  const char *value = NULL;
  gsize length = 0;

  if (record->tail_len == 0 || !ld_record_get_extra (record, key, &type, &value, &length))
    length = 0;
  bind_text_or_null (stmt, column, value, length);
}

static void
bind_int_or_null (sqlite3_stmt *stmt,
                  int           column,
                  gint64        value)
{
  if (value == 0)
    sqlite3_bind_null (stmt, column);
  else
    sqlite3_bind_int64 (stmt, column, value);
}

/**
 * ld_archive_add:
 * @self: an archive made by ld_archive_create(), between begin and commit
 * @seq: the record's sequence number in its session
 * @record: the record, its text in place
 * @error: where to say why not
 *
 * Writes one record and its words for the full-text index.
 */
gboolean
ld_archive_add (LdArchive       *self,
                guint64          seq,
                const LdRecord  *record,
                GError         **error)
{
  sqlite3_stmt *stmt;
  const char *message, *exception, *stack;
  gsize message_len, exception_len, stack_len;
  int rc;

  g_return_val_if_fail (self != NULL && !self->read_only, FALSE);

  stmt = self->insert_record;
  message = ld_record_get_message (record, &message_len);
  exception = ld_record_get_exception (record, &exception_len);
  stack = ld_record_get_stack (record, &stack_len);

  sqlite3_bind_int64 (stmt, COL_SEQ, (sqlite3_int64) seq);
  sqlite3_bind_int64 (stmt, COL_TIME, record->time_us);
  sqlite3_bind_int (stmt, COL_LEVELNO, record->level);
  if (!bind_string (self, COL_LEVEL_NAME, record->level_name, error)
      || !bind_string (self, COL_LOGGER, record->logger, error)
      || !bind_string (self, COL_THREAD, record->thread, error)
      || !bind_string (self, COL_PROCESS_NAME, record->process_name, error)
      || !bind_string (self, COL_TASK, record->task, error)
      || !bind_string (self, COL_FILE, record->file, error)
      || !bind_string (self, COL_FUNCTION, record->function, error)
      || !bind_string (self, COL_CONNECTION, record->connection, error)
      || !bind_string (self, COL_PEER, record->peer, error)
      || !bind_string (self, COL_PROTOCOL, record->protocol, error)
      || !bind_string (self, COL_HOST, record->host, error)
      || !bind_string (self, COL_SERVICE, record->service, error))
    return FALSE;
  bind_reserved_extra (stmt, COL_TRACE_ID, record, LD_RECORD_TRACE_ID);
  bind_reserved_extra (stmt, COL_SPAN_ID, record, LD_RECORD_SPAN_ID);
  bind_int_or_null (stmt, COL_THREAD_ID, record->thread_id);
  bind_int_or_null (stmt, COL_PROCESS, record->process);
  bind_int_or_null (stmt, COL_LINE, record->line);
  sqlite3_bind_text64 (stmt, COL_MESSAGE, message, message_len, SQLITE_STATIC, SQLITE_UTF8);
  bind_text_or_null (stmt, COL_EXCEPTION, exception, exception_len);
  bind_text_or_null (stmt, COL_STACK, stack, stack_len);
  g_string_truncate (self->extra, 0);
  if (ld_jsonl_append_extra (self->extra, record))
    sqlite3_bind_text64 (stmt, COL_EXTRA, self->extra->str, self->extra->len,
                         SQLITE_STATIC, SQLITE_UTF8);
  else
    sqlite3_bind_null (stmt, COL_EXTRA);

  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _ld_archive_fail (self, rc, "writing a record", error);

  return TRUE;
}

/**
 * ld_archive_index:
 * @self: an archive made by ld_archive_create()
 * @max_records: how many records to index at most
 * @n_indexed: (out): how many were
 * @error: where to say why not
 *
 * Adds the words of records written but not indexed yet to the full-text
 * index, in their own transaction. Indexing costs twice what writing does,
 * so the writer does it when no records wait (see ld-archive-writer.c); the
 * meta key "indexed_to" says how far it got.
 */
gboolean
ld_archive_index (LdArchive  *self,
                  guint       max_records,
                  guint      *n_indexed,
                  GError    **error)
{
  sqlite3_stmt *stmt = self->insert_text;
  g_autofree char *indexed_to = NULL;
  gint64 last;
  int rc;

  g_return_val_if_fail (self != NULL && !self->read_only, FALSE);

  *n_indexed = 0;
  sqlite3_bind_int64 (self->select_slice_end, 1, (sqlite3_int64) self->indexed_to);
  sqlite3_bind_int64 (self->select_slice_end, 2, max_records);
  rc = sqlite3_step (self->select_slice_end);
  last = rc == SQLITE_ROW && sqlite3_column_type (self->select_slice_end, 0) != SQLITE_NULL
           ? sqlite3_column_int64 (self->select_slice_end, 0) : -1;
  sqlite3_reset (self->select_slice_end);
  if (rc != SQLITE_ROW)
    return _ld_archive_fail (self, rc, "finding records to index", error);
  if (last < 0)
    return TRUE;

  if (!ld_archive_begin (self, error))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) self->indexed_to);
  sqlite3_bind_int64 (stmt, 2, last);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _ld_archive_fail (self, rc, "indexing records' text", error);
      ld_archive_rollback (self);
      return FALSE;
    }
  *n_indexed = sqlite3_changes (self->db);
  indexed_to = g_strdup_printf ("%" G_GUINT64_FORMAT, (guint64) last + 1);
  if (!ld_archive_set_meta (self, "indexed_to", indexed_to, error))
    {
      ld_archive_rollback (self);
      return FALSE;
    }
  if (!ld_archive_commit (self, error))
    return FALSE;

  /* Only now: a slice whose commit failed is indexed again next time. */
  self->indexed_to = (guint64) last + 1;
  return TRUE;
}

guint64
ld_archive_get_n_records (LdArchive *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return MAX (_ld_archive_pragma_int (self, "SELECT count (*) FROM record_data"), 0);
}

/* Reading
 * ======= */

static gboolean
load_strings (LdArchive  *self,
              GError    **error)
{
  sqlite3_stmt *stmt = self->select_strings;
  int rc;

  sqlite3_bind_int64 (stmt, 1, self->strings->len);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      /* Ids are written in order from 1; a gap is a damaged file. */
      if (id != self->strings->len)
        break;
      g_ptr_array_add (self->strings, g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return _ld_archive_fail (self, rc, "reading strings", error);

  return TRUE;
}

static const char *
column_string (LdArchive    *self,
               sqlite3_stmt *stmt,
               int           column,
               gboolean     *missing)
{
  gint64 id = sqlite3_column_int64 (stmt, column - 1);

  if (id <= 0)
    return NULL;
  if (id >= self->strings->len)
    {
      *missing = TRUE;
      return NULL;
    }

  return g_ptr_array_index (self->strings, id);
}

static const char *
column_text (sqlite3_stmt *stmt,
             int           column,
             gsize        *length)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column - 1);

  *length = text != NULL ? (gsize) sqlite3_column_bytes (stmt, column - 1) : 0;
  return text;
}

/* The extras' JSON object back as the batch's extra fields. */
static void
add_extras (LdArchive  *self,
            LdBatch    *batch,
            const char *json,
            gsize       length)
{
  const LdJsonNode *root;
  g_autoptr(GString) value = NULL;
  gsize offset = 0;

  if (self->parser == NULL)
    self->parser = ld_json_parser_new ();
  root = ld_json_parser_parse (self->parser, json, length, &offset, NULL);
  if (root == NULL || root->kind != LD_JSON_OBJECT)
    {
      /* Kept as it was rather than lost. */
      ld_batch_add_extra (batch, "extra", -1, LD_VALUE_STRING, json, length);
      return;
    }

  for (const LdJsonNode *key = ld_json_object_first (root); key != NULL;
       key = ld_json_object_next (root, key))
    {
      const LdJsonNode *node = key + 1;

      switch (node->kind)
        {
        case LD_JSON_STRING:
          ld_batch_add_extra (batch, key->text, key->len, LD_VALUE_STRING, node->text, node->len);
          break;
        case LD_JSON_NUMBER:
          ld_batch_add_extra (batch, key->text, key->len, LD_VALUE_NUMBER, node->text, node->len);
          break;
        case LD_JSON_TRUE:
          ld_batch_add_extra (batch, key->text, key->len, LD_VALUE_BOOL, "true", 4);
          break;
        case LD_JSON_FALSE:
          ld_batch_add_extra (batch, key->text, key->len, LD_VALUE_BOOL, "false", 5);
          break;
        case LD_JSON_NULL:
          ld_batch_add_extra (batch, key->text, key->len, LD_VALUE_NULL, "null", 4);
          break;
        default:
          if (value == NULL)
            value = g_string_new (NULL);
          g_string_truncate (value, 0);
          ld_json_node_to_json (node, value);
          ld_batch_add_extra (batch, key->text, key->len, LD_VALUE_JSON, value->str, value->len);
          break;
        }
    }
}

/* One row of the select_records columns (in COL_ order, from COL_SEQ) as
 * a record added to @batch. A string id this connection has not read yet,
 * one written after the read began, adds nothing and returns %FALSE, for
 * the caller to read the strings again; once they were (@reloaded), such
 * an id is a damaged file's, and the field is left out. */
static gboolean
decode_row (LdArchive    *self,
            sqlite3_stmt *stmt,
            gboolean      reloaded,
            LdBatch      *batch)
{
  LdRecordFields fields = { 0 };
  const char *exception, *stack, *extra;
  gsize exception_len, stack_len, extra_len, message_len;
  gboolean missing = FALSE;

  fields.time_us = sqlite3_column_int64 (stmt, COL_TIME - 1);
  fields.level = sqlite3_column_int (stmt, COL_LEVELNO - 1);
  fields.level_name = column_string (self, stmt, COL_LEVEL_NAME, &missing);
  fields.logger = column_string (self, stmt, COL_LOGGER, &missing);
  fields.thread = column_string (self, stmt, COL_THREAD, &missing);
  fields.thread_id = sqlite3_column_int64 (stmt, COL_THREAD_ID - 1);
  fields.process = sqlite3_column_int64 (stmt, COL_PROCESS - 1);
  fields.process_name = column_string (self, stmt, COL_PROCESS_NAME, &missing);
  fields.task = column_string (self, stmt, COL_TASK, &missing);
  fields.file = column_string (self, stmt, COL_FILE, &missing);
  fields.line = (guint) sqlite3_column_int64 (stmt, COL_LINE - 1);
  fields.function = column_string (self, stmt, COL_FUNCTION, &missing);
  fields.connection = column_string (self, stmt, COL_CONNECTION, &missing);
  fields.peer = column_string (self, stmt, COL_PEER, &missing);
  fields.protocol = column_string (self, stmt, COL_PROTOCOL, &missing);
  fields.host = column_string (self, stmt, COL_HOST, &missing);
  fields.service = column_string (self, stmt, COL_SERVICE, &missing);
  if (missing && !reloaded)
    return FALSE;
  fields.trace_id = (const char *) sqlite3_column_text (stmt, COL_TRACE_ID - 1);
  fields.span_id = (const char *) sqlite3_column_text (stmt, COL_SPAN_ID - 1);

  fields.message = column_text (stmt, COL_MESSAGE, &message_len);
  fields.message_len = message_len;
  if (fields.message == NULL)
    fields.message = "";
  exception = column_text (stmt, COL_EXCEPTION, &exception_len);
  stack = column_text (stmt, COL_STACK, &stack_len);
  fields.exception = exception_len > 0 ? exception : NULL;
  fields.stack = stack_len > 0 ? stack : NULL;
  ld_batch_add (batch, &fields);

  /* Most records have no extras: no JSON is parsed for them. */
  extra = column_text (stmt, COL_EXTRA, &extra_len);
  if (extra_len > 0)
    add_extras (self, batch, extra, extra_len);

  return TRUE;
}

/* Reads records from @from_seq up to, not including, @to_seq, at most
 * @max_records of them. */
static gboolean
read_rows (LdArchive  *self,
           guint64     from_seq,
           guint64     to_seq,
           guint       max_records,
           LdBatch    *batch,
           guint64    *next_seq,
           GError    **error)
{
  sqlite3_stmt *stmt = self->select_records;
  gboolean reloaded = FALSE;
  guint added = 0;
  int rc;

  *next_seq = from_seq;
  if (!load_strings (self, error))
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) MIN (from_seq, (guint64) G_MAXINT64));
  sqlite3_bind_int64 (stmt, 2, max_records);
  sqlite3_bind_int64 (stmt, 3, (sqlite3_int64) MIN (to_seq, (guint64) G_MAXINT64));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (!decode_row (self, stmt, reloaded, batch))
        {
          /* Read the new strings, and this row again. */
          sqlite3_reset (stmt);
          if (!load_strings (self, error))
            return FALSE;
          reloaded = TRUE;
          sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) *next_seq);
          sqlite3_bind_int64 (stmt, 2, max_records - added);
          continue;
        }
      added++;
      *next_seq = (guint64) sqlite3_column_int64 (stmt, COL_SEQ - 1) + 1;
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    return _ld_archive_fail (self, rc, "reading records", error);

  return TRUE;
}

/**
 * ld_archive_read:
 * @self: an archive opened by ld_archive_open()
 * @from_seq: the first sequence number wanted
 * @max_records: how many at most
 * @batch: where the records go
 * @next_seq: (out): the sequence number to read from next time
 * @error: where to say why not
 *
 * Reads records in the order they arrived. A damaged file gives the records
 * before the damage, then an %LD_ARCHIVE_ERROR_CORRUPT error.
 *
 * Returns: %FALSE on error; records read before it are in @batch
 */
gboolean
ld_archive_read (LdArchive  *self,
                 guint64     from_seq,
                 guint       max_records,
                 LdBatch    *batch,
                 guint64    *next_seq,
                 GError    **error)
{
  g_return_val_if_fail (self != NULL && self->read_only, FALSE);

  return read_rows (self, from_seq, G_MAXINT64, max_records, batch, next_seq, error);
}

/**
 * ld_archive_read_range:
 * @self: an archive opened by ld_archive_open()
 * @from_seq: the first sequence number wanted
 * @to_seq: the one after the last
 * @batch: where the records go
 * @error: where to say why not
 *
 * Reads the records numbered from @from_seq to @to_seq, in order: ranges
 * that follow each other may be read on threads of their own, each with its
 * own LdArchive. A damaged file gives the records before the damage.
 *
 * Returns: %FALSE on error; records read before it are in @batch
 */
gboolean
ld_archive_read_range (LdArchive  *self,
                       guint64     from_seq,
                       guint64     to_seq,
                       LdBatch    *batch,
                       GError    **error)
{
  guint64 next_seq;

  g_return_val_if_fail (self != NULL && self->read_only, FALSE);
  g_return_val_if_fail (to_seq >= from_seq && to_seq - from_seq <= G_MAXUINT, FALSE);

  return read_rows (self, from_seq, to_seq, (guint) (to_seq - from_seq), batch, &next_seq, error);
}

/**
 * ld_archive_get_seq_range:
 * @self: an archive
 * @first_seq: (out): the sequence number of the first record
 * @end_seq: (out): the one after the last record's; @first_seq if none
 *
 * Returns: %FALSE if the archive holds no record or cannot say
 */
gboolean
ld_archive_get_seq_range (LdArchive *self,
                          guint64   *first_seq,
                          guint64   *end_seq)
{
  gint64 first, last;

  g_return_val_if_fail (self != NULL, FALSE);

  first = _ld_archive_pragma_int (self, "SELECT min (seq) FROM record_data");
  last = _ld_archive_pragma_int (self, "SELECT max (seq) FROM record_data");
  *first_seq = *end_seq = MAX (first, 0);
  if (first < 0 || last < first)
    return FALSE;
  *end_seq = (guint64) last + 1;

  return TRUE;
}
