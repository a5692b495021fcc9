// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ld-filter-model.h"
#include "ld-ring.h"
#include "ld-row.h"

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

#define QUERY_BIT       0x80000000u
#define CLASS_MASK      0x7fffffffu
#define CLASS_UNCLASSED 0u          /* too many classes: test the record itself */
#define MAX_CLASSES     (1u << 20)
#define SLICE_US        5000
#define TIME_CHECK_STEP 256

typedef struct
{
  guint64 *keys;
  guint32 *ids;       /* 0 marks an empty slot */
  guint    capacity;  /* a power of two */
} ClassHash;

struct _LdFilterModel
{
  GObject    parent_instance;

  LdStore   *store;
  gulong     items_changed_id;
  guint      generation;      /* counts the times what is shown was decided anew */

  LdQuery   *query;           /* as set */
  LdQuery   *active_query;    /* NULL when it matches everything */
  LdRecordPredicate predicate;   /* ANDed with the query, or NULL */
  gpointer   predicate_data;
  GDestroyNotify predicate_destroy;
  GArray    *hidden_levels;   /* int, ascending */
  int        min_level;
  GStrv      excluded_loggers;
  gboolean   incremental;
  guint      slice_limit;

  LdRing     facets;
  guint64    facets_first_seq;

  ClassHash  class_hash;
  GArray    *class_loggers;   /* guint32 per class id */
  GArray    *class_levels;    /* gint32 per class id */
  GByteArray *class_shown;

  LdRing     matches;
  LdRing     spare;           /* the previous matches, kept for their memory */
  guint64    match_base;
  guint      n_shown;

  gboolean   frozen;
  guint64    horizon;         /* while frozen: the first seq not shown */

  guint64    scan_next;       /* records before this one wait for the query */
  GSource   *scan_source;

  guint      notified_n_matches;
  guint      notified_pending;
};

enum {
  PROP_0,
  PROP_STORE,
  PROP_QUERY,
  PROP_MIN_LEVEL,
  PROP_EXCLUDED_LOGGERS,
  PROP_FROZEN,
  PROP_INCREMENTAL,
  PROP_PENDING,
  PROP_N_MATCHES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LdFilterModel, ld_filter_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

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

static void
class_hash_grow (ClassHash *hash)
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

static int
compare_ints (gconstpointer a,
              gconstpointer b)
{
  int x = *(const int *) a, y = *(const int *) b;

  return (x > y) - (x < y);
}

static gboolean
level_hidden (LdFilterModel *self,
              int            level)
{
  if (self->hidden_levels->len == 0)
    return FALSE;

  return bsearch (&level, self->hidden_levels->data, self->hidden_levels->len, sizeof (int),
                  compare_ints) != NULL;
}

static gboolean
pair_shown (LdFilterModel *self,
            guint32        logger,
            int            level)
{
  return level >= self->min_level && !level_hidden (self, level)
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
    class_hash_grow (&self->class_hash);

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

static void
refresh_classes (LdFilterModel *self)
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

static inline guint64
match_seq (LdFilterModel *self,
           guint          index)
{
  return self->match_base + ld_ring_get (&self->matches, index);
}

/* The index of the first match at or after @seq. */
static guint
lower_bound_seq (LdFilterModel *self,
                 guint64        seq)
{
  if (seq <= self->match_base)
    return 0;
  if (seq - self->match_base > G_MAXUINT32)
    return self->matches.len;

  return ld_ring_lower_bound (&self->matches, (guint32) (seq - self->match_base));
}

static guint
n_ghosts (LdFilterModel *self)
{
  return lower_bound_seq (self, ld_store_get_first_seq (self->store));
}

/* Forgets the matches that the store has evicted. While frozen, those that
 * arrived after the freeze and left again before the thaw were never shown. */
static void
drop_ghosts (LdFilterModel *self)
{
  guint n = n_ghosts (self), shown = MIN (n, self->n_shown);

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
    drop_ghosts (self);
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

static guint
pending_count (LdFilterModel *self)
{
  guint64 first = ld_store_get_first_seq (self->store);

  return self->scan_next > first ? (guint) (self->scan_next - first) : 0;
}

static void
notify_counts (LdFilterModel *self)
{
  guint n_matches = ld_filter_model_get_n_matches (self);
  guint pending = pending_count (self);

  if (n_matches != self->notified_n_matches)
    {
      self->notified_n_matches = n_matches;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_MATCHES]);
    }
  if (pending != self->notified_pending)
    {
      self->notified_pending = pending;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING]);
    }
}

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
static void
rebuild_matches (LdFilterModel *self)
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
  self->n_shown = self->frozen ? lower_bound_seq (self, self->horizon) : n;

  end_new_matches (self, &old, old_base, old_n);
  notify_counts (self);
}

