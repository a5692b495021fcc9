// SPDX-License-Identifier: GPL-3.0-or-later
/* libFuzzer target for what "Find the cause faster" reads out of a sender's
 * text: durations (a field's value, a message through the user's pattern),
 * the websockets library's debug prefixes and close codes, and the query
 * text that click-to-filter writes for a value a sender chose.
 *
 * The input is up to three parts split at NUL bytes: A (a key, a pattern, a
 * logger), B (a value, a message) and C (a query already in the filter
 * entry). Three records are built from them as a decoder builds them and
 * read back from a store, so the text is what the window reads. Then:
 * - every duration read is finite and not negative;
 * - a duration key's unit is a positive scale, and the record built with
 *   that key carries LD_RECORD_DURATION_KEY exactly when the key names a
 *   duration;
 * - a close code is -1 or four digits from 1000;
 * - `ws:KIND` matches a record exactly when its prefix reads as KIND;
 * - "Filter to this value" and "Exclude this value" give a query that
 *   parses, that matches the record with that value (or does not), and not
 *   the one whose value differs by a byte (or does); added to the query C,
 *   the result parses whenever C does, and matches only records the term
 *   matches; a second click changes no verdict, and the opposite click
 *   then the first one again gives the first verdicts back;
 * - saved queries C and B combined (Ctrl+click) parse exactly when each
 *   does, and match what both match;
 * - a drag across a chart over the query C parses whenever C does, ANDs
 *   C's terms but its time terms (after:, before:, since:) with the range,
 *   and a second drag shows the same records.
 *
 * Built with -DLD_FUZZ_STANDALONE it replays the files named on the command
 * line once. */
#define G_LOG_DOMAIN "logdeck-fuzz"

#include "config.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#include "ld-duration-key.h"
#include "ld-field-stats.h"
#include "ld-intern.h"
#include "ld-query.h"
#include "ld-record.h"
#include "ld-saved-queries.h"
#include "ld-store.h"
#include "ld-timing.h"
#include "ld-ws-prefix.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

#define NOW_US G_GINT64_CONSTANT (1763700000000000)

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);
  return 0;
}

static void
check_duration (gboolean found,
                double   seconds)
{
  if (found)
    g_assert (isfinite (seconds) && seconds >= 0);
}

/* The next part of the input, up to a NUL or its end. */
static char *
next_part (const guint8 **data,
           gsize         *size)
{
  const guint8 *end = memchr (*data, '\0', *size);
  gsize length = end != NULL ? (gsize) (end - *data) : *size;
  char *part = g_strndup ((const char *) *data, length);

  *data += MIN (length + 1, *size);
  *size -= MIN (length + 1, *size);
  return part;
}

static gboolean
matches (const char     *text,
         const LdRecord *record)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LdQuery) query = ld_query_parse (text, NOW_US, &error);

  g_assert_no_error (error);
  return ld_query_matches (query, record);
}

/* The terms for @value of @field (@key for an extra) against @same, which
 * has it, and @other, which has a value a byte longer (and @none, nullable,
 * which has none); and each term added to @query. */
static void
check_terms (LdStatsField    field,
             const char     *key,
             const char     *value,
             const LdRecord *same,
             const LdRecord *other,
             const LdRecord *none,
             const char     *query)
{
  g_autoptr(LdQuery) before = ld_query_parse (query, NOW_US, NULL);

  for (int exclude = 0; exclude < 2; exclude++)
    {
      g_autofree char *term = ld_field_stats_term (field, key, value, exclude);
      g_autofree char *combined = NULL;
      g_autoptr(LdQuery) after = NULL;
      const LdRecord *records[] = { same, other, none };

      if (term == NULL)
        {
          /* Only a key the query language cannot name has no term. */
          g_assert (field == LD_STATS_FIELD_EXTRA);
          return;
        }
      g_assert (matches (term, same) == !exclude);
      g_assert (matches (term, other) == !!exclude);
      if (none != NULL)
        g_assert (matches (term, none) == !!exclude);

      if (before == NULL)
        continue;
      combined = ld_field_stats_query_with_term (query, term);
      after = ld_query_parse (combined, NOW_US, NULL);
      g_assert (after != NULL);
      /* A second click on the value changes what is shown in nothing, and
       * one on its opposite then the value again gives the first query's
       * records back: the opposite was replaced, not ANDed. */
      {
        g_autofree char *again = ld_field_stats_query_with_term (combined, term);
        g_autofree char *opposite = ld_field_stats_term (field, key, value, !exclude);
        g_autofree char *flipped = ld_field_stats_query_with_term (combined, opposite);
        g_autofree char *back = ld_field_stats_query_with_term (flipped, term);
        g_autoptr(LdQuery) again_query = ld_query_parse (again, NOW_US, NULL);
        g_autoptr(LdQuery) back_query = ld_query_parse (back, NOW_US, NULL);
        const LdRecord *all[] = { same, other, none };

        g_assert (again_query != NULL && back_query != NULL);
        for (guint i = 0; i < G_N_ELEMENTS (all); i++)
          if (all[i] != NULL)
            {
              gboolean shown = ld_query_matches (after, all[i]);

              g_assert (ld_query_matches (again_query, all[i]) == shown);
              g_assert (ld_query_matches (back_query, all[i]) == shown);
            }
      }
      for (guint i = 0; i < G_N_ELEMENTS (records); i++)
        if (records[i] != NULL && ld_query_matches (after, records[i]))
          g_assert (matches (term, records[i]));
    }
}

