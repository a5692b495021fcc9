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
 * Reading the whole store again (when it is first attached, or the pattern
 * or the grouping field change) is done in slices of a few milliseconds on
 * the thread-default main context, oldest records first, as the field
 * statistics do, so that the window keeps drawing. Records that arrive
 * meanwhile wait their turn; records evicted meanwhile leave the counts as
 * usual, or are never read. The counts are then those of a reading in one
 * go. */

/* A grouping value is cut at this length: a path, not a document. */
#define GROUP_NAME_MAX 200
/* The slowest records kept, so that evicting some of the slowest rarely
 * means finding the next ones in the ledger. */
#define SLOWEST_RESERVE (4 * LD_TIMING_N_SLOWEST)
#define SLICE_US 5000
#define SLICE_STEP 1024

typedef struct
{
  guint16 bin;
  guint32 count;
} Bin;

/* A second's histogram is sparse (the bins that hold something, found by
 * binary search) until it holds DENSE_AT bins, then dense: a busy second
 * costs a counter per duration rather than a search. */
typedef struct
{
  gint64   second;
  guint32  total;
  GArray  *bins;    /* of Bin, sorted by bin; NULL once dense */
  guint32 *dense;   /* LD_TIMING_N_BINS counts, or NULL */
} Second;

#define DENSE_AT 64

typedef LdTimingEntry Entry;

struct _LdTiming
{
  GObject          parent_instance;

  LdStore         *store;
  gulong           items_changed_id;
  guint64          n_evicted_seen;
  guint64          next_seq;      /* the first record not read yet */
  GSource         *slice_source;  /* while records wait to be read */

  LdTimingPattern *pattern;
  char            *pattern_text;
  char            *group_key;
  guint32          group_key_id;  /* interned, for an extra field */
  gboolean         group_by_logger;

  GByteArray      *key_kinds;    /* by interned key: KEY_UNKNOWN, … */
  GHashTable      *seconds;      /* &Second.second → Second */
  /* The seconds last appended to and evicted from: records come in time
   * order, so each is nearly always the next one's, and the two ends of
   * the store do not take the one cache from each other. */
  Second          *appending;
  Second          *evicting;
  LdTimingGroups  *groups;

  LdTimingLedger   ledger;
  gint64           origin;       /* the ledger's second 0 */
  gboolean         has_origin;

  /* The slowest records, slowest first, and the best of those that are
   * not kept: every record kept is slower, every live one not kept is not.
   * So the first LD_TIMING_N_SLOWEST live ones kept are the slowest live,
   * until evictions leave fewer than that. */
  GArray          *slowest;      /* of LdTimingSlow */
  LdTimingSlow     floor;
  gboolean         has_floor;
  gboolean         slowest_stale;   /* to be found in the ledger when next read */
};

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LdTiming, ld_timing, G_TYPE_OBJECT)

static inline gint64
floor_div (gint64 value,
           gint64 divisor)
{
  gint64 quotient = value / divisor;

  return (value % divisor != 0 && value < 0) ? quotient - 1 : quotient;
}

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

