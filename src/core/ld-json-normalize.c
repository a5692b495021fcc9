// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <string.h>

#include "ld-json-normalize-private.h"
#include "ld-json-pyargs.h"
#include "ld-level.h"
#include "ld-pyformat.h"
#include "ld-structured-message.h"

/* How a JSON object becomes a record
 * ==================================
 *
 * 1. The shape ("dialect") is chosen from the object's top-level keys, never from values
 *    alone: the first entry of `dialects` whose signature matches wins.  A signature lists
 *    alternatives separated by "|", each a set of keys that must all be present; "key:type"
 *    also requires the value's JSON type (string, number, object, array), which is how pino's
 *    numeric `level` is told from slog's textual one.  An empty signature always matches.
 *
 * 2. Nested objects are flattened: {"log": {"level": "warn"}} and {"log.level": "warn"} both
 *    give the path "log.level", which is what rules match and what extra fields are called,
 *    so a filter can say `http.request.method=GET`.  Arrays stay whole, as compact JSON.
 *
 * 3. Each path is looked up in the dialect's rules, then in `common_rules`.  A rule gives the
 *    canonical field it fills (its role), how to read the value (time unit, level scale) and
 *    a rank: when two keys fill one field the higher rank wins, and the loser is kept as an
 *    extra field unless it says the same thing or is marked F_FALLBACK.  A path without a
 *    rule becomes an extra field.  A null value of a rule's key is dropped.
 *
 * 4. Time: ISO 8601 with any number of fraction digits (cut to microseconds) and an optional
 *    offset (none means UTC), or an epoch number or numeric string in the unit the rule
 *    names.  Only keys whose unit no format fixes (a generic "timestamp") go by magnitude:
 *    below 1e11 seconds, below 1e14 milliseconds, below 1e17 microseconds, else nanoseconds.
 *    A record without a readable time gets the time it was read.
 *
 * 5. Levels map by the dialect's scale onto Python's: names (ld_level_parse_name), syslog
 *    0-7, pino 10-60, OpenTelemetry 1-24 and slog's -4/0/4/8 with "INFO+2" offsets; see
 *    ld_json_level_from_*().  The level name is the sender's spelling, or for a number the
 *    canonical name of its level.  A record without a level is INFO, as CLEF defines.
 *
 * 6. The record's own connection id (connection_id, websocket.id, conn) and peer
 *    (remote_addr, which the websockets guide fills from X-Forwarded-For) win over the
 *    context's; thread names come from threadName, thread_name, process.thread.name,
 *    thread.name or goroutine, and a numeric "thread" is a thread id.
 *
 * 7. Values of extra fields keep their JSON type: strings, numbers as their JSON text (NaN
 *    and Infinity too), true/false, null, and arrays (and empty objects) as compact JSON, in
 *    which NaN and Infinity become null so that exported lines stay valid JSON.
 *
 * 8. Shape-specific: Python's QueueHandler leaves the formatted traceback and stack at the
 *    end of the message, where they are split off again; a record.__dict__ with msg and args
 *    but no formatted message gets msg % args, formatted as for pickles (ld-pyformat.c);
 *    CLEF's @mt is rendered when there is no @m; GELF's "_x" fields are called "x"; an OTLP
 *    export gives one record per logRecord, with the scope name as the logger and resource
 *    attributes as fields; and Logdeck's own JSON Lines export reads back as it was written.
 *
 * 9. In every shape, a message in the logging cookbook's structured form, `text >>> {...}`,
 *    shows the text, the object's members become fields (flattened as in 2, a field the
 *    record already has winning), and the whole message is kept as "original_message".
 *
 * Adding a shape is one entry in `dialects` (ld-json-dialects.c), usually with a rules table
 * of its own.
 *
 * This file walks an object and assembles its record; the private header lists the files
 * that hold the rest. */

/* Normalising one object */

