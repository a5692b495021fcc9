// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ld-field-stats.h"
#include "ld-level.h"

/* Field statistics over the records a filtered model shows.
 *
 * One entry per shown record, in the model's order: its sequence number,
 * the local id of its value of the chosen field, and the id of its "shape",
 * the set of extra keys it carries. Values and shapes are counted in small
 * tables, so that a record that goes (evicted, or filtered out) is taken
 * off the counts without reading it again: the store may no longer have it.
 * The model's ::items-changed is mirrored on the entries; a new entry waits
 * as pending until its record is read. A batch of new records is read at
 * once; a big change (a new filter, another field) is read in slices of a
 * few milliseconds on the thread-default main context, as the filter model
 * tests a new query, and "pending" says how many records are still to read.
 *
 * Numbers come from the distinct numeric values and their counts: the
 * figures are exact, computed when asked for. */

#define VALUE_PENDING   G_MAXUINT32
#define VALUE_ABSENT    (G_MAXUINT32 - 1)
#define VALUE_OTHER     (G_MAXUINT32 - 2)   /* past LD_FIELD_STATS_MAX_VALUES */
#define SHAPE_PENDING   G_MAXUINT32
#define SHAPE_OTHER     (G_MAXUINT32 - 1)   /* past MAX_SHAPES or MAX_SHAPE_KEYS */
#define SHAPE_NONE      0u                  /* no extra fields */
#define MAX_SHAPES      65536
#define MAX_SHAPE_KEYS  256
#define SLICE_US        5000
#define TIME_CHECK_STEP 256
#define READ_AT_ONCE    4096

typedef struct
{
  guint64 seq;
  guint32 value;
  guint32 shape;
} Entry;

typedef struct
{
  char    *text;        /* NULL for a free slot */
  guint32  intern_id;   /* for fields kept interned, else 0 */
  guint    count;
  gboolean is_number;
  double   number;
} Value;

typedef struct
{
  GBytes *keys;         /* guint32 interned keys, ascending */
  guint   count;
} Shape;

struct _LdFieldStats
{
  GObject        parent_instance;

  LdFilterModel *shown;
  LdStore       *store;
  gulong         items_changed_id;

  LdStatsField   field;
  char          *key;
  guint32        key_id;

  GArray        *entries;       /* Entry; the live ones from head on */
  guint          head;
  guint          n_pending;
  guint          cursor;        /* where the next slice starts looking */
  GSource       *slice_source;

  GArray        *values;        /* Value, by local id */
  GArray        *free_values;   /* guint32 */
  GHashTable    *value_by_text;
  GHashTable    *value_by_intern;
  guint          n_values;
  guint          n_with_value;
  guint          n_numeric;
  guint          n_other;
  GString       *scratch;

  GArray        *shapes;        /* Shape, by id; 0 is the empty shape */
  GArray        *free_shapes;   /* guint32: ids of shapes no record has */
  GHashTable    *shape_by_keys;
  guint          n_shape_other;
  guint32        last_shape;    /* records in a row mostly share their keys */
};

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LdFieldStats, ld_field_stats, G_TYPE_OBJECT)

static inline Entry *
entry_at (LdFieldStats *self,
          guint         index)
{
  return &g_array_index (self->entries, Entry, self->head + index);
}

static inline guint
n_entries (LdFieldStats *self)
{
  return self->entries->len - self->head;
}

/* Values */

static void
clear_value (gpointer data)
{
  g_free (((Value *) data)->text);
}

