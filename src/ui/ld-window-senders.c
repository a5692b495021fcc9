// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <glib/gi18n.h>

#include "ld-window-private.h"

/* The empty page's "how to send" text: Python's handlers on the ports the
 * listeners really have, and below it the help for the senders beyond
 * them: syslog,
 * OpenTelemetry and GELF, each with a one-line example on the port its
 * listener really has (the system's pick when the port asked was 0), as
 * the SocketHandler snippet above it has. A listener that is off is left
 * out. */

static void
append_sender (GString    *markup,
               const char *name,
               const char *where,
               const char *who,
               const char *example)
{
  g_autofree char *paragraph = NULL;

  if (markup->len > 0)
    g_string_append (markup, "\n\n");
  /* Translators: the empty page's help: a protocol, where it listens, who
   * sends it, then an example command or line of code */
  paragraph = g_markup_printf_escaped (_("<b>%s</b> on %s, from %s:\n<tt>%s</tt>"), name, where,
                                       who, example);
  g_string_append (markup, paragraph);
}

static void
append_syslog (GString    *markup,
               LdIngest   *ingest,
               const char *address)
{
  guint tcp = ld_ingest_get_bound_port (ingest, "syslog");
  guint udp = ld_ingest_get_bound_port (ingest, "syslog-udp");
  g_autofree char *where = NULL;
  g_autofree char *example = NULL;

  if (tcp == 0 && udp == 0)
    return;

  if (tcp != 0 && udp == tcp)
    where = g_strdup_printf (_("UDP and TCP port %u"), tcp);
  else if (udp != 0)
    where = g_strdup_printf (_("UDP port %u"), udp);
  else
    where = g_strdup_printf (_("TCP port %u"), tcp);
  example = g_strdup_printf ("logger -n %s -P %u %s\"Hello from logger\"", address,
                             udp != 0 ? udp : tcp, udp != 0 ? "" : "--tcp ");
  append_sender (markup, _("Syslog"), where,
                 _("logger, rsyslog, syslog-ng and Python’s SysLogHandler"), example);
}

static void
append_otlp (GString    *markup,
             LdIngest   *ingest,
             const char *address)
{
  guint port = ld_ingest_get_bound_port (ingest, "otlp");
  g_autofree char *where = NULL;
  g_autofree char *example = NULL;

  if (port == 0)
    return;

  where = g_strdup_printf (_("OTLP/HTTP port %u"), port);
  example = g_strdup_printf ("OTEL_EXPORTER_OTLP_ENDPOINT=http://%s:%u\n"
                             "OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf", address, port);
  append_sender (markup, _("OpenTelemetry"), where,
                 _("every OpenTelemetry SDK and the Collector"), example);
}

static void
append_gelf (GString    *markup,
             LdIngest   *ingest,
             const char *address)
{
  guint udp = ld_ingest_get_bound_port (ingest, "gelf-udp");
  guint tcp = ld_ingest_get_bound_port (ingest, "gelf");
  g_autofree char *where = NULL;
  g_autofree char *example = NULL;

  if (udp == 0 && tcp == 0)
    return;

  if (udp != 0 && tcp == udp)
    where = g_strdup_printf (_("UDP and TCP port %u"), udp);
  else if (udp != 0)
    where = g_strdup_printf (_("UDP port %u"), udp);
  else
    where = g_strdup_printf (_("TCP port %u"), tcp);
  example = g_strdup_printf ("logging.getLogger().addHandler(\n"
                             "    graypy.%s(\"%s\", %u))",
                             udp != 0 ? "GELFUDPHandler" : "GELFTCPHandler", address,
                             udp != 0 ? udp : tcp);
  append_sender (markup, _("GELF"), where, _("graypy and other Graylog libraries"), example);
}

/**
 * ld_window_format_senders_help:
 * @session: the window's session
 *
 * Returns: (transfer full) (nullable): Pango markup saying how to send
 *   syslog, OTLP and GELF to the listeners that run, or %NULL if none does
 */
char *
ld_window_format_senders_help (LdSession *session)
{
  LdIngest *ingest = ld_session_get_ingest (session);
  const char *address = ld_session_get_listen_address (session);
  g_autoptr(GString) markup = g_string_new (NULL);

  if (ingest == NULL)
    return NULL;

  append_syslog (markup, ingest, address);
  append_otlp (markup, ingest, address);
  append_gelf (markup, ingest, address);

  return markup->len > 0 ? g_string_free (g_steal_pointer (&markup), FALSE) : NULL;
}

/* The empty page's own text and the subtitle: the handlers' ports. */

/* The port a listener really has (the system's pick for port 0), or the one
 * it was asked for when it is not listening. */
static guint
bound_port (LdSession  *session,
            const char *which)
{
  LdIngest *ingest = ld_session_get_ingest (session);
  guint16 port = ingest != NULL ? ld_ingest_get_bound_port (ingest, which) : 0;

  return port != 0 ? port : ld_session_get_port (session, which);
}

void
ld_window_update_endpoints_text (LdWindow *self)
{
  LdSession *session = self->session;
  const char *address = ld_session_get_listen_address (session);
  guint tcp = bound_port (session, "tcp");
  guint udp = bound_port (session, "udp");
  guint http = bound_port (session, "http");
  g_autofree char *subtitle = g_strdup_printf (_("Listening on %s"), address);
  g_autofree char *description = NULL;
  g_autofree char *snippet = NULL;
  g_autofree char *senders = ld_window_format_senders_help (session);

  description = g_strdup_printf (_("Send records from Python’s logging to TCP port %u "
                                   "(SocketHandler), UDP port %u (DatagramHandler) or "
                                   "HTTP and WebSocket port %u on %s."),
                                 tcp, udp, http, address);
  snippet = g_strdup_printf ("import logging, logging.handlers\n"
                             "logging.getLogger().addHandler(\n"
                             "    logging.handlers.SocketHandler(\"%s\", %u))",
                             address, tcp);

  adw_window_title_set_subtitle (self->window_title, subtitle);
  adw_status_page_set_description (self->empty_page, description);
  gtk_label_set_text (self->snippet_label, snippet);
  gtk_label_set_markup (self->senders_label, senders != NULL ? senders : "");
  gtk_widget_set_visible (self->senders_expander, senders != NULL);
}
