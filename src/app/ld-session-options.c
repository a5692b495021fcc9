// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

/* The session's command line: the options the window and the headless server
 * share, what they may not ask together, and the --filter they start with. */

#include "config.h"

#include <glib/gi18n.h>

#include "ld-session-private.h"

static const GOptionEntry option_entries[] = {
  { "demo", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Show the logging demo: a worker thread and the UI thread logging into the table"), NULL },
  { "headless", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Run without a window: receive and store records only"), NULL },
  { "listen", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Address to listen on (default 127.0.0.1)"), N_("ADDRESS") },
  { "tcp-port", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("TCP port for Python's SocketHandler (default 9020)"), N_("PORT") },
  { "udp-port", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("UDP port for Python's DatagramHandler (default 9021)"), N_("PORT") },
  { "http-port", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("HTTP and WebSocket port (default 9022)"), N_("PORT") },
  { "syslog-port", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Syslog port, TCP and UDP (default 5514)"), N_("PORT") },
  { "gelf-port", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("GELF port, UDP and TCP (default 12201)"), N_("PORT") },
  { "otlp-port", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("OTLP/HTTP port for OpenTelemetry logs (default 4318)"), N_("PORT") },
  { "connect", 0, 0, G_OPTION_ARG_STRING_ARRAY, NULL,
    N_("Take the records a WebSocket server streams, such as Loki's tail; repeatable"),
    N_("ws://HOST:PORT/PATH") },
  { "max-records", 0, 0, G_OPTION_ARG_INT, NULL,
    N_("Keep at most this many records; older ones are evicted (default 1000000)"), N_("N") },
  { "filter", 'f', 0, G_OPTION_ARG_STRING, NULL,
    N_("Start with this filter (the filter bar's query language); with --headless --output, "
       "write only the records it matches"), N_("QUERY") },
  { "output", 'o', 0, G_OPTION_ARG_FILENAME, NULL,
    N_("With --headless, write every record to FILE as a JSON line (- for standard output)"),
    N_("FILE") },
  { "export", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("With --headless, export every record to FILE when stopping"), N_("FILE") },
  { "format", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("The format of --export: jsonl, csv or text (default: from the file's name)"),
    N_("FORMAT") },
  { "log-format", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("For --format text, a Python logging format string"), N_("FORMAT") },
  { "csv-raw", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("With --export to CSV, write cells as they are, without a ' before those a spreadsheet "
       "would run as formulas"), NULL },
  { "keep-control-chars", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("With --export to CSV or text, write control characters as they are rather than as \\x1b"),
    NULL },
  { "include-internal", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("With --headless, write Logdeck's own records (logger logdeck.…) to --output and --export "
       "rather than to standard error"), NULL },
  { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Speak TLS on the TCP and HTTP ports with this PEM certificate (and key, unless --tls-key)"),
    N_("FILE") },
  { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("The PEM private key of --tls-cert"), N_("FILE") },
  { "tls-client-ca", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("With --tls-cert, accept only clients with a certificate signed by these PEM CAs"),
    N_("FILE") },
  { "token", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Require this bearer token on HTTP and WebSocket requests (default: $LOGDECK_TOKEN, "
       "which ps does not show)"), N_("TOKEN") },
  { "insecure", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Listen beyond loopback without TLS or a token"), NULL },
  { "zmq", 0, 0, G_OPTION_ARG_STRING_ARRAY, NULL,
    N_("Subscribe to a ZeroMQ PUB socket that sends records as JSON; repeatable"),
    N_("tcp://HOST:PORT") },
  { "zmq-listen", 0, 0, G_OPTION_ARG_STRING_ARRAY, NULL,
    N_("Bind a ZeroMQ SUB socket here, and a PULL socket on the next port; repeatable"),
    N_("tcp://ADDRESS:PORT") },
  { "nng", 0, 0, G_OPTION_ARG_STRING_ARRAY, NULL,
    N_("Dial an NNG Pub0 socket that sends records as JSON; repeatable"), N_("tcp://HOST:PORT") },
  { "nng-listen", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Listen for NNG Pub0 senders here (default tcp://127.0.0.1:13232; empty for none)"),
    N_("tcp://ADDRESS:PORT") },
  { "archive", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Keep every record of this session in FILE, a new SQLite archive (the window "
       "archives into ~/.local/share/logdeck/sessions by default; headless only with "
       "this option)"), N_("FILE") },
  { "no-archive", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Do not archive this session"), NULL },
  { "sql", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Answer an SQL query from the newest archived session (or the SESSION file named "
       "after it) and exit; --format table, csv or jsonl"), N_("QUERY") },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show the version and exit"), NULL },
  { NULL }
};

/**
 * ld_session_add_option_entries:
 * @application: the window application or the headless server
 *
 * Both accept the same command line.
 */
void
ld_session_add_option_entries (GApplication *application)
{
  g_application_add_main_option_entries (application, option_entries);
  /* GApplication's usage line says nothing of the files it opens. */
  g_application_set_option_context_parameter_string (application, _("[FILE…]"));
  g_application_set_option_context_summary (application,
                                            _("Receive, watch and filter log records from "
                                              "running programs."));
  g_application_set_option_context_description (application,
                                                _("Each FILE is read as a log; - reads standard "
                                                  "input."));
}

/**
 * ld_session_args_request_headless:
 *
 * Whether the command line asks for --headless, looked at before any
 * application exists, since only a windowed one needs a display.
 */
gboolean
ld_session_args_request_headless (int    argc,
                                  char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--"))
        break;
      if (g_str_equal (argv[i], "--headless"))
        return TRUE;
    }

  return FALSE;
}

/* A mistake in --filter is said before anything starts, with its place. */
static gboolean
check_filter (LdSession *self)
{
  g_autoptr(GError) error = NULL;

  self->output_filter = ld_query_parse (self->filter_text, g_get_real_time (), &error);
  if (self->output_filter == NULL)
    {
      g_printerr (_("Invalid --filter: %s\n"), error->message);
      return FALSE;
    }

  return TRUE;
}

/* GApplication leaves an integer option of 0 out of the dictionary, as if it
 * were not given, so the ports come as text: 0 asks for any free port. One
 * that is not a port becomes one that check_options() refuses. */
static void
look_up_port (GVariantDict *options,
              const char   *name,
              int          *port)
{
  g_autofree char *text = NULL;
  guint64 value;

  if (!g_variant_dict_lookup (options, name, "s", &text))
    return;
  if (g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT16, &value, NULL))
    *port = (int) value;
  else
    *port = G_MAXINT;
}

static void
look_up_options (LdSession    *self,
                 GVariantDict *options)
{
  g_variant_dict_lookup (options, "headless", "b", &self->headless);
  g_variant_dict_lookup (options, "demo", "b", &self->demo_requested);
  g_variant_dict_lookup (options, "listen", "s", &self->cli_address);
  look_up_port (options, "tcp-port", &self->tcp_port);
  look_up_port (options, "udp-port", &self->udp_port);
  look_up_port (options, "http-port", &self->http_port);
  look_up_port (options, "syslog-port", &self->syslog_port);
  look_up_port (options, "gelf-port", &self->gelf_port);
  look_up_port (options, "otlp-port", &self->otlp_port);
  g_variant_dict_lookup (options, "max-records", "i", &self->max_records);
  g_variant_dict_lookup (options, "output", "^ay", &self->output_path);
  g_variant_dict_lookup (options, "filter", "s", &self->filter_text);
  g_variant_dict_lookup (options, "connect", "^as", &self->connect_uris);
  ld_queue_endpoints_lookup (&self->cli_queues, options);
  g_variant_dict_lookup (options, "export", "^ay", &self->export_path);
  g_variant_dict_lookup (options, "format", "s", &self->export_format);
  g_variant_dict_lookup (options, "log-format", "s", &self->export_log_format);
  g_variant_dict_lookup (options, "csv-raw", "b", &self->csv_raw);
  g_variant_dict_lookup (options, "keep-control-chars", "b", &self->keep_control_chars);
  g_variant_dict_lookup (options, "include-internal", "b", &self->include_internal);
  g_variant_dict_lookup (options, "tls-cert", "^ay", &self->tls_cert);
  g_variant_dict_lookup (options, "tls-key", "^ay", &self->tls_key);
  g_variant_dict_lookup (options, "tls-client-ca", "^ay", &self->tls_client_ca);
  g_variant_dict_lookup (options, "token", "s", &self->token);
  g_variant_dict_lookup (options, "insecure", "b", &self->insecure);
  g_variant_dict_lookup (options, "archive", "^ay", &self->archive_path);
  g_variant_dict_lookup (options, "no-archive", "b", &self->no_archive);

  /* A token in the environment stays out of the process list. */
  if (self->token == NULL && g_strcmp0 (g_getenv ("LOGDECK_TOKEN"), "") != 0)
    self->token = g_strdup (g_getenv ("LOGDECK_TOKEN"));
}

/* What a command line asks that cannot be done, said before anything starts,
 * with its line end (the messages are translated with it). */
static const char *
check_options (LdSession *self)
{
  if (self->export_format != NULL
      && !g_strv_contains ((const char *[]) { "jsonl", "csv", "text", NULL }, self->export_format))
    return _("--format must be jsonl, csv or text\n");
  if (self->max_records < 0)
    return _("--max-records must be a positive number\n");
  if (self->tcp_port > G_MAXUINT16 || self->udp_port > G_MAXUINT16
      || self->http_port > G_MAXUINT16 || self->syslog_port > G_MAXUINT16
      || self->gelf_port > G_MAXUINT16 || self->otlp_port > G_MAXUINT16)
    return _("A port must be a number from 0 to 65535\n");
  if ((self->output_path != NULL || self->export_path != NULL) && !self->headless)
    return _("--output and --export work with --headless only\n");
  if ((self->csv_raw || self->keep_control_chars || self->include_internal) && !self->headless)
    return _("--csv-raw, --keep-control-chars and --include-internal work with --headless only\n");
  if (self->archive_path != NULL && self->no_archive)
    return _("--archive and --no-archive cannot be used together\n");
  if (self->archive_path != NULL && g_file_test (self->archive_path, G_FILE_TEST_EXISTS))
    return _("--archive must name a new file; it does not write into an existing one\n");
  if ((self->tls_key != NULL || self->tls_client_ca != NULL) && self->tls_cert == NULL)
    return _("--tls-key and --tls-client-ca need --tls-cert\n");

  return NULL;
}

/**
 * ld_session_handle_options:
 * @self: a session
 * @options: the parsed command line
 *
 * Returns: -1 to go on, or an exit status
 */
int
ld_session_handle_options (LdSession    *self,
                           GVariantDict *options)
{
  const char *problem;

  g_return_val_if_fail (LD_IS_SESSION (self), 1);

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("logdeck %s\n", PACKAGE_VERSION);
      return 0;
    }

  look_up_options (self, options);
  if ((problem = check_options (self)) != NULL)
    {
      g_printerr ("%s", problem);
      return 1;
    }
  if (self->filter_text != NULL && !check_filter (self))
    return 1;

  return -1;
}

/**
 * ld_session_args_read_stdin:
 *
 * Whether the command line names "-": such an instance reads its own
 * standard input, so it must not hand over to another instance.
 */
gboolean
ld_session_args_read_stdin (int    argc,
                            char **argv)
{
  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "-"))
      return TRUE;

  return FALSE;
}
