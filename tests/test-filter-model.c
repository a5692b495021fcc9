// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <string.h>

#include "ld-filter-model.h"
#include "ld-marks.h"
#include "ld-row.h"
#include "ld-store.h"

#define NOW G_GINT64_CONSTANT (1795176000000000)

/* A listener that replays every ::items-changed on a shadow list of
 * sequence numbers, which must then equal what the model holds. */
typedef struct
{
  GArray  *seqs;
  guint    n_signals;
} Shadow;

static guint64
seq_at (GListModel *model,
        guint       position)
{
  g_autoptr(LdRow) row = g_list_model_get_item (model, position);

  g_assert_nonnull (row);
  return ld_row_get_seq (row);
}

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Shadow     *shadow)
{
  g_assert_cmpuint (position + removed, <=, shadow->seqs->len);
  g_assert_true (removed > 0 || added > 0);
  g_array_remove_range (shadow->seqs, position, removed);
  for (guint i = 0; i < added; i++)
    {
      guint64 seq = seq_at (model, position + i);
      g_array_insert_val (shadow->seqs, position + i, seq);
    }
  g_assert_cmpuint (shadow->seqs->len, ==, g_list_model_get_n_items (model));
  shadow->n_signals++;
}

static Shadow *
shadow_new (GListModel *model)
{
  Shadow *shadow = g_new0 (Shadow, 1);

  shadow->seqs = g_array_new (FALSE, FALSE, sizeof (guint64));
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      guint64 seq = seq_at (model, i);
      g_array_append_val (shadow->seqs, seq);
    }
  g_signal_connect (model, "items-changed", G_CALLBACK (on_items_changed), shadow);

  return shadow;
}

static void
shadow_free (Shadow *shadow)
{
  g_array_unref (shadow->seqs);
  g_free (shadow);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Shadow, shadow_free)

static void
assert_shadow_is_model (Shadow        *shadow,
                        LdFilterModel *model)
{
  GListModel *list = G_LIST_MODEL (model);

  g_assert_cmpuint (shadow->seqs->len, ==, g_list_model_get_n_items (list));
  for (guint i = 0; i < shadow->seqs->len; i++)
    {
      guint64 seq = g_array_index (shadow->seqs, guint64, i);

      g_assert_cmpuint (seq, ==, seq_at (list, i));
      g_assert_cmpuint (seq, ==, ld_filter_model_get_seq (model, i));
      g_assert_cmpint (ld_filter_model_find_seq (model, seq), ==, i);
      if (i > 0)
        g_assert_cmpuint (seq, >, g_array_index (shadow->seqs, guint64, i - 1));
    }
}

/* The filter, written again without any of the model's machinery. */
typedef struct
{
  LdQuery     *query;
  const int   *hidden;
  guint        n_hidden;
  int          min_level;
  const char **excluded;
} Reference;

static gboolean
reference_logger_excluded (const Reference *ref,
                           const LdRecord  *record)
{
  const char *name = ld_intern_lookup (record->logger);

  for (guint i = 0; name != NULL && ref->excluded != NULL && ref->excluded[i] != NULL; i++)
    if (strcmp (name, ref->excluded[i]) == 0
        || (g_str_has_prefix (name, ref->excluded[i]) && name[strlen (ref->excluded[i])] == '.'))
      return TRUE;

  return FALSE;
}

static gboolean
reference_matches (const Reference *ref,
                   const LdRecord  *record)
{
  for (guint i = 0; i < ref->n_hidden; i++)
    if (record->level == ref->hidden[i])
      return FALSE;

  return record->level >= ref->min_level && !reference_logger_excluded (ref, record)
         && (ref->query == NULL || ld_query_matches (ref->query, record));
}

/* While a scan is pending, the records it has not reached yet (the oldest
 * ones) are left out of the model, and so of the comparison. */
