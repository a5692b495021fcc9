// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <glib/gi18n.h>

#include "ld-export-dialog.h"
#include "ld-field-stats.h"
#include "ld-intern.h"
#include "ld-level.h"
#include "ld-marks.h"
#include "ld-query.h"
#include "ld-row.h"
#include "ld-sender-config.h"
#include "ld-sidebar.h"
#include "ld-window-private.h"

/* Marks and the table cells' context menus.
 *
 * Marks are kept with the store (ld_marks_for_store()), by sequence number,
 * so that a filter change or the eviction of other records leaves them be;
 * Ctrl+M or a click in the gutter toggles the selected record's, F2 and
 * Shift+F2 go to the next and previous one shown, `is:marked` filters to
 * them and Export Marked Records writes them. Each change goes to the
 * session's archive writer, when there is one, which writes it on its own
 * thread.
 *
 * A cell's menu (right click, the Menu key or Shift+F10) offers what the
 * sidebar's field statistics offer for a value, as the same query text a
 * user could type, and Copy; the record's own items follow. */

/* The selected record's sequence number. The selection's positions are
 * the table's, which folded runs make differ from the filter model's: the
 * seq comes from the item itself (a folded run's is its first record's). */
static gboolean
selected_seq (LdWindow *self,
              guint64  *seq)
{
  LdRow *row = gtk_single_selection_get_selected_item (self->selection);

  if (row == NULL)
    return FALSE;

  *seq = ld_row_get_seq (row);
  return TRUE;
}

static void
toggle_mark_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  LdWindow *self = user_data;
  guint64 seq;

  if (selected_seq (self, &seq))
    ld_marks_toggle (self->marks, seq);
}

/* Selects the record at @filter_position and scrolls the table to it, as a
 * notification's Show does: a folded run it is in opens, so that the row
 * selected is the record's own. */
static void
select_record (LdWindow *self,
               guint     filter_position)
{
  guint position = ld_window_reveal_record (self, filter_position);

  gtk_single_selection_set_selected (self->selection, position);
  gtk_widget_activate_action (ld_window_get_list_view (self), "list.scroll-to-item", "u",
                              position);
}

/* The next (or previous) mark that the table shows: marks the filter hides
 * or the store evicted are passed over. */
static void
go_to_mark (LdWindow *self,
            gboolean  forward)
{
  guint64 seq, mark = 0;
  gboolean found;

  if (selected_seq (self, &seq))
    found = forward ? ld_marks_next (self->marks, seq, &mark)
                    : ld_marks_previous (self->marks, seq, &mark);
  else if (forward)
    {
      /* Nothing selected: from the first mark, or from the last one back. */
      guint n;
      const guint64 *seqs = ld_marks_get_seqs (self->marks, &n);

      found = n > 0;
      mark = n > 0 ? seqs[0] : 0;
    }
  else
    found = ld_marks_previous (self->marks, G_MAXUINT64, &mark);

  ld_filter_model_flush (self->model);
  while (found)
    {
      int position = ld_filter_model_find_seq (self->model, mark);

      if (position >= 0)
        {
          select_record (self, (guint) position);
          return;
        }
      found = forward ? ld_marks_next (self->marks, mark, &mark)
                      : ld_marks_previous (self->marks, mark, &mark);
    }

  gtk_widget_error_bell (GTK_WIDGET (self));
}

static void
next_mark_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  go_to_mark (LD_WINDOW (user_data), TRUE);
}

static void
previous_mark_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  go_to_mark (LD_WINDOW (user_data), FALSE);
}

static void
export_marked_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  LdWindow *self = user_data;
  GtkWidget *dialog = ld_export_dialog_new (GTK_WINDOW (self), self->model);

  ld_export_dialog_set_marks (LD_EXPORT_DIALOG (dialog), self->marks);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
copy_text_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (user_data)),
                          g_variant_get_string (parameter, NULL));
}

/* A cell's or a detail-pane field's Filter to or Exclude This Value: the
 * term joins the query in the filter bar, in place of its opposite, as the
 * sidebar's Fields buttons do. */
static void
filter_term_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  LdWindow *self = user_data;
  g_autofree char *query = ld_window_filter_text_with (self,
                                                       g_variant_get_string (parameter, NULL));

  gtk_widget_activate_action (GTK_WIDGET (self), "win.set-filter", "s", query);
}

/* The record menu's "Set Level on Sender…" is the sidebar's, given the
 * record's logger and the host it came from ("" for none). */
static void
set_sender_level_activated (GSimpleAction *action,
                            GVariant      *parameter,
                            gpointer       user_data)
{
  LdWindow *self = user_data;

  gtk_widget_activate_action_variant (GTK_WIDGET (self->sidebar),
                                      "sidebar.set-record-sender-level", parameter);
}

