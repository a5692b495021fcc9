// SPDX-License-Identifier: GPL-3.0-or-later
//
// What the two files of the OTLP protobuf decoder share: protobuf's wire format as
// protobuf-c reads it, in ld-otlp-wire.c (fields and their wire types, the messages inside
// them, the limits, the values), and the mapping of what is read to records, in ld-otlp.c.
// The field reader runs for every field of a request, so it is static inline here.

#pragma once

#include <string.h>

#include "ld-otlp.h"

G_BEGIN_DECLS

/* The messages of a request. */
typedef enum
{
  M_NONE,
  M_REQUEST,
  M_RESOURCE_LOGS,
  M_RESOURCE,
  M_SCOPE_LOGS,
  M_SCOPE,
  M_LOG_RECORD,
  M_KEY_VALUE,
  M_ANY_VALUE,
  M_ARRAY_VALUE,
  M_KVLIST,
} MessageType;

enum
{
  WIRE_VARINT  = 0,
  WIRE_64_BIT  = 1,
  WIRE_LENGTH  = 2,
  WIRE_32_BIT  = 5,
};

/* One field as read off the wire; for AnyValue, also the value it holds. */
typedef struct
{
  guint32       number;     /* 0: none (an AnyValue that holds nothing) */
  guint8        wire;
  guint64       value;      /* a varint, or a fixed field's bits */
  const guint8 *data;       /* a length-delimited field's bytes */
  gsize         len;
  const guint8 *raw;        /* everything after the tag, from which protobuf-c reads a bool */
  gsize         raw_len;
} WireField;

/* Text of the request, or made from it; str is %NULL for no value. */
typedef struct
{
  const char *str;
  gsize       len;
} Text;

/* A varint of at most ten bytes, as both the walk and protobuf-c read it. */
static inline gboolean
read_varint (const guint8 **p,
             const guint8  *end,
             guint64       *value)
{
  *value = 0;
  for (guint shift = 0; shift < 64 && *p < end; shift += 7)
    {
      guint8 byte = *(*p)++;

      *value |= (guint64) (byte & 0x7f) << shift;
      if ((byte & 0x80) == 0)
        return TRUE;
    }
  return FALSE;
}

extern const char * const _ld_otlp_wire_types[];

static inline gboolean
read_varint_fast (const guint8 **p,
                  const guint8  *end,
                  guint64       *value)
{
  if (G_LIKELY (*p < end && (**p & 0x80) == 0))
    {
      *value = *(*p)++;
      return TRUE;
    }
  return read_varint (p, end, value);
}

/* The field at *p. FALSE where the walk or protobuf-c would refuse it: a tag or length that
 * does not end, a field 0, a wire type protobuf no longer has, a field cut short, and a tag
 * or a length of more than 5 bytes, which protobuf-c does not read. */
static inline gboolean
next_field (const guint8 **p,
            const guint8  *end,
            WireField     *field)
{
  const guint8 *at = *p;
  guint64 tag, length;

  if (!read_varint_fast (p, end, &tag) || tag >> 3 == 0 || tag >> 3 > G_MAXINT32 || *p - at > 5)
    return FALSE;
  field->number = tag >> 3;
  field->wire = tag & 7;
  field->raw = *p;
  switch (field->wire)
    {
    case WIRE_VARINT:
      if (!read_varint (p, end, &field->value))
        return FALSE;
      break;
    case WIRE_64_BIT:
      if (end - *p < 8)
        return FALSE;
      memcpy (&field->value, *p, 8);
      field->value = GUINT64_FROM_LE (field->value);
      *p += 8;
      break;
    case WIRE_32_BIT:
      {
        guint32 bits;

        if (end - *p < 4)
          return FALSE;
        memcpy (&bits, *p, 4);
        field->value = GUINT32_FROM_LE (bits);
        *p += 4;
        break;
      }
    case WIRE_LENGTH:
      at = *p;
      if (!read_varint_fast (p, end, &length) || *p - at > 5 || length > (guint64) (end - *p))
        return FALSE;
      field->data = *p;
      field->len = length;
      *p += length;
      break;
    default:
      return FALSE;
    }
  field->raw_len = *p - field->raw;
  return TRUE;
}

/* The next field of a message that was read once already, and so cannot be refused now. */
static inline void
next_read_field (const guint8 **p,
                 const guint8  *end,
                 WireField     *field)
{
  if (!next_field (p, end, field))
    g_assert_not_reached ();
}

/* Whether a field has the wire type protobuf-c requires of it; unknown fields always do. */
static inline gboolean
wire_ok (MessageType      type,
         const WireField *field)
{
  const char *wires = _ld_otlp_wire_types[type];

  if (field->number >= strlen (wires) || wires[field->number] == '-'
      || wires[field->number] == '*')
    return TRUE;
  return field->wire == wires[field->number] - '0';
}

/* Strings stop at their first nul, as they did as protobuf-c's C strings. */
static inline Text
string_of (const WireField *field)
{
  return (Text) { (const char *) field->data, strnlen ((const char *) field->data, field->len) };
}

static inline gboolean
text_is (Text        text,
         const char *literal)
{
  return text.len == strlen (literal) && memcmp (text.str, literal, text.len) == 0;
}

/* A message inside the one being read, @depth deep: within the limits on nesting and on the
 * number of messages in a request? */
static inline gboolean
enter (guint *messages,
       guint  depth)
{
  return depth <= LD_OTLP_MAX_DEPTH && ++*messages <= LD_OTLP_MAX_MESSAGES;
}

static inline double
double_of (const WireField *value)
{
  double number;

  memcpy (&number, &value->value, sizeof number);
  return number;
}

/* protobuf-c reads a bool as true if any bit of the field's bytes but a continuation bit is
 * set, whatever the wire type. */
static inline gboolean
bool_of (const WireField *value)
{
  for (gsize i = 0; i < value->raw_len; i++)
    if (value->raw[i] & 0x7f)
      return TRUE;
  return FALSE;
}

gboolean     _ld_otlp_check_message    (guint            *messages,
                                        const guint8     *p,
                                        const guint8     *end,
                                        MessageType       type,
                                        guint             depth);
gboolean     _ld_otlp_read_any_value   (guint            *messages,
                                        const guint8     *p,
                                        const guint8     *end,
                                        guint             depth,
                                        gboolean          merge,
                                        WireField        *value);
gboolean     _ld_otlp_read_key_value   (guint            *messages,
                                        const guint8     *p,
                                        const guint8     *end,
                                        guint             depth,
                                        Text             *key,
                                        WireField        *value);
const char  *_ld_otlp_format_double    (double            value,
                                        char              buffer[G_ASCII_DTOSTR_BUF_SIZE]);
void         _ld_otlp_render_json      (const WireField  *value,
                                        GString          *out);
void         _ld_otlp_explain_refusal  (const guint8     *data,
                                        gsize             length,
                                        GError          **error);

G_END_DECLS
