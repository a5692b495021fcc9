// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <locale.h>
#include <string.h>
#include <time.h>

#include <glib/gi18n.h>

#include "ld-export.h"
#include "ld-log-format-private.h"

/* Python logging format strings
 * =============================
 *
 * A format string is compiled once into literal text and fields, each field
 * naming a LogRecord attribute (or an extra field) with a conversion: the
 * printf-style flags, width, precision and conversion letter of "%" style, or
 * the conversion (!r) and format spec of "{" style. The attributes come from
 * the record as a LogRecord rebuilt from it would have them:
 *
 *   asctime          logging.Formatter.formatTime(): strftime() of the local
 *                    (or UTC) time, in the C locale as Python's time module
 *                    has it, with datefmt or "%Y-%m-%d %H:%M:%S" and then
 *                    ",mmm" (default_msec_format) when no datefmt is given
 *   created          the time in seconds, a float
 *   msecs            the milliseconds of the second, whole, as a float (taken
 *                    from the microseconds, so never off by one as the float
 *                    arithmetic of some Python versions is)
 *   relativeCreated  milliseconds since the first record exported, as a
 *                    float: the sender's start time is not known
 *   name, levelname, levelno, message (also msg), pathname, lineno, funcName,
 *   thread, threadName, process, processName, taskName, exc_text, stack_info:
 *                    the record's fields; filename and module are derived
 *                    from pathname as os.path does, unless the sender gave
 *                    its own as extra fields
 *
 * A field the record does not have is None, as in a LogRecord made without
 * it, except that name, pathname, filename and module are then "". Any other
 * name is an extra field; a record without it formats it as "" (Python would
 * lose the record with a KeyError). Where Python would raise for a value of
 * the wrong type (a None with "%d"), the value is written with str(); a
 * format that would raise for every record is refused when compiled.
 *
 * This file compiles format strings; ld-log-format-render.c formats records
 * with them. */

typedef enum
{
  TYPE_STR,
  TYPE_STR_OR_NONE,
  TYPE_INT,
  TYPE_INT_OR_NONE,
  TYPE_FLOAT,
  TYPE_ANY,
} AttrType;

static const struct
{
  const char *name;
  AttrType    type;
} attrs[N_ATTRS] = {
  [ATTR_ASCTIME] = { "asctime", TYPE_STR },
  [ATTR_CREATED] = { "created", TYPE_FLOAT },
  [ATTR_MSECS] = { "msecs", TYPE_FLOAT },
  [ATTR_RELATIVE_CREATED] = { "relativeCreated", TYPE_FLOAT },
  [ATTR_LEVELNAME] = { "levelname", TYPE_STR },
  [ATTR_LEVELNO] = { "levelno", TYPE_INT },
  [ATTR_NAME] = { "name", TYPE_STR },
  [ATTR_MESSAGE] = { "message", TYPE_STR },
  [ATTR_MSG] = { "msg", TYPE_STR },
  [ATTR_PATHNAME] = { "pathname", TYPE_STR },
  [ATTR_FILENAME] = { "filename", TYPE_STR },
  [ATTR_MODULE] = { "module", TYPE_STR },
  [ATTR_LINENO] = { "lineno", TYPE_INT },
  [ATTR_FUNCNAME] = { "funcName", TYPE_STR_OR_NONE },
  [ATTR_THREAD] = { "thread", TYPE_INT_OR_NONE },
  [ATTR_THREADNAME] = { "threadName", TYPE_STR_OR_NONE },
  [ATTR_PROCESS] = { "process", TYPE_INT_OR_NONE },
  [ATTR_PROCESSNAME] = { "processName", TYPE_STR_OR_NONE },
  [ATTR_TASKNAME] = { "taskName", TYPE_STR_OR_NONE },
  [ATTR_EXC_TEXT] = { "exc_text", TYPE_STR_OR_NONE },
  [ATTR_STACK_INFO] = { "stack_info", TYPE_STR_OR_NONE },
};

static void
part_clear (gpointer data)
{
  Part *part = data;

  g_free (part->name);
}

void
ld_log_format_free (LdLogFormat *self)
{
  if (self == NULL)
    return;

  g_string_free (self->literals, TRUE);
  g_array_unref (self->parts);
  g_free (self->datefmt);
  if (self->c_locale != (locale_t) 0)
    freelocale (self->c_locale);
  g_string_free (self->asctime, TRUE);
  g_string_free (self->asctime_msecs, TRUE);
  g_string_free (self->scratch, TRUE);
  g_free (self);
}

static gboolean
fail_format (GError    **error,
             const char *format,
             const char *problem)
{
  g_set_error (error, LD_EXPORT_ERROR, LD_EXPORT_ERROR_BAD_FORMAT,
               _("The log format “%s” cannot be used: %s"), format, problem);
  return FALSE;
}

