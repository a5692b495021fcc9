// SPDX-License-Identifier: GPL-3.0-or-later
/* bench/timing: what the request-timing counters (LdTiming) add per
 * record, in process, next to what the activity counters (LdActivity, the
 * chart's) add over the same records, with and without eviction; and how
 * long reading a chart's columns and the groups takes. Records mix a
 * duration field, a duration in the message only (read through the
 * tutorial's pattern) and no duration. Prints figures; asserts none. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "ld-activity.h"
#include "ld-store.h"
#include "ld-timing.h"

#define N_RECORDS 1000000
#define BATCH_SIZE 4096
#define N_RUNS 3

typedef enum
{
  MODELS_NONE,
  MODELS_ACTIVITY,
  MODELS_TIMING,
} Models;

static const char *const paths[] = { "/cart", "/pay", "/home", "/search", "/api/items" };

static GPtrArray *
make_batches (void)
{
  GPtrArray *batches = g_ptr_array_new_with_free_func ((GDestroyNotify) ld_batch_free);
  GRand *rand = g_rand_new_with_seed (16);
  gint64 clock = G_GINT64_CONSTANT (1763700000000000);
  LdBatch *batch = NULL;

  for (guint i = 0; i < N_RECORDS; i++)
    {
      LdRecordFields fields = { .level = 20, .level_name = "INFO", .logger = "shop.http" };
      double seconds = exp (g_rand_double_range (rand, log (1e-4), log (5)));
      char message[96], value[32];
      guint kind = i % 4;

      if (batch == NULL)
        batch = ld_batch_new ();
      clock += g_rand_int_range (rand, 0, 2000);
      fields.time_us = clock;
      if (kind == 1)
        g_snprintf (message, sizeof message, "Request completed in %.4fs [avg=0.1s]", seconds);
      else
        g_snprintf (message, sizeof message, "GET %s 200", paths[i % G_N_ELEMENTS (paths)]);
      fields.message = message;
      ld_batch_add (batch, &fields);
      ld_batch_add_extra (batch, "path", -1, LD_VALUE_STRING,
                          paths[i % G_N_ELEMENTS (paths)], -1);
      if (kind == 0 || kind == 2)
        {
          g_snprintf (value, sizeof value, "%.3f", seconds * 1000);
          ld_batch_add_extra (batch, "duration_ms", -1, LD_VALUE_NUMBER, value, -1);
        }
      if (ld_batch_get_length (batch) == BATCH_SIZE)
        {
          g_ptr_array_add (batches, batch);
          batch = NULL;
        }
    }
  if (batch != NULL)
    g_ptr_array_add (batches, batch);
  g_rand_free (rand);
  return batches;
}

static double
append_all (GPtrArray *batches,
            guint      max_records,
            Models     models,
            gsize     *memory)
{
  g_autoptr(LdStore) store = ld_store_new (max_records);
  g_autoptr(LdActivity) activity = ld_activity_new ();
  g_autoptr(LdTiming) timing = ld_timing_new ();
  gint64 start;

  if (models == MODELS_ACTIVITY)
    ld_activity_attach_store (activity, store);
  else if (models == MODELS_TIMING)
    {
      ld_timing_set_pattern (timing, "in {duration}s", NULL);
      ld_timing_set_group_key (timing, "path");
      ld_timing_attach_store (timing, store);
    }

  start = g_get_monotonic_time ();
  for (guint i = 0; i < batches->len; i++)
    ld_store_append_batch (store, batches->pdata[i]);
  *memory = models == MODELS_ACTIVITY ? ld_activity_get_memory_size (activity)
          : models == MODELS_TIMING ? ld_timing_get_memory_size (timing) : 0;

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
median_append (GPtrArray *batches,
               guint      max_records,
               Models     models,
               gsize     *memory)
{
  double runs[N_RUNS];

  for (guint r = 0; r < N_RUNS; r++)
    runs[r] = append_all (batches, max_records, models, memory);
  qsort (runs, N_RUNS, sizeof *runs, compare_doubles);
  return runs[N_RUNS / 2];
}

static void
bench_appends (GPtrArray *batches,
               guint      max_records,
               const char *label)
{
  gsize memory = 0;
  double none = median_append (batches, max_records, MODELS_NONE, &memory);
  double activity = median_append (batches, max_records, MODELS_ACTIVITY, &memory);
  gsize activity_memory = memory;
  double timing = median_append (batches, max_records, MODELS_TIMING, &memory);

  printf ("%s, %d records appended in batches of %d (median of %d runs):\n", label, N_RECORDS,
          BATCH_SIZE, N_RUNS);
  printf ("  store alone                 %8.1f ms  (%5.0f ns/record)\n", none * 1e3,
          none * 1e9 / N_RECORDS);
  printf ("  + activity counters (chart) %8.1f ms  (+%4.0f ns/record)  %6.1f MiB\n",
          activity * 1e3, (activity - none) * 1e9 / N_RECORDS, activity_memory / 1048576.0);
  printf ("  + timing counters           %8.1f ms  (+%4.0f ns/record)  %6.1f MiB\n",
          timing * 1e3, (timing - none) * 1e9 / N_RECORDS, memory / 1048576.0);
}

/* What a redraw and a list refresh cost over the whole session. */
static void
bench_reads (GPtrArray *batches)
{
  g_autoptr(LdStore) store = ld_store_new (N_RECORDS);
  g_autoptr(LdTiming) timing = ld_timing_new ();
  g_autofree LdTimingColumn *columns = g_new (LdTimingColumn, 400);
  gint64 first, last, start;
  double columns_ms, groups_ms;

  ld_timing_set_pattern (timing, "in {duration}s", NULL);
  ld_timing_set_group_key (timing, "path");
  ld_timing_attach_store (timing, store);
  for (guint i = 0; i < batches->len; i++)
    ld_store_append_batch (store, batches->pdata[i]);
  ld_timing_get_time_range (timing, &first, &last);

  start = g_get_monotonic_time ();
  ld_timing_read_columns (timing, first, MAX (1, (last - first + 1) / 400 + 1), 400, columns);
  columns_ms = (g_get_monotonic_time () - start) / 1000.0;
  start = g_get_monotonic_time ();
  g_array_unref (ld_timing_dup_groups (timing));
  g_array_unref (ld_timing_dup_slowest (timing));
  groups_ms = (g_get_monotonic_time () - start) / 1000.0;

  printf ("Reading, %u durations over %" G_GINT64_FORMAT " s:\n",
          ld_timing_get_n_durations (timing), last - first + 1);
  printf ("  400 chart columns (p50/p95/p99) %6.2f ms\n", columns_ms);
  printf ("  groups and slowest list         %6.2f ms\n", groups_ms);
}

/* "bench-timing none|activity|timing" appends once with those counters
 * only, for a profiler or an instruction count (perf stat -e instructions:u),
 * which a loaded machine does not disturb as it does a wall clock. */
static int
run_one (GPtrArray  *batches,
         const char *which)
{
  Models models = g_str_equal (which, "activity") ? MODELS_ACTIVITY
                : g_str_equal (which, "timing") ? MODELS_TIMING : MODELS_NONE;
  gsize memory = 0;
  double seconds = append_all (batches, N_RECORDS, models, &memory);

  printf ("%s: %.1f ms, %.1f MiB\n", which, seconds * 1e3, memory / 1048576.0);
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) batches = make_batches ();

  if (argc > 1)
    return run_one (batches, argv[1]);

  bench_appends (batches, N_RECORDS, "No eviction");
  bench_appends (batches, N_RECORDS / 4, "Store of a quarter: three in four records evicted");
  bench_reads (batches);
  return 0;
}
