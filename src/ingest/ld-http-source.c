// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ingest"

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "ld-http-form.h"
#include "ld-http-source.h"
#include "ld-soup-listener.h"
#include "ld-ws-session.h"

/* The libsoup server, its connections and the bodies of its requests are
 * an LdSoupListener's (see ld-soup-listener.c).
 *
 * libsoup answers the WebSocket upgrade on /ws; the connection is then taken
 * from it and read by an LdWsSession (see there why). /log takes what
 * logging.handlers.HTTPHandler sends, GET or POST, and POSTs of JSON bodies
 * from log shippers, with bodies up to the frame limit. A request refused
 * from its headers (too big, no budget left, from a web page, without the
 * token) is answered at once and its connection closed, without reading its
 * body. */

#define PEER_KEY       "logdeck-peer"

typedef struct
{
  LdSoupListener  parent;
  GHashTable     *sessions;      /* LdWsSession set */
} LdHttpSource;

static void
report (LdHttpSource      *self,
        LdConnectionState  state)
{
  LdConnectionInfo info = ld_soup_listener_describe (&self->parent, state);
  GHashTableIter iter;
  LdWsSession *session;

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, (gpointer *) &session, NULL))
    {
      info.n_records += ld_ws_session_get_n_records (session);
      info.n_bytes += ld_ws_session_get_n_bytes (session);
      info.n_errors += ld_ws_session_get_n_errors (session);
    }

  ld_ingest_shared_report (self->parent.parent.shared, &info);
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

static char *
request_peer_of (SoupServerMessage *msg)
{
  return request_peer (msg, FALSE);
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

  ld_soup_respond (msg, status, "text/plain; charset=utf-8", text, strlen (text));
}

/* WebSocket sessions */

static void
add_session_counts (LdHttpSource *self,
                    LdWsSession  *session)
{
  self->parent.parent.n_records += ld_ws_session_get_n_records (session);
  self->parent.parent.n_bytes += ld_ws_session_get_n_bytes (session);
  self->parent.parent.n_errors += ld_ws_session_get_n_errors (session);
}

static void
on_session_closed (LdWsSession *session,
                   gpointer     user_data)
{
  LdHttpSource *self = user_data;

  add_session_counts (self, session);
  g_hash_table_remove (self->sessions, session);
  ld_report_pacer_progress (&self->parent.pacer);
}

