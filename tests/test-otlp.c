// SPDX-License-Identifier: GPL-3.0-or-later
/* The OTLP protobuf decoder: a request encoded by protobuf-c itself, mapped as the issue's
 * table says; the same request in OTLP/JSON through the JSON normaliser gives the same
 * records; rejected records are counted with a reason; bad bodies (truncated, nested too
 * deep, the wrong message) are refused in words; and on every request here, every file of
 * the fuzz corpus and thousands of mutations of them, the decoder that reads the wire itself
 * answers byte for byte as the one over protobuf-c's unpack did (otlp-reference.h). */

#include <json-glib/json-glib.h>
#include <string.h>

#include "ld-intern.h"
#include "ld-json-normalize.h"
#include "ld-jsonl.h"
#include "ld-otlp.h"
#include "otlp-logs.pb-c.h"
#include "otlp-reference.h"

static const LdRecordOrigin origin = { "http-1", "127.0.0.1:40000", "otlp-http",
                                       G_GINT64_CONSTANT (1700000000000000) };

static const guint8 trace_id[16] = { 0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6,
                                     0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36 };
static const guint8 span_id[8] = { 0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7 };

/* The same export as the protobuf request built below, as the JS SDK's JSON exporter
 * writes it. */
static const char export_json[] =
  "{\"resourceLogs\":[{\"resource\":{\"attributes\":["
  "{\"key\":\"service.name\",\"value\":{\"stringValue\":\"checkout\"}},"
  "{\"key\":\"host.name\",\"value\":{\"stringValue\":\"web-1\"}},"
  "{\"key\":\"process.pid\",\"value\":{\"intValue\":\"4242\"}},"
  "{\"key\":\"telemetry.sdk.language\",\"value\":{\"stringValue\":\"nodejs\"}}]},"
  "\"scopeLogs\":[{\"scope\":{\"name\":\"app.orders\",\"version\":\"1.2.0\"},\"logRecords\":["
  "{\"timeUnixNano\":\"1700000000123456789\",\"observedTimeUnixNano\":\"1700000000200000000\","
  "\"severityNumber\":9,\"severityText\":\"INFO\",\"body\":{\"stringValue\":\"order placed\"},"
  "\"attributes\":["
  "{\"key\":\"user\",\"value\":{\"stringValue\":\"alice\"}},"
  "{\"key\":\"count\",\"value\":{\"intValue\":\"3\"}},"
  "{\"key\":\"ratio\",\"value\":{\"doubleValue\":0.1}},"
  "{\"key\":\"ok\",\"value\":{\"boolValue\":true}},"
  "{\"key\":\"tags\",\"value\":{\"arrayValue\":{\"values\":[{\"stringValue\":\"a\"},"
  "{\"intValue\":\"2\"}]}}},"
  "{\"key\":\"http\",\"value\":{\"kvlistValue\":{\"values\":[{\"key\":\"method\","
  "\"value\":{\"stringValue\":\"GET\"}}]}}},"
  "{\"key\":\"code.filepath\",\"value\":{\"stringValue\":\"/srv/app/orders.js\"}},"
  "{\"key\":\"code.lineno\",\"value\":{\"intValue\":\"42\"}},"
  "{\"key\":\"code.function\",\"value\":{\"stringValue\":\"place\"}},"
  "{\"key\":\"thread.name\",\"value\":{\"stringValue\":\"main\"}},"
  "{\"key\":\"thread.id\",\"value\":{\"intValue\":\"7\"}}],"
  "\"flags\":1,\"traceId\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"spanId\":\"00f067aa0ba902b7\"},"
  "{\"timeUnixNano\":\"1700000001000000000\",\"severityNumber\":18,"
  "\"body\":{\"kvlistValue\":{\"values\":[{\"key\":\"event\",\"value\":{\"stringValue\":\"fail\"}},"
  "{\"key\":\"n\",\"value\":{\"intValue\":\"1\"}}]}},"
  "\"attributes\":["
  "{\"key\":\"exception.type\",\"value\":{\"stringValue\":\"TypeError\"}},"
  "{\"key\":\"exception.message\",\"value\":{\"stringValue\":\"x is undefined\"}},"
  "{\"key\":\"exception.stacktrace\",\"value\":{\"stringValue\":\"TypeError: x is undefined\\n"
  "    at place (/srv/app/orders.js:42:7)\"}}]},"
  "{\"timeUnixNano\":\"1700000002000000000\",\"severityText\":\"warn\","
  "\"body\":{\"intValue\":\"5\"}}"
  "]}]}]}";

