// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.archive"

/* The archive writer's thread. The UI thread only tells it that records
 * arrived (one mutex and a signal per batch); the thread reads them from the
 * store by sequence number, a slice at a time, and commits at least every
 * COMMIT_INTERVAL_US while records keep coming, so that a crash loses at
 * most that much, and every COMMIT_RECORDS, so that a full disk keeps all
 * but the last few. A disk that fails pauses archiving: the store is let go
 * (nothing is held for a writer that cannot write), and tried again every
 * RETRY_INTERVAL_US; records that went meanwhile are counted as missed. */

#include "config.h"

#include "ld-archive.h"
#include "ld-archive-writer.h"

#define SLICE               4096
#define COMMIT_INTERVAL_US  (250 * 1000)
#define COMMIT_RECORDS      (4 * SLICE)
#define RETRY_INTERVAL_US   (5 * G_USEC_PER_SEC)
#define INDEX_SLICE         16384

/* Sequence numbers of records that are not to be archived: an opened past
 * session's, which its own archive holds already. */
typedef struct
{
  guint64 from;
  guint64 to;
} SeqRange;

typedef struct
{
  guint64  seq;
  gboolean marked;
} MarkChange;

struct _LdArchiveWriter
{
  LdStore   *store;
  LdArchive *archive;
  char      *path;
  GThread   *thread;

  GMutex     lock;
  GCond      cond;
  gboolean   wake;
  gboolean   stopping;
  guint64    done_seq;      /* every record before it is written or missed */
  guint64    n_written;
  guint64    n_missed;
  gboolean   paused;
  char      *problem;
  GPtrArray *meta;          /* key, value, …: written by the thread */
  GArray    *marks;         /* MarkChange, in order: written by the thread */
  GArray    *skipped;       /* SeqRange, in order: not written */
  GPtrArray *sources;       /* what fed the session, in the order first seen */

  /* The thread's own. */
  guint64    next_seq;
  gboolean   attached;
  gint64     index_retry_us;   /* after a failure, no indexing before it */
};

