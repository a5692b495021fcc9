// SPDX-License-Identifier: GPL-3.0-or-later
/* Marks: the set against a plain reference under random toggles, next and
 * previous; a record's sequence number from its address in a wrapped ring;
 * `is:marked` parsed, printed and refused when misspelt, and a filtered
 * model of random queries with it equal to a recount, through eviction and
 * filter changes; marks kept in the archive by the writer's thread and
 * back on the store's records when the archive is opened. */

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "ld-archive.h"
#include "ld-archive-loader.h"
#include "ld-archive-writer.h"
#include "ld-filter-model.h"
#include "ld-marks.h"
#include "ld-query.h"
#include "ld-store.h"

static void
append_records (LdStore *store,
                guint    n,
                guint    first)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *message = g_strdup_printf ("record %u", first + i);
      LdRecordFields fields = {
        .time_us = 1000 + first + i,
        .level = (first + i) % 3 == 0 ? 40 : 20,
        .logger = (first + i) % 2 == 0 ? "app.even" : "app.odd",
        .message = message,
      };

      ld_batch_add (batch, &fields);
    }
  ld_store_append_batch (store, batch);
}

static void
on_changed (LdMarks *marks,
            guint64  seq,
            guint   *n_changed)
{
  (*n_changed)++;
}

/* Random toggles against a hash set; next and previous against a scan. */
static void
test_marks_random (void)
{
  g_autoptr(LdMarks) marks = ld_marks_new ();
  g_autoptr(GHashTable) reference = g_hash_table_new_full (g_int64_hash, g_int64_equal,
                                                           g_free, NULL);
  GRand *rand = g_rand_new_with_seed (16);
  guint n_changed = 0, n_expected = 0;

  g_signal_connect (marks, "changed", G_CALLBACK (on_changed), &n_changed);
  for (guint step = 0; step < 5000; step++)
    {
      guint64 seq = (guint64) g_rand_int_range (rand, 0, 300);
      gboolean had = g_hash_table_contains (reference, &seq);
      gboolean want = g_rand_boolean (rand);

      if (g_rand_int_range (rand, 0, 2) == 0)
        {
          g_assert_cmpint (ld_marks_toggle (marks, seq), ==, !had);
          want = !had;
        }
      else
        ld_marks_set (marks, seq, want);
      if (want != had)
        n_expected++;
      if (want)
        g_hash_table_add (reference, g_memdup2 (&seq, sizeof seq));
      else
        g_hash_table_remove (reference, &seq);
    }
  g_assert_cmpuint (n_changed, ==, n_expected);
  g_assert_cmpuint (ld_marks_get_n_marks (marks), ==, g_hash_table_size (reference));

  for (guint64 seq = 0; seq < 310; seq++)
    {
      guint64 next = 0, previous = 0, want;
      gboolean has_next = FALSE, has_previous = FALSE;

      g_assert_cmpint (ld_marks_contains (marks, seq), ==,
                       g_hash_table_contains (reference, &seq));
      for (want = seq + 1; want < 310 && !has_next; want++)
        has_next = g_hash_table_contains (reference, &want);
      g_assert_cmpint (ld_marks_next (marks, seq, &next), ==, has_next);
      if (has_next)
        g_assert_cmpuint (next, ==, want - 1);
      for (want = seq; want > 0 && !has_previous; want--)
        has_previous = g_hash_table_contains (reference, &(guint64) { want - 1 });
      g_assert_cmpint (ld_marks_previous (marks, seq, &previous), ==, has_previous);
      if (has_previous)
        g_assert_cmpuint (previous, ==, want);
    }

  {
    guint n;
    const guint64 *seqs = ld_marks_get_seqs (marks, &n);

    for (guint i = 1; i < n; i++)
      g_assert_cmpuint (seqs[i - 1], <, seqs[i]);
  }
  ld_marks_clear (marks);
  g_assert_cmpuint (ld_marks_get_n_marks (marks), ==, 0);
  g_rand_free (rand);
}

/* The store's ring wraps once records are evicted: every record still maps
 * to its own sequence number, and a record that is not the store's maps to
 * none. */
static void
test_marks_record_seq (void)
{
  g_autoptr(LdStore) store = ld_store_new (100);
  LdRecord stranger = { 0 };
  guint64 seq;

  g_assert_false (ld_marks_record_seq (store, &stranger, &seq));
  for (guint b = 0; b < 7; b++)
    {
      append_records (store, 37, b * 37);
      for (guint i = 0; i < ld_store_get_n_records (store); i++)
        {
          g_assert_true (ld_marks_record_seq (store, ld_store_get_record (store, i), &seq));
          g_assert_cmpuint (seq, ==, ld_store_get_first_seq (store) + i);
        }
    }
  g_assert_cmpuint (ld_store_get_n_evicted (store), >, 0);
  g_assert_false (ld_marks_record_seq (store, &stranger, &seq));
  g_assert_true (ld_marks_for_store (store) == ld_marks_for_store (store));
}

