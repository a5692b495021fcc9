// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/* The OTLP protobuf decoder as it was before it read the wire itself: a walk on the wire
 * against the limits, then protobuf-c's generated unpack, then the mapping. The tests keep
 * it as the reference the decoder in src/core/ld-otlp.c must agree with, byte for byte, on
 * every input: test-otlp on its requests and the fuzz corpus, fuzz-otlp on whatever
 * libFuzzer makes. Everything here is static and named ref_ so that it sits beside the
 * real decoder in one program. */

#include <glib.h>
#include <math.h>
#include <string.h>

#include "ld-json-normalize-private.h"
#include "ld-jsonl.h"
#include "ld-level.h"
#include "ld-otlp.h"
#include "otlp-logs.pb-c.h"

/* The messages of a request, for the walk on the wire. */
typedef enum
{
  REF_M_NONE,
  REF_M_REQUEST,
  REF_M_RESOURCE_LOGS,
  REF_M_RESOURCE,
  REF_M_SCOPE_LOGS,
  REF_M_SCOPE,
  REF_M_LOG_RECORD,
  REF_M_KEY_VALUE,
  REF_M_ANY_VALUE,
  REF_M_ARRAY_VALUE,
  REF_M_KVLIST,
} ref_MessageType;

/* Which field of which message holds which message. */
static ref_MessageType
ref_child_type (ref_MessageType parent,
                guint32         field)
{
  switch (parent)
    {
    case REF_M_REQUEST: return field == 1 ? REF_M_RESOURCE_LOGS : REF_M_NONE;
    case REF_M_RESOURCE_LOGS: return field == 1 ? REF_M_RESOURCE : field == 2 ? REF_M_SCOPE_LOGS : REF_M_NONE;
    case REF_M_RESOURCE: return field == 1 ? REF_M_KEY_VALUE : REF_M_NONE;
    case REF_M_SCOPE_LOGS: return field == 1 ? REF_M_SCOPE : field == 2 ? REF_M_LOG_RECORD : REF_M_NONE;
    case REF_M_SCOPE: return field == 3 ? REF_M_KEY_VALUE : REF_M_NONE;
    case REF_M_LOG_RECORD: return field == 5 ? REF_M_ANY_VALUE : field == 6 ? REF_M_KEY_VALUE : REF_M_NONE;
    case REF_M_KEY_VALUE: return field == 2 ? REF_M_ANY_VALUE : REF_M_NONE;
    case REF_M_ANY_VALUE: return field == 5 ? REF_M_ARRAY_VALUE : field == 6 ? REF_M_KVLIST : REF_M_NONE;
    case REF_M_ARRAY_VALUE: return field == 1 ? REF_M_ANY_VALUE : REF_M_NONE;
    case REF_M_KVLIST: return field == 1 ? REF_M_KEY_VALUE : REF_M_NONE;
    case REF_M_NONE:
    default: return REF_M_NONE;
    }
}

typedef struct
{
  const guint8 *start;
  guint         messages;
  GError      **error;
} ref_Walk;

static gboolean
ref_walk_error (ref_Walk     *walk,
                LdOtlpError   code,
                const guint8 *at,
                const char   *what)
{
  g_set_error (walk->error, LD_OTLP_ERROR, code, "OTLP protobuf: byte %" G_GSIZE_FORMAT ": %s",
               (gsize) (at - walk->start), what);
  return FALSE;
}

