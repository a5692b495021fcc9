// SPDX-License-Identifier: GPL-3.0-or-later
/* bench/archive: how fast the archive writer thread empties a store of
 * 1,000,000 records into a new SQLite archive (in-process: the records are
 * in the store before the clock starts), the bytes each takes on disk, and
 * how fast an archive is read back. Prints figures; asserts none. */
#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>

#include "ld-archive.h"
#include "ld-archive-writer.h"
#include "ld-store.h"

#define N_RECORDS 1000000
#define BATCH_SIZE 4096
#define N_RUNS 3

static const char *loggers[] = { "acme.api", "acme.api.auth", "acme.db", "acme.worker", "root" };
static const char *threads[] = { "MainThread", "Worker-1", "Worker-2", "Worker-3" };
static const char *levels[] = { "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL" };

static LdStore *
make_store (void)
{
  LdStore *store = ld_store_new (N_RECORDS);
  g_autoptr(LdBatch) batch = ld_batch_new ();

  for (guint i = 0; i < N_RECORDS; i++)
    {
      char message[96], duration[16];
      LdRecordFields fields = {
        .time_us = 1763640000000000 + i * 1000, .level = 10 * (1 + i % 5),
        .level_name = levels[i % 5], .logger = loggers[i % 5], .thread = threads[i % 4],
        .thread_id = 140000000 + i % 4, .process = 4242, .process_name = "MainProcess",
        .file = "/srv/acme/api.py", .line = 100 + i % 50, .function = "handle_request",
        .connection = "tcp-1", .peer = "127.0.0.1:50000", .protocol = "tcp-pickle",
        .message = message,
      };

      g_snprintf (message, sizeof message, "GET /api/v1/items/%u completed in %u ms", i, i % 997);
      g_snprintf (duration, sizeof duration, "%u", i % 997);
      ld_batch_add (batch, &fields);
      ld_batch_add_extra (batch, "duration_ms", -1, LD_VALUE_NUMBER, duration, -1);
      ld_batch_add_extra (batch, "path", -1, LD_VALUE_STRING, "/api/v1/items", -1);
      if (ld_batch_get_length (batch) == BATCH_SIZE)
        {
          ld_store_append_batch (store, batch);
          g_clear_pointer (&batch, ld_batch_free);
          batch = ld_batch_new ();
        }
    }
  ld_store_append_batch (store, batch);

  return store;
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
  g_autoptr(LdStore) store = make_store ();
  g_autofree char *dir = g_dir_make_tmp ("ld-bench-archive-XXXXXX", NULL);
  double write_rates[N_RUNS], read_rates[N_RUNS], index_rates[N_RUNS];
  goffset size = 0;

  for (guint run = 0; run < N_RUNS; run++)
    {
      g_autofree char *path = g_strdup_printf ("%s/run-%u.logdeck", dir, run);
      g_autoptr(GError) error = NULL;
      g_autoptr(LdArchive) reader = NULL;
      g_autoptr(GFile) file = NULL;
      g_autoptr(GFileInfo) info = NULL;
      LdArchiveWriter *writer;
      guint64 next = 0, n_read = 0;
      gint64 start;

      start = g_get_monotonic_time ();
      writer = ld_archive_writer_new (store, path, &error);
      g_assert_no_error (error);
      ld_archive_writer_flush (writer);
      ld_archive_writer_free (writer);
      write_rates[run] = N_RECORDS / ((g_get_monotonic_time () - start) / 1e6);

      file = g_file_new_for_path (path);
      info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, 0, NULL, NULL);
      size = g_file_info_get_size (info);

      reader = ld_archive_open (path, &error);
      g_assert_no_error (error);
      start = g_get_monotonic_time ();
      while (TRUE)
        {
          g_autoptr(LdBatch) batch = ld_batch_new ();

          g_assert_true (ld_archive_read (reader, next, 65536, batch, &next, &error));
          if (ld_batch_get_length (batch) == 0)
            break;
          n_read += ld_batch_get_length (batch);
        }
      read_rates[run] = n_read / ((g_get_monotonic_time () - start) / 1e6);
      g_unlink (path);

      /* The full-text index, which the writer builds while no records wait. */
      {
        g_autoptr(LdArchive) direct = ld_archive_create (path, &error);
        guint n;

        g_assert_no_error (error);
        g_assert_true (ld_archive_begin (direct, &error));
        for (guint i = 0; i < N_RECORDS; i++)
          g_assert_true (ld_archive_add (direct, i, ld_store_get_record (store, i), &error));
        g_assert_true (ld_archive_commit (direct, &error));
        start = g_get_monotonic_time ();
        do
          g_assert_true (ld_archive_index (direct, 65536, &n, &error));
        while (n > 0);
        index_rates[run] = N_RECORDS / ((g_get_monotonic_time () - start) / 1e6);
      }
      g_unlink (path);
      printf ("run %u: wrote %.0f records/s, indexed %.0f records/s, read back %.0f records/s, "
              "%.1f bytes/record on disk before indexing\n",
              run + 1, write_rates[run], index_rates[run], read_rates[run], (double) size / N_RECORDS);
    }
  g_rmdir (dir);

  qsort (write_rates, N_RUNS, sizeof (double), compare_doubles);
  qsort (read_rates, N_RUNS, sizeof (double), compare_doubles);
  qsort (index_rates, N_RUNS, sizeof (double), compare_doubles);
  printf ("archive writer thread (in-process, %d records with two extras): median %.0f records/s; "
          "full-text index (built while idle): median %.0f records/s; reading back: median "
          "%.0f records/s; %.1f bytes/record\n",
          N_RECORDS, write_rates[N_RUNS / 2], index_rates[N_RUNS / 2], read_rates[N_RUNS / 2],
          (double) size / N_RECORDS);

  return 0;
}
