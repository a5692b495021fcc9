// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.archive"

/* "Search the whole session": the filter's compiled query over every record
 * of an archive. A thread reads the archive in slices through
 * ld_archive_read(), the loader's own decoding into records, tests each
 * record with ld_query_matches(), the filter bar's own test, and hands each
 * slice's matches to the caller's main context, one slice per main loop
 * iteration at idle priority, so that the window draws between them. A slow
 * window holds the reader back rather than letting matches pile up.
 *
 * The full-text index is not used: its words (FTS5's unicode61 tokens) do
 * not give every record whose message contains a text as a substring, as
 * the filter matches (`out` is inside `timeout`, a token FTS5 never lists
 * under `out`), so it could not even narrow the records down without
 * losing some.
 *
 * The search reads what the archive held when it began, up to its last
 * record then: a running session's archive grows while it is read, and a
 * search must end.
 *
 * `is:marked` is answered from the archive's marks table, read once when
 * the search begins into a sorted array that the thread looks each record
 * up in by its sequence number. The running session's writer stores a mark
 * a moment after the user makes it, so a caller that holds the session's
 * marks hands them over as they are (ld_archive_search_with_marks_async()):
 * for the records they cover they are newer than the table, and a mark
 * taken off a moment ago is gone from them before it is from the table. */

#include "config.h"

#include <sqlite3.h>

#include "ld-archive.h"
#include "ld-archive-search.h"

/* Records read and tested at a time: about 10 ms of work. */
#define SLICE_RECORDS 16384
/* How many matches, or slices, may wait for the main context. */
#define MAX_PENDING_MATCHES (4 * SLICE_RECORDS)
#define MAX_PENDING_SLICES 8
/* How long a search waits for the session's writer to archive the records
 * the window had when the search was asked for. */
#define WAIT_FOR_WRITER_US (2 * G_USEC_PER_SEC)

typedef struct
{
  GPtrArray               *matches;   /* LdBatch: runs of matches, in order */
  GArray                  *seqs;
  LdArchiveSearchProgress  progress;
} Slice;

typedef struct
{
  char                    *path;
  LdQuery                 *query;
  guint64                  wait_for_seq;
  GArray                  *caller_marks;  /* guint64, ascending: below wait_for_seq */
  GCancellable            *cancellable;
  GMainContext            *context;

  /* The main context's */
  LdArchiveSearchFunc      func;
  gpointer                 func_data;
  GDestroyNotify           func_data_destroy;

  /* Slices on their way to the main context */
  GMutex                   lock;
  GCond                    cond;
  GQueue                   slices;
  guint                    n_pending;
  gboolean                 scheduled;

  /* The thread's */
  LdArchiveSearchProgress  progress;
  sqlite3                 *db;
  sqlite3_stmt            *select_seqs;
  GArray                  *marks;         /* guint64, ascending: for is:marked */
  guint64                  record_seq;    /* the record being tested */
} Search;

static void
slice_free (Slice *slice)
{
  g_ptr_array_unref (slice->matches);
  g_array_unref (slice->seqs);
  g_free (slice);
}

static void
search_clear (Search *search)
{
  g_free (search->path);
  ld_query_unref (search->query);
  g_clear_pointer (&search->caller_marks, g_array_unref);
  g_clear_pointer (&search->marks, g_array_unref);
  g_clear_object (&search->cancellable);
  g_main_context_unref (search->context);
  g_queue_clear_full (&search->slices, (GDestroyNotify) slice_free);
  g_mutex_clear (&search->lock);
  g_cond_clear (&search->cond);
  g_assert (search->db == NULL);
}

static void
search_release (gpointer data)
{
  g_atomic_rc_box_release_full (data, (GDestroyNotify) search_clear);
}

/* Delivering
 * ========== */

