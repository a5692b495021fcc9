// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include "ld-activity.h"
#include "ld-level.h"
#include "ld-row.h"
#include "ld-store.h"

#if defined(__has_include)
# if __has_include ("ld-filter-model.h")
#  include "ld-filter-model.h"
#  define HAVE_FILTER_MODEL 1
# endif
#endif

#define T0 G_GINT64_CONSTANT (1763700000000000)   /* 2025-11-21, µs */

static const int levels[] = {
  LD_LEVEL_TRACE, LD_LEVEL_DEBUG, LD_LEVEL_INFO, LD_LEVEL_NOTICE, LD_LEVEL_WARNING, 35,
  LD_LEVEL_ERROR, LD_LEVEL_CRITICAL, LD_LEVEL_EMERGENCY,
};

/* Times that move forward mostly, sometimes go back a little or a lot, and
 * once in a while jump: what senders with bad clocks do. */
static gint64
next_time (GRand  *rand,
           gint64 *clock)
{
  int roll = g_rand_int_range (rand, 0, 100);

  *clock += g_rand_int_range (rand, 0, 20000);
  if (roll < 5)
    return *clock - g_rand_int_range (rand, 0, 5 * G_USEC_PER_SEC);
  if (roll == 5)
    return *clock - (gint64) g_rand_int_range (rand, 1, 48) * 3600 * G_USEC_PER_SEC;
  if (roll == 6)
    return *clock + (gint64) g_rand_int_range (rand, 1, 48) * 3600 * G_USEC_PER_SEC;
  if (roll == 7)
    return -g_rand_int_range (rand, 0, 3 * G_USEC_PER_SEC);   /* before 1970 */
  return *clock;
}

static LdBatch *
random_batch (GRand  *rand,
              gint64 *clock,
              guint   count)
{
  LdBatch *batch = ld_batch_new ();

  for (guint i = 0; i < count; i++)
    {
      LdRecordFields fields = { 0 };

      fields.time_us = next_time (rand, clock);
      fields.level = levels[g_rand_int_range (rand, 0, G_N_ELEMENTS (levels))];
      fields.logger = "test";
      fields.message = "hello";
      ld_batch_add (batch, &fields);
    }

  return batch;
}

static gint64
second_of (gint64 time_us)
{
  return time_us >= 0 ? time_us / G_USEC_PER_SEC : -((-time_us + G_USEC_PER_SEC - 1)
                                                      / G_USEC_PER_SEC);
}

/* The truth: a recount of every record the model lists. */
static GHashTable *
recount (GListModel *model,
         guint      *n_counted)
{
  GHashTable *seconds = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);

  *n_counted = 0;
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(LdRow) row = g_list_model_get_item (model, i);
      const LdRecord *record = ld_row_get_record (row);
      gint64 second;
      LdActivityBucket *bucket;

      if (record == NULL)
        continue;
      second = second_of (record->time_us);
      bucket = g_hash_table_lookup (seconds, &second);
      if (bucket == NULL)
        {
          bucket = g_new0 (LdActivityBucket, 1);
          g_hash_table_insert (seconds, g_memdup2 (&second, sizeof second), bucket);
        }
      bucket->counts[ld_activity_band_for_level (record->level)]++;
      (*n_counted)++;
    }

  return seconds;
}

static void
assert_bucket_equal (const LdActivityBucket *a,
                     const LdActivityBucket *b)
{
  for (guint band = 0; band < LD_ACTIVITY_N_BANDS; band++)
    g_assert_cmpuint (a->counts[band], ==, b->counts[band]);
}

static void
check_range_sums (LdActivity *activity,
                  GHashTable *truth,
                  gint64      from,
                  gint64      to)
{
  LdActivityBucket expected = { { 0 } }, got;
  GHashTableIter iter;
  gint64 *second;
  LdActivityBucket *bucket;

  g_hash_table_iter_init (&iter, truth);
  while (g_hash_table_iter_next (&iter, (gpointer *) &second, (gpointer *) &bucket))
    if (*second >= from && *second < to)
      for (guint band = 0; band < LD_ACTIVITY_N_BANDS; band++)
        expected.counts[band] += bucket->counts[band];

  ld_activity_sum (activity, from, to, &got);
  assert_bucket_equal (&expected, &got);
}

