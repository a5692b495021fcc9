// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include "ld-duration-key.h"

/**
 * ld_timing_key_is_duration:
 * @key: an extra field's key
 * @scale: (out): seconds per unit the key names ("duration_ms": 0.001), or
 *   0 when the key names no unit and the value must
 *
 * Returns: whether @key is one of the duration keys: duration, elapsed,
 *   latency, response_time, took, http.duration, optionally followed by a
 *   unit ("duration_ms", "elapsed.s", "latencyMs")
 */
gboolean
ld_timing_key_is_duration (const char *key,
                           double     *scale)
{
  static const char *const names[] = {
    "http.duration", "response_time", "duration", "elapsed", "latency", "took",
  };

  g_return_val_if_fail (key != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      gsize n = strlen (names[i]);
      const char *rest = key + n;
      gsize rest_len;

      if (g_ascii_strncasecmp (key, names[i], n) != 0)
        continue;
      if (*rest == '\0')
        {
          *scale = 0;
          return TRUE;
        }
      /* "durations" is not "duration" in seconds: a unit follows a
       * separator, or starts a camel-case word ("latencyMs"). */
      if (*rest == '_' || *rest == '.' || *rest == '-')
        rest++;
      else if (!g_ascii_isupper (*rest))
        continue;
      rest_len = strlen (rest);
      if (rest_len > 0 && ld_duration_read_unit (rest, rest_len, scale) == rest_len)
        return TRUE;
    }

  return FALSE;
}
