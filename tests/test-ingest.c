// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "ld-connection-registry.h"
#include "ld-handoff.h"
#include "ld-ingest.h"
#include "ld-jsonl.h"
#include "ld-store.h"
#include "pickle-builder.h"
#include "ingest-test-utils.h"

/* The ingest thread against real peers: CPython's own SocketHandler and
 * DatagramHandler (the scripts in tests/peers, run with Debian's python3), and raw
 * frames written here for what no well-behaved sender would send. Records go
 * through the hand-off into a store on this thread's main context, as in the
 * application. Everything listens on 127.0.0.1, on ports the system picks. */

#define FULL_RECORDS     45   /* send_socket.py full */
#define DATAGRAM_RECORDS 5    /* send_datagram.py */
#define DATAGRAM_FLOOD   300
#define MANY_CONNECTIONS 50
#define MANY_RECORDS     2000

typedef struct
{
  LdStore              *store;
  LdHandoff            *handoff;
  LdConnectionRegistry *registry;
  LdIngest             *ingest;
  guint16               tcp_port;
  guint16               udp_port;
  char                 *tmpdir;
} Fixture;



static void
fixture_start (Fixture *f,
               guint32  max_frame_size)
{
  g_autoptr(GError) error = NULL;

  f->store = ld_store_new (0);
  f->handoff = ld_handoff_new (NULL, drain_into_store, f->store, NULL);
  ld_handoff_set_min_interval (f->handoff, 0);
  f->registry = ld_connection_registry_new ();
  f->ingest = ld_ingest_new (f->handoff, f->registry);
  if (max_frame_size != 0)
    ld_ingest_set_max_frame_size (f->ingest, max_frame_size);

  g_assert_true (ld_ingest_add_tcp (f->ingest, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  g_assert_true (ld_ingest_add_udp (f->ingest, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  f->tcp_port = ld_ingest_get_bound_port (f->ingest, "tcp");
  f->udp_port = ld_ingest_get_bound_port (f->ingest, "udp");
  g_assert_cmpuint (f->tcp_port, >, 0);
  g_assert_cmpuint (f->udp_port, >, 0);

  f->tmpdir = g_dir_make_tmp ("logdeck-test-ingest-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  fixture_start (f, GPOINTER_TO_UINT (data));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  ingest_fixture_clear (&f->ingest, &f->handoff, f->registry, f->store, &f->tmpdir);
}

/* Records */


static const LdRecord *
find_message (Fixture    *f,
              const char *prefix)
{
  for (guint i = 0; i < ld_store_get_n_records (f->store); i++)
    {
      const LdRecord *record = ld_store_get_record (f->store, i);
      gsize length;
      const char *text = ld_record_get_message (record, &length);

      if (length >= strlen (prefix) && memcmp (text, prefix, strlen (prefix)) == 0)
        return record;
    }

  return NULL;
}

/* A record of Logdeck's own about the connection from @peer. */
static const LdRecord *
find_problem (Fixture    *f,
              const char *peer,
              int         level)
{
  for (guint i = 0; i < ld_store_get_n_records (f->store); i++)
    {
      const LdRecord *record = ld_store_get_record (f->store, i);

      if (g_strcmp0 (ld_intern_lookup (record->logger), LD_INGEST_LOGGER) == 0
          && record->level == level
          && (peer == NULL || g_strcmp0 (ld_intern_lookup (record->peer), peer) == 0))
        return record;
    }

  return NULL;
}

static guint
count_problems (Fixture *f)
{
  guint n = 0;

  for (guint i = 0; i < ld_store_get_n_records (f->store); i++)
    n += g_strcmp0 (ld_intern_lookup (ld_store_get_record (f->store, i)->logger),
                    LD_INGEST_LOGGER) == 0;

  return n;
}

static char *
extra_of (const LdRecord *record,
          const char     *key,
          LdValueType    *type)
{
  const char *value;
  gsize length;

  if (!ld_record_get_extra (record, key, type, &value, &length))
    g_error ("the record has no extra field “%s”", key);

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

  g_assert_cmpint (type, ==, expected_type);
  g_assert_cmpstr (value, ==, expected);
}




/* Python peers */



static void
on_peer_exited (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  gboolean *done = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (object), result, NULL);
  *done = TRUE;
}

/* Runs a peer to its end while records flow into the store. */
static void
run_peer (const char *script,
          guint16     port,
          const char *const *args,
          double      seconds,
          char      **pid_out)
{
  g_autofree char *path = peer_script (script);
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) peer = NULL;
  g_autoptr(GError) error = NULL;
  gboolean done = FALSE;

  g_ptr_array_add (argv, (char *) python3 ());
  g_ptr_array_add (argv, path);
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, "--host");
  g_ptr_array_add (argv, "127.0.0.1");
  g_ptr_array_add (argv, "--port");
  g_ptr_array_add (argv, port_text);
  g_ptr_array_add (argv, NULL);

  peer = g_subprocess_newv ((const char *const *) argv->pdata, G_SUBPROCESS_FLAGS_NONE, &error);
  g_assert_no_error (error);
  if (pid_out != NULL)
    *pid_out = g_strdup (g_subprocess_get_identifier (peer));

  g_subprocess_wait_async (peer, NULL, on_peer_exited, &done);
  WAIT_UNTIL (done, seconds);
  g_assert_true (g_subprocess_get_if_exited (peer));
  g_assert_cmpint (g_subprocess_get_exit_status (peer), ==, 0);
}

/* Raw clients */


/* The peer address Logdeck sees for @socket, "127.0.0.1:54321". */
static char *
client_name (GSocket *socket)
{
  g_autoptr(GSocketAddress) local = g_socket_get_local_address (socket, NULL);
  GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS (local);
  g_autofree char *ip = g_inet_address_to_string (g_inet_socket_address_get_address (inet));

  return g_strdup_printf ("%s:%u", ip, g_inet_socket_address_get_port (inet));
}

static void
client_send (GSocket      *socket,
             const guint8 *data,
             gsize         length)
{
  while (length > 0)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_send (socket, (const char *) data, length, NULL, &error);

      g_assert_no_error (error);
      data += n;
      length -= n;
    }
}

static void
client_send_bytes (GSocket *socket,
                   GBytes  *bytes)
{
  gsize length;
  const guint8 *data = g_bytes_get_data (bytes, &length);

  client_send (socket, data, length);
}

/* Logdeck closes a connection after a bad frame: the client sees its end. */
static void
assert_closed_by_peer (GSocket *socket)
{
  char buffer[64];
  g_autoptr(GError) error = NULL;
  gssize n = g_socket_receive (socket, buffer, sizeof buffer, NULL, &error);

  if (n < 0)
    g_assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED)
                   || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE));
  else
    g_assert_cmpint (n, ==, 0);
}