/* Every second, the range and sums over spans equal the recount. */
static void
check_activity (LdActivity *activity,
                GListModel *model,
                GRand      *rand)
{
  guint n_counted;
  g_autoptr(GHashTable) truth = recount (model, &n_counted);
  GHashTableIter iter;
  gint64 *second, first = G_MAXINT64, last = G_MININT64, got_first, got_last;
  LdActivityBucket *bucket, got;

  g_assert_cmpuint (ld_activity_get_n_records (activity), ==, n_counted);
  g_hash_table_iter_init (&iter, truth);
  while (g_hash_table_iter_next (&iter, (gpointer *) &second, (gpointer *) &bucket))
    {
      ld_activity_get_second (activity, *second, &got);
      assert_bucket_equal (bucket, &got);
      first = MIN (first, *second);
      last = MAX (last, *second);
    }

  g_assert_cmpint (ld_activity_get_time_range (activity, &got_first, &got_last), ==,
                   n_counted > 0);
  if (n_counted == 0)
    return;
  g_assert_cmpint (got_first, ==, first);
  g_assert_cmpint (got_last, ==, last);
  g_assert_cmpuint (ld_activity_sum (activity, first, last + 1, &got), ==, n_counted);

  /* Spans long enough to be read by the minute, with ragged edges. */
  for (guint i = 0; i < 20; i++)
    {
      gint64 from = T0 / G_USEC_PER_SEC + g_rand_int_range (rand, -4000, 4000);
      check_range_sums (activity, truth, from, from + g_rand_int_range (rand, 0, 8000));
    }
  check_range_sums (activity, truth, first - 100000, last + 100000);
}

static void
test_streaming (void)
{
  g_autoptr(LdStore) store = ld_store_new (5000);
  g_autoptr(LdActivity) activity = ld_activity_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  gint64 clock = T0;

  ld_activity_attach_store (activity, store);
  for (guint round = 0; round < 60; round++)
    {
      g_autoptr(LdBatch) batch = random_batch (rand, &clock, g_rand_int_range (rand, 1, 400));

      ld_store_append_batch (store, batch);
      check_activity (activity, G_LIST_MODEL (store), rand);
    }
  g_assert_cmpuint (ld_store_get_n_evicted (store), >, 0);

  /* A batch bigger than the store: everything old goes, some new ones too. */
  {
    g_autoptr(LdBatch) batch = random_batch (rand, &clock, 7000);
    ld_store_append_batch (store, batch);
    check_activity (activity, G_LIST_MODEL (store), rand);
  }

  ld_store_set_max_records (store, 321);
  check_activity (activity, G_LIST_MODEL (store), rand);

  ld_store_clear (store);
  check_activity (activity, G_LIST_MODEL (store), rand);
  g_assert_cmpuint (ld_activity_get_memory_size (activity), ==, 0);

  {
    g_autoptr(LdBatch) batch = random_batch (rand, &clock, 100);
    ld_store_append_batch (store, batch);
    check_activity (activity, G_LIST_MODEL (store), rand);
  }
}

/* Attached late, the counters start from what is there. */
static void
test_attach_late (void)
{
  g_autoptr(LdStore) store = ld_store_new (1000);
  g_autoptr(LdActivity) activity = ld_activity_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  g_autoptr(LdBatch) batch = NULL;
  gint64 clock = T0;

  batch = random_batch (rand, &clock, 600);
  ld_store_append_batch (store, batch);
  ld_activity_attach_store (activity, store);
  check_activity (activity, G_LIST_MODEL (store), rand);

  ld_activity_detach (activity);
  g_assert_cmpuint (ld_activity_get_n_records (activity), ==, 0);
}

static void
on_changed (LdActivity *activity,
            guint      *n_changed)
{
  (*n_changed)++;
}

#ifdef HAVE_FILTER_MODEL
static LdQuery *
parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  LdQuery *query = ld_query_parse (text, T0, &error);

  g_assert_no_error (error);
  return query;
}

/* The filtered series: appends, evictions, a paused view that lists
 * records the store has evicted since, and a change of query. */
