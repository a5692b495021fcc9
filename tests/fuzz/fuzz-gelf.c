// SPDX-License-Identifier: GPL-3.0-or-later
/* libFuzzer target for the GELF decoder and chunk assembler. The first byte picks the mode:
 * even, the rest is one payload (plain, zlib or gzip) to decode; odd, the rest is a run of
 * datagrams, each a length byte and that many bytes, fed to an assembler with a small memory
 * limit and a clock that steps by the length byte's low bits in seconds, every whole message
 * decoded. The assembler's counts must add up, and every record must be valid JSON.
 *
 * Built with -DLD_FUZZ_STANDALONE it replays the files named on the command line once. */
#define G_LOG_DOMAIN "logdeck-fuzz"

#include "config.h"

#include <glib.h>
#include <string.h>

#include "ld-gelf.h"
#include "ld-jsonl.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

#define MAX_SIZE    (256 * 1024)
#define MAX_PENDING 4096

static const LdRecordOrigin origin = { "udp", "127.0.0.1:12201", "udp-gelf",
                                       G_GINT64_CONSTANT (1700000000000000) };

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);
  return 0;
}

static void
decode_checked (LdBatch      *batch,
                const guint8 *data,
                gsize         size)
{
  g_autoptr(GError) error = NULL;
  guint before = ld_batch_get_length (batch);
  gboolean ok = ld_gelf_decode (batch, NULL, (const char *) data, size, MAX_SIZE, &origin,
                                &error);

  g_assert (ok == (error == NULL));
  g_assert (ld_batch_get_length (batch) == before + (ok ? 1 : 0));
  g_assert (ok || g_str_has_prefix (error->message, "GELF"));
}

static void
feed_datagrams (LdBatch      *batch,
                const guint8 *data,
                gsize         size)
{
  g_autoptr(LdGelfAssembler) assembler = ld_gelf_assembler_new (MAX_PENDING, 0);
  LdGelfAssemblerStats stats;
  gint64 now = 0;

  while (size > 0)
    {
      gsize len = MIN ((gsize) data[0], size - 1);
      g_autoptr(GBytes) message = NULL;
      g_autoptr(GError) error = NULL;
      LdGelfChunkResult result;

      now += (data[0] & 3) * G_USEC_PER_SEC;
      result = ld_gelf_assembler_add (assembler, (const char *) data + 1, len, now, &message,
                                      &error);
      g_assert ((result == LD_GELF_CHUNK_REFUSED) == (error != NULL));
      g_assert ((result == LD_GELF_CHUNK_COMPLETE) == (message != NULL));
      if (message != NULL)
        decode_checked (batch, g_bytes_get_data (message, NULL), g_bytes_get_size (message));
      else if (result == LD_GELF_CHUNK_NOT_CHUNKED)
        decode_checked (batch, data + 1, len);
      ld_gelf_assembler_get_stats (assembler, &stats);
      g_assert (stats.pending_bytes <= MAX_PENDING);
      data += 1 + len;
      size -= 1 + len;
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autoptr(GString) out = g_string_new (NULL);

  if (size == 0)
    return 0;
  if (data[0] % 2 == 0)
    decode_checked (batch, data + 1, size - 1);
  else
    feed_datagrams (batch, data + 1, size - 1);

  ld_jsonl_append_batch (out, batch);
  g_assert (g_utf8_validate (out->str, out->len, NULL));
  return 0;
}

#ifdef LD_FUZZ_STANDALONE
#include "fuzz-replay.h"

LD_FUZZ_REPLAY_MAIN
#endif
