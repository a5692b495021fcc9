// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ingest"

#include "config.h"

#include "ld-stream-source.h"

/* What every plain stream listener shares (see ld-stream-source.h).
 * Everything here runs on the ingest thread, except creating a listener
 * (which binds, so that the caller hears of a taken port at once) and
 * freeing it after the thread has ended. */

/* Bytes one connection may read per dispatch before others get their turn. */
#define READ_BUDGET     (4 * 1024 * 1024)
/* Bytes a connection may still read when Logdeck stops, so that a sender
 * that never pauses cannot hold up the exit. */
#define STOP_BUDGET     (64 * 1024 * 1024)

/* Counts */

static void
report_listener (LdStreamListener  *self,
                 LdConnectionState  state)
{
  LdConnectionInfo info = ld_source_describe (&self->parent, state);
  GHashTableIter iter;
  LdStreamConnection *connection;

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

/**
 * ld_stream_connection_report:
 * @last_error: (nullable): why it failed or closed
 *
 * Lists the connection in the registry as it is now; a connection that
 * ends in %LD_CONNECTION_ERROR counts that error too.
 */
void
ld_stream_connection_report (LdStreamConnection *connection,
                             LdConnectionState   state,
                             const char         *last_error)
{
  LdConnectionInfo info = {
    .id = connection->id,
    .kind = LD_CONNECTION_KIND_CONNECTION,
    .protocol = connection->protocol,
    .address = connection->peer,
    .state = state,
    .connected_since = connection->since,
    .closed_at = state == LD_CONNECTION_OPEN ? 0 : g_get_real_time (),
    .n_records = connection->n_records,
    .n_bytes = connection->n_bytes,
    .n_errors = connection->n_errors + (state == LD_CONNECTION_ERROR ? 1 : 0),
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
  LdStreamListener *self = user_data;
  GHashTableIter iter;
  LdStreamConnection *connection;

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, (gpointer *) &connection, NULL))
    if (connection->dirty)
      ld_stream_connection_report (connection, LD_CONNECTION_OPEN, NULL);
  if (self->dirty)
    report_listener (self, LD_CONNECTION_LISTENING);
}

/* Counts reach the sources panel at most every interval, not per read; a
 * timer delivers the last counts of a burst. */
static void
report_progress (LdStreamConnection *connection)
{
  LdStreamListener *self = connection->listener;
  gint64 now = g_get_monotonic_time ();

  if (now - connection->last_report >= LD_INGEST_REPORT_INTERVAL_US)
    ld_stream_connection_report (connection, LD_CONNECTION_OPEN, NULL);
  else
    connection->dirty = TRUE;

  if (ld_report_pacer_is_due (&self->pacer, now))
    report_listener (self, LD_CONNECTION_LISTENING);
  else
    self->dirty = TRUE;

  if (connection->dirty || self->dirty)
    ld_report_pacer_later (&self->pacer);
}

/* Records and problems */

/* One non-blocking read, through TLS if the connection has it. */
gssize
ld_stream_connection_receive (LdStreamConnection  *connection,
                              char                *buffer,
                              gsize                size,
                              GError             **error)
{
  GInputStream *input;

  if (connection->tls == NULL)
    return g_socket_receive (connection->socket, buffer, size, NULL, error);

  input = g_io_stream_get_input_stream (connection->tls);
  return g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (input), buffer, size,
                                                   NULL, error);
}

/**
 * ld_stream_read_ended:
 * @n: what ld_stream_connection_receive() returned, 0 or less
 *
 * Why a kind's read loop ends: nothing more for now (the error is
 * cleared), the sender's end, or a failure (@error says which).
 */
