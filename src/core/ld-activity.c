// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <string.h>

#include "ld-activity.h"
#include "ld-level.h"
#include "ld-row.h"

/* Records per second by level band, for the activity chart, kept up to date
 * as the attached model changes and never by rescanning it.
 *
 * Each record counts in the second of its own time stamp. A sender whose
 * clock runs behind, or a record that arrives late, lands in the second it
 * names, however far back or ahead that is. Seconds are kept in pages of
 * 1024 found through a hash table, so a gap of days between two records
 * costs nothing, and a page is freed once its last record has gone. Beside
 * them, per-minute sums make reading an hour or a day (to draw a long
 * window) a few hundred reads rather than tens of thousands.
 *
 * The store says how many of its oldest records it evicted, not which, and
 * they are gone when it says so. So a ledger remembers, in model order, runs
 * of consecutive records that share a second and a band; an eviction of k
 * records takes the first k off the ledger and off their seconds. A steady
 * stream costs one run per change of second or band: a few runs a second,
 * and at worst 8 bytes a record when every record differs from the one
 * before (the store spends 88). That keeps the counts equal to a recount of
 * the model after any append, eviction or clear, with no change to the
 * store. */

#define PAGE_SIZE 1024
#define RUN_BAND_SHIFT 29
#define RUN_MAX_COUNT ((1u << RUN_BAND_SHIFT) - 1)
/* The record was already gone from the store when the model listed it (a
 * frozen model can list evicted records): it has a place in the ledger but
 * no count. */
#define BAND_UNCOUNTED 7u

typedef struct
{
  gint64           number;
  guint32          total;
  LdActivityBucket buckets[PAGE_SIZE];
} Page;

typedef struct
{
  GHashTable *pages;   /* &Page.number → Page */
  Page       *last;    /* the page used last: most lookups hit it */
} Series;

typedef struct
{
  gint32  offset;      /* the second, from the ledger's origin */
  guint32 packed;      /* band << RUN_BAND_SHIFT | count */
} Run;

/* Where one second's counts live in both series. Consecutive records
 * mostly share a second, so its pages are found (and the second divided
 * out of the time stamp) once per second rather than once per record. */
typedef struct
{
  gint64            second;      /* NO_SECOND when unset */
  gint64            start_us;
  gint32            offset;      /* in the ledger */
  Page             *second_page;
  LdActivityBucket *second_bucket;
  Page             *minute_page;
  LdActivityBucket *minute_bucket;
} Cursor;

#define NO_SECOND G_MININT64

struct _LdActivity
{
  GObject            parent_instance;

  GListModel        *model;
  LdStore           *store;
  LdActivitySeqFunc  seq_func;
  gulong             items_changed_id;
  guint              n_tracked;     /* positions in the ledger */
  guint              n_records;     /* of those, counted */

  Series             seconds;
  Series             minutes;
  Cursor             appending;
  Cursor             evicting;

  GArray            *runs;
  guint              runs_head;
  gint64             origin;        /* the ledger's second 0 */
  gboolean           has_origin;

  gint64             first_second;
  gint64             last_second;
  gboolean           range_dirty;   /* an eviction may have narrowed it */
};

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LdActivity, ld_activity, G_TYPE_OBJECT)

static inline gint64
floor_div (gint64 value,
           gint64 divisor)
{
  gint64 quotient = value / divisor;

  return (value % divisor != 0 && value < 0) ? quotient - 1 : quotient;
}

/**
 * ld_activity_band_for_level:
 * @level: a level on the canonical scale
 *
 * Returns: the band @level is drawn in, the same as ld_level_css_class()
 */
LdActivityBand
ld_activity_band_for_level (int level)
{
  if (level >= LD_LEVEL_CRITICAL)
    return LD_ACTIVITY_BAND_CRITICAL;
  if (level >= LD_LEVEL_ERROR)
    return LD_ACTIVITY_BAND_ERROR;
  if (level >= LD_LEVEL_WARNING)
    return LD_ACTIVITY_BAND_WARNING;
  if (level >= LD_LEVEL_INFO)
    return LD_ACTIVITY_BAND_INFO;
  return LD_ACTIVITY_BAND_DEBUG;
}

