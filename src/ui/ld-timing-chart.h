// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gtk/gtk.h>

#include "ld-activity-chart.h"
#include "ld-timing.h"

G_BEGIN_DECLS

#define LD_TYPE_TIMING_CHART (ld_timing_chart_get_type ())

G_DECLARE_FINAL_TYPE (LdTimingChart, ld_timing_chart, LD, TIMING_CHART, GtkWidget)

GtkWidget *ld_timing_chart_new            (LdTiming        *timing,
                                           LdActivityChart *activity_chart);
char      *ld_timing_format_duration      (double           seconds);

G_END_DECLS
