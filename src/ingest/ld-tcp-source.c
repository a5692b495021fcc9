// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ingest"

#include "config.h"

#include <string.h>

#include "ld-listen-guard.h"
#include "ld-parallel-decode.h"
#include "ld-pyrecord.h"
#include "ld-tcp-source.h"

/* Everything here runs on the ingest thread, except creating the listener
 * (which binds, so that the caller hears of a taken port at once) and
 * freeing it after the thread has ended.
 *
 * Each connection reads without blocking into its own buffer and decodes
 * every complete frame in it at once; what one dispatch decodes is handed
 * over as one batch. A bad frame ends only its own connection.
 *
 * A connection speaks one of two framings, told apart by its first byte:
 * SocketHandler's length-prefixed pickles, or newline-delimited JSON, as a
 * QueueHandler subclass writing json.dumps(record.__dict__) lines sends it.
 * A pickle frame cannot start with "{" or "[": its length would be over
 * 2 GiB. A JSON line that does not parse is reported and skipped, since the
 * next line is still found; a line over the limit ends the connection. */

/* A quiet connection costs its initial buffer; a busy one reads ahead in
 * bigger gulps, up to the read-ahead limit, for fewer system calls. */
#define INITIAL_BUFFER  (64 * 1024)
#define MIN_READ        (16 * 1024)
#define MAX_READ_AHEAD  (1024 * 1024)
/* Bytes one connection may read per dispatch before others get their turn. */
#define READ_BUDGET     (4 * 1024 * 1024)
/* Bytes a connection may still read when Logdeck stops, so that a sender
 * that never pauses cannot hold up the exit. */
#define STOP_BUDGET     (64 * 1024 * 1024)

typedef struct
{
  LdSource        parent;
  LdGuard        *guard;
  gboolean        accepting;
  GHashTable     *connections;   /* TcpConnection set */
  gboolean        dirty;         /* counts changed since the last report */
  LdReportPacer   pacer;
} LdTcpSource;

typedef enum
{
  FRAMING_UNKNOWN,   /* nothing read yet */
  FRAMING_PICKLE,
  FRAMING_JSON_LINES,
} Framing;

typedef struct
{
  LdGuardEntry   entry;          /* first: the guard's expire function gets it */
  LdTcpSource   *listener;
  char          *id;
  char          *peer;
  Framing        framing;
  const char    *protocol;       /* static */
  gsize          scanned;        /* bytes after start known to hold no newline */
  GSocket       *socket;
  GIOStream     *tls;            /* nullable: TLS over @socket */
  GSource       *source;
  LdProblemLimiter limiter;
  guint8        *buffer;
  gsize          start;          /* first byte not yet decoded */
  gsize          end;            /* first byte not yet read */
  gsize          capacity;
  guint64        offset;         /* of buffer[start] in the stream */
  guint64        busy_offset;    /* offset when the deadline was last set */
  guint64        n_records;
  guint64        n_bytes;
  guint64        n_errors;       /* JSON lines that did not parse */
  gint64         since;
  gint64         last_report;
  gboolean       dirty;
  LdBatch       *batch;
} TcpConnection;

typedef enum
{
  READ_AGAIN,     /* the socket has nothing more for now */
  READ_EOF,
  READ_FAILED,
  READ_BAD_FRAME,
} ReadResult;

static void
report_listener (LdTcpSource       *self,
                 LdConnectionState  state)
{
  LdConnectionInfo info = ld_source_describe (&self->parent, state);
  GHashTableIter iter;
  TcpConnection *connection;

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
report_connection (TcpConnection     *connection,
                   LdConnectionState  state,
                   const char        *last_error)
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
  LdTcpSource *self = user_data;
  GHashTableIter iter;
  TcpConnection *connection;

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, (gpointer *) &connection, NULL))
    if (connection->dirty)
      report_connection (connection, LD_CONNECTION_OPEN, NULL);
  if (self->dirty)
    report_listener (self, LD_CONNECTION_LISTENING);
}

/* Counts reach the sources panel at most every interval, not per read; a
 * timer delivers the last counts of a burst. */