static void
set_problem (LdArchiveWriter *self,
             gboolean         paused,
             const char      *problem)
{
  g_mutex_lock (&self->lock);
  self->paused = paused;
  g_free (self->problem);
  self->problem = g_strdup (problem);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

static void
account (LdArchiveWriter *self,
         guint64          written,
         guint64          missed)
{
  g_mutex_lock (&self->lock);
  self->n_written += written;
  self->n_missed += missed;
  self->done_seq = self->next_seq;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

/* The ranges not to archive that end after @seq, or %NULL for none: a copy,
 * so that a slice is checked without the lock. Ranges before the last
 * commit go; a failed transaction goes back no further than that. */
static GArray *
copy_skipped (LdArchiveWriter *self,
              guint64          seq)
{
  GArray *copy = NULL;
  guint done = 0;

  g_mutex_lock (&self->lock);
  while (done < self->skipped->len
         && g_array_index (self->skipped, SeqRange, done).to <= self->done_seq)
    done++;
  g_array_remove_range (self->skipped, 0, done);
  for (guint i = 0; i < self->skipped->len; i++)
    {
      const SeqRange *range = &g_array_index (self->skipped, SeqRange, i);

      if (range->to <= seq)
        continue;
      if (copy == NULL)
        copy = g_array_new (FALSE, FALSE, sizeof (SeqRange));
      g_array_append_val (copy, *range);
    }
  g_mutex_unlock (&self->lock);

  return copy;
}

/* Writes a slice read from the store, but for the records in a skipped
 * range. */
static gboolean
write_slice (LdArchiveWriter *self,
             const LdRecord  *records,
             guint            n,
             guint64          first,
             guint64         *n_written,
             GError         **error)
{
  g_autoptr(GArray) skipped = copy_skipped (self, first);
  guint next_range = 0;

  for (guint i = 0; i < n; i++)
    {
      guint64 seq = first + i;

      while (skipped != NULL && next_range < skipped->len
             && g_array_index (skipped, SeqRange, next_range).to <= seq)
        next_range++;
      if (skipped != NULL && next_range < skipped->len
          && g_array_index (skipped, SeqRange, next_range).from <= seq)
        continue;

      if (!ld_archive_add (self->archive, seq, &records[i], error))
        return FALSE;
      (*n_written)++;
    }

  return TRUE;
}

/* Writes what the store has from next_seq on. On failure the transaction
 * is rolled back and next_seq goes back to its start: the records are
 * written after the pause if the store still has them. */
static gboolean
write_available (LdArchiveWriter *self,
                 LdRecord        *records)
{
  g_autoptr(GError) error = NULL;
  gboolean in_transaction = FALSE;
  guint64 transaction_seq = self->next_seq, read = 0, written = 0;
  guint64 missed = 0, transaction_missed = 0;
  gint64 started = 0;

  for (;;)
    {
      guint64 first;
      guint n = ld_store_read (self->store, self->next_seq, records, SLICE, &first);

      /* A gap inside a transaction that fails is seen again on the retry,
       * so it is counted only once that transaction is committed. */
      if (first > self->next_seq && in_transaction)
        transaction_missed += first - self->next_seq;
      else if (first > self->next_seq)
        missed += first - self->next_seq;
      self->next_seq = first;
      if (n == 0)
        break;

      if (!in_transaction)
        {
          if (!ld_archive_begin (self->archive, &error))
            goto failed;
          in_transaction = TRUE;
          transaction_seq = first;
          started = g_get_monotonic_time ();
        }
      if (!write_slice (self, records, n, first, &written, &error))
        goto failed;
      self->next_seq = first + n;
      read += n;

      if (read >= COMMIT_RECORDS || g_get_monotonic_time () - started >= COMMIT_INTERVAL_US)
        {
          if (!ld_archive_commit (self->archive, &error))
            goto failed_committing;
          in_transaction = FALSE;
          account (self, written, missed + transaction_missed);
          read = written = missed = transaction_missed = 0;
        }
    }

  if (in_transaction && !ld_archive_commit (self->archive, &error))
    goto failed_committing;
  account (self, written, missed + transaction_missed);
  return TRUE;

failed:
  if (in_transaction)
    ld_archive_rollback (self->archive);
failed_committing:
  g_warning ("Archiving paused: %s", error->message);
  self->next_seq = transaction_seq;
  account (self, 0, missed);
  set_problem (self, TRUE, error->message);
  ld_store_detach_reader (self->store);
  self->attached = FALSE;
  return FALSE;
}

/* The full-text index is built while no records wait, a slice at a time:
 * records arriving go first. */
static void
index_while_idle (LdArchiveWriter *self)
{
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gboolean busy;
      guint n;

      g_mutex_lock (&self->lock);
      busy = self->wake || self->stopping || self->paused;
      g_mutex_unlock (&self->lock);
      if (busy || g_get_monotonic_time () < self->index_retry_us)
        return;

      /* Said once per failing stretch: the warning is itself a record,
       * which would wake the writer to fail again. */
      if (!ld_archive_index (self->archive, INDEX_SLICE, &n, &error))
        {
          if (self->index_retry_us == 0)
            g_warning ("Indexing the archive failed, trying again later: %s", error->message);
          self->index_retry_us = g_get_monotonic_time () + RETRY_INTERVAL_US;
          return;
        }
      self->index_retry_us = 0;
      if (n == 0)
        return;
    }
}

/* The thread: the marks as the user left them, in the order given. */
static void
write_marks (LdArchiveWriter *self,
             GArray          *marks)
{
  for (guint i = 0; i < marks->len; i++)
    {
      const MarkChange *change = &g_array_index (marks, MarkChange, i);
      g_autoptr(GError) error = NULL;

      if (!ld_archive_set_mark (self->archive, change->seq, change->marked, &error))
        g_warning ("Could not keep a mark in the archive: %s", error->message);
    }
}

static gpointer
writer_thread (gpointer data)
{
  LdArchiveWriter *self = data;
  g_autofree LdRecord *records = g_new (LdRecord, SLICE);

  for (;;)
    {
      g_autoptr(GPtrArray) meta = NULL;
      g_autoptr(GArray) marks = NULL;
      gboolean stopping;

      g_mutex_lock (&self->lock);
      if (self->paused)
        {
          gint64 retry = g_get_monotonic_time () + RETRY_INTERVAL_US;

          while (!self->stopping && g_cond_wait_until (&self->cond, &self->lock, retry))
            ;
        }
      else
        while (!self->wake && !self->stopping)
          g_cond_wait (&self->cond, &self->lock);
      self->wake = FALSE;
      stopping = self->stopping;
      meta = g_steal_pointer (&self->meta);
      self->meta = g_ptr_array_new_with_free_func (g_free);
      marks = g_steal_pointer (&self->marks);
      self->marks = g_array_new (FALSE, FALSE, sizeof (MarkChange));
      g_mutex_unlock (&self->lock);

      for (guint i = 0; i + 1 < meta->len; i += 2)
        ld_archive_set_meta (self->archive, meta->pdata[i], meta->pdata[i + 1], NULL);
      g_clear_pointer (&meta, g_ptr_array_unref);
      write_marks (self, marks);
      g_clear_pointer (&marks, g_array_unref);

      if (!self->attached)
        {
          /* What the store kept meanwhile is still written. */
          ld_store_attach_reader (self->store);
          self->attached = TRUE;
        }

      if (write_available (self, records) && self->problem != NULL)
        set_problem (self, FALSE, NULL);

      if (stopping)
        break;
      index_while_idle (self);
    }

  return NULL;
}

/**
 * ld_archive_writer_new:
 * @store: the session's store
 * @path: a new archive file
 * @error: where to say why not
 *
 * Makes the archive and starts writing into it every record the store
 * holds now or receives later.
 *
 * Returns: (transfer full) (nullable): the writer
 */
LdArchiveWriter *
ld_archive_writer_new (LdStore     *store,
                       const char  *path,
                       GError     **error)
{
  LdArchiveWriter *self;
  LdArchive *archive;

  g_return_val_if_fail (LD_IS_STORE (store), NULL);

  archive = ld_archive_create (path, error);
  if (archive == NULL)
    return NULL;

  self = g_new0 (LdArchiveWriter, 1);
  self->store = g_object_ref (store);
  self->archive = archive;
  self->path = g_strdup (path);
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->meta = g_ptr_array_new_with_free_func (g_free);
  self->marks = g_array_new (FALSE, FALSE, sizeof (MarkChange));
  self->skipped = g_array_new (FALSE, FALSE, sizeof (SeqRange));
  self->sources = g_ptr_array_new_with_free_func (g_free);
  self->next_seq = ld_store_attach_reader (store);
  self->done_seq = self->next_seq;
  self->attached = TRUE;
  self->wake = TRUE;
  self->thread = g_thread_new ("archive", writer_thread, self);

  return self;
}

/* Any thread; the UI thread calls it once per batch that reached the store. */
void
ld_archive_writer_notify (LdArchiveWriter *self)
{
  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->lock);
  self->wake = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
}

