// SPDX-License-Identifier: GPL-3.0-or-later
/* bench/ingest-standards: how fast headless Logdeck takes the fleet's
 * standard protocols: OTLP/HTTP protobuf in exports of 512 records, syslog
 * over TCP (RFC 5424, octet-counted, as rsyslog forwards it) and GELF over
 * UDP. Prints figures, the median of three runs each; asserts none.
 *
 * Everything a sender sends is made in memory before the clock starts. A
 * sender thread writes it into the same LdIngest, hand-off and store as the
 * application; the clock stops when the store holds every record. OTLP
 * exports are posted one after another, each on a connection of its own,
 * as Logdeck closes each after its answer. UDP has no flow control: the
 * GELF sender keeps at most GELF_WINDOW datagrams ahead of what Logdeck has
 * taken, and what the kernel drops all the same is counted and printed.
 * Over TCP nothing may be lost: a run waits for every record however long
 * the machine stalls, and a refused export or connection ends the run with
 * a line that says so instead of aborting the program. Every figure is
 * printed again at the end, so that the last lines of the output hold them
 * all. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>

#include "ld-connection-registry.h"
#include "ld-handoff.h"
#include "ld-ingest.h"
#include "ld-store.h"

#define DEFAULT_RECORDS 1000000
#define RUNS            3
#define OTLP_BATCH      512
/* Each datagram takes far more of the receive buffer than its bytes: 256 overflow the default. */
#define GELF_WINDOW     64

static int n_records = DEFAULT_RECORDS;
static char *only;

static const GOptionEntry entries[] = {
  { "records", 'n', 0, G_OPTION_ARG_INT, &n_records, "Records to send", "N" },
  { "only", 0, 0, G_OPTION_ARG_STRING, &only, "Run one protocol only", "otlp|otlp-json|syslog|gelf" },
  { NULL }
};

typedef struct
{
  GPtrArray *requests;    /* OTLP: whole HTTP requests, one export each */
  GString   *stream;      /* syslog: every message, octet-counted */
  GPtrArray *datagrams;   /* GELF: one JSON payload each */
  guint16    port;
  LdIngest  *ingest;
  char      *failure;     /* why the sender gave up, set once from its thread */
} Sender;

/* Every protocol's figure line, printed again once all have run. */
static GString *summary;

/* Stops the sender and says why, in place of g_error(), which would take every figure with
 * it. */
static gpointer
sender_fail (Sender     *sender,
             const char *format,
             ...) G_GNUC_PRINTF (2, 3);

static gpointer
sender_fail (Sender     *sender,
             const char *format,
             ...)
{
  va_list args;
  char *failure;

  va_start (args, format);
  failure = g_strdup_vprintf (format, args);
  va_end (args);
  if (!g_atomic_pointer_compare_and_exchange (&sender->failure, NULL, failure))
    g_free (failure);
  return NULL;
}

/* Protobuf */

static void
put_varint (GString *out,
            guint64  value)
{
  do
    {
      guint8 byte = (value & 0x7f) | (value >= 0x80 ? 0x80 : 0);

      g_string_append_c (out, (char) byte);
      value >>= 7;
    }
  while (value != 0);
}

static void
put_bytes (GString    *out,
           guint       number,
           const char *data,
           gsize       length)
{
  put_varint (out, number << 3 | 2);
  put_varint (out, length);
  g_string_append_len (out, data, length);
}

static void
put_message (GString *out,
             guint    number,
             GString *message)
{
  put_bytes (out, number, message->str, message->len);
}

/* KeyValue { key = 1; value = 2: AnyValue { string_value = 1 } } */
static void
put_attribute (GString    *out,
               guint       number,
               const char *key,
               const char *value)
{
  g_autoptr(GString) any = g_string_new (NULL);
  g_autoptr(GString) pair = g_string_new (NULL);

  put_bytes (any, 1, value, strlen (value));
  put_bytes (pair, 1, key, strlen (key));
  put_message (pair, 2, any);
  put_message (out, number, pair);
}