static void
assert_model_is_reference (LdFilterModel   *model,
                           LdStore         *store,
                           const Reference *ref)
{
  guint position = 0;
  guint pending = ld_filter_model_get_pending (model);

  for (guint i = pending; i < ld_store_get_n_records (store); i++)
    if (reference_matches (ref, ld_store_get_record (store, i)))
      g_assert_cmpuint (ld_filter_model_get_seq (model, position++), ==,
                        ld_store_get_first_seq (store) + i);

  g_assert_cmpuint (position, ==, g_list_model_get_n_items (G_LIST_MODEL (model)));
  g_assert_cmpuint (position, ==, ld_filter_model_get_n_matches (model));
}

static const char *loggers[] = {
  "acme.api", "acme.api.auth", "acme.apix", "acme.db", "websockets.server", "websockets",
  "root", NULL,
};
static const char *words[] = {
  "timeout", "connected", "GET", "retry", "Größe", "closed", "error", "slow",
};

static LdBatch *
random_batch (guint *counter,
              guint  count)
{
  LdBatch *batch = ld_batch_new ();

  for (guint i = 0; i < count; i++, (*counter)++)
    {
      g_autofree char *message = g_strdup_printf ("%s %s #%u",
                                                  words[g_test_rand_int_range (0, 8)],
                                                  words[g_test_rand_int_range (0, 8)], *counter);
      g_autofree char *thread = g_strdup_printf ("Worker-%d", g_test_rand_int_range (1, 4));
      LdRecordFields fields = {
        .time_us = NOW + *counter * G_USEC_PER_SEC,
        .level = (int[]) { 10, 20, 20, 30, 40, 50, 35, -4 }[g_test_rand_int_range (0, 8)],
        .logger = loggers[g_test_rand_int_range (0, G_N_ELEMENTS (loggers))],
        .thread = thread,
        .message = message,
      };
      char status[8];

      ld_batch_add (batch, &fields);
      g_snprintf (status, sizeof status, "%d", 200 + 100 * g_test_rand_int_range (0, 4));
      if (g_test_rand_bit ())
        ld_batch_add_extra (batch, "status", -1, LD_VALUE_NUMBER, status, -1);
    }

  return batch;
}

static void
append_random (LdStore *store,
               guint   *counter,
               guint    count)
{
  g_autoptr(LdBatch) batch = random_batch (counter, count);

  ld_store_append_batch (store, batch);
}

static void
iterate_a_little (void)
{
  for (int i = 0; i < 3 && g_main_context_iteration (NULL, FALSE); i++)
    ;
}

static void
wait_for_scan (LdFilterModel *model)
{
  while (ld_filter_model_get_pending (model) > 0)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_empty_filter_follows_store (void)
{
  g_autoptr(LdStore) store = ld_store_new (50);
  g_autoptr(LdFilterModel) model = NULL;
  g_autoptr(Shadow) shadow = NULL;
  Reference ref = { .min_level = G_MININT };
  guint counter = 0;

  append_random (store, &counter, 20);
  model = ld_filter_model_new (store);
  shadow = shadow_new (G_LIST_MODEL (model));
  assert_model_is_reference (model, store, &ref);

  for (int round = 0; round < 30; round++)
    {
      append_random (store, &counter, g_test_rand_int_range (1, 30));
      assert_shadow_is_model (shadow, model);
      assert_model_is_reference (model, store, &ref);
    }

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 50);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (model)) == LD_TYPE_ROW);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (model), 50));
  g_assert_cmpuint (ld_filter_model_get_seq (model, 50), ==, G_MAXUINT64);
}

static const char *stream_queries[] = {
  "timeout",
  "logger:acme.api -level:error",
  "/gr(ö|o)sse|slow/ OR status>=400",
  "thread=Worker-2 OR (retry level>=WARNING)",
  "",
};

/* While frozen: nothing that arrived since the freeze is shown, and every
 * record shown that the store still has passes the filter. */
static void
assert_frozen_view (LdFilterModel   *model,
                    LdStore         *store,
                    const Reference *ref,
                    guint64          horizon)
{
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (model)); i++)
    {
      guint64 seq = ld_filter_model_get_seq (model, i);
      const LdRecord *record = ld_store_get_record_by_seq (store, seq);

      g_assert_cmpuint (seq, <, horizon);
      g_assert_true (record == NULL || reference_matches (ref, record));
    }
}

