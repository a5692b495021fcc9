// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ingest"

#include "config.h"

#include <string.h>

#include "ld-soup-listener.h"

/* What the HTTP and OTLP/HTTP endpoints share (see ld-soup-listener.h).
 *
 * The socket is bound on the caller's thread, so that a taken port is an
 * error at once; libsoup's server is made, listens and is disposed of on the
 * ingest thread, since its sources attach to the thread-default context of
 * the moment and it is not thread-safe.
 *
 * Connections are accepted by the guard, not by libsoup, whose listener
 * stops for good when accept() fails: the guard pauses instead, caps
 * connections, watches deadlines and speaks TLS, and libsoup gets each
 * connection ready to read. Every answer closes its connection: libsoup keeps
 * none alive for connections it did not accept itself, and saying so lets
 * clients know before they reuse one.
 *
 * libsoup's server would hold a request body of any size in memory, so
 * bodies are collected here. One body may hold up to its kind's limit, but a
 * thousand connections each holding one would be gigabytes: the bytes of
 * every body in flight on an ingest thread also count against one budget
 * (LdListenLimits.max_bodies_in_flight), and a request whose declared or
 * growing body would pass it is answered 503 with Retry-After, as a busy
 * server does. */

#define CONNECTION_KEY "logdeck-soup-connection"
#define BODY_KEY       "logdeck-soup-body"
/* How long a refused request's body is read and dropped before closing. */
#define LINGER_MS      1000
/* What a client refused for want of budget is told to wait, in seconds. */
#define RETRY_AFTER_S  "1"

/* One client connection, kept on the remote address that libsoup holds
 * for it, so that it goes when libsoup lets go of the connection. */
typedef struct
{
  LdGuardEntry    entry;
  LdSoupListener *listener;
  GSocket        *socket;
  char           *peer;
  gboolean        expired;    /* what libsoup still reads from it is cut */
} SoupConnection;

/* Connections */

static SoupConnection *
connection_of (SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  return remote != NULL ? g_object_get_data (G_OBJECT (remote), CONNECTION_KEY) : NULL;
}

static void
soup_connection_free (SoupConnection *connection)
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
  SoupConnection *connection = (SoupConnection *) entry;
  LdSoupListener *self = connection->listener;

  ld_guard_remove (entry);
  connection->expired = TRUE;
  ld_ingest_add_problem (self->batch, &self->limiter, 30, self->parent.id, connection->peer,
                         self->parent.protocol, "%s: the connection from %s was closed: %s",
                         self->parent.id, connection->peer, why);
  ld_ingest_shared_flush (self->parent.shared, &self->batch);
  g_socket_shutdown (connection->socket, TRUE, TRUE, NULL);
}

static void
on_request_headers (SoupServerMessage *msg,
                    SoupConnection    *connection)
{
  const LdListenLimits *limits = &connection->listener->parent.shared->listen;

  ld_guard_set_busy (&connection->entry, limits->body_timeout_us,
                     "the request did not arrive in time", FALSE);
}

static void
on_request_disconnected (SoupServerMessage *msg,
                         SoupConnection    *connection)
{
  ld_guard_remove (&connection->entry);
}

static void
on_request_started (SoupServer        *server,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  SoupConnection *connection = connection_of (msg);

  /* No body is ever collected by libsoup: a kind collects its own, up to
   * its limit, and nothing else takes one. */
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
  LdSoupListener *self = user_data;
  g_autoptr(GSocketAddress) remote = g_socket_get_remote_address (socket, NULL);
  g_autoptr(GSocketAddress) local = g_socket_get_local_address (socket, NULL);
  g_autoptr(GIOStream) stream = NULL;
  SoupConnection *connection;

  if (remote == NULL || local == NULL)
    {
      g_socket_close (socket, NULL);
      g_object_unref (socket);
      return;
    }

  connection = g_new0 (SoupConnection, 1);
  connection->listener = self;
  connection->socket = socket;
  connection->peer = ld_ingest_format_address (remote);
  g_object_set_data_full (G_OBJECT (remote), CONNECTION_KEY, connection,
                          (GDestroyNotify) soup_connection_free);
  ld_guard_add (self->guard, &connection->entry, on_connection_expired);
  ld_guard_set_idle (&connection->entry, self->parent.shared->listen.header_timeout_us,
                     "no complete request arrived in time");

  stream = tls != NULL ? g_object_ref (tls)
                       : G_IO_STREAM (g_socket_connection_factory_create_connection (socket));
  soup_server_accept_iostream (self->server, stream, local, remote, NULL);
}

