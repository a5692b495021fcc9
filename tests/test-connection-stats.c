// SPDX-License-Identifier: GPL-3.0-or-later
/* Unit tests for LdConnectionStats, the counts and records/s sparkline of
 * the connection monitor: until now only the ingest integration tests
 * reached it. */
#include "config.h"

#include <string.h>

#include "ld-connection-stats.h"
#include "ld-intern.h"
#include "ld-level.h"
#include "ld-store.h"

#define T0 G_GINT64_CONSTANT (1763700000000000)   /* 2025-11-21, µs, a whole second */
#define SECOND G_USEC_PER_SEC

static LdRecord
make_record (const char *connection,
             int         level,
             gint64      time_us)
{
  LdRecord record = { 0 };

  record.connection = connection != NULL ? ld_intern (connection, -1) : LD_INTERN_NONE;
  record.level = level;
  record.time_us = time_us;
  return record;
}

static void
add (LdConnectionStats *stats,
     const char        *connection,
     int                level,
     gint64             arrival_us)
{
  LdRecord record = make_record (connection, level, arrival_us - 5 * SECOND);

  ld_connection_stats_add_record (stats, &record, arrival_us);
}

static LdConnectionCounts
lookup (LdConnectionStats *stats,
        const char        *connection,
        gboolean           expect_found)
{
  LdConnectionCounts counts;

  g_assert_cmpint (ld_connection_stats_lookup (stats, ld_intern (connection, -1), &counts),
                   ==, expect_found);
  return counts;
}

static guint32
rates (LdConnectionStats *stats,
       const char        *connection,
       gint64             now_us,
       guint32           *per_second)
{
  return ld_connection_stats_get_rates (stats, ld_intern (connection, -1), now_us, per_second);
}

static void
assert_no_rates (LdConnectionStats *stats,
                 const char        *connection,
                 gint64             now_us)
{
  guint32 per_second[LD_CONNECTION_STATS_SECONDS];

  g_assert_cmpuint (rates (stats, connection, now_us, per_second), ==, 0);
  for (guint i = 0; i < LD_CONNECTION_STATS_SECONDS; i++)
    g_assert_cmpuint (per_second[i], ==, 0);
}

static void
test_connection_stats_empty (void)
{
  g_autoptr(LdConnectionStats) stats = ld_connection_stats_new ();
  LdConnectionCounts counts;

  /* A failed lookup still writes all zeros. */
  memset (&counts, 0xff, sizeof counts);
  g_assert_false (ld_connection_stats_lookup (stats, ld_intern ("tcp-1", -1), &counts));
  g_assert_cmpuint (counts.n_records, ==, 0);
  g_assert_cmpuint (counts.n_warnings, ==, 0);
  g_assert_cmpuint (counts.n_errors, ==, 0);
  g_assert_cmpint (counts.last_time, ==, 0);
  g_assert_cmpint (counts.last_arrival, ==, 0);
  assert_no_rates (stats, "tcp-1", T0);
}

static void
test_connection_stats_one (void)
{
  g_autoptr(LdConnectionStats) stats = ld_connection_stats_new ();
  guint32 per_second[LD_CONNECTION_STATS_SECONDS];
  LdConnectionCounts counts;

  add (stats, "tcp-1", LD_LEVEL_INFO, T0 + 250000);
  counts = lookup (stats, "tcp-1", TRUE);
  g_assert_cmpuint (counts.n_records, ==, 1);
  g_assert_cmpuint (counts.n_warnings, ==, 0);
  g_assert_cmpuint (counts.n_errors, ==, 0);
  g_assert_cmpint (counts.last_time, ==, T0 + 250000 - 5 * SECOND);
  g_assert_cmpint (counts.last_arrival, ==, T0 + 250000);

  /* The last of the 60 seconds is the one of now_us. */
  g_assert_cmpuint (rates (stats, "tcp-1", T0 + 999999, per_second), ==, 1);
  g_assert_cmpuint (per_second[LD_CONNECTION_STATS_SECONDS - 1], ==, 1);
  for (guint i = 0; i < LD_CONNECTION_STATS_SECONDS - 1; i++)
    g_assert_cmpuint (per_second[i], ==, 0);
}

/* Records without a connection are nobody's. */
static void
test_connection_stats_no_connection (void)
{
  g_autoptr(LdConnectionStats) stats = ld_connection_stats_new ();
  LdConnectionCounts counts;

  add (stats, NULL, LD_LEVEL_ERROR, T0);
  g_assert_false (ld_connection_stats_lookup (stats, LD_INTERN_NONE, &counts));
  g_assert_cmpuint (counts.n_records, ==, 0);
}

