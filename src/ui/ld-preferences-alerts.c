// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <glib/gi18n.h>

#include "ld-alerts.h"
#include "ld-preferences-alerts.h"

/* The alert rules of the "alert-rules" key, one group each: the query (with
 * its error beneath it, as the user types), the minimum interval, a switch
 * and a button to remove it. The page edits its own LdAlerts and saves it on
 * every change; the window's notifier picks the key up from there. */

#define MAX_INTERVAL (24 * 60 * 60)
#define NEW_RULE_QUERY "level>=ERROR"

struct _LdPreferencesAlertsPage
{
  AdwPreferencesPage  parent_instance;

  GSettings          *settings;
  LdAlerts           *alerts;
  GtkWidget          *empty_row;
  GPtrArray          *rule_groups;
  gboolean            focus_last;
};

G_DEFINE_FINAL_TYPE (LdPreferencesAlertsPage, ld_preferences_alerts_page,
                     ADW_TYPE_PREFERENCES_PAGE)

/* One rule's rows */

static void
show_error (GtkWidget    *entry_row,
            const GError *error)
{
  GtkWidget *error_row = g_object_get_data (G_OBJECT (entry_row), "error-row");

  if (error != NULL)
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (error_row), error->message);
      gtk_widget_add_css_class (entry_row, "error");
    }
  else
    gtk_widget_remove_css_class (entry_row, "error");
  gtk_widget_set_visible (error_row, error != NULL);
}

/* Checked as the user types, by the rule's own rules, before anything is
 * saved. */
static void
on_query_changed (GtkEditable *entry_row)
{
  g_autoptr(LdAlertRule) probe = ld_alert_rule_new (gtk_editable_get_text (entry_row), 1, TRUE);

  show_error (GTK_WIDGET (entry_row), ld_alert_rule_get_error (probe));
}

static void
on_query_applied (AdwEntryRow *entry_row,
                  LdAlertRule *rule)
{
  ld_alert_rule_set_query (rule, gtk_editable_get_text (GTK_EDITABLE (entry_row)));
  show_error (GTK_WIDGET (entry_row), ld_alert_rule_get_error (rule));
}

static GtkWidget *
build_query_rows (AdwPreferencesGroup *group,
                  LdAlertRule         *rule)
{
  GtkWidget *entry_row = adw_entry_row_new ();
  GtkWidget *error_row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (entry_row), _("Query"));
  adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (entry_row), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (entry_row), ld_alert_rule_get_query (rule));
  adw_action_row_set_icon_name (ADW_ACTION_ROW (error_row), "dialog-error-symbolic");
  gtk_widget_add_css_class (error_row, "error");
  gtk_widget_add_css_class (error_row, "alert-rule-error");
  g_object_set_data (G_OBJECT (entry_row), "error-row", error_row);
  show_error (entry_row, ld_alert_rule_get_error (rule));

  g_signal_connect (entry_row, "changed", G_CALLBACK (on_query_changed), NULL);
  g_signal_connect_object (entry_row, "apply", G_CALLBACK (on_query_applied), rule, 0);
  adw_preferences_group_add (group, entry_row);
  adw_preferences_group_add (group, error_row);
  return entry_row;
}

static GtkWidget *
build_interval_row (LdAlertRule *rule)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *spin = gtk_spin_button_new_with_range (1, MAX_INTERVAL, 1);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Minimum Interval"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                               _("Seconds between two alerts of this rule"));
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  g_object_bind_property (rule, "interval", spin, "value",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), spin);
  return row;
}

static void
on_remove_clicked (GtkButton               *button,
                   LdPreferencesAlertsPage *self)
{
  LdAlertRule *rule = g_object_get_data (G_OBJECT (button), "rule");
  guint n_rules = g_list_model_get_n_items (G_LIST_MODEL (self->alerts));

  for (guint i = 0; i < n_rules; i++)
    {
      g_autoptr(LdAlertRule) item = g_list_model_get_item (G_LIST_MODEL (self->alerts), i);

      if (item == rule)
        {
          ld_alerts_remove (self->alerts, i);
          return;
        }
    }
}

static GtkWidget *
build_rule_header (LdPreferencesAlertsPage *self,
                   LdAlertRule             *rule)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *enabled = gtk_switch_new ();
  GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");

  gtk_widget_set_valign (enabled, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (enabled, _("Enabled"));
  g_object_bind_property (rule, "enabled", enabled, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  gtk_widget_set_tooltip_text (remove, _("Remove Rule"));
  gtk_widget_add_css_class (remove, "flat");
  g_object_set_data_full (G_OBJECT (remove), "rule", g_object_ref (rule), g_object_unref);
  g_signal_connect_object (remove, "clicked", G_CALLBACK (on_remove_clicked), self, 0);
  gtk_box_append (GTK_BOX (box), enabled);
  gtk_box_append (GTK_BOX (box), remove);
  return box;
}

static GtkWidget *
build_rule_group (LdPreferencesAlertsPage *self,
                  LdAlertRule             *rule,
                  guint                    position,
                  GtkWidget              **entry_row)
{
  GtkWidget *group = adw_preferences_group_new ();
  g_autofree char *title = g_strdup_printf (_("Rule %u"), position + 1);

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
  adw_preferences_group_set_header_suffix (ADW_PREFERENCES_GROUP (group),
                                           build_rule_header (self, rule));
  *entry_row = build_query_rows (ADW_PREFERENCES_GROUP (group), rule);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), build_interval_row (rule));
  return group;
}

