// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>

#include "ld-activity-chart.h"

/* A strip chart of records per second, stacked by level in the level
 * colours, above the table.
 *
 * Every frame reads only as many counters as the chart has columns (a
 * column is at least MIN_COLUMN_PX wide and sums a "nice" number of
 * seconds), from LdActivity, into a buffer sized when the widget is: the
 * cost of a frame does not depend on how many records are stored, and
 * drawing allocates nothing of its own. Labels are cached layouts whose
 * text changes only when what they say does.
 *
 * Columns are aligned to multiples of their length in absolute time, so a
 * column keeps its sum while the chart scrolls, and the bars slide rather
 * than flicker. */

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

  guint             tick_id;
  gint64            last_scroll_step;
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

enum {
  PROP_0,
  PROP_ACTIVITY,
  PROP_FILTERED_ACTIVITY,
  PROP_FILTERED,
  PROP_SPAN,
  PROP_FOLLOWING,
  PROP_END_TIME,
  N_PROPS
};

enum {
  RANGE_SELECTED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LdActivityChart, ld_activity_chart, GTK_TYPE_WIDGET)

#define RGB(r, g, b) { (r) / 255.f, (g) / 255.f, (b) / 255.f, 1.f }

/* The level palette of style.css and style-dark.css, bottom of the stack
 * first: errors sit on the baseline, where a few are easy to compare. */
static const LdActivityBand stack_order[] = {
  LD_ACTIVITY_BAND_CRITICAL, LD_ACTIVITY_BAND_ERROR, LD_ACTIVITY_BAND_WARNING,
  LD_ACTIVITY_BAND_INFO, LD_ACTIVITY_BAND_DEBUG,
};

static const double min_heights[LD_ACTIVITY_N_BANDS] = {
  [LD_ACTIVITY_BAND_DEBUG] = 1,
  [LD_ACTIVITY_BAND_INFO] = 1,
  [LD_ACTIVITY_BAND_WARNING] = 2,
  [LD_ACTIVITY_BAND_ERROR] = 3,
  [LD_ACTIVITY_BAND_CRITICAL] = 3,
};

static const GdkRGBA light_palette[LD_ACTIVITY_N_BANDS] = {
  [LD_ACTIVITY_BAND_DEBUG] = RGB (0x9a, 0x99, 0x96),
  [LD_ACTIVITY_BAND_INFO] = RGB (0x1c, 0x71, 0xd8),
  [LD_ACTIVITY_BAND_WARNING] = RGB (0xc6, 0x46, 0x00),
  [LD_ACTIVITY_BAND_ERROR] = RGB (0xc0, 0x1c, 0x28),
  [LD_ACTIVITY_BAND_CRITICAL] = RGB (0x81, 0x3d, 0x9c),
};

static const GdkRGBA dark_palette[LD_ACTIVITY_N_BANDS] = {
  [LD_ACTIVITY_BAND_DEBUG] = RGB (0x77, 0x76, 0x7b),
  [LD_ACTIVITY_BAND_INFO] = RGB (0x62, 0xa0, 0xea),
  [LD_ACTIVITY_BAND_WARNING] = RGB (0xff, 0xa3, 0x48),
  [LD_ACTIVITY_BAND_ERROR] = RGB (0xff, 0x7b, 0x63),
  [LD_ACTIVITY_BAND_CRITICAL] = RGB (0x91, 0x41, 0xac),
};

static const GdkRGBA light_accent = RGB (0x1c, 0x71, 0xd8);
static const GdkRGBA dark_accent = RGB (0x78, 0xae, 0xed);

/* Seconds a column or a tick may stand for: past a day, whole days. */
static const guint nice_seconds[] = {
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
};

static gint64
floor_div (gint64 value,
           gint64 divisor)
{
  gint64 quotient = value / divisor;

  return (value % divisor != 0 && value < 0) ? quotient - 1 : quotient;
}

static guint
nice_interval (double seconds)
{
  for (guint i = 0; i < G_N_ELEMENTS (nice_seconds); i++)
    if (nice_seconds[i] >= seconds)
      return nice_seconds[i];

  return (guint) MIN (ceil (seconds / 86400) * 86400, (double) (G_MAXUINT / 2));
}

static LdActivity *
shown_activity (LdActivityChart *self)
{
  if (self->filtered && self->filtered_activity != NULL)
    return self->filtered_activity;

  return self->activity;
}

/* Geometry */

/* The window follows the records' own time, never the clock alone: "the
 * last N minutes" are those of the records when the newest is older than N
 * minutes (a file, a replay), and a session shorter than the span is
 * zoomed to, rather than drawn as a sliver at the right. While following
 * live records the window ends now; stopped, at the end time or the last
 * record. The session is that of every record, so that showing the
 * filtered series keeps the time axis where it was. */