/* What the value helpers allocate, freed with the request they build. A
 * set: adding a key already there would free it (g_hash_table_replace). */
static GHashTable *nodes;

static void
track (GHashTable *pool,
       gpointer    node)
{
  if (!g_hash_table_contains (pool, node))
    g_hash_table_add (pool, node);
}

static gpointer
new_node (gsize size)
{
  gpointer node = g_malloc (size);

  if (nodes != NULL)
    track (nodes, node);
  return node;
}

static LdOtlp__AnyValue *
string_value (const char *text)
{
  LdOtlp__AnyValue *value = new_node (sizeof *value);

  ld_otlp__any_value__init (value);
  value->value_case = LD_OTLP__ANY_VALUE__VALUE_STRING_VALUE;
  value->string_value = (char *) text;
  return value;
}

static LdOtlp__AnyValue *
int_value (gint64 number)
{
  LdOtlp__AnyValue *value = new_node (sizeof *value);

  ld_otlp__any_value__init (value);
  value->value_case = LD_OTLP__ANY_VALUE__VALUE_INT_VALUE;
  value->int_value = number;
  return value;
}

static LdOtlp__KeyValue *
key_value (const char       *key,
           LdOtlp__AnyValue *value)
{
  LdOtlp__KeyValue *kv = new_node (sizeof *kv);

  ld_otlp__key_value__init (kv);
  kv->key = (char *) key;
  kv->value = value;
  return kv;
}

/* A list of the pointers given, which the test leaks into @pool. */
static gpointer
list_of (GHashTable *pool,
         gsize       n,
         ...)
{
  gpointer *list = g_new (gpointer, n);
  va_list args;

  va_start (args, n);
  for (gsize i = 0; i < n; i++)
    {
      list[i] = va_arg (args, gpointer);
      track (pool, list[i]);
    }
  va_end (args);
  track (pool, list);
  return list;
}

static LdOtlp__AnyValue *
list_value (GHashTable                  *pool,
            LdOtlp__AnyValue__ValueCase  which,
            gsize                        n,
            gpointer                    *items)
{
  LdOtlp__AnyValue *value = new_node (sizeof *value);

  ld_otlp__any_value__init (value);
  value->value_case = which;
  if (which == LD_OTLP__ANY_VALUE__VALUE_ARRAY_VALUE)
    {
      value->array_value = g_new (LdOtlp__ArrayValue, 1);
      ld_otlp__array_value__init (value->array_value);
      value->array_value->n_values = n;
      value->array_value->values = (LdOtlp__AnyValue **) items;
      track (pool, value->array_value);
    }
  else
    {
      value->kvlist_value = g_new (LdOtlp__KeyValueList, 1);
      ld_otlp__key_value_list__init (value->kvlist_value);
      value->kvlist_value->n_values = n;
      value->kvlist_value->values = (LdOtlp__KeyValue **) items;
      track (pool, value->kvlist_value);
    }
  return value;
}

/* export_json's request, packed by protobuf-c; @extra_record adds a fourth record with more
 * attributes than a record may have. */
