// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

#include "ld-record.h"

G_BEGIN_DECLS

/* A compiled format string of Python's logging.Formatter, which renders
 * records as the sender's own log would show them: the text export writes
 * with one, and the import of text logs reads its fields and literals. */

/* The styles of logging.Formatter: "%(name)s", "{name}" and "${name}". */
typedef enum
{
  LD_LOG_STYLE_AUTO,      /* "{" if the format has a "{" and no "%(", else "%" */
  LD_LOG_STYLE_PERCENT,
  LD_LOG_STYLE_BRACE,
  LD_LOG_STYLE_DOLLAR,
} LdLogStyle;

/* The format of the text export when none is given: the logging HOWTO's. */
#define LD_EXPORT_DEFAULT_LOG_FORMAT "%(asctime)s - %(name)s - %(levelname)s - %(message)s"

typedef struct _LdLogFormat LdLogFormat;

LdLogFormat *ld_log_format_new          (const char         *format,
                                         LdLogStyle          style,
                                         const char         *datefmt,
                                         gboolean            utc,
                                         GError            **error);
void         ld_log_format_free         (LdLogFormat        *self);
void         ld_log_format_append       (LdLogFormat        *self,
                                         GString            *out,
                                         const LdRecord     *record,
                                         gint64              start_us);
guint        ld_log_format_get_n_fields (const LdLogFormat  *self);
const char  *ld_log_format_get_field    (const LdLogFormat  *self,
                                         guint               index,
                                         const char        **literal,
                                         gsize              *literal_len,
                                         int                *width);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LdLogFormat, ld_log_format_free)

G_END_DECLS
