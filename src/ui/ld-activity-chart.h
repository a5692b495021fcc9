// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gtk/gtk.h>

#include "ld-activity.h"

G_BEGIN_DECLS

/* The windows the chart offers, in seconds; 0 is the whole session. */
#define LD_ACTIVITY_CHART_SPAN_SESSION   0
#define LD_ACTIVITY_CHART_SPAN_1_MIN     60
#define LD_ACTIVITY_CHART_SPAN_5_MIN     300
#define LD_ACTIVITY_CHART_SPAN_15_MIN    900
#define LD_ACTIVITY_CHART_SPAN_60_MIN    3600

#define LD_TYPE_ACTIVITY_CHART (ld_activity_chart_get_type ())

G_DECLARE_FINAL_TYPE (LdActivityChart, ld_activity_chart, LD, ACTIVITY_CHART, GtkWidget)

GtkWidget  *ld_activity_chart_new                    (void);
LdActivity *ld_activity_chart_get_activity           (LdActivityChart *self);
void        ld_activity_chart_set_activity           (LdActivityChart *self,
                                                      LdActivity      *activity);
LdActivity *ld_activity_chart_get_filtered_activity  (LdActivityChart *self);
void        ld_activity_chart_set_filtered_activity  (LdActivityChart *self,
                                                      LdActivity      *activity);
gboolean    ld_activity_chart_get_filtered           (LdActivityChart *self);
void        ld_activity_chart_set_filtered           (LdActivityChart *self,
                                                      gboolean         filtered);
guint       ld_activity_chart_get_span               (LdActivityChart *self);
void        ld_activity_chart_set_span               (LdActivityChart *self,
                                                      guint            span);
gboolean    ld_activity_chart_get_following          (LdActivityChart *self);
void        ld_activity_chart_set_following          (LdActivityChart *self,
                                                      gboolean         following);
gint64      ld_activity_chart_get_end_time           (LdActivityChart *self);
void        ld_activity_chart_set_end_time           (LdActivityChart *self,
                                                      gint64           end_time);
gboolean    ld_activity_chart_get_selection          (LdActivityChart *self,
                                                      gint64          *from_us,
                                                      gint64          *to_us);
void        ld_activity_chart_set_selection          (LdActivityChart *self,
                                                      gint64           from_us,
                                                      gint64           to_us);
void        ld_activity_chart_clear_selection        (LdActivityChart *self);
gboolean    ld_activity_chart_get_column_at          (LdActivityChart *self,
                                                      double           x,
                                                      gint64          *from_us,
                                                      gint64          *to_us,
                                                      LdActivityBucket *bucket);

G_END_DECLS
