// SPDX-License-Identifier: GPL-3.0-or-later
#include <locale.h>

#include "ld-count-format.h"

static void
check (guint64 n, const char *expected)
{
  g_autofree char *text = ld_format_count (n);

  g_assert_cmpstr (text, ==, expected);
}

/* The C locale has no digit grouping of its own; counts are still grouped. */
static void
test_count_format_c_locale (void)
{
  check (0, "0");
  check (7, "7");
  check (999, "999");
  check (1000, "1,000");
  check (65536, "65,536");
  check (1000000, "1,000,000");
  check (G_MAXUINT64, "18,446,744,073,709,551,615");
}

int
main (int argc, char *argv[])
{
  setlocale (LC_ALL, "C");
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/count-format/c-locale", test_count_format_c_locale);
  return g_test_run ();
}
