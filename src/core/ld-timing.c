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
 * merges into a percentile. Per value of a grouping field, a dense
 * histogram for the first LD_TIMING_MAX_GROUPS values seen, and one for the
 * rest. And the LD_TIMING_N_SLOWEST slowest records, by sequence number.
 *
 * Eviction works as in ld-error-groups.c: a ledger in store order of the
 * records that had a duration, consumed from the front up to the store's
 * first sequence number. A record costs its ledger entry only when it has a
 * duration. */

#define BIN_RATIO 1.04
/* A grouping value is cut at this length: a path, not a document. */
#define GROUP_NAME_MAX 200

typedef struct
{
  guint16 bin;
  guint32 count;
} Bin;

typedef struct
{
  gint64  second;
  guint32 total;
  GArray *bins;    /* of Bin, sorted by bin */
} Second;

typedef struct
{
  char    *name;     /* NULL for "other" */
  guint64  count;
  guint32  bins[LD_TIMING_N_BINS];
} Group;

/* 16 bytes a timed record. The store holds fewer than 2^31 records, so
 * the low half of a sequence number tells the live ones apart, and a second
 * is kept from an origin as in ld-activity.c. */
typedef struct
{
  guint32 seq;
  gint32  offset;    /* the second, from the ledger's origin */
  float   seconds;
  guint16 bin;
  guint16 group;
} Entry;

struct _LdTiming
{
  GObject          parent_instance;

  LdStore         *store;
  gulong           items_changed_id;
  guint64          n_evicted_seen;

  LdTimingPattern *pattern;
  char            *pattern_text;
  char            *group_key;
  guint32          group_key_id;  /* interned, for an extra field */
  gboolean         group_by_logger;

  GByteArray      *key_kinds;    /* by interned key: KEY_UNKNOWN, … */
  GHashTable      *seconds;      /* &Second.second → Second */
  Second          *last_second;
  GHashTable      *group_index;  /* name → index + 1 */
  GPtrArray       *groups;       /* of Group; the last one is "other" when present */
  guint            other_group;  /* G_MAXUINT until needed */

