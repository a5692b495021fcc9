// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "ld-connection-registry.h"
#include "ld-connection-stats.h"
#include "ld-source-tracker.h"

G_BEGIN_DECLS

#define LD_TYPE_CONNECTION_MONITOR (ld_connection_monitor_get_type ())

G_DECLARE_FINAL_TYPE (LdConnectionMonitor, ld_connection_monitor, LD, CONNECTION_MONITOR, AdwBin)

GtkWidget            *ld_connection_monitor_new                 (void);
LdConnectionRegistry *ld_connection_monitor_get_registry        (LdConnectionMonitor  *self);
void                  ld_connection_monitor_set_registry        (LdConnectionMonitor  *self,
                                                                 LdConnectionRegistry *registry);
LdConnectionStats    *ld_connection_monitor_get_stats           (LdConnectionMonitor  *self);
void                  ld_connection_monitor_set_stats           (LdConnectionMonitor  *self,
                                                                 LdConnectionStats    *stats);
LdSourceTracker      *ld_connection_monitor_get_source_tracker  (LdConnectionMonitor  *self);
void                  ld_connection_monitor_set_source_tracker  (LdConnectionMonitor  *self,
                                                                 LdSourceTracker      *tracker);
void                  ld_connection_monitor_clear_closed        (LdConnectionMonitor  *self);
GListModel           *ld_connection_monitor_get_model           (LdConnectionMonitor  *self);

G_END_DECLS