/* A LogRecord as an SDK sends one: time, severity, a string body, two attributes and the
 * trace context. */
static void
put_log_record (GString *out,
                guint    i)
{
  g_autoptr(GString) record = g_string_new (NULL);
  g_autoptr(GString) body = g_string_new (NULL);
  g_autofree char *text = g_strdup_printf ("order %u placed for customer %u", i, i % 977);
  guint64 time_ns = G_GUINT64_CONSTANT (1700000000000000000) + (guint64) i * 1000;
  guint8 trace[16] = { 0x4b, 0xf9, 0x2f, 0x35 }, span[8] = { 0x00, 0xf0 };

  memcpy (trace + 8, &i, sizeof i);
  memcpy (span + 4, &i, sizeof i);
  put_varint (record, 1 << 3 | 1);                      /* time_unix_nano, fixed64 */
  time_ns = GUINT64_TO_LE (time_ns);
  g_string_append_len (record, (const char *) &time_ns, 8);
  put_varint (record, 2 << 3);                          /* severity_number */
  put_varint (record, i % 10 == 0 ? 17 : 9);
  put_bytes (body, 1, text, strlen (text));
  put_message (record, 5, body);
  put_attribute (record, 6, "http.route", "/orders");
  put_attribute (record, 6, "user.id", "alice");
  put_bytes (record, 9, (const char *) trace, sizeof trace);
  put_bytes (record, 10, (const char *) span, sizeof span);
  put_message (out, 2, record);
}

static GString *
make_export (guint first,
             guint count)
{
  g_autoptr(GString) resource = g_string_new (NULL);
  g_autoptr(GString) scope = g_string_new (NULL);
  g_autoptr(GString) scope_logs = g_string_new (NULL);
  g_autoptr(GString) resource_logs = g_string_new (NULL);
  GString *request = g_string_new (NULL);

  put_attribute (resource, 1, "service.name", "checkout");
  put_attribute (resource, 1, "host.name", "web-1");
  put_bytes (scope, 1, "app.orders", strlen ("app.orders"));
  put_message (scope_logs, 1, scope);
  for (guint i = first; i < first + count; i++)
    put_log_record (scope_logs, i);
  put_message (resource_logs, 1, resource);
  put_message (resource_logs, 2, scope_logs);
  put_message (request, 1, resource_logs);

  return request;
}

/* The same export in OTLP/JSON: lowerCamelCase keys, the 64-bit time as a
 * decimal string, the trace context in hex, as the SDKs' http/json
 * exporters write it. */
static void
append_hex (GString      *out,
            const guint8 *bytes,
            gsize         n)
{
  for (gsize i = 0; i < n; i++)
    g_string_append_printf (out, "%02x", bytes[i]);
}

static GString *
make_export_json (guint first,
                  guint count)
{
  GString *request = g_string_new ("{\"resourceLogs\":[{\"resource\":{\"attributes\":["
                                   "{\"key\":\"service.name\",\"value\":{\"stringValue\":\"checkout\"}},"
                                   "{\"key\":\"host.name\",\"value\":{\"stringValue\":\"web-1\"}}]},"
                                   "\"scopeLogs\":[{\"scope\":{\"name\":\"app.orders\"},\"logRecords\":[");

  for (guint i = first; i < first + count; i++)
    {
      guint64 time_ns = G_GUINT64_CONSTANT (1700000000000000000) + (guint64) i * 1000;
      guint8 trace[16] = { 0x4b, 0xf9, 0x2f, 0x35 }, span[8] = { 0x00, 0xf0 };

      memcpy (trace + 8, &i, sizeof i);
      memcpy (span + 4, &i, sizeof i);
      g_string_append_printf (request, "%s{\"timeUnixNano\":\"%" G_GUINT64_FORMAT "\","
                              "\"severityNumber\":%d,\"body\":{\"stringValue\":"
                              "\"order %u placed for customer %u\"},\"attributes\":["
                              "{\"key\":\"http.route\",\"value\":{\"stringValue\":\"/orders\"}},"
                              "{\"key\":\"user.id\",\"value\":{\"stringValue\":\"alice\"}}],"
                              "\"traceId\":\"", i == first ? "" : ",", time_ns,
                              i % 10 == 0 ? 17 : 9, i, i % 977);
      append_hex (request, trace, sizeof trace);
      g_string_append (request, "\",\"spanId\":\"");
      append_hex (request, span, sizeof span);
      g_string_append (request, "\"}");
    }
  g_string_append (request, "]}]}]}");

  return request;
}

