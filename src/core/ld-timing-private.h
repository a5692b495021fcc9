// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/* What ld-timing.c, ld-timing-read.c, ld-timing-groups.c, ld-timing-bins.c,
 * ld-timing-ledger.c and ld-timing-columns.c share: reading runs of
 * records' durations and grouping values, each in one pass over a record's
 * extra fields, the ledger of counted durations, the per-value counts, and
 * the counters' struct. */

#include <string.h>

#include "ld-timing.h"

G_BEGIN_DECLS

/* Bins (ld-timing-bins.c): each is LD_TIMING_BIN_RATIO times as wide as the one
 * before. */
#define LD_TIMING_BIN_RATIO 1.04

/* A bin is found without a logarithm: a table by the duration's binary
 * exponent and the first 8 bits of its mantissa gives the bin where that
 * cell starts, and a cell (at most 0.4 % wide) holds at most one bin edge,
 * so one comparison with the next bin's edge ends it. Exponents go up to
 * 2^37 µs, past the last bin's edge (1.04^646 µs, 2^36.6). */
#define LD_TIMING_GUESS_EXPONENTS 38
#define LD_TIMING_GUESS_MANTISSA_BITS 8

/* The least µs of each bin from 1 on, and past the last an edge never
 * reached. */
extern double  _ld_timing_bin_edges[LD_TIMING_N_BINS + 1];
extern guint16 _ld_timing_bin_guesses[LD_TIMING_GUESS_EXPONENTS << LD_TIMING_GUESS_MANTISSA_BITS];

void _ld_timing_ensure_bin_tables (void);

/* The bin, once the tables are built: a leaf function the compiler
 * inlines where records are counted. */
static inline guint
_ld_timing_bin_for (double seconds)
{
  double us = seconds * 1e6;
  guint64 bits;
  guint exponent, mantissa, bin;

  if (!(us >= 1.0))
    return 0;

  memcpy (&bits, &us, sizeof bits);
  exponent = (guint) (bits >> 52) - 1023;
  if (exponent >= LD_TIMING_GUESS_EXPONENTS)
    return LD_TIMING_N_BINS - 1;

  mantissa = (guint) (bits >> (52 - LD_TIMING_GUESS_MANTISSA_BITS))
             & ((1 << LD_TIMING_GUESS_MANTISSA_BITS) - 1);
  bin = _ld_timing_bin_guesses[exponent << LD_TIMING_GUESS_MANTISSA_BITS | mantissa];
  /* Without a branch: whether the edge is passed is a coin toss. */
  return bin + (us >= _ld_timing_bin_edges[bin + 1]);
}

/* The grouping field's interned key, and its value once found. */
typedef struct
{
  guint32     key;      /* LD_INTERN_NONE for none */
  const char *value;
  gsize       length;
} LdTimingGroupField;

/* A grouping value is cut at this length: a path, not a document. */
#define LD_TIMING_GROUP_NAME_MAX 200

/* A duration found by _ld_timing_read_run(), for ld-timing.c to count. It
 * holds no pointer into the store: it is read with the store locked and
 * counted after (group.value points into the caller's copy). */
typedef struct
{
  gint64              time_us;
  guint32             logger;
  guint               position;
  double              seconds;
  LdTimingGroupField  group;
} LdTimingFound;

/* The records read in one call: the found ones fit on a stack. */
#define LD_TIMING_READ_RUN 256

guint _ld_timing_read_run (LdStore               *store,
                           guint                  position,
                           guint                  count,
                           GByteArray            *key_kinds,
                           const LdTimingPattern *pattern,
                           guint32                group_key,
                           LdTimingFound         *found,
                           char                  *values);

/* One counted duration, 16 bytes. The store holds fewer than 2^31
 * records, so the low half of a sequence number tells the live ones apart,
 * and a second is kept from an origin as in ld-activity.c. */
typedef struct
{
  guint32 seq;
  gint32  offset;    /* the second, from the ledger's origin */
  float   seconds;
  guint16 bin;
  guint16 slot;      /* the grouping value's, or LD_TIMING_NO_SLOT */
} LdTimingEntry;

