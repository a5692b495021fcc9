// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <math.h>
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
 * "function", "exception", "stack", "connection", "peer", "protocol", "host",
 * "service", "trace_id", "span_id" and "extra" appear only when the sender gave them (a thread id, process id or
 * line of 0 counts as not given, as no sender uses those values). A None that
 * a sender put in an extra field is kept, as null.
 *
 * Every line is JSON that Python's json.loads() takes and that is harmless on
 * a terminal: strings escape every control character, DEL and the C1
 * controls included, and a number readers cannot take as a number (see
 * ld_jsonl_is_portable_number()) is written as a string of its text, also
 * inside the objects and arrays of extra fields. */

/* Year 0000 to year 9999, the range ISO 8601 writes without a sign. */
#define MIN_TIME_US (-62167219200LL * G_USEC_PER_SEC)
#define MAX_TIME_US (253402300800LL * G_USEC_PER_SEC - 1)

/* Integers of more digits than this are written as JSON strings: Python's
 * json module refuses them (sys.get_int_max_str_digits() is 4300 by default),
 * and no reader takes them as numbers. */
#define MAX_INTEGER_DIGITS 4300

/* A number with fewer integer digits and no exponent is below DBL_MAX. */
#define MAX_FINITE_DIGITS 308

/* The escaper behind every exporter: JSON strings, and the text and CSV
 * exports, which write the same characters in their own form. The controls
 * a terminal acts on are C0 (but TAB and line ends where they mean
 * something), DEL, and C1, U+0080 to U+009F, which includes the 8-bit CSI
 * and is 0xc2 0x80 to 0xc2 0x9f in UTF-8.
 *
 * A table gives for each byte 0 if it may be copied as is, else the letter of
 * its escape: 'x' for the hex form (\u00XX in JSON, \xXX in text), 'C' for a
 * 0xc2 that starts a C1 control only if the next byte says so, 'R' for a CR
 * that is kept before an LF. */
enum
{
  STYLE_TEXT = LD_ESCAPE_TEXT,
  STYLE_LINE = LD_ESCAPE_LINE,
  STYLE_JSON,         /* a JSON string's text, quotes and backslashes included */
  STYLE_JSON_INNER,   /* a JSON string's text that is escaped already */
  N_STYLES
};

