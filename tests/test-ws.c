// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "ld-connection-registry.h"
#include "ld-handoff.h"
#include "ld-ingest.h"
#include "ld-jsonl.h"
#include "ld-store.h"
#include "ingest-test-utils.h"

/* The HTTP and WebSocket endpoints, JSON lines on the TCP port and the
 * WebSocket client, against real peers: the `websockets` library and
 * CPython's own HTTPHandler (the scripts in tests/peers and examples/python,
 * run with Debian's python3), and libsoup's own WebSocket client here.
 * Records go through the hand-off into a store on this thread's main
 * context, as in the application. Everything listens on 127.0.0.1, on ports
 * the system picks, and every wait is bounded. */

#define MANY_CLIENTS  100
#define MANY_RECORDS  1000
#define BIG_RECORDS   10000
#define SMALL_LIMIT   (1024 * 1024)

typedef struct
{
  LdStore              *store;
  LdHandoff            *handoff;
  LdConnectionRegistry *registry;
  LdIngest             *ingest;
  guint16               tcp_port;
  guint16               http_port;
  char                 *tmpdir;
} Fixture;



static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->store = ld_store_new (0);
  f->handoff = ld_handoff_new (NULL, drain_into_store, f->store, NULL);
  ld_handoff_set_min_interval (f->handoff, 0);
  f->registry = ld_connection_registry_new ();
  f->ingest = ld_ingest_new (f->handoff, f->registry);
  if (GPOINTER_TO_UINT (data) != 0)
    ld_ingest_set_max_frame_size (f->ingest, GPOINTER_TO_UINT (data));

  g_assert_true (ld_ingest_add_tcp (f->ingest, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  g_assert_true (ld_ingest_add_http (f->ingest, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  f->tcp_port = ld_ingest_get_bound_port (f->ingest, "tcp");
  f->http_port = ld_ingest_get_bound_port (f->ingest, "http");
  g_assert_cmpuint (f->http_port, >, 0);

  f->tmpdir = g_dir_make_tmp ("logdeck-test-ws-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  ingest_fixture_clear (&f->ingest, &f->handoff, f->registry, f->store, &f->tmpdir);
}

/* Records */



/* The first record whose message contains @part. */
static const LdRecord *
find_message (Fixture    *f,
              const char *part)
{
  for (guint i = 0; i < ld_store_get_n_records (f->store); i++)
    {
      const LdRecord *record = ld_store_get_record (f->store, i);
      gsize length;
      const char *text = ld_record_get_message (record, &length);

      if (g_strstr_len (text, length, part) != NULL)
        return record;
    }

  return NULL;
}

static guint
count_messages (Fixture    *f,
                const char *part)
{
  guint n = 0;

  for (guint i = 0; i < ld_store_get_n_records (f->store); i++)
    {
      gsize length;
      const char *text = ld_record_get_message (ld_store_get_record (f->store, i), &length);

      n += g_strstr_len (text, length, part) != NULL;
    }

  return n;
}

/* A record of Logdeck's own whose message contains @part. */
static const LdRecord *
find_problem (Fixture    *f,
              const char *part)
{
  for (guint i = 0; i < ld_store_get_n_records (f->store); i++)
    {
      const LdRecord *record = ld_store_get_record (f->store, i);
      gsize length;
      const char *text = ld_record_get_message (record, &length);

      if (g_strcmp0 (field (record->logger), LD_INGEST_LOGGER) == 0
          && g_strstr_len (text, length, part) != NULL)
        return record;
    }

  return NULL;
}

static char *
extra_of (const LdRecord *record,
          const char     *key,
          LdValueType    *type)
{
  const char *value;
  gsize length;

  if (!ld_record_get_extra (record, key, type, &value, &length))
    return NULL;

  return g_strndup (value, length);
}

static void
assert_extra (const LdRecord *record,
              const char     *key,
              LdValueType     expected_type,
              const char     *expected)
{
  LdValueType type;
  g_autofree char *value = extra_of (record, key, &type);

  if (value == NULL)
    g_error ("the record has no extra field “%s”", key);
  g_assert_cmpint (type, ==, expected_type);
  g_assert_cmpstr (value, ==, expected);
}



/* Python peers */



/* The examples are two levels up from tests/peers. */
static char *
example_script (const char *name)
{
  return g_build_filename ("..", "..", "examples", "python", name, NULL);
}

static GSubprocess *
spawn_peer (const char        *script,
            guint16            port,
            const char *const *args,
            gboolean           capture)
{
  g_autofree char *path = peer_script (script);
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  GSubprocess *peer;

  g_ptr_array_add (argv, (char *) python3 ());
  g_ptr_array_add (argv, path);
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, "--host");
  g_ptr_array_add (argv, "127.0.0.1");
  g_ptr_array_add (argv, "--port");
  g_ptr_array_add (argv, port_text);
  g_ptr_array_add (argv, NULL);

  peer = g_subprocess_newv ((const char *const *) argv->pdata,
                            capture ? G_SUBPROCESS_FLAGS_STDOUT_PIPE : G_SUBPROCESS_FLAGS_NONE,
                            &error);
  g_assert_no_error (error);
  return peer;
}

typedef struct
{
  gboolean  done;
  char     *output;
} PeerRun;

static void
on_peer_communicated (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  PeerRun *run = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (object), result, &run->output, NULL,
                                        &error);
  g_assert_no_error (error);
  run->done = TRUE;
}

/* Runs a peer to its end while records flow into the store, and returns
 * what it printed. */
static char *
run_peer (const char        *script,
          guint16            port,
          const char *const *args,
          double             seconds)
{
  g_autoptr(GSubprocess) peer = spawn_peer (script, port, args, TRUE);
  PeerRun run = { 0 };

  g_subprocess_communicate_utf8_async (peer, NULL, NULL, on_peer_communicated, &run);
  WAIT_UNTIL (run.done, seconds);
  g_assert_true (g_subprocess_get_if_exited (peer));
  g_assert_cmpint (g_subprocess_get_exit_status (peer), ==, 0);

  return run.output;
}

/* The JSON line of a peer's output that has "case": @name. */
static JsonObject *
outcome_of (const char *output,
            const char *name)
{
  g_auto(GStrv) lines = g_strsplit (output, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonNode) node = json_from_string (lines[i], NULL);

      if (node != NULL && JSON_NODE_HOLDS_OBJECT (node)
          && g_strcmp0 (json_object_get_string_member_with_default (json_node_get_object (node),
                                                                     "case", ""), name) == 0)
        return json_object_ref (json_node_get_object (node));
    }

  g_error ("the peer printed nothing for “%s”: %s", name, output);
}

/* Dialects: one fixture line per JSON shape, with the canonical fields
 * each must arrive with. */

static void
check_expectation (const LdRecord *r,
                   const char     *dialect,
                   const char     *key,
                   JsonNode       *expected)
{
  g_autofree char *message = message_of (r);

  g_test_message ("%s: %s", dialect, key);
  if (g_str_equal (key, "message~"))
    g_assert_nonnull (strstr (message, json_node_get_string (expected)));
  else if (g_str_equal (key, "message"))
    g_assert_cmpstr (message, ==, json_node_get_string (expected));
  else if (g_str_equal (key, "level"))
    g_assert_cmpint (r->level, ==, json_node_get_int (expected));
  else if (g_str_equal (key, "logger"))
    g_assert_cmpstr (field (r->logger), ==, json_node_get_string (expected));
  else if (g_str_equal (key, "thread"))
    g_assert_cmpstr (field (r->thread), ==, json_node_get_string (expected));
  else if (g_str_equal (key, "peer"))
    g_assert_cmpstr (field (r->peer), ==, json_node_get_string (expected));
  else if (g_str_equal (key, "connection"))
    g_assert_cmpstr (field (r->connection), ==, json_node_get_string (expected));
  else if (g_str_equal (key, "time"))
    g_assert_cmpint (r->time_us, ==, json_node_get_int (expected));
  else if (g_str_has_prefix (key, "extra."))
    assert_extra (r, key + strlen ("extra."), LD_VALUE_STRING, json_node_get_string (expected));
  else
    g_error ("unknown expectation “%s”", key);
}

static void
check_dialect (Fixture    *f,
               JsonObject *fixture)
{
  const char *dialect = json_object_get_string_member (fixture, "dialect");
  JsonObject *expect = json_object_get_object_member (fixture, "expect");
  const char *message = json_object_has_member (expect, "message")
                        ? json_object_get_string_member (expect, "message")
                        : json_object_get_string_member (expect, "message~");
  const LdRecord *r = find_message (f, message);
  JsonObjectIter iter;
  const char *key;
  JsonNode *expected;

  if (r == NULL)
    g_error ("%s: no record with “%s”", dialect, message);

  /* Every record came over one connection with a forwarded address, which a
   * record's own client address (remote_addr) overrides. */
  if (!json_object_has_member (expect, "peer"))
    g_assert_cmpstr (field (r->peer), ==, "198.51.100.4");
  g_assert_cmpstr (field (r->protocol), ==, "ws-json");
  json_object_iter_init (&iter, expect);
  while (json_object_iter_next (&iter, &key, &expected))
    check_expectation (r, dialect, key, expected);
}

static void
test_dialects (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *path = peer_script ("ws_dialects.jsonl");
  const char *args[] = { "lines", path, "--forwarded-for", "198.51.100.4, 10.0.0.1", NULL };
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *output = NULL;
  guint n = 0;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    n += *lines[i] != '\0';

  output = run_peer ("ws_send.py", f->http_port, args, 60);
  WAIT_UNTIL (ld_store_get_n_records (f->store) >= n, 20);
  wait_for_state (f->registry, "ws-1", LD_CONNECTION_CLOSED);
  g_assert_cmpuint (ld_store_get_n_records (f->store), ==, n);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonNode) node = NULL;

      if (*lines[i] == '\0')
        continue;
      node = json_from_string (lines[i], NULL);
      check_dialect (f, json_node_get_object (node));
    }
  assert_jsonl_valid (f->store);
}