static GBytes *
frame (GBytes *pickle)
{
  gsize length;
  const guint8 *data = g_bytes_get_data (pickle, &length);
  GByteArray *framed = g_byte_array_sized_new (length + 4);
  guint32 be = GUINT32_TO_BE ((guint32) length);

  g_byte_array_append (framed, (const guint8 *) &be, 4);
  g_byte_array_append (framed, data, length);
  return g_byte_array_free_to_bytes (framed);
}

/* A framed LogRecord dict, as SocketHandler would send it. */
static GBytes *
record_frame (const char *message)
{
  PickleBuilder *pb = pb_new ();
  g_autoptr(GBytes) pickle = NULL;

  pb_byte (pb, '}');
  pb_mark (pb);
  pb_item_str (pb, "name", "raw.client");
  pb_item_str (pb, "msg", message);
  pb_item_str (pb, "args", NULL);
  pb_item_str (pb, "levelname", "INFO");
  pb_item_int (pb, "levelno", 20);
  pb_item_float (pb, "created", g_get_real_time () / 1e6);
  pb_byte (pb, 'u');
  pickle = pb_finish (pb);

  return frame (pickle);
}

static void
send_record (Fixture    *f,
             GSocket    *socket,
             const char *message)
{
  g_autoptr(GBytes) bytes = record_frame (message);

  client_send_bytes (socket, bytes);
  WAIT_UNTIL (find_message (f, message) != NULL, 20);
}

/* Tests */

static void
check_full_levels (Fixture    *f,
                   const char *pid)
{
  const LdRecord *r = find_message (f, "debug message");

  g_assert_nonnull (r);
  g_assert_cmpint (r->level, ==, 10);
  g_assert_cmpstr (field (r->level_name), ==, "DEBUG");
  g_assert_cmpstr (field (r->logger), ==, "peer.full");
  g_assert_cmpstr (field (r->connection), ==, "tcp-1");
  g_assert_true (g_str_has_prefix (field (r->peer), "127.0.0.1:"));
  g_assert_cmpstr (field (r->protocol), ==, "tcp-pickle");
  g_assert_cmpstr (field (r->thread), ==, "MainThread");
  g_assert_cmpint (r->thread_id, !=, 0);
  g_assert_cmpint (r->process, ==, atoi (pid));
  g_assert_cmpstr (field (r->process_name), ==, "MainProcess");
  g_assert_true (g_str_has_suffix (field (r->file), "send_socket.py"));
  g_assert_cmpstr (field (r->function), ==, "full");
  g_assert_cmpuint (r->line, >, 0);
  g_assert_cmpint (ABS (r->time_us - g_get_real_time ()), <, 120 * G_USEC_PER_SEC);

  g_assert_cmpint (find_message (f, "info message")->level, ==, 20);
  g_assert_cmpint (find_message (f, "warning message")->level, ==, 30);
  g_assert_cmpint (find_message (f, "error message")->level, ==, 40);
  g_assert_cmpint (find_message (f, "critical message")->level, ==, 50);
  r = find_message (f, "custom level five");
  g_assert_cmpint (r->level, ==, 5);
  g_assert_cmpstr (field (r->level_name), ==, "Level 5");
  r = find_message (f, "custom level twenty-five");
  g_assert_cmpint (r->level, ==, 25);
  g_assert_cmpstr (field (r->level_name), ==, "NOTICE");
}

