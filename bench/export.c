// SPDX-License-Identifier: GPL-3.0-or-later
/* bench/export: a million records exported to JSON Lines, text and CSV, and
 * the JSON Lines and text files opened again until every record is in a
 * store. Each figure is the median of three runs. Prints figures; asserts
 * none.
 *
 *   bench-export [DIR]     (where to write the files; default: a new one in /tmp)
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <sys/resource.h>

#include "ld-export.h"
#include "ld-import.h"
#include "ld-store.h"

#define N_RECORDS 1000000
#define BATCH_SIZE 4096
#define N_RUNS 3

static const char *loggers[] = { "acme.api", "acme.api.auth", "acme.db", "acme.worker", "root" };
static const char *threads[] = { "MainThread", "Worker-1", "Worker-2", "Worker-3" };
static const char *levels[] = { "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL" };

static const char traceback[] =
  "Traceback (most recent call last):\n"
  "  File \"/srv/acme/api.py\", line 120, in handle_request\n"
  "    item = load(item_id)\n"
  "KeyError: 'item'";

/* A busy web service's records: a traceback on one in fifty, contextual
 * extra fields on one in four. */
static void
add_record (LdBatch *batch,
            guint    i)
{
  char message[96];
  LdRecordFields fields = {
    .time_us = 1763640000000000 + i * 1000, .level = 10 * (1 + i % 5),
    .level_name = levels[i % 5], .logger = loggers[i % 5], .thread = threads[i % 4],
    .thread_id = 140000000 + i % 4, .process = 4242, .process_name = "MainProcess",
    .file = "/srv/acme/api.py", .line = 100 + i % 50, .function = "handle_request",
    .connection = "tcp-1", .peer = "127.0.0.1:50000", .protocol = "tcp-pickle",
    .message = message, .exception = i % 50 == 3 ? traceback : NULL,
  };

  g_snprintf (message, sizeof message, "GET /api/v1/items/%u completed in %u ms", i, i % 997);
  ld_batch_add (batch, &fields);
  if (i % 4 == 0)
    {
      char id[16];

      g_snprintf (id, sizeof id, "%u", i % 10007);
      ld_batch_add_extra (batch, "user", -1, LD_VALUE_STRING, "alice", -1);
      ld_batch_add_extra (batch, "request_id", -1, LD_VALUE_NUMBER, id, -1);
    }
}

static LdStore *
make_store (void)
{
  LdStore *store = ld_store_new (N_RECORDS);
  g_autoptr(LdBatch) batch = ld_batch_new ();

  for (guint i = 0; i < N_RECORDS; i++)
    {
      add_record (batch, i);
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

static double
median (double values[N_RUNS])
{
  qsort (values, N_RUNS, sizeof (double), compare_doubles);
  return values[N_RUNS / 2];
}

/* 1612903 as "1,612,903". */
static char *
with_commas (guint64 n)
{
  g_autofree char *digits = g_strdup_printf ("%" G_GUINT64_FORMAT, n);
  GString *out = g_string_new (NULL);
  gsize len = strlen (digits);

  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, digits[i]);
    }

  return g_string_free (out, FALSE);
}

/* Processor time of every thread, which says more than the wall clock on a
 * machine that other work shares. */
static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec
         + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static void
print_figure (const char *what,
              guint64     n,
              double      seconds,
              double      cpu,
              guint64     bytes)
{
  g_autofree char *rate = with_commas ((guint64) (n / seconds));

  printf ("%s: %" G_GUINT64_FORMAT " records in %.2f s (%s records/s, %" G_GUINT64_FORMAT
          " MB; %.2f s of processor time)\n", what, n, seconds, rate, bytes / 1000000, cpu);
  fflush (stdout);
}

static guint64
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (guint64) st.st_size : 0;
}

static void
bench_export (LdExportSnapshot      *snapshot,
              const char            *what,
              const char            *path,
              const LdExportOptions *options)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  double seconds[N_RUNS], cpu[N_RUNS];

  for (guint run = 0; run < N_RUNS; run++)
    {
      g_autoptr(GError) error = NULL;
      gint64 start = g_get_monotonic_time ();
      double cpu_start = cpu_seconds ();

      if (!ld_export_to_file (snapshot, file, options, NULL, &error))
        g_error ("%s: %s", what, error->message);
      seconds[run] = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
      cpu[run] = cpu_seconds () - cpu_start;
    }

  print_figure (what, ld_export_snapshot_get_n_records (snapshot), median (seconds), median (cpu),
                file_size (path));
}