/* libsoup's own client */

typedef struct
{
  SoupWebsocketConnection *connection;
  GError                  *error;
  gboolean                 done;
} Connect;

static void
on_client_connected (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Connect *connect = user_data;

  connect->connection = soup_session_websocket_connect_finish (SOUP_SESSION (source), result,
                                                               &connect->error);
  connect->done = TRUE;
}

static SoupWebsocketConnection *
soup_client_connect (SoupSession *session,
                     guint16      port,
                     const char  *forwarded_for)
{
  g_autofree char *uri = g_strdup_printf ("ws://127.0.0.1:%u/ws", port);
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, uri);
  Connect connect = { 0 };

  if (forwarded_for != NULL)
    soup_message_headers_append (soup_message_get_request_headers (msg), "X-Forwarded-For",
                                 forwarded_for);
  soup_session_websocket_connect_async (session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        on_client_connected, &connect);
  WAIT_UNTIL (connect.done, 20);
  g_assert_no_error (connect.error);

  return connect.connection;
}

static void
test_soup_client (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupWebsocketConnection) first = soup_client_connect (session, f->http_port, NULL);
  g_autoptr(SoupWebsocketConnection) second = NULL;
  g_autoptr(GBytes) binary = g_bytes_new_static ("\x01\x02", 2);
  LdConnection *connection;
  const LdRecord *r;

  soup_websocket_connection_send_text (first, "{\"msg\": \"soup object\", \"levelname\": "
                                              "\"ERROR\", \"name\": \"soup.client\"}");
  soup_websocket_connection_send_text (first, "[{\"message\": \"soup array 0\"}, "
                                              "{\"message\": \"soup array 1\"}]");
  soup_websocket_connection_send_text (first, "{\"message\": \"soup line 0\"}\n"
                                              "{\"message\": \"soup line 1\"}\n");
  WAIT_UNTIL (ld_store_get_n_records (f->store) == 5, 20);

  r = find_message (f, "soup object");
  g_assert_cmpint (r->level, ==, 40);
  g_assert_cmpstr (field (r->logger), ==, "soup.client");
  g_assert_cmpstr (field (r->connection), ==, "ws-1");
  g_assert_true (g_str_has_prefix (field (r->peer), "127.0.0.1:"));
  g_assert_cmpstr (field (r->protocol), ==, "ws-json");
  g_assert_nonnull (find_message (f, "soup array 1"));
  g_assert_nonnull (find_message (f, "soup line 1"));
  connection = wait_for_state (f->registry, "ws-1", LD_CONNECTION_OPEN);
  WAIT_UNTIL (ld_connection_get_n_records (connection) == 5, 20);
  g_assert_cmpstr (ld_connection_get_protocol (connection), ==, "ws-json");

  /* A binary message closes its own connection with 1003, and only it. */
  second = soup_client_connect (session, f->http_port, "192.0.2.8");
  soup_websocket_connection_send_message (second, SOUP_WEBSOCKET_DATA_BINARY, binary);
  WAIT_UNTIL (soup_websocket_connection_get_state (second) == SOUP_WEBSOCKET_STATE_CLOSED, 20);
  g_assert_cmpuint (soup_websocket_connection_get_close_code (second), ==, 1003);
  WAIT_UNTIL ((r = find_problem (f, "binary message")) != NULL, 20);
  g_assert_cmpstr (field (r->connection), ==, "ws-2");
  g_assert_cmpstr (field (r->peer), ==, "192.0.2.8");
  g_assert_cmpint (r->level, ==, 40);
  wait_for_state (f->registry, "ws-2", LD_CONNECTION_ERROR);

  soup_websocket_connection_send_text (first, "{\"message\": \"soup still open\"}");
  WAIT_UNTIL (find_message (f, "soup still open") != NULL, 20);
  soup_websocket_connection_close (first, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  WAIT_UNTIL (soup_websocket_connection_get_state (first) == SOUP_WEBSOCKET_STATE_CLOSED, 20);
  g_assert_cmpuint (soup_websocket_connection_get_close_code (first), ==, 1000);
  connection = wait_for_state (f->registry, "ws-1", LD_CONNECTION_CLOSED);
  g_assert_cmpuint (ld_connection_get_n_records (connection), ==, 6);
}

