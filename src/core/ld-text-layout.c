// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <string.h>

#include "ld-log-format.h"
#include "ld-level.h"
#include "ld-text-layout.h"
#include "ld-text-stamp.h"

#define DETECT_LINES 100

/* The text-log decoder: layouts (parsed from a logging format string, or
 * detected from the first lines of a log), reading a line by a layout, the
 * time stamps that asctime gives in the common datefmts, and the record a
 * log is in the middle of, which continuation lines add to. The import
 * reads text logs through here; nothing here knows about files. */

/* Text layouts
 * ============
 *
 * A layout is a logging format string; a line starts a record when it can be
 * read by it. Literal spaces match any run of spaces, so that padded fields
 * ("%(levelname)-8s") read as well; asctime is read in the shapes the common
 * datefmts give (ld_text_stamp_parse()). The candidates for detection, the
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

struct _LdTextLayout
{
  LdLogFormat *format;    /* owns the text of names and literals */
  char        *text;
  LayoutField *fields;
  guint        n_fields;
  const char  *tail;
  gsize        tail_len;
};

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

void
ld_text_layout_free (LdTextLayout *layout)
{
  if (layout == NULL)
    return;

  ld_log_format_free (layout->format);
  g_free (layout->text);
  g_free (layout->fields);
  g_free (layout);
}

/* The logging format string the layout was made from. */
const char *
ld_text_layout_get_format (const LdTextLayout *layout)
{
  return layout->text;
}

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

/**
 * ld_text_layout_new:
 * @text: a logging format string, "%" or "{" style. Whatever datefmt was
 *   used, asctime is read in the common shapes (ld_text_stamp_parse()).
 * @error: why @text cannot be read by
 *
 * Returns: (transfer full) (nullable): the layout
 */
LdTextLayout *
ld_text_layout_new (const char  *text,
                    GError     **error)
{
  g_autoptr(LdTextLayout) layout = NULL;
  int width;

  g_return_val_if_fail (text != NULL, NULL);

  layout = g_new0 (LdTextLayout, 1);
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
  LdTextStamp stamp;
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

/* The state of reading one text: the record it is in the middle of, and the
 * time zone, whose offset is looked up once per hour of the log. */
struct _LdTextReader
{
  LdTextLayout     *layout;
  LdRecordOrigin    origin;
  gint64            now;
  gint64            last_time;
  GTimeZone        *tz;
  gint64            tz_hour;
  int               tz_offset;
  int               today[3];    /* year, month, day where reading began */
  Pending           pending;
  Match             match;
};

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
 * time without a date is of the day reading began, one without a year of
 * that year. */
static gint64
stamp_to_us (LdTextReader      *r,
             const LdTextStamp *s)
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
      return (m->has_stamp = ld_text_stamp_parse (p, end, field->before_msecs, &m->stamp));
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
match_line (const LdTextLayout *layout,
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
match_time (LdTextReader *r,
            const Match  *m)
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
pending_start (LdTextReader *r,
               const Match  *m)
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
pending_emit (LdTextReader *r,
              LdBatch      *batch)
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
  fields.connection = r->origin.connection;
  fields.peer = r->origin.peer;
  fields.protocol = r->origin.protocol;
  ld_batch_add (batch, &fields);

  /* A module that the path does not give is kept, as ld-pyrecord does. */
  if (module != NULL && fields.file == NULL)
    ld_batch_add_extra (batch, "module", -1, LD_VALUE_STRING, module, -1);
  for (guint i = 0; i + 1 < pending->extras->len; i += 2)
    ld_batch_add_extra (batch,
                        pending->strings->str + g_array_index (pending->extras, gsize, i), -1,
                        LD_VALUE_STRING,
                        pending->strings->str + g_array_index (pending->extras, gsize, i + 1), -1);

  r->last_time = pending->time_us;
  pending->active = FALSE;
}

/**
 * ld_text_reader_new:
 * @layout: (transfer full): the layout of the text
 * @origin: the connection, peer and protocol of every record (the strings
 *   must outlive the reader), and the time of a record that has none and
 *   follows none (0: now)
 * @utc: whether times without an offset are UTC rather than local time
 *   (logging's default converter is time.localtime)
 *
 * Returns: (transfer full): a reader of text in @layout
 */
LdTextReader *
ld_text_reader_new (LdTextLayout         *layout,
                    const LdRecordOrigin *origin,
                    gboolean              utc)
{
  LdTextReader *self;
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GDateTime) local = NULL;

  g_return_val_if_fail (layout != NULL, NULL);
  g_return_val_if_fail (origin != NULL, NULL);

  self = g_new0 (LdTextReader, 1);
  self->layout = layout;
  self->origin = *origin;
  self->now = origin->received_us != 0 ? origin->received_us : g_get_real_time ();
  self->tz = utc ? g_time_zone_new_utc () : g_time_zone_new_identifier (NULL);
  if (self->tz == NULL)
    self->tz = g_time_zone_new_utc ();
  self->tz_hour = G_MININT64;
  now = g_date_time_new_from_unix_utc (self->now / G_USEC_PER_SEC);
  local = g_date_time_to_timezone (now, self->tz);
  g_date_time_get_ymd (local, &self->today[0], &self->today[1], &self->today[2]);
  self->match.extras = g_array_new (FALSE, FALSE, sizeof (Span));
  pending_init (&self->pending);

  return self;
}