static const char escapes[N_STYLES][256] = {
  [STYLE_TEXT] = {
    [0 ... 8] = 'x', [11 ... 12] = 'x', [13] = 'R', [14 ... 31] = 'x', [0x7f] = 'x', [0xc2] = 'C',
  },
  [STYLE_LINE] = {
    [0 ... 8] = 'x', [10 ... 31] = 'x', [0x7f] = 'x', [0xc2] = 'C',
  },
  [STYLE_JSON] = {
    [0 ... 7] = 'x', [8] = 'b', [9] = 't', [10] = 'n', [11] = 'x', [12] = 'f', [13] = 'r',
    [14 ... 31] = 'x', ['"'] = '"', ['\\'] = '\\', [0x7f] = 'x', [0xc2] = 'C',
  },
  [STYLE_JSON_INNER] = {
    [0 ... 7] = 'x', [8] = 'b', [9] = 't', [10] = 'n', [11] = 'x', [12] = 'f', [13] = 'r',
    [14 ... 31] = 'x', [0x7f] = 'x', [0xc2] = 'C',
  },
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

/* Whether any of the 8 bytes at @p may need escaping: a control character,
 * DEL, a 0xc2 and, with @quotes, '"' or '\\'. Other bytes of 0x80 and more
 * (UTF-8) never count. */
static inline gboolean
needs_escape (const guchar *p,
              gboolean      quotes)
{
  const guint64 ones = G_GUINT64_CONSTANT (0x0101010101010101);
  const guint64 highs = G_GUINT64_CONSTANT (0x8080808080808080);
  guint64 word, low, lead;

  memcpy (&word, p, 8);
  low = (word - ones * 0x20) | ((word ^ (ones * 0x7f)) - ones);
  if (quotes)
    low |= ((word ^ (ones * '"')) - ones) | ((word ^ (ones * '\\')) - ones);
  lead = word ^ (ones * 0xc2);

  return (((low & ~word) | ((lead - ones) & ~lead)) & highs) != 0;
}

/* The escape of the character at @p in @style, 0 if it is copied, and in
 * @length how many bytes it has. */
static inline char
escape_at (int           style,
           const guchar *p,
           const guchar *end,
           guint        *length)
{
  char escape = escapes[style][*p];

  *length = 1;
  if (G_LIKELY (escape == 0))
    return 0;
  if (escape == 'C')
    {
      if (end - p < 2 || p[1] < 0x80 || p[1] > 0x9f)
        return 0;
      *length = 2;
      return 'x';
    }
  if (escape == 'R')
    return end - p >= 2 && p[1] == '\n' ? 0 : 'x';

  return escape;
}

/* The offset of the first character that @style escapes, or @end - @p. */
static inline gsize
find_escape (int           style,
             const guchar *p,
             const guchar *end)
{
  const guchar *start = p;
  gboolean quotes = style == STYLE_JSON;
  guint length;

  while (p < end)
    {
      /* Eight bytes at a time while none needs escaping, as in most text. */
      while (end - p >= 8 && !needs_escape (p, quotes))
        p += 8;
      if (p == end || escape_at (style, p, end, &length) != 0)
        break;
      p++;
    }

  return p - start;
}

/* \u00XX in JSON, \xXX in text, as Python's repr() writes it. */
static void
append_hex_escape (GString *out,
                   guchar   c,
                   gboolean json)
{
  static const char hex[] = "0123456789abcdef";
  char seq[6] = { '\\', 'u', '0', '0' };

  if (json)
    {
      seq[4] = hex[c >> 4];
      seq[5] = hex[c & 0xf];
      append_len (out, seq, 6);
      return;
    }
  seq[1] = 'x';
  seq[2] = hex[c >> 4];
  seq[3] = hex[c & 0xf];
  append_len (out, seq, 4);
}

static void
append_escaped (GString    *out,
                const char *text,
                gsize       length,
                int         style)
{
  const guchar *p = (const guchar *) text, *end = p + length;

  while (p < end)
    {
      gsize run = find_escape (style, p, end);
      guint escaped;
      char escape;

      append_len (out, (const char *) p, run);
      p += run;
      if (p == end)
        break;

      escape = escape_at (style, p, end, &escaped);
      if (escape == 'x')
        append_hex_escape (out, p[escaped - 1], style >= STYLE_JSON);
      else
        {
          char seq[2] = { '\\', escape };
          append_len (out, seq, 2);
        }
      p += escaped;
    }
}

/**
 * ld_jsonl_append_string:
 * @out: where to write
 * @text: valid UTF-8
 * @length: its length in bytes, or -1 if nul-terminated
 *
 * Appends @text as a quoted and escaped JSON string, with DEL and the C1
 * controls escaped too, so that no line holds a raw terminal control.
 */
void
ld_jsonl_append_string (GString    *out,
                        const char *text,
                        gssize      length)
{
  if (length < 0)
    length = strlen (text);

  g_string_append_c (out, '"');
  append_escaped (out, text, length, STYLE_JSON);
  g_string_append_c (out, '"');
}

/**
 * ld_jsonl_append_escaped:
 * @out: where to write
 * @text: valid UTF-8
 * @length: its length in bytes, or -1 if nul-terminated
 * @style: which line ends to keep
 *
 * Appends @text with the controls a terminal acts on written as "\x1b",
 * as the JSON strings have them as "\u001b": the text and CSV exports and
 * what headless Logdeck prints. Backslashes are not escaped, so that text
 * without controls stays byte for byte what the sender wrote.
 */
void
ld_jsonl_append_escaped (GString    *out,
                         const char *text,
                         gssize      length,
                         LdEscape    style)
{
  g_return_if_fail (style == LD_ESCAPE_TEXT || style == LD_ESCAPE_LINE);

  if (length < 0)
    length = strlen (text);
  append_escaped (out, text, length, style);
}

/**
 * ld_jsonl_find_escape:
 * @text: valid UTF-8
 * @length: its length in bytes
 * @style: which line ends to keep
 *
 * Returns: the offset of the first character ld_jsonl_append_escaped()
 *   would escape, or @length if it would copy @text as it is
 */
gsize
ld_jsonl_find_escape (const char *text,
                      gsize       length,
                      LdEscape    style)
{
  g_return_val_if_fail (style == LD_ESCAPE_TEXT || style == LD_ESCAPE_LINE, 0);

  return find_escape (style, (const guchar *) text, (const guchar *) text + length);
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
 * Python "nan", say) can never break the line; and the number's shape: how
 * many digits it has before any point, and whether it is an integer or has
 * an exponent. */
static gboolean
scan_json_number (const char *p,
                  gsize       length,
                  gsize      *int_digits,
                  gboolean   *integer,
                  gboolean   *exponent)
{
  const char *end = p + length, *digits;

  if (p < end && *p == '-')
    p++;
  if (p == end || !g_ascii_isdigit (*p))
    return FALSE;
  digits = p;
  if (*p == '0')
    p++;
  else
    while (p < end && g_ascii_isdigit (*p))
      p++;
  *int_digits = p - digits;
  *integer = p == end;
  *exponent = FALSE;
  if (p < end && *p == '.')
    {
      if (++p == end || !g_ascii_isdigit (*p))
        return FALSE;
      while (p < end && g_ascii_isdigit (*p))
        p++;
    }
  if (p < end && (*p == 'e' || *p == 'E'))
    {
      *exponent = TRUE;
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

/**
 * ld_jsonl_is_portable_number:
 * @text: a number's text as a sender gave it
 * @length: its length in bytes
 *
 * Whether readers of JSON take @text as the number it says: it is a JSON
 * number, and either an integer of at most 4300 digits (Python's limit) or
 * a number that is finite as a double. The exporters write any other number
 * (1e999999, which Python reads as inf; an integer of 100,000 digits, which
 * it refuses) as a string of its text.
 *
 * Returns: %TRUE if @text may be written as a JSON number
 */
gboolean
ld_jsonl_is_portable_number (const char *text,
                             gsize       length)
{
  g_autofree char *copy = NULL;
  char buf[64];
  gsize int_digits;
  gboolean integer, exponent;

  if (!scan_json_number (text, length, &int_digits, &integer, &exponent))
    return FALSE;
  if (integer)
    return int_digits <= MAX_INTEGER_DIGITS;
  if (!exponent && int_digits <= MAX_FINITE_DIGITS)
    return TRUE;

  if (length < sizeof buf)
    {
      memcpy (buf, text, length);
      buf[length] = '\0';
      return isfinite (g_ascii_strtod (buf, NULL));
    }
  copy = g_strndup (text, length);
  return isfinite (g_ascii_strtod (copy, NULL));
}

/* A number as it is where readers take it, else as a string. */
static void
append_number_text (GString    *out,
                    const char *text,
                    gsize       length)
{
  if (ld_jsonl_is_portable_number (text, length))
    append_len (out, text, length);
  else
    ld_jsonl_append_string (out, text, length);
}

static inline gboolean
ends_scalar (char c)
{
  return (guchar) c <= ' ' || c == ',' || c == ':' || c == ']' || c == '}' || c == '['
         || c == '{' || c == '"';
}

/* A value that is not a string, object or array: true, false and null as
 * they are, a number as append_number_text() has it, and anything else
 * (NaN or Infinity, which some decoders read) as a string. */
static void
append_json_scalar (GString    *out,
                    const char *text,
                    gsize       length)
{
  if ((length == 4 && (memcmp (text, "true", 4) == 0 || memcmp (text, "null", 4) == 0))
      || (length == 5 && memcmp (text, "false", 5) == 0))
    append_len (out, text, length);
  else
    append_number_text (out, text, length);
}

/* JSON text that a decoder wrote or kept (an object or array value),
 * checked as it is copied: the controls in its strings escaped, the
 * numbers readers cannot take written as strings, and whitespace between
 * values written as spaces, so that the line stays one line of JSON. */
static void
append_json_text (GString    *out,
                  const char *p,
                  gsize       length)
{
  const char *end = p + length;

  while (p < end)
    {
      const char *start = p;

      if (*p == '"')
        {
          for (p++; p < end && *p != '"'; p++)
            if (*p == '\\' && p + 1 < end)
              p++;
          g_string_append_c (out, '"');
          append_escaped (out, start + 1, p - start - 1, STYLE_JSON_INNER);
          g_string_append_c (out, '"');
          p += p < end;
        }
      else if (!ends_scalar (*p))
        {
          while (p < end && !ends_scalar (*p))
            p++;
          append_json_scalar (out, start, p - start);
        }
      else
        {
          g_string_append_c (out, (guchar) *p <= ' ' ? ' ' : *p);
          p++;
        }
    }
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
      append_number_text (out, value, length);
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
      if (length == 0)
        break;
      append_json_text (out, value, length);
      return;

    case LD_VALUE_STRING:
    default:
      break;
    }

  ld_jsonl_append_string (out, value, length);
}

/* The extra fields as one object after @lead; nothing if there are none. */
static gboolean
append_extra_object (GString        *out,
                     const LdRecord *record,
                     const char     *lead)
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
      if (ld_record_is_reserved_extra (key))
        continue;
      if (first)
        append_cstr (out, lead);
      g_string_append_c (out, first ? '{' : ',');
      first = FALSE;
      ld_jsonl_append_string (out, ld_intern_lookup (key), -1);
      g_string_append_c (out, ':');
      append_value (out, type, value, length);
    }

  if (!first)
    g_string_append_c (out, '}');
  return !first;
}

