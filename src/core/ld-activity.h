// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "ld-store.h"

G_BEGIN_DECLS

/* The five colour bands of the level scale, as ld_level_css_class() draws
 * them: an unnamed level counts in the band it falls in. */
typedef enum
{
  LD_ACTIVITY_BAND_DEBUG,
  LD_ACTIVITY_BAND_INFO,
  LD_ACTIVITY_BAND_WARNING,
  LD_ACTIVITY_BAND_ERROR,
  LD_ACTIVITY_BAND_CRITICAL,
  LD_ACTIVITY_N_BANDS
} LdActivityBand;

/* Records per band in one second, or summed over a span of seconds. */
typedef struct
{
  guint32 counts[LD_ACTIVITY_N_BANDS];
} LdActivityBucket;

/* Where a model other than the store keeps the record at @position, by its
 * sequence number in the store: ld_filter_model_get_seq() has this shape. */
typedef guint64 (*LdActivitySeqFunc) (gpointer model,
                                      guint    position);

#define LD_TYPE_ACTIVITY (ld_activity_get_type ())

G_DECLARE_FINAL_TYPE (LdActivity, ld_activity, LD, ACTIVITY, GObject)

LdActivityBand  ld_activity_band_for_level    (int                level);
guint32         ld_activity_bucket_total      (const LdActivityBucket *bucket);

LdActivity     *ld_activity_new               (void);
void            ld_activity_attach_store      (LdActivity        *self,
                                               LdStore           *store);
void            ld_activity_attach_model      (LdActivity        *self,
                                               GListModel        *model,
                                               LdStore           *store,
                                               LdActivitySeqFunc  seq_func);
void            ld_activity_detach            (LdActivity        *self);
GListModel     *ld_activity_get_model         (LdActivity        *self);

guint           ld_activity_get_n_records     (LdActivity        *self);
gboolean        ld_activity_get_time_range    (LdActivity        *self,
                                               gint64            *first_second,
                                               gint64            *last_second);
guint32         ld_activity_get_second        (LdActivity        *self,
                                               gint64             second,
                                               LdActivityBucket  *bucket);
guint32         ld_activity_sum               (LdActivity        *self,
                                               gint64             from_second,
                                               gint64             to_second,
                                               LdActivityBucket  *sum);
guint32         ld_activity_read_columns      (LdActivity        *self,
                                               gint64             from_second,
                                               guint              column_seconds,
                                               guint              n_columns,
                                               LdActivityBucket  *columns);
guint32         ld_activity_get_max           (LdActivity        *self,
                                               gint64             from_second,
                                               gint64             to_second);
gsize           ld_activity_get_memory_size   (LdActivity        *self);

G_END_DECLS
