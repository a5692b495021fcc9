// SPDX-License-Identifier: GPL-3.0-or-later
/* bench/timing: what the request-timing counters (LdTiming) add per
 * record to the thread that appends (the UI thread in Logdeck), in
 * process, next to what the activity counters (LdActivity, the chart's)
 * add over the same 1,000,000 records, in the same run; and what the
 * timing counters' worker thread spends counting them, and how long after
 * the last append it is done. Once when no record has a duration, once
 * when 30 % have one (20 % in a field, 10 % only in the message, read
 * through the tutorial's pattern); each with and without eviction. Then
 * the first opening of the panel over a full store, and what reading a
 * chart's columns and the groups costs. Prints figures; asserts none. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ld-activity.h"
#include "ld-store.h"
#include "ld-timing.h"

#define BATCH_SIZE 4096
#define N_RUNS 3

/* 1,000,000 unless "--records N" says otherwise: fewer for an
 * instruction count under callgrind. */
static guint n_records = 1000000;
/* Whether "bench-timing none|activity|timing" appends into a store of a
 * quarter of the records ("--evict"). */
static gboolean evict_three_in_four;

typedef enum
{
  MODELS_NONE,
  MODELS_ACTIVITY,
  MODELS_TIMING,
} Models;

static const char *const paths[] = { "/cart", "/pay", "/home", "/search", "/api/items" };

/* Records of a shop's HTTP logger, a path on each; of every ten,
 * @in_field carry a duration_ms field and @in_message say it only in
 * their message. */