static void
check_full_texts (Fixture *f)
{
  const LdRecord *r = find_message (f, "division failed");
  g_autofree char *unicode = NULL;
  g_autofree char *surrogate = NULL;
  const char *text;
  gsize length;

  g_assert_cmpint (r->level, ==, 40);
  text = ld_record_get_exception (r, &length);
  g_assert_nonnull (g_strstr_len (text, length, "Traceback (most recent call last):"));
  g_assert_nonnull (g_strstr_len (text, length, "ZeroDivisionError: division by zero"));

  text = ld_record_get_stack (find_message (f, "where am I"), &length);
  g_assert_true (length > 0 && g_str_has_prefix (text, "Stack (most recent call last):"));

  unicode = message_of (find_message (f, "héllo"));
  g_assert_cmpstr (unicode, ==, "héllo wörld ✓ 😀 ünïcode");
  surrogate = message_of (find_message (f, "lone surrogate"));
  g_assert_cmpstr (surrogate, ==, "lone surrogate: \xef\xbf\xbd end");

  ld_record_get_message (find_message (f, "big:"), &length);
  g_assert_cmpuint (length, ==, 4 + 200000);

  /* SocketHandler merges the arguments before sending. */
  g_assert_nonnull (find_message (f, "user bob has 3 items"));

  r = find_message (f, "no thread info");
  g_assert_cmpuint (r->thread, ==, LD_INTERN_NONE);
  g_assert_cmpint (r->thread_id, ==, 0);
}

static void
check_full_extras (Fixture *f)
{
  const LdRecord *r = find_message (f, "with extras");

  assert_extra (r, "s", LD_VALUE_STRING, "text");
  assert_extra (r, "i", LD_VALUE_NUMBER, "42");
  assert_extra (r, "f", LD_VALUE_NUMBER, "2.5");
  assert_extra (r, "t_bool", LD_VALUE_BOOL, "true");
  assert_extra (r, "nothing", LD_VALUE_NULL, "");
  assert_extra (r, "a_list", LD_VALUE_JSON, "[1,\"two\",3.0]");
  assert_extra (r, "a_dict", LD_VALUE_JSON, "{\"k\":[1,2]}");
  assert_extra (r, "a_tuple", LD_VALUE_JSON, "[1,\"x\"]");
  assert_extra (r, "when", LD_VALUE_STRING, "2026-11-20 12:30:00");
  assert_extra (r, "price", LD_VALUE_STRING, "Decimal('12.50')");
  assert_extra (r, "ident", LD_VALUE_STRING, "UUID('12345678-1234-5678-1234-567812345678')");
  assert_extra (r, "raw", LD_VALUE_STRING, "b'\\x00\\x01ab'");
  assert_extra (r, "a_set", LD_VALUE_JSON, "[7]");
  g_assert_cmpuint (ld_record_n_extras (r), ==, 13);
}

static void
check_full_threads (Fixture *f)
{
  const char *names[] = { "worker-a", "worker-b", "worker-c" };

  for (guint t = 0; t < G_N_ELEMENTS (names); t++)
    {
      guint n = 0;

      for (guint i = 0; i < ld_store_get_n_records (f->store); i++)
        {
          const LdRecord *r = ld_store_get_record (f->store, i);
          g_autofree char *expected = NULL;
          g_autofree char *message = NULL;

          if (g_strcmp0 (field (r->thread), names[t]) != 0)
            continue;
          expected = g_strdup_printf ("from %s #%u", names[t], n++);
          message = message_of (r);
          g_assert_cmpstr (message, ==, expected);
        }
      g_assert_cmpuint (n, ==, 10);
    }
}

static void
test_socket_handler (Fixture       *f,
                     gconstpointer  data)
{
  const char *args[] = { "full", NULL };
  g_autofree char *pid = NULL;
  LdConnection *connection;

  run_peer ("send_socket.py", f->tcp_port, args, 60, &pid);
  WAIT_UNTIL (ld_store_get_n_records (f->store) >= FULL_RECORDS, 20);
  connection = wait_for_state (f->registry, "tcp-1", LD_CONNECTION_CLOSED);

  g_assert_cmpuint (ld_store_get_n_records (f->store), ==, FULL_RECORDS);
  check_full_levels (f, pid);
  check_full_texts (f);
  check_full_extras (f);
  check_full_threads (f);
  assert_jsonl_valid (f->store);

  g_assert_cmpuint (ld_connection_get_n_records (connection), ==, FULL_RECORDS);
  g_assert_cmpuint (ld_connection_get_n_bytes (connection), >, 200000);
  g_assert_cmpstr (ld_connection_get_protocol (connection), ==, "tcp-pickle");
  g_assert_false (ld_connection_is_endpoint (connection));
  g_assert_cmpint (ld_connection_get_closed_at (connection), >=,
                   ld_connection_get_connected_since (connection));
}

typedef struct
{
  guint count;
  guint conn;
} PerConnection;

