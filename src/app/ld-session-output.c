// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

/* Headless Logdeck's writers: every record as a canonical JSON line to
 * --output as it arrives, Logdeck's own records to standard error, and
 * --export when stopping. */

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ld-export.h"
#include "ld-jsonl.h"
#include "ld-level.h"

#include "ld-log-writer.h"
#include "ld-session-private.h"

/* Headless Logdeck has no table to show its own records in: each goes to
 * standard error as one escaped line, unless --include-internal puts them in
 * the output. Those that came through g_log() are there already, written by
 * the log writer as it filters them (G_MESSAGES_DEBUG). */
static void
print_internal (const LdRecord *record)
{
  const char *level = ld_intern_lookup (record->level_name);
  g_autofree char *level_display = level == NULL ? ld_level_display_name (record->level) : NULL;
  const char *message;
  gsize length;

  if (g_strcmp0 (ld_intern_lookup (record->connection), LD_LOG_WRITER_CONNECTION) == 0)
    return;

  message = ld_record_get_message (record, &length);
  ld_log_writer_print_line (level != NULL ? level : level_display,
                            ld_intern_lookup (record->logger), message, length);
}

/* --output is written on a thread of its own, so that the main thread, which
 * takes every record from the decoders, is not the one formatting them: it
 * only copies each record that goes out (its struct and packed text, one
 * memcpy) into a job, one job per batch, and the writer formats the
 * canonical JSON lines and writes them, in the order they came. At most
 * OUTPUT_MAX_PENDING bytes of copies wait; past that the main thread waits
 * for the writer, so a slow disk holds records back in the hand-off and the
 * sockets rather than in memory. Records reach the file as soon as the
 * writer has nothing more queued, and at least every OUTPUT_FLUSH_US while
 * they keep coming; nothing wakes up while none arrive. */
#define OUTPUT_FLUSH_US     (100 * 1000)
#define OUTPUT_MAX_PENDING  (32 * 1024 * 1024)
#define OUTPUT_WRITE_SIZE   (256 * 1024)

/* The writer hands its last job back for the next batch rather than freeing
 * it, if it is no bigger than this: fresh memory for every job cost the main
 * thread a page fault every few records. */
#define OUTPUT_SPARE_MAX    (8 * 1024 * 1024)

typedef struct
{
  LdRecord record;
  gsize    text_offset;   /* of its text in the job's */
} OutputRecord;

typedef struct
{
  GArray     *records;    /* of OutputRecord */
  GByteArray *text;
} OutputJob;

struct _LdSessionWriter
{
  FILE     *output;       /* the thread's alone until it is joined */
  char     *path;
  GThread  *thread;
  gboolean  failed;       /* the thread's own */

  GMutex    lock;
  GCond     cond;
  GQueue    jobs;
  gsize     pending;      /* bytes of the jobs queued */
  OutputJob *spare;       /* a written job, emptied, to be filled again */
  gboolean  closing;
};

/* A job with room for @n_records and @text_size bytes of their text, so
 * that filling it never grows it: the writer's spare one if there is. */
static OutputJob *
output_job_new (LdSessionWriter *writer,
                guint            n_records,
                gsize            text_size)
{
  OutputJob *job;

  g_mutex_lock (&writer->lock);
  job = g_steal_pointer (&writer->spare);
  g_mutex_unlock (&writer->lock);

  if (job == NULL)
    {
      job = g_new (OutputJob, 1);
      job->records = g_array_sized_new (FALSE, FALSE, sizeof (OutputRecord), n_records);
      job->text = g_byte_array_sized_new (text_size);
      return job;
    }

  /* Setting the size makes the room; the job is then emptied, keeping it. */
  g_array_set_size (job->records, n_records);
  g_array_set_size (job->records, 0);
  g_byte_array_set_size (job->text, text_size);
  g_byte_array_set_size (job->text, 0);
  return job;
}

static void
output_job_free (OutputJob *job)
{
  g_array_unref (job->records);
  g_byte_array_unref (job->text);
  g_free (job);
}

static gsize
output_job_size (OutputJob *job)
{
  return job->records->len * sizeof (OutputRecord) + job->text->len;
}

/* The store may evict a record and reuse its text once the batch is in: the
 * job keeps copies. */
static void
output_job_add (OutputJob      *job,
                const LdRecord *record)
{
  OutputRecord copy = { *record, job->text->len };
  gsize size = ld_record_text_size (record);

  copy.record.text = NULL;
  if (size > 0)
    g_byte_array_append (job->text, (const guint8 *) record->text, size);
  g_array_append_val (job->records, copy);
}

/* Said once: with --include-internal the warning is itself a record to
 * write, and a failing output would otherwise feed on its own warnings. */
