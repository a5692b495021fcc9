// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ld-log-format.h"
#include "ld-import.h"
#include "ld-json-normalize.h"
#include "ld-level.h"
#include "ld-pyrecord.h"

/* How a file or stream is read
 * ============================
 *
 * One worker thread per import reads the input in big pieces, decodes it and
 * hands the records on in batches: to an LdHandoff, the same path the network
 * listeners take to the store, or, without one, into a list the caller takes
 * with ld_import_steal_batches() (to merge several files by time, say).
 *
 * The kind of input is told from its first 64 KiB: a SocketHandler capture
 * by its first frame (a 4-byte big-endian length and a pickle that ends with
 * STOP where the length says); then anything with a NUL byte or invalid UTF-8
 * there is refused as binary; JSON by a first "{" or "["; other text is
 * matched against the common Python logging layouts (layouts[] below), and
 * text that fits none becomes one record per line. A gzip file is read
 * through a decompressor first.
 *
 * Lines of Logdeck's own JSON Lines export are decoded here, field for field,
 * so that an export read back is the same records, extra fields and their
 * types included; every other JSON shape goes through ld_json_normalize().
 *
 * In a text log, a line that does not start a record continues the one
 * before: up to a "Traceback (most recent call last):" it is more of the
 * message, from there on the exception text, and from a "Stack (most recent
 * call last):" the stack, which is how logging.Formatter lays them out.
 * The last record of a live stream is handed on when nothing more arrived for
 * PENDING_TIMEOUT_MS, so that a pipe shows it without waiting for the next.
 *
 * A line (or frame) that cannot be read becomes a WARNING record from the
 * logger "logdeck.import" with the raw text as its message and the reason in
 * the extra field "error", and is counted; reading goes on.
 *
 * Following a file polls it every FOLLOW_INTERVAL_MS at its end, rather than
 * using a GFileMonitor: polling needs no main loop in the worker, works on
 * network file systems where inotify does not, and notices the two things a
 * log file does besides growing: being truncated (read again from the start)
 * and being rotated (the name now leads to a new file, which is opened). */

G_DEFINE_QUARK (ld-import-error-quark, ld_import_error)

#define SNIFF_SIZE           (64 * 1024)
#define READ_SIZE            (4 * 1024 * 1024)
#define MAX_LINE             (64 * 1024 * 1024)
#define MAX_DOCUMENT         (512 * 1024 * 1024)
#define MAX_BAD_TEXT         (64 * 1024)
#define MAX_FRAME            (64 * 1024 * 1024)
#define DETECT_LINES         100
#define PENDING_TIMEOUT_MS   200
#define FOLLOW_INTERVAL_MS   250

struct _LdImport
{
  GObject         parent_instance;

  GFile          *file;
  GInputStream   *stream;
  char           *name;
  char           *peer;
  const char     *protocol;

  LdHandoff      *handoff;
  LdImportFormat  format;
  LdImportFormat  detected;
  char           *log_format;
  char           *layout;        /* the text layout read by */
  gboolean        follow;
  gboolean        utc;

  guint64         bytes_read;    /* atomic, as are the three below */
  guint64         size;
  guint64         n_records;
  guint64         n_bad;

  GMutex          lock;
  GPtrArray      *batches;
};

G_DEFINE_FINAL_TYPE (LdImport, ld_import, G_TYPE_OBJECT)

static void
ld_import_finalize (GObject *object)
{
  LdImport *self = LD_IMPORT (object);

  g_clear_object (&self->file);
  g_clear_object (&self->stream);
  g_free (self->name);
  g_free (self->peer);
  g_clear_pointer (&self->handoff, ld_handoff_unref);
  g_free (self->log_format);
  g_free (self->layout);
  g_mutex_clear (&self->lock);
  g_ptr_array_unref (self->batches);

  G_OBJECT_CLASS (ld_import_parent_class)->finalize (object);
}

static void
ld_import_class_init (LdImportClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ld_import_finalize;
}

static void
ld_import_init (LdImport *self)
{
  g_mutex_init (&self->lock);
  self->batches = g_ptr_array_new_with_free_func ((GDestroyNotify) ld_batch_free);
}

/**
 * ld_import_new_for_file:
 * @file: a log file
 *
 * Its records name the file's base name as their connection, its path as
 * their peer and "file" as their protocol, unless they name their own (as
 * records of Logdeck's JSON Lines export do).
 *
 * Returns: (transfer full): an import, to run
 */
LdImport *
ld_import_new_for_file (GFile *file)
{
  LdImport *self;

  g_return_val_if_fail (G_IS_FILE (file), NULL);

  self = g_object_new (LD_TYPE_IMPORT, NULL);
  self->file = g_object_ref (file);
  self->name = g_file_get_basename (file);
  self->peer = g_file_get_parse_name (file);
  self->protocol = "file";

  return self;
}

/**
 * ld_import_new_for_stream:
 * @stream: a stream, such as standard input; a pollable one (a pipe) is read
 *   as lines arrive
 * @name: (nullable): the connection its records name; %NULL for "stdin"
 *
 * Its records have the protocol "stdin".
 *
 * Returns: (transfer full): an import, to run
 */
LdImport *
ld_import_new_for_stream (GInputStream *stream,
                          const char   *name)
{
  LdImport *self;

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), NULL);

  self = g_object_new (LD_TYPE_IMPORT, NULL);
  self->stream = g_object_ref (stream);
  self->name = g_strdup (name != NULL ? name : "stdin");
  self->protocol = "stdin";

  return self;
}

/**
 * ld_import_set_handoff:
 * @self: an import, not running
 * @handoff: (nullable): where to push batches; %NULL to keep them for
 *   ld_import_steal_batches()
 */
void
ld_import_set_handoff (LdImport  *self,
                       LdHandoff *handoff)
{
  g_return_if_fail (LD_IS_IMPORT (self));

  g_clear_pointer (&self->handoff, ld_handoff_unref);
  self->handoff = handoff != NULL ? ld_handoff_ref (handoff) : NULL;
}

/**
 * ld_import_set_format:
 * @self: an import, not running
 * @format: the input's format, or %LD_IMPORT_FORMAT_AUTO to detect it
 */
void
ld_import_set_format (LdImport       *self,
                      LdImportFormat  format)
{
  g_return_if_fail (LD_IS_IMPORT (self));

  self->format = format;
}

/**
 * ld_import_set_log_format:
 * @self: an import, not running
 * @log_format: (nullable): the logging format string ("%" or "{" style) the
 *   text was written with, instead of detecting the layout; %NULL to detect.
 *   Whatever datefmt was used, asctime is read in the common shapes
 *   (parse_stamp() in ld-import.c).
 * @error: why @log_format cannot be read by
 *
 * Returns: %TRUE if @log_format can be used
 */
gboolean
ld_import_set_log_format (LdImport    *self,
                          const char  *log_format,
                          GError     **error)
{
  g_autoptr(LdLogFormat) compiled = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (LD_IS_IMPORT (self), FALSE);

  if (log_format != NULL)
    {
      compiled = ld_log_format_new (log_format, LD_LOG_STYLE_AUTO, NULL, FALSE, &local_error);
      if (compiled == NULL)
        {
          g_set_error_literal (error, LD_IMPORT_ERROR, LD_IMPORT_ERROR_BAD_FORMAT,
                               local_error->message);
          return FALSE;
        }
    }

  g_free (self->log_format);
  self->log_format = g_strdup (log_format);
  return TRUE;
}

/**
 * ld_import_set_follow:
 * @self: an import, not running
 * @follow: whether to keep reading a file as it grows, until cancelled
 */
void
ld_import_set_follow (LdImport *self,
                      gboolean  follow)
{
  g_return_if_fail (LD_IS_IMPORT (self));

  self->follow = follow;
}

/**
 * ld_import_set_utc:
 * @self: an import, not running
 * @utc: whether times without an offset in a text log are UTC rather than
 *   local time (logging's default converter is time.localtime)
 */
void
ld_import_set_utc (LdImport *self,
                   gboolean  utc)
{
  g_return_if_fail (LD_IS_IMPORT (self));

  self->utc = utc;
}

const char *
ld_import_get_name (LdImport *self)
{
  g_return_val_if_fail (LD_IS_IMPORT (self), NULL);

  return self->name;
}

/**
 * ld_import_get_detected_format:
 * @self: an import
 *
 * Returns: the format the input was read as, once reading has begun
 */
LdImportFormat
ld_import_get_detected_format (LdImport *self)
{
  g_return_val_if_fail (LD_IS_IMPORT (self), LD_IMPORT_FORMAT_AUTO);

  return (LdImportFormat) g_atomic_int_get ((int *) &self->detected);
}

/**
 * ld_import_get_layout:
 * @self: an import that has finished
 *
 * Returns: (nullable): the logging format string a text log was read by
 */
const char *
ld_import_get_layout (LdImport *self)
{
  g_return_val_if_fail (LD_IS_IMPORT (self), NULL);

  return self->layout;
}

/* The counters below may be read from any thread while the import runs. */

guint64
ld_import_get_bytes_read (LdImport *self)
{
  g_return_val_if_fail (LD_IS_IMPORT (self), 0);

  return __atomic_load_n (&self->bytes_read, __ATOMIC_RELAXED);
}

/**
 * ld_import_get_size:
 * @self: an import
 *
 * Returns: the size of the file in bytes, or 0 if not known (a stream, or a
 *   compressed file)
 */
guint64
ld_import_get_size (LdImport *self)
{
  g_return_val_if_fail (LD_IS_IMPORT (self), 0);

  return __atomic_load_n (&self->size, __ATOMIC_RELAXED);
}

guint64
ld_import_get_n_records (LdImport *self)
{
  g_return_val_if_fail (LD_IS_IMPORT (self), 0);

  return __atomic_load_n (&self->n_records, __ATOMIC_RELAXED);
}

/**
 * ld_import_get_n_bad:
 * @self: an import
 *
 * Returns: how many lines or frames could not be read (each became a
 *   WARNING record from %LD_IMPORT_LOGGER)
 */
guint64
ld_import_get_n_bad (LdImport *self)
{
  g_return_val_if_fail (LD_IS_IMPORT (self), 0);

  return __atomic_load_n (&self->n_bad, __ATOMIC_RELAXED);
}

/**
 * ld_import_steal_batches:
 * @self: an import without a hand-off
 *
 * Returns: (transfer container) (element-type LdBatch): the batches read
 *   since the last call, in order
 */
GPtrArray *
ld_import_steal_batches (LdImport *self)
{
  GPtrArray *batches;

  g_return_val_if_fail (LD_IS_IMPORT (self), NULL);

  g_mutex_lock (&self->lock);
  batches = g_steal_pointer (&self->batches);
  self->batches = g_ptr_array_new_with_free_func ((GDestroyNotify) ld_batch_free);
  g_mutex_unlock (&self->lock);

  return batches;
}

/* Text layouts
 * ============
 *
 * A layout is a logging format string; a line starts a record when it can be
 * read by it. Literal spaces match any run of spaces, so that padded fields
 * ("%(levelname)-8s") read as well; asctime is read in the shapes the common
 * datefmts give (parse_stamp() below). The candidates for detection, the
 * more specific of two that read the same lines first: */