static void
count_many (Fixture    *f,
            GHashTable *per_connection)
{
  for (guint i = 0; i < ld_store_get_n_records (f->store); i++)
    {
      const LdRecord *r = ld_store_get_record (f->store, i);
      const char *id = field (r->connection);
      PerConnection *seen = g_hash_table_lookup (per_connection, id);
      LdValueType type;
      g_autofree char *conn = extra_of (r, "conn", &type);
      g_autofree char *seq = extra_of (r, "seq", &type);

      if (seen == NULL)
        {
          seen = g_new0 (PerConnection, 1);
          seen->conn = atoi (conn);
          g_hash_table_insert (per_connection, (char *) id, seen);
        }
      /* Each connection's records arrive whole and in the order sent. */
      g_assert_cmpuint (atoi (conn), ==, seen->conn);
      g_assert_cmpuint (atoi (seq), ==, seen->count);
      seen->count++;
    }
}

static void
test_many_connections (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *connections = g_strdup_printf ("%d", MANY_CONNECTIONS);
  g_autofree char *records = g_strdup_printf ("%d", MANY_RECORDS);
  const char *args[] = { "many", "--connections", connections, "--records", records, NULL };
  g_autoptr(GHashTable) per_connection = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                                g_free);
  guint64 conn_seen = 0;
  GHashTableIter iter;
  const char *id;
  PerConnection *seen;

  run_peer ("send_socket.py", f->tcp_port, args, 240, NULL);
  WAIT_UNTIL (ld_store_get_n_records (f->store) >= MANY_CONNECTIONS * MANY_RECORDS, 60);
  g_assert_cmpuint (ld_store_get_n_records (f->store), ==, MANY_CONNECTIONS * MANY_RECORDS);

  count_many (f, per_connection);
  g_assert_cmpuint (g_hash_table_size (per_connection), ==, MANY_CONNECTIONS);
  g_hash_table_iter_init (&iter, per_connection);
  while (g_hash_table_iter_next (&iter, (gpointer *) &id, (gpointer *) &seen))
    {
      LdConnection *connection = wait_for_state (f->registry, id, LD_CONNECTION_CLOSED);

      g_assert_cmpuint (seen->count, ==, MANY_RECORDS);
      g_assert_cmpuint (ld_connection_get_n_records (connection), ==, MANY_RECORDS);
      conn_seen |= G_GUINT64_CONSTANT (1) << seen->conn;
    }
  g_assert_cmpuint (conn_seen, ==, (G_GUINT64_CONSTANT (1) << MANY_CONNECTIONS) - 1);
}

static void
send_datagram (guint16       port,
               const guint8 *data,
               gsize         length)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GError) error = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
                         &error);
  g_assert_no_error (error);
  g_socket_send_to (socket, address, (const char *) data, length, NULL, &error);
  g_assert_no_error (error);
}

static void
test_datagram_handler (Fixture       *f,
                       gconstpointer  data)
{
  static const guint8 garbage[] = "garbage!";
  static const guint8 bad_pickle[] = { 0, 0, 0, 3, 0x80, 0x02, 0xff };
  g_autofree char *problem = NULL;
  LdConnection *endpoint;
  const LdRecord *r;
  gint64 start;
  double elapsed;
  guint n_problems;

  run_peer ("send_datagram.py", f->udp_port, NULL, 60, NULL);
  WAIT_UNTIL (ld_store_get_n_records (f->store) >= DATAGRAM_RECORDS, 20);

  r = find_message (f, "datagram two");
  g_assert_cmpint (r->level, ==, 30);
  g_assert_cmpstr (field (r->connection), ==, "udp");
  g_assert_cmpstr (field (r->protocol), ==, "udp-pickle");
  g_assert_true (g_str_has_prefix (field (r->peer), "127.0.0.1:"));
  assert_extra (r, "user", LD_VALUE_STRING, "alice");
  assert_extra (r, "n", LD_VALUE_NUMBER, "7");
  g_assert_cmpstr (field (find_message (f, "datagram level five")->level_name), ==, "Level 5");
  g_assert_nonnull (find_message (f, "datagram ünïcode ✓"));
  g_assert_nonnull (find_message (f, "datagram formatted"));

  /* Two bad datagrams in a row: both counted, and each reported with its
   * reason (the endpoint's problem limiter lets a burst through). */
  send_datagram (f->udp_port, garbage, sizeof garbage - 1);
  send_datagram (f->udp_port, bad_pickle, sizeof bad_pickle);
  WAIT_UNTIL ((endpoint = ld_connection_registry_lookup (f->registry, "udp")) != NULL
              && ld_connection_get_n_errors (endpoint) == 2, 20);
  WAIT_UNTIL (count_problems (f) == 2, 20);
  g_assert_cmpuint (ld_connection_get_n_records (endpoint), ==, DATAGRAM_RECORDS);
  g_assert_cmpint (ld_connection_get_state (endpoint), ==, LD_CONNECTION_LISTENING);
  g_assert_nonnull (ld_connection_get_last_error (endpoint));
  problem = message_of (find_problem (f, NULL, 40));
  g_assert_nonnull (strstr (problem, "length prefix"));

  /* A flood is counted in full, but reported at the limiter's rate. It is
   * sent in bursts that the socket's buffer holds, so that a slow receiver
   * (a sanitizer build) loses none. */
  start = g_get_monotonic_time ();
  for (guint sent = 0; sent < DATAGRAM_FLOOD; )
    {
      for (guint i = 0; i < 25; i++, sent++)
        send_datagram (f->udp_port, garbage, sizeof garbage - 1);
      WAIT_UNTIL (ld_connection_get_n_errors (endpoint) == 2 + sent, 20);
    }
  /* Counted first: every record counted was made within @elapsed. Each one
   * let through after some were held back follows a count of those. */
  n_problems = count_problems (f);
  elapsed = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  g_assert_cmpuint (n_problems, <=,
                    2 + LD_PROBLEMS_BURST + 2 * LD_PROBLEMS_PER_SECOND * (elapsed + 1));
  g_assert_cmpuint (n_problems, <, DATAGRAM_FLOOD / 2);
  g_assert_cmpuint (ld_connection_get_n_records (endpoint), ==, DATAGRAM_RECORDS);
  assert_jsonl_valid (f->store);
}