/* WARNING and above are warnings, ERROR and above errors too; any integer
 * is a level. */
static void
test_connection_stats_levels (void)
{
  g_autoptr(LdConnectionStats) stats = ld_connection_stats_new ();
  static const int levels[] = {
    LD_LEVEL_TRACE, LD_LEVEL_DEBUG, LD_LEVEL_INFO, LD_LEVEL_NOTICE, LD_LEVEL_WARNING - 1,
    LD_LEVEL_WARNING, 35, LD_LEVEL_ERROR - 1, LD_LEVEL_ERROR, LD_LEVEL_CRITICAL,
    LD_LEVEL_EMERGENCY, 1000, -7,
  };
  LdConnectionCounts counts;

  for (guint i = 0; i < G_N_ELEMENTS (levels); i++)
    add (stats, "ws-1", levels[i], T0 + i);
  counts = lookup (stats, "ws-1", TRUE);
  g_assert_cmpuint (counts.n_records, ==, G_N_ELEMENTS (levels));
  g_assert_cmpuint (counts.n_warnings, ==, 7);  /* 30, 35, 39, 40, 50, 60, 1000 */
  g_assert_cmpuint (counts.n_errors, ==, 4);    /* 40, 50, 60, 1000 */
  g_assert_cmpint (counts.last_arrival, ==, T0 + G_N_ELEMENTS (levels) - 1);
}

/* Interleaved connections keep apart, whatever the lookups in between. */
static void
test_connection_stats_per_connection (void)
{
  g_autoptr(LdConnectionStats) stats = ld_connection_stats_new ();
  LdConnectionCounts a, b, c;

  for (guint i = 0; i < 30; i++)
    {
      add (stats, i % 3 == 0 ? "tcp-1" : "tcp-2", i % 5 == 0 ? LD_LEVEL_ERROR : LD_LEVEL_INFO,
           T0 + i * 1000);
      if (i % 7 == 0)
        lookup (stats, "tcp-3", FALSE);
    }

  a = lookup (stats, "tcp-1", TRUE);
  b = lookup (stats, "tcp-2", TRUE);
  c = lookup (stats, "tcp-3", FALSE);
  g_assert_cmpuint (a.n_records, ==, 10);
  g_assert_cmpuint (b.n_records, ==, 20);
  g_assert_cmpuint (c.n_records, ==, 0);
  g_assert_cmpuint (a.n_errors, ==, 2);         /* 0 and 15 */
  g_assert_cmpuint (b.n_errors, ==, 4);         /* 5, 10, 20 and 25 */
  g_assert_cmpuint (a.n_warnings, ==, a.n_errors);
  g_assert_cmpint (a.last_arrival, ==, T0 + 27 * 1000);
  g_assert_cmpint (b.last_arrival, ==, T0 + 29 * 1000);
  assert_no_rates (stats, "tcp-3", T0);
}

/* The sparkline: records by arrival second over the last minute, oldest
 * first, and the largest of them. */
static void
test_connection_stats_rates (void)
{
  g_autoptr(LdConnectionStats) stats = ld_connection_stats_new ();
  guint32 per_second[LD_CONNECTION_STATS_SECONDS];
  gint64 now = T0 + 100 * SECOND;

  /* Arrivals in order: two out of sight, then k + 1 records in the second
   * now - k, for k from 59 down to 0. */
  add (stats, "udp", LD_LEVEL_INFO, now - 1000 * SECOND);
  add (stats, "udp", LD_LEVEL_INFO, now - LD_CONNECTION_STATS_SECONDS * SECOND);
  for (int k = LD_CONNECTION_STATS_SECONDS - 1; k >= 0; k--)
    for (int j = 0; j <= k; j++)
      add (stats, "udp", LD_LEVEL_INFO, now - k * SECOND + j);

  g_assert_cmpuint (rates (stats, "udp", now + SECOND - 1, per_second), ==, 60);
  for (guint i = 0; i < LD_CONNECTION_STATS_SECONDS; i++)
    g_assert_cmpuint (per_second[i], ==, LD_CONNECTION_STATS_SECONDS - i);

  /* Ten seconds later, the oldest ten seconds have gone and the newest are empty. */
  g_assert_cmpuint (rates (stats, "udp", now + 10 * SECOND, per_second), ==, 50);
  for (guint i = 0; i < LD_CONNECTION_STATS_SECONDS; i++)
    g_assert_cmpuint (per_second[i], ==, i < 50 ? 50 - i : 0);

  /* A minute after the last record, nothing is left. */
  assert_no_rates (stats, "udp", now + LD_CONNECTION_STATS_SECONDS * SECOND);
  /* Totals are not a sparkline: they keep everything. */
  g_assert_cmpuint (lookup (stats, "udp", TRUE).n_records, ==, 60 * 61 / 2 + 2);
}