static gboolean
deliver_slice (gpointer data)
{
  Search *search = data;
  Slice *slice;
  gboolean more;

  g_mutex_lock (&search->lock);
  slice = g_queue_pop_head (&search->slices);
  more = !g_queue_is_empty (&search->slices);
  search->scheduled = more;
  g_mutex_unlock (&search->lock);

  if (slice == NULL)
    return G_SOURCE_REMOVE;

  /* Once cancelled, nothing more reaches the caller. */
  if (search->func != NULL && !g_cancellable_is_cancelled (search->cancellable))
    search->func ((LdBatch *const *) slice->matches->pdata, slice->matches->len,
                  (const guint64 *) slice->seqs->data, slice->seqs->len, &slice->progress,
                  search->func_data);

  g_mutex_lock (&search->lock);
  search->n_pending -= slice->seqs->len + 1;
  g_cond_signal (&search->cond);
  g_mutex_unlock (&search->lock);
  slice_free (slice);

  return more ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* The thread: one slice for the main context, waiting while too many wait
 * there already. An empty slice counts as one match, so that a search
 * that finds nothing still waits for the window to keep up. */
static void
push_slice (Search  *search,
            GPtrArray *matches,
            GArray    *seqs)
{
  Slice *slice = g_new (Slice, 1);

  slice->matches = matches;
  slice->seqs = seqs;
  slice->progress = search->progress;

  g_mutex_lock (&search->lock);
  while ((search->n_pending > MAX_PENDING_MATCHES
          || g_queue_get_length (&search->slices) >= MAX_PENDING_SLICES)
         && !g_cancellable_is_cancelled (search->cancellable))
    g_cond_wait_until (&search->cond, &search->lock,
                       g_get_monotonic_time () + 50 * G_TIME_SPAN_MILLISECOND);
  g_queue_push_tail (&search->slices, slice);
  search->n_pending += seqs->len + 1;
  if (!search->scheduled)
    {
      GSource *source = g_idle_source_new ();

      search->scheduled = TRUE;
      g_source_set_priority (source, G_PRIORITY_DEFAULT_IDLE);
      g_source_set_callback (source, deliver_slice, g_atomic_rc_box_acquire (search),
                             search_release);
      g_source_set_static_name (source, "[logdeck] archive search");
      g_source_attach (source, search->context);
      g_source_unref (source);
    }
  g_mutex_unlock (&search->lock);
}

/* Done once the caller has every slice, or the search was cancelled. */
static void
wait_delivered (Search *search)
{
  g_mutex_lock (&search->lock);
  while (search->n_pending > 0 && !g_cancellable_is_cancelled (search->cancellable))
    g_cond_wait_until (&search->cond, &search->lock,
                       g_get_monotonic_time () + 50 * G_TIME_SPAN_MILLISECOND);
  g_mutex_unlock (&search->lock);
}

/* Reading
 * ======= */

static gboolean
sql_failed (Search      *search,
            const char  *what,
            GError     **error)
{
  int rc = search->db != NULL ? sqlite3_errcode (search->db) : SQLITE_NOMEM;

  g_set_error (error, LD_ARCHIVE_ERROR,
               (rc & 0xff) == SQLITE_CORRUPT ? LD_ARCHIVE_ERROR_CORRUPT : LD_ARCHIVE_ERROR_FAILED,
               "%s: %s (%s)", search->path, what, sqlite3_errstr (rc));
  return FALSE;
}

/* A connection of the search's own, beside the archive's, for the numbers
 * ld_archive_read() does not give: the first and last sequence numbers, and
 * those of a slice with gaps. */
static gboolean
open_side_connection (Search  *search,
                      GError **error)
{
  if (sqlite3_open_v2 (search->path, &search->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK
      || sqlite3_prepare_v2 (search->db,
                             "SELECT seq FROM record_data WHERE seq >= ? AND seq < ? ORDER BY seq",
                             -1, &search->select_seqs, NULL) != SQLITE_OK)
    return sql_failed (search, "cannot read the archive", error);

  sqlite3_busy_timeout (search->db, 1000);
  return TRUE;
}

static void
close_side_connection (Search *search)
{
  sqlite3_finalize (search->select_seqs);
  search->select_seqs = NULL;
  sqlite3_close_v2 (search->db);
  search->db = NULL;
}

/* The first and last sequence numbers; FALSE in @found for no records. */
static gboolean
read_bounds (Search   *search,
             guint64  *first,
             guint64  *last,
             gboolean *found,
             GError  **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (search->db, "SELECT min (seq), max (seq) FROM record_data", -1, &stmt,
                          NULL) != SQLITE_OK)
    return sql_failed (search, "cannot read the archive", error);

  rc = sqlite3_step (stmt);
  *found = rc == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL;
  if (*found)
    {
      *first = (guint64) sqlite3_column_int64 (stmt, 0);
      *last = (guint64) sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW)
    return sql_failed (search, "cannot read the archive", error);

  return TRUE;
}

/* The running session's writer archives what the window has within a
 * commit or two: the search waits for it, a little, so that "the whole
 * session" holds the records the user just saw arrive. */
static gboolean
wait_for_writer (Search    *search,
                 guint64   *first,
                 guint64   *last,
                 gboolean  *found,
                 GError   **error)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_FOR_WRITER_US;
  g_autoptr(GError) local_error = NULL;

  while (read_bounds (search, first, last, found, &local_error))
    {
      if ((*found && *last + 1 >= search->wait_for_seq) || search->wait_for_seq == 0
          || g_get_monotonic_time () > deadline
          || g_cancellable_is_cancelled (search->cancellable))
        return TRUE;
      g_usleep (20 * 1000);
    }

  /* Damage where the last record is: the records before it are still read,
   * to the damage. */
  if (g_error_matches (local_error, LD_ARCHIVE_ERROR, LD_ARCHIVE_ERROR_CORRUPT))
    {
      *first = 0;
      *last = G_MAXINT64;
      *found = TRUE;
      return TRUE;
    }

  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/* The sequence numbers of the @n records that ld_archive_read() gave from
 * @from up to @end: without a gap, they count up from @from. */
static gboolean
slice_seqs (Search   *search,
            guint64   from,
            guint64   end,
            guint     n,
            GArray   *seqs,
            GError  **error)
{
  sqlite3_stmt *stmt = search->select_seqs;
  int rc;

  if (end - from == n)
    {
      for (guint64 seq = from; seq < end; seq++)
        g_array_append_val (seqs, seq);
      return TRUE;
    }

  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) from);
  sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) end);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      guint64 seq = (guint64) sqlite3_column_int64 (stmt, 0);

      g_array_append_val (seqs, seq);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return sql_failed (search, "cannot read the archive", error);

  /* Records are only ever added after the last one: anything else is a
   * file changed under the search. */
  if (seqs->len != n)
    {
      g_set_error (error, LD_ARCHIVE_ERROR, LD_ARCHIVE_ERROR_CORRUPT,
                   "%s: the archive changed while it was searched", search->path);
      return FALSE;
    }

  return TRUE;
}