/**
 * ld_soup_listener_is_expired:
 *
 * Whether the request's connection passed its deadline: a chunked body cut
 * off then ends at a chunk boundary, and libsoup takes the end of the
 * stream for its end, so what arrived is no request.
 */
gboolean
ld_soup_listener_is_expired (SoupServerMessage *msg)
{
  SoupConnection *connection = connection_of (msg);

  return connection != NULL && connection->expired;
}

/**
 * ld_soup_listener_hand_over:
 *
 * The connection is someone else's from now on (a WebSocket session's):
 * the guard stops watching it here.
 *
 * Returns: (nullable) (transfer none): its socket
 */
GSocket *
ld_soup_listener_hand_over (SoupServerMessage *msg)
{
  SoupConnection *connection = connection_of (msg);

  if (connection == NULL)
    return NULL;
  ld_guard_remove (&connection->entry);
  return connection->socket;
}

/* Answers from the headers */

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
answer_early (SoupServerMessage *msg,
              guint              status,
              const char        *reason)
{
  SoupConnection *connection = connection_of (msg);
  EarlyAnswer *early = g_new0 (EarlyAnswer, 1);
  gsize length = strlen (reason) + 1;

  early->answer = g_strdup_printf ("HTTP/1.1 %u %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                   "Content-Length: %" G_GSIZE_FORMAT "\r\nConnection: close\r\n"
                                   "%s\r\n%s\n", status, soup_status_get_phrase (status), length,
                                   status == SOUP_STATUS_SERVICE_UNAVAILABLE
                                   ? "Retry-After: " RETRY_AFTER_S "\r\n" : "", reason);
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

/**
 * ld_soup_listener_report_refusal:
 *
 * A refused request's error record, which names the endpoint, the request,
 * the peer and the reason; the limiter keeps a flood of them small.
 */
void
ld_soup_listener_report_refusal (LdSoupListener    *self,
                                 SoupServerMessage *msg,
                                 guint              status,
                                 const char        *reason)
{
  g_autofree char *peer = self->request_peer (msg);

  ld_ingest_add_problem (self->batch, &self->limiter, 40, self->parent.id, peer,
                         self->parent.protocol, "%s: %s %s from %s refused (%u): %s",
                         self->parent.id, soup_server_message_get_method (msg),
                         g_uri_get_path (soup_server_message_get_uri (msg)), peer, status, reason);
  self->parent.n_errors++;
  ld_ingest_shared_flush (self->parent.shared, &self->batch);
  ld_report_pacer_progress (&self->pacer);
}

/**
 * ld_soup_listener_refuse_early:
 *
 * Refuses a request from its headers (too big, from a web page, without
 * the token, no budget left): an error record, and an answer at once that
 * closes the connection without reading the body.
 */
void
ld_soup_listener_refuse_early (LdSoupListener    *self,
                               SoupServerMessage *msg,
                               guint              status,
                               const char        *reason)
{
  ld_soup_listener_report_refusal (self, msg, status, reason);
  answer_early (msg, status, reason);
}

/* Bodies */

/* Counts @size bytes of @body against the budget, if there is room. */
static gboolean
reserve (LdSoupBody *body,
         gsize       size)
{
  LdIngestShared *shared = body->shared;

  if (size <= body->reserved)
    return TRUE;
  if (size - body->reserved > shared->listen.max_bodies_in_flight - shared->bodies_in_flight)
    return FALSE;

  shared->bodies_in_flight += size - body->reserved;
  body->reserved = size;
  return TRUE;
}

/**
 * ld_soup_body_release:
 *
 * Frees what the body holds and gives its bytes back to the budget; a kind
 * calls it once it has taken the body, and it runs when the request ends
 * or its connection dies in any case.
 */
void
ld_soup_body_release (LdSoupBody *body)
{
  LdIngestShared *shared = body->shared;

  g_assert (shared->bodies_in_flight >= body->reserved);
  shared->bodies_in_flight -= body->reserved;
  body->reserved = 0;
  g_clear_pointer (&body->data, g_byte_array_unref);
}

static void
soup_body_free (LdSoupBody *body)
{
  ld_soup_body_release (body);
  g_free (body->refusal);
  g_free (body);
}

static void
refuse_body (LdSoupBody *body,
             guint       status,
             char       *refusal)
{
  ld_soup_body_release (body);
  body->status = status;
  body->refusal = refusal;
}

static char *
over_budget (LdIngestShared *shared)
{
  return g_strdup_printf ("The request bodies in flight would pass the budget of %"
                          G_GSIZE_FORMAT " bytes; try again later",
                          shared->listen.max_bodies_in_flight);
}

static void
on_got_chunk (SoupServerMessage *msg,
              GBytes            *chunk,
              LdSoupBody        *body)
{
  gsize size = g_bytes_get_size (chunk);
  gsize budget = body->shared->listen.max_bodies_in_flight;

  if (body->status != 0 || body->data == NULL)
    return;
  if (body->data->len + size > body->limit)
    {
      refuse_body (body, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
                   g_strdup_printf ("The body is over the limit of %" G_GSIZE_FORMAT " bytes",
                                    body->limit));
      return;
    }
  /* Waiting would not help a body larger than the whole budget. */
  if (body->data->len + size > budget)
    {
      refuse_body (body, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
                   g_strdup_printf ("The body is over the budget of %" G_GSIZE_FORMAT " bytes "
                                    "for bodies in flight", budget));
      return;
    }
  if (!reserve (body, body->data->len + size))
    {
      refuse_body (body, SOUP_STATUS_SERVICE_UNAVAILABLE, over_budget (body->shared));
      return;
    }
  g_byte_array_append (body->data, g_bytes_get_data (chunk, NULL), size);
}

/* Why a body declared in the headers cannot be taken, with the status;
 * %NULL if it can. Nothing is reserved for a declared length: a sender
 * holds budget only by sending the bytes, or a few idle requests that
 * declare much could keep every other sender out. */
static char *
refuse_declared (LdSoupBody         *body,
                 SoupMessageHeaders *headers,
                 guint              *status)
{
  LdIngestShared *shared = body->shared;
  goffset length;

  if (soup_message_headers_get_encoding (headers) != SOUP_ENCODING_CONTENT_LENGTH)
    return NULL;

  length = soup_message_headers_get_content_length (headers);
  *status = SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE;
  if ((guint64) length > body->limit)
    return g_strdup_printf ("The body of %" G_GINT64_FORMAT " bytes is over the limit of %"
                            G_GSIZE_FORMAT " bytes", (gint64) length, body->limit);
  if ((guint64) length > shared->listen.max_bodies_in_flight)
    return g_strdup_printf ("The body of %" G_GINT64_FORMAT " bytes is over the budget of %"
                            G_GSIZE_FORMAT " bytes for bodies in flight", (gint64) length,
                            shared->listen.max_bodies_in_flight);
  *status = SOUP_STATUS_SERVICE_UNAVAILABLE;
  if ((guint64) length > shared->listen.max_bodies_in_flight - shared->bodies_in_flight)
    return over_budget (shared);

  return NULL;
}

/**
 * ld_soup_listener_collect_body:
 * @limit: the most one body may hold
 *
 * From a request's early handler: refuses it at once if its declared
 * length is over @limit or the budget, and otherwise collects its body
 * here, as it arrives, for the request handler (ld_soup_body_of()).
 *
 * Returns: (nullable) (transfer none): the body, or %NULL if refused
 */
LdSoupBody *
ld_soup_listener_collect_body (LdSoupListener    *self,
                               SoupServerMessage *msg,
                               gsize              limit)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  LdSoupBody *body = g_new0 (LdSoupBody, 1);
  g_autofree char *refusal = NULL;
  guint status;

  body->shared = self->parent.shared;
  body->limit = limit;
  if ((refusal = refuse_declared (body, headers, &status)) != NULL)
    {
      soup_body_free (body);
      ld_soup_listener_refuse_early (self, msg, status, refusal);
      return NULL;
    }

  body->data = g_byte_array_new ();
  g_object_set_data_full (G_OBJECT (msg), BODY_KEY, body, (GDestroyNotify) soup_body_free);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (on_got_chunk), body);
  return body;
}

