// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ld-source.h"

G_BEGIN_DECLS

/* GELF's two endpoints on one port: UDP, plain, zlib or gzip datagrams and
 * chunked messages reassembled (see ld-gelf.h), and TCP, uncompressed
 * messages each ended by a NUL byte. */

LdSource *ld_gelf_tcp_source_new (LdIngestShared *shared,
                                  const char     *address,
                                  guint16         port,
                                  GError        **error);
LdSource *ld_gelf_udp_source_new (LdIngestShared *shared,
                                  const char     *address,
                                  guint16         port,
                                  GError        **error);

G_END_DECLS
