// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "ld-intern.h"
#include "ld-json-normalize.h"

/* Every shape has a fixture in tests/json-dialects/: NAME.jsonl holds the line a sender
 * writes, NAME.expected.json the dialect it must be read as and the canonical fields of each
 * record, read here with json-glib so that the parser under test does not check itself.  A
 * canonical field the file leaves out must be absent; "extra" lists every extra field as
 * [type, text]. */
/* Test inputs may hold invalid UTF-8; the TAP stream must not. */
static void
test_message_escaped (const char *text)
{
  g_autofree char *escaped = g_strescape (text, "\"");

  g_test_message ("%s", escaped);
}

static const char *fixtures[] = {
  "python", "python-exception", "python-json-logger", "websockets", "structlog", "slog",
  "logrus", "zap", "pino", "bunyan", "clef", "gelf", "ecs", "otlp", "otlp-export", "vector",
  "fluent-bit", "logdeck", "generic",
};

static const LdJsonContext fixture_context = {
  .origin = { .connection = "ws-1", .peer = "127.0.0.1:40000", .protocol = "ws" },
};

/* A record with its text attached, as the store would hand it out. */
static LdRecord
get_record (const LdBatch *batch,
            guint          index)
{
  const char *text;
  LdRecord record = *ld_batch_get_record (batch, index, &text);

  record.text = text;
  return record;
}

static LdBatch *
normalize_ok (const char          *text,
              const LdJsonContext *ctx,
              guint                expected)
{
  LdBatch *batch = ld_batch_new ();
  g_autoptr(GError) error = NULL;

  guint added = ld_json_normalize (batch, text, strlen (text), ctx, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (added, ==, expected);
  g_assert_cmpuint (ld_batch_get_length (batch), ==, expected);
  return batch;
}

static LdRecord
normalize_one (LdBatch    **batch,
               const char  *text)
{
  *batch = normalize_ok (text, &fixture_context, 1);
  return get_record (*batch, 0);
}

static void
assert_interned (guint32     id,
                 const char *expected)
{
  g_assert_cmpstr (ld_intern_lookup (id), ==, expected);
}

static void
assert_text (const char *text,
             gsize       len,
             const char *expected)
{
  g_autofree char *copy = g_strndup (text, len);

  g_assert_cmpstr (copy, ==, expected != NULL ? expected : "");
}

static void
assert_message (const LdRecord *record,
                const char     *expected)
{
  gsize len;
  const char *text = ld_record_get_message (record, &len);

  assert_text (text, len, expected);
}

static void
assert_stack (const LdRecord *record,
              const char     *expected)
{
  gsize len;
  const char *text = ld_record_get_stack (record, &len);

  assert_text (text, len, expected);
}

static void
assert_extra (const LdRecord *record,
              const char     *key,
              LdValueType     type,
              const char     *text)
{
  LdValueType found_type;
  const char *value;
  gsize len;

  if (!ld_record_get_extra (record, key, &found_type, &value, &len))
    g_error ("no extra field %s", key);
  g_assert_cmpint (found_type, ==, type);
  assert_text (value, len, text);
}

static const char *
member_string (JsonObject *object,
               const char *name)
{
  return json_object_has_member (object, name) ? json_object_get_string_member (object, name)
                                               : NULL;
}

static gint64
member_int (JsonObject *object,
            const char *name)
{
  return json_object_has_member (object, name) ? json_object_get_int_member (object, name) : 0;
}

static void
check_time (const LdRecord *record,
            JsonObject     *expected)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_iso8601 (member_string (expected, "time"),
                                                            NULL);

  g_assert_cmpint (record->time_us, ==, member_int (expected, "time_us"));
  g_assert_cmpint (g_date_time_to_unix (time) * G_USEC_PER_SEC
                   + g_date_time_get_microsecond (time), ==, record->time_us);
}

static void
check_texts (const LdRecord *record,
             JsonObject     *expected)
{
  gsize len;
  const char *text;

  text = ld_record_get_message (record, &len);
  assert_text (text, len, member_string (expected, "message"));
  text = ld_record_get_exception (record, &len);
  assert_text (text, len, member_string (expected, "exception"));
  text = ld_record_get_stack (record, &len);
  assert_text (text, len, member_string (expected, "stack"));
}

static void
check_fields (const LdRecord *record,
              JsonObject     *expected)
{
  g_assert_cmpint (record->level, ==, member_int (expected, "level"));
  assert_interned (record->level_name, member_string (expected, "level_name"));
  assert_interned (record->logger, member_string (expected, "logger"));
  assert_interned (record->thread, member_string (expected, "thread"));
  g_assert_cmpint (record->thread_id, ==, member_int (expected, "thread_id"));
  g_assert_cmpint (record->process, ==, member_int (expected, "process"));
  assert_interned (record->process_name, member_string (expected, "process_name"));
  assert_interned (record->task, member_string (expected, "task"));
  assert_interned (record->file, member_string (expected, "file"));
  g_assert_cmpint (record->line, ==, member_int (expected, "line"));
  assert_interned (record->function, member_string (expected, "function"));
  assert_interned (record->connection, member_string (expected, "connection"));
  assert_interned (record->peer, member_string (expected, "peer"));
  assert_interned (record->protocol, member_string (expected, "protocol"));
  assert_interned (record->host, member_string (expected, "host"));
  assert_interned (record->service, member_string (expected, "service"));
}

static void
check_extras (const LdRecord *record,
              JsonObject     *expected)
{
  JsonObject *extras = json_object_get_object_member (expected, "extra");
  g_autoptr(GList) names = json_object_get_members (extras);

  g_assert_cmpuint (ld_record_n_extras (record), ==, g_list_length (names));
  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonArray *pair = json_object_get_array_member (extras, l->data);

      assert_extra (record, l->data, json_array_get_string_element (pair, 0)[0],
                    json_array_get_string_element (pair, 1));
    }
}

