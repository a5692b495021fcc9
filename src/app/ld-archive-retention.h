// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The sessions folder: which archives it holds, what each says about
 * itself, and the limits that delete the oldest at start. */

typedef struct
{
  char     *path;
  char     *file_name;    /* what sorts them: the start time, then the pid */
  guint64   size;         /* the file with its write-ahead log */
  gint64    modified_us;  /* last written: when a session ended or crashed */
  /* Read from the archive by ld_archive_session_read_details(): */
  char     *name;         /* (nullable): given in the Sessions dialog */
  char     *started;      /* (nullable): ISO 8601 */
  char     *ended;        /* (nullable): no end is a crash, or still running */
  char     *sources;      /* (nullable) */
  guint64   n_records;
  GError   *error;        /* (nullable): why it cannot be read */
} LdArchiveSession;

typedef struct
{
  char *file_name;
  char *reason;           /* in words, for the Sessions dialog */
} LdArchiveRemoval;

GPtrArray *ld_archive_list_sessions             (const char        *dir);
void       ld_archive_session_read_details      (LdArchiveSession  *session);
void       ld_archive_session_free              (LdArchiveSession  *session);
gboolean   ld_archive_delete_session            (const char        *path,
                                                 GError           **error);

GPtrArray *ld_archive_retention_apply           (const char        *dir,
                                                 const char        *keep_path,
                                                 guint64            max_bytes,
                                                 guint              max_days,
                                                 gint64             now_us);
GPtrArray *ld_archive_retention_get_last        (void);
void       ld_archive_retention_set_last        (GPtrArray         *removals);
void       ld_archive_removal_free              (LdArchiveRemoval  *removal);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LdArchiveSession, ld_archive_session_free)

G_END_DECLS
