// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ld-import-private.h"
#include "ld-log-format.h"
#include "ld-level.h"

/* How a file or stream is read
 * ============================
 *
 * One worker thread per import reads the input in big pieces, decodes it and
 * hands the records on in batches: to an LdHandoff, the same path the network
 * listeners take to the store, or, without one, into a list the caller takes
 * with ld_import_steal_batches() (to merge several files by time, say).
 *
 * This file holds the object, the reading loop and the hand-over of what the
 * decoders make of it; how an input is read is told in ld-import-detect.c,
 * opening and following a file is ld-import-follow.c, and a big file of JSON
 * Lines is read in segments at once by ld-import-parallel.c. A gzip file is
 * read through a decompressor first.
 *
 * Decoding is the core's format decoders': Logdeck's own JSON Lines export
 * is read back by ld-jsonl-read.c, field for field, so that an export read
 * back is the same records, extra fields and their types included; every
 * other JSON shape goes through ld_json_normalize(); text by a Python logging
 * layout through ld-text-layout.c, where a line that does not start a record
 * continues the one before; SocketHandler captures through ld-pyrecord.c.
 * The last record of a live stream is handed on when nothing more arrived
 * for PENDING_TIMEOUT_MS, so that a pipe shows it without waiting for the
 * next.
 *
 * A line (or frame) that cannot be read becomes a WARNING record from the
 * logger "logdeck.import" with the raw text as its message and the reason in
 * the extra field "error", and is counted; reading goes on. */

G_DEFINE_QUARK (ld-import-error-quark, ld_import_error)

G_DEFINE_FINAL_TYPE (LdImport, ld_import, G_TYPE_OBJECT)

static void
ld_import_finalize (GObject *object)
{
  LdImport *self = LD_IMPORT (object);

  g_clear_object (&self->file);
  g_clear_object (&self->stream);
  g_free (self->name);
  g_free (self->peer);
  g_clear_pointer (&self->handoff, ld_handoff_unref);
  g_free (self->log_format);
  g_free (self->layout);
  g_mutex_clear (&self->lock);
  g_ptr_array_unref (self->batches);

  G_OBJECT_CLASS (ld_import_parent_class)->finalize (object);
}

static void
ld_import_class_init (LdImportClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ld_import_finalize;
}

static void
ld_import_init (LdImport *self)
{
  g_mutex_init (&self->lock);
  self->batches = g_ptr_array_new_with_free_func ((GDestroyNotify) ld_batch_free);
}

/**
 * ld_import_new_for_file:
 * @file: a log file
 *
 * Its records name the file's base name as their connection, its path as
 * their peer and "file" as their protocol, unless they name their own (as
 * records of Logdeck's JSON Lines export do).
 *
 * Returns: (transfer full): an import, to run
 */
LdImport *
ld_import_new_for_file (GFile *file)
{
  LdImport *self;

  g_return_val_if_fail (G_IS_FILE (file), NULL);

  self = g_object_new (LD_TYPE_IMPORT, NULL);
  self->file = g_object_ref (file);
  self->name = g_file_get_basename (file);
  self->peer = g_file_get_parse_name (file);
  self->protocol = "file";

  return self;
}

/**
 * ld_import_new_for_stream:
 * @stream: a stream, such as standard input; a pollable one (a pipe) is read
 *   as lines arrive
 * @name: (nullable): the connection its records name; %NULL for "stdin"
 *
 * Its records have the protocol "stdin".
 *
 * Returns: (transfer full): an import, to run
 */
LdImport *
ld_import_new_for_stream (GInputStream *stream,
                          const char   *name)
{
  LdImport *self;

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), NULL);

  self = g_object_new (LD_TYPE_IMPORT, NULL);
  self->stream = g_object_ref (stream);
  self->name = g_strdup (name != NULL ? name : "stdin");
  self->protocol = "stdin";

  return self;
}

