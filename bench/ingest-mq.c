// SPDX-License-Identifier: GPL-3.0-or-later
/* bench/ingest-mq: how fast headless-style Logdeck takes record.__dict__ JSON records over
 * ZeroMQ PUB→SUB and NNG Pub0→Sub0, next to TCP JSON lines. Prints figures, the median of
 * three runs each; asserts none.
 *
 * In-process: a sender thread on libzmq or libnng publishes to the same LdIngest, hand-off
 * and store as the application has, over TCP on 127.0.0.1; the clock runs from the first
 * record sent until the store holds the last. The records are Python logging records of
 * about 240 bytes, as a QueueHandler subclass writing json.dumps(record.__dict__) sends them:
 * the sender cycles through RING of them made beforehand, so that it costs little CPU beside
 * Logdeck's threads and the peak RSS printed is mostly Logdeck's (its store keeps every
 * record), with 17 MiB of prepared records.
 *
 * Pub/sub has no flow control: a publisher drops what a slow subscriber's queues cannot hold.
 * So the sender keeps at most WINDOW records ahead of what Logdeck has taken, well within
 * those queues; every record arrives, and the figure is what Logdeck can take. The ZeroMQ
 * sender is an XPUB, a PUB that also sees subscriptions, so that it starts once Logdeck's
 * SUB has subscribed.
 *
 * For scale, each library is also measured alone: the same sender, and a thread that only
 * receives and counts (--only zmq-alone, nng-alone). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <gio/gio.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>
#include <zmq.h>

#include "ld-connection-registry.h"
#include "ld-handoff.h"
#include "ld-ingest.h"
#include "ld-store.h"

#define DEFAULT_RECORDS 1000000
#define RUNS            3
/* Records the sender may be ahead of Logdeck: below NNG's 8192-message queues. */
#define WINDOW          6000
#define RING            65536

static int n_records = DEFAULT_RECORDS;
static char *only;

static const GOptionEntry entries[] = {
  { "records", 'n', 0, G_OPTION_ARG_INT, &n_records, "Records to send", "N" },
  { "only", 0, 0, G_OPTION_ARG_STRING, &only,
    "Run one transport only, or the libraries alone, or all of these",
    "zmq|nng|tcp|zmq-alone|nng-alone|all" },
  { NULL }
};

typedef struct
{
  char *text;
  int   length;
} Line;

static Line ring[RING];

typedef struct
{
  LdIngest *ingest;     /* %NULL when the library is measured alone */
  gint      received;   /* atomic: what the library alone has received */
  nng_socket alone;     /* the library alone's Sub0 */
  char     *uri;        /* ZeroMQ: where the sender binds; NNG: where Logdeck listens */
  guint16   port;       /* TCP */
  gboolean  ready;      /* the sender is bound (ZeroMQ) */
  gint64    started_at; /* monotonic µs of the first record sent */
} Sender;

static const char *const threads[] = { "MainThread", "Worker-1", "Worker-2", "Worker-3" };
static const char *const levels[] = { "DEBUG", "INFO", "INFO", "WARNING" };

/* A record as json.dumps(record.__dict__) of a QueueHandler writes it: the lines of
 * bench-ingest-json. */
static char *
format_line (guint i)
{
  guint level = i % G_N_ELEMENTS (levels);

  return g_strdup_printf ("{\"name\": \"bench.worker%u\", "
                          "\"msg\": \"Request %u handled in %u ms\", "
                          "\"args\": null, \"levelname\": \"%s\", \"levelno\": %u, "
                          "\"pathname\": \"/srv/app/worker.py\", \"lineno\": %u, "
                          "\"funcName\": \"handle\", \"created\": %u.%06u, "
                          "\"threadName\": \"%s\", \"process\": 4242}",
                          i % 8, i, i % 997, levels[level],
                          level == 0 ? 10 : level == 3 ? 30 : 20, 40 + i % 20,
                          1732190400 + i / 1000, (i * 37) % 1000000,
                          threads[i % G_N_ELEMENTS (threads)]);
}

static void
make_ring (void)
{
  for (guint i = 0; i < RING; i++)
    {
      ring[i].text = format_line (i);
      ring[i].length = strlen (ring[i].text);
    }
}

static const Line *
line_at (guint i)
{
  return &ring[i % RING];
}

static guint64
n_taken (Sender *sender)
{
  if (sender->ingest == NULL)
    return g_atomic_int_get (&sender->received);
  return ld_ingest_get_n_records (sender->ingest);
}

