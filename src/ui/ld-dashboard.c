// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <glib/gi18n.h>

#include "ld-activity-chart.h"
#include "ld-connection-monitor.h"
#include "ld-dashboard.h"
#include "ld-error-tracker-view.h"
#include "ld-filter-model.h"
#include "ld-timing-view.h"

/* The dashboard wraps the record table: the activity chart runs across the
 * top, the table (the content) fills the middle, and the error tracker,
 * connection monitor and request timing share a panel below it that
 * "show-views" reveals. It owns the models that count records as they
 * arrive, so that the views cost nothing per frame and the window only
 * places one widget. */

#define CHART_HEIGHT 90
/* A collapsed chart is a thin strip: the bars' shape, no more. */
#define CHART_COLLAPSED_HEIGHT 34
/* Enough for the switcher, the tracker's header and five error groups. */
#define VIEWS_HEIGHT 400

struct _LdDashboard
{
  AdwBin                parent_instance;

  LdStore              *store;
  GListModel           *filtered;
  LdConnectionRegistry *registry;
  GSettings            *settings;

  LdActivity           *activity;
  LdActivity           *filtered_activity;
  LdErrorGroups        *groups;
  LdConnectionStats    *stats;
  LdSourceTracker      *tracker;
  LdTiming             *timing;

  GtkWidget            *chart;
  GtkWidget            *strip;
  GtkWidget            *legend;
  GtkWidget            *toolbar_rows;
  GtkToggleButton      *collapse_button;
  GtkWidget            *paned;
  GtkWidget            *content;
  GtkWidget            *views;
  GtkStack             *stack;
  GtkToggleButton      *errors_button;
  GtkToggleButton      *connections_button;
  GtkToggleButton      *timing_button;
  GtkLabel             *errors_badge;
  GtkWidget            *tracker_view;
  GtkWidget            *monitor;
  GtkWidget            *timing_view;

  gboolean              views_placed;
};

enum {
  PROP_0,
  PROP_STORE,
  PROP_FILTERED,
  PROP_REGISTRY,
  PROP_SETTINGS,
  PROP_CONTENT,
  PROP_SHOW_VIEWS,
  PROP_VISIBLE_VIEW,
  PROP_SHOW_CHART,
  N_PROPS
};

enum {
  RANGE_SELECTED,
  GROUP_ACTIVATED,
  CONNECTION_ACTIVATED,
  RECORD_ACTIVATED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* The span drop-down's items, in seconds, in the order it lists them. */
static const guint chart_spans[] = {
  LD_ACTIVITY_CHART_SPAN_1_MIN, LD_ACTIVITY_CHART_SPAN_5_MIN, LD_ACTIVITY_CHART_SPAN_15_MIN,
  LD_ACTIVITY_CHART_SPAN_60_MIN, LD_ACTIVITY_CHART_SPAN_SESSION,
};

G_DEFINE_FINAL_TYPE (LdDashboard, ld_dashboard, ADW_TYPE_BIN)

/* Models */

static guint64
filtered_seq (gpointer model,
              guint    position)
{
  return ld_filter_model_get_seq (model, position);
}

/* A connection the registry saw close lets the tracker tell "reconnected"
 * from "a second connection" when the same source comes back. */
static void
on_connection_state (LdConnection *connection,
                     GParamSpec   *pspec,
                     LdDashboard  *self)
{
  LdConnectionState state = ld_connection_get_state (connection);

  if (!ld_connection_is_endpoint (connection)
      && (state == LD_CONNECTION_CLOSED || state == LD_CONNECTION_ERROR))
    ld_source_tracker_connection_closed (self->tracker,
                                         ld_intern (ld_connection_get_id (connection), -1));
}

static void
on_registry_items_changed (LdDashboard *self,
                           guint        position,
                           guint        removed,
                           guint        added,
                           GListModel  *registry)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(LdConnection) connection = g_list_model_get_item (registry, i);

      g_signal_connect_object (connection, "notify::state", G_CALLBACK (on_connection_state),
                               self, 0);
      on_connection_state (connection, NULL, self);
    }
}

