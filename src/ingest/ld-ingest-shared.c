// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ingest"

#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "ld-ingest-private.h"
#include "ld-level.h"

/* What every source uses, below them all: the decoding threads' priority,
 * handing batches over, pacing and sending reports to the registry,
 * Logdeck's own records about bad input and their rate limit, quoting bad
 * input, and binding a socket. LdIngest owns the sources; the sources need
 * nothing from it but these. */

/**
 * ld_ingest_lower_priority:
 *
 * Decoding may take every core it is given; the window must still draw.
 * The ingest thread and the decoders run a little nicer than the UI thread,
 * so a flood of records slows their intake before it stalls the frames.
 */
void
ld_ingest_lower_priority (void)
{
  if (setpriority (PRIO_PROCESS, gettid (), LD_INGEST_NICENESS) != 0)
    g_debug ("Could not lower the ingest thread's priority: %s", g_strerror (errno));
}

/**
 * ld_ingest_destroy_source:
 * @source: (inout) (nullable): a source the caller attached, or %NULL
 *
 * Destroys and drops a source, if there is one, and clears the pointer.
 */
void
ld_ingest_destroy_source (GSource **source)
{
  if (*source == NULL)
    return;

  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

/**
 * ld_ingest_shared_flush:
 * @shared: what the listeners share
 * @batch: (inout): records to hand over; replaced by an empty batch
 */
void
ld_ingest_shared_flush (LdIngestShared  *shared,
                        LdBatch        **batch)
{
  guint n = ld_batch_get_length (*batch);

  if (n == 0)
    return;

  ld_handoff_push_batch (shared->handoff, g_steal_pointer (batch));
  *batch = ld_batch_new ();
  g_atomic_pointer_add (&shared->n_records, n);
}

/**
 * ld_ingest_shared_number:
 * @shared: the ingest thread's shared state
 * @kind: what is numbered: "tcp" for "tcp-1", "ws" for "ws-1",
 *   "nng-1/pipe" for "nng-1/pipe-1"
 *
 * Numbers connections of every kind in one place, so that an ingest thread
 * that replaces another goes on from its numbers (see
 * ld_ingest_continue_connection_numbering()) and never gives a new peer an
 * old peer's id. Call it on the ingest thread.
 *
 * Returns: the next number of @kind, from 1
 */
guint
ld_ingest_shared_number (LdIngestShared *shared,
                         const char     *kind)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (shared->n_connections, kind)) + 1;

  /* Once a connection: the copy of @kind is dropped when it is there already. */
  g_hash_table_insert (shared->n_connections, g_strdup (kind), GUINT_TO_POINTER (n));
  return n;
}

void
ld_ingest_shared_report (LdIngestShared         *shared,
                         const LdConnectionInfo *info)
{
  if (shared->registry != NULL)
    ld_connection_registry_report (shared->registry, info);
}

/**
 * ld_report_pacer_init:
 * @pacer: a source's or a connection's pacer
 * @shared: the ingest thread's shared state
 * @name: the timer's name, for profilers
 * @report: reports @owner's counts, and calls ld_report_pacer_reported()
 * @owner: for @report
 *
 * Counts reach the sources panel at most once an interval, not per read:
 * the registry and the panel would otherwise redo their work thousands of
 * times a second. Every source and session paces its reports with one.
 */
void
ld_report_pacer_init (LdReportPacer  *pacer,
                      LdIngestShared *shared,
                      const char     *name,
                      LdReportFunc    report,
                      gpointer        owner)
{
  pacer->context = shared->context;
  pacer->name = name;
  pacer->report = report;
  pacer->owner = owner;
  pacer->last_report = 0;
  pacer->timer = NULL;
}

/* Whatever the reason for a report, the next one is an interval away. */
void
ld_report_pacer_reported (LdReportPacer *pacer)
{
  pacer->last_report = g_get_monotonic_time ();
}

gboolean
ld_report_pacer_is_due (LdReportPacer *pacer,
                        gint64         now)
{
  return now - pacer->last_report >= LD_INGEST_REPORT_INTERVAL_US;
}

static gboolean
on_report_timer (gpointer user_data)
{
  LdReportPacer *pacer = user_data;

  g_clear_pointer (&pacer->timer, g_source_unref);
  pacer->report (pacer->owner);
  return G_SOURCE_REMOVE;
}

