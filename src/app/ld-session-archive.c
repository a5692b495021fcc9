// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

/* The session's archive: which file, started with the session and written
 * to the end when it stops (see ld-archive-writer.c). */

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "ld-archive-retention.h"
#include "ld-session-private.h"

/* ~/.local/share/logdeck/sessions/2026-12-05T23-04-05-4242.logdeck: the
 * start time sorts them, the process id tells apart two that start in the
 * same second. */
char *
ld_session_default_archive_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "logdeck", "sessions", NULL);
}

static char *
default_archive_path (GError **error)
{
  g_autofree char *dir = ld_session_default_archive_dir ();
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%dT%H-%M-%S");
  g_autofree char *name = g_strdup_printf ("%s-%d.logdeck", stamp, (int) getpid ());

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "%s: %s", dir, g_strerror (saved_errno));
      return NULL;
    }

  return g_build_filename (dir, name, NULL);
}

/* What fed the session, for the Sessions dialog: each endpoint that
 * received records ("tcp-pickle 127.0.0.1:9020") and each file read
 * ("file app.log"), as the sources panel lists them. Each is noted when its
 * count of records first leaves zero: the registry says so, no timer asks. */
static char *
describe_source (LdConnection *connection)
{
  const char *protocol = ld_connection_get_protocol (connection);

  if (protocol == NULL)
    return NULL;
  if (ld_connection_is_endpoint (connection))
    return g_strdup_printf ("%s %s", protocol, ld_connection_get_address (connection));
  if (g_str_has_prefix (protocol, "file"))
    return g_strdup_printf ("%s %s", protocol, ld_connection_get_id (connection));

  return NULL;
}

static void
on_source_n_records (LdSession    *self,
                     GParamSpec   *pspec,
                     LdConnection *connection)
{
  g_autofree char *source = NULL;

  if (self->archive == NULL || ld_connection_get_n_records (connection) == 0)
    return;

  g_signal_handlers_disconnect_by_func (connection, on_source_n_records, self);
  source = describe_source (connection);
  if (source != NULL)
    ld_archive_writer_add_source (self->archive, source);
}

static void
watch_sources (LdSession *self,
               guint      position,
               guint      n)
{
  for (guint i = position; i < position + n; i++)
    {
      g_autoptr(LdConnection) connection = g_list_model_get_item (G_LIST_MODEL (self->registry),
                                                                  i);
      g_autofree char *source = describe_source (connection);

      if (source == NULL)
        continue;
      if (ld_connection_get_n_records (connection) > 0)
        ld_archive_writer_add_source (self->archive, source);
      else
        g_signal_connect_object (connection, "notify::n-records",
                                 G_CALLBACK (on_source_n_records), self, G_CONNECT_SWAPPED);
    }
}

static void
on_registry_items_changed (LdSession  *self,
                           guint       position,
                           guint       removed,
                           guint       added,
                           GListModel *registry)
{
  if (self->archive != NULL)
    watch_sources (self, position, added);
}

static void
on_store_items_changed (LdSession  *self,
                        guint       position,
                        guint       removed,
                        guint       added,
                        GListModel *store)
{
  if (added > 0)
    ld_archive_writer_notify (self->archive);
}

/* The limits (Preferences, Archive) apply when a window's session starts:
 * the oldest sessions beyond them go, and the Sessions dialog says which. */
static void
apply_limits (LdSession  *self,
              const char *keep_path)
{
  g_autofree char *dir = ld_session_default_archive_dir ();
  guint gigabytes = g_settings_get_uint (self->settings, "archive-max-gigabytes");
  guint days = g_settings_get_uint (self->settings, "archive-max-days");

  ld_archive_retention_set_last (ld_archive_retention_apply (dir, keep_path,
                                                             (guint64) gigabytes << 30, days,
                                                             g_get_real_time ()));
}

/* Headless archives only when asked (--archive): a script's run is not a
 * session to keep. The window archives unless told not to. A file that
 * cannot be made is said, and the session goes on without an archive,
 * except headless with --archive, which was asked for it and stops. */
void
_ld_session_start_archive (LdSession *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *started = NULL;

  if (self->no_archive)
    return;
  if (self->archive_path != NULL)
    path = g_strdup (self->archive_path);
  else if (self->headless || !g_settings_get_boolean (self->settings, "archive"))
    return;
  else
    path = default_archive_path (&error);

  if (path != NULL)
    self->archive = ld_archive_writer_new (self->store, path, &error);
  if (self->archive != NULL && self->archive_path == NULL)
    apply_limits (self, path);
  if (self->archive == NULL)
    {
      if (self->headless)
        {
          g_printerr (_("Cannot archive the session: %s\n"), error->message);
          exit (1);
        }
      g_warning ("This session is not archived: %s", error->message);
      return;
    }

  now = g_date_time_new_now_utc ();
  started = g_date_time_format_iso8601 (now);
  ld_archive_writer_set_meta (self->archive, "started", started);
  ld_archive_writer_set_meta (self->archive, "version", PACKAGE_VERSION);
  ld_archive_writer_set_meta (self->archive, "host", g_get_host_name ());
  g_signal_connect_object (self->store, "items-changed",
                           G_CALLBACK (on_store_items_changed), self, G_CONNECT_SWAPPED);
  if (self->registry != NULL)
    {
      watch_sources (self, 0, g_list_model_get_n_items (G_LIST_MODEL (self->registry)));
      g_signal_connect_object (self->registry, "items-changed",
                               G_CALLBACK (on_registry_items_changed), self, G_CONNECT_SWAPPED);
    }
}

/* Everything the store received is written before the archive closes. */
void
_ld_session_stop_archive (LdSession *self)
{
  if (self->archive == NULL)
    return;

  g_signal_handlers_disconnect_by_func (self->store, on_store_items_changed, self);
  /* The registry's last counts may come after the last records: they are
   * taken in before the archive closes. */
  if (self->registry != NULL)
    {
      ld_connection_registry_flush (self->registry);
      g_signal_handlers_disconnect_by_func (self->registry, on_registry_items_changed, self);
    }
  g_clear_pointer (&self->archive, ld_archive_writer_free);
}

/**
 * ld_session_get_archive_writer:
 * @self: a session
 *
 * Returns: (transfer none) (nullable): the writer of the session's archive
 */
LdArchiveWriter *
ld_session_get_archive_writer (LdSession *self)
{
  g_return_val_if_fail (LD_IS_SESSION (self), NULL);

  return self->archive;
}
