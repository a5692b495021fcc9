// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ld-source.h"

G_BEGIN_DECLS

/* A TCP endpoint receiving logging.handlers.SocketHandler's stream: frames
 * of a 4-byte big-endian length and a pickle, over many connections. A
 * connection whose first byte is "{" or "[" speaks JSON lines instead, as a
 * QueueHandler writing json.dumps(record.__dict__) lines does. With a
 * certificate it speaks TLS only (ld_ingest_set_security()). */

LdSource *ld_tcp_source_new (LdIngestShared *shared,
                             const char     *address,
                             guint16         port,
                             GError        **error);

G_END_DECLS