  GArray          *ledger;       /* of Entry */
  guint            ledger_head;
  gint64           origin;       /* the ledger's second 0 */
  gboolean         has_origin;
  GArray          *slowest;      /* of LdTimingSlow, slowest first */
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

/* Bins */

/**
 * ld_timing_bin_for:
 * @seconds: a duration
 *
 * Returns: the histogram bin that counts @seconds
 */
guint
ld_timing_bin_for (double seconds)
{
  double us = seconds * 1e6;
  double index;

  if (!(us >= 1.0))
    return 0;

  index = floor (log (us) / log (BIN_RATIO)) + 1;
  return (guint) MIN (index, LD_TIMING_N_BINS - 1);
}

/**
 * ld_timing_bin_value:
 * @bin: a histogram bin
 *
 * Returns: the duration in seconds that stands for every one in @bin, its
 *   geometric middle
 */
double
ld_timing_bin_value (guint bin)
{
  if (bin == 0)
    return 0.5e-6;

  return pow (BIN_RATIO, bin - 0.5) * 1e-6;
}

/**
 * ld_timing_percentile:
 * @bins: (array fixed-size=648): counts per bin
 * @total: their sum
 * @fraction: 0.5 for the median, 0.99 for p99
 *
 * The duration below which @fraction of the counted ones fall, the
 * nearest-rank way: the value of rank ⌈fraction × total⌉.
 *
 * Returns: seconds, or 0 when nothing is counted
 */
double
ld_timing_percentile (const guint32 *bins,
                      guint64        total,
                      double         fraction)
{
  guint64 rank, seen = 0;

  if (total == 0)
    return 0;

  rank = (guint64) ceil (fraction * total);
  rank = CLAMP (rank, 1, total);
  for (guint i = 0; i < LD_TIMING_N_BINS; i++)
    {
      seen += bins[i];
      if (seen >= rank)
        return ld_timing_bin_value (i);
    }

  return ld_timing_bin_value (LD_TIMING_N_BINS - 1);
}

/* Seconds */

static void
second_free (gpointer data)
{
  Second *second = data;

  g_array_unref (second->bins);
  g_free (second);
}

static Second *
lookup_second (LdTiming *self,
               gint64    number,
               gboolean  create)
{
  Second *second = self->last_second;

  if (second != NULL && second->second == number)
    return second;

  second = g_hash_table_lookup (self->seconds, &number);
  if (second == NULL && create)
    {
      second = g_new0 (Second, 1);
      second->second = number;
      second->bins = g_array_new (FALSE, FALSE, sizeof (Bin));
      g_hash_table_insert (self->seconds, &second->second, second);
    }
  self->last_second = second;
  return second;
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
  guint index = find_bin (second->bins, bin, &found);

  if (found)
    g_array_index (second->bins, Bin, index).count++;
  else
    {
      Bin entry = { (guint16) bin, 1 };

      g_array_insert_val (second->bins, index, entry);
    }
  second->total++;
}

static void
remove_from_second (LdTiming    *self,
                    const Entry *entry)
{
  Second *second = lookup_second (self, self->origin + entry->offset, FALSE);
  gboolean found;
  guint index;

  g_assert (second != NULL);
  index = find_bin (second->bins, entry->bin, &found);
  g_assert (found);

  if (--g_array_index (second->bins, Bin, index).count == 0)
    g_array_remove_index (second->bins, index);
  if (--second->total == 0)
    {
      gint64 number = second->second;

      self->last_second = NULL;
      g_hash_table_remove (self->seconds, &number);
    }
}

/* Groups */

static Group *
group_new (const char *name)
{
  Group *group = g_new0 (Group, 1);

  group->name = g_strdup (name);
  return group;
}

static void
group_free (gpointer data)
{
  Group *group = data;

  g_free (group->name);
  g_free (group);
}

/* A value gets its own group while there are fewer than the maximum; every
 * later one shares "other", so a field with a value per request (an id)
 * costs a bounded amount. */
static guint
group_for (LdTiming         *self,
           const LdRecord   *record,
           const LdTimingGroupField *field)
{
  const char *value = field->value;
  gsize length = field->length;
  char name[GROUP_NAME_MAX + 1];
  gpointer found;

  if (self->group_by_logger)
    {
      value = ld_intern_lookup (record->logger);
      length = value != NULL ? strlen (value) : 0;
    }
  if (value == NULL)
    value = "", length = 0;

  /* Looked up from the stack: a record costs no allocation. */
  length = MIN (length, GROUP_NAME_MAX);
  memcpy (name, value, length);
  name[length] = '\0';
  found = g_hash_table_lookup (self->group_index, name);
  if (found != NULL)
    return GPOINTER_TO_UINT (found) - 1;

  if (g_hash_table_size (self->group_index) < LD_TIMING_MAX_GROUPS)
    {
      guint index = self->groups->len;

      g_ptr_array_add (self->groups, group_new (name));
      g_hash_table_insert (self->group_index, g_strdup (name), GUINT_TO_POINTER (index + 1));
      return index;
    }

  if (self->other_group == G_MAXUINT)
    {
      self->other_group = self->groups->len;
      g_ptr_array_add (self->groups, group_new (NULL));
    }
  return self->other_group;
}

/* The slowest records */

static void
slowest_offer (LdTiming *self,
               guint64   seq,
               double    seconds)
{
  LdTimingSlow slow = { seq, seconds };
  guint index = self->slowest->len;

  if (index == LD_TIMING_N_SLOWEST
      && g_array_index (self->slowest, LdTimingSlow, index - 1).seconds >= seconds)
    return;

  while (index > 0 && g_array_index (self->slowest, LdTimingSlow, index - 1).seconds < seconds)
    index--;
  g_array_insert_val (self->slowest, index, slow);
  if (self->slowest->len > LD_TIMING_N_SLOWEST)
    g_array_set_size (self->slowest, LD_TIMING_N_SLOWEST);
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
  for (guint i = self->ledger_head; i < self->ledger->len; i++)
    {
      const Entry *entry = &g_array_index (self->ledger, Entry, i);

      slowest_offer (self, entry_seq (entry, first_seq), entry->seconds);
    }
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

static void
add_record (LdTiming       *self,
            const LdRecord *record,
            guint64         seq)
{
  LdTimingGroupField field = { self->group_key_id, NULL, 0 };
  Entry *entry;
  Group *group;
  double seconds;
  gsize length;

  if (!_ld_timing_read_extras (record, self->key_kinds, &field, &seconds))
    {
      const char *message;

      if (self->pattern == NULL)
        return;
      message = ld_record_get_message (record, &length);
      if (!ld_timing_pattern_match (self->pattern, message, length, &seconds))
        return;
    }

  /* Kept as a float, as everything after this reads it: 7 digits. */
  g_array_set_size (self->ledger, self->ledger->len + 1);
  entry = &g_array_index (self->ledger, Entry, self->ledger->len - 1);
  entry->seq = (guint32) seq;
  entry->offset = ledger_offset (self, floor_div (record->time_us, G_USEC_PER_SEC));
  entry->seconds = (float) seconds;
  entry->bin = ld_timing_bin_for (entry->seconds);
  entry->group = group_for (self, record, &field);

  second_add (lookup_second (self, self->origin + entry->offset, TRUE), entry->bin);
  group = g_ptr_array_index (self->groups, entry->group);
  group->bins[entry->bin]++;
  group->count++;
  slowest_offer (self, seq, entry->seconds);
}

static void
add_positions (LdTiming *self,
               guint     position,
               guint     count)
{
  guint64 first_seq = ld_store_get_first_seq (self->store);

  for (guint i = position; i < position + count; i++)
    add_record (self, ld_store_get_record (self->store, i), first_seq + i);
}

static void
reset_counts (LdTiming *self)
{
  g_hash_table_remove_all (self->seconds);
  self->last_second = NULL;
  g_hash_table_remove_all (self->group_index);
  g_ptr_array_set_size (self->groups, 0);
  self->other_group = G_MAXUINT;
  g_array_set_size (self->ledger, 0);
  self->ledger_head = 0;
  self->has_origin = FALSE;
  g_array_set_size (self->slowest, 0);
}

static void
recount (LdTiming *self)
{
  reset_counts (self);
  if (self->store != NULL)
    add_positions (self, 0, ld_store_get_n_records (self->store));
  g_signal_emit (self, signals[CHANGED], 0);
}

/* A group keeps its place when its records go, with a count of 0, so that
 * the values seen first do not change groups under the user. */
static void
forget_evicted (LdTiming *self)
{
  guint64 first_seq = ld_store_get_first_seq (self->store);
  guint64 slowest_gone = 0;

  while (self->ledger_head < self->ledger->len)
    {
      const Entry *entry = &g_array_index (self->ledger, Entry, self->ledger_head);
      Group *group;

      if (!entry_evicted (entry, first_seq))
        break;
      remove_from_second (self, entry);
      group = g_ptr_array_index (self->groups, entry->group);
      group->bins[entry->bin]--;
      group->count--;
      self->ledger_head++;
    }

  for (guint i = 0; i < self->slowest->len; i++)
    slowest_gone += g_array_index (self->slowest, LdTimingSlow, i).seq < first_seq;
  if (slowest_gone > 0)
    slowest_rebuild (self, first_seq);

  if (self->ledger_head > 256 && self->ledger_head * 2 > self->ledger->len)
    {
      g_array_remove_range (self->ledger, 0, self->ledger_head);
      self->ledger_head = 0;
    }
}

/* A removal that did not count as eviction is a clear. */
static void
on_items_changed (LdTiming   *self,
                  guint       position,
                  guint       removed,
                  guint       added,
                  GListModel *store)
{
  guint64 n_evicted = ld_store_get_n_evicted (self->store);
  guint before = self->ledger->len - self->ledger_head;

  if (removed > 0 && n_evicted == self->n_evicted_seen)
    reset_counts (self);
  else if (removed > 0)
    forget_evicted (self);
  self->n_evicted_seen = n_evicted;

  if (added > 0)
    add_positions (self, position, added);
  if (removed > 0 || self->ledger->len - self->ledger_head != before)
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
  g_hash_table_unref (self->group_index);
  g_ptr_array_unref (self->groups);
  g_array_unref (self->ledger);
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
   * and when the pattern or the grouping field changed.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ld_timing_init (LdTiming *self)
{
  self->key_kinds = g_byte_array_new ();
  self->seconds = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, second_free);
  self->group_index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->groups = g_ptr_array_new_with_free_func (group_free);
  self->other_group = G_MAXUINT;
  self->ledger = g_array_new (FALSE, FALSE, sizeof (Entry));
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
 * Reads every record of @store once, then follows its appends, evictions
 * and clears.
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
 * record is read again.
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
 * Groups the durations by @key's value again, from the records stored.
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
 * ld_timing_get_n_durations:
 *
 * Returns: how many stored records have a duration
 */
guint
ld_timing_get_n_durations (LdTiming *self)
{
  g_return_val_if_fail (LD_IS_TIMING (self), 0);

  return self->ledger->len - self->ledger_head;
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
  g_hash_table_iter_init (&iter, self->seconds);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &second))
    {
      gint64 index = floor_div (second->second - from_second, column_seconds);
      ColumnSecond entry = { (guint) index, second };

      if (index >= 0 && index < n_columns)
        g_array_append_val (in_range, entry);
    }
  g_array_sort (in_range, compare_column_seconds);

  for (guint i = 0; i < in_range->len;)
    {
      guint column = g_array_index (in_range, ColumnSecond, i).column;
      LdTimingColumn *out = &columns[column];

      memset (bins, 0, sizeof bins);
      for (; i < in_range->len && g_array_index (in_range, ColumnSecond, i).column == column; i++)
        {
          const Second *merged = g_array_index (in_range, ColumnSecond, i).second;

          for (guint b = 0; b < merged->bins->len; b++)
            {
              const Bin *bin = &g_array_index (merged->bins, Bin, b);

              bins[bin->bin] += bin->count;
            }
          out->count += merged->total;
        }
      out->p50 = ld_timing_percentile (bins, out->count, 0.50);
      out->p95 = ld_timing_percentile (bins, out->count, 0.95);
      out->p99 = ld_timing_percentile (bins, out->count, 0.99);
      max = MAX (max, out->p99);
    }

  return max;
}

static int
compare_groups (gconstpointer a,
                gconstpointer b)
{
  const LdTimingGroup *first = a, *second = b;

  if (first->count != second->count)
    return first->count > second->count ? -1 : 1;
  return g_strcmp0 (first->name, second->name);
}

static void
clear_group (gpointer data)
{
  g_free (((LdTimingGroup *) data)->name);
}

/**
 * ld_timing_dup_groups:
 *
 * Returns: (transfer full) (element-type LdTimingGroup): the groups that
 *   hold a stored duration, most durations first, "other" last
 */
GArray *
ld_timing_dup_groups (LdTiming *self)
{
  GArray *result;
  LdTimingGroup other = { NULL };

  g_return_val_if_fail (LD_IS_TIMING (self), NULL);

  result = g_array_new (FALSE, FALSE, sizeof (LdTimingGroup));
  g_array_set_clear_func (result, clear_group);
  for (guint i = 0; i < self->groups->len; i++)
    {
      const Group *group = g_ptr_array_index (self->groups, i);
      LdTimingGroup entry = {
        g_strdup (group->name), group->count,
        ld_timing_percentile (group->bins, group->count, 0.50),
        ld_timing_percentile (group->bins, group->count, 0.95),
        ld_timing_percentile (group->bins, group->count, 0.99),
      };

      if (group->count == 0)
        g_free (entry.name);
      else if (entry.name == NULL)
        other = entry;
      else
        g_array_append_val (result, entry);
    }
  g_array_sort (result, compare_groups);
  if (other.count > 0)
    g_array_append_val (result, other);
  return result;
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
  GArray *result;

  g_return_val_if_fail (LD_IS_TIMING (self), NULL);

  result = g_array_sized_new (FALSE, FALSE, sizeof (LdTimingSlow), self->slowest->len);
  g_array_append_vals (result, self->slowest->data, self->slowest->len);
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

  size = (gsize) self->ledger->len * sizeof (Entry) + self->groups->len * sizeof (Group);
  g_hash_table_iter_init (&iter, self->seconds);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &second))
    size += sizeof (Second) + second->bins->len * sizeof (Bin);
  return size;
}