/* 100 clients at once */

typedef struct
{
  guint client;
  guint count;
} PerSession;

static void
count_sessions (Fixture    *f,
                GHashTable *sessions)
{
  for (guint i = 0; i < ld_store_get_n_records (f->store); i++)
    {
      const LdRecord *r = ld_store_get_record (f->store, i);
      const char *id = field (r->connection);
      PerSession *seen = g_hash_table_lookup (sessions, id);
      LdValueType type;
      g_autofree char *client = extra_of (r, "client", &type);
      g_autofree char *seq = extra_of (r, "seq", &type);

      g_assert_nonnull (client);
      if (seen == NULL)
        {
          seen = g_new0 (PerSession, 1);
          seen->client = atoi (client);
          g_hash_table_insert (sessions, (char *) id, seen);
        }
      /* Each session's records arrive whole and in the order sent. */
      g_assert_cmpuint (atoi (client), ==, seen->client);
      g_assert_cmpuint (atoi (seq), ==, seen->count);
      seen->count++;
    }
}

static void
test_many_clients (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *clients = g_strdup_printf ("%d", MANY_CLIENTS);
  g_autofree char *records = g_strdup_printf ("%d", MANY_RECORDS);
  const char *args[] = { "many", "--clients", clients, "--records", records, NULL };
  g_autoptr(GHashTable) sessions = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autofree char *output = NULL;
  guint8 seen_clients[MANY_CLIENTS] = { 0 };
  GHashTableIter iter;
  const char *id;
  PerSession *seen;

  output = run_peer ("ws_send.py", f->http_port, args, 240);
  WAIT_UNTIL (ld_store_get_n_records (f->store) >= MANY_CLIENTS * MANY_RECORDS, 60);
  g_assert_cmpuint (ld_store_get_n_records (f->store), ==, MANY_CLIENTS * MANY_RECORDS);

  count_sessions (f, sessions);
  g_assert_cmpuint (g_hash_table_size (sessions), ==, MANY_CLIENTS);
  g_hash_table_iter_init (&iter, sessions);
  while (g_hash_table_iter_next (&iter, (gpointer *) &id, (gpointer *) &seen))
    {
      LdConnection *connection = wait_for_state (f->registry, id, LD_CONNECTION_CLOSED);

      g_assert_true (g_str_has_prefix (id, "ws-"));
      g_assert_cmpuint (seen->count, ==, MANY_RECORDS);
      g_assert_cmpuint (ld_connection_get_n_records (connection), ==, MANY_RECORDS);
      g_assert_cmpuint (seen->client, <, MANY_CLIENTS);
      g_assert_false (seen_clients[seen->client]);
      seen_clients[seen->client] = 1;
    }
}

