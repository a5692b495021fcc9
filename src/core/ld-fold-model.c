// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <string.h>

#include "ld-fingerprint.h"
#include "ld-fold-model.h"
#include "ld-row.h"

/* Repeat folding: runs of shown records that say the same thing, grouped
 * incrementally as the filter model changes. Appends touch only the last
 * run, evictions only the first; any other change regroups from the run it
 * starts in, with each record's key computed once and kept by sequence
 * number. Large regroupings (folding turned on, a new filter) go in idle
 * slices, oldest records first, so that no frame waits for them. */

/* Bytes of a message's first line that are masked, as the error tracker's
 * fingerprint does: it bounds the cost of a 16 MiB line. */
#define MAX_MASKED_INPUT 1024
/* Records grouped at a time: about 10 ms' worth, so that turning folding
 * on over 1,000,000 records, or a new filter, never holds up a frame for
 * long; the rest is grouped in idle slices, oldest first. */
#define SLICE_RECORDS 16384

typedef struct
{
  guint64 key;
  guint64 first_seq;
  guint   first;      /* filter position + rec_shift */
  guint   item;       /* item position + item_shift */
  guint   length;
  gboolean expanded;
} Group;

struct _LdFoldModel
{
  GObject        parent_instance;

  LdFilterModel *filter;
  LdStore       *store;
  gboolean       enabled;

  GArray        *groups;      /* Group, from groups_head on */
  guint          groups_head;
  guint          rec_shift;
  guint          item_shift;
  guint          n_records;   /* the filter model's records grouped, from its first */
  guint          filter_n;    /* the filter model's records, as last seen */
  guint          slice_limit; /* records a slice groups; 0: SLICE_RECORDS */
  guint          slice_id;    /* an idle grouping the rest */
  guint          n_items;
  GHashTable    *expanded;    /* first seqs of expanded runs */

