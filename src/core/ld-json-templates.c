// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <math.h>

#include "ld-json-normalize-private.h"

/* Serilog's message templates (CLEF's @mt), rendered as Serilog would when a record has no
 * rendered message (@m). */

/* The digits after a format letter, such as the 2 of "F2", at most 30. */
static int
format_digits (const char *text,
               gsize       len,
               int         fallback)
{
  int value = 0;

  if (len == 0)
    return fallback;
  for (gsize i = 0; i < len && text[i] >= '0' && text[i] <= '9'; i++)
    value = MIN (value * 10 + (text[i] - '0'), 30);
  return value;
}

/* .NET numeric formats, the simple cases: F2 and N2 (two decimals, no grouping), D4 (four
 * digits), X (hexadecimal) and "000.00" (padding and decimals).  Anything else, and numbers
 * too large for them, are written as sent. */
static void
format_number (GString    *out,
               const char *text,
               gsize       len,
               const char *format,
               gsize       format_len)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE + 64], spec[32];
  g_autofree char *copy = g_strndup (text, len);
  double value = g_ascii_strtod (copy, NULL);
  char kind = format_len > 0 ? g_ascii_toupper (format[0]) : '\0';
  int digits = format_digits (format + 1, format_len > 0 ? format_len - 1 : 0,
                              kind == 'D' || kind == 'X' ? 0 : 2);
  const char *dot = memchr (format, '.', format_len);

  if (!isfinite (value) || fabs (value) >= 1e15 || strchr ("FNDX0", kind) == NULL || kind == 0)
    g_string_append_len (out, text, len);
  else if (kind == 'X')
    g_string_append_printf (out, format[0] == 'X' ? "%0*" G_GINT64_MODIFIER "X"
                                                  : "%0*" G_GINT64_MODIFIER "x",
                            digits, (gint64) value);
  else if (kind == 'D')
    g_string_append_printf (out, "%0*" G_GINT64_FORMAT, digits, (gint64) value);
  else
    {
      if (kind == '0')
        g_snprintf (spec, sizeof spec, "%%0%d.%df", (int) MIN (format_len, 30),
                    dot != NULL ? (int) MIN (format + format_len - dot - 1, 20) : 0);
      else
        g_snprintf (spec, sizeof spec, "%%.%df", digits);
      g_string_append (out, g_ascii_formatd (buffer, sizeof buffer, spec, value));
    }
}

/* Strings are quoted, as Serilog renders them, unless the format is "l". */
static void
render_value (GString          *out,
              const LdJsonNode *value,
              const char       *format,
              gsize             format_len)
{
  gboolean literal = format_len == 1 && format[0] == 'l';

  switch (value->kind)
    {
    case LD_JSON_STRING:
      if (!literal)
        g_string_append_c (out, '"');
      g_string_append_len (out, value->text, value->len);
      if (!literal)
        g_string_append_c (out, '"');
      break;
    case LD_JSON_NUMBER:
      format_number (out, value->text, value->len, format, format_len);
      break;
    case LD_JSON_TRUE:
      g_string_append (out, "True");
      break;
    case LD_JSON_FALSE:
      g_string_append (out, "False");
      break;
    default:
      ld_json_node_to_json (value, out);
      break;
    }
}

/* {Name}, {@Name}, {$Name}, {Name,alignment:format}; a property the record lacks stays as
 * written. */
static void
render_hole (const LdJsonNode *object,
             const char       *hole,
             gsize             len,
             GString          *out)
{
  const char *end = hole + len, *name = hole, *name_end, *format;
  const LdJsonNode *value;

  if (name < end && (*name == '@' || *name == '$'))
    name++;
  for (name_end = name; name_end < end && *name_end != ',' && *name_end != ':'; name_end++)
    ;
  format = memchr (name_end, ':', end - name_end);
  format = format != NULL ? format + 1 : end;

  value = ld_json_object_get (object, name, name_end - name);
  if (value == NULL)
    {
      g_string_append_c (out, '{');
      g_string_append_len (out, hole, len);
      g_string_append_c (out, '}');
      return;
    }
  render_value (out, value, format, end - format);
}

void
_ld_json_render_template (const LdJsonNode *object,
                          const char       *text,
                          gsize             len,
                          GString          *out)
{
  const char *end = text + len;

  for (const char *q = text; q < end;)
    {
      const char *close;

      if ((*q == '{' || *q == '}') && q + 1 < end && q[1] == *q)
        {
          g_string_append_c (out, *q);
          q += 2;
        }
      else if (*q == '{' && (close = memchr (q, '}', end - q)) != NULL)
        {
          render_hole (object, q + 1, close - q - 1, out);
          q = close + 1;
        }
      else
        g_string_append_c (out, *q++);
    }
}

