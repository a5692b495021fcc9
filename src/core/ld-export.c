// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "ld-export-private.h"
#include "ld-jsonl.h"

/* What an export does, from the snapshot of records to the file: the record
 * writer for every format, and writing to a stream, a file or on a thread.
 * The CSV rows are in ld-export-csv.c, the text through a logging format
 * string in ld-log-format.c and ld-log-format-render.c.
 *
 * Export writes a snapshot, never the live store: the store belongs to the UI
 * thread and evicts old records (freeing their text) while new ones arrive,
 * and an export runs on a worker thread for seconds. Taking the snapshot
 * copies the 88-byte record structs and their packed text, which for a full
 * store of a million records is a few hundred megabytes of memcpy, tens of
 * milliseconds; interned strings need no copy, as they are never freed.
 *
 * Files are written to a hidden temporary file beside the target and renamed
 * onto it only when everything was written, flushed and closed, so that a
 * failed or cancelled export leaves neither a half file nor a damaged old one.
 * (g_file_replace() is not enough: for a file that does not exist yet it
 * writes the target directly.) */

G_DEFINE_QUARK (ld-export-error-quark, ld_export_error)

/* Text blocks are this big unless one record needs more. */
#define SNAPSHOT_BLOCK_SIZE (4 * 1024 * 1024)

/* Output is written in pieces of about this size; progress and cancellation
 * are looked at between them. */
#define FLUSH_SIZE (1024 * 1024)

struct _LdExportSnapshot
{
  gatomicrefcount  ref_count;
  GArray          *records;     /* LdRecord, with .text in one of @blocks */
  GPtrArray       *blocks;
  char            *block;       /* the block being filled */
  gsize            block_used;
  gsize            block_size;
  guint            n_written;   /* atomic: progress of the export running */
};

/**
 * ld_export_snapshot_new:
 *
 * Returns: (transfer full): an empty snapshot, to fill with
 *   ld_export_snapshot_add_record() or ld_export_snapshot_add_batch()
 */
