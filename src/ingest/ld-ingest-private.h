// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "ld-ingest.h"
#include "ld-pickle.h"

G_BEGIN_DECLS

/* What every source of one LdIngest shares. Apart from the atomic counter,
 * it is set up before the first source starts and read-only afterwards,
 * except @n_connections and @bodies_in_flight, which only the ingest thread
 * touches, and @n_endpoints and @stopped, which only the thread that adds
 * sources does. */
typedef struct
{
  GMainContext         *context;
  LdHandoff            *handoff;
  LdConnectionRegistry *registry;        /* nullable */
  guint32               max_frame_size;
  LdPickleLimits        limits;
  GHashTable           *n_connections;   /* kind ("tcp", "ws", "nng-1/pipe") → numbered */
  gsize                 n_records;       /* atomic */
  GTlsCertificate      *tls_certificate; /* nullable: TLS on stream listeners */
  GTlsDatabase         *tls_client_ca;   /* nullable: client certificates required */
  char                 *token;           /* nullable: HTTP endpoints require it */
  gboolean              insecure;
  LdListenLimits        listen;
  gsize                 bodies_in_flight; /* HTTP/OTLP body bytes held: see ld-soup-listener.c */
  LdProblemLimiter      problems;        /* across all connections */
  GHashTable           *n_endpoints;     /* static kind name → endpoints numbered */
  gboolean              stopped;         /* no more sources may be added */
} LdIngestShared;

/* How much nicer than the UI thread decoding runs. */
#define LD_INGEST_NICENESS 5

void            ld_ingest_lower_priority (void);
LdIngestShared *ld_ingest_get_shared     (LdIngest *self);

/* Pause between two reports of one connection's counts to the registry. */
#define LD_INGEST_REPORT_INTERVAL_US (100 * 1000)

/* Paces one endpoint's or connection's reports of its counts to the
 * registry: at most one per LD_INGEST_REPORT_INTERVAL_US, and a timer for
 * the last counts of a burst. Used on the ingest thread only. */
typedef void (*LdReportFunc) (gpointer owner);

typedef struct
{
  GMainContext *context;
  const char   *name;          /* static: the timer's, for profilers */
  LdReportFunc  report;        /* reports the owner's counts as they are */
  gpointer      owner;
  gint64        last_report;   /* monotonic µs */
  GSource      *timer;
} LdReportPacer;

void     ld_report_pacer_init     (LdReportPacer  *pacer,
                                   LdIngestShared *shared,
                                   const char     *name,
                                   LdReportFunc    report,
                                   gpointer        owner);
void     ld_report_pacer_reported (LdReportPacer  *pacer);
gboolean ld_report_pacer_is_due   (LdReportPacer  *pacer,
                                   gint64          now);
void     ld_report_pacer_later    (LdReportPacer  *pacer);
void     ld_report_pacer_progress (LdReportPacer  *pacer);
void     ld_report_pacer_stop     (LdReportPacer  *pacer);

void   ld_ingest_destroy_source      (GSource               **source);
void   ld_ingest_shared_flush        (LdIngestShared         *shared,
                                      LdBatch               **batch);
guint  ld_ingest_shared_number       (LdIngestShared         *shared,
                                      const char             *kind);
void   ld_ingest_shared_report       (LdIngestShared         *shared,
                                      const LdConnectionInfo *info);
char  *ld_ingest_format_address      (GSocketAddress         *address);
GSocket *ld_ingest_bind              (const char             *address,
                                      guint16                 port,
                                      GSocketType             type,
                                      char                  **bound_address,
                                      guint16                *bound_port,
                                      GError                **error);

G_END_DECLS
