// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "ld-connection-registry.h"
#include "ld-handoff.h"
#include "ld-ingest.h"
#include "ld-store.h"
#include "ingest-test-utils.h"

/* The ZeroMQ and NNG sources against real peers: the logging cookbook's ZeroMQSocketHandler
 * run by Debian's python3 with python3-zmq (tests/peers/zmq_handler.py), nngcat from
 * nng-utils, and a small C publisher on libnng (nng-pub.c, built beside this test). Records
 * go through the hand-off into a store on this thread's main context, as in the application.
 * Everything listens on 127.0.0.1, on ports the system picks, and every wait is bounded.
 *
 * A SUB only receives what is published after its subscription has reached the PUB
 * (ZeroMQ's "slow joiner"). So a ZeroMQ publisher here sends "probe" records until the test
 * has seen one, and only then its records, whose counts must be exact. NNG's Sub0 filters
 * on its own side, so an NNG publisher that has dialled loses nothing. */

#define MANY_RECORDS  20000
#define SOME_RECORDS  1000
#define SMALL_LIMIT   (64 * 1024)
#define NNG_BATCH     2000
#define PEER_SECONDS  120

typedef struct
{
  LdStore              *store;
  LdHandoff            *handoff;
  LdConnectionRegistry *registry;
  LdIngest             *ingest;
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
  f->tmpdir = g_dir_make_tmp ("logdeck-test-mq-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  ingest_fixture_clear (&f->ingest, &f->handoff, f->registry, f->store, &f->tmpdir);
}

/* Records */

static guint
count_prefixed (Fixture    *f,
                const char *prefix)
{
  gsize prefix_len = strlen (prefix);
  guint n = 0;

  for (guint i = 0; i < ld_store_get_n_records (f->store); i++)
    {
      gsize length;
      const char *text = ld_record_get_message (ld_store_get_record (f->store, i), &length);

      n += length >= prefix_len && memcmp (text, prefix, prefix_len) == 0;
    }

  return n;
}

/* Waits for @n records "PREFIX…". Counting is a scan of the store, so it is done again
 * only when the store has grown. */
static void
wait_for_prefixed (Fixture    *f,
                   const char *prefix,
                   guint       n)
{
  gint64 deadline = g_get_monotonic_time () + PEER_SECONDS * G_USEC_PER_SEC;
  guint scanned_at = G_MAXUINT, counted = 0;

  while (counted < n)
    {
      if (ld_store_get_n_records (f->store) != scanned_at)
        {
          scanned_at = ld_store_get_n_records (f->store);
          counted = count_prefixed (f, prefix);
          continue;
        }
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out after %d s with %u of %u records “%s…” among %u", PEER_SECONDS,
                 counted, n, prefix, ld_store_get_n_records (f->store));
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  g_assert_cmpuint (counted, ==, n);
}

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

static char *
extra_of (const LdRecord *record,
          const char     *key)
{
  LdValueType type;
  const char *value;
  gsize length;

  if (!ld_record_get_extra (record, key, &type, &value, &length))
    return NULL;
  return g_strndup (value, length);
}

static void
assert_extra (const LdRecord *record,
              const char     *key,
              const char     *expected)
{
  g_autofree char *value = extra_of (record, key);

  if (value == NULL)
    g_error ("the record has no extra field “%s”", key);
  g_assert_cmpstr (value, ==, expected);
}

/* The records "PREFIX i …", in order, each once: nothing lost, doubled or reordered. */
static void
assert_numbered (Fixture    *f,
                 const char *prefix,
                 guint       n,
                 const char *connection)
{
  guint next = 0;

  for (guint i = 0; i < ld_store_get_n_records (f->store); i++)
    {
      const LdRecord *record = ld_store_get_record (f->store, i);
      g_autofree char *message = message_of (record);
      g_autofree char *expected = NULL;

      if (!g_str_has_prefix (message, prefix))
        continue;
      expected = g_strdup_printf ("%s%u ", prefix, next);
      if (!g_str_has_prefix (message, expected))
        g_error ("record %u reads “%s”, not “%s…”", next, message, expected);
      g_assert_cmpstr (field (record->connection), ==, connection);
      next++;
    }
  g_assert_cmpuint (next, ==, n);
}

static guint64
registry_records (Fixture    *f,
                  const char *id)
{
  LdConnection *connection = ld_connection_registry_lookup (f->registry, id);

  return connection != NULL ? ld_connection_get_n_records (connection) : 0;
}

/* Peers: a subprocess whose output lines are read as they come */

typedef struct
{
  GSubprocess      *process;
  GDataInputStream *output;
  GPtrArray        *lines;
  gboolean          ended;
  gboolean          exited;
} Peer;

static void read_next_line (Peer *peer);

static void
on_line (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Peer *peer = user_data;
  g_autoptr(GError) error = NULL;
  char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                          NULL, &error);

  g_assert_no_error (error);
  if (line == NULL)
    {
      peer->ended = TRUE;
      return;
    }
  g_ptr_array_add (peer->lines, line);
  read_next_line (peer);
}