static gboolean
ref_read_varint (const guint8 **p,
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
ref_walk_message (ref_Walk        *walk,
                  const guint8    *p,
                  const guint8    *end,
                  ref_MessageType  type,
                  guint            depth)
{
  while (p < end)
    {
      const guint8 *field_at = p;
      guint64 tag, length;
      ref_MessageType child;

      if (!ref_read_varint (&p, end, &tag) || tag >> 3 == 0 || tag >> 3 > G_MAXINT32)
        return ref_walk_error (walk, LD_OTLP_ERROR_MALFORMED, field_at, "a field tag that is not one");
      switch (tag & 7)
        {
        case 0:
          if (!ref_read_varint (&p, end, &length))
            return ref_walk_error (walk, LD_OTLP_ERROR_MALFORMED, field_at,
                               "a varint that does not end");
          break;
        case 1:
        case 5:
          if ((gsize) (end - p) < ((tag & 7) == 1 ? 8u : 4u))
            return ref_walk_error (walk, LD_OTLP_ERROR_MALFORMED, field_at,
                               "a fixed field that is cut short");
          p += (tag & 7) == 1 ? 8 : 4;
          break;
        case 2:
          if (!ref_read_varint (&p, end, &length) || length > (guint64) (end - p))
            return ref_walk_error (walk, LD_OTLP_ERROR_MALFORMED, field_at,
                               "a length past the end of its message (truncated?)");
          child = ref_child_type (type, tag >> 3);
          if (child != REF_M_NONE)
            {
              if (depth + 1 > LD_OTLP_MAX_DEPTH)
                return ref_walk_error (walk, LD_OTLP_ERROR_LIMIT, field_at,
                                   "values nested deeper than 64 messages");
              if (++walk->messages > LD_OTLP_MAX_MESSAGES)
                return ref_walk_error (walk, LD_OTLP_ERROR_LIMIT, field_at,
                                   "more than 1048576 messages in one request");
              if (!ref_walk_message (walk, p, p + length, child, depth + 1))
                return FALSE;
            }
          p += length;
          break;
        default:
          return ref_walk_error (walk, LD_OTLP_ERROR_MALFORMED, field_at,
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
  GPtrArray      *extras;         /* ref_Extra */
  guint           n_attributes;
  guint           depth;
  const char     *rejected;       /* why the record cannot be taken */
} ref_Record;

typedef struct
{
  char        *key;
  LdValueType  type;
  char        *value;
} ref_Extra;

static void
ref_extra_free (ref_Extra *extra)
{
  g_free (extra->key);
  g_free (extra->value);
  g_free (extra);
}

static const char *
ref_keep (ref_Record *r,
          char       *text)
{
  g_ptr_array_add (r->owned, text);
  return text;
}

/* The shortest text that reads back as the same double, as JSON would have it. */
static char *
ref_format_double (double value)
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
ref_render_json (const LdOtlp__AnyValue *value,
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
      text = ref_format_double (value->double_value);
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
          ref_render_json (value->array_value->values[i], out);
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
          ref_render_json (kv->value, out);
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
ref_value_text (const LdOtlp__AnyValue *value,
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
      return ref_format_double (value->double_value);
    case LD_OTLP__ANY_VALUE__VALUE_BYTES_VALUE:
      *type = LD_VALUE_STRING;
      return g_base64_encode (value->bytes_value.data, value->bytes_value.len);
    case LD_OTLP__ANY_VALUE__VALUE_ARRAY_VALUE:
    case LD_OTLP__ANY_VALUE__VALUE_KVLIST_VALUE:
      *type = LD_VALUE_JSON;
      json = g_string_new (NULL);
      ref_render_json (value, json);
      return g_string_free (json, FALSE);
    case LD_OTLP__ANY_VALUE__VALUE__NOT_SET:
    default:
      *type = LD_VALUE_NULL;
      return NULL;
    }
}

static gboolean
ref_value_int64 (const LdOtlp__AnyValue *value,
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
ref_value_string (ref_Record             *r,
                  const LdOtlp__AnyValue *value)
{
  LdValueType type;
  char *text = ref_value_text (value, &type);

  return text != NULL ? ref_keep (r, text) : NULL;
}

/* An attribute that fills a field, as the "otlp" rules of ld-json-dialects.c have it; FALSE
 * for one that stays an extra field. */
static gboolean
ref_assign_field (ref_Record             *r,
                  const char             *key,
                  const LdOtlp__AnyValue *value)
{
  gint64 number;

  if (strcmp (key, "thread.name") == 0)
    r->fields.thread = ref_value_string (r, value);
  else if (strcmp (key, "thread.id") == 0 && ref_value_int64 (value, &number))
    r->fields.thread_id = number;
  else if (strcmp (key, "code.function") == 0 || strcmp (key, "code.function.name") == 0)
    r->fields.function = ref_value_string (r, value);
  else if (strcmp (key, "code.filepath") == 0 || strcmp (key, "code.file.path") == 0)
    r->fields.file = ref_value_string (r, value);
  else if ((strcmp (key, "code.lineno") == 0 || strcmp (key, "code.line.number") == 0)
           && ref_value_int64 (value, &number))
    r->fields.line = (guint) CLAMP (number, 0, G_MAXUINT32);
  else if (strcmp (key, "exception.stacktrace") == 0)
    r->fields.exception = ref_value_string (r, value);
  else if (strcmp (key, "process.pid") == 0 && ref_value_int64 (value, &number))
    r->fields.process = number;
  else
    return FALSE;
  return TRUE;
}

static void
ref_add_extra (ref_Record  *r,
               const char  *key,
               LdValueType  type,
               char        *value)
{
  ref_Extra *extra = g_new (ref_Extra, 1);

  extra->key = g_strdup (key);
  extra->type = type;
  extra->value = value;
  g_ptr_array_add (r->extras, extra);
}

static void
ref_add_attributes (ref_Record               *r,
                    LdOtlp__KeyValue * const *attributes,
                    gsize                     n,
                    const char               *prefix);

/* One attribute: a nested map is walked into dotted keys, the rest fill a field or become an
 * extra field; exception.type and .message do both, as in the JSON form. */
static void
ref_add_attribute (ref_Record             *r,
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
        ref_add_attributes (r, value->kvlist_value->values, value->kvlist_value->n_values, key);
      r->depth--;
      return;
    }
  if (ref_assign_field (r, key, value))
    return;

  text = ref_value_text (value, &type);
  if (strcmp (key, "exception.type") == 0 && text != NULL)
    r->exception_type = ref_keep (r, g_strdup (text));
  else if (strcmp (key, "exception.message") == 0 && text != NULL)
    r->exception_message = ref_keep (r, g_strdup (text));
  ref_add_extra (r, key, type, text);
}

static void
ref_add_attributes (ref_Record               *r,
                    LdOtlp__KeyValue * const *attributes,
                    gsize                     n,
                    const char               *prefix)
{
  for (gsize i = 0; i < n && r->rejected == NULL; i++)
    {
      g_autofree char *path = prefix != NULL ? g_strconcat (prefix, ".", attributes[i]->key, NULL)
                                             : NULL;

      ref_add_attribute (r, path != NULL ? path : attributes[i]->key, attributes[i]->value);
    }
}

/* Resource service.name and host.name: the record's own fields, and extra fields too, as
 * every resource attribute is one to filter by. */
static void
ref_add_resource (ref_Record             *r,
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
  ref_add_attributes (r, resource->attributes, resource->n_attributes, NULL);
}

static const char *
ref_hex_id (ref_Record                *r,
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
  return ref_keep (r, hex);
}

static void
ref_set_level (ref_Record              *r,
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
ref_set_message (ref_Record              *r,
                 const LdOtlp__LogRecord *log)
{
  LdValueType type;
  char *text = ref_value_text (log->body, &type);

  r->fields.message = text != NULL ? ref_keep (r, text) : "";
}

/* Without a trace, "Type: message" from the exception's parts, as the JSON form does. */
static void
ref_set_exception (ref_Record *r)
{
  if (r->fields.exception != NULL || (r->exception_type == NULL && r->exception_message == NULL))
    return;
  r->fields.exception = ref_keep (r, g_strjoin (r->exception_type != NULL
                                            && r->exception_message != NULL ? ": " : "",
                                            r->exception_type != NULL ? r->exception_type : "",
                                            r->exception_message != NULL
                                            ? r->exception_message : "", NULL));
}

static void
ref_add_number_extra (ref_Record *r,
                      const char *key,
                      guint64     value)
{
  if (value != 0)
    ref_add_extra (r, key, LD_VALUE_NUMBER, g_strdup_printf ("%" G_GUINT64_FORMAT, value));
}

static void
ref_emit (LdBatch    *batch,
          ref_Record *r)
{
  ld_batch_add (batch, &r->fields);
  for (guint i = 0; i < r->extras->len; i++)
    {
      const ref_Extra *extra = r->extras->pdata[i];

      ld_batch_add_extra (batch, extra->key, -1, extra->type, extra->value, -1);
    }
}

/* One LogRecord with its resource and scope; FALSE if it was rejected. */
static gboolean
ref_add_log_record (LdBatch                            *batch,
                    const LdOtlp__Resource             *resource,
                    const LdOtlp__InstrumentationScope *scope,
                    const LdOtlp__LogRecord            *log,
                    const LdRecordOrigin               *origin,
                    const char                        **rejected)
{
  ref_Record r = { { 0 } };
  gint64 nanos = log->time_unix_nano != 0 ? (gint64) MIN (log->time_unix_nano, (guint64) G_MAXINT64)
                 : (gint64) MIN (log->observed_time_unix_nano, (guint64) G_MAXINT64);

  r.owned = g_ptr_array_new_with_free_func (g_free);
  r.extras = g_ptr_array_new_with_free_func ((GDestroyNotify) ref_extra_free);
  /* Rounded to the nearest microsecond, as ld_json_parse_epoch() does. */
  r.fields.time_us = nanos != 0 ? nanos / 1000 + (nanos % 1000 >= 500)
                     : origin->received_us != 0 ? origin->received_us : g_get_real_time ();
  r.fields.connection = origin->connection;
  r.fields.peer = origin->peer;
  r.fields.protocol = origin->protocol;

  ref_add_resource (&r, resource);
  if (scope != NULL && *scope->name != '\0')
    r.fields.logger = scope->name;
  if (scope != NULL && *scope->version != '\0')
    ref_add_extra (&r, "otel.scope.version", LD_VALUE_STRING, g_strdup (scope->version));
  ref_set_level (&r, log);
  ref_set_message (&r, log);
  /* The observed time a record has beside its own is kept, as the JSON form keeps it. */
  if (log->time_unix_nano != 0 && log->observed_time_unix_nano != 0)
    ref_add_extra (&r, "observedTimeUnixNano", LD_VALUE_STRING,
               g_strdup_printf ("%" G_GUINT64_FORMAT, (guint64) log->observed_time_unix_nano));
  ref_add_number_extra (&r, "flags", log->flags);
  ref_add_number_extra (&r, "droppedAttributesCount", log->dropped_attributes_count);
  if (*log->event_name != '\0')
    ref_add_extra (&r, "eventName", LD_VALUE_STRING, g_strdup (log->event_name));
  r.fields.trace_id = ref_hex_id (&r, &log->trace_id, 16);
  r.fields.span_id = ref_hex_id (&r, &log->span_id, 8);
  ref_add_attributes (&r, log->attributes, log->n_attributes, NULL);
  ref_set_exception (&r);

  if (r.rejected == NULL)
    ref_emit (batch, &r);
  *rejected = r.rejected;
  g_ptr_array_unref (r.extras);
  g_ptr_array_unref (r.owned);
  return *rejected == NULL;
}

static void
ref_add_request (LdBatch                                *batch,
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

              if (ref_add_log_record (batch, rl->resource, sl->scope, sl->log_records[k], origin,
                                  &rejected))
                result->accepted++;
              else if (result->rejected++ == 0)
                result->rejected_reason = g_strdup (rejected);
            }
        }
    }
}

static gboolean
otlp_reference_decode (LdBatch              *batch,
                       const guint8         *data,
                       gsize                 length,
                       const LdRecordOrigin *origin,
                       LdOtlpResult         *result,
                       GError              **error)
{
  ref_Walk walk = { data, 0, error };
  LdOtlp__ExportLogsServiceRequest *request;

  g_return_val_if_fail (batch != NULL && origin != NULL && result != NULL, FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  memset (result, 0, sizeof *result);
  if (!ref_walk_message (&walk, data, data + length, REF_M_REQUEST, 0))
    return FALSE;

  request = ld_otlp__export_logs_service_request__unpack (NULL, length, data);
  if (request == NULL)
    {
      g_set_error (error, LD_OTLP_ERROR, LD_OTLP_ERROR_MALFORMED,
                   "OTLP protobuf: not an ExportLogsServiceRequest (a field has the wrong type)");
      return FALSE;
    }
  ref_add_request (batch, request, origin, result);
  ld_otlp__export_logs_service_request__free_unpacked (request, NULL);
  return TRUE;
}
