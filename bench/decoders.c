// SPDX-License-Identifier: GPL-3.0-or-later
/* bench/decoders [NAME]: how fast the fleet's formats become records, in-process: the decoders
 * alone, fed bytes already in memory, with no sockets and no store. For each of OTLP protobuf
 * (requests of 512 records), OTLP/JSON (exports of 512), syslog over TCP (RFC 5424,
 * octet-counted, through the framer in 64 KiB reads) and GELF payloads (zlib, as graypy sends
 * them, and plain) it decodes 1,000,000 records into batches of 512 and prints records per
 * second of CPU time, the best of three runs; with NAME, only the formats whose name contains
 * it. Prints figures; asserts none. The headless figures over real sockets are the sources'
 * benchmarks, once those sources exist. */
#include "config.h"

#include <gio/gio.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ld-gelf.h"
#include "ld-json-normalize.h"
#include "ld-otlp.h"
#include "ld-syslog.h"

#define N_RECORDS 1000000
#define BATCH     512

static const LdRecordOrigin origin = { "bench", "127.0.0.1:1", "bench", 1700000000000000 };

/* Protobuf's wire format, enough to write a request. */
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
put_bytes (GByteArray *out,
           guint       field,
           const void *data,
           gsize       length)
{
  put_varint (out, field << 3 | 2);
  put_varint (out, length);
  g_byte_array_append (out, data, length);
}

static void
put_message (GByteArray *out,
             guint       field,
             GByteArray *message)
{
  put_bytes (out, field, message->data, message->len);
  g_byte_array_unref (message);
}

static GByteArray *
string_attribute (const char *key,
                  const char *value)
{
  GByteArray *kv = g_byte_array_new ();
  GByteArray *any = g_byte_array_new ();

  put_bytes (kv, 1, key, strlen (key));
  put_bytes (any, 1, value, strlen (value));
  put_message (kv, 2, any);
  return kv;
}

static GByteArray *
int_attribute (const char *key,
               gint64      value)
{
  GByteArray *kv = g_byte_array_new ();
  GByteArray *any = g_byte_array_new ();

  put_bytes (kv, 1, key, strlen (key));
  put_varint (any, 3 << 3);
  put_varint (any, value);
  put_message (kv, 2, any);
  return kv;
}

static GByteArray *
otlp_request (void)
{
  GByteArray *request = g_byte_array_new ();
  GByteArray *rl = g_byte_array_new ();
  GByteArray *resource = g_byte_array_new ();
  GByteArray *sl = g_byte_array_new ();
  GByteArray *scope = g_byte_array_new ();

  put_message (resource, 1, string_attribute ("service.name", "checkout"));
  put_message (resource, 1, string_attribute ("host.name", "web-1"));
  put_message (resource, 1, string_attribute ("telemetry.sdk.language", "nodejs"));
  put_bytes (scope, 1, "app.orders", 10);
  put_message (sl, 1, scope);
  for (guint i = 0; i < BATCH; i++)
    {
      GByteArray *log = g_byte_array_new ();
      GByteArray *body = g_byte_array_new ();
      g_autofree char *message = g_strdup_printf ("order %u placed for customer %u in 12 ms", i,
                                                  i * 7);
      guint64 nanos = G_GUINT64_CONSTANT (1700000000000000000) + i * 1000;
      guint8 ids[16];

      put_varint (log, 1 << 3 | 1);
      g_byte_array_append (log, (const guint8 *) &nanos, 8);
      put_varint (log, 2 << 3);
      put_varint (log, 9 + i % 12);
      put_bytes (body, 1, message, strlen (message));
      put_message (log, 5, body);
      put_message (log, 6, string_attribute ("user", "alice"));
      put_message (log, 6, int_attribute ("order.id", 100000 + i));
      put_message (log, 6, string_attribute ("code.function", "place"));
      put_message (log, 6, int_attribute ("code.lineno", 42));
      for (guint j = 0; j < 16; j++)
        ids[j] = (guint8) (i * 31 + j);
      put_bytes (log, 9, ids, 16);
      put_bytes (log, 10, ids, 8);
      put_message (sl, 2, log);
    }
  put_message (rl, 1, resource);
  put_message (rl, 2, sl);
  put_message (request, 1, rl);
  return request;
}

