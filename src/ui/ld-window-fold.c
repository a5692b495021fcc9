// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <glib/gi18n.h>

#include "ld-fold-model.h"
#include "ld-row.h"
#include "ld-window-private.h"

/* Two view options of the table that never change what is counted,
 * exported or archived: repeat folding ("win.fold-repeats", the filter
 * bar's toggle), with the "×N" badge in the Message cell that expands a
 * run; and dimmed levels, set from a level chip's context menu, whose rows
 * are drawn with the dim-label style. */

/* Folding */

/* The item showing a shown record: its own row, or its folded run's. */
static guint
view_position (LdWindow *self,
               guint     filter_position)
{
  return ld_fold_model_get_position (self->fold, filter_position);
}

/* The row of a record that Find or a notification goes to: a folded run
 * it is in opens, so that the row is the record's own. */
guint
ld_window_reveal_record (LdWindow *self,
                         guint     filter_position)
{
  guint position = ld_fold_model_get_position (self->fold, filter_position);
  LdFoldGroup group;

  if (ld_fold_model_get_group (self->fold, position, &group) && !group.expanded
      && ld_fold_model_get_filter_position (self->fold, position) != filter_position)
    {
      ld_fold_model_set_expanded (self->fold, position, TRUE);
      position = ld_fold_model_get_position (self->fold, filter_position);
    }

  return position;
}

/* The filter model's position of the record an item shows. */
guint
ld_window_record_position (LdWindow *self,
                           guint     view_position)
{
  return ld_fold_model_get_filter_position (self->fold, view_position);
}

static guint64
selected_seq (LdWindow *self)
{
  LdRow *row = gtk_single_selection_get_selected_item (self->selection);

  return row != NULL ? ld_row_get_seq (row) : G_MAXUINT64;
}

/* The selected record stays selected when the rows fold or unfold. */
static void
apply_fold_repeats (LdWindow *self)
{
  gboolean fold = g_settings_get_boolean (self->settings, "fold-repeats");
  guint64 seq = selected_seq (self);
  int position;

  ld_fold_model_set_enabled (self->fold, fold);
  if (seq == G_MAXUINT64 || (position = ld_filter_model_find_seq (self->model, seq)) < 0)
    return;
  gtk_single_selection_set_selected (self->selection, view_position (self, position));
}

static void
toggle_run (LdWindow *self,
            guint     position)
{
  LdFoldGroup group;

  if (!ld_fold_model_get_group (self->fold, position, &group) || group.n_records < 2)
    return;

  ld_fold_model_set_expanded (self->fold, position, !group.expanded);
  if (group.expanded)
    gtk_single_selection_set_selected (self->selection, position - group.offset);
}

/* Enter or a double click on a folded row opens its run, or closes it. */
static void
on_row_activated (LdWindow      *self,
                  guint          position,
                  GtkColumnView *column_view)
{
  toggle_run (self, position);
}

/* A click on the badge opens or closes the run, as Enter on its row does. */
static void
on_badge_pressed (GtkGestureClick *gesture,
                  int              n_press,
                  double           x,
                  double           y,
                  LdWindow        *self)
{
  GtkWidget *badge = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));
  guint64 seq = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (badge), "ld-seq"));
  int position = ld_filter_model_find_seq (self->model, seq);

  if (position >= 0)
    toggle_run (self, view_position (self, position));
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static void
forget_badge (gpointer  data,
              GObject  *badge)
{
  LdWindow *self = data;

  if (self->fold_badges != NULL)
    g_ptr_array_remove_fast (self->fold_badges, badge);
}

/* The last run grows as records arrive without its row changing (see
 * ld-fold-model.c): the badges showing it are told here, a handful of
 * widgets rather than the whole Message column. */
static void
refresh_last_run (LdWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->fold));
  LdFoldGroup last;

  if (n == 0 || !ld_fold_model_get_group (self->fold, n - 1, &last) || last.n_records < 2)
    return;

  for (guint i = 0; i < self->fold_badges->len; i++)
    {
      GtkWidget *badge = g_ptr_array_index (self->fold_badges, i);
      guint64 seq = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (badge), "ld-seq"));

      if (seq == last.first_seq && gtk_widget_get_visible (badge))
        ld_window_bind_fold_badge (self, badge,
                                   GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (badge),
                                                                        "ld-bound-seq")));
    }
}

/**
 * ld_window_new_fold_badge:
 * @self: a window
 *
 * Returns: (transfer floating): the Message cell's badge: "×N" and the
 * run's last time, which a click expands or collapses. A label, not a
 * button, so that a folded row is as tall as any other.
 */
GtkWidget *
ld_window_new_fold_badge (LdWindow *self)
{
  GtkWidget *badge = gtk_label_new (NULL);
  GtkGesture *click = gtk_gesture_click_new ();

  gtk_widget_add_css_class (badge, "fold-badge");
  gtk_widget_add_css_class (badge, "numeric");
  gtk_widget_set_visible (badge, FALSE);
  gtk_label_set_single_line_mode (GTK_LABEL (badge), TRUE);
  gtk_widget_set_cursor_from_name (badge, "pointer");
  g_signal_connect_object (click, "pressed", G_CALLBACK (on_badge_pressed), self, 0);
  gtk_widget_add_controller (badge, GTK_EVENT_CONTROLLER (click));
  g_ptr_array_add (self->fold_badges, badge);
  g_object_weak_ref (G_OBJECT (badge), forget_badge, self);

  return badge;
}

