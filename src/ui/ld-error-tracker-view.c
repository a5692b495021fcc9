// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <glib/gi18n.h>

#include "ld-count-format.h"
#include "ld-error-tracker-view.h"
#include "ld-level.h"

/* The error tracker: one row per group of ERROR and above, with how often
 * it happened, when first and last, which loggers and connections were
 * involved, and a sparkline of the last hour. Activating a row emits
 * ::group-activated, for the window to filter the table to its records. */

#define SPARK_WIDTH  90
#define SPARK_HEIGHT 28

/* The sparkline: one bar per minute of the last hour, drawn straight from
 * the group's counters. */

#define LD_TYPE_ERROR_SPARKLINE (ld_error_sparkline_get_type ())
G_DECLARE_FINAL_TYPE (LdErrorSparkline, ld_error_sparkline, LD, ERROR_SPARKLINE, GtkWidget)

struct _LdErrorSparkline
{
  GtkWidget     parent_instance;
  LdErrorGroup *group;
};

G_DEFINE_FINAL_TYPE (LdErrorSparkline, ld_error_sparkline, GTK_TYPE_WIDGET)

struct _LdErrorTrackerView
{
  AdwBin              parent_instance;

  /* Template widgets */
  GtkCustomSorter    *sorter;
  GtkSortListModel   *sorted;
  GtkListView        *list_view;
  GtkStack           *stack;
  GtkLabel           *summary;
  GtkDropDown        *sort_dropdown;

  LdErrorGroups      *groups;
  gulong              groups_changed_id;
  GPtrArray          *sparklines;     /* those of bound rows, borrowed */
  guint               clock_id;
  guint               resort_id;
  gboolean            sort_by_count;
};

enum {
  PROP_0,
  PROP_GROUPS,
  PROP_SORT_BY_COUNT,
  N_PROPS
};

enum {
  GROUP_ACTIVATED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LdErrorTrackerView, ld_error_tracker_view, ADW_TYPE_BIN)

static void
get_level_color (int      level,
                 GdkRGBA *color)
{
  gboolean dark = adw_style_manager_get_dark (adw_style_manager_get_default ());

  if (level >= LD_LEVEL_CRITICAL)
    gdk_rgba_parse (color, dark ? "#9141ac" : "#813d9c");
  else
    gdk_rgba_parse (color, dark ? "#ff7b63" : "#c01c28");
}

static void
ld_error_sparkline_snapshot (GtkWidget   *widget,
                             GtkSnapshot *snapshot)
{
  LdErrorSparkline *self = LD_ERROR_SPARKLINE (widget);
  guint32 counts[LD_ERROR_GROUP_SERIES_MINUTES];
  double width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  double bar = width / LD_ERROR_GROUP_SERIES_MINUTES;
  guint32 max;
  GdkRGBA color, base;

  if (self->group == NULL)
    return;

  max = ld_error_group_get_series (self->group, g_get_real_time (), counts);
  get_level_color (ld_error_group_get_max_level (self->group), &color);
  base = color;
  base.alpha = 0.25f;
  gtk_snapshot_append_color (snapshot, &base, &GRAPHENE_RECT_INIT (0, height - 1, width, 1));

  for (guint i = 0; max > 0 && i < LD_ERROR_GROUP_SERIES_MINUTES; i++)
    if (counts[i] > 0)
      {
        double h = MAX (2, (height - 1) * counts[i] / max);

        gtk_snapshot_append_color (snapshot, &color,
                                   &GRAPHENE_RECT_INIT (i * bar, height - 1 - h,
                                                        MAX (1, bar - 0.5), h));
      }
}

static void
ld_error_sparkline_dispose (GObject *object)
{
  g_clear_object (&LD_ERROR_SPARKLINE (object)->group);

  G_OBJECT_CLASS (ld_error_sparkline_parent_class)->dispose (object);
}

static void
ld_error_sparkline_class_init (LdErrorSparklineClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ld_error_sparkline_dispose;
  GTK_WIDGET_CLASS (klass)->snapshot = ld_error_sparkline_snapshot;
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "sparkline");
}

static void
ld_error_sparkline_init (LdErrorSparkline *self)
{
  gtk_widget_set_size_request (GTK_WIDGET (self), SPARK_WIDTH, SPARK_HEIGHT);
  gtk_widget_set_valign (GTK_WIDGET (self), GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), _("Records per minute, last hour"));
}

/* Rows */

typedef struct
{
  GtkWidget *count;
  GtkWidget *title;
  GtkWidget *sample;
  GtkWidget *details;
  GtkWidget *sparkline;
} RowWidgets;

