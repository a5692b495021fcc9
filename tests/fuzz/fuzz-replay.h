// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/* What a fuzz target built with -DLD_FUZZ_STANDALONE runs instead of
 * libFuzzer: each file named on the command line, and each file in each
 * directory named, once, so that a compiler without libFuzzer can still
 * replay the corpus as a test. */

#include <glib.h>

int LLVMFuzzerInitialize   (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static void
ld_fuzz_replay_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  gsize len;

  if (!g_file_get_contents (path, &data, &len, &error))
    g_error ("%s", error->message);
  LLVMFuzzerTestOneInput ((const guint8 *) data, len);
}

G_GNUC_UNUSED static void
ld_fuzz_replay (int    argc,
                char **argv)
{
  LLVMFuzzerInitialize (&argc, &argv);
  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GDir) dir = g_dir_open (argv[i], 0, NULL);
      const char *name;

      if (dir == NULL)
        ld_fuzz_replay_file (argv[i]);
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (argv[i], name, NULL);

          ld_fuzz_replay_file (path);
        }
    }
}

/* The main() of a target that only replays its files: every target's but
 * fuzz-http's, which stops its listener after them. */
#define LD_FUZZ_REPLAY_MAIN \
  int \
  main (int    argc, \
        char **argv) \
  { \
    ld_fuzz_replay (argc, argv); \
    return 0; \
  }