/**
 * ld_jsonl_append_extra:
 * @out: where to write
 * @record: a record whose text is in place
 *
 * Appends the record's extra fields as one JSON object, the one a JSON line
 * has under "extra", for the CSV export's "extra" column.
 *
 * Returns: %FALSE, having written nothing, if the record has no extra fields
 */
gboolean
ld_jsonl_append_extra (GString        *out,
                       const LdRecord *record)
{
  g_return_val_if_fail (out != NULL && record != NULL, FALSE);

  return append_extra_object (out, record, "");
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

/* The trace and span ids are extra fields under reserved keys (see
 * ld-record.h), written where the other canonical fields are. */
static void
append_trace_context (GString        *out,
                      const LdRecord *record)
{
  LdValueType type;
  const char *value;
  gsize length;

  if (record->tail_len == 0)
    return;
  if (ld_record_get_extra (record, LD_RECORD_TRACE_ID, &type, &value, &length))
    append_text (out, ",\"trace_id\":", value, length);
  if (ld_record_get_extra (record, LD_RECORD_SPAN_ID, &type, &value, &length))
    append_text (out, ",\"span_id\":", value, length);
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
  append_interned (out, ",\"host\":", copy.host);
  append_interned (out, ",\"service\":", copy.service);
  append_trace_context (out, &copy);
  append_extra_object (out, &copy, ",\"extra\":");
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