static const GActionEntry mark_actions[] = {
  { "toggle-mark", toggle_mark_activated },
  { "next-mark", next_mark_activated },
  { "previous-mark", previous_mark_activated },
  { "export-marked", export_marked_activated },
  { "copy-text", copy_text_activated, "s" },
  { "filter-term", filter_term_activated, "s" },
  { "set-sender-level", set_sender_level_activated, "(ss)" },
};

static void
set_action_enabled (LdWindow   *self,
                    const char *name,
                    gboolean    enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), name);

  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

static void
update_sender_level_enabled (LdWindow *self)
{
  set_action_enabled (self, "set-sender-level",
                      g_settings_get_boolean (self->settings, "sender-config-enabled"));
}

/* A query with is:marked gives other verdicts once the marks change: the
 * record whose mark changed is tested again, or, for a change of many
 * (@seq G_MAXUINT64), every record. Other queries are left alone, so
 * marking costs nothing. */
static void
refilter_if_marked (LdWindow *self,
                    guint64   seq)
{
  g_autoptr(LdQuery) query = NULL;

  if (ld_filter_model_get_query (self->model) == NULL
      || !ld_query_uses_marks (ld_filter_model_get_query (self->model)))
    return;
  if (seq != G_MAXUINT64)
    {
      ld_filter_model_retest (self->model, seq);
      return;
    }

  query = ld_query_ref (ld_filter_model_get_query (self->model));
  ld_filter_model_set_query (self->model, NULL);
  ld_filter_model_set_query (self->model, query);
}

static void
on_marks_changed (LdWindow *self,
                  guint64   seq,
                  LdMarks  *marks)
{
  LdArchiveWriter *writer = ld_session_get_archive_writer (self->session);

  if (writer != NULL && seq != G_MAXUINT64)
    ld_archive_writer_set_mark (writer, seq, ld_marks_contains (marks, seq));
  set_action_enabled (self, "export-marked", ld_marks_get_n_marks (marks) > 0);
  ld_window_refresh_marks (self);
  refilter_if_marked (self, seq);
}

/**
 * ld_window_marks_attach_query:
 * @self: a window
 * @query: the filter's newly compiled query
 *
 * Lets @query's `is:marked` ask the window's marks.
 */
void
ld_window_marks_attach_query (LdWindow *self,
                              LdQuery  *query)
{
  if (ld_query_uses_marks (query))
    ld_query_set_mark_func (query, ld_marks_record_marked, self->marks);
}

/* Cell menus. */

/* The column's value for the record, as text, and the query term that
 * names it (NULL where the query language has none, as for times). */
static char *
cell_value (const LdRecord  *record,
            const char      *column_id,
            LdStatsField    *field)
{
  gsize length;
  const char *message;

  *field = LD_STATS_FIELD_NONE;
  if (g_str_equal (column_id, "level"))
    {
      const char *name = ld_level_canonical_name (record->level);

      *field = LD_STATS_FIELD_LEVEL;
      return name != NULL ? g_strdup (name) : g_strdup_printf ("%d", record->level);
    }
  if (g_str_equal (column_id, "message"))
    {
      message = ld_record_get_message (record, &length);
      return g_strndup (message, length);
    }
  if (g_str_equal (column_id, "logger"))
    *field = LD_STATS_FIELD_LOGGER;
  else if (g_str_equal (column_id, "thread"))
    *field = LD_STATS_FIELD_THREAD;
  else if (g_str_equal (column_id, "connection"))
    *field = record->connection != LD_INTERN_NONE ? LD_STATS_FIELD_CONNECTION
                                                  : LD_STATS_FIELD_PROTOCOL;
  else if (g_str_equal (column_id, "host"))
    *field = LD_STATS_FIELD_HOST;
  else if (g_str_equal (column_id, "service"))
    *field = LD_STATS_FIELD_SERVICE;
  else
    return NULL;

  {
    guint32 id = *field == LD_STATS_FIELD_LOGGER ? record->logger
               : *field == LD_STATS_FIELD_THREAD ? record->thread
               : *field == LD_STATS_FIELD_CONNECTION ? record->connection
               : *field == LD_STATS_FIELD_PROTOCOL ? record->protocol
               : *field == LD_STATS_FIELD_HOST ? record->host : record->service;
    const char *text = ld_intern_lookup (id);

    return text != NULL && *text != '\0' ? g_strdup (text) : NULL;
  }
}

/**
 * ld_window_cell_term:
 * @record: a record
 * @column_id: a column's id
 * @exclude: whether the term is to hide the value rather than keep it
 *
 * Returns: (transfer full) (nullable): the query term for the cell's value,
 *   as a user would type it, or %NULL for a cell that has no value to filter by
 */
