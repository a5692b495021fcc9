// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ingest"

#include "config.h"

#include "ld-problem.h"
#include "ld-json-normalize.h"
#include "ld-level.h"

/* Where every endpoint's JSON text meets the normaliser, so that each
 * listener reports a bad text the same way: an ERROR record from
 * logdeck.ingest quoting the start of the bad value and the parse error,
 * in the same batch, where it was met among the records that did parse.
 * The connection stays open: the framing (a line, a message, a body) is
 * still intact. Each thread that takes JSON keeps one parser, so that the
 * hot path allocates nothing per text once warm. */

typedef struct
{
  LdBatch              *batch;
  const char           *text;
  const LdIngestOrigin *origin;
} BadValues;

static GPrivate parser_key = G_PRIVATE_INIT ((GDestroyNotify) ld_json_parser_free);

static LdJsonParser *
thread_parser (void)
{
  LdJsonParser *parser = g_private_get (&parser_key);

  if (parser == NULL)
    {
      parser = ld_json_parser_new ();
      g_private_set (&parser_key, parser);
    }

  return parser;
}

static void
on_bad_value (const LdJsonBadValue *bad,
              gpointer              user_data)
{
  BadValues *values = user_data;
  const LdIngestOrigin *origin = values->origin;
  g_autofree char *quote = ld_ingest_quote (values->text + bad->start, bad->end - bad->start);

  ld_ingest_add_problem (values->batch, origin->limiter, LD_LEVEL_ERROR, origin->record.connection,
                         origin->record.peer, origin->record.protocol, "%s: invalid JSON (%s): %s",
                         origin->record.connection, bad->error->message, quote);
}

/**
 * ld_ingest_add_json:
 * @batch: where to add the records
 * @text: a JSON object, an array of objects, or objects one per line, as a
 *   sender sent it (invalid UTF-8 in it becomes U+FFFD)
 * @length: its length in bytes, which the caller's framing has limited
 * @origin: where it came from
 * @n_added: (out): how many records @text made, not counting error records
 * @error: (nullable): the first reason a part of @text was refused
 *
 * Returns: %TRUE if all of @text was taken; otherwise an error record for
 *   each bad value is in @batch
 */
gboolean
ld_ingest_add_json (LdBatch              *batch,
                    const char           *text,
                    gsize                 length,
                    const LdIngestOrigin *origin,
                    guint                *n_added,
                    GError              **error)
{
  BadValues values = { batch, text, origin };
  LdJsonContext context = {
    .origin = origin->record,
    .max_length = MAX (length, 1),
    .bad_value_func = on_bad_value,
    .user_data = &values,
    .parser = thread_parser (),
  };
  g_autoptr(GError) local_error = NULL;

  *n_added = ld_json_normalize (batch, text, length, &context, &local_error);
  if (local_error == NULL)
    return TRUE;

  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}
