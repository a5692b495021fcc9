// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ingest"

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "ld-gelf.h"
#include "ld-listen-guard.h"
#include "ld-otlp-source.h"
#include "ld-otlp.h"

/* OTLP/HTTP logs: POST /v1/logs with an ExportLogsServiceRequest, as
 * protobuf or JSON, maybe gzipped (opentelemetry-proto's
 * docs/specification.md). As for the HTTP endpoint (ld-http-source.c), the
 * socket is bound on the caller's thread, libsoup's server lives on the
 * ingest thread, the guard accepts connections, and libsoup never collects
 * a body: it is collected here up to OTLP_MAX_BODY, a limit that holds
 * after gzip too. A request refused from its headers (wrong path, media
 * type, size or token) is answered at once and its connection closed
 * without reading its body. */

#define OTLP_PATH        "/v1/logs"
/* The specification leaves the limit to the server; the Collector's is 20 MiB by default. */
#define OTLP_MAX_BODY    (64 * 1024 * 1024)
#define BODY_KEY         "logdeck-otlp-body"
#define CONNECTION_KEY   "logdeck-otlp-connection"
/* How long a refused request's body is read and dropped before closing. */
#define LINGER_MS        1000
/* google.rpc.Code INVALID_ARGUMENT, for an undecodable body. */
#define RPC_INVALID_ARGUMENT 3

typedef enum
{
  OTLP_PROTOBUF,
  OTLP_JSON,
} OtlpEncoding;

typedef struct
{
  LdSource         parent;
  LdGuard         *guard;
  LdProblemLimiter limiter;
  SoupServer      *server;
  LdBatch         *batch;
  LdReportPacer    pacer;
} LdOtlpSource;

typedef struct
{
  GByteArray  *data;
  gboolean     too_big;
  OtlpEncoding encoding;
  gboolean     gzip;
} RequestBody;

typedef struct
{
  LdGuardEntry  entry;
  LdOtlpSource *listener;
  GSocket      *socket;
  char         *peer;
  gboolean      expired;
} OtlpConnection;

static void
report (LdOtlpSource      *self,
        LdConnectionState  state)
{
  LdConnectionInfo info = ld_source_describe (&self->parent, state);

  info.encrypted = ld_guard_is_encrypted (self->guard);
  ld_report_pacer_reported (&self->pacer);
  ld_ingest_shared_report (self->parent.shared, &info);
}

static void
report_counts (gpointer user_data)
{
  report (user_data, LD_CONNECTION_LISTENING);
}

