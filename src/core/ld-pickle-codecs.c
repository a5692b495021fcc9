// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.pickle"

#include "config.h"

#include <string.h>

#include "ld-pickle-private.h"

/* The codecs of the pickle decoder: text as the opcodes carry it (UTF-8 with surrogates,
 * latin-1, raw-unicode-escape, Python 2's escaped literals), always made valid UTF-8, and
 * integers written as decimal text or as two's complement bytes. */

/* Text */

#define INVALID_CHAR ((gunichar) -1)

typedef struct
{
  char *out; /* NULL to only count */
  gsize len;
  gunichar high; /* a high surrogate waiting for its low half */
} Sink;

static inline void
sink_emit (Sink *sink, gunichar c)
{
  if (sink->out != NULL)
    sink->len += (gsize) g_unichar_to_utf8 (c, sink->out + sink->len);
  else
    sink->len += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
}

/* Adds a code point: a surrogate pair is joined, and a lone surrogate, a code point out of
 * range or INVALID_CHAR becomes U+FFFD, so the text is always valid UTF-8. */
static void
sink_put (Sink *sink, gunichar c)
{
  if (sink->high != 0)
    {
      gunichar high = sink->high;

      sink->high = 0;
      if (c >= 0xDC00 && c <= 0xDFFF)
        {
          sink_emit (sink, 0x10000 + ((high - 0xD800) << 10) + (c - 0xDC00));
          return;
        }
      sink_emit (sink, 0xFFFD);
    }
  if (c >= 0xD800 && c <= 0xDBFF)
    sink->high = c;
  else if ((c >= 0xDC00 && c <= 0xDFFF) || c > 0x10FFFF)
    sink_emit (sink, 0xFFFD);
  else
    sink_emit (sink, c);
}

static void
sink_finish (Sink *sink)
{
  if (sink->high != 0)
    sink_emit (sink, 0xFFFD);
  sink->high = 0;
  if (sink->out != NULL)
    sink->out[sink->len] = '\0';
}

/* Decodes one UTF-8 sequence as Python does with "surrogatepass", which pickle uses: a
 * surrogate (ED A0..BF xx) comes back as its code point.  A bad sequence gives INVALID_CHAR
 * and consumes its longest valid prefix, so each bad sequence becomes one U+FFFD, as the
 * Unicode standard recommends. */
static gsize
utf8_decode_one (const guint8 *s, gsize n, gunichar *out)
{
  gunichar c = s[0];
  guint8 lo = 0x80, hi = 0xBF;
  gsize more, i;

  if (c < 0x80)
    {
      *out = c;
      return 1;
    }
  if (c < 0xC2 || c > 0xF4)
    {
      *out = INVALID_CHAR;
      return 1;
    }
  if (c < 0xE0)
    more = 1, c &= 0x1F;
  else if (c < 0xF0)
    more = 2, c &= 0x0F, lo = c == 0 ? 0xA0 : 0x80;
  else
    more = 3, c &= 0x07, lo = c == 0 ? 0x90 : 0x80, hi = c == 4 ? 0x8F : 0xBF;
  for (i = 1; i <= more; i++, lo = 0x80, hi = 0xBF)
    {
      if (i >= n || s[i] < lo || s[i] > hi)
        {
          *out = INVALID_CHAR;
          return i;
        }
      c = (c << 6) | (s[i] & 0x3F);
    }
  *out = c;
  return more + 1;
}

/* Whether the bytes are valid UTF-8 without surrogates (embedded NULs are fine). */
gboolean
ld_pickle_utf8_is_clean (const guint8 *s, gsize n)
{
  gsize i = ascii_prefix (s, n);

  while (i < n)
    {
      gunichar c;

      if (s[i] < 0x80)
        {
          i++;
          continue;
        }
      i += utf8_decode_one (s + i, n - i, &c);
      if (c == INVALID_CHAR || (c >= 0xD800 && c <= 0xDFFF))
        return FALSE;
    }
  return TRUE;
}

