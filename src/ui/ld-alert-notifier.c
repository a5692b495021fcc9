// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ld-alert-notifier.h"
#include "ld-level.h"

/* Alerts reach the user while Logdeck is in the background: each rule that
 * fires then raises a desktop notification and adds to an unread count the
 * window shows. While the window is in front the table already shows the
 * record, so nothing is raised. The rules live in the "alert-rules" key,
 * which the preferences edit. */

/* A notification's body shows the start of a long message only. */
#define BODY_MAX_CHARS 240

struct _LdAlertNotifier
{
  GObject        parent_instance;

  LdStore       *store;
  GSettings     *settings;
  LdAlerts      *alerts;
  GtkWindow     *window;        /* weak */
  GApplication  *application;   /* weak; the one the action is installed in */
  GSimpleAction *action;

  guint          n_unread;
};

enum {
  PROP_0,
  PROP_N_UNREAD,
  N_PROPS
};

enum {
  ALERTED,
  SHOW_RECORD,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LdAlertNotifier, ld_alert_notifier, G_TYPE_OBJECT)

static void
set_n_unread (LdAlertNotifier *self,
              guint            n_unread)
{
  if (self->n_unread == n_unread)
    return;

  self->n_unread = n_unread;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_UNREAD]);
}

/* Settings */

static void
save_rules (LdAlertNotifier *self)
{
  g_settings_set_value (self->settings, "alert-rules", ld_alerts_to_variant (self->alerts));
}

/* The preferences write the key; so do we, on ::changed. Only a value that
 * differs from the rules held is loaded, as loading starts every rule's
 * interval afresh. */
static void
on_rules_setting_changed (LdAlertNotifier *self)
{
  g_autoptr(GVariant) stored = g_settings_get_value (self->settings, "alert-rules");
  g_autoptr(GVariant) held = g_variant_ref_sink (ld_alerts_to_variant (self->alerts));

  if (!g_variant_equal (stored, held))
    ld_alerts_load_variant (self->alerts, stored);
}

/* Notifications */

static char *
dup_body (const LdRecord *record)
{
  gsize length;
  const char *message = ld_record_get_message (record, &length);
  const char *end = memchr (message, '\n', length);
  g_autofree char *line = g_utf8_make_valid (message, end != NULL ? (gssize) (end - message)
                                                                  : (gssize) length);

  if (g_utf8_strlen (line, -1) <= BODY_MAX_CHARS)
    return g_steal_pointer (&line);

  *g_utf8_offset_to_pointer (line, BODY_MAX_CHARS) = '\0';
  return g_strconcat (line, "…", NULL);
}

static GNotification *
build_notification (const LdRecord *record,
                    guint64         seq)
{
  const char *level = ld_intern_lookup (record->level_name);
  const char *logger = ld_intern_lookup (record->logger);
  g_autofree char *title = NULL;
  g_autofree char *body = dup_body (record);
  GNotification *notification;

  if (level == NULL || *level == '\0')
    level = ld_level_canonical_name (record->level);
  if (logger == NULL || *logger == '\0')
    logger = "root";
  /* Translators: an alert's title, e.g. "ERROR in shop.payments". */
  title = g_strdup_printf (_("%s in %s"), level, logger);

  notification = g_notification_new (title);
  g_notification_set_body (notification, body);
  g_notification_set_priority (notification, record->level >= LD_LEVEL_ERROR
                                             ? G_NOTIFICATION_PRIORITY_HIGH
                                             : G_NOTIFICATION_PRIORITY_NORMAL);
  g_notification_set_default_action_and_target_value (notification,
                                                      "app." LD_ALERT_NOTIFIER_ACTION,
                                                      g_variant_new_uint64 (seq));
  g_notification_add_button_with_target_value (notification, _("Show"),
                                               "app." LD_ALERT_NOTIFIER_ACTION,
                                               g_variant_new_uint64 (seq));
  return notification;
}

/* One notification per rule, replaced by the rule's next one, so that a
 * noisy rule cannot stack up a column of them. */
static void
send_notification (LdAlertNotifier *self,
                   LdAlertRule     *rule,
                   guint64          seq)
{
  GApplication *application = self->window != NULL
                              ? G_APPLICATION (gtk_window_get_application (self->window))
                              : NULL;
  const LdRecord *record = ld_store_get_record_by_seq (self->store, seq);
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *id = NULL;

  if (record == NULL || application == NULL || !g_application_get_is_registered (application))
    return;

  notification = build_notification (record, seq);
  id = g_strdup_printf ("alert:%s", ld_alert_rule_get_query (rule));
  g_application_send_notification (application, id, notification);
}

static void
on_fired (LdAlertNotifier *self,
          LdAlertRule     *rule,
          guint64          seq)
{
  if (self->window != NULL && gtk_window_is_active (self->window))
    return;

  set_n_unread (self, self->n_unread + 1);
  g_signal_emit (self, signals[ALERTED], 0, rule, seq);
  send_notification (self, rule, seq);
}

static void
on_window_active (LdAlertNotifier *self)
{
  if (gtk_window_is_active (self->window))
    ld_alert_notifier_mark_read (self);
}

/* The action */

static void
on_show_record (GSimpleAction   *action,
                GVariant        *target,
                LdAlertNotifier *self)
{
  if (self->window != NULL)
    gtk_window_present (self->window);
  ld_alert_notifier_mark_read (self);
  g_signal_emit (self, signals[SHOW_RECORD], 0, g_variant_get_uint64 (target));
}

