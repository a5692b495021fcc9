// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.test"

/* The session without a window: its command line as GApplication parses it,
 * headless --output and --export with records handed in, Logdeck's own
 * records kept out of them unless --include-internal, and what the log
 * writer prints. Everything that starts a session runs in a subprocess, as
 * a session routes the process's own logging and may exit. */

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <unistd.h>

#include "ld-level.h"
#include "ld-log-writer.h"
#include "ld-session.h"
#include "ld-store.h"

/* Every session that starts listens on ports of the system's choosing. */
#define ANY_PORTS "--tcp-port", "0", "--udp-port", "0", "--http-port", "0", "--nng-listen", ""

typedef struct
{
  LdSession *session;
  int        status;
} Parsed;

static int
on_handle_local_options (GApplication *app,
                         GVariantDict *options,
                         Parsed       *parsed)
{
  parsed->status = ld_session_handle_options (parsed->session, options);

  /* The options only: nothing is started or registered. */
  return parsed->status >= 0 ? parsed->status : 0;
}

/* Parses a command line as the window and the headless server do, and
 * returns the session with the status ld_session_handle_options() gave. */
static LdSession *
parse (const char *const *args,
       int               *status)
{
  g_autoptr(GApplication) app = g_application_new (NULL, G_APPLICATION_NON_UNIQUE);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;
  Parsed parsed = { ld_session_new (), 0 };

  g_strv_builder_add (builder, "logdeck");
  g_strv_builder_addv (builder, (const char **) args);
  argv = g_strv_builder_end (builder);

  ld_session_add_option_entries (app);
  g_signal_connect (app, "handle-local-options", G_CALLBACK (on_handle_local_options), &parsed);
  g_application_run (app, g_strv_length (argv), argv);

  *status = parsed.status;
  return parsed.session;
}

/* GApplication leaves an integer option of 0 out of its dictionary: ports
 * come as text, so 0 (any free port) is a port given. */
static void
test_options_ports (void)
{
  const char *args[] = { "--headless", "--tcp-port", "0", "--udp-port", "9999", "--http-port",
                         "65535", "--listen", "127.0.0.2", NULL };
  g_autoptr(LdSession) session = NULL;
  int status;

  session = parse (args, &status);
  g_assert_cmpint (status, ==, -1);
  g_assert_true (ld_session_get_headless (session));
  g_assert_cmpuint (ld_session_get_port (session, "tcp"), ==, 0);
  g_assert_cmpuint (ld_session_get_port (session, "udp"), ==, 9999);
  g_assert_cmpuint (ld_session_get_port (session, "http"), ==, 65535);
  g_assert_cmpstr (ld_session_get_listen_address (session), ==, "127.0.0.2");
}

/* A command line that cannot be done exits with status 1 and says why on
 * standard error, before anything starts. */
static void
expect_refused (const char *const *args,
                const char        *stderr_pattern)
{
  g_autoptr(GPtrArray) quoted = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *joined = NULL;

  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (quoted, g_shell_quote (args[i]));
  g_ptr_array_add (quoted, NULL);
  joined = g_strjoinv (" ", (char **) quoted->pdata);

  g_test_message ("logdeck %s", joined);
  g_setenv ("LD_TEST_ARGS", joined, TRUE);
  g_test_trap_subprocess ("/session/options/refused/subprocess", 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr (stderr_pattern);
}

static void
test_options_refused_subprocess (void)
{
  g_auto(GStrv) args = NULL;
  g_autoptr(LdSession) session = NULL;
  int status;

  g_assert_true (g_shell_parse_argv (g_getenv ("LD_TEST_ARGS"), NULL, &args, NULL));
  session = parse ((const char *const *) args, &status);
  g_assert_cmpint (status, ==, 1);
}

static void
test_options_refused (void)
{
  expect_refused ((const char *[]) { "--tcp-port", "70000", NULL },
                  "*A port must be a number from 0 to 65535*");
  expect_refused ((const char *[]) { "--udp-port", "nine", NULL },
                  "*A port must be a number from 0 to 65535*");
  /* A mistake in --filter is said with its place in the query. */
  expect_refused ((const char *[]) { "--headless", "--filter", "level>=LOUD", NULL },
                  "Invalid --filter: offset 7: *LOUD*");
  expect_refused ((const char *[]) { "--output", "out.jsonl", NULL },
                  "*--output and --export work with --headless only*");
  expect_refused ((const char *[]) { "--headless", "--export", "x", "--format", "xml", NULL },
                  "*--format must be jsonl, csv or text*");
}

static void
push (LdSession  *session,
      int         levelno,
      const char *logger,
      gint64      process,
      const char *message)
{
  LdRecordFields fields = {
    .time_us = g_get_real_time (),
    .level = levelno,
    .level_name = ld_level_canonical_name (levelno),
    .logger = logger,
    .message = message,
    .process = process,
    .connection = "test",
  };

  ld_handoff_push_record (ld_session_get_handoff (session), &fields);
}

static GPtrArray *
read_json_lines (const char *path)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *objects = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      g_autoptr(GError) error = NULL;
      JsonNode *node = json_from_string (lines[i], &error);

      g_assert_no_error (error);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
      g_ptr_array_add (objects, node);
    }

  return objects;
}

