// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <math.h>
#include <string.h>

#include "ld-bytes.h"
#include "ld-level.h"
#include "ld-pyformat.h"
#include "ld-pyrecord.h"

/* The mapping from a Python LogRecord.__dict__ to a record.
 *
 * The attributes that LogRecord sets itself become the canonical fields;
 * every other key (the `extra=` of a logging call, or a filter's contextual
 * fields such as "user" and "ip") becomes an extra field. Of LogRecord's own
 * attributes, those that only repeat another (relativeCreated, msecs next to
 * a float "created", "message" and "asctime" that a Formatter derived) or
 * that are always None on the wire (exc_info) are dropped. "pathname" is the
 * file; "filename" and "module" are dropped when they are just its base name
 * and that name without its extension, as Python derives them, and are kept
 * as extra fields when a sender set them to something else. A standard
 * attribute with a value of an unexpected type is kept as an extra field
 * too, so that nothing a sender sent disappears. */

G_DEFINE_QUARK (ld-pyrecord-error-quark, ld_pyrecord_error)

typedef enum
{
  KEY_NAME,
  KEY_MSG,
  KEY_ARGS,
  KEY_LEVELNAME,
  KEY_LEVELNO,
  KEY_PATHNAME,
  KEY_FILENAME,
  KEY_MODULE,
  KEY_EXC_INFO,
  KEY_EXC_TEXT,
  KEY_STACK_INFO,
  KEY_LINENO,
  KEY_FUNCNAME,
  KEY_CREATED,
  KEY_MSECS,
  KEY_RELATIVE_CREATED,
  KEY_THREAD,
  KEY_THREAD_NAME,
  KEY_PROCESS_NAME,
  KEY_PROCESS,
  KEY_TASK_NAME,
  KEY_MESSAGE,
  KEY_ASCTIME,
  N_KEYS,
  KEY_EXTRA = N_KEYS,
} Key;

/* The names of the keys, by Key. */
static const char *const key_names[N_KEYS] = {
  [KEY_NAME] = "name", [KEY_MSG] = "msg", [KEY_ARGS] = "args", [KEY_LEVELNAME] = "levelname",
  [KEY_LEVELNO] = "levelno", [KEY_PATHNAME] = "pathname", [KEY_FILENAME] = "filename",
  [KEY_MODULE] = "module", [KEY_EXC_INFO] = "exc_info", [KEY_EXC_TEXT] = "exc_text",
  [KEY_STACK_INFO] = "stack_info", [KEY_LINENO] = "lineno", [KEY_FUNCNAME] = "funcName",
  [KEY_CREATED] = "created", [KEY_MSECS] = "msecs", [KEY_RELATIVE_CREATED] = "relativeCreated",
  [KEY_THREAD] = "thread", [KEY_THREAD_NAME] = "threadName", [KEY_PROCESS_NAME] = "processName",
  [KEY_PROCESS] = "process", [KEY_TASK_NAME] = "taskName", [KEY_MESSAGE] = "message",
  [KEY_ASCTIME] = "asctime",
};

/* A perfect hash of the names above: no two land in the same slot. */
#define KEY_SLOTS 64

static inline guint
key_slot (const char *key,
          gsize       length)
{
  return (guint) (length * 6 + (guchar) key[2] + (guchar) key[length - 1] * 15) % KEY_SLOTS;
}

/* The Key in each slot, plus one: 0 is an empty slot. */
static guint8 key_by_slot[KEY_SLOTS];
static guint8 key_lengths[N_KEYS];

static void
init_key_slots (void)
{
  static gsize done;

  if (g_once_init_enter (&done))
    {
      for (guint k = 0; k < N_KEYS; k++)
        {
          guint slot;

          key_lengths[k] = (guint8) strlen (key_names[k]);
          slot = key_slot (key_names[k], key_lengths[k]);
          g_assert (key_by_slot[slot] == 0);
          key_by_slot[slot] = (guint8) (k + 1);
        }
      g_once_init_leave (&done, 1);
    }
}

/* Every record has about twenty of these keys: one hash and one comparison
 * tell them apart. */
static inline Key
classify_key (const char *key,
              gsize       length)
{
  guint k;

  if (length < 3 || length > 15)
    return KEY_EXTRA;
  k = key_by_slot[key_slot (key, length)];
  if (k == 0 || key_lengths[k - 1] != length || !ld_bytes_equal (key, key_names[k - 1], length))
    return KEY_EXTRA;
  return (Key) (k - 1);
}

