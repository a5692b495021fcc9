// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <string.h>

#include "ld-text-layout.h"
#include "ld-text-stamp.h"

/* The text-log decoder on its own, without an import: layouts made and
 * detected, lines read into records (continuation lines, tracebacks and
 * stacks, extra fields, time zones), text without a layout, and the time
 * stamps asctime gives. The import's tests read the same through files. */

#define LAYOUT "%(asctime)s - %(name)s - %(levelname)s - %(message)s"

static const LdRecordOrigin origin = {
  "app.log", "/var/log/app.log", "file", G_GINT64_CONSTANT (1714566600000000),
};

static LdRecord
record_at (const LdBatch *batch,
           guint          index)
{
  const char *text;
  LdRecord record = *ld_batch_get_record (batch, index, &text);

  record.text = text;
  return record;
}

static void
assert_message (const LdRecord *record,
                const char     *expected)
{
  gsize len;
  const char *text = ld_record_get_message (record, &len);

  g_assert_cmpmem (text, len, expected, strlen (expected));
}

static LdTextReader *
reader_new (const char *format)
{
  g_autoptr(GError) error = NULL;
  LdTextLayout *layout = ld_text_layout_new (format, &error);

  g_assert_no_error (error);
  g_assert_nonnull (layout);
  return ld_text_reader_new (layout, &origin, TRUE);
}

static void
test_layout_new (void)
{
  g_autoptr(LdTextLayout) layout = NULL;
  g_autoptr(LdTextLayout) brace = NULL;
  g_autoptr(GError) error = NULL;

  layout = ld_text_layout_new (LAYOUT, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ld_text_layout_get_format (layout), ==, LAYOUT);

  brace = ld_text_layout_new ("{asctime} {levelname} {message}", &error);
  g_assert_no_error (error);
  g_assert_nonnull (brace);

  g_assert_null (ld_text_layout_new ("%(asctime", &error));
  g_assert_nonnull (error);
}

/* The layout that reads the most lines wins; text that none reads, and a
 * last line cut short, do not count. */
static void
test_layout_detect (void)
{
  static const char text[] =
    "2024-05-01 12:30:00,123 - app.db - INFO - connected\n"
    "2024-05-01 12:30:01,000 - app.db - WARNING - slow query\n"
    "  continued\n"
    "2024-05-01 12:30:02,000 - app - ERROR - failed\n";
  static const char flask[] = "[2024-05-01 12:30:00,123] INFO in app: started\n";
  static const char prose[] = "Nothing here\nlooks like a log\n";
  g_autoptr(LdTextLayout) layout = ld_text_layout_detect (text, strlen (text), FALSE);
  g_autoptr(LdTextLayout) other = ld_text_layout_detect (flask, strlen (flask), FALSE);
  g_autoptr(LdTextLayout) none = ld_text_layout_detect (prose, strlen (prose), TRUE);
  g_autoptr(LdTextLayout) cut = ld_text_layout_detect (flask, strlen (flask) - 1, FALSE);
  g_autoptr(LdTextLayout) whole = ld_text_layout_detect (flask, strlen (flask) - 1, TRUE);

  g_assert_nonnull (layout);
  g_assert_cmpstr (ld_text_layout_get_format (layout), ==, LAYOUT);
  g_assert_nonnull (other);
  g_assert_cmpstr (ld_text_layout_get_format (other), ==,
                   "[%(asctime)s] %(levelname)s in %(module)s: %(message)s");
  g_assert_null (none);
  g_assert_null (cut);
  g_assert_nonnull (whole);
}

/* A record ends where the next starts: more message, then the exception
 * from a traceback header, then the stack; the last waits for a flush. */
