// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "ld-filter-model.h"

G_BEGIN_DECLS

/* LdFoldModel sits between the filter model and the table: with folding on,
 * each maximal run of consecutive shown records with the same logger, level
 * and masked message (ld_fingerprint_mask()) is one item, the run's first
 * record, unless the run is expanded, when every record of it is an item.
 * With folding off it passes the filter model's items through unchanged. */

typedef struct
{
  guint   n_records;     /* records in the run */
  guint64 first_seq;
  guint64 last_seq;
  guint   offset;        /* which of the run's records the item is */
  gboolean expanded;
} LdFoldGroup;

#define LD_TYPE_FOLD_MODEL (ld_fold_model_get_type ())

G_DECLARE_FINAL_TYPE (LdFoldModel, ld_fold_model, LD, FOLD_MODEL, GObject)

LdFoldModel *ld_fold_model_new                  (LdFilterModel *filter);
LdFilterModel *ld_fold_model_get_filter         (LdFoldModel   *self);
gboolean     ld_fold_model_get_enabled          (LdFoldModel   *self);
void         ld_fold_model_set_enabled          (LdFoldModel   *self,
                                                 gboolean       enabled);
guint        ld_fold_model_get_n_groups         (LdFoldModel   *self);
guint        ld_fold_model_get_pending          (LdFoldModel   *self);
void         ld_fold_model_flush                (LdFoldModel   *self);
void         ld_fold_model_set_slice_limit      (LdFoldModel   *self,
                                                 guint          max_records);
gboolean     ld_fold_model_get_group            (LdFoldModel   *self,
                                                 guint          position,
                                                 LdFoldGroup   *group);
gboolean     ld_fold_model_get_group_by_seq     (LdFoldModel   *self,
                                                 guint64        seq,
                                                 LdFoldGroup   *group);
gboolean     ld_fold_model_get_expanded         (LdFoldModel   *self,
                                                 guint          position);
void         ld_fold_model_set_expanded         (LdFoldModel   *self,
                                                 guint          position,
                                                 gboolean       expanded);
guint        ld_fold_model_get_filter_position  (LdFoldModel   *self,
                                                 guint          position);
guint        ld_fold_model_get_position         (LdFoldModel   *self,
                                                 guint          filter_position);

G_END_DECLS
