// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <string.h>

#include "ld-jsonl.h"
#include "ld-level.h"

/* The writer of canonical JSON Lines. Headless Logdeck writes every record it
 * receives through here, so it is written by hand for speed rather than
 * through json-glib: strings are escaped in runs, numbers formatted directly.
 *
 * Absent fields are omitted rather than written as null: "time", "level",
 * "levelno" and "message" are always present; "logger", "thread",
 * "thread_id", "process", "process_name", "task", "file", "line",
 * "function", "exception", "stack", "connection", "peer", "protocol" and
 * "extra" appear only when the sender gave them (a thread id, process id or
 * line of 0 counts as not given, as no sender uses those values). A None that
 * a sender put in an extra field is kept, as null. */

/* Year 0000 to year 9999, the range ISO 8601 writes without a sign. */
#define MIN_TIME_US (-62167219200LL * G_USEC_PER_SEC)
#define MAX_TIME_US (253402300800LL * G_USEC_PER_SEC - 1)

/* For each byte, 0 if it may be copied as is, else the letter of its escape
 * ('u' for the \u00XX form). */
static const char escapes[256] = {
  'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'b', 't', 'n', 'u', 'f', 'r', 'u', 'u',
  'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
  ['"'] = '"', ['\\'] = '\\',
};

/* g_string_append_len() as GLib 2.76 inlines it; 2.74 takes every append
 * through g_string_insert_len(), which costs more than the copy itself. */
static inline void
append_len (GString    *out,
            const char *text,
            gsize       n)
{
  if (G_LIKELY (out->len + n < out->allocated_len))
    {
      memcpy (out->str + out->len, text, n);
      out->len += n;
      out->str[out->len] = '\0';
    }
  else
    g_string_append_len (out, text, n);
}

#define append_literal(out, literal) append_len ((out), (literal), sizeof (literal) - 1)

static inline void
append_cstr (GString    *out,
             const char *text)
{
  append_len (out, text, strlen (text));
}

/* Whether any of the 8 bytes at @p is a control character, '"' or '\\'.
 * Bytes of 0x80 and more (UTF-8) never count. */
static inline gboolean
needs_escape (const guchar *p)
{
  const guint64 ones = G_GUINT64_CONSTANT (0x0101010101010101);
  const guint64 highs = G_GUINT64_CONSTANT (0x8080808080808080);
  guint64 word, quote, backslash;

  memcpy (&word, p, 8);
  quote = word ^ (ones * '"');
  backslash = word ^ (ones * '\\');

  return (((word - ones * 0x20) | (quote - ones) | (backslash - ones)) & ~word & highs) != 0;
}

/**
 * ld_jsonl_append_string:
 * @out: where to write
 * @text: valid UTF-8
 * @length: its length in bytes, or -1 if nul-terminated
 *
 * Appends @text as a quoted and escaped JSON string.
 */
void
ld_jsonl_append_string (GString    *out,
                        const char *text,
                        gssize      length)
{
  static const char hex[] = "0123456789abcdef";
  const guchar *p = (const guchar *) text;
  const guchar *end, *run;

  if (length < 0)
    length = strlen (text);
  end = p + length;

  g_string_append_c (out, '"');
  for (run = p; p < end; p++)
    {
      char escape;
      char seq[6];

      /* Eight bytes at a time while none needs escaping, as in most text. */
      while (end - p >= 8 && !needs_escape (p))
        p += 8;
      if (p == end)
        break;
      escape = escapes[*p];
      if (G_LIKELY (escape == 0))
        continue;
      seq[0] = '\\';
      seq[1] = escape;
      seq[2] = seq[3] = '0';

      append_len (out, (const char *) run, p - run);
      if (escape == 'u')
        {
          seq[4] = hex[*p >> 4];
          seq[5] = hex[*p & 0xf];
          append_len (out, seq, 6);
        }
      else
        append_len (out, seq, 2);
      run = p + 1;
    }
  append_len (out, (const char *) run, p - run);
  g_string_append_c (out, '"');
}

/**
 * ld_jsonl_append_int:
 * @out: where to write
 * @value: a number
 *
 * Writes @value in decimal, faster than printf for the hot paths.
 */
void
ld_jsonl_append_int (GString *out,
                     gint64   value)
{
  char buf[24];
  char *p = buf + sizeof buf;
  guint64 magnitude = value < 0 ? -(guint64) value : (guint64) value;

  do
    *--p = '0' + magnitude % 10;
  while ((magnitude /= 10) != 0);
  if (value < 0)
    *--p = '-';

  append_len (out, p, buf + sizeof buf - p);
}

