// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <adwaita.h>

#include "ld-rate-sparkline.h"

/* The records/s sparkline of one connection in the connection monitor,
 * drawn straight from the statistics' per-second counts of the last minute
 * (no copy of its own). */

#define SPARK_WIDTH  48
#define SPARK_HEIGHT 20

struct _LdRateSparkline
{
  GtkWidget          parent_instance;
  LdConnectionStats *stats;
  guint32            connection;
};

G_DEFINE_FINAL_TYPE (LdRateSparkline, ld_rate_sparkline, GTK_TYPE_WIDGET)

static void
ld_rate_sparkline_snapshot (GtkWidget   *widget,
                            GtkSnapshot *snapshot)
{
  LdRateSparkline *self = LD_RATE_SPARKLINE (widget);
  guint32 rates[LD_CONNECTION_STATS_SECONDS];
  double width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  double bar = width / LD_CONNECTION_STATS_SECONDS;
  gboolean dark = adw_style_manager_get_dark (adw_style_manager_get_default ());
  GdkRGBA color, base;
  guint32 max;

  if (self->stats == NULL || self->connection == LD_INTERN_NONE)
    return;

  max = ld_connection_stats_get_rates (self->stats, self->connection, g_get_real_time (), rates);
  gdk_rgba_parse (&color, dark ? "#62a0ea" : "#1c71d8");
  base = color;
  base.alpha = 0.25f;
  gtk_snapshot_append_color (snapshot, &base, &GRAPHENE_RECT_INIT (0, height - 1, width, 1));

  for (guint i = 0; max > 0 && i < LD_CONNECTION_STATS_SECONDS; i++)
    if (rates[i] > 0)
      {
        double h = MAX (1, (height - 1) * rates[i] / max);

        gtk_snapshot_append_color (snapshot, &color,
                                   &GRAPHENE_RECT_INIT (i * bar, height - 1 - h, bar, h));
      }
}

static void
ld_rate_sparkline_dispose (GObject *object)
{
  g_clear_object (&LD_RATE_SPARKLINE (object)->stats);

  G_OBJECT_CLASS (ld_rate_sparkline_parent_class)->dispose (object);
}

static void
ld_rate_sparkline_class_init (LdRateSparklineClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ld_rate_sparkline_dispose;
  GTK_WIDGET_CLASS (klass)->snapshot = ld_rate_sparkline_snapshot;
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "sparkline");
}

static void
ld_rate_sparkline_init (LdRateSparkline *self)
{
  gtk_widget_set_size_request (GTK_WIDGET (self), SPARK_WIDTH, SPARK_HEIGHT);
  gtk_widget_set_valign (GTK_WIDGET (self), GTK_ALIGN_CENTER);
}

GtkWidget *
ld_rate_sparkline_new (void)
{
  return g_object_new (LD_TYPE_RATE_SPARKLINE, NULL);
}

/**
 * ld_rate_sparkline_set_connection:
 * @self: a sparkline
 * @stats: (nullable): the statistics to draw from
 * @connection: the interned connection id
 *
 * Draws @connection's records/s from @stats, now and at each redraw.
 */
void
ld_rate_sparkline_set_connection (LdRateSparkline   *self,
                                  LdConnectionStats *stats,
                                  guint32            connection)
{
  g_return_if_fail (LD_IS_RATE_SPARKLINE (self));

  g_set_object (&self->stats, stats);
  self->connection = connection;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
