// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.archive"

/* Opening an archived session (the Sessions dialog's Open): two threads
 * read the archive in slices and push them, in order, through a hand-off,
 * which the caller's main context drains into the store once per frame.
 * How many records a drain takes follows how long the last one took (see
 * adapt_drain()), so that a frame stays short while as few frames as
 * possible pay the window's cost per frame. The window stays responsive
 * while a million records arrive, and a slow window holds the readers back
 * instead of piling slices up in memory.
 *
 * The session's hand-off is not used: its source tracker would take the
 * archived records' connections for the live ones of the same name. Opened
 * into a running session, the records are marked for its archive writer to
 * skip: the past session's own archive keeps them already. */

#include "config.h"

#include "ld-archive.h"
#include "ld-archive-loader.h"
#include "ld-marks.h"
#include "ld-handoff.h"
#include "ld-session.h"

#define SLICE_RECORDS 32768

/* What one drain into the store may take. Into a window, each drain is
 * followed by a frame that binds, lays out and draws the rows now at the
 * bottom; that frame costs about the same for 30,000 records as for
 * 200,000, and was most of the UI thread's time when every drain took one
 * slice (2.1 s for a million records). Taking as many records as fit in
 * 40 ms makes fewer such frames while the drain and the frame after it stay
 * within the 100 ms a frame may take. */
#define DRAIN_BUDGET_US 40000
#define MAX_DRAIN_RECORDS (8 * SLICE_RECORDS)

/* On a loaded machine every drain is slow, and smaller drains would only
 * add frames, each costing the same: half a slice is the least. */
#define MIN_DRAIN_RECORDS (SLICE_RECORDS / 2)

/* The first drain into an empty window also shows the table and makes its
 * rows (hundreds of milliseconds on a loaded machine, whatever the count):
 * it takes few records, and the drains grow from there. */
#define FIRST_DRAIN_RECORDS 256

/* Drains take turns with the window's frames (GDK_PRIORITY_REDRAW; no GDK
 * here): at idle priority, frames that each took longer than the frame
 * interval held the load back for good (seen with MALLOC_PERTURB_ in the
 * tests: the store stopped at its first drain). */
#define LOAD_PRIORITY (G_PRIORITY_HIGH_IDLE + 20)

typedef struct
{
  char      *path;
  LdStore   *store;
  GWeakRef   session;   /* whose archive writer skips the records */
  LdHandoff *handoff;
  guint64    n_records;
  GArray    *mark_ordinals;   /* guint64: the marked records' places, read first */
  guint64    store_base;      /* the store's seq for the archive's first record */
  guint64    n_drained;       /* records appended to the store */
  gint       per_drain;       /* records a drain takes now; read by the readers */
  guint64    n_expected;      /* the archive's range of sequence numbers, set before
                               * the first push: at least its count */
} Load;

static void
load_free (Load *load)
{
  /* No drain runs after this: the session is not looked at again. */
  if (load->handoff != NULL)
    ld_handoff_shutdown (load->handoff);
  g_clear_pointer (&load->handoff, ld_handoff_unref);
  g_free (load->path);
  g_clear_pointer (&load->mark_ordinals, g_array_unref);
  g_clear_object (&load->store);
  g_weak_ref_clear (&load->session);
  g_free (load);
}

/* The writer is looked up at every slice rather than kept: a session that
 * stops archiving meanwhile has none, and none is needed. */
static void
skip_in_archive (Load            *load,
                 LdBatch *const  *batches,
                 guint            n_batches)
{
  g_autoptr(LdSession) session = g_weak_ref_get (&load->session);
  LdArchiveWriter *writer = session != NULL ? ld_session_get_archive_writer (session) : NULL;
  guint64 n = 0;

  if (writer == NULL || ld_session_get_store (session) != load->store)
    return;

  for (guint i = 0; i < n_batches; i++)
    n += ld_batch_get_length (batches[i]);
  /* The store numbers what it receives in order, on this thread. */
  ld_archive_writer_skip (writer, ld_store_get_n_received (load->store), n);
}

/* The next drain takes as many records as the last one's time says fit in
 * DRAIN_BUDGET_US, at most four times or half as many as this one, so that
 * one drain slowed by something else does not swing it far. Only a full
 * drain says how many fit: one that took what little had arrived does not. */
static void
adapt_drain (Load   *load,
             guint   n_records,
             gint64  elapsed_us)
{
  guint per_drain = (guint) g_atomic_int_get (&load->per_drain);
  double fit;

  if (n_records < per_drain)
    return;

  fit = (double) n_records * DRAIN_BUDGET_US / MAX (elapsed_us, 1);
  fit = CLAMP (fit, per_drain / 2.0, per_drain * 4.0);
  per_drain = (guint) CLAMP (fit, MIN_DRAIN_RECORDS, MAX_DRAIN_RECORDS);
  g_atomic_int_set (&load->per_drain, (gint) per_drain);
  ld_handoff_set_max_per_drain (load->handoff, per_drain);
}

