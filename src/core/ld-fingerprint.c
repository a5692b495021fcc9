// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <string.h>

#include "ld-fingerprint.h"

/* Bytes of a message's first line that are masked: what comes after is
 * rarely what tells two errors apart, and it bounds the cost. */
#define MAX_MASKED_INPUT 1024
/* A quote that does not close within this many bytes is an apostrophe. */
#define MAX_QUOTED 256
/* Hex runs this long with a digit and a letter are ids, not words. */
#define MIN_HEX_ID 6

typedef struct
{
  const char *start;
  gsize       length;
} Span;

static inline gboolean
is_word_char (char c)
{
  return g_ascii_isalnum (c) || c == '_';
}

static gsize
hex_run (const char *p,
         const char *end)
{
  const char *q = p;

  while (q < end && g_ascii_isxdigit (*q))
    q++;

  return q - p;
}

/* 8-4-4-4-12 hex digits, not inside a longer word. */
static gboolean
is_uuid (const char *p,
         const char *end)
{
  static const guint groups[] = { 8, 4, 4, 4, 12 };
  const char *q = p;

  for (guint i = 0; i < G_N_ELEMENTS (groups); i++)
    {
      if (hex_run (q, end) != groups[i])
        return FALSE;
      q += groups[i];
      if (i + 1 < G_N_ELEMENTS (groups) && (q >= end || *q++ != '-'))
        return FALSE;
    }

  return q >= end || !is_word_char (*q);
}

static gboolean
is_hex_id (const char *word,
           gsize       length)
{
  gboolean digit = FALSE, letter = FALSE;

  if (length < MIN_HEX_ID)
    return FALSE;

  for (gsize i = 0; i < length; i++)
    {
      if (!g_ascii_isxdigit (word[i]))
        return FALSE;
      digit |= g_ascii_isdigit (word[i]);
      letter |= g_ascii_isalpha (word[i]);
    }

  return digit && letter;
}

/* The length of a quoted string at @p, quotes included, or 0. */
static gsize
quoted_length (const char *text,
               const char *p,
               const char *end)
{
  const char *limit = MIN (end, p + MAX_QUOTED);

  if (*p != '\'' && *p != '"')
    return 0;
  if (p > text && is_word_char (p[-1]))
    return 0;   /* an apostrophe: can't */

  for (const char *q = p + 1; q < limit && *q != '\n'; q++)
    if (*q == *p && (q + 1 >= end || !is_word_char (q[1])))
      return q + 1 - p;

  return 0;
}

static void
append_word (GString    *out,
             const char *word,
             gsize       length)
{
  if (word[0] == '0' && length > 2 && (word[1] == 'x' || word[1] == 'X')
      && hex_run (word + 2, word + length) == length - 2)
    {
      g_string_append (out, "<hex>");
      return;
    }
  if (is_hex_id (word, length))
    {
      g_string_append (out, "<hex>");
      return;
    }

  for (gsize i = 0; i < length; i++)
    {
      if (!g_ascii_isdigit (word[i]))
        g_string_append_c (out, word[i]);
      else if (i == 0 || !g_ascii_isdigit (word[i - 1]))
        g_string_append_c (out, '#');
    }
}

/**
 * ld_fingerprint_mask:
 * @out: where to append
 * @text: text such as a message
 * @length: its length in bytes
 *
 * Appends @text with what varies between occurrences of one error masked:
 * UUIDs, hex numbers and ids, quoted strings, runs of digits. Runs of white
 * space become one space.
 */
