// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ld-count-format.h"
#include "ld-count-list.h"
#include "ld-fields-page.h"
#include "ld-logger-tree.h"
#include "ld-saved-queries-page.h"
#include "ld-sender-config.h"
#include "ld-sender-level-dialog.h"
#include "ld-sidebar.h"
#include "ld-sources-panel.h"

/* The sidebar: what to look at (a logger tree whose checks hide subtrees,
 * threads and connections to pick), the fields of the records shown with
 * their top values, the saved queries with their counts, and where records
 * come from (the sources). A logger's context menu (right click, or
 * Shift+F10 and the Menu key on its focused row) sets its level in the
 * sending program, when the user allowed that in Preferences. Picking
 * emits ::filter-changed; the window turns the picks into its filter.
 * Counts refresh once a second, never per record. Its widgets are in
 * ld-sidebar.ui; this file keeps the behaviour. */

/* The logger tree is never squeezed below this many rows when it has them. */
#define MIN_LOGGER_ROWS 6
/* A row's height before one is laid out to measure. */
#define ROW_HEIGHT_GUESS 36

struct _LdSidebar
{
  AdwBin             parent_instance;

  /* Template widgets */
  GtkStack          *stack;
  GtkScrolledWindow *loggers_scroller;
  GtkListView       *loggers_view;
  GtkListView       *threads_view;
  GtkListView       *connections_view;
  LdFieldsPage      *fields_page;
  LdSavedQueriesPage *saved_queries_page;
  LdSourcesPanel    *sources;
  GtkWidget         *logger_menu;   /* a logger's context menu, parented to the sidebar */

  LdLoggerTree      *logger_tree;
  GtkSelectionModel *logger_selection;
  LdCountList       *lists[LD_STORE_N_COUNTED];
  GtkMultiSelection *selections[LD_STORE_N_COUNTED];
  GHashTable        *excluded;      /* logger paths whose subtree is hidden */
  guint              update_id;
  gboolean           store_changed; /* since the last update */

  GSettings         *settings;      /* set with the view */
  LdStore           *store;
};

enum {
  FILTER_CHANGED,
  FILTER_TERM,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LdSidebar, ld_sidebar, ADW_TYPE_BIN)

static GtkWidget *
count_label (void)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_add_css_class (label, "numeric");
  gtk_widget_add_css_class (label, "caption");
  return label;
}

static void
set_count (GtkWidget *label,
           guint      count)
{
  g_autofree char *text = ld_format_count (count);

  gtk_label_set_text (GTK_LABEL (label), text);
}

/* Setting a logger's level in the sending program */

/* The dialog offers at most this many hosts that sent one logger. */
#define MAX_SENDER_HOSTS 16

/* Adds @record's network peer's address to @hosts, once. Only the address
 * the records came from, never a host name a sender wrote into them: the
 * configuration goes where the user saw the records come from, or where
 * the user types. */
static void
add_peer_host (GPtrArray      *hosts,
               const LdRecord *record)
{
  g_autofree char *host = ld_sender_config_host_from_peer (ld_intern_lookup (record->peer));

  if (host == NULL)
    return;
  for (guint i = 0; i < hosts->len; i++)
    if (g_str_equal (g_ptr_array_index (hosts, i), host))
      return;
  g_ptr_array_add (hosts, g_steal_pointer (&host));
}

/* Whether @logger is @path itself or, with @descendants, below it. */
static gboolean
logger_matches (const char *logger,
                const char *path,
                gsize       path_len,
                gboolean    descendants)
{
  if (logger == NULL || strncmp (logger, path, path_len) != 0)
    return FALSE;

  return logger[path_len] == '\0' || (descendants && logger[path_len] == '.');
}

/* The distinct network peers that sent @path's records, newest first: of
 * the logger's own records, or, for a node of the tree that sent none
 * itself, of its descendants'. Records from a file, a pipe or stdin have
 * no peer to talk to and add none, and no host is guessed from other
 * loggers'. The array is %NULL-terminated for the dialog. */
