// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/* What the UI tests that run the real application share: the application
 * on ports the system picks (TCP, UDP, HTTP, syslog, GELF, OTLP), without
 * NNG or an archive; a window of a given size, shown and painted; closing
 * it and checking it is gone; a screenshot in light and in dark; finding a
 * label and an item of a menu. */

#include <adwaita.h>

#include "ld-application.h"
#include "ld-session.h"
#include "ui-test-utils.h"

/* Whether there is a display to test on; without one the test reports a
 * skip through g_test_run() and @status is what main() returns. */
G_GNUC_UNUSED static gboolean
ui_test_init (int   *argc,
              char ***argv,
              int   *status)
{
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_test_init (argc, argv, NULL);
      g_test_skip ("no display: run under xvfb-run, as build-aux/test does");
      *status = g_test_run ();
      return FALSE;
    }

  gtk_test_init (argc, argv, NULL);
  adw_init ();
  return TRUE;
}

G_GNUC_UNUSED static LdApplication *
ui_test_application_new (void)
{
  g_autoptr(GSettings) settings = ld_settings_new ();
  g_autoptr(GVariantDict) options = g_variant_dict_new (NULL);
  g_autoptr(GError) error = NULL;
  const char *ports[] = { "udp-port", "http-port", "syslog-port", "gelf-port", "otlp-port" };
  LdApplication *app;

  for (guint i = 0; i < G_N_ELEMENTS (ports); i++)
    g_settings_set_value (settings, ports[i], g_variant_new_uint16 (0));
  g_settings_set_string (settings, "nng-listen", "");
  g_settings_set_boolean (settings, "archive", FALSE);

  app = ld_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_variant_dict_insert (options, "tcp-port", "s", "0");
  g_assert_cmpint (ld_session_handle_options (ld_application_get_session (app), options), ==, -1);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  return app;
}

G_GNUC_UNUSED static void
ui_close_window (GtkWidget *window)
{
  g_object_ref (window);
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
}

/* @name-light.png and @name-dark.png, beside the test log. */
G_GNUC_UNUSED static void
ui_save_shots (GtkWidget  *window,
               const char *name)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  g_autofree char *light = g_strdup_printf ("%s-light.png", name);
  g_autofree char *dark = g_strdup_printf ("%s-dark.png", name);

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  wait_painted (window);
  save_screenshot (window, light);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  wait_painted (window);
  save_screenshot (window, dark);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
}

/* The mapped label whose text starts with @prefix, under @widget (@widget
 * included). */
G_GNUC_UNUSED static GtkWidget *
ui_find_label_starting (GtkWidget  *widget,
                        const char *prefix)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget)
      && g_str_has_prefix (gtk_label_get_text (GTK_LABEL (widget)), prefix))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = ui_find_label_starting (child, prefix);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* The mapped label that reads @text, under @widget (@widget included). */
G_GNUC_UNUSED static GtkWidget *
ui_find_label (GtkWidget  *widget,
               const char *text)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget)
      && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = ui_find_label (child, text);

      if (found != NULL)
        return found;
    }

  return NULL;
}

typedef struct
{
  GtkWidget  *widget;
  const char *text;
} UiLabelWait;

G_GNUC_UNUSED static gboolean
ui_label_shown (gpointer data)
{
  UiLabelWait *wait = data;

  return ui_find_label (wait->widget, wait->text) != NULL;
}

G_GNUC_UNUSED static void
ui_wait_for_label (GtkWidget  *widget,
                   const char *text)
{
  UiLabelWait wait = { widget, text };

  ui_wait_until (ui_label_shown, &wait, text);
}

/* The item labelled @label in @menu (sections included): its action and target. */
G_GNUC_UNUSED static gboolean
ui_find_menu_item (GMenuModel  *menu,
                   const char  *label,
                   char       **action,
                   GVariant   **target)
{
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autofree char *text = NULL;
      g_autoptr(GMenuModel) section = g_menu_model_get_item_link (menu, i, G_MENU_LINK_SECTION);

      if (section != NULL && ui_find_menu_item (section, label, action, target))
        return TRUE;
      if (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_LABEL, "s", &text)
          && g_strcmp0 (text, label) == 0)
        {
          g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_ACTION, "s", action);
          *target = g_menu_model_get_item_attribute_value (menu, i, G_MENU_ATTRIBUTE_TARGET,
                                                           NULL);
          return TRUE;
        }
    }

  return FALSE;
}