/* One message far over libsoup's default limit of 128 KiB, under ours. */
static void
test_big_message (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *records = g_strdup_printf ("%d", BIG_RECORDS);
  const char *args[] = { "big", "--records", records, NULL };
  g_autofree char *output = run_peer ("ws_send.py", f->http_port, args, 60);
  LdConnection *connection;

  WAIT_UNTIL (ld_store_get_n_records (f->store) >= BIG_RECORDS, 20);
  g_assert_cmpuint (ld_store_get_n_records (f->store), ==, BIG_RECORDS);
  connection = wait_for_state (f->registry, "ws-1", LD_CONNECTION_CLOSED);
  g_assert_cmpuint (ld_connection_get_n_bytes (connection), >, 1024 * 1024);
  g_assert_cmpuint (ld_connection_get_n_errors (connection), ==, 0);
}

/* Bad input */

static void
assert_closed_with (const char *output,
                    const char *name,
                    gint64      code)
{
  g_autoptr(JsonObject) outcome = outcome_of (output, name);

  g_test_message ("%s: closed with %" G_GINT64_FORMAT, name,
                  json_object_get_int_member_with_default (outcome, "code", 0));
  g_assert_cmpint (json_object_get_int_member_with_default (outcome, "code", 0), ==, code);
  g_assert_false (json_object_get_boolean_member (outcome, "open"));
}

static void
check_bad_records (Fixture *f)
{
  const LdRecord *r = find_problem (f, "invalid JSON");
  g_autofree char *message = message_of (r);
  g_autofree char *limit = g_strdup_printf ("over the limit of %u bytes; connection closed (1009)",
                                            SMALL_LIMIT);

  g_test_message ("%s", message);
  g_assert_cmpint (r->level, ==, 40);
  g_assert_nonnull (strstr (message, "{\"msg\": \"cut off here"));
  g_assert_nonnull (find_message (f, "after invalid json"));
  g_assert_cmpuint (count_messages (f, limit), ==, 2);
  g_assert_nonnull (find_problem (f, "a message of more than"));
  g_assert_nonnull (find_problem (f, "binary message"));
  g_assert_nonnull (find_problem (f, "not valid UTF-8 at byte 13; connection closed (1007)"));
  g_assert_nonnull (find_message (f, "before too big"));
}

static void
test_bad_input (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupWebsocketConnection) good = soup_client_connect (session, f->http_port, NULL);
  g_autofree char *limit = g_strdup_printf ("%u", SMALL_LIMIT);
  const char *args[] = { "bad", "--limit", limit, NULL };
  g_autofree char *output = NULL;
  g_autoptr(JsonObject) invalid = NULL;

  soup_websocket_connection_send_text (good, "{\"message\": \"good before\"}");
  WAIT_UNTIL (find_message (f, "good before") != NULL, 20);

  output = run_peer ("ws_send.py", f->http_port, args, 60);
  g_test_message ("%s", output);
  invalid = outcome_of (output, "invalid-json");
  g_assert_true (json_object_get_boolean_member (invalid, "open"));
  assert_closed_with (output, "too-big", 1009);
  assert_closed_with (output, "fragments-too-big", 1009);
  assert_closed_with (output, "binary", 1003);
  assert_closed_with (output, "bad-utf8", 1007);
  WAIT_UNTIL (find_problem (f, "UTF-8") != NULL, 20);
  check_bad_records (f);
  wait_for_state (f->registry, "ws-3", LD_CONNECTION_ERROR);
  g_assert_cmpuint (ld_connection_get_n_errors (ld_connection_registry_lookup (f->registry,
                                                                               "ws-2")), ==, 1);

  /* None of it touched the connection that behaved. */
  soup_websocket_connection_send_text (good, "{\"message\": \"good after\"}");
  WAIT_UNTIL (find_message (f, "good after") != NULL, 20);
  g_assert_cmpint (soup_websocket_connection_get_state (good), ==, SOUP_WEBSOCKET_STATE_OPEN);
  assert_jsonl_valid (f->store);
}

/* HTTP */

