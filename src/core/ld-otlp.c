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

/* The OTLP protobuf decoder. A request is first walked on the wire, where its nesting and its
 * number of messages are checked against the limits (protobuf-c itself recurses without one,
 * and allocates for every message), then unpacked by protobuf-c and mapped as the JSON form
 * is in ld-json-otlp.c and the "otlp" rules of ld-json-dialects.c: the scope name is the
 * logger, resource attributes are fields of every record below them, a nested map is
 * flattened into dotted keys, and the semantic conventions' code.*, thread.* and exception.*
 * attributes fill their fields. On top of that, resource service.name and host.name fill the
 * record's service and host, and the trace context its trace and span ids. */

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
            return walk_error (walk, LD_OTLP_ERROR_MALFORMED, field_at, "a varint that does not end");
          break;
        case 1:
        case 5:
          if ((gsize) (end - p) < ((tag & 7) == 1 ? 8u : 4u))
            return walk_error (walk, LD_OTLP_ERROR_MALFORMED, field_at, "a fixed field that is cut short");
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

/* The fields one record collects from its resource, scope and own attributes. */
typedef struct
{
  LdRecordFields  fields;          /* its strings are the request's or in @owned */
  GPtrArray      *owned;
  const char     *exception_type;
  const char     *exception_message;
  GPtrArray      *extras;         /* Extra */
  guint           n_attributes;
  guint           depth;
  const char     *rejected;       /* why the record cannot be taken */
} Record;

typedef struct
{
  char        *key;
  LdValueType  type;
  char        *value;
} Extra;

static void
extra_free (Extra *extra)
{
  g_free (extra->key);
  g_free (extra->value);
  g_free (extra);
}

static const char *
keep (Record *r,
      char   *text)
{
  g_ptr_array_add (r->owned, text);
  return text;
}

/* The shortest text that reads back as the same double, as JSON would have it. */
static char *
format_double (double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (value))
    return g_strdup ("NaN");
  if (isinf (value))
    return g_strdup (value > 0 ? "Infinity" : "-Infinity");
  for (int precision = 15; precision <= 17; precision++)
    {
      char format[8];

      g_snprintf (format, sizeof format, "%%.%dg", precision);
      g_ascii_formatd (buffer, sizeof buffer, format, value);
      if (g_ascii_strtod (buffer, NULL) == value)
        break;
    }
  return g_strdup (buffer);
}

static void
render_json (const LdOtlp__AnyValue *value,
             GString                *out)
{
  g_autofree char *text = NULL;

  switch (value != NULL ? value->value_case : LD_OTLP__ANY_VALUE__VALUE__NOT_SET)
    {
    case LD_OTLP__ANY_VALUE__VALUE_STRING_VALUE:
      ld_jsonl_append_string (out, value->string_value, -1);
      break;
    case LD_OTLP__ANY_VALUE__VALUE_BOOL_VALUE:
      g_string_append (out, value->bool_value ? "true" : "false");
      break;
    case LD_OTLP__ANY_VALUE__VALUE_INT_VALUE:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, (gint64) value->int_value);
      break;
    case LD_OTLP__ANY_VALUE__VALUE_DOUBLE_VALUE:
      text = format_double (value->double_value);
      g_string_append (out, text);
      break;
    case LD_OTLP__ANY_VALUE__VALUE_BYTES_VALUE:
      text = g_base64_encode (value->bytes_value.data, value->bytes_value.len);
      ld_jsonl_append_string (out, text, -1);
      break;
    case LD_OTLP__ANY_VALUE__VALUE_ARRAY_VALUE:
      g_string_append_c (out, '[');
      for (gsize i = 0; i < value->array_value->n_values; i++)
        {
          if (i > 0)
            g_string_append_c (out, ',');
          render_json (value->array_value->values[i], out);
        }
      g_string_append_c (out, ']');
      break;
    case LD_OTLP__ANY_VALUE__VALUE_KVLIST_VALUE:
      g_string_append_c (out, '{');
      for (gsize i = 0; i < value->kvlist_value->n_values; i++)
        {
          const LdOtlp__KeyValue *kv = value->kvlist_value->values[i];

          if (i > 0)
            g_string_append_c (out, ',');
          ld_jsonl_append_string (out, kv->key, -1);
          g_string_append_c (out, ':');
          render_json (kv->value, out);
        }
      g_string_append_c (out, '}');
      break;
    case LD_OTLP__ANY_VALUE__VALUE__NOT_SET:
    default:
      g_string_append (out, "null");
      break;
    }
}

