// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <math.h>
#include <string.h>

#include "ld-store.h"
#include "ld-timing.h"
#include "ld-timing-private.h"

/* The request-timing counters: which fields and messages give a duration,
 * and percentiles that stay within the histogram's error of the exact ones
 * over random streams with eviction. */

#define T0 G_GINT64_CONSTANT (1763700000000000)   /* 2025-11-21, µs */
/* The histogram's bins are 4 % wide and read back at their middle. */
#define MAX_RELATIVE_ERROR 0.0199

static void
test_keys (void)
{
  static const struct { const char *key; gboolean is_duration; double scale; } cases[] = {
    { "duration", TRUE, 0 }, { "elapsed", TRUE, 0 }, { "latency", TRUE, 0 },
    { "response_time", TRUE, 0 }, { "took", TRUE, 0 }, { "http.duration", TRUE, 0 },
    { "duration_ms", TRUE, 1e-3 }, { "elapsed_s", TRUE, 1 }, { "latency_us", TRUE, 1e-6 },
    { "latencyMs", TRUE, 1e-3 }, { "took.seconds", TRUE, 1 }, { "Duration", TRUE, 0 },
    { "response_time_ns", TRUE, 1e-9 }, { "duration_µs", TRUE, 1e-6 },
    { "durations", FALSE, 0 }, { "duration_total", FALSE, 0 }, { "path", FALSE, 0 },
    { "tooks", FALSE, 0 }, { "", FALSE, 0 }, { "http", FALSE, 0 }, { "my_duration", FALSE, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      double scale = -1;

      g_test_message ("key %s", cases[i].key);
      g_assert_cmpint (ld_timing_key_is_duration (cases[i].key, &scale), ==,
                       cases[i].is_duration);
      if (cases[i].is_duration)
        g_assert_cmpfloat (scale, ==, cases[i].scale);
    }
}

static void
test_values (void)
{
  static const struct { const char *value; double scale; gboolean ok; double seconds; } cases[] = {
    { "12", 0, TRUE, 0.012 },           /* a bare number is milliseconds */
    { "12", 1, TRUE, 12 },              /* unless the key said otherwise */
    { "0.25s", 0, TRUE, 0.25 }, { "1.5 s", 1e-3, TRUE, 1.5 }, { "150us", 0, TRUE, 150e-6 },
    { "150µs", 0, TRUE, 150e-6 }, { "3ms", 1, TRUE, 0.003 }, { "7 seconds", 0, TRUE, 7 },
    { "2e3", 1e-6, TRUE, 0.002 },
    { "", 0, FALSE, 0 }, { "n/a", 0, FALSE, 0 }, { "12 parsecs", 0, FALSE, 0 },
    { "-4", 0, FALSE, 0 }, { "nan", 0, FALSE, 0 }, { "inf", 0, FALSE, 0 }, { "12msx", 0, FALSE, 0 },
  };
  g_autofree char *huge = g_strnfill (100000, '9');
  double seconds;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("value %s", cases[i].value);
      seconds = -1;
      g_assert_cmpint (ld_timing_parse_value (cases[i].value, strlen (cases[i].value),
                                              cases[i].scale, &seconds), ==, cases[i].ok);
      if (cases[i].ok)
        g_assert_cmpfloat_with_epsilon (seconds, cases[i].seconds, cases[i].seconds * 1e-9);
    }
  g_assert_false (ld_timing_parse_value (huge, strlen (huge), 0, &seconds));
}

/* What ld_timing_parse_value() must give for a text without a unit, with
 * a scale of 1: what g_ascii_strtod() reads, when it reads the whole text
 * but trailing spaces, is finite and not negative, and is not written in
 * hexadecimal. */
static gboolean
strtod_reference (const char *text,
                  double     *seconds)
{
  gsize length = strlen (text);
  char *end;
  double number;

  if (length == 0 || length >= 64)
    return FALSE;
  number = g_ascii_strtod (text, &end);
  if (end == text || !isfinite (number) || number < 0)
    return FALSE;
  for (const char *c = text; c < end; c++)
    if (*c == 'x' || *c == 'X')
      return FALSE;
  while (*end == ' ')
    end++;
  if (*end != '\0')
    return FALSE;

  *seconds = number;
  return TRUE;
}

static void
check_against_strtod (const char *text)
{
  double want = -1, got = -1;
  gboolean ok = strtod_reference (text, &want);

  if (ld_timing_parse_value (text, strlen (text), 1, &got) != ok)
    g_error ("\"%s\": parsed %s, strtod says %s", text, ok ? "FALSE" : "TRUE",
             ok ? "TRUE" : "FALSE");
  /* Exactly strtod's double: the fast path for plain decimals rounds as
   * it does. */
  if (ok && got != want)
    g_error ("\"%s\": %.17g, strtod %.17g", text, got, want);
}

/* Numbers are read in place, without strtod, when they are plain
 * decimals of at most 15 digits, and by strtod otherwise: the two give the
 * same values, and the same refusals, on edge cases and random text. */
static void
test_values_against_strtod (void)
{
  static const char *const edges[] = {
    "0", "-0", "00", "0.0", "1e3", "1E3", "1e", "1e+", "1e-3", "  12", "12 ", "+5", ".5", "5.",
    ".", "..5", "5..", "1.2.3", "inf", "-inf", "infinity", "nan", "NaN", "1e400", "1e-400",
    "0x10", "0X1p3", " 0x10", "0x", "x", "", " ", "123456789012345", "1234567890123456",
    "12345678901234567890", "0.000000000000001", "0.0000000000000001", "999999999999999.9",
    "0.1", "0.3", "2.675", "9007199254740993", "4.35", "1e22", "1e23",
  };
  static const char alphabet[] = "0123456789012345678901234567890123456789..eE+- xX";
  g_autofree char *digits = g_strnfill (63, '7');
  g_autofree char *too_long = g_strnfill (64, '7');

  for (guint i = 0; i < G_N_ELEMENTS (edges); i++)
    check_against_strtod (edges[i]);
  check_against_strtod (digits);
  check_against_strtod (too_long);

  /* Plain decimals of every length around 15 digits, where the fast path
   * hands over to strtod, with the point anywhere. */
  for (guint i = 0; i < 20000; i++)
    {
      char text[32];
      guint n = g_test_rand_int_range (1, 20), point = g_test_rand_int_range (0, n + 1);
      guint at = 0;

      for (guint d = 0; d < n; d++)
        {
          if (d == point && d > 0)
            text[at++] = '.';
          text[at++] = '0' + g_test_rand_int_range (0, 10);
        }
      text[at] = '\0';
      check_against_strtod (text);
    }

  /* Random text of the characters a number is made of. */
  for (guint i = 0; i < 20000; i++)
    {
      char text[32];
      guint n = g_test_rand_int_range (1, sizeof text);

      for (guint c = 0; c < n; c++)
        text[c] = alphabet[g_test_rand_int_range (0, sizeof alphabet - 1)];
      text[n] = '\0';
      check_against_strtod (text);
    }
}

