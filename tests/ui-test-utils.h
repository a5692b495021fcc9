// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/* What the UI tests share: waiting for a window to be painted, saving what
 * it shows, and finding a widget inside it. */

#include <gtk/gtk.h>
#ifdef GDK_WINDOWING_X11
#include <gdk/x11/gdkx.h>
#endif

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

/* Runs the main loop until @condition holds or @timeout_us has passed; says which. */
G_GNUC_UNUSED static gboolean
ui_wait_until_within (UiCondition condition,
                      gpointer    data,
                      gint64      timeout_us)
{
  gint64 deadline = g_get_monotonic_time () + timeout_us;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return TRUE;
}

G_GNUC_UNUSED static void
ui_wait_until (UiCondition   condition,
            gpointer    data,
            const char *what)
{
  if (!ui_wait_until_within (condition, data, UI_TEST_DEADLINE_US))
    g_error ("Timed out waiting for %s", what);
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

/* Real input through the X server (xdotool's XTest) with the pointer at
 * (@x, @y) in @window's surface: @actions are xdotool commands such as
 * "key shift+F10" or "keydown ctrl click 1 keyup ctrl". The UI tests share
 * one Xvfb display without a window manager, so another test's window may
 * lie on top of this one or hold the keyboard: the window is raised and
 * given the focus first. A window mapped in between can still take the
 * input, so a caller waits for the effect and may send again. FALSE where
 * there is no X11 or no xdotool. */
G_GNUC_UNUSED static gboolean
ui_send_x_input (GtkWidget  *window,
                 int         x,
                 int         y,
                 const char *actions)
{
#ifdef GDK_WINDOWING_X11
  g_autofree char *xdotool = g_find_program_in_path ("xdotool");
  g_autofree char *command = NULL;
  gulong xid;
  int status;

  if (!GDK_IS_X11_DISPLAY (gtk_widget_get_display (window)) || xdotool == NULL)
    return FALSE;

  xid = gdk_x11_surface_get_xid (gtk_native_get_surface (GTK_NATIVE (window)));
  command = g_strdup_printf ("%s windowraise %lu windowfocus %lu mousemove --window %lu %d %d %s",
                             xdotool, xid, xid, xid, x, y, actions);
  g_assert_true (g_spawn_command_line_sync (command, NULL, NULL, &status, NULL));
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return TRUE;
#else
  return FALSE;
#endif
}
