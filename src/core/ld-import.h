// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "ld-handoff.h"
#include "ld-record.h"

G_BEGIN_DECLS

/* Import of log files and streams: JSON Lines in any shape the JSON
 * normaliser knows (Logdeck's own export read back exactly), text written
 * by the common Python logging format strings, and captured SocketHandler
 * byte streams. A worker thread reads and decodes, and hands batches of
 * records on as the network listeners do. */

#define LD_IMPORT_ERROR (ld_import_error_quark ())

typedef enum
{
  LD_IMPORT_ERROR_BINARY,       /* binary data, not a log */
  LD_IMPORT_ERROR_BAD_FORMAT,   /* the log format string given cannot be read by */
} LdImportError;

typedef enum
{
  LD_IMPORT_FORMAT_AUTO,        /* detected from the first 64 KiB */
  LD_IMPORT_FORMAT_JSON,        /* JSON Lines, or one JSON document of records */
  LD_IMPORT_FORMAT_TEXT,        /* lines of a Python logging format string */
  LD_IMPORT_FORMAT_PICKLE,      /* 4-byte length + pickled LogRecord dict, as SocketHandler */
  LD_IMPORT_FORMAT_LINES,       /* text without a known layout: one record per line */
} LdImportFormat;

/* The logger of the records that stand for input that could not be read. */
#define LD_IMPORT_LOGGER "logdeck.import"

#define LD_TYPE_IMPORT (ld_import_get_type ())

G_DECLARE_FINAL_TYPE (LdImport, ld_import, LD, IMPORT, GObject)

GQuark          ld_import_error_quark           (void);

LdImport       *ld_import_new_for_file          (GFile                *file);
LdImport       *ld_import_new_for_stream        (GInputStream         *stream,
                                                 const char           *name);

void            ld_import_set_handoff           (LdImport             *self,
                                                 LdHandoff            *handoff);
void            ld_import_set_format            (LdImport             *self,
                                                 LdImportFormat        format);
gboolean        ld_import_set_log_format        (LdImport             *self,
                                                 const char           *log_format,
                                                 GError              **error);
void            ld_import_set_follow            (LdImport             *self,
                                                 gboolean              follow);
void            ld_import_set_utc               (LdImport             *self,
                                                 gboolean              utc);

gboolean        ld_import_run                   (LdImport             *self,
                                                 GCancellable         *cancellable,
                                                 GError              **error);
void            ld_import_run_async             (LdImport             *self,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
gboolean        ld_import_run_finish            (LdImport             *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);

const char     *ld_import_get_name              (LdImport             *self);
LdImportFormat  ld_import_get_detected_format   (LdImport             *self);
const char     *ld_import_get_layout            (LdImport             *self);
guint64         ld_import_get_bytes_read        (LdImport             *self);
guint64         ld_import_get_size              (LdImport             *self);
guint64         ld_import_get_n_records         (LdImport             *self);
guint64         ld_import_get_n_bad             (LdImport             *self);
GPtrArray      *ld_import_steal_batches         (LdImport             *self);

LdBatch        *ld_import_merge_by_time         (LdBatch *const       *batches,
                                                 guint                 n_batches);

G_END_DECLS
