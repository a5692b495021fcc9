// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <epoxy/gl.h>
#include <string.h>

#include "ld-renderer.h"

/* Which renderer draws the window.
 *
 * GTK 4.8 draws with OpenGL wherever it can get a context, and on a machine
 * without a GPU (a VM, Xvfb, a remote X display) that context is Mesa's
 * llvmpipe, which rasterizes on the CPU. There the cairo renderer draws the
 * same frames with a fraction of the work and memory: a log viewer taking
 * 300,000 records a second shares those cores with the ingest thread. GTK
 * itself has made the same choice since 4.14 (GSK renderers skip llvmpipe),
 * so this only brings that behaviour to 4.8. GSK_RENDERER, when set, wins. */

static gboolean
is_software_renderer (const char *name)
{
  static const char *const software[] = { "llvmpipe", "softpipe", "swrast", "SwiftShader" };

  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (software); i++)
    if (strstr (name, software[i]) != NULL)
      return TRUE;

  return FALSE;
}

/**
 * ld_renderer_choose:
 * @display: the display the windows will be on
 *
 * Picks the cairo renderer when OpenGL on @display is software rendering.
 * Call it before the first window is realized: GTK reads the choice once.
 *
 * Returns: %TRUE if the cairo renderer was picked
 */
gboolean
ld_renderer_choose (GdkDisplay *display)
{
  g_autoptr(GdkGLContext) context = NULL;
  g_autoptr(GError) error = NULL;
  const char *name;
  gboolean software;

  g_return_val_if_fail (GDK_IS_DISPLAY (display), FALSE);

  if (g_getenv ("GSK_RENDERER") != NULL)
    return FALSE;

  context = gdk_display_create_gl_context (display, &error);
  if (context == NULL || !gdk_gl_context_realize (context, &error))
    {
      /* GTK will fall back to cairo by itself. */
      g_debug ("No OpenGL: %s", error->message);
      return FALSE;
    }

  gdk_gl_context_make_current (context);
  name = (const char *) glGetString (GL_RENDERER);
  software = is_software_renderer (name);
  g_debug ("OpenGL renderer: %s", name != NULL ? name : "(unknown)");
  gdk_gl_context_clear_current ();

  if (!software)
    return FALSE;

  /* What GSK_RENDERER would say, for this display only: GTK looks at this
   * (as GtkInspector sets it) before the environment. Setting the variable
   * itself is no longer safe, as other threads run by now. */
  g_object_set_data (G_OBJECT (display), "gsk-renderer", (gpointer) "cairo");
  return TRUE;
}
