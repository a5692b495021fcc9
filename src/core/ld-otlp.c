// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <math.h>
#include <string.h>

#include "ld-json-normalize-private.h"
#include "ld-jsonl.h"
#include "ld-level.h"
#include "ld-otlp.h"
#include "otlp-logs.pb-c.h"

/* The OTLP protobuf decoder. It reads an ExportLogsServiceRequest straight off the wire, in
 * one pass, and adds each LogRecord to the batch as soon as it has read it: nothing is
 * allocated per message, and the strings of a record point into the request until the batch
 * copies them. It maps as the JSON form does in ld-json-otlp.c and the "otlp" rules of
 * ld-json-dialects.c: the scope name is the logger, resource attributes are fields of every
 * record below them, a nested map is flattened into dotted keys, and the semantic
 * conventions' code.*, thread.* and exception.* attributes fill their fields. On top of that,
 * resource service.name and host.name fill the record's service and host, and the trace
 * context its trace and span ids.
 *
 * It takes exactly what protobuf-c's generated unpack took before it (the tests keep that
 * decoder and compare the two on every input): a field of a known number must have its wire
 * type (bool excepted, which protobuf-c reads from any), unknown fields are skipped, the last
 * of a repeated scalar wins, and a message field given twice is the two merged, which for
 * what is read here is the same as reading the occurrences one after the other. A request
 * that is refused adds no record: the batch is cut back, and the walk below, which checks
 * the limits on nesting and on the number of messages, says why in the words it always did.
 *
 * generated unpack is no longer used here; protobuf-c still packs the responses. */

G_DEFINE_QUARK (ld-otlp-error-quark, ld_otlp_error)

/* The messages of a request, for the walk on the wire. */
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

