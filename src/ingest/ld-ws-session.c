// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ingest"

#include "config.h"

#include <string.h>

#include "ld-ws-session.h"

/* The server side of RFC 6455 on a connection that libsoup's server has
 * upgraded. libsoup's own SoupWebsocketConnection is not used here, because
 * in libsoup 3.2 a message over its payload limit closes the socket without
 * a close frame (the client sees 1006, not 1009), the limit applies to each
 * frame but not to a message in many fragments (libsoup 3.7.1 added a total
 * limit), and each message is a signal emission with a copy of its own.
 * Here frames are parsed where they were read, the limit holds for the whole
 * message and is checked from a frame's header before its payload is read,
 * and every text message of one read goes into one batch.
 *
 * No extension is negotiated (the handshake declines permessage-deflate),
 * so every frame's reserved bits must be zero. Everything here runs on the
 * ingest thread. */

#define INITIAL_BUFFER  (16 * 1024)
#define MIN_READ        (16 * 1024)
#define MAX_READ_AHEAD  (1024 * 1024)
#define READ_BUDGET     (4 * 1024 * 1024)
#define STOP_BUDGET     (64 * 1024 * 1024)
/* A client that sends pings but never reads our pongs is cut off here. */
#define MAX_PENDING_OUTPUT (1024 * 1024)
/* How long to wait for the client's close frame after ours. */
#define CLOSE_TIMEOUT_MS 2000

typedef enum
{
  SESSION_OPEN,
  SESSION_CLOSING,     /* our close frame is sent; waiting for the client's */
  SESSION_CLOSED,
} SessionState;

typedef enum
{
  FRAME_NEED_MORE,
  FRAME_TAKEN,
  FRAME_SKIP,          /* a frame to read past without keeping it */
  FRAME_STOP,          /* the session is closing or closed */
} FrameResult;

struct _LdWsSession
{
  LdGuardEntry           entry;         /* first: the guard's expire function gets it */
  LdGuard               *guard;         /* nullable */
  guint64                n_records_seen; /* by the deadline, when the session went idle */
  LdProblemLimiter       limiter;
  GSocket               *socket;        /* nullable: under the stream, closed first */
  guint64                n_progress;    /* records and errors when last checked */
  LdIngestShared        *shared;
  char                  *id;
  char                  *peer;
  GIOStream             *stream;
  GPollableInputStream  *input;
  GPollableOutputStream *output;
  GSource               *input_source;
  GSource               *output_source;
  GSource               *keepalive;
  GSource               *close_timer;
  GSource               *closed_idle;
  LdReportPacer          pacer;

  guint8                *buffer;
  gsize                  start;
  gsize                  end;
  gsize                  capacity;
  GByteArray            *message;       /* the fragments of a message so far */
  guint64                discard;       /* bytes of a refused frame still to come */
  GByteArray            *out;
  gsize                  out_sent;

  LdBatch               *batch;
  SessionState           state;
  LdConnectionState      final_state;
  char                  *last_error;
  gboolean               close_when_written;
  gboolean               stopping;
  gint64                 last_heard;    /* monotonic */

  guint64                n_records;
  guint64                n_bytes;
  guint64                n_errors;
  gint64                 since;

  LdWsSessionClosedFunc  closed_func;
  gpointer               user_data;
};

static void start_reading (LdWsSession *self);
static void write_pending (LdWsSession *self);

static void
report (LdWsSession       *self,
        LdConnectionState  state)
{
  LdConnectionInfo info = {
    .id = self->id,
    .kind = LD_CONNECTION_KIND_CONNECTION,
    .protocol = LD_INGEST_PROTOCOL_WS_JSON,
    .address = self->peer,
    .state = state,
    .connected_since = self->since,
    .closed_at = state == LD_CONNECTION_OPEN ? 0 : g_get_real_time (),
    .n_records = self->n_records,
    .n_bytes = self->n_bytes,
    .n_errors = self->n_errors,
    .last_error = self->last_error,
    .encrypted = self->guard != NULL && ld_guard_is_encrypted (self->guard),
  };

  ld_report_pacer_reported (&self->pacer);
  ld_ingest_shared_report (self->shared, &info);
}