/* A second's slot is reused a minute later: the old count does not leak
 * into the new second. */
static void
test_connection_stats_slot_reuse (void)
{
  g_autoptr(LdConnectionStats) stats = ld_connection_stats_new ();
  guint32 per_second[LD_CONNECTION_STATS_SECONDS];

  for (guint i = 0; i < 5; i++)
    add (stats, "tcp-9", LD_LEVEL_INFO, T0);
  add (stats, "tcp-9", LD_LEVEL_INFO, T0 + LD_CONNECTION_STATS_SECONDS * SECOND);

  g_assert_cmpuint (rates (stats, "tcp-9", T0 + LD_CONNECTION_STATS_SECONDS * SECOND,
                           per_second), ==, 1);
  g_assert_cmpuint (per_second[LD_CONNECTION_STATS_SECONDS - 1], ==, 1);

  /* Asked about the old second, the slot is no longer its. */
  assert_no_rates (stats, "tcp-9", T0);
}

/* Arrival times before 1970 fall in the second they belong to, not the one after. */
static void
test_connection_stats_before_epoch (void)
{
  g_autoptr(LdConnectionStats) stats = ld_connection_stats_new ();
  guint32 per_second[LD_CONNECTION_STATS_SECONDS];

  add (stats, "old", LD_LEVEL_INFO, -1);
  add (stats, "old", LD_LEVEL_INFO, -SECOND);
  add (stats, "old", LD_LEVEL_INFO, 0);

  g_assert_cmpuint (rates (stats, "old", 0, per_second), ==, 2);
  g_assert_cmpuint (per_second[LD_CONNECTION_STATS_SECONDS - 1], ==, 1);  /* [0, 1 s) */
  g_assert_cmpuint (per_second[LD_CONNECTION_STATS_SECONDS - 2], ==, 2);  /* [-1 s, 0) */
  g_assert_cmpuint (rates (stats, "old", -1, per_second), ==, 2);
  g_assert_cmpuint (per_second[LD_CONNECTION_STATS_SECONDS - 1], ==, 2);
}

static void
count_signal (gpointer  instance,
              guint    *count)
{
  (*count)++;
}

/* Reset forgets everything and says so; an id used again counts from zero. */
static void
test_connection_stats_reset (void)
{
  g_autoptr(LdConnectionStats) stats = ld_connection_stats_new ();
  guint changed = 0;
  LdConnectionCounts counts;

  g_signal_connect (stats, "changed", G_CALLBACK (count_signal), &changed);
  add (stats, "tcp-1", LD_LEVEL_ERROR, T0);
  add (stats, "tcp-2", LD_LEVEL_INFO, T0);
  /* Counting by hand is not a batch from a store: no signal. */
  g_assert_cmpuint (changed, ==, 0);

  ld_connection_stats_reset (stats);
  g_assert_cmpuint (changed, ==, 1);
  lookup (stats, "tcp-1", FALSE);
  lookup (stats, "tcp-2", FALSE);
  assert_no_rates (stats, "tcp-1", T0);

  add (stats, "tcp-2", LD_LEVEL_WARNING, T0 + SECOND);
  counts = lookup (stats, "tcp-2", TRUE);
  g_assert_cmpuint (counts.n_records, ==, 1);
  g_assert_cmpuint (counts.n_warnings, ==, 1);
  g_assert_cmpuint (counts.n_errors, ==, 0);
  lookup (stats, "tcp-1", FALSE);
}

static void
append (LdStore    *store,
        const char *connection,
        guint       n)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();

  for (guint i = 0; i < n; i++)
    {
      LdRecordFields fields = { 0 };

      fields.time_us = T0 + i;
      fields.level = i % 2 == 0 ? LD_LEVEL_WARNING : LD_LEVEL_INFO;
      fields.logger = "test";
      fields.message = "hello";
      fields.connection = connection;
      ld_batch_add (batch, &fields);
    }
  ld_store_append_batch (store, batch);
}

/* Attached to a store, the counts follow what it appends, one ::changed a
 * batch; they are session totals, which eviction and clearing leave. */
