// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <glib/gi18n.h>

#include "ld-level.h"
#include "ld-query.h"
#include "ld-row.h"
#include "ld-saved-queries-page.h"
#include "ld-sidebar.h"
#include "ld-window-private.h"

/* The filter bar and find: the query entry with its history and Save
 * Query, level toggles with live counts, the minimum level, the sidebar's
 * picks, and find next/previous with its highlights. Everything the user
 * sets is kept in the settings. */

static const int min_levels[] = { 0, LD_LEVEL_DEBUG, LD_LEVEL_INFO, LD_LEVEL_WARNING,
                                  LD_LEVEL_ERROR, LD_LEVEL_CRITICAL };

/* "thread:A OR thread:B" for what the sidebar picked; OR binds tighter than
 * the implicit AND, so it can follow the user's own terms. */
static void
append_picks (GString        *query,
              LdSidebar      *sidebar,
              LdStoreCounted  field,
              const char     *term)
{
  g_auto(GStrv) picked = ld_sidebar_dup_selected (sidebar, field);

  for (guint i = 0; picked[i] != NULL; i++)
    {
      g_autoptr(GString) value = g_string_new (picked[i]);

      g_string_replace (value, "\\", "\\\\", 0);
      g_string_replace (value, "\"", "\\\"", 0);
      g_string_append_printf (query, "%s%s=\"%s\"", i == 0 ? " " : " OR ", term, value->str);
    }
}

static char *
compose_query (LdWindow *self)
{
  GString *query = g_string_new (gtk_editable_get_text (GTK_EDITABLE (self->filter_entry)));

  /* "=" is the exact value: thread:Worker-1 would also match Worker-10. */
  append_picks (query, self->sidebar, LD_STORE_COUNT_THREAD, "thread");
  append_picks (query, self->sidebar, LD_STORE_COUNT_CONNECTION, "conn");

  return g_string_free (query, FALSE);
}

static void
show_query_error (LdWindow     *self,
                  const GError *error)
{
  g_autofree char *text = NULL;

  if (error != NULL)
    /* Translators: shown under the filter entry; the last filter that worked stays */
    text = g_strdup_printf (_("%s — the previous filter still applies"), error->message);

  gtk_label_set_text (self->filter_error_label, text != NULL ? text : "");
  gtk_revealer_set_reveal_child (self->filter_error_revealer, error != NULL);
  if (error != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->filter_entry), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->filter_entry), "error");
}

void
ld_window_update_subtitle (LdWindow *self)
{
  LdQuery *query = ld_filter_model_get_query (self->model);
  int min_level = ld_filter_model_get_min_level (self->model);
  g_autofree char *name = min_level > 0 ? ld_level_display_name (min_level) : NULL;
  g_autoptr(GString) subtitle = g_string_new (NULL);

  if (query != NULL && !ld_query_is_empty (query))
    g_string_append (subtitle, ld_query_get_text (query));
  if (name != NULL)
    g_string_append_printf (subtitle, "%s%s+", subtitle->len > 0 ? " · " : "", name);
  if (self->n_hidden_levels > 0)
    {
      g_autofree char *hidden = g_strdup_printf (ngettext ("%u level hidden", "%u levels hidden",
                                                           self->n_hidden_levels),
                                                 self->n_hidden_levels);
      g_string_append_printf (subtitle, "%s%s", subtitle->len > 0 ? " · " : "", hidden);
    }

  if (ld_filter_model_get_has_predicate (self->model))
    g_string_append_printf (subtitle, "%s%s", subtitle->len > 0 ? " · " : "",
                            _("one error group"));

  if (subtitle->len > 0)
    adw_window_title_set_subtitle (self->window_title, subtitle->str);
  else
    ld_window_update_endpoints_text (self);
  ld_window_update_search_offer (self);
}