/* Waits until the receiver has taken all but WINDOW of @sent records. */
static void
wait_for_window (Sender *sender,
                 guint64 sent)
{
  while (n_taken (sender) + WINDOW < sent)
    g_usleep (20);
}

static gpointer
send_zmq (gpointer user_data)
{
  Sender *sender = user_data;
  void *context = zmq_ctx_new ();
  void *socket = zmq_socket (context, ZMQ_XPUB);
  char endpoint[256], subscription[256];
  size_t size = sizeof endpoint;
  int unlimited = 0;

  zmq_setsockopt (socket, ZMQ_SNDHWM, &unlimited, sizeof unlimited);
  if (zmq_bind (socket, "tcp://127.0.0.1:*") != 0
      || zmq_getsockopt (socket, ZMQ_LAST_ENDPOINT, endpoint, &size) != 0)
    g_error ("cannot bind: %s", zmq_strerror (errno));
  sender->uri = g_strdup (endpoint);
  g_atomic_int_set (&sender->ready, TRUE);

  /* The subscription message says that Logdeck's SUB is there. */
  if (zmq_recv (socket, subscription, sizeof subscription, 0) < 0)
    g_error ("no subscription: %s", zmq_strerror (errno));

  sender->started_at = g_get_monotonic_time ();
  for (int i = 0; i < n_records; i++)
    {
      const Line *line = line_at (i);

      if (zmq_send (socket, line->text, line->length, 0) != line->length)
        g_error ("cannot send: %s", zmq_strerror (errno));
      if (i % 1000 == 999)
        wait_for_window (sender, i + 1);
    }

  zmq_close (socket);
  zmq_ctx_term (context);
  return NULL;
}

static gpointer
send_nng (gpointer user_data)
{
  Sender *sender = user_data;
  nng_socket socket;
  int code;

  if ((code = nng_pub0_open (&socket)) != 0
      || (code = nng_socket_set_int (socket, NNG_OPT_SENDBUF, 8192)) != 0
      || (code = nng_dial (socket, sender->uri, NULL, 0)) != 0)
    g_error ("cannot dial %s: %s", sender->uri, nng_strerror (code));

  sender->started_at = g_get_monotonic_time ();
  for (int i = 0; i < n_records; i++)
    {
      const Line *line = line_at (i);

      if ((code = nng_send (socket, line->text, line->length, 0)) != 0)
        g_error ("cannot send: %s", nng_strerror (code));
      if (i % 500 == 499)
        wait_for_window (sender, i + 1);
    }

  /* Closing discards what is not yet sent. */
  while (n_taken (sender) < (guint64) n_records)
    g_usleep (100);
  nng_close (socket);
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

static gpointer
send_tcp (gpointer user_data)
{
  Sender *sender = user_data;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, sender->port);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) chunk = g_string_sized_new (65 * 1024);

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  if (socket == NULL || !g_socket_connect (socket, address, NULL, &error))
    g_error ("cannot connect: %s", error->message);

  sender->started_at = g_get_monotonic_time ();
  for (int i = 0; i < n_records; i++)
    {
      g_string_append_len (chunk, line_at (i)->text, line_at (i)->length);
      g_string_append_c (chunk, '\n');
      if (chunk->len < 64 * 1024 && i + 1 < n_records)
        continue;
      send_all (socket, chunk->str, chunk->len);
      g_string_truncate (chunk, 0);
    }

  g_socket_close (socket, NULL);
  return NULL;
}

/* The libraries alone: a thread that receives and counts. */

static gpointer
receive_zmq_alone (gpointer user_data)
{
  Sender *sender = user_data;
  void *context = zmq_ctx_new ();
  void *socket = zmq_socket (context, ZMQ_SUB);
  zmq_msg_t msg;

  zmq_setsockopt (socket, ZMQ_SUBSCRIBE, "", 0);
  zmq_connect (socket, sender->uri);
  zmq_msg_init (&msg);
  for (int i = 0; i < n_records && zmq_msg_recv (&msg, socket, 0) >= 0; i++)
    g_atomic_int_inc (&sender->received);
  zmq_msg_close (&msg);
  zmq_close (socket);
  zmq_ctx_term (context);
  return NULL;
}

