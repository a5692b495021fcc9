// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include "ingest-test-utils.h"
#include "ld-level.h"
#include "ld-sender-config.h"

/* Setting a sender's level with logging.config.listen(): the message's exact
 * bytes, and the round trip with real CPython: a peer whose listen() is
 * guarded by the README's verify() and whose SocketHandler sends to a real
 * Logdeck ingest; then the failures, in words, against real sockets. */

typedef struct
{
  LdStore              *store;
  LdHandoff            *handoff;
  LdConnectionRegistry *registry;
  LdIngest             *ingest;
  char                 *tmpdir;
  guint16               tcp_port;

  GSubprocess          *peer;
  GDataInputStream     *peer_out;
  GOutputStream        *peer_in;
} Fixture;

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
} SendResult;

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
  g_assert_true (ld_ingest_add_tcp (f->ingest, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  f->tcp_port = ld_ingest_get_bound_port (f->ingest, "tcp");
  f->tmpdir = g_dir_make_tmp ("logdeck-test-sender-config-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->peer != NULL)
    {
      g_subprocess_force_exit (f->peer);
      g_subprocess_wait (f->peer, NULL, NULL);
    }
  g_clear_object (&f->peer_out);
  g_clear_object (&f->peer);
  ingest_fixture_clear (&f->ingest, &f->handoff, f->registry, f->store, &f->tmpdir);
}

static void
on_line_read (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  char **line = user_data;
  g_autoptr(GError) error = NULL;

  *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (object), result, NULL,
                                                     &error);
  g_assert_no_error (error);
  if (*line == NULL)
    *line = g_strdup ("(end of output)");
}

static char *
peer_read_line (Fixture *f)
{
  char *line = NULL;

  g_data_input_stream_read_line_async (f->peer_out, G_PRIORITY_DEFAULT, NULL, on_line_read, &line);
  WAIT_UNTIL (line != NULL, 20);

  return line;
}

static void
peer_command (Fixture    *f,
              const char *command)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (f->peer_in, command, strlen (command), NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_flush (f->peer_in, NULL, &error);
  g_assert_no_error (error);
}

static guint16
start_peer (Fixture *f)
{
  g_autofree char *script = peer_script ("config_listener.py");
  g_autofree char *port = g_strdup_printf ("%u", f->tcp_port);
  g_autofree char *line = NULL;
  g_autoptr(GError) error = NULL;
  guint64 listen_port;

  f->peer = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                              &error, python3 (), script, "--port", port, "--logger",
                              "app.worker", NULL);
  g_assert_no_error (error);
  f->peer_in = g_subprocess_get_stdin_pipe (f->peer);
  f->peer_out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (f->peer));

  line = peer_read_line (f);
  g_assert_true (g_str_has_prefix (line, "port "));
  listen_port = g_ascii_strtoull (line + 5, NULL, 10);
  g_assert_cmpuint (listen_port, >, 0);
  g_assert_cmpuint (listen_port, <=, G_MAXUINT16);

  return (guint16) listen_port;
}

static guint
count_level (Fixture *f,
             int      level)
{
  guint n = 0;

  for (guint i = 0; i < ld_store_get_n_records (f->store); i++)
    {
      const LdRecord *record = ld_store_get_record (f->store, i);

      if (record->level == level && g_strcmp0 (field (record->logger), "app.worker") == 0)
        n++;
    }

  return n;
}

static void
burst (Fixture *f,
       guint    n_expected_records)
{
  g_autofree char *line = NULL;

  peer_command (f, "burst 5\n");
  line = peer_read_line (f);
  g_assert_cmpstr (line, ==, "done");
  WAIT_UNTIL (ld_store_get_n_records (f->store) >= n_expected_records, 20);
  /* Anything more would have come with these on the one connection. */
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (ld_store_get_n_records (f->store), ==, n_expected_records);
}

static void
on_level_set (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  SendResult *send = user_data;

  send->ok = ld_sender_config_set_level_finish (result, &send->error);
  send->done = TRUE;
}

static void
set_level (const char *host,
           guint16     port,
           const char *logger,
           const char *level,
           guint       timeout_ms,
           SendResult *send)
{
  ld_sender_config_set_level_async (host, port, logger, level, timeout_ms, NULL, on_level_set,
                                    send);
  WAIT_UNTIL (send->done, 30);
}

