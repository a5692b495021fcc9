// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ingest"

#include "config.h"

#include "ld-listen-guard.h"
#include "ld-message-source.h"

/* The TCP and UDP transport of syslog and GELF (see ld-message-source.h).
 * Everything here runs on the ingest thread, except creating a listener
 * (which binds, so that the caller hears of a taken port at once) and
 * freeing it after the thread has ended. */

/* One read from a connection; the framer holds what a message needs. */
#define READ_CHUNK        (64 * 1024)
/* Bytes one connection may read per dispatch before others get their turn. */
#define READ_BUDGET       (4 * 1024 * 1024)
/* What a connection may still read when Logdeck stops. */
#define STOP_BUDGET       (64 * 1024 * 1024)
/* The largest UDP payload, with room to spare. */
#define DATAGRAM_BUFFER   (64 * 1024 + 1)
/* Datagrams one dispatch reads before the others get their turn. */
#define DATAGRAM_BUDGET   1024

/* ---- TCP ---------------------------------------------------------------- */

typedef struct
{
  LdSource                 parent;
  const LdMessageProtocol *protocol;
  gpointer                 decoder;
  LdGuard                 *guard;
  gboolean                 accepting;
  GHashTable              *connections;   /* MessageConnection set */
  gboolean                 dirty;
  LdReportPacer            pacer;
  char                    *buffer;        /* READ_CHUNK, shared: one read at a time */
} LdMessageTcpSource;

typedef struct
{
  LdGuardEntry         entry;             /* first: the guard's expire function gets it */
  LdMessageTcpSource  *listener;
  char                *id;
  char                *peer;
  gpointer             framer;
  GSocket             *socket;
  GIOStream           *tls;               /* nullable: TLS over @socket */
  GSource             *source;
  LdProblemLimiter     limiter;
  LdBatch             *batch;
  guint64              n_records;
  guint64              n_bytes;
  guint64              n_errors;
  gint64               since;
  gint64               last_report;
  gboolean             dirty;
} MessageConnection;

typedef enum
{
  READ_AGAIN,
  READ_EOF,
  READ_FAILED,
  READ_BAD_MESSAGE,
} ReadResult;

static void
report_listener (LdMessageTcpSource *self,
                 LdConnectionState   state)
{
  LdConnectionInfo info = ld_source_describe (&self->parent, state);
  GHashTableIter iter;
  MessageConnection *connection;

  info.encrypted = ld_guard_is_encrypted (self->guard);
  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, (gpointer *) &connection, NULL))
    {
      info.n_records += connection->n_records;
      info.n_bytes += connection->n_bytes;
      info.n_errors += connection->n_errors;
    }

  ld_report_pacer_reported (&self->pacer);
  self->dirty = FALSE;
  ld_ingest_shared_report (self->parent.shared, &info);
}

static void
report_connection (MessageConnection *connection,
                   LdConnectionState  state,
                   const char        *last_error)
{
  LdConnectionInfo info = {
    .id = connection->id,
    .kind = LD_CONNECTION_KIND_CONNECTION,
    .protocol = connection->listener->protocol->tcp_protocol,
    .address = connection->peer,
    .state = state,
    .connected_since = connection->since,
    .closed_at = state == LD_CONNECTION_OPEN ? 0 : g_get_real_time (),
    .n_records = connection->n_records,
    .n_bytes = connection->n_bytes,
    .n_errors = connection->n_errors,
    .last_error = last_error,
    .encrypted = connection->tls != NULL,
  };

  connection->last_report = g_get_monotonic_time ();
  connection->dirty = FALSE;
  ld_ingest_shared_report (connection->listener->parent.shared, &info);
}

static void
report_counts (gpointer user_data)
{
  LdMessageTcpSource *self = user_data;
  GHashTableIter iter;
  MessageConnection *connection;

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, (gpointer *) &connection, NULL))
    if (connection->dirty)
      report_connection (connection, LD_CONNECTION_OPEN, NULL);
  if (self->dirty)
    report_listener (self, LD_CONNECTION_LISTENING);
}

