// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <glib/gi18n.h>

#include "ld-sender-config.h"
#include "ld-sender-level-dialog.h"

/* "Set level on sender…": sends one logger's level to a program's
 * logging.config.listen() port (ld-sender-config.c does the sending) and
 * says in words what came of it. The port is remembered per host in the
 * settings, so the user gives it once. The host is the one the records
 * came from: picked among them when several programs sent the logger, and
 * left for the user to give when none came over the network. */

/* The settings keep ports for at most this many hosts. */
#define MAX_REMEMBERED_HOSTS 64

struct _LdSenderLevelDialog
{
  AdwWindow       parent_instance;

  /* Template widgets */
  AdwEntryRow    *logger_row;
  AdwComboRow    *level_row;
  AdwComboRow    *sender_row;
  AdwEntryRow    *host_row;
  GtkLabel       *no_sender_label;
  GtkSpinButton  *port_spin;
  GtkLabel       *status_label;

  /* Owned references */
  GSettings      *settings;
  GCancellable   *cancellable;   /* while sending */
};

G_DEFINE_FINAL_TYPE (LdSenderLevelDialog, ld_sender_level_dialog, ADW_TYPE_WINDOW)

static guint16
remembered_port (LdSenderLevelDialog *self,
                 const char          *host)
{
  g_autoptr(GVariant) ports = g_settings_get_value (self->settings, "sender-config-ports");
  guint16 port;

  if (g_variant_lookup (ports, host, "q", &port) && port != 0)
    return port;

  return LD_SENDER_CONFIG_DEFAULT_PORT;
}

static void
remember_port (LdSenderLevelDialog *self,
               const char          *host,
               guint16              port)
{
  g_autoptr(GVariant) ports = g_settings_get_value (self->settings, "sender-config-ports");
  GVariantBuilder builder;
  GVariantIter iter;
  const char *key;
  guint16 value;
  guint n = 1;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sq}"));
  g_variant_builder_add (&builder, "{sq}", host, port);
  g_variant_iter_init (&iter, ports);
  while (g_variant_iter_next (&iter, "{&sq}", &key, &value))
    if (g_strcmp0 (key, host) != 0 && n++ < MAX_REMEMBERED_HOSTS)
      g_variant_builder_add (&builder, "{sq}", key, value);

  g_settings_set_value (self->settings, "sender-config-ports", g_variant_builder_end (&builder));
}

/* Send needs a host: with none, nothing is sent, and no host is made up. */
static void
update_send_enabled (LdSenderLevelDialog *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->host_row));
  g_autofree char *host = g_strstrip (g_strdup (text));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sender-level.send",
                                 self->cancellable == NULL && *host != '\0');
}

static void
on_host_changed (LdSenderLevelDialog *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->host_row));
  g_autofree char *host = g_strstrip (g_strdup (text));

  if (self->settings != NULL)
    gtk_spin_button_set_value (self->port_spin, remembered_port (self, host));
  update_send_enabled (self);
}

/* Picking one of the programs that sent the logger puts its host in. */
static void
on_sender_selected (LdSenderLevelDialog *self)
{
  GtkStringObject *host = adw_combo_row_get_selected_item (self->sender_row);

  if (host != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->host_row), gtk_string_object_get_string (host));
}

static void
show_status (LdSenderLevelDialog *self,
             const char          *text,
             gboolean             failed)
{
  gtk_label_set_text (self->status_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), TRUE);
  if (failed)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
}

static void
set_busy (LdSenderLevelDialog *self,
          gboolean             busy)
{
  if (!busy)
    g_clear_object (&self->cancellable);
  update_send_enabled (self);
}

typedef struct
{
  LdSenderLevelDialog *self;
  char                *host;
  char                *logger;
  char                *level;
  guint16              port;
} Sending;

static void
sending_free (Sending *sending)
{
  g_object_unref (sending->self);
  g_free (sending->host);
  g_free (sending->logger);
  g_free (sending->level);
  g_free (sending);
}

static void
on_level_set (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Sending *sending = user_data;
  LdSenderLevelDialog *self = sending->self;
  g_autoptr(GError) error = NULL;

  if (ld_sender_config_set_level_finish (result, &error))
    {
      /* listen() closes the connection as well when its verify= or
       * dictConfig() turned the message down: the close is no proof. */
      g_autofree char *text =
        g_strdup_printf (_("Sent “%s” at %s to %s, port %u. listen() does not confirm: "
                           "records at %s will show that it took."),
                         *sending->logger != '\0' ? sending->logger : "root", sending->level,
                         sending->host, sending->port, sending->level);

      remember_port (self, sending->host, sending->port);
      show_status (self, text, FALSE);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_status (self, error->message, TRUE);

  if (self->cancellable != NULL)
    set_busy (self, FALSE);
  sending_free (sending);
}

static void
send_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  LdSenderLevelDialog *self = LD_SENDER_LEVEL_DIALOG (widget);
  GtkStringObject *level = adw_combo_row_get_selected_item (self->level_row);
  Sending *sending;

  if (self->cancellable != NULL || level == NULL)
    return;

  sending = g_new0 (Sending, 1);
  sending->self = g_object_ref (self);
  sending->logger = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->logger_row)));
  sending->level = g_strdup (gtk_string_object_get_string (level));
  sending->host = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->host_row))));
  sending->port = (guint16) gtk_spin_button_get_value_as_int (self->port_spin);
  if (*sending->host == '\0')
    {
      show_status (self, _("Give the sender’s host"), TRUE);
      sending_free (sending);
      return;
    }

  self->cancellable = g_cancellable_new ();
  set_busy (self, TRUE);
  show_status (self, _("Sending…"), FALSE);
  ld_sender_config_set_level_async (sending->host, sending->port, sending->logger,
                                    sending->level, LD_SENDER_CONFIG_TIMEOUT_MS,
                                    self->cancellable, on_level_set, sending);
}

