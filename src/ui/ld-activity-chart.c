// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>

#include "ld-activity-chart-private.h"

/* A strip chart of records per second, stacked by level in the level
 * colours, above the table.
 *
 * Every frame reads only as many counters as the chart has columns (a
 * column is at least MIN_COLUMN_PX wide and sums a "nice" number of
 * seconds), from LdActivity, into a buffer sized when the widget is: the
 * cost of a frame does not depend on how many records are stored, and
 * drawing allocates nothing of its own. Labels are cached layouts whose
 * text changes only when what they say does.
 *
 * Columns are aligned to multiples of their length in absolute time, so a
 * column keeps its sum while the chart scrolls, and the bars slide rather
 * than flicker. */

enum {
  PROP_0,
  PROP_ACTIVITY,
  PROP_FILTERED_ACTIVITY,
  PROP_FILTERED,
  PROP_SPAN,
  PROP_FOLLOWING,
  PROP_END_TIME,
  N_PROPS
};

enum {
  RANGE_SELECTED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LdActivityChart, ld_activity_chart, GTK_TYPE_WIDGET)

/* Seconds a column or a tick may stand for: past a day, whole days. */
static const guint nice_seconds[] = {
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
};


guint
_ld_activity_chart_nice_interval (double seconds)
{
  for (guint i = 0; i < G_N_ELEMENTS (nice_seconds); i++)
    if (nice_seconds[i] >= seconds)
      return nice_seconds[i];

  return (guint) MIN (ceil (seconds / 86400) * 86400, (double) (G_MAXUINT / 2));
}

LdActivity *
_ld_activity_chart_shown_activity (LdActivityChart *self)
{
  if (self->filtered && self->filtered_activity != NULL)
    return self->filtered_activity;

  return self->activity;
}

/* Geometry */

/* The window follows the records' own time, never the clock alone: "the
 * last N minutes" are those of the records when the newest is older than N
 * minutes (a file, a replay), and a session shorter than the span is
 * zoomed to, rather than drawn as a sliver at the right. While following
 * live records the window ends now; stopped, at the end time or the last
 * record. The session is that of every record, so that showing the
 * filtered series keeps the time axis where it was. */
static void
compute_window (LdActivityChart *self,
                View            *view)
{
  gint64 now = g_get_real_time ();
  gint64 first = 0, last = 0;
  gboolean any = self->activity != NULL
                 && ld_activity_get_time_range (self->activity, &first, &last);
  gint64 first_us = first * G_USEC_PER_SEC;
  gint64 last_end = any ? (last + 1) * G_USEC_PER_SEC : now;
  gint64 span_us = (gint64) self->span * G_USEC_PER_SEC;
  gboolean live = !any || last_end >= now - MAX (span_us, MIN_ZOOM_US);

  if (self->following)
    view->end_us = live ? MAX (now, last_end) : last_end;
  else
    view->end_us = self->end_time != 0 ? self->end_time : last_end;

  if (!any)
    view->start_us = view->end_us - (span_us != 0 ? span_us : MIN_ZOOM_US);
  else if (span_us == 0 || first_us > view->end_us - span_us)
    view->start_us = MIN (first_us, view->end_us - MIN_ZOOM_US);
  else
    view->start_us = view->end_us - span_us;

  if (view->end_us - view->start_us < G_USEC_PER_SEC)
    view->start_us = view->end_us - G_USEC_PER_SEC;
}

void
_ld_activity_chart_compute_view (LdActivityChart *self,
                                 View            *view)
{
  double span_s;
  gint64 last_second;

  view->width = gtk_widget_get_width (GTK_WIDGET (self));
  view->bars_height = MAX (0, gtk_widget_get_height (GTK_WIDGET (self)) - AXIS_HEIGHT - TOP_PAD);
  compute_window (self, view);

  span_s = (view->end_us - view->start_us) / (double) G_USEC_PER_SEC;
  view->column_seconds =
    _ld_activity_chart_nice_interval (span_s / MAX (1, view->width / MIN_COLUMN_PX));
  view->first_column = floor_div (floor_div (view->start_us, G_USEC_PER_SEC),
                                  view->column_seconds) * view->column_seconds;
  last_second = floor_div (view->end_us - 1, G_USEC_PER_SEC);
  view->n_columns = (guint) ((last_second - view->first_column) / view->column_seconds + 1);
  view->n_columns = MIN (view->n_columns, self->columns_capacity);
}

