// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/* What ld-timing.c, ld-timing-read.c and ld-timing-groups.c share: reading
 * runs of records' durations and grouping values, each in one pass over a
 * record's extra fields, the ledger of counted durations, and the
 * per-value counts. */

#include "ld-timing.h"

G_BEGIN_DECLS

/* The grouping field's interned key, and its value once found. */
typedef struct
{
  guint32     key;      /* LD_INTERN_NONE for none */
  const char *value;
  gsize       length;
} LdTimingGroupField;

/* A duration found by _ld_timing_read_run(), for ld-timing.c to count. */
typedef struct
{
  const LdRecord     *record;
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
                           LdTimingFound         *found);

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
                                                   const LdTimingEntry  *entries,
                                                   guint                 n_entries);
guint           _ld_timing_groups_get_n_values    (LdTimingGroups       *groups);
gsize           _ld_timing_groups_get_memory_size (LdTimingGroups       *groups);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LdTimingGroups, _ld_timing_groups_free)

G_END_DECLS
