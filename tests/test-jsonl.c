// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "ld-jsonl.h"

/* Writes the batch's only record and parses the line back with json-glib,
 * which must accept it. */
static JsonObject *
write_and_parse (LdBatch *batch,
                 char   **line_out)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  ld_jsonl_append_batch (out, batch);
  g_assert_true (g_str_has_suffix (out->str, "}\n"));
  g_assert_true (strchr (out->str, '\n') == out->str + out->len - 1);

  json_parser_load_from_data (parser, out->str, out->len, &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));

  if (line_out != NULL)
    *line_out = g_strdup (out->str);
  return json_object_ref (json_node_get_object (root));
}

static void
test_escaping (void)
{
  static const char text[] = "quote \" backslash \\ nl \n tab \t cr \r bs \b ff \f "
                             "ctl \001\037 del \177 csi \302\233 nel \302\205 © é ✓ 😀 end";
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  /* DEL and the C1 controls (U+0080 to U+009F) too: no raw terminal control
   * in a line, while the rest of Latin-1's second half stays as it is. */
  ld_jsonl_append_string (out, text, -1);
  g_assert_cmpstr (out->str, ==,
                   "\"quote \\\" backslash \\\\ nl \\n tab \\t cr \\r bs \\b ff \\f "
                   "ctl \\u0001\\u001f del \\u007f csi \\u009b nel \\u0085 © é ✓ 😀 end\"");

  json_parser_load_from_data (parser, out->str, out->len, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_node_get_string (json_parser_get_root (parser)), ==, text);

  /* An embedded nul is text like any other when the length is given. */
  g_string_truncate (out, 0);
  ld_jsonl_append_string (out, "a\0b", 3);
  g_assert_cmpstr (out->str, ==, "\"a\\u0000b\"");
}

/* The text and CSV exports' form of the same escapes: "\x1b", and the line
 * ends a traceback needs kept, or only tabs for one line. */
static void
test_escaping_text (void)
{
  static const char text[] = "\033[31mred\033[0m\a bel\r over\r\nnext\tend\nDEL \177 CSI \302\233"
                             "2J © \\x1b é";
  g_autoptr(GString) out = g_string_new (NULL);

  ld_jsonl_append_escaped (out, text, -1, LD_ESCAPE_TEXT);
  g_assert_cmpstr (out->str, ==, "\\x1b[31mred\\x1b[0m\\x07 bel\\x0d over\r\nnext\tend\n"
                                 "DEL \\x7f CSI \\x9b" "2J © \\x1b é");
  g_assert_cmpuint (ld_jsonl_find_escape (text, strlen (text), LD_ESCAPE_TEXT), ==, 0);

  g_string_truncate (out, 0);
  ld_jsonl_append_escaped (out, text, -1, LD_ESCAPE_LINE);
  g_assert_cmpstr (out->str, ==, "\\x1b[31mred\\x1b[0m\\x07 bel\\x0d over\\x0d\\x0anext\tend\\x0a"
                                 "DEL \\x7f CSI \\x9b" "2J © \\x1b é");

  /* A CR at the very end ends no line; text without controls is found clean. */
  g_assert_cmpuint (ld_jsonl_find_escape ("ab\r", 3, LD_ESCAPE_TEXT), ==, 2);
  g_assert_cmpuint (ld_jsonl_find_escape ("tab\tline\r\n© ok", 15, LD_ESCAPE_TEXT), ==, 15);
  g_assert_cmpuint (ld_jsonl_find_escape ("tab\tline\r\n", 10, LD_ESCAPE_LINE), ==, 8);
}

static void
check_time (gint64      time_us,
            const char *expected)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *quoted = g_strdup_printf ("\"%s\"", expected);

  ld_jsonl_append_time (out, time_us);
  g_assert_cmpstr (out->str, ==, quoted);
}