typedef void (*Converter) (const guint8 *s, gsize n, Sink *sink);

static void
convert_utf8 (const guint8 *s, gsize n, Sink *sink)
{
  gsize i = 0;

  while (i < n)
    {
      gunichar c;

      i += utf8_decode_one (s + i, n - i, &c);
      sink_put (sink, c);
    }
}

static void
convert_latin1 (const guint8 *s, gsize n, Sink *sink)
{
  for (gsize i = 0; i < n; i++)
    sink_put (sink, s[i]);
}

static gboolean
parse_hex (const guint8 *s, gsize digits, gunichar *out)
{
  gunichar c = 0;

  for (gsize i = 0; i < digits; i++)
    {
      int v = g_ascii_xdigit_value ((char) s[i]);

      if (v < 0)
        return FALSE;
      c = (c << 4) | (gunichar) v;
    }
  *out = c;
  return TRUE;
}

/* Reads a \u escape (four hex digits) or a \U escape (eight) at s. */
static gsize
parse_unicode_escape (const guint8 *s, gsize n, gunichar *out)
{
  gsize digits;

  if (n < 2 || (s[1] != 'u' && s[1] != 'U'))
    return 0;
  digits = s[1] == 'u' ? 4 : 8;
  if (n < 2 + digits || !parse_hex (s + 2, digits, out))
    return 0;
  return 2 + digits;
}

/* The "raw-unicode-escape" codec of the UNICODE opcode: latin-1 bytes with \u and \U escapes,
 * where only an odd run of backslashes starts an escape, as in CPython. */
static void
convert_raw_unicode_escape (const guint8 *s, gsize n, Sink *sink)
{
  gsize i = 0;

  while (i < n)
    {
      gsize run = 0, used;
      gboolean odd;
      gunichar c;

      if (s[i] != '\\')
        {
          sink_put (sink, s[i++]);
          continue;
        }
      while (i + run < n && s[i + run] == '\\')
        run++;
      odd = run % 2 == 1;
      for (; run > 1; run--, i++)
        sink_put (sink, '\\');
      used = odd ? parse_unicode_escape (s + i, n - i, &c) : 0;
      if (used > 0)
        sink_put (sink, c);
      else
        sink_put (sink, '\\');
      i += used > 0 ? used : 1;
    }
}

static LdPickleValue *
new_str_converted (Decoder *d, const guint8 *s, gsize n, Converter convert)
{
  Sink count = { NULL, 0, 0 };
  Sink sink = { NULL, 0, 0 };
  LdPickleValue *v;

  convert (s, n, &count);
  sink_finish (&count);
  if ((sink.out = alloc (d, count.len + 1)) == NULL || (v = new_value (d, LD_PICKLE_STR)) == NULL)
    return NULL;
  convert (s, n, &sink);
  sink_finish (&sink);
  v->str = sink.out;
  v->len = sink.len;
  return v;
}

/* The UNICODE opcode's text, latin-1 with \u and \U escapes. */
LdPickleValue *
ld_pickle_new_raw_unicode_str (Decoder *d, const char *s, gsize n)
{
  return new_str_converted (d, (const guint8 *) s, n, convert_raw_unicode_escape);
}

G_GNUC_NO_INLINE LdPickleValue *
ld_pickle_new_str_slow (Decoder *d, char *s, gsize n)
{
  LdPickleValue *v;

  if (!ld_pickle_utf8_is_clean ((const guint8 *) s, n))
    return new_str_converted (d, (const guint8 *) s, n, convert_utf8);
  if ((v = new_value (d, LD_PICKLE_STR)) == NULL)
    return NULL;
  s[n] = '\0';
  v->str = s;
  v->len = n;
  return v;
}

