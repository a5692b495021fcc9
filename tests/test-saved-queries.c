// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include "ld-query.h"
#include "ld-saved-queries.h"
#include "ld-store.h"

/* Saved queries' live counts equal a recount of the held records over random
 * streams with eviction, clears, slices left pending and list changes; the
 * settings' list is edited by name; several queries combine into one that
 * matches what all of them match; the history keeps 50, newest first,
 * without repeats. */

#define NOW G_GINT64_CONSTANT (1795176000000000)

static const char *const loggers[] = { "app", "app.db", "web", "root" };
static const char *const texts[] = {
  "level>=WARNING", "logger=web", "status>=400", "-logger:app", "request", "has:status",
  "level>=ERROR OR status=404", "(((",
};

static void
append_random (LdStore *store,
               guint   *counter,
               guint    count)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();

  for (guint i = 0; i < count; i++, (*counter)++)
    {
      g_autofree char *message = g_strdup_printf ("%s %u", g_test_rand_bit () ? "request" : "tick",
                                                  *counter);
      LdRecordFields fields = {
        .time_us = NOW + *counter * G_USEC_PER_SEC,
        .level = (int[]) { 10, 20, 20, 30, 40 }[g_test_rand_int_range (0, 5)],
        .logger = loggers[g_test_rand_int_range (0, G_N_ELEMENTS (loggers))],
        .message = message,
      };

      ld_batch_add (batch, &fields);
      if (g_test_rand_bit ())
        ld_batch_add_extra (batch, "status", -1, LD_VALUE_NUMBER,
                            (const char *[]) { "200", "404", "500" }[g_test_rand_int_range (0, 3)],
                            -1);
    }
  ld_store_append_batch (store, batch);
}

static guint
recount (LdStore    *store,
         const char *text)
{
  g_autoptr(LdQuery) query = ld_query_parse (text, g_get_real_time (), NULL);
  guint count = 0;

  if (query == NULL)
    return 0;
  for (guint i = 0; i < ld_store_get_n_records (store); i++)
    count += ld_query_matches (query, ld_store_get_record (store, i));

  return count;
}

static void
assert_counts (LdSavedQueries *saved,
               LdStore        *store)
{
  ld_saved_queries_flush (saved);
  g_assert_cmpuint (ld_saved_queries_get_pending (saved), ==, 0);
  for (guint i = 0; i < ld_saved_queries_get_n (saved); i++)
    g_assert_cmpuint (ld_saved_queries_get_count (saved, i), ==,
                      recount (store, ld_saved_queries_get_text (saved, i)));
}

static GVariant *
random_list (void)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ss)"));
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    if (g_test_rand_int_range (0, 3) > 0)
      {
        g_autofree char *name = g_strdup_printf ("q%u", i);

        g_variant_builder_add (&builder, "(ss)", name, texts[i]);
      }

  return g_variant_builder_end (&builder);
}

static void
test_counts_random (void)
{
  for (guint round = 0; round < 20; round++)
    {
      g_autoptr(LdStore) store = ld_store_new (g_test_rand_int_range (50, 3000));
      g_autoptr(LdSavedQueries) saved = ld_saved_queries_new (store);
      guint counter = 0;

      ld_saved_queries_set (saved, random_list ());
      for (guint step = 0; step < 40; step++)
        {
          switch (g_test_rand_int_range (0, 10))
            {
            case 0:
              ld_store_clear (store);
              break;
            case 1:
              ld_saved_queries_set (saved, random_list ());
              break;
            case 2:
              /* Bigger than what is counted at once: left to slices. */
              append_random (store, &counter, 20000);
              break;
            default:
              append_random (store, &counter, g_test_rand_int_range (1, 500));
            }
          /* Sometimes the slices are not run before more records come. */
          if (g_test_rand_bit ())
            assert_counts (saved, store);
        }
      assert_counts (saved, store);
    }
}

/* Slices run from the main context and leave no source behind. */
static void
test_counts_in_slices (void)
{
  g_autoptr(LdStore) store = ld_store_new (1000000);
  g_autoptr(LdSavedQueries) saved = ld_saved_queries_new (store);
  guint counter = 0;

  gint64 start;

  append_random (store, &counter, 200000);
  ld_saved_queries_set (saved, g_variant_new_parsed ("[('errors', 'level>=ERROR')]"));
  g_assert_cmpuint (ld_saved_queries_get_pending (saved), >, 0);
  start = g_get_monotonic_time ();
  while (ld_saved_queries_get_pending (saved) > 0)
    g_main_context_iteration (NULL, TRUE);
  /* For the reader, not asserted: a shared machine's clock proves nothing. */
  g_test_message ("one saved query: %.0f ns a record, in slices",
                  (g_get_monotonic_time () - start) * 1000.0 / 200000);
  g_assert_false (g_main_context_pending (NULL));
  g_assert_cmpuint (ld_saved_queries_get_count (saved, 0), ==, recount (store, "level>=ERROR"));
  g_assert_true (ld_saved_queries_get_valid (saved, 0));

  /* A rename keeps the count without a recount. */
  ld_saved_queries_set (saved, g_variant_new_parsed ("[('bad', 'level>=ERROR')]"));
  g_assert_cmpuint (ld_saved_queries_get_pending (saved), ==, 0);
  g_assert_cmpstr (ld_saved_queries_get_name (saved, 0), ==, "bad");

  ld_saved_queries_set (saved, g_variant_new_parsed ("[('broken', '(((')]"));
  g_assert_false (ld_saved_queries_get_valid (saved, 0));
  g_assert_cmpuint (ld_saved_queries_get_count (saved, 0), ==, 0);
}