typedef enum
{
  CONVERTED,
  UNREADABLE,  /* kept as an extra field instead */
  EMPTY,       /* dropped, as OTLP's "0" for an unset time */
} Conversion;

static const Rule message_rule = { "body", ROLE_MESSAGE };

static Conversion
convert_time (guint8       conv,
              const Field *field,
              gint64      *time_us)
{
  static const LdJsonTimeUnit units[] = {
    [CONV_TIME_S] = LD_JSON_TIME_SECONDS, [CONV_TIME_MS] = LD_JSON_TIME_MILLISECONDS,
    [CONV_TIME_NS] = LD_JSON_TIME_NANOSECONDS, [CONV_TIME_AUTO] = LD_JSON_TIME_BY_MAGNITUDE,
  };
  gboolean iso;

  if (field->type != LD_VALUE_NUMBER && field->type != LD_VALUE_STRING)
    return UNREADABLE;

  iso = field->type == LD_VALUE_STRING && field->len >= 10 && field->text[4] == '-';
  if (iso ? !ld_json_parse_iso8601 (field->text, field->len, time_us)
          : !ld_json_parse_epoch (field->text, field->len, units[conv], time_us))
    return UNREADABLE;
  return *time_us == 0 ? EMPTY : CONVERTED;
}

static gboolean
level_from_number (guint8  conv,
                   gint64  value,
                   int    *level)
{
  int v = (int) CLAMP (value, -1000000, 1000000);

  switch (conv)
    {
    case CONV_LEVEL_SYSLOG:
      *level = ld_level_from_syslog (v);
      return TRUE;
    case CONV_LEVEL_PINO:
      *level = ld_json_level_from_pino (v);
      return TRUE;
    case CONV_LEVEL_OTEL:
      *level = ld_json_level_from_otel (v);
      return *level >= 0;
    case CONV_LEVEL_SLOG:
      *level = ld_json_level_from_slog (v);
      return TRUE;
    default:
      *level = v;
      return TRUE;
    }
}

static gboolean
convert_level (guint8       conv,
               const Field *field,
               int         *level)
{
  gint64 number;

  if (field_to_int64 (field, &number))
    return level_from_number (conv, number, level);
  if (field->type != LD_VALUE_STRING)
    return FALSE;
  if (conv == CONV_LEVEL_SLOG && _ld_json_level_from_slog_name (field->text, field->len, level))
    return TRUE;
  return _ld_json_level_from_name (field->text, field->len, level);
}

static Conversion
convert (Role         role,
         guint8       conv,
         const Field *field,
         gint64      *number)
{
  int level;

  switch (role)
    {
    case ROLE_TIME:
      return convert_time (conv, field, number);
    case ROLE_LEVEL:
      if (!convert_level (conv, field, &level))
        return UNREADABLE;
      *number = level;
      return CONVERTED;
    case ROLE_LEVEL_NAME:
      /* Read only if no number gives the level; see finish_level(). */
      return field->type == LD_VALUE_STRING ? CONVERTED : UNREADABLE;
    case ROLE_LINE:
      return field_to_int64 (field, number) && *number >= 0 && *number <= G_MAXUINT32
             ? CONVERTED : UNREADABLE;
    case ROLE_THREAD_ID:
    case ROLE_PROCESS:
      return field_to_int64 (field, number) ? CONVERTED : UNREADABLE;
    case ROLE_CALLER:
      return field->type == LD_VALUE_STRING ? CONVERTED : UNREADABLE;
    default:
      return field->type == LD_VALUE_STRING || field->type == LD_VALUE_NUMBER
             ? CONVERTED : UNREADABLE;
    }
}

static gboolean
same_text (const Field *a,
           const Field *b)
{
  return a->len == b->len && memcmp (a->text, b->text, a->len) == 0;
}

/* A field that lost its role to another stays visible, unless it repeats the winner. */
static void
lose (Normalizer  *n,
      const Field *loser,
      guint8       flags,
      const Field *winner)
{
  if ((flags & (F_FALLBACK | F_KEEP)) || same_text (loser, winner))
    return;
  keep_extra (n, loser);
}

