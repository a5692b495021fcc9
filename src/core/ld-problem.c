// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ingest"

/* Problem records: the rate limiter, the records themselves, and quoting
 * what a sender sent (see ld-problem.h). */

#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "ld-level.h"
#include "ld-problem.h"

/**
 * ld_problem_limiter_init:
 * @limiter: a connection's limiter, or the ingest thread's
 * @parent: (nullable): the ingest thread's, for a connection's
 *
 * A sender can make every one of its bytes a bad input: without a limit,
 * its error records would push every good record out of the store. Each
 * connection may cause LD_PROBLEMS_PER_SECOND records a second after a
 * burst of LD_PROBLEMS_BURST, and all connections together
 * LD_PROBLEMS_GLOBAL_PER_SECOND; what is over is counted, and said in one
 * "suppressed" record when records are allowed again or the connection ends.
 */
void
ld_problem_limiter_init (LdProblemLimiter *limiter,
                         LdProblemLimiter *parent)
{
  limiter->parent = parent;
  limiter->refilled_at = g_get_monotonic_time ();
  limiter->tokens = parent != NULL ? LD_PROBLEMS_BURST : LD_PROBLEMS_GLOBAL_BURST;
  limiter->n_suppressed = 0;
}

static gboolean
take_token (LdProblemLimiter *limiter,
            gint64            now)
{
  gboolean global = limiter->parent == NULL;
  double rate = global ? LD_PROBLEMS_GLOBAL_PER_SECOND : LD_PROBLEMS_PER_SECOND;
  double burst = global ? LD_PROBLEMS_GLOBAL_BURST : LD_PROBLEMS_BURST;

  limiter->tokens = MIN (burst, limiter->tokens
                                + rate * (double) (now - limiter->refilled_at) / G_USEC_PER_SEC);
  limiter->refilled_at = now;
  if (limiter->tokens < 1.0)
    return FALSE;
  if (limiter->parent != NULL && !take_token (limiter->parent, now))
    return FALSE;

  limiter->tokens -= 1.0;
  return TRUE;
}

static void
add_record (LdBatch    *batch,
            int         level,
            const char *connection,
            const char *peer,
            const char *protocol,
            const char *message)
{
  LdRecordFields fields = { 0 };

  fields.time_us = g_get_real_time ();
  fields.level = level;
  fields.level_name = ld_level_canonical_name (level);
  fields.logger = LD_INGEST_LOGGER;
  fields.message = message;
  fields.thread = "ingest";
  fields.connection = connection;
  fields.peer = peer;
  fields.protocol = protocol;
  ld_batch_add (batch, &fields);
}

/**
 * ld_problem_limiter_flush:
 *
 * Says how many records @limiter held back, if any: when records are
 * allowed again, and when its connection ends.
 */
void
ld_problem_limiter_flush (LdProblemLimiter *limiter,
                          LdBatch          *batch,
                          const char       *connection,
                          const char       *peer,
                          const char       *protocol)
{
  g_autofree char *message = NULL;

  if (limiter == NULL || limiter->n_suppressed == 0)
    return;

  message = g_strdup_printf ("%s: %" G_GUINT64_FORMAT " more problem records were suppressed "
                             "(at most %u a second per connection, %u in all)",
                             connection, limiter->n_suppressed, LD_PROBLEMS_PER_SECOND,
                             LD_PROBLEMS_GLOBAL_PER_SECOND);
  limiter->n_suppressed = 0;
  add_record (batch, 30, connection, peer, protocol, message);
}

/**
 * ld_ingest_add_problem:
 * @batch: where to add the record
 * @limiter: (nullable): the connection's limiter; %NULL for a record that
 *   cannot repeat, such as a listener's own failure
 * @level: WARNING (30) or ERROR (40)
 *
 * Adds a record of Logdeck's own, from logger "logdeck.ingest", about what
 * went wrong with a connection. It goes in the connection's batch, after the
 * connection's records so far, so that it is seen where it happened.
 */
void
ld_ingest_add_problem (LdBatch          *batch,
                       LdProblemLimiter *limiter,
                       int               level,
                       const char       *connection,
                       const char       *peer,
                       const char       *protocol,
                       const char       *format,
                       ...)
{
  g_autofree char *message = NULL;
  va_list args;

  if (limiter != NULL && !take_token (limiter, g_get_monotonic_time ()))
    {
      limiter->n_suppressed++;
      return;
    }
  ld_problem_limiter_flush (limiter, batch, connection, peer, protocol);

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  add_record (batch, level, connection, peer, protocol, message);
}

/**
 * ld_ingest_is_blank:
 * @text: some text
 * @length: its length in bytes
 *
 * Returns: whether @text is only JSON whitespace, or empty
 */
gboolean
ld_ingest_is_blank (const char *text,
                    gsize       length)
{
  for (gsize i = 0; i < length; i++)
    if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r' && text[i] != '\n')
      return FALSE;

  return TRUE;
}

/**
 * ld_ingest_validate_utf8:
 * @text: bytes a sender sent
 * @length: their length
 * @bad_at: (out): where the first invalid sequence starts
 *
 * Log text is mostly ASCII, so eight bytes at a time are checked for a high
 * bit first, and GLib's validator only runs from the first byte that has
 * one. Unlike g_utf8_validate_len(), nul bytes are valid, as in RFC 3629
 * and WebSocket text messages.
 *
 * Returns: whether @text is valid UTF-8
 */
gboolean
ld_ingest_validate_utf8 (const char *text,
                         gsize       length,
                         gsize      *bad_at)
{
  const char *start = text;
  const char *stop;
  gsize i = 0;

  for (;;)
    {
      for (; i + 8 <= length; i += 8)
        {
          guint64 word;

          memcpy (&word, text + i, 8);
          if (word & G_GUINT64_CONSTANT (0x8080808080808080))
            break;
        }
      if (g_utf8_validate_len (text + i, length - i, &stop))
        return TRUE;
      if (*stop != '\0')
        {
          *bad_at = stop - start;
          return FALSE;
        }
      i = stop - text + 1;
    }
}

/**
 * ld_ingest_quote:
 * @text: bytes a sender sent, not necessarily UTF-8
 * @length: their length
 *
 * Quotes the start of a bad input for an error record: at most
 * %LD_INGEST_QUOTE_BYTES bytes, cut at a character boundary, with control
 * characters escaped so that a quote stays on one line, and invalid UTF-8
 * replaced.
 *
 * Returns: (transfer full): the quote, in double quotes, with "…" if cut
 */
char *
ld_ingest_quote (const char *text,
                 gsize       length)
{
  gsize cut = MIN (length, LD_INGEST_QUOTE_BYTES);
  g_autofree char *valid = NULL;
  GString *quote;

  /* An empty body may come as no buffer at all. */
  if (text == NULL || length == 0)
    return g_strdup ("“” (empty)");

  quote = g_string_new ("“");

  /* Back off to the start of a character that the cut would split. */
  while (cut < length && cut > 0 && ((guchar) text[cut] & 0xc0) == 0x80)
    cut--;
  valid = g_utf8_make_valid (text, cut);

  for (const char *p = valid; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || *p == 0x7f)
        g_string_append_printf (quote, "\\x%02x", (guchar) *p);
      else
        g_string_append_c (quote, *p);
    }
  g_string_append (quote, cut < length ? "”…" : "”");

  return g_string_free (quote, FALSE);
}
