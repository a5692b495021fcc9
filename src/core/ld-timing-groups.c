// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <string.h>

#include "ld-bytes.h"
#include "ld-timing-private.h"

/* The durations by value of the grouping field, for the timing panel's
 * "By Field" list: the LD_TIMING_MAX_GROUPS values with the most stored
 * durations, and "other" for the rest.
 *
 * Every value is counted exactly, in a table of at most
 * LD_TIMING_MAX_VALUES values found by hash (or, for a value that comes
 * interned, such as a logger, by its id); a value's slot is freed when its
 * last duration leaves the store, so the table holds the values of the
 * stored records only. Only the top values have a histogram. Which they are
 * is decided when the list is read (a few times a second at most, and only
 * while the panel shows), not per record, so values that trade places
 * near the 50th cost nothing as records arrive. A value that enters the
 * top gets its histogram from the ledger of stored durations in one pass,
 * so its percentiles are those of all its stored durations, as if it had
 * had a histogram all along. "Other" is the histogram of every duration
 * less those of the top values.
 *
 * With more than LD_TIMING_MAX_VALUES values stored at once (an id per
 * request), a new value is counted in "other" only, and its records stay
 * there until they leave the store even if the value gets a slot later.
 * So the list is exact while at most LD_TIMING_MAX_VALUES values are
 * stored at once; beyond, a value's count can fall short by the records it
 * had while the table was full, which "other" holds. */

/* Twice the values at most: probes stay short. A power of two. */
#define INDEX_SIZE (2 * LD_TIMING_MAX_VALUES)
/* Ids past this are looked up by name: the table by id stays small. */
#define MAX_CACHED_ID (1u << 20)

typedef struct
{
  char    *name;       /* NULL while the slot is free */
  guint32  length;
  guint32  hash;
  guint32  intern_id;  /* LD_INTERN_NONE unless the value came interned */
  guint32  count;
  guint8   histogram;  /* 1 + its index in histograms, 0 for none */
  guint8   in_top : 1;
  guint8   filling : 1;
} Slot;

struct _LdTimingGroups
{
  GArray  *slots;                 /* of Slot */
  GArray  *free_slots;            /* of guint16 */
  GArray  *by_id;                 /* of guint16: slot + 1 by interned id */
  guint16  index[INDEX_SIZE];     /* slot + 1, by hash, linear probing */
  guint    n_values;
  guint32 *histograms[LD_TIMING_MAX_GROUPS];
  guint16  histogram_owner[LD_TIMING_MAX_GROUPS];   /* a slot, or LD_TIMING_NO_SLOT */
  guint32  all[LD_TIMING_N_BINS];                   /* every duration */
  guint64  n_all;
};

LdTimingGroups *
_ld_timing_groups_new (void)
{
  LdTimingGroups *groups = g_new0 (LdTimingGroups, 1);

  groups->slots = g_array_new (FALSE, FALSE, sizeof (Slot));
  groups->free_slots = g_array_new (FALSE, FALSE, sizeof (guint16));
  groups->by_id = g_array_new (FALSE, TRUE, sizeof (guint16));
  for (guint i = 0; i < LD_TIMING_MAX_GROUPS; i++)
    groups->histogram_owner[i] = LD_TIMING_NO_SLOT;
  return groups;
}

void
_ld_timing_groups_reset (LdTimingGroups *groups)
{
  for (guint i = 0; i < groups->slots->len; i++)
    g_free (g_array_index (groups->slots, Slot, i).name);
  g_array_set_size (groups->slots, 0);
  g_array_set_size (groups->free_slots, 0);
  g_array_set_size (groups->by_id, 0);
  memset (groups->index, 0, sizeof groups->index);
  groups->n_values = 0;
  /* Freed rather than kept for later: a cleared store holds nothing. */
  for (guint i = 0; i < LD_TIMING_MAX_GROUPS; i++)
    {
      g_clear_pointer (&groups->histograms[i], g_free);
      groups->histogram_owner[i] = LD_TIMING_NO_SLOT;
    }
  memset (groups->all, 0, sizeof groups->all);
  groups->n_all = 0;
}

