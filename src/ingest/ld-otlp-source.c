// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ingest"

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "ld-gelf.h"
#include "ld-otlp-source.h"
#include "ld-otlp.h"
#include "ld-soup-listener.h"

/* OTLP/HTTP logs: POST /v1/logs with an ExportLogsServiceRequest, as
 * protobuf or JSON, maybe gzipped (opentelemetry-proto's
 * docs/specification.md). As for the HTTP endpoint, the server, its
 * connections and the bodies of its requests are an LdSoupListener's (see
 * ld-soup-listener.c); a body is collected up to OTLP_MAX_BODY, a limit that
 * holds after gzip too. A request refused from its headers (wrong path, media
 * type, size or token) is answered at once and its connection closed
 * without reading its body. */

#define OTLP_PATH        "/v1/logs"
/* The specification leaves the limit to the server; the Collector's is 20 MiB by default. */
#define OTLP_MAX_BODY    (64 * 1024 * 1024)
/* google.rpc.Code INVALID_ARGUMENT, for an undecodable body; UNAVAILABLE,
 * which exporters retry, for a body refused for want of budget. */
#define RPC_INVALID_ARGUMENT 3
#define RPC_UNAVAILABLE      14

typedef enum
{
  OTLP_PROTOBUF,
  OTLP_JSON,
} OtlpEncoding;

/* The listener is all the endpoint holds. */
typedef LdSoupListener LdOtlpSource;

static void
report (LdOtlpSource      *self,
        LdConnectionState  state)
{
  LdConnectionInfo info = ld_soup_listener_describe (self, state);

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

  ld_soup_respond (msg, status, encoding == OTLP_JSON ? "application/json"
                                                     : "application/x-protobuf", data, size);
}

/* A refusal with a google.rpc.Status, in the request's encoding. */
static void
respond_status (SoupServerMessage *msg,
                guint              status,
                OtlpEncoding       encoding,
                const char        *message)
{
  int code = status == SOUP_STATUS_SERVICE_UNAVAILABLE ? RPC_UNAVAILABLE : RPC_INVALID_ARGUMENT;
  g_autoptr(GBytes) bytes = NULL;

  if (encoding == OTLP_JSON)
    {
      g_autofree char *quoted = json_string (message);
      char *text = g_strdup_printf ("{\"code\":%d,\"message\":%s}", code, quoted);

      bytes = g_bytes_new_take (text, strlen (text));
    }
  else
    bytes = encode_status (code, message);
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

/* Requests */

static gboolean
has_token (LdOtlpSource      *self,
           SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *authorization = soup_message_headers_get_one (headers, "Authorization");

  return authorization != NULL && g_ascii_strncasecmp (authorization, "Bearer ", 7) == 0
         && ld_soup_token_equal (authorization + 7, self->parent.shared->token);
}

/* The body's encoding, from headers that refusal_of() found good. */
static OtlpEncoding
encoding_of (SoupMessageHeaders *headers)
{
  const char *type = soup_message_headers_get_content_type (headers, NULL);

  return type != NULL && g_ascii_strcasecmp (type, "application/json") == 0 ? OTLP_JSON
                                                                            : OTLP_PROTOBUF;
}

static gboolean
is_gzip (SoupMessageHeaders *headers)
{
  const char *coding = soup_message_headers_get_one (headers, "Content-Encoding");

  return coding != NULL && g_ascii_strcasecmp (coding, "gzip") == 0;
}

/* Why a request is refused from its headers, with the status; %NULL if not.
 * A web page may not post logs here, as for the HTTP endpoint. */
static char *
refusal_of (LdOtlpSource      *self,
            SoupServerMessage *msg,
            const char        *path,
            guint             *status)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *type = soup_message_headers_get_content_type (headers, NULL);
  const char *coding = soup_message_headers_get_one (headers, "Content-Encoding");

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
  if (type == NULL || (g_ascii_strcasecmp (type, "application/x-protobuf") != 0
                       && g_ascii_strcasecmp (type, "application/json") != 0))
    return g_strdup_printf ("The Content-Type %s is neither application/x-protobuf nor "
                            "application/json", type != NULL ? type : "(none)");
  if (coding != NULL && g_ascii_strcasecmp (coding, "gzip") != 0
      && g_ascii_strcasecmp (coding, "identity") != 0)
    return g_strdup_printf ("The Content-Encoding %s is not gzip", coding);

  return NULL;
}

