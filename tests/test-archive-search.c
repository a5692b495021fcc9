// SPDX-License-Identifier: GPL-3.0-or-later
/* "Search the whole session" over an archive gives exactly the records the
 * in-memory filter matches, in order, for a random set of queries, while
 * the session's own store keeps far fewer; and an empty, growing, gappy,
 * foreign or damaged archive, or a cancel, ends the search in words. */

#include <glib/gstdio.h>
#include <string.h>

#include "ld-archive.h"
#include "ld-archive-search.h"
#include "ld-archive-writer.h"
#include "ld-store.h"

#define N_RECORDS  40000
/* More than the search can have read while it waits for the main context:
 * four slices of 16,384 matches wait there at most, and a fifth is read
 * before the thread waits (ld-archive-search.c), so 81,920 records. */
#define CANCEL_RECORDS 100000
#define STORE_CAP  5000
/* A fixed "now", so that the two compiled queries agree on since: terms. */
#define NOW_US     G_GINT64_CONSTANT (1765000000000000)

typedef struct
{
  char    *dir;
  char    *path;
  LdStore *all;       /* every record, as the filter sees them in memory */
} Fixture;

typedef struct
{
  GArray                  *seqs;
  GPtrArray               *messages;
  guint                    n_slices;
  guint64                  last_scanned;
  gboolean                 done;
  gboolean                 ok;
  GError                  *error;
  LdArchiveSearchProgress  progress;
  GCancellable            *cancel_after_first;
} Search;

static const char *const words[] = {
  "timeout", "Timeout", "TIMEOUT", "connection", "lost", "out", "ärger", "ÄRGER", "日本語",
  "zürich", "retry", "disk", "full", "request", "done", "GET", "/api/v1/items", "🪵",
  "Straße", "cache", "miss", "timed", "connect", "user",
};
static const char *const loggers[] = {
  "acme.api", "acme.api.db", "acme.apix", "zürich.api", "root", "websockets.server",
};
static const int levels[] = { 5, 10, 17, 20, 25, 30, 40, 50 };
static const char *const hosts[] = { "web-1", "web-2", "db-1", NULL };
static const char *const users[] = { "zoë", "bob", "Zoe", "alice" };

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = g_dir_make_tmp ("ld-archive-search-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->path = g_build_filename (f->dir, "session.logdeck", NULL);
  f->all = ld_store_new (CANCEL_RECORDS);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  static const char *const suffixes[] = { "", "-wal", "-shm" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (f->path, suffixes[i], NULL);

      g_unlink (file);
    }
  g_rmdir (f->dir);
  g_free (f->path);
  g_free (f->dir);
  g_object_unref (f->all);
}

static const char *
pick (const char *const *list,
      guint              n)
{
  return list[g_test_rand_int_range (0, n)];
}

/* A random record: levels, loggers, non-ASCII words, extras of each kind,
 * some exceptions, hosts and trace ids. */