static void
make_requests (Sender   *sender,
               gboolean  json)
{
  gsize total = 0;

  sender->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  for (int first = 0; first < n_records; first += OTLP_BATCH)
    {
      guint count = MIN (OTLP_BATCH, n_records - first);
      g_autoptr(GString) body = json ? make_export_json (first, count) : make_export (first, count);
      GString *request = g_string_new (NULL);

      g_string_printf (request, "POST /v1/logs HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       "Content-Type: application/%s\r\nContent-Length: %" G_GSIZE_FORMAT
                       "\r\n\r\n", json ? "json" : "x-protobuf", body->len);
      g_string_append_len (request, body->str, body->len);
      total += body->len;
      g_ptr_array_add (sender->requests, g_string_free_to_bytes (request));
    }
  g_printerr ("otlp: %u exports, %.0f bytes of %s a record\n", sender->requests->len,
              (double) total / n_records, json ? "JSON" : "protobuf");
}

static void
make_syslog (Sender *sender)
{
  sender->stream = g_string_new (NULL);
  for (int i = 0; i < n_records; i++)
    {
      g_autofree char *message =
        g_strdup_printf ("<%d>1 2026-12-06T01:02:03.%06dZ web-1 checkout 4242 ORDER "
                         "[order@32473 id=\"%d\" customer=\"%d\"] order %d placed",
                         i % 10 == 0 ? 11 : 14, i % 1000000, i, i % 977, i);

      g_string_append_printf (sender->stream, "%zu %s", strlen (message), message);
    }
  g_printerr ("syslog: %.0f bytes a message\n", (double) sender->stream->len / n_records);
}

static void
make_gelf (Sender *sender)
{
  sender->datagrams = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  for (int i = 0; i < n_records; i++)
    {
      char *json = g_strdup_printf ("{\"version\":\"1.1\",\"host\":\"web-1\",\"short_message\":"
                                    "\"order %d placed\",\"timestamp\":%d.%03d,\"level\":%d,"
                                    "\"_logger_name\":\"app.orders\",\"_thread_name\":\"main\","
                                    "\"_order_id\":%d}", i, 1700000000 + i / 1000, i % 1000,
                                    i % 10 == 0 ? 3 : 6, i);

      g_ptr_array_add (sender->datagrams, g_bytes_new_take (json, strlen (json)));
    }
}

/* Senders */

static GSocket *
connect_to (Sender      *sender,
            GSocketType  type)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, sender->port);
  g_autoptr(GError) error = NULL;
  GSocket *socket;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, type, type == G_SOCKET_TYPE_STREAM
                         ? G_SOCKET_PROTOCOL_TCP : G_SOCKET_PROTOCOL_UDP, &error);
  if (socket == NULL || !g_socket_connect (socket, address, NULL, &error))
    {
      g_clear_object (&socket);
      return sender_fail (sender, "cannot connect: %s", error->message);
    }
  return socket;
}

static gboolean
send_all (Sender     *sender,
          GSocket    *socket,
          const char *data,
          gsize       length)
{
  g_autoptr(GError) error = NULL;
  gsize sent = 0;

  while (sent < length)
    {
      gssize n = g_socket_send (socket, data + sent, length - sent, NULL, &error);

      if (n < 0)
        {
          sender_fail (sender, "cannot send: %s", error->message);
          return FALSE;
        }
      sent += n;
    }
  return TRUE;
}

