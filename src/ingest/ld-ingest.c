// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ingest"

#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <sys/resource.h>
#include <unistd.h>
#include <string.h>

#include "ld-http-listener.h"
#include "ld-ingest-private.h"
#include "ld-level.h"
#include "ld-mq-common.h"
#include "ld-nng-source.h"
#include "ld-tcp-listener.h"
#include "ld-udp-listener.h"
#include "ld-ws-client.h"
#include "ld-zmq-source.h"

/* The ingest thread. It owns a main context on which every listener's
 * sources run, so that decoding never competes with drawing; records reach
 * the UI thread through the hand-off, a batch at a time.
 *
 * Endpoints are bound on the caller's thread, so that a taken port is known
 * (and shown in the registry as a failed endpoint) before the call returns;
 * only then are their sources attached to the ingest context. Stopping runs
 * on the ingest thread: each listener reads what its peers had already sent,
 * hands it over, and closes, and then the thread ends.
 *
 * libsoup's server and client attach their sources to the thread-default
 * main context of the moment they start, and are not thread-safe, so the
 * HTTP endpoint and the WebSocket clients are made, run and stopped on the
 * ingest thread only. */

typedef struct
{
  char           *id;
  LdTcpListener  *tcp;
  LdUdpListener  *udp;
  LdHttpListener *http;
  LdWsClient     *ws_client;
  LdZmqSource    *zmq;
  LdNngSource    *nng;
} Endpoint;

struct _LdIngest
{
  LdIngestShared  shared;
  GMainLoop      *loop;
  GThread        *thread;
  GMutex          lock;
  GPtrArray      *endpoints;   /* Endpoint, guarded by @lock */
  guint           n_tcp;
  guint           n_udp;
  guint           n_http;
  guint           n_ws_clients;
  guint           n_zmq;
  guint           n_nng;
  gboolean        stopped;
};

static void
endpoint_free (Endpoint *endpoint)
{
  ld_tcp_listener_free (endpoint->tcp);
  ld_udp_listener_free (endpoint->udp);
  ld_http_listener_free (endpoint->http);
  ld_ws_client_free (endpoint->ws_client);
  ld_zmq_source_free (endpoint->zmq);
  ld_nng_source_free (endpoint->nng);
  g_free (endpoint->id);
  g_free (endpoint);
}

/* Runs @func on the ingest thread and waits for it. */
typedef struct
{
  GSourceFunc  func;
  gpointer     data;
  GMutex       lock;
  GCond        cond;
  gboolean     done;
} SyncCall;

static gboolean
run_sync_call (gpointer user_data)
{
  SyncCall *call = user_data;

  call->func (call->data);
  g_mutex_lock (&call->lock);
  call->done = TRUE;
  g_cond_signal (&call->cond);
  g_mutex_unlock (&call->lock);

  return G_SOURCE_REMOVE;
}

static void
invoke_sync (LdIngest    *self,
             GSourceFunc  func,
             gpointer     data)
{
  SyncCall call = { .func = func, .data = data };

  if (g_main_context_is_owner (self->shared.context))
    {
      func (data);
      return;
    }

  g_mutex_init (&call.lock);
  g_cond_init (&call.cond);
  g_main_context_invoke (self->shared.context, run_sync_call, &call);
  g_mutex_lock (&call.lock);
  while (!call.done)
    g_cond_wait (&call.cond, &call.lock);
  g_mutex_unlock (&call.lock);
  g_mutex_clear (&call.lock);
  g_cond_clear (&call.cond);
}

/**
 * ld_ingest_lower_priority:
 *
 * Decoding may take every core it is given; the window must still draw.
 * The ingest thread and the decoders run a little nicer than the UI thread,
 * so a flood of records slows their intake before it stalls the frames.
 */
void
ld_ingest_lower_priority (void)
{
  if (setpriority (PRIO_PROCESS, gettid (), LD_INGEST_NICENESS) != 0)
    g_debug ("Could not lower the ingest thread's priority: %s", g_strerror (errno));
}

