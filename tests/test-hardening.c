// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "ld-connection-registry.h"
#include "ld-handoff.h"
#include "ld-ingest.h"
#include "ld-store.h"
#include "ingest-test-utils.h"

/* The listeners against senders that mean harm, or that are web pages:
 * connections that never finish, that hold every slot or every descriptor,
 * floods of bad input, bodies too big to hold, requests from browsers,
 * without the token, or without TLS. Each attack runs next to a well-behaved
 * peer (CPython's own logging.handlers, run with Debian's python3), whose
 * records must all arrive. Limits are small so that deadlines pass quickly;
 * everything listens on 127.0.0.1, on ports the system picks, and every wait
 * and every loop is bounded. */

#define MAX_BODY_SENT   (512 * 1024 * 1024)  /* what the 413 client sends at most */
#define MAX_RSS_GROWTH  (50 * 1024 * 1024)
#define FLOOD_LINES     200000
#define LOAD_SENDERS    50
#define LOAD_RECORDS    2000
#define LOAD_IDLE       500
#define LOAD_SLOWLORIS  500

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
fixture_setup (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  f->store = ld_store_new (0);
  f->handoff = ld_handoff_new (NULL, drain_into_store, f->store, NULL);
  ld_handoff_set_min_interval (f->handoff, 0);
  f->registry = ld_connection_registry_new ();
  f->ingest = ld_ingest_new (f->handoff, f->registry);
  f->tmpdir = g_dir_make_tmp ("logdeck-test-hardening-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f)
{
  ingest_fixture_clear (&f->ingest, &f->handoff, f->registry, f->store, &f->tmpdir);
}

/* What a case found out, on stderr: each case runs in a subprocess whose
 * stdout is not shown (see run_case()). */
static void
note (const char *format,
      ...) G_GNUC_PRINTF (1, 2);

static void
note (const char *format,
      ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("# %s\n", text);
}

/* Limits small enough that every deadline passes within a test. */
static void
small_limits (LdListenLimits *limits)
{
  ld_listen_limits_init_default (limits);
  limits->max_connections = 32;
  limits->header_timeout_us = 1 * G_USEC_PER_SEC;
  limits->body_timeout_us = 2 * G_USEC_PER_SEC;
  limits->idle_timeout_us = 60 * G_USEC_PER_SEC;
}

/* Starts the TCP and HTTP listeners with @limits and @security. */
static void
fixture_listen (Fixture                *f,
                const LdListenLimits   *limits,
                const LdIngestSecurity *security)
{
  g_autoptr(GError) error = NULL;

  ld_ingest_set_listen_limits (f->ingest, limits);
  if (security != NULL)
    {
      ld_ingest_set_security (f->ingest, security, &error);
      g_assert_no_error (error);
    }
  ld_ingest_add_tcp (f->ingest, "127.0.0.1", 0, &error);
  g_assert_no_error (error);
  ld_ingest_add_http (f->ingest, "127.0.0.1", 0, &error);
  g_assert_no_error (error);
  f->tcp_port = ld_ingest_get_bound_port (f->ingest, "tcp");
  f->http_port = ld_ingest_get_bound_port (f->ingest, "http");
  g_assert_cmpuint (f->tcp_port, >, 0);
  g_assert_cmpuint (f->http_port, >, 0);
}

/* Records */

static gboolean
is_problem (const LdRecord *record)
{
  return g_strcmp0 (field (record->logger), LD_INGEST_LOGGER) == 0;
}

static gboolean
message_contains (const LdRecord *record,
                  const char     *part)
{
  gsize length;
  const char *text = ld_record_get_message (record, &length);

  return g_strstr_len (text, length, part) != NULL;
}

/* The first record of a sender (not Logdeck's own) whose message contains @part. */
static const LdRecord *
find_message (Fixture    *f,
              const char *part)
{
  for (guint i = 0; i < ld_store_get_n_records (f->store); i++)
    {
      const LdRecord *record = ld_store_get_record (f->store, i);

      if (!is_problem (record) && message_contains (record, part))
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
      const LdRecord *record = ld_store_get_record (f->store, i);

      n += !is_problem (record) && message_contains (record, part);
    }

  return n;
}

/* Logdeck's own records whose message contains @part, at @level (or any, 0). */
static guint
count_problems (Fixture    *f,
                int         level,
                const char *part)
{
  guint n = 0;

  for (guint i = 0; i < ld_store_get_n_records (f->store); i++)
    {
      const LdRecord *record = ld_store_get_record (f->store, i);

      n += is_problem (record) && (level == 0 || record->level == level)
           && message_contains (record, part);
    }

  return n;
}

static const LdRecord *
find_problem (Fixture    *f,
              const char *part)
{
  for (guint i = 0; i < ld_store_get_n_records (f->store); i++)
    {
      const LdRecord *record = ld_store_get_record (f->store, i);

      if (is_problem (record) && message_contains (record, part))
        return record;
    }

  return NULL;
}

/* The sum of N over Logdeck's "N more problem records were suppressed". */
static guint64
count_suppressed (Fixture *f)
{
  guint64 n = 0;

  for (guint i = 0; i < ld_store_get_n_records (f->store); i++)
    {
      const LdRecord *record = ld_store_get_record (f->store, i);
      g_autofree char *message = NULL;
      const char *end;
      const char *start;

      if (!is_problem (record))
        continue;
      message = message_of (record);
      end = strstr (message, " more problem records were suppressed");
      if (end == NULL)
        continue;
      for (start = end; start > message && g_ascii_isdigit (start[-1]); start--)
        ;
      g_assert_true (start < end);
      n += g_ascii_strtoull (start, NULL, 10);
    }

  return n;
}

/* Python peers */

typedef struct
{
  GSubprocess *process;
  gboolean     done;
  char        *output;
} Peer;

static void
on_peer_communicated (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  Peer *peer = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (object), result, &peer->output, NULL,
                                        &error);
  g_assert_no_error (error);
  peer->done = TRUE;
}

static void
on_peer_exited (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Peer *peer = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (object), result, NULL);
  peer->done = TRUE;
}

/* Starts @script with @args and --host/--port. With @wait_stdin the peer
 * waits for a line on its stdin (see peer_go()); otherwise what it prints
 * is collected. */
static void
peer_start (Peer              *peer,
            const char        *script,
            guint16            port,
            const char *const *args,
            gboolean           wait_stdin)
{
  g_autofree char *path = peer_script (script);
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (argv, (char *) python3 ());
  g_ptr_array_add (argv, path);
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, "--host");
  g_ptr_array_add (argv, "127.0.0.1");
  g_ptr_array_add (argv, "--port");
  g_ptr_array_add (argv, port_text);
  g_ptr_array_add (argv, NULL);

  *peer = (Peer) { 0 };
  peer->process = g_subprocess_newv ((const char *const *) argv->pdata,
                                     wait_stdin ? G_SUBPROCESS_FLAGS_STDIN_PIPE
                                                  | G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                                : G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                                     &error);
  g_assert_no_error (error);
  if (wait_stdin)
    g_subprocess_wait_async (peer->process, NULL, on_peer_exited, peer);
  else
    g_subprocess_communicate_utf8_async (peer->process, NULL, NULL, on_peer_communicated, peer);
}

/* Lets a peer started with wait_stdin go on. */
static void
peer_go (Peer *peer)
{
  GOutputStream *input = g_subprocess_get_stdin_pipe (peer->process);
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (input, "go\n", 3, NULL, NULL, &error);
  g_assert_no_error (error);
}

/* Waits for the peer to end by itself, successfully. */
static void
peer_finish (Peer   *peer,
             double  seconds)
{
  WAIT_UNTIL (peer->done, seconds);
  g_assert_true (g_subprocess_get_if_exited (peer->process));
  g_assert_cmpint (g_subprocess_get_exit_status (peer->process), ==, 0);
  g_clear_object (&peer->process);
}

/* Ends an attacker that would otherwise hold on until its own deadline. */
static void
peer_kill (Peer *peer)
{
  g_subprocess_send_signal (peer->process, SIGKILL);
  WAIT_UNTIL (peer->done, 20);
  g_clear_object (&peer->process);
}

static void
peer_clear (Peer *peer)
{
  g_clear_object (&peer->process);
  g_clear_pointer (&peer->output, g_free);
}

/* Runs a peer to its end while records flow into the store, and returns
 * what it printed. */
static char *
run_peer (const char        *script,
          guint16            port,
          const char *const *args,
          double             seconds)
{
  Peer peer;

  peer_start (&peer, script, port, args, FALSE);
  peer_finish (&peer, seconds);

  return peer.output;
}

/* The JSON line that the peer printed for @name. */
static JsonObject *
result_of (const char *output,
           const char *name)
{
  g_auto(GStrv) lines = g_strsplit (output, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonNode) node = json_from_string (lines[i], NULL);
      JsonObject *object;

      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
        continue;
      object = json_node_get_object (node);
      if (g_strcmp0 (json_object_get_string_member_with_default (object, "case", ""), name) == 0)
        return json_object_ref (object);
    }

  g_error ("the peer printed nothing for “%s”: %s", name, output);
}

/* The "status" of the JSON line that the peer printed for @name. */
static gint64
status_of (const char *output,
           const char *name)
{
  g_autoptr(JsonObject) result = result_of (output, name);

  return json_object_get_int_member (result, "status");
}

/* The status a one-shot http_send.py scenario printed. */
static gint64
http_send (guint16            port,
           const char        *scenario,
           const char *const *options)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autofree char *output = NULL;

  g_ptr_array_add (args, (char *) scenario);
  for (guint i = 0; options != NULL && options[i] != NULL; i++)
    g_ptr_array_add (args, (char *) options[i]);
  g_ptr_array_add (args, NULL);
  output = run_peer ("http_send.py", port, (const char *const *) args->pdata, 60);

  return status_of (output, scenario);
}

/* Raw clients */