/* A number in a message is read in place too, up to 39 characters. */
static void
test_pattern_numbers (void)
{
  g_autoptr(LdTimingPattern) pattern = ld_timing_pattern_new ("done in {duration}s", NULL);

  for (guint i = 0; i < 5000; i++)
    {
      g_autoptr(GString) number = g_string_new (NULL);
      g_autofree char *line = NULL;
      guint n = g_test_rand_int_range (1, 45), point = g_test_rand_int_range (0, n + 1);
      double seconds = -1;

      for (guint d = 0; d < n; d++)
        {
          if (d == point && d > 0)
            g_string_append_c (number, '.');
          g_string_append_c (number, '0' + g_test_rand_int_range (0, 10));
        }
      line = g_strdup_printf ("request done in %ss", number->str);
      if (number->len > 39)
        {
          g_assert_false (ld_timing_pattern_match (pattern, line, strlen (line), &seconds));
          continue;
        }
      g_assert_true (ld_timing_pattern_match (pattern, line, strlen (line), &seconds));
      g_assert_cmpfloat (seconds, ==, g_ascii_strtod (number->str, NULL));
    }
}

/* The timing counters walk a record's extra fields themselves, for speed:
 * they must find what the store's own iterator does, past an exception and
 * a stack, fields of every type, a duration field that does not parse, and
 * the grouping field before or after the duration. */
static void
test_extras_walk (void)
{
  static const char *const keys[] = { "duration_ms", "latency", "path", "status", "took_s",
                                      "duration" };
  static const char *const values[] = { "12", "3.5", "1e2", "7ms", "n/a", "", "-4", "0.25 s",
                                        "/cart", "[1,2]" };
  static const LdValueType types[] = { LD_VALUE_NUMBER, LD_VALUE_STRING, LD_VALUE_BOOL,
                                       LD_VALUE_NULL, LD_VALUE_JSON };
  g_autoptr(LdStore) store = ld_store_new (4000);
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autoptr(LdTiming) timing = ld_timing_new ();
  g_autoptr(LdTiming) with_pattern = ld_timing_new ();
  g_autoptr(GHashTable) counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) pattern_counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                                NULL);
  g_autoptr(GArray) groups = NULL;
  guint n_durations = 0, n_pattern_durations = 0;

  for (guint i = 0; i < 4000; i++)
    {
      LdRecordFields fields = { .time_us = T0 + i * 1000, .level = 20,
                                .message = g_test_rand_bit () ? "GET" : "done in 0.5s" };
      guint n_extras = g_test_rand_int_range (0, 6);

      if (g_test_rand_bit ())
        fields.exception = "Traceback (most recent call last):\n  ValueError";
      if (g_test_rand_bit ())
        fields.stack = "  File \"app.py\", line 3";
      ld_batch_add (batch, &fields);
      for (guint e = 0; e < n_extras; e++)
        ld_batch_add_extra (batch, keys[g_test_rand_int_range (0, G_N_ELEMENTS (keys))], -1,
                            types[g_test_rand_int_range (0, G_N_ELEMENTS (types))],
                            values[g_test_rand_int_range (0, G_N_ELEMENTS (values))], -1);
    }
  ld_store_append_batch (store, batch);

  for (guint i = 0; i < ld_store_get_n_records (store); i++)
    {
      const LdRecord *record = ld_store_get_record (store, i);
      LdExtraIter iter;
      guint32 key;
      LdValueType type;
      const char *value, *path = NULL;
      gsize value_len, path_len = 0;
      gboolean want = FALSE, got, duration_key = FALSE;
      double want_seconds = -1, got_seconds = -1, scale;
      const char *message;
      gsize message_len;

      ld_extra_iter_init (&iter, record);
      while (ld_extra_iter_next (&iter, &key, &type, &value, &value_len))
        {
          if (path == NULL && g_str_equal (ld_intern_lookup (key), "path")
              && type != LD_VALUE_NULL && type != LD_VALUE_JSON)
            path = value, path_len = value_len;
          if ((type == LD_VALUE_NUMBER || type == LD_VALUE_STRING)
              && ld_timing_key_is_duration (ld_intern_lookup (key), &scale))
            {
              duration_key = TRUE;
              if (!want)
                want = ld_timing_parse_value (value, value_len, scale, &want_seconds);
            }
        }
      /* The batch saw the duration key as the record was built: the
       * counters walk the extra fields of these records only. */
      g_assert_cmpint (!!(record->flags & LD_RECORD_DURATION_KEY), ==, duration_key);

      got = ld_timing_read_record (record, NULL, &got_seconds);
      g_assert_cmpint (got, ==, want);
      /* With the tutorial's pattern, a message says it when no field does. */
      message = ld_record_get_message (record, &message_len);
      if (want || (message_len == 12 && memcmp (message, "done in 0.5s", 12) == 0))
        {
          g_autofree char *name = g_strndup (path != NULL ? path : "", path_len);

          g_hash_table_insert (pattern_counts, g_strdup (name),
                               GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (
                                                   pattern_counts, name)) + 1));
          n_pattern_durations++;
        }
      if (want)
        {
          g_autofree char *name = g_strndup (path != NULL ? path : "", path_len);

          g_assert_cmpfloat (got_seconds, ==, want_seconds);
          g_hash_table_insert (counts, g_strdup (name),
                               GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (counts,
                                                                                       name))
                                                 + 1));
          n_durations++;
        }
    }
  g_assert_cmpuint (n_durations, >, 500);

  /* And the grouping value found in the same walk is the iterator's. */
  ld_timing_set_group_key (timing, "path");
  ld_timing_attach_store (timing, store);
  ld_timing_flush (timing);
  g_assert_cmpuint (ld_timing_get_n_durations (timing), ==, n_durations);
  groups = ld_timing_dup_groups (timing);
  g_assert_cmpuint (groups->len, ==, g_hash_table_size (counts));
  for (guint i = 0; i < groups->len; i++)
    {
      const LdTimingGroup *group = &g_array_index (groups, LdTimingGroup, i);

      g_assert_nonnull (group->name);
      g_assert_cmpuint (group->count, ==,
                        GPOINTER_TO_UINT (g_hash_table_lookup (counts, group->name)));
    }

  /* A duration in the message, of a record with no duration key, is
   * grouped by the field all the same. */
  g_clear_pointer (&groups, g_array_unref);
  g_assert_true (ld_timing_set_pattern (with_pattern, "in {duration}s", NULL));
  ld_timing_set_group_key (with_pattern, "path");
  ld_timing_attach_store (with_pattern, store);
  ld_timing_flush (with_pattern);
  g_assert_cmpuint (ld_timing_get_n_durations (with_pattern), ==, n_pattern_durations);
  g_assert_cmpuint (n_pattern_durations, >, n_durations + 500);
  groups = ld_timing_dup_groups (with_pattern);
  g_assert_cmpuint (groups->len, ==, g_hash_table_size (pattern_counts));
  for (guint i = 0; i < groups->len; i++)
    {
      const LdTimingGroup *group = &g_array_index (groups, LdTimingGroup, i);

      g_assert_cmpuint (group->count, ==,
                        GPOINTER_TO_UINT (g_hash_table_lookup (pattern_counts, group->name)));
    }
}