static void
report_counts (gpointer user_data)
{
  LdWsSession *self = user_data;

  report (self, LD_CONNECTION_OPEN);
}

static void
add_problem (LdWsSession *self,
             int          level,
             const char  *what)
{
  ld_ingest_add_problem (self->batch, &self->limiter, level, self->id, self->peer,
                         LD_INGEST_PROTOCOL_WS_JSON, "%s: %s", self->id, what);
}

static gboolean
on_closed_idle (gpointer user_data)
{
  LdWsSession *self = user_data;

  g_clear_pointer (&self->closed_idle, g_source_unref);
  self->closed_func (self, self->user_data);
  return G_SOURCE_REMOVE;
}

/* Ends the session. The owner hears of it from an idle callback, so that
 * no caller up the stack is left holding a freed session. */
static void
finish (LdWsSession *self)
{
  if (self->state == SESSION_CLOSED)
    return;

  self->state = SESSION_CLOSED;
  ld_guard_remove (&self->entry);
  ld_ingest_destroy_source (&self->input_source);
  ld_ingest_destroy_source (&self->output_source);
  ld_ingest_destroy_source (&self->keepalive);
  ld_ingest_destroy_source (&self->close_timer);
  ld_report_pacer_stop (&self->pacer);
  if (self->message != NULL && self->message->len > 0)
    {
      g_autofree char *what = g_strdup_printf ("connection closed in the middle of a message: "
                                               "%u bytes cut", self->message->len);
      add_problem (self, 30, what);
    }
  ld_problem_limiter_flush (&self->limiter, self->batch, self->id, self->peer,
                            LD_INGEST_PROTOCOL_WS_JSON);
  /* The records are handed over before the client can see the close. */
  ld_ingest_shared_flush (self->shared, &self->batch);
  /* Closing a TLS stream writes its close alert and waits for it to go:
   * with the socket closed first, a client that reads nothing cannot hold
   * the ingest thread there. */
  if (self->socket != NULL)
    g_socket_close (self->socket, NULL);
  g_io_stream_close (self->stream, NULL, NULL);
  report (self, self->final_state);

  if (self->stopping)
    return;
  self->closed_idle = g_idle_source_new ();
  g_source_set_static_name (self->closed_idle, "[logdeck] ws session closed");
  g_source_set_callback (self->closed_idle, on_closed_idle, self, NULL);
  g_source_attach (self->closed_idle, self->shared->context);
}

static gboolean
on_close_timeout (gpointer user_data)
{
  LdWsSession *self = user_data;

  g_clear_pointer (&self->close_timer, g_source_unref);
  finish (self);
  return G_SOURCE_REMOVE;
}

static gboolean
on_writable (GObject  *stream,
             gpointer  user_data)
{
  LdWsSession *self = user_data;

  g_clear_pointer (&self->output_source, g_source_unref);
  write_pending (self);
  return G_SOURCE_REMOVE;
}

/* Writes what it can without blocking; the rest waits for the socket. */
static void
write_pending (LdWsSession *self)
{
  while (self->out_sent < self->out->len)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_pollable_output_stream_write_nonblocking (self->output,
                                                             self->out->data + self->out_sent,
                                                             self->out->len - self->out_sent,
                                                             NULL, &error);

      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          if (self->output_source != NULL || self->stopping)
            return;
          self->output_source = g_pollable_output_stream_create_source (self->output, NULL);
          g_source_set_static_name (self->output_source, "[logdeck] ws output");
          g_source_set_callback (self->output_source, G_SOURCE_FUNC (on_writable), self, NULL);
          g_source_attach (self->output_source, self->shared->context);
          return;
        }
      if (n < 0)
        {
          finish (self);
          return;
        }
      self->out_sent += n;
    }

  g_byte_array_set_size (self->out, 0);
  self->out_sent = 0;
  if (self->close_when_written)
    finish (self);
}