static void
apply_filter (LdWindow *self)
{
  g_autofree char *text = compose_query (self);
  g_autoptr(GError) error = NULL;
  gint64 now_us = g_get_real_time ();
  g_autoptr(LdQuery) query = ld_query_parse (text, now_us, &error);
  g_auto(GStrv) excluded = ld_sidebar_dup_excluded_loggers (self->sidebar);

  show_query_error (self, error);
  if (query != NULL)
    ld_window_marks_attach_query (self, query);
  if (query != NULL)
    {
      ld_filter_model_set_query (self->model, query);
      /* Whole-session search compiles the same text at the same time. */
      self->filter_now_us = now_us;
    }
  ld_filter_model_set_excluded_loggers (self->model, (const char *const *) excluded);
  ld_window_update_subtitle (self);
}

static void
on_filter_changed (LdWindow *self)
{
  g_settings_set_string (self->settings, "filter-query",
                         gtk_editable_get_text (GTK_EDITABLE (self->filter_entry)));
  apply_filter (self);
}

static void
on_min_level_selected (LdWindow   *self,
                       GParamSpec *pspec,
                       GtkDropDown *dropdown)
{
  guint selected = gtk_drop_down_get_selected (dropdown);

  if (selected >= G_N_ELEMENTS (min_levels))
    selected = 0;
  ld_filter_model_set_min_level (self->model, min_levels[selected]);
  g_settings_set_int (self->settings, "min-level", min_levels[selected]);
  ld_window_update_subtitle (self);
}

/* Level toggles */

static void
save_hidden_levels (LdWindow *self)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("ai"));
  self->n_hidden_levels = 0;
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->level_box));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    if (!gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (child)))
      {
        g_variant_builder_add (&builder, "i",
                               GPOINTER_TO_INT (g_object_get_data (G_OBJECT (child), "ld-level")));
        self->n_hidden_levels++;
      }

  g_settings_set_value (self->settings, "hidden-levels", g_variant_builder_end (&builder));
}

static void
on_level_toggled (GtkToggleButton *button,
                  LdWindow        *self)
{
  int level = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "ld-level"));

  ld_filter_model_set_level_hidden (self->model, level, !gtk_toggle_button_get_active (button));
  save_hidden_levels (self);
  ld_window_update_subtitle (self);
}

static gboolean
level_saved_hidden (LdWindow *self,
                    int       level)
{
  g_autoptr(GVariant) hidden = g_settings_get_value (self->settings, "hidden-levels");
  gsize n;
  const gint32 *levels = g_variant_get_fixed_array (hidden, &n, sizeof (gint32));

  for (gsize i = 0; i < n; i++)
    if (levels[i] == level)
      return TRUE;

  return FALSE;
}

static GtkWidget *
new_level_toggle (LdWindow *self,
                  int       level)
{
  GtkWidget *button = gtk_toggle_button_new ();
  GtkWidget *label = gtk_label_new (NULL);

  gtk_widget_add_css_class (label, "level-badge");
  gtk_widget_add_css_class (label, ld_level_css_class (level));
  gtk_button_set_child (GTK_BUTTON (button), label);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_add_css_class (button, "level-toggle");
  g_object_set_data (G_OBJECT (button), "ld-level", GINT_TO_POINTER (level));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (button), !level_saved_hidden (self, level));
  g_signal_connect (button, "toggled", G_CALLBACK (on_level_toggled), self);
  ld_window_attach_dim_menu (self, button);

  return button;
}

static GtkWidget *
find_level_toggle (LdWindow *self,
                   int       level,
                   GtkWidget **next)
{
  *next = NULL;
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->level_box));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      int child_level = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (child), "ld-level"));

      if (child_level == level)
        return child;
      if (child_level > level)
        {
          *next = child;
          return NULL;
        }
    }

  return NULL;
}

/**
 * ld_window_update_level_toggles:
 * @self: a window
 *
 * One toggle per level present, in level order, with its live count. Levels
 * only ever gain a toggle, so that one the user turned off stays in reach.
 */
