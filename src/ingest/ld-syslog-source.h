// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ld-source.h"

G_BEGIN_DECLS

/* Syslog's two endpoints on one port: TCP, framed per connection as RFC 6587
 * allows (octet counting or LF-terminated), and UDP, one message a datagram.
 * Messages are RFC 5424 or RFC 3164 (see ld-syslog.h). */

LdSource *ld_syslog_tcp_source_new (LdIngestShared *shared,
                                    const char     *address,
                                    guint16         port,
                                    GError        **error);
LdSource *ld_syslog_udp_source_new (LdIngestShared *shared,
                                    const char     *address,
                                    guint16         port,
                                    GError        **error);

G_END_DECLS
