// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <math.h>
#include <string.h>

#include "ld-jsonl.h"
#include "ld-otlp-private.h"

/* protobuf's wire format as protobuf-c's generated unpack read an ExportLogsServiceRequest,
 * for the decoder in ld-otlp.c: which fields each message has and of which wire type, the
 * messages inside them, checked against the limits on nesting and on their number, the
 * values (AnyValue, KeyValue) as protobuf-c merged them, and the walk that words why a
 * request is refused as the decoder always has. */

/* Which field of which message holds which message. */
static MessageType
child_type (MessageType parent,
            guint32     field)
{
  switch (parent)
    {
    case M_REQUEST: return field == 1 ? M_RESOURCE_LOGS : M_NONE;
    case M_RESOURCE_LOGS: return field == 1 ? M_RESOURCE : field == 2 ? M_SCOPE_LOGS : M_NONE;
    case M_RESOURCE: return field == 1 ? M_KEY_VALUE : M_NONE;
    case M_SCOPE_LOGS: return field == 1 ? M_SCOPE : field == 2 ? M_LOG_RECORD : M_NONE;
    case M_SCOPE: return field == 3 ? M_KEY_VALUE : M_NONE;
    case M_LOG_RECORD: return field == 5 ? M_ANY_VALUE : field == 6 ? M_KEY_VALUE : M_NONE;
    case M_KEY_VALUE: return field == 2 ? M_ANY_VALUE : M_NONE;
    case M_ANY_VALUE: return field == 5 ? M_ARRAY_VALUE : field == 6 ? M_KVLIST : M_NONE;
    case M_ARRAY_VALUE: return field == 1 ? M_ANY_VALUE : M_NONE;
    case M_KVLIST: return field == 1 ? M_KEY_VALUE : M_NONE;
    case M_NONE:
    default: return M_NONE;
    }
}

typedef struct
{
  const guint8 *start;
  guint         messages;
  GError      **error;
} Walk;

static gboolean
walk_error (Walk         *walk,
            LdOtlpError   code,
            const guint8 *at,
            const char   *what)
{
  g_set_error (walk->error, LD_OTLP_ERROR, code, "OTLP protobuf: byte %" G_GSIZE_FORMAT ": %s",
               (gsize) (at - walk->start), what);
  return FALSE;
}

/* Checks one message's fields, and the messages inside it, without building anything. */
static gboolean
walk_message (Walk         *walk,
              const guint8 *p,
              const guint8 *end,
              MessageType   type,
              guint         depth)
{
  while (p < end)
    {
      const guint8 *field_at = p;
      guint64 tag, length;
      MessageType child;

      if (!read_varint (&p, end, &tag) || tag >> 3 == 0 || tag >> 3 > G_MAXINT32)
        return walk_error (walk, LD_OTLP_ERROR_MALFORMED, field_at, "a field tag that is not one");
      switch (tag & 7)
        {
        case 0:
          if (!read_varint (&p, end, &length))
            return walk_error (walk, LD_OTLP_ERROR_MALFORMED, field_at,
                               "a varint that does not end");
          break;
        case 1:
        case 5:
          if ((gsize) (end - p) < ((tag & 7) == 1 ? 8u : 4u))
            return walk_error (walk, LD_OTLP_ERROR_MALFORMED, field_at,
                               "a fixed field that is cut short");
          p += (tag & 7) == 1 ? 8 : 4;
          break;
        case 2:
          if (!read_varint (&p, end, &length) || length > (guint64) (end - p))
            return walk_error (walk, LD_OTLP_ERROR_MALFORMED, field_at,
                               "a length past the end of its message (truncated?)");
          child = child_type (type, tag >> 3);
          if (child != M_NONE)
            {
              if (depth + 1 > LD_OTLP_MAX_DEPTH)
                return walk_error (walk, LD_OTLP_ERROR_LIMIT, field_at,
                                   "values nested deeper than 64 messages");
              if (++walk->messages > LD_OTLP_MAX_MESSAGES)
                return walk_error (walk, LD_OTLP_ERROR_LIMIT, field_at,
                                   "more than 1048576 messages in one request");
              if (!walk_message (walk, p, p + length, child, depth + 1))
                return FALSE;
            }
          p += length;
          break;
        default:
          return walk_error (walk, LD_OTLP_ERROR_MALFORMED, field_at,
                             "a field of a wire type protobuf no longer has (groups)");
        }
    }
  return TRUE;
}