static GBytes *
pack_request (gboolean extra_record)
{
  g_autoptr(GHashTable) pool = g_hash_table_new_full (NULL, NULL, g_free, NULL);
  G_GNUC_UNUSED GHashTable *tracking = nodes = pool;
  LdOtlp__ExportLogsServiceRequest request = LD_OTLP__EXPORT_LOGS_SERVICE_REQUEST__INIT;
  LdOtlp__ResourceLogs rl = LD_OTLP__RESOURCE_LOGS__INIT;
  LdOtlp__Resource resource = LD_OTLP__RESOURCE__INIT;
  LdOtlp__ScopeLogs sl = LD_OTLP__SCOPE_LOGS__INIT;
  LdOtlp__InstrumentationScope scope = LD_OTLP__INSTRUMENTATION_SCOPE__INIT;
  LdOtlp__LogRecord a = LD_OTLP__LOG_RECORD__INIT, b = LD_OTLP__LOG_RECORD__INIT;
  LdOtlp__LogRecord c = LD_OTLP__LOG_RECORD__INIT, d = LD_OTLP__LOG_RECORD__INIT;
  LdOtlp__ResourceLogs *rls[] = { &rl };
  LdOtlp__ScopeLogs *sls[] = { &sl };
  LdOtlp__LogRecord *records[] = { &a, &b, &c, &d };
  LdOtlp__AnyValue ratio = LD_OTLP__ANY_VALUE__INIT, ok = LD_OTLP__ANY_VALUE__INIT;
  LdOtlp__KeyValue *many[1100];
  guint8 *buffer;
  gsize size;

  resource.attributes = list_of (pool, 4, key_value ("service.name", string_value ("checkout")),
                                 key_value ("host.name", string_value ("web-1")),
                                 key_value ("process.pid", int_value (4242)),
                                 key_value ("telemetry.sdk.language", string_value ("nodejs")));
  resource.n_attributes = 4;
  scope.name = (char *) "app.orders";
  scope.version = (char *) "1.2.0";

  ratio.value_case = LD_OTLP__ANY_VALUE__VALUE_DOUBLE_VALUE;
  ratio.double_value = 0.1;
  ok.value_case = LD_OTLP__ANY_VALUE__VALUE_BOOL_VALUE;
  ok.bool_value = TRUE;
  a.time_unix_nano = G_GUINT64_CONSTANT (1700000000123456789);
  a.observed_time_unix_nano = G_GUINT64_CONSTANT (1700000000200000000);
  a.severity_number = 9;
  a.severity_text = (char *) "INFO";
  a.body = string_value ("order placed");
  track (pool, a.body);
  a.attributes = list_of (pool, 11, key_value ("user", string_value ("alice")),
                          key_value ("count", int_value (3)), key_value ("ratio", &ratio),
                          key_value ("ok", &ok),
                          key_value ("tags", list_value (pool, LD_OTLP__ANY_VALUE__VALUE_ARRAY_VALUE,
                                                         2, list_of (pool, 2, string_value ("a"),
                                                                     int_value (2)))),
                          key_value ("http", list_value (pool, LD_OTLP__ANY_VALUE__VALUE_KVLIST_VALUE,
                                                         1, list_of (pool, 1,
                                                                     key_value ("method",
                                                                                string_value ("GET"))))),
                          key_value ("code.filepath", string_value ("/srv/app/orders.js")),
                          key_value ("code.lineno", int_value (42)),
                          key_value ("code.function", string_value ("place")),
                          key_value ("thread.name", string_value ("main")),
                          key_value ("thread.id", int_value (7)));
  a.n_attributes = 11;
  a.flags = 1;
  a.trace_id = (ProtobufCBinaryData) { sizeof trace_id, (guint8 *) trace_id };
  a.span_id = (ProtobufCBinaryData) { sizeof span_id, (guint8 *) span_id };

  b.time_unix_nano = G_GUINT64_CONSTANT (1700000001000000000);
  b.severity_number = 18;
  b.body = list_value (pool, LD_OTLP__ANY_VALUE__VALUE_KVLIST_VALUE, 2,
                       list_of (pool, 2, key_value ("event", string_value ("fail")),
                                key_value ("n", int_value (1))));
  track (pool, b.body);
  b.attributes = list_of (pool, 3, key_value ("exception.type", string_value ("TypeError")),
                          key_value ("exception.message", string_value ("x is undefined")),
                          key_value ("exception.stacktrace",
                                     string_value ("TypeError: x is undefined\n"
                                                   "    at place (/srv/app/orders.js:42:7)")));
  b.n_attributes = 3;

  c.time_unix_nano = G_GUINT64_CONSTANT (1700000002000000000);
  c.severity_text = (char *) "warn";
  c.body = int_value (5);
  track (pool, c.body);

  for (guint i = 0; i < G_N_ELEMENTS (many); i++)
    {
      many[i] = key_value (g_strdup_printf ("k%u", i), int_value (i));
      track (pool, many[i]->key);
      track (pool, many[i]->value);
      track (pool, many[i]);
    }
  d.body = string_value ("too many");
  track (pool, d.body);
  d.attributes = many;
  d.n_attributes = G_N_ELEMENTS (many);

  sl.scope = &scope;
  sl.log_records = records;
  sl.n_log_records = extra_record ? 4 : 3;
  rl.resource = &resource;
  rl.scope_logs = sls;
  rl.n_scope_logs = 1;
  request.resource_logs = rls;
  request.n_resource_logs = 1;

  size = ld_otlp__export_logs_service_request__get_packed_size (&request);
  buffer = g_malloc (size);
  ld_otlp__export_logs_service_request__pack (&request, buffer);
  nodes = NULL;
  return g_bytes_new_take (buffer, size);
}

