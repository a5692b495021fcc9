// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <glib/gi18n.h>

#include "ld-count-format.h"
#include "ld-saved-queries-page.h"

/* The sidebar's Saved Queries section, and the dialog that names a query to
 * save or rename. The queries live in the settings ("saved-queries"); the
 * section follows that key, and LdSavedQueries keeps each one's count of
 * held records as they come and go. A click puts a query in the filter bar
 * (through win.set-filter, as if typed); a Ctrl+click adds it to, or takes
 * it from, the queries picked, and the filter becomes all of them at once,
 * as Seq's signals combine. Each row's menu renames or deletes it. */

struct _LdSavedQueriesPage
{
  AdwBin          parent_instance;

  /* Template widgets */
  GtkLabel       *empty_label;
  GtkListBox     *list;

  /* Owned references */
  LdSavedQueries *queries;
  GSettings      *settings;

  GPtrArray      *picked;          /* names, in the order they were picked */
  char           *shown_list;      /* the names and queries listed, to see when they change */
};

G_DEFINE_FINAL_TYPE (LdSavedQueriesPage, ld_saved_queries_page, ADW_TYPE_BIN)

static gboolean
is_picked (LdSavedQueriesPage *self,
           const char         *name)
{
  return g_ptr_array_find_with_equal_func (self->picked, name, g_str_equal, NULL);
}

/* The rows */

static GtkWidget *
row_menu_button (const char *name)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  GtkWidget *button = gtk_menu_button_new ();
  g_autoptr(GMenuItem) rename = g_menu_item_new (_("_Rename…"), NULL);
  g_autoptr(GMenuItem) delete = g_menu_item_new (_("_Delete"), NULL);

  g_menu_item_set_action_and_target (rename, "saved.rename", "s", name);
  g_menu_item_set_action_and_target (delete, "saved.delete", "s", name);
  g_menu_append_item (menu, rename);
  g_menu_append_item (menu, delete);
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (button), G_MENU_MODEL (menu));
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (button), "view-more-symbolic");
  gtk_widget_set_tooltip_text (button, _("Rename or Delete"));
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  return button;
}

static GtkWidget *
new_row (LdSavedQueriesPage *self,
         guint               index)
{
  const char *name = ld_saved_queries_get_name (self->queries, index);
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *check = gtk_image_new_from_icon_name ("object-select-symbolic");
  GtkWidget *label = gtk_label_new (name);
  GtkWidget *count = gtk_label_new (NULL);

  gtk_widget_set_visible (check, is_picked (self, name));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_set_tooltip_text (label, ld_saved_queries_get_text (self->queries, index));
  gtk_widget_add_css_class (count, "dim-label");
  gtk_widget_add_css_class (count, "numeric");
  gtk_widget_add_css_class (count, "caption");
  gtk_box_append (GTK_BOX (box), check);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), count);
  gtk_box_append (GTK_BOX (box), row_menu_button (name));
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);

  g_object_set_data_full (G_OBJECT (row), "ld-name", g_strdup (name), g_free);
  g_object_set_data (G_OBJECT (row), "ld-check", check);
  g_object_set_data (G_OBJECT (row), "ld-count", count);
  return row;
}

static void
rebuild_rows (LdSavedQueriesPage *self)
{
  g_autoptr(GString) joined = g_string_new (NULL);
  guint n = ld_saved_queries_get_n (self->queries);
  GtkWidget *child;

  for (guint i = 0; i < n; i++)
    g_string_append_printf (joined, "%s\t%s\n", ld_saved_queries_get_name (self->queries, i),
                            ld_saved_queries_get_text (self->queries, i));
  if (g_strcmp0 (joined->str, self->shown_list) == 0)
    return;
  g_free (self->shown_list);
  self->shown_list = g_strdup (joined->str);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  for (guint i = 0; i < n; i++)
    gtk_list_box_append (self->list, new_row (self, i));
  gtk_widget_set_visible (GTK_WIDGET (self->empty_label), n == 0);
  gtk_widget_set_visible (GTK_WIDGET (self->list), n > 0);
}