/**
 * ld_soup_body_of:
 *
 * Returns: (nullable) (transfer none): the body collected for @msg; when
 *   its status is not 0 it was refused, and holds nothing
 */
LdSoupBody *
ld_soup_body_of (SoupServerMessage *msg)
{
  return g_object_get_data (G_OBJECT (msg), BODY_KEY);
}

/* Answers */

/**
 * ld_soup_respond:
 *
 * Answers a request through libsoup, closing the connection afterwards;
 * a 503 tells the client when to try again.
 */
void
ld_soup_respond (SoupServerMessage *msg,
                 guint              status,
                 const char        *content_type,
                 const char        *data,
                 gsize              size)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_replace (headers, "Connection", "close");
  if (status == SOUP_STATUS_SERVICE_UNAVAILABLE)
    soup_message_headers_replace (headers, "Retry-After", RETRY_AFTER_S);
  soup_server_message_set_response (msg, content_type, SOUP_MEMORY_COPY, data, size);
}

/* Compares digests, so that the time taken says nothing about the token. */
gboolean
ld_soup_token_equal (const char *given,
                     const char *token)
{
  g_autofree char *a = g_compute_checksum_for_string (G_CHECKSUM_SHA256, given, -1);
  g_autofree char *b = g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
  guint8 difference = 0;

  for (gsize i = 0; a[i] != '\0'; i++)
    difference |= a[i] ^ b[i];

  return difference == 0;
}

