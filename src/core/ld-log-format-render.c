// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ld-export-private.h"
#include "ld-jsonl.h"
#include "ld-level.h"
#include "ld-log-format-private.h"
#include "ld-pyformat.h"

/* Formatting records with a compiled logging format string: each field's
 * value as the LogRecord attribute would be, written through the field's
 * conversion as "%" formatting (ld-pyformat.c, as for msg % args) or
 * str.format() would write it. */

/* A field's value, as the Python value the LogRecord would hold. */
typedef enum
{
  VALUE_STR,
  VALUE_INT,
  VALUE_FLOAT,
  VALUE_BOOL,
  VALUE_NONE,
} ValueKind;

typedef struct
{
  ValueKind   kind;
  const char *text;
  gsize       len;
  gint64      i;
  double      f;
} Value;

/* str() of a value, or repr() (or ascii()) with @conversion 'r' ('a'). */
static void
append_value_text (GString     *out,
                   const Value *value,
                   char         conversion)
{
  switch (value->kind)
    {
    case VALUE_STR:
      if (conversion == 'r' || conversion == 'a')
        ld_pyformat_append_str_repr (out, value->text, value->len, conversion == 'a');
      else
        g_string_append_len (out, value->text, value->len);
      break;
    case VALUE_INT:
      ld_jsonl_append_int (out, value->i);
      break;
    case VALUE_FLOAT:
      ld_pyformat_append_float_repr (out, value->f);
      break;
    case VALUE_BOOL:
      g_string_append (out, value->i ? "True" : "False");
      break;
    case VALUE_NONE:
    default:
      g_string_append (out, "None");
      break;
    }
}

static gboolean
value_to_int (const Value *value,
              gint64      *result)
{
  switch (value->kind)
    {
    case VALUE_INT:
    case VALUE_BOOL:
      *result = value->i;
      return TRUE;
    case VALUE_FLOAT:
      if (!isfinite (value->f) || fabs (value->f) >= 9.2e18)
        return FALSE;
      *result = (gint64) value->f;
      return TRUE;
    case VALUE_STR:
    case VALUE_NONE:
    default:
      return FALSE;
    }
}

static gboolean
value_to_double (const Value *value,
                 double      *result)
{
  if (value->kind == VALUE_FLOAT)
    *result = value->f;
  else if (value->kind == VALUE_INT || value->kind == VALUE_BOOL)
    *result = (double) value->i;
  else
    return FALSE;

  return TRUE;
}

/* The format spec without a type but with a precision: like 'g', but in
 * exponent notation from the precision's last digit on, and with at least
 * one digit after the point ("{:.3}" of 100.0 is "1e+02", of 10.0 "10.0"). */
static void
format_float_general (GString *body,
                      double   magnitude,
                      int      precision,
                      gboolean alternate)
{
  int digits = MAX (precision, 1), exponent;
  char *e;

  g_string_truncate (body, 0);
  ld_pyformat_append_float (body, magnitude, 'e', digits - 1, alternate);
  if (!isfinite (magnitude))
    return;
  e = strchr (body->str, 'e');
  exponent = atoi (e + 1);

  if (exponent >= -4 && exponent < digits - 1)
    {
      g_string_truncate (body, 0);
      ld_pyformat_append_float (body, magnitude, 'f', digits - 1 - exponent, alternate);
      while (!alternate && body->len > 2 && body->str[body->len - 1] == '0'
             && body->str[body->len - 2] != '.')
        g_string_truncate (body, body->len - 1);
      if (strchr (body->str, '.') == NULL)
        g_string_append (body, ".0");
      return;
    }

  if (!alternate)
    {
      gsize mantissa_end = e - body->str, cut = mantissa_end;

      while (cut > 0 && body->str[cut - 1] == '0')
        cut--;
      if (cut > 0 && body->str[cut - 1] == '.')
        cut--;
      g_string_erase (body, cut, mantissa_end - cut);
    }
}

/* Separators every @every digits of the integer part of a number's text. */
static void
insert_grouping (GString *body,
                 char     separator,
                 int      every)
{
  gsize end = strspn (body->str, "0123456789abcdefABCDEF");

  if (separator == 0 || strncmp (body->str, "inf", 3) == 0 || strncmp (body->str, "nan", 3) == 0)
    return;
  for (gssize at = (gssize) end - every; at > 0; at -= every)
    g_string_insert_c (body, at, separator);
}

