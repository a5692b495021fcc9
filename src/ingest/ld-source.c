// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ingest"

#include "config.h"

#include <string.h>

#include "ld-source.h"

/* The base every source embeds: its id and what it bound, the calls LdIngest
 * makes through its class, and what every kind's constructor does the same
 * way: numbering endpoints, refusing to listen beyond loopback unprotected,
 * binding, and listing a failure in the registry. */

/* Listeners that many senders connect to at once must not see resets: a
 * burst of clients overflows GSocket's default backlog of 10. */
#define BACKLOG 1024

/**
 * ld_source_next_id:
 * @shared: the ingest thread's shared state
 * @base: the kind's name, such as "tcp" or "zmq"
 * @naming: whether the first endpoint is just @base ("tcp", then "tcp.2")
 *   or numbered from 1 ("zmq-1")
 * @error: set when the ingest thread has stopped
 *
 * Call it on the thread that adds endpoints, once the source is certain to
 * be made but for binding: a failed bind keeps its id, listed as failed. The
 * ids never look like a connection's "tcp-3".
 *
 * Returns: (transfer full) (nullable): the endpoint's id
 */
char *
ld_source_next_id (LdIngestShared  *shared,
                   const char      *base,
                   LdSourceNaming   naming,
                   GError         **error)
{
  guint n;

  if (shared->stopped)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "The ingest thread has stopped");
      return NULL;
    }

  n = GPOINTER_TO_UINT (g_hash_table_lookup (shared->n_endpoints, base)) + 1;
  g_hash_table_insert (shared->n_endpoints, (gpointer) base, GUINT_TO_POINTER (n));

  if (naming == LD_SOURCE_ID_PLAIN_FIRST)
    return n == 1 ? g_strdup (base) : g_strdup_printf ("%s.%u", base, n);

  return g_strdup_printf ("%s-%u", base, n);
}

/**
 * ld_source_init:
 * @source: the LdSource a kind embeds first
 * @klass: (not nullable): the kind's static class
 * @shared: the ingest thread's shared state
 * @id: (transfer full): from ld_source_next_id()
 */
void
ld_source_init (LdSource            *source,
                const LdSourceClass *klass,
                LdIngestShared      *shared,
                char                *id)
{
  source->klass = klass;
  source->shared = shared;
  source->id = id;
}

void
ld_source_free (LdSource *source)
{
  if (source == NULL)
    return;

  source->klass->finalize (source);
  g_clear_object (&source->socket);
  g_free (source->address);
  g_free (source->id);
  g_free (source);
}

/* Called on the ingest thread; libsoup's objects must be made there. */
void
ld_source_start (LdSource *source)
{
  g_assert (g_main_context_is_owner (source->shared->context));

  source->klass->start (source);
}

/* Called on the ingest thread: a source hands over what it had received. */
void
ld_source_stop (LdSource *source)
{
  source->klass->stop (source);
}

/**
 * ld_source_get_uri:
 * @source: a source
 *
 * Returns: (nullable): the URI a ZeroMQ or NNG source listens on, with the
 *   port the system chose, or connects to; %NULL for other kinds
 */
const char *
ld_source_get_uri (LdSource *source)
{
  return source->klass->get_uri != NULL ? source->klass->get_uri (source) : NULL;
}

/**
 * ld_source_describe:
 * @source: a source
 * @state: what it is now
 *
 * What the registry lists for every endpoint: the caller adds what is its
 * own (its connections' counts, TLS, the last error) and reports it.
 *
 * Returns: the endpoint's description, borrowing @source's strings
 */
LdConnectionInfo
ld_source_describe (LdSource          *source,
                    LdConnectionState  state)
{
  return (LdConnectionInfo) {
    .id = source->id,
    .kind = LD_CONNECTION_KIND_ENDPOINT,
    .protocol = source->protocol,
    .address = source->address,
    .state = state,
    .connected_since = source->since,
    .closed_at = state == LD_CONNECTION_CLOSED ? g_get_real_time () : 0,
    .n_records = source->n_records,
    .n_bytes = source->n_bytes,
    .n_errors = source->n_errors,
  };
}

/**
 * ld_source_report_failed:
 * @shared: the ingest thread's shared state
 * @id: the endpoint's id
 * @protocol: what it would have spoken
 * @address: where it would have listened or connected
 * @error: why it could not
 *
 * Lists an endpoint that could not be made, with the reason, so that the
 * sources panel shows what the command line asked for; others are unaffected.
 */
