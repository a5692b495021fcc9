// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ld-listen-guard.h"
#include "ld-source.h"

G_BEGIN_DECLS

/* The half that every plain stream listener shares (TCP pickle and JSON
 * lines, syslog and GELF over TCP): connections accepted by the guard,
 * watched for input with or without TLS, numbered, counted, reported to
 * the registry at a paced rate, closed on a deadline, a bad frame or the
 * sender's end, and read to the end of what they had sent when Logdeck
 * stops. How a connection reads and decodes its bytes is its kind's: an
 * LdStreamClass, whose connections embed an LdStreamConnection first and
 * whose listener embeds an LdStreamListener first.
 *
 * A connection's records and error records go into its own batch and
 * limiter, in the order its bytes came, and are handed over at least once
 * per dispatch. */

typedef struct _LdStreamClass      LdStreamClass;
typedef struct _LdStreamListener   LdStreamListener;
typedef struct _LdStreamConnection LdStreamConnection;

typedef enum
{
  LD_STREAM_READ_AGAIN,     /* the socket has nothing more for now, or the budget is spent */
  LD_STREAM_READ_EOF,
  LD_STREAM_READ_FAILED,
  LD_STREAM_READ_BAD,       /* reported already: the connection ends with an error */
} LdStreamReadResult;

struct _LdStreamClass
{
  const char  *watch_name;        /* static: a connection's input source, for profilers */
  const char  *pacer_name;        /* static: the endpoint's report timer */
  gsize        connection_size;   /* the kind's connection, which embeds LdStreamConnection */

  void               (*connection_init)  (LdStreamConnection  *connection);
  void               (*connection_clear) (LdStreamConnection  *connection);
  /* Reads and decodes until the socket has nothing more, or @budget bytes. */
  LdStreamReadResult (*read)             (LdStreamConnection  *connection,
                                          gsize                budget,
                                          GError             **error);
  /* Bytes of an unfinished frame or message. */
  gsize              (*pending)          (LdStreamConnection  *connection);
  /* Says what of an unfinished frame is lost as the connection ends for
   * @why; a sender that closed may have finished its last line. */
  void               (*warn_if_cut)      (LdStreamConnection  *connection,
                                          const char          *why,
                                          gboolean             sender_closed);
  /* After a dispatch's reads: sets the deadline, gives back memory. */
  void               (*after_read)       (LdStreamConnection  *connection);
};

struct _LdStreamListener
{
  LdSource             parent;
  const LdStreamClass *stream_class;
  const char          *connection_kind;   /* static: "tcp", whose connections are "tcp-1"… */
  LdGuard             *guard;
  gboolean             accepting;
  GHashTable          *connections;   /* LdStreamConnection set */
  gboolean             dirty;         /* counts changed since the last report */
  LdReportPacer        pacer;
};

struct _LdStreamConnection
{
  LdGuardEntry      entry;            /* first: the guard's expire function gets it */
  LdStreamListener *listener;
  char             *id;
  char             *peer;
  const char       *protocol;         /* static: the listener's, until the kind knows better */
  GSocket          *socket;
  GIOStream        *tls;              /* nullable: TLS over @socket */
  GSource          *source;
  LdProblemLimiter  limiter;
  LdBatch          *batch;
  guint64           n_records;
  guint64           n_bytes;
  guint64           n_errors;         /* bad input that did not end the connection */
  gint64            since;
  gint64            last_report;
  gboolean          dirty;
};

gpointer  ld_stream_listener_new         (gsize                size,
                                          const LdSourceClass *klass,
                                          const LdStreamClass *stream_class,
                                          const char          *connection_kind,
                                          LdIngestShared      *shared,
                                          const char          *address,
                                          guint16              port,
                                          GError             **error);
void      ld_stream_listener_start       (LdSource            *source);
void      ld_stream_listener_stop        (LdSource            *source);
void      ld_stream_listener_finalize    (LdSource            *source);

void      ld_stream_connection_report    (LdStreamConnection  *connection,
                                          LdConnectionState    state,
                                          const char          *last_error);
void      ld_stream_connection_fail      (LdStreamConnection  *connection,
                                          const char          *what);
gssize    ld_stream_connection_receive   (LdStreamConnection  *connection,
                                          char                *buffer,
                                          gsize                size,
                                          GError             **error);
LdStreamReadResult ld_stream_read_ended  (gssize               n,
                                          GError             **error);
void      ld_stream_connection_flush     (LdStreamConnection  *connection);
void      ld_stream_connection_problem   (LdStreamConnection  *connection,
                                          int                  level,
                                          const char          *what);
void      ld_stream_connection_set_deadline (LdStreamConnection *connection,
                                             gsize               pending,
                                             const char         *busy_why,
                                             gboolean            progress);

G_END_DECLS