static void
test_reader_records (void)
{
  static const char text[] =
    "2024-05-01 12:30:00,123 - app.db - INFO - connected\n"
    "  to db1\n"
    "2024-05-01 12:30:01,500 - app - ERROR - failed\n"
    "Traceback (most recent call last):\n"
    "  File \"app.py\", line 1, in <module>\n"
    "ValueError: x\n"
    "Stack (most recent call last):\n"
    "  File \"app.py\", line 2, in <module>\r\n"
    "2024-05-01 12:30:02,000 - app - Level 5 - fine\n";
  static const char exception[] =
    "Traceback (most recent call last):\n  File \"app.py\", line 1, in <module>\nValueError: x";
  static const char stack[] =
    "Stack (most recent call last):\n  File \"app.py\", line 2, in <module>";
  g_autoptr(LdTextReader) reader = reader_new (LAYOUT);
  g_autoptr(LdBatch) batch = ld_batch_new ();
  LdRecord record;
  const char *tail;
  gsize len;

  g_assert_cmpuint (ld_text_reader_add_text (reader, batch, text, strlen (text)), ==, 0);
  g_assert_cmpuint (ld_batch_get_length (batch), ==, 2);
  g_assert_true (ld_text_reader_has_pending (reader));
  ld_text_reader_flush (reader, batch);
  g_assert_false (ld_text_reader_has_pending (reader));
  g_assert_cmpuint (ld_batch_get_length (batch), ==, 3);

  record = record_at (batch, 0);
  assert_message (&record, "connected\n  to db1");
  g_assert_cmpint (record.time_us, ==, G_GINT64_CONSTANT (1714566600123000));
  g_assert_cmpint (record.level, ==, 20);
  g_assert_cmpstr (ld_intern_lookup (record.logger), ==, "app.db");
  g_assert_cmpstr (ld_intern_lookup (record.connection), ==, origin.connection);
  g_assert_cmpstr (ld_intern_lookup (record.peer), ==, origin.peer);
  g_assert_cmpstr (ld_intern_lookup (record.protocol), ==, origin.protocol);

  record = record_at (batch, 1);
  assert_message (&record, "failed");
  g_assert_cmpint (record.level, ==, 40);
  tail = ld_record_get_exception (&record, &len);
  g_assert_cmpmem (tail, len, exception, strlen (exception));
  tail = ld_record_get_stack (&record, &len);
  g_assert_cmpmem (tail, len, stack, strlen (stack));

  record = record_at (batch, 2);
  g_assert_cmpint (record.level, ==, 5);
  g_assert_cmpint (ld_text_reader_get_last_time (reader), ==, record.time_us);
}

/* Before the first record a line has nothing to continue. */
static void
test_reader_bad_lines (void)
{
  g_autoptr(LdTextReader) reader = reader_new (LAYOUT);
  g_autoptr(LdBatch) batch = ld_batch_new ();

  g_assert_true (ld_text_reader_add_line (reader, batch, "", 0));
  g_assert_false (ld_text_reader_add_line (reader, batch, "stray", 5));
  g_assert_false (ld_text_reader_has_pending (reader));
  g_assert_cmpuint (ld_text_reader_add_text (reader, batch, "a\nb\n\n", 5), ==, 2);
  g_assert_cmpuint (ld_batch_get_length (batch), ==, 0);
  g_assert_cmpint (ld_text_reader_get_last_time (reader), ==, 0);
}

/* Fields other than the canonical ones are extra fields; a module without a
 * path is kept as one; numbers go to their fields. */