/* The standard attributes of one record, and which of them had a type that
 * makes them extra fields after all. */
#define INLINE_EXTRAS 32

typedef struct
{
  const LdPickleViewEntry *entries;
  gsize                    n_entries;
  const LdPickleView      *values[N_KEYS];
  gsize                    positions[N_KEYS];
  guint32                  present;       /* values set, by Key: the rest are garbage */
  guint32                  seen;          /* bits by Key */
  guint32                  as_extra;      /* bits by Key */
  gsize                   *extras;        /* entries that are extra fields, in order */
  gsize                    n_extras;
  gsize                    inline_extras[INLINE_EXTRAS];
} Attributes;

/* How far the mapping got without a value tree. */
typedef enum
{
  MAP_ADDED,
  MAP_NEEDS_TREE, /* from the flat scanner: nothing was added, decode the pickle in full */
} MapResult;

static inline const LdPickleView *
value_of (const Attributes *attributes,
          Key               key)
{
  return (attributes->present & (1u << key)) ? attributes->values[key] : NULL;
}

static void
attributes_clear (Attributes *attributes)
{
  if (attributes->extras != attributes->inline_extras)
    g_free (attributes->extras);
}

static gboolean
kind_fits (Key          key,
           LdPickleKind kind)
{
  switch (key)
    {
    case KEY_LEVELNO:
    case KEY_LINENO:
    case KEY_PROCESS:
      return kind == LD_PICKLE_INT;
    case KEY_THREAD:
      return kind == LD_PICKLE_INT || kind == LD_PICKLE_BIGINT;
    case KEY_CREATED:
    case KEY_MSECS:
    case KEY_RELATIVE_CREATED:
      return kind == LD_PICKLE_FLOAT || kind == LD_PICKLE_INT;
    case KEY_MSG:
    case KEY_ARGS:
    case KEY_EXC_INFO:
      return TRUE;
    default:
      return kind == LD_PICKLE_STR;
    }
}

static void
note_extra (Attributes *attributes,
            gsize       index)
{
  if (attributes->n_extras == INLINE_EXTRAS)
    {
      attributes->extras = g_new (gsize, attributes->n_entries);
      memcpy (attributes->extras, attributes->inline_extras, sizeof attributes->inline_extras);
    }

  attributes->extras[attributes->n_extras++] = index;
}

/* Whether an extra field's key was an earlier one's too, which only the flat
 * scanner lets through: a dict keeps one entry per key. */
static gboolean
repeats_extra_key (const Attributes *attributes,
                   const LdPickleView *key)
{
  for (gsize i = 0; i < attributes->n_extras; i++)
    {
      const LdPickleView *other = &attributes->entries[attributes->extras[i]].key;

      if (other->kind == LD_PICKLE_STR && other->length == key->length
          && ld_bytes_equal (other->text, key->text, key->length))
        return TRUE;
    }
  return FALSE;
}

/* One pass over the dict: standard attributes by key, the rest noted.
 * Returns FALSE for a repeated key. */
static gboolean
collect_attributes (const LdPickleViewEntry *entries,
                    gsize                    n,
                    Attributes              *attributes)
{
  attributes->present = 0;
  attributes->entries = entries;
  attributes->n_entries = n;
  attributes->seen = 0;
  attributes->as_extra = 0;
  attributes->extras = attributes->inline_extras;
  attributes->n_extras = 0;

  for (gsize i = 0; i < n; i++)
    {
      const LdPickleView *key_view = &entries[i].key;
      const LdPickleView *value = &entries[i].value;
      Key key = key_view->kind == LD_PICKLE_STR ? classify_key (key_view->text, key_view->length)
                                                : KEY_EXTRA;

      if (key == KEY_EXTRA)
        {
          if (key_view->tree == NULL && repeats_extra_key (attributes, key_view))
            return FALSE;
          note_extra (attributes, i);
          continue;
        }

      if (attributes->seen & (1u << key))
        return FALSE;
      attributes->seen |= 1u << key;
      if (value->kind == LD_PICKLE_NONE)
        continue;

      attributes->values[key] = value;
      attributes->present |= 1u << key;
      attributes->positions[key] = i;
      if (!kind_fits (key, value->kind))
        {
          attributes->as_extra |= 1u << key;
          note_extra (attributes, i);
        }
    }

  return TRUE;
}