/* Counts reach the sources panel at most every interval, not per read. */
static void
report_progress (MessageConnection *connection)
{
  LdMessageTcpSource *self = connection->listener;
  gint64 now = g_get_monotonic_time ();

  if (now - connection->last_report >= LD_INGEST_REPORT_INTERVAL_US)
    report_connection (connection, LD_CONNECTION_OPEN, NULL);
  else
    connection->dirty = TRUE;

  if (ld_report_pacer_is_due (&self->pacer, now))
    report_listener (self, LD_CONNECTION_LISTENING);
  else
    self->dirty = TRUE;

  if (connection->dirty || self->dirty)
    ld_report_pacer_later (&self->pacer);
}

static void
flush (MessageConnection *connection)
{
  ld_ingest_shared_flush (connection->listener->parent.shared, &connection->batch);
}

static void
add_problem (MessageConnection *connection,
             int                level,
             const char        *what)
{
  ld_ingest_add_problem (connection->batch, &connection->limiter, level, connection->id,
                         connection->peer, connection->listener->protocol->tcp_protocol,
                         "%s: %s", connection->id, what);
}

/* Takes every whole message the framer has; a bad one ends the connection. */
static gboolean
decode_available (MessageConnection *connection)
{
  LdMessageTcpSource *self = connection->listener;
  const LdMessageProtocol *protocol = self->protocol;
  LdRecordOrigin origin = {
    .connection = connection->id,
    .peer = connection->peer,
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
                                  "connection closed", connection->n_records, error->message);
        }
      else if (!protocol->decode (self->decoder, connection->batch, message, length, &origin,
                                  &error))
        {
          g_autofree char *quoted = ld_ingest_quote (message, length);

          what = g_strdup_printf ("bad message after %" G_GUINT64_FORMAT " records: %s (%s); "
                                  "connection closed", connection->n_records, error->message,
                                  quoted);
        }
      else
        {
          connection->n_records++;
          if (ld_batch_get_length (connection->batch) >= LD_INGEST_MAX_BATCH)
            flush (connection);
          continue;
        }

      connection->n_errors++;
      add_problem (connection, 40, what);
      report_connection (connection, LD_CONNECTION_ERROR, what);
      return FALSE;
    }
}

static gssize
receive (MessageConnection  *connection,
         char               *buffer,
         gsize               size,
         GError            **error)
{
  GInputStream *input;

  if (connection->tls == NULL)
    return g_socket_receive (connection->socket, buffer, size, NULL, error);

  input = g_io_stream_get_input_stream (connection->tls);
  return g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (input), buffer, size,
                                                   NULL, error);
}

static ReadResult
read_available (MessageConnection  *connection,
                gsize               budget,
                GError            **error)
{
  LdMessageTcpSource *self = connection->listener;
  gsize total = 0;

  while (total < budget)
    {
      gssize n = receive (connection, self->buffer, READ_CHUNK, error);

      if (n < 0 && g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          g_clear_error (error);
          return READ_AGAIN;
        }
      if (n < 0)
        return READ_FAILED;
      if (n == 0)
        return READ_EOF;

      connection->n_bytes += n;
      total += n;
      self->protocol->framer_push (connection->framer, self->buffer, n);
      if (!decode_available (connection))
        return READ_BAD_MESSAGE;
    }

  return READ_AGAIN;
}

static void
warn_if_cut (MessageConnection *connection,
             const char        *why)
{
  gsize pending = connection->listener->protocol->framer_pending (connection->framer);
  g_autofree char *what = NULL;

  if (pending == 0)
    return;
  what = g_strdup_printf ("%s in the middle of a message: %" G_GSIZE_FORMAT " bytes cut",
                          why, pending);
  add_problem (connection, 30, what);
}

static void
connection_free (MessageConnection *connection)
{
  ld_guard_remove (&connection->entry);
  if (connection->source != NULL)
    {
      g_source_destroy (connection->source);
      g_source_unref (connection->source);
    }
  /* Closed first, so that dropping the TLS stream cannot wait on a peer. */
  g_socket_close (connection->socket, NULL);
  g_clear_object (&connection->tls);
  g_object_unref (connection->socket);
  connection->listener->protocol->framer_free (connection->framer);
  ld_batch_free (connection->batch);
  g_free (connection->peer);
  g_free (connection->id);
  g_free (connection);
}