/**
 * ld_archive_writer_skip:
 * @self: a writer
 * @from_seq: the sequence number the first of the records will have
 * @n_records: how many
 *
 * The store's thread, before it receives them: these records are not
 * archived. They are an opened past session's, which its own archive keeps
 * already; written again, they would be taken for this session's.
 */
void
ld_archive_writer_skip (LdArchiveWriter *self,
                        guint64          from_seq,
                        guint64          n_records)
{
  SeqRange range = { from_seq, from_seq + n_records };
  SeqRange *last;

  g_return_if_fail (self != NULL);

  if (n_records == 0)
    return;

  g_mutex_lock (&self->lock);
  last = self->skipped->len > 0
         ? &g_array_index (self->skipped, SeqRange, self->skipped->len - 1) : NULL;
  if (last != NULL && last->to == range.from)
    last->to = range.to;
  else
    {
      g_warn_if_fail (last == NULL || last->to < range.from);
      g_array_append_val (self->skipped, range);
    }
  g_mutex_unlock (&self->lock);
}

/* Any thread: a detail of the session (when it started, which version wrote
 * it) for the archive's meta table, written by the thread. */
void
ld_archive_writer_set_meta (LdArchiveWriter *self,
                            const char      *key,
                            const char      *value)
{
  g_return_if_fail (self != NULL && key != NULL);

  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->meta, g_strdup (key));
  g_ptr_array_add (self->meta, g_strdup (value));
  self->wake = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
}

