// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ld-ingest-private.h"

G_BEGIN_DECLS

/* `logdeck --connect ws://HOST:PORT/PATH`: a WebSocket client that takes
 * the log records a server streams, such as Grafana Loki's tail endpoint,
 * and reconnects when the connection is lost. */
typedef struct _LdWsClient LdWsClient;

#define LD_WS_CLIENT_MIN_BACKOFF_MS 1000
#define LD_WS_CLIENT_MAX_BACKOFF_MS 30000

LdWsClient *ld_ws_client_new    (LdIngestShared *shared,
                                 const char     *id,
                                 const char     *uri,
                                 GError        **error);
gboolean    ld_ws_client_start  (LdWsClient     *self);
void        ld_ws_client_stop   (LdWsClient     *self);
void        ld_ws_client_free   (LdWsClient     *self);

G_END_DECLS