static void
test_pattern (void)
{
  g_autoptr(LdTimingPattern) tutorial = ld_timing_pattern_new ("in {duration}s", NULL);
  g_autoptr(LdTimingPattern) free_unit = ld_timing_pattern_new ("took {duration}", NULL);
  const char *line = "Request completed in 0.123s [avg=0.100s]";
  double seconds = 0;

  g_assert_nonnull (tutorial);
  g_assert_true (ld_timing_pattern_match (tutorial, line, strlen (line), &seconds));
  g_assert_cmpfloat_with_epsilon (seconds, 0.123, 1e-12);

  /* "in" also appears in "Logging in"; the first place that fits wins. */
  line = "Logging in user 7, done in 12s";
  g_assert_true (ld_timing_pattern_match (tutorial, line, strlen (line), &seconds));
  g_assert_cmpfloat (seconds, ==, 12);

  line = "Request completed in a hurry";
  g_assert_false (ld_timing_pattern_match (tutorial, line, strlen (line), &seconds));
  line = "in 5ms";   /* the pattern's "s" is not the text's "ms" */
  g_assert_false (ld_timing_pattern_match (tutorial, line, strlen (line), &seconds));
  g_assert_false (ld_timing_pattern_match (tutorial, "", 0, &seconds));
  g_assert_false (ld_timing_pattern_match (tutorial, "in ", 3, &seconds));

  /* Without a unit in the pattern, the message's own counts. */
  line = "query took 250 ms";
  g_assert_true (ld_timing_pattern_match (free_unit, line, strlen (line), &seconds));
  g_assert_cmpfloat_with_epsilon (seconds, 0.25, 1e-12);
  line = "query took 2s";
  g_assert_true (ld_timing_pattern_match (free_unit, line, strlen (line), &seconds));
  g_assert_cmpfloat (seconds, ==, 2);

  /* The prefix's first byte, many times before it fits; a prefix cut by
   * the end of the text; and no prefix at all. */
  line = "iiiii ii i in in5s in 5s";
  g_assert_true (ld_timing_pattern_match (tutorial, line, strlen (line), &seconds));
  g_assert_cmpfloat (seconds, ==, 5);
  g_assert_false (ld_timing_pattern_match (tutorial, "done i", 6, &seconds));
  {
    g_autoptr(LdTimingPattern) suffix_only = ld_timing_pattern_new ("{duration}ms", NULL);

    line = "took 12ms";
    g_assert_true (ld_timing_pattern_match (suffix_only, line, strlen (line), &seconds));
    g_assert_cmpfloat_with_epsilon (seconds, 0.012, 1e-12);
    g_assert_false (ld_timing_pattern_match (suffix_only, "took 12s", 8, &seconds));
  }
}

static void
test_pattern_refused (void)
{
  const char *bad[] = {
    "", "in s", "{duration}", "  {duration}  ", "in {duration}s or {duration}ms",
    "in {duraton}s", "in {duration}s {", "a}{duration}", "in {Duration}s",
  };
  g_autofree char *filler = g_strnfill (300, 'x');
  g_autofree char *long_pattern = g_strconcat (filler, "{duration}", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("pattern %s", bad[i]);
      g_assert_null (ld_timing_pattern_new (bad[i], &error));
      g_assert_error (error, LD_TIMING_ERROR, LD_TIMING_ERROR_PATTERN);
    }

  {
    g_autoptr(GError) error = NULL;

    g_assert_null (ld_timing_pattern_new (long_pattern, &error));
    g_assert_error (error, LD_TIMING_ERROR, LD_TIMING_ERROR_PATTERN);
  }
}

/* A message of a megabyte of near-misses is read only as far as the scan
 * limit, and a match past it is not found. */
static void
test_pattern_bounded (void)
{
  g_autoptr(LdTimingPattern) pattern = ld_timing_pattern_new ("in in in {duration}s", NULL);
  GString *text = g_string_new (NULL);
  double seconds;
  gint64 start;

  while (text->len < 1000000)
    g_string_append (text, "in in in 1");
  start = g_get_monotonic_time ();
  g_assert_false (ld_timing_pattern_match (pattern, text->str, text->len, &seconds));
  g_string_append (text, "in in in 1s");
  g_assert_false (ld_timing_pattern_match (pattern, text->str, text->len, &seconds));
  g_test_message ("two megabyte scans: %" G_GINT64_FORMAT " µs", g_get_monotonic_time () - start);

  g_string_assign (text, "in in in 1s");
  g_assert_true (ld_timing_pattern_match (pattern, text->str, text->len, &seconds));
  g_string_free (text, TRUE);
}

