// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ld-export-private.h"
#include "ld-jsonl.h"
#include "ld-level.h"

/* The rows of the CSV export, for the record writer of ld-export.c.
 *
 * CSV, RFC 4180: CRLF line ends, a header row, and a cell quoted when it has
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
  COLUMN_HOST,
  COLUMN_SERVICE,
  COLUMN_TRACE_ID,
  COLUMN_SPAN_ID,
  COLUMN_EXTRA,
  N_COLUMNS,
} Column;

static const char * const column_ids[N_COLUMNS + 1] = {
  "time", "level", "levelno", "logger", "message", "thread", "thread_id", "process",
  "process_name", "task", "file", "line", "function", "exception", "stack", "connection",
  "peer", "protocol", "host", "service", "trace_id", "span_id", "extra", NULL
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
escapes_controls (LdExportWriter *writer,
                  const char     *text,
                  gsize           len)
{
  return !writer->keep_control_chars && ld_jsonl_find_escape (text, len, LD_ESCAPE_TEXT) < len;
}

/* A text cell, made harmless as the options ask, then quoted. */
static void
append_csv_cell (LdExportWriter *writer,
                 GString        *out,
                 const char     *text,
                 gsize           len)
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

gboolean
_ld_export_csv_add_columns (LdExportWriter        *writer,
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

void
_ld_export_csv_append_header (LdExportWriter *writer,
                              GString        *out)
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
append_csv_interned (LdExportWriter *writer,
                     GString        *out,
                     guint32         id)
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
append_csv_extra (LdExportWriter *writer,
                  GString        *out,
                  const LdRecord *record,
                  guint32         key)
{
  LdValueType type;
  const char *value;
  gsize len;

  if (!_ld_export_find_extra (record, key, &type, &value, &len) || type == LD_VALUE_NULL)
    return;

  /* A number's text needs no quotes, and is no formula however it starts. */
  if (type == LD_VALUE_NUMBER && ld_jsonl_is_portable_number (value, len))
    g_string_append_len (out, value, len);
  else
    append_csv_cell (writer, out, value, len);
}

/* A trace or span id, an extra field under a reserved key. */
static void
append_csv_reserved (LdExportWriter *writer,
                     GString        *out,
                     const LdRecord *record,
                     const char     *key)
{
  LdValueType type;
  const char *value;
  gsize len;

  if (record->tail_len > 0 && ld_record_get_extra (record, key, &type, &value, &len))
    append_csv_cell (writer, out, value, len);
}

/* Every extra field, as the JSON object of the JSON Lines export. */
static void
append_csv_extra_object (LdExportWriter *writer,
                         GString        *out,
                         const LdRecord *record)
{
  g_string_truncate (writer->scratch, 0);
  if (ld_jsonl_append_extra (writer->scratch, record))
    append_csv_cell (writer, out, writer->scratch->str, writer->scratch->len);
}

static void
append_csv_level (LdExportWriter *writer,
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
append_csv_time (LdExportWriter *writer,
                 GString        *out,
                 gint64          time_us)
{
  /* The JSON string's text, without its quotes. */
  g_string_set_size (writer->cell, 0);
  ld_jsonl_append_time (writer->cell, time_us);
  g_string_append_len (out, writer->cell->str + 1, writer->cell->len - 2);
}

static void
append_csv_column (LdExportWriter *writer,
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
    case COLUMN_HOST: append_csv_interned (writer, out, r->host); break;
    case COLUMN_SERVICE: append_csv_interned (writer, out, r->service); break;
    case COLUMN_TRACE_ID: append_csv_reserved (writer, out, r, LD_RECORD_TRACE_ID); break;
    case COLUMN_SPAN_ID: append_csv_reserved (writer, out, r, LD_RECORD_SPAN_ID); break;
    case COLUMN_EXTRA: append_csv_extra_object (writer, out, r); break;
    default:
      append_csv_extra (writer, out, r,
                        g_array_index (writer->extra_keys, guint32, column - N_COLUMNS));
      break;
    }
}

void
_ld_export_csv_append_row (LdExportWriter *writer,
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