/* Whether a value can be shown without its tree. */
static gboolean
has_text (const LdPickleView *view)
{
  switch (view->kind)
    {
    case LD_PICKLE_STR:
    case LD_PICKLE_INT:
    case LD_PICKLE_BIGINT:
    case LD_PICKLE_BOOL:
    case LD_PICKLE_NONE:
      return TRUE;
    default:
      return view->tree != NULL;
    }
}

/* Whether the mapping below needs the value tree, which the flat scanner does
 * not make: for str() of a value, for %-formatting with args, and for the
 * text of an exc_info. */
static gboolean
needs_tree (const Attributes *attributes)
{
  const LdPickleView *msg = value_of (attributes, KEY_MSG) != NULL ? value_of (attributes, KEY_MSG)
                                                                    : value_of (attributes, KEY_MESSAGE);

  if (msg != NULL && msg->tree == NULL && msg->kind != LD_PICKLE_STR)
    return TRUE;
  if (value_of (attributes, KEY_ARGS) != NULL && value_of (attributes, KEY_ARGS)->tree == NULL)
    return TRUE;
  if (value_of (attributes, KEY_EXC_INFO) != NULL && value_of (attributes, KEY_EXC_INFO)->tree == NULL)
    return TRUE;
  for (gsize i = 0; i < attributes->n_extras; i++)
    {
      const LdPickleViewEntry *entry = &attributes->entries[attributes->extras[i]];

      if (!has_text (&entry->value) || (entry->key.kind != LD_PICKLE_STR && entry->key.tree == NULL))
        return TRUE;
    }

  return FALSE;
}

static const char *
get_text (const Attributes *attributes,
          Key               key)
{
  const LdPickleView *value = value_of (attributes, key);

  if (value == NULL || (attributes->as_extra & (1u << key)))
    return NULL;

  /* Views end every str with a nul. */
  return value->text;
}

static gboolean
get_number (const Attributes *attributes,
            Key               key,
            double           *number)
{
  const LdPickleView *value = value_of (attributes, key);

  if (value == NULL || (attributes->as_extra & (1u << key)))
    return FALSE;

  if (value->kind == LD_PICKLE_FLOAT)
    *number = value->f;
  else
    *number = (double) value->i;

  return isfinite (*number);
}

/* "created" is time.time() as a float, which holds microseconds exactly
 * enough; "msecs" only adds to an integer "created" from odd senders. */
static gint64
record_time (const Attributes       *attributes,
             const LdRecordOrigin *origin)
{
  double created, msecs;
  const double limit = 9.0e12; /* seconds: far past year 9999, far from overflow */

  if (!get_number (attributes, KEY_CREATED, &created) || fabs (created) > limit)
    return origin->received_us != 0 ? origin->received_us : g_get_real_time ();

  if (value_of (attributes, KEY_CREATED)->kind == LD_PICKLE_INT
      && get_number (attributes, KEY_MSECS, &msecs) && msecs >= 0 && msecs < 1000)
    created += msecs / 1000.0;

  return (gint64) floor (created * G_USEC_PER_SEC + 0.5);
}

static void
record_level (const Attributes *attributes,
              LdRecordFields   *fields)
{
  double levelno;

  fields->level_name = get_text (attributes, KEY_LEVELNAME);
  if (get_number (attributes, KEY_LEVELNO, &levelno))
    fields->level = (int) CLAMP (levelno, G_MININT32, G_MAXINT32);
  else if (fields->level_name == NULL || !ld_level_parse_name (fields->level_name, &fields->level))
    fields->level = LD_LEVEL_NOTSET;
}

/* Thread idents are unsigned C values that Python may send as a bigint. */
static gint64
record_thread_id (const Attributes *attributes)
{
  const LdPickleView *value = value_of (attributes, KEY_THREAD);

  if (value == NULL || (attributes->as_extra & (1u << KEY_THREAD)))
    return 0;

  if (value->kind == LD_PICKLE_INT)
    return value->i;

  return (gint64) g_ascii_strtoull (value->text, NULL, 10);
}

static gint64
get_int (const Attributes *attributes,
         Key               key)
{
  const LdPickleView *value = value_of (attributes, key);

  if (value == NULL || (attributes->as_extra & (1u << key)))
    return 0;

  return value->i;
}

/* Whether @name is what Python derives from @pathname (its base name), or
 * for "module", from the file name (without its extension). */
