// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "ld-filter-model.h"

G_BEGIN_DECLS

/* Field statistics over the records a filtered model shows: which extra
 * keys they carry and how often, and for one chosen field its top values
 * and, when every value is a number, min, median, p95, max and a histogram. */

typedef enum
{
  LD_STATS_FIELD_LEVEL,
  LD_STATS_FIELD_LOGGER,
  LD_STATS_FIELD_THREAD,
  LD_STATS_FIELD_CONNECTION,
  LD_STATS_FIELD_PEER,
  LD_STATS_FIELD_PROTOCOL,
  LD_STATS_FIELD_HOST,
  LD_STATS_FIELD_SERVICE,
  LD_STATS_FIELD_FILE,
  LD_STATS_FIELD_FUNCTION,
  LD_STATS_FIELD_EXTRA,
  LD_STATS_FIELD_NONE,
} LdStatsField;

#define LD_FIELD_STATS_HISTOGRAM_BINS 12
/* Distinct values counted one by one; past this many, new values count as "other". */
#define LD_FIELD_STATS_MAX_VALUES     (1u << 18)

typedef struct
{
  char  *value;
  guint  count;
} LdFieldCount;

typedef struct
{
  guint   n;                 /* the numbers the figures are over */
  double  min;
  double  median;
  double  p95;
  double  max;
  guint   histogram[LD_FIELD_STATS_HISTOGRAM_BINS];   /* equal widths from min to max */
} LdFieldNumbers;

#define LD_TYPE_FIELD_STATS (ld_field_stats_get_type ())

G_DECLARE_FINAL_TYPE (LdFieldStats, ld_field_stats, LD, FIELD_STATS, GObject)

LdFieldStats *ld_field_stats_new                (LdFilterModel   *shown);
void          ld_field_stats_set_field          (LdFieldStats    *self,
                                                 LdStatsField     field,
                                                 const char      *key);
LdStatsField  ld_field_stats_get_field          (LdFieldStats    *self);
const char   *ld_field_stats_get_key            (LdFieldStats    *self);
guint         ld_field_stats_get_n_records      (LdFieldStats    *self);
guint         ld_field_stats_get_n_with_value   (LdFieldStats    *self);
guint         ld_field_stats_get_pending        (LdFieldStats    *self);
gboolean      ld_field_stats_get_truncated      (LdFieldStats    *self);
void          ld_field_stats_flush              (LdFieldStats    *self);
GArray       *ld_field_stats_dup_top_values     (LdFieldStats    *self,
                                                 guint            n_top,
                                                 guint           *n_other);
gboolean      ld_field_stats_get_numbers        (LdFieldStats    *self,
                                                 LdFieldNumbers  *numbers);
GArray       *ld_field_stats_dup_keys           (LdFieldStats    *self);

char         *ld_field_stats_term               (LdStatsField     field,
                                                 const char      *key,
                                                 const char      *value,
                                                 gboolean         exclude);
char         *ld_field_stats_query_with_term    (const char      *query,
                                                 const char      *term);
char         *ld_field_stats_query_with_range   (const char      *query,
                                                 const char      *range);
const char   *ld_stats_field_get_name           (LdStatsField     field);

G_END_DECLS
