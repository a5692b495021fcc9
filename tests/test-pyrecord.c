// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "ld-pyformat.h"
#include "ld-pyrecord.h"
#include "pickle-builder.h"

/* The expected texts come from CPython 3.11 itself: each case is the format,
 * the args pickled with protocol 2 (in hex), and what `format % args` gave. */
typedef struct
{
  const char *format;
  const char *args_hex;
  const char *expected;
} FormatCase;

static const FormatCase format_cases[] = {
  { "%05.3d", "80024b058571002e", "00005" },
  { "%+05d", "80024b038571002e", "+0003" },
  { "%#06x", "80024bff8571002e", "0x00ff" },
  { "%#o", "80024b088571002e", "0o10" },
  { "%#x", "80024b008571002e", "0x0" },
  { "%05f", "8002477ff00000000000008571002e", "00inf" },
  { "%+f", "8002477ff80000000000008571002e", "+nan" },
  { "%-5d|", "80024b038571002e", "3    |" },
  { "%.3d", "80024b058571002e", "005" },
  { "%05s", "80025802000000616271008571012e", "   ab" },
  { "%x", "80024a01ffffff8571002e", "-ff" },
  { "%#X", "80024a01ffffff8571002e", "-0XFF" },
  { "%d", "800247400d99999999999a8571002e", "3" },
  { "%d", "8002888571002e", "1" },
  { "%.2s", "8002580600000068c3a96c6c6f71008571012e", "h\303\251" },
  { "%5s|", "80025802000000c3a971008571012e", "    \303\251|" },
  { "%c", "80024be98571002e", "\303\251" },
  { "%c", "800258010000007871008571012e", "x" },
  { "%e", "80024740c81cd6c8b439588571002e", "1.234568e+04" },
  { "%g", "8002473ee4f8b588e368f18571002e", "1e-05" },
  { "%#.0f", "80024740080000000000008571002e", "3." },
  { "%.0f", "80024740040000000000008571002e", "2" },
  { "%r", "800258040000006974277371008571012e", "\"it's\"" },
  { "%r", "80025805000000612262276371008571012e", "'a\"b\\'c'" },
  { "%a", "80025805000000c3a9e280a871008571012e", "'\\xe9\\u2028'" },
  { "%f", "80024780000000000000008571002e", "-0.000000" },
  { "% d", "80024b058571002e", " 5" },
  { "%010.3f", "800247c00921f9f01b866e8571002e", "-00003.142" },
  { "%-010.3f|", "800247c00921f9f01b866e8571002e", "-3.142    |" },
  { "%*d", "80024b054b2a8671002e", "   42" },
  { "%.*f", "80024b0247400921f9f01b866e8671002e", "3.14" },
  { "%-*d|", "80024b044b078671002e", "7   |" },
  { "%*d|", "80024afcffffff4b078671002e", "7   |" },
  { "%G", "8002474415af1d78b58c408571002e", "1E+20" },
  { "%E", "8002477ff00000000000008571002e", "INF" },
  { "%010e", "800247fff00000000000008571002e", "-000000inf" },
  { "%d", "80028a09000010632d5ec76b058571002e", "100000000000000000000" },
  { "%x", "80028a09000010632d5ec76b058571002e", "56bc75e2d63100000" },
  { "%X", "80028a0d000000c015128bb92f63d360f38571002e", "-C9F2C9CD04674EDEA40000000" },
  { "%d", "8002474415af1d78b58c408571002e", "100000000000000000000" },
  { "%o", "80024af8ffffff8571002e", "-10" },
  { "%.3x", "80024b058571002e", "005" },
  { "%#.3x", "80024b058571002e", "0x005" },
  { "%#5.3x|", "80024b058571002e", "0x005|" },
  { "%#05x", "80024b058571002e", "0x005" },
  { "%s", "80024e8571002e", "None" },
  { "%s", "8002473ff80000000000008571002e", "1.5" },
  { "%s", "80025d7100284b015801000000617101658571022e", "[1, 'a']" },
  { "%u", "80024b058571002e", "5" },
  { "%% done %s", "800258010000007871008571012e", "% done x" },
  { "%i%%", "80024b328571002e", "50%" },
  { "%s and %r", "80025803000000610a62710068008671012e", "a\012b and 'a\\nb'" },
  { "%ld", "80024b078571002e", "7" },
  { "%.f", "80024740060000000000008571002e", "3" },
  { "%10.4s|", "800258070000006162636465666771008571012e", "      abcd|" },
  { "%(a)s %(b)d", "80027d7100285801000000617101580100000078710258010000006271034b02752e", "x 2" },
  { "%(a(b))s", "80027d710058040000006128622971014b01732e", "1" },
  { "%s", "80027d710058010000006171014b01732e", "{'a': 1}" },
  { "x", "80027d710058010000006171014b01732e", "x" },
  { "%(a)5.1f|", "80027d71005801000000617101474002000000000000732e", "  2.2|" },
  { "%s", "8002635f636f646563730a656e636f64650a7100580200000062797101"
          "58060000006c6174696e3171028671035271048571052e", "b'by'" },
  { "%s %s", "8002884e8671002e", "True None" },
  { "%-8s|%8s|", "80025802000000616271005802000000636471018671022e", "ab      |      cd|" },
  { "%s", "80025804000000f09f988071008571012e", "\360\237\230\200" },
  { "%r", "80025803000000007f0971008571012e", "'\\x00\\x7f\\t'" },
  { "%d items", "80024b052e", "5 items" },
  { "%s", "8002580600000073696e676c6571002e", "single" },
};