/* Rows are in the queries' order, so the n-th row has the n-th count. */
static void
update_counts (LdSavedQueriesPage *self)
{
  guint i = 0;

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->list)); row != NULL;
       row = gtk_widget_get_next_sibling (row), i++)
    {
      GtkLabel *count = g_object_get_data (G_OBJECT (row), "ld-count");
      g_autofree char *text = NULL;

      if (i >= ld_saved_queries_get_n (self->queries))
        break;
      if (!ld_saved_queries_get_valid (self->queries, i))
        {
          gtk_label_set_text (count, "—");
          gtk_widget_set_tooltip_text (GTK_WIDGET (count), _("This query has an error"));
          continue;
        }
      text = ld_format_count (ld_saved_queries_get_count (self->queries, i));
      if (g_strcmp0 (gtk_label_get_text (count), text) != 0)
        gtk_label_set_text (count, text);
    }
}

static void
on_queries_changed (LdSavedQueriesPage *self)
{
  rebuild_rows (self);
  update_counts (self);
}

static void
on_settings_changed (LdSavedQueriesPage *self)
{
  g_autoptr(GVariant) saved = g_settings_get_value (self->settings, "saved-queries");

  /* Picks of queries that are gone go with them. */
  for (guint i = self->picked->len; i-- > 0;)
    {
      GVariantIter iter;
      const char *name, *text;
      gboolean found = FALSE;

      g_variant_iter_init (&iter, saved);
      while (!found && g_variant_iter_next (&iter, "(&s&s)", &name, &text))
        found = g_str_equal (name, g_ptr_array_index (self->picked, i));
      if (!found)
        g_ptr_array_remove_index (self->picked, i);
    }
  ld_saved_queries_set (self->queries, saved);
}

/* Applying and combining */

static const char *
text_of (LdSavedQueriesPage *self,
         const char         *name)
{
  for (guint i = 0; i < ld_saved_queries_get_n (self->queries); i++)
    if (g_str_equal (ld_saved_queries_get_name (self->queries, i), name))
      return ld_saved_queries_get_text (self->queries, i);

  return NULL;
}

static void
apply_picked (LdSavedQueriesPage *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) texts = NULL;
  g_autofree char *query = NULL;

  for (guint i = 0; i < self->picked->len; i++)
    g_strv_builder_add (builder, text_of (self, g_ptr_array_index (self->picked, i)));
  texts = g_strv_builder_end (builder);
  query = ld_saved_queries_combine ((const char *const *) texts);

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    gtk_widget_set_visible (g_object_get_data (G_OBJECT (row), "ld-check"),
                            is_picked (self, g_object_get_data (G_OBJECT (row), "ld-name")));
  gtk_widget_activate_action (GTK_WIDGET (self), "win.set-filter", "s", query);
}

static void
apply_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  LdSavedQueriesPage *self = LD_SAVED_QUERIES_PAGE (widget);
  const char *name = g_variant_get_string (parameter, NULL);

  if (self->queries == NULL || text_of (self, name) == NULL)
    return;
  g_ptr_array_set_size (self->picked, 0);
  g_ptr_array_add (self->picked, g_strdup (name));
  apply_picked (self);
}

/* Adds the query to those picked, or takes it out if it was one; taking
 * out the last leaves the filter empty. */
static void
combine_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  LdSavedQueriesPage *self = LD_SAVED_QUERIES_PAGE (widget);
  const char *name = g_variant_get_string (parameter, NULL);
  guint index;

  if (self->queries == NULL || text_of (self, name) == NULL)
    return;
  if (g_ptr_array_find_with_equal_func (self->picked, name, g_str_equal, &index))
    g_ptr_array_remove_index (self->picked, index);
  else
    g_ptr_array_add (self->picked, g_strdup (name));
  apply_picked (self);
}

static void
on_row_activated (LdSavedQueriesPage *self,
                  GtkListBoxRow      *row)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "saved.apply", "s",
                              g_object_get_data (G_OBJECT (row), "ld-name"));
}

/* Ctrl+click combines. The list box's own activation has no modifiers, so
 * the click is seen first here; a click on a row's menu button is left to
 * the button. */