static void
read_next_line (Peer *peer)
{
  g_data_input_stream_read_line_async (peer->output, G_PRIORITY_DEFAULT, NULL, on_line, peer);
}

static void
on_exited (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Peer *peer = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_wait_check_finish (G_SUBPROCESS (source), result, &error);
  g_assert_no_error (error);
  peer->exited = TRUE;
}

static Peer *
peer_spawnv (const char *const *argv)
{
  g_autoptr(GError) error = NULL;
  Peer *peer = g_new0 (Peer, 1);

  peer->process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE
                                           | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  peer->output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (peer->process));
  peer->lines = g_ptr_array_new_with_free_func (g_free);
  read_next_line (peer);
  g_subprocess_wait_check_async (peer->process, NULL, on_exited, peer);
  return peer;
}

/* tests/peers/zmq_handler.py with @args. */
static Peer *
spawn_zmq_handler (const char *first,
                   ...)
{
  g_autofree char *script = peer_script ("zmq_handler.py");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  va_list args;

  g_ptr_array_add (argv, (char *) python3 ());
  g_ptr_array_add (argv, script);
  va_start (args, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  return peer_spawnv ((const char *const *) argv->pdata);
}

static const char *
peer_line_with_prefix (Peer       *peer,
                       const char *prefix)
{
  for (guint i = 0; i < peer->lines->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (peer->lines, i), prefix))
      return g_ptr_array_index (peer->lines, i);

  return NULL;
}

/* The address the peer printed as "bound ADDRESS". */
static char *
peer_wait_bound (Peer *peer)
{
  const char *line;

  WAIT_UNTIL ((line = peer_line_with_prefix (peer, "bound ")) != NULL, 30);
  return g_strdup (line + strlen ("bound "));
}

static void
peer_say (Peer       *peer,
          const char *line)
{
  GOutputStream *input = g_subprocess_get_stdin_pipe (peer->process);
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (input, line, strlen (line), NULL, NULL, &error);
  g_assert_no_error (error);
}

/* Lets a peer close and waits for it to exit successfully. */
static void
peer_finish (Peer *peer)
{
  g_output_stream_close (g_subprocess_get_stdin_pipe (peer->process), NULL, NULL);
  WAIT_UNTIL (peer->exited && peer->ended, PEER_SECONDS);
  g_object_unref (peer->output);
  g_object_unref (peer->process);
  g_ptr_array_unref (peer->lines);
  g_free (peer);
}

/* The slow joiner: probes until one has arrived, then the records. */
static void
peer_handshake (Fixture *f,
                Peer    *peer)
{
  WAIT_UNTIL (find_message (f, "probe") != NULL, 30);
  peer_say (peer, "go\n");
}

/* ZeroMQ */

static void
check_cookbook_record (const LdRecord *record,
                       guint           i)
{
  static const int levels[] = { 10, 20, 30, 40 };

  g_assert_cmpint (record->level, ==, levels[i % 4]);
  g_assert_cmpstr (field (record->logger), ==, "cookbook.zmq");
  g_assert_cmpstr (field (record->thread), ==, "MainThread");
  g_assert_cmpstr (field (record->function), ==, "log_records");
  g_assert_cmpstr (field (record->protocol), ==, LD_INGEST_PROTOCOL_ZMQ_SUB);
}

