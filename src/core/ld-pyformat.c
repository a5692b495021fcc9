// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ld-pyformat.h"

/* Python's printf-style formatting, msg % args, as LogRecord.getMessage()
 * does it. SocketHandler merges the arguments before it sends a record, but
 * other senders send msg and args apart, and the message should read the same
 * as in the sender's own log. The input is untrusted, so every conversion
 * checks its argument's type, and any mismatch fails with an error worded as
 * Python's, where Python would raise; ld_pyformat_message() then shows the
 * message and its arguments side by side instead. */

/* Wider fields or longer precisions than this are refused rather than
 * allocated: Python would pad to a gigabyte if asked to. */
#define MAX_FIELD 10000

/* Python's str of a bigint is limited to 4300 digits by default, too. */
#define MAX_BIGINT_RADIX_DIGITS 4300

G_DEFINE_QUARK (ld-pyformat-error-quark, ld_pyformat_error)

typedef struct
{
  const LdPickleValue *args;       /* a tuple, or the single argument */
  gsize                n_args;
  gsize                next;
  gboolean             is_tuple;
  const LdPickleValue *mapping;    /* a dict given as args, or NULL */
  gboolean             used_key;
} Args;

typedef LdPyformatSpec Spec;

static gboolean
fail (GError    **error,
      const char *format,
      ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail (GError    **error,
      const char *format,
      ...)
{
  va_list ap;

  va_start (ap, format);
  if (error != NULL)
    *error = g_error_new_valist (LD_PYFORMAT_ERROR, LD_PYFORMAT_ERROR_MISMATCH, format, ap);
  va_end (ap);

  return FALSE;
}

static const char *
type_name (const LdPickleValue *value)
{
  switch (ld_pickle_value_kind (value))
    {
    case LD_PICKLE_NONE: return "NoneType";
    case LD_PICKLE_BOOL: return "bool";
    case LD_PICKLE_INT:
    case LD_PICKLE_BIGINT: return "int";
    case LD_PICKLE_FLOAT: return "float";
    case LD_PICKLE_STR: return "str";
    case LD_PICKLE_BYTES: return "bytes";
    case LD_PICKLE_LIST: return "list";
    case LD_PICKLE_TUPLE: return "tuple";
    case LD_PICKLE_SET: return "set";
    case LD_PICKLE_DICT: return "dict";
    case LD_PICKLE_OBJECT:
    default: return ld_pickle_value_get_object_name (value) != NULL
                    ? ld_pickle_value_get_object_name (value) : "object";
    }
}

/**
 * ld_pyformat_is_true:
 * @value: a value
 *
 * Returns: whether Python would take @value as true in `if value:`
 */
gboolean
ld_pyformat_is_true (const LdPickleValue *value)
{
  switch (ld_pickle_value_kind (value))
    {
    case LD_PICKLE_NONE: return FALSE;
    case LD_PICKLE_BOOL: return ld_pickle_value_get_bool (value);
    case LD_PICKLE_INT: return ld_pickle_value_get_int (value) != 0;
    case LD_PICKLE_FLOAT: return ld_pickle_value_get_float (value) != 0.0;
    case LD_PICKLE_STR:
    case LD_PICKLE_BYTES:
    case LD_PICKLE_LIST:
    case LD_PICKLE_TUPLE:
    case LD_PICKLE_SET:
    case LD_PICKLE_DICT: return ld_pickle_value_get_length (value) > 0;
    case LD_PICKLE_BIGINT:
    case LD_PICKLE_OBJECT:
    default: return TRUE;
    }
}

/* Python's str.isprintable(), which decides what repr() escapes. */
static gboolean
is_printable (gunichar c)
{
  if (c == ' ')
    return TRUE;

  switch (g_unichar_type (c))
    {
    case G_UNICODE_CONTROL:
    case G_UNICODE_FORMAT:
    case G_UNICODE_SURROGATE:
    case G_UNICODE_PRIVATE_USE:
    case G_UNICODE_UNASSIGNED:
    case G_UNICODE_LINE_SEPARATOR:
    case G_UNICODE_PARAGRAPH_SEPARATOR:
    case G_UNICODE_SPACE_SEPARATOR:
      return FALSE;
    default:
      return TRUE;
    }
}

static void
append_escaped_char (GString  *out,
                     gunichar  c,
                     char      quote,
                     gboolean  ascii_only)
{
  if (c == (gunichar) quote || c == '\\')
    g_string_append_c (out, '\\'), g_string_append_c (out, (char) c);
  else if (c == '\t')
    g_string_append (out, "\\t");
  else if (c == '\n')
    g_string_append (out, "\\n");
  else if (c == '\r')
    g_string_append (out, "\\r");
  else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0x100 && (ascii_only || !is_printable (c))))
    g_string_append_printf (out, "\\x%02x", c);
  else if (c >= 0x100 && (ascii_only || !is_printable (c)))
    g_string_append_printf (out, c < 0x10000 ? "\\u%04x" : "\\U%08x", c);
  else
    g_string_append_unichar (out, c);
}