static gpointer
run_ingest_thread (gpointer user_data)
{
  LdIngest *self = user_data;

  ld_ingest_lower_priority ();
  g_main_context_push_thread_default (self->shared.context);
  g_main_loop_run (self->loop);
  g_main_context_pop_thread_default (self->shared.context);

  return NULL;
}

/**
 * ld_ingest_new:
 * @handoff: where decoded records go
 * @registry: (nullable): where endpoints and connections are listed
 *
 * Starts the ingest thread, with no endpoints yet.
 *
 * Returns: (transfer full): the ingest thread's controller
 */
LdIngest *
ld_ingest_new (LdHandoff            *handoff,
               LdConnectionRegistry *registry)
{
  LdIngest *self;

  g_return_val_if_fail (handoff != NULL, NULL);
  g_return_val_if_fail (registry == NULL || LD_IS_CONNECTION_REGISTRY (registry), NULL);

  ld_ingest_raise_fd_limit ();

  self = g_new0 (LdIngest, 1);
  self->shared.context = g_main_context_new ();
  self->shared.handoff = ld_handoff_ref (handoff);
  self->shared.registry = registry != NULL ? g_object_ref (registry) : NULL;
  self->shared.max_frame_size = LD_INGEST_DEFAULT_MAX_FRAME_SIZE;
  ld_pickle_limits_init_default (&self->shared.limits);
  ld_listen_limits_init_default (&self->shared.listen);
  ld_problem_limiter_init (&self->shared.problems, NULL);
  self->loop = g_main_loop_new (self->shared.context, FALSE);
  g_mutex_init (&self->lock);
  self->endpoints = g_ptr_array_new_with_free_func ((GDestroyNotify) endpoint_free);
  self->thread = g_thread_new ("ingest", run_ingest_thread, self);

  return self;
}

static gboolean
stop_on_ingest_thread (gpointer user_data)
{
  LdIngest *self = user_data;

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->endpoints->len; i++)
    {
      Endpoint *endpoint = g_ptr_array_index (self->endpoints, i);

      if (endpoint->tcp != NULL)
        ld_tcp_listener_stop (endpoint->tcp);
      if (endpoint->udp != NULL)
        ld_udp_listener_stop (endpoint->udp);
      if (endpoint->http != NULL)
        ld_http_listener_stop (endpoint->http);
      if (endpoint->ws_client != NULL)
        ld_ws_client_stop (endpoint->ws_client);
      if (endpoint->zmq != NULL)
        ld_zmq_source_stop (endpoint->zmq);
      if (endpoint->nng != NULL)
        ld_nng_source_stop (endpoint->nng);
    }
  g_mutex_unlock (&self->lock);

  g_main_loop_quit (self->loop);
  return G_SOURCE_REMOVE;
}

/**
 * ld_ingest_stop:
 * @self: an ingest thread
 *
 * Stops listening, decodes and hands over what the connections had already
 * received, closes them, and ends the thread. When it returns, every record
 * is in the hand-off; the consumer may drain it at once. Call it from the
 * thread that made @self.
 */
void
ld_ingest_stop (LdIngest *self)
{
  g_return_if_fail (self != NULL);

  if (self->stopped)
    return;

  self->stopped = TRUE;
  g_main_context_invoke (self->shared.context, stop_on_ingest_thread, self);
  g_thread_join (self->thread);
  self->thread = NULL;
}

void
ld_ingest_free (LdIngest *self)
{
  if (self == NULL)
    return;

  ld_ingest_stop (self);
  g_ptr_array_unref (self->endpoints);
  g_mutex_clear (&self->lock);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->shared.context);
  g_clear_object (&self->shared.registry);
  g_clear_object (&self->shared.tls_certificate);
  g_clear_object (&self->shared.tls_client_ca);
  g_clear_pointer (&self->shared.token, g_free);
  ld_handoff_unref (self->shared.handoff);
  g_free (self);
}