static GString *
otlp_json_export (void)
{
  GString *json = g_string_new ("{\"resourceLogs\":[{\"resource\":{\"attributes\":["
                                "{\"key\":\"service.name\",\"value\":{\"stringValue\":\"checkout\"}},"
                                "{\"key\":\"host.name\",\"value\":{\"stringValue\":\"web-1\"}}]},"
                                "\"scopeLogs\":[{\"scope\":{\"name\":\"app.orders\"},\"logRecords\":[");

  for (guint i = 0; i < BATCH; i++)
    g_string_append_printf (json,
                            "%s{\"timeUnixNano\":\"%" G_GUINT64_FORMAT "\",\"severityNumber\":%u,"
                            "\"body\":{\"stringValue\":\"order %u placed for customer %u in 12 ms\"},"
                            "\"attributes\":[{\"key\":\"user\",\"value\":{\"stringValue\":\"alice\"}},"
                            "{\"key\":\"order.id\",\"value\":{\"intValue\":\"%u\"}},"
                            "{\"key\":\"code.function\",\"value\":{\"stringValue\":\"place\"}},"
                            "{\"key\":\"code.lineno\",\"value\":{\"intValue\":\"42\"}}],"
                            "\"traceId\":\"4bf92f3577b34da6a3ce929d0e0e4736\","
                            "\"spanId\":\"00f067aa0ba902b7\"}",
                            i > 0 ? "," : "", G_GUINT64_CONSTANT (1700000000000000000) + i * 1000,
                            9 + i % 12, i, i * 7, 100000 + i);
  g_string_append (json, "]}]}]}");
  return json;
}

static double
cpu_seconds (void)
{
  return (double) clock () / CLOCKS_PER_SEC;
}

static void
report (const char *name,
        double      best)
{
  printf ("%-34s %12.0f records/s (in-process, CPU time)\n", name, N_RECORDS / best);
  fflush (stdout);
}

static void
bench_otlp_protobuf (void)
{
  g_autoptr(GByteArray) request = otlp_request ();
  double best = G_MAXDOUBLE;

  for (int run = 0; run < 3; run++)
    {
      double start = cpu_seconds ();

      for (guint done = 0; done < N_RECORDS; done += BATCH)
        {
          g_autoptr(LdBatch) batch = ld_batch_new ();
          LdOtlpResult result;

          if (!ld_otlp_decode (batch, request->data, request->len, &origin, &result, NULL))
            g_error ("the request did not decode");
          ld_otlp_result_clear (&result);
        }
      best = MIN (best, cpu_seconds () - start);
    }
  report ("OTLP protobuf, requests of 512", best);
}

static void
bench_otlp_json (void)
{
  g_autoptr(GString) json = otlp_json_export ();
  LdJsonContext ctx = { .origin = origin, .parser = ld_json_parser_new () };
  double best = G_MAXDOUBLE;

  for (int run = 0; run < 3; run++)
    {
      double start = cpu_seconds ();

      for (guint done = 0; done < N_RECORDS; done += BATCH)
        {
          g_autoptr(LdBatch) batch = ld_batch_new ();

          if (ld_json_normalize (batch, json->str, json->len, &ctx, NULL) != BATCH)
            g_error ("the export did not normalise");
        }
      best = MIN (best, cpu_seconds () - start);
    }
  ld_json_parser_free (ctx.parser);
  report ("OTLP/JSON, exports of 512", best);
}

