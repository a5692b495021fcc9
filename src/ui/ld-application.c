// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <glib/gi18n.h>

#include "ld-application.h"
#include "logdeck-resources.h"
#include "ld-log-writer.h"
#include "ld-window.h"

struct _LdApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;
  LdStore        *store;
  LdHandoff      *handoff;
  LdDemo         *demo;

  gboolean        headless;
  gboolean        demo_requested;
  gboolean        paused;
  gboolean        held;
  char           *listen_address;
  int             tcp_port;
  int             udp_port;
  int             http_port;
  int             max_records;
};

enum {
  PROP_0,
  PROP_PAUSED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (LdApplication, ld_application, ADW_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "demo", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Show the logging demo: a worker thread and the UI thread logging into the table"), NULL },
  { "headless", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Run without a window: receive and store records only"), NULL },
  { "listen", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Address to listen on (default 127.0.0.1)"), N_("ADDRESS") },
  { "tcp-port", 0, 0, G_OPTION_ARG_INT, NULL,
    N_("TCP port for Python's SocketHandler (default 9020)"), N_("PORT") },
  { "udp-port", 0, 0, G_OPTION_ARG_INT, NULL,
    N_("UDP port for Python's DatagramHandler (default 9021)"), N_("PORT") },
  { "http-port", 0, 0, G_OPTION_ARG_INT, NULL,
    N_("HTTP and WebSocket port (default 9022)"), N_("PORT") },
  { "max-records", 0, 0, G_OPTION_ARG_INT, NULL,
    N_("Keep at most this many records; older ones are evicted (default 1000000)"), N_("N") },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show the version and exit"), NULL },
  { NULL }
};

/**
 * ld_settings_new:
 *
 * The uninstalled program (build-aux/run, the tests) finds its schema in the
 * build tree; an installed one finds it where GSettings always looks.
 *
 * Returns: (transfer full): the application's settings
 */
GSettings *
ld_settings_new (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchemaSource) build_source = NULL;
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE);

  if (schema == NULL)
    {
      build_source = g_settings_schema_source_new_from_directory (BUILD_SCHEMA_DIR, source,
                                                                  FALSE, NULL);
      if (build_source != NULL)
        schema = g_settings_schema_source_lookup (build_source, APPLICATION_ID, TRUE);
    }

  if (schema == NULL)
    g_error ("The GSettings schema %s is not installed", APPLICATION_ID);

  return g_settings_new_full (schema, NULL, NULL);
}

static void
drain_into_store (LdBatch *const *batches,
                  guint           n_batches,
                  gpointer        user_data)
{
  LdApplication *self = user_data;

  ld_store_append_batches (self->store, batches, n_batches);
}

static gint
ld_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  LdApplication *self = LD_APPLICATION (app);

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("logdeck %s\n", PACKAGE_VERSION);
      return 0;
    }

  g_variant_dict_lookup (options, "headless", "b", &self->headless);
  g_variant_dict_lookup (options, "demo", "b", &self->demo_requested);
  g_variant_dict_lookup (options, "listen", "s", &self->listen_address);
  g_variant_dict_lookup (options, "tcp-port", "i", &self->tcp_port);
  g_variant_dict_lookup (options, "udp-port", "i", &self->udp_port);
  g_variant_dict_lookup (options, "http-port", "i", &self->http_port);
  g_variant_dict_lookup (options, "max-records", "i", &self->max_records);

  if (self->max_records < 0)
    {
      g_printerr (_("--max-records must be a positive number\n"));
      return 1;
    }

  /* Headless instances are independent servers: never hand over to another. */
  if (self->headless)
    g_application_set_flags (app, g_application_get_flags (app) | G_APPLICATION_NON_UNIQUE);

  return -1;
}

static void
clear_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  ld_store_clear (LD_APPLICATION (user_data)->store);
}

static void
pause_change_state (GSimpleAction *action,
                    GVariant      *state,
                    gpointer       user_data)
{
  LdApplication *self = user_data;

  g_simple_action_set_state (action, state);
  self->paused = g_variant_get_boolean (state);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAUSED]);
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GApplication *app = user_data;
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (app));

  /* Closing lets each window save its layout first. */
  while (windows != NULL)
    {
      GList *next = windows->next;
      gtk_window_close (windows->data);
      windows = next;
    }

  g_application_quit (app);
}

static void
demo_start_change_state (GSimpleAction *action,
                         GVariant      *state,
                         gpointer       user_data)
{
  LdApplication *self = user_data;

  if (g_variant_get_boolean (state))
    ld_demo_start (self->demo);
  else
    ld_demo_stop (self->demo);

  g_simple_action_set_state (action, state);
}

