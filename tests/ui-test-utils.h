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
 * "key shift+F10" or "keydown ctrl click 1 keyup ctrl".
 *
 * The UI tests share one Xvfb display without a window manager, and every
 * window maps at the same place, on top: another test's window may lie
 * over this one, and the pointer's window takes the input. So the window
 * is raised and given the focus first, and a capture controller on it
 * watches for the input's first key or button press. Input that did not
 * reach it in 10 s (a window mapped in between took it) is sent again,
 * three times at most; input that reached it is never sent twice, so the
 * caller then waits for its effect as long as for anything else. FALSE
 * where there is no X11 or no xdotool. */
#ifdef GDK_WINDOWING_X11
static gboolean
ui_count_press (GtkEventControllerLegacy *controller,
                GdkEvent                 *event,
                guint                    *n_presses)
{
  GdkEventType type = gdk_event_get_event_type (event);

  if (type == GDK_KEY_PRESS || type == GDK_BUTTON_PRESS)
    (*n_presses)++;
  return FALSE;
}

static gboolean
ui_presses_seen (gpointer data)
{
  return *(guint *) data > 0;
}
#endif

G_GNUC_UNUSED static gboolean
ui_send_x_input (GtkWidget  *window,
                 int         x,
                 int         y,
                 const char *actions)
{
#ifdef GDK_WINDOWING_X11
  g_autofree char *xdotool = g_find_program_in_path ("xdotool");
  g_autofree char *quoted = NULL;
  GtkEventController *watch;
  gulong xid;
  guint n_presses = 0;

  if (!GDK_IS_X11_DISPLAY (gtk_widget_get_display (window)) || xdotool == NULL)
    return FALSE;

  quoted = g_shell_quote (xdotool);
  xid = gdk_x11_surface_get_xid (gtk_native_get_surface (GTK_NATIVE (window)));
  watch = gtk_event_controller_legacy_new ();
  gtk_event_controller_set_propagation_phase (watch, GTK_PHASE_CAPTURE);
  g_signal_connect (watch, "event", G_CALLBACK (ui_count_press), &n_presses);
  gtk_widget_add_controller (window, watch);

  for (int attempt = 0; attempt < 3 && n_presses == 0; attempt++)
    {
      g_autofree char *command = g_strdup_printf ("%s windowraise %lu windowfocus %lu "
                                                  "mousemove --window %lu %d %d %s",
                                                  quoted, xid, xid, xid, x, y, actions);
      int status;

      if (attempt > 0)
        g_test_message ("\"%s\" did not reach the window; sent again", actions);
      g_assert_true (g_spawn_command_line_sync (command, NULL, NULL, &status, NULL));
      g_assert_true (g_spawn_check_wait_status (status, NULL));
      ui_wait_until_within (ui_presses_seen, &n_presses, 10 * G_USEC_PER_SEC);
    }
  gtk_widget_remove_controller (window, watch);
  if (n_presses == 0)
    g_error ("\"%s\" never reached the window", actions);
  return TRUE;
#else
  return FALSE;
#endif
}