static void
test_filter_model (void)
{
  g_autoptr(LdStore) store = ld_store_new (500);
  g_autoptr(LdFilterModel) filtered = ld_filter_model_new (store);
  g_autoptr(LdActivity) activity = ld_activity_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  gint64 clock = T0;
  guint n_changed = 0;

  ld_filter_model_set_min_level (filtered, LD_LEVEL_WARNING);
  ld_activity_attach_model (activity, G_LIST_MODEL (filtered), store,
                            (LdActivitySeqFunc) ld_filter_model_get_seq);
  g_signal_connect (activity, "changed", G_CALLBACK (on_changed), &n_changed);

  for (guint round = 0; round < 40; round++)
    {
      g_autoptr(LdBatch) batch = random_batch (rand, &clock, g_rand_int_range (rand, 1, 200));

      if (round == 10)
        ld_filter_model_set_frozen (filtered, TRUE);
      if (round == 20)
        ld_filter_model_set_frozen (filtered, FALSE);
      if (round == 30)
        {
          g_autoptr(LdQuery) query = parse ("level>=ERROR");
          ld_filter_model_set_query (filtered, query);
          ld_filter_model_flush (filtered);
        }
      ld_store_append_batch (store, batch);
      ld_filter_model_flush (filtered);
      /* While paused, the model lists records that the store has evicted
       * since; they stay counted until the model lets them go. */
      if (!ld_filter_model_get_frozen (filtered))
        check_activity (activity, G_LIST_MODEL (filtered), rand);
    }
  g_assert_cmpuint (n_changed, >, 0);
}
#endif

/* Any model of rows, changed anywhere: the counters recount it. */
static void
test_any_model (void)
{
  g_autoptr(LdStore) store = ld_store_new (0);
  g_autoptr(GListStore) rows = g_list_store_new (LD_TYPE_ROW);
  g_autoptr(LdActivity) activity = ld_activity_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);
  g_autoptr(LdBatch) batch = NULL;
  gint64 clock = T0;

  batch = random_batch (rand, &clock, 300);
  ld_store_append_batch (store, batch);
  ld_activity_attach_model (activity, G_LIST_MODEL (rows), store, NULL);

  for (guint i = 0; i < 300; i += 3)
    {
      g_autoptr(LdRow) row = ld_row_new (store, i);
      g_list_store_append (rows, row);
    }
  check_activity (activity, G_LIST_MODEL (rows), rand);

  g_list_store_remove (rows, 0);
  g_list_store_remove (rows, 0);
  check_activity (activity, G_LIST_MODEL (rows), rand);

  g_list_store_remove (rows, 40);
  check_activity (activity, G_LIST_MODEL (rows), rand);

  g_list_store_splice (rows, 5, 10, NULL, 0);
  check_activity (activity, G_LIST_MODEL (rows), rand);

  g_list_store_remove_all (rows);
  check_activity (activity, G_LIST_MODEL (rows), rand);
}

/* Columns for a chart, and the largest one to scale it. */
static void
test_columns (void)
{
  g_autoptr(LdStore) store = ld_store_new (0);
  g_autoptr(LdActivity) activity = ld_activity_new ();
  g_autoptr(LdBatch) batch = ld_batch_new ();
  LdActivityBucket columns[6];
  gint64 base = T0 / G_USEC_PER_SEC;

  /* Second k has k records; second 3's are all errors. */
  for (guint k = 0; k < 12; k++)
    for (guint i = 0; i < k; i++)
      {
        LdRecordFields fields = { 0 };

        fields.time_us = (base + k) * G_USEC_PER_SEC + i * 1000;
        fields.level = k == 3 ? LD_LEVEL_ERROR : LD_LEVEL_INFO;
        ld_batch_add (batch, &fields);
      }
  ld_activity_attach_store (activity, store);
  ld_store_append_batch (store, batch);

  g_assert_cmpuint (ld_activity_read_columns (activity, base, 2, 6, columns), ==, 10 + 11);
  g_assert_cmpuint (columns[0].counts[LD_ACTIVITY_BAND_INFO], ==, 1);
  g_assert_cmpuint (columns[1].counts[LD_ACTIVITY_BAND_INFO], ==, 2);
  g_assert_cmpuint (columns[1].counts[LD_ACTIVITY_BAND_ERROR], ==, 3);
  g_assert_cmpuint (ld_activity_get_max (activity, base, base + 12), ==, 11);
  g_assert_cmpuint (ld_activity_get_max (activity, base, base + 5), ==, 4);
  g_assert_cmpuint (ld_activity_bucket_total (&columns[5]), ==, 21);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/activity/streaming", test_streaming);
  g_test_add_func ("/activity/attach-late", test_attach_late);
#ifdef HAVE_FILTER_MODEL
  g_test_add_func ("/activity/filter-model", test_filter_model);
#endif
  g_test_add_func ("/activity/any-model", test_any_model);
  g_test_add_func ("/activity/columns", test_columns);

  return g_test_run ();
}
