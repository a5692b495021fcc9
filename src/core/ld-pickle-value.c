// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.pickle"

#include "config.h"

#include <math.h>
#include <string.h>

#include "ld-pickle-private.h"

/* The containers the decoder builds, lists and tuples, and dicts and sets with their
 * insertion order and hash index, and the public accessors that read any value. */

/* Lists and tuples */

LdPickleValue *
ld_pickle_new_sequence (Decoder *d, LdPickleKind kind, LdPickleValue **items, gsize n)
{
  LdPickleValue *v = new_value (d, kind);

  if (v == NULL)
    return NULL;
  if (n > MAX_CONTAINER_LEN)
    return ld_pickle_fail (d, LD_PICKLE_ERROR_LIMIT, _("container too large")), NULL;
  if (n > 0)
    {
      if ((v->items = alloc_array (d, n, sizeof *items)) == NULL)
        return NULL;
      memcpy (v->items, items, n * sizeof *items);
    }
  v->len = n;
  v->cap = (guint32) n;
  return v;
}

gboolean
ld_pickle_list_extend (Decoder *d, LdPickleValue *list, LdPickleValue *const *items, gsize n)
{
  if (n > list->cap - list->len)
    {
      gsize cap = MAX (list->len + n, MAX ((gsize) list->cap * 2, 4));
      LdPickleValue **array;

      if (list->len + n > MAX_CONTAINER_LEN)
        return ld_pickle_fail (d, LD_PICKLE_ERROR_LIMIT, _("container too large"));
      cap = MIN (cap, MAX_CONTAINER_LEN);
      if ((array = alloc_array (d, cap, sizeof *array)) == NULL)
        return FALSE;
      if (list->len > 0)
        memcpy (array, list->items, list->len * sizeof *array);
      list->items = array;
      list->cap = (guint32) cap;
    }
  if (n > 0)
    memcpy (list->items + list->len, items, n * sizeof *items);
  list->len += n;
  return TRUE;
}

/* Dicts and sets
 *
 * Entries keep insertion order, as Python does.  Small dicts are searched linearly; larger
 * ones get an open-addressing index.  A key that appears again replaces the value, as in
 * Python, and equal numbers are equal keys (1 == 1.0 == True).  Strings, bytes and numbers
 * compare by value; tuples, frozensets and objects by identity, which is enough for what
 * a real pickle of a dict can hold.  A probe limit bounds the work a crafted pickle full of
 * colliding keys can cause. */

static inline guint32
hash_u64 (guint64 x)
{
  x ^= x >> 32;
  x *= G_GUINT64_CONSTANT (0xd6e8feb86659fd93);
  x ^= x >> 32;
  return (guint32) x;
}