void
ld_window_update_level_toggles (LdWindow *self)
{
  const GArray *counts = ld_store_get_level_counts (ld_filter_model_get_store (self->model));

  for (guint i = 0; i < counts->len; i++)
    {
      const LdLevelCount *count = &g_array_index (counts, LdLevelCount, i);
      g_autofree char *name = ld_level_display_name (count->level);
      g_autofree char *text = NULL;
      GtkWidget *next;
      GtkWidget *toggle = find_level_toggle (self, count->level, &next);

      if (toggle == NULL && count->count == 0)
        continue;
      if (toggle == NULL)
        {
          toggle = new_level_toggle (self, count->level);
          gtk_box_insert_child_after (self->level_box, toggle,
                                      next != NULL ? gtk_widget_get_prev_sibling (next)
                                                   : gtk_widget_get_last_child (GTK_WIDGET (self->level_box)));
          if (!gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (toggle)))
            ld_filter_model_set_level_hidden (self->model, count->level, TRUE);
        }

      text = g_strdup_printf ("%s %'u", name, count->count);
      gtk_label_set_text (GTK_LABEL (gtk_button_get_child (GTK_BUTTON (toggle))), text);
    }
}

/* Find
 *
 * Matches are kept as sequence numbers, which stay true while records
 * arrive and old ones are evicted, and are looked for in slices of at most
 * 5 ms from an idle, oldest first, so a million records never hold the
 * window still. Records that arrive later are looked at as they come. */

#define FIND_SLICE_US 5000

/* The index of the first match at or above @seq. */
static guint
find_lower_bound (LdWindow *self,
                  guint64   seq)
{
  guint low = 0, high = self->find_matches->len;

  while (low < high)
    {
      guint mid = low + (high - low) / 2;

      if (g_array_index (self->find_matches, guint64, mid) < seq)
        low = mid + 1;
      else
        high = mid;
    }

  return low;
}

/* The first match still shown: older ones were evicted. */
static guint
find_first_shown (LdWindow *self)
{
  if (g_list_model_get_n_items (G_LIST_MODEL (self->model)) == 0)
    return self->find_matches->len;

  return find_lower_bound (self, ld_filter_model_get_seq (self->model, 0));
}

/* Forgets the matches that were evicted, and the selected one if it was. */
static void
find_drop_evicted (LdWindow *self)
{
  guint first = find_first_shown (self);

  if (self->find_current != G_MAXUINT64
      && (first == self->find_matches->len
          || self->find_current < g_array_index (self->find_matches, guint64, first)))
    self->find_current = G_MAXUINT64;
  if (first > 0)
    g_array_remove_range (self->find_matches, 0, first);
}

static void
update_find_count (LdWindow *self)
{
  g_autofree char *text = NULL;
  guint first = find_first_shown (self);
  guint n = self->find_matches->len - first;
  gboolean searching = self->find_scan_id != 0 || self->find_waiting;

  if (self->find_query == NULL)
    text = NULL;
  else if (n == 0)
    text = g_strdup (searching ? _("Searching…") : _("No matches"));
  else if (self->find_current == G_MAXUINT64 || find_lower_bound (self, self->find_current) < first)
    text = g_strdup_printf (searching ? ngettext ("%u match so far", "%u matches so far", n)
                                      : ngettext ("%u match", "%u matches", n), n);
  else
    /* Translators: "12 of 340" matches */
    text = g_strdup_printf (_("%u of %u"), find_lower_bound (self, self->find_current) - first + 1,
                            n);

  gtk_label_set_text (self->find_count_label, text != NULL ? text : "");
}

/* Looks at the shown records not looked at yet, for about 5 ms (or
 * find_slice records), or to the end with @to_end. Returns TRUE when every
 * shown record has been looked at. */
static gboolean
find_scan_slice (LdWindow *self,
                 gboolean  to_end)
{
  LdStore *store = ld_filter_model_get_store (self->model);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  guint position = ld_filter_model_lower_bound (self->model, self->find_scanned);
  gint64 deadline = g_get_monotonic_time () + FIND_SLICE_US;
  guint done = 0;

  for (; position < n; position++, done++)
    {
      guint64 seq = ld_filter_model_get_seq (self->model, position);
      const LdRecord *record = ld_store_get_record_by_seq (store, seq);

      if (!to_end && done > 0
          && (self->find_slice != 0 ? done >= self->find_slice
                                    : done % 256 == 0 && g_get_monotonic_time () > deadline))
        break;
      if (record != NULL && ld_query_matches (self->find_query, record))
        g_array_append_val (self->find_matches, seq);
      self->find_scanned = seq + 1;
    }

  return position >= n;
}

