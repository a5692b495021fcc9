// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <string.h>

#include "ld-store-private.h"

/* A reader on another thread
 * ========================== */

/**
 * ld_store_lock:
 * @self: a store
 *
 * Any thread: holds off the UI thread's appends, evictions and clears until
 * ld_store_unlock(). Meanwhile another thread may call the getters
 * (ld_store_get_first_seq(), ld_store_get_n_records(), ld_store_get_run()
 * and the like), and the records they return stay valid. Hold it for
 * microseconds: the UI thread waits for it. Never call ld_store_read() or
 * anything that changes the store while holding it.
 */
void
ld_store_lock (LdStore *self)
{
  g_return_if_fail (LD_IS_STORE (self));

  g_mutex_lock (&self->reader_lock);
}

void
ld_store_unlock (LdStore *self)
{
  g_return_if_fail (LD_IS_STORE (self));

  g_mutex_unlock (&self->reader_lock);
}

/**
 * ld_store_attach_reader:
 * @self: a store
 *
 * From now on, records are kept for a reader on another thread until it
 * releases them (see ld_store_read()), starting with the next one to
 * arrive and with those kept now.
 *
 * Returns: the sequence number of the first record the reader will get
 */
guint64
ld_store_attach_reader (LdStore *self)
{
  guint64 seq;

  g_return_val_if_fail (LD_IS_STORE (self), 0);

  g_mutex_lock (&self->reader_lock);
  self->reader_seq = self->reader_end = seq = self->first_seq;
  g_mutex_unlock (&self->reader_lock);

  return seq;
}

/**
 * ld_store_detach_reader:
 * @self: a store
 *
 * Any thread: records are no longer kept for the reader, and the text of
 * those it had not released may be freed.
 */
void
ld_store_detach_reader (LdStore *self)
{
  g_return_if_fail (LD_IS_STORE (self));

  g_mutex_lock (&self->reader_lock);
  self->reader_seq = G_MAXUINT64;
  self->reader_pin = G_MAXUINT64;
  g_array_set_size (self->held, 0);
  g_ptr_array_set_size (self->lent, 0);
  self->held_bytes = 0;
  _ld_store_release_evicted_chunks (self);
  g_mutex_unlock (&self->reader_lock);
}

/**
 * ld_store_read:
 * @self: a store with a reader attached
 * @from_seq: the first record wanted
 * @records: (out caller-allocates) (array length=max_records): where the
 *   records' slots are copied; their text stays valid until released
 * @max_records: room in @records
 * @first_seq: (out): the sequence number of @records[0]; more than
 *   @from_seq when records were missed (see ld_store_get_n_missed())
 *
 * Any thread: copies the slots of the records from @from_seq on, as many as
 * there are up to @max_records, and releases every record before @from_seq
 * (text of records evicted from the store is freed once released).
 *
 * Returns: how many records were copied
 */
guint
ld_store_read (LdStore  *self,
               guint64   from_seq,
               LdRecord *records,
               guint     max_records,
               guint64  *first_seq)
{
  guint64 seq;
  guint n = 0;

  g_return_val_if_fail (LD_IS_STORE (self), 0);

  g_mutex_lock (&self->reader_lock);
  if (self->reader_seq == G_MAXUINT64)
    {
      g_mutex_unlock (&self->reader_lock);
      g_critical ("ld_store_read: no reader attached");
      *first_seq = from_seq;
      return 0;
    }

  /* Release what came before, and the chunks of the last slice. */
  self->reader_seq = MAX (self->reader_seq, from_seq);
  for (n = 0; n < self->held->len; n++)
    if (g_array_index (self->held, HeldRecord, n).seq >= self->reader_seq)
      break;
  _ld_store_drop_held (self, n, FALSE);
  n = 0;
  g_ptr_array_set_size (self->lent, 0);
  self->reader_pin = G_MAXUINT64;
  _ld_store_release_evicted_chunks (self);

  /* Held records come first, as far as they follow each other; records
   * skipped on arrival or dropped leave gaps, and a call never copies
   * across one. */
  if (self->held->len > 0)
    {
      seq = g_array_index (self->held, HeldRecord, 0).seq;
      *first_seq = seq;
      while (n < max_records && n < self->held->len
             && g_array_index (self->held, HeldRecord, n).seq == seq)
        {
          HeldRecord *held = &g_array_index (self->held, HeldRecord, n);

          /* Handed out: its text is kept until the next read, out of reach
           * of the trimming that may drop held records meanwhile. */
          records[n] = held->record;
          self->held_bytes -= ld_record_text_size (&held->record);
          if (held->record.text != NULL)
            g_ptr_array_add (self->lent, (char *) held->record.text);
          held->record.text = NULL;
          n++;
          seq++;
        }
      g_array_remove_range (self->held, 0, n);
      if (n == max_records || self->held->len > 0 || seq != self->first_seq)
        goto out;
    }
  else
    {
      seq = MAX (from_seq, self->first_seq);
      *first_seq = seq;
    }

  if (n < max_records && seq < self->first_seq + self->n_records)
    self->reader_pin = seq;
  while (n < max_records && seq < self->first_seq + self->n_records)
    records[n++] = *_ld_store_record_at (self, (guint) (seq++ - self->first_seq));

out:
  self->reader_end = MAX (self->reader_end, MAX (from_seq, *first_seq + n));
  g_mutex_unlock (&self->reader_lock);

  return n;
}

/**
 * ld_store_get_n_missed:
 * @self: a store
 *
 * Any thread.
 *
 * Returns: how many records were evicted before the reader read them
 */
guint64
ld_store_get_n_missed (LdStore *self)
{
  guint64 n;

  g_return_val_if_fail (LD_IS_STORE (self), 0);

  g_mutex_lock (&self->reader_lock);
  n = self->n_missed;
  g_mutex_unlock (&self->reader_lock);

  return n;
}