static char *
request_peer (SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  if (remote == NULL || !G_IS_INET_SOCKET_ADDRESS (remote))
    return g_strdup ("unknown");
  /* Without the port: an exporter may open a connection per export. */
  return g_inet_address_to_string (
           g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
}

/* Connections, accepted by the guard and handed to libsoup */

static OtlpConnection *
connection_of (SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  return remote != NULL ? g_object_get_data (G_OBJECT (remote), CONNECTION_KEY) : NULL;
}

static void
otlp_connection_free (OtlpConnection *connection)
{
  ld_guard_remove (&connection->entry);
  g_object_unref (connection->socket);
  g_free (connection->peer);
  g_free (connection);
}

/* Shutting the socket down makes libsoup's next read or write fail. */
static void
on_connection_expired (LdGuardEntry *entry,
                       const char   *why)
{
  OtlpConnection *connection = (OtlpConnection *) entry;
  LdOtlpSource *self = connection->listener;

  ld_guard_remove (entry);
  connection->expired = TRUE;
  ld_ingest_add_problem (self->batch, &self->limiter, 30, self->parent.id, connection->peer,
                         LD_INGEST_PROTOCOL_OTLP_HTTP, "%s: the connection from %s was closed: %s",
                         self->parent.id, connection->peer, why);
  ld_ingest_shared_flush (self->parent.shared, &self->batch);
  g_socket_shutdown (connection->socket, TRUE, TRUE, NULL);
}

static void
on_request_headers (SoupServerMessage *msg,
                    OtlpConnection    *connection)
{
  const LdListenLimits *limits = &connection->listener->parent.shared->listen;

  ld_guard_set_busy (&connection->entry, limits->body_timeout_us,
                     "the request did not arrive in time", FALSE);
}

static void
on_request_disconnected (SoupServerMessage *msg,
                         OtlpConnection    *connection)
{
  ld_guard_remove (&connection->entry);
}

static void
on_request_started (SoupServer        *server,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  OtlpConnection *connection = connection_of (msg);

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
  LdOtlpSource *self = user_data;
  g_autoptr(GSocketAddress) remote = g_socket_get_remote_address (socket, NULL);
  g_autoptr(GSocketAddress) local = g_socket_get_local_address (socket, NULL);
  g_autoptr(GIOStream) stream = NULL;
  OtlpConnection *connection;

  if (remote == NULL || local == NULL)
    {
      g_socket_close (socket, NULL);
      g_object_unref (socket);
      return;
    }

  connection = g_new0 (OtlpConnection, 1);
  connection->listener = self;
  connection->socket = socket;
  connection->peer = ld_ingest_format_address (remote);
  g_object_set_data_full (G_OBJECT (remote), CONNECTION_KEY, connection,
                          (GDestroyNotify) otlp_connection_free);
  ld_guard_add (self->guard, &connection->entry, on_connection_expired);
  ld_guard_set_idle (&connection->entry, self->parent.shared->listen.header_timeout_us,
                     "no complete request arrived in time");

  stream = tls != NULL ? g_object_ref (tls)
                       : G_IO_STREAM (g_socket_connection_factory_create_connection (socket));
  soup_server_accept_iostream (self->server, stream, local, remote, NULL);
}

/* Answers */

/* google.rpc.Status { int32 code = 1; string message = 2; }, in protobuf. */
static GBytes *
encode_status (int         code,
               const char *message)
{
  GByteArray *out = g_byte_array_new ();
  gsize length = strlen (message);
  guint8 byte;

  byte = 0x08;
  g_byte_array_append (out, &byte, 1);
  byte = code;
  g_byte_array_append (out, &byte, 1);
  byte = 0x12;
  g_byte_array_append (out, &byte, 1);
  for (gsize rest = length; ; rest >>= 7)
    {
      byte = (rest & 0x7f) | (rest >= 0x80 ? 0x80 : 0);
      g_byte_array_append (out, &byte, 1);
      if (rest < 0x80)
        break;
    }
  g_byte_array_append (out, (const guint8 *) message, length);

  return g_byte_array_free_to_bytes (out);
}

static char *
json_string (const char *text)
{
  g_autoptr(GString) out = g_string_new ("\"");

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_printf (out, "\\%c", *p);
      else if ((guchar) *p < 0x20)
        g_string_append_printf (out, "\\u%04x", (guchar) *p);
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');

  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
respond_bytes (SoupServerMessage *msg,
               guint              status,
               OtlpEncoding       encoding,
               GBytes            *bytes)
{
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);

  soup_server_message_set_status (msg, status, NULL);
  /* libsoup keeps no connection alive that it did not accept itself. */
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection",
                                "close");
  soup_server_message_set_response (msg, encoding == OTLP_JSON ? "application/json"
                                                               : "application/x-protobuf",
                                    SOUP_MEMORY_COPY, data, size);
}

/* 400 with a google.rpc.Status, in the request's encoding. */
static void
respond_status (SoupServerMessage *msg,
                guint              status,
                OtlpEncoding       encoding,
                const char        *message)
{
  g_autoptr(GBytes) bytes = NULL;

  if (encoding == OTLP_JSON)
    {
      g_autofree char *quoted = json_string (message);

      char *text = g_strdup_printf ("{\"code\":%d,\"message\":%s}", RPC_INVALID_ARGUMENT,
                                    quoted);

      bytes = g_bytes_new_take (text, strlen (text));
    }
  else
    bytes = encode_status (RPC_INVALID_ARGUMENT, message);
  respond_bytes (msg, status, encoding, bytes);
}

