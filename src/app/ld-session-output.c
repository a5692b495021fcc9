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

#include "ld-export.h"
#include "ld-jsonl.h"
#include "ld-level.h"

#include "ld-log-writer.h"
#include "ld-session-private.h"

/* Headless --output reaches its file at least this often while records
 * arrive, and as soon as the main loop has nothing else to do. */
#define LD_SESSION_OUTPUT_FLUSH_US (100 * 1000)

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

/* Said once: with --include-internal the warning is itself a record to
 * write, and a failing output would otherwise feed on its own warnings. */
static void
output_failed (LdSession *self)
{
  if (self->output_failed)
    return;
  self->output_failed = TRUE;
  g_warning ("Could not write to %s: %s", self->output_path, g_strerror (errno));
}

static void
flush_output (LdSession *self)
{
  if (fflush (self->output) != 0)
    output_failed (self);
  self->last_flush_us = g_get_monotonic_time ();
}

static gboolean
flush_output_when_idle (gpointer data)
{
  LdSession *self = data;

  self->flush_id = 0;
  flush_output (self);
  return G_SOURCE_REMOVE;
}

/* Records reach the file when the main loop goes idle after a burst, and at
 * least every LD_SESSION_OUTPUT_FLUSH_US while they keep coming (when it may
 * never go idle); nothing wakes up while none arrive. */
static void
schedule_flush (LdSession *self)
{
  if (g_get_monotonic_time () - self->last_flush_us >= LD_SESSION_OUTPUT_FLUSH_US)
    flush_output (self);
  else if (self->flush_id == 0)
    self->flush_id = g_idle_add_full (G_PRIORITY_LOW, flush_output_when_idle, self, NULL);
}

static void
write_output (LdSession *self)
{
  if (self->output_buffer->len == 0)
    return;

  if (fwrite (self->output_buffer->str, 1, self->output_buffer->len, self->output)
      != self->output_buffer->len)
    output_failed (self);
  schedule_flush (self);
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
  if (self->output_buffer != NULL)
    g_string_truncate (self->output_buffer, 0);

  for (guint i = position; i < position + added; i++)
    {
      const LdRecord *record = ld_store_get_record (self->store, i);

      if (!self->include_internal && ld_export_record_is_internal (record))
        print_internal (record);
      else if (self->output != NULL
               && (self->output_filter == NULL || ld_query_matches (self->output_filter, record)))
        ld_jsonl_append_record (self->output_buffer, record, record->text);
    }

  if (self->output != NULL)
    write_output (self);
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

  self->output_buffer = g_string_sized_new (64 * 1024);
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
  g_clear_handle_id (&self->flush_id, g_source_remove);
  if (self->output == NULL)
    return;

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

      if (self->include_internal || !ld_export_record_is_internal (record))
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
