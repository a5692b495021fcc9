// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ld-field-stats.h"
#include "ld-level.h"
#include "ld-store.h"

/* Field statistics equal a recount of the shown records, over random
 * streams with eviction, filter changes and field changes, some of them
 * while records are still pending; and the terms a click adds to the
 * filter are what a user could type, and filter as the counts say. */

#define NOW G_GINT64_CONSTANT (1795176000000000)

static const char *const loggers[] = { "app", "app.db", "web", "root" };
static const char *const paths[] = { "/", "/api", "/api/items", "/login", "a \"quoted\" path" };
static const char *const queries[] = {
  "", "level>=INFO", "path=\"/api\"", "-logger:web", "status>=400", "has:dur", "-path:api",
};

typedef struct
{
  LdStatsField  field;
  const char   *key;
} FieldChoice;

static const FieldChoice choices[] = {
  { LD_STATS_FIELD_LOGGER, NULL },
  { LD_STATS_FIELD_LEVEL, NULL },
  { LD_STATS_FIELD_THREAD, NULL },
  { LD_STATS_FIELD_EXTRA, "status" },
  { LD_STATS_FIELD_EXTRA, "path" },
  { LD_STATS_FIELD_EXTRA, "dur" },
  { LD_STATS_FIELD_EXTRA, "host" },
  { LD_STATS_FIELD_EXTRA, "missing" },
};

static void
add_random_record (LdBatch *batch,
                   guint    counter)
{
  g_autofree char *thread = g_strdup_printf ("Worker-%d", g_test_rand_int_range (1, 4));
  g_autofree char *message = g_strdup_printf ("request %u", counter);
  LdRecordFields fields = {
    .time_us = NOW + counter * G_USEC_PER_SEC,
    .level = (int[]) { 10, 20, 20, 30, 40 }[g_test_rand_int_range (0, 5)],
    .logger = loggers[g_test_rand_int_range (0, G_N_ELEMENTS (loggers))],
    .thread = thread,
    .message = message,
  };
  char text[32];

  ld_batch_add (batch, &fields);
  /* Keys come in varying orders and sets, so that records have many shapes. */
  if (g_test_rand_int_range (0, 3) > 0)
    {
      int status = (int[]) { 200, 201, 404, 500 }[g_test_rand_int_range (0, 4)];

      g_snprintf (text, sizeof text, "%d", status);
      ld_batch_add_extra (batch, "status", -1, LD_VALUE_NUMBER, text, -1);
    }
  if (g_test_rand_bit ())
    ld_batch_add_extra (batch, "path", -1, LD_VALUE_STRING,
                        paths[g_test_rand_int_range (0, G_N_ELEMENTS (paths))], -1);
  if (g_test_rand_int_range (0, 4) > 0)
    {
      g_ascii_formatd (text, sizeof text, "%.2f", g_test_rand_int_range (1, 3000) / 100.0);
      ld_batch_add_extra (batch, "dur", -1, LD_VALUE_NUMBER, text, -1);
    }
  if (g_test_rand_int_range (0, 5) == 0)
    ld_batch_add_extra (batch, "host", -1, LD_VALUE_STRING, g_test_rand_bit () ? "a" : "b", -1);
  /* A string that looks like a number is still a string. */
  if (g_test_rand_int_range (0, 7) == 0)
    ld_batch_add_extra (batch, "dur", -1, LD_VALUE_STRING, "n/a", -1);
}

static void
append_random (LdStore *store,
               guint   *counter,
               guint    count)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();

  for (guint i = 0; i < count; i++)
    add_random_record (batch, (*counter)++);
  ld_store_append_batch (store, batch);
}

/* The recount */

typedef struct
{
  GHashTable *values;     /* text → count */
  GHashTable *keys;       /* key → count */
  GArray     *numbers;    /* double, one per record */
  guint       n_with_value;
  gboolean    all_numbers;
} Recount;

