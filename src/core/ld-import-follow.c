// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ld-import-private.h"

/* Opening an input, and following a file as it grows. Following polls the
 * file every FOLLOW_INTERVAL_MS at its end, rather than using a
 * GFileMonitor: polling needs no main loop in the worker, works on network
 * file systems where inotify does not, and notices the two things a log file
 * does besides growing: being truncated (read again from the start) and
 * being rotated (the name now leads to a new file, which is opened). */

static gboolean
fail_open (LdImport *import,
           GError   *cause,
           GError  **error)
{
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_propagate_error (error, cause);
  else
    {
      g_set_error (error, cause->domain, cause->code, _("Could not read “%s”: %s"),
                   import->peer != NULL ? import->peer : import->name, cause->message);
      g_error_free (cause);
    }

  return FALSE;
}

static void
store_size (Reader *r)
{
  g_autoptr(GFileInfo) info = NULL;
  guint64 size = 0;

  if (G_IS_FILE_INPUT_STREAM (r->stream))
    info = g_file_input_stream_query_info (G_FILE_INPUT_STREAM (r->stream),
                                           G_FILE_ATTRIBUTE_STANDARD_SIZE, r->cancellable, NULL);
  if (info != NULL)
    size = g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_STANDARD_SIZE);
  __atomic_store_n (&r->import->size, size, __ATOMIC_RELAXED);
}

gboolean
_ld_import_reader_open (Reader  *r,
                        GError **error)
{
  LdImport *import = r->import;
  GError *local_error = NULL;

  if (import->file == NULL)
    {
      r->stream = g_object_ref (import->stream);
      return TRUE;
    }

  r->stream = G_INPUT_STREAM (g_file_read (import->file, r->cancellable, &local_error));
  if (r->stream == NULL)
    return fail_open (import, local_error, error);
  store_size (r);
  return TRUE;
}

/* A gzip file (a rotated log) is read again through a decompressor. */
static gboolean
maybe_gunzip (Reader  *r,
              GError **error)
{
  g_autoptr(GConverter) decompressor = NULL;
  GInputStream *converted;

  if (r->gunzipped || r->len < 2 || (guchar) r->buf[0] != 0x1f || (guchar) r->buf[1] != 0x8b
      || !G_IS_SEEKABLE (r->stream) || !g_seekable_can_seek (G_SEEKABLE (r->stream)))
    return TRUE;
  if (!g_seekable_seek (G_SEEKABLE (r->stream), 0, G_SEEK_SET, r->cancellable, error))
    return FALSE;

  decompressor = G_CONVERTER (g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP));
  converted = g_converter_input_stream_new (r->stream, decompressor);
  g_object_unref (r->stream);
  r->stream = converted;
  r->gunzipped = TRUE;
  r->len = r->start = 0;
  __atomic_store_n (&r->import->bytes_read, 0, __ATOMIC_RELAXED);
  __atomic_store_n (&r->import->size, 0, __ATOMIC_RELAXED);
  return TRUE;
}

/* Reads enough to tell the format: 64 KiB, a whole line of a stream, or all. */
gboolean
_ld_import_read_start (Reader  *r,
                       GError **error)
{
  gboolean timed_out;

  while (!r->eof && r->len < SNIFF_SIZE)
    {
      if (!_ld_import_reader_read (r, -1, &timed_out, error) || !maybe_gunzip (r, error))
        return FALSE;
      if (r->import->file == NULL && memchr (r->buf, '\n', r->len) != NULL)
        break;
    }

  return TRUE;
}

static guint64
info_inode (GFileInfo *info)
{
  return info != NULL ? g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_UNIX_INODE) : 0;
}

/* After a pause at the end of a followed file: a file now at its name (it was
 * rotated) is opened, and a file shorter than what was read (it was
 * truncated) is read again from the start. */
static gboolean
check_followed_file (Reader  *r,
                     GError **error)
{
  const char *attributes = G_FILE_ATTRIBUTE_UNIX_INODE "," G_FILE_ATTRIBUTE_STANDARD_SIZE;
  g_autoptr(GFileInfo) named = g_file_query_info (r->import->file, attributes,
                                                  G_FILE_QUERY_INFO_NONE, r->cancellable, NULL);
  g_autoptr(GFileInfo) open = NULL;
  GError *local_error = NULL;

  if (named == NULL || r->gunzipped)
    return TRUE;
  open = g_file_input_stream_query_info (G_FILE_INPUT_STREAM (r->stream), attributes,
                                         r->cancellable, NULL);

  if (info_inode (named) != info_inode (open))
    {
      GInputStream *stream = G_INPUT_STREAM (g_file_read (r->import->file, r->cancellable,
                                                          &local_error));

      if (stream == NULL)
        return fail_open (r->import, local_error, error);
      _ld_import_process_buffer (r, TRUE);
      _ld_import_flush (r);
      g_object_unref (r->stream);
      r->stream = stream;
    }
  else if (g_file_info_get_size (named) >= r->offset + (goffset) r->len)
    return TRUE;
  else if (!g_seekable_seek (G_SEEKABLE (r->stream), 0, G_SEEK_SET, r->cancellable, error))
    return FALSE;

  r->offset = r->start = r->len = 0;
  store_size (r);
  return TRUE;
}

/* At the end of a followed file: hands on what was read, waits, and looks
 * whether the file was rotated or truncated meanwhile. FALSE when cancelled. */
gboolean
_ld_import_follow_wait (Reader  *r,
                        GError **error)
{
  _ld_import_flush (r);
  _ld_import_deliver (r);
  if (_ld_import_wait_for (r, FOLLOW_INTERVAL_MS, FALSE))
    {
      g_cancellable_set_error_if_cancelled (r->cancellable, error);
      return FALSE;
    }

  r->eof = FALSE;
  return check_followed_file (r, error);
}
