// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ingest"

#include "config.h"

#include <errno.h>
#include <sys/resource.h>
#include <unistd.h>

#include "ld-ingest-private.h"
#include "ld-source.h"

/* The ingest thread. It owns a main context on which every source's
 * GSources run, so that decoding never competes with drawing; records reach
 * the UI thread through the hand-off, a batch at a time. It keeps a list of
 * LdSources (see ld-source.h) and knows none of them by name: the kinds are
 * registered in ld-ingest-sources.c.
 *
 * A source binds in its constructor, on the caller's thread, so that a
 * taken port is known (and shown in the registry as a failed endpoint)
 * before the call returns; only then is it started, on the ingest thread.
 * Stopping runs on the ingest thread too: each source reads what its peers
 * had already sent, hands it over, and closes, and then the thread ends.
 *
 * libsoup's server and client attach their sources to the thread-default
 * main context of the moment they start, and are not thread-safe, so the
 * HTTP endpoint and the WebSocket clients are made, run and stopped on the
 * ingest thread only; every source starts there, for the same rule. */

struct _LdIngest
{
  LdIngestShared  shared;
  GMainLoop      *loop;
  GThread        *thread;
  GMutex          lock;
  GPtrArray      *sources;     /* LdSource, guarded by @lock */
};

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
  self->shared.n_endpoints = g_hash_table_new (g_str_hash, g_str_equal);
  self->shared.n_connections = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->sources = g_ptr_array_new_with_free_func ((GDestroyNotify) ld_source_free);
  self->thread = g_thread_new ("ingest", run_ingest_thread, self);

  return self;
}

static gboolean
stop_on_ingest_thread (gpointer user_data)
{
  LdIngest *self = user_data;

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->sources->len; i++)
    ld_source_stop (g_ptr_array_index (self->sources, i));
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

  if (self->shared.stopped)
    return;

  self->shared.stopped = TRUE;
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
  g_ptr_array_unref (self->sources);
  g_hash_table_unref (self->shared.n_endpoints);
  g_hash_table_unref (self->shared.n_connections);
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
  g_return_if_fail (self->sources->len == 0);

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
  limits->max_bodies_in_flight = LD_LISTEN_MAX_BODIES_IN_FLIGHT;
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
  g_return_if_fail (self->sources->len == 0);

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
  g_return_val_if_fail (self->sources->len == 0, FALSE);

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

/**
 * ld_ingest_get_shared:
 * @self: an ingest thread
 *
 * Returns: what its sources share, for a source's constructor
 */
LdIngestShared *
ld_ingest_get_shared (LdIngest *self)
{
  return &self->shared;
}

static gboolean
start_source (gpointer source)
{
  ld_source_start (source);
  return G_SOURCE_REMOVE;
}

/**
 * ld_ingest_add_source:
 * @self: an ingest thread
 * @source: (transfer full) (nullable): a new source made for @self, or
 *   %NULL when making it failed: its constructor has then set @error and
 *   listed the failure in the registry
 * @error: why the source could not be added
 *
 * Starts @source on the ingest thread and keeps it until @self is freed.
 * Its constructor has bound what it listens on, on the caller's thread, so
 * a taken port is known when it returns; the start runs on the ingest
 * thread, where libsoup's objects must be made, and this waits for it.
 *
 * Returns: %TRUE if @source was added
 */
gboolean
ld_ingest_add_source (LdIngest  *self,
                      LdSource  *source,
                      GError   **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (source == NULL)
    return FALSE;

  g_assert (source->shared == &self->shared);
  if (self->shared.stopped)
    {
      /* Made before ld_ingest_stop(), added after: it never starts. */
      ld_source_free (source);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "The ingest thread has stopped");
      return FALSE;
    }
  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->sources, source);
  g_mutex_unlock (&self->lock);

  invoke_sync (self, start_source, source);
  return TRUE;
}