/* Where Python raises, the message is kept as sent and the arguments follow
 * it. A precision of 100000 is refused by Logdeck, though Python allows it. */
static const FormatCase mismatch_cases[] = {
  { "%(a)s %s", "80027d710058010000006171014b01732e", "%(a)s %s | args: {'a': 1}" },
  { "%(a)s", "800258010000007871008571012e", "%(a)s | args: ('x',)" },
  { "%s %s", "800258010000007871008571012e", "%s %s | args: ('x',)" },
  { "%s", "8002580100000078710058010000007971018671022e", "%s | args: ('x', 'y')" },
  { "%d", "800258010000007871008571012e", "%d | args: ('x',)" },
  { "%(z)s", "80027d710058010000006171014b01732e", "%(z)s | args: {'a': 1}" },
  { "%q", "80024b018571002e", "%q | args: (1,)" },
  { "abc %", "80024b018571002e", "abc % | args: (1,)" },
  { "%c", "80024a000011008571002e", "%c | args: (1114112,)" },
  { "%c", "80025802000000787971008571012e", "%c | args: ('xy',)" },
  { "%.100000f", "8002473ff00000000000008571002e", "%.100000f | args: (1.0,)" },
  { "%x", "8002473ff80000000000008571002e", "%x | args: (1.5,)" },
  { "%*d", "800258010000006171004b018671012e", "%*d | args: ('a', 1)" },
  { "%(a", "80027d710058010000006171014b01732e", "%(a | args: {'a': 1}" },
  { "no conversions", "800258010000007871008571012e", "no conversions | args: ('x',)" },
  { "%f", "800258010000007871008571012e", "%f | args: ('x',)" },
};

static LdPickleValue *
decode_hex (const char *hex)
{
  gsize length = strlen (hex) / 2;
  g_autofree guint8 *data = g_malloc (length);
  g_autoptr(GError) error = NULL;
  LdPickleLimits limits;
  LdPickleValue *value;

  for (gsize i = 0; i < length; i++)
    data[i] = g_ascii_xdigit_value (hex[2 * i]) * 16 + g_ascii_xdigit_value (hex[2 * i + 1]);

  ld_pickle_limits_init_default (&limits);
  value = ld_pickle_decode (data, length, &limits, &error);
  g_assert_no_error (error);

  return value;
}

static void
check_format_cases (const FormatCase *cases,
                    guint             n_cases)
{
  for (guint i = 0; i < n_cases; i++)
    {
      g_autoptr(LdPickleValue) args = decode_hex (cases[i].args_hex);
      g_autoptr(GString) out = g_string_new (NULL);

      ld_pyformat_message (out, cases[i].format, strlen (cases[i].format), args);
      if (g_strcmp0 (out->str, cases[i].expected) != 0)
        g_error ("%s %% %s gave “%s”, not “%s”", cases[i].format, cases[i].args_hex,
                 out->str, cases[i].expected);
    }
}

static void
test_format_like_python (void)
{
  check_format_cases (format_cases, G_N_ELEMENTS (format_cases));
}

static void
test_format_mismatch (void)
{
  check_format_cases (mismatch_cases, G_N_ELEMENTS (mismatch_cases));
}

/* Random formats against a few kinds of arguments: never a crash, always
 * valid UTF-8 (run under the sanitizers, this is a small fuzzer). */