static void
check_fixture (const char *name)
{
  g_autofree char *line_path = g_test_build_filename (G_TEST_DIST, "json-dialects",
                                                      NULL);
  g_autofree char *jsonl = g_strconcat (line_path, "/", name, ".jsonl", NULL);
  g_autofree char *expected_path = g_strconcat (line_path, "/", name, ".expected.json", NULL);
  g_autofree char *text = NULL;
  g_autoptr(JsonParser) json = json_parser_new ();
  g_autoptr(LdJsonParser) parser = ld_json_parser_new ();
  g_autoptr(LdBatch) batch = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *expected;
  JsonArray *records;
  gsize len, offset = 0;

  g_test_message ("fixture %s", name);
  g_assert_true (g_file_get_contents (jsonl, &text, &len, &error));
  g_assert_true (json_parser_load_from_file (json, expected_path, &error));
  expected = json_node_get_object (json_parser_get_root (json));
  records = json_object_get_array_member (expected, "records");

  g_assert_cmpstr (ld_json_detect_dialect (ld_json_parser_parse (parser, text, len, &offset,
                                                                 NULL)),
                   ==, member_string (expected, "dialect"));

  batch = normalize_ok (text, &fixture_context, json_array_get_length (records));
  for (guint i = 0; i < json_array_get_length (records); i++)
    {
      LdRecord record = get_record (batch, i);
      JsonObject *fields = json_array_get_object_element (records, i);

      check_time (&record, fields);
      check_texts (&record, fields);
      check_fields (&record, fields);
      check_extras (&record, fields);
    }
}

static void
test_dialect_fixtures (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (fixtures); i++)
    check_fixture (fixtures[i]);
}

/* The fixtures again, all in one newline-delimited text and as one array. */
static void
test_fixtures_together (void)
{
  g_autofree char *dir = g_test_build_filename (G_TEST_DIST, "json-dialects", NULL);
  g_autoptr(GString) lines = g_string_new (NULL);
  g_autoptr(GString) array = g_string_new ("[");
  g_autoptr(LdBatch) from_lines = NULL;
  g_autoptr(LdBatch) from_array = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (fixtures); i++)
    {
      g_autofree char *path = g_strconcat (dir, "/", fixtures[i], ".jsonl", NULL);
      g_autofree char *text = NULL;

      g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
      g_string_append (lines, text);
      g_strchomp (text);
      g_string_append_printf (array, "%s%s", i > 0 ? ",\n  " : "", text);
    }
  g_string_append (array, "]");

  /* otlp-export holds two records. */
  from_lines = normalize_ok (lines->str, NULL, G_N_ELEMENTS (fixtures) + 1);
  from_array = normalize_ok (array->str, NULL, G_N_ELEMENTS (fixtures) + 1);
  g_assert_cmpuint (ld_batch_get_text_size (from_lines), ==,
                    ld_batch_get_text_size (from_array));
}

typedef struct
{
  const char *text;
  gint64      time_us;
} TimeCase;

static void
test_iso8601 (void)
{
  static const TimeCase good[] = {
    { "2025-11-20T12:30:00Z", 1763641800000000 },
    { "2025-11-20T12:30:00z", 1763641800000000 },
    { "2025-11-20T12:30:00", 1763641800000000 },
    { "2025-11-20 12:30:00", 1763641800000000 },
    { "2025-11-20T12:30", 1763641800000000 },
    { "2025-11-20", 1763596800000000 },
    { "2025-11-20T14:30:00+02:00", 1763641800000000 },
    { "2025-11-20T14:30:00+0200", 1763641800000000 },
    { "2025-11-20T14:30:00+02", 1763641800000000 },
    { "2025-11-20T07:00:00-05:30", 1763641800000000 },
    { "2025-11-20T12:30:00.1Z", 1763641800100000 },
    { "2025-11-20T12:30:00.12Z", 1763641800120000 },
    { "2025-11-20T12:30:00.123Z", 1763641800123000 },
    { "2025-11-20T12:30:00.1234Z", 1763641800123400 },
    { "2025-11-20T12:30:00.12345Z", 1763641800123450 },
    { "2025-11-20T12:30:00.123456Z", 1763641800123456 },
    { "2025-11-20T12:30:00.1234567Z", 1763641800123456 },
    { "2025-11-20T12:30:00.12345678", 1763641800123456 },
    { "2025-11-20T12:30:00.123456789+00:00", 1763641800123456 },
    { "2025-11-20 12:30:00,123", 1763641800123000 },
    { "1970-01-01T00:00:00Z", 0 },
    { "1969-12-31T23:59:59.5Z", -500000 },
    { "2024-02-29T00:00:00Z", 1709164800000000 },
    { "2000-03-01T00:00:00Z", 951868800000000 },
  };
  static const char *bad[] = {
    "", "2025", "2025-11", "2025-13-01", "2025-02-30", "2023-02-29", "2025-11-20T25:00:00",
    "2025-11-20T12:61:00", "2025-11-20T12:30:00.", "2025-11-20T12:30:00Zjunk",
    "2025-11-20T12:30:00+2", "2025-11-20X12:30:00", "20251120T123000Z", "2025-11-20T12:30:00+24:00",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      gint64 time_us = -1;

      test_message_escaped (good[i].text);
      g_assert_true (ld_json_parse_iso8601 (good[i].text, strlen (good[i].text), &time_us));
      g_assert_cmpint (time_us, ==, good[i].time_us);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      gint64 time_us = 7;

      test_message_escaped (bad[i]);
      g_assert_false (ld_json_parse_iso8601 (bad[i], strlen (bad[i]), &time_us));
      g_assert_cmpint (time_us, ==, 7);
    }
}

