// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ingest"

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "ld-http-form.h"
#include "ld-http-listener.h"
#include "ld-ws-session.h"

/* The socket is bound on the caller's thread, so that a taken port is an
 * error at once; libsoup's server is made, listens and is disposed of on the
 * ingest thread, since its sources attach to the thread-default context of
 * the moment and it is not thread-safe.
 *
 * libsoup answers the WebSocket upgrade on /ws; the connection is then taken
 * from it and read by an LdWsSession (see there why). /log takes what
 * logging.handlers.HTTPHandler sends, GET or POST, and POSTs of JSON bodies
 * from log shippers. libsoup's server would hold a request body of any size
 * in memory, so bodies are collected here, up to the frame limit. */

#define BACKLOG  1024
#define BODY_KEY "logdeck-body"
#define PEER_KEY "logdeck-peer"

struct _LdHttpListener
{
  LdIngestShared *shared;
  char           *id;
  char           *address;
  guint16         port;
  GSocket        *socket;
  SoupServer     *server;
  GHashTable     *sessions;      /* LdWsSession set */
  LdBatch        *batch;
  gint64          since;
  guint64         n_records;     /* of requests and of closed sessions */
  guint64         n_bytes;
  guint64         n_errors;
  gint64          last_report;
  GSource        *report_timer;
};

typedef struct
{
  GByteArray *data;
  gboolean    too_big;
} RequestBody;

static void
report (LdHttpListener    *self,
        LdConnectionState  state,
        const char        *last_error)
{
  LdConnectionInfo info = {
    .id = self->id,
    .kind = LD_CONNECTION_KIND_ENDPOINT,
    .protocol = LD_INGEST_PROTOCOL_HTTP,
    .address = self->address,
    .state = state,
    .connected_since = self->since,
    .closed_at = state == LD_CONNECTION_LISTENING ? 0 : g_get_real_time (),
    .n_records = self->n_records,
    .n_bytes = self->n_bytes,
    .n_errors = self->n_errors,
    .last_error = last_error,
  };
  GHashTableIter iter;
  LdWsSession *session;

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, (gpointer *) &session, NULL))
    {
      info.n_records += ld_ws_session_get_n_records (session);
      info.n_bytes += ld_ws_session_get_n_bytes (session);
      info.n_errors += ld_ws_session_get_n_errors (session);
    }

  self->last_report = g_get_monotonic_time ();
  ld_ingest_shared_report (self->shared, &info);
}

static gboolean
on_report_timer (gpointer user_data)
{
  LdHttpListener *self = user_data;

  g_clear_pointer (&self->report_timer, g_source_unref);
  report (self, LD_CONNECTION_LISTENING, NULL);
  return G_SOURCE_REMOVE;
}

/* Counts reach the sources panel at most every interval, not per request. */
static void
report_progress (LdHttpListener *self)
{
  if (g_get_monotonic_time () - self->last_report >= LD_INGEST_REPORT_INTERVAL_US)
    report (self, LD_CONNECTION_LISTENING, NULL);
  else
    ld_ingest_shared_report_later (self->shared, &self->report_timer, "[logdeck] http counts",
                                   on_report_timer, self);
}

/* The client behind a reverse proxy, as the websockets docs' logging guide
 * has it: the first address of X-Forwarded-For; otherwise the socket's. */
static gboolean
is_loopback (GSocketAddress *address)
{
  return address != NULL && G_IS_INET_SOCKET_ADDRESS (address)
         && g_inet_address_get_is_loopback (
              g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
}

/* Only a proxy on this machine is believed about the client behind it:
 * anyone else could name any peer. A WebSocket's peer keeps its port, which
 * tells one client's connection from another's; a plain request's does not:
 * HTTPHandler opens a connection per record, and a new port each time would
 * be a new peer (and a new interned string) per record. */
static char *
request_peer (SoupServerMessage *msg,
              gboolean           with_port)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *forwarded = soup_message_headers_get_list (headers, "X-Forwarded-For");
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  if (forwarded != NULL && is_loopback (remote))
    {
      g_autofree char *first = g_strndup (forwarded, strcspn (forwarded, ","));

      g_strstrip (first);
      if (*first != '\0')
        return g_utf8_make_valid (first, -1);
    }

  if (remote != NULL && G_IS_INET_SOCKET_ADDRESS (remote) && with_port)
    return ld_ingest_format_address (remote);
  if (remote != NULL && G_IS_INET_SOCKET_ADDRESS (remote))
    return g_inet_address_to_string (
      g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));

  return g_strdup ("unknown");
}

