// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "export-records.h"
#include "ld-export.h"
#include "ld-handoff.h"
#include "ld-import.h"
#include "ld-jsonl.h"

/* Opening each kind of input: Logdeck's JSON Lines (the round trip), other
 * JSON, text logs that CPython's logging wrote with the common format
 * strings, SocketHandler captures that CPython made, a live pipe, a followed
 * file; and binary and bad input. */

typedef struct
{
  char *dir;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("logdeck-test-import-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GDir) dir = g_dir_open (fixture->dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (fixture->dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (fixture->dir);
  g_free (fixture->dir);
}

static char *
write_file (Fixture    *fixture,
            const char *name,
            const char *contents,
            gssize      length)
{
  char *path = g_build_filename (fixture->dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, contents, length, &error));
  g_assert_no_error (error);
  return path;
}

static const char *
python (void)
{
  return g_getenv ("LD_PYTHON3") != NULL ? g_getenv ("LD_PYTHON3") : "/usr/bin/python3";
}

static void
run_peer (const char * const *args)
{
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "peers", "write_logs.py", NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status;

  g_ptr_array_add (argv, (char *) python ());
  g_ptr_array_add (argv, script);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               NULL, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("write_logs.py failed: %s", err);
}

/* Runs an import of @path in this thread and returns all its records. */
static LdBatch *
import_path (const char  *path,
             const char  *log_format,
             LdImport   **import_out,
             GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(LdImport) import = ld_import_new_for_file (file);
  g_autoptr(GPtrArray) batches = NULL;
  LdBatch *all = ld_batch_new ();

  if (log_format != NULL)
    g_assert_true (ld_import_set_log_format (import, log_format, NULL));
  if (!ld_import_run (import, NULL, error))
    {
      ld_batch_free (all);
      return NULL;
    }

  batches = ld_import_steal_batches (import);
  for (guint i = 0; i < batches->len; i++)
    ld_batch_take_all (all, batches->pdata[i]);
  g_assert_cmpuint (ld_import_get_n_records (import), ==, ld_batch_get_length (all));
  if (import_out != NULL)
    *import_out = g_steal_pointer (&import);

  return all;
}

static LdBatch *
import_ok (const char  *path,
           LdImport   **import_out)
{
  g_autoptr(GError) error = NULL;
  LdBatch *batch = import_path (path, NULL, import_out, &error);

  g_assert_no_error (error);
  return batch;
}

static void
assert_origin (const LdRecord *record,
               const char     *connection,
               const char     *peer,
               const char     *protocol)
{
  g_assert_cmpstr (ld_intern_lookup (record->connection), ==, connection);
  g_assert_cmpstr (ld_intern_lookup (record->peer), ==, peer);
  g_assert_cmpstr (ld_intern_lookup (record->protocol), ==, protocol);
}

/* Export, then open: the same records, field for field, extras included,
 * but for a number too big for readers, which is exported as text. Records
 * that named no connection now name the file. */
