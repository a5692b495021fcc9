// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ingest"

#include "config.h"

#include "ld-gelf-source.h"
#include "ld-http-source.h"
#include "ld-mq-common.h"
#include "ld-nng-source.h"
#include "ld-otlp-source.h"
#include "ld-source.h"
#include "ld-syslog-source.h"
#include "ld-tcp-source.h"
#include "ld-udp-source.h"
#include "ld-ws-client-source.h"
#include "ld-zmq-source.h"

/* The registry of sources: one ld_ingest_add_*() per kind, each a line that
 * makes the source and hands it to ld_ingest_add_source(). A new kind of
 * source adds its line here; LdIngest itself never changes for one. */

/**
 * ld_ingest_add_tcp:
 * @self: an ingest thread
 * @address: an IP address to listen on, such as "127.0.0.1"
 * @port: the port, or 0 for any free one (see ld_ingest_get_bound_port())
 * @error: why the endpoint could not listen
 *
 * Listens for logging.handlers.SocketHandler connections. The endpoint is
 * listed in the registry as "tcp" (then "tcp.2"…), as failed with the
 * reason if it cannot listen; other endpoints are not affected.
 *
 * Returns: %TRUE if the endpoint listens
 */
gboolean
ld_ingest_add_tcp (LdIngest    *self,
                   const char  *address,
                   guint16      port,
                   GError     **error)
{
  LdIngestShared *shared;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  shared = ld_ingest_get_shared (self);
  return ld_ingest_add_source (self, ld_tcp_source_new (shared, address, port, error), error);
}

/**
 * ld_ingest_add_udp:
 * @self: an ingest thread
 * @address: an IP address to listen on, such as "127.0.0.1"
 * @port: the port, or 0 for any free one (see ld_ingest_get_bound_port())
 * @error: why the endpoint could not bind
 *
 * Receives logging.handlers.DatagramHandler datagrams. The endpoint is
 * listed in the registry as "udp" (then "udp.2"…), and its records name it
 * as their connection; as for TCP, a failure is listed too.
 *
 * Returns: %TRUE if the endpoint receives
 */
gboolean
ld_ingest_add_udp (LdIngest    *self,
                   const char  *address,
                   guint16      port,
                   GError     **error)
{
  LdIngestShared *shared;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  shared = ld_ingest_get_shared (self);
  return ld_ingest_add_source (self, ld_udp_source_new (shared, address, port, error), error);
}

/**
 * ld_ingest_add_http:
 * @self: an ingest thread
 * @address: an IP address to listen on, such as "127.0.0.1"
 * @port: the port, or 0 for any free one (see ld_ingest_get_bound_port())
 * @error: why the endpoint could not listen
 *
 * Serves HTTP and WebSocket senders: WebSocket JSON messages on /ws, and on
 * /log, logging.handlers.HTTPHandler's GET and POST requests and POSTs of
 * JSON bodies. The endpoint is listed in the registry as "http" (then
 * "http.2"…), and each WebSocket session as "ws-1", "ws-2"…
 *
 * Returns: %TRUE if the endpoint listens
 */
gboolean
ld_ingest_add_http (LdIngest    *self,
                    const char  *address,
                    guint16      port,
                    GError     **error)
{
  LdIngestShared *shared;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  shared = ld_ingest_get_shared (self);
  return ld_ingest_add_source (self, ld_http_source_new (shared, address, port, error), error);
}

typedef LdSource *(*LdListenerNew) (LdIngestShared *, const char *, guint16, GError **);

/* A protocol that speaks TCP and UDP on one port: the TCP endpoint binds
 * first (with 0, on any free port), then UDP on the same port; one that
 * cannot bind takes the other with it. */
static gboolean
add_tcp_and_udp (LdIngest       *self,
                 LdListenerNew   tcp_new,
                 LdListenerNew   udp_new,
                 const char     *address,
                 guint16         port,
                 GError        **error)
{
  LdIngestShared *shared = ld_ingest_get_shared (self);
  LdSource *tcp, *udp;

  if ((tcp = tcp_new (shared, address, port, error)) == NULL)
    return FALSE;
  if ((udp = udp_new (shared, address, tcp->port, error)) == NULL)
    {
      ld_source_free (tcp);
      return FALSE;
    }

  return ld_ingest_add_source (self, tcp, error) && ld_ingest_add_source (self, udp, error);
}