void
_ld_timing_groups_free (LdTimingGroups *groups)
{
  if (groups == NULL)
    return;

  _ld_timing_groups_reset (groups);
  g_array_unref (groups->slots);
  g_array_unref (groups->free_slots);
  g_array_unref (groups->by_id);
  g_free (groups);
}

static inline Slot *
slot_at (LdTimingGroups *groups,
         guint           slot)
{
  return &g_array_index (groups->slots, Slot, slot);
}

/* Where @hash's chain holds @value, or the empty place that ends it. */
static guint
find_place (LdTimingGroups *groups,
            guint32         hash,
            const char     *value,
            gsize           length)
{
  guint place = hash & (INDEX_SIZE - 1);

  while (groups->index[place] != 0)
    {
      const Slot *slot = slot_at (groups, groups->index[place] - 1);

      if (slot->hash == hash && slot->length == length && ld_bytes_equal (slot->name, value, length))
        break;
      place = (place + 1) & (INDEX_SIZE - 1);
    }
  return place;
}

/* Takes @slot's place out of the index, moving up the entries after it
 * that would no longer be found (deletion in linear probing, without
 * tombstones: a table that turns over its values never clogs). */
static void
unindex (LdTimingGroups *groups,
         guint           slot)
{
  guint hole = slot_at (groups, slot)->hash & (INDEX_SIZE - 1);
  guint next;

  while (groups->index[hole] != slot + 1)
    hole = (hole + 1) & (INDEX_SIZE - 1);

  next = hole;
  for (;;)
    {
      guint home;

      groups->index[hole] = 0;
      do
        {
          next = (next + 1) & (INDEX_SIZE - 1);
          if (groups->index[next] == 0)
            return;
          home = slot_at (groups, groups->index[next] - 1)->hash & (INDEX_SIZE - 1);
        }
      /* An entry stays when its home lies cyclically in (hole, next]. */
      while (hole <= next ? (hole < home && home <= next) : (hole < home || home <= next));
      groups->index[hole] = groups->index[next];
      hole = next;
    }
}

static void
cache_id (LdTimingGroups *groups,
          guint32         intern_id,
          guint16         value)
{
  if (intern_id == LD_INTERN_NONE || intern_id >= MAX_CACHED_ID)
    return;
  if (intern_id >= groups->by_id->len)
    g_array_set_size (groups->by_id, MAX (intern_id + 1, groups->by_id->len * 2));
  g_array_index (groups->by_id, guint16, intern_id) = value;
}

static guint16
new_slot (LdTimingGroups *groups,
          guint           place,
          guint32         hash,
          guint32         intern_id,
          const char     *value,
          gsize           length)
{
  guint16 index;
  Slot *slot;

  if (groups->free_slots->len > 0)
    {
      index = g_array_index (groups->free_slots, guint16, groups->free_slots->len - 1);
      g_array_set_size (groups->free_slots, groups->free_slots->len - 1);
    }
  else if (groups->slots->len < LD_TIMING_MAX_VALUES)
    {
      index = groups->slots->len;
      g_array_set_size (groups->slots, index + 1);
    }
  else
    return LD_TIMING_NO_SLOT;

  slot = slot_at (groups, index);
  *slot = (Slot) { g_strndup (value, length), length, hash, intern_id, 0, 0, 0, 0 };
  groups->index[place] = index + 1;
  groups->n_values++;
  cache_id (groups, intern_id, index + 1);
  return index;
}

static guint16
find_slot (LdTimingGroups *groups,
           guint32         intern_id,
           const char     *value,
           gsize           length)
{
  guint32 hash;
  guint place;

  if (intern_id != LD_INTERN_NONE && intern_id < groups->by_id->len
      && g_array_index (groups->by_id, guint16, intern_id) != 0)
    return g_array_index (groups->by_id, guint16, intern_id) - 1;

  hash = ld_bytes_hash (value, length);
  place = find_place (groups, hash, value, length);
  if (groups->index[place] != 0)
    {
      guint16 index = groups->index[place] - 1;

      cache_id (groups, intern_id, index + 1);
      return index;
    }
  return new_slot (groups, place, hash, intern_id, value, length);
}

