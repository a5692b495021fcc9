// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <stdlib.h>

#include "ld-export.h"
#include "ld-file-sources.h"
#include "ld-jsonl.h"
#include "ld-level.h"
#include "ld-parallel-decode.h"
#include "ld-query.h"
#include "ld-source-tracker.h"

#include "ld-log-writer.h"
#include "ld-queue-endpoints.h"
#include "ld-session.h"

/* Records the window takes in per frame at most; 60 frames a second make
 * room for millions a second, while one frame stays short. */
#define LD_SESSION_MAX_PER_FRAME 32768

/* While the store holds fewer than LD_SESSION_RAMP_RECORDS, the window takes
 * in only LD_SESSION_FIRST_PER_FRAME records a frame: GTK 4.8's list view
 * makes up to 200 rows around the newest record, and a burst into an empty
 * window made them all in its first frame, the longest of the burst (about
 * 85 ms here; about 48 ms with four short frames first). Once the rows exist,
 * a frame takes as much as LD_SESSION_MAX_PER_FRAME again. */
#define LD_SESSION_RAMP_RECORDS 256
#define LD_SESSION_FIRST_PER_FRAME 64

/* Headless --output reaches its file at least this often while records
 * arrive, and as soon as the main loop has nothing else to do. */
#define LD_SESSION_OUTPUT_FLUSH_US (100 * 1000)

struct _LdSession
{
  GObject    parent_instance;

  GSettings *settings;
  LdStore   *store;
  LdHandoff *handoff;
  LdConnectionRegistry *registry;
  LdIngest  *ingest;
  LdIngest  *stopping_ingest;   /* being stopped on a worker during a restart */
  guint      n_tcp_numbered;    /* connection ids used by stopped listeners */
  guint      n_ws_numbered;
  gboolean   shut_down;
  LdFileSources *files;
  LdSourceTracker *tracker;

  char      *output_path;
  char      *filter_text;
  char     **connect_uris;
  LdQueueEndpoints cli_queues;  /* --zmq, --zmq-listen, --nng, --nng-listen */
  char      *export_path;
  char      *export_format;
  char      *export_log_format;
  LdQuery   *output_filter;
  gboolean   output_failed;
  FILE      *output;
  GString   *output_buffer;
  guint      flush_id;
  gint64     last_flush_us;
  gboolean   csv_raw;
  gboolean   keep_control_chars;
  gboolean   include_internal;

  char      *tls_cert;
  char      *tls_key;
  char      *tls_client_ca;
  char      *token;
  gboolean   insecure;

  guint      restart_id;

  gboolean   headless;
  gboolean   demo_requested;
  char      *cli_address;      /* --listen, until the preferences change it */
  char      *listen_address;
  int        tcp_port;
  int        udp_port;
  int        http_port;
  int        max_records;
};

G_DEFINE_FINAL_TYPE (LdSession, ld_session, G_TYPE_OBJECT)

enum {
  LISTENERS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

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
  g_application_set_option_context_summary (application,
                                            _("Receive, watch and filter log records from "
                                              "running programs."));
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

/**
 * ld_settings_new:
 *
 * The uninstalled program (build-aux/run, the tests) finds its schema in the
 * build tree; an installed one finds it where GSettings always looks.
 *
 * Returns: (transfer full): the application's settings
 */
GSettings *
ld_settings_new (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchemaSource) build_source = NULL;
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE);

  if (schema == NULL)
    {
      build_source = g_settings_schema_source_new_from_directory (BUILD_SCHEMA_DIR, source,
                                                                  FALSE, NULL);
      if (build_source != NULL)
        schema = g_settings_schema_source_lookup (build_source, APPLICATION_ID, TRUE);
    }

  if (schema == NULL)
    g_error ("The GSettings schema %s is not installed", APPLICATION_ID);

  return g_settings_new_full (schema, NULL, NULL);
}

/* A program that reconnects is the same source: the tracker sees each batch
 * first and adds a "reconnected" divider before the records it announces. */