static gboolean
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
static const char * const wire_types[] = {
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

/* Text of the request or of the arena; str is %NULL for no value. */
typedef struct
{
  const char *str;
  gsize       len;
} Text;

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
            WireField         *field)
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
wire_ok (MessageType  type,
         const WireField *field)
{
  const char *wires = wire_types[type];

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

/* Text made while reading: blocks that never move, so that what points into them stays good
 * until the arena is rewound, which it is after every record. */
typedef struct
{
  gsize size;
  char  data[];
} ArenaBlock;

typedef struct
{
  GPtrArray *blocks;   /* ArenaBlock */
  guint      block;    /* the one being filled */
  gsize      used;     /* bytes of it */
} Arena;

typedef struct
{
  guint block;
  gsize used;
} ArenaMark;

#define ARENA_BLOCK_SIZE 16384

static char *
arena_alloc (Arena *arena,
             gsize  size)
{
  ArenaBlock *block = arena->block < arena->blocks->len ? arena->blocks->pdata[arena->block]
                                                        : NULL;

  if (block == NULL || block->size - arena->used < size)
    {
      if (block != NULL)
        arena->block++;
      arena->used = 0;
      block = arena->block < arena->blocks->len ? arena->blocks->pdata[arena->block] : NULL;
      if (block == NULL || block->size < size)
        {
          gsize block_size = MAX (size, ARENA_BLOCK_SIZE);

          block = g_malloc (sizeof *block + block_size);
          block->size = block_size;
          g_ptr_array_insert (arena->blocks, arena->block, block);
        }
    }
  arena->used += size;
  return block->data + arena->used - size;
}

static const char *
arena_strndup (Arena      *arena,
               const char *text,
               gsize       len)
{
  char *copy = arena_alloc (arena, len + 1);

  memcpy (copy, text, len);
  copy[len] = '\0';
  return copy;
}

static ArenaMark
arena_mark (Arena *arena)
{
  return (ArenaMark) { arena->block, arena->used };
}

static void
arena_rewind (Arena     *arena,
              ArenaMark  mark)
{
  arena->block = mark.block;
  arena->used = mark.used;
}

/* One extra field of a record, in the order the record gets them. */
typedef struct
{
  Text        key;
  LdValueType type;
  Text        value;
} Extra;

/* The fields one record collects from its resource and its own attributes. */
typedef struct
{
  LdRecordFields  fields;          /* its strings are in the decoder's arena */
  const char     *exception_type;
  const char     *exception_message;
  GArray         *extras;          /* Extra */
  guint           n_attributes;
  guint           map_depth;
  const char     *rejected;        /* why the record cannot be taken */
} Record;

typedef struct
{
  LdBatch              *batch;
  const LdRecordOrigin *origin;
  LdOtlpResult         *result;
  guint                 messages;     /* known messages met, against LD_OTLP_MAX_MESSAGES */
  Arena                 arena;
  GString              *json;         /* where a list or map value is rendered */
  Record                resource;     /* what every record of one ResourceLogs starts from */
  GArray               *extras;       /* Extra: a record's own */
  Text                  scope_version;
  const char           *scope_name;
} Decoder;

/* A message inside the one being read: within the limits on nesting and on messages? */
static inline gboolean
enter (Decoder *d,
       guint    depth)
{
  return depth <= LD_OTLP_MAX_DEPTH && ++d->messages <= LD_OTLP_MAX_MESSAGES;
}

/* Checks a message that is not read for records (a scope's attributes, values inside lists)
 * as protobuf-c checked it, and counts the messages in it. */
static gboolean
check_message (Decoder      *d,
               const guint8 *p,
               const guint8 *end,
               MessageType   type,
               guint         depth)
{
  while (p < end)
    {
      WireField field;
      MessageType child;

      if (!next_field (&p, end, &field) || !wire_ok (type, &field))
        return FALSE;
      child = field.wire == WIRE_LENGTH ? child_type (type, field.number) : M_NONE;
      if (child != M_NONE && (!enter (d, depth + 1)
                              || !check_message (d, field.data, field.data + field.len, child,
                                                 depth + 1)))
        return FALSE;
    }
  return TRUE;
}

/* An AnyValue: the last of its oneof's fields into @value, which holds the last of earlier
 * occurrences of the same field, as protobuf-c merges them. With @check, the lists and maps
 * inside are checked and counted; without, the value has been read once already. */
static gboolean
read_any_value (Decoder      *d,
                const guint8 *p,
                const guint8 *end,
                guint         depth,
                gboolean      check,
                WireField        *value)
{
  while (p < end)
    {
      WireField field;

      if (!next_field (&p, end, &field))
        return FALSE;
      if (field.number < 1 || field.number > 7)
        continue;
      if (!wire_ok (M_ANY_VALUE, &field))
        return FALSE;
      if (check && (field.number == 5 || field.number == 6)
          && (!enter (d, depth + 1)
              || !check_message (d, field.data, field.data + field.len,
                                 field.number == 5 ? M_ARRAY_VALUE : M_KVLIST, depth + 1)))
        return FALSE;
      *value = field;
    }
  return TRUE;
}

/* A KeyValue: its key, and its value as read_any_value() has it. */
static gboolean
read_key_value (Decoder      *d,
                const guint8 *p,
                const guint8 *end,
                guint         depth,
                gboolean      check,
                Text         *key,
                WireField        *value)
{
  *key = (Text) { "", 0 };
  value->number = 0;
  while (p < end)
    {
      WireField field;

      if (!next_field (&p, end, &field) || !wire_ok (M_KEY_VALUE, &field))
        return FALSE;
      if (field.number == 1)
        *key = string_of (&field);
      else if (field.number == 2
               && ((check && !enter (d, depth + 1))
                   || !read_any_value (d, field.data, field.data + field.len, depth + 1, check,
                                       value)))
        return FALSE;
    }
  return TRUE;
}

/* The shortest text that reads back as the same double, as JSON would have it. */
static const char *
format_double (double value,
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

static double
double_of (const WireField *value)
{
  double number;

  memcpy (&number, &value->value, sizeof number);
  return number;
}

/* protobuf-c reads a bool as true if any bit of the field's bytes but a continuation bit is
 * set, whatever the wire type. */
static gboolean
bool_of (const WireField *value)
{
  for (gsize i = 0; i < value->raw_len; i++)
    if (value->raw[i] & 0x7f)
      return TRUE;
  return FALSE;
}

static void render_json (Decoder     *d,
                         const WireField *value,
                         GString     *out);

static void
render_list (Decoder     *d,
             const WireField *list,
             GString     *out)
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
          read_key_value (d, field.data, field.data + field.len, 0, FALSE, &key, &item);
          ld_jsonl_append_string (out, key.str, key.len);
          g_string_append_c (out, ':');
        }
      else
        read_any_value (d, field.data, field.data + field.len, 0, FALSE, &item);
      render_json (d, &item, out);
    }
  g_string_append_c (out, is_map ? '}' : ']');
}