static void
test_format_random (void)
{
  static const char alphabet[] = "%%%%()-+ #0123456789.*sdrxXoeEfFgGciaulL\303\251ab";
  static const char *const args_hex[] = {
    "80024b058571002e",                                       /* (5,) */
    "80025802000000616271008571012e",                         /* ('ab',) */
    "80024b054b2a8671002e",                                   /* (5, 42) */
    "80027d7100285801000000617101580100000078710258010000006271034b02752e", /* dict */
    "8002477ff80000000000008571002e",                         /* (nan,) */
    "80028a09000010632d5ec76b058571002e",                     /* (10**20,) */
  };
  GRand *rand = g_rand_new_with_seed (20241121);

  for (guint a = 0; a < G_N_ELEMENTS (args_hex); a++)
    {
      g_autoptr(LdPickleValue) args = decode_hex (args_hex[a]);

      for (guint i = 0; i < 5000; i++)
        {
          char format[24];
          guint length = g_rand_int_range (rand, 1, sizeof format);
          g_autoptr(GString) out = g_string_new (NULL);

          for (guint j = 0; j < length; j++)
            format[j] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
          ld_pyformat_message (out, format, length, args);
          g_assert_true (g_utf8_validate (out->str, out->len, NULL)
                         || !g_utf8_validate (format, length, NULL));
        }
    }

  g_rand_free (rand);
}

static void
test_format_errors_say_why (void)
{
  g_autoptr(LdPickleValue) args = decode_hex ("8002580100000078710058010000007971018671022e");
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  g_assert_false (ld_pyformat_percent (out, "%s", 2, args, &error));
  g_assert_error (error, LD_PYFORMAT_ERROR, LD_PYFORMAT_ERROR_MISMATCH);
  g_assert_nonnull (strstr (error->message, "not all arguments converted"));
}

/* A record as test-pyrecord checks it: its packed text made reachable. */
typedef struct
{
  LdBatch  *batch;
  LdRecord  record;
} Added;