static void
check_http_statuses (const char *output)
{
  static const struct { const char *name; gint64 status; } expected[] = {
    { "object", 200 }, { "array", 200 }, { "ndjson", 200 }, { "bad-json", 400 },
    { "msgpack", 415 }, { "neither", 400 }, { "not-a-record", 400 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr(JsonObject) outcome = outcome_of (output, expected[i].name);

      g_assert_cmpint (json_object_get_int_member (outcome, "status"), ==, expected[i].status);
    }
}

static void
check_http_method (Fixture    *f,
                   const char *method)
{
  g_autofree char *logger = g_strdup_printf ("peer.http.%s", method[0] == 'G' ? "get" : "post");
  g_autofree char *text = NULL;
  const LdRecord *r;
  gsize length;

#define MSG(suffix) (g_free (text), text = g_strdup_printf ("%s: %s", method, suffix))
  r = find_message (f, MSG ("user bob has 3 items"));
  g_assert_nonnull (r);
  g_assert_cmpint (r->level, ==, 20);
  g_assert_cmpstr (field (r->logger), ==, logger);
  g_assert_cmpstr (field (r->connection), ==, "http");
  /* HTTPHandler connects anew for each record: the peer is the host alone. */
  g_assert_cmpstr (field (r->peer), ==, "127.0.0.1");
  g_assert_cmpstr (field (r->protocol), ==, "http-form");
  g_assert_cmpstr (field (r->thread), ==, "MainThread");
  g_assert_cmpstr (field (r->function), ==, "send_with_handler");
  g_assert_cmpuint (r->line, >, 0);
  g_assert_cmpint (ABS (r->time_us - g_get_real_time ()), <, 120 * G_USEC_PER_SEC);

  r = find_message (f, MSG ("with extras"));
  g_assert_cmpint (r->level, ==, 30);
  assert_extra (r, "user", LD_VALUE_STRING, "alice");
  assert_extra (r, "attempt", LD_VALUE_STRING, "2");
  g_assert_cmpstr (field (find_message (f, MSG ("notice level"))->level_name), ==, "NOTICE");
  g_assert_nonnull (find_message (f, MSG ("mapped value")));
  g_assert_nonnull (find_message (f, "%s: opaque %s | args: ('"));
  g_assert_nonnull (find_message (f, MSG ("percent 100% sure")));
  g_assert_nonnull (find_message (f, MSG ("ünïcode ✓ & = + %")));
  r = find_message (f, MSG ("division failed"));
  g_assert_nonnull (g_strstr_len (ld_record_get_exception (r, &length), -1, "ZeroDivisionError"));
#undef MSG
}

static void
test_http_handler (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *output = run_peer ("http_log.py", f->http_port, NULL, 60);
  LdConnection *endpoint;
  const LdRecord *r;

  check_http_statuses (output);
  WAIT_UNTIL (find_problem (f, "not a LogRecord") != NULL, 20);
  check_http_method (f, "GET");
  check_http_method (f, "POST");

  r = find_message (f, "json object body");
  g_assert_cmpstr (field (r->protocol), ==, "http-json");
  g_assert_cmpstr (field (r->logger), ==, "shipper");
  g_assert_nonnull (find_message (f, "json array body 2"));
  g_assert_nonnull (find_message (f, "ndjson body 3"));
  g_assert_nonnull (find_problem (f, "invalid JSON"));
  g_assert_nonnull (find_problem (f, "MessagePack"));
  g_assert_cmpuint (count_messages (f, "json object body"), ==, 1);
  g_assert_cmpuint (count_messages (f, "json array body"), ==, 3);
  g_assert_cmpuint (count_messages (f, "ndjson body"), ==, 4);

  endpoint = ld_connection_registry_lookup (f->registry, "http");
  WAIT_UNTIL (ld_connection_get_n_errors (endpoint) == 4, 20);
  g_assert_cmpint (ld_connection_get_state (endpoint), ==, LD_CONNECTION_LISTENING);
  g_assert_true (ld_connection_is_endpoint (endpoint));
  assert_jsonl_valid (f->store);
}

static void
test_http_refusals (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *uri = g_strdup_printf ("http://127.0.0.1:%u/log", f->http_port);
  g_autofree char *ws_uri = g_strdup_printf ("http://127.0.0.1:%u/ws", f->http_port);
  g_autofree char *big = g_malloc0 (SMALL_LIMIT + 2);
  g_autoptr(SoupMessage) put = soup_message_new ("PUT", uri);
  g_autoptr(SoupMessage) large = soup_message_new ("POST", uri);
  g_autoptr(SoupMessage) plain = soup_message_new ("GET", ws_uri);
  g_autoptr(GBytes) body = NULL;

  memset (big, '[', SMALL_LIMIT + 1);
  soup_message_set_request_body_from_bytes (large, "application/json",
                                            g_bytes_new_take (g_steal_pointer (&big),
                                                              SMALL_LIMIT + 1));
  body = soup_session_send_and_read (session, put, NULL, NULL);
  g_assert_cmpuint (soup_message_get_status (put), ==, 405);
  g_clear_pointer (&body, g_bytes_unref);
  body = soup_session_send_and_read (session, large, NULL, NULL);
  g_assert_cmpuint (soup_message_get_status (large), ==, 413);
  g_clear_pointer (&body, g_bytes_unref);
  body = soup_session_send_and_read (session, plain, NULL, NULL);
  g_assert_cmpuint (soup_message_get_status (plain), ==, 400);
  g_assert_cmpuint (ld_store_get_n_records (f->store), ==, 0);
}

/* JSON lines on the TCP port */

static void
test_queue_handler_json (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *script = example_script ("queue_handler_json.py");
  g_autofree char *output = run_peer (script, f->tcp_port, NULL, 60);
  LdConnection *connection;
  const LdRecord *r;
  gsize length;

  WAIT_UNTIL (find_message (f, "done") != NULL, 20);
  connection = wait_for_state (f->registry, "tcp-1", LD_CONNECTION_CLOSED);
  g_assert_cmpstr (ld_connection_get_protocol (connection), ==, "tcp-json");
  g_assert_cmpuint (ld_connection_get_n_records (connection), ==, 11);
  g_assert_cmpuint (ld_store_get_n_records (f->store), ==, 11);

  r = find_message (f, "User alice placed order 42");
  g_assert_cmpint (r->level, ==, 20);
  g_assert_cmpstr (field (r->logger), ==, "orders");
  g_assert_cmpstr (field (r->protocol), ==, "tcp-json");
  g_assert_cmpstr (field (r->connection), ==, "tcp-1");
  g_assert_cmpstr (field (r->thread), ==, "MainThread");
  assert_extra (r, "user", LD_VALUE_STRING, "alice");
  g_assert_cmpint (ABS (r->time_us - g_get_real_time ()), <, 120 * G_USEC_PER_SEC);
  r = find_message (f, "Order 2 packed");
  g_assert_true (g_str_has_prefix (field (r->thread), "Packer-"));
  /* QueueHandler.prepare() put the traceback in the message; it is the
   * record's exception again. */
  r = find_message (f, "Looking up an order failed");
  g_assert_true (g_str_has_prefix (ld_record_get_exception (r, &length), "Traceback"));
  g_assert_nonnull (find_message (f, "Ünïcode and JSON's own characters: \" \\ \n done"));
  assert_jsonl_valid (f->store);
}


static void
client_send_len (GSocket    *socket,
                 const char *text,
                 gsize       length)
{
  while (length > 0)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_send (socket, text, length, NULL, &error);

      g_assert_no_error (error);
      text += n;
      length -= n;
    }
}