static void
respond (SoupServerMessage *msg,
         guint              status,
         const char        *format,
         ...) G_GNUC_PRINTF (3, 4);

static void
respond (SoupServerMessage *msg,
         guint              status,
         const char        *format,
         ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY,
                                    text, strlen (text));
}

/* WebSocket sessions */

static void
on_session_closed (LdWsSession *session,
                   gpointer     user_data)
{
  LdHttpListener *self = user_data;

  self->n_records += ld_ws_session_get_n_records (session);
  self->n_bytes += ld_ws_session_get_n_bytes (session);
  self->n_errors += ld_ws_session_get_n_errors (session);
  g_hash_table_remove (self->sessions, session);
  report_progress (self);
}

/* The 101 response is out: the connection is the session's from now on. */
static void
on_upgraded (SoupServerMessage *msg,
             gpointer           user_data)
{
  LdHttpListener *self = user_data;
  g_autoptr(GIOStream) stream = NULL;
  g_autofree char *id = g_strdup_printf ("ws-%u", ++self->shared->next_ws_id);
  const char *peer = g_object_get_data (G_OBJECT (msg), PEER_KEY);
  LdWsSession *session;

  g_object_ref (msg);
  stream = soup_server_message_steal_connection (msg);
  session = ld_ws_session_new (self->shared, stream, id, peer, on_session_closed, self);
  g_object_unref (msg);

  g_hash_table_add (self->sessions, session);
  ld_ws_session_start (session);
  report_progress (self);
}

/* A web page open in the user's browser may not send records: browsers name
 * the page in Origin, while loggers, shippers and scripts send none (or
 * "null", or a page on this machine). */
static gboolean
origin_allowed (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *origin = soup_message_headers_get_one (headers, "Origin");
  g_autoptr(GUri) uri = NULL;
  const char *host;

  if (origin == NULL || g_str_equal (origin, "null") || g_str_has_prefix (origin, "file:"))
    return TRUE;

  uri = g_uri_parse (origin, G_URI_FLAGS_NONE, NULL);
  host = uri != NULL ? g_uri_get_host (uri) : NULL;
  if (host != NULL && (g_str_equal (host, "localhost") || g_str_equal (host, "127.0.0.1")
                       || g_str_equal (host, "::1") || g_str_equal (host, "[::1]")))
    return TRUE;

  soup_server_message_set_status (msg, SOUP_STATUS_FORBIDDEN, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC,
                                    "Requests from web pages are refused\n",
                                    strlen ("Requests from web pages are refused\n"));
  return FALSE;
}

static void
on_ws_request (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  if (!origin_allowed (msg))
    return;

  /* No extension is offered, so a client's permessage-deflate is declined;
   * libsoup answers a request that is no WebSocket handshake with 400. */
  if (!soup_websocket_server_process_handshake (msg, NULL, NULL, NULL, NULL))
    return;

  g_object_set_data_full (G_OBJECT (msg), PEER_KEY, request_peer (msg, TRUE), g_free);
  g_signal_connect (msg, "wrote-informational", G_CALLBACK (on_upgraded), user_data);
}

/* /log */

static void
request_body_free (RequestBody *body)
{
  g_clear_pointer (&body->data, g_byte_array_unref);
  g_free (body);
}

static void
on_got_chunk (SoupServerMessage *msg,
              GBytes            *chunk,
              RequestBody       *body)
{
  LdHttpListener *self = g_object_get_data (G_OBJECT (msg), "logdeck-listener");
  gsize size = g_bytes_get_size (chunk);

  if (body->too_big)
    return;
  if (body->data->len + size > self->shared->max_frame_size)
    {
      body->too_big = TRUE;
      g_byte_array_set_size (body->data, 0);
      return;
    }
  g_byte_array_append (body->data, g_bytes_get_data (chunk, NULL), size);
}

/* Before the body is read: a declared length over the limit is refused at
 * once, and any other body is collected here rather than by libsoup. */
static void
on_log_headers (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  LdHttpListener *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  RequestBody *body;

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH
      && soup_message_headers_get_content_length (headers) > self->shared->max_frame_size)
    {
      respond (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
               "The body of %" G_GINT64_FORMAT " bytes is over the limit of %u bytes\n",
               (gint64) soup_message_headers_get_content_length (headers),
               self->shared->max_frame_size);
      return;
    }

  body = g_new0 (RequestBody, 1);
  body->data = g_byte_array_new ();
  g_object_set_data (G_OBJECT (msg), "logdeck-listener", self);
  g_object_set_data_full (G_OBJECT (msg), BODY_KEY, body, (GDestroyNotify) request_body_free);
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (on_got_chunk), body);
}