static void
add_random_record (LdBatch *batch,
                   guint    index)
{
  g_autoptr(GString) message = g_string_new (NULL);
  g_autofree char *trace = g_strdup_printf ("%032x", g_test_rand_int_range (0, 8));
  g_autofree char *status = g_strdup_printf ("%d", 200 + 100 * g_test_rand_int_range (0, 4));
  guint n_words = g_test_rand_int_range (1, 6);
  gboolean failed = g_test_rand_int_range (0, 10) == 0;
  LdRecordFields fields = {
    .time_us = NOW_US - (N_RECORDS - index) * G_GINT64_CONSTANT (100000),
    .level = levels[g_test_rand_int_range (0, G_N_ELEMENTS (levels))],
    .logger = pick (loggers, G_N_ELEMENTS (loggers)),
    .thread = g_test_rand_bit () ? "Worker-1" : "MainThread",
    .host = pick (hosts, G_N_ELEMENTS (hosts)),
    .service = g_test_rand_bit () ? "checkout" : NULL,
    .trace_id = g_test_rand_bit () ? trace : NULL,
    .exception = failed ? "Traceback (most recent call last):\nZeroDivisionError: división" : NULL,
  };

  for (guint i = 0; i < n_words; i++)
    g_string_append_printf (message, "%s%s", i > 0 ? " " : "", pick (words, G_N_ELEMENTS (words)));
  /* Each message names its record, so that a match is known by its text too. */
  g_string_append_printf (message, " #%u", index);
  fields.message = message->str;
  ld_batch_add (batch, &fields);

  if (g_test_rand_bit ())
    ld_batch_add_extra (batch, "user", -1, LD_VALUE_STRING, pick (users, G_N_ELEMENTS (users)), -1);
  if (g_test_rand_bit ())
    ld_batch_add_extra (batch, "status", -1, LD_VALUE_NUMBER, status, -1);
  if (g_test_rand_int_range (0, 4) == 0)
    ld_batch_add_extra (batch, "ok", -1, LD_VALUE_BOOL, g_test_rand_bit () ? "true" : "false", -1);
  if (g_test_rand_int_range (0, 8) == 0)
    ld_batch_add_extra (batch, "args", -1, LD_VALUE_JSON, "[1,\"timeout\"]", -1);
}

/* Writes @n random records through the real writer thread from @capped,
 * a store capped at STORE_CAP as the window's is; f->all keeps every one.
 * The writer is the caller's to free, which stores what it still holds. */
static LdArchiveWriter *
write_random_records (Fixture *f,
                      LdStore *capped,
                      guint    n)
{
  g_autoptr(GError) error = NULL;
  LdArchiveWriter *writer = ld_archive_writer_new (capped, f->path, &error);

  g_assert_no_error (error);
  for (guint done = 0; done < n; done += 1000)
    {
      g_autoptr(LdBatch) batch = ld_batch_new ();

      for (guint i = done; i < MIN (done + 1000, n); i++)
        add_random_record (batch, i);
      ld_store_append_batch (capped, batch);
      ld_store_append_batch (f->all, batch);
      ld_archive_writer_notify (writer);
      /* The writer keeps up, as it does with a real sender. */
      ld_archive_writer_flush (writer);
    }

  g_assert_cmpuint (ld_store_get_n_records (capped), ==, STORE_CAP);
  g_assert_cmpuint (ld_store_get_n_records (f->all), ==, n);
  return writer;
}

/* Archives @n random records as the window's session does. */
static void
archive_random_records (Fixture *f,
                        guint    n)
{
  g_autoptr(LdStore) capped = ld_store_new (STORE_CAP);

  ld_archive_writer_free (write_random_records (f, capped, n));
}

static void
on_slice (LdBatch *const                *matches,
          guint                          n_batches,
          const guint64                 *seqs,
          guint                          n_matches,
          const LdArchiveSearchProgress *progress,
          gpointer                       user_data)
{
  Search *search = user_data;
  guint n = 0;

  g_assert_false (search->done);
  g_assert_cmpuint (progress->n_scanned, >=, search->last_scanned);
  search->last_scanned = progress->n_scanned;
  search->n_slices++;
  for (guint b = 0; b < n_batches; b++)
    for (guint i = 0; i < ld_batch_get_length (matches[b]); i++, n++)
      {
        const char *text;
        const LdRecord *record = ld_batch_get_record (matches[b], i, &text);

        g_array_append_val (search->seqs, seqs[n]);
        g_ptr_array_add (search->messages, g_strndup (text, record->message_len));
      }
  g_assert_cmpuint (n, ==, n_matches);
  if (search->cancel_after_first != NULL)
    g_cancellable_cancel (search->cancel_after_first);
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Search *search = user_data;

  search->ok = ld_archive_search_finish (result, &search->progress, &search->error);
  search->done = TRUE;
}

static void
search_clear (Search *search)
{
  g_array_unref (search->seqs);
  g_ptr_array_unref (search->messages);
  g_clear_error (&search->error);
}