static void
test_bins (void)
{
  for (guint i = 0; i < 10000; i++)
    {
      double seconds = exp (g_test_rand_double_range (log (1e-6), log (3600)));
      double back = ld_timing_bin_value (ld_timing_bin_for (seconds));

      g_assert_cmpfloat (fabs (back - seconds) / seconds, <=, MAX_RELATIVE_ERROR);
    }
  /* Bins are found from a table, not a logarithm: each edge is where the
   * logarithm puts it. */
  for (guint bin = 1; bin < LD_TIMING_N_BINS; bin++)
    {
      double edge = pow (1.04, bin - 1.0) * 1e-6;

      g_assert_cmpuint (ld_timing_bin_for (edge * (1 + 1e-9)), ==, bin);
      g_assert_cmpuint (ld_timing_bin_for (edge * (1 - 1e-9)), ==, bin - 1);
    }
  g_assert_cmpuint (ld_timing_bin_for (0), ==, 0);
  g_assert_cmpuint (ld_timing_bin_for (-1), ==, 0);
  g_assert_cmpuint (ld_timing_bin_for (INFINITY), ==, LD_TIMING_N_BINS - 1);
  g_assert_cmpuint (ld_timing_bin_for (NAN), ==, 0);
  g_assert_cmpuint (ld_timing_bin_for (1e30), ==, LD_TIMING_N_BINS - 1);
}

/* Random streams */

#define N_PATHS 40

/* Durations spread over six decades, some in a field and some only in the
 * message; records without any; and a time that moves forward with jitter. */
static LdBatch *
random_batch_every (gint64 *clock,
                    guint   count,
                    guint   max_step_us)
{
  LdBatch *batch = ld_batch_new ();

  for (guint i = 0; i < count; i++)
    {
      LdRecordFields fields = { 0 };
      double seconds = exp (g_test_rand_double_range (log (1e-5), log (30)));
      g_autofree char *message = NULL;
      g_autofree char *value = NULL;
      g_autofree char *path = g_strdup_printf ("/api/%d", g_test_rand_int_range (0, N_PATHS));
      int kind = g_test_rand_int_range (0, 4);

      *clock += g_test_rand_int_range (0, max_step_us);
      fields.time_us = *clock - g_test_rand_int_range (0, 2 * G_USEC_PER_SEC);
      fields.level = 20;
      fields.logger = kind == 3 ? "other" : "app.http";
      message = kind == 1 ? g_strdup_printf ("Request completed in %.6fs [avg=0.1s]", seconds)
                          : g_strdup ("Request completed");
      fields.message = message;
      ld_batch_add (batch, &fields);
      ld_batch_add_extra (batch, "path", -1, LD_VALUE_STRING, path, -1);
      if (kind == 0)
        {
          value = g_strdup_printf ("%.6f", seconds * 1000);
          ld_batch_add_extra (batch, "duration_ms", -1, LD_VALUE_NUMBER, value, -1);
        }
      else if (kind == 2)
        {
          value = g_strdup_printf ("%.3fus", seconds * 1e6);
          ld_batch_add_extra (batch, "latency", -1, LD_VALUE_STRING, value, -1);
        }
    }

  return batch;
}

static LdBatch *
random_batch (gint64 *clock,
              guint   count)
{
  return random_batch_every (clock, count, 30000);
}

typedef struct
{
  guint64 seq;
  gint64  second;
  double  seconds;
  char   *path;
} Truth;

static void
truth_clear (gpointer data)
{
  g_free (((Truth *) data)->path);
}

static GArray *
recount (LdStore               *store,
         const LdTimingPattern *pattern)
{
  GArray *truth = g_array_new (FALSE, FALSE, sizeof (Truth));
  guint64 first_seq = ld_store_get_first_seq (store);

  g_array_set_clear_func (truth, truth_clear);
  for (guint i = 0; i < ld_store_get_n_records (store); i++)
    {
      const LdRecord *record = ld_store_get_record (store, i);
      Truth entry = { first_seq + i, 0, 0, NULL };
      const char *path;
      gsize path_len;
      LdValueType type;

      if (!ld_timing_read_record (record, pattern, &entry.seconds))
        continue;
      entry.second = record->time_us / G_USEC_PER_SEC;
      g_assert_true (ld_record_get_extra (record, "path", &type, &path, &path_len));
      entry.path = g_strndup (path, path_len);
      g_array_append_val (truth, entry);
    }

  return truth;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

/* The nearest-rank percentile of @values, which it sorts. */
static double
exact_percentile (GArray *values,
                  double  fraction)
{
  guint64 rank;

  g_array_sort (values, compare_doubles);
  rank = CLAMP ((guint64) ceil (fraction * values->len), 1, values->len);
  return g_array_index (values, double, rank - 1);
}

static void
assert_close (double estimate,
              double exact)
{
  g_assert_cmpfloat (fabs (estimate - exact), <=, exact * MAX_RELATIVE_ERROR + 1e-12);
}

static void
check_columns (LdTiming *timing,
               GArray   *truth)
{
  gint64 first, last;
  guint column_seconds = g_test_rand_int_range (1, 30);
  guint n_columns;
  g_autofree LdTimingColumn *columns = NULL;

  if (truth->len == 0)
    {
      g_assert_false (ld_timing_get_time_range (timing, NULL, NULL));
      return;
    }
  g_assert_true (ld_timing_get_time_range (timing, &first, &last));
  n_columns = (last - first) / column_seconds + 1;
  columns = g_new (LdTimingColumn, n_columns);
  ld_timing_read_columns (timing, first, column_seconds, n_columns, columns);

  for (guint c = 0; c < n_columns; c++)
    {
      g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (double));

      for (guint i = 0; i < truth->len; i++)
        {
          const Truth *entry = &g_array_index (truth, Truth, i);

          if ((entry->second - first) / column_seconds == c)
            g_array_append_val (values, entry->seconds);
        }
      g_assert_cmpuint (columns[c].count, ==, values->len);
      if (values->len == 0)
        continue;
      assert_close (columns[c].p50, exact_percentile (values, 0.50));
      assert_close (columns[c].p95, exact_percentile (values, 0.95));
      assert_close (columns[c].p99, exact_percentile (values, 0.99));
    }

  /* A part of the range, as a chart zoomed in reads it (seconds looked up
   * rather than every stored second walked): the same columns. */
  {
    guint skip = n_columns / 3, n_part = MAX (1, n_columns / 4);
    g_autofree LdTimingColumn *part = g_new (LdTimingColumn, n_part);

    if (skip + n_part > n_columns)
      n_part = n_columns - skip;
    ld_timing_read_columns (timing, first + (gint64) skip * column_seconds, column_seconds,
                            n_part, part);
    for (guint c = 0; c < n_part; c++)
      {
        g_assert_cmpuint (part[c].count, ==, columns[skip + c].count);
        g_assert_cmpfloat (part[c].p50, ==, columns[skip + c].p50);
        g_assert_cmpfloat (part[c].p95, ==, columns[skip + c].p95);
        g_assert_cmpfloat (part[c].p99, ==, columns[skip + c].p99);
      }
  }
}