static Attr
attr_from_name (const char *name)
{
  for (guint i = 0; i < N_ATTRS; i++)
    if (strcmp (attrs[i].name, name) == 0)
      return i;

  return ATTR_EXTRA;
}

static void
add_part (LdLogFormat *self,
          gsize        literal_start,
          const char  *name,
          gsize        name_len,
          const Spec  *spec,
          char         conversion)
{
  Part part = { 0 };

  part.literal_start = literal_start;
  part.literal_len = self->literals->len - literal_start;
  part.name = g_strndup (name, name_len);
  part.attr = attr_from_name (part.name);
  if (part.attr == ATTR_EXTRA)
    part.key = ld_intern (part.name, -1);
  part.spec = *spec;
  part.conversion = conversion;
  if (part.attr == ATTR_ASCTIME)
    self->uses_asctime = TRUE;
  g_array_append_val (self->parts, part);
}

static int
parse_digits (const char **p)
{
  int value = 0;

  while (g_ascii_isdigit (**p))
    {
      value = MIN (value * 10 + (**p - '0'), 100000);
      (*p)++;
    }

  return value;
}

static void
parse_percent_flags (const char **p,
                     Spec        *spec)
{
  for (;; (*p)++)
    {
      if (**p == '-')
        spec->align = '<';
      else if (**p == '+' || (**p == ' ' && spec->sign != '+'))
        spec->sign = **p;
      else if (**p == '#')
        spec->alternate = TRUE;
      else if (**p == '0')
        spec->zero = TRUE;
      else
        return;
    }
}

/* printf-style "%(name)<flags><width>.<precision><conversion>", as
 * PyUnicode_Format() reads it when the argument is a mapping. */
static gboolean
parse_percent_field (LdLogFormat  *self,
                     const char   *format,
                     const char  **cursor,
                     gsize         literal_start,
                     GError      **error)
{
  const char *no_star = _("“*” widths need arguments that logging does not give");
  const char *p = *cursor + 1, *name;
  gsize name_len;
  Spec spec = { ' ', 0, 0, FALSE, FALSE, 0, 0, -1, 0 };
  Part *part;
  int depth = 1;

  if (*p != '(')
    return fail_format (error, format, _("every field needs a name, as in “%(message)s”"));
  name = ++p;
  for (; *p != '\0' && depth > 0; p++)
    depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
  if (depth > 0)
    return fail_format (error, format, _("a field name is not closed with “)”"));
  name_len = p - 1 - name;

  parse_percent_flags (&p, &spec);
  if (*p == '*')
    return fail_format (error, format, no_star);
  spec.width = parse_digits (&p);
  if (*p == '.')
    {
      p++;
      if (*p == '*')
        return fail_format (error, format, no_star);
      spec.precision = parse_digits (&p);
    }
  while (*p == 'h' || *p == 'l' || *p == 'L')
    p++;
  if (*p == '\0' || strchr ("sradiuoxXeEfFgGc", *p) == NULL)
    return fail_format (error, format, _("a field has no valid conversion letter after it"));
  spec.type = *p;

  add_part (self, literal_start, name, name_len, &spec, 0);
  part = &g_array_index (self->parts, Part, self->parts->len - 1);
  part->percent = (LdPyformatSpec) {
    .left = spec.align == '<', .zero = spec.zero, .plus = spec.sign == '+',
    .space = spec.sign == ' ', .alt = spec.alternate, .width = spec.width,
    .precision = spec.precision, .conversion = spec.type,
  };
  *cursor = p + 1;
  return TRUE;
}

/* A str.format() spec as logging's validation allows it (no "z"):
 * [[fill]align][sign][#][0][width][grouping][.precision][type]. */
static gboolean
parse_brace_spec (const char *p,
                  const char *end,
                  Spec       *spec)
{
  const char *next = p < end ? g_utf8_next_char (p) : end;

  if (next < end && strchr ("<>=^", *next) != NULL)
    {
      spec->fill = g_utf8_get_char (p);
      spec->align = *next;
      p = next + 1;
    }
  else if (p < end && strchr ("<>=^", *p) != NULL)
    spec->align = *p++;
  if (p < end && (*p == '+' || *p == '-' || *p == ' '))
    spec->sign = *p++;
  if (p < end && *p == '#')
    spec->alternate = TRUE, p++;
  if (p < end && *p == '0')
    spec->zero = TRUE, p++;
  spec->width = parse_digits (&p);
  if (p < end && (*p == ',' || *p == '_'))
    spec->grouping = *p++;
  if (p < end && *p == '.')
    {
      p++;
      if (p == end || !g_ascii_isdigit (*p))
        return FALSE;
      spec->precision = parse_digits (&p);
    }
  if (end - p > 1)
    return FALSE;
  if (p < end)
    {
      if (strchr ("sbcdoxXneEfFgG%", *p) == NULL)
        return FALSE;
      spec->type = *p;
    }

  return TRUE;
}

