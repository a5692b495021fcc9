// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ingest"

#include "config.h"

#include <errno.h>

#include "ld-listen-guard.h"

/* Everything here runs on the ingest thread, except creating the guard.
 *
 * Three ways a sender could take a listener away from everyone else, and
 * what the guard does about each:
 *
 * - Holding connections open without sending: every connection has a
 *   deadline, and when the cap is reached the connection idle the longest
 *   is closed to make room, so idle clients can never lock a sender out.
 * - Using up file descriptors: accept() then fails with EMFILE while the
 *   listening socket stays readable, so a plain loop would spin. The guard
 *   stops watching the socket for a moment, closes the longest-idle
 *   connection if there is one, says so once, and tries again.
 * - Starting and never finishing: a TLS handshake, a frame or a request
 *   must finish within its deadline; see LdListenLimits. */

struct _LdGuard
{
  LdIngestShared    *shared;
  char              *id;
  const char        *protocol;
  GSocket           *socket;
  GSource           *accept_source;
  GSource           *resume_timer;
  GSource           *sweep_timer;
  GQueue             entries;         /* LdGuardEntry, oldest first */
  GHashTable        *handshakes;      /* Handshake set */
  LdGuardAcceptFunc  accept_func;
  gpointer           user_data;
  LdProblemLimiter   limiter;
  gboolean           out_of_fds;      /* said once until accepting works again */
  gboolean           held;            /* as many handshakes run as may */
  guint64            n_refused;
};

/* glib-networking 2.74 runs each handshake on a thread of GIO's shared
 * pool, blocked until it ends: at most this many run at once, and the
 * connections after them wait in the kernel's queue. */
#define LD_LISTEN_MAX_HANDSHAKES     16
#define LD_LISTEN_HANDSHAKE_TIMEOUT_S 10

static void watch_listening_socket (LdGuard *self);
static void hold_accepting         (LdGuard *self);

typedef struct
{
  LdGuardEntry     entry;            /* first: a Handshake is its entry */
  LdGuard         *guard;
  GSocket         *socket;
  GIOStream       *tls;
  GCancellable    *cancellable;
  char            *peer;
} Handshake;

static void
report (LdGuard    *self,
        int         level,
        const char *peer,
        const char *format,
        ...) G_GNUC_PRINTF (4, 5);

static void
report (LdGuard    *self,
        int         level,
        const char *peer,
        const char *format,
        ...)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  ld_ingest_add_problem (batch, &self->limiter, level, self->id, peer, self->protocol, "%s: %s",
                         self->id, message);
  ld_ingest_shared_flush (self->shared, &batch);
}

static void
report_suppressed (LdGuard *self)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();

  ld_problem_limiter_flush (&self->limiter, batch, self->id, NULL, self->protocol);
  ld_ingest_shared_flush (self->shared, &batch);
}

static char *
peer_of (GSocket *socket)
{
  g_autoptr(GSocketAddress) remote = g_socket_get_remote_address (socket, NULL);

  return remote != NULL ? ld_ingest_format_address (remote) : g_strdup ("unknown");
}

/* Deadlines */

static gboolean
on_sweep (gpointer user_data)
{
  LdGuard *self = user_data;
  gint64 now = g_get_monotonic_time ();
  GList *link = self->entries.head;

  while (link != NULL)
    {
      LdGuardEntry *entry = link->data;

      /* The expire function removes the entry, and may end others. */
      link = link->next;
      if (entry->deadline != 0 && entry->deadline <= now)
        {
          entry->deadline = 0;
          entry->expire (entry, entry->why);
          link = self->entries.head;
        }
    }

  if (self->entries.length > 0)
    return G_SOURCE_CONTINUE;

  g_clear_pointer (&self->sweep_timer, g_source_unref);
  return G_SOURCE_REMOVE;
}

/* Deadlines are checked once a second, and only while there are
 * connections: an idle listener wakes nobody. */
static void
ensure_sweeping (LdGuard *self)
{
  if (self->sweep_timer != NULL)
    return;

  self->sweep_timer = g_timeout_source_new_seconds (1);
  g_source_set_static_name (self->sweep_timer, "[logdeck] connection deadlines");
  g_source_set_callback (self->sweep_timer, on_sweep, self, NULL);
  g_source_attach (self->sweep_timer, self->shared->context);
}

void
ld_guard_add (LdGuard           *self,
              LdGuardEntry      *entry,
              LdGuardExpireFunc  expire)
{
  entry->guard = self;
  entry->expire = expire;
  entry->link.data = entry;
  g_queue_push_tail_link (&self->entries, &entry->link);
  ld_guard_set_idle (entry, self->shared->listen.idle_timeout_us, "idle for too long");
  ensure_sweeping (self);
}

