// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

/* The duration histograms' bins: their edges, the table that finds a
 * duration's bin without a logarithm, and reading a percentile back from
 * a histogram. */

#include "config.h"

#include <math.h>

#include "ld-timing-private.h"

double  _ld_timing_bin_edges[LD_TIMING_N_BINS + 1];
guint16 _ld_timing_bin_guesses[LD_TIMING_GUESS_EXPONENTS << LD_TIMING_GUESS_MANTISSA_BITS];

static void
build_bin_tables (void)
{
  guint bin = 1;

  _ld_timing_bin_edges[0] = 0;
  for (guint i = 1; i < LD_TIMING_N_BINS; i++)
    _ld_timing_bin_edges[i] = pow (LD_TIMING_BIN_RATIO, i - 1.0);
  _ld_timing_bin_edges[LD_TIMING_N_BINS] = INFINITY;

  for (guint cell = 0; cell < G_N_ELEMENTS (_ld_timing_bin_guesses); cell++)
    {
      double start = ldexp (1 + (cell & ((1 << LD_TIMING_GUESS_MANTISSA_BITS) - 1))
                                / (double) (1 << LD_TIMING_GUESS_MANTISSA_BITS),
                            cell >> LD_TIMING_GUESS_MANTISSA_BITS);

      while (bin + 1 < LD_TIMING_N_BINS && _ld_timing_bin_edges[bin + 1] <= start)
        bin++;
      _ld_timing_bin_guesses[cell] = bin;
    }
}

void
_ld_timing_ensure_bin_tables (void)
{
  static gsize built;

  if (g_once_init_enter (&built))
    {
      build_bin_tables ();
      g_once_init_leave (&built, 1);
    }
}

/**
 * ld_timing_bin_for:
 * @seconds: a duration
 *
 * Returns: the histogram bin that counts @seconds
 */
guint
ld_timing_bin_for (double seconds)
{
  _ld_timing_ensure_bin_tables ();

  return _ld_timing_bin_for (seconds);
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

  return pow (LD_TIMING_BIN_RATIO, bin - 0.5) * 1e-6;
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