static void
on_pressed (GtkGestureClick    *gesture,
            int                 n_press,
            double              x,
            double              y,
            LdSavedQueriesPage *self)
{
  GtkEventController *controller = GTK_EVENT_CONTROLLER (gesture);
  GdkModifierType state = gtk_event_controller_get_current_event_state (controller);
  GtkWidget *picked = gtk_widget_pick (GTK_WIDGET (self->list), x, y, GTK_PICK_DEFAULT);
  GtkListBoxRow *row = gtk_list_box_get_row_at_y (self->list, (int) y);

  if (!(state & GDK_CONTROL_MASK) || row == NULL || picked == NULL
      || gtk_widget_get_ancestor (picked, GTK_TYPE_MENU_BUTTON) != NULL)
    return;

  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  gtk_widget_activate_action (GTK_WIDGET (self), "saved.combine", "s",
                              g_object_get_data (G_OBJECT (row), "ld-name"));
}

/* Naming: save and rename */

typedef struct
{
  GSettings   *settings;
  char        *old_name;   /* NULL when saving a new one */
  char        *query;
  GtkEditable *entry;
} AskName;

static void
ask_name_free (gpointer data)
{
  AskName *ask = data;

  g_object_unref (ask->settings);
  g_free (ask->old_name);
  g_free (ask->query);
  g_free (ask);
}

static void
on_name_response (AdwMessageDialog *dialog,
                  const char       *response,
                  AskName          *ask)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (ask->entry)));
  g_autoptr(GVariant) saved = NULL;
  g_autoptr(GVariant) changed = NULL;

  if (!g_str_equal (response, "save") || *name == '\0')
    return;

  saved = g_settings_get_value (ask->settings, "saved-queries");
  if (ask->old_name != NULL)
    changed = ld_saved_queries_renamed (saved, ask->old_name, name);
  else
    changed = ld_saved_queries_with (saved, name, ask->query);
  g_settings_set_value (ask->settings, "saved-queries", changed);
}

static void
on_name_changed (GtkEditable      *entry,
                 AdwMessageDialog *dialog)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  adw_message_dialog_set_response_enabled (dialog, "save", *name != '\0');
}

static void
ask_name (GtkWindow  *parent,
          AskName    *ask,
          const char *heading,
          const char *save_label)
{
  GtkWidget *dialog = adw_message_dialog_new (parent, heading, NULL);
  GtkWidget *entry = gtk_entry_new ();

  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog), ask->query);
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (entry), ask->old_name != NULL ? ask->old_name : "");
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("Name"));
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "save", save_label,
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "save");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  ask->entry = GTK_EDITABLE (entry);
  g_signal_connect (entry, "changed", G_CALLBACK (on_name_changed), dialog);
  on_name_changed (GTK_EDITABLE (entry), ADW_MESSAGE_DIALOG (dialog));
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_name_response), ask,
                         (GClosureNotify) (void (*) (void)) ask_name_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

/**
 * ld_saved_queries_ask_save:
 * @parent: the window the dialog belongs to
 * @settings: the settings with the "saved-queries" key
 * @query: the query to save
 *
 * Asks for a name and saves @query under it, in place of a query of the
 * same name if there is one.
 */
void
ld_saved_queries_ask_save (GtkWindow  *parent,
                           GSettings  *settings,
                           const char *query)
{
  AskName *ask = g_new0 (AskName, 1);

  g_return_if_fail (G_IS_SETTINGS (settings));

  ask->settings = g_object_ref (settings);
  ask->query = g_strdup (query);
  ask_name (parent, ask, _("Save Query"), _("_Save"));
}

