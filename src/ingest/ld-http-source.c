// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ingest"

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "ld-http-form.h"
#include "ld-http-source.h"
#include "ld-listen-guard.h"
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
 * in memory, so bodies are collected here, up to the frame limit.
 *
 * Connections are accepted here, not by libsoup, whose listener stops for
 * good when accept() fails: the guard pauses instead, caps connections,
 * watches deadlines and speaks TLS, and libsoup gets each connection ready
 * to read. A request refused from its headers (too big, from a web page,
 * without the token) is answered at once and its connection closed, without
 * reading its body. Every answer closes its connection: libsoup keeps none
 * alive for connections it did not accept itself, and saying so lets
 * clients know before they reuse one. */

#define BODY_KEY       "logdeck-body"
#define PEER_KEY       "logdeck-peer"
#define CONNECTION_KEY "logdeck-connection"
/* How long a refused request's body is read and dropped before closing. */
#define LINGER_MS      1000

typedef struct
{
  LdSource        parent;
  LdGuard        *guard;
  LdProblemLimiter limiter;
  SoupServer     *server;
  GHashTable     *sessions;      /* LdWsSession set */
  LdBatch        *batch;
  LdReportPacer   pacer;
} LdHttpSource;

typedef struct
{
  GByteArray *data;
  gboolean    too_big;
} RequestBody;

/* One client connection, kept on the remote address that libsoup holds
 * for it, so that it goes when libsoup lets go of the connection. */
typedef struct
{
  LdGuardEntry    entry;
  LdHttpSource   *listener;   /* %NULL once the listener has stopped */
  GSocket        *socket;
  char           *peer;
  gboolean        expired;    /* what libsoup still reads from it is cut */
} HttpConnection;

static void
report (LdHttpSource      *self,
        LdConnectionState  state)
{
  LdConnectionInfo info = ld_source_describe (&self->parent, state);
  GHashTableIter iter;
  LdWsSession *session;

  info.encrypted = ld_guard_is_encrypted (self->guard);
  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, (gpointer *) &session, NULL))
    {
      info.n_records += ld_ws_session_get_n_records (session);
      info.n_bytes += ld_ws_session_get_n_bytes (session);
      info.n_errors += ld_ws_session_get_n_errors (session);
    }

  ld_report_pacer_reported (&self->pacer);
  ld_ingest_shared_report (self->parent.shared, &info);
}

static void
report_counts (gpointer user_data)
{
  LdHttpSource *self = user_data;

  report (self, LD_CONNECTION_LISTENING);
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
      g_autoptr(GInetAddress) address = NULL;

      /* Only an address is believed, never any other text it may hold. */
      g_strstrip (first);
      address = g_inet_address_new_from_string (first);
      if (address != NULL)
        return g_inet_address_to_string (address);
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
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection",
                                "close");
  soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY,
                                    text, strlen (text));
}

/* Connections */

static HttpConnection *
connection_of (SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  return remote != NULL ? g_object_get_data (G_OBJECT (remote), CONNECTION_KEY) : NULL;
}

static void
http_connection_free (HttpConnection *connection)
{
  ld_guard_remove (&connection->entry);
  g_object_unref (connection->socket);
  g_free (connection->peer);
  g_free (connection);
}

/* Shutting the socket down makes libsoup's next read or write fail, and
 * libsoup then closes the connection as for any broken client. */
static void
on_connection_expired (LdGuardEntry *entry,
                       const char   *why)
{
  HttpConnection *connection = (HttpConnection *) entry;
  LdHttpSource *self = connection->listener;

  ld_guard_remove (entry);
  connection->expired = TRUE;
  ld_ingest_add_problem (self->batch, &self->limiter, 30, self->parent.id, connection->peer,
                         LD_INGEST_PROTOCOL_HTTP, "%s: the connection from %s was closed: %s",
                         self->parent.id, connection->peer, why);
  ld_ingest_shared_flush (self->parent.shared, &self->batch);
  g_socket_shutdown (connection->socket, TRUE, TRUE, NULL);
}

