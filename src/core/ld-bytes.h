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

/* A hash of @length bytes of @text, eight bytes at a time: names are short,
 * but paths are not. For the interned names' cache and the timing view's
 * group values. */
static inline guint32
ld_bytes_hash (const char *text,
               gsize       length)
{
  guint64 hash = 0x9e3779b97f4a7c15ull ^ length;
  gsize i = 0;

  for (; i + 8 <= length; i += 8)
    {
      guint64 word;

      memcpy (&word, text + i, 8);
      hash = (hash ^ word) * 0xff51afd7ed558ccdull;
      hash ^= hash >> 32;
    }
  /* The rest as one more word: the last 8 bytes again, or two 4-byte
   * halves that may overlap, or the bytes themselves. */
  if (i < length)
    {
      guint64 word = 0;

      if (length >= 8)
        memcpy (&word, text + length - 8, 8);
      else if (length >= 4)
        {
          guint32 low, high;

          memcpy (&low, text, 4);
          memcpy (&high, text + length - 4, 4);
          word = low | (guint64) high << 32;
        }
      else
        for (gsize k = 0; k < length; k++)
          word = word << 8 | (guint8) text[k];
      hash = (hash ^ word) * 0xff51afd7ed558ccdull;
      hash ^= hash >> 32;
    }

  return (guint32) (hash ^ (hash >> 29));
}

G_END_DECLS