/* After every batch, while records stream in and the oldest are evicted,
 * the model equals a fresh filter of the store, and the listener's replay
 * equals the model. Filter changes happen mid-stream, and scans are cut in
 * small slices so that batches arrive while a scan is still pending. */
static void
run_stream (LdStore *store)
{
  g_autoptr(LdFilterModel) model = ld_filter_model_new (store);
  g_autoptr(Shadow) shadow = shadow_new (G_LIST_MODEL (model));
  static const int hidden_sets[][2] = { { 20, 35 }, { 10, -4 }, { 50, 50 } };
  static const char *excluded_sets[][3] = { { "websockets", NULL }, { "acme.api", "root", NULL },
                                            { NULL } };
  Reference ref = { .min_level = G_MININT };
  g_autoptr(LdQuery) query = NULL;
  guint64 horizon = 0;
  guint counter = 0;

  ld_filter_model_set_slice_limit (model, 37);
  for (int round = 0; round < 400; round++)
    {
      int what = g_test_rand_int_range (0, 13);

      if (what == 0)
        {
          g_clear_pointer (&query, ld_query_unref);
          query = ld_query_parse (stream_queries[g_test_rand_int_range (0, 5)], NOW, NULL);
          ref.query = query;
          ld_filter_model_set_query (model, query);
        }
      else if (what == 1)
        {
          guint set = g_test_rand_int_range (0, G_N_ELEMENTS (hidden_sets));

          ref.hidden = hidden_sets[set];
          ref.n_hidden = 2;
          ld_filter_model_set_hidden_levels (model, ref.hidden, ref.n_hidden);
        }
      else if (what == 2)
        {
          ref.excluded = excluded_sets[g_test_rand_int_range (0, G_N_ELEMENTS (excluded_sets))];
          ld_filter_model_set_excluded_loggers (model, ref.excluded);
        }
      else if (what == 3)
        {
          ref.min_level = g_test_rand_bit () ? G_MININT : 30;
          ld_filter_model_set_min_level (model, ref.min_level);
        }
      else if (what == 4)
        iterate_a_little ();
      else if (what == 5)
        {
          horizon = ld_store_get_n_received (store);
          ld_filter_model_set_frozen (model, !ld_filter_model_get_frozen (model));
        }
      else
        append_random (store, &counter, g_test_rand_int_range (1, 120));

      assert_shadow_is_model (shadow, model);
      if (ld_filter_model_get_frozen (model))
        assert_frozen_view (model, store, &ref, horizon);
      else
        assert_model_is_reference (model, store, &ref);
    }

  ld_filter_model_set_frozen (model, FALSE);

  wait_for_scan (model);
  assert_shadow_is_model (shadow, model);
  assert_model_is_reference (model, store, &ref);
  g_assert_cmpuint (ld_store_get_n_evicted (store), >, 0);
}

static void
test_stream_with_evictions (void)
{
  g_autoptr(LdStore) store = ld_store_new (400);

  run_stream (store);
}

/* A size limit evicts again after the records are appended. */
static void
test_stream_with_size_limit (void)
{
  g_autoptr(LdStore) store = ld_store_new (100000);

  ld_store_set_max_bytes (store, 40 * 1024);
  run_stream (store);
}

/* One batch ends in one ::items-changed; evictions in one more. */
static void
test_one_signal_per_batch (void)
{
  g_autoptr(LdStore) store = ld_store_new (100);
  g_autoptr(LdFilterModel) model = ld_filter_model_new (store);
  g_autoptr(LdQuery) query = ld_query_parse ("level>=WARNING", NOW, NULL);
  g_autoptr(Shadow) shadow = NULL;
  guint counter = 0;

  ld_filter_model_set_query (model, query);
  shadow = shadow_new (G_LIST_MODEL (model));

  append_random (store, &counter, 80);
  g_assert_cmpuint (shadow->n_signals, ==, 1);
  append_random (store, &counter, 80);
  g_assert_cmpuint (shadow->n_signals, ==, 3);
  assert_shadow_is_model (shadow, model);
}