static guint32
add_value (LdFieldStats *self,
           const char   *text,
           guint32       intern_id,
           gboolean      is_number)
{
  guint32 id;
  Value *value;

  if (self->n_values >= LD_FIELD_STATS_MAX_VALUES)
    return VALUE_OTHER;

  if (self->free_values->len > 0)
    {
      id = g_array_index (self->free_values, guint32, self->free_values->len - 1);
      g_array_set_size (self->free_values, self->free_values->len - 1);
    }
  else
    {
      id = self->values->len;
      g_array_set_size (self->values, id + 1);
    }

  value = &g_array_index (self->values, Value, id);
  value->text = g_strdup (text);
  value->intern_id = intern_id;
  value->count = 0;
  value->is_number = is_number;
  value->number = is_number ? g_ascii_strtod (text, NULL) : 0;
  g_hash_table_insert (self->value_by_text, value->text, GUINT_TO_POINTER (id + 1));
  if (intern_id != 0)
    g_hash_table_insert (self->value_by_intern, GUINT_TO_POINTER (intern_id),
                         GUINT_TO_POINTER (id + 1));
  self->n_values++;

  return id;
}

/* Counts one record with this value; @text is only read when the value is new. */
static guint32
ref_value (LdFieldStats *self,
           const char   *text,
           guint32       intern_id,
           gboolean      is_number)
{
  gpointer found = NULL;
  guint32 id;

  if (intern_id != 0)
    found = g_hash_table_lookup (self->value_by_intern, GUINT_TO_POINTER (intern_id));
  if (found == NULL)
    found = g_hash_table_lookup (self->value_by_text, text);

  id = found != NULL ? GPOINTER_TO_UINT (found) - 1 : add_value (self, text, intern_id, is_number);
  self->n_with_value++;
  if (id == VALUE_OTHER)
    {
      self->n_other++;
      return id;
    }

  g_array_index (self->values, Value, id).count++;
  if (g_array_index (self->values, Value, id).is_number)
    self->n_numeric++;

  return id;
}

static void
unref_value (LdFieldStats *self,
             guint32       id)
{
  Value *value;

  if (id == VALUE_ABSENT || id == VALUE_PENDING)
    return;

  self->n_with_value--;
  if (id == VALUE_OTHER)
    {
      self->n_other--;
      return;
    }

  value = &g_array_index (self->values, Value, id);
  g_assert (value->count > 0);
  if (value->is_number)
    self->n_numeric--;
  if (--value->count > 0)
    return;

  g_hash_table_remove (self->value_by_text, value->text);
  if (value->intern_id != 0)
    g_hash_table_remove (self->value_by_intern, GUINT_TO_POINTER (value->intern_id));
  g_clear_pointer (&value->text, g_free);
  g_array_append_val (self->free_values, id);
  self->n_values--;
}

static void
clear_values (LdFieldStats *self)
{
  g_hash_table_remove_all (self->value_by_text);
  g_hash_table_remove_all (self->value_by_intern);
  g_array_set_size (self->values, 0);
  g_array_set_size (self->free_values, 0);
  self->n_values = self->n_with_value = self->n_numeric = self->n_other = 0;
}

static guint32
ref_interned (LdFieldStats *self,
              guint32       id)
{
  if (id == LD_INTERN_NONE)
    return VALUE_ABSENT;

  return ref_value (self, ld_intern_lookup (id), id, FALSE);
}

static guint32
ref_extra (LdFieldStats   *self,
           const LdRecord *record)
{
  LdExtraIter iter;
  guint32 key;
  LdValueType type;
  const char *text;
  gsize length;

  ld_extra_iter_init (&iter, record);
  while (ld_extra_iter_next (&iter, &key, &type, &text, &length))
    if (key == self->key_id)
      {
        g_string_truncate (self->scratch, 0);
        g_string_append_len (self->scratch, text, length);
        return ref_value (self, self->scratch->str, 0, type == LD_VALUE_NUMBER);
      }

  return VALUE_ABSENT;
}