/* Takes what the server has sent so far; %TRUE once it has closed the
 * connection (or reset it). */
static gboolean
poll_closed (GSocket *socket,
             GString *received)
{
  for (;;)
    {
      char buffer[16 * 1024];
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_receive_with_blocking (socket, buffer, sizeof buffer, FALSE, NULL,
                                                 &error);

      if (n > 0 && received != NULL)
        g_string_append_len (received, buffer, n);
      else if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return FALSE;
      else if (n <= 0)
        return TRUE;
    }
}

/* %FALSE if the server has ended the connection. */
static gboolean
send_or_closed (GSocket    *socket,
                const char *data,
                gsize       length)
{
  while (length > 0)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_send (socket, data, length, NULL, &error);

      if (n < 0)
        return FALSE;
      data += n;
      length -= n;
    }

  return TRUE;
}

static void
send_text (GSocket    *socket,
           const char *text)
{
  g_assert_true (send_or_closed (socket, text, strlen (text)));
}

/* A request as a script would write it; @headers are whole lines. */
static char *
build_request (const char *method,
               const char *target,
               const char *headers,
               const char *body)
{
  GString *request = g_string_new (NULL);

  g_string_append_printf (request, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s", method, target,
                          headers != NULL ? headers : "");
  if (body != NULL)
    g_string_append_printf (request, "Content-Length: %zu\r\n", strlen (body));
  g_string_append_printf (request, "Connection: close\r\n\r\n%s", body != NULL ? body : "");

  return g_string_free (request, FALSE);
}

/* Sends @request on a new connection; returns all the server answered. */
static char *
http_exchange (guint16     port,
               const char *request)
{
  g_autoptr(GSocket) socket = client_connect (port);
  GString *received = g_string_new (NULL);

  send_text (socket, request);
  WAIT_UNTIL (poll_closed (socket, received), 20);

  return g_string_free (received, FALSE);
}

static char *
status_line (const char *response)
{
  return g_strndup (response, strcspn (response, "\r\n"));
}

static char *
http_status (guint16     port,
             const char *request)
{
  g_autofree char *response = http_exchange (port, request);

  return status_line (response);
}

/* The process, as the kernel sees it */

static gssize
resident_bytes (void)
{
  g_autofree char *statm = NULL;
  unsigned long size;
  unsigned long resident;

  g_assert_true (g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL));
  g_assert_cmpint (sscanf (statm, "%lu %lu", &size, &resident), ==, 2);

  return (gssize) resident * sysconf (_SC_PAGESIZE);
}

/* Open descriptors, or G_MAXUINT when not even one more can be opened. */
static guint
count_open_fds (void)
{
  GDir *dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  if (dir == NULL)
    return G_MAXUINT;
  while (g_dir_read_name (dir) != NULL)
    n++;
  g_dir_close (dir);

  return n - 1;
}

/* Threads of this process. */
static guint
count_threads (void)
{
  GDir *dir = g_dir_open ("/proc/self/task", 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  g_dir_close (dir);

  return n;
}

static double
cpu_seconds (void)
{
  struct rusage usage;

  g_assert_cmpint (getrusage (RUSAGE_SELF, &usage), ==, 0);

  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6
         + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

/* Iterates the main context for @seconds. */
static void
iterate_for (double seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

/* 1. An empty POST */

static void
test_empty_post (Fixture *f)
{
  LdListenLimits limits;
  g_autofree char *empty = build_request ("POST", "/log",
                                          "Content-Type: application/json\r\n", "");
  g_autofree char *no_length = build_request ("POST", "/log",
                                              "Content-Type: application/json\r\n", NULL);
  g_autofree char *good = build_request ("POST", "/log", "Content-Type: application/json\r\n",
                                         "{\"message\": \"after the empty posts\"}");
  g_autofree char *response = NULL;
  g_autofree char *status = NULL;

  small_limits (&limits);
  fixture_listen (f, &limits, NULL);

  response = http_exchange (f->http_port, empty);
  status = status_line (response);
  g_assert_cmpstr (status, ==, "HTTP/1.1 400 Bad Request");
  g_assert_nonnull (strstr (response, "The body is empty"));
  g_clear_pointer (&status, g_free);
  status = http_status (f->http_port, no_length);
  g_assert_cmpstr (status, ==, "HTTP/1.1 400 Bad Request");
  WAIT_UNTIL (count_problems (f, 40, "The body is empty") == 2, 20);

  /* The listener still takes records. */
  g_clear_pointer (&status, g_free);
  status = http_status (f->http_port, good);
  g_assert_cmpstr (status, ==, "HTTP/1.1 200 OK");
  WAIT_UNTIL (find_message (f, "after the empty posts") != NULL, 20);
}

/* 2. A body too big, refused from its headers */

static void
test_early_413 (Fixture *f)
{
  const char *headers = "POST /log HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        "Content-Type: application/json\r\n"
                        "Content-Length: 100000000000\r\n\r\n";
  const gsize chunk_size = 64 * 1024;
  g_autofree char *chunk = g_malloc (chunk_size);
  g_autoptr(GString) received = g_string_new (NULL);
  g_autoptr(GSocket) socket = NULL;
  g_autofree char *status = NULL;
  LdListenLimits limits;
  gssize rss_before;
  gssize rss_after;
  guint64 sent = 0;
  guint64 sent_at_answer = 0;
  gboolean answered = FALSE;
  gboolean closed = FALSE;
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  small_limits (&limits);
  fixture_listen (f, &limits, NULL);
  memset (chunk, ' ', chunk_size);
  rss_before = resident_bytes ();

  /* The client sends its body without waiting for an answer, as
   * HTTPHandler and most scripts do; the answer must come while it is still
   * at it, long before 100 GB. */
  socket = client_connect (f->http_port);
  send_text (socket, headers);
  while (!closed && sent < MAX_BODY_SENT)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_send_with_blocking (socket, chunk, chunk_size, FALSE, NULL, &error);

      if (n > 0)
        sent += n;
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        g_socket_condition_timed_wait (socket, G_IO_OUT | G_IO_IN, 10000, NULL, NULL);
      else
        break;
      closed = poll_closed (socket, received);
      if (!answered && strstr (received->str, "\r\n") != NULL)
        {
          answered = TRUE;
          sent_at_answer = sent;
        }
      g_main_context_iteration (NULL, FALSE);
      if (g_get_monotonic_time () > deadline)
        g_error ("sending the body for 60 s, %" G_GUINT64_FORMAT " bytes sent", sent);
    }
  note ("413 after %" G_GUINT64_FORMAT " bytes of the body, %" G_GUINT64_FORMAT
        " sent in all", sent_at_answer, sent);
  g_assert_true (answered);

  /* What the client sends after the answer is dropped, and the connection
   * closed. */
  WAIT_UNTIL (poll_closed (socket, received), 20);
  status = status_line (received->str);
  g_assert_cmpstr (status, ==, "HTTP/1.1 413 Request Entity Too Large");
  g_assert_nonnull (strstr (received->str, "over the limit"));
  WAIT_UNTIL (count_problems (f, 40, "refused (413)") == 1, 20);

  rss_after = resident_bytes ();
  note ("resident: %zd MiB before, %zd MiB after", rss_before >> 20, rss_after >> 20);
  g_assert_cmpint (rss_after - rss_before, <, MAX_RSS_GROWTH);
}

/* 3. Connections that start and never finish */

static guint
count_logger (Fixture    *f,
              const char *prefix)
{
  guint n = 0;

  for (guint i = 0; i < ld_store_get_n_records (f->store); i++)
    n += g_str_has_prefix (field (ld_store_get_record (f->store, i)->logger), prefix);

  return n;
}

static void
test_slowloris_tcp (Fixture *f)
{
  const char *many[] = { "many", "--connections", "2", "--records", "50", NULL };
  g_autoptr(GSocket) slow = NULL;
  g_autoptr(GSocket) idle = NULL;
  LdListenLimits limits;
  Peer peer;

  small_limits (&limits);
  limits.idle_timeout_us = 3 * G_USEC_PER_SEC;
  fixture_listen (f, &limits, NULL);

  /* Two bytes of a frame's four-byte length, then nothing. */
  slow = client_connect (f->tcp_port);
  g_assert_true (send_or_closed (slow, "\x00\x00", 2));
  idle = client_connect (f->tcp_port);
  peer_start (&peer, "send_socket.py", f->tcp_port, many, FALSE);

  WAIT_UNTIL (poll_closed (slow, NULL), 20);
  WAIT_UNTIL (count_problems (f, 30, "a frame was not finished in time") == 1, 20);
  g_assert_nonnull (find_problem (f, "in the middle of a frame header"));
  WAIT_UNTIL (poll_closed (idle, NULL), 20);
  /* "idle" for one that never sent a byte, "idle for too long" between records. */
  WAIT_UNTIL (count_problems (f, 30, "connection closed: idle") == 1, 20);

  peer_finish (&peer, 60);
  WAIT_UNTIL (count_logger (f, "peer.many.") == 2 * 50, 20);
  peer_clear (&peer);
}

/* Sends @request, then @more every half second: the body never ends.
 * Returns once the server has closed the connection. */
static void
trickle_body (guint16     port,
              const char *request,
              const char *more)
{
  g_autoptr(GSocket) socket = client_connect (port);
  gboolean closed = FALSE;

  send_text (socket, request);
  for (guint i = 0; i < 40 && !closed; i++)
    {
      closed = !send_or_closed (socket, more, strlen (more));
      iterate_for (0.5);
      closed = closed || poll_closed (socket, NULL);
    }
  g_assert_true (closed);
}

static void
test_slowloris_http (Fixture *f)
{
  const char *request = "POST /log HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        "Content-Type: application/json\r\nContent-Length: 30\r\n\r\n";
  const char *sized = "POST /log HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      "Content-Type: application/x-ndjson\r\nContent-Length: 1000\r\n\r\n"
                      "{\"message\": \"cut sized request\"}\n";
  const char *chunked = "POST /log HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        "Content-Type: application/x-ndjson\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n"
                        "23\r\n{\"message\": \"cut chunked request\"}\n\r\n";
  g_autoptr(GSocket) headers = NULL;
  LdListenLimits limits;
  gboolean closed = FALSE;

  small_limits (&limits);
  fixture_listen (f, &limits, NULL);

  /* Request headers, one byte a second: closed after the header timeout. */
  headers = client_connect (f->http_port);
  for (guint i = 0; i < 20 && !closed; i++)
    {
      gint64 next = g_get_monotonic_time () + G_USEC_PER_SEC;

      closed = !send_or_closed (headers, request + i, 1);
      while (!closed && g_get_monotonic_time () < next)
        {
          closed = poll_closed (headers, NULL);
          iterate_for (0.01);
        }
    }
  g_assert_true (closed);
  WAIT_UNTIL (find_problem (f, "no complete request arrived in time") != NULL, 20);
  g_assert_null (find_problem (f, "the request did not arrive in time"));

  /* Bodies that never end, by their length or in chunks: closed after the
   * body timeout. */
  trickle_body (f->http_port, sized, " ");
  trickle_body (f->http_port, chunked, "1\r\n \r\n");
  WAIT_UNTIL (count_problems (f, 30, "the request did not arrive in time") == 2, 20);

  /* Their senders got no answer, and will send the requests again: no part
   * of them may be taken. */
  iterate_for (0.5);
  g_assert_null (find_message (f, "cut sized request"));
  g_assert_null (find_message (f, "cut chunked request"));
  g_assert_cmpuint (count_problems (f, 40, ""), ==, 0);
}

/* 4. Idle connections holding every slot */

static void
test_idle_lockout (Fixture *f)
{
  const char *many[] = { "many", "--connections", "4", "--records", "25", NULL };
  const char *get[] = { "--method", "GET", "--records", "10", "--message", "crowd get", NULL };
  const char *post[] = { "--method", "POST", "--records", "10", "--message", "crowd post", NULL };
  GSocket *tcp_idle[32];
  GSocket *http_idle[32];
  g_autofree char *output = NULL;
  LdListenLimits limits;
  guint n_closed = 0;

  /* Idle HTTP connections must be closed to make room, not by their deadline. */
  small_limits (&limits);
  limits.header_timeout_us = 120 * G_USEC_PER_SEC;
  fixture_listen (f, &limits, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (tcp_idle); i++)
    tcp_idle[i] = client_connect (f->tcp_port);
  wait_for_state (f->registry, "tcp-32", LD_CONNECTION_OPEN);
  output = run_peer ("send_socket.py", f->tcp_port, many, 60);
  WAIT_UNTIL (count_logger (f, "peer.many.") == 100, 20);
  /* The first sender finds the listener full; later ones may find room
   * that an earlier sender left when it finished, so only one is certain. */
  WAIT_UNTIL (count_problems (f, 30, "closed to make room for a new connection") >= 1, 20);
  for (guint i = 0; i < G_N_ELEMENTS (tcp_idle); i++)
    n_closed += poll_closed (tcp_idle[i], NULL);
  g_assert_cmpuint (n_closed, >=, 1);
  g_assert_cmpuint (count_problems (f, 40, "was refused"), ==, 0);

  /* The accept queue is first come, first served: the idle connections are
   * taken before the peer's. */
  for (guint i = 0; i < G_N_ELEMENTS (http_idle); i++)
    http_idle[i] = client_connect (f->http_port);
  g_assert_cmpint (http_send (f->http_port, "handler", get), ==, 0);
  g_assert_cmpint (http_send (f->http_port, "handler", post), ==, 0);
  WAIT_UNTIL (count_messages (f, "crowd get") == 10 && count_messages (f, "crowd post") == 10,
              20);
  n_closed = 0;
  for (guint i = 0; i < G_N_ELEMENTS (http_idle); i++)
    n_closed += poll_closed (http_idle[i], NULL);
  /* One is closed for the first request; each request's connection is
   * closed after its answer, and the next takes its place. */
  g_assert_cmpuint (n_closed, >=, 1);
  g_assert_cmpuint (count_problems (f, 30, "was closed: closed to make room"), >=, 1);
  g_assert_cmpuint (count_problems (f, 40, "was refused"), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (tcp_idle); i++)
    {
      g_object_unref (tcp_idle[i]);
      g_object_unref (http_idle[i]);
    }
}

/* 5. A flood of bad lines */

static void
test_error_flood (Fixture *f)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GString) junk = g_string_sized_new (FLOOD_LINES * 10);
  LdListenLimits limits;
  guint n_errors;
  guint64 n_suppressed;
  gint64 start;
  double elapsed;

  small_limits (&limits);
  fixture_listen (f, &limits, NULL);
  for (guint i = 0; i < FLOOD_LINES; i++)
    g_string_append (junk, "xxxxxxxxx\n");

  start = g_get_monotonic_time ();
  socket = client_connect (f->tcp_port);
  send_text (socket, "{\"message\": \"good before\"}\n");
  g_assert_true (send_or_closed (socket, junk->str, junk->len));
  send_text (socket, "{\"message\": \"good after\"}\n");
  g_socket_close (socket, NULL);
  wait_for_state (f->registry, "tcp-1", LD_CONNECTION_CLOSED);
  WAIT_UNTIL (find_message (f, "good after") != NULL, 20);
  elapsed = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;

  g_assert_nonnull (find_message (f, "good before"));
  n_errors = count_problems (f, 40, "invalid JSON");
  n_suppressed = count_suppressed (f);
  note ("%u error records and %" G_GUINT64_FORMAT " suppressed in %.1f s",
        n_errors, n_suppressed, elapsed);
  g_assert_cmpuint (n_errors, >=, LD_PROBLEMS_BURST);
  g_assert_cmpuint (n_errors, <=, LD_PROBLEMS_BURST + LD_PROBLEMS_PER_SECOND * elapsed + 2);
  g_assert_cmpuint (n_errors, <, 100);
  /* Every bad line is either reported or counted. */
  g_assert_cmpuint (n_errors + n_suppressed, ==, FLOOD_LINES);
}