/* The 4-byte big-endian length, then the JSON dictConfig. */
static void
test_message_bytes (void)
{
  static const char expected[] =
    "{\"version\":1,\"incremental\":true,\"loggers\":{\"app.db\":{\"level\":\"DEBUG\"}}}";
  static const char expected_root[] =
    "{\"version\":1,\"incremental\":true,\"root\":{\"level\":\"WARNING\"}}";
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) message = ld_sender_config_build_message ("app.db", "DEBUG", &error);
  g_autoptr(GBytes) root = NULL;
  const guint8 *bytes;
  gsize size;

  g_assert_no_error (error);
  bytes = g_bytes_get_data (message, &size);
  g_assert_cmpuint (size, ==, 4 + strlen (expected));
  g_assert_cmpuint (bytes[0], ==, 0);
  g_assert_cmpuint (bytes[1], ==, 0);
  g_assert_cmpuint (bytes[2], ==, 0);
  g_assert_cmpuint (bytes[3], ==, strlen (expected));
  g_assert_cmpmem (bytes + 4, size - 4, expected, strlen (expected));

  root = ld_sender_config_build_message ("root", "WARNING", &error);
  g_assert_no_error (error);
  bytes = g_bytes_get_data (root, &size);
  g_assert_cmpmem (bytes + 4, size - 4, expected_root, strlen (expected_root));
}