static void
client_send (GSocket    *socket,
             const char *text)
{
  client_send_len (socket, text, strlen (text));
}

/* A line that does not parse is reported and skipped; a line over the
 * limit ends its connection; a connection that starts otherwise is still
 * taken for pickles. */
static void
test_json_lines_bad (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GSocket) lines = client_connect (f->tcp_port);
  g_autoptr(GSocket) too_long = client_connect (f->tcp_port);
  g_autoptr(GSocket) pickle = client_connect (f->tcp_port);
  g_autofree char *long_line = g_strnfill (1500, 'x');
  g_autofree char *message = NULL;
  char buffer[16];

  client_send (lines, "{\"message\": \"line one\"}\r\n\n{\"message\": broken}\n[{\"message\": "
                      "\"line two\"}]\n{\"message\": \"last line without a newline\"}");
  WAIT_UNTIL (find_message (f, "line two") != NULL, 20);
  message = message_of (find_problem (f, "invalid JSON"));
  g_assert_nonnull (strstr (message, "“{\"message\": broken}”"));

  client_send (too_long, "{\"message\": \"");
  client_send (too_long, long_line);
  WAIT_UNTIL (find_problem (f, "over the limit of 1000 bytes") != NULL, 20);
  g_assert_cmpint (g_socket_receive (too_long, buffer, sizeof buffer, NULL, NULL), <=, 0);
  wait_for_state (f->registry, "tcp-2", LD_CONNECTION_ERROR);

  client_send_len (pickle, "\x00\x00\x00\x02hi", 6);
  WAIT_UNTIL (find_problem (f, "bad frame at byte 0") != NULL, 20);
  g_assert_cmpstr (ld_connection_get_protocol (ld_connection_registry_lookup (f->registry,
                                                                               "tcp-3")),
                   ==, "tcp-pickle");

  g_socket_close (lines, NULL);
  WAIT_UNTIL (find_message (f, "last line without a newline") != NULL, 20);
  g_assert_cmpuint (ld_connection_get_n_records (wait_for_state (f->registry, "tcp-1",
                                                                 LD_CONNECTION_CLOSED)), ==, 3);
}

/* The WebSocket client, against a Loki-shaped tail that restarts */

static GSubprocess *
start_loki (const char *batch,
            guint16     port,
            const char *port_file)
{
  const char *args[] = { "--batch", batch, "--port-file", port_file, NULL };
  GSubprocess *server;

  g_unlink (port_file);
  server = spawn_peer ("loki_server.py", port, args, FALSE);
  WAIT_UNTIL (g_file_test (port_file, G_FILE_TEST_EXISTS), 20);
  return server;
}

