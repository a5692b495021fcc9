// SPDX-License-Identifier: GPL-3.0-or-later
/* bench/archive-search: "Search the whole session" over an archive of
 * 10,000,000 records (--records N for another count): how long a word, a
 * field (key=value) and a regex take, through ld_archive_search_async() as
 * the window runs it, in-process without a window. The archive is written
 * first, straight through ld_archive_add() in large transactions (no
 * writer thread, no full-text index unless --fts), and its time is
 * printed apart; --archive FILE keeps it there, or searches it again if it
 * exists. With --lnav, the same records go to a text file as Python's
 * logging writes them, and lnav answers the same two questions on it (its
 * ERROR count and the word), for scale; the file is deleted afterwards.
 * Prints figures; asserts none. */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <errno.h>
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
format_message (char    *message,
                gsize    size,
                guint64  i)
{
  guint ms = (guint) (i * 7919 % 10000);

  if (i % 101 == 0)
    g_snprintf (message, size, "%s /api/v1/items/%" G_GUINT64_FORMAT
                " failed: upstream timeout after %u ms", verbs[i % 4], i, ms);
  else
    g_snprintf (message, size, "%s /api/v1/items/%" G_GUINT64_FORMAT
                " completed in %u ms", verbs[i % 4], i, ms);
}

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

  format_message (message, sizeof message, i);
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

static guint64
time_search (const char *path,
             const char *label,
             const char *text,
             guint64    *n_scanned)
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

  if (n_scanned != NULL)
    *n_scanned = run.n_scanned;
  return run.n_matches;
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

/* The same records as Python's logging writes them with
 * "%(asctime)s - %(name)s - %(levelname)s - %(message)s" (bench-e2e's text
 * log, which lnav reads as its generic log): local times, as asctime's. */
static gboolean
write_text_log (const char *path,
                guint64     n_records)
{
  FILE *out = fopen (path, "w");
  gint64 start = g_get_monotonic_time ();
  int failed;
  g_autofree char *stamp = NULL;
  gint64 stamp_s = -1;

  if (out == NULL)
    {
      printf ("lnav      skipped: cannot write %s: %s\n", path, g_strerror (errno));
      return FALSE;
    }
  for (guint64 i = 0; i < n_records; i++)
    {
      gint64 time_us = 1763640000000000 + (gint64) i * 1000;
      char message[128];

      /* A thousand records share a second: its text is made once. */
      if (time_us / G_USEC_PER_SEC != stamp_s)
        {
          g_autoptr(GDateTime) time = NULL;

          stamp_s = time_us / G_USEC_PER_SEC;
          time = g_date_time_new_from_unix_local (stamp_s);
          g_free (stamp);
          stamp = g_date_time_format (time, "%Y-%m-%d %H:%M:%S");
        }

      format_message (message, sizeof message, i);
      fprintf (out, "%s,%03d - %s - %s - %s\n", stamp, (int) (time_us / 1000 % 1000),
               loggers[i % 5], levels[i % 5], message);
    }
  failed = ferror (out) | fclose (out);
  if (failed)
    printf ("lnav      skipped: writing %s failed (full disk?)\n", path);
  else
    printf ("text log  %" G_GUINT64_FORMAT " lines for lnav: %.2f s\n", n_records,
            (g_get_monotonic_time () - start) / 1e6);

  return !failed;
}

/* lnav's answer to @sql on @path, from the start of its process to its
 * answer, as bench-e2e times it. The count is the last word it prints. */
static void
time_lnav (const char *path,
           const char *label,
           const char *sql,
           guint64     logdeck_count)
{
  g_autofree char *command = g_strconcat (";", sql, NULL);
  const char *argv[] = { "lnav", "-n", "-c", command, path, NULL };
  g_auto(GStrv) env = g_environ_setenv (g_get_environ (), "TERM", "dumb", TRUE);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) words = NULL;
  gint64 start = g_get_monotonic_time (), count = -1;
  int status = 0;
  guint n_words;

  if (!g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                     &status, &error))
    {
      printf ("lnav      %-6s failed to run: %s\n", label, error->message);
      return;
    }
  words = g_strsplit_set (g_strstrip (out), " \n", -1);
  n_words = g_strv_length (words);
  if (n_words > 0)
    g_ascii_string_to_signed (words[n_words - 1], 10, 0, G_MAXINT64, &count, NULL);
  printf ("lnav      %-6s %s: %.2f s, %" G_GINT64_FORMAT " lines (Logdeck: %" G_GUINT64_FORMAT
          ")%s\n", label, sql, (g_get_monotonic_time () - start) / 1e6, count, logdeck_count,
          count == (gint64) logdeck_count ? ""
          : count < 0 ? " (no count in its output)" : " (NOT THE SAME COUNT)");
}

/* lnav on the same records as a text file, for scale. Its levels are the
 * Python names lowercased, so "error" is ERROR alone, not CRITICAL, as
 * level=ERROR is in Logdeck; LIKE ignores ASCII case, as Logdeck's word
 * does. The time is lnav's whole run: reading and indexing the file, then
 * the query. */
static void
compare_lnav (guint64 n_records,
              guint64 n_errors,
              guint64 n_timeouts)
{
  g_autofree char *lnav = g_find_program_in_path ("lnav");
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;

  if (lnav == NULL)
    {
      printf ("lnav      skipped: not installed (build-aux/install-deps installs it)\n");
      return;
    }

  dir = g_dir_make_tmp ("ld-bench-lnav-XXXXXX", NULL);
  path = g_build_filename (dir, "app.log", NULL);
  if (write_text_log (path, n_records))
    {
      time_lnav (path, "level", "SELECT count(*) FROM all_logs WHERE log_level = 'error'",
                 n_errors);
      time_lnav (path, "word", "SELECT count(*) FROM all_logs WHERE log_body LIKE '%timeout%'",
                 n_timeouts);
    }
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *archive = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  gint64 n_records = 10000000;
  gboolean fts = FALSE, lnav = FALSE;
  guint64 n_timeouts, n_errors, n_scanned = 0;
  GOptionEntry entries[] = {
    { "lnav", 0, 0, G_OPTION_ARG_NONE, &lnav,
      "Also time lnav on the same records as a text file (a level and a word)", NULL },
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

  n_timeouts = time_search (path, "word", "timeout", &n_scanned);
  time_search (path, "field", "status=503", NULL);
  time_search (path, "regex", "/completed in [0-9]{4} ms/", NULL);
  /* The text log is made from --records: an archive kept from another
   * count would not hold the same records. */
  if (lnav && n_scanned != (guint64) n_records)
    printf ("lnav      skipped: the archive holds %" G_GUINT64_FORMAT " records, not --records\n",
            n_scanned);
  else if (lnav)
    {
      n_errors = time_search (path, "level", "level=ERROR", NULL);
      compare_lnav ((guint64) n_records, n_errors, n_timeouts);
    }
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