/* Live scrolling. While following, the chart ends now, so it moves as the
 * clock does while the newest record is inside the span; once that record
 * has left it, compute_window () holds the view still and nothing moves until
 * records come. So a one-shot timer redraws at the next whole pixel (the
 * frame clock would wake the process 60 times a second for a pixel a
 * second), never more often than SCROLL_MIN_MS, and is set again only while
 * the view is live: an idle window does not wake up (issue #13). */
#define SCROLL_MIN_MS 100

static gboolean
view_is_live (LdActivityChart *self)
{
  gint64 first = 0, last = 0;
  gint64 span_us = (gint64) self->span * G_USEC_PER_SEC;

  if (self->activity == NULL || !ld_activity_get_time_range (self->activity, &first, &last))
    return FALSE;

  return (last + 1) * G_USEC_PER_SEC >= g_get_real_time () - MAX (span_us, MIN_ZOOM_US);
}

static gboolean scroll_timeout (gpointer data);

static void
update_scrolling (LdActivityChart *self)
{
  gboolean wanted = self->following && gtk_widget_get_mapped (GTK_WIDGET (self))
                    && view_is_live (self);
  View view = { .width = gtk_widget_get_width (GTK_WIDGET (self)) };
  gint64 us_per_px;

  if (!wanted || self->scroll_id != 0)
    {
      if (!wanted)
        g_clear_handle_id (&self->scroll_id, g_source_remove);
      return;
    }

  compute_window (self, &view);
  us_per_px = MAX (1, (gint64) ((view.end_us - view.start_us) / MAX (1, view.width)));
  self->scroll_id = g_timeout_add (MAX (SCROLL_MIN_MS,
                                        (us_per_px - g_get_real_time () % us_per_px) / 1000),
                                   scroll_timeout, self);
}

static gboolean
scroll_timeout (gpointer data)
{
  LdActivityChart *self = data;

  self->scroll_id = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  update_scrolling (self);

  return G_SOURCE_REMOVE;
}

static void
on_activity_changed (LdActivityChart *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
  update_scrolling (self);
}

/* Hovering */