static void
append_at (LdStore *store,
           gint64   time_us,
           guint    count)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();

  for (guint i = 0; i < count; i++)
    {
      LdRecordFields fields = { .time_us = time_us, .level = 20, .logger = "app",
                                .message = "tick" };

      ld_batch_add (batch, &fields);
    }
  ld_store_append_batch (store, batch);
}

/* "since:10m" counts the last ten minutes as records keep arriving, not the
 * ten minutes before the query was saved. */
static void
test_relative_time (void)
{
  g_autoptr(LdStore) store = ld_store_new (1000);
  g_autoptr(LdSavedQueries) saved = ld_saved_queries_new (store);
  g_autoptr(LdQuery) relative = ld_query_parse ("level>=INFO since:10m", NOW, NULL);
  g_autoptr(LdQuery) absolute = ld_query_parse ("after:2026-11-20T12:00 level>=INFO", NOW, NULL);
  gint64 start = g_get_real_time ();

  g_assert_true (ld_query_is_relative (relative));
  g_assert_false (ld_query_is_relative (absolute));

  /* Three records five seconds inside the ten minutes, one now. */
  append_at (store, start - 10 * 60 * G_USEC_PER_SEC + 5 * G_USEC_PER_SEC, 3);
  append_at (store, start, 1);
  ld_saved_queries_set (saved, g_variant_new_parsed ("[('recent', 'since:10m')]"));
  while (ld_saved_queries_get_pending (saved) > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (ld_saved_queries_get_count (saved, 0), ==, 4);

  /* Eleven seconds on, the three have left the ten minutes: the next
   * arrival counts again. */
  g_usleep (11 * G_USEC_PER_SEC);
  append_at (store, g_get_real_time (), 1);
  while (ld_saved_queries_get_pending (saved) > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (ld_saved_queries_get_count (saved, 0), ==, 2);
}

static char *
print (GVariant *value)
{
  g_autoptr(GVariant) owned = value;

  return g_variant_print (owned, FALSE);
}

static void
test_list_edits (void)
{
  g_autoptr(GVariant) empty = g_variant_ref_sink (g_variant_new_parsed ("@a(ss) []"));
  g_autoptr(GVariant) one = ld_saved_queries_with (empty, "errors", "level>=ERROR");
  g_autoptr(GVariant) two = ld_saved_queries_with (one, "web", "logger=web");
  g_autofree char *replaced = print (ld_saved_queries_with (two, "errors", "level>=40"));
  g_autofree char *removed = print (ld_saved_queries_without (two, "errors"));
  g_autofree char *renamed = print (ld_saved_queries_renamed (two, "errors", "bad"));
  g_autofree char *over = print (ld_saved_queries_renamed (two, "errors", "web"));

  g_assert_cmpstr (replaced, ==, "[('errors', 'level>=40'), ('web', 'logger=web')]");
  g_assert_cmpstr (removed, ==, "[('web', 'logger=web')]");
  g_assert_cmpstr (renamed, ==, "[('bad', 'level>=ERROR'), ('web', 'logger=web')]");
  g_assert_cmpstr (over, ==, "[('web', 'level>=ERROR')]");
}

/* Combined queries match exactly the records every one of them matches,
 * even when one has OR or a leading negation of its own. */
static void
test_combine (void)
{
  const char *pair[] = { "level>=ERROR OR status=404", "-logger:app", NULL };
  const char *single[] = { "a OR b", NULL };
  g_autofree char *text = ld_saved_queries_combine (pair);
  g_autofree char *one = ld_saved_queries_combine (single);
  g_autoptr(LdStore) store = ld_store_new (10000);
  g_autoptr(LdQuery) combined = NULL;
  g_autoptr(LdQuery) first = ld_query_parse (pair[0], NOW, NULL);
  g_autoptr(LdQuery) second = ld_query_parse (pair[1], NOW, NULL);
  guint counter = 0;

  g_assert_cmpstr (text, ==, "level>=ERROR OR status=404 -logger:app");
  g_assert_cmpstr (one, ==, "a OR b");
  combined = ld_query_parse (text, NOW, NULL);
  g_assert_nonnull (combined);
  append_random (store, &counter, 2000);
  for (guint i = 0; i < ld_store_get_n_records (store); i++)
    {
      const LdRecord *record = ld_store_get_record (store, i);

      g_assert_cmpint (ld_query_matches (combined, record), ==,
                       ld_query_matches (first, record) && ld_query_matches (second, record));
    }

  /* As typed, "a)b" would end a parenthesis early, and the bare word "/x"
   * would be a regex up to the next query's slash: each goes in as the
   * parser writes it back. So does one nested as deep as the parser
   * allows, which parentheses around it would take past that. */
  {
    const char *odd[] = { "a)b", "/x", " ", "logger=\"p/ q\"", NULL };
    g_autofree char *odd_text = ld_saved_queries_combine (odd);
    g_autoptr(LdQuery) odd_combined = ld_query_parse (odd_text, NOW, NULL);

    g_assert_cmpstr (odd_text, ==, "\"a)b\" \"/x\" logger=\"p/ q\"");
    g_assert_nonnull (odd_combined);
    for (guint i = 0; i < ld_store_get_n_records (store); i++)
      {
        const LdRecord *record = ld_store_get_record (store, i);
        gboolean all = TRUE;

        for (guint q = 0; odd[q] != NULL; q++)
          {
            g_autoptr(LdQuery) one_query = ld_query_parse (odd[q], NOW, NULL);

            all = all && ld_query_matches (one_query, record);
          }
        g_assert_cmpint (ld_query_matches (odd_combined, record), ==, all);
      }
  }
  /* Two that do not parse never combine into one that does: "(a" and
   * "x)) (y" in parentheses would read "((a) (x)) (y)", which parses. The
   * first is shown alone, with its own error; one that does not parse
   * beside one that does fails where it does. */
  {
    const char *broken[] = { "(a", "x)) (y", NULL };
    const char *one_broken[] = { "x", "(a", NULL };
    g_autofree char *broken_text = ld_saved_queries_combine (broken);
    g_autofree char *one_broken_text = ld_saved_queries_combine (one_broken);

    g_assert_cmpstr (broken_text, ==, "(a");
    g_assert_null (ld_query_parse (broken_text, NOW, NULL));
    g_assert_cmpstr (one_broken_text, ==, "x ((a)");
    g_assert_null (ld_query_parse (one_broken_text, NOW, NULL));
  }
  {
    g_autoptr(GString) deep = g_string_new (NULL);
    const char *deep_pair[] = { NULL, "y", NULL };
    g_autoptr(LdQuery) alone = NULL;
    g_autoptr(LdQuery) deep_combined = NULL;
    g_autofree char *deep_text = NULL;

    for (guint i = 0; i < 32; i++)
      g_string_append (deep, "-(");
    g_string_append (deep, "-x");
    for (guint i = 0; i < 32; i++)
      g_string_append_c (deep, ')');
    deep_pair[0] = deep->str;
    alone = ld_query_parse (deep->str, NOW, NULL);
    deep_text = ld_saved_queries_combine (deep_pair);
    deep_combined = ld_query_parse (deep_text, NOW, NULL);

    g_assert_nonnull (alone);
    g_assert_nonnull (deep_combined);
  }
}

static void
test_history (void)
{
  g_auto(GStrv) history = g_new0 (char *, 1);

  for (guint i = 0; i < 120; i++)
    {
      g_autofree char *text = g_strdup_printf ("q%u", g_test_rand_int_range (0, 70));
      char **next = ld_query_history_add ((const char *const *) history, text,
                                          LD_QUERY_HISTORY_MAX);

      g_strfreev (history);
      history = next;
      g_assert_cmpstr (history[0], ==, text);
      g_assert_cmpuint (g_strv_length (history), <=, LD_QUERY_HISTORY_MAX);
      for (guint a = 0; history[a] != NULL; a++)
        for (guint b = a + 1; history[b] != NULL; b++)
          g_assert_cmpstr (history[a], !=, history[b]);
    }
  for (guint i = 0; i < 60; i++)
    {
      g_autofree char *text = g_strdup_printf ("distinct %u", i);
      char **next = ld_query_history_add ((const char *const *) history, text,
                                          LD_QUERY_HISTORY_MAX);

      g_strfreev (history);
      history = next;
    }
  g_assert_cmpuint (g_strv_length (history), ==, LD_QUERY_HISTORY_MAX);
  g_assert_cmpstr (history[0], ==, "distinct 59");
  g_assert_cmpstr (history[49], ==, "distinct 10");

  /* An empty query is not history; a repeat moves to the front, trimmed. */
  {
    g_auto(GStrv) same = ld_query_history_add ((const char *const *) history, "  ", 50);
    g_auto(GStrv) moved = ld_query_history_add ((const char *const *) history,
                                                " distinct 30 ", 50);

    g_assert_true (g_strv_equal ((const char *const *) same, (const char *const *) history));
    g_assert_cmpstr (moved[0], ==, "distinct 30");
    g_assert_cmpstr (moved[1], ==, "distinct 59");
    g_assert_cmpuint (g_strv_length (moved), ==, 50);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/saved-queries/counts-random", test_counts_random);
  g_test_add_func ("/saved-queries/counts-in-slices", test_counts_in_slices);
  g_test_add_func ("/saved-queries/relative-time", test_relative_time);
  g_test_add_func ("/saved-queries/list-edits", test_list_edits);
  g_test_add_func ("/saved-queries/combine", test_combine);
  g_test_add_func ("/saved-queries/history", test_history);

  return g_test_run ();
}