/* The exception, the structured message and the other thread of log_specials(). */
static void
check_specials (Fixture *f)
{
  const LdRecord *exception = find_message (f, "special: an exception");
  const LdRecord *structured = find_message (f, "special: structured");
  const LdRecord *threaded = find_message (f, "special: from a thread");
  g_autofree char *message = message_of (structured);
  gsize length;

  g_assert_nonnull (exception);
  g_assert_cmpint (exception->level, ==, 40);
  g_assert_nonnull (strstr (ld_record_get_exception (exception, &length), "ZeroDivisionError"));
  g_assert_nonnull (strstr (ld_record_get_exception (exception, &length), "Traceback"));

  /* The cookbook's `message >>> {json}`: the text, the fields, and the whole as sent. */
  g_assert_cmpstr (message, ==, "special: structured");
  assert_extra (structured, "fnum", "123.456");
  assert_extra (structured, "num", "123");
  assert_extra (structured, "bar", "baz");
  assert_extra (structured, "original_message",
                "special: structured >>> {\"fnum\": 123.456, \"num\": 123, \"bar\": \"baz\"}");

  g_assert_cmpstr (field (threaded->thread), ==, "Worker-7");
  g_assert_cmpint (threaded->level, ==, 30);
}

/* The cookbook's shape, with its URI-taking handler: the PUB binds, Logdeck connects. Its
 * PUB keeps at most a thousand messages for a subscriber that falls behind, as libzmq does
 * by default, so a thousand records are counted here: more could be dropped on a busy
 * machine. The 20,000 go through a PUB that keeps everything (below) and a PUSH. */
static void
test_zmq_cookbook_uri (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *count = g_strdup_printf ("%u", SOME_RECORDS);
  Peer *peer = spawn_zmq_handler ("--form", "uri", "--bind", "tcp://127.0.0.1:*", "--count",
                                  count, "--handshake", "--specials", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = peer_wait_bound (peer);
  const LdRecord *first;

  g_assert_true (ld_ingest_add_zmq_connect (f->ingest, uri, &error));
  g_assert_no_error (error);
  wait_for_state (f->registry, "zmq-1", LD_CONNECTION_OPEN);
  peer_handshake (f, peer);

  wait_for_prefixed (f, "special: ", 3);
  peer_finish (peer);

  assert_numbered (f, "record ", SOME_RECORDS, "zmq-1");
  first = find_message (f, "record 0 of");
  check_cookbook_record (first, 0);
  check_cookbook_record (find_message (f, "record 999 of"), 999);
  g_assert_cmpstr (field (first->peer), ==, strstr (uri, "://") + 3);
  check_specials (f);
  WAIT_UNTIL (registry_records (f, "zmq-1") == ld_store_get_n_records (f->store), 20);
  assert_jsonl_valid (f->store);
}

/* The cookbook's handler given a PUB socket, its records sent with a topic frame first. The
 * socket's high-water mark is off (ZMQ_SNDHWM 0), so it drops nothing: 20,000 arrive. */
static void
test_zmq_socket_topic (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *count = g_strdup_printf ("%u", MANY_RECORDS);
  Peer *peer = spawn_zmq_handler ("--form", "socket", "--type", "pub", "--bind",
                                  "tcp://127.0.0.1:*", "--topic", "billing.worker", "--count",
                                  count, "--sndhwm", "0", "--handshake", NULL);
  g_autofree char *uri = peer_wait_bound (peer);
  g_autoptr(GError) error = NULL;

  g_assert_true (ld_ingest_add_zmq_connect (f->ingest, uri, &error));
  g_assert_no_error (error);
  peer_handshake (f, peer);
  WAIT_UNTIL (peer->exited, PEER_SECONDS);
  peer_finish (peer);
  wait_for_prefixed (f, "record ", MANY_RECORDS);

  assert_numbered (f, "record ", MANY_RECORDS, "zmq-1");
  assert_extra (find_message (f, "record 0 of"), "topic", "billing.worker");
  assert_extra (find_message (f, "record 19999 of"), "topic", "billing.worker");
  assert_extra (find_message (f, "probe"), "topic", "billing.worker");
}

static char *
listen_zmq (Fixture    *f,
            const char *endpoint_id)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ld_ingest_add_zmq_listen (f->ingest, "tcp://127.0.0.1:*", &error));
  g_assert_no_error (error);
  return ld_ingest_get_endpoint_uri (f->ingest, endpoint_id);
}