/* Batches larger than the store skip records that never get a row. */
static void
test_oversized_batch (void)
{
  g_autoptr(LdStore) store = ld_store_new (10);
  g_autoptr(LdFilterModel) model = ld_filter_model_new (store);
  g_autoptr(Shadow) shadow = shadow_new (G_LIST_MODEL (model));
  Reference ref = { .min_level = G_MININT };
  guint counter = 0;

  append_random (store, &counter, 7);
  append_random (store, &counter, 25);
  assert_shadow_is_model (shadow, model);
  assert_model_is_reference (model, store, &ref);
  g_assert_cmpuint (ld_filter_model_get_seq (model, 0), ==, 22);
}

static void
test_clear (void)
{
  g_autoptr(LdStore) store = ld_store_new (100);
  g_autoptr(LdFilterModel) model = ld_filter_model_new (store);
  g_autoptr(LdQuery) query = ld_query_parse ("-level:10", NOW, NULL);
  g_autoptr(Shadow) shadow = shadow_new (G_LIST_MODEL (model));
  Reference ref = { .query = query, .min_level = G_MININT };
  guint counter = 0;

  ld_filter_model_set_query (model, query);
  append_random (store, &counter, 60);
  ld_store_clear (store);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);
  assert_shadow_is_model (shadow, model);

  append_random (store, &counter, 30);
  assert_shadow_is_model (shadow, model);
  assert_model_is_reference (model, store, &ref);
}

static void
test_freeze (void)
{
  g_autoptr(LdStore) store = ld_store_new (100);
  g_autoptr(LdFilterModel) model = ld_filter_model_new (store);
  g_autoptr(LdQuery) query = ld_query_parse ("-level:10", NOW, NULL);
  g_autoptr(Shadow) shadow = shadow_new (G_LIST_MODEL (model));
  g_autoptr(GArray) snapshot = NULL;
  Reference ref = { .query = query, .min_level = G_MININT };
  guint counter = 0;

  ld_filter_model_set_query (model, query);
  append_random (store, &counter, 80);
  ld_filter_model_set_frozen (model, TRUE);
  snapshot = g_array_copy (shadow->seqs);

  /* New records and evictions leave the frozen view alone. */
  append_random (store, &counter, 70);
  g_assert_cmpuint (shadow->seqs->len, ==, snapshot->len);
  g_assert_cmpmem (shadow->seqs->data, snapshot->len * 8, snapshot->data, snapshot->len * 8);
  assert_shadow_is_model (shadow, model);
  g_assert_cmpuint (ld_filter_model_get_n_matches (model), <, snapshot->len + 70);

  /* Thawing catches up in two steps: the evicted at the front, the new at
   * the end. */
  shadow->n_signals = 0;
  ld_filter_model_set_frozen (model, FALSE);
  g_assert_cmpuint (shadow->n_signals, ==, 2);
  assert_shadow_is_model (shadow, model);
  assert_model_is_reference (model, store, &ref);
}

/* A filter change while frozen filters again what arrived before the
 * freeze; thawing then adds what arrived since. */
static void
test_filter_while_frozen (void)
{
  g_autoptr(LdStore) store = ld_store_new (100);
  g_autoptr(LdFilterModel) model = ld_filter_model_new (store);
  g_autoptr(LdQuery) query = ld_query_parse ("timeout OR slow", NOW, NULL);
  g_autoptr(Shadow) shadow = shadow_new (G_LIST_MODEL (model));
  Reference ref = { .query = query, .min_level = G_MININT };
  guint64 horizon;
  guint counter = 0;

  append_random (store, &counter, 60);
  ld_filter_model_set_frozen (model, TRUE);
  horizon = ld_store_get_n_received (store);
  append_random (store, &counter, 30);

  ld_filter_model_set_slice_limit (model, 7);
  ld_filter_model_set_query (model, query);
  wait_for_scan (model);
  ld_filter_model_set_level_hidden (model, 20, TRUE);
  ld_filter_model_set_level_hidden (model, 20, FALSE);
  append_random (store, &counter, 30);
  assert_shadow_is_model (shadow, model);
  for (guint i = 0; i < shadow->seqs->len; i++)
    {
      guint64 seq = g_array_index (shadow->seqs, guint64, i);
      const LdRecord *record = ld_store_get_record_by_seq (store, seq);

      /* Evicted records stay listed while frozen, without a record. */
      g_assert_cmpuint (seq, <, horizon);
      g_assert_true (record == NULL || ld_query_matches (query, record));
    }

  ld_filter_model_set_frozen (model, FALSE);
  assert_shadow_is_model (shadow, model);
  assert_model_is_reference (model, store, &ref);
}