static void
test_jsonl_round_trip (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(LdBatch) original = export_records_new ();
  g_autoptr(LdBatch) expected = export_records_new_read_back ();
  g_autoptr(LdExportSnapshot) snapshot = ld_export_snapshot_new ();
  g_autofree char *path = g_build_filename (fixture->dir, "records.jsonl", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(LdImport) import = NULL;
  g_autoptr(LdBatch) read = NULL;
  LdExportOptions options = { LD_EXPORT_JSONL };

  ld_export_snapshot_add_batch (snapshot, original);
  g_assert_true (ld_export_to_file (snapshot, file, &options, NULL, &error));
  g_assert_no_error (error);

  read = import_ok (path, &import);
  g_assert_cmpint (ld_import_get_detected_format (import), ==, LD_IMPORT_FORMAT_JSON);
  g_assert_cmpuint (ld_import_get_n_bad (import), ==, 0);
  g_assert_cmpuint (ld_batch_get_length (read), ==, ld_batch_get_length (original));

  for (guint i = 0; i < ld_batch_get_length (original); i++)
    {
      LdRecord a = export_batch_record (expected, i);
      LdRecord b = export_batch_record (read, i);

      g_test_message ("record %u", i);
      if (a.connection == LD_INTERN_NONE && a.peer == LD_INTERN_NONE
          && a.protocol == LD_INTERN_NONE)
        {
          assert_origin (&b, "records.jsonl", path, "file");
          b.connection = b.peer = b.protocol = LD_INTERN_NONE;
        }
      assert_records_equal (&a, &b);
    }
}

static const LdRecord *
record_at (const LdBatch *batch,
           guint          index,
           LdRecord      *storage)
{
  *storage = export_batch_record (batch, index);
  return storage;
}

static void
assert_message (const LdRecord *record,
                const char     *expected)
{
  gsize len;
  const char *text = ld_record_get_message (record, &len);

  assert_text_equal (text, len, expected, strlen (expected));
}

static void
assert_bad (const LdRecord *record,
            const char     *raw,
            guint           line)
{
  LdValueType type;
  const char *value;
  gsize len;
  g_autofree char *number = g_strdup_printf ("%u", line);

  g_assert_cmpint (record->level, ==, 30);
  g_assert_cmpstr (ld_intern_lookup (record->logger), ==, LD_IMPORT_LOGGER);
  assert_message (record, raw);
  g_assert_true (ld_record_get_extra (record, "error", &type, &value, &len));
  g_assert_cmpuint (len, >, 0);
  if (line > 0)
    {
      g_assert_true (ld_record_get_extra (record, "line_number", &type, &value, &len));
      g_assert_cmpmem (value, len, number, strlen (number));
    }
}

/* Other shapes go through the normaliser; a bad line is counted and kept. */
static void
test_jsonl_other (Fixture       *fixture,
                  gconstpointer  data)
{
  static const char lines[] =
    "{\"time\":\"2024-05-01T12:30:00.000250+00:00\",\"level\":\"INFO\",\"levelno\":20,"
    "\"message\":\"canonical\"}\n"
    "not json at all\n"
    "{\"msg\":\"from structlog\",\"level\":\"warning\",\"timestamp\":\"2024-05-01T12:30:01Z\"}\r\n"
    "\n"
    "{\"time\":\n"
    "{\"levelname\":\"ERROR\",\"name\":\"py\",\"message\":\"python-json-logger\","
    "\"asctime\":\"x\"}\n";
  g_autofree char *path = write_file (fixture, "other.jsonl", lines, -1);
  g_autoptr(LdImport) import = NULL;
  g_autoptr(LdBatch) read = import_ok (path, &import);
  LdRecord r;

  g_assert_cmpuint (ld_batch_get_length (read), ==, 5);
  g_assert_cmpuint (ld_import_get_n_bad (import), ==, 2);
  assert_message (record_at (read, 0, &r), "canonical");
  assert_origin (&r, "other.jsonl", path, "file");
  assert_bad (record_at (read, 1, &r), "not json at all", 2);
  g_assert_cmpint (r.time_us, ==, EXPORT_TIME_0);
  assert_message (record_at (read, 2, &r), "from structlog");
  g_assert_cmpint (r.level, ==, 30);
  g_assert_cmpint (r.time_us, ==, EXPORT_TIME_0 + 999750);
  assert_bad (record_at (read, 3, &r), "{\"time\":", 5);
  assert_message (record_at (read, 4, &r), "python-json-logger");
  g_assert_cmpint (r.level, ==, 40);
  g_assert_cmpstr (ld_intern_lookup (r.logger), ==, "py");
}

/* A file big enough to be read by several threads: every record in file
 * order, and the bad lines with their own line numbers. */
static void
test_jsonl_big (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GString) jsonl = g_string_new (NULL);
  g_autoptr(LdImport) import = NULL;
  g_autoptr(LdBatch) read = NULL;
  g_autofree char *path = NULL;
  guint n_lines = 0;

  while (jsonl->len < 48 * 1024 * 1024)
    {
      n_lines++;
      if (n_lines % 50000 == 7)
        g_string_append_printf (jsonl, "garbage %u\n", n_lines);
      else
        g_string_append_printf (jsonl, "{\"time\":\"2024-05-01T12:30:00.000250+00:00\","
                                "\"level\":\"INFO\",\"levelno\":20,\"logger\":\"app\","
                                "\"message\":\"%u\",\"extra\":{\"pad\":\"%0200u\"}}\n",
                                n_lines, n_lines);
    }
  path = write_file (fixture, "big.jsonl", jsonl->str, jsonl->len);
  read = import_ok (path, &import);

  g_assert_cmpuint (ld_batch_get_length (read), ==, n_lines);
  g_assert_cmpuint (ld_import_get_bytes_read (import), ==, jsonl->len);
  g_assert_cmpuint (ld_import_get_n_bad (import), ==, (n_lines + 50000 - 7) / 50000);
  for (guint i = 0; i < n_lines; i++)
    {
      g_autofree char *expected = NULL;
      LdRecord r;

      record_at (read, i, &r);
      if ((i + 1) % 50000 == 7)
        {
          expected = g_strdup_printf ("garbage %u", i + 1);
          assert_bad (&r, expected, i + 1);
        }
      else
        {
          gsize len;
          const char *text = ld_record_get_message (&r, &len);

          expected = g_strdup_printf ("%u", i + 1);
          if (len != strlen (expected) || memcmp (text, expected, len) != 0)
            assert_message (&r, expected);
        }
    }
}

