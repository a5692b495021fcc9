// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ld-application.h"
#include "ld-count-format.h"
#include "ld-preferences.h"
#include "ld-preferences-alerts.h"
#include "ld-window-private.h"

/* Preferences are plain views of the settings: every row is bound to its
 * key, and the parts of Logdeck that care (the listeners, the store, the
 * table, the style) follow the keys themselves. The rows are in
 * ld-preferences.ui; this file binds them.
 *
 * The listeners' rows say what is really bound, which the settings alone
 * cannot: the system's pick for port 0, and ports or an address given on
 * the command line. Those never go into the settings; the port field shows
 * them until the user types another port. */

#define N_LISTENERS 6

static const char *const listener_names[N_LISTENERS] = {
  "tcp", "udp", "http", "syslog", "gelf", "otlp",
};

struct _LdPreferences
{
  AdwPreferencesWindow  parent_instance;

  /* Template widgets */
  AdwComboRow          *style_row;
  AdwComboRow          *time_display_row;
  AdwComboRow          *time_format_row;
  GtkSpinButton        *max_records_spin;
  GtkSpinButton        *max_megabytes_spin;
  GtkSwitch            *archive_switch;
  GtkSpinButton        *archive_gigabytes_spin;
  GtkSpinButton        *archive_days_spin;
  AdwPreferencesGroup  *columns_group;
  AdwPreferencesGroup  *address_group;
  AdwEntryRow          *address_row;
  AdwPreferencesGroup  *listeners_group;
  GtkSwitch            *tcp_switch;
  GtkSwitch            *udp_switch;
  GtkSwitch            *http_switch;
  GtkSwitch            *syslog_switch;
  GtkSwitch            *gelf_switch;
  GtkSwitch            *otlp_switch;
  AdwActionRow         *port_rows[N_LISTENERS];
  GtkSpinButton        *port_spins[N_LISTENERS];
  AdwEntryRow          *nng_listen_row;
  AdwEntryRow          *nng_dial_row;
  AdwEntryRow          *zmq_connect_row;
  AdwEntryRow          *zmq_listen_row;
  GtkSwitch            *sender_config_switch;

  /* Owned references */
  GSettings            *settings;
  LdSession            *session;   /* NULL outside an LdApplication */

  gboolean              port_follows_setting[N_LISTENERS];
  gboolean              showing_bound_port;
};

G_DEFINE_FINAL_TYPE (LdPreferences, ld_preferences, ADW_TYPE_PREFERENCES_WINDOW)

/* The settings' values in the order of the .ui's combo rows. */
static const char *const style_values[] = { "default", "light", "dark", NULL };
static const char *const time_display_values[] = { "local", "utc", "relative", NULL };
static const char *const time_format_values[] = { "time-ms", "time", "date-time-ms", NULL };

static gboolean
choice_to_index (GValue   *value,
                 GVariant *variant,
                 gpointer  user_data)
{
  const char *const *choices = user_data;
  const char *text = g_variant_get_string (variant, NULL);

  g_value_set_uint (value, 0);
  for (guint i = 0; choices[i] != NULL; i++)
    if (g_str_equal (choices[i], text))
      g_value_set_uint (value, i);

  return TRUE;
}

static GVariant *
index_to_choice (const GValue       *value,
                 const GVariantType *type,
                 gpointer            user_data)
{
  const char *const *choices = user_data;
  guint index = g_value_get_uint (value);
  guint n = g_strv_length ((char **) choices);

  return g_variant_new_string (choices[MIN (index, n - 1)]);
}

static void
bind_choice (LdPreferences     *self,
             AdwComboRow       *row,
             const char        *key,
             const char *const *choices)
{
  g_settings_bind_with_mapping (self->settings, key, row, "selected", G_SETTINGS_BIND_DEFAULT,
                                choice_to_index, index_to_choice, (gpointer) choices, NULL);
}

/* The same toggles as the columns' header menu: the window lends its
 * "columns" actions to this window. */
static void
add_column_rows (LdPreferences *self)
{
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
      adw_preferences_group_add (self->columns_group, row);
    }
}

