// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/* What the activity chart's two files share: its instance struct, the
 * geometry of what it shows (ld-activity-chart.c computes it from the
 * records' time) and the drawing (ld-activity-chart-draw.c). */

#include <adwaita.h>

#include "ld-activity-chart.h"

G_BEGIN_DECLS

#define MIN_COLUMN_PX  3
#define AXIS_HEIGHT    16
#define TOP_PAD        6
#define TICK_GAP_PX    90
#define MAX_TICKS      24
#define CLICK_SLOP_PX  3
/* The shortest window a short session is zoomed to. */
#define MIN_ZOOM_US    (60 * G_USEC_PER_SEC)

typedef struct
{
  gint64 start_us;          /* the window shown */
  gint64 end_us;
  double width;
  double bars_height;
  guint  column_seconds;
  gint64 first_column;      /* the second column 0 starts at */
  guint  n_columns;
} View;

typedef struct
{
  PangoLayout *layout;
  gint64       second;      /* the time it says, or G_MININT64 */
  guint        interval;    /* which format it was written in */
} Tick;

struct _LdActivityChart
{
  GtkWidget         parent_instance;

  LdActivity       *activity;
  LdActivity       *filtered_activity;
  gulong            activity_changed_id;
  gulong            filtered_changed_id;
  gboolean          filtered;
  guint             span;
  gboolean          following;
  gint64            end_time;

  View              view;          /* as last drawn */
  LdActivityBucket *columns;
  guint             columns_capacity;
  guint32           max;           /* of the columns as last drawn */

  guint             scroll_id;     /* the next live scrolling step */
  gulong            dark_id;

  gboolean          hovering;
  double            hover_x;
  gint64            hover_column;
  PangoLayout      *hover_layout;  /* what the hovered column holds */
  gint64            hover_from;    /* the column it was written for */
  gint64            hover_to;
  LdActivityBucket  hover_bucket;

  gboolean          has_selection;
  gint64            selection_from;
  gint64            selection_to;
  gint64            drag_anchor_us;
  double            drag_start_x;

  PangoLayout      *scale_layout;
  double            scale_value;
  guint             scale_unit;
  Tick              ticks[MAX_TICKS];
  GTimeZone        *time_zone;
};

static inline gint64
floor_div (gint64 value,
           gint64 divisor)
{
  gint64 quotient = value / divisor;

  return (value % divisor != 0 && value < 0) ? quotient - 1 : quotient;
}

static inline double
x_of (const View *view,
      gint64      time_us)
{
  return (double) (time_us - view->start_us) / (view->end_us - view->start_us) * view->width;
}

static inline gint64
time_at (const View *view,
         double      x)
{
  return view->start_us + (gint64) (x / MAX (1, view->width) * (view->end_us - view->start_us));
}

/* The column that holds @time_us, as an index that may be out of range. */
static inline gint64
column_index (const View *view,
              gint64      time_us)
{
  return floor_div (floor_div (time_us, G_USEC_PER_SEC) - view->first_column,
                    view->column_seconds);
}

static inline gint64
column_start_us (const View *view,
                 gint64      index)
{
  return (view->first_column + index * view->column_seconds) * G_USEC_PER_SEC;
}

guint       _ld_activity_chart_nice_interval   (double           seconds);
LdActivity *_ld_activity_chart_shown_activity  (LdActivityChart *self);
void        _ld_activity_chart_compute_view    (LdActivityChart *self,
                                                View            *view);
void        _ld_activity_chart_snapshot        (GtkWidget       *widget,
                                                GtkSnapshot     *snapshot);

G_END_DECLS