static void
test_json_document (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *array = write_file (fixture, "array.json",
                                       "[\n {\"message\": \"one\", \"level\": \"info\"},\n"
                                       " {\"message\": \"two\", \"level\": \"error\"}\n]\n", -1);
  g_autofree char *pretty = write_file (fixture, "pretty.json",
                                        "{\n  \"message\": \"pretty\",\n"
                                        "  \"level\": \"debug\"\n}\n", -1);
  g_autoptr(LdBatch) read = import_ok (array, NULL);
  g_autoptr(LdBatch) read_pretty = import_ok (pretty, NULL);
  LdRecord r;

  g_assert_cmpuint (ld_batch_get_length (read), ==, 2);
  assert_message (record_at (read, 1, &r), "two");
  g_assert_cmpint (r.level, ==, 40);
  g_assert_cmpuint (ld_batch_get_length (read_pretty), ==, 1);
  assert_message (record_at (read_pretty, 0, &r), "pretty");
}

typedef struct
{
  const char *format;     /* written by Python with this */
  const char *datefmt;
  const char *layout;     /* detected; NULL to give the format to the import */
  int         precision;  /* of the time in µs: 1000, 1000000, or 0 for none */
} TextCase;

static const TextCase text_cases[] = {
  { "%(asctime)s - %(name)s - %(levelname)s - %(message)s", NULL,
    "%(asctime)s - %(name)s - %(levelname)s - %(message)s", 1000 },
  { "%(asctime)s %(levelname)s %(name)s: %(message)s", NULL,
    "%(asctime)s %(levelname)s %(name)s: %(message)s", 1000 },
  { "%(levelname)s:%(name)s:%(message)s", NULL, "%(levelname)s:%(name)s:%(message)s", 0 },
  { "[%(asctime)s] %(levelname)s in %(module)s: %(message)s", NULL,
    "[%(asctime)s] %(levelname)s in %(module)s: %(message)s", 1000 },
  { "%(asctime)s %(name)-12s %(levelname)-8s %(message)s", "%m/%d/%Y %I:%M:%S %p",
    "%(asctime)s %(name)s %(levelname)s %(message)s", 1000000 },
  { "%(asctime)s,%(msecs)03d [%(levelname)s] %(name)s: %(message)s", "%d/%b/%Y:%H:%M:%S",
    "%(asctime)s [%(levelname)s] %(name)s: %(message)s", 1000 },
  { "%(asctime)s | %(levelname)-8s | %(name)s | %(message)s", "%Y-%m-%dT%H:%M:%S%z",
    "%(asctime)s | %(levelname)s | %(name)s | %(message)s", 1000000 },
  { "%(levelname)s %(asctime)s %(module)s %(process)d %(thread)d %(message)s", NULL,
    "%(levelname)s %(asctime)s %(module)s %(process)d %(thread)d %(message)s", 1000 },
  { "%(asctime)s.%(msecs)03d|%(levelname)s|%(funcName)s:%(lineno)d|%(name)s|%(message)s",
    "%H:%M:%S", NULL, 1000 },
};

