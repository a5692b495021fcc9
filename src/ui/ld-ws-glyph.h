// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

#include "ld-ws-prefix.h"

G_BEGIN_DECLS

const char *ld_ws_glyph_for_kind   (LdWsKind         kind);
const char *ld_ws_glyph_describe   (LdWsKind         kind);
char       *ld_ws_glyph_message    (const LdRecord  *record,
                                    const char     **message,
                                    gsize           *length,
                                    gsize            max_length,
                                    LdWsKind        *kind);

G_END_DECLS