static void
compute_window (LdActivityChart *self,
                View            *view)
{
  gint64 now = g_get_real_time ();
  gint64 first = 0, last = 0;
  gboolean any = self->activity != NULL
                 && ld_activity_get_time_range (self->activity, &first, &last);
  gint64 first_us = first * G_USEC_PER_SEC;
  gint64 last_end = any ? (last + 1) * G_USEC_PER_SEC : now;
  gint64 span_us = (gint64) self->span * G_USEC_PER_SEC;
  gboolean live = !any || last_end >= now - MAX (span_us, MIN_ZOOM_US);

  if (self->following)
    view->end_us = live ? MAX (now, last_end) : last_end;
  else
    view->end_us = self->end_time != 0 ? self->end_time : last_end;

  if (!any)
    view->start_us = view->end_us - (span_us != 0 ? span_us : MIN_ZOOM_US);
  else if (span_us == 0 || first_us > view->end_us - span_us)
    view->start_us = MIN (first_us, view->end_us - MIN_ZOOM_US);
  else
    view->start_us = view->end_us - span_us;

  if (view->end_us - view->start_us < G_USEC_PER_SEC)
    view->start_us = view->end_us - G_USEC_PER_SEC;
}

static void
compute_view (LdActivityChart *self,
              View            *view)
{
  double span_s;
  gint64 last_second;

  view->width = gtk_widget_get_width (GTK_WIDGET (self));
  view->bars_height = MAX (0, gtk_widget_get_height (GTK_WIDGET (self)) - AXIS_HEIGHT - TOP_PAD);
  compute_window (self, view);

  span_s = (view->end_us - view->start_us) / (double) G_USEC_PER_SEC;
  view->column_seconds = nice_interval (span_s / MAX (1, view->width / MIN_COLUMN_PX));
  view->first_column = floor_div (floor_div (view->start_us, G_USEC_PER_SEC),
                                  view->column_seconds) * view->column_seconds;
  last_second = floor_div (view->end_us - 1, G_USEC_PER_SEC);
  view->n_columns = (guint) ((last_second - view->first_column) / view->column_seconds + 1);
  view->n_columns = MIN (view->n_columns, self->columns_capacity);
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

/* Colours */

static gboolean
is_dark (void)
{
  return adw_style_manager_get_dark (adw_style_manager_get_default ());
}

static void
get_foreground (LdActivityChart *self,
                GdkRGBA         *color)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), color);
  G_GNUC_END_IGNORE_DEPRECATIONS
}

static GdkRGBA
with_alpha (const GdkRGBA *color,
            float          alpha)
{
  GdkRGBA result = *color;

  result.alpha *= alpha;
  return result;
}

/* The scale */

/* Rates read per second while a column is under a minute, per minute while
 * it is under an hour, and per hour beyond, so that the label is a number a
 * person can picture. */
static guint
rate_unit (guint column_seconds)
{
  if (column_seconds < 60)
    return 1;
  if (column_seconds < 3600)
    return 60;
  return 3600;
}

static double
nice_ceiling (double value)
{
  double magnitude;

  if (value <= 0)
    return 1;

  magnitude = pow (10, floor (log10 (value)));
  if (value <= magnitude)
    return magnitude;
  if (value <= 2 * magnitude)
    return 2 * magnitude;
  if (value <= 5 * magnitude)
    return 5 * magnitude;
  return 10 * magnitude;
}

static char *
format_rate (double value,
             guint  unit)
{
  g_autofree char *number = NULL;

  if (value >= 1000000)
    number = g_strdup_printf ("%gM", value / 1000000);
  else if (value >= 1000)
    number = g_strdup_printf ("%gk", value / 1000);
  else
    number = g_strdup_printf ("%g", value);

  if (unit == 1)
    /* Translators: a rate on the activity chart's scale, such as "500/s" */
    return g_strdup_printf (_("%s/s"), number);
  if (unit == 60)
    /* Translators: a rate on the activity chart's scale, such as "20/min" */
    return g_strdup_printf (_("%s/min"), number);
  /* Translators: a rate on the activity chart's scale, such as "3/h" */
  return g_strdup_printf (_("%s/h"), number);
}

static void
update_scale (LdActivityChart *self,
              const View      *view,
              guint32          max)
{
  guint unit = rate_unit (view->column_seconds);
  double value = nice_ceiling ((double) max * unit / view->column_seconds);
  g_autofree char *text = NULL;

  if (value == self->scale_value && unit == self->scale_unit)
    return;

  self->scale_value = value;
  self->scale_unit = unit;
  text = format_rate (value, unit);
  pango_layout_set_text (self->scale_layout, text, -1);
}

/* Drawing */

static void
snapshot_column (GtkSnapshot            *snapshot,
                 const View             *view,
                 const LdActivityBucket *column,
                 double                  x,
                 double                  width,
                 double                  per_record,
                 const GdkRGBA          *palette)
{
  double y = TOP_PAD + view->bars_height;

  for (guint i = 0; i < G_N_ELEMENTS (stack_order); i++)
    {
      guint32 count = column->counts[stack_order[i]];
      double height;

      if (count == 0)
        continue;

      /* One record still shows, and a lone error or warning more than
       * one debug line: colour is how they are found among thousands. */
      height = MAX (min_heights[stack_order[i]], count * per_record);
      gtk_snapshot_append_color (snapshot, &palette[stack_order[i]],
                                 &GRAPHENE_RECT_INIT (x, y - height, width, height));
      y -= height;
    }
}