guint32
ld_activity_bucket_total (const LdActivityBucket *bucket)
{
  guint32 total = 0;

  for (guint i = 0; i < LD_ACTIVITY_N_BANDS; i++)
    total += bucket->counts[i];

  return total;
}

/* Series of buckets */

static void
series_init (Series *series)
{
  series->pages = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);
  series->last = NULL;
}

static void
series_clear (Series *series)
{
  g_hash_table_remove_all (series->pages);
  series->last = NULL;
}

static inline Page *
series_lookup (Series *series,
               gint64  number)
{
  Page *page;

  if (series->last != NULL && series->last->number == number)
    return series->last;

  page = g_hash_table_lookup (series->pages, &number);
  if (page != NULL)
    series->last = page;

  return page;
}

static Page *
series_page (Series   *series,
             gint64    number,
             gboolean  create)
{
  Page *page = series_lookup (series, number);

  if (page == NULL && create)
    {
      page = g_new0 (Page, 1);
      page->number = number;
      g_hash_table_insert (series->pages, &page->number, page);
      series->last = page;
    }

  g_assert (page != NULL);
  return page;
}

static void
series_free_page (Series *series,
                  Page   *page)
{
  gint64 number = page->number;

  series->last = NULL;
  g_hash_table_remove (series->pages, &number);
}

static inline void
bucket_add (LdActivityBucket       *sum,
            const LdActivityBucket *bucket)
{
  for (guint i = 0; i < LD_ACTIVITY_N_BANDS; i++)
    sum->counts[i] += bucket->counts[i];
}

/* Adds the buckets of units [from, to) to @sum, a page at a time, so that
 * an empty stretch costs one lookup per page. */
static void
series_sum (Series           *series,
            gint64            from,
            gint64            to,
            LdActivityBucket *sum)
{
  while (from < to)
    {
      gint64 number = floor_div (from, PAGE_SIZE);
      gint64 base = number * PAGE_SIZE;
      gint64 end = MIN (to, base + PAGE_SIZE);
      Page *page = series_lookup (series, number);

      for (gint64 unit = from; page != NULL && unit < end; unit++)
        bucket_add (sum, &page->buckets[unit - base]);
      from = end;
    }
}

/* Finds the first (or last) unit with any record in a page range. */
static gboolean
series_find_edge (Series  *series,
                  gboolean last,
                  gint64  *unit)
{
  GHashTableIter iter;
  Page *page, *edge = NULL;

  g_hash_table_iter_init (&iter, series->pages);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &page))
    if (edge == NULL || (last ? page->number > edge->number : page->number < edge->number))
      edge = page;

  if (edge == NULL)
    return FALSE;

  for (guint i = 0; i < PAGE_SIZE; i++)
    {
      guint index = last ? PAGE_SIZE - 1 - i : i;

      if (ld_activity_bucket_total (&edge->buckets[index]) > 0)
        {
          *unit = edge->number * PAGE_SIZE + index;
          return TRUE;
        }
    }

  g_assert_not_reached ();
  return FALSE;
}

/* The ledger */

static void
ledger_reset (LdActivity *self)
{
  g_array_set_size (self->runs, 0);
  self->runs_head = 0;
  self->has_origin = FALSE;
}

/* Seconds are kept as offsets from the first record's, which reach 68
 * years either way; a time stamp beyond that is counted at the limit. */
static gint64
ledger_place (LdActivity *self,
              gint64      second)
{
  if (!self->has_origin)
    {
      self->origin = second;
      self->has_origin = TRUE;
    }

  return CLAMP (second, self->origin + G_MININT32, self->origin + G_MAXINT32);
}

static void
ledger_push (LdActivity *self,
             gint32      offset,
             guint       band)
{
  Run run;

  if (self->runs->len > self->runs_head)
    {
      Run *tail = &g_array_index (self->runs, Run, self->runs->len - 1);

      if (tail->offset == offset && tail->packed >> RUN_BAND_SHIFT == band
          && (tail->packed & RUN_MAX_COUNT) < RUN_MAX_COUNT)
        {
          tail->packed++;
          return;
        }
    }

  run.offset = offset;
  run.packed = band << RUN_BAND_SHIFT | 1;
  g_array_append_val (self->runs, run);
}

