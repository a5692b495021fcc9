// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ld-store.h"

G_BEGIN_DECLS

/* The archive writer: a thread of its own that reads the store by sequence
 * number and appends what arrived to the session's archive, so that
 * ingest and the window never wait for the disk. */

typedef struct _LdArchiveWriter LdArchiveWriter;

typedef struct
{
  guint64   n_written;    /* records in the archive */
  guint64   n_missed;     /* records the store let go before they were written */
  gboolean  paused;       /* the disk is full or failing: archiving waits */
  char     *problem;      /* (nullable): why it is paused, or the last error */
} LdArchiveWriterStatus;

LdArchiveWriter *ld_archive_writer_new         (LdStore               *store,
                                                const char            *path,
                                                GError               **error);
void             ld_archive_writer_free        (LdArchiveWriter       *self);
void             ld_archive_writer_notify      (LdArchiveWriter       *self);
void             ld_archive_writer_flush       (LdArchiveWriter       *self);
void             ld_archive_writer_add_source  (LdArchiveWriter       *self,
                                                const char            *source);
void             ld_archive_writer_skip        (LdArchiveWriter       *self,
                                                guint64                from_seq,
                                                guint64                n_records);
void             ld_archive_writer_set_mark    (LdArchiveWriter       *self,
                                                guint64                seq,
                                                gboolean               marked);
void             ld_archive_writer_set_meta    (LdArchiveWriter       *self,
                                                const char            *key,
                                                const char            *value);
const char      *ld_archive_writer_get_path    (LdArchiveWriter       *self);
void             ld_archive_writer_get_status  (LdArchiveWriter       *self,
                                                LdArchiveWriterStatus *status);
void             ld_archive_writer_status_clear (LdArchiveWriterStatus *status);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LdArchiveWriter, ld_archive_writer_free)

G_END_DECLS
