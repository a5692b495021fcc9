// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ld-ingest-private.h"

G_BEGIN_DECLS

/* A TCP endpoint receiving logging.handlers.SocketHandler's stream: frames
 * of a 4-byte big-endian length and a pickle, over many connections. */
typedef struct _LdTcpListener LdTcpListener;

LdTcpListener *ld_tcp_listener_new          (LdIngestShared *shared,
                                             const char     *id,
                                             const char     *address,
                                             guint16         port,
                                             GError        **error);
void           ld_tcp_listener_start        (LdTcpListener  *self);
void           ld_tcp_listener_stop         (LdTcpListener  *self);
void           ld_tcp_listener_free         (LdTcpListener  *self);
guint16        ld_tcp_listener_get_port     (LdTcpListener  *self);
const char    *ld_tcp_listener_get_address  (LdTcpListener  *self);

G_END_DECLS