static void
drain_into_store (LdBatch *const *batches,
                  guint           n_batches,
                  gpointer        user_data)
{
  Load *load = user_data;
  gint64 start = g_get_monotonic_time ();
  guint n_records = 0;

  if (load->n_drained == 0)
    load->store_base = ld_store_get_n_received (load->store);
  /* Room for the next drains, made ahead of them (see ld_store_reserve()).
   * Not for the whole archive at once: its sequence numbers can have gaps
   * (an opened session's records skipped), so their range only bounds its
   * count. The hand-off's lock orders this after the readers set
   * @n_expected. */
  ld_store_reserve (load->store,
                    (guint) MIN (load->n_expected - MIN (load->n_expected, load->n_drained),
                                 2 * MAX_DRAIN_RECORDS));
  for (guint i = 0; i < n_batches; i++)
    n_records += ld_batch_get_length (batches[i]);
  load->n_drained += n_records;
  skip_in_archive (load, batches, n_batches);
  ld_store_append_batches (load->store, batches, n_batches);
  adapt_drain (load, n_records, g_get_monotonic_time () - start);
}

/* The archive's marks, on the store's records: by their places among the
 * records read, since the store numbers them its own way. A load that
 * stopped early marks only what arrived. */
static void
restore_marks (Load *load)
{
  LdMarks *marks;

  if (load->mark_ordinals == NULL || load->mark_ordinals->len == 0)
    return;

  marks = ld_marks_for_store (load->store);
  for (guint i = 0; i < load->mark_ordinals->len; i++)
    {
      guint64 ordinal = g_array_index (load->mark_ordinals, guint64, i);

      if (ordinal < load->n_drained)
        ld_marks_set (marks, load->store_base + ordinal, TRUE);
    }
}

/* Two readers, each with its own connection, read alternate slices of
 * sequence numbers and push them in order: reading and decoding rows is
 * most of the work, and the profile showed the one reader as the busiest
 * thread. Slices go by sequence number, so a reader knows its next one
 * without waiting for the other's. */
#define N_READERS 2

typedef struct
{
  Load         *load;
  GCancellable *cancellable;
  guint64       first_seq;
  guint64       end_seq;

  GMutex        lock;
  GCond         cond;
  guint64       next_slice;   /* the slice pushed next */
  gboolean      stopped;      /* an error or a cancel: nothing more is pushed */
  GError       *error;
} Readers;

/* Waits for the slice's turn; FALSE if the load stopped or was cancelled
 * meanwhile. A cancel is looked at on every wake-up: the reader whose turn
 * it is may have seen it first and left without pushing its slice. */
static gboolean
wait_turn (Readers *readers,
           guint64  slice)
{
  gboolean turn;

  g_mutex_lock (&readers->lock);
  while (readers->next_slice != slice && !readers->stopped
         && !g_cancellable_is_cancelled (readers->cancellable))
    g_cond_wait_until (&readers->cond, &readers->lock, g_get_monotonic_time () + 20000);
  turn = !readers->stopped && !g_cancellable_is_cancelled (readers->cancellable);
  g_mutex_unlock (&readers->lock);

  return turn;
}

static void
stop_readers (Readers *readers,
              GError  *error)
{
  g_mutex_lock (&readers->lock);
  readers->stopped = TRUE;
  if (readers->error == NULL && error != NULL)
    readers->error = g_error_copy (error);
  g_cond_broadcast (&readers->cond);
  g_mutex_unlock (&readers->lock);
}

/* The store is @handoff's consumer: a slow window holds the readers back
 * instead of slices piling up in memory. Two drains' worth wait at most, so
 * that the next drain finds all it may take. */
static void
push_slice (Readers *readers,
            LdBatch *batch)
{
  Load *load = readers->load;

  while (ld_handoff_get_n_pending (load->handoff)
           > MAX (4 * SLICE_RECORDS, 2 * (guint) g_atomic_int_get (&load->per_drain))
         && !g_cancellable_is_cancelled (readers->cancellable))
    g_usleep (2000);

  load->n_records += ld_batch_get_length (batch);
  ld_handoff_push_batch (load->handoff, batch);

  g_mutex_lock (&readers->lock);
  readers->next_slice++;
  g_cond_broadcast (&readers->cond);
  g_mutex_unlock (&readers->lock);
}

static void
read_slices (Readers   *readers,
             LdArchive *archive,
             guint      reader)
{
  for (guint64 slice = reader; ; slice += N_READERS)
    {
      guint64 from = readers->first_seq + slice * SLICE_RECORDS;
      g_autoptr(LdBatch) batch = NULL;
      g_autoptr(GError) error = NULL;
      gboolean ok;

      if (from >= readers->end_seq || g_cancellable_is_cancelled (readers->cancellable))
        break;
      batch = ld_batch_new ();
      ok = ld_archive_read_range (archive, from, MIN (from + SLICE_RECORDS, readers->end_seq),
                                  batch, &error);
      if (!wait_turn (readers, slice))
        break;
      /* A damaged archive gives what comes before the damage: it is shown. */
      push_slice (readers, g_steal_pointer (&batch));
      if (!ok)
        {
          stop_readers (readers, error);
          break;
        }
    }
}

