// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.archive"

/* `logdeck --sql 'SELECT …' [SESSION]`: a question to a session's archive,
 * the newest one unless named, answered as an aligned table, CSV or JSON
 * Lines. The archive is opened read-only, and the statement cannot write
 * (query_only), whatever it says. */

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>

#include "ld-archive-sql.h"
#include "ld-jsonl.h"
#include "ld-session.h"

/* Rows the table format reads before it fixes its column widths; longer
 * values after them stick out rather than being kept in memory. */
#define TABLE_SAMPLE_ROWS 1000

typedef enum
{
  FORMAT_TABLE,
  FORMAT_CSV,
  FORMAT_JSONL,
} Format;

/* The newest archive in the sessions folder: names start with the time. */
static char *
newest_session (GError **error)
{
  g_autofree char *dir_path = ld_session_default_archive_dir ();
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, error);
  g_autofree char *newest = NULL;
  const char *name;

  if (dir == NULL)
    return NULL;

  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".logdeck") && g_strcmp0 (name, newest) > 0)
      {
        g_free (newest);
        newest = g_strdup (name);
      }

  if (newest == NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                   _("No archived session in %s"), dir_path);
      return NULL;
    }

  return g_build_filename (dir_path, newest, NULL);
}

/* Text as SQLite returns it need not be UTF-8 (a blob cast to text, a
 * crafted file): it is made valid before it is measured or written. */
static char *
valid_text (sqlite3_stmt *stmt,
            int           column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);

  if (text == NULL)
    return NULL;
  return g_utf8_make_valid (text, sqlite3_column_bytes (stmt, column));
}

static char *
valid_name (sqlite3_stmt *stmt,
            int           column)
{
  return g_utf8_make_valid (sqlite3_column_name (stmt, column), -1);
}

static void
append_csv (GString    *line,
            const char *text)
{
  if (text == NULL)
    return;
  if (strpbrk (text, ",\"\r\n") == NULL)
    {
      g_string_append (line, text);
      return;
    }

  g_string_append_c (line, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (line, '"');
      g_string_append_c (line, *p);
    }
  g_string_append_c (line, '"');
}

static void
append_json_value (GString      *line,
                   sqlite3_stmt *stmt,
                   int           column)
{
  switch (sqlite3_column_type (stmt, column))
    {
    case SQLITE_NULL:
      g_string_append (line, "null");
      break;
    case SQLITE_INTEGER:
      ld_jsonl_append_int (line, sqlite3_column_int64 (stmt, column));
      break;
    case SQLITE_FLOAT:
      {
        char number[G_ASCII_DTOSTR_BUF_SIZE];
        double value = sqlite3_column_double (stmt, column);

        if (isfinite (value))
          g_string_append (line, g_ascii_dtostr (number, sizeof number, value));
        else
          g_string_append (line, "null");
      }
      break;
    default:
      {
        g_autofree char *text = valid_text (stmt, column);

        ld_jsonl_append_string (line, text, -1);
      }
      break;
    }
}

/* A cell as one line of a terminal: its controls escaped, so a record's
 * text can neither break the table nor drive the terminal. */
static char *
cell_text (sqlite3_stmt *stmt,
           int           column)
{
  g_autofree char *text = valid_text (stmt, column);
  GString *cell = g_string_new (NULL);

  if (text != NULL)
    ld_jsonl_append_escaped (cell, text, -1, LD_ESCAPE_LINE);

  return g_string_free (cell, FALSE);
}

static void
print_table_row (FILE        *out,
                 char *const *cells,
                 const guint *widths,
                 int          n_columns)
{
  g_autoptr(GString) line = g_string_new (NULL);

  for (int i = 0; i < n_columns; i++)
    {
      guint width = g_utf8_strlen (cells[i], -1);

      if (i > 0)
        g_string_append (line, "  ");
      g_string_append (line, cells[i]);
      if (i < n_columns - 1)
        for (guint pad = width; pad < widths[i]; pad++)
          g_string_append_c (line, ' ');
    }
  g_string_append_c (line, '\n');
  fputs (line->str, out);
}