static guint32
ref_record_value (LdFieldStats   *self,
                  const LdRecord *record)
{
  const char *level;

  switch (self->field)
    {
    case LD_STATS_FIELD_LEVEL:
      level = ld_level_canonical_name (record->level);
      if (level != NULL)
        return ref_value (self, level, 0, FALSE);
      g_string_printf (self->scratch, "%d", record->level);
      return ref_value (self, self->scratch->str, 0, FALSE);
    case LD_STATS_FIELD_LOGGER:
      return ref_interned (self, record->logger);
    case LD_STATS_FIELD_THREAD:
      return ref_interned (self, record->thread);
    case LD_STATS_FIELD_CONNECTION:
      return ref_interned (self, record->connection);
    case LD_STATS_FIELD_PEER:
      return ref_interned (self, record->peer);
    case LD_STATS_FIELD_PROTOCOL:
      return ref_interned (self, record->protocol);
    case LD_STATS_FIELD_HOST:
      return ref_interned (self, record->host);
    case LD_STATS_FIELD_SERVICE:
      return ref_interned (self, record->service);
    case LD_STATS_FIELD_FILE:
      return ref_interned (self, record->file);
    case LD_STATS_FIELD_FUNCTION:
      return ref_interned (self, record->function);
    case LD_STATS_FIELD_EXTRA:
      return ref_extra (self, record);
    case LD_STATS_FIELD_NONE:
    default:
      return VALUE_ABSENT;
    }
}

/* Shapes: the sets of extra keys */

static void
clear_shape (gpointer data)
{
  g_clear_pointer (&((Shape *) data)->keys, g_bytes_unref);
}

