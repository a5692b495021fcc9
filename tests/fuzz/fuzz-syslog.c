// SPDX-License-Identifier: GPL-3.0-or-later
/* libFuzzer target for the syslog decoder: the input as one message, and as a TCP stream cut
 * into pieces (of a size the first byte picks) for the RFC 6587 framer, each message it
 * frames parsed too. Every record must come out as valid canonical JSON.
 *
 *   clang -fsanitize=fuzzer,address,undefined -Isrc/core -I<dir with config.h>
 *         src/core/ld-syslog.c src/core/ld-jsonl.c src/core/ld-record.c src/core/ld-intern.c ...
 *         tests/fuzz/fuzz-syslog.c $(pkg-config --cflags --libs glib-2.0) -o fuzz-syslog
 *   ./fuzz-syslog -max_total_time=60 tests/fuzz/corpus-syslog
 *
 * Built with -DLD_FUZZ_STANDALONE it replays the files named on the command line once. */
#define G_LOG_DOMAIN "logdeck-fuzz"

#include "config.h"

#include <glib.h>
#include <string.h>

#include "ld-jsonl.h"
#include "ld-syslog.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static const LdRecordOrigin origin = { "tcp-1", "127.0.0.1:5514", "tcp-syslog",
                                       G_GINT64_CONSTANT (1700000000000000) };

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);
  return 0;
}

static void
parse_checked (LdBatch    *batch,
               const char *data,
               gsize       size)
{
  g_autoptr(GError) error = NULL;
  guint before = ld_batch_get_length (batch);
  gboolean ok = ld_syslog_parse (batch, data, size, &origin, &error);

  g_assert (ok == (error == NULL));
  g_assert (ld_batch_get_length (batch) == before + (ok ? 1 : 0));
  g_assert (ok || g_str_has_prefix (error->message, "syslog: byte "));
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autoptr(LdSyslogFramer) framer = ld_syslog_framer_new (4096);
  g_autoptr(GString) out = g_string_new (NULL);
  gsize step = size > 0 ? data[0] % 64 + 1 : 1;

  parse_checked (batch, (const char *) data, size);
  for (gsize at = 0; at < size; at += step)
    {
      g_autoptr(GError) error = NULL;
      const char *message;
      gsize len;

      ld_syslog_framer_push (framer, (const char *) data + at, MIN (step, size - at));
      while (ld_syslog_framer_next (framer, &message, &len, &error))
        {
          g_assert (len <= 4096 && len > 0);
          parse_checked (batch, message, len);
        }
      if (error != NULL)
        break;
      g_assert (ld_syslog_framer_get_pending (framer) <= 4096 + 64 + 11);
    }

  ld_jsonl_append_batch (out, batch);
  g_assert (g_utf8_validate (out->str, out->len, NULL));
  return 0;
}

#ifdef LD_FUZZ_STANDALONE
#include "fuzz-replay.h"

LD_FUZZ_REPLAY_MAIN
#endif