static GPtrArray *
find_sender_hosts (LdSidebar  *self,
                   const char *path)
{
  GPtrArray *hosts = g_ptr_array_new_with_free_func (g_free);
  gsize path_len = strlen (path);
  gboolean found = FALSE;

  for (guint pass = 0; pass < 2 && self->store != NULL && !found; pass++)
    {
      guint32 last_other = LD_INTERN_NONE;

      for (guint i = ld_store_get_n_records (self->store);
           i > 0 && hosts->len < MAX_SENDER_HOSTS; i--)
        {
          const LdRecord *record = ld_store_get_record (self->store, i - 1);

          if (record->logger == last_other
              || !logger_matches (ld_intern_lookup (record->logger), path, path_len, pass > 0))
            {
              last_other = record->logger;
              continue;
            }
          found = TRUE;
          add_peer_host (hosts, record);
        }
    }
  g_ptr_array_add (hosts, NULL);

  return hosts;
}

static void
open_sender_level_dialog (LdSidebar         *self,
                          const char        *path,
                          const char *const *hosts)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog;

  if (self->settings == NULL || !g_settings_get_boolean (self->settings, "sender-config-enabled"))
    return;

  dialog = ld_sender_level_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                       self->settings, path, hosts);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* From the logger tree: the hosts that sent that logger, for the user to
 * pick from when there are several. */
static void
set_sender_level_activated (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *parameter)
{
  LdSidebar *self = LD_SIDEBAR (widget);
  const char *path = g_variant_get_string (parameter, NULL);
  g_autoptr(GPtrArray) hosts = find_sender_hosts (self, path);

  open_sender_level_dialog (self, path, (const char *const *) hosts->pdata);
}

/* From a record's menu: the logger and the host that record came from ("",
 * from a file or a pipe), never another sender of the same logger. */
static void
set_record_sender_level_activated (GtkWidget  *widget,
                                   const char *action_name,
                                   GVariant   *parameter)
{
  const char *path, *host;

  g_variant_get (parameter, "(&s&s)", &path, &host);
  open_sender_level_dialog (LD_SIDEBAR (widget), path,
                            (const char *[]) { *host != '\0' ? host : NULL, NULL });
}

static void
update_sender_level_enabled (LdSidebar *self)
{
  gboolean enabled = self->settings != NULL
                     && g_settings_get_boolean (self->settings, "sender-config-enabled");

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sidebar.set-sender-level", enabled);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sidebar.set-record-sender-level", enabled);
}

/* Opens the menu of the logger whose row holds @box, pointing at (@x, @y)
 * in @box's coordinates. */
static gboolean
popup_logger_menu (LdSidebar *self,
                   GtkWidget *box,
                   double     x,
                   double     y)
{
  const char *path = g_object_get_data (G_OBJECT (gtk_widget_get_first_child (box)), "ld-path");
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenuItem) item = NULL;
  graphene_point_t point;

  if (path == NULL
      || !gtk_widget_compute_point (box, GTK_WIDGET (self), &GRAPHENE_POINT_INIT (x, y), &point))
    return FALSE;

  item = g_menu_item_new (_("Set Level on Sender…"), NULL);
  g_menu_item_set_action_and_target (item, "sidebar.set-sender-level", "s", path);
  g_menu_append_item (menu, item);
  gtk_popover_menu_set_menu_model (GTK_POPOVER_MENU (self->logger_menu), G_MENU_MODEL (menu));
  gtk_popover_set_pointing_to (GTK_POPOVER (self->logger_menu),
                               &(GdkRectangle) { (int) point.x, (int) point.y, 1, 1 });
  gtk_popover_popup (GTK_POPOVER (self->logger_menu));
  return TRUE;
}

static void
on_logger_pressed (GtkGestureClick *gesture,
                   int              n_press,
                   double           x,
                   double           y,
                   LdSidebar       *self)
{
  GtkWidget *box = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));

  if (popup_logger_menu (self, box, x, y))
    gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

/* The row box of the logger tree's row that has the keyboard focus: the
 * list focuses its rows, and a row's check button inside them. */