static void
print_table_sample (FILE      *out,
                    GPtrArray *rows,
                    guint     *widths,
                    int        n_columns)
{
  for (guint r = 0; r < rows->len; r++)
    print_table_row (out, rows->pdata[r], widths, n_columns);
  g_ptr_array_set_size (rows, 0);
}

static int
run (sqlite3    *db,
     const char *sql,
     Format      format,
     FILE       *out,
     GError    **error)
{
  sqlite3_stmt *stmt = NULL;
  const char *tail = sql;
  int rc;

  while (tail != NULL && *tail != '\0')
    {
      g_autoptr(GPtrArray) sample = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
      g_autofree guint *widths = NULL;
      g_autoptr(GString) line = g_string_new (NULL);
      gboolean sampling = TRUE;
      int n_columns;

      rc = sqlite3_prepare_v2 (db, tail, -1, &stmt, &tail);
      if (rc != SQLITE_OK)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s", sqlite3_errmsg (db));
          return 1;
        }
      if (stmt == NULL)    /* only a comment or white space was left */
        break;
      if (!sqlite3_stmt_readonly (stmt))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                       _("--sql only reads: “%s” would change something"), sqlite3_sql (stmt));
          sqlite3_finalize (stmt);
          return 1;
        }

      n_columns = sqlite3_column_count (stmt);
      widths = g_new0 (guint, MAX (n_columns, 1));
      if (format == FORMAT_TABLE)
        {
          char **header = g_new0 (char *, n_columns + 1);

          for (int i = 0; i < n_columns; i++)
            {
              g_autofree char *name = valid_name (stmt, i);
              GString *escaped = g_string_new (NULL);

              ld_jsonl_append_escaped (escaped, name, -1, LD_ESCAPE_LINE);
              header[i] = g_string_free (escaped, FALSE);
              widths[i] = g_utf8_strlen (header[i], -1);
            }
          g_ptr_array_add (sample, header);
        }
      else if (format == FORMAT_CSV && n_columns > 0)
        {
          for (int i = 0; i < n_columns; i++)
            {
              g_autofree char *name = valid_name (stmt, i);

              if (i > 0)
                g_string_append_c (line, ',');
              append_csv (line, name);
            }
          g_string_append_c (line, '\n');
          fputs (line->str, out);
        }

      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          g_string_truncate (line, 0);
          switch (format)
            {
            case FORMAT_TABLE:
              {
                char **cells = g_new0 (char *, n_columns + 1);

                for (int i = 0; i < n_columns; i++)
                  cells[i] = cell_text (stmt, i);
                if (sampling)
                  {
                    for (int i = 0; i < n_columns; i++)
                      widths[i] = MAX (widths[i], (guint) g_utf8_strlen (cells[i], -1));
                    g_ptr_array_add (sample, cells);
                    if (sample->len > TABLE_SAMPLE_ROWS)
                      {
                        print_table_sample (out, sample, widths, n_columns);
                        sampling = FALSE;
                      }
                  }
                else
                  {
                    print_table_row (out, cells, widths, n_columns);
                    g_strfreev (cells);
                  }
              }
              break;

            case FORMAT_CSV:
              for (int i = 0; i < n_columns; i++)
                {
                  g_autofree char *text = valid_text (stmt, i);

                  if (i > 0)
                    g_string_append_c (line, ',');
                  append_csv (line, text);
                }
              g_string_append_c (line, '\n');
              fputs (line->str, out);
              break;

            case FORMAT_JSONL:
              g_string_append_c (line, '{');
              for (int i = 0; i < n_columns; i++)
                {
                  g_autofree char *name = valid_name (stmt, i);

                  if (i > 0)
                    g_string_append_c (line, ',');
                  ld_jsonl_append_string (line, name, -1);
                  g_string_append_c (line, ':');
                  append_json_value (line, stmt, i);
                }
              g_string_append (line, "}\n");
              fputs (line->str, out);
              break;
            }
        }
      if (format == FORMAT_TABLE && n_columns > 0)
        print_table_sample (out, sample, widths, n_columns);

      if (rc != SQLITE_DONE)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", sqlite3_errmsg (db));
          sqlite3_finalize (stmt);
          return 1;
        }
      sqlite3_finalize (stmt);
      stmt = NULL;
    }

  return 0;
}