/* A request that brought no record: 400 with the reason, and an error
 * record, quoting the body, so that the sender's mistake is seen. */
static void
refuse (LdHttpListener    *self,
        SoupServerMessage *msg,
        const LdIngestOrigin *origin,
        guint              status,
        const char        *reason,
        const char        *text,
        gsize              length)
{
  g_autofree char *quote = ld_ingest_quote (text, length);

  ld_ingest_add_problem (self->batch, 40, origin->connection, origin->peer, origin->protocol,
                         "%s: %s %s refused (%u): %s: %s", self->id,
                         soup_server_message_get_method (msg), LD_HTTP_PATH_LOG, status,
                         reason, quote);
  self->n_errors++;
  respond (msg, status, "%s\n", reason);
}

static void
take_form (LdHttpListener       *self,
           SoupServerMessage    *msg,
           const LdIngestOrigin *origin,
           const char           *form,
           gsize                 length)
{
  LdPyrecordOrigin pyorigin = {
    .connection = origin->connection,
    .peer = origin->peer,
    .protocol = origin->protocol,
  };
  g_autoptr(GError) error = NULL;

  if (!ld_http_form_add_record (self->batch, form, length, &self->shared->limits, &pyorigin,
                                &error))
    {
      refuse (self, msg, origin, SOUP_STATUS_BAD_REQUEST, error->message, form, length);
      return;
    }

  self->n_records++;
  respond (msg, SOUP_STATUS_OK, "1 record\n");
}

static void
take_json (LdHttpListener       *self,
           SoupServerMessage    *msg,
           const LdIngestOrigin *origin,
           const char           *text,
           gsize                 length)
{
  g_autoptr(GError) error = NULL;
  guint n_added = 0;

  if (!ld_ingest_add_json (self->batch, text, length, origin, &n_added, &error))
    {
      /* The record of the error is in the batch already. */
      self->n_records += n_added;
      self->n_errors++;
      respond (msg, SOUP_STATUS_BAD_REQUEST, "%s (%u records taken)\n", error->message, n_added);
      return;
    }

  self->n_records += n_added;
  respond (msg, SOUP_STATUS_OK, "%u records\n", n_added);
}

static gboolean
starts_like_json (const char *text,
                  gsize       length)
{
  gsize i = 0;

  while (i < length && g_ascii_isspace (text[i]))
    i++;

  return i < length && (text[i] == '{' || text[i] == '[');
}

static void
take_post (LdHttpListener       *self,
           SoupServerMessage    *msg,
           LdIngestOrigin       *origin,
           const char           *text,
           gsize                 length)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *type = soup_message_headers_get_content_type (headers, NULL);

  if (type != NULL && g_ascii_strcasecmp (type, "application/x-www-form-urlencoded") == 0)
    {
      origin->protocol = LD_INGEST_PROTOCOL_HTTP_FORM;
      take_form (self, msg, origin, text, length);
    }
  else if (type != NULL && strstr (type, "msgpack") != NULL)
    refuse (self, msg, origin, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE,
            "MessagePack is not supported: send JSON (Fluent Bit: Format json_lines)",
            text, length);
  else if (starts_like_json (text, length))
    take_json (self, msg, origin, text, length);
  else
    refuse (self, msg, origin, SOUP_STATUS_BAD_REQUEST,
            "The body is neither JSON nor a urlencoded LogRecord", text, length);
}

static void
on_log_request (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  LdHttpListener *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  RequestBody *body = g_object_get_data (G_OBJECT (msg), BODY_KEY);
  g_autofree char *peer = request_peer (msg, FALSE);
  LdIngestOrigin origin = { self->id, peer, LD_INGEST_PROTOCOL_HTTP_JSON };
  const char *form;

  if (!origin_allowed (msg))
    return;
  if (method == SOUP_METHOD_GET)
    {
      form = g_uri_get_query (soup_server_message_get_uri (msg));
      origin.protocol = LD_INGEST_PROTOCOL_HTTP_FORM;
      self->n_bytes += form != NULL ? strlen (form) : 0;
      take_form (self, msg, &origin, form != NULL ? form : "", form != NULL ? strlen (form) : 0);
    }
  else if (method == SOUP_METHOD_POST && body != NULL && body->too_big)
    respond (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
             "The body is over the limit of %u bytes\n", self->shared->max_frame_size);
  else if (method == SOUP_METHOD_POST && body != NULL)
    {
      self->n_bytes += body->data->len;
      take_post (self, msg, &origin, (const char *) body->data->data, body->data->len);
    }
  else
    {
      soup_message_headers_append (soup_server_message_get_response_headers (msg), "Allow",
                                   "GET, POST");
      respond (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "Use GET or POST\n");
    }

  ld_ingest_shared_flush (self->shared, &self->batch);
  report_progress (self);
}

