// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ld-filter-model-private.h"

/* The store seen through the filter: the query, the hidden levels, the
 * minimum level and the excluded logger subtrees. It is what the table
 * shows, so it also pauses (is frozen): it keeps showing what it had and
 * catches up when thawed.
 *
 * Two compact arrays do the work, both rings because the store only loses
 * its oldest records and gains new ones at the end:
 *
 *  - facets: one 32-bit word per record in the store: the query's verdict
 *    in the top bit and, below it, the record's class: an id for its
 *    (logger, level) pair. Whether a class is shown depends only on the
 *    level and logger inputs, so a level or logger toggle recomputes a few
 *    hundred class verdicts and rebuilds the matches from the facets
 *    without reading a record (a few ms for a million).
 *  - matches: the sequence numbers of the shown records, ascending, as
 *    32-bit offsets from match_base.
 *
 * A record that arrives is tested once, and a batch ends in one
 * ::items-changed. A new query re-tests every record: newest first, in
 * slices of a few milliseconds on the thread-default main context (the
 * first slice at once), so the window never stalls and the newest matches,
 * which are what a following view shows, come first. The "pending"
 * property counts the records still to test, for a progress hint.
 *
 * While frozen, the model keeps showing what it showed: records that arrive
 * are tested but not shown, and evicted records stay listed (their rows
 * then have no record). Thawing removes the evicted ones at the front and
 * adds the new ones at the end. Changing the filter while frozen filters
 * again what the store still holds and arrived before the freeze. */

/* Classes of (logger, level). */

static inline guint
class_hash_slot (const ClassHash *hash,
                 guint64          key)
{
  return (guint) ((key * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15)) >> 32) & (hash->capacity - 1);
}

static void
class_hash_insert (ClassHash *hash,
                   guint64    key,
                   guint32    id)
{
  guint slot = class_hash_slot (hash, key);

  while (hash->ids[slot] != 0)
    slot = (slot + 1) & (hash->capacity - 1);
  hash->keys[slot] = key;
  hash->ids[slot] = id;
}

void
_ld_filter_model_class_hash_grow (ClassHash *hash)
{
  ClassHash old = *hash;

  hash->capacity = MAX (old.capacity * 2, 64);
  hash->keys = g_new (guint64, hash->capacity);
  hash->ids = g_new0 (guint32, hash->capacity);
  for (guint i = 0; i < old.capacity; i++)
    if (old.ids[i] != 0)
      class_hash_insert (hash, old.keys[i], old.ids[i]);

  g_free (old.keys);
  g_free (old.ids);
}

static gboolean
logger_excluded (LdFilterModel *self,
                 guint32        logger)
{
  const char *name = ld_intern_lookup (logger);

  if (name == NULL || self->excluded_loggers == NULL)
    return FALSE;

  for (guint i = 0; self->excluded_loggers[i] != NULL; i++)
    {
      const char *prefix = self->excluded_loggers[i];
      gsize length = strlen (prefix);

      if (strncmp (name, prefix, length) == 0 && (name[length] == '\0' || name[length] == '.'))
        return TRUE;
    }

  return FALSE;
}

int
_ld_filter_model_compare_ints (gconstpointer a,
                               gconstpointer b)
{
  int x = *(const int *) a, y = *(const int *) b;

  return (x > y) - (x < y);
}

gboolean
_ld_filter_model_level_hidden (LdFilterModel *self,
                               int            level)
{
  if (self->hidden_levels->len == 0)
    return FALSE;

  return bsearch (&level, self->hidden_levels->data, self->hidden_levels->len, sizeof (int),
                  _ld_filter_model_compare_ints) != NULL;
}

static gboolean
pair_shown (LdFilterModel *self,
            guint32        logger,
            int            level)
{
  return level >= self->min_level && !_ld_filter_model_level_hidden (self, level)
         && !logger_excluded (self, logger);
}

static guint32
add_class (LdFilterModel *self,
           guint64        key,
           guint32        logger,
           gint32         level)
{
  guint32 id = self->class_loggers->len;
  guint8 shown = pair_shown (self, logger, level);

  if (id >= MAX_CLASSES)
    return CLASS_UNCLASSED;
  if ((id + 1) * 2 > self->class_hash.capacity)
    _ld_filter_model_class_hash_grow (&self->class_hash);

  class_hash_insert (&self->class_hash, key, id);
  g_array_append_val (self->class_loggers, logger);
  g_array_append_val (self->class_levels, level);
  g_byte_array_append (self->class_shown, &shown, 1);

  return id;
}

static inline guint32
class_for (LdFilterModel  *self,
           const LdRecord *record)
{
  guint64 key = ((guint64) record->logger << 32) | (guint32) record->level;
  guint slot = class_hash_slot (&self->class_hash, key);

  while (self->class_hash.ids[slot] != 0)
    {
      if (self->class_hash.keys[slot] == key)
        return self->class_hash.ids[slot];
      slot = (slot + 1) & (self->class_hash.capacity - 1);
    }

  return add_class (self, key, record->logger, record->level);
}