static Role
effective_role (const Rule  *rule,
                const Field *field)
{
  if (rule->role == ROLE_THREAD && field->type == LD_VALUE_NUMBER && rule->conv != CONV_TEXT)
    return ROLE_THREAD_ID;
  if (rule->role == ROLE_LEVEL_NAME && field->type == LD_VALUE_NUMBER)
    return ROLE_LEVEL;
  return rule->role;
}

void
_ld_json_assign (Normalizer  *n,
                 const Rule  *rule,
                 guint8       rank,
                 const Field *field)
{
  Role role;
  Slot *slot;
  gint64 number = 0;
  Conversion conversion;

  if (rule == NULL || rule->role == ROLE_EXTRA)
    {
      if (field->type != LD_VALUE_NULL || rule == NULL || !(rule->flags & F_DROP_NULL))
        keep_extra (n, field);
      return;
    }
  if (rule->role == ROLE_DROP || field->type == LD_VALUE_NULL)
    return;

  g_assert (rule->role < N_SLOTS);
  role = effective_role (rule, field);
  conversion = convert (role, rule->conv, field, &number);
  if (conversion != CONVERTED)
    {
      if (conversion == UNREADABLE)
        keep_extra (n, field);
      return;
    }
  if (rule->flags & F_KEEP)
    keep_extra (n, field);

  slot = &n->slots[role];
  if (is_filled (n, role) && rank <= slot->rank)
    {
      lose (n, field, rule->flags, &slot->field);
      return;
    }
  if (is_filled (n, role))
    lose (n, &slot->field, slot->flags, field);
  *slot = (Slot) { *field, number, rank, rule->flags, rule->conv };
  n->filled |= 1u << role;
}

/* Walking an object */

/* Members of Logdeck's own "extra" object are fields whatever they are called. */
static void
walk_as_extras (Normalizer       *n,
                const LdJsonNode *object,
                const char       *prefix,
                gsize             prefix_len)
{
  for (const LdJsonNode *key = ld_json_object_first (object); key != NULL;
       key = ld_json_object_next (object, key))
    {
      gsize len;
      const char *path = join_path (n, prefix, prefix_len, key->text, key->len, &len);
      Field field;

      if (key[1].kind == LD_JSON_OBJECT && key[1].len > 0)
        walk_as_extras (n, key + 1, path, len);
      else
        {
          field_from_node (&field, path, len, key + 1);
          keep_extra (n, &field);
        }
    }
}

/* Values whose rule takes them whole; FALSE if this one does not have the expected form. */
static gboolean
walk_special (Normalizer       *n,
              const Rule       *rule,
              const char       *path,
              gsize             len,
              const LdJsonNode *value,
              guint8            bias)
{
  Field field;

  switch (rule->role)
    {
    case ROLE_OTLP_BODY:
      _ld_json_otlp_body (n, path, len, value, &field);
      _ld_json_assign (n, &message_rule, rule->rank * 2 + bias, &field);
      return TRUE;
    case ROLE_OTLP_ATTRIBUTES:
      if (value->kind != LD_JSON_ARRAY)
        return FALSE;
      _ld_json_walk_otlp_attributes (n, value, NULL, 0, bias);
      return TRUE;
    case ROLE_EXTRA_OBJECT:
      if (value->kind != LD_JSON_OBJECT)
        return FALSE;
      walk_as_extras (n, value, NULL, 0);
      return TRUE;
    default:
      g_assert_not_reached ();
    }
}