/**
 * ld_pyformat_append_str_repr:
 * @out: where to write
 * @text: UTF-8 text
 * @length: its length in bytes
 * @ascii_only: escape every non-ASCII character, as Python's ascii()
 *
 * repr() of a str: quoted with ' unless only " avoids escapes, as Python.
 */
void
ld_pyformat_append_str_repr (GString    *out,
                             const char *text,
                             gsize       length,
                             gboolean    ascii_only)
{
  const char *end = text + length;
  char quote = memchr (text, '\'', length) != NULL && memchr (text, '"', length) == NULL
               ? '"' : '\'';

  g_string_append_c (out, quote);
  for (const char *p = text; p < end; p = g_utf8_next_char (p))
    append_escaped_char (out, g_utf8_get_char (p), quote, ascii_only);
  g_string_append_c (out, quote);
}

/* ascii() of text that repr() made: every non-ASCII character escaped. */
static void
append_ascii (GString    *out,
              const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c < 0x80)
        g_string_append_c (out, (char) c);
      else
        g_string_append_printf (out, c < 0x100 ? "\\x%02x" : c < 0x10000 ? "\\u%04x" : "\\U%08x",
                                c);
    }
}

/**
 * ld_pyformat_append_repr:
 * @out: where to write
 * @value: a value
 * @ascii_only: escape every non-ASCII character, as Python's ascii()
 *
 * Appends Python's repr() of @value, or for an object that was never built,
 * its placeholder text.
 */
void
ld_pyformat_append_repr (GString             *out,
                         const LdPickleValue *value,
                         gboolean             ascii_only)
{
  g_autofree char *display = NULL;

  if (ld_pickle_value_kind (value) == LD_PICKLE_STR)
    {
      gsize length;
      const char *text = ld_pickle_value_get_string (value, &length);

      ld_pyformat_append_str_repr (out, text, length, ascii_only);
      return;
    }

  display = ld_pickle_value_to_display (value);
  if (ascii_only)
    append_ascii (out, display);
  else
    g_string_append (out, display);
}

/**
 * ld_pyformat_append_str:
 * @out: where to write
 * @value: a value
 *
 * Appends Python's str() of @value.
 */
void
ld_pyformat_append_str (GString             *out,
                        const LdPickleValue *value)
{
  g_autofree char *display = NULL;

  if (ld_pickle_value_kind (value) == LD_PICKLE_STR)
    {
      gsize length;
      const char *text = ld_pickle_value_get_string (value, &length);

      g_string_append_len (out, text, length);
      return;
    }

  display = ld_pickle_value_to_display (value);
  g_string_append (out, display);
}

/* The pieces of a conversion
 * ==========================
 *
 * Numbers and padding as Python's formatting writes them, for "msg % args"
 * here and for the fields of logging format strings in
 * ld-log-format-render.c, so that both read the same. */

/**
 * ld_pyformat_sign_text:
 * @negative: whether the number is below zero
 * @sign: '+' or ' ' to mark a number that is not negative too, '-' or 0 not to
 *
 * Returns: what goes before the digits of a number
 */
const char *
ld_pyformat_sign_text (gboolean negative,
                       char     sign)
{
  return negative ? "-" : sign == '+' ? "+" : sign == ' ' ? " " : "";
}

/* The most digits a 64-bit number has, in base 2. */
#define MAX_DIGITS 64

/* Writes the digits of @magnitude in @base at the end of @buf; returns the
 * first. */
