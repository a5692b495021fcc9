// SPDX-License-Identifier: GPL-3.0-or-later
/* The GELF decoder and chunk assembler: Debian's python3-graypy sends over UDP (zlib, plain,
 * and a message chunked over many datagrams, reassembled again in reverse with duplicates),
 * gzip payloads, the time and memory limits with their counts, and bad input refused in
 * words. */

#include <gio/gio.h>
#include <string.h>
#include <sys/socket.h>

#include "ld-gelf.h"
#include "ld-intern.h"
#include "ld-level.h"

static const LdRecordOrigin origin = { "udp", "127.0.0.1:12201", "udp-gelf",
                                       G_GINT64_CONSTANT (1700000000000000) };

/* Sends four records through graypy to 127.0.0.1:PORT. */
static const char graypy_sender[] =
  "import logging, os, sys, graypy\n"
  "from graypy.handler import GELFWarningChunker\n"
  "port = int(sys.argv[1])\n"
  "log = logging.getLogger('app.gelf')\n"
  "log.setLevel(logging.DEBUG)\n"
  "zlib = graypy.GELFUDPHandler('127.0.0.1', port)\n"
  "log.addHandler(zlib)\n"
  "log.warning('hello %s', 'gelf', extra={'user': 'alice', 'n': 5})\n"
  "log.removeHandler(zlib)\n"
  "plain = graypy.GELFUDPHandler('127.0.0.1', port, compress=False)\n"
  "log.addHandler(plain)\n"
  "try:\n"
  "    1 / 0\n"
  "except ZeroDivisionError:\n"
  "    log.exception('division failed')\n"
  "log.removeHandler(plain)\n"
  "chunked = graypy.GELFUDPHandler('127.0.0.1', port,\n"
  "                                gelf_chunker=GELFWarningChunker(chunk_size=300))\n"
  "log.addHandler(chunked)\n"
  "log.debug('big ' + os.urandom(3000).hex())\n";

typedef struct
{
  GPtrArray *chunks;   /* GBytes: the chunked message's datagrams as they came */
  guint      n_datagrams;
} Received;

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
assert_extra (const LdRecord *record,
              const char     *key,
              LdValueType     expected_type,
              const char     *expected)
{
  LdValueType type;
  const char *value;
  gsize len;

  g_assert_true (ld_record_get_extra (record, key, &type, &value, &len));
  g_assert_cmpint (type, ==, expected_type);
  g_assert_cmpmem (value, len, expected, strlen (expected));
}

/* Receives graypy's datagrams until three messages are whole. */
static void
receive_graypy (GSocket         *socket,
                LdGelfAssembler *assembler,
                LdBatch         *batch,
                Received        *received)
{
  g_autoptr(LdJsonParser) parser = ld_json_parser_new ();
  guint records = 0;

  while (records < 3)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) message = NULL;
      char buffer[65536];
      gssize n = g_socket_receive (socket, buffer, sizeof buffer, NULL, &error);
      LdGelfChunkResult result;

      g_assert_no_error (error);
      received->n_datagrams++;
      result = ld_gelf_assembler_add (assembler, buffer, n, g_get_monotonic_time (), &message,
                                      &error);
      g_assert_no_error (error);
      if (result == LD_GELF_CHUNK_PENDING || result == LD_GELF_CHUNK_COMPLETE)
        g_ptr_array_add (received->chunks, g_bytes_new (buffer, n));
      if (result == LD_GELF_CHUNK_PENDING)
        continue;
      if (result == LD_GELF_CHUNK_COMPLETE)
        g_assert_true (ld_gelf_decode (batch, parser, g_bytes_get_data (message, NULL),
                                       g_bytes_get_size (message), 0, &origin, &error));
      else
        g_assert_true (ld_gelf_decode (batch, parser, buffer, n, 0, &origin, &error));
      g_assert_no_error (error);
      records++;
    }
}