/* How many records the window takes in next frame: few while it has few
 * rows, so that a burst into an empty window makes its rows over a few
 * frames. Headless Logdeck takes everything at once. */
static void
limit_next_frame (LdSession *self)
{
  guint n = ld_store_get_n_records (self->store);

  if (self->headless)
    return;
  ld_handoff_set_max_per_drain (self->handoff, n < LD_SESSION_RAMP_RECORDS
                                                 ? LD_SESSION_FIRST_PER_FRAME
                                                 : LD_SESSION_MAX_PER_FRAME);
}

static void
on_store_items_changed (LdSession  *self,
                        guint       position,
                        guint       removed,
                        guint       added,
                        GListModel *store)
{
  limit_next_frame (self);
}

static void
drain_into_store (LdBatch *const *batches,
                  guint           n_batches,
                  gpointer        user_data)
{
  LdSession *self = user_data;
  g_autoptr(LdBatch) dividers = ld_batch_new ();
  g_autoptr(GPtrArray) all = NULL;

  for (guint i = 0; i < n_batches; i++)
    ld_source_tracker_observe_batch (self->tracker, batches[i], dividers);

  if (ld_batch_get_length (dividers) == 0)
    ld_store_append_batches (self->store, batches, n_batches);
  else
    {
      all = g_ptr_array_sized_new (n_batches + 1);
      g_ptr_array_add (all, dividers);
      for (guint i = 0; i < n_batches; i++)
        g_ptr_array_add (all, batches[i]);
      ld_store_append_batches (self->store, (LdBatch *const *) all->pdata, all->len);
    }
}

static void
ld_session_finalize (GObject *object)
{
  LdSession *self = LD_SESSION (object);

  /* The hand-off calls back into the session: it must stop first, even if
   * nobody called ld_session_shutdown(). */
  if (self->handoff != NULL)
    {
      ld_log_writer_set_handoff (NULL);
      ld_handoff_shutdown (self->handoff);
    }

  g_clear_pointer (&self->ingest, ld_ingest_free);
  g_clear_object (&self->files);
  g_clear_object (&self->tracker);
  g_clear_object (&self->registry);
  g_clear_pointer (&self->handoff, ld_handoff_unref);
  g_clear_object (&self->store);
  g_clear_pointer (&self->output_path, g_free);
  g_clear_pointer (&self->filter_text, g_free);
  g_clear_pointer (&self->connect_uris, g_strfreev);
  g_clear_pointer (&self->export_path, g_free);
  g_clear_pointer (&self->export_format, g_free);
  g_clear_pointer (&self->export_log_format, g_free);
  g_clear_pointer (&self->output_filter, ld_query_unref);
  if (self->output_buffer != NULL)
    g_string_free (self->output_buffer, TRUE);
  g_clear_handle_id (&self->flush_id, g_source_remove);
  g_clear_pointer (&self->tls_cert, g_free);
  ld_queue_endpoints_clear (&self->cli_queues);
  g_clear_pointer (&self->tls_key, g_free);
  g_clear_pointer (&self->tls_client_ca, g_free);
  g_clear_pointer (&self->token, g_free);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->listen_address, g_free);
  g_clear_pointer (&self->cli_address, g_free);
  g_clear_handle_id (&self->restart_id, g_source_remove);

  G_OBJECT_CLASS (ld_session_parent_class)->finalize (object);
}

static void
ld_session_class_init (LdSessionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ld_session_finalize;

  /**
   * LdSession::listeners-changed:
   *
   * The listeners restarted with new settings: addresses and ports may
   * have changed.
   */
  signals[LISTENERS_CHANGED] = g_signal_new ("listeners-changed", G_TYPE_FROM_CLASS (klass),
                                             G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                             G_TYPE_NONE, 0);
}

static void
ld_session_init (LdSession *self)
{
  /* -1 is "not given": 0 asks the system for any free port. */
  self->tcp_port = self->udp_port = self->http_port = -1;
}

