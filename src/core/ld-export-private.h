// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ld-export.h"

G_BEGIN_DECLS

/* What ld-export.c (snapshots, and writing them out) shares with
 * ld-export-csv.c (the CSV rows) and ld-log-format-render.c: the state of
 * one export's record writer, and the lookup of an extra field. */

typedef struct
{
  LdExportFormat  format;
  GArray         *columns;      /* CSV: a column, or past the last the index of an extra key */
  GArray         *extra_keys;   /* guint32 interned names */
  LdLogFormat    *log_format;
  gint64          start_us;
  gboolean        csv_raw;
  gboolean        keep_control_chars;
  GString        *cell;         /* a cell's text before quoting */
  GString        *scratch;      /* what a cell is made from; text being escaped */
} LdExportWriter;

gboolean _ld_export_find_extra        (const LdRecord         *record,
                                       guint32                 key,
                                       LdValueType            *type,
                                       const char            **text,
                                       gsize                  *len);

gboolean _ld_export_csv_add_columns   (LdExportWriter         *writer,
                                       const LdExportOptions  *options,
                                       GError                **error);
void     _ld_export_csv_append_header (LdExportWriter         *writer,
                                       GString                *out);
void     _ld_export_csv_append_row    (LdExportWriter         *writer,
                                       GString                *out,
                                       const LdRecord         *record);

G_END_DECLS