static void
create_models (LdDashboard *self)
{
  self->activity = ld_activity_new ();
  self->filtered_activity = ld_activity_new ();
  self->groups = ld_error_groups_new ();
  self->stats = ld_connection_stats_new ();
  self->tracker = ld_source_tracker_new ();
  self->timing = ld_timing_new ();

  ld_activity_attach_store (self->activity, self->store);
  if (LD_IS_FILTER_MODEL (self->filtered))
    ld_activity_attach_model (self->filtered_activity, self->filtered, self->store, filtered_seq);
  else
    ld_activity_attach_model (self->filtered_activity, self->filtered, self->store, NULL);
  ld_error_groups_attach_store (self->groups, self->store);
  ld_connection_stats_attach_store (self->stats, self->store);

  g_signal_connect_object (self->registry, "items-changed",
                           G_CALLBACK (on_registry_items_changed), self, G_CONNECT_SWAPPED);
  on_registry_items_changed (self, 0, 0, g_list_model_get_n_items (G_LIST_MODEL (self->registry)),
                             G_LIST_MODEL (self->registry));
}

/* The chart strip */

static gboolean
span_to_selected (GBinding     *binding,
                  const GValue *from,
                  GValue       *to,
                  gpointer      user_data)
{
  guint span = g_value_get_uint (from);

  for (guint i = 0; i < G_N_ELEMENTS (chart_spans); i++)
    if (chart_spans[i] == span)
      {
        g_value_set_uint (to, i);
        return TRUE;
      }

  return FALSE;
}

static gboolean
selected_to_span (GBinding     *binding,
                  const GValue *from,
                  GValue       *to,
                  gpointer      user_data)
{
  guint selected = g_value_get_uint (from);

  if (selected >= G_N_ELEMENTS (chart_spans))
    return FALSE;
  g_value_set_uint (to, chart_spans[selected]);
  return TRUE;
}

static GtkWidget *
build_span_dropdown (LdDashboard *self)
{
  const char *names[] = { _("1 min"), _("5 min"), _("15 min"), _("60 min"), _("Session"), NULL };
  GtkWidget *dropdown = gtk_drop_down_new_from_strings (names);

  gtk_widget_set_tooltip_text (dropdown, _("Time Shown"));
  g_object_bind_property_full (self->chart, "span", dropdown, "selected",
                               G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE,
                               span_to_selected, selected_to_span, NULL, NULL);
  return dropdown;
}

/* "All" and "Filtered" as one linked pair: each mirrors the chart's
 * "filtered" property, so one of them is always the pressed one. */
static GtkWidget *
build_filtered_toggle (LdDashboard *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *all = gtk_toggle_button_new_with_label (_("All"));
  GtkWidget *filtered = gtk_toggle_button_new_with_label (_("Filtered"));

  gtk_widget_add_css_class (box, "linked");
  gtk_box_set_homogeneous (GTK_BOX (box), TRUE);
  gtk_widget_set_tooltip_text (all, _("Chart every record"));
  gtk_widget_set_tooltip_text (filtered, _("Chart the records the filter shows"));
  gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (filtered), GTK_TOGGLE_BUTTON (all));
  g_object_bind_property (self->chart, "filtered", filtered, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->chart, "filtered", all, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE
                          | G_BINDING_INVERT_BOOLEAN);
  gtk_box_append (GTK_BOX (box), all);
  gtk_box_append (GTK_BOX (box), filtered);
  return box;
}