LdExportSnapshot *
ld_export_snapshot_new (void)
{
  LdExportSnapshot *self = g_new0 (LdExportSnapshot, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->records = g_array_new (FALSE, FALSE, sizeof (LdRecord));
  self->blocks = g_ptr_array_new_with_free_func (g_free);

  return self;
}

LdExportSnapshot *
ld_export_snapshot_ref (LdExportSnapshot *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
ld_export_snapshot_unref (LdExportSnapshot *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_array_unref (self->records);
  g_ptr_array_unref (self->blocks);
  g_free (self);
}

static const char *
copy_text (LdExportSnapshot *self,
           const char       *text,
           gsize             size)
{
  char *copy;

  if (self->block == NULL || self->block_size - self->block_used < size)
    {
      self->block_size = MAX (SNAPSHOT_BLOCK_SIZE, size);
      self->block = g_malloc (self->block_size);
      self->block_used = 0;
      g_ptr_array_add (self->blocks, self->block);
    }

  copy = self->block + self->block_used;
  memcpy (copy, text, size);
  self->block_used += size;

  return copy;
}

/**
 * ld_export_snapshot_add_record:
 * @self: a snapshot
 * @record: a record
 * @text: (nullable): the record's packed text if it is not in @record, as
 *   for one that ld_batch_get_record() returned
 *
 * Appends a copy of @record and of its text.
 */
void
ld_export_snapshot_add_record (LdExportSnapshot *self,
                               const LdRecord   *record,
                               const char       *text)
{
  LdRecord copy = *record;
  gsize size = ld_record_text_size (record);

  g_return_if_fail (self != NULL && record != NULL);

  if (text == NULL)
    text = record->text;
  copy.text = size > 0 && text != NULL ? copy_text (self, text, size) : NULL;
  if (copy.text == NULL)
    {
      copy.message_len = copy.tail_len = 0;
      copy.flags = 0;
    }
  g_array_append_val (self->records, copy);
}

/**
 * ld_export_snapshot_add_batch:
 * @self: a snapshot
 * @batch: records
 *
 * Appends a copy of every record of @batch.
 */
void
ld_export_snapshot_add_batch (LdExportSnapshot *self,
                              const LdBatch    *batch)
{
  g_return_if_fail (self != NULL && batch != NULL);

  for (guint i = 0; i < ld_batch_get_length (batch); i++)
    {
      const char *text;
      const LdRecord *record = ld_batch_get_record (batch, i, &text);

      ld_export_snapshot_add_record (self, record, text);
    }
}

/**
 * ld_export_snapshot_new_from_store:
 * @store: the store, on its own (the UI) thread
 * @positions: (nullable) (array length=n_positions): the positions of the
 *   records to export, in the order to write them; %NULL for every record
 * @n_positions: the length of @positions
 *
 * Copies records out of @store, so that they can be exported on another
 * thread while the store goes on.
 *
 * Returns: (transfer full): the snapshot
 */
LdExportSnapshot *
ld_export_snapshot_new_from_store (LdStore     *store,
                                   const guint *positions,
                                   guint        n_positions)
{
  LdExportSnapshot *self;
  guint n;

  g_return_val_if_fail (LD_IS_STORE (store), NULL);

  self = ld_export_snapshot_new ();
  n = positions != NULL ? n_positions : ld_store_get_n_records (store);
  /* Growing and emptying the array reserves the room once. */
  g_array_set_size (self->records, MIN (n, ld_store_get_n_records (store)));
  g_array_set_size (self->records, 0);

  for (guint i = 0; i < n; i++)
    {
      const LdRecord *record = ld_store_get_record (store, positions != NULL ? positions[i] : i);

      if (record != NULL)
        ld_export_snapshot_add_record (self, record, NULL);
    }

  return self;
}

guint
ld_export_snapshot_get_n_records (LdExportSnapshot *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->records->len;
}

/**
 * ld_export_snapshot_get_record:
 * @self: a snapshot
 * @index: which record
 *
 * Returns: the record, whose text is in the snapshot
 */
const LdRecord *
ld_export_snapshot_get_record (LdExportSnapshot *self,
                               guint             index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->records->len, NULL);

  return &g_array_index (self->records, LdRecord, index);
}

/**
 * ld_export_snapshot_get_n_written:
 * @self: a snapshot
 *
 * The progress of the export of @self that is running, for a progress bar:
 * may be called from any thread while another writes.
 *
 * Returns: how many records have been written so far
 */
guint
ld_export_snapshot_get_n_written (LdExportSnapshot *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return (guint) g_atomic_int_get (&self->n_written);
}

/* The extra field of the interned name @key: CSV columns and log format
 * fields name them once, and look them up in every record. */
gboolean
_ld_export_find_extra (const LdRecord *record,
                       guint32         key,
                       LdValueType    *type,
                       const char    **text,
                       gsize          *len)
{
  LdExtraIter iter;
  guint32 id;

  ld_extra_iter_init (&iter, record);
  while (ld_extra_iter_next (&iter, &id, type, text, len))
    if (id == key)
      return TRUE;

  return FALSE;
}

static void
writer_clear (LdExportWriter *writer)
{
  g_clear_pointer (&writer->columns, g_array_unref);
  g_clear_pointer (&writer->extra_keys, g_array_unref);
  g_clear_pointer (&writer->log_format, ld_log_format_free);
  if (writer->cell != NULL)
    g_string_free (g_steal_pointer (&writer->cell), TRUE);
  if (writer->scratch != NULL)
    g_string_free (g_steal_pointer (&writer->scratch), TRUE);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (LdExportWriter, writer_clear)

static gboolean
writer_init (LdExportWriter        *writer,
             const LdExportOptions *options,
             GError               **error)
{
  writer->format = options->format;
  writer->csv_raw = options->csv_raw;
  writer->keep_control_chars = options->keep_control_chars;
  writer->cell = g_string_new (NULL);
  writer->scratch = g_string_new (NULL);

  switch (options->format)
    {
    case LD_EXPORT_JSONL:
      return TRUE;
    case LD_EXPORT_CSV:
      return _ld_export_csv_add_columns (writer, options, error);
    case LD_EXPORT_TEXT:
      writer->log_format = ld_log_format_new (options->log_format, options->style,
                                              options->datefmt, options->utc, error);
      return writer->log_format != NULL;
    default:
      g_set_error (error, LD_EXPORT_ERROR, LD_EXPORT_ERROR_BAD_FORMAT,
                   _("The export format is not known"));
      return FALSE;
    }
}

/**
 * ld_export_options_check:
 * @options: export options
 * @error: what is wrong with them, in words for the user
 *
 * Checks the options before an export, so that a dialog can say what is
 * wrong with a log format string or a column.
 *
 * Returns: %TRUE if @options can be used
 */
gboolean
ld_export_options_check (const LdExportOptions  *options,
                         GError                **error)
{
  g_auto(LdExportWriter) writer = { 0 };

  g_return_val_if_fail (options != NULL, FALSE);

  return writer_init (&writer, options, error);
}

/* The formatted record, with the controls in what it holds escaped unless
 * the options keep them: most records have none, and are written in place. */
static void
append_text_record (LdExportWriter *writer,
                    GString        *out,
                    const LdRecord *record)
{
  gsize start = out->len, at;

  ld_log_format_append (writer->log_format, out, record, writer->start_us);
  if (writer->keep_control_chars)
    return;

  at = start + ld_jsonl_find_escape (out->str + start, out->len - start, LD_ESCAPE_TEXT);
  if (at == out->len)
    return;
  g_string_truncate (writer->scratch, 0);
  g_string_append_len (writer->scratch, out->str + at, out->len - at);
  g_string_truncate (out, at);
  ld_jsonl_append_escaped (out, writer->scratch->str, writer->scratch->len, LD_ESCAPE_TEXT);
}

static void
append_record (LdExportWriter *writer,
               GString        *out,
               const LdRecord *record)
{
  switch (writer->format)
    {
    case LD_EXPORT_JSONL:
      ld_jsonl_append_record (out, record, NULL);
      break;
    case LD_EXPORT_CSV:
      _ld_export_csv_append_row (writer, out, record);
      break;
    case LD_EXPORT_TEXT:
    default:
      /* As a StreamHandler writes it, with its terminator. */
      append_text_record (writer, out, record);
      g_string_append_c (out, '\n');
      break;
    }
}

/* Formatting and writing overlap: the export's thread formats a piece while
 * a writer thread writes the one before, as writing hundreds of megabytes
 * into the page cache costs about as much as formatting them. */
typedef struct
{
  GOutputStream *stream;
  GCancellable  *cancellable;
  GAsyncQueue   *full;       /* GString to write, then the end marker */
  GAsyncQueue   *empty;      /* GString written, to fill again */
  GThread       *thread;
  GError        *error;      /* the writer's; set before it sets failed */
  gint           failed;     /* atomic */
} Pipe;

#define PIPE_BUFFERS 3

static GString pipe_end;

static gpointer
pipe_write (gpointer data)
{
  Pipe *pipe = data;
  GString *piece;

  while ((piece = g_async_queue_pop (pipe->full)) != &pipe_end)
    {
      if (!g_atomic_int_get (&pipe->failed)
          && !g_output_stream_write_all (pipe->stream, piece->str, piece->len, NULL,
                                         pipe->cancellable, &pipe->error))
        g_atomic_int_set (&pipe->failed, TRUE);
      g_string_truncate (piece, 0);
      g_async_queue_push (pipe->empty, piece);
    }

  return NULL;
}

static void
pipe_start (Pipe          *pipe,
            GOutputStream *stream,
            GCancellable  *cancellable)
{
  memset (pipe, 0, sizeof *pipe);
  pipe->stream = stream;
  pipe->cancellable = cancellable;
  pipe->full = g_async_queue_new ();
  pipe->empty = g_async_queue_new ();
  for (guint i = 0; i < PIPE_BUFFERS; i++)
    g_async_queue_push (pipe->empty, g_string_sized_new (FLUSH_SIZE + FLUSH_SIZE / 4));
  pipe->thread = g_thread_new ("logdeck-export-write", pipe_write, pipe);
}

/* Hands @piece to the writer; returns the next piece to fill, or %NULL when
 * writing failed or was cancelled. */
static GString *
pipe_send (Pipe    *pipe,
           GString *piece)
{
  g_async_queue_push (pipe->full, piece);
  if (g_atomic_int_get (&pipe->failed) || g_cancellable_is_cancelled (pipe->cancellable))
    return NULL;

  return g_async_queue_pop (pipe->empty);
}

static gboolean
pipe_finish (Pipe     *pipe,
             GString  *last,
             GError  **error)
{
  GString *piece;

  if (last != NULL)
    g_async_queue_push (pipe->full, last);
  g_async_queue_push (pipe->full, &pipe_end);
  g_thread_join (pipe->thread);

  while ((piece = g_async_queue_try_pop (pipe->empty)) != NULL)
    g_string_free (piece, TRUE);
  g_async_queue_unref (pipe->full);
  g_async_queue_unref (pipe->empty);

  if (pipe->error != NULL)
    {
      g_propagate_error (error, pipe->error);
      return FALSE;
    }
  return !g_cancellable_set_error_if_cancelled (pipe->cancellable, error);
}

/**
 * ld_export_to_stream:
 * @snapshot: the records
 * @stream: where to write
 * @options: how
 * @cancellable: (nullable): to stop early
 * @error: why it failed
 *
 * Writes every record of @snapshot to @stream, in the calling thread, and
 * flushes @stream; it does not close it. Headless mode writes its export
 * this way; ld_export_snapshot_get_n_written() gives the progress.
 *
 * Returns: %TRUE if everything was written
 */
gboolean
ld_export_to_stream (LdExportSnapshot       *snapshot,
                     GOutputStream          *stream,
                     const LdExportOptions  *options,
                     GCancellable           *cancellable,
                     GError                **error)
{
  g_auto(LdExportWriter) writer = { 0 };
  GString *out;
  Pipe pipe;
  guint n;

  g_return_val_if_fail (snapshot != NULL, FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (stream), FALSE);
  g_return_val_if_fail (options != NULL, FALSE);

  if (!writer_init (&writer, options, error))
    return FALSE;

  n = snapshot->records->len;
  writer.start_us = n > 0 ? g_array_index (snapshot->records, LdRecord, 0).time_us : 0;
  g_atomic_int_set (&snapshot->n_written, 0);
  pipe_start (&pipe, stream, cancellable);
  out = g_async_queue_pop (pipe.empty);
  if (writer.format == LD_EXPORT_CSV)
    _ld_export_csv_append_header (&writer, out);

  for (guint i = 0; i < n && out != NULL; i++)
    {
      append_record (&writer, out, &g_array_index (snapshot->records, LdRecord, i));
      if (out->len < FLUSH_SIZE)
        continue;
      out = pipe_send (&pipe, out);
      g_atomic_int_set (&snapshot->n_written, i + 1);
    }

  if (!pipe_finish (&pipe, out, error) || !g_output_stream_flush (stream, cancellable, error))
    return FALSE;

  g_atomic_int_set (&snapshot->n_written, n);
  return TRUE;
}

/* The reason in words, for "Could not export to “…”: <reason>". */
static const char *
describe_io_error (const GError *error)
{
  if (error->domain != G_IO_ERROR)
    return error->message;

  switch (error->code)
    {
    case G_IO_ERROR_NO_SPACE: return _("the disk is full");
    case G_IO_ERROR_PERMISSION_DENIED: return _("you are not allowed to write there");
    case G_IO_ERROR_NOT_FOUND: return _("the folder does not exist");
    case G_IO_ERROR_NOT_DIRECTORY: return _("part of the path is not a folder");
    case G_IO_ERROR_READ_ONLY: return _("the disk is read-only");
    case G_IO_ERROR_IS_DIRECTORY: return _("there is a folder of that name");
    case G_IO_ERROR_FILENAME_TOO_LONG: return _("the file name is too long");
    default: return error->message;
    }
}

static gboolean
fail_file (GFile   *file,
           GError  *cause,
           GError **error)
{
  g_autofree char *name = g_file_get_parse_name (file);

  if (cause->domain == LD_EXPORT_ERROR || g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_propagate_error (error, cause);
  else
    {
      g_set_error (error, cause->domain, cause->code, _("Could not export to “%s”: %s"), name,
                   describe_io_error (cause));
      g_error_free (cause);
    }

  return FALSE;
}

/* A new hidden file beside @file, for ld_export_to_file() to rename. */
static GFileOutputStream *
create_temporary (GFile         *file,
                  GFile        **temporary,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autoptr(GFile) parent = g_file_get_parent (file);
  g_autofree char *basename = g_file_get_basename (file);

  if (parent == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY, "/");
      return NULL;
    }

  for (guint attempt = 0;; attempt++)
    {
      g_autofree char *name = g_strdup_printf (".%.200s.%08x.part", basename, g_random_int ());
      g_autoptr(GFile) child = g_file_get_child (parent, name);
      g_autoptr(GError) local_error = NULL;
      GFileOutputStream *stream = g_file_create (child, G_FILE_CREATE_NONE, cancellable,
                                                 &local_error);

      if (stream != NULL)
        {
          *temporary = g_steal_pointer (&child);
          return stream;
        }
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_EXISTS) || attempt >= 16)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }
}

