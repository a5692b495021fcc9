// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include "ld-level.h"
#include "ld-source-tracker.h"
#include "ld-store.h"

#define T0 G_GINT64_CONSTANT (1763700000000000)

typedef struct
{
  const char *connection;
  const char *peer;
  const char *process_name;
  gint64      pid;
  const char *connection_id;   /* the extra field, or NULL */
  const char *protocol;        /* NULL for "tcp-pickle" */
} Sender;

static void
add_record (LdBatch      *batch,
            const Sender *sender,
            const char   *message)
{
  LdRecordFields fields = { 0 };

  fields.time_us = T0;
  fields.level = LD_LEVEL_INFO;
  fields.logger = "app";
  fields.message = message;
  fields.connection = sender->connection;
  fields.peer = sender->peer;
  fields.protocol = sender->protocol != NULL ? sender->protocol : "tcp-pickle";
  fields.process_name = sender->process_name;
  fields.process = sender->pid;
  ld_batch_add (batch, &fields);
  ld_batch_add_extra (batch, "request", -1, LD_VALUE_NUMBER, "17", -1);
  if (sender->connection_id != NULL)
    ld_batch_add_extra (batch, "connection_id", -1, LD_VALUE_STRING, sender->connection_id, -1);
}

static char *
message_of (const LdRecord *record)
{
  gsize length;
  const char *message = ld_record_get_message (record, &length);

  return g_strndup (message, length);
}

/* Sends @n records through the tracker, as the drain would before the store. */
static guint
send (LdSourceTracker *tracker,
      const Sender    *sender,
      guint            n,
      LdBatch         *dividers)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();

  for (guint i = 0; i < n; i++)
    add_record (batch, sender, "hello");
  ld_source_tracker_observe_batch (tracker, batch, dividers);

  return ld_source_tracker_get_source (tracker, ld_intern (sender->connection, -1));
}

static void
on_reconnected (LdSourceTracker *tracker,
                guint            source,
                guint            connection,
                guint            previous,
                guint           *n_reconnected)
{
  (*n_reconnected)++;
}

static void
test_reconnect (void)
{
  g_autoptr(LdSourceTracker) tracker = ld_source_tracker_new ();
  g_autoptr(LdBatch) dividers = ld_batch_new ();
  g_autoptr(LdStore) store = ld_store_new (0);
  const Sender first = { "tcp-3", "127.0.0.1:50000", "myapp", 4242, NULL };
  const Sender other = { "tcp-4", "127.0.0.1:50001", "myapp", 777, NULL };
  const Sender again = { "tcp-7", "127.0.0.1:50002", "myapp", 4242, NULL };
  const Sender elsewhere = { "tcp-8", "10.0.0.9:41000", "myapp", 4242, NULL };
  const guint32 *connections;
  guint n_connections, n_reconnected = 0, source;
  const LdRecord *divider;
  g_autofree char *message = NULL;
  gsize length;
  const char *value;
  LdValueType type;

  g_signal_connect (tracker, "reconnected", G_CALLBACK (on_reconnected), &n_reconnected);
  source = send (tracker, &first, 5, dividers);
  g_assert_cmpuint (source, ==, 1);
  g_assert_cmpuint (send (tracker, &other, 5, dividers), ==, 2);
  g_assert_cmpuint (ld_batch_get_length (dividers), ==, 0);

  /* The program reloads: a new connection from a new port, same pid. */
  ld_source_tracker_connection_closed (tracker, ld_intern ("tcp-3", -1));
  g_assert_cmpuint (send (tracker, &again, 3, dividers), ==, source);
  g_assert_cmpuint (send (tracker, &again, 3, dividers), ==, source);
  g_assert_cmpuint (ld_batch_get_length (dividers), ==, 1);
  g_assert_cmpuint (n_reconnected, ==, 1);

  /* Another machine with the same pid is another program. */
  g_assert_cmpuint (send (tracker, &elsewhere, 1, dividers), ==, 3);
  g_assert_cmpuint (ld_source_tracker_get_n_sources (tracker), ==, 3);

  connections = ld_source_tracker_get_connections (tracker, source, &n_connections);
  g_assert_cmpuint (n_connections, ==, 2);
  g_assert_cmpstr (ld_intern_lookup (connections[0]), ==, "tcp-3");
  g_assert_cmpstr (ld_intern_lookup (connections[1]), ==, "tcp-7");
  g_assert_cmpstr (ld_source_tracker_get_label (tracker, source), ==, "myapp, pid 4242");

  /* The divider, as the store will keep it. */
  ld_store_append_batch (store, dividers);
  divider = ld_store_get_record (store, 0);
  message = message_of (divider);
  g_assert_cmpstr (message, ==, "tcp-7 reconnected as the same source as tcp-3 (myapp, pid 4242)");
  g_assert_cmpint (divider->level, ==, LD_LEVEL_INFO);
  g_assert_cmpstr (ld_intern_lookup (divider->logger), ==, "logdeck.ingest");
  g_assert_cmpstr (ld_intern_lookup (divider->connection), ==, "tcp-7");
  g_assert_cmpstr (ld_intern_lookup (divider->peer), ==, "127.0.0.1:50002");
  g_assert_true (ld_record_get_extra (divider, "previous_connection", &type, &value, &length));
  g_assert_cmpmem (value, length, "tcp-3", 5);

  /* Seen again, the divider changes nothing. */
  g_assert_cmpuint (ld_source_tracker_observe (tracker, divider, dividers), ==, source);
  g_assert_cmpuint (n_reconnected, ==, 1);
}

