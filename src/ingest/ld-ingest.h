// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

#include "ld-connection-registry.h"
#include "ld-handoff.h"
#include "ld-problem.h"

G_BEGIN_DECLS

/* The ingest thread: it runs every network source on its own main context,
 * decodes what arrives there, and hands records to the UI thread in batches. */

#define LD_INGEST_DEFAULT_ADDRESS        "127.0.0.1"
#define LD_INGEST_DEFAULT_TCP_PORT       9020   /* logging.handlers.DEFAULT_TCP_LOGGING_PORT */
#define LD_INGEST_DEFAULT_UDP_PORT       9021   /* logging.handlers.DEFAULT_UDP_LOGGING_PORT */
#define LD_INGEST_DEFAULT_HTTP_PORT      9022   /* logging.handlers.DEFAULT_HTTP_LOGGING_PORT */
#define LD_INGEST_DEFAULT_SYSLOG_PORT    5514   /* 514 needs privileges */
#define LD_INGEST_DEFAULT_GELF_PORT      12201  /* GELF's own */
#define LD_INGEST_DEFAULT_OTLP_PORT      4318   /* OTLP/HTTP's own */
#define LD_INGEST_DEFAULT_NNG_URI        "tcp://127.0.0.1:13232" /* the logging cookbook's */
#define LD_INGEST_DEFAULT_MAX_FRAME_SIZE (16 * 1024 * 1024)
#define LD_INGEST_MAX_BATCH              4096

#define LD_INGEST_PROTOCOL_TCP_PICKLE    "tcp-pickle"
#define LD_INGEST_PROTOCOL_UDP_PICKLE    "udp-pickle"
#define LD_INGEST_PROTOCOL_TCP_JSON      "tcp-json"    /* JSON lines on the TCP port */
#define LD_INGEST_PROTOCOL_HTTP          "http"        /* the HTTP and WebSocket endpoint */
#define LD_INGEST_PROTOCOL_HTTP_FORM     "http-form"   /* logging.handlers.HTTPHandler */
#define LD_INGEST_PROTOCOL_HTTP_JSON     "http-json"   /* JSON bodies: Vector, Fluent Bit */
#define LD_INGEST_PROTOCOL_WS_JSON       "ws-json"     /* JSON messages on /ws */
#define LD_INGEST_PROTOCOL_WS_CLIENT     "ws-client"   /* logdeck --connect */
#define LD_INGEST_PROTOCOL_ZMQ_SUB        "zmq-sub"     /* ZeroMQ SUB: --zmq, --zmq-listen */
#define LD_INGEST_PROTOCOL_ZMQ_PULL       "zmq-pull"    /* ZeroMQ PULL: --zmq-listen */
#define LD_INGEST_PROTOCOL_NNG_SUB0       "nng-sub0"    /* NNG Sub0: --nng, --nng-listen */
#define LD_INGEST_PROTOCOL_SYSLOG_TCP    "syslog-tcp"  /* RFC 6587 over TCP */
#define LD_INGEST_PROTOCOL_SYSLOG_UDP    "syslog-udp"
#define LD_INGEST_PROTOCOL_GELF_TCP      "gelf-tcp"    /* NUL-delimited GELF over TCP */
#define LD_INGEST_PROTOCOL_GELF_UDP      "gelf-udp"    /* GELF datagrams, maybe chunked */
#define LD_INGEST_PROTOCOL_OTLP_HTTP     "otlp-http"   /* OTLP/HTTP logs, protobuf or JSON */

/* What one stream listener allows its connections (see the README's
 * limits). Timeouts are in µs. A connection that has started a frame, a
 * request or a TLS handshake must finish it within @header_timeout_us (an
 * HTTP body within @body_timeout_us); one that is between records is
 * closed after @idle_timeout_us (HTTP keep-alive: @http_idle_timeout_us).
 * At @max_connections, the longest idle is closed to make room. The HTTP
 * and OTLP request bodies that one ingest thread holds at once may add up
 * to @max_bodies_in_flight bytes; a request past it is answered 503. */
typedef struct
{
  guint  max_connections;
  gint64 header_timeout_us;
  gint64 body_timeout_us;
  gint64 idle_timeout_us;
  gint64 http_idle_timeout_us;
  gint64 accept_pause_us;
  gsize  max_bodies_in_flight;
} LdListenLimits;