/**
 * ld_ingest_set_max_frame_size:
 * @self: an ingest thread
 * @max_frame_size: the largest TCP frame accepted, in bytes
 *
 * Call it before adding endpoints. A longer frame closes its connection
 * before anything is allocated for it.
 */
void
ld_ingest_set_max_frame_size (LdIngest *self,
                              guint32   max_frame_size)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (self->endpoints->len == 0);

  self->shared.max_frame_size = max_frame_size;
  /* The unpickler's own budget must leave room for a pickle that size. */
  self->shared.limits.max_total_bytes = MAX (LD_PICKLE_DEFAULT_MAX_TOTAL_BYTES,
                                             (gsize) max_frame_size * 4);
}

guint32
ld_ingest_get_max_frame_size (LdIngest *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->shared.max_frame_size;
}

void
ld_listen_limits_init_default (LdListenLimits *limits)
{
  limits->max_connections = LD_LISTEN_MAX_CONNECTIONS;
  limits->header_timeout_us = LD_LISTEN_HEADER_TIMEOUT_S * G_USEC_PER_SEC;
  limits->body_timeout_us = LD_LISTEN_BODY_TIMEOUT_S * G_USEC_PER_SEC;
  limits->idle_timeout_us = (gint64) LD_LISTEN_IDLE_TIMEOUT_S * G_USEC_PER_SEC;
  limits->http_idle_timeout_us = LD_LISTEN_HTTP_IDLE_TIMEOUT_S * G_USEC_PER_SEC;
  limits->accept_pause_us = LD_LISTEN_ACCEPT_PAUSE_MS * 1000;
}

/**
 * ld_ingest_set_listen_limits:
 * @self: an ingest thread with no endpoints yet
 * @limits: connection caps and timeouts for its stream listeners
 */
void
ld_ingest_set_listen_limits (LdIngest             *self,
                             const LdListenLimits *limits)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (limits != NULL && limits->max_connections > 0);
  g_return_if_fail (self->endpoints->len == 0);

  self->shared.listen = *limits;
}

/**
 * ld_ingest_set_security:
 * @self: an ingest thread with no endpoints yet
 * @security: TLS files, a token, and whether to listen beyond loopback
 *   without either
 * @error: why a file cannot be used
 *
 * With a certificate, the TCP and HTTP/WebSocket listeners speak TLS only;
 * with a client CA, every client must show a certificate it signed; with a
 * token, every HTTP request and WebSocket upgrade must carry it. An address
 * beyond loopback is refused without TLS or a token unless @security says
 * insecure, and UDP, which has neither, only then.
 *
 * Returns: %TRUE if the files could be read
 */
gboolean
ld_ingest_set_security (LdIngest               *self,
                        const LdIngestSecurity *security,
                        GError                **error)
{
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GTlsDatabase) client_ca = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (security != NULL, FALSE);
  g_return_val_if_fail (self->endpoints->len == 0, FALSE);

  if (security->tls_cert_file != NULL)
    {
      certificate = security->tls_key_file != NULL
                    ? g_tls_certificate_new_from_files (security->tls_cert_file,
                                                        security->tls_key_file, error)
                    : g_tls_certificate_new_from_file (security->tls_cert_file, error);
      if (certificate == NULL)
        return FALSE;
    }
  if (security->tls_client_ca_file != NULL)
    {
      if (certificate == NULL)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "A client CA needs a server certificate (--tls-cert) as well");
          return FALSE;
        }
      client_ca = g_tls_file_database_new (security->tls_client_ca_file, error);
      if (client_ca == NULL)
        return FALSE;
    }
  if (security->token != NULL && *security->token == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "The token is empty");
      return FALSE;
    }

  g_set_object (&self->shared.tls_certificate, certificate);
  g_set_object (&self->shared.tls_client_ca, client_ca);
  g_free (self->shared.token);
  self->shared.token = g_strdup (security->token);
  self->shared.insecure = security->insecure;
  return TRUE;
}

