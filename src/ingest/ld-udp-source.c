// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ingest"

#include "config.h"

#include <string.h>

#include "ld-message-source.h"
#include "ld-pyrecord.h"
#include "ld-udp-source.h"

/* DatagramHandler's datagrams: each is a 4-byte big-endian length and a
 * pickle of that length. The endpoint is a message source's UDP half (see
 * ld-message-source.c): a bad datagram is counted on the endpoint and
 * reported, rate-limited, since a sender (or an attacker) can send
 * thousands a second. */

static gpointer
pickle_decoder_new (LdIngestShared *shared)
{
  /* Read-only once the ingest thread runs. */
  return &shared->limits;
}

static void
pickle_decoder_free (gpointer decoder)
{
}

static gboolean
pickle_decode (gpointer               decoder,
               LdBatch               *batch,
               const char            *data,
               gsize                  length,
               const LdRecordOrigin  *origin,
               GError               **error)
{
  const LdPickleLimits *limits = decoder;
  guint32 prefix = 0;

  if (length >= 4)
    {
      memcpy (&prefix, data, 4);
      prefix = GUINT32_FROM_BE (prefix);
    }

  if (length < 4 || prefix != length - 4)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "its length prefix says %u bytes, but %" G_GSIZE_FORMAT " bytes follow it",
                   prefix, length < 4 ? 0 : length - 4);
      return FALSE;
    }
  if (prefix == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "the pickle is empty");
      return FALSE;
    }

  return ld_pyrecord_add_pickle (batch, (const guint8 *) data + 4, prefix, limits, origin, error);
}

static const LdMessageProtocol pickle_datagrams = {
  .udp_protocol = LD_INGEST_PROTOCOL_UDP_PICKLE,
  .decoder_new = pickle_decoder_new,
  .decoder_free = pickle_decoder_free,
  .decode = pickle_decode,
};

static const LdSourceClass udp_source_class = {
  .kind = "udp",
  .start = ld_message_udp_source_start,
  .stop = ld_message_udp_source_stop,
  .finalize = ld_message_udp_source_finalize,
  .protocol = LD_INGEST_PROTOCOL_UDP_PICKLE,
  .protection = LD_PROTECTED_BY_NOTHING,
  .socket_type = G_SOCKET_TYPE_DATAGRAM,
};

/**
 * ld_udp_source_new:
 *
 * Makes ld_ingest_add_udp()'s endpoint, "udp" or "udp.2"…, which its
 * records name as their connection; it binds at once.
 *
 * Returns: (nullable): the source, not yet receiving
 */
LdSource *
ld_udp_source_new (LdIngestShared *shared,
                   const char     *address,
                   guint16         port,
                   GError        **error)
{
  return ld_message_udp_source_new (&udp_source_class, &pickle_datagrams, shared, address, port,
                                    error);
}