static void
respond_success (SoupServerMessage *msg,
                 OtlpEncoding       encoding,
                 gint64             rejected,
                 const char        *reason)
{
  g_autoptr(GBytes) bytes = NULL;

  if (encoding == OTLP_PROTOBUF)
    bytes = ld_otlp_encode_response (rejected, reason);
  else if (rejected == 0)
    bytes = g_bytes_new_static ("{}", 2);
  else
    {
      g_autofree char *quoted = json_string (reason != NULL ? reason : "");
      char *text = g_strdup_printf ("{\"partialSuccess\":{\"rejectedLogRecords\":\"%"
                                    G_GINT64_FORMAT "\",\"errorMessage\":%s}}", rejected, quoted);

      bytes = g_bytes_new_take (text, strlen (text));
    }
  respond_bytes (msg, SOUP_STATUS_OK, encoding, bytes);
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
 * connection before it reads the answer: what it sends is read and dropped
 * for a moment first. */
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
  g_source_set_static_name (early->linger_timer, "[logdeck] otlp linger");
  g_source_set_callback (early->linger_timer, on_linger_over, early, NULL);
  g_source_attach (early->linger_timer, g_main_context_get_thread_default ());
  g_input_stream_read_async (g_io_stream_get_input_stream (early->stream), early->discard,
                             sizeof early->discard, G_PRIORITY_LOW, early->cancellable,
                             on_discarded, early);
}

static void
answer_early (LdOtlpSource      *self,
              SoupServerMessage *msg,
              guint              status,
              const char        *reason)
{
  OtlpConnection *connection = connection_of (msg);
  EarlyAnswer *early = g_new0 (EarlyAnswer, 1);
  g_autofree char *peer = request_peer (msg);

  ld_ingest_add_problem (self->batch, &self->limiter, 40, self->parent.id, peer,
                         LD_INGEST_PROTOCOL_OTLP_HTTP, "%s: %s %s from %s refused (%u): %s",
                         self->parent.id, soup_server_message_get_method (msg),
                         g_uri_get_path (soup_server_message_get_uri (msg)), peer, status, reason);
  self->parent.n_errors++;
  ld_ingest_shared_flush (self->parent.shared, &self->batch);
  ld_report_pacer_progress (&self->pacer);

  early->answer = g_strdup_printf ("HTTP/1.1 %u %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                   "Content-Length: %" G_GSIZE_FORMAT "\r\nConnection: close\r\n"
                                   "\r\n%s\n", status, soup_status_get_phrase (status),
                                   strlen (reason) + 1, reason);
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

/* Requests */

/* Compares digests, so that the time taken says nothing about the token. */
static gboolean
has_token (LdOtlpSource      *self,
           SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *authorization = soup_message_headers_get_one (headers, "Authorization");
  g_autofree char *a = NULL, *b = NULL;
  guint8 difference = 0;

  if (authorization == NULL || g_ascii_strncasecmp (authorization, "Bearer ", 7) != 0)
    return FALSE;
  a = g_compute_checksum_for_string (G_CHECKSUM_SHA256, authorization + 7, -1);
  b = g_compute_checksum_for_string (G_CHECKSUM_SHA256, self->parent.shared->token, -1);
  for (gsize i = 0; a[i] != '\0'; i++)
    difference |= a[i] ^ b[i];

  return difference == 0;
}

/* Why a request is refused from its headers, with the status; %NULL if not.
 * A web page may not post logs here, as for the HTTP endpoint. */
static char *
refusal_of (LdOtlpSource      *self,
            SoupServerMessage *msg,
            const char        *path,
            OtlpEncoding      *encoding,
            guint             *status)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *type = soup_message_headers_get_content_type (headers, NULL);
  const char *coding = soup_message_headers_get_one (headers, "Content-Encoding");
  goffset length = soup_message_headers_get_content_length (headers);

  *status = SOUP_STATUS_NOT_FOUND;
  if (g_strcmp0 (path, OTLP_PATH) != 0)
    return g_strdup ("OTLP/HTTP logs go to POST " OTLP_PATH);
  *status = SOUP_STATUS_METHOD_NOT_ALLOWED;
  if (soup_server_message_get_method (msg) != SOUP_METHOD_POST)
    return g_strdup ("Use POST");
  *status = SOUP_STATUS_FORBIDDEN;
  if (soup_message_headers_get_one (headers, "Origin") != NULL
      || soup_message_headers_get_one (headers, "Sec-Fetch-Site") != NULL)
    return g_strdup ("Requests from web pages are refused");
  *status = SOUP_STATUS_UNAUTHORIZED;
  if (self->parent.shared->token != NULL && !has_token (self, msg))
    return g_strdup ("A token is required: send “Authorization: Bearer TOKEN”");
  *status = SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE;
  if (type != NULL && g_ascii_strcasecmp (type, "application/x-protobuf") == 0)
    *encoding = OTLP_PROTOBUF;
  else if (type != NULL && g_ascii_strcasecmp (type, "application/json") == 0)
    *encoding = OTLP_JSON;
  else
    return g_strdup_printf ("The Content-Type %s is neither application/x-protobuf nor "
                            "application/json", type != NULL ? type : "(none)");
  if (coding != NULL && g_ascii_strcasecmp (coding, "gzip") != 0
      && g_ascii_strcasecmp (coding, "identity") != 0)
    return g_strdup_printf ("The Content-Encoding %s is not gzip", coding);
  *status = SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE;
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH
      && length > OTLP_MAX_BODY)
    return g_strdup_printf ("The body of %" G_GINT64_FORMAT " bytes is over the limit of %d "
                            "bytes", (gint64) length, OTLP_MAX_BODY);

  return NULL;
}

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
  gsize size = g_bytes_get_size (chunk);

  if (body->too_big)
    return;
  if (body->data->len + size > OTLP_MAX_BODY)
    {
      body->too_big = TRUE;
      g_byte_array_set_size (body->data, 0);
      return;
    }
  g_byte_array_append (body->data, g_bytes_get_data (chunk, NULL), size);
}

