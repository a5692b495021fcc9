// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <math.h>
#include <string.h>

#include "ld-timing-private.h"

/* Request durations, for the timing dashboard: read from a record's
 * duration field (or its message, through a pattern the user gave:
 * ld-timing-read.c) and kept in log-bucketed histograms as the store
 * appends and evicts, never by rescanning it.
 *
 * Three views are kept. Per second, a sparse histogram (only the bins that
 * hold something), so that any chart column, whatever seconds it spans,
 * merges into a percentile. Per value of a grouping field, exact counts
 * and histograms for the values with the most durations
 * (ld-timing-groups.c). And the slowest records, by sequence number.
 *
 * Eviction works as in ld-error-groups.c: a ledger in store order of the
 * records that had a duration, consumed from the front up to the store's
 * first sequence number; it is kept in blocks (ld-timing-ledger.c). A record costs its ledger entry only when it has a
 * duration, and a record without one costs a walk over its extra fields'
 * interned keys (and the message pattern's literal text, when there is a
 * pattern): no allocation, no string compared.
 *
 * The counting is done on a worker thread of its own, not on the UI thread:
 * with three records in ten carrying a duration, reading and counting them
 * cost twice what the activity chart's counters do, and the UI thread
 * should pay neither. The UI thread only wakes the worker, once per
 * ::items-changed of the store. The worker then reads the records it has
 * not read yet, oldest first, in runs of LD_TIMING_READ_RUN with the store
 * locked (ld_store_lock(): the UI thread's appends and evictions wait for
 * one run, microseconds), counts them with the store unlocked, and forgets
 * the evicted ones. Everything it counts is guarded by @lock, which the
 * getters take too; it lets go of @lock every STEP_RUNS runs so that a
 * redraw never waits longer. When the counts changed it emits ::changed on
 * the main context it was attached from, through one idle source at a
 * time, once it has caught up (and every NOTIFY_US during a long
 * reading): the UI thread is woken at most once per batch, and not at all
 * when nothing changed.
 *
 * Reading the whole store again (when it is first attached, or the pattern
 * or the grouping field change) is the same work from the store's first
 * record. Records that arrive meanwhile wait their turn; records evicted
 * meanwhile leave the counts as usual, or are never read. The counts are
 * then those of a reading in one go. A clear of the store, and a new
 * pattern or grouping field, reset the counts on the UI thread under
 * @lock, between two steps of the worker. */

/* The slowest records kept, so that evicting some of the slowest rarely
 * means finding the next ones in the ledger. */
#define SLOWEST_RESERVE (4 * LD_TIMING_N_SLOWEST)
/* The runs of LD_TIMING_READ_RUN records read per hold of @lock. */
#define STEP_RUNS 4
/* While a reading goes on, ::changed at most this often. */
#define NOTIFY_US (50 * 1000)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LdTiming, ld_timing, G_TYPE_OBJECT)

/* Seconds */

static void
second_free (gpointer data)
{
  Second *second = data;

  if (second->bins != NULL)
    g_array_unref (second->bins);
  g_free (second->dense);
  g_free (second);
}

static G_GNUC_NO_INLINE Second *
find_second (LdTiming  *self,
             Second   **cache,
             gint64     number,
             gboolean   create)
{
  Second *second = g_hash_table_lookup (self->seconds, &number);

  if (second == NULL && create)
    {
      second = g_new0 (Second, 1);
      second->second = number;
      second->bins = g_array_new (FALSE, FALSE, sizeof (Bin));
      g_hash_table_insert (self->seconds, &second->second, second);
    }
  *cache = second;
  return second;
}

/* The second @number's counts, through @cache: records come in time order,
 * so most are counted in the second the one before was. */
static inline Second *
lookup_second (LdTiming  *self,
               Second   **cache,
               gint64     number,
               gboolean   create)
{
  Second *second = *cache;

  if (G_LIKELY (second != NULL && second->second == number))
    return second;
  return find_second (self, cache, number, create);
}

/* The place of @bin in the sorted bins, or where it would go. */
static guint
find_bin (GArray *bins,
          guint   bin,
          gboolean *found)
{
  guint low = 0, high = bins->len;

  while (low < high)
    {
      guint middle = (low + high) / 2;
      guint value = g_array_index (bins, Bin, middle).bin;

      if (value == bin)
        {
          *found = TRUE;
          return middle;
        }
      if (value < bin)
        low = middle + 1;
      else
        high = middle;
    }

  *found = FALSE;
  return low;
}