/* The value of a duration counted in "other" only: the table of values
 * was full when it came. */
#define LD_TIMING_NO_SLOT G_MAXUINT16

/* The ledger (ld-timing-ledger.c): every duration counted, in store order,
 * in blocks of LD_TIMING_LEDGER_BLOCK entries (64 KiB). It grows a block at
 * a time, never moving what it holds, and a block that eviction emptied is
 * the next one filled. As one array that doubled, the copies and the fresh
 * pages of each doubling cost more than all the counting (bench-timing: 40
 * of the 55 ns a record that the counters added with 30 % durations). */
#define LD_TIMING_LEDGER_BLOCK 4096

typedef struct
{
  GPtrArray     *blocks;   /* of LdTimingEntry[LD_TIMING_LEDGER_BLOCK], oldest first */
  guint          head;     /* the first live entry's place in blocks[0] */
  guint          len;      /* the live entries */
  LdTimingEntry *spare;    /* an emptied block, kept for the next one */
} LdTimingLedger;

void  _ld_timing_ledger_init            (LdTimingLedger       *ledger);
void  _ld_timing_ledger_clear           (LdTimingLedger       *ledger);
void  _ld_timing_ledger_reset           (LdTimingLedger       *ledger);
void  _ld_timing_ledger_add_block       (LdTimingLedger       *ledger);
void  _ld_timing_ledger_drop_block      (LdTimingLedger       *ledger);
gsize _ld_timing_ledger_get_memory_size (const LdTimingLedger *ledger);

/* The place for the next entry, counted as live. */
static inline LdTimingEntry *
_ld_timing_ledger_push (LdTimingLedger *ledger)
{
  guint at = ledger->head + ledger->len;

  if (G_UNLIKELY (at == ledger->blocks->len * LD_TIMING_LEDGER_BLOCK))
    _ld_timing_ledger_add_block (ledger);
  ledger->len++;
  return (LdTimingEntry *) ledger->blocks->pdata[at / LD_TIMING_LEDGER_BLOCK]
         + at % LD_TIMING_LEDGER_BLOCK;
}

/* The entries from the @index-th live one on that lie in one block; their
 * number in @n. */
static inline LdTimingEntry *
_ld_timing_ledger_span (const LdTimingLedger *ledger,
                        guint                 index,
                        guint                *n)
{
  guint at = ledger->head + index;

  *n = MIN (ledger->len - index, LD_TIMING_LEDGER_BLOCK - at % LD_TIMING_LEDGER_BLOCK);
  return (LdTimingEntry *) ledger->blocks->pdata[at / LD_TIMING_LEDGER_BLOCK]
         + at % LD_TIMING_LEDGER_BLOCK;
}

/* The oldest live entry; the ledger is not empty. */
static inline const LdTimingEntry *
_ld_timing_ledger_front (const LdTimingLedger *ledger)
{
  return (const LdTimingEntry *) ledger->blocks->pdata[0] + ledger->head;
}

static inline void
_ld_timing_ledger_drop_front (LdTimingLedger *ledger)
{
  ledger->len--;
  if (++ledger->head == LD_TIMING_LEDGER_BLOCK)
    _ld_timing_ledger_drop_block (ledger);
}

typedef struct _LdTimingGroups LdTimingGroups;

LdTimingGroups *_ld_timing_groups_new             (void);
void            _ld_timing_groups_free            (LdTimingGroups       *groups);
void            _ld_timing_groups_reset           (LdTimingGroups       *groups);
guint16         _ld_timing_groups_add             (LdTimingGroups       *groups,
                                                   guint32               intern_id,
                                                   const char           *value,
                                                   gsize                 length,
                                                   guint                 bin);
void            _ld_timing_groups_remove          (LdTimingGroups       *groups,
                                                   guint16               slot,
                                                   guint                 bin);
