// SPDX-License-Identifier: GPL-3.0-or-later
//
// What ld-filter-model.c (the GObject, its GListModel and the public API) and
// ld-filter-model-facets.c (the facets and matches: classes, the query scan and following
// the store) share.  ld-filter-model-facets.c explains how the model works.

#pragma once

#include "ld-filter-model.h"
#include "ld-ring.h"

G_BEGIN_DECLS

#define QUERY_BIT       0x80000000u
#define CLASS_MASK      0x7fffffffu
#define CLASS_UNCLASSED 0u          /* too many classes: test the record itself */
#define MAX_CLASSES     (1u << 20)
#define SLICE_US        5000
#define TIME_CHECK_STEP 256

typedef struct
{
  guint64 *keys;
  guint32 *ids;       /* 0 marks an empty slot */
  guint    capacity;  /* a power of two */
} ClassHash;

struct _LdFilterModel
{
  GObject    parent_instance;

  LdStore   *store;
  gulong     items_changed_id;
  guint      generation;      /* counts the times what is shown was decided anew */

  LdQuery   *query;           /* as set */
  LdQuery   *active_query;    /* NULL when it matches everything */
  LdRecordPredicate predicate;   /* ANDed with the query, or NULL */
  gpointer   predicate_data;
  GDestroyNotify predicate_destroy;
  GArray    *hidden_levels;   /* int, ascending */
  int        min_level;
  GStrv      excluded_loggers;
  gboolean   incremental;
  guint      slice_limit;

  LdRing     facets;
  guint64    facets_first_seq;

  ClassHash  class_hash;
  GArray    *class_loggers;   /* guint32 per class id */
  GArray    *class_levels;    /* gint32 per class id */
  GByteArray *class_shown;

  LdRing     matches;
  LdRing     spare;           /* the previous matches, kept for their memory */
  guint64    match_base;
  guint      n_shown;

  gboolean   frozen;
  guint64    horizon;         /* while frozen: the first seq not shown */

  guint64    scan_next;       /* records before this one wait for the query */
  GSource   *scan_source;

  guint      notified_n_matches;
  guint      notified_pending;
};


/* ld-filter-model-facets.c */
void     _ld_filter_model_class_hash_grow        (ClassHash     *hash);
int      _ld_filter_model_compare_ints           (gconstpointer  a,
                                                  gconstpointer  b);
gboolean _ld_filter_model_level_hidden           (LdFilterModel *self,
                                                  int            level);
void     _ld_filter_model_refresh_classes        (LdFilterModel *self);
guint    _ld_filter_model_lower_bound_seq        (LdFilterModel *self,
                                                  guint64        seq);
guint    _ld_filter_model_n_ghosts               (LdFilterModel *self);
void     _ld_filter_model_drop_ghosts            (LdFilterModel *self);
void     _ld_filter_model_rebuild_matches        (LdFilterModel *self);
void     _ld_filter_model_stop_scan              (LdFilterModel *self);
guint    _ld_filter_model_scan_slice             (LdFilterModel *self,
                                                  gint64         deadline,
                                                  guint          limit);
void     _ld_filter_model_rescan                 (LdFilterModel *self);
void     _ld_filter_model_retest                 (LdFilterModel *self,
                                                  guint64        seq);
void     _ld_filter_model_add_records            (LdFilterModel *self,
                                                  guint          position,
                                                  guint          n);
void     _ld_filter_model_on_store_items_changed (LdFilterModel *self,
                                                  guint          position,
                                                  guint          removed,
                                                  guint          added,
                                                  GListModel    *store);

/* ld-filter-model.c */
void     _ld_filter_model_notify_counts          (LdFilterModel *self);

/* Helpers of both files, inlined where they are used. */

static inline guint64
match_seq (LdFilterModel *self,
           guint          index)
{
  return self->match_base + ld_ring_get (&self->matches, index);
}

static inline guint
pending_count (LdFilterModel *self)
{
  guint64 first = ld_store_get_first_seq (self->store);

  return self->scan_next > first ? (guint) (self->scan_next - first) : 0;
}

G_END_DECLS
