// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ld-import-private.h"

/* How an input is read: the kind of input is told from its first 64 KiB. A
 * SocketHandler capture by its first frame (a 4-byte big-endian length and a
 * pickle that ends with STOP where the length says); then anything with a NUL
 * byte or invalid UTF-8 there is refused as binary; JSON by a first "{" or
 * "["; other text is matched against the common Python logging layouts
 * (ld_text_layout_detect()), and text that fits none becomes one record per
 * line. */

static gboolean
looks_like_pickle (const char *p,
                   gsize       n)
{
  guint32 length;
  guchar first;

  if (n < 6)
    return FALSE;
  length = _ld_import_frame_length (p);
  first = (guchar) p[4];
  /* pickle.dumps(d, 1) starts with EMPTY_DICT, newer protocols with PROTO. */
  if (length < 2 || length > MAX_FRAME || (first != 0x80 && first != '}' && first != '('))
    return FALSE;

  return n < 4 + (gsize) length || p[4 + length - 1] == '.';
}

/* No NUL and valid UTF-8, but for a character cut at the end of what was read. */
static gboolean
is_text (const char *p,
         gsize       n,
         gboolean    complete)
{
  const char *valid_end;
  gsize rest;

  if (memchr (p, '\0', n) != NULL)
    return FALSE;
  if (g_utf8_validate_len (p, n, &valid_end))
    return TRUE;

  rest = n - (valid_end - p);
  return !complete && rest < 4 && g_utf8_get_char_validated (valid_end, rest) == (gunichar) -2;
}

/* A text log: by the layout given, or the one that fits; text that fits none
 * becomes one record per line. */
static gboolean
detect_text (Reader  *r,
             GError **error)
{
  LdImport *import = r->import;
  LdTextLayout *layout;

  if (import->log_format != NULL)
    layout = ld_text_layout_new (import->log_format, error);
  else
    layout = ld_text_layout_detect (r->buf + r->start, r->len - r->start, r->eof);
  if (import->log_format != NULL && layout == NULL)
    return FALSE;

  r->mode = layout != NULL ? MODE_TEXT : MODE_LINES;
  if (layout != NULL)
    {
      import->layout = g_strdup (ld_text_layout_get_format (layout));
      r->text = ld_text_reader_new (layout, &r->origin, import->utc);
    }
  return TRUE;
}

/* "{", or "[" and then "{" or "]": not "[2024-05-01 12:30:00] INFO ..." */
static gboolean
looks_like_json (const char *p,
                 gsize       n)
{
  gsize i = 1;

  if (n == 0 || (*p != '{' && *p != '['))
    return FALSE;
  if (*p == '{')
    return TRUE;
  while (i < n && g_ascii_isspace (p[i]))
    i++;

  return i == n || p[i] == '{' || p[i] == ']';
}

/* A JSON array, or a pretty-printed object, rather than JSON Lines: read
 * whole by the normaliser. */
static gboolean
is_json_document (Reader *r)
{
  const char *p = r->buf + r->start, *end = r->buf + r->len;
  const char *newline;
  g_autoptr(GError) error = NULL;
  gsize offset = 0;

  while (p < end && g_ascii_isspace (*p))
    p++;
  if (p < end && *p == '[')
    return TRUE;

  newline = memchr (p, '\n', end - p);
  if (newline == NULL)
    return FALSE;
  return ld_json_parser_parse (r->parser, p, newline - p, &offset, &error) == NULL
         && g_error_matches (error, LD_JSON_ERROR, LD_JSON_ERROR_TRUNCATED);
}

/* The format when none was given: the first frame of a capture, or JSON, or
 * other text. */
static LdImportFormat
detect_format (Reader *r)
{
  const char *p = r->buf + r->start;
  gsize n = r->len - r->start, first = 0;

  if (looks_like_pickle (p, n))
    return LD_IMPORT_FORMAT_PICKLE;
  if (n >= 3 && memcmp (p, "\357\273\277", 3) == 0)
    first = 3;
  while (first < n && g_ascii_isspace (p[first]))
    first++;

  return looks_like_json (p + first, n - first) ? LD_IMPORT_FORMAT_JSON : LD_IMPORT_FORMAT_TEXT;
}

/* Decides how to read, from the first 64 KiB (or the first line of a stream). */
gboolean
_ld_import_detect (Reader  *r,
                   GError **error)
{
  LdImport *import = r->import;
  LdImportFormat format = import->format != LD_IMPORT_FORMAT_AUTO ? import->format
                          : detect_format (r);

  if (format != LD_IMPORT_FORMAT_PICKLE && !is_text (r->buf + r->start, r->len - r->start, r->eof))
    {
      g_set_error (error, LD_IMPORT_ERROR, LD_IMPORT_ERROR_BINARY,
                   _("“%s” is not a log that Logdeck can read: it holds binary data. Logdeck "
                     "opens JSON Lines, Python logging text and SocketHandler captures."),
                   import->peer != NULL ? import->peer : import->name);
      return FALSE;
    }
  if (format != LD_IMPORT_FORMAT_PICKLE && r->len - r->start >= 3
      && memcmp (r->buf + r->start, "\357\273\277", 3) == 0)
    r->start += 3;

  switch (format)
    {
    case LD_IMPORT_FORMAT_PICKLE:
      r->mode = MODE_PICKLE;
      break;
    case LD_IMPORT_FORMAT_JSON:
      r->mode = is_json_document (r) ? MODE_JSON_DOCUMENT : MODE_JSON_LINES;
      break;
    case LD_IMPORT_FORMAT_LINES:
      r->mode = MODE_LINES;
      break;
    case LD_IMPORT_FORMAT_TEXT:
    case LD_IMPORT_FORMAT_AUTO:
    default:
      if (!detect_text (r, error))
        return FALSE;
      format = r->mode == MODE_TEXT ? LD_IMPORT_FORMAT_TEXT : LD_IMPORT_FORMAT_LINES;
      break;
    }

  g_atomic_int_set ((int *) &import->detected, format);
  return TRUE;
}