/* Writes @value as exactly @width decimal digits. */
static char *
put_digits (char    *p,
            guint64  value,
            int      width)
{
  for (int i = width - 1; i >= 0; i--, value /= 10)
    p[i] = '0' + value % 10;

  return p + width;
}

/* Howard Hinnant's civil_from_days: days since 1970-01-01 to a date. */
static void
civil_from_days (gint64  days,
                 gint64 *year,
                 guint  *month,
                 guint  *day)
{
  gint64 z = days + 719468;
  gint64 era = (z >= 0 ? z : z - 146096) / 146097;
  guint doe = (guint) (z - era * 146097);
  guint yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  guint doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  guint mp = (5 * doy + 2) / 153;

  *day = doy - (153 * mp + 2) / 5 + 1;
  *month = mp < 10 ? mp + 3 : mp - 9;
  *year = (gint64) yoe + era * 400 + (*month <= 2);
}

/**
 * ld_jsonl_append_time:
 * @out: where to write
 * @time_us: µs since the Unix epoch
 *
 * Appends the time as a quoted ISO 8601 date and time in UTC with
 * microseconds, such as "2024-05-01T12:30:00.000250+00:00".
 */
void
ld_jsonl_append_time (GString *out,
                      gint64   time_us)
{
  char buf[40];
  char *p = buf;
  gint64 clamped = CLAMP (time_us, MIN_TIME_US, MAX_TIME_US);
  gint64 seconds = clamped / G_USEC_PER_SEC - (clamped % G_USEC_PER_SEC < 0);
  gint64 usec = clamped - seconds * G_USEC_PER_SEC;
  gint64 days = seconds / 86400 - (seconds % 86400 < 0);
  gint64 in_day = seconds - days * 86400;
  gint64 year;
  guint month, day;

  civil_from_days (days, &year, &month, &day);

  *p++ = '"';
  p = put_digits (p, year, 4);
  *p++ = '-';
  p = put_digits (p, month, 2);
  *p++ = '-';
  p = put_digits (p, day, 2);
  *p++ = 'T';
  p = put_digits (p, in_day / 3600, 2);
  *p++ = ':';
  p = put_digits (p, in_day / 60 % 60, 2);
  *p++ = ':';
  p = put_digits (p, in_day % 60, 2);
  *p++ = '.';
  p = put_digits (p, usec, 6);
  memcpy (p, "+00:00\"", 7);
  p += 7;

  append_len (out, buf, p - buf);
}

/* The strict JSON number grammar, so that a producer's odd number text (a
 * Python "nan", say) can never break the line. */
static gboolean
is_json_number (const char *p,
                gsize       length)
{
  const char *end = p + length;

  if (p < end && *p == '-')
    p++;
  if (p == end || !g_ascii_isdigit (*p))
    return FALSE;
  if (*p == '0')
    p++;
  else
    while (p < end && g_ascii_isdigit (*p))
      p++;
  if (p < end && *p == '.')
    {
      if (++p == end || !g_ascii_isdigit (*p))
        return FALSE;
      while (p < end && g_ascii_isdigit (*p))
        p++;
    }
  if (p < end && (*p == 'e' || *p == 'E'))
    {
      p++;
      if (p < end && (*p == '+' || *p == '-'))
        p++;
      if (p == end || !g_ascii_isdigit (*p))
        return FALSE;
      while (p < end && g_ascii_isdigit (*p))
        p++;
    }

  return p == end;
}

static void
append_value (GString     *out,
              LdValueType  type,
              const char  *value,
              gsize        length)
{
  switch (type)
    {
    case LD_VALUE_NULL:
      append_literal (out, "null");
      return;

    case LD_VALUE_NUMBER:
      if (!is_json_number (value, length))
        break;
      append_len (out, value, length);
      return;

    case LD_VALUE_BOOL:
      if (length == 4 && memcmp (value, "true", 4) == 0)
        append_literal (out, "true");
      else if (length == 5 && memcmp (value, "false", 5) == 0)
        append_literal (out, "false");
      else
        break;
      return;

    case LD_VALUE_JSON:
      /* Made by a decoder's JSON writer, so inserted unchecked. */
      if (length == 0)
        break;
      append_len (out, value, length);
      return;

    case LD_VALUE_STRING:
    default:
      break;
    }

  ld_jsonl_append_string (out, value, length);
}