static void
added_clear (Added *added)
{
  g_clear_pointer (&added->batch, ld_batch_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Added, added_clear)

static gboolean
add_pickle (GBytes  *pickle,
            Added   *added,
            GError **error)
{
  LdRecordOrigin origin = {
    .connection = "tcp-7",
    .peer = "127.0.0.1:50000",
    .protocol = "tcp-pickle",
    .received_us = 1234567,
  };
  const char *text;
  gsize length;
  const guint8 *data = g_bytes_get_data (pickle, &length);

  added->batch = ld_batch_new ();
  if (!ld_pyrecord_add_pickle (added->batch, data, length, NULL, &origin, error))
    return FALSE;

  g_assert_cmpuint (ld_batch_get_length (added->batch), ==, 1);
  added->record = *ld_batch_get_record (added->batch, 0, &text);
  added->record.text = text;
  return TRUE;
}

static const char *
field (guint32 id)
{
  return ld_intern_lookup (id);
}

static void
assert_extra (const LdRecord *record,
              const char     *key,
              LdValueType     expected_type,
              const char     *expected)
{
  LdValueType type;
  const char *value;
  gsize length;

  if (!ld_record_get_extra (record, key, &type, &value, &length))
    g_error ("no extra field “%s”", key);
  g_assert_cmpint (type, ==, expected_type);
  if (expected != NULL)
    {
      g_autofree char *copy = g_strndup (value, length);
      g_assert_cmpstr (copy, ==, expected);
    }
}

static void
begin_record (PickleBuilder *pb)
{
  pb_byte (pb, '}');   /* EMPTY_DICT */
  pb_mark (pb);
}

static void
end_record (PickleBuilder *pb)
{
  pb_byte (pb, 'u');   /* SETITEMS */
}

/* What SocketHandler.makePickle() sends for a typical record. */
static void
add_standard_items (PickleBuilder *pb)
{
  pb_item_str (pb, "name", "app.db");
  pb_item_str (pb, "msg", "connected to %s");
  pb_item_str (pb, "args", NULL);
  pb_item_str (pb, "levelname", "WARNING");
  pb_item_int (pb, "levelno", 30);
  pb_item_str (pb, "pathname", "/srv/app/db.py");
  pb_item_str (pb, "filename", "db.py");
  pb_item_str (pb, "module", "db");
  pb_item_str (pb, "exc_info", NULL);
  pb_item_str (pb, "exc_text", "Traceback (most recent call last):\nValueError: x");
  pb_item_str (pb, "stack_info", "Stack (most recent call last):\n  File \"db.py\"");
  pb_item_int (pb, "lineno", 42);
  pb_item_str (pb, "funcName", "connect");
  pb_item_float (pb, "created", 1700000000.123456);
  pb_item_float (pb, "msecs", 123.0);
  pb_item_float (pb, "relativeCreated", 5.5);
  pb_item_int (pb, "thread", 140000000000123);
  pb_item_str (pb, "threadName", "worker-1");
  pb_item_str (pb, "processName", "MainProcess");
  pb_item_int (pb, "process", 4242);
  pb_item_str (pb, "taskName", NULL);
}

static void
test_standard_fields (void)
{
  PickleBuilder *pb = pb_new ();
  g_autoptr(GBytes) pickle = NULL;
  g_auto(Added) added = { 0 };
  g_autoptr(GError) error = NULL;
  const LdRecord *r = &added.record;
  const char *text;
  gsize length;

  begin_record (pb);
  add_standard_items (pb);
  end_record (pb);
  pickle = pb_finish (pb);

  g_assert_true (add_pickle (pickle, &added, &error));
  g_assert_no_error (error);
  g_assert_cmpint (r->time_us, ==, G_GINT64_CONSTANT (1700000000123456));
  g_assert_cmpint (r->level, ==, 30);
  g_assert_cmpstr (field (r->level_name), ==, "WARNING");
  g_assert_cmpstr (field (r->logger), ==, "app.db");
  text = ld_record_get_message (r, &length);
  g_assert_cmpmem (text, length, "connected to %s", strlen ("connected to %s"));
  text = ld_record_get_exception (r, &length);
  g_assert_cmpmem (text, length, "Traceback (most recent call last):\nValueError: x", 48);
  text = ld_record_get_stack (r, &length);
  g_assert_true (g_str_has_prefix (text, "Stack (most recent call last):"));
  g_assert_cmpstr (field (r->thread), ==, "worker-1");
  g_assert_cmpint (r->thread_id, ==, G_GINT64_CONSTANT (140000000000123));
  g_assert_cmpstr (field (r->process_name), ==, "MainProcess");
  g_assert_cmpint (r->process, ==, 4242);
  g_assert_cmpuint (r->task, ==, LD_INTERN_NONE);
  g_assert_cmpstr (field (r->file), ==, "/srv/app/db.py");
  g_assert_cmpuint (r->line, ==, 42);
  g_assert_cmpstr (field (r->function), ==, "connect");
  g_assert_cmpstr (field (r->connection), ==, "tcp-7");
  g_assert_cmpstr (field (r->peer), ==, "127.0.0.1:50000");
  g_assert_cmpstr (field (r->protocol), ==, "tcp-pickle");
  /* Everything else was LogRecord's own, and derived or empty. */
  g_assert_cmpuint (ld_record_n_extras (r), ==, 0);
}

static void
test_extras (void)
{
  PickleBuilder *pb = pb_new ();
  g_autoptr(GBytes) pickle = NULL;
  g_auto(Added) added = { 0 };
  g_autoptr(GError) error = NULL;

  begin_record (pb);
  add_standard_items (pb);
  pb_item_str (pb, "user", "alice \"the admin\"");
  pb_item_int (pb, "count", -3);
  pb_item_int (pb, "big", G_GINT64_CONSTANT (9000000000000));
  pb_item_float (pb, "ratio", 0.1);
  pb_item_float (pb, "nan", NAN);
  pb_str (pb, "ok");
  pb_bool (pb, TRUE);
  pb_item_str (pb, "nothing", NULL);
  pb_str (pb, "tags");
  pb_mark (pb);
  pb_int (pb, 1);
  pb_str (pb, "a");
  pb_none (pb);
  pb_list (pb);
  pb_str (pb, "pair");
  pb_mark (pb);
  pb_str (pb, "x");
  pb_float (pb, 2.5);
  pb_tuple (pb);
  pb_str (pb, "cmd");
  pb_global (pb, "os", "system");
  pb_mark (pb);
  pb_str (pb, "touch /tmp/never");
  pb_tuple (pb);
  pb_reduce (pb);
  end_record (pb);
  pickle = pb_finish (pb);

  g_assert_true (add_pickle (pickle, &added, &error));
  g_assert_no_error (error);
  assert_extra (&added.record, "user", LD_VALUE_STRING, "alice \"the admin\"");
  assert_extra (&added.record, "count", LD_VALUE_NUMBER, "-3");
  assert_extra (&added.record, "big", LD_VALUE_NUMBER, "9000000000000");
  assert_extra (&added.record, "ratio", LD_VALUE_NUMBER, "0.1");
  assert_extra (&added.record, "nan", LD_VALUE_STRING, "nan");
  assert_extra (&added.record, "ok", LD_VALUE_BOOL, "true");
  assert_extra (&added.record, "nothing", LD_VALUE_NULL, "");
  assert_extra (&added.record, "tags", LD_VALUE_JSON, "[1,\"a\",null]");
  assert_extra (&added.record, "pair", LD_VALUE_JSON, "[\"x\",2.5]");
  assert_extra (&added.record, "cmd", LD_VALUE_STRING, NULL);
  g_assert_cmpuint (ld_record_n_extras (&added.record), ==, 10);
}

static void
test_many_extras (void)
{
  PickleBuilder *pb = pb_new ();
  g_autoptr(GBytes) pickle = NULL;
  g_auto(Added) added = { 0 };
  g_autoptr(GError) error = NULL;

  begin_record (pb);
  pb_item_str (pb, "msg", "wide");
  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *key = g_strdup_printf ("field%u", i);
      pb_item_int (pb, key, i);
    }
  end_record (pb);
  pickle = pb_finish (pb);

  g_assert_true (add_pickle (pickle, &added, &error));
  g_assert_cmpuint (ld_record_n_extras (&added.record), ==, 100);
  assert_extra (&added.record, "field0", LD_VALUE_NUMBER, "0");
  assert_extra (&added.record, "field99", LD_VALUE_NUMBER, "99");
}