static void
test_level_toggles (void)
{
  g_autoptr(LdStore) store = ld_store_new (1000);
  g_autoptr(LdFilterModel) model = ld_filter_model_new (store);
  g_autoptr(Shadow) shadow = shadow_new (G_LIST_MODEL (model));
  static const int hidden[] = { 20, 35, 20 };
  Reference ref = { .min_level = G_MININT };
  guint counter = 0;

  append_random (store, &counter, 500);

  ld_filter_model_set_level_hidden (model, -4, TRUE);
  g_assert_true (ld_filter_model_get_level_hidden (model, -4));
  ref.hidden = (int[]) { -4 };
  ref.n_hidden = 1;
  assert_model_is_reference (model, store, &ref);

  ld_filter_model_set_hidden_levels (model, hidden, G_N_ELEMENTS (hidden));
  g_assert_false (ld_filter_model_get_level_hidden (model, -4));
  ref.hidden = hidden;
  ref.n_hidden = 2;
  assert_model_is_reference (model, store, &ref);

  ld_filter_model_set_level_hidden (model, 20, FALSE);
  g_assert_false (ld_filter_model_get_level_hidden (model, 20));
  ref.hidden = (int[]) { 35 };
  ref.n_hidden = 1;
  assert_model_is_reference (model, store, &ref);

  ld_filter_model_set_min_level (model, 30);
  g_assert_cmpint (ld_filter_model_get_min_level (model), ==, 30);
  ref.min_level = 30;
  assert_model_is_reference (model, store, &ref);
  assert_shadow_is_model (shadow, model);
}

static void
test_logger_exclusions (void)
{
  g_autoptr(LdStore) store = ld_store_new (1000);
  g_autoptr(LdFilterModel) model = ld_filter_model_new (store);
  g_autoptr(Shadow) shadow = shadow_new (G_LIST_MODEL (model));
  const char *excluded[] = { "websockets", "acme.api", NULL };
  Reference ref = { .min_level = G_MININT, .excluded = excluded };
  guint counter = 0;

  append_random (store, &counter, 500);
  ld_filter_model_set_excluded_loggers (model, excluded);
  g_assert_cmpstrv (ld_filter_model_get_excluded_loggers (model), excluded);
  assert_model_is_reference (model, store, &ref);

  /* acme.apix is not under acme.api. */
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (model)); i++)
    {
      g_autoptr(LdRow) row = g_list_model_get_item (G_LIST_MODEL (model), i);
      const char *logger = ld_intern_lookup (ld_row_get_record (row)->logger);

      g_assert_false (logger != NULL && g_str_has_prefix (logger, "websockets"));
      g_assert_true (g_strcmp0 (logger, "acme.api") != 0);
    }

  ld_filter_model_set_excluded_loggers (model, NULL);
  g_assert_null (ld_filter_model_get_excluded_loggers (model));
  ref.excluded = NULL;
  assert_model_is_reference (model, store, &ref);
  assert_shadow_is_model (shadow, model);
}