static void
ld_sender_level_dialog_dispose (GObject *object)
{
  LdSenderLevelDialog *self = LD_SENDER_LEVEL_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), LD_TYPE_SENDER_LEVEL_DIALOG);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (ld_sender_level_dialog_parent_class)->dispose (object);
}

static void
ld_sender_level_dialog_class_init (LdSenderLevelDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = ld_sender_level_dialog_dispose;

  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/logdeck/Logdeck/ld-sender-level-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, LdSenderLevelDialog, logger_row);
  gtk_widget_class_bind_template_child (widget_class, LdSenderLevelDialog, level_row);
  gtk_widget_class_bind_template_child (widget_class, LdSenderLevelDialog, sender_row);
  gtk_widget_class_bind_template_child (widget_class, LdSenderLevelDialog, host_row);
  gtk_widget_class_bind_template_child (widget_class, LdSenderLevelDialog, no_sender_label);
  gtk_widget_class_bind_template_child (widget_class, LdSenderLevelDialog, port_spin);
  gtk_widget_class_bind_template_child (widget_class, LdSenderLevelDialog, status_label);
  gtk_widget_class_bind_template_callback (widget_class, on_host_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_sender_selected);
  gtk_widget_class_install_action (widget_class, "sender-level.send", NULL, send_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ld_sender_level_dialog_init (LdSenderLevelDialog *self)
{
  g_autoptr(GtkStringList) levels = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  levels = gtk_string_list_new ((const char *const *) ld_sender_config_get_levels ());
  adw_combo_row_set_model (self->level_row, G_LIST_MODEL (levels));
  adw_combo_row_set_selected (self->level_row, 0);
}

/**
 * ld_sender_level_dialog_new:
 * @parent: the main window
 * @settings: the application's settings, which remember the ports
 * @logger: the logger whose level to set
 * @hosts: (nullable) (array zero-terminated=1): the addresses the logger's
 *   records came from, newest first; %NULL or empty when none came over the
 *   network (from a file, a pipe or stdin)
 *
 * With several hosts the user picks one (the newest is picked); with none
 * the host is left empty, and Send is off until the user gives one.
 *
 * Returns: (transfer floating): the dialog, DEBUG picked
 */
GtkWidget *
ld_sender_level_dialog_new (GtkWindow         *parent,
                            GSettings         *settings,
                            const char        *logger,
                            const char *const *hosts)
{
  LdSenderLevelDialog *self = g_object_new (LD_TYPE_SENDER_LEVEL_DIALOG, "transient-for", parent,
                                            NULL);
  guint n_hosts = hosts != NULL ? g_strv_length ((char **) hosts) : 0;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self->settings = g_object_ref (settings);
  gtk_editable_set_text (GTK_EDITABLE (self->logger_row), logger != NULL ? logger : "");
  gtk_editable_set_text (GTK_EDITABLE (self->host_row), n_hosts > 0 ? hosts[0] : "");
  if (n_hosts > 1)
    {
      g_autoptr(GtkStringList) choices = gtk_string_list_new (hosts);

      adw_combo_row_set_model (self->sender_row, G_LIST_MODEL (choices));
      adw_combo_row_set_selected (self->sender_row, 0);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->sender_row), n_hosts > 1);
  gtk_widget_set_visible (GTK_WIDGET (self->no_sender_label), n_hosts == 0);
  on_host_changed (self);

  return GTK_WIDGET (self);
}

/**
 * ld_sender_level_dialog_get_status:
 * @self: a dialog
 *
 * Returns: what the dialog says about the last sending, or "" before one
 */
const char *
ld_sender_level_dialog_get_status (LdSenderLevelDialog *self)
{
  g_return_val_if_fail (LD_IS_SENDER_LEVEL_DIALOG (self), NULL);

  return gtk_widget_get_visible (GTK_WIDGET (self->status_label))
         ? gtk_label_get_text (self->status_label) : "";
}

/**
 * ld_sender_level_dialog_get_busy:
 * @self: a dialog
 *
 * Returns: whether a level is being sent
 */
gboolean
ld_sender_level_dialog_get_busy (LdSenderLevelDialog *self)
{
  g_return_val_if_fail (LD_IS_SENDER_LEVEL_DIALOG (self), FALSE);

  return self->cancellable != NULL;
}