/* Marks
 * ===== */

static int
compare_seqs (gconstpointer a,
              gconstpointer b)
{
  guint64 seq_a = *(const guint64 *) a, seq_b = *(const guint64 *) b;

  return seq_a < seq_b ? -1 : seq_a > seq_b;
}

/* is:marked, for the record being tested, which a compact record cannot
 * say itself: its sequence number looked up in the sorted marks, which this
 * thread alone reads. */
static gboolean
record_marked (const LdRecord *record,
               gpointer        user_data)
{
  Search *search = user_data;

  return search->marks->len > 0
         && g_array_binary_search (search->marks, &search->record_seq, compare_seqs, NULL);
}

/* The marks the query asks about: the caller's for the records they cover,
 * the table's for the records after those. Read once the writer has had
 * its moment, so that the table holds what it wrote meanwhile. */
static gboolean
read_marks (Search     *search,
            LdArchive  *archive,
            GError    **error)
{
  g_autoptr(GArray) stored = g_array_new (FALSE, FALSE, sizeof (guint64));
  guint64 covered = search->caller_marks != NULL ? search->wait_for_seq : 0;

  if (!ld_query_uses_marks (search->query))
    return TRUE;
  if (!ld_archive_get_marked_seqs (archive, stored, error))
    return FALSE;

  search->marks = g_array_new (FALSE, FALSE, sizeof (guint64));
  for (guint i = 0; search->caller_marks != NULL && i < search->caller_marks->len; i++)
    if (g_array_index (search->caller_marks, guint64, i) < covered)
      g_array_append_val (search->marks, g_array_index (search->caller_marks, guint64, i));
  for (guint i = 0; i < stored->len; i++)
    if (g_array_index (stored, guint64, i) >= covered)
      g_array_append_val (search->marks, g_array_index (stored, guint64, i));

  ld_query_set_mark_func (search->query, record_marked, search);
  return TRUE;
}

/* Takes the records whose verdict is TRUE out of @batch, in order, as
 * runs moved whole, one batch each: the caller's store takes them as they
 * are, rather than after a second copy into one. @batch is left empty,
 * with its memory. */
static GPtrArray *
take_matches (LdBatch      *batch,
              const guint8 *verdicts)
{
  GPtrArray *runs = g_ptr_array_new_with_free_func ((GDestroyNotify) ld_batch_free);
  guint end = ld_batch_get_length (batch);

  while (end > 0)
    {
      guint run_end = end, run_start;

      while (run_end > 0 && !verdicts[run_end - 1])
        run_end--;
      if (run_end < end)
        ld_batch_free (ld_batch_split_off (batch, run_end));
      if (run_end == 0)
        break;
      run_start = run_end;
      while (run_start > 0 && verdicts[run_start - 1])
        run_start--;
      g_ptr_array_add (runs, ld_batch_split_off (batch, run_start));
      end = run_start;
    }

  /* Found from the end: first first. */
  for (guint i = 0; i < runs->len / 2; i++)
    {
      gpointer run = runs->pdata[i];

      runs->pdata[i] = runs->pdata[runs->len - 1 - i];
      runs->pdata[runs->len - 1 - i] = run;
    }

  return runs;
}