typedef struct
{
  LdStore  *store;
  gboolean  done;
  GError   *error;
} Load;

static void
on_drain (LdBatch *const *batches,
          guint           n_batches,
          gpointer        user_data)
{
  Load *load = user_data;

  ld_store_append_batches (load->store, batches, n_batches);
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Load *load = user_data;

  ld_import_run_finish (LD_IMPORT (source), result, &load->error);
  load->done = TRUE;
}

/* Opening a file as the window does: a worker reads, the main loop puts the
 * batches into the store; done when the last is in. */
static double
load_once (const char *path,
           guint64    *n_records)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(LdImport) import = ld_import_new_for_file (file);
  g_autoptr(LdStore) store = ld_store_new (N_RECORDS);
  Load load = { store };
  g_autoptr(LdHandoff) handoff = ld_handoff_new (NULL, on_drain, &load, NULL);
  gint64 start = g_get_monotonic_time ();
  double seconds;

  ld_import_set_handoff (import, handoff);
  ld_import_run_async (import, NULL, on_done, &load);
  while (!load.done)
    g_main_context_iteration (NULL, TRUE);
  while (ld_handoff_drain (handoff))
    ;
  seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;

  if (load.error != NULL)
    g_error ("%s: %s", path, load.error->message);
  *n_records = ld_store_get_n_records (store);
  ld_handoff_shutdown (handoff);
  return seconds;
}

static void
bench_open (const char *what,
            const char *path)
{
  double seconds[N_RUNS], cpu[N_RUNS];
  guint64 n = 0;

  for (guint run = 0; run < N_RUNS; run++)
    {
      double cpu_start = cpu_seconds ();

      seconds[run] = load_once (path, &n);
      cpu[run] = cpu_seconds () - cpu_start;
    }

  print_figure (what, n, median (seconds), median (cpu), file_size (path));
}

/* The same count by lnav, the yardstick, if it is installed. */
static void
bench_lnav (const char *path)
{
  g_autofree char *lnav = g_find_program_in_path ("lnav");
  double seconds[N_RUNS];
  g_autofree char *out = NULL;

  if (lnav == NULL)
    {
      printf ("lnav: not installed (apt install lnav), no comparison\n");
      return;
    }

  for (guint run = 0; run < N_RUNS; run++)
    {
      const char *argv[] = { lnav, "-n", "-c", ";SELECT count(*) FROM all_logs", path, NULL };
      gint64 start = g_get_monotonic_time ();

      g_clear_pointer (&out, g_free);
      if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                         &out, NULL, NULL, NULL))
        return;
      seconds[run] = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
    }

  g_strdelimit (g_strstrip (out), "\n", ' ');
  printf ("lnav -n -c ';SELECT count(*) FROM all_logs' on the text log: %.2f s "
          "(it printed \"%s\")\n", median (seconds), out);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = argc > 1 ? g_strdup (argv[1]) : g_dir_make_tmp ("logdeck-bench-XXXXXX",
                                                                          &error);
  g_autofree char *jsonl = g_build_filename (dir, "export.jsonl", NULL);
  g_autofree char *text = g_build_filename (dir, "export.log", NULL);
  g_autofree char *csv = g_build_filename (dir, "export.csv", NULL);
  g_autoptr(LdStore) store = make_store ();
  g_autoptr(LdExportSnapshot) snapshot = NULL;
  LdExportOptions jsonl_options = { LD_EXPORT_JSONL };
  LdExportOptions text_options = { LD_EXPORT_TEXT };
  LdExportOptions csv_options = { LD_EXPORT_CSV };
  gint64 start;

  if (dir == NULL || g_mkdir_with_parents (dir, 0755) != 0)
    g_error ("%s", error != NULL ? error->message : g_strerror (errno));
  g_setenv ("TZ", "UTC", TRUE);

  start = g_get_monotonic_time ();
  snapshot = ld_export_snapshot_new_from_store (store, NULL, 0);
  printf ("snapshot: %u records copied in %.3f s\n", ld_export_snapshot_get_n_records (snapshot),
          (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
  g_clear_object (&store);

  bench_export (snapshot, "export-jsonl", jsonl, &jsonl_options);
  bench_export (snapshot, "export-text", text, &text_options);
  bench_export (snapshot, "export-csv", csv, &csv_options);
  bench_open ("open-jsonl", jsonl);
  bench_open ("open-text", text);
  bench_lnav (text);

  if (argc <= 1)
    {
      g_unlink (jsonl);
      g_unlink (text);
      g_unlink (csv);
      g_rmdir (dir);
    }
  return 0;
}
