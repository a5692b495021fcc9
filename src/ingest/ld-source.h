// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ld-ingest-private.h"

G_BEGIN_DECLS

/* One way records come in: a TCP, UDP or HTTP listener, a WebSocket client,
 * a ZeroMQ or NNG socket. Each kind embeds an LdSource first and points it
 * at a static LdSourceClass; LdIngest keeps a list of them, starts and
 * stops them through the class, and knows none of them by name.
 *
 * A kind's constructor takes the id (ld_source_next_id()), binds or checks
 * its address on the caller's thread, and lists a failure in the registry
 * itself (ld_source_report_failed()), so that ld_ingest_add_source() only
 * has to start what it is given. A new kind is one ld-<name>-source.c and
 * one line in ld-ingest-sources.c. */

typedef struct _LdSourceClass LdSourceClass;

/* What protects a kind of listener when it listens beyond loopback. */
typedef enum
{
  LD_PROTECTED_BY_TLS,
  LD_PROTECTED_BY_TLS_OR_TOKEN,
  LD_PROTECTED_BY_NOTHING,     /* UDP: neither is possible */
} LdProtection;

struct _LdSourceClass
{
  const char   *kind;                            /* "tcp", for profilers and messages */
  void        (*start)          (LdSource *source);  /* on the ingest thread */
  void        (*stop)           (LdSource *source);  /* on the ingest thread */
  void        (*finalize)       (LdSource *source);  /* frees what the kind added */
  const char *(*get_uri)        (LdSource *source);  /* nullable: for URI endpoints */

  /* For listeners, which ld_source_new_listener() makes. */
  const char   *protocol;
  LdProtection  protection;
  GSocketType   socket_type;   /* G_SOCKET_TYPE_STREAM listens */
};

/* Defines the static class of a kind whose functions are @prefix_start,
 * @prefix_stop and @prefix_finalize; more members may follow, such as
 * ".get_uri = zmq_source_get_uri". */
#define LD_DEFINE_SOURCE_CLASS(prefix, name, ...)  \
  static const LdSourceClass prefix##_class = {    \
    .kind = name,                                  \
    .start = prefix##_start,                       \
    .stop = prefix##_stop,                         \
    .finalize = prefix##_finalize,                 \
    __VA_ARGS__                                    \
  }

struct _LdSource
{
  const LdSourceClass *klass;
  LdIngestShared      *shared;
  char                *id;        /* "tcp", "udp.2", "ws-client-1", "zmq-3" */
  char                *address;   /* nullable: what a listener bound, "127.0.0.1:9020" */
  guint16              port;      /* the port a listener bound; 0 otherwise */
  GSocket             *socket;    /* nullable: a listener's, bound on the caller's thread */
  const char          *protocol;  /* static: what the registry lists it as */
  gint64               since;     /* wall-clock µs of the start */
  guint64              n_records; /* what it has counted itself; a kind adds its connections' */
  guint64              n_bytes;
  guint64              n_errors;
};


/* How a kind numbers its endpoints: "tcp", "tcp.2"…, or "zmq-1", "zmq-2"… */
typedef enum
{
  LD_SOURCE_ID_PLAIN_FIRST,
  LD_SOURCE_ID_NUMBERED,
} LdSourceNaming;

char      *ld_source_next_id        (LdIngestShared      *shared,
                                     const char          *base,
                                     LdSourceNaming       naming,
                                     GError             **error);
void       ld_source_init           (LdSource            *source,
                                     const LdSourceClass *klass,
                                     LdIngestShared      *shared,
                                     char                *id);
void       ld_source_free           (LdSource            *source);
void       ld_source_start          (LdSource            *source);
void       ld_source_stop           (LdSource            *source);
const char *ld_source_get_uri       (LdSource            *source);
LdConnectionInfo ld_source_describe (LdSource            *source,
                                     LdConnectionState    state);
void       ld_source_report_failed  (LdIngestShared      *shared,
                                     const char          *id,
                                     const char          *protocol,
                                     const char          *address,
                                     GError              *error);
gpointer   ld_source_new_listener   (gsize                size,
                                     const LdSourceClass *klass,
                                     LdIngestShared      *shared,
                                     const char          *address,
                                     guint16              port,
                                     GError             **error);

G_END_DECLS
