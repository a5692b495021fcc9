// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#ifdef LD_WITH_WINDOW
#include "ld-application.h"
#endif
#include "ld-archive-sql.h"
#include "ld-server.h"

/* Run from the build tree (build-aux/run), the program uses the
 * translations built there rather than installed ones. */
static const char *
locale_dir (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);

  if (exe != NULL && g_str_has_prefix (exe, BUILD_ROOT "/"))
    return BUILD_ROOT "/po";

  return LOCALEDIR;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GApplication) app = NULL;
  int status;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, locale_dir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* A question to an archive is answered without starting anything. */
  if ((status = ld_archive_sql_main (argc, argv)) >= 0)
    return status;

  /* Only a window needs a display, and GTK insists on one at start-up.
   * logdeck-headless is built without the window (see src/meson.build). */
#ifdef LD_WITH_WINDOW
  if (!ld_session_args_request_headless (argc, argv))
    app = G_APPLICATION (ld_application_new ());
  else
#endif
    app = G_APPLICATION (ld_server_new ());

  /* "-" is this process's own standard input: nothing to hand over. */
  if (ld_session_args_read_stdin (argc, argv))
    g_application_set_flags (app, g_application_get_flags (app) | G_APPLICATION_NON_UNIQUE);

  return g_application_run (app, argc, argv);
}
