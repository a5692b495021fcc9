// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>

#include "ld-activity-chart-private.h"

/* The activity chart's drawing: bars stacked by level in the level
 * colours, the rate scale, the time ticks, the selection and the hover
 * label. What is drawn, and where, is computed in ld-activity-chart.c;
 * drawing allocates nothing of its own. */

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
  guint interval = _ld_activity_chart_nice_interval (span_s * TICK_GAP_PX / MAX (1, view->width));
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

void
_ld_activity_chart_snapshot (GtkWidget   *widget,
                             GtkSnapshot *snapshot)
{
  LdActivityChart *self = LD_ACTIVITY_CHART (widget);
  LdActivity *activity = _ld_activity_chart_shown_activity (self);
  View *view = &self->view;
  GdkRGBA fg;

  _ld_activity_chart_compute_view (self, view);
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
