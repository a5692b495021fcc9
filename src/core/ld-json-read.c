// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include "ld-json-normalize-private.h"

/* The text around the records: newline-delimited (or concatenated) values, a top-level array
 * read item by item, and every bad value reported with its line and skipped, so that one cut
 * line costs only itself. */

/* Error offsets only grow, so lines are counted once, from where the last count stopped. */
static gsize
line_at (Normalizer *n,
         gsize       offset)
{
  const char *q = n->text + n->counted, *end = n->text + offset;

  if (offset < n->counted)
    {
      n->counted = 0;
      n->line = 1;
      return line_at (n, offset);
    }
  while ((q = memchr (q, '\n', end - q)) != NULL)
    {
      n->line++;
      q++;
    }
  n->counted = offset;
  return n->line;
}

/* The line named is where the bad value starts, which is what a reader of newline-delimited
 * input needs; the byte offset in the message is the error's own. */
void
_ld_json_report (Normalizer *n,
                 GError     *error,
                 gsize       offset,
                 gsize       start,
                 gsize       end)
{
  LdJsonBadValue bad = { NULL, line_at (n, start), offset, start, end };

  g_prefix_error (&error, "line %" G_GSIZE_FORMAT ", ", bad.line);
  bad.error = error;
  if (n->ctx->bad_value_func != NULL)
    n->ctx->bad_value_func (&bad, n->ctx->user_data);
  if (n->first_error == NULL)
    n->first_error = error;
  else
    g_error_free (error);
}

static const char *
kind_name (LdJsonKind kind)
{
  static const char *names[] = { "null", "false", "true", "a number", "a string", "an array",
                                 "an object" };
  return names[kind];
}

/* @start and @end bound the value in the text, as far as the caller knows. */
static void
report_not_object (Normalizer       *n,
                   const LdJsonNode *value,
                   gsize             start,
                   gsize             end)
{
  GError *error;

  /* Strings may live in the parser's arena; every other node points into the text. */
  if (value->kind != LD_JSON_STRING)
    start = value->text - n->text;
  error = g_error_new (LD_JSON_ERROR, LD_JSON_ERROR_NOT_OBJECT,
                       "byte %" G_GSIZE_FORMAT ": expected a log record object, found %s",
                       start, kind_name (value->kind));
  _ld_json_report (n, error, start, start, end);
}

static gsize
skip_space (Normalizer *n,
            gsize       offset)
{
  while (offset < n->len && (n->text[offset] == ' ' || n->text[offset] == '\n'
                             || n->text[offset] == '\r' || n->text[offset] == '\t'))
    offset++;
  return offset;
}

static gsize
next_line (Normalizer *n,
           gsize       offset)
{
  const char *newline = memchr (n->text + offset, '\n', n->len - offset);

  return newline != NULL ? (gsize) (newline - n->text) + 1 : n->len;
}

static gboolean
line_starts_value (Normalizer *n,
                   gsize       line)
{
  while (line < n->len && (n->text[line] == ' ' || n->text[line] == '\t'))
    line++;
  return line < n->len && (n->text[line] == '{' || n->text[line] == '[');
}

/* Where to read on after an error at @offset.  If the parser stopped at a value that begins
 * a line, the line before was cut short (a writer died mid-line) and this one is good.
 * Otherwise the next line that begins a value; lines between are taken to be the rest of
 * the bad value, such as a broken pretty-printed object. */
static gsize
resume_after_error (Normalizer *n,
                    gsize       offset)
{
  gsize line = offset;

  while (line > 0 && n->text[line - 1] != '\n')
    line--;
  if (line_starts_value (n, line) && skip_space (n, line) == offset && offset < n->len)
    return offset;

  for (line = next_line (n, offset); line < n->len; line = next_line (n, line))
    if (line_starts_value (n, line))
      return line;
  return n->len;
}

/* What the text has at @offset, for error messages, as the parser words it. */
static char *
describe_at (Normalizer *n,
             gsize       offset)
{
  guchar c;

  if (offset >= n->len)
    return g_strdup ("the end of the text");
  c = n->text[offset];
  if (c >= 0x21 && c < 0x7f)
    return g_strdup_printf ("'%c'", c);
  return g_strdup_printf ("byte 0x%02x", c);
}

