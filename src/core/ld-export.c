// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "ld-export.h"
#include "ld-jsonl.h"
#include "ld-level.h"
#include "ld-pyformat.h"

/* Export writes a snapshot, never the live store: the store belongs to the UI
 * thread and evicts old records (freeing their text) while new ones arrive,
 * and an export runs on a worker thread for seconds. Taking the snapshot
 * copies the 88-byte record structs and their packed text, which for a full
 * store of a million records is a few hundred megabytes of memcpy, tens of
 * milliseconds; interned strings need no copy, as they are never freed.
 *
 * Files are written to a hidden temporary file beside the target and renamed
 * onto it only when everything was written, flushed and closed, so that a
 * failed or cancelled export leaves neither a half file nor a damaged old one.
 * (g_file_replace() is not enough: for a file that does not exist yet it
 * writes the target directly.) */

G_DEFINE_QUARK (ld-export-error-quark, ld_export_error)

/* Text blocks are this big unless one record needs more. */
#define SNAPSHOT_BLOCK_SIZE (4 * 1024 * 1024)

/* Output is written in pieces of about this size; progress and cancellation
 * are looked at between them. */
#define FLUSH_SIZE (1024 * 1024)

struct _LdExportSnapshot
{
  gatomicrefcount  ref_count;
  GArray          *records;     /* LdRecord, with .text in one of @blocks */
  GPtrArray       *blocks;
  char            *block;       /* the block being filled */
  gsize            block_used;
  gsize            block_size;
  guint            n_written;   /* atomic: progress of the export running */
};

/**
 * ld_export_snapshot_new:
 *
 * Returns: (transfer full): an empty snapshot, to fill with
 *   ld_export_snapshot_add_record() or ld_export_snapshot_add_batch()
 */
