// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ingest"

#include "config.h"

#include "ld-message-source.h"
#include "ld-stream-source.h"
#include "ld-syslog-source.h"
#include "ld-syslog.h"

/* Syslog over TCP and UDP: the core's RFC 6587 framer and message parser
 * behind the shared message transport (ld-message-source.c). */

static gpointer
syslog_framer_new (void)
{
  return ld_syslog_framer_new (LD_SYSLOG_DEFAULT_MAX_MESSAGE);
}

static void
syslog_framer_free (gpointer framer)
{
  ld_syslog_framer_free (framer);
}

static void
syslog_framer_push (gpointer    framer,
                    const char *data,
                    gsize       length)
{
  ld_syslog_framer_push (framer, data, length);
}

static gboolean
syslog_framer_next (gpointer      framer,
                    const char  **message,
                    gsize        *length,
                    GError      **error)
{
  return ld_syslog_framer_next (framer, message, length, error);
}

static gsize
syslog_framer_pending (gpointer framer)
{
  return ld_syslog_framer_get_pending (framer);
}

/* The parser keeps no state between messages. */
static gpointer
syslog_decoder_new (LdIngestShared *shared)
{
  return NULL;
}

static void
syslog_decoder_free (gpointer decoder)
{
}

static gboolean
syslog_decode (gpointer               decoder,
               LdBatch               *batch,
               const char            *message,
               gsize                  length,
               const LdRecordOrigin  *origin,
               GError               **error)
{
  /* A datagram may end in the newline a line-minded sender adds. */
  while (length > 0 && (message[length - 1] == '\n' || message[length - 1] == '\0'))
    length--;
  if (length > LD_SYSLOG_DEFAULT_MAX_MESSAGE)
    {
      g_set_error (error, LD_SYSLOG_ERROR, LD_SYSLOG_ERROR_TOO_LONG,
                   "a message of %" G_GSIZE_FORMAT " bytes is over the limit of %u bytes",
                   length, LD_SYSLOG_DEFAULT_MAX_MESSAGE);
      return FALSE;
    }
  return ld_syslog_parse (batch, message, length, origin, error);
}

static const LdMessageProtocol syslog_protocol = {
  .connection_kind = "syslog",
  .tcp_protocol = LD_INGEST_PROTOCOL_SYSLOG_TCP,
  .udp_protocol = LD_INGEST_PROTOCOL_SYSLOG_UDP,
  .framer_new = syslog_framer_new,
  .framer_free = syslog_framer_free,
  .framer_push = syslog_framer_push,
  .framer_next = syslog_framer_next,
  .framer_pending = syslog_framer_pending,
  .decoder_new = syslog_decoder_new,
  .decoder_free = syslog_decoder_free,
  .decode = syslog_decode,
};

/* Both kinds run on the shared message transport's functions. The TCP
 * endpoint takes the protocol's own name, as the settings and
 * ld_ingest_get_bound_port() know it; the UDP one shares its port. */
static const LdSourceClass syslog_tcp_class = {
  .kind = "syslog",
  .start = ld_stream_listener_start,
  .stop = ld_stream_listener_stop,
  .finalize = ld_message_tcp_source_finalize,
  .protocol = LD_INGEST_PROTOCOL_SYSLOG_TCP,
  .protection = LD_PROTECTED_BY_TLS,
  .socket_type = G_SOCKET_TYPE_STREAM,
};

static const LdSourceClass syslog_udp_class = {
  .kind = "syslog-udp",
  .start = ld_message_udp_source_start,
  .stop = ld_message_udp_source_stop,
  .finalize = ld_message_udp_source_finalize,
  .protocol = LD_INGEST_PROTOCOL_SYSLOG_UDP,
  .protection = LD_PROTECTED_BY_NOTHING,
  .socket_type = G_SOCKET_TYPE_DATAGRAM,
};

/**
 * ld_syslog_tcp_source_new:
 *
 * Makes ld_ingest_add_syslog()'s TCP endpoint, "syslog" (then
 * "syslog.2"…), whose connections are "syslog-1", "syslog-2"…
 *
 * Returns: (nullable): the source, not yet accepting
 */
LdSource *
ld_syslog_tcp_source_new (LdIngestShared *shared,
                          const char     *address,
                          guint16         port,
                          GError        **error)
{
  return ld_message_tcp_source_new (&syslog_tcp_class, &syslog_protocol, shared,
                                    address, port, error);
}

/**
 * ld_syslog_udp_source_new:
 *
 * Makes ld_ingest_add_syslog()'s UDP endpoint, "syslog-udp" (then
 * "syslog-udp.2"…), which its records name as their connection.
 *
 * Returns: (nullable): the source, not yet receiving
 */
LdSource *
ld_syslog_udp_source_new (LdIngestShared *shared,
                          const char     *address,
                          guint16         port,
                          GError        **error)
{
  return ld_message_udp_source_new (&syslog_udp_class, &syslog_protocol, shared,
                                    address, port, error);
}