static const char *
format_digits (char     buf[MAX_DIGITS],
               guint64  magnitude,
               guint    base,
               gboolean upper)
{
  const char *alphabet = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  char *p = buf + MAX_DIGITS;

  do
    *--p = alphabet[magnitude % base];
  while ((magnitude /= base) != 0);

  return p;
}

/**
 * ld_pyformat_append_digits:
 * @out: where to write
 * @magnitude: the number without its sign
 * @base: 2, 8, 10 or 16
 * @upper: whether digits above 9 are upper case
 * @min_digits: the least number of digits, with zeros in front
 *
 * Appends the digits of @magnitude in @base, at least one.
 */
void
ld_pyformat_append_digits (GString *out,
                           guint64  magnitude,
                           guint    base,
                           gboolean upper,
                           gsize    min_digits)
{
  char buf[MAX_DIGITS];
  const char *digits = format_digits (buf, magnitude, base, upper);
  gsize length = buf + sizeof buf - digits;

  for (gsize n = length; n < min_digits; n++)
    g_string_append_c (out, '0');
  g_string_append_len (out, digits, length);
}

/* Room for "%f" of 1e308, which has 309 digits before the point. */
static gsize
float_text_size (int precision)
{
  return 330 + (gsize) MAX (precision, 0);
}

/* printf's text of @magnitude in the C locale, into @buf of
 * float_text_size() bytes. */
static void
format_float_text (char    *buf,
                   gsize    size,
                   double   magnitude,
                   char     conversion,
                   int      precision,
                   gboolean alternate)
{
  char format[16];

  g_snprintf (format, sizeof format, "%%%s.%d%c", alternate ? "#" : "", MAX (precision, 0),
              conversion);
  g_ascii_formatd (buf, size, format, magnitude);
}

/**
 * ld_pyformat_append_float:
 * @out: where to write
 * @magnitude: the number without its sign
 * @conversion: the conversion letter of printf: e, E, f, F, g or G
 * @precision: the precision, not negative
 * @alternate: the '#' flag
 *
 * Appends the fixed or exponent notation of @magnitude (which may be inf or
 * nan) as printf writes it in the C locale, which is also Python's.
 */
void
ld_pyformat_append_float (GString *out,
                          double   magnitude,
                          char     conversion,
                          int      precision,
                          gboolean alternate)
{
  gsize start = out->len;
  gsize size = float_text_size (precision);

  g_string_set_size (out, start + size);
  format_float_text (out->str + start, size, magnitude, conversion, precision, alternate);
  g_string_set_size (out, start + strlen (out->str + start));
}

/* The fewest significant digits that read back as @value (which is finite
 * and not negative), and the decimal exponent of the first. */
static int
shortest_digits (double  value,
                 char    digits[20],
                 int    *exponent)
{
  char buf[40], format[8];
  int n = 0;

  for (int precision = 1; precision <= 17; precision++)
    {
      g_snprintf (format, sizeof format, "%%.%de", precision - 1);
      g_ascii_formatd (buf, sizeof buf, format, value);
      if (g_ascii_strtod (buf, NULL) == value)
        break;
    }

  for (const char *p = buf; *p != 'e'; p++)
    if (g_ascii_isdigit (*p))
      digits[n++] = *p;
  *exponent = atoi (strchr (buf, 'e') + 1);
  while (n > 1 && digits[n - 1] == '0')
    n--;

  return n;
}

/**
 * ld_pyformat_append_float_repr:
 * @out: where to write
 * @value: a number
 *
 * Appends Python's repr() of a float: the shortest text that reads back as
 * the same number, in fixed notation for exponents from -4 to 15.
 */