void
_ld_json_walk_member (Normalizer       *n,
                      const char       *path,
                      gsize             len,
                      const Rule       *rule,
                      const LdJsonNode *value,
                      guint8            bias)
{
  guint flags = _ld_json_dialects[n->dialect].flags;
  Field field;

  if (rule == NULL && (flags & D_STRIP_UNDERSCORE) && len > 1 && path[0] == '_')
    {
      path++, len--;
      rule = rule_for (n, path, len, ld_json_hash (path, len));
    }
  else if (rule == NULL && (flags & D_UNESCAPE_AT) && len > 2 && path[0] == '@' && path[1] == '@')
    path++, len--;

  if (rule != NULL && rule->role >= N_SLOTS)
    {
      if (walk_special (n, rule, path, len, value, bias))
        return;
      rule = NULL;
    }
  if (value->kind == LD_JSON_OBJECT && value->len > 0)
    {
      _ld_json_walk_object (n, value, path, len, bias);
      return;
    }
  field_from_node (&field, path, len, value);
  _ld_json_assign (n, rule, rule != NULL ? rule->rank * 2 + bias : 0, &field);
}

void
_ld_json_walk_object (Normalizer       *n,
                      const LdJsonNode *object,
                      const char       *prefix,
                      gsize             prefix_len,
                      guint8            bias)
{
  for (const LdJsonNode *key = ld_json_object_first (object); key != NULL;
       key = ld_json_object_next (object, key))
    {
      gsize len;
      const char *path = join_path (n, prefix, prefix_len, key->text, key->len, &len);
      guint32 hash = prefix == NULL ? key->hash : ld_json_hash (path, len);

      _ld_json_walk_member (n, path, len, rule_for (n, path, len, hash), key + 1, bias);
    }
}

/* Building the record */

static const char *
slot_text (Normalizer *n,
           Role        role)
{
  const Slot *slot = &n->slots[role];

  return is_filled (n, role) ? copy_text (n, slot->field.text, slot->field.len) : NULL;
}

static void
finish_level (Normalizer     *n,
              LdRecordFields *fields)
{
  const Slot *level = &n->slots[ROLE_LEVEL], *name = &n->slots[ROLE_LEVEL_NAME];
  gboolean has_level = is_filled (n, ROLE_LEVEL), has_name = is_filled (n, ROLE_LEVEL_NAME);
  gint64 severity;
  int from_name;

  /* A name Logdeck does not know is still shown as the sender wrote it, at INFO. */
  fields->level = LD_LEVEL_INFO;
  if (has_level)
    fields->level = level->number;
  else if (has_name && convert_level (name->conv, &name->field, &from_name))
    fields->level = from_name;

  if (has_name)
    fields->level_name = slot_text (n, ROLE_LEVEL_NAME);
  else if (has_level && level->conv == CONV_LEVEL_OTEL
           && field_to_int64 (&level->field, &severity))
    fields->level_name = _ld_json_otel_severity_name (severity);
  else if (has_level)
    fields->level_name = ld_level_canonical_name (fields->level);
}

static const char *
find_line_marker (const char *text,
                  gsize       len,
                  const char *marker)
{
  return memmem (text, len, marker, strlen (marker));
}

/* QueueHandler.prepare() leaves the formatted traceback and stack at the end of the message,
 * where Python's Formatter put them; they go back to their own fields. */
static void
split_python_message (Normalizer     *n,
                      LdRecordFields *fields)
{
  const char *text = fields->message;
  gsize len = fields->message_len;
  const char *found;

  if (memchr (text, '\n', len) == NULL)
    return;
  if (fields->stack == NULL
      && (found = find_line_marker (text, len, "\nStack (most recent call last):\n")) != NULL)
    {
      fields->stack = copy_text (n, found + 1, text + len - found - 1);
      len = found - text;
    }
  if (fields->exception == NULL
      && (found = find_line_marker (text, len, "\nTraceback (most recent call last):\n")) != NULL)
    {
      fields->exception = copy_text (n, found + 1, text + len - found - 1);
      len = found - text;
    }
  fields->message_len = len;
}

static gboolean
is_key (const Field *field,
        const char  *key)
{
  return field->key_len == strlen (key) && memcmp (field->key, key, field->key_len) == 0;
}

/* Removes the extra fields that @key became: itself, or "key.x" for each member x of an
 * object, which the walk flattened. */