static gboolean
is_derived_name (const char *name,
                 const char *from,
                 gboolean    strip_extension)
{
  const char *base = strrchr (from, '/');
  const char *dot;
  gsize length;

  base = base != NULL ? base + 1 : from;
  if (strchr (base, '\\') != NULL)
    base = strrchr (base, '\\') + 1;
  dot = strip_extension ? strrchr (base, '.') : NULL;
  length = dot != NULL ? (gsize) (dot - base) : strlen (base);

  return strlen (name) == length && memcmp (name, base, length) == 0;
}

static void
drop_derived_names (Attributes *attributes)
{
  const char *pathname = get_text (attributes, KEY_PATHNAME);
  const char *filename = get_text (attributes, KEY_FILENAME);
  const char *module = get_text (attributes, KEY_MODULE);
  const char *file = pathname != NULL ? pathname : filename;

  if (filename != NULL && pathname != NULL && !is_derived_name (filename, pathname, FALSE))
    note_extra (attributes, attributes->positions[KEY_FILENAME]);

  if (module != NULL && (file == NULL || !is_derived_name (module, file, TRUE)))
    note_extra (attributes, attributes->positions[KEY_MODULE]);
}

/* The text of exc_text, or of an exc_info that a custom sender filled in. */
static const char *
record_exception (const Attributes *attributes,
                  char            **owned)
{
  const char *text = get_text (attributes, KEY_EXC_TEXT);

  if (text != NULL || value_of (attributes, KEY_EXC_INFO) == NULL)
    return text;

  *owned = ld_pickle_value_to_display (value_of (attributes, KEY_EXC_INFO)->tree);
  return *owned;
}

/* Returns the message, in @owned or @scratch when it had to be made. */
static const char *
record_message (const Attributes  *attributes,
                GString          **scratch,
                char             **owned,
                gsize             *length)
{
  const LdPickleView *msg = value_of (attributes, KEY_MSG);
  const LdPickleView *args = value_of (attributes, KEY_ARGS);
  const char *text = "";

  *length = 0;
  if (msg == NULL)
    msg = value_of (attributes, KEY_MESSAGE);

  if (msg != NULL && msg->kind == LD_PICKLE_STR)
    {
      text = msg->text;
      *length = msg->length;
    }
  else if (msg != NULL)
    {
      /* getMessage() takes str() of a msg that is not a str. */
      *owned = ld_pickle_value_to_display (msg->tree);
      text = *owned;
      *length = strlen (text);
    }

  if (args == NULL || !ld_pyformat_is_true (args->tree))
    return text;

  if (*scratch == NULL)
    *scratch = g_string_sized_new (*length + 64);
  ld_pyformat_message (*scratch, text, *length, args->tree);
  *length = (*scratch)->len;

  return (*scratch)->str;
}

/* JSON has no NaN or Infinity, which the unpickler writes as Python's
 * json.dumps() does; they become null, as JavaScript's JSON.stringify()
 * writes them, so that every exported line parses. */
static void
replace_non_finite (GString *json)
{
  static const char *const tokens[] = { "-Infinity", "Infinity", "NaN" };
  gboolean in_string = FALSE;

  for (gsize i = 0; i < json->len; i++)
    {
      char c = json->str[i];

      if (in_string)
        {
          i += c == '\\';
          in_string = c != '"';
          continue;
        }
      in_string = c == '"';
      for (guint t = 0; t < G_N_ELEMENTS (tokens); t++)
        if (strncmp (json->str + i, tokens[t], strlen (tokens[t])) == 0)
          {
            g_string_erase (json, i, strlen (tokens[t]));
            g_string_insert (json, i, "null");
            i += 3;
            break;
          }
    }
}