/* Ends a connection; its records so far are delivered before it goes. */
static void
connection_close (MessageConnection *connection,
                  LdConnectionState  state,
                  const char        *last_error)
{
  LdMessageTcpSource *self = connection->listener;

  ld_problem_limiter_flush (&connection->limiter, connection->batch, connection->id,
                            connection->peer, self->protocol->tcp_protocol);
  flush (connection);
  if (state != LD_CONNECTION_ERROR)
    report_connection (connection, state, last_error);

  self->parent.n_records += connection->n_records;
  self->parent.n_bytes += connection->n_bytes;
  self->parent.n_errors += connection->n_errors;
  g_hash_table_remove (self->connections, connection);
  report_listener (self, LD_CONNECTION_LISTENING);
}

/* Between messages a connection may idle; one it has started must be
 * finished in time, so that a slow sender cannot hold memory for ever. */
static void
update_deadline (MessageConnection *connection)
{
  const LdListenLimits *limits = &connection->listener->parent.shared->listen;
  gsize pending = connection->listener->protocol->framer_pending (connection->framer);

  if (connection->n_records > 0)
    ld_guard_set_proven (&connection->entry);
  if (pending == 0)
    ld_guard_set_idle (&connection->entry, limits->idle_timeout_us, "idle for too long");
  else
    ld_guard_set_busy (&connection->entry, limits->header_timeout_us,
                       "a message was not finished in time", FALSE);
}

static void
on_expired (LdGuardEntry *entry,
            const char   *why)
{
  MessageConnection *connection = (MessageConnection *) entry;
  g_autofree char *what = g_strdup_printf ("connection closed: %s", why);

  if (connection->listener->protocol->framer_pending (connection->framer) > 0)
    warn_if_cut (connection, what);
  else
    add_problem (connection, 30, what);
  connection_close (connection, LD_CONNECTION_CLOSED, why);
}

static gboolean
on_readable (GSocket      *socket,
             GIOCondition  condition,
             gpointer      user_data)
{
  MessageConnection *connection = user_data;
  g_autoptr(GError) error = NULL;

  switch (read_available (connection, READ_BUDGET, &error))
    {
    case READ_AGAIN:
      flush (connection);
      report_progress (connection);
      update_deadline (connection);
      return G_SOURCE_CONTINUE;

    case READ_EOF:
      warn_if_cut (connection, "connection closed");
      connection_close (connection, LD_CONNECTION_CLOSED, NULL);
      return G_SOURCE_REMOVE;

    case READ_FAILED:
      {
        g_autofree char *why = g_strdup_printf ("connection failed (%s)", error->message);

        warn_if_cut (connection, why);
        connection_close (connection, LD_CONNECTION_CLOSED, error->message);
        return G_SOURCE_REMOVE;
      }

    case READ_BAD_MESSAGE:
    default:
      connection_close (connection, LD_CONNECTION_ERROR, NULL);
      return G_SOURCE_REMOVE;
    }
}

static gboolean
on_tls_readable (GObject  *stream,
                 gpointer  user_data)
{
  MessageConnection *connection = user_data;

  return on_readable (connection->socket, G_IO_IN, connection);
}

static void
watch_connection (MessageConnection *connection)
{
  if (connection->tls != NULL)
    {
      GInputStream *input = g_io_stream_get_input_stream (connection->tls);

      connection->source = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (input),
                                                                  NULL);
      g_source_set_callback (connection->source, G_SOURCE_FUNC (on_tls_readable), connection,
                             NULL);
    }
  else
    {
      connection->source = g_socket_create_source (connection->socket,
                                                   G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
      g_source_set_callback (connection->source, G_SOURCE_FUNC (on_readable), connection, NULL);
    }
  g_source_set_static_name (connection->source, "[logdeck] message connection");
  g_source_attach (connection->source, connection->listener->parent.shared->context);
}

