// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ingest"

#include "config.h"

#include <string.h>

#include <glib-unix.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>

#include "ld-mq-common.h"
#include "ld-nng-source.h"

/* An NNG Sub0 socket on the ingest thread's main context, without a thread of its own: NNG's
 * receive descriptor (NNG_OPT_RECVFD) is readable while a message is queued, and the ingest
 * thread then takes messages without blocking until none is left. NNG sockets are
 * thread-safe, so the socket is made and starts listening (or dialling, which NNG repeats by
 * itself) on the caller's thread, and a taken port is an error at once.
 *
 * Each message knows the pipe, the connection, it came over: every pipe is listed as
 * "nng-1/pipe-3" with its peer's address and its own counts. NNG says when a pipe comes and
 * goes on a thread of its own; those notes are handed to the ingest thread, which lists a
 * pipe when it comes or when its first message arrives, whichever is first, and closes it
 * in the list once the messages it had queued are read. */

/* Messages one dispatch takes before the ingest thread's other sources get their turn. */
#define MESSAGE_BUDGET   4096
/* NNG's largest receive queue: Sub0 drops the oldest message when it is full. */
#define RECEIVE_QUEUE    8192
#define STOP_BUDGET      (2 * RECEIVE_QUEUE)
#define RECONNECT_MIN_MS 100
#define RECONNECT_MAX_MS 30000

typedef struct
{
  char       *id;        /* "nng-1/pipe-3" */
  char       *peer;
  LdMqIntake  intake;
  gint64      since;
  gboolean    closed;    /* NNG removed it; what it had queued may still be read */
  gboolean    dirty;     /* counts not yet reported */
} Pipe;

typedef struct
{
  LdSource           parent;
  LdNngMode          mode;
  char              *uri;          /* as bound, with the port the system chose for 0 */
  nng_socket         socket;
  gboolean           open;
  nng_aio           *receive;      /* reused for every message; completes inline */
  GSource           *source;
  LdReportPacer      pacer;
  LdBatch           *batch;
  GHashTable        *pipes;        /* NNG's pipe id → Pipe */
  char              *pipe_kind;    /* "nng-1/pipe": how its pipes are numbered */
  guint              n_open;
  guint              n_closed;     /* pipes closed but not yet reaped */
  guint64            n_records;
  guint64            n_bytes;
  guint64            n_refused;
  char              *last_error;
  LdConnectionState  state;
  gint64             since;
  gboolean           started;
  gboolean           stopped;
  GPtrArray         *early;        /* PipeEvents from before the start */
  GMutex             lock;         /* guards @closing, which NNG's threads read */
  gboolean           closing;
} LdNngSource;

/* What NNG said about a pipe, on its way to the ingest thread. */
typedef struct
{
  LdNngSource *source;
  guint32      pipe;
  nng_pipe_ev  event;
  char        *peer;
} PipeEvent;

static gboolean
fail (GError    **error,
      int         code,
      const char *what,
      const char *uri)
{
  g_set_error (error, G_IO_ERROR, code == NNG_EADDRINUSE ? G_IO_ERROR_ADDRESS_IN_USE
                                                         : G_IO_ERROR_FAILED,
               "%s %s: %s", what, uri, nng_strerror (code));
  return FALSE;
}

static char *
format_address (const nng_sockaddr *address)
{
  g_autoptr(GInetAddress) ip = NULL;
  g_autofree char *text = NULL;

  switch (address->s_family)
    {
    case NNG_AF_INET:
      ip = g_inet_address_new_from_bytes ((const guint8 *) &address->s_in.sa_addr,
                                          G_SOCKET_FAMILY_IPV4);
      text = g_inet_address_to_string (ip);
      return g_strdup_printf ("%s:%u", text, GUINT16_FROM_BE (address->s_in.sa_port));
    case NNG_AF_INET6:
      ip = g_inet_address_new_from_bytes (address->s_in6.sa_addr, G_SOCKET_FAMILY_IPV6);
      text = g_inet_address_to_string (ip);
      return g_strdup_printf ("[%s]:%u", text, GUINT16_FROM_BE (address->s_in6.sa_port));
    case NNG_AF_IPC:
      return g_strdup (address->s_ipc.sa_path);
    case NNG_AF_INPROC:
      return g_strdup (address->s_inproc.sa_name);
    default:
      return NULL;
    }
}