static void
second_add (Second *second,
            guint   bin)
{
  gboolean found;
  guint index;

  second->total++;
  if (second->dense != NULL)
    {
      second->dense[bin]++;
      return;
    }

  index = find_bin (second->bins, bin, &found);
  if (found)
    {
      g_array_index (second->bins, Bin, index).count++;
      return;
    }
  if (second->bins->len + 1 < DENSE_AT)
    {
      Bin entry = { (guint16) bin, 1 };

      g_array_insert_val (second->bins, index, entry);
      return;
    }

  second->dense = g_new0 (guint32, LD_TIMING_N_BINS);
  for (guint i = 0; i < second->bins->len; i++)
    {
      const Bin *sparse = &g_array_index (second->bins, Bin, i);

      second->dense[sparse->bin] = sparse->count;
    }
  second->dense[bin]++;
  g_clear_pointer (&second->bins, g_array_unref);
}

static void
remove_from_second (LdTiming    *self,
                    const Entry *entry)
{
  Second *second = lookup_second (self, &self->evicting, self->origin + entry->offset, FALSE);
  gboolean found;
  guint index;

  g_assert (second != NULL);
  if (second->dense != NULL)
    {
      g_assert (second->dense[entry->bin] > 0);
      second->dense[entry->bin]--;
    }
  else
    {
      index = find_bin (second->bins, entry->bin, &found);
      g_assert (found);
      if (--g_array_index (second->bins, Bin, index).count == 0)
        g_array_remove_index (second->bins, index);
    }

  if (--second->total == 0)
    {
      gint64 number = second->second;

      if (self->appending == second)
        self->appending = NULL;
      self->evicting = NULL;
      g_hash_table_remove (self->seconds, &number);
    }
}

static gsize
second_size (const Second *second)
{
  return sizeof *second + (second->dense != NULL ? LD_TIMING_N_BINS * sizeof (guint32)
                                                 : second->bins->len * sizeof (Bin));
}

/* The slowest records */

/* Slower first; of two as slow, the older first, as a reading in store
 * order keeps them. */
static inline gboolean
slower (const LdTimingSlow *a,
        const LdTimingSlow *b)
{
  return a->seconds > b->seconds || (a->seconds == b->seconds && a->seq < b->seq);
}

static G_GNUC_NO_INLINE void
slowest_keep (LdTiming *self,
              guint64   seq,
              double    seconds)
{
  LdTimingSlow slow = { seq, seconds };
  guint index = self->slowest->len;

  if (index == SLOWEST_RESERVE
      && !slower (&slow, &g_array_index (self->slowest, LdTimingSlow, index - 1)))
    {
      self->floor = slow;
      self->has_floor = TRUE;
      return;
    }

  while (index > 0 && slower (&slow, &g_array_index (self->slowest, LdTimingSlow, index - 1)))
    index--;
  g_array_insert_val (self->slowest, index, slow);
  if (self->slowest->len > SLOWEST_RESERVE)
    {
      self->floor = g_array_index (self->slowest, LdTimingSlow, SLOWEST_RESERVE);
      self->has_floor = TRUE;
      g_array_set_size (self->slowest, SLOWEST_RESERVE);
    }
}

/* Offers a duration to the slowest list. Most stop here, at one or two
 * comparisons with the fastest that was let go. */
static inline void
slowest_offer (LdTiming *self,
               guint64   seq,
               double    seconds)
{
  LdTimingSlow slow = { seq, seconds };

  if (self->has_floor && !slower (&slow, &self->floor))
    return;
  slowest_keep (self, seq, seconds);
}

/* The full sequence number of a live entry, from the store's first. */
static inline guint64
entry_seq (const Entry *entry,
           guint64      first_seq)
{
  return first_seq + (guint32) (entry->seq - (guint32) first_seq);
}

static inline gboolean
entry_evicted (const Entry *entry,
               guint64      first_seq)
{
  return (gint32) (entry->seq - (guint32) first_seq) < 0;
}