/* Queues one unmasked frame, as a server sends them. */
static void
send_frame (LdWsSession  *self,
            guint8        opcode,
            const guint8 *payload,
            gsize         length)
{
  guint8 header[4] = { 0x80 | opcode };
  gsize header_len = 2;

  /* Only control frames are sent, and they are at most 125 bytes. */
  g_assert (length <= 125);
  header[1] = length;

  if (self->out->len - self->out_sent > MAX_PENDING_OUTPUT)
    {
      g_autofree char *what = g_strdup_printf ("the client reads none of its pongs: over %u "
                                               "bytes wait to be sent; connection closed",
                                               MAX_PENDING_OUTPUT);

      add_problem (self, 40, what);
      self->n_errors++;
      g_free (self->last_error);
      self->last_error = g_steal_pointer (&what);
      self->final_state = LD_CONNECTION_ERROR;
      finish (self);
      return;
    }
  g_byte_array_append (self->out, header, header_len);
  g_byte_array_append (self->out, payload, length);
  write_pending (self);
}

static void
send_close (LdWsSession *self,
            guint16      code,
            const char  *reason)
{
  guint8 payload[125];
  gsize length = 2;

  payload[0] = code >> 8;
  payload[1] = code & 0xff;
  if (reason != NULL)
    {
      /* The reason is ASCII, so a cut cannot split a character. */
      length += MIN (strlen (reason), sizeof payload - 2);
      memcpy (payload + 2, reason, length - 2);
    }
  send_frame (self, 0x8, payload, length);
}

/* Starts the closing handshake: the client answers with its close frame,
 * or is cut off after a while. After a protocol error the frames that follow
 * cannot be trusted, so the connection closes as soon as ours is sent. */
static void
start_closing (LdWsSession *self,
               guint16      code,
               const char  *reason,
               gboolean     close_when_written)
{
  g_clear_pointer (&self->message, g_byte_array_unref);
  self->state = SESSION_CLOSING;
  self->close_when_written = close_when_written;
  send_close (self, code, reason);
  ld_ingest_destroy_source (&self->close_timer);
  if (self->state == SESSION_CLOSING && !self->stopping)
    {
      self->close_timer = g_timeout_source_new (CLOSE_TIMEOUT_MS);
      g_source_set_static_name (self->close_timer, "[logdeck] ws close timeout");
      g_source_set_callback (self->close_timer, on_close_timeout, self, NULL);
      g_source_attach (self->close_timer, self->shared->context);
    }
}

/* Closes with @code after a bad input, with an error record saying why. */
static void
fail (LdWsSession *self,
      guint16      code,
      const char  *reason,
      const char  *what)
{
  g_autofree char *message = g_strdup_printf ("%s; connection closed (%u)", what, code);

  add_problem (self, 40, message);
  self->n_errors++;
  g_free (self->last_error);
  self->last_error = g_steal_pointer (&message);
  self->final_state = LD_CONNECTION_ERROR;
  start_closing (self, code, reason, code == LD_WS_CLOSE_PROTOCOL_ERROR);
}

static FrameResult
protocol_error (LdWsSession *self,
                const char  *reason,
                const char  *what)
{
  fail (self, LD_WS_CLOSE_PROTOCOL_ERROR, reason, what);
  return FRAME_STOP;
}

static FrameResult
take_message (LdWsSession  *self,
              const guint8 *data,
              gsize         length)
{
  LdIngestOrigin origin = {
    .record.connection = self->id,
    .record.peer = self->peer,
    .record.protocol = LD_INGEST_PROTOCOL_WS_JSON,
    .limiter = &self->limiter,
  };
  guint n_added = 0;
  gsize bad_at;

  if (!ld_ingest_validate_utf8 ((const char *) data, length, &bad_at))
    {
      g_autofree char *what = g_strdup_printf ("a text message of %" G_GSIZE_FORMAT " bytes is "
                                               "not valid UTF-8 at byte %" G_GSIZE_FORMAT,
                                               length, bad_at);
      fail (self, LD_WS_CLOSE_BAD_DATA, "invalid UTF-8", what);
      return FRAME_STOP;
    }

  if (ld_ingest_is_blank ((const char *) data, length))
    return FRAME_TAKEN;
  if (!ld_ingest_add_json (self->batch, (const char *) data, length, &origin, &n_added, NULL))
    self->n_errors++;
  self->n_records += n_added;
  if (ld_batch_get_length (self->batch) >= LD_INGEST_MAX_BATCH)
    ld_ingest_shared_flush (self->shared, &self->batch);

  return FRAME_TAKEN;
}