static void
snapshot_bars (LdActivityChart *self,
               GtkSnapshot     *snapshot,
               const View      *view)
{
  const GdkRGBA *palette = is_dark () ? dark_palette : light_palette;
  double per_record = view->bars_height / (self->scale_value * view->column_seconds
                                           / self->scale_unit);
  double column_px = view->column_seconds * G_USEC_PER_SEC * view->width
                     / (view->end_us - view->start_us);
  double gap = column_px >= 5 ? 1 : 0;

  for (guint i = 0; i < view->n_columns; i++)
    {
      double x0 = x_of (view, column_start_us (view, i));
      double x1 = MIN (view->width, x0 + column_px - gap);

      x0 = MAX (0, x0);
      if (x1 > x0 && ld_activity_bucket_total (&self->columns[i]) > 0)
        snapshot_column (snapshot, view, &self->columns[i], x0, x1 - x0, per_record, palette);
    }
}

static void
snapshot_band (GtkSnapshot   *snapshot,
               const View    *view,
               gint64         from_us,
               gint64         to_us,
               const GdkRGBA *color)
{
  double x0 = MAX (0, x_of (view, from_us));
  double x1 = MIN (view->width, x_of (view, to_us));

  if (x1 > x0)
    gtk_snapshot_append_color (snapshot, color,
                               &GRAPHENE_RECT_INIT (x0, 0, x1 - x0,
                                                    TOP_PAD + view->bars_height));
}

static void
snapshot_selection (LdActivityChart *self,
                    GtkSnapshot     *snapshot,
                    const View      *view)
{
  const GdkRGBA *accent = is_dark () ? &dark_accent : &light_accent;
  GdkRGBA fill = with_alpha (accent, 0.22f);
  double height = TOP_PAD + view->bars_height;
  double x0 = x_of (view, self->selection_from);
  double x1 = x_of (view, self->selection_to);

  snapshot_band (snapshot, view, self->selection_from, self->selection_to, &fill);
  if (x0 >= 0 && x0 <= view->width)
    gtk_snapshot_append_color (snapshot, accent, &GRAPHENE_RECT_INIT (x0, 0, 1, height));
  if (x1 >= 0 && x1 <= view->width)
    gtk_snapshot_append_color (snapshot, accent, &GRAPHENE_RECT_INIT (x1 - 1, 0, 1, height));
}

static void
snapshot_layout (GtkSnapshot   *snapshot,
                 PangoLayout   *layout,
                 double         x,
                 double         y,
                 const GdkRGBA *color)
{
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

static void
snapshot_scale (LdActivityChart *self,
                GtkSnapshot     *snapshot,
                const View      *view,
                const GdkRGBA   *fg)
{
  GdkRGBA line = with_alpha (fg, 0.12f);
  GdkRGBA text = with_alpha (fg, 0.6f);
  double base = TOP_PAD + view->bars_height;

  gtk_snapshot_append_color (snapshot, &line, &GRAPHENE_RECT_INIT (0, base, view->width, 1));
  line = with_alpha (fg, 0.06f);
  gtk_snapshot_append_color (snapshot, &line, &GRAPHENE_RECT_INIT (0, TOP_PAD, view->width, 1));
  gtk_snapshot_append_color (snapshot, &line,
                             &GRAPHENE_RECT_INIT (0, TOP_PAD + view->bars_height / 2,
                                                  view->width, 1));
  if (self->max > 0)
    snapshot_layout (snapshot, self->scale_layout, 4, TOP_PAD + 1, &text);
}

/* Ticks at round local times, each in a slot chosen by its time so that a
 * tick keeps its layout (and its text) while the chart scrolls. */
static void
set_tick_text (LdActivityChart *self,
               Tick            *tick,
               gint64           second,
               guint            interval)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (second);
  g_autofree char *text = NULL;

  if (time == NULL)
    return;

  if (interval < 60)
    text = g_date_time_format (time, "%H:%M:%S");
  else if (interval < 86400)
    text = g_date_time_format (time, "%H:%M");
  else
    /* Translators: a date under the activity chart, see g_date_time_format() */
    text = g_date_time_format (time, _("%b %e"));

  pango_layout_set_text (tick->layout, text != NULL ? text : "", -1);
  tick->second = second;
  tick->interval = interval;
}