static LdRecord
record_at (LdBatch *batch,
           guint    index)
{
  const char *text;
  LdRecord record = *ld_batch_get_record (batch, index, &text);

  record.text = text;
  return record;
}

static void
assert_text (const char *text,
             gsize       len,
             const char *expected)
{
  g_assert_cmpmem (text, len, expected, strlen (expected));
}

static LdBatch *
decode (GBytes       *request,
        LdOtlpResult *result)
{
  g_autoptr(GError) error = NULL;
  LdBatch *batch = ld_batch_new ();

  g_assert_true (ld_otlp_decode (batch, g_bytes_get_data (request, NULL),
                                 g_bytes_get_size (request), &origin, result, &error));
  g_assert_no_error (error);
  return batch;
}

static void
test_mapping (void)
{
  g_autoptr(GBytes) request = pack_request (TRUE);
  LdOtlpResult result;
  g_autoptr(LdBatch) batch = decode (request, &result);
  LdValueType type;
  const char *text;
  gsize len;
  LdRecord r;

  g_assert_cmpuint (result.accepted, ==, 3);
  g_assert_cmpint (result.rejected, ==, 1);
  g_assert_cmpstr (result.rejected_reason, ==, "a record has more than 1024 attributes");
  ld_otlp_result_clear (&result);
  g_assert_cmpuint (ld_batch_get_length (batch), ==, 3);

  r = record_at (batch, 0);
  g_assert_cmpint (r.time_us, ==, G_GINT64_CONSTANT (1700000000123457));   /* rounded */
  g_assert_cmpint (r.level, ==, 20);
  g_assert_cmpstr (ld_intern_lookup (r.level_name), ==, "INFO");
  g_assert_cmpstr (ld_intern_lookup (r.logger), ==, "app.orders");
  g_assert_cmpstr (ld_intern_lookup (r.service), ==, "checkout");
  g_assert_cmpstr (ld_intern_lookup (r.host), ==, "web-1");
  g_assert_cmpstr (ld_intern_lookup (r.file), ==, "/srv/app/orders.js");
  g_assert_cmpstr (ld_intern_lookup (r.function), ==, "place");
  g_assert_cmpstr (ld_intern_lookup (r.thread), ==, "main");
  g_assert_cmpint (r.thread_id, ==, 7);
  g_assert_cmpuint (r.line, ==, 42);
  g_assert_cmpint (r.process, ==, 4242);
  text = ld_record_get_message (&r, &len);
  assert_text (text, len, "order placed");
  g_assert_true (ld_record_get_extra (&r, LD_RECORD_TRACE_ID, &type, &text, &len));
  assert_text (text, len, "4bf92f3577b34da6a3ce929d0e0e4736");
  g_assert_true (ld_record_get_extra (&r, LD_RECORD_SPAN_ID, &type, &text, &len));
  assert_text (text, len, "00f067aa0ba902b7");
  g_assert_true (ld_record_get_extra (&r, "http.method", &type, &text, &len));
  assert_text (text, len, "GET");
  g_assert_true (ld_record_get_extra (&r, "ratio", &type, &text, &len));
  g_assert_cmpint (type, ==, LD_VALUE_NUMBER);
  assert_text (text, len, "0.1");
  g_assert_true (ld_record_get_extra (&r, "tags", &type, &text, &len));
  g_assert_cmpint (type, ==, LD_VALUE_JSON);
  assert_text (text, len, "[\"a\",2]");
  g_assert_true (ld_record_get_extra (&r, "service.name", &type, &text, &len));
  g_assert_false (ld_record_get_extra (&r, "code.lineno", &type, &text, &len));

  r = record_at (batch, 1);
  g_assert_cmpint (r.level, ==, 41);
  g_assert_cmpstr (ld_intern_lookup (r.level_name), ==, "ERROR2");
  text = ld_record_get_message (&r, &len);
  assert_text (text, len, "{\"event\":\"fail\",\"n\":1}");
  text = ld_record_get_exception (&r, &len);
  g_assert_true (g_str_has_prefix (text, "TypeError: x is undefined\n    at place"));
  g_assert_true (ld_record_get_extra (&r, "exception.type", &type, &text, &len));

  r = record_at (batch, 2);
  g_assert_cmpint (r.level, ==, 30);
  g_assert_cmpstr (ld_intern_lookup (r.level_name), ==, "warn");
  text = ld_record_get_message (&r, &len);
  assert_text (text, len, "5");
}