#define LD_LISTEN_MAX_CONNECTIONS      1024
#define LD_LISTEN_HEADER_TIMEOUT_S     30
#define LD_LISTEN_BODY_TIMEOUT_S       60
#define LD_LISTEN_IDLE_TIMEOUT_S       3600
#define LD_LISTEN_HTTP_IDLE_TIMEOUT_S  30
#define LD_LISTEN_ACCEPT_PAUSE_MS      250
/* Four bodies at the OTLP limit: a thousand connections cannot hold gigabytes. */
#define LD_LISTEN_MAX_BODIES_IN_FLIGHT (256 * 1024 * 1024)


typedef struct _LdIngest LdIngest;

/* One input of the ingest thread; see ld-source.h. */
typedef struct _LdSource LdSource;

/* How the listeners protect themselves beyond loopback. Every field may be
 * %NULL (or %FALSE); see ld_ingest_set_security(). */
typedef struct
{
  const char *tls_cert_file;       /* PEM certificate (chain); the key may be in it too */
  const char *tls_key_file;        /* PEM private key; %NULL when it is in the cert file */
  const char *tls_client_ca_file;  /* PEM CA(s): clients must show a certificate they signed */
  const char *token;               /* bearer token the HTTP endpoints require */
  gboolean    insecure;            /* listen beyond loopback without TLS or a token */
} LdIngestSecurity;

LdIngest   *ld_ingest_new                 (LdHandoff            *handoff,
                                           LdConnectionRegistry *registry);
void        ld_ingest_free                (LdIngest             *self);
void        ld_ingest_set_max_frame_size  (LdIngest             *self,
                                           guint32               max_frame_size);
guint32     ld_ingest_get_max_frame_size  (LdIngest             *self);
gboolean    ld_ingest_set_security        (LdIngest             *self,
                                           const LdIngestSecurity *security,
                                           GError              **error);
void        ld_ingest_raise_fd_limit      (void);
void        ld_listen_limits_init_default (LdListenLimits       *limits);
void        ld_ingest_set_listen_limits   (LdIngest             *self,
                                           const LdListenLimits *limits);
gboolean    ld_ingest_add_source          (LdIngest             *self,
                                           LdSource             *source,
                                           GError              **error);
gboolean    ld_ingest_add_tcp             (LdIngest             *self,
                                           const char           *address,
                                           guint16               port,
                                           GError              **error);
gboolean    ld_ingest_add_udp             (LdIngest             *self,
                                           const char           *address,
                                           guint16               port,
                                           GError              **error);
gboolean    ld_ingest_add_http            (LdIngest             *self,
                                           const char           *address,
                                           guint16               port,
                                           GError              **error);
gboolean    ld_ingest_add_syslog          (LdIngest             *self,
                                           const char           *address,
                                           guint16               port,
                                           GError              **error);
gboolean    ld_ingest_add_gelf            (LdIngest             *self,
                                           const char           *address,
                                           guint16               port,
                                           GError              **error);
gboolean    ld_ingest_add_otlp            (LdIngest             *self,
                                           const char           *address,
                                           guint16               port,
                                           GError              **error);
gboolean    ld_ingest_add_ws_client       (LdIngest             *self,
                                           const char           *uri,
                                           GError              **error);
gboolean    ld_ingest_add_zmq_connect     (LdIngest             *self,
                                           const char           *uri,
                                           GError              **error);
gboolean    ld_ingest_add_zmq_listen      (LdIngest             *self,
                                           const char           *uri,
                                           GError              **error);
gboolean    ld_ingest_add_nng_listen      (LdIngest             *self,
                                           const char           *uri,
                                           GError              **error);
gboolean    ld_ingest_add_nng_dial        (LdIngest             *self,
                                           const char           *uri,
                                           GError              **error);
guint16     ld_ingest_get_bound_port      (LdIngest             *self,
                                           const char           *endpoint_id);
char       *ld_ingest_get_endpoint_uri    (LdIngest             *self,
                                           const char           *endpoint_id);
guint64     ld_ingest_get_n_records       (LdIngest             *self);
void        ld_ingest_stop                (LdIngest             *self);
void        ld_ingest_get_numbering       (LdIngest             *self,
                                           guint                *n_tcp,
                                           guint                *n_ws);
void        ld_ingest_continue_numbering  (LdIngest             *self,
                                           guint                 n_tcp,
                                           guint                 n_ws);
GHashTable *ld_ingest_get_connection_numbering      (LdIngest   *self);
void        ld_ingest_continue_connection_numbering (LdIngest   *self,
                                                     GHashTable *numbering);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LdIngest, ld_ingest_free)

G_END_DECLS