static void
test_non_finite_in_json (void)
{
  PickleBuilder *pb = pb_new ();
  g_autoptr(GBytes) pickle = NULL;
  g_auto(Added) added = { 0 };
  g_autoptr(GError) error = NULL;

  begin_record (pb);
  pb_str (pb, "values");
  pb_mark (pb);
  pb_float (pb, 1.0);
  pb_float (pb, NAN);
  pb_float (pb, INFINITY);
  pb_float (pb, -INFINITY);
  pb_str (pb, "NaN \"Infinity\"");
  pb_list (pb);
  end_record (pb);
  pickle = pb_finish (pb);

  g_assert_true (add_pickle (pickle, &added, &error));
  assert_extra (&added.record, "values", LD_VALUE_JSON,
                "[1.0,null,null,null,\"NaN \\\"Infinity\\\"\"]");
}

static void
test_placeholder_text (void)
{
  PickleBuilder *pb = pb_new ();
  g_autoptr(GBytes) pickle = NULL;
  g_auto(Added) added = { 0 };
  g_autoptr(GError) error = NULL;
  LdValueType type;
  const char *value;
  gsize length;
  g_autofree char *copy = NULL;

  begin_record (pb);
  pb_item_str (pb, "msg", "hi");
  pb_str (pb, "cmd");
  pb_global (pb, "os", "system");
  pb_mark (pb);
  pb_str (pb, "touch /tmp/never");
  pb_tuple (pb);
  pb_reduce (pb);
  end_record (pb);
  pickle = pb_finish (pb);

  g_assert_true (add_pickle (pickle, &added, &error));
  g_assert_true (ld_record_get_extra (&added.record, "cmd", &type, &value, &length));
  copy = g_strndup (value, length);
  g_test_message ("os.system placeholder: %s", copy);
  g_assert_nonnull (strstr (copy, "system"));
}

static void
check_level (gint64      levelno,
             const char *levelname,
             int         expected_level,
             const char *expected_name)
{
  PickleBuilder *pb = pb_new ();
  g_autoptr(GBytes) pickle = NULL;
  g_auto(Added) added = { 0 };
  g_autoptr(GError) error = NULL;

  begin_record (pb);
  pb_item_str (pb, "msg", "m");
  if (levelno >= 0)
    pb_item_int (pb, "levelno", levelno);
  if (levelname != NULL)
    pb_item_str (pb, "levelname", levelname);
  end_record (pb);
  pickle = pb_finish (pb);

  g_assert_true (add_pickle (pickle, &added, &error));
  g_assert_cmpint (added.record.level, ==, expected_level);
  g_assert_cmpstr (field (added.record.level_name), ==, expected_name);
}

static void
test_custom_levels (void)
{
  check_level (25, "Level 25", 25, "Level 25");
  check_level (5, "TRACE", 5, "TRACE");
  check_level (25, "NOTICE", 25, "NOTICE");
  check_level (-1, "Level 5", 5, "Level 5");
  check_level (-1, "warn", 30, "warn");
  check_level (35, NULL, 35, NULL);
  check_level (-1, NULL, 0, NULL);
}

static void
check_time (PickleBuilder *pb,
            gint64         expected)
{
  g_autoptr(GBytes) pickle = NULL;
  g_auto(Added) added = { 0 };
  g_autoptr(GError) error = NULL;

  end_record (pb);
  pickle = pb_finish (pb);
  g_assert_true (add_pickle (pickle, &added, &error));
  g_assert_cmpint (added.record.time_us, ==, expected);
}