/**
 * ld_export_to_file:
 * @snapshot: the records
 * @file: the file to write, replaced if it exists
 * @options: how
 * @cancellable: (nullable): to stop early
 * @error: why it failed, in words for the user; %G_IO_ERROR_CANCELLED if
 *   @cancellable was cancelled
 *
 * Writes every record of @snapshot to a temporary file beside @file, in the
 * calling thread, and renames it onto @file when it is complete: on failure
 * or cancellation neither a half file nor the temporary one is left, and an
 * old @file is as it was.
 *
 * Returns: %TRUE if @file was written
 */
gboolean
ld_export_to_file (LdExportSnapshot       *snapshot,
                   GFile                  *file,
                   const LdExportOptions  *options,
                   GCancellable           *cancellable,
                   GError                **error)
{
  g_autoptr(GFile) temporary = NULL;
  g_autoptr(GFileOutputStream) stream = NULL;
  GError *local_error = NULL;

  g_return_val_if_fail (snapshot != NULL, FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);
  g_return_val_if_fail (options != NULL, FALSE);

  if (!ld_export_options_check (options, error))
    return FALSE;

  stream = create_temporary (file, &temporary, cancellable, &local_error);
  if (stream != NULL
      && ld_export_to_stream (snapshot, G_OUTPUT_STREAM (stream), options, cancellable,
                              &local_error)
      && g_output_stream_close (G_OUTPUT_STREAM (stream), cancellable, &local_error)
      && g_file_move (temporary, file, G_FILE_COPY_OVERWRITE | G_FILE_COPY_NO_FALLBACK_FOR_MOVE,
                      cancellable, NULL, NULL, &local_error))
    return TRUE;

  if (stream != NULL)
    {
      g_output_stream_close (G_OUTPUT_STREAM (stream), NULL, NULL);
      g_file_delete (temporary, NULL, NULL);
    }
  return fail_file (file, local_error, error);
}