static void
test_epoch (void)
{
  static const struct { const char *text; LdJsonTimeUnit unit; gint64 time_us; } good[] = {
    { "1763641800", LD_JSON_TIME_SECONDS, 1763641800000000 },
    { "1763641800.5", LD_JSON_TIME_SECONDS, 1763641800500000 },
    { "1763641800.1234567", LD_JSON_TIME_SECONDS, 1763641800123457 },
    { "1763641800.1234564", LD_JSON_TIME_SECONDS, 1763641800123456 },
    { "1.7636418e9", LD_JSON_TIME_SECONDS, 1763641800000000 },
    { "1763641800123", LD_JSON_TIME_MILLISECONDS, 1763641800123000 },
    { "1763641800123.5", LD_JSON_TIME_MILLISECONDS, 1763641800123500 },
    { "1763641800123456", LD_JSON_TIME_MICROSECONDS, 1763641800123456 },
    { "1763641800123456789", LD_JSON_TIME_NANOSECONDS, 1763641800123457 },
    { "-1.5", LD_JSON_TIME_SECONDS, -1500000 },
    { "0", LD_JSON_TIME_SECONDS, 0 },
    { "1763641800", LD_JSON_TIME_BY_MAGNITUDE, 1763641800000000 },
    { "1763641800.25", LD_JSON_TIME_BY_MAGNITUDE, 1763641800250000 },
    { "1763641800123", LD_JSON_TIME_BY_MAGNITUDE, 1763641800123000 },
    { "1763641800123456", LD_JSON_TIME_BY_MAGNITUDE, 1763641800123456 },
    { "1763641800123456789", LD_JSON_TIME_BY_MAGNITUDE, 1763641800123457 },
    { "99999999999", LD_JSON_TIME_BY_MAGNITUDE, 99999999999000000 },
    { "100000000000", LD_JSON_TIME_BY_MAGNITUDE, 100000000000000 },
  };
  static const char *bad[] = { "", "-", ".", "abc", "12abc", "1e", "NaN", "1e400", "9e30" };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      gint64 time_us = -1;

      test_message_escaped (good[i].text);
      g_assert_true (ld_json_parse_epoch (good[i].text, strlen (good[i].text), good[i].unit,
                                          &time_us));
      g_assert_cmpint (time_us, ==, good[i].time_us);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      gint64 time_us = 7;

      test_message_escaped (bad[i]);
      g_assert_false (ld_json_parse_epoch (bad[i], strlen (bad[i]), LD_JSON_TIME_SECONDS,
                                           &time_us));
    }
}