  /* Each record's key, by sequence number: 0 until computed. */
  GArray        *keys;
  guint          keys_head;
  guint64        keys_base;   /* the seq of keys[keys_head] */
  GString       *scratch;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LdFoldModel, ld_fold_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

/* Keys. */

static guint64
hash_bytes (guint64     hash,
            const char *bytes,
            gsize       length)
{
  for (gsize i = 0; i < length; i++)
    hash = (hash ^ (guchar) bytes[i]) * G_GUINT64_CONSTANT (0x100000001b3);

  return hash;
}

/* The logger, the level and the masked first line of the message, hashed to
 * 64 bits: runs compare keys, never text, so a key is all a record costs. */
static guint64
compute_key (LdFoldModel *self,
             guint64      seq)
{
  const LdRecord *record = ld_store_get_record_by_seq (self->store, seq);
  guint64 hash = G_GUINT64_CONSTANT (0xcbf29ce484222325);
  const char *message, *newline;
  gsize length, n;
  gint32 ids[2];

  /* Evicted while paused: nothing to compare, so it never joins a run. */
  if (record == NULL)
    return seq | G_GUINT64_CONSTANT (0x8000000000000000);

  message = ld_record_get_message (record, &length);
  newline = memchr (message, '\n', length);
  n = newline != NULL ? (gsize) (newline - message) : length;
  if (n > MAX_MASKED_INPUT)
    {
      n = MAX_MASKED_INPUT;
      while (n > 0 && (message[n] & 0xc0) == 0x80)
        n--;
    }
  g_string_truncate (self->scratch, 0);
  ld_fingerprint_mask (self->scratch, message, n);

  ids[0] = (gint32) record->logger;
  ids[1] = record->level;
  hash = hash_bytes (hash, (const char *) ids, sizeof ids);
  hash = hash_bytes (hash, self->scratch->str, self->scratch->len);

  return hash != 0 ? hash & G_GUINT64_CONSTANT (0x7fffffffffffffff) : 1;
}

static guint64
key_at (LdFoldModel *self,
        guint64      seq)
{
  guint64 *slot;
  guint64 index;

  /* No key kept: start keeping them here, not at sequence number 0. */
  if (self->keys->len == self->keys_head)
    {
      g_array_set_size (self->keys, 0);
      self->keys_head = 0;
      self->keys_base = seq;
    }
  if (seq < self->keys_base)
    return compute_key (self, seq);

  index = self->keys_head + (seq - self->keys_base);
  if (index - self->keys_head > G_MAXUINT32 / 2)
    return compute_key (self, seq);
  if (index >= self->keys->len)
    g_array_set_size (self->keys, index + 1);

  slot = &g_array_index (self->keys, guint64, index);
  if (*slot == 0)
    *slot = compute_key (self, seq);

  return *slot;
}

/* Forgets the keys of records before @seq, moving the rest down only once
 * half the array is dead. */
static void
drop_keys_before (LdFoldModel *self,
                  guint64      seq)
{
  guint64 live = self->keys->len - self->keys_head;
  guint64 drop;

  if (seq <= self->keys_base)
    return;

  drop = MIN (seq - self->keys_base, live);
  self->keys_head += drop;
  self->keys_base = seq;
  if (drop == live)
    {
      g_array_set_size (self->keys, 0);
      self->keys_head = 0;
    }
  else if (self->keys_head > 4096 && self->keys_head > self->keys->len / 2)
    {
      g_array_remove_range (self->keys, 0, self->keys_head);
      self->keys_head = 0;
    }
}

/* Runs. */

static inline Group *
group_at (LdFoldModel *self,
          guint        index)
{
  return &g_array_index (self->groups, Group, self->groups_head + index);
}

static inline guint
n_groups (LdFoldModel *self)
{
  return self->groups->len - self->groups_head;
}

static inline guint
group_items (const Group *group)
{
  return group->expanded ? group->length : 1;
}

/* The run holding item @position (items are sorted, and so are runs). */
static guint
group_of_item (LdFoldModel *self,
               guint        position)
{
  guint lo = 0, hi = n_groups (self);

  /* Compared as positions: the shifts wrap past 2^32 in a long session. */
  while (hi - lo > 1)
    {
      guint mid = lo + (hi - lo) / 2;

      if (group_at (self, mid)->item - self->item_shift <= position)
        lo = mid;
      else
        hi = mid;
    }

  return lo;
}

static guint
group_of_record (LdFoldModel *self,
                 guint        filter_position)
{
  guint lo = 0, hi = n_groups (self);

  while (hi - lo > 1)
    {
      guint mid = lo + (hi - lo) / 2;

      if (group_at (self, mid)->first - self->rec_shift <= filter_position)
        lo = mid;
      else
        hi = mid;
    }

  return lo;
}

/* Adds filter positions [@from, @to) to the runs, extending the last. */
static void
group_records (LdFoldModel *self,
               guint        from,
               guint        to)
{
  for (guint position = from; position < to; position++)
    {
      guint64 seq = ld_filter_model_get_seq (self->filter, position);
      guint64 key = key_at (self, seq);
      Group *last = n_groups (self) > 0 ? group_at (self, n_groups (self) - 1) : NULL;

      if (last != NULL && last->key == key)
        {
          last->length++;
          if (last->expanded)
            self->n_items++;
          continue;
        }

      g_array_append_val (self->groups, ((Group) {
        .key = key,
        .first_seq = seq,
        .first = position + self->rec_shift,
        .item = self->n_items + self->item_shift,
        .length = 1,
        .expanded = g_hash_table_contains (self->expanded, &seq),
      }));
      self->n_items++;
    }
}

static gboolean group_slice_idle (gpointer data);

/* Groups the next slice of the filter model's records and announces the
 * items it adds. The last run's row stays the same object as the run
 * grows, so that a selected heartbeat stays selected; its count is the
 * view's to refresh. */
static void
group_slice (LdFoldModel *self)
{
  guint limit = self->slice_limit != 0 ? self->slice_limit : SLICE_RECORDS;
  guint to = self->n_records + MIN (limit, self->filter_n - self->n_records);
  guint old_items = self->n_items;

  group_records (self, self->n_records, to);
  self->n_records = to;

  if (self->n_items != old_items)
    g_list_model_items_changed (G_LIST_MODEL (self), old_items, 0, self->n_items - old_items);
}

static void
schedule_slices (LdFoldModel *self)
{
  if (self->n_records < self->filter_n && self->slice_id == 0)
    self->slice_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, group_slice_idle, self, NULL);
}