static void
recount_clear (Recount *recount)
{
  g_clear_pointer (&recount->values, g_hash_table_unref);
  g_clear_pointer (&recount->keys, g_hash_table_unref);
  g_clear_pointer (&recount->numbers, g_array_unref);
}

static void
count_in (GHashTable *table,
          const char *text)
{
  guint old = GPOINTER_TO_UINT (g_hash_table_lookup (table, text));

  g_hash_table_insert (table, g_strdup (text), GUINT_TO_POINTER (old + 1));
}

/* The first value under @key, as the record holds it. */
static char *
extra_value (const LdRecord *record,
             const char     *key,
             LdValueType    *type)
{
  LdExtraIter iter;
  guint32 id;
  const char *value;
  gsize length;

  ld_extra_iter_init (&iter, record);
  while (ld_extra_iter_next (&iter, &id, type, &value, &length))
    if (strcmp (ld_intern_lookup (id), key) == 0)
      return g_strndup (value, length);

  return NULL;
}

static char *
field_value (const LdRecord    *record,
             const FieldChoice *choice,
             gboolean          *is_number)
{
  LdValueType type = LD_VALUE_NULL;
  char *value;

  *is_number = FALSE;
  switch (choice->field)
    {
    case LD_STATS_FIELD_LOGGER:
      return g_strdup (ld_intern_lookup (record->logger));
    case LD_STATS_FIELD_LEVEL:
      return g_strdup (ld_level_canonical_name (record->level));
    case LD_STATS_FIELD_THREAD:
      return g_strdup (ld_intern_lookup (record->thread));
    case LD_STATS_FIELD_EXTRA:
      value = extra_value (record, choice->key, &type);
      *is_number = type == LD_VALUE_NUMBER;
      return value;
    default:
      g_assert_not_reached ();
    }
}

static void
recount (LdFilterModel     *model,
         const FieldChoice *choice,
         Recount           *out)
{
  LdStore *store = ld_filter_model_get_store (model);

  out->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  out->keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  out->numbers = g_array_new (FALSE, FALSE, sizeof (double));
  out->n_with_value = 0;
  out->all_numbers = TRUE;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (model)); i++)
    {
      const LdRecord *record = ld_store_get_record_by_seq (store,
                                                           ld_filter_model_get_seq (model, i));
      g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
      g_autofree char *value = NULL;
      gboolean is_number;
      LdExtraIter iter;
      guint32 id;
      LdValueType type;
      const char *text;
      gsize length;

      g_assert_nonnull (record);
      ld_extra_iter_init (&iter, record);
      while (ld_extra_iter_next (&iter, &id, &type, &text, &length))
        if (g_hash_table_add (seen, (gpointer) ld_intern_lookup (id)))
          count_in (out->keys, ld_intern_lookup (id));

      if ((value = field_value (record, choice, &is_number)) == NULL)
        continue;
      count_in (out->values, value);
      out->n_with_value++;
      if (is_number)
        {
          double number = g_ascii_strtod (value, NULL);
          g_array_append_val (out->numbers, number);
        }
      else
        out->all_numbers = FALSE;
    }
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static void
assert_counts_equal (GArray     *counts,
                     GHashTable *expected)
{
  g_assert_cmpuint (counts->len, ==, g_hash_table_size (expected));
  for (guint i = 0; i < counts->len; i++)
    {
      const LdFieldCount *count = &g_array_index (counts, LdFieldCount, i);

      g_assert_cmpuint (count->count, ==,
                        GPOINTER_TO_UINT (g_hash_table_lookup (expected, count->value)));
      if (i > 0)
        g_assert_cmpuint (count->count, <=, g_array_index (counts, LdFieldCount, i - 1).count);
    }
}