/**
 * ld_import_set_handoff:
 * @self: an import, not running
 * @handoff: (nullable): where to push batches; %NULL to keep them for
 *   ld_import_steal_batches()
 */
void
ld_import_set_handoff (LdImport  *self,
                       LdHandoff *handoff)
{
  g_return_if_fail (LD_IS_IMPORT (self));

  g_clear_pointer (&self->handoff, ld_handoff_unref);
  self->handoff = handoff != NULL ? ld_handoff_ref (handoff) : NULL;
}

/**
 * ld_import_set_format:
 * @self: an import, not running
 * @format: the input's format, or %LD_IMPORT_FORMAT_AUTO to detect it
 */
void
ld_import_set_format (LdImport       *self,
                      LdImportFormat  format)
{
  g_return_if_fail (LD_IS_IMPORT (self));

  self->format = format;
}

/**
 * ld_import_set_log_format:
 * @self: an import, not running
 * @log_format: (nullable): the logging format string ("%" or "{" style) the
 *   text was written with, instead of detecting the layout; %NULL to detect.
 *   Whatever datefmt was used, asctime is read in the common shapes
 *   (ld_text_stamp_parse()).
 * @error: why @log_format cannot be read by
 *
 * Returns: %TRUE if @log_format can be used
 */
gboolean
ld_import_set_log_format (LdImport    *self,
                          const char  *log_format,
                          GError     **error)
{
  g_autoptr(LdLogFormat) compiled = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (LD_IS_IMPORT (self), FALSE);

  if (log_format != NULL)
    {
      compiled = ld_log_format_new (log_format, LD_LOG_STYLE_AUTO, NULL, FALSE, &local_error);
      if (compiled == NULL)
        {
          g_set_error_literal (error, LD_IMPORT_ERROR, LD_IMPORT_ERROR_BAD_FORMAT,
                               local_error->message);
          return FALSE;
        }
    }

  g_free (self->log_format);
  self->log_format = g_strdup (log_format);
  return TRUE;
}

/**
 * ld_import_set_follow:
 * @self: an import, not running
 * @follow: whether to keep reading a file as it grows, until cancelled
 */
void
ld_import_set_follow (LdImport *self,
                      gboolean  follow)
{
  g_return_if_fail (LD_IS_IMPORT (self));

  self->follow = follow;
}

/**
 * ld_import_set_utc:
 * @self: an import, not running
 * @utc: whether times without an offset in a text log are UTC rather than
 *   local time (logging's default converter is time.localtime)
 */
void
ld_import_set_utc (LdImport *self,
                   gboolean  utc)
{
  g_return_if_fail (LD_IS_IMPORT (self));

  self->utc = utc;
}

const char *
ld_import_get_name (LdImport *self)
{
  g_return_val_if_fail (LD_IS_IMPORT (self), NULL);

  return self->name;
}

/**
 * ld_import_get_detected_format:
 * @self: an import
 *
 * Returns: the format the input was read as, once reading has begun
 */
LdImportFormat
ld_import_get_detected_format (LdImport *self)
{
  g_return_val_if_fail (LD_IS_IMPORT (self), LD_IMPORT_FORMAT_AUTO);

  return (LdImportFormat) g_atomic_int_get ((int *) &self->detected);
}

/**
 * ld_import_get_layout:
 * @self: an import that has finished
 *
 * Returns: (nullable): the logging format string a text log was read by
 */
const char *
ld_import_get_layout (LdImport *self)
{
  g_return_val_if_fail (LD_IS_IMPORT (self), NULL);

  return self->layout;
}

/* The counters below may be read from any thread while the import runs. */

guint64
ld_import_get_bytes_read (LdImport *self)
{
  g_return_val_if_fail (LD_IS_IMPORT (self), 0);

  return __atomic_load_n (&self->bytes_read, __ATOMIC_RELAXED);
}

/**
 * ld_import_get_size:
 * @self: an import
 *
 * Returns: the size of the file in bytes, or 0 if not known (a stream, or a
 *   compressed file)
 */