static void
report_progress (TcpConnection *connection)
{
  LdTcpSource *self = connection->listener;
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
flush (TcpConnection *connection)
{
  ld_ingest_shared_flush (connection->listener->parent.shared, &connection->batch);
}

static void
add_problem (TcpConnection *connection,
             int            level,
             const char    *what)
{
  ld_ingest_add_problem (connection->batch, &connection->limiter, level, connection->id,
                         connection->peer,
                         connection->protocol, "%s: %s", connection->id, what);
}

/* Makes room to read more, and to hold a whole frame of @frame_size bytes. */
static void
ensure_space (TcpConnection *connection,
              gsize          frame_size)
{
  gsize pending = connection->end - connection->start;
  gsize wanted = MAX (pending + MIN_READ, frame_size);

  if (connection->capacity - connection->end >= MIN_READ
      && connection->capacity - connection->start >= frame_size)
    return;

  memmove (connection->buffer, connection->buffer + connection->start, pending);
  connection->start = 0;
  connection->end = pending;

  if (connection->capacity < wanted)
    {
      connection->capacity = MAX (wanted, connection->capacity * 2);
      connection->buffer = g_realloc (connection->buffer, connection->capacity);
    }
}

static guint32
read_be32 (const guint8 *data)
{
  guint32 value;

  memcpy (&value, data, 4);
  return GUINT32_FROM_BE (value);
}

/* The sender fills every read: read more at a time. */
static void
grow_read_ahead (TcpConnection *connection)
{
  connection->capacity *= 2;
  connection->buffer = g_realloc (connection->buffer, connection->capacity);
}

/* A big frame's buffer is given back once the connection is between frames. */
static void
shrink_if_idle (TcpConnection *connection)
{
  if (connection->start != connection->end || connection->capacity <= MAX_READ_AHEAD)
    return;

  connection->start = connection->end = 0;
  connection->capacity = INITIAL_BUFFER;
  g_free (connection->buffer);
  connection->buffer = g_malloc (connection->capacity);
}

static void
report_bad_frame (TcpConnection *connection,
                  guint32        length,
                  const GError  *error)
{
  g_autofree char *what = g_strdup_printf ("bad frame at byte %" G_GUINT64_FORMAT
                                           " (%u bytes): %s; connection closed",
                                           connection->offset, length, error->message);

  add_problem (connection, 40, what);
  report_connection (connection, LD_CONNECTION_ERROR, what);
}

static LdRecordOrigin
origin_of (TcpConnection *connection)
{
  return (LdRecordOrigin) {
    .connection = connection->id,
    .peer = connection->peer,
    .protocol = LD_INGEST_PROTOCOL_TCP_PICKLE,
  };
}

static gboolean
decode_frame (TcpConnection *connection,
              const guint8  *data,
              guint32        length)
{
  LdRecordOrigin origin = origin_of (connection);
  const LdPickleLimits *limits = &connection->listener->parent.shared->limits;
  g_autoptr(GError) error = NULL;

  if (ld_pyrecord_add_pickle (connection->batch, data, length, limits, &origin, &error))
    return TRUE;

  report_bad_frame (connection, length, error);
  return FALSE;
}

static gboolean
check_length (TcpConnection *connection,
              guint32        length)
{
  g_autofree char *what = NULL;
  guint32 limit = connection->listener->parent.shared->max_frame_size;

  if (length > 0 && length <= limit)
    return TRUE;

  if (length == 0)
    what = g_strdup_printf ("bad frame at byte %" G_GUINT64_FORMAT ": the frame is empty; "
                            "connection closed", connection->offset);
  else
    what = g_strdup_printf ("bad frame at byte %" G_GUINT64_FORMAT ": a frame of %u bytes is "
                            "over the limit of %u bytes; connection closed",
                            connection->offset, length, limit);
  add_problem (connection, 40, what);
  report_connection (connection, LD_CONNECTION_ERROR, what);
  return FALSE;
}

/* The complete frames of allowed length at the start of the buffer. */
static GArray *
complete_frames (TcpConnection *connection)
{
  GArray *frames = g_array_new (FALSE, FALSE, sizeof (LdFrame));
  guint32 limit = connection->listener->parent.shared->max_frame_size;
  gsize pos = connection->start;

  while (connection->end - pos >= 4)
    {
      LdFrame frame = { connection->buffer + pos + 4, read_be32 (connection->buffer + pos) };

      if (frame.length == 0 || frame.length > limit || connection->end - pos - 4 < frame.length)
        break;
      g_array_append_val (frames, frame);
      pos += 4 + (gsize) frame.length;
    }

  return frames;
}

static void
advance (TcpConnection *connection,
         const LdFrame *frames,
         guint          n_frames)
{
  for (guint i = 0; i < n_frames; i++)
    {
      connection->n_records++;
      connection->start += 4 + (gsize) frames[i].length;
      connection->offset += 4 + (guint64) frames[i].length;
    }
}

/* Many frames at hand are decoded on several cores, and handed over part
 * by part in arrival order; a bad frame stops there, as one at a time would. */
static gboolean
decode_frames_in_parallel (TcpConnection *connection)
{
  g_autoptr(GArray) frames = complete_frames (connection);
  guint n_parts = ld_parallel_decode_n_parts (frames->len);
  g_autofree LdDecodeResult *results = NULL;
  LdRecordOrigin origin = origin_of (connection);
  const LdFrame *next = (const LdFrame *) frames->data;
  gboolean ok = TRUE;

  if (n_parts < 2)
    return TRUE;

  results = g_new0 (LdDecodeResult, n_parts);
  ld_parallel_decode (next, frames->len, &connection->listener->parent.shared->limits, &origin,
                      results, n_parts);
  flush (connection);
  for (guint i = 0; i < n_parts; i++)
    {
      if (ok)
        {
          /* Handed over as it is: no copy into the connection's batch. */
          ld_ingest_shared_flush (connection->listener->parent.shared, &results[i].batch);
          advance (connection, next, results[i].n_decoded);
          next += results[i].n_decoded;
          if (results[i].error != NULL)
            {
              report_bad_frame (connection, next->length, results[i].error);
              ok = FALSE;
            }
        }
      ld_decode_result_clear (&results[i]);
    }

  return ok;
}

static gboolean
decode_frames (TcpConnection *connection)
{
  if (!decode_frames_in_parallel (connection))
    return FALSE;

  while (connection->end - connection->start >= 4)
    {
      const guint8 *frame = connection->buffer + connection->start;
      guint32 length = read_be32 (frame);

      if (!check_length (connection, length))
        return FALSE;
      if (connection->end - connection->start - 4 < length)
        {
          /* Room for what may come next, not for what the header claims:
           * a sender makes Logdeck hold memory only by sending the bytes. */
          ensure_space (connection, MIN ((gsize) length + 4,
                                         connection->end - connection->start + MAX_READ_AHEAD));
          break;
        }
      if (!decode_frame (connection, frame + 4, length))
        return FALSE;

      connection->n_records++;
      connection->start += 4 + (gsize) length;
      connection->offset += 4 + (guint64) length;
      if (ld_batch_get_length (connection->batch) >= LD_INGEST_MAX_BATCH)
        flush (connection);
    }

  return TRUE;
}

/* Reports a line over the limit, or the part of one read so far. */
static void
line_too_long (TcpConnection *connection,
               gsize          length,
               gboolean       whole)
{
  g_autofree char *what = NULL;
  guint32 limit = connection->listener->parent.shared->max_frame_size;

  what = g_strdup_printf ("bad line at byte %" G_GUINT64_FORMAT ": %s%" G_GSIZE_FORMAT
                          " bytes is over the limit of %u bytes; connection closed",
                          connection->offset, whole ? "a line of " : "a line of more than ",
                          length, limit);
  add_problem (connection, 40, what);
  report_connection (connection, LD_CONNECTION_ERROR, what);
}

static void
decode_line (TcpConnection *connection,
             const char    *line,
             gsize          length)
{
  LdIngestOrigin origin = {
    .record.connection = connection->id,
    .record.peer = connection->peer,
    .record.protocol = connection->protocol,
    .limiter = &connection->limiter,
  };
  guint n_added = 0;

  /* A CRLF sender's carriage return, and blank lines, carry nothing. */
  if (length > 0 && line[length - 1] == '\r')
    length--;
  if (ld_ingest_is_blank (line, length))
    return;

  if (!ld_ingest_add_json (connection->batch, line, length, &origin, &n_added, NULL))
    connection->n_errors++;
  connection->n_records += n_added;
}

/* Decodes every complete line in the buffer. */
static gboolean
decode_lines (TcpConnection *connection)
{
  guint32 limit = connection->listener->parent.shared->max_frame_size;

  for (;;)
    {
      const char *line = (const char *) connection->buffer + connection->start;
      gsize pending = connection->end - connection->start;
      const char *newline = memchr (line + connection->scanned, '\n',
                                    pending - connection->scanned);
      gsize length;

      if (newline == NULL)
        {
          connection->scanned = pending;
          if (pending > limit)
            {
              line_too_long (connection, pending, FALSE);
              return FALSE;
            }
          return TRUE;
        }

      length = newline - line;
      if (length > limit)
        {
          line_too_long (connection, length, TRUE);
          return FALSE;
        }
      decode_line (connection, line, length);
      connection->start += length + 1;
      connection->offset += length + 1;
      connection->scanned = 0;
      if (ld_batch_get_length (connection->batch) >= LD_INGEST_MAX_BATCH)
        flush (connection);
    }
}

/* The first byte decides how the whole connection is framed. */
static gboolean
decode_available (TcpConnection *connection)
{
  if (connection->framing == FRAMING_UNKNOWN && connection->end > connection->start)
    {
      guint8 first = connection->buffer[connection->start];
      gboolean json = first == '{' || first == '[';

      connection->framing = json ? FRAMING_JSON_LINES : FRAMING_PICKLE;
      connection->protocol = json ? LD_INGEST_PROTOCOL_TCP_JSON : LD_INGEST_PROTOCOL_TCP_PICKLE;
      report_connection (connection, LD_CONNECTION_OPEN, NULL);
    }

  switch (connection->framing)
    {
    case FRAMING_PICKLE: return decode_frames (connection);
    case FRAMING_JSON_LINES: return decode_lines (connection);
    case FRAMING_UNKNOWN:
    default: return TRUE;
    }
}

static gssize
receive (TcpConnection  *connection,
         char           *buffer,
         gsize           size,
         GError        **error)
{
  GInputStream *input;

  if (connection->tls == NULL)
    return g_socket_receive (connection->socket, buffer, size, NULL, error);

  input = g_io_stream_get_input_stream (connection->tls);
  return g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (input), buffer, size,
                                                   NULL, error);
}

