// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "ld-duration-key.h"
#include "ld-store.h"

G_BEGIN_DECLS

/* Bins of the duration histograms: bin 0 holds everything under 1 µs, bin
 * i > 0 the durations in [1.04^(i-1), 1.04^i) µs, up to about 28 hours. A
 * bin is read back as its geometric middle, within 2 % of any duration in
 * it. */
#define LD_TIMING_N_BINS 648

/* How many of the slowest records are kept; how many values of the
 * grouping field are listed (those with the most durations), the rest
 * going to "other"; and how many values are counted one by one to find
 * them (see ld-timing-groups.c). */
#define LD_TIMING_N_SLOWEST 20
#define LD_TIMING_MAX_GROUPS 50
#define LD_TIMING_MAX_VALUES 4096

/* The longest message pattern accepted, and how far into a message it is
 * looked for. */
#define LD_TIMING_PATTERN_MAX 200
#define LD_TIMING_MESSAGE_SCAN 4096

#define LD_TIMING_ERROR (ld_timing_error_quark ())

typedef enum
{
  LD_TIMING_ERROR_PATTERN,
} LdTimingError;

/* The percentiles of the durations that fall in one chart column. */
typedef struct
{
  guint32 count;
  double  p50;   /* seconds */
  double  p95;
  double  p99;
} LdTimingColumn;

/* One value of the grouping field, or "other" (a %NULL name). */
typedef struct
{
  char    *name;
  guint64  count;
  double   p50;
  double   p95;
  double   p99;
} LdTimingGroup;

typedef struct
{
  guint64 seq;
  double  seconds;
} LdTimingSlow;

typedef struct _LdTimingPattern LdTimingPattern;

GQuark           ld_timing_error_quark       (void);

LdTimingPattern *ld_timing_pattern_new       (const char            *pattern,
                                              GError               **error);
void             ld_timing_pattern_free      (LdTimingPattern       *pattern);
gboolean         ld_timing_pattern_match     (const LdTimingPattern *pattern,
                                              const char            *text,
                                              gsize                  length,
                                              double                *seconds);

gboolean         ld_timing_parse_value       (const char            *value,
                                              gsize                  length,
                                              double                 scale,
                                              double                *seconds);
gboolean         ld_timing_read_record       (const LdRecord        *record,
                                              const LdTimingPattern *pattern,
                                              double                *seconds);

guint            ld_timing_bin_for           (double                 seconds);
double           ld_timing_bin_value         (guint                  bin);
double           ld_timing_percentile        (const guint32         *bins,
                                              guint64                total,
                                              double                 fraction);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LdTimingPattern, ld_timing_pattern_free)

#define LD_TYPE_TIMING (ld_timing_get_type ())

G_DECLARE_FINAL_TYPE (LdTiming, ld_timing, LD, TIMING, GObject)

LdTiming        *ld_timing_new               (void);
void             ld_timing_attach_store      (LdTiming              *self,
                                              LdStore               *store);
void             ld_timing_detach            (LdTiming              *self);
gboolean         ld_timing_set_pattern       (LdTiming              *self,
                                              const char            *pattern,
                                              GError               **error);
const char      *ld_timing_get_pattern       (LdTiming              *self);
void             ld_timing_set_group_key     (LdTiming              *self,
                                              const char            *key);
const char      *ld_timing_get_group_key     (LdTiming              *self);
guint            ld_timing_get_pending       (LdTiming              *self);
void             ld_timing_flush             (LdTiming              *self);
guint            ld_timing_get_n_durations   (LdTiming              *self);
gboolean         ld_timing_get_time_range    (LdTiming              *self,
                                              gint64                *first_second,
                                              gint64                *last_second);
double           ld_timing_read_columns      (LdTiming              *self,
                                              gint64                 from_second,
                                              guint                  column_seconds,
                                              guint                  n_columns,
                                              LdTimingColumn        *columns);
GArray          *ld_timing_dup_groups        (LdTiming              *self);
GArray          *ld_timing_dup_slowest       (LdTiming              *self);
gsize            ld_timing_get_memory_size   (LdTiming              *self);

G_END_DECLS
