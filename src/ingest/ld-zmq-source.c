// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ingest"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib-unix.h>
#include <zmq.h>

#include "ld-level.h"
#include "ld-mq-common.h"
#include "ld-zmq-source.h"

/* A ZeroMQ socket on the ingest thread's main context. The socket is made, set up and bound
 * on the caller's thread, so that a taken port is an error at once; from the start on, only
 * the ingest thread touches it (attaching its sources to the context is the memory barrier
 * that libzmq asks for when a socket changes threads). Each source has a libzmq context of
 * its own, whose I/O thread reads the network.
 *
 * ZMQ_FD is edge-triggered: it says that something may have changed, not that a message is
 * there, and it only says so again once the socket has been drained. So each wake-up reads
 * messages until EAGAIN and checks ZMQ_EVENTS last; after MESSAGE_BUDGET messages it yields
 * to the other sources with the source's ready time set, rather than waiting for a signal
 * that will not come. No timer ever polls.
 *
 * A socket monitor, read the same way from an inproc PAIR socket, tells the connection's
 * state (libzmq reconnects by itself) and handshakes that failed, such as a PUSH connecting
 * to the SUB port.
 *
 * Message frames before the last are the topic; the last is the JSON record. */

/* Messages one dispatch takes before the ingest thread's other sources get their turn. */
#define MESSAGE_BUDGET   4096
/* A topic of more frames than this is not a logging sender's. */
#define MAX_FRAMES       16
/* Messages libzmq queues for Logdeck; a PUB drops what does not fit (see ld-mq-common.c). */
#define RECEIVE_HWM      1000
#define STOP_BUDGET      (4 * RECEIVE_HWM)
#define RECONNECT_MIN_MS 100
#define RECONNECT_MAX_MS 30000
#define MONITOR_ENDPOINT "inproc://logdeck-monitor"
#define HANDSHAKE_FAILED (ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL \
                          | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL \
                          | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
#define MONITORED_EVENTS (ZMQ_EVENT_CONNECT_RETRIED | ZMQ_EVENT_DISCONNECTED \
                          | ZMQ_EVENT_HANDSHAKE_SUCCEEDED | HANDSHAKE_FAILED)

typedef struct
{
  LdSource           parent;
  LdZmqMode          mode;
  char              *uri;          /* as bound (ZMQ_LAST_ENDPOINT), or as given to connect */
  char              *remote;       /* the publisher's host:port, for a connecting SUB */
  void              *context;
  void              *socket;
  void              *monitor;
  GSource           *source;
  GSource           *monitor_source;
  LdReportPacer      pacer;
  LdBatch           *batch;
  LdMqIntake         intake;
  GString           *topic;
  char              *peer;         /* the last sender's Peer-Address */
  LdConnectionState  state;
  char              *status;       /* why a connecting SUB is not connected */
  gint64             since;
} LdZmqSource;

const char *
ld_zmq_mode_protocol (LdZmqMode mode)
{
  return mode == LD_ZMQ_PULL_LISTEN ? LD_INGEST_PROTOCOL_ZMQ_PULL : LD_INGEST_PROTOCOL_ZMQ_SUB;
}

static gboolean
fail (GError    **error,
      const char *what,
      const char *uri)
{
  int code = errno;

  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (code), "%s %s: %s", what, uri,
               zmq_strerror (code));
  return FALSE;
}

static void
report (LdZmqSource *self)
{
  LdConnectionInfo info = {
    .id = self->parent.id,
    .kind = LD_CONNECTION_KIND_ENDPOINT,
    .protocol = ld_zmq_mode_protocol (self->mode),
    .address = self->uri,
    .state = self->state,
    .connected_since = self->since,
    .closed_at = self->state == LD_CONNECTION_CLOSED ? g_get_real_time () : 0,
  };

  ld_mq_intake_fill_info (&self->intake, &info);
  if (self->state == LD_CONNECTION_CONNECTING && self->status != NULL)
    info.last_error = self->status;
  ld_report_pacer_reported (&self->pacer);
  ld_ingest_shared_report (self->parent.shared, &info);
}

static void
report_counts (gpointer user_data)
{
  LdZmqSource *self = user_data;

  report (self);
}

static void
set_state (LdZmqSource       *self,
           LdConnectionState  state,
           char              *status)
{
  g_free (self->status);
  self->status = status;
  self->state = state;
  report (self);
}