/* The peer of @pipe, or %NULL once NNG has let go of it. */
static char *
pipe_peer (nng_pipe pipe)
{
  nng_sockaddr address;

  if (nng_pipe_get_addr (pipe, NNG_OPT_REMADDR, &address) != 0)
    return NULL;
  return format_address (&address);
}

/* Reports */

static void
report_pipe (LdNngSource *self,
             Pipe        *pipe)
{
  LdConnectionInfo info = {
    .id = pipe->id,
    .kind = LD_CONNECTION_KIND_CONNECTION,
    .protocol = LD_INGEST_PROTOCOL_NNG_SUB0,
    .address = pipe->peer,
    .state = pipe->closed ? LD_CONNECTION_CLOSED : LD_CONNECTION_OPEN,
    .connected_since = pipe->since,
    .closed_at = pipe->closed ? g_get_real_time () : 0,
  };

  ld_mq_intake_fill_info (&pipe->intake, &info);
  pipe->dirty = FALSE;
  ld_ingest_shared_report (self->parent.shared, &info);
}

static void
report (LdNngSource *self)
{
  LdConnectionInfo info = {
    .id = self->parent.id,
    .kind = LD_CONNECTION_KIND_ENDPOINT,
    .protocol = LD_INGEST_PROTOCOL_NNG_SUB0,
    .address = self->uri,
    .state = self->state,
    .connected_since = self->since,
    .closed_at = self->state == LD_CONNECTION_CLOSED ? g_get_real_time () : 0,
    .n_records = self->n_records,
    .n_bytes = self->n_bytes,
    .n_errors = self->n_refused,
    .last_error = self->last_error,
  };
  GHashTableIter iter;
  Pipe *pipe;

  ld_report_pacer_reported (&self->pacer);
  ld_ingest_shared_report (self->parent.shared, &info);
  g_hash_table_iter_init (&iter, self->pipes);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &pipe))
    if (pipe->dirty)
      report_pipe (self, pipe);
}

static void
report_counts (gpointer user_data)
{
  LdNngSource *self = user_data;

  report (self);
}

/* A dialling socket is open while it has a pipe; NNG dials again when it has none. */
static void
update_state (LdNngSource *self)
{
  if (self->mode == LD_NNG_DIAL)
    self->state = self->n_open > 0 ? LD_CONNECTION_OPEN : LD_CONNECTION_CONNECTING;
  report (self);
}

/* Pipes */

static void
pipe_free (Pipe *pipe)
{
  ld_mq_intake_clear (&pipe->intake);
  g_free (pipe->peer);
  g_free (pipe->id);
  g_free (pipe);
}

static Pipe *
add_pipe (LdNngSource *self,
          guint32      nng_id,
          char        *peer)
{
  Pipe *pipe = g_new0 (Pipe, 1);

  pipe->id = g_strdup_printf ("%s/pipe-%u", self->parent.id,
                              ld_ingest_shared_number (self->parent.shared, self->pipe_kind));
  pipe->peer = peer != NULL ? peer : g_strdup ("unknown");
  pipe->since = g_get_real_time ();
  pipe->closed = peer == NULL;
  ld_mq_intake_init (&pipe->intake, self->parent.shared);
  g_hash_table_insert (self->pipes, GUINT_TO_POINTER (nng_id), pipe);
  if (pipe->closed)
    self->n_closed++;
  else
    self->n_open++;
  report_pipe (self, pipe);
  return pipe;
}

/* Pipes that NNG removed are dropped from the table once their messages are all read. */
static void
reap_closed_pipes (LdNngSource *self)
{
  GHashTableIter iter;
  Pipe *pipe;

  if (self->n_closed == 0)
    return;

  g_hash_table_iter_init (&iter, self->pipes);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &pipe))
    if (pipe->closed)
      {
        ld_problem_limiter_flush (&pipe->intake.limiter, self->batch, pipe->id, pipe->peer,
                                  LD_INGEST_PROTOCOL_NNG_SUB0);
        report_pipe (self, pipe);
        g_hash_table_iter_remove (&iter);
      }
  self->n_closed = 0;
}

/* Messages */