/* An incremental scan shows the newest matches first and counts down. */
static void
test_incremental_scan (void)
{
  g_autoptr(LdStore) store = ld_store_new (2000);
  g_autoptr(LdFilterModel) model = ld_filter_model_new (store);
  g_autoptr(Shadow) shadow = shadow_new (G_LIST_MODEL (model));
  g_autoptr(LdQuery) query = ld_query_parse ("timeout", NOW, NULL);
  Reference ref = { .query = query, .min_level = G_MININT };
  guint counter = 0, last_pending;

  append_random (store, &counter, 2000);
  ld_filter_model_set_slice_limit (model, 300);
  ld_filter_model_set_query (model, query);
  /* The first slice stops at 300 records, or sooner if its time is up. */
  last_pending = ld_filter_model_get_pending (model);
  g_assert_cmpuint (last_pending, >=, 2000 - 300);
  g_assert_cmpuint (last_pending, <, 2000);
  if (g_list_model_get_n_items (G_LIST_MODEL (model)) > 0)
    g_assert_cmpuint (ld_filter_model_get_seq (model, 0), >=, last_pending);

  while (ld_filter_model_get_pending (model) > 0)
    {
      g_main_context_iteration (NULL, TRUE);
      g_assert_cmpuint (ld_filter_model_get_pending (model), <, last_pending);
      last_pending = ld_filter_model_get_pending (model);
      assert_shadow_is_model (shadow, model);
    }
  assert_model_is_reference (model, store, &ref);

  /* Not incremental: all at once. */
  ld_filter_model_set_incremental (model, FALSE);
  g_assert_false (ld_filter_model_get_incremental (model));
  ld_filter_model_set_query (model, NULL);
  ld_filter_model_set_query (model, query);
  g_assert_cmpuint (ld_filter_model_get_pending (model), ==, 0);
  assert_model_is_reference (model, store, &ref);
  assert_shadow_is_model (shadow, model);
}

static void
test_flush_and_evict_during_scan (void)
{
  g_autoptr(LdStore) store = ld_store_new (1000);
  g_autoptr(LdFilterModel) model = ld_filter_model_new (store);
  g_autoptr(Shadow) shadow = shadow_new (G_LIST_MODEL (model));
  g_autoptr(LdQuery) query = ld_query_parse ("retry OR error", NOW, NULL);
  Reference ref = { .query = query, .min_level = G_MININT };
  guint counter = 0;

  append_random (store, &counter, 1000);
  ld_filter_model_set_slice_limit (model, 100);
  ld_filter_model_set_query (model, query);
  g_assert_cmpuint (ld_filter_model_get_pending (model), >, 0);

  /* Evicting the whole pending part ends the scan. */
  append_random (store, &counter, 900);
  g_assert_cmpuint (ld_filter_model_get_pending (model), ==, 0);
  assert_shadow_is_model (shadow, model);
  assert_model_is_reference (model, store, &ref);

  ld_filter_model_set_query (model, NULL);
  ld_filter_model_set_query (model, query);
  g_assert_cmpuint (ld_filter_model_get_pending (model), >, 0);
  ld_filter_model_flush (model);
  g_assert_cmpuint (ld_filter_model_get_pending (model), ==, 0);
  assert_shadow_is_model (shadow, model);
  assert_model_is_reference (model, store, &ref);
}

static void
test_lower_bound (void)
{
  g_autoptr(LdStore) store = ld_store_new (100);
  g_autoptr(LdFilterModel) model = ld_filter_model_new (store);
  g_autoptr(LdQuery) query = ld_query_parse ("level>=40", NOW, NULL);
  guint counter = 0;
  guint n;

  append_random (store, &counter, 100);
  ld_filter_model_set_query (model, query);
  n = g_list_model_get_n_items (G_LIST_MODEL (model));
  g_assert_cmpuint (n, >, 0);

  for (guint64 seq = 0; seq < 100; seq++)
    {
      guint position = ld_filter_model_lower_bound (model, seq);
      gboolean matches = ld_query_matches (query, ld_store_get_record_by_seq (store, seq));

      g_assert_cmpuint (position, <=, n);
      if (position < n)
        g_assert_cmpuint (ld_filter_model_get_seq (model, position), >=, seq);
      if (position > 0)
        g_assert_cmpuint (ld_filter_model_get_seq (model, position - 1), <, seq);
      g_assert_cmpint (ld_filter_model_find_seq (model, seq), ==, matches ? (int) position : -1);
    }
  g_assert_cmpuint (ld_filter_model_lower_bound (model, 1000), ==, n);
}

