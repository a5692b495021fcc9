// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ld-source.h"

G_BEGIN_DECLS

/* A UDP endpoint receiving logging.handlers.DatagramHandler's datagrams:
 * each one a 4-byte big-endian length and a pickle. */

LdSource *ld_udp_source_new (LdIngestShared *shared,
                             const char     *address,
                             guint16         port,
                             GError        **error);

G_END_DECLS
