// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>

#include "ld-activity-chart-private.h"
#include "ld-timing-chart.h"

/* p50, p95 and p99 of the request durations per column, as three lines
 * over the window the activity chart shows: the same start, end and column
 * boundaries (whole multiples of a "nice" interval), so a slow minute sits
 * under its bars. Dragging across it selects that range in the activity
 * chart and filters the table as a drag there does. The vertical scale is
 * logarithmic: durations spread over decades, and a single slow request
 * should not flatten every other line. */

#define TIMING_COLUMN_PX 6
#define LABEL_WIDTH      56

struct _LdTimingChart
{
  GtkWidget        parent_instance;

  LdTiming        *timing;
  LdActivityChart *activity_chart;

  LdTimingColumn  *columns;
  guint            columns_capacity;
  gint64           start_us;        /* as last drawn */
  gint64           end_us;
  gint64           first_column;
  guint            column_seconds;
  double           plot_left;       /* where the time axis lies, in this widget */
  double           plot_width;

  double           drag_start_x;
  gint64           drag_anchor_us;
};

enum {
  RANGE_SELECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LdTimingChart, ld_timing_chart, GTK_TYPE_WIDGET)

#define RGB(r, g, b) { (r) / 255.f, (g) / 255.f, (b) / 255.f, 1.f }

/* p50, p95, p99: calm to alarming, in the palette of the level colours. */
static const GdkRGBA light_lines[3] = {
  RGB (0x1c, 0x71, 0xd8), RGB (0xc6, 0x46, 0x00), RGB (0xc0, 0x1c, 0x28),
};
static const GdkRGBA dark_lines[3] = {
  RGB (0x62, 0xa0, 0xea), RGB (0xff, 0xa3, 0x48), RGB (0xff, 0x7b, 0x63),
};

/**
 * ld_timing_format_duration:
 * @seconds: a duration
 *
 * Returns: (transfer full): @seconds in the unit that reads best: "850 µs",
 *   "12.3 ms", "1.25 s", "3 min 5 s"
 */
char *
ld_timing_format_duration (double seconds)
{
  if (seconds < 1e-3)
    return g_strdup_printf (_("%.0f µs"), seconds * 1e6);
  if (seconds < 1e-2)
    return g_strdup_printf (_("%.2f ms"), seconds * 1e3);
  if (seconds < 1)
    return g_strdup_printf (_("%.1f ms"), seconds * 1e3);
  if (seconds < 60)
    return g_strdup_printf (_("%.2f s"), seconds);
  return g_strdup_printf (_("%.0f min %.0f s"), floor (seconds / 60), fmod (seconds, 60));
}

/* Geometry */

/* The plot lies under the activity chart's bars, pixel for pixel, when
 * that chart is on screen and above this one: a time is at the same x in
 * both. Otherwise (the chart strip hidden in a narrow window) it takes the
 * width right of the scale labels. */
static void
place_plot (LdTimingChart *self)
{
  GtkWidget *chart = GTK_WIDGET (self->activity_chart);
  double width = gtk_widget_get_width (GTK_WIDGET (self));
  double chart_width = gtk_widget_get_width (chart);
  graphene_point_t origin;

  if (gtk_widget_get_mapped (chart) && chart_width > LABEL_WIDTH
      && gtk_widget_compute_point (chart, GTK_WIDGET (self), &GRAPHENE_POINT_INIT (0, 0), &origin)
      && origin.x >= 0 && origin.x + chart_width <= width + 1)
    {
      self->plot_left = origin.x;
      self->plot_width = chart_width;
    }
  else
    {
      self->plot_left = LABEL_WIDTH;
      self->plot_width = MAX (1, width - LABEL_WIDTH);
    }
}

static double
plot_width (LdTimingChart *self)
{
  return self->plot_width;
}

static double
x_of_time (LdTimingChart *self,
           gint64         time_us)
{
  return self->plot_left + (double) (time_us - self->start_us)
                          / MAX (1, self->end_us - self->start_us) * plot_width (self);
}

static gint64
time_at_x (LdTimingChart *self,
           double         x)
{
  return self->start_us + (gint64) ((x - self->plot_left) / plot_width (self)
                                    * (self->end_us - self->start_us));
}