/* Reads and decodes until the socket has nothing more, or @budget bytes. */
static ReadResult
read_available (TcpConnection *connection,
                gsize          budget,
                GError       **error)
{
  gsize total = 0;

  while (total < budget)
    {
      gssize n;
      gsize room;

      ensure_space (connection, 0);
      room = connection->capacity - connection->end;
      n = receive (connection, (char *) connection->buffer + connection->end, room, error);
      if (n < 0 && g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          g_clear_error (error);
          return READ_AGAIN;
        }
      if (n < 0)
        return READ_FAILED;
      if (n == 0)
        return READ_EOF;

      connection->end += n;
      connection->n_bytes += n;
      total += n;
      if (!decode_available (connection))
        return READ_BAD_FRAME;
      if ((gsize) n == room && connection->capacity < MAX_READ_AHEAD)
        grow_read_ahead (connection);
    }

  return READ_AGAIN;
}

/* A last line without its newline is whole when the sender has closed; when
 * Logdeck stops, the sender may be in the middle of it. */
static void
finish_lines (TcpConnection *connection,
              const char    *why,
              gboolean       sender_closed)
{
  gsize pending = connection->end - connection->start;
  g_autofree char *what = NULL;

  if (sender_closed)
    {
      decode_line (connection, (const char *) connection->buffer + connection->start, pending);
      return;
    }

  what = g_strdup_printf ("%s in the middle of a line at byte %" G_GUINT64_FORMAT
                          ": %" G_GSIZE_FORMAT " bytes cut", why, connection->offset, pending);
  add_problem (connection, 30, what);
}

