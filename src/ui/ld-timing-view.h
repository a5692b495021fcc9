// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "ld-activity-chart.h"
#include "ld-store.h"
#include "ld-timing.h"

G_BEGIN_DECLS

#define LD_TYPE_TIMING_VIEW (ld_timing_view_get_type ())

G_DECLARE_FINAL_TYPE (LdTimingView, ld_timing_view, LD, TIMING_VIEW, AdwBin)

GtkWidget *ld_timing_view_new              (LdTiming        *timing,
                                            LdStore         *store,
                                            LdActivityChart *activity_chart,
                                            GSettings       *settings);
void       ld_timing_view_edit_pattern     (LdTimingView    *self);

G_END_DECLS
