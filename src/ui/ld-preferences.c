// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <glib/gi18n.h>

#include "ld-preferences.h"
#include "ld-preferences-alerts.h"
#include "ld-window-private.h"

/* Preferences are plain views of the settings: every row is bound to its
 * key, and the parts of Logdeck that care (the listeners, the store, the
 * table, the style) follow the keys themselves. */
struct _LdPreferences
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;
};

G_DEFINE_FINAL_TYPE (LdPreferences, ld_preferences, ADW_TYPE_PREFERENCES_WINDOW)

typedef struct
{
  const char *value;
  const char *label;
} Choice;

static const Choice style_choices[] = {
  { "default", N_("Follow System") },
  { "light", N_("Light") },
  { "dark", N_("Dark") },
  { NULL }
};

static const Choice time_display_choices[] = {
  { "local", N_("Local Time") },
  { "utc", N_("UTC") },
  { "relative", N_("Since the First Record") },
  { NULL }
};

static const Choice time_format_choices[] = {
  { "time-ms", N_("12:30:05.123") },
  { "time", N_("12:30:05") },
  { "date-time-ms", N_("2026-11-20 12:30:05.123") },
  { NULL }
};

static gboolean
choice_to_index (GValue   *value,
                 GVariant *variant,
                 gpointer  user_data)
{
  const Choice *choices = user_data;
  const char *text = g_variant_get_string (variant, NULL);

  for (guint i = 0; choices[i].value != NULL; i++)
    if (g_str_equal (choices[i].value, text))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }

  g_value_set_uint (value, 0);
  return TRUE;
}

static GVariant *
index_to_choice (const GValue       *value,
                 const GVariantType *type,
                 gpointer            user_data)
{
  const Choice *choices = user_data;
  guint index = g_value_get_uint (value);
  guint n = 0;

  while (choices[n].value != NULL)
    n++;

  return g_variant_new_string (choices[MIN (index, n - 1)].value);
}

static GtkWidget *
combo_row (LdPreferences *self,
           const char    *title,
           const char    *key,
           const Choice  *choices)
{
  GtkWidget *row = adw_combo_row_new ();
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);

  for (guint i = 0; choices[i].value != NULL; i++)
    gtk_string_list_append (labels, _(choices[i].label));

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (labels));
  g_settings_bind_with_mapping (self->settings, key, row, "selected", G_SETTINGS_BIND_DEFAULT,
                                choice_to_index, index_to_choice, (gpointer) choices, NULL);

  return row;
}

static GtkWidget *
spin_row (LdPreferences *self,
          const char    *title,
          const char    *subtitle,
          const char    *key,
          double         lower,
          double         upper,
          double         step)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *spin = gtk_spin_button_new_with_range (lower, upper, step);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), spin);
  g_settings_bind (self->settings, key, spin, "value", G_SETTINGS_BIND_DEFAULT);

  return row;
}

static GtkWidget *
switch_row (LdPreferences *self,
            const char    *title,
            const char    *subtitle,
            const char    *key)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *toggle = gtk_switch_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), toggle);
  g_settings_bind (self->settings, key, toggle, "active", G_SETTINGS_BIND_DEFAULT);

  return row;
}

static GtkWidget *
group (const char *title,
       const char *description)
{
  GtkWidget *group = adw_preferences_group_new ();

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
  if (description != NULL)
    adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), description);

  return group;
}

/* The same toggles as the columns' header menu: the window lends its
 * "columns" actions to this window. */
static GtkWidget *
columns_group (void)
{
  GtkWidget *columns = group (_("Columns"), NULL);
  const char *title, *id;

  for (guint i = 0; (title = ld_window_column_title (i, &id)) != NULL; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *toggle = gtk_switch_new ();
      g_autofree char *action = g_strdup_printf ("columns.%s", id);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (toggle), action);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), toggle);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (columns), row);
    }

  return columns;
}

static GtkWidget *
build_general_page (LdPreferences *self)
{
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *appearance = group (_("Appearance"), NULL);
  GtkWidget *times = group (_("Times"), NULL);
  GtkWidget *retention = group (_("Retention"),
                                _("The oldest records are evicted beyond these limits; the "
                                  "status bar counts them."));

  adw_preferences_page_set_title (ADW_PREFERENCES_PAGE (page), _("General"));
  adw_preferences_page_set_icon_name (ADW_PREFERENCES_PAGE (page), "preferences-system-symbolic");

  adw_preferences_group_add (ADW_PREFERENCES_GROUP (appearance),
                             combo_row (self, _("Style"), "style-variant", style_choices));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (times),
                             combo_row (self, _("Show Times In"), "time-display",
                                        time_display_choices));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (times),
                             combo_row (self, _("Format"), "time-format", time_format_choices));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (retention),
                             spin_row (self, _("Records"), NULL, "max-records", 1000,
                                       100000000, 100000));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (retention),
                             spin_row (self, _("Megabytes"), _("0 keeps records whatever their size"),
                                       "max-megabytes", 0, 1048576, 64));

  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (appearance));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (times));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (retention));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (columns_group ()));

  return page;
}

