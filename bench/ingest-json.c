// SPDX-License-Identifier: GPL-3.0-or-later
/* bench/ingest-json: how fast headless Logdeck takes JSON log lines, over
 * TCP (newline-delimited JSON on the SocketHandler port) and over one
 * WebSocket connection to /ws (one record per text message). Prints
 * figures, the median of three runs each; asserts none.
 *
 * The lines are Python logging records of about 240 bytes, as a
 * QueueHandler subclass writing json.dumps(record.__dict__) sends them,
 * made in memory before the clock starts. A sender thread writes them as
 * fast as Logdeck reads them into the same LdIngest, hand-off and store as
 * the application; the clock stops when the store holds every record. The
 * WebSocket sender is libsoup's client, on a main context of its own in
 * the sender thread, once with one record per message and once with
 * batches of lines per message, as log shippers and the websockets example
 * send them. libsoup writes each frame with a system call of its own, so
 * with one record per message the sender, not Logdeck, sets the pace; the
 * CPU time of Logdeck's ingest thread is printed too, which says what it
 * could take with a faster sender or more cores. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "ld-connection-registry.h"
#include "ld-handoff.h"
#include "ld-ingest.h"
#include "ld-store.h"

#define DEFAULT_RECORDS 1000000
#define RUNS            3
/* Messages the WebSocket sender may have queued ahead of what Logdeck has
 * taken: libsoup's client queues without limit. */
#define WS_WINDOW       20000
#define WS_BATCH        100

static int n_records = DEFAULT_RECORDS;
static char *only;
static char *capture_path;

static const GOptionEntry entries[] = {
  { "records", 'n', 0, G_OPTION_ARG_INT, &n_records, "Records to send", "N" },
  { "only", 0, 0, G_OPTION_ARG_STRING, &only, "Run one transport only",
    "tcp|ws|ws-stream|ws-batched" },
  { "write-capture", 0, 0, G_OPTION_ARG_FILENAME, &capture_path,
    "Only write the JSON lines to FILE, for bench-ingest-pickle --window --capture FILE", "FILE" },
  { NULL }
};

typedef struct
{
  GPtrArray *lines;      /* each without its newline */
  GPtrArray *batches;    /* WS_BATCH lines each, newline-delimited */
  GString   *stream;     /* every line, each with its newline */
  GString   *frames;     /* every line as one masked WebSocket text frame */
  guint16    port;
  LdIngest  *ingest;
  gboolean   batched;
} Sender;

static const char *const threads[] = { "MainThread", "Worker-1", "Worker-2", "Worker-3" };
static const char *const levels[] = { "DEBUG", "INFO", "INFO", "WARNING" };

/* A record as json.dumps(record.__dict__) of a QueueHandler writes it. */
static char *
make_line (guint i)
{
  guint level = i % G_N_ELEMENTS (levels);

  return g_strdup_printf ("{\"name\": \"bench.worker%u\", "
                          "\"msg\": \"Request %u handled in %u ms\", "
                          "\"args\": null, \"levelname\": \"%s\", \"levelno\": %u, "
                          "\"pathname\": \"/srv/app/worker.py\", \"lineno\": %u, "
                          "\"funcName\": \"handle\", \"created\": %u.%06u, "
                          "\"threadName\": \"%s\", \"process\": 4242}",
                          i % 8, i, i % 997, levels[level], level == 0 ? 10 : level == 3 ? 30 : 20,
                          40 + i % 20, 1732190400 + i / 1000, (i * 37) % 1000000,
                          threads[i % G_N_ELEMENTS (threads)]);
}

/* A client's text frame, masked as RFC 6455 requires of clients; with a
 * key of zeros the payload reads as it is. */
static void
append_frame (GString    *out,
              const char *payload)
{
  gsize length = strlen (payload);

  g_string_append_c (out, (char) 0x81);
  if (length < 126)
    g_string_append_c (out, (char) (0x80 | length));
  else
    {
      g_assert (length < 65536);
      g_string_append_c (out, (char) (0x80 | 126));
      g_string_append_c (out, (char) (length >> 8));
      g_string_append_c (out, (char) (length & 0xff));
    }
  g_string_append_len (out, "\0\0\0\0", 4);
  g_string_append_len (out, payload, length);
}