static gboolean
group_slice_idle (gpointer data)
{
  LdFoldModel *self = data;

  group_slice (self);
  if (self->n_records < self->filter_n)
    return G_SOURCE_CONTINUE;

  self->slice_id = 0;
  return G_SOURCE_REMOVE;
}

/* Forgets the runs from @index on, whose records are grouped again. */
static void
truncate_groups (LdFoldModel *self,
                 guint        index)
{
  guint old_items = self->n_items;
  const Group *group;

  if (index >= n_groups (self))
    return;

  group = group_at (self, index);
  self->n_records = group->first - self->rec_shift;
  self->n_items = group->item - self->item_shift;
  g_array_set_size (self->groups, self->groups_head + index);

  if (old_items > self->n_items)
    g_list_model_items_changed (G_LIST_MODEL (self), self->n_items, old_items - self->n_items, 0);
}

static void
compact_groups (LdFoldModel *self)
{
  if (self->groups_head > 1024 && self->groups_head > self->groups->len / 2)
    {
      g_array_remove_range (self->groups, 0, self->groups_head);
      self->groups_head = 0;
    }
}

/* The filter model dropped its first @removed records (evictions). */
static void
trim_front (LdFoldModel *self,
            guint        removed)
{
  guint items_removed = 0, left = removed;
  gboolean head_changed = FALSE;

  /* Records not grouped yet went too: start again from the first. */
  if (removed > self->n_records)
    {
      guint old_items = self->n_items;

      g_hash_table_remove_all (self->expanded);
      g_array_set_size (self->groups, 0);
      self->groups_head = self->rec_shift = self->item_shift = 0;
      self->n_records = self->n_items = 0;
      if (old_items > 0)
        g_list_model_items_changed (G_LIST_MODEL (self), 0, old_items, 0);
      return;
    }

  while (left > 0 && n_groups (self) > 0)
    {
      Group *first = group_at (self, 0);

      if (first->length <= left)
        {
          left -= first->length;
          items_removed += group_items (first);
          g_hash_table_remove (self->expanded, &first->first_seq);
          self->groups_head++;
          continue;
        }

      /* The run loses its oldest records and keeps going. */
      g_hash_table_remove (self->expanded, &first->first_seq);
      first->length -= left;
      first->first += left;
      first->first_seq = ld_filter_model_get_seq (self->filter, 0);
      if (first->expanded)
        {
          items_removed += left;
          first->item += left;
          g_hash_table_add (self->expanded, g_memdup2 (&first->first_seq, sizeof (guint64)));
        }
      else
        head_changed = TRUE;
      left = 0;
    }

  self->rec_shift += removed;
  self->item_shift += items_removed;
  self->n_records -= removed;
  self->n_items -= items_removed;
  compact_groups (self);
  if (self->n_records > 0)
    drop_keys_before (self, ld_filter_model_get_seq (self->filter, 0));

  if (items_removed > 0 || head_changed)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, items_removed + head_changed,
                                head_changed);
}

static void
on_filter_items_changed (LdFoldModel *self,
                         guint        position,
                         guint        removed,
                         guint        added,
                         GListModel  *filter)
{
  guint old_filter_n = self->filter_n;
  guint index;

  if (!self->enabled)
    {
      g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
      return;
    }

  self->filter_n = g_list_model_get_n_items (filter);
  if (position == 0 && added == 0 && removed > 0)
    trim_front (self, removed);
  else if (position == old_filter_n && removed == 0)
    {
      /* Arrivals: only the last run and new ones change. */
      if (self->slice_id == 0)
        group_slice (self);
    }
  else if (position < self->n_records)
    {
      /* Anything else (a new filter): regroup from the run the change
       * starts in; the records after it may join the run before, as
       * grouping extends the last run. */
      index = group_of_record (self, position);
      truncate_groups (self, index);
      if (self->slice_id == 0)
        group_slice (self);
    }

  if (self->n_records > 0)
    drop_keys_before (self, ld_filter_model_get_seq (self->filter, 0));
  schedule_slices (self);
}