static void
check_loki_records (Fixture *f)
{
  const LdRecord *r = find_message (f, "first plain line 0");
  g_autofree char *warning = NULL;

  g_assert_cmpint (r->level, ==, 30);
  g_assert_cmpstr (field (r->level_name), ==, "warn");
  g_assert_cmpstr (field (r->logger), ==, "loki-peer");
  g_assert_cmpstr (field (r->connection), ==, "ws-client-1");
  g_assert_cmpstr (field (r->protocol), ==, "ws-client");
  g_assert_true (g_str_has_prefix (field (r->peer), "127.0.0.1:"));
  g_assert_cmpint (ABS (r->time_us - g_get_real_time ()), <, 120 * G_USEC_PER_SEC);
  assert_extra (r, "job", LD_VALUE_STRING, "loki-peer");
  assert_extra (r, "host", LD_VALUE_STRING, "h1");
  assert_extra (r, "batch", LD_VALUE_STRING, "first");

  r = find_message (f, "first json line 4");
  g_assert_cmpint (r->level, ==, 40);
  g_assert_cmpstr (field (r->logger), ==, "app.db");
  assert_extra (r, "user", LD_VALUE_STRING, "u1");
  assert_extra (r, "job", LD_VALUE_STRING, "loki-peer");

  warning = message_of (find_problem (f, "Loki dropped 3 entries"));
  g_assert_nonnull (strstr (warning, "2024-11-21T12:00:00.123456"));
  g_assert_nonnull (strstr (warning, "\"batch\":\"first\""));
  g_assert_cmpint (find_problem (f, "Loki dropped")->level, ==, 30);
}