/**
 * ld_ingest_raise_fd_limit:
 *
 * Every connection costs a file descriptor, and the usual soft limit of
 * 1,024 is far below what the system allows: the soft limit is raised to
 * the hard one, once, at start-up.
 */
void
ld_ingest_raise_fd_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max)
    return;

  limit.rlim_cur = limit.rlim_max;
  if (setrlimit (RLIMIT_NOFILE, &limit) != 0)
    g_debug ("Could not raise the file descriptor limit: %s", g_strerror (errno));
}

static void
report_failed (LdIngest   *self,
               const char *id,
               const char *protocol,
               const char *address,
               guint16     port,
               GError     *error)
{
  g_autofree char *where = g_strdup_printf (strchr (address, ':') != NULL ? "[%s]:%u" : "%s:%u",
                                            address, port);
  LdConnectionInfo info = {
    .id = id,
    .kind = LD_CONNECTION_KIND_ENDPOINT,
    .protocol = protocol,
    .address = where,
    .state = LD_CONNECTION_FAILED,
    .connected_since = g_get_real_time (),
    .last_error = error->message,
  };

  ld_ingest_shared_report (&self->shared, &info);
}

/* The first TCP endpoint is "tcp", later ones "tcp.2", "tcp.3"…; the same
 * for UDP. They never look like a connection's "tcp-3". */
static char *
next_endpoint_id (const char *base,
                  guint      *counter)
{
  ++*counter;
  return *counter == 1 ? g_strdup (base) : g_strdup_printf ("%s.%u", base, *counter);
}

static void
add_endpoint (LdIngest *self,
              Endpoint *endpoint)
{
  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->endpoints, endpoint);
  g_mutex_unlock (&self->lock);

  if (endpoint->tcp != NULL)
    ld_tcp_listener_start (endpoint->tcp);
  else if (endpoint->udp != NULL)
    ld_udp_listener_start (endpoint->udp);
  else if (endpoint->http != NULL)
    invoke_sync (self, (GSourceFunc) ld_http_listener_start, endpoint->http);
  else if (endpoint->zmq != NULL)
    invoke_sync (self, (GSourceFunc) ld_zmq_source_start, endpoint->zmq);
  else if (endpoint->nng != NULL)
    invoke_sync (self, (GSourceFunc) ld_nng_source_start, endpoint->nng);
  else
    invoke_sync (self, (GSourceFunc) ld_ws_client_start, endpoint->ws_client);
}

static gboolean
check_running (LdIngest  *self,
               GError   **error)
{
  if (!self->stopped)
    return TRUE;

  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "The ingest thread has stopped");
  return FALSE;
}

/* What protects a kind of endpoint when it listens beyond loopback. */
typedef enum
{
  PROTECTED_BY_TLS,
  PROTECTED_BY_TLS_OR_TOKEN,
  PROTECTED_BY_NOTHING,     /* UDP: neither is possible */
} Protection;

/* What differs between the kinds of listening endpoint. */
typedef struct
{
  const char *base;        /* "tcp": the first endpoint's id */
  const char *protocol;
  gsize       counter;     /* offset of the kind's count in LdIngest */
  Protection  protection;
  gboolean  (*create) (LdIngest   *self,
                       Endpoint   *endpoint,
                       const char *id,
                       const char *address,
                       guint16     port,
                       GError    **error);
} ListenerKind;

static gboolean
create_tcp (LdIngest *self, Endpoint *endpoint, const char *id, const char *address,
            guint16 port, GError **error)
{
  endpoint->tcp = ld_tcp_listener_new (&self->shared, id, address, port, error);
  return endpoint->tcp != NULL;
}

