// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ingest"

#include "config.h"

#include <string.h>

#include "ld-gelf-source.h"
#include "ld-gelf.h"
#include "ld-message-source.h"
#include "ld-stream-source.h"

/* GELF over UDP and TCP: the core's decoder and chunk assembler behind the
 * shared message transport (ld-message-source.c). TCP carries one message
 * per NUL-ended frame, which the small framer here splits. */

#define GELF_ERROR_FRAME "a message over the size limit without its NUL byte"

/* ---- NUL-delimited framing ---------------------------------------------- */

typedef struct
{
  GByteArray *buffer;
  gsize       consumed;   /* bytes at the start handed out already */
  gsize       scanned;    /* bytes after @consumed known to hold no NUL */
  gboolean    failed;
} GelfFramer;

static gpointer
gelf_framer_new (void)
{
  GelfFramer *framer = g_new0 (GelfFramer, 1);

  framer->buffer = g_byte_array_new ();
  return framer;
}

static void
gelf_framer_free (gpointer data)
{
  GelfFramer *framer = data;

  g_byte_array_unref (framer->buffer);
  g_free (framer);
}

static void
gelf_framer_push (gpointer    data,
                  const char *bytes,
                  gsize       length)
{
  GelfFramer *framer = data;

  if (framer->consumed > 0)
    {
      g_byte_array_remove_range (framer->buffer, 0, framer->consumed);
      framer->consumed = 0;
    }
  g_byte_array_append (framer->buffer, (const guint8 *) bytes, length);
}

static gboolean
gelf_framer_next (gpointer      data,
                  const char  **message,
                  gsize        *length,
                  GError      **error)
{
  GelfFramer *framer = data;

  while (!framer->failed)
    {
      const char *start = (const char *) framer->buffer->data + framer->consumed;
      gsize pending = framer->buffer->len - framer->consumed;
      const char *nul = memchr (start + framer->scanned, '\0', pending - framer->scanned);

      if (nul == NULL)
        {
          framer->scanned = pending;
          if (pending <= LD_GELF_DEFAULT_MAX_SIZE)
            return FALSE;
          framer->failed = TRUE;
          g_set_error_literal (error, LD_GELF_ERROR, LD_GELF_ERROR_TOO_LARGE, GELF_ERROR_FRAME);
          return FALSE;
        }

      framer->consumed += nul - start + 1;
      framer->scanned = 0;
      /* A newline some senders add after the NUL is no message. */
      if (!ld_ingest_is_blank (start, nul - start))
        {
          *message = start;
          *length = nul - start;
          return TRUE;
        }
    }

  return FALSE;
}

static gsize
gelf_framer_pending (gpointer data)
{
  GelfFramer *framer = data;
  const char *start = (const char *) framer->buffer->data + framer->consumed;
  gsize pending = framer->buffer->len - framer->consumed;

  return ld_ingest_is_blank (start, pending) ? 0 : pending;
}

/* ---- decoding ------------------------------------------------------------ */

typedef struct
{
  LdJsonParser    *parser;
  LdGelfAssembler *assembler;
  guint64          evicted_reported;
} GelfDecoder;

static gpointer
gelf_decoder_new (LdIngestShared *shared)
{
  GelfDecoder *decoder = g_new0 (GelfDecoder, 1);

  decoder->parser = ld_json_parser_new ();
  decoder->assembler = ld_gelf_assembler_new (LD_GELF_DEFAULT_MAX_PENDING,
                                              LD_GELF_CHUNK_TIMEOUT_US);
  return decoder;
}

static void
gelf_decoder_free (gpointer data)
{
  GelfDecoder *decoder = data;

  ld_json_parser_free (decoder->parser);
  ld_gelf_assembler_free (decoder->assembler);
  g_free (decoder);
}

static gboolean
gelf_decode (gpointer               data,
             LdBatch               *batch,
             const char            *message,
             gsize                  length,
             const LdRecordOrigin  *origin,
             GError               **error)
{
  GelfDecoder *decoder = data;

  return ld_gelf_decode (batch, decoder->parser, message, length, 0, origin, error);
}

static gboolean
gelf_datagram (gpointer               data,
               LdBatch               *batch,
               const char            *datagram,
               gsize                  length,
               gint64                 now_us,
               const LdRecordOrigin  *origin,
               GError               **error)
{
  GelfDecoder *decoder = data;
  g_autoptr(GBytes) message = NULL;
  gsize size;
  const char *bytes;

  switch (ld_gelf_assembler_add (decoder->assembler, datagram, length, now_us, &message, error))
    {
    case LD_GELF_CHUNK_NOT_CHUNKED:
      return gelf_decode (decoder, batch, datagram, length, origin, error);

    case LD_GELF_CHUNK_COMPLETE:
      bytes = g_bytes_get_data (message, &size);
      return gelf_decode (decoder, batch, bytes, size, origin, error);

    case LD_GELF_CHUNK_PENDING:
      return TRUE;

    case LD_GELF_CHUNK_REFUSED:
    default:
      return FALSE;
    }
}