static inline guint32
hash_bytes (const char *s, gsize n)
{
  guint64 h = G_GUINT64_CONSTANT (0x9e3779b97f4a7c15) ^ n, tail = 0;
  gsize len = n;

  for (; n > 8; s += 8, n -= 8)
    h = (h ^ load64 (s)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  /* The last 1 to 8 bytes, read without a loop; the reads may overlap. */
  if (len >= 8)
    tail = load64 (s + n - 8);
  else if (n >= 4)
    tail = load32 (s) | (load32 (s + n - 4) << 32);
  else if (n > 0)
    tail = (guint64) (guchar) s[0] | ((guint64) (guchar) s[n / 2] << 8) |
           ((guint64) (guchar) s[n - 1] << 16);
  return hash_u64 ((h ^ tail) * G_GUINT64_CONSTANT (0x94d049bb133111eb));
}

static gboolean
float_as_int (double f, gint64 *i)
{
  if (!(f == floor (f) && f >= -9223372036854775808.0 && f < 9223372036854775808.0))
    return FALSE;
  *i = (gint64) f;
  return TRUE;
}

static guint32
hash_number (const LdPickleValue *v)
{
  gint64 i = v->i;

  if (v->kind == LD_PICKLE_FLOAT && !float_as_int (v->f, &i))
    {
      guint64 bits;

      memcpy (&bits, &v->f, sizeof bits);
      return hash_u64 (bits);
    }
  return hash_u64 ((guint64) i);
}

static gboolean
is_number (const LdPickleValue *v)
{
  return v->kind == LD_PICKLE_INT || v->kind == LD_PICKLE_BOOL || v->kind == LD_PICKLE_FLOAT;
}

static gboolean
numbers_equal (const LdPickleValue *a, const LdPickleValue *b)
{
  gint64 i;

  if (a->kind == LD_PICKLE_FLOAT && b->kind == LD_PICKLE_FLOAT)
    return a->f == b->f;
  if (a->kind != LD_PICKLE_FLOAT && b->kind != LD_PICKLE_FLOAT)
    return a->i == b->i;
  if (a->kind == LD_PICKLE_FLOAT)
    return float_as_int (a->f, &i) && i == b->i;
  return float_as_int (b->f, &i) && i == a->i;
}

static gboolean
key_equal (const LdPickleValue *a, const LdPickleValue *b)
{
  if (a == b)
    return TRUE;
  if (is_number (a) && is_number (b))
    return numbers_equal (a, b);
  if (a->kind != b->kind)
    return FALSE;
  switch (a->kind)
    {
    case LD_PICKLE_NONE:
      return TRUE;
    case LD_PICKLE_STR:
    case LD_PICKLE_BYTES:
    case LD_PICKLE_BIGINT:
      return a->len == b->len && memcmp (a->str, b->str, a->len) == 0;
    default:
      return FALSE;
    }
}

static gboolean
key_hash (Decoder *d, const LdPickleValue *key, guint32 *hash)
{
  *hash = 0;
  switch (key->kind)
    {
    case LD_PICKLE_NONE:
      *hash = 0x5bd1e995;
      return TRUE;
    case LD_PICKLE_BOOL:
    case LD_PICKLE_INT:
    case LD_PICKLE_FLOAT:
      *hash = hash_number (key);
      return TRUE;
    case LD_PICKLE_BYTES:
      if (key->flags & FLAG_BYTEARRAY)
        break;
      G_GNUC_FALLTHROUGH;
    case LD_PICKLE_STR:
    case LD_PICKLE_BIGINT:
      *hash = hash_bytes (key->str, key->len);
      return TRUE;
    case LD_PICKLE_SET:
      if (!(key->flags & FLAG_FROZEN))
        break;
      G_GNUC_FALLTHROUGH;
    case LD_PICKLE_TUPLE:
    case LD_PICKLE_OBJECT:
      *hash = hash_u64 ((guint64) (guintptr) key);
      return TRUE;
    default:
      break;
    }
  return ld_pickle_fail (d, LD_PICKLE_ERROR_INVALID, _("unhashable key of type %s"),
                         ld_pickle_kind_name (key));
}


/* Returns the position of the key, dict->len if absent (with *slot the free index slot for
 * it), or G_MAXSIZE after too many probes. */
static inline gsize
dict_find (const LdPickleValue *dict, const LdPickleValue *key, guint32 hash, gsize *slot)
{
  const Entry *entries = dict->dict.entries;
  const guint32 *index = dict->dict.index;
  guint probes = 0;
  gsize mask, s;

  if (index == NULL)
    {
      for (gsize i = 0; i < dict->len; i++)
        if (entries[i].hash == hash && key_equal (entries[i].key, key))
          return i;
      return dict->len;
    }
  mask = ((gsize) 1 << dict->index_bits) - 1;
  for (s = hash & mask; index[s] != 0; probes++, s = (s + 1) & mask)
    {
      const Entry *e = &entries[index[s] - 1];

      if (probes == DICT_MAX_PROBES)
        return G_MAXSIZE;
      if (e->hash == hash && key_equal (e->key, key))
        return index[s] - 1;
    }
  *slot = s;
  return dict->len;
}

static gboolean
dict_reindex (Decoder *d, LdPickleValue *dict)
{
  guint bits = g_bit_storage ((gsize) dict->cap * 2 - 1); /* at least twice the entries */
  gsize size = (gsize) 1 << bits, mask = size - 1;
  guint32 *index = alloc_array (d, size, sizeof *index);

  if (index == NULL)
    return FALSE;
  dict->index_bits = (guint8) bits;
  memset (index, 0, size * sizeof *index);
  for (gsize i = 0; i < dict->len; i++)
    {
      gsize s = dict->dict.entries[i].hash & mask;

      while (index[s] != 0)
        s = (s + 1) & mask;
      index[s] = (guint32) (i + 1);
    }
  dict->dict.index = index;
  return TRUE;
}

gboolean
ld_pickle_dict_reserve (Decoder *d, LdPickleValue *dict, gsize extra)
{
  Entry *entries;
  gsize cap;

  if (extra <= dict->cap - dict->len)
    return TRUE;
  if (extra > MAX_CONTAINER_LEN - dict->len)
    return ld_pickle_fail (d, LD_PICKLE_ERROR_LIMIT, _("container too large"));
  cap = MIN (MAX (dict->len + extra, (gsize) dict->cap * 2), MAX_CONTAINER_LEN);
  if ((entries = alloc_array (d, cap, sizeof *entries)) == NULL)
    return FALSE;
  if (dict->len > 0)
    memcpy (entries, dict->dict.entries, dict->len * sizeof *entries);
  dict->dict.entries = entries;
  dict->cap = (guint32) cap;
  return cap <= DICT_LINEAR_MAX || dict_reindex (d, dict);
}

/* Adds or replaces a key; value is NULL in a set.  There must be room for one more. */
static G_ALWAYS_INLINE inline gboolean
dict_insert_reserved (Decoder *d, LdPickleValue *dict, LdPickleValue *key, LdPickleValue *value)
{
  guint32 hash;
  gsize slot = 0, pos;
  Entry *e;

  if (G_LIKELY (key->kind == LD_PICKLE_STR))
    hash = hash_bytes (key->str, key->len);
  else if (!key_hash (d, key, &hash))
    return FALSE;
  pos = dict_find (dict, key, hash, &slot);
  if (G_UNLIKELY (pos == G_MAXSIZE))
    return ld_pickle_fail (d, LD_PICKLE_ERROR_LIMIT, _("too many colliding keys"));
  if (pos < dict->len)
    {
      dict->dict.entries[pos].value = value;
      return TRUE;
    }
  e = &dict->dict.entries[dict->len];
  e->key = key;
  e->value = value;
  e->hash = hash;
  if (dict->dict.index != NULL)
    dict->dict.index[slot] = (guint32) (dict->len + 1);
  dict->len++;
  return TRUE;
}

gboolean
ld_pickle_dict_insert (Decoder *d, LdPickleValue *dict, LdPickleValue *key, LdPickleValue *value)
{
  return ld_pickle_dict_reserve (d, dict, 1) && dict_insert_reserved (d, dict, key, value);
}

/* Adds key, value pairs to a dict, or keys alone to a set (step 1). */
gboolean
ld_pickle_dict_update (Decoder *d, LdPickleValue *dict, LdPickleValue *const *items, gsize n,
                       gsize step)
{
  if (!ld_pickle_dict_reserve (d, dict, n / step))
    return FALSE;
  if (step == 2)
    {
      for (gsize i = 0; i + 2 <= n; i += 2)
        if (!dict_insert_reserved (d, dict, items[i], items[i + 1]))
          return FALSE;
      return TRUE;
    }
  for (gsize i = 0; i < n; i++)
    if (!dict_insert_reserved (d, dict, items[i], NULL))
      return FALSE;
  return TRUE;
}

LdPickleValue *
ld_pickle_new_set (Decoder *d, LdPickleValue *const *items, gsize n, guint8 flags)
{
  LdPickleValue *v = new_value (d, LD_PICKLE_SET);

  if (v == NULL || !ld_pickle_dict_update (d, v, items, n, 1))
    return NULL;
  v->flags |= flags;
  return v;
}

/* Accessors */

LdPickleKind
ld_pickle_value_kind (const LdPickleValue *value)
{
  g_return_val_if_fail (value != NULL, LD_PICKLE_NONE);

  return value->kind;
}

/**
 * ld_pickle_value_get_length:
 *
 * Returns: the bytes of a str (UTF-8), bytes or bigint (decimal text), the items of a list,
 *   tuple, set or dict, and 0 for anything else
 */
gsize
ld_pickle_value_get_length (const LdPickleValue *value)
{
  g_return_val_if_fail (value != NULL, 0);

  switch (value->kind)
    {
    case LD_PICKLE_BIGINT:
    case LD_PICKLE_STR:
    case LD_PICKLE_BYTES:
    case LD_PICKLE_LIST:
    case LD_PICKLE_TUPLE:
    case LD_PICKLE_SET:
    case LD_PICKLE_DICT:
      return value->len;
    default:
      return 0;
    }
}

gboolean
ld_pickle_value_get_bool (const LdPickleValue *value)
{
  g_return_val_if_fail (value != NULL && value->kind == LD_PICKLE_BOOL, FALSE);

  return value->i != 0;
}

/* Returns the value of an int or a bool. */
gint64
ld_pickle_value_get_int (const LdPickleValue *value)
{
  g_return_val_if_fail (value != NULL, 0);
  g_return_val_if_fail (value->kind == LD_PICKLE_INT || value->kind == LD_PICKLE_BOOL, 0);

  return value->i;
}

/**
 * ld_pickle_value_view:
 * @value: a value
 * @view: (out caller-allocates): where to describe it
 *
 * Fills @view as ld_pickle_scan_dict() would, with @value as its tree.
 */
void
ld_pickle_value_view (const LdPickleValue *value,
                      LdPickleView        *view)
{
  g_return_if_fail (value != NULL && view != NULL);

  view->kind = value->kind;
  view->text = NULL;
  view->length = 0;
  view->i = 0;
  view->f = 0;
  view->tree = value;
  switch (value->kind)
    {
    case LD_PICKLE_STR:
    case LD_PICKLE_BIGINT:
      view->text = value->str;
      view->length = value->len;
      break;
    case LD_PICKLE_INT:
    case LD_PICKLE_BOOL:
      view->i = value->i;
      break;
    case LD_PICKLE_FLOAT:
      view->f = value->f;
      break;
    default:
      break;
    }
}

/* Returns a float, or an int or bool as a float. */
double
ld_pickle_value_get_float (const LdPickleValue *value)
{
  g_return_val_if_fail (value != NULL, 0.0);
  g_return_val_if_fail (value->kind == LD_PICKLE_FLOAT || value->kind == LD_PICKLE_INT ||
                        value->kind == LD_PICKLE_BOOL, 0.0);

  return value->kind == LD_PICKLE_FLOAT ? value->f : (double) value->i;
}

/**
 * ld_pickle_value_get_string:
 * @length: (out) (optional): the length in bytes
 *
 * Returns: the NUL-terminated UTF-8 text of a str (which may hold NULs of its own), or the
 *   decimal text of a bigint
 */
const char *
ld_pickle_value_get_string (const LdPickleValue *value,
                            gsize               *length)
{
  g_return_val_if_fail (value != NULL, NULL);
  g_return_val_if_fail (value->kind == LD_PICKLE_STR || value->kind == LD_PICKLE_BIGINT, NULL);

  if (length != NULL)
    *length = value->len;
  return value->str;
}

const guint8 *
ld_pickle_value_get_bytes (const LdPickleValue *value,
                           gsize               *length)
{
  g_return_val_if_fail (value != NULL && value->kind == LD_PICKLE_BYTES, NULL);

  if (length != NULL)
    *length = value->len;
  return (const guint8 *) value->str;
}

gboolean
ld_pickle_value_is_frozen (const LdPickleValue *value)
{
  g_return_val_if_fail (value != NULL, FALSE);

  return value->kind == LD_PICKLE_SET && (value->flags & FLAG_FROZEN) != 0;
}

gboolean
ld_pickle_value_is_bytearray (const LdPickleValue *value)
{
  g_return_val_if_fail (value != NULL, FALSE);

  return value->kind == LD_PICKLE_BYTES && (value->flags & FLAG_BYTEARRAY) != 0;
}

/**
 * ld_pickle_value_get_item:
 *
 * Returns: (transfer none): item @index of a list, tuple or set, or the value of entry
 *   @index of a dict, in the order the pickle gave them
 */
const LdPickleValue *
ld_pickle_value_get_item (const LdPickleValue *value,
                          gsize                index)
{
  g_return_val_if_fail (value != NULL && is_container (value), NULL);
  g_return_val_if_fail (index < value->len, NULL);

  if (value->kind == LD_PICKLE_LIST || value->kind == LD_PICKLE_TUPLE)
    return value->items[index];
  if (value->kind == LD_PICKLE_SET)
    return value->dict.entries[index].key;
  return value->dict.entries[index].value;
}

/* Returns (transfer none): the key of entry @index of a dict. */
const LdPickleValue *
ld_pickle_value_get_key (const LdPickleValue *value,
                         gsize                index)
{
  g_return_val_if_fail (value != NULL && value->kind == LD_PICKLE_DICT, NULL);
  g_return_val_if_fail (index < value->len, NULL);

  return value->dict.entries[index].key;
}

const LdPickleValue *
ld_pickle_dict_lookup (const LdPickleValue *dict, const char *key, gsize len)
{
  LdPickleValue probe = { .kind = LD_PICKLE_STR, .len = len, .str = key };
  gsize slot, pos;

  pos = dict_find (dict, &probe, hash_bytes (key, len), &slot);
  return pos < dict->len ? dict->dict.entries[pos].value : NULL;
}

/* Returns (transfer none) (nullable): the value of the str @key in @dict. */
const LdPickleValue *
ld_pickle_value_lookup (const LdPickleValue *dict,
                        const char          *key)
{
  g_return_val_if_fail (dict != NULL && dict->kind == LD_PICKLE_DICT, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  return ld_pickle_dict_lookup (dict, key, strlen (key));
}

/**
 * ld_pickle_value_get_object_text:
 *
 * Returns: a readable text for an object: "2026-11-20 12:30:00", "Decimal('12.50')",
 *   "UUID('…')", "ValueError('bad')", "<Color.GREEN>", "<Color: 2>", "<global os.system>" or
 *   "<myapp.User object>" (to_display() adds arguments and state to the last form)
 */
const char *
ld_pickle_value_get_object_text (const LdPickleValue *value)
{
  g_return_val_if_fail (value != NULL && value->kind == LD_PICKLE_OBJECT, NULL);

  return value->object->text;
}

/* Returns: the module of the class or function the object was made from, e.g. "datetime". */
const char *
ld_pickle_value_get_object_module (const LdPickleValue *value)
{
  g_return_val_if_fail (value != NULL && value->kind == LD_PICKLE_OBJECT, NULL);

  return value->object->module;
}

/* Returns: the (qualified) name of that class or function, e.g. "datetime". */
const char *
ld_pickle_value_get_object_name (const LdPickleValue *value)
{
  g_return_val_if_fail (value != NULL && value->kind == LD_PICKLE_OBJECT, NULL);

  return value->object->name;
}

/* Returns (transfer none) (nullable): the arguments tuple of the call, if not empty. */
const LdPickleValue *
ld_pickle_value_get_object_args (const LdPickleValue *value)
{
  g_return_val_if_fail (value != NULL && value->kind == LD_PICKLE_OBJECT, NULL);

  return value->object->args;
}

/* Returns (transfer none) (nullable): the state BUILD gave, e.g. the instance's __dict__. */
const LdPickleValue *
ld_pickle_value_get_object_state (const LdPickleValue *value)
{
  g_return_val_if_fail (value != NULL && value->kind == LD_PICKLE_OBJECT, NULL);

  return value->object->state;
}