guint64
ld_import_get_size (LdImport *self)
{
  g_return_val_if_fail (LD_IS_IMPORT (self), 0);

  return __atomic_load_n (&self->size, __ATOMIC_RELAXED);
}

guint64
ld_import_get_n_records (LdImport *self)
{
  g_return_val_if_fail (LD_IS_IMPORT (self), 0);

  return __atomic_load_n (&self->n_records, __ATOMIC_RELAXED);
}

/**
 * ld_import_get_n_bad:
 * @self: an import
 *
 * Returns: how many lines or frames could not be read (each became a
 *   WARNING record from %LD_IMPORT_LOGGER)
 */
guint64
ld_import_get_n_bad (LdImport *self)
{
  g_return_val_if_fail (LD_IS_IMPORT (self), 0);

  return __atomic_load_n (&self->n_bad, __ATOMIC_RELAXED);
}

/**
 * ld_import_steal_batches:
 * @self: an import without a hand-off
 *
 * Returns: (transfer container) (element-type LdBatch): the batches read
 *   since the last call, in order
 */
GPtrArray *
ld_import_steal_batches (LdImport *self)
{
  GPtrArray *batches;

  g_return_val_if_fail (LD_IS_IMPORT (self), NULL);

  g_mutex_lock (&self->lock);
  batches = g_steal_pointer (&self->batches);
  self->batches = g_ptr_array_new_with_free_func ((GDestroyNotify) ld_batch_free);
  g_mutex_unlock (&self->lock);

  return batches;
}

/* The reader
 * ---------- */

static void on_bad_json (const LdJsonBadValue *bad,
                         gpointer              user_data);

void
_ld_import_reader_init (Reader       *r,
                        LdImport     *import,
                        GCancellable *cancellable)
{
  memset (r, 0, sizeof *r);
  r->import = import;
  r->cancellable = cancellable;
  r->context = g_main_context_new ();
  r->buf_size = READ_SIZE;
  r->buf = g_malloc (r->buf_size);
  r->batch = ld_batch_new ();
  r->now = g_get_real_time ();
  r->origin.connection = import->name;
  r->origin.peer = import->peer;
  r->origin.protocol = import->protocol;
  r->origin.received_us = r->now;
  r->jsonl = ld_jsonl_reader_new (&r->origin);
  r->parser = ld_json_parser_new ();
  r->json_context.origin.connection = import->name;
  r->json_context.origin.peer = import->peer;
  r->json_context.origin.protocol = import->protocol;
  r->json_context.bad_value_func = on_bad_json;
  r->json_context.user_data = r;
  r->json_context.parser = r->parser;
  r->canonical = TRUE;
  r->read_time = r->now;
  r->line_no = 1;
  ld_pickle_limits_init_default (&r->limits);
}

void
_ld_import_reader_clear (Reader *r)
{
  g_clear_object (&r->stream);
  g_main_context_unref (r->context);
  g_clear_pointer (&r->text, ld_text_reader_free);
  g_free (r->buf);
  ld_batch_free (r->batch);
  ld_jsonl_reader_free (r->jsonl);
  ld_json_parser_free (r->parser);
}

void
_ld_import_hand_on (LdImport *import,
                    LdBatch  *batch)
{
  __atomic_add_fetch (&import->n_records, ld_batch_get_length (batch), __ATOMIC_RELAXED);
  if (import->handoff != NULL)
    ld_handoff_push_batch (import->handoff, batch);
  else
    {
      g_mutex_lock (&import->lock);
      g_ptr_array_add (import->batches, batch);
      g_mutex_unlock (&import->lock);
    }
}

/* Hands the records read so far on, or keeps them if others come first. */
void
_ld_import_deliver (Reader *r)
{
  if (ld_batch_get_length (r->batch) == 0)
    return;

  if (r->held != NULL)
    {
      Held *held = g_new0 (Held, 1);

      held->batch = g_steal_pointer (&r->batch);
      g_ptr_array_add (r->held, held);
    }
  else
    _ld_import_hand_on (r->import, g_steal_pointer (&r->batch));
  r->batch = ld_batch_new ();
}