static void
test_time (void)
{
  PickleBuilder *pb;

  pb = pb_new ();
  begin_record (pb);
  pb_item_float (pb, "created", 1700000000.5);
  pb_item_float (pb, "msecs", 500.0);
  check_time (pb, G_GINT64_CONSTANT (1700000000500000));

  /* An integer "created" from an odd sender takes its milliseconds from msecs. */
  pb = pb_new ();
  begin_record (pb);
  pb_item_int (pb, "created", 1700000000);
  pb_item_float (pb, "msecs", 250.5);
  check_time (pb, G_GINT64_CONSTANT (1700000000250500));

  pb = pb_new ();
  begin_record (pb);
  pb_item_str (pb, "created", "yesterday");
  check_time (pb, 1234567);

  pb = pb_new ();
  begin_record (pb);
  pb_item_float (pb, "created", INFINITY);
  check_time (pb, 1234567);
}

static void
test_derived_names (void)
{
  PickleBuilder *pb = pb_new ();
  g_autoptr(GBytes) pickle = NULL;
  g_auto(Added) added = { 0 };
  g_autoptr(GError) error = NULL;
  LdValueType type;
  const char *value;
  gsize length;

  begin_record (pb);
  pb_item_str (pb, "pathname", "/srv/app/db.py");
  pb_item_str (pb, "filename", "renamed.py");
  pb_item_str (pb, "module", "renamed");
  end_record (pb);
  pickle = pb_finish (pb);

  g_assert_true (add_pickle (pickle, &added, &error));
  g_assert_cmpstr (field (added.record.file), ==, "/srv/app/db.py");
  assert_extra (&added.record, "filename", LD_VALUE_STRING, "renamed.py");
  assert_extra (&added.record, "module", LD_VALUE_STRING, "renamed");
  g_clear_pointer (&added.batch, ld_batch_free);
  g_clear_pointer (&pickle, g_bytes_unref);

  /* Without a pathname the file name is the file, and its module is derived. */
  pb = pb_new ();
  begin_record (pb);
  pb_item_str (pb, "filename", "tool.py");
  pb_item_str (pb, "module", "tool");
  end_record (pb);
  pickle = pb_finish (pb);
  g_assert_true (add_pickle (pickle, &added, &error));
  g_assert_cmpstr (field (added.record.file), ==, "tool.py");
  g_assert_false (ld_record_get_extra (&added.record, "module", &type, &value, &length));
}

static void
check_message (PickleBuilder *pb,
               const char    *expected)
{
  g_autoptr(GBytes) pickle = NULL;
  g_auto(Added) added = { 0 };
  g_autoptr(GError) error = NULL;
  const char *text;
  gsize length;
  g_autofree char *copy = NULL;

  end_record (pb);
  pickle = pb_finish (pb);
  g_assert_true (add_pickle (pickle, &added, &error));
  text = ld_record_get_message (&added.record, &length);
  copy = g_strndup (text, length);
  g_assert_cmpstr (copy, ==, expected);
}

static void
test_message_args (void)
{
  PickleBuilder *pb;

  pb = pb_new ();
  begin_record (pb);
  pb_item_str (pb, "msg", "%s has %d items");
  pb_str (pb, "args");
  pb_mark (pb);
  pb_str (pb, "cart");
  pb_int (pb, 3);
  pb_tuple (pb);
  check_message (pb, "cart has 3 items");

  pb = pb_new ();
  begin_record (pb);
  pb_item_str (pb, "msg", "user %(user)s from %(ip)s");
  pb_str (pb, "args");
  pb_mark (pb);
  pb_str (pb, "user");
  pb_str (pb, "bob");
  pb_str (pb, "ip");
  pb_str (pb, "10.0.0.1");
  pb_dict (pb);
  check_message (pb, "user bob from 10.0.0.1");

  pb = pb_new ();
  begin_record (pb);
  pb_item_str (pb, "msg", "%d%% done, %s");
  pb_str (pb, "args");
  pb_mark (pb);
  pb_str (pb, "fifty");
  pb_tuple (pb);
  check_message (pb, "%d%% done, %s | args: ('fifty',)");

  /* Empty args are left alone, so a lone % in the message stays. */
  pb = pb_new ();
  begin_record (pb);
  pb_item_str (pb, "msg", "100% sure");
  pb_str (pb, "args");
  pb_mark (pb);
  pb_tuple (pb);
  check_message (pb, "100% sure");

  /* getMessage() takes str() of a msg that is not a str. */
  pb = pb_new ();
  begin_record (pb);
  pb_str (pb, "msg");
  pb_mark (pb);
  pb_int (pb, 1);
  pb_int (pb, 2);
  pb_list (pb);
  check_message (pb, "[1, 2]");

  pb = pb_new ();
  begin_record (pb);
  pb_item_str (pb, "msg", "");
  check_message (pb, "");
}

