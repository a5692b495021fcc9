// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <glib/gi18n.h>

#include "ld-application.h"
#include "logdeck-resources.h"
#include "ld-export.h"
#include "ld-log-writer.h"
#include "ld-renderer.h"
#include "ld-sessions-dialog.h"
#include "ld-window.h"
#include "ld-window-ramp.h"


struct _LdApplication
{
  AdwApplication  parent_instance;

  LdSession      *session;
  LdDemo         *demo;
  gboolean        paused;
};

enum {
  PROP_0,
  PROP_PAUSED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (LdApplication, ld_application, ADW_TYPE_APPLICATION)

static gint
ld_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  return ld_session_handle_options (LD_APPLICATION (app)->session, options);
}

static void
clear_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  LdApplication *self = user_data;

  /* Records already logged when the user clicked go too, not only those the
   * table had taken in by then. */
  ld_handoff_drain_all (ld_application_get_handoff (self));
  ld_store_clear (ld_application_get_store (self));
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

/* The demo also stops without the action (its window closes): the action's
 * state follows the demo, so that menus, buttons and the window's empty
 * state, which may bind either, agree on whether it runs. */
static void
on_demo_running_changed (LdApplication *self)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "demo-start");
  gboolean running = ld_demo_get_running (self->demo);

  g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_boolean (running));
}

static void
demo_log_activated (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  ld_demo_log_random (LD_APPLICATION (user_data)->demo);
}

#define LD_WEBSITE "https://github.com/logdeck/logdeck"
#define LD_ISSUE_URL LD_WEBSITE "/issues"

/* Where to read more and where to report a problem, besides who made it: the
 * two questions a user opens About for. */
static GtkWidget *
create_about_window (GtkWindow *parent)
{
  static const char *developers[] = { "The Logdeck developers " LD_WEBSITE, NULL };
  static const char *built_on[] = {
    "GTK https://gtk.org",
    "libadwaita https://gnome.pages.gitlab.gnome.org/libadwaita/",
    "GLib https://gitlab.gnome.org/GNOME/glib",
    "libsoup https://libsoup.org",
    "json-glib https://gitlab.gnome.org/GNOME/json-glib",
    NULL
  };
  GtkWidget *about = adw_about_window_new ();

  g_object_set (about,
                "transient-for", parent,
                "modal", TRUE,
                "application-name", _("Logdeck"),
                "application-icon", APPLICATION_ID,
                "version", PACKAGE_VERSION,
                "developer-name", _("The Logdeck developers"),
                "comments", _("A live dashboard for log records from running programs"),
                "website", LD_WEBSITE,
                "issue-url", LD_ISSUE_URL,
                "developers", developers,
                "copyright", _("© The Logdeck developers"),
                "license-type", GTK_LICENSE_GPL_3_0,
                "translator-credits", _("translator-credits"),
                NULL);
  adw_about_window_add_credit_section (ADW_ABOUT_WINDOW (about), _("Built On"), built_on);

  return about;
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));

  gtk_window_present (GTK_WINDOW (create_about_window (window)));
}

/* Sessions: the archived sessions, beside the window that opened it. */
static void
sessions_activated (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  LdApplication *self = user_data;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  gtk_window_present (GTK_WINDOW (ld_sessions_dialog_new (window, self)));
}

static void
on_action_export_done (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GApplication) app = user_data;
  g_autoptr(GError) error = NULL;

  if (!ld_export_finish (result, &error))
    g_warning ("%s", error->message);
  g_application_release (app);
}

/* From outside: gapplication action io.github.logdeck.Logdeck export "'/tmp/x.jsonl'"
 * writes every record, in the format the file's name asks for, on a worker
 * as the dialog does; the application stays up until it is written. */
static void
export_activated (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  LdApplication *self = user_data;
  g_autoptr(GFile) file = g_file_new_for_commandline_arg (g_variant_get_string (parameter, NULL));
  g_autoptr(LdExportSnapshot) snapshot = NULL;
  LdExportOptions options = { .format = ld_export_format_for_file (file) };

  ld_handoff_drain_all (ld_application_get_handoff (self));
  snapshot = ld_export_snapshot_new_from_store (ld_application_get_store (self), NULL, 0);
  g_application_hold (G_APPLICATION (self));
  ld_export_async (snapshot, file, &options, NULL, on_action_export_done, g_object_ref (self));
}

static const GActionEntry app_actions[] = {
  { "export", export_activated, "s" },
  { "clear", clear_activated },
  { "pause", NULL, NULL, "false", pause_change_state },
  { "quit", quit_activated },
  { "demo-start", NULL, NULL, "false", demo_start_change_state },
  { "demo-log", demo_log_activated },
  { "about", about_activated },
  { "sessions", sessions_activated },
};