static const char *
json_string (JsonObject *object,
             const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && !JSON_NODE_HOLDS_NULL (node) ? json_node_get_string (node) : "";
}

static void
assert_text_record (const TextCase *test,
                    const LdRecord *record,
                    JsonObject     *expected)
{
  gsize len;
  const char *text;
  gint64 created_ms = json_object_get_int_member (expected, "created_ms");

  g_assert_cmpint (record->level, ==, json_object_get_int_member (expected, "levelno"));
  g_assert_cmpstr (ld_intern_lookup (record->level_name), ==,
                   json_string (expected, "levelname"));
  if (strstr (test->format, "%(name)") != NULL)
    g_assert_cmpstr (ld_intern_lookup (record->logger), ==, json_string (expected, "name"));
  assert_message (record, json_string (expected, "message"));
  text = ld_record_get_exception (record, &len);
  assert_text_equal (text, len, json_string (expected, "exc_text"),
                     strlen (json_string (expected, "exc_text")));
  text = ld_record_get_stack (record, &len);
  assert_text_equal (text, len, json_string (expected, "stack_info"),
                     strlen (json_string (expected, "stack_info")));
  if (test->precision > 0)
    g_assert_cmpint (record->time_us / test->precision, ==,
                     created_ms * 1000 / test->precision);
  if (strstr (test->format, "%(funcName)") != NULL)
    {
      g_assert_cmpstr (ld_intern_lookup (record->function), ==, json_string (expected, "funcName"));
      g_assert_cmpint (record->line, ==, json_object_get_int_member (expected, "lineno"));
    }
  assert_origin (record, "written.log", ld_intern_lookup (record->peer), "file");
}

/* Logs that CPython's FileHandler wrote, read back: layout detected, and
 * every record with its traceback, stack and message lines. */
