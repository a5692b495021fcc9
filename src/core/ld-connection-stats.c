// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include "ld-connection-stats.h"
#include "ld-level.h"
#include "ld-ws-prefix.h"

/* Per-connection counts for the connection monitor, keyed by the interned
 * connection id and fed from the records the store appends.
 *
 * They are session totals, like the registry's record and byte counts that
 * the monitor shows beside them: neither eviction nor clearing the store
 * takes anything off (ld_connection_stats_reset() does). The records/s
 * sparkline is by arrival time, not by the records' own times, because it
 * shows how busy a connection is now, whatever its sender's clock says.
 *
 * A relay's connection carries many hosts: the records that name a host
 * are counted by host too, a bounded number of hosts per connection, so
 * that the monitor can show each host a relay forwards.
 *
 * A program that runs a websockets server or client and sends its DEBUG
 * records logs every frame: those are counted too (frames each way, pings,
 * the close code), for all of the WebSocket connections whose records
 * came over the connection. */

typedef struct
{
  LdConnectionCounts counts;
  guint32            rate[LD_CONNECTION_STATS_SECONDS];
  gint64             rate_second[LD_CONNECTION_STATS_SECONDS];

  /* Made at the connection's first record that names a host */
  GHashTable        *hosts;          /* GUINT_TO_POINTER (host) → LdConnectionCounts */
  GHashTable        *more_hosts;     /* hosts past the cap, as a set */
  guint64            n_more_records;
  guint32            last_host;      /* a relay's records come in runs of one host */
  LdConnectionCounts *last_host_counts;
} Entry;

struct _LdConnectionStats
{
  GObject     parent_instance;

  LdStore    *store;
  gulong      items_changed_id;
  GHashTable *entries;       /* GUINT_TO_POINTER (connection) → Entry */
  guint32     last_id;       /* consecutive records mostly share a connection */
  Entry      *last_entry;
  gboolean    has_websocket; /* a websockets debug record was counted */
};

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LdConnectionStats, ld_connection_stats, G_TYPE_OBJECT)

static inline gint64
floor_div (gint64 value,
           gint64 divisor)
{
  gint64 quotient = value / divisor;

  return (value % divisor != 0 && value < 0) ? quotient - 1 : quotient;
}

static inline guint
slot_of (gint64 second)
{
  return (guint) (((second % LD_CONNECTION_STATS_SECONDS) + LD_CONNECTION_STATS_SECONDS)
                  % LD_CONNECTION_STATS_SECONDS);
}

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_clear_pointer (&entry->hosts, g_hash_table_unref);
  g_clear_pointer (&entry->more_hosts, g_hash_table_unref);
  g_free (entry);
}

static void
count_websocket (LdConnectionCounts *counts,
                 const LdRecord     *record,
                 LdWsKind            kind)
{
  gsize length;
  const char *message = ld_record_get_message (record, &length);
  LdWsFrame frame = ld_ws_prefix_frame (message, length);
  int code;

  if (frame != LD_WS_FRAME_NONE)
    {
      counts->n_ws_sent += kind == LD_WS_SEND;
      counts->n_ws_received += kind == LD_WS_RECV;
      counts->n_ws_pings += frame == LD_WS_FRAME_PING;
    }
  code = ld_ws_prefix_close_code (message, length);
  if (code >= 0)
    counts->ws_close_code = code;
}

/* Returns whether @record was a websockets debug record. */
static gboolean
count_into (LdConnectionCounts *counts,
            const LdRecord     *record,
            gint64              arrival_us)
{
  LdWsKind kind = ld_ws_prefix_of_record (record);

  counts->n_records++;
  counts->n_warnings += record->level >= LD_LEVEL_WARNING;
  counts->n_errors += record->level >= LD_LEVEL_ERROR;
  counts->last_time = record->time_us;
  counts->last_arrival = arrival_us;
  if (kind != LD_WS_NONE)
    count_websocket (counts, record, kind);

  return kind != LD_WS_NONE;
}

/* The counts of @host on @entry's connection, or %NULL past the cap, when
 * the host is only counted among the others. */
static LdConnectionCounts *
host_counts_for (Entry   *entry,
                 guint32  host)
{
  LdConnectionCounts *counts;

  if (entry->last_host_counts != NULL && entry->last_host == host)
    return entry->last_host_counts;

  if (entry->hosts == NULL)
    entry->hosts = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  counts = g_hash_table_lookup (entry->hosts, GUINT_TO_POINTER (host));
  if (counts == NULL && g_hash_table_size (entry->hosts) < LD_CONNECTION_STATS_MAX_HOSTS)
    {
      counts = g_new0 (LdConnectionCounts, 1);
      g_hash_table_insert (entry->hosts, GUINT_TO_POINTER (host), counts);
    }
  if (counts == NULL)
    return NULL;

  entry->last_host = host;
  entry->last_host_counts = counts;
  return counts;
}