/* A scalar value's text and type; lists and maps as JSON text. */
static char *
value_text (const LdOtlp__AnyValue *value,
            LdValueType            *type)
{
  GString *json;

  switch (value != NULL ? value->value_case : LD_OTLP__ANY_VALUE__VALUE__NOT_SET)
    {
    case LD_OTLP__ANY_VALUE__VALUE_STRING_VALUE:
      *type = LD_VALUE_STRING;
      return g_strdup (value->string_value);
    case LD_OTLP__ANY_VALUE__VALUE_BOOL_VALUE:
      *type = LD_VALUE_BOOL;
      return g_strdup (value->bool_value ? "true" : "false");
    case LD_OTLP__ANY_VALUE__VALUE_INT_VALUE:
      *type = LD_VALUE_NUMBER;
      return g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) value->int_value);
    case LD_OTLP__ANY_VALUE__VALUE_DOUBLE_VALUE:
      *type = LD_VALUE_NUMBER;
      return format_double (value->double_value);
    case LD_OTLP__ANY_VALUE__VALUE_BYTES_VALUE:
      *type = LD_VALUE_STRING;
      return g_base64_encode (value->bytes_value.data, value->bytes_value.len);
    case LD_OTLP__ANY_VALUE__VALUE_ARRAY_VALUE:
    case LD_OTLP__ANY_VALUE__VALUE_KVLIST_VALUE:
      *type = LD_VALUE_JSON;
      json = g_string_new (NULL);
      render_json (value, json);
      return g_string_free (json, FALSE);
    case LD_OTLP__ANY_VALUE__VALUE__NOT_SET:
    default:
      *type = LD_VALUE_NULL;
      return NULL;
    }
}

static gboolean
value_int64 (const LdOtlp__AnyValue *value,
             gint64                 *number)
{
  char *end;

  if (value == NULL)
    return FALSE;
  if (value->value_case == LD_OTLP__ANY_VALUE__VALUE_INT_VALUE)
    return *number = value->int_value, TRUE;
  if (value->value_case == LD_OTLP__ANY_VALUE__VALUE_DOUBLE_VALUE
      && value->double_value == floor (value->double_value) && fabs (value->double_value) < 9e18)
    return *number = (gint64) value->double_value, TRUE;
  if (value->value_case != LD_OTLP__ANY_VALUE__VALUE_STRING_VALUE)
    return FALSE;
  *number = g_ascii_strtoll (value->string_value, &end, 10);
  return *value->string_value != '\0' && *end == '\0';
}

static const char *
value_string (Record                 *r,
              const LdOtlp__AnyValue *value)
{
  LdValueType type;
  char *text = value_text (value, &type);

  return text != NULL ? keep (r, text) : NULL;
}

/* An attribute that fills a field, as the "otlp" rules of ld-json-dialects.c have it; FALSE
 * for one that stays an extra field. */
static gboolean
assign_field (Record                 *r,
              const char             *key,
              const LdOtlp__AnyValue *value)
{
  gint64 number;

  if (strcmp (key, "thread.name") == 0)
    r->fields.thread = value_string (r, value);
  else if (strcmp (key, "thread.id") == 0 && value_int64 (value, &number))
    r->fields.thread_id = number;
  else if (strcmp (key, "code.function") == 0 || strcmp (key, "code.function.name") == 0)
    r->fields.function = value_string (r, value);
  else if (strcmp (key, "code.filepath") == 0 || strcmp (key, "code.file.path") == 0)
    r->fields.file = value_string (r, value);
  else if ((strcmp (key, "code.lineno") == 0 || strcmp (key, "code.line.number") == 0)
           && value_int64 (value, &number))
    r->fields.line = (guint) CLAMP (number, 0, G_MAXUINT32);
  else if (strcmp (key, "exception.stacktrace") == 0)
    r->fields.exception = value_string (r, value);
  else if (strcmp (key, "process.pid") == 0 && value_int64 (value, &number))
    r->fields.process = number;
  else
    return FALSE;
  return TRUE;
}

static void
add_extra (Record      *r,
           const char  *key,
           LdValueType  type,
           char        *value)
{
  Extra *extra = g_new (Extra, 1);

  extra->key = g_strdup (key);
  extra->type = type;
  extra->value = value;
  g_ptr_array_add (r->extras, extra);
}

static void
add_attributes (Record                   *r,
                LdOtlp__KeyValue * const *attributes,
                gsize                     n,
                const char               *prefix);

/* One attribute: a nested map is walked into dotted keys, the rest fill a field or become an
 * extra field; exception.type and .message do both, as in the JSON form. */