/* While parts of messages are held, their time limit is checked every second. */
static gint64
gelf_next_deadline (gpointer data)
{
  GelfDecoder *decoder = data;
  LdGelfAssemblerStats stats;

  ld_gelf_assembler_get_stats (decoder->assembler, &stats);
  if (stats.pending == 0)
    return 0;
  return g_get_monotonic_time () + G_USEC_PER_SEC;
}

static char *
gelf_expire (gpointer data,
             gint64   now_us)
{
  GelfDecoder *decoder = data;
  guint expired = ld_gelf_assembler_expire (decoder->assembler, now_us);
  LdGelfAssemblerStats stats;
  guint64 evicted;

  ld_gelf_assembler_get_stats (decoder->assembler, &stats);
  evicted = stats.evicted - decoder->evicted_reported;
  decoder->evicted_reported = stats.evicted;
  if (expired == 0 && evicted == 0)
    return NULL;

  if (evicted == 0)
    return g_strdup_printf ("%u chunked messages dropped incomplete after %d s", expired,
                            (int) (LD_GELF_CHUNK_TIMEOUT_US / G_USEC_PER_SEC));
  return g_strdup_printf ("%u chunked messages dropped incomplete after %d s, and %"
                          G_GUINT64_FORMAT " for the limit of %d MiB held for incomplete ones",
                          expired, (int) (LD_GELF_CHUNK_TIMEOUT_US / G_USEC_PER_SEC), evicted,
                          LD_GELF_DEFAULT_MAX_PENDING / (1024 * 1024));
}

static const LdMessageProtocol gelf_protocol = {
  .connection_kind = "gelf",
  .tcp_protocol = LD_INGEST_PROTOCOL_GELF_TCP,
  .udp_protocol = LD_INGEST_PROTOCOL_GELF_UDP,
  .framer_new = gelf_framer_new,
  .framer_free = gelf_framer_free,
  .framer_push = gelf_framer_push,
  .framer_next = gelf_framer_next,
  .framer_pending = gelf_framer_pending,
  .decoder_new = gelf_decoder_new,
  .decoder_free = gelf_decoder_free,
  .decode = gelf_decode,
  .datagram = gelf_datagram,
  .next_deadline = gelf_next_deadline,
  .expire = gelf_expire,
};

/* Both kinds run on the shared message transport's functions. The TCP
 * endpoint takes the protocol's own name, as the settings and
 * ld_ingest_get_bound_port() know it; the UDP one shares its port. */
static const LdSourceClass gelf_tcp_class = {
  .kind = "gelf",
  .start = ld_stream_listener_start,
  .stop = ld_stream_listener_stop,
  .finalize = ld_message_tcp_source_finalize,
  .protocol = LD_INGEST_PROTOCOL_GELF_TCP,
  .protection = LD_PROTECTED_BY_TLS,
  .socket_type = G_SOCKET_TYPE_STREAM,
};

static const LdSourceClass gelf_udp_class = {
  .kind = "gelf-udp",
  .start = ld_message_udp_source_start,
  .stop = ld_message_udp_source_stop,
  .finalize = ld_message_udp_source_finalize,
  .protocol = LD_INGEST_PROTOCOL_GELF_UDP,
  .protection = LD_PROTECTED_BY_NOTHING,
  .socket_type = G_SOCKET_TYPE_DATAGRAM,
};

/**
 * ld_gelf_tcp_source_new:
 *
 * Makes ld_ingest_add_gelf()'s TCP endpoint, "gelf" (then
 * "gelf.2"…), whose connections are "gelf-1", "gelf-2"…
 *
 * Returns: (nullable): the source, not yet accepting
 */
LdSource *
ld_gelf_tcp_source_new (LdIngestShared *shared,
                        const char     *address,
                        guint16         port,
                        GError        **error)
{
  return ld_message_tcp_source_new (&gelf_tcp_class, &gelf_protocol, shared, address, port,
                                    error);
}

/**
 * ld_gelf_udp_source_new:
 *
 * Makes ld_ingest_add_gelf()'s UDP endpoint, "gelf-udp" (then
 * "gelf-udp.2"…), which its records name as their connection.
 *
 * Returns: (nullable): the source, not yet receiving
 */
LdSource *
ld_gelf_udp_source_new (LdIngestShared *shared,
                        const char     *address,
                        guint16         port,
                        GError        **error)
{
  return ld_message_udp_source_new (&gelf_udp_class, &gelf_protocol, shared, address, port,
                                    error);
}