static void
unmask (guint8       *payload,
        gsize         length,
        const guint8  key[4])
{
  guint64 wide;
  gsize i = 0;

  for (guint k = 0; k < 8; k++)
    ((guint8 *) &wide)[k] = key[k % 4];
  for (; i + 8 <= length; i += 8)
    {
      guint64 chunk;

      memcpy (&chunk, payload + i, 8);
      chunk ^= wide;
      memcpy (payload + i, &chunk, 8);
    }
  for (; i < length; i++)
    payload[i] ^= key[i % 4];
}

static FrameResult
take_close (LdWsSession  *self,
            const guint8 *payload,
            gsize         length)
{
  guint16 code = length >= 2 ? (payload[0] << 8 | payload[1]) : LD_WS_CLOSE_NORMAL;
  gsize bad_at;

  if (self->state == SESSION_CLOSING)
    {
      finish (self);
      return FRAME_STOP;
    }
  if (length == 1 || !ld_ingest_validate_utf8 ((const char *) payload + MIN (length, 2),
                               length - MIN (length, 2), &bad_at))
    return protocol_error (self, "bad close frame", "a bad close frame");

  /* A client going away normally is no error worth keeping. */
  if (code != LD_WS_CLOSE_NORMAL && code != LD_WS_CLOSE_GOING_AWAY)
    {
      g_free (self->last_error);
      self->last_error = g_strdup_printf ("closed by the client (%u)", code);
    }
  self->state = SESSION_CLOSING;
  self->close_when_written = TRUE;
  send_close (self, code, NULL);
  return FRAME_STOP;
}

static FrameResult
take_control (LdWsSession  *self,
              guint8        opcode,
              const guint8 *payload,
              gsize         length)
{
  switch (opcode)
    {
    case 0x8:
      return take_close (self, payload, length);
    case 0x9:
      if (self->state == SESSION_OPEN)
        send_frame (self, 0xa, payload, length);
      return self->state == SESSION_CLOSED ? FRAME_STOP : FRAME_TAKEN;
    case 0xa:
      return FRAME_TAKEN;
    default:
      return protocol_error (self, "unknown opcode", "a frame of an unknown kind");
    }
}

/* A data frame: a whole message, or a fragment of one. */
static FrameResult
take_data (LdWsSession *self,
           gboolean     fin,
           guint8      *payload,
           gsize        length)
{
  if (fin && self->message == NULL)
    return take_message (self, payload, length);

  if (self->message == NULL)
    self->message = g_byte_array_sized_new (MAX (length * 2, 4096));
  g_byte_array_append (self->message, payload, length);
  if (fin)
    {
      g_autoptr(GByteArray) message = g_steal_pointer (&self->message);

      return take_message (self, message->data, message->len);
    }

  return FRAME_TAKEN;
}

/* Bad headers are refused before their payload is waited for. A refused
 * data frame is still read past, however long, so that the client's answer
 * to our close frame is seen after it. */
static FrameResult
check_header (LdWsSession *self,
              guint8       first,
              guint8       second,
              guint64      length)
{
  guint8 opcode = first & 0x0f;
  gboolean control = (opcode & 0x8) != 0;
  guint64 so_far = self->message != NULL ? self->message->len : 0;
  guint32 limit = self->shared->max_frame_size;
  g_autofree char *what = NULL;

  if ((first & 0x70) != 0)
    return protocol_error (self, "reserved bits set", "a frame with reserved bits set");
  if ((second & 0x80) == 0)
    return protocol_error (self, "unmasked frame", "an unmasked frame from the client");
  if (length > G_MAXINT64)
    return protocol_error (self, "bad length", "a frame length with its highest bit set");
  if (control && (!(first & 0x80) || length > 125))
    return protocol_error (self, "bad control frame", "a fragmented or long control frame");
  if (!control && opcode > 0x2)
    return protocol_error (self, "unknown opcode", "a frame of an unknown kind");
  if (control)
    return FRAME_TAKEN;
  if (self->state != SESSION_OPEN)
    return FRAME_SKIP;

  if ((opcode == 0) != (self->message != NULL))
    return protocol_error (self, "bad fragment", "a fragment out of order");
  if (opcode == 0x2)
    {
      fail (self, LD_WS_CLOSE_UNSUPPORTED, "binary messages are not supported",
            "a binary message, but Logdeck takes JSON records as text messages "
            "(Fluent Bit: format json_lines)");
      return FRAME_SKIP;
    }
  if (length > limit || so_far + length > limit)
    {
      what = g_strdup_printf ("a message of %s%" G_GUINT64_FORMAT " bytes is over the limit of "
                              "%u bytes", so_far > 0 ? "more than " : "", so_far + length, limit);
      fail (self, LD_WS_CLOSE_TOO_BIG, "message too big", what);
      return FRAME_SKIP;
    }

  return FRAME_TAKEN;
}