void
ld_pyformat_append_float_repr (GString *out,
                               double   value)
{
  char digits[20];
  int n, exponent;

  if (isnan (value) || isinf (value))
    {
      g_string_append (out, isnan (value) ? "nan" : value < 0 ? "-inf" : "inf");
      return;
    }
  if (signbit (value))
    g_string_append_c (out, '-');
  n = shortest_digits (fabs (value), digits, &exponent);

  if (exponent < -4 || exponent >= 16)
    {
      g_string_append_c (out, digits[0]);
      if (n > 1)
        {
          g_string_append_c (out, '.');
          g_string_append_len (out, digits + 1, n - 1);
        }
      g_string_append_printf (out, "e%c%02d", exponent < 0 ? '-' : '+', ABS (exponent));
    }
  else if (exponent < 0)
    {
      g_string_append (out, "0.");
      for (int i = -1; i > exponent; i--)
        g_string_append_c (out, '0');
      g_string_append_len (out, digits, n);
    }
  else
    {
      for (int i = 0; i <= exponent; i++)
        g_string_append_c (out, i < n ? digits[i] : '0');
      g_string_append_c (out, '.');
      if (n > exponent + 1)
        g_string_append_len (out, digits + exponent + 1, n - exponent - 1);
      else
        g_string_append_c (out, '0');
    }
}

/**
 * ld_pyformat_truncated_length:
 * @text: valid UTF-8
 * @length: its length in bytes
 * @precision: the most characters to keep, or negative for all
 *
 * Cuts @text to at most @precision characters, as "%.3s" and "{:.3}" do.
 *
 * Returns: the length in bytes of what is kept
 */
gsize
ld_pyformat_truncated_length (const char *text,
                              gsize       length,
                              gint64      precision)
{
  const char *p = text, *end = text + length;

  if (precision < 0)
    return length;
  for (gint64 i = 0; i < precision && p < end; i++)
    p = g_utf8_next_char (p);

  return MIN ((gsize) (p - text), length);
}

static void
append_fill (GString  *out,
             gunichar  fill,
             gsize     count)
{
  if (fill < 0x80)
    for (gsize i = 0; i < count; i++)
      g_string_append_c (out, (char) fill);
  else
    for (gsize i = 0; i < count; i++)
      g_string_append_unichar (out, fill);
}

/* Characters in valid UTF-8: the bytes that do not continue one. */
static gsize
count_chars (const char *text,
             gsize       length)
{
  gsize n = 0;

  for (gsize i = 0; i < length; i++)
    n += ((guchar) text[i] & 0xc0) != 0x80;

  return n;
}

/**
 * ld_pyformat_append_aligned:
 * @out: where to write
 * @prefix: a sign, "0x" and the like, or ""
 * @body: the digits or the text, valid UTF-8
 * @body_len: its length in bytes
 * @fill: the character that pads
 * @align: '<', '>' or '^' to align @prefix and @body as a whole, or '=' to
 *   pad between them
 * @width: the least number of characters, 0 for no padding
 *
 * Appends @prefix and @body padded to @width characters, as a field of
 * printf-style formatting or of a str.format() spec.
 */
void
ld_pyformat_append_aligned (GString    *out,
                            const char *prefix,
                            const char *body,
                            gsize       body_len,
                            gunichar    fill,
                            char        align,
                            gsize       width)
{
  gsize prefix_len = strlen (prefix);
  gsize chars = width > 0 ? prefix_len + count_chars (body, body_len) : 0;
  gsize pad = width > chars ? width - chars : 0;
  gsize before = align == '<' ? 0 : align == '^' ? pad / 2 : align == '=' ? 0 : pad;

  if (pad == 0)
    {
      g_string_append_len (out, prefix, prefix_len);
      g_string_append_len (out, body, body_len);
      return;
    }

  append_fill (out, fill, before);
  g_string_append_len (out, prefix, prefix_len);
  if (align == '=')
    append_fill (out, fill, pad);
  g_string_append_len (out, body, body_len);
  append_fill (out, fill, align == '<' ? pad : align == '^' ? pad - pad / 2 : 0);
}

/* Pads @body to the field's width, with zeros between sign and digits for a
 * number when asked to. */
static void
append_padded (GString    *out,
               const Spec *spec,
               const char *sign_and_prefix,
               const char *body,
               gsize       body_len,
               gboolean    numeric)
{
  gboolean zero = numeric && spec->zero && !spec->left;

  ld_pyformat_append_aligned (out, sign_and_prefix, body, body_len, zero ? '0' : ' ',
                              spec->left ? '<' : zero ? '=' : '>', MAX (spec->width, 0));
}

/**
 * ld_pyformat_append_text_field:
 * @out: where to write
 * @spec: the conversion
 * @text: the str(), repr() or character to write, valid UTF-8
 * @length: its length in bytes
 *
 * Appends @text as "%s", "%r", "%a" and "%c" write it: cut to the precision
 * and padded to the width with spaces.
 */