static void
take_message (LdNngSource *self,
              nng_msg     *msg)
{
  nng_pipe nng_pipe = nng_msg_get_pipe (msg);
  guint32 nng_id = nng_pipe_id (nng_pipe);
  Pipe *pipe = g_hash_table_lookup (self->pipes, GUINT_TO_POINTER (nng_id));
  guint64 n_records, n_refused;
  LdIngestOrigin origin;

  if (pipe == NULL)
    {
      pipe = add_pipe (self, nng_id, pipe_peer (nng_pipe));
      update_state (self);
    }
  origin = (LdIngestOrigin) {
    .record.connection = pipe->id,
    .record.peer = pipe->peer,
    .record.protocol = LD_INGEST_PROTOCOL_NNG_SUB0,
  };
  n_records = pipe->intake.n_records;
  n_refused = pipe->intake.n_refused;

  ld_mq_intake_take (&pipe->intake, self->batch, &origin, nng_msg_body (msg), nng_msg_len (msg),
                     NULL, 0);
  self->n_records += pipe->intake.n_records - n_records;
  self->n_bytes += nng_msg_len (msg);
  pipe->dirty = TRUE;
  if (pipe->intake.n_refused != n_refused)
    {
      self->n_refused += pipe->intake.n_refused - n_refused;
      g_free (self->last_error);
      self->last_error = g_strdup_printf ("%s: %s", pipe->id, pipe->intake.last_error);
    }
}

/* nng_recvmsg() without its allocation of an aio per message: with no callback and no wait
 * allowed, the one aio completes within the call. */
static nng_msg *
receive_message (LdNngSource *self)
{
  nng_recv_aio (self->socket, self->receive);
  nng_aio_wait (self->receive);
  if (nng_aio_result (self->receive) != 0)
    return NULL;
  return nng_aio_get_msg (self->receive);
}

/* Takes up to @budget messages. Once none is left, pipes that closed are done with. */
static void
drain (LdNngSource *self,
       guint        budget)
{
  for (guint i = 0; i < budget; i++)
    {
      nng_msg *msg = receive_message (self);

      if (msg == NULL)
        {
          reap_closed_pipes (self);
          break;
        }
      take_message (self, msg);
      nng_msg_free (msg);
      if (ld_batch_get_length (self->batch) >= LD_INGEST_MAX_BATCH)
        ld_ingest_shared_flush (self->parent.shared, &self->batch);
    }

  ld_ingest_shared_flush (self->parent.shared, &self->batch);
}

/* The descriptor stays readable while messages are queued, so a dispatch that stops at its
 * budget is simply dispatched again. */
static gboolean
on_readable (int          fd,
             GIOCondition condition,
             gpointer     user_data)
{
  LdNngSource *self = user_data;

  drain (self, MESSAGE_BUDGET);
  ld_report_pacer_progress (&self->pacer);
  return G_SOURCE_CONTINUE;
}

/* Pipe events */

static void
apply_pipe_event (LdNngSource *self,
                  PipeEvent   *event)
{
  Pipe *pipe = g_hash_table_lookup (self->pipes, GUINT_TO_POINTER (event->pipe));

  if (event->event == NNG_PIPE_EV_ADD_POST && pipe == NULL)
    add_pipe (self, event->pipe, g_steal_pointer (&event->peer));
  else if (event->event == NNG_PIPE_EV_REM_POST && pipe != NULL && !pipe->closed)
    {
      pipe->closed = TRUE;
      self->n_open--;
      self->n_closed++;
      drain (self, MESSAGE_BUDGET);
    }
  update_state (self);
}

static void
pipe_event_free (gpointer data)
{
  PipeEvent *event = data;

  g_free (event->peer);
  g_free (event);
}

/* Runs on the ingest thread. A pipe may come as soon as the socket listens or dials, before
 * the source has started: its events wait until then. */
static gboolean
handle_pipe_event (gpointer user_data)
{
  PipeEvent *event = user_data;
  LdNngSource *self = event->source;

  if (self->stopped)
    return G_SOURCE_REMOVE;
  if (!self->started)
    {
      g_ptr_array_add (self->early, g_memdup2 (event, sizeof *event));
      event->peer = NULL;
      return G_SOURCE_REMOVE;
    }

  apply_pipe_event (self, event);
  return G_SOURCE_REMOVE;
}