static void
on_request_headers (SoupServerMessage *msg,
                    HttpConnection    *connection)
{
  const LdListenLimits *limits = &connection->listener->parent.shared->listen;

  ld_guard_set_busy (&connection->entry, limits->body_timeout_us,
                     "the request did not arrive in time", FALSE);
}

static void
on_request_disconnected (SoupServerMessage *msg,
                         HttpConnection    *connection)
{
  ld_guard_remove (&connection->entry);
}

static void
on_request_started (SoupServer        *server,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  HttpConnection *connection = connection_of (msg);

  /* No body is ever collected by libsoup: /log collects its own, up to the
   * limit, and no other path takes one. */
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  if (connection == NULL)
    return;
  g_signal_connect (msg, "got-headers", G_CALLBACK (on_request_headers), connection);
  g_signal_connect (msg, "disconnected", G_CALLBACK (on_request_disconnected), connection);
}

static void
accept_connection (GSocket   *socket,
                   GIOStream *tls,
                   gpointer   user_data)
{
  LdHttpSource *self = user_data;
  g_autoptr(GSocketAddress) remote = g_socket_get_remote_address (socket, NULL);
  g_autoptr(GSocketAddress) local = g_socket_get_local_address (socket, NULL);
  g_autoptr(GIOStream) stream = NULL;
  HttpConnection *connection;

  if (remote == NULL || local == NULL)
    {
      g_socket_close (socket, NULL);
      g_object_unref (socket);
      return;
    }

  connection = g_new0 (HttpConnection, 1);
  connection->listener = self;
  connection->socket = socket;
  connection->peer = ld_ingest_format_address (remote);
  g_object_set_data_full (G_OBJECT (remote), CONNECTION_KEY, connection,
                          (GDestroyNotify) http_connection_free);
  ld_guard_add (self->guard, &connection->entry, on_connection_expired);
  ld_guard_set_idle (&connection->entry, self->parent.shared->listen.header_timeout_us,
                     "no complete request arrived in time");

  stream = tls != NULL ? g_object_ref (tls)
                       : G_IO_STREAM (g_socket_connection_factory_create_connection (socket));
  soup_server_accept_iostream (self->server, stream, local, remote, NULL);
}

/* WebSocket sessions */

static void
on_session_closed (LdWsSession *session,
                   gpointer     user_data)
{
  LdHttpSource *self = user_data;

  self->parent.n_records += ld_ws_session_get_n_records (session);
  self->parent.n_bytes += ld_ws_session_get_n_bytes (session);
  self->parent.n_errors += ld_ws_session_get_n_errors (session);
  g_hash_table_remove (self->sessions, session);
  ld_report_pacer_progress (&self->pacer);
}

/* The 101 response is out: the connection is the session's from now on. */
static void
on_upgraded (SoupServerMessage *msg,
             gpointer           user_data)
{
  LdHttpSource *self = user_data;
  g_autoptr(GIOStream) stream = NULL;
  guint n = ld_ingest_shared_number (self->parent.shared, "ws");
  g_autofree char *id = g_strdup_printf ("ws-%u", n);
  const char *peer = g_object_get_data (G_OBJECT (msg), PEER_KEY);
  LdWsSession *session;

  HttpConnection *connection = connection_of (msg);

  /* From now on the session watches the connection's deadlines. */
  if (connection != NULL)
    ld_guard_remove (&connection->entry);
  g_object_ref (msg);
  stream = soup_server_message_steal_connection (msg);
  session = ld_ws_session_new (self->parent.shared, stream, id, peer,
                               connection != NULL ? connection->socket : NULL, self->guard,
                               on_session_closed, self);
  g_object_unref (msg);

  g_hash_table_add (self->sessions, session);
  ld_ws_session_start (session);
  ld_report_pacer_progress (&self->pacer);
}

