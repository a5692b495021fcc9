// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include "ld-import-private.h"

/* Reading a big file in parallel: JSON Lines are read by several threads at
 * once, each a segment of the file from a line start: decoding, not reading,
 * is what takes the time, and no line depends on another. The first segment
 * is handed on as it is read; each later one is kept until the ones before it
 * are handed on, so that the records arrive in file order. */

#define PARALLEL_MIN_SIZE (32 * 1024 * 1024)

void
_ld_import_held_free (gpointer data)
{
  Held *held = data;

  ld_batch_free (held->batch);
  g_free (held->raw);
  g_free (held->why);
  g_free (held);
}

static gpointer
read_segment (gpointer data)
{
  Segment *segment = data;
  Reader r;

  _ld_import_reader_init (&r, segment->import, segment->cancellable);
  r.mode = MODE_JSON_LINES;
  r.held = segment->held;
  r.segment_start = segment->start;
  r.segment_end = segment->end;
  /* Reading starts a byte early, in the line before: it ends the segment before. */
  r.skip_line = TRUE;
  r.line_no = 0;
  if (_ld_import_reader_open (&r, &segment->error)
      && g_seekable_seek (G_SEEKABLE (r.stream), segment->start - 1, G_SEEK_SET,
                          segment->cancellable, &segment->error))
    {
      r.offset = segment->start - 1;
      _ld_import_read_all (&r, &segment->error);
    }

  segment->n_lines = r.line_no > 0 ? r.line_no - 1 : 0;
  _ld_import_reader_clear (&r);
  return NULL;
}

guint
_ld_import_start_segments (Reader  *r,
                           Segment *segments)
{
  LdImport *import = r->import;
  goffset size = (goffset) ld_import_get_size (import);
  guint n = MIN (g_get_num_processors (), MAX_SEGMENTS);

  if (r->mode != MODE_JSON_LINES || import->file == NULL || import->follow || r->gunzipped
      || size < PARALLEL_MIN_SIZE || n < 2)
    return 1;

  r->segment_end = size / n;
  for (guint k = 1; k < n; k++)
    {
      Segment *segment = &segments[k];

      segment->import = import;
      segment->cancellable = r->cancellable;
      segment->start = size * k / n;
      segment->end = k + 1 < n ? size * (k + 1) / n : G_MAXINT64;
      segment->held = g_ptr_array_new_with_free_func (_ld_import_held_free);
      segment->thread = g_thread_new ("logdeck-import", read_segment, segment);
    }

  return n;
}

static void
deliver_held (Reader  *r,
              Segment *segment,
              guint64  first_line)
{
  for (guint i = 0; i < segment->held->len; i++)
    {
      Held *held = segment->held->pdata[i];

      if (held->batch != NULL)
        _ld_import_hand_on (r->import, g_steal_pointer (&held->batch));
      else
        {
          _ld_import_add_bad_record (r, held->raw, held->raw_len, first_line + held->line_no,
                                     held->time_us, held->why);
          _ld_import_deliver (r);
        }
    }
}

/* Waits for the later segments and hands them on in order. */
gboolean
_ld_import_finish_segments (Reader   *r,
                            Segment  *segments,
                            guint     n,
                            gboolean  ok,
                            GError  **error)
{
  guint64 lines_before = r->line_no - 1;

  for (guint k = 1; k < n; k++)
    {
      Segment *segment = &segments[k];

      g_thread_join (segment->thread);
      if (ok && segment->error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&segment->error));
          ok = FALSE;
        }
      if (ok)
        deliver_held (r, segment, lines_before);
      lines_before += segment->n_lines;
      g_clear_error (&segment->error);
      g_ptr_array_unref (segment->held);
    }

  return ok;
}