/* Tells how much of an unfinished frame is lost when a connection ends. */
static void
warn_if_cut (TcpConnection *connection,
             const char    *why,
             gboolean       sender_closed)
{
  gsize pending = connection->end - connection->start;
  g_autofree char *what = NULL;

  if (pending == 0)
    return;
  if (connection->framing == FRAMING_JSON_LINES)
    {
      finish_lines (connection, why, sender_closed);
      return;
    }

  if (pending < 4)
    what = g_strdup_printf ("%s in the middle of a frame header at byte %" G_GUINT64_FORMAT
                            ": %" G_GSIZE_FORMAT " bytes cut", why, connection->offset, pending);
  else
    what = g_strdup_printf ("%s in the middle of a frame at byte %" G_GUINT64_FORMAT ": %"
                            G_GSIZE_FORMAT " bytes cut (%" G_GSIZE_FORMAT " of %u arrived)",
                            why, connection->offset, pending, pending - 4,
                            read_be32 (connection->buffer + connection->start));
  add_problem (connection, 30, what);
}

static void
connection_free (TcpConnection *connection)
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
  ld_batch_free (connection->batch);
  g_free (connection->buffer);
  g_free (connection->peer);
  g_free (connection->id);
  g_free (connection);
}

/* Ends a connection; its records so far are delivered before it goes. */
static void
connection_close (TcpConnection     *connection,
                  LdConnectionState  state,
                  const char        *last_error)
{
  LdTcpSource *self = connection->listener;

  ld_problem_limiter_flush (&connection->limiter, connection->batch, connection->id,
                            connection->peer, connection->protocol);
  flush (connection);
  if (state != LD_CONNECTION_ERROR)
    report_connection (connection, state, last_error);

  self->parent.n_records += connection->n_records;
  self->parent.n_bytes += connection->n_bytes;
  self->parent.n_errors += connection->n_errors + (state == LD_CONNECTION_ERROR);
  g_hash_table_remove (self->connections, connection);
  report_listener (self, LD_CONNECTION_LISTENING);
}