/* The unit comes from the key: the same digits mean different times in different shapes. */
static void
test_time_by_dialect (void)
{
  static const TimeCase cases[] = {
    { "{\"msg\": \"x\", \"level\": 30, \"time\": 1763641800123}", 1763641800123000 },
    { "{\"msg\": \"x\", \"level\": 30, \"time\": \"1763641800123\"}", 1763641800123000 },
    { "{\"msg\": \"x\", \"level\": 30, \"time\": \"2025-11-20T12:30:00.123Z\"}",
      1763641800123000 },
    { "{\"msg\": \"x\", \"ts\": 1763641800.123}", 1763641800123000 },
    { "{\"msg\": \"x\", \"ts\": \"1763641800.123\"}", 1763641800123000 },
    { "{\"timeUnixNano\": \"1763641800123456789\"}", 1763641800123457 },
    { "{\"timeUnixNano\": 1763641800123456789}", 1763641800123457 },
    { "{\"timeUnixNano\": \"0\", \"observedTimeUnixNano\": \"1763641800000000000\"}",
      1763641800000000 },
    { "{\"short_message\": \"x\", \"timestamp\": 1763641800.000001}", 1763641800000001 },
    { "{\"levelno\": 20, \"created\": 1763641800}", 1763641800000000 },
    { "{\"message\": \"x\", \"timestamp\": 1763641800}", 1763641800000000 },
    { "{\"message\": \"x\", \"timestamp\": 1763641800123}", 1763641800123000 },
    { "{\"message\": \"x\", \"timestamp\": 1763641800123456}", 1763641800123456 },
    { "{\"message\": \"x\", \"timestamp\": \"2025-11-20T14:30:00+02:00\"}", 1763641800000000 },
    { "{\"date\": 1763641800.5, \"log\": \"x\"}", 1763641800500000 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(LdBatch) batch = NULL;
      LdRecord record;

      test_message_escaped (cases[i].text);
      record = normalize_one (&batch, cases[i].text);
      g_assert_cmpint (record.time_us, ==, cases[i].time_us);
    }
}

/* Without a readable time a record gets the time it was read, and keeps what it had. */
static void
test_time_missing (void)
{
  g_autoptr(LdBatch) batch = NULL;
  gint64 before = g_get_real_time (), after;
  LdRecord record = normalize_one (&batch, "{\"message\": \"x\", \"time\": \"yesterday\"}");

  LdJsonContext ctx = { .origin.received_us = 42 };
  g_autoptr(LdBatch) received = NULL;

  after = g_get_real_time ();
  g_assert_cmpint (record.time_us, >=, before);
  g_assert_cmpint (record.time_us, <=, after);
  assert_extra (&record, "time", LD_VALUE_STRING, "yesterday");

  received = normalize_ok ("{\"message\": \"x\"}", &ctx, 1);
  g_assert_cmpint (get_record (received, 0).time_us, ==, 42);
}

typedef struct
{
  const char *text;
  int         level;
  const char *level_name;
} LevelCase;

static void
check_levels (const LevelCase *cases,
              guint            n_cases)
{
  for (guint i = 0; i < n_cases; i++)
    {
      g_autoptr(LdBatch) batch = NULL;
      LdRecord record;

      test_message_escaped (cases[i].text);
      record = normalize_one (&batch, cases[i].text);
      g_assert_cmpint (record.level, ==, cases[i].level);
      assert_interned (record.level_name, cases[i].level_name);
    }
}

static void
test_levels_slog (void)
{
  static const LevelCase cases[] = {
    { "{\"time\": \"2025-11-20T12:30:00Z\", \"level\": \"DEBUG\", \"msg\": \"x\"}", 10, "DEBUG" },
    { "{\"time\": \"2025-11-20T12:30:00Z\", \"level\": \"INFO\", \"msg\": \"x\"}", 20, "INFO" },
    { "{\"time\": \"2025-11-20T12:30:00Z\", \"level\": \"INFO+2\", \"msg\": \"x\"}", 25, "INFO+2" },
    { "{\"time\": \"2025-11-20T12:30:00Z\", \"level\": \"INFO+1\", \"msg\": \"x\"}", 22, "INFO+1" },
    { "{\"time\": \"2025-11-20T12:30:00Z\", \"level\": \"WARN\", \"msg\": \"x\"}", 30, "WARN" },
    { "{\"time\": \"2025-11-20T12:30:00Z\", \"level\": \"ERROR\", \"msg\": \"x\"}", 40, "ERROR" },
    { "{\"time\": \"2025-11-20T12:30:00Z\", \"level\": \"ERROR+4\", \"msg\": \"x\"}", 50,
      "ERROR+4" },
    { "{\"time\": \"2025-11-20T12:30:00Z\", \"level\": \"DEBUG-4\", \"msg\": \"x\"}", 0,
      "DEBUG-4" },
    { "{\"time\": \"2025-11-20T12:30:00Z\", \"level\": \"DEBUG-1\", \"msg\": \"x\"}", 7,
      "DEBUG-1" },
    { "{\"time\": \"2025-11-20T12:30:00Z\", \"source\": {}, \"level\": 8, \"msg\": \"x\"}",
      40, "ERROR" },
    { "{\"time\": \"2025-11-20T12:30:00Z\", \"source\": {}, \"level\": -4, \"msg\": \"x\"}",
      10, "DEBUG" },
    /* logrus writes the same keys with its own names */
    { "{\"time\": \"2025-11-20T12:30:00Z\", \"level\": \"warning\", \"msg\": \"x\"}", 30,
      "warning" },
    { "{\"time\": \"2025-11-20T12:30:00Z\", \"level\": \"panic\", \"msg\": \"x\"}", 60, "panic" },
    { "{\"time\": \"2025-11-20T12:30:00Z\", \"level\": \"trace\", \"msg\": \"x\"}", 5, "trace" },
  };

  check_levels (cases, G_N_ELEMENTS (cases));
  g_assert_cmpint (ld_json_level_from_slog (2), ==, 25);
  g_assert_cmpint (ld_json_level_from_slog (-1), ==, 17);
  g_assert_cmpint (ld_json_level_from_slog (12), ==, 50);
}

static void
test_levels_pino (void)
{
  static const LevelCase cases[] = {
    { "{\"level\": 10, \"msg\": \"x\"}", 5, "TRACE" },
    { "{\"level\": 20, \"msg\": \"x\"}", 10, "DEBUG" },
    { "{\"level\": 30, \"msg\": \"x\"}", 20, "INFO" },
    { "{\"level\": 40, \"msg\": \"x\"}", 30, "WARNING" },
    { "{\"level\": 50, \"msg\": \"x\"}", 40, "ERROR" },
    { "{\"level\": 60, \"msg\": \"x\"}", 50, "CRITICAL" },
    { "{\"level\": 35, \"msg\": \"x\"}", 25, "NOTICE" },
    { "{\"level\": 15, \"msg\": \"x\"}", 7, NULL },
    { "{\"v\": 0, \"level\": 30, \"msg\": \"x\"}", 20, "INFO" },
    /* pino's formatters.level may write the label instead */
    { "{\"level\": \"warn\", \"msg\": \"x\", \"pid\": 1, \"hostname\": \"h\"}", 30, "warn" },
  };

  check_levels (cases, G_N_ELEMENTS (cases));
}

static void
test_levels_otel (void)
{
  static const int expected[] = {
    5, 6, 7, 8, 10, 11, 12, 13, 20, 21, 22, 23, 30, 31, 32, 33, 40, 41, 42, 43, 50, 51, 52, 53,
  };
  static const LevelCase cases[] = {
    { "{\"severityNumber\": 13, \"severityText\": \"Warning\"}", 30, "Warning" },
    { "{\"severityNumber\": 14}", 31, "WARN2" },
    { "{\"severityNumber\": 0, \"severityText\": \"error\"}", 40, "error" },
    { "{\"severityNumber\": 0}", 20, NULL },
    { "{\"severityNumber\": 99}", 20, NULL },
  };

  for (int n = 1; n <= 24; n++)
    g_assert_cmpint (ld_json_level_from_otel (n), ==, expected[n - 1]);
  g_assert_cmpint (ld_json_level_from_otel (0), ==, -1);
  check_levels (cases, G_N_ELEMENTS (cases));
}

static void
test_levels_other (void)
{
  static const LevelCase cases[] = {
    /* GELF: syslog severities */
    { "{\"short_message\": \"x\", \"level\": 0}", 60, "EMERGENCY" },
    { "{\"short_message\": \"x\", \"level\": 3}", 40, "ERROR" },
    { "{\"short_message\": \"x\", \"level\": 5}", 25, "NOTICE" },
    { "{\"short_message\": \"x\", \"level\": 7}", 10, "DEBUG" },
    { "{\"short_message\": \"x\"}", 20, NULL },
    /* CLEF: absent means Information */
    { "{\"@t\": \"2025-11-20T12:30:00Z\", \"@m\": \"x\"}", 20, NULL },
    { "{\"@t\": \"2025-11-20T12:30:00Z\", \"@l\": \"Verbose\"}", 5, "Verbose" },
    { "{\"@t\": \"2025-11-20T12:30:00Z\", \"@l\": \"Information\"}", 20, "Information" },
    { "{\"@t\": \"2025-11-20T12:30:00Z\", \"@l\": \"Fatal\"}", 50, "Fatal" },
    /* Python: custom levels keep their number and name */
    { "{\"levelno\": 25, \"levelname\": \"Level 25\"}", 25, "Level 25" },
    { "{\"levelno\": 5, \"levelname\": \"TRACE\"}", 5, "TRACE" },
    { "{\"levelname\": \"Level 15\", \"name\": \"x\"}", 15, "Level 15" },
    { "{\"levelno\": 35}", 35, NULL },
    /* names on Python's scale */
    { "{\"event\": \"x\", \"level\": \"critical\"}", 50, "critical" },
    { "{\"ts\": 1, \"msg\": \"x\", \"level\": \"dpanic\"}", 50, "dpanic" },
    { "{\"@timestamp\": \"2025-11-20T12:30:00Z\", \"log\": {\"level\": \"WARN\"}}", 30, "WARN" },
    /* a shape without a scale of its own: numbers are Python levels */
    { "{\"message\": \"x\", \"level\": 30}", 30, "WARNING" },
    { "{\"message\": \"x\", \"level\": \"loud\"}", 20, "loud" },
  };

  check_levels (cases, G_N_ELEMENTS (cases));
}

static void
test_surrogates (void)
{
  static const struct { const char *json; const char *utf8; } cases[] = {
    { "\"\\ud83d\\ude00\"", "\360\237\230\200" },
    { "\"a\\ud83d\"", "a\357\277\275" },
    { "\"\\ude00b\"", "\357\277\275b" },
    { "\"\\ud83d\\u0041\"", "\357\277\275A" },
    { "\"\\ud83d\\ud83d\\ude00\"", "\357\277\275\360\237\230\200" },
    { "\"caf\\u00e9 \\u20ac \\/ \\\" \\\\ \\b\\f\\n\\r\\t\"",
      "caf\303\251 \342\202\254 / \" \\ \b\f\n\r\t" },
    { "\"raw \303\251 ok\"", "raw \303\251 ok" },
    { "\"bad \377 byte\"", "bad \357\277\275 byte" },
    { "\"cut \342\202\"", "cut \357\277\275\357\277\275" },
    { "\"surrogate in UTF-8 \355\240\200\"",
      "surrogate in UTF-8 \357\277\275\357\277\275\357\277\275" },
  };
  g_autoptr(LdJsonParser) parser = ld_json_parser_new ();

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gsize offset = 0;
      const LdJsonNode *node = ld_json_parser_parse (parser, cases[i].json,
                                                     strlen (cases[i].json), &offset, NULL);

      test_message_escaped (cases[i].json);
      g_assert_nonnull (node);
      g_assert_cmpint (node->kind, ==, LD_JSON_STRING);
      assert_text (node->text, node->len, cases[i].utf8);
      g_assert_true (g_utf8_validate_len (node->text, node->len, NULL));
    }
}