/* A value as text through a "%" conversion: "%s", "%r", "%a", and any other
 * conversion whose type the value does not fit. */
static void
append_percent_text (LdLogFormat          *self,
                     GString              *out,
                     const LdPyformatSpec *spec,
                     const Value          *value,
                     char                  conversion)
{
  GString *text = self->scratch;

  /* The common "%(message)s" goes straight out. */
  if (spec->width <= 0 && spec->precision < 0 && conversion == 's')
    {
      append_value_text (out, value, 's');
      return;
    }

  g_string_set_size (text, 0);
  append_value_text (text, value, conversion);
  ld_pyformat_append_text_field (out, spec, text->str, text->len);
}

/* One "%(name)..." field, as msg % args would write it (the same code does);
 * a value Python would refuse is written with str(). */
static void
render_percent (LdLogFormat *self,
                GString     *out,
                const Part  *part,
                const Value *value)
{
  const LdPyformatSpec *spec = &part->percent;
  gint64 number;
  double real;

  switch (spec->conversion)
    {
    case 'x': case 'X': case 'o':
      if (value->kind == VALUE_FLOAT)
        break;
      G_GNUC_FALLTHROUGH;
    case 'd': case 'i': case 'u':
      if (!value_to_int (value, &number))
        break;
      ld_pyformat_append_int_field (out, spec, number);
      return;
    case 'e': case 'E': case 'f': case 'F': case 'g': case 'G':
      if (!value_to_double (value, &real))
        break;
      ld_pyformat_append_float_field (out, spec, real);
      return;
    case 'c':
      if (value->kind == VALUE_INT && value->i >= 0 && value->i <= 0x10ffff)
        {
          char buf[8];

          ld_pyformat_append_text_field (out, spec, buf,
                                         g_unichar_to_utf8 ((gunichar) value->i, buf));
          return;
        }
      break;
    case 'r': case 'a':
      append_percent_text (self, out, spec, value, spec->conversion);
      return;
    default:
      break;
    }

  append_percent_text (self, out, spec, value, 's');
}

/* A text through a format spec; also the fallback for a value the spec's
 * type does not fit. */
static void
append_brace_text (GString    *out,
                   const Spec *spec,
                   const char *text,
                   gsize       len)
{
  gunichar fill = spec->fill != 0 ? spec->fill : spec->zero ? '0' : ' ';
  char align = spec->align != 0 && spec->align != '=' ? spec->align : '<';
  int precision = spec->type == 0 || spec->type == 's' ? spec->precision : -1;

  ld_pyformat_append_aligned (out, "", text, ld_pyformat_truncated_length (text, len, precision),
                              fill, align, spec->width);
}

static void
append_brace_number (GString    *out,
                     const Spec *spec,
                     gboolean    negative,
                     const char *prefix,
                     GString    *body)
{
  gunichar fill = spec->fill != 0 ? spec->fill : spec->zero ? '0' : ' ';
  char align = spec->align != 0 ? spec->align : spec->zero ? '=' : '>';
  char full_prefix[8];

  g_snprintf (full_prefix, sizeof full_prefix, "%s%s", ld_pyformat_sign_text (negative, spec->sign),
              prefix);

  ld_pyformat_append_aligned (out, full_prefix, body->str, body->len, fill, align, spec->width);
}

static void
append_brace_int (LdLogFormat *self,
                  GString     *out,
                  const Spec  *spec,
                  gint64       number)
{
  char type = spec->type;
  int base = type == 'b' ? 2 : type == 'o' ? 8 : type == 'x' || type == 'X' ? 16 : 10;
  guint64 magnitude = number < 0 ? -(guint64) number : (guint64) number;
  const char *prefix = "";

  if (type == 'c' && number >= 0 && number <= 0x10ffff)
    {
      char buf[8];
      Spec text_spec = *spec;

      text_spec.align = spec->align != 0 ? spec->align : '>';
      append_brace_text (out, &text_spec, buf, g_unichar_to_utf8 ((gunichar) number, buf));
      return;
    }

  if (spec->alternate && base != 10)
    prefix = type == 'b' ? "0b" : type == 'o' ? "0o" : type == 'x' ? "0x" : "0X";
  g_string_truncate (self->scratch, 0);
  ld_pyformat_append_digits (self->scratch, magnitude, base, type == 'X', 1);
  insert_grouping (self->scratch, spec->grouping, base == 10 ? 3 : 4);
  append_brace_number (out, spec, number < 0, prefix, self->scratch);
}

