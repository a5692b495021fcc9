// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib-object.h>

#include "ld-record.h"
#include "ld-store.h"

G_BEGIN_DECLS

/* The records a user marked, by sequence number: a mark outlives filter
 * changes and the eviction of other records, and a marked record that is
 * evicted stays marked for the archive and for export's count. */

#define LD_TYPE_MARKS (ld_marks_get_type ())

G_DECLARE_FINAL_TYPE (LdMarks, ld_marks, LD, MARKS, GObject)

LdMarks       *ld_marks_new            (void);
LdMarks       *ld_marks_for_store      (LdStore        *store);
gboolean       ld_marks_contains       (LdMarks        *self,
                                        guint64         seq);
void           ld_marks_set            (LdMarks        *self,
                                        guint64         seq,
                                        gboolean        marked);
gboolean       ld_marks_toggle         (LdMarks        *self,
                                        guint64         seq);
void           ld_marks_clear          (LdMarks        *self);
guint          ld_marks_get_n_marks    (LdMarks        *self);
const guint64 *ld_marks_get_seqs       (LdMarks        *self,
                                        guint          *n_seqs);
gboolean       ld_marks_next           (LdMarks        *self,
                                        guint64         seq,
                                        guint64        *next);
gboolean       ld_marks_previous       (LdMarks        *self,
                                        guint64         seq,
                                        guint64        *previous);
gboolean       ld_marks_record_seq     (LdStore        *store,
                                        const LdRecord *record,
                                        guint64        *seq);
gboolean       ld_marks_record_marked  (const LdRecord *record,
                                        gpointer        user_data);
void           ld_marks_set_store      (LdMarks        *self,
                                        LdStore        *store);

G_END_DECLS