static const char * const layouts[] = {
  "%(asctime)s - %(name)s - %(levelname)s - %(message)s",
  "%(asctime)s - %(levelname)s - %(name)s - %(message)s",
  "%(asctime)s - %(levelname)s - %(message)s",
  "%(asctime)s %(name)s %(levelname)s %(message)s",
  "%(asctime)s %(levelname)s %(name)s: %(message)s",
  "%(asctime)s %(levelname)s [%(name)s] %(message)s",
  "%(asctime)s [%(levelname)s] %(name)s: %(message)s",
  "%(asctime)s [%(levelname)s] [%(name)s] %(message)s",
  "%(asctime)s [%(levelname)s] %(message)s",
  "%(asctime)s | %(levelname)s | %(name)s | %(message)s",
  "%(asctime)s | %(levelname)s | %(message)s",
  "%(asctime)s:%(levelname)s:%(name)s:%(message)s",
  "%(asctime)s %(levelname)s %(message)s",
  "%(asctime)s %(threadName)s %(levelname)s %(name)s %(message)s",
  "[%(asctime)s] %(levelname)s in %(module)s: %(message)s",
  "[%(asctime)s] [%(levelname)s] %(name)s: %(message)s",
  "[%(asctime)s] %(levelname)s [%(name)s] %(message)s",
  "[%(asctime)s] %(levelname)s %(name)s: %(message)s",
  "[%(asctime)s] %(levelname)s: %(message)s",
  "%(levelname)s %(asctime)s %(module)s %(process)d %(thread)d %(message)s",
  "%(levelname)s:%(name)s:%(message)s",
  "%(levelname)s - %(name)s - %(message)s",
  "%(name)s - %(levelname)s - %(message)s",
  "[%(levelname)s] %(name)s: %(message)s",
  "%(levelname)s: %(message)s",
  "%(levelname)s %(message)s",
};

typedef enum
{
  SLOT_LEVEL_NAME,
  SLOT_LOGGER,
  SLOT_THREAD,
  SLOT_PROCESS_NAME,
  SLOT_TASK,
  SLOT_FILE,
  SLOT_FILENAME,
  SLOT_MODULE,
  SLOT_FUNCTION,
  SLOT_EXTRA,
  N_SLOTS = SLOT_EXTRA,
} Slot;

typedef enum
{
  FIELD_ASCTIME,
  FIELD_MSECS,
  FIELD_CREATED,
  FIELD_IGNORED,       /* relativeCreated, exc_text, stack_info */
  FIELD_LEVELNAME,
  FIELD_LEVELNO,
  FIELD_MESSAGE,
  FIELD_LINENO,
  FIELD_PROCESS,
  FIELD_THREAD,
  FIELD_TOKEN,         /* any other attribute, and extra fields */
} FieldKind;

typedef struct
{
  FieldKind   kind;
  Slot        slot;
  const char *name;
  const char *literal;    /* before the field */
  gsize       literal_len;
  gboolean    padded;
  gboolean    before_msecs;
} LayoutField;

typedef struct
{
  LdLogFormat *format;    /* owns the text of names and literals */
  char        *text;
  LayoutField *fields;
  guint        n_fields;
  const char  *tail;
  gsize        tail_len;
} Layout;

static const struct
{
  const char *name;
  FieldKind   kind;
  Slot        slot;
} field_kinds[] = {
  { "asctime", FIELD_ASCTIME }, { "msecs", FIELD_MSECS }, { "created", FIELD_CREATED },
  { "relativeCreated", FIELD_IGNORED }, { "exc_text", FIELD_IGNORED },
  { "stack_info", FIELD_IGNORED }, { "levelname", FIELD_LEVELNAME },
  { "levelno", FIELD_LEVELNO }, { "message", FIELD_MESSAGE }, { "msg", FIELD_MESSAGE },
  { "lineno", FIELD_LINENO }, { "process", FIELD_PROCESS }, { "thread", FIELD_THREAD },
  { "name", FIELD_TOKEN, SLOT_LOGGER }, { "threadName", FIELD_TOKEN, SLOT_THREAD },
  { "processName", FIELD_TOKEN, SLOT_PROCESS_NAME }, { "taskName", FIELD_TOKEN, SLOT_TASK },
  { "pathname", FIELD_TOKEN, SLOT_FILE }, { "filename", FIELD_TOKEN, SLOT_FILENAME },
  { "module", FIELD_TOKEN, SLOT_MODULE }, { "funcName", FIELD_TOKEN, SLOT_FUNCTION },
};

static void
layout_free (Layout *layout)
{
  if (layout == NULL)
    return;

  ld_log_format_free (layout->format);
  g_free (layout->text);
  g_free (layout->fields);
  g_free (layout);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Layout, layout_free)

static void
layout_field_init (LayoutField *field,
                   const char  *name)
{
  field->kind = FIELD_TOKEN;
  field->slot = SLOT_EXTRA;
  field->name = name;
  for (guint i = 0; i < G_N_ELEMENTS (field_kinds); i++)
    if (strcmp (field_kinds[i].name, name) == 0)
      {
        field->kind = field_kinds[i].kind;
        field->slot = field_kinds[i].slot;
        break;
      }
}

static Layout *
layout_new (const char  *text,
            GError     **error)
{
  g_autoptr(Layout) layout = g_new0 (Layout, 1);
  int width;

  layout->format = ld_log_format_new (text, LD_LOG_STYLE_AUTO, NULL, FALSE, error);
  if (layout->format == NULL)
    return NULL;
  layout->text = g_strdup (text);
  layout->n_fields = ld_log_format_get_n_fields (layout->format);
  layout->fields = g_new0 (LayoutField, layout->n_fields);

  for (guint i = 0; i < layout->n_fields; i++)
    {
      LayoutField *field = &layout->fields[i];
      const char *name = ld_log_format_get_field (layout->format, i, &field->literal,
                                                  &field->literal_len, &width);

      layout_field_init (field, name);
      field->padded = width != 0;
      if (i > 0 && field->kind == FIELD_MSECS)
        layout->fields[i - 1].before_msecs = TRUE;
    }
  ld_log_format_get_field (layout->format, layout->n_fields, &layout->tail, &layout->tail_len,
                           NULL);

  return g_steal_pointer (&layout);
}

/* A time as a text log shows it, before it is placed in a time zone. */
typedef struct
{
  int      year, month, day;
  int      hour, minute, second;
  gint64   usec;
  gboolean has_date;
  gboolean has_offset;
  int      offset;        /* seconds east of UTC */
  gboolean no_fraction;   /* "%(asctime)s.%(msecs)03d": the fraction is a field */
} Stamp;

static gboolean
read_number (const char **p,
             const char  *end,
             int          min_digits,
             int          max_digits,
             int         *value)
{
  const char *q = *p;
  int n = 0;

  *value = 0;
  while (q < end && n < max_digits && g_ascii_isdigit (*q))
    *value = *value * 10 + (*q++ - '0'), n++;
  if (n < min_digits)
    return FALSE;

  *p = q;
  return TRUE;
}

static gboolean
read_literal (const char **p,
              const char  *end,
              const char  *literal)
{
  gsize len = strlen (literal);

  if ((gsize) (end - *p) < len || memcmp (*p, literal, len) != 0)
    return FALSE;

  *p += len;
  return TRUE;
}

static gboolean
read_month_name (const char **p,
                 const char  *end,
                 int         *month)
{
  static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

  if (end - *p < 3)
    return FALSE;
  for (int i = 0; i < 12; i++)
    if (g_ascii_strncasecmp (*p, names + 3 * i, 3) == 0)
      {
        *month = i + 1;
        *p += 3;
        return TRUE;
      }

  return FALSE;
}

/* "HH:MM:SS", then a fraction after "," or "." and " AM" or " PM". */
static gboolean
read_clock (const char **p,
            const char  *end,
            Stamp       *s)
{
  const char *q = *p;

  if (!read_number (&q, end, 1, 2, &s->hour) || !read_literal (&q, end, ":")
      || !read_number (&q, end, 2, 2, &s->minute) || !read_literal (&q, end, ":")
      || !read_number (&q, end, 2, 2, &s->second) || s->hour > 23 || s->minute > 59
      || s->second > 60)
    return FALSE;

  if (!s->no_fraction && q + 1 < end && (*q == ',' || *q == '.') && g_ascii_isdigit (q[1]))
    {
      gint64 scale = 100000;

      for (q++; q < end && g_ascii_isdigit (*q); q++, scale /= 10)
        s->usec += (*q - '0') * scale;
    }
  if (end - q >= 3 && q[0] == ' ' && (q[1] == 'A' || q[1] == 'P') && q[2] == 'M')
    {
      s->hour = s->hour % 12 + (q[1] == 'P' ? 12 : 0);
      q += 3;
    }

  *p = q;
  return TRUE;
}

/* "Z", "+hh:mm" or "+hhmm", right after the time or after one space. */
static void
read_offset (const char **p,
             const char  *end,
             Stamp       *s)
{
  const char *q = *p + (*p < end && **p == ' ' ? 1 : 0);
  int hours, minutes, sign;

  if (q == *p && q < end && *q == 'Z')
    {
      s->has_offset = TRUE;
      *p = q + 1;
      return;
    }
  if (q >= end || (*q != '+' && *q != '-'))
    return;
  sign = *q++ == '-' ? -1 : 1;
  if (!read_number (&q, end, 2, 2, &hours))
    return;
  read_literal (&q, end, ":");
  if (!read_number (&q, end, 2, 2, &minutes) || (q < end && g_ascii_isdigit (*q)))
    return;

  s->has_offset = TRUE;
  s->offset = sign * (hours * 3600 + minutes * 60);
  *p = q;
}

/* 2024-05-01 12:30:00,123 (also with "T", ":" or "_" between, or "/"). */
static gboolean
read_iso_stamp (const char **p,
                const char  *end,
                Stamp       *s)
{
  const char *q = *p;
  char sep;

  if (!read_number (&q, end, 4, 4, &s->year) || q >= end || (*q != '-' && *q != '/'))
    return FALSE;
  sep = *q++;
  if (!read_number (&q, end, 2, 2, &s->month) || q >= end || *q++ != sep
      || !read_number (&q, end, 2, 2, &s->day) || q >= end || *q == '\0'
      || strchr ("T :_", *q) == NULL)
    return FALSE;
  q++;
  if (!read_clock (&q, end, s))
    return FALSE;

  read_offset (&q, end, s);
  *p = q;
  return TRUE;
}

/* 05/01/2024 12:30:00 PM, the logging HOWTO's "%m/%d/%Y %I:%M:%S %p". */
static gboolean
read_us_stamp (const char **p,
               const char  *end,
               Stamp       *s)
{
  const char *q = *p;

  if (!read_number (&q, end, 2, 2, &s->month) || !read_literal (&q, end, "/")
      || !read_number (&q, end, 2, 2, &s->day) || !read_literal (&q, end, "/")
      || !read_number (&q, end, 4, 4, &s->year) || !read_literal (&q, end, " ")
      || !read_clock (&q, end, s))
    return FALSE;

  *p = q;
  return TRUE;
}

/* 01-May-24 12:30:00 ("%d-%b-%y %H:%M:%S"), 01/May/2024:12:30:00 +0000, and
 * May 01 12:30:00 or May  1 12:30:00 (syslog's, without a year). */