/* An ANDed term as the parser writes it that is one time term, not an OR
 * that starts with one. */
static gboolean
is_time_term (const char *term)
{
  g_autofree char *alone = NULL;
  g_autoptr(LdQuery) parsed = NULL;
  g_autoptr(GPtrArray) terms = NULL;

  if (!g_str_has_prefix (term, "after:") && !g_str_has_prefix (term, "before:")
      && !g_str_has_prefix (term, "since:"))
    return FALSE;
  /* Written back alone, an OR would still hold " OR ". */
  parsed = ld_query_parse (term, NOW_US, NULL);
  g_assert (parsed != NULL);
  terms = ld_query_dup_and_terms (parsed);
  alone = ld_query_to_string (parsed);
  return terms->len == 1 && strstr (alone, " OR ") == NULL;
}

/* A drag across a chart over the query @text: the result parses whenever
 * @text does, its ANDed terms are @text's less the time terms, then the
 * range, and a second drag shows the same records. */
static void
check_range (const char            *text,
             const LdRecord *const *records,
             guint                  n_records)
{
  static const char range[] = "after:2026-12-06T10:00:00 before:2026-12-06T10:05:00";
  g_autoptr(LdQuery) before = ld_query_parse (text, NOW_US, NULL);
  g_autoptr(LdQuery) parsed = NULL;
  g_autoptr(LdQuery) parsed_again = NULL;
  g_autoptr(GPtrArray) before_terms = NULL;
  g_autoptr(GPtrArray) terms = NULL;
  g_autofree char *once = NULL;
  g_autofree char *again = NULL;
  guint n = 0;

  if (before == NULL)
    return;
  once = ld_field_stats_query_with_range (text, range);
  parsed = ld_query_parse (once, NOW_US, NULL);
  g_assert (parsed != NULL);
  terms = ld_query_dup_and_terms (parsed);
  before_terms = ld_query_dup_and_terms (before);
  g_assert (terms->len >= 2);
  g_assert (strcmp (g_ptr_array_index (terms, terms->len - 2), "after:2026-12-06T10:00:00") == 0);
  g_assert (strcmp (g_ptr_array_index (terms, terms->len - 1), "before:2026-12-06T10:05:00") == 0);
  for (guint i = 0; i < before_terms->len; i++)
    if (!is_time_term (g_ptr_array_index (before_terms, i)))
      {
        g_assert (n + 2 < terms->len);
        g_assert (strcmp (g_ptr_array_index (before_terms, i), g_ptr_array_index (terms, n)) == 0);
        n++;
      }
  g_assert (n + 2 == terms->len);

  again = ld_field_stats_query_with_range (once, range);
  parsed_again = ld_query_parse (again, NOW_US, NULL);
  g_assert (parsed_again != NULL);
  for (guint i = 0; i < n_records; i++)
    if (records[i] != NULL)
      g_assert (ld_query_matches (parsed_again, records[i]) == ld_query_matches (parsed, records[i]));
}

/* The value the store holds for @record's only extra field, and its key. */
static char *
stored_extra (const LdRecord *record,
              const char    **key)
{
  LdExtraIter iter;
  LdValueType type;
  const char *value;
  gsize length;
  guint32 id;

  ld_extra_iter_init (&iter, record);
  if (!ld_extra_iter_next (&iter, &id, &type, &value, &length))
    return NULL;
  *key = ld_intern_lookup (id);
  return g_strndup (value, length);
}

/* The terms for an interned field of @same and @other, when the store kept
 * their values apart (a value past a field's limit is cut, and two values
 * can end up one). */
static void
check_field_terms (LdStatsField    field,
                   guint32         same_id,
                   guint32         other_id,
                   const LdRecord *same,
                   const LdRecord *other,
                   const char     *query)
{
  if (same_id != LD_INTERN_NONE && other_id != LD_INTERN_NONE && same_id != other_id)
    check_terms (field, NULL, ld_intern_lookup (same_id), same, other, NULL, query);
}

