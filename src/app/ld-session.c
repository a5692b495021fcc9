// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

/* The session's lifecycle: it starts the store, the hand-off and the
 * listeners, restarts the listeners when their settings change, and stops
 * them all. The command line is in ld-session-options.c, the headless
 * writers in ld-session-output.c. */

#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>

#include "ld-file-sources.h"
#include "ld-parallel-decode.h"
#include "ld-source-tracker.h"

#include "ld-log-writer.h"
#include "ld-session-private.h"

G_DEFINE_FINAL_TYPE (LdSession, ld_session, G_TYPE_OBJECT)

enum {
  LISTENERS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

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

  /* A session finalized without a shutdown still lets its writers finish. */
  _ld_session_close_output (self);
  _ld_session_stop_archive (self);
  g_clear_pointer (&self->archive_path, g_free);
  g_clear_pointer (&self->numbered, g_hash_table_unref);
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
  self->syslog_port = self->gelf_port = self->otlp_port = -1;
}

LdSession *
ld_session_new (void)
{
  return g_object_new (LD_TYPE_SESSION, NULL);
}
/* The standard protocols' well-known ports are often held already, by a
 * system rsyslog, an OpenTelemetry Collector or another Logdeck: that is no
 * fault of this one, and the Sources panel lists the endpoint as failed with
 * the reason, so it is neither a warning nor a record in the table (every
 * message logged, even a debug one, becomes a record). */
static void
add_listener_full (LdSession  *self,
                   const char *which,
                   gboolean  (*add) (LdIngest *, const char *, guint16, GError **),
                   gboolean    warn)
{
  g_autofree char *enabled_key = g_strdup_printf ("%s-enabled", which);
  g_autoptr(GError) error = NULL;

  if (!g_settings_get_boolean (self->settings, enabled_key))
    return;

  if (!add (self->ingest, ld_session_get_listen_address (self), ld_session_get_port (self, which),
            &error) && warn)
    g_warning ("The %s listener cannot start: %s", which, error->message);
}

static void
add_listener (LdSession  *self,
              const char *which,
              gboolean  (*add) (LdIngest *, const char *, guint16, GError **))
{
  add_listener_full (self, which, add, TRUE);
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
  if (self->numbered != NULL)
    ld_ingest_continue_connection_numbering (self->ingest, self->numbered);
  if (!set_security (self, error))
    return FALSE;
  add_listener (self, "tcp", ld_ingest_add_tcp);
  add_listener (self, "udp", ld_ingest_add_udp);
  add_listener (self, "http", ld_ingest_add_http);
  add_listener_full (self, "syslog", ld_ingest_add_syslog, FALSE);
  add_listener_full (self, "gelf", ld_ingest_add_gelf, FALSE);
  add_listener_full (self, "otlp", ld_ingest_add_otlp, FALSE);
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

  self->restarting = FALSE;
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
  g_clear_pointer (&self->numbered, g_hash_table_unref);
  self->numbered = ld_ingest_get_connection_numbering (self->stopping_ingest);
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

  /* One restart at a time: another edit while the old listeners are still
   * stopping waits for them. */
  if (self->restarting)
    return G_SOURCE_CONTINUE;

  self->restart_id = 0;
  self->restarting = TRUE;
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
  self->syslog_port = self->gelf_port = self->otlp_port = -1;

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
    "http-enabled", "syslog-port", "syslog-enabled", "gelf-port", "gelf-enabled",
    "otlp-port", "otlp-enabled", "zmq-connect", "zmq-listen", "nng-dial", "nng-listen",
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
 *   they come and written to --output
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
  /* A window takes records in once per frame, as many as its ramp allows
   * (ld-window-ramp.c); with none, records are taken as they come. */
  if (headless)
    {
      ld_handoff_set_min_interval (self->handoff, 0);
      ld_parallel_decode_set_headless (TRUE);
    }

  ld_log_writer_install ();
  ld_log_writer_set_handoff (self->handoff);
  ld_log_writer_set_echo (headless);

  _ld_session_start_output (self);
  self->registry = ld_connection_registry_new ();
  self->files = ld_file_sources_new (self->handoff, self->registry);
  start_listeners_or_say_why (self);
  /* After the listeners: headless Logdeck that cannot listen stops before
   * making an archive. Nothing is lost meanwhile: records reach the store
   * on this thread, which is busy here, and the archive starts with every
   * record the store holds. */
  _ld_session_start_archive (self);
  watch_settings (self);
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
  _ld_session_close_output (self);
  if (self->export_path != NULL)
    _ld_session_export_on_exit (self);
  _ld_session_stop_archive (self);

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
  else if (g_str_equal (which, "syslog"))
    given = self->syslog_port;
  else if (g_str_equal (which, "gelf"))
    given = self->gelf_port;
  else if (g_str_equal (which, "otlp"))
    given = self->otlp_port;

  if (given >= 0)
    return given;

  value = g_settings_get_value (self->settings, key);
  return g_variant_get_uint16 (value);
}