/* The level colours the bars are stacked in, bottom first, as words too. */
static GtkWidget *
build_legend (void)
{
  static const struct { const char *name; const char *css_class; } levels[] = {
    { N_("Debug"), "legend-debug" }, { N_("Info"), "legend-info" },
    { N_("Warning"), "legend-warning" }, { N_("Error"), "legend-error" },
    { N_("Critical"), "legend-critical" },
  };
  GtkWidget *legend = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 10);

  for (guint i = 0; i < G_N_ELEMENTS (levels); i++)
    {
      GtkWidget *item = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
      GtkWidget *swatch = gtk_label_new ("■");

      gtk_widget_add_css_class (swatch, levels[i].css_class);
      gtk_box_append (GTK_BOX (item), swatch);
      gtk_box_append (GTK_BOX (item), gtk_label_new (_(levels[i].name)));
      gtk_box_append (GTK_BOX (legend), item);
    }
  gtk_widget_set_halign (legend, GTK_ALIGN_END);
  gtk_widget_add_css_class (legend, "chart-legend");
  gtk_widget_add_css_class (legend, "dim-label");
  return legend;
}

static void
on_collapse_toggled (LdDashboard     *self,
                     GtkToggleButton *button)
{
  gboolean collapsed = gtk_toggle_button_get_active (button);

  gtk_widget_set_size_request (self->chart, -1,
                               collapsed ? CHART_COLLAPSED_HEIGHT : CHART_HEIGHT);
  gtk_widget_set_visible (self->legend, !collapsed);
  gtk_widget_set_visible (self->toolbar_rows, !collapsed);
  gtk_button_set_icon_name (GTK_BUTTON (button), collapsed ? "pan-down-symbolic"
                                                           : "pan-up-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (button), collapsed ? _("Expand the Chart")
                                                              : _("Collapse the Chart"));
}

static GtkWidget *
build_collapse_button (LdDashboard *self)
{
  GtkWidget *button = gtk_toggle_button_new ();

  self->collapse_button = GTK_TOGGLE_BUTTON (button);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_add_css_class (button, "chart-collapse");
  gtk_widget_set_valign (button, GTK_ALIGN_START);
  g_signal_connect_object (button, "toggled", G_CALLBACK (on_collapse_toggled), self,
                           G_CONNECT_SWAPPED);
  g_settings_bind (self->settings, "chart-collapsed", button, "active", G_SETTINGS_BIND_DEFAULT);
  on_collapse_toggled (self, GTK_TOGGLE_BUTTON (button));
  return button;
}