static void
slowest_rebuild (LdTiming *self,
                 guint64   first_seq)
{
  g_array_set_size (self->slowest, 0);
  self->has_floor = FALSE;
  for (guint i = 0, n; i < self->ledger.len; i += n)
    {
      const Entry *entries = _ld_timing_ledger_span (&self->ledger, i, &n);

      for (guint j = 0; j < n; j++)
        slowest_offer (self, entry_seq (&entries[j], first_seq), entries[j].seconds);
    }
}

/* Drops the evicted ones kept; only when fewer than are shown are left,
 * and slower ones were let go, are the next found in the ledger. */
static void
slowest_forget (LdTiming *self,
                guint64   first_seq)
{
  guint kept = 0;

  for (guint i = 0; i < self->slowest->len; i++)
    {
      LdTimingSlow slow = g_array_index (self->slowest, LdTimingSlow, i);

      if (slow.seq >= first_seq)
        g_array_index (self->slowest, LdTimingSlow, kept++) = slow;
    }
  if (kept == self->slowest->len)
    return;
  g_array_set_size (self->slowest, kept);
  /* Found again when the list is next read (at most four times a second,
   * while it is shown), not here: evicting an old latency spike would walk
   * the whole ledger every few batches. */
  if (kept < LD_TIMING_N_SLOWEST && self->has_floor)
    self->slowest_stale = TRUE;
}

/* Counting, on the worker thread under @lock */

/* Seconds beyond 68 years of the first record's are counted at the limit,
 * as ld-activity.c does. */
static gint32
ledger_offset (LdTiming *self,
               gint64    second)
{
  if (!self->has_origin)
    {
      self->origin = second;
      self->has_origin = TRUE;
    }

  return (gint32) (CLAMP (second, self->origin + G_MININT32, self->origin + G_MAXINT32)
                   - self->origin);
}

/* The grouping value's slot. Loggers are interned: their id finds it. */
static guint16
group_slot (LdTiming            *self,
            const LdTimingFound *found,
            guint                bin)
{
  const char *value = found->group.value;
  gsize length = found->group.length;
  guint32 intern_id = LD_INTERN_NONE;

  if (self->group_by_logger && found->logger != LD_INTERN_NONE)
    {
      intern_id = found->logger;
      value = ld_intern_lookup (intern_id);
      length = strlen (value);
    }
  if (value == NULL)
    value = "", length = 0;

  return _ld_timing_groups_add (self->groups, intern_id, value,
                                MIN (length, LD_TIMING_GROUP_NAME_MAX), bin);
}

/* Counts a duration found, in @entry. */
static void
add_found (LdTiming            *self,
           const LdTimingFound *found,
           guint64              seq,
           Entry               *entry)
{
  /* Kept as a float, as everything after this reads it: 7 digits. */
  entry->seq = (guint32) seq;
  entry->offset = ledger_offset (self, floor_div (found->time_us, G_USEC_PER_SEC));
  entry->seconds = (float) found->seconds;
  entry->bin = _ld_timing_bin_for (entry->seconds);
  entry->slot = group_slot (self, found, entry->bin);

  second_add (lookup_second (self, &self->appending, self->origin + entry->offset, TRUE),
              entry->bin);
  slowest_offer (self, seq, entry->seconds);
}

static void
reset_counts (LdTiming *self)
{
  g_hash_table_remove_all (self->seconds);
  self->appending = NULL;
  self->evicting = NULL;
  _ld_timing_groups_reset (self->groups);
  _ld_timing_ledger_reset (&self->ledger);
  self->has_origin = FALSE;
  g_array_set_size (self->slowest, 0);
  self->has_floor = FALSE;
  self->slowest_stale = FALSE;
}

/* Returns whether any counted duration was evicted. */
static gboolean
forget_evicted (LdTiming *self,
                guint64   first_seq)
{
  guint before = self->ledger.len;

  while (self->ledger.len > 0)
    {
      const Entry *entry = _ld_timing_ledger_front (&self->ledger);

      if (!entry_evicted (entry, first_seq))
        break;
      remove_from_second (self, entry);
      _ld_timing_groups_remove (self->groups, entry->slot, entry->bin);
      _ld_timing_ledger_drop_front (&self->ledger);
    }
  slowest_forget (self, first_seq);
  return self->ledger.len != before;
}

