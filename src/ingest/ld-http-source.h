// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ld-source.h"

G_BEGIN_DECLS

/* The HTTP endpoint: libsoup's server on the ingest thread, with WebSocket
 * sessions on /ws and HTTPHandler's and shippers' requests on /log. */

#define LD_HTTP_PATH_WS  "/ws"
#define LD_HTTP_PATH_LOG "/log"

LdSource *ld_http_source_new (LdIngestShared *shared,
                              const char     *address,
                              guint16         port,
                              GError        **error);

G_END_DECLS