static void
on_notify (GObject    *object,
           GParamSpec *pspec,
           guint      *count)
{
  (*count)++;
}

static void
test_properties (void)
{
  g_autoptr(LdStore) store = ld_store_new (100);
  g_autoptr(LdFilterModel) model = ld_filter_model_new (store);
  g_autoptr(LdQuery) query = ld_query_parse ("level>=40", NOW, NULL);
  g_autoptr(LdQuery) got = NULL;
  g_autoptr(LdStore) got_store = NULL;
  g_auto(GStrv) got_loggers = NULL;
  const char *loggers_in[] = { "root", NULL };
  guint n_matches_notified = 0, frozen_notified = 0, n_matches;
  int min_level;
  gboolean frozen;
  guint counter = 0;

  g_signal_connect (model, "notify::n-matches", G_CALLBACK (on_notify), &n_matches_notified);
  g_signal_connect (model, "notify::frozen", G_CALLBACK (on_notify), &frozen_notified);

  g_object_set (model, "query", query, "min-level", 20, "excluded-loggers", loggers_in,
                "frozen", TRUE, NULL);
  append_random (store, &counter, 50);
  g_object_get (model, "query", &got, "store", &got_store, "min-level", &min_level,
                "excluded-loggers", &got_loggers, "frozen", &frozen, "n-matches", &n_matches,
                NULL);

  g_assert_true (got == query);
  g_assert_true (got_store == store);
  g_assert_true (ld_filter_model_get_store (model) == store);
  g_assert_true (ld_filter_model_get_query (model) == query);
  g_assert_cmpint (min_level, ==, 20);
  g_assert_cmpstrv (got_loggers, loggers_in);
  g_assert_true (frozen);
  g_assert_cmpuint (frozen_notified, ==, 1);
  g_assert_cmpuint (n_matches, >, 0);
  g_assert_cmpuint (n_matches_notified, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);
}

static void
test_finalize_with_pending_scan (void)
{
  g_autoptr(LdStore) store = ld_store_new (1000);
  LdFilterModel *model = ld_filter_model_new (store);
  g_autoptr(LdQuery) query = ld_query_parse ("timeout", NOW, NULL);
  guint counter = 0;

  append_random (store, &counter, 1000);
  ld_filter_model_set_slice_limit (model, 10);
  ld_filter_model_set_query (model, query);
  g_assert_cmpuint (ld_filter_model_get_pending (model), >, 0);
  g_assert_finalize_object (model);

  /* The scan's idle source went with it. */
  iterate_a_little ();
  append_random (store, &counter, 10);
}


/* The generation tells a new filter from records arriving and leaving. */
static void
test_generation (void)
{
  g_autoptr(LdStore) store = ld_store_new (50);
  g_autoptr(LdFilterModel) model = ld_filter_model_new (store);
  g_autoptr(LdQuery) query = ld_query_parse ("timeout", NOW, NULL);
  const char *excluded[] = { "acme.db", NULL };
  guint counter = 0;
  guint generation = ld_filter_model_get_generation (model);

  append_random (store, &counter, 80);  /* 30 evicted */
  ld_filter_model_flush (model);
  g_assert_cmpuint (ld_filter_model_get_generation (model), ==, generation);

  ld_filter_model_set_query (model, query);
  g_assert_cmpuint (ld_filter_model_get_generation (model), !=, generation);
  generation = ld_filter_model_get_generation (model);
  append_random (store, &counter, 10);
  ld_filter_model_flush (model);
  g_assert_cmpuint (ld_filter_model_get_generation (model), ==, generation);

  ld_filter_model_set_min_level (model, 30);
  g_assert_cmpuint (ld_filter_model_get_generation (model), !=, generation);
  generation = ld_filter_model_get_generation (model);
  ld_filter_model_set_level_hidden (model, 40, TRUE);
  g_assert_cmpuint (ld_filter_model_get_generation (model), !=, generation);
  generation = ld_filter_model_get_generation (model);
  ld_filter_model_set_excluded_loggers (model, excluded);
  g_assert_cmpuint (ld_filter_model_get_generation (model), !=, generation);
}

