// SPDX-License-Identifier: GPL-3.0-or-later
/* The websockets library's debug prefixes (ld-ws-prefix.c): real lines
 * as Debian's python3-websockets 10.4 logged them (captured with
 * tests/peers/ws_debug_pair.py --print), the `ws:` terms of the query
 * language, the connection statistics' frame counts, and inputs no
 * websockets would write: empty, one byte, huge, random. */
#include "config.h"

#include <string.h>

#include "ld-connection-stats.h"
#include "ld-query.h"
#include "ld-store.h"
#include "ld-ws-prefix.h"

typedef struct
{
  const char *logger;
  const char *message;
  LdWsKind    kind;
  LdWsFrame   frame;
  int         close_code;
} Line;

/* From one run of the peer: a server and a client on 127.0.0.1, three text
 * messages and a binary one echoed, a ping, keepalive pings, a close with
 * 1000, then a plain HTTP request that is no upgrade. */
static const Line real_lines[] = {
  { "websockets.server", "server listening on 127.0.0.1:46167", LD_WS_NONE, 0, -1 },
  { "websockets.server", "= connection is CONNECTING", LD_WS_STATE, 0, -1 },
  { "websockets.client", "> GET /chat HTTP/1.1", LD_WS_SEND, 0, -1 },
  { "websockets.client", "> Host: 127.0.0.1:46167", LD_WS_SEND, 0, -1 },
  { "websockets.client", "> Sec-WebSocket-Key: y2Dpx5j6xIUQBI8Xx+hF0w==", LD_WS_SEND, 0, -1 },
  { "websockets.server", "< GET /chat HTTP/1.1", LD_WS_RECV, 0, -1 },
  { "websockets.server", "< Upgrade: websocket", LD_WS_RECV, 0, -1 },
  { "websockets.server", "> HTTP/1.1 101 Switching Protocols", LD_WS_SEND, 0, -1 },
  { "websockets.server", "> Date: Sun, 06 Dec 2026 03:48:09 GMT", LD_WS_SEND, 0, -1 },
  { "websockets.server", "connection open", LD_WS_NONE, 0, -1 },
  { "websockets.server", "= connection is OPEN", LD_WS_STATE, 0, -1 },
  { "websockets.client", "< HTTP/1.1 101 Switching Protocols", LD_WS_RECV, 0, -1 },
  { "websockets.client", "> TEXT 'hello 0' [7 bytes]", LD_WS_SEND, LD_WS_FRAME_DATA, -1 },
  { "websockets.server", "< TEXT 'hello 0' [7 bytes]", LD_WS_RECV, LD_WS_FRAME_DATA, -1 },
  { "websockets.client", "> BINARY 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f ... "
    "20 21 22 23 24 25 26 27 [40 bytes]", LD_WS_SEND, LD_WS_FRAME_DATA, -1 },
  { "websockets.client", "> PING 'are you there' [text, 13 bytes]", LD_WS_SEND,
    LD_WS_FRAME_PING, -1 },
  { "websockets.server", "> PONG 'are you there' [text, 13 bytes]", LD_WS_SEND,
    LD_WS_FRAME_PONG, -1 },
  { "websockets.client", "% sending keepalive ping", LD_WS_PING, 0, -1 },
  { "websockets.server", "< PING 86 b7 f2 7a [binary, 4 bytes]", LD_WS_RECV,
    LD_WS_FRAME_PING, -1 },
  { "websockets.client", "% received keepalive pong", LD_WS_PING, 0, -1 },
  { "websockets.client", "= connection is CLOSING", LD_WS_STATE, 0, -1 },
  { "websockets.client", "> CLOSE 1000 (OK) done [6 bytes]", LD_WS_SEND, LD_WS_FRAME_CLOSE,
    1000 },
  { "websockets.server", "< CLOSE 1000 (OK) done [6 bytes]", LD_WS_RECV, LD_WS_FRAME_CLOSE,
    1000 },
  { "websockets.server", "x half-closing TCP connection", LD_WS_CLOSE, 0, -1 },
  { "websockets.client", "= connection is CLOSED", LD_WS_STATE, 0, -1 },
  { "websockets.server", "! invalid upgrade", LD_WS_ERROR, 0, -1 },
  { "websockets.server", "> HTTP/1.1 426 Upgrade Required", LD_WS_SEND, 0, -1 },
  { "websockets.server", "> [body] (156 bytes)", LD_WS_SEND, 0, -1 },
  { "websockets.server", "connection failed (426 Upgrade Required)", LD_WS_NONE, 0, -1 },
  { "websockets.server", "x closing TCP connection", LD_WS_CLOSE, 0, -1 },
  /* From websockets' source (legacy/protocol.py), not from a run. */
  { "websockets.client", "! failing connection with code 1011", LD_WS_ERROR, 0, 1011 },
  { "websockets.client", "< EOF", LD_WS_RECV, 0, -1 },
  { "websockets.server", "< CLOSE 1005 (no status received [internal]) [0 bytes]",
    LD_WS_RECV, LD_WS_FRAME_CLOSE, 1005 },
};