void
ld_guard_remove (LdGuardEntry *entry)
{
  if (entry->guard == NULL)
    return;

  g_queue_unlink (&entry->guard->entries, &entry->link);
  entry->guard = NULL;
}

/**
 * ld_guard_set_idle:
 * @entry: a connection's entry
 * @timeout_us: how long it may stay idle
 * @why: (not nullable): static text that says what expiring means
 *
 * Between records: the connection may be closed to make room.
 */
void
ld_guard_set_idle (LdGuardEntry *entry,
                   gint64        timeout_us,
                   const char   *why)
{
  gint64 now = g_get_monotonic_time ();

  entry->idle_since = now;
  entry->deadline = now + timeout_us;
  entry->why = why;
}

/**
 * ld_guard_set_busy:
 * @progress: whether something was finished since the last call, which
 *   starts the clock again; otherwise a busy connection keeps its deadline,
 *   so that trickling bytes cannot hold it open
 *
 * In the middle of something that must finish within @timeout_us; a busy
 * connection is never closed to make room.
 */
void
ld_guard_set_busy (LdGuardEntry *entry,
                   gint64        timeout_us,
                   const char   *why,
                   gboolean      progress)
{
  if (entry->idle_since == 0 && entry->deadline != 0 && !progress)
    return;

  entry->idle_since = 0;
  entry->deadline = g_get_monotonic_time () + timeout_us;
  entry->why = why;
}

/**
 * ld_guard_set_proven:
 *
 * The connection has delivered something: when room is needed, idle
 * connections that never did go first.
 */
void
ld_guard_set_proven (LdGuardEntry *entry)
{
  entry->proven = TRUE;
}

static gboolean
evicts_before (const LdGuardEntry *entry,
               const LdGuardEntry *other)
{
  if (entry->proven != other->proven)
    return !entry->proven;
  return entry->idle_since < other->idle_since;
}

/* Closes the connection idle the longest, among those that never
 * delivered anything if there are such: a sender that has sent records
 * keeps its connection over a client that only holds one open. */
static gboolean
evict_longest_idle (LdGuard    *self,
                    const char *why)
{
  LdGuardEntry *oldest = NULL;

  for (GList *link = self->entries.head; link != NULL; link = link->next)
    {
      LdGuardEntry *entry = link->data;

      if (entry->idle_since != 0 && (oldest == NULL || evicts_before (entry, oldest)))
        oldest = entry;
    }
  if (oldest == NULL)
    return FALSE;

  oldest->deadline = 0;
  oldest->expire (oldest, why);
  return TRUE;
}

/* TLS */

static void
handshake_free (Handshake *handshake)
{
  ld_guard_remove (&handshake->entry);
  g_cancellable_cancel (handshake->cancellable);
  g_clear_object (&handshake->cancellable);
  g_clear_object (&handshake->tls);
  g_clear_object (&handshake->socket);
  g_free (handshake->peer);
  g_free (handshake);
}

static void
on_handshake_expired (LdGuardEntry *entry,
                      const char   *why)
{
  Handshake *handshake = (Handshake *) entry;

  /* Cancelling finishes the handshake with an error, reported there. */
  ld_guard_remove (entry);
  g_cancellable_cancel (handshake->cancellable);
}

static void
handshake_finished (LdGuard   *self,
                    Handshake *handshake)
{
  g_hash_table_remove (self->handshakes, handshake);
  if (self->held && g_hash_table_size (self->handshakes) < LD_LISTEN_MAX_HANDSHAKES)
    {
      self->held = FALSE;
      if (self->resume_timer == NULL)
        watch_listening_socket (self);
    }
}

static void
on_handshake_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Handshake *handshake = user_data;
  LdGuard *self = handshake->guard;
  g_autoptr(GError) error = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error))
    {
      if (self != NULL)
        {
          self->n_refused++;
          report (self, 40, handshake->peer, "the TLS handshake with %s failed (%s); "
                  "connection closed", handshake->peer,
                  g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                  ? "it took too long" : error->message);
          handshake_finished (self, handshake);
        }
      else
        handshake_free (handshake);
      return;
    }

  if (self == NULL)
    {
      handshake_free (handshake);
      return;
    }

  /* The accept function takes the socket, and a reference to the stream. */
  ld_guard_remove (&handshake->entry);
  self->accept_func (g_steal_pointer (&handshake->socket), handshake->tls, self->user_data);
  handshake_finished (self, handshake);
}

/* glib-networking has checked the chain against the client CA database;
 * a server connection still takes a certificate only if told so here. */
static gboolean
on_accept_certificate (GTlsConnection       *tls,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  return errors == 0;
}