static char *
format_address (const char *address,
                guint       port)
{
  /* An IPv6 address takes brackets before its port, as in a URI. */
  if (strchr (address, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", address, port);
  return g_strdup_printf ("%s:%u", address, port);
}

static guint
setting_port (LdPreferences *self,
              guint          i)
{
  g_autofree char *key = g_strdup_printf ("%s-port", listener_names[i]);
  g_autoptr(GVariant) value = g_settings_get_value (self->settings, key);

  return g_variant_get_uint16 (value);
}

static char *
port_subtitle (LdPreferences *self,
               guint          i,
               guint          bound,
               gboolean       from_command_line)
{
  const char *address = ld_session_get_listen_address (self->session);
  g_autofree char *where = NULL;

  if (bound == 0)
    return g_strdup (_("Not listening"));

  where = format_address (address, bound);
  if (from_command_line)
    /* Translators: %s is an address and port, %s the option, such as --tcp-port. */
    return g_strdup_printf (_("Listening on %s, from the command line (--%s-port)"), where,
                            listener_names[i]);
  if (setting_port (self, i) == 0)
    return g_strdup_printf (_("Listening on %s, a free port the system picked"), where);
  return g_strdup_printf (_("Listening on %s"), where);
}

/* A port from the command line shows in the field without being written to
 * the settings; from the user's first edit on, the field is the setting. */
static void
follow_setting (LdPreferences *self,
                guint          i,
                gboolean       follow)
{
  g_autofree char *key = g_strdup_printf ("%s-port", listener_names[i]);

  if (follow == self->port_follows_setting[i])
    return;

  self->port_follows_setting[i] = follow;
  if (follow)
    g_settings_bind (self->settings, key, self->port_spins[i], "value", G_SETTINGS_BIND_DEFAULT);
  else
    g_settings_unbind (self->port_spins[i], "value");
}

static void
update_listener (LdPreferences *self,
                 guint          i)
{
  LdIngest *ingest = ld_session_get_ingest (self->session);
  guint given = ld_session_get_port (self->session, listener_names[i]);
  guint bound = ingest != NULL ? ld_ingest_get_bound_port (ingest, listener_names[i]) : 0;
  gboolean from_command_line = given != setting_port (self, i);
  g_autofree char *subtitle = port_subtitle (self, i, bound, from_command_line);

  follow_setting (self, i, !from_command_line);
  if (from_command_line)
    {
      self->showing_bound_port = TRUE;
      gtk_spin_button_set_value (self->port_spins[i], bound != 0 ? bound : given);
      self->showing_bound_port = FALSE;
    }
  adw_action_row_set_subtitle (self->port_rows[i], subtitle);
}

static void
update_address (LdPreferences *self)
{
  const char *address = ld_session_get_listen_address (self->session);
  g_autofree char *setting = g_settings_get_string (self->settings, "listen-address");
  g_autofree char *description = NULL;

  if (g_strcmp0 (address, setting) == 0)
    description = g_strdup (_("127.0.0.1 accepts records from this computer only. Changes "
                              "apply at once: the listeners restart."));
  else
    description = g_strdup_printf (_("Listening on %s, chosen on the command line "
                                     "(--listen-address); an address set here replaces it. "
                                     "127.0.0.1 accepts records from this computer only."),
                                   address);
  adw_preferences_group_set_description (self->address_group, description);
}

static void
update_listeners (LdPreferences *self)
{
  gboolean any_from_command_line = FALSE;

  if (self->session == NULL)
    return;

  update_address (self);
  for (guint i = 0; i < N_LISTENERS; i++)
    {
      update_listener (self, i);
      any_from_command_line |= !self->port_follows_setting[i];
    }

  adw_preferences_group_set_description (self->listeners_group,
                                         any_from_command_line
                                         ? _("Port 0 lets the system pick a free port. A port "
                                             "set here replaces the command line’s.")
                                         : _("Port 0 lets the system pick a free port; the rows "
                                             "show the one in use."));
}

/* Only a port the user types lands in the settings; one shown from the
 * command line does not. */
static void
on_port_spin_changed (GtkSpinButton *spin,
                      LdPreferences *self)
{
  for (guint i = 0; i < N_LISTENERS; i++)
    if (spin == self->port_spins[i] && !self->port_follows_setting[i]
        && !self->showing_bound_port)
      {
        g_autofree char *key = g_strdup_printf ("%s-port", listener_names[i]);

        g_settings_set (self->settings, key, "q", (guint16) gtk_spin_button_get_value_as_int (spin));
        follow_setting (self, i, TRUE);
      }
}

/* A million records reads better as 1,000,000. */
static gboolean
on_count_spin_output (GtkSpinButton *spin)
{
  g_autofree char *text = ld_format_count ((guint64) gtk_spin_button_get_value (spin));

  if (!g_str_equal (text, gtk_editable_get_text (GTK_EDITABLE (spin))))
    gtk_editable_set_text (GTK_EDITABLE (spin), text);
  return TRUE;
}

/* Reads what the user typed with or without the separators. */
static int
on_count_spin_input (GtkSpinButton *spin,
                     double        *value)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (spin));
  g_autoptr(GString) digits = g_string_new (NULL);
  guint64 number;

  for (const char *p = text; *p != '\0'; p++)
    if (g_ascii_isdigit (*p))
      g_string_append_c (digits, *p);
    else if (!g_ascii_ispunct (*p) && !g_ascii_isspace (*p) && (guchar) *p < 0x80)
      return GTK_INPUT_ERROR;

  if (!g_ascii_string_to_unsigned (digits->str, 10, 0, G_MAXUINT32, &number, NULL))
    return GTK_INPUT_ERROR;

  *value = number;
  return TRUE;
}