/* The same prefixes from other loggers, and near misses. */
static const Line not_websockets[] = {
  { "app", "> TEXT 'x' [1 bytes]", LD_WS_NONE, LD_WS_FRAME_DATA, -1 },
  { "websocketsx", "< PING", LD_WS_NONE, LD_WS_FRAME_PING, -1 },
  { NULL, "= connection is OPEN", LD_WS_NONE, 0, -1 },
  { "websockets.server", ">TEXT", LD_WS_NONE, 0, -1 },
  { "websockets.server", "X closing", LD_WS_NONE, 0, -1 },
  { "websockets.server", "", LD_WS_NONE, 0, -1 },
  { "websockets.server", ">", LD_WS_NONE, 0, -1 },
  { "websockets.server", "> TEXTS x", LD_WS_SEND, 0, -1 },
  { "websockets.server", "> CLOSE", LD_WS_SEND, LD_WS_FRAME_CLOSE, -1 },
  { "websockets.server", "> CLOSE 99999 (x)", LD_WS_SEND, LD_WS_FRAME_CLOSE, -1 },
  { "websockets.server", "> CLOSE 100 (x)", LD_WS_SEND, LD_WS_FRAME_CLOSE, -1 },
  { "websockets.server", "> CLOSE abc", LD_WS_SEND, LD_WS_FRAME_CLOSE, -1 },
  { "websockets.server", "> CLOSE 1000", LD_WS_SEND, LD_WS_FRAME_CLOSE, 1000 },
  { "websockets.server", "! failing connection with code 10", LD_WS_ERROR, 0, -1 },
  { "websockets", "% sending keepalive ping", LD_WS_PING, 0, -1 },
};

static void
check_line (const Line *line)
{
  /* An exact-size copy, so that a read past the end shows under ASan. */
  gsize length = strlen (line->message);
  g_autofree char *message = g_memdup2 (line->message, MAX (length, 1));

  g_test_message ("%s: %s", line->logger, line->message);
  g_assert_cmpint (ld_ws_prefix_classify (line->logger, message, length), ==, line->kind);
  g_assert_cmpint (ld_ws_prefix_frame (message, length), ==, line->frame);
  g_assert_cmpint (ld_ws_prefix_close_code (message, length), ==, line->close_code);
}

static void
test_real_lines (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (real_lines); i++)
    check_line (&real_lines[i]);
}

static void
test_near_misses (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (not_websockets); i++)
    check_line (&not_websockets[i]);
}

static void
test_kind_names (void)
{
  g_assert_null (ld_ws_kind_to_string (LD_WS_NONE));
  for (LdWsKind kind = LD_WS_SEND; kind < LD_WS_N_KINDS; kind++)
    g_assert_cmpint (ld_ws_kind_from_string (ld_ws_kind_to_string (kind)), ==, kind);
  g_assert_cmpint (ld_ws_kind_from_string ("RECV"), ==, LD_WS_RECV);
  g_assert_cmpint (ld_ws_kind_from_string ("receive"), ==, LD_WS_NONE);
  g_assert_cmpint (ld_ws_kind_from_string (""), ==, LD_WS_NONE);
  g_assert_cmpint (ld_ws_kind_from_string (NULL), ==, LD_WS_NONE);
  g_assert_true (ld_ws_logger_name_matches ("websockets"));
  g_assert_true (ld_ws_logger_name_matches ("websockets.client"));
  g_assert_false (ld_ws_logger_name_matches ("websocket"));
  g_assert_false (ld_ws_logger_name_matches ("my.websockets"));
  g_assert_false (ld_ws_logger_name_matches (NULL));
}

/* What the kind is made of, said again independently: a prefix character
 * and a space, from a websockets logger. */