static char *
format_time (gint64 time_us)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (time_us / G_USEC_PER_SEC);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  if (time == NULL)
    return g_strdup ("?");

  if (g_date_time_get_year (time) == g_date_time_get_year (now)
      && g_date_time_get_day_of_year (time) == g_date_time_get_day_of_year (now))
    return g_date_time_format (time, "%H:%M:%S");

  return g_date_time_format (time, "%Y-%m-%d %H:%M");
}

static void
append_ids (GString       *text,
            const guint32 *ids,
            guint          n_ids,
            gboolean       more)
{
  for (guint i = 0; i < n_ids; i++)
    g_string_append_printf (text, "%s%s", i > 0 ? ", " : "", ld_intern_lookup (ids[i]));
  if (more)
    /* Translators: after a list of loggers or connections that goes on */
    g_string_append (text, _(", and others"));
}

static char *
format_details (LdErrorGroup *group)
{
  g_autofree char *first = format_time (ld_error_group_get_first_seen (group));
  g_autofree char *last = format_time (ld_error_group_get_last_seen (group));
  GString *text = g_string_new (NULL);
  const guint32 *ids;
  guint n_ids;
  gboolean more;

  /* Translators: when an error was first and last seen, as times */
  g_string_append_printf (text, _("First %s · last %s"), first, last);
  ids = ld_error_group_get_loggers (group, &n_ids, &more);
  if (n_ids > 0)
    g_string_append (text, " · ");
  append_ids (text, ids, n_ids, more);
  ids = ld_error_group_get_connections (group, &n_ids, &more);
  if (n_ids > 0)
    g_string_append (text, " · ");
  append_ids (text, ids, n_ids, more);

  return g_string_free (text, FALSE);
}

static char *
format_count_tooltip (LdErrorGroup *group)
{
  guint64 count = ld_error_group_get_count (group);
  guint stored = ld_error_group_get_n_stored (group);
  g_autofree char *number = ld_format_count (count);
  /* Translators: %s is a number, such as 1,024 */
  g_autofree char *times = g_strdup_printf (ngettext ("Happened %s time", "Happened %s times",
                                                      (gulong) MIN (count, G_MAXULONG)),
                                            number);
  g_autofree char *kept = NULL;

  if (stored == count)
    return g_steal_pointer (&times);

  kept = ld_format_count (stored);
  /* Translators: the first %s is "Happened N times", the second a number */
  return g_strdup_printf (ngettext ("%s; %s is still kept", "%s; %s are still kept", stored),
                          times, kept);
}

static void
update_row (GtkWidget    *row,
            LdErrorGroup *group)
{
  RowWidgets *w = g_object_get_data (G_OBJECT (row), "ld-row-widgets");
  g_autofree char *count = ld_format_count (ld_error_group_get_count (group));
  g_autofree char *details = format_details (group);
  g_autofree char *tooltip = format_count_tooltip (group);
  const char *type = ld_error_group_get_exception_type (group);

  gtk_label_set_text (GTK_LABEL (w->count), count);
  gtk_widget_set_tooltip_text (w->count, tooltip);
  gtk_widget_set_css_classes (w->count, (const char *[]) {
    "level-badge", "error-count", ld_level_css_class (ld_error_group_get_max_level (group)),
    NULL });
  gtk_label_set_text (GTK_LABEL (w->title), ld_error_group_get_title (group));
  gtk_widget_set_visible (w->sample, type != NULL);
  gtk_label_set_text (GTK_LABEL (w->sample), ld_error_group_get_sample_message (group));
  gtk_label_set_text (GTK_LABEL (w->details), details);
  gtk_widget_set_tooltip_text (w->title, ld_error_group_get_fingerprint (group));
  gtk_widget_queue_draw (w->sparkline);
}

static GtkWidget *
new_label (const char *css_class)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (GTK_LABEL (label), TRUE);
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);

  return label;
}