static gboolean
read_month_stamp (const char **p,
                  const char  *end,
                  Stamp       *s)
{
  const char *q = *p;

  if (read_month_name (&q, end, &s->month))
    {
      s->year = 0;
      while (q < end && *q == ' ')
        q++;
      if (!read_number (&q, end, 1, 2, &s->day) || !read_literal (&q, end, " "))
        return FALSE;
    }
  else
    {
      char sep;

      if (!read_number (&q, end, 2, 2, &s->day) || q >= end || (*q != '-' && *q != '/'))
        return FALSE;
      sep = *q++;
      if (!read_month_name (&q, end, &s->month) || q >= end || *q++ != sep
          || !read_number (&q, end, 2, 4, &s->year) || q >= end || (*q != ' ' && *q != ':'))
        return FALSE;
      q++;
      if (s->year < 100)
        s->year += s->year < 69 ? 2000 : 1900;
    }
  if (!read_clock (&q, end, s))
    return FALSE;

  read_offset (&q, end, s);
  *p = q;
  return TRUE;
}

static gboolean
parse_stamp (const char **p,
             const char  *end,
             gboolean     no_fraction,
             Stamp       *s)
{
  memset (s, 0, sizeof *s);
  s->has_date = TRUE;
  s->no_fraction = no_fraction;
  if (read_iso_stamp (p, end, s) || read_us_stamp (p, end, s) || read_month_stamp (p, end, s))
    return s->month >= 1 && s->month <= 12 && s->day >= 1 && s->day <= 31;

  /* A time alone ("%H:%M:%S") is of the day it is read. */
  memset (s, 0, sizeof *s);
  s->no_fraction = no_fraction;
  return read_clock (p, end, s);
}

typedef enum
{
  MODE_JSON_LINES,
  MODE_JSON_DOCUMENT,
  MODE_TEXT,
  MODE_LINES,
  MODE_PICKLE,
} Mode;

typedef enum
{
  PART_MESSAGE,
  PART_EXCEPTION,
  PART_STACK,
} Part;

/* What a line that starts a record says. */
typedef struct
{
  const char *spans[N_SLOTS];
  gsize       span_lens[N_SLOTS];
  GArray     *extras;         /* Span pairs: the extra's name, its value */
  const char *message;
  gsize       message_len;
  Stamp       stamp;
  gboolean    has_stamp;
  gint64      created_us;
  gboolean    has_created;
  int         msecs;
  int         level;
  gboolean    has_level;
  gint64      line, process, thread_id;
} Match;

typedef struct
{
  const char *text;
  gsize       len;
} Span;

/* The record a text log is in the middle of: continuation lines may follow. */
typedef struct
{
  gboolean  active;
  GString  *strings;            /* the matched fields, nul-terminated one after another */
  gssize    offsets[N_SLOTS];
  GArray   *extras;             /* gsize pairs: offsets of name and value in strings */
  gint64    time_us;
  int       level;
  gint64    line, process, thread_id;
  GString  *texts[3];           /* message, exception, stack */
  Part      part;               /* where a continuation line goes */
} Pending;

typedef struct
{
  LdImport      *import;
  GInputStream  *stream;
  GCancellable  *cancellable;
  GMainContext  *context;         /* to wait on a pollable stream */
  Mode           mode;
  Layout        *layout;

  char          *buf;
  gsize          buf_size;
  gsize          start;           /* bytes of buf already consumed */
  gsize          len;             /* bytes in buf */
  gboolean       eof;
  gboolean       skip_line;       /* the rest of an overlong line */
  goffset        offset;          /* of buf[0] in the input */
  guint64        line_no;         /* of the next line */

  LdBatch       *batch;
  gint64         last_time;
  gint64         now;
  GTimeZone     *tz;
  gint64         tz_hour;
  int            tz_offset;
  int            today[3];        /* year, month, day where the import began */

  LdJsonParser  *parser;
  LdJsonContext  json_context;
  gboolean       canonical;       /* the JSON Lines are Logdeck's own, so far */
  const char    *json_text;       /* being normalised */
  guint64        json_first_line;
  gboolean       stopped;         /* the rest of the input cannot be read, or is another's */
  GPtrArray     *held;            /* of a segment after the first: Held, until delivered */
  goffset        segment_start;
  goffset        segment_end;     /* of a segment: lines that start before are this one's */
  gboolean       gunzipped;
  gint64         read_time;       /* of the latest read, for records without a time */
  GString       *scratch;
  Pending        pending;
  Match          match;
  LdPickleLimits limits;
  guint64        n_frames;
} Reader;

static void
pending_init (Pending *pending)
{
  pending->strings = g_string_new (NULL);
  pending->extras = g_array_new (FALSE, FALSE, sizeof (gsize));
  for (guint i = 0; i < G_N_ELEMENTS (pending->texts); i++)
    pending->texts[i] = g_string_new (NULL);
}

static void
pending_clear (Pending *pending)
{
  g_string_free (pending->strings, TRUE);
  g_array_unref (pending->extras);
  for (guint i = 0; i < G_N_ELEMENTS (pending->texts); i++)
    g_string_free (pending->texts[i], TRUE);
}

static void on_bad_json (const LdJsonBadValue *bad,
                         gpointer              user_data);

static void
reader_set_today (Reader *r)
{
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_utc (r->now / G_USEC_PER_SEC);
  g_autoptr(GDateTime) local = g_date_time_to_timezone (now, r->tz);

  g_date_time_get_ymd (local, &r->today[0], &r->today[1], &r->today[2]);
}

static void
reader_init (Reader       *r,
             LdImport     *import,
             GCancellable *cancellable)
{
  memset (r, 0, sizeof *r);
  r->import = import;
  r->cancellable = cancellable;
  r->context = g_main_context_new ();
  r->buf_size = READ_SIZE;
  r->buf = g_malloc (r->buf_size);
  r->batch = ld_batch_new ();
  r->now = g_get_real_time ();
  r->tz = import->utc ? g_time_zone_new_utc () : g_time_zone_new_identifier (NULL);
  if (r->tz == NULL)
    r->tz = g_time_zone_new_utc ();
  r->tz_hour = G_MININT64;
  reader_set_today (r);
  r->parser = ld_json_parser_new ();
  r->json_context.origin.connection = import->name;
  r->json_context.origin.peer = import->peer;
  r->json_context.origin.protocol = import->protocol;
  r->json_context.bad_value_func = on_bad_json;
  r->json_context.user_data = r;
  r->json_context.parser = r->parser;
  r->canonical = TRUE;
  r->read_time = r->now;
  r->scratch = g_string_new (NULL);
  r->match.extras = g_array_new (FALSE, FALSE, sizeof (Span));
  r->line_no = 1;
  pending_init (&r->pending);
  ld_pickle_limits_init_default (&r->limits);
}

static void
reader_clear (Reader *r)
{
  g_clear_object (&r->stream);
  g_main_context_unref (r->context);
  g_clear_pointer (&r->layout, layout_free);
  g_free (r->buf);
  ld_batch_free (r->batch);
  g_time_zone_unref (r->tz);
  ld_json_parser_free (r->parser);
  g_string_free (r->scratch, TRUE);
  g_array_unref (r->match.extras);
  pending_clear (&r->pending);
}

/* Howard Hinnant's days_from_civil: a date to days since 1970-01-01. */
static gint64
days_from_civil (int year,
                 int month,
                 int day)
{
  gint64 y = year - (month <= 2);
  gint64 era = (y >= 0 ? y : y - 399) / 400;
  guint yoe = (guint) (y - era * 400);
  guint doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  guint doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

  return era * 146097 + (gint64) doe - 719468;
}

/* Places a local time in the time zone, the offset found once per hour. A
 * time without a date is of the day the import began, one without a year
 * of that year. */
static gint64
stamp_to_us (Reader      *r,
             const Stamp *s)
{
  int year = s->has_date && s->year != 0 ? s->year : r->today[0];
  int month = s->has_date ? s->month : r->today[1];
  int day = s->has_date ? s->day : r->today[2];
  gint64 seconds;

  if (!g_date_valid_dmy (day, month, year))
    return r->last_time;
  seconds = days_from_civil (year, month, day) * 86400 + s->hour * 3600 + s->minute * 60
            + s->second;

  if (s->has_offset)
    seconds -= s->offset;
  else
    {
      gint64 hour = seconds / 3600 - (seconds % 3600 < 0);

      if (hour != r->tz_hour)
        {
          gint64 local = seconds;
          int interval = g_time_zone_adjust_time (r->tz, G_TIME_TYPE_STANDARD, &local);

          r->tz_offset = g_time_zone_get_offset (r->tz, interval);
          r->tz_hour = hour;
        }
      seconds -= r->tz_offset;
    }

  return seconds * G_USEC_PER_SEC + s->usec;
}

static void
set_origin (LdImport       *import,
            LdRecordFields *fields)
{
  fields->connection = import->name;
  fields->peer = import->peer;
  fields->protocol = import->protocol;
}

/* What a segment read, kept until the segments before it are handed on: a
 * batch, or a line that could not be read, whose number is not known yet. */
typedef struct
{
  LdBatch *batch;
  char    *raw;
  gsize    raw_len;
  guint64  line_no;      /* within the segment */
  gint64   time_us;
  char    *why;
} Held;

static void
held_free (gpointer data)
{
  Held *held = data;

  ld_batch_free (held->batch);
  g_free (held->raw);
  g_free (held->why);
  g_free (held);
}

static void
hand_on (LdImport *import,
         LdBatch  *batch)
{
  __atomic_add_fetch (&import->n_records, ld_batch_get_length (batch), __ATOMIC_RELAXED);
  if (import->handoff != NULL)
    ld_handoff_push_batch (import->handoff, batch);
  else
    {
      g_mutex_lock (&import->lock);
      g_ptr_array_add (import->batches, batch);
      g_mutex_unlock (&import->lock);
    }
}

/* Hands the records read so far on, or keeps them if others come first. */
static void
deliver (Reader *r)
{
  if (ld_batch_get_length (r->batch) == 0)
    return;

  if (r->held != NULL)
    {
      Held *held = g_new0 (Held, 1);

      held->batch = g_steal_pointer (&r->batch);
      g_ptr_array_add (r->held, held);
    }
  else
    hand_on (r->import, g_steal_pointer (&r->batch));
  r->batch = ld_batch_new ();
}

/**
 * add_bad:
 * @raw: the text that could not be read, not nul-terminated
 * @why: the reason, for the extra field "error"
 *
 * Adds the WARNING record that stands for input that could not be read.
 */
static void
add_bad_record (Reader     *r,
                const char *raw,
                gsize       len,
                guint64     line_no,
                gint64      time_us,
                const char *why)
{
  LdRecordFields fields = { 0 };
  char number[24];

  fields.time_us = time_us;
  fields.level = LD_LEVEL_WARNING;
  fields.level_name = "WARNING";
  fields.logger = LD_IMPORT_LOGGER;
  fields.message = len > 0 ? raw : "";
  fields.message_len = MIN (len, MAX_BAD_TEXT);
  set_origin (r->import, &fields);
  ld_batch_add (r->batch, &fields);
  ld_batch_add_extra (r->batch, "error", -1, LD_VALUE_STRING, why, -1);
  if (line_no > 0)
    {
      g_snprintf (number, sizeof number, "%" G_GUINT64_FORMAT, line_no);
      ld_batch_add_extra (r->batch, "line_number", -1, LD_VALUE_NUMBER, number, -1);
    }
}

