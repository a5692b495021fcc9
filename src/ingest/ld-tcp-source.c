// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ingest"

#include "config.h"

#include <string.h>

#include "ld-parallel-decode.h"
#include "ld-pyrecord.h"
#include "ld-stream-source.h"
#include "ld-tcp-source.h"

/* The connections are an LdStreamListener's (see ld-stream-source.c); how
 * they read and decode is here.
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

typedef enum
{
  FRAMING_UNKNOWN,   /* nothing read yet */
  FRAMING_PICKLE,
  FRAMING_JSON_LINES,
} Framing;

/* Its n_errors counts the JSON lines that did not parse. */
typedef struct
{
  LdStreamConnection base;
  Framing            framing;
  gsize              scanned;        /* bytes after start known to hold no newline */
  guint8            *buffer;
  gsize              start;          /* first byte not yet decoded */
  gsize              end;            /* first byte not yet read */
  gsize              capacity;
  guint64            offset;         /* of buffer[start] in the stream */
  guint64            busy_offset;    /* offset when the deadline was last set */
} TcpConnection;

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

  ld_stream_connection_fail (&connection->base, what);
}

static LdRecordOrigin
origin_of (TcpConnection *connection)
{
  return (LdRecordOrigin) {
    .connection = connection->base.id,
    .peer = connection->base.peer,
    .protocol = LD_INGEST_PROTOCOL_TCP_PICKLE,
  };
}

static gboolean
decode_frame (TcpConnection *connection,
              const guint8  *data,
              guint32        length)
{
  LdRecordOrigin origin = origin_of (connection);
  const LdPickleLimits *limits = &connection->base.listener->parent.shared->limits;
  g_autoptr(GError) error = NULL;

  if (ld_pyrecord_add_pickle (connection->base.batch, data, length, limits, &origin, &error))
    return TRUE;

  report_bad_frame (connection, length, error);
  return FALSE;
}

static gboolean
check_length (TcpConnection *connection,
              guint32        length)
{
  g_autofree char *what = NULL;
  guint32 limit = connection->base.listener->parent.shared->max_frame_size;

  if (length > 0 && length <= limit)
    return TRUE;

  if (length == 0)
    what = g_strdup_printf ("bad frame at byte %" G_GUINT64_FORMAT ": the frame is empty; "
                            "connection closed", connection->offset);
  else
    what = g_strdup_printf ("bad frame at byte %" G_GUINT64_FORMAT ": a frame of %u bytes is "
                            "over the limit of %u bytes; connection closed",
                            connection->offset, length, limit);
  ld_stream_connection_fail (&connection->base, what);
  return FALSE;
}

