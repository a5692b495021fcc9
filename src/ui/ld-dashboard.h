// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "ld-activity.h"
#include "ld-connection-registry.h"
#include "ld-connection-stats.h"
#include "ld-error-groups.h"
#include "ld-source-tracker.h"
#include "ld-store.h"
#include "ld-timing.h"

G_BEGIN_DECLS

#define LD_TYPE_DASHBOARD (ld_dashboard_get_type ())

G_DECLARE_FINAL_TYPE (LdDashboard, ld_dashboard, LD, DASHBOARD, AdwBin)

GtkWidget         *ld_dashboard_new                 (LdStore              *store,
                                                     GListModel           *filtered,
                                                     LdConnectionRegistry *registry,
                                                     GSettings            *settings);
GtkWidget         *ld_dashboard_get_content         (LdDashboard          *self);
void               ld_dashboard_set_content         (LdDashboard          *self,
                                                     GtkWidget            *content);
gboolean           ld_dashboard_get_show_views      (LdDashboard          *self);
void               ld_dashboard_set_show_views      (LdDashboard          *self,
                                                     gboolean              show_views);
const char        *ld_dashboard_get_visible_view    (LdDashboard          *self);
void               ld_dashboard_set_visible_view    (LdDashboard          *self,
                                                     const char           *name);
gboolean           ld_dashboard_get_show_chart      (LdDashboard          *self);
void               ld_dashboard_set_show_chart      (LdDashboard          *self,
                                                     gboolean              show_chart);
void               ld_dashboard_set_following       (LdDashboard          *self,
                                                     gboolean              following);
GtkWidget         *ld_dashboard_get_chart           (LdDashboard          *self);
LdActivity        *ld_dashboard_get_activity        (LdDashboard          *self,
                                                     gboolean              filtered);
LdErrorGroups     *ld_dashboard_get_error_groups    (LdDashboard          *self);
LdConnectionStats *ld_dashboard_get_connection_stats (LdDashboard         *self);
LdSourceTracker   *ld_dashboard_get_source_tracker  (LdDashboard          *self);
LdTiming          *ld_dashboard_get_timing          (LdDashboard          *self);

G_END_DECLS