static GIOStream *
wrap_in_tls (LdGuard  *self,
             GSocket  *socket,
             GError  **error)
{
  g_autoptr(GSocketConnection) connection = g_socket_connection_factory_create_connection (socket);
  GIOStream *tls = g_tls_server_connection_new (G_IO_STREAM (connection),
                                                self->shared->tls_certificate, error);

  if (tls == NULL)
    return NULL;

  g_object_set (tls, "require-close-notify", FALSE, NULL);
  if (self->shared->tls_client_ca != NULL)
    {
      g_object_set (tls, "database", self->shared->tls_client_ca,
                    "authentication-mode", G_TLS_AUTHENTICATION_REQUIRED, NULL);
      g_signal_connect (tls, "accept-certificate", G_CALLBACK (on_accept_certificate), NULL);
    }

  return tls;
}

static void
start_handshake (LdGuard *self,
                 GSocket *socket)
{
  g_autoptr(GError) error = NULL;
  Handshake *handshake = g_new0 (Handshake, 1);

  handshake->guard = self;
  handshake->socket = socket;
  handshake->peer = peer_of (socket);
  handshake->cancellable = g_cancellable_new ();
  handshake->tls = wrap_in_tls (self, socket, &error);
  if (handshake->tls == NULL)
    {
      report (self, 40, handshake->peer, "cannot start TLS with %s: %s; connection closed",
              handshake->peer, error->message);
      handshake_free (handshake);
      return;
    }

  g_hash_table_add (self->handshakes, handshake);
  ld_guard_add (self, &handshake->entry, on_handshake_expired);
  /* Idle, so that silent clients are the first to make room. */
  ld_guard_set_idle (&handshake->entry, MIN (self->shared->listen.header_timeout_us,
                                             LD_LISTEN_HANDSHAKE_TIMEOUT_S * G_USEC_PER_SEC),
                     "the TLS handshake took too long");
  if (g_hash_table_size (self->handshakes) >= LD_LISTEN_MAX_HANDSHAKES)
    hold_accepting (self);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (handshake->tls), G_PRIORITY_DEFAULT,
                                    handshake->cancellable, on_handshake_done, handshake);
}

/* Accepting */

static void
refuse (LdGuard *self,
        GSocket *socket)
{
  g_autofree char *peer = peer_of (socket);

  self->n_refused++;
  report (self, 40, peer, "a connection from %s was refused: %u connections are open, and "
          "none is idle", peer, self->shared->listen.max_connections);
  g_socket_close (socket, NULL);
  g_object_unref (socket);
}

static void
take (LdGuard *self,
      GSocket *socket)
{
  g_socket_set_blocking (socket, FALSE);
  if (self->entries.length >= self->shared->listen.max_connections
      && !evict_longest_idle (self, "closed to make room for a new connection"))
    {
      refuse (self, socket);
      return;
    }

  if (self->shared->tls_certificate != NULL)
    start_handshake (self, socket);
  else
    self->accept_func (socket, NULL, self->user_data);
}

static gboolean on_incoming (GSocket      *socket,
                             GIOCondition  condition,
                             gpointer      user_data);

static void
watch_listening_socket (LdGuard *self)
{
  g_assert (self->accept_source == NULL);

  self->accept_source = g_socket_create_source (self->socket, G_IO_IN, NULL);
  g_source_set_static_name (self->accept_source, "[logdeck] accept");
  g_source_set_callback (self->accept_source, G_SOURCE_FUNC (on_incoming), self, NULL);
  g_source_attach (self->accept_source, self->shared->context);
}

static void
hold_accepting (LdGuard *self)
{
  self->held = TRUE;
  ld_ingest_destroy_source (&self->accept_source);
}

static gboolean
on_resume (gpointer user_data)
{
  LdGuard *self = user_data;

  g_clear_pointer (&self->resume_timer, g_source_unref);
  if (!self->held)
    watch_listening_socket (self);
  return G_SOURCE_REMOVE;
}

/* Stops watching the listening socket for a moment: it stays readable
 * while accept() fails, and watching it would spin. */
static void
pause_accepting (LdGuard *self)
{
  ld_ingest_destroy_source (&self->accept_source);
  ld_ingest_destroy_source (&self->resume_timer);
  self->resume_timer = g_timeout_source_new (self->shared->listen.accept_pause_us / 1000);
  g_source_set_static_name (self->resume_timer, "[logdeck] accept again");
  g_source_set_callback (self->resume_timer, on_resume, self, NULL);
  g_source_attach (self->resume_timer, self->shared->context);
}

static void
out_of_descriptors (LdGuard      *self,
                    const GError *error)
{
  if (!self->out_of_fds)
    {
      self->out_of_fds = TRUE;
      report (self, 40, NULL, "cannot accept connections: %s (%u open here); pausing for "
              "%" G_GINT64_FORMAT " ms at a time and closing the longest-idle connections "
              "until descriptors are free", error->message, self->entries.length,
              self->shared->listen.accept_pause_us / 1000);
    }
  evict_longest_idle (self, "closed to free a file descriptor");
  pause_accepting (self);
}