void
ld_pyformat_append_text_field (GString              *out,
                               const LdPyformatSpec *spec,
                               const char           *text,
                               gsize                 length)
{
  append_padded (out, spec, "", text, ld_pyformat_truncated_length (text, length, spec->precision),
                 FALSE);
}

static gboolean
format_text (GString             *out,
             const Spec          *spec,
             const LdPickleValue *value)
{
  g_autoptr(GString) text = g_string_new (NULL);

  if (spec->conversion == 's')
    ld_pyformat_append_str (text, value);
  else
    ld_pyformat_append_repr (text, value, spec->conversion == 'a');

  ld_pyformat_append_text_field (out, spec, text->str, text->len);
  return TRUE;
}

static gboolean
format_char (GString             *out,
             const Spec          *spec,
             const LdPickleValue *value,
             GError             **error)
{
  char buf[8] = { 0 };
  gsize length;
  const char *text;

  switch (ld_pickle_value_kind (value))
    {
    case LD_PICKLE_INT:
    case LD_PICKLE_BOOL:
      {
        gint64 code = ld_pickle_value_get_int (value);

        if (code < 0 || code > 0x10FFFF)
          return fail (error, "%%c arg not in range(0x110000)");
        /* A lone surrogate cannot be UTF-8; Logdeck shows those as U+FFFD. */
        if (code >= 0xD800 && code <= 0xDFFF)
          code = 0xFFFD;
        ld_pyformat_append_text_field (out, spec, buf, g_unichar_to_utf8 ((gunichar) code, buf));
        return TRUE;
      }

    case LD_PICKLE_STR:
      text = ld_pickle_value_get_string (value, &length);
      if (g_utf8_strlen (text, length) != 1)
        break;
      ld_pyformat_append_text_field (out, spec, text, length);
      return TRUE;

    default:
      break;
    }

  return fail (error, "%%c requires int or char");
}

/* The digits of a non-negative decimal number in @base, by long division. */
static gboolean
decimal_to_base (const char *decimal,
                 gsize       length,
                 guint       base,
                 gboolean    upper,
                 GString    *digits,
                 GError    **error)
{
  const char *alphabet = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  g_autofree guint8 *number = g_malloc (length);
  gsize start = 0;

  if (length > MAX_BIGINT_RADIX_DIGITS)
    return fail (error, "an integer of %" G_GSIZE_FORMAT " digits is too large to convert",
                 length);

  for (gsize i = 0; i < length; i++)
    number[i] = decimal[i] - '0';

  while (start < length)
    {
      guint remainder = 0;

      for (gsize i = start; i < length; i++)
        {
          guint current = remainder * 10 + number[i];
          number[i] = current / base;
          remainder = current % base;
        }
      g_string_prepend_c (digits, alphabet[remainder]);
      while (start < length && number[start] == 0)
        start++;
    }
  if (digits->len == 0)
    g_string_append_c (digits, '0');

  return TRUE;
}

/* The magnitude's digits and sign of an integer argument; %d also takes a
 * float and truncates it, as Python's int() would. */
static gboolean
integer_digits (const Spec          *spec,
                const LdPickleValue *value,
                guint                base,
                GString             *digits,
                gboolean            *negative,
                GError             **error)
{
  gboolean upper = spec->conversion == 'X';
  gboolean decimal = base == 10;
  LdPickleKind kind = ld_pickle_value_kind (value);

  if (kind == LD_PICKLE_INT || kind == LD_PICKLE_BOOL)
    {
      gint64 i = ld_pickle_value_get_int (value);

      *negative = i < 0;
      ld_pyformat_append_digits (digits, i < 0 ? -(guint64) i : (guint64) i, base, upper, 1);
      return TRUE;
    }

  if (kind == LD_PICKLE_BIGINT)
    {
      gsize length;
      const char *text = ld_pickle_value_get_string (value, &length);

      *negative = length > 0 && text[0] == '-';
      text += *negative, length -= *negative;
      if (decimal)
        g_string_append_len (digits, text, length);
      return decimal || decimal_to_base (text, length, base, upper, digits, error);
    }

  if (kind == LD_PICKLE_FLOAT && decimal)
    {
      double f = trunc (ld_pickle_value_get_float (value));
      char buf[G_ASCII_DTOSTR_BUF_SIZE + 320];

      if (!isfinite (f))
        return fail (error, "cannot convert float %s to integer", isnan (f) ? "NaN" : "infinity");
      *negative = signbit (f) && f != 0.0;
      g_string_append (digits, g_ascii_formatd (buf, sizeof buf, "%.0f", fabs (f)));
      return TRUE;
    }

  if (decimal)
    return fail (error, "%%%c format: a real number is required, not %s", spec->conversion,
                 type_name (value));
  return fail (error, "%%%c format: an integer is required, not %s", spec->conversion,
               type_name (value));
}