static void
render_json (Decoder     *d,
             const WireField *value,
             GString     *out)
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
      g_string_append (out, format_double (double_of (value), buffer));
      break;
    case 5:
    case 6:
      render_list (d, value, out);
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

static Text
arena_text (Decoder    *d,
            const char *text)
{
  gsize len = strlen (text);

  return (Text) { arena_strndup (&d->arena, text, len), len };
}

/* A value's text and type: scalars as they are, lists and maps as JSON text, and a value
 * that holds nothing as none. */
static Text
value_text (Decoder     *d,
            const WireField *value,
            LdValueType *type)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  g_autofree char *base64 = NULL;

  switch (value->number)
    {
    case 1:
      *type = LD_VALUE_STRING;
      return string_of (value);
    case 2:
      *type = LD_VALUE_BOOL;
      return bool_of (value) ? (Text) { "true", 4 } : (Text) { "false", 5 };
    case 3:
      *type = LD_VALUE_NUMBER;
      g_snprintf (buffer, sizeof buffer, "%" G_GINT64_FORMAT, (gint64) value->value);
      return arena_text (d, buffer);
    case 4:
      *type = LD_VALUE_NUMBER;
      return arena_text (d, format_double (double_of (value), buffer));
    case 7:
      *type = LD_VALUE_STRING;
      base64 = g_base64_encode (value->data, value->len);
      return arena_text (d, base64);
    case 5:
    case 6:
      *type = LD_VALUE_JSON;
      g_string_truncate (d->json, 0);
      render_json (d, value, d->json);
      return (Text) { arena_strndup (&d->arena, d->json->str, d->json->len), d->json->len };
    default:
      *type = LD_VALUE_NULL;
      return (Text) { NULL, 0 };
    }
}

/* A value's text as a nul-terminated string, or %NULL. */
static const char *
value_string (Decoder     *d,
              const WireField *value)
{
  LdValueType type;
  Text text = value_text (d, value, &type);

  if (text.str == NULL)
    return NULL;
  return type == LD_VALUE_STRING && value->number == 1
         ? arena_strndup (&d->arena, text.str, text.len) : text.str;
}

static gboolean
value_int64 (Decoder     *d,
             const WireField *value,
             gint64      *number)
{
  const char *text;
  char *end;
  double real;

  switch (value->number)
    {
    case 3:
      *number = (gint64) value->value;
      return TRUE;
    case 4:
      real = double_of (value);
      if (real != floor (real) || !(fabs (real) < 9e18))
        return FALSE;
      *number = (gint64) real;
      return TRUE;
    case 1:
      text = value_string (d, value);
      *number = g_ascii_strtoll (text, &end, 10);
      return *text != '\0' && *end == '\0';
    default:
      return FALSE;
    }
}

/* An attribute that fills a field, as the "otlp" rules of ld-json-dialects.c have it; FALSE
 * for one that stays an extra field. */
static gboolean
assign_field (Decoder     *d,
              Record      *r,
              Text         key,
              const WireField *value)
{
  gint64 number;

  if (text_is (key, "thread.name"))
    r->fields.thread = value_string (d, value);
  else if (text_is (key, "thread.id") && value_int64 (d, value, &number))
    r->fields.thread_id = number;
  else if (text_is (key, "code.function") || text_is (key, "code.function.name"))
    r->fields.function = value_string (d, value);
  else if (text_is (key, "code.filepath") || text_is (key, "code.file.path"))
    r->fields.file = value_string (d, value);
  else if ((text_is (key, "code.lineno") || text_is (key, "code.line.number"))
           && value_int64 (d, value, &number))
    r->fields.line = (guint) CLAMP (number, 0, G_MAXUINT32);
  else if (text_is (key, "exception.stacktrace"))
    r->fields.exception = value_string (d, value);
  else if (text_is (key, "process.pid") && value_int64 (d, value, &number))
    r->fields.process = number;
  else
    return FALSE;
  return TRUE;
}