static GtkWidget *
focused_logger_box (LdSidebar *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *view = GTK_WIDGET (self->loggers_view);
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  if (focus == NULL || !gtk_widget_is_ancestor (focus, view))
    return NULL;

  for (GtkWidget *widget = focus; widget != view; widget = gtk_widget_get_parent (widget))
    {
      GtkWidget *expander = gtk_widget_get_parent (widget) == view
                            ? gtk_widget_get_first_child (widget) : widget;

      if (GTK_IS_TREE_EXPANDER (expander))
        return gtk_tree_expander_get_child (GTK_TREE_EXPANDER (expander));
    }

  return NULL;
}

/* Shift+F10 and the Menu key, as in GTK's own widgets: the focused
 * logger's menu, at the start of its row. Elsewhere in the sidebar the
 * key goes on to whoever else wants it. */
static gboolean
popup_focused_logger_menu (GtkWidget *widget,
                           GVariant  *args,
                           gpointer   user_data)
{
  LdSidebar *self = LD_SIDEBAR (widget);
  GtkWidget *box = focused_logger_box (self);

  return box != NULL
         && popup_logger_menu (self, box, 8, gtk_widget_get_height (box) / 2.0);
}

/* menu.popup, the action GTK's own widgets open their context menu by. */
static void
menu_popup_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  popup_focused_logger_menu (widget, NULL, NULL);
}

/* A right click on a logger opens its menu. */
static void
add_logger_menu_gesture (LdSidebar *self,
                         GtkWidget *box)
{
  GtkGesture *click = gtk_gesture_click_new ();

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_logger_pressed), self);
  gtk_widget_add_controller (box, GTK_EVENT_CONTROLLER (click));
}

/* Fields */

static void
on_filter_term (LdSidebar  *self,
                const char *term)
{
  g_signal_emit (self, signals[FILTER_TERM], 0, term);
}

/* Loggers */

static void
on_logger_check_toggled (GtkCheckButton *check,
                         LdSidebar      *self)
{
  const char *path = g_object_get_data (G_OBJECT (check), "ld-path");

  if (path == NULL)
    return;

  if (gtk_check_button_get_active (check))
    g_hash_table_remove (self->excluded, path);
  else
    g_hash_table_add (self->excluded, g_strdup (path));

  g_signal_emit (self, signals[FILTER_CHANGED], 0);
}

static void
setup_logger_row (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  LdSidebar                *self)
{
  GtkWidget *expander = gtk_tree_expander_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *check = gtk_check_button_new ();
  GtkWidget *name = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (name, TRUE);
  gtk_widget_set_tooltip_text (check, _("Show this logger and its children"));
  g_signal_connect (check, "toggled", G_CALLBACK (on_logger_check_toggled), self);

  gtk_box_append (GTK_BOX (box), check);
  gtk_box_append (GTK_BOX (box), name);
  gtk_box_append (GTK_BOX (box), count_label ());
  add_logger_menu_gesture (self, box);
  gtk_tree_expander_set_child (GTK_TREE_EXPANDER (expander), box);
  gtk_list_item_set_child (item, expander);
  gtk_list_item_set_activatable (item, FALSE);
}

static void
update_logger_count (GtkWidget    *box,
                     GParamSpec   *pspec,
                     LdLoggerNode *node)
{
  set_count (gtk_widget_get_last_child (box), ld_logger_node_get_count (node));
}

static void
bind_logger_row (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 LdSidebar                *self)
{
  GtkTreeListRow *row = gtk_list_item_get_item (item);
  LdLoggerNode *node = gtk_tree_list_row_get_item (row);
  GtkWidget *expander = gtk_list_item_get_child (item);
  GtkWidget *box = gtk_tree_expander_get_child (GTK_TREE_EXPANDER (expander));
  GtkWidget *check = gtk_widget_get_first_child (box);
  GtkWidget *name = gtk_widget_get_next_sibling (check);

  gtk_tree_expander_set_list_row (GTK_TREE_EXPANDER (expander), row);
  /* Set the state before the path, so the toggle is not taken as a click. */
  g_object_set_data (G_OBJECT (check), "ld-path", NULL);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check),
                               !g_hash_table_contains (self->excluded,
                                                       ld_logger_node_get_path (node)));
  g_object_set_data_full (G_OBJECT (check), "ld-path", g_strdup (ld_logger_node_get_path (node)),
                          g_free);
  gtk_label_set_text (GTK_LABEL (name), ld_logger_node_get_name (node));
  gtk_widget_set_tooltip_text (name, ld_logger_node_get_path (node));
  update_logger_count (box, NULL, node);
  g_signal_connect_object (node, "notify::count", G_CALLBACK (update_logger_count), box,
                           G_CONNECT_SWAPPED);
  g_object_unref (node);
}