static void
test_query_is_marked_syntax (void)
{
  const struct
  {
    const char *text;
    const char *normal;
  } good[] = {
    { "is:marked", "is:marked" },
    { "IS:Marked", "is:marked" },
    { "-is:marked error", "-is:marked error" },
    { "(is:marked OR level>=ERROR) logger:app", "is:marked OR level>=ERROR logger:app" },
    { "extra.is=x", "extra.is=x" },
  };
  const char *bad[] = { "is:", "is:starred", "is=marked", "is>marked", "is:\"\"" };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LdQuery) query = ld_query_parse (good[i].text, 0, &error);
      g_autofree char *normal = NULL;

      g_assert_no_error (error);
      normal = ld_query_to_string (query);
      g_assert_cmpstr (normal, ==, good[i].normal);
      g_assert_cmpint (ld_query_uses_marks (query), ==, i < 4);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LdQuery) query = ld_query_parse (bad[i], 0, &error);

      g_assert_null (query);
      g_assert_error (error, LD_QUERY_ERROR, LD_QUERY_ERROR_SYNTAX);
    }
}

/* Without a mark function nothing is marked; with one, it is asked. */
static void
test_query_is_marked_matches (void)
{
  g_autoptr(LdStore) store = ld_store_new (0);
  g_autoptr(LdQuery) query = ld_query_parse ("is:marked", 0, NULL);
  g_autoptr(LdQuery) negated = ld_query_parse ("-is:marked", 0, NULL);
  LdMarks *marks = ld_marks_for_store (store);

  append_records (store, 10, 0);
  g_assert_false (ld_query_matches (query, ld_store_get_record (store, 3)));
  g_assert_true (ld_query_matches (negated, ld_store_get_record (store, 3)));

  ld_query_set_mark_func (query, ld_marks_record_marked, marks);
  ld_query_set_mark_func (negated, ld_marks_record_marked, marks);
  ld_marks_set (marks, 3, TRUE);
  for (guint i = 0; i < 10; i++)
    {
      g_assert_cmpint (ld_query_matches (query, ld_store_get_record (store, i)), ==, i == 3);
      g_assert_cmpint (ld_query_matches (negated, ld_store_get_record (store, i)), ==, i != 3);
    }
}

static gboolean
reference_match (LdMarks        *marks,
                 guint64         seq,
                 const LdRecord *record,
                 guint           which)
{
  gboolean marked = ld_marks_contains (marks, seq);

  switch (which)
    {
    case 0: return marked;
    case 1: return marked && record->level >= 40;
    case 2: return marked || record->level >= 40;
    default: return !marked;
    }
}

static void
check_model (LdFilterModel *model,
             LdStore       *store,
             LdMarks       *marks,
             guint          which)
{
  guint expected = 0, n = g_list_model_get_n_items (G_LIST_MODEL (model)), at = 0;

  ld_filter_model_flush (model);
  n = g_list_model_get_n_items (G_LIST_MODEL (model));
  for (guint i = 0; i < ld_store_get_n_records (store); i++)
    {
      guint64 seq = ld_store_get_first_seq (store) + i;

      if (!reference_match (marks, seq, ld_store_get_record (store, i), which))
        continue;
      expected++;
      g_assert_cmpuint (at, <, n);
      g_assert_cmpuint (ld_filter_model_get_seq (model, at), ==, seq);
      at++;
    }
  g_assert_cmpuint (n, ==, expected);
}

/* Random marks, random queries with is:marked, records arriving and the
 * oldest evicted: the model shows what a recount shows, and the marks of
 * the records kept never move. */
static void
test_filter_model_is_marked_random (void)
{
  const char *queries[] = { "is:marked", "is:marked level>=ERROR", "is:marked OR level>=ERROR",
                            "-is:marked" };
  g_autoptr(LdStore) store = ld_store_new (500);
  g_autoptr(LdFilterModel) model = ld_filter_model_new (store);
  LdMarks *marks = ld_marks_for_store (store);
  GRand *rand = g_rand_new_with_seed (1616);
  guint next_record = 0;

  ld_filter_model_set_incremental (model, FALSE);
  for (guint round = 0; round < 40; round++)
    {
      guint which = g_rand_int_range (rand, 0, G_N_ELEMENTS (queries));
      g_autoptr(LdQuery) query = ld_query_parse (queries[which], 0, NULL);
      guint added = g_rand_int_range (rand, 1, 120);

      append_records (store, added, next_record);
      next_record += added;
      for (guint i = 0; i < 15; i++)
        {
          guint64 seq = ld_store_get_first_seq (store)
                        + g_rand_int_range (rand, 0, ld_store_get_n_records (store));

          ld_marks_toggle (marks, seq);
        }
      /* A new query sees the marks as they are now. */
      ld_query_set_mark_func (query, ld_marks_record_marked, marks);
      ld_filter_model_set_query (model, query);
      check_model (model, store, marks, which);
    }
  g_assert_cmpuint (ld_store_get_n_evicted (store), >, 0);
  g_rand_free (rand);
}