static void
count_host (Entry          *entry,
            const LdRecord *record,
            gint64          arrival_us)
{
  LdConnectionCounts *counts = host_counts_for (entry, record->host);

  if (counts != NULL)
    {
      count_into (counts, record, arrival_us);
      return;
    }

  entry->n_more_records++;
  if (entry->more_hosts == NULL)
    entry->more_hosts = g_hash_table_new (NULL, NULL);
  if (g_hash_table_size (entry->more_hosts) < LD_CONNECTION_STATS_MAX_MORE_HOSTS)
    g_hash_table_add (entry->more_hosts, GUINT_TO_POINTER (record->host));
}

static Entry *
entry_for (LdConnectionStats *self,
           guint32            connection,
           gboolean           create)
{
  Entry *entry;

  if (self->last_entry != NULL && self->last_id == connection)
    return self->last_entry;

  entry = g_hash_table_lookup (self->entries, GUINT_TO_POINTER (connection));
  if (entry == NULL && create)
    {
      entry = g_new0 (Entry, 1);
      g_hash_table_insert (self->entries, GUINT_TO_POINTER (connection), entry);
    }
  if (entry != NULL)
    {
      self->last_id = connection;
      self->last_entry = entry;
    }

  return entry;
}

static void
on_items_changed (LdConnectionStats *self,
                  guint              position,
                  guint              removed,
                  guint              added,
                  GListModel        *store)
{
  gint64 now = g_get_real_time ();

  if (added == 0)
    return;

  for (guint i = position; i < position + added; i++)
    ld_connection_stats_add_record (self, ld_store_get_record (self->store, i), now);

  g_signal_emit (self, signals[CHANGED], 0);
}

static void
ld_connection_stats_dispose (GObject *object)
{
  ld_connection_stats_detach (LD_CONNECTION_STATS (object));

  G_OBJECT_CLASS (ld_connection_stats_parent_class)->dispose (object);
}

static void
ld_connection_stats_finalize (GObject *object)
{
  g_hash_table_unref (LD_CONNECTION_STATS (object)->entries);

  G_OBJECT_CLASS (ld_connection_stats_parent_class)->finalize (object);
}

