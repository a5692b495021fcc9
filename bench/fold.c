// SPDX-License-Identifier: GPL-3.0-or-later
/* bench/fold: what repeat folding costs per record over 1,000,000 shown
 * records: turning it on (the first slice, which the window waits for, and
 * every record's key computed once, which idle slices do), following
 * records as they arrive in batches with the oldest evicted, and turning
 * it on again over keys already dropped. In-process figures: the store,
 * filter model and fold model in this program, no window. Prints figures;
 * asserts none. */
#include "config.h"

#include <stdio.h>

#include "ld-filter-model.h"
#include "ld-fold-model.h"
#include "ld-store.h"

#define N_RECORDS  1000000
#define BATCH_SIZE 4096
#define N_ARRIVAL_BATCHES 100
#define NOW        G_GINT64_CONSTANT (1795176000000000)

static const char *formats[] = {
  "heartbeat %u ok", "GET /api/v1/items/%u 200", "user 'u%u' logged in",
  "cache miss for key 0x%x", "request %u done in 12 ms",
};

static LdBatch *
make_batch (guint first,
            guint n)
{
  LdBatch *batch = ld_batch_new ();

  for (guint i = first; i < first + n; i++)
    {
      char message[64];
      /* Runs of 1 to 8 records, as a noisy server's repeats come. */
      guint run = 1 + (i / 64) % 8;
      guint kind = (i / run) % G_N_ELEMENTS (formats);
      LdRecordFields fields = {
        .time_us = NOW + (gint64) i * 1000,
        .level = 20,
        .logger = kind % 2 ? "acme.api" : "acme.worker",
        .message = message,
      };

      g_snprintf (message, sizeof message, formats[kind], i);
      ld_batch_add (batch, &fields);
    }

  return batch;
}

static void
fill (LdStore *store,
      guint    from,
      guint    n)
{
  for (guint i = from; i < from + n; i += BATCH_SIZE)
    {
      g_autoptr(LdBatch) batch = make_batch (i, MIN (BATCH_SIZE, from + n - i));

      ld_store_append_batch (store, batch);
    }
}

int
main (void)
{
  g_autoptr(LdStore) store = ld_store_new (N_RECORDS);
  g_autoptr(LdFilterModel) filter = NULL;
  g_autoptr(LdFoldModel) fold = NULL;
  gint64 start;
  double first_ms, on_ms, arrive_ms, again_ms;

  fill (store, 0, N_RECORDS);
  filter = ld_filter_model_new (store);
  fold = ld_fold_model_new (filter);

  start = g_get_monotonic_time ();
  ld_fold_model_set_enabled (fold, TRUE);
  first_ms = (g_get_monotonic_time () - start) / 1000.0;
  ld_fold_model_flush (fold);
  on_ms = (g_get_monotonic_time () - start) / 1000.0;

  /* Arrivals, each batch evicting as many of the oldest. */
  start = g_get_monotonic_time ();
  fill (store, N_RECORDS, N_ARRIVAL_BATCHES * BATCH_SIZE);
  arrive_ms = (g_get_monotonic_time () - start) / 1000.0;

  ld_fold_model_set_enabled (fold, FALSE);
  start = g_get_monotonic_time ();
  ld_fold_model_set_enabled (fold, TRUE);
  ld_fold_model_flush (fold);
  again_ms = (g_get_monotonic_time () - start) / 1000.0;

  printf ("fold: %u records shown, %u runs\n", g_list_model_get_n_items (G_LIST_MODEL (filter)),
          ld_fold_model_get_n_groups (fold));
  printf ("fold: turning folding on: first slice %.1f ms, all %.1f ms (%.3f µs a record)\n",
          first_ms, on_ms, on_ms * 1000.0 / N_RECORDS);
  printf ("fold: %u arriving records with eviction, store and filter included: %.1f ms "
          "(%.3f µs a record)\n", N_ARRIVAL_BATCHES * BATCH_SIZE, arrive_ms,
          arrive_ms * 1000.0 / (N_ARRIVAL_BATCHES * BATCH_SIZE));
  printf ("fold: turning it on again: %.1f ms\n", again_ms);

  return 0;
}