static void
test_nul_escape (void)
{
  g_autoptr(LdJsonParser) parser = ld_json_parser_new ();
  gsize offset = 0;
  const LdJsonNode *node = ld_json_parser_parse (parser, "\"a\\u0000b\"", 10, &offset, NULL);

  g_assert_cmpuint (node->len, ==, 3);
  g_assert_cmpmem (node->text, 3, "a\0b", 3);
}

static void
test_nan_infinity (void)
{
  const char *text = "{\"levelno\": 20, \"created\": 1763641800, \"a\": NaN, \"b\": Infinity, "
                     "\"c\": -Infinity, \"d\": [NaN, -0.0, 1e-7]}";
  g_autoptr(LdJsonParser) parser = ld_json_parser_new ();
  g_autoptr(LdBatch) batch = NULL;
  gsize offset = 0;
  const LdJsonNode *root = ld_json_parser_parse (parser, text, strlen (text), &offset, NULL);
  double value;
  LdRecord record;

  g_assert_nonnull (root);
  g_assert_true (ld_json_node_get_double (ld_json_object_get (root, "a", -1), &value));
  g_assert_true (isnan (value));
  g_assert_true (ld_json_node_get_double (ld_json_object_get (root, "b", -1), &value));
  g_assert_true (isinf (value) && value > 0);
  g_assert_true (ld_json_node_get_double (ld_json_object_get (root, "c", -1), &value));
  g_assert_true (isinf (value) && value < 0);
  g_assert_true (ld_json_object_get (root, "c", -1)->flags & LD_JSON_NUMBER_SPECIAL);

  record = normalize_one (&batch, text);
  assert_extra (&record, "a", LD_VALUE_NUMBER, "NaN");
  assert_extra (&record, "b", LD_VALUE_NUMBER, "Infinity");
  assert_extra (&record, "c", LD_VALUE_NUMBER, "-Infinity");
  assert_extra (&record, "d", LD_VALUE_JSON, "[null,-0.0,1e-7]");
}

typedef struct
{
  const char *text;
  int         code;
  const char *message;
} ErrorCase;

static void
test_errors (void)
{
  g_autofree char *open = g_strnfill (64, '[');
  g_autofree char *close = g_strnfill (63, ']');
  g_autofree char *deep_ok = g_strconcat ("{\"a\":", open + 1, "1", close, "}", NULL);
  g_autofree char *too_deep = g_strconcat ("{\"a\":", open, "1", close, "]}", NULL);
  const ErrorCase cases[] = {
    { "{\"a\": 1", LD_JSON_ERROR_TRUNCATED,
      "line 1, byte 7: expected ',' or '}' after an object member, found the end of the text" },
    { "{\"a\": \"text", LD_JSON_ERROR_TRUNCATED,
      "line 1, byte 11: the text ended inside the string that starts at byte 6" },
    { "{\"a\": tru", LD_JSON_ERROR_TRUNCATED, "line 1, byte 9: expected true, found the end "
      "of the text" },
    { "{\"a\":1} xyz", LD_JSON_ERROR_SYNTAX,
      "line 1, byte 8: expected the end of the line after the JSON value, found 'x'" },
    { "{\"a\":\"\\q\"}", LD_JSON_ERROR_SYNTAX,
      "line 1, byte 6: bad escape in a string: expected one of \\\" \\\\ \\/ \\b \\f \\n \\r "
      "\\t \\uHHHH" },
    { "{\"a\":\"\\u12\"}", LD_JSON_ERROR_SYNTAX, NULL },
    { too_deep, LD_JSON_ERROR_DEPTH, "line 1, byte 68: nested deeper than 64 levels" },
    { "{\"a\" 1}", LD_JSON_ERROR_SYNTAX,
      "line 1, byte 5: expected ':' after an object member's name, found '1'" },
    { "{a: 1}", LD_JSON_ERROR_SYNTAX,
      "line 1, byte 1: expected a string naming an object member, found 'a'" },
    { "{\"a\": [1,]}", LD_JSON_ERROR_SYNTAX, "line 1, byte 9: expected a value, found ']'" },
    { "{\"a\": 01}", LD_JSON_ERROR_SYNTAX, NULL },
    { "{\"a\": 1.}", LD_JSON_ERROR_SYNTAX,
      "line 1, byte 8: expected a digit after the decimal point, found '}'" },
    { "{\"a\": \"tab\there\"}", LD_JSON_ERROR_SYNTAX,
      "line 1, byte 10: a control character (0x09) must be escaped in a string" },
    { "{\"a\": nan}", LD_JSON_ERROR_SYNTAX, "line 1, byte 6: expected a value, found 'n'" },
    { "42", LD_JSON_ERROR_NOT_OBJECT,
      "line 1, byte 0: expected a log record object, found a number" },
    { "\"text\"", LD_JSON_ERROR_NOT_OBJECT, NULL },
  };
  g_autoptr(LdBatch) ok = normalize_ok (deep_ok, NULL, 1);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(LdBatch) batch = ld_batch_new ();
      g_autoptr(GError) error = NULL;

      test_message_escaped (cases[i].text);
      g_assert_cmpuint (ld_json_normalize (batch, cases[i].text, strlen (cases[i].text), NULL,
                                           &error), ==, 0);
      g_assert_error (error, LD_JSON_ERROR, cases[i].code);
      if (cases[i].message != NULL)
        g_assert_cmpstr (error->message, ==, cases[i].message);
      g_assert_cmpuint (ld_batch_get_length (batch), ==, 0);
    }
}