void
ld_text_reader_free (LdTextReader *self)
{
  if (self == NULL)
    return;

  ld_text_layout_free (self->layout);
  g_time_zone_unref (self->tz);
  g_array_unref (self->match.extras);
  pending_clear (&self->pending);
  g_free (self);
}

/**
 * ld_text_reader_add_line:
 * @batch: where a record that ends here goes
 * @line: a line, without its line end
 *
 * Reads a line: one that starts a record hands the record before on to
 * @batch (a record ends only where the next one starts, or at
 * ld_text_reader_flush()), any other continues that record.
 *
 * Returns: %FALSE if @line neither starts nor continues a record (an empty
 *   line before the first record is skipped)
 */
gboolean
ld_text_reader_add_line (LdTextReader *self,
                         LdBatch      *batch,
                         const char   *line,
                         gsize         length)
{
  if (match_line (self->layout, line, length, &self->match))
    {
      pending_emit (self, batch);
      pending_start (self, &self->match);
    }
  else if (self->pending.active)
    pending_continue (&self->pending, line, length);
  else if (length > 0)
    return FALSE;

  return TRUE;
}

/**
 * ld_text_reader_add_text:
 * @text: whole lines, the last one with or without its line end
 *
 * Reads every line of @text as ld_text_reader_add_line() does (a CR before
 * an LF is not part of the line); the last record stays pending.
 *
 * Returns: how many lines neither started nor continued a record
 */
guint
ld_text_reader_add_text (LdTextReader *self,
                         LdBatch      *batch,
                         const char   *text,
                         gsize         length)
{
  const char *p = text, *end = text + length;
  guint n_bad = 0;

  while (p < end)
    {
      const char *newline = memchr (p, '\n', end - p);
      gsize len = (newline != NULL ? newline : end) - p;

      if (len > 0 && p[len - 1] == '\r')
        len--;
      n_bad += !ld_text_reader_add_line (self, batch, p, len);
      p = newline != NULL ? newline + 1 : end;
    }

  return n_bad;
}

/* Whether a record is being read, which more lines may continue. */
gboolean
ld_text_reader_has_pending (LdTextReader *self)
{
  return self->pending.active;
}

/* Hands the record being read on: the input ended, or paused for long enough
 * that it is not likely to go on. */
void
ld_text_reader_flush (LdTextReader *self,
                      LdBatch      *batch)
{
  pending_emit (self, batch);
}

/* The time of the latest record handed on, 0 before the first. */
gint64
ld_text_reader_get_last_time (LdTextReader *self)
{
  return self->last_time;
}

/* Text without a layout
 * --------------------- */

/* Whether @text is only whitespace. */
gboolean
ld_text_is_blank (const char *text,
                  gsize       length)
{
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isspace (text[i]))
      return FALSE;

  return TRUE;
}

/**
 * ld_text_add_plain_line:
 * @line: a line of text without a known layout, without its line end
 * @time_us: its time, such as when it was read
 * @origin: the connection, peer and protocol of the record
 *
 * Adds a record of the whole line, at the level a word in its first 120
 * bytes names ("ERROR", "WARN", ...), or INFO.
 *
 * Returns: %FALSE if the line is blank, and no record was added
 */