/* A record's canonical line as a JSON object. */
static JsonNode *
canonical_object (const LdRecord *record)
{
  g_autoptr(GString) line = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  ld_jsonl_append_record (line, record, NULL);
  node = json_from_string (line->str, &error);
  g_assert_no_error (error);
  return node;
}

/* The same export in protobuf and in OTLP/JSON gives the same canonical lines, host,
 * service and trace context included, compared as JSON objects: the JSON form gives the
 * extra fields in the order the record has them, the protobuf form its own fields first. */
static void
test_same_as_json (void)
{
  g_autoptr(GBytes) request = pack_request (FALSE);
  g_autoptr(GError) error = NULL;
  LdOtlpResult result;
  g_autoptr(LdBatch) from_proto = decode (request, &result);
  g_autoptr(LdBatch) from_json = ld_batch_new ();
  LdJsonContext ctx = { .origin = origin };

  ld_otlp_result_clear (&result);
  g_assert_cmpuint (ld_json_normalize (from_json, export_json, strlen (export_json), &ctx, &error),
                    ==, 3);
  g_assert_no_error (error);
  g_assert_cmpuint (ld_batch_get_length (from_proto), ==, 3);

  for (guint i = 0; i < 3; i++)
    {
      LdRecord a = record_at (from_proto, i), b = record_at (from_json, i);
      g_autoptr(JsonNode) proto_line = canonical_object (&a);
      g_autoptr(JsonNode) json_line = canonical_object (&b);
      g_autofree char *proto_text = json_to_string (proto_line, FALSE);
      g_autofree char *json_text = json_to_string (json_line, FALSE);

      g_test_message ("protobuf: %s", proto_text);
      g_test_message ("JSON:     %s", json_text);
      g_assert_true (json_node_equal (proto_line, json_line));
    }
}

/* Both decoders on @data: the same answer, the same error in the same words, the same counts
 * and reason, and the same canonical lines, byte for byte. */
static void
assert_same_as_reference (const guint8 *data,
                          gsize         size,
                          const char   *what)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autoptr(LdBatch) reference_batch = ld_batch_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) reference_error = NULL;
  g_autoptr(GString) lines = g_string_new (NULL);
  g_autoptr(GString) reference_lines = g_string_new (NULL);
  LdOtlpResult result, reference;
  gboolean ok = ld_otlp_decode (batch, data, size, &origin, &result, &error);
  gboolean reference_ok = otlp_reference_decode (reference_batch, data, size, &origin,
                                                 &reference, &reference_error);

  if (ok != reference_ok)
    g_error ("%s: decoded %d, the reference %d (%s)", what, ok, reference_ok,
             ok ? reference_error->message : error->message);
  if (!ok)
    {
      g_assert_cmpint (error->code, ==, reference_error->code);
      g_assert_cmpstr (error->message, ==, reference_error->message);
    }
  g_assert_cmpuint (result.accepted, ==, reference.accepted);
  g_assert_cmpint (result.rejected, ==, reference.rejected);
  g_assert_cmpstr (result.rejected_reason, ==, reference.rejected_reason);
  ld_jsonl_append_batch (lines, batch);
  ld_jsonl_append_batch (reference_lines, reference_batch);
  if (!g_str_equal (lines->str, reference_lines->str))
    g_error ("%s: the lines differ\n%s\nthe reference's:\n%s", what, lines->str,
             reference_lines->str);
  ld_otlp_result_clear (&result);
  ld_otlp_result_clear (&reference);
}

