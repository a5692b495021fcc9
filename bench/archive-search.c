// SPDX-License-Identifier: GPL-3.0-or-later
/* bench/archive-search: "Search the whole session" over an archive of
 * 10,000,000 records (--records N for another count): how long a word, a
 * field (key=value) and a regex take, through ld_archive_search_async() as
 * the window runs it, in-process without a window. The archive is written
 * first, straight through ld_archive_add() in large transactions (no
 * writer thread, no full-text index unless --fts), and its time is
 * printed apart; --archive FILE keeps it there, or searches it again if it
 * exists.
 * Prints figures; asserts none. */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "ld-archive.h"
#include "ld-archive-search.h"
#include "ld-store.h"

#define CHUNK 65536
#define COMMIT_EVERY (4 * CHUNK)

static const char *loggers[] = { "acme.api", "acme.api.auth", "acme.db", "acme.worker", "root" };
static const char *levels[] = { "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL" };
static const char *verbs[] = { "GET", "POST", "PUT", "DELETE" };
static const char *statuses[] = { "200", "200", "200", "201", "404", "500", "503" };

/* One record in 101 times out; one in 7 has status 503; durations spread
 * over 0–9,999 ms, so that the regex finds the four-digit ones. */
static void
add_record (LdBatch *batch,
            guint64  i)
{
  char message[128], duration[16], user[24];
  guint ms = (guint) (i * 7919 % 10000);
  LdRecordFields fields = {
    .time_us = 1763640000000000 + (gint64) i * 1000, .level = 10 * (1 + i % 5),
    .level_name = levels[i % 5], .logger = loggers[i % 5], .thread = "MainThread",
    .thread_id = 140000000 + i % 4, .process = 4242, .process_name = "MainProcess",
    .file = "/srv/acme/api.py", .line = 100 + i % 50, .function = "handle_request",
    .connection = "tcp-1", .peer = "127.0.0.1:50000", .protocol = "tcp-pickle",
    .host = i % 3 == 0 ? "web-1" : "web-2", .message = message,
  };

  if (i % 101 == 0)
    g_snprintf (message, sizeof message, "%s /api/v1/items/%" G_GUINT64_FORMAT
                " failed: upstream timeout after %u ms", verbs[i % 4], i, ms);
  else
    g_snprintf (message, sizeof message, "%s /api/v1/items/%" G_GUINT64_FORMAT
                " completed in %u ms", verbs[i % 4], i, ms);
  g_snprintf (duration, sizeof duration, "%u", ms);
  g_snprintf (user, sizeof user, "user-%u", (guint) (i % 1000));
  ld_batch_add (batch, &fields);
  ld_batch_add_extra (batch, "duration_ms", -1, LD_VALUE_NUMBER, duration, -1);
  ld_batch_add_extra (batch, "status", -1, LD_VALUE_NUMBER, statuses[i % 7], -1);
  ld_batch_add_extra (batch, "user", -1, LD_VALUE_STRING, user, -1);
}

/* The full-text index as the writer builds it while idle, timed. */
static void
index_archive (LdArchive *archive,
               guint64    n_records)
{
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  guint n_indexed;
  double seconds;

  do
    g_assert_true (ld_archive_index (archive, 1 << 20, &n_indexed, &error));
  while (n_indexed > 0);

  seconds = (g_get_monotonic_time () - start) / 1e6;
  printf ("index     %" G_GUINT64_FORMAT " records: %.2f s, %.0f records/s\n",
          n_records, seconds, n_records / seconds);
}

static void
write_archive (const char *path,
               guint64     n_records,
               gboolean    fts)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LdArchive) archive = ld_archive_create (path, &error);
  /* Holds one chunk at a time: the previous one is let go as the next comes. */
  g_autoptr(LdStore) store = ld_store_new (CHUNK);
  gint64 start = g_get_monotonic_time ();
  GStatBuf st;
  double seconds;

  g_assert_no_error (error);
  g_assert_true (ld_archive_begin (archive, &error));
  for (guint64 done = 0; done < n_records; done += CHUNK)
    {
      g_autoptr(LdBatch) batch = ld_batch_new ();
      guint n = (guint) MIN ((guint64) CHUNK, n_records - done);

      for (guint i = 0; i < n; i++)
        add_record (batch, done + i);
      ld_store_append_batch (store, batch);
      for (guint i = 0; i < n; i++)
        g_assert_true (ld_archive_add (archive, done + i,
                                       ld_store_get_record (store, ld_store_get_n_records (store)
                                                                   - n + i),
                                       &error));
      if ((done + n) % COMMIT_EVERY == 0 || done + n == n_records)
        {
          g_assert_true (ld_archive_commit (archive, &error));
          if (done + n < n_records)
            g_assert_true (ld_archive_begin (archive, &error));
        }
    }
  g_assert_no_error (error);
  seconds = (g_get_monotonic_time () - start) / 1e6;
  if (fts)
    index_archive (archive, n_records);
  g_clear_pointer (&archive, ld_archive_free);

  g_stat (path, &st);
  printf ("generate  %" G_GUINT64_FORMAT " records: %.2f s, %.0f records/s, %.1f bytes/record"
          " on disk%s\n", n_records, seconds, n_records / seconds,
          (double) st.st_size / n_records, fts ? " with the full-text index" : "");
}