static void
test_connection_stats_store (void)
{
  g_autoptr(LdStore) store = ld_store_new (100);
  g_autoptr(LdConnectionStats) stats = ld_connection_stats_new ();
  gint64 before = g_get_real_time ();
  guint changed = 0;
  LdConnectionCounts counts;

  append (store, "tcp-1", 10);   /* before attaching: arrived earlier, not counted */
  ld_connection_stats_attach_store (stats, store);
  g_signal_connect (stats, "changed", G_CALLBACK (count_signal), &changed);
  lookup (stats, "tcp-1", FALSE);

  append (store, "tcp-1", 40);
  append (store, "tcp-2", 3);
  g_assert_cmpuint (changed, ==, 2);
  counts = lookup (stats, "tcp-1", TRUE);
  g_assert_cmpuint (counts.n_records, ==, 40);
  g_assert_cmpuint (counts.n_warnings, ==, 20);
  g_assert_cmpint (counts.last_time, ==, T0 + 39);
  g_assert_cmpint (counts.last_arrival, >=, before);
  g_assert_cmpint (counts.last_arrival, <=, g_get_real_time ());
  g_assert_cmpuint (lookup (stats, "tcp-2", TRUE).n_records, ==, 3);

  /* The store evicts 53 + 90 - 100 = 43 records; the counts stay. */
  append (store, "tcp-1", 90);
  g_assert_cmpuint (ld_store_get_n_evicted (store), ==, 43);
  g_assert_cmpuint (lookup (stats, "tcp-1", TRUE).n_records, ==, 130);
  g_assert_cmpuint (lookup (stats, "tcp-2", TRUE).n_records, ==, 3);

  changed = 0;
  ld_store_clear (store);
  g_assert_cmpuint (changed, ==, 0);
  g_assert_cmpuint (lookup (stats, "tcp-1", TRUE).n_records, ==, 130);

  /* Detached, it counts no more; attached to another store, it follows that one only. */
  ld_connection_stats_detach (stats);
  ld_connection_stats_detach (stats);
  append (store, "tcp-1", 5);
  g_assert_cmpuint (lookup (stats, "tcp-1", TRUE).n_records, ==, 130);
  {
    g_autoptr(LdStore) other = ld_store_new (100);

    ld_connection_stats_attach_store (stats, store);
    ld_connection_stats_attach_store (stats, other);
    append (store, "tcp-1", 5);
    append (other, "tcp-1", 2);
    g_assert_cmpuint (lookup (stats, "tcp-1", TRUE).n_records, ==, 132);
  }

  /* The stats hold a store only while attached: both go cleanly. */
  g_assert_finalize_object (g_steal_pointer (&stats));
  g_assert_finalize_object (g_steal_pointer (&store));
}

/* A relay's connection: each host counted apart, by name; records without a
 * host count for the connection only. */
static void
test_connection_stats_hosts (void)
{
  g_autoptr(LdConnectionStats) stats = ld_connection_stats_new ();
  static const struct { const char *host; int level; } sent[] = {
    { "web-2", 20 }, { "web-1", 40 }, { "web-2", 30 }, { NULL, 20 }, { "db-1", 20 },
    { "web-2", 20 },
  };
  g_autoptr(GArray) hosts = NULL;
  guint n_more_hosts = 99;
  guint64 n_more_records = 99;

  for (guint i = 0; i < G_N_ELEMENTS (sent); i++)
    {
      LdRecord record = make_record ("syslog-1", sent[i].level, T0 + i);

      record.host = sent[i].host != NULL ? ld_intern (sent[i].host, -1) : LD_INTERN_NONE;
      ld_connection_stats_add_record (stats, &record, T0 + i);
    }
  add (stats, "tcp-1", 20, T0);

  g_assert_cmpuint (lookup (stats, "syslog-1", TRUE).n_records, ==, 6);
  hosts = ld_connection_stats_get_hosts (stats, ld_intern ("syslog-1", -1), &n_more_hosts,
                                         &n_more_records);
  g_assert_cmpuint (hosts->len, ==, 3);
  g_assert_cmpuint (n_more_hosts, ==, 0);
  g_assert_cmpuint (n_more_records, ==, 0);
  g_assert_cmpstr (ld_intern_lookup (g_array_index (hosts, LdHostCounts, 0).host), ==, "db-1");
  g_assert_cmpstr (ld_intern_lookup (g_array_index (hosts, LdHostCounts, 1).host), ==, "web-1");
  g_assert_cmpstr (ld_intern_lookup (g_array_index (hosts, LdHostCounts, 2).host), ==, "web-2");
  g_assert_cmpuint (g_array_index (hosts, LdHostCounts, 1).counts.n_errors, ==, 1);
  g_assert_cmpuint (g_array_index (hosts, LdHostCounts, 2).counts.n_records, ==, 3);
  g_assert_cmpuint (g_array_index (hosts, LdHostCounts, 2).counts.n_warnings, ==, 1);
  g_assert_cmpint (g_array_index (hosts, LdHostCounts, 2).counts.last_time, ==, T0 + 5);
  g_clear_pointer (&hosts, g_array_unref);

  /* A connection whose records name no host has none; nor has an unknown one. */
  hosts = ld_connection_stats_get_hosts (stats, ld_intern ("tcp-1", -1), NULL, NULL);
  g_assert_cmpuint (hosts->len, ==, 0);
  g_clear_pointer (&hosts, g_array_unref);
  hosts = ld_connection_stats_get_hosts (stats, ld_intern ("tcp-404", -1), &n_more_hosts, NULL);
  g_assert_cmpuint (hosts->len, ==, 0);
  g_assert_cmpuint (n_more_hosts, ==, 0);
  g_clear_pointer (&hosts, g_array_unref);

  ld_connection_stats_reset (stats);
  hosts = ld_connection_stats_get_hosts (stats, ld_intern ("syslog-1", -1), NULL, NULL);
  g_assert_cmpuint (hosts->len, ==, 0);
}