static void
add_bad (Reader     *r,
         const char *raw,
         gsize       len,
         guint64     line_no,
         const char *why)
{
  gint64 time_us = r->last_time != 0 ? r->last_time : r->now;
  Held *held;

  __atomic_add_fetch (&r->import->n_bad, 1, __ATOMIC_RELAXED);
  if (r->held == NULL)
    {
      add_bad_record (r, raw, len, line_no, time_us, why);
      return;
    }

  deliver (r);
  held = g_new0 (Held, 1);
  held->raw = g_strndup (raw, MIN (len, MAX_BAD_TEXT));
  held->raw_len = MIN (len, MAX_BAD_TEXT);
  held->line_no = line_no;
  held->time_us = time_us;
  held->why = g_strdup (why);
  g_ptr_array_add (r->held, held);
}

/* Reading a line by a layout: each field reads up to what the layout says
 * comes next. */

static void
skip_spaces (const char **p,
             const char  *end)
{
  while (*p < end && (**p == ' ' || **p == '\t'))
    (*p)++;
}

/* Literal text; a space in it stands for any run of spaces. */
static gboolean
match_literal (const char **p,
               const char  *end,
               const char  *literal,
               gsize        len)
{
  const char *q = *p;

  for (gsize i = 0; i < len; i++)
    {
      if (literal[i] == ' ')
        {
          if (q >= end || (*q != ' ' && *q != '\t'))
            return FALSE;
          skip_spaces (&q, end);
          while (i + 1 < len && literal[i + 1] == ' ')
            i++;
        }
      else if (q >= end || *q++ != literal[i])
        return FALSE;
    }

  *p = q;
  return TRUE;
}

static gboolean
match_integer (const char **p,
               const char  *end,
               gint64      *value)
{
  const char *q = *p;
  gboolean negative = q < end && *q == '-';
  gint64 n = 0;

  if (negative)
    q++;
  if (q >= end || !g_ascii_isdigit (*q))
    return FALSE;
  for (; q < end && g_ascii_isdigit (*q) && n < G_MAXINT64 / 10 - 10; q++)
    n = n * 10 + (*q - '0');

  *value = negative ? -n : n;
  *p = q;
  return TRUE;
}

/* A level name as Python writes it: a known name, or "Level N". */
static gboolean
match_level (const char **p,
             const char  *end,
             Match       *m)
{
  const char *q = *p;
  char name[32];
  gsize len = 0;

  /* Python's names are upper case, custom ones by convention too; a word in
   * lower case is more likely the start of a message. */
  while (q < end && len < sizeof name - 1 && (g_ascii_isalnum (*q) || *q == '_'))
    name[len++] = *q++;
  name[len] = '\0';
  if (len == 0)
    return FALSE;

  if (strcmp (name, "Level") == 0 && q + 1 < end && *q == ' ')
    {
      gint64 level;

      q++;
      if (!match_integer (&q, end, &level))
        return FALSE;
      m->level = (int) CLAMP (level, G_MININT32, G_MAXINT32);
    }
  else if (g_ascii_islower (name[0]) || (len > 1 && g_ascii_islower (name[1]))
           || !ld_level_parse_name (name, &m->level))
    return FALSE;

  m->has_level = TRUE;
  m->spans[SLOT_LEVEL_NAME] = *p;
  m->span_lens[SLOT_LEVEL_NAME] = q - *p;
  *p = q;
  return TRUE;
}

static const char *
find_text (const char *p,
           const char *end,
           const char *text,
           gsize       len,
           gboolean    last)
{
  const char *found = NULL;

  if (len == 0)
    return end;
  for (const char *q = p; q + len <= end; q++)
    {
      q = memchr (q, text[0], end - q);
      if (q == NULL || q + len > end)
        break;
      if (memcmp (q, text, len) == 0)
        {
          found = q;
          if (!last)
            break;
        }
    }

  return found;
}

/* Text up to what follows the field: up to the first whitespace if a space
 * follows, else up to the following literal (its last place for the
 * message, which may hold anything). */
static gboolean
match_text (const char  **p,
            const char   *end,
            const char   *next,
            gsize         next_len,
            gboolean      is_message,
            Span         *span)
{
  const char *q = *p, *stop;

  while (next_len > 0 && *next == ' ' && !is_message)
    next++, next_len--;

  if (next_len == 0 && (is_message || next == NULL))
    stop = end;
  else if (next_len == 0)
    for (stop = q; stop < end && *stop != ' ' && *stop != '\t'; stop++)
      ;
  else
    stop = find_text (q, end, next, next_len, is_message);
  if (stop == NULL)
    return FALSE;

  span->text = q;
  span->len = stop - q;
  while (!is_message && span->len > 0 && span->text[span->len - 1] == ' ')
    span->len--;
  *p = q + span->len;
  return is_message || span->len > 0;
}

static gboolean
match_number_field (const LayoutField *field,
                    const char       **p,
                    const char        *end,
                    Match             *m)
{
  gint64 value;
  const char *q = *p;

  if (!match_integer (&q, end, &value))
    return FALSE;

  switch (field->kind)
    {
    case FIELD_MSECS:
      /* "%(msecs)03d" after a datefmt; a fraction the stamp had wins. */
      if (q < end && *q == '.')
        for (q++; q < end && g_ascii_isdigit (*q); q++)
          ;
      m->msecs = (int) CLAMP (value, 0, 999);
      break;
    case FIELD_LEVELNO:
      if (!m->has_level || m->spans[SLOT_LEVEL_NAME] == NULL)
        m->level = (int) CLAMP (value, G_MININT32, G_MAXINT32);
      m->has_level = TRUE;
      break;
    case FIELD_LINENO: m->line = value; break;
    case FIELD_PROCESS: m->process = value; break;
    case FIELD_THREAD: m->thread_id = value; break;
    default: g_assert_not_reached ();
    }

  *p = q;
  return TRUE;
}

static gboolean
match_created (const char **p,
               const char  *end,
               Match       *m)
{
  char buf[48], *after;
  gsize len = 0;
  double seconds;

  while (*p + len < end && len < sizeof buf - 1 && (g_ascii_isdigit ((*p)[len]) || (*p)[len] == '.'
                                                   || (*p)[len] == '-'))
    len++;
  memcpy (buf, *p, len);
  buf[len] = '\0';
  seconds = g_ascii_strtod (buf, &after);
  if (after == buf)
    return FALSE;

  m->created_us = (gint64) (seconds * G_USEC_PER_SEC + (seconds < 0 ? -0.5 : 0.5));
  m->has_created = TRUE;
  *p += after - buf;
  return TRUE;
}

static gboolean
match_field (const LayoutField *field,
             const char       **p,
             const char        *end,
             const char        *next,
             gsize              next_len,
             Match             *m)
{
  Span span;

  if (field->padded)
    skip_spaces (p, end);

  switch (field->kind)
    {
    case FIELD_ASCTIME:
      return (m->has_stamp = parse_stamp (p, end, field->before_msecs, &m->stamp));
    case FIELD_CREATED:
      return match_created (p, end, m);
    case FIELD_LEVELNAME:
      return match_level (p, end, m);
    case FIELD_MSECS:
    case FIELD_LEVELNO:
    case FIELD_LINENO:
    case FIELD_PROCESS:
    case FIELD_THREAD:
      return match_number_field (field, p, end, m);
    case FIELD_MESSAGE:
      if (!match_text (p, end, next, next_len, TRUE, &span))
        return FALSE;
      m->message = span.text;
      m->message_len = span.len;
      return TRUE;
    case FIELD_IGNORED:
    case FIELD_TOKEN:
    default:
      if (!match_text (p, end, next, next_len, FALSE, &span))
        return FALSE;
      if (field->slot != SLOT_EXTRA && field->kind == FIELD_TOKEN)
        {
          m->spans[field->slot] = span.text;
          m->span_lens[field->slot] = span.len;
        }
      else if (field->kind == FIELD_TOKEN)
        {
          Span name = { field->name, strlen (field->name) };

          g_array_append_val (m->extras, name);
          g_array_append_val (m->extras, span);
        }
      return TRUE;
    }
}

static void
match_reset (Match *m)
{
  GArray *extras = m->extras;

  memset (m, 0, sizeof *m);
  m->extras = extras;
  g_array_set_size (extras, 0);
}

/* Whether @line starts a record of @layout; if so @m says what it holds. */
static gboolean
match_line (const Layout *layout,
            const char   *line,
            gsize         len,
            Match        *m)
{
  const char *p = line, *end = line + len;

  match_reset (m);
  for (guint i = 0; i < layout->n_fields; i++)
    {
      const LayoutField *field = &layout->fields[i];
      gboolean last = i + 1 == layout->n_fields;
      const char *next = last ? (layout->tail_len > 0 ? layout->tail : NULL)
                              : layout->fields[i + 1].literal;
      gsize next_len = last ? layout->tail_len : layout->fields[i + 1].literal_len;

      if (i > 0 && layout->fields[i - 1].padded && field->literal_len > 0
          && field->literal[0] != ' ')
        skip_spaces (&p, end);
      if (!match_literal (&p, end, field->literal, field->literal_len)
          || !match_field (field, &p, end, next, next_len, m))
        return FALSE;
    }

  if (layout->n_fields > 0 && layout->fields[layout->n_fields - 1].padded
      && (layout->tail_len == 0 || layout->tail[0] != ' '))
    skip_spaces (&p, end);
  if (!match_literal (&p, end, layout->tail, layout->tail_len))
    return FALSE;
  skip_spaces (&p, end);

  return p == end;
}

/* The text record being read
 * -------------------------- */

static void
pending_set (Pending    *pending,
             Slot        slot,
             const char *text,
             gsize       len)
{
  pending->offsets[slot] = pending->strings->len;
  g_string_append_len (pending->strings, text, len);
  g_string_append_c (pending->strings, '\0');
}

static gint64
match_time (Reader      *r,
            const Match *m)
{
  gint64 time_us;

  if (m->has_stamp)
    {
      time_us = stamp_to_us (r, &m->stamp);
      /* "%(asctime)s,%(msecs)03d" with a datefmt: the stamp has no fraction. */
      if (m->stamp.usec == 0)
        time_us += m->msecs * 1000;
      return time_us;
    }
  if (m->has_created)
    return m->created_us;

  return r->last_time != 0 ? r->last_time : r->now;
}

static void
pending_start (Reader      *r,
               const Match *m)
{
  Pending *pending = &r->pending;

  pending->active = TRUE;
  g_string_truncate (pending->strings, 0);
  g_array_set_size (pending->extras, 0);
  for (guint i = 0; i < N_SLOTS; i++)
    {
      pending->offsets[i] = -1;
      if (m->spans[i] != NULL)
        pending_set (pending, i, m->spans[i], m->span_lens[i]);
    }
  for (guint i = 0; i + 1 < m->extras->len; i += 2)
    for (guint j = 0; j < 2; j++)
      {
        const Span *span = &g_array_index (m->extras, Span, i + j);
        gsize offset = pending->strings->len;

        g_array_append_val (pending->extras, offset);
        g_string_append_len (pending->strings, span->text, span->len);
        g_string_append_c (pending->strings, '\0');
      }

  pending->time_us = match_time (r, m);
  pending->level = m->has_level ? m->level : LD_LEVEL_INFO;
  pending->line = m->line;
  pending->process = m->process;
  pending->thread_id = m->thread_id;
  for (guint i = 0; i < G_N_ELEMENTS (pending->texts); i++)
    g_string_truncate (pending->texts[i], 0);
  g_string_append_len (pending->texts[PART_MESSAGE], m->message, m->message_len);
  pending->part = PART_MESSAGE;
}

