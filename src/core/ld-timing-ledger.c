// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include "ld-timing-private.h"

/* The ledger's blocks; its inline half is in ld-timing-private.h. */

#define BLOCK_SIZE (LD_TIMING_LEDGER_BLOCK * sizeof (LdTimingEntry))

void
_ld_timing_ledger_init (LdTimingLedger *ledger)
{
  ledger->blocks = g_ptr_array_new_with_free_func (g_free);
  ledger->head = 0;
  ledger->len = 0;
  ledger->spare = NULL;
}

void
_ld_timing_ledger_clear (LdTimingLedger *ledger)
{
  g_clear_pointer (&ledger->blocks, g_ptr_array_unref);
  g_clear_pointer (&ledger->spare, g_free);
  ledger->head = 0;
  ledger->len = 0;
}

/* Empties the ledger, its memory given back: a cleared store holds
 * nothing. */
void
_ld_timing_ledger_reset (LdTimingLedger *ledger)
{
  g_ptr_array_set_size (ledger->blocks, 0);
  g_clear_pointer (&ledger->spare, g_free);
  ledger->head = 0;
  ledger->len = 0;
}

void
_ld_timing_ledger_add_block (LdTimingLedger *ledger)
{
  LdTimingEntry *block = g_steal_pointer (&ledger->spare);

  g_ptr_array_add (ledger->blocks, block != NULL ? block : g_malloc (BLOCK_SIZE));
}

/* blocks[0] is consumed: it becomes the spare, or is freed when there is
 * one. Moving the pointers after it costs one per 4,096 entries. */
void
_ld_timing_ledger_drop_block (LdTimingLedger *ledger)
{
  LdTimingEntry *block = g_ptr_array_steal_index (ledger->blocks, 0);

  if (ledger->spare == NULL)
    ledger->spare = block;
  else
    g_free (block);
  ledger->head = 0;
}

gsize
_ld_timing_ledger_get_memory_size (const LdTimingLedger *ledger)
{
  return (ledger->blocks->len + (ledger->spare != NULL)) * BLOCK_SIZE
         + ledger->blocks->len * sizeof (gpointer);
}