/* The other way round: a PUSH connects to Logdeck's PULL, which takes every record. */
static void
test_zmq_push_pull (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *pull_uri = listen_zmq (f, "zmq-2");
  g_autofree char *sub_uri = ld_ingest_get_endpoint_uri (f->ingest, "zmq-1");
  g_autofree char *count = g_strdup_printf ("%u", MANY_RECORDS);
  Peer *peer = spawn_zmq_handler ("--form", "socket", "--type", "push", "--connect", pull_uri,
                                  "--count", count, NULL);
  const LdRecord *record;
  LdConnection *sub, *pull;

  g_assert_cmpstr (pull_uri, !=, sub_uri);
  wait_for_prefixed (f, "record ", MANY_RECORDS);
  peer_finish (peer);

  assert_numbered (f, "record ", MANY_RECORDS, "zmq-2");
  record = find_message (f, "record 6 of");
  g_assert_cmpstr (field (record->protocol), ==, LD_INGEST_PROTOCOL_ZMQ_PULL);
  g_assert_cmpstr (field (record->peer), ==, "127.0.0.1");
  g_assert_cmpint (record->level, ==, 30);

  sub = wait_for_state (f->registry, "zmq-1", LD_CONNECTION_LISTENING);
  pull = wait_for_state (f->registry, "zmq-2", LD_CONNECTION_LISTENING);
  g_assert_cmpstr (ld_connection_get_protocol (sub), ==, LD_INGEST_PROTOCOL_ZMQ_SUB);
  g_assert_cmpstr (ld_connection_get_address (pull), ==, pull_uri);
  WAIT_UNTIL (ld_connection_get_n_records (pull) == MANY_RECORDS, 20);
}

/* A PUB that connects to Logdeck's SUB. */
static void
test_zmq_pub_connects (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *sub_uri = listen_zmq (f, "zmq-1");
  g_autofree char *count = g_strdup_printf ("%u", SOME_RECORDS);
  Peer *peer = spawn_zmq_handler ("--form", "socket", "--type", "pub", "--connect", sub_uri,
                                  "--count", count, "--handshake", NULL);

  peer_handshake (f, peer);
  wait_for_prefixed (f, "record ", SOME_RECORDS);
  peer_finish (peer);
  assert_numbered (f, "record ", SOME_RECORDS, "zmq-1");
}

/* A malformed JSON text, a frame that is not JSON, and a message over the limit: each is an
 * error record, and the records around them all arrive. */
static void
test_zmq_bad_input (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *pull_uri = listen_zmq (f, "zmq-2");
  g_autofree char *oversize = g_strdup_printf ("%u", SMALL_LIMIT + 10000);
  Peer *peer = spawn_zmq_handler ("--type", "push", "--connect", pull_uri, "--count", "100",
                                  "--bad-oversize", oversize, NULL);
  LdConnection *pull;

  WAIT_UNTIL (find_message (f, "after the bad messages") != NULL, PEER_SECONDS);
  peer_finish (peer);

  assert_numbered (f, "record ", 100, "zmq-2");
  g_assert_cmpuint (count_prefixed (f, "zmq-2: invalid JSON"), ==, 2);
  g_assert_nonnull (find_message (f, "“{\"name\": \"bad\", \"msg\": \"broken”"));
  g_assert_nonnull (find_message (f, "not json at all"));
  g_assert_cmpuint (count_prefixed (f, "zmq-2: a message of "), ==, 1);
  g_assert_nonnull (find_message (f, "is over the limit of 65536 bytes"));
  g_assert_cmpuint (ld_store_get_n_records (f->store), ==, 100 + 1 + 3);

  pull = wait_for_state (f->registry, "zmq-2", LD_CONNECTION_LISTENING);
  WAIT_UNTIL (ld_connection_get_n_errors (pull) == 3, 20);
}

