// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ingest"

#include "config.h"

#include "ld-message-source.h"
#include "ld-stream-source.h"

/* The TCP and UDP transport of syslog and GELF, and the UDP one of
 * DatagramHandler's pickles (see ld-message-source.h).
 * Everything here runs on the ingest thread, except creating a listener
 * (which binds, so that the caller hears of a taken port at once) and
 * freeing it after the thread has ended. */

/* One read from a connection; the framer holds what a message needs. */
#define READ_CHUNK        (64 * 1024)
/* The largest UDP payload, with room to spare. */
#define DATAGRAM_BUFFER   (64 * 1024 + 1)
/* Datagrams one dispatch reads before the others get their turn. */
#define DATAGRAM_BUDGET   1024

/* ---- TCP ---------------------------------------------------------------- */

/* The connections are an LdStreamListener's (see ld-stream-source.c); each
 * pushes what it reads through its own framer. */
typedef struct
{
  LdStreamListener         parent;
  const LdMessageProtocol *protocol;
  gpointer                 decoder;
  char                    *buffer;        /* READ_CHUNK, shared: one read at a time */
} LdMessageTcpSource;

typedef struct
{
  LdStreamConnection base;
  gpointer           framer;
} MessageConnection;

static const LdMessageProtocol *
protocol_of (MessageConnection *connection)
{
  return ((LdMessageTcpSource *) connection->base.listener)->protocol;
}

/* Takes every whole message the framer has; a bad one ends the connection. */
static gboolean
decode_available (MessageConnection *connection)
{
  LdMessageTcpSource *self = (LdMessageTcpSource *) connection->base.listener;
  const LdMessageProtocol *protocol = self->protocol;
  LdRecordOrigin origin = {
    .connection = connection->base.id,
    .peer = connection->base.peer,
    .protocol = protocol->tcp_protocol,
  };
  const char *message;
  gsize length;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *what = NULL;

      if (!protocol->framer_next (connection->framer, &message, &length, &error))
        {
          if (error == NULL)
            return TRUE;
          what = g_strdup_printf ("bad frame after %" G_GUINT64_FORMAT " records: %s; "
                                  "connection closed", connection->base.n_records,
                                  error->message);
        }
      else if (!protocol->decode (self->decoder, connection->base.batch, message, length, &origin,
                                  &error))
        {
          g_autofree char *quoted = ld_ingest_quote (message, length);

          what = g_strdup_printf ("bad message after %" G_GUINT64_FORMAT " records: %s (%s); "
                                  "connection closed", connection->base.n_records,
                                  error->message, quoted);
        }
      else
        {
          connection->base.n_records++;
          if (ld_batch_get_length (connection->base.batch) >= LD_INGEST_MAX_BATCH)
            ld_stream_connection_flush (&connection->base);
          continue;
        }

      ld_stream_connection_fail (&connection->base, what);
      return FALSE;
    }
}

static LdStreamReadResult
read_available (LdStreamConnection  *stream,
                gsize                budget,
                GError             **error)
{
  MessageConnection *connection = (MessageConnection *) stream;
  LdMessageTcpSource *self = (LdMessageTcpSource *) stream->listener;
  gsize total = 0;

  while (total < budget)
    {
      gssize n = ld_stream_connection_receive (stream, self->buffer, READ_CHUNK, error);

      if (n <= 0)
        return ld_stream_read_ended (n, error);

      stream->n_bytes += n;
      total += n;
      self->protocol->framer_push (connection->framer, self->buffer, n);
      if (!decode_available (connection))
        return LD_STREAM_READ_BAD;
    }

  return LD_STREAM_READ_AGAIN;
}

static gsize
pending_bytes (LdStreamConnection *stream)
{
  MessageConnection *connection = (MessageConnection *) stream;

  return protocol_of (connection)->framer_pending (connection->framer);
}