/* Who may send records (the README's "Who may send"). A web page open in
 * the user's browser may not: browsers say where a request comes from in
 * Sec-Fetch-Site and Origin, and sandboxed pages send "Origin: null". A
 * request without Origin must also show no sign of a browser (no
 * Sec-Fetch-* header, no Mozilla user agent): loggers, shippers and
 * scripts send neither, while a page's image or form GET may carry none of
 * the others. With a token, every request must carry it. */
static gboolean
is_loopback_origin (const char *origin)
{
  g_autoptr(GUri) uri = g_uri_parse (origin, G_URI_FLAGS_NONE, NULL);
  const char *host = uri != NULL ? g_uri_get_host (uri) : NULL;
  g_autoptr(GInetAddress) address = NULL;

  if (host == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

static gboolean
looks_like_a_browser (SoupMessageHeaders *headers)
{
  const char *agent = soup_message_headers_get_one (headers, "User-Agent");

  return soup_message_headers_get_one (headers, "Sec-Fetch-Site") != NULL
         || soup_message_headers_get_one (headers, "Sec-Fetch-Mode") != NULL
         || soup_message_headers_get_one (headers, "Sec-Fetch-Dest") != NULL
         || soup_message_headers_get_one (headers, "Sec-Fetch-User") != NULL
         || (agent != NULL && strstr (agent, "Mozilla/") != NULL);
}

/* Compares digests, so that the time taken says nothing about the token. */
static gboolean
token_equal (const char *given,
             const char *token)
{
  g_autofree char *a = g_compute_checksum_for_string (G_CHECKSUM_SHA256, given, -1);
  g_autofree char *b = g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
  guint8 difference = 0;

  for (gsize i = 0; a[i] != '\0'; i++)
    difference |= a[i] ^ b[i];

  return difference == 0;
}

static gboolean
has_token (LdHttpSource      *self,
           SoupServerMessage *msg,
           gboolean           in_query)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *authorization = soup_message_headers_get_one (headers, "Authorization");
  const char *query = g_uri_get_query (soup_server_message_get_uri (msg));

  if (authorization != NULL && g_ascii_strncasecmp (authorization, "Bearer ", 7) == 0)
    return token_equal (authorization + 7, self->parent.shared->token);
  /* HTTPHandler's credentials=(user, password) send Basic: the password is the token. */
  if (authorization != NULL && g_ascii_strncasecmp (authorization, "Basic ", 6) == 0)
    {
      gsize length;
      g_autofree char *pair = (char *) g_base64_decode (authorization + 6, &length);
      g_autofree char *text = g_strndup (pair, length);
      const char *colon = strchr (text, ':');

      return colon != NULL && token_equal (colon + 1, self->parent.shared->token);
    }
  if (in_query && query != NULL)
    {
      g_autoptr(GHashTable) form = soup_form_decode (query);
      const char *given = g_hash_table_lookup (form, "token");

      return given != NULL && token_equal (given, self->parent.shared->token);
    }

  return FALSE;
}

/* Returns why @msg may not send, with the status to answer, or %NULL. */
static const char *
refusal_of (LdHttpSource      *self,
            SoupServerMessage *msg,
            gboolean           token_in_query,
            guint             *status)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *origin = soup_message_headers_get_one (headers, "Origin");
  const char *site = soup_message_headers_get_one (headers, "Sec-Fetch-Site");

  /* A page cannot know the token: with it, any client may send, such as
   * websocket-client with its Origin of the server's own address. */
  if (self->parent.shared->token != NULL && has_token (self, msg, token_in_query))
    return NULL;

  *status = SOUP_STATUS_FORBIDDEN;
  if (site != NULL && (g_ascii_strcasecmp (site, "cross-site") == 0
                       || g_ascii_strcasecmp (site, "same-site") == 0))
    return "Requests from web pages are refused";
  if (origin != NULL && !is_loopback_origin (origin))
    return "Requests from web pages are refused";
  if (origin == NULL && looks_like_a_browser (headers))
    return "Requests from web browsers are refused";

  *status = SOUP_STATUS_UNAUTHORIZED;
  if (self->parent.shared->token != NULL && !has_token (self, msg, token_in_query))
    return "A token is required: send “Authorization: Bearer TOKEN”, "
           "or Basic with the token as the password";

  return NULL;
}