/**
 * _ld_import_add_bad_record:
 * @raw: the text that could not be read, not nul-terminated
 * @why: the reason, for the extra field "error"
 *
 * Adds the WARNING record that stands for input that could not be read.
 */
void
_ld_import_add_bad_record (Reader     *r,
                           const char *raw,
                           gsize       len,
                           guint64     line_no,
                           gint64      time_us,
                           const char *why)
{
  LdRecordFields fields = { 0 };
  char number[24];

  fields.time_us = time_us;
  fields.level = LD_LEVEL_WARNING;
  fields.level_name = "WARNING";
  fields.logger = LD_IMPORT_LOGGER;
  fields.message = len > 0 ? raw : "";
  fields.message_len = MIN (len, MAX_BAD_TEXT);
  fields.connection = r->origin.connection;
  fields.peer = r->origin.peer;
  fields.protocol = r->origin.protocol;
  ld_batch_add (r->batch, &fields);
  ld_batch_add_extra (r->batch, "error", -1, LD_VALUE_STRING, why, -1);
  if (line_no > 0)
    {
      g_snprintf (number, sizeof number, "%" G_GUINT64_FORMAT, line_no);
      ld_batch_add_extra (r->batch, "line_number", -1, LD_VALUE_NUMBER, number, -1);
    }
}

static void
add_bad (Reader     *r,
         const char *raw,
         gsize       len,
         guint64     line_no,
         const char *why)
{
  gint64 last_time = r->text != NULL ? ld_text_reader_get_last_time (r->text) : r->last_time;
  gint64 time_us = last_time != 0 ? last_time : r->now;
  Held *held;

  __atomic_add_fetch (&r->import->n_bad, 1, __ATOMIC_RELAXED);
  if (r->held == NULL)
    {
      _ld_import_add_bad_record (r, raw, len, line_no, time_us, why);
      return;
    }

  _ld_import_deliver (r);
  held = g_new0 (Held, 1);
  held->raw = g_strndup (raw, MIN (len, MAX_BAD_TEXT));
  held->raw_len = MIN (len, MAX_BAD_TEXT);
  held->line_no = line_no;
  held->time_us = time_us;
  held->why = g_strdup (why);
  g_ptr_array_add (r->held, held);
}

/* Decoding
 * --------
 *
 * Each line or frame goes to the decoder of its format, which adds its
 * records to the batch being read; what a decoder cannot read becomes a
 * record of its own here. */

static void
on_bad_json (const LdJsonBadValue *bad,
             gpointer              user_data)
{
  Reader *r = user_data;
  const char *text = r->json_text;
  gsize end = bad->end;

  while (end > bad->start && (text[end - 1] == '\n' || text[end - 1] == '\r'))
    end--;
  add_bad (r, text + bad->start, end - bad->start, r->json_first_line + bad->line - 1,
           bad->error->message);
}

static void
normalize_text (Reader     *r,
                const char *text,
                gsize       len,
                guint64     first_line)
{
  guint n;

  r->json_text = text;
  r->json_first_line = first_line;
  r->json_context.max_length = MAX (len, LD_JSON_DEFAULT_MAX_LENGTH);
  ld_json_normalize (r->batch, text, len, &r->json_context, NULL);

  n = ld_batch_get_length (r->batch);
  if (n > 0)
    {
      const char *unused;

      r->last_time = ld_batch_get_record (r->batch, n - 1, &unused)->time_us;
    }
}

/* A line of JSON Lines: Logdeck's own are read by ld-jsonl-read.c while they
 * last; the first line that is not sends it and every later line to the
 * normaliser, one line at a time, so that a broken line never takes the next
 * with it. */
