// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.import"

#include "config.h"

#include <gio/gunixinputstream.h>
#include <glib/gi18n.h>

#include "ld-file-sources.h"
#include "ld-import.h"

/* Files and standard input as sources: each becomes an entry in the sources
 * panel, loads on a worker thread and hands its records over through the
 * same hand-off as the network. Files opened together are merged by time. */
struct _LdFileSources
{
  GObject               parent_instance;

  LdHandoff            *handoff;
  LdConnectionRegistry *registry;
  GCancellable         *cancellable;
  GPtrArray            *running;      /* LdImport */
  guint                 n_group;      /* imports of a merged group still running */
  GPtrArray            *group;        /* LdImport of the merged group */
};

G_DEFINE_FINAL_TYPE (LdFileSources, ld_file_sources, G_TYPE_OBJECT)

static void
report (LdFileSources     *self,
        LdImport          *import,
        LdConnectionState  state,
        const char        *error)
{
  LdConnectionInfo info = {
    .id = ld_import_get_name (import),
    .kind = LD_CONNECTION_KIND_CONNECTION,
    .protocol = ld_import_get_detected_format (import) == LD_IMPORT_FORMAT_PICKLE ? "file-pickle"
                                                                                 : "file",
    .address = ld_import_get_layout (import),
    .state = state,
    .connected_since = g_get_real_time (),
    .closed_at = state == LD_CONNECTION_OPEN ? 0 : g_get_real_time (),
    .n_records = ld_import_get_n_records (import),
    .n_bytes = ld_import_get_bytes_read (import),
    .n_errors = ld_import_get_n_bad (import),
    .last_error = error,
  };

  ld_connection_registry_report (self->registry, &info);
}

/* Several files opened together go in as one batch, merged by time. */
static void
push_merged_group (LdFileSources *self)
{
  g_autoptr(GPtrArray) batches = g_ptr_array_new_with_free_func ((GDestroyNotify) ld_batch_free);

  for (guint i = 0; i < self->group->len; i++)
    {
      g_autoptr(GPtrArray) stolen = ld_import_steal_batches (self->group->pdata[i]);

      for (guint j = 0; stolen != NULL && j < stolen->len; j++)
        g_ptr_array_add (batches, g_steal_pointer (&stolen->pdata[j]));
    }

  if (batches->len > 0)
    ld_handoff_push_batch (self->handoff,
                           ld_import_merge_by_time ((LdBatch *const *) batches->pdata,
                                                    batches->len));
  g_ptr_array_set_size (self->group, 0);
}

static void
on_import_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  LdImport *import = LD_IMPORT (source);
  g_autoptr(LdFileSources) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = ld_import_run_finish (import, result, &error);
  gboolean cancelled = !ok && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  if (!cancelled)
    report (self, import, ok ? LD_CONNECTION_CLOSED : LD_CONNECTION_ERROR,
            ok ? NULL : error->message);
  if (!ok && !cancelled)
    g_warning (_("Cannot open %s: %s"), ld_import_get_name (import), error->message);

  /* The bookkeeping happens whatever the outcome, so nothing waits forever. */
  if (g_ptr_array_find (self->group, import, NULL) && --self->n_group == 0 && !cancelled)
    push_merged_group (self);
  g_ptr_array_remove (self->running, import);
}

static void
start (LdFileSources *self,
       LdImport      *import,
       gboolean       merged)
{
  if (merged)
    g_ptr_array_add (self->group, g_object_ref (import));
  else
    ld_import_set_handoff (import, self->handoff);

  g_ptr_array_add (self->running, g_object_ref (import));
  report (self, import, LD_CONNECTION_OPEN, NULL);
  ld_import_run_async (import, self->cancellable, on_import_done, g_object_ref (self));
}

/**
 * ld_file_sources_open:
 * @self: the file sources
 * @files: (array length=n_files): files to open
 * @follow: whether to keep reading a file as it grows (a single file only)
 */