/* A Python 2 str is bytes: shown as UTF-8 when it is valid UTF-8, else as latin-1. */
LdPickleValue *
ld_pickle_new_py2_str (Decoder *d, char *s, gsize n)
{
  LdPickleValue *v;

  if (!ld_pickle_utf8_is_clean ((const guint8 *) s, n))
    return new_str_converted (d, (const guint8 *) s, n, convert_latin1);
  if ((v = new_str (d, s, n)) != NULL)
    v->flags |= FLAG_RAW_UTF8;
  return v;
}

/* Python's codecs.escape_decode, which the STRING opcode uses, done in place. */
gsize
ld_pickle_escape_decode (char *s, gsize n)
{
  static const char simple[] = "n\nt\tr\ra\007b\bf\fv\013\\\\''\"\"";
  gsize i = 0, o = 0;

  while (i < n)
    {
      const char *e;
      char c = s[i++];

      if (c != '\\' || i == n)
        {
          s[o++] = c;
          continue;
        }
      c = s[i++];
      if (c != '\0' && (e = strchr (simple, c)) != NULL && (e - simple) % 2 == 0)
        s[o++] = e[1];
      else if (c >= '0' && c <= '7')
        {
          guint value = (guint) (c - '0');

          for (int k = 0; k < 2 && i < n && s[i] >= '0' && s[i] <= '7'; k++)
            value = value * 8 + (guint) (s[i++] - '0');
          s[o++] = (char) (value & 0xFF);
        }
      else if (c == 'x' && i + 2 <= n && g_ascii_isxdigit (s[i]) && g_ascii_isxdigit (s[i + 1]))
        {
          s[o++] = (char) (g_ascii_xdigit_value (s[i]) * 16 + g_ascii_xdigit_value (s[i + 1]));
          i += 2;
        }
      else
        {
          s[o++] = '\\';
          s[o++] = c;
        }
    }
  return o;
}

/* Numbers */

static gboolean
check_digits (Decoder *d, gsize digits)
{
  if (G_LIKELY (digits <= d->limits->max_int_digits))
    return TRUE;
  return ld_pickle_fail (d, LD_PICKLE_ERROR_LIMIT, _("integer of more than %lu digits"),
                         (gulong) d->limits->max_int_digits);
}

static LdPickleValue *
wrap_bigint (Decoder *d, const char *text, gsize n)
{
  LdPickleValue *v = new_value (d, LD_PICKLE_BIGINT);

  if (v != NULL)
    {
      v->str = text;
      v->len = n;
    }
  return v;
}

static LdPickleValue *
new_bigint (Decoder *d, gboolean negative, const char *digits, gsize n)
{
  char *text = alloc (d, n + 2);

  if (text == NULL)
    return NULL;
  text[0] = '-';
  memcpy (text + negative, digits, n);
  text[n + negative] = '\0';
  return wrap_bigint (d, text, n + negative);
}

/* Reads the decimal text of the INT and LONG opcodes: into @value when it fits in 64 bits.
 * @digits and @n_digits give the digits without sign and leading zeros. */
IntText
ld_pickle_parse_int_text (const char *s, gsize n, gint64 *value, gboolean *negative,
                          const char **digits, gsize *n_digits)
{
  guint64 magnitude = 0;

  *negative = FALSE;
  for (; n > 0 && g_ascii_isspace (s[n - 1]); n--)
    ;
  for (; n > 0 && g_ascii_isspace (s[0]); n--)
    s++;
  if (n > 0 && (s[0] == '-' || s[0] == '+'))
    *negative = s[0] == '-', s++, n--;
  for (; n > 1 && s[0] == '0'; n--)
    s++;
  *digits = s;
  *n_digits = n;
  if (n == 0)
    return INT_TEXT_INVALID;
  for (gsize i = 0; i < n; i++)
    {
      if (!g_ascii_isdigit (s[i]))
        return INT_TEXT_INVALID;
      magnitude = magnitude * 10 + (guint64) (s[i] - '0'); /* wraps past 19 digits: then unused */
    }
  if (n > 19)
    return INT_TEXT_BIG;
  if (magnitude <= (guint64) G_MAXINT64)
    *value = *negative ? -(gint64) magnitude : (gint64) magnitude;
  else if (*negative && magnitude == (guint64) G_MAXINT64 + 1)
    *value = G_MININT64;
  else
    return INT_TEXT_BIG;
  return INT_TEXT_SMALL;
}