static void
check_groups (LdTiming *timing,
              GArray   *truth)
{
  g_autoptr(GArray) groups = ld_timing_dup_groups (timing);
  guint64 total = 0;

  for (guint g = 0; g < groups->len; g++)
    {
      const LdTimingGroup *group = &g_array_index (groups, LdTimingGroup, g);
      g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (double));

      g_assert_nonnull (group->name);   /* fewer paths than groups: no "other" */
      for (guint i = 0; i < truth->len; i++)
        if (strcmp (g_array_index (truth, Truth, i).path, group->name) == 0)
          g_array_append_val (values, g_array_index (truth, Truth, i).seconds);
      g_assert_cmpuint (group->count, ==, values->len);
      g_assert_cmpuint (group->count, >, 0);
      if (g > 0)
        g_assert_cmpuint (group->count, <=, g_array_index (groups, LdTimingGroup, g - 1).count);
      assert_close (group->p50, exact_percentile (values, 0.50));
      assert_close (group->p95, exact_percentile (values, 0.95));
      assert_close (group->p99, exact_percentile (values, 0.99));
      total += group->count;
    }
  g_assert_cmpuint (total, ==, truth->len);
}

static int
compare_slowest (gconstpointer a,
                 gconstpointer b)
{
  const Truth *x = a, *y = b;

  return x->seconds > y->seconds ? -1 : x->seconds < y->seconds;
}

static void
check_slowest (LdTiming *timing,
               GArray   *truth)
{
  g_autoptr(GArray) slowest = ld_timing_dup_slowest (timing);
  g_autoptr(GArray) sorted = g_array_copy (truth);

  g_array_set_clear_func (sorted, NULL);
  g_array_sort (sorted, compare_slowest);
  g_assert_cmpuint (slowest->len, ==, MIN (truth->len, LD_TIMING_N_SLOWEST));
  for (guint i = 0; i < slowest->len; i++)
    {
      g_assert_cmpuint (g_array_index (slowest, LdTimingSlow, i).seq, ==,
                        g_array_index (sorted, Truth, i).seq);
      /* Durations are kept as floats: 7 digits. */
      g_assert_cmpfloat (g_array_index (slowest, LdTimingSlow, i).seconds, ==,
                         (float) g_array_index (sorted, Truth, i).seconds);
    }
}

static void
check_timing (LdTiming        *timing,
              LdStore         *store,
              LdTimingPattern *pattern)
{
  g_autoptr(GArray) truth = NULL;

  /* The worker counts what the store holds now. */
  ld_timing_flush (timing);
  truth = recount (store, pattern);
  g_assert_cmpuint (ld_timing_get_n_durations (timing), ==, truth->len);
  check_columns (timing, truth);
  check_groups (timing, truth);
  check_slowest (timing, truth);
}

static void
count_signal (guint *count)
{
  (*count)++;
}

static void
test_random_streams (void)
{
  g_autoptr(LdStore) store = ld_store_new (3000);
  g_autoptr(LdTiming) timing = ld_timing_new ();
  g_autoptr(LdTimingPattern) pattern = ld_timing_pattern_new ("in {duration}s", NULL);
  gint64 clock = T0;
  guint n_changed = 0;

  ld_timing_set_group_key (timing, "path");
  ld_timing_attach_store (timing, store);
  g_signal_connect_swapped (timing, "changed", G_CALLBACK (count_signal), &n_changed);

  /* Fields first; then the pattern also reads the messages. */
  for (guint round = 0; round < 40; round++)
    {
      g_autoptr(LdBatch) batch = random_batch (&clock, g_test_rand_int_range (1, 300));

      if (round == 20)
        {
          g_assert_true (ld_timing_set_pattern (timing, "in {duration}s", NULL));
          ld_timing_flush (timing);
          check_timing (timing, store, pattern);
        }
      ld_store_append_batch (store, batch);
      check_timing (timing, store, round >= 20 ? pattern : NULL);
    }
  g_assert_cmpuint (ld_store_get_n_evicted (store), >, 0);
  g_assert_cmpuint (n_changed, >, 0);

  /* A batch bigger than the store, then a smaller store, then a clear. */
  {
    g_autoptr(LdBatch) batch = random_batch (&clock, 4000);

    ld_store_append_batch (store, batch);
    check_timing (timing, store, pattern);
  }
  ld_store_set_max_records (store, 321);
  check_timing (timing, store, pattern);
  ld_store_clear (store);
  check_timing (timing, store, pattern);
  g_assert_cmpuint (ld_timing_get_memory_size (timing), ==, 0);
}

/* The ledger is kept in blocks of LD_TIMING_LEDGER_BLOCK durations: a
 * store that holds a few blocks' worth, filled and evicted many times over
 * in batches of every size, so that appends and evictions cross block
 * boundaries at every offset, and blocks are emptied and used again. */
static void
test_ledger_blocks (void)
{
  g_autoptr(LdStore) store = ld_store_new (16000);
  g_autoptr(LdTiming) timing = ld_timing_new ();
  g_autoptr(LdTimingPattern) pattern = ld_timing_pattern_new ("in {duration}s", NULL);
  gint64 clock = T0;
  guint max_durations = 0;

  ld_timing_set_group_key (timing, "path");
  g_assert_true (ld_timing_set_pattern (timing, "in {duration}s", NULL));
  ld_timing_attach_store (timing, store);
  ld_timing_flush (timing);

  for (guint round = 0; round < 80; round++)
    {
      g_autoptr(LdBatch) batch = random_batch_every (&clock, g_test_rand_int_range (1, 2500),
                                                     3000);

      ld_store_append_batch (store, batch);
      check_timing (timing, store, pattern);
      max_durations = MAX (max_durations, ld_timing_get_n_durations (timing));
    }
  /* Three in four records have a duration: the live ones span blocks, and
   * far more than the store holds went through. */
  g_assert_cmpuint (max_durations, >, 2 * LD_TIMING_LEDGER_BLOCK);
  g_assert_cmpuint (ld_store_get_n_evicted (store), >, 2 * 16000);

  ld_store_clear (store);
  check_timing (timing, store, pattern);
  g_assert_cmpuint (ld_timing_get_memory_size (timing), ==, 0);
}