static gboolean
create_udp (LdIngest *self, Endpoint *endpoint, const char *id, const char *address,
            guint16 port, GError **error)
{
  endpoint->udp = ld_udp_listener_new (&self->shared, id, address, port, error);
  return endpoint->udp != NULL;
}

static gboolean
create_http (LdIngest *self, Endpoint *endpoint, const char *id, const char *address,
             guint16 port, GError **error)
{
  endpoint->http = ld_http_listener_new (&self->shared, id, address, port, error);
  return endpoint->http != NULL;
}

static const ListenerKind tcp_kind = {
  "tcp", LD_INGEST_PROTOCOL_TCP_PICKLE, G_STRUCT_OFFSET (LdIngest, n_tcp), PROTECTED_BY_TLS,
  create_tcp
};
static const ListenerKind udp_kind = {
  "udp", LD_INGEST_PROTOCOL_UDP_PICKLE, G_STRUCT_OFFSET (LdIngest, n_udp), PROTECTED_BY_NOTHING,
  create_udp
};
static const ListenerKind http_kind = {
  "http", LD_INGEST_PROTOCOL_HTTP, G_STRUCT_OFFSET (LdIngest, n_http),
  PROTECTED_BY_TLS_OR_TOKEN, create_http
};

static gboolean
is_loopback_address (const char *address)
{
  g_autoptr(GInetAddress) ip = NULL;

  if (g_ascii_strcasecmp (address, "localhost") == 0)
    return TRUE;
  ip = g_inet_address_new_from_string (address);
  return ip != NULL && g_inet_address_get_is_loopback (ip);
}

/* Anyone on the network could send records, or read them off the wire, to
 * an endpoint beyond loopback: Logdeck listens there only behind TLS or a
 * token, or when told --insecure. */
static gboolean
check_exposure (LdIngest           *self,
                const ListenerKind *kind,
                const char         *address,
                GError            **error)
{
  gboolean tls = self->shared.tls_certificate != NULL;
  gboolean token = self->shared.token != NULL;
  const char *needs;

  /* An address that is none is refused when binding, with its own reason. */
  if (self->shared.insecure || is_loopback_address (address)
      || !g_hostname_is_ip_address (address))
    return TRUE;

  switch (kind->protection)
    {
    case PROTECTED_BY_TLS:
      if (tls)
        return TRUE;
      needs = "TLS (--tls-cert)";
      break;
    case PROTECTED_BY_TLS_OR_TOKEN:
      if (tls || token)
        return TRUE;
      needs = "TLS (--tls-cert) or a token (--token)";
      break;
    case PROTECTED_BY_NOTHING:
    default:
      needs = "--insecure, since UDP can have neither TLS nor a token";
      break;
    }

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
               "Refusing to listen for %s on %s, beyond this machine, without %s: anyone who "
               "can reach it could send records. Give --insecure to listen anyway",
               kind->base, address, needs);
  return FALSE;
}

/* Binds on the caller's thread, so a taken port is known at once: then the
 * endpoint is listed as failed with the reason, and others are unaffected. */
