// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <string.h>

#include "ld-json.h"
#include "ld-json-normalize.h"
#include "ld-jsonl.h"

/* The reader of Logdeck's own JSON Lines, those ld_jsonl_append_record()
 * writes. Reading them back here rather than through the normaliser keeps
 * every field and the type of every extra value as it was: an object in
 * "extra" stays one field with that object as JSON (the normaliser flattens
 * objects into fields of their own), and a level name stays what the sender
 * called it. A line of other JSON is left to ld_json_normalize(). */

struct _LdJsonlReader
{
  LdJsonParser     *parser;
  GString          *scratch;      /* the strings of the record being read */
  LdRecordOrigin    origin;
  gint64            last_time;
};

typedef enum
{
  KEY_TIME,
  KEY_LEVEL,
  KEY_LEVELNO,
  KEY_LOGGER,
  KEY_MESSAGE,
  KEY_THREAD,
  KEY_THREAD_ID,
  KEY_PROCESS,
  KEY_PROCESS_NAME,
  KEY_TASK,
  KEY_FILE,
  KEY_LINE,
  KEY_FUNCTION,
  KEY_EXCEPTION,
  KEY_STACK,
  KEY_CONNECTION,
  KEY_PEER,
  KEY_PROTOCOL,
  KEY_HOST,
  KEY_SERVICE,
  KEY_TRACE_ID,
  KEY_SPAN_ID,
  KEY_EXTRA,
  N_KEYS,
} Key;

#define IS(literal) (memcmp (k, literal, sizeof literal - 1) == 0)

/* Every line has a dozen keys or more, so they are told apart by length
 * first, then by one comparison of known length each. */
static Key
classify_key (const LdJsonNode *key)
{
  const char *k = key->text;

  switch (key->len)
    {
    case 4:
      return IS ("time") ? KEY_TIME : IS ("line") ? KEY_LINE : IS ("file") ? KEY_FILE
             : IS ("task") ? KEY_TASK : IS ("peer") ? KEY_PEER : IS ("host") ? KEY_HOST
             : N_KEYS;
    case 5: return IS ("level") ? KEY_LEVEL : IS ("extra") ? KEY_EXTRA : IS ("stack") ? KEY_STACK
                   : N_KEYS;
    case 6: return IS ("logger") ? KEY_LOGGER : IS ("thread") ? KEY_THREAD : N_KEYS;
    case 7:
      return IS ("levelno") ? KEY_LEVELNO : IS ("message") ? KEY_MESSAGE
             : IS ("process") ? KEY_PROCESS : IS ("service") ? KEY_SERVICE
             : IS ("span_id") ? KEY_SPAN_ID : N_KEYS;
    case 8:
      return IS ("function") ? KEY_FUNCTION : IS ("protocol") ? KEY_PROTOCOL
             : IS ("trace_id") ? KEY_TRACE_ID : N_KEYS;
    case 9: return IS ("thread_id") ? KEY_THREAD_ID : IS ("exception") ? KEY_EXCEPTION : N_KEYS;
    case 10: return IS ("connection") ? KEY_CONNECTION : N_KEYS;
    case 12: return IS ("process_name") ? KEY_PROCESS_NAME : N_KEYS;
    default: return N_KEYS;
    }
}

#undef IS

/* The end of the JSON value at @p, which the parser has already accepted. */
static const char *
skip_value (const char *p,
            const char *end)
{
  int depth = 0;

  for (; p < end; p++)
    {
      if (*p == '"')
        {
          for (p++; p < end && *p != '"'; p++)
            if (*p == '\\')
              p++;
        }
      else if (*p == '{' || *p == '[')
        depth++;
      else if ((*p == '}' || *p == ']') && --depth == 0)
        return p + 1;
    }

  return end;
}

