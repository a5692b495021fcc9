// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <string.h>

#include "ld-ws-prefix.h"

/* The `websockets` library's debug prefixes, read from a record's message.
 *
 * websockets logs on "websockets.server" and "websockets.client" (and a
 * program may pass a logger of its own under "websockets."), and starts each
 * debug message with one character and a space: "> TEXT 'hi' [2 bytes]",
 * "< CLOSE 1000 (OK) [2 bytes]", "= connection is OPEN", "x closing TCP
 * connection", "% sending keepalive ping", "! timed out waiting for TCP
 * close". The kind is not stored: LdRecord has no room to spare and the
 * test is two bytes of the message and, only when they look like a prefix,
 * the logger's name, so it is derived where it is needed.
 *
 * The library's guide also names "-" and "+", but Debian 12's websockets
 * (10.4) logs neither; they are left as plain text rather than guessed. */

static const char *const kind_names[LD_WS_N_KINDS] = {
  NULL, "send", "recv", "state", "close", "ping", "error",
};

static LdWsKind
kind_of_char (char c)
{
  switch (c)
    {
    case '>': return LD_WS_SEND;
    case '<': return LD_WS_RECV;
    case '=': return LD_WS_STATE;
    case 'x': return LD_WS_CLOSE;
    case '%': return LD_WS_PING;
    case '!': return LD_WS_ERROR;
    default: return LD_WS_NONE;
    }
}

/**
 * ld_ws_logger_name_matches:
 * @logger: (nullable): a logger's name
 *
 * Returns: %TRUE for "websockets" and the loggers under it
 */
gboolean
ld_ws_logger_name_matches (const char *logger)
{
  return logger != NULL && strncmp (logger, "websockets", 10) == 0
         && (logger[10] == '\0' || logger[10] == '.');
}

/**
 * ld_ws_prefix_classify:
 * @logger: (nullable): the record's logger
 * @message: its message, not necessarily nul-terminated
 * @length: the message's length in bytes
 *
 * Returns: the kind the message's prefix says, or %LD_WS_NONE when the
 *   logger is not a websockets one or the message has no known prefix
 */
LdWsKind
ld_ws_prefix_classify (const char *logger,
                       const char *message,
                       gsize       length)
{
  LdWsKind kind;

  /* The message first: most records fail on its first byte, before the
   * logger's name is looked at. */
  if (length < 2 || message[1] != ' ')
    return LD_WS_NONE;
  kind = kind_of_char (message[0]);
  if (kind == LD_WS_NONE || !ld_ws_logger_name_matches (logger))
    return LD_WS_NONE;

  return kind;
}

/**
 * ld_ws_prefix_of_record:
 * @record: a record
 *
 * Returns: the kind of @record's websockets prefix, or %LD_WS_NONE
 */
LdWsKind
ld_ws_prefix_of_record (const LdRecord *record)
{
  gsize length;
  const char *message = ld_record_get_message (record, &length);

  if (length < 2 || message[1] != ' ' || kind_of_char (message[0]) == LD_WS_NONE)
    return LD_WS_NONE;

  return ld_ws_prefix_classify (ld_intern_lookup (record->logger), message, length);
}

static gboolean
has_word (const char *text,
          gsize       length,
          const char *word)
{
  gsize word_len = strlen (word);

  /* websockets writes "OPCODE data [metadata]": the opcode is followed by
   * a space, or ends a (cut) message. */
  return length >= word_len && memcmp (text, word, word_len) == 0
         && (length == word_len || text[word_len] == ' ');
}

/**
 * ld_ws_prefix_frame:
 * @message: a websockets record's whole message, prefix included
 * @length: its length in bytes
 *
 * websockets logs each frame it sends or receives as "> " or "< " and the
 * frame's opcode name (Frame.__str__); handshake lines ("> GET / HTTP/1.1",
 * "< Host: …") and "< EOF" are not frames.
 *
 * Returns: the frame's kind, or %LD_WS_FRAME_NONE
 */
LdWsFrame
ld_ws_prefix_frame (const char *message,
                    gsize       length)
{
  const char *rest;
  gsize rest_len;

  if (length < 3 || (message[0] != '>' && message[0] != '<') || message[1] != ' ')
    return LD_WS_FRAME_NONE;

  rest = message + 2;
  rest_len = length - 2;

  if (has_word (rest, rest_len, "TEXT") || has_word (rest, rest_len, "BINARY")
      || has_word (rest, rest_len, "CONT"))
    return LD_WS_FRAME_DATA;
  if (has_word (rest, rest_len, "PING"))
    return LD_WS_FRAME_PING;
  if (has_word (rest, rest_len, "PONG"))
    return LD_WS_FRAME_PONG;
  if (has_word (rest, rest_len, "CLOSE"))
    return LD_WS_FRAME_CLOSE;

  return LD_WS_FRAME_NONE;
}

/* A close code has 4 digits (1000–4999), ended by a space or the message. */
static int
read_code (const char *text,
           gsize       length)
{
  int code = 0;
  gsize i;

  for (i = 0; i < length && i < 4 && g_ascii_isdigit (text[i]); i++)
    code = code * 10 + (text[i] - '0');

  if (i != 4 || code < 1000 || (i < length && text[i] != ' '))
    return -1;

  return code;
}

/**
 * ld_ws_prefix_close_code:
 * @message: a websockets record's whole message, prefix included
 * @length: its length in bytes
 *
 * Reads the close code of a close frame sent or received ("< CLOSE 1000
 * (OK) [2 bytes]"; an empty close frame reads as 1005, as websockets
 * writes it) or of a connection websockets fails ("! failing connection
 * with code 1011").
 *
 * Returns: the code, or -1 when the message carries none
 */
int
ld_ws_prefix_close_code (const char *message,
                         gsize       length)
{
  static const char failing[] = "! failing connection with code ";

  if (ld_ws_prefix_frame (message, length) == LD_WS_FRAME_CLOSE)
    {
      gsize skip = 2 + strlen ("CLOSE ");

      return length > skip ? read_code (message + skip, length - skip) : -1;
    }
  if (length > sizeof failing - 1 && memcmp (message, failing, sizeof failing - 1) == 0)
    return read_code (message + sizeof failing - 1, length - (sizeof failing - 1));

  return -1;
}

/**
 * ld_ws_kind_to_string:
 * @kind: a kind
 *
 * Returns: (nullable): its name in the query language (`ws:send`), or
 *   %NULL for %LD_WS_NONE
 */
const char *
ld_ws_kind_to_string (LdWsKind kind)
{
  g_return_val_if_fail (kind < LD_WS_N_KINDS, NULL);

  return kind_names[kind];
}

/**
 * ld_ws_kind_from_string:
 * @name: a kind's name, any case
 *
 * Returns: the kind, or %LD_WS_NONE for a name that is not one
 */
LdWsKind
ld_ws_kind_from_string (const char *name)
{
  for (guint i = 1; name != NULL && i < LD_WS_N_KINDS; i++)
    if (g_ascii_strcasecmp (name, kind_names[i]) == 0)
      return i;

  return LD_WS_NONE;
}