/* Between frames a connection may idle, and be closed first to make room;
 * a frame it has started must be finished in time. */
static void
update_deadline (TcpConnection *connection)
{
  const LdListenLimits *limits = &connection->listener->parent.shared->listen;
  /* The deadline is for the frame in progress: one finished since starts
   * the clock again, and trickling bytes of the same one do not. */
  gboolean progress = connection->offset != connection->busy_offset;

  connection->busy_offset = connection->offset;
  if (connection->n_records > 0)
    ld_guard_set_proven (&connection->entry);
  if (connection->start == connection->end)
    ld_guard_set_idle (&connection->entry, limits->idle_timeout_us, "idle for too long");
  else
    ld_guard_set_busy (&connection->entry, limits->header_timeout_us,
                       connection->framing == FRAMING_JSON_LINES
                       ? "a line was not finished in time" : "a frame was not finished in time",
                       progress);
}

static void
on_expired (LdGuardEntry *entry,
            const char   *why)
{
  TcpConnection *connection = (TcpConnection *) entry;
  g_autofree char *what = g_strdup_printf ("connection closed: %s", why);

  /* Whatever complete frames it sent are taken; only the unfinished one is cut. */
  flush (connection);
  if (connection->start != connection->end)
    warn_if_cut (connection, what, FALSE);
  else
    add_problem (connection, 30, what);
  connection_close (connection, LD_CONNECTION_CLOSED, why);
}

static gboolean
on_readable (GSocket      *socket,
             GIOCondition  condition,
             gpointer      user_data)
{
  TcpConnection *connection = user_data;
  g_autoptr(GError) error = NULL;
  ReadResult result = read_available (connection, READ_BUDGET, &error);

  switch (result)
    {
    case READ_AGAIN:
      flush (connection);
      shrink_if_idle (connection);
      report_progress (connection);
      update_deadline (connection);
      return G_SOURCE_CONTINUE;

    case READ_EOF:
      warn_if_cut (connection, "connection closed", TRUE);
      connection_close (connection, LD_CONNECTION_CLOSED, NULL);
      return G_SOURCE_REMOVE;

    case READ_FAILED:
      {
        g_autofree char *why = g_strdup_printf ("connection failed (%s)", error->message);

        warn_if_cut (connection, why, FALSE);
        connection_close (connection, LD_CONNECTION_CLOSED, error->message);
        return G_SOURCE_REMOVE;
      }

    case READ_BAD_FRAME:
    default:
      connection_close (connection, LD_CONNECTION_ERROR, NULL);
      return G_SOURCE_REMOVE;
    }
}

static gboolean
on_tls_readable (GObject  *stream,
                 gpointer  user_data)
{
  TcpConnection *connection = user_data;

  return on_readable (connection->socket, G_IO_IN, connection);
}

