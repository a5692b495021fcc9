// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

#include "ld-record.h"

G_BEGIN_DECLS

/* A session's archive: one SQLite file that keeps every record, readable by
 * Logdeck and by any SQLite tool (see the README's "The archive"). One
 * thread uses an LdArchive at a time. */

#define LD_ARCHIVE_SCHEMA_VERSION 1

#define LD_ARCHIVE_ERROR (ld_archive_error_quark ())

typedef enum
{
  LD_ARCHIVE_ERROR_FAILED,
  LD_ARCHIVE_ERROR_NOT_AN_ARCHIVE,  /* a file that is not a Logdeck archive */
  LD_ARCHIVE_ERROR_NEWER,           /* written by a newer Logdeck */
  LD_ARCHIVE_ERROR_CORRUPT,         /* damaged: what could be read was read */
  LD_ARCHIVE_ERROR_FULL,            /* the disk is full: nothing was lost yet */
} LdArchiveError;

typedef struct _LdArchive LdArchive;

GQuark      ld_archive_error_quark    (void);

LdArchive  *ld_archive_create         (const char      *path,
                                       GError         **error);
LdArchive  *ld_archive_open           (const char      *path,
                                       GError         **error);
void        ld_archive_free           (LdArchive       *self);

gboolean    ld_archive_set_meta       (LdArchive       *self,
                                       const char      *key,
                                       const char      *value,
                                       GError         **error);
char       *ld_archive_get_meta       (LdArchive       *self,
                                       const char      *key);
gboolean    ld_archive_copy           (const char      *path,
                                       const char      *dest,
                                       GError         **error);
gboolean    ld_archive_write_meta     (const char      *path,
                                       const char      *key,
                                       const char      *value,
                                       GError         **error);

gboolean    ld_archive_set_mark       (LdArchive       *self,
                                       guint64          seq,
                                       gboolean         marked,
                                       GError         **error);
void        ld_archive_get_mark_ordinals (LdArchive    *self,
                                       GArray          *ordinals);
gboolean    ld_archive_get_marked_seqs (LdArchive     *self,
                                       GArray          *seqs,
                                       GError         **error);
gboolean    ld_archive_begin          (LdArchive       *self,
                                       GError         **error);
gboolean    ld_archive_add            (LdArchive       *self,
                                       guint64          seq,
                                       const LdRecord  *record,
                                       GError         **error);
gboolean    ld_archive_commit         (LdArchive       *self,
                                       GError         **error);
void        ld_archive_rollback       (LdArchive       *self);
gboolean    ld_archive_index          (LdArchive       *self,
                                       guint            max_records,
                                       guint           *n_indexed,
                                       GError         **error);

guint64     ld_archive_get_n_records  (LdArchive       *self);
gboolean    ld_archive_read           (LdArchive       *self,
                                       guint64          from_seq,
                                       guint            max_records,
                                       LdBatch         *batch,
                                       guint64         *next_seq,
                                       GError         **error);
gboolean    ld_archive_read_range     (LdArchive       *self,
                                       guint64          from_seq,
                                       guint64          to_seq,
                                       LdBatch         *batch,
                                       GError         **error);
gboolean    ld_archive_get_seq_range  (LdArchive       *self,
                                       guint64         *first_seq,
                                       guint64         *end_seq);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LdArchive, ld_archive_free)

G_END_DECLS