static gboolean
starts_traceback (const char *line,
                  gsize       len,
                  const char *header)
{
  gsize header_len = strlen (header);

  /* Exception groups indent theirs: "  + Exception Group Traceback (...". */
  while (len > 0 && (*line == ' ' || *line == '+' || *line == '|'))
    line++, len--;
  if (len > 16 && memcmp (line, "Exception Group ", 16) == 0)
    line += 16, len -= 16;

  return len >= header_len && memcmp (line, header, header_len) == 0;
}

/* A line that does not start a record belongs to the one before. */
static void
pending_continue (Pending    *pending,
                  const char *line,
                  gsize       len)
{
  GString *text;

  if (starts_traceback (line, len, "Stack (most recent call last):"))
    pending->part = PART_STACK;
  else if (pending->part == PART_MESSAGE
           && starts_traceback (line, len, "Traceback (most recent call last):"))
    pending->part = PART_EXCEPTION;

  text = pending->texts[pending->part];
  if (text->len > 0 || pending->part == PART_MESSAGE)
    g_string_append_c (text, '\n');
  g_string_append_len (text, line, len);
}

static const char *
pending_get (const Pending *pending,
             Slot           slot)
{
  return pending->offsets[slot] >= 0 ? pending->strings->str + pending->offsets[slot] : NULL;
}

static void
pending_emit (Reader *r)
{
  Pending *pending = &r->pending;
  LdRecordFields fields = { 0 };
  const char *module = pending_get (pending, SLOT_MODULE);

  if (!pending->active)
    return;

  fields.time_us = pending->time_us;
  fields.level = pending->level;
  fields.level_name = pending_get (pending, SLOT_LEVEL_NAME);
  fields.logger = pending_get (pending, SLOT_LOGGER);
  fields.message = pending->texts[PART_MESSAGE]->str;
  fields.message_len = pending->texts[PART_MESSAGE]->len;
  fields.exception = pending->texts[PART_EXCEPTION]->str;
  fields.stack = pending->texts[PART_STACK]->str;
  fields.thread = pending_get (pending, SLOT_THREAD);
  fields.thread_id = pending->thread_id;
  fields.process = pending->process;
  fields.process_name = pending_get (pending, SLOT_PROCESS_NAME);
  fields.task = pending_get (pending, SLOT_TASK);
  fields.file = pending_get (pending, SLOT_FILE);
  if (fields.file == NULL)
    fields.file = pending_get (pending, SLOT_FILENAME);
  fields.line = (guint) CLAMP (pending->line, 0, G_MAXUINT32);
  fields.function = pending_get (pending, SLOT_FUNCTION);
  set_origin (r->import, &fields);
  ld_batch_add (r->batch, &fields);

  /* A module that the path does not give is kept, as ld-pyrecord does. */
  if (module != NULL && fields.file == NULL)
    ld_batch_add_extra (r->batch, "module", -1, LD_VALUE_STRING, module, -1);
  for (guint i = 0; i + 1 < pending->extras->len; i += 2)
    ld_batch_add_extra (r->batch,
                        pending->strings->str + g_array_index (pending->extras, gsize, i), -1,
                        LD_VALUE_STRING,
                        pending->strings->str + g_array_index (pending->extras, gsize, i + 1), -1);

  r->last_time = pending->time_us;
  pending->active = FALSE;
}

static void
text_line (Reader     *r,
           const char *line,
           gsize       len)
{
  if (match_line (r->layout, line, len, &r->match))
    {
      pending_emit (r);
      pending_start (r, &r->match);
    }
  else if (r->pending.active)
    pending_continue (&r->pending, line, len);
  else if (len > 0)
    add_bad (r, line, len, r->line_no, _("The line does not start a record"));
}

/* Logdeck's JSON Lines
 * --------------------
 *
 * ld_jsonl_append_record() writes these; reading them back here rather than
 * through the normaliser keeps every field and the type of every extra value
 * as it was: an object in "extra" stays one field with that object as JSON
 * (the normaliser flattens objects into fields of their own), and a level
 * name stays what the sender called it. */

typedef enum
{
  KEY_TIME,
  KEY_LEVEL,
  KEY_LEVELNO,
  KEY_LOGGER,
  KEY_MESSAGE,
  KEY_THREAD,
  KEY_THREAD_ID,
  KEY_PROCESS,
  KEY_PROCESS_NAME,
  KEY_TASK,
  KEY_FILE,
  KEY_LINE,
  KEY_FUNCTION,
  KEY_EXCEPTION,
  KEY_STACK,
  KEY_CONNECTION,
  KEY_PEER,
  KEY_PROTOCOL,
  KEY_EXTRA,
  N_KEYS,
} Key;

#define IS(literal) (memcmp (k, literal, sizeof literal - 1) == 0)

/* Every line has a dozen keys or more, so they are told apart by length
 * first, then by one comparison of known length each. */
static Key
classify_key (const LdJsonNode *key)
{
  const char *k = key->text;

  switch (key->len)
    {
    case 4:
      return IS ("time") ? KEY_TIME : IS ("line") ? KEY_LINE : IS ("file") ? KEY_FILE
             : IS ("task") ? KEY_TASK : IS ("peer") ? KEY_PEER : N_KEYS;
    case 5: return IS ("level") ? KEY_LEVEL : IS ("extra") ? KEY_EXTRA : IS ("stack") ? KEY_STACK
                   : N_KEYS;
    case 6: return IS ("logger") ? KEY_LOGGER : IS ("thread") ? KEY_THREAD : N_KEYS;
    case 7:
      return IS ("levelno") ? KEY_LEVELNO : IS ("message") ? KEY_MESSAGE
             : IS ("process") ? KEY_PROCESS : N_KEYS;
    case 8: return IS ("function") ? KEY_FUNCTION : IS ("protocol") ? KEY_PROTOCOL : N_KEYS;
    case 9: return IS ("thread_id") ? KEY_THREAD_ID : IS ("exception") ? KEY_EXCEPTION : N_KEYS;
    case 10: return IS ("connection") ? KEY_CONNECTION : N_KEYS;
    case 12: return IS ("process_name") ? KEY_PROCESS_NAME : N_KEYS;
    default: return N_KEYS;
    }
}

#undef IS

/* The end of the JSON value at @p, which the parser has already accepted. */
static const char *
skip_value (const char *p,
            const char *end)
{
  int depth = 0;

  for (; p < end; p++)
    {
      if (*p == '"')
        {
          for (p++; p < end && *p != '"'; p++)
            if (*p == '\\')
              p++;
        }
      else if (*p == '{' || *p == '[')
        depth++;
      else if ((*p == '}' || *p == ']') && --depth == 0)
        return p + 1;
    }

  return end;
}

static void
add_canonical_extras (Reader           *r,
                      const LdJsonNode *extra,
                      const char       *line_end)
{
  for (const LdJsonNode *key = ld_json_object_first (extra); key != NULL;
       key = ld_json_object_next (extra, key))
    {
      const LdJsonNode *value = key + 1;
      LdValueType type;
      const char *text = value->text;
      gsize len = value->len;

      switch (value->kind)
        {
        case LD_JSON_NULL: type = LD_VALUE_NULL, text = NULL, len = 0; break;
        case LD_JSON_TRUE: type = LD_VALUE_BOOL, text = "true", len = 4; break;
        case LD_JSON_FALSE: type = LD_VALUE_BOOL, text = "false", len = 5; break;
        case LD_JSON_NUMBER: type = LD_VALUE_NUMBER; break;
        case LD_JSON_STRING: type = LD_VALUE_STRING; break;
        case LD_JSON_ARRAY:
        case LD_JSON_OBJECT:
        default:
          type = LD_VALUE_JSON;
          len = skip_value (text, line_end) - text;
          break;
        }
      ld_batch_add_extra (r->batch, key->text, key->len, type, text, len);
    }
}

/* Text of a string member, nul-terminated in the scratch space. */
static gboolean
keep_string (Reader           *r,
             const LdJsonNode *value,
             gssize           *offset)
{
  if (value->kind != LD_JSON_STRING)
    return FALSE;

  *offset = r->scratch->len;
  g_string_append_len (r->scratch, value->text, value->len);
  g_string_append_c (r->scratch, '\0');
  return TRUE;
}

static gboolean
read_canonical_member (Reader            *r,
                       Key                key,
                       const LdJsonNode  *value,
                       LdRecordFields    *fields,
                       gssize             offsets[N_KEYS],
                       const LdJsonNode **extra)
{
  gint64 number;

  switch (key)
    {
    case KEY_TIME:
      return value->kind == LD_JSON_STRING
             && ld_json_parse_iso8601 (value->text, value->len, &fields->time_us);
    case KEY_LEVELNO:
    case KEY_THREAD_ID:
    case KEY_PROCESS:
    case KEY_LINE:
      if (value->kind != LD_JSON_NUMBER || !ld_json_node_get_int64 (value, &number))
        return FALSE;
      if (key == KEY_LEVELNO)
        fields->level = (int) CLAMP (number, G_MININT32, G_MAXINT32);
      else if (key == KEY_THREAD_ID)
        fields->thread_id = number;
      else if (key == KEY_PROCESS)
        fields->process = number;
      else
        fields->line = (guint) CLAMP (number, 0, G_MAXUINT32);
      return TRUE;
    case KEY_MESSAGE:
      if (value->kind != LD_JSON_STRING)
        return FALSE;
      fields->message = value->len > 0 ? value->text : "";
      fields->message_len = value->len;
      return TRUE;
    case KEY_EXTRA:
      *extra = value;
      return value->kind == LD_JSON_OBJECT;
    default:
      return keep_string (r, value, &offsets[key]);
    }
}

static const char *
canonical_string (Reader      *r,
                  const gssize offsets[N_KEYS],
                  Key          key)
{
  return offsets[key] >= 0 ? r->scratch->str + offsets[key] : NULL;
}

/* A record that names where it came from keeps it; one that does not names
 * the file. */
static void
set_canonical_strings (Reader         *r,
                       const gssize    offsets[N_KEYS],
                       LdRecordFields *fields)
{
  fields->level_name = canonical_string (r, offsets, KEY_LEVEL);
  fields->logger = canonical_string (r, offsets, KEY_LOGGER);
  fields->thread = canonical_string (r, offsets, KEY_THREAD);
  fields->process_name = canonical_string (r, offsets, KEY_PROCESS_NAME);
  fields->task = canonical_string (r, offsets, KEY_TASK);
  fields->file = canonical_string (r, offsets, KEY_FILE);
  fields->function = canonical_string (r, offsets, KEY_FUNCTION);
  fields->exception = canonical_string (r, offsets, KEY_EXCEPTION);
  fields->stack = canonical_string (r, offsets, KEY_STACK);
  set_origin (r->import, fields);
  if (offsets[KEY_CONNECTION] >= 0 || offsets[KEY_PEER] >= 0 || offsets[KEY_PROTOCOL] >= 0)
    {
      fields->connection = canonical_string (r, offsets, KEY_CONNECTION);
      fields->peer = canonical_string (r, offsets, KEY_PEER);
      fields->protocol = canonical_string (r, offsets, KEY_PROTOCOL);
    }
}

/* Adds the record of a line of Logdeck's JSON Lines; FALSE if the object is
 * not one, for the normaliser to read. */
