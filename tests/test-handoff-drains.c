// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.test"

/* The hand-off's limit per drain with batches far larger than a drain, as
 * a file read in one piece gives: each drain takes no more than its limit
 * (which the window changes from frame to frame), and every record arrives
 * once, in order, with its own text. */

#include "config.h"

#include <string.h>

#include "ld-handoff.h"

typedef struct
{
  LdHandoff *handoff;
  GArray    *lengths;   /* records per drain */
  guint      next;      /* the number the next record must carry */
} Drains;

static LdBatch *
make_batch (guint first,
            guint count)
{
  LdBatch *batch = ld_batch_new ();

  for (guint i = first; i < first + count; i++)
    {
      g_autofree char *message = g_strdup_printf ("line %u", i);
      LdRecordFields fields = {
        .time_us = 1700000000000000 + i,
        .level = 20,
        .logger = i % 3 ? "acme.api" : "acme.db",
        .message = message,
      };

      ld_batch_add (batch, &fields);
    }

  return batch;
}

static void
check_drain (LdBatch *const *batches,
             guint           n_batches,
             gpointer        user_data)
{
  Drains *drains = user_data;
  guint n = 0;

  for (guint b = 0; b < n_batches; b++)
    for (guint i = 0; i < ld_batch_get_length (batches[b]); i++, n++)
      {
        g_autofree char *expected = g_strdup_printf ("line %u", drains->next++);
        const char *text;
        const LdRecord *record = ld_batch_get_record (batches[b], i, &text);

        g_assert_cmpmem (text, record->message_len, expected, strlen (expected));
      }
  g_array_append_val (drains->lengths, n);
}

/* Drains with @limit until none is left; checks that each took @limit
 * records but the last, which takes the rest. */
static void
drain_with_limit (Drains *drains,
                  guint   limit,
                  guint   n_drains)
{
  ld_handoff_set_max_per_drain (drains->handoff, limit);
  for (guint i = 0; i < n_drains; i++)
    {
      guint before = ld_handoff_get_n_pending (drains->handoff);

      g_assert_true (ld_handoff_drain (drains->handoff));
      g_assert_cmpuint (g_array_index (drains->lengths, guint, drains->lengths->len - 1), ==,
                        MIN (before, limit));
      g_assert_cmpuint (ld_handoff_get_n_pending (drains->handoff), ==,
                        before - MIN (before, limit));
    }
}

/* A window's ramp: a few small drains while it is empty, then large ones,
 * over a batch of 200,003 records and two smaller batches behind it. */
static void
test_large_batch (void)
{
  Drains drains = { NULL, g_array_new (FALSE, FALSE, sizeof (guint)), 0 };
  guint sizes[] = { 200003, 5, 40000 };
  guint first = 0;

  drains.handoff = ld_handoff_new (NULL, check_drain, &drains, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      ld_handoff_push_batch (drains.handoff, make_batch (first, sizes[i]));
      first += sizes[i];
    }
  g_assert_cmpuint (ld_handoff_get_n_pending (drains.handoff), ==, first);

  drain_with_limit (&drains, 64, 4);
  drain_with_limit (&drains, 32768, 3);
  drain_with_limit (&drains, 1000, 2);
  /* A drain without a limit takes everything left at once. */
  ld_handoff_set_max_per_drain (drains.handoff, 0);
  g_assert_true (ld_handoff_drain (drains.handoff));
  g_assert_false (ld_handoff_drain (drains.handoff));

  g_assert_cmpuint (drains.next, ==, first);
  g_assert_cmpuint (ld_handoff_get_n_pending (drains.handoff), ==, 0);

  ld_handoff_shutdown (drains.handoff);
  ld_handoff_unref (drains.handoff);
  g_array_unref (drains.lengths);
}

/* Limits that divide the batch evenly, and one record past a whole drain. */
static void
test_exact_fit (void)
{
  Drains drains = { NULL, g_array_new (FALSE, FALSE, sizeof (guint)), 0 };

  drains.handoff = ld_handoff_new (NULL, check_drain, &drains, NULL);
  ld_handoff_push_batch (drains.handoff, make_batch (0, 4 * 16384 + 1));

  drain_with_limit (&drains, 16384, 4);
  drain_with_limit (&drains, 16384, 1);
  g_assert_false (ld_handoff_drain (drains.handoff));
  g_assert_cmpuint (drains.next, ==, 4 * 16384 + 1);

  ld_handoff_shutdown (drains.handoff);
  ld_handoff_unref (drains.handoff);
  g_array_unref (drains.lengths);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/handoff-drains/large-batch", test_large_batch);
  g_test_add_func ("/handoff-drains/exact-fit", test_exact_fit);

  return g_test_run ();
}