static void
json_line (Reader     *r,
           const char *line,
           gsize       len)
{
  g_autoptr(GError) error = NULL;

  if (!r->canonical)
    {
      if (!ld_text_is_blank (line, len))
        normalize_text (r, line, len, r->line_no);
      return;
    }

  switch (ld_jsonl_reader_add_line (r->jsonl, r->batch, line, len, &error))
    {
    case LD_JSONL_LINE_BLANK:
      break;
    case LD_JSONL_LINE_RECORD:
      r->last_time = ld_jsonl_reader_get_last_time (r->jsonl);
      break;
    case LD_JSONL_LINE_BAD:
      add_bad (r, line, len, r->line_no, error->message);
      break;
    case LD_JSONL_LINE_OTHER:
    default:
      r->canonical = FALSE;
      normalize_text (r, line, len, r->line_no);
      break;
    }
}

static void
text_line (Reader     *r,
           const char *line,
           gsize       len)
{
  if (!ld_text_reader_add_line (r->text, r->batch, line, len))
    add_bad (r, line, len, r->line_no, _("The line does not start a record"));
}

/* Text without a layout: a record per line, at the level a word names. */
static void
plain_line (Reader     *r,
            const char *line,
            gsize       len)
{
  if (ld_text_add_plain_line (r->batch, line, len, r->read_time, &r->origin))
    r->last_time = r->read_time;
}

/* Hands the text record being read on, when no more lines can be expected
 * for it soon. */
void
_ld_import_flush (Reader *r)
{
  if (r->text != NULL)
    ld_text_reader_flush (r->text, r->batch);
}

/* SocketHandler captures
 * ---------------------- */

static void
add_frame (Reader     *r,
           const char *frame,
           guint32     length)
{
  g_autoptr(GError) error = NULL;
  LdRecordOrigin origin = { r->import->name, r->import->peer, r->import->protocol, r->now };
  guint before = ld_batch_get_length (r->batch);
  g_autofree char *what = NULL;

  r->n_frames++;
  if (ld_pyrecord_add_pickle (r->batch, (const guint8 *) frame, length, &r->limits, &origin,
                              &error))
    {
      const char *unused;

      if (ld_batch_get_length (r->batch) > before)
        r->last_time = ld_batch_get_record (r->batch, before, &unused)->time_us;
      return;
    }

  what = g_strdup_printf (_("SocketHandler frame %lu (%u bytes) could not be read: %s"),
                          (gulong) r->n_frames, length, error->message);
  add_bad (r, what, strlen (what), 0, error->message);
}

static void
process_frames (Reader   *r,
                gboolean  final)
{
  while (r->len - r->start >= 4)
    {
      guint32 length = _ld_import_frame_length (r->buf + r->start);

      if (length == 0 || length > MAX_FRAME)
        {
          g_autofree char *what = g_strdup_printf (_("A SocketHandler frame length of %u bytes "
                                                     "is not valid; the rest is not read"),
                                                   length);
          add_bad (r, what, strlen (what), 0, what);
          r->start = r->len;
          r->stopped = TRUE;
          return;
        }
      if (r->len - r->start - 4 < length)
        break;

      add_frame (r, r->buf + r->start + 4, length);
      r->start += 4 + length;
    }

  if (final && r->len > r->start)
    {
      g_autofree char *what = g_strdup_printf (_("The capture ends inside a frame "
                                                 "(%lu bytes left over)"),
                                               (gulong) (r->len - r->start));
      add_bad (r, what, strlen (what), 0, what);
      r->start = r->len;
    }
}

/* Reading
 * ------- */

static void
handle_line (Reader     *r,
             const char *line,
             gsize       len)
{
  if (len > 0 && line[len - 1] == '\r')
    len--;

  switch (r->mode)
    {
    case MODE_JSON_LINES: json_line (r, line, len); break;
    case MODE_TEXT: text_line (r, line, len); break;
    case MODE_LINES:
    default: plain_line (r, line, len); break;
    }
}