/* A record must end its line, though several may share one ("{...}{...}"). */
static gboolean
check_line_end (Normalizer *n,
                gsize      *offset,
                GError    **error)
{
  g_autofree char *found = NULL;
  gsize q = *offset;

  while (q < n->len && (n->text[q] == ' ' || n->text[q] == '\t' || n->text[q] == '\r'))
    q++;
  if (q >= n->len || n->text[q] == '\n' || n->text[q] == '{' || n->text[q] == '[')
    return TRUE;

  *offset = q;
  found = describe_at (n, q);
  g_set_error (error, LD_JSON_ERROR, LD_JSON_ERROR_SYNTAX,
               "byte %" G_GSIZE_FORMAT ": expected the end of the line after the JSON value, "
               "found %s", q, found);
  return FALSE;
}

static void
take_value (Normalizer       *n,
            const LdJsonNode *value,
            gsize             start,
            gsize             end)
{
  if (value->kind == LD_JSON_OBJECT)
    _ld_json_normalize_object (n, value);
  else if (value->kind == LD_JSON_ARRAY)
    {
      for (const LdJsonNode *item = ld_json_array_first (value); item != NULL;
           item = ld_json_array_next (value, item))
        take_value (n, item, start, end);
    }
  else
    report_not_object (n, value, start, end);
}

/* Newline-delimited (or simply concatenated) values; a bad line is reported and skipped. */
static void
read_values (Normalizer *n,
             gsize       offset)
{
  while ((offset = skip_space (n, offset)) < n->len)
    {
      gsize start = offset;
      GError *error = NULL;
      const LdJsonNode *root = ld_json_parser_parse (n->parser, n->text, n->len, &offset,
                                                     &error);

      if (root != NULL && check_line_end (n, &offset, &error))
        take_value (n, root, start, offset);
      else
        {
          gsize resume = MAX (resume_after_error (n, offset), next_line (n, start));

          _ld_json_report (n, error, offset, start, resume);
          offset = resume;
        }
    }
}

/* A top-level array is read item by item, so that a huge one needs no huge tree and the items
 * before a syntax error still count. */
static gsize
read_array (Normalizer *n,
            gsize       offset)
{
  GError *error = NULL;
  gsize start;

  offset = skip_space (n, offset + 1);
  if (offset < n->len && n->text[offset] == ']')
    return offset + 1;

  for (;;)
    {
      const LdJsonNode *item;

      start = offset = skip_space (n, offset);
      if ((item = ld_json_parser_parse (n->parser, n->text, n->len, &offset, &error)) == NULL)
        break;
      if (item->kind == LD_JSON_OBJECT)
        _ld_json_normalize_object (n, item);
      else
        report_not_object (n, item, start, offset);

      offset = skip_space (n, offset);
      if (offset < n->len && n->text[offset] == ']')
        return offset + 1;
      if (offset >= n->len || n->text[offset] != ',')
        {
          g_autofree char *found = describe_at (n, offset);

          g_set_error (&error, LD_JSON_ERROR,
                       offset >= n->len ? LD_JSON_ERROR_TRUNCATED : LD_JSON_ERROR_SYNTAX,
                       "byte %" G_GSIZE_FORMAT ": expected ',' or ']' after an array item, "
                       "found %s", offset, found);
          start = offset;
          break;
        }
      offset++;
    }

  _ld_json_report (n, error, offset, start, resume_after_error (n, offset));
  return resume_after_error (n, offset);
}


/* A byte order mark is skipped; a text that starts with '[' is an array of records, and
 * whatever follows it (or the whole text otherwise) is read as newline-delimited values. */
void
_ld_json_read_text (Normalizer *n)
{
  gsize offset = 0;

  if (n->len >= 3 && memcmp (n->text, "\357\273\277", 3) == 0)
    offset = 3;
  offset = skip_space (n, offset);
  if (offset < n->len && n->text[offset] == '[')
    offset = read_array (n, offset);
  read_values (n, offset);
}