static void
add_extra (Record      *r,
           Text         key,
           LdValueType  type,
           Text         value)
{
  Extra extra = { key, type, value };

  g_array_append_val (r->extras, extra);
}

/* One attribute: a nested map is walked into dotted keys, the rest fill a field or become an
 * extra field; exception.type and .message do both, as in the JSON form. Its key and value
 * have been read once already. */
static void
add_attribute (Decoder     *d,
               Record      *r,
               Text         key,
               const WireField *value)
{
  LdValueType type;
  Text text;

  if (r->rejected != NULL)
    return;
  if (++r->n_attributes > LD_OTLP_MAX_ATTRIBUTES)
    {
      r->rejected = "a record has more than 1024 attributes";
      return;
    }
  if (value->number == 6)
    {
      if (++r->map_depth > 16)
        r->rejected = "a record's attributes nest maps deeper than 16";
      for (const guint8 *p = value->data, *end = p + value->len; p < end && !r->rejected;)
        {
          WireField field, member;
          Text member_key;
          char *path;

          next_read_field (&p, end, &field);
          if (field.number != 1)
            continue;
          read_key_value (d, field.data, field.data + field.len, 0, FALSE, &member_key, &member);
          path = arena_alloc (&d->arena, key.len + 1 + member_key.len + 1);
          memcpy (path, key.str, key.len);
          path[key.len] = '.';
          memcpy (path + key.len + 1, member_key.str, member_key.len);
          path[key.len + 1 + member_key.len] = '\0';
          add_attribute (d, r, (Text) { path, key.len + 1 + member_key.len }, &member);
        }
      r->map_depth--;
      return;
    }
  if (assign_field (d, r, key, value))
    return;

  text = value_text (d, value, &type);
  if (text_is (key, "exception.type") && text.str != NULL)
    r->exception_type = arena_strndup (&d->arena, text.str, text.len);
  else if (text_is (key, "exception.message") && text.str != NULL)
    r->exception_message = arena_strndup (&d->arena, text.str, text.len);
  add_extra (r, key, type, text);
}

/* Each attribute of each occurrence of a ResourceLogs' resource, in order, into @add;
 * everything in them has been checked. */
static void
resource_attributes (Decoder      *d,
                     const guint8 *p,
                     const guint8 *end,
                     void        (*add) (Decoder *, Text, const WireField *))
{
  while (p < end)
    {
      WireField field, attribute = { 0 }, value;
      Text key;

      next_read_field (&p, end, &field);
      if (field.number != 1)
        continue;
      for (const guint8 *q = field.data, *q_end = q + field.len; q < q_end;)
        {
          next_read_field (&q, q_end, &attribute);
          if (attribute.number != 1)
            continue;
          read_key_value (d, attribute.data, attribute.data + attribute.len, 0, FALSE, &key,
                          &value);
          add (d, key, &value);
        }
    }
}

static void
resource_identity (Decoder     *d,
                   Text         key,
                   const WireField *value)
{
  if (value->number != 1)
    return;
  if (text_is (key, "service.name"))
    d->resource.fields.service = value_string (d, value);
  else if (text_is (key, "host.name"))
    d->resource.fields.host = value_string (d, value);
}

static void
resource_attribute (Decoder     *d,
                    Text         key,
                    const WireField *value)
{
  add_attribute (d, &d->resource, key, value);
}

/* What the resource gives every record of one ResourceLogs: service.name and host.name as
 * the record's own fields, and every attribute as an extra field too, to filter by. */
static void
read_resource (Decoder      *d,
               const guint8 *p,
               const guint8 *end)
{
  GArray *extras = d->resource.extras;

  memset (&d->resource, 0, sizeof d->resource);
  g_array_set_size (extras, 0);
  d->resource.extras = extras;
  resource_attributes (d, p, end, resource_identity);
  resource_attributes (d, p, end, resource_attribute);
}