static void
set_badge_text (GtkWidget  *badge,
                const char *markup,
                const char *tooltip)
{
  gtk_label_set_markup (GTK_LABEL (badge), markup);
  gtk_widget_set_tooltip_text (badge, tooltip);
  gtk_widget_set_visible (badge, TRUE);
}

/**
 * ld_window_bind_fold_badge:
 * @self: a window
 * @badge: a badge from ld_window_new_fold_badge()
 * @seq: the record the cell shows
 *
 * Shows the run's size and times on its first row, and where a record
 * stands in an expanded run on the others; hides the badge otherwise.
 */
void
ld_window_bind_fold_badge (LdWindow  *self,
                           GtkWidget *badge,
                           guint64    seq)
{
  LdStore *store = ld_filter_model_get_store (self->model);
  const LdRecord *first, *last;
  g_autofree char *text = NULL;
  g_autofree char *tooltip = NULL;
  char from[64], to[64];
  LdFoldGroup group;

  g_object_set_data (G_OBJECT (badge), "ld-bound-seq", GSIZE_TO_POINTER (seq));
  if (!ld_fold_model_get_group_by_seq (self->fold, seq, &group) || group.n_records < 2)
    {
      gtk_widget_set_visible (badge, FALSE);
      return;
    }

  g_object_set_data (G_OBJECT (badge), "ld-seq", GSIZE_TO_POINTER (group.first_seq));
  if (group.offset > 0)
    {
      /* Translators: a record's place in an expanded run of repeated records */
      text = g_strdup_printf (_("↳ %u of %u"), group.offset + 1, group.n_records);
      set_badge_text (badge, text, _("Click to fold the repeated records again"));
      return;
    }

  first = ld_store_get_record_by_seq (store, group.first_seq);
  last = ld_store_get_record_by_seq (store, group.last_seq);
  from[0] = to[0] = '\0';
  if (first != NULL)
    ld_format_time (first->time_us, &self->time_style, from, sizeof from);
  if (last != NULL)
    ld_format_time (last->time_us, &self->time_style, to, sizeof to);
  /* The Time column has the run's first time; the badge adds the last. */
  /* Translators: a folded run: ▸ or ▾, how many records, the last one's time */
  text = g_strdup_printf (_("%s <b>×%u</b>  last %s"), group.expanded ? "▾" : "▸",
                          group.n_records, to);
  /* Translators: the tooltip of a folded run: how many records, first and last time */
  tooltip = g_strdup_printf (_("%u repeated records, from %s to %s. %s"), group.n_records, from,
                             to, group.expanded ? _("Click to fold them again.")
                                                : _("Click or press Enter to show each."));
  set_badge_text (badge, text, tooltip);
}

/* Dimmed levels */

static gboolean
level_in (GVariant *levels,
          int       level)
{
  gsize n;
  const gint32 *values = g_variant_get_fixed_array (levels, &n, sizeof (gint32));

  for (gsize i = 0; i < n; i++)
    if (values[i] == level)
      return TRUE;

  return FALSE;
}

/**
 * ld_window_level_dimmed:
 * @self: a window
 * @level: a level number
 *
 * Returns: whether records of @level are drawn dimmed
 */
gboolean
ld_window_level_dimmed (LdWindow *self,
                        int       level)
{
  for (guint i = 0; self->dimmed_levels != NULL && i < self->dimmed_levels->len; i++)
    if (g_array_index (self->dimmed_levels, int, i) == level)
      return TRUE;

  return FALSE;
}

static void
show_dimmed_chips (LdWindow *self)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->level_box));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      int level = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (child), "ld-level"));
      GtkWidget *label = gtk_button_get_child (GTK_BUTTON (child));

      if (ld_window_level_dimmed (self, level))
        gtk_widget_add_css_class (label, "dim-label");
      else
        gtk_widget_remove_css_class (label, "dim-label");
    }
}

/* The settings are the truth: a dimmed level set elsewhere (another window,
 * dconf) shows too. */
static void
apply_dimmed_levels (LdWindow *self)
{
  g_autoptr(GVariant) levels = g_settings_get_value (self->settings, "dimmed-levels");
  gsize n;
  const gint32 *values = g_variant_get_fixed_array (levels, &n, sizeof (gint32));
  const char *id;

  g_array_set_size (self->dimmed_levels, 0);
  for (gsize i = 0; i < n; i++)
    {
      int level = values[i];

      g_array_append_val (self->dimmed_levels, level);
    }

  show_dimmed_chips (self);
  for (guint i = 0; ld_window_column_title (i, &id) != NULL; i++)
    ld_window_refresh_column (self, id);
}