/* The complete frames of allowed length at the start of the buffer. */
static GArray *
complete_frames (TcpConnection *connection)
{
  GArray *frames = g_array_new (FALSE, FALSE, sizeof (LdFrame));
  guint32 limit = connection->base.listener->parent.shared->max_frame_size;
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
      connection->base.n_records++;
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
  ld_parallel_decode (next, frames->len, &connection->base.listener->parent.shared->limits, &origin,
                      results, n_parts);
  ld_stream_connection_flush (&connection->base);
  for (guint i = 0; i < n_parts; i++)
    {
      if (ok)
        {
          /* Handed over as it is: no copy into the connection's batch. */
          ld_ingest_shared_flush (connection->base.listener->parent.shared, &results[i].batch);
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

      connection->base.n_records++;
      connection->start += 4 + (gsize) length;
      connection->offset += 4 + (guint64) length;
      if (ld_batch_get_length (connection->base.batch) >= LD_INGEST_MAX_BATCH)
        ld_stream_connection_flush (&connection->base);
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
  guint32 limit = connection->base.listener->parent.shared->max_frame_size;

  what = g_strdup_printf ("bad line at byte %" G_GUINT64_FORMAT ": %s%" G_GSIZE_FORMAT
                          " bytes is over the limit of %u bytes; connection closed",
                          connection->offset, whole ? "a line of " : "a line of more than ",
                          length, limit);
  ld_stream_connection_fail (&connection->base, what);
}

static void
decode_line (TcpConnection *connection,
             const char    *line,
             gsize          length)
{
  LdIngestOrigin origin = {
    .record.connection = connection->base.id,
    .record.peer = connection->base.peer,
    .record.protocol = connection->base.protocol,
    .limiter = &connection->base.limiter,
  };
  guint n_added = 0;

  /* A CRLF sender's carriage return, and blank lines, carry nothing. */
  if (length > 0 && line[length - 1] == '\r')
    length--;
  if (ld_ingest_is_blank (line, length))
    return;

  if (!ld_ingest_add_json (connection->base.batch, line, length, &origin, &n_added, NULL))
    connection->base.n_errors++;
  connection->base.n_records += n_added;
}

/* Decodes every complete line in the buffer. */
static gboolean
decode_lines (TcpConnection *connection)
{
  guint32 limit = connection->base.listener->parent.shared->max_frame_size;

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
      if (ld_batch_get_length (connection->base.batch) >= LD_INGEST_MAX_BATCH)
        ld_stream_connection_flush (&connection->base);
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
      connection->base.protocol = json ? LD_INGEST_PROTOCOL_TCP_JSON
                                       : LD_INGEST_PROTOCOL_TCP_PICKLE;
      ld_stream_connection_report (&connection->base, LD_CONNECTION_OPEN, NULL);
    }

  switch (connection->framing)
    {
    case FRAMING_PICKLE: return decode_frames (connection);
    case FRAMING_JSON_LINES: return decode_lines (connection);
    case FRAMING_UNKNOWN:
    default: return TRUE;
    }
}

/* Reads and decodes until the socket has nothing more, or @budget bytes. */
static LdStreamReadResult
read_available (LdStreamConnection  *stream,
                gsize                budget,
                GError             **error)
{
  TcpConnection *connection = (TcpConnection *) stream;
  gsize total = 0;

  while (total < budget)
    {
      gssize n;
      gsize room;

      ensure_space (connection, 0);
      room = connection->capacity - connection->end;
      n = ld_stream_connection_receive (stream, (char *) connection->buffer + connection->end, room,
                                        error);
      if (n <= 0)
        return ld_stream_read_ended (n, error);

      connection->end += n;
      connection->base.n_bytes += n;
      total += n;
      if (!decode_available (connection))
        return LD_STREAM_READ_BAD;
      if ((gsize) n == room && connection->capacity < MAX_READ_AHEAD)
        grow_read_ahead (connection);
    }

  return LD_STREAM_READ_AGAIN;
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
  ld_stream_connection_problem (&connection->base, 30, what);
}

/* Tells how much of an unfinished frame is lost when a connection ends. */
static void
warn_if_cut (LdStreamConnection *stream,
             const char         *why,
             gboolean            sender_closed)
{
  TcpConnection *connection = (TcpConnection *) stream;
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
  ld_stream_connection_problem (&connection->base, 30, what);
}

static gsize
pending_bytes (LdStreamConnection *stream)
{
  TcpConnection *connection = (TcpConnection *) stream;

  return connection->end - connection->start;
}

/* The deadline is for the frame in progress: one finished since starts the
 * clock again, and trickling bytes of the same one do not. */
static void
after_read (LdStreamConnection *stream)
{
  TcpConnection *connection = (TcpConnection *) stream;
  gboolean progress = connection->offset != connection->busy_offset;

  shrink_if_idle (connection);
  connection->busy_offset = connection->offset;
  ld_stream_connection_set_deadline (stream, connection->end - connection->start,
                                     connection->framing == FRAMING_JSON_LINES
                                     ? "a line was not finished in time"
                                     : "a frame was not finished in time", progress);
}

static void
connection_init (LdStreamConnection *stream)
{
  TcpConnection *connection = (TcpConnection *) stream;

  connection->capacity = INITIAL_BUFFER;
  connection->buffer = g_malloc (connection->capacity);
}

static void
connection_clear (LdStreamConnection *stream)
{
  TcpConnection *connection = (TcpConnection *) stream;

  g_free (connection->buffer);
}

/* Until its first byte, a connection is taken for what most senders are:
 * the listener's protocol is pickle's. */
static const LdStreamClass tcp_stream_class = {
  .watch_name = "[logdeck] tcp connection",
  .pacer_name = "[logdeck] tcp counts",
  .connection_size = sizeof (TcpConnection),
  .connection_init = connection_init,
  .connection_clear = connection_clear,
  .read = read_available,
  .pending = pending_bytes,
  .warn_if_cut = warn_if_cut,
  .after_read = after_read,
};

static const LdSourceClass tcp_source_class = {
  .kind = "tcp",
  .start = ld_stream_listener_start,
  .stop = ld_stream_listener_stop,
  .finalize = ld_stream_listener_finalize,
  .protocol = LD_INGEST_PROTOCOL_TCP_PICKLE,
  .protection = LD_PROTECTED_BY_TLS,
  .socket_type = G_SOCKET_TYPE_STREAM,
};

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
  LdStreamListener *self;

  self = ld_stream_listener_new (sizeof (LdStreamListener), &tcp_source_class, &tcp_stream_class,
                                 "tcp", shared, address, port, error);

  return self != NULL ? &self->parent : NULL;
}