static gboolean
find_scan_idle (gpointer user_data)
{
  LdWindow *self = user_data;
  gboolean done = find_scan_slice (self, FALSE);

  if (done)
    self->find_scan_id = 0;
  update_find_count (self);

  return done ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static void
find_scan_continue (LdWindow *self)
{
  if (self->find_query != NULL && self->find_scan_id == 0)
    self->find_scan_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, find_scan_idle, self, NULL);
}

/* Looks for every match again, as when the query or the filter changes. */
static void
find_restart (LdWindow *self)
{
  g_array_set_size (self->find_matches, 0);
  self->find_current = G_MAXUINT64;
  self->find_scanned = 0;
  self->find_generation = ld_filter_model_get_generation (self->model);
  g_clear_handle_id (&self->find_scan_id, g_source_remove);
  /* A new filter shows its records a slice at a time: Find starts once it
   * is done, rather than again after each slice. */
  self->find_waiting = ld_filter_model_get_pending (self->model) > 0;
  if (!self->find_waiting)
    find_scan_continue (self);
  update_find_count (self);
}

/* While a new filter shows its records, Find waits, and starts anew after. */
static void
on_filter_pending (LdWindow *self)
{
  if (self->find_query == NULL)
    return;

  if (ld_filter_model_get_pending (self->model) == 0)
    {
      if (self->find_waiting)
        find_restart (self);
    }
  else if (!self->find_waiting)
    {
      g_array_set_size (self->find_matches, 0);
      self->find_current = G_MAXUINT64;
      g_clear_handle_id (&self->find_scan_id, g_source_remove);
      self->find_waiting = TRUE;
      update_find_count (self);
    }
}

static void
on_find_changed (LdWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->find_entry));
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&self->find_query, ld_query_unref);
  if (*text != '\0')
    self->find_query = ld_query_parse (text, g_get_real_time (), &error);
  if (error != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->find_entry), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->find_entry), "error");

  find_restart (self);
  ld_window_refresh_column (self, "message");
}

static void
select_match (LdWindow *self,
              guint64   seq)
{
  int position = ld_filter_model_find_seq (self->model, seq);
  GtkWidget *list_view = ld_window_get_list_view (self);

  if (position < 0)
    return;
  position = ld_window_reveal_record (self, position);
  self->find_current = seq;
  gtk_single_selection_set_selected (self->selection, position);
  if (list_view != NULL)
    gtk_widget_activate_action (list_view, "list.scroll-to-item", "u", (guint) position);
  update_find_count (self);
}

/* The next match after the selected record (or before it, going back),
 * wrapping around, so Enter walks through them all. A match not looked for
 * yet is looked for now. */
static void
find_step (LdWindow *self,
           gboolean  forward)
{
  guint selected;
  guint64 selected_seq;
  guint first, index;

  if (self->find_query == NULL)
    return;
  /* A new filter still showing its records: finish that first. */
  if (ld_filter_model_get_pending (self->model) > 0)
    ld_filter_model_flush (self->model);
  if (g_list_model_get_n_items (G_LIST_MODEL (self->model)) == 0)
    return;

  selected = gtk_single_selection_get_selected (self->selection);
  selected_seq = selected != GTK_INVALID_LIST_POSITION
                   ? ld_filter_model_get_seq (self->model,
                                              ld_window_record_position (self, selected))
                   : G_MAXUINT64;

  /* Going forward, the next match may already be known; going back, or
   * wrapping round, the idle's work is finished here. */
  if (self->find_scan_id != 0)
    {
      guint64 after = selected_seq == G_MAXUINT64 ? ld_filter_model_get_seq (self->model, 0)
                                                  : selected_seq + 1;

      if (!forward || find_lower_bound (self, after) == self->find_matches->len)
        {
          find_scan_slice (self, TRUE);
          g_clear_handle_id (&self->find_scan_id, g_source_remove);
        }
    }

  first = find_first_shown (self);
  if (first == self->find_matches->len)
    {
      update_find_count (self);
      return;
    }

  if (selected_seq == G_MAXUINT64)
    index = forward ? first : self->find_matches->len - 1;
  else if (forward)
    {
      index = find_lower_bound (self, selected_seq + 1);
      if (index == self->find_matches->len)
        index = first;
    }
  else
    {
      index = find_lower_bound (self, selected_seq);
      index = index > first ? index - 1 : self->find_matches->len - 1;
    }

  select_match (self, g_array_index (self->find_matches, guint64, index));
}

