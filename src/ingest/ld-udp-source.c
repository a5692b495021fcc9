// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ingest"

#include "config.h"

#include <string.h>

#include "ld-pyrecord.h"
#include "ld-udp-source.h"

/* Everything here runs on the ingest thread, except creating the listener
 * and freeing it after the thread has ended.
 *
 * Datagrams have no connection to close, so a bad one is counted on the
 * endpoint and reported as an error record. A sender (or an attacker) can
 * send thousands of bad datagrams a second, so at most one such record is
 * made per interval; the ones in between are counted, and a summary record
 * follows the interval. */

/* The largest UDP payload, with room to spare. */
#define DATAGRAM_BUFFER    (64 * 1024 + 1)
/* Datagrams one dispatch reads before the others get their turn. */
#define DATAGRAM_BUDGET    1024
#define REPORT_EVERY_US    G_USEC_PER_SEC

typedef struct
{
  LdSource        parent;
  GSource        *source;
  GSource        *summary;       /* pending report of suppressed bad datagrams */
  guint8         *buffer;
  LdBatch        *batch;
  char           *last_error;
  gint64          last_problem;  /* monotonic time of the last error record */
  guint64         n_suppressed;
  LdReportPacer   pacer;

  /* The last sender, so that a steady sender's address is formatted once. */
  GSocketAddress *peer_address;
  char           *peer;
} LdUdpSource;

static void
report (LdUdpSource       *self,
        LdConnectionState  state)
{
  LdConnectionInfo info = ld_source_describe (&self->parent, state);

  info.last_error = self->last_error;

  ld_report_pacer_reported (&self->pacer);
  ld_ingest_shared_report (self->parent.shared, &info);
}

static gboolean
same_address (GSocketAddress *a,
              GSocketAddress *b)
{
  GInetSocketAddress *ia = G_INET_SOCKET_ADDRESS (a);
  GInetSocketAddress *ib = G_INET_SOCKET_ADDRESS (b);

  return g_inet_socket_address_get_port (ia) == g_inet_socket_address_get_port (ib)
         && g_inet_address_equal (g_inet_socket_address_get_address (ia),
                                  g_inet_socket_address_get_address (ib));
}

static const char *
peer_name (LdUdpSource    *self,
           GSocketAddress *address)
{
  if (address == NULL || !G_IS_INET_SOCKET_ADDRESS (address))
    return "unknown";

  if (self->peer_address == NULL || !same_address (self->peer_address, address))
    {
      g_set_object (&self->peer_address, address);
      g_free (self->peer);
      self->peer = ld_ingest_format_address (address);
    }

  return self->peer;
}

static void
add_problem (LdUdpSource   *self,
             const char    *peer,
             const char    *what)
{
  ld_ingest_add_problem (self->batch, NULL, 40, self->parent.id, peer,
                         LD_INGEST_PROTOCOL_UDP_PICKLE, "%s: %s", self->parent.id, what);
}

static gboolean
on_summary (gpointer user_data)
{
  LdUdpSource *self = user_data;
  g_autofree char *what = NULL;

  if (self->n_suppressed > 0)
    {
      what = g_strdup_printf ("%" G_GUINT64_FORMAT " more bad datagrams (%" G_GUINT64_FORMAT
                              " in all); the last: %s", self->n_suppressed, self->parent.n_errors,
                              self->last_error);
      add_problem (self, NULL, what);
      self->n_suppressed = 0;
      self->last_problem = g_get_monotonic_time ();
      ld_ingest_shared_flush (self->parent.shared, &self->batch);
    }

  g_clear_pointer (&self->summary, g_source_unref);
  return G_SOURCE_REMOVE;
}

static void
bad_datagram (LdUdpSource   *self,
              const char    *peer,
              gsize          size,
              const char    *reason)
{
  gint64 now = g_get_monotonic_time ();
  g_autofree char *what = NULL;

  self->parent.n_errors++;
  g_free (self->last_error);
  self->last_error = g_strdup_printf ("bad datagram of %" G_GSIZE_FORMAT " bytes from %s: %s",
                                      size, peer, reason);

  if (self->last_problem != 0 && now - self->last_problem < REPORT_EVERY_US)
    {
      self->n_suppressed++;
      if (self->summary == NULL)
        {
          self->summary = g_timeout_source_new ((REPORT_EVERY_US - (now - self->last_problem))
                                                / 1000 + 1);
          g_source_set_static_name (self->summary, "[logdeck] udp error summary");
          g_source_set_callback (self->summary, on_summary, self, NULL);
          g_source_attach (self->summary, self->parent.shared->context);
        }
      return;
    }

  self->last_problem = now;
  add_problem (self, peer, self->last_error);
}