/* A LogRecord's own fields, as the last of each on the wire has them. */
typedef struct
{
  guint64 time_unix_nano;
  guint64 observed_time_unix_nano;
  gint32  severity_number;
  Text    severity_text;
  WireField   body;
  guint32 dropped_attributes_count;
  guint32 flags;
  WireField   trace_id;
  WireField   span_id;
  Text    event_name;
} LogRecord;

/* Lowercase hex in @hex, or %NULL for an id of the wrong length or all zeros (no trace). */
static const char *
hex_id (const WireField *id,
        gsize        expected,
        char        *hex)
{
  static const char digits[] = "0123456789abcdef";
  gboolean zero = TRUE;

  if (id->number == 0 || id->len != expected)
    return NULL;
  for (gsize i = 0; i < expected; i++)
    {
      hex[2 * i] = digits[id->data[i] >> 4];
      hex[2 * i + 1] = digits[id->data[i] & 0x0f];
      zero = zero && id->data[i] == 0;
    }
  hex[expected * 2] = '\0';
  return zero ? NULL : hex;
}

static void
set_level (Decoder         *d,
           Record          *r,
           const LogRecord *log)
{
  const char *text = log->severity_text.len > 0
                     ? arena_strndup (&d->arena, log->severity_text.str, log->severity_text.len)
                     : NULL;
  int from_name;

  r->fields.level = LD_LEVEL_INFO;
  if (log->severity_number > 0)
    r->fields.level = ld_json_level_from_otel (log->severity_number);
  else if (text != NULL && ld_level_parse_name (text, &from_name))
    r->fields.level = from_name;

  if (text != NULL)
    r->fields.level_name = text;
  else if (log->severity_number > 0 && log->severity_number <= 24)
    r->fields.level_name = _ld_json_otel_severity_name (log->severity_number);
  else if (log->severity_number > 0)
    r->fields.level_name = ld_level_canonical_name (r->fields.level);
}

/* Without a trace, "Type: message" from the exception's parts, as the JSON form does. */
static void
set_exception (Decoder *d,
               Record  *r)
{
  g_autofree char *joined = NULL;

  if (r->fields.exception != NULL || (r->exception_type == NULL && r->exception_message == NULL))
    return;
  joined = g_strjoin (r->exception_type != NULL && r->exception_message != NULL ? ": " : "",
                      r->exception_type != NULL ? r->exception_type : "",
                      r->exception_message != NULL ? r->exception_message : "", NULL);
  r->fields.exception = arena_text (d, joined).str;
}

static void
emit_extra (LdBatch     *batch,
            const char  *key,
            LdValueType  type,
            const char  *value)
{
  ld_batch_add_extra (batch, key, -1, type, value, -1);
}

static void
emit_extras (LdBatch      *batch,
             const GArray *extras)
{
  for (guint i = 0; i < extras->len; i++)
    {
      const Extra *extra = &g_array_index (extras, Extra, i);

      ld_batch_add_extra (batch, extra->key.str, extra->key.len, extra->type, extra->value.str,
                          extra->value.str != NULL ? (gssize) extra->value.len : -1);
    }
}

/* The record into the batch, with its extra fields in the order the decoder has always given
 * them: the resource's, the scope's version, the record's own fields, its attributes. */
static void
emit (Decoder         *d,
      Record          *r,
      const LogRecord *log)
{
  char number[24];

  ld_batch_add (d->batch, &r->fields);
  emit_extras (d->batch, d->resource.extras);
  if (d->scope_version.len > 0)
    ld_batch_add_extra (d->batch, "otel.scope.version", -1, LD_VALUE_STRING,
                        d->scope_version.str, d->scope_version.len);
  /* The observed time a record has beside its own is kept, as the JSON form keeps it. */
  if (log->time_unix_nano != 0 && log->observed_time_unix_nano != 0)
    {
      g_snprintf (number, sizeof number, "%" G_GUINT64_FORMAT, log->observed_time_unix_nano);
      emit_extra (d->batch, "observedTimeUnixNano", LD_VALUE_STRING, number);
    }
  if (log->flags != 0)
    {
      g_snprintf (number, sizeof number, "%u", log->flags);
      emit_extra (d->batch, "flags", LD_VALUE_NUMBER, number);
    }
  if (log->dropped_attributes_count != 0)
    {
      g_snprintf (number, sizeof number, "%u", log->dropped_attributes_count);
      emit_extra (d->batch, "droppedAttributesCount", LD_VALUE_NUMBER, number);
    }
  if (log->event_name.len > 0)
    ld_batch_add_extra (d->batch, "eventName", -1, LD_VALUE_STRING, log->event_name.str,
                        log->event_name.len);
  emit_extras (d->batch, r->extras);
}