/* Reads the columns of the window the activity chart shows now. */
static guint
read_columns (LdTimingChart *self,
              double        *max)
{
  View view = { 0 };
  guint n_columns;
  gint64 last_second;
  double span_s;

  place_plot (self);
  _ld_activity_chart_compute_view (self->activity_chart, &view);
  self->start_us = view.start_us;
  self->end_us = view.end_us;
  span_s = (view.end_us - view.start_us) / (double) G_USEC_PER_SEC;
  self->column_seconds =
    _ld_activity_chart_nice_interval (span_s / MAX (1, plot_width (self) / TIMING_COLUMN_PX));
  self->first_column = floor_div (floor_div (view.start_us, G_USEC_PER_SEC),
                                  self->column_seconds) * self->column_seconds;
  last_second = floor_div (view.end_us - 1, G_USEC_PER_SEC);
  n_columns = (guint) ((last_second - self->first_column) / self->column_seconds + 1);
  n_columns = MIN (n_columns, 4096);

  if (n_columns > self->columns_capacity)
    {
      self->columns = g_renew (LdTimingColumn, self->columns, n_columns);
      self->columns_capacity = n_columns;
    }
  *max = ld_timing_read_columns (self->timing, self->first_column, self->column_seconds,
                                 n_columns, self->columns);
  return n_columns;
}

/* Drawing */

static double
y_of (double seconds,
      double low,
      double high,
      double height)
{
  double fraction = (log10 (MAX (seconds, low)) - log10 (low)) / MAX (1e-9, log10 (high / low));

  return 4 + (1 - CLAMP (fraction, 0, 1)) * (height - 8);
}

static void
draw_scale (LdTimingChart *self,
            GtkSnapshot   *snapshot,
            double         low,
            double         high,
            double         height,
            const GdkRGBA *color)
{
  double values[2] = { low, high };
  GdkRGBA faint = *color;

  faint.alpha = 0.15f;
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *text = ld_timing_format_duration (values[i]);
      PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
      double y = y_of (values[i], low, high, height);
      int text_height;

      pango_layout_get_pixel_size (layout, NULL, &text_height);
      gtk_snapshot_save (snapshot);
      /* Inside the plot, as the activity chart writes its rate: the
       * highest under its line, the lowest above its own. */
      gtk_snapshot_translate (snapshot,
                              &GRAPHENE_POINT_INIT (self->plot_left + 4,
                                                    i == 1 ? y + 1 : y - text_height - 1));
      gtk_snapshot_append_layout (snapshot, layout, color);
      gtk_snapshot_restore (snapshot);
      gtk_snapshot_append_color (snapshot, &faint,
                                 &GRAPHENE_RECT_INIT (self->plot_left, y, plot_width (self), 1));
      g_object_unref (layout);
    }
}

static void
draw_line (LdTimingChart *self,
           cairo_t       *cr,
           guint          n_columns,
           guint          which,
           double         low,
           double         high,
           double         height)
{
  gboolean drawing = FALSE;

  for (guint c = 0; c < n_columns; c++)
    {
      const LdTimingColumn *column = &self->columns[c];
      double value = which == 0 ? column->p50 : which == 1 ? column->p95 : column->p99;
      gint64 start = (self->first_column + (gint64) c * self->column_seconds) * G_USEC_PER_SEC;
      double x = x_of_time (self, start + self->column_seconds * G_USEC_PER_SEC / 2);

      /* A column without durations breaks the line rather than dropping it
       * to zero: no requests is not fast requests. */
      if (column->count == 0)
        {
          drawing = FALSE;
          continue;
        }
      if (drawing)
        cairo_line_to (cr, x, y_of (value, low, high, height));
      else
        {
          cairo_move_to (cr, x, y_of (value, low, high, height));
          cairo_line_to (cr, x + 0.5, y_of (value, low, high, height));
        }
      drawing = TRUE;
    }
  cairo_stroke (cr);
}

static void
ld_timing_chart_snapshot (GtkWidget   *widget,
                          GtkSnapshot *snapshot)
{
  LdTimingChart *self = LD_TIMING_CHART (widget);
  double width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  const GdkRGBA *lines = adw_style_manager_get_dark (adw_style_manager_get_default ())
                         ? dark_lines : light_lines;
  double max = 0, low = G_MAXDOUBLE;
  guint n_columns;
  GdkRGBA foreground;
  cairo_t *cr;

  if (self->timing == NULL || self->activity_chart == NULL || width <= LABEL_WIDTH)
    return;

  n_columns = read_columns (self, &max);
  for (guint c = 0; c < n_columns; c++)
    if (self->columns[c].count > 0)
      low = MIN (low, self->columns[c].p50);
  if (max <= 0)
    return;
  low = MIN (low, max) / 1.5;
  max *= 1.5;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &foreground);
  G_GNUC_END_IGNORE_DEPRECATIONS
  foreground.alpha *= 0.6f;
  draw_scale (self, snapshot, low, max, height, &foreground);

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  cairo_rectangle (cr, self->plot_left, 0, plot_width (self), height);
  cairo_clip (cr);
  cairo_set_line_width (cr, 1.5);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (guint which = 0; which < 3; which++)
    {
      gdk_cairo_set_source_rgba (cr, &lines[which]);
      draw_line (self, cr, n_columns, which, low, max, height);
    }
  cairo_destroy (cr);
}