void
_ld_filter_model_refresh_classes (LdFilterModel *self)
{
  for (guint id = 1; id < self->class_loggers->len; id++)
    self->class_shown->data[id] = pair_shown (self,
                                              g_array_index (self->class_loggers, guint32, id),
                                              g_array_index (self->class_levels, gint32, id));
}

/* Facets and matches. */

static inline gboolean
facet_shown (LdFilterModel *self,
             guint32        facet,
             guint64        seq)
{
  guint32 id = facet & CLASS_MASK;
  const LdRecord *record;

  if (!(facet & QUERY_BIT))
    return FALSE;
  if (G_LIKELY (id != CLASS_UNCLASSED))
    return self->class_shown->data[id];

  record = ld_store_get_record_by_seq (self->store, seq);
  return pair_shown (self, record->logger, record->level);
}

static inline gboolean
query_verdict (LdFilterModel  *self,
               const LdRecord *record)
{
  return (self->active_query == NULL || ld_query_matches (self->active_query, record))
         && (self->predicate == NULL || self->predicate (record, self->predicate_data));
}

/* The index of the first match at or after @seq. */
guint
_ld_filter_model_lower_bound_seq (LdFilterModel *self,
                                  guint64        seq)
{
  if (seq <= self->match_base)
    return 0;
  if (seq - self->match_base > G_MAXUINT32)
    return self->matches.len;

  return ld_ring_lower_bound (&self->matches, (guint32) (seq - self->match_base));
}

guint
_ld_filter_model_n_ghosts (LdFilterModel *self)
{
  return _ld_filter_model_lower_bound_seq (self, ld_store_get_first_seq (self->store));
}

/* Forgets the matches that the store has evicted. While frozen, those that
 * arrived after the freeze and left again before the thaw were never shown. */
void
_ld_filter_model_drop_ghosts (LdFilterModel *self)
{
  guint n = _ld_filter_model_n_ghosts (self), shown = MIN (n, self->n_shown);

  if (n == 0)
    return;

  ld_ring_drop_front (&self->matches, n);
  self->n_shown -= shown;
  if (shown > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, shown, 0);
}

/* Moves match_base so that @seq fits in 32 bits beside the oldest match.
 * Live records span less than 2^31 sequence numbers; only evicted records
 * kept on show by a long freeze can stretch further, and they go. */
static G_GNUC_NO_INLINE void
rebase_matches (LdFilterModel *self,
                guint64        seq)
{
  guint64 base = ld_store_get_first_seq (self->store);

  if (self->matches.len == 0)
    {
      self->match_base = base;
      return;
    }
  if (seq - MIN (base, match_seq (self, 0)) > G_MAXUINT32)
    _ld_filter_model_drop_ghosts (self);
  if (self->matches.len > 0)
    base = MIN (base, match_seq (self, 0));

  ld_ring_subtract (&self->matches, (guint32) (base - self->match_base));
  self->match_base = base;
}

static inline void
append_match (LdFilterModel *self,
              guint64        seq)
{
  if (G_UNLIKELY (self->matches.len == 0 || seq - self->match_base > G_MAXUINT32))
    rebase_matches (self, seq);
  ld_ring_push_back (&self->matches, (guint32) (seq - self->match_base));
}

static inline gboolean
shown_now (LdFilterModel *self,
           guint64        seq)
{
  return !self->frozen || seq < self->horizon;
}

/* Notifications. */
/* Tells listeners how the shown list changed from @old, as one change
 * between the common head and the common tail. */
static void
emit_difference (LdFilterModel *self,
                 const LdRing  *old,
                 guint64        old_base,
                 guint          old_n)
{
  guint new_n = self->n_shown, common = MIN (old_n, new_n);
  guint prefix = 0, suffix = 0;

  while (prefix < common && old_base + ld_ring_get (old, prefix) == match_seq (self, prefix))
    prefix++;
  while (suffix < common - prefix
         && old_base + ld_ring_get (old, old_n - 1 - suffix)
            == match_seq (self, new_n - 1 - suffix))
    suffix++;

  if (old_n - prefix - suffix > 0 || new_n - prefix - suffix > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), prefix, old_n - prefix - suffix,
                                new_n - prefix - suffix);
}

/* Swaps in an empty match list; returns the old one's base and length. */
static void
begin_new_matches (LdFilterModel *self,
                   LdRing        *old,
                   guint64       *old_base,
                   guint         *old_n)
{
  *old = self->matches;
  *old_base = self->match_base;
  *old_n = self->n_shown;

  self->matches = self->spare;
  ld_ring_reset (&self->matches);
  self->spare = (LdRing) LD_RING_INIT;
  self->match_base = ld_store_get_first_seq (self->store);
  self->n_shown = 0;
}