static void
test_time (void)
{
  check_time (0, "1970-01-01T00:00:00.000000+00:00");
  check_time (G_GINT64_CONSTANT (1700000000123456), "2023-11-14T22:13:20.123456+00:00");
  check_time (-1, "1969-12-31T23:59:59.999999+00:00");
  check_time (G_GINT64_CONSTANT (1709164800000001), "2024-02-29T00:00:00.000001+00:00");
  check_time (G_GINT64_CONSTANT (951782400000000), "2000-02-29T00:00:00.000000+00:00");
  check_time (G_MAXINT64, "9999-12-31T23:59:59.999999+00:00");
  check_time (G_MININT64, "0000-01-01T00:00:00.000000+00:00");

  /* Agree with GDateTime across many days and times of day. */
  for (gint64 t = G_GINT64_CONSTANT (-5000000000000000); t < G_GINT64_CONSTANT (5000000000000000);
       t += G_GINT64_CONSTANT (123456789012345))
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (t / G_USEC_PER_SEC
                                                               - (t % G_USEC_PER_SEC < 0));
      g_autofree char *date = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");
      g_autofree char *expected = g_strdup_printf ("%s.%06d+00:00", date,
                                                   (int) (((t % G_USEC_PER_SEC)
                                                           + G_USEC_PER_SEC) % G_USEC_PER_SEC));
      check_time (t, expected);
    }
}

static void
add_full_record (LdBatch *batch)
{
  LdRecordFields fields = {
    .time_us = G_GINT64_CONSTANT (1700000000123456),
    .level = 25,
    .level_name = "Level 25",
    .logger = "app.db",
    .message = "line one\nline \"two\"",
    .exception = "Traceback (most recent call last):\nValueError: x",
    .stack = "Stack (most recent call last):",
    .thread = "worker-1",
    .thread_id = G_GINT64_CONSTANT (140000000000123),
    .process_name = "MainProcess",
    .process = 4242,
    .task = "Task-1",
    .file = "/srv/app/db.py",
    .line = 42,
    .function = "connect",
    .connection = "tcp-3",
    .peer = "127.0.0.1:54321",
    .protocol = "tcp-pickle",
    .host = "db-1",
    .service = "orders",
    .trace_id = "4bf92f3577b34da6a3ce929d0e0e4736",
    .span_id = "00f067aa0ba902b7",
  };

  ld_batch_add (batch, &fields);
  ld_batch_add_extra (batch, "user", -1, LD_VALUE_STRING, "al\"ice", -1);
  ld_batch_add_extra (batch, "n", -1, LD_VALUE_NUMBER, "-12.5e3", -1);
  ld_batch_add_extra (batch, "ok", -1, LD_VALUE_BOOL, "true", -1);
  ld_batch_add_extra (batch, "no", -1, LD_VALUE_BOOL, "false", -1);
  ld_batch_add_extra (batch, "z", -1, LD_VALUE_NULL, NULL, 0);
  ld_batch_add_extra (batch, "list", -1, LD_VALUE_JSON, "[1,\"a\",{\"k\":null}]", -1);
  ld_batch_add_extra (batch, "obj", -1, LD_VALUE_JSON, "{\"a\":[true]}", -1);
  ld_batch_add_extra (batch, "bad number", -1, LD_VALUE_NUMBER, "nan", -1);
  ld_batch_add_extra (batch, "odd bool", -1, LD_VALUE_BOOL, "yes", -1);
  ld_batch_add_extra (batch, "empty json", -1, LD_VALUE_JSON, "", 0);
}