static LdSource *
find_source (LdIngest   *self,
             const char *id)
{
  for (guint i = 0; i < self->sources->len; i++)
    {
      LdSource *source = g_ptr_array_index (self->sources, i);

      if (g_strcmp0 (source->id, id) == 0)
        return source;
    }

  return NULL;
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
  LdSource *source;
  guint16 port;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (endpoint_id != NULL, 0);

  g_mutex_lock (&self->lock);
  source = find_source (self, endpoint_id);
  port = source != NULL ? source->port : 0;
  g_mutex_unlock (&self->lock);

  return port;
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
  LdSource *source;
  char *uri;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (endpoint_id != NULL, NULL);

  g_mutex_lock (&self->lock);
  source = find_source (self, endpoint_id);
  uri = source != NULL ? g_strdup (ld_source_get_uri (source)) : NULL;
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
 * ld_ingest_get_connection_numbering:
 * @self: a stopped ingest thread
 *
 * Returns: (transfer full) (element-type utf8 guint): how many connections
 *   of each kind it numbered: "tcp", "ws", and each NNG socket's pipes,
 *   "nng-1/pipe"…; for ld_ingest_continue_connection_numbering()
 */
GHashTable *
ld_ingest_get_connection_numbering (LdIngest *self)
{
  GHashTable *numbering;
  GHashTableIter iter;
  gpointer kind, n;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (self->shared.stopped, NULL);

  numbering = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_iter_init (&iter, self->shared.n_connections);
  while (g_hash_table_iter_next (&iter, &kind, &n))
    g_hash_table_insert (numbering, g_strdup (kind), n);

  return numbering;
}

/**
 * ld_ingest_continue_connection_numbering:
 * @self: an ingest thread with no endpoints yet
 * @numbering: (element-type utf8 guint): from another ingest thread's
 *   ld_ingest_get_connection_numbering()
 *
 * Numbers connections of every kind on from where another ingest thread
 * stopped, so that a restart of the sources never gives a new peer an old
 * peer's id.
 */
void
ld_ingest_continue_connection_numbering (LdIngest   *self,
                                         GHashTable *numbering)
{
  GHashTableIter iter;
  gpointer kind, n;

  g_return_if_fail (self != NULL);
  g_return_if_fail (numbering != NULL);
  g_return_if_fail (self->sources->len == 0);

  g_hash_table_iter_init (&iter, numbering);
  while (g_hash_table_iter_next (&iter, &kind, &n))
    g_hash_table_insert (self->shared.n_connections, g_strdup (kind), n);
}

static guint
numbered (LdIngest   *self,
          const char *kind)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (self->shared.n_connections, kind));
}

static void
continue_from (LdIngest   *self,
               const char *kind,
               guint       n)
{
  g_hash_table_insert (self->shared.n_connections, g_strdup (kind), GUINT_TO_POINTER (n));
}

/**
 * ld_ingest_get_numbering:
 * @self: a stopped ingest thread
 * @n_tcp: (out): TCP connections it numbered
 * @n_ws: (out): WebSocket sessions it numbered
 *
 * The TCP and WebSocket part of ld_ingest_get_connection_numbering().
 */
void
ld_ingest_get_numbering (LdIngest *self,
                         guint    *n_tcp,
                         guint    *n_ws)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (self->shared.stopped);

  *n_tcp = numbered (self, "tcp");
  *n_ws = numbered (self, "ws");
}

/**
 * ld_ingest_continue_numbering:
 * @self: an ingest thread with no endpoints yet
 *
 * Numbers TCP connections and WebSocket sessions on from where another
 * ingest thread stopped; ld_ingest_continue_connection_numbering() does it
 * for every kind.
 */
void
ld_ingest_continue_numbering (LdIngest *self,
                              guint     n_tcp,
                              guint     n_ws)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (self->sources->len == 0);

  continue_from (self, "tcp", n_tcp);
  continue_from (self, "ws", n_ws);
}