LdStreamReadResult
ld_stream_read_ended (gssize   n,
                      GError **error)
{
  g_assert (n <= 0);

  if (n == 0)
    return LD_STREAM_READ_EOF;
  if (!g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return LD_STREAM_READ_FAILED;

  g_clear_error (error);
  return LD_STREAM_READ_AGAIN;
}

/* Hands over the connection's batch. */
void
ld_stream_connection_flush (LdStreamConnection *connection)
{
  ld_ingest_shared_flush (connection->listener->parent.shared, &connection->batch);
}

/* An error record naming the connection, rate-limited per connection. */
void
ld_stream_connection_problem (LdStreamConnection *connection,
                              int                 level,
                              const char         *what)
{
  ld_ingest_add_problem (connection->batch, &connection->limiter, level, connection->id,
                         connection->peer, connection->protocol, "%s: %s", connection->id, what);
}

/**
 * ld_stream_connection_fail:
 * @what: what was wrong, and that the connection is closed
 *
 * Reports a frame or message that ends the connection; the kind's read
 * then returns %LD_STREAM_READ_BAD.
 */
void
ld_stream_connection_fail (LdStreamConnection *connection,
                           const char         *what)
{
  ld_stream_connection_problem (connection, 40, what);
  ld_stream_connection_report (connection, LD_CONNECTION_ERROR, what);
}

/**
 * ld_stream_connection_set_deadline:
 * @pending: bytes of an unfinished frame
 * @busy_why: static: what passing the deadline of an unfinished frame means
 * @progress: whether a frame was finished since the last call
 *
 * Between frames a connection may idle, and be closed first to make room;
 * a frame it has started must be finished in time, so that a slow sender
 * cannot hold memory for ever.
 */
void
ld_stream_connection_set_deadline (LdStreamConnection *connection,
                                   gsize               pending,
                                   const char         *busy_why,
                                   gboolean            progress)
{
  const LdListenLimits *limits = &connection->listener->parent.shared->listen;

  if (connection->n_records > 0)
    ld_guard_set_proven (&connection->entry);
  if (pending == 0)
    ld_guard_set_idle (&connection->entry, limits->idle_timeout_us, "idle for too long");
  else
    ld_guard_set_busy (&connection->entry, limits->header_timeout_us, busy_why, progress);
}

/* Connections */

static void
connection_free (LdStreamConnection *connection)
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
  connection->listener->stream_class->connection_clear (connection);
  ld_batch_free (connection->batch);
  g_free (connection->peer);
  g_free (connection->id);
  g_free (connection);
}

/* Ends a connection; its records so far are delivered before it goes. */
static void
connection_close (LdStreamConnection *connection,
                  LdConnectionState   state,
                  const char         *last_error)
{
  LdStreamListener *self = connection->listener;

  ld_problem_limiter_flush (&connection->limiter, connection->batch, connection->id,
                            connection->peer, connection->protocol);
  ld_stream_connection_flush (connection);
  if (state != LD_CONNECTION_ERROR)
    ld_stream_connection_report (connection, state, last_error);

  self->parent.n_records += connection->n_records;
  self->parent.n_bytes += connection->n_bytes;
  self->parent.n_errors += connection->n_errors + (state == LD_CONNECTION_ERROR);
  g_hash_table_remove (self->connections, connection);
  report_listener (self, LD_CONNECTION_LISTENING);
}

static void
on_expired (LdGuardEntry *entry,
            const char   *why)
{
  LdStreamConnection *connection = (LdStreamConnection *) entry;
  const LdStreamClass *klass = connection->listener->stream_class;
  g_autofree char *what = g_strdup_printf ("connection closed: %s", why);

  /* Whatever complete frames it sent are taken; only the unfinished one is cut. */
  ld_stream_connection_flush (connection);
  if (klass->pending (connection) > 0)
    klass->warn_if_cut (connection, what, FALSE);
  else
    ld_stream_connection_problem (connection, 30, what);
  connection_close (connection, LD_CONNECTION_CLOSED, why);
}

static gboolean
on_readable (GSocket      *socket,
             GIOCondition  condition,
             gpointer      user_data)
{
  LdStreamConnection *connection = user_data;
  const LdStreamClass *klass = connection->listener->stream_class;
  g_autoptr(GError) error = NULL;

  switch (klass->read (connection, READ_BUDGET, &error))
    {
    case LD_STREAM_READ_AGAIN:
      ld_stream_connection_flush (connection);
      report_progress (connection);
      klass->after_read (connection);
      return G_SOURCE_CONTINUE;

    case LD_STREAM_READ_EOF:
      klass->warn_if_cut (connection, "connection closed", TRUE);
      connection_close (connection, LD_CONNECTION_CLOSED, NULL);
      return G_SOURCE_REMOVE;

    case LD_STREAM_READ_FAILED:
      {
        g_autofree char *why = g_strdup_printf ("connection failed (%s)", error->message);

        klass->warn_if_cut (connection, why, FALSE);
        connection_close (connection, LD_CONNECTION_CLOSED, error->message);
        return G_SOURCE_REMOVE;
      }

    case LD_STREAM_READ_BAD:
    default:
      connection_close (connection, LD_CONNECTION_ERROR, NULL);
      return G_SOURCE_REMOVE;
    }
}