static void
report_refusal (LdHttpSource      *self,
                SoupServerMessage *msg,
                guint              status,
                const char        *reason)
{
  g_autofree char *peer = request_peer (msg, FALSE);

  ld_ingest_add_problem (self->batch, &self->limiter, 40, self->parent.id, peer,
                         LD_INGEST_PROTOCOL_HTTP,
                         "%s: %s %s from %s refused (%u): %s", self->parent.id,
                         soup_server_message_get_method (msg),
                         g_uri_get_path (soup_server_message_get_uri (msg)), peer, status, reason);
  self->parent.n_errors++;
  ld_ingest_shared_flush (self->parent.shared, &self->batch);
  ld_report_pacer_progress (&self->pacer);
}

static void
on_ws_request (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  LdHttpSource *self = user_data;
  const char *refusal;
  guint status;

  if ((refusal = refusal_of (self, msg, TRUE, &status)) != NULL)
    {
      report_refusal (self, msg, status, refusal);
      respond (msg, status, "%s\n", refusal);
      return;
    }

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
  LdHttpSource *self = g_object_get_data (G_OBJECT (msg), "logdeck-listener");
  gsize size = g_bytes_get_size (chunk);

  if (body->too_big)
    return;
  if (body->data->len + size > self->parent.shared->max_frame_size)
    {
      body->too_big = TRUE;
      g_byte_array_set_size (body->data, 0);
      return;
    }
  g_byte_array_append (body->data, g_bytes_get_data (chunk, NULL), size);
}

/* Answers from the headers and closes, without reading the body: the
 * connection is taken from libsoup, which would read all of it first. */
typedef struct
{
  GIOStream    *stream;
  GSocket      *socket;
  char         *answer;
  GCancellable *cancellable;
  GSource      *linger_timer;
  guint8        discard[16 * 1024];
} EarlyAnswer;

static void
early_answer_free (EarlyAnswer *early)
{
  if (early->linger_timer != NULL)
    {
      g_source_destroy (early->linger_timer);
      g_source_unref (early->linger_timer);
    }
  if (early->socket != NULL)
    g_socket_close (early->socket, NULL);
  g_clear_object (&early->socket);
  g_clear_object (&early->cancellable);
  g_object_unref (early->stream);
  g_free (early->answer);
  g_free (early);
}

static void
on_discarded (GObject      *stream,
              GAsyncResult *result,
              gpointer      user_data)
{
  EarlyAnswer *early = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (stream), result, NULL);

  if (n <= 0)
    {
      early_answer_free (early);
      return;
    }
  g_input_stream_read_async (G_INPUT_STREAM (stream), early->discard, sizeof early->discard,
                             G_PRIORITY_LOW, early->cancellable, on_discarded, early);
}

static gboolean
on_linger_over (gpointer user_data)
{
  EarlyAnswer *early = user_data;

  g_cancellable_cancel (early->cancellable);
  return G_SOURCE_REMOVE;
}

/* Closing while the client still sends its body would reset the
 * connection, and the client would lose the answer before reading it: what
 * it sends is read and dropped for a moment first, as web servers do. */
static void
on_early_answer_written (GObject      *stream,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  EarlyAnswer *early = user_data;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (stream), result, NULL, NULL))
    {
      early_answer_free (early);
      return;
    }

  early->cancellable = g_cancellable_new ();
  early->linger_timer = g_timeout_source_new (LINGER_MS);
  g_source_set_static_name (early->linger_timer, "[logdeck] http linger");
  g_source_set_callback (early->linger_timer, on_linger_over, early, NULL);
  g_source_attach (early->linger_timer, g_main_context_get_thread_default ());
  g_input_stream_read_async (g_io_stream_get_input_stream (early->stream), early->discard,
                             sizeof early->discard, G_PRIORITY_LOW, early->cancellable,
                             on_discarded, early);
}