static void
test_every_field (void)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autoptr(JsonObject) object = NULL;
  g_autofree char *line = NULL;
  JsonObject *extra;
  JsonArray *list;

  add_full_record (batch);
  object = write_and_parse (batch, &line);
  g_test_message ("%s", line);

  g_assert_true (g_str_has_prefix (line, "{\"time\":\"2023-11-14T22:13:20.123456+00:00\","
                                         "\"level\":\"Level 25\",\"levelno\":25,"));
  g_assert_cmpstr (json_object_get_string_member (object, "logger"), ==, "app.db");
  g_assert_cmpstr (json_object_get_string_member (object, "message"), ==, "line one\nline \"two\"");
  g_assert_cmpstr (json_object_get_string_member (object, "thread"), ==, "worker-1");
  g_assert_cmpint (json_object_get_int_member (object, "thread_id"), ==, 140000000000123);
  g_assert_cmpint (json_object_get_int_member (object, "process"), ==, 4242);
  g_assert_cmpstr (json_object_get_string_member (object, "process_name"), ==, "MainProcess");
  g_assert_cmpstr (json_object_get_string_member (object, "task"), ==, "Task-1");
  g_assert_cmpstr (json_object_get_string_member (object, "file"), ==, "/srv/app/db.py");
  g_assert_cmpint (json_object_get_int_member (object, "line"), ==, 42);
  g_assert_cmpstr (json_object_get_string_member (object, "function"), ==, "connect");
  g_assert_true (g_str_has_suffix (json_object_get_string_member (object, "exception"),
                                   "ValueError: x"));
  g_assert_cmpstr (json_object_get_string_member (object, "stack"), ==,
                   "Stack (most recent call last):");
  g_assert_cmpstr (json_object_get_string_member (object, "connection"), ==, "tcp-3");
  g_assert_cmpstr (json_object_get_string_member (object, "peer"), ==, "127.0.0.1:54321");
  g_assert_cmpstr (json_object_get_string_member (object, "protocol"), ==, "tcp-pickle");
  g_assert_cmpstr (json_object_get_string_member (object, "host"), ==, "db-1");
  g_assert_cmpstr (json_object_get_string_member (object, "service"), ==, "orders");
  g_assert_cmpstr (json_object_get_string_member (object, "trace_id"), ==,
                   "4bf92f3577b34da6a3ce929d0e0e4736");
  g_assert_cmpstr (json_object_get_string_member (object, "span_id"), ==, "00f067aa0ba902b7");
  g_assert_nonnull (strstr (line, "\"protocol\":\"tcp-pickle\",\"host\":\"db-1\","
                                  "\"service\":\"orders\",\"trace_id\":"));

  /* The trace context is kept as extra fields, but written where the canonical fields are. */
  extra = json_object_get_object_member (object, "extra");
  g_assert_false (json_object_has_member (extra, "trace_id"));
  g_assert_cmpstr (json_object_get_string_member (extra, "user"), ==, "al\"ice");
  g_assert_cmpfloat (json_object_get_double_member (extra, "n"), ==, -12500.0);
  g_assert_true (json_object_get_boolean_member (extra, "ok"));
  g_assert_false (json_object_get_boolean_member (extra, "no"));
  g_assert_true (json_object_get_null_member (extra, "z"));
  list = json_object_get_array_member (extra, "list");
  g_assert_cmpuint (json_array_get_length (list), ==, 3);
  list = json_object_get_array_member (json_object_get_object_member (extra, "obj"), "a");
  g_assert_true (json_array_get_boolean_element (list, 0));
  /* Values that do not fit their type are kept as text rather than break the line. */
  g_assert_cmpstr (json_object_get_string_member (extra, "bad number"), ==, "nan");
  g_assert_cmpstr (json_object_get_string_member (extra, "odd bool"), ==, "yes");
  g_assert_cmpstr (json_object_get_string_member (extra, "empty json"), ==, "");
  g_assert_cmpuint (json_object_get_size (extra), ==, 10);
}

static void
test_absent_fields (void)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autoptr(JsonObject) object = NULL;
  g_autofree char *line = NULL;
  LdRecordFields fields = { .time_us = 0, .level = 33 };

  ld_batch_add (batch, &fields);
  object = write_and_parse (batch, &line);

  g_assert_cmpstr (line, ==, "{\"time\":\"1970-01-01T00:00:00.000000+00:00\","
                             "\"level\":\"Level 33\",\"levelno\":33,\"message\":\"\"}\n");
  g_assert_cmpuint (json_object_get_size (object), ==, 4);
}

static void
test_level_names (void)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autoptr(JsonObject) object = NULL;
  LdRecordFields fields = { .level = 25, .message = "m" };

  ld_batch_add (batch, &fields);
  object = write_and_parse (batch, NULL);
  g_assert_cmpstr (json_object_get_string_member (object, "level"), ==, "NOTICE");
  g_assert_cmpint (json_object_get_int_member (object, "levelno"), ==, 25);
}