static void
rename_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  LdSavedQueriesPage *self = LD_SAVED_QUERIES_PAGE (widget);
  const char *name = g_variant_get_string (parameter, NULL);
  AskName *ask;

  if (self->queries == NULL || text_of (self, name) == NULL)
    return;
  ask = g_new0 (AskName, 1);
  ask->settings = g_object_ref (self->settings);
  ask->old_name = g_strdup (name);
  ask->query = g_strdup (text_of (self, name));
  ask_name (GTK_WINDOW (gtk_widget_get_root (widget)), ask, _("Rename Query"), _("_Rename"));
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  LdSavedQueriesPage *self = LD_SAVED_QUERIES_PAGE (widget);
  g_autoptr(GVariant) saved = NULL;
  g_autoptr(GVariant) changed = NULL;

  if (self->settings == NULL)
    return;
  saved = g_settings_get_value (self->settings, "saved-queries");
  changed = ld_saved_queries_without (saved, g_variant_get_string (parameter, NULL));
  g_settings_set_value (self->settings, "saved-queries", changed);
}

/* The page */

static void
ld_saved_queries_page_dispose (GObject *object)
{
  LdSavedQueriesPage *self = LD_SAVED_QUERIES_PAGE (object);

  if (self->queries != NULL)
    g_signal_handlers_disconnect_by_data (self->queries, self);
  g_clear_object (&self->queries);
  g_clear_object (&self->settings);
  gtk_widget_dispose_template (GTK_WIDGET (self), LD_TYPE_SAVED_QUERIES_PAGE);

  G_OBJECT_CLASS (ld_saved_queries_page_parent_class)->dispose (object);
}

static void
ld_saved_queries_page_finalize (GObject *object)
{
  LdSavedQueriesPage *self = LD_SAVED_QUERIES_PAGE (object);

  g_ptr_array_unref (self->picked);
  g_free (self->shown_list);

  G_OBJECT_CLASS (ld_saved_queries_page_parent_class)->finalize (object);
}

static void
ld_saved_queries_page_class_init (LdSavedQueriesPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ld_saved_queries_page_dispose;
  object_class->finalize = ld_saved_queries_page_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/logdeck/Logdeck/ld-saved-queries-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LdSavedQueriesPage, empty_label);
  gtk_widget_class_bind_template_child (widget_class, LdSavedQueriesPage, list);
  gtk_widget_class_bind_template_callback (widget_class, on_row_activated);

  gtk_widget_class_install_action (widget_class, "saved.apply", "s", apply_action);
  gtk_widget_class_install_action (widget_class, "saved.combine", "s", combine_action);
  gtk_widget_class_install_action (widget_class, "saved.rename", "s", rename_action);
  gtk_widget_class_install_action (widget_class, "saved.delete", "s", delete_action);
}

static void
ld_saved_queries_page_init (LdSavedQueriesPage *self)
{
  GtkGesture *click = gtk_gesture_click_new ();

  self->picked = g_ptr_array_new_with_free_func (g_free);
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_set_visible (GTK_WIDGET (self->list), FALSE);

  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (click), GTK_PHASE_CAPTURE);
  g_signal_connect (click, "pressed", G_CALLBACK (on_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self->list), GTK_EVENT_CONTROLLER (click));
}

/**
 * ld_saved_queries_page_set_store:
 * @self: a page
 * @store: the records to count in
 * @settings: the settings with the "saved-queries" key
 *
 * Lists the saved queries with their counts, from now on.
 */
void
ld_saved_queries_page_set_store (LdSavedQueriesPage *self,
                                 LdStore            *store,
                                 GSettings          *settings)
{
  g_return_if_fail (LD_IS_SAVED_QUERIES_PAGE (self));
  g_return_if_fail (LD_IS_STORE (store));
  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (self->queries == NULL);

  self->settings = g_object_ref (settings);
  self->queries = ld_saved_queries_new (store);
  g_signal_connect_swapped (self->queries, "changed", G_CALLBACK (on_queries_changed), self);
  g_signal_connect_object (settings, "changed::saved-queries",
                           G_CALLBACK (on_settings_changed), self, G_CONNECT_SWAPPED);
  on_settings_changed (self);
}

/* Returns: (transfer none) (nullable): the queries and their counts */
LdSavedQueries *
ld_saved_queries_page_get_queries (LdSavedQueriesPage *self)
{
  g_return_val_if_fail (LD_IS_SAVED_QUERIES_PAGE (self), NULL);

  return self->queries;
}