static GtkWidget *
build_toolbar (LdDashboard *self)
{
  GtkWidget *toolbar = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *span = build_span_dropdown (self);
  GtkWidget *views = gtk_toggle_button_new ();

  gtk_button_set_icon_name (GTK_BUTTON (views), "view-dual-symbolic");
  gtk_widget_set_tooltip_text (views, _("Show Errors, Connections and Timing"));
  g_object_bind_property (self, "show-views", views, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  gtk_widget_set_hexpand (span, TRUE);
  gtk_widget_set_hexpand (toolbar, FALSE);
  gtk_box_append (GTK_BOX (row), span);
  gtk_box_append (GTK_BOX (row), views);
  gtk_box_append (GTK_BOX (toolbar), row);
  gtk_box_append (GTK_BOX (toolbar), build_filtered_toggle (self));
  self->toolbar_rows = toolbar;
  gtk_widget_set_valign (toolbar, GTK_ALIGN_CENTER);
  gtk_widget_set_margin_end (toolbar, 12);
  gtk_widget_add_css_class (toolbar, "dashboard-toolbar");
  return toolbar;
}

static void
on_range_selected (LdDashboard *self,
                   gint64       from_us,
                   gint64       to_us)
{
  g_signal_emit (self, signals[RANGE_SELECTED], 0, from_us, to_us);
}

static GtkWidget *
build_chart_strip (LdDashboard *self)
{
  GtkWidget *strip = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  self->chart = ld_activity_chart_new ();
  g_object_set (self->chart, "activity", self->activity,
                "filtered-activity", self->filtered_activity,
                "height-request", CHART_HEIGHT, "hexpand", TRUE, NULL);
  g_settings_bind (self->settings, "chart-span", self->chart, "span", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "chart-filtered", self->chart, "filtered",
                   G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (self->chart, "range-selected", G_CALLBACK (on_range_selected),
                           self, G_CONNECT_SWAPPED);

  {
    GtkWidget *chart_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

    self->legend = build_legend ();
    gtk_widget_set_hexpand (chart_box, TRUE);
    gtk_box_append (GTK_BOX (chart_box), self->legend);
    gtk_box_append (GTK_BOX (chart_box), self->chart);
    gtk_box_append (GTK_BOX (strip), chart_box);
  }
  gtk_box_append (GTK_BOX (strip), build_toolbar (self));
  gtk_box_append (GTK_BOX (strip), build_collapse_button (self));
  gtk_widget_add_css_class (strip, "dashboard-strip");
  return strip;
}

/* The views */

static void
on_group_activated (LdDashboard  *self,
                    LdErrorGroup *group)
{
  g_signal_emit (self, signals[GROUP_ACTIVATED], 0, group);
}

static void
on_connection_activated (LdDashboard *self,
                         const char  *id)
{
  g_signal_emit (self, signals[CONNECTION_ACTIVATED], 0, id);
}

static void
on_record_activated (LdDashboard *self,
                     guint64      seq)
{
  g_signal_emit (self, signals[RECORD_ACTIVATED], 0, seq);
}

/* The Errors tab counts the groups, so that a new kind of error shows even
 * while the Connections tab is in front. */
static void
on_groups_changed (LdDashboard *self)
{
  guint n_groups = g_list_model_get_n_items (G_LIST_MODEL (self->groups));
  g_autofree char *text = g_strdup_printf ("%u", n_groups);

  gtk_label_set_text (self->errors_badge, text);
  gtk_widget_set_visible (GTK_WIDGET (self->errors_badge), n_groups > 0);
}

/* The tabs are plain grouped toggle buttons that set the stack's visible
 * child themselves: AdwViewSwitcher 1.2 in this panel left the Errors view
 * showing whatever tab was clicked (issue #17). */
static void
on_tab_toggled (LdDashboard     *self,
                GtkToggleButton *button)
{
  if (gtk_toggle_button_get_active (button))
    gtk_stack_set_visible_child_name (self->stack, gtk_widget_get_name (GTK_WIDGET (button)));
}

static void
on_visible_child_changed (LdDashboard *self)
{
  const char *name = gtk_stack_get_visible_child_name (self->stack);
  GtkToggleButton *button = self->errors_button;

  if (g_strcmp0 (name, "connections") == 0)
    button = self->connections_button;
  else if (g_strcmp0 (name, "timing") == 0)
    button = self->timing_button;
  gtk_toggle_button_set_active (button, TRUE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VISIBLE_VIEW]);
}

static GtkToggleButton *
build_tab (LdDashboard *self,
           const char  *name,
           const char  *label,
           const char  *icon_name,
           GtkWidget   *badge)
{
  GtkWidget *button = gtk_toggle_button_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *text = gtk_label_new_with_mnemonic (label);

  gtk_box_append (GTK_BOX (box), gtk_image_new_from_icon_name (icon_name));
  gtk_box_append (GTK_BOX (box), text);
  if (badge != NULL)
    gtk_box_append (GTK_BOX (box), badge);
  gtk_button_set_child (GTK_BUTTON (button), box);
  gtk_label_set_mnemonic_widget (GTK_LABEL (text), button);
  gtk_widget_set_name (button, name);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_add_css_class (button, "tab");
  g_signal_connect_object (button, "toggled", G_CALLBACK (on_tab_toggled), self,
                           G_CONNECT_SWAPPED);
  return GTK_TOGGLE_BUTTON (button);
}

static GtkWidget *
build_switcher (LdDashboard *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  self->errors_badge = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->errors_badge), "tab-badge");
  self->errors_button = build_tab (self, "errors", _("_Errors"), "dialog-error-symbolic",
                                   GTK_WIDGET (self->errors_badge));
  self->connections_button = build_tab (self, "connections", _("C_onnections"),
                                        "network-wired-symbolic", NULL);
  self->timing_button = build_tab (self, "timing", _("_Timing"),
                                   "preferences-system-time-symbolic", NULL);
  gtk_toggle_button_set_group (self->connections_button, self->errors_button);
  gtk_toggle_button_set_group (self->timing_button, self->errors_button);
  gtk_toggle_button_set_active (self->errors_button, TRUE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->errors_button));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->connections_button));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->timing_button));
  gtk_widget_set_halign (box, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (box, "dashboard-switcher");
  return box;
}

