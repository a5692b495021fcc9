// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.archive"

/* The sessions folder: listing its archives for the Sessions dialog, and
 * the limits (Preferences: size and age) that delete the oldest sessions
 * when a new one starts. GLib only, so that headless Logdeck and the tests
 * use it too. */

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "ld-archive.h"
#include "ld-archive-retention.h"

static GPtrArray *last_removals;

void
ld_archive_session_free (LdArchiveSession *session)
{
  if (session == NULL)
    return;

  g_free (session->path);
  g_free (session->file_name);
  g_free (session->name);
  g_free (session->started);
  g_free (session->ended);
  g_free (session->sources);
  g_clear_error (&session->error);
  g_free (session);
}

void
ld_archive_removal_free (LdArchiveRemoval *removal)
{
  if (removal == NULL)
    return;

  g_free (removal->file_name);
  g_free (removal->reason);
  g_free (removal);
}

static guint64
file_size (const char *path,
           gint64     *modified_us)
{
  GStatBuf buf;

  if (g_stat (path, &buf) != 0)
    return 0;
  if (modified_us != NULL)
    *modified_us = (gint64) buf.st_mtime * G_USEC_PER_SEC;

  return (guint64) buf.st_size;
}

static int
compare_sessions (gconstpointer a,
                  gconstpointer b)
{
  const LdArchiveSession *sa = *(LdArchiveSession *const *) a;
  const LdArchiveSession *sb = *(LdArchiveSession *const *) b;

  return strcmp (sa->file_name, sb->file_name);
}

/**
 * ld_archive_list_sessions:
 * @dir: the sessions folder
 *
 * Lists the archives in @dir, oldest first, with their sizes and times but
 * without opening them. A folder that does not exist holds none.
 *
 * Returns: (transfer full) (element-type LdArchiveSession): the sessions
 */
GPtrArray *
ld_archive_list_sessions (const char *dir)
{
  GPtrArray *sessions = g_ptr_array_new_with_free_func ((GDestroyNotify) ld_archive_session_free);
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *file_name;

  if (handle == NULL)
    return sessions;

  while ((file_name = g_dir_read_name (handle)) != NULL)
    {
      LdArchiveSession *session;
      g_autofree char *wal = NULL;

      if (!g_str_has_suffix (file_name, ".logdeck"))
        continue;

      session = g_new0 (LdArchiveSession, 1);
      session->file_name = g_strdup (file_name);
      session->path = g_build_filename (dir, file_name, NULL);
      wal = g_strconcat (session->path, "-wal", NULL);
      session->size = file_size (session->path, &session->modified_us) + file_size (wal, NULL);
      g_ptr_array_add (sessions, session);
    }
  g_ptr_array_sort (sessions, compare_sessions);

  return sessions;
}

/**
 * ld_archive_session_read_details:
 * @session: a session from ld_archive_list_sessions()
 *
 * Opens the archive to read what it says about itself. A file that cannot
 * be read keeps the reason in @session->error. Blocks: call it off the UI
 * thread.
 */
void
ld_archive_session_read_details (LdArchiveSession *session)
{
  g_autoptr(LdArchive) archive = NULL;
  g_autofree char *records = NULL;

  g_return_if_fail (session != NULL);

  g_clear_error (&session->error);
  archive = ld_archive_open (session->path, &session->error);
  if (archive == NULL)
    return;

  g_free (session->name);
  session->name = ld_archive_get_meta (archive, "name");
  g_free (session->started);
  session->started = ld_archive_get_meta (archive, "started");
  g_free (session->ended);
  session->ended = ld_archive_get_meta (archive, "ended");
  g_free (session->sources);
  session->sources = ld_archive_get_meta (archive, "sources");

  /* A session that ended counted its records; counting a crashed one's
   * reads the table, which is the only way to know. */
  records = ld_archive_get_meta (archive, "records");
  if (session->ended == NULL || records == NULL
      || !g_ascii_string_to_unsigned (records, 10, 0, G_MAXUINT64, &session->n_records, NULL))
    session->n_records = ld_archive_get_n_records (archive);
}

/**
 * ld_archive_delete_session:
 * @path: an archive
 * @error: where to say why not
 *
 * Deletes the archive with SQLite's write-ahead log and shared memory
 * files, which a crash leaves beside it.
 *
 * Returns: %FALSE on error
 */
