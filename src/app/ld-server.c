// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.server"

#include "config.h"

#include <glib-unix.h>

#include "ld-server.h"

/* Headless Logdeck: the same session as the window's, in a plain
 * GApplication, so it runs where there is no display. It stops on SIGINT or
 * SIGTERM after taking in what was already received. */
struct _LdServer
{
  GApplication  parent_instance;

  LdSession    *session;
  guint         sigint_id;
  guint         sigterm_id;
};

G_DEFINE_FINAL_TYPE (LdServer, ld_server, G_TYPE_APPLICATION)

static gboolean
on_stop_signal (gpointer user_data)
{
  LdServer *self = user_data;

  g_debug ("Stopping on a signal");
  self->sigint_id = self->sigterm_id = 0;
  g_application_release (G_APPLICATION (self));

  return G_SOURCE_REMOVE;
}

/* Scripts (and the tests) start it on port 0 and read where it listens. */
static void
announce_endpoints (LdServer *self)
{
  LdIngest *ingest = ld_session_get_ingest (self->session);
  const char *address = ld_session_get_listen_address (self->session);

  static const char *const endpoints[] = { "tcp", "udp", "http", "syslog", "gelf", "otlp" };

  for (guint i = 0; i < G_N_ELEMENTS (endpoints); i++)
    {
      const char *which = endpoints[i];
      guint16 port = ld_ingest_get_bound_port (ingest, which);

      if (port != 0)
        g_printerr ("logdeck: listening on %s %s:%u\n", which, address, port);
    }
}

static gint
ld_server_handle_local_options (GApplication *app,
                                GVariantDict *options)
{
  /* A server is headless whether or not --headless was given: the options
   * that need it (--output, --export) hold for logdeck-headless too. */
  g_variant_dict_insert (options, "headless", "b", TRUE);

  return ld_session_handle_options (LD_SERVER (app)->session, options);
}

static void
ld_server_startup (GApplication *app)
{
  LdServer *self = LD_SERVER (app);

  G_APPLICATION_CLASS (ld_server_parent_class)->startup (app);

  ld_session_start (self->session, TRUE);
  announce_endpoints (self);
  self->sigint_id = g_unix_signal_add (SIGINT, on_stop_signal, self);
  self->sigterm_id = g_unix_signal_add (SIGTERM, on_stop_signal, self);
}

static void
ld_server_activate (GApplication *app)
{
  /* No window keeps a headless instance alive, so it holds itself until a
   * signal releases it. */
  g_application_hold (app);
}

static void
ld_server_shutdown (GApplication *app)
{
  LdServer *self = LD_SERVER (app);

  g_clear_handle_id (&self->sigint_id, g_source_remove);
  g_clear_handle_id (&self->sigterm_id, g_source_remove);
  ld_session_shutdown (self->session);

  G_APPLICATION_CLASS (ld_server_parent_class)->shutdown (app);
}

static void
ld_server_finalize (GObject *object)
{
  LdServer *self = LD_SERVER (object);

  g_clear_object (&self->session);

  G_OBJECT_CLASS (ld_server_parent_class)->finalize (object);
}

/* logdeck FILE… and logdeck -: files and standard input become sources. */
static void
ld_server_open (GApplication  *app,
               GFile        **files,
               gint           n_files,
               const char    *hint)
{
  g_application_activate (app);
  ld_session_open (LD_SERVER (app)->session, files, n_files, FALSE);
}

static void
ld_server_class_init (LdServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = ld_server_finalize;
  app_class->handle_local_options = ld_server_handle_local_options;
  app_class->startup = ld_server_startup;
  app_class->activate = ld_server_activate;
  app_class->open = ld_server_open;
  app_class->shutdown = ld_server_shutdown;
}

static void
ld_server_init (LdServer *self)
{
  self->session = ld_session_new ();
  ld_session_add_option_entries (G_APPLICATION (self));
}

/**
 * ld_server_new:
 *
 * A headless instance never hands over to another one: each is a server of
 * its own.
 *
 * Returns: (transfer full): a new headless server
 */
LdServer *
ld_server_new (void)
{
  return g_object_new (LD_TYPE_SERVER,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_NON_UNIQUE | G_APPLICATION_HANDLES_OPEN,
                       NULL);
}

LdSession *
ld_server_get_session (LdServer *self)
{
  g_return_val_if_fail (LD_IS_SERVER (self), NULL);

  return self->session;
}