static void
on_motion (LdActivityChart          *self,
           double                    x,
           double                    y,
           GtkEventControllerMotion *controller)
{
  gint64 index = column_index (&self->view, time_at (&self->view, x));

  self->hover_x = x;
  self->hovering = TRUE;
  if (index != self->hover_column)
    {
      self->hover_column = index;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

static void
on_leave (LdActivityChart          *self,
          GtkEventControllerMotion *controller)
{
  self->hovering = FALSE;
  self->hover_column = G_MININT64;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Selecting a range */

/* A range always covers whole columns: the bars the user saw. */
static void
select_between (LdActivityChart *self,
                gint64           a_us,
                gint64           b_us)
{
  const View *view = &self->view;
  gint64 from = MIN (a_us, b_us), to = MAX (a_us, b_us);

  self->selection_from = column_start_us (view, column_index (view, from));
  self->selection_to = column_start_us (view, column_index (view, to) + 1);
  self->has_selection = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_drag_begin (LdActivityChart *self,
               double           x,
               double           y,
               GtkGestureDrag  *gesture)
{
  self->drag_start_x = x;
  self->drag_anchor_us = time_at (&self->view, x);
}

static void
on_drag_update (LdActivityChart *self,
                double           offset_x,
                double           offset_y,
                GtkGestureDrag  *gesture)
{
  if (fabs (offset_x) < CLICK_SLOP_PX)
    return;

  select_between (self, self->drag_anchor_us,
                  time_at (&self->view, self->drag_start_x + offset_x));
}

/* A drag selects the columns it crossed. A mere click does not filter:
 * one slip of the pointer should not hide everything else. */
static void
on_drag_end (LdActivityChart *self,
             double           offset_x,
             double           offset_y,
             GtkGestureDrag  *gesture)
{
  if (fabs (offset_x) < CLICK_SLOP_PX)
    return;

  select_between (self, self->drag_anchor_us,
                  time_at (&self->view, self->drag_start_x + offset_x));
  g_signal_emit (self, signals[RANGE_SELECTED], 0, self->selection_from, self->selection_to);
}

/* GtkWidget */

static void
ld_activity_chart_measure (GtkWidget      *widget,
                           GtkOrientation  orientation,
                           int             for_size,
                           int            *minimum,
                           int            *natural,
                           int            *minimum_baseline,
                           int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 120;
      *natural = 480;
    }
  else
    {
      /* The axis and a few pixels of bars: a collapsed chart is a strip.
       * Its owner asks for the height it wants. */
      *minimum = *natural = AXIS_HEIGHT + TOP_PAD + 8;
    }
}

/* The column buffer is sized here, so that drawing never allocates. */
static void
ld_activity_chart_size_allocate (GtkWidget *widget,
                                 int        width,
                                 int        height,
                                 int        baseline)
{
  LdActivityChart *self = LD_ACTIVITY_CHART (widget);
  guint needed = (guint) MAX (width, 0) / MIN_COLUMN_PX + 4;

  if (needed > self->columns_capacity)
    {
      self->columns = g_renew (LdActivityBucket, self->columns, needed);
      self->columns_capacity = needed;
    }
}

static void
ld_activity_chart_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (ld_activity_chart_parent_class)->map (widget);
  update_scrolling (LD_ACTIVITY_CHART (widget));
}

static void
ld_activity_chart_unmap (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (ld_activity_chart_parent_class)->unmap (widget);
  update_scrolling (LD_ACTIVITY_CHART (widget));
}

/* GObject */

static void
set_activity (LdActivityChart  *self,
              LdActivity      **field,
              gulong           *handler,
              LdActivity       *activity,
              GParamSpec       *pspec)
{
  if (*field == activity)
    return;

  if (*field != NULL)
    g_clear_signal_handler (handler, *field);
  g_set_object (field, activity);
  if (activity != NULL)
    *handler = g_signal_connect_object (activity, "changed", G_CALLBACK (on_activity_changed),
                                        self, G_CONNECT_SWAPPED);

  gtk_widget_queue_draw (GTK_WIDGET (self));
  update_scrolling (self);
  g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

static void
ld_activity_chart_dispose (GObject *object)
{
  LdActivityChart *self = LD_ACTIVITY_CHART (object);

  ld_activity_chart_set_activity (self, NULL);
  ld_activity_chart_set_filtered_activity (self, NULL);
  g_clear_handle_id (&self->scroll_id, g_source_remove);
  g_clear_signal_handler (&self->dark_id, adw_style_manager_get_default ());
  g_clear_object (&self->scale_layout);
  g_clear_object (&self->hover_layout);
  for (guint i = 0; i < MAX_TICKS; i++)
    g_clear_object (&self->ticks[i].layout);

  G_OBJECT_CLASS (ld_activity_chart_parent_class)->dispose (object);
}

static void
ld_activity_chart_finalize (GObject *object)
{
  LdActivityChart *self = LD_ACTIVITY_CHART (object);

  g_free (self->columns);
  g_time_zone_unref (self->time_zone);

  G_OBJECT_CLASS (ld_activity_chart_parent_class)->finalize (object);
}

static void
ld_activity_chart_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  LdActivityChart *self = LD_ACTIVITY_CHART (object);

  switch (prop_id)
    {
    case PROP_ACTIVITY:
      g_value_set_object (value, self->activity);
      break;

    case PROP_FILTERED_ACTIVITY:
      g_value_set_object (value, self->filtered_activity);
      break;

    case PROP_FILTERED:
      g_value_set_boolean (value, self->filtered);
      break;

    case PROP_SPAN:
      g_value_set_uint (value, self->span);
      break;

    case PROP_FOLLOWING:
      g_value_set_boolean (value, self->following);
      break;

    case PROP_END_TIME:
      g_value_set_int64 (value, self->end_time);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ld_activity_chart_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  LdActivityChart *self = LD_ACTIVITY_CHART (object);

  switch (prop_id)
    {
    case PROP_ACTIVITY:
      ld_activity_chart_set_activity (self, g_value_get_object (value));
      break;

    case PROP_FILTERED_ACTIVITY:
      ld_activity_chart_set_filtered_activity (self, g_value_get_object (value));
      break;

    case PROP_FILTERED:
      ld_activity_chart_set_filtered (self, g_value_get_boolean (value));
      break;

    case PROP_SPAN:
      ld_activity_chart_set_span (self, g_value_get_uint (value));
      break;

    case PROP_FOLLOWING:
      ld_activity_chart_set_following (self, g_value_get_boolean (value));
      break;

    case PROP_END_TIME:
      ld_activity_chart_set_end_time (self, g_value_get_int64 (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
install_properties (GObjectClass *object_class)
{
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  properties[PROP_ACTIVITY] =
    g_param_spec_object ("activity", NULL, NULL, LD_TYPE_ACTIVITY, flags);
  properties[PROP_FILTERED_ACTIVITY] =
    g_param_spec_object ("filtered-activity", NULL, NULL, LD_TYPE_ACTIVITY, flags);
  properties[PROP_FILTERED] =
    g_param_spec_boolean ("filtered", NULL, NULL, FALSE, flags);
  properties[PROP_SPAN] =
    g_param_spec_uint ("span", NULL, NULL, 0, 366 * 86400, LD_ACTIVITY_CHART_SPAN_5_MIN, flags);
  properties[PROP_FOLLOWING] =
    g_param_spec_boolean ("following", NULL, NULL, TRUE, flags);
  properties[PROP_END_TIME] =
    g_param_spec_int64 ("end-time", NULL, NULL, 0, G_MAXINT64, 0, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ld_activity_chart_class_init (LdActivityChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ld_activity_chart_dispose;
  object_class->finalize = ld_activity_chart_finalize;
  object_class->get_property = ld_activity_chart_get_property;
  object_class->set_property = ld_activity_chart_set_property;
  widget_class->snapshot = _ld_activity_chart_snapshot;
  widget_class->measure = ld_activity_chart_measure;
  widget_class->size_allocate = ld_activity_chart_size_allocate;
  widget_class->map = ld_activity_chart_map;
  widget_class->unmap = ld_activity_chart_unmap;

  install_properties (object_class);

  /**
   * LdActivityChart::range-selected:
   * @from_us: the start, in µs since the Unix epoch
   * @to_us: the end (excluded), in µs since the Unix epoch
   *
   * The user dragged across columns: a filter for
   * `after:` @from_us and `before:` @to_us shows their records.
   */
  signals[RANGE_SELECTED] =
    g_signal_new ("range-selected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_INT64);

  gtk_widget_class_set_css_name (widget_class, "activitychart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
add_controllers (LdActivityChart *self)
{
  GtkEventController *motion = gtk_event_controller_motion_new ();
  GtkGesture *drag = gtk_gesture_drag_new ();

  g_signal_connect_swapped (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect_swapped (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  g_signal_connect_swapped (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect_swapped (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect_swapped (drag, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

}

static void
ld_activity_chart_init (LdActivityChart *self)
{
  self->span = LD_ACTIVITY_CHART_SPAN_5_MIN;
  self->following = TRUE;
  self->hover_column = G_MININT64;
  self->time_zone = g_time_zone_new_local ();
  self->scale_layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  self->hover_layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  self->hover_from = G_MININT64;
  for (guint i = 0; i < MAX_TICKS; i++)
    {
      self->ticks[i].layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
      self->ticks[i].second = G_MININT64;
    }

  add_controllers (self);
  self->dark_id = g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                                           G_CALLBACK (gtk_widget_queue_draw), self,
                                           G_CONNECT_SWAPPED);
  gtk_widget_add_css_class (GTK_WIDGET (self), "numeric");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Records per second, by level"), -1);
}

/* Public API */

GtkWidget *
ld_activity_chart_new (void)
{
  return g_object_new (LD_TYPE_ACTIVITY_CHART, NULL);
}

/**
 * ld_activity_chart_get_activity:
 * @self: a chart
 *
 * Returns: (transfer none) (nullable): the counts of every record
 */
LdActivity *
ld_activity_chart_get_activity (LdActivityChart *self)
{
  g_return_val_if_fail (LD_IS_ACTIVITY_CHART (self), NULL);

  return self->activity;
}

/**
 * ld_activity_chart_set_activity:
 * @self: a chart
 * @activity: (nullable): counts attached to the store
 */
void
ld_activity_chart_set_activity (LdActivityChart *self,
                                LdActivity      *activity)
{
  g_return_if_fail (LD_IS_ACTIVITY_CHART (self));
  g_return_if_fail (activity == NULL || LD_IS_ACTIVITY (activity));

  set_activity (self, &self->activity, &self->activity_changed_id, activity,
                properties[PROP_ACTIVITY]);
}

/**
 * ld_activity_chart_get_filtered_activity:
 * @self: a chart
 *
 * Returns: (transfer none) (nullable): the counts of the filtered records
 */
LdActivity *
ld_activity_chart_get_filtered_activity (LdActivityChart *self)
{
  g_return_val_if_fail (LD_IS_ACTIVITY_CHART (self), NULL);

  return self->filtered_activity;
}

/**
 * ld_activity_chart_set_filtered_activity:
 * @self: a chart
 * @activity: (nullable): counts attached to the filtered model
 */
void
ld_activity_chart_set_filtered_activity (LdActivityChart *self,
                                         LdActivity      *activity)
{
  g_return_if_fail (LD_IS_ACTIVITY_CHART (self));
  g_return_if_fail (activity == NULL || LD_IS_ACTIVITY (activity));

  set_activity (self, &self->filtered_activity, &self->filtered_changed_id, activity,
                properties[PROP_FILTERED_ACTIVITY]);
}

gboolean
ld_activity_chart_get_filtered (LdActivityChart *self)
{
  g_return_val_if_fail (LD_IS_ACTIVITY_CHART (self), FALSE);

  return self->filtered;
}

/**
 * ld_activity_chart_set_filtered:
 * @self: a chart
 * @filtered: whether to draw the filtered records rather than all
 */
void
ld_activity_chart_set_filtered (LdActivityChart *self,
                                gboolean         filtered)
{
  g_return_if_fail (LD_IS_ACTIVITY_CHART (self));

  filtered = !!filtered;
  if (self->filtered == filtered)
    return;

  self->filtered = filtered;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILTERED]);
}

guint
ld_activity_chart_get_span (LdActivityChart *self)
{
  g_return_val_if_fail (LD_IS_ACTIVITY_CHART (self), 0);

  return self->span;
}

/**
 * ld_activity_chart_set_span:
 * @self: a chart
 * @span: the seconds shown, such as %LD_ACTIVITY_CHART_SPAN_5_MIN, or
 *   %LD_ACTIVITY_CHART_SPAN_SESSION for every record
 */
void
ld_activity_chart_set_span (LdActivityChart *self,
                            guint            span)
{
  g_return_if_fail (LD_IS_ACTIVITY_CHART (self));

  if (self->span == span)
    return;

  self->span = span;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  update_scrolling (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPAN]);
}

gboolean
ld_activity_chart_get_following (LdActivityChart *self)
{
  g_return_val_if_fail (LD_IS_ACTIVITY_CHART (self), FALSE);

  return self->following;
}

/**
 * ld_activity_chart_set_following:
 * @self: a chart
 * @following: whether the chart ends at the current time and scrolls with
 *   it; otherwise it ends at #LdActivityChart:end-time
 */
void
ld_activity_chart_set_following (LdActivityChart *self,
                                 gboolean         following)
{
  g_return_if_fail (LD_IS_ACTIVITY_CHART (self));

  following = !!following;
  if (self->following == following)
    return;

  self->following = following;
  update_scrolling (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLLOWING]);
}

gint64
ld_activity_chart_get_end_time (LdActivityChart *self)
{
  g_return_val_if_fail (LD_IS_ACTIVITY_CHART (self), 0);

  return self->end_time;
}

/**
 * ld_activity_chart_set_end_time:
 * @self: a chart
 * @end_time: where the chart ends while not following, in µs since the
 *   Unix epoch, or 0 for just after the newest record
 */
void
ld_activity_chart_set_end_time (LdActivityChart *self,
                                gint64           end_time)
{
  g_return_if_fail (LD_IS_ACTIVITY_CHART (self));

  if (self->end_time == end_time)
    return;

  self->end_time = end_time;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_END_TIME]);
}

/**
 * ld_activity_chart_get_selection:
 * @self: a chart
 * @from_us: (out) (optional): the start of the selected range
 * @to_us: (out) (optional): its end, excluded
 *
 * Returns: whether a range is selected
 */
gboolean
ld_activity_chart_get_selection (LdActivityChart *self,
                                 gint64          *from_us,
                                 gint64          *to_us)
{
  g_return_val_if_fail (LD_IS_ACTIVITY_CHART (self), FALSE);

  if (from_us != NULL)
    *from_us = self->has_selection ? self->selection_from : 0;
  if (to_us != NULL)
    *to_us = self->has_selection ? self->selection_to : 0;

  return self->has_selection;
}

/**
 * ld_activity_chart_set_selection:
 * @self: a chart
 * @from_us: the start of the range, in µs since the Unix epoch
 * @to_us: its end, excluded
 *
 * Shows a range, as when the filter bar's `after:`/`before:` terms were
 * typed rather than dragged. Does not emit #LdActivityChart::range-selected.
 */
void
ld_activity_chart_set_selection (LdActivityChart *self,
                                 gint64           from_us,
                                 gint64           to_us)
{
  g_return_if_fail (LD_IS_ACTIVITY_CHART (self));
  g_return_if_fail (from_us <= to_us);

  self->selection_from = from_us;
  self->selection_to = to_us;
  self->has_selection = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ld_activity_chart_clear_selection (LdActivityChart *self)
{
  g_return_if_fail (LD_IS_ACTIVITY_CHART (self));

  self->has_selection = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/**
 * ld_activity_chart_get_column_at:
 * @self: a chart
 * @x: a position across the chart, in widget coordinates
 * @from_us: (out) (optional): where the column at @x starts
 * @to_us: (out) (optional): where it ends, excluded
 * @bucket: (out caller-allocates) (optional): its counts, as drawn
 *
 * What hovering shows, as of the last frame drawn.
 *
 * Returns: %FALSE if @x is outside the columns drawn
 */
gboolean
ld_activity_chart_get_column_at (LdActivityChart  *self,
                                 double            x,
                                 gint64           *from_us,
                                 gint64           *to_us,
                                 LdActivityBucket *bucket)
{
  const View *view;
  gint64 index;

  g_return_val_if_fail (LD_IS_ACTIVITY_CHART (self), FALSE);

  view = &self->view;
  index = column_index (view, time_at (view, x));
  if (x < 0 || x >= view->width || index < 0 || index >= view->n_columns)
    return FALSE;

  if (from_us != NULL)
    *from_us = column_start_us (view, index);
  if (to_us != NULL)
    *to_us = column_start_us (view, index + 1);
  if (bucket != NULL)
    *bucket = self->columns[index];

  return TRUE;
}
