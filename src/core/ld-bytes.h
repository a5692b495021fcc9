// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>
#include <string.h>

G_BEGIN_DECLS

/* Whether @a and @b hold the same @n bytes. The texts compared on the ingest
 * path (field names, logger and thread names) are short, and for them a few
 * overlapping loads cost less than a call to memcmp(). Reads only the @n bytes
 * of each. */
static inline gboolean
ld_bytes_equal (const char *a,
                const char *b,
                gsize       n)
{
  if (n >= 8 && n <= 16)
    {
      guint64 a1, a2, b1, b2;

      memcpy (&a1, a, 8);
      memcpy (&b1, b, 8);
      memcpy (&a2, a + n - 8, 8);
      memcpy (&b2, b + n - 8, 8);
      return ((a1 ^ b1) | (a2 ^ b2)) == 0;
    }
  if (n >= 4 && n < 8)
    {
      guint32 a1, a2, b1, b2;

      memcpy (&a1, a, 4);
      memcpy (&b1, b, 4);
      memcpy (&a2, a + n - 4, 4);
      memcpy (&b2, b + n - 4, 4);
      return ((a1 ^ b1) | (a2 ^ b2)) == 0;
    }
  if (n < 4)
    {
      for (gsize i = 0; i < n; i++)
        if (a[i] != b[i])
          return FALSE;
      return TRUE;
    }
  return memcmp (a, b, n) == 0;
}

G_END_DECLS