static GPtrArray *
make_batches (guint in_field,
              guint in_message)
{
  GPtrArray *batches = g_ptr_array_new_with_free_func ((GDestroyNotify) ld_batch_free);
  GRand *rand = g_rand_new_with_seed (16);
  gint64 clock = G_GINT64_CONSTANT (1763700000000000);
  LdBatch *batch = NULL;

  for (guint i = 0; i < n_records; i++)
    {
      LdRecordFields fields = { .level = 20, .level_name = "INFO", .logger = "shop.http" };
      double seconds = exp (g_rand_double_range (rand, log (1e-4), log (5)));
      const char *path = paths[g_rand_int_range (rand, 0, G_N_ELEMENTS (paths))];
      char message[96], value[32];
      guint kind = i % 10;

      if (batch == NULL)
        batch = ld_batch_new ();
      clock += g_rand_int_range (rand, 0, 2000);
      fields.time_us = clock;
      if (kind >= in_field && kind < in_field + in_message)
        g_snprintf (message, sizeof message, "Request completed in %.4fs [avg=0.1s]", seconds);
      else
        g_snprintf (message, sizeof message, "GET %s 200", path);
      fields.message = message;
      ld_batch_add (batch, &fields);
      ld_batch_add_extra (batch, "path", -1, LD_VALUE_STRING, path, -1);
      ld_batch_add_extra (batch, "status", -1, LD_VALUE_NUMBER, "200", -1);
      if (kind < in_field)
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

/* The timing panel as the window sets it up: the tutorial's pattern, and
 * durations grouped by path. */
static void
set_up_timing (LdTiming *timing)
{
  ld_timing_set_pattern (timing, "in {duration}s", NULL);
  ld_timing_set_group_key (timing, "path");
}

static double
cpu_seconds (clockid_t clock)
{
  struct timespec now;

  clock_gettime (clock, &now);
  return now.tv_sec + now.tv_nsec / 1e9;
}

/* One run: the seconds the appending thread (the UI thread in Logdeck)
 * spent appending, by its wall clock; for the timing counters also the
 * seconds after the last append until their worker had counted
 * everything, and the CPU seconds the process spent beyond the
 * appending thread's own (the worker's). */
typedef struct
{
  double appending;
  double catching_up;
  double worker_cpu;
} Run;

static Run
append_all (GPtrArray *batches,
            guint      max_records,
            Models     models,
            gsize     *memory)
{
  g_autoptr(LdStore) store = ld_store_new (max_records);
  g_autoptr(LdActivity) activity = ld_activity_new ();
  g_autoptr(LdTiming) timing = ld_timing_new ();
  double process_start, thread_start;
  gint64 start, appended;
  Run run = { 0, 0, 0 };

  if (models == MODELS_ACTIVITY)
    ld_activity_attach_store (activity, store);
  else if (models == MODELS_TIMING)
    {
      set_up_timing (timing);
      ld_timing_attach_store (timing, store);
      ld_timing_flush (timing);
    }

  process_start = cpu_seconds (CLOCK_PROCESS_CPUTIME_ID);
  thread_start = cpu_seconds (CLOCK_THREAD_CPUTIME_ID);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < batches->len; i++)
    ld_store_append_batch (store, batches->pdata[i]);
  appended = g_get_monotonic_time ();
  run.appending = (appended - start) / (double) G_USEC_PER_SEC;
  if (models == MODELS_TIMING)
    {
      ld_timing_flush (timing);
      run.catching_up = (g_get_monotonic_time () - appended) / (double) G_USEC_PER_SEC;
      run.worker_cpu = (cpu_seconds (CLOCK_PROCESS_CPUTIME_ID) - process_start)
                       - (cpu_seconds (CLOCK_THREAD_CPUTIME_ID) - thread_start);
    }
  *memory = models == MODELS_ACTIVITY ? ld_activity_get_memory_size (activity)
          : models == MODELS_TIMING ? ld_timing_get_memory_size (timing) : 0;

  return run;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
median (double *runs)
{
  double sorted[N_RUNS];

  memcpy (sorted, runs, sizeof sorted);
  runs = sorted;
  qsort (runs, N_RUNS, sizeof *runs, compare_doubles);
  return runs[N_RUNS / 2];
}

/* The three set-ups alternate run by run, so that a machine that slows
 * down in the middle weighs on all three alike. */
static void
bench_appends (GPtrArray *batches,
               guint      max_records,
               const char *label)
{
  gsize memory = 0, activity_memory = 0, unused;
  double runs[3][N_RUNS], catching_up[N_RUNS], worker_cpu[N_RUNS], none, activity, timing;

  for (guint r = 0; r < N_RUNS; r++)
    {
      Run run;

      runs[MODELS_NONE][r] = append_all (batches, max_records, MODELS_NONE, &unused).appending;
      runs[MODELS_ACTIVITY][r] = append_all (batches, max_records, MODELS_ACTIVITY,
                                             &activity_memory).appending;
      run = append_all (batches, max_records, MODELS_TIMING, &memory);
      runs[MODELS_TIMING][r] = run.appending;
      catching_up[r] = run.catching_up;
      worker_cpu[r] = run.worker_cpu;
    }
  none = median (runs[MODELS_NONE]);
  activity = median (runs[MODELS_ACTIVITY]);
  timing = median (runs[MODELS_TIMING]);

  printf ("  %s (median of %d runs), time on the appending (UI) thread:\n", label, N_RUNS);
  printf ("    store alone                      %7.1f ms  (%4.0f ns/record)\n", none * 1e3,
          none * 1e9 / n_records);
  printf ("    + activity chart's counters      %7.1f ms  (%+4.0f ns/record)  %6.1f MiB\n",
          activity * 1e3, (activity - none) * 1e9 / n_records, activity_memory / 1048576.0);
  printf ("    + timing panel's counters        %7.1f ms  (%+4.0f ns/record)  %6.1f MiB\n",
          timing * 1e3, (timing - none) * 1e9 / n_records, memory / 1048576.0);
  printf ("      their worker thread: %.1f ms of CPU (%.0f ns/record), done %.1f ms after "
          "the last append\n", median (worker_cpu) * 1e3, median (worker_cpu) * 1e9 / n_records,
          median (catching_up) * 1e3);
}

/* Counting the records of a full store once, as each set of counters
 * does when attached: the counters' own cost per record, without the
 * store's appending around it. The activity counters count on the calling
 * thread; the timing counters on their worker, which is waited for. */
static void
bench_counting (LdStore *store)
{
  double runs[3][N_RUNS];
  guint n = ld_store_get_n_records (store);

  for (guint r = 0; r < N_RUNS; r++)
    {
      g_autoptr(LdActivity) activity = ld_activity_new ();
      g_autoptr(LdTiming) timing = ld_timing_new ();
      gint64 start = g_get_monotonic_time ();

      ld_activity_attach_store (activity, store);
      runs[MODELS_ACTIVITY][r] = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
      set_up_timing (timing);
      start = g_get_monotonic_time ();
      ld_timing_attach_store (timing, store);
      ld_timing_flush (timing);
      runs[MODELS_TIMING][r] = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
    }
  printf ("  Counting the %u stored records once (median of %d runs):\n", n, N_RUNS);
  printf ("    activity chart's counters        %7.1f ms  (%4.0f ns/record)\n",
          median (runs[MODELS_ACTIVITY]) * 1e3, median (runs[MODELS_ACTIVITY]) * 1e9 / n);
  printf ("    timing panel's counters (worker) %7.1f ms  (%4.0f ns/record)\n",
          median (runs[MODELS_TIMING]) * 1e3, median (runs[MODELS_TIMING]) * 1e9 / n);
}

/* The panel first shown over a full store: every record read by the
 * worker, while the UI thread reads the counters as a redraw would, every
 * 0.2 ms; the longest of those reads is the longest a redraw could wait
 * for the worker. */
static void
bench_first_open (LdStore *store)
{
  g_autoptr(LdTiming) timing = ld_timing_new ();
  gint64 start, attached, longest = 0;
  guint n_reads = 0;

  set_up_timing (timing);
  start = g_get_monotonic_time ();
  ld_timing_attach_store (timing, store);
  attached = g_get_monotonic_time ();
  while (ld_timing_get_pending (timing) > 0)
    {
      gint64 read_start = g_get_monotonic_time ();

      ld_timing_get_n_durations (timing);
      longest = MAX (longest, g_get_monotonic_time () - read_start);
      n_reads++;
      g_usleep (200);
    }
  printf ("  First opening over %u stored records: read in %.1f ms on the worker; the UI "
          "thread spent %.2f ms attaching, and the longest of %u reads meanwhile took "
          "%.3f ms\n", ld_store_get_n_records (store), (g_get_monotonic_time () - start) / 1000.0,
          (attached - start) / 1000.0, n_reads, longest / 1000.0);
}

/* What a redraw and a list refresh cost over the whole session. */
static void
bench_reads (LdStore *store)
{
  g_autoptr(LdTiming) timing = ld_timing_new ();
  g_autofree LdTimingColumn *columns = g_new (LdTimingColumn, 400);
  gint64 first, last, start;
  double columns_ms, groups_ms, again_ms;

  set_up_timing (timing);
  ld_timing_attach_store (timing, store);
  ld_timing_flush (timing);
  if (!ld_timing_get_time_range (timing, &first, &last))
    return;

  start = g_get_monotonic_time ();
  ld_timing_read_columns (timing, first, MAX (1, (last - first + 1) / 400 + 1), 400, columns);
  columns_ms = (g_get_monotonic_time () - start) / 1000.0;
  start = g_get_monotonic_time ();
  g_array_unref (ld_timing_dup_groups (timing));
  g_array_unref (ld_timing_dup_slowest (timing));
  groups_ms = (g_get_monotonic_time () - start) / 1000.0;
  start = g_get_monotonic_time ();
  g_array_unref (ld_timing_dup_groups (timing));
  g_array_unref (ld_timing_dup_slowest (timing));
  again_ms = (g_get_monotonic_time () - start) / 1000.0;

  printf ("  Reading, %u durations over %" G_GINT64_FORMAT " s:\n",
          ld_timing_get_n_durations (timing), last - first + 1);
  printf ("    400 chart columns (p50/p95/p99)  %6.2f ms\n", columns_ms);
  printf ("    groups and slowest list          %6.2f ms the first time (the top values' "
          "histograms filled), %.2f ms after\n", groups_ms, again_ms);
}

static void
bench_dataset (guint       in_field,
               guint       in_message,
               const char *label)
{
  g_autoptr(GPtrArray) batches = make_batches (in_field, in_message);
  g_autoptr(LdStore) store = ld_store_new (n_records);

  printf ("%s, %u records appended in batches of %d, in process:\n", label, n_records,
          BATCH_SIZE);
  bench_appends (batches, n_records, "No eviction");
  bench_appends (batches, n_records / 4, "Store of a quarter: three in four records evicted");

  for (guint i = 0; i < batches->len; i++)
    ld_store_append_batch (store, batches->pdata[i]);
  bench_counting (store);
  bench_first_open (store);
  bench_reads (store);
}

/* "bench-timing [--evict] none|activity|timing [percent]" appends once
 * with those counters only (into a store of a quarter of the records with
 * --evict), and "bench-timing recount [percent]" fills a store and has
 * the timing counters read it five times, for a profiler or an
 * instruction count (perf stat -e instructions:u, or callgrind with
 * "--records 100000" first), which a loaded machine does not disturb as
 * it does a wall clock; percent is 0 or 30 (the default), the records
 * with a duration. */
static int
run_one (const char *which,
         const char *percent)
{
  Models models = g_str_equal (which, "activity") ? MODELS_ACTIVITY
                : g_str_equal (which, "timing") ? MODELS_TIMING : MODELS_NONE;
  gboolean none = percent != NULL && g_str_equal (percent, "0");
  g_autoptr(GPtrArray) batches = make_batches (none ? 0 : 2, none ? 0 : 1);
  gsize memory = 0;
  Run run;

  if (g_str_equal (which, "recount"))
    {
      g_autoptr(LdStore) store = ld_store_new (n_records);

      for (guint i = 0; i < batches->len; i++)
        ld_store_append_batch (store, batches->pdata[i]);
      for (guint r = 0; r < 5; r++)
        {
          g_autoptr(LdTiming) timing = ld_timing_new ();

          set_up_timing (timing);
          ld_timing_attach_store (timing, store);
          ld_timing_flush (timing);
        }
      return 0;
    }

  run = append_all (batches, evict_three_in_four ? n_records / 4 : n_records, models, &memory);
  printf ("%s: %.1f ms appending, %.1f MiB", which, run.appending * 1e3, memory / 1048576.0);
  if (models == MODELS_TIMING)
    printf ("; worker: %.1f ms of CPU, done %.1f ms after the last append",
            run.worker_cpu * 1e3, run.catching_up * 1e3);
  printf ("\n");
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  if (argc > 2 && g_str_equal (argv[1], "--records"))
    {
      n_records = (guint) g_ascii_strtoull (argv[2], NULL, 10);
      if (n_records < 4 || n_records > 100000000)
        {
          fprintf (stderr, "--records takes 4 to 100000000\n");
          return 1;
        }
      argc -= 2;
      argv += 2;
    }
  if (argc > 1 && g_str_equal (argv[1], "--evict"))
    {
      evict_three_in_four = TRUE;
      argc--;
      argv++;
    }
  if (argc > 1)
    return run_one (argv[1], argc > 2 ? argv[2] : NULL);

  bench_dataset (0, 0, "No record with a duration");
  bench_dataset (2, 1, "30 % with a duration (20 % in a field, 10 % in the message)");
  return 0;
}