static void
accept_connection (GSocket   *socket,
                   GIOStream *tls,
                   gpointer   user_data)
{
  LdMessageTcpSource *self = user_data;
  MessageConnection *connection = g_new0 (MessageConnection, 1);
  g_autoptr(GSocketAddress) remote = g_socket_get_remote_address (socket, NULL);
  const char *kind = self->protocol->connection_kind;

  connection->listener = self;
  connection->id = g_strdup_printf ("%s-%u", kind, ld_ingest_shared_number (self->parent.shared,
                                                                            kind));
  connection->peer = remote != NULL ? ld_ingest_format_address (remote) : g_strdup ("unknown");
  connection->framer = self->protocol->framer_new ();
  connection->socket = socket;
  connection->tls = tls != NULL ? g_object_ref (tls) : NULL;
  connection->since = g_get_real_time ();
  connection->batch = ld_batch_new ();
  ld_problem_limiter_init (&connection->limiter, &self->parent.shared->problems);
  g_hash_table_add (self->connections, connection);
  ld_guard_add (self->guard, &connection->entry, on_expired);

  watch_connection (connection);
  report_connection (connection, LD_CONNECTION_OPEN, NULL);
}

void
ld_message_tcp_source_start (LdSource *source)
{
  LdMessageTcpSource *self = (LdMessageTcpSource *) source;

  self->parent.since = g_get_real_time ();
  report_listener (self, LD_CONNECTION_LISTENING);
  self->accepting = TRUE;
  ld_guard_start (self->guard);
}

/* Reads what the sender had already sent, then closes the connection. */
static void
finish_connection (MessageConnection *connection)
{
  g_autoptr(GError) error = NULL;

  if (read_available (connection, STOP_BUDGET, &error) == READ_BAD_MESSAGE)
    {
      connection_close (connection, LD_CONNECTION_ERROR, NULL);
      return;
    }

  warn_if_cut (connection, "Logdeck stopped");
  connection_close (connection, LD_CONNECTION_CLOSED, NULL);
}

void
ld_message_tcp_source_stop (LdSource *source)
{
  LdMessageTcpSource *self = (LdMessageTcpSource *) source;
  GHashTableIter iter;
  MessageConnection *connection;

  if (self->accepting)
    {
      /* Connections still waiting to be accepted had sent records too. */
      ld_guard_accept_pending (self->guard);
      self->accepting = FALSE;
    }
  ld_guard_stop (self->guard);
  ld_report_pacer_stop (&self->pacer);
  g_socket_close (self->parent.socket, NULL);

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, (gpointer *) &connection, NULL))
    {
      /* connection_close() removes it from the table, so start over. */
      finish_connection (connection);
      g_hash_table_iter_init (&iter, self->connections);
    }

  report_listener (self, LD_CONNECTION_CLOSED);
}

void
ld_message_tcp_source_finalize (LdSource *source)
{
  LdMessageTcpSource *self = (LdMessageTcpSource *) source;

  g_hash_table_unref (self->connections);
  ld_guard_free (self->guard);
  ld_report_pacer_stop (&self->pacer);
  self->protocol->decoder_free (self->decoder);
  g_free (self->buffer);
}

/**
 * ld_message_tcp_source_new:
 * @klass: the kind's class, whose functions are ld_message_tcp_source_*()
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

  self = ld_source_new_listener (sizeof (LdMessageTcpSource), klass, shared, address, port, error);
  if (self == NULL)
    return NULL;

  self->protocol = protocol;
  self->decoder = protocol->decoder_new ();
  self->buffer = g_malloc (READ_CHUNK);
  self->connections = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) connection_free, NULL);
  self->guard = ld_guard_new (shared, self->parent.id, protocol->tcp_protocol,
                              self->parent.socket, accept_connection, self);
  ld_report_pacer_init (&self->pacer, shared, "[logdeck] message tcp counts", report_counts,
                        self);

  return &self->parent;
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
  self->decoder = protocol->decoder_new ();
  self->buffer = g_malloc (DATAGRAM_BUFFER);
  self->batch = ld_batch_new ();
  ld_problem_limiter_init (&self->limiter, &shared->problems);
  ld_report_pacer_init (&self->pacer, shared, "[logdeck] message udp counts", report_udp_counts,
                        self);

  return &self->parent;
}