/* 6. Web pages in the user's browser */

#define CHROME_UA "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 " \
                  "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\r\n"
#define CHROME_HINTS "sec-ch-ua: \"Not_A Brand\";v=\"8\", \"Chromium\";v=\"120\"\r\n" \
                     "sec-ch-ua-mobile: ?0\r\nsec-ch-ua-platform: \"Linux\"\r\n"
#define CHROME_ACCEPT_LANGUAGE "Accept-Encoding: gzip, deflate, br\r\n" \
                               "Accept-Language: en-US,en;q=0.9\r\n"

static const struct
{
  const char *name;
  const char *method;
  const char *target;
  const char *headers;
  const char *body;
} browser_requests[] = {
  { "img", "GET", "/log?name=page&levelname=INFO&levelno=20&msg=img%20attack",
    CHROME_HINTS CHROME_UA
    "Accept: image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8\r\n"
    "Sec-Fetch-Site: cross-site\r\nSec-Fetch-Mode: no-cors\r\nSec-Fetch-Dest: image\r\n"
    "Referer: https://evil.example/\r\n" CHROME_ACCEPT_LANGUAGE, NULL },
  { "sandboxed fetch", "POST", "/log",
    CHROME_HINTS CHROME_UA "Content-Type: text/plain;charset=UTF-8\r\nAccept: */*\r\n"
    "Origin: null\r\nSec-Fetch-Site: cross-site\r\nSec-Fetch-Mode: cors\r\n"
    "Sec-Fetch-Dest: empty\r\n" CHROME_ACCEPT_LANGUAGE,
    "{\"message\": \"sandboxed attack\"}" },
  { "null origin alone", "POST", "/log",
    "Content-Type: application/json\r\nOrigin: null\r\n",
    "{\"message\": \"null origin attack\"}" },
  { "form", "POST", "/log",
    "Cache-Control: max-age=0\r\n" CHROME_HINTS "Upgrade-Insecure-Requests: 1\r\n"
    "Origin: https://evil.example\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    CHROME_UA "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,"
    "image/webp,image/apng,*/*;q=0.8\r\nSec-Fetch-Site: cross-site\r\n"
    "Sec-Fetch-Mode: navigate\r\nSec-Fetch-Dest: document\r\n"
    "Referer: https://evil.example/\r\n" CHROME_ACCEPT_LANGUAGE,
    "name=page&levelname=INFO&levelno=20&msg=form%20attack" },
  { "websocket", "GET", "/ws",
    "Pragma: no-cache\r\nCache-Control: no-cache\r\n" CHROME_UA "Upgrade: websocket\r\n"
    "Origin: https://evil.example\r\nSec-WebSocket-Version: 13\r\n"
    CHROME_ACCEPT_LANGUAGE "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
    "Connection: Upgrade\r\nSec-Fetch-Site: cross-site\r\nSec-Fetch-Mode: websocket\r\n"
    "Sec-Fetch-Dest: websocket\r\n", NULL },
  { "typed URL", "GET", "/log?name=typed&levelname=INFO&levelno=20&msg=typed%20attack",
    CHROME_HINTS "Upgrade-Insecure-Requests: 1\r\n" CHROME_UA
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
    "Sec-Fetch-Site: none\r\nSec-Fetch-Mode: navigate\r\nSec-Fetch-User: ?1\r\n"
    "Sec-Fetch-Dest: document\r\n" CHROME_ACCEPT_LANGUAGE, NULL },
  /* A development server on another port of this machine is same-site. */
  { "same-site page", "POST", "/log",
    CHROME_HINTS CHROME_UA "Content-Type: application/json\r\nAccept: */*\r\n"
    "Origin: http://127.0.0.1:3000\r\nSec-Fetch-Site: same-site\r\nSec-Fetch-Mode: cors\r\n"
    "Sec-Fetch-Dest: empty\r\nReferer: http://127.0.0.1:3000/\r\n" CHROME_ACCEPT_LANGUAGE,
    "{\"message\": \"same-site attack\"}" },
};