/* Drops what has arrived of a refused frame. */
static FrameResult
discard_refused (LdWsSession *self)
{
  gsize take = MIN (self->discard, self->end - self->start);

  self->start += take;
  self->discard -= take;
  return self->discard > 0 ? FRAME_NEED_MORE : FRAME_TAKEN;
}

/* Makes room to read more, and to hold a whole frame of @frame_size bytes. */
static void
ensure_space (LdWsSession *self,
              gsize        frame_size)
{
  gsize pending = self->end - self->start;
  gsize wanted = MAX (pending + MIN_READ, frame_size);

  if (self->capacity - self->end >= MIN_READ && self->capacity - self->start >= frame_size)
    return;

  memmove (self->buffer, self->buffer + self->start, pending);
  self->start = 0;
  self->end = pending;
  if (self->capacity < wanted)
    {
      self->capacity = MAX (wanted, self->capacity * 2);
      self->buffer = g_realloc (self->buffer, self->capacity);
    }
}

/* The header's length and the payload's, once the whole header is here. */
static gboolean
read_header (LdWsSession *self,
             gsize       *header_len,
             guint64     *length)
{
  const guint8 *frame = self->buffer + self->start;
  gsize available = self->end - self->start;

  if (available < 2)
    return FALSE;

  *header_len = 2;
  *length = frame[1] & 0x7f;
  if (*length >= 126)
    {
      *header_len += *length == 126 ? 2 : 8;
      if (available < *header_len)
        return FALSE;
      *length = 0;
      for (gsize i = 2; i < *header_len; i++)
        *length = *length << 8 | frame[i];
    }
  /* The client's masking key. */
  *header_len += 4;

  return available >= *header_len;
}

static FrameResult
take_frame (LdWsSession *self)
{
  guint8 *frame = self->buffer + self->start;
  gsize header_len;
  guint64 length;
  FrameResult result;

  if (self->discard > 0)
    return discard_refused (self);
  if (!read_header (self, &header_len, &length))
    return FRAME_NEED_MORE;

  result = check_header (self, frame[0], frame[1], length);
  if (result == FRAME_SKIP && self->state != SESSION_CLOSED)
    {
      self->discard = header_len + length;
      return discard_refused (self);
    }
  if (result != FRAME_TAKEN)
    return FRAME_STOP;
  if (self->end - self->start - header_len < length)
    {
      ensure_space (self, header_len + length);
      return FRAME_NEED_MORE;
    }

  unmask (frame + header_len, length, frame + header_len - 4);
  self->start += header_len + length;
  if (frame[0] & 0x08)
    return take_control (self, frame[0] & 0x0f, frame + header_len, length);

  return take_data (self, (frame[0] & 0x80) != 0, frame + header_len, length);
}

typedef enum
{
  READ_AGAIN,
  READ_EOF,
  READ_STOP,
} ReadResult;

static ReadResult
read_available (LdWsSession *self,
                gsize        budget)
{
  gsize total = 0;

  while (total < budget)
    {
      g_autoptr(GError) error = NULL;
      gsize room;
      gssize n;

      ensure_space (self, 0);
      room = self->capacity - self->end;
      n = g_pollable_input_stream_read_nonblocking (self->input, self->buffer + self->end, room,
                                                    NULL, &error);
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return READ_AGAIN;
      if (n <= 0)
        return READ_EOF;

      self->end += n;
      self->n_bytes += n;
      self->last_heard = g_get_monotonic_time ();
      total += n;
      while (take_frame (self) == FRAME_TAKEN)
        ;
      if (self->state == SESSION_CLOSED)
        return READ_STOP;
      if ((gsize) n == room && self->capacity < MAX_READ_AHEAD)
        {
          self->capacity *= 2;
          self->buffer = g_realloc (self->buffer, self->capacity);
        }
    }

  return READ_AGAIN;
}