/* Before the body is read: refused at once, or collected here. */
static void
on_headers (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  LdOtlpSource *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *coding = soup_message_headers_get_one (headers, "Content-Encoding");
  OtlpEncoding encoding = OTLP_PROTOBUF;
  g_autofree char *refusal = NULL;
  guint status;
  RequestBody *body;

  if ((refusal = refusal_of (self, msg, path, &encoding, &status)) != NULL)
    {
      answer_early (self, msg, status, refusal);
      return;
    }

  body = g_new0 (RequestBody, 1);
  body->data = g_byte_array_new ();
  body->encoding = encoding;
  body->gzip = coding != NULL && g_ascii_strcasecmp (coding, "gzip") == 0;
  g_object_set_data_full (G_OBJECT (msg), BODY_KEY, body, (GDestroyNotify) request_body_free);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (on_got_chunk), body);
}

/* A request that brought nothing: an error record quoting the body, and
 * 400 with a google.rpc.Status. */
static void
refuse (LdOtlpSource      *self,
        SoupServerMessage *msg,
        const char        *peer,
        OtlpEncoding       encoding,
        guint              status,
        const char        *reason,
        const guint8      *data,
        gsize              length)
{
  g_autofree char *quote = encoding == OTLP_JSON ? ld_ingest_quote ((const char *) data, length)
                                                 : g_strdup_printf ("%" G_GSIZE_FORMAT " bytes",
                                                                    length);

  ld_ingest_add_problem (self->batch, &self->limiter, 40, self->parent.id, peer,
                         LD_INGEST_PROTOCOL_OTLP_HTTP, "%s: POST %s refused (%u): %s: %s",
                         self->parent.id, OTLP_PATH, status, reason, quote);
  self->parent.n_errors++;
  respond_status (msg, status, encoding, reason);
}