/* What protobuf-c requires of each field number it knows, by message: '0' a varint, '1' 64
 * bits, '2' length-delimited, '5' 32 bits, '*' any wire type (a bool), '-' a field it does
 * not know, which is skipped. */
const char * const _ld_otlp_wire_types[] = {
  [M_NONE] = "-",
  [M_REQUEST] = "-2",
  [M_RESOURCE_LOGS] = "-222",
  [M_RESOURCE] = "-20",
  [M_SCOPE_LOGS] = "-222",
  [M_SCOPE] = "-2220",
  [M_LOG_RECORD] = "-102-22052212",
  [M_KEY_VALUE] = "-22",
  [M_ANY_VALUE] = "-2*01222",
  [M_ARRAY_VALUE] = "-2",
  [M_KVLIST] = "-2",
};

/**
 * _ld_otlp_check_message:
 * @messages: the messages of the request so far, against %LD_OTLP_MAX_MESSAGES
 *
 * Checks a message that is not read for records (a scope, a resource, the lists and maps
 * inside values) as protobuf-c checked it, and counts the messages in it.
 *
 * Returns: %FALSE if protobuf-c or the limits would refuse it
 */
gboolean
_ld_otlp_check_message (guint        *messages,
                        const guint8 *p,
                        const guint8 *end,
                        MessageType   type,
                        guint         depth)
{
  /* A KeyValue's value is merged as the decoder merges it. */
  if (type == M_KEY_VALUE)
    {
      Text key;
      WireField value;

      return _ld_otlp_read_key_value (messages, p, end, depth, &key, &value);
    }
  while (p < end)
    {
      WireField field;
      MessageType child;

      if (!next_field (&p, end, &field) || !wire_ok (type, &field))
        return FALSE;
      child = field.wire == WIRE_LENGTH ? child_type (type, field.number) : M_NONE;
      if (child != M_NONE && (!enter (messages, depth + 1)
                              || !_ld_otlp_check_message (messages, field.data,
                                                          field.data + field.len, child,
                                                          depth + 1)))
        return FALSE;
    }
  return TRUE;
}

/**
 * _ld_otlp_read_any_value:
 * @messages: (nullable): the messages of the request so far; %NULL for a value that was read
 *   once already, whose lists and maps are then neither checked nor counted again
 * @merge: whether the same field came before in the same message, for protobuf-c merges the
 *   occurrences
 * @value: (inout): the last of the oneof's fields in earlier occurrences of the same field;
 *   its number is 0 for none
 *
 * Reads an AnyValue: the last of its oneof's fields into @value.
 *
 * An occurrence that sets none of the oneof's fields is merged into the earlier one as
 * protobuf-c 1.4 merges it, which is not quite what the protobuf encoding guide says: the
 * earlier field is kept, except a string or an empty bytes, which are dropped (protobuf-c
 * tells "the later one is unset" by comparing with the default, which an unset oneof does
 * not hold), and when neither sets a field protobuf-c refuses the request. No sender writes
 * a singular field twice; the decoder follows protobuf-c here so that the two agree byte
 * for byte on every input (tests/otlp-reference.h, fuzz-otlp).
 *
 * Returns: %FALSE if protobuf-c or the limits would refuse it
 */
gboolean
_ld_otlp_read_any_value (guint        *messages,
                         const guint8 *p,
                         const guint8 *end,
                         guint         depth,
                         gboolean      merge,
                         WireField    *value)
{
  gboolean set = FALSE;

  while (p < end)
    {
      WireField field;

      if (!next_field (&p, end, &field))
        return FALSE;
      if (field.number < 1 || field.number > 7)
        continue;
      if (!wire_ok (M_ANY_VALUE, &field))
        return FALSE;
      if (messages != NULL && (field.number == 5 || field.number == 6)
          && (!enter (messages, depth + 1)
              || !_ld_otlp_check_message (messages, field.data, field.data + field.len,
                                          field.number == 5 ? M_ARRAY_VALUE : M_KVLIST,
                                          depth + 1)))
        return FALSE;
      *value = field;
      set = TRUE;
    }
  if (set || !merge)
    return TRUE;
  if (value->number == 0)
    return FALSE;
  if (value->number == 1 || (value->number == 7 && value->len == 0))
    value->number = 0;
  return TRUE;
}

