// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "ld-ingest.h"
#include "ld-pickle.h"

G_BEGIN_DECLS

/* A token bucket for Logdeck's own records about one connection's bad
 * input; see ld_problem_limiter_allow(). */
typedef struct _LdProblemLimiter LdProblemLimiter;
struct _LdProblemLimiter
{
  LdProblemLimiter *parent;        /* the ingest thread's, across connections */
  gint64            refilled_at;   /* monotonic µs */
  double            tokens;
  guint64           n_suppressed;
};

/* What every source of one LdIngest shares. Apart from the atomic counter,
 * it is set up before the first source starts and read-only afterwards,
 * except @n_connections, which only the ingest thread touches, and
 * @n_endpoints and @stopped, which only the thread that adds sources does. */
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
  LdProblemLimiter      problems;        /* across all connections */
  GHashTable           *n_endpoints;     /* static kind name → endpoints numbered */
  gboolean              stopped;         /* no more sources may be added */
} LdIngestShared;

/* Where records came from: the connection's or session's id, which a record
 * with a connection id of its own overrides, the peer and the protocol. */
typedef struct
{
  LdRecordOrigin    record;
  LdProblemLimiter *limiter;   /* nullable: the connection's, for its error records */
} LdIngestOrigin;

/* How much of a bad JSON text an error record quotes. */
#define LD_INGEST_QUOTE_BYTES 200

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
void   ld_problem_limiter_init       (LdProblemLimiter       *limiter,
                                      LdProblemLimiter       *parent);
void   ld_problem_limiter_flush      (LdProblemLimiter       *limiter,
                                      LdBatch                *batch,
                                      const char             *connection,
                                      const char             *peer,
                                      const char             *protocol);
void   ld_ingest_add_problem         (LdBatch                *batch,
                                      LdProblemLimiter       *limiter,
                                      int                     level,
                                      const char             *connection,
                                      const char             *peer,
                                      const char             *protocol,
                                      const char             *format,
                                      ...) G_GNUC_PRINTF (7, 8);
char  *ld_ingest_format_address      (GSocketAddress         *address);
gboolean ld_ingest_is_blank          (const char             *text,
                                      gsize                   length);
gboolean ld_ingest_validate_utf8     (const char             *text,
                                      gsize                   length,
                                      gsize                  *bad_at);
char    *ld_ingest_quote             (const char             *text,
                                      gsize                   length);
gboolean ld_ingest_add_json          (LdBatch                *batch,
                                      const char             *text,
                                      gsize                   length,
                                      const LdIngestOrigin   *origin,
                                      guint                  *n_added,
                                      GError                **error);
GSocket *ld_ingest_bind              (const char             *address,
                                      guint16                 port,
                                      GSocketType             type,
                                      char                  **bound_address,
                                      guint16                *bound_port,
                                      GError                **error);

G_END_DECLS