/* Whether @socket has something to read; also takes libzmq's pending commands, which
 * re-arms ZMQ_FD. */
static gboolean
can_receive (void *socket)
{
  int events = 0;
  size_t size = sizeof events;

  return zmq_getsockopt (socket, ZMQ_EVENTS, &events, &size) == 0 && (events & ZMQ_POLLIN);
}

/* The sender's address: a connecting SUB has one publisher, a listening socket many. */
static const char *
peer_of (LdZmqSource *self,
         zmq_msg_t   *frame)
{
  const char *address;

  if (self->mode == LD_ZMQ_SUB_CONNECT)
    return self->remote;
  address = zmq_msg_gets (frame, "Peer-Address");
  if (address == NULL)
    return self->uri;
  if (g_strcmp0 (self->peer, address) != 0)
    {
      g_free (self->peer);
      self->peer = g_strdup (address);
    }
  return self->peer;
}

/* Frames before the record are the topic, joined with "/". */
static const char *
join_topic (LdZmqSource *self,
            zmq_msg_t   *frames,
            guint        n_topic)
{
  if (n_topic == 0)
    return NULL;

  g_string_truncate (self->topic, 0);
  for (guint i = 0; i < n_topic; i++)
    {
      if (i > 0)
        g_string_append_c (self->topic, '/');
      g_string_append_len (self->topic, zmq_msg_data (&frames[i]), zmq_msg_size (&frames[i]));
    }
  return self->topic->str;
}

static void
take_message (LdZmqSource *self,
              zmq_msg_t   *frames,
              guint        n_frames,
              guint        n_skipped)
{
  zmq_msg_t *record = &frames[n_frames - 1];
  LdIngestOrigin origin = {
    .record.connection = self->parent.id,
    .record.peer = peer_of (self, record),
    .record.protocol = ld_zmq_mode_protocol (self->mode),
  };
  const char *topic;

  if (n_skipped > 0)
    {
      ld_mq_intake_refuse (&self->intake, self->batch, &origin, "a message of %u frames was "
                           "skipped: a record is one JSON frame, after at most %u topic frames",
                           n_frames + n_skipped, MAX_FRAMES - 1);
      return;
    }

  topic = join_topic (self, frames, n_frames - 1);
  ld_mq_intake_take (&self->intake, self->batch, &origin, zmq_msg_data (record),
                     zmq_msg_size (record), topic, topic != NULL ? self->topic->len : 0);
}

/* Reads one message, all its frames, which libzmq delivers together: FALSE if none is
 * there. Frames past MAX_FRAMES are read and counted only. */
static gboolean
receive_message (LdZmqSource *self)
{
  zmq_msg_t frames[MAX_FRAMES];
  guint n = 0, n_skipped = 0;
  gboolean more = TRUE;

  while (more)
    {
      zmq_msg_t *frame = &frames[MIN (n, MAX_FRAMES - 1)];

      if (n == MAX_FRAMES)
        {
          zmq_msg_close (frame);
          n--;
          n_skipped++;
        }
      zmq_msg_init (frame);
      if (zmq_msg_recv (frame, self->socket, ZMQ_DONTWAIT) < 0)
        {
          zmq_msg_close (frame);
          break;
        }
      more = zmq_msg_more (frame);
      n++;
    }

  if (n > 0 && !more)
    take_message (self, frames, n, n_skipped);
  for (guint i = 0; i < n; i++)
    zmq_msg_close (&frames[i]);

  return n > 0;
}

/* Takes up to @budget messages; returns whether more are waiting. */
static gboolean
drain (LdZmqSource *self,
       guint        budget)
{
  for (guint i = 0; i < budget; i++)
    {
      if (!receive_message (self))
        break;
      if (ld_batch_get_length (self->batch) >= LD_INGEST_MAX_BATCH)
        ld_ingest_shared_flush (self->parent.shared, &self->batch);
    }

  ld_ingest_shared_flush (self->parent.shared, &self->batch);
  return can_receive (self->socket);
}

static gboolean
on_socket_ready (int          fd,
                 GIOCondition condition,
                 gpointer     user_data)
{
  LdZmqSource *self = user_data;
  gboolean more;

  g_source_set_ready_time (self->source, -1);
  more = drain (self, MESSAGE_BUDGET);
  ld_report_pacer_progress (&self->pacer);
  if (more)
    g_source_set_ready_time (self->source, 0);

  return G_SOURCE_CONTINUE;
}