static void
assert_numbers_equal (LdFieldStats *stats,
                      Recount      *expected)
{
  LdFieldNumbers numbers;
  GArray *sorted = expected->numbers;
  guint n = sorted->len;
  guint histogram_total = 0;

  if (!expected->all_numbers || n == 0)
    {
      g_assert_false (ld_field_stats_get_numbers (stats, &numbers));
      return;
    }

  g_assert_true (ld_field_stats_get_numbers (stats, &numbers));
  g_array_sort (sorted, compare_doubles);
  g_assert_cmpuint (numbers.n, ==, n);
  g_assert_cmpfloat (numbers.min, ==, g_array_index (sorted, double, 0));
  g_assert_cmpfloat (numbers.max, ==, g_array_index (sorted, double, n - 1));
  /* Nearest rank: the ceil (q × n)-th smallest. */
  g_assert_cmpfloat (numbers.median, ==, g_array_index (sorted, double, (n + 1) / 2 - 1));
  g_assert_cmpfloat (numbers.p95, ==, g_array_index (sorted, double, (95 * n + 99) / 100 - 1));
  for (guint i = 0; i < LD_FIELD_STATS_HISTOGRAM_BINS; i++)
    histogram_total += numbers.histogram[i];
  g_assert_cmpuint (histogram_total, ==, n);
  g_assert_cmpuint (numbers.histogram[0], >, 0);
  g_assert_cmpuint (numbers.histogram[LD_FIELD_STATS_HISTOGRAM_BINS - 1], >, 0);
}

static void
assert_stats_are_recount (LdFieldStats      *stats,
                          LdFilterModel     *model,
                          const FieldChoice *choice)
{
  g_autoptr(GArray) all = ld_field_stats_dup_top_values (stats, 1000, NULL);
  g_autoptr(GArray) top = NULL;
  g_autoptr(GArray) keys = ld_field_stats_dup_keys (stats);
  Recount expected = { 0 };
  guint n_other, in_top = 0;

  recount (model, choice, &expected);
  g_assert_cmpuint (ld_field_stats_get_pending (stats), ==, 0);
  g_assert_cmpuint (ld_field_stats_get_n_records (stats), ==,
                    g_list_model_get_n_items (G_LIST_MODEL (model)));
  g_assert_cmpuint (ld_field_stats_get_n_with_value (stats), ==, expected.n_with_value);
  assert_counts_equal (all, expected.values);
  assert_counts_equal (keys, expected.keys);
  assert_numbers_equal (stats, &expected);

  /* The top 3 are the first 3 of the whole list, and "other" the rest. */
  top = ld_field_stats_dup_top_values (stats, 3, &n_other);
  g_assert_cmpuint (top->len, ==, MIN (3, all->len));
  for (guint i = 0; i < top->len; i++)
    {
      g_assert_cmpstr (g_array_index (top, LdFieldCount, i).value, ==,
                       g_array_index (all, LdFieldCount, i).value);
      in_top += g_array_index (top, LdFieldCount, i).count;
    }
  g_assert_cmpuint (in_top + n_other, ==, expected.n_with_value);

  recount_clear (&expected);
}

static void
settle (LdFilterModel *model,
        LdFieldStats  *stats)
{
  ld_filter_model_flush (model);
  if (g_test_rand_bit ())
    ld_field_stats_flush (stats);
  else
    while (ld_field_stats_get_pending (stats) > 0)
      g_main_context_iteration (NULL, TRUE);
}

/* Records stream in and the oldest go, while the filter and the field
 * change, some of the changes landing while reading is still under way. */