/**
 * ld_ingest_add_syslog:
 * @self: an ingest thread
 * @address: an IP address to listen on, such as "127.0.0.1"
 * @port: the port, or 0 for any free one (see ld_ingest_get_bound_port())
 * @error: why the endpoints could not listen
 *
 * Receives syslog (RFC 5424, or RFC 3164 as real senders write it) on TCP and
 * UDP on one port: "syslog", over TCP, framed per connection by octet counting or
 * line ends (RFC 6587), its connections "syslog-1"…, and "syslog-udp", one
 * message a datagram.
 *
 * Returns: %TRUE if both listen; otherwise neither does
 */
gboolean
ld_ingest_add_syslog (LdIngest    *self,
                      const char  *address,
                      guint16      port,
                      GError     **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  return add_tcp_and_udp (self, ld_syslog_tcp_source_new, ld_syslog_udp_source_new, address,
                          port, error);
}

/**
 * ld_ingest_add_gelf:
 * @self: an ingest thread
 * @address: an IP address to listen on, such as "127.0.0.1"
 * @port: the port, or 0 for any free one (see ld_ingest_get_bound_port())
 * @error: why the endpoints could not listen
 *
 * Receives GELF on one port: "gelf-udp", plain, zlib or gzip datagrams,
 * chunked ones reassembled, and "gelf", NUL-delimited messages over TCP, its
 * connections "gelf-1"…
 *
 * Returns: %TRUE if both listen; otherwise neither does
 */
gboolean
ld_ingest_add_gelf (LdIngest    *self,
                    const char  *address,
                    guint16      port,
                    GError     **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  return add_tcp_and_udp (self, ld_gelf_tcp_source_new, ld_gelf_udp_source_new, address, port,
                          error);
}

/**
 * ld_ingest_add_otlp:
 * @self: an ingest thread
 * @address: an IP address to listen on, such as "127.0.0.1"
 * @port: the port, or 0 for any free one (see ld_ingest_get_bound_port())
 * @error: why the endpoint could not listen
 *
 * Serves OTLP/HTTP logs: POST /v1/logs with an ExportLogsServiceRequest as
 * application/x-protobuf or application/json, maybe gzipped, as every
 * OpenTelemetry SDK exports them. The endpoint is listed as "otlp" (then
 * "otlp.2"…).
 *
 * Returns: %TRUE if the endpoint listens
 */
gboolean
ld_ingest_add_otlp (LdIngest    *self,
                    const char  *address,
                    guint16      port,
                    GError     **error)
{
  LdIngestShared *shared;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  shared = ld_ingest_get_shared (self);
  return ld_ingest_add_source (self, ld_otlp_source_new (shared, address, port, error), error);
}

/**
 * ld_ingest_add_ws_client:
 * @self: an ingest thread
 * @uri: a WebSocket URI that streams logs, such as "ws://127.0.0.1:3100/loki/api/v1/tail"
 * @error: why @uri cannot be used
 *
 * Connects to a server that streams logs over a WebSocket, as
 * `logdeck --connect` does, and keeps reconnecting, waiting 1 s after the
 * first failure and twice as long after each further one, up to 30 s. The
 * client is listed in the registry as "ws-client-1", "ws-client-2"…, in
 * the order added, with its state: connecting, open, or closed with the
 * reason. Grafana Loki's tail messages are understood; any other message is
 * taken as JSON log records.
 *
 * Returns: %TRUE if @uri is a ws:// or wss:// URI; whether it connects is
 *   shown in the registry
 */
gboolean
ld_ingest_add_ws_client (LdIngest    *self,
                         const char  *uri,
                         GError     **error)
{
  LdIngestShared *shared;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (uri != NULL, FALSE);

  shared = ld_ingest_get_shared (self);
  return ld_ingest_add_source (self, ld_ws_client_source_new (shared, uri, error), error);
}

/**
 * ld_ingest_add_zmq_connect:
 * @self: an ingest thread
 * @uri: where a ZeroMQ PUB socket listens, such as "tcp://127.0.0.1:5556"
 * @error: why @uri cannot be used
 *
 * Connects a SUB socket, subscribed to everything, as the logging cookbook's
 * ZeroMQSocketListener does; libzmq connects again whenever the connection is lost. Each
 * message is a JSON record (record.__dict__), after any topic frames, which become the field
 * "topic". The socket is listed in the registry as "zmq-1", "zmq-2"… (counted with
 * ld_ingest_add_zmq_listen()'s), connecting or open, and its records name it as their
 * connection.
 *
 * Returns: %TRUE if @uri is an address libzmq can connect to; whether it is connected is
 *   shown in the registry
 */