static void
bind_settings (LdPreferences *self)
{
  bind_choice (self, self->style_row, "style-variant", style_values);
  bind_choice (self, self->time_display_row, "time-display", time_display_values);
  bind_choice (self, self->time_format_row, "time-format", time_format_values);
  g_settings_bind (self->settings, "max-records", self->max_records_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "max-megabytes", self->max_megabytes_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "archive", self->archive_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "archive-max-gigabytes", self->archive_gigabytes_spin,
                   "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "archive-max-days", self->archive_days_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);

  g_settings_bind (self->settings, "listen-address", self->address_row, "text",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "tcp-enabled", self->tcp_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "udp-enabled", self->udp_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "http-enabled", self->http_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "syslog-enabled", self->syslog_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "gelf-enabled", self->gelf_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "otlp-enabled", self->otlp_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "nng-listen", self->nng_listen_row, "text",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "nng-dial", self->nng_dial_row, "text",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "zmq-connect", self->zmq_connect_row, "text",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "zmq-listen", self->zmq_listen_row, "text",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "sender-config-enabled", self->sender_config_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);

  /* Without a session there is nothing bound to show: the fields are the
   * settings. */
  for (guint i = 0; i < N_LISTENERS; i++)
    follow_setting (self, i, self->session == NULL);
}

static void
ld_preferences_dispose (GObject *object)
{
  LdPreferences *self = LD_PREFERENCES (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), LD_TYPE_PREFERENCES);
  g_clear_object (&self->session);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (ld_preferences_parent_class)->dispose (object);
}

