// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include "ld-marks.h"

/* The marked records' sequence numbers, kept sorted so that "the next mark"
 * is a binary search and an export writes them in the order they arrived.
 * A user marks a handful of records, so inserting into a sorted array is
 * cheaper than any tree. ::changed says a mark came or went, with its seq. */

struct _LdMarks
{
  GObject  parent_instance;

  GArray  *seqs;     /* guint64, ascending, no repeats */
  LdStore *store;    /* weak: for ld_marks_record_marked() */
};

enum
{
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LdMarks, ld_marks, G_TYPE_OBJECT)

static void
ld_marks_finalize (GObject *object)
{
  LdMarks *self = LD_MARKS (object);

  g_clear_weak_pointer (&self->store);
  g_array_unref (self->seqs);

  G_OBJECT_CLASS (ld_marks_parent_class)->finalize (object);
}

static void
ld_marks_class_init (LdMarksClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ld_marks_finalize;

  /**
   * LdMarks::changed:
   * @seq: the record whose mark came or went, or G_MAXUINT64 for all of them
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT64);
}

static void
ld_marks_init (LdMarks *self)
{
  self->seqs = g_array_new (FALSE, FALSE, sizeof (guint64));
}

LdMarks *
ld_marks_new (void)
{
  return g_object_new (LD_TYPE_MARKS, NULL);
}

/**
 * ld_marks_for_store:
 * @store: a session's store
 *
 * The marks of @store's records, made the first time they are asked for and
 * kept with the store, so that whoever fills the store (the window, an
 * archived session being opened) marks the same set.
 *
 * Returns: (transfer none): the marks
 */
LdMarks *
ld_marks_for_store (LdStore *store)
{
  static GQuark quark;
  LdMarks *marks;

  g_return_val_if_fail (LD_IS_STORE (store), NULL);

  if (quark == 0)
    quark = g_quark_from_static_string ("ld-marks");
  marks = g_object_get_qdata (G_OBJECT (store), quark);
  if (marks != NULL)
    return marks;

  marks = ld_marks_new ();
  ld_marks_set_store (marks, store);
  g_object_set_qdata_full (G_OBJECT (store), quark, marks, g_object_unref);
  return marks;
}

/* The index of the first mark at or after @seq. */
static guint
lower_bound (LdMarks *self,
             guint64  seq)
{
  guint lo = 0, hi = self->seqs->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (g_array_index (self->seqs, guint64, mid) < seq)
        lo = mid + 1;
      else
        hi = mid;
    }

  return lo;
}

gboolean
ld_marks_contains (LdMarks *self,
                   guint64  seq)
{
  guint i;

  g_return_val_if_fail (LD_IS_MARKS (self), FALSE);

  i = lower_bound (self, seq);
  return i < self->seqs->len && g_array_index (self->seqs, guint64, i) == seq;
}

/**
 * ld_marks_set:
 * @self: marks
 * @seq: a record's sequence number
 * @marked: whether it is to be marked
 *
 * Marks or unmarks a record; emits ::changed only if that changes anything.
 */
void
ld_marks_set (LdMarks  *self,
              guint64   seq,
              gboolean  marked)
{
  guint i;
  gboolean present;

  g_return_if_fail (LD_IS_MARKS (self));

  i = lower_bound (self, seq);
  present = i < self->seqs->len && g_array_index (self->seqs, guint64, i) == seq;
  if (present == !!marked)
    return;

  if (marked)
    g_array_insert_val (self->seqs, i, seq);
  else
    g_array_remove_index (self->seqs, i);
  g_signal_emit (self, signals[CHANGED], 0, seq);
}

/* Returns: whether the record is marked now */
gboolean
ld_marks_toggle (LdMarks *self,
                 guint64  seq)
{
  gboolean marked;

  g_return_val_if_fail (LD_IS_MARKS (self), FALSE);

  marked = !ld_marks_contains (self, seq);
  ld_marks_set (self, seq, marked);
  return marked;
}

void
ld_marks_clear (LdMarks *self)
{
  g_return_if_fail (LD_IS_MARKS (self));

  if (self->seqs->len == 0)
    return;
  g_array_set_size (self->seqs, 0);
  g_signal_emit (self, signals[CHANGED], 0, G_MAXUINT64);
}