static void
insert_bytes (GByteArray   *array,
              guint         at,
              const guint8 *data,
              guint         len)
{
  g_autofree guint8 *copy = g_memdup2 (data, len);   /* @data may be @array's own */

  g_byte_array_set_size (array, array->len + len);
  memmove (array->data + at + len, array->data + at, array->len - len - at);
  memcpy (array->data + at, copy, len);
}

/* What a fuzzer does first: a byte changed, put in, taken out or cut off, a piece doubled. */
static GByteArray *
mutate (GRand        *rand,
        const guint8 *data,
        gsize         size)
{
  GByteArray *out = g_byte_array_sized_new (size + 16);
  guint at = size > 0 ? g_rand_int_range (rand, 0, size) : 0;
  guint8 byte = g_rand_int_range (rand, 0, 256);

  g_byte_array_append (out, data, size);
  switch (size > 0 ? g_rand_int_range (rand, 0, 5) : 1)
    {
    case 0:
      out->data[at] ^= 1 << g_rand_int_range (rand, 0, 8);
      break;
    case 1:
      insert_bytes (out, at, &byte, 1);
      break;
    case 2:
      g_byte_array_remove_index (out, at);
      break;
    case 3:
      g_byte_array_set_size (out, at);
      break;
    default:
      {
        guint len = g_rand_int_range (rand, 1, MIN (size - at, 64u) + 1);

        insert_bytes (out, at, data + at, len);
        break;
      }
    }
  return out;
}

/* Each input, and a few hundred mutations of it, alike in both decoders. */
static void
assert_same_with_mutations (GRand        *rand,
                            const guint8 *data,
                            gsize         size,
                            const char   *what)
{
  assert_same_as_reference (data, size, what);
  for (guint i = 0; i < 300; i++)
    {
      g_autoptr(GByteArray) mutant = mutate (rand, data, size);
      g_autofree char *name = g_strdup_printf ("%s, mutation %u", what, i);

      assert_same_as_reference (mutant->data, mutant->len, name);
      if (i % 3 == 0)
        {
          g_autoptr(GByteArray) again = mutate (rand, mutant->data, mutant->len);

          assert_same_as_reference (again->data, again->len, name);
        }
    }
}

/* AnyValue { array_value { values: [ ... @depth times ... ] } } */
static GByteArray *
nested_value (guint depth)
{
  GByteArray *value = g_byte_array_new ();

  for (guint i = 0; i < depth; i++)
    {
      GByteArray *outer = g_byte_array_new ();
      guint8 array_header[2] = { 0x0a, (guint8) value->len };   /* ArrayValue.values */
      guint8 any_header[2] = { 0x2a, (guint8) (value->len + 2) }; /* AnyValue.array_value */

      if (value->len + 2 > 127)
        break;
      g_byte_array_append (outer, any_header, 2);
      g_byte_array_append (outer, array_header, 2);
      g_byte_array_append (outer, value->data, value->len);
      g_byte_array_unref (value);
      value = outer;
    }
  return value;
}