static void
test_store_records (void)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autoptr(LdBatch) copy_batch = ld_batch_new ();
  g_autoptr(GString) from_batch = g_string_new (NULL);
  g_autoptr(GString) from_record = g_string_new (NULL);
  const char *text;
  LdRecord record;

  add_full_record (batch);
  add_full_record (batch);
  ld_jsonl_append_batch (from_batch, batch);

  /* A record whose text is in place, as the store keeps it, writes the same. */
  for (guint i = 0; i < ld_batch_get_length (batch); i++)
    {
      record = *ld_batch_get_record (batch, i, &text);
      record.text = text;
      ld_jsonl_append_record (from_record, &record, NULL);
    }
  g_assert_cmpstr (from_batch->str, ==, from_record->str);
}


/* Fails if @text holds a control character (C0, DEL or C1) other than those
 * in @kept, or a CR that does not end a line when @kept has one. */
static void
assert_no_controls (const char *text,
                    gsize       length,
                    const char *kept)
{
  for (gsize i = 0; i < length; i++)
    {
      guchar c = text[i];
      gboolean c1 = c == 0xc2 && i + 1 < length && (guchar) text[i + 1] <= 0x9f;

      if (c == '\r' && strchr (kept, '\r') != NULL)
        g_assert_true (i + 1 < length && text[i + 1] == '\n');
      else if (c < 0x20 || c == 0x7f)
        g_assert_nonnull (memchr (kept, c, strlen (kept)));
      g_assert_false (c1);
    }
}

/* The text escapes leave no control but those their style keeps, and find
 * none in what they wrote; text without controls is copied as it is. */
static void
assert_escaped_text (const char *text,
                     gsize       length,
                     LdEscape    style)
{
  g_autoptr(GString) out = g_string_new (NULL);
  gsize at = ld_jsonl_find_escape (text, length, style);

  ld_jsonl_append_escaped (out, text, length, style);
  assert_no_controls (out->str, out->len, style == LD_ESCAPE_TEXT ? "\t\n\r" : "\t");
  g_assert_cmpuint (ld_jsonl_find_escape (out->str, out->len, style), ==, out->len);
  g_assert_cmpmem (out->str, MIN (at, out->len), text, MIN (at, out->len));
  if (at == length)
    g_assert_cmpmem (out->str, out->len, text, length);
}

/* Random strings with every byte that needs escaping, at every place in the
 * 8-byte words the writer scans, come back unchanged through json-glib. */