static void
make_lines (Sender *sender)
{
  gsize total = 0;

  sender->lines = g_ptr_array_new_full (n_records, g_free);
  sender->stream = g_string_sized_new ((gsize) n_records * 260);
  for (int i = 0; i < n_records; i++)
    {
      char *line = make_line (i);

      g_ptr_array_add (sender->lines, line);
      g_string_append (sender->stream, line);
      g_string_append_c (sender->stream, '\n');
      total += strlen (line);
    }

  sender->frames = g_string_sized_new ((gsize) n_records * 270);
  for (guint i = 0; i < sender->lines->len; i++)
    append_frame (sender->frames, sender->lines->pdata[i]);

  sender->batches = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < sender->lines->len; i += WS_BATCH)
    {
      guint n = MIN (WS_BATCH, sender->lines->len - i);
      const char **slice = g_new0 (const char *, n + 1);

      memcpy (slice, sender->lines->pdata + i, n * sizeof (char *));
      g_ptr_array_add (sender->batches, g_strjoinv ("\n", (char **) slice));
      g_free (slice);
    }

  g_printerr ("ingest-json: %d lines of %.0f bytes on average\n", n_records,
              (double) total / n_records);
}

static gpointer
send_tcp (gpointer user_data)
{
  Sender *sender = user_data;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, sender->port);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GError) error = NULL;
  gsize sent = 0;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  if (socket == NULL || !g_socket_connect (socket, address, NULL, &error))
    g_error ("cannot connect: %s", error->message);

  while (sent < sender->stream->len)
    {
      gssize n = g_socket_send (socket, sender->stream->str + sent, sender->stream->len - sent,
                                NULL, &error);

      if (n < 0)
        g_error ("cannot send: %s", error->message);
      sent += n;
    }

  g_socket_close (socket, NULL);
  return NULL;
}

static void
on_ws_connected (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  SoupWebsocketConnection **connection = user_data;
  g_autoptr(GError) error = NULL;

  *connection = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (*connection == NULL)
    g_error ("cannot connect: %s", error->message);
}

/* Runs @context until Logdeck has taken all but @window of @sent records. */
static void
wait_for_window (GMainContext *context,
                 Sender       *sender,
                 guint64       sent,
                 guint64       window)
{
  while (ld_ingest_get_n_records (sender->ingest) + window < sent)
    if (!g_main_context_iteration (context, FALSE))
      g_usleep (50);
}

