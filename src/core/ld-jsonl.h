// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

#include "ld-record.h"

G_BEGIN_DECLS

/* Canonical JSON Lines: one record as one line of JSON, the export schema of
 * ARCHITECTURE.md and the output of `logdeck --headless --output`. */

void  ld_jsonl_append_record  (GString        *out,
                               const LdRecord *record,
                               const char     *text);
void  ld_jsonl_append_batch   (GString        *out,
                               const LdBatch  *batch);
void  ld_jsonl_append_string  (GString        *out,
                               const char     *text,
                               gssize          length);
void  ld_jsonl_append_int     (GString        *out,
                               gint64          value);
void  ld_jsonl_append_time    (GString        *out,
                               gint64          time_us);

G_END_DECLS