gboolean
ld_ingest_add_zmq_connect (LdIngest    *self,
                           const char  *uri,
                           GError     **error)
{
  LdIngestShared *shared;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (uri != NULL, FALSE);

  shared = ld_ingest_get_shared (self);
  return ld_ingest_add_source (self, ld_zmq_source_new (shared, LD_ZMQ_SUB_CONNECT, uri, error),
                               error);
}

/**
 * ld_ingest_add_zmq_listen:
 * @self: an ingest thread
 * @uri: where to listen, such as "tcp://127.0.0.1:5556", "tcp://127.0.0.1:*" for any free
 *   port (see ld_ingest_get_endpoint_uri()), or "ipc:///run/user/1000/logdeck"
 * @error: why Logdeck cannot listen there
 *
 * One address takes one socket, so two listen: a SUB socket on @uri, for senders that
 * connect a PUB, and a PULL socket on the next port (with "*", on any free port; for ipc://
 * and inproc://, on the same name with ".pull" added), for senders that connect a PUSH. They
 * are listed as two endpoints, the SUB first: "zmq-N" and "zmq-N+1". Beyond loopback they
 * listen only when the ingest is insecure: ZeroMQ here has neither TLS nor a token.
 *
 * Returns: %TRUE if both listen; otherwise neither does, and the failure is listed
 */
gboolean
ld_ingest_add_zmq_listen (LdIngest    *self,
                          const char  *uri,
                          GError     **error)
{
  LdIngestShared *shared;
  g_autofree char *pull_uri = NULL;
  LdSource *sub, *pull;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (uri != NULL, FALSE);

  /* Both sockets are made before either starts: one that cannot listen
   * takes the other with it. */
  shared = ld_ingest_get_shared (self);
  if ((pull_uri = ld_mq_uri_next_port (uri, error)) == NULL
      || (sub = ld_zmq_source_new (shared, LD_ZMQ_SUB_LISTEN, uri, error)) == NULL)
    return FALSE;
  if ((pull = ld_zmq_source_new (shared, LD_ZMQ_PULL_LISTEN, pull_uri, error)) == NULL)
    {
      ld_source_free (sub);
      return FALSE;
    }

  return ld_ingest_add_source (self, sub, error) && ld_ingest_add_source (self, pull, error);
}

/**
 * ld_ingest_add_nng_listen:
 * @self: an ingest thread
 * @uri: where to listen, such as %LD_INGEST_DEFAULT_NNG_URI, the logging cookbook's
 *   address, or "tcp://127.0.0.1:0" for any free port (see ld_ingest_get_endpoint_uri())
 * @error: why Logdeck cannot listen there
 *
 * Listens with an NNG Sub0 socket, subscribed to everything, as the cookbook's pynng
 * listener does, for Pub0 senders that dial it. Each message is a JSON record. The socket is
 * listed as "nng-1", "nng-2"… (counted with ld_ingest_add_nng_dial()'s), and each connection
 * as "nng-1/pipe-1", "nng-1/pipe-2"…, with its peer's address; records name the pipe as
 * their connection. Beyond loopback it listens only when the ingest is insecure.
 *
 * Returns: %TRUE if the socket listens
 */
gboolean
ld_ingest_add_nng_listen (LdIngest    *self,
                          const char  *uri,
                          GError     **error)
{
  LdIngestShared *shared;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (uri != NULL, FALSE);

  shared = ld_ingest_get_shared (self);
  return ld_ingest_add_source (self, ld_nng_source_new (shared, LD_NNG_LISTEN, uri, error), error);
}

/**
 * ld_ingest_add_nng_dial:
 * @self: an ingest thread
 * @uri: where an NNG Pub0 socket listens, such as "tcp://127.0.0.1:13232"
 * @error: why @uri cannot be used
 *
 * Dials a publisher that listens, with a Sub0 socket subscribed to everything; NNG dials
 * again whenever there is no connection. Listed as for ld_ingest_add_nng_listen(), open
 * while connected.
 *
 * Returns: %TRUE if @uri is an address NNG can dial; whether it is connected is shown in the
 *   registry
 */
gboolean
ld_ingest_add_nng_dial (LdIngest    *self,
                        const char  *uri,
                        GError     **error)
{
  LdIngestShared *shared;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (uri != NULL, FALSE);

  shared = ld_ingest_get_shared (self);
  return ld_ingest_add_source (self, ld_nng_source_new (shared, LD_NNG_DIAL, uri, error), error);
}
