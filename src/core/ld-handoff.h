// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

#include "ld-record.h"

G_BEGIN_DECLS

/* The hand-off between producers on any thread and the consumer (the UI
 * thread's store). It is the GLib form of the logging cookbook's Qt pattern,
 * where a handler emits a signal from any thread and a slot on the GUI thread
 * takes it: here producers push batches, and the consumer's main context is
 * woken once to take everything queued, at most once per interval. */

typedef struct _LdHandoff LdHandoff;

typedef void (*LdHandoffDrainFunc) (LdBatch *const *batches,
                                    guint           n_batches,
                                    gpointer        user_data);

#define LD_HANDOFF_FRAME_INTERVAL_US 16667

LdHandoff  *ld_handoff_new                (GMainContext         *context,
                                           LdHandoffDrainFunc    drain_func,
                                           gpointer              user_data,
                                           GDestroyNotify        destroy);
LdHandoff  *ld_handoff_ref                (LdHandoff            *self);
void        ld_handoff_unref              (LdHandoff            *self);
void        ld_handoff_shutdown           (LdHandoff            *self);
void        ld_handoff_set_min_interval   (LdHandoff            *self,
                                           gint64                interval_us);
void        ld_handoff_set_max_per_drain  (LdHandoff            *self,
                                           guint                 max_records);
void        ld_handoff_set_priority       (LdHandoff            *self,
                                           int                   priority);
void        ld_handoff_push_batch         (LdHandoff            *self,
                                           LdBatch              *batch);
void        ld_handoff_push_record        (LdHandoff            *self,
                                           const LdRecordFields *fields);
gboolean    ld_handoff_drain              (LdHandoff            *self);
void        ld_handoff_drain_all          (LdHandoff            *self);
guint64     ld_handoff_get_n_drains       (LdHandoff            *self);
guint       ld_handoff_get_n_pending      (LdHandoff            *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LdHandoff, ld_handoff_unref)

G_END_DECLS