/* Before the body is read: refused at once, or collected. */
static void
on_headers (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  LdOtlpSource *self = user_data;
  g_autofree char *refusal = NULL;
  guint status;

  if ((refusal = refusal_of (self, msg, path, &status)) != NULL)
    ld_soup_listener_refuse_early (self, msg, status, refusal);
  else
    ld_soup_listener_collect_body (self, msg, OTLP_MAX_BODY);
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
           OtlpEncoding       encoding,
           LdSoupBody        *body)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autofree char *peer = request_peer (msg);
  g_autoptr(GByteArray) inflated = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *data = body->data->data;
  gsize length = body->data->len;

  self->parent.n_bytes += length;
  if (is_gzip (headers))
    {
      inflated = g_byte_array_new ();
      if (length < 2 || data[0] != 0x1f || data[1] != 0x8b)
        {
          refuse (self, msg, peer, encoding, SOUP_STATUS_BAD_REQUEST,
                  "The body says gzip but is not", data, MIN (length, 64));
          return;
        }
      if (!ld_gelf_inflate ((const char *) data, length, OTLP_MAX_BODY, inflated, &error))
        {
          gboolean too_big = g_error_matches (error, LD_GELF_ERROR, LD_GELF_ERROR_TOO_LARGE);

          refuse (self, msg, peer, encoding,
                  too_big ? SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE : SOUP_STATUS_BAD_REQUEST,
                  too_big ? "The body inflates past the limit of 64 MiB" : error->message,
                  data, MIN (length, 64));
          return;
        }
      data = inflated->data;
      length = inflated->len;
    }

  if (encoding == OTLP_PROTOBUF)
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
  LdSoupBody *body = ld_soup_body_of (msg);
  OtlpEncoding encoding = encoding_of (soup_server_message_get_request_headers (msg));

  if (ld_soup_listener_is_expired (msg))
    respond_status (msg, SOUP_STATUS_REQUEST_TIMEOUT, OTLP_PROTOBUF,
                    "The request did not arrive in time");
  else if (body == NULL)
    respond_status (msg, SOUP_STATUS_NOT_FOUND, OTLP_PROTOBUF,
                    "OTLP/HTTP logs go to POST " OTLP_PATH);
  else if (body->status != 0)
    {
      g_autofree char *peer = request_peer (msg);

      refuse (self, msg, peer, encoding, body->status, body->refusal, (const guint8 *) "", 0);
    }
  else
    take_body (self, msg, encoding, body);
  if (body != NULL)
    ld_soup_body_release (body);

  ld_ingest_shared_flush (self->parent.shared, &self->batch);
  ld_report_pacer_progress (&self->pacer);
}

/* Makes libsoup's server, on the ingest thread, and starts serving. */
static void
otlp_source_start (LdSource *source)
{
  LdOtlpSource *self = (LdOtlpSource *) source;

  ld_soup_listener_start (self);
  /* libsoup looks for an early handler on the path's own entry only. */
  soup_server_add_early_handler (self->server, OTLP_PATH, on_headers, self, NULL);
  soup_server_add_early_handler (self->server, NULL, on_headers, self, NULL);
  /* And a path's entry holds both: one for the path itself, one for the rest. */
  soup_server_add_handler (self->server, OTLP_PATH, on_request, self, NULL);
  soup_server_add_handler (self->server, NULL, on_request, self, NULL);
  report (self, LD_CONNECTION_LISTENING);
}

static void
otlp_source_stop (LdSource *source)
{
  LdOtlpSource *self = (LdOtlpSource *) source;

  ld_soup_listener_stop (self);
  ld_soup_listener_flush_problems (self);
  report (self, LD_CONNECTION_CLOSED);
}

static void
otlp_source_finalize (LdSource *source)
{
  ld_soup_listener_finalize ((LdOtlpSource *) source);
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

  self = ld_soup_listener_new (sizeof (LdOtlpSource), &otlp_source_class, shared, address, port,
                               "[logdeck] otlp counts", report_counts, request_peer, error);

  return self != NULL ? &self->parent : NULL;
}