static void
check_graypy_records (LdBatch *batch)
{
  LdRecord r;
  gsize len;
  const char *text;

  g_assert_cmpuint (ld_batch_get_length (batch), ==, 3);
  r = record_at (batch, 0);
  g_assert_cmpint (r.level, ==, LD_LEVEL_WARNING);
  g_assert_cmpstr (ld_intern_lookup (r.logger), ==, "app.gelf");
  g_assert_cmpstr (ld_intern_lookup (r.thread), ==, "MainThread");
  g_assert_cmpstr (ld_intern_lookup (r.function), ==, "<module>");
  g_assert_cmpuint (r.line, ==, 8);
  g_assert_nonnull (ld_intern_lookup (r.host));
  g_assert_cmpint (r.process, >, 0);
  g_assert_cmpint (ABS (r.time_us - g_get_real_time ()), <, 60 * G_USEC_PER_SEC);
  text = ld_record_get_message (&r, &len);
  g_assert_cmpmem (text, len, "hello gelf", 10);
  g_assert_cmpuint (r.tail_len == 0 ? 0 : ld_record_get_exception (&r, &len) != NULL, ==, 1);
  g_assert_cmpuint (len, ==, 0);
  assert_extra (&r, "user", LD_VALUE_STRING, "alice");
  assert_extra (&r, "n", LD_VALUE_NUMBER, "5");

  r = record_at (batch, 1);
  g_assert_cmpint (r.level, ==, LD_LEVEL_ERROR);
  text = ld_record_get_message (&r, &len);
  g_assert_cmpmem (text, len, "division failed", 15);
  text = ld_record_get_exception (&r, &len);
  g_assert_nonnull (g_strstr_len (text, len, "ZeroDivisionError"));

  r = record_at (batch, 2);
  g_assert_cmpint (r.level, ==, LD_LEVEL_DEBUG);
  text = ld_record_get_message (&r, &len);
  g_assert_cmpuint (len, ==, 4 + 6000);
}

static void
test_graypy_udp (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) any = NULL;
  g_autoptr(GInetSocketAddress) bound = NULL;
  g_autoptr(LdGelfAssembler) assembler = ld_gelf_assembler_new (0, 0);
  g_autoptr(LdGelfAssembler) again = ld_gelf_assembler_new (0, 0);
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autoptr(LdBatch) reassembled = ld_batch_new ();
  g_autoptr(GPtrArray) chunks = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autofree char *port = NULL;
  g_autoptr(GBytes) whole = NULL;
  LdGelfAssemblerStats stats;
  Received received = { chunks, 0 };
  const char *python = g_getenv ("LD_PYTHON3") ? g_getenv ("LD_PYTHON3") : "/usr/bin/python3";
  const char *argv[] = { python, "-c", graypy_sender, NULL, NULL };
  int status;

  if (!g_spawn_sync (NULL, (char **) (const char *[]) { python, "-c", "import graypy", NULL },
                     NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL)
      || !g_spawn_check_wait_status (status, NULL))
    {
      g_test_skip ("python3-graypy is not installed");
      return;
    }

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, 0, &error);
  any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_assert_true (g_socket_bind (socket, any, FALSE, &error));
  g_socket_set_timeout (socket, 20);
  /* Room for every datagram before the test reads one. */
  g_socket_set_option (socket, SOL_SOCKET, SO_RCVBUF, 1 << 20, NULL);
  bound = G_INET_SOCKET_ADDRESS (g_socket_get_local_address (socket, &error));
  port = g_strdup_printf ("%u", g_inet_socket_address_get_port (bound));
  argv[3] = port;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL,
                               NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, &error));

  receive_graypy (socket, assembler, batch, &received);
  check_graypy_records (batch);
  ld_gelf_assembler_get_stats (assembler, &stats);
  g_assert_cmpuint (stats.completed, ==, 1);
  g_assert_cmpuint (stats.pending, ==, 0);
  g_assert_cmpuint (stats.pending_bytes, ==, 0);
  g_assert_cmpuint (chunks->len, >, 2);

  /* The same chunks in reverse, each twice: one message, the duplicates counted. */
  for (guint i = chunks->len; i-- > 0;)
    for (guint twice = 0; twice < 2; twice++)
      {
        GBytes *chunk = chunks->pdata[i];
        g_autoptr(GBytes) message = NULL;
        LdGelfChunkResult result;

        result = ld_gelf_assembler_add (again, g_bytes_get_data (chunk, NULL),
                                        g_bytes_get_size (chunk), 0, &message, NULL);
        if (i == 0 && twice == 0)
          {
            g_assert_cmpint (result, ==, LD_GELF_CHUNK_COMPLETE);
            whole = g_bytes_ref (message);
          }
        else
          g_assert_cmpint (result, ==, LD_GELF_CHUNK_PENDING);
      }
  ld_gelf_assembler_get_stats (again, &stats);
  g_assert_cmpuint (stats.duplicates, ==, chunks->len - 1);
  g_assert_cmpuint (stats.pending, ==, 1);   /* the last duplicate starts a new message */
  g_assert_true (ld_gelf_decode (reassembled, NULL, g_bytes_get_data (whole, NULL),
                                 g_bytes_get_size (whole), 0, &origin, &error));
  g_assert_no_error (error);
}