static gpointer
send_otlp (gpointer user_data)
{
  Sender *sender = user_data;
  char answer[4096];

  for (guint i = 0; i < sender->requests->len; i++)
    {
      g_autoptr(GSocket) socket = connect_to (sender, G_SOCKET_TYPE_STREAM);
      gsize length;
      const char *request = g_bytes_get_data (sender->requests->pdata[i], &length);
      gssize n;

      if (socket == NULL || !send_all (sender, socket, request, length))
        return NULL;
      n = g_socket_receive (socket, answer, sizeof answer - 1, NULL, NULL);
      if (n < 12 || strncmp (answer + 9, "200", 3) != 0)
        return sender_fail (sender, "export %u refused: %.*s", i, (int) MIN (MAX (n, 0), 200),
                            answer);
      /* Logdeck closes each connection after its answer. */
      while (g_socket_receive (socket, answer, sizeof answer, NULL, NULL) > 0)
        ;
    }

  return NULL;
}

static gpointer
send_syslog (gpointer user_data)
{
  Sender *sender = user_data;
  g_autoptr(GSocket) socket = connect_to (sender, G_SOCKET_TYPE_STREAM);

  if (socket != NULL && send_all (sender, socket, sender->stream->str, sender->stream->len))
    g_socket_close (socket, NULL);
  return NULL;
}

static gpointer
send_gelf (gpointer user_data)
{
  Sender *sender = user_data;
  g_autoptr(GSocket) socket = connect_to (sender, G_SOCKET_TYPE_DATAGRAM);

  for (guint i = 0; socket != NULL && i < sender->datagrams->len; i++)
    {
      gsize length;
      const char *data = g_bytes_get_data (sender->datagrams->pdata[i], &length);

      while (i > ld_ingest_get_n_records (sender->ingest) + GELF_WINDOW)
        g_thread_yield ();
      if (g_socket_send (socket, data, length, NULL, NULL) < 0)
        i--;
    }

  return NULL;
}

/* Runs */

static void
drain_into_store (LdBatch *const *batches,
                  guint           n_batches,
                  gpointer        user_data)
{
  ld_store_append_batches (user_data, batches, n_batches);
}

/* One run: a fresh ingest thread, hand-off and store, as headless Logdeck has. For UDP, the
 * run ends once nothing more has come for @patience_s seconds: what the kernel dropped is
 * lost. Over TCP the patience is long, as only a stall can hold records back there; a sender
 * that gave up ends the run at once. */