static void
test_reader_fields (void)
{
  static const char line[] =
    "05/01/2024 12:30:00 PM 4242 140001 [MainThread] db.py:42 connect pool=main: up";
  g_autoptr(LdTextReader) reader =
    reader_new ("%(asctime)s %(process)d %(thread)d [%(threadName)s] %(module)s.py:%(lineno)d "
                "%(funcName)s pool=%(pool)s: %(message)s");
  g_autoptr(LdBatch) batch = ld_batch_new ();
  LdRecord record;
  LdValueType type;
  const char *value;
  gsize len;

  g_assert_true (ld_text_reader_add_line (reader, batch, line, strlen (line)));
  ld_text_reader_flush (reader, batch);
  g_assert_cmpuint (ld_batch_get_length (batch), ==, 1);

  record = record_at (batch, 0);
  assert_message (&record, "up");
  g_assert_cmpint (record.time_us, ==, G_GINT64_CONSTANT (1714566600000000));
  g_assert_cmpint (record.level, ==, 20);
  g_assert_cmpint (record.process, ==, 4242);
  g_assert_cmpint (record.thread_id, ==, 140001);
  g_assert_cmpuint (record.line, ==, 42);
  g_assert_cmpstr (ld_intern_lookup (record.thread), ==, "MainThread");
  g_assert_cmpstr (ld_intern_lookup (record.function), ==, "connect");
  g_assert_true (ld_record_get_extra (&record, "module", &type, &value, &len));
  g_assert_cmpmem (value, len, "db", 2);
  g_assert_true (ld_record_get_extra (&record, "pool", &type, &value, &len));
  g_assert_cmpint (type, ==, LD_VALUE_STRING);
  g_assert_cmpmem (value, len, "main", 4);
}

/* An offset in the stamp wins; without one, UTC here (the reader was made
 * with utc); "%(asctime)s.%(msecs)03d" with a datefmt has its fraction
 * apart; a time alone is of the day reading began. */
static void
test_reader_time (void)
{
  static const char text[] =
    "2024-05-01T12:30:00+02:00 INFO offset\n"
    "2024-05-01 12:30:00.250 INFO msecs\n"
    "12:30:00 INFO no date\n";
  g_autoptr(LdTextReader) offset = reader_new ("%(asctime)s %(levelname)s %(message)s");
  g_autoptr(LdTextReader) msecs = reader_new ("%(asctime)s.%(msecs)03d %(levelname)s %(message)s");
  g_autoptr(LdBatch) batch = ld_batch_new ();
  const char *second = strchr (text, '\n') + 1;
  const char *third = strchr (second, '\n') + 1;

  ld_text_reader_add_text (offset, batch, text, second - text);
  ld_text_reader_add_text (msecs, batch, second, third - second);
  ld_text_reader_add_text (offset, batch, third, strlen (third));
  ld_text_reader_flush (offset, batch);
  ld_text_reader_flush (msecs, batch);
  g_assert_cmpuint (ld_batch_get_length (batch), ==, 3);

  /* In the order the records ended: the first at the third line, then the
   * flushes. The origin's time, 2024-05-01 12:30:00 UTC, gives the day a time
   * alone is of. */
  g_assert_cmpint (record_at (batch, 0).time_us, ==, G_GINT64_CONSTANT (1714559400000000));
  g_assert_cmpint (record_at (batch, 1).time_us, ==, G_GINT64_CONSTANT (1714566600000000));
  g_assert_cmpint (record_at (batch, 2).time_us, ==, G_GINT64_CONSTANT (1714566600250000));
}

static void
test_plain_line (void)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();
  LdRecord record;

  g_assert_false (ld_text_add_plain_line (batch, "  \t", 3, 1, &origin));
  g_assert_true (ld_text_add_plain_line (batch, "disk WARN: 91%", 14, 7, &origin));
  g_assert_true (ld_text_add_plain_line (batch, "INFORMATION only", 16, 8, &origin));
  g_assert_cmpuint (ld_batch_get_length (batch), ==, 2);

  record = record_at (batch, 0);
  assert_message (&record, "disk WARN: 91%");
  g_assert_cmpint (record.level, ==, 30);
  g_assert_cmpstr (ld_intern_lookup (record.level_name), ==, "WARN");
  g_assert_cmpint (record.time_us, ==, 7);
  g_assert_cmpstr (ld_intern_lookup (record.connection), ==, origin.connection);

  /* A word inside another is not a level. */
  record = record_at (batch, 1);
  g_assert_cmpint (record.level, ==, 20);
}