void
ld_fingerprint_mask (GString    *out,
                     const char *text,
                     gsize       length)
{
  const char *p = text, *end = text + length;

  while (p < end)
    {
      gsize n;

      if (g_ascii_isspace (*p))
        {
          while (p < end && g_ascii_isspace (*p))
            p++;
          if (out->len > 0 && out->str[out->len - 1] != ' ')
            g_string_append_c (out, ' ');
          continue;
        }
      if (g_ascii_isxdigit (*p) && (p == text || !is_word_char (p[-1])) && is_uuid (p, end))
        {
          g_string_append (out, "<uuid>");
          p += 36;
          continue;
        }
      if ((n = quoted_length (text, p, end)) > 0)
        {
          g_string_append (out, "<str>");
          p += n;
          continue;
        }
      if (!is_word_char (*p))
        {
          g_string_append_c (out, *p++);
          continue;
        }

      for (n = 0; p + n < end && is_word_char (p[n]); n++)
        ;
      append_word (out, p, n);
      p += n;
    }
}

/* The first line, cut to a character boundary within MAX_MASKED_INPUT. */
static void
append_first_line (GString    *out,
                   const char *text,
                   gsize       length)
{
  const char *newline = memchr (text, '\n', length);
  gsize n = newline != NULL ? (gsize) (newline - text) : length;

  if (n > MAX_MASKED_INPUT)
    {
      n = MAX_MASKED_INPUT;
      while (n > 0 && (text[n] & 0xc0) == 0x80)
        n--;
    }

  ld_fingerprint_mask (out, text, n);
  while (out->len > 0 && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);
}

/* Lines */

static gboolean
next_line (const char **cursor,
           const char  *end,
           Span        *line)
{
  const char *newline;

  if (*cursor >= end)
    return FALSE;

  newline = memchr (*cursor, '\n', end - *cursor);
  line->start = *cursor;
  line->length = (newline != NULL ? newline : end) - *cursor;
  *cursor = newline != NULL ? newline + 1 : end;
  while (line->length > 0 && g_ascii_isspace (line->start[line->length - 1]))
    line->length--;

  return TRUE;
}

static Span
trim_start (Span line)
{
  while (line.length > 0 && g_ascii_isspace (*line.start))
    {
      line.start++;
      line.length--;
    }

  return line;
}

static gboolean
has_prefix (Span        line,
            const char *prefix)
{
  gsize n = strlen (prefix);

  return line.length >= n && memcmp (line.start, prefix, n) == 0;
}

/* The part before the first ": ", if it reads as a (qualified) type name. */
static gboolean
type_of_line (Span  line,
              Span *type)
{
  gsize n = 0;

  while (n < line.length && line.start[n] != ':')
    {
      char c = line.start[n];

      if (!is_word_char (c) && c != '.' && c != '$')
        return FALSE;
      n++;
    }

  type->start = line.start;
  type->length = n;

  return n > 0;
}

/* Python names the exception last, unindented; Java first, or in its last
 * "Caused by:" line, the root cause. Without frames, the last unindented
 * line is taken, which is also the only line of a one-line exception. */
static gboolean
find_exception_type (const char *exception,
                     gsize       length,
                     Span       *type)
{
  const char *cursor = exception, *end = exception + length;
  Span line, first = { NULL, 0 }, last = { NULL, 0 }, caused_by = { NULL, 0 };
  gboolean python = FALSE, java = FALSE;

  while (next_line (&cursor, end, &line))
    {
      Span trimmed = trim_start (line);

      if (trimmed.length == 0)
        continue;
      if (first.start == NULL)
        first = trimmed;
      python |= has_prefix (trimmed, "File \"");
      java |= has_prefix (trimmed, "at ");
      if (trimmed.start == line.start)
        last = line;
      if (has_prefix (trimmed, "Caused by: "))
        caused_by = (Span) { trimmed.start + 11, trimmed.length - 11 };
    }

  if (!python && caused_by.start != NULL)
    return type_of_line (caused_by, type);
  if (!python && java)
    return type_of_line (first, type);

  return last.start != NULL && type_of_line (last, type);
}

/**
 * ld_fingerprint_exception_type:
 * @exception: an exception's text, as the record has it
 * @length: its length in bytes
 *
 * Returns: (transfer full) (nullable): the exception's type, such as
 *   "ValueError" or "java.lang.IllegalStateException"
 */
