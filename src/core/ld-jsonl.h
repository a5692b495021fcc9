// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

#include "ld-record.h"

G_BEGIN_DECLS

/* Canonical JSON Lines: one record as one line of JSON, the export schema of
 * ARCHITECTURE.md and the output of `logdeck --headless --output`; and the
 * escaper of control characters that the text and CSV exports share. */

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

G_END_DECLS