static void
test_browser (Fixture *f)
{
  const char *get[] = { "--method", "GET", "--records", "3", "--message", "cpython get", NULL };
  const char *post[] = { "--method", "POST", "--records", "3", "--message", "cpython post",
                         NULL };
  LdListenLimits limits;

  small_limits (&limits);
  fixture_listen (f, &limits, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (browser_requests); i++)
    {
      g_autofree char *request = build_request (browser_requests[i].method,
                                                browser_requests[i].target,
                                                browser_requests[i].headers,
                                                browser_requests[i].body);
      g_autofree char *status = http_status (f->http_port, request);

      note ("%s: %s", browser_requests[i].name, status);
      g_assert_cmpstr (status, ==, "HTTP/1.1 403 Forbidden");
    }
  WAIT_UNTIL (count_problems (f, 40, "refused (403)") == G_N_ELEMENTS (browser_requests), 20);

  /* Loggers send neither Origin nor a browser's headers. */
  g_assert_cmpint (http_send (f->http_port, "handler", get), ==, 0);
  g_assert_cmpint (http_send (f->http_port, "handler", post), ==, 0);
  WAIT_UNTIL (count_messages (f, "cpython get") == 3 && count_messages (f, "cpython post") == 3,
              20);
  g_assert_cmpuint (count_messages (f, "attack"), ==, 0);
  g_assert_cmpuint (count_problems (f, 0, "refused"), ==, G_N_ELEMENTS (browser_requests));
}

/* 7. The token */

static void
test_token (Fixture *f)
{
  const LdIngestSecurity security = { .token = "s3cret" };
  const char *handler[] = { "--records", "2", "--message", "handler without token", NULL };
  const char *good[] = { "--token", "s3cret", "--message", "json with token", NULL };
  const char *wrong[] = { "--token", "s3cre", "--message", "json with wrong token", NULL };
  const char *none[] = { "--message", "json without token", NULL };
  const char *ws_query[] = { "--token", "s3cret", "--message", "ws with token in query", NULL };
  const char *ws_header[] = { "--token", "s3cret", "--bearer", "--message",
                              "ws with token in header", NULL };
  const char *ws_none[] = { "--message", "ws without token", NULL };
  g_autofree char *get_query = build_request ("GET", "/log?token=s3cret&msg=get%20with%20query",
                                              NULL, NULL);
  g_autofree char *status = NULL;
  LdListenLimits limits;

  small_limits (&limits);
  fixture_listen (f, &limits, &security);

  g_assert_cmpint (http_send (f->http_port, "handler", handler), ==, 0);
  WAIT_UNTIL (count_problems (f, 40, "refused (401)") == 2, 20);
  g_assert_cmpint (http_send (f->http_port, "json", good), ==, 200);
  g_assert_cmpint (http_send (f->http_port, "json", wrong), ==, 401);
  g_assert_cmpint (http_send (f->http_port, "json", none), ==, 401);
  /* /log takes the token from the header only, never from a URL. */
  status = http_status (f->http_port, get_query);
  g_assert_cmpstr (status, ==, "HTTP/1.1 401 Unauthorized");
  g_assert_cmpint (http_send (f->http_port, "ws", ws_query), ==, 101);
  g_assert_cmpint (http_send (f->http_port, "ws", ws_header), ==, 101);
  g_assert_cmpint (http_send (f->http_port, "ws", ws_none), ==, 401);

  WAIT_UNTIL (find_message (f, "json with token") != NULL
              && find_message (f, "ws with token in query") != NULL
              && find_message (f, "ws with token in header") != NULL, 20);
  WAIT_UNTIL (count_problems (f, 40, "refused (401)") == 6, 20);
  g_assert_cmpuint (count_messages (f, "without token"), ==, 0);
  g_assert_cmpuint (count_messages (f, "wrong token"), ==, 0);
  g_assert_cmpuint (count_messages (f, "with query"), ==, 0);
}

/* 8. X-Forwarded-For */

static void
test_forwarded_for (Fixture *f)
{
  g_autofree char *escape = build_request ("POST", "/log",
                                           "Content-Type: application/json\r\n"
                                           "X-Forwarded-For: \x1b]8;;evil\x07\r\n",
                                           "{\"message\": \"forwarded escape\"}");
  g_autofree char *proxied = build_request ("POST", "/log",
                                            "Content-Type: application/json\r\n"
                                            "X-Forwarded-For: 10.1.2.3, 10.0.0.1\r\n",
                                            "{\"message\": \"forwarded address\"}");
  g_autofree char *escape_status = NULL;
  g_autofree char *proxied_status = NULL;
  LdListenLimits limits;
  const LdRecord *record;

  small_limits (&limits);
  fixture_listen (f, &limits, NULL);

  escape_status = http_status (f->http_port, escape);
  g_assert_cmpstr (escape_status, ==, "HTTP/1.1 200 OK");
  proxied_status = http_status (f->http_port, proxied);
  g_assert_cmpstr (proxied_status, ==, "HTTP/1.1 200 OK");

  WAIT_UNTIL ((record = find_message (f, "forwarded escape")) != NULL, 20);
  g_assert_cmpstr (field (record->peer), ==, "127.0.0.1");
  WAIT_UNTIL ((record = find_message (f, "forwarded address")) != NULL, 20);
  g_assert_cmpstr (field (record->peer), ==, "10.1.2.3");
}

/* 9. File descriptors run out */

static void
test_fd_exhaustion (Fixture *f)
{
  const char *hold[] = { "--connections", "200", "--wait-stdin", "--seconds", "90", NULL };
  const char *records[] = { "--records", "20", "--message", "during the attack", "--wait-stdin",
                            NULL };
  g_autoptr(GSocket) after = NULL;
  LdListenLimits limits;
  struct rlimit saved;
  struct rlimit lowered;
  Peer attacker;
  Peer sender;
  double cpu_before;
  double cpu_after;
  guint n_cannot;

  ld_listen_limits_init_default (&limits);
  limits.accept_pause_us = 20 * 1000;
  fixture_listen (f, &limits, NULL);

  /* Both peers are started while this process can still make pipes. */
  peer_start (&attacker, "hold_connections.py", f->tcp_port, hold, TRUE);
  peer_start (&sender, "send_records.py", f->tcp_port, records, TRUE);
  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &saved), ==, 0);
  lowered = saved;
  lowered.rlim_cur = count_open_fds () + 40;
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &lowered), ==, 0);

  peer_go (&attacker);
  WAIT_UNTIL (count_problems (f, 40, "cannot accept connections") >= 1, 30);

  /* While descriptors are out, the listener waits rather than spins. */
  cpu_before = cpu_seconds ();
  iterate_for (2);
  cpu_after = cpu_seconds ();
  note ("CPU time over 2 s: %.2f s", cpu_after - cpu_before);
  g_assert_cmpfloat (cpu_after - cpu_before, <, 1.0);

  /* The longest-idle connections make way for a sender. */
  peer_go (&sender);
  peer_finish (&sender, 60);
  WAIT_UNTIL (count_messages (f, "during the attack") == 20, 60);
  n_cannot = count_problems (f, 40, "cannot accept connections");
  note ("%u \"cannot accept\" records, %u \"accepting again\"", n_cannot,
        count_problems (f, 0, "accepting connections again"));

  /* Once the attacker is gone, its descriptors come back, and new
   * connections are taken. */
  peer_kill (&attacker);
  WAIT_UNTIL (count_open_fds () < lowered.rlim_cur - 10, 30);
  after = client_connect (f->tcp_port);
  send_text (after, "{\"message\": \"after the attack\"}\n");
  WAIT_UNTIL (find_message (f, "after the attack") != NULL, 20);
  /* Once the queue is empty, that is said once; never more often than
   * running out was. */
  WAIT_UNTIL (count_problems (f, 30, "accepting connections again") >= 1, 20);
  note ("after the attack: %u \"cannot accept\" records, %u \"accepting again\"",
        count_problems (f, 40, "cannot accept connections"),
        count_problems (f, 30, "accepting connections again"));
  g_assert_cmpuint (count_problems (f, 30, "accepting connections again"), <=,
                    count_problems (f, 40, "cannot accept connections"));

  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &saved), ==, 0);
  peer_clear (&attacker);
  peer_clear (&sender);

  /* Running out is said once, not again each time a freed descriptor is
   * taken at once by the next connection waiting. */
  g_assert_cmpuint (n_cannot, <=, 3);
}

/* 10. TLS */

/* A certificate and its key, made with openssl in the tmpdir: self-signed,
 * or for a client and signed by the CA made as @ca. */