static void
test_random_streams (void)
{
  for (guint stream = 0; stream < 6; stream++)
    {
      g_autoptr(LdStore) store = ld_store_new (300 + 200 * stream);
      g_autoptr(LdFilterModel) model = ld_filter_model_new (store);
      g_autoptr(LdFieldStats) stats = NULL;
      const FieldChoice *choice = &choices[stream % G_N_ELEMENTS (choices)];
      guint counter = 0;

      append_random (store, &counter, 150);
      stats = ld_field_stats_new (model);
      ld_field_stats_set_field (stats, choice->field, choice->key);
      ld_filter_model_set_slice_limit (model, 50);

      for (guint round = 0; round < 250; round++)
        {
          int what = g_test_rand_int_range (0, 12);

          if (what == 0)
            {
              g_autoptr(LdQuery) query =
                ld_query_parse (queries[g_test_rand_int_range (0, G_N_ELEMENTS (queries))], NOW,
                                NULL);
              g_assert_nonnull (query);
              ld_filter_model_set_query (model, query);
            }
          else if (what == 1)
            {
              choice = &choices[g_test_rand_int_range (0, G_N_ELEMENTS (choices))];
              ld_field_stats_set_field (stats, choice->field, choice->key);
            }
          else if (what == 2)
            g_main_context_iteration (NULL, FALSE);
          else
            append_random (store, &counter, g_test_rand_int_range (1, 5000) / 40 + 1);

          if (g_test_rand_int_range (0, 3) == 0)
            {
              settle (model, stats);
              assert_stats_are_recount (stats, model, choice);
            }
        }

      settle (model, stats);
      assert_stats_are_recount (stats, model, choice);
      g_assert_cmpuint (ld_store_get_n_evicted (store), >, 0);
    }
}

/* A batch bigger than is read at once is read in slices, with a pending count. */
static void
test_slices (void)
{
  g_autoptr(LdStore) store = ld_store_new (0);
  g_autoptr(LdFilterModel) model = ld_filter_model_new (store);
  g_autoptr(LdFieldStats) stats = ld_field_stats_new (model);
  FieldChoice choice = { LD_STATS_FIELD_EXTRA, "status" };
  guint counter = 0;
  guint n_iterations = 0;

  ld_field_stats_set_field (stats, choice.field, choice.key);
  append_random (store, &counter, 20000);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 20000);
  g_assert_cmpuint (ld_field_stats_get_pending (stats), ==, 20000);

  while (ld_field_stats_get_pending (stats) > 0)
    {
      g_main_context_iteration (NULL, TRUE);
      n_iterations++;
    }
  g_assert_cmpuint (n_iterations, >=, 1);
  assert_stats_are_recount (stats, model, &choice);
}

