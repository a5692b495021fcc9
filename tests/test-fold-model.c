// SPDX-License-Identifier: GPL-3.0-or-later
/* Repeat folding: over random streams with evictions, filter changes,
 * pauses and expanded runs, the fold model's runs are exactly the maximal
 * runs a plain regrouping of the shown records finds, they hold every shown
 * record once and in order, and its ::items-changed replay equals it. */
#include "config.h"

#include <string.h>

#include "ld-fingerprint.h"
#include "ld-fold-model.h"
#include "ld-row.h"
#include "ld-store.h"

#define NOW G_GINT64_CONSTANT (1795176000000000)

static const char *loggers[] = { "acme.api", "acme.db", "root" };
/* Few messages, so that runs happen; numbers, ids and quoted text differ
 * within a run, which must not split it. */
static const char *formats[] = {
  "heartbeat ok after %u ms",
  "connected to 10.0.0.%u:5432",
  "user '%u' logged in",
  "request 0x%x done",
  "plain",
};

static LdBatch *
random_batch (guint *counter,
              guint  count)
{
  LdBatch *batch = ld_batch_new ();
  /* Streams repeat themselves: most records copy the previous one's kind. */
  static guint logger, format, level;

  for (guint i = 0; i < count; i++, (*counter)++)
    {
      g_autofree char *message = NULL;
      LdRecordFields fields = { 0 };

      if (g_test_rand_int_range (0, 4) == 0)
        {
          logger = g_test_rand_int_range (0, G_N_ELEMENTS (loggers));
          format = g_test_rand_int_range (0, G_N_ELEMENTS (formats));
          level = g_test_rand_int_range (0, 3);
        }
      message = g_strdup_printf (formats[format], *counter);
      fields.time_us = NOW + *counter * G_USEC_PER_SEC;
      fields.level = (int[]) { 10, 20, 40 }[level];
      fields.logger = loggers[logger];
      fields.message = message;
      ld_batch_add (batch, &fields);
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

static guint64
seq_at (GListModel *model,
        guint       position)
{
  g_autoptr(LdRow) row = g_list_model_get_item (model, position);

  g_assert_nonnull (row);
  return ld_row_get_seq (row);
}

/* The fold model's items replayed from its signals alone. */
static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  GArray     *shadow)
{
  g_assert_cmpuint (position + removed, <=, shadow->len);
  g_array_remove_range (shadow, position, removed);
  for (guint i = 0; i < added; i++)
    {
      guint64 seq = seq_at (model, position + i);

      g_array_insert_val (shadow, position + i, seq);
    }
  g_assert_cmpuint (shadow->len, ==, g_list_model_get_n_items (model));
}

/* What makes two records one run, written again with the public masker. */
static char *
reference_key (const LdRecord *record)
{
  GString *key = g_string_new (NULL);
  gsize length;
  const char *message = ld_record_get_message (record, &length);

  g_string_append_printf (key, "%u/%d/", record->logger, record->level);
  ld_fingerprint_mask (key, message, length);

  return g_string_free (key, FALSE);
}

static void
assert_runs_are_reference (LdFoldModel *fold,
                           GArray      *shadow)
{
  LdFilterModel *filter = ld_fold_model_get_filter (fold);
  LdStore *store = ld_filter_model_get_store (filter);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (filter));
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (fold));
  g_autofree char *previous = NULL;
  guint item = 0, run_start = 0, n_runs = 0, total = 0;

  for (guint i = 0; i <= n; i++)
    {
      const LdRecord *record = i < n ? ld_store_get_record_by_seq (store,
                                                                   ld_filter_model_get_seq (filter, i))
                                     : NULL;
      g_autofree char *key = record != NULL ? reference_key (record) : NULL;
      LdFoldGroup group;

      if (i < n && record != NULL && previous != NULL && strcmp (key, previous) == 0)
        continue;
      if (i > 0)
        {
          /* The run [run_start, i) is one group, shown where it should be. */
          guint length = i - run_start;

          g_assert_true (ld_fold_model_get_group (fold, item, &group));
          g_assert_cmpuint (group.n_records, ==, length);
          g_assert_cmpuint (group.offset, ==, 0);
          g_assert_cmpuint (group.first_seq, ==, ld_filter_model_get_seq (filter, run_start));
          g_assert_cmpuint (group.last_seq, ==, ld_filter_model_get_seq (filter, i - 1));
          g_assert_cmpuint (ld_fold_model_get_position (fold, run_start), ==, item);
          g_assert_cmpuint (ld_fold_model_get_filter_position (fold, item), ==, run_start);
          g_assert_cmpuint (seq_at (G_LIST_MODEL (fold), item), ==, group.first_seq);
          g_assert_cmpuint (g_array_index (shadow, guint64, item), ==, group.first_seq);
          if (group.expanded)
            for (guint k = 1; k < length; k++)
              g_assert_cmpuint (seq_at (G_LIST_MODEL (fold), item + k), ==,
                                ld_filter_model_get_seq (filter, run_start + k));
          item += group.expanded ? length : 1;
          total += length;
          n_runs++;
        }
      g_free (previous);
      previous = g_steal_pointer (&key);
      run_start = i;
    }

  /* Folding never loses nor adds a record. */
  g_assert_cmpuint (total, ==, n);
  g_assert_cmpuint (item, ==, n_items);
  g_assert_cmpuint (n_runs, ==, ld_fold_model_get_n_groups (fold));
  g_assert_cmpuint (shadow->len, ==, n_items);
}