static void
append_brace_float (LdLogFormat *self,
                    GString     *out,
                    const Spec  *spec,
                    double       number)
{
  GString *body = self->scratch;
  gboolean negative = signbit (number) && !isnan (number);
  double magnitude = fabs (number);
  char type = spec->type == 'n' ? 'g' : spec->type;
  int precision = spec->precision >= 0 ? spec->precision : 6;

  g_string_truncate (body, 0);
  if (type == '%')
    {
      ld_pyformat_append_float (body, magnitude * 100, 'f', precision, spec->alternate);
      g_string_append_c (body, '%');
    }
  else if (type == 0 && spec->precision < 0)
    ld_pyformat_append_float_repr (body, magnitude);
  else if (type == 0)
    format_float_general (body, magnitude, spec->precision, spec->alternate);
  else
    ld_pyformat_append_float (body, magnitude, type, precision, spec->alternate);

  insert_grouping (body, spec->grouping, 3);
  append_brace_number (out, spec, negative, "", body);
}

/* One "{name!conversion:spec}" field, as format() would write it; a value
 * the spec does not fit is written with str() through the spec. */
static void
render_brace (LdLogFormat *self,
              GString     *out,
              const Part  *part,
              const Value *value)
{
  const Spec *spec = &part->spec;
  char type = spec->type;
  gint64 number;
  double real;

  if (!part->has_spec || part->conversion != 0 || value->kind == VALUE_STR
      || value->kind == VALUE_NONE)
    {
      g_string_set_size (self->scratch, 0);
      append_value_text (self->scratch, value, part->conversion);
      if (!part->has_spec)
        g_string_append_len (out, self->scratch->str, self->scratch->len);
      else
        append_brace_text (out, spec, self->scratch->str, self->scratch->len);
      return;
    }

  if (value->kind != VALUE_FLOAT && (type == 0 || strchr ("bcdnoxX", type) != NULL)
      && value_to_int (value, &number))
    append_brace_int (self, out, spec, number);
  else if ((type == 0 || strchr ("eEfFgGn%", type) != NULL) && value_to_double (value, &real))
    append_brace_float (self, out, spec, real);
  else
    {
      g_autoptr(GString) text = g_string_new (NULL);

      append_value_text (text, value, 0);
      append_brace_text (out, spec, text->str, text->len);
    }
}

/* What a field reads from the record being formatted. */
typedef struct
{
  const LdRecord *record;
  gint64          start_us;
  gint64          second;      /* of the record's time, rounded down */
  gint64          usec;        /* within that second */
  char            buf[32];
} Row;

static void
set_text (Value      *value,
          const char *text,
          gsize       len)
{
  value->kind = VALUE_STR;
  value->text = text;
  value->len = len;
}

static void
set_interned (Value      *value,
              guint32     id,
              const char *absent)
{
  const char *text = ld_intern_lookup (id);

  if (text == NULL && absent == NULL)
    value->kind = VALUE_NONE;
  else
    set_text (value, text != NULL ? text : absent, strlen (text != NULL ? text : absent));
}

static void
set_int (Value  *value,
         gint64  number)
{
  value->kind = VALUE_INT;
  value->i = number;
}

/* 0 is what a record has when the sender did not say. */
static void
set_optional_int (Value  *value,
                  gint64  number)
{
  value->kind = number != 0 ? VALUE_INT : VALUE_NONE;
  value->i = number;
}

static void
set_float (Value  *value,
           double  number)
{
  value->kind = VALUE_FLOAT;
  value->f = number;
}

/* An extra field's value as the Python value it came from; a number that
 * JSON Lines writes as a string (ld_jsonl_is_portable_number()) is text, as
 * a LogRecord rebuilt from that export has it. */