/* A framer holds no message that the sender's close would finish. */
static void
warn_if_cut (LdStreamConnection *stream,
             const char         *why,
             gboolean            sender_closed)
{
  gsize pending = pending_bytes (stream);
  g_autofree char *what = NULL;

  if (pending == 0)
    return;
  what = g_strdup_printf ("%s in the middle of a message: %" G_GSIZE_FORMAT " bytes cut",
                          why, pending);
  ld_stream_connection_problem (stream, 30, what);
}

static void
after_read (LdStreamConnection *stream)
{
  ld_stream_connection_set_deadline (stream, pending_bytes (stream),
                                     "a message was not finished in time", FALSE);
}

static void
connection_init (LdStreamConnection *stream)
{
  MessageConnection *connection = (MessageConnection *) stream;

  connection->framer = protocol_of (connection)->framer_new ();
}

static void
connection_clear (LdStreamConnection *stream)
{
  MessageConnection *connection = (MessageConnection *) stream;

  protocol_of (connection)->framer_free (connection->framer);
}

static const LdStreamClass message_stream_class = {
  .watch_name = "[logdeck] message connection",
  .pacer_name = "[logdeck] message tcp counts",
  .connection_size = sizeof (MessageConnection),
  .connection_init = connection_init,
  .connection_clear = connection_clear,
  .read = read_available,
  .pending = pending_bytes,
  .warn_if_cut = warn_if_cut,
  .after_read = after_read,
};

void
ld_message_tcp_source_finalize (LdSource *source)
{
  LdMessageTcpSource *self = (LdMessageTcpSource *) source;

  ld_stream_listener_finalize (source);
  self->protocol->decoder_free (self->decoder);
  g_free (self->buffer);
}

/**
 * ld_message_tcp_source_new:
 * @klass: the kind's class: ld_stream_listener_start() and _stop(), and
 *   ld_message_tcp_source_finalize()
 * @protocol: how the kind frames and reads its messages
 *
 * Makes a TCP endpoint of @protocol; it binds and listens at once.
 *
 * Returns: (nullable): the source, not yet accepting
 */
LdSource *
ld_message_tcp_source_new (const LdSourceClass      *klass,
                           const LdMessageProtocol  *protocol,
                           LdIngestShared           *shared,
                           const char               *address,
                           guint16                   port,
                           GError                  **error)
{
  LdMessageTcpSource *self;

  self = ld_stream_listener_new (sizeof (LdMessageTcpSource), klass, &message_stream_class,
                                 protocol->connection_kind, shared, address, port, error);
  if (self == NULL)
    return NULL;

  self->protocol = protocol;
  self->decoder = protocol->decoder_new (shared);
  self->buffer = g_malloc (READ_CHUNK);

  return &self->parent.parent;
}

/* ---- UDP ---------------------------------------------------------------- */

/* Datagrams have no connection to close: a bad one is counted on the
 * endpoint and reported, at most as often as the problem limiter allows. */
typedef struct
{
  LdSource                 parent;
  const LdMessageProtocol *protocol;
  gpointer                 decoder;
  GSource                 *source;
  GSource                 *expiry;        /* only while the decoder holds parts */
  char                    *buffer;
  LdBatch                 *batch;
  char                    *last_error;
  LdProblemLimiter         limiter;
  LdReportPacer            pacer;

  /* The last sender, so that a steady sender's address is formatted once. */
  GSocketAddress          *peer_address;
  char                    *peer;
} LdMessageUdpSource;

static void
report_udp (LdMessageUdpSource *self,
            LdConnectionState   state)
{
  LdConnectionInfo info = ld_source_describe (&self->parent, state);

  info.last_error = self->last_error;
  ld_report_pacer_reported (&self->pacer);
  ld_ingest_shared_report (self->parent.shared, &info);
}

static void
report_udp_counts (gpointer user_data)
{
  report_udp (user_data, LD_CONNECTION_LISTENING);
}

