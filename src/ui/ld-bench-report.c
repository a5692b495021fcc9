// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

/* A test hook for bench/e2e.py, which drives the real program: with
 * LOGDECK_BENCH_REPORT_FD naming an open descriptor, the window writes to it
 * "pid P" once, then "received N gap_ms G" each time the store changes or
 * the longest frame gap grows. N is the store's count of records received;
 * G the longest time between two painted frames while records arrived, or,
 * for a frame after a time without records, from the first record's arrival
 * to that frame: a pause in the sending is not a gap. Without the variable
 * nothing is connected, and the hook costs nothing. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ld-bench-report.h"

typedef struct
{
  int      fd;
  LdStore *store;
  gint64   last_paint_us;
  gint64   longest_gap_us;
  gint64   first_change_us;     /* since the last paint, 0 if none */
  gboolean changed_since_paint;
  gboolean changed_before_last_paint;
} BenchReport;

/* The bench reads as fast as it can; should it fall behind, a line is
 * dropped rather than the window blocked. */
static void
report (BenchReport *self)
{
  char line[96];
  int length = g_snprintf (line, sizeof line, "received %" G_GUINT64_FORMAT " gap_ms %.1f\n",
                           ld_store_get_n_received (self->store),
                           self->longest_gap_us / 1000.0);

  if (write (self->fd, line, length) < 0 && errno != EAGAIN)
    g_debug ("bench report: %s", g_strerror (errno));
}

static void
on_store_changed (BenchReport *self)
{
  if (!self->changed_since_paint)
    self->first_change_us = g_get_monotonic_time ();
  self->changed_since_paint = TRUE;
  report (self);
}

static void
on_after_paint (GdkFrameClock *clock,
                BenchReport   *self)
{
  gint64 now = g_get_monotonic_time ();
  gint64 gap = 0;

  if (self->changed_before_last_paint)
    gap = now - self->last_paint_us;
  else if (self->changed_since_paint)
    gap = now - self->first_change_us;
  self->changed_before_last_paint = self->changed_since_paint;
  self->changed_since_paint = FALSE;
  self->last_paint_us = now;
  if (gap > self->longest_gap_us)
    {
      self->longest_gap_us = gap;
      report (self);
    }
}

static void
on_realize (GtkWidget   *window,
            BenchReport *self)
{
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint",
                    G_CALLBACK (on_after_paint), self);
}

/**
 * ld_bench_report_attach:
 * @window: the window whose frames to watch
 * @store: the store whose count to report
 *
 * Does nothing unless LOGDECK_BENCH_REPORT_FD is set (see above). The
 * report lives as long as the process.
 */
void
ld_bench_report_attach (GtkWidget *window,
                        LdStore   *store)
{
  const char *fd_text = g_getenv ("LOGDECK_BENCH_REPORT_FD");
  BenchReport *self;
  char line[32];
  int length;

  if (fd_text == NULL || *fd_text == '\0')
    return;

  self = g_new0 (BenchReport, 1);
  self->fd = atoi (fd_text);
  self->store = store;
  fcntl (self->fd, F_SETFL, fcntl (self->fd, F_GETFL) | O_NONBLOCK);
  length = g_snprintf (line, sizeof line, "pid %d\n", (int) getpid ());
  if (write (self->fd, line, length) < 0)
    g_debug ("bench report: %s", g_strerror (errno));

  g_signal_connect_swapped (store, "items-changed", G_CALLBACK (on_store_changed), self);
  g_signal_connect (window, "realize", G_CALLBACK (on_realize), self);
}