typedef struct
{
  GMainLoop *loop;
  guint64    n_matches;
  guint64    n_scanned;
  gboolean   ok;
} Run;

static void
on_slice (LdBatch *const                *matches,
          guint                          n_batches,
          const guint64                 *seqs,
          guint                          n_matches,
          const LdArchiveSearchProgress *progress,
          gpointer                       user_data)
{
  Run *run = user_data;

  run->n_matches += n_matches;
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(GError) error = NULL;
  LdArchiveSearchProgress progress;

  run->ok = ld_archive_search_finish (result, &progress, &error);
  if (error != NULL)
    printf ("search failed: %s\n", error->message);
  run->n_scanned = progress.n_scanned;
  g_main_loop_quit (run->loop);
}

static void
time_search (const char *path,
             const char *label,
             const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LdQuery) query = ld_query_parse (text, g_get_real_time (), &error);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Run run = { loop, 0, 0, FALSE };
  gint64 start;
  double seconds;

  g_assert_no_error (error);
  start = g_get_monotonic_time ();
  ld_archive_search_async (path, query, 0, NULL, on_slice, &run, NULL, on_done, &run);
  g_main_loop_run (loop);
  seconds = (g_get_monotonic_time () - start) / 1e6;

  printf ("search    %-6s %-22s %" G_GUINT64_FORMAT " records in %.2f s: %.0f records/s, "
          "%" G_GUINT64_FORMAT " matches%s\n",
          label, text, run.n_scanned, seconds, run.n_scanned / seconds, run.n_matches,
          run.ok ? "" : " (FAILED)");
}

/* What the full-text index alone answers for @word, for scale: the rows
 * whose tokens include it. Not a pre-filter the search could use as it
 * is: a token is not a substring (`out` in `timeout`), and every candidate
 * would still be read and tested. */
static void
time_fts (const char *path,
          const char *word)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 start = g_get_monotonic_time (), count = -1;

  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK
      && sqlite3_prepare_v2 (db, "SELECT count (*) FROM record_text WHERE record_text MATCH ?",
                             -1, &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, word, -1, SQLITE_STATIC);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        count = sqlite3_column_int64 (stmt, 0);
    }
  printf ("fts       MATCH '%s' alone (tokens, not substrings): %" G_GINT64_FORMAT
          " rows in %.3f s%s\n", word, count, (g_get_monotonic_time () - start) / 1e6,
          count < 0 ? " (no index: --fts when generating)" : "");
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *archive = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  gint64 n_records = 10000000;
  gboolean fts = FALSE;
  GOptionEntry entries[] = {
    { "fts", 0, 0, G_OPTION_ARG_NONE, &fts,
      "Build the full-text index too, and time a MATCH for scale", NULL },
    { "records", 'n', 0, G_OPTION_ARG_INT64, &n_records, "How many records (10,000,000)", "N" },
    { "archive", 'a', 0, G_OPTION_ARG_FILENAME, &archive,
      "Keep the archive in FILE, or search FILE if it exists", "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— time Search the whole session");
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || n_records <= 0)
    {
      fprintf (stderr, "%s\n", error != NULL ? error->message : "--records must be positive");
      return EXIT_FAILURE;
    }

  if (archive != NULL)
    path = g_strdup (archive);
  else
    {
      dir = g_dir_make_tmp ("ld-bench-search-XXXXXX", NULL);
      path = g_build_filename (dir, "session.logdeck", NULL);
    }

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    write_archive (path, (guint64) n_records, fts);
  else
    printf ("generate  skipped: searching %s as it is\n", path);

  time_search (path, "word", "timeout");
  time_search (path, "field", "status=503");
  time_search (path, "regex", "/completed in [0-9]{4} ms/");
  if (fts)
    time_fts (path, "timeout");
  else
    printf ("fts       not used by the search: FTS5 tokens cannot stand for substring "
            "matches (see ld-archive-search.c); --fts times a MATCH for scale\n");

  if (dir != NULL)
    {
      g_autofree char *wal = g_strconcat (path, "-wal", NULL);
      g_autofree char *shm = g_strconcat (path, "-shm", NULL);

      g_unlink (path);
      g_unlink (wal);
      g_unlink (shm);
      g_rmdir (dir);
    }

  return EXIT_SUCCESS;
}