static const char *
sign_of (const Spec *spec,
         gboolean    negative)
{
  return ld_pyformat_sign_text (negative, spec->plus ? '+' : spec->space ? ' ' : 0);
}

static guint
integer_base (const Spec *spec)
{
  return spec->conversion == 'o' ? 8 : g_ascii_tolower (spec->conversion) == 'x' ? 16 : 10;
}

/* The sign, the "0x" of '#', and the digits of the magnitude, with zeros in
 * front up to the precision, which is the least number of digits, as in C. */
static void
append_integer (GString    *out,
                const Spec *spec,
                gboolean    negative,
                const char *digits,
                gsize       length)
{
  guint base = integer_base (spec);
  g_autoptr(GString) padded = NULL;
  char prefix[8];

  if (spec->precision >= 0 && length < (gsize) spec->precision)
    {
      padded = g_string_sized_new (spec->precision);
      for (gsize i = length; i < (gsize) spec->precision; i++)
        g_string_append_c (padded, '0');
      g_string_append_len (padded, digits, length);
      digits = padded->str;
      length = padded->len;
    }

  g_snprintf (prefix, sizeof prefix, "%s%s", sign_of (spec, negative),
              !spec->alt || base == 10 ? "" : base == 8 ? "0o"
              : spec->conversion == 'X' ? "0X" : "0x");
  append_padded (out, spec, prefix, digits, length, TRUE);
}

/**
 * ld_pyformat_append_int_field:
 * @out: where to write
 * @spec: the conversion: d, i, u, o, x or X
 * @number: the number
 *
 * Appends @number as "%d", "%x" and the like write it.
 */
void
ld_pyformat_append_int_field (GString              *out,
                              const LdPyformatSpec *spec,
                              gint64                number)
{
  guint64 magnitude = number < 0 ? -(guint64) number : (guint64) number;
  char buf[MAX_DIGITS];
  const char *digits = format_digits (buf, magnitude, integer_base (spec),
                                      spec->conversion == 'X');

  append_integer (out, spec, number < 0, digits, buf + sizeof buf - digits);
}

static gboolean
format_integer (GString             *out,
                const Spec          *spec,
                const LdPickleValue *value,
                GError             **error)
{
  g_autoptr(GString) digits = g_string_new (NULL);
  gboolean negative = FALSE;

  if (!integer_digits (spec, value, integer_base (spec), digits, &negative, error))
    return FALSE;

  append_integer (out, spec, negative, digits->str, digits->len);
  return TRUE;
}

static gboolean
float_argument (const Spec          *spec,
                const LdPickleValue *value,
                double              *number,
                GError             **error)
{
  switch (ld_pickle_value_kind (value))
    {
    case LD_PICKLE_FLOAT:
      *number = ld_pickle_value_get_float (value);
      return TRUE;

    case LD_PICKLE_INT:
    case LD_PICKLE_BOOL:
      *number = (double) ld_pickle_value_get_int (value);
      return TRUE;

    case LD_PICKLE_BIGINT:
      *number = g_ascii_strtod (ld_pickle_value_get_string (value, NULL), NULL);
      if (isinf (*number))
        return fail (error, "int too large to convert to float");
      return TRUE;

    default:
      return fail (error, "must be real number, not %s", type_name (value));
    }
}

/**
 * ld_pyformat_append_float_field:
 * @out: where to write
 * @spec: the conversion: e, E, f, F, g or G
 * @number: the number
 *
 * Appends @number as "%f", "%e" and the like write it.
 */