/* Cursors */

static void
invalidate_cursors (LdActivity *self)
{
  self->appending.second = NO_SECOND;
  self->evicting.second = NO_SECOND;
}

static void
cursor_seek (LdActivity *self,
             Cursor     *cursor,
             gint64      second,
             gboolean    create)
{
  gint64 minute = floor_div (second, 60);
  gint64 second_number = floor_div (second, PAGE_SIZE);
  gint64 minute_number = floor_div (minute, PAGE_SIZE);

  cursor->second = second;
  cursor->start_us = second * G_USEC_PER_SEC;
  cursor->offset = (gint32) (second - self->origin);
  cursor->second_page = series_page (&self->seconds, second_number, create);
  cursor->second_bucket = &cursor->second_page->buckets[second - second_number * PAGE_SIZE];
  cursor->minute_page = series_page (&self->minutes, minute_number, create);
  cursor->minute_bucket = &cursor->minute_page->buckets[minute - minute_number * PAGE_SIZE];
}

static inline void
cursor_add (Cursor *cursor,
            guint   band)
{
  cursor->second_bucket->counts[band]++;
  cursor->second_page->total++;
  cursor->minute_bucket->counts[band]++;
  cursor->minute_page->total++;
}

/* A page whose last record goes is freed, and no cursor may point in it. */
static void
cursor_remove (LdActivity *self,
               Cursor     *cursor,
               guint       band,
               guint32     count)
{
  g_assert (cursor->second_bucket->counts[band] >= count);
  g_assert (cursor->minute_bucket->counts[band] >= count);

  cursor->second_bucket->counts[band] -= count;
  cursor->second_page->total -= count;
  cursor->minute_bucket->counts[band] -= count;
  cursor->minute_page->total -= count;

  if (cursor->second_page->total == 0 || cursor->minute_page->total == 0)
    {
      if (cursor->second_page->total == 0)
        series_free_page (&self->seconds, cursor->second_page);
      if (cursor->minute_page->total == 0)
        series_free_page (&self->minutes, cursor->minute_page);
      invalidate_cursors (self);
    }
}

/* Counting */

static void
count_record (LdActivity     *self,
              const LdRecord *record)
{
  Cursor *cursor = &self->appending;
  guint band;

  if (record == NULL)
    {
      /* Only its place in the ledger matters, not its second. */
      ledger_push (self, 0, BAND_UNCOUNTED);
      return;
    }

  if (cursor->second == NO_SECOND
      || (guint64) (record->time_us - cursor->start_us) >= G_USEC_PER_SEC)
    {
      gint64 second = ledger_place (self, floor_div (record->time_us, G_USEC_PER_SEC));

      cursor_seek (self, cursor, second, TRUE);
      if (self->n_records == 0 || second < self->first_second)
        self->first_second = second;
      if (self->n_records == 0 || second > self->last_second)
        self->last_second = second;
    }

  band = ld_activity_band_for_level (record->level);
  cursor_add (cursor, band);
  ledger_push (self, cursor->offset, band);
  self->n_records++;
}

static void
uncount_run (LdActivity *self,
             const Run  *run,
             guint       count)
{
  guint band = run->packed >> RUN_BAND_SHIFT;
  gint64 second = self->origin + run->offset;

  if (band == BAND_UNCOUNTED)
    return;

  if (self->evicting.second != second)
    cursor_seek (self, &self->evicting, second, FALSE);
  cursor_remove (self, &self->evicting, band, count);
  self->n_records -= count;
  self->range_dirty = TRUE;
}