static gboolean
is_identifier (const char *name,
               gsize       len)
{
  if (len == 0 || g_ascii_isdigit (name[0]))
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (name[i]) && name[i] != '_' && (guchar) name[i] < 0x80)
      return FALSE;

  return TRUE;
}

/* "{name!conversion:spec}", with the cursor on the "{". */
static gboolean
parse_brace_field (LdLogFormat  *self,
                   const char   *format,
                   const char  **cursor,
                   gsize         literal_start,
                   GError      **error)
{
  const char *name = *cursor + 1;
  const char *close = strchr (name, '}');
  const char *name_end, *spec_start;
  Spec spec = { 0, 0, 0, FALSE, FALSE, 0, 0, -1, 0 };
  char conversion = 0;
  Part *part;

  if (close == NULL)
    return fail_format (error, format, _("a “{” is not closed with “}”"));
  if (memchr (name, '{', close - name) != NULL)
    return fail_format (error, format, _("fields inside a format spec are not supported"));
  name_end = name + strcspn (name, "!:}");
  spec_start = name_end;
  if (*name_end == '!')
    {
      conversion = name_end[1];
      if (strchr ("rsa", conversion) == NULL || conversion == '\0'
          || (name_end[2] != ':' && name_end[2] != '}'))
        return fail_format (error, format,
                            _("a conversion must be “!r”, “!s” or “!a”"));
      spec_start = name_end + 2;
    }
  if (!is_identifier (name, name_end - name))
    return fail_format (error, format, _("every field must be named by an attribute, "
                                         "as in “{message}”"));
  if (*spec_start == ':' && !parse_brace_spec (spec_start + 1, close, &spec))
    return fail_format (error, format, _("a format spec is not valid"));

  add_part (self, literal_start, name, name_end - name, &spec, conversion);
  part = &g_array_index (self->parts, Part, self->parts->len - 1);
  part->has_spec = *spec_start == ':' && close > spec_start + 1;
  *cursor = close + 1;
  return TRUE;
}

/* string.Template: "$name", "${name}" and "$$". */
static gboolean
parse_dollar_field (LdLogFormat  *self,
                    const char   *format,
                    const char  **cursor,
                    gsize         literal_start,
                    GError      **error)
{
  static const Spec spec = { 0, 0, 0, FALSE, FALSE, 0, 0, -1, 0 };
  const char *name = *cursor + 1;
  gboolean braced = *name == '{';
  gsize len;

  if (braced)
    name++;
  for (len = 0; g_ascii_isalnum (name[len]) || name[len] == '_'; len++)
    ;
  if (len == 0 || g_ascii_isdigit (name[0]) || (braced && name[len] != '}'))
    return fail_format (error, format, _("a “$” must be followed by a field name or “$”"));

  add_part (self, literal_start, name, len, &spec, 0);
  *cursor = name + len + (braced ? 1 : 0);
  return TRUE;
}

static gboolean
parse_format (LdLogFormat  *self,
              const char   *format,
              GError      **error)
{
  char lead = self->style == LD_LOG_STYLE_PERCENT ? '%'
              : self->style == LD_LOG_STYLE_BRACE ? '{' : '$';
  gsize literal_start = 0;
  const char *p = format;

  while (*p != '\0')
    {
      gboolean ok;

      if (*p != lead && !(lead == '{' && *p == '}'))
        {
          g_string_append_c (self->literals, *p++);
          continue;
        }
      if (p[1] == *p)
        {
          g_string_append_c (self->literals, *p);
          p += 2;
          continue;
        }
      if (*p == '}')
        return fail_format (error, format, _("a “}” must be written “}}”"));

      ok = lead == '%' ? parse_percent_field (self, format, &p, literal_start, error)
           : lead == '{' ? parse_brace_field (self, format, &p, literal_start, error)
           : parse_dollar_field (self, format, &p, literal_start, error);
      if (!ok)
        return FALSE;
      literal_start = self->literals->len;
    }

  self->tail_start = literal_start;
  self->tail_len = self->literals->len - literal_start;
  return TRUE;
}

static gboolean
is_numeric_conversion (char type)
{
  return type != 0 && strchr ("bcdiuoxXneEfFgG%", type) != NULL;
}