char *
ld_window_cell_term (const LdRecord *record,
                     const char     *column_id,
                     gboolean        exclude)
{
  LdStatsField field;
  g_autofree char *value = cell_value (record, column_id, &field);
  g_autoptr(GString) term = NULL;

  if (value == NULL)
    return NULL;
  if (field != LD_STATS_FIELD_NONE)
    return ld_field_stats_term (field, NULL, value, exclude);

  /* The Message column: the whole text, as message= takes it. */
  term = g_string_new (exclude ? "-message=" : "message=");
  ld_query_append_value (term, value);
  return g_string_free (g_steal_pointer (&term), FALSE);
}

/**
 * ld_window_filter_text_with:
 * @self: a window
 * @term: a term from ld_window_cell_term() or ld_field_stats_term()
 *
 * Returns: (transfer full): the filter bar's query with @term in it, in
 *   place of its opposite
 */
char *
ld_window_filter_text_with (LdWindow   *self,
                            const char *term)
{
  return ld_field_stats_query_with_term (gtk_editable_get_text (GTK_EDITABLE (self->filter_entry)),
                                         term);
}

static void
append_filter_items (GMenu          *menu,
                     const LdRecord *record,
                     const char     *column_id)
{
  LdStatsField field;
  g_autofree char *value = cell_value (record, column_id, &field);
  g_autofree char *keep = ld_window_cell_term (record, column_id, FALSE);
  g_autofree char *hide = ld_window_cell_term (record, column_id, TRUE);

  if (keep != NULL && hide != NULL)
    {
      g_autoptr(GMenuItem) filter = g_menu_item_new (_("_Filter to This Value"), NULL);
      g_autoptr(GMenuItem) exclude = g_menu_item_new (_("_Exclude This Value"), NULL);

      g_menu_item_set_action_and_target (filter, "win.filter-term", "s", keep);
      g_menu_item_set_action_and_target (exclude, "win.filter-term", "s", hide);
      g_menu_append_item (menu, filter);
      g_menu_append_item (menu, exclude);
    }
  if (value != NULL)
    {
      g_autoptr(GMenuItem) copy = g_menu_item_new (_("_Copy"), NULL);

      g_menu_item_set_action_and_target (copy, "win.copy-text", "s", value);
      g_menu_append_item (menu, copy);
    }
}

static GMenuModel *
build_cell_menu (LdWindow       *self,
                 const LdRecord *record,
                 guint64         seq,
                 const char     *column_id)
{
  GMenu *menu = g_menu_new ();
  g_autoptr(GMenu) cell = g_menu_new ();
  g_autoptr(GMenu) row = g_menu_new ();
  const char *logger = ld_intern_lookup (record->logger);

  append_filter_items (cell, record, column_id);
  g_menu_append (row, ld_marks_contains (self->marks, seq) ? _("Un_mark") : _("_Mark"),
                 "win.toggle-mark");
  if (logger != NULL && *logger != '\0')
    {
      g_autoptr(GMenuItem) level = g_menu_item_new (_("Set _Level on Sender…"), NULL);
      /* This record's own sender, not the newest of its logger's: another
       * program, or none at all for a file's records, may share the name. */
      g_autofree char *host = ld_sender_config_host_from_peer (ld_intern_lookup (record->peer));

      g_menu_item_set_action_and_target (level, "win.set-sender-level", "(ss)", logger,
                                         host != NULL ? host : "");
      g_menu_append_item (row, level);
    }
  g_menu_append_section (menu, NULL, G_MENU_MODEL (cell));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (row));

  return G_MENU_MODEL (menu);
}

static GtkWidget *
cell_menu_popover (LdWindow *self)
{
  GtkWidget *popover = g_object_get_data (G_OBJECT (self->column_view), "ld-cell-menu");

  if (popover != NULL)
    return popover;

  popover = gtk_popover_menu_new_from_model (NULL);
  gtk_popover_set_has_arrow (GTK_POPOVER (popover), FALSE);
  gtk_widget_set_halign (popover, GTK_ALIGN_START);
  gtk_widget_set_parent (popover, GTK_WIDGET (self->column_view));
  g_object_set_data (G_OBJECT (self->column_view), "ld-cell-menu", popover);
  return popover;
}

/* Opens the menu of the cell at @position in @column_id, at (@x, @y) in
 * the table's coordinates; the row is selected first, as a file manager does. */
