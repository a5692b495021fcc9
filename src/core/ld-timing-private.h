// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/* What ld-timing.c and ld-timing-read.c share: reading a record's duration
 * and its grouping value in one pass over its extra fields. */

#include "ld-timing.h"

G_BEGIN_DECLS

/* The grouping field's interned key, and its value once found. */
typedef struct
{
  guint32     key;      /* LD_INTERN_NONE for none */
  const char *value;
  gsize       length;
} LdTimingGroupField;

gboolean _ld_timing_read_extras (const LdRecord     *record,
                                 GByteArray         *key_kinds,
                                 LdTimingGroupField *group,
                                 double             *seconds);

G_END_DECLS
