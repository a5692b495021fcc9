// SPDX-License-Identifier: GPL-3.0-or-later
/* bench/archive-open: how long opening an archived session of 1,000,000
 * records takes (the Sessions dialog's Open): ld_archive_load_async() reads
 * on its worker and hands slices to a store on the main context, as in the
 * window, but in-process without one. The target is 1.5 s. Prints figures;
 * asserts none. */
#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "ld-archive-loader.h"
#include "ld-archive-writer.h"
#include "ld-store.h"

#define N_RECORDS 1000000
#define BATCH_SIZE 4096
#define N_RUNS 3

static const char *loggers[] = { "acme.api", "acme.api.auth", "acme.db", "acme.worker", "root" };
static const char *levels[] = { "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL" };

/* The records bench/archive writes, so that the two figures compare. */
static void
write_archive (const char *path)
{
  g_autoptr(LdStore) store = ld_store_new (N_RECORDS);
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autoptr(GError) error = NULL;
  LdArchiveWriter *writer;

  for (guint i = 0; i < N_RECORDS; i++)
    {
      char message[96], duration[16];
      LdRecordFields fields = {
        .time_us = 1763640000000000 + i * 1000, .level = 10 * (1 + i % 5),
        .level_name = levels[i % 5], .logger = loggers[i % 5], .thread = "MainThread",
        .thread_id = 140000000 + i % 4, .process = 4242, .process_name = "MainProcess",
        .file = "/srv/acme/api.py", .line = 100 + i % 50, .function = "handle_request",
        .connection = "tcp-1", .peer = "127.0.0.1:50000", .protocol = "tcp-pickle",
        .message = message,
      };

      g_snprintf (message, sizeof message, "GET /api/v1/items/%u completed in %u ms", i, i % 997);
      g_snprintf (duration, sizeof duration, "%u", i % 997);
      ld_batch_add (batch, &fields);
      ld_batch_add_extra (batch, "duration_ms", -1, LD_VALUE_NUMBER, duration, -1);
      if (ld_batch_get_length (batch) == BATCH_SIZE)
        {
          ld_store_append_batch (store, batch);
          g_clear_pointer (&batch, ld_batch_free);
          batch = ld_batch_new ();
        }
    }
  ld_store_append_batch (store, batch);

  writer = ld_archive_writer_new (store, path, &error);
  g_assert_no_error (error);
  ld_archive_writer_flush (writer);
  ld_archive_writer_free (writer);
}

static void
on_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GMainLoop *loop = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (ld_archive_load_finish (result, NULL, &error));
  g_main_loop_quit (loop);
}

/* The process's CPU time, every thread's: on a loaded machine it says more
 * than the wall clock does. */
static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec
         + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *dir = g_dir_make_tmp ("ld-bench-archive-open-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "session.logdeck", NULL);
  double seconds[N_RUNS], cpu[N_RUNS];

  write_archive (path);

  for (guint run = 0; run < N_RUNS; run++)
    {
      g_autoptr(LdStore) store = ld_store_new (N_RECORDS);
      g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
      gint64 start = g_get_monotonic_time ();
      double cpu_start = cpu_seconds ();

      ld_archive_load_async (path, store, NULL, on_loaded, loop);
      g_main_loop_run (loop);
      seconds[run] = (g_get_monotonic_time () - start) / 1e6;
      cpu[run] = cpu_seconds () - cpu_start;
      g_assert_cmpuint (ld_store_get_n_records (store), ==, N_RECORDS);
      printf ("run %u: opened %d records in %.2f s (CPU %.2f s, all threads)\n", run + 1,
              N_RECORDS, seconds[run], cpu[run]);
    }
  g_unlink (path);
  g_rmdir (dir);

  qsort (seconds, N_RUNS, sizeof (double), compare_doubles);
  qsort (cpu, N_RUNS, sizeof (double), compare_doubles);
  printf ("opening an archived session (in-process, no window, %d records with an extra): "
          "median %.2f s, CPU %.2f s (target 1.5 s)\n", N_RECORDS, seconds[N_RUNS / 2],
          cpu[N_RUNS / 2]);

  return 0;
}