static LdWsKind
expected_kind (const char *logger,
               const char *message,
               gsize       length)
{
  static const char prefixes[] = "><=x%!";
  const char *found;

  if (length < 2 || message[1] != ' ' || message[0] == '\0')
    return LD_WS_NONE;
  found = strchr (prefixes, message[0]);
  if (found == NULL || !g_str_has_prefix (logger, "websockets")
      || (logger[10] != '\0' && logger[10] != '.'))
    return LD_WS_NONE;

  return LD_WS_SEND + (found - prefixes);
}

/* Random messages, biased towards the prefixes and opcodes, in exact-size
 * buffers: the kind is as expected, a close code is always 1000–9999, and
 * nothing reads past the end (ASan). */
static void
test_random_messages (void)
{
  static const char *const pieces[] = { ">", "<", "=", "x", "%", "!", " ", "CLOSE", "PING",
                                        "TEXT", "1000", "9", "(OK)", "\n", "\xe2\x86\x91",
                                        "failing connection with code " };
  static const char *const loggers[] = { "websockets.server", "websockets", "app", "websocketsx" };
  GRand *rand = g_rand_new_with_seed (16);

  for (guint i = 0; i < 20000; i++)
    {
      g_autoptr(GString) built = g_string_new (NULL);
      guint n = g_rand_int_range (rand, 0, 6);
      const char *logger = loggers[g_rand_int_range (rand, 0, G_N_ELEMENTS (loggers))];
      g_autofree char *message = NULL;
      int code;

      for (guint j = 0; j < n; j++)
        g_string_append (built, pieces[g_rand_int_range (rand, 0, G_N_ELEMENTS (pieces))]);
      message = g_memdup2 (built->str, MAX (built->len, 1));
      g_assert_cmpint (ld_ws_prefix_classify (logger, message, built->len), ==,
                       expected_kind (logger, message, built->len));
      ld_ws_prefix_frame (message, built->len);
      code = ld_ws_prefix_close_code (message, built->len);
      g_assert_true (code == -1 || (code >= 1000 && code <= 9999));
    }

  g_rand_free (rand);
}

/* A 64 MiB message costs what a short one does: only its first bytes are
 * read. */
static void
test_huge_message (void)
{
  gsize length = 64 * 1024 * 1024;
  char *message = g_malloc (length);

  memset (message, '9', length);
  memcpy (message, "< CLOSE ", 8);
  g_assert_cmpint (ld_ws_prefix_classify ("websockets.client", message, length), ==,
                   LD_WS_RECV);
  g_assert_cmpint (ld_ws_prefix_frame (message, length), ==, LD_WS_FRAME_CLOSE);
  g_assert_cmpint (ld_ws_prefix_close_code (message, length), ==, -1);
  g_free (message);
}

/* Records in a store, as the filter and the statistics see them. */

static LdStore *
store_of_lines (const Line *lines,
                guint       n_lines,
                const char *connection)
{
  LdStore *store = ld_store_new (0);
  g_autoptr(LdBatch) batch = ld_batch_new ();

  for (guint i = 0; i < n_lines; i++)
    {
      LdRecordFields fields = { 0 };

      fields.time_us = G_USEC_PER_SEC * (i + 1);
      fields.level = 10;
      fields.logger = lines[i].logger;
      fields.message = lines[i].message;
      fields.connection = connection;
      ld_batch_add (batch, &fields);
    }
  ld_store_append_batch (store, batch);

  return store;
}

static guint
count_matches (LdStore    *store,
               const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LdQuery) query = ld_query_parse (text, 0, &error);
  guint n = 0;

  g_assert_no_error (error);
  for (guint i = 0; i < ld_store_get_n_records (store); i++)
    n += ld_query_matches (query, ld_store_get_record (store, i));

  return n;
}