/* Runs a search to its end on this thread's main context. */
static void
run_search (Search       *search,
            const char   *path,
            const char   *text,
            GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LdQuery) query = ld_query_parse (text, NOW_US, &error);

  g_assert_no_error (error);
  search->seqs = g_array_new (FALSE, FALSE, sizeof (guint64));
  search->messages = g_ptr_array_new_with_free_func (g_free);
  ld_archive_search_async (path, query, 0, cancellable, on_slice, search, NULL, on_done, search);
  while (!search->done)
    g_main_context_iteration (NULL, TRUE);
}

/* As run_search(), with the caller's own marks of the records before
 * @wait_for_seq, as the window hands them over. */
static void
run_search_with_marks (Search     *search,
                       const char *path,
                       const char *text,
                       guint64     wait_for_seq,
                       GArray     *marked)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LdQuery) query = ld_query_parse (text, NOW_US, &error);

  g_assert_no_error (error);
  search->seqs = g_array_new (FALSE, FALSE, sizeof (guint64));
  search->messages = g_ptr_array_new_with_free_func (g_free);
  ld_archive_search_with_marks_async (path, query, wait_for_seq, marked, NULL, on_slice, search,
                                      NULL, on_done, search);
  while (!search->done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (search->error);
  g_assert_true (search->ok);
}

/* The same text compiled for memory and for the archive: the same matches,
 * record for record, in order. */
static void
assert_same_matches (Fixture    *f,
                     const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LdQuery) query = ld_query_parse (text, NOW_US, &error);
  Search search = { 0 };
  guint n_expected = 0;

  g_assert_no_error (error);
  run_search (&search, f->path, text, NULL);
  g_assert_no_error (search.error);
  g_assert_true (search.ok);
  g_assert_cmpuint (search.progress.n_scanned, ==, ld_store_get_n_records (f->all));

  for (guint i = 0; i < ld_store_get_n_records (f->all); i++)
    {
      const LdRecord *record = ld_store_get_record (f->all, i);
      gsize length;
      const char *message;

      if (!ld_query_matches (query, record))
        continue;
      message = ld_record_get_message (record, &length);
      if (n_expected >= search.seqs->len)
        g_error ("%s: the archive search missed seq %u and later", text, i);
      g_assert_cmpuint (g_array_index (search.seqs, guint64, n_expected), ==,
                        ld_store_get_first_seq (f->all) + i);
      g_assert_cmpmem (search.messages->pdata[n_expected],
                       strlen (search.messages->pdata[n_expected]), message, length);
      n_expected++;
    }

  g_test_message ("%-40s %6u matches", text, n_expected);
  g_assert_cmpuint (search.seqs->len, ==, n_expected);
  g_assert_cmpuint (search.progress.n_matches, ==, n_expected);
  search_clear (&search);
}

static int
compare_seqs (gconstpointer a,
              gconstpointer b)
{
  guint64 seq_a = *(const guint64 *) a, seq_b = *(const guint64 *) b;

  return seq_a < seq_b ? -1 : seq_a > seq_b;
}

static const char *const fixed_queries[] = {
  "timeout", "TIMEOUT", "out", "ärger", "ÄRGER", "日本語", "straße", "🪵",
  "\"connection lost\"", "/api/v1/items", "level>=WARNING", "level<20", "level=17",
  "level:error", "-timeout", "timeout OR ärger", "-(level>=ERROR OR has:exception)",
  "status=500", "status>=400", "user:zo", "user=zoë", "ok=true", "has:args",
  "host=web-1", "host:web", "-host:web", "service=checkout",
  "trace=00000000000000000000000000000003", "trace:0003", "/time(out|d)/", "/^GET/",
  "/Timeout/", "has:exception", "exc:zerodivision", "logger:api", "logger=zürich.api",
  "logger:acme.api.", "thread=Worker-1", "since:1h", "message:\"#1\"", "",
};