static void
find_next_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  find_step (LD_WINDOW (user_data), TRUE);
}

static void
find_previous_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  find_step (LD_WINDOW (user_data), FALSE);
}

static void
find_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  LdWindow *self = user_data;

  gtk_search_bar_set_search_mode (self->filter_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->filter_entry));
}

static void
clear_filters_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  LdWindow *self = user_data;

  gtk_editable_set_text (GTK_EDITABLE (self->filter_entry), "");
  gtk_drop_down_set_selected (self->min_level_dropdown, 0);
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->level_box));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (child), TRUE);
  ld_sidebar_reset (self->sidebar);
  ld_filter_model_set_predicate (self->model, NULL, NULL, NULL);
  apply_filter (self);
  ld_window_show_restored_filter (self, NULL);
}

static const GActionEntry filter_actions[] = {
  { "find", find_activated },
  { "find-next", find_next_activated },
  { "find-previous", find_previous_activated },
  { "clear-filters", clear_filters_activated },
};

/* History and Save Query
 *
 * A query joins the history ("query-history", newest first, no repeats)
 * when the user presses Enter in the entry or leaves it, rather than at
 * every key typed, and only if it parses. Up and Down in the entry walk the
 * history, and Down past the newest gives back what was typed; the button
 * beside the entry lists it. */

static void
remember_query (LdWindow *self)
{
  g_autoptr(LdQuery) query = NULL;
  g_auto(GStrv) history = NULL;
  g_auto(GStrv) added = NULL;
  const char *text;

  /* The entry loses the focus as the window goes, too. */
  if (self->filter_entry == NULL || gtk_widget_in_destruction (GTK_WIDGET (self)))
    return;
  text = gtk_editable_get_text (GTK_EDITABLE (self->filter_entry));
  query = ld_query_parse (text, g_get_real_time (), NULL);
  if (query == NULL || ld_query_is_empty (query))
    return;
  history = g_settings_get_strv (self->settings, "query-history");
  added = ld_query_history_add ((const char *const *) history, text, LD_QUERY_HISTORY_MAX);
  if (!g_strv_equal ((const char *const *) history, (const char *const *) added))
    g_settings_set_strv (self->settings, "query-history", (const char *const *) added);
}

static gboolean
history_step (LdWindow *self,
              int       step)
{
  g_auto(GStrv) history = g_settings_get_strv (self->settings, "query-history");
  int index = self->history_index + step;

  if (index < -1 || index >= (int) g_strv_length (history))
    return FALSE;
  if (self->history_index == -1)
    {
      g_free (self->history_draft);
      self->history_draft = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->filter_entry)));
    }

  self->history_index = index;
  self->history_walking = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->filter_entry),
                         index >= 0 ? history[index] : self->history_draft);
  self->history_walking = FALSE;
  gtk_editable_set_position (GTK_EDITABLE (self->filter_entry), -1);
  return TRUE;
}

static gboolean
on_filter_key_pressed (LdWindow              *self,
                       guint                  keyval,
                       guint                  keycode,
                       GdkModifierType        state,
                       GtkEventControllerKey *controller)
{
  if ((state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SHIFT_MASK)) != 0)
    return FALSE;
  if (keyval == GDK_KEY_Up || keyval == GDK_KEY_KP_Up)
    {
      history_step (self, 1);
      return TRUE;
    }
  /* Down with nothing walked keeps its usual meaning: on to the table. */
  if (keyval == GDK_KEY_Down || keyval == GDK_KEY_KP_Down)
    return history_step (self, -1);

  return FALSE;
}

/* Typing ends a walk through the history. */
static void
on_filter_text_changed (LdWindow *self)
{
  if (!self->history_walking)
    self->history_index = -1;
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self),
                                                                            "save-query")),
                               *gtk_editable_get_text (GTK_EDITABLE (self->filter_entry)) != '\0');
}