static gboolean
add_canonical (Reader           *r,
               const LdJsonNode *root,
               const char       *line_end)
{
  LdRecordFields fields = { 0 };
  gssize offsets[N_KEYS];
  const LdJsonNode *extra = NULL;
  guint seen = 0;

  g_string_truncate (r->scratch, 0);
  for (guint i = 0; i < N_KEYS; i++)
    offsets[i] = -1;

  for (const LdJsonNode *key = ld_json_object_first (root); key != NULL;
       key = ld_json_object_next (root, key))
    {
      Key which = classify_key (key);

      if (which == N_KEYS || (seen & (1u << which))
          || !read_canonical_member (r, which, key + 1, &fields, offsets, &extra))
        return FALSE;
      seen |= 1u << which;
    }
  if ((seen & (1u << KEY_TIME | 1u << KEY_LEVEL | 1u << KEY_LEVELNO | 1u << KEY_MESSAGE))
      != (1u << KEY_TIME | 1u << KEY_LEVEL | 1u << KEY_LEVELNO | 1u << KEY_MESSAGE))
    return FALSE;

  set_canonical_strings (r, offsets, &fields);
  ld_batch_add (r->batch, &fields);
  if (extra != NULL)
    add_canonical_extras (r, extra, line_end);
  r->last_time = fields.time_us;
  return TRUE;
}

/* Other JSON, through the normaliser
 * ---------------------------------- */

static void
on_bad_json (const LdJsonBadValue *bad,
             gpointer              user_data)
{
  Reader *r = user_data;
  const char *text = r->json_text;
  gsize end = bad->end;

  while (end > bad->start && (text[end - 1] == '\n' || text[end - 1] == '\r'))
    end--;
  add_bad (r, text + bad->start, end - bad->start, r->json_first_line + bad->line - 1,
           bad->error->message);
}

static void
normalize_text (Reader     *r,
                const char *text,
                gsize       len,
                guint64     first_line)
{
  guint n;

  r->json_text = text;
  r->json_first_line = first_line;
  r->json_context.max_length = MAX (len, LD_JSON_DEFAULT_MAX_LENGTH);
  ld_json_normalize (r->batch, text, len, &r->json_context, NULL);

  n = ld_batch_get_length (r->batch);
  if (n > 0)
    {
      const char *unused;

      r->last_time = ld_batch_get_record (r->batch, n - 1, &unused)->time_us;
    }
}

static gboolean
is_blank (const char *line,
          gsize       len)
{
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isspace (line[i]))
      return FALSE;

  return TRUE;
}

/* A line of JSON Lines: Logdeck's own are read here while they last; the
 * first line that is not sends it and every later line to the normaliser,
 * one line at a time, so that a broken line never takes the next with it. */
static void
json_line (Reader     *r,
           const char *line,
           gsize       len)
{
  g_autoptr(GError) error = NULL;
  const LdJsonNode *root;
  gsize offset = 0;

  if (is_blank (line, len))
    return;
  if (!r->canonical)
    {
      normalize_text (r, line, len, r->line_no);
      return;
    }

  root = ld_json_parser_parse (r->parser, line, len, &offset, &error);
  if (root == NULL)
    {
      add_bad (r, line, len, r->line_no, error->message);
      return;
    }
  if (root->kind == LD_JSON_OBJECT && is_blank (line + offset, len - offset)
      && add_canonical (r, root, line + len))
    return;

  r->canonical = FALSE;
  normalize_text (r, line, len, r->line_no);
}

/* Text without a layout: a record per line, at the level a word names. */
static void
plain_line (Reader     *r,
            const char *line,
            gsize       len)
{
  static const char * const words[] = {
    "CRITICAL", "FATAL", "ERROR", "WARNING", "WARN", "NOTICE", "INFO", "DEBUG", "TRACE"
  };
  LdRecordFields fields = { 0 };
  gsize scan = MIN (len, 120);
  char word[16];

  if (is_blank (line, len))
    return;

  fields.time_us = r->read_time;
  fields.level = LD_LEVEL_INFO;
  for (guint i = 0; i < G_N_ELEMENTS (words) && fields.level_name == NULL; i++)
    {
      gsize word_len = strlen (words[i]);
      const char *at = find_text (line, line + scan, words[i], word_len, FALSE);

      if (at != NULL && at < line + scan && (at == line || !g_ascii_isalnum (at[-1]))
          && (at + word_len == line + len || !g_ascii_isalnum (at[word_len])))
        {
          memcpy (word, words[i], word_len + 1);
          ld_level_parse_name (word, &fields.level);
          fields.level_name = word;
        }
    }
  fields.message = line;
  fields.message_len = len;
  set_origin (r->import, &fields);
  ld_batch_add (r->batch, &fields);
  r->last_time = fields.time_us;
}

/* SocketHandler captures
 * ---------------------- */

static guint32
frame_length (const char *p)
{
  const guchar *u = (const guchar *) p;

  return (guint32) u[0] << 24 | (guint32) u[1] << 16 | (guint32) u[2] << 8 | u[3];
}

static void
add_frame (Reader     *r,
           const char *frame,
           guint32     length)
{
  g_autoptr(GError) error = NULL;
  LdRecordOrigin origin = { r->import->name, r->import->peer, r->import->protocol, r->now };
  guint before = ld_batch_get_length (r->batch);
  g_autofree char *what = NULL;

  r->n_frames++;
  if (ld_pyrecord_add_pickle (r->batch, (const guint8 *) frame, length, &r->limits, &origin,
                              &error))
    {
      const char *unused;

      if (ld_batch_get_length (r->batch) > before)
        r->last_time = ld_batch_get_record (r->batch, before, &unused)->time_us;
      return;
    }

  what = g_strdup_printf (_("SocketHandler frame %lu (%u bytes) could not be read: %s"),
                          (gulong) r->n_frames, length, error->message);
  add_bad (r, what, strlen (what), 0, error->message);
}

static void
process_frames (Reader   *r,
                gboolean  final)
{
  while (r->len - r->start >= 4)
    {
      guint32 length = frame_length (r->buf + r->start);

      if (length == 0 || length > MAX_FRAME)
        {
          g_autofree char *what = g_strdup_printf (_("A SocketHandler frame length of %u bytes "
                                                     "is not valid; the rest is not read"),
                                                   length);
          add_bad (r, what, strlen (what), 0, what);
          r->start = r->len;
          r->stopped = TRUE;
          return;
        }
      if (r->len - r->start - 4 < length)
        break;

      add_frame (r, r->buf + r->start + 4, length);
      r->start += 4 + length;
    }

  if (final && r->len > r->start)
    {
      g_autofree char *what = g_strdup_printf (_("The capture ends inside a frame "
                                                 "(%lu bytes left over)"),
                                               (gulong) (r->len - r->start));
      add_bad (r, what, strlen (what), 0, what);
      r->start = r->len;
    }
}

/* Reading
 * ------- */

static void
handle_line (Reader     *r,
             const char *line,
             gsize       len)
{
  if (len > 0 && line[len - 1] == '\r')
    len--;

  switch (r->mode)
    {
    case MODE_JSON_LINES: json_line (r, line, len); break;
    case MODE_TEXT: text_line (r, line, len); break;
    case MODE_LINES:
    default: plain_line (r, line, len); break;
    }
}

static void
process_lines (Reader   *r,
               gboolean  final)
{
  const char *p = r->buf + r->start, *end = r->buf + r->len;

  while (p < end)
    {
      const char *newline;

      if (r->segment_end > 0 && r->offset + (goffset) (p - r->buf) >= r->segment_end)
        {
          r->stopped = TRUE;
          break;
        }
      newline = memchr (p, '\n', end - p);
      if (newline == NULL && !final)
        break;
      if (newline == NULL)
        newline = end;
      if (r->skip_line)
        r->skip_line = FALSE;
      else
        handle_line (r, p, newline - p);
      r->line_no++;
      p = newline < end ? newline + 1 : end;
    }

  r->start = p - r->buf;
}

static void
process_buffer (Reader   *r,
                gboolean  final)
{
  switch (r->mode)
    {
    case MODE_PICKLE:
      process_frames (r, final);
      break;
    case MODE_JSON_DOCUMENT:
      if (final)
        {
          normalize_text (r, r->buf + r->start, r->len - r->start, r->line_no);
          r->start = r->len;
        }
      break;
    case MODE_JSON_LINES:
    case MODE_TEXT:
    case MODE_LINES:
    default:
      process_lines (r, final);
      break;
    }
}

/* A buffer full of one unit: room is made for a longer one, up to a limit
 * past which a line is read cut short and the rest of it skipped. */
static void
handle_full_buffer (Reader *r)
{
  gsize limit = r->mode == MODE_JSON_DOCUMENT ? MAX_DOCUMENT
                : r->mode == MODE_PICKLE ? MAX_FRAME + 4 : MAX_LINE;

  if (r->buf_size < limit)
    {
      r->buf_size = MIN (r->buf_size * 2, limit);
      r->buf = g_realloc (r->buf, r->buf_size);
      return;
    }

  if (r->mode == MODE_JSON_DOCUMENT)
    {
      add_bad (r, r->buf, MAX_BAD_TEXT, 0, _("The JSON document is too big to read"));
      r->stopped = TRUE;
    }
  else
    {
      add_bad (r, r->buf, MAX_BAD_TEXT, r->line_no, _("The line is too long to read"));
      r->skip_line = TRUE;
      r->line_no++;
    }
  r->start = r->len;
}

static gboolean
on_ready (GObject  *stream,
          gpointer  user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
on_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Waits for a pollable stream to be readable, cancellation, or @timeout_ms
 * (-1: no limit; with no stream, only the time and cancellation). */
static gboolean
wait_for (Reader *r,
          int     timeout_ms,
          gboolean pollable)
{
  g_autoptr(GSource) ready_source = NULL;
  g_autoptr(GSource) timeout_source = NULL;
  gboolean ready = FALSE, timed_out = FALSE;

  if (pollable)
    ready_source = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (r->stream),
                                                          r->cancellable);
  else
    ready_source = g_cancellable_source_new (r->cancellable);
  g_source_set_callback (ready_source, G_SOURCE_FUNC (on_ready), &ready, NULL);
  g_source_attach (ready_source, r->context);
  if (timeout_ms >= 0)
    {
      timeout_source = g_timeout_source_new (timeout_ms);
      g_source_set_callback (timeout_source, on_timeout, &timed_out, NULL);
      g_source_attach (timeout_source, r->context);
    }

  while (!ready && !timed_out)
    g_main_context_iteration (r->context, TRUE);

  g_source_destroy (ready_source);
  if (timeout_source != NULL)
    g_source_destroy (timeout_source);
  return ready;
}

static gboolean
is_pollable (GInputStream *stream)
{
  return G_IS_POLLABLE_INPUT_STREAM (stream)
         && g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (stream));
}

/* Reads what there is into the buffer; returns FALSE on error. A pollable
 * stream (a pipe) is waited on for at most @timeout_ms, after which nothing
 * may have been read. */