static const char *const random_terms[] = {
  "timeout", "out", "ärger", "level>=WARNING", "level<=info", "status=200", "user:o",
  "host=db-1", "has:exception", "/conn(ect|ection)/", "logger:acme.", "has:trace_id",
  "service:check", "\"lost #\"", "ok=false", "thread:main",
};

static void
test_search_same_as_memory (Fixture       *f,
                            gconstpointer  data)
{
  archive_random_records (f, N_RECORDS);

  for (guint i = 0; i < G_N_ELEMENTS (fixed_queries); i++)
    assert_same_matches (f, fixed_queries[i]);

  /* And random combinations: AND, OR and negation of random terms. */
  for (guint i = 0; i < 24; i++)
    {
      g_autofree char *text = NULL;
      const char *a = pick (random_terms, G_N_ELEMENTS (random_terms));
      const char *b = pick (random_terms, G_N_ELEMENTS (random_terms));

      switch (g_test_rand_int_range (0, 3))
        {
        case 0: text = g_strdup_printf ("%s %s%s", a, g_test_rand_bit () ? "-" : "", b); break;
        case 1: text = g_strdup_printf ("%s OR %s", a, b); break;
        default: text = g_strdup_printf ("-(%s OR %s)", a, b); break;
        }
      assert_same_matches (f, text);
    }
}

/* The gappy test's sequence numbers: 100 without a gap, then every third,
 * then a jump of 2^40. */
static guint64
gappy_seq (guint i)
{
  if (i < 100)
    return i;
  return 5 + (guint64) i * 3 + (i >= 20000 ? G_GUINT64_CONSTANT (1) << 40 : 0);
}

/* Sequence numbers with gaps (records the writer missed) and a jump, over
 * several slices: each match keeps its own number. */
static void
test_search_gaps (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LdArchive) archive = ld_archive_create (f->path, &error);
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autoptr(LdStore) store = ld_store_new (50000);
  Search search = { 0 };
  guint n_even = 0;

  g_assert_no_error (error);
  for (guint i = 0; i < 40000; i++)
    {
      g_autofree char *message = g_strdup_printf ("record %u %s", i, i % 2 == 0 ? "even" : "odd");
      LdRecordFields fields = { .time_us = i, .level = 20, .message = message };

      ld_batch_add (batch, &fields);
    }
  ld_store_append_batch (store, batch);
  g_assert_true (ld_archive_begin (archive, &error));
  for (guint i = 0; i < 40000; i++)
    {
      g_assert_true (ld_archive_add (archive, gappy_seq (i), ld_store_get_record (store, i),
                                     &error));
    }
  g_assert_true (ld_archive_commit (archive, &error));
  g_assert_no_error (error);

  run_search (&search, f->path, "even", NULL);
  g_assert_no_error (search.error);
  g_assert_true (search.ok);
  g_assert_cmpuint (search.progress.n_scanned, ==, 40000);
  g_assert_cmpuint (search.n_slices, >=, 3);
  for (guint i = 0; i < 40000; i += 2, n_even++)
    {
      g_autofree char *message = g_strdup_printf ("record %u even", i);

      g_assert_cmpuint (g_array_index (search.seqs, guint64, n_even), ==, gappy_seq (i));
      g_assert_cmpstr (search.messages->pdata[n_even], ==, message);
    }
  g_assert_cmpuint (search.seqs->len, ==, n_even);
  search_clear (&search);
}

/* An archive with no records: no matches, no error. */
static void
test_search_empty (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LdArchive) archive = ld_archive_create (f->path, &error);
  Search search = { 0 };

  g_assert_no_error (error);
  run_search (&search, f->path, "timeout", NULL);
  g_assert_no_error (search.error);
  g_assert_true (search.ok);
  g_assert_cmpuint (search.seqs->len, ==, 0);
  g_assert_cmpuint (search.progress.n_scanned, ==, 0);
  search_clear (&search);
}