static void
test_bad_bodies (void)
{
  g_autoptr(GBytes) request = pack_request (FALSE);
  gsize size;
  const guint8 *data = g_bytes_get_data (request, &size);
  static const guint8 wrong_type[] = { 0x08, 0x01 };        /* resource_logs as a varint */
  static const guint8 group[] = { 0x0b, 0x0c };
  g_autoptr(GByteArray) deep = g_byte_array_new ();
  g_autoptr(LdBatch) batch = ld_batch_new ();
  struct { const guint8 *data; gsize size; LdOtlpError code; const char *text; } cases[] = {
    { data, size - 5, LD_OTLP_ERROR_MALFORMED, "past the end of its message (truncated?)" },
    { wrong_type, sizeof wrong_type, LD_OTLP_ERROR_MALFORMED, "not an ExportLogsServiceRequest" },
    { group, sizeof group, LD_OTLP_ERROR_MALFORMED, "byte 0: a field of a wire type" },
    { (const guint8 *) "{\"resourceLogs\":[]}", 19, LD_OTLP_ERROR_MALFORMED, "byte 0" },
    { NULL, 0, LD_OTLP_ERROR_LIMIT, "nested deeper than 64" },
  };

  /* A request whose one record's body nests 40 arrays: deeper than 64 messages in all. */
  {
    g_autoptr(GByteArray) body = nested_value (40);
    guint8 header[2];

    /* Lengths over 127 need two varint bytes, so build from the inside out with a helper. */
    g_byte_array_append (deep, body->data, body->len);
    for (guint field = 0; field < 4; field++)
      {
        static const guint8 tags[] = { 0x2a, 0x12, 0x12, 0x0a };  /* body, log_records,
                                                                   * scope_logs, resource_logs */
        g_autoptr(GByteArray) outer = g_byte_array_new ();
        guint8 varint[3];
        gsize n = 0, len = deep->len;

        do
          {
            varint[n++] = (len & 0x7f) | (len > 0x7f ? 0x80 : 0);
            len >>= 7;
          }
        while (len > 0);
        header[0] = tags[field];
        g_byte_array_append (outer, header, 1);
        g_byte_array_append (outer, varint, n);
        g_byte_array_append (outer, deep->data, deep->len);
        g_byte_array_set_size (deep, 0);
        g_byte_array_append (deep, outer->data, outer->len);
      }
  }
  cases[4].data = deep->data;
  cases[4].size = deep->len;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      LdOtlpResult result;

      assert_same_as_reference (cases[i].data, cases[i].size, cases[i].text);
      g_assert_false (ld_otlp_decode (batch, cases[i].data, cases[i].size, &origin, &result,
                                      &error));
      g_test_message ("%s", error->message);
      g_assert_error (error, LD_OTLP_ERROR, (int) cases[i].code);
      g_assert_nonnull (strstr (error->message, cases[i].text));
      ld_otlp_result_clear (&result);
    }
  g_assert_cmpuint (ld_batch_get_length (batch), ==, 0);
}

static void
test_same_as_reference (void)
{
  g_autofree char *corpus = g_test_build_filename (G_TEST_DIST, "fuzz", "corpus-otlp", NULL);
  g_autoptr(GDir) dir = g_dir_open (corpus, 0, NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (14);
  const char *name;
  guint files = 0;

  for (guint extra = 0; extra <= 1; extra++)
    {
      g_autoptr(GBytes) request = pack_request (extra);
      gsize size;
      const guint8 *data = g_bytes_get_data (request, &size);

      assert_same_with_mutations (rand, data, size, extra ? "the mapping's request"
                                                          : "the JSON comparison's request");
    }

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (corpus, name, NULL);
      g_autofree char *data = NULL;
      gsize size;

      g_assert_true (g_file_get_contents (path, &data, &size, NULL));
      assert_same_with_mutations (rand, (const guint8 *) data, size, name);
      files++;
    }
  g_test_message ("%u corpus files", files);
  g_assert_cmpuint (files, >=, 20);
}

/* A request refused at its very end, after its records were read, leaves the batch as it
 * was: here holding the records of an earlier request. */
static void
test_refused_adds_nothing (void)
{
  g_autoptr(GBytes) request = pack_request (FALSE);
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autoptr(GByteArray) bad = g_byte_array_new ();
  g_autoptr(GString) before = g_string_new (NULL);
  g_autoptr(GString) after = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  static const guint8 wrong_type[] = { 0x08, 0x01 };   /* resource_logs as a varint */
  LdOtlpResult result;
  gsize size;
  const guint8 *data = g_bytes_get_data (request, &size);

  g_assert_true (ld_otlp_decode (batch, data, size, &origin, &result, NULL));
  ld_otlp_result_clear (&result);
  ld_jsonl_append_batch (before, batch);
  g_byte_array_append (bad, data, size);
  g_byte_array_append (bad, wrong_type, sizeof wrong_type);

  g_assert_false (ld_otlp_decode (batch, bad->data, bad->len, &origin, &result, &error));
  g_assert_error (error, LD_OTLP_ERROR, LD_OTLP_ERROR_MALFORMED);
  g_assert_cmpuint (result.accepted, ==, 0);
  g_assert_cmpint (result.rejected, ==, 0);
  g_assert_null (result.rejected_reason);
  g_assert_cmpuint (ld_batch_get_length (batch), ==, 3);
  ld_jsonl_append_batch (after, batch);
  g_assert_cmpstr (after->str, ==, before->str);
}