/* Monitor */

/* What the event's value says: an errno, a ZMTP protocol error, or a ZAP status. */
static char *
describe_handshake_failure (guint16 event,
                            guint32 value)
{
  switch (event)
    {
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
      return g_strdup_printf ("ZMTP protocol error 0x%x", value);
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
      return g_strdup_printf ("authentication failed with status %u", value);
    default:
      return g_strdup (g_strerror (value));
    }
}

static void
on_handshake_failed (LdZmqSource *self,
                     guint16      event,
                     guint32      value)
{
  g_autofree char *why = describe_handshake_failure (event, value);
  LdIngestOrigin origin = {
    .record.connection = self->parent.id,
    .record.peer = self->mode == LD_ZMQ_SUB_CONNECT ? self->remote : NULL,
    .record.protocol = ld_zmq_mode_protocol (self->mode),
  };

  ld_mq_intake_refuse (&self->intake, self->batch, &origin,
                       "a ZeroMQ handshake failed (%s): a SUB takes PUB and XPUB peers, a PULL "
                       "takes PUSH peers", why);
  ld_ingest_shared_flush (self->parent.shared, &self->batch);
  ld_report_pacer_progress (&self->pacer);
}

/* Only a connecting SUB has a state beyond listening: libzmq connects it again by itself. */
static void
on_connection_event (LdZmqSource *self,
                     guint16      event,
                     guint32      value)
{
  switch (event)
    {
    case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
      self->since = g_get_real_time ();
      set_state (self, LD_CONNECTION_OPEN, NULL);
      break;
    case ZMQ_EVENT_CONNECT_RETRIED:
      set_state (self, LD_CONNECTION_CONNECTING,
                 g_strdup_printf ("cannot connect; trying again in %u ms", value));
      break;
    case ZMQ_EVENT_DISCONNECTED:
      set_state (self, LD_CONNECTION_CONNECTING, g_strdup ("disconnected; connecting again"));
      break;
    default:
      break;
    }
}

static void
on_monitor_event (LdZmqSource *self,
                  guint16      event,
                  guint32      value)
{
  if (event & HANDSHAKE_FAILED)
    on_handshake_failed (self, event, value);
  if (self->mode == LD_ZMQ_SUB_CONNECT)
    on_connection_event (self, event, value);
}

/* A monitor event is two frames: the event and its value, then the endpoint. */
static gboolean
read_monitor_event (void    *monitor,
                    guint16 *event,
                    guint32 *value)
{
  zmq_msg_t frame;
  gboolean read;

  *event = 0;
  *value = 0;
  zmq_msg_init (&frame);
  if (zmq_msg_recv (&frame, monitor, ZMQ_DONTWAIT) < 0)
    {
      zmq_msg_close (&frame);
      return FALSE;
    }

  read = zmq_msg_size (&frame) >= 6;
  if (read)
    {
      memcpy (event, zmq_msg_data (&frame), 2);
      memcpy (value, (guint8 *) zmq_msg_data (&frame) + 2, 4);
    }
  while (zmq_msg_more (&frame))
    {
      zmq_msg_close (&frame);
      zmq_msg_init (&frame);
      if (zmq_msg_recv (&frame, monitor, ZMQ_DONTWAIT) < 0)
        break;
    }
  zmq_msg_close (&frame);
  return TRUE;
}

static gboolean
on_monitor_ready (int          fd,
                  GIOCondition condition,
                  gpointer     user_data)
{
  LdZmqSource *self = user_data;
  guint16 event;
  guint32 value;

  g_source_set_ready_time (self->monitor_source, -1);
  for (guint i = 0; i < MESSAGE_BUDGET && read_monitor_event (self->monitor, &event, &value);
       i++)
    on_monitor_event (self, event, value);
  if (can_receive (self->monitor))
    g_source_set_ready_time (self->monitor_source, 0);

  return G_SOURCE_CONTINUE;
}

/* Setting up */

static gboolean
set_option (void       *socket,
            int         option,
            int         value)
{
  return zmq_setsockopt (socket, option, &value, sizeof value) == 0;
}