static void
set_extra (Value       *value,
           LdValueType  type,
           const char  *text,
           gsize        len)
{
  char buf[64];

  set_text (value, text, len);
  if (type == LD_VALUE_NULL)
    value->kind = VALUE_NONE;
  else if (type == LD_VALUE_BOOL)
    {
      value->kind = VALUE_BOOL;
      value->i = len == 4 && memcmp (text, "true", 4) == 0;
    }
  else if (type == LD_VALUE_NUMBER && len < sizeof buf && ld_jsonl_is_portable_number (text, len))
    {
      char *end;

      memcpy (buf, text, len);
      buf[len] = '\0';
      if (strpbrk (buf, ".eEnNiI") == NULL)
        {
          errno = 0;
          value->i = g_ascii_strtoll (buf, &end, 10);
          if (errno == 0 && *end == '\0')
            value->kind = VALUE_INT;
        }
      else
        {
          value->f = g_ascii_strtod (buf, &end);
          if (*end == '\0')
            value->kind = VALUE_FLOAT;
        }
    }
}


static gboolean
get_extra (const LdRecord *record,
           guint32         key,
           Value          *value)
{
  LdValueType type;
  const char *text;
  gsize len;

  if (!_ld_export_find_extra (record, key, &type, &text, &len))
    return FALSE;

  set_extra (value, type, text, len);
  return TRUE;
}

/* os.path.basename() of the path; with @module, os.path.splitext()[0] of that. */
static void
set_file_part (Value          *value,
               const LdRecord *record,
               gboolean        module)
{
  static gsize keys_ready;
  static guint32 keys[2];
  const char *path = ld_intern_lookup (record->file);
  const char *base, *dot;

  if (g_once_init_enter (&keys_ready))
    {
      keys[0] = ld_intern ("filename", -1);
      keys[1] = ld_intern ("module", -1);
      g_once_init_leave (&keys_ready, 1);
    }
  if (get_extra (record, keys[module], value) && value->kind == VALUE_STR)
    return;

  if (path == NULL)
    path = "";
  base = strrchr (path, '/') != NULL ? strrchr (path, '/') + 1 : path;
  dot = strrchr (base, '.');
  if (!module || dot == NULL || strspn (base, ".") >= (gsize) (dot - base))
    set_text (value, base, strlen (base));
  else
    set_text (value, base, dot - base);
}

/* logging.Formatter.formatTime(): the text of the second is kept, as records
 * come many to a second. */
static void
set_asctime (LdLogFormat *self,
             const Row   *row,
             Value       *value)
{
  int msecs;

  if (row->second != self->asctime_second)
    {
      time_t t = (time_t) row->second;
      struct tm tm;
      gboolean ok = self->utc ? gmtime_r (&t, &tm) != NULL : localtime_r (&t, &tm) != NULL;
      gsize size = 128, written = 0;

      while (ok && written == 0 && size <= 65536)
        {
          g_string_set_size (self->asctime, size);
          written = strftime_l (self->asctime->str, size,
                                self->datefmt != NULL ? self->datefmt : "%Y-%m-%d %H:%M:%S",
                                &tm, self->c_locale);
          size *= 2;
        }
      g_string_set_size (self->asctime, written);
      self->asctime_second = row->second;
    }

  if (self->datefmt != NULL)
    {
      set_text (value, self->asctime->str, self->asctime->len);
      return;
    }

  /* default_msec_format, "%s,%03d" */
  msecs = (int) (row->usec / 1000);
  g_string_assign (self->asctime_msecs, self->asctime->str);
  g_string_append_c (self->asctime_msecs, ',');
  g_string_append_c (self->asctime_msecs, '0' + msecs / 100);
  g_string_append_c (self->asctime_msecs, '0' + msecs / 10 % 10);
  g_string_append_c (self->asctime_msecs, '0' + msecs % 10);
  set_text (value, self->asctime_msecs->str, self->asctime_msecs->len);
}

static void
set_level_name (Row   *row,
                Value *value)
{
  const LdRecord *record = row->record;
  const char *name = ld_intern_lookup (record->level_name);

  if (name == NULL)
    name = ld_level_canonical_name (record->level);
  if (name == NULL)
    {
      g_snprintf (row->buf, sizeof row->buf, "Level %d", record->level);
      name = row->buf;
    }
  set_text (value, name, strlen (name));
}

static void
set_record_text (Value      *value,
                 const char *text,
                 gsize       len,
                 gboolean    none_if_empty)
{
  if (len == 0 && none_if_empty)
    value->kind = VALUE_NONE;
  else
    set_text (value, text, len);
}