static void
answer_early (LdHttpSource      *self,
              SoupServerMessage *msg,
              guint              status,
              const char        *reason)
{
  HttpConnection *connection = connection_of (msg);
  EarlyAnswer *early = g_new0 (EarlyAnswer, 1);
  gsize length = strlen (reason) + 1;

  early->answer = g_strdup_printf ("HTTP/1.1 %u %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                   "Content-Length: %" G_GSIZE_FORMAT "\r\nConnection: close\r\n"
                                   "\r\n%s\n", status, soup_status_get_phrase (status), length,
                                   reason);
  early->socket = connection != NULL ? g_object_ref (connection->socket) : NULL;
  g_object_ref (msg);
  early->stream = soup_server_message_steal_connection (msg);
  g_object_unref (msg);
  if (early->stream == NULL)
    {
      early_answer_free (early);
      return;
    }
  g_output_stream_write_all_async (g_io_stream_get_output_stream (early->stream), early->answer,
                                   strlen (early->answer), G_PRIORITY_DEFAULT, NULL,
                                   on_early_answer_written, early);
}

static gboolean
has_body (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  switch (soup_message_headers_get_encoding (headers))
    {
    case SOUP_ENCODING_CONTENT_LENGTH:
      return soup_message_headers_get_content_length (headers) > 0;
    case SOUP_ENCODING_NONE:
      return FALSE;
    default:
      return TRUE;
    }
}

/* Every path but /log, from its headers: a WebSocket upgrade that may not
 * send is refused before anything else, and a body anywhere else is never
 * read, whoever sends it. */
static void
on_other_headers (SoupServer        *server,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  LdHttpSource *self = user_data;
  const char *refusal = NULL;
  guint status = SOUP_STATUS_NOT_FOUND;

  if (g_strcmp0 (path, LD_HTTP_PATH_WS) == 0)
    {
      refusal = refusal_of (self, msg, TRUE, &status);
      if (refusal == NULL && has_body (msg))
        {
          status = SOUP_STATUS_BAD_REQUEST;
          refusal = "A WebSocket upgrade has no body";
        }
    }
  else if (has_body (msg))
    refusal = "Records go to /log or /ws";

  if (refusal == NULL)
    return;
  report_refusal (self, msg, status, refusal);
  answer_early (self, msg, status, refusal);
}

/* Before the body is read: a request that may not send, or whose declared
 * length is over the limit, is refused at once; any other body is
 * collected here rather than by libsoup. */