static void
put_varint (GByteArray *out,
            guint64     value)
{
  do
    {
      guint8 byte = (value & 0x7f) | (value > 0x7f ? 0x80 : 0);

      g_byte_array_append (out, &byte, 1);
      value >>= 7;
    }
  while (value > 0);
}

static void
put_message (GByteArray       *out,
             guint             field,
             const GByteArray *message)
{
  put_varint (out, field << 3 | 2);
  put_varint (out, message->len);
  g_byte_array_append (out, message->data, message->len);
}

/* A resource with @n empty attributes, in a request with one record. */
static GByteArray *
request_with_attributes (guint n)
{
  g_autoptr(GByteArray) resource = g_byte_array_new ();
  g_autoptr(GByteArray) scope_logs = g_byte_array_new ();
  g_autoptr(GByteArray) record = g_byte_array_new ();
  g_autoptr(GByteArray) resource_logs = g_byte_array_new ();
  GByteArray *request = g_byte_array_new ();
  static const guint8 empty_attribute[] = { 0x0a, 0x00 };

  for (guint i = 0; i < n; i++)
    g_byte_array_append (resource, empty_attribute, sizeof empty_attribute);
  put_message (scope_logs, 2, record);
  put_message (resource_logs, 1, resource);
  put_message (resource_logs, 2, scope_logs);
  put_message (request, 1, resource_logs);
  return request;
}

/* Huge requests: one message past the limit is refused in words, as the reference refuses
 * it; one within it is read, and a record with more attributes than a record may have is
 * rejected, not the request. */
static void
test_huge_requests (void)
{
  g_autoptr(GByteArray) over = request_with_attributes (LD_OTLP_MAX_MESSAGES);
  g_autoptr(GByteArray) within = request_with_attributes (LD_OTLP_MAX_MESSAGES - 8);
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autoptr(GError) error = NULL;
  LdOtlpResult result;

  g_assert_false (ld_otlp_decode (batch, over->data, over->len, &origin, &result, &error));
  g_assert_error (error, LD_OTLP_ERROR, LD_OTLP_ERROR_LIMIT);
  g_assert_nonnull (strstr (error->message, "more than 1048576 messages"));
  assert_same_as_reference (over->data, over->len, "one message too many");

  g_assert_true (ld_otlp_decode (batch, within->data, within->len, &origin, &result, NULL));
  g_assert_cmpuint (result.accepted, ==, 0);
  g_assert_cmpint (result.rejected, ==, 1);
  g_assert_cmpstr (result.rejected_reason, ==, "a record has more than 1024 attributes");
  ld_otlp_result_clear (&result);
  assert_same_as_reference (within->data, within->len, "as many messages as may be");
}

static void
test_response (void)
{
  g_autoptr(GBytes) ok = ld_otlp_encode_response (0, NULL);
  g_autoptr(GBytes) partial = ld_otlp_encode_response (2, "a record has more than 1024 attributes");
  LdOtlp__ExportLogsServiceResponse *response;
  gsize size;
  const guint8 *data = g_bytes_get_data (partial, &size);

  g_assert_cmpuint (g_bytes_get_size (ok), ==, 0);
  response = ld_otlp__export_logs_service_response__unpack (NULL, size, data);
  g_assert_nonnull (response);
  g_assert_nonnull (response->partial_success);
  g_assert_cmpint (response->partial_success->rejected_log_records, ==, 2);
  g_assert_cmpstr (response->partial_success->error_message, ==,
                   "a record has more than 1024 attributes");
  ld_otlp__export_logs_service_response__free_unpacked (response, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/otlp/mapping", test_mapping);
  g_test_add_func ("/otlp/same-as-json", test_same_as_json);
  g_test_add_func ("/otlp/bad-bodies", test_bad_bodies);
  g_test_add_func ("/otlp/response", test_response);
  g_test_add_func ("/otlp/same-as-reference", test_same_as_reference);
  g_test_add_func ("/otlp/refused-adds-nothing", test_refused_adds_nothing);
  g_test_add_func ("/otlp/huge-requests", test_huge_requests);

  return g_test_run ();
}