static gpointer
send_ws (gpointer user_data)
{
  Sender *sender = user_data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *uri = g_strdup_printf ("ws://127.0.0.1:%u/ws", sender->port);
  SoupWebsocketConnection *connection = NULL;
  GPtrArray *messages = sender->batched ? sender->batches : sender->lines;
  guint per_message = sender->batched ? WS_BATCH : 1;

  g_main_context_push_thread_default (context);
  session = soup_session_new ();
  msg = soup_message_new (SOUP_METHOD_GET, uri);
  soup_session_websocket_connect_async (session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        on_ws_connected, &connection);
  while (connection == NULL)
    g_main_context_iteration (context, TRUE);

  for (guint i = 0; i < messages->len; i++)
    {
      soup_websocket_connection_send_text (connection, g_ptr_array_index (messages, i));
      if (i % 100 == 99)
        wait_for_window (context, sender, (guint64) (i + 1) * per_message,
                         MAX (WS_WINDOW, 10 * per_message));
    }
  wait_for_window (context, sender, sender->lines->len, 0);

  soup_websocket_connection_close (connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  while (soup_websocket_connection_get_state (connection) != SOUP_WEBSOCKET_STATE_CLOSED)
    g_main_context_iteration (context, TRUE);
  g_object_unref (connection);
  g_clear_object (&session);
  g_main_context_pop_thread_default (context);

  return NULL;
}

static void
send_all (GSocket    *socket,
          const char *data,
          gsize       length)
{
  g_autoptr(GError) error = NULL;
  gsize sent = 0;

  while (sent < length)
    {
      gssize n = g_socket_send (socket, data + sent, length - sent, NULL, &error);

      if (n < 0)
        g_error ("cannot send: %s", error->message);
      sent += n;
    }
}

/* One record a message, written as fast as Logdeck reads them: libsoup's
 * client writes one frame a system call, and then measures itself more
 * than Logdeck. This one does the upgrade by hand and streams frames built
 * beforehand, as a busy log shipper's socket would carry them. */
static gpointer
send_ws_raw (gpointer user_data)
{
  Sender *sender = user_data;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, sender->port);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *request = g_strdup_printf ("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
                                              "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                              "Sec-WebSocket-Version: 13\r\n\r\n",
                                              sender->port);
  char response[4096];
  gsize got = 0;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  if (socket == NULL || !g_socket_connect (socket, address, NULL, &error))
    g_error ("cannot connect: %s", error->message);

  send_all (socket, request, strlen (request));
  while (got < sizeof response - 1 && g_strstr_len (response, got, "\r\n\r\n") == NULL)
    {
      gssize n = g_socket_receive (socket, response + got, sizeof response - 1 - got, NULL,
                                   &error);
      if (n <= 0)
        g_error ("no upgrade: %s", error != NULL ? error->message : "closed");
      got += n;
    }
  if (!g_str_has_prefix (response, "HTTP/1.1 101"))
    g_error ("the upgrade was refused: %.*s", (int) got, response);

  send_all (socket, sender->frames->str, sender->frames->len);
  send_all (socket, "\x88\x82\0\0\0\0\x03\xe8", 8);
  /* Closing with replies unread would reset the connection under Logdeck. */
  while (ld_ingest_get_n_records (sender->ingest) < sender->lines->len)
    g_usleep (100);
  g_socket_close (socket, NULL);

  return NULL;
}

/* The CPU seconds the thread named "ingest" has used, from /proc. */
static double
ingest_cpu_seconds (void)
{
  g_autoptr(GDir) tasks = g_dir_open ("/proc/self/task", 0, NULL);
  const char *tid;

  while (tasks != NULL && (tid = g_dir_read_name (tasks)) != NULL)
    {
      g_autofree char *comm_path = g_strdup_printf ("/proc/self/task/%s/comm", tid);
      g_autofree char *stat_path = g_strdup_printf ("/proc/self/task/%s/stat", tid);
      g_autofree char *comm = NULL;
      g_autofree char *stat = NULL;
      g_auto(GStrv) fields = NULL;

      if (!g_file_get_contents (comm_path, &comm, NULL, NULL) || !g_str_equal (comm, "ingest\n")
          || !g_file_get_contents (stat_path, &stat, NULL, NULL))
        continue;
      /* The fields after the command's closing parenthesis: utime is the 12th. */
      fields = g_strsplit (strrchr (stat, ')') + 2, " ", -1);
      return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL))
             / sysconf (_SC_CLK_TCK);
    }

  return 0;
}

static void
drain_into_store (LdBatch *const *batches,
                  guint           n_batches,
                  gpointer        user_data)
{
  ld_store_append_batches (user_data, batches, n_batches);
}