/* A PUSH connected to the SUB port fails ZeroMQ's handshake, which is reported. libzmq 4.3
 * does not always report a failed handshake (sometimes only the disconnection), so the peer
 * tries again with a new socket until the test has seen one. */
static void
test_zmq_wrong_socket_type (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *sub_uri = listen_zmq (f, "zmq-1");
  g_autofree char *code = g_strdup_printf ("import select, sys, time, zmq\n"
                                           "ctx = zmq.Context.instance()\n"
                                           "while not select.select([sys.stdin], [], [], 0)[0]:\n"
                                           "    s = ctx.socket(zmq.PUSH)\n"
                                           "    s.setsockopt(zmq.LINGER, 0)\n"
                                           "    s.connect('%s')\n"
                                           "    time.sleep(0.2)\n"
                                           "    s.close()\n", sub_uri);
  const char *argv[] = { python3 (), "-c", code, NULL };
  Peer *peer = peer_spawnv (argv);
  LdConnection *sub;

  WAIT_UNTIL (find_message (f, "zmq-1: a ZeroMQ handshake failed") != NULL, 30);
  g_assert_nonnull (find_message (f, "a SUB takes PUB and XPUB peers"));
  peer_finish (peer);
  sub = wait_for_state (f->registry, "zmq-1", LD_CONNECTION_LISTENING);
  WAIT_UNTIL (ld_connection_get_n_errors (sub) >= 1, 20);
}

/* examples/python/zeromq_handler.py, as the README runs it against --zmq-listen. */
static void
test_zmq_example (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *pull_uri = listen_zmq (f, "zmq-2");
  g_autofree char *script = peer_script ("../../examples/python/zeromq_handler.py");
  const char *argv[] = { python3 (), script, "--connect", pull_uri, "--push", NULL };
  Peer *peer = peer_spawnv (argv);
  const LdRecord *record;
  g_autofree char *message = NULL;
  gsize length;

  WAIT_UNTIL (peer->exited, PEER_SECONDS);
  peer_finish (peer);
  WAIT_UNTIL (find_message (f, "Looking up an order failed") != NULL, 20);
  g_assert_cmpuint (ld_store_get_n_records (f->store), ==, 11);

  record = find_message (f, "User alice placed order 42");
  g_assert_cmpstr (field (record->logger), ==, "orders");
  g_assert_cmpint (record->level, ==, 20);
  g_assert_cmpstr (field (record->thread), ==, "MainThread");
  assert_extra (record, "user", "alice");
  record = find_message (f, "Order 2 packed");
  g_assert_cmpstr (field (record->logger), ==, "orders.worker1");
  g_assert_cmpstr (field (record->thread), ==, "Packer-1");
  record = find_message (f, "Payment taken");
  message = message_of (record);
  g_assert_cmpstr (message, ==, "Payment taken");
  assert_extra (record, "amount", "19.99");
  assert_extra (record, "currency", "EUR");
  record = find_message (f, "Looking up an order failed");
  g_assert_cmpint (record->level, ==, 40);
  g_assert_nonnull (strstr (ld_record_get_exception (record, &length), "KeyError: 'missing'"));
}

/* The seq of every "flood" record in the store, in order. */
static GArray *
flood_seqs (Fixture *f)
{
  GArray *seqs = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; i < ld_store_get_n_records (f->store); i++)
    {
      const LdRecord *record = ld_store_get_record (f->store, i);
      g_autofree char *seq = NULL;
      gint64 value;

      if (g_strcmp0 (field (record->logger), "flood") != 0)
        continue;
      seq = extra_of (record, "seq");
      value = g_ascii_strtoll (seq, NULL, 10);
      g_array_append_val (seqs, value);
    }

  return seqs;
}

/* A publisher much faster than Logdeck can take its records: the PUB drops what does not fit
 * in the queues, and the gaps in the records' seq say how many never arrived. */