static void
on_log_headers (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  LdHttpSource *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *refusal;
  guint status;
  RequestBody *body;

  if ((refusal = refusal_of (self, msg, FALSE, &status)) != NULL)
    {
      report_refusal (self, msg, status, refusal);
      answer_early (self, msg, status, refusal);
      return;
    }
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH
      && soup_message_headers_get_content_length (headers) > self->parent.shared->max_frame_size)
    {
      g_autofree char *reason =
        g_strdup_printf ("The body of %" G_GINT64_FORMAT " bytes is over the limit of %u bytes",
                         (gint64) soup_message_headers_get_content_length (headers),
                         self->parent.shared->max_frame_size);

      report_refusal (self, msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, reason);
      answer_early (self, msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, reason);
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
refuse (LdHttpSource      *self,
        SoupServerMessage *msg,
        const LdIngestOrigin *origin,
        guint              status,
        const char        *reason,
        const char        *text,
        gsize              length)
{
  g_autofree char *quote = ld_ingest_quote (text, length);

  ld_ingest_add_problem (self->batch, &self->limiter, 40, origin->record.connection,
                         origin->record.peer, origin->record.protocol,
                         "%s: %s %s refused (%u): %s: %s", self->parent.id,
                         soup_server_message_get_method (msg), LD_HTTP_PATH_LOG, status,
                         reason, quote);
  self->parent.n_errors++;
  respond (msg, status, "%s\n", reason);
}

static void
take_form (LdHttpSource         *self,
           SoupServerMessage    *msg,
           const LdIngestOrigin *origin,
           const char           *form,
           gsize                 length)
{
    g_autoptr(GError) error = NULL;

  if (!ld_http_form_add_record (self->batch, form, length, &self->parent.shared->limits,
                                &origin->record, &error))
    {
      refuse (self, msg, origin, SOUP_STATUS_BAD_REQUEST, error->message, form, length);
      return;
    }

  self->parent.n_records++;
  respond (msg, SOUP_STATUS_OK, "1 record\n");
}

static void
take_json (LdHttpSource         *self,
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
      self->parent.n_records += n_added;
      self->parent.n_errors++;
      respond (msg, SOUP_STATUS_BAD_REQUEST, "%s (%u records taken)\n", error->message, n_added);
      return;
    }

  self->parent.n_records += n_added;
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
take_post (LdHttpSource         *self,
           SoupServerMessage    *msg,
           LdIngestOrigin       *origin,
           const char           *text,
           gsize                 length)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *type = soup_message_headers_get_content_type (headers, NULL);

  if (length == 0)
    refuse (self, msg, origin, SOUP_STATUS_BAD_REQUEST, "The body is empty", text, length);
  else if (type != NULL && g_ascii_strcasecmp (type, "application/x-www-form-urlencoded") == 0)
    {
      origin->record.protocol = LD_INGEST_PROTOCOL_HTTP_FORM;
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
  LdHttpSource *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  RequestBody *body = g_object_get_data (G_OBJECT (msg), BODY_KEY);
  g_autofree char *peer = request_peer (msg, FALSE);
  LdIngestOrigin origin = {
    .record = {
      .connection = self->parent.id, .peer = peer, .protocol = LD_INGEST_PROTOCOL_HTTP_JSON,
    },
    .limiter = &self->limiter,
  };
  HttpConnection *connection = connection_of (msg);
  const char *form;

  /* A chunked body cut off by its deadline ends at a chunk boundary, and
   * libsoup takes the end of the stream for its end: it is no request. */
  if (connection != NULL && connection->expired)
    {
      respond (msg, SOUP_STATUS_REQUEST_TIMEOUT, "The request did not arrive in time\n");
      return;
    }
  if (method == SOUP_METHOD_GET)
    {
      form = g_uri_get_query (soup_server_message_get_uri (msg));
      origin.record.protocol = LD_INGEST_PROTOCOL_HTTP_FORM;
      self->parent.n_bytes += form != NULL ? strlen (form) : 0;
      take_form (self, msg, &origin, form != NULL ? form : "", form != NULL ? strlen (form) : 0);
    }
  else if (method == SOUP_METHOD_POST && body != NULL && body->too_big)
    respond (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
             "The body is over the limit of %u bytes\n", self->parent.shared->max_frame_size);
  else if (method == SOUP_METHOD_POST && body != NULL)
    {
      self->parent.n_bytes += body->data->len;
      take_post (self, msg, &origin, body->data->len > 0 ? (const char *) body->data->data : "",
                 body->data->len);
    }
  else
    {
      soup_message_headers_append (soup_server_message_get_response_headers (msg), "Allow",
                                   "GET, POST");
      respond (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "Use GET or POST\n");
    }

  ld_ingest_shared_flush (self->parent.shared, &self->batch);
  ld_report_pacer_progress (&self->pacer);
}

/* Makes libsoup's server, on the ingest thread, and starts serving. */
static void
http_source_start (LdSource *source)
{
  LdHttpSource *self = (LdHttpSource *) source;

  self->parent.since = g_get_real_time ();
  self->server = soup_server_new ("server-header", "Logdeck/" PACKAGE_VERSION " ", NULL);
  soup_server_add_handler (self->server, LD_HTTP_PATH_WS, on_ws_request, self, NULL);
  soup_server_add_early_handler (self->server, LD_HTTP_PATH_LOG, on_log_headers, self, NULL);
  /* libsoup looks for an early handler on the path's own entry only. */
  soup_server_add_early_handler (self->server, LD_HTTP_PATH_WS, on_other_headers, self, NULL);
  soup_server_add_early_handler (self->server, NULL, on_other_headers, self, NULL);
  soup_server_add_handler (self->server, LD_HTTP_PATH_LOG, on_log_request, self, NULL);
  g_signal_connect (self->server, "request-started", G_CALLBACK (on_request_started), self);

  ld_guard_start (self->guard);
  report (self, LD_CONNECTION_LISTENING);
}

/* Stops serving, takes what every WebSocket client had already sent, and
 * closes the sessions. */
static void
http_source_stop (LdSource *source)
{
  LdHttpSource *self = (LdHttpSource *) source;
  GHashTableIter iter;
  LdWsSession *session;

  ld_report_pacer_stop (&self->pacer);
  ld_guard_stop (self->guard);
  if (self->server != NULL)
    {
      soup_server_disconnect (self->server);
      g_clear_object (&self->server);
    }
  g_socket_close (self->parent.socket, NULL);

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, (gpointer *) &session, NULL))
    {
      ld_ws_session_stop (session);
      self->parent.n_records += ld_ws_session_get_n_records (session);
      self->parent.n_bytes += ld_ws_session_get_n_bytes (session);
      self->parent.n_errors += ld_ws_session_get_n_errors (session);
      g_hash_table_iter_remove (&iter);
    }

  ld_problem_limiter_flush (&self->limiter, self->batch, self->parent.id, NULL,
                            LD_INGEST_PROTOCOL_HTTP);
  ld_ingest_shared_flush (self->parent.shared, &self->batch);
  report (self, LD_CONNECTION_CLOSED);
}