static void
test_client_loki (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *port_file = g_build_filename (f->tmpdir, "port", NULL);
  g_autoptr(GSubprocess) server = start_loki ("first", 0, port_file);
  g_autoptr(GSubprocess) restarted = NULL;
  g_autofree char *port_text = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(GError) error = NULL;
  LdConnection *client;
  guint16 port;

  g_assert_true (g_file_get_contents (port_file, &port_text, NULL, NULL));
  port = atoi (port_text);
  uri = g_strdup_printf ("ws://127.0.0.1:%u/loki/api/v1/tail?query=%%7Bjob%%3D%%22x%%22%%7D",
                         port);
  g_assert_false (ld_ingest_add_ws_client (f->ingest, "http://example.org/", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_true (ld_ingest_add_ws_client (f->ingest, uri, NULL));

  WAIT_UNTIL (find_problem (f, "Loki dropped") != NULL, 20);
  g_assert_cmpuint (count_messages (f, "first plain line"), ==, 5);
  g_assert_cmpuint (count_messages (f, "first json line"), ==, 5);
  check_loki_records (f);
  client = wait_for_state (f->registry, "ws-client-1", LD_CONNECTION_OPEN);
  g_assert_cmpstr (ld_connection_get_address (client), ==, uri);

  /* The server goes away: the client says so, and is back when it is. */
  g_subprocess_send_signal (server, SIGKILL);
  g_subprocess_wait (server, NULL, NULL);
  client = wait_for_state (f->registry, "ws-client-1", LD_CONNECTION_CLOSED);
  g_test_message ("while the server is away: %s", ld_connection_get_last_error (client));
  g_assert_nonnull (strstr (ld_connection_get_last_error (client), "trying again in"));

  restarted = start_loki ("second", port, port_file);
  WAIT_UNTIL (count_messages (f, "second plain line") == 5, 40);
  wait_for_state (f->registry, "ws-client-1", LD_CONNECTION_OPEN);
  g_assert_cmpstr (field (find_message (f, "second json line 0")->connection), ==,
                   "ws-client-1");
  g_subprocess_send_signal (restarted, SIGKILL);
  g_subprocess_wait (restarted, NULL, NULL);
  assert_jsonl_valid (f->store);
}

/* The examples, which the README points users to */

static guint
count_logger (Fixture    *f,
              const char *logger,
              const char *prefix)
{
  guint n = 0;

  for (guint i = 0; i < ld_store_get_n_records (f->store); i++)
    {
      const LdRecord *r = ld_store_get_record (f->store, i);
      g_autofree char *message = message_of (r);

      n += g_strcmp0 (field (r->logger), logger) == 0 && g_str_has_prefix (message, prefix);
    }

  return n;
}

/* Every record of the websockets server about a connection names it by its
 * UUID, and the client by its address (remote_addr), behind the proxy too. */
static void
check_websockets_connections (Fixture *f)
{
  g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  guint n_forwarded = 0;

  for (guint i = 0; i < ld_store_get_n_records (f->store); i++)
    {
      const LdRecord *r = ld_store_get_record (f->store, i);
      g_autofree char *message = message_of (r);

      if (g_strcmp0 (field (r->logger), "websockets.server") != 0
          || g_str_has_prefix (message, "server "))
        continue;
      g_assert_cmpuint (strlen (field (r->connection)), ==, 36);
      g_hash_table_add (ids, (char *) field (r->connection));
      n_forwarded += g_strcmp0 (field (r->peer), "203.0.113.3") == 0;
    }

  g_assert_cmpuint (g_hash_table_size (ids), ==, 3);
  g_assert_cmpuint (n_forwarded, >, 5);
}

static void
test_examples (Fixture       *f,
               gconstpointer  data)
{
  const char *demo[] = { "--demo-clients", "3", NULL };
  g_autofree char *websockets_server = example_script ("websockets_server.py");
  g_autofree char *http_handler = example_script ("http_handler.py");
  g_autofree char *output = run_peer (websockets_server, f->http_port, demo, 60);
  g_autofree char *output2 = NULL;
  const LdRecord *r;

  WAIT_UNTIL (count_logger (f, "websockets.server", "connection closed") == 3, 20);
  g_assert_cmpuint (count_logger (f, "websockets.server", "connection open"), ==, 3);
  g_assert_cmpuint (count_logger (f, "websockets.server", "= connection is OPEN"), ==, 3);
  g_assert_cmpuint (count_logger (f, "websockets.server", "< TEXT 'hello 2 from client 3'"), ==, 1);
  g_assert_cmpuint (count_logger (f, "websockets.server", "> TEXT 'hello 0 from client 1'"), ==, 1);
  r = find_message (f, "connection open");
  g_assert_cmpint (r->level, ==, 20);
  g_assert_cmpint (find_message (f, "= connection is OPEN")->level, ==, 10);
  g_assert_cmpstr (field (r->protocol), ==, "ws-json");
  check_websockets_connections (f);

  output2 = run_peer (http_handler, f->http_port, NULL, 60);
  WAIT_UNTIL (find_message (f, "Job import failed") != NULL, 20);
  r = find_message (f, "GET /index.html answered 200 in 3.2 ms");
  g_assert_nonnull (r);
  g_assert_cmpstr (field (r->logger), ==, "web.requests");
  assert_extra (find_message (f, "Job nightly-export finished"), "rows", LD_VALUE_STRING, "1200");
  assert_jsonl_valid (f->store);
}

/* Stopping takes what the sessions had received. */
static void
test_stop_flushes (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupWebsocketConnection) client = soup_client_connect (session, f->http_port, NULL);
  LdConnection *connection;

  soup_websocket_connection_send_text (client, "{\"message\": \"sent before the stop\"}");
  WAIT_UNTIL (find_message (f, "sent before the stop") != NULL, 20);
  ld_ingest_stop (f->ingest);
  ld_handoff_drain (f->handoff);
  ld_connection_registry_flush (f->registry);

  connection = ld_connection_registry_lookup (f->registry, "ws-1");
  g_assert_cmpint (ld_connection_get_state (connection), ==, LD_CONNECTION_CLOSED);
  g_assert_cmpint (ld_connection_get_state (ld_connection_registry_lookup (f->registry, "http")),
                   ==, LD_CONNECTION_CLOSED);
  WAIT_UNTIL (soup_websocket_connection_get_state (client) == SOUP_WEBSOCKET_STATE_CLOSED, 20);
  g_assert_cmpuint (soup_websocket_connection_get_close_code (client), ==, 1001);
  g_assert_false (ld_ingest_add_http (f->ingest, "127.0.0.1", 0, NULL));
}

/* What an HTTP request gets back: its status line. */
static char *
http_status (guint16     port,
             const char *request)
{
  g_autoptr(GSocket) socket = client_connect (port);
  g_autoptr(GError) error = NULL;
  char reply[256] = "";
  gssize n;

  g_socket_send (socket, request, strlen (request), NULL, &error);
  g_assert_no_error (error);
  n = g_socket_receive (socket, reply, sizeof reply - 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, >, 0);

  return g_strndup (reply, strcspn (reply, "\r\n"));
}

/* A web page in the user's browser may not send records; loggers and
 * shippers, which send no Origin, may. */
static void
test_http_origin (Fixture       *f,
                  gconstpointer  data)
{
  const char *body = "{\"message\": \"from a page\"}";
  g_autofree char *page = g_strdup_printf ("POST /log HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                           "Origin: https://evil.example\r\n"
                                           "Content-Type: application/json\r\n"
                                           "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                                           strlen (body), body);
  g_autofree char *logger = g_strdup_printf ("POST /log HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                             "Content-Type: application/json\r\n"
                                             "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                                             strlen (body), body);
  g_autofree char *ws = g_strdup ("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                  "Origin: https://evil.example\r\nUpgrade: websocket\r\n"
                                  "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
  g_autofree char *page_status = http_status (f->http_port, page);
  g_autofree char *ws_status = http_status (f->http_port, ws);
  g_autofree char *logger_status = http_status (f->http_port, logger);

  g_assert_cmpstr (page_status, ==, "HTTP/1.1 403 Forbidden");
  g_assert_cmpstr (ws_status, ==, "HTTP/1.1 403 Forbidden");
  g_assert_cmpstr (logger_status, ==, "HTTP/1.1 200 OK");
  /* The page's records never arrive; its two tries are reported. */
  WAIT_UNTIL (count_messages (f, "from a page") == 1 && count_messages (f, "refused (403)") == 2,
              20);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, data) \
  g_test_add (path, Fixture, data, fixture_setup, func, fixture_teardown)

  ADD ("/ws/dialects", test_dialects, NULL);
  ADD ("/ws/soup-client", test_soup_client, NULL);
  ADD ("/ws/many-clients", test_many_clients, NULL);
  ADD ("/ws/big-message", test_big_message, NULL);
  ADD ("/ws/bad-input", test_bad_input, GUINT_TO_POINTER (SMALL_LIMIT));
  ADD ("/ws/client-loki", test_client_loki, NULL);
  ADD ("/ws/stop-flushes", test_stop_flushes, NULL);
  ADD ("/http/handler", test_http_handler, NULL);
  ADD ("/http/refusals", test_http_refusals, GUINT_TO_POINTER (SMALL_LIMIT));
  ADD ("/http/origin", test_http_origin, NULL);
  ADD ("/tcp/queue-handler-json", test_queue_handler_json, NULL);
  ADD ("/tcp/json-lines-bad", test_json_lines_bad, GUINT_TO_POINTER (1000));
  ADD ("/examples", test_examples, NULL);

#undef ADD

  return g_test_run ();
}