static void
add_extra (LdBatch            *batch,
           const char         *key,
           gsize               key_len,
           const LdPickleView *value,
           GString            *scratch)
{
  g_autofree char *display = NULL;

  switch (value->kind)
    {
    case LD_PICKLE_STR:
      ld_batch_add_extra (batch, key, key_len, LD_VALUE_STRING, value->text, value->length);
      return;

    case LD_PICKLE_INT:
      g_string_printf (scratch, "%" G_GINT64_FORMAT, value->i);
      ld_batch_add_extra (batch, key, key_len, LD_VALUE_NUMBER, scratch->str, scratch->len);
      return;

    case LD_PICKLE_BIGINT:
      ld_batch_add_extra (batch, key, key_len, LD_VALUE_NUMBER, value->text, value->length);
      return;

    case LD_PICKLE_FLOAT:
      /* Python's repr is valid JSON for finite numbers; "nan" and "inf" stay text. */
      display = ld_pickle_value_to_display (value->tree);
      ld_batch_add_extra (batch, key, key_len,
                          isfinite (value->f) ? LD_VALUE_NUMBER : LD_VALUE_STRING, display, -1);
      return;

    case LD_PICKLE_BOOL:
      ld_batch_add_extra (batch, key, key_len, LD_VALUE_BOOL, value->i ? "true" : "false", -1);
      return;

    case LD_PICKLE_NONE:
      ld_batch_add_extra (batch, key, key_len, LD_VALUE_NULL, NULL, 0);
      return;

    case LD_PICKLE_LIST:
    case LD_PICKLE_TUPLE:
    case LD_PICKLE_SET:
    case LD_PICKLE_DICT:
      g_string_truncate (scratch, 0);
      ld_pickle_value_to_json (value->tree, scratch);
      replace_non_finite (scratch);
      ld_batch_add_extra (batch, key, key_len, LD_VALUE_JSON, scratch->str, scratch->len);
      return;

    case LD_PICKLE_BYTES:
    case LD_PICKLE_OBJECT:
    default:
      display = ld_pickle_value_to_display (value->tree);
      ld_batch_add_extra (batch, key, key_len, LD_VALUE_STRING, display, -1);
      return;
    }
}

static void
add_extras (LdBatch          *batch,
            const Attributes *attributes,
            GString         **scratch)
{
  for (gsize i = 0; i < attributes->n_extras; i++)
    {
      const LdPickleViewEntry *entry = &attributes->entries[attributes->extras[i]];
      g_autofree char *key_display = NULL;
      const char *key_text;
      gsize key_len;

      if (entry->key.kind == LD_PICKLE_STR)
        {
          key_text = entry->key.text;
          key_len = entry->key.length;
        }
      else
        {
          key_display = ld_pickle_value_to_display (entry->key.tree);
          key_text = key_display;
          key_len = strlen (key_display);
        }

      if (*scratch == NULL)
        *scratch = g_string_sized_new (256);
      add_extra (batch, key_text, key_len, &entry->value, *scratch);
    }
}

/* Where in the sender the record was made. */
static void
record_origin (const Attributes *attributes,
               LdRecordFields   *fields)
{
  fields->thread = get_text (attributes, KEY_THREAD_NAME);
  fields->thread_id = record_thread_id (attributes);
  fields->process_name = get_text (attributes, KEY_PROCESS_NAME);
  fields->process = get_int (attributes, KEY_PROCESS);
  fields->task = get_text (attributes, KEY_TASK_NAME);
  fields->file = get_text (attributes, KEY_PATHNAME);
  if (fields->file == NULL)
    fields->file = get_text (attributes, KEY_FILENAME);
  fields->line = (guint) CLAMP (get_int (attributes, KEY_LINENO), 0, G_MAXUINT32);
  fields->function = get_text (attributes, KEY_FUNCNAME);
}

/* Adds the record of a LogRecord.__dict__'s entries, unless they came from
 * the flat scanner and showing them needs the value tree. */
static MapResult
map_record (LdBatch                 *batch,
            const LdPickleViewEntry *entries,
            gsize                    n_entries,
            const LdRecordOrigin  *origin)
{
  g_autoptr(GString) scratch = NULL;
  g_autofree char *exception = NULL;
  g_autofree char *message = NULL;
  LdRecordFields fields = { 0 };
  Attributes attributes;
  gsize message_len;

  init_key_slots ();
  if (!collect_attributes (entries, n_entries, &attributes) || needs_tree (&attributes))
    {
      attributes_clear (&attributes);
      return MAP_NEEDS_TREE;
    }
  drop_derived_names (&attributes);

  fields.time_us = record_time (&attributes, origin);
  record_level (&attributes, &fields);
  fields.message = record_message (&attributes, &scratch, &message, &message_len);
  /* A length of 0 would ask the batch to measure a nul-terminated message. */
  fields.message = message_len > 0 ? fields.message : "";
  fields.message_len = message_len;
  fields.logger = get_text (&attributes, KEY_NAME);
  fields.exception = record_exception (&attributes, &exception);
  fields.stack = get_text (&attributes, KEY_STACK_INFO);
  record_origin (&attributes, &fields);
  fields.connection = origin->connection;
  fields.peer = origin->peer;
  fields.protocol = origin->protocol;

  ld_batch_add (batch, &fields);
  add_extras (batch, &attributes, &scratch);
  attributes_clear (&attributes);

  return MAP_ADDED;
}

