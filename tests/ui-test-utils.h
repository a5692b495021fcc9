// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/* What the UI tests share: waiting for a window to be painted, saving what
 * it shows, and finding a widget inside it. */

#include <gtk/gtk.h>

G_GNUC_UNUSED static void
count_paint (GdkFrameClock *clock,
             guint         *n_paints)
{
  (*n_paints)++;
}

/* Waits until the window has been painted a few times, however slow the
 * build (sanitizers) or the display. */
G_GNUC_UNUSED static void
wait_painted (GtkWidget *window)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  guint n_paints = 0;
  GdkFrameClock *clock;
  gulong id;

  while (!gtk_widget_get_mapped (window) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  clock = gtk_widget_get_frame_clock (window);
  id = g_signal_connect (clock, "after-paint", G_CALLBACK (count_paint), &n_paints);
  while (n_paints < 3 && g_get_monotonic_time () < deadline)
    {
      gtk_widget_queue_draw (window);
      g_main_context_iteration (NULL, TRUE);
    }
  g_signal_handler_disconnect (clock, id);
  g_assert_cmpuint (n_paints, >=, 3);
}

/* How long a dialog test waits for what it expects before failing. */
#define UI_TEST_DEADLINE_US (20 * G_USEC_PER_SEC)

typedef gboolean (*UiCondition) (gpointer data);

/* Runs the main loop until @condition holds, failing after UI_TEST_DEADLINE_US. */

G_GNUC_UNUSED static void
ui_wait_until (UiCondition   condition,
            gpointer    data,
            const char *what)
{
  gint64 deadline = g_get_monotonic_time () + UI_TEST_DEADLINE_US;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for %s", what);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

G_GNUC_UNUSED static GtkWindow *
ui_find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return window;
    }

  return NULL;
}

G_GNUC_UNUSED static gboolean
ui_toplevel_shown (gpointer data)
{
  return ui_find_toplevel (GPOINTER_TO_SIZE (data)) != NULL;
}

G_GNUC_UNUSED static GtkWindow *
ui_wait_for_toplevel (GType type)
{
  ui_wait_until (ui_toplevel_shown, GSIZE_TO_POINTER (type), g_type_name (type));
  return ui_find_toplevel (type);
}

/* Saves what @window shows as @name in the test log folder (LD_SHOTS_DIR,
 * meson-logs/shots), for a person to look at. */
G_GNUC_UNUSED static void
save_screenshot (GtkWidget  *window,
                 const char *name)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (window);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  const char *dir = g_getenv ("LD_SHOTS_DIR");
  g_autofree char *path = NULL;

  if (dir == NULL)
    dir = g_get_tmp_dir ();
  g_mkdir_with_parents (dir, 0755);
  path = g_build_filename (dir, name, NULL);
  gdk_paintable_snapshot (paintable, snapshot, gtk_widget_get_width (window),
                          gtk_widget_get_height (window));
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

/* The first descendant of @type (@widget included) with @css_class, or with
 * any class for %NULL: a drop-down's popover has a list view too. */
G_GNUC_UNUSED static GtkWidget *
find_descendant (GtkWidget  *widget,
                 GType       type,
                 const char *css_class)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type)
      && (css_class == NULL || gtk_widget_has_css_class (widget, css_class)))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_descendant (child, type, css_class);

      if (found != NULL)
        return found;
    }

  return NULL;
}