static void
add_attribute (Record                 *r,
               const char             *key,
               const LdOtlp__AnyValue *value)
{
  LdValueType type;
  char *text;

  if (++r->n_attributes > LD_OTLP_MAX_ATTRIBUTES)
    {
      r->rejected = "a record has more than 1024 attributes";
      return;
    }
  if (value != NULL && value->value_case == LD_OTLP__ANY_VALUE__VALUE_KVLIST_VALUE)
    {
      if (++r->depth > 16)
        r->rejected = "a record's attributes nest maps deeper than 16";
      else
        add_attributes (r, value->kvlist_value->values, value->kvlist_value->n_values, key);
      r->depth--;
      return;
    }
  if (assign_field (r, key, value))
    return;

  text = value_text (value, &type);
  if (strcmp (key, "exception.type") == 0 && text != NULL)
    r->exception_type = keep (r, g_strdup (text));
  else if (strcmp (key, "exception.message") == 0 && text != NULL)
    r->exception_message = keep (r, g_strdup (text));
  add_extra (r, key, type, text);
}

static void
add_attributes (Record                   *r,
                LdOtlp__KeyValue * const *attributes,
                gsize                     n,
                const char               *prefix)
{
  for (gsize i = 0; i < n && r->rejected == NULL; i++)
    {
      g_autofree char *path = prefix != NULL ? g_strconcat (prefix, ".", attributes[i]->key, NULL)
                                             : NULL;

      add_attribute (r, path != NULL ? path : attributes[i]->key, attributes[i]->value);
    }
}

/* Resource service.name and host.name: the record's own fields, and extra fields too, as
 * every resource attribute is one to filter by. */
static void
add_resource (Record                 *r,
              const LdOtlp__Resource *resource)
{
  if (resource == NULL)
    return;
  for (gsize i = 0; i < resource->n_attributes; i++)
    {
      const LdOtlp__KeyValue *kv = resource->attributes[i];

      if (kv->value == NULL || kv->value->value_case != LD_OTLP__ANY_VALUE__VALUE_STRING_VALUE)
        continue;
      if (strcmp (kv->key, "service.name") == 0)
        r->fields.service = kv->value->string_value;
      else if (strcmp (kv->key, "host.name") == 0)
        r->fields.host = kv->value->string_value;
    }
  add_attributes (r, resource->attributes, resource->n_attributes, NULL);
}

static const char *
hex_id (Record                    *r,
        const ProtobufCBinaryData *id,
        gsize                      expected)
{
  static const char digits[] = "0123456789abcdef";
  char *hex;
  gboolean zero = TRUE;

  if (id->len != expected)
    return NULL;
  hex = g_malloc (expected * 2 + 1);
  for (gsize i = 0; i < expected; i++)
    {
      hex[2 * i] = digits[id->data[i] >> 4];
      hex[2 * i + 1] = digits[id->data[i] & 0x0f];
      zero = zero && id->data[i] == 0;
    }
  hex[expected * 2] = '\0';
  if (zero)
    {
      g_free (hex);
      return NULL;
    }
  return keep (r, hex);
}

static void
set_level (Record                  *r,
           const LdOtlp__LogRecord *log)
{
  int from_name;

  r->fields.level = LD_LEVEL_INFO;
  if (log->severity_number > 0)
    r->fields.level = ld_json_level_from_otel (log->severity_number);
  else if (*log->severity_text != '\0' && ld_level_parse_name (log->severity_text, &from_name))
    r->fields.level = from_name;

  if (*log->severity_text != '\0')
    r->fields.level_name = log->severity_text;
  else if (log->severity_number > 0 && log->severity_number <= 24)
    r->fields.level_name = _ld_json_otel_severity_name (log->severity_number);
  else if (log->severity_number > 0)
    r->fields.level_name = ld_level_canonical_name (r->fields.level);
}

static void
set_message (Record                  *r,
             const LdOtlp__LogRecord *log)
{
  LdValueType type;
  char *text = value_text (log->body, &type);

  r->fields.message = text != NULL ? keep (r, text) : "";
}

/* Without a trace, "Type: message" from the exception's parts, as the JSON form does. */
static void
set_exception (Record *r)
{
  if (r->fields.exception != NULL || (r->exception_type == NULL && r->exception_message == NULL))
    return;
  r->fields.exception = keep (r, g_strjoin (r->exception_type != NULL
                                            && r->exception_message != NULL ? ": " : "",
                                            r->exception_type != NULL ? r->exception_type : "",
                                            r->exception_message != NULL
                                            ? r->exception_message : "", NULL));
}

static void
add_number_extra (Record     *r,
                  const char *key,
                  guint64     value)
{
  if (value != 0)
    add_extra (r, key, LD_VALUE_NUMBER, g_strdup_printf ("%" G_GUINT64_FORMAT, value));
}

static void
emit (LdBatch *batch,
      Record  *r)
{
  ld_batch_add (batch, &r->fields);
  for (guint i = 0; i < r->extras->len; i++)
    {
      const Extra *extra = r->extras->pdata[i];

      ld_batch_add_extra (batch, extra->key, -1, extra->type, extra->value, -1);
    }
}

