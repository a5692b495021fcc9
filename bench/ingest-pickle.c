// SPDX-License-Identifier: GPL-3.0-or-later
/* bench/ingest-pickle: how fast headless Logdeck takes Python logging
 * records over TCP, and the peak memory for them, with the session archived
 * or not (--archive, --no-archive; --archive-both runs headless once
 * without and once with). Prints figures; asserts none.
 *
 * The records are CPython's own SocketHandler frames, captured into a file
 * by bench/gen_pickle_capture.py at bench time (kept in the temporary folder
 * between runs, never committed). A sender thread replays the file over
 * loopback with sendfile(), as fast as Logdeck reads it, into the same
 * LdIngest, hand-off and store as the application; the clock stops when the
 * store holds every record. The capture never enters this process's memory,
 * so the peak RSS is Logdeck's own. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "ld-application.h"
#include "ld-archive-retention.h"
#include "ld-archive-writer.h"
#include "ld-connection-registry.h"
#include "ld-handoff.h"
#include "ld-ingest.h"
#include "ld-parallel-decode.h"
#include "ld-store.h"
#include "ld-window.h"

#ifndef LD_BENCH_GENERATOR
#define LD_BENCH_GENERATOR "bench/gen_pickle_capture.py"
#endif

#define DEFAULT_RECORDS 1000000

static int n_records = DEFAULT_RECORDS;
static char *capture_path;
static char *python;
static gboolean with_window;
static gboolean no_archive;
static gboolean archive;
static gboolean archive_both;

static const GOptionEntry entries[] = {
  { "records", 'n', 0, G_OPTION_ARG_INT, &n_records, "Records to send", "N" },
  { "capture", 'c', 0, G_OPTION_ARG_FILENAME, &capture_path, "The capture file to use", "FILE" },
  { "python", 0, 0, G_OPTION_ARG_FILENAME, &python, "The Python to capture with", "PATH" },
  { "window", 'w', 0, G_OPTION_ARG_NONE, &with_window,
    "Run the whole application with its window (needs a display)", NULL },
  { "archive", 0, 0, G_OPTION_ARG_NONE, &archive,
    "Archive the session, as the window does by default and headless with --archive", NULL },
  { "no-archive", 0, 0, G_OPTION_ARG_NONE, &no_archive,
    "Do not archive the session (the default headless)", NULL },
  { "archive-both", 0, 0, G_OPTION_ARG_NONE, &archive_both,
    "Headless: run without the archive, then with it, and print both", NULL },
  { NULL }
};

typedef struct
{
  guint16  port;
  int      fd;
  gsize    size;
} Sender;

/* Makes the capture once; later runs reuse it. */
static void
ensure_capture (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *records = g_strdup_printf ("%d", n_records);
  const char *argv[] = { python, LD_BENCH_GENERATOR, capture_path, "--records", records, NULL };
  int status;

  if (g_file_test (capture_path, G_FILE_TEST_EXISTS))
    return;

  g_printerr ("ingest-pickle: capturing %d records from SocketHandler into %s…\n",
              n_records, capture_path);
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                     &status, &error)
      || !g_spawn_check_wait_status (status, &error))
    {
      g_printerr ("ingest-pickle: cannot capture: %s\n", error->message);
      g_unlink (capture_path);
      exit (1);
    }
}

static gpointer
send_capture (gpointer user_data)
{
  Sender *sender = user_data;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, sender->port);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GError) error = NULL;
  off_t offset = 0;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  if (socket == NULL || !g_socket_connect (socket, address, NULL, &error))
    g_error ("cannot connect: %s", error->message);

  /* GSocket's descriptor does not block, so wait for room when it is full. */
  while ((gsize) offset < sender->size)
    if (sendfile (g_socket_get_fd (socket), sender->fd, &offset, sender->size - offset) < 0)
      {
        if (errno == EAGAIN)
          g_socket_condition_wait (socket, G_IO_OUT, NULL, NULL);
        else if (errno != EINTR)
          g_error ("cannot send: %s", g_strerror (errno));
      }

  g_socket_close (socket, NULL);
  return NULL;
}

typedef struct
{
  LdStore         *store;
  LdArchiveWriter *writer;   /* (nullable) */
} Sink;

/* As the session does: the archive writer is told once per batch. */
static void
drain_into_store (LdBatch *const *batches,
                  guint           n_batches,
                  gpointer        user_data)
{
  Sink *sink = user_data;

  ld_store_append_batches (sink->store, batches, n_batches);
  if (sink->writer != NULL)
    ld_archive_writer_notify (sink->writer);
}