/**
 * ld_http_listener_new:
 * @shared: what the ingest thread's listeners share
 * @id: the endpoint's id, such as "http"
 * @address: an IP address to listen on
 * @port: the port, or 0 for any free one
 *
 * Binds and listens at once, so that a taken port is an error here.
 *
 * Returns: (nullable): the listener, not yet serving
 */
LdHttpListener *
ld_http_listener_new (LdIngestShared *shared,
                      const char     *id,
                      const char     *address,
                      guint16         port,
                      GError        **error)
{
  LdHttpListener *self;
  g_autofree char *bound_address = NULL;
  guint16 bound_port = 0;
  GSocket *socket;

  socket = ld_ingest_bind (address, port, G_SOCKET_TYPE_STREAM, &bound_address, &bound_port,
                           error);
  if (socket == NULL)
    return NULL;
  /* GSocket's default backlog of 10 makes a burst of clients connecting at
   * once see resets; libsoup listens again with this one. */
  g_socket_set_listen_backlog (socket, BACKLOG);
  if (!g_socket_listen (socket, error))
    {
      g_object_unref (socket);
      return NULL;
    }

  self = g_new0 (LdHttpListener, 1);
  self->shared = shared;
  self->id = g_strdup (id);
  self->address = g_steal_pointer (&bound_address);
  self->port = bound_port;
  self->socket = socket;
  self->batch = ld_batch_new ();
  self->sessions = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) ld_ws_session_free, NULL);

  return self;
}

/**
 * ld_http_listener_start:
 * @self: a listener
 *
 * Makes libsoup's server and starts serving. Call it on the ingest thread.
 *
 * Returns: %FALSE, to be a #GSourceFunc that runs once
 */
gboolean
ld_http_listener_start (LdHttpListener *self)
{
  g_autoptr(GError) error = NULL;

  g_assert (g_main_context_is_owner (self->shared->context));

  self->since = g_get_real_time ();
  self->server = soup_server_new ("server-header", "Logdeck/" PACKAGE_VERSION " ", NULL);
  soup_server_add_handler (self->server, LD_HTTP_PATH_WS, on_ws_request, self, NULL);
  soup_server_add_early_handler (self->server, LD_HTTP_PATH_LOG, on_log_headers, self, NULL);
  soup_server_add_handler (self->server, LD_HTTP_PATH_LOG, on_log_request, self, NULL);

  if (!soup_server_listen_socket (self->server, self->socket, 0, &error))
    {
      report (self, LD_CONNECTION_FAILED, error->message);
      g_clear_object (&self->server);
      return G_SOURCE_REMOVE;
    }

  report (self, LD_CONNECTION_LISTENING, NULL);
  return G_SOURCE_REMOVE;
}

/**
 * ld_http_listener_stop:
 * @self: a listener
 *
 * Stops serving, takes what every WebSocket client had already sent, and
 * closes the sessions. Call it on the ingest thread.
 */
void
ld_http_listener_stop (LdHttpListener *self)
{
  GHashTableIter iter;
  LdWsSession *session;

  if (self->report_timer != NULL)
    {
      g_source_destroy (self->report_timer);
      g_clear_pointer (&self->report_timer, g_source_unref);
    }
  if (self->server != NULL)
    {
      soup_server_disconnect (self->server);
      g_clear_object (&self->server);
    }
  g_socket_close (self->socket, NULL);

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, (gpointer *) &session, NULL))
    {
      ld_ws_session_stop (session);
      self->n_records += ld_ws_session_get_n_records (session);
      self->n_bytes += ld_ws_session_get_n_bytes (session);
      self->n_errors += ld_ws_session_get_n_errors (session);
      g_hash_table_iter_remove (&iter);
    }

  ld_ingest_shared_flush (self->shared, &self->batch);
  report (self, LD_CONNECTION_CLOSED, NULL);
}

void
ld_http_listener_free (LdHttpListener *self)
{
  if (self == NULL)
    return;

  g_assert (self->server == NULL);
  g_hash_table_unref (self->sessions);
  g_clear_pointer (&self->report_timer, g_source_unref);
  g_object_unref (self->socket);
  ld_batch_free (self->batch);
  g_free (self->address);
  g_free (self->id);
  g_free (self);
}

guint16
ld_http_listener_get_port (LdHttpListener *self)
{
  return self->port;
}