static gboolean
same_address (GSocketAddress *a,
              GSocketAddress *b)
{
  GInetSocketAddress *ia = G_INET_SOCKET_ADDRESS (a);
  GInetSocketAddress *ib = G_INET_SOCKET_ADDRESS (b);

  return g_inet_socket_address_get_port (ia) == g_inet_socket_address_get_port (ib)
         && g_inet_address_equal (g_inet_socket_address_get_address (ia),
                                  g_inet_socket_address_get_address (ib));
}

static const char *
peer_name (LdMessageUdpSource *self,
           GSocketAddress     *address)
{
  if (address == NULL || !G_IS_INET_SOCKET_ADDRESS (address))
    return "unknown";

  if (self->peer_address == NULL || !same_address (self->peer_address, address))
    {
      g_set_object (&self->peer_address, address);
      g_free (self->peer);
      self->peer = ld_ingest_format_address (address);
    }

  return self->peer;
}

static void
udp_problem (LdMessageUdpSource *self,
             const char         *peer,
             const char         *what)
{
  self->parent.n_errors++;
  g_free (self->last_error);
  self->last_error = g_strdup (what);
  ld_ingest_add_problem (self->batch, &self->limiter, 40, self->parent.id, peer,
                         self->protocol->udp_protocol, "%s: %s", self->parent.id, what);
}

static void
take_datagram (LdMessageUdpSource *self,
               GSocketAddress     *address,
               gsize               size)
{
  const char *peer = peer_name (self, address);
  const LdMessageProtocol *protocol = self->protocol;
  LdRecordOrigin origin = {
    .connection = self->parent.id,
    .peer = peer,
    .protocol = protocol->udp_protocol,
  };
  g_autoptr(GError) error = NULL;
  guint before = ld_batch_get_length (self->batch);
  gboolean ok;

  self->parent.n_bytes += size;
  if (protocol->datagram != NULL)
    ok = protocol->datagram (self->decoder, self->batch, self->buffer, size,
                             g_get_monotonic_time (), &origin, &error);
  else
    ok = protocol->decode (self->decoder, self->batch, self->buffer, size, &origin, &error);

  if (ok)
    {
      self->parent.n_records += ld_batch_get_length (self->batch) - before;
      return;
    }

  {
    g_autofree char *quoted = ld_ingest_quote (self->buffer, size);
    g_autofree char *what = g_strdup_printf ("bad datagram of %" G_GSIZE_FORMAT " bytes from "
                                             "%s: %s (%s)", size, peer, error->message, quoted);

    udp_problem (self, peer, what);
  }
}

static gboolean on_expiry (gpointer user_data);

/* The decoder's clock runs only while it holds parts of a message: an idle
 * endpoint has no timer. */
static void
schedule_expiry (LdMessageUdpSource *self)
{
  gint64 deadline, now;

  if (self->protocol->next_deadline == NULL)
    return;

  ld_ingest_destroy_source (&self->expiry);
  deadline = self->protocol->next_deadline (self->decoder);
  if (deadline == 0)
    return;

  now = g_get_monotonic_time ();
  self->expiry = g_timeout_source_new (deadline > now ? (deadline - now) / 1000 + 1 : 0);
  g_source_set_static_name (self->expiry, "[logdeck] message expiry");
  g_source_set_callback (self->expiry, on_expiry, self, NULL);
  g_source_attach (self->expiry, self->parent.shared->context);
}

static gboolean
on_expiry (gpointer user_data)
{
  LdMessageUdpSource *self = user_data;
  g_autofree char *what = self->protocol->expire (self->decoder, g_get_monotonic_time ());

  if (what != NULL)
    {
      udp_problem (self, NULL, what);
      ld_ingest_shared_flush (self->parent.shared, &self->batch);
    }
  /* This timer ends as the callback returns; another follows if parts are still held. */
  g_clear_pointer (&self->expiry, g_source_unref);
  schedule_expiry (self);

  return G_SOURCE_REMOVE;
}