static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           LdErrorTrackerView       *self)
{
  RowWidgets *w = g_new0 (RowWidgets, 1);
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *headline = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);

  w->count = gtk_label_new (NULL);
  gtk_widget_set_valign (w->count, GTK_ALIGN_CENTER);
  w->title = new_label ("error-title");
  w->sample = new_label ("error-sample");
  w->details = new_label ("error-details");
  w->sparkline = g_object_new (LD_TYPE_ERROR_SPARKLINE, NULL);
  gtk_widget_set_hexpand (text, TRUE);

  /* Two lines a group, the sample message beside the exception type, so
   * that a short panel still lists five groups or more. */
  gtk_widget_set_hexpand (w->sample, TRUE);
  gtk_box_append (GTK_BOX (headline), w->title);
  gtk_box_append (GTK_BOX (headline), w->sample);
  gtk_box_append (GTK_BOX (text), headline);
  gtk_box_append (GTK_BOX (text), w->details);
  gtk_box_append (GTK_BOX (row), w->count);
  gtk_box_append (GTK_BOX (row), text);
  gtk_box_append (GTK_BOX (row), w->sparkline);
  /* Margins of its own rather than the .error-row padding of the
   * dashboard's style: with that, the panel holds four groups only. */
  gtk_widget_set_margin_top (row, 2);
  gtk_widget_set_margin_bottom (row, 2);
  gtk_widget_set_margin_start (row, 6);
  gtk_widget_set_margin_end (row, 6);

  g_object_set_data_full (G_OBJECT (row), "ld-row-widgets", w, g_free);
  gtk_list_item_set_child (item, row);
  g_ptr_array_add (self->sparklines, w->sparkline);
}

static void
teardown_row (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              LdErrorTrackerView       *self)
{
  GtkWidget *row = gtk_list_item_get_child (item);
  RowWidgets *w = row != NULL ? g_object_get_data (G_OBJECT (row), "ld-row-widgets") : NULL;

  if (w != NULL && self->sparklines != NULL)
    g_ptr_array_remove_fast (self->sparklines, w->sparkline);
}

static void update_clock (LdErrorTrackerView *self);

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          LdErrorTrackerView       *self)
{
  LdErrorGroup *group = gtk_list_item_get_item (item);
  GtkWidget *row = gtk_list_item_get_child (item);
  RowWidgets *w = g_object_get_data (G_OBJECT (row), "ld-row-widgets");

  g_set_object (&LD_ERROR_SPARKLINE (w->sparkline)->group, group);
  update_row (row, group);
  g_signal_connect_object (group, "changed", G_CALLBACK (update_row), row, G_CONNECT_SWAPPED);
  update_clock (self);
}

static void
unbind_row (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            LdErrorTrackerView       *self)
{
  LdErrorGroup *group = gtk_list_item_get_item (item);
  GtkWidget *row = gtk_list_item_get_child (item);
  RowWidgets *w = g_object_get_data (G_OBJECT (row), "ld-row-widgets");

  g_signal_handlers_disconnect_by_func (group, update_row, row);
  g_clear_object (&LD_ERROR_SPARKLINE (w->sparkline)->group);
}

/* Sorting and state */

static int
compare_groups (gconstpointer a,
                gconstpointer b,
                gpointer      user_data)
{
  LdErrorTrackerView *self = user_data;
  LdErrorGroup *ga = (LdErrorGroup *) a, *gb = (LdErrorGroup *) b;
  gint64 la = ld_error_group_get_last_seen (ga), lb = ld_error_group_get_last_seen (gb);
  guint64 ca = ld_error_group_get_count (ga), cb = ld_error_group_get_count (gb);

  /* Newest or most frequent first; the other key breaks ties. */
  if (self->sort_by_count && ca != cb)
    return ca > cb ? -1 : 1;
  if (la != lb)
    return la > lb ? -1 : 1;
  if (ca != cb)
    return ca > cb ? -1 : 1;
  return 0;
}

static void
update_summary (LdErrorTrackerView *self)
{
  guint n = self->groups != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->groups)) : 0;
  g_autofree char *number = ld_format_count (n);
  g_autofree char *text = g_strdup_printf (ngettext ("%s kind of error", "%s kinds of error", n),
                                           number);

  gtk_label_set_text (self->summary, text);
  gtk_stack_set_visible_child_name (self->stack, n > 0 ? "groups" : "empty");
}

static gboolean
resort (gpointer user_data)
{
  LdErrorTrackerView *self = user_data;

  self->resort_id = 0;
  gtk_sorter_changed (GTK_SORTER (self->sorter), GTK_SORTER_CHANGE_DIFFERENT);

  return G_SOURCE_REMOVE;
}

/* Rows show new counts at once, through their group's ::changed; the order
 * follows at most once a second, so that a storm of errors does not keep
 * the list moving under the pointer. */
static void
on_groups_changed (LdErrorTrackerView *self)
{
  if (self->resort_id == 0)
    self->resort_id = g_timeout_add_seconds (1, resort, self);
  update_summary (self);
  update_clock (self);
}