static void
test_limits (void)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autoptr(GError) error = NULL;
  LdJsonContext ctx = { .max_length = 10, .max_depth = 2 };
  g_autoptr(LdJsonParser) parser = ld_json_parser_new ();
  gsize offset = 0;

  g_assert_cmpuint (ld_json_normalize (batch, "{\"message\": \"too long\"}", 23, &ctx, &error),
                    ==, 0);
  g_assert_error (error, LD_JSON_ERROR, LD_JSON_ERROR_LIMIT);
  g_clear_error (&error);

  ctx.max_length = 0;
  g_assert_cmpuint (ld_json_normalize (batch, "{\"a\": {\"b\": 1}}", 15, &ctx, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_cmpuint (ld_json_normalize (batch, "{\"a\": {\"b\": []}}", 16, &ctx, &error), ==, 0);
  g_assert_error (error, LD_JSON_ERROR, LD_JSON_ERROR_DEPTH);
  g_clear_error (&error);

  ld_json_parser_set_limits (parser, 0, 3);
  g_assert_null (ld_json_parser_parse (parser, "[1, 2, 3]", 9, &offset, &error));
  g_assert_error (error, LD_JSON_ERROR, LD_JSON_ERROR_LIMIT);
}

typedef struct
{
  GPtrArray *messages;
  GArray    *lines;
  GArray    *starts;
} Reports;

static void
collect_bad_value (const LdJsonBadValue *bad,
                   gpointer              user_data)
{
  Reports *reports = user_data;

  g_ptr_array_add (reports->messages, g_strdup (bad->error->message));
  g_array_append_val (reports->lines, bad->line);
  g_array_append_val (reports->starts, bad->start);
  g_assert_cmpuint (bad->start, <=, bad->offset);
  g_assert_cmpuint (bad->offset, <=, bad->end);
}

static void
reports_init (Reports *reports)
{
  reports->messages = g_ptr_array_new_with_free_func (g_free);
  reports->lines = g_array_new (FALSE, FALSE, sizeof (gsize));
  reports->starts = g_array_new (FALSE, FALSE, sizeof (gsize));
}

static void
reports_clear (Reports *reports)
{
  g_ptr_array_unref (reports->messages);
  g_array_unref (reports->lines);
  g_array_unref (reports->starts);
}

static void
test_ndjson_bad_line (void)
{
  const char *text = "{\"message\": \"one\"}\n"
                     "{\"message\": \"two\"}\r\n"
                     "{\"message\": \"three\"\n"
                     "\n"
                     "{\"message\": \"four\"}{\"message\": \"five\"}\n"
                     "not json\n"
                     "[{\"message\": \"six\"}, 7]\n"
                     "{\"message\": \"seven\"}";
  Reports reports;
  LdJsonContext ctx = { .bad_value_func = collect_bad_value, .user_data = &reports };
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autoptr(GError) error = NULL;
  static const char *messages[] = { "one", "two", "four", "five", "six", "seven" };

  reports_init (&reports);
  g_assert_cmpuint (ld_json_normalize (batch, text, strlen (text), &ctx, &error), ==, 6);
  g_assert_error (error, LD_JSON_ERROR, LD_JSON_ERROR_SYNTAX);
  g_assert_cmpstr (error->message, ==, "line 3, byte 60: expected ',' or '}' after an object "
                   "member, found '{'");

  g_assert_cmpuint (reports.messages->len, ==, 3);
  g_assert_cmpuint (g_array_index (reports.lines, gsize, 0), ==, 3);
  g_assert_cmpuint (g_array_index (reports.starts, gsize, 0), ==, 39);
  g_assert_cmpuint (g_array_index (reports.lines, gsize, 1), ==, 6);
  g_assert_cmpuint (g_array_index (reports.lines, gsize, 2), ==, 7);
  g_assert_cmpstr (reports.messages->pdata[2], ==, "line 7, byte 129: expected a log record "
                   "object, found a number");

  for (guint i = 0; i < G_N_ELEMENTS (messages); i++)
    {
      LdRecord record = get_record (batch, i);

      assert_message (&record, messages[i]);
    }
  reports_clear (&reports);
}

static void
test_array_input (void)
{
  const char *text = " [ {\"message\": \"a\"} ,{\"message\": \"b\"}, \"c\", "
                     "{\"message\": \"d\"} ] ";
  const char *broken = "[{\"message\": \"a\"}, {\"message\": \"b\"} {\"message\": \"c\"}]";
  Reports reports;
  LdJsonContext ctx = { .bad_value_func = collect_bad_value, .user_data = &reports };
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autoptr(GError) error = NULL;

  reports_init (&reports);
  g_assert_cmpuint (ld_json_normalize (batch, text, strlen (text), &ctx, &error), ==, 3);
  g_assert_error (error, LD_JSON_ERROR, LD_JSON_ERROR_NOT_OBJECT);
  g_assert_cmpuint (g_array_index (reports.starts, gsize, 0), ==, 39);
  g_clear_error (&error);

  /* Items before a syntax error count; the rest of the array cannot be trusted. */
  g_assert_cmpuint (ld_json_normalize (batch, broken, strlen (broken), &ctx, &error), ==, 2);
  g_assert_error (error, LD_JSON_ERROR, LD_JSON_ERROR_SYNTAX);
  g_assert_cmpstr (error->message, ==, "line 1, byte 36: expected ',' or ']' after an array "
                   "item, found '{'");
  g_clear_error (&error);

  g_assert_cmpuint (ld_json_normalize (batch, "[]", 2, &ctx, &error), ==, 0);
  g_assert_cmpuint (ld_json_normalize (batch, "  \n ", 4, &ctx, &error), ==, 0);
  g_assert_cmpuint (ld_json_normalize (batch, "\357\273\277{\"a\": 1}", 11, &ctx, &error), ==, 1);
  g_assert_no_error (error);
  reports_clear (&reports);
}

static void
test_extras (void)
{
  const char *text = "{\"message\": \"m\", \"msg\": \"format %s\", \"n\": 1.5e3, \"t\": true, "
                     "\"f\": false, \"z\": null, \"arr\": [1, \"two\", {\"k\": [null]}], "
                     "\"obj\": {\"x\": {\"y\": \"deep\"}, \"e\": {}}, \"\": \"empty key\", "
                     "\"q\": \"say \\\"hi\\\"\\n\"}";
  g_autoptr(LdBatch) batch = NULL;
  LdRecord record = normalize_one (&batch, text);

  assert_extra (&record, "msg", LD_VALUE_STRING, "format %s");
  assert_extra (&record, "n", LD_VALUE_NUMBER, "1.5e3");
  assert_extra (&record, "t", LD_VALUE_BOOL, "true");
  assert_extra (&record, "f", LD_VALUE_BOOL, "false");
  assert_extra (&record, "z", LD_VALUE_NULL, "");
  assert_extra (&record, "arr", LD_VALUE_JSON, "[1,\"two\",{\"k\":[null]}]");
  assert_extra (&record, "obj.x.y", LD_VALUE_STRING, "deep");
  assert_extra (&record, "obj.e", LD_VALUE_JSON, "{}");
  assert_extra (&record, "", LD_VALUE_STRING, "empty key");
  assert_extra (&record, "q", LD_VALUE_STRING, "say \"hi\"\n");
  g_assert_cmpuint (ld_record_n_extras (&record), ==, 10);
}

/* QueueHandler's prepared record repeats msg as message; only a different msg is kept. */
static void
test_python_duplicates (void)
{
  g_autoptr(LdBatch) batch = NULL;
  LdRecord record = normalize_one (&batch, "{\"levelno\": 20, \"msg\": \"same\", \"message\": "
                                           "\"same\", \"args\": null, \"exc_info\": null, "
                                           "\"filename\": \"a.py\", \"pathname\": \"/x/a.py\"}");

  g_assert_cmpuint (ld_record_n_extras (&record), ==, 0);
  assert_interned (record.file, "/x/a.py");
  g_clear_pointer (&batch, ld_batch_free);

  record = normalize_one (&batch, "{\"levelno\": 20, \"msg\": \"hello %s\", \"args\": "
                                  "\"('bob',)\", \"message\": \"hello bob\", "
                                  "\"stack_info\": \"Stack (most recent call last):\\n  x\"}");
  assert_message (&record, "hello bob");
  assert_stack (&record, "Stack (most recent call last):\n  x");
  assert_extra (&record, "msg", LD_VALUE_STRING, "hello %s");
  assert_extra (&record, "args", LD_VALUE_STRING, "('bob',)");
  g_assert_cmpuint (ld_record_n_extras (&record), ==, 2);
  g_clear_pointer (&batch, ld_batch_free);

  /* As for pickled records: only names that Python derived from pathname are dropped. */
  record = normalize_one (&batch, "{\"levelno\": 20, \"pathname\": \"C:\\\\src\\\\a.py\", "
                                  "\"filename\": \"b.py\", \"module\": \"a\", "
                                  "\"asctime\": \"2025-11-20 12:30:00,000\", \"created\": 1}");
  assert_interned (record.file, "C:\\src\\a.py");
  assert_extra (&record, "filename", LD_VALUE_STRING, "b.py");
  g_assert_cmpuint (ld_record_n_extras (&record), ==, 1);
  g_assert_cmpint (record.time_us, ==, G_USEC_PER_SEC);
}

static void
test_callers (void)
{
  static const struct { const char *text; const char *file; guint line; } cases[] = {
    { "{\"ts\": 1, \"msg\": \"x\", \"caller\": \"pkg/a.go:12\"}", "pkg/a.go", 12 },
    { "{\"ts\": 1, \"msg\": \"x\", \"caller\": \"C:\\\\src\\\\a.go:7\"}", "C:\\src\\a.go", 7 },
    { "{\"ts\": 1, \"msg\": \"x\", \"caller\": \"a.go\"}", "a.go", 0 },
    { "{\"ts\": 1, \"msg\": \"x\", \"caller\": \"a.go:x\"}", "a.go:x", 0 },
    { "{\"msg\": \"x\", \"level\": \"info\", \"func\": \"main.f\", \"file\": \"/a.go:3\"}",
      "/a.go", 3 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(LdBatch) batch = NULL;
      LdRecord record;

      test_message_escaped (cases[i].text);
      record = normalize_one (&batch, cases[i].text);
      assert_interned (record.file, cases[i].file);
      g_assert_cmpuint (record.line, ==, cases[i].line);
    }
}

/* GELF's full message is the exception text only when it says more than the short one. */
static void
test_gelf_full_message (void)
{
  g_autoptr(LdBatch) batch = NULL;
  LdRecord record = normalize_one (&batch, "{\"short_message\": \"same\", \"full_message\": "
                                           "\"same\", \"_id\": 1}");
  gsize len;

  ld_record_get_exception (&record, &len);
  g_assert_cmpuint (len, ==, 0);
  assert_extra (&record, "id", LD_VALUE_NUMBER, "1");
}

static void
test_clef_templates (void)
{
  static const struct { const char *text; const char *message; } cases[] = {
    { "{\"@t\": \"2025-11-20T12:30:00Z\", \"@mt\": \"Hello {Name}\", \"Name\": \"Ann\"}",
      "Hello \"Ann\"" },
    { "{\"@t\": \"2025-11-20T12:30:00Z\", \"@mt\": \"Hello {Name:l}\", \"Name\": \"Ann\"}",
      "Hello Ann" },
    { "{\"@t\": \"2025-11-20T12:30:00Z\", \"@mt\": \"{A:0.00} {B:F1} {C:X} {D:D4} {E}\", "
      "\"A\": 3.14159, \"B\": 2, \"C\": 255, \"D\": 7, \"E\": true}",
      "3.14 2.0 FF 0007 True" },
    { "{\"@t\": \"2025-11-20T12:30:00Z\", \"@mt\": \"{@Pos} {{literal}} {Missing} {N,5}\", "
      "\"Pos\": {\"Lat\": 25}, \"N\": 1}",
      "{\"Lat\":25} {literal} {Missing} 1" },
    { "{\"@t\": \"2025-11-20T12:30:00Z\", \"@m\": \"Rendered\", \"@mt\": \"{X}\", \"X\": 1}",
      "Rendered" },
    { "{\"@t\": \"2025-11-20T12:30:00Z\", \"@mt\": \"unclosed {brace\"}", "unclosed {brace" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(LdBatch) batch = NULL;
      LdRecord record;

      test_message_escaped (cases[i].text);
      record = normalize_one (&batch, cases[i].text);
      assert_message (&record, cases[i].message);
    }
}

/* Keys whose rule takes a whole object or array are plain fields when they are not one. */
static void
test_special_keys_wrong_shape (void)
{
  g_autoptr(LdBatch) batch = normalize_ok ("{\"time\": \"2025-11-20T12:30:00Z\", \"level\": "
                                           "\"INFO\", \"levelno\": 20, \"extra\": \"flat\"}\n"
                                           "{\"timeUnixNano\": \"1000\", \"attributes\": "
                                           "{\"not\": \"an array\"}}\n", NULL, 2);
  LdRecord logdeck = get_record (batch, 0), otlp = get_record (batch, 1);

  assert_extra (&logdeck, "extra", LD_VALUE_STRING, "flat");
  assert_extra (&otlp, "attributes.not", LD_VALUE_STRING, "an array");
  g_assert_cmpint (otlp.time_us, ==, 1);
}

static void
test_clef_escaped_at (void)
{
  g_autoptr(LdBatch) batch = NULL;
  LdRecord record = normalize_one (&batch, "{\"@t\": \"2025-11-20T12:30:00Z\", \"@m\": \"x\", "
                                           "\"@@user\": \"ann\"}");

  assert_extra (&record, "@user", LD_VALUE_STRING, "ann");
}

static void
test_context_and_own_connection (void)
{
  LdJsonContext ctx = { .origin = { .connection = "ws-3", .peer = "10.0.0.1:5555", .protocol = "ws" } };
  g_autoptr(LdBatch) batch = normalize_ok ("{\"message\": \"a\"}\n"
                                           "{\"message\": \"b\", \"websocket\": {\"id\": 9}}\n"
                                           "{\"message\": \"c\", \"conn\": \"c-1\", "
                                           "\"remote_addr\": null}\n", &ctx, 3);
  LdRecord a = get_record (batch, 0), b = get_record (batch, 1), c = get_record (batch, 2);

  assert_interned (a.connection, "ws-3");
  assert_interned (a.peer, "10.0.0.1:5555");
  assert_interned (a.protocol, "ws");
  assert_interned (b.connection, "9");
  assert_interned (c.connection, "c-1");
  assert_interned (c.peer, "10.0.0.1:5555");
}

static void
test_reused_parser (void)
{
  g_autoptr(LdJsonParser) parser = ld_json_parser_new ();
  LdJsonContext ctx = { .parser = parser };
  g_autoptr(LdBatch) batch = ld_batch_new ();

  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *line = g_strdup_printf ("{\"message\": \"n%u \\u00e9\", \"i\": %u}", i, i);

      g_assert_cmpuint (ld_json_normalize (batch, line, strlen (line), &ctx, NULL), ==, 1);
    }
  g_assert_cmpuint (ld_batch_get_length (batch), ==, 100);
}

static void
test_tree (void)
{
  const char *text = "  {\"a\": [1, {\"b\": null}], \"c\": {}, \"big\": 9223372036854775807, "
                     "\"over\": 9223372036854775808, \"neg\": -9223372036854775808} tail";
  g_autoptr(LdJsonParser) parser = ld_json_parser_new ();
  g_autoptr(GString) json = g_string_new (NULL);
  gsize offset = 0;
  const LdJsonNode *root = ld_json_parser_parse (parser, text, strlen (text), &offset, NULL);
  const LdJsonNode *a;
  gint64 value;

  g_assert_nonnull (root);
  g_assert_cmpuint (offset, ==, strlen (text) - 5);
  g_assert_cmpuint (root->len, ==, 5);
  a = ld_json_object_get (root, "a", -1);
  g_assert_cmpint (a->kind, ==, LD_JSON_ARRAY);
  g_assert_cmpuint (a->len, ==, 2);
  g_assert_cmpuint (a->size, ==, 5);
  g_assert_null (ld_json_object_get (root, "missing", -1));
  g_assert_true (ld_json_node_get_int64 (ld_json_object_get (root, "big", -1), &value));
  g_assert_cmpint (value, ==, G_MAXINT64);
  g_assert_false (ld_json_node_get_int64 (ld_json_object_get (root, "over", -1), &value));
  g_assert_true (ld_json_node_get_int64 (ld_json_object_get (root, "neg", -1), &value));
  g_assert_cmpint (value, ==, G_MININT64);

  ld_json_node_to_json (root, json);
  g_assert_cmpstr (json->str, ==, "{\"a\":[1,{\"b\":null}],\"c\":{},\"big\":9223372036854775807,"
                   "\"over\":9223372036854775808,\"neg\":-9223372036854775808}");
  /* Keys carry their hash, for callers that look them up in tables. */
  g_assert_cmpuint (ld_json_object_first (a + 2)->hash, ==, ld_json_hash ("b", 1));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/json/dialects/fixtures", test_dialect_fixtures);
  g_test_add_func ("/json/dialects/together", test_fixtures_together);
  g_test_add_func ("/json/time/iso8601", test_iso8601);
  g_test_add_func ("/json/time/epoch", test_epoch);
  g_test_add_func ("/json/time/by-dialect", test_time_by_dialect);
  g_test_add_func ("/json/time/missing", test_time_missing);
  g_test_add_func ("/json/levels/slog", test_levels_slog);
  g_test_add_func ("/json/levels/pino", test_levels_pino);
  g_test_add_func ("/json/levels/otel", test_levels_otel);
  g_test_add_func ("/json/levels/other", test_levels_other);
  g_test_add_func ("/json/parser/surrogates", test_surrogates);
  g_test_add_func ("/json/parser/nul-escape", test_nul_escape);
  g_test_add_func ("/json/parser/nan-infinity", test_nan_infinity);
  g_test_add_func ("/json/parser/tree", test_tree);
  g_test_add_func ("/json/errors/offsets", test_errors);
  g_test_add_func ("/json/errors/limits", test_limits);
  g_test_add_func ("/json/input/ndjson-bad-line", test_ndjson_bad_line);
  g_test_add_func ("/json/input/array", test_array_input);
  g_test_add_func ("/json/fields/extras", test_extras);
  g_test_add_func ("/json/fields/python-duplicates", test_python_duplicates);
  g_test_add_func ("/json/fields/callers", test_callers);
  g_test_add_func ("/json/fields/gelf-full-message", test_gelf_full_message);
  g_test_add_func ("/json/fields/clef-templates", test_clef_templates);
  g_test_add_func ("/json/fields/clef-escaped-at", test_clef_escaped_at);
  g_test_add_func ("/json/fields/special-keys-wrong-shape", test_special_keys_wrong_shape);
  g_test_add_func ("/json/fields/connection", test_context_and_own_connection);
  g_test_add_func ("/json/reused-parser", test_reused_parser);

  return g_test_run ();
}
