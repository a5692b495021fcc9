// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.test"

/* The websockets library's debug prefixes end to end: a real websockets
 * server and client (Debian's python3-websockets, tests/peers/
 * ws_debug_pair.py) talk on 127.0.0.1 at DEBUG and send every record to
 * Logdeck's TCP listener with CPython's SocketHandler. What the peer
 * counted of its own records as it sent them must be what Logdeck reads:
 * each `ws:KIND` filter's count, and the connection's frames sent and
 * received, pings and close code. */

#include "config.h"

#include <json-glib/json-glib.h>

#include "ingest-test-utils.h"
#include "ld-connection-stats.h"
#include "ld-query.h"
#include "ld-ws-prefix.h"

typedef struct
{
  LdStore              *store;
  LdHandoff            *handoff;
  LdConnectionRegistry *registry;
  LdIngest             *ingest;
  LdConnectionStats    *stats;
  guint16               tcp_port;
  char                 *tmpdir;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->store = ld_store_new (0);
  f->stats = ld_connection_stats_new ();
  ld_connection_stats_attach_store (f->stats, f->store);
  f->handoff = ld_handoff_new (NULL, drain_into_store, f->store, NULL);
  ld_handoff_set_min_interval (f->handoff, 0);
  f->registry = ld_connection_registry_new ();
  f->ingest = ld_ingest_new (f->handoff, f->registry);
  g_assert_true (ld_ingest_add_tcp (f->ingest, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  f->tcp_port = ld_ingest_get_bound_port (f->ingest, "tcp");
  g_assert_cmpuint (f->tcp_port, >, 0);
  f->tmpdir = g_dir_make_tmp ("logdeck-test-ws-prefix-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->stats);
  ingest_fixture_clear (&f->ingest, &f->handoff, f->registry, f->store, &f->tmpdir);
}

typedef struct
{
  gboolean  done;
  char     *out;
} PeerRun;

static void
on_communicated (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  PeerRun *run = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (object), result, &run->out, NULL, &error);
  g_assert_no_error (error);
  run->done = TRUE;
}

/* Runs the pair to its end while its records flow in; returns what it
 * counted, as JSON. */
static JsonObject *
run_pair (Fixture *f)
{
  g_autofree char *script = peer_script ("ws_debug_pair.py");
  g_autofree char *port = g_strdup_printf ("%u", f->tcp_port);
  g_autoptr(GSubprocess) peer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  PeerRun run = { 0 };

  peer = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, python3 (), script,
                           "--port", port, "--messages", "5", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (peer, NULL, NULL, on_communicated, &run);
  WAIT_UNTIL (run.done, 60);
  g_assert_true (g_subprocess_get_if_exited (peer));
  g_assert_cmpint (g_subprocess_get_exit_status (peer), ==, 0);

  g_test_message ("peer counted: %s", run.out);
  g_assert_true (json_parser_load_from_data (parser, run.out, -1, &error));
  g_assert_no_error (error);
  g_free (run.out);

  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
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
test_real_pair (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(JsonObject) tally = run_pair (f);
  JsonObject *kinds = json_object_get_object_member (tally, "kinds");
  guint n_records = json_object_get_int_member (tally, "records");
  LdConnectionCounts counts;
  guint32 connection;

  WAIT_UNTIL (ld_store_get_n_records (f->store) >= n_records, 20);
  g_assert_cmpuint (ld_store_get_n_records (f->store), ==, n_records);

  for (LdWsKind kind = LD_WS_SEND; kind < LD_WS_N_KINDS; kind++)
    {
      const char *name = ld_ws_kind_to_string (kind);
      g_autofree char *term = g_strdup_printf ("ws:%s", name);
      guint expected = json_object_get_int_member_with_default (kinds, name, 0);

      g_test_message ("%s: %u", term, expected);
      /* Every kind shows up in this run: frames, handshake lines, states,
       * the server's half-close, keepalive pings, the invalid upgrade. */
      g_assert_cmpuint (expected, >, 0);
      g_assert_cmpuint (count_matches (f->store, term), ==, expected);
    }
  /* The records without a prefix ("connection open", "server closing"). */
  g_assert_cmpuint (count_matches (f->store, "logger:websockets. -ws:send -ws:recv -ws:state "
                                             "-ws:close -ws:ping -ws:error"), >, 0);

  connection = ld_store_get_record (f->store, 0)->connection;
  g_assert_cmpuint (connection, !=, LD_INTERN_NONE);
  g_assert_true (ld_connection_stats_lookup (f->stats, connection, &counts));
  g_assert_cmpuint (counts.n_records, ==, n_records);
  g_assert_cmpuint (counts.n_ws_sent, ==, json_object_get_int_member (tally, "sent"));
  g_assert_cmpuint (counts.n_ws_received, ==, json_object_get_int_member (tally, "received"));
  g_assert_cmpuint (counts.n_ws_pings, ==, json_object_get_int_member (tally, "pings"));
  g_assert_cmpint (counts.ws_close_code, ==, json_object_get_int_member (tally, "close_code"));
  g_assert_cmpint (counts.ws_close_code, ==, 1000);
  /* 5 text and 1 binary message each way, then a ping and a close: at least */
  g_assert_cmpuint (counts.n_ws_sent, >=, 2 * 6 + 2 + 2);
  g_assert_true (ld_connection_stats_has_websocket (f->stats));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/ws-prefix/real-pair", Fixture, NULL, fixture_setup, test_real_pair,
              fixture_teardown);

  return g_test_run ();
}