/* A mark outlives the eviction of every other record. */
static void
test_marks_survive_eviction (void)
{
  g_autoptr(LdStore) store = ld_store_new (100);
  g_autoptr(LdFilterModel) model = ld_filter_model_new (store);
  g_autoptr(LdQuery) query = ld_query_parse ("is:marked", 0, NULL);
  LdMarks *marks = ld_marks_for_store (store);

  ld_filter_model_set_incremental (model, FALSE);
  append_records (store, 100, 0);
  ld_marks_set (marks, 99, TRUE);
  ld_query_set_mark_func (query, ld_marks_record_marked, marks);
  ld_filter_model_set_query (model, query);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 1);
  append_records (store, 99, 100);
  ld_filter_model_flush (model);
  g_assert_cmpuint (ld_store_get_first_seq (store), ==, 99);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 1);
  g_assert_cmpuint (ld_filter_model_get_seq (model, 0), ==, 99);
  g_assert_true (ld_marks_contains (marks, 99));
}

typedef struct
{
  gboolean  done;
  guint64   n_records;
} LoadResult;

static void
on_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  LoadResult *load = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (ld_archive_load_finish (result, &load->n_records, &error));
  g_assert_no_error (error);
  load->done = TRUE;
}

static char *
marks_in_file (const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  GString *seqs = g_string_new (NULL);

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT seq FROM marks ORDER BY seq", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (seqs, "%lld ", (long long) sqlite3_column_int64 (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return g_string_free (seqs, FALSE);
}

/* The writer's thread keeps each change in the marks table; opening the
 * archive into a store that already holds records marks the same records,
 * under the store's own numbers. */
static void
test_marks_archive_round_trip (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ld-marks-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "session.logdeck", NULL);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);
  g_autoptr(LdStore) store = ld_store_new (0);
  g_autoptr(LdStore) reopened = ld_store_new (0);
  g_autoptr(GError) error = NULL;
  g_autofree char *in_file = NULL;
  LdArchiveWriter *writer;
  LoadResult load = { 0 };
  LdMarks *marks;

  writer = ld_archive_writer_new (store, path, &error);
  g_assert_no_error (error);
  append_records (store, 300, 0);
  ld_archive_writer_notify (writer);
  ld_archive_writer_set_mark (writer, 5, TRUE);
  ld_archive_writer_set_mark (writer, 120, TRUE);
  ld_archive_writer_set_mark (writer, 299, TRUE);
  ld_archive_writer_set_mark (writer, 7, TRUE);
  ld_archive_writer_set_mark (writer, 7, FALSE);
  ld_archive_writer_flush (writer);
  ld_archive_writer_free (writer);

  in_file = marks_in_file (path);
  g_assert_cmpstr (in_file, ==, "5 120 299 ");

  /* The store already numbers 40 records of its own. */
  append_records (reopened, 40, 1000);
  ld_archive_load_async (path, reopened, NULL, on_loaded, &load);
  while (!load.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (load.n_records, ==, 300);
  g_assert_cmpuint (ld_store_get_n_records (reopened), ==, 340);

  marks = ld_marks_for_store (reopened);
  g_assert_cmpuint (ld_marks_get_n_marks (marks), ==, 3);
  g_assert_true (ld_marks_contains (marks, 40 + 5));
  g_assert_true (ld_marks_contains (marks, 40 + 120));
  g_assert_true (ld_marks_contains (marks, 40 + 299));
  {
    gsize length;
    const char *message = ld_record_get_message (ld_store_get_record_by_seq (reopened, 40 + 120),
                                                 &length);
    g_autofree char *text = g_strndup (message, length);

    g_assert_cmpstr (text, ==, "record 120");
  }

  g_unlink (path);
  g_unlink (wal);
  g_unlink (shm);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/marks/random", test_marks_random);
  g_test_add_func ("/marks/record-seq", test_marks_record_seq);
  g_test_add_func ("/marks/query-syntax", test_query_is_marked_syntax);
  g_test_add_func ("/marks/query-matches", test_query_is_marked_matches);
  g_test_add_func ("/marks/filter-model-random", test_filter_model_is_marked_random);
  g_test_add_func ("/marks/survive-eviction", test_marks_survive_eviction);
  g_test_add_func ("/marks/archive-round-trip", test_marks_archive_round_trip);

  return g_test_run ();
}