/**
 * _ld_otlp_read_key_value:
 * @messages: (nullable): as for _ld_otlp_read_any_value()
 *
 * Reads a KeyValue: its key (the last, "" for none) and its value, as
 * _ld_otlp_read_any_value() has it across every occurrence of the value field.
 *
 * Returns: %FALSE if protobuf-c or the limits would refuse it
 */
gboolean
_ld_otlp_read_key_value (guint        *messages,
                         const guint8 *p,
                         const guint8 *end,
                         guint         depth,
                         Text         *key,
                         WireField    *value)
{
  gboolean seen = FALSE;

  *key = (Text) { "", 0 };
  value->number = 0;
  while (p < end)
    {
      WireField field;

      if (!next_field (&p, end, &field) || !wire_ok (M_KEY_VALUE, &field))
        return FALSE;
      if (field.number == 1)
        *key = string_of (&field);
      else if (field.number == 2)
        {
          if ((messages != NULL && !enter (messages, depth + 1))
              || !_ld_otlp_read_any_value (messages, field.data, field.data + field.len,
                                           depth + 1, seen, value))
            return FALSE;
          seen = TRUE;
        }
    }
  return TRUE;
}

/* The shortest text that reads back as the same double, as JSON would have it; in @buffer,
 * or a constant for what JSON has no number for. */
const char *
_ld_otlp_format_double (double value,
                        char   buffer[G_ASCII_DTOSTR_BUF_SIZE])
{
  if (isnan (value))
    return "NaN";
  if (isinf (value))
    return value > 0 ? "Infinity" : "-Infinity";
  for (int precision = 15; precision <= 17; precision++)
    {
      char format[8];

      g_snprintf (format, sizeof format, "%%.%dg", precision);
      g_ascii_formatd (buffer, G_ASCII_DTOSTR_BUF_SIZE, format, value);
      if (g_ascii_strtod (buffer, NULL) == value)
        break;
    }
  return buffer;
}

static void
render_list (const WireField *list,
             GString         *out)
{
  const guint8 *p = list->data, *end = list->data + list->len;
  gboolean is_map = list->number == 6, first = TRUE;

  g_string_append_c (out, is_map ? '{' : '[');
  while (p < end)
    {
      WireField field, item = { 0 };
      Text key;

      next_read_field (&p, end, &field);
      if (field.number != 1)
        continue;
      if (!first)
        g_string_append_c (out, ',');
      first = FALSE;
      if (is_map)
        {
          _ld_otlp_read_key_value (NULL, field.data, field.data + field.len, 0, &key, &item);
          ld_jsonl_append_string (out, key.str, key.len);
          g_string_append_c (out, ':');
        }
      else
        _ld_otlp_read_any_value (NULL, field.data, field.data + field.len, 0, FALSE, &item);
      _ld_otlp_render_json (&item, out);
    }
  g_string_append_c (out, is_map ? '}' : ']');
}

/* A value as the plain JSON it stands for; a value that was read once already. */
void
_ld_otlp_render_json (const WireField *value,
                      GString         *out)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  g_autofree char *base64 = NULL;
  Text text;

  switch (value->number)
    {
    case 1:
      text = string_of (value);
      ld_jsonl_append_string (out, text.str, text.len);
      break;
    case 2:
      g_string_append (out, bool_of (value) ? "true" : "false");
      break;
    case 3:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, (gint64) value->value);
      break;
    case 4:
      g_string_append (out, _ld_otlp_format_double (double_of (value), buffer));
      break;
    case 5:
    case 6:
      render_list (value, out);
      break;
    case 7:
      base64 = g_base64_encode (value->data, value->len);
      ld_jsonl_append_string (out, base64, -1);
      break;
    default:
      g_string_append (out, "null");
      break;
    }
}

/* Why a request was refused, in the words of the walk on the wire, which finds what is not
 * protobuf and what is past the limits; what it passes, protobuf-c refused for a field of
 * the wrong type. */
void
_ld_otlp_explain_refusal (const guint8 *data,
                          gsize         length,
                          GError      **error)
{
  Walk walk = { data, 0, error };

  if (walk_message (&walk, data, data + length, M_REQUEST, 0))
    g_set_error (error, LD_OTLP_ERROR, LD_OTLP_ERROR_MALFORMED,
                 "OTLP protobuf: not an ExportLogsServiceRequest (a field has the wrong type)");
}