/* A pickle that would run `touch MARKER` if anything called os.system. */
static void
add_os_system (PickleBuilder *pb,
               const char    *marker)
{
  g_autofree char *command = g_strdup_printf ("touch %s", marker);

  pb_global (pb, "os", "system");
  pb_mark (pb);
  pb_str (pb, command);
  pb_tuple (pb);
  pb_reduce (pb);
}

static void
test_malicious_pickle (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *marker = g_build_filename (f->tmpdir, "marker", NULL);
  g_autoptr(GSocket) good = client_connect (f->tcp_port);
  g_autoptr(GSocket) evil = client_connect (f->tcp_port);
  g_autofree char *evil_name = client_name (evil);
  g_autoptr(GBytes) in_record = NULL;
  g_autoptr(GBytes) whole = NULL;
  PickleBuilder *pb;
  const LdRecord *r;
  LdValueType type;
  g_autofree char *payload = NULL;

  send_record (f, good, "good before");

  pb = pb_new ();
  pb_byte (pb, '}');
  pb_mark (pb);
  pb_item_str (pb, "msg", "evil record");
  pb_item_int (pb, "levelno", 40);
  pb_str (pb, "payload");
  add_os_system (pb, marker);
  pb_byte (pb, 'u');
  in_record = frame (pb_finish (pb));
  client_send_bytes (evil, in_record);
  WAIT_UNTIL ((r = find_message (f, "evil record")) != NULL, 20);
  payload = extra_of (r, "payload", &type);
  g_test_message ("placeholder: %s", payload);
  g_assert_cmpint (type, ==, LD_VALUE_STRING);
  g_assert_nonnull (strstr (payload, "os.system"));

  /* The same call as the whole pickle is not a record at all. */
  pb = pb_new ();
  add_os_system (pb, marker);
  whole = frame (pb_finish (pb));
  client_send_bytes (evil, whole);
  WAIT_UNTIL (find_problem (f, evil_name, 40) != NULL, 20);
  assert_closed_by_peer (evil);

  send_record (f, good, "good after");
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));
}

typedef struct
{
  const char *name;
  const char *expected;     /* in the problem record's message */
  int         level;
  gboolean    close_after;  /* the client closes, mid-frame */
} BadInput;

/* Sends @data on one connection while another stays open, and returns the
 * problem record's message. */
static char *
check_bad_input (Fixture        *f,
                 const BadInput *bad,
                 const guint8   *data,
                 gsize           length)
{
  g_autoptr(GSocket) good = client_connect (f->tcp_port);
  g_autoptr(GSocket) victim = client_connect (f->tcp_port);
  g_autofree char *victim_name = client_name (victim);
  g_autofree char *good_before = g_strdup_printf ("good before %s", bad->name);
  g_autofree char *good_after = g_strdup_printf ("good after %s", bad->name);
  g_autofree char *message = NULL;
  const char *id;
  const LdRecord *r;

  send_record (f, good, good_before);
  client_send (victim, data, length);
  if (bad->close_after)
    g_socket_close (victim, NULL);

  WAIT_UNTIL ((r = find_problem (f, victim_name, bad->level)) != NULL, 20);
  message = message_of (r);
  g_test_message ("%s: %s", bad->name, message);
  if (strstr (message, bad->expected) == NULL)
    g_error ("“%s” does not say “%s”", message, bad->expected);
  g_assert_cmpstr (field (r->logger), ==, "logdeck.ingest");
  id = field (r->connection);
  g_assert_true (g_str_has_prefix (message, id));
  wait_for_state (f->registry, id, bad->close_after ? LD_CONNECTION_CLOSED : LD_CONNECTION_ERROR);
  if (!bad->close_after)
    assert_closed_by_peer (victim);

  send_record (f, good, good_after);
  return g_steal_pointer (&message);
}

static GBytes *
marks_pickle (guint n_marks)
{
  PickleBuilder *pb = pb_new ();

  for (guint i = 0; i < n_marks; i++)
    pb_mark (pb);
  return frame (pb_finish (pb));
}