static void
end_new_matches (LdFilterModel *self,
                 LdRing        *old,
                 guint64        old_base,
                 guint          old_n)
{
  emit_difference (self, old, old_base, old_n);
  self->spare = *old;
}

static G_GNUC_NO_INLINE gboolean
unclassed_shown (LdFilterModel *self,
                 guint32        facet,
                 guint64        seq)
{
  return (facet & QUERY_BIT) && (facet & CLASS_MASK) == CLASS_UNCLASSED
         && facet_shown (self, facet, seq);
}

/* Writes the offsets from match_base of the shown records in [first, end)
 * to @out, which has room for all of them. The loop is branch-free on the
 * verdicts, which for a level toggle are as good as random. */
static guint
collect_shown (LdFilterModel *self,
               guint64        first,
               guint64        end,
               guint32       *out)
{
  const guint8 *shown = self->class_shown->data;
  guint32 offset = (guint32) (first - self->match_base);
  guint index = (guint) (first - self->facets_first_seq), stop = (guint) (end - first) + index;
  guint n = 0;

  while (index < stop)
    {
      guint span;
      const guint32 *facets = ld_ring_span (&self->facets, index, &span);

      span = MIN (span, stop - index);
      for (guint j = 0; j < span; j++, offset++)
        {
          guint32 facet = facets[j];

          out[n] = offset;
          n += (facet >> 31) & shown[facet & CLASS_MASK];
          if (G_UNLIKELY ((facet & CLASS_MASK) == CLASS_UNCLASSED))
            n += unclassed_shown (self, facet, self->match_base + offset);
        }
      index += span;
    }

  return n;
}

/* Rebuilds the matches from the facets of every record the current query
 * has tested: what a level or logger toggle needs. */
void
_ld_filter_model_rebuild_matches (LdFilterModel *self)
{
  LdRing old;
  guint64 old_base, first, end;
  guint old_n, n;
  guint32 *out;

  self->generation++;
  begin_new_matches (self, &old, &old_base, &old_n);

  first = MAX (self->scan_next, self->facets_first_seq);
  end = self->facets_first_seq + self->facets.len;
  out = ld_ring_begin_fill (&self->matches, (guint) (end - first));
  n = collect_shown (self, first, end, out);
  ld_ring_end_fill (&self->matches, n);
  self->n_shown = self->frozen ? _ld_filter_model_lower_bound_seq (self, self->horizon) : n;

  end_new_matches (self, &old, old_base, old_n);
  _ld_filter_model_notify_counts (self);
}

/* Tests one record again, whose verdict changed without the query changing
 * (is:marked when a mark is set or taken off): its facet, then the matches
 * rebuilt from the facets, which is a pass over flags rather than the
 * query over every record. A record the scan has not reached yet is tested
 * when it is. */
void
_ld_filter_model_retest (LdFilterModel *self,
                         guint64        seq)
{
  guint64 first = MAX (ld_store_get_first_seq (self->store), self->facets_first_seq);
  const LdRecord *record;
  guint index;
  guint32 old, facet;

  if (seq < MAX (first, self->scan_next) || seq >= self->facets_first_seq + self->facets.len)
    return;

  record = ld_store_get_record_by_seq (self->store, seq);
  index = (guint) (seq - self->facets_first_seq);
  old = ld_ring_get (&self->facets, index);
  facet = (old & CLASS_MASK) | (query_verdict (self, record) ? QUERY_BIT : 0);
  if (facet == old)
    return;
  ld_ring_set (&self->facets, index, facet);
  _ld_filter_model_rebuild_matches (self);
}

/* The query scan. */

void
_ld_filter_model_stop_scan (LdFilterModel *self)
{
  if (self->scan_source != NULL)
    {
      g_source_destroy (self->scan_source);
      g_clear_pointer (&self->scan_source, g_source_unref);
    }
  self->scan_next = MIN (self->scan_next, ld_store_get_first_seq (self->store));
}

/* Tests records from scan_next downwards, until @deadline (0: none) or
 * @limit records (0: none). Returns how many matches it made shown. */