/* "win.dim-level" with a level number: dims its records, or undims them. */
static void
dim_level_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  LdWindow *self = LD_WINDOW (user_data);
  int level = g_variant_get_int32 (parameter);
  g_autoptr(GVariant) old = g_settings_get_value (self->settings, "dimmed-levels");
  gboolean dim = !level_in (old, level);
  GVariantBuilder builder;
  gsize n;
  const gint32 *values = g_variant_get_fixed_array (old, &n, sizeof (gint32));

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("ai"));
  for (gsize i = 0; i < n; i++)
    if (values[i] != level)
      g_variant_builder_add (&builder, "i", values[i]);
  if (dim)
    g_variant_builder_add (&builder, "i", level);

  g_settings_set_value (self->settings, "dimmed-levels", g_variant_builder_end (&builder));
}

static void
on_chip_pressed (GtkGestureClick *gesture,
                 int              n_press,
                 double           x,
                 double           y,
                 LdWindow        *self)
{
  GtkWidget *chip = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));
  int level = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (chip), "ld-level"));
  GtkWidget *popover = g_object_get_data (G_OBJECT (chip), "ld-dim-menu");
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenuItem) item = NULL;

  item = g_menu_item_new (ld_window_level_dimmed (self, level) ? _("Undim Level") : _("Dim Level"),
                          NULL);
  g_menu_item_set_action_and_target_value (item, "win.dim-level", g_variant_new_int32 (level));
  g_menu_append_item (menu, item);
  gtk_popover_menu_set_menu_model (GTK_POPOVER_MENU (popover), G_MENU_MODEL (menu));
  gtk_popover_popup (GTK_POPOVER (popover));
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

/**
 * ld_window_attach_dim_menu:
 * @self: a window
 * @chip: a level toggle of the filter bar
 *
 * Gives the chip a context menu that dims its level, the third state
 * between shown and hidden.
 */
void
ld_window_attach_dim_menu (LdWindow  *self,
                           GtkWidget *chip)
{
  GtkGesture *gesture = gtk_gesture_click_new ();
  GtkWidget *popover = gtk_popover_menu_new_from_model (NULL);

  gtk_widget_set_parent (popover, chip);
  gtk_popover_set_has_arrow (GTK_POPOVER (popover), FALSE);
  g_object_set_data (G_OBJECT (chip), "ld-dim-menu", popover);
  /* A widget must have no child left when it is finalized. */
  g_signal_connect_swapped (chip, "destroy", G_CALLBACK (gtk_widget_unparent), popover);
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), GDK_BUTTON_SECONDARY);
  g_signal_connect_object (gesture, "pressed", G_CALLBACK (on_chip_pressed), self, 0);
  gtk_widget_add_controller (chip, GTK_EVENT_CONTROLLER (gesture));
  gtk_widget_set_tooltip_text (chip, _("Right-click to dim this level’s records"));
  if (ld_window_level_dimmed (self, GPOINTER_TO_INT (g_object_get_data (G_OBJECT (chip),
                                                                          "ld-level"))))
    gtk_widget_add_css_class (gtk_button_get_child (GTK_BUTTON (chip)), "dim-label");
}

static const GActionEntry fold_actions[] = {
  { "dim-level", dim_level_activated, "i" },
};

/**
 * ld_window_setup_fold:
 * @self: a window
 *
 * Puts the fold model between the filter model and the table's selection,
 * and installs "win.fold-repeats" and "win.dim-level" over the settings.
 */
void
ld_window_setup_fold (LdWindow *self)
{
  g_autoptr(GAction) fold = g_settings_create_action (self->settings, "fold-repeats");

  self->fold = ld_fold_model_new (self->model);
  self->dimmed_levels = g_array_new (FALSE, FALSE, sizeof (int));
  self->fold_badges = g_ptr_array_new ();
  g_action_map_add_action (G_ACTION_MAP (self), fold);
  g_action_map_add_action_entries (G_ACTION_MAP (self), fold_actions,
                                   G_N_ELEMENTS (fold_actions), self);
  g_signal_connect_object (self->settings, "changed::fold-repeats",
                           G_CALLBACK (apply_fold_repeats), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::dimmed-levels",
                           G_CALLBACK (apply_dimmed_levels), self, G_CONNECT_SWAPPED);
  /* After the fold model's own handler, connected when it was made. */
  g_signal_connect_object (self->model, "items-changed", G_CALLBACK (refresh_last_run), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->column_view, "activate", G_CALLBACK (on_row_activated), self,
                           G_CONNECT_SWAPPED);
  ld_fold_model_set_enabled (self->fold, g_settings_get_boolean (self->settings, "fold-repeats"));
  apply_dimmed_levels (self);
}

void
ld_window_finalize_fold (LdWindow *self)
{
  if (self->fold != NULL)
    g_signal_handlers_disconnect_by_data (self->fold, self);
  g_clear_object (&self->fold);
  g_clear_pointer (&self->dimmed_levels, g_array_unref);
  for (guint i = 0; self->fold_badges != NULL && i < self->fold_badges->len; i++)
    g_object_weak_unref (g_ptr_array_index (self->fold_badges, i), forget_badge, self);
  g_clear_pointer (&self->fold_badges, g_ptr_array_unref);
}
