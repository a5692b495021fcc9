// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* What a listening endpoint or a peer's connection is doing now. */
typedef enum
{
  LD_CONNECTION_LISTENING, /*< nick=listening >*/
  LD_CONNECTION_FAILED,    /*< nick=failed >*/
  LD_CONNECTION_OPEN,      /*< nick=open >*/
  LD_CONNECTION_CLOSED,    /*< nick=closed >*/
  LD_CONNECTION_ERROR,     /*< nick=error >*/
  LD_CONNECTION_CONNECTING, /*< nick=connecting >*/
} LdConnectionState;

#define LD_TYPE_CONNECTION_STATE (ld_connection_state_get_type ())
GType ld_connection_state_get_type (void) G_GNUC_CONST;

#define LD_CONNECTION_KIND_ENDPOINT   "endpoint"
#define LD_CONNECTION_KIND_CONNECTION "connection"

/* A snapshot of one endpoint or connection, as a producer on any thread
 * reports it to the registry. Every string may be %NULL. */
typedef struct
{
  const char        *id;
  const char        *kind;            /* LD_CONNECTION_KIND_* */
  const char        *protocol;        /* "tcp-pickle", "udp-pickle", … */
  const char        *address;         /* the peer, or the endpoint's own address */
  LdConnectionState  state;
  gint64             connected_since; /* µs since the Unix epoch, 0 if unknown */
  gint64             closed_at;       /* µs since the Unix epoch, 0 while open */
  guint64            n_records;
  guint64            n_bytes;
  guint64            n_errors;        /* bad frames or datagrams */
  const char        *last_error;
  gboolean           encrypted;       /* TLS */
} LdConnectionInfo;

#define LD_TYPE_CONNECTION (ld_connection_get_type ())

G_DECLARE_FINAL_TYPE (LdConnection, ld_connection, LD, CONNECTION, GObject)

const char        *ld_connection_get_id              (LdConnection *self);
const char        *ld_connection_get_kind            (LdConnection *self);
gboolean           ld_connection_is_endpoint         (LdConnection *self);
const char        *ld_connection_get_protocol        (LdConnection *self);
const char        *ld_connection_get_address         (LdConnection *self);
LdConnectionState  ld_connection_get_state           (LdConnection *self);
const char        *ld_connection_state_to_string     (LdConnectionState state);
const char        *ld_connection_state_get_label     (LdConnectionState state);
gboolean           ld_connection_is_finished         (LdConnection *self);
gint64             ld_connection_get_connected_since (LdConnection *self);
gint64             ld_connection_get_closed_at       (LdConnection *self);
guint64            ld_connection_get_n_records       (LdConnection *self);
guint64            ld_connection_get_n_bytes         (LdConnection *self);
guint64            ld_connection_get_n_errors        (LdConnection *self);
const char        *ld_connection_get_last_error      (LdConnection *self);
gboolean           ld_connection_is_encrypted        (LdConnection *self);

G_END_DECLS