static void
test_escaping_random (void)
{
  static const char *const pieces[] = {
    "a", "bcdefgh", "\"", "\\", "\n", "\t", "\x01", "\x1f", " ", "é", "中", "😀", "~", "\x7f",
    "\r", "\r\n", "\x1b[0m", "\xc2\x9b", "\xc2\x80", "\xc2\x9f", "\xc2\xa0", "©",
  };

  for (guint round = 0; round < 2000; round++)
    {
      g_autoptr(GString) text = g_string_new (NULL);
      g_autoptr(GString) json = g_string_new (NULL);
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      guint n = g_test_rand_int_range (0, 40);

      for (guint i = 0; i < n; i++)
        g_string_append (text, pieces[g_test_rand_int_range (0, G_N_ELEMENTS (pieces))]);

      ld_jsonl_append_string (json, text->str, text->len);
      g_assert_true (json_parser_load_from_data (parser, json->str, json->len, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (json_node_get_string (json_parser_get_root (parser)), ==, text->str);
      /* No control character is left raw. */
      assert_no_controls (json->str, json->len, "");
      assert_escaped_text (text->str, text->len, LD_ESCAPE_TEXT);
      assert_escaped_text (text->str, text->len, LD_ESCAPE_LINE);
    }
}

static char *
repeat (char  c,
        gsize n)
{
  char *text = g_malloc (n + 1);

  memset (text, c, n);
  text[n] = '\0';
  return text;
}

static void
test_portable_numbers (void)
{
  static const struct { const char *text; gboolean portable; } cases[] = {
    { "0", TRUE }, { "-0", TRUE }, { "-12.5e3", TRUE }, { "1.5e-07", TRUE }, { "1e308", TRUE },
    { "1.7976931348623157e308", TRUE }, { "1e-999999", TRUE }, { "-0.0", TRUE },
    { "1.8e308", FALSE }, { "1e400", FALSE }, { "1e999999", FALSE }, { "-1e999999", FALSE },
    { "nan", FALSE }, { "inf", FALSE }, { "01", FALSE }, { "1.", FALSE }, { "+1", FALSE },
    { "", FALSE },
  };
  g_autofree char *digits_4300 = repeat ('7', 4300);
  g_autofree char *digits_4301 = repeat ('7', 4301);
  g_autofree char *int_308 = repeat ('9', 308);
  g_autofree char *int_309 = repeat ('9', 309);
  g_autofree char *fraction = NULL, *too_big = NULL, *negative = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("%s", cases[i].text);
      g_assert_cmpint (ld_jsonl_is_portable_number (cases[i].text, strlen (cases[i].text)), ==,
                       cases[i].portable);
    }

  /* Python's json takes integers of up to 4300 digits, and finite doubles. */
  g_assert_true (ld_jsonl_is_portable_number (digits_4300, 4300));
  g_assert_false (ld_jsonl_is_portable_number (digits_4301, 4301));
  negative = g_strconcat ("-", digits_4300, NULL);
  g_assert_true (ld_jsonl_is_portable_number (negative, 4301));
  fraction = g_strconcat (int_308, ".5", NULL);
  g_assert_true (ld_jsonl_is_portable_number (fraction, strlen (fraction)));
  too_big = g_strconcat (int_309, ".5", NULL);
  g_assert_false (ld_jsonl_is_portable_number (too_big, strlen (too_big)));
  /* The length is the number's: the text after it is not read. */
  g_assert_true (ld_jsonl_is_portable_number ("12e3x", 4));
}

/* Runs Debian's Python on @path: every line must load with json.loads and
 * dump back without inf or nan; prints what @check says of the lines. */
static char *
python_check_lines (const char *path,
                    const char *check)
{
  g_autofree char *script = g_strdup_printf (
    "import json, sys\n"
    "lines = [json.loads(line) for line in open(sys.argv[1], encoding='utf-8')]\n"
    "for obj in lines:\n"
    "    json.dumps(obj, allow_nan=False)\n"
    "print(%s)\n", check);
  const char *python = g_getenv ("LD_PYTHON3") != NULL ? g_getenv ("LD_PYTHON3")
                                                       : "/usr/bin/python3";
  const char *argv[] = { python, "-c", script, path, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int status;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                               &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("python failed: %s", err);
  return out;
}

/* A sender's numbers that Python's json.loads would refuse or read as inf
 * are written as strings, at the top of "extra" and inside its values. */
static void
test_unportable_numbers (void)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *digits = repeat ('9', 100000);
  g_autofree char *nested = NULL, *path = NULL, *result = NULL, *expected = NULL;
  LdRecordFields fields = { .level = 20, .message = "numbers" };
  int fd;

  /* Some decoders read NaN and Infinity, which no JSON has. */
  nested = g_strdup_printf ("{\"a\":[1e999999, -2.5e-3,\t\"x\\\"\177\302\233 1e999999\"],"
                            "\"s\":[NaN,-Infinity,true,null,false],"
                            "\"b\":%s,\"c\":{\"d\":-1E+400}}", digits);
  ld_batch_add (batch, &fields);
  ld_batch_add_extra (batch, "inf", -1, LD_VALUE_NUMBER, "1e999999", -1);
  ld_batch_add_extra (batch, "long", -1, LD_VALUE_NUMBER, digits, -1);
  ld_batch_add_extra (batch, "ok", -1, LD_VALUE_NUMBER, "123456789012345678901234567890", -1);
  ld_batch_add_extra (batch, "nested", -1, LD_VALUE_JSON, nested, -1);
  ld_jsonl_append_batch (out, batch);

  g_assert_nonnull (strstr (out->str, "\"inf\":\"1e999999\",\"long\":\"9999"));
  g_assert_nonnull (strstr (out->str, ",\"ok\":123456789012345678901234567890,"));
  g_assert_nonnull (strstr (out->str, "\"nested\":{\"a\":[\"1e999999\", -2.5e-3, "
                                      "\"x\\\"\\u007f\\u009b 1e999999\"],"
                                      "\"s\":[\"NaN\",\"-Infinity\",true,null,false],"
                                      "\"b\":\"9999"));
  g_assert_true (g_str_has_suffix (out->str, "\",\"c\":{\"d\":\"-1E+400\"}}}}\n"));

  fd = g_file_open_tmp ("logdeck-test-jsonl-XXXXXX", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, out->str, out->len, &error));
  result = python_check_lines (path, "lines[0]['extra']['inf'], "
                                     "lines[0]['extra']['long'] == '9' * 100000, "
                                     "lines[0]['extra']['nested']['a']");
  g_assert_cmpstr (result, ==, "1e999999 True ['1e999999', -0.0025, 'x\"\\x7f\\x9b 1e999999']\n");
  g_unlink (path);
}

