// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include "ld-queue-endpoints.h"

/* The URIs of one kind of message-queue endpoint: those given on the
 * command line, or else the preference's, separated by spaces or commas. */
static char **
queue_uris (char       **cli,
            GSettings   *settings,
            const char  *key)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) parts = NULL;
  g_autoptr(GStrvBuilder) uris = g_strv_builder_new ();

  if (cli == NULL)
    {
      text = g_settings_get_string (settings, key);
      cli = parts = g_strsplit_set (text, " ,\t\n", -1);
    }
  /* An empty one (--nng-listen '') asks for none. */
  for (guint i = 0; cli[i] != NULL; i++)
    if (*cli[i] != '\0')
      g_strv_builder_add (uris, cli[i]);

  return g_strv_builder_end (uris);
}

static void
add_endpoints (LdIngest    *ingest,
               char       **cli,
               GSettings   *settings,
               const char  *key,
               const char  *option,
               gboolean   (*add) (LdIngest *, const char *, GError **))
{
  g_auto(GStrv) uris = queue_uris (cli, settings, key);

  for (guint i = 0; uris[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;

      if (!add (ingest, uris[i], &error))
        g_warning ("%s %s: %s", option, uris[i], error->message);
    }
}

void
ld_queue_endpoints_lookup (LdQueueEndpoints *self,
                           GVariantDict     *options)
{
  g_variant_dict_lookup (options, "zmq", "^as", &self->zmq);
  g_variant_dict_lookup (options, "zmq-listen", "^as", &self->zmq_listen);
  g_variant_dict_lookup (options, "nng", "^as", &self->nng);
  g_variant_dict_lookup (options, "nng-listen", "s", &self->nng_listen);
}

void
ld_queue_endpoints_clear (LdQueueEndpoints *self)
{
  g_clear_pointer (&self->zmq, g_strfreev);
  g_clear_pointer (&self->zmq_listen, g_strfreev);
  g_clear_pointer (&self->nng, g_strfreev);
  g_clear_pointer (&self->nng_listen, g_free);
}

/**
 * ld_queue_endpoints_add:
 *
 * Adds every ZeroMQ and NNG endpoint to @ingest: those of the command line,
 * or else of the preferences. One that cannot start is a warning, and the
 * others start all the same.
 */
void
ld_queue_endpoints_add (const LdQueueEndpoints *self,
                        GSettings              *settings,
                        LdIngest               *ingest)
{
  char *nng_listen[] = { self->nng_listen, NULL };

  add_endpoints (ingest, self->zmq, settings, "zmq-connect", "--zmq", ld_ingest_add_zmq_connect);
  add_endpoints (ingest, self->zmq_listen, settings, "zmq-listen", "--zmq-listen",
                 ld_ingest_add_zmq_listen);
  add_endpoints (ingest, self->nng, settings, "nng-dial", "--nng", ld_ingest_add_nng_dial);
  add_endpoints (ingest, self->nng_listen != NULL ? nng_listen : NULL, settings, "nng-listen",
                 "--nng-listen", ld_ingest_add_nng_listen);
}