typedef struct
{
  LdExportSnapshot  *snapshot;
  GFile             *file;
  LdExportOptions    options;
  GStrv              columns;
  GStrv              extra_keys;
  char              *log_format;
  char              *datefmt;
} ExportJob;

static void
export_job_free (gpointer data)
{
  ExportJob *job = data;

  ld_export_snapshot_unref (job->snapshot);
  g_object_unref (job->file);
  g_strfreev (job->columns);
  g_strfreev (job->extra_keys);
  g_free (job->log_format);
  g_free (job->datefmt);
  g_free (job);
}

static void
export_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ExportJob *job = task_data;
  GError *error = NULL;

  if (ld_export_to_file (job->snapshot, job->file, &job->options, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * ld_export_async:
 * @snapshot: the records
 * @file: the file to write, replaced if it exists
 * @options: how; copied
 * @cancellable: (nullable): to stop early
 * @callback: called on the thread-default main context when done
 * @user_data: for @callback
 *
 * Runs ld_export_to_file() on a worker thread. The progress is
 * ld_export_snapshot_get_n_written() of @snapshot out of its
 * ld_export_snapshot_get_n_records().
 */
void
ld_export_async (LdExportSnapshot      *snapshot,
                 GFile                 *file,
                 const LdExportOptions *options,
                 GCancellable          *cancellable,
                 GAsyncReadyCallback    callback,
                 gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;
  ExportJob *job;

  g_return_if_fail (snapshot != NULL);
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (options != NULL);

  job = g_new0 (ExportJob, 1);
  job->snapshot = ld_export_snapshot_ref (snapshot);
  job->file = g_object_ref (file);
  job->options = *options;
  job->options.columns = (const char * const *)
                         (job->columns = g_strdupv ((char **) options->columns));
  job->options.extra_keys = (const char * const *)
                            (job->extra_keys = g_strdupv ((char **) options->extra_keys));
  job->options.log_format = job->log_format = g_strdup (options->log_format);
  job->options.datefmt = job->datefmt = g_strdup (options->datefmt);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ld_export_async);
  g_task_set_name (task, "[logdeck] export");
  g_task_set_task_data (task, job, export_job_free);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, export_thread);
}