/* A menu label shows the query as typed: underscores are not mnemonics, and
 * a long query is cut short. */
static char *
history_label (const char *query)
{
  g_autoptr(GString) label = g_string_new (NULL);

  if (g_utf8_strlen (query, -1) > 60)
    {
      g_autofree char *start = g_utf8_substring (query, 0, 59);

      g_string_append_printf (label, "%s…", start);
    }
  else
    g_string_append (label, query);
  g_string_replace (label, "_", "__", 0);
  return g_string_free (g_steal_pointer (&label), FALSE);
}

/* The menu is made each time it opens, from the history as it is then;
 * in the narrow layout, where Save Query and Clear Filters have no
 * buttons, they come first. */
static void
create_history_menu (GtkMenuButton *button,
                     gpointer       user_data)
{
  LdWindow *self = user_data;
  g_auto(GStrv) history = g_settings_get_strv (self->settings, "query-history");
  g_autoptr(GMenu) recent = g_menu_new ();
  g_autoptr(GMenu) menu = NULL;

  for (guint i = 0; history[i] != NULL; i++)
    {
      g_autofree char *label = history_label (history[i]);
      g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

      g_menu_item_set_action_and_target (item, "win.set-filter", "s", history[i]);
      g_menu_append_item (recent, item);
    }
  if (history[0] == NULL)
    g_menu_append (recent, _("No Recent Queries"), NULL);
  if (gtk_widget_get_visible (self->save_query_button))
    {
      gtk_menu_button_set_menu_model (button, G_MENU_MODEL (recent));
      return;
    }

  menu = g_menu_new ();
  g_menu_append (menu, _("_Save Query…"), "win.save-query");
  g_menu_append (menu, _("_Clear Filters"), "win.clear-filters");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (recent));
  gtk_menu_button_set_menu_model (button, G_MENU_MODEL (menu));
}

static void
save_query_activated (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  LdWindow *self = user_data;
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->filter_entry));

  if (*text != '\0')
    ld_saved_queries_ask_save (GTK_WINDOW (self), self->settings, text);
}

/* The Clear Filters button beside the entry (ld-window.ui). */
static GtkWidget *
clear_filters_button (LdWindow *self)
{
  for (GtkWidget *child = gtk_widget_get_first_child (
         gtk_widget_get_parent (GTK_WIDGET (self->filter_entry)));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_ACTIONABLE (child)
        && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (child)),
                      "win.clear-filters") == 0)
      return child;

  return NULL;
}

/* A narrow window (360 px) has room for one button beside the entry and
 * the level, not three: the history's menu button stays, as the filter's
 * overflow menu, and Save Query and Clear Filters move into it. Up and
 * Down still walk the history there. */
static void
on_filter_row_orientation (LdWindow *self)
{
  gboolean wide = gtk_orientable_get_orientation (GTK_ORIENTABLE (self->filter_row))
                  == GTK_ORIENTATION_HORIZONTAL;
  GtkWidget *clear = clear_filters_button (self);

  gtk_widget_set_visible (self->save_query_button, wide);
  if (clear != NULL)
    gtk_widget_set_visible (clear, wide);
  /* Beside the filter, Find keeps its width and the filter, which holds
   * the longer text, takes the room the row has to spare (sharing it, the
   * filter was 140 px wide at 800 px, now about 240); on a row of its own, Find fills it. */
  gtk_widget_set_hexpand (GTK_WIDGET (self->find_entry), !wide);
  gtk_editable_set_width_chars (GTK_EDITABLE (self->find_entry), 8);
  gtk_editable_set_max_width_chars (GTK_EDITABLE (self->find_entry), wide ? 12 : -1);
  /* Narrow, the button is the filter's overflow menu and looks like one. */
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (self->history_button),
                                 wide ? "document-open-recent-symbolic" : "view-more-symbolic");
  gtk_widget_set_tooltip_text (self->history_button,
                               wide ? _("Recent Queries") : _("More Filter Actions"));
}