/* The 101 response is out: the connection is the session's from now on. */
static void
on_upgraded (SoupServerMessage *msg,
             gpointer           user_data)
{
  LdHttpSource *self = user_data;
  g_autoptr(GIOStream) stream = NULL;
  guint n = ld_ingest_shared_number (self->parent.parent.shared, "ws");
  g_autofree char *id = g_strdup_printf ("ws-%u", n);
  const char *peer = g_object_get_data (G_OBJECT (msg), PEER_KEY);
  /* From now on the session watches the connection's deadlines. */
  GSocket *socket = ld_soup_listener_hand_over (msg);
  LdWsSession *session;

  g_object_ref (msg);
  stream = soup_server_message_steal_connection (msg);
  session = ld_ws_session_new (self->parent.parent.shared, stream, id, peer, socket,
                               self->parent.guard, on_session_closed, self);
  g_object_unref (msg);

  g_hash_table_add (self->sessions, session);
  ld_ws_session_start (session);
  ld_report_pacer_progress (&self->parent.pacer);
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

static gboolean
has_token (LdHttpSource      *self,
           SoupServerMessage *msg,
           gboolean           in_query)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *authorization = soup_message_headers_get_one (headers, "Authorization");
  const char *query = g_uri_get_query (soup_server_message_get_uri (msg));

  if (authorization != NULL && g_ascii_strncasecmp (authorization, "Bearer ", 7) == 0)
    return ld_soup_token_equal (authorization + 7, self->parent.parent.shared->token);
  /* HTTPHandler's credentials=(user, password) send Basic: the password is the token. */
  if (authorization != NULL && g_ascii_strncasecmp (authorization, "Basic ", 6) == 0)
    {
      gsize length;
      g_autofree char *pair = (char *) g_base64_decode (authorization + 6, &length);
      g_autofree char *text = g_strndup (pair, length);
      const char *colon = strchr (text, ':');

      return colon != NULL && ld_soup_token_equal (colon + 1, self->parent.parent.shared->token);
    }
  if (in_query && query != NULL)
    {
      g_autoptr(GHashTable) form = soup_form_decode (query);
      const char *given = g_hash_table_lookup (form, "token");

      return given != NULL && ld_soup_token_equal (given, self->parent.parent.shared->token);
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
  if (self->parent.parent.shared->token != NULL && has_token (self, msg, token_in_query))
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
  if (self->parent.parent.shared->token != NULL && !has_token (self, msg, token_in_query))
    return "A token is required: send “Authorization: Bearer TOKEN”, "
           "or Basic with the token as the password";

  return NULL;
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
      ld_soup_listener_report_refusal (&self->parent, msg, status, refusal);
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

  if (refusal != NULL)
    ld_soup_listener_refuse_early (&self->parent, msg, status, refusal);
}

/* Before the body is read: a request that may not send, or whose declared
 * length is over the limit or the budget, is refused at once; any other
 * body is collected rather than by libsoup. */
static void
on_log_headers (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  LdHttpSource *self = user_data;
  const char *refusal;
  guint status;

  if ((refusal = refusal_of (self, msg, FALSE, &status)) != NULL)
    ld_soup_listener_refuse_early (&self->parent, msg, status, refusal);
  else
    ld_soup_listener_collect_body (&self->parent, msg, self->parent.parent.shared->max_frame_size);
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

  ld_ingest_add_problem (self->parent.batch, &self->parent.limiter, 40, origin->record.connection,
                         origin->record.peer, origin->record.protocol,
                         "%s: %s %s refused (%u): %s: %s", self->parent.parent.id,
                         soup_server_message_get_method (msg), LD_HTTP_PATH_LOG, status,
                         reason, quote);
  self->parent.parent.n_errors++;
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

  if (!ld_http_form_add_record (self->parent.batch, form, length,
                                &self->parent.parent.shared->limits, &origin->record, &error))
    {
      refuse (self, msg, origin, SOUP_STATUS_BAD_REQUEST, error->message, form, length);
      return;
    }

  self->parent.parent.n_records++;
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

  if (!ld_ingest_add_json (self->parent.batch, text, length, origin, &n_added, &error))
    {
      /* The record of the error is in the batch already. */
      self->parent.parent.n_records += n_added;
      self->parent.parent.n_errors++;
      respond (msg, SOUP_STATUS_BAD_REQUEST, "%s (%u records taken)\n", error->message, n_added);
      return;
    }

  self->parent.parent.n_records += n_added;
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
  LdSoupBody *body = ld_soup_body_of (msg);
  g_autofree char *peer = request_peer (msg, FALSE);
  LdIngestOrigin origin = {
    .record = {
      .connection = self->parent.parent.id, .peer = peer, .protocol = LD_INGEST_PROTOCOL_HTTP_JSON,
    },
    .limiter = &self->parent.limiter,
  };
  const char *form;

  if (ld_soup_listener_is_expired (msg))
    {
      respond (msg, SOUP_STATUS_REQUEST_TIMEOUT, "The request did not arrive in time\n");
      return;
    }
  if (method == SOUP_METHOD_GET)
    {
      form = g_uri_get_query (soup_server_message_get_uri (msg));
      origin.record.protocol = LD_INGEST_PROTOCOL_HTTP_FORM;
      self->parent.parent.n_bytes += form != NULL ? strlen (form) : 0;
      take_form (self, msg, &origin, form != NULL ? form : "", form != NULL ? strlen (form) : 0);
    }
  else if (method == SOUP_METHOD_POST && body != NULL && body->status != 0)
    refuse (self, msg, &origin, body->status, body->refusal, "", 0);
  else if (method == SOUP_METHOD_POST && body != NULL)
    {
      self->parent.parent.n_bytes += body->data->len;
      take_post (self, msg, &origin, body->data->len > 0 ? (const char *) body->data->data : "",
                 body->data->len);
    }
  else
    {
      soup_message_headers_append (soup_server_message_get_response_headers (msg), "Allow",
                                   "GET, POST");
      respond (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "Use GET or POST\n");
    }
  if (body != NULL)
    ld_soup_body_release (body);

  ld_ingest_shared_flush (self->parent.parent.shared, &self->parent.batch);
  ld_report_pacer_progress (&self->parent.pacer);
}

/* Makes libsoup's server, on the ingest thread, and starts serving. */
static void
http_source_start (LdSource *source)
{
  LdHttpSource *self = (LdHttpSource *) source;
  SoupServer *server;

  ld_soup_listener_start (&self->parent);
  server = self->parent.server;
  soup_server_add_handler (server, LD_HTTP_PATH_WS, on_ws_request, self, NULL);
  soup_server_add_early_handler (server, LD_HTTP_PATH_LOG, on_log_headers, self, NULL);
  /* libsoup looks for an early handler on the path's own entry only. */
  soup_server_add_early_handler (server, LD_HTTP_PATH_WS, on_other_headers, self, NULL);
  soup_server_add_early_handler (server, NULL, on_other_headers, self, NULL);
  soup_server_add_handler (server, LD_HTTP_PATH_LOG, on_log_request, self, NULL);
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

  ld_soup_listener_stop (&self->parent);
  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, (gpointer *) &session, NULL))
    {
      ld_ws_session_stop (session);
      add_session_counts (self, session);
      g_hash_table_iter_remove (&iter);
    }

  ld_soup_listener_flush_problems (&self->parent);
  report (self, LD_CONNECTION_CLOSED);
}

static void
http_source_finalize (LdSource *source)
{
  LdHttpSource *self = (LdHttpSource *) source;

  g_hash_table_unref (self->sessions);
  ld_soup_listener_finalize (&self->parent);
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

  self = ld_soup_listener_new (sizeof (LdHttpSource), &http_source_class, shared, address, port,
                               "[logdeck] http counts", report_counts, request_peer_of, error);
  if (self == NULL)
    return NULL;

  self->sessions = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) ld_ws_session_free, NULL);

  return &self->parent.parent;
}