static gboolean
emit_changed (gpointer user_data)
{
  LdTiming *self = user_data;

  lock_counts (self);
  g_clear_pointer (&self->notify_source, g_source_unref);
  g_mutex_unlock (&self->lock);
  g_signal_emit (self, signals[CHANGED], 0);
  return G_SOURCE_REMOVE;
}

/* Any thread, under @lock: ::changed is emitted on the main context, once
 * however many steps changed the counts before it runs. */
static void
notify_changed (LdTiming *self)
{
  if (self->notify_source != NULL)
    return;

  self->notify_source = g_idle_source_new ();
  g_source_set_priority (self->notify_source, G_PRIORITY_DEFAULT);
  g_source_set_callback (self->notify_source, emit_changed, self, NULL);
  g_source_set_static_name (self->notify_source, "[logdeck] timing changed");
  g_source_attach (self->notify_source, self->context);
}

/* One step: up to STEP_RUNS runs of records, each read with the store
 * locked and counted after. Returns whether records are left to read. */
static gboolean
read_step (LdTiming *self)
{
  LdTimingFound found[LD_TIMING_READ_RUN];
  guint before = self->ledger.len;
  /* A reading of the whole store that moves on changes its progress, even
   * where it finds no duration. */
  gboolean changed = self->next_seq < self->recount_end, more = TRUE;

  for (guint run = 0; run < STEP_RUNS && more; run++)
    {
      guint64 first_seq, end;
      guint count, n_found = 0;

      ld_store_lock (self->store);
      first_seq = ld_store_get_first_seq (self->store);
      end = first_seq + ld_store_get_n_records (self->store);
      self->next_seq = MAX (self->next_seq, first_seq);
      count = (guint) MIN (end - self->next_seq, LD_TIMING_READ_RUN);
      if (count > 0)
        n_found = _ld_timing_read_run (self->store, (guint) (self->next_seq - first_seq), count,
                                       self->key_kinds, self->pattern, self->group_key_id,
                                       found, self->values);
      ld_store_unlock (self->store);

      if (first_seq != self->first_seq)
        {
          changed |= forget_evicted (self, first_seq);
          self->first_seq = first_seq;
        }
      for (guint i = 0; i < n_found; i++)
        add_found (self, &found[i], first_seq + found[i].position,
                   _ld_timing_ledger_push (&self->ledger));
      self->next_seq += count;
      more = self->next_seq < end;
    }

  /* Once the worker caught up, or every NOTIFY_US of a long reading (for
   * its progress bar): a batch is read in several steps, and the UI thread
   * should be woken once for it, not once a step. */
  self->unnotified |= changed || self->ledger.len != before;
  if (self->unnotified
      && (!more || g_get_monotonic_time () - self->notified_us >= NOTIFY_US))
    {
      notify_changed (self);
      self->unnotified = FALSE;
      self->notified_us = g_get_monotonic_time ();
    }
  return more;
}

static gpointer
worker_main (gpointer data)
{
  LdTiming *self = data;

  g_mutex_lock (&self->wake_lock);
  for (;;)
    {
      guint64 request;
      gboolean more = TRUE;

      while (!g_atomic_int_get (&self->stop) && self->requested == self->served)
        g_cond_wait (&self->wake, &self->wake_lock);
      if (g_atomic_int_get (&self->stop))
        break;
      request = self->requested;
      g_mutex_unlock (&self->wake_lock);

      /* NOTIFY_US counts from the start of a reading: a batch read in
       * several steps costs one ::changed, however long ago the last. */
      self->notified_us = g_get_monotonic_time ();

      while (more && !g_atomic_int_get (&self->stop))
        {
          while (g_atomic_int_get (&self->waiting) > 0)
            g_thread_yield ();
          g_mutex_lock (&self->lock);
          more = read_step (self);
          g_mutex_unlock (&self->lock);
        }

      g_mutex_lock (&self->wake_lock);
      self->served = request;
      g_cond_broadcast (&self->done);
    }
  g_mutex_unlock (&self->wake_lock);

  return NULL;
}

/* The UI thread's side */

/* Asks the worker to read what it has not read; returns the request's
 * number. */
static guint64
wake_worker (LdTiming *self)
{
  guint64 request;

  g_mutex_lock (&self->wake_lock);
  request = ++self->requested;
  g_cond_signal (&self->wake);
  g_mutex_unlock (&self->wake_lock);

  return request;
}