static void
snapshot_ticks (LdActivityChart *self,
                GtkSnapshot     *snapshot,
                const View      *view,
                const GdkRGBA   *fg)
{
  double span_s = (view->end_us - view->start_us) / (double) G_USEC_PER_SEC;
  guint interval = nice_interval (span_s * TICK_GAP_PX / MAX (1, view->width));
  gint64 start = floor_div (view->start_us, G_USEC_PER_SEC);
  gint interval_index = g_time_zone_find_interval (self->time_zone, G_TIME_TYPE_UNIVERSAL, start);
  gint64 offset = g_time_zone_get_offset (self->time_zone, MAX (0, interval_index));
  GdkRGBA text = with_alpha (fg, 0.6f), mark = with_alpha (fg, 0.25f);
  double base = TOP_PAD + view->bars_height;

  for (gint64 t = (floor_div (start + offset, interval) + 1) * interval - offset;
       t * G_USEC_PER_SEC < view->end_us; t += interval)
    {
      Tick *tick = &self->ticks[(guint64) floor_div (t, interval) % MAX_TICKS];
      double x = x_of (view, t * G_USEC_PER_SEC);
      PangoRectangle extents;

      if (tick->second != t || tick->interval != interval)
        set_tick_text (self, tick, t, interval);
      pango_layout_get_pixel_extents (tick->layout, NULL, &extents);
      gtk_snapshot_append_color (snapshot, &mark, &GRAPHENE_RECT_INIT (x, base, 1, 3));
      snapshot_layout (snapshot, tick->layout,
                       CLAMP (x - extents.width / 2., 0, view->width - extents.width),
                       base + 2, &text);
    }
}

/* Words for hovering */

static char *
format_column_time (const View *view,
                    gint64      index)
{
  gint64 from = column_start_us (view, index) / G_USEC_PER_SEC;
  g_autoptr(GDateTime) start = g_date_time_new_from_unix_local (from);
  g_autoptr(GDateTime) end = g_date_time_new_from_unix_local (from + view->column_seconds);
  const char *format = view->column_seconds >= 86400 ? "%Y-%m-%d %H:%M" : "%H:%M:%S";
  g_autofree char *start_text = NULL, *end_text = NULL;

  if (start == NULL || end == NULL)
    return g_strdup ("");

  start_text = g_date_time_format (start, format);
  if (view->column_seconds == 1)
    return g_steal_pointer (&start_text);

  end_text = g_date_time_format (end, format);
  /* Translators: a span of time, such as "12:04:00 – 12:04:10" */
  return g_strdup_printf (_("%s – %s"), start_text, end_text);
}

static char *
format_counts (const LdActivityBucket *bucket)
{
  static const char *names[LD_ACTIVITY_N_BANDS] = {
    N_("Debug"), N_("Info"), N_("Warning"), N_("Error"), N_("Critical"),
  };
  GString *text = g_string_new (NULL);
  guint32 total = ld_activity_bucket_total (bucket);

  g_string_append_printf (text, ngettext ("%u record", "%u records", total), total);
  for (int band = LD_ACTIVITY_N_BANDS - 1; band >= 0; band--)
    if (bucket->counts[band] > 0)
      {
        g_string_append (text, " · ");
        /* Translators: a level band and its count, such as "Error 3" */
        g_string_append_printf (text, _("%s %u"), _(names[band]), bucket->counts[band]);
      }

  return g_string_free (text, FALSE);
}

/* Hovering: the column under the pointer is lit, and a label says what it
 * holds. The label's text is written again only when the column or its
 * counts change, not every frame. */
static void
update_hover_text (LdActivityChart        *self,
                   const View             *view,
                   gint64                  index,
                   const LdActivityBucket *bucket)
{
  gint64 from = column_start_us (view, index), to = column_start_us (view, index + 1);
  g_autofree char *when = NULL, *counts = NULL, *text = NULL;

  if (from == self->hover_from && to == self->hover_to
      && memcmp (bucket, &self->hover_bucket, sizeof *bucket) == 0)
    return;

  self->hover_from = from;
  self->hover_to = to;
  self->hover_bucket = *bucket;
  when = format_column_time (view, index);
  counts = format_counts (bucket);
  text = g_strdup_printf ("%s · %s", when, counts);
  pango_layout_set_text (self->hover_layout, text, -1);
}

static void
snapshot_label_box (GtkSnapshot   *snapshot,
                    PangoLayout   *layout,
                    double         x,
                    double         y,
                    const GdkRGBA *fg)
{
  gboolean dark = is_dark ();
  GdkRGBA background = dark ? (GdkRGBA) { 0.22f, 0.22f, 0.24f, 0.95f }
                            : (GdkRGBA) { 1.f, 1.f, 1.f, 0.95f };
  GdkRGBA border = with_alpha (fg, 0.18f);
  PangoRectangle extents;
  GskRoundedRect box;

  pango_layout_get_pixel_extents (layout, NULL, &extents);
  gsk_rounded_rect_init_from_rect (&box, &GRAPHENE_RECT_INIT (x, y, extents.width + 12,
                                                              extents.height + 6), 5);
  gtk_snapshot_push_rounded_clip (snapshot, &box);
  gtk_snapshot_append_color (snapshot, &background, &box.bounds);
  gtk_snapshot_pop (snapshot);
  gtk_snapshot_append_border (snapshot, &box, (float[4]) { 1, 1, 1, 1 },
                              (GdkRGBA[4]) { border, border, border, border });
  snapshot_layout (snapshot, layout, x + 6, y + 3, fg);
}