static void
test_bad_frames (Fixture       *f,
                 gconstpointer  data)
{
  static const guint8 zero[] = { 0, 0, 0, 0 };
  static const guint8 huge[] = { 0x80, 0, 0, 0, 0x80, 0x02 };
  static const guint8 header_only[] = { 0, 0 };
  static const guint8 garbage[] = { 0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o' };
  static const BadInput zero_length = { "zero", "at byte 0: the frame is empty", 40 };
  static const BadInput two_gib = { "2GiB", "2147483648 bytes is over the limit", 40 };
  static const BadInput marks = { "marks", "bad frame at byte 0", 40 };
  static const BadInput not_pickle = { "garbage", "bad frame at byte 0 (5 bytes)", 40 };
  static const BadInput cut = { "cut", "frame at byte ", 30, TRUE };
  static const BadInput cut_header = { "cut-header", "frame header at byte 0: 2 bytes cut", 30,
                                       TRUE };
  g_autoptr(GBytes) deep = marks_pickle (100000);
  g_autoptr(GBytes) first = record_frame ("a whole frame first");
  g_autoptr(GByteArray) truncated = g_byte_array_new ();
  gsize deep_len, first_len;
  const guint8 *deep_data = g_bytes_get_data (deep, &deep_len);
  const guint8 *first_data = g_bytes_get_data (first, &first_len);

  g_autofree char *message = NULL;
  g_autofree char *where = NULL;

  g_free (check_bad_input (f, &zero_length, zero, sizeof zero));
  g_free (check_bad_input (f, &two_gib, huge, sizeof huge));
  g_free (check_bad_input (f, &marks, deep_data, deep_len));
  g_free (check_bad_input (f, &not_pickle, garbage, sizeof garbage));
  g_free (check_bad_input (f, &cut_header, header_only, sizeof header_only));

  /* A whole frame, then 30 bytes of the next: the cut is after the first. */
  g_byte_array_append (truncated, first_data, first_len);
  g_byte_array_append (truncated, first_data, 30);
  message = check_bad_input (f, &cut, truncated->data, truncated->len);
  where = g_strdup_printf ("at byte %" G_GSIZE_FORMAT ": 30 bytes cut", first_len);
  g_assert_nonnull (strstr (message, where));
  g_assert_nonnull (find_message (f, "a whole frame first"));
  assert_jsonl_valid (f->store);
}

static void
test_frame_limit (Fixture       *f,
                  gconstpointer  data)
{
  static const BadInput too_long = { "limit", "1001 bytes is over the limit of 1000 bytes", 40 };
  static const guint8 header[] = { 0, 0, 0x03, 0xe9 };

  g_assert_cmpuint (ld_ingest_get_max_frame_size (f->ingest), ==, 1000);
  g_free (check_bad_input (f, &too_long, header, sizeof header));
}

static GSocket *
occupy_port (GSocketType  type,
             guint16     *port)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, type, G_SOCKET_PROTOCOL_DEFAULT, &error);

  g_assert_no_error (error);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  if (type == G_SOCKET_TYPE_STREAM)
    g_socket_listen (socket, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

  return socket;
}