/* One LogRecord with its resource and scope; FALSE if it was rejected. */
static gboolean
add_log_record (LdBatch                            *batch,
                const LdOtlp__Resource             *resource,
                const LdOtlp__InstrumentationScope *scope,
                const LdOtlp__LogRecord            *log,
                const LdRecordOrigin               *origin,
                const char                        **rejected)
{
  Record r = { { 0 } };
  gint64 nanos = log->time_unix_nano != 0 ? (gint64) MIN (log->time_unix_nano, (guint64) G_MAXINT64)
                 : (gint64) MIN (log->observed_time_unix_nano, (guint64) G_MAXINT64);

  r.owned = g_ptr_array_new_with_free_func (g_free);
  r.extras = g_ptr_array_new_with_free_func ((GDestroyNotify) extra_free);
  /* Rounded to the nearest microsecond, as ld_json_parse_epoch() does. */
  r.fields.time_us = nanos != 0 ? nanos / 1000 + (nanos % 1000 >= 500)
                     : origin->received_us != 0 ? origin->received_us : g_get_real_time ();
  r.fields.connection = origin->connection;
  r.fields.peer = origin->peer;
  r.fields.protocol = origin->protocol;

  add_resource (&r, resource);
  if (scope != NULL && *scope->name != '\0')
    r.fields.logger = scope->name;
  if (scope != NULL && *scope->version != '\0')
    add_extra (&r, "otel.scope.version", LD_VALUE_STRING, g_strdup (scope->version));
  set_level (&r, log);
  set_message (&r, log);
  /* The observed time a record has beside its own is kept, as the JSON form keeps it. */
  if (log->time_unix_nano != 0 && log->observed_time_unix_nano != 0)
    add_extra (&r, "observedTimeUnixNano", LD_VALUE_STRING,
               g_strdup_printf ("%" G_GUINT64_FORMAT, (guint64) log->observed_time_unix_nano));
  add_number_extra (&r, "flags", log->flags);
  add_number_extra (&r, "droppedAttributesCount", log->dropped_attributes_count);
  if (*log->event_name != '\0')
    add_extra (&r, "eventName", LD_VALUE_STRING, g_strdup (log->event_name));
  r.fields.trace_id = hex_id (&r, &log->trace_id, 16);
  r.fields.span_id = hex_id (&r, &log->span_id, 8);
  add_attributes (&r, log->attributes, log->n_attributes, NULL);
  set_exception (&r);

  if (r.rejected == NULL)
    emit (batch, &r);
  *rejected = r.rejected;
  g_ptr_array_unref (r.extras);
  g_ptr_array_unref (r.owned);
  return *rejected == NULL;
}

static void
add_request (LdBatch                                *batch,
             const LdOtlp__ExportLogsServiceRequest *request,
             const LdRecordOrigin                   *origin,
             LdOtlpResult                           *result)
{
  for (gsize i = 0; i < request->n_resource_logs; i++)
    {
      const LdOtlp__ResourceLogs *rl = request->resource_logs[i];

      for (gsize j = 0; j < rl->n_scope_logs; j++)
        {
          const LdOtlp__ScopeLogs *sl = rl->scope_logs[j];

          for (gsize k = 0; k < sl->n_log_records; k++)
            {
              const char *rejected;

              if (add_log_record (batch, rl->resource, sl->scope, sl->log_records[k], origin,
                                  &rejected))
                result->accepted++;
              else if (result->rejected++ == 0)
                result->rejected_reason = g_strdup (rejected);
            }
        }
    }
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
 * Returns: %TRUE if the request was read; some of its records may still be rejected
 */
gboolean
ld_otlp_decode (LdBatch              *batch,
                const guint8         *data,
                gsize                 length,
                const LdRecordOrigin *origin,
                LdOtlpResult         *result,
                GError              **error)
{
  Walk walk = { data, 0, error };
  LdOtlp__ExportLogsServiceRequest *request;

  g_return_val_if_fail (batch != NULL && origin != NULL && result != NULL, FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  memset (result, 0, sizeof *result);
  if (!walk_message (&walk, data, data + length, M_REQUEST, 0))
    return FALSE;

  request = ld_otlp__export_logs_service_request__unpack (NULL, length, data);
  if (request == NULL)
    {
      g_set_error (error, LD_OTLP_ERROR, LD_OTLP_ERROR_MALFORMED,
                   "OTLP protobuf: not an ExportLogsServiceRequest (a field has the wrong type)");
      return FALSE;
    }
  add_request (batch, request, origin, result);
  ld_otlp__export_logs_service_request__free_unpacked (request, NULL);
  return TRUE;
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
