// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include "ld-json-normalize-private.h"
#include "ld-jsonl.h"

/* OTLP/JSON as it reaches the normaliser: AnyValues ({"stringValue": "x"}, ...) as fields,
 * attribute lists as fields of their own, and a whole export ({"resourceLogs": [...]}) as one
 * record per logRecord. */

static void otlp_value_to_json (const LdJsonNode *any,
                                GString          *out);

static const LdJsonNode *
otlp_values (const LdJsonNode *wrapper)
{
  const LdJsonNode *values;

  if (wrapper->kind != LD_JSON_OBJECT)
    return NULL;
  values = ld_json_object_get (wrapper, "values", -1);
  return values != NULL && values->kind == LD_JSON_ARRAY ? values : NULL;
}

static void
otlp_list_to_json (const LdJsonNode *wrapper,
                   gboolean          is_map,
                   GString          *out)
{
  const LdJsonNode *values = otlp_values (wrapper);

  g_string_append_c (out, is_map ? '{' : '[');
  for (const LdJsonNode *item = values != NULL ? ld_json_array_first (values) : NULL;
       item != NULL; item = ld_json_array_next (values, item))
    {
      const LdJsonNode *value = item;

      if (item != values + 1)
        g_string_append_c (out, ',');
      if (is_map)
        {
          const LdJsonNode *key = item->kind == LD_JSON_OBJECT
                                  ? ld_json_object_get (item, "key", -1) : NULL;

          if (key != NULL && key->kind == LD_JSON_STRING)
            ld_jsonl_append_string (out, key->text, key->len);
          else
            g_string_append (out, "\"\"");
          g_string_append_c (out, ':');
          value = item->kind == LD_JSON_OBJECT ? ld_json_object_get (item, "value", -1) : NULL;
        }
      if (value != NULL)
        otlp_value_to_json (value, out);
      else
        g_string_append (out, "null");
    }
  g_string_append_c (out, is_map ? '}' : ']');
}

/* An AnyValue ({"stringValue": "x"}, {"intValue": "5"}, ...) as the plain JSON it stands for;
 * 64-bit integers arrive as strings and leave as numbers. */
static void
otlp_value_to_json (const LdJsonNode *any,
                    GString          *out)
{
  const LdJsonNode *key = any->kind == LD_JSON_OBJECT ? ld_json_object_first (any) : NULL;
  const LdJsonNode *value = key != NULL ? key + 1 : NULL;
  gint64 number;

  if (any->kind != LD_JSON_OBJECT)
    ld_json_node_to_json (any, out);
  else if (key == NULL)
    g_string_append (out, "null");
  else if (ld_json_node_is (key, "arrayValue", 10) || ld_json_node_is (key, "kvlistValue", 11))
    otlp_list_to_json (value, key->len == 11, out);
  else if (ld_json_node_is (key, "intValue", 8) && value->kind == LD_JSON_STRING
           && parse_int64 (value->text, value->len, &number))
    g_string_append_printf (out, "%" G_GINT64_FORMAT, number);
  else
    ld_json_node_to_json (value, out);
}

/* Text of a list value, which lives as long as the parse. */
static void
set_json_text (Normalizer       *n,
               Field            *field,
               const LdJsonNode *any)
{
  GString *json = scratch (n);

  otlp_value_to_json (any, json);
  field->type = LD_VALUE_JSON;
  field->text = copy_text (n, json->str, json->len);
  field->len = json->len;
  field->node = NULL;
}

/* An AnyValue as a field: scalars keep their type, lists become JSON text. */
static void
otlp_field (Normalizer       *n,
            const char       *key,
            gsize             key_len,
            const LdJsonNode *any,
            Field            *field)
{
  const LdJsonNode *type = any->kind == LD_JSON_OBJECT ? ld_json_object_first (any) : NULL;

  if (type == NULL)
    {
      if (any->kind == LD_JSON_OBJECT)
        *field = (Field) { key, key_len, LD_VALUE_NULL, NULL, 0, NULL };
      else
        field_from_node (field, key, key_len, any);
      return;
    }

  field_from_node (field, key, key_len, type + 1);
  if (ld_json_node_is (type, "arrayValue", 10) || ld_json_node_is (type, "kvlistValue", 11))
    set_json_text (n, field, any);
  else if (type[1].kind == LD_JSON_STRING && (ld_json_node_is (type, "intValue", 8)
                                              || ld_json_node_is (type, "doubleValue", 11)))
    field->type = LD_VALUE_NUMBER;
  else if (type[1].kind == LD_JSON_STRING && ld_json_node_is (type, "boolValue", 9))
    field->type = LD_VALUE_BOOL;
}

/* A LogRecord's body is its message: a scalar as it is, a list or map as its JSON text. */
void
_ld_json_otlp_body (Normalizer       *n,
                    const char       *path,
                    gsize             len,
                    const LdJsonNode *value,
                    Field            *field)
{
  otlp_field (n, path, len, value, field);
  if (field->type == LD_VALUE_JSON && field->node != NULL)
    set_json_text (n, field, value);
  if (field->type == LD_VALUE_JSON)
    field->type = LD_VALUE_STRING;
}