/* Only Python's level names, and a logger's name as received, are ever sent. */
static void
test_validation (void)
{
  static const char *const bad_levels[] = { "debug", "TRACE", "10", "", "DEBUG ", NULL };
  g_autofree char *long_name = g_strnfill (LD_SENDER_CONFIG_MAX_LOGGER_NAME + 1, 'a');
  g_autoptr(GBytes) quoted = NULL;
  g_autoptr(GError) error = NULL;
  const char *json;
  gsize size;

  for (guint i = 0; bad_levels[i] != NULL; i++)
    {
      g_assert_null (ld_sender_config_build_message ("app", bad_levels[i], &error));
      g_assert_error (error, LD_SENDER_CONFIG_ERROR, LD_SENDER_CONFIG_ERROR_INVALID);
      g_clear_error (&error);
    }
  g_assert_null (ld_sender_config_build_message (long_name, "DEBUG", &error));
  g_assert_error (error, LD_SENDER_CONFIG_ERROR, LD_SENDER_CONFIG_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (ld_sender_config_build_message ("app\nx", "DEBUG", &error));
  g_assert_error (error, LD_SENDER_CONFIG_ERROR, LD_SENDER_CONFIG_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (ld_sender_config_build_message ("app\xff", "DEBUG", &error));
  g_assert_error (error, LD_SENDER_CONFIG_ERROR, LD_SENDER_CONFIG_ERROR_INVALID);
  g_clear_error (&error);

  /* A quote in a name stays inside its JSON string. */
  quoted = ld_sender_config_build_message ("a\"b", "INFO", &error);
  g_assert_no_error (error);
  json = (const char *) g_bytes_get_data (quoted, &size) + 4;
  g_assert_nonnull (g_strstr_len (json, size - 4, "\"a\\\"b\":{\"level\":\"INFO\"}"));
}

static void
test_host_from_peer (void)
{
  g_autofree char *v4 = ld_sender_config_host_from_peer ("127.0.0.1:54321");
  g_autofree char *v6 = ld_sender_config_host_from_peer ("[::1]:54321");
  g_autofree char *file = ld_sender_config_host_from_peer ("app.log");

  g_assert_cmpstr (v4, ==, "127.0.0.1");
  g_assert_cmpstr (v6, ==, "::1");
  g_assert_null (file);
  g_assert_null (ld_sender_config_host_from_peer (""));
  g_assert_null (ld_sender_config_host_from_peer ("[::1"));
}

/* The whole loop: DEBUG records of app.worker arrive once its level is set. */
static void
test_round_trip (Fixture       *f,
                 gconstpointer  data)
{
  guint16 port = start_peer (f);
  SendResult send = { 0 };
  g_autofree char *received = NULL;
  g_autoptr(GBytes) expected = ld_sender_config_build_message ("app.worker", "DEBUG", NULL);
  g_autofree char *expected_hex = NULL;
  g_autoptr(GString) hex = g_string_new (NULL);
  const guint8 *bytes;
  gsize size;

  burst (f, 5);
  g_assert_cmpuint (count_level (f, LD_LEVEL_INFO), ==, 5);
  g_assert_cmpuint (count_level (f, LD_LEVEL_DEBUG), ==, 0);

  set_level ("127.0.0.1", port, "app.worker", "DEBUG", LD_SENDER_CONFIG_TIMEOUT_MS, &send);
  g_assert_no_error (send.error);
  g_assert_true (send.ok);

  /* verify= saw exactly the bytes built, without the length, and let them through. */
  bytes = g_bytes_get_data (expected, &size);
  for (gsize i = 4; i < size; i++)
    g_string_append_printf (hex, "%02x", bytes[i]);
  expected_hex = g_strdup_printf ("received %s accepted", hex->str);
  received = peer_read_line (f);
  g_assert_cmpstr (received, ==, expected_hex);

  burst (f, 15);
  g_assert_cmpuint (count_level (f, LD_LEVEL_INFO), ==, 10);
  g_assert_cmpuint (count_level (f, LD_LEVEL_DEBUG), ==, 5);

  /* And back: INFO again, no more DEBUG. */
  send = (SendResult) { 0 };
  set_level ("127.0.0.1", port, "app.worker", "INFO", LD_SENDER_CONFIG_TIMEOUT_MS, &send);
  g_assert_no_error (send.error);
  g_free (peer_read_line (f));
  burst (f, 20);
  g_assert_cmpuint (count_level (f, LD_LEVEL_DEBUG), ==, 5);

  peer_command (f, "quit\n");
}

/* A port nobody listens on. */
static void
test_refused (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  SendResult send = { 0 };
  g_autofree char *expected = NULL;
  guint16 port;

  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_close (listener);

  set_level ("127.0.0.1", port, "app", "DEBUG", LD_SENDER_CONFIG_TIMEOUT_MS, &send);
  g_assert_false (send.ok);
  g_assert_error (send.error, LD_SENDER_CONFIG_ERROR, LD_SENDER_CONFIG_ERROR_REFUSED);
  expected = g_strdup_printf ("Connection refused by 127.0.0.1:%u", port);
  g_assert_true (g_str_has_prefix (send.error->message, expected));
  g_clear_error (&send.error);
}

static gboolean
on_incoming_close (GSocketService    *service,
                   GSocketConnection *connection,
                   GObject           *source,
                   gpointer           user_data)
{
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return TRUE;
}

static gboolean
on_incoming_hold (GSocketService    *service,
                  GSocketConnection *connection,
                  GObject           *source,
                  gpointer           user_data)
{
  g_ptr_array_add (user_data, g_object_ref (connection));
  return TRUE;
}

static guint16
start_service (GSocketService *service)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  g_socket_listener_add_address (G_SOCKET_LISTENER (service), address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  g_assert_no_error (error);
  g_socket_service_start (service);

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* A program that closes the connection without reading the configuration. */
static void
test_closed (void)
{
  for (guint round = 0; round < 20; round++)
    {
      g_autoptr(GSocketService) service = g_socket_service_new ();
      guint16 port;
      SendResult send = { 0 };

      g_signal_connect (service, "incoming", G_CALLBACK (on_incoming_close), NULL);
      port = start_service (service);
      set_level ("127.0.0.1", port, "app", "DEBUG", LD_SENDER_CONFIG_TIMEOUT_MS, &send);
      g_assert_false (send.ok);
      g_assert_error (send.error, LD_SENDER_CONFIG_ERROR, LD_SENDER_CONFIG_ERROR_CLOSED);
      g_assert_nonnull (strstr (send.error->message, "closed the connection"));
      g_clear_error (&send.error);
      g_socket_service_stop (service);
      g_socket_listener_close (G_SOCKET_LISTENER (service));
    }
}

/* A program that takes the connection and never closes it. */
static void
test_timed_out (void)
{
  g_autoptr(GSocketService) service = g_socket_service_new ();
  g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func (g_object_unref);
  SendResult send = { 0 };
  gint64 start = g_get_monotonic_time ();
  guint16 port;

  g_signal_connect (service, "incoming", G_CALLBACK (on_incoming_hold), held);
  port = start_service (service);
  set_level ("127.0.0.1", port, "app", "DEBUG", 300, &send);
  g_assert_false (send.ok);
  g_assert_error (send.error, LD_SENDER_CONFIG_ERROR, LD_SENDER_CONFIG_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (send.error->message, "timed out"));
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 300 * 1000);
  g_clear_error (&send.error);
  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
}

/* The caller's cancellable stops it, and says so rather than a timeout. */
static void
test_cancelled (void)
{
  g_autoptr(GSocketService) service = g_socket_service_new ();
  g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  SendResult send = { 0 };
  guint16 port;

  g_signal_connect (service, "incoming", G_CALLBACK (on_incoming_hold), held);
  port = start_service (service);
  ld_sender_config_set_level_async ("127.0.0.1", port, "app", "DEBUG", 10000, cancellable,
                                    on_level_set, &send);
  WAIT_UNTIL (held->len == 1, 10);
  g_cancellable_cancel (cancellable);
  WAIT_UNTIL (send.done, 10);
  g_assert_error (send.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&send.error);
  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sender-config/message-bytes", test_message_bytes);
  g_test_add_func ("/sender-config/validation", test_validation);
  g_test_add_func ("/sender-config/host-from-peer", test_host_from_peer);
  g_test_add ("/sender-config/round-trip", Fixture, NULL, fixture_setup, test_round_trip,
              fixture_teardown);
  g_test_add_func ("/sender-config/refused", test_refused);
  g_test_add_func ("/sender-config/closed", test_closed);
  g_test_add_func ("/sender-config/timed-out", test_timed_out);
  g_test_add_func ("/sender-config/cancelled", test_cancelled);

  return g_test_run ();
}