static void
process_lines (Reader   *r,
               gboolean  final)
{
  const char *p = r->buf + r->start, *end = r->buf + r->len;

  while (p < end)
    {
      const char *newline;

      if (r->segment_end > 0 && r->offset + (goffset) (p - r->buf) >= r->segment_end)
        {
          r->stopped = TRUE;
          break;
        }
      newline = memchr (p, '\n', end - p);
      if (newline == NULL && !final)
        break;
      if (newline == NULL)
        newline = end;
      if (r->skip_line)
        r->skip_line = FALSE;
      else
        handle_line (r, p, newline - p);
      r->line_no++;
      p = newline < end ? newline + 1 : end;
    }

  r->start = p - r->buf;
}

void
_ld_import_process_buffer (Reader   *r,
                           gboolean  final)
{
  switch (r->mode)
    {
    case MODE_PICKLE:
      process_frames (r, final);
      break;
    case MODE_JSON_DOCUMENT:
      if (final)
        {
          normalize_text (r, r->buf + r->start, r->len - r->start, r->line_no);
          r->start = r->len;
        }
      break;
    case MODE_JSON_LINES:
    case MODE_TEXT:
    case MODE_LINES:
    default:
      process_lines (r, final);
      break;
    }
}

/* A buffer full of one unit: room is made for a longer one, up to a limit
 * past which a line is read cut short and the rest of it skipped. */
static void
handle_full_buffer (Reader *r)
{
  gsize limit = r->mode == MODE_JSON_DOCUMENT ? MAX_DOCUMENT
                : r->mode == MODE_PICKLE ? MAX_FRAME + 4 : MAX_LINE;

  if (r->buf_size < limit)
    {
      r->buf_size = MIN (r->buf_size * 2, limit);
      r->buf = g_realloc (r->buf, r->buf_size);
      return;
    }

  if (r->mode == MODE_JSON_DOCUMENT)
    {
      add_bad (r, r->buf, MAX_BAD_TEXT, 0, _("The JSON document is too big to read"));
      r->stopped = TRUE;
    }
  else
    {
      add_bad (r, r->buf, MAX_BAD_TEXT, r->line_no, _("The line is too long to read"));
      r->skip_line = TRUE;
      r->line_no++;
    }
  r->start = r->len;
}

static gboolean
on_ready (GObject  *stream,
          gpointer  user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
on_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Waits for a pollable stream to be readable, cancellation, or @timeout_ms
 * (-1: no limit; with no stream, only the time and cancellation). */
gboolean
_ld_import_wait_for (Reader   *r,
                     int       timeout_ms,
                     gboolean  pollable)
{
  g_autoptr(GSource) ready_source = NULL;
  g_autoptr(GSource) timeout_source = NULL;
  gboolean ready = FALSE, timed_out = FALSE;

  if (pollable)
    ready_source = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (r->stream),
                                                          r->cancellable);
  else
    ready_source = g_cancellable_source_new (r->cancellable);
  g_source_set_callback (ready_source, G_SOURCE_FUNC (on_ready), &ready, NULL);
  g_source_attach (ready_source, r->context);
  if (timeout_ms >= 0)
    {
      timeout_source = g_timeout_source_new (timeout_ms);
      g_source_set_callback (timeout_source, on_timeout, &timed_out, NULL);
      g_source_attach (timeout_source, r->context);
    }

  while (!ready && !timed_out)
    g_main_context_iteration (r->context, TRUE);

  g_source_destroy (ready_source);
  if (timeout_source != NULL)
    g_source_destroy (timeout_source);
  return ready;
}

gboolean
_ld_import_is_pollable (GInputStream *stream)
{
  return G_IS_POLLABLE_INPUT_STREAM (stream)
         && g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (stream));
}

/* Reads what there is into the buffer; returns FALSE on error. A pollable
 * stream (a pipe) is waited on for at most @timeout_ms, after which nothing
 * may have been read. */
