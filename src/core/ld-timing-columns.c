// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include "ld-timing-private.h"

/* The chart's columns: percentiles of the durations of any span of
 * seconds, merged from the per-second histograms the worker keeps
 * (ld-timing.c), read by the UI thread under the counters' lock. */

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

  lock_counts (self);
  g_hash_table_iter_init (&iter, self->seconds);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &second))
    {
      first = MIN (first, second->second);
      last = MAX (last, second->second);
    }
  g_mutex_unlock (&self->lock);
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

/* Under @lock; @columns are zeroed. */
static double
read_columns_locked (LdTiming       *self,
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
  double max;

  g_return_val_if_fail (LD_IS_TIMING (self), 0);
  g_return_val_if_fail (column_seconds > 0, 0);
  g_return_val_if_fail (columns != NULL || n_columns == 0, 0);

  if (n_columns == 0)
    return 0;
  memset (columns, 0, n_columns * sizeof *columns);

  lock_counts (self);
  max = read_columns_locked (self, from_second, column_seconds, n_columns, columns);
  g_mutex_unlock (&self->lock);

  return max;
}