static void
unbind_logger_row (GtkSignalListItemFactory *factory,
                   GtkListItem              *item,
                   LdSidebar                *self)
{
  GtkTreeListRow *row = gtk_list_item_get_item (item);
  g_autoptr(LdLoggerNode) node = row != NULL ? gtk_tree_list_row_get_item (row) : NULL;
  GtkWidget *expander = gtk_list_item_get_child (item);
  GtkWidget *box = gtk_tree_expander_get_child (GTK_TREE_EXPANDER (expander));

  /* A row whose node went away has nothing left to disconnect. */
  if (node != NULL)
    g_signal_handlers_disconnect_by_func (node, update_logger_count, box);
}

static GListModel *
create_logger_children (gpointer item,
                        gpointer user_data)
{
  GListModel *children = ld_logger_node_get_children (item);

  return children != NULL ? g_object_ref (children) : NULL;
}

/* Threads and connections */

static void
setup_count_row (GtkSignalListItemFactory *factory,
                 GtkListItem              *item)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *name = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (name), 0);
  /* The end of a connection id (a UUID's, a port) tells connections apart. */
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_set_hexpand (name, TRUE);
  gtk_box_append (GTK_BOX (box), name);
  gtk_box_append (GTK_BOX (box), count_label ());
  gtk_list_item_set_child (item, box);
}

static void
update_item_count (GtkWidget   *box,
                   GParamSpec  *pspec,
                   LdCountItem *count_item)
{
  set_count (gtk_widget_get_last_child (box), ld_count_item_get_count (count_item));
}

static void
bind_count_row (GtkSignalListItemFactory *factory,
                GtkListItem              *item)
{
  LdCountItem *count_item = gtk_list_item_get_item (item);
  GtkWidget *box = gtk_list_item_get_child (item);

  gtk_label_set_text (GTK_LABEL (gtk_widget_get_first_child (box)),
                      ld_count_item_get_name (count_item));
  update_item_count (box, NULL, count_item);
  g_signal_connect_object (count_item, "notify::count", G_CALLBACK (update_item_count), box,
                           G_CONNECT_SWAPPED);
}

static void
unbind_count_row (GtkSignalListItemFactory *factory,
                  GtkListItem              *item)
{
  LdCountItem *count_item = gtk_list_item_get_item (item);

  if (count_item != NULL)
    g_signal_handlers_disconnect_by_func (count_item, update_item_count,
                                          gtk_list_item_get_child (item));
}

static void
on_selection_changed (LdSidebar *self)
{
  g_signal_emit (self, signals[FILTER_CHANGED], 0);
}

/* Sizing */

/* The logger tree keeps room for its first rows, so that Threads and
 * Connections, which follow their content up to a share, cannot take it. */
static void
update_logger_min_height (LdSidebar *self)
{
  guint n_rows = self->logger_selection != NULL
                 ? g_list_model_get_n_items (G_LIST_MODEL (self->logger_selection)) : 0;
  GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->loggers_view));
  int row_height = ROW_HEIGHT_GUESS;

  if (row != NULL)
    {
      gtk_widget_measure (row, GTK_ORIENTATION_VERTICAL, -1, NULL, &row_height, NULL, NULL);
      row_height = MAX (row_height, 1);
    }
  gtk_scrolled_window_set_min_content_height (self->loggers_scroller,
                                              MIN (n_rows, MIN_LOGGER_ROWS) * row_height);
}

static void
ld_sidebar_dispose (GObject *object)
{
  LdSidebar *self = LD_SIDEBAR (object);

  g_clear_handle_id (&self->update_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), LD_TYPE_SIDEBAR);
  g_clear_object (&self->logger_tree);
  g_clear_object (&self->logger_selection);
  for (guint i = 0; i < LD_STORE_N_COUNTED; i++)
    {
      g_clear_object (&self->lists[i]);
      g_clear_object (&self->selections[i]);
    }
  g_clear_pointer (&self->excluded, g_hash_table_unref);
  g_clear_pointer (&self->logger_menu, gtk_widget_unparent);
  g_clear_object (&self->settings);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (ld_sidebar_parent_class)->dispose (object);
}