/* A chunk of message @id, with @payload as its data. */
static GBytes *
make_chunk (guint64     id,
            guint8      seq,
            guint8      count,
            const char *payload,
            gsize       length)
{
  GByteArray *chunk = g_byte_array_new ();

  g_byte_array_append (chunk, (const guint8 *) "\x1e\x0f", 2);
  g_byte_array_append (chunk, (const guint8 *) &id, 8);
  g_byte_array_append (chunk, &seq, 1);
  g_byte_array_append (chunk, &count, 1);
  g_byte_array_append (chunk, (const guint8 *) payload, length);
  return g_byte_array_free_to_bytes (chunk);
}

static LdGelfChunkResult
add_chunk (LdGelfAssembler *assembler,
           GBytes          *chunk,
           gint64           now_us,
           GError         **error)
{
  g_autoptr(GBytes) message = NULL;

  return ld_gelf_assembler_add (assembler, g_bytes_get_data (chunk, NULL),
                                g_bytes_get_size (chunk), now_us, &message, error);
}

static void
test_chunk_limits (void)
{
  g_autoptr(LdGelfAssembler) assembler = ld_gelf_assembler_new (100, 5 * G_USEC_PER_SEC);
  g_autofree char *forty = g_strnfill (40, 'x');
  LdGelfAssemblerStats stats;
  g_autoptr(GError) error = NULL;

  /* Message 1 never completes: 5 s later it is dropped and counted. */
  g_autoptr(GBytes) a0 = make_chunk (1, 0, 2, forty, 40);
  g_autoptr(GBytes) b0 = make_chunk (2, 0, 2, forty, 40);
  g_autoptr(GBytes) c0 = make_chunk (3, 0, 3, forty, 40);
  g_autoptr(GBytes) d0 = make_chunk (4, 0, 2, forty, 40);
  g_autoptr(GBytes) bad_count = make_chunk (2, 1, 3, forty, 40);
  g_autoptr(GBytes) bad_seq = make_chunk (5, 3, 3, forty, 40);
  g_autoptr(GBytes) too_many = make_chunk (5, 0, 129, forty, 40);

  g_assert_cmpint (add_chunk (assembler, a0, 0, NULL), ==, LD_GELF_CHUNK_PENDING);
  g_assert_cmpint (add_chunk (assembler, b0, 4 * G_USEC_PER_SEC, NULL), ==, LD_GELF_CHUNK_PENDING);
  g_assert_cmpuint (ld_gelf_assembler_expire (assembler, 5 * G_USEC_PER_SEC + 1), ==, 1);
  ld_gelf_assembler_get_stats (assembler, &stats);
  g_assert_cmpuint (stats.expired, ==, 1);
  g_assert_cmpuint (stats.pending, ==, 1);
  g_assert_cmpuint (stats.pending_bytes, ==, 40);

  /* Over 100 bytes pending: the oldest incomplete message makes way. */
  g_assert_cmpint (add_chunk (assembler, c0, 6 * G_USEC_PER_SEC, NULL), ==, LD_GELF_CHUNK_PENDING);
  g_assert_cmpint (add_chunk (assembler, d0, 6 * G_USEC_PER_SEC, NULL), ==, LD_GELF_CHUNK_PENDING);
  ld_gelf_assembler_get_stats (assembler, &stats);
  g_assert_cmpuint (stats.evicted, ==, 1);
  g_assert_cmpuint (stats.pending, ==, 2);
  g_assert_cmpuint (stats.pending_bytes, ==, 80);

  g_assert_cmpint (add_chunk (assembler, bad_count, 6 * G_USEC_PER_SEC, &error), ==,
                   LD_GELF_CHUNK_PENDING);   /* message 2 was evicted: a new one */
  g_assert_no_error (error);
  g_assert_cmpint (add_chunk (assembler, bad_seq, 0, &error), ==, LD_GELF_CHUNK_REFUSED);
  g_assert_error (error, LD_GELF_ERROR, LD_GELF_ERROR_BAD_CHUNK);
  g_clear_error (&error);
  g_assert_cmpint (add_chunk (assembler, too_many, 0, &error), ==, LD_GELF_CHUNK_REFUSED);
  g_assert_nonnull (strstr (error->message, "at most 128"));
  g_clear_error (&error);
  g_assert_cmpint (ld_gelf_assembler_add (assembler, "\x1e\x0f" "abc", 5, 0, (GBytes *[]) { NULL },
                                          &error), ==, LD_GELF_CHUNK_REFUSED);
  g_assert_nonnull (strstr (error->message, "12-byte header"));
  ld_gelf_assembler_get_stats (assembler, &stats);
  g_assert_cmpuint (stats.refused, ==, 3);
}

static GBytes *
compress (GZlibCompressorFormat  format,
          const char            *data,
          gsize                  length)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (format, 9);
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) out = g_converter_output_stream_new (memory,
                                                                G_CONVERTER (compressor));

  g_assert_true (g_output_stream_write_all (out, data, length, NULL, NULL, NULL));
  g_assert_true (g_output_stream_close (out, NULL, NULL));
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
}

