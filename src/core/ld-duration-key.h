// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/* Duration keys and units: which extra field's key names a duration
 * ("duration_ms", "elapsed", "latencyMs") and what a unit after a number
 * says. Plain text, no store: the batch reads keys with it as records are
 * built (ld-record.c), the timing counters when they read durations. */

#include <glib.h>
#include <string.h>

G_BEGIN_DECLS

/* The seconds in one unit, from the text after a number: "ms", "s", "us",
 * "µs", "ns" and their long spellings. Returns the length read, 0 if none. */
static inline gsize
ld_duration_read_unit (const char *text,
                       gsize       length,
                       double     *scale)
{
  static const struct { const char *name; double scale; } units[] = {
    { "milliseconds", 1e-3 }, { "millis", 1e-3 }, { "ms", 1e-3 },
    { "microseconds", 1e-6 }, { "us", 1e-6 }, { "µs", 1e-6 },
    { "nanoseconds", 1e-9 }, { "ns", 1e-9 },
    { "seconds", 1 }, { "secs", 1 }, { "sec", 1 }, { "s", 1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    {
      gsize n = strlen (units[i].name);

      if (n <= length && g_ascii_strncasecmp (text, units[i].name, n) == 0
          && (n == length || !g_ascii_isalpha (text[n])))
        {
          *scale = units[i].scale;
          return n;
        }
    }

  return 0;
}

gboolean ld_timing_key_is_duration (const char *key,
                                    double     *scale);

G_END_DECLS