/* Tests every record of a slice and hands the matches on. */
static void
search_slice (Search  *search,
              LdBatch *batch,
              GArray  *seqs)
{
  guint n = ld_batch_get_length (batch);
  g_autofree guint8 *verdicts = g_malloc (MAX (n, 1));
  GArray *match_seqs = g_array_new (FALSE, FALSE, sizeof (guint64));

  for (guint i = 0; i < n; i++)
    {
      const char *text;
      LdRecord record = *ld_batch_get_record (batch, i, &text);

      record.text = text;
      search->record_seq = g_array_index (seqs, guint64, i);
      verdicts[i] = ld_query_matches (search->query, &record);
      if (verdicts[i])
        g_array_append_val (match_seqs, g_array_index (seqs, guint64, i));
    }

  search->progress.n_scanned += n;
  search->progress.n_matches += match_seqs->len;
  push_slice (search, take_matches (batch, verdicts), match_seqs);
}

/* Every record from @first to @last, a slice at a time. A damaged file
 * gives the matches before the damage, then the error. */
static gboolean
search_records (Search   *search,
                LdArchive *archive,
                guint64   first,
                guint64   last,
                GError  **error)
{
  /* One batch for every slice: emptied by the test, it keeps its memory,
   * which a new one per slice would fault in again. */
  g_autoptr(LdBatch) batch = ld_batch_new ();
  guint64 next = first;

  while (next <= last && !g_cancellable_is_cancelled (search->cancellable))
    {
      g_autoptr(GArray) seqs = g_array_new (FALSE, FALSE, sizeof (guint64));
      guint64 end = next;
      guint want = (guint) MIN ((guint64) SLICE_RECORDS, last - next + 1);
      gboolean ok = ld_archive_read (archive, next, want, batch, &end, error);
      guint n = ld_batch_get_length (batch), kept = 0;

      if (n > 0 && !slice_seqs (search, next, end, n, seqs, ok ? error : NULL))
        return FALSE;

      /* A gap before @last brings records written after the search began. */
      while (kept < n && g_array_index (seqs, guint64, kept) <= last)
        kept++;
      if (kept < n)
        {
          ld_batch_free (ld_batch_split_off (batch, kept));
          g_array_set_size (seqs, kept);
        }

      search_slice (search, batch, seqs);
      if (!ok)
        return FALSE;
      if (n < want || kept < n)
        break;
      next = end;
    }

  return TRUE;
}

static void
search_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Search *search = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(LdArchive) archive = ld_archive_open (search->path, &error);
  guint64 first = 0, last = 0;
  gboolean found = FALSE, ok;

  ok = archive != NULL
       && open_side_connection (search, &error)
       && wait_for_writer (search, &first, &last, &found, &error)
       && (!found || read_marks (search, archive, &error));
  if (ok && found)
    {
      /* Unknown (0) when the archive is too damaged to say. */
      search->progress.n_total = last < G_MAXINT64 ? last - first + 1 : 0;
      ok = search_records (search, archive, first, last, &error);
    }
  close_side_connection (search);
  wait_delivered (search);
  /* The query is the caller's again, with no word from a search that is gone. */
  if (search->marks != NULL)
    ld_query_set_mark_func (search->query, NULL, NULL);

  if (!ok)
    g_task_return_error (task, g_steal_pointer (&error));
  else if (!g_task_return_error_if_cancelled (task))
    g_task_return_boolean (task, TRUE);
}