static void
test_unexpected_types (void)
{
  PickleBuilder *pb = pb_new ();
  g_autoptr(GBytes) pickle = NULL;
  g_auto(Added) added = { 0 };
  g_autoptr(GError) error = NULL;

  begin_record (pb);
  pb_item_int (pb, "name", 5);
  pb_item_str (pb, "lineno", "forty-two");
  pb_item_str (pb, "thread", NULL);
  pb_item_str (pb, "threadName", NULL);
  pb_str (pb, "levelno");
  pb_float (pb, 2.5);
  pb_int (pb, 7);          /* a key that is not a str */
  pb_str (pb, "seven");
  end_record (pb);
  pickle = pb_finish (pb);

  g_assert_true (add_pickle (pickle, &added, &error));
  g_assert_cmpuint (added.record.logger, ==, LD_INTERN_NONE);
  g_assert_cmpuint (added.record.line, ==, 0);
  g_assert_cmpint (added.record.thread_id, ==, 0);
  g_assert_cmpuint (added.record.thread, ==, LD_INTERN_NONE);
  assert_extra (&added.record, "name", LD_VALUE_NUMBER, "5");
  assert_extra (&added.record, "lineno", LD_VALUE_STRING, "forty-two");
  assert_extra (&added.record, "levelno", LD_VALUE_NUMBER, "2.5");
  assert_extra (&added.record, "7", LD_VALUE_STRING, "seven");
}

static void
test_not_a_record (void)
{
  PickleBuilder *pb = pb_new ();
  g_autoptr(GBytes) pickle = NULL;
  g_auto(Added) added = { 0 };
  g_autoptr(GError) error = NULL;

  pb_mark (pb);
  pb_int (pb, 1);
  pb_list (pb);
  pickle = pb_finish (pb);

  g_assert_false (add_pickle (pickle, &added, &error));
  g_assert_error (error, LD_PYRECORD_ERROR, LD_PYRECORD_ERROR_NOT_A_RECORD);
  g_assert_cmpuint (ld_batch_get_length (added.batch), ==, 0);
}

static void
test_bad_pickle (void)
{
  static const guint8 truncated[] = { 0x80, 0x02, '}', '(', 'X', 0xff, 0, 0, 0 };
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autoptr(GError) error = NULL;
  LdRecordOrigin origin = { 0 };

  g_assert_false (ld_pyrecord_add_pickle (batch, truncated, sizeof truncated, NULL, &origin,
                                          &error));
  g_assert_error (error, LD_PICKLE_ERROR, LD_PICKLE_ERROR_TRUNCATED);
  g_assert_cmpuint (ld_batch_get_length (batch), ==, 0);
}


/* A pickled dict may name a key twice, and the last value wins, as in
 * Python; the flat scanner leaves such a pickle to the full decoder. */
static void
test_repeated_keys (void)
{
  const char *keys[] = { "msg", "user" };

  for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
    {
      PickleBuilder *pb = pb_new ();
      g_autoptr(GBytes) pickle = NULL;
      g_autoptr(LdBatch) batch = ld_batch_new ();
      g_auto(Added) added = { 0 };
      g_autoptr(GError) error = NULL;
      LdRecordOrigin origin = { "tcp-1", NULL, "tcp-pickle", 1 };
      const guint8 *data;
      const char *text;
      gsize length;

      begin_record (pb);
      add_standard_items (pb);
      pb_item_str (pb, keys[k], "first");
      pb_item_str (pb, keys[k], "second");
      end_record (pb);
      pickle = pb_finish (pb);
      data = g_bytes_get_data (pickle, &length);

      g_assert_false (ld_pyrecord_try_add_flat (batch, data, length, NULL, &origin));
      g_assert_cmpuint (ld_batch_get_length (batch), ==, 0);
      g_assert_true (add_pickle (pickle, &added, &error));
      g_assert_no_error (error);
      if (k == 0)
        {
          text = ld_record_get_message (&added.record, &length);
          g_assert_cmpmem (text, length, "second", 6);
        }
      else
        {
          g_assert_cmpuint (ld_record_n_extras (&added.record), ==, 1);
          assert_extra (&added.record, "user", LD_VALUE_STRING, "second");
        }
    }
}

/* Two batches hold the same records, byte for byte. */
static void
assert_batches_equal (const LdBatch *a,
                      const LdBatch *b)
{
  g_assert_cmpuint (ld_batch_get_length (a), ==, ld_batch_get_length (b));
  for (guint i = 0; i < ld_batch_get_length (a); i++)
    {
      const char *text_a, *text_b;
      const LdRecord *ra = ld_batch_get_record (a, i, &text_a);
      const LdRecord *rb = ld_batch_get_record (b, i, &text_b);

      g_assert_cmpmem (ra, sizeof *ra, rb, sizeof *rb);
      g_assert_cmpmem (text_a, ra->message_len + ra->tail_len,
                       text_b, rb->message_len + rb->tail_len);
    }
}