/* Every shown record is in exactly one run, in order. */
static void
assert_runs_hold_records (LdFoldModel *fold,
                          GArray      *shadow)
{
  LdFilterModel *filter = ld_fold_model_get_filter (fold);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (filter));
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (fold));
  guint record = 0, n_runs = 0;

  for (guint item = 0; item < n_items; n_runs++)
    {
      LdFoldGroup group;

      g_assert_true (ld_fold_model_get_group (fold, item, &group));
      g_assert_cmpuint (group.offset, ==, 0);
      g_assert_cmpuint (group.first_seq, ==, ld_filter_model_get_seq (filter, record));
      g_assert_cmpuint (g_array_index (shadow, guint64, item), ==, group.first_seq);
      record += group.n_records;
      item += group.expanded ? group.n_records : 1;
    }

  g_assert_cmpuint (record, ==, n);
  g_assert_cmpuint (n_runs, ==, ld_fold_model_get_n_groups (fold));
  g_assert_cmpuint (shadow->len, ==, n_items);
}

static const char *queries[] = { "", "heartbeat OR connected", "-level:10", "logger:acme" };

static void
test_random_streams (void)
{
  g_autoptr(LdStore) store = ld_store_new (300);
  g_autoptr(LdFilterModel) filter = ld_filter_model_new (store);
  g_autoptr(LdFoldModel) fold = ld_fold_model_new (filter);
  g_autoptr(GArray) shadow = g_array_new (FALSE, FALSE, sizeof (guint64));
  guint counter = 0, n_checked = 0;

  ld_filter_model_set_slice_limit (filter, 41);
  ld_fold_model_set_slice_limit (fold, 23);
  append_random (store, &counter, 50);
  ld_fold_model_flush (fold);
  ld_fold_model_set_enabled (fold, TRUE);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (fold)); i++)
    {
      guint64 seq = seq_at (G_LIST_MODEL (fold), i);

      g_array_append_val (shadow, seq);
    }
  g_signal_connect (fold, "items-changed", G_CALLBACK (on_items_changed), shadow);

  for (int round = 0; round < 500; round++)
    {
      int what = g_test_rand_int_range (0, 12);
      guint n_items = g_list_model_get_n_items (G_LIST_MODEL (fold));

      if (what == 0)
        {
          g_autoptr(LdQuery) query = ld_query_parse (queries[g_test_rand_int_range (0, 4)], NOW,
                                                     NULL);

          ld_filter_model_set_query (filter, query);
        }
      else if (what == 1)
        ld_filter_model_set_min_level (filter, g_test_rand_bit () ? G_MININT : 20);
      else if (what == 2)
        ld_filter_model_set_frozen (filter, !ld_filter_model_get_frozen (filter));
      else if (what == 3 && n_items > 0)
        {
          guint position = g_test_rand_int_range (0, n_items);

          ld_fold_model_set_expanded (fold, position, !ld_fold_model_get_expanded (fold, position));
        }
      else if (what == 4)
        g_main_context_iteration (NULL, FALSE);
      else
        append_random (store, &counter, g_test_rand_int_range (1, 60));

      /* Grouping goes on in slices while records arrive and filters
       * change; half the time it is let finish before the check. */
      if (g_test_rand_bit ())
        while (ld_fold_model_get_pending (fold) > 0)
          g_main_context_iteration (NULL, TRUE);
      if (ld_fold_model_get_pending (fold) > 0)
        continue;
      /* Paused, the view keeps records the store has evicted; their runs
       * are those they had while they could be read. */
      if (ld_filter_model_get_frozen (filter))
        assert_runs_hold_records (fold, shadow);
      else
        assert_runs_are_reference (fold, shadow);
      n_checked++;
    }

  g_assert_cmpuint (ld_store_get_n_evicted (store), >, 0);
  g_assert_cmpuint (n_checked, >, 100);
  g_signal_handlers_disconnect_by_data (fold, shadow);
}