/* Runs on one of NNG's threads. */
static void
on_pipe_event (nng_pipe     pipe,
               nng_pipe_ev  what,
               void        *user_data)
{
  LdNngSource *self = user_data;
  PipeEvent *event;

  g_mutex_lock (&self->lock);
  if (!self->closing)
    {
      event = g_new0 (PipeEvent, 1);
      event->source = self;
      event->pipe = nng_pipe_id (pipe);
      event->event = what;
      event->peer = what == NNG_PIPE_EV_ADD_POST ? pipe_peer (pipe) : NULL;
      g_main_context_invoke_full (self->parent.shared->context, G_PRIORITY_DEFAULT,
                                  handle_pipe_event, event, pipe_event_free);
    }
  g_mutex_unlock (&self->lock);
}

/* Setting up */

static gboolean
configure (LdNngSource  *self,
           GError      **error)
{
  int code;

  if ((code = nng_aio_alloc (&self->receive, NULL, NULL)) != 0)
    return fail (error, code, "Cannot set up NNG for", self->uri);
  nng_aio_set_timeout (self->receive, NNG_DURATION_ZERO);
  if ((code = nng_sub0_open (&self->socket)) != 0)
    return fail (error, code, "Cannot make an NNG Sub0 socket for", self->uri);
  self->open = TRUE;

  if ((code = nng_socket_set (self->socket, NNG_OPT_SUB_SUBSCRIBE, "", 0)) != 0
      || (code = nng_pipe_notify (self->socket, NNG_PIPE_EV_ADD_POST, on_pipe_event, self)) != 0
      || (code = nng_pipe_notify (self->socket, NNG_PIPE_EV_REM_POST, on_pipe_event, self)) != 0
      || (code = nng_socket_set_size (self->socket, NNG_OPT_RECVMAXSZ,
                                      ld_mq_transport_limit (self->parent.shared))) != 0
      || (code = nng_socket_set_int (self->socket, NNG_OPT_RECVBUF, RECEIVE_QUEUE)) != 0
      || (code = nng_socket_set_ms (self->socket, NNG_OPT_RECONNMINT, RECONNECT_MIN_MS)) != 0
      || (code = nng_socket_set_ms (self->socket, NNG_OPT_RECONNMAXT, RECONNECT_MAX_MS)) != 0)
    return fail (error, code, "Cannot set up the NNG Sub0 socket for", self->uri);

  return TRUE;
}

/* "tcp://127.0.0.1:0" becomes "tcp://127.0.0.1:PORT", the port the system chose. */
static void
note_bound_port (LdNngSource  *self,
                 nng_listener  listener)
{
  const char *colon = strrchr (self->uri, ':');
  char *bound;
  int port = 0;

  if (colon == NULL || !g_str_equal (colon, ":0")
      || nng_listener_get_int (listener, NNG_OPT_TCP_BOUND_PORT, &port) != 0)
    return;

  bound = g_strdup_printf ("%.*s:%d", (int) (colon - self->uri), self->uri, port);
  g_free (self->uri);
  self->uri = bound;
}

static gboolean
listen_or_dial (LdNngSource  *self,
                GError      **error)
{
  nng_listener listener;
  int code;

  if (self->mode == LD_NNG_DIAL)
    {
      /* Without blocking, a publisher that is not there yet is dialled again and again. */
      code = nng_dial (self->socket, self->uri, NULL, NNG_FLAG_NONBLOCK);
      return code == 0 || fail (error, code, "Cannot dial", self->uri);
    }

  if ((code = nng_listen (self->socket, self->uri, &listener, 0)) != 0)
    return fail (error, code, "Cannot listen with an NNG Sub0 socket on", self->uri);
  note_bound_port (self, listener);
  return TRUE;
}

/* Starts receiving, on the ingest thread. */
static void
nng_source_start (LdSource *source)
{
  LdNngSource *self = (LdNngSource *) source;
  int fd = -1;

  self->since = g_get_real_time ();
  self->state = self->mode == LD_NNG_DIAL ? LD_CONNECTION_CONNECTING : LD_CONNECTION_LISTENING;
  self->started = TRUE;
  report (self);
  for (guint i = 0; i < self->early->len; i++)
    apply_pipe_event (self, g_ptr_array_index (self->early, i));
  g_ptr_array_set_size (self->early, 0);

  nng_socket_get_int (self->socket, NNG_OPT_RECVFD, &fd);
  self->source = g_unix_fd_source_new (fd, G_IO_IN);
  g_source_set_static_name (self->source, "[logdeck] nng source");
  g_source_set_callback (self->source, G_SOURCE_FUNC (on_readable), self, NULL);
  g_source_attach (self->source, self->parent.shared->context);
}

