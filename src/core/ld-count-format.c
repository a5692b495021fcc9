// SPDX-License-Identifier: GPL-3.0-or-later
/* Counts as people read them: 1,000,000 rather than 1000000. */

#include "config.h"

#include <langinfo.h>
#include <string.h>

#include "ld-count-format.h"

/* The locale's digit grouping when it has one ("1.000.000" in German);
 * the C and C.UTF-8 locales have none, and there a count is still grouped
 * by threes, with a comma as in English. */
char *
ld_format_count (guint64 n)
{
  const char *separator = nl_langinfo (THOUSANDS_SEP);
  char digits[24];
  GString *text;
  gsize len;

  if (separator != NULL && separator[0] != '\0')
    return g_strdup_printf ("%'" G_GUINT64_FORMAT, n);

  len = g_snprintf (digits, sizeof digits, "%" G_GUINT64_FORMAT, n);
  text = g_string_sized_new (len + len / 3);
  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append_c (text, ',');
      g_string_append_c (text, digits[i]);
    }

  return g_string_free (text, FALSE);
}