static void
test_query_terms (void)
{
  g_autoptr(LdStore) store = store_of_lines (real_lines, G_N_ELEMENTS (real_lines), "tcp-1");
  guint expected[LD_WS_N_KINDS] = { 0 };
  guint n_websockets = 0;

  for (guint i = 0; i < G_N_ELEMENTS (real_lines); i++)
    expected[real_lines[i].kind]++;

  for (LdWsKind kind = LD_WS_SEND; kind < LD_WS_N_KINDS; kind++)
    {
      g_autofree char *colon = g_strdup_printf ("ws:%s", ld_ws_kind_to_string (kind));
      g_autofree char *equal = g_strdup_printf ("ws=%s", ld_ws_kind_to_string (kind));
      g_autofree char *negated = g_strdup_printf ("-ws:%s", ld_ws_kind_to_string (kind));

      g_assert_cmpuint (expected[kind], >, 0);
      g_assert_cmpuint (count_matches (store, colon), ==, expected[kind]);
      g_assert_cmpuint (count_matches (store, equal), ==, expected[kind]);
      g_assert_cmpuint (count_matches (store, negated), ==,
                        G_N_ELEMENTS (real_lines) - expected[kind]);
      n_websockets += expected[kind];
    }

  g_assert_cmpuint (count_matches (store, "ws:send OR ws:recv OR ws:state OR ws:close "
                                          "OR ws:ping OR ws:error"), ==, n_websockets);
  g_assert_cmpuint (count_matches (store, "ws:send CLOSE"), ==, 1);
  g_assert_cmpuint (count_matches (store, "ws:SEND logger:client"), ==, 7);
}

static void
test_query_text (void)
{
  static const struct { const char *input, *normal; } cases[] = {
    { "ws:send", "ws:send" },
    { "WS=Recv", "ws:recv" },
    { "-ws:ping ws:\"error\"", "-ws:ping ws:error" },
    { "ws!=state", "-ws:state" },
    { "extra.ws:send", "extra.ws:send" },
  };
  static const char *const bad[] = { "ws:", "ws:sent", "ws>send", "ws<=close", "ws:\"\"" };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LdQuery) query = ld_query_parse (cases[i].input, 0, &error);
      g_autofree char *normal = NULL;

      g_assert_no_error (error);
      normal = ld_query_to_string (query);
      g_assert_cmpstr (normal, ==, cases[i].normal);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LdQuery) query = ld_query_parse (bad[i], 0, &error);

      g_test_message ("bad query: %s", bad[i]);
      g_assert_null (query);
      g_assert_error (error, LD_QUERY_ERROR, LD_QUERY_ERROR_SYNTAX);
    }
}

static void
test_connection_counts (void)
{
  g_autoptr(LdConnectionStats) stats = ld_connection_stats_new ();
  g_autoptr(LdStore) lines = store_of_lines (real_lines, G_N_ELEMENTS (real_lines), "tcp-7");
  g_autoptr(LdStore) others = store_of_lines (not_websockets, 3, "tcp-8");
  LdConnectionCounts counts;

  for (guint i = 0; i < ld_store_get_n_records (others); i++)
    ld_connection_stats_add_record (stats, ld_store_get_record (others, i), 1);
  g_assert_false (ld_connection_stats_has_websocket (stats));
  g_assert_true (ld_connection_stats_lookup (stats, ld_intern ("tcp-8", -1), &counts));
  g_assert_cmpuint (counts.n_ws_sent + counts.n_ws_received + counts.n_ws_pings, ==, 0);
  g_assert_cmpint (counts.ws_close_code, ==, 0);

  for (guint i = 0; i < ld_store_get_n_records (lines); i++)
    ld_connection_stats_add_record (stats, ld_store_get_record (lines, i), 1);
  g_assert_true (ld_connection_stats_has_websocket (stats));
  g_assert_true (ld_connection_stats_lookup (stats, ld_intern ("tcp-7", -1), &counts));
  /* TEXT, BINARY, PING, PONG, CLOSE sent; TEXT, PING, CLOSE, CLOSE received */
  g_assert_cmpuint (counts.n_ws_sent, ==, 5);
  g_assert_cmpuint (counts.n_ws_received, ==, 4);
  g_assert_cmpuint (counts.n_ws_pings, ==, 2);
  /* The last code logged: the empty close frame's 1005. */
  g_assert_cmpint (counts.ws_close_code, ==, 1005);

  ld_connection_stats_reset (stats);
  g_assert_false (ld_connection_stats_has_websocket (stats));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ws-prefix/real-lines", test_real_lines);
  g_test_add_func ("/ws-prefix/near-misses", test_near_misses);
  g_test_add_func ("/ws-prefix/kind-names", test_kind_names);
  g_test_add_func ("/ws-prefix/random-messages", test_random_messages);
  g_test_add_func ("/ws-prefix/huge-message", test_huge_message);
  g_test_add_func ("/ws-prefix/query-terms", test_query_terms);
  g_test_add_func ("/ws-prefix/query-text", test_query_text);
  g_test_add_func ("/ws-prefix/connection-counts", test_connection_counts);

  return g_test_run ();
}