static void
bench_syslog_tcp (void)
{
  g_autoptr(GString) stream = g_string_new (NULL);
  double best = G_MAXDOUBLE;

  for (guint i = 0; i < N_RECORDS; i++)
    {
      char message[256];
      int len = g_snprintf (message, sizeof message,
                            "<%u>1 2026-12-06T00:20:%02u.%06uZ web-%u app - ID47 "
                            "[meta sequenceId=\"%u\"] request %u served in 12 ms",
                            8 + i % 8 + 16 * 8, i % 60, i % 1000000, i % 20, i, i);

      g_string_append_printf (stream, "%d %s", len, message);
    }

  for (int run = 0; run < 3; run++)
    {
      g_autoptr(LdSyslogFramer) framer = ld_syslog_framer_new (0);
      LdBatch *batch = ld_batch_new ();
      double start = cpu_seconds ();
      guint parsed = 0;

      for (gsize at = 0; at < stream->len; at += 65536)
        {
          const char *message;
          gsize len;

          ld_syslog_framer_push (framer, stream->str + at, MIN (65536, stream->len - at));
          while (ld_syslog_framer_next (framer, &message, &len, NULL))
            {
              if (!ld_syslog_parse (batch, message, len, &origin, NULL))
                g_error ("a message did not parse");
              if (++parsed % BATCH == 0)
                {
                  ld_batch_free (batch);
                  batch = ld_batch_new ();
                }
            }
        }
      ld_batch_free (batch);
      if (parsed != N_RECORDS)
        g_error ("%u messages framed", parsed);
      best = MIN (best, cpu_seconds () - start);
    }
  report ("syslog RFC 5424, octet-counted", best);
}

static GPtrArray *
gelf_payloads (gboolean compressed)
{
  GPtrArray *payloads = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *json = g_strdup_printf (
        "{\"version\":\"1.0\",\"host\":\"web-%u\",\"short_message\":\"request %u served in 12 ms\","
        "\"full_message\":\"request %u served in 12 ms\",\"timestamp\":1796516873.%u,\"level\":6,"
        "\"facility\":\"app.gelf\",\"file\":\"/srv/app.py\",\"line\":%u,\"_function\":\"serve\","
        "\"_pid\":4242,\"_thread_name\":\"MainThread\",\"_process_name\":\"MainProcess\","
        "\"_user\":\"alice\"}", i % 20, i, i, i, i % 500);
      g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB, -1);
      g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
      g_autoptr(GOutputStream) out = g_converter_output_stream_new (memory, G_CONVERTER (compressor));

      if (!compressed)
        {
          g_ptr_array_add (payloads, g_bytes_new (json, strlen (json)));
          continue;
        }
      g_output_stream_write_all (out, json, strlen (json), NULL, NULL, NULL);
      g_output_stream_close (out, NULL, NULL);
      g_ptr_array_add (payloads,
                       g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory)));
    }
  return payloads;
}

static void
bench_gelf (gboolean compressed)
{
  g_autoptr(GPtrArray) payloads = gelf_payloads (compressed);
  g_autoptr(LdJsonParser) parser = ld_json_parser_new ();
  double best = G_MAXDOUBLE;

  for (int run = 0; run < 3; run++)
    {
      LdBatch *batch = ld_batch_new ();
      double start = cpu_seconds ();

      for (guint i = 0; i < N_RECORDS; i++)
        {
          GBytes *payload = payloads->pdata[i % payloads->len];

          if (!ld_gelf_decode (batch, parser, g_bytes_get_data (payload, NULL),
                               g_bytes_get_size (payload), 0, &origin, NULL))
            g_error ("a payload did not decode");
          if ((i + 1) % BATCH == 0)
            {
              ld_batch_free (batch);
              batch = ld_batch_new ();
            }
        }
      ld_batch_free (batch);
      best = MIN (best, cpu_seconds () - start);
    }
  report (compressed ? "GELF, zlib payloads" : "GELF, plain payloads", best);
}

int
main (int   argc,
      char *argv[])
{
  const char *only = argc > 1 ? argv[1] : "";

  if (strstr ("otlp-protobuf", only) != NULL)
    bench_otlp_protobuf ();
  if (strstr ("otlp-json", only) != NULL)
    bench_otlp_json ();
  if (strstr ("syslog", only) != NULL)
    bench_syslog_tcp ();
  if (strstr ("gelf", only) != NULL)
    {
      bench_gelf (TRUE);
      bench_gelf (FALSE);
    }
  return 0;
}