static void
take_datagram (LdUdpSource    *self,
               GSocketAddress *address,
               gsize           size)
{
  const char *peer = peer_name (self, address);
  LdRecordOrigin origin = {
    .connection = self->parent.id,
    .peer = peer,
    .protocol = LD_INGEST_PROTOCOL_UDP_PICKLE,
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;
  guint32 length = 0;

  self->parent.n_bytes += size;
  if (size >= 4)
    {
      memcpy (&length, self->buffer, 4);
      length = GUINT32_FROM_BE (length);
    }

  if (size < 4 || length != size - 4)
    reason = g_strdup_printf ("its length prefix says %u bytes, but %" G_GSIZE_FORMAT
                              " bytes follow it", length, size < 4 ? 0 : size - 4);
  else if (length == 0)
    reason = g_strdup ("the pickle is empty");
  else if (!ld_pyrecord_add_pickle (self->batch, self->buffer + 4, length,
                                    &self->parent.shared->limits, &origin, &error))
    reason = g_strdup (error->message);

  if (reason != NULL)
    bad_datagram (self, peer, size, reason);
  else
    self->parent.n_records++;
}

static void
report_counts (gpointer user_data)
{
  LdUdpSource *self = user_data;

  report (self, LD_CONNECTION_LISTENING);
}

static gboolean
on_readable (GSocket      *socket,
             GIOCondition  condition,
             gpointer      user_data)
{
  LdUdpSource *self = user_data;

  for (guint i = 0; i < DATAGRAM_BUDGET; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocketAddress) address = NULL;
      gssize n = g_socket_receive_from (socket, &address, (char *) self->buffer, DATAGRAM_BUFFER,
                                        NULL, &error);

      if (n < 0)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            g_debug ("%s: cannot receive: %s", self->parent.id, error->message);
          break;
        }
      take_datagram (self, address, n);
      if (ld_batch_get_length (self->batch) >= LD_INGEST_MAX_BATCH)
        ld_ingest_shared_flush (self->parent.shared, &self->batch);
    }

  ld_ingest_shared_flush (self->parent.shared, &self->batch);
  ld_report_pacer_progress (&self->pacer);

  return G_SOURCE_CONTINUE;
}

static void
udp_source_start (LdSource *source)
{
  LdUdpSource *self = (LdUdpSource *) source;

  self->parent.since = g_get_real_time ();
  report (self, LD_CONNECTION_LISTENING);

  self->source = g_socket_create_source (self->parent.socket, G_IO_IN, NULL);
  g_source_set_static_name (self->source, "[logdeck] udp listener");
  g_source_set_callback (self->source, G_SOURCE_FUNC (on_readable), self, NULL);
  g_source_attach (self->source, self->parent.shared->context);
}

/* Takes the datagrams already queued, then stops. */
static void
udp_source_stop (LdSource *source)
{
  LdUdpSource *self = (LdUdpSource *) source;

  if (self->source != NULL)
    on_readable (self->parent.socket, G_IO_IN, self);
  ld_ingest_destroy_source (&self->source);
  ld_report_pacer_stop (&self->pacer);
  if (self->summary != NULL)
    {
      g_source_destroy (self->summary);
      on_summary (self);
    }
  ld_ingest_shared_flush (self->parent.shared, &self->batch);
  g_socket_close (self->parent.socket, NULL);
  report (self, LD_CONNECTION_CLOSED);
}

static void
udp_source_finalize (LdSource *source)
{
  LdUdpSource *self = (LdUdpSource *) source;

  g_clear_pointer (&self->source, g_source_unref);
  g_clear_pointer (&self->summary, g_source_unref);
  ld_report_pacer_stop (&self->pacer);
  g_clear_object (&self->peer_address);
  ld_batch_free (self->batch);
  g_free (self->buffer);
  g_free (self->peer);
  g_free (self->last_error);
}

LD_DEFINE_SOURCE_CLASS (udp_source, "udp",
                        .protocol = LD_INGEST_PROTOCOL_UDP_PICKLE,
                        .protection = LD_PROTECTED_BY_NOTHING,
                        .socket_type = G_SOCKET_TYPE_DATAGRAM);

/**
 * ld_udp_source_new:
 *
 * Makes ld_ingest_add_udp()'s endpoint, "udp" or "udp.2"…, which its
 * records name as their connection; it binds at once.
 *
 * Returns: (nullable): the source, not yet receiving
 */
LdSource *
ld_udp_source_new (LdIngestShared *shared,
                   const char     *address,
                   guint16         port,
                   GError        **error)
{
  LdUdpSource *self;

  self = ld_source_new_listener (sizeof (LdUdpSource), &udp_source_class, shared, address, port,
                                 error);
  if (self == NULL)
    return NULL;

  self->buffer = g_malloc (DATAGRAM_BUFFER);
  self->batch = ld_batch_new ();
  ld_report_pacer_init (&self->pacer, shared, "[logdeck] udp counts", report_counts, self);

  return &self->parent;
}