void
ld_file_sources_open (LdFileSources  *self,
                      GFile         **files,
                      guint           n_files,
                      gboolean        follow)
{
  gboolean merged = n_files > 1;

  g_return_if_fail (LD_IS_FILE_SOURCES (self));

  if (merged)
    self->n_group += n_files;
  for (guint i = 0; i < n_files; i++)
    {
      g_autoptr(LdImport) import = ld_import_new_for_file (files[i]);

      ld_import_set_follow (import, follow && !merged);
      start (self, import, merged);
    }
}

/**
 * ld_file_sources_open_stdin:
 * @self: the file sources
 *
 * Reads standard input line by line as it arrives: `myserver | logdeck -`.
 */
void
ld_file_sources_open_stdin (LdFileSources *self)
{
  g_autoptr(GInputStream) input = g_unix_input_stream_new (0, FALSE);
  g_autoptr(LdImport) import = ld_import_new_for_stream (input, "stdin");

  g_return_if_fail (LD_IS_FILE_SOURCES (self));

  start (self, import, FALSE);
}

/**
 * ld_file_sources_get_busy:
 * @self: the file sources
 *
 * Returns: whether a file of known size is still loading; a pipe or a
 *   followed file never ends, so it does not count
 */
gboolean
ld_file_sources_get_busy (LdFileSources *self)
{
  g_return_val_if_fail (LD_IS_FILE_SOURCES (self), FALSE);

  for (guint i = 0; i < self->running->len; i++)
    {
      LdImport *import = self->running->pdata[i];
      guint64 size = ld_import_get_size (import);

      if (size > 0 && ld_import_get_bytes_read (import) < size)
        return TRUE;
    }

  return FALSE;
}

/**
 * ld_file_sources_get_fraction:
 * @self: the file sources
 *
 * Returns: how much of the files being loaded is read, from 0 to 1
 */
double
ld_file_sources_get_fraction (LdFileSources *self)
{
  guint64 read = 0, size = 0;

  g_return_val_if_fail (LD_IS_FILE_SOURCES (self), 0);

  for (guint i = 0; i < self->running->len; i++)
    {
      read += ld_import_get_bytes_read (self->running->pdata[i]);
      size += ld_import_get_size (self->running->pdata[i]);
    }

  return size > 0 ? MIN (1.0, (double) read / size) : 0;
}

void
ld_file_sources_cancel (LdFileSources *self)
{
  g_return_if_fail (LD_IS_FILE_SOURCES (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
}

static void
ld_file_sources_dispose (GObject *object)
{
  LdFileSources *self = LD_FILE_SOURCES (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);

  G_OBJECT_CLASS (ld_file_sources_parent_class)->dispose (object);
}

static void
ld_file_sources_finalize (GObject *object)
{
  LdFileSources *self = LD_FILE_SOURCES (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->running, g_ptr_array_unref);
  g_clear_pointer (&self->group, g_ptr_array_unref);
  g_clear_pointer (&self->handoff, ld_handoff_unref);
  g_clear_object (&self->registry);

  G_OBJECT_CLASS (ld_file_sources_parent_class)->finalize (object);
}

static void
ld_file_sources_class_init (LdFileSourcesClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ld_file_sources_dispose;
  G_OBJECT_CLASS (klass)->finalize = ld_file_sources_finalize;
}

static void
ld_file_sources_init (LdFileSources *self)
{
  self->cancellable = g_cancellable_new ();
  self->running = g_ptr_array_new_with_free_func (g_object_unref);
  self->group = g_ptr_array_new_with_free_func (g_object_unref);
}

LdFileSources *
ld_file_sources_new (LdHandoff            *handoff,
                     LdConnectionRegistry *registry)
{
  LdFileSources *self = g_object_new (LD_TYPE_FILE_SOURCES, NULL);

  self->handoff = ld_handoff_ref (handoff);
  self->registry = g_object_ref (registry);

  return self;
}