/* The history button and Save Query go beside the entry. */
static void
setup_history (LdWindow *self)
{
  GtkWidget *entry = GTK_WIDGET (self->filter_entry);
  GtkWidget *history = gtk_menu_button_new ();
  GtkWidget *save = gtk_button_new_from_icon_name ("bookmark-new-symbolic");
  GtkEventController *keys = gtk_event_controller_key_new ();
  GtkEventController *focus = gtk_event_controller_focus_new ();
  static const GActionEntry actions[] = {
    { "save-query", save_query_activated },
  };

  self->history_index = -1;
  g_action_map_add_action_entries (G_ACTION_MAP (self), actions, G_N_ELEMENTS (actions), self);

  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (history), "document-open-recent-symbolic");
  gtk_widget_set_tooltip_text (history, _("Recent Queries"));
  gtk_menu_button_set_create_popup_func (GTK_MENU_BUTTON (history), create_history_menu, self,
                                         NULL);
  gtk_widget_set_tooltip_text (save, _("Save Query…"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (save), "win.save-query");
  gtk_box_insert_child_after (GTK_BOX (gtk_widget_get_parent (entry)), history, entry);
  gtk_box_insert_child_after (GTK_BOX (gtk_widget_get_parent (entry)), save, history);
  self->history_button = history;
  self->save_query_button = save;
  g_signal_connect_object (self->filter_row, "notify::orientation",
                           G_CALLBACK (on_filter_row_orientation), self, G_CONNECT_SWAPPED);
  on_filter_row_orientation (self);

  /* Before the entry's own keys, which would move the focus on Up/Down. */
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  gtk_event_controller_set_name (keys, "filter-history-keys");
  g_signal_connect_object (keys, "key-pressed", G_CALLBACK (on_filter_key_pressed), self,
                           G_CONNECT_SWAPPED);
  gtk_widget_add_controller (entry, keys);
  g_signal_connect_object (focus, "leave", G_CALLBACK (remember_query), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (entry, focus);
  g_signal_connect_object (entry, "activate", G_CALLBACK (remember_query), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (entry, "changed", G_CALLBACK (on_filter_text_changed), self,
                           G_CONNECT_SWAPPED);
  on_filter_text_changed (self);
}

/* Says which filter came back from last time, if any: a query, a minimum
 * level or hidden levels. A --filter of this run is the user's own and
 * needs no reminder. */
static void
announce_restored_filter (LdWindow   *self,
                          const char *query,
                          int         min_level,
                          gsize       n_hidden)
{
  g_autoptr(GString) text = NULL;

  if (self->initial_filter != NULL || (*query == '\0' && min_level <= 0 && n_hidden == 0))
    return;

  text = g_string_new (_("A filter from last time is on"));
  if (*query != '\0')
    /* Translators: follows "A filter from last time is on"; %s is the query */
    g_string_append_printf (text, _(": %s"), query);
  else if (min_level > 0)
    g_string_append_printf (text, _(": %s and above"), ld_level_canonical_name (min_level));
  else
    g_string_append_printf (text, ngettext (": %u level hidden", ": %u levels hidden",
                                            (guint) n_hidden), (guint) n_hidden);
  ld_window_show_restored_filter (self, text->str);
}

static void
restore_filter (LdWindow *self)
{
  g_autofree char *query = g_settings_get_string (self->settings, "filter-query");
  int min_level = g_settings_get_int (self->settings, "min-level");
  g_autoptr(GVariant) hidden = g_settings_get_value (self->settings, "hidden-levels");
  gsize n;
  const gint32 *levels = g_variant_get_fixed_array (hidden, &n, sizeof (gint32));

  ld_filter_model_set_hidden_levels (self->model, (const int *) levels, n);
  self->n_hidden_levels = n;
  for (guint i = 0; i < G_N_ELEMENTS (min_levels); i++)
    if (min_levels[i] == min_level)
      gtk_drop_down_set_selected (self->min_level_dropdown, i);
  ld_filter_model_set_min_level (self->model, min_level);

  /* --filter wins over the filter kept from last time. */
  if (self->initial_filter != NULL)
    {
      g_free (query);
      query = g_strdup (self->initial_filter);
    }
  gtk_editable_set_text (GTK_EDITABLE (self->filter_entry), query);
  if (*query != '\0')
    gtk_search_bar_set_search_mode (self->filter_bar, TRUE);
  apply_filter (self);
  announce_restored_filter (self, query, min_level, n);
}

static void
on_find_activate (LdWindow       *self,
                  GtkSearchEntry *entry)
{
  find_step (self, TRUE);
}

static void
install_find_keys (LdWindow *self)
{
  GtkEventController *controller = gtk_shortcut_controller_new ();

  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (controller), GTK_SHORTCUT_SCOPE_GLOBAL);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_F3, 0),
                                                          gtk_named_action_new ("win.find-next")));
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_F3, GDK_SHIFT_MASK),
                                                          gtk_named_action_new ("win.find-previous")));
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  g_signal_connect_object (self->find_entry, "activate", G_CALLBACK (on_find_activate), self,
                           G_CONNECT_SWAPPED);

  /* Shift+Enter in the find entry goes back, as Enter goes forward. */
  controller = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Return,
                                                                                  GDK_SHIFT_MASK),
                                                          gtk_named_action_new ("win.find-previous")));
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_KP_Enter,
                                                                                  GDK_SHIFT_MASK),
                                                          gtk_named_action_new ("win.find-previous")));
  gtk_widget_add_controller (GTK_WIDGET (self->find_entry), controller);
  g_signal_connect_object (self->find_entry, "previous-match",
                           G_CALLBACK (find_previous_activated), self, G_CONNECT_SWAPPED);
}