void
ld_pyformat_append_float_field (GString              *out,
                                const LdPyformatSpec *spec,
                                double                number)
{
  int precision = spec->precision >= 0 ? (int) MIN (spec->precision, G_MAXINT / 2) : 6;
  gsize size = float_text_size (precision);
  char stack[512];
  g_autofree char *heap = size > sizeof stack ? g_malloc (size) : NULL;
  char *body = heap != NULL ? heap : stack;

  format_float_text (body, size, fabs (number), spec->conversion, precision, spec->alt);
  append_padded (out, spec, sign_of (spec, signbit (number) && !isnan (number)), body,
                 strlen (body), TRUE);
}

static gboolean
format_float (GString             *out,
              const Spec          *spec,
              const LdPickleValue *value,
              GError             **error)
{
  double number = 0.0;

  if (!float_argument (spec, value, &number, error))
    return FALSE;

  ld_pyformat_append_float_field (out, spec, number);
  return TRUE;
}

static gboolean
format_value (GString             *out,
              const Spec          *spec,
              gsize                index,
              const LdPickleValue *value,
              GError             **error)
{
  switch (spec->conversion)
    {
    case 's': case 'r': case 'a':
      return format_text (out, spec, value);
    case 'c':
      return format_char (out, spec, value, error);
    case 'd': case 'i': case 'u': case 'o': case 'x': case 'X':
      return format_integer (out, spec, value, error);
    case 'e': case 'E': case 'f': case 'F': case 'g': case 'G':
      return format_float (out, spec, value, error);
    default:
      return fail (error, "unsupported format character '%c' (0x%x) at index %" G_GSIZE_FORMAT,
                   g_ascii_isprint (spec->conversion) ? spec->conversion : '?',
                   (guint) (guchar) spec->conversion, index);
    }
}

static gboolean
next_argument (Args                 *args,
               const LdPickleValue **value,
               GError              **error)
{
  if (args->used_key || args->next >= args->n_args)
    return fail (error, "not enough arguments for format string");

  *value = args->is_tuple ? ld_pickle_value_get_item (args->args, args->next) : args->args;
  args->next++;

  return TRUE;
}

/* "%(name)s": the name may hold balanced parentheses, as in Python. */
static gboolean
parse_key (const char          **cursor,
           const char           *end,
           Args                 *args,
           const LdPickleValue **value,
           GError              **error)
{
  const char *start = *cursor + 1;
  const char *p = start;
  g_autofree char *key = NULL;
  int depth = 1;

  if (args->mapping == NULL)
    return fail (error, "format requires a mapping");

  for (; p < end && depth > 0; p++)
    depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
  if (depth > 0)
    return fail (error, "incomplete format key");

  key = g_strndup (start, p - 1 - start);
  *value = ld_pickle_value_lookup (args->mapping, key);
  if (*value == NULL)
    return fail (error, "KeyError: '%s'", key);

  args->used_key = TRUE;
  *cursor = p;
  return TRUE;
}

/* A width or precision: digits, or "*" to take it from the arguments. */
static gboolean
parse_number (const char **cursor,
              const char  *end,
              Args        *args,
              gint64      *number,
              GError     **error)
{
  const char *p = *cursor;
  const LdPickleValue *value;

  if (p < end && *p == '*')
    {
      if (!next_argument (args, &value, error))
        return FALSE;
      if (ld_pickle_value_kind (value) != LD_PICKLE_INT)
        return fail (error, "* wants int");
      *number = ld_pickle_value_get_int (value);
      *cursor = p + 1;
    }
  else
    {
      for (*number = 0; p < end && g_ascii_isdigit (*p) && *number <= MAX_FIELD; p++)
        *number = *number * 10 + (*p - '0');
      *cursor = p;
    }

  if (*number > MAX_FIELD || *number < -MAX_FIELD)
    return fail (error, "a field of %" G_GINT64_FORMAT " characters is too wide", *number);

  return TRUE;
}

static void
parse_flags (const char **cursor,
             const char  *end,
             Spec        *spec)
{
  for (; *cursor < end; (*cursor)++)
    switch (**cursor)
      {
      case '-': spec->left = TRUE; break;
      case '+': spec->plus = TRUE; break;
      case ' ': spec->space = TRUE; break;
      case '#': spec->alt = TRUE; break;
      case '0': spec->zero = TRUE; break;
      default: return;
      }
}