static void
snapshot_hover (LdActivityChart *self,
                GtkSnapshot     *snapshot,
                const View      *view,
                const GdkRGBA   *fg)
{
  GdkRGBA light = with_alpha (fg, 0.10f);
  gint64 index = column_index (view, time_at (view, self->hover_x));
  PangoRectangle extents;
  double x;

  if (index < 0 || index >= view->n_columns)
    return;

  snapshot_band (snapshot, view, column_start_us (view, index),
                 column_start_us (view, index + 1), &light);
  update_hover_text (self, view, index, &self->columns[index]);

  /* Beside the pointer, on whichever side has room. */
  pango_layout_get_pixel_extents (self->hover_layout, NULL, &extents);
  x = self->hover_x + 12;
  if (x + extents.width + 12 > view->width)
    x = MAX (0, self->hover_x - 12 - extents.width - 12);
  snapshot_label_box (snapshot, self->hover_layout, x, TOP_PAD + 2, fg);
}

static void
ld_activity_chart_snapshot (GtkWidget   *widget,
                            GtkSnapshot *snapshot)
{
  LdActivityChart *self = LD_ACTIVITY_CHART (widget);
  LdActivity *activity = shown_activity (self);
  View *view = &self->view;
  GdkRGBA fg;

  compute_view (self, view);
  if (view->width <= 0 || view->n_columns == 0)
    return;

  get_foreground (self, &fg);
  memset (self->columns, 0, view->n_columns * sizeof (LdActivityBucket));
  self->max = activity != NULL ? ld_activity_read_columns (activity, view->first_column,
                                                           view->column_seconds,
                                                           view->n_columns, self->columns)
                               : 0;
  update_scale (self, view, self->max);

  snapshot_scale (self, snapshot, view, &fg);
  snapshot_bars (self, snapshot, view);
  if (self->has_selection)
    snapshot_selection (self, snapshot, view);
  snapshot_ticks (self, snapshot, view, &fg);
  if (self->hovering)
    snapshot_hover (self, snapshot, view, &fg);
}

/* Live scrolling: a redraw only when the chart has moved by a pixel. */
static gboolean
scroll_tick (GtkWidget     *widget,
             GdkFrameClock *frame_clock,
             gpointer       user_data)
{
  LdActivityChart *self = LD_ACTIVITY_CHART (widget);
  double us_per_px = (self->view.end_us - self->view.start_us) / MAX (1, self->view.width);
  gint64 step = (gint64) (g_get_real_time () / MAX (1, us_per_px));

  if (step != self->last_scroll_step)
    {
      self->last_scroll_step = step;
      gtk_widget_queue_draw (widget);
    }

  return G_SOURCE_CONTINUE;
}

static void
update_scrolling (LdActivityChart *self)
{
  gboolean wanted = self->following && gtk_widget_get_mapped (GTK_WIDGET (self));

  if (wanted && self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), scroll_tick, NULL, NULL);
  else if (!wanted && self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
}

/* Hovering */