static int
compare_keys (gconstpointer a,
              gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

static gboolean
shape_has_keys (LdFieldStats  *self,
                guint32        id,
                const guint32 *keys,
                guint          n_keys)
{
  gsize size;
  gconstpointer data;

  if (id == SHAPE_NONE || id >= self->shapes->len
      || g_array_index (self->shapes, Shape, id).keys == NULL)
    return FALSE;
  data = g_bytes_get_data (g_array_index (self->shapes, Shape, id).keys, &size);
  return size == n_keys * sizeof (guint32) && memcmp (data, keys, size) == 0;
}

static guint32
find_shape (LdFieldStats  *self,
            const guint32 *keys,
            guint          n_keys)
{
  g_autoptr(GBytes) wanted = NULL;
  gpointer found;
  Shape *shape;
  guint32 id;

  if (shape_has_keys (self, self->last_shape, keys, n_keys))
    return self->last_shape;

  wanted = g_bytes_new_static (keys, n_keys * sizeof (guint32));
  if ((found = g_hash_table_lookup (self->shape_by_keys, wanted)) != NULL)
    return self->last_shape = GPOINTER_TO_UINT (found) - 1;

  /* The id of a shape no record has any more, so that a long session whose
   * records change their keys keeps counting new ones. */
  if (self->free_shapes->len > 0)
    {
      id = g_array_index (self->free_shapes, guint32, self->free_shapes->len - 1);
      g_array_set_size (self->free_shapes, self->free_shapes->len - 1);
    }
  else if (self->shapes->len < MAX_SHAPES)
    {
      id = self->shapes->len;
      g_array_set_size (self->shapes, id + 1);
    }
  else
    return SHAPE_OTHER;

  shape = &g_array_index (self->shapes, Shape, id);
  shape->keys = g_bytes_new (keys, n_keys * sizeof (guint32));
  shape->count = 0;
  g_hash_table_insert (self->shape_by_keys, shape->keys, GUINT_TO_POINTER (id + 1));

  return self->last_shape = id;
}

/* Sorts a record's few keys; qsort costs more than the sorting for so few. */
static void
sort_keys (guint32 *keys,
           guint    n_keys)
{
  for (guint i = 1; i < n_keys; i++)
    {
      guint32 key = keys[i];
      guint j = i;

      for (; j > 0 && keys[j - 1] > key; j--)
        keys[j] = keys[j - 1];
      keys[j] = key;
    }
}

static guint32
ref_shape (LdFieldStats   *self,
           const LdRecord *record)
{
  guint32 keys[MAX_SHAPE_KEYS];
  guint n_keys = 0, n_unique = 0;
  LdExtraIter iter;
  guint32 key;
  LdValueType type;
  const char *text;
  gsize length;
  guint32 id;

  ld_extra_iter_init (&iter, record);
  while (ld_extra_iter_next (&iter, &key, &type, &text, &length))
    {
      if (n_keys == MAX_SHAPE_KEYS)
        {
          self->n_shape_other++;
          return SHAPE_OTHER;
        }
      keys[n_keys++] = key;
    }
  if (n_keys == 0)
    return SHAPE_NONE;

  if (n_keys > 16)
    qsort (keys, n_keys, sizeof (guint32), compare_keys);
  else
    sort_keys (keys, n_keys);
  for (guint i = 0; i < n_keys; i++)
    if (n_unique == 0 || keys[n_unique - 1] != keys[i])
      keys[n_unique++] = keys[i];

  id = find_shape (self, keys, n_unique);
  if (id == SHAPE_OTHER)
    self->n_shape_other++;
  else
    g_array_index (self->shapes, Shape, id).count++;

  return id;
}

static void
unref_shape (LdFieldStats *self,
             guint32       id)
{
  Shape *shape;

  if (id == SHAPE_PENDING || id == SHAPE_NONE)
    return;
  if (id == SHAPE_OTHER)
    {
      self->n_shape_other--;
      return;
    }

  shape = &g_array_index (self->shapes, Shape, id);
  if (--shape->count > 0)
    return;
  g_hash_table_remove (self->shape_by_keys, shape->keys);
  g_clear_pointer (&shape->keys, g_bytes_unref);
  g_array_append_val (self->free_shapes, id);
  if (self->last_shape == id)
    self->last_shape = SHAPE_NONE;
}

/* Entries */

static void
read_entry (LdFieldStats *self,
            Entry        *entry)
{
  const LdRecord *record = ld_store_get_record_by_seq (self->store, entry->seq);

  if (entry->shape == SHAPE_PENDING)
    entry->shape = record != NULL ? ref_shape (self, record) : SHAPE_NONE;
  entry->value = record != NULL ? ref_record_value (self, record) : VALUE_ABSENT;
  self->n_pending--;
}

static void
forget_entry (LdFieldStats *self,
              Entry        *entry)
{
  if (entry->value == VALUE_PENDING)
    self->n_pending--;
  unref_value (self, entry->value);
  unref_shape (self, entry->shape);
}

/* Reads pending entries until none is left or, with a @deadline, past it. */
static void
read_pending (LdFieldStats *self,
              gint64        deadline)
{
  guint n = n_entries (self);
  guint i = self->cursor;
  guint steps = 0;

  while (self->n_pending > 0)
    {
      Entry *entry;

      g_assert (n > 0);
      if (i >= n)
        i = 0;
      entry = entry_at (self, i++);
      if (entry->value == VALUE_PENDING)
        read_entry (self, entry);
      if (++steps % TIME_CHECK_STEP == 0 && deadline != 0 && g_get_monotonic_time () > deadline)
        break;
    }

  self->cursor = i;
}

static gboolean
read_slice (gpointer user_data)
{
  LdFieldStats *self = user_data;

  read_pending (self, g_get_monotonic_time () + SLICE_US);
  g_signal_emit (self, signals[CHANGED], 0);
  if (self->n_pending > 0)
    return G_SOURCE_CONTINUE;

  g_clear_pointer (&self->slice_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

static void
schedule_slices (LdFieldStats *self)
{
  if (self->slice_source != NULL || self->n_pending == 0)
    return;

  self->slice_source = g_idle_source_new ();
  g_source_set_priority (self->slice_source, G_PRIORITY_DEFAULT_IDLE);
  g_source_set_callback (self->slice_source, read_slice, self, NULL);
  g_source_set_static_name (self->slice_source, "[logdeck] field statistics");
  g_source_attach (self->slice_source, g_main_context_get_thread_default ());
}

static void
remove_entries (LdFieldStats *self,
                guint         position,
                guint         removed)
{
  for (guint i = 0; i < removed; i++)
    forget_entry (self, entry_at (self, position + i));

  /* The oldest records go first: moving the others down is left for later. */
  if (position == 0)
    self->head += removed;
  else
    g_array_remove_range (self->entries, self->head + position, removed);

  if (self->head > 65536 && self->head > n_entries (self))
    {
      g_array_remove_range (self->entries, 0, self->head);
      self->head = 0;
    }
}

static void
insert_entries (LdFieldStats *self,
                guint         position,
                guint         added)
{
  Entry *entries;

  /* Records arrive at the end, and a new filter's older matches come in at
   * the front, where evicted ones left room: only other places move entries. */
  if (position == n_entries (self))
    g_array_set_size (self->entries, self->entries->len + added);
  else if (position == 0 && self->head >= added)
    self->head -= added;
  else
    {
      if (self->head > 0)
        {
          g_array_remove_range (self->entries, 0, self->head);
          self->head = 0;
        }
      /* Room at @position; the entries there are filled in just below. */
      g_array_set_size (self->entries, self->entries->len + added);
      memmove (&g_array_index (self->entries, Entry, position + added),
               &g_array_index (self->entries, Entry, position),
               (self->entries->len - added - position) * sizeof (Entry));
    }

  entries = entry_at (self, position);
  for (guint i = 0; i < added; i++)
    {
      entries[i].seq = ld_filter_model_get_seq (self->shown, position + i);
      entries[i].value = VALUE_PENDING;
      entries[i].shape = SHAPE_PENDING;
    }
  self->n_pending += added;
}

static void
on_items_changed (LdFieldStats *self,
                  guint         position,
                  guint         removed,
                  guint         added)
{
  gboolean only_these = self->n_pending == 0;

  remove_entries (self, position, removed);
  insert_entries (self, position, added);

  /* Records as they arrive are read at once, looking from where they are
   * rather than through the million before them; a big change in slices. */
  if (only_these && added > 0)
    {
      self->cursor = position;
      if (added <= READ_AT_ONCE)
        read_pending (self, 0);
    }
  schedule_slices (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
ld_field_stats_dispose (GObject *object)
{
  LdFieldStats *self = LD_FIELD_STATS (object);

  if (self->slice_source != NULL)
    {
      g_source_destroy (self->slice_source);
      g_clear_pointer (&self->slice_source, g_source_unref);
    }
  if (self->shown != NULL)
    g_clear_signal_handler (&self->items_changed_id, self->shown);
  g_clear_object (&self->shown);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (ld_field_stats_parent_class)->dispose (object);
}

static void
ld_field_stats_finalize (GObject *object)
{
  LdFieldStats *self = LD_FIELD_STATS (object);

  g_hash_table_unref (self->value_by_text);
  g_hash_table_unref (self->value_by_intern);
  g_hash_table_unref (self->shape_by_keys);
  g_array_unref (self->values);
  g_array_unref (self->free_values);
  g_array_unref (self->shapes);
  g_array_unref (self->free_shapes);
  g_array_unref (self->entries);
  g_string_free (self->scratch, TRUE);
  g_free (self->key);

  G_OBJECT_CLASS (ld_field_stats_parent_class)->finalize (object);
}

static void
ld_field_stats_class_init (LdFieldStatsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ld_field_stats_dispose;
  object_class->finalize = ld_field_stats_finalize;

  /**
   * LdFieldStats::changed:
   *
   * The counts changed: records came or went, or more were read.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ld_field_stats_init (LdFieldStats *self)
{
  Shape none = { NULL, 0 };

  self->field = LD_STATS_FIELD_NONE;
  self->entries = g_array_new (FALSE, FALSE, sizeof (Entry));
  self->values = g_array_new (FALSE, TRUE, sizeof (Value));
  g_array_set_clear_func (self->values, clear_value);
  self->free_values = g_array_new (FALSE, FALSE, sizeof (guint32));
  self->value_by_text = g_hash_table_new (g_str_hash, g_str_equal);
  self->value_by_intern = g_hash_table_new (NULL, NULL);
  self->scratch = g_string_new (NULL);
  self->shapes = g_array_new (FALSE, TRUE, sizeof (Shape));
  g_array_set_clear_func (self->shapes, clear_shape);
  g_array_append_val (self->shapes, none);
  self->shape_by_keys = g_hash_table_new (g_bytes_hash, g_bytes_equal);
  self->free_shapes = g_array_new (FALSE, FALSE, sizeof (guint32));
}

/**
 * ld_field_stats_new:
 * @shown: the records to count, as the window shows them
 *
 * Returns: (transfer full): statistics that follow @shown; no field is chosen yet
 */
LdFieldStats *
ld_field_stats_new (LdFilterModel *shown)
{
  LdFieldStats *self;
  guint n;

  g_return_val_if_fail (LD_IS_FILTER_MODEL (shown), NULL);

  self = g_object_new (LD_TYPE_FIELD_STATS, NULL);
  self->shown = g_object_ref (shown);
  self->store = g_object_ref (ld_filter_model_get_store (shown));
  self->items_changed_id = g_signal_connect_swapped (shown, "items-changed",
                                                     G_CALLBACK (on_items_changed), self);
  n = g_list_model_get_n_items (G_LIST_MODEL (shown));
  insert_entries (self, 0, n);
  schedule_slices (self);

  return self;
}

/**
 * ld_field_stats_set_field:
 * @self: statistics
 * @field: the field whose values to count
 * @key: (nullable): the extra field's key, for %LD_STATS_FIELD_EXTRA
 *
 * Every shown record is read again for it, in slices.
 */
void
ld_field_stats_set_field (LdFieldStats *self,
                          LdStatsField  field,
                          const char   *key)
{
  g_return_if_fail (LD_IS_FIELD_STATS (self));
  g_return_if_fail (field != LD_STATS_FIELD_EXTRA || key != NULL);

  if (field == self->field && g_strcmp0 (key, self->key) == 0)
    return;

  self->field = field;
  g_free (self->key);
  self->key = field == LD_STATS_FIELD_EXTRA ? g_strdup (key) : NULL;
  self->key_id = self->key != NULL ? ld_intern (self->key, -1) : LD_INTERN_NONE;

  clear_values (self);
  self->n_pending = 0;
  for (guint i = 0; i < n_entries (self); i++)
    {
      entry_at (self, i)->value = VALUE_PENDING;
      self->n_pending++;
    }
  self->cursor = 0;
  schedule_slices (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

LdStatsField
ld_field_stats_get_field (LdFieldStats *self)
{
  g_return_val_if_fail (LD_IS_FIELD_STATS (self), LD_STATS_FIELD_NONE);

  return self->field;
}

const char *
ld_field_stats_get_key (LdFieldStats *self)
{
  g_return_val_if_fail (LD_IS_FIELD_STATS (self), NULL);

  return self->key;
}

/**
 * ld_field_stats_get_n_records:
 * @self: statistics
 *
 * Returns: the shown records counted so far (those not pending)
 */
guint
ld_field_stats_get_n_records (LdFieldStats *self)
{
  g_return_val_if_fail (LD_IS_FIELD_STATS (self), 0);

  return n_entries (self) - self->n_pending;
}

/**
 * ld_field_stats_get_n_with_value:
 * @self: statistics
 *
 * Returns: how many of the counted records have the chosen field
 */
guint
ld_field_stats_get_n_with_value (LdFieldStats *self)
{
  g_return_val_if_fail (LD_IS_FIELD_STATS (self), 0);

  return self->n_with_value;
}

/**
 * ld_field_stats_get_pending:
 * @self: statistics
 *
 * Returns: the shown records still to read
 */
guint
ld_field_stats_get_pending (LdFieldStats *self)
{
  g_return_val_if_fail (LD_IS_FIELD_STATS (self), 0);

  return self->n_pending;
}

/**
 * ld_field_stats_get_truncated:
 * @self: statistics
 *
 * Returns: whether some values (past %LD_FIELD_STATS_MAX_VALUES distinct
 *   ones) count only as "other", or some records' keys went uncounted
 */
gboolean
ld_field_stats_get_truncated (LdFieldStats *self)
{
  g_return_val_if_fail (LD_IS_FIELD_STATS (self), FALSE);

  return self->n_other > 0 || self->n_shape_other > 0;
}

/**
 * ld_field_stats_flush:
 * @self: statistics
 *
 * Reads every pending record now.
 */
void
ld_field_stats_flush (LdFieldStats *self)
{
  g_return_if_fail (LD_IS_FIELD_STATS (self));

  read_pending (self, 0);
  if (self->slice_source != NULL)
    {
      g_source_destroy (self->slice_source);
      g_clear_pointer (&self->slice_source, g_source_unref);
    }
}

/* Results */

static void
clear_count (gpointer data)
{
  g_free (((LdFieldCount *) data)->value);
}

/* More first; among equals, in the order of their text. */
static gboolean
ranks_before (guint       count,
              const char *text,
              guint       other_count,
              const char *other_text)
{
  return count > other_count || (count == other_count && strcmp (text, other_text) < 0);
}

static int
compare_counts (gconstpointer a,
                gconstpointer b)
{
  const LdFieldCount *x = a, *y = b;

  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  return strcmp (x->value, y->value);
}

/**
 * ld_field_stats_dup_top_values:
 * @self: statistics
 * @n_top: how many values to give at most
 * @n_other: (out) (optional): the counted records with another value
 *
 * Returns: (transfer full) (element-type LdFieldCount): the chosen field's
 *   most frequent values, most frequent first, ties in the order of their text
 */
GArray *
ld_field_stats_dup_top_values (LdFieldStats *self,
                               guint         n_top,
                               guint        *n_other)
{
  g_autofree guint32 *top = g_new (guint32, n_top + 1);
  GArray *result = g_array_new (FALSE, FALSE, sizeof (LdFieldCount));
  guint n = 0, in_top = 0;

  g_return_val_if_fail (LD_IS_FIELD_STATS (self), result);

  g_array_set_clear_func (result, clear_count);

  /* Insertion into a short sorted list: the table may hold many values. */
  for (guint32 id = 0; id < self->values->len; id++)
    {
      const Value *value = &g_array_index (self->values, Value, id);
      guint at;

      if (value->text == NULL || value->count == 0)
        continue;
      at = n;
      while (at > 0)
        {
          const Value *before = &g_array_index (self->values, Value, top[at - 1]);

          if (!ranks_before (value->count, value->text, before->count, before->text))
            break;
          at--;
        }
      if (at >= n_top)
        continue;
      memmove (top + at + 1, top + at, (MIN (n, n_top - 1) - at) * sizeof (guint32));
      top[at] = id;
      n = MIN (n + 1, n_top);
    }

  for (guint i = 0; i < n; i++)
    {
      const Value *value = &g_array_index (self->values, Value, top[i]);
      LdFieldCount count = { g_strdup (value->text), value->count };

      g_array_append_val (result, count);
      in_top += value->count;
    }

  if (n_other != NULL)
    *n_other = self->n_with_value - in_top;

  return result;
}

typedef struct
{
  double number;
  guint  count;
} Weighted;

static int
compare_weighted (gconstpointer a,
                  gconstpointer b)
{
  double x = ((const Weighted *) a)->number, y = ((const Weighted *) b)->number;

  return x < y ? -1 : x > y;
}

/* The smallest number with at least ceil (@q × n) numbers up to it (the nearest rank). */
static double
quantile (const GArray *sorted,
          guint         n,
          double        q)
{
  double exact = q * n;
  guint64 rank = (guint64) exact;
  guint64 seen = 0;

  if ((double) rank < exact || rank == 0)
    rank++;

  for (guint i = 0; i < sorted->len; i++)
    {
      seen += g_array_index (sorted, Weighted, i).count;
      if (seen >= rank)
        return g_array_index (sorted, Weighted, i).number;
    }

  return g_array_index (sorted, Weighted, sorted->len - 1).number;
}

/**
 * ld_field_stats_get_numbers:
 * @self: statistics
 * @numbers: (out): the figures
 *
 * Returns: whether every value of the chosen field among the counted
 *   records is a number (and there is at least one), so that @numbers is set
 */
gboolean
ld_field_stats_get_numbers (LdFieldStats   *self,
                            LdFieldNumbers *numbers)
{
  g_autoptr(GArray) sorted = NULL;
  double width;

  g_return_val_if_fail (LD_IS_FIELD_STATS (self), FALSE);

  memset (numbers, 0, sizeof *numbers);
  if (self->n_numeric == 0 || self->n_numeric != self->n_with_value)
    return FALSE;

  sorted = g_array_sized_new (FALSE, FALSE, sizeof (Weighted), self->n_values);
  for (guint32 id = 0; id < self->values->len; id++)
    {
      const Value *value = &g_array_index (self->values, Value, id);
      Weighted weighted = { value->number, value->count };

      if (value->text != NULL && value->count > 0 && value->is_number)
        g_array_append_val (sorted, weighted);
    }
  g_array_sort (sorted, compare_weighted);

  numbers->n = self->n_numeric;
  numbers->min = g_array_index (sorted, Weighted, 0).number;
  numbers->max = g_array_index (sorted, Weighted, sorted->len - 1).number;
  numbers->median = quantile (sorted, numbers->n, 0.5);
  numbers->p95 = quantile (sorted, numbers->n, 0.95);

  width = (numbers->max - numbers->min) / LD_FIELD_STATS_HISTOGRAM_BINS;
  for (guint i = 0; i < sorted->len; i++)
    {
      const Weighted *weighted = &g_array_index (sorted, Weighted, i);
      guint bin = width > 0 ? (guint) ((weighted->number - numbers->min) / width) : 0;

      numbers->histogram[MIN (bin, LD_FIELD_STATS_HISTOGRAM_BINS - 1)] += weighted->count;
    }

  return TRUE;
}

/**
 * ld_field_stats_dup_keys:
 * @self: statistics
 *
 * Returns: (transfer full) (element-type LdFieldCount): every extra key the
 *   counted records carry, with how many carry it, most carried first
 */
GArray *
ld_field_stats_dup_keys (LdFieldStats *self)
{
  g_autoptr(GHashTable) counts = g_hash_table_new (NULL, NULL);
  GArray *result = g_array_new (FALSE, FALSE, sizeof (LdFieldCount));
  GHashTableIter iter;
  gpointer key, count;

  g_return_val_if_fail (LD_IS_FIELD_STATS (self), result);

  g_array_set_clear_func (result, clear_count);
  for (guint id = 1; id < self->shapes->len; id++)
    {
      const Shape *shape = &g_array_index (self->shapes, Shape, id);
      gsize size;
      const guint32 *keys;

      if (shape->count == 0)
        continue;
      keys = g_bytes_get_data (shape->keys, &size);
      for (gsize i = 0; i < size / sizeof (guint32); i++)
        {
          guint old = GPOINTER_TO_UINT (g_hash_table_lookup (counts, GUINT_TO_POINTER (keys[i])));

          g_hash_table_insert (counts, GUINT_TO_POINTER (keys[i]),
                               GUINT_TO_POINTER (old + shape->count));
        }
    }

  g_hash_table_iter_init (&iter, counts);
  while (g_hash_table_iter_next (&iter, &key, &count))
    {
      LdFieldCount entry = { g_strdup (ld_intern_lookup (GPOINTER_TO_UINT (key))),
                             GPOINTER_TO_UINT (count) };

      g_array_append_val (result, entry);
    }
  g_array_sort (result, compare_counts);

  return result;
}