static void
stop_worker (LdTiming *self)
{
  if (self->worker == NULL)
    return;

  g_mutex_lock (&self->wake_lock);
  g_atomic_int_set (&self->stop, TRUE);
  g_cond_signal (&self->wake);
  g_mutex_unlock (&self->wake_lock);
  g_clear_pointer (&self->worker, g_thread_join);
  g_atomic_int_set (&self->stop, FALSE);
  self->requested = self->served = 0;

  /* No worker is left to add one. */
  if (self->notify_source != NULL)
    {
      g_source_destroy (self->notify_source);
      g_clear_pointer (&self->notify_source, g_source_unref);
    }
}

static inline guint64
store_end (LdTiming *self)
{
  return ld_store_get_first_seq (self->store) + ld_store_get_n_records (self->store);
}

/* Every stored record is read again, by the worker. */
static void
recount (LdTiming *self)
{
  lock_counts (self);
  reset_counts (self);
  if (self->store != NULL)
    {
      self->next_seq = self->first_seq = ld_store_get_first_seq (self->store);
      self->recount_end = store_end (self);
    }
  g_mutex_unlock (&self->lock);

  if (self->store != NULL)
    wake_worker (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

/* A removal that did not count as eviction is a clear, which resets the
 * counts now; the rest is the worker's. */
static void
on_items_changed (LdTiming   *self,
                  guint       position,
                  guint       removed,
                  guint       added,
                  GListModel *store)
{
  guint64 n_evicted = ld_store_get_n_evicted (self->store);

  if (removed > 0 && n_evicted == self->n_evicted_seen)
    {
      lock_counts (self);
      reset_counts (self);
      self->next_seq = self->first_seq = ld_store_get_first_seq (self->store);
      g_mutex_unlock (&self->lock);
      g_signal_emit (self, signals[CHANGED], 0);
    }
  self->n_evicted_seen = n_evicted;

  if (removed > 0 || added > 0)
    wake_worker (self);
}

/* GObject */

static void
ld_timing_dispose (GObject *object)
{
  ld_timing_detach (LD_TIMING (object));

  G_OBJECT_CLASS (ld_timing_parent_class)->dispose (object);
}

static void
ld_timing_finalize (GObject *object)
{
  LdTiming *self = LD_TIMING (object);

  g_clear_pointer (&self->pattern, ld_timing_pattern_free);
  g_free (self->pattern_text);
  g_free (self->group_key);
  g_byte_array_unref (self->key_kinds);
  g_hash_table_unref (self->seconds);
  _ld_timing_groups_free (self->groups);
  _ld_timing_ledger_clear (&self->ledger);
  g_array_unref (self->slowest);
  g_free (self->values);
  g_mutex_clear (&self->lock);
  g_mutex_clear (&self->wake_lock);
  g_cond_clear (&self->wake);
  g_cond_clear (&self->done);

  G_OBJECT_CLASS (ld_timing_parent_class)->finalize (object);
}

static void
ld_timing_class_init (LdTimingClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ld_timing_dispose;
  object_class->finalize = ld_timing_finalize;

  /**
   * LdTiming::changed:
   *
   * Emitted on the main context the store was attached from, when the
   * worker counted or forgot durations (once however many steps it took
   * before the main context ran), and when the counts were reset: the
   * pattern or the grouping field changed, or the store was cleared.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ld_timing_init (LdTiming *self)
{
  /* Here rather than per duration counted. */
  _ld_timing_ensure_bin_tables ();

  self->key_kinds = g_byte_array_new ();
  self->seconds = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, second_free);
  self->groups = _ld_timing_groups_new ();
  _ld_timing_ledger_init (&self->ledger);
  self->slowest = g_array_new (FALSE, FALSE, sizeof (LdTimingSlow));
  self->values = g_malloc ((gsize) LD_TIMING_READ_RUN * LD_TIMING_GROUP_NAME_MAX);
  g_mutex_init (&self->lock);
  g_mutex_init (&self->wake_lock);
  g_cond_init (&self->wake);
  g_cond_init (&self->done);
}

/* Public */

LdTiming *
ld_timing_new (void)
{
  return g_object_new (LD_TYPE_TIMING, NULL);
}

/**
 * ld_timing_attach_store:
 * @self: the timing counters
 * @store: the store to read durations from
 *
 * Reads every record of @store on a worker thread
 * (ld_timing_get_pending() says how many are left), then follows its
 * appends, evictions and clears. ::changed is emitted on the
 * thread-default main context of the caller, which must be the thread
 * that changes @store.
 */
void
ld_timing_attach_store (LdTiming *self,
                        LdStore  *store)
{
  g_return_if_fail (LD_IS_TIMING (self));
  g_return_if_fail (LD_IS_STORE (store));

  /* Taken before the detach, which may drop the last other reference to
   * the same store. */
  g_object_ref (store);
  ld_timing_detach (self);
  self->store = store;
  self->context = g_main_context_ref_thread_default ();
  self->n_evicted_seen = ld_store_get_n_evicted (store);
  self->items_changed_id = g_signal_connect_swapped (store, "items-changed",
                                                     G_CALLBACK (on_items_changed), self);
  self->worker = g_thread_new ("timing", worker_main, self);
  recount (self);
}

void
ld_timing_detach (LdTiming *self)
{
  g_return_if_fail (LD_IS_TIMING (self));

  if (self->store == NULL)
    return;

  g_clear_signal_handler (&self->items_changed_id, self->store);
  stop_worker (self);
  g_clear_object (&self->store);
  g_clear_pointer (&self->context, g_main_context_unref);
  reset_counts (self);
}

/**
 * ld_timing_set_pattern:
 * @self: the timing counters
 * @pattern: (nullable): the message pattern, see ld_timing_pattern_new();
 *   %NULL or "" for none
 * @error: why @pattern was refused
 *
 * Records whose fields carry no duration are read through @pattern; every
 * record is read again, by the worker.
 *
 * Returns: whether @pattern was taken
 */
gboolean
ld_timing_set_pattern (LdTiming    *self,
                       const char  *pattern,
                       GError     **error)
{
  LdTimingPattern *compiled = NULL;

  g_return_val_if_fail (LD_IS_TIMING (self), FALSE);

  if (pattern != NULL && pattern[0] == '\0')
    pattern = NULL;
  if (g_strcmp0 (pattern, self->pattern_text) == 0)
    return TRUE;
  if (pattern != NULL && (compiled = ld_timing_pattern_new (pattern, error)) == NULL)
    return FALSE;

  lock_counts (self);
  g_clear_pointer (&self->pattern, ld_timing_pattern_free);
  self->pattern = compiled;
  g_mutex_unlock (&self->lock);
  g_free (self->pattern_text);
  self->pattern_text = g_strdup (pattern);
  recount (self);
  return TRUE;
}

const char *
ld_timing_get_pattern (LdTiming *self)
{
  g_return_val_if_fail (LD_IS_TIMING (self), NULL);

  return self->pattern_text;
}

/**
 * ld_timing_set_group_key:
 * @self: the timing counters
 * @key: (nullable): "logger", or an extra field's key such as "path"
 *
 * Groups the durations by @key's value again, from the records stored,
 * read again by the worker.
 */
void
ld_timing_set_group_key (LdTiming   *self,
                         const char *key)
{
  g_return_if_fail (LD_IS_TIMING (self));

  if (key != NULL && key[0] == '\0')
    key = NULL;
  if (g_strcmp0 (key, self->group_key) == 0)
    return;

  g_free (self->group_key);
  self->group_key = g_strdup (key);
  lock_counts (self);
  self->group_by_logger = g_strcmp0 (key, "logger") == 0;
  /* One key the user chose: interning it does not grow the table with
   * the records. */
  self->group_key_id = key != NULL && !self->group_by_logger ? ld_intern (key, -1)
                                                             : LD_INTERN_NONE;
  g_mutex_unlock (&self->lock);
  recount (self);
}

const char *
ld_timing_get_group_key (LdTiming *self)
{
  g_return_val_if_fail (LD_IS_TIMING (self), NULL);

  return self->group_key;
}

/**
 * ld_timing_get_pending:
 *
 * Records that arrive after a reading of the whole store began are not
 * counted here: they are read as they come, a few milliseconds late at
 * most, and a progress bar for them would only flicker.
 *
 * Returns: how many of the records stored when the last reading of the
 *   whole store began (attaching it, or a new pattern or grouping field)
 *   are still to be read; the figures are those of the records before
 *   them
 */
guint
ld_timing_get_pending (LdTiming *self)
{
  guint64 read;
  guint pending;

  g_return_val_if_fail (LD_IS_TIMING (self), 0);

  if (self->store == NULL)
    return 0;
  lock_counts (self);
  read = MAX (self->next_seq, ld_store_get_first_seq (self->store));
  pending = self->recount_end > read ? (guint) (self->recount_end - read) : 0;
  g_mutex_unlock (&self->lock);

  return pending;
}

/**
 * ld_timing_flush:
 *
 * Waits for the worker to read every record stored now and to forget the
 * evicted ones, and emits ::changed if it changed the counts. For tests
 * and benchmarks: the UI thread must not wait for the worker.
 */
void
ld_timing_flush (LdTiming *self)
{
  guint64 request;
  gboolean changed;

  g_return_if_fail (LD_IS_TIMING (self));

  if (self->store == NULL)
    return;

  request = wake_worker (self);
  g_mutex_lock (&self->wake_lock);
  while (self->served < request)
    g_cond_wait (&self->done, &self->wake_lock);
  g_mutex_unlock (&self->wake_lock);

  lock_counts (self);
  changed = self->notify_source != NULL;
  if (changed)
    {
      g_source_destroy (self->notify_source);
      g_clear_pointer (&self->notify_source, g_source_unref);
    }
  g_mutex_unlock (&self->lock);
  if (changed)
    g_signal_emit (self, signals[CHANGED], 0);
}

/**
 * ld_timing_get_n_durations:
 *
 * Returns: how many stored records have a duration
 */
guint
ld_timing_get_n_durations (LdTiming *self)
{
  guint n;

  g_return_val_if_fail (LD_IS_TIMING (self), 0);

  lock_counts (self);
  n = self->ledger.len;
  g_mutex_unlock (&self->lock);

  return n;
}

/**
 * ld_timing_dup_groups:
 *
 * The values of the grouping field with the most stored durations, at
 * most %LD_TIMING_MAX_GROUPS, and "other" for the rest. Costs a sort of
 * the values counted (at most %LD_TIMING_MAX_VALUES) and, when a value
 * entered the list since the last call, one pass over the durations.
 *
 * Returns: (transfer full) (element-type LdTimingGroup): the groups, most
 *   durations first (ties by name), "other" last
 */
GArray *
ld_timing_dup_groups (LdTiming *self)
{
  GArray *groups;

  g_return_val_if_fail (LD_IS_TIMING (self), NULL);

  lock_counts (self);
  groups = _ld_timing_groups_dup (self->groups, &self->ledger);
  g_mutex_unlock (&self->lock);

  return groups;
}

/**
 * ld_timing_dup_slowest:
 *
 * Returns: (transfer full) (element-type LdTimingSlow): the slowest stored
 *   records, slowest first, at most %LD_TIMING_N_SLOWEST; one may have
 *   been evicted since the worker last looked
 */
GArray *
ld_timing_dup_slowest (LdTiming *self)
{
  guint n;
  GArray *result;

  g_return_val_if_fail (LD_IS_TIMING (self), NULL);

  lock_counts (self);
  /* From the first sequence number the ledger was last cut at: the
   * store's may be past entries the worker has not forgotten yet. */
  if (self->slowest_stale)
    {
      slowest_rebuild (self, self->first_seq);
      self->slowest_stale = FALSE;
    }
  n = MIN (self->slowest->len, LD_TIMING_N_SLOWEST);
  result = g_array_sized_new (FALSE, FALSE, sizeof (LdTimingSlow), n);
  g_array_append_vals (result, self->slowest->data, n);
  g_mutex_unlock (&self->lock);

  return result;
}

/**
 * ld_timing_get_memory_size:
 *
 * Returns: about the bytes the counters hold, for benchmarks
 */
gsize
ld_timing_get_memory_size (LdTiming *self)
{
  GHashTableIter iter;
  Second *second;
  gsize size;

  g_return_val_if_fail (LD_IS_TIMING (self), 0);

  lock_counts (self);
  size = _ld_timing_ledger_get_memory_size (&self->ledger)
         + _ld_timing_groups_get_memory_size (self->groups);
  g_hash_table_iter_init (&iter, self->seconds);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &second))
    size += second_size (second);
  g_mutex_unlock (&self->lock);

  return size;
}