/* Adds @second's counts to @bins. */
static void
second_merge (const Second *second,
              guint32      *bins)
{
  if (second->dense != NULL)
    {
      for (guint b = 0; b < LD_TIMING_N_BINS; b++)
        bins[b] += second->dense[b];
      return;
    }
  for (guint b = 0; b < second->bins->len; b++)
    {
      const Bin *bin = &g_array_index (second->bins, Bin, b);

      bins[bin->bin] += bin->count;
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

/* Counting */

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
group_slot (LdTiming                 *self,
            const LdRecord           *record,
            const LdTimingGroupField *field,
            guint                     bin)
{
  const char *value = field->value;
  gsize length = field->length;
  guint32 intern_id = LD_INTERN_NONE;

  if (self->group_by_logger && record->logger != LD_INTERN_NONE)
    {
      intern_id = record->logger;
      value = ld_intern_lookup (intern_id);
      length = strlen (value);
    }
  if (value == NULL)
    value = "", length = 0;

  return _ld_timing_groups_add (self->groups, intern_id, value, MIN (length, GROUP_NAME_MAX),
                                bin);
}

/* Counts a duration found, in @entry. */
static void
add_found (LdTiming            *self,
           const LdTimingFound *found,
           guint64              seq,
           Entry               *entry)
{
  const LdRecord *record = found->record;

  /* Kept as a float, as everything after this reads it: 7 digits. */
  entry->seq = (guint32) seq;
  entry->offset = ledger_offset (self, floor_div (record->time_us, G_USEC_PER_SEC));
  entry->seconds = (float) found->seconds;
  entry->bin = _ld_timing_bin_for (entry->seconds);
  entry->slot = group_slot (self, record, &found->group, entry->bin);

  second_add (lookup_second (self, &self->appending, self->origin + entry->offset, TRUE),
              entry->bin);
  slowest_offer (self, seq, entry->seconds);
}

/* Records are read in runs, and each duration found is counted in the
 * ledger's next entry. */
static void
add_positions (LdTiming *self,
               guint     position,
               guint     count)
{
  guint64 first_seq = ld_store_get_first_seq (self->store);
  LdTimingFound found[LD_TIMING_READ_RUN];

  for (guint start = position; start < position + count; start += LD_TIMING_READ_RUN)
    {
      guint n_found = _ld_timing_read_run (self->store, start,
                                           MIN (position + count - start, LD_TIMING_READ_RUN),
                                           self->key_kinds, self->pattern, self->group_key_id,
                                           found);

      for (guint i = 0; i < n_found; i++)
        add_found (self, &found[i], first_seq + found[i].position,
                   _ld_timing_ledger_push (&self->ledger));
    }
}

static void
stop_slices (LdTiming *self)
{
  if (self->slice_source == NULL)
    return;
  g_source_destroy (self->slice_source);
  g_clear_pointer (&self->slice_source, g_source_unref);
}

static void
reset_counts (LdTiming *self)
{
  stop_slices (self);
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

static inline guint64
store_end (LdTiming *self)
{
  return ld_store_get_first_seq (self->store) + ld_store_get_n_records (self->store);
}

/* Reads the records not read yet, oldest first, until there are none or,
 * with a @deadline, past it. Returns whether any was read. */
static gboolean
read_pending (LdTiming *self,
              gint64    deadline)
{
  guint64 first_seq = ld_store_get_first_seq (self->store);
  guint64 end = store_end (self);
  gboolean read = FALSE;

  self->next_seq = MAX (self->next_seq, first_seq);
  while (self->next_seq < end)
    {
      guint64 stop = MIN (end, self->next_seq + SLICE_STEP);

      add_positions (self, (guint) (self->next_seq - first_seq), (guint) (stop - self->next_seq));
      self->next_seq = stop;
      read = TRUE;
      if (deadline != 0 && g_get_monotonic_time () > deadline)
        break;
    }
  return read;
}

static gboolean
read_slice (gpointer user_data)
{
  LdTiming *self = user_data;

  read_pending (self, g_get_monotonic_time () + SLICE_US);
  if (self->next_seq < store_end (self))
    {
      g_signal_emit (self, signals[CHANGED], 0);
      return G_SOURCE_CONTINUE;
    }

  g_clear_pointer (&self->slice_source, g_source_unref);
  g_signal_emit (self, signals[CHANGED], 0);
  return G_SOURCE_REMOVE;
}

static void
schedule_slices (LdTiming *self)
{
  if (self->slice_source != NULL || self->next_seq >= store_end (self))
    return;

  /* Below the frame clock's priority: a frame is drawn between slices. */
  self->slice_source = g_idle_source_new ();
  g_source_set_priority (self->slice_source, G_PRIORITY_DEFAULT_IDLE);
  g_source_set_callback (self->slice_source, read_slice, self, NULL);
  g_source_set_static_name (self->slice_source, "[logdeck] timing recount");
  g_source_attach (self->slice_source, g_main_context_get_thread_default ());
}

/* Every stored record is read again, in slices. */
static void
recount (LdTiming *self)
{
  reset_counts (self);
  if (self->store != NULL)
    {
      self->next_seq = ld_store_get_first_seq (self->store);
      schedule_slices (self);
    }
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
forget_evicted (LdTiming *self)
{
  guint64 first_seq = ld_store_get_first_seq (self->store);

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
}

/* A removal that did not count as eviction is a clear. New records are
 * read at once, unless a recount is under way: then they wait their turn,
 * after the records before them. */
static void
on_items_changed (LdTiming   *self,
                  guint       position,
                  guint       removed,
                  guint       added,
                  GListModel *store)
{
  guint64 n_evicted = ld_store_get_n_evicted (self->store);
  guint before = self->ledger.len;

  if (removed > 0 && n_evicted == self->n_evicted_seen)
    reset_counts (self);
  else if (removed > 0)
    forget_evicted (self);
  self->n_evicted_seen = n_evicted;

  if (self->slice_source == NULL)
    {
      if (added > 0)
        add_positions (self, position, added);
      self->next_seq = store_end (self);
    }
  else
    self->next_seq = MAX (self->next_seq, ld_store_get_first_seq (self->store));

  if (removed > 0 || self->ledger.len != before)
    g_signal_emit (self, signals[CHANGED], 0);
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
   * Emitted once per batch of records that added or removed a duration,
   * once per slice of a recount, and when the pattern or the grouping
   * field changed.
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
 * Reads every record of @store, in slices on the thread-default main
 * context (ld_timing_get_pending() says how many are left), then follows
 * its appends, evictions and clears.
 */
void
ld_timing_attach_store (LdTiming *self,
                        LdStore  *store)
{
  g_return_if_fail (LD_IS_TIMING (self));
  g_return_if_fail (LD_IS_STORE (store));

  ld_timing_detach (self);
  self->store = g_object_ref (store);
  self->n_evicted_seen = ld_store_get_n_evicted (store);
  self->items_changed_id = g_signal_connect_swapped (store, "items-changed",
                                                     G_CALLBACK (on_items_changed), self);
  recount (self);
}

void
ld_timing_detach (LdTiming *self)
{
  g_return_if_fail (LD_IS_TIMING (self));

  if (self->store == NULL)
    return;

  g_clear_signal_handler (&self->items_changed_id, self->store);
  g_clear_object (&self->store);
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
 * record is read again, in slices.
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

  g_clear_pointer (&self->pattern, ld_timing_pattern_free);
  self->pattern = compiled;
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
 * read again in slices.
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
  self->group_by_logger = g_strcmp0 (key, "logger") == 0;
  /* One key the user chose: interning it does not grow the table with
   * the records. */
  self->group_key_id = key != NULL && !self->group_by_logger ? ld_intern (key, -1)
                                                             : LD_INTERN_NONE;
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
 * Returns: how many stored records a recount has still to read; the
 *   figures are those of the records before them
 */
guint
ld_timing_get_pending (LdTiming *self)
{
  g_return_val_if_fail (LD_IS_TIMING (self), 0);

  if (self->store == NULL)
    return 0;
  return (guint) (store_end (self) - MAX (self->next_seq, ld_store_get_first_seq (self->store)));
}

/**
 * ld_timing_flush:
 *
 * Reads every record a recount has still to read, now.
 */
void
ld_timing_flush (LdTiming *self)
{
  g_return_if_fail (LD_IS_TIMING (self));

  if (self->store == NULL || self->slice_source == NULL)
    return;
  read_pending (self, 0);
  stop_slices (self);
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
  g_return_val_if_fail (LD_IS_TIMING (self), 0);

  return self->ledger.len;
}

/**
 * ld_timing_get_time_range:
 * @first_second: (out) (optional): the first second with a duration
 * @last_second: (out) (optional): the last
 *
 * Returns: %FALSE when no record has a duration
 */
gboolean
ld_timing_get_time_range (LdTiming *self,
                          gint64   *first_second,
                          gint64   *last_second)
{
  GHashTableIter iter;
  Second *second;
  gint64 first = G_MAXINT64, last = G_MININT64;

  g_return_val_if_fail (LD_IS_TIMING (self), FALSE);

  g_hash_table_iter_init (&iter, self->seconds);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &second))
    {
      first = MIN (first, second->second);
      last = MAX (last, second->second);
    }
  if (first_second != NULL)
    *first_second = first;
  if (last_second != NULL)
    *last_second = last;

  return first <= last;
}

typedef struct
{
  guint         column;
  const Second *second;
} ColumnSecond;

static int
compare_column_seconds (gconstpointer a,
                        gconstpointer b)
{
  const ColumnSecond *x = a, *y = b;

  return x->column < y->column ? -1 : x->column > y->column;
}

/**
 * ld_timing_read_columns:
 * @self: the timing counters
 * @from_second: where the first column starts, since the Unix epoch
 * @column_seconds: the seconds each column spans, at least 1
 * @n_columns: how many columns
 * @columns: (array length=n_columns) (out caller-allocates): their percentiles
 *
 * Costs one pass over the seconds that hold durations, whatever the span,
 * and a merge of the bins of those in range, one column at a time.
 *
 * Returns: the largest p99 of any column, to scale a chart by
 */
double
ld_timing_read_columns (LdTiming       *self,
                        gint64          from_second,
                        guint           column_seconds,
                        guint           n_columns,
                        LdTimingColumn *columns)
{
  g_autoptr(GArray) in_range = NULL;
  guint32 bins[LD_TIMING_N_BINS];
  GHashTableIter iter;
  Second *second;
  double max = 0;

  g_return_val_if_fail (LD_IS_TIMING (self), 0);
  g_return_val_if_fail (column_seconds > 0, 0);
  g_return_val_if_fail (columns != NULL || n_columns == 0, 0);

  if (n_columns == 0)
    return 0;
  memset (columns, 0, n_columns * sizeof *columns);

  /* The seconds in range, in column order, so that one set of bins is
   * merged and read per column whatever the number of columns. */
  in_range = g_array_new (FALSE, FALSE, sizeof (ColumnSecond));
  /* A chart shows minutes or hours of a store that may span days: the
   * seconds of its range are looked up one by one when they are fewer than
   * the seconds stored, so a redraw costs what is shown. */
  if ((guint64) n_columns * column_seconds < g_hash_table_size (self->seconds))
    {
      for (guint64 i = 0; i < (guint64) n_columns * column_seconds; i++)
        {
          gint64 number = from_second + (gint64) i;

          if ((second = g_hash_table_lookup (self->seconds, &number)) != NULL)
            {
              ColumnSecond entry = { (guint) (i / column_seconds), second };

              g_array_append_val (in_range, entry);
            }
        }
    }
  else
    {
      g_hash_table_iter_init (&iter, self->seconds);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &second))
        {
          gint64 index = floor_div (second->second - from_second, column_seconds);
          ColumnSecond entry = { (guint) index, second };

          if (index >= 0 && index < n_columns)
            g_array_append_val (in_range, entry);
        }
      g_array_sort (in_range, compare_column_seconds);
    }

  for (guint i = 0; i < in_range->len;)
    {
      guint column = g_array_index (in_range, ColumnSecond, i).column;
      LdTimingColumn *out = &columns[column];

      memset (bins, 0, sizeof bins);
      for (; i < in_range->len && g_array_index (in_range, ColumnSecond, i).column == column; i++)
        {
          const Second *merged = g_array_index (in_range, ColumnSecond, i).second;

          second_merge (merged, bins);
          out->count += merged->total;
        }
      out->p50 = ld_timing_percentile (bins, out->count, 0.50);
      out->p95 = ld_timing_percentile (bins, out->count, 0.95);
      out->p99 = ld_timing_percentile (bins, out->count, 0.99);
      max = MAX (max, out->p99);
    }

  return max;
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
  g_return_val_if_fail (LD_IS_TIMING (self), NULL);

  return _ld_timing_groups_dup (self->groups, &self->ledger);
}

/**
 * ld_timing_dup_slowest:
 *
 * Returns: (transfer full) (element-type LdTimingSlow): the slowest stored
 *   records, slowest first, at most %LD_TIMING_N_SLOWEST
 */
GArray *
ld_timing_dup_slowest (LdTiming *self)
{
  guint n;
  GArray *result;

  g_return_val_if_fail (LD_IS_TIMING (self), NULL);

  if (self->slowest_stale)
    {
      slowest_rebuild (self, self->store != NULL ? ld_store_get_first_seq (self->store) : 0);
      self->slowest_stale = FALSE;
    }
  n = MIN (self->slowest->len, LD_TIMING_N_SLOWEST);
  result = g_array_sized_new (FALSE, FALSE, sizeof (LdTimingSlow), n);
  g_array_append_vals (result, self->slowest->data, n);
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

  size = _ld_timing_ledger_get_memory_size (&self->ledger)
         + _ld_timing_groups_get_memory_size (self->groups);
  g_hash_table_iter_init (&iter, self->seconds);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &second))
    size += second_size (second);
  return size;
}
