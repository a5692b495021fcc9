// SPDX-License-Identifier: GPL-3.0-or-later
/* bench/archive-open: how long opening an archived session of 1,000,000
 * records takes (the Sessions dialog's Open): ld_archive_load_async() reads
 * on its worker and hands slices to a store on the main context, as in the
 * window, but in-process without one; with --window, into a running
 * application's session with its window showing the table, as the Sessions
 * dialog's Open does. The target is 1.5 s. Prints figures; asserts none. */
#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "ld-application.h"
#include "ld-archive-loader.h"
#include "ld-archive-writer.h"
#include "ld-store.h"
#include "ld-window.h"

#define DEFAULT_RECORDS 1000000
#define BATCH_SIZE 4096
#define N_RUNS 3

static gboolean with_window;
static int n_records = DEFAULT_RECORDS;
static gint64 last_frame_us;
static gint64 longest_gap_us;
static guint n_slow_frames;   /* gaps over the 100 ms a frame may take */

static const GOptionEntry entries[] = {
  { "window", 'w', 0, G_OPTION_ARG_NONE, &with_window,
    "Open into the application's window, as Sessions → Open does (needs a display)", NULL },
  { "records", 'n', 0, G_OPTION_ARG_INT, &n_records,
    "Records in the session (fewer for a run under callgrind)", "N" },
  { NULL }
};

static const char *loggers[] = { "acme.api", "acme.api.auth", "acme.db", "acme.worker", "root" };
static const char *levels[] = { "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL" };

/* The records bench/archive writes, so that the two figures compare. */
static void
write_archive (const char *path)
{
  g_autoptr(LdStore) store = ld_store_new (n_records);
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autoptr(GError) error = NULL;
  LdArchiveWriter *writer;

  for (guint i = 0; i < (guint) n_records; i++)
    {
      char message[96], duration[16];
      LdRecordFields fields = {
        .time_us = 1763640000000000 + i * 1000, .level = 10 * (1 + i % 5),
        .level_name = levels[i % 5], .logger = loggers[i % 5], .thread = "MainThread",
        .thread_id = 140000000 + i % 4, .process = 4242, .process_name = "MainProcess",
        .file = "/srv/acme/api.py", .line = 100 + i % 50, .function = "handle_request",
        .connection = "tcp-1", .peer = "127.0.0.1:50000", .protocol = "tcp-pickle",
        .message = message,
      };

      g_snprintf (message, sizeof message, "GET /api/v1/items/%u completed in %u ms", i, i % 997);
      g_snprintf (duration, sizeof duration, "%u", i % 997);
      ld_batch_add (batch, &fields);
      ld_batch_add_extra (batch, "duration_ms", -1, LD_VALUE_NUMBER, duration, -1);
      if (ld_batch_get_length (batch) == BATCH_SIZE)
        {
          ld_store_append_batch (store, batch);
          g_clear_pointer (&batch, ld_batch_free);
          batch = ld_batch_new ();
        }
    }
  ld_store_append_batch (store, batch);

  writer = ld_archive_writer_new (store, path, &error);
  g_assert_no_error (error);
  ld_archive_writer_flush (writer);
  ld_archive_writer_free (writer);
}

static void
on_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GMainLoop *loop = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (ld_archive_load_finish (result, NULL, &error));
  g_main_loop_quit (loop);
}

/* The process's CPU time, every thread's: on a loaded machine it says more
 * than the wall clock does. */
static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec
         + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

/* The calling thread's CPU time: into the window, the UI thread's share is
 * what limits the open, and it is what a change to the load path moves. */
static double
thread_cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_THREAD, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec
         + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* One open into a bare store, in-process. */
static void
open_into_store (const char *path)
{
  g_autoptr(LdStore) store = ld_store_new (n_records);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  ld_archive_load_async (path, store, NULL, on_loaded, loop);
  g_main_loop_run (loop);
  g_assert_cmpuint (ld_store_get_n_records (store), ==, (guint) n_records);
}

/* One open into the window's session, as the Sessions dialog does: the
 * application's "clear", then the load, while the table follows. */