static void
ld_connection_stats_class_init (LdConnectionStatsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ld_connection_stats_dispose;
  object_class->finalize = ld_connection_stats_finalize;

  /**
   * LdConnectionStats::changed:
   *
   * Emitted once per batch of records that changed any count.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ld_connection_stats_init (LdConnectionStats *self)
{
  self->entries = g_hash_table_new_full (NULL, NULL, NULL, entry_free);
}

/**
 * ld_connection_stats_new:
 *
 * Returns: (transfer full): empty statistics
 */
LdConnectionStats *
ld_connection_stats_new (void)
{
  return g_object_new (LD_TYPE_CONNECTION_STATS, NULL);
}

/**
 * ld_connection_stats_attach_store:
 * @self: statistics
 * @store: the store whose appended records are counted
 *
 * Records already in @store are not counted: they arrived before.
 */
void
ld_connection_stats_attach_store (LdConnectionStats *self,
                                  LdStore           *store)
{
  g_return_if_fail (LD_IS_CONNECTION_STATS (self));
  g_return_if_fail (LD_IS_STORE (store));

  ld_connection_stats_detach (self);
  self->store = g_object_ref (store);
  self->items_changed_id = g_signal_connect_swapped (store, "items-changed",
                                                     G_CALLBACK (on_items_changed), self);
}

void
ld_connection_stats_detach (LdConnectionStats *self)
{
  g_return_if_fail (LD_IS_CONNECTION_STATS (self));

  if (self->store == NULL)
    return;

  g_clear_signal_handler (&self->items_changed_id, self->store);
  g_clear_object (&self->store);
}

/**
 * ld_connection_stats_add_record:
 * @self: statistics
 * @record: a record that arrived
 * @arrival_us: when, in µs since the epoch
 *
 * Counts @record for its connection, and for its host on that connection
 * if it names one; records without a connection are not counted.
 * The attached store calls this for each record it appends.
 */
void
ld_connection_stats_add_record (LdConnectionStats *self,
                                const LdRecord    *record,
                                gint64             arrival_us)
{
  Entry *entry;
  gint64 second;
  guint slot;

  g_return_if_fail (LD_IS_CONNECTION_STATS (self));

  if (record->connection == LD_INTERN_NONE)
    return;

  entry = entry_for (self, record->connection, TRUE);
  self->has_websocket |= count_into (&entry->counts, record, arrival_us);
  if (record->host != LD_INTERN_NONE)
    count_host (entry, record, arrival_us);

  second = floor_div (arrival_us, G_USEC_PER_SEC);
  slot = slot_of (second);
  if (entry->rate_second[slot] != second)
    {
      entry->rate_second[slot] = second;
      entry->rate[slot] = 0;
    }
  entry->rate[slot]++;
}

/**
 * ld_connection_stats_lookup:
 * @self: statistics
 * @connection: an interned connection id, such as ld_intern ("tcp-3", -1)
 * @counts: (out caller-allocates): its counts
 *
 * Returns: %FALSE if no record of @connection was counted; @counts is then
 *   all zero
 */
gboolean
ld_connection_stats_lookup (LdConnectionStats  *self,
                            guint32             connection,
                            LdConnectionCounts *counts)
{
  Entry *entry;

  g_return_val_if_fail (LD_IS_CONNECTION_STATS (self), FALSE);
  g_return_val_if_fail (counts != NULL, FALSE);

  entry = entry_for (self, connection, FALSE);
  if (entry == NULL)
    {
      *counts = (LdConnectionCounts) { 0 };
      return FALSE;
    }

  *counts = entry->counts;
  return TRUE;
}

/**
 * ld_connection_stats_get_rates:
 * @self: statistics
 * @connection: an interned connection id
 * @now_us: the end of the sparkline, in µs since the epoch
 * @per_second: (array fixed-size=60) (out caller-allocates): records that
 *   arrived in each of the last 60 seconds, oldest first, the last being
 *   the second of @now_us
 *
 * Returns: the largest of @per_second
 */
guint32
ld_connection_stats_get_rates (LdConnectionStats *self,
                               guint32            connection,
                               gint64             now_us,
                               guint32           *per_second)
{
  gint64 last = floor_div (now_us, G_USEC_PER_SEC);
  Entry *entry;
  guint32 max = 0;

  g_return_val_if_fail (LD_IS_CONNECTION_STATS (self), 0);
  g_return_val_if_fail (per_second != NULL, 0);

  entry = entry_for (self, connection, FALSE);
  for (guint i = 0; i < LD_CONNECTION_STATS_SECONDS; i++)
    {
      gint64 second = last - (LD_CONNECTION_STATS_SECONDS - 1) + i;
      guint slot = slot_of (second);

      per_second[i] = entry != NULL && entry->rate_second[slot] == second ? entry->rate[slot] : 0;
      max = MAX (max, per_second[i]);
    }

  return max;
}

static int
compare_host_names (gconstpointer a,
                    gconstpointer b)
{
  return g_strcmp0 (ld_intern_lookup (((const LdHostCounts *) a)->host),
                    ld_intern_lookup (((const LdHostCounts *) b)->host));
}

/**
 * ld_connection_stats_get_hosts:
 * @self: statistics
 * @connection: an interned connection id
 * @n_more_hosts: (out) (optional): how many hosts past
 *   %LD_CONNECTION_STATS_MAX_HOSTS were seen, counted up to
 *   %LD_CONNECTION_STATS_MAX_MORE_HOSTS
 * @n_more_records: (out) (optional): their records
 *
 * The hosts whose records came over @connection (a relay's), by name.
 *
 * Returns: (transfer full) (element-type LdHostCounts): at most
 *   %LD_CONNECTION_STATS_MAX_HOSTS hosts; empty when no record of
 *   @connection named one
 */
GArray *
ld_connection_stats_get_hosts (LdConnectionStats *self,
                               guint32            connection,
                               guint             *n_more_hosts,
                               guint64           *n_more_records)
{
  GArray *hosts = g_array_new (FALSE, FALSE, sizeof (LdHostCounts));
  Entry *entry;
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (LD_IS_CONNECTION_STATS (self), hosts);

  entry = entry_for (self, connection, FALSE);
  if (n_more_hosts != NULL)
    *n_more_hosts = entry != NULL && entry->more_hosts != NULL
                    ? g_hash_table_size (entry->more_hosts) : 0;
  if (n_more_records != NULL)
    *n_more_records = entry != NULL ? entry->n_more_records : 0;
  if (entry == NULL || entry->hosts == NULL)
    return hosts;

  g_hash_table_iter_init (&iter, entry->hosts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      LdHostCounts host = { GPOINTER_TO_UINT (key), *(LdConnectionCounts *) value };

      g_array_append_val (hosts, host);
    }
  g_array_sort (hosts, compare_host_names);

  return hosts;
}

/**
 * ld_connection_stats_has_websocket:
 * @self: statistics
 *
 * Returns: %TRUE once a debug record of the websockets library was counted,
 *   so that the monitor shows its column only to those who have them
 */
gboolean
ld_connection_stats_has_websocket (LdConnectionStats *self)
{
  g_return_val_if_fail (LD_IS_CONNECTION_STATS (self), FALSE);

  return self->has_websocket;
}

/**
 * ld_connection_stats_reset:
 * @self: statistics
 *
 * Forgets every count.
 */
void
ld_connection_stats_reset (LdConnectionStats *self)
{
  g_return_if_fail (LD_IS_CONNECTION_STATS (self));

  self->last_entry = NULL;
  self->has_websocket = FALSE;
  g_hash_table_remove_all (self->entries);
  g_signal_emit (self, signals[CHANGED], 0);
}