/* "1204819" as "1,204,819", whatever the locale. */
static char *
grouped (guint64 value)
{
  g_autofree char *digits = g_strdup_printf ("%" G_GUINT64_FORMAT, value);
  GString *out = g_string_new (NULL);
  gsize n = strlen (digits);

  for (gsize i = 0; i < n; i++)
    {
      if (i > 0 && (n - i) % 3 == 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, digits[i]);
    }

  return g_string_free (out, FALSE);
}

static long
peak_rss_mb (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

/* Headless: the session's archive goes to a folder of the bench's own,
 * removed after. The clock stops when the store holds every record, as
 * without the archive; how long the writer took to catch up after that is
 * in @catch_up. */
static double
replay (Sender  *sender,
        gboolean archived,
        double  *catch_up)
{
  g_autoptr(LdStore) store = ld_store_new (n_records);
  g_autoptr(LdConnectionRegistry) registry = ld_connection_registry_new ();
  Sink sink = { store, NULL };
  g_autoptr(LdHandoff) handoff = ld_handoff_new (NULL, drain_into_store, &sink, NULL);
  g_autoptr(LdIngest) ingest = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  GThread *thread;
  gint64 start, end;
  double seconds;

  if (archived)
    {
      dir = g_dir_make_tmp ("ld-bench-archive-XXXXXX", NULL);
      path = g_build_filename (dir, "session.logdeck", NULL);
      sink.writer = ld_archive_writer_new (store, path, &error);
      if (sink.writer == NULL)
        g_error ("%s", error->message);
    }

  /* As headless Logdeck does: take records as soon as they are handed over,
   * and decode on every core. */
  ld_handoff_set_min_interval (handoff, 0);
  ld_parallel_decode_set_headless (TRUE);
  ingest = ld_ingest_new (handoff, registry);
  if (!ld_ingest_add_tcp (ingest, "127.0.0.1", 0, &error))
    g_error ("%s", error->message);
  sender->port = ld_ingest_get_bound_port (ingest, "tcp");

  start = g_get_monotonic_time ();
  thread = g_thread_new ("sender", send_capture, sender);
  while (ld_store_get_n_received (store) < (guint64) n_records)
    g_main_context_iteration (NULL, TRUE);
  end = g_get_monotonic_time ();
  seconds = (end - start) / (double) G_USEC_PER_SEC;

  g_thread_join (thread);
  ld_ingest_stop (ingest);
  ld_handoff_shutdown (handoff);
  if (ld_store_get_n_received (store) != (guint64) n_records)
    g_error ("received %" G_GUINT64_FORMAT " records, not %d",
             ld_store_get_n_received (store), n_records);

  *catch_up = 0;
  if (sink.writer != NULL)
    {
      LdArchiveWriterStatus status = { 0 };

      ld_archive_writer_flush (sink.writer);
      *catch_up = (g_get_monotonic_time () - end) / (double) G_USEC_PER_SEC;
      ld_archive_writer_get_status (sink.writer, &status);
      if (status.n_written != (guint64) n_records)
        g_printerr ("ingest-pickle: %" G_GUINT64_FORMAT " records archived, %" G_GUINT64_FORMAT
                    " missed%s%s\n", status.n_written, status.n_missed,
                    status.problem != NULL ? ": " : "",
                    status.problem != NULL ? status.problem : "");
      ld_archive_writer_status_clear (&status);
      ld_archive_writer_free (sink.writer);
      ld_archive_delete_session (path, NULL);
      g_rmdir (dir);
    }

  return seconds;
}

/* With the window: the application's own session, hand-off and store, with
 * the table following the records as they come, and the longest time
 * between two frames the window drew. */
typedef struct
{
  LdStore *store;
  gint64   start;
  gint64   last_frame;
  gint64   longest_gap;
  gint64   longest_gap_at;      /* since the start */
  guint64  longest_gap_records; /* received when it ended */
} FrameWatch;

static gboolean
watch_frames (GtkWidget     *widget,
              GdkFrameClock *clock,
              gpointer       user_data)
{
  FrameWatch *watch = user_data;
  gint64 now = g_get_monotonic_time ();

  if (watch->last_frame != 0 && now - watch->last_frame > watch->longest_gap)
    {
      watch->longest_gap = now - watch->last_frame;
      watch->longest_gap_at = now - watch->start;
      watch->longest_gap_records = ld_store_get_n_received (watch->store);
    }
  watch->last_frame = now;

  return G_SOURCE_CONTINUE;
}

static double
replay_with_window (Sender      *sender,
                    FrameWatch  *watch,
                    char       **renderer)
{
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(LdApplication) app = NULL;
  g_autoptr(GError) error = NULL;
  LdWindow *window;
  LdStore *store;
  GThread *thread;
  gint64 start;
  double seconds;

  gtk_init ();
  settings = ld_settings_new ();
  g_settings_set_value (settings, "tcp-port", g_variant_new_uint16 (0));
  g_settings_set_value (settings, "udp-port", g_variant_new_uint16 (0));
  g_settings_set_value (settings, "http-port", g_variant_new_uint16 (0));
  g_settings_set_uint (settings, "max-records", n_records);
  g_settings_set_boolean (settings, "archive", !no_archive);
  app = ld_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    g_error ("%s", error->message);

  window = ld_window_new (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 800);
  gtk_window_present (GTK_WINDOW (window));
  store = ld_application_get_store (app);
  sender->port = ld_ingest_get_bound_port (ld_session_get_ingest (ld_application_get_session (app)),
                                           "tcp");
  /* Let the window show before the clock starts. */
  for (int i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  *renderer = g_strdup (G_OBJECT_TYPE_NAME (gtk_native_get_renderer (GTK_NATIVE (window))));
  watch->store = store;
  gtk_widget_add_tick_callback (GTK_WIDGET (window), watch_frames, watch, NULL);

  start = watch->start = g_get_monotonic_time ();
  thread = g_thread_new ("sender", send_capture, sender);
  while (ld_store_get_n_received (store) < (guint64) n_records)
    g_main_context_iteration (NULL, TRUE);
  seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;

  g_thread_join (thread);
  gtk_window_destroy (GTK_WINDOW (window));
  g_application_quit (G_APPLICATION (app));
  return seconds;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("— replay SocketHandler records");
  g_autoptr(GError) error = NULL;
  g_autofree char *rate = NULL;
  Sender sender = { 0 };
  struct stat st;
  double seconds;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    g_error ("%s", error->message);
  if (python == NULL)
    python = g_strdup (g_getenv ("LD_PYTHON3") != NULL ? g_getenv ("LD_PYTHON3")
                                                       : "/usr/bin/python3");
  if (capture_path == NULL)
    capture_path = g_strdup_printf ("%s/logdeck-bench-pickle-%d.bin", g_get_tmp_dir (), n_records);

  ensure_capture ();
  sender.fd = open (capture_path, O_RDONLY);
  if (sender.fd < 0 || fstat (sender.fd, &st) < 0)
    g_error ("cannot open %s: %s", capture_path, g_strerror (errno));
  sender.size = st.st_size;

  if (archive && no_archive)
    g_error ("--archive and --no-archive: choose one");
  if (with_window && archive_both)
    g_error ("--archive-both runs headless only: run --window with and without --no-archive");

  if (with_window)
    {
      FrameWatch watch = { 0 };
      g_autofree char *renderer = NULL;
      g_autofree char *data_dir = g_dir_make_tmp ("ld-bench-data-XXXXXX", NULL);
      g_autofree char *name = g_path_get_basename (capture_path);

      /* The session's archive goes to a folder of the bench's own, which
       * is left for a look (its path is printed), not in the user's. */
      g_setenv ("XDG_DATA_HOME", data_dir, TRUE);
      /* The settings below must reach the application's own GSettings:
       * dconf without a session bus would drop them. */
      g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
      if (!no_archive)
        printf ("ingest-pickle (window): archiving under %s\n", data_dir);
      seconds = replay_with_window (&sender, &watch, &renderer);
      rate = grouped ((guint64) (n_records / seconds));

      printf ("ingest-pickle (window, archive %s, %s, %s): %d records in %.2f s = %s records/s; "
              "peak RSS %ld MB; longest gap between frames %.0f ms (%.0f ms in, %" G_GUINT64_FORMAT
              " records received)\n", no_archive ? "off" : "on", name, renderer,
              n_records, seconds, rate, peak_rss_mb (),
              watch.longest_gap / 1000.0, watch.longest_gap_at / 1000.0,
              watch.longest_gap_records);
    }
  else
    {
      gboolean runs[] = { FALSE, TRUE };
      guint first = archive_both ? 0 : archive ? 1 : 0;
      guint last = archive_both ? 1 : first;

      for (guint i = first; i <= last; i++)
        {
          double catch_up;
          g_autofree char *archived = NULL;

          seconds = replay (&sender, runs[i], &catch_up);
          g_clear_pointer (&rate, g_free);
          rate = grouped ((guint64) (n_records / seconds));
          if (runs[i])
            archived = g_strdup_printf ("; the archive caught up %.2f s after the last record",
                                        catch_up);
          /* Peak RSS is the process's: with --archive-both, the larger run's. */
          printf ("ingest-pickle (headless, archive %s): %d records in %.2f s = %s records/s; "
                  "peak RSS %ld MB (%.0f MB of frames)%s\n", runs[i] ? "on" : "off",
                  n_records, seconds, rate, peak_rss_mb (), sender.size / 1e6,
                  archived != NULL ? archived : "");
        }
    }

  close (sender.fd);
  g_free (capture_path);
  g_free (python);
  return 0;
}