/* The listener */

/**
 * ld_soup_listener_new:
 * @size: the kind's struct, which embeds an LdSoupListener first
 * @pacer_name: static: the name of the timer that reports counts
 * @report_counts: reports the endpoint's counts, given the listener
 * @request_peer: what a request's records name as its peer
 *
 * Binds and listens at once; libsoup's server is made when it starts.
 *
 * Returns: (nullable): the kind's struct, or %NULL with @error set
 */
gpointer
ld_soup_listener_new (gsize                size,
                      const LdSourceClass *klass,
                      LdIngestShared      *shared,
                      const char          *address,
                      guint16              port,
                      const char          *pacer_name,
                      LdReportFunc         report_counts,
                      LdSoupPeerFunc       request_peer,
                      GError             **error)
{
  LdSoupListener *self;

  g_assert (size >= sizeof (LdSoupListener));

  self = ld_source_new_listener (size, klass, shared, address, port, error);
  if (self == NULL)
    return NULL;

  self->batch = ld_batch_new ();
  self->request_peer = request_peer;
  ld_report_pacer_init (&self->pacer, shared, pacer_name, report_counts, self);
  self->guard = ld_guard_new (shared, self->parent.id, klass->protocol, self->parent.socket,
                              accept_connection, self);
  ld_problem_limiter_init (&self->limiter, &shared->problems);

  return self;
}

/**
 * ld_soup_listener_start:
 *
 * Makes libsoup's server, on the ingest thread, and starts accepting; the
 * kind adds its handlers before control returns to the main loop.
 */
void
ld_soup_listener_start (LdSoupListener *self)
{
  self->parent.since = g_get_real_time ();
  self->server = soup_server_new ("server-header", "Logdeck/" PACKAGE_VERSION " ", NULL);
  g_signal_connect (self->server, "request-started", G_CALLBACK (on_request_started), self);
  ld_guard_start (self->guard);
}

/* Stops accepting and serving, and closes the listening socket. */
void
ld_soup_listener_stop (LdSoupListener *self)
{
  ld_report_pacer_stop (&self->pacer);
  ld_guard_stop (self->guard);
  if (self->server != NULL)
    {
      soup_server_disconnect (self->server);
      g_clear_object (&self->server);
    }
  g_socket_close (self->parent.socket, NULL);
}

/* Hands over the problems the limiter held back, and the batch. */
void
ld_soup_listener_flush_problems (LdSoupListener *self)
{
  ld_problem_limiter_flush (&self->limiter, self->batch, self->parent.id, NULL,
                            self->parent.protocol);
  ld_ingest_shared_flush (self->parent.shared, &self->batch);
}

void
ld_soup_listener_finalize (LdSoupListener *self)
{
  g_assert (self->server == NULL);
  ld_guard_free (self->guard);
  ld_report_pacer_stop (&self->pacer);
  ld_batch_free (self->batch);
}

/* The endpoint's counts, for the kind to complete and report at once: the
 * pacer takes them as reported. */
LdConnectionInfo
ld_soup_listener_describe (LdSoupListener    *self,
                           LdConnectionState  state)
{
  LdConnectionInfo info = ld_source_describe (&self->parent, state);

  info.encrypted = ld_guard_is_encrypted (self->guard);
  ld_report_pacer_reported (&self->pacer);
  return info;
}