static void
test_terms (void)
{
  g_autofree char *status = ld_field_stats_term (LD_STATS_FIELD_EXTRA, "status", "200", FALSE);
  g_autofree char *not_status = ld_field_stats_term (LD_STATS_FIELD_EXTRA, "status", "200", TRUE);
  g_autofree char *host = ld_field_stats_term (LD_STATS_FIELD_EXTRA, "host", "a", FALSE);
  g_autofree char *quoted = ld_field_stats_term (LD_STATS_FIELD_EXTRA, "path", "a \"b\\", FALSE);
  g_autofree char *level = ld_field_stats_term (LD_STATS_FIELD_LEVEL, NULL, "WARNING", FALSE);
  g_autofree char *conn = ld_field_stats_term (LD_STATS_FIELD_CONNECTION, NULL, "tcp-1", TRUE);
  g_autofree char *q1 = ld_field_stats_query_with_term ("level>=INFO", status);
  g_autofree char *q2 = ld_field_stats_query_with_term (q1, not_status);
  g_autofree char *q3 = ld_field_stats_query_with_term (q2, not_status);
  g_autofree char *q4 = ld_field_stats_query_with_term ("\"a  b\" x", status);
  g_autofree char *q5 = ld_field_stats_query_with_term ("", status);

  g_assert_cmpstr (status, ==, "status=\"200\"");
  g_assert_cmpstr (not_status, ==, "-status=\"200\"");
  g_assert_cmpstr (host, ==, "extra.host=\"a\"");
  g_assert_cmpstr (quoted, ==, "path=\"a \\\"b\\\\\"");
  g_assert_cmpstr (level, ==, "level=\"WARNING\"");
  g_assert_cmpstr (conn, ==, "-conn=\"tcp-1\"");
  /* Field names are read in any case, and ws: and is: are fields too (the
   * fuzz-find target found "Level"). */
  for (guint i = 0; i < 4; i++)
    {
      static const char *const keys[] = { "Level", "ws", "is", "HOST" };
      g_autofree char *term = ld_field_stats_term (LD_STATS_FIELD_EXTRA, keys[i], "x", FALSE);
      g_autofree char *expected = g_strdup_printf ("extra.%s=\"x\"", keys[i]);

      g_assert_cmpstr (term, ==, expected);
    }
  g_assert_null (ld_field_stats_term (LD_STATS_FIELD_EXTRA, "two words", "x", FALSE));
  g_assert_null (ld_field_stats_term (LD_STATS_FIELD_EXTRA, "1st", "x", FALSE));

  g_assert_cmpstr (q1, ==, "level>=INFO status=\"200\"");
  g_assert_cmpstr (q2, ==, "level>=INFO -status=\"200\"");
  g_assert_cmpstr (q3, ==, "level>=INFO -status=\"200\"");
  g_assert_cmpstr (q4, ==, "\"a  b\" x status=\"200\"");
  g_assert_cmpstr (q5, ==, "status=\"200\"");

  /* Beside an OR or in parentheses the same word stays: taking it out would
   * change what the rest means, so the new term is ANDed at the end. */
  {
    g_autofree char *q6 = ld_field_stats_query_with_term ("a OR status=\"200\"", not_status);
    g_autofree char *q7 = ld_field_stats_query_with_term ("status=\"200\" OR a", status);
    g_autofree char *q8 = ld_field_stats_query_with_term ("(x status=\"200\") y", not_status);
    g_autofree char *q9 = ld_field_stats_query_with_term ("a OR b status=\"200\"", not_status);
    g_autofree char *q10 = ld_field_stats_query_with_term ("(a OR b) -status=\"200\" c", status);

    g_assert_cmpstr (q6, ==, "a OR status=\"200\" -status=\"200\"");
    g_assert_cmpstr (q7, ==, "status=\"200\" OR a status=\"200\"");
    g_assert_cmpstr (q8, ==, "(x status=\"200\") y -status=\"200\"");
    g_assert_cmpstr (q9, ==, "a OR b -status=\"200\"");
    g_assert_cmpstr (q10, ==, "(a OR b) c status=\"200\"");
    /* A query with a slash term is taken apart by the parser and written
     * back: after a bare "/ w(", the slash in "a/ b" would close a regex
     * (the fuzz-find target's find), and "/a b/" is one regex that a split
     * at spaces would cut. */
    {
      g_autofree char *logger = ld_field_stats_term (LD_STATS_FIELD_LOGGER, NULL, "a/ b", FALSE);
      g_autofree char *q12 = ld_field_stats_query_with_term ("/ w(x", logger);
      g_autofree char *q13 = ld_field_stats_query_with_term ("/a status=\"200\" b/ c", not_status);
      g_autofree char *q14 = ld_field_stats_query_with_term ("path=\"/x\" c", not_status);
      g_autoptr(LdQuery) p12 = ld_query_parse (q12, NOW, NULL);
      g_autoptr(LdQuery) p13 = ld_query_parse (q13, NOW, NULL);

      g_assert_cmpstr (q12, ==, "\"/\" \"w(x\" logger=\"a/ b\"");
      g_assert_cmpstr (q13, ==, "/a status=\"200\" b/ c -status=\"200\"");
      /* Its ANDed terms are still replaced, or kept once (the review's). */
      {
        g_autofree char *q15 = ld_field_stats_query_with_term ("/err/ -status=\"200\" x",
                                                               status);
        g_autofree char *q16 = ld_field_stats_query_with_term (q15, status);
        g_autofree char *q17 = ld_field_stats_query_with_term ("/err/ (a OR -status=200)",
                                                               status);

        /* A quote or a ")" inside a word is a character of it, as the
         * parser reads it: the term after it is still ANDed at the top. */
        g_autofree char *q18 = ld_field_stats_query_with_term ("-host=A\") b\" y status=\"200\"",
                                                               status);

        g_assert_cmpstr (q18, ==, "-host=A\") b\" y status=\"200\"");
        /* A word that runs into a group is read otherwise by a split at
         * spaces: the parser rebuilds those (the second review's). */
        {
          g_autofree char *q19 = ld_field_stats_query_with_term ("a OR( status=\"200\" b)",
                                                                 status);
          g_autofree char *q20 = ld_field_stats_query_with_term ("(a)\"x  y\"", status);
          g_autofree char *q21 = ld_field_stats_query_with_term ("status=\"200\" OR(y) z",
                                                                 not_status);

          g_assert_cmpstr (q19, ==, "a OR (status=200 b) status=\"200\"");
          g_assert_cmpstr (q20, ==, "a \"x  y\" status=\"200\"");
          g_assert_cmpstr (q21, ==, "status=200 OR y z -status=\"200\"");
        }
        /* "--" starts a word, "(" included: the term after it is ANDed
         * with the rest, and replaced (fuzz-find's double-dash-group). */
        {
          g_autofree char *q22 = ld_field_stats_query_with_term ("--(a status=\"200\" y",
                                                                 status);
          g_autofree char *q23 = ld_field_stats_query_with_term ("--(a -status=\"200\" y",
                                                                 status);

          g_assert_cmpstr (q22, ==, "--(a y status=\"200\"");
          g_assert_cmpstr (q23, ==, "--(a y status=\"200\"");
        }
        g_assert_cmpstr (q15, ==, "/err/ x status=\"200\"");
        g_assert_cmpstr (q16, ==, "/err/ x status=\"200\"");
        g_assert_cmpstr (q17, ==, "/err/ a OR -status=200 status=\"200\"");
      }
      g_assert_cmpstr (q14, ==, "path=\"/x\" c -status=\"200\"");
      g_assert_nonnull (p12);
      g_assert_nonnull (p13);
    }
    {
      g_autofree char *q11 = ld_field_stats_query_with_term ("status=\"200\" AND a", not_status);
      g_autoptr(LdQuery) parsed = ld_query_parse (q11, NOW, NULL);

      g_assert_cmpstr (q11, ==, "status=\"200\" AND a -status=\"200\"");
      g_assert_nonnull (parsed);
    }
  }
}