static gpointer
receive_nng_alone (gpointer user_data)
{
  Sender *sender = user_data;
  nng_msg *msg;

  for (int i = 0; i < n_records && nng_recvmsg (sender->alone, &msg, 0) == 0; i++)
    {
      nng_msg_free (msg);
      g_atomic_int_inc (&sender->received);
    }
  return NULL;
}

/* A Sub0 socket set up as Logdeck's is, listening on a port the system picks. */
static void
listen_nng_alone (Sender *sender)
{
  nng_listener listener;
  int port = 0;

  if (nng_sub0_open (&sender->alone) != 0
      || nng_socket_set (sender->alone, NNG_OPT_SUB_SUBSCRIBE, "", 0) != 0
      || nng_socket_set_int (sender->alone, NNG_OPT_RECVBUF, 8192) != 0
      || nng_listen (sender->alone, "tcp://127.0.0.1:0", &listener, 0) != 0
      || nng_listener_get_int (listener, NNG_OPT_TCP_BOUND_PORT, &port) != 0)
    g_error ("cannot listen with NNG");
  sender->uri = g_strdup_printf ("tcp://127.0.0.1:%d", port);
}

/* One run of a library alone; the sender is the same as for Logdeck. */
static double
run_alone (const char  *transport,
           GThreadFunc  send_func)
{
  gboolean zmq = g_str_equal (transport, "zmq-alone");
  Sender sender = { 0 };
  GThread *receiver, *thread;
  double seconds;

  if (zmq)
    {
      thread = g_thread_new ("sender", send_func, &sender);
      while (!g_atomic_int_get (&sender.ready))
        g_usleep (100);
      receiver = g_thread_new ("receiver", receive_zmq_alone, &sender);
    }
  else
    {
      listen_nng_alone (&sender);
      receiver = g_thread_new ("receiver", receive_nng_alone, &sender);
      thread = g_thread_new ("sender", send_func, &sender);
    }

  g_thread_join (receiver);
  seconds = (g_get_monotonic_time () - sender.started_at) / (double) G_USEC_PER_SEC;
  g_thread_join (thread);
  if (!zmq)
    nng_close (sender.alone);
  g_free (sender.uri);
  return seconds;
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

/* The peak resident set since the last reset_peak_rss(), in MiB (VmHWM). */
static double
peak_rss_mib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL)
      || (line = strstr (status, "VmHWM:")) == NULL)
    return 0;
  return g_ascii_strtod (line + strlen ("VmHWM:"), NULL) / 1024;
}

static void
reset_peak_rss (void)
{
  /* Writing 5 to clear_refs resets VmHWM (Linux 4.0 and later). */
  g_file_set_contents ("/proc/self/clear_refs", "5", 1, NULL);
}

static void
drain_into_store (LdBatch *const *batches,
                  guint           n_batches,
                  gpointer        user_data)
{
  ld_store_append_batches (user_data, batches, n_batches);
}

static void
add_endpoint (LdIngest   *ingest,
              const char *transport,
              Sender     *sender)
{
  g_autoptr(GError) error = NULL;

  if (g_str_equal (transport, "zmq"))
    {
      while (!g_atomic_int_get (&sender->ready))
        g_usleep (100);
      if (!ld_ingest_add_zmq_connect (ingest, sender->uri, &error))
        g_error ("%s", error->message);
    }
  else if (g_str_equal (transport, "nng"))
    {
      if (!ld_ingest_add_nng_listen (ingest, "tcp://127.0.0.1:0", &error))
        g_error ("%s", error->message);
      sender->uri = ld_ingest_get_endpoint_uri (ingest, "nng-1");
    }
  else
    {
      if (!ld_ingest_add_tcp (ingest, "127.0.0.1", 0, &error))
        g_error ("%s", error->message);
      sender->port = ld_ingest_get_bound_port (ingest, "tcp");
    }
}

typedef struct
{
  double seconds;
  double cpu_seconds;
  double rss_mib;
} Run;

