// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <string.h>

#include "ld-level.h"
#include "ld-loki-tail.h"

/* Grafana Loki's tail messages on their own, without a WebSocket: the
 * streams and their entries as Loki 2.9 and 3.x send them, nanosecond
 * timestamps, and what a broken server could send instead. */

/* 2024-05-01T12:30:00.000250123Z */
#define NS_0 "1714566600000250123"
#define US_0 G_GINT64_CONSTANT (1714566600000250)

typedef struct
{
  LdBatch *batch;
  guint    n_added;
  gboolean ok;
} Tail;

static const LdIngestOrigin origin = { { "ws-client-1", "loki.example:3100", "loki-tail", 0 }, NULL };

static Tail
add_message (const char *text)
{
  Tail tail = { ld_batch_new (), 0, FALSE };

  tail.ok = ld_loki_tail_add_message (tail.batch, text, strlen (text), &origin, &tail.n_added);
  return tail;
}

static void
tail_clear (Tail *tail)
{
  g_clear_pointer (&tail->batch, ld_batch_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Tail, tail_clear)

static LdRecord
record_at (const Tail *tail,
           guint       index)
{
  const char *text;
  LdRecord record;

  g_assert_cmpuint (index, <, ld_batch_get_length (tail->batch));
  record = *ld_batch_get_record (tail->batch, index, &text);
  record.text = text;
  return record;
}

static void
assert_message (const LdRecord *record,
                const char     *expected)
{
  gsize length;
  const char *text = ld_record_get_message (record, &length);

  g_assert_cmpmem (text, length, expected, strlen (expected));
}

static void
assert_message_has (const LdRecord *record,
                    const char     *part)
{
  gsize length;
  const char *text = ld_record_get_message (record, &length);
  g_autofree char *message = g_strndup (text, length);

  if (strstr (message, part) == NULL)
    g_error ("“%s” is not in the message “%s”", part, message);
}

static void
assert_extra (const LdRecord *record,
              const char     *key,
              LdValueType     type,
              const char     *expected)
{
  LdValueType got_type;
  const char *value;
  gsize length;

  g_assert_true (ld_record_get_extra (record, key, &got_type, &value, &length));
  g_assert_cmpint (got_type, ==, type);
  g_assert_cmpmem (value, length, expected, strlen (expected));
}

static void
test_detect (void)
{
  static const struct
  {
    const char *text;
    gboolean    is_tail;
  } cases[] = {
    { "{\"streams\":[]}", TRUE },
    { "  \n{ \"streams\" : [] }", TRUE },
    { "{\"streams\"", TRUE },
    /* Loki writes "streams" first; a push request is detected the same way. */
    { "{\"dropped_entries\":[],\"streams\":[]}", FALSE },
    { "{\"stream\":{}}", FALSE },
    { "{\"Streams\":[]}", FALSE },
    { "[{\"streams\":[]}]", FALSE },
    { "{\"msg\":\"a record\"}", FALSE },
    { "{", FALSE },
    { "", FALSE },
    { "   ", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpint (ld_loki_tail_detect (cases[i].text, strlen (cases[i].text)), ==,
                     cases[i].is_tail);

  /* Only @length bytes are looked at. */
  g_assert_false (ld_loki_tail_detect ("{\"streams\":[]}", 5));
}

/* Plain lines: the entry's time, level and logger from the usual labels,
 * every label as an extra field, entries in their order. */
static void
test_plain_lines (void)
{
  g_auto(Tail) tail = add_message (
    "{\"streams\":[{\"stream\":{\"job\":\"api\",\"level\":\"warn\",\"host\":\"h1\"},"
    "\"values\":[[\"" NS_0 "\",\"first line\"],[\"1714566600000251999\",\"second line\"]]},"
    "{\"stream\":{\"service_name\":\"web\",\"detected_level\":\"error\"},"
    "\"values\":[[\"1714566601000000000\",\"third line\"]]}]}");
  LdRecord record;

  g_assert_true (tail.ok);
  g_assert_cmpuint (tail.n_added, ==, 3);
  g_assert_cmpuint (ld_batch_get_length (tail.batch), ==, 3);

  record = record_at (&tail, 0);
  assert_message (&record, "first line");
  /* Nanoseconds are cut to microseconds, never rounded into the next. */
  g_assert_cmpint (record.time_us, ==, US_0);
  g_assert_cmpint (record.level, ==, LD_LEVEL_WARNING);
  g_assert_cmpstr (ld_intern_lookup (record.level_name), ==, "warn");
  g_assert_cmpstr (ld_intern_lookup (record.logger), ==, "api");
  g_assert_cmpstr (ld_intern_lookup (record.connection), ==, "ws-client-1");
  g_assert_cmpstr (ld_intern_lookup (record.peer), ==, "loki.example:3100");
  g_assert_cmpstr (ld_intern_lookup (record.protocol), ==, "loki-tail");
  assert_extra (&record, "job", LD_VALUE_STRING, "api");
  assert_extra (&record, "level", LD_VALUE_STRING, "warn");
  assert_extra (&record, "host", LD_VALUE_STRING, "h1");

  record = record_at (&tail, 1);
  assert_message (&record, "second line");
  g_assert_cmpint (record.time_us, ==, US_0 + 1);

  record = record_at (&tail, 2);
  assert_message (&record, "third line");
  g_assert_cmpint (record.time_us, ==, G_GINT64_CONSTANT (1714566601000000));
  g_assert_cmpint (record.level, ==, LD_LEVEL_ERROR);
  g_assert_cmpstr (ld_intern_lookup (record.logger), ==, "web");
}

/* A line that is a JSON object is a structured record: its own message and
 * level win over the labels, which are still added. */
static void
test_json_line (void)
{
  g_auto(Tail) tail = add_message (
    "{\"streams\":[{\"stream\":{\"job\":\"api\",\"level\":\"info\"},\"values\":["
    "[\"" NS_0 "\",\"{\\\"message\\\":\\\"from json\\\",\\\"level\\\":\\\"error\\\","
    "\\\"user\\\":\\\"bob\\\"}\"],"
    "[\"" NS_0 "\",\"{not json\"],"
    "[\"" NS_0 "\",\"  [1, 2]\"]]}]}");
  LdRecord record;

  g_assert_true (tail.ok);
  g_assert_cmpuint (tail.n_added, ==, 3);

  record = record_at (&tail, 0);
  assert_message (&record, "from json");
  g_assert_cmpint (record.level, ==, LD_LEVEL_ERROR);
  g_assert_cmpint (record.time_us, ==, US_0);
  assert_extra (&record, "user", LD_VALUE_STRING, "bob");
  assert_extra (&record, "job", LD_VALUE_STRING, "api");

  /* What only looks like JSON is a plain line. */
  record = record_at (&tail, 1);
  assert_message (&record, "{not json");
  g_assert_cmpint (record.level, ==, LD_LEVEL_INFO);
  record = record_at (&tail, 2);
  assert_message (&record, "  [1, 2]");
}

/* Labels that are not strings, and the structured metadata of Loki 3 as a
 * third element of an entry. */
static void
test_labels_and_metadata (void)
{
  g_auto(Tail) tail = add_message (
    "{\"streams\":[{\"stream\":{\"n\":5,\"ok\":true,\"obj\":{\"a\":[1]}},\"values\":["
    "[\"" NS_0 "\",\"with metadata\",{\"trace_id\":\"abc123\",\"pod\":\"p-1\"}],"
    "[\"" NS_0 "\",\"metadata not an object\",[\"x\"]]]}]}");
  LdRecord record;

  g_assert_true (tail.ok);
  g_assert_cmpuint (tail.n_added, ==, 2);

  record = record_at (&tail, 0);
  assert_message (&record, "with metadata");
  assert_extra (&record, "n", LD_VALUE_NUMBER, "5");
  assert_extra (&record, "ok", LD_VALUE_NUMBER, "true");
  assert_extra (&record, "obj", LD_VALUE_JSON, "{\"a\":[1]}");
  assert_extra (&record, "trace_id", LD_VALUE_STRING, "abc123");
  assert_extra (&record, "pod", LD_VALUE_STRING, "p-1");
  /* No level label: the level is not known. */
  g_assert_cmpint (record.level, ==, LD_LEVEL_NOTSET);
  g_assert_null (ld_intern_lookup (record.logger));

  record = record_at (&tail, 1);
  g_assert_cmpuint (ld_record_n_extras (&record), ==, 3);
}

/* Timestamps that cannot be read give the time of arrival, and so do those
 * before 1970, which Loki does not store. */
static void
test_timestamps (void)
{
  gint64 before = g_get_real_time (), after;
  g_auto(Tail) tail = add_message (
    "{\"streams\":[{\"stream\":{},\"values\":["
    "[\"0\",\"zero\"],"
    "[\"abc\",\"not a number\"],"
    "[1714566600000250123,\"a JSON number\"],"
    "[\"99999999999999999999\",\"too big\"],"
    "[\"-1500000\",\"before 1970\"],"
    "[\"1999\",\"under a microsecond past\"],"
    "[\"9223372036854775807\",\"the last one\"]]}]}");
  LdRecord record;

  after = g_get_real_time ();
  g_assert_true (tail.ok);
  g_assert_cmpuint (tail.n_added, ==, 7);

  for (guint i = 0; i < 5; i++)
    {
      record = record_at (&tail, i);
      g_assert_cmpint (record.time_us, >=, before);
      g_assert_cmpint (record.time_us, <=, after);
    }
  g_assert_cmpint (record_at (&tail, 5).time_us, ==, 1);
  g_assert_cmpint (record_at (&tail, 6).time_us, ==, G_MAXINT64 / 1000);
}

/* Entries of the wrong shape are skipped, and the good ones around them
 * kept; a message without streams adds nothing and is no error. */
static void
test_malformed_entries (void)
{
  g_auto(Tail) tail = add_message (
    "{\"streams\":[\"not an object\",{\"stream\":{}},{\"values\":{}},"
    "{\"stream\":\"labels\",\"values\":[\"entry\",[],[\"" NS_0 "\"],[\"" NS_0 "\",42],"
    "[\"" NS_0 "\",null],[\"" NS_0 "\",\"kept\"]]}]}");
  g_auto(Tail) empty = add_message ("{\"streams\":[]}");
  g_auto(Tail) none = add_message ("{\"other\":1}");
  g_auto(Tail) wrong = add_message ("{\"streams\":{\"values\":[]}}");
  LdRecord record;

  g_assert_true (tail.ok);
  g_assert_cmpuint (tail.n_added, ==, 1);
  g_assert_cmpuint (ld_batch_get_length (tail.batch), ==, 1);
  record = record_at (&tail, 0);
  assert_message (&record, "kept");

  g_assert_true (empty.ok);
  g_assert_cmpuint (empty.n_added, ==, 0);
  g_assert_cmpuint (ld_batch_get_length (empty.batch), ==, 0);
  g_assert_true (none.ok);
  g_assert_cmpuint (ld_batch_get_length (none.batch), ==, 0);
  g_assert_true (wrong.ok);
  g_assert_cmpuint (ld_batch_get_length (wrong.batch), ==, 0);
}

/* What is not a JSON object is refused, with an error record that quotes
 * it. */
static void
test_not_a_message (void)
{
  static const char *const texts[] = {
    "not json", "[{\"streams\":[]}]", "\"streams\"", "{\"streams\":[", "null",
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_auto(Tail) tail = add_message (texts[i]);
      LdRecord record;

      g_assert_false (tail.ok);
      g_assert_cmpuint (tail.n_added, ==, 0);
      g_assert_cmpuint (ld_batch_get_length (tail.batch), ==, 1);
      record = record_at (&tail, 0);
      g_assert_cmpint (record.level, ==, LD_LEVEL_ERROR);
      assert_message_has (&record, "ws-client-1: invalid Loki tail message");
      assert_message_has (&record, texts[i]);
    }
}

/* An empty message is no tail message either. */
static void
test_empty_message (void)
{
  if (g_test_subprocess ())
    {
      g_auto(Tail) empty = add_message ("");
      g_auto(Tail) blank = add_message (" \n");

      g_assert_false (empty.ok);
      g_assert_cmpuint (ld_batch_get_length (empty.batch), ==, 1);
      g_assert_false (blank.ok);
      g_assert_cmpuint (ld_batch_get_length (blank.batch), ==, 1);
      return;
    }

  /* An empty document has no root: no warning, only the error record. */
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* Entries Loki dropped are counted in one warning, after the records, with
 * the first one's time and labels; they are not records themselves. */
static void
test_dropped_entries (void)
{
  g_auto(Tail) tail = add_message (
    "{\"streams\":[{\"stream\":{},\"values\":[[\"" NS_0 "\",\"kept\"]]}],"
    "\"dropped_entries\":[{\"labels\":{\"job\":\"api\"},\"timestamp\":\"1714566600000000000\"},"
    "{\"labels\":{\"job\":\"api\"},\"timestamp\":\"1714566600500000000\"},{}]}");
  g_auto(Tail) none_dropped = add_message ("{\"streams\":[],\"dropped_entries\":[]}");
  g_auto(Tail) odd = add_message ("{\"streams\":[],\"dropped_entries\":[\"x\"]}");
  LdRecord record;

  g_assert_true (tail.ok);
  g_assert_cmpuint (tail.n_added, ==, 1);
  g_assert_cmpuint (ld_batch_get_length (tail.batch), ==, 2);
  record = record_at (&tail, 1);
  g_assert_cmpint (record.level, ==, LD_LEVEL_WARNING);
  assert_message_has (&record, "ws-client-1: Loki dropped 3 entries");
  assert_message_has (&record, "2024-05-01T12:30:00");
  assert_message_has (&record, "labels {\"job\":\"api\"}");

  g_assert_cmpuint (ld_batch_get_length (none_dropped.batch), ==, 0);
  /* What is known of the gap is only its size. */
  g_assert_cmpuint (ld_batch_get_length (odd.batch), ==, 1);
  record = record_at (&odd, 0);
  assert_message_has (&record, "Loki dropped 1 entries");
  assert_message_has (&record, "labels {}");
}

/* A big message: every entry, in order. */
static void
test_many_entries (void)
{
  g_autoptr(GString) text = g_string_new ("{\"streams\":[{\"stream\":{\"job\":\"bulk\"},"
                                          "\"values\":[");
  guint n = 20000;
  g_auto(Tail) tail = { 0 };

  for (guint i = 0; i < n; i++)
    g_string_append_printf (text, "%s[\"%u000\",\"line %u\"]", i > 0 ? "," : "", 1000000 + i, i);
  g_string_append (text, "]}]}");

  tail = add_message (text->str);
  g_assert_true (tail.ok);
  g_assert_cmpuint (tail.n_added, ==, n);
  g_assert_cmpuint (ld_batch_get_length (tail.batch), ==, n);
  for (guint i = 0; i < n; i += 997)
    {
      g_autofree char *expected = g_strdup_printf ("line %u", i);
      LdRecord record = record_at (&tail, i);

      assert_message (&record, expected);
      g_assert_cmpint (record.time_us, ==, 1000000 + i);
    }
}

/* The connection's limiter bounds the error records of a flood of bad
 * messages. */
static void
test_errors_limited (void)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();
  LdIngestOrigin limited = origin;
  LdProblemLimiter all, connection;
  guint n_added;

  ld_problem_limiter_init (&all, NULL);
  ld_problem_limiter_init (&connection, &all);
  limited.limiter = &connection;
  for (guint i = 0; i < 1000; i++)
    g_assert_false (ld_loki_tail_add_message (batch, "bad", 3, &limited, &n_added));

  /* A burst, and a little more if the clock moved on meanwhile. */
  g_assert_cmpuint (ld_batch_get_length (batch), >=, LD_PROBLEMS_BURST);
  g_assert_cmpuint (ld_batch_get_length (batch), <, 2 * LD_PROBLEMS_BURST);
  g_assert_cmpuint (connection.n_suppressed, ==, 1000 - ld_batch_get_length (batch));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/loki-tail/detect", test_detect);
  g_test_add_func ("/loki-tail/plain-lines", test_plain_lines);
  g_test_add_func ("/loki-tail/json-line", test_json_line);
  g_test_add_func ("/loki-tail/labels-and-metadata", test_labels_and_metadata);
  g_test_add_func ("/loki-tail/timestamps", test_timestamps);
  g_test_add_func ("/loki-tail/malformed-entries", test_malformed_entries);
  g_test_add_func ("/loki-tail/not-a-message", test_not_a_message);
  g_test_add_func ("/loki-tail/empty-message", test_empty_message);
  g_test_add_func ("/loki-tail/dropped-entries", test_dropped_entries);
  g_test_add_func ("/loki-tail/many-entries", test_many_entries);
  g_test_add_func ("/loki-tail/errors-limited", test_errors_limited);

  return g_test_run ();
}