LdPickleValue *
ld_pickle_new_int_from_text (Decoder *d, const char *s, gsize n)
{
  IntText parsed;
  gboolean negative;
  const char *digits;
  gsize n_digits;
  gint64 value = 0;

  parsed = ld_pickle_parse_int_text (s, n, &value, &negative, &digits, &n_digits);
  if (parsed == INT_TEXT_INVALID)
    return ld_pickle_fail (d, LD_PICKLE_ERROR_INVALID, _("invalid integer text")), NULL;
  if (!check_digits (d, n_digits))
    return NULL;
  if (parsed == INT_TEXT_SMALL)
    return new_int (d, value);
  return new_bigint (d, negative, digits, n_digits);
}

/* Turns the magnitude in limbs (32-bit, least significant first) into base-10^9 chunks,
 * least significant first, by repeated division; returns how many. */
static gsize
limbs_to_chunks (guint32 *limbs, gsize n_limbs, guint32 *chunks)
{
  gsize n_chunks = 0;

  do
    {
      guint64 rem = 0;

      for (gsize i = n_limbs; i-- > 0;)
        {
          guint64 cur = (rem << 32) | limbs[i];

          limbs[i] = (guint32) (cur / 1000000000);
          rem = cur % 1000000000;
        }
      chunks[n_chunks++] = (guint32) rem;
      while (n_limbs > 0 && limbs[n_limbs - 1] == 0)
        n_limbs--;
    }
  while (n_limbs > 0);
  return n_chunks;
}

/* Converts a little-endian two's complement number of more than 8 bytes to decimal text. */
LdPickleValue *
ld_pickle_new_bigint_from_bytes (Decoder *d, const guint8 *b, gsize n)
{
  gboolean negative = (b[n - 1] & 0x80) != 0;
  gsize n_limbs = (n + 3) / 4, n_chunks, digits;
  guint32 *limbs, *chunks;
  guint carry = 1;
  char *text, *p;

  /* With sign bytes trimmed, the number is at least 256^(n-2), which has more than
   * (n - 2) * 2.408 digits: refuse before the quadratic work. */
  if (!check_digits (d, (gsize) ((double) (n - 2) * 2.408)))
    return NULL;
  if ((limbs = alloc_array (d, n_limbs, 4)) == NULL ||
      (chunks = alloc_array (d, n_limbs * 2, 4)) == NULL)
    return NULL;
  memset (limbs, 0, n_limbs * 4);
  for (gsize i = 0; i < n; i++)
    {
      guint byte = b[i];

      if (negative)
        byte = (byte ^ 0xFF) + carry, carry = byte >> 8, byte &= 0xFF;
      limbs[i / 4] |= (guint32) byte << (8 * (i % 4));
    }
  n_chunks = limbs_to_chunks (limbs, n_limbs, chunks);
  digits = (gsize) g_snprintf (NULL, 0, "%u", chunks[n_chunks - 1]) + 9 * (n_chunks - 1);
  if (!check_digits (d, digits) || (text = alloc (d, digits + 2)) == NULL)
    return NULL;
  p = text + g_snprintf (text, 12, "%s%u", negative ? "-" : "", chunks[n_chunks - 1]);
  for (gsize i = n_chunks - 1; i-- > 0;)
    p += g_snprintf (p, 10, "%09u", chunks[i]);
  return wrap_bigint (d, text, (gsize) (p - text));
}