/* The query scan. */

static void
stop_scan (LdFilterModel *self)
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
static guint
scan_slice (LdFilterModel *self,
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
  guint shown = scan_slice (self, g_get_monotonic_time () + SLICE_US, self->slice_limit);

  if (shown > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, shown);

  if (pending_count (self) == 0)
    {
      g_clear_pointer (&self->scan_source, g_source_unref);
      notify_counts (self);
      return G_SOURCE_REMOVE;
    }

  notify_counts (self);
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
static void
rescan (LdFilterModel *self)
{
  LdRing old;
  guint64 old_base;
  guint old_n;

  self->generation++;
  stop_scan (self);
  if (self->active_query == NULL && self->predicate == NULL)
    {
      set_all_query_bits (self);
      rebuild_matches (self);
      return;
    }

  begin_new_matches (self, &old, &old_base, &old_n);
  self->scan_next = self->facets_first_seq + self->facets.len;
  if (self->incremental)
    scan_slice (self, g_get_monotonic_time () + SLICE_US, self->slice_limit);
  else
    scan_slice (self, 0, 0);
  end_new_matches (self, &old, old_base, old_n);

  schedule_scan (self);
  notify_counts (self);
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
    stop_scan (self);
  if (!self->frozen)
    drop_ghosts (self);
}

static void
add_records (LdFilterModel *self,
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

static void
on_store_items_changed (LdFilterModel *self,
                        guint          position,
                        guint          removed,
                        guint          added,
                        GListModel    *store)
{
  /* The store only evicts at the front, appends at the end, or clears. */
  g_warn_if_fail (removed == 0 || position == 0);

  forget_evicted (self);
  if (added > 0)
    add_records (self, position, added);
  notify_counts (self);
}

/* GListModel. */

static GType
ld_filter_model_get_item_type (GListModel *model)
{
  return LD_TYPE_ROW;
}

static guint
ld_filter_model_get_n_items (GListModel *model)
{
  return LD_FILTER_MODEL (model)->n_shown;
}

static gpointer
ld_filter_model_get_item (GListModel *model,
                          guint       position)
{
  LdFilterModel *self = LD_FILTER_MODEL (model);

  if (position >= self->n_shown)
    return NULL;

  return ld_row_new (self->store, match_seq (self, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = ld_filter_model_get_item_type;
  iface->get_n_items = ld_filter_model_get_n_items;
  iface->get_item = ld_filter_model_get_item;
}

/* GObject. */

static void
ld_filter_model_dispose (GObject *object)
{
  LdFilterModel *self = LD_FILTER_MODEL (object);

  if (self->scan_source != NULL)
    {
      g_source_destroy (self->scan_source);
      g_clear_pointer (&self->scan_source, g_source_unref);
    }
  if (self->store != NULL)
    g_clear_signal_handler (&self->items_changed_id, self->store);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (ld_filter_model_parent_class)->dispose (object);
}

static void
ld_filter_model_finalize (GObject *object)
{
  LdFilterModel *self = LD_FILTER_MODEL (object);

  g_clear_pointer (&self->query, ld_query_unref);
  g_clear_pointer (&self->active_query, ld_query_unref);
  if (self->predicate_destroy != NULL)
    g_clear_pointer (&self->predicate_data, self->predicate_destroy);
  g_clear_pointer (&self->hidden_levels, g_array_unref);
  g_clear_pointer (&self->excluded_loggers, g_strfreev);
  ld_ring_clear (&self->facets);
  ld_ring_clear (&self->matches);
  ld_ring_clear (&self->spare);
  g_free (self->class_hash.keys);
  g_free (self->class_hash.ids);
  g_clear_pointer (&self->class_loggers, g_array_unref);
  g_clear_pointer (&self->class_levels, g_array_unref);
  g_clear_pointer (&self->class_shown, g_byte_array_unref);

  G_OBJECT_CLASS (ld_filter_model_parent_class)->finalize (object);
}

static void
ld_filter_model_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  LdFilterModel *self = LD_FILTER_MODEL (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_QUERY:
      g_value_set_boxed (value, self->query);
      break;
    case PROP_MIN_LEVEL:
      g_value_set_int (value, self->min_level);
      break;
    case PROP_EXCLUDED_LOGGERS:
      g_value_set_boxed (value, self->excluded_loggers);
      break;
    case PROP_FROZEN:
      g_value_set_boolean (value, self->frozen);
      break;
    case PROP_INCREMENTAL:
      g_value_set_boolean (value, self->incremental);
      break;
    case PROP_PENDING:
      g_value_set_uint (value, ld_filter_model_get_pending (self));
      break;
    case PROP_N_MATCHES:
      g_value_set_uint (value, ld_filter_model_get_n_matches (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ld_filter_model_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  LdFilterModel *self = LD_FILTER_MODEL (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    case PROP_QUERY:
      ld_filter_model_set_query (self, g_value_get_boxed (value));
      break;
    case PROP_MIN_LEVEL:
      ld_filter_model_set_min_level (self, g_value_get_int (value));
      break;
    case PROP_EXCLUDED_LOGGERS:
      ld_filter_model_set_excluded_loggers (self, g_value_get_boxed (value));
      break;
    case PROP_FROZEN:
      ld_filter_model_set_frozen (self, g_value_get_boolean (value));
      break;
    case PROP_INCREMENTAL:
      ld_filter_model_set_incremental (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ld_filter_model_constructed (GObject *object)
{
  LdFilterModel *self = LD_FILTER_MODEL (object);

  G_OBJECT_CLASS (ld_filter_model_parent_class)->constructed (object);

  g_assert (LD_IS_STORE (self->store));
  self->facets_first_seq = ld_store_get_first_seq (self->store);
  self->scan_next = self->facets_first_seq;
  self->match_base = self->facets_first_seq;
  self->items_changed_id = g_signal_connect_swapped (self->store, "items-changed",
                                                     G_CALLBACK (on_store_items_changed), self);
  add_records (self, 0, ld_store_get_n_records (self->store));
  notify_counts (self);
}

static void
ld_filter_model_class_init (LdFilterModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = ld_filter_model_dispose;
  object_class->finalize = ld_filter_model_finalize;
  object_class->get_property = ld_filter_model_get_property;
  object_class->set_property = ld_filter_model_set_property;
  object_class->constructed = ld_filter_model_constructed;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, LD_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_QUERY] = g_param_spec_boxed ("query", NULL, NULL, LD_TYPE_QUERY, flags);
  properties[PROP_MIN_LEVEL] =
    g_param_spec_int ("min-level", NULL, NULL, G_MININT, G_MAXINT, G_MININT, flags);
  properties[PROP_EXCLUDED_LOGGERS] =
    g_param_spec_boxed ("excluded-loggers", NULL, NULL, G_TYPE_STRV, flags);
  properties[PROP_FROZEN] = g_param_spec_boolean ("frozen", NULL, NULL, FALSE, flags);
  properties[PROP_INCREMENTAL] = g_param_spec_boolean ("incremental", NULL, NULL, TRUE, flags);
  properties[PROP_PENDING] =
    g_param_spec_uint ("pending", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_MATCHES] =
    g_param_spec_uint ("n-matches", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ld_filter_model_init (LdFilterModel *self)
{
  guint32 no_logger = 0;
  gint32 no_level = 0;
  guint8 no_verdict = 0;

  self->incremental = TRUE;
  self->min_level = G_MININT;
  self->hidden_levels = g_array_new (FALSE, FALSE, sizeof (int));
  self->class_loggers = g_array_new (FALSE, FALSE, sizeof (guint32));
  self->class_levels = g_array_new (FALSE, FALSE, sizeof (gint32));
  self->class_shown = g_byte_array_new ();
  class_hash_grow (&self->class_hash);

  /* Class id 0 stands for "unclassed" and is never in the hash. */
  g_array_append_val (self->class_loggers, no_logger);
  g_array_append_val (self->class_levels, no_level);
  g_byte_array_append (self->class_shown, &no_verdict, 1);
}

/* Public API. */

/**
 * ld_filter_model_new:
 * @store: the store to follow
 *
 * Returns: (transfer full): a model of the rows of @store that pass the
 *   filter; with no filter set, all of them
 */
LdFilterModel *
ld_filter_model_new (LdStore *store)
{
  g_return_val_if_fail (LD_IS_STORE (store), NULL);

  return g_object_new (LD_TYPE_FILTER_MODEL, "store", store, NULL);
}

LdStore *
ld_filter_model_get_store (LdFilterModel *self)
{
  g_return_val_if_fail (LD_IS_FILTER_MODEL (self), NULL);

  return self->store;
}

/**
 * ld_filter_model_get_query:
 * @self: a filter model
 *
 * Returns: (transfer none) (nullable): the query
 */
LdQuery *
ld_filter_model_get_query (LdFilterModel *self)
{
  g_return_val_if_fail (LD_IS_FILTER_MODEL (self), NULL);

  return self->query;
}

/**
 * ld_filter_model_set_query:
 * @self: a filter model
 * @query: (nullable): the query, or %NULL for none
 *
 * Tests every record against @query: the first slice at once, the rest on
 * idle (see #LdFilterModel:pending), or all at once if the model is not
 * incremental.
 */
void
ld_filter_model_set_query (LdFilterModel *self,
                           LdQuery       *query)
{
  g_return_if_fail (LD_IS_FILTER_MODEL (self));

  if (self->query == query)
    return;

  g_clear_pointer (&self->query, ld_query_unref);
  g_clear_pointer (&self->active_query, ld_query_unref);
  if (query != NULL)
    self->query = ld_query_ref (query);
  if (query != NULL && !ld_query_is_empty (query))
    self->active_query = ld_query_ref (query);

  rescan (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUERY]);
}

/**
 * ld_filter_model_set_predicate:
 * @self: a filter model
 * @predicate: (nullable): a test every shown record must also pass, or
 *   %NULL for none
 * @data: for @predicate
 * @destroy: (nullable): frees @data when the predicate is replaced
 *
 * For what the query language cannot say, such as "the records of this
 * error group". It is called on the caller's thread, like the query.
 */
void
ld_filter_model_set_predicate (LdFilterModel     *self,
                               LdRecordPredicate  predicate,
                               gpointer           data,
                               GDestroyNotify     destroy)
{
  g_return_if_fail (LD_IS_FILTER_MODEL (self));

  if (self->predicate_destroy != NULL)
    g_clear_pointer (&self->predicate_data, self->predicate_destroy);
  self->predicate = predicate;
  self->predicate_data = data;
  self->predicate_destroy = destroy;

  rescan (self);
}

gboolean
ld_filter_model_get_has_predicate (LdFilterModel *self)
{
  g_return_val_if_fail (LD_IS_FILTER_MODEL (self), FALSE);

  return self->predicate != NULL;
}

int
ld_filter_model_get_min_level (LdFilterModel *self)
{
  g_return_val_if_fail (LD_IS_FILTER_MODEL (self), G_MININT);

  return self->min_level;
}

/**
 * ld_filter_model_set_min_level:
 * @self: a filter model
 * @min_level: the lowest level shown; %G_MININT for all
 */
void
ld_filter_model_set_min_level (LdFilterModel *self,
                               int            min_level)
{
  g_return_if_fail (LD_IS_FILTER_MODEL (self));

  if (self->min_level == min_level)
    return;

  self->min_level = min_level;
  refresh_classes (self);
  rebuild_matches (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MIN_LEVEL]);
}

gboolean
ld_filter_model_get_level_hidden (LdFilterModel *self,
                                  int            level)
{
  g_return_val_if_fail (LD_IS_FILTER_MODEL (self), FALSE);

  return level_hidden (self, level);
}

/**
 * ld_filter_model_set_level_hidden:
 * @self: a filter model
 * @level: a level number, named or not
 * @hidden: whether records of exactly that level are hidden
 */
void
ld_filter_model_set_level_hidden (LdFilterModel *self,
                                  int            level,
                                  gboolean       hidden)
{
  g_autoptr(GArray) levels = NULL;

  g_return_if_fail (LD_IS_FILTER_MODEL (self));

  if (!hidden == !level_hidden (self, level))
    return;

  levels = g_array_copy (self->hidden_levels);
  if (hidden)
    g_array_append_val (levels, level);
  else
    for (guint i = 0; i < levels->len; i++)
      if (g_array_index (levels, int, i) == level)
        g_array_remove_index (levels, i);

  ld_filter_model_set_hidden_levels (self, (const int *) levels->data, levels->len);
}

/**
 * ld_filter_model_set_hidden_levels:
 * @self: a filter model
 * @levels: (array length=n_levels): the level numbers to hide
 * @n_levels: how many
 *
 * Replaces the whole set of hidden levels at once.
 */
void
ld_filter_model_set_hidden_levels (LdFilterModel *self,
                                   const int     *levels,
                                   guint          n_levels)
{
  g_return_if_fail (LD_IS_FILTER_MODEL (self));
  g_return_if_fail (levels != NULL || n_levels == 0);

  g_array_set_size (self->hidden_levels, 0);
  g_array_append_vals (self->hidden_levels, levels, n_levels);
  g_array_sort (self->hidden_levels, compare_ints);
  for (guint i = 1; i < self->hidden_levels->len;)
    {
      int *sorted = (int *) self->hidden_levels->data;

      if (sorted[i] == sorted[i - 1])
        g_array_remove_index (self->hidden_levels, i);
      else
        i++;
    }

  refresh_classes (self);
  rebuild_matches (self);
}

/**
 * ld_filter_model_get_excluded_loggers:
 * @self: a filter model
 *
 * Returns: (transfer none) (nullable): the excluded logger prefixes
 */
const char * const *
ld_filter_model_get_excluded_loggers (LdFilterModel *self)
{
  g_return_val_if_fail (LD_IS_FILTER_MODEL (self), NULL);

  return (const char * const *) self->excluded_loggers;
}

/**
 * ld_filter_model_set_excluded_loggers:
 * @self: a filter model
 * @prefixes: (nullable) (array zero-terminated=1): loggers whose subtrees
 *   are hidden: "websockets" hides websockets and websockets.*, not
 *   websocketsx
 */
void
ld_filter_model_set_excluded_loggers (LdFilterModel      *self,
                                      const char * const *prefixes)
{
  g_return_if_fail (LD_IS_FILTER_MODEL (self));

  g_clear_pointer (&self->excluded_loggers, g_strfreev);
  if (prefixes != NULL && prefixes[0] != NULL)
    self->excluded_loggers = g_strdupv ((char **) prefixes);

  refresh_classes (self);
  rebuild_matches (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXCLUDED_LOGGERS]);
}

gboolean
ld_filter_model_get_frozen (LdFilterModel *self)
{
  g_return_val_if_fail (LD_IS_FILTER_MODEL (self), FALSE);

  return self->frozen;
}

static void
catch_up (LdFilterModel *self)
{
  guint kept;

  drop_ghosts (self);
  kept = self->n_shown;
  self->n_shown = self->matches.len;
  if (self->n_shown > kept)
    g_list_model_items_changed (G_LIST_MODEL (self), kept, 0, self->n_shown - kept);
}

/**
 * ld_filter_model_set_frozen:
 * @self: a filter model
 * @frozen: whether the model stops following its store, as for Pause
 */
void
ld_filter_model_set_frozen (LdFilterModel *self,
                            gboolean       frozen)
{
  g_return_if_fail (LD_IS_FILTER_MODEL (self));

  frozen = !!frozen;
  if (self->frozen == frozen)
    return;

  self->frozen = frozen;
  self->horizon = ld_store_get_n_received (self->store);
  if (!frozen)
    catch_up (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FROZEN]);
}

gboolean
ld_filter_model_get_incremental (LdFilterModel *self)
{
  g_return_val_if_fail (LD_IS_FILTER_MODEL (self), TRUE);

  return self->incremental;
}

/**
 * ld_filter_model_set_incremental:
 * @self: a filter model
 * @incremental: whether a new query is tested in slices on idle (the
 *   default) or on all records at once
 */
void
ld_filter_model_set_incremental (LdFilterModel *self,
                                 gboolean       incremental)
{
  g_return_if_fail (LD_IS_FILTER_MODEL (self));

  incremental = !!incremental;
  if (self->incremental == incremental)
    return;

  self->incremental = incremental;
  if (!incremental)
    ld_filter_model_flush (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INCREMENTAL]);
}

/**
 * ld_filter_model_get_generation:
 * @self: a filter model
 *
 * Tells a change of what the model shows (a new query, predicate, levels or
 * loggers) from records arriving and being evicted, which the
 * #GListModel::items-changed signal alone cannot.
 *
 * Returns: a number that changes each time what is shown is decided anew
 */
guint
ld_filter_model_get_generation (LdFilterModel *self)
{
  g_return_val_if_fail (LD_IS_FILTER_MODEL (self), 0);

  return self->generation;
}

/**
 * ld_filter_model_get_pending:
 * @self: a filter model
 *
 * Returns: how many records still wait to be tested against a new query
 */
guint
ld_filter_model_get_pending (LdFilterModel *self)
{
  g_return_val_if_fail (LD_IS_FILTER_MODEL (self), 0);

  return pending_count (self);
}

/**
 * ld_filter_model_flush:
 * @self: a filter model
 *
 * Finishes a pending scan at once.
 */
void
ld_filter_model_flush (LdFilterModel *self)
{
  guint shown;

  g_return_if_fail (LD_IS_FILTER_MODEL (self));

  if (pending_count (self) == 0)
    return;

  shown = scan_slice (self, 0, 0);
  stop_scan (self);
  if (shown > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, shown);
  notify_counts (self);
}

/**
 * ld_filter_model_get_n_matches:
 * @self: a filter model
 *
 * Returns: how many records of the store pass the filter, including those
 *   that arrived while frozen and not counting evicted ones still shown
 */
guint
ld_filter_model_get_n_matches (LdFilterModel *self)
{
  g_return_val_if_fail (LD_IS_FILTER_MODEL (self), 0);

  return self->matches.len - n_ghosts (self);
}

/**
 * ld_filter_model_get_seq:
 * @self: a filter model
 * @position: a position in the model
 *
 * Returns: the sequence number of the record shown at @position, or
 *   %G_MAXUINT64 if there is none
 */
guint64
ld_filter_model_get_seq (LdFilterModel *self,
                         guint          position)
{
  g_return_val_if_fail (LD_IS_FILTER_MODEL (self), G_MAXUINT64);

  if (position >= self->n_shown)
    return G_MAXUINT64;

  return match_seq (self, position);
}

/**
 * ld_filter_model_find_seq:
 * @self: a filter model
 * @seq: a sequence number
 *
 * Returns: the position of the record @seq in the model, or -1
 */
int
ld_filter_model_find_seq (LdFilterModel *self,
                          guint64        seq)
{
  guint index;

  g_return_val_if_fail (LD_IS_FILTER_MODEL (self), -1);

  if (seq < self->match_base)
    return -1;

  index = lower_bound_seq (self, seq);
  if (index < self->n_shown && match_seq (self, index) == seq)
    return (int) index;

  return -1;
}

/**
 * ld_filter_model_lower_bound:
 * @self: a filter model
 * @seq: a sequence number
 *
 * Returns: the position of the first record shown whose sequence number
 *   is @seq or more, or the number of items: where a selection of a
 *   record that the filter now hides should land
 */
guint
ld_filter_model_lower_bound (LdFilterModel *self,
                             guint64        seq)
{
  g_return_val_if_fail (LD_IS_FILTER_MODEL (self), 0);

  return MIN (lower_bound_seq (self, seq), self->n_shown);
}

/**
 * ld_filter_model_set_slice_limit:
 * @self: a filter model
 * @max_records: the most records one slice of a scan tests, or 0 for no
 *   limit beyond the slice's time budget
 *
 * For tests, which need scans to take several slices.
 */
void
ld_filter_model_set_slice_limit (LdFilterModel *self,
                                 guint          max_records)
{
  g_return_if_fail (LD_IS_FILTER_MODEL (self));

  self->slice_limit = max_records;
}