static void
apply_style_variant (LdApplication *self)
{
  GSettings *settings = ld_session_get_settings (self->session);
  g_autofree char *variant = g_settings_get_string (settings, "style-variant");
  AdwColorScheme scheme = ADW_COLOR_SCHEME_DEFAULT;

  if (g_str_equal (variant, "light"))
    scheme = ADW_COLOR_SCHEME_FORCE_LIGHT;
  else if (g_str_equal (variant, "dark"))
    scheme = ADW_COLOR_SCHEME_FORCE_DARK;

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), scheme);
}

static void
ld_application_startup (GApplication *app)
{
  LdApplication *self = LD_APPLICATION (app);
  static const char *clear_accels[] = { "<Control>l", NULL };
  static const char *pause_accels[] = { "<Control>p", NULL };
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *sources_accels[] = { "F9", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };
  static const char *export_accels[] = { "<Control>s", NULL };
  static const char *open_accels[] = { "<Control>o", NULL };
  static const char *sessions_accels[] = { "<Control><Shift>o", NULL };
  static const char *find_accels[] = { "<Control>f", NULL };
  static const char *mark_accels[] = { "<Control>m", NULL };
  static const char *next_mark_accels[] = { "F2", NULL };
  static const char *previous_mark_accels[] = { "<Shift>F2", NULL };

  G_APPLICATION_CLASS (ld_application_parent_class)->startup (app);

  /* Before any window draws, and before the session starts threads. */
  ld_renderer_choose (gdk_display_get_default ());
  ld_session_start (self->session, FALSE);
  ld_window_ramp_install (ld_session_get_store (self->session),
                          ld_session_get_handoff (self->session));
  apply_style_variant (self);
  g_signal_connect_object (ld_session_get_settings (self->session), "changed::style-variant",
                           G_CALLBACK (apply_style_variant), self, G_CONNECT_SWAPPED);
  self->demo = ld_demo_new ();

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions),
                                   app);
  g_signal_connect_object (self->demo, "notify::running", G_CALLBACK (on_demo_running_changed),
                           self, G_CONNECT_SWAPPED);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.clear", clear_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.pause", pause_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.toggle-sources",
                                         sources_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.preferences",
                                         preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.export", export_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.open", open_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.sessions", sessions_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.find", find_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.toggle-mark", mark_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.next-mark",
                                         next_mark_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.previous-mark",
                                         previous_mark_accels);
}

static void
ld_application_activate (GApplication *app)
{
  LdApplication *self = LD_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (ld_window_new (self));

  if (ld_session_get_demo_requested (self->session))
    ld_window_show_demo (LD_WINDOW (window));

  gtk_window_present (window);
}

static void
ld_application_shutdown (GApplication *app)
{
  LdApplication *self = LD_APPLICATION (app);

  ld_demo_stop (self->demo);
  ld_session_shutdown (self->session);

  G_APPLICATION_CLASS (ld_application_parent_class)->shutdown (app);
}

static void
ld_application_finalize (GObject *object)
{
  LdApplication *self = LD_APPLICATION (object);

  g_clear_object (&self->demo);
  g_clear_object (&self->session);

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

/* logdeck FILE… and logdeck -: files and standard input become sources. */
static void
ld_application_open (GApplication  *app,
                    GFile        **files,
                    gint           n_files,
                    const char    *hint)
{
  g_application_activate (app);
  ld_session_open (LD_APPLICATION (app)->session, files, n_files, FALSE);
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
  app_class->open = ld_application_open;
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
  self->session = ld_session_new ();
  ld_session_add_option_entries (G_APPLICATION (self));
}

LdApplication *
ld_application_new (void)
{
  return g_object_new (LD_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/io/github/logdeck/Logdeck",
                       NULL);
}

LdSession *
ld_application_get_session (LdApplication *self)
{
  g_return_val_if_fail (LD_IS_APPLICATION (self), NULL);

  return self->session;
}

LdStore *
ld_application_get_store (LdApplication *self)
{
  g_return_val_if_fail (LD_IS_APPLICATION (self), NULL);

  return ld_session_get_store (self->session);
}

LdHandoff *
ld_application_get_handoff (LdApplication *self)
{
  g_return_val_if_fail (LD_IS_APPLICATION (self), NULL);

  return ld_session_get_handoff (self->session);
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

  return ld_session_get_settings (self->session);
}

gboolean
ld_application_get_paused (LdApplication *self)
{
  g_return_val_if_fail (LD_IS_APPLICATION (self), FALSE);

  return self->paused;
}