/**
 * ld_archive_writer_set_mark:
 * @self: a writer
 * @seq: a record's sequence number in the store
 * @marked: whether the user marked it or took the mark off
 *
 * Any thread: the change goes to the archive's marks table, written by the
 * writer's thread, so that marking never waits for the disk.
 */
void
ld_archive_writer_set_mark (LdArchiveWriter *self,
                            guint64          seq,
                            gboolean         marked)
{
  MarkChange change = { seq, marked };

  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->lock);
  g_array_append_val (self->marks, change);
  self->wake = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
}

/**
 * ld_archive_writer_add_source:
 * @self: a writer
 * @source: an endpoint or a file that fed the session, in words, such as
 *   "tcp-pickle 127.0.0.1:9020"
 *
 * Any thread: the meta key "sources" lists each source once, in the order
 * they were first added, for the Sessions dialog. It is rewritten only
 * when a new one comes, so that calling this for every batch is cheap.
 */
void
ld_archive_writer_add_source (LdArchiveWriter *self,
                              const char      *source)
{
  gboolean known = FALSE;

  g_return_if_fail (self != NULL && source != NULL);

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->sources->len && !known; i++)
    known = g_str_equal (self->sources->pdata[i], source);
  if (!known)
    {
      /* Queued under the lock, so that the last list queued is the longest. */
      g_ptr_array_add (self->sources, g_strdup (source));
      g_ptr_array_add (self->sources, NULL);
      g_ptr_array_add (self->meta, g_strdup ("sources"));
      g_ptr_array_add (self->meta, g_strjoinv (", ", (char **) self->sources->pdata));
      g_ptr_array_remove_index (self->sources, self->sources->len - 1);
      self->wake = TRUE;
      g_cond_signal (&self->cond);
    }
  g_mutex_unlock (&self->lock);
}

/**
 * ld_archive_writer_flush:
 * @self: a writer
 *
 * The store's thread: waits until every record the store has received is
 * in the archive, or counted as missed, or archiving is paused.
 */
void
ld_archive_writer_flush (LdArchiveWriter *self)
{
  guint64 target;

  g_return_if_fail (self != NULL);

  target = ld_store_get_n_received (self->store);
  g_mutex_lock (&self->lock);
  self->wake = TRUE;
  g_cond_signal (&self->cond);
  while (self->done_seq < target && !self->paused)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);
}

/* Stops after writing what the store has; the archive says when it ended. */
void
ld_archive_writer_free (LdArchiveWriter *self)
{
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *ended = NULL;
  g_autofree char *count = NULL;

  if (self == NULL)
    return;

  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
  g_thread_join (self->thread);

  now = g_date_time_new_now_utc ();
  ended = g_date_time_format_iso8601 (now);
  count = g_strdup_printf ("%" G_GUINT64_FORMAT, self->n_written);
  ld_archive_set_meta (self->archive, "ended", ended, NULL);
  ld_archive_set_meta (self->archive, "records", count, NULL);
  if (self->attached)
    ld_store_detach_reader (self->store);

  ld_archive_free (self->archive);
  g_object_unref (self->store);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_ptr_array_unref (self->meta);
  g_array_unref (self->marks);
  g_array_unref (self->skipped);
  g_ptr_array_unref (self->sources);
  g_free (self->problem);
  g_free (self->path);
  g_free (self);
}

const char *
ld_archive_writer_get_path (LdArchiveWriter *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->path;
}

void
ld_archive_writer_get_status (LdArchiveWriter       *self,
                              LdArchiveWriterStatus *status)
{
  g_return_if_fail (self != NULL && status != NULL);

  g_mutex_lock (&self->lock);
  status->n_written = self->n_written;
  status->n_missed = self->n_missed;
  status->paused = self->paused;
  status->problem = g_strdup (self->problem);
  g_mutex_unlock (&self->lock);
}

void
ld_archive_writer_status_clear (LdArchiveWriterStatus *status)
{
  g_clear_pointer (&status->problem, g_free);
}
