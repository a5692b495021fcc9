// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

#include "ld-json.h"

G_BEGIN_DECLS

/* The Python logging cookbook's "Implementing structured logging" writes a message as
 * `text >>> {"key": value, ...}`: the JSON object after the marker carries the fields. */

#define LD_STRUCTURED_MESSAGE_MARKER   " >>> "
/* The extra field that keeps the message as the sender wrote it. */
#define LD_STRUCTURED_MESSAGE_ORIGINAL "original_message"

const LdJsonNode *ld_structured_message_split (LdJsonParser *parser,
                                               const char   *message,
                                               gsize         length,
                                               gsize        *text_length);

G_END_DECLS