/* What is not an archive, or no file at all, is refused in words. */
static void
test_search_refuses_other_files (Fixture       *f,
                                 gconstpointer  data)
{
  Search search = { 0 }, missing = { 0 };
  g_autofree char *nowhere = g_build_filename (f->dir, "nowhere.logdeck", NULL);

  g_assert_true (g_file_set_contents (f->path, "2026-12-06 a text log, not SQLite\n", -1, NULL));
  run_search (&search, f->path, "timeout", NULL);
  g_assert_false (search.ok);
  g_assert_error (search.error, LD_ARCHIVE_ERROR, LD_ARCHIVE_ERROR_NOT_AN_ARCHIVE);
  g_assert_cmpuint (search.n_slices, ==, 0);
  search_clear (&search);

  run_search (&missing, nowhere, "timeout", NULL);
  g_assert_false (missing.ok);
  g_assert_nonnull (missing.error);
  g_assert_nonnull (strstr (missing.error->message, "nowhere.logdeck"));
  search_clear (&missing);
}

/* A damaged file gives the matches before the damage, then says so. */
static void
test_search_damaged (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *contents = NULL;
  gsize length;
  Search search = { 0 };

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(LdArchive) archive = ld_archive_create (f->path, &error);
    g_autoptr(LdBatch) batch = ld_batch_new ();

    g_assert_no_error (error);
    for (guint i = 0; i < 20000; i++)
      add_random_record (batch, i);
    ld_store_append_batch (f->all, batch);
    g_assert_true (ld_archive_begin (archive, &error));
    for (guint i = 0; i < 20000; i++)
      g_assert_true (ld_archive_add (archive, i, ld_store_get_record (f->all, i), &error));
    g_assert_true (ld_archive_commit (archive, &error));
    /* Closing checkpoints the WAL into the file. */
  }

  g_assert_true (g_file_get_contents (f->path, &contents, &length, NULL));
  g_assert_cmpuint (length, >, 400 * 1024);
  /* Garbage over pages in the last third, past the schema. */
  memset (contents + length * 2 / 3, 0xA5, 64 * 1024);
  g_assert_true (g_file_set_contents (f->path, contents, length, NULL));

  run_search (&search, f->path, "", NULL);
  g_assert_false (search.ok);
  g_assert_error (search.error, LD_ARCHIVE_ERROR, LD_ARCHIVE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (search.error->message, f->path));
  g_test_message ("damaged: %u records before the damage", search.seqs->len);
  g_assert_cmpuint (search.seqs->len, >, 0);
  g_assert_cmpuint (search.seqs->len, <, 20000);
  /* What came before the damage is in order, each record its own. */
  for (guint i = 0; i < search.seqs->len; i++)
    g_assert_cmpuint (g_array_index (search.seqs, guint64, i), ==, i);
  search_clear (&search);
}

/* Cancelled after the first slice: no slice after, and the search says it
 * was cancelled. */
