// SPDX-License-Identifier: GPL-3.0-or-later
/* libFuzzer target for what reads a file or a remote stream's text: the
 * import of a log file (format detected from its start: JSON Lines, Python
 * logging text, captured SocketHandler bytes, plain lines), an import with a
 * log format string the user gave, the text layouts on their own, and
 * Grafana Loki's tail messages. The first byte picks which:
 * - 0: the rest is a file, imported with its format detected;
 * - 1: the rest's first line is a logging format string, the others a file
 *   imported with it when it is accepted;
 * - 2: the rest is text whose layout is detected, then read in pieces of
 *   the first byte's size;
 * - 3: the rest is one Loki tail message.
 * Every record made has valid UTF-8 text and interned strings, the import's
 * count is the records it made, and a Loki message adds what it says it
 * added.
 *
 * Built with -DLD_FUZZ_STANDALONE it replays the files named on the command
 * line once. */
#define G_LOG_DOMAIN "logdeck-fuzz"

#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "ld-import.h"
#include "ld-intern.h"
#include "ld-loki-tail.h"
#include "ld-text-layout.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static const LdRecordOrigin origin = { "file-1", NULL, "file", 0 };

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);
  return 0;
}

static void
check_batch (const LdBatch *batch)
{
  for (guint i = 0; i < ld_batch_get_length (batch); i++)
    {
      const char *text, *value;
      LdRecord record = *ld_batch_get_record (batch, i, &text);
      LdExtraIter iter;
      LdValueType type;
      guint32 key;
      gsize length;

      record.text = text;
      value = ld_record_get_message (&record, &length);
      g_assert (g_utf8_validate_len (value, length, NULL));
      value = ld_record_get_exception (&record, &length);
      g_assert (g_utf8_validate_len (value, length, NULL));
      value = ld_record_get_stack (&record, &length);
      g_assert (g_utf8_validate_len (value, length, NULL));
      g_assert (record.logger == LD_INTERN_NONE || ld_intern_lookup (record.logger) != NULL);
      g_assert (record.thread == LD_INTERN_NONE || ld_intern_lookup (record.thread) != NULL);
      ld_extra_iter_init (&iter, &record);
      while (ld_extra_iter_next (&iter, &key, &type, &value, &length))
        {
          g_assert (ld_intern_lookup (key) != NULL);
          g_assert (g_utf8_validate_len (value, length, NULL));
        }
    }
}

static void
import_bytes (const guint8 *data,
              gsize         size,
              const char   *log_format)
{
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_data (data, size, NULL);
  g_autoptr(LdImport) import = ld_import_new_for_stream (stream, "fuzz.log");
  g_autoptr(GPtrArray) batches = NULL;
  g_autoptr(GError) error = NULL;
  guint64 n = 0;

  if (log_format != NULL && !ld_import_set_log_format (import, log_format, NULL))
    return;
  if (!ld_import_run (import, NULL, &error))
    {
      /* The one way an import fails on what it reads: binary data. */
      g_assert_error (error, LD_IMPORT_ERROR, LD_IMPORT_ERROR_BINARY);
      return;
    }

  batches = ld_import_steal_batches (import);
  for (guint i = 0; i < batches->len; i++)
    {
      check_batch (batches->pdata[i]);
      n += ld_batch_get_length (batches->pdata[i]);
    }
  g_assert (ld_import_get_n_records (import) == n);
}

static void
read_layout (const guint8 *data,
             gsize         size,
             gsize         piece)
{
  LdTextLayout *layout = ld_text_layout_detect ((const char *) data, size, TRUE);
  g_autoptr(LdTextReader) reader = NULL;
  g_autoptr(LdBatch) batch = ld_batch_new ();

  if (layout == NULL)
    return;
  /* The reader takes the layout. */
  reader = ld_text_reader_new (layout, &origin, TRUE);
  for (gsize at = 0; at < size; at += piece)
    ld_text_reader_add_text (reader, batch, (const char *) data + at, MIN (piece, size - at));
  ld_text_reader_flush (reader, batch);
  g_assert (!ld_text_reader_has_pending (reader));
  check_batch (batch);
}

static void
read_loki (const guint8 *data,
           gsize         size)
{
  LdIngestOrigin ingest = { origin, NULL };
  g_autoptr(LdBatch) batch = ld_batch_new ();
  guint n_added = 0;

  (void) ld_loki_tail_detect ((const char *) data, size);
  (void) ld_loki_tail_add_message (batch, (const char *) data, size, &ingest, &n_added);
  g_assert (n_added <= ld_batch_get_length (batch));
  check_batch (batch);
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  guint8 mode;

  if (size == 0)
    return 0;
  mode = data[0];
  data++;
  size--;

  switch (mode % 4)
    {
    case 0:
      import_bytes (data, size, NULL);
      break;
    case 1:
      {
        const guint8 *newline = memchr (data, '\n', size);
        gsize line = newline != NULL ? (gsize) (newline - data) : size;
        g_autofree char *format = g_strndup ((const char *) data, line);

        import_bytes (data + MIN (line + 1, size), size - MIN (line + 1, size), format);
      }
      break;
    case 2:
      read_layout (data, size, 1 + mode / 4);
      break;
    default:
      read_loki (data, size);
      break;
    }

  return 0;
}

#ifdef LD_FUZZ_STANDALONE
#include "fuzz-replay.h"

LD_FUZZ_REPLAY_MAIN
#endif