static void
forget_extra (Normalizer *n,
              const char *key)
{
  gsize len = strlen (key);
  guint kept = 0;

  for (guint i = 0; i < n->n_extras; i++)
    {
      const Field *field = &n->extras[i];

      if (field->key_len < len || memcmp (field->key, key, len) != 0
          || (field->key_len > len && field->key[len] != '.'))
        n->extras[kept++] = *field;
    }
  n->n_extras = kept;
}

/* A record.__dict__ that QueueHandler.prepare() did not format carries msg and args apart;
 * its message is msg % args, as LogRecord.getMessage() makes it, and the args, now in the
 * message, are not kept as a field, as for pickled records. */
static void
format_python_args (Normalizer     *n,
                    LdRecordFields *fields)
{
  const Field *msg = &n->slots[ROLE_MESSAGE].field;
  g_autoptr(LdPickleValue) args = NULL;
  const LdJsonNode *node;
  GString *text;

  if (!(_ld_json_dialects[n->dialect].flags & D_PYTHON_ARGS) || n->object == NULL
      || !is_filled (n, ROLE_MESSAGE) || !is_key (msg, "msg"))
    return;
  node = ld_json_object_get (n->object, "args", 4);
  if (node == NULL || node->kind == LD_JSON_NULL
      || (args = ld_json_pyargs_to_value (node, NULL)) == NULL || !ld_pyformat_is_true (args))
    return;

  text = scratch (n);
  ld_pyformat_message (text, fields->message, fields->message_len, args);
  fields->message = copy_text (n, text->str, text->len);
  fields->message_len = text->len;
  forget_extra (n, "args");
}

static void
finish_message (Normalizer     *n,
                LdRecordFields *fields)
{
  const Slot *message = &n->slots[ROLE_MESSAGE], *template = &n->slots[ROLE_TEMPLATE];

  fields->message = "";
  fields->message_len = 0;
  if (is_filled (n, ROLE_MESSAGE))
    {
      fields->message = message->field.text;
      fields->message_len = message->field.len;
    }
  else if (is_filled (n, ROLE_TEMPLATE) && n->object != NULL)
    {
      GString *text = scratch (n);

      _ld_json_render_template (n->object, template->field.text, template->field.len, text);
      fields->message = copy_text (n, text->str, text->len);
      fields->message_len = text->len;
    }
  format_python_args (n, fields);
}

/* Without a trace, "Type: message" from the error's parts is the exception text. */
static void
finish_exception (Normalizer     *n,
                  LdRecordFields *fields)
{
  const Slot *type = &n->slots[ROLE_ERROR_TYPE], *message = &n->slots[ROLE_ERROR_MESSAGE];
  const Slot *exception = &n->slots[ROLE_EXCEPTION];

  if (is_filled (n, ROLE_EXCEPTION))
    {
      /* GELF's full_message often just repeats the short one. */
      if (exception->field.len != (gsize) fields->message_len
          || memcmp (exception->field.text, fields->message, fields->message_len) != 0)
        fields->exception = slot_text (n, ROLE_EXCEPTION);
    }
  else if (is_filled (n, ROLE_ERROR_TYPE) || is_filled (n, ROLE_ERROR_MESSAGE))
    {
      GString *text = scratch (n);

      if (is_filled (n, ROLE_ERROR_TYPE))
        g_string_append_len (text, type->field.text, type->field.len);
      if (is_filled (n, ROLE_ERROR_TYPE) && is_filled (n, ROLE_ERROR_MESSAGE))
        g_string_append (text, ": ");
      if (is_filled (n, ROLE_ERROR_MESSAGE))
        g_string_append_len (text, message->field.text, message->field.len);
      fields->exception = copy_text (n, text->str, text->len);
    }
}