static void
test_text (Fixture       *fixture,
           gconstpointer  data)
{
  const TextCase *test = data;
  g_autofree char *log = g_build_filename (fixture->dir, "written.log", NULL);
  g_autofree char *expected_path = g_build_filename (fixture->dir, "expected.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(LdImport) import = NULL;
  g_autoptr(LdBatch) read = NULL;
  JsonArray *expected;

  run_peer ((const char * const[]) { "text", test->format,
                                     test->datefmt != NULL ? test->datefmt : "", log,
                                     expected_path, NULL });
  g_assert_true (json_parser_load_from_file (parser, expected_path, &error));
  expected = json_node_get_array (json_parser_get_root (parser));

  read = import_path (log, test->layout == NULL ? test->format : NULL, &import, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ld_import_get_detected_format (import), ==, LD_IMPORT_FORMAT_TEXT);
  g_assert_cmpstr (ld_import_get_layout (import), ==,
                   test->layout != NULL ? test->layout : test->format);
  g_assert_cmpuint (ld_import_get_n_bad (import), ==, 0);
  g_assert_cmpuint (ld_batch_get_length (read), ==, json_array_get_length (expected));

  for (guint i = 0; i < ld_batch_get_length (read); i++)
    {
      LdRecord r;

      g_test_message ("record %u", i);
      assert_text_record (test, record_at (read, i, &r), json_array_get_object_element (expected,
                                                                                       i));
    }
}

/* Lines before the first record, and text without a known layout. */
static void
test_text_bad_and_plain (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *log = write_file (fixture, "odd.log",
                                     "garbage first\n"
                                     "2024-05-01 12:30:00,500 - app - ERROR - boom\n"
                                     "  more of it\n"
                                     "2024-05-01 12:30:01,000 - app - INFO - two\n"
                                     "2024-05-01 12:30:02,000 - app - INFO - three\n", -1);
  g_autofree char *plain = write_file (fixture, "plain.txt",
                                       "server starting\nERROR: disk on fire\nwarn: hot\n\n"
                                       "[WARNING] hot\n", -1);
  g_autoptr(LdImport) import = NULL;
  g_autoptr(LdImport) plain_import = NULL;
  g_autoptr(LdBatch) read = import_ok (log, &import);
  g_autoptr(LdBatch) lines = import_ok (plain, &plain_import);
  LdRecord r;

  g_assert_cmpuint (ld_batch_get_length (read), ==, 4);
  g_assert_cmpuint (ld_import_get_n_bad (import), ==, 1);
  assert_bad (record_at (read, 0, &r), "garbage first", 1);
  assert_message (record_at (read, 1, &r), "boom\n  more of it");
  g_assert_cmpint (r.time_us, ==, EXPORT_TIME_0 + 499750);

  g_assert_cmpint (ld_import_get_detected_format (plain_import), ==, LD_IMPORT_FORMAT_LINES);
  g_assert_cmpuint (ld_batch_get_length (lines), ==, 4);
  g_assert_cmpint (record_at (lines, 0, &r)->level, ==, 20);
  g_assert_cmpint (record_at (lines, 1, &r)->level, ==, 40);
  g_assert_cmpint (record_at (lines, 2, &r)->level, ==, 20);
  g_assert_cmpint (record_at (lines, 3, &r)->level, ==, 30);
  assert_message (&r, "[WARNING] hot");
}

/* A capture of what SocketHandler sends, made by CPython. */
static void
test_capture (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree char *capture = g_build_filename (fixture->dir, "capture.bin", NULL);
  g_autofree char *expected_path = g_build_filename (fixture->dir, "expected.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(LdImport) import = NULL;
  g_autoptr(LdBatch) read = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *cut_path = NULL;
  g_autoptr(LdBatch) cut = NULL;
  JsonArray *expected;
  gsize length;
  LdRecord r;
  LdValueType type;
  const char *value;
  gsize len;

  run_peer ((const char * const[]) { "capture", capture, expected_path, NULL });
  g_assert_true (json_parser_load_from_file (parser, expected_path, &error));
  expected = json_node_get_array (json_parser_get_root (parser));

  read = import_ok (capture, &import);
  g_assert_cmpint (ld_import_get_detected_format (import), ==, LD_IMPORT_FORMAT_PICKLE);
  g_assert_cmpuint (ld_batch_get_length (read), ==, json_array_get_length (expected));
  for (guint i = 0; i < ld_batch_get_length (read); i++)
    {
      JsonObject *object = json_array_get_object_element (expected, i);

      record_at (read, i, &r);
      g_assert_cmpint (r.level, ==, json_object_get_int_member (object, "levelno"));
      g_assert_cmpstr (ld_intern_lookup (r.logger), ==, json_string (object, "name"));
      assert_message (&r, json_string (object, "message"));
      /* created is a float: ld-pyrecord and round() may differ in the last µs. */
      g_assert_cmpint (ABS (r.time_us - json_object_get_int_member (object, "created_us")), <=, 1);
      assert_origin (&r, "capture.bin", capture, "file");
    }
  g_assert_true (ld_record_get_extra (record_at (read, 2, &r), "table", &type, &value, &len));
  g_assert_cmpmem (value, len, "users", 5);

  /* Cut inside the last frame: what came before, and one bad record. */
  g_assert_true (g_file_get_contents (capture, &contents, &length, NULL));
  cut_path = write_file (fixture, "cut.bin", contents, length - 10);
  g_clear_object (&import);
  cut = import_ok (cut_path, &import);
  g_assert_cmpuint (ld_batch_get_length (cut), ==, json_array_get_length (expected));
  g_assert_cmpuint (ld_import_get_n_bad (import), ==, 1);
}

static void
assert_binary (Fixture    *fixture,
               const char *name,
               const char *contents,
               gsize       length)
{
  g_autofree char *path = write_file (fixture, name, contents, length);
  g_autoptr(GError) error = NULL;
  g_autoptr(LdBatch) read = import_path (path, NULL, NULL, &error);

  g_assert_null (read);
  g_assert_error (error, LD_IMPORT_ERROR, LD_IMPORT_ERROR_BINARY);
  g_assert_nonnull (strstr (error->message, name));
  g_test_message ("%s", error->message);
}

static void
test_binary (Fixture       *fixture,
             gconstpointer  data)
{
  static const char png[] = "\211PNG\r\n\032\n\0\0\0\rIHDR";
  g_autoptr(GString) latin1 = g_string_new (NULL);
  g_autoptr(GString) cut = g_string_new (NULL);
  g_autofree char *cut_path = NULL;
  g_autoptr(LdBatch) read = NULL;

  assert_binary (fixture, "image.png", png, sizeof png - 1);
  assert_binary (fixture, "nul.log", "INFO:root:a\0b\n", 14);
  for (guint i = 0; i < 100; i++)
    g_string_append (latin1, "INFO:root:caf\351 au lait\n");
  assert_binary (fixture, "latin1.log", latin1->str, latin1->len);

  /* A character cut by the first 64 KiB is still text. */
  while (cut->len < 65535 - 40)
    g_string_append (cut, "2024-05-01 12:30:00,000 INFO app: text\n");
  while (cut->len < 65535)
    g_string_append_c (cut, 'x');
  g_string_append (cut, "\303\251\n");
  cut_path = write_file (fixture, "cut.log", cut->str, cut->len);
  read = import_ok (cut_path, NULL);
  g_assert_cmpuint (ld_batch_get_length (read), >, 1000);
}

static void
test_gzip (Fixture       *fixture,
           gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->dir, "old.jsonl.gz", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileOutputStream) out = g_file_create (file, G_FILE_CREATE_NONE, NULL, &error);
  g_autoptr(GZlibCompressor) gzip = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, -1);
  g_autoptr(GOutputStream) stream = g_converter_output_stream_new (G_OUTPUT_STREAM (out),
                                                                   G_CONVERTER (gzip));
  g_autoptr(LdBatch) records = export_records_new ();
  g_autoptr(GString) jsonl = g_string_new (NULL);
  g_autoptr(LdBatch) read = NULL;

  ld_jsonl_append_batch (jsonl, records);
  g_assert_true (g_output_stream_write_all (stream, jsonl->str, jsonl->len, NULL, NULL, &error));
  g_assert_true (g_output_stream_close (stream, NULL, &error));
  g_assert_no_error (error);

  read = import_ok (path, NULL);
  g_assert_cmpuint (ld_batch_get_length (read), ==, ld_batch_get_length (records));
}

