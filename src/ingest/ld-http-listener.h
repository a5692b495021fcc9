// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ld-ingest-private.h"

G_BEGIN_DECLS

/* The HTTP endpoint: libsoup's server on the ingest thread, with WebSocket
 * sessions on /ws and HTTPHandler's and shippers' requests on /log. */
typedef struct _LdHttpListener LdHttpListener;

#define LD_HTTP_PATH_WS  "/ws"
#define LD_HTTP_PATH_LOG "/log"

LdHttpListener *ld_http_listener_new       (LdIngestShared *shared,
                                            const char     *id,
                                            const char     *address,
                                            guint16         port,
                                            GError        **error);
gboolean        ld_http_listener_start     (LdHttpListener *self);
void            ld_http_listener_stop      (LdHttpListener *self);
void            ld_http_listener_free      (LdHttpListener *self);
guint16         ld_http_listener_get_port  (LdHttpListener *self);

G_END_DECLS