static gboolean
reader_read (Reader   *r,
             int       timeout_ms,
             gboolean *timed_out,
             GError  **error)
{
  gssize n;

  *timed_out = FALSE;
  if (r->start > 0)
    {
      memmove (r->buf, r->buf + r->start, r->len - r->start);
      r->len -= r->start;
      r->offset += r->start;
      r->start = 0;
    }
  if (r->len == r->buf_size)
    handle_full_buffer (r);
  if (r->start > 0)
    return TRUE;

  if (!is_pollable (r->stream))
    n = g_input_stream_read (r->stream, r->buf + r->len, r->buf_size - r->len, r->cancellable,
                             error);
  else
    for (;;)
      {
        g_autoptr(GError) local_error = NULL;

        n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (r->stream),
                                                      r->buf + r->len, r->buf_size - r->len,
                                                      r->cancellable, &local_error);
        if (n >= 0 || !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
          {
            if (n < 0)
              g_propagate_error (error, g_steal_pointer (&local_error));
            break;
          }
        if (!wait_for (r, timeout_ms, TRUE))
          return (*timed_out = TRUE);
      }

  if (n < 0)
    return FALSE;
  r->eof = n == 0;
  r->len += n;
  r->read_time = g_get_real_time ();
  /* A segment reads a byte before its start, and on past its end to finish
   * its last line: only its own bytes count. */
  if (r->segment_end > 0)
    {
      goffset from = MAX (r->offset + (goffset) r->len - n, r->segment_start);
      goffset to = MIN (r->offset + (goffset) r->len, r->segment_end);

      n = MAX (to - from, 0);
    }
  __atomic_add_fetch (&r->import->bytes_read, n, __ATOMIC_RELAXED);
  return TRUE;
}

/* Detection
 * --------- */

static gboolean
looks_like_pickle (const char *p,
                   gsize       n)
{
  guint32 length;
  guchar first;

  if (n < 6)
    return FALSE;
  length = frame_length (p);
  first = (guchar) p[4];
  /* pickle.dumps(d, 1) starts with EMPTY_DICT, newer protocols with PROTO. */
  if (length < 2 || length > MAX_FRAME || (first != 0x80 && first != '}' && first != '('))
    return FALSE;

  return n < 4 + (gsize) length || p[4 + length - 1] == '.';
}

/* No NUL and valid UTF-8, but for a character cut at the end of what was read. */
static gboolean
is_text (const char *p,
         gsize       n,
         gboolean    complete)
{
  const char *valid_end;
  gsize rest;

  if (memchr (p, '\0', n) != NULL)
    return FALSE;
  if (g_utf8_validate_len (p, n, &valid_end))
    return TRUE;

  rest = n - (valid_end - p);
  return !complete && rest < 4 && g_utf8_get_char_validated (valid_end, rest) == (gunichar) -2;
}

/* How much literal text other than spaces a layout asks for. */
static guint
literal_weight (const Layout *layout)
{
  guint weight = 0;

  for (guint i = 0; i < layout->n_fields; i++)
    for (gsize j = 0; j < layout->fields[i].literal_len; j++)
      weight += layout->fields[i].literal[j] != ' ';
  for (gsize j = 0; j < layout->tail_len; j++)
    weight += layout->tail[j] != ' ';

  return weight;
}

/* The layout that reads the most of the first lines as records; of two that
 * read as many, the one that asks for more literal text. */
static Layout *
detect_layout (Reader *r)
{
  const char *p = r->buf + r->start, *end = r->buf + r->len;
  g_autoptr(GArray) lines = g_array_new (FALSE, FALSE, sizeof (Span));
  guint best = G_N_ELEMENTS (layouts), best_count = 0, best_weight = 0;

  while (p < end && lines->len < DETECT_LINES)
    {
      const char *newline = memchr (p, '\n', end - p);
      Span line = { p, (newline != NULL ? newline : end) - p };

      if (newline == NULL && !r->eof)
        break;
      if (line.len > 0 && line.text[line.len - 1] == '\r')
        line.len--;
      if (!is_blank (line.text, line.len))
        g_array_append_val (lines, line);
      p = newline != NULL ? newline + 1 : end;
    }

  for (guint i = 0; i < G_N_ELEMENTS (layouts); i++)
    {
      g_autoptr(Layout) layout = layout_new (layouts[i], NULL);
      gboolean first = FALSE;
      guint count = 0;

      for (guint j = 0; j < lines->len; j++)
        {
          const Span *line = &g_array_index (lines, Span, j);
          gboolean matched = match_line (layout, line->text, line->len, &r->match);

          first |= j == 0 && matched;
          count += matched;
        }
      /* A log starts with a record, but a pipe may start with a program's
       * own output. */
      if ((first || count * 2 > lines->len)
          && (count > best_count || (count == best_count && count > 0
                                     && literal_weight (layout) > best_weight)))
        best = i, best_count = count, best_weight = literal_weight (layout);
    }

  return best_count > 0 ? layout_new (layouts[best], NULL) : NULL;
}

static gboolean
detect_text (Reader  *r,
             GError **error)
{
  LdImport *import = r->import;

  if (import->log_format != NULL)
    r->layout = layout_new (import->log_format, error);
  else
    r->layout = detect_layout (r);
  if (import->log_format != NULL && r->layout == NULL)
    return FALSE;

  r->mode = r->layout != NULL ? MODE_TEXT : MODE_LINES;
  import->layout = r->layout != NULL ? g_strdup (r->layout->text) : NULL;
  return TRUE;
}

/* "{", or "[" and then "{" or "]": not "[2024-05-01 12:30:00] INFO ..." */
static gboolean
looks_like_json (const char *p,
                 gsize       n)
{
  gsize i = 1;

  if (n == 0 || (*p != '{' && *p != '['))
    return FALSE;
  if (*p == '{')
    return TRUE;
  while (i < n && g_ascii_isspace (p[i]))
    i++;

  return i == n || p[i] == '{' || p[i] == ']';
}

/* A JSON array, or a pretty-printed object, rather than JSON Lines: read
 * whole by the normaliser. */
static gboolean
is_json_document (Reader *r)
{
  const char *p = r->buf + r->start, *end = r->buf + r->len;
  const char *newline;
  g_autoptr(GError) error = NULL;
  gsize offset = 0;

  while (p < end && g_ascii_isspace (*p))
    p++;
  if (p < end && *p == '[')
    return TRUE;

  newline = memchr (p, '\n', end - p);
  if (newline == NULL)
    return FALSE;
  return ld_json_parser_parse (r->parser, p, newline - p, &offset, &error) == NULL
         && g_error_matches (error, LD_JSON_ERROR, LD_JSON_ERROR_TRUNCATED);
}

/* The format when none was given: the first frame of a capture, or JSON, or
 * other text. */
static LdImportFormat
detect_format (Reader *r)
{
  const char *p = r->buf + r->start;
  gsize n = r->len - r->start, first = 0;

  if (looks_like_pickle (p, n))
    return LD_IMPORT_FORMAT_PICKLE;
  if (n >= 3 && memcmp (p, "\357\273\277", 3) == 0)
    first = 3;
  while (first < n && g_ascii_isspace (p[first]))
    first++;

  return looks_like_json (p + first, n - first) ? LD_IMPORT_FORMAT_JSON : LD_IMPORT_FORMAT_TEXT;
}

/* Decides how to read, from the first 64 KiB (or the first line of a stream). */
static gboolean
detect (Reader  *r,
        GError **error)
{
  LdImport *import = r->import;
  LdImportFormat format = import->format != LD_IMPORT_FORMAT_AUTO ? import->format
                          : detect_format (r);

  if (format != LD_IMPORT_FORMAT_PICKLE && !is_text (r->buf + r->start, r->len - r->start, r->eof))
    {
      g_set_error (error, LD_IMPORT_ERROR, LD_IMPORT_ERROR_BINARY,
                   _("“%s” is not a log that Logdeck can read: it holds binary data. Logdeck "
                     "opens JSON Lines, Python logging text and SocketHandler captures."),
                   import->peer != NULL ? import->peer : import->name);
      return FALSE;
    }
  if (format != LD_IMPORT_FORMAT_PICKLE && r->len - r->start >= 3
      && memcmp (r->buf + r->start, "\357\273\277", 3) == 0)
    r->start += 3;

  switch (format)
    {
    case LD_IMPORT_FORMAT_PICKLE:
      r->mode = MODE_PICKLE;
      break;
    case LD_IMPORT_FORMAT_JSON:
      r->mode = is_json_document (r) ? MODE_JSON_DOCUMENT : MODE_JSON_LINES;
      break;
    case LD_IMPORT_FORMAT_LINES:
      r->mode = MODE_LINES;
      break;
    case LD_IMPORT_FORMAT_TEXT:
    case LD_IMPORT_FORMAT_AUTO:
    default:
      if (!detect_text (r, error))
        return FALSE;
      format = r->mode == MODE_TEXT ? LD_IMPORT_FORMAT_TEXT : LD_IMPORT_FORMAT_LINES;
      break;
    }

  g_atomic_int_set ((int *) &import->detected, format);
  return TRUE;
}

/* Opening and following
 * --------------------- */

static gboolean
fail_open (LdImport *import,
           GError   *cause,
           GError  **error)
{
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_propagate_error (error, cause);
  else
    {
      g_set_error (error, cause->domain, cause->code, _("Could not read “%s”: %s"),
                   import->peer != NULL ? import->peer : import->name, cause->message);
      g_error_free (cause);
    }

  return FALSE;
}

static void
store_size (Reader *r)
{
  g_autoptr(GFileInfo) info = NULL;
  guint64 size = 0;

  if (G_IS_FILE_INPUT_STREAM (r->stream))
    info = g_file_input_stream_query_info (G_FILE_INPUT_STREAM (r->stream),
                                           G_FILE_ATTRIBUTE_STANDARD_SIZE, r->cancellable, NULL);
  if (info != NULL)
    size = g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_STANDARD_SIZE);
  __atomic_store_n (&r->import->size, size, __ATOMIC_RELAXED);
}

static gboolean
reader_open (Reader  *r,
             GError **error)
{
  LdImport *import = r->import;
  GError *local_error = NULL;

  if (import->file == NULL)
    {
      r->stream = g_object_ref (import->stream);
      return TRUE;
    }

  r->stream = G_INPUT_STREAM (g_file_read (import->file, r->cancellable, &local_error));
  if (r->stream == NULL)
    return fail_open (import, local_error, error);
  store_size (r);
  return TRUE;
}

/* A gzip file (a rotated log) is read again through a decompressor. */
static gboolean
maybe_gunzip (Reader  *r,
              GError **error)
{
  g_autoptr(GConverter) decompressor = NULL;
  GInputStream *converted;

  if (r->gunzipped || r->len < 2 || (guchar) r->buf[0] != 0x1f || (guchar) r->buf[1] != 0x8b
      || !G_IS_SEEKABLE (r->stream) || !g_seekable_can_seek (G_SEEKABLE (r->stream)))
    return TRUE;
  if (!g_seekable_seek (G_SEEKABLE (r->stream), 0, G_SEEK_SET, r->cancellable, error))
    return FALSE;

  decompressor = G_CONVERTER (g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP));
  converted = g_converter_input_stream_new (r->stream, decompressor);
  g_object_unref (r->stream);
  r->stream = converted;
  r->gunzipped = TRUE;
  r->len = r->start = 0;
  __atomic_store_n (&r->import->bytes_read, 0, __ATOMIC_RELAXED);
  __atomic_store_n (&r->import->size, 0, __ATOMIC_RELAXED);
  return TRUE;
}

/* Reads enough to tell the format: 64 KiB, a whole line of a stream, or all. */
static gboolean
read_start (Reader  *r,
            GError **error)
{
  gboolean timed_out;

  while (!r->eof && r->len < SNIFF_SIZE)
    {
      if (!reader_read (r, -1, &timed_out, error) || !maybe_gunzip (r, error))
        return FALSE;
      if (r->import->file == NULL && memchr (r->buf, '\n', r->len) != NULL)
        break;
    }

  return TRUE;
}

