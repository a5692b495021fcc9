// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include "ld-handoff.h"

typedef struct
{
  GSource    source;
  LdHandoff *handoff;
} HandoffSource;

struct _LdHandoff
{
  gatomicrefcount     ref_count;

  GMutex              lock;
  GPtrArray          *pending;        /* LdBatch, in arrival order */
  LdBatch            *open_batch;     /* single records collect here */
  guint               n_pending;      /* records */
  gboolean            scheduled;
  gboolean            shut_down;
  gint64              last_drain;
  gint64              min_interval;
  guint               max_per_drain;  /* records; 0 for no limit */

  GSource            *source;
  LdHandoffDrainFunc  drain_func;
  gpointer            user_data;
  GDestroyNotify      destroy;
  guint64             n_drains;
};

static gboolean
handoff_source_dispatch (GSource     *source,
                         GSourceFunc  callback,
                         gpointer     user_data)
{
  HandoffSource *hs = (HandoffSource *) source;

  g_source_set_ready_time (source, -1);
  ld_handoff_drain (hs->handoff);

  return G_SOURCE_CONTINUE;
}

static GSourceFuncs handoff_source_funcs = {
  .dispatch = handoff_source_dispatch,
};

/**
 * ld_handoff_new:
 * @context: (nullable): the consumer's main context, %NULL for the default
 * @drain_func: called on @context with everything queued since the last call
 *
 * Returns: (transfer full): a new hand-off
 */
LdHandoff *
ld_handoff_new (GMainContext       *context,
                LdHandoffDrainFunc  drain_func,
                gpointer            user_data,
                GDestroyNotify      destroy)
{
  LdHandoff *self = g_new0 (LdHandoff, 1);
  HandoffSource *hs;

  g_atomic_ref_count_init (&self->ref_count);
  g_mutex_init (&self->lock);
  self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) ld_batch_free);
  self->drain_func = drain_func;
  self->user_data = user_data;
  self->destroy = destroy;
  self->min_interval = LD_HANDOFF_FRAME_INTERVAL_US;

  self->source = g_source_new (&handoff_source_funcs, sizeof (HandoffSource));
  hs = (HandoffSource *) self->source;
  hs->handoff = self;
  g_source_set_static_name (self->source, "[logdeck] record hand-off");
  g_source_set_priority (self->source, G_PRIORITY_DEFAULT_IDLE);
  g_source_attach (self->source, context);

  return self;
}

LdHandoff *
ld_handoff_ref (LdHandoff *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * ld_handoff_shutdown:
 * @self: a hand-off
 *
 * Stops delivering: records pushed afterwards are dropped. Call it on the
 * consumer's thread before the consumer goes away.
 */
void
ld_handoff_shutdown (LdHandoff *self)
{
  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->lock);
  self->shut_down = TRUE;
  g_ptr_array_set_size (self->pending, 0);
  g_clear_pointer (&self->open_batch, ld_batch_free);
  self->n_pending = 0;
  if (self->source != NULL)
    {
      g_source_destroy (self->source);
      g_clear_pointer (&self->source, g_source_unref);
    }
  g_mutex_unlock (&self->lock);

  if (self->destroy != NULL)
    g_clear_pointer (&self->user_data, self->destroy);
  self->drain_func = NULL;
}

void
ld_handoff_unref (LdHandoff *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  ld_handoff_shutdown (self);
  g_ptr_array_unref (self->pending);
  ld_batch_free (self->open_batch);
  g_mutex_clear (&self->lock);
  g_free (self);
}

/**
 * ld_handoff_set_min_interval:
 * @self: a hand-off
 * @interval_us: the least time between two drains; 0 drains as soon as the
 *   consumer's context runs
 */
void
ld_handoff_set_min_interval (LdHandoff *self,
                             gint64     interval_us)
{
  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->lock);
  self->min_interval = MAX (0, interval_us);
  g_mutex_unlock (&self->lock);
}

/* The first record after a drain wakes the consumer; later ones ride along. */
static void
schedule_locked (LdHandoff *self)
{
  if (self->scheduled || self->source == NULL)
    return;

  self->scheduled = TRUE;
  g_source_set_ready_time (self->source, self->last_drain + self->min_interval);
}

/**
 * ld_handoff_push_batch:
 * @self: a hand-off
 * @batch: (transfer full): records to deliver
 *
 * May be called from any thread.
 */
void
ld_handoff_push_batch (LdHandoff *self,
                       LdBatch   *batch)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (batch != NULL);

  if (ld_batch_get_length (batch) == 0)
    {
      ld_batch_free (batch);
      return;
    }

  g_mutex_lock (&self->lock);
  if (self->shut_down)
    {
      g_mutex_unlock (&self->lock);
      ld_batch_free (batch);
      return;
    }
  /* Keep single records pushed earlier ahead of this batch. */
  if (self->open_batch != NULL)
    g_ptr_array_add (self->pending, g_steal_pointer (&self->open_batch));
  self->n_pending += ld_batch_get_length (batch);
  g_ptr_array_add (self->pending, batch);
  schedule_locked (self);
  g_mutex_unlock (&self->lock);
}

/**
 * ld_handoff_push_record:
 * @self: a hand-off
 * @fields: one record
 *
 * May be called from any thread.
 */
void
ld_handoff_push_record (LdHandoff            *self,
                        const LdRecordFields *fields)
{
  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->lock);
  if (self->shut_down)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  if (self->open_batch == NULL)
    self->open_batch = ld_batch_new ();
  ld_batch_add (self->open_batch, fields);
  self->n_pending++;
  schedule_locked (self);
  g_mutex_unlock (&self->lock);
}