/**
 * ld_report_pacer_later:
 * @pacer: a pacer
 *
 * Reports an interval from now, so that the last counts of a burst still
 * arrive. Does nothing while a report is pending.
 */
void
ld_report_pacer_later (LdReportPacer *pacer)
{
  if (pacer->timer != NULL)
    return;

  pacer->timer = g_timeout_source_new (LD_INGEST_REPORT_INTERVAL_US / 1000);
  g_source_set_static_name (pacer->timer, pacer->name);
  g_source_set_callback (pacer->timer, on_report_timer, pacer, NULL);
  g_source_attach (pacer->timer, pacer->context);
}

/* Reports now if an interval has passed since the last report, else later. */
void
ld_report_pacer_progress (LdReportPacer *pacer)
{
  if (ld_report_pacer_is_due (pacer, g_get_monotonic_time ()))
    pacer->report (pacer->owner);
  else
    ld_report_pacer_later (pacer);
}

/* Drops a pending report: the owner's last report follows when it stops. */
void
ld_report_pacer_stop (LdReportPacer *pacer)
{
  ld_ingest_destroy_source (&pacer->timer);
}

/**
 * ld_ingest_format_address:
 * @address: an internet socket address
 *
 * Returns: (transfer full): "127.0.0.1:54321", or "[::1]:54321" for IPv6
 */
char *
ld_ingest_format_address (GSocketAddress *address)
{
  GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS (address);
  GInetAddress *ip = g_inet_socket_address_get_address (inet);
  g_autofree char *text = g_inet_address_to_string (ip);
  guint16 port = g_inet_socket_address_get_port (inet);

  if (g_inet_address_get_family (ip) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[%s]:%u", text, port);

  return g_strdup_printf ("%s:%u", text, port);
}

static GInetAddress *
parse_address (const char  *address,
               GError     **error)
{
  GInetAddress *ip;

  /* Only "localhost" is looked up, and without asking a resolver. */
  if (g_ascii_strcasecmp (address, "localhost") == 0)
    return g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

  ip = g_inet_address_new_from_string (address);
  if (ip == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "“%s” is not an IP address", address);

  return ip;
}

/**
 * ld_ingest_bind:
 * @address: an IP address
 * @port: a port, or 0 for any free one
 * @type: %G_SOCKET_TYPE_STREAM or %G_SOCKET_TYPE_DATAGRAM
 * @bound_address: (out): the address and port bound, as text
 * @bound_port: (out): the port bound
 *
 * Returns: (transfer full) (nullable): a non-blocking socket bound to the
 *   address, or %NULL with an error naming the address
 */
GSocket *
ld_ingest_bind (const char   *address,
                guint16       port,
                GSocketType   type,
                char        **bound_address,
                guint16      *bound_port,
                GError      **error)
{
  g_autoptr(GInetAddress) ip = NULL;
  g_autoptr(GSocketAddress) wanted = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean stream = type == G_SOCKET_TYPE_STREAM;

  if ((ip = parse_address (address, error)) == NULL)
    return NULL;

  wanted = g_inet_socket_address_new (ip, port);
  socket = g_socket_new (g_inet_address_get_family (ip), type,
                         stream ? G_SOCKET_PROTOCOL_TCP : G_SOCKET_PROTOCOL_UDP, &local_error);
  /* SO_REUSEADDR lets a restarted Logdeck listen at once over old TIME_WAIT
   * connections; for UDP GLib would also set SO_REUSEPORT, which would let
   * two programs share the port silently, so it is not asked for there. */
  if (socket == NULL || !g_socket_bind (socket, wanted, stream, &local_error)
      || (local = g_socket_get_local_address (socket, &local_error)) == NULL)
    {
      g_set_error (error, local_error->domain, local_error->code,
                   "Cannot listen on %s port %u (%s): %s", address, port, stream ? "TCP" : "UDP",
                   local_error->message);
      return NULL;
    }

  g_socket_set_blocking (socket, FALSE);
  *bound_address = ld_ingest_format_address (local);
  *bound_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));

  return g_steal_pointer (&socket);
}