static void
test_stamps (void)
{
  static const struct
  {
    const char *text;
    int         year, month, day, hour, minute, second;
    gint64      usec;
    gboolean    has_offset;
    int         offset;
    gsize       read;
  } cases[] = {
    { "2024-05-01 12:30:00,123 x", 2024, 5, 1, 12, 30, 0, 123000, FALSE, 0, 23 },
    { "2024/05/01T01:02:03.5Z", 2024, 5, 1, 1, 2, 3, 500000, TRUE, 0, 22 },
    { "2024-05-01 12:30:00 -0130", 2024, 5, 1, 12, 30, 0, 0, TRUE, -5400, 25 },
    { "05/01/2024 12:30:00 AM", 2024, 5, 1, 0, 30, 0, 0, FALSE, 0, 22 },
    { "01-May-24 12:30:00", 2024, 5, 1, 12, 30, 0, 0, FALSE, 0, 18 },
    { "01/May/2024:12:30:00 +0000", 2024, 5, 1, 12, 30, 0, 0, TRUE, 0, 26 },
    { "May  1 12:30:00", 0, 5, 1, 12, 30, 0, 0, FALSE, 0, 15 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *p = cases[i].text;
      LdTextStamp s;

      g_test_message ("%s", cases[i].text);
      g_assert_true (ld_text_stamp_parse (&p, p + strlen (p), FALSE, &s));
      g_assert_true (s.has_date);
      g_assert_cmpint (s.year, ==, cases[i].year);
      g_assert_cmpint (s.month, ==, cases[i].month);
      g_assert_cmpint (s.day, ==, cases[i].day);
      g_assert_cmpint (s.hour, ==, cases[i].hour);
      g_assert_cmpint (s.minute, ==, cases[i].minute);
      g_assert_cmpint (s.second, ==, cases[i].second);
      g_assert_cmpint (s.usec, ==, cases[i].usec);
      g_assert_cmpint (s.has_offset, ==, cases[i].has_offset);
      g_assert_cmpint (s.offset, ==, cases[i].offset);
      g_assert_cmpuint (p - cases[i].text, ==, cases[i].read);
    }
}

static void
test_stamps_other (void)
{
  const char *text = "12:30:00,5 rest", *p = text;
  const char *bad[] = { "2024-13-01 12:30:00", "25:00:00", "May 1", "INFO", "" };
  LdTextStamp s;

  g_assert_true (ld_text_stamp_parse (&p, p + strlen (p), FALSE, &s));
  g_assert_false (s.has_date);
  g_assert_cmpint (s.usec, ==, 500000);
  g_assert_cmpuint (p - text, ==, 10);

  /* The fraction belongs to a "%(msecs)03d" field that follows. */
  p = text;
  g_assert_true (ld_text_stamp_parse (&p, p + strlen (p), TRUE, &s));
  g_assert_cmpint (s.usec, ==, 0);
  g_assert_cmpuint (p - text, ==, 8);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      p = bad[i];
      g_test_message ("%s", bad[i]);
      g_assert_false (ld_text_stamp_parse (&p, p + strlen (p), FALSE, &s));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/text-layout/new", test_layout_new);
  g_test_add_func ("/text-layout/detect", test_layout_detect);
  g_test_add_func ("/text-layout/reader/records", test_reader_records);
  g_test_add_func ("/text-layout/reader/bad-lines", test_reader_bad_lines);
  g_test_add_func ("/text-layout/reader/fields", test_reader_fields);
  g_test_add_func ("/text-layout/reader/time", test_reader_time);
  g_test_add_func ("/text-layout/plain-line", test_plain_line);
  g_test_add_func ("/text-layout/stamps", test_stamps);
  g_test_add_func ("/text-layout/stamps-other", test_stamps_other);

  return g_test_run ();
}