/* The logger menu is a popover of the sidebar's own, which the sidebar must
 * place when it is allocated: so the sidebar lays out its one child itself
 * rather than through AdwBin's layout manager, which would not. */
static void
ld_sidebar_measure (GtkWidget      *widget,
                    GtkOrientation  orientation,
                    int             for_size,
                    int            *minimum,
                    int            *natural,
                    int            *minimum_baseline,
                    int            *natural_baseline)
{
  GtkWidget *child = adw_bin_get_child (ADW_BIN (widget));

  if (child != NULL)
    gtk_widget_measure (child, orientation, for_size, minimum, natural, minimum_baseline,
                        natural_baseline);
}

static void
ld_sidebar_size_allocate (GtkWidget *widget,
                          int        width,
                          int        height,
                          int        baseline)
{
  LdSidebar *self = LD_SIDEBAR (widget);
  GtkWidget *child = adw_bin_get_child (ADW_BIN (widget));

  if (child != NULL)
    gtk_widget_allocate (child, width, height, baseline, NULL);
  if (self->logger_menu != NULL)
    gtk_popover_present (GTK_POPOVER (self->logger_menu));
}

static void
ld_sidebar_class_init (LdSidebarClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = ld_sidebar_dispose;
  widget_class->measure = ld_sidebar_measure;
  widget_class->size_allocate = ld_sidebar_size_allocate;
  gtk_widget_class_set_css_name (widget_class, "ldsidebar");

  g_type_ensure (LD_TYPE_SOURCES_PANEL);
  g_type_ensure (LD_TYPE_FIELDS_PAGE);
  g_type_ensure (LD_TYPE_SAVED_QUERIES_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/logdeck/Logdeck/ld-sidebar.ui");
  gtk_widget_class_bind_template_child (widget_class, LdSidebar, stack);
  gtk_widget_class_bind_template_child (widget_class, LdSidebar, loggers_scroller);
  gtk_widget_class_bind_template_child (widget_class, LdSidebar, loggers_view);
  gtk_widget_class_bind_template_child (widget_class, LdSidebar, threads_view);
  gtk_widget_class_bind_template_child (widget_class, LdSidebar, connections_view);
  gtk_widget_class_bind_template_child (widget_class, LdSidebar, fields_page);
  gtk_widget_class_bind_template_child (widget_class, LdSidebar, saved_queries_page);
  gtk_widget_class_bind_template_child (widget_class, LdSidebar, sources);
  gtk_widget_class_bind_template_callback (widget_class, setup_logger_row);
  gtk_widget_class_bind_template_callback (widget_class, bind_logger_row);
  gtk_widget_class_bind_template_callback (widget_class, unbind_logger_row);
  gtk_widget_class_bind_template_callback (widget_class, setup_count_row);
  gtk_widget_class_bind_template_callback (widget_class, bind_count_row);
  gtk_widget_class_bind_template_callback (widget_class, unbind_count_row);
  gtk_widget_class_bind_template_callback (widget_class, on_filter_term);
  gtk_widget_class_install_action (widget_class, "sidebar.set-sender-level", "s",
                                   set_sender_level_activated);
  gtk_widget_class_install_action (widget_class, "sidebar.set-record-sender-level", "(ss)",
                                   set_record_sender_level_activated);
  gtk_widget_class_install_action (widget_class, "menu.popup", NULL, menu_popup_activated);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_F10, GDK_SHIFT_MASK,
                                popup_focused_logger_menu, NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Menu, 0, popup_focused_logger_menu, NULL);

  /**
   * LdSidebar::filter-changed:
   *
   * The logger checks or the picked threads or connections changed.
   */
  signals[FILTER_CHANGED] = g_signal_new ("filter-changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 0);

  /**
   * LdSidebar::filter-term:
   * @self: the sidebar
   * @term: a query term, key="value" or -key="value"
   *
   * The user asked to filter to a field's value, or to exclude it: the
   * window adds @term to its filter.
   */
  signals[FILTER_TERM] = g_signal_new ("filter-term", G_TYPE_FROM_CLASS (klass),
                                       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                       G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
ld_sidebar_init (LdSidebar *self)
{
  self->excluded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_widget_set_layout_manager (GTK_WIDGET (self), NULL);
  self->logger_menu = gtk_popover_menu_new_from_model (NULL);
  gtk_popover_set_has_arrow (GTK_POPOVER (self->logger_menu), FALSE);
  gtk_widget_set_halign (self->logger_menu, GTK_ALIGN_START);
  gtk_widget_set_parent (self->logger_menu, GTK_WIDGET (self));
  update_sender_level_enabled (self);
}

/* Once a second while records arrive, or go; a second without a change
 * stops the timer, and the next change starts it again, so that an idle
 * window does not wake up (issue #13). */
static gboolean
update_periodically (gpointer data)
{
  LdSidebar *self = data;

  if (!self->store_changed)
    {
      self->update_id = 0;
      return G_SOURCE_REMOVE;
    }

  self->store_changed = FALSE;
  ld_sidebar_update (self);
  return G_SOURCE_CONTINUE;
}

static void
on_store_changed (LdSidebar *self)
{
  self->store_changed = TRUE;
  if (self->update_id == 0)
    self->update_id = g_timeout_add_seconds (1, update_periodically, self);
}

static void
attach_count_list (LdSidebar      *self,
                   LdStore        *store,
                   LdStoreCounted  field,
                   GtkListView    *view)
{
  self->lists[field] = ld_count_list_new (store, field);
  self->selections[field] =
    gtk_multi_selection_new (g_object_ref (G_LIST_MODEL (self->lists[field])));
  g_signal_connect_swapped (self->selections[field], "selection-changed",
                            G_CALLBACK (on_selection_changed), self);
  gtk_list_view_set_model (view, GTK_SELECTION_MODEL (self->selections[field]));
}

/**
 * ld_sidebar_set_sources:
 * @self: a sidebar
 * @store: the records whose loggers, threads and connections to list
 * @registry: the endpoints and connections
 */
void
ld_sidebar_set_sources (LdSidebar            *self,
                        LdStore              *store,
                        LdConnectionRegistry *registry)
{
  GtkTreeListModel *tree;

  g_return_if_fail (LD_IS_SIDEBAR (self));
  g_return_if_fail (self->logger_tree == NULL);

  self->logger_tree = ld_logger_tree_new (store);
  tree = gtk_tree_list_model_new (g_object_ref (ld_logger_tree_get_roots (self->logger_tree)),
                                  FALSE, FALSE, create_logger_children, NULL, NULL);
  self->logger_selection = GTK_SELECTION_MODEL (gtk_no_selection_new (G_LIST_MODEL (tree)));
  gtk_list_view_set_model (self->loggers_view, self->logger_selection);
  g_signal_connect_object (self->logger_selection, "items-changed",
                           G_CALLBACK (update_logger_min_height), self, G_CONNECT_SWAPPED);
  attach_count_list (self, store, LD_STORE_COUNT_THREAD, self->threads_view);
  attach_count_list (self, store, LD_STORE_COUNT_CONNECTION, self->connections_view);
  ld_sources_panel_set_registry (self->sources, registry);

  g_signal_connect_object (store, "items-changed", G_CALLBACK (on_store_changed), self,
                           G_CONNECT_SWAPPED);
  on_store_changed (self);
}

/**
 * ld_sidebar_set_view:
 * @self: a sidebar
 * @shown: the records the window shows, for the Fields section
 * @settings: the application's settings
 *
 * Gives the sidebar what its Fields and Saved Queries sections and "Set
 * level on sender…" need.
 */
void
ld_sidebar_set_view (LdSidebar     *self,
                     LdFilterModel *shown,
                     GSettings     *settings)
{
  g_return_if_fail (LD_IS_SIDEBAR (self));
  g_return_if_fail (LD_IS_FILTER_MODEL (shown));
  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (self->settings == NULL);

  self->settings = g_object_ref (settings);
  self->store = g_object_ref (ld_filter_model_get_store (shown));
  g_signal_connect_object (settings, "changed::sender-config-enabled",
                           G_CALLBACK (update_sender_level_enabled), self, G_CONNECT_SWAPPED);
  update_sender_level_enabled (self);
  ld_fields_page_set_model (self->fields_page, shown);
  ld_saved_queries_page_set_store (self->saved_queries_page, self->store, settings);
}

/**
 * ld_sidebar_update:
 * @self: a sidebar
 *
 * Brings the lists and counts up to date with the store now.
 */
void
ld_sidebar_update (LdSidebar *self)
{
  g_return_if_fail (LD_IS_SIDEBAR (self));

  if (self->logger_tree == NULL)
    return;

  ld_logger_tree_update (self->logger_tree);
  update_logger_min_height (self);
  ld_count_list_update (self->lists[LD_STORE_COUNT_THREAD]);
  ld_count_list_update (self->lists[LD_STORE_COUNT_CONNECTION]);
}

/**
 * ld_sidebar_set_logger_excluded:
 * @self: a sidebar
 * @path: a logger's name
 * @excluded: whether its subtree is hidden
 *
 * Does what unchecking or checking the logger in the tree does.
 */
void
ld_sidebar_set_logger_excluded (LdSidebar  *self,
                                const char *path,
                                gboolean    excluded)
{
  g_return_if_fail (LD_IS_SIDEBAR (self));

  if (excluded)
    g_hash_table_add (self->excluded, g_strdup (path));
  else
    g_hash_table_remove (self->excluded, path);

  gtk_list_view_set_model (self->loggers_view, NULL);
  gtk_list_view_set_model (self->loggers_view, self->logger_selection);
  g_signal_emit (self, signals[FILTER_CHANGED], 0);
}

/**
 * ld_sidebar_dup_excluded_loggers:
 * @self: a sidebar
 *
 * Returns: (transfer full): the loggers whose subtrees are unchecked
 */
GStrv
ld_sidebar_dup_excluded_loggers (LdSidebar *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GHashTableIter iter;
  const char *path;

  g_return_val_if_fail (LD_IS_SIDEBAR (self), NULL);

  g_hash_table_iter_init (&iter, self->excluded);
  while (g_hash_table_iter_next (&iter, (gpointer *) &path, NULL))
    g_strv_builder_add (builder, path);

  return g_strv_builder_end (builder);
}

/**
 * ld_sidebar_dup_selected:
 * @self: a sidebar
 * @field: %LD_STORE_COUNT_THREAD or %LD_STORE_COUNT_CONNECTION
 *
 * Returns: (transfer full): the picked values, empty when none is picked
 */
GStrv
ld_sidebar_dup_selected (LdSidebar      *self,
                         LdStoreCounted  field)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GtkBitset) selected = NULL;
  GtkBitsetIter iter;
  guint position;

  g_return_val_if_fail (LD_IS_SIDEBAR (self), NULL);

  if (self->selections[field] == NULL)
    return g_strv_builder_end (builder);

  selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selections[field]));
  for (gboolean ok = gtk_bitset_iter_init_first (&iter, selected, &position); ok;
       ok = gtk_bitset_iter_next (&iter, &position))
    {
      g_autoptr(LdCountItem) item = g_list_model_get_item (G_LIST_MODEL (self->lists[field]),
                                                           position);
      g_strv_builder_add (builder, ld_count_item_get_name (item));
    }

  return g_strv_builder_end (builder);
}

/**
 * ld_sidebar_reset:
 * @self: a sidebar
 *
 * Checks every logger and unpicks every thread and connection.
 */
void
ld_sidebar_reset (LdSidebar *self)
{
  g_return_if_fail (LD_IS_SIDEBAR (self));

  g_hash_table_remove_all (self->excluded);
  for (guint i = 0; i < LD_STORE_N_COUNTED; i++)
    if (self->selections[i] != NULL)
      gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (self->selections[i]));

  /* Bind the logger rows again so their checks show the reset. */
  gtk_list_view_set_model (self->loggers_view, NULL);
  gtk_list_view_set_model (self->loggers_view, self->logger_selection);
  g_signal_emit (self, signals[FILTER_CHANGED], 0);
}