static void
test_zmq_drops_visible (Fixture       *f,
                        gconstpointer  data)
{
  Peer *peer = spawn_zmq_handler ("--form", "socket", "--type", "pub", "--bind",
                                  "tcp://127.0.0.1:*", "--sndhwm", "10", "--handshake",
                                  "--flood", "5000", "--flood-fields", "1000", NULL);
  g_autofree char *uri = peer_wait_bound (peer);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) seqs = NULL;
  g_autofree char *expected = NULL;
  LdConnection *sub;
  guint64 n_missing;

  g_assert_true (ld_ingest_add_zmq_connect (f->ingest, uri, &error));
  g_assert_no_error (error);
  peer_handshake (f, peer);
  peer_finish (peer);

  /* Stopping takes what libzmq had queued; then every record is in the hand-off. */
  ld_ingest_stop (f->ingest);
  WAIT_UNTIL (ld_store_get_n_records (f->store) == ld_ingest_get_n_records (f->ingest), 60);
  ld_connection_registry_flush (f->registry);

  seqs = flood_seqs (f);
  g_assert_cmpuint (seqs->len, >, 0);
  n_missing = g_array_index (seqs, gint64, seqs->len - 1) - g_array_index (seqs, gint64, 0) + 1
              - seqs->len;
  g_test_message ("%u flood records arrived, %" G_GUINT64_FORMAT " did not", seqs->len,
                  n_missing);
  g_assert_cmpuint (n_missing, >, 0);

  sub = ld_connection_registry_lookup (f->registry, "zmq-1");
  expected = g_strdup_printf ("%" G_GUINT64_FORMAT " records never arrived", n_missing);
  g_assert_nonnull (strstr (ld_connection_get_last_error (sub), expected));
  g_assert_nonnull (find_message (f, "zmq-1: "));
  g_assert_nonnull (find_message (f, "never arrived (seq "));
}

/* Nothing beyond loopback without --insecure: ZeroMQ and NNG here have neither TLS nor a
 * token. */
