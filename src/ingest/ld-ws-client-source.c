// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ingest"

#include "config.h"

#include <libsoup/soup.h>

#include "ld-loki-tail.h"
#include "ld-ws-client-source.h"

/* libsoup's SoupSession and SoupWebsocketConnection bind to the thread-
 * default main context of the moment they are made, so the client is made,
 * run and stopped on the ingest thread only (ld_ingest_add_ws_client()
 * builds it on the caller's thread, where only the URI is checked).
 *
 * The client keeps trying: after a failed attempt or a lost connection it
 * waits, 1 s at first and twice as long after each failure in a row, up to
 * 30 s; a connection that opened starts the count again. The registry shows
 * it connecting, open, or closed with the reason and the next attempt. */

/* What a message from the server may be: libsoup's 128 KiB default is too
 * small for a busy Loki tail. */
#define MAX_INCOMING_PAYLOAD (16 * 1024 * 1024)
#define KEEPALIVE_SECONDS    20
/* How long stopping waits for the close handshake or a cancelled attempt. */
#define STOP_TIMEOUT_US      (2 * G_USEC_PER_SEC)

typedef struct _LdWsClient LdWsClient;

struct _LdWsClient
{
  LdSource                 parent;
  char                    *uri;
  char                    *peer;
  SoupSession             *session;
  GCancellable            *cancellable;    /* of the attempt under way */
  SoupWebsocketConnection *connection;
  GSource                 *retry;
  guint                    backoff_ms;
  gboolean                 stopped;
  LdConnectionState        state;
  LdBatch                 *batch;
  gint64                   since;
  gint64                   last_report;
  guint64                  n_records;
  guint64                  n_bytes;
  guint64                  n_errors;
  char                    *last_error;
};

static void connect_now (LdWsClient *self);

static void
report (LdWsClient        *self,
        LdConnectionState  state)
{
  LdConnectionInfo info = {
    .id = self->parent.id,
    .kind = LD_CONNECTION_KIND_CONNECTION,
    .protocol = LD_INGEST_PROTOCOL_WS_CLIENT,
    .address = self->uri,
    .state = state,
    .connected_since = self->since,
    .closed_at = state == LD_CONNECTION_CLOSED ? g_get_real_time () : 0,
    .n_records = self->n_records,
    .n_bytes = self->n_bytes,
    .n_errors = self->n_errors,
    .last_error = self->last_error,
  };

  self->state = state;
  self->last_report = g_get_monotonic_time ();
  ld_ingest_shared_report (self->parent.shared, &info);
}

static void
set_last_error (LdWsClient *self,
                char       *what)
{
  g_free (self->last_error);
  self->last_error = what;
}

static gboolean
on_retry (gpointer user_data)
{
  LdWsClient *self = user_data;

  g_clear_pointer (&self->retry, g_source_unref);
  connect_now (self);
  return G_SOURCE_REMOVE;
}

/* Shows why the client is not connected, and when it tries again. */
static void
schedule_retry (LdWsClient *self,
                const char *why)
{
  guint delay = self->backoff_ms;

  if (self->stopped)
    return;

  set_last_error (self, g_strdup_printf ("%s; trying again in %u s", why, delay / 1000));
  report (self, LD_CONNECTION_CLOSED);
  self->backoff_ms = MIN (delay * 2, LD_WS_CLIENT_MAX_BACKOFF_MS);

  self->retry = g_timeout_source_new (delay);
  g_source_set_static_name (self->retry, "[logdeck] ws client retry");
  g_source_set_callback (self->retry, on_retry, self, NULL);
  g_source_attach (self->retry, self->parent.shared->context);
}

static void
take_text (LdWsClient *self,
           const char *text,
           gsize       length)
{
  LdIngestOrigin origin = {
    .record.connection = self->parent.id,
    .record.peer = self->peer,
    .record.protocol = LD_INGEST_PROTOCOL_WS_CLIENT,
  };
  guint n_added = 0;
  gboolean ok;

  if (ld_ingest_is_blank (text, length))
    return;

  if (ld_loki_tail_detect (text, length))
    ok = ld_loki_tail_add_message (self->batch, text, length, &origin, &n_added);
  else
    ok = ld_ingest_add_json (self->batch, text, length, &origin, &n_added, NULL);

  self->n_records += n_added;
  self->n_errors += !ok;
}

static void
on_message (SoupWebsocketConnection *connection,
            int                      type,
            GBytes                  *message,
            gpointer                 user_data)
{
  LdWsClient *self = user_data;
  gsize length;
  const char *data = g_bytes_get_data (message, &length);

  self->n_bytes += length;
  if (type == SOUP_WEBSOCKET_DATA_TEXT)
    take_text (self, data, length);
  else
    {
      ld_ingest_add_problem (self->batch, NULL, 30, self->parent.id, self->peer,
                             LD_INGEST_PROTOCOL_WS_CLIENT,
                             "%s: a binary message of %" G_GSIZE_FORMAT " bytes from %s was "
                             "skipped: log records are taken from text messages",
                             self->parent.id, length, self->uri);
      self->n_errors++;
    }

  /* One hand-over per message; the registry hears at most every interval. */
  ld_ingest_shared_flush (self->parent.shared, &self->batch);
  if (g_get_monotonic_time () - self->last_report >= LD_INGEST_REPORT_INTERVAL_US)
    report (self, LD_CONNECTION_OPEN);
}

static void
on_error (SoupWebsocketConnection *connection,
          GError                  *error,
          gpointer                 user_data)
{
  LdWsClient *self = user_data;

  set_last_error (self, g_strdup (error->message));
}