static void
add_canonical_extras (LdBatch          *batch,
                      const LdJsonNode *extra,
                      const char       *line_end)
{
  for (const LdJsonNode *key = ld_json_object_first (extra); key != NULL;
       key = ld_json_object_next (extra, key))
    {
      const LdJsonNode *value = key + 1;
      LdValueType type;
      const char *text = value->text;
      gsize len = value->len;

      switch (value->kind)
        {
        case LD_JSON_NULL: type = LD_VALUE_NULL, text = NULL, len = 0; break;
        case LD_JSON_TRUE: type = LD_VALUE_BOOL, text = "true", len = 4; break;
        case LD_JSON_FALSE: type = LD_VALUE_BOOL, text = "false", len = 5; break;
        case LD_JSON_NUMBER: type = LD_VALUE_NUMBER; break;
        case LD_JSON_STRING: type = LD_VALUE_STRING; break;
        case LD_JSON_ARRAY:
        case LD_JSON_OBJECT:
        default:
          type = LD_VALUE_JSON;
          len = skip_value (text, line_end) - text;
          break;
        }
      ld_batch_add_extra (batch, key->text, key->len, type, text, len);
    }
}

/* Text of a string member, nul-terminated in the scratch space. */
static gboolean
keep_string (LdJsonlReader    *r,
             const LdJsonNode *value,
             gssize           *offset)
{
  if (value->kind != LD_JSON_STRING)
    return FALSE;

  *offset = r->scratch->len;
  g_string_append_len (r->scratch, value->text, value->len);
  g_string_append_c (r->scratch, '\0');
  return TRUE;
}

static gboolean
read_canonical_member (LdJsonlReader     *r,
                       Key                key,
                       const LdJsonNode  *value,
                       LdRecordFields    *fields,
                       gssize             offsets[N_KEYS],
                       const LdJsonNode **extra)
{
  gint64 number;

  switch (key)
    {
    case KEY_TIME:
      return value->kind == LD_JSON_STRING
             && ld_json_parse_iso8601 (value->text, value->len, &fields->time_us);
    case KEY_LEVELNO:
    case KEY_THREAD_ID:
    case KEY_PROCESS:
    case KEY_LINE:
      if (value->kind != LD_JSON_NUMBER || !ld_json_node_get_int64 (value, &number))
        return FALSE;
      if (key == KEY_LEVELNO)
        fields->level = (int) CLAMP (number, G_MININT32, G_MAXINT32);
      else if (key == KEY_THREAD_ID)
        fields->thread_id = number;
      else if (key == KEY_PROCESS)
        fields->process = number;
      else
        fields->line = (guint) CLAMP (number, 0, G_MAXUINT32);
      return TRUE;
    case KEY_MESSAGE:
      if (value->kind != LD_JSON_STRING)
        return FALSE;
      fields->message = value->len > 0 ? value->text : "";
      fields->message_len = value->len;
      return TRUE;
    case KEY_EXTRA:
      *extra = value;
      return value->kind == LD_JSON_OBJECT;
    default:
      return keep_string (r, value, &offsets[key]);
    }
}

static const char *
canonical_string (LdJsonlReader *r,
                  const gssize   offsets[N_KEYS],
                  Key            key)
{
  return offsets[key] >= 0 ? r->scratch->str + offsets[key] : NULL;
}

/* A record that names where it came from keeps it; one that does not names
 * the file. */
static void
set_canonical_strings (LdJsonlReader  *r,
                       const gssize    offsets[N_KEYS],
                       LdRecordFields *fields)
{
  fields->level_name = canonical_string (r, offsets, KEY_LEVEL);
  fields->logger = canonical_string (r, offsets, KEY_LOGGER);
  fields->thread = canonical_string (r, offsets, KEY_THREAD);
  fields->process_name = canonical_string (r, offsets, KEY_PROCESS_NAME);
  fields->task = canonical_string (r, offsets, KEY_TASK);
  fields->file = canonical_string (r, offsets, KEY_FILE);
  fields->function = canonical_string (r, offsets, KEY_FUNCTION);
  fields->exception = canonical_string (r, offsets, KEY_EXCEPTION);
  fields->stack = canonical_string (r, offsets, KEY_STACK);
  fields->host = canonical_string (r, offsets, KEY_HOST);
  fields->service = canonical_string (r, offsets, KEY_SERVICE);
  fields->trace_id = canonical_string (r, offsets, KEY_TRACE_ID);
  fields->span_id = canonical_string (r, offsets, KEY_SPAN_ID);
  fields->connection = r->origin.connection;
  fields->peer = r->origin.peer;
  fields->protocol = r->origin.protocol;
  if (offsets[KEY_CONNECTION] >= 0 || offsets[KEY_PEER] >= 0 || offsets[KEY_PROTOCOL] >= 0)
    {
      fields->connection = canonical_string (r, offsets, KEY_CONNECTION);
      fields->peer = canonical_string (r, offsets, KEY_PEER);
      fields->protocol = canonical_string (r, offsets, KEY_PROTOCOL);
    }
}