/* A long session whose records keep changing their keys: the key sets of
 * evicted records are given up, so that new ones keep being counted long
 * after more than the 65,536 a table holds at once have been seen. */
static void
test_shapes_recycled (void)
{
  g_autoptr(LdStore) store = ld_store_new (500);
  g_autoptr(LdFilterModel) model = ld_filter_model_new (store);
  g_autoptr(LdFieldStats) stats = ld_field_stats_new (model);
  const FieldChoice choice = { LD_STATS_FIELD_EXTRA, "k0" };
  g_autoptr(GArray) keys = NULL;
  guint n = 0;

  ld_field_stats_set_field (stats, choice.field, choice.key);
  /* Every record a key set of its own: the subsets of 17 keys. */
  for (guint batch_i = 0; batch_i < 70; batch_i++)
    {
      g_autoptr(LdBatch) batch = ld_batch_new ();

      for (guint i = 0; i < 1000; i++, n++)
        {
          LdRecordFields fields = { .time_us = NOW, .level = 20, .logger = "x", .message = "m" };

          ld_batch_add (batch, &fields);
          for (guint bit = 0; bit < 17; bit++)
            if ((n + 1) & (1u << bit))
              {
                char key[8], value[16];

                g_snprintf (key, sizeof key, "k%u", bit);
                g_snprintf (value, sizeof value, "%u", n % 97);
                ld_batch_add_extra (batch, key, -1, LD_VALUE_NUMBER, value, -1);
              }
        }
      ld_store_append_batch (store, batch);
      ld_field_stats_flush (stats);
    }
  g_assert_cmpuint (n, >, 65536);
  g_assert_false (ld_field_stats_get_truncated (stats));
  assert_stats_are_recount (stats, model, &choice);
  /* The newest records carry k16, which no record had before the 65,536th. */
  keys = ld_field_stats_dup_keys (stats);
  for (guint i = 0; i < keys->len; i++)
    if (g_str_equal (g_array_index (keys, LdFieldCount, i).value, "k16"))
      return;
  g_assert_not_reached ();
}