static void
evict_oldest (LdActivity *self,
              guint       count)
{
  g_assert (count <= self->n_tracked);

  while (count > 0)
    {
      Run *run = &g_array_index (self->runs, Run, self->runs_head);
      guint n = MIN (count, run->packed & RUN_MAX_COUNT);

      uncount_run (self, run, n);
      run->packed -= n;
      count -= n;
      self->n_tracked -= n;
      if ((run->packed & RUN_MAX_COUNT) == 0)
        self->runs_head++;
    }

  /* The consumed front is given back in bulk, so each run moves once. */
  if (self->runs_head > 1024 && self->runs_head * 2 > self->runs->len)
    {
      g_array_remove_range (self->runs, 0, self->runs_head);
      self->runs_head = 0;
    }
}

static void
reset_counts (LdActivity *self)
{
  series_clear (&self->seconds);
  series_clear (&self->minutes);
  invalidate_cursors (self);
  ledger_reset (self);
  self->n_tracked = 0;
  self->n_records = 0;
  self->range_dirty = FALSE;
}

static const LdRecord *
record_at (LdActivity *self,
           guint       position)
{
  g_autoptr(LdRow) row = NULL;

  if (self->model == G_LIST_MODEL (self->store))
    return ld_store_get_record (self->store, position);

  if (self->seq_func != NULL)
    return ld_store_get_record_by_seq (self->store, self->seq_func (self->model, position));

  /* The record stays in the store after the row is dropped. */
  row = g_list_model_get_item (self->model, position);
  return row != NULL ? ld_row_get_record (row) : NULL;
}

static void
count_positions (LdActivity *self,
                 guint       position,
                 guint       count)
{
  g_assert (position == self->n_tracked);

  for (guint i = 0; i < count; i++)
    count_record (self, record_at (self, position + i));
  self->n_tracked += count;
}

/* Appends and evictions are followed; any other change (a filter that
 * changed its query) is a recount of the model, which the filter has just
 * scanned anyway. */
static void
on_items_changed (LdActivity *self,
                  guint       position,
                  guint       removed,
                  guint       added,
                  GListModel *model)
{
  if (position == 0 && removed == self->n_tracked)
    {
      reset_counts (self);
      count_positions (self, 0, added);
    }
  else if (removed == 0 && position == self->n_tracked)
    count_positions (self, position, added);
  else if (position == 0 && added == 0)
    evict_oldest (self, removed);
  else
    {
      reset_counts (self);
      count_positions (self, 0, g_list_model_get_n_items (model));
    }

  g_signal_emit (self, signals[CHANGED], 0);
}

/* GObject */

static void
ld_activity_dispose (GObject *object)
{
  ld_activity_detach (LD_ACTIVITY (object));

  G_OBJECT_CLASS (ld_activity_parent_class)->dispose (object);
}

static void
ld_activity_finalize (GObject *object)
{
  LdActivity *self = LD_ACTIVITY (object);

  g_hash_table_unref (self->seconds.pages);
  g_hash_table_unref (self->minutes.pages);
  g_array_unref (self->runs);

  G_OBJECT_CLASS (ld_activity_parent_class)->finalize (object);
}

