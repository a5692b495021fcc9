// SPDX-License-Identifier: GPL-3.0-or-later
/* libFuzzer target for the pickle decoder: it decodes the input and renders what it got.
 *
 *   clang -fsanitize=fuzzer,address,undefined -Isrc/core -I<dir with config.h>
 *         src/core/ld-pickle.c tests/fuzz/fuzz-pickle.c
 *         $(pkg-config --cflags --libs glib-2.0) -lm -o fuzz-pickle
 *   ./fuzz-pickle -max_total_time=60 tests/fuzz/corpus-pickle
 *
 * Built with -DLD_FUZZ_STANDALONE it has a main() that runs the files named on the command
 * line once, so that a compiler without libFuzzer can still replay the corpus as a test. */
#define G_LOG_DOMAIN "logdeck-fuzz"

#include "config.h"

#include <glib.h>

#include "ld-pickle.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  /* A GLib warning or critical (a GError set twice, a failed precondition) is a finding. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(LdPickleValue) value = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) json = NULL;
  g_autofree char *display = NULL;

  value = ld_pickle_decode (data, size, NULL, &error);
  if (value == NULL)
    {
      /* A failure always says why, and where. */
      g_assert (error != NULL && error->domain == LD_PICKLE_ERROR);
      g_assert (g_str_has_prefix (error->message, "offset "));
      return 0;
    }
  g_assert (error == NULL);
  display = ld_pickle_value_to_display (value);
  json = g_string_new (NULL);
  ld_pickle_value_to_json (value, json);
  g_assert (g_utf8_validate (display, -1, NULL));
  g_assert (g_utf8_validate_len (json->str, json->len, NULL));
  return 0;
}

#ifdef LD_FUZZ_STANDALONE
static void
run_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  gsize len;

  if (!g_file_get_contents (path, &data, &len, &error))
    g_error ("%s", error->message);
  LLVMFuzzerTestOneInput ((const guint8 *) data, len);
}

/* Runs each file named, and each file in each directory named. */
int
main (int   argc,
      char *argv[])
{
  LLVMFuzzerInitialize (&argc, &argv);
  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GDir) dir = g_dir_open (argv[i], 0, NULL);
      const char *name;

      if (dir == NULL)
        run_file (argv[i]);
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (argv[i], name, NULL);

          run_file (path);
        }
    }
  return 0;
}
#endif
