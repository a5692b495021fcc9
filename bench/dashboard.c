// SPDX-License-Identifier: GPL-3.0-or-later
/* bench/dashboard: what the dashboard's models (activity counters, error
 * groups, connection stats, alert rules, source tracker) add per record,
 * next to what ingest itself costs per record (decoding CPython's
 * SocketHandler frames), and how long the chart takes to draw a frame.
 * Prints figures; asserts none. */
#include "config.h"

#include <adwaita.h>
#include <stdio.h>
#include <stdlib.h>

#include "ld-activity.h"
#include "ld-activity-chart.h"
#include "ld-alerts.h"
#include "ld-connection-stats.h"
#include "ld-error-groups.h"
#include "ld-pyrecord.h"
#include "ld-source-tracker.h"
#include "ld-store.h"

#ifndef LD_BENCH_GENERATOR
#define LD_BENCH_GENERATOR "bench/gen_pickle_capture.py"
#endif

#define N_RECORDS 200000
#define BATCH_SIZE 4096
#define N_RUNS 5

/* Real frames: the same capture bench/ingest-pickle replays. */
static GBytes *
load_capture (void)
{
  g_autofree char *path = g_strdup_printf ("%s/logdeck-bench-pickle-%d.bin", g_get_tmp_dir (),
                                           N_RECORDS);
  g_autofree char *records = g_strdup_printf ("%d", N_RECORDS);
  const char *argv[] = { "/usr/bin/python3", LD_BENCH_GENERATOR, path, "--records", records,
                         NULL };
  g_autoptr(GError) error = NULL;
  char *data;
  gsize length;

  if (!g_file_test (path, G_FILE_TEST_EXISTS)
      && !g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                        NULL, &error))
    g_error ("cannot capture: %s", error->message);
  if (!g_file_get_contents (path, &data, &length, &error))
    g_error ("%s", error->message);

  return g_bytes_new_take (data, length);
}

/* Ingest's own work per record: decoding frames into batches. */
static GPtrArray *
decode_capture (GBytes *capture,
                double *seconds)
{
  GPtrArray *batches = g_ptr_array_new_with_free_func ((GDestroyNotify) ld_batch_free);
  gsize length;
  const guint8 *data = g_bytes_get_data (capture, &length);
  LdRecordOrigin origin = { .connection = "tcp-1", .peer = "127.0.0.1:5000",
                              .protocol = "tcp-pickle" };
  LdBatch *batch = ld_batch_new ();
  gint64 start = g_get_monotonic_time ();

  for (gsize pos = 0; pos + 4 <= length;)
    {
      guint32 size = GUINT32_FROM_BE (*(const guint32 *) (data + pos));

      if (!ld_pyrecord_add_pickle (batch, data + pos + 4, size, NULL, &origin, NULL))
        g_error ("a frame of the capture does not decode");
      pos += 4 + size;
      if (ld_batch_get_length (batch) == BATCH_SIZE)
        {
          g_ptr_array_add (batches, batch);
          batch = ld_batch_new ();
        }
    }
  g_ptr_array_add (batches, batch);
  *seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;

  return batches;
}

static double
append_all (GPtrArray *batches,
            gboolean   with_dashboard)
{
  g_autoptr(LdStore) store = ld_store_new (1000000);
  g_autoptr(LdActivity) activity = ld_activity_new ();
  g_autoptr(LdErrorGroups) groups = ld_error_groups_new ();
  g_autoptr(LdConnectionStats) stats = ld_connection_stats_new ();
  g_autoptr(LdAlerts) alerts = ld_alerts_new ();
  g_autoptr(LdSourceTracker) tracker = ld_source_tracker_new ();
  g_autoptr(LdAlertRule) rule = ld_alert_rule_new ("level>=ERROR", 60, TRUE);
  gint64 start;

  ld_alerts_append (alerts, rule);
  if (with_dashboard)
    {
      ld_activity_attach_store (activity, store);
      ld_error_groups_attach_store (groups, store);
      ld_connection_stats_attach_store (stats, store);
      ld_alerts_attach_store (alerts, store);
    }

  start = g_get_monotonic_time ();
  for (guint i = 0; i < batches->len; i++)
    {
      g_autoptr(LdBatch) dividers = ld_batch_new ();

      if (with_dashboard)
        ld_source_tracker_observe_batch (tracker, batches->pdata[i], dividers);
      ld_store_append_batch (store, batches->pdata[i]);
    }

  return (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
median (double *values)
{
  qsort (values, N_RUNS, sizeof *values, compare_doubles);
  return values[N_RUNS / 2];
}

static void
chart_frames (GPtrArray *batches)
{
  g_autoptr(LdStore) store = ld_store_new (1000000);
  g_autoptr(LdActivity) activity = ld_activity_new ();
  static const guint spans[] = { 60, 300, 900, 3600, 0 };
  GtkWidget *window = gtk_window_new ();
  GtkWidget *chart = ld_activity_chart_new ();

  ld_activity_attach_store (activity, store);
  for (guint i = 0; i < batches->len; i++)
    ld_store_append_batch (store, batches->pdata[i]);
  ld_activity_chart_set_activity (LD_ACTIVITY_CHART (chart), activity);
  gtk_window_set_child (GTK_WINDOW (window), chart);
  gtk_window_set_default_size (GTK_WINDOW (window), 1400, 120);
  gtk_window_present (GTK_WINDOW (window));
  for (int i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);

  for (guint s = 0; s < G_N_ELEMENTS (spans); s++)
    {
      gint64 start;

      ld_activity_chart_set_span (LD_ACTIVITY_CHART (chart), spans[s]);
      start = g_get_monotonic_time ();
      for (int i = 0; i < 200; i++)
        {
          GtkSnapshot *snapshot = gtk_snapshot_new ();

          GTK_WIDGET_GET_CLASS (chart)->snapshot (chart, snapshot);
          g_clear_pointer (&snapshot, gtk_snapshot_free_to_node);
        }
      printf ("dashboard: chart of %u s (0: the session), %d px wide: %.3f ms a frame\n",
              spans[s], gtk_widget_get_width (chart),
              (g_get_monotonic_time () - start) / 1000.0 / 200);
    }
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GBytes) capture = load_capture ();
  g_autoptr(GPtrArray) batches = NULL;
  double decode[N_RUNS], alone[N_RUNS], with[N_RUNS];
  double ingest_ns, added_ns;

  for (guint run = 0; run < N_RUNS; run++)
    {
      g_clear_pointer (&batches, g_ptr_array_unref);
      batches = decode_capture (capture, &decode[run]);
      alone[run] = append_all (batches, FALSE);
      with[run] = append_all (batches, TRUE);
    }

  ingest_ns = (median (decode) + median (alone)) / N_RECORDS * 1e9;
  added_ns = (median (with) - median (alone)) / N_RECORDS * 1e9;
  printf ("dashboard: ingest %.0f ns a record (decoding SocketHandler frames and storing them)\n",
          ingest_ns);
  printf ("dashboard: the dashboard's models add %.0f ns a record = %.1f%% of ingest "
          "(target < 10%%); at 100,000 records/s that is %.1f%% of a core\n",
          added_ns, added_ns / ingest_ns * 100, added_ns * 1e5 / 1e9 * 100);

  if (gtk_init_check ())
    {
      adw_init ();
      chart_frames (batches);
    }

  return 0;
}