static void
check_websockets (const LdRecord *record)
{
  gsize length;
  const char *message = ld_record_get_message (record, &length);
  int code = ld_ws_prefix_close_code (message, length);
  LdWsKind kind = ld_ws_prefix_of_record (record);

  (void) ld_ws_prefix_frame (message, length);
  g_assert (code == -1 || (code >= 1000 && code <= 9999));
  for (guint k = 1; k < LD_WS_N_KINDS; k++)
    {
      g_autofree char *query = g_strdup_printf ("ws:%s", ld_ws_kind_to_string (k));

      g_assert (matches (query, record) == (kind == k));
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autofree char *a = next_part (&data, &size);
  g_autofree char *b = next_part (&data, &size);
  g_autofree char *c = g_strndup ((const char *) data, size);
  g_autofree char *b_longer = g_strconcat (b, "x", NULL);
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autoptr(LdStore) store = ld_store_new (0);
  g_autoptr(LdTimingPattern) pattern = NULL;
  const LdRecord *same, *other, *none;
  g_autofree char *stored_value = NULL;
  g_autofree char *other_value = NULL;
  const char *stored_key = NULL, *other_key = NULL;
  double seconds = 0, scale = 0;

  /* A record per value of the field A, then one without; the message is B. */
  for (guint i = 0; i < 3; i++)
    {
      const char *value = i == 0 ? b : b_longer;
      LdRecordFields fields = {
        .time_us = NOW_US, .level = 20, .message = b,
        .logger = i < 2 ? value : "websockets.client",
        .thread = i < 2 ? value : NULL,
        .host = i < 2 ? value : NULL,
      };

      ld_batch_add (batch, &fields);
      if (i < 2)
        ld_batch_add_extra (batch, a, -1, LD_VALUE_STRING, value, -1);
    }
  ld_store_append_batch (store, batch);
  same = ld_store_get_record (store, 0);
  other = ld_store_get_record (store, 1);
  none = ld_store_get_record (store, 2);

  /* Durations */
  check_duration (ld_timing_parse_value (b, strlen (b), 0, &seconds), seconds);
  check_duration (ld_timing_parse_value (b, strlen (b), 1e-3, &seconds), seconds);
  if (ld_timing_key_is_duration (a, &scale))
    g_assert (scale >= 0 && isfinite (scale));
  {
    g_autofree char *value = stored_extra (same, &stored_key);
    double unused;

    if (value != NULL)
      g_assert (((same->flags & LD_RECORD_DURATION_KEY) != 0)
                == ld_timing_key_is_duration (stored_key, &unused));
    else
      g_assert ((same->flags & LD_RECORD_DURATION_KEY) == 0);
  }
  pattern = ld_timing_pattern_new (a, NULL);
  if (pattern != NULL)
    {
      gsize length;
      const char *message = ld_record_get_message (same, &length);

      check_duration (ld_timing_pattern_match (pattern, message, length, &seconds), seconds);
    }
  check_duration (ld_timing_read_record (same, pattern, &seconds), seconds);

  /* websockets prefixes, as a websockets logger's record */
  check_websockets (none);

  /* Click-to-filter, with the values as stored */
  stored_value = stored_extra (same, &stored_key);
  other_value = stored_extra (other, &other_key);
  if (stored_value != NULL && other_value != NULL && g_strcmp0 (stored_key, other_key) == 0
      && strcmp (stored_value, other_value) != 0)
    check_terms (LD_STATS_FIELD_EXTRA, stored_key, stored_value, same, other, none, c);
  check_field_terms (LD_STATS_FIELD_LOGGER, same->logger, other->logger, same, other, c);
  check_field_terms (LD_STATS_FIELD_THREAD, same->thread, other->thread, same, other, c);
  check_field_terms (LD_STATS_FIELD_HOST, same->host, other->host, same, other, c);

  /* A drag across a chart, over the query C. */
  {
    const LdRecord *records[] = { same, other, none };

    check_range (c, records, G_N_ELEMENTS (records));
  }

  /* Saved queries combined with Ctrl+click: C and B as two queries. */
  {
    const char *texts[] = { c, b, NULL };
    g_autoptr(LdQuery) first = ld_query_parse (c, NOW_US, NULL);
    g_autoptr(LdQuery) second = ld_query_parse (b, NOW_US, NULL);

    if (first == NULL || second == NULL)
      {
        g_autofree char *text = ld_saved_queries_combine (texts);
        g_autoptr(LdQuery) combined = ld_query_parse (text, NOW_US, NULL);

        /* Nothing anybody saved is filtered on. */
        g_assert (combined == NULL);
      }
    else
      {
        g_autofree char *text = ld_saved_queries_combine (texts);
        g_autoptr(LdQuery) combined = ld_query_parse (text, NOW_US, NULL);
        const LdRecord *records[] = { same, other, none };

        g_assert (combined != NULL);
        for (guint i = 0; i < G_N_ELEMENTS (records); i++)
          g_assert (ld_query_matches (combined, records[i])
                    == (ld_query_matches (first, records[i])
                        && ld_query_matches (second, records[i])));
      }
  }

  return 0;
}

#ifdef LD_FUZZ_STANDALONE
#include "fuzz-replay.h"

LD_FUZZ_REPLAY_MAIN
#endif