static GtkWidget *
address_row (LdPreferences *self)
{
  GtkWidget *row = adw_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Listen Address"));
  g_settings_bind (self->settings, "listen-address", row, "text", G_SETTINGS_BIND_DEFAULT);

  return row;
}

static GtkWidget *
uri_row (LdPreferences *self,
         const char    *title,
         const char    *key)
{
  GtkWidget *row = adw_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  g_settings_bind (self->settings, key, row, "text", G_SETTINGS_BIND_DEFAULT);

  return row;
}

/* The logging cookbook's QueueHandler sockets. */
static GtkWidget *
queues_group (LdPreferences *self)
{
  GtkWidget *queues = group (_("ZeroMQ and NNG"),
                             _("URIs such as tcp://127.0.0.1:5556, separated by spaces. "
                               "Records are JSON, as the logging cookbook's QueueHandler "
                               "examples send them."));

  adw_preferences_group_add (ADW_PREFERENCES_GROUP (queues),
                             uri_row (self, _("NNG Sub0 Address (empty for none)"),
                                      "nng-listen"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (queues),
                             uri_row (self, _("NNG Publishers to Dial"), "nng-dial"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (queues),
                             uri_row (self, _("ZeroMQ Publishers to Subscribe To"),
                                      "zmq-connect"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (queues),
                             uri_row (self, _("ZeroMQ Collector (SUB, and PULL on the Next Port)"),
                                      "zmq-listen"));

  return queues;
}

static GtkWidget *
build_endpoints_page (LdPreferences *self)
{
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *address = group (_("Address"),
                              _("127.0.0.1 accepts records from this computer only. Changes "
                                "apply at once: the listeners restart."));
  GtkWidget *ports = group (_("Listeners"), NULL);

  adw_preferences_page_set_title (ADW_PREFERENCES_PAGE (page), _("Endpoints"));
  adw_preferences_page_set_icon_name (ADW_PREFERENCES_PAGE (page), "network-server-symbolic");

  adw_preferences_group_add (ADW_PREFERENCES_GROUP (address), address_row (self));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (ports),
                             switch_row (self, _("TCP"), _("SocketHandler and JSON lines"),
                                         "tcp-enabled"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (ports),
                             spin_row (self, _("TCP Port"), NULL, "tcp-port", 0, 65535, 1));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (ports),
                             switch_row (self, _("UDP"), _("DatagramHandler"), "udp-enabled"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (ports),
                             spin_row (self, _("UDP Port"), NULL, "udp-port", 0, 65535, 1));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (ports),
                             switch_row (self, _("HTTP and WebSocket"),
                                         _("HTTPHandler, WebSocket senders and log shippers"),
                                         "http-enabled"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (ports),
                             spin_row (self, _("HTTP Port"), NULL, "http-port", 0, 65535, 1));

  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (address));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (ports));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page),
                            ADW_PREFERENCES_GROUP (queues_group (self)));

  return page;
}

static void
ld_preferences_dispose (GObject *object)
{
  g_clear_object (&LD_PREFERENCES (object)->settings);

  G_OBJECT_CLASS (ld_preferences_parent_class)->dispose (object);
}

static void
ld_preferences_class_init (LdPreferencesClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ld_preferences_dispose;
}

static void
ld_preferences_init (LdPreferences *self)
{
}

/**
 * ld_preferences_new:
 * @parent: the main window
 * @settings: the application's settings
 *
 * Returns: (transfer floating): the preferences window
 */
GtkWidget *
ld_preferences_new (GtkWindow *parent,
                    GSettings *settings)
{
  LdPreferences *self = g_object_new (LD_TYPE_PREFERENCES,
                                      "transient-for", parent,
                                      "modal", TRUE,
                                      "search-enabled", FALSE,
                                      NULL);

  self->settings = g_object_ref (settings);
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self),
                              ADW_PREFERENCES_PAGE (build_general_page (self)));
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self),
                              ADW_PREFERENCES_PAGE (build_endpoints_page (self)));
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self),
                              ld_preferences_alerts_page_new (settings));

  return GTK_WIDGET (self);
}