LdSession *
ld_session_new (void)
{
  return g_object_new (LD_TYPE_SESSION, NULL);
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
      || self->http_port > G_MAXUINT16)
    return _("A port must be a number from 0 to 65535\n");
  if ((self->output_path != NULL || self->export_path != NULL) && !self->headless)
    return _("--output and --export work with --headless only\n");
  if ((self->csv_raw || self->keep_control_chars || self->include_internal) && !self->headless)
    return _("--csv-raw, --keep-control-chars and --include-internal work with --headless only\n");
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

/* Headless Logdeck has no table to show its own records in: each goes to
 * standard error as one escaped line, unless --include-internal puts them in
 * the output. Those that came through g_log() are there already, written by
 * GLib's own writer as it filters them (G_MESSAGES_DEBUG). */
static void
print_internal (const LdRecord *record)
{
  g_autoptr(GString) line = g_string_new (NULL);
  g_autoptr(GString) escaped = g_string_new ("logdeck: ");
  const char *level = ld_intern_lookup (record->level_name);
  g_autofree char *level_display = level == NULL ? ld_level_display_name (record->level) : NULL;
  const char *message;
  gsize length;

  if (g_strcmp0 (ld_intern_lookup (record->connection), LD_LOG_WRITER_CONNECTION) == 0)
    return;

  message = ld_record_get_message (record, &length);
  g_string_printf (line, "%s %s: ", level != NULL ? level : level_display,
                   ld_intern_lookup (record->logger));
  g_string_append_len (line, message, length);
  ld_jsonl_append_escaped (escaped, line->str, line->len, LD_ESCAPE_LINE);
  g_printerr ("%s\n", escaped->str);
}

/* Said once: with --include-internal the warning is itself a record to
 * write, and a failing output would otherwise feed on its own warnings. */
static void
output_failed (LdSession *self)
{
  if (self->output_failed)
    return;
  self->output_failed = TRUE;
  g_warning ("Could not write to %s: %s", self->output_path, g_strerror (errno));
}

static void
flush_output (LdSession *self)
{
  if (fflush (self->output) != 0)
    output_failed (self);
  self->last_flush_us = g_get_monotonic_time ();
}

static gboolean
flush_output_when_idle (gpointer data)
{
  LdSession *self = data;

  self->flush_id = 0;
  flush_output (self);
  return G_SOURCE_REMOVE;
}

/* Records reach the file when the main loop goes idle after a burst, and at
 * least every LD_SESSION_OUTPUT_FLUSH_US while they keep coming (when it may
 * never go idle); nothing wakes up while none arrive. */
static void
schedule_flush (LdSession *self)
{
  if (g_get_monotonic_time () - self->last_flush_us >= LD_SESSION_OUTPUT_FLUSH_US)
    flush_output (self);
  else if (self->flush_id == 0)
    self->flush_id = g_idle_add_full (G_PRIORITY_LOW, flush_output_when_idle, self, NULL);
}

static void
write_output (LdSession *self)
{
  if (self->output_buffer->len == 0)
    return;

  if (fwrite (self->output_buffer->str, 1, self->output_buffer->len, self->output)
      != self->output_buffer->len)
    output_failed (self);
  schedule_flush (self);
}

/* Headless: every record as a canonical JSON line as it arrives (those
 * --filter matches), and Logdeck's own on standard error. */
static void
on_records_added (LdSession  *self,
                  guint       position,
                  guint       removed,
                  guint       added,
                  GListModel *store)
{
  if (self->output_buffer != NULL)
    g_string_truncate (self->output_buffer, 0);

  for (guint i = position; i < position + added; i++)
    {
      const LdRecord *record = ld_store_get_record (self->store, i);

      if (!self->include_internal && ld_export_record_is_internal (record))
        print_internal (record);
      else if (self->output != NULL
               && (self->output_filter == NULL || ld_query_matches (self->output_filter, record)))
        ld_jsonl_append_record (self->output_buffer, record, record->text);
    }

  if (self->output != NULL)
    write_output (self);
}

