// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include "ld-dashboard.h"
#include "ld-window-private.h"

/* The window's width classes: what the sidebar, the filter bar, the header
 * bar and the columns do at each width. */

/* Below FOLD_WIDTH the sidebar folds away behind its header button; below
 * NARROW_WIDTH the chart and the panels hide behind one too, and the filter
 * bar puts Find under the filter. The HIG's adaptive widths for 1.2, where
 * there is no AdwBreakpoint. */
#define FOLD_WIDTH   1000
#define NARROW_WIDTH 700

enum {
  WIDTH_UNSET,
  WIDTH_WIDE,
  WIDTH_FOLDED,
  WIDTH_NARROW,
};

static int
width_class_for (int width)
{
  if (width < NARROW_WIDTH)
    return WIDTH_NARROW;
  if (width < FOLD_WIDTH)
    return WIDTH_FOLDED;
  return WIDTH_WIDE;
}

static void
apply_width_class (LdWindow *self,
                   int       width_class)
{
  gboolean folded = width_class != WIDTH_WIDE;
  gboolean narrow = width_class == WIDTH_NARROW;
  gboolean was_narrow = self->width_class == WIDTH_NARROW;

  /* AUTO (not NEVER) when wide: the flap then never adds its width to the
   * window's minimum, which would push controls off a small screen. */
  adw_flap_set_fold_policy (self->flap, folded ? ADW_FLAP_FOLD_POLICY_ALWAYS
                                               : ADW_FLAP_FOLD_POLICY_AUTO);
  if (self->width_class != WIDTH_UNSET && folded != (self->width_class != WIDTH_WIDE))
    adw_flap_set_reveal_flap (self->flap, !folded);
  else if (self->width_class == WIDTH_UNSET && folded)
    adw_flap_set_reveal_flap (self->flap, FALSE);

  gtk_orientable_set_orientation (GTK_ORIENTABLE (self->filter_row),
                                  narrow ? GTK_ORIENTATION_VERTICAL : GTK_ORIENTATION_HORIZONTAL);
  gtk_widget_set_visible (GTK_WIDGET (self->dashboard_button), narrow);
  /* Pause and Clear are in the main menu too; a narrow header bar keeps
   * the menu and the window's own buttons on screen instead. */
  gtk_widget_set_visible (self->pause_button, !narrow);
  gtk_widget_set_visible (self->clear_button, !narrow);
  ld_window_columns_set_narrow (self, narrow, folded);
  if (narrow != was_narrow || self->width_class == WIDTH_UNSET)
    {
      gtk_toggle_button_set_active (self->dashboard_button, !narrow);
      if (narrow && self->dashboard != NULL)
        ld_dashboard_set_show_views (self->dashboard, FALSE);
    }
  self->width_class = width_class;
}

static gboolean
adapt_idle (gpointer data)
{
  LdWindow *self = data;

  self->adapt_id = 0;
  apply_width_class (self, width_class_for (gtk_widget_get_width (GTK_WIDGET (self))));
  return G_SOURCE_REMOVE;
}

/**
 * ld_window_adapt_to_width:
 * @width: the width the window was just given
 *
 * A new width class is applied after the allocation, not during it, so that
 * the changes it makes lay out in the next frame.
 */
void
ld_window_adapt_to_width (LdWindow *self,
                          int       width)
{
  if (width_class_for (width) != self->width_class && self->adapt_id == 0)
    self->adapt_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, adapt_idle, self, NULL);
}

/**
 * ld_window_apply_default_width:
 *
 * Lays the window out for the width it opens at, before its first size is
 * measured: laid out wide, a window asked for 600 px measured 680 and
 * stayed so, although its narrow layout fits in 360.
 */
void
ld_window_apply_default_width (LdWindow *self)
{
  int width, height;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  if (width > 0 && !gtk_window_is_maximized (GTK_WINDOW (self)))
    apply_width_class (self, width_class_for (width));
}