/* The "extra" object alone, for the CSV export, is the JSON line's own. */
static void
test_extra_object (void)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autoptr(GString) line = g_string_new (NULL);
  g_autoptr(GString) extra = g_string_new (NULL);
  LdRecordFields bare = { .level = 20, .message = "bare" };
  LdRecord record;
  const char *text;

  add_full_record (batch);
  ld_batch_add (batch, &bare);

  record = *ld_batch_get_record (batch, 0, &text);
  record.text = text;
  ld_jsonl_append_record (line, &record, NULL);
  g_assert_true (ld_jsonl_append_extra (extra, &record));
  g_string_prepend (extra, ",\"extra\":");
  g_string_append (extra, "}\n");
  g_assert_true (g_str_has_suffix (line->str, extra->str));

  record = *ld_batch_get_record (batch, 1, &text);
  record.text = text;
  g_string_truncate (extra, 0);
  g_assert_false (ld_jsonl_append_extra (extra, &record));
  g_assert_cmpuint (extra->len, ==, 0);
}

static const LdRecordOrigin file_origin = { "app.jsonl", "/var/log/app.jsonl", "file", 0 };

/* Reads one line back; it must be a record of Logdeck's. */
static void
read_line (LdJsonlReader *reader,
           LdBatch       *batch,
           const char    *line)
{
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (ld_jsonl_reader_add_line (reader, batch, line, strlen (line), &error), ==,
                   LD_JSONL_LINE_RECORD);
  g_assert_no_error (error);
}

/* A line read back is the same record: written again, the same line, extra
 * fields and their types included. */
static void
test_read_back (void)
{
  g_autoptr(LdJsonlReader) reader = ld_jsonl_reader_new (&file_origin);
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autoptr(LdBatch) read = ld_batch_new ();
  g_autoptr(GString) written = g_string_new (NULL);
  g_autoptr(GString) again = g_string_new (NULL);
  LdRecord record;
  const char *text;
  LdValueType type;
  const char *value;
  gsize len;

  add_full_record (batch);
  ld_jsonl_append_batch (written, batch);
  g_string_truncate (written, written->len - 1);
  read_line (reader, read, written->str);
  g_assert_cmpuint (ld_batch_get_length (read), ==, 1);
  g_assert_cmpint (ld_jsonl_reader_get_last_time (reader), ==,
                   G_GINT64_CONSTANT (1700000000123456));

  ld_jsonl_append_batch (again, read);
  g_string_append_c (written, '\n');
  g_assert_cmpstr (again->str, ==, written->str);

  record = *ld_batch_get_record (read, 0, &text);
  record.text = text;
  g_assert_cmpstr (ld_intern_lookup (record.level_name), ==, "Level 25");
  g_assert_cmpstr (ld_intern_lookup (record.connection), ==, "tcp-3");
  g_assert_cmpstr (ld_intern_lookup (record.host), ==, "db-1");
  g_assert_cmpstr (ld_intern_lookup (record.service), ==, "orders");
  g_assert_true (ld_record_get_extra (&record, LD_RECORD_TRACE_ID, &type, &value, &len));
  g_assert_cmpmem (value, len, "4bf92f3577b34da6a3ce929d0e0e4736", 32);
  g_assert_true (ld_record_get_extra (&record, "obj", &type, &value, &len));
  g_assert_cmpint (type, ==, LD_VALUE_JSON);
  g_assert_cmpmem (value, len, "{\"a\":[true]}", 12);
  g_assert_true (ld_record_get_extra (&record, "z", &type, &value, &len));
  g_assert_cmpint (type, ==, LD_VALUE_NULL);
}