gboolean
_ld_import_reader_read (Reader   *r,
                        int       timeout_ms,
                        gboolean *timed_out,
                        GError  **error)
{
  gssize n;

  *timed_out = FALSE;
  if (r->start > 0)
    {
      memmove (r->buf, r->buf + r->start, r->len - r->start);
      r->len -= r->start;
      r->offset += r->start;
      r->start = 0;
    }
  if (r->len == r->buf_size)
    handle_full_buffer (r);
  if (r->start > 0)
    return TRUE;

  if (!_ld_import_is_pollable (r->stream))
    n = g_input_stream_read (r->stream, r->buf + r->len, r->buf_size - r->len, r->cancellable,
                             error);
  else
    for (;;)
      {
        g_autoptr(GError) local_error = NULL;

        n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (r->stream),
                                                      r->buf + r->len, r->buf_size - r->len,
                                                      r->cancellable, &local_error);
        if (n >= 0 || !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
          {
            if (n < 0)
              g_propagate_error (error, g_steal_pointer (&local_error));
            break;
          }
        if (!_ld_import_wait_for (r, timeout_ms, TRUE))
          return (*timed_out = TRUE);
      }

  if (n < 0)
    return FALSE;
  r->eof = n == 0;
  r->len += n;
  r->read_time = g_get_real_time ();
  /* A segment reads a byte before its start, and on past its end to finish
   * its last line: only its own bytes count. */
  if (r->segment_end > 0)
    {
      goffset from = MAX (r->offset + (goffset) r->len - n, r->segment_start);
      goffset to = MIN (r->offset + (goffset) r->len, r->segment_end);

      n = MAX (to - from, 0);
    }
  __atomic_add_fetch (&r->import->bytes_read, n, __ATOMIC_RELAXED);
  return TRUE;
}

gboolean
_ld_import_read_all (Reader  *r,
                     GError **error)
{
  gboolean following = r->import->follow && r->import->file != NULL;
  gboolean live = _ld_import_is_pollable (r->stream);

  for (;;)
    {
      gboolean timed_out;

      _ld_import_process_buffer (r, FALSE);
      _ld_import_deliver (r);
      if (r->stopped || (r->eof && !following))
        break;
      if (r->eof && !_ld_import_follow_wait (r, error))
        return FALSE;
      if (!_ld_import_reader_read (r, live && r->text != NULL
                                          && ld_text_reader_has_pending (r->text)
                                   ? PENDING_TIMEOUT_MS : -1, &timed_out, error))
        return FALSE;
      if (timed_out)
        _ld_import_flush (r);
    }

  _ld_import_process_buffer (r, TRUE);
  _ld_import_flush (r);
  _ld_import_deliver (r);
  return TRUE;
}

/**
 * ld_import_run:
 * @self: an import
 * @cancellable: (nullable): to stop
 * @error: why the input could not be read: %LD_IMPORT_ERROR_BINARY, an
 *   error of GIO's, or %G_IO_ERROR_CANCELLED
 *
 * Reads the whole input in the calling thread (which it blocks), handing the
 * records on as it goes; a followed file or a stream is read until it ends
 * or @cancellable is cancelled. Records handed on before an error stay
 * handed on.
 *
 * Returns: %TRUE if the input was read to its end
 */
gboolean
ld_import_run (LdImport      *self,
               GCancellable  *cancellable,
               GError       **error)
{
  Segment segments[MAX_SEGMENTS] = { { 0 } };
  Reader r;
  gboolean ok;
  guint n;

  g_return_val_if_fail (LD_IS_IMPORT (self), FALSE);

  _ld_import_reader_init (&r, self, cancellable);
  ok = _ld_import_reader_open (&r, error) && _ld_import_read_start (&r, error)
       && _ld_import_detect (&r, error);
  if (ok)
    {
      n = _ld_import_start_segments (&r, segments);
      ok = _ld_import_read_all (&r, error);
      ok = _ld_import_finish_segments (&r, segments, n, ok, error);
    }
  _ld_import_reader_clear (&r);

  return ok;
}