/* Reads one conversion after its '%' and formats its argument. */
static gboolean
convert_one (GString     *out,
             const char **cursor,
             const char  *format,
             const char  *end,
             Args        *args,
             GError     **error)
{
  const LdPickleValue *value = NULL;
  Spec spec = { .width = -1, .precision = -1 };
  const char *p = *cursor;

  if (p < end && *p == '(' && !parse_key (&p, end, args, &value, error))
    return FALSE;
  parse_flags (&p, end, &spec);
  if (p < end && (*p == '*' || g_ascii_isdigit (*p)))
    {
      if (!parse_number (&p, end, args, &spec.width, error))
        return FALSE;
      /* A negative width from "*" left-justifies, as in C. */
      spec.left |= spec.width < 0;
      spec.width = ABS (spec.width);
    }
  if (p < end && *p == '.')
    {
      p++;
      if (!parse_number (&p, end, args, &spec.precision, error))
        return FALSE;
      spec.precision = MAX (spec.precision, 0);
    }
  while (p < end && (*p == 'h' || *p == 'l' || *p == 'L'))
    p++;
  if (p == end)
    return fail (error, "incomplete format");

  spec.conversion = *p;
  *cursor = p + 1;
  if (spec.conversion == '%')
    {
      g_string_append_c (out, '%');
      return TRUE;
    }
  if (value == NULL && !next_argument (args, &value, error))
    return FALSE;

  return format_value (out, &spec, p - format, value, error);
}

static void
args_init (Args                *args,
           const LdPickleValue *value)
{
  LdPickleKind kind = ld_pickle_value_kind (value);

  args->args = value;
  args->is_tuple = kind == LD_PICKLE_TUPLE;
  args->n_args = args->is_tuple ? ld_pickle_value_get_length (value) : 1;
  args->next = 0;
  args->mapping = kind == LD_PICKLE_DICT ? value : NULL;
  args->used_key = FALSE;
}

/**
 * ld_pyformat_percent:
 * @out: where to write
 * @format: the format, valid UTF-8
 * @length: its length in bytes
 * @args: a tuple of arguments, a dict for "%(name)s" conversions, or one
 *   other value as the only argument
 * @error: where to say why @args do not fit @format
 *
 * Appends `format % args` as Python computes it. On failure @out holds part
 * of the result, which the caller should discard.
 *
 * Returns: %TRUE if @args fit @format
 */
gboolean
ld_pyformat_percent (GString             *out,
                     const char          *format,
                     gsize                length,
                     const LdPickleValue *args,
                     GError             **error)
{
  const char *end = format + length;
  const char *p = format;
  Args state;

  g_return_val_if_fail (out != NULL && format != NULL && args != NULL, FALSE);

  args_init (&state, args);
  while (p < end)
    {
      const char *percent = memchr (p, '%', end - p);

      if (percent == NULL)
        {
          g_string_append_len (out, p, end - p);
          break;
        }
      g_string_append_len (out, p, percent - p);
      p = percent + 1;
      if (!convert_one (out, &p, format, end, &state, error))
        return FALSE;
    }

  if (state.mapping == NULL && state.next < state.n_args)
    return fail (error, "not all arguments converted during string formatting");

  return TRUE;
}

/**
 * ld_pyformat_message:
 * @out: where to write
 * @msg: a log record's msg, valid UTF-8
 * @length: its length in bytes
 * @args: the record's args
 *
 * Appends the record's message as Python's LogRecord.getMessage() makes it.
 * When @args do not fit @msg, where Python would raise, appends @msg
 * unchanged followed by " | args: " and the repr() of @args, so that
 * nothing the sender sent is lost.
 */
void
ld_pyformat_message (GString             *out,
                     const char          *msg,
                     gsize                length,
                     const LdPickleValue *args)
{
  gsize start = out->len;

  g_return_if_fail (out != NULL && msg != NULL);

  if (args == NULL || !ld_pyformat_is_true (args))
    {
      g_string_append_len (out, msg, length);
      return;
    }

  if (ld_pyformat_percent (out, msg, length, args, NULL))
    return;

  g_string_truncate (out, start);
  g_string_append_len (out, msg, length);
  g_string_append (out, " | args: ");
  ld_pyformat_append_repr (out, args, FALSE);
}