/* A record that names no origin takes the reader's. */
static void
test_read_origin (void)
{
  g_autoptr(LdJsonlReader) reader = ld_jsonl_reader_new (&file_origin);
  g_autoptr(LdBatch) read = ld_batch_new ();
  const char *text;
  const LdRecord *record;

  read_line (reader, read, "{\"time\":\"1970-01-01T00:00:01.000000+00:00\",\"level\":\"INFO\","
                           "\"levelno\":20,\"message\":\"m\"}  ");
  record = ld_batch_get_record (read, 0, &text);
  g_assert_cmpint (record->time_us, ==, G_USEC_PER_SEC);
  g_assert_cmpstr (ld_intern_lookup (record->connection), ==, file_origin.connection);
  g_assert_cmpstr (ld_intern_lookup (record->peer), ==, file_origin.peer);
  g_assert_cmpstr (ld_intern_lookup (record->protocol), ==, file_origin.protocol);
}

/* Other JSON is left to the normaliser, untouched; a line that is not JSON
 * says why. */
static void
test_read_other (void)
{
  static const char * const other[] = {
    "{\"msg\":\"hi\",\"level\":\"info\"}",
    "{\"time\":\"1970-01-01T00:00:00Z\",\"level\":\"INFO\",\"levelno\":20}",
    "{\"time\":\"1970-01-01T00:00:00Z\",\"level\":\"INFO\",\"levelno\":20,\"message\":\"m\","
    "\"user\":\"al\"}",
    "{\"time\":\"1970-01-01T00:00:00Z\",\"level\":\"INFO\",\"levelno\":20,\"message\":\"m\","
    "\"message\":\"n\"}",
    "{\"time\":\"yesterday\",\"level\":\"INFO\",\"levelno\":20,\"message\":\"m\"}",
    "[{\"message\":\"m\"}]",
  };
  g_autoptr(LdJsonlReader) reader = ld_jsonl_reader_new (&file_origin);
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (other); i++)
    {
      g_test_message ("%s", other[i]);
      g_assert_cmpint (ld_jsonl_reader_add_line (reader, batch, other[i], strlen (other[i]),
                                                 &error), ==, LD_JSONL_LINE_OTHER);
      g_assert_no_error (error);
    }
  g_assert_cmpint (ld_jsonl_reader_add_line (reader, batch, " \t", 2, &error), ==,
                   LD_JSONL_LINE_BLANK);
  g_assert_cmpint (ld_jsonl_reader_add_line (reader, batch, "{\"time\":", 8, &error), ==,
                   LD_JSONL_LINE_BAD);
  g_assert_nonnull (error);
  g_assert_cmpuint (ld_batch_get_length (batch), ==, 0);
  g_assert_cmpint (ld_jsonl_reader_get_last_time (reader), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/jsonl/escaping", test_escaping);
  g_test_add_func ("/jsonl/escaping-random", test_escaping_random);
  g_test_add_func ("/jsonl/escaping-text", test_escaping_text);
  g_test_add_func ("/jsonl/portable-numbers", test_portable_numbers);
  g_test_add_func ("/jsonl/unportable-numbers", test_unportable_numbers);
  g_test_add_func ("/jsonl/extra-object", test_extra_object);
  g_test_add_func ("/jsonl/time", test_time);
  g_test_add_func ("/jsonl/every-field", test_every_field);
  g_test_add_func ("/jsonl/absent-fields", test_absent_fields);
  g_test_add_func ("/jsonl/level-names", test_level_names);
  g_test_add_func ("/jsonl/store-records", test_store_records);
  g_test_add_func ("/jsonl/read-back", test_read_back);
  g_test_add_func ("/jsonl/read-origin", test_read_origin);
  g_test_add_func ("/jsonl/read-other", test_read_other);

  return g_test_run ();
}