/* gzip, zlib and plain payloads, told apart by their first bytes. */
static void
test_payload_formats (void)
{
  static const char json[] =
    "{\"version\":\"1.1\",\"host\":\"web-1\",\"short_message\":\"hi\","
    "\"full_message\":\"hi\\nmore\",\"timestamp\":1385053862.3072,\"level\":3,"
    "\"_logger\":\"shop\",\"_file\":\"/x.py\",\"_line\":\"12\",\"_function\":\"f\","
    "\"_thread_name\":\"T1\",\"_user_id\":9001,\"_ctx\":{\"a\":[1]},\"_id\":\"dropped\","
    "\"facility\":\"gelf-test\"}";
  const GZlibCompressorFormat formats[] = { G_ZLIB_COMPRESSOR_FORMAT_GZIP,
                                            G_ZLIB_COMPRESSOR_FORMAT_ZLIB };
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (ld_gelf_decode (batch, NULL, json, strlen (json), 0, &origin, &error));
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autoptr(GBytes) packed = compress (formats[i], json, strlen (json));

      g_assert_true (ld_gelf_decode (batch, NULL, g_bytes_get_data (packed, NULL),
                                     g_bytes_get_size (packed), 0, &origin, &error));
      g_assert_no_error (error);
    }

  for (guint i = 0; i < 3; i++)
    {
      LdRecord r = record_at (batch, i);
      gsize len;
      const char *text;
      LdValueType type;

      g_assert_cmpint (r.time_us, ==, G_GINT64_CONSTANT (1385053862307200));
      g_assert_cmpint (r.level, ==, LD_LEVEL_ERROR);
      g_assert_cmpstr (ld_intern_lookup (r.host), ==, "web-1");
      g_assert_cmpstr (ld_intern_lookup (r.logger), ==, "shop");
      g_assert_cmpstr (ld_intern_lookup (r.file), ==, "/x.py");
      g_assert_cmpstr (ld_intern_lookup (r.function), ==, "f");
      g_assert_cmpstr (ld_intern_lookup (r.thread), ==, "T1");
      g_assert_cmpuint (r.line, ==, 12);
      text = ld_record_get_message (&r, &len);
      g_assert_cmpmem (text, len, "hi", 2);
      text = ld_record_get_exception (&r, &len);
      g_assert_cmpmem (text, len, "hi\nmore", 7);
      assert_extra (&r, "user_id", LD_VALUE_NUMBER, "9001");
      assert_extra (&r, "ctx", LD_VALUE_JSON, "{\"a\":[1]}");
      assert_extra (&r, "facility", LD_VALUE_STRING, "gelf-test");
      g_assert_false (ld_record_get_extra (&r, "id", &type, &text, &len));
      g_assert_cmpuint (ld_record_n_extras (&r), ==, 3);
    }
}

static void
test_bad_payloads (void)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autofree char *zeros = g_malloc0 (1 << 20);
  g_autoptr(GBytes) bomb = compress (G_ZLIB_COMPRESSOR_FORMAT_GZIP, zeros, 1 << 20);
  struct { const char *data; gsize len; LdGelfError code; const char *text; } cases[] = {
    { "{\"short_message\": 5}", 0, LD_GELF_ERROR_NO_MESSAGE, "no short_message" },
    { "[1]", 0, LD_GELF_ERROR_JSON, "not a JSON object" },
    { "{\"short_message\": \"x\"", 0, LD_GELF_ERROR_JSON, "GELF: " },
    /* A deflate block of the reserved type 3. */
    { "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x07\x00\x00\x00", 14,
      LD_GELF_ERROR_COMPRESSION, "does not inflate" },
    { "\x78\x9c", 2, LD_GELF_ERROR_COMPRESSION, "truncated" },
    { g_bytes_get_data (bomb, NULL), g_bytes_get_size (bomb), LD_GELF_ERROR_TOO_LARGE,
      "more than 65536 bytes" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gsize len = cases[i].len > 0 ? cases[i].len : strlen (cases[i].data);

      g_assert_false (ld_gelf_decode (batch, NULL, cases[i].data, len, 65536, &origin, &error));
      g_test_message ("%s", error->message);
      g_assert_error (error, LD_GELF_ERROR, (int) cases[i].code);
      g_assert_nonnull (strstr (error->message, cases[i].text));
    }
  g_assert_cmpuint (ld_batch_get_length (batch), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gelf/graypy-udp", test_graypy_udp);
  g_test_add_func ("/gelf/chunk-limits", test_chunk_limits);
  g_test_add_func ("/gelf/payload-formats", test_payload_formats);
  g_test_add_func ("/gelf/bad-payloads", test_bad_payloads);

  return g_test_run ();
}