/* What a question may do: read, and read the pragmas that describe the
 * file. Nothing that writes, attaches another file or changes a setting
 * (query_only itself included). */
static int
authorize (gpointer    data,
           int         action,
           const char *arg1,
           const char *arg2,
           const char *database,
           const char *trigger)
{
  static const char *const readable_pragmas[] = {
    "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo",
    "foreign_key_list", "database_list", "function_list", "collation_list", "user_version",
    "application_id", "page_count", "page_size", "freelist_count", "schema_version",
    "integrity_check", "quick_check", "encoding", "compile_options", NULL
  };

  switch (action)
    {
    case SQLITE_SELECT:
    case SQLITE_READ:
    case SQLITE_FUNCTION:
    case SQLITE_RECURSIVE:
      return SQLITE_OK;
    case SQLITE_PRAGMA:
      if (arg1 != NULL && g_strv_contains (readable_pragmas, arg1)
          && (arg2 == NULL || !g_str_equal (arg1, "user_version")))
        return SQLITE_OK;
      return SQLITE_DENY;
    default:
      return SQLITE_DENY;
    }
}

/**
 * ld_archive_sql_main:
 * @argc: the program's
 * @argv: the program's
 *
 * Answers `--sql`, if the command line has it, without starting Logdeck.
 *
 * Returns: the exit status, or -1 when there is no `--sql`
 */
int
ld_archive_sql_main (int    argc,
                     char **argv)
{
  g_autofree char *sql = NULL;
  g_autofree char *format_name = NULL;
  g_auto(GStrv) rest = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) args = NULL;
  GOptionEntry entries[] = {
    { "sql", 0, 0, G_OPTION_ARG_STRING, &sql, NULL, NULL },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_name, NULL, NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL, NULL },
    { NULL }
  };
  Format format = FORMAT_TABLE;
  sqlite3 *db = NULL;
  gboolean asked = FALSE;
  int status, rc;

  for (int i = 1; i < argc && !g_str_equal (argv[i], "--"); i++)
    if (g_str_equal (argv[i], "--sql") || g_str_has_prefix (argv[i], "--sql="))
      asked = TRUE;
  if (!asked)
    return -1;

  /* Only --sql, --format and a session: anything else is a mistake here. */
  context = g_option_context_new (_("--sql QUERY [SESSION]"));
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_help_enabled (context, FALSE);
  args = g_new0 (char *, argc + 1);
  for (int i = 0; i < argc; i++)
    args[i] = g_strdup (argv[i]);
  if (!g_option_context_parse_strv (context, &args, &error))
    {
      g_printerr (_("With --sql: %s\n"), error->message);
      return 1;
    }

  if (format_name == NULL || g_str_equal (format_name, "table"))
    format = FORMAT_TABLE;
  else if (g_str_equal (format_name, "csv"))
    format = FORMAT_CSV;
  else if (g_str_equal (format_name, "jsonl"))
    format = FORMAT_JSONL;
  else
    {
      g_printerr (_("With --sql, --format must be table, csv or jsonl\n"));
      return 1;
    }
  if (rest != NULL && g_strv_length (rest) > 1)
    {
      g_printerr (_("--sql reads one session\n"));
      return 1;
    }

  path = rest != NULL && rest[0] != NULL ? g_strdup (rest[0]) : newest_session (&error);
  if (path == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec (db, "PRAGMA query_only = 1", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      g_printerr (_("Cannot open %s: %s\n"), path,
                  db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
      sqlite3_close (db);
      return 1;
    }

  sqlite3_set_authorizer (db, authorize, NULL);
  status = run (db, sql, format, stdout, &error);
  if (status != 0)
    g_printerr ("%s: %s\n", path, error->message);
  fflush (stdout);
  sqlite3_close (db);

  return status;
}