static void
open_into_window (LdApplication *app,
                  const char    *path)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  g_action_group_activate_action (G_ACTION_GROUP (app), "clear", NULL);
  ld_archive_load_into_session_async (path, ld_application_get_session (app), NULL, on_loaded,
                                      loop);
  g_main_loop_run (loop);
  g_assert_cmpuint (ld_store_get_n_records (ld_application_get_store (app)), ==, (guint) n_records);
}

/* The longest time between two frames the window drew while it opened:
 * the UI thread's work per slice, and what else it had to do. */
static gboolean
watch_frames (GtkWidget     *widget,
              GdkFrameClock *clock,
              gpointer       user_data)
{
  gint64 now = g_get_monotonic_time ();

  if (last_frame_us != 0)
    longest_gap_us = MAX (longest_gap_us, now - last_frame_us);
  if (last_frame_us != 0 && now - last_frame_us > 100000)
    n_slow_frames++;
  last_frame_us = now;

  return G_SOURCE_CONTINUE;
}

/* What a run leaves behind: the archive (with SQLite's -wal and -shm) and
 * the running session's folder. */
static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static LdApplication *
start_window (const char *data_dir)
{
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  LdApplication *app;
  LdWindow *window;

  /* The running session's archive goes to a folder of the bench's own; it
   * stays empty, as the opened records are not archived again. */
  g_setenv ("XDG_DATA_HOME", data_dir, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  gtk_init ();
  settings = ld_settings_new ();
  g_settings_set_value (settings, "tcp-port", g_variant_new_uint16 (0));
  g_settings_set_value (settings, "udp-port", g_variant_new_uint16 (0));
  g_settings_set_value (settings, "http-port", g_variant_new_uint16 (0));
  g_settings_set_uint (settings, "max-records", n_records);
  app = ld_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    g_error ("%s", error->message);

  window = ld_window_new (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 800);
  gtk_window_present (GTK_WINDOW (window));
  for (int i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  gtk_widget_add_tick_callback (GTK_WIDGET (window), watch_frames, NULL, NULL);
  printf ("archive-open (window): the running session archives under %s\n", data_dir);

  return app;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("— open an archived session");
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ld-bench-archive-open-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "session.logdeck", NULL);
  g_autofree char *data_dir = NULL;
  LdApplication *app = NULL;
  double seconds[N_RUNS], cpu[N_RUNS], ui_cpu[N_RUNS];

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    g_error ("%s", error->message);

  write_archive (path);
  if (with_window)
    {
      data_dir = g_dir_make_tmp ("ld-bench-data-XXXXXX", NULL);
      app = start_window (data_dir);
    }

  for (guint run = 0; run < N_RUNS; run++)
    {
      gint64 start = g_get_monotonic_time ();
      double cpu_start = cpu_seconds ();
      double ui_cpu_start = thread_cpu_seconds ();

      last_frame_us = longest_gap_us = 0;
      n_slow_frames = 0;
      if (app != NULL)
        open_into_window (app, path);
      else
        open_into_store (path);
      seconds[run] = (g_get_monotonic_time () - start) / 1e6;
      cpu[run] = cpu_seconds () - cpu_start;
      ui_cpu[run] = thread_cpu_seconds () - ui_cpu_start;
      printf ("run %u: opened %d records in %.2f s (CPU %.2f s all threads, %.2f s main thread)",
              run + 1, n_records, seconds[run], cpu[run], ui_cpu[run]);
      if (app != NULL)
        printf ("; longest gap between frames %.0f ms, %u gaps over 100 ms",
                longest_gap_us / 1000.0, n_slow_frames);
      printf ("\n");
    }
  remove_tree (dir);

  qsort (seconds, N_RUNS, sizeof (double), compare_doubles);
  qsort (cpu, N_RUNS, sizeof (double), compare_doubles);
  qsort (ui_cpu, N_RUNS, sizeof (double), compare_doubles);
  printf ("opening an archived session (in-process, %s, %d records with an extra): "
          "median %.2f s, CPU %.2f s, main thread %.2f s (target 1.5 s)\n",
          app != NULL ? "into the window" : "no window", n_records, seconds[N_RUNS / 2],
          cpu[N_RUNS / 2], ui_cpu[N_RUNS / 2]);
  if (app != NULL)
    {
      g_application_quit (G_APPLICATION (app));
      g_object_unref (app);
      remove_tree (data_dir);
    }

  return 0;
}