static void
on_activate (LdErrorTrackerView *self,
             guint               position,
             GtkListView        *list_view)
{
  g_autoptr(LdErrorGroup) group = g_list_model_get_item (G_LIST_MODEL (self->sorted), position);

  if (group != NULL)
    g_signal_emit (self, signals[GROUP_ACTIVATED], 0, group);
}

static void
on_sort_selected (LdErrorTrackerView *self)
{
  ld_error_tracker_view_set_sort_by_count (self,
                                           gtk_drop_down_get_selected (self->sort_dropdown) == 1);
}

/* Whether a shown sparkline has a record in its hour: once none has, they
 * are all empty and stay so until groups change. */
static gboolean
sparklines_live (LdErrorTrackerView *self)
{
  gint64 since = g_get_real_time ()
                 - (gint64) (LD_ERROR_GROUP_SERIES_MINUTES + 1) * 60 * G_USEC_PER_SEC;

  for (guint i = 0; i < self->sparklines->len; i++)
    {
      LdErrorGroup *group = LD_ERROR_SPARKLINE (g_ptr_array_index (self->sparklines, i))->group;

      if (group != NULL && ld_error_group_get_last_seen (group) >= since)
        return TRUE;
    }

  return FALSE;
}

/* The sparklines move with the clock, a bar a minute, while shown and while
 * one has something to move; then the clock stops, so that an idle window
 * does not wake up (issue #13), and update_clock () starts it again. */
static gboolean
on_clock (gpointer user_data)
{
  LdErrorTrackerView *self = user_data;

  for (guint i = 0; i < self->sparklines->len; i++)
    gtk_widget_queue_draw (g_ptr_array_index (self->sparklines, i));

  if (sparklines_live (self))
    return G_SOURCE_CONTINUE;
  self->clock_id = 0;
  return G_SOURCE_REMOVE;
}

static void
update_clock (LdErrorTrackerView *self)
{
  if (self->clock_id == 0 && gtk_widget_get_mapped (GTK_WIDGET (self)) && sparklines_live (self))
    self->clock_id = g_timeout_add_seconds (15, on_clock, self);
}

static void
ld_error_tracker_view_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (ld_error_tracker_view_parent_class)->map (widget);
  update_clock (LD_ERROR_TRACKER_VIEW (widget));
}

static void
ld_error_tracker_view_unmap (GtkWidget *widget)
{
  LdErrorTrackerView *self = LD_ERROR_TRACKER_VIEW (widget);

  g_clear_handle_id (&self->clock_id, g_source_remove);
  GTK_WIDGET_CLASS (ld_error_tracker_view_parent_class)->unmap (widget);
}

/* GObject */

static void
ld_error_tracker_view_dispose (GObject *object)
{
  LdErrorTrackerView *self = LD_ERROR_TRACKER_VIEW (object);

  ld_error_tracker_view_set_groups (self, NULL);
  g_clear_handle_id (&self->clock_id, g_source_remove);
  g_clear_handle_id (&self->resort_id, g_source_remove);
  /* The rows' teardown still removes their sparklines from the array. */
  gtk_widget_dispose_template (GTK_WIDGET (self), LD_TYPE_ERROR_TRACKER_VIEW);
  g_clear_pointer (&self->sparklines, g_ptr_array_unref);

  G_OBJECT_CLASS (ld_error_tracker_view_parent_class)->dispose (object);
}