static void
test_exposure (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  LdConnection *failed;

  g_assert_false (ld_ingest_add_zmq_listen (f->ingest, "tcp://*:5556", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_clear_error (&error);
  g_assert_false (ld_ingest_add_nng_listen (f->ingest, "tcp://0.0.0.0:13232", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_clear_error (&error);
  g_assert_false (ld_ingest_add_zmq_listen (f->ingest, "tcp://127.0.0.1", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  failed = wait_for_state (f->registry, "nng-1", LD_CONNECTION_FAILED);
  g_assert_nonnull (strstr (ld_connection_get_last_error (failed), "--insecure"));
  g_assert_true (ld_ingest_add_nng_listen (f->ingest, "tcp://localhost:0", &error));
  g_assert_no_error (error);
}

/* NNG */

static char *
listen_nng (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ld_ingest_add_nng_listen (f->ingest, "tcp://127.0.0.1:0", &error));
  g_assert_no_error (error);
  return ld_ingest_get_endpoint_uri (f->ingest, "nng-1");
}

static const char *
nngcat (void)
{
  static char *path;

  if (path == NULL)
    path = g_find_program_in_path ("nngcat");
  return path;
}

#define NNGCAT_RECORD "{\"name\": \"nngcat\", \"msg\": \"from nngcat\", \"levelname\": " \
                      "\"WARNING\", \"levelno\": 30, \"threadName\": \"MainThread\", " \
                      "\"created\": 1732190400.5}"

/* As the README shows it: nngcat publishes the same record --count times, a second apart. */
static void
run_nngcat (const char *uri,
            const char *count)
{
  const char *argv[] = { nngcat (), "--pub0", "--dial", uri, "--data", NNGCAT_RECORD,
                         "--count", count, "--interval", "1", NULL };
  Peer *peer = peer_spawnv (argv);

  WAIT_UNTIL (peer->exited, 30);
  peer_finish (peer);
}

static void
check_nngcat_records (Fixture    *f,
                      guint       n,
                      const char *pipe_id,
                      const char *peer_prefix)
{
  const LdRecord *record = find_message (f, "from nngcat");

  g_assert_cmpuint (count_prefixed (f, "from nngcat"), ==, n);
  g_assert_cmpstr (field (record->logger), ==, "nngcat");
  g_assert_cmpint (record->level, ==, 30);
  g_assert_cmpstr (field (record->thread), ==, "MainThread");
  g_assert_cmpint (record->time_us, ==, G_GINT64_CONSTANT (1732190400500000));
  g_assert_cmpstr (field (record->connection), ==, pipe_id);
  g_assert_cmpstr (field (record->protocol), ==, LD_INGEST_PROTOCOL_NNG_SUB0);
  g_assert_true (g_str_has_prefix (field (record->peer), peer_prefix));
}

static void
test_nngcat (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *uri = listen_nng (f);
  LdConnection *pipe;

  if (nngcat () == NULL)
    {
      g_test_skip ("nngcat (nng-utils) is not installed");
      return;
    }

  run_nngcat (uri, "3");
  WAIT_UNTIL (count_prefixed (f, "from nngcat") == 3, 20);
  check_nngcat_records (f, 3, "nng-1/pipe-1", "127.0.0.1:");

  /* Each connection is a pipe of its own, listed with its peer, and closed when it ends. */
  run_nngcat (uri, "2");
  WAIT_UNTIL (count_prefixed (f, "from nngcat") == 5, 20);
  g_assert_cmpstr (field (find_message (f, "from nngcat")->connection), ==, "nng-1/pipe-1");
  pipe = wait_for_state (f->registry, "nng-1/pipe-2", LD_CONNECTION_CLOSED);
  g_assert_cmpuint (ld_connection_get_n_records (pipe), ==, 2);
  g_assert_true (g_str_has_prefix (ld_connection_get_address (pipe), "127.0.0.1:"));
  pipe = wait_for_state (f->registry, "nng-1/pipe-1", LD_CONNECTION_CLOSED);
  g_assert_cmpuint (ld_connection_get_n_records (pipe), ==, 3);
  wait_for_state (f->registry, "nng-1", LD_CONNECTION_LISTENING);
}

/* After a restart of the sources, a new pipe never gets an old pipe's id. */
static void
test_nng_numbering_continues (Fixture       *f,
                              gconstpointer  data)
{
  g_autofree char *uri = listen_nng (f);
  g_autofree char *second_uri = NULL;
  g_autoptr(GHashTable) numbering = NULL;

  if (nngcat () == NULL)
    {
      g_test_skip ("nngcat (nng-utils) is not installed");
      return;
    }

  run_nngcat (uri, "1");
  wait_for_state (f->registry, "nng-1/pipe-1", LD_CONNECTION_CLOSED);
  ld_ingest_stop (f->ingest);
  numbering = ld_ingest_get_connection_numbering (f->ingest);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (numbering, "nng-1/pipe")), ==, 1);
  g_clear_pointer (&f->ingest, ld_ingest_free);

  f->ingest = ld_ingest_new (f->handoff, f->registry);
  ld_ingest_continue_connection_numbering (f->ingest, numbering);
  second_uri = listen_nng (f);
  run_nngcat (second_uri, "1");
  wait_for_state (f->registry, "nng-1/pipe-2", LD_CONNECTION_CLOSED);
}

/* The cookbook's address, when it is free: the pynng example's listener, unchanged. */
static void
test_nngcat_default_address (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  if (nngcat () == NULL)
    {
      g_test_skip ("nngcat (nng-utils) is not installed");
      return;
    }
  if (!ld_ingest_add_nng_listen (f->ingest, LD_INGEST_DEFAULT_NNG_URI, &error))
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
      g_test_skip ("the cookbook's address tcp://127.0.0.1:13232 is in use");
      return;
    }

  run_nngcat ("tcp://localhost:13232", "2");
  WAIT_UNTIL (count_prefixed (f, "from nngcat") == 2, 20);
  check_nngcat_records (f, 2, "nng-1/pipe-1", "127.0.0.1:");
}

/* Logdeck dials a publisher that listens, here on an ipc:// address, which has no port to
 * race for. nngcat listens first, and publishes only two seconds later; Logdeck dials once
 * the address is there, and is connected long before. */
static void
test_nng_dial (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->tmpdir, "publisher.ipc", NULL);
  g_autofree char *uri = g_strconcat ("ipc://", path, NULL);
  const char *argv[] = { nngcat (), "--pub0", "--listen", uri, "--data", NNGCAT_RECORD,
                         "--delay", "2", "--count", "2", "--interval", "1", NULL };
  g_autoptr(GError) error = NULL;
  Peer *peer;

  if (nngcat () == NULL)
    {
      g_test_skip ("nngcat (nng-utils) is not installed");
      return;
    }

  peer = peer_spawnv (argv);
  WAIT_UNTIL (g_file_test (path, G_FILE_TEST_EXISTS), 20);
  g_assert_true (ld_ingest_add_nng_dial (f->ingest, uri, &error));
  g_assert_no_error (error);
  wait_for_state (f->registry, "nng-1", LD_CONNECTION_OPEN);
  WAIT_UNTIL (peer->exited, 30);
  peer_finish (peer);

  WAIT_UNTIL (count_prefixed (f, "from nngcat") == 2, 20);
  check_nngcat_records (f, 2, "nng-1/pipe-1", path);
  /* NNG dials again, in vain, once the publisher has gone. */
  wait_for_state (f->registry, "nng-1", LD_CONNECTION_CONNECTING);
}

/* libnng's own Pub0, 20,000 records over one pipe: every one arrives. The sender waits for
 * the test after every NNG_BATCH records, since pub/sub has no flow control of its own. */
static void
test_nng_pub_many (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *uri = listen_nng (f);
  g_autofree char *count = g_strdup_printf ("%u", MANY_RECORDS);
  g_autofree char *batch = g_strdup_printf ("%u", NNG_BATCH);
  g_autofree char *sender = g_test_build_filename (G_TEST_BUILT, "nng-pub", NULL);
  const char *argv[] = { sender, uri, count, batch, NULL };
  Peer *peer = peer_spawnv (argv);
  LdConnection *pipe;

  for (guint n = NNG_BATCH; n < MANY_RECORDS; n += NNG_BATCH)
    {
      WAIT_UNTIL (ld_store_get_n_records (f->store) >= n, PEER_SECONDS);
      peer_say (peer, "more\n");
    }
  WAIT_UNTIL (ld_store_get_n_records (f->store) >= MANY_RECORDS, PEER_SECONDS);
  peer_finish (peer);

  assert_numbered (f, "nng record ", MANY_RECORDS, "nng-1/pipe-1");
  g_assert_cmpuint (ld_store_get_n_records (f->store), ==, MANY_RECORDS);
  pipe = wait_for_state (f->registry, "nng-1/pipe-1", LD_CONNECTION_CLOSED);
  g_assert_cmpuint (ld_connection_get_n_records (pipe), ==, MANY_RECORDS);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, data) \
  g_test_add (path, Fixture, data, fixture_setup, func, fixture_teardown)

  ADD ("/mq/zmq/cookbook-uri", test_zmq_cookbook_uri, NULL);
  ADD ("/mq/zmq/socket-topic", test_zmq_socket_topic, NULL);
  ADD ("/mq/zmq/push-pull", test_zmq_push_pull, NULL);
  ADD ("/mq/zmq/pub-connects", test_zmq_pub_connects, NULL);
  ADD ("/mq/zmq/bad-input", test_zmq_bad_input, GUINT_TO_POINTER (SMALL_LIMIT));
  ADD ("/mq/zmq/drops-visible", test_zmq_drops_visible, NULL);
  ADD ("/mq/zmq/example", test_zmq_example, NULL);
  ADD ("/mq/zmq/wrong-socket-type", test_zmq_wrong_socket_type, NULL);
  ADD ("/mq/exposure", test_exposure, NULL);
  ADD ("/mq/nng/nngcat", test_nngcat, NULL);
  ADD ("/mq/nng/numbering-continues", test_nng_numbering_continues, NULL);
  ADD ("/mq/nng/nngcat-default-address", test_nngcat_default_address, NULL);
  ADD ("/mq/nng/dial", test_nng_dial, NULL);
  ADD ("/mq/nng/pub-many", test_nng_pub_many, NULL);

#undef ADD

  return g_test_run ();
}