static gboolean
add_listener (LdIngest           *self,
              const ListenerKind *kind,
              const char         *address,
              guint16             port,
              GError            **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *id = NULL;
  Endpoint *endpoint;

  if (!check_running (self, error))
    return FALSE;

  id = next_endpoint_id (kind->base, G_STRUCT_MEMBER_P (self, kind->counter));
  endpoint = g_new0 (Endpoint, 1);
  if (!check_exposure (self, kind, address, &local_error)
      || !kind->create (self, endpoint, id, address, port, &local_error))
    {
      g_free (endpoint);
      report_failed (self, id, kind->protocol, address, port, local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  endpoint->id = g_steal_pointer (&id);
  add_endpoint (self, endpoint);
  return TRUE;
}

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
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  return add_listener (self, &tcp_kind, address, port, error);
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
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  return add_listener (self, &udp_kind, address, port, error);
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
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  return add_listener (self, &http_kind, address, port, error);
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
  g_autofree char *id = NULL;
  Endpoint *endpoint;
  LdWsClient *client;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (uri != NULL, FALSE);

  if (!check_running (self, error))
    return FALSE;

  id = g_strdup_printf ("ws-client-%u", self->n_ws_clients + 1);
  client = ld_ws_client_new (&self->shared, id, uri, error);
  if (client == NULL)
    return FALSE;

  self->n_ws_clients++;
  endpoint = g_new0 (Endpoint, 1);
  endpoint->ws_client = client;
  endpoint->id = g_steal_pointer (&id);
  add_endpoint (self, endpoint);
  return TRUE;
}

/**
 * ld_ingest_get_bound_port:
 * @self: an ingest thread
 * @endpoint_id: an endpoint's id, such as "tcp" or "udp"
 *
 * Returns: the port the endpoint listens on, or 0 if there is no such
 *   endpoint listening
 */
guint16
ld_ingest_get_bound_port (LdIngest   *self,
                          const char *endpoint_id)
{
  guint16 port = 0;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (endpoint_id != NULL, 0);

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->endpoints->len; i++)
    {
      Endpoint *endpoint = g_ptr_array_index (self->endpoints, i);

      if (g_strcmp0 (endpoint->id, endpoint_id) != 0)
        continue;
      if (endpoint->tcp != NULL)
        port = ld_tcp_listener_get_port (endpoint->tcp);
      else if (endpoint->udp != NULL)
        port = ld_udp_listener_get_port (endpoint->udp);
      else if (endpoint->http != NULL)
        port = ld_http_listener_get_port (endpoint->http);
      break;
    }
  g_mutex_unlock (&self->lock);

  return port;
}

/* ZeroMQ and NNG */

static void
report_uri_failed (LdIngest   *self,
                   const char *id,
                   const char *protocol,
                   const char *uri,
                   GError     *error)
{
  LdConnectionInfo info = {
    .id = id,
    .kind = LD_CONNECTION_KIND_ENDPOINT,
    .protocol = protocol,
    .address = uri,
    .state = LD_CONNECTION_FAILED,
    .connected_since = g_get_real_time (),
    .last_error = error->message,
  };

  ld_ingest_shared_report (&self->shared, &info);
}