static void
take_protobuf (LdOtlpSource      *self,
               SoupServerMessage *msg,
               const char        *peer,
               const guint8      *data,
               gsize              length)
{
  LdRecordOrigin origin = {
    .connection = self->parent.id, .peer = peer, .protocol = LD_INGEST_PROTOCOL_OTLP_HTTP,
  };
  g_autoptr(GError) error = NULL;
  LdOtlpResult result = { 0 };

  if (!ld_otlp_decode (self->batch, data, length, &origin, &result, &error))
    {
      refuse (self, msg, peer, OTLP_PROTOBUF, SOUP_STATUS_BAD_REQUEST, error->message, data,
              length);
      ld_otlp_result_clear (&result);
      return;
    }

  self->parent.n_records += result.accepted;
  if (result.rejected > 0)
    {
      self->parent.n_errors++;
      ld_ingest_add_problem (self->batch, &self->limiter, 30, self->parent.id, peer,
                             LD_INGEST_PROTOCOL_OTLP_HTTP, "%s: %" G_GINT64_FORMAT " log records "
                             "rejected: %s", self->parent.id, result.rejected,
                             result.rejected_reason != NULL ? result.rejected_reason : "");
    }
  respond_success (msg, OTLP_PROTOBUF, result.rejected, result.rejected_reason);
  ld_otlp_result_clear (&result);
}

static void
take_json (LdOtlpSource      *self,
           SoupServerMessage *msg,
           const char        *peer,
           const guint8      *data,
           gsize              length)
{
  LdIngestOrigin origin = {
    .record = {
      .connection = self->parent.id, .peer = peer, .protocol = LD_INGEST_PROTOCOL_OTLP_HTTP,
    },
    .limiter = &self->limiter,
  };
  g_autoptr(GError) error = NULL;
  guint n_added = 0;

  if (!ld_ingest_add_json (self->batch, (const char *) data, length, &origin, &n_added, &error))
    {
      /* The record of the error is in the batch already. */
      self->parent.n_records += n_added;
      self->parent.n_errors++;
      respond_status (msg, SOUP_STATUS_BAD_REQUEST, OTLP_JSON, error->message);
      return;
    }

  self->parent.n_records += n_added;
  respond_success (msg, OTLP_JSON, 0, NULL);
}

static void
take_body (LdOtlpSource      *self,
           SoupServerMessage *msg,
           RequestBody       *body)
{
  g_autofree char *peer = request_peer (msg);
  g_autoptr(GByteArray) inflated = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *data = body->data->data;
  gsize length = body->data->len;

  self->parent.n_bytes += length;
  if (body->gzip)
    {
      inflated = g_byte_array_new ();
      if (length < 2 || data[0] != 0x1f || data[1] != 0x8b)
        {
          refuse (self, msg, peer, body->encoding, SOUP_STATUS_BAD_REQUEST,
                  "The body says gzip but is not", data, MIN (length, 64));
          return;
        }
      if (!ld_gelf_inflate ((const char *) data, length, OTLP_MAX_BODY, inflated, &error))
        {
          gboolean too_big = g_error_matches (error, LD_GELF_ERROR, LD_GELF_ERROR_TOO_LARGE);

          refuse (self, msg, peer, body->encoding,
                  too_big ? SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE : SOUP_STATUS_BAD_REQUEST,
                  too_big ? "The body inflates past the limit of 64 MiB" : error->message,
                  data, MIN (length, 64));
          return;
        }
      data = inflated->data;
      length = inflated->len;
    }

  if (body->encoding == OTLP_PROTOBUF)
    take_protobuf (self, msg, peer, data != NULL ? data : (const guint8 *) "", length);
  else if (length == 0)
    refuse (self, msg, peer, OTLP_JSON, SOUP_STATUS_BAD_REQUEST, "The body is empty", data, 0);
  else
    take_json (self, msg, peer, data, length);
}