/* Each value's filter term shows exactly as many records as its count, and
 * its exclusion all the others. */
static void
test_terms_filter_as_counted (void)
{
  static const FieldChoice fields[] = {
    { LD_STATS_FIELD_EXTRA, "path" },
    { LD_STATS_FIELD_EXTRA, "status" },
    { LD_STATS_FIELD_EXTRA, "host" },
    { LD_STATS_FIELD_LEVEL, NULL },
    { LD_STATS_FIELD_LOGGER, NULL },
    { LD_STATS_FIELD_THREAD, NULL },
  };
  g_autoptr(LdStore) store = ld_store_new (0);
  g_autoptr(LdFilterModel) model = ld_filter_model_new (store);
  g_autoptr(LdFieldStats) stats = ld_field_stats_new (model);
  guint counter = 0;

  append_random (store, &counter, 2000);
  for (guint f = 0; f < G_N_ELEMENTS (fields); f++)
    {
      g_autoptr(GArray) top = NULL;
      guint n_other;

      ld_field_stats_set_field (stats, fields[f].field, fields[f].key);
      ld_field_stats_flush (stats);
      top = ld_field_stats_dup_top_values (stats, 10, &n_other);
      g_assert_cmpuint (top->len, >, 1);
      for (guint i = 0; i < top->len; i++)
        {
          const LdFieldCount *count = &g_array_index (top, LdFieldCount, i);

          for (int exclude = 0; exclude < 2; exclude++)
            {
              g_autofree char *term = ld_field_stats_term (fields[f].field, fields[f].key,
                                                           count->value, exclude);
              g_autoptr(GError) error = NULL;
              g_autoptr(LdQuery) query = ld_query_parse (term, NOW, &error);

              g_assert_no_error (error);
              ld_filter_model_set_query (model, query);
              ld_filter_model_flush (model);
              g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==,
                                exclude ? 2000 - count->count : count->count);
            }
        }
      ld_filter_model_set_query (model, NULL);
      ld_filter_model_flush (model);
    }
}

/* Inputs out of the ordinary: no records, one huge value, many keys, many values. */
static void
test_bounds (void)
{
  g_autoptr(LdStore) store = ld_store_new (0);
  g_autoptr(LdFilterModel) model = ld_filter_model_new (store);
  g_autoptr(LdFieldStats) stats = ld_field_stats_new (model);
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autofree char *huge = g_strnfill (1 << 20, 'x');
  g_autoptr(GArray) top = NULL;
  g_autoptr(GArray) keys = NULL;
  LdFieldNumbers numbers;
  LdRecordFields fields = { .time_us = NOW, .level = 20, .logger = "x", .message = "m" };
  guint n_other = 1;

  ld_field_stats_set_field (stats, LD_STATS_FIELD_EXTRA, "k");
  top = ld_field_stats_dup_top_values (stats, 10, &n_other);
  g_assert_cmpuint (top->len, ==, 0);
  g_assert_cmpuint (n_other, ==, 0);
  g_assert_false (ld_field_stats_get_numbers (stats, &numbers));
  g_clear_pointer (&top, g_array_unref);

  ld_batch_add (batch, &fields);
  ld_batch_add_extra (batch, "k", -1, LD_VALUE_STRING, huge, -1);
  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *key = g_strdup_printf ("key%u", i);
      ld_batch_add_extra (batch, key, -1, LD_VALUE_NUMBER, "1", -1);
    }
  ld_store_append_batch (store, batch);
  ld_field_stats_flush (stats);
  top = ld_field_stats_dup_top_values (stats, 10, &n_other);
  g_assert_cmpuint (top->len, ==, 1);
  g_assert_cmpuint (strlen (g_array_index (top, LdFieldCount, 0).value), ==, 1 << 20);
  /* A record with more keys than a shape holds is counted, its keys are not. */
  keys = ld_field_stats_dup_keys (stats);
  g_assert_cmpuint (keys->len, ==, 0);
  g_assert_true (ld_field_stats_get_truncated (stats));
}