static gboolean
configure (LdZmqSource  *self,
           GError      **error)
{
  gint64 max_size = ld_mq_transport_limit (self->parent.shared);

  if (!set_option (self->socket, ZMQ_RCVHWM, RECEIVE_HWM)
      || !set_option (self->socket, ZMQ_LINGER, 0)
      || !set_option (self->socket, ZMQ_RECONNECT_IVL, RECONNECT_MIN_MS)
      || !set_option (self->socket, ZMQ_RECONNECT_IVL_MAX, RECONNECT_MAX_MS)
      || !set_option (self->socket, ZMQ_IPV6, strchr (self->uri, '[') != NULL)
      || zmq_setsockopt (self->socket, ZMQ_MAXMSGSIZE, &max_size, sizeof max_size) != 0)
    return fail (error, "Cannot set up a ZeroMQ socket for", self->uri);
  if (self->mode != LD_ZMQ_PULL_LISTEN && zmq_setsockopt (self->socket, ZMQ_SUBSCRIBE, "", 0) != 0)
    return fail (error, "Cannot subscribe to", self->uri);

  return TRUE;
}

/* The monitor is set up before the socket connects, so that no event is missed. */
static gboolean
start_monitor (LdZmqSource  *self,
               GError      **error)
{
  if (zmq_socket_monitor (self->socket, MONITOR_ENDPOINT, MONITORED_EVENTS) != 0
      || (self->monitor = zmq_socket (self->context, ZMQ_PAIR)) == NULL
      || !set_option (self->monitor, ZMQ_LINGER, 0)
      || zmq_connect (self->monitor, MONITOR_ENDPOINT) != 0)
    return fail (error, "Cannot monitor the ZeroMQ socket for", self->uri);

  return TRUE;
}

/* "tcp://host:5556" → "host:5556", the peer of a connecting SUB's records. */
static char *
remote_of (const char *uri)
{
  const char *rest = strstr (uri, "://");

  return g_strdup (rest != NULL ? rest + 3 : uri);
}

static gboolean
bind_or_connect (LdZmqSource  *self,
                 GError      **error)
{
  char endpoint[1024];
  size_t size = sizeof endpoint;

  if (self->mode == LD_ZMQ_SUB_CONNECT)
    {
      if (zmq_connect (self->socket, self->uri) != 0)
        return fail (error, "Cannot connect a ZeroMQ SUB socket to", self->uri);
      self->remote = remote_of (self->uri);
      return TRUE;
    }

  if (zmq_bind (self->socket, self->uri) != 0)
    return fail (error, self->mode == LD_ZMQ_PULL_LISTEN ? "Cannot listen with a ZeroMQ PULL "
                                                           "socket on"
                                                         : "Cannot listen with a ZeroMQ SUB "
                                                           "socket on", self->uri);
  /* A "*" port becomes the one the system chose. */
  if (zmq_getsockopt (self->socket, ZMQ_LAST_ENDPOINT, endpoint, &size) == 0 && size > 1)
    {
      g_free (self->uri);
      self->uri = g_strndup (endpoint, size - 1);
    }
  return TRUE;
}

static gboolean
open_socket (LdZmqSource  *self,
             GError      **error)
{
  self->context = zmq_ctx_new ();
  self->socket = self->context != NULL
                 ? zmq_socket (self->context, self->mode == LD_ZMQ_PULL_LISTEN ? ZMQ_PULL
                                                                                : ZMQ_SUB)
                 : NULL;
  if (self->socket == NULL)
    return fail (error, "Cannot make a ZeroMQ socket for", self->uri);

  return configure (self, error) && start_monitor (self, error) && bind_or_connect (self, error);
}

static void
close_sockets (LdZmqSource *self)
{
  if (self->socket != NULL)
    {
      zmq_socket_monitor (self->socket, NULL, 0);
      zmq_close (self->socket);
      self->socket = NULL;
    }
  if (self->monitor != NULL)
    {
      zmq_close (self->monitor);
      self->monitor = NULL;
    }
  if (self->context != NULL)
    {
      zmq_ctx_term (self->context);
      self->context = NULL;
    }
}

static GSource *
watch (void              *socket,
       const char        *name,
       GUnixFDSourceFunc  func,
       LdZmqSource       *self)
{
  GSource *source;
  int fd = -1;
  size_t size = sizeof fd;

  zmq_getsockopt (socket, ZMQ_FD, &fd, &size);
  source = g_unix_fd_source_new (fd, G_IO_IN);
  g_source_set_static_name (source, name);
  g_source_set_callback (source, G_SOURCE_FUNC (func), self, NULL);
  /* Whatever came before the source was attached has already been signalled. */
  g_source_set_ready_time (source, 0);
  g_source_attach (source, self->parent.shared->context);
  return source;
}