void
ld_source_report_failed (LdIngestShared *shared,
                         const char     *id,
                         const char     *protocol,
                         const char     *address,
                         GError         *error)
{
  LdConnectionInfo info = {
    .id = id,
    .kind = LD_CONNECTION_KIND_ENDPOINT,
    .protocol = protocol,
    .address = address,
    .state = LD_CONNECTION_FAILED,
    .connected_since = g_get_real_time (),
    .last_error = error->message,
  };

  ld_ingest_shared_report (shared, &info);
}

static gboolean
is_loopback_address (const char *address)
{
  g_autoptr(GInetAddress) ip = NULL;

  if (g_ascii_strcasecmp (address, "localhost") == 0)
    return TRUE;
  ip = g_inet_address_new_from_string (address);
  return ip != NULL && g_inet_address_get_is_loopback (ip);
}

/* Anyone on the network could send records, or read them off the wire, to
 * an endpoint beyond loopback: Logdeck listens there only behind TLS or a
 * token, or when told --insecure. */
static gboolean
check_exposure (LdIngestShared  *shared,
                const char      *what,
                LdProtection     protection,
                const char      *address,
                GError         **error)
{
  gboolean tls = shared->tls_certificate != NULL;
  gboolean token = shared->token != NULL;
  const char *needs;

  /* An address that is none is refused when binding, with its own reason. */
  if (shared->insecure || is_loopback_address (address) || !g_hostname_is_ip_address (address))
    return TRUE;

  switch (protection)
    {
    case LD_PROTECTED_BY_TLS:
      if (tls)
        return TRUE;
      needs = "TLS (--tls-cert)";
      break;
    case LD_PROTECTED_BY_TLS_OR_TOKEN:
      if (tls || token)
        return TRUE;
      needs = "TLS (--tls-cert) or a token (--token)";
      break;
    case LD_PROTECTED_BY_NOTHING:
    default:
      needs = "--insecure, since UDP can have neither TLS nor a token";
      break;
    }

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
               "Refusing to listen for %s on %s, beyond this machine, without %s: anyone who "
               "can reach it could send records. Give --insecure to listen anyway",
               what, address, needs);
  return FALSE;
}

static GSocket *
bind_and_listen (const char   *address,
                 guint16       port,
                 GSocketType   type,
                 char        **bound_address,
                 guint16      *bound_port,
                 GError      **error)
{
  g_autoptr(GSocket) socket = NULL;

  socket = ld_ingest_bind (address, port, type, bound_address, bound_port, error);
  if (socket == NULL || type != G_SOCKET_TYPE_STREAM)
    return g_steal_pointer (&socket);

  g_socket_set_listen_backlog (socket, BACKLOG);
  if (!g_socket_listen (socket, error))
    {
      g_clear_pointer (bound_address, g_free);
      return NULL;
    }

  return g_steal_pointer (&socket);
}

/**
 * ld_source_new_listener:
 * @size: the size of the kind's struct, which embeds an LdSource first
 * @klass: the kind's class: its name is the first endpoint's id, and it
 *   says the protocol, the socket type and what protects it
 * @shared: the ingest thread's shared state
 * @address: an IP address
 * @port: a port, or 0 for any free one
 *
 * What every listener's constructor does on the caller's thread, so that a
 * taken port is known before ld_ingest_add_source() returns: numbers the
 * endpoint ("tcp", "tcp.2"…), refuses an unprotected address beyond
 * loopback, binds and listens, and lists a failure in the registry.
 *
 * Returns: (transfer full) (nullable): the zeroed struct, with its
 *   LdSource's id, address, port and socket set
 */
gpointer
ld_source_new_listener (gsize                 size,
                        const LdSourceClass  *klass,
                        LdIngestShared       *shared,
                        const char           *address,
                        guint16               port,
                        GError              **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *where = NULL;
  LdSource *source;
  char *id;

  g_assert (size >= sizeof (LdSource));

  if ((id = ld_source_next_id (shared, klass->kind, LD_SOURCE_ID_PLAIN_FIRST, error)) == NULL)
    return NULL;

  source = g_malloc0 (size);
  ld_source_init (source, klass, shared, id);
  source->protocol = klass->protocol;
  if (check_exposure (shared, klass->kind, klass->protection, address, &local_error)
      && (source->socket = bind_and_listen (address, port, klass->socket_type, &source->address,
                                            &source->port, &local_error)) != NULL)
    return source;

  where = g_strdup_printf (strchr (address, ':') != NULL ? "[%s]:%u" : "%s:%u", address, port);
  ld_source_report_failed (shared, id, klass->protocol, where, local_error);
  g_propagate_error (error, g_steal_pointer (&local_error));
  /* Not ld_source_free(): the kind has nothing of its own to finalize yet. */
  g_free (source->id);
  g_free (source);
  return NULL;
}
