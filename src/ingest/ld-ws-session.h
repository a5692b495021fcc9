// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ld-ingest-private.h"
#include "ld-listen-guard.h"

G_BEGIN_DECLS

/* One WebSocket session on the /ws endpoint, after libsoup's server has
 * answered the upgrade request: it reads the client's frames, and takes each
 * text message as JSON log records. */
typedef struct _LdWsSession LdWsSession;

/* Called on the ingest thread when the session has closed; the callback may
 * free it. */
typedef void (*LdWsSessionClosedFunc) (LdWsSession *session,
                                       gpointer     user_data);

/* Close codes of RFC 6455, section 7.4.1. */
#define LD_WS_CLOSE_NORMAL          1000
#define LD_WS_CLOSE_GOING_AWAY      1001
#define LD_WS_CLOSE_PROTOCOL_ERROR  1002
#define LD_WS_CLOSE_UNSUPPORTED     1003
#define LD_WS_CLOSE_BAD_DATA        1007
#define LD_WS_CLOSE_TOO_BIG         1009
#define LD_WS_CLOSE_SERVER_ERROR    1011

/* Seconds between two keepalive pings; a client that answers nothing for two
 * intervals is taken for gone. */
#define LD_WS_KEEPALIVE_INTERVAL    20

LdWsSession *ld_ws_session_new         (LdIngestShared        *shared,
                                        GIOStream             *stream,
                                        const char            *id,
                                        const char            *peer,
                                        GSocket               *socket,
                                        LdGuard               *guard,
                                        LdWsSessionClosedFunc  closed_func,
                                        gpointer               user_data);
void         ld_ws_session_start       (LdWsSession           *self);
void         ld_ws_session_stop        (LdWsSession           *self);
void         ld_ws_session_free        (LdWsSession           *self);
guint64      ld_ws_session_get_n_records (LdWsSession         *self);
guint64      ld_ws_session_get_n_bytes (LdWsSession           *self);
guint64      ld_ws_session_get_n_errors (LdWsSession          *self);

G_END_DECLS
