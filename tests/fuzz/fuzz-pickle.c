// SPDX-License-Identifier: GPL-3.0-or-later
/* libFuzzer target for the pickle decoder: it decodes the input and renders what it got,
 * and checks that the flat scanner accepts only what the decoder reads, and reads it alike.
 *
 *   clang -fsanitize=fuzzer,address,undefined -Isrc/core -I<dir with config.h>
 *         src/core/ld-pickle*.c tests/fuzz/fuzz-pickle.c
 *         $(pkg-config --cflags --libs glib-2.0) -lm -o fuzz-pickle
 *   ./fuzz-pickle -max_total_time=60 tests/fuzz/corpus-pickle
 *
 * Built with -DLD_FUZZ_STANDALONE it has a main() that runs the files named on the command
 * line once, so that a compiler without libFuzzer can still replay the corpus as a test. */
#define G_LOG_DOMAIN "logdeck-fuzz"

#include "config.h"

#include <string.h>

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

static gboolean
views_equal (const LdPickleView *a,
             const LdPickleView *b)
{
  if (a->kind != b->kind)
    return FALSE;
  switch (a->kind)
    {
    case LD_PICKLE_STR:
    case LD_PICKLE_BIGINT:
      return a->length == b->length && memcmp (a->text, b->text, a->length) == 0
             && a->text[a->length] == '\0';
    case LD_PICKLE_INT:
    case LD_PICKLE_BOOL:
      return a->i == b->i;
    case LD_PICKLE_FLOAT:
      return memcmp (&a->f, &b->f, sizeof a->f) == 0;
    case LD_PICKLE_NONE:
      return TRUE;
    default:
      return FALSE; /* the scanner makes nothing else */
    }
}

/* What the flat scanner returned is the decoded dict, entry by entry, when its keys are
 * distinct strings (otherwise the dict merged some). */
static void
check_scan (const LdPickleValue     *value,
            const LdPickleViewEntry *entries,
            gssize                   n)
{
  g_assert (value != NULL && ld_pickle_value_kind (value) == LD_PICKLE_DICT);
  for (gssize i = 0; i < n; i++)
    {
      if (entries[i].key.kind != LD_PICKLE_STR)
        return;
      for (gssize j = 0; j < i; j++)
        if (entries[j].key.length == entries[i].key.length
            && memcmp (entries[j].key.text, entries[i].key.text, entries[i].key.length) == 0)
          return;
    }
  g_assert ((gsize) n == ld_pickle_value_get_length (value));
  for (gssize i = 0; i < n; i++)
    {
      LdPickleView key, item;

      ld_pickle_value_view (ld_pickle_value_get_key (value, i), &key);
      ld_pickle_value_view (ld_pickle_value_get_item (value, i), &item);
      g_assert (views_equal (&entries[i].key, &key));
      g_assert (views_equal (&entries[i].value, &item));
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  LdPickleViewEntry entries[64];
  g_autofree char *copy = g_malloc (size + 1);
  gssize n_scanned;
  g_autoptr(LdPickleValue) value = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) json = NULL;
  g_autofree char *display = NULL;

  n_scanned = ld_pickle_scan_dict (data, size, NULL, copy, entries, G_N_ELEMENTS (entries));
  value = ld_pickle_decode (data, size, NULL, &error);
  if (n_scanned >= 0)
    check_scan (value, entries, n_scanned);
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
#include "fuzz-replay.h"

LD_FUZZ_REPLAY_MAIN
#endif
