// SPDX-License-Identifier: GPL-3.0-or-later
/* bench/field-stats: how long a field's top values take to be ready over
 * 1,000,000 shown records (issue #16 asks for at most 200 ms), for an
 * interned column, an extra string field and a numeric extra field, and
 * what following arriving records costs per record. In-process figures:
 * the store and the statistics in this program, no window. Prints figures;
 * asserts none. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "ld-field-stats.h"
#include "ld-filter-model.h"
#include "ld-store.h"

#define N_RECORDS  1000000
#define BATCH_SIZE 4096
#define N_RUNS     5
#define N_ARRIVAL_BATCHES 100
#define NOW        G_GINT64_CONSTANT (1795176000000000)

static const char *loggers[] = { "acme.api", "acme.api.auth", "acme.db", "acme.worker",
                                 "websockets.server", "urllib3.connectionpool", "root" };
static const char *paths[] = { "/api/v1/items", "/api/v1/orders", "/login", "/health",
                               "/api/v1/users", "/static/app.js", "/metrics", "/" };
static const char *statuses[] = { "200", "200", "200", "201", "304", "404", "500" };

static guint32 rng_state = 2463534242u;

static guint32
next_random (void)
{
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 17;
  rng_state ^= rng_state << 5;
  return rng_state;
}

static LdBatch *
make_batch (guint first,
            guint n)
{
  LdBatch *batch = ld_batch_new ();

  for (guint i = first; i < first + n; i++)
    {
      char message[64], duration[32], thread[16];
      LdRecordFields fields = {
        .time_us = NOW + (gint64) i * 1000,
        .level = 20,
        .level_name = "INFO",
        .logger = loggers[next_random () % G_N_ELEMENTS (loggers)],
        .thread = thread,
        .message = message,
        .connection = "tcp-1",
        .peer = "127.0.0.1:50000",
        .protocol = "tcp-pickle",
      };

      g_snprintf (thread, sizeof thread, "Worker-%u", next_random () % 8);
      g_snprintf (message, sizeof message, "request %u done", i);
      g_snprintf (duration, sizeof duration, "%u.%03u", next_random () % 3, next_random () % 1000);
      ld_batch_add (batch, &fields);
      ld_batch_add_extra (batch, "path", -1, LD_VALUE_STRING,
                          paths[next_random () % G_N_ELEMENTS (paths)], -1);
      ld_batch_add_extra (batch, "status", -1, LD_VALUE_NUMBER,
                          statuses[next_random () % G_N_ELEMENTS (statuses)], -1);
      ld_batch_add_extra (batch, "duration", -1, LD_VALUE_NUMBER, duration, -1);
    }

  return batch;
}

static double
ms_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1000.0;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median (double *runs)
{
  qsort (runs, N_RUNS, sizeof (double), compare_doubles);
  return runs[N_RUNS / 2];
}

/* From choosing the field to its top 10 (and, for numbers, the figures) in hand. */
static void
time_field (LdFieldStats *stats,
            LdStatsField  field,
            const char   *key,
            const char   *label)
{
  double runs[N_RUNS];
  LdFieldNumbers numbers;
  gboolean numeric = FALSE;

  for (guint run = 0; run < N_RUNS; run++)
    {
      g_autoptr(GArray) top = NULL;
      gint64 start;

      ld_field_stats_set_field (stats, LD_STATS_FIELD_NONE, NULL);
      ld_field_stats_flush (stats);
      start = g_get_monotonic_time ();
      ld_field_stats_set_field (stats, field, key);
      ld_field_stats_flush (stats);
      top = ld_field_stats_dup_top_values (stats, 10, NULL);
      numeric = ld_field_stats_get_numbers (stats, &numbers);
      runs[run] = ms_since (start);
    }

  printf ("  %-28s %8.1f ms%s\n", label, median (runs),
          numeric ? "  (with min, median, p95, max, histogram)" : "");
}

/* Nanoseconds per record to append batches to a full store, which evicts as many. */
static double
time_arrivals (LdStore *store,
               guint    first)
{
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < N_ARRIVAL_BATCHES; i++)
    {
      g_autoptr(LdBatch) batch = make_batch (first + i * BATCH_SIZE, BATCH_SIZE);

      ld_store_append_batch (store, batch);
    }

  return (g_get_monotonic_time () - start) * 1000.0 / (N_ARRIVAL_BATCHES * BATCH_SIZE);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(LdStore) store = ld_store_new (N_RECORDS);
  g_autoptr(LdFilterModel) model = ld_filter_model_new (store);
  g_autoptr(LdFieldStats) stats = NULL;
  double with_stats, without;
  gint64 start;

  for (guint i = 0; i < N_RECORDS; i += BATCH_SIZE)
    {
      g_autoptr(LdBatch) batch = make_batch (i, MIN (BATCH_SIZE, N_RECORDS - i));

      ld_store_append_batch (store, batch);
    }
  ld_filter_model_flush (model);

  printf ("Field statistics over %u shown records (in-process, median of %d runs)\n",
          g_list_model_get_n_items (G_LIST_MODEL (model)), N_RUNS);

  start = g_get_monotonic_time ();
  stats = ld_field_stats_new (model);
  ld_field_stats_flush (stats);
  printf ("  %-28s %8.1f ms\n", "Fields (keys and counts)", ms_since (start));

  time_field (stats, LD_STATS_FIELD_LOGGER, NULL, "top values: logger");
  time_field (stats, LD_STATS_FIELD_EXTRA, "path", "top values: extra path");
  time_field (stats, LD_STATS_FIELD_EXTRA, "status", "top values: extra status");
  time_field (stats, LD_STATS_FIELD_EXTRA, "duration", "top values: extra duration");

  /* Following: records arrive while the oldest are evicted, with the
   * statistics and then without, for what they add. */
  ld_field_stats_set_field (stats, LD_STATS_FIELD_EXTRA, "path");
  ld_field_stats_flush (stats);
  with_stats = time_arrivals (store, N_RECORDS);
  g_clear_object (&stats);
  without = time_arrivals (store, N_RECORDS + N_ARRIVAL_BATCHES * BATCH_SIZE);
  printf ("  %-28s %8.0f ns per record (store and filter: %.0f ns; with eviction)\n",
          "following arrivals", with_stats, without);

  return 0;
}