static gpointer
second_reader (gpointer data)
{
  Readers *readers = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(LdArchive) archive = ld_archive_open (readers->load->path, &error);

  if (archive == NULL)
    stop_readers (readers, error);
  else
    read_slices (readers, archive, 1);

  return NULL;
}

static void
read_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Load *load = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(LdArchive) archive = ld_archive_open (load->path, &error);
  Readers readers = { .load = load, .cancellable = cancellable };
  GThread *second;

  if (archive == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  ld_archive_get_mark_ordinals (archive, load->mark_ordinals);
  g_mutex_init (&readers.lock);
  g_cond_init (&readers.cond);
  if (ld_archive_get_seq_range (archive, &readers.first_seq, &readers.end_seq))
    {
      load->n_expected = readers.end_seq - readers.first_seq;
      second = g_thread_new ("archive-reader", second_reader, &readers);
      read_slices (&readers, archive, 0);
      g_thread_join (second);
    }
  g_mutex_clear (&readers.lock);
  g_cond_clear (&readers.cond);

  if (readers.error != NULL)
    {
      g_task_return_error (task, readers.error);
      return;
    }

  /* Done once the store has them all: the caller's context drains the
   * last slices over the next frames. */
  while (ld_handoff_get_n_pending (load->handoff) > 0 && !g_cancellable_is_cancelled (cancellable))
    g_usleep (2000);

  if (!g_task_return_error_if_cancelled (task))
    g_task_return_boolean (task, TRUE);
}

static void
on_read_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Load *load = g_task_get_task_data (G_TASK (result));
  guint64 *n_records = g_new (guint64, 1);
  GError *error = NULL;

  *n_records = load->n_records;
  restore_marks (load);
  g_task_set_task_data (task, n_records, g_free);
  if (g_task_propagate_boolean (G_TASK (result), &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
load_async (const char          *path,
            LdStore             *store,
            LdSession           *session,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  g_autoptr(GTask) reader = NULL;
  GTask *task;
  Load *load;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ld_archive_load_async);

  load = g_new0 (Load, 1);
  load->path = g_strdup (path);
  load->store = g_object_ref (store);
  load->mark_ordinals = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_weak_ref_init (&load->session, session);
  /* The hand-off is shut down before @load goes (load_free). */
  load->handoff = ld_handoff_new (g_main_context_get_thread_default (), drain_into_store,
                                  load, NULL);
  load->per_drain = FIRST_DRAIN_RECORDS;
  ld_handoff_set_max_per_drain (load->handoff, FIRST_DRAIN_RECORDS);
  ld_handoff_set_priority (load->handoff, LOAD_PRIORITY);

  reader = g_task_new (NULL, cancellable, on_read_done, task);
  g_task_set_task_data (reader, load, (GDestroyNotify) load_free);
  g_task_run_in_thread (reader, read_thread);
}

/**
 * ld_archive_load_async:
 * @path: an archive
 * @store: where its records go, used on the thread-default main context
 * @cancellable: (nullable): stops the load; what arrived stays
 * @callback: called on the thread-default main context when done
 * @user_data: for @callback
 *
 * Appends every record of the archive to @store.
 */
void
ld_archive_load_async (const char          *path,
                       LdStore             *store,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_return_if_fail (path != NULL);
  g_return_if_fail (LD_IS_STORE (store));

  load_async (path, store, NULL, cancellable, callback, user_data);
}

/**
 * ld_archive_load_into_session_async:
 * @path: an archive, not @session's own
 * @session: a running session, on the thread-default main context
 * @cancellable: (nullable): stops the load; what arrived stays
 * @callback: called on the thread-default main context when done
 * @user_data: for @callback
 *
 * Appends every record of the archive to @session's store, as
 * ld_archive_load_async() does, without archiving them again in
 * @session's archive. Finish with ld_archive_load_finish().
 */
void
ld_archive_load_into_session_async (const char          *path,
                                    LdSession           *session,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (path != NULL);
  g_return_if_fail (LD_IS_SESSION (session));

  load_async (path, ld_session_get_store (session), session, cancellable, callback, user_data);
}

/**
 * ld_archive_load_finish:
 * @result: the result
 * @n_records: (out) (optional): how many records were read, an error or not
 * @error: where to say why the load stopped early
 *
 * Returns: %TRUE when every record was read
 */
gboolean
ld_archive_load_finish (GAsyncResult  *result,
                        guint64       *n_records,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  if (n_records != NULL)
    {
      guint64 *n_read = g_task_get_task_data (G_TASK (result));

      *n_records = n_read != NULL ? *n_read : 0;
    }

  return g_task_propagate_boolean (G_TASK (result), error);
}
