// SPDX-License-Identifier: GPL-3.0-or-later
/* bench/store: how fast the store appends records, and how many bytes it
 * keeps per record beyond the message text. Prints figures; asserts none. */
#include "config.h"

#include <stdio.h>

#include "ld-store.h"

#define N_RECORDS 1000000
#define BATCH_SIZE 4096
#define N_RUNS 5

static const char *loggers[] = { "acme.api", "acme.api.auth", "acme.db", "acme.worker", "root" };
static const char *threads[] = { "MainThread", "Worker-1", "Worker-2", "Worker-3" };
static const char *levels[] = { "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL" };

static GPtrArray *
make_batches (gsize *message_bytes)
{
  GPtrArray *batches = g_ptr_array_new_with_free_func ((GDestroyNotify) ld_batch_free);
  LdBatch *batch = NULL;

  *message_bytes = 0;
  for (guint i = 0; i < N_RECORDS; i++)
    {
      char message[96];
      LdRecordFields fields = {
        .time_us = 1763640000000000 + i * 1000, .level = 10 * (1 + i % 5),
        .level_name = levels[i % 5], .logger = loggers[i % 5], .thread = threads[i % 4],
        .thread_id = 140000000 + i % 4, .process = 4242, .process_name = "MainProcess",
        .file = "/srv/acme/api.py", .line = 100 + i % 50, .function = "handle_request",
        .connection = "tcp-1", .peer = "127.0.0.1:50000", .protocol = "tcp-pickle",
        .message = message,
      };

      *message_bytes += g_snprintf (message, sizeof message,
                                    "GET /api/v1/items/%u completed in %u ms", i, i % 997);
      if (batch == NULL)
        batch = ld_batch_new ();
      ld_batch_add (batch, &fields);
      if (ld_batch_get_length (batch) == BATCH_SIZE)
        g_ptr_array_add (batches, g_steal_pointer (&batch));
    }
  if (batch != NULL)
    g_ptr_array_add (batches, batch);

  return batches;
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
  gsize message_bytes;
  g_autoptr(GPtrArray) batches = make_batches (&message_bytes);
  double rates[N_RUNS];
  double per_record = 0;

  for (guint run = 0; run < N_RUNS; run++)
    {
      g_autoptr(LdStore) store = ld_store_new (N_RECORDS);
      gint64 start = g_get_monotonic_time ();
      double seconds;

      for (guint i = 0; i < batches->len; i++)
        ld_store_append_batch (store, batches->pdata[i]);

      seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
      rates[run] = N_RECORDS / seconds;
      per_record = (double) (ld_store_get_memory_size (store) - message_bytes) / N_RECORDS;
      printf ("run %u: %d records in %.3f s = %.0f appends/s\n", run + 1, N_RECORDS, seconds,
              rates[run]);
    }

  qsort (rates, N_RUNS, sizeof rates[0], compare_doubles);
  printf ("store: median %.0f appends/s over %d runs (target >= 5,000,000)\n", rates[N_RUNS / 2],
          N_RUNS);
  printf ("store: %.1f bytes per record beyond the message text (target <= 96; "
          "sizeof (LdRecord) = %zu)\n", per_record, sizeof (LdRecord));

  return 0;
}