guint
_ld_filter_model_scan_slice (LdFilterModel *self,
                             gint64         deadline,
                             guint          limit)
{
  guint64 first = ld_store_get_first_seq (self->store);
  guint shown = 0, scanned = 0;

  while (self->scan_next > first)
    {
      guint step = (guint) MIN (self->scan_next - first, TIME_CHECK_STEP);

      if (limit != 0)
        step = MIN (step, limit - scanned);

      for (guint i = 0; i < step; i++)
        {
          guint64 seq = --self->scan_next;
          guint index = (guint) (seq - self->facets_first_seq);
          const LdRecord *record = ld_store_get_record (self->store, (guint) (seq - first));
          guint32 facet = (ld_ring_get (&self->facets, index) & CLASS_MASK)
                          | (query_verdict (self, record) ? QUERY_BIT : 0);

          ld_ring_set (&self->facets, index, facet);
          if (!facet_shown (self, facet, seq))
            continue;
          ld_ring_push_front (&self->matches, (guint32) (seq - self->match_base));
          shown += shown_now (self, seq);
        }

      scanned += step;
      if ((deadline != 0 && g_get_monotonic_time () >= deadline)
          || (limit != 0 && scanned >= limit))
        break;
    }

  self->n_shown += shown;
  return shown;
}

static gboolean
scan_on_idle (gpointer data)
{
  LdFilterModel *self = data;
  guint shown = _ld_filter_model_scan_slice (self, g_get_monotonic_time () + SLICE_US,
                                             self->slice_limit);

  if (shown > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, shown);

  if (pending_count (self) == 0)
    {
      g_clear_pointer (&self->scan_source, g_source_unref);
      _ld_filter_model_notify_counts (self);
      return G_SOURCE_REMOVE;
    }

  _ld_filter_model_notify_counts (self);
  return G_SOURCE_CONTINUE;
}

static void
schedule_scan (LdFilterModel *self)
{
  if (self->scan_source != NULL || pending_count (self) == 0)
    return;

  self->scan_source = g_idle_source_new ();
  g_source_set_priority (self->scan_source, G_PRIORITY_DEFAULT_IDLE);
  g_source_set_callback (self->scan_source, scan_on_idle, self, NULL);
  g_source_set_static_name (self->scan_source, "[logdeck] filter scan");
  g_source_attach (self->scan_source, g_main_context_get_thread_default ());
}

static void
set_all_query_bits (LdFilterModel *self)
{
  for (guint i = 0; i < self->facets.len; i++)
    ld_ring_set (&self->facets, i, ld_ring_get (&self->facets, i) | QUERY_BIT);
}

/* Tests every record again, as a new query needs. */
void
_ld_filter_model_rescan (LdFilterModel *self)
{
  LdRing old;
  guint64 old_base;
  guint old_n;

  self->generation++;
  _ld_filter_model_stop_scan (self);
  if (self->active_query == NULL && self->predicate == NULL)
    {
      set_all_query_bits (self);
      _ld_filter_model_rebuild_matches (self);
      return;
    }

  begin_new_matches (self, &old, &old_base, &old_n);
  self->scan_next = self->facets_first_seq + self->facets.len;
  if (self->incremental)
    _ld_filter_model_scan_slice (self, g_get_monotonic_time () + SLICE_US, self->slice_limit);
  else
    _ld_filter_model_scan_slice (self, 0, 0);
  end_new_matches (self, &old, old_base, old_n);

  schedule_scan (self);
  _ld_filter_model_notify_counts (self);
}

/* Following the store. */

static void
forget_evicted (LdFilterModel *self)
{
  guint64 first = ld_store_get_first_seq (self->store);
  guint n;

  if (first > self->facets_first_seq)
    {
      n = (guint) MIN (first - self->facets_first_seq, (guint64) self->facets.len);
      ld_ring_drop_front (&self->facets, n);
      self->facets_first_seq = first;
    }
  if (pending_count (self) == 0)
    _ld_filter_model_stop_scan (self);
  if (!self->frozen)
    _ld_filter_model_drop_ghosts (self);
}

void
_ld_filter_model_add_records (LdFilterModel *self,
                              guint          position,
                              guint          n)
{
  guint64 seq = ld_store_get_first_seq (self->store) + position;
  guint old_n = self->n_shown;

  g_assert (seq == self->facets_first_seq + self->facets.len);

  for (guint i = 0; i < n; i++, seq++)
    {
      const LdRecord *record = ld_store_get_record (self->store, position + i);
      guint32 facet = class_for (self, record) | (query_verdict (self, record) ? QUERY_BIT : 0);

      ld_ring_push_back (&self->facets, facet);
      if (facet_shown (self, facet, seq))
        append_match (self, seq);
    }

  if (!self->frozen && self->matches.len > old_n)
    {
      self->n_shown = self->matches.len;
      g_list_model_items_changed (G_LIST_MODEL (self), old_n, 0, self->n_shown - old_n);
    }
}

void
_ld_filter_model_on_store_items_changed (LdFilterModel *self,
                                         guint          position,
                                         guint          removed,
                                         guint          added,
                                         GListModel    *store)
{
  /* The store only evicts at the front, appends at the end, or clears. */
  g_warn_if_fail (removed == 0 || position == 0);

  forget_evicted (self);
  if (added > 0)
    _ld_filter_model_add_records (self, position, added);
  _ld_filter_model_notify_counts (self);
}