static void
open_output (LdSession *self)
{
  if (g_str_equal (self->output_path, "-"))
    self->output = stdout;
  else
    self->output = fopen (self->output_path, "w");

  if (self->output == NULL)
    {
      int saved_errno = errno;
      g_printerr (_("Cannot write to %s: %s\n"), self->output_path, g_strerror (saved_errno));
      exit (1);
    }

  self->output_buffer = g_string_sized_new (64 * 1024);
}

static void
close_output (LdSession *self)
{
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_func (self->store, on_records_added, self);
  g_clear_handle_id (&self->flush_id, g_source_remove);
  if (self->output == NULL)
    return;

  if (self->output == stdout)
    fflush (stdout);
  else
    fclose (self->output);
  self->output = NULL;
}

static void
add_listener (LdSession  *self,
              const char *which,
              gboolean  (*add) (LdIngest *, const char *, guint16, GError **))
{
  g_autofree char *enabled_key = g_strdup_printf ("%s-enabled", which);
  g_autoptr(GError) error = NULL;

  if (!g_settings_get_boolean (self->settings, enabled_key))
    return;

  if (!add (self->ingest, ld_session_get_listen_address (self), ld_session_get_port (self, which),
            &error))
    g_warning ("The %s listener cannot start: %s", which, error->message);
}

static gboolean
set_security (LdSession  *self,
              GError    **error)
{
  LdIngestSecurity security = {
    .tls_cert_file = self->tls_cert,
    .tls_key_file = self->tls_key,
    .tls_client_ca_file = self->tls_client_ca,
    .token = self->token,
    .insecure = self->insecure,
  };

  return ld_ingest_set_security (self->ingest, &security, error);
}

/* A port that is taken does not stop the others: the registry shows that
 * endpoint as failed with the system's reason, and the warning reaches the
 * table through the log writer. TLS files that cannot be used stop them
 * all rather than listen without the protection asked for. */
static gboolean
start_listeners (LdSession  *self,
                 GError    **error)
{
  self->ingest = ld_ingest_new (self->handoff, self->registry);
  ld_ingest_continue_numbering (self->ingest, self->n_tcp_numbered, self->n_ws_numbered);
  if (!set_security (self, error))
    return FALSE;
  add_listener (self, "tcp", ld_ingest_add_tcp);
  add_listener (self, "udp", ld_ingest_add_udp);
  add_listener (self, "http", ld_ingest_add_http);
  ld_queue_endpoints_add (&self->cli_queues, self->settings, self->ingest);

  /* Each restart of the listeners connects the clients again. */
  for (guint i = 0; self->connect_uris != NULL && self->connect_uris[i] != NULL; i++)
    {
      g_autoptr(GError) connect_error = NULL;

      if (!ld_ingest_add_ws_client (self->ingest, self->connect_uris[i], &connect_error))
        g_warning ("--connect: %s", connect_error->message);
    }

  return TRUE;
}

static gboolean
start_listeners_after_stop (gpointer data)
{
  LdSession *self = data;

  if (self->store != NULL && !self->shut_down)
    {
      g_autoptr(GError) error = NULL;

      if (start_listeners (self, &error))
        g_message ("Listening again with the new settings");
      else
        g_warning ("The listeners cannot start: %s", error->message);
      g_signal_emit (self, signals[LISTENERS_CHANGED], 0);
    }
  g_object_unref (self);

  return G_SOURCE_REMOVE;
}

/* Stopping takes in what the old listeners' peers already sent, and may
 * take a while: never on the UI thread. The new listeners start once the
 * old ones have let go of their ports. */
static gpointer
restart_in_background (gpointer data)
{
  LdSession *self = data;

  ld_ingest_stop (self->stopping_ingest);
  ld_ingest_get_numbering (self->stopping_ingest, &self->n_tcp_numbered, &self->n_ws_numbered);
  ld_ingest_free (g_steal_pointer (&self->stopping_ingest));
  /* An idle on the default context runs on the UI thread; invoking could
   * run it here, on this worker, if the context happens to be free. */
  g_idle_add (start_listeners_after_stop, self);

  return NULL;
}

