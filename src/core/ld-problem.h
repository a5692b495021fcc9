// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

#include "ld-record.h"

G_BEGIN_DECLS

/* Logdeck's own records about bad input, which every decoder of what a
 * sender sent writes the same way: from logger "logdeck.ingest", quoting
 * the start of the bad bytes, and rate-limited per connection and overall
 * so that a sender cannot push good records out with them. The decoders of
 * network formats in core use them, and so does every source in ingest. */

#define LD_INGEST_LOGGER "logdeck.ingest"

/* Logdeck's own records about bad input: at most this many a second per
 * connection (after a burst of LD_PROBLEMS_BURST), and across all of them;
 * the rest are counted in a "suppressed" summary. */
#define LD_PROBLEMS_PER_SECOND         5
#define LD_PROBLEMS_BURST              20
#define LD_PROBLEMS_GLOBAL_PER_SECOND  20
#define LD_PROBLEMS_GLOBAL_BURST       200

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

/* Where records came from: the connection's or session's id, which a record
 * with a connection id of its own overrides, the peer and the protocol. */
typedef struct
{
  LdRecordOrigin    record;
  LdProblemLimiter *limiter;   /* nullable: the connection's, for its error records */
} LdIngestOrigin;

/* How much of a bad JSON text an error record quotes. */
#define LD_INGEST_QUOTE_BYTES 200

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

G_END_DECLS