/* Starts receiving, on the ingest thread, which alone touches the socket from then on. */
static void
zmq_source_start (LdSource *source)
{
  LdZmqSource *self = (LdZmqSource *) source;

  self->since = g_get_real_time ();
  self->state = self->mode == LD_ZMQ_SUB_CONNECT ? LD_CONNECTION_CONNECTING
                                                 : LD_CONNECTION_LISTENING;
  report (self);
  self->monitor_source = watch (self->monitor, "[logdeck] zmq monitor", on_monitor_ready, self);
  self->source = watch (self->socket, "[logdeck] zmq source", on_socket_ready, self);
}

/* Takes the messages libzmq had already received, then closes the socket. */
static void
zmq_source_stop (LdSource *source)
{
  LdZmqSource *self = (LdZmqSource *) source;

  /* What libzmq had queued, but not without end from a sender that keeps sending. */
  if (self->source != NULL)
    drain (self, STOP_BUDGET);
  ld_ingest_destroy_source (&self->source);
  ld_ingest_destroy_source (&self->monitor_source);
  ld_report_pacer_stop (&self->pacer);
  ld_problem_limiter_flush (&self->intake.limiter, self->batch, self->parent.id, NULL,
                            ld_zmq_mode_protocol (self->mode));
  ld_ingest_shared_flush (self->parent.shared, &self->batch);
  close_sockets (self);
  g_clear_pointer (&self->status, g_free);
  self->state = LD_CONNECTION_CLOSED;
  report (self);
}

static void
zmq_source_finalize (LdSource *source)
{
  LdZmqSource *self = (LdZmqSource *) source;

  g_assert (self->source == NULL && self->pacer.timer == NULL);
  close_sockets (self);
  ld_mq_intake_clear (&self->intake);
  ld_batch_free (self->batch);
  g_string_free (self->topic, TRUE);
  g_free (self->status);
  g_free (self->peer);
  g_free (self->remote);
  g_free (self->uri);
}

/* The address listened on, with the port the system chose for "*", or the address
 * connected to. */
static const char *
zmq_source_get_uri (LdSource *source)
{
  return ((LdZmqSource *) source)->uri;
}

LD_DEFINE_SOURCE_CLASS (zmq_source, "zmq", .get_uri = zmq_source_get_uri);

/**
 * ld_zmq_source_new:
 * @shared: what the ingest thread's sources share
 * @mode: what the socket is and whether it connects or listens
 * @uri: a ZeroMQ address, such as "tcp://127.0.0.1:5556"; a listening one may have "*" for
 *   its port, and must be on loopback unless the ingest is insecure
 * @error: why the socket cannot connect or listen there
 *
 * Listens or starts connecting at once, on the caller's thread. The socket is "zmq-1",
 * "zmq-2"…; one that cannot be made is listed as failed, with the reason.
 *
 * Returns: (nullable): the source, not yet receiving
 */
LdSource *
ld_zmq_source_new (LdIngestShared *shared,
                   LdZmqMode       mode,
                   const char     *uri,
                   GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  LdZmqSource *self;
  char *id;

  if ((id = ld_source_next_id (shared, "zmq", LD_SOURCE_ID_NUMBERED, error)) == NULL)
    return NULL;

  self = g_new0 (LdZmqSource, 1);
  ld_source_init (&self->parent, &zmq_source_class, shared, id);
  self->mode = mode;
  self->uri = g_strdup (uri);
  self->batch = ld_batch_new ();
  ld_report_pacer_init (&self->pacer, shared, "[logdeck] zmq counts", report_counts, self);
  self->topic = g_string_new (NULL);
  ld_mq_intake_init (&self->intake, shared);
  if ((mode != LD_ZMQ_SUB_CONNECT
       && !ld_mq_check_listen_uri (shared, uri, "ZeroMQ", &local_error))
      || !open_socket (self, &local_error))
    {
      ld_source_report_failed (shared, id, ld_zmq_mode_protocol (mode), uri, local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      ld_source_free (&self->parent);
      return NULL;
    }

  return &self->parent;
}