static guint64
info_inode (GFileInfo *info)
{
  return info != NULL ? g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_UNIX_INODE) : 0;
}

/* After a pause at the end of a followed file: a file now at its name (it was
 * rotated) is opened, and a file shorter than what was read (it was
 * truncated) is read again from the start. */
static gboolean
check_followed_file (Reader  *r,
                     GError **error)
{
  const char *attributes = G_FILE_ATTRIBUTE_UNIX_INODE "," G_FILE_ATTRIBUTE_STANDARD_SIZE;
  g_autoptr(GFileInfo) named = g_file_query_info (r->import->file, attributes,
                                                  G_FILE_QUERY_INFO_NONE, r->cancellable, NULL);
  g_autoptr(GFileInfo) open = NULL;
  GError *local_error = NULL;

  if (named == NULL || r->gunzipped)
    return TRUE;
  open = g_file_input_stream_query_info (G_FILE_INPUT_STREAM (r->stream), attributes,
                                         r->cancellable, NULL);

  if (info_inode (named) != info_inode (open))
    {
      GInputStream *stream = G_INPUT_STREAM (g_file_read (r->import->file, r->cancellable,
                                                          &local_error));

      if (stream == NULL)
        return fail_open (r->import, local_error, error);
      process_buffer (r, TRUE);
      pending_emit (r);
      g_object_unref (r->stream);
      r->stream = stream;
    }
  else if (g_file_info_get_size (named) >= r->offset + (goffset) r->len)
    return TRUE;
  else if (!g_seekable_seek (G_SEEKABLE (r->stream), 0, G_SEEK_SET, r->cancellable, error))
    return FALSE;

  r->offset = r->start = r->len = 0;
  store_size (r);
  return TRUE;
}

static gboolean
follow_wait (Reader  *r,
             GError **error)
{
  pending_emit (r);
  deliver (r);
  if (wait_for (r, FOLLOW_INTERVAL_MS, FALSE))
    {
      g_cancellable_set_error_if_cancelled (r->cancellable, error);
      return FALSE;
    }

  r->eof = FALSE;
  return check_followed_file (r, error);
}

static gboolean
read_all (Reader  *r,
          GError **error)
{
  gboolean following = r->import->follow && r->import->file != NULL;
  gboolean live = is_pollable (r->stream);

  for (;;)
    {
      gboolean timed_out;

      process_buffer (r, FALSE);
      deliver (r);
      if (r->stopped || (r->eof && !following))
        break;
      if (r->eof && !follow_wait (r, error))
        return FALSE;
      if (!reader_read (r, live && r->pending.active ? PENDING_TIMEOUT_MS : -1, &timed_out,
                        error))
        return FALSE;
      if (timed_out)
        pending_emit (r);
    }

  process_buffer (r, TRUE);
  pending_emit (r);
  deliver (r);
  return TRUE;
}

/* Reading a big file in parallel
 * ------------------------------
 *
 * JSON Lines are read by several threads at once, each a segment of the file
 * from a line start: decoding, not reading, is what takes the time, and no
 * line depends on another. The first segment is handed on as it is read;
 * each later one is kept until the ones before it are handed on, so that the
 * records arrive in file order. */

#define PARALLEL_MIN_SIZE (32 * 1024 * 1024)
#define MAX_SEGMENTS 4

typedef struct
{
  LdImport     *import;
  GCancellable *cancellable;
  goffset       start;
  goffset       end;
  GPtrArray    *held;
  guint64       n_lines;
  GError       *error;
  GThread      *thread;
} Segment;

static gpointer
read_segment (gpointer data)
{
  Segment *segment = data;
  Reader r;

  reader_init (&r, segment->import, segment->cancellable);
  r.mode = MODE_JSON_LINES;
  r.held = segment->held;
  r.segment_start = segment->start;
  r.segment_end = segment->end;
  /* Reading starts a byte early, in the line before: it ends the segment before. */
  r.skip_line = TRUE;
  r.line_no = 0;
  if (reader_open (&r, &segment->error)
      && g_seekable_seek (G_SEEKABLE (r.stream), segment->start - 1, G_SEEK_SET,
                          segment->cancellable, &segment->error))
    {
      r.offset = segment->start - 1;
      read_all (&r, &segment->error);
    }

  segment->n_lines = r.line_no > 0 ? r.line_no - 1 : 0;
  reader_clear (&r);
  return NULL;
}

static guint
start_segments (Reader  *r,
                Segment *segments)
{
  LdImport *import = r->import;
  goffset size = (goffset) ld_import_get_size (import);
  guint n = MIN (g_get_num_processors (), MAX_SEGMENTS);

  if (r->mode != MODE_JSON_LINES || import->file == NULL || import->follow || r->gunzipped
      || size < PARALLEL_MIN_SIZE || n < 2)
    return 1;

  r->segment_end = size / n;
  for (guint k = 1; k < n; k++)
    {
      Segment *segment = &segments[k];

      segment->import = import;
      segment->cancellable = r->cancellable;
      segment->start = size * k / n;
      segment->end = k + 1 < n ? size * (k + 1) / n : G_MAXINT64;
      segment->held = g_ptr_array_new_with_free_func (held_free);
      segment->thread = g_thread_new ("logdeck-import", read_segment, segment);
    }

  return n;
}

static void
deliver_held (Reader  *r,
              Segment *segment,
              guint64  first_line)
{
  for (guint i = 0; i < segment->held->len; i++)
    {
      Held *held = segment->held->pdata[i];

      if (held->batch != NULL)
        hand_on (r->import, g_steal_pointer (&held->batch));
      else
        {
          add_bad_record (r, held->raw, held->raw_len, first_line + held->line_no,
                          held->time_us, held->why);
          deliver (r);
        }
    }
}

/* Waits for the later segments and hands them on in order. */
static gboolean
finish_segments (Reader   *r,
                 Segment  *segments,
                 guint     n,
                 gboolean  ok,
                 GError  **error)
{
  guint64 lines_before = r->line_no - 1;

  for (guint k = 1; k < n; k++)
    {
      Segment *segment = &segments[k];

      g_thread_join (segment->thread);
      if (ok && segment->error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&segment->error));
          ok = FALSE;
        }
      if (ok)
        deliver_held (r, segment, lines_before);
      lines_before += segment->n_lines;
      g_clear_error (&segment->error);
      g_ptr_array_unref (segment->held);
    }

  return ok;
}

/**
 * ld_import_run:
 * @self: an import
 * @cancellable: (nullable): to stop
 * @error: why the input could not be read: %LD_IMPORT_ERROR_BINARY, an
 *   error of GIO's, or %G_IO_ERROR_CANCELLED
 *
 * Reads the whole input in the calling thread (which it blocks), handing the
 * records on as it goes; a followed file or a stream is read until it ends
 * or @cancellable is cancelled. Records handed on before an error stay
 * handed on.
 *
 * Returns: %TRUE if the input was read to its end
 */
gboolean
ld_import_run (LdImport      *self,
               GCancellable  *cancellable,
               GError       **error)
{
  Segment segments[MAX_SEGMENTS] = { { 0 } };
  Reader r;
  gboolean ok;
  guint n;

  g_return_val_if_fail (LD_IS_IMPORT (self), FALSE);

  reader_init (&r, self, cancellable);
  ok = reader_open (&r, error) && read_start (&r, error) && detect (&r, error);
  if (ok)
    {
      n = start_segments (&r, segments);
      ok = read_all (&r, error);
      ok = finish_segments (&r, segments, n, ok, error);
    }
  reader_clear (&r);

  return ok;
}

static gpointer
import_thread (gpointer data)
{
  g_autoptr(GTask) task = data;
  LdImport *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (ld_import_run (self, g_task_get_cancellable (task), &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);

  return NULL;
}

/**
 * ld_import_run_async:
 * @self: an import
 * @cancellable: (nullable): to stop
 * @callback: called on the thread-default main context when reading ends
 * @user_data: for @callback
 *
 * Runs ld_import_run() on a thread of its own (a stream or a followed file
 * may be read for as long as the program runs, which would hold a thread of
 * the shared pool). The getters give the progress meanwhile.
 */
void
ld_import_run_async (LdImport            *self,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (LD_IS_IMPORT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ld_import_run_async);
  g_task_set_name (task, "[logdeck] import");
  g_thread_unref (g_thread_new ("logdeck-import", import_thread, task));
}

gboolean
ld_import_run_finish (LdImport      *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Several files merged
 * -------------------- */

static void
copy_record (LdBatch       *dest,
             const LdBatch *src,
             guint          index)
{
  const char *text;
  LdRecord record = *ld_batch_get_record (src, index, &text);
  LdRecordFields fields = { 0 };
  g_autofree char *exception = NULL, *stack = NULL;
  LdExtraIter iter;
  guint32 key;
  LdValueType type;
  const char *value;
  gsize len;

  record.text = text;
  fields.message = ld_record_get_message (&record, &len);
  fields.message_len = len;
  if (len == 0)
    fields.message = "";
  exception = g_strndup (ld_record_get_exception (&record, &len), len);
  stack = g_strndup (ld_record_get_stack (&record, &len), len);
  fields.time_us = record.time_us;
  fields.level = record.level;
  fields.level_name = ld_intern_lookup (record.level_name);
  fields.logger = ld_intern_lookup (record.logger);
  fields.exception = exception;
  fields.stack = stack;
  fields.thread = ld_intern_lookup (record.thread);
  fields.thread_id = record.thread_id;
  fields.process_name = ld_intern_lookup (record.process_name);
  fields.process = record.process;
  fields.task = ld_intern_lookup (record.task);
  fields.file = ld_intern_lookup (record.file);
  fields.line = record.line;
  fields.function = ld_intern_lookup (record.function);
  fields.connection = ld_intern_lookup (record.connection);
  fields.peer = ld_intern_lookup (record.peer);
  fields.protocol = ld_intern_lookup (record.protocol);
  ld_batch_add (dest, &fields);

  ld_extra_iter_init (&iter, &record);
  while (ld_extra_iter_next (&iter, &key, &type, &value, &len))
    ld_batch_add_extra (dest, ld_intern_lookup (key), -1, type, value, len);
}

/**
 * ld_import_merge_by_time:
 * @batches: (array length=n_batches): the records of several inputs, one
 *   batch each, each in its own order
 * @n_batches: how many
 *
 * Merges the batches by time, as a merge sort's last step: the order within
 * each batch is kept (a log whose clock went back stays as written), and of
 * records of the same time the one of the earlier batch comes first.
 *
 * Returns: (transfer full): a new batch with every record
 */
LdBatch *
ld_import_merge_by_time (LdBatch *const *batches,
                         guint           n_batches)
{
  LdBatch *merged = ld_batch_new ();
  g_autofree guint *next = g_new0 (guint, n_batches);

  for (;;)
    {
      guint best = G_MAXUINT;
      gint64 best_time = 0;

      for (guint i = 0; i < n_batches; i++)
        {
          const char *text;
          gint64 time_us;

          if (next[i] >= ld_batch_get_length (batches[i]))
            continue;
          time_us = ld_batch_get_record (batches[i], next[i], &text)->time_us;
          if (best == G_MAXUINT || time_us < best_time)
            best = i, best_time = time_us;
        }
      if (best == G_MAXUINT)
        return merged;

      copy_record (merged, batches[best], next[best]++);
    }
}