/* "pkg/file.go:42" or "C:\src\app.cs:7": the line is after the last colon. */
static void
finish_caller (Normalizer     *n,
               LdRecordFields *fields)
{
  const Field *caller = &n->slots[ROLE_CALLER].field;
  gsize file_len = caller->len;
  gint64 line;

  if (!is_filled (n, ROLE_CALLER))
    return;
  for (gsize i = caller->len; i > 0; i--)
    if (caller->text[i - 1] == ':')
      {
        if (parse_int64 (caller->text + i, caller->len - i, &line) && line >= 0
            && line <= G_MAXUINT32)
          {
            file_len = i - 1;
            if (fields->line == 0)
              fields->line = line;
          }
        break;
      }
  if (fields->file == NULL)
    fields->file = copy_text (n, caller->text, file_len);
}

/* Whether @name is the base name of @path, or with @strip_extension, that without its
 * extension: what Python derives as filename and module. */
static gboolean
is_derived_name (const Field *name,
                 const char  *path,
                 gboolean     strip_extension)
{
  const char *base = path, *end;

  for (const char *q = path; *q != '\0'; q++)
    if (*q == '/' || *q == '\\')
      base = q + 1;
  end = strip_extension && strrchr (base, '.') != NULL ? strrchr (base, '.') : base + strlen (base);
  return name->len == (gsize) (end - base) && memcmp (name->text, base, name->len) == 0;
}

static void
finish_python_names (Normalizer     *n,
                     LdRecordFields *fields)
{
  const Field *filename = &n->slots[ROLE_FILENAME].field, *module = &n->slots[ROLE_MODULE].field;

  if (is_filled (n, ROLE_FILENAME) && fields->file == NULL)
    fields->file = copy_text (n, filename->text, filename->len);
  else if (is_filled (n, ROLE_FILENAME) && !is_derived_name (filename, fields->file, FALSE))
    keep_extra (n, filename);

  if (is_filled (n, ROLE_MODULE)
      && (fields->file == NULL || !is_derived_name (module, fields->file, TRUE)))
    keep_extra (n, module);
}

/* The structured form's object is parsed while the record's own nodes are still in use, so
 * it has a parser of its own, one per thread like the callers' parsers. */
static GPrivate structured_parser_key = G_PRIVATE_INIT ((GDestroyNotify) ld_json_parser_free);

static LdJsonParser *
structured_parser (void)
{
  LdJsonParser *parser = g_private_get (&structured_parser_key);

  if (parser == NULL)
    {
      parser = ld_json_parser_new ();
      g_private_set (&structured_parser_key, parser);
    }

  return parser;
}

/* Lifted fields that the record already has are dropped: the original message keeps them. */
static void
forget_repeated_extras (Normalizer *n,
                        guint       first_lifted)
{
  guint kept = first_lifted;

  for (guint i = first_lifted; i < n->n_extras; i++)
    {
      const Field *lifted = &n->extras[i];
      gboolean repeated = FALSE;

      for (guint j = 0; j < first_lifted && !repeated; j++)
        repeated = n->extras[j].key_len == lifted->key_len
                   && memcmp (n->extras[j].key, lifted->key, lifted->key_len) == 0;
      if (!repeated)
        n->extras[kept++] = *lifted;
    }
  n->n_extras = kept;
}

/* The cookbook's `text >>> {"key": value}`: see ld-structured-message.c. */
static void
split_structured_message (Normalizer     *n,
                          LdRecordFields *fields)
{
  Field original = {
    .key = LD_STRUCTURED_MESSAGE_ORIGINAL,
    .key_len = strlen (LD_STRUCTURED_MESSAGE_ORIGINAL),
    .type = LD_VALUE_STRING,
    .text = fields->message,
    .len = fields->message_len,
  };
  const LdJsonNode *object;
  gsize text_len;
  guint first_lifted;

  object = ld_structured_message_split (structured_parser (), fields->message,
                                        fields->message_len, &text_len);
  if (object == NULL)
    return;

  keep_extra (n, &original);
  first_lifted = n->n_extras;
  walk_as_extras (n, object, NULL, 0);
  forget_repeated_extras (n, first_lifted);
  fields->message_len = text_len;
}