static void
on_search_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Search *search = g_task_get_task_data (G_TASK (result));
  LdArchiveSearchProgress *progress = g_memdup2 (&search->progress, sizeof *progress);
  GError *error = NULL;

  /* The caller's data goes on its own context, whichever thread lets the
   * search go last. */
  search->func = NULL;
  if (search->func_data_destroy != NULL)
    search->func_data_destroy (search->func_data);
  search->func_data = NULL;

  /* What a search that stopped early read is all it read. */
  progress->n_total = progress->n_scanned;
  g_task_set_task_data (task, progress, g_free);
  if (g_task_propagate_boolean (G_TASK (result), &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * ld_archive_search_async:
 * @path: an archive: the running session's own (read beside its writer)
 *   or a past session's
 * @query: the compiled query; the search uses it on its thread until done,
 *   and a compiled query is for one thread at a time, so give it one that
 *   nothing else tests records with meanwhile. Its `is:marked` is answered
 *   by the search, from the archive's marks table
 * @wait_for_seq: records before this sequence number are waited for, up to
 *   2 s, as the session's writer may not have archived them yet; 0 waits
 *   for none
 * @cancellable: (nullable): stops the search; no slice comes after
 * @slice_func: called on the thread-default main context with each slice
 * @slice_data: for @slice_func
 * @slice_data_destroy: (nullable): frees @slice_data on that context, once
 *   the search is done
 * @callback: called on the thread-default main context after the last slice
 * @user_data: for @callback
 *
 * Tests every record of the archive, as it was when the search began,
 * with ld_query_matches(), in the order the records arrived.
 */
void
ld_archive_search_async (const char          *path,
                         LdQuery             *query,
                         guint64              wait_for_seq,
                         GCancellable        *cancellable,
                         LdArchiveSearchFunc  slice_func,
                         gpointer             slice_data,
                         GDestroyNotify       slice_data_destroy,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  ld_archive_search_with_marks_async (path, query, wait_for_seq, NULL, cancellable,
                                      slice_func, slice_data, slice_data_destroy,
                                      callback, user_data);
}

/**
 * ld_archive_search_with_marks_async:
 * @path: the running session's archive
 * @query: the compiled query (see ld_archive_search_async())
 * @wait_for_seq: records before this sequence number are waited for (see
 *   ld_archive_search_async())
 * @marked: (element-type guint64) (nullable): the sequence numbers of the
 *   records the caller holds as marked, every one below @wait_for_seq (an
 *   empty array for none); the search takes a copy
 * @cancellable: (nullable): stops the search; no slice comes after
 * @slice_func: called on the thread-default main context with each slice
 * @slice_data: for @slice_func
 * @slice_data_destroy: (nullable): frees @slice_data on that context
 * @callback: called on the thread-default main context after the last slice
 * @user_data: for @callback
 *
 * As ld_archive_search_async(), for a caller that keeps the session's
 * marks and hands the archive's writer each change: its marks as they are
 * now answer `is:marked` for the records before @wait_for_seq, which the
 * marks table may not hold yet; the table answers for the records after.
 */
void
ld_archive_search_with_marks_async (const char          *path,
                                    LdQuery             *query,
                                    guint64              wait_for_seq,
                                    GArray              *marked,
                                    GCancellable        *cancellable,
                                    LdArchiveSearchFunc  slice_func,
                                    gpointer             slice_data,
                                    GDestroyNotify       slice_data_destroy,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) worker = NULL;
  GTask *task;
  Search *search;

  g_return_if_fail (path != NULL);
  g_return_if_fail (query != NULL);
  g_return_if_fail (marked == NULL || g_array_get_element_size (marked) == sizeof (guint64));
  g_return_if_fail (slice_func != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ld_archive_search_async);

  search = g_atomic_rc_box_new0 (Search);
  search->path = g_strdup (path);
  search->query = ld_query_ref (query);
  search->wait_for_seq = wait_for_seq;
  if (marked != NULL)
    {
      search->caller_marks = g_array_copy (marked);
      g_array_sort (search->caller_marks, compare_seqs);
    }
  search->cancellable = cancellable != NULL ? g_object_ref (cancellable) : g_cancellable_new ();
  search->context = g_main_context_ref_thread_default ();
  search->func = slice_func;
  search->func_data = slice_data;
  search->func_data_destroy = slice_data_destroy;
  g_mutex_init (&search->lock);
  g_cond_init (&search->cond);
  g_queue_init (&search->slices);

  worker = g_task_new (NULL, search->cancellable, on_search_done, task);
  g_task_set_task_data (worker, search, search_release);
  g_task_run_in_thread (worker, search_thread);
}

/**
 * ld_archive_search_finish:
 * @result: the result
 * @progress: (out) (optional): how many records were read and matched, an
 *   error or not
 * @error: where to say why the search stopped early
 *
 * Returns: %TRUE when every record was read
 */
gboolean
ld_archive_search_finish (GAsyncResult             *result,
                          LdArchiveSearchProgress  *progress,
                          GError                  **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  if (progress != NULL)
    {
      LdArchiveSearchProgress *done = g_task_get_task_data (G_TASK (result));

      *progress = done != NULL ? *done : (LdArchiveSearchProgress) { 0 };
    }

  return g_task_propagate_boolean (G_TASK (result), error);
}