typedef struct
{
  GPtrArray *batches;
  guint      n_records;
  gboolean   exited;
  guint      n_before_exit;
  GError    *error;
  gboolean   done;
} Collect;

static void
on_drain (LdBatch *const *batches,
          guint           n_batches,
          gpointer        user_data)
{
  Collect *collect = user_data;

  for (guint i = 0; i < n_batches; i++)
    {
      LdBatch *copy = ld_batch_new ();

      ld_batch_take_all (copy, batches[i]);
      collect->n_records += ld_batch_get_length (copy);
      g_ptr_array_add (collect->batches, copy);
    }
  if (!collect->exited)
    collect->n_before_exit = collect->n_records;
}

static void
on_exited (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Collect *collect = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  collect->exited = TRUE;
}

static void
on_import_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Collect *collect = user_data;

  ld_import_run_finish (LD_IMPORT (source), result, &collect->error);
  collect->done = TRUE;
}

/* `myserver 2>&1 | logdeck -`: records show as their lines arrive, and one
 * with a traceback is complete when nothing more came for a moment. */
static void
test_stdin (void)
{
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "peers", "write_logs.py", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(LdHandoff) handoff = NULL;
  g_autoptr(LdImport) import = NULL;
  g_autoptr(LdBatch) all = ld_batch_new ();
  Collect collect = { g_ptr_array_new_with_free_func ((GDestroyNotify) ld_batch_free) };
  LdRecord r;
  gsize len;

  child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, python (), script, "slow",
                            "0.4", "4", NULL);
  g_assert_no_error (error);
  handoff = ld_handoff_new (NULL, on_drain, &collect, NULL);
  ld_handoff_set_min_interval (handoff, 0);
  import = ld_import_new_for_stream (g_subprocess_get_stdout_pipe (child), NULL);
  ld_import_set_handoff (import, handoff);
  ld_import_run_async (import, NULL, on_import_done, &collect);
  g_subprocess_wait_async (child, NULL, on_exited, &collect);

  while (!collect.done || !collect.exited)
    g_main_context_iteration (NULL, TRUE);
  while (ld_handoff_drain (handoff))
    ;

  g_assert_no_error (collect.error);
  g_assert_cmpuint (collect.n_records, ==, 4);
  /* Three were shown while the program still ran, the traceback's included. */
  g_assert_cmpuint (collect.n_before_exit, >=, 3);
  for (guint i = 0; i < collect.batches->len; i++)
    ld_batch_take_all (all, collect.batches->pdata[i]);
  assert_message (record_at (all, 1, &r), "line 1");
  assert_origin (&r, "stdin", NULL, "stdin");
  g_assert_true (g_str_has_prefix (ld_record_get_exception (&r, &len), "Traceback"));
  g_assert_cmpint (r.level, ==, 40);
  ld_handoff_shutdown (handoff);
  g_ptr_array_unref (collect.batches);
}