static void
ld_activity_class_init (LdActivityClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ld_activity_dispose;
  object_class->finalize = ld_activity_finalize;

  /**
   * LdActivity::changed:
   *
   * Emitted once for each change of the attached model that changed the
   * counts: once per batch of records, not once per record.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ld_activity_init (LdActivity *self)
{
  series_init (&self->seconds);
  series_init (&self->minutes);
  invalidate_cursors (self);
  self->runs = g_array_new (FALSE, FALSE, sizeof (Run));
}

/**
 * ld_activity_new:
 *
 * Returns: (transfer full): counters that count nothing until attached
 */
LdActivity *
ld_activity_new (void)
{
  return g_object_new (LD_TYPE_ACTIVITY, NULL);
}

/**
 * ld_activity_attach_store:
 * @self: counters
 * @store: the store to count
 *
 * Counts every record of @store, then follows it.
 */
void
ld_activity_attach_store (LdActivity *self,
                          LdStore    *store)
{
  g_return_if_fail (LD_IS_ACTIVITY (self));
  g_return_if_fail (LD_IS_STORE (store));

  ld_activity_attach_model (self, G_LIST_MODEL (store), store, NULL);
}

/**
 * ld_activity_attach_model:
 * @self: counters
 * @model: a model of #LdRow, such as the filtered model or @store itself
 * @store: the store whose records @model lists
 * @seq_func: (nullable): how @model names the record at a position, or
 *   %NULL to ask @model for its #LdRow (slower: an object per record)
 *
 * Counts every record of @model once, then follows its changes: appends
 * at the end and removals at the front cost only the records they touch;
 * any other change is a recount of @model.
 */
void
ld_activity_attach_model (LdActivity        *self,
                          GListModel        *model,
                          LdStore           *store,
                          LdActivitySeqFunc  seq_func)
{
  g_return_if_fail (LD_IS_ACTIVITY (self));
  g_return_if_fail (G_IS_LIST_MODEL (model));
  g_return_if_fail (LD_IS_STORE (store));

  ld_activity_detach (self);
  self->model = g_object_ref (model);
  self->store = g_object_ref (store);
  self->seq_func = seq_func;
  self->items_changed_id = g_signal_connect_swapped (model, "items-changed",
                                                     G_CALLBACK (on_items_changed), self);
  count_positions (self, 0, g_list_model_get_n_items (model));
  g_signal_emit (self, signals[CHANGED], 0);
}

/**
 * ld_activity_detach:
 * @self: counters
 *
 * Stops following the model and forgets every count.
 */
void
ld_activity_detach (LdActivity *self)
{
  g_return_if_fail (LD_IS_ACTIVITY (self));

  if (self->model == NULL)
    return;

  g_clear_signal_handler (&self->items_changed_id, self->model);
  g_clear_object (&self->model);
  g_clear_object (&self->store);
  self->seq_func = NULL;
  reset_counts (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

/**
 * ld_activity_get_model:
 * @self: counters
 *
 * Returns: (transfer none) (nullable): the model counted
 */
GListModel *
ld_activity_get_model (LdActivity *self)
{
  g_return_val_if_fail (LD_IS_ACTIVITY (self), NULL);

  return self->model;
}

/**
 * ld_activity_get_n_records:
 * @self: counters
 *
 * Returns: how many records are counted, the sum of every bucket
 */
guint
ld_activity_get_n_records (LdActivity *self)
{
  g_return_val_if_fail (LD_IS_ACTIVITY (self), 0);

  return self->n_records;
}

/**
 * ld_activity_get_time_range:
 * @self: counters
 * @first_second: (out) (optional): the first second with a record
 * @last_second: (out) (optional): the last second with a record
 *
 * Seconds are counted from the Unix epoch. This is the span of the "whole
 * session" window: it narrows as the oldest records are evicted.
 *
 * Returns: %FALSE if nothing is counted
 */
gboolean
ld_activity_get_time_range (LdActivity *self,
                            gint64     *first_second,
                            gint64     *last_second)
{
  g_return_val_if_fail (LD_IS_ACTIVITY (self), FALSE);

  if (self->n_records == 0)
    return FALSE;

  /* Seconds are found through their minute, so this costs one pass over
   * the minute pages (a few per day) and two page scans. */
  if (self->range_dirty)
    {
      gint64 minute;

      series_find_edge (&self->minutes, FALSE, &minute);
      self->first_second = minute * 60;
      while (ld_activity_get_second (self, self->first_second, NULL) == 0)
        self->first_second++;
      series_find_edge (&self->minutes, TRUE, &minute);
      self->last_second = minute * 60 + 59;
      while (ld_activity_get_second (self, self->last_second, NULL) == 0)
        self->last_second--;
      self->range_dirty = FALSE;
    }

  if (first_second != NULL)
    *first_second = self->first_second;
  if (last_second != NULL)
    *last_second = self->last_second;

  return TRUE;
}

/**
 * ld_activity_get_second:
 * @self: counters
 * @second: seconds since the Unix epoch
 * @bucket: (out caller-allocates) (optional): the counts by band
 *
 * Returns: the records counted in @second
 */
guint32
ld_activity_get_second (LdActivity       *self,
                        gint64            second,
                        LdActivityBucket *bucket)
{
  LdActivityBucket sum = { { 0 } };

  g_return_val_if_fail (LD_IS_ACTIVITY (self), 0);

  series_sum (&self->seconds, second, second + 1, &sum);
  if (bucket != NULL)
    *bucket = sum;

  return ld_activity_bucket_total (&sum);
}

/**
 * ld_activity_sum:
 * @self: counters
 * @from_second: the first second, since the Unix epoch
 * @to_second: the second after the last
 * @sum: (out caller-allocates): the counts by band in [@from_second, @to_second)
 *
 * Whole minutes inside the span are read from per-minute sums, so a long
 * span costs about a read per minute.
 *
 * Returns: the records in the span
 */
guint32
ld_activity_sum (LdActivity       *self,
                 gint64            from_second,
                 gint64            to_second,
                 LdActivityBucket *sum)
{
  gint64 first_minute, end_minute;

  g_return_val_if_fail (LD_IS_ACTIVITY (self), 0);
  g_return_val_if_fail (sum != NULL, 0);

  memset (sum, 0, sizeof *sum);
  first_minute = floor_div (from_second + 59, 60);
  end_minute = floor_div (to_second, 60);

  if (to_second - from_second < 180 || end_minute <= first_minute)
    {
      series_sum (&self->seconds, from_second, to_second, sum);
      return ld_activity_bucket_total (sum);
    }

  series_sum (&self->seconds, from_second, first_minute * 60, sum);
  series_sum (&self->minutes, first_minute, end_minute, sum);
  series_sum (&self->seconds, end_minute * 60, to_second, sum);

  return ld_activity_bucket_total (sum);
}

/**
 * ld_activity_read_columns:
 * @self: counters
 * @from_second: where the first column starts, since the Unix epoch
 * @column_seconds: the seconds each column sums, at least 1
 * @n_columns: how many columns to read
 * @columns: (array length=n_columns) (out caller-allocates): the sums
 *
 * Reads what a chart draws, into memory the caller keeps between frames.
 *
 * Returns: the largest column total, to scale the chart by
 */
guint32
ld_activity_read_columns (LdActivity       *self,
                          gint64            from_second,
                          guint             column_seconds,
                          guint             n_columns,
                          LdActivityBucket *columns)
{
  guint32 max = 0;

  g_return_val_if_fail (LD_IS_ACTIVITY (self), 0);
  g_return_val_if_fail (column_seconds > 0, 0);
  g_return_val_if_fail (columns != NULL || n_columns == 0, 0);

  for (guint i = 0; i < n_columns; i++)
    {
      gint64 start = from_second + (gint64) i * column_seconds;

      max = MAX (max, ld_activity_sum (self, start, start + column_seconds, &columns[i]));
    }

  return max;
}

/**
 * ld_activity_get_max:
 * @self: counters
 * @from_second: the first second, since the Unix epoch
 * @to_second: the second after the last
 *
 * Returns: the most records in any one second of [@from_second, @to_second)
 */
guint32
ld_activity_get_max (LdActivity *self,
                     gint64      from_second,
                     gint64      to_second)
{
  guint32 max = 0;

  g_return_val_if_fail (LD_IS_ACTIVITY (self), 0);

  while (from_second < to_second)
    {
      gint64 number = floor_div (from_second, PAGE_SIZE);
      gint64 base = number * PAGE_SIZE;
      gint64 end = MIN (to_second, base + PAGE_SIZE);
      Page *page = series_lookup (&self->seconds, number);

      for (gint64 s = from_second; page != NULL && s < end; s++)
        max = MAX (max, ld_activity_bucket_total (&page->buckets[s - base]));
      from_second = end;
    }

  return max;
}

/**
 * ld_activity_get_memory_size:
 * @self: counters
 *
 * Returns: the bytes held by the counters and their ledger, for benchmarks
 */
gsize
ld_activity_get_memory_size (LdActivity *self)
{
  g_return_val_if_fail (LD_IS_ACTIVITY (self), 0);

  return (g_hash_table_size (self->seconds.pages) + g_hash_table_size (self->minutes.pages))
         * sizeof (Page)
         + (gsize) self->runs->len * sizeof (Run);
}