static gboolean
restart_listeners (gpointer user_data)
{
  LdSession *self = user_data;

  self->restart_id = 0;
  g_clear_pointer (&self->listen_address, g_free);
  self->stopping_ingest = g_steal_pointer (&self->ingest);
  g_thread_unref (g_thread_new ("ingest-restart", restart_in_background, g_object_ref (self)));

  return G_SOURCE_REMOVE;
}

/* Endpoints apply without a restart of Logdeck: edits in the preferences
 * come in bursts (typing a port), so the listeners restart once they stop. */
static void
on_endpoint_setting_changed (LdSession  *self,
                             const char *key,
                             GSettings  *settings)
{
  /* Once the user sets endpoints, the command line's no longer apply. The
   * address is read anew when the listeners restart. */
  g_clear_pointer (&self->cli_address, g_free);
  self->tcp_port = self->udp_port = self->http_port = -1;

  g_clear_handle_id (&self->restart_id, g_source_remove);
  self->restart_id = g_timeout_add (500, restart_listeners, self);
}

static void
apply_retention (LdSession *self)
{
  guint max_records = self->max_records > 0 ? (guint) self->max_records
                                            : g_settings_get_uint (self->settings, "max-records");
  guint64 megabytes = g_settings_get_uint (self->settings, "max-megabytes");

  ld_store_set_max_records (self->store, max_records);
  ld_store_set_max_bytes (self->store, megabytes * 1024 * 1024);
}

static void
on_retention_setting_changed (LdSession  *self,
                              const char *key,
                              GSettings  *settings)
{
  if (g_str_equal (key, "max-records"))
    self->max_records = 0;
  apply_retention (self);
}