/* A record is read: into the batch, or counted as rejected. */
static void
finish_record (Decoder         *d,
               Record          *r,
               const LogRecord *log)
{
  gint64 nanos = (gint64) MIN (log->time_unix_nano != 0 ? log->time_unix_nano
                                                        : log->observed_time_unix_nano,
                               (guint64) G_MAXINT64);
  char trace_hex[33], span_hex[17];
  LdValueType type;
  Text message;

  /* Rounded to the nearest microsecond, as ld_json_parse_epoch() does. */
  r->fields.time_us = nanos != 0 ? nanos / 1000 + (nanos % 1000 >= 500)
                      : d->origin->received_us != 0 ? d->origin->received_us
                      : g_get_real_time ();
  r->fields.connection = d->origin->connection;
  r->fields.peer = d->origin->peer;
  r->fields.protocol = d->origin->protocol;
  r->fields.logger = d->scope_name;
  set_level (d, r, log);
  message = value_text (d, &log->body, &type);
  r->fields.message = message.len > 0 ? message.str : "";
  r->fields.message_len = message.len;
  r->fields.trace_id = hex_id (&log->trace_id, 16, trace_hex);
  r->fields.span_id = hex_id (&log->span_id, 8, span_hex);
  set_exception (d, r);

  if (r->rejected == NULL)
    {
      emit (d, r, log);
      d->result->accepted++;
    }
  else if (d->result->rejected++ == 0)
    d->result->rejected_reason = g_strdup (r->rejected);
}

/* One LogRecord, its fields in any order, its attributes mapped as they come. */
static gboolean
read_log_record (Decoder      *d,
                 const guint8 *p,
                 const guint8 *end,
                 guint         depth)
{
  Record r = d->resource;
  LogRecord log = { 0 };

  r.extras = d->extras;
  g_array_set_size (r.extras, 0);
  while (p < end)
    {
      WireField field, value;
      Text key;

      if (!next_field (&p, end, &field) || !wire_ok (M_LOG_RECORD, &field))
        return FALSE;
      switch (field.number)
        {
        case 1: log.time_unix_nano = field.value; break;
        case 11: log.observed_time_unix_nano = field.value; break;
        case 2: log.severity_number = (gint32) (guint32) field.value; break;
        case 3: log.severity_text = string_of (&field); break;
        case 5:
          if (!enter (d, depth + 1)
              || !read_any_value (d, field.data, field.data + field.len, depth + 1, TRUE,
                                  &log.body))
            return FALSE;
          break;
        case 6:
          if (!enter (d, depth + 1)
              || !read_key_value (d, field.data, field.data + field.len, depth + 1, TRUE, &key,
                                  &value))
            return FALSE;
          add_attribute (d, &r, key, &value);
          break;
        case 7: log.dropped_attributes_count = (guint32) field.value; break;
        case 8: log.flags = (guint32) field.value; break;
        case 9: log.trace_id = field; break;
        case 10: log.span_id = field; break;
        case 12: log.event_name = string_of (&field); break;
        default: break;
        }
    }
  finish_record (d, &r, &log);
  return TRUE;
}