/* A session that has started a message must finish it in time. Between
 * messages it may stay as long as records come; pongs alone do not count,
 * so a client that only answers pings is closed after the idle timeout,
 * and may be closed first to make room. */
static void
update_deadline (LdWsSession *self)
{
  const LdListenLimits *limits = &self->shared->listen;

  if (self->guard == NULL || self->state != SESSION_OPEN)
    return;
  gboolean progress = self->n_records + self->n_errors != self->n_progress;

  self->n_progress = self->n_records + self->n_errors;
  if (self->n_records > 0)
    ld_guard_set_proven (&self->entry);
  /* The deadline is for the message in progress: each message taken
   * starts the clock again for the next. */
  if (self->start != self->end || (self->message != NULL && self->message->len > 0)
      || self->discard > 0)
    ld_guard_set_busy (&self->entry, limits->body_timeout_us, "a message was not finished in time",
                       progress);
  else if (self->entry.idle_since == 0 || self->n_records != self->n_records_seen)
    {
      self->n_records_seen = self->n_records;
      ld_guard_set_idle (&self->entry, limits->idle_timeout_us, "idle for too long");
    }
}

static void
on_expired (LdGuardEntry *entry,
            const char   *why)
{
  LdWsSession *self = (LdWsSession *) entry;
  g_autofree char *what = g_strdup_printf ("connection closed: %s", why);

  ld_guard_remove (entry);
  /* Already saying goodbye, and the client is not listening: end it. */
  if (self->state != SESSION_OPEN)
    {
      finish (self);
      return;
    }
  add_problem (self, 30, what);
  g_free (self->last_error);
  self->last_error = g_strdup (why);
  start_closing (self, LD_WS_CLOSE_GOING_AWAY, "timeout", TRUE);
  ld_ingest_shared_flush (self->shared, &self->batch);
}

static gboolean
on_readable (GObject  *stream,
             gpointer  user_data)
{
  LdWsSession *self = user_data;

  g_clear_pointer (&self->input_source, g_source_unref);
  switch (read_available (self, READ_BUDGET))
    {
    case READ_EOF:
      if (self->state == SESSION_OPEN && self->last_error == NULL)
        self->last_error = g_strdup ("the client closed the connection without a close frame");
      finish (self);
      break;

    case READ_AGAIN:
      ld_ingest_shared_flush (self->shared, &self->batch);
      ld_report_pacer_progress (&self->pacer);
      update_deadline (self);
      start_reading (self);
      break;

    case READ_STOP:
    default:
      break;
    }

  /* A source made for a buffered stream fires at once, so each read makes
   * a new one, as libsoup does. */
  return G_SOURCE_REMOVE;
}

static void
start_reading (LdWsSession *self)
{
  if (self->state == SESSION_CLOSED)
    return;

  self->input_source = g_pollable_input_stream_create_source (self->input, NULL);
  g_source_set_static_name (self->input_source, "[logdeck] ws input");
  g_source_set_callback (self->input_source, G_SOURCE_FUNC (on_readable), self, NULL);
  g_source_attach (self->input_source, self->shared->context);
}

/* A ping every interval keeps proxies from closing an idle connection, and
 * a client that has sent nothing, not even a pong, for two intervals is
 * gone. The counts also reach the sources panel here when a client is idle. */
static gboolean
on_keepalive (gpointer user_data)
{
  LdWsSession *self = user_data;
  gint64 silent = g_get_monotonic_time () - self->last_heard;

  if (self->state != SESSION_OPEN)
    return G_SOURCE_CONTINUE;
  report (self, LD_CONNECTION_OPEN);
  if (silent > 2 * LD_WS_KEEPALIVE_INTERVAL * G_USEC_PER_SEC)
    {
      g_clear_pointer (&self->keepalive, g_source_unref);
      add_problem (self, 30, "no answer to keepalive pings; connection closed");
      g_free (self->last_error);
      self->last_error = g_strdup ("no answer to keepalive pings");
      start_closing (self, LD_WS_CLOSE_GOING_AWAY, "keepalive timeout", TRUE);
      return G_SOURCE_REMOVE;
    }

  send_frame (self, 0x9, (const guint8 *) "logdeck", 7);
  return G_SOURCE_CONTINUE;
}