GArray         *_ld_timing_groups_dup             (LdTimingGroups       *groups,
                                                   const LdTimingLedger *ledger);
guint           _ld_timing_groups_get_n_values    (LdTimingGroups       *groups);
gsize           _ld_timing_groups_get_memory_size (LdTimingGroups       *groups);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LdTimingGroups, _ld_timing_groups_free)

/* The counters themselves (ld-timing.c), shared with ld-timing-columns.c,
 * which reads the chart's columns from them. */

typedef struct
{
  guint16 bin;
  guint32 count;
} Bin;

/* A second's histogram is sparse (the bins that hold something, found by
 * binary search) until it holds DENSE_AT bins, then dense: a busy second
 * costs a counter per duration rather than a search. */
typedef struct
{
  gint64   second;
  guint32  total;
  GArray  *bins;    /* of Bin, sorted by bin; NULL once dense */
  guint32 *dense;   /* LD_TIMING_N_BINS counts, or NULL */
} Second;

#define DENSE_AT 64

typedef LdTimingEntry Entry;

struct _LdTiming
{
  GObject          parent_instance;

  LdStore         *store;
  gulong           items_changed_id;
  guint64          n_evicted_seen;  /* the UI thread's */

  /* The worker. @wake_lock guards @requested and @served: the UI thread
   * asks for a reading by counting up @requested, the worker says what it
   * caught up with in @served. */
  GThread         *worker;
  gint             stop;            /* atomic */
  GMutex           wake_lock;
  GCond            wake;
  GCond            done;
  guint64          requested;
  guint64          served;
  GMainContext    *context;         /* where ::changed is emitted */

  /* @lock guards everything below: the worker holds it while it counts. */
  GMutex           lock;
  gint             waiting;         /* atomic: threads waiting for @lock but the worker */
  GSource         *notify_source;   /* while a ::changed is pending */
  gboolean         unnotified;      /* counts changed since the last ::changed */
  gint64           notified_us;     /* the worker's only */
  guint64          next_seq;        /* the first record not read yet */
  guint64          recount_end;     /* the end of the store when a reading began */
  guint64          first_seq;       /* the store's, as the worker last saw it */
  char            *values;          /* the worker's copies of grouping values */

  LdTimingPattern *pattern;
  char            *pattern_text;
  char            *group_key;
  guint32          group_key_id;  /* interned, for an extra field */
  gboolean         group_by_logger;

  GByteArray      *key_kinds;    /* by interned key: KEY_UNKNOWN, … */
  GHashTable      *seconds;      /* &Second.second → Second */
  /* The seconds last appended to and evicted from: records come in time
   * order, so each is nearly always the next one's, and the two ends of
   * the store do not take the one cache from each other. */
  Second          *appending;
  Second          *evicting;
  LdTimingGroups  *groups;

  LdTimingLedger   ledger;
  gint64           origin;       /* the ledger's second 0 */
  gboolean         has_origin;

  /* The slowest records, slowest first, and the best of those that are
   * not kept: every record kept is slower, every live one not kept is not.
   * So the first LD_TIMING_N_SLOWEST live ones kept are the slowest live,
   * until evictions leave fewer than that. */
  GArray          *slowest;      /* of LdTimingSlow */
  LdTimingSlow     floor;
  gboolean         has_floor;
  gboolean         slowest_stale;   /* to be found in the ledger when next read */
};

/* @lock for anyone but the worker. A mutex is not fair: the worker, which
 * lets go of it and takes it again at once, would keep it for a whole
 * reading (bench-timing: 19 ms). It lets a waiting thread go first. */
static inline void
lock_counts (LdTiming *self)
{
  g_atomic_int_inc (&self->waiting);
  g_mutex_lock (&self->lock);
  g_atomic_int_add (&self->waiting, -1);
}

static inline gint64
floor_div (gint64 value,
           gint64 divisor)
{
  gint64 quotient = value / divisor;

  return (value % divisor != 0 && value < 0) ? quotient - 1 : quotient;
}

G_END_DECLS