/* Off, the model is the filter model; on and off again, the same. */
static void
test_off_passes_through (void)
{
  g_autoptr(LdStore) store = ld_store_new (100);
  g_autoptr(LdFilterModel) filter = ld_filter_model_new (store);
  g_autoptr(LdFoldModel) fold = ld_fold_model_new (filter);
  LdFoldGroup group;
  guint counter = 0;

  append_random (store, &counter, 80);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fold)), ==, 80);
  g_assert_false (ld_fold_model_get_group (fold, 0, &group));
  ld_fold_model_set_enabled (fold, TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fold)), <, 80);
  ld_fold_model_set_enabled (fold, FALSE);
  append_random (store, &counter, 40);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fold)), ==, 100);
  for (guint i = 0; i < 100; i++)
    g_assert_cmpuint (seq_at (G_LIST_MODEL (fold), i), ==, ld_filter_model_get_seq (filter, i));
}

/* The heartbeat case: one run of repeated lines, numbers differing, then
 * something else; expanding shows each line, collapsing hides them again. */
static void
test_heartbeats_fold (void)
{
  g_autoptr(LdStore) store = ld_store_new (1000);
  g_autoptr(LdFilterModel) filter = ld_filter_model_new (store);
  g_autoptr(LdFoldModel) fold = ld_fold_model_new (filter);
  g_autoptr(LdBatch) batch = ld_batch_new ();
  LdFoldGroup group;

  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *message = g_strdup_printf ("heartbeat %u ok (id '%x')", i, i * 7919);
      LdRecordFields fields = { .time_us = NOW + i, .level = 20, .logger = "acme.hb",
                                .message = message };

      ld_batch_add (batch, &fields);
    }
  ld_batch_add (batch, &(LdRecordFields) { .time_us = NOW + 20, .level = 20, .logger = "acme.hb",
                                           .message = "shutting down" });
  ld_batch_add (batch, &(LdRecordFields) { .time_us = NOW + 21, .level = 30, .logger = "acme.hb",
                                           .message = "shutting down" });
  ld_store_append_batch (store, batch);
  ld_fold_model_set_enabled (fold, TRUE);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fold)), ==, 3);
  g_assert_true (ld_fold_model_get_group (fold, 0, &group));
  g_assert_cmpuint (group.n_records, ==, 12);
  g_assert_cmpuint (group.last_seq - group.first_seq, ==, 11);
  g_assert_true (ld_fold_model_get_group_by_seq (fold, group.first_seq + 5, &group));
  g_assert_cmpuint (group.offset, ==, 5);
  g_assert_true (ld_fold_model_get_group (fold, 2, &group));
  g_assert_cmpuint (group.n_records, ==, 1);

  ld_fold_model_set_expanded (fold, 0, TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fold)), ==, 14);
  g_assert_cmpuint (ld_fold_model_get_position (fold, 12), ==, 12);
  ld_fold_model_set_expanded (fold, 7, FALSE);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fold)), ==, 3);
  g_assert_cmpuint (ld_fold_model_get_position (fold, 7), ==, 0);
  g_assert_cmpuint (ld_filter_model_get_n_matches (filter), ==, 14);
}

/* A message 4 MiB long on one line costs a bounded mask, and empty
 * messages fold with each other. */
static void
test_huge_and_empty_messages (void)
{
  g_autoptr(LdStore) store = ld_store_new (100);
  g_autoptr(LdFilterModel) filter = ld_filter_model_new (store);
  g_autoptr(LdFoldModel) fold = ld_fold_model_new (filter);
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autofree char *huge = g_malloc (4 << 20);
  LdFoldGroup group;

  memset (huge, 'x', (4 << 20) - 1);
  huge[(4 << 20) - 1] = '\0';
  for (guint i = 0; i < 3; i++)
    ld_batch_add (batch, &(LdRecordFields) { .level = 20, .message = "" });
  for (guint i = 0; i < 3; i++)
    {
      huge[(4 << 20) - 2] = 'a' + i;   /* differs past the masked part */
      ld_batch_add (batch, &(LdRecordFields) { .level = 20, .message = huge });
    }
  ld_store_append_batch (store, batch);
  ld_fold_model_set_enabled (fold, TRUE);

  g_assert_cmpuint (ld_fold_model_get_n_groups (fold), ==, 2);
  g_assert_true (ld_fold_model_get_group (fold, 1, &group));
  g_assert_cmpuint (group.n_records, ==, 3);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/fold-model/random-streams", test_random_streams);
  g_test_add_func ("/fold-model/off-passes-through", test_off_passes_through);
  g_test_add_func ("/fold-model/heartbeats", test_heartbeats_fold);
  g_test_add_func ("/fold-model/huge-and-empty", test_huge_and_empty_messages);

  return g_test_run ();
}
