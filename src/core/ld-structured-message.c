// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <string.h>

#include "ld-structured-message.h"

/* The cookbook's StructuredMessage.__str__ is '%s >>> %s' % (message, json.dumps(kwargs)), so
 * the object is the last thing in the message. The text before may itself contain the marker,
 * and so may strings inside the object; the split is at the last marker after which exactly
 * one JSON object follows. Only the last few markers are tried, so that a message made of
 * markers costs a few parses, not one per marker. */

#define MAX_TRIES 4

static gboolean
is_json_space (char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Where the last marker followed by '{' starts, if it starts before @before. */
static gssize
find_marker_before (const char *message,
                    gssize      before)
{
  gssize marker_len = strlen (LD_STRUCTURED_MESSAGE_MARKER);

  for (gssize i = before - marker_len - 1; i >= 0; i--)
    if (message[i + marker_len] == '{'
        && memcmp (message + i, LD_STRUCTURED_MESSAGE_MARKER, marker_len) == 0)
      return i;

  return -1;
}

/**
 * ld_structured_message_split:
 * @parser: a parser for the object, other than the one whose nodes @message may be in
 * @message: a log record's message
 * @length: its length in bytes
 * @text_length: (out): the length of the text before the marker
 *
 * Returns: (nullable): the object after the last ` >>> `, its nodes valid until @parser
 *   parses again, or %NULL if @message does not end with ` >>> ` and a JSON object
 */
const LdJsonNode *
ld_structured_message_split (LdJsonParser *parser,
                             const char   *message,
                             gsize         length,
                             gsize        *text_length)
{
  gsize end = length;
  gssize marker = length;

  g_return_val_if_fail (parser != NULL, NULL);
  g_return_val_if_fail (message != NULL || length == 0, NULL);

  while (end > 0 && is_json_space (message[end - 1]))
    end--;
  if (end == 0 || message[end - 1] != '}')
    return NULL;

  for (guint i = 0; i < MAX_TRIES; i++)
    {
      gsize object_at, offset = 0;
      const LdJsonNode *root;

      if ((marker = find_marker_before (message, marker)) < 0)
        return NULL;
      object_at = marker + strlen (LD_STRUCTURED_MESSAGE_MARKER);
      root = ld_json_parser_parse (parser, message + object_at, end - object_at, &offset, NULL);
      if (root != NULL && root->kind == LD_JSON_OBJECT && offset == end - object_at)
        {
          *text_length = marker;
          return root;
        }
    }

  return NULL;
}