/* Refuses the formats that would fail on every record, as Python would. */
static gboolean
check_part (const Part *part,
            LdLogStyle  style,
            const char *format,
            GError    **error)
{
  AttrType type = part->attr == ATTR_EXTRA ? TYPE_ANY : attrs[part->attr].type;
  char conv = part->spec.type;
  g_autofree char *problem = NULL;

  if (part->conversion != 0 && conv != 0 && conv != 's')
    problem = g_strdup_printf (_("“%s” is converted to text, which cannot be formatted "
                                 "with “%c”"), part->name, conv);
  else if ((type == TYPE_STR || type == TYPE_STR_OR_NONE) && part->conversion == 0
           && is_numeric_conversion (conv))
    problem = g_strdup_printf (_("“%s” is text, which cannot be formatted with “%c”"),
                               part->name, conv);
  else if (style == LD_LOG_STYLE_BRACE && (type == TYPE_INT || type == TYPE_INT_OR_NONE)
           && part->conversion == 0 && conv == 's')
    problem = g_strdup_printf (_("“%s” is a number, which cannot be formatted with “%c”"),
                               part->name, conv);
  else if (type == TYPE_FLOAT && conv != 0 && strchr ("bcoxX", conv) != NULL)
    problem = g_strdup_printf (_("“%s” is not a whole number, which cannot be formatted "
                                 "with “%c”"), part->name, conv);

  if (problem != NULL)
    return fail_format (error, format, problem);
  return TRUE;
}

/**
 * ld_log_format_new:
 * @format: (nullable): a logging format string; %NULL for
 *   %LD_EXPORT_DEFAULT_LOG_FORMAT
 * @style: its style
 * @datefmt: (nullable): the strftime() format of asctime; %NULL or "" for
 *   logging's default with milliseconds
 * @utc: whether asctime is in UTC rather than local time
 * @error: why @format cannot be used, as %LD_EXPORT_ERROR_BAD_FORMAT of
 *   %LD_EXPORT_ERROR
 *
 * Compiles a format string of Python's logging.Formatter.
 *
 * Returns: (transfer full) (nullable): the format, or %NULL on error
 */
LdLogFormat *
ld_log_format_new (const char  *format,
                   LdLogStyle   style,
                   const char  *datefmt,
                   gboolean     utc,
                   GError     **error)
{
  g_autoptr(LdLogFormat) self = g_new0 (LdLogFormat, 1);

  if (format == NULL)
    format = LD_EXPORT_DEFAULT_LOG_FORMAT;
  if (style == LD_LOG_STYLE_AUTO)
    style = strstr (format, "%(") == NULL && strchr (format, '{') != NULL
            ? LD_LOG_STYLE_BRACE : LD_LOG_STYLE_PERCENT;

  self->style = style;
  self->literals = g_string_new (NULL);
  self->parts = g_array_new (FALSE, TRUE, sizeof (Part));
  g_array_set_clear_func (self->parts, part_clear);
  self->datefmt = datefmt != NULL && *datefmt != '\0' ? g_strdup (datefmt) : NULL;
  self->utc = utc;
  self->c_locale = newlocale (LC_ALL_MASK, "C", (locale_t) 0);
  self->asctime_second = G_MININT64;
  self->asctime = g_string_new (NULL);
  self->asctime_msecs = g_string_new (NULL);
  self->scratch = g_string_new (NULL);
  /* Local time follows TZ as it is now, as Python's time module does. */
  tzset ();

  if (!g_utf8_validate (format, -1, NULL))
    return fail_format (error, format, _("it is not valid UTF-8")), NULL;
  if (!parse_format (self, format, error))
    return NULL;
  for (guint i = 0; i < self->parts->len; i++)
    if (!check_part (&g_array_index (self->parts, Part, i), style, format, error))
      return NULL;

  return g_steal_pointer (&self);
}

guint
ld_log_format_get_n_fields (const LdLogFormat *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->parts->len;
}

/**
 * ld_log_format_get_field:
 * @self: a format
 * @index: a field, or ld_log_format_get_n_fields() for the text after the last
 * @literal: (out): the literal text before the field (not nul-terminated)
 * @literal_len: (out): its length
 * @width: (out) (optional): the field's width, negative if it is left-aligned
 *
 * Returns: (nullable): the attribute the field names, or %NULL for the end
 */
const char *
ld_log_format_get_field (const LdLogFormat  *self,
                         guint               index,
                         const char        **literal,
                         gsize              *literal_len,
                         int                *width)
{
  const Part *part;

  g_return_val_if_fail (self != NULL && index <= self->parts->len, NULL);

  if (index == self->parts->len)
    {
      *literal = self->literals->str + self->tail_start;
      *literal_len = self->tail_len;
      if (width != NULL)
        *width = 0;
      return NULL;
    }

  part = &g_array_index (self->parts, Part, index);
  *literal = self->literals->str + part->literal_start;
  *literal_len = part->literal_len;
  if (width != NULL)
    *width = part->spec.align == '<' ? -part->spec.width : part->spec.width;
  return part->name;
}