/* Dragging */

static void
on_drag_begin (LdTimingChart  *self,
               double          x,
               double          y,
               GtkGestureDrag *gesture)
{
  self->drag_start_x = x;
  self->drag_anchor_us = time_at_x (self, x);
}

/* A range covers the whole columns it crossed, as on the activity chart,
 * which shows it; a mere click does not filter. */
static void
on_drag_end (LdTimingChart  *self,
             double          offset_x,
             double          offset_y,
             GtkGestureDrag *gesture)
{
  gint64 other = time_at_x (self, self->drag_start_x + offset_x);
  gint64 from = MIN (self->drag_anchor_us, other), to = MAX (self->drag_anchor_us, other);
  gint64 column_us = (gint64) self->column_seconds * G_USEC_PER_SEC;

  if (fabs (offset_x) < CLICK_SLOP_PX || column_us == 0)
    return;

  from = floor_div (from, column_us) * column_us;
  to = (floor_div (to, column_us) + 1) * column_us;
  ld_activity_chart_set_selection (self->activity_chart, from, to);
  g_signal_emit (self, signals[RANGE_SELECTED], 0, from, to);
}

/* GtkWidget */

static void
ld_timing_chart_measure (GtkWidget      *widget,
                         GtkOrientation  orientation,
                         int             for_size,
                         int            *minimum,
                         int            *natural,
                         int            *minimum_baseline,
                         int            *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? LABEL_WIDTH + 60 : 60;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 480 : 120;
}

static void
ld_timing_chart_dispose (GObject *object)
{
  LdTimingChart *self = LD_TIMING_CHART (object);

  g_clear_object (&self->timing);
  g_clear_object (&self->activity_chart);

  G_OBJECT_CLASS (ld_timing_chart_parent_class)->dispose (object);
}

static void
ld_timing_chart_finalize (GObject *object)
{
  g_free (LD_TIMING_CHART (object)->columns);

  G_OBJECT_CLASS (ld_timing_chart_parent_class)->finalize (object);
}

static void
ld_timing_chart_class_init (LdTimingChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ld_timing_chart_dispose;
  object_class->finalize = ld_timing_chart_finalize;
  widget_class->measure = ld_timing_chart_measure;
  widget_class->snapshot = ld_timing_chart_snapshot;

  /**
   * LdTimingChart::range-selected:
   * @from_us: the start of the columns dragged across, µs since the epoch
   * @to_us: their end, excluded
   */
  signals[RANGE_SELECTED] =
    g_signal_new ("range-selected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_INT64);

  gtk_widget_class_set_css_name (widget_class, "timingchart");
}

static void
ld_timing_chart_init (LdTimingChart *self)
{
  GtkGesture *drag = gtk_gesture_drag_new ();

  g_signal_connect_swapped (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect_swapped (drag, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));
}

/**
 * ld_timing_chart_new:
 * @timing: the durations
 * @activity_chart: the chart whose window and columns this one follows
 *
 * Returns: (transfer full): the chart; it redraws when @timing changes or
 *   @activity_chart's window moves
 */
GtkWidget *
ld_timing_chart_new (LdTiming        *timing,
                     LdActivityChart *activity_chart)
{
  LdTimingChart *self;

  g_return_val_if_fail (LD_IS_TIMING (timing), NULL);
  g_return_val_if_fail (LD_IS_ACTIVITY_CHART (activity_chart), NULL);

  self = g_object_new (LD_TYPE_TIMING_CHART, NULL);
  self->timing = g_object_ref (timing);
  self->activity_chart = g_object_ref (activity_chart);
  g_signal_connect_object (timing, "changed", G_CALLBACK (gtk_widget_queue_draw), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (activity_chart, "notify", G_CALLBACK (gtk_widget_queue_draw), self,
                           G_CONNECT_SWAPPED);
  return GTK_WIDGET (self);
}