static void
reset_groups (LdFoldModel *self)
{
  g_array_set_size (self->groups, 0);
  self->groups_head = 0;
  self->rec_shift = 0;
  self->item_shift = 0;
  self->n_items = 0;
  self->n_records = 0;
  self->filter_n = 0;
  g_clear_handle_id (&self->slice_id, g_source_remove);
}

/* GListModel. */

static GType
ld_fold_model_get_item_type (GListModel *model)
{
  return LD_TYPE_ROW;
}

static guint
ld_fold_model_get_n_items (GListModel *model)
{
  LdFoldModel *self = LD_FOLD_MODEL (model);

  if (!self->enabled)
    return g_list_model_get_n_items (G_LIST_MODEL (self->filter));

  return self->n_items;
}

static gpointer
ld_fold_model_get_item (GListModel *model,
                        guint       position)
{
  LdFoldModel *self = LD_FOLD_MODEL (model);

  if (self->enabled && position >= self->n_items)
    return NULL;

  return g_list_model_get_item (G_LIST_MODEL (self->filter),
                                ld_fold_model_get_filter_position (self, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = ld_fold_model_get_item_type;
  iface->get_n_items = ld_fold_model_get_n_items;
  iface->get_item = ld_fold_model_get_item;
}

/* GObject. */

static void
ld_fold_model_dispose (GObject *object)
{
  LdFoldModel *self = LD_FOLD_MODEL (object);

  g_clear_handle_id (&self->slice_id, g_source_remove);
  if (self->filter != NULL)
    g_signal_handlers_disconnect_by_data (self->filter, self);
  g_clear_object (&self->filter);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (ld_fold_model_parent_class)->dispose (object);
}

static void
ld_fold_model_finalize (GObject *object)
{
  LdFoldModel *self = LD_FOLD_MODEL (object);

  g_array_unref (self->groups);
  g_array_unref (self->keys);
  g_hash_table_unref (self->expanded);
  g_string_free (self->scratch, TRUE);

  G_OBJECT_CLASS (ld_fold_model_parent_class)->finalize (object);
}

static void
ld_fold_model_class_init (LdFoldModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ld_fold_model_dispose;
  object_class->finalize = ld_fold_model_finalize;
}

static void
ld_fold_model_init (LdFoldModel *self)
{
  self->groups = g_array_new (FALSE, FALSE, sizeof (Group));
  self->keys = g_array_new (FALSE, TRUE, sizeof (guint64));
  self->expanded = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->scratch = g_string_new (NULL);
}

/**
 * ld_fold_model_new:
 * @filter: the filter model whose shown records are folded
 *
 * Returns: (transfer full): a fold model, with folding off
 */
LdFoldModel *
ld_fold_model_new (LdFilterModel *filter)
{
  LdFoldModel *self;

  g_return_val_if_fail (LD_IS_FILTER_MODEL (filter), NULL);

  self = g_object_new (LD_TYPE_FOLD_MODEL, NULL);
  self->filter = g_object_ref (filter);
  self->store = g_object_ref (ld_filter_model_get_store (filter));
  g_signal_connect_object (filter, "items-changed", G_CALLBACK (on_filter_items_changed), self,
                           G_CONNECT_SWAPPED);

  return self;
}

LdFilterModel *
ld_fold_model_get_filter (LdFoldModel *self)
{
  g_return_val_if_fail (LD_IS_FOLD_MODEL (self), NULL);

  return self->filter;
}

gboolean
ld_fold_model_get_enabled (LdFoldModel *self)
{
  g_return_val_if_fail (LD_IS_FOLD_MODEL (self), FALSE);

  return self->enabled;
}

/**
 * ld_fold_model_set_enabled:
 * @self: a fold model
 * @enabled: whether runs of repeated records fold into one item
 *
 * Turning folding on groups every shown record once; afterwards each change
 * of the filter model costs only the records it adds. Turning it off forgets
 * the runs and which were expanded.
 */
void
ld_fold_model_set_enabled (LdFoldModel *self,
                           gboolean     enabled)
{
  guint old_n;

  g_return_if_fail (LD_IS_FOLD_MODEL (self));

  enabled = !!enabled;
  if (self->enabled == enabled)
    return;

  old_n = g_list_model_get_n_items (G_LIST_MODEL (self));
  self->enabled = enabled;
  reset_groups (self);
  g_hash_table_remove_all (self->expanded);
  if (enabled)
    {
      guint limit = self->slice_limit != 0 ? self->slice_limit : SLICE_RECORDS;

      /* The first slice now, in the same change as the old items go. */
      self->filter_n = g_list_model_get_n_items (G_LIST_MODEL (self->filter));
      self->n_records = MIN (limit, self->filter_n);
      group_records (self, 0, self->n_records);
      schedule_slices (self);
    }
  else
    {
      g_array_set_size (self->keys, 0);
      self->keys_head = 0;
      self->keys_base = 0;
    }

  g_list_model_items_changed (G_LIST_MODEL (self), 0, old_n,
                              g_list_model_get_n_items (G_LIST_MODEL (self)));
}

/**
 * ld_fold_model_get_pending:
 * @self: a fold model
 *
 * Returns: how many shown records are still to be grouped
 */
guint
ld_fold_model_get_pending (LdFoldModel *self)
{
  g_return_val_if_fail (LD_IS_FOLD_MODEL (self), 0);

  return self->enabled ? self->filter_n - self->n_records : 0;
}

/**
 * ld_fold_model_flush:
 * @self: a fold model
 *
 * Groups every shown record now, for a caller that needs a record's item.
 */
void
ld_fold_model_flush (LdFoldModel *self)
{
  g_return_if_fail (LD_IS_FOLD_MODEL (self));

  while (self->enabled && self->n_records < self->filter_n)
    group_slice (self);
  g_clear_handle_id (&self->slice_id, g_source_remove);
}

/**
 * ld_fold_model_set_slice_limit:
 * @self: a fold model
 * @max_records: records grouped at a time, or 0 for the default
 *
 * For tests: small slices leave records to group while others arrive.
 */
void
ld_fold_model_set_slice_limit (LdFoldModel *self,
                               guint        max_records)
{
  g_return_if_fail (LD_IS_FOLD_MODEL (self));

  self->slice_limit = max_records;
}

guint
ld_fold_model_get_n_groups (LdFoldModel *self)
{
  g_return_val_if_fail (LD_IS_FOLD_MODEL (self), 0);

  return self->enabled ? n_groups (self) : 0;
}

static void
fill_group (LdFoldModel *self,
            const Group *group,
            guint        offset,
            LdFoldGroup *out)
{
  guint first = group->first - self->rec_shift;

  out->n_records = group->length;
  out->first_seq = group->first_seq;
  out->last_seq = ld_filter_model_get_seq (self->filter, first + group->length - 1);
  out->offset = offset;
  out->expanded = group->expanded;
}

/**
 * ld_fold_model_get_group:
 * @self: a fold model
 * @position: an item position
 * @group: (out): the run the item belongs to
 *
 * Returns: %TRUE if folding is on and @position is an item
 */
gboolean
ld_fold_model_get_group (LdFoldModel *self,
                         guint        position,
                         LdFoldGroup *group)
{
  const Group *found;

  g_return_val_if_fail (LD_IS_FOLD_MODEL (self), FALSE);

  if (!self->enabled || position >= self->n_items)
    return FALSE;

  found = group_at (self, group_of_item (self, position));
  fill_group (self, found, position + self->item_shift - found->item, group);

  return TRUE;
}

/**
 * ld_fold_model_get_group_by_seq:
 * @self: a fold model
 * @seq: a shown record's sequence number
 * @group: (out): the run the record belongs to
 *
 * What a cell asks to draw its record's badge.
 *
 * Returns: %TRUE if folding is on and the record is shown
 */
gboolean
ld_fold_model_get_group_by_seq (LdFoldModel *self,
                                guint64      seq,
                                LdFoldGroup *group)
{
  const Group *found;
  int position;

  g_return_val_if_fail (LD_IS_FOLD_MODEL (self), FALSE);

  if (!self->enabled || n_groups (self) == 0)
    return FALSE;
  position = ld_filter_model_find_seq (self->filter, seq);
  if (position < 0 || (guint) position >= self->n_records)
    return FALSE;

  found = group_at (self, group_of_record (self, position));
  fill_group (self, found, position + self->rec_shift - found->first, group);

  return TRUE;
}

gboolean
ld_fold_model_get_expanded (LdFoldModel *self,
                            guint        position)
{
  LdFoldGroup group;

  return ld_fold_model_get_group (self, position, &group) && group.expanded;
}

/**
 * ld_fold_model_set_expanded:
 * @self: a fold model
 * @position: an item of the run
 * @expanded: whether each record of the run is an item
 *
 * Expanding a run puts its records after its first; collapsing leaves the
 * first alone. The items after the run move; no other run changes.
 */
void
ld_fold_model_set_expanded (LdFoldModel *self,
                            guint        position,
                            gboolean     expanded)
{
  guint index, head, delta;
  Group *group;

  g_return_if_fail (LD_IS_FOLD_MODEL (self));

  if (!self->enabled || position >= self->n_items)
    return;

  index = group_of_item (self, position);
  group = group_at (self, index);
  if (group->expanded == !!expanded || group->length < 2)
    return;

  group->expanded = !!expanded;
  head = group->item - self->item_shift;
  delta = group->length - 1;
  if (expanded)
    g_hash_table_add (self->expanded, g_memdup2 (&group->first_seq, sizeof (guint64)));
  else
    g_hash_table_remove (self->expanded, &group->first_seq);

  for (guint i = index + 1; i < n_groups (self); i++)
    group_at (self, i)->item = expanded ? group_at (self, i)->item + delta
                                        : group_at (self, i)->item - delta;
  self->n_items = expanded ? self->n_items + delta : self->n_items - delta;

  /* The first row's expander changes too. */
  g_list_model_items_changed (G_LIST_MODEL (self), head, expanded ? 1 : 1 + delta,
                              expanded ? 1 + delta : 1);
}

/**
 * ld_fold_model_get_filter_position:
 * @self: a fold model
 * @position: an item position
 *
 * Returns: the filter model's position of the item's record
 */
guint
ld_fold_model_get_filter_position (LdFoldModel *self,
                                   guint        position)
{
  const Group *group;

  g_return_val_if_fail (LD_IS_FOLD_MODEL (self), position);

  if (!self->enabled || n_groups (self) == 0)
    return position;

  group = group_at (self, group_of_item (self, position));
  if (!group->expanded)
    return group->first - self->rec_shift;

  return group->first - self->rec_shift + (position + self->item_shift - group->item);
}

/**
 * ld_fold_model_get_position:
 * @self: a fold model
 * @filter_position: a position in the filter model
 *
 * Groups any record still to be grouped first.
 *
 * Returns: the item showing that record: its own, or its folded run's
 */
guint
ld_fold_model_get_position (LdFoldModel *self,
                            guint        filter_position)
{
  const Group *group;

  g_return_val_if_fail (LD_IS_FOLD_MODEL (self), filter_position);

  if (!self->enabled)
    return filter_position;
  ld_fold_model_flush (self);
  if (n_groups (self) == 0)
    return filter_position;

  group = group_at (self, group_of_record (self, filter_position));
  if (!group->expanded)
    return group->item - self->item_shift;

  return group->item - self->item_shift + (filter_position + self->rec_shift - group->first);
}