static double
run_once (Sender      *sender,
          GThreadFunc  send_func,
          const char  *endpoint,
          int          patience_s,
          guint64     *received)
{
  g_autoptr(LdStore) store = ld_store_new (n_records);
  g_autoptr(LdConnectionRegistry) registry = ld_connection_registry_new ();
  g_autoptr(LdHandoff) handoff = ld_handoff_new (NULL, drain_into_store, store, NULL);
  g_autoptr(LdIngest) ingest = NULL;
  g_autoptr(GError) error = NULL;
  GThread *thread;
  gint64 start, last_progress;
  guint64 seen = 0;
  double seconds;

  ld_handoff_set_min_interval (handoff, 0);
  ingest = ld_ingest_new (handoff, registry);
  if (!ld_ingest_add_otlp (ingest, "127.0.0.1", 0, &error)
      || !ld_ingest_add_syslog (ingest, "127.0.0.1", 0, &error)
      || !ld_ingest_add_gelf (ingest, "127.0.0.1", 0, &error))
    g_error ("%s", error->message);
  sender->port = ld_ingest_get_bound_port (ingest, endpoint);
  sender->ingest = ingest;

  start = last_progress = g_get_monotonic_time ();
  thread = g_thread_new ("sender", send_func, sender);
  while (ld_store_get_n_received (store) < (guint64) n_records
         && g_get_monotonic_time () - last_progress < patience_s * G_USEC_PER_SEC
         && g_atomic_pointer_get (&sender->failure) == NULL)
    {
      g_main_context_iteration (NULL, FALSE);
      if (ld_store_get_n_received (store) != seen)
        {
          seen = ld_store_get_n_received (store);
          last_progress = g_get_monotonic_time ();
        }
      g_usleep (200);
    }
  seconds = (MIN (g_get_monotonic_time (), last_progress + patience_s * G_USEC_PER_SEC)
             - start) / (double) G_USEC_PER_SEC;
  if (ld_store_get_n_received (store) < (guint64) n_records && sender->failure == NULL)
    seconds -= patience_s;

  g_thread_join (thread);
  ld_ingest_stop (ingest);
  ld_handoff_shutdown (handoff);
  *received = ld_store_get_n_received (store);

  return seconds;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* A figure line, now and again in the summary at the end. */
static void
print_figure (const char *format,
              ...) G_GNUC_PRINTF (1, 2);

static void
print_figure (const char *format,
              ...)
{
  g_autofree char *line = NULL;
  va_list args;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  printf ("%s\n", line);
  fflush (stdout);
  g_string_append_printf (summary, "%s\n", line);
}

static void
measure (Sender      *sender,
         const char  *name,
         GThreadFunc  send_func,
         const char  *endpoint,
         int          patience_s)
{
  double seconds[RUNS];
  guint64 received[RUNS];

  for (int i = 0; i < RUNS; i++)
    {
      seconds[i] = run_once (sender, send_func, endpoint, patience_s, &received[i]);
      g_printerr ("ingest-standards %s: run %d: %" G_GUINT64_FORMAT " records in %.2f s\n", name,
                  i + 1, received[i], seconds[i]);
      if (sender->failure != NULL)
        {
          print_figure ("ingest-standards %s: FAILED in run %d after %" G_GUINT64_FORMAT
                        " records: %s", name, i + 1, received[i], sender->failure);
          g_clear_pointer (&sender->failure, g_free);
          return;
        }
    }
  qsort (seconds, RUNS, sizeof seconds[0], compare_doubles);
  print_figure ("ingest-standards %s: %d records in %.2f s = %.0f records/s (lost in the "
                "slowest run: %" G_GUINT64_FORMAT ")", name, n_records, seconds[RUNS / 2],
                n_records / seconds[RUNS / 2],
                (guint64) n_records - MIN (received[0], MIN (received[1], received[2])));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("— OTLP/HTTP, syslog and GELF");
  g_autoptr(GError) error = NULL;
  Sender sender = { 0 };

  summary = g_string_new (NULL);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    g_error ("%s", error->message);

  if (only == NULL || g_str_equal (only, "otlp"))
    {
      make_requests (&sender, FALSE);
      measure (&sender, "otlp-http protobuf (512 a request)", send_otlp, "otlp", 60);
      g_ptr_array_unref (sender.requests);
    }
  if (only == NULL || g_str_equal (only, "otlp-json") || g_str_equal (only, "otlp"))
    {
      make_requests (&sender, TRUE);
      measure (&sender, "otlp-http json (512 a request)", send_otlp, "otlp", 60);
      g_ptr_array_unref (sender.requests);
    }
  if (only == NULL || g_str_equal (only, "syslog"))
    {
      make_syslog (&sender);
      measure (&sender, "syslog tcp (octet-counted)", send_syslog, "syslog", 60);
      g_string_free (sender.stream, TRUE);
    }
  if (only == NULL || g_str_equal (only, "gelf"))
    {
      make_gelf (&sender);
      measure (&sender, "gelf udp", send_gelf, "gelf-udp", 1);
      g_ptr_array_unref (sender.datagrams);
    }

  printf ("\nsummary (%d records each, median of %d runs):\n%s", n_records, RUNS, summary->str);
  g_string_free (summary, TRUE);
  g_free (only);
  return 0;
}