static void
on_request (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  LdOtlpSource *self = user_data;
  RequestBody *body = g_object_get_data (G_OBJECT (msg), BODY_KEY);
  OtlpConnection *connection = connection_of (msg);

  if (connection != NULL && connection->expired)
    respond_status (msg, SOUP_STATUS_REQUEST_TIMEOUT, OTLP_PROTOBUF,
                    "The request did not arrive in time");
  else if (body == NULL)
    respond_status (msg, SOUP_STATUS_NOT_FOUND, OTLP_PROTOBUF,
                    "OTLP/HTTP logs go to POST " OTLP_PATH);
  else if (body->too_big)
    {
      g_autofree char *peer = request_peer (msg);

      refuse (self, msg, peer, body->encoding, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
              "The body is over the limit of 64 MiB", (const guint8 *) "", 0);
    }
  else
    take_body (self, msg, body);

  ld_ingest_shared_flush (self->parent.shared, &self->batch);
  ld_report_pacer_progress (&self->pacer);
}

/* Makes libsoup's server, on the ingest thread, and starts serving. */
static void
otlp_source_start (LdSource *source)
{
  LdOtlpSource *self = (LdOtlpSource *) source;

  self->parent.since = g_get_real_time ();
  self->server = soup_server_new ("server-header", "Logdeck/" PACKAGE_VERSION " ", NULL);
  /* libsoup looks for an early handler on the path's own entry only. */
  soup_server_add_early_handler (self->server, OTLP_PATH, on_headers, self, NULL);
  soup_server_add_early_handler (self->server, NULL, on_headers, self, NULL);
  /* And a path's entry holds both: one for the path itself, one for the rest. */
  soup_server_add_handler (self->server, OTLP_PATH, on_request, self, NULL);
  soup_server_add_handler (self->server, NULL, on_request, self, NULL);
  g_signal_connect (self->server, "request-started", G_CALLBACK (on_request_started), self);

  ld_guard_start (self->guard);
  report (self, LD_CONNECTION_LISTENING);
}

static void
otlp_source_stop (LdSource *source)
{
  LdOtlpSource *self = (LdOtlpSource *) source;

  ld_report_pacer_stop (&self->pacer);
  ld_guard_stop (self->guard);
  if (self->server != NULL)
    {
      soup_server_disconnect (self->server);
      g_clear_object (&self->server);
    }
  g_socket_close (self->parent.socket, NULL);

  ld_problem_limiter_flush (&self->limiter, self->batch, self->parent.id, NULL,
                            LD_INGEST_PROTOCOL_OTLP_HTTP);
  ld_ingest_shared_flush (self->parent.shared, &self->batch);
  report (self, LD_CONNECTION_CLOSED);
}

static void
otlp_source_finalize (LdSource *source)
{
  LdOtlpSource *self = (LdOtlpSource *) source;

  g_assert (self->server == NULL);
  ld_guard_free (self->guard);
  ld_report_pacer_stop (&self->pacer);
  ld_batch_free (self->batch);
}

LD_DEFINE_SOURCE_CLASS (otlp_source, "otlp",
                        .protocol = LD_INGEST_PROTOCOL_OTLP_HTTP,
                        .protection = LD_PROTECTED_BY_TLS_OR_TOKEN,
                        .socket_type = G_SOCKET_TYPE_STREAM);

/**
 * ld_otlp_source_new:
 *
 * Makes ld_ingest_add_otlp()'s endpoint, "otlp" or "otlp.2"…; it binds and
 * listens at once, and makes libsoup's server when it starts.
 *
 * Returns: (nullable): the source, not yet serving
 */
LdSource *
ld_otlp_source_new (LdIngestShared *shared,
                    const char     *address,
                    guint16         port,
                    GError        **error)
{
  LdOtlpSource *self;

  self = ld_source_new_listener (sizeof (LdOtlpSource), &otlp_source_class, shared, address, port,
                                 error);
  if (self == NULL)
    return NULL;

  self->batch = ld_batch_new ();
  ld_report_pacer_init (&self->pacer, shared, "[logdeck] otlp counts", report_counts, self);
  self->guard = ld_guard_new (shared, self->parent.id, LD_INGEST_PROTOCOL_OTLP_HTTP,
                              self->parent.socket, accept_connection, self);
  ld_problem_limiter_init (&self->limiter, &shared->problems);

  return &self->parent;
}