LdExportSnapshot *
ld_export_snapshot_new (void)
{
  LdExportSnapshot *self = g_new0 (LdExportSnapshot, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->records = g_array_new (FALSE, FALSE, sizeof (LdRecord));
  self->blocks = g_ptr_array_new_with_free_func (g_free);

  return self;
}

LdExportSnapshot *
ld_export_snapshot_ref (LdExportSnapshot *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
ld_export_snapshot_unref (LdExportSnapshot *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_array_unref (self->records);
  g_ptr_array_unref (self->blocks);
  g_free (self);
}

static const char *
copy_text (LdExportSnapshot *self,
           const char       *text,
           gsize             size)
{
  char *copy;

  if (self->block == NULL || self->block_size - self->block_used < size)
    {
      self->block_size = MAX (SNAPSHOT_BLOCK_SIZE, size);
      self->block = g_malloc (self->block_size);
      self->block_used = 0;
      g_ptr_array_add (self->blocks, self->block);
    }

  copy = self->block + self->block_used;
  memcpy (copy, text, size);
  self->block_used += size;

  return copy;
}

/**
 * ld_export_snapshot_add_record:
 * @self: a snapshot
 * @record: a record
 * @text: (nullable): the record's packed text if it is not in @record, as
 *   for one that ld_batch_get_record() returned
 *
 * Appends a copy of @record and of its text.
 */
void
ld_export_snapshot_add_record (LdExportSnapshot *self,
                               const LdRecord   *record,
                               const char       *text)
{
  LdRecord copy = *record;
  gsize size = ld_record_text_size (record);

  g_return_if_fail (self != NULL && record != NULL);

  if (text == NULL)
    text = record->text;
  copy.text = size > 0 && text != NULL ? copy_text (self, text, size) : NULL;
  if (copy.text == NULL)
    copy.message_len = copy.tail_len = 0;
  g_array_append_val (self->records, copy);
}

/**
 * ld_export_snapshot_add_batch:
 * @self: a snapshot
 * @batch: records
 *
 * Appends a copy of every record of @batch.
 */
void
ld_export_snapshot_add_batch (LdExportSnapshot *self,
                              const LdBatch    *batch)
{
  g_return_if_fail (self != NULL && batch != NULL);

  for (guint i = 0; i < ld_batch_get_length (batch); i++)
    {
      const char *text;
      const LdRecord *record = ld_batch_get_record (batch, i, &text);

      ld_export_snapshot_add_record (self, record, text);
    }
}

/**
 * ld_export_snapshot_new_from_store:
 * @store: the store, on its own (the UI) thread
 * @positions: (nullable) (array length=n_positions): the positions of the
 *   records to export, in the order to write them; %NULL for every record
 * @n_positions: the length of @positions
 *
 * Copies records out of @store, so that they can be exported on another
 * thread while the store goes on.
 *
 * Returns: (transfer full): the snapshot
 */
LdExportSnapshot *
ld_export_snapshot_new_from_store (LdStore     *store,
                                   const guint *positions,
                                   guint        n_positions)
{
  LdExportSnapshot *self;
  guint n;

  g_return_val_if_fail (LD_IS_STORE (store), NULL);

  self = ld_export_snapshot_new ();
  n = positions != NULL ? n_positions : ld_store_get_n_records (store);
  /* Growing and emptying the array reserves the room once. */
  g_array_set_size (self->records, MIN (n, ld_store_get_n_records (store)));
  g_array_set_size (self->records, 0);

  for (guint i = 0; i < n; i++)
    {
      const LdRecord *record = ld_store_get_record (store, positions != NULL ? positions[i] : i);

      if (record != NULL)
        ld_export_snapshot_add_record (self, record, NULL);
    }

  return self;
}

guint
ld_export_snapshot_get_n_records (LdExportSnapshot *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->records->len;
}

/**
 * ld_export_snapshot_get_record:
 * @self: a snapshot
 * @index: which record
 *
 * Returns: the record, whose text is in the snapshot
 */
const LdRecord *
ld_export_snapshot_get_record (LdExportSnapshot *self,
                               guint             index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->records->len, NULL);

  return &g_array_index (self->records, LdRecord, index);
}

/**
 * ld_export_snapshot_get_n_written:
 * @self: a snapshot
 *
 * The progress of the export of @self that is running, for a progress bar:
 * may be called from any thread while another writes.
 *
 * Returns: how many records have been written so far
 */
guint
ld_export_snapshot_get_n_written (LdExportSnapshot *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return (guint) g_atomic_int_get (&self->n_written);
}

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
 * format that would raise for every record is refused when compiled. */

typedef enum
{
  ATTR_ASCTIME,
  ATTR_CREATED,
  ATTR_MSECS,
  ATTR_RELATIVE_CREATED,
  ATTR_LEVELNAME,
  ATTR_LEVELNO,
  ATTR_NAME,
  ATTR_MESSAGE,
  ATTR_MSG,
  ATTR_PATHNAME,
  ATTR_FILENAME,
  ATTR_MODULE,
  ATTR_LINENO,
  ATTR_FUNCNAME,
  ATTR_THREAD,
  ATTR_THREADNAME,
  ATTR_PROCESS,
  ATTR_PROCESSNAME,
  ATTR_TASKNAME,
  ATTR_EXC_TEXT,
  ATTR_STACK_INFO,
  N_ATTRS,
  ATTR_EXTRA = N_ATTRS,
} Attr;

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

/* A conversion: printf-style flags map onto the fields of a format spec. */
typedef struct
{
  gunichar fill;
  char     align;       /* '<', '>', '^', '=' or 0 for the type's default */
  char     sign;        /* '+', '-', ' ' or 0 */
  gboolean alternate;   /* '#' */
  gboolean zero;        /* '0' */
  int      width;
  char     grouping;    /* ',', '_' or 0 */
  int      precision;   /* -1 if not given */
  char     type;        /* the conversion letter, or 0 */
} Spec;

typedef struct
{
  gsize    literal_start;  /* in LdLogFormat.literals */
  gsize    literal_len;
  Attr     attr;
  char    *name;
  guint32  key;            /* for an extra field, the interned name */
  char     conversion;     /* "{" style: 'r', 's', 'a' or 0 */
  gboolean has_spec;       /* "{" style: a non-empty spec was given */
  Spec     spec;
} Part;

struct _LdLogFormat
{
  LdLogStyle  style;
  GString    *literals;
  GArray     *parts;         /* Part */
  gsize       tail_start;
  gsize       tail_len;
  char       *datefmt;
  gboolean    utc;
  gboolean    uses_asctime;
  locale_t    c_locale;

  gint64      asctime_second;
  GString    *asctime;       /* of asctime_second, without the milliseconds */
  GString    *asctime_msecs;
  GString    *scratch;
};

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
 * @error: why @format cannot be used
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

/* The fewest significant digits that read back as @value (which is finite
 * and not negative), and the decimal exponent of the first. */
static int
shortest_digits (double  value,
                 char    digits[20],
                 int    *exponent)
{
  char buf[40];
  int n = 0;

  for (int precision = 1; precision <= 17; precision++)
    {
      snprintf (buf, sizeof buf, "%.*e", precision - 1, value);
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

/* Python's repr() of a float: the shortest text that reads back as the same
 * number, in fixed notation for exponents from -4 to 15. */
static void
append_float_repr (GString *out,
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
      append_float_repr (out, value->f);
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

/* Pads to the spec's width in characters: @prefix (a sign, "0x") and @body
 * are one number or one text, aligned as a whole or, with '=', filled between. */
/* Characters in valid UTF-8: the bytes that do not continue one. */
static gsize
count_chars (const char *text,
             gsize       len)
{
  gsize n = 0;

  for (gsize i = 0; i < len; i++)
    n += ((guchar) text[i] & 0xc0) != 0x80;

  return n;
}

static void
append_aligned (GString    *out,
                const char *prefix,
                const char *body,
                gsize       body_len,
                gunichar    fill,
                char        align,
                int         width)
{
  gsize prefix_len = strlen (prefix);
  gsize chars = width > 0 ? prefix_len + count_chars (body, body_len) : 0;
  gsize pad = width > 0 && (gsize) width > chars ? width - chars : 0;
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

/* Cuts @text to at most @precision characters, as "%.3s" and "{:.3}" do. */
static gsize
truncated_length (const char *text,
                  gsize       len,
                  int         precision)
{
  const char *p = text, *end = text + len;

  if (precision < 0)
    return len;
  for (int i = 0; i < precision && p < end; i++)
    p = g_utf8_next_char (p);

  return MIN ((gsize) (p - text), len);
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

/* Digits of |@number| in @base, with at least @min_digits digits. */
static void
format_digits (GString *digits,
               guint64  magnitude,
               int      base,
               gboolean upper,
               int      min_digits)
{
  const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  char buf[72];
  int n = 0;

  do
    buf[n++] = set[magnitude % base];
  while ((magnitude /= base) != 0);
  while (n < min_digits && n < (int) sizeof buf)
    buf[n++] = '0';

  g_string_set_size (digits, 0);
  while (n > 0)
    g_string_append_c (digits, buf[--n]);
}

static const char *
sign_text (gboolean negative,
           char     sign)
{
  return negative ? "-" : sign == '+' ? "+" : sign == ' ' ? " " : "";
}

/* Fixed or exponent notation of |@value| for a conversion letter of printf
 * (e, E, f, F, g, G), with '#' as printf has it. */
static void
format_float_body (GString *body,
                   double   magnitude,
                   char     type,
                   int      precision,
                   gboolean alternate)
{
  char format[16];

  snprintf (format, sizeof format, "%%%s.%d%c", alternate ? "#" : "", precision, type);
  g_string_set_size (body, 64 + MAX (precision, 0) + (magnitude > 1e16 ? 320 : 0));
  g_string_set_size (body, snprintf (body->str, body->len, format, magnitude));
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

  format_float_body (body, magnitude, 'e', digits - 1, alternate);
  if (!isfinite (magnitude))
    return;
  e = strchr (body->str, 'e');
  exponent = atoi (e + 1);

  if (exponent >= -4 && exponent < digits - 1)
    {
      format_float_body (body, magnitude, 'f', digits - 1 - exponent, alternate);
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

/* "%d", "%x", "%o" and the like of printf-style formatting. */
static void
append_percent_int (LdLogFormat *self,
                    GString     *out,
                    const Spec  *spec,
                    gint64       number)
{
  char type = spec->type;
  int base = type == 'x' || type == 'X' ? 16 : type == 'o' ? 8 : 10;
  guint64 magnitude = number < 0 ? -(guint64) number : (guint64) number;
  char prefix[8];
  gboolean zero = spec->zero && spec->align != '<';

  g_snprintf (prefix, sizeof prefix, "%s%s", sign_text (number < 0, spec->sign),
              !spec->alternate || base == 10 ? "" : type == 'x' ? "0x" : type == 'X' ? "0X" : "0o");
  format_digits (self->scratch, magnitude, base, type == 'X', spec->precision);
  append_aligned (out, prefix, self->scratch->str, self->scratch->len, zero ? '0' : ' ',
                  spec->align == '<' ? '<' : zero ? '=' : '>', spec->width);
}

/* "%f", "%e", "%g" and the like of printf-style formatting. */
static void
append_percent_float (LdLogFormat *self,
                      GString     *out,
                      const Spec  *spec,
                      double       number)
{
  gboolean negative = signbit (number) && !isnan (number);
  gboolean zero = spec->zero && spec->align != '<';

  format_float_body (self->scratch, fabs (number), spec->type,
                     spec->precision >= 0 ? spec->precision : 6, spec->alternate);
  append_aligned (out, sign_text (negative, spec->sign), self->scratch->str, self->scratch->len,
                  zero ? '0' : ' ', spec->align == '<' ? '<' : zero ? '=' : '>', spec->width);
}

static void
append_percent_text (LdLogFormat *self,
                     GString     *out,
                     const Spec  *spec,
                     const Value *value,
                     char         conversion)
{
  GString *text = self->scratch;

  /* The common "%(message)s" goes straight out. */
  if (spec->width == 0 && spec->precision < 0 && conversion == 's')
    {
      append_value_text (out, value, 's');
      return;
    }

  g_string_set_size (text, 0);
  append_value_text (text, value, conversion);
  append_aligned (out, "", text->str, truncated_length (text->str, text->len, spec->precision),
                  ' ', spec->align == '<' ? '<' : '>', spec->width);
}

/* One "%(name)..." field; a value Python would refuse is written with str(). */
static void
render_percent (LdLogFormat *self,
                GString     *out,
                const Spec  *spec,
                const Value *value)
{
  gint64 number;
  double real;

  switch (spec->type)
    {
    case 'x': case 'X': case 'o':
      if (value->kind == VALUE_FLOAT)
        break;
      G_GNUC_FALLTHROUGH;
    case 'd': case 'i': case 'u':
      if (!value_to_int (value, &number))
        break;
      append_percent_int (self, out, spec, number);
      return;
    case 'e': case 'E': case 'f': case 'F': case 'g': case 'G':
      if (!value_to_double (value, &real))
        break;
      append_percent_float (self, out, spec, real);
      return;
    case 'c':
      if (value->kind == VALUE_INT && value->i >= 0 && value->i <= 0x10ffff)
        {
          Value text = { VALUE_STR, self->scratch->str, 0, 0, 0 };
          char buf[8];

          text.text = buf;
          text.len = g_unichar_to_utf8 ((gunichar) value->i, buf);
          append_percent_text (self, out, spec, &text, 's');
          return;
        }
      break;
    case 'r': case 'a':
      append_percent_text (self, out, spec, value, spec->type);
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

  append_aligned (out, "", text, truncated_length (text, len, precision), fill, align,
                  spec->width);
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

  g_snprintf (full_prefix, sizeof full_prefix, "%s%s", sign_text (negative, spec->sign), prefix);

  append_aligned (out, full_prefix, body->str, body->len, fill, align, spec->width);
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
  format_digits (self->scratch, magnitude, base, type == 'X', 1);
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

  if (type == '%')
    {
      format_float_body (body, magnitude * 100, 'f', precision, spec->alternate);
      g_string_append_c (body, '%');
    }
  else if (type == 0 && spec->precision < 0)
    {
      g_string_set_size (body, 0);
      append_float_repr (body, magnitude);
    }
  else if (type == 0)
    format_float_general (body, magnitude, spec->precision, spec->alternate);
  else
    format_float_body (body, magnitude, type, precision, spec->alternate);

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

/* The extra field of the interned name @key. */
static gboolean
find_extra (const LdRecord  *record,
            guint32          key,
            LdValueType     *type,
            const char     **text,
            gsize           *len)
{
  LdExtraIter iter;
  guint32 id;

  ld_extra_iter_init (&iter, record);
  while (ld_extra_iter_next (&iter, &id, type, text, len))
    if (id == key)
      return TRUE;

  return FALSE;
}

static gboolean
get_extra (const LdRecord *record,
           guint32         key,
           Value          *value)
{
  LdValueType type;
  const char *text;
  gsize len;

  if (!find_extra (record, key, &type, &text, &len))
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
    render_percent (self, out, &part->spec, &value);
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

/* CSV, RFC 4180: CRLF line ends, a header row, and a cell quoted when it has
 * a comma, a quote or a line break. The time is ISO 8601 as in JSON Lines;
 * an absent field, a null and a thread id, process or line of 0 are empty
 * cells; the "extra" column holds every extra field as the JSON object that
 * JSON Lines has under "extra", so that no field is lost; a column asked for
 * by the name of an extra field is its text, its number, "true" or "false",
 * or its JSON.
 *
 * Unless asked not to, a text cell that a spreadsheet would take for a
 * formula (starting with "=", "+", "-", "@", a tab or a CR) gets a "'" in
 * front, and control characters are escaped as in the text export (a line
 * break inside a quoted cell is CSV and stays). Numbers are never prefixed:
 * "-4" is a number to a spreadsheet, not a formula. */

typedef enum
{
  COLUMN_TIME,
  COLUMN_LEVEL,
  COLUMN_LEVELNO,
  COLUMN_LOGGER,
  COLUMN_MESSAGE,
  COLUMN_THREAD,
  COLUMN_THREAD_ID,
  COLUMN_PROCESS,
  COLUMN_PROCESS_NAME,
  COLUMN_TASK,
  COLUMN_FILE,
  COLUMN_LINE,
  COLUMN_FUNCTION,
  COLUMN_EXCEPTION,
  COLUMN_STACK,
  COLUMN_CONNECTION,
  COLUMN_PEER,
  COLUMN_PROTOCOL,
  COLUMN_EXTRA,
  N_COLUMNS,
} Column;

static const char * const column_ids[N_COLUMNS + 1] = {
  "time", "level", "levelno", "logger", "message", "thread", "thread_id", "process",
  "process_name", "task", "file", "line", "function", "exception", "stack", "connection",
  "peer", "protocol", "extra", NULL
};

/**
 * ld_export_get_column_ids:
 *
 * Returns: (array zero-terminated=1) (transfer none): the ids of the CSV
 *   columns, which are the names of the canonical fields, in their order
 */
const char * const *
ld_export_get_column_ids (void)
{
  return column_ids;
}

typedef struct
{
  LdExportFormat  format;
  GArray         *columns;      /* Column, or N_COLUMNS + the index of an extra key */
  GArray         *extra_keys;   /* guint32 interned names */
  LdLogFormat    *log_format;
  gint64          start_us;
  gboolean        csv_raw;
  gboolean        keep_control_chars;
  GString        *cell;         /* a cell's text before quoting */
  GString        *scratch;      /* what a cell is made from; text being escaped */
} Writer;

static gboolean
needs_quotes (const char *text,
              gsize       len)
{
  for (gsize i = 0; i < len; i++)
    if (text[i] == ',' || text[i] == '"' || text[i] == '\r' || text[i] == '\n')
      return TRUE;

  return FALSE;
}

static void
append_quoted (GString    *out,
               const char *text,
               gsize       len)
{
  const char *end = text + len;

  if (!needs_quotes (text, len))
    {
      g_string_append_len (out, text, len);
      return;
    }

  g_string_append_c (out, '"');
  for (const char *p = text; p < end; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/* The first characters that OWASP's advice on CSV injection names. */
static gboolean
starts_formula (const char *text,
                gsize       len)
{
  return len > 0 && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@'
                     || text[0] == '\t' || text[0] == '\r');
}

static gboolean
escapes_controls (Writer     *writer,
                  const char *text,
                  gsize       len)
{
  return !writer->keep_control_chars && ld_jsonl_find_escape (text, len, LD_ESCAPE_TEXT) < len;
}

/* A text cell, made harmless as the options ask, then quoted. */
static void
append_csv_cell (Writer     *writer,
                 GString    *out,
                 const char *text,
                 gsize       len)
{
  gboolean formula = !writer->csv_raw && starts_formula (text, len);

  if (formula || escapes_controls (writer, text, len))
    {
      g_string_assign (writer->cell, formula ? "'" : "");
      if (writer->keep_control_chars)
        g_string_append_len (writer->cell, text, len);
      else
        ld_jsonl_append_escaped (writer->cell, text, len, LD_ESCAPE_TEXT);
      text = writer->cell->str;
      len = writer->cell->len;
    }

  append_quoted (out, text, len);
}

static void
writer_clear (Writer *writer)
{
  g_clear_pointer (&writer->columns, g_array_unref);
  g_clear_pointer (&writer->extra_keys, g_array_unref);
  g_clear_pointer (&writer->log_format, ld_log_format_free);
  if (writer->cell != NULL)
    g_string_free (g_steal_pointer (&writer->cell), TRUE);
  if (writer->scratch != NULL)
    g_string_free (g_steal_pointer (&writer->scratch), TRUE);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Writer, writer_clear)

static gboolean
add_columns (Writer                *writer,
             const LdExportOptions *options,
             GError               **error)
{
  const char * const *ids = options->columns != NULL ? options->columns : column_ids;

  writer->columns = g_array_new (FALSE, FALSE, sizeof (guint));
  writer->extra_keys = g_array_new (FALSE, FALSE, sizeof (guint32));

  for (guint i = 0; ids[i] != NULL; i++)
    {
      guint column = 0;

      while (column < N_COLUMNS && strcmp (column_ids[column], ids[i]) != 0)
        column++;
      if (column == N_COLUMNS)
        {
          g_set_error (error, LD_EXPORT_ERROR, LD_EXPORT_ERROR_BAD_COLUMN,
                       _("“%s” is not a column that can be exported"), ids[i]);
          return FALSE;
        }
      g_array_append_val (writer->columns, column);
    }

  for (guint i = 0; options->extra_keys != NULL && options->extra_keys[i] != NULL; i++)
    {
      guint column = N_COLUMNS + i;
      guint32 key = ld_intern (options->extra_keys[i], -1);

      g_array_append_val (writer->columns, column);
      g_array_append_val (writer->extra_keys, key);
    }

  return TRUE;
}

static gboolean
writer_init (Writer                *writer,
             const LdExportOptions *options,
             GError               **error)
{
  writer->format = options->format;
  writer->csv_raw = options->csv_raw;
  writer->keep_control_chars = options->keep_control_chars;
  writer->cell = g_string_new (NULL);
  writer->scratch = g_string_new (NULL);

  switch (options->format)
    {
    case LD_EXPORT_JSONL:
      return TRUE;
    case LD_EXPORT_CSV:
      return add_columns (writer, options, error);
    case LD_EXPORT_TEXT:
      writer->log_format = ld_log_format_new (options->log_format, options->style,
                                              options->datefmt, options->utc, error);
      return writer->log_format != NULL;
    default:
      g_set_error (error, LD_EXPORT_ERROR, LD_EXPORT_ERROR_BAD_FORMAT,
                   _("The export format is not known"));
      return FALSE;
    }
}

/**
 * ld_export_options_check:
 * @options: export options
 * @error: what is wrong with them, in words for the user
 *
 * Checks the options before an export, so that a dialog can say what is
 * wrong with a log format string or a column.
 *
 * Returns: %TRUE if @options can be used
 */
gboolean
ld_export_options_check (const LdExportOptions  *options,
                         GError                **error)
{
  g_auto(Writer) writer = { 0 };

  g_return_val_if_fail (options != NULL, FALSE);

  return writer_init (&writer, options, error);
}

static void
append_csv_header (Writer  *writer,
                   GString *out)
{
  for (guint i = 0; i < writer->columns->len; i++)
    {
      guint column = g_array_index (writer->columns, guint, i);
      const char *name = column < N_COLUMNS
                         ? column_ids[column]
                         : ld_intern_lookup (g_array_index (writer->extra_keys, guint32,
                                                            column - N_COLUMNS));

      if (i > 0)
        g_string_append_c (out, ',');
      append_csv_cell (writer, out, name, strlen (name));
    }
  g_string_append (out, "\r\n");
}

static void
append_csv_interned (Writer  *writer,
                     GString *out,
                     guint32  id)
{
  const char *text = ld_intern_lookup (id);

  if (text != NULL)
    append_csv_cell (writer, out, text, strlen (text));
}

static void
append_csv_number (GString *out,
                   gint64   number)
{
  if (number != 0)
    ld_jsonl_append_int (out, number);
}

static void
append_csv_extra (Writer         *writer,
                  GString        *out,
                  const LdRecord *record,
                  guint32         key)
{
  LdValueType type;
  const char *value;
  gsize len;

  if (!find_extra (record, key, &type, &value, &len) || type == LD_VALUE_NULL)
    return;

  /* A number's text needs no quotes, and is no formula however it starts. */
  if (type == LD_VALUE_NUMBER && ld_jsonl_is_portable_number (value, len))
    g_string_append_len (out, value, len);
  else
    append_csv_cell (writer, out, value, len);
}

/* Every extra field, as the JSON object of the JSON Lines export. */
static void
append_csv_extra_object (Writer         *writer,
                         GString        *out,
                         const LdRecord *record)
{
  g_string_truncate (writer->scratch, 0);
  if (ld_jsonl_append_extra (writer->scratch, record))
    append_csv_cell (writer, out, writer->scratch->str, writer->scratch->len);
}

static void
append_csv_level (Writer         *writer,
                  GString        *out,
                  const LdRecord *record)
{
  const char *name = ld_intern_lookup (record->level_name);

  if (name == NULL)
    name = ld_level_canonical_name (record->level);
  if (name != NULL)
    append_csv_cell (writer, out, name, strlen (name));
  else
    g_string_append_printf (out, "Level %d", record->level);
}

static void
append_csv_time (Writer  *writer,
                 GString *out,
                 gint64   time_us)
{
  /* The JSON string's text, without its quotes. */
  g_string_set_size (writer->cell, 0);
  ld_jsonl_append_time (writer->cell, time_us);
  g_string_append_len (out, writer->cell->str + 1, writer->cell->len - 2);
}

static void
append_csv_column (Writer         *writer,
                   GString        *out,
                   const LdRecord *r,
                   guint           column)
{
  const char *text;
  gsize len;

  switch (column)
    {
    case COLUMN_TIME: append_csv_time (writer, out, r->time_us); break;
    case COLUMN_LEVEL: append_csv_level (writer, out, r); break;
    case COLUMN_LEVELNO: ld_jsonl_append_int (out, r->level); break;
    case COLUMN_LOGGER: append_csv_interned (writer, out, r->logger); break;
    case COLUMN_MESSAGE:
      text = ld_record_get_message (r, &len);
      append_csv_cell (writer, out, text, len);
      break;
    case COLUMN_THREAD: append_csv_interned (writer, out, r->thread); break;
    case COLUMN_THREAD_ID: append_csv_number (out, r->thread_id); break;
    case COLUMN_PROCESS: append_csv_number (out, r->process); break;
    case COLUMN_PROCESS_NAME: append_csv_interned (writer, out, r->process_name); break;
    case COLUMN_TASK: append_csv_interned (writer, out, r->task); break;
    case COLUMN_FILE: append_csv_interned (writer, out, r->file); break;
    case COLUMN_LINE: append_csv_number (out, r->line); break;
    case COLUMN_FUNCTION: append_csv_interned (writer, out, r->function); break;
    case COLUMN_EXCEPTION:
      text = ld_record_get_exception (r, &len);
      append_csv_cell (writer, out, text, len);
      break;
    case COLUMN_STACK:
      text = ld_record_get_stack (r, &len);
      append_csv_cell (writer, out, text, len);
      break;
    case COLUMN_CONNECTION: append_csv_interned (writer, out, r->connection); break;
    case COLUMN_PEER: append_csv_interned (writer, out, r->peer); break;
    case COLUMN_PROTOCOL: append_csv_interned (writer, out, r->protocol); break;
    case COLUMN_EXTRA: append_csv_extra_object (writer, out, r); break;
    default:
      append_csv_extra (writer, out, r,
                        g_array_index (writer->extra_keys, guint32, column - N_COLUMNS));
      break;
    }
}

static void
append_csv_row (Writer         *writer,
                GString        *out,
                const LdRecord *record)
{
  for (guint i = 0; i < writer->columns->len; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      append_csv_column (writer, out, record, g_array_index (writer->columns, guint, i));
    }
  g_string_append (out, "\r\n");
}

/* The formatted record, with the controls in what it holds escaped unless
 * the options keep them: most records have none, and are written in place. */
static void
append_text_record (Writer         *writer,
                    GString        *out,
                    const LdRecord *record)
{
  gsize start = out->len, at;

  ld_log_format_append (writer->log_format, out, record, writer->start_us);
  if (writer->keep_control_chars)
    return;

  at = start + ld_jsonl_find_escape (out->str + start, out->len - start, LD_ESCAPE_TEXT);
  if (at == out->len)
    return;
  g_string_truncate (writer->scratch, 0);
  g_string_append_len (writer->scratch, out->str + at, out->len - at);
  g_string_truncate (out, at);
  ld_jsonl_append_escaped (out, writer->scratch->str, writer->scratch->len, LD_ESCAPE_TEXT);
}

static void
append_record (Writer         *writer,
               GString        *out,
               const LdRecord *record)
{
  switch (writer->format)
    {
    case LD_EXPORT_JSONL:
      ld_jsonl_append_record (out, record, NULL);
      break;
    case LD_EXPORT_CSV:
      append_csv_row (writer, out, record);
      break;
    case LD_EXPORT_TEXT:
    default:
      /* As a StreamHandler writes it, with its terminator. */
      append_text_record (writer, out, record);
      g_string_append_c (out, '\n');
      break;
    }
}

/* Formatting and writing overlap: the export's thread formats a piece while
 * a writer thread writes the one before, as writing hundreds of megabytes
 * into the page cache costs about as much as formatting them. */
typedef struct
{
  GOutputStream *stream;
  GCancellable  *cancellable;
  GAsyncQueue   *full;       /* GString to write, then the end marker */
  GAsyncQueue   *empty;      /* GString written, to fill again */
  GThread       *thread;
  GError        *error;      /* the writer's; set before it sets failed */
  gint           failed;     /* atomic */
} Pipe;

#define PIPE_BUFFERS 3

static GString pipe_end;

static gpointer
pipe_write (gpointer data)
{
  Pipe *pipe = data;
  GString *piece;

  while ((piece = g_async_queue_pop (pipe->full)) != &pipe_end)
    {
      if (!g_atomic_int_get (&pipe->failed)
          && !g_output_stream_write_all (pipe->stream, piece->str, piece->len, NULL,
                                         pipe->cancellable, &pipe->error))
        g_atomic_int_set (&pipe->failed, TRUE);
      g_string_truncate (piece, 0);
      g_async_queue_push (pipe->empty, piece);
    }

  return NULL;
}

static void
pipe_start (Pipe          *pipe,
            GOutputStream *stream,
            GCancellable  *cancellable)
{
  memset (pipe, 0, sizeof *pipe);
  pipe->stream = stream;
  pipe->cancellable = cancellable;
  pipe->full = g_async_queue_new ();
  pipe->empty = g_async_queue_new ();
  for (guint i = 0; i < PIPE_BUFFERS; i++)
    g_async_queue_push (pipe->empty, g_string_sized_new (FLUSH_SIZE + FLUSH_SIZE / 4));
  pipe->thread = g_thread_new ("logdeck-export-write", pipe_write, pipe);
}

/* Hands @piece to the writer; returns the next piece to fill, or %NULL when
 * writing failed or was cancelled. */
static GString *
pipe_send (Pipe    *pipe,
           GString *piece)
{
  g_async_queue_push (pipe->full, piece);
  if (g_atomic_int_get (&pipe->failed) || g_cancellable_is_cancelled (pipe->cancellable))
    return NULL;

  return g_async_queue_pop (pipe->empty);
}

static gboolean
pipe_finish (Pipe     *pipe,
             GString  *last,
             GError  **error)
{
  GString *piece;

  if (last != NULL)
    g_async_queue_push (pipe->full, last);
  g_async_queue_push (pipe->full, &pipe_end);
  g_thread_join (pipe->thread);

  while ((piece = g_async_queue_try_pop (pipe->empty)) != NULL)
    g_string_free (piece, TRUE);
  g_async_queue_unref (pipe->full);
  g_async_queue_unref (pipe->empty);

  if (pipe->error != NULL)
    {
      g_propagate_error (error, pipe->error);
      return FALSE;
    }
  return !g_cancellable_set_error_if_cancelled (pipe->cancellable, error);
}

/**
 * ld_export_to_stream:
 * @snapshot: the records
 * @stream: where to write
 * @options: how
 * @cancellable: (nullable): to stop early
 * @error: why it failed
 *
 * Writes every record of @snapshot to @stream, in the calling thread, and
 * flushes @stream; it does not close it. Headless mode writes its export
 * this way; ld_export_snapshot_get_n_written() gives the progress.
 *
 * Returns: %TRUE if everything was written
 */
gboolean
ld_export_to_stream (LdExportSnapshot       *snapshot,
                     GOutputStream          *stream,
                     const LdExportOptions  *options,
                     GCancellable           *cancellable,
                     GError                **error)
{
  g_auto(Writer) writer = { 0 };
  GString *out;
  Pipe pipe;
  guint n;

  g_return_val_if_fail (snapshot != NULL, FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (stream), FALSE);
  g_return_val_if_fail (options != NULL, FALSE);

  if (!writer_init (&writer, options, error))
    return FALSE;

  n = snapshot->records->len;
  writer.start_us = n > 0 ? g_array_index (snapshot->records, LdRecord, 0).time_us : 0;
  g_atomic_int_set (&snapshot->n_written, 0);
  pipe_start (&pipe, stream, cancellable);
  out = g_async_queue_pop (pipe.empty);
  if (writer.format == LD_EXPORT_CSV)
    append_csv_header (&writer, out);

  for (guint i = 0; i < n && out != NULL; i++)
    {
      append_record (&writer, out, &g_array_index (snapshot->records, LdRecord, i));
      if (out->len < FLUSH_SIZE)
        continue;
      out = pipe_send (&pipe, out);
      g_atomic_int_set (&snapshot->n_written, i + 1);
    }

  if (!pipe_finish (&pipe, out, error) || !g_output_stream_flush (stream, cancellable, error))
    return FALSE;

  g_atomic_int_set (&snapshot->n_written, n);
  return TRUE;
}

/* The reason in words, for "Could not export to “…”: <reason>". */
static const char *
describe_io_error (const GError *error)
{
  if (error->domain != G_IO_ERROR)
    return error->message;

  switch (error->code)
    {
    case G_IO_ERROR_NO_SPACE: return _("the disk is full");
    case G_IO_ERROR_PERMISSION_DENIED: return _("you are not allowed to write there");
    case G_IO_ERROR_NOT_FOUND: return _("the folder does not exist");
    case G_IO_ERROR_NOT_DIRECTORY: return _("part of the path is not a folder");
    case G_IO_ERROR_READ_ONLY: return _("the disk is read-only");
    case G_IO_ERROR_IS_DIRECTORY: return _("there is a folder of that name");
    case G_IO_ERROR_FILENAME_TOO_LONG: return _("the file name is too long");
    default: return error->message;
    }
}

static gboolean
fail_file (GFile   *file,
           GError  *cause,
           GError **error)
{
  g_autofree char *name = g_file_get_parse_name (file);

  if (cause->domain == LD_EXPORT_ERROR || g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_propagate_error (error, cause);
  else
    {
      g_set_error (error, cause->domain, cause->code, _("Could not export to “%s”: %s"), name,
                   describe_io_error (cause));
      g_error_free (cause);
    }

  return FALSE;
}

/* A new hidden file beside @file, for ld_export_to_file() to rename. */
static GFileOutputStream *
create_temporary (GFile         *file,
                  GFile        **temporary,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autoptr(GFile) parent = g_file_get_parent (file);
  g_autofree char *basename = g_file_get_basename (file);

  if (parent == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY, "/");
      return NULL;
    }

  for (guint attempt = 0;; attempt++)
    {
      g_autofree char *name = g_strdup_printf (".%.200s.%08x.part", basename, g_random_int ());
      g_autoptr(GFile) child = g_file_get_child (parent, name);
      g_autoptr(GError) local_error = NULL;
      GFileOutputStream *stream = g_file_create (child, G_FILE_CREATE_NONE, cancellable,
                                                 &local_error);

      if (stream != NULL)
        {
          *temporary = g_steal_pointer (&child);
          return stream;
        }
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_EXISTS) || attempt >= 16)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }
}

/**
 * ld_export_to_file:
 * @snapshot: the records
 * @file: the file to write, replaced if it exists
 * @options: how
 * @cancellable: (nullable): to stop early
 * @error: why it failed, in words for the user; %G_IO_ERROR_CANCELLED if
 *   @cancellable was cancelled
 *
 * Writes every record of @snapshot to a temporary file beside @file, in the
 * calling thread, and renames it onto @file when it is complete: on failure
 * or cancellation neither a half file nor the temporary one is left, and an
 * old @file is as it was.
 *
 * Returns: %TRUE if @file was written
 */
gboolean
ld_export_to_file (LdExportSnapshot       *snapshot,
                   GFile                  *file,
                   const LdExportOptions  *options,
                   GCancellable           *cancellable,
                   GError                **error)
{
  g_autoptr(GFile) temporary = NULL;
  g_autoptr(GFileOutputStream) stream = NULL;
  GError *local_error = NULL;

  g_return_val_if_fail (snapshot != NULL, FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);
  g_return_val_if_fail (options != NULL, FALSE);

  if (!ld_export_options_check (options, error))
    return FALSE;

  stream = create_temporary (file, &temporary, cancellable, &local_error);
  if (stream != NULL
      && ld_export_to_stream (snapshot, G_OUTPUT_STREAM (stream), options, cancellable,
                              &local_error)
      && g_output_stream_close (G_OUTPUT_STREAM (stream), cancellable, &local_error)
      && g_file_move (temporary, file, G_FILE_COPY_OVERWRITE | G_FILE_COPY_NO_FALLBACK_FOR_MOVE,
                      cancellable, NULL, NULL, &local_error))
    return TRUE;

  if (stream != NULL)
    {
      g_output_stream_close (G_OUTPUT_STREAM (stream), NULL, NULL);
      g_file_delete (temporary, NULL, NULL);
    }
  return fail_file (file, local_error, error);
}

typedef struct
{
  LdExportSnapshot  *snapshot;
  GFile             *file;
  LdExportOptions    options;
  GStrv              columns;
  GStrv              extra_keys;
  char              *log_format;
  char              *datefmt;
} ExportJob;

static void
export_job_free (gpointer data)
{
  ExportJob *job = data;

  ld_export_snapshot_unref (job->snapshot);
  g_object_unref (job->file);
  g_strfreev (job->columns);
  g_strfreev (job->extra_keys);
  g_free (job->log_format);
  g_free (job->datefmt);
  g_free (job);
}

static void
export_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ExportJob *job = task_data;
  GError *error = NULL;

  if (ld_export_to_file (job->snapshot, job->file, &job->options, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * ld_export_async:
 * @snapshot: the records
 * @file: the file to write, replaced if it exists
 * @options: how; copied
 * @cancellable: (nullable): to stop early
 * @callback: called on the thread-default main context when done
 * @user_data: for @callback
 *
 * Runs ld_export_to_file() on a worker thread. The progress is
 * ld_export_snapshot_get_n_written() of @snapshot out of its
 * ld_export_snapshot_get_n_records().
 */
void
ld_export_async (LdExportSnapshot      *snapshot,
                 GFile                 *file,
                 const LdExportOptions *options,
                 GCancellable          *cancellable,
                 GAsyncReadyCallback    callback,
                 gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;
  ExportJob *job;

  g_return_if_fail (snapshot != NULL);
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (options != NULL);

  job = g_new0 (ExportJob, 1);
  job->snapshot = ld_export_snapshot_ref (snapshot);
  job->file = g_object_ref (file);
  job->options = *options;
  job->options.columns = (const char * const *)
                         (job->columns = g_strdupv ((char **) options->columns));
  job->options.extra_keys = (const char * const *)
                            (job->extra_keys = g_strdupv ((char **) options->extra_keys));
  job->options.log_format = job->log_format = g_strdup (options->log_format);
  job->options.datefmt = job->datefmt = g_strdup (options->datefmt);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ld_export_async);
  g_task_set_name (task, "[logdeck] export");
  g_task_set_task_data (task, job, export_job_free);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, export_thread);
}

/**
 * ld_export_finish:
 * @result: the result given to the callback
 * @error: why the export failed, in words; %G_IO_ERROR_CANCELLED if it was
 *   cancelled, which needs no message
 *
 * Returns: %TRUE if the file was written
 */
gboolean
ld_export_finish (GAsyncResult  *result,
                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ld_export_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * ld_export_format_for_file:
 * @file: where to export
 *
 * Returns: the format the file's name asks for: .csv, .log or .txt, and
 *   JSON Lines otherwise
 */
LdExportFormat
ld_export_format_for_file (GFile *file)
{
  g_autofree char *name = g_file_get_basename (file);

  if (g_str_has_suffix (name, ".csv"))
    return LD_EXPORT_CSV;
  if (g_str_has_suffix (name, ".log") || g_str_has_suffix (name, ".txt"))
    return LD_EXPORT_TEXT;
  return LD_EXPORT_JSONL;
}

/**
 * ld_export_record_is_internal:
 * @record: a record
 *
 * Logdeck's own diagnostic records are those of the logger "logdeck" and
 * of its children ("logdeck.ingest", "logdeck.import", "logdeck.ui" and the
 * like): problems with a connection or a file, and what Logdeck logs about
 * itself, which name no process or Logdeck's own. A sender's record names
 * its process, so a program that calls its logger "logdeck.x" is not taken
 * for Logdeck (one that sends no process id still is). The window shows
 * them; headless --output and --export leave them out unless asked.
 *
 * Returns: whether @record is one of Logdeck's own
 */
gboolean
ld_export_record_is_internal (const LdRecord *record)
{
  const char *logger;

  g_return_val_if_fail (record != NULL, FALSE);

  /* A sender's record names its own process: a program that calls its
   * logger "logdeck.x" keeps its records in the output. */
  if (record->process != 0 && record->process != (gint32) getpid ())
    return FALSE;
  logger = ld_intern_lookup (record->logger);
  return logger != NULL && g_str_has_prefix (logger, "logdeck")
         && (logger[7] == '\0' || logger[7] == '.');
}