static void
watch_settings (LdSession *self)
{
  static const char *endpoint_keys[] = {
    "listen-address", "tcp-port", "udp-port", "http-port", "tcp-enabled", "udp-enabled",
    "http-enabled", "zmq-connect", "zmq-listen", "nng-dial", "nng-listen",
  };

  for (guint i = 0; i < G_N_ELEMENTS (endpoint_keys); i++)
    {
      g_autofree char *signal = g_strdup_printf ("changed::%s", endpoint_keys[i]);
      g_signal_connect_object (self->settings, signal, G_CALLBACK (on_endpoint_setting_changed),
                               self, G_CONNECT_SWAPPED);
    }
  g_signal_connect_object (self->settings, "changed::max-records",
                           G_CALLBACK (on_retention_setting_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::max-megabytes",
                           G_CALLBACK (on_retention_setting_changed), self, G_CONNECT_SWAPPED);
}

/* Headless Logdeck that cannot listen as asked stops at once; the window
 * shows why in its table. */
static void
start_listeners_or_say_why (LdSession *self)
{
  g_autoptr(GError) error = NULL;

  if (start_listeners (self, &error))
    return;

  if (!self->headless)
    {
      g_warning ("The listeners cannot start: %s", error->message);
      return;
    }
  g_printerr (_("Cannot listen: %s\n"), error->message);
  exit (1);
}

/**
 * ld_session_start:
 * @self: a session
 * @headless: whether there is no window to feed, so records are taken as
 *   they come rather than once per frame
 *
 * Creates the store and the hand-off, and routes the process's own GLib log
 * entries into them.
 */
void
ld_session_start (LdSession *self,
                  gboolean   headless)
{
  g_return_if_fail (LD_IS_SESSION (self));
  g_return_if_fail (self->store == NULL);

  self->settings = ld_settings_new ();
  self->store = ld_store_new (0);
  self->tracker = ld_source_tracker_new ();
  apply_retention (self);
  self->handoff = ld_handoff_new (NULL, drain_into_store, self, NULL);
  self->headless = headless;
  if (headless)
    {
      ld_handoff_set_min_interval (self->handoff, 0);
      ld_parallel_decode_set_headless (TRUE);
    }
  else
    {
      /* A backlog goes into the window over several frames, not one long
       * one; after Clear, the window starts small again. */
      limit_next_frame (self);
      g_signal_connect_object (self->store, "items-changed", G_CALLBACK (on_store_items_changed),
                               self, G_CONNECT_SWAPPED);
    }

  ld_log_writer_install ();
  ld_log_writer_set_handoff (self->handoff);

  if (self->output_path != NULL)
    open_output (self);
  if (headless)
    g_signal_connect_object (self->store, "items-changed", G_CALLBACK (on_records_added), self,
                             G_CONNECT_SWAPPED);
  self->registry = ld_connection_registry_new ();
  self->files = ld_file_sources_new (self->handoff, self->registry);
  start_listeners_or_say_why (self);
  watch_settings (self);
}

/* The positions of the records --export writes: all but Logdeck's own,
 * unless --include-internal. */
static GArray *
export_positions (LdSession *self)
{
  guint n = ld_store_get_n_records (self->store);
  GArray *positions = g_array_sized_new (FALSE, FALSE, sizeof (guint), n);

  for (guint i = 0; i < n; i++)
    {
      const LdRecord *record = ld_store_get_record (self->store, i);

      if (self->include_internal || !ld_export_record_is_internal (record))
        g_array_append_val (positions, i);
    }

  return positions;
}

static LdExportFormat
export_format (LdSession *self,
               GFile     *file)
{
  if (g_strcmp0 (self->export_format, "jsonl") == 0)
    return LD_EXPORT_JSONL;
  if (g_strcmp0 (self->export_format, "csv") == 0)
    return LD_EXPORT_CSV;
  if (g_strcmp0 (self->export_format, "text") == 0)
    return LD_EXPORT_TEXT;
  return ld_export_format_for_file (file);
}

/* --export: the records kept, written when stopping, as the export dialog
 * would (atomically: a failure leaves no half file); then where, on
 * standard error, for the script that asked. */
static void
export_on_exit (LdSession *self)
{
  g_autoptr(GFile) file = g_file_new_for_commandline_arg (self->export_path);
  g_autoptr(GArray) positions = export_positions (self);
  g_autoptr(LdExportSnapshot) snapshot = NULL;
  g_autofree char *name = g_file_get_parse_name (file);
  LdExportOptions options = {
    .format = export_format (self, file),
    .log_format = self->export_log_format,
    .csv_raw = self->csv_raw,
    .keep_control_chars = self->keep_control_chars,
  };
  g_autoptr(GError) error = NULL;
  guint n;

  snapshot = ld_export_snapshot_new_from_store (self->store, (const guint *) positions->data,
                                                positions->len);
  n = ld_export_snapshot_get_n_records (snapshot);
  if (!ld_export_to_file (snapshot, file, &options, NULL, &error))
    g_printerr ("%s\n", error->message);
  else
    g_printerr (ngettext ("Exported %'u record to %s\n", "Exported %'u records to %s\n", n), n,
                name);
}

/**
 * ld_session_shutdown:
 * @self: a session
 *
 * Stops taking records. Call it on the UI thread before exiting.
 */
void
ld_session_shutdown (LdSession *self)
{
  g_return_if_fail (LD_IS_SESSION (self));

  g_clear_handle_id (&self->restart_id, g_source_remove);
  self->shut_down = TRUE;
  if (self->files != NULL)
    ld_file_sources_cancel (self->files);
  /* Stop listening, then take in what was already read before closing the
   * output, so nothing received is lost on SIGTERM. */
  if (self->ingest != NULL)
    ld_ingest_stop (self->ingest);
  if (self->handoff != NULL)
    ld_handoff_drain_all (self->handoff);
  close_output (self);
  if (self->export_path != NULL)
    export_on_exit (self);

  ld_log_writer_set_handoff (NULL);
  if (self->handoff != NULL)
    ld_handoff_shutdown (self->handoff);
}

LdStore *
ld_session_get_store (LdSession *self)
{
  g_return_val_if_fail (LD_IS_SESSION (self), NULL);

  return self->store;
}

LdHandoff *
ld_session_get_handoff (LdSession *self)
{
  g_return_val_if_fail (LD_IS_SESSION (self), NULL);

  return self->handoff;
}

/**
 * ld_session_set_source_tracker:
 * @self: a session
 * @tracker: the tracker whose sources a window shows
 *
 * The window's dashboard has a tracker of its own; records go through it.
 */
void
ld_session_set_source_tracker (LdSession       *self,
                               LdSourceTracker *tracker)
{
  g_return_if_fail (LD_IS_SESSION (self));

  g_set_object (&self->tracker, tracker);
}

/**
 * ld_session_get_filter:
 * @self: a session
 *
 * Returns: (nullable): the query given with --filter
 */
const char *
ld_session_get_filter (LdSession *self)
{
  g_return_val_if_fail (LD_IS_SESSION (self), NULL);

  return self->filter_text;
}

/**
 * ld_session_open:
 * @self: a session
 * @files: (array length=n_files): files from the command line or the user;
 *   one named "-" that does not exist stands for standard input
 * @follow: whether to keep reading a single file as it grows
 */
void
ld_session_open (LdSession  *self,
                 GFile     **files,
                 guint       n_files,
                 gboolean    follow)
{
  g_autoptr(GPtrArray) real = g_ptr_array_new ();

  g_return_if_fail (LD_IS_SESSION (self));

  for (guint i = 0; i < n_files; i++)
    {
      g_autofree char *name = g_file_get_basename (files[i]);

      if (g_str_equal (name, "-") && !g_file_query_exists (files[i], NULL))
        ld_file_sources_open_stdin (self->files);
      else
        g_ptr_array_add (real, files[i]);
    }

  if (real->len > 0)
    ld_file_sources_open (self->files, (GFile **) real->pdata, real->len, follow);
}

LdFileSources *
ld_session_get_file_sources (LdSession *self)
{
  g_return_val_if_fail (LD_IS_SESSION (self), NULL);

  return self->files;
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

LdConnectionRegistry *
ld_session_get_registry (LdSession *self)
{
  g_return_val_if_fail (LD_IS_SESSION (self), NULL);

  return self->registry;
}

LdIngest *
ld_session_get_ingest (LdSession *self)
{
  g_return_val_if_fail (LD_IS_SESSION (self), NULL);

  return self->ingest;
}

GSettings *
ld_session_get_settings (LdSession *self)
{
  g_return_val_if_fail (LD_IS_SESSION (self), NULL);

  return self->settings;
}

gboolean
ld_session_get_headless (LdSession *self)
{
  g_return_val_if_fail (LD_IS_SESSION (self), FALSE);

  return self->headless;
}

gboolean
ld_session_get_demo_requested (LdSession *self)
{
  g_return_val_if_fail (LD_IS_SESSION (self), FALSE);

  return self->demo_requested;
}

/**
 * ld_session_get_listen_address:
 * @self: a session
 *
 * Returns: the address given with --listen, or the one in the settings
 */
const char *
ld_session_get_listen_address (LdSession *self)
{
  g_return_val_if_fail (LD_IS_SESSION (self), NULL);

  if (self->cli_address != NULL)
    return self->cli_address;

  /* Refreshed when the setting changes, so a pointer handed out stays valid. */
  if (self->listen_address == NULL)
    self->listen_address = g_settings_get_string (self->settings, "listen-address");
  return self->listen_address;
}

/**
 * ld_session_get_port:
 * @self: a session
 * @which: "tcp", "udp" or "http"
 *
 * Returns: the port given on the command line (0 for any free port), or
 *   the one in the settings
 */
guint
ld_session_get_port (LdSession  *self,
                     const char *which)
{
  g_autofree char *key = g_strdup_printf ("%s-port", which);
  g_autoptr(GVariant) value = NULL;
  int given = -1;

  g_return_val_if_fail (LD_IS_SESSION (self), 0);

  if (g_str_equal (which, "tcp"))
    given = self->tcp_port;
  else if (g_str_equal (which, "udp"))
    given = self->udp_port;
  else if (g_str_equal (which, "http"))
    given = self->http_port;

  if (given >= 0)
    return given;

  value = g_settings_get_value (self->settings, key);
  return g_variant_get_uint16 (value);
}