/* One run: a fresh ingest thread, hand-off and store, as headless Logdeck has. */
static Run
run_once (const char  *transport,
          GThreadFunc  send_func)
{
  g_autoptr(LdStore) store = ld_store_new (n_records);
  g_autoptr(LdConnectionRegistry) registry = ld_connection_registry_new ();
  g_autoptr(LdHandoff) handoff = ld_handoff_new (NULL, drain_into_store, store, NULL);
  g_autoptr(LdIngest) ingest = NULL;
  Sender sender = { 0 };
  GThread *thread = NULL;
  Run run;

  reset_peak_rss ();
  ld_handoff_set_min_interval (handoff, 0);
  ingest = ld_ingest_new (handoff, registry);
  sender.ingest = ingest;
  /* The ZeroMQ sender binds first; Logdeck connects to it. */
  if (g_str_equal (transport, "zmq"))
    thread = g_thread_new ("sender", send_func, &sender);
  add_endpoint (ingest, transport, &sender);
  if (thread == NULL)
    thread = g_thread_new ("sender", send_func, &sender);

  while (ld_store_get_n_received (store) < (guint64) n_records)
    g_main_context_iteration (NULL, TRUE);
  run.seconds = (g_get_monotonic_time () - sender.started_at) / (double) G_USEC_PER_SEC;
  run.cpu_seconds = ingest_cpu_seconds ();
  run.rss_mib = peak_rss_mib ();

  g_thread_join (thread);
  ld_ingest_stop (ingest);
  ld_handoff_shutdown (handoff);
  if (ld_store_get_n_received (store) != (guint64) n_records)
    g_error ("received %" G_GUINT64_FORMAT " records, not %d",
             ld_store_get_n_received (store), n_records);
  g_free (sender.uri);
  return run;
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
measure (const char  *transport,
         const char  *name,
         GThreadFunc  send_func)
{
  double seconds[RUNS], cpu[RUNS], rss[RUNS];
  g_autofree char *rate = NULL;
  g_autofree char *cpu_rate = NULL;

  for (int i = 0; i < RUNS; i++)
    {
      Run run = run_once (transport, send_func);

      seconds[i] = run.seconds;
      cpu[i] = run.cpu_seconds;
      rss[i] = run.rss_mib;
      g_printerr ("ingest-mq %s: run %d: %.2f s, ingest thread %.2f s of CPU, peak RSS %.0f MiB\n",
                  name, i + 1, run.seconds, run.cpu_seconds, run.rss_mib);
    }
  qsort (seconds, RUNS, sizeof seconds[0], compare_doubles);
  qsort (cpu, RUNS, sizeof cpu[0], compare_doubles);
  qsort (rss, RUNS, sizeof rss[0], compare_doubles);
  rate = grouped ((guint64) (n_records / seconds[RUNS / 2]));
  cpu_rate = grouped ((guint64) (n_records / MAX (cpu[RUNS / 2], 0.001)));
  printf ("ingest-mq %s (in-process): %d records in %.2f s = %s records/s, peak RSS %.0f MiB "
          "(ingest thread: %.2f s of CPU = %s records per CPU second)\n", name, n_records,
          seconds[RUNS / 2], rate, rss[RUNS / 2], cpu[RUNS / 2], cpu_rate);
  fflush (stdout);
}

static void
measure_alone (const char  *transport,
               const char  *name,
               GThreadFunc  send_func)
{
  double seconds[RUNS];
  g_autofree char *rate = NULL;

  for (int i = 0; i < RUNS; i++)
    {
      seconds[i] = run_alone (transport, send_func);
      g_printerr ("ingest-mq %s: run %d: %.2f s\n", name, i + 1, seconds[i]);
    }
  qsort (seconds, RUNS, sizeof seconds[0], compare_doubles);
  rate = grouped ((guint64) (n_records / seconds[RUNS / 2]));
  printf ("ingest-mq %s (in-process, no Logdeck): %d messages in %.2f s = %s messages/s\n",
          name, n_records, seconds[RUNS / 2], rate);
  fflush (stdout);
}

/* Without --only, Logdeck's three; "all" adds the libraries alone. */
static gboolean
wanted (const char *transport)
{
  if (only == NULL || g_str_equal (only, "all"))
    return only != NULL || !g_str_has_suffix (transport, "-alone");
  return g_str_equal (only, transport);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("— ZeroMQ, NNG and TCP JSON lines");
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    g_error ("%s", error->message);

  make_ring ();
  if (wanted ("zmq"))
    measure ("zmq", "zmq PUB->SUB", send_zmq);
  if (wanted ("nng"))
    measure ("nng", "nng Pub0->Sub0", send_nng);
  if (wanted ("tcp"))
    measure ("tcp", "tcp JSON lines", send_tcp);
  if (wanted ("zmq-alone"))
    measure_alone ("zmq-alone", "libzmq PUB->SUB alone", send_zmq);
  if (wanted ("nng-alone"))
    measure_alone ("nng-alone", "libnng Pub0->Sub0 alone", send_nng);

  g_free (only);
  return 0;
}