/* One run: a fresh ingest thread, hand-off and store, as headless Logdeck has. */
static double
run_once (Sender      *sender,
          GThreadFunc  send_func,
          const char  *endpoint,
          double      *cpu_seconds)
{
  g_autoptr(LdStore) store = ld_store_new (n_records);
  g_autoptr(LdConnectionRegistry) registry = ld_connection_registry_new ();
  g_autoptr(LdHandoff) handoff = ld_handoff_new (NULL, drain_into_store, store, NULL);
  g_autoptr(LdIngest) ingest = NULL;
  g_autoptr(GError) error = NULL;
  GThread *thread;
  gint64 start;
  double seconds;

  ld_handoff_set_min_interval (handoff, 0);
  ingest = ld_ingest_new (handoff, registry);
  if (!ld_ingest_add_tcp (ingest, "127.0.0.1", 0, &error)
      || !ld_ingest_add_http (ingest, "127.0.0.1", 0, &error))
    g_error ("%s", error->message);
  sender->port = ld_ingest_get_bound_port (ingest, endpoint);
  sender->ingest = ingest;

  start = g_get_monotonic_time ();
  thread = g_thread_new ("sender", send_func, sender);
  while (ld_store_get_n_received (store) < (guint64) n_records)
    g_main_context_iteration (NULL, TRUE);
  seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  *cpu_seconds = ingest_cpu_seconds ();

  g_thread_join (thread);
  ld_ingest_stop (ingest);
  ld_handoff_shutdown (handoff);
  if (ld_store_get_n_received (store) != (guint64) n_records)
    g_error ("received %" G_GUINT64_FORMAT " records, not %d",
             ld_store_get_n_received (store), n_records);

  return seconds;
}

/* "1204819" as "1,204,819", whatever the locale. */
static char *
grouped (guint64 value)
{
  g_autofree char *digits = g_strdup_printf ("%" G_GUINT64_FORMAT, value);
  GString *out = g_string_new (NULL);
  gsize n = strlen (digits);

  for (gsize i = 0; i < n; i++)
    {
      if (i > 0 && (n - i) % 3 == 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, digits[i]);
    }

  return g_string_free (out, FALSE);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static void
measure (Sender      *sender,
         const char  *name,
         GThreadFunc  send_func,
         const char  *endpoint)
{
  double seconds[RUNS];
  double cpu[RUNS];
  g_autofree char *rate = NULL;
  g_autofree char *cpu_rate = NULL;

  for (int i = 0; i < RUNS; i++)
    {
      seconds[i] = run_once (sender, send_func, endpoint, &cpu[i]);
      g_printerr ("ingest-json %s: run %d: %.2f s, ingest thread %.2f s of CPU\n", name, i + 1,
                  seconds[i], cpu[i]);
    }
  qsort (seconds, RUNS, sizeof seconds[0], compare_doubles);
  qsort (cpu, RUNS, sizeof cpu[0], compare_doubles);
  rate = grouped ((guint64) (n_records / seconds[RUNS / 2]));
  cpu_rate = grouped ((guint64) (n_records / MAX (cpu[RUNS / 2], 0.001)));
  printf ("ingest-json %s: %d records in %.2f s = %s records/s "
          "(ingest thread: %.2f s of CPU = %s records per CPU second)\n", name, n_records,
          seconds[RUNS / 2], rate, cpu[RUNS / 2], cpu_rate);
  fflush (stdout);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("— JSON lines, TCP and WebSocket");
  g_autoptr(GError) error = NULL;
  Sender sender = { 0 };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    g_error ("%s", error->message);

  make_lines (&sender);
  if (capture_path != NULL)
    {
      if (!g_file_set_contents (capture_path, sender.stream->str, sender.stream->len, &error))
        g_error ("%s", error->message);
      return 0;
    }
  if (only == NULL || g_str_equal (only, "tcp"))
    measure (&sender, "tcp", send_tcp, "tcp");
  if (only == NULL || g_str_equal (only, "ws"))
    measure (&sender, "ws", send_ws, "http");
  if (only == NULL || g_str_equal (only, "ws-stream"))
    measure (&sender, "ws (one record a message, streamed)", send_ws_raw, "http");
  sender.batched = TRUE;
  if (only == NULL || g_str_equal (only, "ws-batched"))
    measure (&sender, "ws (" G_STRINGIFY (WS_BATCH) " lines per message)", send_ws, "http");

  g_ptr_array_unref (sender.lines);
  g_ptr_array_unref (sender.batches);
  g_string_free (sender.stream, TRUE);
  g_string_free (sender.frames, TRUE);
  g_free (only);
  return 0;
}