static gboolean
on_datagrams (GSocket      *socket,
              GIOCondition  condition,
              gpointer      user_data)
{
  LdMessageUdpSource *self = user_data;

  for (guint i = 0; i < DATAGRAM_BUDGET; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocketAddress) address = NULL;
      gssize n = g_socket_receive_from (socket, &address, self->buffer, DATAGRAM_BUFFER, NULL,
                                        &error);

      if (n < 0)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            g_debug ("%s: cannot receive: %s", self->parent.id, error->message);
          break;
        }
      take_datagram (self, address, n);
      if (ld_batch_get_length (self->batch) >= LD_INGEST_MAX_BATCH)
        ld_ingest_shared_flush (self->parent.shared, &self->batch);
    }

  ld_ingest_shared_flush (self->parent.shared, &self->batch);
  ld_report_pacer_progress (&self->pacer);
  if (self->expiry == NULL)
    schedule_expiry (self);

  return G_SOURCE_CONTINUE;
}

void
ld_message_udp_source_start (LdSource *source)
{
  LdMessageUdpSource *self = (LdMessageUdpSource *) source;

  self->parent.since = g_get_real_time ();
  report_udp (self, LD_CONNECTION_LISTENING);

  self->source = g_socket_create_source (self->parent.socket, G_IO_IN, NULL);
  g_source_set_static_name (self->source, "[logdeck] message udp listener");
  g_source_set_callback (self->source, G_SOURCE_FUNC (on_datagrams), self, NULL);
  g_source_attach (self->source, self->parent.shared->context);
}

/* Takes the datagrams already queued, then stops. */
void
ld_message_udp_source_stop (LdSource *source)
{
  LdMessageUdpSource *self = (LdMessageUdpSource *) source;

  if (self->source != NULL)
    on_datagrams (self->parent.socket, G_IO_IN, self);
  ld_ingest_destroy_source (&self->source);
  ld_ingest_destroy_source (&self->expiry);
  ld_report_pacer_stop (&self->pacer);
  ld_problem_limiter_flush (&self->limiter, self->batch, self->parent.id, NULL,
                            self->protocol->udp_protocol);
  ld_ingest_shared_flush (self->parent.shared, &self->batch);
  g_socket_close (self->parent.socket, NULL);
  report_udp (self, LD_CONNECTION_CLOSED);
}

void
ld_message_udp_source_finalize (LdSource *source)
{
  LdMessageUdpSource *self = (LdMessageUdpSource *) source;

  ld_ingest_destroy_source (&self->source);
  ld_ingest_destroy_source (&self->expiry);
  ld_report_pacer_stop (&self->pacer);
  self->protocol->decoder_free (self->decoder);
  g_clear_object (&self->peer_address);
  ld_batch_free (self->batch);
  g_free (self->buffer);
  g_free (self->peer);
  g_free (self->last_error);
}

/**
 * ld_message_udp_source_new:
 * @klass: the kind's class, whose functions are ld_message_udp_source_*()
 * @protocol: how the kind reads its datagrams
 *
 * Makes a UDP endpoint of @protocol, which its records name as their
 * connection; it binds at once.
 *
 * Returns: (nullable): the source, not yet receiving
 */
LdSource *
ld_message_udp_source_new (const LdSourceClass      *klass,
                           const LdMessageProtocol  *protocol,
                           LdIngestShared           *shared,
                           const char               *address,
                           guint16                   port,
                           GError                  **error)
{
  LdMessageUdpSource *self;

  self = ld_source_new_listener (sizeof (LdMessageUdpSource), klass, shared, address, port, error);
  if (self == NULL)
    return NULL;

  self->protocol = protocol;
  self->decoder = protocol->decoder_new (shared);
  self->buffer = g_malloc (DATAGRAM_BUFFER);
  self->batch = ld_batch_new ();
  ld_problem_limiter_init (&self->limiter, &shared->problems);
  ld_report_pacer_init (&self->pacer, shared, "[logdeck] message udp counts", report_udp_counts,
                        self);

  return &self->parent;
}
