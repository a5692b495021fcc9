// SPDX-License-Identifier: GPL-3.0-or-later
/* libFuzzer target for the OTLP protobuf decoder: the input as an ExportLogsServiceRequest.
 * It must be refused in words or read, with the accepted and rejected counts adding up to the
 * records in the batch, every record valid canonical JSON, and the answer, the words, the
 * counts and the lines byte for byte those of the decoder over protobuf-c's unpack that it
 * replaced (otlp-reference.h). (The JSON form is fuzz-json's.)
 *
 * Built with -DLD_FUZZ_STANDALONE it replays the files named on the command line once. */
#define G_LOG_DOMAIN "logdeck-fuzz"

#include "config.h"

#include <glib.h>
#include <string.h>

#include "ld-jsonl.h"
#include "ld-otlp.h"
#include "../otlp-reference.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static const LdRecordOrigin origin = { "http-1", "127.0.0.1:40000", "otlp-http",
                                       G_GINT64_CONSTANT (1700000000000000) };

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);
  return 0;
}

/* The reference decoder on the same input says the same. */
static void
assert_same_as_reference (const guint8       *data,
                          size_t              size,
                          gboolean            ok,
                          const GError       *error,
                          const LdOtlpResult *result,
                          const GString      *lines)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autoptr(GString) reference_lines = g_string_new (NULL);
  g_autoptr(GError) reference_error = NULL;
  LdOtlpResult reference;
  gboolean reference_ok;

  reference_ok = otlp_reference_decode (batch, data, size, &origin, &reference,
                                        &reference_error);
  if (ok != reference_ok)
    g_printerr ("decoder: %s\nreference: %s\n", ok ? "read" : error->message,
                reference_ok ? "read" : reference_error->message);
  g_assert (ok == reference_ok);
  g_assert (ok || (error->code == reference_error->code
                   && g_str_equal (error->message, reference_error->message)));
  g_assert (result->accepted == reference.accepted && result->rejected == reference.rejected);
  g_assert (g_strcmp0 (result->rejected_reason, reference.rejected_reason) == 0);
  ld_otlp_result_clear (&reference);
  ld_jsonl_append_batch (reference_lines, batch);
  if (!g_string_equal (lines, reference_lines))
    g_printerr ("decoder:\n%s\nreference:\n%s\n", lines->str, reference_lines->str);
  g_assert (g_string_equal (lines, reference_lines));
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) response = NULL;
  LdOtlpResult result;
  gboolean ok;

  ok = ld_otlp_decode (batch, data, size, &origin, &result, &error);
  g_assert (ok == (error == NULL));
  g_assert (ok || g_str_has_prefix (error->message, "OTLP protobuf: "));
  g_assert (result.accepted == ld_batch_get_length (batch));
  g_assert ((result.rejected > 0) == (result.rejected_reason != NULL));
  response = ld_otlp_encode_response (result.rejected, result.rejected_reason);

  ld_jsonl_append_batch (out, batch);
  g_assert (g_utf8_validate (out->str, out->len, NULL));
  assert_same_as_reference (data, size, ok, error, &result, out);
  ld_otlp_result_clear (&result);
  return 0;
}

#ifdef LD_FUZZ_STANDALONE
#include "fuzz-replay.h"

LD_FUZZ_REPLAY_MAIN
#endif