/* A drag across a chart puts its range in place of the time terms ANDed
 * with the rest of the query, wherever they were typed; one beside an OR
 * stays, and the query still parses. */
static void
test_range_terms (void)
{
  static const char range[] = "after:2026-12-06T10:00:00 before:2026-12-06T10:05:00";
  static const struct
  {
    const char *query;
    const char *expected;
  } cases[] = {
    { "", "after:2026-12-06T10:00:00 before:2026-12-06T10:05:00" },
    { "b after:2026-01-01T00:00:00", "b after:2026-12-06T10:00:00 before:2026-12-06T10:05:00" },
    { "AFTER:2026-01-01T00:00:00 b before:2026-01-02",
      "b after:2026-12-06T10:00:00 before:2026-12-06T10:05:00" },
    { "since:5m level>=ERROR", "level>=ERROR after:2026-12-06T10:00:00 before:2026-12-06T10:05:00" },
    /* In parentheses: as the parser writes the query back, without it. */
    { "(b after:2026-01-01T00:00:00)", "b after:2026-12-06T10:00:00 before:2026-12-06T10:05:00" },
    /* Beside an OR: kept, and the OR ANDed with the range. */
    { "after:2026-01-01T00:00:00 OR b",
      "after:2026-01-01T00:00:00 OR b after:2026-12-06T10:00:00 before:2026-12-06T10:05:00" },
    { "a OR after:2026-01-01T00:00:00 c",
      "a OR after:2026-01-01T00:00:00 c after:2026-12-06T10:00:00 before:2026-12-06T10:05:00" },
    /* Excluding a time is not a time range. */
    { "-after:2026-01-01T00:00:00 b",
      "-after:2026-01-01T00:00:00 b after:2026-12-06T10:00:00 before:2026-12-06T10:05:00" },
    /* A regex is never cut at its spaces. */
    { "/a b/ after:2026-01-01T00:00:00",
      "/a b/ after:2026-12-06T10:00:00 before:2026-12-06T10:05:00" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *once = ld_field_stats_query_with_range (cases[i].query, range);
      g_autofree char *again = ld_field_stats_query_with_range (once, range);
      g_autoptr(LdQuery) parsed = ld_query_parse (once, 0, NULL);

      g_test_message ("%s -> %s", cases[i].query, once);
      g_assert_cmpstr (once, ==, cases[i].expected);
      g_assert_nonnull (parsed);
      /* A second drag replaces the first. */
      g_assert_cmpstr (again, ==, once);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/field-stats/random-streams", test_random_streams);
  g_test_add_func ("/field-stats/slices", test_slices);
  g_test_add_func ("/field-stats/terms", test_terms);
  g_test_add_func ("/field-stats/range-terms", test_range_terms);
  g_test_add_func ("/field-stats/terms-filter-as-counted", test_terms_filter_as_counted);
  g_test_add_func ("/field-stats/bounds", test_bounds);
  g_test_add_func ("/field-stats/shapes-recycled", test_shapes_recycled);

  return g_test_run ();
}