static void
http_source_finalize (LdSource *source)
{
  LdHttpSource *self = (LdHttpSource *) source;

  g_assert (self->server == NULL);
  g_hash_table_unref (self->sessions);
  ld_guard_free (self->guard);
  ld_report_pacer_stop (&self->pacer);
  ld_batch_free (self->batch);
}

LD_DEFINE_SOURCE_CLASS (http_source, "http",
                        .protocol = LD_INGEST_PROTOCOL_HTTP,
                        .protection = LD_PROTECTED_BY_TLS_OR_TOKEN,
                        .socket_type = G_SOCKET_TYPE_STREAM);

/**
 * ld_http_source_new:
 *
 * Makes ld_ingest_add_http()'s endpoint, "http" or "http.2"…, whose
 * WebSocket sessions are "ws-1", "ws-2"…; it binds and listens at once, and
 * makes libsoup's server when it starts, on the ingest thread.
 *
 * Returns: (nullable): the source, not yet serving
 */
LdSource *
ld_http_source_new (LdIngestShared *shared,
                    const char     *address,
                    guint16         port,
                    GError        **error)
{
  LdHttpSource *self;

  self = ld_source_new_listener (sizeof (LdHttpSource), &http_source_class, shared, address, port,
                                 error);
  if (self == NULL)
    return NULL;

  self->batch = ld_batch_new ();
  ld_report_pacer_init (&self->pacer, shared, "[logdeck] http counts", report_counts, self);
  self->sessions = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) ld_ws_session_free, NULL);
  self->guard = ld_guard_new (shared, self->parent.id, LD_INGEST_PROTOCOL_HTTP,
                              self->parent.socket, accept_connection, self);
  ld_problem_limiter_init (&self->limiter, &shared->problems);

  return &self->parent;
}