/* A field with a value per request costs a bounded number of groups. */
static void
test_groups_bounded (void)
{
  g_autoptr(LdStore) store = ld_store_new (0);
  g_autoptr(LdTiming) timing = ld_timing_new ();
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autoptr(GArray) groups = NULL;
  const LdTimingGroup *other;

  for (guint i = 0; i < 500; i++)
    {
      LdRecordFields fields = { .time_us = T0, .level = 20, .logger = "app", .message = "x" };
      g_autofree char *id = g_strdup_printf ("req-%u", i);

      ld_batch_add (batch, &fields);
      ld_batch_add_extra (batch, "request_id", -1, LD_VALUE_STRING, id, -1);
      ld_batch_add_extra (batch, "took", -1, LD_VALUE_NUMBER, "5", -1);
    }
  ld_store_append_batch (store, batch);
  ld_timing_attach_store (timing, store);
  ld_timing_set_group_key (timing, "request_id");
  ld_timing_flush (timing);

  groups = ld_timing_dup_groups (timing);
  g_assert_cmpuint (groups->len, ==, LD_TIMING_MAX_GROUPS + 1);
  other = &g_array_index (groups, LdTimingGroup, groups->len - 1);
  g_assert_null (other->name);
  g_assert_cmpuint (other->count, ==, 500 - LD_TIMING_MAX_GROUPS);
  assert_close (other->p99, 0.005);
  g_clear_pointer (&groups, g_array_unref);

  ld_timing_set_group_key (timing, "logger");
  ld_timing_flush (timing);
  groups = ld_timing_dup_groups (timing);
  g_assert_cmpuint (groups->len, ==, 1);
  g_assert_cmpstr (g_array_index (groups, LdTimingGroup, 0).name, ==, "app");
  g_assert_cmpuint (g_array_index (groups, LdTimingGroup, 0).count, ==, 500);
}

/* Two sets of counters agree exactly: the same durations in the same bins
 * of the same seconds, the same groups and the same slowest records. */
static void
assert_same_timing (LdTiming *timing,
                    LdTiming *once)
{
  g_autoptr(GArray) groups = ld_timing_dup_groups (timing);
  g_autoptr(GArray) once_groups = ld_timing_dup_groups (once);
  g_autoptr(GArray) slowest = ld_timing_dup_slowest (timing);
  g_autoptr(GArray) once_slowest = ld_timing_dup_slowest (once);
  gint64 first, last, once_first, once_last;

  g_assert_cmpuint (ld_timing_get_n_durations (timing), ==, ld_timing_get_n_durations (once));
  g_assert_cmpint (ld_timing_get_time_range (timing, &first, &last), ==,
                   ld_timing_get_time_range (once, &once_first, &once_last));
  if (ld_timing_get_n_durations (once) > 0)
    {
      guint n_columns = last - first + 1;
      g_autofree LdTimingColumn *columns = g_new (LdTimingColumn, n_columns);
      g_autofree LdTimingColumn *once_columns = g_new (LdTimingColumn, n_columns);

      g_assert_cmpint (first, ==, once_first);
      g_assert_cmpint (last, ==, once_last);
      ld_timing_read_columns (timing, first, 1, n_columns, columns);
      ld_timing_read_columns (once, first, 1, n_columns, once_columns);
      for (guint c = 0; c < n_columns; c++)
        {
          g_assert_cmpuint (columns[c].count, ==, once_columns[c].count);
          g_assert_cmpfloat (columns[c].p50, ==, once_columns[c].p50);
          g_assert_cmpfloat (columns[c].p95, ==, once_columns[c].p95);
          g_assert_cmpfloat (columns[c].p99, ==, once_columns[c].p99);
        }
    }

  g_assert_cmpuint (groups->len, ==, once_groups->len);
  for (guint g = 0; g < groups->len; g++)
    {
      const LdTimingGroup *group = &g_array_index (groups, LdTimingGroup, g);
      const LdTimingGroup *expected = &g_array_index (once_groups, LdTimingGroup, g);

      g_assert_cmpstr (group->name, ==, expected->name);
      g_assert_cmpuint (group->count, ==, expected->count);
      g_assert_cmpfloat (group->p50, ==, expected->p50);
      g_assert_cmpfloat (group->p95, ==, expected->p95);
      g_assert_cmpfloat (group->p99, ==, expected->p99);
    }

  g_assert_cmpuint (slowest->len, ==, once_slowest->len);
  for (guint i = 0; i < slowest->len; i++)
    {
      g_assert_cmpuint (g_array_index (slowest, LdTimingSlow, i).seq, ==,
                        g_array_index (once_slowest, LdTimingSlow, i).seq);
      g_assert_cmpfloat (g_array_index (slowest, LdTimingSlow, i).seconds, ==,
                         g_array_index (once_slowest, LdTimingSlow, i).seconds);
    }
}

static void
append_random (LdStore *store,
               gint64  *clock,
               guint    count)
{
  g_autoptr(LdBatch) batch = random_batch_every (clock, count, 3000);

  ld_store_append_batch (store, batch);
}

/* The first reading of a full store happens on the worker thread while
 * the UI thread goes on: records arrive and are evicted meanwhile, the
 * store shrinks, and the grouping field changes twice (each time starting
 * over). The counts end equal to those of a reading in one go, and to the
 * exact ones. Busy seconds (several hundred records) also take the dense
 * histograms' path. What the worker has read when each change comes
 * depends on the machine: the counts must not. */
