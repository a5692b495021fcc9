// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "ld-query.h"
#include "ld-store.h"

G_BEGIN_DECLS

typedef gboolean (*LdRecordPredicate) (const LdRecord *record,
                                       gpointer        data);

#define LD_TYPE_FILTER_MODEL (ld_filter_model_get_type ())

G_DECLARE_FINAL_TYPE (LdFilterModel, ld_filter_model, LD, FILTER_MODEL, GObject)

LdFilterModel      *ld_filter_model_new                  (LdStore             *store);
LdStore            *ld_filter_model_get_store            (LdFilterModel       *self);

LdQuery            *ld_filter_model_get_query            (LdFilterModel       *self);
void                ld_filter_model_set_query            (LdFilterModel       *self,
                                                          LdQuery             *query);
void                ld_filter_model_set_predicate        (LdFilterModel       *self,
                                                          LdRecordPredicate    predicate,
                                                          gpointer             data,
                                                          GDestroyNotify       destroy);
gboolean            ld_filter_model_get_has_predicate    (LdFilterModel       *self);
int                 ld_filter_model_get_min_level        (LdFilterModel       *self);
void                ld_filter_model_set_min_level        (LdFilterModel       *self,
                                                          int                  min_level);
gboolean            ld_filter_model_get_level_hidden     (LdFilterModel       *self,
                                                          int                  level);
void                ld_filter_model_set_level_hidden     (LdFilterModel       *self,
                                                          int                  level,
                                                          gboolean             hidden);
void                ld_filter_model_set_hidden_levels    (LdFilterModel       *self,
                                                          const int           *levels,
                                                          guint                n_levels);
const char * const *ld_filter_model_get_excluded_loggers (LdFilterModel       *self);
void                ld_filter_model_set_excluded_loggers (LdFilterModel       *self,
                                                          const char * const  *prefixes);

gboolean            ld_filter_model_get_frozen           (LdFilterModel       *self);
void                ld_filter_model_set_frozen           (LdFilterModel       *self,
                                                          gboolean             frozen);
gboolean            ld_filter_model_get_incremental      (LdFilterModel       *self);
void                ld_filter_model_set_incremental      (LdFilterModel       *self,
                                                          gboolean             incremental);
guint               ld_filter_model_get_generation       (LdFilterModel       *self);
guint               ld_filter_model_get_pending          (LdFilterModel       *self);
void                ld_filter_model_flush                (LdFilterModel       *self);
guint               ld_filter_model_get_n_matches        (LdFilterModel       *self);

guint64             ld_filter_model_get_seq              (LdFilterModel       *self,
                                                          guint                position);
int                 ld_filter_model_find_seq             (LdFilterModel       *self,
                                                          guint64              seq);
void                ld_filter_model_retest               (LdFilterModel       *self,
                                                          guint64              seq);
guint               ld_filter_model_lower_bound          (LdFilterModel       *self,
                                                          guint64              seq);

void                ld_filter_model_set_slice_limit      (LdFilterModel       *self,
                                                          guint                max_records);

G_END_DECLS
