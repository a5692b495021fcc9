// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.archive"

#include "config.h"

#include "ld-archive-private.h"

/* The user's marks in the archive: one row of the marks table per marked
 * record, written by the session's writer and read back when a session is
 * opened or searched (is:marked). */

/**
 * ld_archive_set_mark:
 * @self: an archive open for writing
 * @seq: a record's sequence number
 * @marked: whether the user marked it, or took the mark off
 * @error: where to say why not
 *
 * Keeps the user's marks in the marks table, one row per marked record.
 */
gboolean
ld_archive_set_mark (LdArchive  *self,
                     guint64     seq,
                     gboolean    marked,
                     GError    **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (self != NULL && !self->read_only, FALSE);
  g_return_val_if_fail (seq <= G_MAXINT64, FALSE);

  if (!_ld_archive_prepare (self, marked ? "INSERT OR IGNORE INTO marks (seq) VALUES (?)"
                             : "DELETE FROM marks WHERE seq = ?", &stmt, error))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) seq);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return _ld_archive_fail (self, rc, "writing a mark", error);

  return TRUE;
}

/**
 * ld_archive_get_mark_ordinals:
 * @self: an archive open for reading
 * @ordinals: (element-type guint64): where to append, ascending, the place
 *   of each marked record among the archive's records (0 for its first)
 *
 * A store numbers the records it is given in its own sequence, so a mark is
 * handed on by the record's place among those read, not by the archive's
 * sequence number. An archive from before marks has no marks table: it has
 * no marks, which is not an error.
 */
void
ld_archive_get_mark_ordinals (LdArchive *self,
                              GArray    *ordinals)
{
  sqlite3_stmt *stmt = NULL;

  g_return_if_fail (self != NULL && ordinals != NULL);

  if (sqlite3_prepare_v2 (self->db,
                          "SELECT (SELECT count(*) FROM record_data AS r WHERE r.seq < m.seq)"
                          " FROM marks AS m JOIN record_data AS d ON d.seq = m.seq"
                          " ORDER BY m.seq", -1, &stmt, NULL) != SQLITE_OK)
    {
      sqlite3_finalize (stmt);
      return;
    }
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      guint64 ordinal = (guint64) sqlite3_column_int64 (stmt, 0);

      g_array_append_val (ordinals, ordinal);
    }
  sqlite3_finalize (stmt);
}

/**
 * ld_archive_get_marked_seqs:
 * @self: an archive open for reading
 * @seqs: (element-type guint64): where to append, ascending, the sequence
 *   number of each record the user marked
 * @error: where to say why not
 *
 * The marks table as it is, by the archive's own sequence numbers, for a
 * reader of the same archive (the search answers `is:marked` with it). A
 * mark of a record the archive does not hold, as of a past session's record
 * opened into the window, is listed too: no record is ever asked about it.
 * An archive from before marks has no marks table: it has no marks.
 *
 * Returns: %FALSE on error, with what was read before it in @seqs
 */
gboolean
ld_archive_get_marked_seqs (LdArchive  *self,
                            GArray     *seqs,
                            GError    **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (self != NULL && seqs != NULL, FALSE);

  if (_ld_archive_pragma_int (self, "SELECT count(*) FROM sqlite_master"
                        " WHERE type = 'table' AND name = 'marks'") == 0)
    return TRUE;

  rc = sqlite3_prepare_v2 (self->db, "SELECT seq FROM marks ORDER BY seq", -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      sqlite3_finalize (stmt);
      return _ld_archive_fail (self, rc, "reading the marks", error);
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      guint64 seq = (guint64) sqlite3_column_int64 (stmt, 0);

      g_array_append_val (seqs, seq);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return _ld_archive_fail (self, rc, "reading the marks", error);

  return TRUE;
}