static void
wait_for_records (LdImport *import,
                  guint64   n)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (ld_import_get_n_records (import) < n)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5000);
    }
  g_usleep (50000);
  g_assert_cmpuint (ld_import_get_n_records (import), ==, n);
}

static void
append_text (const char *path,
             const char *text)
{
  FILE *out = fopen (path, "a");

  g_assert_nonnull (out);
  fputs (text, out);
  fclose (out);
}

/* Follow: growth, truncation and rotation, until cancelled. */
static void
test_follow (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *path = write_file (fixture, "live.log",
                                      "2024-05-01 12:30:00,000 INFO app: one\n"
                                      "2024-05-01 12:30:01,000 INFO app: two\n", -1);
  g_autofree char *rotated = g_build_filename (fixture->dir, "live.log.1", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(LdImport) import = ld_import_new_for_file (file);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GPtrArray) batches = NULL;
  g_autoptr(LdBatch) all = ld_batch_new ();
  Collect collect = { NULL };
  LdRecord r;

  ld_import_set_follow (import, TRUE);
  ld_import_run_async (import, cancellable, on_import_done, &collect);
  wait_for_records (import, 2);

  append_text (path, "2024-05-01 12:30:02,000 ERROR app: three\n"
                     "Traceback (most recent call last):\nValueError: x\n");
  wait_for_records (import, 3);

  g_assert_true (g_file_set_contents (path, "2024-05-01 12:30:03,000 INFO app: four\n", -1,
                                      NULL));
  wait_for_records (import, 4);

  g_assert_cmpint (g_rename (path, rotated), ==, 0);
  append_text (path, "2024-05-01 12:30:04,000 INFO app: five\n");
  wait_for_records (import, 5);

  g_cancellable_cancel (cancellable);
  while (!collect.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (collect.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&collect.error);

  batches = ld_import_steal_batches (import);
  for (guint i = 0; i < batches->len; i++)
    ld_batch_take_all (all, batches->pdata[i]);
  g_assert_cmpuint (ld_batch_get_length (all), ==, 5);
  assert_message (record_at (all, 2, &r), "three");
  g_assert_cmpuint (r.tail_len, >, 0);
  assert_message (record_at (all, 3, &r), "four");
  assert_message (record_at (all, 4, &r), "five");
}

static void
test_cancel (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(LdBatch) records = export_records_new ();
  g_autoptr(GString) jsonl = g_string_new (NULL);
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(LdImport) import = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Collect collect = { NULL };

  while (jsonl->len < 64 * 1024 * 1024)
    ld_jsonl_append_batch (jsonl, records);
  path = write_file (fixture, "big.jsonl", jsonl->str, jsonl->len);
  file = g_file_new_for_path (path);
  import = ld_import_new_for_file (file);

  ld_import_run_async (import, cancellable, on_import_done, &collect);
  while (ld_import_get_bytes_read (import) == 0)
    g_usleep (100);
  g_assert_cmpuint (ld_import_get_size (import), ==, jsonl->len);
  g_cancellable_cancel (cancellable);
  while (!collect.done)
    g_main_context_iteration (NULL, TRUE);

  g_assert_error (collect.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&collect.error);
  g_assert_cmpuint (ld_import_get_bytes_read (import), <, jsonl->len);
}

static void
add_timed (LdBatch    *batch,
           gint64      time_us,
           const char *message)
{
  LdRecordFields fields = { 0 };

  fields.time_us = time_us;
  fields.level = 20;
  fields.message = message;
  ld_batch_add (batch, &fields);
  ld_batch_add_extra (batch, "which", -1, LD_VALUE_STRING, message, -1);
}

static void
test_merge (void)
{
  g_autoptr(LdBatch) a = ld_batch_new ();
  g_autoptr(LdBatch) b = ld_batch_new ();
  g_autoptr(LdBatch) empty = ld_batch_new ();
  g_autoptr(LdBatch) merged = NULL;
  static const char * const order[] = { "a1", "b2", "a3", "b3", "b4", "a5", "a2" };
  LdBatch *batches[3];
  LdRecord r;

  add_timed (a, 1, "a1");
  add_timed (a, 3, "a3");
  add_timed (a, 5, "a5");
  add_timed (a, 2, "a2");    /* a clock that went back stays where it was */
  add_timed (b, 2, "b2");
  add_timed (b, 3, "b3");
  add_timed (b, 4, "b4");
  batches[0] = a, batches[1] = empty, batches[2] = b;

  merged = ld_import_merge_by_time (batches, 3);
  g_assert_cmpuint (ld_batch_get_length (merged), ==, G_N_ELEMENTS (order));
  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    {
      LdBatch *from = order[i][0] == 'a' ? a : b;
      LdRecord expected;

      assert_message (record_at (merged, i, &r), order[i]);
      for (guint j = 0; j < ld_batch_get_length (from); j++)
        if (record_at (from, j, &expected)->time_us == r.time_us)
          assert_records_equal (&r, &expected);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("TZ", "UTC", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/import/jsonl/round-trip", Fixture, NULL, fixture_set_up, test_jsonl_round_trip,
              fixture_tear_down);
  g_test_add ("/import/jsonl/other", Fixture, NULL, fixture_set_up, test_jsonl_other,
              fixture_tear_down);
  g_test_add ("/import/jsonl/big", Fixture, NULL, fixture_set_up, test_jsonl_big,
              fixture_tear_down);
  g_test_add ("/import/json/document", Fixture, NULL, fixture_set_up, test_json_document,
              fixture_tear_down);
  for (guint i = 0; i < G_N_ELEMENTS (text_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/import/text/python/%u", i);

      g_test_add (name, Fixture, &text_cases[i], fixture_set_up, test_text, fixture_tear_down);
    }
  g_test_add ("/import/text/bad-and-plain", Fixture, NULL, fixture_set_up,
              test_text_bad_and_plain, fixture_tear_down);
  g_test_add ("/import/capture", Fixture, NULL, fixture_set_up, test_capture, fixture_tear_down);
  g_test_add ("/import/binary", Fixture, NULL, fixture_set_up, test_binary, fixture_tear_down);
  g_test_add ("/import/gzip", Fixture, NULL, fixture_set_up, test_gzip, fixture_tear_down);
  g_test_add_func ("/import/stdin", test_stdin);
  g_test_add ("/import/follow", Fixture, NULL, fixture_set_up, test_follow, fixture_tear_down);
  g_test_add ("/import/cancel", Fixture, NULL, fixture_set_up, test_cancel, fixture_tear_down);
  g_test_add_func ("/import/merge", test_merge);

  return g_test_run ();
}
