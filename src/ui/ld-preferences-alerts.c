// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <glib/gi18n.h>

#include "ld-alerts.h"
#include "ld-preferences-alerts.h"

/* The alert rules of the "alert-rules" key, one group each
 * (ld-alert-rule-group.ui): the query (with its error beneath it, as the
 * user types) with a menu of the saved queries to fill it from, the
 * minimum interval, a switch and a button to remove it. The page edits its
 * own LdAlerts and saves it on every change; the window's notifier picks
 * the key up from there. */

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

/* A saved query picked from the query's menu: as if typed and applied. */
static void
use_saved_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  GtkEditable *query_row = user_data;

  gtk_editable_set_text (query_row, g_variant_get_string (parameter, NULL));
  g_signal_emit_by_name (query_row, "apply");
}

/* The saved queries ("saved-queries", name and query), read when the menu
 * opens, so that one saved while Preferences is open is there too. */
static void
create_saved_menu (GtkMenuButton *button,
                   gpointer       user_data)
{
  LdPreferencesAlertsPage *self = user_data;
  g_autoptr(GVariant) saved = g_settings_get_value (self->settings, "saved-queries");
  g_autoptr(GMenu) menu = g_menu_new ();
  GVariantIter iter;
  const char *name, *text;

  g_variant_iter_init (&iter, saved);
  while (g_variant_iter_next (&iter, "(&s&s)", &name, &text))
    {
      g_autoptr(GString) label = g_string_new (name);
      g_autoptr(GMenuItem) item = NULL;

      g_string_replace (label, "_", "__", 0);
      item = g_menu_item_new (label->str, NULL);
      g_menu_item_set_action_and_target (item, "rule.use-saved", "s", text);
      g_menu_append_item (menu, item);
    }
  if (g_variant_n_children (saved) == 0)
    g_menu_append (menu, _("No Saved Queries"), NULL);
  gtk_menu_button_set_menu_model (button, G_MENU_MODEL (menu));
}

static void
add_saved_menu (LdPreferencesAlertsPage *self,
                GtkWidget               *group,
                GtkWidget               *query_row)
{
  static const GActionEntry entries[] = {
    { "use-saved", use_saved_activated, "s" },
  };
  g_autoptr(GSimpleActionGroup) actions = g_simple_action_group_new ();
  GtkWidget *button = gtk_menu_button_new ();

  g_action_map_add_action_entries (G_ACTION_MAP (actions), entries, G_N_ELEMENTS (entries),
                                   query_row);
  gtk_widget_insert_action_group (group, "rule", G_ACTION_GROUP (actions));
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (button), "starred-symbolic");
  gtk_widget_set_tooltip_text (button, _("Use a Saved Query"));
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_menu_button_set_create_popup_func (GTK_MENU_BUTTON (button), create_saved_menu, self, NULL);
  adw_entry_row_add_suffix (ADW_ENTRY_ROW (query_row), button);
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

/* The rows are in ld-alert-rule-group.ui, one copy per rule; this binds
 * the rule to them. Returns a reference: the builder's goes with it. */
static GtkWidget *
build_rule_group (LdPreferencesAlertsPage *self,
                  LdAlertRule             *rule,
                  guint                    position,
                  GtkWidget              **entry_row)
{
  g_autoptr(GtkBuilder) builder =
    gtk_builder_new_from_resource ("/io/github/logdeck/Logdeck/ld-alert-rule-group.ui");
  GtkWidget *group = GTK_WIDGET (gtk_builder_get_object (builder, "group"));
  GtkWidget *query_row = GTK_WIDGET (gtk_builder_get_object (builder, "query_row"));
  GtkWidget *remove = GTK_WIDGET (gtk_builder_get_object (builder, "remove_button"));
  g_autofree char *title = g_strdup_printf (_("Rule %u"), position + 1);

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
  g_object_bind_property (rule, "enabled", gtk_builder_get_object (builder, "enabled_switch"),
                          "active", G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (rule, "interval", gtk_builder_get_object (builder, "interval_spin"),
                          "value", G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_set_data_full (G_OBJECT (remove), "rule", g_object_ref (rule), g_object_unref);
  g_signal_connect_object (remove, "clicked", G_CALLBACK (on_remove_clicked), self, 0);

  g_object_set_data (G_OBJECT (query_row), "error-row",
                     gtk_builder_get_object (builder, "error_row"));
  gtk_editable_set_text (GTK_EDITABLE (query_row), ld_alert_rule_get_query (rule));
  show_error (query_row, ld_alert_rule_get_error (rule));
  g_signal_connect (query_row, "changed", G_CALLBACK (on_query_changed), NULL);
  g_signal_connect_object (query_row, "apply", G_CALLBACK (on_query_applied), rule, 0);
  add_saved_menu (self, group, query_row);

  *entry_row = query_row;
  return g_object_ref (group);
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
      g_autoptr(GtkWidget) group = build_rule_group (self, rule, i, &entry_row);

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

static void
ld_preferences_alerts_page_dispose (GObject *object)
{
  LdPreferencesAlertsPage *self = LD_PREFERENCES_ALERTS_PAGE (object);

  g_clear_pointer (&self->rule_groups, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), LD_TYPE_PREFERENCES_ALERTS_PAGE);
  g_clear_object (&self->alerts);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (ld_preferences_alerts_page_parent_class)->dispose (object);
}

static void
ld_preferences_alerts_page_class_init (LdPreferencesAlertsPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = ld_preferences_alerts_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/logdeck/Logdeck/ld-preferences-alerts.ui");
  gtk_widget_class_bind_template_child (widget_class, LdPreferencesAlertsPage, empty_row);
  gtk_widget_class_bind_template_callback (widget_class, on_add_clicked);
}

static void
ld_preferences_alerts_page_init (LdPreferencesAlertsPage *self)
{
  self->alerts = ld_alerts_new ();
  self->rule_groups = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
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