char *
ld_fingerprint_exception_type (const char *exception,
                               gsize       length)
{
  Span type;

  g_return_val_if_fail (exception != NULL || length == 0, NULL);

  if (!find_exception_type (exception, length, &type))
    return NULL;

  return g_strndup (type.start, type.length);
}

/* Frames */

/* One frame as fingerprint text, or FALSE if @line is no frame. */
static gboolean
append_frame (GString *out,
              Span     line)
{
  line = trim_start (line);

  if (has_prefix (line, "File \""))
    {
      const char *path = line.start + 6, *end = line.start + line.length;
      const char *quote = memchr (path, '"', end - path);
      const char *in = quote != NULL ? g_strstr_len (quote, end - quote, ", in ") : NULL;

      if (quote == NULL)
        return FALSE;
      ld_fingerprint_mask (out, path, quote - path);
      if (in != NULL)
        {
          g_string_append (out, " in ");
          g_string_append_len (out, in + 5, end - (in + 5));
        }
      return TRUE;
    }

  if (has_prefix (line, "at ") && line.length > 3)
    {
      ld_fingerprint_mask (out, line.start + 3, line.length - 3);
      return TRUE;
    }

  return FALSE;
}

/* Appends "\n" and a frame per line, returning how many. */
static guint
append_frames (GString    *out,
               const char *exception,
               gsize       length)
{
  g_autoptr(GString) frames = g_string_new (NULL);
  g_autoptr(GArray) starts = g_array_new (FALSE, FALSE, sizeof (gsize));
  const char *cursor = exception, *end = exception + length;
  Span line;
  guint first;

  while (next_line (&cursor, end, &line))
    {
      gsize start = frames->len, previous;

      g_string_append_c (frames, '\n');
      if (!append_frame (frames, line))
        {
          g_string_truncate (frames, start);
          continue;
        }

      /* Recursion repeats a frame: one is enough to say where it was. */
      previous = starts->len > 0 ? g_array_index (starts, gsize, starts->len - 1) : 0;
      if (starts->len > 0 && start - previous == frames->len - start
          && memcmp (frames->str + previous, frames->str + start, start - previous) == 0)
        g_string_truncate (frames, start);
      else
        g_array_append_val (starts, start);
    }

  first = starts->len > LD_FINGERPRINT_MAX_FRAMES ? starts->len - LD_FINGERPRINT_MAX_FRAMES : 0;
  if (starts->len > 0)
    g_string_append (out, frames->str + g_array_index (starts, gsize, first));

  return starts->len - first;
}

/**
 * ld_fingerprint_append:
 * @fingerprint: where to append
 * @record: a record
 *
 * Appends @record's fingerprint, as described above. Callers that compare
 * many records reuse one #GString.
 */
void
ld_fingerprint_append (GString        *fingerprint,
                       const LdRecord *record)
{
  gsize exception_len, message_len;
  const char *exception = ld_record_get_exception (record, &exception_len);
  const char *message = ld_record_get_message (record, &message_len);
  Span type;

  g_return_if_fail (fingerprint != NULL);
  g_return_if_fail (record != NULL);

  if (exception_len > 0 && find_exception_type (exception, exception_len, &type))
    {
      g_string_append (fingerprint, "exc:");
      g_string_append_len (fingerprint, type.start, type.length);
      if (append_frames (fingerprint, exception, exception_len) > 0)
        return;

      g_string_append_c (fingerprint, '\n');
      append_first_line (fingerprint, message, message_len);
      return;
    }

  g_string_append (fingerprint, "msg:");
  append_first_line (fingerprint, message, message_len);
}

/**
 * ld_fingerprint_compute:
 * @record: a record
 *
 * Returns: (transfer full): @record's fingerprint
 */
char *
ld_fingerprint_compute (const LdRecord *record)
{
  GString *fingerprint = g_string_sized_new (128);

  g_return_val_if_fail (record != NULL, NULL);

  ld_fingerprint_append (fingerprint, record);

  return g_string_free (fingerprint, FALSE);
}