gboolean
ld_text_add_plain_line (LdBatch              *batch,
                        const char           *line,
                        gsize                 length,
                        gint64                time_us,
                        const LdRecordOrigin *origin)
{
  static const char * const words[] = {
    "CRITICAL", "FATAL", "ERROR", "WARNING", "WARN", "NOTICE", "INFO", "DEBUG", "TRACE"
  };
  LdRecordFields fields = { 0 };
  gsize scan = MIN (length, 120);
  char word[16];

  if (ld_text_is_blank (line, length))
    return FALSE;

  fields.time_us = time_us;
  fields.level = LD_LEVEL_INFO;
  for (guint i = 0; i < G_N_ELEMENTS (words) && fields.level_name == NULL; i++)
    {
      gsize word_len = strlen (words[i]);
      const char *at = find_text (line, line + scan, words[i], word_len, FALSE);

      if (at != NULL && at < line + scan && (at == line || !g_ascii_isalnum (at[-1]))
          && (at + word_len == line + length || !g_ascii_isalnum (at[word_len])))
        {
          memcpy (word, words[i], word_len + 1);
          ld_level_parse_name (word, &fields.level);
          fields.level_name = word;
        }
    }
  fields.message = line;
  fields.message_len = length;
  fields.connection = origin->connection;
  fields.peer = origin->peer;
  fields.protocol = origin->protocol;
  ld_batch_add (batch, &fields);
  return TRUE;
}

/* Detection
 * --------- */

/* How much literal text other than spaces a layout asks for. */
static guint
literal_weight (const LdTextLayout *layout)
{
  guint weight = 0;

  for (guint i = 0; i < layout->n_fields; i++)
    for (gsize j = 0; j < layout->fields[i].literal_len; j++)
      weight += layout->fields[i].literal[j] != ' ';
  for (gsize j = 0; j < layout->tail_len; j++)
    weight += layout->tail[j] != ' ';

  return weight;
}

/* The first DETECT_LINES lines of @text that are not blank; the last one
 * only if @complete or it has its line end. */
static GArray *
first_lines (const char *text,
             gsize       length,
             gboolean    complete)
{
  const char *p = text, *end = text + length;
  GArray *lines = g_array_new (FALSE, FALSE, sizeof (Span));

  while (p < end && lines->len < DETECT_LINES)
    {
      const char *newline = memchr (p, '\n', end - p);
      Span line = { p, (newline != NULL ? newline : end) - p };

      if (newline == NULL && !complete)
        break;
      if (line.len > 0 && line.text[line.len - 1] == '\r')
        line.len--;
      if (!ld_text_is_blank (line.text, line.len))
        g_array_append_val (lines, line);
      p = newline != NULL ? newline + 1 : end;
    }

  return lines;
}

/**
 * ld_text_layout_detect:
 * @text: the start of a log
 * @complete: whether @text is the whole log, so that a last line without a
 *   line end is whole
 *
 * Finds the layout among the common Python logging format strings that reads
 * the most of the first lines as records; of two that read as many, the one
 * that asks for more literal text.
 *
 * Returns: (transfer full) (nullable): the layout, or %NULL if none fits
 */
LdTextLayout *
ld_text_layout_detect (const char *text,
                       gsize       length,
                       gboolean    complete)
{
  g_autoptr(GArray) lines = first_lines (text, length, complete);
  g_autoptr(GArray) extras = g_array_new (FALSE, FALSE, sizeof (Span));
  guint best = G_N_ELEMENTS (layouts), best_count = 0, best_weight = 0;
  Match match = { .extras = extras };

  for (guint i = 0; i < G_N_ELEMENTS (layouts); i++)
    {
      g_autoptr(LdTextLayout) layout = ld_text_layout_new (layouts[i], NULL);
      gboolean first = FALSE;
      guint count = 0;

      for (guint j = 0; j < lines->len; j++)
        {
          const Span *line = &g_array_index (lines, Span, j);
          gboolean matched = match_line (layout, line->text, line->len, &match);

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

  return best_count > 0 ? ld_text_layout_new (layouts[best], NULL) : NULL;
}