static gboolean
popup_cell_menu (LdWindow   *self,
                 guint       position,
                 const char *column_id,
                 double      x,
                 double      y)
{
  g_autoptr(LdRow) row = NULL;
  g_autoptr(GMenuModel) menu = NULL;
  GtkWidget *popover;
  GdkRectangle rect = { (int) x, (int) y, 1, 1 };

  /* @position is the table's, as the selection's is: the row is what the
   * table shows there (a folded run's first record). */
  row = g_list_model_get_item (G_LIST_MODEL (self->selection), position);
  if (row == NULL || ld_row_get_record (row) == NULL)
    return FALSE;

  gtk_single_selection_set_selected (self->selection, position);
  menu = build_cell_menu (self, ld_row_get_record (row), ld_row_get_seq (row), column_id);
  popover = cell_menu_popover (self);
  gtk_popover_menu_set_menu_model (GTK_POPOVER_MENU (popover), menu);
  gtk_popover_set_pointing_to (GTK_POPOVER (popover), &rect);
  gtk_popover_popup (GTK_POPOVER (popover));
  return TRUE;
}

static void
on_table_pressed (GtkGestureClick *gesture,
                  int              n_press,
                  double           x,
                  double           y,
                  LdWindow        *self)
{
  GtkWidget *view = GTK_WIDGET (self->column_view);
  GtkWidget *picked = gtk_widget_pick (view, x, y, GTK_PICK_DEFAULT);
  guint position;
  const char *column_id;

  if (ld_window_cell_at (self, picked, &position, &column_id)
      && popup_cell_menu (self, position, column_id, x, y))
    gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

/* The Menu key and Shift+F10: the focused cell's menu, or, as the table
 * focuses whole rows, the selected row's Message cell's, by the focus. */
static gboolean
on_menu_key (GtkWidget *widget,
             GVariant  *args,
             gpointer   user_data)
{
  LdWindow *self = LD_WINDOW (user_data);
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));
  guint position = gtk_single_selection_get_selected (self->selection);
  const char *column_id = "message";
  graphene_point_t point = GRAPHENE_POINT_INIT (8, 8);

  if (focus != NULL && !ld_window_cell_at (self, focus, &position, &column_id))
    position = gtk_single_selection_get_selected (self->selection);
  if (position == GTK_INVALID_LIST_POSITION)
    return FALSE;
  if (focus != NULL
      && !gtk_widget_compute_point (focus, GTK_WIDGET (self->column_view),
                                    &GRAPHENE_POINT_INIT (8, 8), &point))
    point = GRAPHENE_POINT_INIT (8, 8);

  return popup_cell_menu (self, position, column_id, point.x, point.y);
}

static void
setup_cell_menus (LdWindow *self)
{
  GtkGesture *click = gtk_gesture_click_new ();
  GtkEventController *keys = gtk_shortcut_controller_new ();
  GtkShortcutAction *action = gtk_callback_action_new (on_menu_key, self, NULL);

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect_object (click, "pressed", G_CALLBACK (on_table_pressed), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (self->column_view), GTK_EVENT_CONTROLLER (click));

  gtk_shortcut_controller_add_shortcut (
    GTK_SHORTCUT_CONTROLLER (keys),
    gtk_shortcut_new (gtk_alternative_trigger_new (gtk_keyval_trigger_new (GDK_KEY_Menu, 0),
                                                   gtk_keyval_trigger_new (GDK_KEY_F10,
                                                                           GDK_SHIFT_MASK)),
                      action));
  gtk_widget_add_controller (GTK_WIDGET (self->column_view), keys);
}

/**
 * ld_window_setup_marks:
 * @self: a window whose model is set
 *
 * Takes the marks of the session's store and installs the actions on them
 * and the cells' context menus.
 */
void
ld_window_setup_marks (LdWindow *self)
{
  self->marks = g_object_ref (ld_marks_for_store (ld_filter_model_get_store (self->model)));
  g_action_map_add_action_entries (G_ACTION_MAP (self), mark_actions,
                                   G_N_ELEMENTS (mark_actions), self);
  g_signal_connect_object (self->marks, "changed", G_CALLBACK (on_marks_changed), self,
                           G_CONNECT_SWAPPED);
  set_action_enabled (self, "export-marked", ld_marks_get_n_marks (self->marks) > 0);
  g_signal_connect_object (self->settings, "changed::sender-config-enabled",
                           G_CALLBACK (update_sender_level_enabled), self, G_CONNECT_SWAPPED);
  update_sender_level_enabled (self);
  setup_cell_menus (self);
}

/**
 * ld_window_dispose_marks:
 * @self: a window being disposed
 */
void
ld_window_dispose_marks (LdWindow *self)
{
  GtkWidget *popover = NULL;

  if (self->column_view != NULL)
    popover = g_object_steal_data (G_OBJECT (self->column_view), "ld-cell-menu");
  if (popover != NULL)
    gtk_widget_unparent (popover);
  if (self->marks != NULL)
    g_signal_handlers_disconnect_by_data (self->marks, self);
  g_clear_object (&self->marks);
}