/* The flat scanner gives what the full decoder gives, for CPython's own
 * frames with every protocol, and declines what it cannot read alone. */
static void
test_flat_matches_tree (void)
{
  const char *python = g_getenv ("LD_PYTHON3");
  const char *peers = g_getenv ("LD_PEERS_DIR");
  g_autofree char *script = NULL;
  g_autofree char *frames = NULL;
  g_autoptr(GError) error = NULL;
  LdRecordOrigin origin = { "tcp-1", "127.0.0.1:4000", "tcp-pickle", 1 };
  guint n_frames = 0, n_flat = 0, n_declined = 0;
  gsize length, pos = 0;
  int status;

  if (python == NULL || peers == NULL)
    {
      g_test_skip ("LD_PYTHON3 and LD_PEERS_DIR are not set");
      return;
    }
  script = g_build_filename (peers, "make_frames.py", NULL);
  {
    g_autofree char *dir = g_dir_make_tmp ("logdeck-test-flat-XXXXXX", &error);
    g_autofree char *path = NULL;
    const char *argv[] = { python, script, NULL, NULL };

    g_assert_no_error (error);
    path = g_build_filename (dir, "frames.bin", NULL);
    argv[2] = path;
    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                                 NULL, NULL, &status, &error));
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
    g_assert_true (g_file_get_contents (path, &frames, &length, &error));
    g_assert_no_error (error);
    g_unlink (path);
    g_rmdir (dir);
  }

  while (pos < length)
    {
      guint32 size;
      gboolean must_be_flat;
      const guint8 *pickle;
      g_autoptr(LdBatch) flat = ld_batch_new ();
      g_autoptr(LdBatch) tree = ld_batch_new ();
      g_autoptr(LdPickleValue) root = NULL;

      g_assert_cmpuint (pos + 5, <=, length);
      must_be_flat = frames[pos] == 1;
      memcpy (&size, frames + pos + 1, 4);
      size = GUINT32_FROM_BE (size);
      g_assert_cmpuint (pos + 5 + size, <=, length);
      pickle = (const guint8 *) frames + pos + 5;
      pos += 5 + size;
      n_frames++;

      root = ld_pickle_decode (pickle, size, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (ld_pyrecord_add (tree, root, &origin, &error));
      g_assert_no_error (error);

      if (ld_pyrecord_try_add_flat (flat, pickle, size, NULL, &origin))
        {
          n_flat++;
          assert_batches_equal (flat, tree);
        }
      else
        {
          g_assert_false (must_be_flat);
          g_assert_cmpuint (ld_batch_get_length (flat), ==, 0);
          n_declined++;
        }
    }

  g_test_message ("%u frames: %u flat, %u declined", n_frames, n_flat, n_declined);
  g_assert_cmpuint (n_flat, >, n_frames / 3);
  g_assert_cmpuint (n_declined, >, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/pyformat/like-python", test_format_like_python);
  g_test_add_func ("/pyformat/mismatch", test_format_mismatch);
  g_test_add_func ("/pyformat/errors-say-why", test_format_errors_say_why);
  g_test_add_func ("/pyformat/random", test_format_random);
  g_test_add_func ("/pyrecord/standard-fields", test_standard_fields);
  g_test_add_func ("/pyrecord/extras", test_extras);
  g_test_add_func ("/pyrecord/many-extras", test_many_extras);
  g_test_add_func ("/pyrecord/non-finite-in-json", test_non_finite_in_json);
  g_test_add_func ("/pyrecord/placeholder-text", test_placeholder_text);
  g_test_add_func ("/pyrecord/custom-levels", test_custom_levels);
  g_test_add_func ("/pyrecord/time", test_time);
  g_test_add_func ("/pyrecord/derived-names", test_derived_names);
  g_test_add_func ("/pyrecord/message-args", test_message_args);
  g_test_add_func ("/pyrecord/unexpected-types", test_unexpected_types);
  g_test_add_func ("/pyrecord/not-a-record", test_not_a_record);
  g_test_add_func ("/pyrecord/bad-pickle", test_bad_pickle);
  g_test_add_func ("/pyrecord/flat-matches-tree", test_flat_matches_tree);
  g_test_add_func ("/pyrecord/repeated-keys", test_repeated_keys);

  return g_test_run ();
}