static void
remove_action (LdAlertNotifier *self)
{
  if (self->application != NULL
      && g_action_map_lookup_action (G_ACTION_MAP (self->application),
                                     LD_ALERT_NOTIFIER_ACTION) == G_ACTION (self->action))
    g_action_map_remove_action (G_ACTION_MAP (self->application), LD_ALERT_NOTIFIER_ACTION);
  g_clear_weak_pointer (&self->application);
  if (self->action != NULL)
    g_signal_handlers_disconnect_by_data (self->action, self);
  g_clear_object (&self->action);
}

/* Instance */

static void
ld_alert_notifier_dispose (GObject *object)
{
  LdAlertNotifier *self = LD_ALERT_NOTIFIER (object);

  remove_action (self);
  if (self->alerts != NULL)
    ld_alerts_detach (self->alerts);
  g_clear_weak_pointer (&self->window);

  G_OBJECT_CLASS (ld_alert_notifier_parent_class)->dispose (object);
}

static void
ld_alert_notifier_finalize (GObject *object)
{
  LdAlertNotifier *self = LD_ALERT_NOTIFIER (object);

  g_clear_object (&self->alerts);
  g_clear_object (&self->settings);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (ld_alert_notifier_parent_class)->finalize (object);
}

static void
ld_alert_notifier_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  LdAlertNotifier *self = LD_ALERT_NOTIFIER (object);

  switch (prop_id)
    {
    case PROP_N_UNREAD:
      g_value_set_uint (value, self->n_unread);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ld_alert_notifier_class_init (LdAlertNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ld_alert_notifier_dispose;
  object_class->finalize = ld_alert_notifier_finalize;
  object_class->get_property = ld_alert_notifier_get_property;

  /* Alerts raised while the window was in the background, since it was last
   * in front: what the window shows as a badge. */
  properties[PROP_N_UNREAD] =
    g_param_spec_uint ("n-unread", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * LdAlertNotifier::alerted:
   * @rule: the rule that fired
   * @seq: the sequence number of the record it fired for
   *
   * An alert counted as unread, just before its notification is sent.
   */
  signals[ALERTED] =
    g_signal_new ("alerted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, LD_TYPE_ALERT_RULE, G_TYPE_UINT64);
  /**
   * LdAlertNotifier::show-record:
   * @seq: the sequence number of the record to select
   *
   * The user asked from a notification to see the record; the window has
   * been presented.
   */
  signals[SHOW_RECORD] =
    g_signal_new ("show-record", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_UINT64);
}

static void
ld_alert_notifier_init (LdAlertNotifier *self)
{
  self->alerts = ld_alerts_new ();
}

/* Public */

/**
 * ld_alert_notifier_new:
 * @store: the store whose appended records are checked
 * @settings: the application's settings, with the "alert-rules" key
 * @window: the window whose being in front holds the alerts back
 *
 * Returns: (transfer full): a notifier with the rules of @settings
 */
LdAlertNotifier *
ld_alert_notifier_new (LdStore   *store,
                       GSettings *settings,
                       GtkWindow *window)
{
  LdAlertNotifier *self;

  g_return_val_if_fail (LD_IS_STORE (store), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (GTK_IS_WINDOW (window), NULL);

  self = g_object_new (LD_TYPE_ALERT_NOTIFIER, NULL);
  self->store = g_object_ref (store);
  self->settings = g_object_ref (settings);
  g_set_weak_pointer (&self->window, window);

  on_rules_setting_changed (self);
  g_signal_connect_object (settings, "changed::alert-rules",
                           G_CALLBACK (on_rules_setting_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->alerts, "changed", G_CALLBACK (save_rules), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->alerts, "fired", G_CALLBACK (on_fired), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (window, "notify::is-active", G_CALLBACK (on_window_active), self,
                           G_CONNECT_SWAPPED);
  ld_alerts_attach_store (self->alerts, store);

  return self;
}

/**
 * ld_alert_notifier_get_alerts:
 *
 * Returns: (transfer none): the rules; changing them saves them
 */
LdAlerts *
ld_alert_notifier_get_alerts (LdAlertNotifier *self)
{
  g_return_val_if_fail (LD_IS_ALERT_NOTIFIER (self), NULL);

  return self->alerts;
}

guint
ld_alert_notifier_get_n_unread (LdAlertNotifier *self)
{
  g_return_val_if_fail (LD_IS_ALERT_NOTIFIER (self), 0);

  return self->n_unread;
}

/**
 * ld_alert_notifier_mark_read:
 *
 * Resets the unread count, as the window coming to the front does.
 */
void
ld_alert_notifier_mark_read (LdAlertNotifier *self)
{
  g_return_if_fail (LD_IS_ALERT_NOTIFIER (self));

  set_n_unread (self, 0);
}

/**
 * ld_alert_notifier_install_action:
 * @self: a notifier
 * @application: the application the notifications are sent as
 *
 * Adds "app.show-record" to @application, which the notifications' "Show"
 * activates: it presents the window and emits ::show-record. The action is
 * removed with the notifier.
 */
void
ld_alert_notifier_install_action (LdAlertNotifier *self,
                                  GApplication    *application)
{
  g_return_if_fail (LD_IS_ALERT_NOTIFIER (self));
  g_return_if_fail (G_IS_APPLICATION (application));

  remove_action (self);
  self->action = g_simple_action_new (LD_ALERT_NOTIFIER_ACTION, G_VARIANT_TYPE_UINT64);
  g_signal_connect (self->action, "activate", G_CALLBACK (on_show_record), self);
  g_action_map_add_action (G_ACTION_MAP (application), G_ACTION (self->action));
  g_set_weak_pointer (&self->application, application);
}
