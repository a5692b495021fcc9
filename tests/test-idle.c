// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.test"

/* An idle window does not wake up (issue #13): once records stop coming,
 * every refresh that runs on a clock (the status bar's rate, the sidebar,
 * the load progress, the connection monitor, the activity chart) stops, so
 * that the main context comes to wait with no timeout at all. Checked by
 * asking the main context itself what it would wait for, not by timing. */

#include "config.h"

#include <gtk/gtk.h>

#include "ld-application.h"
#include "ld-level.h"
#include "ld-window.h"
#include "ui-test-utils.h"

/* Only so that a regression fails instead of hanging: the refreshes stop
 * within a few seconds of the last record. */
#define DEADLINE_US (60 * G_USEC_PER_SEC)

static LdApplication *app;

/* One iteration of the main context, done by hand to learn the timeout it
 * would wait with: -1 when no source has a time to wake up at. Returns
 * whether the context would sleep for good (no timeout, nothing ready). */
static gboolean
iterate_and_check_asleep (GMainContext *context)
{
  GPollFD fds[64];
  int priority, timeout, n_fds;
  gboolean ready;

  g_assert_true (g_main_context_acquire (context));
  ready = g_main_context_prepare (context, &priority);
  n_fds = g_main_context_query (context, priority, &timeout, fds, G_N_ELEMENTS (fds));
  g_assert_cmpint (n_fds, <=, (int) G_N_ELEMENTS (fds));
  if (!ready && timeout == -1)
    {
      g_main_context_check (context, priority, fds, 0);
      g_main_context_release (context);
      return TRUE;
    }

  /* Wait as the loop would, but never for long, so the deadline holds. */
  g_poll (fds, n_fds, ready ? 0 : timeout < 0 ? 100 : MIN (timeout, 100));
  if (g_main_context_check (context, priority, fds, n_fds))
    g_main_context_dispatch (context);
  g_main_context_release (context);
  return FALSE;
}

static void
push_old_records (guint count)
{
  LdBatch *batch = ld_batch_new ();
  /* Two hours ago: older than the activity chart's live span and the error
   * sparklines' hour, as a replay or a file may be, so nothing in the
   * window moves with the clock. */
  gint64 time_us = g_get_real_time () - (gint64) 2 * 3600 * G_USEC_PER_SEC;

  for (guint i = 0; i < count; i++)
    {
      g_autofree char *message = g_strdup_printf ("idle test %u", i);
      LdRecordFields fields = {
        .time_us = time_us + i * 1000, .level = 20,
        .level_name = ld_level_canonical_name (20), .logger = "acme.api",
        .thread = "Worker-1", .connection = "tcp-1", .message = message,
      };
      ld_batch_add (batch, &fields);
    }

  ld_handoff_push_batch (ld_application_get_handoff (app), batch);
}

static void
test_idle_window_sleeps (void)
{
  LdWindow *window = ld_window_new (app);
  LdStore *store = ld_application_get_store (app);
  GMainContext *context = g_main_context_default ();
  gint64 deadline;
  guint64 received = ld_store_get_n_received (store);

  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 800);
  gtk_window_present (GTK_WINDOW (window));
  wait_painted (GTK_WIDGET (window));

  push_old_records (5000);
  deadline = g_get_monotonic_time () + DEADLINE_US;
  while (ld_store_get_n_received (store) < received + 5000)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      iterate_and_check_asleep (context);
    }

  /* The refreshes ran (the rate was not 0 for the second with records), and
   * then each stopped: the context has nothing left to wake up for. */
  while (!iterate_and_check_asleep (context))
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);

  /* And a new record starts them again: something is scheduled. */
  push_old_records (1);
  while (ld_store_get_n_received (store) < received + 5001)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      iterate_and_check_asleep (context);
    }
  g_assert_false (iterate_and_check_asleep (context));

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_test_init (&argc, &argv, NULL);
      g_test_skip ("no display: run under xvfb-run, as build-aux/test does");
      return g_test_run ();
    }

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  /* Listen on ports of the system's choosing, never on a developer's 9020. */
  {
    g_autoptr(GSettings) settings = ld_settings_new ();
    g_settings_set_value (settings, "tcp-port", g_variant_new_uint16 (0));
    g_settings_set_value (settings, "udp-port", g_variant_new_uint16 (0));
    g_settings_set_value (settings, "http-port", g_variant_new_uint16 (0));
    g_settings_set_string (settings, "nng-listen", "");
  }

  app = ld_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);

  g_test_add_func ("/idle/window-sleeps", test_idle_window_sleeps);

  status = g_test_run ();
  g_clear_object (&app);
  return status;
}
