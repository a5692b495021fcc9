// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include "ld-level.h"

static void
test_parse_names (void)
{
  static const struct { const char *name; int levelno; } cases[] = {
    { "DEBUG", 10 }, { "info", 20 }, { "Warning", 30 }, { "warn", 30 }, { "ERROR", 40 },
    { "err", 40 }, { "CRITICAL", 50 }, { "fatal", 50 }, { "NOTICE", 25 }, { "TRACE", 5 },
    { "Level 5", 5 }, { "level 25", 25 }, { "25", 25 }, { "-4", -4 }, { " error ", 40 },
    { "emerg", 60 }, { "alert", 55 }, { "information", 20 }, { "panic", 60 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      int levelno = -1000;

      g_assert_true (ld_level_parse_name (cases[i].name, &levelno));
      g_assert_cmpint (levelno, ==, cases[i].levelno);
    }
}

static void
test_parse_rejects (void)
{
  int levelno = 7;

  g_assert_false (ld_level_parse_name (NULL, &levelno));
  g_assert_false (ld_level_parse_name ("", &levelno));
  g_assert_false (ld_level_parse_name ("loud", &levelno));
  g_assert_false (ld_level_parse_name ("Level x", &levelno));
  g_assert_false (ld_level_parse_name ("99999999999", &levelno));
  g_assert_cmpint (levelno, ==, 7);
}

static void
test_names_and_classes (void)
{
  g_autofree char *custom = ld_level_display_name (35);
  g_autofree char *named = ld_level_display_name (30);

  g_assert_cmpstr (custom, ==, "Level 35");
  g_assert_cmpstr (named, ==, "WARNING");
  g_assert_null (ld_level_canonical_name (7));
  g_assert_cmpstr (ld_level_css_class (5), ==, "level-debug");
  g_assert_cmpstr (ld_level_css_class (20), ==, "level-info");
  g_assert_cmpstr (ld_level_css_class (25), ==, "level-info");
  g_assert_cmpstr (ld_level_css_class (35), ==, "level-warning");
  g_assert_cmpstr (ld_level_css_class (40), ==, "level-error");
  g_assert_cmpstr (ld_level_css_class (60), ==, "level-critical");
}

static void
test_other_scales (void)
{
  g_assert_cmpint (ld_level_from_syslog (0), ==, 60);
  g_assert_cmpint (ld_level_from_syslog (3), ==, 40);
  g_assert_cmpint (ld_level_from_syslog (4), ==, 30);
  g_assert_cmpint (ld_level_from_syslog (7), ==, 10);
  g_assert_cmpint (ld_level_from_syslog (99), ==, 10);
  g_assert_cmpint (ld_level_from_glib (G_LOG_LEVEL_WARNING), ==, 30);
  g_assert_cmpint (ld_level_from_glib (G_LOG_LEVEL_CRITICAL), ==, 40);
  g_assert_cmpint (ld_level_from_glib (G_LOG_LEVEL_MESSAGE), ==, 25);
  g_assert_cmpint (ld_level_from_glib (G_LOG_LEVEL_DEBUG), ==, 10);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/level/parse-names", test_parse_names);
  g_test_add_func ("/level/parse-rejects", test_parse_rejects);
  g_test_add_func ("/level/names-and-classes", test_names_and_classes);
  g_test_add_func ("/level/other-scales", test_other_scales);

  return g_test_run ();
}
