// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <math.h>
#include <string.h>

#include "ld-json-normalize-private.h"
#include "ld-level.h"
#include "ld-otlp-private.h"
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
 * It takes exactly what protobuf-c's generated unpack took when the decoder used it, and
 * maps it to the same records, byte for byte (tests/otlp-reference.h keeps that decoder, and
 * test-otlp and fuzz-otlp compare the two): a field of a known number must have its wire
 * type (a bool excepted, which protobuf-c reads from any), unknown fields are skipped, the
 * last of a scalar given twice wins, and a message given twice is the two merged, which for
 * what is read here is the same as reading them one after the other. ld-otlp-wire.c reads
 * the wire as protobuf-c did, within the limits on nesting and on messages. A request that
 * is refused adds no record, and is worded as it always was, by the walk in ld-otlp-wire.c.
 * protobuf-c's generated code no longer reads requests; it writes the responses. */

G_DEFINE_QUARK (ld-otlp-error-quark, ld_otlp_error)

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
  LdRecordFields  fields;          /* its strings are the decoder's, nul-terminated */
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
value_text (Decoder         *d,
            const WireField *value,
            LdValueType     *type)
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
      return arena_text (d, _ld_otlp_format_double (double_of (value), buffer));
    case 7:
      *type = LD_VALUE_STRING;
      base64 = g_base64_encode (value->data, value->len);
      return arena_text (d, base64);
    case 5:
    case 6:
      *type = LD_VALUE_JSON;
      g_string_truncate (d->json, 0);
      _ld_otlp_render_json (value, d->json);
      return (Text) { arena_strndup (&d->arena, d->json->str, d->json->len), d->json->len };
    default:
      *type = LD_VALUE_NULL;
      return (Text) { NULL, 0 };
    }
}

/* A value's text as a nul-terminated string, or %NULL. */
static const char *
value_string (Decoder         *d,
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
value_int64 (Decoder         *d,
             const WireField *value,
             gint64          *number)
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
assign_field (Decoder         *d,
              Record          *r,
              Text             key,
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

static void add_attribute (Decoder         *d,
                           Record          *r,
                           Text             key,
                           const WireField *value);

/* A map's members as attributes of their own, under "key.member". */
static void
add_map (Decoder         *d,
         Record          *r,
         Text             key,
         const WireField *map)
{
  for (const guint8 *p = map->data, *end = p + map->len; p < end && r->rejected == NULL;)
    {
      WireField field, member;
      Text member_key;
      char *path;

      next_read_field (&p, end, &field);
      if (field.number != 1)
        continue;
      _ld_otlp_read_key_value (NULL, field.data, field.data + field.len, 0, &member_key,
                               &member);
      path = arena_alloc (&d->arena, key.len + 1 + member_key.len + 1);
      memcpy (path, key.str, key.len);
      path[key.len] = '.';
      memcpy (path + key.len + 1, member_key.str, member_key.len);
      path[key.len + 1 + member_key.len] = '\0';
      add_attribute (d, r, (Text) { path, key.len + 1 + member_key.len }, &member);
    }
}

/* One attribute: a nested map is walked into dotted keys, the rest fill a field or become an
 * extra field; exception.type and .message do both, as in the JSON form. Its key and value
 * have been read once already. */
static void
add_attribute (Decoder         *d,
               Record          *r,
               Text             key,
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
      else
        add_map (d, r, key, value);
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
          _ld_otlp_read_key_value (NULL, attribute.data, attribute.data + attribute.len, 0, &key,
                                   &value);
          add (d, key, &value);
        }
    }
}