static const char *
text_or (Normalizer *n,
         Role        role,
         const char *fallback)
{
  return is_filled (n, role) ? slot_text (n, role) : fallback;
}

static void
add_extras (Normalizer *n)
{
  for (guint i = 0; i < n->n_extras; i++)
    {
      const Field *field = &n->extras[i];
      const char *text = field->text;
      gsize len = field->len;

      if (field->node != NULL)
        {
          GString *json = scratch (n);

          ld_json_node_to_json (field->node, json);
          text = json->str;
          len = json->len;
        }
      ld_batch_add_extra (n->batch, field->key, field->key_len, field->type, text, len);
    }
}

void
_ld_json_emit_record (Normalizer *n)
{
  const Slot *slots = n->slots;
  LdRecordFields fields = { 0 };

  if (!is_filled (n, ROLE_TIME) && n->now == 0)
    n->now = g_get_real_time ();
  fields.time_us = is_filled (n, ROLE_TIME) ? slots[ROLE_TIME].number : n->now;
  finish_level (n, &fields);
  fields.logger = slot_text (n, ROLE_LOGGER);
  fields.stack = slot_text (n, ROLE_STACK);
  finish_message (n, &fields);
  finish_exception (n, &fields);
  if (_ld_json_dialects[n->dialect].flags & D_SPLIT_TRACEBACK)
    split_python_message (n, &fields);
  split_structured_message (n, &fields);
  if (fields.message_len == 0)
    fields.message = "";
  fields.thread = slot_text (n, ROLE_THREAD);
  fields.thread_id = is_filled (n, ROLE_THREAD_ID) ? slots[ROLE_THREAD_ID].number : 0;
  fields.process = is_filled (n, ROLE_PROCESS) ? slots[ROLE_PROCESS].number : 0;
  fields.process_name = slot_text (n, ROLE_PROCESS_NAME);
  fields.task = slot_text (n, ROLE_TASK);
  fields.file = slot_text (n, ROLE_FILE);
  fields.line = is_filled (n, ROLE_LINE) ? slots[ROLE_LINE].number : 0;
  fields.function = slot_text (n, ROLE_FUNCTION);
  finish_caller (n, &fields);
  finish_python_names (n, &fields);
  fields.connection = text_or (n, ROLE_CONNECTION, n->ctx->origin.connection);
  fields.peer = text_or (n, ROLE_PEER, n->ctx->origin.peer);
  fields.protocol = text_or (n, ROLE_PROTOCOL, n->ctx->origin.protocol);
  fields.host = slot_text (n, ROLE_HOST);
  fields.service = slot_text (n, ROLE_SERVICE);
  fields.trace_id = slot_text (n, ROLE_TRACE_ID);
  fields.span_id = slot_text (n, ROLE_SPAN_ID);

  ld_batch_add (n->batch, &fields);
  add_extras (n);
  n->added++;
}

void
_ld_json_begin_record (Normalizer       *n,
                       guint             dialect,
                       const LdJsonNode *object)
{
  n->filled = 0;
  n->n_extras = 0;
  n->dialect = dialect;
  n->object = object;
}

static void
walk_record (Normalizer       *n,
             const LdJsonNode *object)
{
  guint i = 0;

  for (const LdJsonNode *key = ld_json_object_first (object); key != NULL;
       key = ld_json_object_next (object, key), i++)
    {
      const Entry *entry = n->entries[i];

      _ld_json_walk_member (n, key->text, key->len, entry != NULL ? entry->rules[n->dialect] : NULL,
                            key + 1, 1);
    }
}

