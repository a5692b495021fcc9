// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ld-ingest-private.h"

G_BEGIN_DECLS

/* A UDP endpoint receiving logging.handlers.DatagramHandler's datagrams:
 * each one a 4-byte big-endian length and a pickle. */
typedef struct _LdUdpListener LdUdpListener;

LdUdpListener *ld_udp_listener_new          (LdIngestShared *shared,
                                             const char     *id,
                                             const char     *address,
                                             guint16         port,
                                             GError        **error);
void           ld_udp_listener_start        (LdUdpListener  *self);
void           ld_udp_listener_stop         (LdUdpListener  *self);
void           ld_udp_listener_free         (LdUdpListener  *self);
guint16        ld_udp_listener_get_port     (LdUdpListener  *self);
const char    *ld_udp_listener_get_address  (LdUdpListener  *self);

G_END_DECLS