static void
ld_error_tracker_view_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  LdErrorTrackerView *self = LD_ERROR_TRACKER_VIEW (object);

  switch (prop_id)
    {
    case PROP_GROUPS:
      g_value_set_object (value, self->groups);
      break;

    case PROP_SORT_BY_COUNT:
      g_value_set_boolean (value, self->sort_by_count);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ld_error_tracker_view_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  LdErrorTrackerView *self = LD_ERROR_TRACKER_VIEW (object);

  switch (prop_id)
    {
    case PROP_GROUPS:
      ld_error_tracker_view_set_groups (self, g_value_get_object (value));
      break;

    case PROP_SORT_BY_COUNT:
      ld_error_tracker_view_set_sort_by_count (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ld_error_tracker_view_class_init (LdErrorTrackerViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = ld_error_tracker_view_dispose;
  object_class->get_property = ld_error_tracker_view_get_property;
  object_class->set_property = ld_error_tracker_view_set_property;
  widget_class->map = ld_error_tracker_view_map;
  widget_class->unmap = ld_error_tracker_view_unmap;

  properties[PROP_GROUPS] =
    g_param_spec_object ("groups", NULL, NULL, LD_TYPE_ERROR_GROUPS, flags);
  properties[PROP_SORT_BY_COUNT] =
    g_param_spec_boolean ("sort-by-count", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * LdErrorTrackerView::group-activated:
   * @group: the group the user chose
   *
   * For the window to filter the table to the group's records, with
   * ld_error_groups_record_matches().
   */
  signals[GROUP_ACTIVATED] =
    g_signal_new ("group-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, LD_TYPE_ERROR_GROUP);

  gtk_widget_class_set_css_name (widget_class, "errortracker");
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/logdeck/Logdeck/ld-error-tracker-view.ui");
  gtk_widget_class_bind_template_child (widget_class, LdErrorTrackerView, sorter);
  gtk_widget_class_bind_template_child (widget_class, LdErrorTrackerView, sorted);
  gtk_widget_class_bind_template_child (widget_class, LdErrorTrackerView, list_view);
  gtk_widget_class_bind_template_child (widget_class, LdErrorTrackerView, stack);
  gtk_widget_class_bind_template_child (widget_class, LdErrorTrackerView, summary);
  gtk_widget_class_bind_template_child (widget_class, LdErrorTrackerView, sort_dropdown);
  gtk_widget_class_bind_template_callback (widget_class, setup_row);
  gtk_widget_class_bind_template_callback (widget_class, teardown_row);
  gtk_widget_class_bind_template_callback (widget_class, bind_row);
  gtk_widget_class_bind_template_callback (widget_class, unbind_row);
  gtk_widget_class_bind_template_callback (widget_class, on_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_sort_selected);
}

static void
ld_error_tracker_view_init (LdErrorTrackerView *self)
{
  self->sparklines = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_custom_sorter_set_sort_func (self->sorter, compare_groups, self, NULL);
  update_summary (self);
}

GtkWidget *
ld_error_tracker_view_new (void)
{
  return g_object_new (LD_TYPE_ERROR_TRACKER_VIEW, NULL);
}

LdErrorGroups *
ld_error_tracker_view_get_groups (LdErrorTrackerView *self)
{
  g_return_val_if_fail (LD_IS_ERROR_TRACKER_VIEW (self), NULL);

  return self->groups;
}

/**
 * ld_error_tracker_view_set_groups:
 * @self: an error tracker view
 * @groups: (nullable): the groups to list
 */
void
ld_error_tracker_view_set_groups (LdErrorTrackerView *self,
                                  LdErrorGroups      *groups)
{
  g_return_if_fail (LD_IS_ERROR_TRACKER_VIEW (self));
  g_return_if_fail (groups == NULL || LD_IS_ERROR_GROUPS (groups));

  if (self->groups == groups)
    return;

  if (self->groups != NULL)
    g_clear_signal_handler (&self->groups_changed_id, self->groups);
  g_set_object (&self->groups, groups);
  if (groups != NULL)
    self->groups_changed_id = g_signal_connect_object (groups, "changed",
                                                       G_CALLBACK (on_groups_changed), self,
                                                       G_CONNECT_SWAPPED);
  if (self->sorted != NULL)
    gtk_sort_list_model_set_model (self->sorted, G_LIST_MODEL (groups));
  if (self->summary != NULL)
    update_summary (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GROUPS]);
}

gboolean
ld_error_tracker_view_get_sort_by_count (LdErrorTrackerView *self)
{
  g_return_val_if_fail (LD_IS_ERROR_TRACKER_VIEW (self), FALSE);

  return self->sort_by_count;
}

/**
 * ld_error_tracker_view_set_sort_by_count:
 * @self: an error tracker view
 * @sort_by_count: %TRUE to list the most frequent first, %FALSE for the
 *   most recent first
 */
void
ld_error_tracker_view_set_sort_by_count (LdErrorTrackerView *self,
                                         gboolean            sort_by_count)
{
  g_return_if_fail (LD_IS_ERROR_TRACKER_VIEW (self));

  sort_by_count = !!sort_by_count;
  if (self->sort_by_count == sort_by_count)
    return;

  self->sort_by_count = sort_by_count;
  gtk_drop_down_set_selected (self->sort_dropdown, sort_by_count ? 1 : 0);
  gtk_sorter_changed (GTK_SORTER (self->sorter), GTK_SORTER_CHANGE_DIFFERENT);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SORT_BY_COUNT]);
}

/**
 * ld_error_tracker_view_get_model:
 * @self: an error tracker view
 *
 * Returns: (transfer none): the groups in the order shown, for tests
 */
GListModel *
ld_error_tracker_view_get_model (LdErrorTrackerView *self)
{
  g_return_val_if_fail (LD_IS_ERROR_TRACKER_VIEW (self), NULL);

  return G_LIST_MODEL (self->sorted);
}
