// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ld-ws-glyph.h"

/* The websockets library's debug prefixes as the message cell shows them:
 * a glyph in place of the one-character prefix ("> TEXT 'hi' [2 bytes]"
 * shows as "↑ TEXT 'hi' [2 bytes]"), with a tooltip in words. The glyphs
 * are text, not icons, so that the cell stays one inscription, laid out
 * and highlighted as any other message; DejaVu Sans Mono has them all.
 * Only what is shown changes: the stored message, the detail pane, copies
 * and exports keep the prefix as the library wrote it. */

static const char *const glyphs[LD_WS_N_KINDS] = {
  NULL,
  "↑",   /* send */
  "↓",   /* receive, as the connection monitor's ↑ sent ↓ received */
  "◆",   /* state */
  "✕",   /* close */
  "↕",   /* ping and pong */
  "⚠",   /* error */
};

/**
 * ld_ws_glyph_for_kind:
 * @kind: a kind
 *
 * Returns: (nullable): the glyph shown for @kind, %NULL for %LD_WS_NONE
 */
const char *
ld_ws_glyph_for_kind (LdWsKind kind)
{
  g_return_val_if_fail (kind < LD_WS_N_KINDS, NULL);

  return glyphs[kind];
}

/**
 * ld_ws_glyph_describe:
 * @kind: a kind
 *
 * Returns: (nullable): @kind in words, translated, for a tooltip; %NULL
 *   for %LD_WS_NONE
 */
const char *
ld_ws_glyph_describe (LdWsKind kind)
{
  switch (kind)
    {
    /* Translators: tooltips of the glyphs that replace the websockets
     * library's debug prefixes; the prefix itself is quoted */
    case LD_WS_SEND: return _("websockets sent this (“>”)");
    case LD_WS_RECV: return _("websockets received this (“<”)");
    case LD_WS_STATE: return _("websockets connection state (“=”)");
    case LD_WS_CLOSE: return _("websockets shut the connection down (“x”)");
    case LD_WS_PING: return _("websockets keepalive ping or pong (“%”)");
    case LD_WS_ERROR: return _("websockets error or timeout (“!”)");
    case LD_WS_NONE:
    default:
      return NULL;
    }
}

/**
 * ld_ws_glyph_message:
 * @record: a record
 * @message: (inout): @record's message; set to the returned text when there is one
 * @length: (inout): its length, set to the returned text's
 * @max_length: the most of the message a cell shows, in bytes
 * @kind: (out): the kind of @record's websockets prefix
 *
 * For a websockets debug record, the text to show: the glyph, then the
 * message after its prefix character, at most @max_length bytes of it
 * (cut at a character). The library's messages are short (it elides frame
 * data past 75 characters), so copying one for a cell costs little.
 *
 * Returns: (transfer full) (nullable): the text, or %NULL with @message
 *   and @length unchanged when @record has no prefix
 */
char *
ld_ws_glyph_message (const LdRecord  *record,
                     const char     **message,
                     gsize           *length,
                     gsize            max_length,
                     LdWsKind        *kind)
{
  const char *glyph;
  const char *rest;
  gsize rest_len, glyph_len;
  char *text;

  *kind = ld_ws_prefix_of_record (record);
  if (*kind == LD_WS_NONE)
    return NULL;

  /* The space after the prefix stays, between the glyph and the text. */
  glyph = glyphs[*kind];
  glyph_len = strlen (glyph);
  rest = *message + 1;
  rest_len = *length - 1;
  if (rest_len > max_length)
    rest_len = g_utf8_find_prev_char (rest, rest + max_length + 1) - rest;

  text = g_malloc (glyph_len + rest_len + 1);
  memcpy (text, glyph, glyph_len);
  memcpy (text + glyph_len, rest, rest_len);
  text[glyph_len + rest_len] = '\0';

  *message = text;
  *length = glyph_len + rest_len;
  return text;
}