/* A failed socket is listed with the reason; in --zmq-listen's pair, neither is added. */
static LdZmqSource *
new_zmq_source (LdIngest    *self,
                LdZmqMode    mode,
                const char  *uri,
                char       **id,
                GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  LdZmqSource *source;

  *id = g_strdup_printf ("zmq-%u", ++self->n_zmq);
  source = ld_zmq_source_new (&self->shared, *id, mode, uri, &local_error);
  if (source == NULL)
    {
      report_uri_failed (self, *id, ld_zmq_mode_protocol (mode), uri, local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
    }

  return source;
}

static void
add_zmq_endpoint (LdIngest    *self,
                  LdZmqSource *source,
                  char        *id)
{
  Endpoint *endpoint = g_new0 (Endpoint, 1);

  endpoint->zmq = source;
  endpoint->id = id;
  add_endpoint (self, endpoint);
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
  g_autofree char *id = NULL;
  LdZmqSource *source;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (uri != NULL, FALSE);

  if (!check_running (self, error))
    return FALSE;
  if ((source = new_zmq_source (self, LD_ZMQ_SUB_CONNECT, uri, &id, error)) == NULL)
    return FALSE;

  add_zmq_endpoint (self, source, g_steal_pointer (&id));
  return TRUE;
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
  g_autofree char *pull_uri = NULL;
  g_autofree char *sub_id = NULL;
  g_autofree char *pull_id = NULL;
  LdZmqSource *sub, *pull;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (uri != NULL, FALSE);

  if (!check_running (self, error))
    return FALSE;
  if ((pull_uri = ld_mq_uri_next_port (uri, error)) == NULL
      || (sub = new_zmq_source (self, LD_ZMQ_SUB_LISTEN, uri, &sub_id, error)) == NULL)
    return FALSE;
  if ((pull = new_zmq_source (self, LD_ZMQ_PULL_LISTEN, pull_uri, &pull_id, error)) == NULL)
    {
      ld_zmq_source_free (sub);
      return FALSE;
    }

  add_zmq_endpoint (self, sub, g_steal_pointer (&sub_id));
  add_zmq_endpoint (self, pull, g_steal_pointer (&pull_id));
  return TRUE;
}

static gboolean
add_nng (LdIngest    *self,
         LdNngMode    mode,
         const char  *uri,
         GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *id = NULL;
  LdNngSource *source;
  Endpoint *endpoint;

  if (!check_running (self, error))
    return FALSE;

  id = g_strdup_printf ("nng-%u", ++self->n_nng);
  source = ld_nng_source_new (&self->shared, id, mode, uri, &local_error);
  if (source == NULL)
    {
      report_uri_failed (self, id, LD_INGEST_PROTOCOL_NNG_SUB0, uri, local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  endpoint = g_new0 (Endpoint, 1);
  endpoint->nng = source;
  endpoint->id = g_steal_pointer (&id);
  add_endpoint (self, endpoint);
  return TRUE;
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
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (uri != NULL, FALSE);

  return add_nng (self, LD_NNG_LISTEN, uri, error);
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
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (uri != NULL, FALSE);

  return add_nng (self, LD_NNG_DIAL, uri, error);
}

/**
 * ld_ingest_get_endpoint_uri:
 * @self: an ingest thread
 * @endpoint_id: a ZeroMQ or NNG endpoint's id, such as "zmq-1" or "nng-1"
 *
 * Returns: (transfer full) (nullable): the address the endpoint listens on, with the port
 *   the system chose for "*" or 0, or the address it connects to; %NULL if there is no such
 *   endpoint
 */
char *
ld_ingest_get_endpoint_uri (LdIngest   *self,
                            const char *endpoint_id)
{
  char *uri = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (endpoint_id != NULL, NULL);

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->endpoints->len; i++)
    {
      Endpoint *endpoint = g_ptr_array_index (self->endpoints, i);

      if (g_strcmp0 (endpoint->id, endpoint_id) != 0)
        continue;
      if (endpoint->zmq != NULL)
        uri = g_strdup (ld_zmq_source_get_uri (endpoint->zmq));
      else if (endpoint->nng != NULL)
        uri = g_strdup (ld_nng_source_get_uri (endpoint->nng));
      break;
    }
  g_mutex_unlock (&self->lock);

  return uri;
}

/**
 * ld_ingest_get_n_records:
 * @self: an ingest thread
 *
 * Returns: how many records the ingest thread has handed over so far,
 *   error records included
 */
guint64
ld_ingest_get_n_records (LdIngest *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return (guint64) (gsize) g_atomic_pointer_get (&self->shared.n_records);
}

/**
 * ld_ingest_get_numbering:
 * @self: a stopped ingest thread
 * @n_tcp: (out): TCP connections it numbered
 * @n_ws: (out): WebSocket sessions it numbered
 */
void
ld_ingest_get_numbering (LdIngest *self,
                         guint    *n_tcp,
                         guint    *n_ws)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (self->stopped);

  *n_tcp = self->shared.next_tcp_id;
  *n_ws = self->shared.next_ws_id;
}

/**
 * ld_ingest_continue_numbering:
 * @self: an ingest thread with no endpoints yet
 *
 * Numbers connections on from where another ingest thread stopped, so that
 * a restart of the listeners never gives a new peer an old peer's id.
 */
void
ld_ingest_continue_numbering (LdIngest *self,
                              guint     n_tcp,
                              guint     n_ws)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (self->endpoints->len == 0);

  self->shared.next_tcp_id = n_tcp;
  self->shared.next_ws_id = n_ws;
}
