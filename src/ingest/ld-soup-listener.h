// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <libsoup/soup.h>

#include "ld-listen-guard.h"
#include "ld-source.h"

G_BEGIN_DECLS

/* The half that the libsoup endpoints (HTTP and OTLP/HTTP) share: the
 * server made and stopped on the ingest thread, connections accepted by the
 * guard and handed to libsoup, answers from the headers that close without
 * reading a body, and request bodies collected here rather than by libsoup,
 * within one limit per body and one budget for every body in flight.
 *
 * A kind embeds an LdSoupListener first, makes it with
 * ld_soup_listener_new(), adds its handlers to @server after
 * ld_soup_listener_start(), and keeps its own answers and formats. */

/* The peer a request's records name; the kind decides what to believe. */
typedef char *(*LdSoupPeerFunc) (SoupServerMessage *msg);

typedef struct
{
  LdSource          parent;
  LdGuard          *guard;
  LdProblemLimiter  limiter;
  SoupServer       *server;      /* while serving, on the ingest thread */
  LdBatch          *batch;
  LdReportPacer     pacer;
  LdSoupPeerFunc    request_peer;
} LdSoupListener;

/* A body collected up to @limit. Until the request ends, what it holds (or
 * was declared to hold) counts against the budget of bodies in flight. */
typedef struct
{
  LdIngestShared *shared;     /* which outlives the listener, and this */
  GByteArray     *data;       /* %NULL once released or refused */
  gsize           limit;
  gsize           reserved;   /* bytes counted against the budget */
  guint           status;     /* 0, or why it was refused: 413 or 503 */
  char           *refusal;    /* nullable: the reason, in words */
} LdSoupBody;

gpointer     ld_soup_listener_new             (gsize                size,
                                               const LdSourceClass *klass,
                                               LdIngestShared      *shared,
                                               const char          *address,
                                               guint16              port,
                                               const char          *pacer_name,
                                               LdReportFunc         report_counts,
                                               LdSoupPeerFunc       request_peer,
                                               GError             **error);
void         ld_soup_listener_start           (LdSoupListener      *self);
void         ld_soup_listener_stop            (LdSoupListener      *self);
void         ld_soup_listener_flush_problems  (LdSoupListener      *self);
void         ld_soup_listener_finalize        (LdSoupListener      *self);
LdConnectionInfo ld_soup_listener_describe    (LdSoupListener      *self,
                                               LdConnectionState    state);

gboolean     ld_soup_listener_is_expired      (SoupServerMessage   *msg);
GSocket     *ld_soup_listener_hand_over       (SoupServerMessage   *msg);
void         ld_soup_listener_report_refusal  (LdSoupListener      *self,
                                               SoupServerMessage   *msg,
                                               guint                status,
                                               const char          *reason);
void         ld_soup_listener_refuse_early    (LdSoupListener      *self,
                                               SoupServerMessage   *msg,
                                               guint                status,
                                               const char          *reason);

LdSoupBody  *ld_soup_listener_collect_body    (LdSoupListener      *self,
                                               SoupServerMessage   *msg,
                                               gsize                limit);
LdSoupBody  *ld_soup_body_of                  (SoupServerMessage   *msg);
void         ld_soup_body_release             (LdSoupBody          *body);

void         ld_soup_respond                  (SoupServerMessage   *msg,
                                               guint                status,
                                               const char          *content_type,
                                               const char          *data,
                                               gsize                size);
gboolean     ld_soup_token_equal              (const char          *given,
                                               const char          *token);

G_END_DECLS