static void
demo_log_activated (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  ld_demo_log_random (LD_APPLICATION (user_data)->demo);
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));
  const char *developers[] = { _("The Logdeck developers"), NULL };

  adw_show_about_window (window,
                         "application-name", _("Logdeck"),
                         "application-icon", APPLICATION_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("A live dashboard for log records from running programs"),
                         "website", "https://github.com/logdeck/logdeck",
                         "developers", developers,
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static const GActionEntry app_actions[] = {
  { "clear", clear_activated },
  { "pause", NULL, NULL, "false", pause_change_state },
  { "quit", quit_activated },
  { "demo-start", NULL, NULL, "false", demo_start_change_state },
  { "demo-log", demo_log_activated },
  { "about", about_activated },
};

static void
ld_application_startup (GApplication *app)
{
  LdApplication *self = LD_APPLICATION (app);
  static const char *clear_accels[] = { "<Control>l", NULL };
  static const char *pause_accels[] = { "<Control>p", NULL };
  static const char *quit_accels[] = { "<Control>q", NULL };
  guint max_records;

  G_APPLICATION_CLASS (ld_application_parent_class)->startup (app);

  self->settings = ld_settings_new ();
  max_records = self->max_records > 0 ? (guint) self->max_records
                                      : g_settings_get_uint (self->settings, "max-records");
  self->store = ld_store_new (max_records);
  self->handoff = ld_handoff_new (NULL, drain_into_store, self, NULL);
  if (self->headless)
    ld_handoff_set_min_interval (self->handoff, 0);
  self->demo = ld_demo_new ();

  ld_log_writer_install ();
  ld_log_writer_set_handoff (self->handoff);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions),
                                   app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.clear", clear_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.pause", pause_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
}

static void
ld_application_activate (GApplication *app)
{
  LdApplication *self = LD_APPLICATION (app);
  GtkWindow *window;

  if (self->headless)
    {
      /* No window keeps a headless instance alive, so it holds itself. */
      if (!self->held)
        g_application_hold (app);
      self->held = TRUE;
      return;
    }

  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  if (window == NULL)
    window = GTK_WINDOW (ld_window_new (self));

  if (self->demo_requested)
    ld_window_show_demo (LD_WINDOW (window));

  gtk_window_present (window);
}

static void
ld_application_shutdown (GApplication *app)
{
  LdApplication *self = LD_APPLICATION (app);

  ld_demo_stop (self->demo);
  ld_log_writer_set_handoff (NULL);
  ld_handoff_shutdown (self->handoff);

  G_APPLICATION_CLASS (ld_application_parent_class)->shutdown (app);
}

static void
ld_application_finalize (GObject *object)
{
  LdApplication *self = LD_APPLICATION (object);

  g_clear_object (&self->demo);
  g_clear_pointer (&self->handoff, ld_handoff_unref);
  g_clear_object (&self->store);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->listen_address, g_free);

  G_OBJECT_CLASS (ld_application_parent_class)->finalize (object);
}

static void
ld_application_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_PAUSED:
      g_value_set_boolean (value, LD_APPLICATION (object)->paused);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ld_application_class_init (LdApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = ld_application_finalize;
  object_class->get_property = ld_application_get_property;

  app_class->handle_local_options = ld_application_handle_local_options;
  app_class->startup = ld_application_startup;
  app_class->activate = ld_application_activate;
  app_class->shutdown = ld_application_shutdown;

  properties[PROP_PAUSED] =
    g_param_spec_boolean ("paused", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  logdeck_register_resource ();
}

static void
ld_application_init (LdApplication *self)
{
  /* -1 is "not given": 0 asks the system for any free port. */
  self->tcp_port = self->udp_port = self->http_port = -1;
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Receive, watch and filter log records from "
                                              "running programs."));
}

LdApplication *
ld_application_new (void)
{
  return g_object_new (LD_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/io/github/logdeck/Logdeck",
                       NULL);
}

LdStore *
ld_application_get_store (LdApplication *self)
{
  g_return_val_if_fail (LD_IS_APPLICATION (self), NULL);

  return self->store;
}

LdHandoff *
ld_application_get_handoff (LdApplication *self)
{
  g_return_val_if_fail (LD_IS_APPLICATION (self), NULL);

  return self->handoff;
}

LdDemo *
ld_application_get_demo (LdApplication *self)
{
  g_return_val_if_fail (LD_IS_APPLICATION (self), NULL);

  return self->demo;
}

GSettings *
ld_application_get_settings (LdApplication *self)
{
  g_return_val_if_fail (LD_IS_APPLICATION (self), NULL);

  return self->settings;
}

gboolean
ld_application_get_paused (LdApplication *self)
{
  g_return_val_if_fail (LD_IS_APPLICATION (self), FALSE);

  return self->paused;
}

gboolean
ld_application_get_headless (LdApplication *self)
{
  g_return_val_if_fail (LD_IS_APPLICATION (self), FALSE);

  return self->headless;
}

/**
 * ld_application_get_listen_address:
 * @self: the application
 *
 * Returns: the address given with --listen, or the one in the settings
 */
const char *
ld_application_get_listen_address (LdApplication *self)
{
  g_return_val_if_fail (LD_IS_APPLICATION (self), NULL);

  if (self->listen_address == NULL)
    self->listen_address = g_settings_get_string (self->settings, "listen-address");

  return self->listen_address;
}

/**
 * ld_application_get_port:
 * @self: the application
 * @which: "tcp", "udp" or "http"
 *
 * Returns: the port given on the command line (0 for any free port), or
 *   the one in the settings
 */
guint
ld_application_get_port (LdApplication *self,
                         const char    *which)
{
  g_autofree char *key = g_strdup_printf ("%s-port", which);
  g_autoptr(GVariant) value = NULL;
  int given = -1;

  g_return_val_if_fail (LD_IS_APPLICATION (self), 0);

  if (g_str_equal (which, "tcp"))
    given = self->tcp_port;
  else if (g_str_equal (which, "udp"))
    given = self->udp_port;
  else if (g_str_equal (which, "http"))
    given = self->http_port;

  if (given >= 0)
    return given;

  value = g_settings_get_value (self->settings, key);
  return g_variant_get_uint16 (value);
}