/* A relay with more hosts than the cap: the first LD_CONNECTION_STATS_MAX_HOSTS
 * are counted apart, the rest together, and the rest's number is bounded
 * too, so that a flood of made-up host names costs a bounded memory. */
static void
test_connection_stats_host_cap (void)
{
  g_autoptr(LdConnectionStats) stats = ld_connection_stats_new ();
  g_autoptr(GArray) hosts = NULL;
  guint n_hosts = LD_CONNECTION_STATS_MAX_HOSTS + LD_CONNECTION_STATS_MAX_MORE_HOSTS + 100;
  guint n_more_hosts = 0;
  guint64 n_more_records = 0;

  for (guint i = 0; i < n_hosts; i++)
    for (guint j = 0; j < 2; j++)
      {
        g_autofree char *host = g_strdup_printf ("host-%05u", i);
        LdRecord record = make_record ("otlp-3", 20, T0);

        record.host = ld_intern (host, -1);
        ld_connection_stats_add_record (stats, &record, T0);
      }

  hosts = ld_connection_stats_get_hosts (stats, ld_intern ("otlp-3", -1), &n_more_hosts,
                                         &n_more_records);
  g_assert_cmpuint (hosts->len, ==, LD_CONNECTION_STATS_MAX_HOSTS);
  /* The first hosts seen are the ones kept. */
  g_assert_cmpstr (ld_intern_lookup (g_array_index (hosts, LdHostCounts, 0).host), ==,
                   "host-00000");
  g_assert_cmpstr (ld_intern_lookup (g_array_index (hosts, LdHostCounts, hosts->len - 1).host),
                   ==, "host-00255");
  g_assert_cmpuint (n_more_hosts, ==, LD_CONNECTION_STATS_MAX_MORE_HOSTS);
  g_assert_cmpuint (n_more_records, ==, 2 * (n_hosts - LD_CONNECTION_STATS_MAX_HOSTS));
  g_assert_cmpuint (lookup (stats, "otlp-3", TRUE).n_records, ==, 2 * n_hosts);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/connection-stats/empty", test_connection_stats_empty);
  g_test_add_func ("/connection-stats/one", test_connection_stats_one);
  g_test_add_func ("/connection-stats/no-connection", test_connection_stats_no_connection);
  g_test_add_func ("/connection-stats/levels", test_connection_stats_levels);
  g_test_add_func ("/connection-stats/per-connection", test_connection_stats_per_connection);
  g_test_add_func ("/connection-stats/rates", test_connection_stats_rates);
  g_test_add_func ("/connection-stats/slot-reuse", test_connection_stats_slot_reuse);
  g_test_add_func ("/connection-stats/before-epoch", test_connection_stats_before_epoch);
  g_test_add_func ("/connection-stats/reset", test_connection_stats_reset);
  g_test_add_func ("/connection-stats/store", test_connection_stats_store);
  g_test_add_func ("/connection-stats/hosts", test_connection_stats_hosts);
  g_test_add_func ("/connection-stats/host-cap", test_connection_stats_host_cap);
  return g_test_run ();
}