static GtkWidget *
build_view_stack (LdDashboard *self)
{
  self->stack = GTK_STACK (gtk_stack_new ());
  self->tracker_view = ld_error_tracker_view_new ();
  ld_error_tracker_view_set_groups (LD_ERROR_TRACKER_VIEW (self->tracker_view), self->groups);
  self->monitor = ld_connection_monitor_new ();
  g_object_set (self->monitor, "registry", self->registry, "stats", self->stats,
                "source-tracker", self->tracker, NULL);
  g_signal_connect_object (self->tracker_view, "group-activated",
                           G_CALLBACK (on_group_activated), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->monitor, "connection-activated",
                           G_CALLBACK (on_connection_activated), self, G_CONNECT_SWAPPED);

  gtk_stack_add_named (self->stack, self->tracker_view, "errors");
  gtk_stack_add_named (self->stack, self->monitor, "connections");
  g_signal_connect_object (self->groups, "items-changed", G_CALLBACK (on_groups_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->stack, "notify::visible-child-name",
                           G_CALLBACK (on_visible_child_changed), self, G_CONNECT_SWAPPED);

  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  return GTK_WIDGET (self->stack);
}

/* The Timing view shares the chart's window, so it joins the stack once
 * the chart strip is built. */
static void
add_timing_view (LdDashboard *self)
{
  self->timing_view = ld_timing_view_new (self->timing, self->store,
                                          LD_ACTIVITY_CHART (self->chart), self->settings);
  g_signal_connect_object (self->timing_view, "record-activated",
                           G_CALLBACK (on_record_activated), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->timing_view, "range-selected", G_CALLBACK (on_range_selected),
                           self, G_CONNECT_SWAPPED);
  gtk_stack_add_named (self->stack, self->timing_view, "timing");
}

static GtkWidget *
build_views (LdDashboard *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *stack = build_view_stack (self);

  gtk_box_append (GTK_BOX (box), build_switcher (self));
  gtk_box_append (GTK_BOX (box), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
  gtk_box_append (GTK_BOX (box), stack);
  on_groups_changed (self);
  gtk_widget_add_css_class (box, "dashboard-views");
  gtk_widget_set_size_request (box, -1, 200);
  gtk_widget_set_visible (box, FALSE);
  return box;
}

/* Instance */

/* The views start at a fixed height the first time they show in an
 * allocated paned; after that the paned keeps whatever height the user
 * dragged them to. */
static void
place_views (LdDashboard *self)
{
  int height = gtk_widget_get_height (self->paned);

  if (self->views_placed || height <= 0 || !gtk_widget_get_visible (self->views))
    return;

  gtk_paned_set_position (GTK_PANED (self->paned),
                          height - MIN (VIEWS_HEIGHT, height * 7 / 10));
  self->views_placed = TRUE;
}


static void
ld_dashboard_constructed (GObject *object)
{
  LdDashboard *self = LD_DASHBOARD (object);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  G_OBJECT_CLASS (ld_dashboard_parent_class)->constructed (object);

  g_assert (LD_IS_STORE (self->store));
  g_assert (G_IS_LIST_MODEL (self->filtered));
  g_assert (LD_IS_CONNECTION_REGISTRY (self->registry));
  g_assert (G_IS_SETTINGS (self->settings));

  create_models (self);
  self->views = build_views (self);
  self->paned = gtk_paned_new (GTK_ORIENTATION_VERTICAL);
  gtk_paned_set_end_child (GTK_PANED (self->paned), self->views);
  gtk_paned_set_resize_end_child (GTK_PANED (self->paned), FALSE);
  gtk_paned_set_shrink_end_child (GTK_PANED (self->paned), FALSE);
  gtk_widget_set_vexpand (self->paned, TRUE);
  g_signal_connect_object (self->paned, "notify::max-position", G_CALLBACK (place_views), self,
                           G_CONNECT_SWAPPED);

  self->strip = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_box_append (GTK_BOX (self->strip), build_chart_strip (self));
  add_timing_view (self);
  gtk_box_append (GTK_BOX (self->strip), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
  gtk_box_append (GTK_BOX (box), self->strip);
  gtk_box_append (GTK_BOX (box), self->paned);
  adw_bin_set_child (ADW_BIN (self), box);
}

static void
ld_dashboard_dispose (GObject *object)
{
  LdDashboard *self = LD_DASHBOARD (object);

  /* The models stop listening to the store first, so that records arriving
   * while the widgets go cannot reach a half-disposed dashboard. */
  if (self->activity != NULL)
    {
      ld_activity_detach (self->activity);
      ld_activity_detach (self->filtered_activity);
      ld_error_groups_detach (self->groups);
      ld_connection_stats_detach (self->stats);
      ld_timing_detach (self->timing);
    }
  adw_bin_set_child (ADW_BIN (self), NULL);

  G_OBJECT_CLASS (ld_dashboard_parent_class)->dispose (object);
}

static void
ld_dashboard_finalize (GObject *object)
{
  LdDashboard *self = LD_DASHBOARD (object);

  g_clear_object (&self->activity);
  g_clear_object (&self->filtered_activity);
  g_clear_object (&self->groups);
  g_clear_object (&self->stats);
  g_clear_object (&self->tracker);
  g_clear_object (&self->timing);
  g_clear_object (&self->store);
  g_clear_object (&self->filtered);
  g_clear_object (&self->registry);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (ld_dashboard_parent_class)->finalize (object);
}

static void
ld_dashboard_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  LdDashboard *self = LD_DASHBOARD (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_FILTERED:
      g_value_set_object (value, self->filtered);
      break;
    case PROP_REGISTRY:
      g_value_set_object (value, self->registry);
      break;
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    case PROP_CONTENT:
      g_value_set_object (value, self->content);
      break;
    case PROP_SHOW_VIEWS:
      g_value_set_boolean (value, ld_dashboard_get_show_views (self));
      break;
    case PROP_VISIBLE_VIEW:
      g_value_set_string (value, ld_dashboard_get_visible_view (self));
      break;
    case PROP_SHOW_CHART:
      g_value_set_boolean (value, ld_dashboard_get_show_chart (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ld_dashboard_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  LdDashboard *self = LD_DASHBOARD (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    case PROP_FILTERED:
      self->filtered = g_value_dup_object (value);
      break;
    case PROP_REGISTRY:
      self->registry = g_value_dup_object (value);
      break;
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    case PROP_CONTENT:
      ld_dashboard_set_content (self, g_value_get_object (value));
      break;
    case PROP_SHOW_VIEWS:
      ld_dashboard_set_show_views (self, g_value_get_boolean (value));
      break;
    case PROP_VISIBLE_VIEW:
      ld_dashboard_set_visible_view (self, g_value_get_string (value));
      break;
    case PROP_SHOW_CHART:
      ld_dashboard_set_show_chart (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
install_properties (GObjectClass *object_class)
{
  GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  properties[PROP_STORE] = g_param_spec_object ("store", NULL, NULL, LD_TYPE_STORE, construct);
  properties[PROP_FILTERED] =
    g_param_spec_object ("filtered", NULL, NULL, G_TYPE_LIST_MODEL, construct);
  properties[PROP_REGISTRY] =
    g_param_spec_object ("registry", NULL, NULL, LD_TYPE_CONNECTION_REGISTRY, construct);
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS, construct);
  properties[PROP_CONTENT] = g_param_spec_object ("content", NULL, NULL, GTK_TYPE_WIDGET, flags);
  properties[PROP_SHOW_VIEWS] = g_param_spec_boolean ("show-views", NULL, NULL, FALSE, flags);
  properties[PROP_VISIBLE_VIEW] =
    g_param_spec_string ("visible-view", NULL, NULL, "errors", flags);
  properties[PROP_SHOW_CHART] = g_param_spec_boolean ("show-chart", NULL, NULL, TRUE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

/* "dashboard.show-view" with "errors", "connections" or "timing": opens
 * the panel on that view, for menus and shortcuts. */
static void
show_view_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  LdDashboard *self = LD_DASHBOARD (widget);
  const char *name = g_variant_get_string (parameter, NULL);

  if (gtk_stack_get_child_by_name (self->stack, name) == NULL)
    return;
  ld_dashboard_set_visible_view (self, name);
  ld_dashboard_set_show_views (self, TRUE);
}

static void
ld_dashboard_class_init (LdDashboardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = ld_dashboard_constructed;
  object_class->dispose = ld_dashboard_dispose;
  object_class->finalize = ld_dashboard_finalize;
  object_class->get_property = ld_dashboard_get_property;
  object_class->set_property = ld_dashboard_set_property;
  install_properties (object_class);

  /**
   * LdDashboard::range-selected:
   * @from_us: the start of the range dragged across the chart, µs since the epoch
   * @to_us: its end, excluded
   */
  signals[RANGE_SELECTED] =
    g_signal_new ("range-selected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_INT64);
  /**
   * LdDashboard::group-activated:
   * @group: the error group clicked in the error tracker
   */
  signals[GROUP_ACTIVATED] =
    g_signal_new ("group-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, LD_TYPE_ERROR_GROUP);
  /**
   * LdDashboard::connection-activated:
   * @id: the id of the connection clicked in the connection monitor
   */
  signals[CONNECTION_ACTIVATED] =
    g_signal_new ("connection-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * LdDashboard::record-activated:
   * @seq: the store sequence number of a record clicked in a view (a slow
   *   request in the Timing view)
   */
  signals[RECORD_ACTIVATED] =
    g_signal_new ("record-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT64);

  gtk_widget_class_install_action (GTK_WIDGET_CLASS (klass), "dashboard.show-view", "s",
                                   show_view_activated);

  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "dashboard");
}

static void
ld_dashboard_init (LdDashboard *self)
{
}

/* Public */

/**
 * ld_dashboard_new:
 * @store: the records
 * @filtered: the records the table shows, an #LdFilterModel of @store
 * @registry: the endpoints and connections
 * @settings: where the chart's span and all-or-filtered choice are kept
 *
 * Returns: (transfer full): a dashboard without content yet
 */
GtkWidget *
ld_dashboard_new (LdStore              *store,
                  GListModel           *filtered,
                  LdConnectionRegistry *registry,
                  GSettings            *settings)
{
  g_return_val_if_fail (LD_IS_STORE (store), NULL);
  g_return_val_if_fail (G_IS_LIST_MODEL (filtered), NULL);
  g_return_val_if_fail (LD_IS_CONNECTION_REGISTRY (registry), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (LD_TYPE_DASHBOARD, "store", store, "filtered", filtered,
                       "registry", registry, "settings", settings, NULL);
}

GtkWidget *
ld_dashboard_get_content (LdDashboard *self)
{
  g_return_val_if_fail (LD_IS_DASHBOARD (self), NULL);

  return self->content;
}

/**
 * ld_dashboard_set_content:
 * @self: a dashboard
 * @content: (nullable): what goes between the chart and the views: the
 *   record table
 */
void
ld_dashboard_set_content (LdDashboard *self,
                          GtkWidget   *content)
{
  g_return_if_fail (LD_IS_DASHBOARD (self));
  g_return_if_fail (content == NULL || GTK_IS_WIDGET (content));

  if (self->content == content)
    return;

  self->content = content;
  gtk_paned_set_start_child (GTK_PANED (self->paned), content);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTENT]);
}

gboolean
ld_dashboard_get_show_views (LdDashboard *self)
{
  g_return_val_if_fail (LD_IS_DASHBOARD (self), FALSE);

  return gtk_widget_get_visible (self->views);
}

void
ld_dashboard_set_show_views (LdDashboard *self,
                             gboolean     show_views)
{
  g_return_if_fail (LD_IS_DASHBOARD (self));

  show_views = !!show_views;
  if (ld_dashboard_get_show_views (self) == show_views)
    return;

  gtk_widget_set_visible (self->views, show_views);
  place_views (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_VIEWS]);
}

/**
 * ld_dashboard_get_visible_view:
 *
 * Returns: "errors", "connections" or "timing"
 */
const char *
ld_dashboard_get_visible_view (LdDashboard *self)
{
  g_return_val_if_fail (LD_IS_DASHBOARD (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

void
ld_dashboard_set_visible_view (LdDashboard *self,
                               const char  *name)
{
  g_return_if_fail (LD_IS_DASHBOARD (self));
  g_return_if_fail (name != NULL);

  gtk_stack_set_visible_child_name (self->stack, name);
}

gboolean
ld_dashboard_get_show_chart (LdDashboard *self)
{
  g_return_val_if_fail (LD_IS_DASHBOARD (self), FALSE);

  return gtk_widget_get_visible (self->strip);
}

/**
 * ld_dashboard_set_show_chart:
 * @show_chart: whether the chart strip shows; a narrow window hides it
 */
void
ld_dashboard_set_show_chart (LdDashboard *self,
                             gboolean     show_chart)
{
  g_return_if_fail (LD_IS_DASHBOARD (self));

  show_chart = !!show_chart;
  if (ld_dashboard_get_show_chart (self) == show_chart)
    return;

  gtk_widget_set_visible (self->strip, show_chart);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_CHART]);
}

/**
 * ld_dashboard_set_following:
 * @following: whether the table follows new records, as the chart then does
 */
void
ld_dashboard_set_following (LdDashboard *self,
                            gboolean     following)
{
  g_return_if_fail (LD_IS_DASHBOARD (self));

  ld_activity_chart_set_following (LD_ACTIVITY_CHART (self->chart), following);
}

GtkWidget *
ld_dashboard_get_chart (LdDashboard *self)
{
  g_return_val_if_fail (LD_IS_DASHBOARD (self), NULL);

  return self->chart;
}

/**
 * ld_dashboard_get_activity:
 * @filtered: the counts of the filtered records rather than of all
 *
 * Returns: (transfer none): the per-second counters the chart draws
 */
LdActivity *
ld_dashboard_get_activity (LdDashboard *self,
                           gboolean     filtered)
{
  g_return_val_if_fail (LD_IS_DASHBOARD (self), NULL);

  return filtered ? self->filtered_activity : self->activity;
}

LdErrorGroups *
ld_dashboard_get_error_groups (LdDashboard *self)
{
  g_return_val_if_fail (LD_IS_DASHBOARD (self), NULL);

  return self->groups;
}

LdConnectionStats *
ld_dashboard_get_connection_stats (LdDashboard *self)
{
  g_return_val_if_fail (LD_IS_DASHBOARD (self), NULL);

  return self->stats;
}

/**
 * ld_dashboard_get_source_tracker:
 *
 * The drain that feeds the store shows each batch to the tracker first:
 * ld_source_tracker_observe_batch (tracker, batch, dividers), then appends
 * the dividers before the batches.
 *
 * Returns: (transfer none): the tracker the connection monitor reads
 */
LdSourceTracker *
ld_dashboard_get_source_tracker (LdDashboard *self)
{
  g_return_val_if_fail (LD_IS_DASHBOARD (self), NULL);

  return self->tracker;
}

/**
 * ld_dashboard_get_timing:
 *
 * Returns: (transfer none): the request durations the Timing view shows,
 *   read from the store from the first time that view shows
 */
LdTiming *
ld_dashboard_get_timing (LdDashboard *self)
{
  g_return_val_if_fail (LD_IS_DASHBOARD (self), NULL);

  return self->timing;
}