/* Records in a part of a batch split for the drains to come (see
 * split_into_drains()), unless a drain takes more. */
#define SPLIT_PART_RECORDS 16384

/* Cuts the batch at @index into a first part of @room records and parts of
 * at most SPLIT_PART_RECORDS or @max_per_drain after it, in place in
 * @pending. The parts are split off from the end, so that each record is
 * copied once: cutting the first part off the front each frame copied the
 * whole rest of the batch every time, and a file read as one batch of a
 * million records spent a tenth of the window's time there. Parts are not
 * made smaller than SPLIT_PART_RECORDS, so that the few records a frame of
 * an empty window takes do not cut a file into thousands of batches. */
static void
split_into_drains (GPtrArray *pending,
                   guint      index,
                   guint      room,
                   guint      max_per_drain)
{
  LdBatch *batch = pending->pdata[index];
  guint length = ld_batch_get_length (batch);
  guint part = MAX (max_per_drain, SPLIT_PART_RECORDS);

  while (length > room)
    {
      /* Where the last part starts: room plus whole parts before it. */
      guint last = room + (length - room - 1) / part * part;

      g_ptr_array_insert (pending, index + 1, ld_batch_split_off (batch, last));
      length = last;
    }
}

/* Everything queued, or, with a limit, batches up to it: a backlog is then
 * taken over several frames rather than in one long one. */
static GPtrArray *
take_pending_locked (LdHandoff *self)
{
  GPtrArray *taken, *rest;
  guint n_taken = 0, n_records = 0;

  if (self->max_per_drain == 0)
    {
      taken = g_steal_pointer (&self->pending);
      self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) ld_batch_free);
      self->n_pending = 0;
      return taken;
    }

  /* The batch that crosses the limit is split there, so that a window that
   * starts from nothing grows by no more rows a frame than it is allowed. */
  while (n_taken < self->pending->len && n_records < self->max_per_drain)
    {
      LdBatch *batch = self->pending->pdata[n_taken];
      guint room = self->max_per_drain - n_records;

      if (ld_batch_get_length (batch) > room)
        split_into_drains (self->pending, n_taken, room, self->max_per_drain);
      n_records += ld_batch_get_length (batch);
      n_taken++;
    }

  taken = g_ptr_array_new_with_free_func ((GDestroyNotify) ld_batch_free);
  rest = g_ptr_array_new_with_free_func ((GDestroyNotify) ld_batch_free);
  for (guint i = 0; i < self->pending->len; i++)
    g_ptr_array_add (i < n_taken ? taken : rest, self->pending->pdata[i]);
  /* The batches moved; the old array must not free them. */
  g_ptr_array_set_free_func (self->pending, NULL);
  g_ptr_array_unref (self->pending);
  self->pending = rest;
  self->n_pending -= n_records;

  return taken;
}

/**
 * ld_handoff_set_max_per_drain:
 * @self: a hand-off
 * @max_records: the most records one drain delivers (the batch that
 *   crosses it is split), or 0 for no limit
 */
void
ld_handoff_set_max_per_drain (LdHandoff *self,
                              guint      max_records)
{
  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->lock);
  self->max_per_drain = max_records;
  g_mutex_unlock (&self->lock);
}

/**
 * ld_handoff_set_priority:
 * @self: a hand-off
 * @priority: the priority drains run at on the consumer's context
 *   (%G_PRIORITY_DEFAULT_IDLE unless set)
 *
 * At the default, a drain waits while anything more urgent is ready, and a
 * window whose frames take longer than the frame interval is never idle:
 * its frames would hold back a backlog for as long as they last. A
 * consumer that must go on in step with the frames drains at their
 * priority, so that the two take turns.
 */
void
ld_handoff_set_priority (LdHandoff *self,
                         int        priority)
{
  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->lock);
  if (self->source != NULL)
    g_source_set_priority (self->source, priority);
  g_mutex_unlock (&self->lock);
}

/**
 * ld_handoff_drain:
 * @self: a hand-off
 *
 * Delivers everything queued now. Call it on the consumer's thread; the
 * hand-off calls it there by itself when woken.
 *
 * Returns: %TRUE if anything was delivered
 */
gboolean
ld_handoff_drain (LdHandoff *self)
{
  g_autoptr(GPtrArray) batches = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  g_mutex_lock (&self->lock);
  if (self->open_batch != NULL)
    g_ptr_array_add (self->pending, g_steal_pointer (&self->open_batch));
  batches = take_pending_locked (self);
  self->last_drain = g_get_monotonic_time ();
  /* What is left waits for the next frame. */
  self->scheduled = FALSE;
  if (self->pending->len > 0)
    schedule_locked (self);
  g_mutex_unlock (&self->lock);

  if (batches->len == 0 || self->drain_func == NULL)
    return FALSE;

  self->n_drains++;
  self->drain_func ((LdBatch *const *) batches->pdata, batches->len, self->user_data);

  return TRUE;
}

/**
 * ld_handoff_drain_all:
 * @self: a hand-off
 *
 * Delivers everything queued, whatever the limit per drain: for an export
 * or a shutdown, which must see every record already received.
 */
void
ld_handoff_drain_all (LdHandoff *self)
{
  g_return_if_fail (self != NULL);

  while (ld_handoff_drain (self))
    ;
}

guint64
ld_handoff_get_n_drains (LdHandoff *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_drains;
}

guint
ld_handoff_get_n_pending (LdHandoff *self)
{
  guint n;

  g_return_val_if_fail (self != NULL, 0);

  g_mutex_lock (&self->lock);
  n = self->n_pending;
  g_mutex_unlock (&self->lock);

  return n;
}