static void
output_failed (LdSessionWriter *writer)
{
  if (writer->failed)
    return;
  writer->failed = TRUE;
  g_warning ("Could not write to %s: %s", writer->path, g_strerror (errno));
}

static void
write_lines (LdSessionWriter *writer,
             GString         *lines)
{
  if (lines->len > 0 && fwrite (lines->str, 1, lines->len, writer->output) != lines->len)
    output_failed (writer);
  g_string_truncate (lines, 0);
}

static void
write_job (LdSessionWriter *writer,
           OutputJob       *job,
           GString         *lines)
{
  for (guint i = 0; i < job->records->len; i++)
    {
      const OutputRecord *copy = &g_array_index (job->records, OutputRecord, i);
      const char *text = (const char *) job->text->data + copy->text_offset;

      ld_jsonl_append_record (lines, &copy->record, text);
      if (lines->len >= OUTPUT_WRITE_SIZE)
        write_lines (writer, lines);
    }
  write_lines (writer, lines);
}

static void
flush_output (LdSessionWriter *writer)
{
  if (fflush (writer->output) != 0)
    output_failed (writer);
}

/* Counts off the bytes of the job written and keeps it as the spare (or
 * frees it), then takes the next, or NULL once closing with none left;
 * says whether more are queued behind it. */
static OutputJob *
next_job (LdSessionWriter *writer,
          OutputJob       *done,
          gboolean        *more)
{
  OutputJob *job;
  gsize written = done != NULL ? output_job_size (done) : 0;

  g_mutex_lock (&writer->lock);
  if (done != NULL && writer->spare == NULL && written <= OUTPUT_SPARE_MAX)
    writer->spare = g_steal_pointer (&done);
  writer->pending -= written;
  g_cond_broadcast (&writer->cond);
  while (g_queue_is_empty (&writer->jobs) && !writer->closing)
    g_cond_wait (&writer->cond, &writer->lock);
  job = g_queue_pop_head (&writer->jobs);
  *more = !g_queue_is_empty (&writer->jobs);
  g_mutex_unlock (&writer->lock);

  g_clear_pointer (&done, output_job_free);
  return job;
}

static gpointer
run_writer (gpointer data)
{
  LdSessionWriter *writer = data;
  g_autoptr(GString) lines = g_string_sized_new (OUTPUT_WRITE_SIZE + 64 * 1024);
  gint64 last_flush_us = g_get_monotonic_time ();
  OutputJob *done = NULL;
  gboolean more;
  OutputJob *job;

  while ((job = next_job (writer, done, &more)) != NULL)
    {
      write_job (writer, job, lines);
      done = job;
      if (!more || g_get_monotonic_time () - last_flush_us >= OUTPUT_FLUSH_US)
        {
          flush_output (writer);
          last_flush_us = g_get_monotonic_time ();
        }
    }
  flush_output (writer);

  return NULL;
}

/* Waits while the writer is OUTPUT_MAX_PENDING behind, but never for a
 * job alone: one bigger than that still goes. */
static void
queue_job (LdSessionWriter *writer,
           OutputJob       *job)
{
  gsize size = output_job_size (job);

  g_mutex_lock (&writer->lock);
  while (writer->pending > 0 && writer->pending + size > OUTPUT_MAX_PENDING)
    g_cond_wait (&writer->cond, &writer->lock);
  g_queue_push_tail (&writer->jobs, job);
  writer->pending += size;
  g_cond_broadcast (&writer->cond);
  g_mutex_unlock (&writer->lock);
}

static LdSessionWriter *
start_writer (FILE       *output,
              const char *path)
{
  LdSessionWriter *writer = g_new0 (LdSessionWriter, 1);

  writer->output = output;
  writer->path = g_strdup (path);
  g_mutex_init (&writer->lock);
  g_cond_init (&writer->cond);
  g_queue_init (&writer->jobs);
  writer->thread = g_thread_new ("output-writer", run_writer, writer);
  return writer;
}

/* Everything queued is written and flushed before it returns. */
static void
stop_writer (LdSessionWriter *writer)
{
  g_mutex_lock (&writer->lock);
  writer->closing = TRUE;
  g_cond_broadcast (&writer->cond);
  g_mutex_unlock (&writer->lock);
  g_thread_join (writer->thread);

  g_clear_pointer (&writer->spare, output_job_free);
  g_mutex_clear (&writer->lock);
  g_cond_clear (&writer->cond);
  g_free (writer->path);
  g_free (writer);
}

/* ld_export_record_is_internal() asks getpid() for every record, and glibc
 * no longer caches it: a system call per record took a quarter of headless
 * Logdeck's CPU time under perf. Only a record whose logger is "logdeck" or
 * one of its children can be internal, and a sender's logger is that rarely,
 * so the logger is looked at first and the full test runs only for those. */