static gpointer
import_thread (gpointer data)
{
  g_autoptr(GTask) task = data;
  LdImport *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (ld_import_run (self, g_task_get_cancellable (task), &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);

  return NULL;
}

/**
 * ld_import_run_async:
 * @self: an import
 * @cancellable: (nullable): to stop
 * @callback: called on the thread-default main context when reading ends
 * @user_data: for @callback
 *
 * Runs ld_import_run() on a thread of its own (a stream or a followed file
 * may be read for as long as the program runs, which would hold a thread of
 * the shared pool). The getters give the progress meanwhile.
 */
void
ld_import_run_async (LdImport            *self,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (LD_IS_IMPORT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ld_import_run_async);
  g_task_set_name (task, "[logdeck] import");
  g_thread_unref (g_thread_new ("logdeck-import", import_thread, task));
}

gboolean
ld_import_run_finish (LdImport      *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Several files merged
 * -------------------- */

static void
copy_record (LdBatch       *dest,
             const LdBatch *src,
             guint          index)
{
  const char *text;
  LdRecord record = *ld_batch_get_record (src, index, &text);
  LdRecordFields fields = { 0 };
  g_autofree char *exception = NULL, *stack = NULL;
  LdExtraIter iter;
  guint32 key;
  LdValueType type;
  const char *value;
  gsize len;

  record.text = text;
  fields.message = ld_record_get_message (&record, &len);
  fields.message_len = len;
  if (len == 0)
    fields.message = "";
  exception = g_strndup (ld_record_get_exception (&record, &len), len);
  stack = g_strndup (ld_record_get_stack (&record, &len), len);
  fields.time_us = record.time_us;
  fields.level = record.level;
  fields.level_name = ld_intern_lookup (record.level_name);
  fields.logger = ld_intern_lookup (record.logger);
  fields.exception = exception;
  fields.stack = stack;
  fields.thread = ld_intern_lookup (record.thread);
  fields.thread_id = record.thread_id;
  fields.process_name = ld_intern_lookup (record.process_name);
  fields.process = record.process;
  fields.task = ld_intern_lookup (record.task);
  fields.file = ld_intern_lookup (record.file);
  fields.line = record.line;
  fields.function = ld_intern_lookup (record.function);
  fields.connection = ld_intern_lookup (record.connection);
  fields.peer = ld_intern_lookup (record.peer);
  fields.protocol = ld_intern_lookup (record.protocol);
  fields.host = ld_intern_lookup (record.host);
  fields.service = ld_intern_lookup (record.service);
  ld_batch_add (dest, &fields);

  ld_extra_iter_init (&iter, &record);
  while (ld_extra_iter_next (&iter, &key, &type, &value, &len))
    ld_batch_add_extra (dest, ld_intern_lookup (key), -1, type, value, len);
}

/**
 * ld_import_merge_by_time:
 * @batches: (array length=n_batches): the records of several inputs, one
 *   batch each, each in its own order
 * @n_batches: how many
 *
 * Merges the batches by time, as a merge sort's last step: the order within
 * each batch is kept (a log whose clock went back stays as written), and of
 * records of the same time the one of the earlier batch comes first.
 *
 * Returns: (transfer full): a new batch with every record
 */
LdBatch *
ld_import_merge_by_time (LdBatch *const *batches,
                         guint           n_batches)
{
  LdBatch *merged = ld_batch_new ();
  g_autofree guint *next = g_new0 (guint, n_batches);

  for (;;)
    {
      guint best = G_MAXUINT;
      gint64 best_time = 0;

      for (guint i = 0; i < n_batches; i++)
        {
          const char *text;
          gint64 time_us;

          if (next[i] >= ld_batch_get_length (batches[i]))
            continue;
          time_us = ld_batch_get_record (batches[i], next[i], &text)->time_us;
          if (best == G_MAXUINT || time_us < best_time)
            best = i, best_time = time_us;
        }
      if (best == G_MAXUINT)
        return merged;

      copy_record (merged, batches[best], next[best]++);
    }
}
