// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

#include "ld-record.h"

G_BEGIN_DECLS

/* Canonical JSON Lines: one record as one line of JSON, the export schema of
 * ARCHITECTURE.md and the output of `logdeck --headless --output`, written
 * by ld-jsonl.c and read back by ld-jsonl-read.c; and the escaper of control
 * characters that the text and CSV exports share. */

/* How ld_jsonl_append_escaped() writes text for a terminal or a file: the
 * controls a terminal acts on (C0, DEL, and C1, U+0080 to U+009F, which
 * includes the 8-bit CSI) become "\x1b" and the like. */
typedef enum
{
  LD_ESCAPE_TEXT,   /* keeps TAB, LF and a CR before an LF: tracebacks keep their lines */
  LD_ESCAPE_LINE,   /* keeps TAB only: the text stays on one line */
} LdEscape;

void      ld_jsonl_append_record       (GString        *out,
                                        const LdRecord *record,
                                        const char     *text);
void      ld_jsonl_append_batch        (GString        *out,
                                        const LdBatch  *batch);
gboolean  ld_jsonl_append_extra        (GString        *out,
                                        const LdRecord *record);
void      ld_jsonl_append_string       (GString        *out,
                                        const char     *text,
                                        gssize          length);
void      ld_jsonl_append_escaped      (GString        *out,
                                        const char     *text,
                                        gssize          length,
                                        LdEscape        style);
gsize     ld_jsonl_find_escape         (const char     *text,
                                        gsize           length,
                                        LdEscape        style);
gboolean  ld_jsonl_is_portable_number  (const char     *text,
                                        gsize           length);
void      ld_jsonl_append_int          (GString        *out,
                                        gint64          value);
void      ld_jsonl_append_time         (GString        *out,
                                        gint64          time_us);

typedef struct _LdJsonlReader LdJsonlReader;

/* What ld_jsonl_reader_add_line() found on a line. */
typedef enum
{
  LD_JSONL_LINE_BLANK,    /* only whitespace: nothing to read */
  LD_JSONL_LINE_RECORD,   /* a line Logdeck wrote: its record was added */
  LD_JSONL_LINE_OTHER,    /* JSON of another shape, for ld_json_normalize() */
  LD_JSONL_LINE_BAD,      /* not JSON */
} LdJsonlLine;

LdJsonlReader *ld_jsonl_reader_new           (const LdRecordOrigin   *origin);
void           ld_jsonl_reader_free          (LdJsonlReader          *self);
LdJsonlLine    ld_jsonl_reader_add_line      (LdJsonlReader          *self,
                                              LdBatch                *batch,
                                              const char             *line,
                                              gsize                   length,
                                              GError                **error);
gint64         ld_jsonl_reader_get_last_time (LdJsonlReader          *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LdJsonlReader, ld_jsonl_reader_free)

G_END_DECLS
