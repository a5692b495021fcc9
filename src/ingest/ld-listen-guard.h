// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "ld-ingest-private.h"

G_BEGIN_DECLS

/* What every stream listener (TCP, HTTP and WebSocket) needs to survive its
 * senders: an accept loop that pauses instead of spinning when descriptors
 * run out, a cap on open connections that closes the longest-idle one to
 * make room, deadlines on every connection, and TLS when it is configured.
 *
 * A listener embeds an LdGuardEntry in each connection, adds it when the
 * guard hands it a new socket, moves it between idle and busy as bytes
 * arrive, and removes it when the connection ends. The guard calls the
 * entry's expire function when its deadline passes, or when it is the
 * longest idle and room is needed; the owner then closes the connection
 * (and removes the entry) as for any other reason. */

typedef struct _LdGuard      LdGuard;
typedef struct _LdGuardEntry LdGuardEntry;

typedef void (*LdGuardExpireFunc) (LdGuardEntry *entry,
                                   const char   *why);

/* @tls is the handshaken TLS stream over @socket, or %NULL without TLS. */
typedef void (*LdGuardAcceptFunc) (GSocket   *socket,
                                   GIOStream *tls,
                                   gpointer   user_data);

struct _LdGuardEntry
{
  LdGuard           *guard;
  GList              link;
  gint64             deadline;     /* monotonic µs; 0 for none */
  const char        *why;          /* static: what passing the deadline means */
  gint64             idle_since;   /* monotonic µs; 0 while busy */
  gboolean           proven;       /* has delivered a record or a request */
  LdGuardExpireFunc  expire;
};

LdGuard  *ld_guard_new             (LdIngestShared    *shared,
                                    const char        *id,
                                    const char        *protocol,
                                    GSocket           *listening,
                                    LdGuardAcceptFunc  accept_func,
                                    gpointer           user_data);
void      ld_guard_free            (LdGuard           *self);
void      ld_guard_start           (LdGuard           *self);
void      ld_guard_accept_pending  (LdGuard           *self);
void      ld_guard_stop            (LdGuard           *self);
gboolean  ld_guard_is_encrypted    (LdGuard           *self);
guint64   ld_guard_get_n_refused   (LdGuard           *self);

void      ld_guard_add             (LdGuard           *self,
                                    LdGuardEntry      *entry,
                                    LdGuardExpireFunc  expire);
void      ld_guard_remove          (LdGuardEntry      *entry);
void      ld_guard_set_idle        (LdGuardEntry      *entry,
                                    gint64             timeout_us,
                                    const char        *why);
void      ld_guard_set_busy        (LdGuardEntry      *entry,
                                    gint64             timeout_us,
                                    const char        *why,
                                    gboolean           progress);
void      ld_guard_set_proven      (LdGuardEntry      *entry);

G_END_DECLS