/**
 * ld_ws_session_new:
 * @shared: what the ingest thread's listeners share
 * @stream: the upgraded connection, as libsoup's server gave it up
 * @id: the session's id, such as "ws-3"
 * @peer: the client's address, or the one X-Forwarded-For named
 * @closed_func: called once the session has closed, from an idle callback
 *
 * Returns: (transfer full): the session, not yet reading
 */
LdWsSession *
ld_ws_session_new (LdIngestShared        *shared,
                   GIOStream             *stream,
                   const char            *id,
                   const char            *peer,
                   GSocket               *socket,
                   LdGuard               *guard,
                   LdWsSessionClosedFunc  closed_func,
                   gpointer               user_data)
{
  LdWsSession *self = g_new0 (LdWsSession, 1);

  self->shared = shared;
  ld_report_pacer_init (&self->pacer, shared, "[logdeck] ws counts", report_counts, self);
  self->stream = g_object_ref (stream);
  self->input = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (stream));
  self->output = G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (stream));
  self->id = g_strdup (id);
  self->peer = g_strdup (peer);
  self->capacity = INITIAL_BUFFER;
  self->buffer = g_malloc (self->capacity);
  self->out = g_byte_array_new ();
  self->batch = ld_batch_new ();
  self->final_state = LD_CONNECTION_CLOSED;
  self->closed_func = closed_func;
  self->user_data = user_data;
  self->guard = guard;
  self->socket = socket != NULL ? g_object_ref (socket) : NULL;
  ld_problem_limiter_init (&self->limiter, &shared->problems);

  return self;
}

void
ld_ws_session_start (LdWsSession *self)
{
  self->since = g_get_real_time ();
  self->last_heard = g_get_monotonic_time ();
  report (self, LD_CONNECTION_OPEN);
  if (self->guard != NULL)
    ld_guard_add (self->guard, &self->entry, on_expired);

  self->keepalive = g_timeout_source_new_seconds (LD_WS_KEEPALIVE_INTERVAL);
  g_source_set_static_name (self->keepalive, "[logdeck] ws keepalive");
  g_source_set_callback (self->keepalive, on_keepalive, self, NULL);
  g_source_attach (self->keepalive, self->shared->context);
  start_reading (self);
}

/**
 * ld_ws_session_stop:
 * @self: a session
 *
 * Takes the messages the client had already sent, says goodbye (1001), and
 * closes, without waiting for the client. The owner frees the session.
 */
void
ld_ws_session_stop (LdWsSession *self)
{
  self->stopping = TRUE;
  ld_ingest_destroy_source (&self->closed_idle);
  if (self->state == SESSION_CLOSED)
    return;

  read_available (self, STOP_BUDGET);
  if (self->state == SESSION_OPEN)
    send_close (self, LD_WS_CLOSE_GOING_AWAY, "Logdeck stopped");
  finish (self);
}

void
ld_ws_session_free (LdWsSession *self)
{
  if (self == NULL)
    return;

  g_assert (self->input_source == NULL && self->output_source == NULL);
  g_assert (self->keepalive == NULL && self->close_timer == NULL && self->pacer.timer == NULL);
  ld_guard_remove (&self->entry);
  g_clear_object (&self->socket);
  ld_ingest_destroy_source (&self->closed_idle);
  g_clear_pointer (&self->message, g_byte_array_unref);
  g_byte_array_unref (self->out);
  ld_batch_free (self->batch);
  g_object_unref (self->stream);
  g_free (self->buffer);
  g_free (self->last_error);
  g_free (self->peer);
  g_free (self->id);
  g_free (self);
}

guint64
ld_ws_session_get_n_records (LdWsSession *self)
{
  return self->n_records;
}

guint64
ld_ws_session_get_n_bytes (LdWsSession *self)
{
  return self->n_bytes;
}

guint64
ld_ws_session_get_n_errors (LdWsSession *self)
{
  return self->n_errors;
}
