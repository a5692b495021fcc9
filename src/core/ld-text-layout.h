// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

#include "ld-record.h"

G_BEGIN_DECLS

/* Text logs written by Python's logging: a layout is a logging format string
 * ("%" or "{" style), a line starts a record when the layout reads it, and
 * the lines that do not continue the record before (more message, then the
 * exception, then the stack). Lines in, records in an LdBatch out; the
 * import reads files through this, and anything else that gets such text
 * can too. Text without a layout is a record per line. */

typedef struct _LdTextLayout LdTextLayout;
typedef struct _LdTextReader LdTextReader;

LdTextLayout   *ld_text_layout_new              (const char              *format,
                                                 GError                 **error);
LdTextLayout   *ld_text_layout_detect           (const char              *text,
                                                 gsize                    length,
                                                 gboolean                 complete);
void            ld_text_layout_free             (LdTextLayout            *self);
const char     *ld_text_layout_get_format       (const LdTextLayout      *self);

LdTextReader   *ld_text_reader_new              (LdTextLayout            *layout,
                                                 const LdRecordOrigin    *origin,
                                                 gboolean                 utc);
void            ld_text_reader_free             (LdTextReader            *self);
gboolean        ld_text_reader_add_line         (LdTextReader            *self,
                                                 LdBatch                 *batch,
                                                 const char              *line,
                                                 gsize                    length);
guint           ld_text_reader_add_text         (LdTextReader            *self,
                                                 LdBatch                 *batch,
                                                 const char              *text,
                                                 gsize                    length);
gboolean        ld_text_reader_has_pending      (LdTextReader            *self);
void            ld_text_reader_flush            (LdTextReader            *self,
                                                 LdBatch                 *batch);
gint64          ld_text_reader_get_last_time    (LdTextReader            *self);

gboolean        ld_text_add_plain_line          (LdBatch                 *batch,
                                                 const char              *line,
                                                 gsize                    length,
                                                 gint64                   time_us,
                                                 const LdRecordOrigin    *origin);

gboolean        ld_text_is_blank                (const char              *text,
                                                 gsize                    length);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LdTextLayout, ld_text_layout_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LdTextReader, ld_text_reader_free)

G_END_DECLS
