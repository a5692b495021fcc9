// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <string.h>

#include "ld-json-pyargs.h"

/* There is one formatter for msg % args, ld-pyformat.c, and it works on unpickled values.
 * Rather than a second formatter for JSON values, the args are written as the pickle that
 * Python would have sent for the same values and read back by the safe unpickler, under its
 * usual limits: json.loads() of a list gives the tuple's items, of an object a dict, of an
 * integer an int of any size, of any other number a float, NaN and Infinity included. Only
 * records that carry args unformatted pay for it: QueueHandler.prepare() sends them formatted,
 * with args None. */

#define MAX_DEPTH 200

static void
write_opcode (GByteArray *out,
              guint8      opcode)
{
  g_byte_array_append (out, &opcode, 1);
}

/* A text opcode's argument ends at a newline, which no JSON number contains. */
static void
write_line (GByteArray *out,
            guint8      opcode,
            const char *text,
            gsize       len,
            const char *suffix)
{
  write_opcode (out, opcode);
  g_byte_array_append (out, (const guint8 *) text, len);
  g_byte_array_append (out, (const guint8 *) suffix, strlen (suffix));
}

static void
write_string (GByteArray *out,
              const char *text,
              gsize       len)
{
  guint32 le = GUINT32_TO_LE ((guint32) len);

  write_opcode (out, 'X');  /* BINUNICODE: a 4-byte little-endian length, then UTF-8 */
  g_byte_array_append (out, (const guint8 *) &le, 4);
  g_byte_array_append (out, (const guint8 *) text, len);
}

static gboolean write_value (GByteArray       *out,
                             const LdJsonNode *node,
                             guint             depth);

static gboolean
write_items (GByteArray       *out,
             const LdJsonNode *array,
             guint             depth)
{
  for (const LdJsonNode *item = ld_json_array_first (array); item != NULL;
       item = ld_json_array_next (array, item))
    if (!write_value (out, item, depth + 1))
      return FALSE;

  return TRUE;
}

static gboolean
write_members (GByteArray       *out,
               const LdJsonNode *object,
               guint             depth)
{
  for (const LdJsonNode *key = ld_json_object_first (object); key != NULL;
       key = ld_json_object_next (object, key))
    {
      write_string (out, key->text, key->len);
      if (!write_value (out, key + 1, depth + 1))
        return FALSE;
    }

  return TRUE;
}

static gboolean
write_value (GByteArray       *out,
             const LdJsonNode *node,
             guint             depth)
{
  if (depth > MAX_DEPTH)
    return FALSE;

  switch (node->kind)
    {
    case LD_JSON_NULL:
      write_opcode (out, 'N');
      return TRUE;
    case LD_JSON_TRUE:
      write_opcode (out, 0x88);  /* NEWTRUE */
      return TRUE;
    case LD_JSON_FALSE:
      write_opcode (out, 0x89);  /* NEWFALSE */
      return TRUE;
    case LD_JSON_NUMBER:
      if (node->flags & LD_JSON_NUMBER_INTEGER)
        write_line (out, 'L', node->text, node->len, "L\n");  /* LONG, of any size */
      else
        write_line (out, 'F', node->text, node->len, "\n");   /* FLOAT, as text */
      return TRUE;
    case LD_JSON_STRING:
      write_string (out, node->text, node->len);
      return TRUE;
    case LD_JSON_ARRAY:
      write_opcode (out, ']');  /* EMPTY_LIST */
      write_opcode (out, '(');  /* MARK */
      if (!write_items (out, node, depth))
        return FALSE;
      write_opcode (out, 'e');  /* APPENDS */
      return TRUE;
    case LD_JSON_OBJECT:
      write_opcode (out, '}');  /* EMPTY_DICT */
      write_opcode (out, '(');
      if (!write_members (out, node, depth))
        return FALSE;
      write_opcode (out, 'u');  /* SETITEMS */
      return TRUE;
    default:
      g_assert_not_reached ();
    }
}

static gboolean
write_tuple (GByteArray       *out,
             const LdJsonNode *array)
{
  write_opcode (out, '(');
  if (!write_items (out, array, 0))
    return FALSE;
  write_opcode (out, 't');  /* TUPLE */
  return TRUE;
}

/**
 * ld_json_pyargs_to_value:
 * @args: the "args" member of a record.__dict__
 * @error: why the values could not be read, such as a limit of the unpickler
 *
 * A list becomes a tuple, as LogRecord.args was before json.dumps(); anything else keeps its
 * type: an object is a mapping for "%(name)s" formats, and a lone value a single argument.
 *
 * Returns: (transfer full) (nullable): the value for ld_pyformat_message()
 */
LdPickleValue *
ld_json_pyargs_to_value (const LdJsonNode  *args,
                         GError           **error)
{
  g_autoptr(GByteArray) pickle = g_byte_array_new ();
  LdPickleLimits limits;

  g_return_val_if_fail (args != NULL, NULL);

  g_byte_array_append (pickle, (const guint8 *) "\x80\x02", 2);  /* PROTO 2 */
  if (!(args->kind == LD_JSON_ARRAY ? write_tuple (pickle, args) : write_value (pickle, args, 0)))
    {
      g_set_error (error, LD_PICKLE_ERROR, LD_PICKLE_ERROR_LIMIT,
                   "the args are nested more than %u deep", MAX_DEPTH);
      return NULL;
    }
  write_opcode (pickle, '.');  /* STOP */

  ld_pickle_limits_init_default (&limits);
  return ld_pickle_decode (pickle->data, pickle->len, &limits, error);
}