static void
on_closed (SoupWebsocketConnection *connection,
           gpointer                 user_data)
{
  LdWsClient *self = user_data;
  gushort code = soup_websocket_connection_get_close_code (connection);
  const char *data = soup_websocket_connection_get_close_data (connection);
  g_autofree char *why = NULL;

  g_signal_handlers_disconnect_by_data (connection, self);
  g_clear_object (&self->connection);

  if (code != 0)
    why = g_strdup_printf ("closed by the server (%u%s%s)", code,
                           data != NULL && *data != '\0' ? ": " : "", data != NULL ? data : "");
  else
    why = g_strdup_printf ("connection lost%s%s", self->last_error != NULL ? ": " : "",
                           self->last_error != NULL ? self->last_error : "");
  schedule_retry (self, why);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  LdWsClient *self = user_data;
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *connection;

  connection = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  g_clear_object (&self->cancellable);
  if (connection == NULL)
    {
      g_autofree char *why = g_strdup_printf ("cannot connect: %s", error->message);

      schedule_retry (self, why);
      return;
    }

  self->connection = connection;
  self->backoff_ms = LD_WS_CLIENT_MIN_BACKOFF_MS;
  self->since = g_get_real_time ();
  set_last_error (self, NULL);
  soup_websocket_connection_set_max_incoming_payload_size (connection, MAX_INCOMING_PAYLOAD);
  soup_websocket_connection_set_keepalive_interval (connection, KEEPALIVE_SECONDS);
  g_signal_connect (connection, "message", G_CALLBACK (on_message), self);
  g_signal_connect (connection, "error", G_CALLBACK (on_error), self);
  g_signal_connect (connection, "closed", G_CALLBACK (on_closed), self);
  report (self, LD_CONNECTION_OPEN);
}

static void
connect_now (LdWsClient *self)
{
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, self->uri);

  self->cancellable = g_cancellable_new ();
  report (self, LD_CONNECTION_CONNECTING);
  soup_session_websocket_connect_async (self->session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        self->cancellable, on_connected, self);
}

/* Makes the session, on the ingest thread, and starts connecting. */
static void
ws_client_start (LdSource *source)
{
  LdWsClient *self = (LdWsClient *) source;

  self->session = soup_session_new_with_options ("user-agent", "Logdeck/" PACKAGE_VERSION " ",
                                                 NULL);
  connect_now (self);
}

/* Runs the ingest context until @done, for at most the stop timeout: a
 * cancelled attempt and a closing handshake end in callbacks there. */
static void
iterate_until (LdWsClient *self,
               gboolean  (*done) (LdWsClient *self))
{
  gint64 deadline = g_get_monotonic_time () + STOP_TIMEOUT_US;

  while (!done (self) && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (self->parent.shared->context, FALSE))
      g_usleep (1000);
}

static gboolean
attempt_ended (LdWsClient *self)
{
  return self->cancellable == NULL;
}

static gboolean
connection_ended (LdWsClient *self)
{
  return self->connection == NULL;
}

/* Stops trying, and closes the connection with "going away" (1001). */
static void
ws_client_stop (LdSource *source)
{
  LdWsClient *self = (LdWsClient *) source;

  self->stopped = TRUE;
  if (self->retry != NULL)
    {
      g_source_destroy (self->retry);
      g_clear_pointer (&self->retry, g_source_unref);
    }
  if (self->cancellable != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      iterate_until (self, attempt_ended);
    }
  if (self->connection != NULL)
    {
      soup_websocket_connection_close (self->connection, SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
                                       "Logdeck stopped");
      iterate_until (self, connection_ended);
      if (self->connection != NULL)
        g_signal_handlers_disconnect_by_data (self->connection, self);
      g_clear_object (&self->connection);
    }
  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);

  ld_ingest_shared_flush (self->parent.shared, &self->batch);
  set_last_error (self, NULL);
  report (self, LD_CONNECTION_CLOSED);
}

static void
ws_client_finalize (LdSource *source)
{
  LdWsClient *self = (LdWsClient *) source;

  g_assert (self->session == NULL && self->retry == NULL);
  ld_batch_free (self->batch);
  g_free (self->last_error);
  g_free (self->peer);
  g_free (self->uri);
}

LD_DEFINE_SOURCE_CLASS (ws_client, "ws-client");

/**
 * ld_ws_client_source_new:
 * @shared: what the ingest thread's sources share
 * @uri: a ws:// or wss:// URI
 * @error: why @uri cannot be used
 *
 * The client is "ws-client-1", "ws-client-2"…, in the order made; a URI
 * that cannot be used takes no number.
 *
 * Returns: (nullable): the client, not yet connecting
 */
LdSource *
ld_ws_client_source_new (LdIngestShared *shared,
                         const char     *uri,
                         GError        **error)
{
  g_autoptr(GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_NONE, error);
  const char *scheme;
  LdWsClient *self;
  char *id;

  if (parsed == NULL)
    return NULL;
  scheme = g_uri_get_scheme (parsed);
  if (g_ascii_strcasecmp (scheme, "ws") != 0 && g_ascii_strcasecmp (scheme, "wss") != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” is not a WebSocket URI (ws://HOST:PORT/PATH)", uri);
      return NULL;
    }
  if ((id = ld_source_next_id (shared, "ws-client", LD_SOURCE_ID_NUMBERED, error)) == NULL)
    return NULL;

  self = g_new0 (LdWsClient, 1);
  ld_source_init (&self->parent, &ws_client_class, shared, id);
  self->uri = g_strdup (uri);
  self->peer = g_uri_get_port (parsed) > 0
               ? g_strdup_printf ("%s:%d", g_uri_get_host (parsed), g_uri_get_port (parsed))
               : g_strdup (g_uri_get_host (parsed));
  self->backoff_ms = LD_WS_CLIENT_MIN_BACKOFF_MS;
  self->batch = ld_batch_new ();

  return &self->parent;
}