static void
get_value (LdLogFormat *self,
           Row         *row,
           const Part  *part,
           Value       *value)
{
  const LdRecord *r = row->record;
  const char *text;
  gsize len;

  switch (part->attr)
    {
    case ATTR_ASCTIME: set_asctime (self, row, value); break;
    case ATTR_CREATED: set_float (value, (double) r->time_us / 1e6); break;
    case ATTR_MSECS: set_float (value, (double) (row->usec / 1000)); break;
    case ATTR_RELATIVE_CREATED: set_float (value, (double) (r->time_us - row->start_us) / 1000.0);
      break;
    case ATTR_LEVELNAME: set_level_name (row, value); break;
    case ATTR_LEVELNO: set_int (value, r->level); break;
    case ATTR_NAME: set_interned (value, r->logger, ""); break;
    case ATTR_MESSAGE:
    case ATTR_MSG:
      text = ld_record_get_message (r, &len);
      set_text (value, text, len);
      break;
    case ATTR_PATHNAME: set_interned (value, r->file, ""); break;
    case ATTR_FILENAME: set_file_part (value, r, FALSE); break;
    case ATTR_MODULE: set_file_part (value, r, TRUE); break;
    case ATTR_LINENO: set_int (value, r->line); break;
    case ATTR_FUNCNAME: set_interned (value, r->function, NULL); break;
    case ATTR_THREAD: set_optional_int (value, r->thread_id); break;
    case ATTR_THREADNAME: set_interned (value, r->thread, NULL); break;
    case ATTR_PROCESS: set_optional_int (value, r->process); break;
    case ATTR_PROCESSNAME: set_interned (value, r->process_name, NULL); break;
    case ATTR_TASKNAME: set_interned (value, r->task, NULL); break;
    case ATTR_EXC_TEXT:
      text = ld_record_get_exception (r, &len);
      set_record_text (value, text, len, TRUE);
      break;
    case ATTR_STACK_INFO:
      text = ld_record_get_stack (r, &len);
      set_record_text (value, text, len, TRUE);
      break;
    case ATTR_EXTRA:
    default:
      if (!get_extra (r, part->key, value))
        set_text (value, "", 0);
      break;
    }
}

/* Formatter.format(): the traceback and the stack each on lines of their own. */
static void
append_traceback (GString        *out,
                  gsize           start,
                  const LdRecord *record)
{
  const char *texts[2];
  gsize lens[2];

  texts[0] = ld_record_get_exception (record, &lens[0]);
  texts[1] = ld_record_get_stack (record, &lens[1]);
  for (guint i = 0; i < 2; i++)
    {
      if (lens[i] == 0)
        continue;
      if (out->len == start || out->str[out->len - 1] != '\n')
        g_string_append_c (out, '\n');
      g_string_append_len (out, texts[i], lens[i]);
    }
}

static void
append_field (LdLogFormat *self,
              GString     *out,
              Row         *row,
              const Part  *part)
{
  Value value = { VALUE_NONE, NULL, 0, 0, 0 };

  get_value (self, row, part, &value);
  if (self->style == LD_LOG_STYLE_PERCENT)
    render_percent (self, out, part, &value);
  else if (self->style == LD_LOG_STYLE_BRACE)
    render_brace (self, out, part, &value);
  else
    append_value_text (out, &value, 0);
}

/**
 * ld_log_format_append:
 * @self: a format
 * @out: where to write
 * @record: a record
 * @start_us: the time relativeCreated counts from
 *
 * Appends what logging.Formatter.format() returns for the record: the
 * formatted line, then the exception text and the stack, without a newline
 * at the end.
 */
void
ld_log_format_append (LdLogFormat    *self,
                      GString        *out,
                      const LdRecord *record,
                      gint64          start_us)
{
  locale_t old_locale = uselocale (self->c_locale);
  gsize start = out->len;
  Row row = { record, start_us, 0, 0, { 0 } };

  row.second = record->time_us / G_USEC_PER_SEC - (record->time_us % G_USEC_PER_SEC < 0);
  row.usec = record->time_us - row.second * G_USEC_PER_SEC;

  for (guint i = 0; i < self->parts->len; i++)
    {
      const Part *part = &g_array_index (self->parts, Part, i);

      g_string_append_len (out, self->literals->str + part->literal_start, part->literal_len);
      append_field (self, out, &row, part);
    }
  g_string_append_len (out, self->literals->str + self->tail_start, self->tail_len);
  append_traceback (out, start, record);

  uselocale (old_locale);
}