static const char *
member (GPtrArray  *objects,
        guint       i,
        const char *name)
{
  return json_object_get_string_member (json_node_get_object (objects->pdata[i]), name);
}

/* Runs a headless session with @extra options, hands it a sender's INFO and
 * WARNING record and one of Logdeck's own, and stops it. */
static void
run_headless (const char  *dir,
              const char **extra)
{
  g_autofree char *output = g_build_filename (dir, "out.jsonl", NULL);
  g_autofree char *export = g_build_filename (dir, "all.jsonl", NULL);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) args = NULL;
  g_autoptr(LdSession) session = NULL;
  gint64 sender = (gint64) getpid () + 1;
  int status;

  g_strv_builder_addv (builder, (const char *[]) { "--headless", ANY_PORTS, "--output", output,
                                                   "--export", export, NULL });
  g_strv_builder_addv (builder, extra);
  args = g_strv_builder_end (builder);
  session = parse ((const char *const *) args, &status);
  g_assert_cmpint (status, ==, -1);

  ld_session_start (session, TRUE);
  push (session, LD_LEVEL_INFO, "acme.api", sender, "one");
  push (session, LD_LEVEL_WARNING, "acme.api", sender, "two");
  push (session, LD_LEVEL_WARNING, "logdeck.ingest", 0, "a problem of Logdeck's own");
  ld_handoff_drain_all (ld_session_get_handoff (session));
  ld_session_shutdown (session);
}

static void
test_headless_output (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *dir = g_dir_make_tmp ("test-session-XXXXXX", NULL);
      g_autofree char *output = g_build_filename (dir, "out.jsonl", NULL);
      g_autofree char *export = g_build_filename (dir, "all.jsonl", NULL);
      g_autoptr(GPtrArray) written = NULL;
      g_autoptr(GPtrArray) exported = NULL;

      run_headless (dir, (const char *[]) { "--filter", "level>=WARNING", NULL });

      /* --output: what --filter matches, as canonical JSON lines. */
      written = read_json_lines (output);
      g_assert_cmpuint (written->len, ==, 1);
      g_assert_cmpstr (member (written, 0, "message"), ==, "two");
      g_assert_cmpstr (member (written, 0, "level"), ==, "WARNING");
      g_assert_cmpstr (member (written, 0, "logger"), ==, "acme.api");
      g_assert_cmpint (json_object_get_int_member (json_node_get_object (written->pdata[0]),
                                                   "levelno"), ==, 30);
      g_assert_nonnull (member (written, 0, "time"));

      /* --export: every record kept but Logdeck's own. */
      exported = read_json_lines (export);
      g_assert_cmpuint (exported->len, ==, 2);
      g_assert_cmpstr (member (exported, 0, "message"), ==, "one");
      g_assert_cmpstr (member (exported, 1, "message"), ==, "two");

      g_remove (output);
      g_remove (export);
      g_rmdir (dir);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  /* Logdeck's own record went to standard error instead, on one line. */
  g_test_trap_assert_stderr ("*logdeck: WARNING logdeck.ingest: a problem of Logdeck's own\n*");
  g_test_trap_assert_stderr ("*Exported 2 records to *all.jsonl\n*");
}