static void
watch_connection (TcpConnection *connection)
{
  LdTcpSource *self = connection->listener;

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
  g_source_set_static_name (connection->source, "[logdeck] tcp connection");
  g_source_attach (connection->source, self->parent.shared->context);
}

static void
accept_connection (GSocket   *socket,
                   GIOStream *tls,
                   gpointer   user_data)
{
  LdTcpSource *self = user_data;
  TcpConnection *connection = g_new0 (TcpConnection, 1);
  g_autoptr(GSocketAddress) remote = g_socket_get_remote_address (socket, NULL);
  guint n = ld_ingest_shared_number (self->parent.shared, "tcp");

  connection->listener = self;
  connection->id = g_strdup_printf ("tcp-%u", n);
  connection->peer = remote != NULL ? ld_ingest_format_address (remote) : g_strdup ("unknown");
  /* Until its first byte, a connection is taken for what most senders are. */
  connection->protocol = LD_INGEST_PROTOCOL_TCP_PICKLE;
  connection->socket = socket;
  connection->tls = tls != NULL ? g_object_ref (tls) : NULL;
  connection->capacity = INITIAL_BUFFER;
  connection->buffer = g_malloc (connection->capacity);
  connection->since = g_get_real_time ();
  connection->batch = ld_batch_new ();
  ld_problem_limiter_init (&connection->limiter, &self->parent.shared->problems);
  g_hash_table_add (self->connections, connection);
  ld_guard_add (self->guard, &connection->entry, on_expired);

  watch_connection (connection);
  report_connection (connection, LD_CONNECTION_OPEN, NULL);
}

static void
tcp_source_start (LdSource *source)
{
  LdTcpSource *self = (LdTcpSource *) source;

  self->parent.since = g_get_real_time ();
  report_listener (self, LD_CONNECTION_LISTENING);
  self->accepting = TRUE;
  ld_guard_start (self->guard);
}

/* Reads what the sender had already sent, then closes the connection. */
static void
finish_connection (TcpConnection *connection)
{
  g_autoptr(GError) error = NULL;

  if (read_available (connection, STOP_BUDGET, &error) == READ_BAD_FRAME)
    {
      connection_close (connection, LD_CONNECTION_ERROR, NULL);
      return;
    }

  warn_if_cut (connection, "Logdeck stopped", FALSE);
  connection_close (connection, LD_CONNECTION_CLOSED, NULL);
}

/* Stops accepting, decodes what every connection had already received, and
 * closes them. */
static void
tcp_source_stop (LdSource *source)
{
  LdTcpSource *self = (LdTcpSource *) source;
  GHashTableIter iter;
  TcpConnection *connection;

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

static void
tcp_source_finalize (LdSource *source)
{
  LdTcpSource *self = (LdTcpSource *) source;

  g_hash_table_unref (self->connections);
  ld_guard_free (self->guard);
  ld_report_pacer_stop (&self->pacer);
}

LD_DEFINE_SOURCE_CLASS (tcp_source, "tcp",
                        .protocol = LD_INGEST_PROTOCOL_TCP_PICKLE,
                        .protection = LD_PROTECTED_BY_TLS,
                        .socket_type = G_SOCKET_TYPE_STREAM);

/**
 * ld_tcp_source_new:
 *
 * Makes ld_ingest_add_tcp()'s endpoint, "tcp" or "tcp.2"…, whose
 * connections are "tcp-1", "tcp-2"…; it binds and listens at once.
 *
 * Returns: (nullable): the source, not yet accepting
 */
LdSource *
ld_tcp_source_new (LdIngestShared *shared,
                   const char     *address,
                   guint16         port,
                   GError        **error)
{
  LdTcpSource *self;

  self = ld_source_new_listener (sizeof (LdTcpSource), &tcp_source_class, shared, address, port,
                                 error);
  if (self == NULL)
    return NULL;

  self->connections = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) connection_free, NULL);
  self->guard = ld_guard_new (shared, self->parent.id, LD_INGEST_PROTOCOL_TCP_PICKLE,
                              self->parent.socket, accept_connection, self);
  ld_report_pacer_init (&self->pacer, shared, "[logdeck] tcp counts", report_counts, self);

  return &self->parent;
}
