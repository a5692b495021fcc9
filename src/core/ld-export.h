// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "ld-log-format.h"
#include "ld-record.h"
#include "ld-store.h"

G_BEGIN_DECLS

/* Export of records to a file or stream: canonical JSON Lines, CSV, or text
 * through a Python logging format string, from a snapshot taken on the UI
 * thread and written on a worker thread. */

#define LD_EXPORT_ERROR (ld_export_error_quark ())

typedef enum
{
  LD_EXPORT_ERROR_BAD_FORMAT,   /* the log format string cannot be used */
  LD_EXPORT_ERROR_BAD_COLUMN,   /* a CSV column id is not one of ld_export_get_column_ids() */
} LdExportError;

typedef enum
{
  LD_EXPORT_JSONL,
  LD_EXPORT_CSV,
  LD_EXPORT_TEXT,
} LdExportFormat;

typedef struct
{
  LdExportFormat      format;

  /* CSV: the columns, as ids from ld_export_get_column_ids(), %NULL for all
   * of them; then one column for each extra field named in extra_keys. */
  const char * const *columns;
  const char * const *extra_keys;

  /* Text: a logging format string (%NULL: LD_EXPORT_DEFAULT_LOG_FORMAT), its
   * style, the datefmt for asctime (%NULL: logging's "%Y-%m-%d %H:%M:%S"
   * plus ",mmm") and whether asctime is in UTC (time.gmtime) rather than in
   * local time as logging's default converter (time.localtime) has it. */
  const char         *log_format;
  LdLogStyle          style;
  const char         *datefmt;
  gboolean            utc;

  /* CSV: write cells as they are. By default a text cell that starts with
   * "=", "+", "-", "@", a tab or a CR gets a "'" in front (OWASP's advice
   * against CSV injection), so that a spreadsheet shows it rather than
   * runs it as a formula. */
  gboolean            csv_raw;

  /* CSV and text: write control characters as they are. By default those a
   * terminal acts on are written as "\x1b" and the like (see LdEscape),
   * keeping tabs and line ends. */
  gboolean            keep_control_chars;
} LdExportOptions;

/* A consistent copy of records to export: the record structs and their text,
 * so that it stays whole while the store goes on receiving and evicting. */
typedef struct _LdExportSnapshot LdExportSnapshot;

GQuark              ld_export_error_quark                (void);
gboolean            ld_export_record_is_internal         (const LdRecord        *record);
const char * const *ld_export_get_column_ids             (void);
LdExportFormat      ld_export_format_for_file            (GFile                 *file);
gboolean            ld_export_options_check              (const LdExportOptions *options,
                                                          GError               **error);

LdExportSnapshot   *ld_export_snapshot_new               (void);
LdExportSnapshot   *ld_export_snapshot_new_from_store    (LdStore               *store,
                                                          const guint           *positions,
                                                          guint                  n_positions);
LdExportSnapshot   *ld_export_snapshot_ref               (LdExportSnapshot      *self);
void                ld_export_snapshot_unref             (LdExportSnapshot      *self);
void                ld_export_snapshot_add_record        (LdExportSnapshot      *self,
                                                          const LdRecord        *record,
                                                          const char            *text);
void                ld_export_snapshot_add_batch         (LdExportSnapshot      *self,
                                                          const LdBatch         *batch);
guint               ld_export_snapshot_get_n_records     (LdExportSnapshot      *self);
const LdRecord     *ld_export_snapshot_get_record        (LdExportSnapshot      *self,
                                                          guint                  index);
guint               ld_export_snapshot_get_n_written     (LdExportSnapshot      *self);

gboolean            ld_export_to_stream                  (LdExportSnapshot      *snapshot,
                                                          GOutputStream         *stream,
                                                          const LdExportOptions *options,
                                                          GCancellable          *cancellable,
                                                          GError               **error);
gboolean            ld_export_to_file                    (LdExportSnapshot      *snapshot,
                                                          GFile                 *file,
                                                          const LdExportOptions *options,
                                                          GCancellable          *cancellable,
                                                          GError               **error);
void                ld_export_async                      (LdExportSnapshot      *snapshot,
                                                          GFile                 *file,
                                                          const LdExportOptions *options,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
gboolean            ld_export_finish                     (GAsyncResult          *result,
                                                          GError               **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LdExportSnapshot, ld_export_snapshot_unref)

G_END_DECLS