static void
test_concurrent_recount (void)
{
  g_autoptr(LdStore) store = ld_store_new (320000);
  g_autoptr(LdTiming) timing = ld_timing_new ();
  g_autoptr(LdTiming) once = ld_timing_new ();
  g_autoptr(LdTimingPattern) pattern = ld_timing_pattern_new ("in {duration}s", NULL);
  gint64 clock = T0;
  guint n_changes = 0, n_evicted_meanwhile = 0, n_records, pending, n_seen_pending = 0;
  guint64 evicted_before;

  for (guint i = 0; i < 30; i++)
    append_random (store, &clock, 10000);
  ld_timing_set_group_key (timing, "path");
  g_assert_true (ld_timing_set_pattern (timing, "in {duration}s", NULL));
  ld_timing_attach_store (timing, store);
  n_records = ld_store_get_n_records (store);
  pending = ld_timing_get_pending (timing);
  g_assert_cmpuint (pending, <=, n_records);

  /* Records arrive, and the oldest go; the store shrinks; the grouping
   * field changes, which starts the reading over. */
  for (n_changes = 0; n_changes < 12; n_changes++)
    {
      guint now;

      evicted_before = ld_store_get_n_evicted (store);
      append_random (store, &clock, g_test_rand_int_range (1, n_changes == 0 ? 30000 : 5000));
      if (n_changes % 3 == 0)
        ld_store_set_max_records (store, ld_store_get_n_records (store)
                                         - g_test_rand_int_range (0, 2000));
      n_evicted_meanwhile += ld_store_get_n_evicted (store) - evicted_before;
      if (n_changes == 2)
        ld_timing_set_group_key (timing, "logger");
      else if (n_changes == 3)
        ld_timing_set_group_key (timing, "path");

      /* What is left to read never grows but by a new reading. */
      now = ld_timing_get_pending (timing);
      if (n_changes != 2 && n_changes != 3)
        g_assert_cmpuint (now, <=, pending);
      pending = now;
      n_seen_pending += pending > 0;
    }
  g_test_message ("%u changes, %u of them before the worker was done, %u records evicted "
                  "meanwhile", n_changes, n_seen_pending, n_evicted_meanwhile);
  g_assert_cmpuint (n_evicted_meanwhile, >, 0);

  ld_timing_flush (timing);
  g_assert_cmpuint (ld_timing_get_pending (timing), ==, 0);
  ld_timing_set_group_key (once, "path");
  g_assert_true (ld_timing_set_pattern (once, "in {duration}s", NULL));
  ld_timing_attach_store (once, store);
  ld_timing_flush (once);
  g_assert_cmpuint (ld_timing_get_pending (once), ==, 0);
  assert_same_timing (timing, once);
  check_timing (timing, store, pattern);

  /* Once read, new records are read as they come, and are never shown as
   * a reading in progress. */
  append_random (store, &clock, 5000);
  g_assert_cmpuint (ld_timing_get_pending (timing), ==, 0);
  check_timing (timing, store, pattern);
}

/* @count records of one request each, none with a duration. */
static void
append_quiet (LdStore *store,
              guint    count)
{
  g_autoptr(LdBatch) quiet = ld_batch_new ();

  for (guint i = 0; i < count; i++)
    {
      LdRecordFields fields = { .time_us = T0, .level = 20, .logger = "app", .message = "GET / 200" };

      ld_batch_add (quiet, &fields);
      ld_batch_add_extra (quiet, "path", -1, LD_VALUE_STRING, "/", -1);
    }
  ld_store_append_batch (store, quiet);
}

