// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib-object.h>

#include "ld-record.h"

G_BEGIN_DECLS

/* The extra field a sender may set to name itself across connections. */
#define LD_SOURCE_TRACKER_ID_KEY   "connection_id"
/* Records a connection may send without saying who it is before the
 * tracker stops asking. */
#define LD_SOURCE_TRACKER_PATIENCE 64

#define LD_TYPE_SOURCE_TRACKER (ld_source_tracker_get_type ())

G_DECLARE_FINAL_TYPE (LdSourceTracker, ld_source_tracker, LD, SOURCE_TRACKER, GObject)

LdSourceTracker *ld_source_tracker_new                (void);
guint            ld_source_tracker_observe            (LdSourceTracker *self,
                                                       const LdRecord  *record,
                                                       LdBatch         *dividers);
void             ld_source_tracker_observe_batch      (LdSourceTracker *self,
                                                       const LdBatch   *batch,
                                                       LdBatch         *dividers);
void             ld_source_tracker_connection_closed  (LdSourceTracker *self,
                                                       guint32          connection);
guint            ld_source_tracker_get_source         (LdSourceTracker *self,
                                                       guint32          connection);
guint            ld_source_tracker_get_n_sources      (LdSourceTracker *self);
const guint32   *ld_source_tracker_get_connections    (LdSourceTracker *self,
                                                       guint            source,
                                                       guint           *n_connections);
const char      *ld_source_tracker_get_label          (LdSourceTracker *self,
                                                       guint            source);

G_END_DECLS