static gboolean
on_tls_readable (GObject  *stream,
                 gpointer  user_data)
{
  LdStreamConnection *connection = user_data;

  return on_readable (connection->socket, G_IO_IN, connection);
}

static void
watch_connection (LdStreamConnection *connection)
{
  LdStreamListener *self = connection->listener;

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
  g_source_set_static_name (connection->source, self->stream_class->watch_name);
  g_source_attach (connection->source, self->parent.shared->context);
}

static void
accept_connection (GSocket   *socket,
                   GIOStream *tls,
                   gpointer   user_data)
{
  LdStreamListener *self = user_data;
  const LdStreamClass *klass = self->stream_class;
  LdStreamConnection *connection = g_malloc0 (klass->connection_size);
  g_autoptr(GSocketAddress) remote = g_socket_get_remote_address (socket, NULL);
  guint n = ld_ingest_shared_number (self->parent.shared, self->connection_kind);

  connection->listener = self;
  connection->id = g_strdup_printf ("%s-%u", self->connection_kind, n);
  connection->peer = remote != NULL ? ld_ingest_format_address (remote) : g_strdup ("unknown");
  connection->protocol = self->parent.protocol;
  connection->socket = socket;
  connection->tls = tls != NULL ? g_object_ref (tls) : NULL;
  connection->since = g_get_real_time ();
  connection->batch = ld_batch_new ();
  ld_problem_limiter_init (&connection->limiter, &self->parent.shared->problems);
  klass->connection_init (connection);
  g_hash_table_add (self->connections, connection);
  ld_guard_add (self->guard, &connection->entry, on_expired);

  watch_connection (connection);
  ld_stream_connection_report (connection, LD_CONNECTION_OPEN, NULL);
}

/* Reads what the sender had already sent, then closes the connection. */
static void
finish_connection (LdStreamConnection *connection)
{
  const LdStreamClass *klass = connection->listener->stream_class;
  g_autoptr(GError) error = NULL;

  if (klass->read (connection, STOP_BUDGET, &error) == LD_STREAM_READ_BAD)
    {
      connection_close (connection, LD_CONNECTION_ERROR, NULL);
      return;
    }

  klass->warn_if_cut (connection, "Logdeck stopped", FALSE);
  connection_close (connection, LD_CONNECTION_CLOSED, NULL);
}

/* The listener */

void
ld_stream_listener_start (LdSource *source)
{
  LdStreamListener *self = (LdStreamListener *) source;

  self->parent.since = g_get_real_time ();
  report_listener (self, LD_CONNECTION_LISTENING);
  self->accepting = TRUE;
  ld_guard_start (self->guard);
}

/* Stops accepting, decodes what every connection had already received, and
 * closes them. */
void
ld_stream_listener_stop (LdSource *source)
{
  LdStreamListener *self = (LdStreamListener *) source;
  GHashTableIter iter;
  LdStreamConnection *connection;

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
ld_stream_listener_finalize (LdSource *source)
{
  LdStreamListener *self = (LdStreamListener *) source;

  g_hash_table_unref (self->connections);
  ld_guard_free (self->guard);
  ld_report_pacer_stop (&self->pacer);
}

/**
 * ld_stream_listener_new:
 * @size: the kind's listener, which embeds an LdStreamListener first
 * @stream_class: how the kind's connections read
 * @connection_kind: static: what its connections' ids start with
 *
 * Makes a stream endpoint; it binds and listens at once.
 *
 * Returns: (nullable): the kind's listener, not yet accepting
 */
gpointer
ld_stream_listener_new (gsize                size,
                        const LdSourceClass *klass,
                        const LdStreamClass *stream_class,
                        const char          *connection_kind,
                        LdIngestShared      *shared,
                        const char          *address,
                        guint16              port,
                        GError             **error)
{
  LdStreamListener *self;

  g_assert (size >= sizeof (LdStreamListener));
  g_assert (stream_class->connection_size >= sizeof (LdStreamConnection));

  self = ld_source_new_listener (size, klass, shared, address, port, error);
  if (self == NULL)
    return NULL;

  self->stream_class = stream_class;
  self->connection_kind = connection_kind;
  self->connections = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) connection_free, NULL);
  self->guard = ld_guard_new (shared, self->parent.id, klass->protocol, self->parent.socket,
                              accept_connection, self);
  ld_report_pacer_init (&self->pacer, shared, stream_class->pacer_name, report_counts, self);

  return self;
}