static void
resource_identity (Decoder         *d,
                   Text             key,
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
resource_attribute (Decoder         *d,
                    Text             key,
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
  guint64   time_unix_nano;
  guint64   observed_time_unix_nano;
  gint32    severity_number;
  Text      severity_text;
  WireField body;
  guint32   dropped_attributes_count;
  guint32   flags;
  WireField trace_id;
  WireField span_id;
  Text      event_name;
} LogRecord;

/* Lowercase hex in @hex, or %NULL for an id of the wrong length or all zeros (no trace). */
static const char *
hex_id (const WireField *id,
        gsize            expected,
        char            *hex)
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
  gboolean body_seen = FALSE;

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
          if (!enter (&d->messages, depth + 1)
              || !_ld_otlp_read_any_value (&d->messages, field.data, field.data + field.len,
                                           depth + 1, body_seen, &log.body))
            return FALSE;
          body_seen = TRUE;
          break;
        case 6:
          if (!enter (&d->messages, depth + 1)
              || !_ld_otlp_read_key_value (&d->messages, field.data, field.data + field.len,
                                           depth + 1, &key, &value))
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

/* A field that holds a message of @type, @depth deep, to be checked rather than read. */
static gboolean
check_field (Decoder         *d,
             const WireField *field,
             MessageType      type,
             guint            depth)
{
  return enter (&d->messages, depth)
         && _ld_otlp_check_message (&d->messages, field->data, field->data + field->len, type,
                                    depth);
}

/* A ScopeLogs' scope, wherever it is in the ScopeLogs and however many times: its name is
 * the logger and its version an extra field of each record. */
static gboolean
read_scope (Decoder      *d,
            const guint8 *p,
            const guint8 *end,
            guint         depth)
{
  Text name = { "", 0 };

  d->scope_version = (Text) { "", 0 };
  while (p < end)
    {
      WireField field, scope_field;

      if (!next_field (&p, end, &field) || !wire_ok (M_SCOPE_LOGS, &field))
        return FALSE;
      if (field.number != 1)
        continue;
      if (!check_field (d, &field, M_SCOPE, depth + 1))
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
  return TRUE;
}

/* A ScopeLogs: its scope first, then its records; what a record made in the arena goes once
 * it is in the batch. */
static gboolean
read_scope_logs (Decoder      *d,
                 const guint8 *p,
                 const guint8 *end,
                 guint         depth)
{
  ArenaMark mark = arena_mark (&d->arena), record_mark;

  if (!read_scope (d, p, end, depth))
    return FALSE;
  record_mark = arena_mark (&d->arena);
  while (p < end)
    {
      WireField field;

      next_read_field (&p, end, &field);
      if (field.number == 2
          && (!enter (&d->messages, depth + 1)
              || !read_log_record (d, field.data, field.data + field.len, depth + 1)))
        return FALSE;
      arena_rewind (&d->arena, record_mark);
    }
  arena_rewind (&d->arena, mark);
  return TRUE;
}

/* A ResourceLogs: its resource first, wherever it is and however many times, then its
 * ScopeLogs. */
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
      if (field.number == 1 && !check_field (d, &field, M_RESOURCE, depth + 1))
        return FALSE;
    }
  read_resource (d, p, end);

  while (p < end)
    {
      WireField field;

      next_read_field (&p, end, &field);
      if (field.number == 2
          && (!enter (&d->messages, depth + 1)
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
          && (!enter (&d->messages, 1)
              || !read_resource_logs (d, field.data, field.data + field.len, 1)))
        return FALSE;
    }
  return TRUE;
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

/* Whether the workspace holds too much after a request whose records took @batch_size bytes
 * of its batch, which keeps that room. */
static gboolean
workspace_is_big (Workspace *workspace,
                  gsize      batch_size)
{
  gsize size = batch_size + workspace->json->allocated_len;

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
  gsize batch_size;
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

  batch_size = ld_batch_get_text_size (workspace->batch)
               + ld_batch_get_length (workspace->batch) * sizeof (LdRecord);
  if (ok)
    ld_batch_take_all (batch, workspace->batch);
  else
    {
      /* Not ld_batch_split_off (): records without text can be here, and it would offset
       * the text's null pointer. */
      ld_batch_free (workspace->batch);
      workspace->batch = ld_batch_new ();
      ld_otlp_result_clear (result);
      memset (result, 0, sizeof *result);
      _ld_otlp_explain_refusal (data, length, error);
    }
  if (workspace_is_big (workspace, batch_size))
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