static void
test_headless_include_internal (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *dir = g_dir_make_tmp ("test-session-XXXXXX", NULL);
      g_autofree char *output = g_build_filename (dir, "out.jsonl", NULL);
      g_autofree char *export = g_build_filename (dir, "all.jsonl", NULL);
      g_autoptr(GPtrArray) written = NULL;
      g_autoptr(GPtrArray) exported = NULL;

      run_headless (dir, (const char *[]) { "--include-internal", NULL });

      written = read_json_lines (output);
      g_assert_cmpuint (written->len, ==, 3);
      g_assert_cmpstr (member (written, 2, "logger"), ==, "logdeck.ingest");
      exported = read_json_lines (export);
      g_assert_cmpuint (exported->len, ==, 3);
      g_assert_cmpstr (member (exported, 2, "message"), ==, "a problem of Logdeck's own");

      g_remove (output);
      g_remove (export);
      g_rmdir (dir);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr_unmatched ("*a problem of Logdeck's own*");
  g_test_trap_assert_stderr ("*Exported 3 records to *all.jsonl\n*");
}

/* The log writer asserts nothing fatal here: the test's own fatal warnings
 * and criticals would abort before it prints. */
static void
allow_warnings (void)
{
  g_log_set_always_fatal (G_LOG_FATAL_MASK);
  ld_log_writer_install ();
}

/* On standard error a level is named as Logdeck names it: GLib's critical is
 * ERROR, its message NOTICE. */
static void
test_log_writer_level_names (void)
{
  if (g_test_subprocess ())
    {
      allow_warnings ();
      ld_log_writer_set_echo (TRUE);
      g_critical ("a critical");
      LD_LOG_AT_LEVEL (LD_LEVEL_ERROR, NULL, "an error");
      g_message ("a message");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("logdeck: ERROR logdeck.test: a critical\n"
                             "logdeck: ERROR logdeck.test: an error\n"
                             "logdeck: NOTICE logdeck.test: a message\n");
}

static void
drain_into_store (LdBatch *const *batches,
                  guint           n_batches,
                  gpointer        user_data)
{
  ld_store_append_batches (user_data, batches, n_batches);
}

/* With a window, the table shows Logdeck's own records and the terminal
 * stays quiet; what reaches no hand-off still goes to standard error. */
static void
test_log_writer_quiet_with_window (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(LdStore) store = ld_store_new (0);
      g_autoptr(LdHandoff) handoff = ld_handoff_new (NULL, drain_into_store, store, NULL);

      g_unsetenv ("G_MESSAGES_DEBUG");
      allow_warnings ();
      ld_log_writer_set_handoff (handoff);
      ld_log_writer_set_echo (FALSE);
      g_warning ("for the table only");
      ld_handoff_drain_all (handoff);
      g_assert_cmpuint (ld_store_get_n_records (store), ==, 1);
      g_assert_cmpint (ld_store_get_record (store, 0)->level, ==, LD_LEVEL_WARNING);

      ld_log_writer_set_handoff (NULL);
      g_warning ("after the window");
      ld_handoff_shutdown (handoff);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("logdeck: WARNING logdeck.test: after the window\n");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/session/options/ports", test_options_ports);
  g_test_add_func ("/session/options/refused", test_options_refused);
  g_test_add_func ("/session/options/refused/subprocess", test_options_refused_subprocess);
  g_test_add_func ("/session/headless/output", test_headless_output);
  g_test_add_func ("/session/headless/include-internal", test_headless_include_internal);
  g_test_add_func ("/session/log-writer/level-names", test_log_writer_level_names);
  g_test_add_func ("/session/log-writer/quiet-with-window", test_log_writer_quiet_with_window);

  return g_test_run ();
}