static void
release_histogram (LdTimingGroups *groups,
                   Slot           *slot)
{
  if (slot->histogram == 0)
    return;
  groups->histogram_owner[slot->histogram - 1] = LD_TIMING_NO_SLOT;
  slot->histogram = 0;
}

static void
free_slot (LdTimingGroups *groups,
           guint16         index)
{
  Slot *slot = slot_at (groups, index);

  unindex (groups, index);
  if (slot->intern_id != LD_INTERN_NONE && slot->intern_id < groups->by_id->len)
    g_array_index (groups->by_id, guint16, slot->intern_id) = 0;
  release_histogram (groups, slot);
  g_clear_pointer (&slot->name, g_free);
  g_array_append_val (groups->free_slots, index);
  groups->n_values--;
}

/**
 * _ld_timing_groups_add:
 * @intern_id: the value's interned id, or %LD_INTERN_NONE when it came as
 *   text only
 * @value: its text, at most 200 bytes
 * @bin: the duration's bin
 *
 * Returns: the value's slot, for _ld_timing_groups_remove(), or
 *   %LD_TIMING_NO_SLOT when it is counted in "other" only
 */
guint16
_ld_timing_groups_add (LdTimingGroups *groups,
                       guint32         intern_id,
                       const char     *value,
                       gsize           length,
                       guint           bin)
{
  guint16 index = find_slot (groups, intern_id, value, length);
  Slot *slot;

  groups->all[bin]++;
  groups->n_all++;
  if (index == LD_TIMING_NO_SLOT)
    return index;

  slot = slot_at (groups, index);
  slot->count++;
  if (slot->histogram != 0)
    groups->histograms[slot->histogram - 1][bin]++;
  return index;
}

void
_ld_timing_groups_remove (LdTimingGroups *groups,
                          guint16         index,
                          guint           bin)
{
  Slot *slot;

  g_assert (groups->all[bin] > 0);
  groups->all[bin]--;
  groups->n_all--;
  if (index == LD_TIMING_NO_SLOT)
    return;

  slot = slot_at (groups, index);
  g_assert (slot->count > 0);
  if (slot->histogram != 0)
    groups->histograms[slot->histogram - 1][bin]--;
  if (--slot->count == 0)
    free_slot (groups, index);
}

/* Reading */

static int
compare_slots (gconstpointer a,
               gconstpointer b,
               gpointer      data)
{
  GArray *slots = data;
  const Slot *x = &g_array_index (slots, Slot, *(const guint16 *) a);
  const Slot *y = &g_array_index (slots, Slot, *(const guint16 *) b);

  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  return strcmp (x->name, y->name);
}

/* The slots of the LD_TIMING_MAX_GROUPS values with the most durations,
 * most first, ties by name, so that the list is the same whatever order
 * the values came in. */
static GArray *
top_slots (LdTimingGroups *groups)
{
  GArray *order = g_array_new (FALSE, FALSE, sizeof (guint16));

  for (guint i = 0; i < groups->slots->len; i++)
    if (slot_at (groups, i)->name != NULL)
      {
        guint16 index = i;

        g_array_append_val (order, index);
      }

  g_array_sort_with_data (order, compare_slots, groups->slots);

  if (order->len > LD_TIMING_MAX_GROUPS)
    g_array_set_size (order, LD_TIMING_MAX_GROUPS);
  return order;
}

static guint
take_histogram (LdTimingGroups *groups,
                guint16         owner)
{
  for (guint i = 0; i < LD_TIMING_MAX_GROUPS; i++)
    if (groups->histogram_owner[i] == LD_TIMING_NO_SLOT)
      {
        if (groups->histograms[i] == NULL)
          groups->histograms[i] = g_new0 (guint32, LD_TIMING_N_BINS);
        else
          memset (groups->histograms[i], 0, LD_TIMING_N_BINS * sizeof (guint32));
        groups->histogram_owner[i] = owner;
        return i + 1;
      }
  g_assert_not_reached ();
}

/* Gives the top values a histogram and takes it from those that left the
 * top, filling the new ones from the ledger in one pass. */