/**
 * ld_window_setup_filter:
 * @self: a window
 *
 * Connects the filter bar, find and the sidebar's picks to the window's
 * filtered model, and restores what the settings kept.
 */
void
ld_window_setup_filter (LdWindow *self)
{
  self->find_matches = g_array_new (FALSE, FALSE, sizeof (guint64));
  self->find_current = G_MAXUINT64;
  g_action_map_add_action_entries (G_ACTION_MAP (self), filter_actions,
                                   G_N_ELEMENTS (filter_actions), self);

  /* Typing anywhere in the window opens the bar and types the filter. */
  gtk_search_bar_set_key_capture_widget (self->filter_bar, GTK_WIDGET (self));
  gtk_search_bar_connect_entry (self->filter_bar, GTK_EDITABLE (self->filter_entry));

  g_signal_connect_object (self->filter_entry, "search-changed", G_CALLBACK (on_filter_changed),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->find_entry, "search-changed", G_CALLBACK (on_find_changed),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->model, "notify::pending", G_CALLBACK (on_filter_pending),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->min_level_dropdown, "notify::selected",
                           G_CALLBACK (on_min_level_selected), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->sidebar, "filter-changed", G_CALLBACK (apply_filter), self,
                           G_CONNECT_SWAPPED);
  install_find_keys (self);
  setup_history (self);

  restore_filter (self);
  ld_window_update_level_toggles (self);
}

/**
 * ld_window_filter_model_changed:
 * @self: a window
 *
 * Keeps Find's matches with the shown records: records added at the end are
 * looked at as they come and evicted ones drop out; a new filter, or
 * records shown among those already looked at, has every match looked for
 * again.
 */
void
ld_window_filter_model_changed (LdWindow *self,
                                guint     position,
                                guint     removed,
                                guint     added)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->model));

  if (self->find_query == NULL)
    return;
  if (self->find_waiting)
    return;

  /* A new filter shows its records newest first, and older ones come in
   * later slices, before what was looked at: those need a new look too. */
  if (self->find_generation != ld_filter_model_get_generation (self->model))
    find_restart (self);
  else if (removed == 0 && position + added == n)
    find_scan_continue (self);
  else if (added == 0)
    {
      find_drop_evicted (self);
      update_find_count (self);
    }
  else
    find_restart (self);
}

void
ld_window_finalize_filter (LdWindow *self)
{
  g_clear_handle_id (&self->find_scan_id, g_source_remove);
  g_clear_pointer (&self->find_query, ld_query_unref);
  g_clear_pointer (&self->find_matches, g_array_unref);
  g_clear_pointer (&self->initial_filter, g_free);
  g_clear_pointer (&self->history_draft, g_free);
}