static void
test_search_cancel (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Search search = { 0 };

  archive_random_records (f, CANCEL_RECORDS);
  search.cancel_after_first = cancellable;
  run_search (&search, f->path, "", cancellable);
  g_assert_false (search.ok);
  g_assert_error (search.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (search.n_slices, ==, 1);
  g_assert_cmpuint (search.progress.n_scanned, <=, 5 * 16384);
  search_clear (&search);
}

typedef struct
{
  LdStore         *store;
  LdArchiveWriter *writer;
  guint            n_pushed;
  guint            id;
} Feeder;

/* Stops at 100,000 records: the writer is to keep every one. */
static gboolean
feed_more (gpointer data)
{
  Feeder *feeder = data;
  g_autoptr(LdBatch) batch = ld_batch_new ();

  for (guint i = 0; i < 2000; i++)
    add_random_record (batch, feeder->n_pushed++);
  ld_store_append_batch (feeder->store, batch);
  ld_archive_writer_notify (feeder->writer);
  if (feeder->n_pushed < 100000)
    return G_SOURCE_CONTINUE;
  feeder->id = 0;
  return G_SOURCE_REMOVE;
}

/* The running session's archive grows while it is searched, as fast as it
 * can: the search reads what was there when it began, and ends. */
static void
test_search_growing (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(LdStore) store = ld_store_new (STORE_CAP);
  g_autoptr(GError) error = NULL;
  g_autoptr(LdArchiveWriter) writer = ld_archive_writer_new (store, f->path, &error);
  Feeder feeder = { store, writer, 0, 0 };
  Search search = { 0 };

  g_assert_no_error (error);
  feed_more (&feeder);
  ld_archive_writer_flush (writer);
  feeder.id = g_idle_add (feed_more, &feeder);
  run_search (&search, f->path, "", NULL);
  g_clear_handle_id (&feeder.id, g_source_remove);

  g_assert_no_error (search.error);
  g_assert_true (search.ok);
  g_test_message ("searched %" G_GUINT64_FORMAT " of %u pushed", search.progress.n_scanned,
                  feeder.n_pushed);
  g_assert_cmpuint (search.progress.n_scanned, >=, 2000);
  g_assert_cmpuint (search.progress.n_scanned, <=, feeder.n_pushed);
  for (guint i = 0; i < search.seqs->len; i++)
    g_assert_cmpuint (g_array_index (search.seqs, guint64, i), ==, i);
  search_clear (&search);
}

/* Runs @text and checks that it matched exactly @expected, in order, each
 * match the record of that sequence number. */
static void
assert_search_gives (Fixture      *f,
                     const char   *text,
                     GArray       *marked,
                     guint64       wait_for_seq,
                     const GArray *expected)
{
  Search search = { 0 };

  if (marked != NULL)
    run_search_with_marks (&search, f->path, text, wait_for_seq, marked);
  else
    {
      run_search (&search, f->path, text, NULL);
      g_assert_no_error (search.error);
      g_assert_true (search.ok);
    }
  g_test_message ("%-30s %u matches", text, search.seqs->len);
  g_assert_cmpuint (search.progress.n_scanned, ==, ld_store_get_n_records (f->all));
  g_assert_cmpuint (search.seqs->len, ==, expected->len);
  for (guint i = 0; i < expected->len; i++)
    {
      guint64 seq = g_array_index (expected, guint64, i);
      gsize length;
      const char *message = ld_record_get_message (ld_store_get_record (f->all, (guint) seq),
                                                   &length);

      g_assert_cmpuint (g_array_index (search.seqs, guint64, i), ==, seq);
      g_assert_cmpmem (search.messages->pdata[i], strlen (search.messages->pdata[i]),
                       message, length);
    }
  search_clear (&search);
}

/* Of @seqs, those whose record in f->all is at @min_level or above. */
static GArray *
at_or_above (Fixture      *f,
             const GArray *seqs,
             int           min_level)
{
  GArray *kept = g_array_new (FALSE, FALSE, sizeof (guint64));

  for (guint i = 0; i < seqs->len; i++)
    if (ld_store_get_record (f->all, (guint) g_array_index (seqs, guint64, i))->level >= min_level)
      g_array_append_val (kept, g_array_index (seqs, guint64, i));
  return kept;
}

/* Near each of a few places, long evicted from the window's store or still
 * in it, the first record at ERROR or above and the first below: marked. */
static GArray *
pick_marks (Fixture *f)
{
  static const guint places[] = { 3, 2500, 9000, 14990, 16000, 19000 };
  GArray *marks = g_array_new (FALSE, FALSE, sizeof (guint64));

  for (guint p = 0; p < G_N_ELEMENTS (places); p++)
    for (int error = 0; error < 2; error++)
      for (guint64 seq = places[p]; seq < ld_store_get_n_records (f->all); seq++)
        if ((ld_store_get_record (f->all, (guint) seq)->level >= 40) == error)
          {
            g_array_append_val (marks, seq);
            break;
          }
  g_array_sort (marks, compare_seqs);
  return marks;
}

/* `is:marked` over the archive: the marks table the writer kept, and for
 * the running session the window's own marks, newer than the table, for the
 * records they cover. */
static void
test_search_marked (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(LdStore) capped = ld_store_new (STORE_CAP);
  LdArchiveWriter *writer = write_random_records (f, capped, 20000);
  g_autoptr(GArray) marks = pick_marks (f);
  g_autoptr(GArray) errors = NULL;
  g_autoptr(GArray) unmarked = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GArray) window = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GArray) expected = g_array_new (FALSE, FALSE, sizeof (guint64));
  guint64 taken_off = 7777, only_window = 5000, beyond = 15555;

  g_assert_cmpuint (marks->len, ==, 12);
  /* As the window marks: through the writer; one mark taken off again. */
  ld_archive_writer_set_mark (writer, taken_off, TRUE);
  for (guint i = 0; i < marks->len; i++)
    ld_archive_writer_set_mark (writer, g_array_index (marks, guint64, i), TRUE);
  ld_archive_writer_set_mark (writer, taken_off, FALSE);
  /* Freeing the writer stores what it still holds. */
  ld_archive_writer_free (writer);

  errors = at_or_above (f, marks, 40);
  g_assert_cmpuint (errors->len, ==, 6);
  assert_search_gives (f, "is:marked", NULL, 0, marks);
  assert_search_gives (f, "is:marked level>=ERROR", NULL, 0, errors);
  for (guint64 seq = 0, m = 0; seq < 20000; seq++)
    if (m < marks->len && g_array_index (marks, guint64, m) == seq)
      m++;
    else
      g_array_append_val (unmarked, seq);
  assert_search_gives (f, "-is:marked", NULL, 0, unmarked);

  /* The window's marks answer for the records before 10,000: one of the
   * table's taken off there, one the table has not yet; after 10,000 the
   * table answers, whatever the window says. */
  for (guint i = 1; i < marks->len; i++)
    if (g_array_index (marks, guint64, i) < 10000)
      g_array_append_val (window, g_array_index (marks, guint64, i));
  g_array_append_val (window, only_window);
  g_array_append_val (window, beyond);
  g_array_sort (window, compare_seqs);
  for (guint i = 0; i < window->len; i++)
    if (g_array_index (window, guint64, i) < 10000)
      g_array_append_val (expected, g_array_index (window, guint64, i));
  for (guint i = 0; i < marks->len; i++)
    if (g_array_index (marks, guint64, i) >= 10000)
      g_array_append_val (expected, g_array_index (marks, guint64, i));
  g_assert_cmpuint (expected->len, ==, marks->len);
  assert_search_gives (f, "is:marked", window, 10000, expected);

  /* Caller marks with none in them: nothing before 10,000 is marked. */
  g_array_set_size (window, 0);
  g_array_set_size (expected, 0);
  for (guint i = 0; i < marks->len; i++)
    if (g_array_index (marks, guint64, i) >= 10000)
      g_array_append_val (expected, g_array_index (marks, guint64, i));
  assert_search_gives (f, "is:marked", window, 10000, expected);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/archive-search/same-as-memory", Fixture, NULL,
              fixture_set_up, test_search_same_as_memory, fixture_tear_down);
  g_test_add ("/archive-search/gaps", Fixture, NULL,
              fixture_set_up, test_search_gaps, fixture_tear_down);
  g_test_add ("/archive-search/empty", Fixture, NULL,
              fixture_set_up, test_search_empty, fixture_tear_down);
  g_test_add ("/archive-search/refuses-other-files", Fixture, NULL,
              fixture_set_up, test_search_refuses_other_files, fixture_tear_down);
  g_test_add ("/archive-search/damaged", Fixture, NULL,
              fixture_set_up, test_search_damaged, fixture_tear_down);
  g_test_add ("/archive-search/cancel", Fixture, NULL,
              fixture_set_up, test_search_cancel, fixture_tear_down);
  g_test_add ("/archive-search/growing", Fixture, NULL,
              fixture_set_up, test_search_growing, fixture_tear_down);
  g_test_add ("/archive-search/marked", Fixture, NULL,
              fixture_set_up, test_search_marked, fixture_tear_down);

  return g_test_run ();
}