static void
close_socket (LdNngSource *self)
{
  g_mutex_lock (&self->lock);
  self->closing = TRUE;
  g_mutex_unlock (&self->lock);

  if (self->open)
    nng_close (self->socket);
  self->open = FALSE;
}

/* Takes the messages NNG had already queued, then closes the socket and every pipe. */
static void
nng_source_stop (LdSource *source)
{
  LdNngSource *self = (LdNngSource *) source;
  GHashTableIter iter;
  Pipe *pipe;

  self->stopped = TRUE;
  if (self->source != NULL)
    drain (self, STOP_BUDGET);
  ld_ingest_destroy_source (&self->source);
  ld_report_pacer_stop (&self->pacer);
  close_socket (self);

  g_hash_table_iter_init (&iter, self->pipes);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &pipe))
    pipe->closed = TRUE;
  self->n_closed = g_hash_table_size (self->pipes);
  reap_closed_pipes (self);
  ld_ingest_shared_flush (self->parent.shared, &self->batch);
  self->state = LD_CONNECTION_CLOSED;
  report (self);
}

static void
nng_source_finalize (LdSource *source)
{
  LdNngSource *self = (LdNngSource *) source;

  g_assert (self->source == NULL && self->pacer.timer == NULL);
  close_socket (self);
  g_clear_pointer (&self->receive, nng_aio_free);
  g_hash_table_unref (self->pipes);
  g_ptr_array_unref (self->early);
  ld_batch_free (self->batch);
  g_mutex_clear (&self->lock);
  g_free (self->last_error);
  g_free (self->uri);
  g_free (self->pipe_kind);
}

/* The address listened on, with the port the system chose for 0, or the one dialled. */
static const char *
nng_source_get_uri (LdSource *source)
{
  return ((LdNngSource *) source)->uri;
}

LD_DEFINE_SOURCE_CLASS (nng_source, "nng", .get_uri = nng_source_get_uri);

/**
 * ld_nng_source_new:
 * @shared: what the ingest thread's sources share
 * @mode: whether the socket listens or dials
 * @uri: an NNG address, such as "tcp://127.0.0.1:13232"; a listening one may have port 0,
 *   and must be on loopback unless the ingest is insecure
 * @error: why the socket cannot listen or dial there
 *
 * Listens, or starts dialling, at once. The socket is "nng-1", "nng-2"…; one that cannot be
 * made is listed as failed, with the reason.
 *
 * Returns: (nullable): the source, not yet receiving
 */
LdSource *
ld_nng_source_new (LdIngestShared *shared,
                   LdNngMode       mode,
                   const char     *uri,
                   GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  LdNngSource *self;
  char *id;

  if ((id = ld_source_next_id (shared, "nng", LD_SOURCE_ID_NUMBERED, error)) == NULL)
    return NULL;

  self = g_new0 (LdNngSource, 1);
  ld_source_init (&self->parent, &nng_source_class, shared, id);
  self->pipe_kind = g_strconcat (id, "/pipe", NULL);
  self->mode = mode;
  self->uri = g_strdup (uri);
  self->batch = ld_batch_new ();
  ld_report_pacer_init (&self->pacer, shared, "[logdeck] nng counts", report_counts, self);
  self->pipes = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) pipe_free);
  self->early = g_ptr_array_new_with_free_func (pipe_event_free);
  g_mutex_init (&self->lock);
  if ((mode == LD_NNG_LISTEN && !ld_mq_check_listen_uri (shared, uri, "NNG", &local_error))
      || !configure (self, &local_error) || !listen_or_dial (self, &local_error))
    {
      ld_source_report_failed (shared, id, LD_INGEST_PROTOCOL_NNG_SUB0, uri, local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      ld_source_free (&self->parent);
      return NULL;
    }

  return &self->parent;
}