static void
make_certificate (Fixture     *f,
                  const char  *name,
                  const char  *subject,
                  const char  *ca,
                  char       **cert,
                  char       **key)
{
  g_autofree char *program = g_find_program_in_path ("openssl");
  g_autofree char *ca_cert = NULL;
  g_autofree char *ca_key = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) openssl = NULL;
  g_autoptr(GError) error = NULL;
  const char *base[] = {
    program, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", subject,
    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", NULL, "-out", NULL,
  };
  Peer wait = { 0 };

  if (program == NULL)
    g_error ("openssl is needed (build-aux/install-deps installs it)");
  *cert = g_strdup_printf ("%s/%s-cert.pem", f->tmpdir, name);
  *key = g_strdup_printf ("%s/%s-key.pem", f->tmpdir, name);
  base[G_N_ELEMENTS (base) - 3] = *key;
  base[G_N_ELEMENTS (base) - 1] = *cert;

  for (guint i = 0; i < G_N_ELEMENTS (base); i++)
    g_ptr_array_add (argv, (char *) base[i]);
  if (ca != NULL)
    {
      ca_cert = g_strdup_printf ("%s/%s-cert.pem", f->tmpdir, ca);
      ca_key = g_strdup_printf ("%s/%s-key.pem", f->tmpdir, ca);
      g_ptr_array_add (argv, "-CA");
      g_ptr_array_add (argv, ca_cert);
      g_ptr_array_add (argv, "-CAkey");
      g_ptr_array_add (argv, ca_key);
      g_ptr_array_add (argv, "-addext");
      g_ptr_array_add (argv, "extendedKeyUsage=clientAuth");
    }
  g_ptr_array_add (argv, NULL);

  openssl = g_subprocess_newv ((const char *const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                               | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  g_assert_no_error (error);
  g_subprocess_wait_async (openssl, NULL, on_peer_exited, &wait);
  WAIT_UNTIL (wait.done, 60);
  g_assert_true (g_subprocess_get_successful (openssl));
}

static void
test_tls (Fixture *f)
{
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autofree char *plain_http = build_request ("GET", "/log?msg=plain%20http%20record", NULL,
                                               NULL);
  g_autofree char *response = NULL;
  LdIngestSecurity security = { 0 };
  LdListenLimits limits;
  LdConnection *connection;
  guint n_refused;

  make_certificate (f, "server", "/CN=localhost", NULL, &cert, &key);
  security.tls_cert_file = cert;
  security.tls_key_file = key;
  small_limits (&limits);
  fixture_listen (f, &limits, &security);

  {
    const char *args[] = { "--cafile", cert, "--records", "50", "--message", "tls record",
                           NULL };
    g_autofree char *output = run_peer ("send_records.py", f->tcp_port, args, 60);
  }
  WAIT_UNTIL (count_messages (f, "tls record") == 50, 20);
  connection = wait_for_state (f->registry, "tcp-1", LD_CONNECTION_CLOSED);
  g_assert_true (ld_connection_is_encrypted (connection));
  g_assert_true (ld_connection_is_encrypted (ld_connection_registry_lookup (f->registry,
                                                                            "tcp")));
  g_assert_true (ld_connection_is_encrypted (ld_connection_registry_lookup (f->registry,
                                                                            "http")));

  {
    const char *post[] = { "--method", "POST", "--cafile", cert, "--records", "3",
                           "--message", "https post", NULL };
    const char *get[] = { "--method", "GET", "--cafile", cert, "--records", "3",
                          "--message", "https get", NULL };

    g_assert_cmpint (http_send (f->http_port, "handler", post), ==, 0);
    g_assert_cmpint (http_send (f->http_port, "handler", get), ==, 0);
  }
  WAIT_UNTIL (count_messages (f, "https post") == 3 && count_messages (f, "https get") == 3, 20);

  /* Plain text on a TLS port is no record. */
  {
    const char *args[] = { "--records", "5", "--message", "plaintext record", NULL };
    g_autofree char *output = run_peer ("send_records.py", f->tcp_port, args, 60);
  }
  /* SocketHandler connects again after a failed send: one or more refusals. */
  WAIT_UNTIL ((n_refused = count_problems (f, 40, "TLS handshake")) >= 1, 20);
  g_assert_nonnull (find_problem (f, "tcp: the TLS handshake with 127.0.0.1:"));
  response = http_exchange (f->http_port, plain_http);
  g_assert_false (g_str_has_prefix (response, "HTTP/1.1 200"));
  WAIT_UNTIL (find_problem (f, "http: the TLS handshake with 127.0.0.1:") != NULL, 20);
  g_assert_cmpuint (count_messages (f, "plaintext record"), ==, 0);
  g_assert_cmpuint (count_messages (f, "plain http record"), ==, 0);
}

/* Clients must show a certificate that the client CA signed. */
static void
test_tls_client_ca (Fixture *f)
{
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autofree char *ca_cert = NULL;
  g_autofree char *ca_key = NULL;
  g_autofree char *client_cert = NULL;
  g_autofree char *client_key = NULL;
  g_autofree char *other_cert = NULL;
  g_autofree char *other_key = NULL;
  LdIngestSecurity security = { 0 };
  LdListenLimits limits;
  guint n_refused;

  make_certificate (f, "server", "/CN=localhost", NULL, &cert, &key);
  make_certificate (f, "ca", "/CN=logdeck-test-ca", NULL, &ca_cert, &ca_key);
  make_certificate (f, "client", "/CN=logdeck-test-client", "ca", &client_cert, &client_key);
  make_certificate (f, "stranger", "/CN=logdeck-test-stranger", NULL, &other_cert, &other_key);
  security.tls_cert_file = cert;
  security.tls_key_file = key;
  security.tls_client_ca_file = ca_cert;
  small_limits (&limits);
  fixture_listen (f, &limits, &security);

  /* A refused SocketHandler connects again for its next record, and may be
   * refused more than once. */
  {
    const char *args[] = { "--cafile", cert, "--records", "5", "--message",
                           "client without certificate", NULL };
    g_autofree char *output = run_peer ("send_records.py", f->tcp_port, args, 60);
  }
  WAIT_UNTIL ((n_refused = count_problems (f, 40, "TLS handshake")) >= 1, 20);
  g_assert_nonnull (find_problem (f, "did not send a certificate"));

  {
    const char *args[] = { "--cafile", cert, "--cert", other_cert, "--key", other_key,
                           "--records", "5", "--message", "client with another certificate",
                           NULL };
    g_autofree char *output = run_peer ("send_records.py", f->tcp_port, args, 60);
  }
  WAIT_UNTIL (count_problems (f, 40, "TLS handshake") > n_refused, 20);
  iterate_for (0.5);
  n_refused = count_problems (f, 40, "TLS handshake");

  {
    const char *args[] = { "--cafile", cert, "--cert", client_cert, "--key", client_key,
                           "--records", "20", "--message", "client with certificate", NULL };
    g_autofree char *output = run_peer ("send_records.py", f->tcp_port, args, 60);
  }
  WAIT_UNTIL (count_messages (f, "client with certificate") == 20
              || count_problems (f, 40, "TLS handshake") > n_refused, 20);
  iterate_for (0.2);
  for (guint i = 0; i < ld_store_get_n_records (f->store); i++)
    {
      g_autofree char *message = message_of (ld_store_get_record (f->store, i));

      if (strstr (message, "TLS handshake") != NULL)
        note ("%s", message);
    }
  g_assert_cmpuint (count_problems (f, 40, "TLS handshake"), ==, n_refused);
  g_assert_cmpuint (count_messages (f, "client with certificate"), ==, 20);
  g_assert_cmpuint (count_messages (f, "client without certificate"), ==, 0);
  g_assert_cmpuint (count_messages (f, "client with another certificate"), ==, 0);
}

/* 11. Listening beyond loopback */

/* Tries to listen on @address with a fresh ingest thread, then stops it. */
static gboolean
try_listen (const LdIngestSecurity *security,
            const char             *kind,
            const char             *address,
            GError                **error)
{
  LdStore *store = ld_store_new (0);
  LdHandoff *handoff = ld_handoff_new (NULL, drain_into_store, store, NULL);
  LdConnectionRegistry *registry = ld_connection_registry_new ();
  LdIngest *ingest = ld_ingest_new (handoff, registry);
  gboolean ok;

  if (security != NULL)
    g_assert_true (ld_ingest_set_security (ingest, security, NULL));
  if (g_str_equal (kind, "tcp"))
    ok = ld_ingest_add_tcp (ingest, address, 0, error);
  else if (g_str_equal (kind, "udp"))
    ok = ld_ingest_add_udp (ingest, address, 0, error);
  else
    ok = ld_ingest_add_http (ingest, address, 0, error);
  if (ok)
    g_assert_cmpuint (ld_ingest_get_bound_port (ingest, kind), >, 0);

  ld_ingest_free (ingest);
  ld_handoff_shutdown (handoff);
  ld_handoff_unref (handoff);
  g_assert_finalize_object (registry);
  g_assert_finalize_object (store);

  return ok;
}

static void
assert_refused_beyond_loopback (const LdIngestSecurity *security,
                                const char             *kind)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (try_listen (security, kind, "0.0.0.0", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_nonnull (strstr (error->message, "--insecure"));
}

static void
test_exposure (Fixture *f)
{
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  LdIngestSecurity insecure = { .insecure = TRUE };
  LdIngestSecurity token = { .token = "s3cret" };
  LdIngestSecurity tls = { 0 };

  make_certificate (f, "server", "/CN=localhost", NULL, &cert, &key);
  tls.tls_cert_file = cert;
  tls.tls_key_file = key;

  assert_refused_beyond_loopback (NULL, "tcp");
  assert_refused_beyond_loopback (NULL, "http");
  assert_refused_beyond_loopback (NULL, "udp");
  g_assert_true (try_listen (NULL, "tcp", "127.0.0.1", NULL));
  g_assert_true (try_listen (NULL, "udp", "127.0.0.1", NULL));

  g_assert_true (try_listen (&insecure, "tcp", "0.0.0.0", NULL));
  g_assert_true (try_listen (&insecure, "http", "0.0.0.0", NULL));
  g_assert_true (try_listen (&insecure, "udp", "0.0.0.0", NULL));

  g_assert_true (try_listen (&tls, "tcp", "0.0.0.0", NULL));
  g_assert_true (try_listen (&tls, "http", "0.0.0.0", NULL));
  assert_refused_beyond_loopback (&tls, "udp");

  /* A token guards HTTP only: the TCP port cannot ask for one. */
  g_assert_true (try_listen (&token, "http", "0.0.0.0", NULL));
  assert_refused_beyond_loopback (&token, "tcp");
  assert_refused_beyond_loopback (&token, "udp");
}

/* 12. Good senders under attack */

typedef struct
{
  guint   next;
  guint8 *seen;
  guint   n_distinct;
  guint   n_duplicates;
} LoadCount;

/* Counts the "load S-N" records that arrived since the last call. */
static gboolean
load_complete (Fixture   *f,
               LoadCount *count)
{
  guint n = ld_store_get_n_records (f->store);

  for (; count->next < n; count->next++)
    {
      const LdRecord *record = ld_store_get_record (f->store, count->next);
      g_autofree char *message = NULL;
      guint sender;
      guint seq;

      if (!g_str_has_prefix (field (record->logger), "load."))
        continue;
      message = message_of (record);
      g_assert_cmpint (sscanf (message, "load %u-%u", &sender, &seq), ==, 2);
      g_assert_cmpuint (sender, <, LOAD_SENDERS);
      g_assert_cmpuint (seq, <, LOAD_RECORDS);
      if (count->seen[sender * LOAD_RECORDS + seq]++ == 0)
        count->n_distinct++;
      else
        count->n_duplicates++;
    }

  return count->n_distinct == LOAD_SENDERS * LOAD_RECORDS;
}

static void
test_load (Fixture *f)
{
  const char *hold[] = { "--connections", G_STRINGIFY (LOAD_IDLE),
                         "--slowloris", G_STRINGIFY (LOAD_SLOWLORIS), "--reconnect",
                         "--seconds", "120", NULL };
  const char *garbage[] = { "--seconds", "120", "--rate", "2000000", NULL };
  const char *load[] = { "--senders", G_STRINGIFY (LOAD_SENDERS),
                         "--records", G_STRINGIFY (LOAD_RECORDS), NULL };
  g_autofree guint8 *seen = g_new0 (guint8, LOAD_SENDERS * LOAD_RECORDS);
  g_autofree char *last_attacker = g_strdup_printf ("tcp-%u", LOAD_IDLE + LOAD_SLOWLORIS);
  LoadCount count = { 0, seen, 0, 0 };
  LdListenLimits limits;
  Peer attacker;
  Peer noise;
  Peer senders;

  ld_listen_limits_init_default (&limits);
  limits.header_timeout_us = 2 * G_USEC_PER_SEC;
  fixture_listen (f, &limits, NULL);

  peer_start (&attacker, "hold_connections.py", f->tcp_port, hold, FALSE);
  WAIT_UNTIL (ld_connection_registry_lookup (f->registry, last_attacker) != NULL, 60);
  peer_start (&noise, "send_garbage.py", f->tcp_port, garbage, FALSE);
  peer_start (&senders, "send_load.py", f->tcp_port, load, FALSE);

  peer_finish (&senders, 120);
  WAIT_UNTIL (load_complete (f, &count), 30);
  /* The attack was on: idle connections made room, stalled frames were
   * cut, and garbage was refused. */
  WAIT_UNTIL (count_problems (f, 30, "not finished in time") >= 1, 20);
  WAIT_UNTIL (count_problems (f, 40, "bad frame") >= 1, 20);
  g_assert_cmpuint (count_problems (f, 30, "closed to make room"), >=, 1);
  g_assert_cmpuint (count.n_duplicates, ==, 0);
  note ("%u records from the senders; %u connections closed to make room, %u frames "
        "not finished in time", count.n_distinct, count_problems (f, 30, "closed to make room"),
        count_problems (f, 30, "not finished in time"));

  peer_kill (&noise);
  peer_kill (&attacker);
  g_assert_true (load_complete (f, &count));
  g_assert_cmpuint (count.n_duplicates, ==, 0);
  peer_clear (&attacker);
  peer_clear (&noise);
  peer_clear (&senders);
}

/* 13. Found in review: each case runs what a reviewer's script did, bounded */

/* A WebSocket session whose deadline passes while it is already closing:
 * it must end there, not start closing again with a second close timer
 * (which fired on the freed session). */
static void
test_ws_closing_deadline (Fixture *f)
{
  const char *args[] = { "closing-deadline", "--busy-seconds", "2", NULL };
  const char *ws[] = { "--message", "ws after the closing session", NULL };
  g_autofree char *output = NULL;
  g_autoptr(JsonObject) result = NULL;
  LdListenLimits limits;
  double error_at;
  double closed_at;

  small_limits (&limits);
  g_assert_cmpint (limits.body_timeout_us, ==, 2 * G_USEC_PER_SEC);
  fixture_listen (f, &limits, NULL);

  /* The client fills the server's socket buffer with pongs it never reads,
   * more wait in the session, it starts a message (busy: 2 s from now) and
   * 1.6 s later breaks the protocol: the session's close frame cannot be
   * written, and the deadline passes while it waits. */
  output = run_peer ("ws_misbehave.py", f->http_port, args, 60);
  note ("%s", g_strstrip (output));
  result = result_of (output, "closing-deadline");
  g_assert_cmpint (json_object_get_int_member (result, "status"), ==, 0);
  error_at = json_object_get_double_member (result, "error_at");
  closed_at = json_object_get_double_member (result, "closed_at");

  wait_for_state (f->registry, "ws-1", LD_CONNECTION_ERROR);
  /* A second close timer, left behind, would fire within its 2 s on the
   * freed session (AddressSanitizer: heap-use-after-free). */
  iterate_for (2.5);

  WAIT_UNTIL (count_problems (f, 40, "a fragment out of order") == 1, 20);
  /* The plan held: the protocol error came first, and the pongs stayed
   * under the session's limit. */
  g_assert_null (find_problem (f, "reads none of its pongs"));
  /* The deadline ended the closing session at once, before the close
   * timeout (2 s after the protocol error) would have, and without
   * starting to close it again. */
  g_assert_cmpfloat (closed_at, >=, 1.9);
  g_assert_cmpfloat (closed_at - error_at, <, 1.9);
  g_assert_null (find_problem (f, "a message was not finished in time"));

  g_assert_cmpint (http_send (f->http_port, "ws", ws), ==, 101);
  WAIT_UNTIL (find_message (f, "ws after the closing session") != NULL, 20);
  g_assert_cmpuint (count_problems (f, 0, "ws-2"), ==, 0);
}

/* A client over TLS that never reads its pongs: its session is closed, and
 * closing it does not wait for the client to read the close alert. The
 * ingest thread goes on while the client still holds its connection. */
static void
test_wss_pong_hog (Fixture *f)
{
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  LdIngestSecurity security = { 0 };
  LdListenLimits limits;
  LdConnection *connection;
  gint64 start;
  Peer hog;

  make_certificate (f, "server", "/CN=localhost", NULL, &cert, &key);
  security.tls_cert_file = cert;
  security.tls_key_file = key;
  small_limits (&limits);
  fixture_listen (f, &limits, &security);

  {
    const char *args[] = { "pong-hog", "--cafile", cert, "--hold", "60", NULL };

    peer_start (&hog, "ws_misbehave.py", f->http_port, args, FALSE);
  }
  /* The records are handed over before the connection is closed: an
   * ingest thread frozen there hands over nothing more. */
  WAIT_UNTIL (find_problem (f, "ws-1: the client reads none of its pongs") != NULL, 30);
  /* Said once the connection is closed. */
  connection = wait_for_state (f->registry, "ws-1", LD_CONNECTION_ERROR);
  g_assert_true (ld_connection_is_encrypted (connection));

  start = g_get_monotonic_time ();
  {
    const char *args[] = { "--cafile", cert, "--records", "5", "--message", "tls while hogged",
                           NULL };
    g_autofree char *output = run_peer ("send_records.py", f->tcp_port, args, 30);
  }
  WAIT_UNTIL (count_messages (f, "tls while hogged") == 5, 20);
  {
    const char *post[] = { "--method", "POST", "--cafile", cert, "--records", "3",
                           "--message", "https while hogged", NULL };

    g_assert_cmpint (http_send (f->http_port, "handler", post), ==, 0);
  }
  WAIT_UNTIL (count_messages (f, "https while hogged") == 3, 20);
  note ("records from two TLS senders in %.1f s after the hog's session closed",
        (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);

  /* The hog was there all along, reading nothing. */
  g_assert_false (hog.done);
  peer_kill (&hog);
  note ("%s", g_strstrip (hog.output));
  g_assert_cmpint (status_of (hog.output, "pong-hog"), ==, 0);
  peer_clear (&hog);
}

/* Runs a stream_misbehave.py body scenario against @path; returns what
 * the peer printed, and how much this process's resident size grew at
 * most meanwhile. */
static JsonObject *
send_unbounded_body (Fixture    *f,
                     const char *path,
                     gssize     *growth)
{
  const char *args[] = { "body", "--path", path, "--length", "1900000000", "--seconds", "3",
                         NULL };
  g_autofree char *output = NULL;
  gssize before = resident_bytes ();
  gssize peak = before;
  Peer peer;

  peer_start (&peer, "stream_misbehave.py", f->http_port, args, FALSE);
  WAIT_UNTIL (((peak = MAX (peak, resident_bytes ())), peer.done), 60);
  peer_finish (&peer, 1);
  output = g_steal_pointer (&peer.output);
  *growth = peak - before;
  note ("POST %s: resident grew by %zd MiB at most: %s", path, *growth >> 20,
        g_strstrip (output));

  return result_of (output, "body");
}

/* Bodies nobody takes: the answer comes from the headers while the client
 * is still sending, and none of it is kept. */
static void
test_unbounded_bodies (Fixture *f)
{
  const LdIngestSecurity security = { .token = "s3cret" };
  const char *good[] = { "--token", "s3cret", "--message", "json after the bodies", NULL };
  g_autoptr(JsonObject) ws = NULL;
  g_autoptr(JsonObject) nothing = NULL;
  LdListenLimits limits;
  gssize ws_growth;
  gssize nothing_growth;

  small_limits (&limits);
  fixture_listen (f, &limits, &security);

  /* A path that takes nothing, and /ws without the token. */
  nothing = send_unbounded_body (f, "/nothing", &nothing_growth);
  ws = send_unbounded_body (f, "/ws", &ws_growth);

  g_assert_cmpint (http_send (f->http_port, "json", good), ==, 200);
  WAIT_UNTIL (find_message (f, "json after the bodies") != NULL, 20);

  g_assert_cmpint (json_object_get_int_member (nothing, "status"), ==, 404);
  g_assert_true (json_object_get_boolean_member (nothing, "while_sending"));
  WAIT_UNTIL (count_problems (f, 40, "refused (404)") == 1, 20);
  g_assert_cmpint (nothing_growth, <, MAX_RSS_GROWTH);
  /* Refused from the headers, before the upgrade could be looked at. */
  g_assert_cmpint (json_object_get_int_member (ws, "status"), ==, 401);
  g_assert_true (json_object_get_boolean_member (ws, "while_sending"));
  WAIT_UNTIL (count_problems (f, 40, "refused (401)") == 1, 20);
  g_assert_cmpint (ws_growth, <, MAX_RSS_GROWTH);
}

/* A sender whose writes all end in the middle of a line finishes a line
 * with each: the header timeout is for the line in progress. */
static void
test_straddle (Fixture *f)
{
  const char *args[] = { "straddle", "--lines", "20", "--interval", "0.2", "--message",
                         "straddled line", NULL };
  g_autofree char *output = NULL;
  LdListenLimits limits;

  small_limits (&limits);
  g_assert_cmpint (limits.header_timeout_us, ==, 1 * G_USEC_PER_SEC);
  fixture_listen (f, &limits, NULL);

  output = run_peer ("stream_misbehave.py", f->tcp_port, args, 30);
  note ("%s", g_strstrip (output));
  g_assert_cmpint (status_of (output, "straddle"), ==, 0);
  wait_for_state (f->registry, "tcp-1", LD_CONNECTION_CLOSED);
  WAIT_UNTIL (count_messages (f, "straddled line ") == 20, 20);
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *message = g_strdup_printf ("straddled line %03u", i);

      g_assert_nonnull (find_message (f, message));
    }
  iterate_for (0.2);
  g_assert_cmpuint (count_messages (f, "straddled line "), ==, 20);
  g_assert_null (find_problem (f, "not finished in time"));
}

/* Invalid JSON over WebSocket is rate-limited like the other sources. */
static void
test_ws_json_flood (Fixture *f)
{
  const char *args[] = { "json-flood", "--messages", "20000", "--message", "ws flood", NULL };
  g_autofree char *output = NULL;
  LdListenLimits limits;
  guint n_errors;
  guint64 n_suppressed;
  gint64 start;
  double elapsed;

  small_limits (&limits);
  fixture_listen (f, &limits, NULL);

  start = g_get_monotonic_time ();
  output = run_peer ("ws_misbehave.py", f->http_port, args, 60);
  g_assert_cmpint (status_of (output, "json-flood"), ==, 0);
  wait_for_state (f->registry, "ws-1", LD_CONNECTION_CLOSED);
  elapsed = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  WAIT_UNTIL (find_message (f, "ws flood after") != NULL, 20);
  g_assert_nonnull (find_message (f, "ws flood before"));
  iterate_for (0.3);

  n_errors = count_problems (f, 40, "invalid JSON");
  note ("%u error records in %.1f s", n_errors, elapsed);
  g_assert_cmpuint (n_errors, >=, 1);
  g_assert_cmpuint (n_errors, <=, LD_PROBLEMS_BURST + LD_PROBLEMS_PER_SECOND * elapsed + 2);
  g_assert_cmpuint (n_errors, <, 100);

  /* The session's summary comes when it ends; every bad message is either
   * reported or counted. */
  WAIT_UNTIL (count_problems (f, 0, "ws-1: ") > n_errors && count_suppressed (f) > 0, 20);
  for (guint i = 0; i < ld_store_get_n_records (f->store); i++)
    {
      const LdRecord *record = ld_store_get_record (f->store, i);

      if (is_problem (record) && message_contains (record, "suppressed"))
        g_assert_true (message_contains (record, "ws-1: "));
    }
  n_suppressed = count_suppressed (f);
  note ("%" G_GUINT64_FORMAT " suppressed", n_suppressed);
  g_assert_cmpuint (n_errors + n_suppressed, ==, 20000);
}

/* With the token, any client may send: websocket-client sends the
 * server's own address as its Origin. Without it, the Origin is a web
 * page's. */
static void
test_token_origin (Fixture *f)
{
  const LdIngestSecurity security = { .token = "s3cret" };
  g_autofree char *origin = NULL;
  LdListenLimits limits;
  gint64 status;

  small_limits (&limits);
  fixture_listen (f, &limits, &security);
  /* Only sent, never connected to. */
  origin = g_strdup_printf ("http://192.0.2.10:%u", f->http_port);

  {
    const char *args[] = { "origin", "--origin", origin, "--token", "s3cret", "--message",
                           "origin with token", NULL };
    g_autofree char *output = run_peer ("ws_misbehave.py", f->http_port, args, 30);

    g_assert_cmpint (status_of (output, "origin"), ==, 101);
  }
  WAIT_UNTIL (find_message (f, "origin with token") != NULL, 20);

  {
    const char *args[] = { "origin", "--origin", origin, "--message", "origin without token",
                           NULL };
    g_autofree char *output = run_peer ("ws_misbehave.py", f->http_port, args, 30);

    status = status_of (output, "origin");
    note ("without the token: %" G_GINT64_FORMAT, status);
    g_assert_true (status == 403 || status == 401);
  }
  {
    const char *args[] = { "origin", "--origin", origin, "--token", "s3cre", "--message",
                           "origin with wrong token", NULL };
    g_autofree char *output = run_peer ("ws_misbehave.py", f->http_port, args, 30);

    status = status_of (output, "origin");
    note ("with a wrong token: %" G_GINT64_FORMAT, status);
    g_assert_true (status == 403 || status == 401);
  }
  WAIT_UNTIL (count_problems (f, 40, "refused (403)") + count_problems (f, 40, "refused (401)")
              == 2, 20);
  iterate_for (0.2);
  g_assert_cmpuint (count_messages (f, "origin with"), ==, 1);
}

/* Silent connections on a TLS port hold at most as many handshakes as run
 * at once; a real sender gets its turn once they have timed out. */
static void
test_tls_handshake_cap (Fixture *f)
{
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  LdIngestSecurity security = { 0 };
  LdListenLimits limits;
  GSocket *silent[40];
  guint threads_before;
  guint max_threads;
  gint64 start;
  Peer patient;

  make_certificate (f, "server", "/CN=localhost", NULL, &cert, &key);
  security.tls_cert_file = cert;
  security.tls_key_file = key;
  small_limits (&limits);
  limits.header_timeout_us = 2 * G_USEC_PER_SEC;
  fixture_listen (f, &limits, &security);

  threads_before = max_threads = count_threads ();
  for (guint i = 0; i < G_N_ELEMENTS (silent); i++)
    silent[i] = client_connect (f->tcp_port);
  iterate_for (0.3);

  start = g_get_monotonic_time ();
  {
    const char *args[] = { "patient-tls", "--cafile", cert, "--records", "10", "--message",
                           "patient tls", "--timeout", "30", NULL };

    peer_start (&patient, "stream_misbehave.py", f->tcp_port, args, FALSE);
  }
  WAIT_UNTIL (((max_threads = MAX (max_threads, count_threads ())), patient.done), 40);
  peer_finish (&patient, 1);
  WAIT_UNTIL (count_messages (f, "patient tls") == 10, 20);
  note ("the sender's records in after %.1f s; %u threads before, at most %u while waiting",
        (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC, threads_before,
        max_threads);
  /* Each handshake holds a thread of GIO's pool while it runs: at most 16
   * run at once (and a few threads more do other work). */
  g_assert_cmpuint (max_threads, <=, threads_before + 16 + 6);

  /* The silent ones were closed for taking too long. */
  WAIT_UNTIL (count_problems (f, 40, "it took too long") >= 1, 20);
  for (guint i = 0; i < G_N_ELEMENTS (silent); i++)
    {
      WAIT_UNTIL (poll_closed (silent[i], NULL), 20);
      g_object_unref (silent[i]);
    }
  peer_clear (&patient);
}

/* The HTTP and OTLP request bodies in flight share one budget */

#define BUDGET        (1024 * 1024)
#define OTLP_JSON     "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"body\":" \
                      "{\"stringValue\":\"%s\"}}]}]}]}"

/* A request for @path whose JSON body, padded with spaces to @size bytes,
 * carries @message as a record; the OTLP endpoint gets an OTLP document. */
static char *
padded_request (const char *path,
                const char *message,
                gsize       size,
                gsize      *headers_length)
{
  gboolean otlp = g_str_equal (path, "/v1/logs");
  g_autofree char *json = otlp ? g_strdup_printf (OTLP_JSON, message)
                               : g_strdup_printf ("{\"message\": \"%s\"}", message);
  GString *request = g_string_new (NULL);

  g_assert_cmpuint (strlen (json), <, size);
  g_string_append_printf (request, "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Content-Type: application/json\r\nContent-Length: %zu\r\n"
                          "Connection: close\r\n\r\n", path, size);
  *headers_length = request->len;
  g_string_append (request, json);
  while (request->len < *headers_length + size)
    g_string_append_c (request, ' ');

  return g_string_free (request, FALSE);
}

/* A request whose headers and all its body but HELD_BACK bytes are sent: it
 * holds that much of the budget until it is finished, or its connection is
 * dropped. */
#define HELD_BACK     10000

typedef struct
{
  GSocket *socket;
  char    *request;
  gsize    length;
  gsize    sent;
  GString *received;
} HeldRequest;

static void
held_start (HeldRequest *held,
            guint16      port,
            const char  *path,
            const char  *message,
            gsize        size)
{
  gsize headers_length;

  held->request = padded_request (path, message, size, &headers_length);
  held->length = strlen (held->request);
  held->sent = headers_length + size - HELD_BACK;
  held->received = g_string_new (NULL);
  held->socket = client_connect (port);
  g_assert_true (send_or_closed (held->socket, held->request, held->sent));
}

/* Sends the rest, and returns the status line of the answer. */
static char *
held_finish (HeldRequest *held)
{
  g_assert_true (send_or_closed (held->socket, held->request + held->sent,
                                 held->length - held->sent));
  WAIT_UNTIL (poll_closed (held->socket, held->received), 20);

  return status_line (held->received->str);
}

static void
held_clear (HeldRequest *held)
{
  g_clear_object (&held->socket);
  g_clear_pointer (&held->request, g_free);
  if (held->received != NULL)
    g_string_free (g_steal_pointer (&held->received), TRUE);
}

/* A chunked request of @n_chunks chunks of @chunk_size, whose size is
 * known only as it grows. */
static char *
chunked_request (const char *path,
                 gsize       n_chunks,
                 gsize       chunk_size)
{
  GString *request = g_string_new (NULL);
  g_autofree char *chunk = g_malloc (chunk_size);

  g_string_printf (request, "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   "Content-Type: application/json\r\n"
                   "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n", path);
  memset (chunk, ' ', chunk_size);
  for (gsize i = 0; i < n_chunks; i++)
    {
      g_string_append_printf (request, "%zx\r\n", chunk_size);
      g_string_append_len (request, chunk, chunk_size);
      g_string_append (request, "\r\n");
    }
  g_string_append (request, "0\r\n\r\n");

  return g_string_free (request, FALSE);
}

/* Sends @request on a new connection: whether the answer starts with @status. */
static gboolean
answers_with (guint16     port,
              const char *request,
              const char *status)
{
  g_autofree char *response = http_exchange (port, request);

  return g_str_has_prefix (response, status);
}

/* Whether a request that declares @size bytes is refused from its headers
 * for want of budget. It sends no body, and so holds none while it waits. */
static gboolean
refused_for_budget (guint16     port,
                    const char *path,
                    gsize       size)
{
  gsize headers_length;
  g_autofree char *request = padded_request (path, "probe", size, &headers_length);
  g_autoptr(GSocket) socket = client_connect (port);
  g_autoptr(GString) received = g_string_new (NULL);
  gint64 end = g_get_monotonic_time () + G_USEC_PER_SEC / 2;

  g_assert_true (send_or_closed (socket, request, headers_length));
  while (received->len == 0 && !poll_closed (socket, received) && g_get_monotonic_time () < end)
    g_usleep (10000);
  if (received->len == 0)
    return FALSE;

  g_assert_true (g_str_has_prefix (received->str, "HTTP/1.1 503 Service Unavailable\r\n"));
  g_assert_nonnull (strstr (received->str, "\r\nRetry-After: 1\r\n"));
  g_assert_nonnull (strstr (received->str, "budget of 1048576 bytes"));
  return TRUE;
}

/* A body whose declared length would pass what is left of the budget is
 * refused from its headers with 503 and Retry-After, at either endpoint;
 * the body that holds the budget is served when it finishes. */
static void
check_declared_over_budget (Fixture *f,
                            guint16  otlp_port)
{
  g_autofree char *status = NULL;
  HeldRequest held = { 0 };

  held_start (&held, f->http_port, "/log", "held body", 800000);
  /* Once the held bytes are in, 258,576 bytes are left. */
  WAIT_UNTIL (refused_for_budget (otlp_port, "/v1/logs", 300000), 20);
  g_assert_true (refused_for_budget (f->http_port, "/log", 300000));
  status = held_finish (&held);
  g_assert_cmpstr (status, ==, "HTTP/1.1 200 OK");
  WAIT_UNTIL (find_message (f, "held body") != NULL, 20);
  held_clear (&held);
}

/* A chunked body that grows past what is left is refused when it ends,
 * with 503 and Retry-After (for OTLP, a google.rpc.Status UNAVAILABLE,
 * which exporters retry); one larger than the whole budget with 413. */
static void
check_growing_over_budget (Fixture *f,
                           guint16  otlp_port)
{
  g_autofree char *growing = chunked_request ("/log", 6, 100000);
  g_autofree char *growing_otlp = chunked_request ("/v1/logs", 6, 100000);
  g_autofree char *huge = chunked_request ("/log", 12, 100000);
  g_autofree char *response = NULL;
  g_autofree char *otlp_response = NULL;
  g_autofree char *status = NULL;
  g_autofree char *held_status = NULL;
  HeldRequest held = { 0 };

  held_start (&held, f->http_port, "/log", "held while growing", 600000);
  /* Once the held bytes are in, 458,576 bytes are left. */
  WAIT_UNTIL (refused_for_budget (otlp_port, "/v1/logs", 500000), 20);
  response = http_exchange (f->http_port, growing);
  g_assert_true (g_str_has_prefix (response, "HTTP/1.1 503 Service Unavailable\r\n"));
  g_assert_nonnull (strstr (response, "\r\nRetry-After: 1\r\n"));
  otlp_response = http_exchange (otlp_port, growing_otlp);
  g_assert_true (g_str_has_prefix (otlp_response, "HTTP/1.1 503 Service Unavailable\r\n"));
  g_assert_nonnull (strstr (otlp_response, "\r\nRetry-After: 1\r\n"));
  g_assert_nonnull (strstr (otlp_response, "{\"code\":14,"));
  held_status = held_finish (&held);
  g_assert_cmpstr (held_status, ==, "HTTP/1.1 200 OK");
  WAIT_UNTIL (find_message (f, "held while growing") != NULL, 20);
  held_clear (&held);

  status = http_status (f->http_port, huge);
  g_assert_cmpstr (status, ==, "HTTP/1.1 413 Request Entity Too Large");
}

/* A body whose connection dies gives its share back: a body that needs
 * nearly all of the budget is served after a while, as Retry-After says. */
static void
check_released_on_disconnect (Fixture *f,
                              guint16  otlp_port)
{
  gsize headers_length;
  g_autofree char *large = padded_request ("/v1/logs", "large after the drop", 900000,
                                           &headers_length);
  HeldRequest held = { 0 };

  held_start (&held, f->http_port, "/log", "dropped body", 900000);
  /* Once the held bytes are in, 158,576 bytes are left. */
  WAIT_UNTIL (refused_for_budget (otlp_port, "/v1/logs", 200000), 20);
  g_socket_close (held.socket, NULL);
  held_clear (&held);

  WAIT_UNTIL (answers_with (otlp_port, large, "HTTP/1.1 200 OK\r\n"), 20);
  WAIT_UNTIL (find_message (f, "large after the drop") != NULL, 20);
  g_assert_null (find_message (f, "dropped body"));
}

static void
test_bodies_in_flight (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *small = build_request ("POST", "/log", "Content-Type: application/json\r\n",
                                          "{\"message\": \"small after the budget\"}");
  g_autofree char *status = NULL;
  LdListenLimits limits;
  guint16 otlp_port;

  small_limits (&limits);
  limits.body_timeout_us = 30 * G_USEC_PER_SEC;
  limits.max_bodies_in_flight = BUDGET;
  fixture_listen (f, &limits, NULL);
  ld_ingest_add_otlp (f->ingest, "127.0.0.1", 0, &error);
  g_assert_no_error (error);
  otlp_port = ld_ingest_get_bound_port (f->ingest, "otlp");

  check_declared_over_budget (f, otlp_port);
  check_growing_over_budget (f, otlp_port);
  check_released_on_disconnect (f, otlp_port);

  /* The server still takes a small request, and the refusals were seen. */
  status = http_status (f->http_port, small);
  g_assert_cmpstr (status, ==, "HTTP/1.1 200 OK");
  WAIT_UNTIL (find_message (f, "small after the budget") != NULL, 20);
  g_assert_nonnull (find_problem (f, "refused (503): The request bodies in flight would pass "
                                  "the budget of 1048576 bytes"));
  g_assert_nonnull (find_problem (f, "refused (413): The body is over the budget of 1048576"));
}

typedef struct
{
  const char *path;
  void      (*func) (Fixture *f);
} Case;

static const Case cases[] = {
  { "/hardening/empty-post", test_empty_post },
  { "/hardening/early-413", test_early_413 },
  { "/hardening/slowloris-tcp", test_slowloris_tcp },
  { "/hardening/slowloris-http", test_slowloris_http },
  { "/hardening/idle-lockout", test_idle_lockout },
  { "/hardening/error-flood", test_error_flood },
  { "/hardening/browser", test_browser },
  { "/hardening/token", test_token },
  { "/hardening/forwarded-for", test_forwarded_for },
  { "/hardening/fd-exhaustion", test_fd_exhaustion },
  { "/hardening/tls", test_tls },
  { "/hardening/tls-client-ca", test_tls_client_ca },
  { "/hardening/exposure", test_exposure },
  { "/hardening/load", test_load },
  { "/hardening/ws-closing-deadline", test_ws_closing_deadline },
  { "/hardening/wss-pong-hog", test_wss_pong_hog },
  { "/hardening/unbounded-bodies", test_unbounded_bodies },
  { "/hardening/straddle", test_straddle },
  { "/hardening/ws-json-flood", test_ws_json_flood },
  { "/hardening/token-origin", test_token_origin },
  { "/hardening/tls-handshake-cap", test_tls_handshake_cap },
  { "/hardening/bodies-in-flight", test_bodies_in_flight },
};

/* Each case runs in a process of its own, so that one that finds a bug
 * fails alone while the others still run, and so that what it did to its
 * process (a lowered descriptor limit, a thousand sockets, attackers that
 * die with it) ends with it. */
static void
run_case (gconstpointer data)
{
  const Case *test_case = data;
  Fixture f = { 0 };

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 200 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }

  fixture_setup (&f);
  test_case->func (&f);
  fixture_teardown (&f);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  ld_ingest_raise_fd_limit ();
  /* A failed case is reported, and the next one runs. */
  if (!g_test_subprocess ())
    g_test_set_nonfatal_assertions ();

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_test_add_data_func (cases[i].path, &cases[i], run_case);

  return g_test_run ();
}
