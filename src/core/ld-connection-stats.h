// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "ld-store.h"

G_BEGIN_DECLS

/* The records/s sparkline of a connection: the last minute, by second. */
#define LD_CONNECTION_STATS_SECONDS 60

/* What the connection monitor shows of one connection's records. */
typedef struct
{
  guint64 n_records;
  guint64 n_warnings;       /* WARNING and above */
  guint64 n_errors;         /* ERROR and above */
  gint64  last_time;        /* the newest record's own time, µs since the epoch */
  gint64  last_arrival;     /* when it arrived, µs since the epoch */

  /* From the websockets library's debug records (ld-ws-prefix.h) */
  guint64 n_ws_sent;        /* frames sent, "> TEXT …" and the rest */
  guint64 n_ws_received;    /* frames received */
  guint64 n_ws_pings;       /* PING frames, either way */
  int     ws_close_code;    /* the last close code logged; 0 for none */
} LdConnectionCounts;

/* A relay (rsyslog, an OpenTelemetry Collector) forwards many hosts over one
 * connection: each host's records are counted apart, up to this many hosts
 * per connection. Past them, hosts are only counted, up to
 * LD_CONNECTION_STATS_MAX_MORE_HOSTS, and their records together. */
#define LD_CONNECTION_STATS_MAX_HOSTS      256
#define LD_CONNECTION_STATS_MAX_MORE_HOSTS 4096

/* One host's records on one connection. */
typedef struct
{
  guint32            host;    /* interned */
  LdConnectionCounts counts;
} LdHostCounts;

#define LD_TYPE_CONNECTION_STATS (ld_connection_stats_get_type ())

G_DECLARE_FINAL_TYPE (LdConnectionStats, ld_connection_stats, LD, CONNECTION_STATS, GObject)

LdConnectionStats *ld_connection_stats_new           (void);
void               ld_connection_stats_attach_store  (LdConnectionStats  *self,
                                                      LdStore            *store);
void               ld_connection_stats_detach        (LdConnectionStats  *self);
void               ld_connection_stats_add_record    (LdConnectionStats  *self,
                                                      const LdRecord     *record,
                                                      gint64              arrival_us);
gboolean           ld_connection_stats_lookup        (LdConnectionStats  *self,
                                                      guint32             connection,
                                                      LdConnectionCounts *counts);
guint32            ld_connection_stats_get_rates     (LdConnectionStats  *self,
                                                      guint32             connection,
                                                      gint64              now_us,
                                                      guint32            *per_second);
GArray            *ld_connection_stats_get_hosts     (LdConnectionStats  *self,
                                                      guint32             connection,
                                                      guint              *n_more_hosts,
                                                      guint64            *n_more_records);
gboolean           ld_connection_stats_has_websocket (LdConnectionStats  *self);
void               ld_connection_stats_reset         (LdConnectionStats  *self);

G_END_DECLS
