// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <string.h>

#include "ld-http-form.h"

/* The decoder of logging.handlers.HTTPHandler's urlencoded records on its
 * own, without a listener: the forms are what urllib.parse.urlencode()
 * writes for a LogRecord.__dict__ (CPython 3.11), plus what a broken or
 * hostile sender could send instead. */

/* What HTTPHandler sent for logging.getLogger("app.web").warning(
 * "user %s logged in from %s", "bob", 3, extra={"user": "alice"}). */
#define FULL_FORM \
  "name=app.web&msg=user+%25s+logged+in+from+%25s&args=%28%27bob%27%2C+3%29" \
  "&levelname=WARNING&levelno=30&pathname=%2Fsrv%2Fapp%2Fviews.py&filename=views.py" \
  "&module=views&exc_info=None&exc_text=None&stack_info=None&lineno=42&funcName=login" \
  "&created=1732190000.25&msecs=250.0&relativeCreated=5.5&thread=140245872146240" \
  "&threadName=MainThread&processName=MainProcess&process=4242&taskName=None&user=alice"

#define RECEIVED_US G_GINT64_CONSTANT (1000000000000000)

static const LdRecordOrigin origin = { "http-1", "127.0.0.1:50000", "http-form", RECEIVED_US };

/* The batch with the record of @form, which must be one. */
static LdBatch *
add_form_len (const char *form,
              gsize       length,
              LdRecord   *record)
{
  LdBatch *batch = ld_batch_new ();
  g_autoptr(GError) error = NULL;
  LdPickleLimits limits;
  const char *text;

  ld_pickle_limits_init_default (&limits);
  g_assert_true (ld_http_form_add_record (batch, form, length, &limits, &origin, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ld_batch_get_length (batch), ==, 1);

  *record = *ld_batch_get_record (batch, 0, &text);
  record->text = text;
  return batch;
}

static LdBatch *
add_form (const char *form,
          LdRecord   *record)
{
  return add_form_len (form, strlen (form), record);
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
assert_no_extra (const LdRecord *record,
                 const char     *key)
{
  LdValueType type;
  const char *value;
  gsize length;

  g_assert_false (ld_record_get_extra (record, key, &type, &value, &length));
}

static void
assert_not_a_record (const char *form,
                     gsize       length)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autoptr(GError) error = NULL;
  LdPickleLimits limits;

  ld_pickle_limits_init_default (&limits);
  g_assert_false (ld_http_form_add_record (batch, form, length, &limits, &origin, &error));
  g_assert_error (error, LD_HTTP_FORM_ERROR, LD_HTTP_FORM_ERROR_NOT_A_RECORD);
  g_assert_cmpuint (ld_batch_get_length (batch), ==, 0);
}

/* Every attribute lands in its field, msg % args is formatted, and the
 * attributes Python derived from others leave no extra field. */
static void
test_full_record (void)
{
  LdRecord record;
  g_autoptr(LdBatch) batch = add_form (FULL_FORM, &record);

  assert_message (&record, "user bob logged in from 3");
  g_assert_cmpint (record.time_us, ==, G_GINT64_CONSTANT (1732190000250000));
  g_assert_cmpint (record.level, ==, 30);
  g_assert_cmpstr (ld_intern_lookup (record.level_name), ==, "WARNING");
  g_assert_cmpstr (ld_intern_lookup (record.logger), ==, "app.web");
  g_assert_cmpstr (ld_intern_lookup (record.file), ==, "/srv/app/views.py");
  g_assert_cmpuint (record.line, ==, 42);
  g_assert_cmpstr (ld_intern_lookup (record.function), ==, "login");
  g_assert_cmpint (record.thread_id, ==, G_GINT64_CONSTANT (140245872146240));
  g_assert_cmpstr (ld_intern_lookup (record.thread), ==, "MainThread");
  g_assert_cmpint (record.process, ==, 4242);
  g_assert_cmpstr (ld_intern_lookup (record.process_name), ==, "MainProcess");
  g_assert_null (ld_intern_lookup (record.task));
  g_assert_cmpstr (ld_intern_lookup (record.connection), ==, "http-1");
  g_assert_cmpstr (ld_intern_lookup (record.peer), ==, "127.0.0.1:50000");
  g_assert_cmpstr (ld_intern_lookup (record.protocol), ==, "http-form");
  g_assert_cmpuint (record.tail_len, >, 0);   /* the extra field */

  assert_extra (&record, "user", LD_VALUE_STRING, "alice");
  assert_no_extra (&record, "filename");
  assert_no_extra (&record, "module");
  assert_no_extra (&record, "args");
  assert_no_extra (&record, "msecs");
  assert_no_extra (&record, "exc_info");
  g_assert_cmpuint (ld_record_n_extras (&record), ==, 1);
}

/* Percent escapes, "+" for a space, in keys and values alike; an escape
 * that does not decode leaves the text as sent, and bytes that are not
 * UTF-8 are repaired rather than refused. */
static void
test_encodings (void)
{
  static const struct
  {
    const char *form;
    const char *message;
  } cases[] = {
    { "msg=caf%C3%A9+au+lait+%2B+1%25", "café au lait + 1%" },
    { "m%73g=encoded+key", "encoded key" },
    { "msg=a%2bb+c%26d%3De", "a+b c&d=e" },
    { "msg=100%zz+done", "100%zz done" },
    { "msg=half%E", "half%E" },
    { "msg=bad%FFbyte", "bad\xef\xbf\xbd" "byte" },
    { "msg=line%0Abreak%09tab", "line\nbreak\ttab" },
    { "msg=%F0%9F%98%80", "\xf0\x9f\x98\x80" },
    { "msg=", "" },
    { "msg", "" },
    { "msg=a=b", "a=b" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      LdRecord record;
      g_autoptr(LdBatch) batch = add_form (cases[i].form, &record);

      assert_message (&record, cases[i].message);
    }
}

/* Empty pairs between "&"s are skipped, and "message", which a Formatter
 * adds to the record, stands in for a missing "msg". */
static void
test_odd_layout (void)
{
  LdRecord record;
  g_autoptr(LdBatch) a = add_form ("&&msg=hi&&levelno=20&", &record);
  g_autoptr(LdBatch) b = NULL;

  assert_message (&record, "hi");
  g_assert_cmpint (record.level, ==, 20);

  b = add_form ("message=formatted+already&levelname=ERROR", &record);
  assert_message (&record, "formatted already");
  g_assert_cmpstr (ld_intern_lookup (record.level_name), ==, "ERROR");
}

/* A key sent twice is a dict key set twice: the last value wins, as in the
 * dict Python would build from the same pairs. */
static void
test_repeated_keys (void)
{
  LdRecord record;
  g_autoptr(LdBatch) batch = add_form ("msg=first&user=a&msg=second&user=b&levelno=10"
                                       "&levelno=40", &record);

  assert_message (&record, "second");
  g_assert_cmpint (record.level, ==, 40);
  assert_extra (&record, "user", LD_VALUE_STRING, "b");
}

/* Only a message is needed; what is missing is absent, and the time is
 * when the form was received. */
static void
test_missing_fields (void)
{
  LdRecord record;
  g_autoptr(LdBatch) batch = add_form ("msg=only+this", &record);

  assert_message (&record, "only this");
  g_assert_cmpint (record.time_us, ==, RECEIVED_US);
  g_assert_null (ld_intern_lookup (record.logger));
  g_assert_null (ld_intern_lookup (record.level_name));
  g_assert_null (ld_intern_lookup (record.file));
  g_assert_null (ld_intern_lookup (record.thread));
  g_assert_cmpuint (record.line, ==, 0);
  g_assert_cmpint (record.thread_id, ==, 0);
  g_assert_cmpint (record.process, ==, 0);
  g_assert_cmpuint (ld_record_n_extras (&record), ==, 0);
}

/* Without "msg" or "message" a form is not a record, whatever else it
 * holds: an HTML form posted to the wrong place, say. */
static void
test_not_a_record (void)
{
  assert_not_a_record ("", 0);
  assert_not_a_record ("&&&", 3);
  assert_not_a_record ("=", 1);
  assert_not_a_record ("name=app&levelno=20", strlen ("name=app&levelno=20"));
  assert_not_a_record ("MSG=upper+case", strlen ("MSG=upper+case"));
  assert_not_a_record ("msgs=near+miss", strlen ("msgs=near+miss"));
}

/* args is the repr() of a tuple or dict: a plain literal becomes the
 * values the sender had, for msg % args. */
static void
test_args_literals (void)
{
  static const struct
  {
    const char *msg;
    const char *args;
    const char *message;
  } cases[] = {
    { "%s %d %.1f %s %s %s", "('caf\\xe9', -5, 1.5, True, None, b'x')",
      "café -5 1.5 True None b'x'" },
    { "%(user)s has %(n)d", "{'user': 'bob', 'n': 7}", "bob has 7" },
    { "%d", "(12345678901234567890,)", "12345678901234567890" },
    { "%d", "(-9223372036854775808,)", "-9223372036854775808" },
    { "%r and %s", "([1, [2, 3]], {'k': (4,)})", "[1, [2, 3]] and {'k': (4,)}" },
    { "%s", "('tab\\there \\'quoted\\' \\u2014 \\U0001f600',)",
      "tab\there 'quoted' \xe2\x80\x94 \xf0\x9f\x98\x80" },
    { "%s|%s", "( 'spaced' ,  2 , )", "spaced|2" },
    { "%.2e", "(1e300,)", "1.00e+300" },
    { "no conversions", "()", "no conversions" },
    { "literal %s", "None", "literal %s" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *msg = g_uri_escape_string (cases[i].msg, NULL, FALSE);
      g_autofree char *args = g_uri_escape_string (cases[i].args, NULL, FALSE);
      g_autofree char *form = g_strdup_printf ("msg=%s&args=%s", msg, args);
      LdRecord record;
      g_autoptr(LdBatch) batch = add_form (form, &record);

      assert_message (&record, cases[i].message);
      assert_no_extra (&record, "args");
    }
}

/* args that cannot be read as a literal, or that do not fit msg, are shown
 * beside msg rather than lost. */
static void
test_args_unusable (void)
{
  static const struct
  {
    const char *msg;
    const char *args;
    const char *message;
  } cases[] = {
    /* An object's repr is no literal. */
    { "got %s", "(<object object at 0x7f>,)", "got %s | args: (<object object at 0x7f>,)" },
    { "got %s", "('unclosed,)", "got %s | args: ('unclosed,)" },
    { "got %s", "(1, 2", "got %s | args: (1, 2" },
    { "got %s", "(1 2)", "got %s | args: (1 2)" },
    { "got %s", "('a',) trailing", "got %s | args: ('a',) trailing" },
    { "got %s", "('bad escape \\q',)", "got %s | args: ('bad escape \\q',)" },
    /* A literal that does not fit msg: Python would raise in getMessage(). */
    { "%d items", "('x',)", "%d items | args: ('x',)" },
    { "%s and %s", "('one',)", "%s and %s | args: ('one',)" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *msg = g_uri_escape_string (cases[i].msg, NULL, FALSE);
      g_autofree char *args = g_uri_escape_string (cases[i].args, NULL, FALSE);
      g_autofree char *form = g_strdup_printf ("msg=%s&args=%s", msg, args);
      LdRecord record;
      g_autoptr(LdBatch) batch = add_form (form, &record);

      assert_message (&record, cases[i].message);
    }
}

/* Nesting deeper than the decoder reads is not a literal, and is shown as
 * text rather than recursed into. */
static void
test_args_too_deep (void)
{
  g_autoptr(GString) args = g_string_new (NULL);
  g_autoptr(GString) expected = g_string_new ("deep | args: ");
  g_autofree char *escaped = NULL, *form = NULL;
  LdRecord record;
  g_autoptr(LdBatch) batch = NULL;

  for (guint i = 0; i < 150; i++)
    g_string_append_c (args, '[');
  for (guint i = 0; i < 150; i++)
    g_string_append_c (args, ']');
  g_string_prepend (args, "(");
  g_string_append (args, ",)");
  g_string_append (expected, args->str);

  escaped = g_uri_escape_string (args->str, NULL, FALSE);
  form = g_strdup_printf ("msg=deep&args=%s", escaped);
  batch = add_form (form, &record);
  assert_message (&record, expected->str);
}

/* The standard attributes are str() of numbers; text where a number belongs
 * is kept as an extra field rather than dropped. */
static void
test_numbers (void)
{
  LdRecord record;
  g_autoptr(LdBatch) a = add_form ("msg=m&levelno=abc&lineno=7&created=nan&thread=None",
                                   &record);
  g_autoptr(LdBatch) b = NULL;
  g_autoptr(LdBatch) c = NULL;

  assert_extra (&record, "levelno", LD_VALUE_STRING, "abc");
  assert_extra (&record, "created", LD_VALUE_STRING, "nan");
  g_assert_cmpint (record.time_us, ==, RECEIVED_US);
  g_assert_cmpuint (record.line, ==, 7);
  g_assert_cmpint (record.thread_id, ==, 0);

  b = add_form ("msg=m&levelno=-5&process=-1&created=-1.5", &record);
  g_assert_cmpint (record.level, ==, -5);
  g_assert_cmpint (record.time_us, ==, -1500000);
  g_assert_cmpuint (ld_record_n_extras (&record), ==, 0);

  c = add_form ("msg=m&levelno=99999999999999999999999&lineno=1e3", &record);
  assert_extra (&record, "levelno", LD_VALUE_STRING, "99999999999999999999999");
  assert_extra (&record, "lineno", LD_VALUE_STRING, "1e3");
}

/* A big message arrives whole; a form bigger than the unpickler's limits
 * is refused with the unpickler's error, and adds nothing. */
static void
test_huge (void)
{
  gsize size = 4 * 1024 * 1024;
  g_autoptr(GString) form = g_string_sized_new (size + 64);
  g_autoptr(LdBatch) refused = ld_batch_new ();
  g_autoptr(GError) error = NULL;
  LdPickleLimits limits;
  LdRecord record;
  gsize length;
  g_autoptr(LdBatch) batch = NULL;

  g_string_append (form, "msg=");
  for (gsize i = 0; i < size; i++)
    g_string_append_c (form, 'a' + i % 26);
  g_string_append (form, "&user=");
  for (guint i = 0; i < 1000; i++)
    g_string_append (form, "%C3%A9");

  batch = add_form_len (form->str, form->len, &record);
  ld_record_get_message (&record, &length);
  g_assert_cmpuint (length, ==, size);
  g_assert_cmpint (ld_record_get_message (&record, &length)[size - 1], ==, 'a' + (size - 1) % 26);

  ld_pickle_limits_init_default (&limits);
  limits.max_total_bytes = 1024 * 1024;
  g_assert_false (ld_http_form_add_record (refused, form->str, form->len, &limits, &origin,
                                           &error));
  g_assert_nonnull (error);
  g_assert_cmpuint (ld_batch_get_length (refused), ==, 0);
}

/* Many extra fields: each is kept, none lost past some count. */
static void
test_many_fields (void)
{
  g_autoptr(GString) form = g_string_new ("msg=many");
  LdRecord record;
  g_autoptr(LdBatch) batch = NULL;

  for (guint i = 0; i < 500; i++)
    g_string_append_printf (form, "&key%u=value+%u", i, i);

  batch = add_form (form->str, &record);
  g_assert_cmpuint (ld_record_n_extras (&record), ==, 500);
  assert_extra (&record, "key0", LD_VALUE_STRING, "value 0");
  assert_extra (&record, "key499", LD_VALUE_STRING, "value 499");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/http-form/full-record", test_full_record);
  g_test_add_func ("/http-form/encodings", test_encodings);
  g_test_add_func ("/http-form/odd-layout", test_odd_layout);
  g_test_add_func ("/http-form/repeated-keys", test_repeated_keys);
  g_test_add_func ("/http-form/missing-fields", test_missing_fields);
  g_test_add_func ("/http-form/not-a-record", test_not_a_record);
  g_test_add_func ("/http-form/args/literals", test_args_literals);
  g_test_add_func ("/http-form/args/unusable", test_args_unusable);
  g_test_add_func ("/http-form/args/too-deep", test_args_too_deep);
  g_test_add_func ("/http-form/numbers", test_numbers);
  g_test_add_func ("/http-form/huge", test_huge);
  g_test_add_func ("/http-form/many-fields", test_many_fields);

  return g_test_run ();
}
