// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ld-record.h"

G_BEGIN_DECLS

/* What a debug record of the `websockets` Python library says it does, by
 * the prefix its message starts with (its logging guide lists them). */
typedef enum
{
  LD_WS_NONE,     /* not a websockets.* record, or no known prefix */
  LD_WS_SEND,     /* "> " sends something: a frame, a handshake line, EOF */
  LD_WS_RECV,     /* "< " receives something */
  LD_WS_STATE,    /* "= " sets the connection state */
  LD_WS_CLOSE,    /* "x " shuts the TCP connection down */
  LD_WS_PING,     /* "% " manages keepalive pings and pongs */
  LD_WS_ERROR,    /* "! " an error or a timeout */
  LD_WS_N_KINDS
} LdWsKind;

/* The WebSocket frame a "> " or "< " record logs, if it logs one. */
typedef enum
{
  LD_WS_FRAME_NONE,
  LD_WS_FRAME_DATA,   /* TEXT, BINARY or CONT */
  LD_WS_FRAME_PING,
  LD_WS_FRAME_PONG,
  LD_WS_FRAME_CLOSE,
} LdWsFrame;

gboolean    ld_ws_logger_name_matches  (const char     *logger);
LdWsKind    ld_ws_prefix_classify      (const char     *logger,
                                        const char     *message,
                                        gsize           length);
LdWsKind    ld_ws_prefix_of_record     (const LdRecord *record);
LdWsFrame   ld_ws_prefix_frame         (const char     *message,
                                        gsize           length);
int         ld_ws_prefix_close_code    (const char     *message,
                                        gsize           length);
const char *ld_ws_kind_to_string       (LdWsKind        kind);
LdWsKind    ld_ws_kind_from_string     (const char     *name);

G_END_DECLS