/* A ScopeLogs: its scope first, wherever it is, then its records. */
static gboolean
read_scope_logs (Decoder      *d,
                 const guint8 *p,
                 const guint8 *end,
                 guint         depth)
{
  ArenaMark mark = arena_mark (&d->arena);
  Text name = { "", 0 };

  d->scope_version = (Text) { "", 0 };
  for (const guint8 *q = p; q < end;)
    {
      WireField field, scope_field;

      if (!next_field (&q, end, &field) || !wire_ok (M_SCOPE_LOGS, &field))
        return FALSE;
      if (field.number != 1)
        continue;
      if (!enter (d, depth + 1)
          || !check_message (d, field.data, field.data + field.len, M_SCOPE, depth + 1))
        return FALSE;
      for (const guint8 *s = field.data, *s_end = s + field.len; s < s_end;)
        {
          next_read_field (&s, s_end, &scope_field);
          if (scope_field.number == 1)
            name = string_of (&scope_field);
          else if (scope_field.number == 2)
            d->scope_version = string_of (&scope_field);
        }
    }
  d->scope_name = name.len > 0 ? arena_strndup (&d->arena, name.str, name.len) : NULL;

  for (ArenaMark record_mark = arena_mark (&d->arena); p < end; arena_rewind (&d->arena, record_mark))
    {
      WireField field;

      next_read_field (&p, end, &field);
      if (field.number == 2
          && (!enter (d, depth + 1)
              || !read_log_record (d, field.data, field.data + field.len, depth + 1)))
        return FALSE;
    }
  arena_rewind (&d->arena, mark);
  return TRUE;
}

/* A ResourceLogs: its resource first, wherever it is, then its ScopeLogs. */
static gboolean
read_resource_logs (Decoder      *d,
                    const guint8 *p,
                    const guint8 *end,
                    guint         depth)
{
  ArenaMark mark = arena_mark (&d->arena);

  for (const guint8 *q = p; q < end;)
    {
      WireField field;

      if (!next_field (&q, end, &field) || !wire_ok (M_RESOURCE_LOGS, &field))
        return FALSE;
      if (field.number == 1
          && (!enter (d, depth + 1)
              || !check_message (d, field.data, field.data + field.len, M_RESOURCE, depth + 1)))
        return FALSE;
    }
  read_resource (d, p, end);

  while (p < end)
    {
      WireField field;

      next_read_field (&p, end, &field);
      if (field.number == 2
          && (!enter (d, depth + 1)
              || !read_scope_logs (d, field.data, field.data + field.len, depth + 1)))
        return FALSE;
    }
  arena_rewind (&d->arena, mark);
  return TRUE;
}

static gboolean
read_request (Decoder      *d,
              const guint8 *p,
              const guint8 *end)
{
  while (p < end)
    {
      WireField field;

      if (!next_field (&p, end, &field) || !wire_ok (M_REQUEST, &field))
        return FALSE;
      if (field.number == 1
          && (!enter (d, 1) || !read_resource_logs (d, field.data, field.data + field.len, 1)))
        return FALSE;
    }
  return TRUE;
}

/* Why a request was refused, in the words of the walk on the wire, which finds what is not
 * protobuf and what is past the limits; what it passes, protobuf-c refused for a field of
 * the wrong type. */
static void
explain_refusal (const guint8  *data,
                 gsize          length,
                 GError       **error)
{
  Walk walk = { data, 0, error };

  if (walk_message (&walk, data, data + length, M_REQUEST, 0))
    g_set_error (error, LD_OTLP_ERROR, LD_OTLP_ERROR_MALFORMED,
                 "OTLP protobuf: not an ExportLogsServiceRequest (a field has the wrong type)");
}

/* What a thread keeps between requests, so that decoding one allocates nearly nothing: the
 * batch the records are built in, whose text grows once rather than for every request (its
 * reallocations were more than half of the decoder's time), and the decoder's own buffers. */
typedef struct
{
  LdBatch   *batch;
  GPtrArray *arena_blocks;
  GString   *json;
  GArray    *resource_extras;
  GArray    *extras;
} Workspace;

/* A workspace that grew past this for a big request is let go rather than kept. */
#define WORKSPACE_MAX_KEPT (1024 * 1024)

static void
workspace_free (Workspace *workspace)
{
  ld_batch_free (workspace->batch);
  g_ptr_array_unref (workspace->arena_blocks);
  g_string_free (workspace->json, TRUE);
  g_array_unref (workspace->resource_extras);
  g_array_unref (workspace->extras);
  g_free (workspace);
}

static GPrivate workspace_key = G_PRIVATE_INIT ((GDestroyNotify) workspace_free);