/**
 * ld_export_finish:
 * @result: the result given to the callback
 * @error: why the export failed, in words; %G_IO_ERROR_CANCELLED if it was
 *   cancelled, which needs no message
 *
 * Returns: %TRUE if the file was written
 */
gboolean
ld_export_finish (GAsyncResult  *result,
                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ld_export_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * ld_export_format_for_file:
 * @file: where to export
 *
 * Returns: the format the file's name asks for: .csv, .log or .txt, and
 *   JSON Lines otherwise
 */
LdExportFormat
ld_export_format_for_file (GFile *file)
{
  g_autofree char *name = g_file_get_basename (file);

  if (g_str_has_suffix (name, ".csv"))
    return LD_EXPORT_CSV;
  if (g_str_has_suffix (name, ".log") || g_str_has_suffix (name, ".txt"))
    return LD_EXPORT_TEXT;
  return LD_EXPORT_JSONL;
}

/**
 * ld_export_record_is_internal:
 * @record: a record
 *
 * Logdeck's own diagnostic records are those of the logger "logdeck" and
 * of its children ("logdeck.ingest", "logdeck.import", "logdeck.ui" and the
 * like): problems with a connection or a file, and what Logdeck logs about
 * itself, which name no process or Logdeck's own. A sender's record names
 * its process, so a program that calls its logger "logdeck.x" is not taken
 * for Logdeck (one that sends no process id still is). The window shows
 * them; headless --output and --export leave them out unless asked.
 *
 * Returns: whether @record is one of Logdeck's own
 */
gboolean
ld_export_record_is_internal (const LdRecord *record)
{
  /* getpid() is a system call each time (glibc caches it no more), and
   * this runs once per record; Logdeck never forks. */
  static gint own_pid;
  gint pid = g_atomic_int_get (&own_pid);
  const char *logger;

  g_return_val_if_fail (record != NULL, FALSE);

  if (pid == 0)
    g_atomic_int_set (&own_pid, pid = (gint) getpid ());
  /* A sender's record names its own process: a program that calls its
   * logger "logdeck.x" keeps its records in the output. */
  if (record->process != 0 && record->process != (gint32) pid)
    return FALSE;
  logger = ld_intern_lookup (record->logger);
  return logger != NULL && g_str_has_prefix (logger, "logdeck")
         && (logger[7] == '\0' || logger[7] == '.');
}