/* [{"key": k, "value": AnyValue}]; a kvlistValue nests its members under k. */
void
_ld_json_walk_otlp_attributes (Normalizer       *n,
                               const LdJsonNode *attributes,
                               const char       *prefix,
                               gsize             prefix_len,
                               guint8            bias)
{
  for (const LdJsonNode *item = ld_json_array_first (attributes); item != NULL;
       item = ld_json_array_next (attributes, item))
    {
      const LdJsonNode *key = NULL, *value = NULL, *type;
      const char *path;
      gsize len;
      Field field;

      if (item->kind == LD_JSON_OBJECT)
        key = ld_json_object_get (item, "key", -1), value = ld_json_object_get (item, "value", -1);
      if (key == NULL || key->kind != LD_JSON_STRING || value == NULL)
        {
          field_from_node (&field, "attributes", strlen ("attributes"), item);
          keep_extra (n, &field);
          continue;
        }

      path = join_path (n, prefix, prefix_len, key->text, key->len, &len);
      type = value->kind == LD_JSON_OBJECT ? ld_json_object_first (value) : NULL;
      if (type != NULL && ld_json_node_is (type, "kvlistValue", 11) && otlp_values (type + 1))
        _ld_json_walk_otlp_attributes (n, otlp_values (type + 1), path, len, bias);
      else
        {
          const Rule *rule = rule_for (n, path, len, ld_json_hash (path, len));

          otlp_field (n, path, len, value, &field);
          _ld_json_assign (n, rule, rule != NULL ? rule->rank * 2 + bias : 0, &field);
        }
    }
}

static const LdJsonNode *
get_member (const LdJsonNode *object,
            const char       *key,
            LdJsonKind        kind)
{
  const LdJsonNode *value;

  if (object == NULL || object->kind != LD_JSON_OBJECT)
    return NULL;
  value = ld_json_object_get (object, key, -1);
  return value != NULL && value->kind == kind ? value : NULL;
}

/* One record of a whole export: what the resource and the scope say comes first, at a lower
 * rank than what the record says itself. */
static void
read_otlp_record (Normalizer       *n,
                  const LdJsonNode *record,
                  const LdJsonNode *resource_attributes,
                  const LdJsonNode *scope)
{
  const LdJsonNode *name = get_member (scope, "name", LD_JSON_STRING);
  const LdJsonNode *version = get_member (scope, "version", LD_JSON_STRING);
  Field field;

  _ld_json_begin_record (n, DIALECT_OTLP, record);
  if (resource_attributes != NULL)
    _ld_json_walk_otlp_attributes (n, resource_attributes, NULL, 0, 0);
  if (name != NULL)
    _ld_json_walk_member (n, SCOPE_NAME, strlen (SCOPE_NAME),
                          rule_for (n, SCOPE_NAME, strlen (SCOPE_NAME),
                                    ld_json_hash (SCOPE_NAME, strlen (SCOPE_NAME))),
                          name, 0);
  if (version != NULL)
    {
      field_from_node (&field, "otel.scope.version", strlen ("otel.scope.version"), version);
      keep_extra (n, &field);
    }
  _ld_json_walk_object (n, record, NULL, 0, 1);
  _ld_json_emit_record (n);
}

/* {"resourceLogs": [{"resource": {"attributes": [...]},
 *                    "scopeLogs": [{"scope": {"name": ...}, "logRecords": [...]}]}]} */
void
_ld_json_read_otlp_export (Normalizer       *n,
                           const LdJsonNode *export)
{
  const LdJsonNode *resource_logs = get_member (export, "resourceLogs", LD_JSON_ARRAY);

  for (const LdJsonNode *rl = ld_json_array_first (resource_logs); rl != NULL;
       rl = ld_json_array_next (resource_logs, rl))
    {
      const LdJsonNode *resource = get_member (rl, "resource", LD_JSON_OBJECT);
      const LdJsonNode *attributes = get_member (resource, "attributes", LD_JSON_ARRAY);
      const LdJsonNode *scope_logs = get_member (rl, "scopeLogs", LD_JSON_ARRAY);

      for (const LdJsonNode *sl = scope_logs != NULL ? ld_json_array_first (scope_logs) : NULL;
           sl != NULL; sl = ld_json_array_next (scope_logs, sl))
        {
          const LdJsonNode *scope = get_member (sl, "scope", LD_JSON_OBJECT);
          const LdJsonNode *records = get_member (sl, "logRecords", LD_JSON_ARRAY);

          for (const LdJsonNode *r = records != NULL ? ld_json_array_first (records) : NULL;
               r != NULL; r = ld_json_array_next (records, r))
            if (r->kind == LD_JSON_OBJECT)
              read_otlp_record (n, r, attributes, scope);
        }
    }
}