/* is:marked: a mark set or taken off re-tests that record alone, and what
 * is shown equals setting the query again; a level hidden meanwhile and a
 * record evicted keep their say. */
static void
test_retest_marked (void)
{
  g_autoptr(LdStore) store = ld_store_new (3000);
  g_autoptr(LdFilterModel) model = ld_filter_model_new (store);
  g_autoptr(LdFilterModel) fresh = ld_filter_model_new (store);
  g_autoptr(LdMarks) marks = ld_marks_new ();
  g_autoptr(LdQuery) query = ld_query_parse ("is:marked OR level>=ERROR", NOW, NULL);
  g_autoptr(Shadow) shadow = NULL;
  guint counter = 0;

  ld_marks_set_store (marks, store);
  ld_query_set_mark_func (query, ld_marks_record_marked, marks);
  {
    g_autoptr(LdBatch) batch = random_batch (&counter, 2000);

    ld_store_append_batch (store, batch);
  }
  ld_filter_model_set_query (model, query);
  ld_filter_model_flush (model);
  shadow = shadow_new (G_LIST_MODEL (model));

  for (guint round = 0; round < 200; round++)
    {
      guint64 first = ld_store_get_first_seq (store);
      guint64 seq = first + g_test_rand_int_range (0, ld_store_get_n_records (store));
      guint before = shadow->n_signals;

      ld_marks_toggle (marks, seq);
      ld_filter_model_retest (model, seq);
      /* An error is shown marked or not: nothing changes for it. */
      if (ld_store_get_record_by_seq (store, seq)->level < 40)
        g_assert_cmpuint (shadow->n_signals, ==, before + 1);

      if (round % 50 == 49)
        {
          g_autoptr(LdBatch) batch = random_batch (&counter, 400);

          ld_store_append_batch (store, batch);
          ld_filter_model_set_level_hidden (model, 50, round % 100 == 49);
          ld_filter_model_flush (model);
        }

      ld_filter_model_set_level_hidden (fresh, 50, ld_filter_model_get_level_hidden (model, 50));
      ld_filter_model_set_query (fresh, NULL);
      ld_filter_model_set_query (fresh, query);
      ld_filter_model_flush (fresh);
      assert_shadow_is_model (shadow, model);
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==,
                        g_list_model_get_n_items (G_LIST_MODEL (fresh)));
      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (fresh)); i++)
        g_assert_cmpuint (ld_filter_model_get_seq (model, i), ==,
                          ld_filter_model_get_seq (fresh, i));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/filter-model/empty-filter", test_empty_filter_follows_store);
  g_test_add_func ("/filter-model/stream-with-evictions", test_stream_with_evictions);
  g_test_add_func ("/filter-model/stream-with-size-limit", test_stream_with_size_limit);
  g_test_add_func ("/filter-model/one-signal-per-batch", test_one_signal_per_batch);
  g_test_add_func ("/filter-model/oversized-batch", test_oversized_batch);
  g_test_add_func ("/filter-model/clear", test_clear);
  g_test_add_func ("/filter-model/freeze", test_freeze);
  g_test_add_func ("/filter-model/filter-while-frozen", test_filter_while_frozen);
  g_test_add_func ("/filter-model/level-toggles", test_level_toggles);
  g_test_add_func ("/filter-model/logger-exclusions", test_logger_exclusions);
  g_test_add_func ("/filter-model/incremental-scan", test_incremental_scan);
  g_test_add_func ("/filter-model/flush-and-evict-during-scan", test_flush_and_evict_during_scan);
  g_test_add_func ("/filter-model/lower-bound", test_lower_bound);
  g_test_add_func ("/filter-model/generation", test_generation);
  g_test_add_func ("/filter-model/retest-marked", test_retest_marked);
  g_test_add_func ("/filter-model/properties", test_properties);
  g_test_add_func ("/filter-model/finalize-with-pending-scan", test_finalize_with_pending_scan);

  return g_test_run ();
}