static Workspace *
workspace_get (void)
{
  Workspace *workspace = g_private_get (&workspace_key);

  if (workspace == NULL)
    {
      workspace = g_new0 (Workspace, 1);
      workspace->batch = ld_batch_new ();
      workspace->arena_blocks = g_ptr_array_new_with_free_func (g_free);
      workspace->json = g_string_new (NULL);
      workspace->resource_extras = g_array_new (FALSE, FALSE, sizeof (Extra));
      workspace->extras = g_array_new (FALSE, FALSE, sizeof (Extra));
      g_private_set (&workspace_key, workspace);
    }
  return workspace;
}

static gboolean
workspace_is_big (Workspace *workspace,
                  gsize      request_length)
{
  gsize size = request_length + workspace->json->allocated_len;

  for (guint i = 0; i < workspace->arena_blocks->len; i++)
    size += ((ArenaBlock *) workspace->arena_blocks->pdata[i])->size;
  return size > WORKSPACE_MAX_KEPT;
}

/**
 * ld_otlp_decode:
 * @batch: where the records go
 * @data: an ExportLogsServiceRequest in protobuf, its whole body
 * @length: its length, which the transport has capped
 * @origin: where it came from; received_us for records without a time
 * @result: (out caller-allocates): how many records were taken and rejected, and why; clear
 *   it with ld_otlp_result_clear()
 * @error: where to say why the body cannot be read at all (a 400 for OTLP/HTTP)
 *
 * Returns: %TRUE if the request was read; some of its records may still be rejected, and a
 *   request that was not read added none
 */
gboolean
ld_otlp_decode (LdBatch              *batch,
                const guint8         *data,
                gsize                 length,
                const LdRecordOrigin *origin,
                LdOtlpResult         *result,
                GError              **error)
{
  Workspace *workspace;
  gboolean ok;
  Decoder d = { 0 };

  g_return_val_if_fail (batch != NULL && origin != NULL && result != NULL, FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  memset (result, 0, sizeof *result);
  workspace = workspace_get ();
  d.batch = workspace->batch;
  d.origin = origin;
  d.result = result;
  d.arena.blocks = workspace->arena_blocks;
  d.json = workspace->json;
  d.resource.extras = workspace->resource_extras;
  d.extras = workspace->extras;

  ok = read_request (&d, data, data + length);

  if (ok)
    ld_batch_take_all (batch, workspace->batch);
  else
    {
      ld_batch_free (ld_batch_split_off (workspace->batch, 0));
      ld_otlp_result_clear (result);
      memset (result, 0, sizeof *result);
      explain_refusal (data, length, error);
    }
  if (workspace_is_big (workspace, length))
    g_private_replace (&workspace_key, NULL);
  return ok;
}

void
ld_otlp_result_clear (LdOtlpResult *result)
{
  g_clear_pointer (&result->rejected_reason, g_free);
}

/**
 * ld_otlp_encode_response:
 * @rejected: how many records were not taken
 * @error_message: (nullable): why, when @rejected is not 0
 *
 * Returns: (transfer full): an ExportLogsServiceResponse in protobuf, with a partial_success
 *   only when something was rejected, as the specification asks
 */
GBytes *
ld_otlp_encode_response (gint64      rejected,
                         const char *error_message)
{
  LdOtlp__ExportLogsServiceResponse response = LD_OTLP__EXPORT_LOGS_SERVICE_RESPONSE__INIT;
  LdOtlp__ExportLogsPartialSuccess partial = LD_OTLP__EXPORT_LOGS_PARTIAL_SUCCESS__INIT;
  gsize size;
  guint8 *buffer;

  if (rejected > 0 || (error_message != NULL && *error_message != '\0'))
    {
      partial.rejected_log_records = rejected;
      partial.error_message = (char *) (error_message != NULL ? error_message : "");
      response.partial_success = &partial;
    }
  size = ld_otlp__export_logs_service_response__get_packed_size (&response);
  buffer = g_malloc (MAX (size, 1));
  ld_otlp__export_logs_service_response__pack (&response, buffer);
  return g_bytes_new_take (buffer, size);
}