/* The page */

/* Few rules, rarely changed: every change of the list rebuilds the groups. */
static void
rebuild (LdPreferencesAlertsPage *self)
{
  guint n_rules = g_list_model_get_n_items (G_LIST_MODEL (self->alerts));
  GtkWidget *entry_row = NULL;

  for (guint i = 0; i < self->rule_groups->len; i++)
    adw_preferences_page_remove (ADW_PREFERENCES_PAGE (self),
                                 g_ptr_array_index (self->rule_groups, i));
  g_ptr_array_set_size (self->rule_groups, 0);

  for (guint i = 0; i < n_rules; i++)
    {
      g_autoptr(LdAlertRule) rule = g_list_model_get_item (G_LIST_MODEL (self->alerts), i);
      GtkWidget *group = build_rule_group (self, rule, i, &entry_row);

      adw_preferences_page_add (ADW_PREFERENCES_PAGE (self), ADW_PREFERENCES_GROUP (group));
      g_ptr_array_add (self->rule_groups, group);
    }
  gtk_widget_set_visible (self->empty_row, n_rules == 0);

  /* A rule just added is one to edit. */
  if (self->focus_last && entry_row != NULL)
    gtk_widget_grab_focus (entry_row);
  self->focus_last = FALSE;
}

static void
save_rules (LdPreferencesAlertsPage *self)
{
  g_settings_set_value (self->settings, "alert-rules", ld_alerts_to_variant (self->alerts));
}

/* Loading only what differs keeps the page (and the focus in it) as it is
 * when the change is the page's own save coming back. */
static void
on_rules_setting_changed (LdPreferencesAlertsPage *self)
{
  g_autoptr(GVariant) stored = g_settings_get_value (self->settings, "alert-rules");
  g_autoptr(GVariant) held = g_variant_ref_sink (ld_alerts_to_variant (self->alerts));

  if (!g_variant_equal (stored, held))
    ld_alerts_load_variant (self->alerts, stored);
}

static void
on_add_clicked (LdPreferencesAlertsPage *self)
{
  g_autoptr(LdAlertRule) rule = ld_alert_rule_new (NEW_RULE_QUERY, LD_ALERT_DEFAULT_INTERVAL,
                                                   TRUE);

  self->focus_last = TRUE;
  ld_alerts_append (self->alerts, rule);
}

static GtkWidget *
build_intro_group (LdPreferencesAlertsPage *self)
{
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *add = gtk_button_new ();
  GtkWidget *content = adw_button_content_new ();

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Alert Rules"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group),
    _("While Logdeck is in the background, a record that matches a rule raises a desktop "
      "notification, at most once per interval. Rules use the filter bar’s queries."));
  adw_button_content_set_icon_name (ADW_BUTTON_CONTENT (content), "list-add-symbolic");
  adw_button_content_set_label (ADW_BUTTON_CONTENT (content), _("Add Rule"));
  gtk_button_set_child (GTK_BUTTON (add), content);
  gtk_widget_add_css_class (add, "flat");
  gtk_widget_set_valign (add, GTK_ALIGN_CENTER);
  g_signal_connect_object (add, "clicked", G_CALLBACK (on_add_clicked), self, G_CONNECT_SWAPPED);
  adw_preferences_group_set_header_suffix (ADW_PREFERENCES_GROUP (group), add);

  self->empty_row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->empty_row), _("No Alert Rules"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->empty_row),
                               _("Add one to be told of new errors, such as level>=ERROR"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), self->empty_row);
  return group;
}

static void
ld_preferences_alerts_page_dispose (GObject *object)
{
  LdPreferencesAlertsPage *self = LD_PREFERENCES_ALERTS_PAGE (object);

  g_clear_pointer (&self->rule_groups, g_ptr_array_unref);
  g_clear_object (&self->alerts);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (ld_preferences_alerts_page_parent_class)->dispose (object);
}

static void
ld_preferences_alerts_page_class_init (LdPreferencesAlertsPageClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ld_preferences_alerts_page_dispose;
}

static void
ld_preferences_alerts_page_init (LdPreferencesAlertsPage *self)
{
  self->alerts = ld_alerts_new ();
  self->rule_groups = g_ptr_array_new ();

  adw_preferences_page_set_title (ADW_PREFERENCES_PAGE (self), _("Alerts"));
  adw_preferences_page_set_icon_name (ADW_PREFERENCES_PAGE (self), "alarm-symbolic");
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (self),
                            ADW_PREFERENCES_GROUP (build_intro_group (self)));
}

/**
 * ld_preferences_alerts_page_new:
 * @settings: the application's settings, with the "alert-rules" key
 *
 * Returns: (transfer floating): the page, for adw_preferences_window_add()
 */
AdwPreferencesPage *
ld_preferences_alerts_page_new (GSettings *settings)
{
  LdPreferencesAlertsPage *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (LD_TYPE_PREFERENCES_ALERTS_PAGE, NULL);
  self->settings = g_object_ref (settings);
  on_rules_setting_changed (self);
  rebuild (self);
  g_signal_connect_object (settings, "changed::alert-rules",
                           G_CALLBACK (on_rules_setting_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->alerts, "items-changed", G_CALLBACK (rebuild), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->alerts, "changed", G_CALLBACK (save_rules), self,
                           G_CONNECT_SWAPPED);

  return ADW_PREFERENCES_PAGE (self);
}