gboolean
ld_archive_delete_session (const char  *path,
                           GError     **error)
{
  static const char *const suffixes[] = { "-wal", "-shm" };

  g_return_val_if_fail (path != NULL, FALSE);

  if (g_unlink (path) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "%s: %s", path, g_strerror (saved_errno));
      return FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *side = g_strconcat (path, suffixes[i], NULL);

      g_unlink (side);
    }

  return TRUE;
}

/* "2026-12-05T23-04-05-4242.logdeck": a Logdeck that is still running
 * writes it, perhaps another window than this one. A process id in use
 * by another program since keeps a session until that one exits. */
static gboolean
may_be_running (const char *file_name)
{
  const char *dash = strrchr (file_name, '-');
  guint64 pid;
  g_autofree char *digits = NULL;

  if (dash == NULL)
    return FALSE;
  digits = g_strndup (dash + 1, strlen (dash + 1) - strlen (".logdeck"));
  if (!g_ascii_string_to_unsigned (digits, 10, 1, G_MAXINT32, &pid, NULL))
    return FALSE;

  return kill ((pid_t) pid, 0) == 0 || errno == EPERM;
}

static LdArchiveRemoval *
removal_new (const LdArchiveSession *session,
             char                   *reason)
{
  LdArchiveRemoval *removal = g_new0 (LdArchiveRemoval, 1);

  removal->file_name = g_strdup (session->file_name);
  removal->reason = reason;

  return removal;
}

/**
 * ld_archive_retention_apply:
 * @dir: the sessions folder
 * @keep_path: (nullable): the running session's archive, never deleted
 * @max_bytes: what all sessions may take together; 0 for no limit
 * @max_days: how old the newest record of a session may be; 0 for no limit
 * @now_us: the time now, in µs since the epoch
 *
 * Deletes the oldest sessions beyond either limit. A session that another
 * running Logdeck writes is kept, as is @keep_path.
 *
 * Returns: (transfer full) (element-type LdArchiveRemoval): which went and why
 */
GPtrArray *
ld_archive_retention_apply (const char *dir,
                            const char *keep_path,
                            guint64     max_bytes,
                            guint       max_days,
                            gint64      now_us)
{
  g_autoptr(GPtrArray) sessions = ld_archive_list_sessions (dir);
  GPtrArray *removals = g_ptr_array_new_with_free_func ((GDestroyNotify) ld_archive_removal_free);
  gint64 max_age_us = (gint64) max_days * G_USEC_PER_SEC * 60 * 60 * 24;
  guint64 total = 0;

  for (guint i = 0; i < sessions->len; i++)
    total += ((LdArchiveSession *) sessions->pdata[i])->size;

  for (guint i = 0; i < sessions->len; i++)
    {
      LdArchiveSession *session = sessions->pdata[i];
      g_autoptr(GError) error = NULL;
      char *reason;

      if (g_strcmp0 (session->path, keep_path) == 0 || may_be_running (session->file_name))
        continue;

      if (max_days > 0 && now_us - session->modified_us > max_age_us)
        reason = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Older than %u day",
                                               "Older than %u days", max_days), max_days);
      else if (max_bytes > 0 && total > max_bytes)
        {
          g_autofree char *limit = g_format_size (max_bytes);

          reason = g_strdup_printf (_("Sessions took more than %s"), limit);
        }
      else
        continue;

      if (!ld_archive_delete_session (session->path, &error))
        {
          g_warning ("Cannot delete an old session: %s", error->message);
          g_free (reason);
          continue;
        }
      total -= session->size;
      g_ptr_array_add (removals, removal_new (session, reason));
    }

  return removals;
}

/**
 * ld_archive_retention_get_last:
 *
 * Returns: (transfer none) (nullable) (element-type LdArchiveRemoval): what
 *   the limits deleted when this process's session started
 */
GPtrArray *
ld_archive_retention_get_last (void)
{
  return last_removals;
}

/**
 * ld_archive_retention_set_last:
 * @removals: (transfer full) (nullable): what the limits deleted
 */
void
ld_archive_retention_set_last (GPtrArray *removals)
{
  g_clear_pointer (&last_removals, g_ptr_array_unref);
  last_removals = removals;
}