static void
test_port_taken (Fixture       *f,
                 gconstpointer  data)
{
  guint16 tcp_port, udp_port;
  g_autoptr(GSocket) tcp_squatter = occupy_port (G_SOCKET_TYPE_STREAM, &tcp_port);
  g_autoptr(GSocket) udp_squatter = occupy_port (G_SOCKET_TYPE_DATAGRAM, &udp_port);
  g_autoptr(GSocket) client = NULL;
  g_autoptr(GError) error = NULL;
  LdConnection *failed;

  g_assert_false (ld_ingest_add_tcp (f->ingest, "127.0.0.1", tcp_port, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_false (ld_ingest_add_udp (f->ingest, "127.0.0.1", udp_port, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_clear_error (&error);
  g_assert_false (ld_ingest_add_tcp (f->ingest, "no such host", 0, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);

  failed = wait_for_state (f->registry, "tcp.2", LD_CONNECTION_FAILED);
  g_assert_true (ld_connection_is_endpoint (failed));
  g_assert_nonnull (strstr (ld_connection_get_last_error (failed), "in use"));
  failed = wait_for_state (f->registry, "udp.2", LD_CONNECTION_FAILED);
  g_assert_nonnull (strstr (ld_connection_get_last_error (failed), "in use"));
  g_assert_cmpuint (ld_ingest_get_bound_port (f->ingest, "tcp.2"), ==, 0);

  /* The endpoints that could listen still do. */
  g_assert_cmpint (ld_connection_get_state (wait_for_state (f->registry, "tcp", LD_CONNECTION_LISTENING)),
                   ==, LD_CONNECTION_LISTENING);
  client = client_connect (f->tcp_port);
  send_record (f, client, "still listening");
}

static void
test_stop_flushes (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GSocket) client = client_connect (f->tcp_port);
  g_autoptr(GByteArray) stream = g_byte_array_new ();
  g_autofree char *last = NULL;
  LdConnection *connection;
  guint n_records;

  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *message = g_strdup_printf ("burst %u", i);
      g_autoptr(GBytes) bytes = record_frame (message);

      g_byte_array_append (stream, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
    }
  g_byte_array_append (stream, (const guint8 *) "\0\0\1\0unfinished", 14);
  client_send (client, stream->data, stream->len);

  /* No waiting: stopping reads what was sent, then hands it all over. */
  ld_ingest_stop (f->ingest);
  ld_handoff_drain (f->handoff);
  ld_connection_registry_flush (f->registry);

  n_records = ld_store_get_n_records (f->store);
  g_assert_cmpuint (n_records, ==, 1001);
  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *message = message_of (ld_store_get_record (f->store, i));
      g_autofree char *expected = g_strdup_printf ("burst %u", i);

      g_assert_cmpstr (message, ==, expected);
    }
  last = message_of (ld_store_get_record (f->store, 1000));
  g_assert_nonnull (strstr (last, "stopped"));

  connection = ld_connection_registry_lookup (f->registry, "tcp-1");
  g_assert_cmpint (ld_connection_get_state (connection), ==, LD_CONNECTION_CLOSED);
  g_assert_cmpuint (ld_connection_get_n_records (connection), ==, 1000);
  g_assert_cmpint (ld_connection_get_state (ld_connection_registry_lookup (f->registry, "tcp")),
                   ==, LD_CONNECTION_CLOSED);
  g_assert_cmpuint (ld_ingest_get_n_records (f->ingest), ==, 1001);
  g_assert_false (ld_ingest_add_tcp (f->ingest, "127.0.0.1", 0, NULL));
}

static guint
count_logger (Fixture    *f,
              const char *logger,
              const char *thread)
{
  guint n = 0;

  for (guint i = 0; i < ld_store_get_n_records (f->store); i++)
    {
      const LdRecord *r = ld_store_get_record (f->store, i);

      n += g_strcmp0 (field (r->logger), logger) == 0
           && (thread == NULL || g_strcmp0 (field (r->thread), thread) == 0);
    }

  return n;
}

static void
run_example (Fixture    *f,
             const char *name,
             guint16     port,
             const char *const *args)
{
  /* The examples are two levels up from tests/peers. */
  g_autofree char *path = g_build_filename ("..", "..", "examples", "python", name, NULL);

  run_peer (path, port, args, 60, NULL);
}

/* The senders of examples/python, which the README points users to. */
static void
test_examples (Fixture       *f,
               gconstpointer  data)
{
  const char *short_run[] = { "--seconds", "0.5", NULL };
  const LdRecord *r;
  gsize length;

  run_example (f, "socket_handler.py", f->tcp_port, NULL);
  WAIT_UNTIL ((r = find_message (f, "Looking up a key failed")) != NULL, 20);
  g_assert_true (g_str_has_prefix (ld_record_get_exception (r, &length), "Traceback"));
  r = find_message (f, "User alice logged in from 10.0.0.7");
  g_assert_cmpstr (field (r->logger), ==, "myapp.area1");
  assert_extra (r, "appName", LD_VALUE_STRING, "myapp");
  g_assert_cmpstr (field (find_message (f, "A custom level")->level_name), ==, "NOTICE");
  g_assert_cmpuint (count_logger (f, "myapp.area2", "MainThread"), ==, 2);

  run_example (f, "datagram_handler.py", f->udp_port, NULL);
  WAIT_UNTIL ((r = find_message (f, "Cannot reach backup.example.org")) != NULL, 20);
  g_assert_cmpstr (field (r->connection), ==, "udp");
  assert_extra (find_message (f, "Disk usage is 73%"), "mount", LD_VALUE_STRING, "/srv");

  run_example (f, "spam_application.py", f->tcp_port, NULL);
  WAIT_UNTIL (find_message (f, "done with auxiliary_module.some_function()") != NULL, 20);
  g_assert_cmpuint (count_logger (f, "spam_application", NULL), ==, 6);
  g_assert_cmpuint (count_logger (f, "spam_application.auxiliary.Auxiliary", NULL), ==, 3);
  g_assert_cmpuint (count_logger (f, "spam_application.auxiliary", NULL), ==, 1);

  run_example (f, "queue_listener.py", f->tcp_port, short_run);
  WAIT_UNTIL (find_message (f, "All workers stopped") != NULL, 20);
  g_assert_cmpuint (count_logger (f, "jobs.worker2", "Worker-2"), >, 0);
  g_assert_cmpuint (count_logger (f, "jobs.worker2", "Worker-3"), ==, 0);
  assert_extra (find_message (f, "Job 1 started"), "job", LD_VALUE_NUMBER, "1");

  run_example (f, "threads.py", f->tcp_port, short_run);
  WAIT_UNTIL (count_logger (f, "root", "MainThread") > 0 && count_logger (f, "root", "Writer") > 0,
              20);
  g_assert_cmpuint (count_logger (f, "root", "Reader"), >, 0);
  g_assert_cmpuint (count_logger (f, "root", "Parser"), >, 0);
  assert_jsonl_valid (f->store);
}

static void
test_registry_model (Fixture       *f,
                     gconstpointer  data)
{
  GListModel *model = G_LIST_MODEL (f->registry);
  g_autoptr(GSocket) client = client_connect (f->tcp_port);
  g_autoptr(LdConnection) first = NULL;
  g_autofree char *name = client_name (client);
  g_autofree char *kind = NULL;
  LdConnectionState state;
  LdConnection *connection;

  g_assert_true (g_list_model_get_item_type (model) == LD_TYPE_CONNECTION);
  WAIT_UNTIL (g_list_model_get_n_items (model) >= 2, 20);
  first = g_list_model_get_item (model, 0);
  g_object_get (first, "kind", &kind, "state", &state, NULL);
  g_assert_cmpstr (kind, ==, "endpoint");
  g_assert_cmpint (state, ==, LD_CONNECTION_LISTENING);
  g_assert_cmpstr (ld_connection_get_id (first), ==, "tcp");
  g_assert_true (g_str_has_prefix (ld_connection_get_address (first), "127.0.0.1:"));
  g_assert_cmpstr (ld_connection_state_to_string (state), ==, "listening");

  send_record (f, client, "counted");
  connection = wait_for_state (f->registry, "tcp-1", LD_CONNECTION_OPEN);
  g_assert_cmpstr (ld_connection_get_address (connection), ==, name);
  WAIT_UNTIL (ld_connection_get_n_records (connection) == 1, 20);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 3);

  g_socket_close (client, NULL);
  wait_for_state (f->registry, "tcp-1", LD_CONNECTION_CLOSED);

  /* Closed connections beyond the limit are forgotten; endpoints stay. */
  ld_connection_registry_set_max_closed (f->registry, 0);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 2);
  g_assert_null (ld_connection_registry_lookup (f->registry, "tcp-1"));
}

static gpointer
report_many (gpointer user_data)
{
  LdConnectionRegistry *registry = user_data;
  g_autofree char *id = g_strdup_printf ("t-%p", (void *) g_thread_self ());

  for (guint i = 1; i <= 1000; i++)
    {
      LdConnectionInfo info = {
        .id = id,
        .kind = LD_CONNECTION_KIND_CONNECTION,
        .protocol = "test",
        .state = i < 1000 ? LD_CONNECTION_OPEN : LD_CONNECTION_CLOSED,
        .n_records = i,
        .last_error = i == 500 ? "halfway" : NULL,
      };

      ld_connection_registry_report (registry, &info);
    }

  return NULL;
}

static void
count_signal (guint *counter)
{
  (*counter)++;
}

/* Reports from other threads reach the registry's own thread coalesced:
 * the newest snapshot of each connection, and one change of the list. */
static void
test_registry_threads (void)
{
  g_autoptr(LdConnectionRegistry) registry = ld_connection_registry_new ();
  GThread *threads[4];
  guint n_changes = 0;

  g_signal_connect_swapped (registry, "items-changed", G_CALLBACK (count_signal), &n_changes);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("reporter", report_many, registry);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (registry)), ==, 0);
  WAIT_UNTIL (g_list_model_get_n_items (G_LIST_MODEL (registry)) == 4, 20);
  g_assert_cmpuint (n_changes, ==, 1);
  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(LdConnection) connection = g_list_model_get_item (G_LIST_MODEL (registry), i);

      g_assert_cmpuint (ld_connection_get_n_records (connection), ==, 1000);
      g_assert_cmpint (ld_connection_get_state (connection), ==, LD_CONNECTION_CLOSED);
      g_assert_cmpstr (ld_connection_get_last_error (connection), ==, "halfway");
    }
}