static void
on_motion (LdActivityChart          *self,
           double                    x,
           double                    y,
           GtkEventControllerMotion *controller)
{
  gint64 index = column_index (&self->view, time_at (&self->view, x));

  self->hover_x = x;
  self->hovering = TRUE;
  if (index != self->hover_column)
    {
      self->hover_column = index;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

static void
on_leave (LdActivityChart          *self,
          GtkEventControllerMotion *controller)
{
  self->hovering = FALSE;
  self->hover_column = G_MININT64;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Selecting a range */

/* A range always covers whole columns: the bars the user saw. */
static void
select_between (LdActivityChart *self,
                gint64           a_us,
                gint64           b_us)
{
  const View *view = &self->view;
  gint64 from = MIN (a_us, b_us), to = MAX (a_us, b_us);

  self->selection_from = column_start_us (view, column_index (view, from));
  self->selection_to = column_start_us (view, column_index (view, to) + 1);
  self->has_selection = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_drag_begin (LdActivityChart *self,
               double           x,
               double           y,
               GtkGestureDrag  *gesture)
{
  self->drag_start_x = x;
  self->drag_anchor_us = time_at (&self->view, x);
}

static void
on_drag_update (LdActivityChart *self,
                double           offset_x,
                double           offset_y,
                GtkGestureDrag  *gesture)
{
  if (fabs (offset_x) < CLICK_SLOP_PX)
    return;

  select_between (self, self->drag_anchor_us,
                  time_at (&self->view, self->drag_start_x + offset_x));
}

/* A drag selects the columns it crossed. A mere click does not filter:
 * one slip of the pointer should not hide everything else. */
static void
on_drag_end (LdActivityChart *self,
             double           offset_x,
             double           offset_y,
             GtkGestureDrag  *gesture)
{
  if (fabs (offset_x) < CLICK_SLOP_PX)
    return;

  select_between (self, self->drag_anchor_us,
                  time_at (&self->view, self->drag_start_x + offset_x));
  g_signal_emit (self, signals[RANGE_SELECTED], 0, self->selection_from, self->selection_to);
}

/* GtkWidget */

static void
ld_activity_chart_measure (GtkWidget      *widget,
                           GtkOrientation  orientation,
                           int             for_size,
                           int            *minimum,
                           int            *natural,
                           int            *minimum_baseline,
                           int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 120;
      *natural = 480;
    }
  else
    {
      *minimum = 56;
      *natural = 96;
    }
}

/* The column buffer is sized here, so that drawing never allocates. */
static void
ld_activity_chart_size_allocate (GtkWidget *widget,
                                 int        width,
                                 int        height,
                                 int        baseline)
{
  LdActivityChart *self = LD_ACTIVITY_CHART (widget);
  guint needed = (guint) MAX (width, 0) / MIN_COLUMN_PX + 4;

  if (needed > self->columns_capacity)
    {
      self->columns = g_renew (LdActivityBucket, self->columns, needed);
      self->columns_capacity = needed;
    }
}

static void
ld_activity_chart_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (ld_activity_chart_parent_class)->map (widget);
  update_scrolling (LD_ACTIVITY_CHART (widget));
}

static void
ld_activity_chart_unmap (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (ld_activity_chart_parent_class)->unmap (widget);
  update_scrolling (LD_ACTIVITY_CHART (widget));
}

/* GObject */

static void
set_activity (LdActivityChart  *self,
              LdActivity      **field,
              gulong           *handler,
              LdActivity       *activity,
              GParamSpec       *pspec)
{
  if (*field == activity)
    return;

  if (*field != NULL)
    g_clear_signal_handler (handler, *field);
  g_set_object (field, activity);
  if (activity != NULL)
    *handler = g_signal_connect_object (activity, "changed", G_CALLBACK (gtk_widget_queue_draw),
                                        self, G_CONNECT_SWAPPED);

  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

static void
ld_activity_chart_dispose (GObject *object)
{
  LdActivityChart *self = LD_ACTIVITY_CHART (object);

  ld_activity_chart_set_activity (self, NULL);
  ld_activity_chart_set_filtered_activity (self, NULL);
  g_clear_signal_handler (&self->dark_id, adw_style_manager_get_default ());
  g_clear_object (&self->scale_layout);
  g_clear_object (&self->hover_layout);
  for (guint i = 0; i < MAX_TICKS; i++)
    g_clear_object (&self->ticks[i].layout);

  G_OBJECT_CLASS (ld_activity_chart_parent_class)->dispose (object);
}

static void
ld_activity_chart_finalize (GObject *object)
{
  LdActivityChart *self = LD_ACTIVITY_CHART (object);

  g_free (self->columns);
  g_time_zone_unref (self->time_zone);

  G_OBJECT_CLASS (ld_activity_chart_parent_class)->finalize (object);
}

static void
ld_activity_chart_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  LdActivityChart *self = LD_ACTIVITY_CHART (object);

  switch (prop_id)
    {
    case PROP_ACTIVITY:
      g_value_set_object (value, self->activity);
      break;

    case PROP_FILTERED_ACTIVITY:
      g_value_set_object (value, self->filtered_activity);
      break;

    case PROP_FILTERED:
      g_value_set_boolean (value, self->filtered);
      break;

    case PROP_SPAN:
      g_value_set_uint (value, self->span);
      break;

    case PROP_FOLLOWING:
      g_value_set_boolean (value, self->following);
      break;

    case PROP_END_TIME:
      g_value_set_int64 (value, self->end_time);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ld_activity_chart_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  LdActivityChart *self = LD_ACTIVITY_CHART (object);

  switch (prop_id)
    {
    case PROP_ACTIVITY:
      ld_activity_chart_set_activity (self, g_value_get_object (value));
      break;

    case PROP_FILTERED_ACTIVITY:
      ld_activity_chart_set_filtered_activity (self, g_value_get_object (value));
      break;

    case PROP_FILTERED:
      ld_activity_chart_set_filtered (self, g_value_get_boolean (value));
      break;

    case PROP_SPAN:
      ld_activity_chart_set_span (self, g_value_get_uint (value));
      break;

    case PROP_FOLLOWING:
      ld_activity_chart_set_following (self, g_value_get_boolean (value));
      break;

    case PROP_END_TIME:
      ld_activity_chart_set_end_time (self, g_value_get_int64 (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
install_properties (GObjectClass *object_class)
{
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  properties[PROP_ACTIVITY] =
    g_param_spec_object ("activity", NULL, NULL, LD_TYPE_ACTIVITY, flags);
  properties[PROP_FILTERED_ACTIVITY] =
    g_param_spec_object ("filtered-activity", NULL, NULL, LD_TYPE_ACTIVITY, flags);
  properties[PROP_FILTERED] =
    g_param_spec_boolean ("filtered", NULL, NULL, FALSE, flags);
  properties[PROP_SPAN] =
    g_param_spec_uint ("span", NULL, NULL, 0, 366 * 86400, LD_ACTIVITY_CHART_SPAN_5_MIN, flags);
  properties[PROP_FOLLOWING] =
    g_param_spec_boolean ("following", NULL, NULL, TRUE, flags);
  properties[PROP_END_TIME] =
    g_param_spec_int64 ("end-time", NULL, NULL, 0, G_MAXINT64, 0, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ld_activity_chart_class_init (LdActivityChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ld_activity_chart_dispose;
  object_class->finalize = ld_activity_chart_finalize;
  object_class->get_property = ld_activity_chart_get_property;
  object_class->set_property = ld_activity_chart_set_property;
  widget_class->snapshot = ld_activity_chart_snapshot;
  widget_class->measure = ld_activity_chart_measure;
  widget_class->size_allocate = ld_activity_chart_size_allocate;
  widget_class->map = ld_activity_chart_map;
  widget_class->unmap = ld_activity_chart_unmap;

  install_properties (object_class);

  /**
   * LdActivityChart::range-selected:
   * @from_us: the start, in µs since the Unix epoch
   * @to_us: the end (excluded), in µs since the Unix epoch
   *
   * The user dragged across columns: a filter for
   * `after:` @from_us and `before:` @to_us shows their records.
   */
  signals[RANGE_SELECTED] =
    g_signal_new ("range-selected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_INT64);

  gtk_widget_class_set_css_name (widget_class, "activitychart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
add_controllers (LdActivityChart *self)
{
  GtkEventController *motion = gtk_event_controller_motion_new ();
  GtkGesture *drag = gtk_gesture_drag_new ();

  g_signal_connect_swapped (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect_swapped (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  g_signal_connect_swapped (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect_swapped (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect_swapped (drag, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

}

static void
ld_activity_chart_init (LdActivityChart *self)
{
  self->span = LD_ACTIVITY_CHART_SPAN_5_MIN;
  self->following = TRUE;
  self->hover_column = G_MININT64;
  self->time_zone = g_time_zone_new_local ();
  self->scale_layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  self->hover_layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  self->hover_from = G_MININT64;
  for (guint i = 0; i < MAX_TICKS; i++)
    {
      self->ticks[i].layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
      self->ticks[i].second = G_MININT64;
    }

  add_controllers (self);
  self->dark_id = g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                                           G_CALLBACK (gtk_widget_queue_draw), self,
                                           G_CONNECT_SWAPPED);
  gtk_widget_add_css_class (GTK_WIDGET (self), "numeric");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Records per second, by level"), -1);
}

/* Public API */

GtkWidget *
ld_activity_chart_new (void)
{
  return g_object_new (LD_TYPE_ACTIVITY_CHART, NULL);
}

/**
 * ld_activity_chart_get_activity:
 * @self: a chart
 *
 * Returns: (transfer none) (nullable): the counts of every record
 */
LdActivity *
ld_activity_chart_get_activity (LdActivityChart *self)
{
  g_return_val_if_fail (LD_IS_ACTIVITY_CHART (self), NULL);

  return self->activity;
}

/**
 * ld_activity_chart_set_activity:
 * @self: a chart
 * @activity: (nullable): counts attached to the store
 */
void
ld_activity_chart_set_activity (LdActivityChart *self,
                                LdActivity      *activity)
{
  g_return_if_fail (LD_IS_ACTIVITY_CHART (self));
  g_return_if_fail (activity == NULL || LD_IS_ACTIVITY (activity));

  set_activity (self, &self->activity, &self->activity_changed_id, activity,
                properties[PROP_ACTIVITY]);
}

/**
 * ld_activity_chart_get_filtered_activity:
 * @self: a chart
 *
 * Returns: (transfer none) (nullable): the counts of the filtered records
 */
LdActivity *
ld_activity_chart_get_filtered_activity (LdActivityChart *self)
{
  g_return_val_if_fail (LD_IS_ACTIVITY_CHART (self), NULL);

  return self->filtered_activity;
}

/**
 * ld_activity_chart_set_filtered_activity:
 * @self: a chart
 * @activity: (nullable): counts attached to the filtered model
 */
void
ld_activity_chart_set_filtered_activity (LdActivityChart *self,
                                         LdActivity      *activity)
{
  g_return_if_fail (LD_IS_ACTIVITY_CHART (self));
  g_return_if_fail (activity == NULL || LD_IS_ACTIVITY (activity));

  set_activity (self, &self->filtered_activity, &self->filtered_changed_id, activity,
                properties[PROP_FILTERED_ACTIVITY]);
}

gboolean
ld_activity_chart_get_filtered (LdActivityChart *self)
{
  g_return_val_if_fail (LD_IS_ACTIVITY_CHART (self), FALSE);

  return self->filtered;
}

/**
 * ld_activity_chart_set_filtered:
 * @self: a chart
 * @filtered: whether to draw the filtered records rather than all
 */
void
ld_activity_chart_set_filtered (LdActivityChart *self,
                                gboolean         filtered)
{
  g_return_if_fail (LD_IS_ACTIVITY_CHART (self));

  filtered = !!filtered;
  if (self->filtered == filtered)
    return;

  self->filtered = filtered;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILTERED]);
}

guint
ld_activity_chart_get_span (LdActivityChart *self)
{
  g_return_val_if_fail (LD_IS_ACTIVITY_CHART (self), 0);

  return self->span;
}

/**
 * ld_activity_chart_set_span:
 * @self: a chart
 * @span: the seconds shown, such as %LD_ACTIVITY_CHART_SPAN_5_MIN, or
 *   %LD_ACTIVITY_CHART_SPAN_SESSION for every record
 */
void
ld_activity_chart_set_span (LdActivityChart *self,
                            guint            span)
{
  g_return_if_fail (LD_IS_ACTIVITY_CHART (self));

  if (self->span == span)
    return;

  self->span = span;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPAN]);
}

gboolean
ld_activity_chart_get_following (LdActivityChart *self)
{
  g_return_val_if_fail (LD_IS_ACTIVITY_CHART (self), FALSE);

  return self->following;
}

/**
 * ld_activity_chart_set_following:
 * @self: a chart
 * @following: whether the chart ends at the current time and scrolls with
 *   it; otherwise it ends at #LdActivityChart:end-time
 */
void
ld_activity_chart_set_following (LdActivityChart *self,
                                 gboolean         following)
{
  g_return_if_fail (LD_IS_ACTIVITY_CHART (self));

  following = !!following;
  if (self->following == following)
    return;

  self->following = following;
  update_scrolling (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLLOWING]);
}

gint64
ld_activity_chart_get_end_time (LdActivityChart *self)
{
  g_return_val_if_fail (LD_IS_ACTIVITY_CHART (self), 0);

  return self->end_time;
}

/**
 * ld_activity_chart_set_end_time:
 * @self: a chart
 * @end_time: where the chart ends while not following, in µs since the
 *   Unix epoch, or 0 for just after the newest record
 */
void
ld_activity_chart_set_end_time (LdActivityChart *self,
                                gint64           end_time)
{
  g_return_if_fail (LD_IS_ACTIVITY_CHART (self));

  if (self->end_time == end_time)
    return;

  self->end_time = end_time;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_END_TIME]);
}

/**
 * ld_activity_chart_get_selection:
 * @self: a chart
 * @from_us: (out) (optional): the start of the selected range
 * @to_us: (out) (optional): its end, excluded
 *
 * Returns: whether a range is selected
 */
gboolean
ld_activity_chart_get_selection (LdActivityChart *self,
                                 gint64          *from_us,
                                 gint64          *to_us)
{
  g_return_val_if_fail (LD_IS_ACTIVITY_CHART (self), FALSE);

  if (from_us != NULL)
    *from_us = self->has_selection ? self->selection_from : 0;
  if (to_us != NULL)
    *to_us = self->has_selection ? self->selection_to : 0;

  return self->has_selection;
}

/**
 * ld_activity_chart_set_selection:
 * @self: a chart
 * @from_us: the start of the range, in µs since the Unix epoch
 * @to_us: its end, excluded
 *
 * Shows a range, as when the filter bar's `after:`/`before:` terms were
 * typed rather than dragged. Does not emit #LdActivityChart::range-selected.
 */
void
ld_activity_chart_set_selection (LdActivityChart *self,
                                 gint64           from_us,
                                 gint64           to_us)
{
  g_return_if_fail (LD_IS_ACTIVITY_CHART (self));
  g_return_if_fail (from_us <= to_us);

  self->selection_from = from_us;
  self->selection_to = to_us;
  self->has_selection = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ld_activity_chart_clear_selection (LdActivityChart *self)
{
  g_return_if_fail (LD_IS_ACTIVITY_CHART (self));

  self->has_selection = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/**
 * ld_activity_chart_get_column_at:
 * @self: a chart
 * @x: a position across the chart, in widget coordinates
 * @from_us: (out) (optional): where the column at @x starts
 * @to_us: (out) (optional): where it ends, excluded
 * @bucket: (out caller-allocates) (optional): its counts, as drawn
 *
 * What hovering shows, as of the last frame drawn.
 *
 * Returns: %FALSE if @x is outside the columns drawn
 */
gboolean
ld_activity_chart_get_column_at (LdActivityChart  *self,
                                 double            x,
                                 gint64           *from_us,
                                 gint64           *to_us,
                                 LdActivityBucket *bucket)
{
  const View *view;
  gint64 index;

  g_return_val_if_fail (LD_IS_ACTIVITY_CHART (self), FALSE);

  view = &self->view;
  index = column_index (view, time_at (view, x));
  if (x < 0 || x >= view->width || index < 0 || index >= view->n_columns)
    return FALSE;

  if (from_us != NULL)
    *from_us = column_start_us (view, index);
  if (to_us != NULL)
    *to_us = column_start_us (view, index + 1);
  if (bucket != NULL)
    *bucket = self->columns[index];

  return TRUE;
}