static void
ld_preferences_class_init (LdPreferencesClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = ld_preferences_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/logdeck/Logdeck/ld-preferences.ui");
  gtk_widget_class_bind_template_child (widget_class, LdPreferences, style_row);
  gtk_widget_class_bind_template_child (widget_class, LdPreferences, time_display_row);
  gtk_widget_class_bind_template_child (widget_class, LdPreferences, time_format_row);
  gtk_widget_class_bind_template_child (widget_class, LdPreferences, max_records_spin);
  gtk_widget_class_bind_template_child (widget_class, LdPreferences, max_megabytes_spin);
  gtk_widget_class_bind_template_child (widget_class, LdPreferences, archive_switch);
  gtk_widget_class_bind_template_child (widget_class, LdPreferences, archive_gigabytes_spin);
  gtk_widget_class_bind_template_child (widget_class, LdPreferences, archive_days_spin);
  gtk_widget_class_bind_template_child (widget_class, LdPreferences, columns_group);
  gtk_widget_class_bind_template_child (widget_class, LdPreferences, address_group);
  gtk_widget_class_bind_template_child (widget_class, LdPreferences, address_row);
  gtk_widget_class_bind_template_child (widget_class, LdPreferences, listeners_group);
  gtk_widget_class_bind_template_child (widget_class, LdPreferences, tcp_switch);
  gtk_widget_class_bind_template_child (widget_class, LdPreferences, udp_switch);
  gtk_widget_class_bind_template_child (widget_class, LdPreferences, http_switch);
  gtk_widget_class_bind_template_child (widget_class, LdPreferences, syslog_switch);
  gtk_widget_class_bind_template_child (widget_class, LdPreferences, gelf_switch);
  gtk_widget_class_bind_template_child (widget_class, LdPreferences, otlp_switch);
  gtk_widget_class_bind_template_child_full (widget_class, "tcp_port_row", FALSE,
                                             G_STRUCT_OFFSET (LdPreferences, port_rows[0]));
  gtk_widget_class_bind_template_child_full (widget_class, "udp_port_row", FALSE,
                                             G_STRUCT_OFFSET (LdPreferences, port_rows[1]));
  gtk_widget_class_bind_template_child_full (widget_class, "http_port_row", FALSE,
                                             G_STRUCT_OFFSET (LdPreferences, port_rows[2]));
  gtk_widget_class_bind_template_child_full (widget_class, "syslog_port_row", FALSE,
                                             G_STRUCT_OFFSET (LdPreferences, port_rows[3]));
  gtk_widget_class_bind_template_child_full (widget_class, "gelf_port_row", FALSE,
                                             G_STRUCT_OFFSET (LdPreferences, port_rows[4]));
  gtk_widget_class_bind_template_child_full (widget_class, "otlp_port_row", FALSE,
                                             G_STRUCT_OFFSET (LdPreferences, port_rows[5]));
  gtk_widget_class_bind_template_child_full (widget_class, "tcp_port_spin", FALSE,
                                             G_STRUCT_OFFSET (LdPreferences, port_spins[0]));
  gtk_widget_class_bind_template_child_full (widget_class, "udp_port_spin", FALSE,
                                             G_STRUCT_OFFSET (LdPreferences, port_spins[1]));
  gtk_widget_class_bind_template_child_full (widget_class, "http_port_spin", FALSE,
                                             G_STRUCT_OFFSET (LdPreferences, port_spins[2]));
  gtk_widget_class_bind_template_child_full (widget_class, "syslog_port_spin", FALSE,
                                             G_STRUCT_OFFSET (LdPreferences, port_spins[3]));
  gtk_widget_class_bind_template_child_full (widget_class, "gelf_port_spin", FALSE,
                                             G_STRUCT_OFFSET (LdPreferences, port_spins[4]));
  gtk_widget_class_bind_template_child_full (widget_class, "otlp_port_spin", FALSE,
                                             G_STRUCT_OFFSET (LdPreferences, port_spins[5]));
  gtk_widget_class_bind_template_child (widget_class, LdPreferences, nng_listen_row);
  gtk_widget_class_bind_template_child (widget_class, LdPreferences, nng_dial_row);
  gtk_widget_class_bind_template_child (widget_class, LdPreferences, zmq_connect_row);
  gtk_widget_class_bind_template_child (widget_class, LdPreferences, zmq_listen_row);
  gtk_widget_class_bind_template_child (widget_class, LdPreferences, sender_config_switch);
  gtk_widget_class_bind_template_callback (widget_class, on_port_spin_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_count_spin_output);
  gtk_widget_class_bind_template_callback (widget_class, on_count_spin_input);
}

static void
ld_preferences_init (LdPreferences *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * ld_preferences_new:
 * @parent: the main window
 * @settings: the application's settings
 *
 * The endpoints page shows what the listeners of @parent's application
 * really bound, when @parent belongs to an #LdApplication.
 *
 * Returns: (transfer floating): the preferences window
 */
GtkWidget *
ld_preferences_new (GtkWindow *parent,
                    GSettings *settings)
{
  LdPreferences *self = g_object_new (LD_TYPE_PREFERENCES, "transient-for", parent, NULL);
  GtkApplication *app = parent != NULL ? gtk_window_get_application (parent) : NULL;

  self->settings = g_object_ref (settings);
  if (LD_IS_APPLICATION (app))
    self->session = g_object_ref (ld_application_get_session (LD_APPLICATION (app)));

  bind_settings (self);
  add_column_rows (self);
  update_listeners (self);
  if (self->session != NULL)
    g_signal_connect_object (self->session, "listeners-changed", G_CALLBACK (update_listeners),
                             self, G_CONNECT_SWAPPED);
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self),
                              ld_preferences_alerts_page_new (settings));

  return GTK_WIDGET (self);
}