/* After a restart of the listeners, a new peer never gets an old peer's id. */
static void
test_numbering_continues (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GSocket) first = client_connect (f->tcp_port);
  g_autoptr(GSocket) second = NULL;
  g_autoptr(GError) error = NULL;
  guint n_tcp = 0, n_ws = 0;

  wait_for_state (f->registry, "tcp-1", LD_CONNECTION_OPEN);
  g_socket_close (first, NULL);
  ld_ingest_stop (f->ingest);
  ld_ingest_get_numbering (f->ingest, &n_tcp, &n_ws);
  g_assert_cmpuint (n_tcp, ==, 1);
  g_clear_pointer (&f->ingest, ld_ingest_free);

  f->ingest = ld_ingest_new (f->handoff, f->registry);
  ld_ingest_continue_numbering (f->ingest, n_tcp, n_ws);
  g_assert_true (ld_ingest_add_tcp (f->ingest, "127.0.0.1", 0, &error));
  second = client_connect (ld_ingest_get_bound_port (f->ingest, "tcp"));
  wait_for_state (f->registry, "tcp-2", LD_CONNECTION_OPEN);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, data) \
  g_test_add (path, Fixture, data, fixture_setup, func, fixture_teardown)

  ADD ("/ingest/socket-handler", test_socket_handler, NULL);
  ADD ("/ingest/datagram-handler", test_datagram_handler, NULL);
  ADD ("/ingest/many-connections", test_many_connections, NULL);
  ADD ("/ingest/numbering-continues", test_numbering_continues, NULL);
  ADD ("/ingest/malicious-pickle", test_malicious_pickle, NULL);
  ADD ("/ingest/bad-frames", test_bad_frames, NULL);
  ADD ("/ingest/frame-limit", test_frame_limit, GUINT_TO_POINTER (1000));
  ADD ("/ingest/port-taken", test_port_taken, NULL);
  ADD ("/ingest/stop-flushes", test_stop_flushes, NULL);
  ADD ("/ingest/registry-model", test_registry_model, NULL);
  ADD ("/ingest/examples", test_examples, NULL);

#undef ADD

  g_test_add_func ("/registry/reports-from-threads", test_registry_threads);

  return g_test_run ();
}