guint
ld_marks_get_n_marks (LdMarks *self)
{
  g_return_val_if_fail (LD_IS_MARKS (self), 0);

  return self->seqs->len;
}

/**
 * ld_marks_get_seqs:
 * @self: marks
 * @n_seqs: (out): how many
 *
 * Returns: (transfer none): the marked sequence numbers, ascending, valid
 *   until the marks change
 */
const guint64 *
ld_marks_get_seqs (LdMarks *self,
                   guint   *n_seqs)
{
  g_return_val_if_fail (LD_IS_MARKS (self), NULL);
  g_return_val_if_fail (n_seqs != NULL, NULL);

  *n_seqs = self->seqs->len;
  return (const guint64 *) self->seqs->data;
}

/* The first mark strictly after @seq. */
gboolean
ld_marks_next (LdMarks *self,
               guint64  seq,
               guint64 *next)
{
  guint i;

  g_return_val_if_fail (LD_IS_MARKS (self), FALSE);
  g_return_val_if_fail (next != NULL, FALSE);

  if (seq == G_MAXUINT64)
    return FALSE;
  i = lower_bound (self, seq + 1);
  if (i >= self->seqs->len)
    return FALSE;

  *next = g_array_index (self->seqs, guint64, i);
  return TRUE;
}

/* The last mark strictly before @seq. */
gboolean
ld_marks_previous (LdMarks *self,
                   guint64  seq,
                   guint64 *previous)
{
  guint i;

  g_return_val_if_fail (LD_IS_MARKS (self), FALSE);
  g_return_val_if_fail (previous != NULL, FALSE);

  i = lower_bound (self, seq);
  if (i == 0)
    return FALSE;

  *previous = g_array_index (self->seqs, guint64, i - 1);
  return TRUE;
}

/**
 * ld_marks_record_seq:
 * @store: a store
 * @record: a record that @store returned, by position or by seq
 * @seq: (out): its sequence number
 *
 * A compact record does not carry its sequence number; the store keeps its
 * records in a ring, contiguous from the oldest to the end of the ring and
 * from its start to the newest, so the record's address gives its position.
 * The answer is checked against the store, so a record that is not one of
 * the store's own (an archive's, read into a stack variable) is never
 * taken for another.
 *
 * Returns: %TRUE if @record is one of @store's records
 */
gboolean
ld_marks_record_seq (LdStore        *store,
                     const LdRecord *record,
                     guint64        *seq)
{
  guint n = ld_store_get_n_records (store);
  const LdRecord *first, *last;
  guint64 position;

  if (n == 0)
    return FALSE;

  first = ld_store_get_record (store, 0);
  last = ld_store_get_record (store, n - 1);
  if (record >= first)
    position = (guint64) (record - first);
  else if (record <= last)
    position = (guint64) (n - 1) - (guint64) (last - record);
  else
    return FALSE;

  if (position >= n || ld_store_get_record (store, (guint) position) != record)
    return FALSE;

  *seq = ld_store_get_first_seq (store) + position;
  return TRUE;
}

/**
 * ld_marks_set_store:
 * @self: marks
 * @store: (nullable): the store whose records ld_marks_record_marked() is asked about
 */
void
ld_marks_set_store (LdMarks *self,
                    LdStore *store)
{
  g_return_if_fail (LD_IS_MARKS (self));

  g_set_weak_pointer (&self->store, store);
}

/**
 * ld_marks_record_marked:
 * @record: a record of the store given to ld_marks_set_store()
 * @user_data: an #LdMarks
 *
 * The test behind `is:marked`, in the form ld_query_set_mark_func() takes.
 *
 * Returns: whether @record is marked
 */
gboolean
ld_marks_record_marked (const LdRecord *record,
                        gpointer        user_data)
{
  LdMarks *self = user_data;
  guint64 seq;

  if (self->seqs->len == 0 || self->store == NULL)
    return FALSE;

  return ld_marks_record_seq (self->store, record, &seq) && ld_marks_contains (self, seq);
}