static gboolean
record_is_internal (const LdRecord *record)
{
  const char *logger = ld_intern_lookup (record->logger);

  if (logger == NULL || strncmp (logger, "logdeck", 7) != 0)
    return FALSE;
  return ld_export_record_is_internal (record);
}

/* The text of the records from @first to before @end: at most what a job
 * for them copies. */
static gsize
text_size_from (LdStore *store,
                guint    first,
                guint    end)
{
  gsize size = 0;

  for (guint i = first; i < end; i++)
    size += ld_record_text_size (ld_store_get_record (store, i));
  return size;
}

/* Headless: every record as a canonical JSON line as it arrives (those
 * --filter matches), and Logdeck's own on standard error. */
static void
on_records_added (LdSession  *self,
                  guint       position,
                  guint       removed,
                  guint       added,
                  GListModel *store)
{
  OutputJob *job = NULL;

  for (guint i = position; i < position + added; i++)
    {
      const LdRecord *record = ld_store_get_record (self->store, i);

      if (!self->include_internal && record_is_internal (record))
        print_internal (record);
      else if (self->writer != NULL
               && (self->output_filter == NULL || ld_query_matches (self->output_filter, record)))
        {
          if (job == NULL)
            job = output_job_new (self->writer, position + added - i,
                                  text_size_from (self->store, i, position + added));
          output_job_add (job, record);
        }
    }

  if (job != NULL)
    queue_job (self->writer, job);
}

static void
open_output (LdSession *self)
{
  if (g_str_equal (self->output_path, "-"))
    self->output = stdout;
  else
    self->output = fopen (self->output_path, "w");

  if (self->output == NULL)
    {
      int saved_errno = errno;
      g_printerr (_("Cannot write to %s: %s\n"), self->output_path, g_strerror (saved_errno));
      exit (1);
    }

  self->writer = start_writer (self->output, self->output_path);
}

/* Headless only: there is no window to show the records. */
void
_ld_session_start_output (LdSession *self)
{
  if (self->output_path != NULL)
    open_output (self);
  if (self->headless)
    g_signal_connect_object (self->store, "items-changed", G_CALLBACK (on_records_added), self,
                             G_CONNECT_SWAPPED);
}

void
_ld_session_close_output (LdSession *self)
{
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_func (self->store, on_records_added, self);
  if (self->output == NULL)
    return;

  g_clear_pointer (&self->writer, stop_writer);

  if (self->output == stdout)
    fflush (stdout);
  else
    fclose (self->output);
  self->output = NULL;
}

/* The positions of the records --export writes: all but Logdeck's own,
 * unless --include-internal. */
static GArray *
export_positions (LdSession *self)
{
  guint n = ld_store_get_n_records (self->store);
  GArray *positions = g_array_sized_new (FALSE, FALSE, sizeof (guint), n);

  for (guint i = 0; i < n; i++)
    {
      const LdRecord *record = ld_store_get_record (self->store, i);

      if (self->include_internal || !record_is_internal (record))
        g_array_append_val (positions, i);
    }

  return positions;
}

static LdExportFormat
export_format (LdSession *self,
               GFile     *file)
{
  if (g_strcmp0 (self->export_format, "jsonl") == 0)
    return LD_EXPORT_JSONL;
  if (g_strcmp0 (self->export_format, "csv") == 0)
    return LD_EXPORT_CSV;
  if (g_strcmp0 (self->export_format, "text") == 0)
    return LD_EXPORT_TEXT;
  return ld_export_format_for_file (file);
}

/* --export: the records kept, written when stopping, as the export dialog
 * would (atomically: a failure leaves no half file); then where, on
 * standard error, for the script that asked. */
void
_ld_session_export_on_exit (LdSession *self)
{
  g_autoptr(GFile) file = g_file_new_for_commandline_arg (self->export_path);
  g_autoptr(GArray) positions = export_positions (self);
  g_autoptr(LdExportSnapshot) snapshot = NULL;
  g_autofree char *name = g_file_get_parse_name (file);
  LdExportOptions options = {
    .format = export_format (self, file),
    .log_format = self->export_log_format,
    .csv_raw = self->csv_raw,
    .keep_control_chars = self->keep_control_chars,
  };
  g_autoptr(GError) error = NULL;
  guint n;

  snapshot = ld_export_snapshot_new_from_store (self->store, (const guint *) positions->data,
                                                positions->len);
  n = ld_export_snapshot_get_n_records (snapshot);
  if (!ld_export_to_file (snapshot, file, &options, NULL, &error))
    g_printerr ("%s\n", error->message);
  else
    g_printerr (ngettext ("Exported %'u record to %s\n", "Exported %'u records to %s\n", n), n,
                name);
}
