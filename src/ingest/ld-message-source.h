// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ld-source.h"

G_BEGIN_DECLS

/* The transport shared by the protocols whose messages a core decoder
 * frames and reads on its own, syslog and GELF: a TCP listener (an
 * LdStreamListener) whose connections push their bytes through a
 * per-connection framer, and a UDP endpoint that takes one datagram at a
 * time, which DatagramHandler's pickles use too. A protocol describes
 * itself in an LdMessageProtocol; its ld-<name>-source.c defines the source
 * classes with the functions below and adds nothing else (a protocol
 * without TCP leaves the framer out).
 *
 * A frame the framer refuses, or a message the decoder cannot read, ends
 * only its own TCP connection, with an error record naming the connection
 * and the reason; a bad datagram is counted and reported, rate-limited. */

typedef struct _LdMessageProtocol LdMessageProtocol;

struct _LdMessageProtocol
{
  const char *connection_kind;   /* "syslog": connections are "syslog-1"… */
  const char *tcp_protocol;      /* what the registry lists, "syslog-tcp" */
  const char *udp_protocol;      /* "syslog-udp" */

  /* One stream's framer: bytes in, whole messages out (valid until the
   * next push); next() fails with a reason that closes the connection. */
  gpointer  (*framer_new)     (void);
  void      (*framer_free)    (gpointer framer);
  void      (*framer_push)    (gpointer framer,
                               const char *data,
                               gsize length);
  gboolean  (*framer_next)    (gpointer framer,
                               const char **message,
                               gsize *length,
                               GError **error);
  gsize     (*framer_pending) (gpointer framer);

  /* One endpoint's decoding state, shared by its connections (the ingest
   * thread runs one at a time). */
  gpointer  (*decoder_new)    (LdIngestShared *shared);
  void      (*decoder_free)   (gpointer decoder);
  gboolean  (*decode)         (gpointer decoder,
                               LdBatch *batch,
                               const char *message,
                               gsize length,
                               const LdRecordOrigin *origin,
                               GError **error);
  /* A datagram: a whole message, or a part the decoder keeps (@now_us is
   * the monotonic clock). Nullable: then a datagram is decoded as it is. */
  gboolean  (*datagram)       (gpointer decoder,
                               LdBatch *batch,
                               const char *data,
                               gsize length,
                               gint64 now_us,
                               const LdRecordOrigin *origin,
                               GError **error);
  /* Nullable: when held parts must be looked at again (monotonic µs, 0
   * for never), and dropping those that are too old; returns a problem to
   * report, or %NULL. */
  gint64    (*next_deadline)  (gpointer decoder);
  char     *(*expire)         (gpointer decoder,
                               gint64 now_us);
};

LdSource *ld_message_tcp_source_new      (const LdSourceClass     *klass,
                                          const LdMessageProtocol *protocol,
                                          LdIngestShared          *shared,
                                          const char              *address,
                                          guint16                  port,
                                          GError                 **error);
void      ld_message_tcp_source_finalize (LdSource                *source);

LdSource *ld_message_udp_source_new      (const LdSourceClass     *klass,
                                          const LdMessageProtocol *protocol,
                                          LdIngestShared          *shared,
                                          const char              *address,
                                          guint16                  port,
                                          GError                 **error);
void      ld_message_udp_source_start    (LdSource                *source);
void      ld_message_udp_source_stop     (LdSource                *source);
void      ld_message_udp_source_finalize (LdSource                *source);

G_END_DECLS