/* A WebSocket client that names itself, without process fields. */
static void
test_connection_id (void)
{
  g_autoptr(LdSourceTracker) tracker = ld_source_tracker_new ();
  g_autoptr(LdBatch) dividers = ld_batch_new ();
  g_autoptr(LdStore) store = ld_store_new (0);
  const Sender one = { "ws-1", "[::1]:40000", NULL, 0, "browser-tab-9" };
  const Sender two = { "ws-2", "[::1]:40002", NULL, 0, "browser-tab-9" };
  const Sender three = { "ws-3", "[::1]:40003", NULL, 0, "browser-tab-10" };
  g_autofree char *message = NULL;

  g_assert_cmpuint (send (tracker, &one, 2, dividers), ==, 1);
  /* ws-1 was not said to be closed: both are open. */
  g_assert_cmpuint (send (tracker, &two, 2, dividers), ==, 1);
  g_assert_cmpuint (send (tracker, &three, 2, dividers), ==, 2);
  g_assert_cmpuint (ld_batch_get_length (dividers), ==, 1);

  ld_store_append_batch (store, dividers);
  message = message_of (ld_store_get_record (store, 0));
  g_assert_cmpstr (message, ==,
                   "ws-2 connected as a second connection of the same source as ws-1 "
                   "(connection_id browser-tab-9)");
}

/* Records that never say who sent them cost the tracker nothing after a
 * while; a sender that says so a little late is still recognised; datagrams,
 * which share the endpoint's id, are not tracked. */
static void
test_unidentified (void)
{
  g_autoptr(LdSourceTracker) tracker = ld_source_tracker_new ();
  g_autoptr(LdBatch) dividers = ld_batch_new ();
  const Sender anonymous = { "tcp-1", "127.0.0.1:1", NULL, 0, NULL };
  const Sender late = { "tcp-2", "127.0.0.1:2", "late", 99, NULL };
  const Sender late_early = { "tcp-2", "127.0.0.1:2", NULL, 0, NULL };
  const Sender anonymous_named = { "tcp-1", "127.0.0.1:1", "late", 5, NULL };
  const Sender datagrams = { "udp", "127.0.0.1:3", "late", 99, NULL, "udp-pickle" };

  g_assert_cmpuint (send (tracker, &anonymous, LD_SOURCE_TRACKER_PATIENCE, dividers), ==, 0);
  g_assert_cmpuint (send (tracker, &anonymous_named, 1, dividers), ==, 0);

  g_assert_cmpuint (send (tracker, &late_early, 3, dividers), ==, 0);
  g_assert_cmpuint (send (tracker, &datagrams, 3, dividers), ==, 0);
  g_assert_cmpuint (send (tracker, &late, 1, dividers), ==, 1);
  g_assert_cmpuint (ld_batch_get_length (dividers), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/source-tracker/reconnect", test_reconnect);
  g_test_add_func ("/source-tracker/connection-id", test_connection_id);
  g_test_add_func ("/source-tracker/unidentified", test_unidentified);

  return g_test_run ();
}