static void
append_extras (GString        *out,
               const LdRecord *record)
{
  LdExtraIter iter;
  guint32 key;
  LdValueType type;
  const char *value;
  gsize length;
  gboolean first = TRUE;

  ld_extra_iter_init (&iter, record);
  while (ld_extra_iter_next (&iter, &key, &type, &value, &length))
    {
      append_cstr (out, first ? ",\"extra\":{" : ",");
      first = FALSE;
      ld_jsonl_append_string (out, ld_intern_lookup (key), -1);
      g_string_append_c (out, ':');
      append_value (out, type, value, length);
    }

  if (!first)
    g_string_append_c (out, '}');
}

static void
append_interned (GString    *out,
                 const char *name,
                 guint32     id)
{
  if (id == LD_INTERN_NONE)
    return;

  append_cstr (out, name);
  ld_jsonl_append_string (out, ld_intern_lookup (id), -1);
}

static void
append_number (GString    *out,
               const char *name,
               gint64      value)
{
  if (value == 0)
    return;

  append_cstr (out, name);
  ld_jsonl_append_int (out, value);
}

static void
append_text (GString    *out,
             const char *name,
             const char *text,
             gsize       length)
{
  if (length == 0)
    return;

  append_cstr (out, name);
  ld_jsonl_append_string (out, text, length);
}

static void
append_level (GString        *out,
              const LdRecord *record)
{
  const char *name = record->level_name != LD_INTERN_NONE
                     ? ld_intern_lookup (record->level_name)
                     : ld_level_canonical_name (record->level);

  append_literal (out, ",\"level\":");
  if (name != NULL)
    ld_jsonl_append_string (out, name, -1);
  else
    {
      g_autofree char *display = ld_level_display_name (record->level);
      ld_jsonl_append_string (out, display, -1);
    }
  append_literal (out, ",\"levelno\":");
  ld_jsonl_append_int (out, record->level);
}

/**
 * ld_jsonl_append_record:
 * @out: where to write
 * @record: a record
 * @text: (nullable): the record's packed text if it is not in @record, as
 *   for one that ld_batch_get_record() returned
 *
 * Appends @record as one line of canonical JSON, newline included.
 */
void
ld_jsonl_append_record (GString        *out,
                        const LdRecord *record,
                        const char     *text)
{
  LdRecord copy = *record;
  const char *message, *exception, *stack;
  gsize message_len, exception_len, stack_len;

  g_return_if_fail (out != NULL && record != NULL);

  if (text != NULL)
    copy.text = text;
  message = ld_record_get_message (&copy, &message_len);
  exception = ld_record_get_exception (&copy, &exception_len);
  stack = ld_record_get_stack (&copy, &stack_len);

  append_literal (out, "{\"time\":");
  ld_jsonl_append_time (out, copy.time_us);
  append_level (out, &copy);
  append_interned (out, ",\"logger\":", copy.logger);
  append_literal (out, ",\"message\":");
  ld_jsonl_append_string (out, message, message_len);
  append_interned (out, ",\"thread\":", copy.thread);
  append_number (out, ",\"thread_id\":", copy.thread_id);
  append_number (out, ",\"process\":", copy.process);
  append_interned (out, ",\"process_name\":", copy.process_name);
  append_interned (out, ",\"task\":", copy.task);
  append_interned (out, ",\"file\":", copy.file);
  append_number (out, ",\"line\":", copy.line);
  append_interned (out, ",\"function\":", copy.function);
  append_text (out, ",\"exception\":", exception, exception_len);
  append_text (out, ",\"stack\":", stack, stack_len);
  append_interned (out, ",\"connection\":", copy.connection);
  append_interned (out, ",\"peer\":", copy.peer);
  append_interned (out, ",\"protocol\":", copy.protocol);
  append_extras (out, &copy);
  append_literal (out, "}\n");
}

/**
 * ld_jsonl_append_batch:
 * @out: where to write
 * @batch: records
 *
 * Appends every record of @batch, one line each.
 */
void
ld_jsonl_append_batch (GString       *out,
                       const LdBatch *batch)
{
  g_return_if_fail (out != NULL && batch != NULL);

  for (guint i = 0; i < ld_batch_get_length (batch); i++)
    {
      const char *text;
      const LdRecord *record = ld_batch_get_record (batch, i, &text);

      ld_jsonl_append_record (out, record, text);
    }
}