/* Adds the record of a line of Logdeck's JSON Lines; FALSE if the object is
 * not one, for the normaliser to read. */
static gboolean
add_canonical (LdJsonlReader    *r,
               LdBatch          *batch,
               const LdJsonNode *root,
               const char       *line_end)
{
  LdRecordFields fields = { 0 };
  gssize offsets[N_KEYS];
  const LdJsonNode *extra = NULL;
  guint seen = 0;

  g_string_truncate (r->scratch, 0);
  for (guint i = 0; i < N_KEYS; i++)
    offsets[i] = -1;

  for (const LdJsonNode *key = ld_json_object_first (root); key != NULL;
       key = ld_json_object_next (root, key))
    {
      Key which = classify_key (key);

      if (which == N_KEYS || (seen & (1u << which))
          || !read_canonical_member (r, which, key + 1, &fields, offsets, &extra))
        return FALSE;
      seen |= 1u << which;
    }
  if ((seen & (1u << KEY_TIME | 1u << KEY_LEVEL | 1u << KEY_LEVELNO | 1u << KEY_MESSAGE))
      != (1u << KEY_TIME | 1u << KEY_LEVEL | 1u << KEY_LEVELNO | 1u << KEY_MESSAGE))
    return FALSE;

  set_canonical_strings (r, offsets, &fields);
  ld_batch_add (batch, &fields);
  if (extra != NULL)
    add_canonical_extras (batch, extra, line_end);
  r->last_time = fields.time_us;
  return TRUE;
}

/* Whether @text is only whitespace. */
static gboolean
is_blank (const char *text,
          gsize       length)
{
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isspace (text[i]))
      return FALSE;

  return TRUE;
}

/**
 * ld_jsonl_reader_new:
 * @origin: the connection, peer and protocol of records that do not name
 *   their own (the strings must outlive the reader)
 *
 * Returns: (transfer full): a reader of Logdeck's JSON Lines
 */
LdJsonlReader *
ld_jsonl_reader_new (const LdRecordOrigin *origin)
{
  LdJsonlReader *self;

  g_return_val_if_fail (origin != NULL, NULL);

  self = g_new0 (LdJsonlReader, 1);
  self->parser = ld_json_parser_new ();
  self->scratch = g_string_new (NULL);
  self->origin = *origin;

  return self;
}

void
ld_jsonl_reader_free (LdJsonlReader *self)
{
  if (self == NULL)
    return;

  ld_json_parser_free (self->parser);
  g_string_free (self->scratch, TRUE);
  g_free (self);
}

/**
 * ld_jsonl_reader_add_line:
 * @batch: where the record goes
 * @line: one line, without its line end
 * @error: why the line is not JSON, for %LD_JSONL_LINE_BAD
 *
 * Adds the record of a line that Logdeck wrote, field for field.
 *
 * Returns: what the line was; only for %LD_JSONL_LINE_RECORD was a record
 *   added
 */
LdJsonlLine
ld_jsonl_reader_add_line (LdJsonlReader  *self,
                          LdBatch        *batch,
                          const char     *line,
                          gsize           length,
                          GError        **error)
{
  const LdJsonNode *root;
  gsize offset = 0;

  if (is_blank (line, length))
    return LD_JSONL_LINE_BLANK;

  root = ld_json_parser_parse (self->parser, line, length, &offset, error);
  if (root == NULL)
    return LD_JSONL_LINE_BAD;
  if (root->kind == LD_JSON_OBJECT && is_blank (line + offset, length - offset)
      && add_canonical (self, batch, root, line + length))
    return LD_JSONL_LINE_RECORD;

  return LD_JSONL_LINE_OTHER;
}

/* The time of the latest record added, 0 before the first. */
gint64
ld_jsonl_reader_get_last_time (LdJsonlReader *self)
{
  return self->last_time;
}
