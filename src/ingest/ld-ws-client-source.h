// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ld-source.h"

G_BEGIN_DECLS

/* `logdeck --connect ws://HOST:PORT/PATH`: a WebSocket client that takes
 * the log records a server streams, such as Grafana Loki's tail endpoint,
 * and reconnects when the connection is lost. */

#define LD_WS_CLIENT_MIN_BACKOFF_MS 1000
#define LD_WS_CLIENT_MAX_BACKOFF_MS 30000

LdSource *ld_ws_client_source_new (LdIngestShared *shared,
                                   const char     *uri,
                                   GError        **error);

G_END_DECLS