void
_ld_json_normalize_object (Normalizer       *n,
                           const LdJsonNode *object)
{
  guint dialect;

  if (G_UNLIKELY (object->len > n->entries_size))
    {
      if (n->entries != n->entries_inline)
        g_free (n->entries);
      n->entries_size = object->len;
      n->entries = g_new (const Entry *, n->entries_size);
    }
  dialect = _ld_json_detect (n->index, object, n->entries);

  if (_ld_json_dialects[dialect].flags & D_OTLP_EXPORT)
    {
      _ld_json_read_otlp_export (n, object);
      return;
    }
  _ld_json_begin_record (n, dialect, object);
  walk_record (n, object);
  _ld_json_emit_record (n);
}

/* Only what is read before it is written is set: the inline arrays are large. */
static void
normalizer_init (Normalizer          *n,
                 LdBatch             *batch,
                 const char          *text,
                 gsize                len,
                 const LdJsonContext *ctx)
{
  static const LdJsonContext no_context = { 0 };

  n->batch = batch;
  n->ctx = ctx != NULL ? ctx : &no_context;
  n->parser = n->ctx->parser;
  n->owns_parser = n->parser == NULL;
  if (n->owns_parser)
    {
      n->parser = ld_json_parser_new ();
      if (n->ctx->max_depth > 0)
        ld_json_parser_set_limits (n->parser, n->ctx->max_depth, 0);
    }
  n->index = _ld_json_get_index ();
  n->dialect = N_DIALECTS - 1;
  n->object = NULL;
  n->filled = 0;
  n->extras = n->extras_inline;
  n->n_extras = 0;
  n->extras_size = G_N_ELEMENTS (n->extras_inline);
  n->entries = n->entries_inline;
  n->entries_size = G_N_ELEMENTS (n->entries_inline);
  n->scratch = NULL;
  n->now = n->ctx->origin.received_us;
  n->added = 0;
  n->first_error = NULL;
  n->text = text;
  n->len = len;
  n->counted = 0;
  n->line = 1;
}

static void
normalizer_clear (Normalizer *n)
{
  if (n->owns_parser)
    ld_json_parser_free (n->parser);
  if (n->extras != n->extras_inline)
    g_free (n->extras);
  if (n->entries != n->entries_inline)
    g_free (n->entries);
  if (n->scratch != NULL)
    g_string_free (n->scratch, TRUE);
  g_clear_error (&n->first_error);
}

/**
 * ld_json_normalize:
 * @batch: where to add the records
 * @text: one JSON object, an array of objects, or newline-delimited objects (UTF-8)
 * @len: the length of @text in bytes
 * @ctx: (nullable): what to put on records that do not say, limits, and where to report bad
 *   values
 * @error: the first bad value, if any
 *
 * Adds one record per object.  A value that is not valid JSON, or not an object, adds nothing
 * and is reported through @ctx's bad_value_func and @error; in newline-delimited input the
 * next line is read as usual, and in an array the items before a syntax error count.
 *
 * Returns: the number of records added, which may be more than 0 even when @error is set
 */
guint
ld_json_normalize (LdBatch             *batch,
                   const char          *text,
                   gsize                len,
                   const LdJsonContext *ctx,
                   GError             **error)
{
  Normalizer n;
  gsize max_length;
  guint added;

  g_return_val_if_fail (batch != NULL, 0);
  g_return_val_if_fail (text != NULL || len == 0, 0);

  normalizer_init (&n, batch, text, len, ctx);
  max_length = n.ctx->max_length > 0 ? n.ctx->max_length : LD_JSON_DEFAULT_MAX_LENGTH;
  if (len > max_length)
    _ld_json_report (&n, g_error_new (LD_JSON_ERROR, LD_JSON_ERROR_LIMIT,
                                      "byte 0: the text is %" G_GSIZE_FORMAT " bytes long, "
                                      "more than the limit of %" G_GSIZE_FORMAT,
                                      len, max_length),
                     0, 0, len);
  else
    _ld_json_read_text (&n);

  added = n.added;
  if (n.first_error != NULL)
    g_propagate_error (error, g_steal_pointer (&n.first_error));
  normalizer_clear (&n);
  return added;
}