static void
run_main_context (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static gboolean
caught_up (LdTiming *timing,
           LdStore  *store)
{
  g_autoptr(GArray) truth = recount (store, NULL);

  return ld_timing_get_n_durations (timing) == truth->len;
}

/* The worker wakes the main context once for a batch read in several
 * steps, and not at all for records without a duration. Waited for
 * without ld_timing_flush(), which would emit a pending ::changed itself. */
static void
test_changed_once (void)
{
  g_autoptr(LdStore) store = ld_store_new (0);
  g_autoptr(LdTiming) timing = ld_timing_new ();
  g_autoptr(LdBatch) timed = NULL;
  gint64 clock = T0, deadline;
  guint n_changed = 0;

  ld_timing_set_group_key (timing, "path");
  ld_timing_attach_store (timing, store);
  ld_timing_flush (timing);
  run_main_context ();
  g_signal_connect_swapped (timing, "changed", G_CALLBACK (count_signal), &n_changed);

  append_quiet (store, 3000);
  ld_timing_flush (timing);
  run_main_context ();
  g_assert_cmpuint (n_changed, ==, 0);

  /* 5,000 records, about half with a duration: read in five steps. */
  timed = random_batch_every (&clock, 5000, 3000);
  ld_store_append_batch (store, timed);
  /* The main context is run as often as it can be: a ::changed per step
   * would be seen as such. */
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (!caught_up (timing, store) || n_changed == 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
    }
  run_main_context ();
  g_assert_cmpuint (n_changed, ==, 1);
  check_timing (timing, store, NULL);
}

static void
remember_pending (LdTiming *timing,
                  guint    *pending)
{
  *pending = ld_timing_get_pending (timing);
}

/* A reading of a store where no record has a duration ends with a
 * ::changed that says so (pending 0), though it counted nothing: the
 * panel's progress bar is taken down by it. */
static void
test_reading_ends_changed (void)
{
  g_autoptr(LdStore) store = ld_store_new (0);
  g_autoptr(LdTiming) timing = ld_timing_new ();
  guint pending_at_last = G_MAXUINT, n_changed = 0;
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  append_quiet (store, 300000);
  g_assert_true (ld_timing_set_pattern (timing, "in {duration}s", NULL));
  g_signal_connect (timing, "changed", G_CALLBACK (remember_pending), &pending_at_last);
  g_signal_connect_swapped (timing, "changed", G_CALLBACK (count_signal), &n_changed);
  ld_timing_attach_store (timing, store);

  while (ld_timing_get_pending (timing) > 0 || pending_at_last > 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
    }
  g_test_message ("%u ::changed for the reading", n_changed);
  g_assert_cmpuint (ld_timing_get_n_durations (timing), ==, 0);
}

static void
add_request (LdBatch    *batch,
             const char *path,
             const char *took_ms)
{
  LdRecordFields fields = { .time_us = T0, .level = 20, .logger = "app", .message = "done" };

  ld_batch_add (batch, &fields);
  ld_batch_add_extra (batch, "path", -1, LD_VALUE_STRING, path, -1);
  ld_batch_add_extra (batch, "took", -1, LD_VALUE_NUMBER, took_ms, -1);
}

static GArray *
read_groups (LdTiming *timing)
{
  ld_timing_flush (timing);
  return ld_timing_dup_groups (timing);
}

/* The busiest values are listed even when 60 others came first; a value
 * that enters the list later has the percentiles of all its durations,
 * those from before it entered included. */
static void
test_top_groups (void)
{
  g_autoptr(LdStore) store = ld_store_new (0);
  g_autoptr(LdTiming) timing = ld_timing_new ();
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autoptr(LdBatch) later = ld_batch_new ();
  g_autoptr(GArray) groups = NULL;
  const LdTimingGroup *group;

  for (guint i = 0; i < 60; i++)
    {
      g_autofree char *path = g_strdup_printf ("/early/%02u", i);

      add_request (batch, path, i == 59 ? "9000" : "1");
    }
  for (guint k = 0; k < 5; k++)
    for (guint n = 0; n < 10 + k; n++)
      {
        g_autofree char *path = g_strdup_printf ("/busy/%u", k);

        add_request (batch, path, "100");
      }
  ld_store_append_batch (store, batch);
  ld_timing_set_group_key (timing, "path");
  ld_timing_attach_store (timing, store);

  groups = read_groups (timing);
  g_assert_cmpuint (groups->len, ==, LD_TIMING_MAX_GROUPS + 1);
  for (guint k = 0; k < 5; k++)
    {
      g_autofree char *path = g_strdup_printf ("/busy/%u", 4 - k);

      group = &g_array_index (groups, LdTimingGroup, k);
      g_assert_cmpstr (group->name, ==, path);
      g_assert_cmpuint (group->count, ==, 14 - k);
      assert_close (group->p50, 0.1);
      assert_close (group->p99, 0.1);
    }
  /* Then 45 of the values seen once, by name; the other 15 are "other". */
  g_assert_cmpstr (g_array_index (groups, LdTimingGroup, 5).name, ==, "/early/00");
  g_assert_cmpstr (g_array_index (groups, LdTimingGroup, 49).name, ==, "/early/44");
  group = &g_array_index (groups, LdTimingGroup, 50);
  g_assert_null (group->name);
  g_assert_cmpuint (group->count, ==, 15);
  assert_close (group->p50, 0.001);
  assert_close (group->p99, 9);   /* /early/59's 9 s is in "other" */
  g_clear_pointer (&groups, g_array_unref);

  /* The last early value gets busy: it heads the list with its first
   * duration among its percentiles, and leaves "other". */
  for (guint n = 0; n < 20; n++)
    add_request (later, "/early/59", "7");
  ld_store_append_batch (store, later);
  groups = read_groups (timing);
  group = &g_array_index (groups, LdTimingGroup, 0);
  g_assert_cmpstr (group->name, ==, "/early/59");
  g_assert_cmpuint (group->count, ==, 21);
  assert_close (group->p50, 0.007);
  assert_close (group->p99, 9);
  group = &g_array_index (groups, LdTimingGroup, groups->len - 1);
  g_assert_null (group->name);
  g_assert_cmpuint (group->count, ==, 15);
  assert_close (group->p99, 0.001);
}

/* A value per request, far more than LD_TIMING_MAX_VALUES over the
 * session but fewer stored at once: the table turns over as records are
 * evicted, and busy values that come after thousands of others are
 * listed with exact counts. */
static void
test_groups_turn_over (void)
{
  g_autoptr(LdStore) store = ld_store_new (3000);
  g_autoptr(LdTiming) timing = ld_timing_new ();
  g_autoptr(GArray) groups = NULL;
  guint64 total = 0;

  ld_timing_set_group_key (timing, "path");
  ld_timing_attach_store (timing, store);
  for (guint round = 0; round < 10; round++)
    {
      g_autoptr(LdBatch) batch = ld_batch_new ();

      for (guint i = 0; i < 2000; i++)
        {
          g_autofree char *path = g_strdup_printf ("/request/%u", round * 2000 + i);

          add_request (batch, path, "3");
        }
      ld_store_append_batch (store, batch);
    }
  {
    g_autoptr(LdBatch) batch = ld_batch_new ();

    for (guint i = 0; i < 600; i++)
      add_request (batch, i % 3 == 0 ? "/busy/a" : "/busy/b", "50");
    ld_store_append_batch (store, batch);
  }

  groups = read_groups (timing);
  g_assert_cmpstr (g_array_index (groups, LdTimingGroup, 0).name, ==, "/busy/b");
  g_assert_cmpuint (g_array_index (groups, LdTimingGroup, 0).count, ==, 400);
  g_assert_cmpstr (g_array_index (groups, LdTimingGroup, 1).name, ==, "/busy/a");
  g_assert_cmpuint (g_array_index (groups, LdTimingGroup, 1).count, ==, 200);
  assert_close (g_array_index (groups, LdTimingGroup, 1).p50, 0.05);
  g_assert_null (g_array_index (groups, LdTimingGroup, LD_TIMING_MAX_GROUPS).name);
  for (guint g = 0; g < groups->len; g++)
    total += g_array_index (groups, LdTimingGroup, g).count;
  g_assert_cmpuint (total, ==, 3000);
  assert_close (g_array_index (groups, LdTimingGroup, groups->len - 1).p50, 0.003);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/timing/keys", test_keys);
  g_test_add_func ("/timing/values", test_values);
  g_test_add_func ("/timing/values-against-strtod", test_values_against_strtod);
  g_test_add_func ("/timing/pattern-numbers", test_pattern_numbers);
  g_test_add_func ("/timing/extras-walk", test_extras_walk);
  g_test_add_func ("/timing/pattern", test_pattern);
  g_test_add_func ("/timing/pattern-refused", test_pattern_refused);
  g_test_add_func ("/timing/pattern-bounded", test_pattern_bounded);
  g_test_add_func ("/timing/bins", test_bins);
  g_test_add_func ("/timing/random-streams", test_random_streams);
  g_test_add_func ("/timing/ledger-blocks", test_ledger_blocks);
  g_test_add_func ("/timing/groups-bounded", test_groups_bounded);
  g_test_add_func ("/timing/concurrent-recount", test_concurrent_recount);
  g_test_add_func ("/timing/changed-once", test_changed_once);
  g_test_add_func ("/timing/reading-ends-changed", test_reading_ends_changed);
  g_test_add_func ("/timing/top-groups", test_top_groups);
  g_test_add_func ("/timing/groups-turn-over", test_groups_turn_over);

  return g_test_run ();
}