static void
promote (LdTimingGroups       *groups,
         GArray               *top,
         const LdTimingLedger *ledger)
{
  gboolean filling = FALSE;

  for (guint i = 0; i < groups->slots->len; i++)
    slot_at (groups, i)->in_top = FALSE;
  for (guint i = 0; i < top->len; i++)
    slot_at (groups, g_array_index (top, guint16, i))->in_top = TRUE;
  for (guint i = 0; i < groups->slots->len; i++)
    if (!slot_at (groups, i)->in_top)
      release_histogram (groups, slot_at (groups, i));

  for (guint i = 0; i < top->len; i++)
    {
      guint16 index = g_array_index (top, guint16, i);
      Slot *slot = slot_at (groups, index);

      if (slot->histogram != 0)
        continue;
      slot->histogram = take_histogram (groups, index);
      slot->filling = TRUE;
      filling = TRUE;
    }
  if (!filling)
    return;

  for (guint i = 0, n; i < ledger->len; i += n)
    {
      const LdTimingEntry *entries = _ld_timing_ledger_span (ledger, i, &n);

      for (guint j = 0; j < n; j++)
        {
          guint16 index = entries[j].slot;
          Slot *slot;

          if (index == LD_TIMING_NO_SLOT)
            continue;
          slot = slot_at (groups, index);
          if (slot->filling)
            groups->histograms[slot->histogram - 1][entries[j].bin]++;
        }
    }
  for (guint i = 0; i < top->len; i++)
    slot_at (groups, g_array_index (top, guint16, i))->filling = FALSE;
}

static void
clear_group (gpointer data)
{
  g_free (((LdTimingGroup *) data)->name);
}

/**
 * _ld_timing_groups_dup:
 * @ledger: every duration counted
 *
 * Returns: (transfer full) (element-type LdTimingGroup): the top values,
 *   most durations first, then "other" when any is left
 */
GArray *
_ld_timing_groups_dup (LdTimingGroups       *groups,
                       const LdTimingLedger *ledger)
{
  g_autoptr(GArray) top = top_slots (groups);
  GArray *result = g_array_new (FALSE, FALSE, sizeof (LdTimingGroup));
  g_autofree guint32 *other = g_memdup2 (groups->all, sizeof groups->all);
  guint64 n_other = groups->n_all;

  g_array_set_clear_func (result, clear_group);
  promote (groups, top, ledger);
  for (guint i = 0; i < top->len; i++)
    {
      const Slot *slot = slot_at (groups, g_array_index (top, guint16, i));
      const guint32 *bins = groups->histograms[slot->histogram - 1];
      LdTimingGroup group = {
        g_strdup (slot->name), slot->count,
        ld_timing_percentile (bins, slot->count, 0.50),
        ld_timing_percentile (bins, slot->count, 0.95),
        ld_timing_percentile (bins, slot->count, 0.99),
      };

      for (guint b = 0; b < LD_TIMING_N_BINS; b++)
        other[b] -= bins[b];
      n_other -= slot->count;
      g_array_append_val (result, group);
    }

  if (n_other > 0)
    {
      LdTimingGroup group = {
        NULL, n_other,
        ld_timing_percentile (other, n_other, 0.50),
        ld_timing_percentile (other, n_other, 0.95),
        ld_timing_percentile (other, n_other, 0.99),
      };

      g_array_append_val (result, group);
    }
  return result;
}

/**
 * _ld_timing_groups_get_n_values:
 *
 * Returns: how many values are counted one by one
 */
guint
_ld_timing_groups_get_n_values (LdTimingGroups *groups)
{
  return groups->n_values;
}

gsize
_ld_timing_groups_get_memory_size (LdTimingGroups *groups)
{
  /* What grows with the values: an empty table counts as nothing. */
  gsize size = groups->slots->len * sizeof (Slot) + groups->free_slots->len * sizeof (guint16)
               + groups->by_id->len * sizeof (guint16);

  for (guint i = 0; i < groups->slots->len; i++)
    if (slot_at (groups, i)->name != NULL)
      size += slot_at (groups, i)->length + 1;
  for (guint i = 0; i < LD_TIMING_MAX_GROUPS; i++)
    if (groups->histograms[i] != NULL)
      size += LD_TIMING_N_BINS * sizeof (guint32);
  return size;
}