#define INLINE_ENTRIES 64

/**
 * ld_pyrecord_add:
 * @batch: where to add the record
 * @record: a decoded LogRecord.__dict__
 * @origin: where it came from
 * @error: where to say why @record is not a log record
 *
 * Returns: %TRUE if a record was added
 */
gboolean
ld_pyrecord_add (LdBatch                *batch,
                 const LdPickleValue    *record,
                 const LdRecordOrigin *origin,
                 GError                **error)
{
  LdPickleViewEntry inline_entries[INLINE_ENTRIES];
  g_autofree LdPickleViewEntry *heap_entries = NULL;
  LdPickleViewEntry *entries = inline_entries;
  MapResult result;
  gsize n;

  g_return_val_if_fail (batch != NULL && record != NULL && origin != NULL, FALSE);

  if (ld_pickle_value_kind (record) != LD_PICKLE_DICT)
    {
      g_set_error (error, LD_PYRECORD_ERROR, LD_PYRECORD_ERROR_NOT_A_RECORD,
                   "the pickle holds a %s, not the dict of a LogRecord",
                   ld_pickle_value_kind (record) == LD_PICKLE_OBJECT ? "object" : "plain value");
      return FALSE;
    }

  n = ld_pickle_value_get_length (record);
  if (n > INLINE_ENTRIES)
    entries = heap_entries = g_new (LdPickleViewEntry, n);
  for (gsize i = 0; i < n; i++)
    {
      ld_pickle_value_view (ld_pickle_value_get_key (record, i), &entries[i].key);
      ld_pickle_value_view (ld_pickle_value_get_item (record, i), &entries[i].value);
    }

  /* With every tree at hand, and keys that a dict keeps unique, this adds. */
  result = map_record (batch, entries, n, origin);
  g_assert (result == MAP_ADDED);

  return TRUE;
}

/* Frames up to this size go through the flat scanner first. */
#define FLAT_MAX_FRAME (16 * 1024)

/**
 * ld_pyrecord_try_add_flat:
 * @batch: where to add the record
 * @data: one pickle, without the length prefix of the wire
 * @length: its length in bytes
 * @limits: (nullable): the unpickler's limits, %NULL for the defaults
 * @origin: where it came from
 *
 * Adds the record of a pickle in the plain shape that SocketHandler nearly
 * always sends, through ld_pickle_scan_dict() rather than a value tree.
 * ld_pyrecord_add_pickle() tries this first.
 *
 * Returns: %TRUE if a record was added; %FALSE if @data needs the full decoder
 */
gboolean
ld_pyrecord_try_add_flat (LdBatch                *batch,
                          const guint8           *data,
                          gsize                   length,
                          const LdPickleLimits   *limits,
                          const LdRecordOrigin *origin)
{
  LdPickleViewEntry entries[INLINE_ENTRIES];
  char copy[FLAT_MAX_FRAME];
  gssize n;

  g_return_val_if_fail (batch != NULL && origin != NULL, FALSE);

  if (length > FLAT_MAX_FRAME)
    return FALSE;

  n = ld_pickle_scan_dict (data, length, limits, copy, entries, INLINE_ENTRIES);
  return n >= 0 && map_record (batch, entries, (gsize) n, origin) == MAP_ADDED;
}

/**
 * ld_pyrecord_add_pickle:
 * @batch: where to add the record
 * @data: one pickle, without the length prefix of the wire
 * @length: its length in bytes
 * @limits: (nullable): the unpickler's limits, %NULL for the defaults
 * @origin: where it came from
 * @error: where to say why the pickle was not a log record
 *
 * Returns: %TRUE if a record was added
 */
gboolean
ld_pyrecord_add_pickle (LdBatch                *batch,
                        const guint8           *data,
                        gsize                   length,
                        const LdPickleLimits   *limits,
                        const LdRecordOrigin *origin,
                        GError                **error)
{
  g_autoptr(LdPickleValue) root = NULL;

  if (ld_pyrecord_try_add_flat (batch, data, length, limits, origin))
    return TRUE;

  root = ld_pickle_decode (data, length, limits, error);
  if (root == NULL)
    return FALSE;

  return ld_pyrecord_add (batch, root, origin, error);
}