static gboolean
is_out_of_descriptors (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES)
         || (error->domain == G_IO_ERROR && error->code == G_IO_ERROR_FAILED
             && g_str_has_suffix (error->message, g_strerror (ENFILE)));
}

/* Errors that belong to one connection that went away before it was
 * accepted: the next one may do. */
static gboolean
is_one_connection (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE)
         || (error->domain == G_IO_ERROR && error->code == G_IO_ERROR_FAILED
             && (g_str_has_suffix (error->message, g_strerror (ECONNABORTED))
                 || g_str_has_suffix (error->message, g_strerror (EPROTO))));
}

static gboolean
on_incoming (GSocket      *socket,
             GIOCondition  condition,
             gpointer      user_data)
{
  LdGuard *self = user_data;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      GSocket *client = g_socket_accept (socket, NULL, &error);

      if (client != NULL)
        {
          take (self, client);
          /* The handshakes may have reached their cap. */
          if (self->accept_source == NULL)
            return G_SOURCE_REMOVE;
          continue;
        }
      /* After a pause the first accept takes the descriptor just freed;
       * only an empty queue says that descriptors are no longer short. */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          if (self->out_of_fds)
            report (self, 30, NULL, "accepting connections again");
          self->out_of_fds = FALSE;
          return G_SOURCE_CONTINUE;
        }
      if (is_one_connection (error))
        continue;
      if (is_out_of_descriptors (error))
        out_of_descriptors (self, error);
      else
        {
          /* Out of memory or buffers, say: never spin on it. */
          g_debug ("%s: cannot accept a connection: %s", self->id, error->message);
          pause_accepting (self);
        }
      return G_SOURCE_REMOVE;
    }
}

/**
 * ld_guard_new:
 * @shared: what the ingest thread's listeners share
 * @id: the endpoint's id, for its records
 * @protocol: the endpoint's protocol, for its records
 * @listening: a listening, non-blocking socket
 * @accept_func: given each accepted connection, after its TLS handshake
 */
LdGuard *
ld_guard_new (LdIngestShared    *shared,
              const char        *id,
              const char        *protocol,
              GSocket           *listening,
              LdGuardAcceptFunc  accept_func,
              gpointer           user_data)
{
  LdGuard *self = g_new0 (LdGuard, 1);

  self->shared = shared;
  self->id = g_strdup (id);
  self->protocol = protocol;
  self->socket = g_object_ref (listening);
  self->accept_func = accept_func;
  self->user_data = user_data;
  self->handshakes = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) handshake_free, NULL);
  g_queue_init (&self->entries);
  ld_problem_limiter_init (&self->limiter, &shared->problems);

  return self;
}

void
ld_guard_start (LdGuard *self)
{
  g_assert (self->accept_source == NULL);

  watch_listening_socket (self);
}

/**
 * ld_guard_accept_pending:
 *
 * Takes the connections waiting to be accepted: they may have sent
 * records too. Without TLS, they reach the accept function at once.
 */
void
ld_guard_accept_pending (LdGuard *self)
{
  on_incoming (self->socket, G_IO_IN, self);
}

/**
 * ld_guard_stop:
 *
 * Stops accepting and checking deadlines, and drops unfinished handshakes.
 * The owner closes its connections.
 */
void
ld_guard_stop (LdGuard *self)
{
  GHashTableIter iter;
  Handshake *handshake;

  ld_ingest_destroy_source (&self->accept_source);
  ld_ingest_destroy_source (&self->resume_timer);
  ld_ingest_destroy_source (&self->sweep_timer);

  /* A handshake still running finishes later, on its own. */
  g_hash_table_iter_init (&iter, self->handshakes);
  while (g_hash_table_iter_next (&iter, (gpointer *) &handshake, NULL))
    {
      ld_guard_remove (&handshake->entry);
      handshake->guard = NULL;
      g_cancellable_cancel (handshake->cancellable);
      g_hash_table_iter_steal (&iter);
    }
  /* Connections the owner has not closed yet are no longer watched. */
  while (self->entries.head != NULL)
    ld_guard_remove (self->entries.head->data);
  report_suppressed (self);
}

void
ld_guard_free (LdGuard *self)
{
  if (self == NULL)
    return;

  g_assert (self->accept_source == NULL && self->sweep_timer == NULL);
  g_hash_table_unref (self->handshakes);
  g_object_unref (self->socket);
  g_free (self->id);
  g_free (self);
}

gboolean
ld_guard_is_encrypted (LdGuard *self)
{
  return self->shared->tls_certificate != NULL;
}

guint64
ld_guard_get_n_refused (LdGuard *self)
{
  return self->n_refused;
}
