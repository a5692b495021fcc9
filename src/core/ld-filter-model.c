// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include "ld-filter-model-private.h"
#include "ld-row.h"

/* The GObject and GListModel face of the filter model, and its public API; the facets and
 * matches behind it are in ld-filter-model-facets.c. */

enum {
  PROP_0,
  PROP_STORE,
  PROP_QUERY,
  PROP_MIN_LEVEL,
  PROP_EXCLUDED_LOGGERS,
  PROP_FROZEN,
  PROP_INCREMENTAL,
  PROP_PENDING,
  PROP_N_MATCHES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LdFilterModel, ld_filter_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

/* Notifications. */

/* Here because the properties are; the facets call it after every change they make. */
void
_ld_filter_model_notify_counts (LdFilterModel *self)
{
  guint n_matches = ld_filter_model_get_n_matches (self);
  guint pending = pending_count (self);

  if (n_matches != self->notified_n_matches)
    {
      self->notified_n_matches = n_matches;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_MATCHES]);
    }
  if (pending != self->notified_pending)
    {
      self->notified_pending = pending;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING]);
    }
}

/* GListModel. */

static GType
ld_filter_model_get_item_type (GListModel *model)
{
  return LD_TYPE_ROW;
}

static guint
ld_filter_model_get_n_items (GListModel *model)
{
  return LD_FILTER_MODEL (model)->n_shown;
}

static gpointer
ld_filter_model_get_item (GListModel *model,
                          guint       position)
{
  LdFilterModel *self = LD_FILTER_MODEL (model);

  if (position >= self->n_shown)
    return NULL;

  return ld_row_new (self->store, match_seq (self, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = ld_filter_model_get_item_type;
  iface->get_n_items = ld_filter_model_get_n_items;
  iface->get_item = ld_filter_model_get_item;
}

/* GObject. */

static void
ld_filter_model_dispose (GObject *object)
{
  LdFilterModel *self = LD_FILTER_MODEL (object);

  if (self->scan_source != NULL)
    {
      g_source_destroy (self->scan_source);
      g_clear_pointer (&self->scan_source, g_source_unref);
    }
  if (self->store != NULL)
    g_clear_signal_handler (&self->items_changed_id, self->store);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (ld_filter_model_parent_class)->dispose (object);
}

static void
ld_filter_model_finalize (GObject *object)
{
  LdFilterModel *self = LD_FILTER_MODEL (object);

  g_clear_pointer (&self->query, ld_query_unref);
  g_clear_pointer (&self->active_query, ld_query_unref);
  if (self->predicate_destroy != NULL)
    g_clear_pointer (&self->predicate_data, self->predicate_destroy);
  g_clear_pointer (&self->hidden_levels, g_array_unref);
  g_clear_pointer (&self->excluded_loggers, g_strfreev);
  ld_ring_clear (&self->facets);
  ld_ring_clear (&self->matches);
  ld_ring_clear (&self->spare);
  g_free (self->class_hash.keys);
  g_free (self->class_hash.ids);
  g_clear_pointer (&self->class_loggers, g_array_unref);
  g_clear_pointer (&self->class_levels, g_array_unref);
  g_clear_pointer (&self->class_shown, g_byte_array_unref);

  G_OBJECT_CLASS (ld_filter_model_parent_class)->finalize (object);
}

static void
ld_filter_model_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  LdFilterModel *self = LD_FILTER_MODEL (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_QUERY:
      g_value_set_boxed (value, self->query);
      break;
    case PROP_MIN_LEVEL:
      g_value_set_int (value, self->min_level);
      break;
    case PROP_EXCLUDED_LOGGERS:
      g_value_set_boxed (value, self->excluded_loggers);
      break;
    case PROP_FROZEN:
      g_value_set_boolean (value, self->frozen);
      break;
    case PROP_INCREMENTAL:
      g_value_set_boolean (value, self->incremental);
      break;
    case PROP_PENDING:
      g_value_set_uint (value, ld_filter_model_get_pending (self));
      break;
    case PROP_N_MATCHES:
      g_value_set_uint (value, ld_filter_model_get_n_matches (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ld_filter_model_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  LdFilterModel *self = LD_FILTER_MODEL (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    case PROP_QUERY:
      ld_filter_model_set_query (self, g_value_get_boxed (value));
      break;
    case PROP_MIN_LEVEL:
      ld_filter_model_set_min_level (self, g_value_get_int (value));
      break;
    case PROP_EXCLUDED_LOGGERS:
      ld_filter_model_set_excluded_loggers (self, g_value_get_boxed (value));
      break;
    case PROP_FROZEN:
      ld_filter_model_set_frozen (self, g_value_get_boolean (value));
      break;
    case PROP_INCREMENTAL:
      ld_filter_model_set_incremental (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ld_filter_model_constructed (GObject *object)
{
  LdFilterModel *self = LD_FILTER_MODEL (object);

  G_OBJECT_CLASS (ld_filter_model_parent_class)->constructed (object);

  g_assert (LD_IS_STORE (self->store));
  self->facets_first_seq = ld_store_get_first_seq (self->store);
  self->scan_next = self->facets_first_seq;
  self->match_base = self->facets_first_seq;
  self->items_changed_id =
    g_signal_connect_swapped (self->store, "items-changed",
                              G_CALLBACK (_ld_filter_model_on_store_items_changed), self);
  _ld_filter_model_add_records (self, 0, ld_store_get_n_records (self->store));
  _ld_filter_model_notify_counts (self);
}

static void
ld_filter_model_class_init (LdFilterModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = ld_filter_model_dispose;
  object_class->finalize = ld_filter_model_finalize;
  object_class->get_property = ld_filter_model_get_property;
  object_class->set_property = ld_filter_model_set_property;
  object_class->constructed = ld_filter_model_constructed;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, LD_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_QUERY] = g_param_spec_boxed ("query", NULL, NULL, LD_TYPE_QUERY, flags);
  properties[PROP_MIN_LEVEL] =
    g_param_spec_int ("min-level", NULL, NULL, G_MININT, G_MAXINT, G_MININT, flags);
  properties[PROP_EXCLUDED_LOGGERS] =
    g_param_spec_boxed ("excluded-loggers", NULL, NULL, G_TYPE_STRV, flags);
  properties[PROP_FROZEN] = g_param_spec_boolean ("frozen", NULL, NULL, FALSE, flags);
  properties[PROP_INCREMENTAL] = g_param_spec_boolean ("incremental", NULL, NULL, TRUE, flags);
  properties[PROP_PENDING] =
    g_param_spec_uint ("pending", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_MATCHES] =
    g_param_spec_uint ("n-matches", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ld_filter_model_init (LdFilterModel *self)
{
  guint32 no_logger = 0;
  gint32 no_level = 0;
  guint8 no_verdict = 0;

  self->incremental = TRUE;
  self->min_level = G_MININT;
  self->hidden_levels = g_array_new (FALSE, FALSE, sizeof (int));
  self->class_loggers = g_array_new (FALSE, FALSE, sizeof (guint32));
  self->class_levels = g_array_new (FALSE, FALSE, sizeof (gint32));
  self->class_shown = g_byte_array_new ();
  _ld_filter_model_class_hash_grow (&self->class_hash);

  /* Class id 0 stands for "unclassed" and is never in the hash. */
  g_array_append_val (self->class_loggers, no_logger);
  g_array_append_val (self->class_levels, no_level);
  g_byte_array_append (self->class_shown, &no_verdict, 1);
}

/* Public API. */

/**
 * ld_filter_model_new:
 * @store: the store to follow
 *
 * Returns: (transfer full): a model of the rows of @store that pass the
 *   filter; with no filter set, all of them
 */
LdFilterModel *
ld_filter_model_new (LdStore *store)
{
  g_return_val_if_fail (LD_IS_STORE (store), NULL);

  return g_object_new (LD_TYPE_FILTER_MODEL, "store", store, NULL);
}

LdStore *
ld_filter_model_get_store (LdFilterModel *self)
{
  g_return_val_if_fail (LD_IS_FILTER_MODEL (self), NULL);

  return self->store;
}

/**
 * ld_filter_model_get_query:
 * @self: a filter model
 *
 * Returns: (transfer none) (nullable): the query
 */
LdQuery *
ld_filter_model_get_query (LdFilterModel *self)
{
  g_return_val_if_fail (LD_IS_FILTER_MODEL (self), NULL);

  return self->query;
}

/**
 * ld_filter_model_set_query:
 * @self: a filter model
 * @query: (nullable): the query, or %NULL for none
 *
 * Tests every record against @query: the first slice at once, the rest on
 * idle (see #LdFilterModel:pending), or all at once if the model is not
 * incremental.
 */
void
ld_filter_model_set_query (LdFilterModel *self,
                           LdQuery       *query)
{
  g_return_if_fail (LD_IS_FILTER_MODEL (self));

  if (self->query == query)
    return;

  g_clear_pointer (&self->query, ld_query_unref);
  g_clear_pointer (&self->active_query, ld_query_unref);
  if (query != NULL)
    self->query = ld_query_ref (query);
  if (query != NULL && !ld_query_is_empty (query))
    self->active_query = ld_query_ref (query);

  _ld_filter_model_rescan (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUERY]);
}

/**
 * ld_filter_model_set_predicate:
 * @self: a filter model
 * @predicate: (nullable): a test every shown record must also pass, or
 *   %NULL for none
 * @data: for @predicate
 * @destroy: (nullable): frees @data when the predicate is replaced
 *
 * For what the query language cannot say, such as "the records of this
 * error group". It is called on the caller's thread, like the query.
 */
void
ld_filter_model_set_predicate (LdFilterModel     *self,
                               LdRecordPredicate  predicate,
                               gpointer           data,
                               GDestroyNotify     destroy)
{
  g_return_if_fail (LD_IS_FILTER_MODEL (self));

  if (self->predicate_destroy != NULL)
    g_clear_pointer (&self->predicate_data, self->predicate_destroy);
  self->predicate = predicate;
  self->predicate_data = data;
  self->predicate_destroy = destroy;

  _ld_filter_model_rescan (self);
}

gboolean
ld_filter_model_get_has_predicate (LdFilterModel *self)
{
  g_return_val_if_fail (LD_IS_FILTER_MODEL (self), FALSE);

  return self->predicate != NULL;
}

int
ld_filter_model_get_min_level (LdFilterModel *self)
{
  g_return_val_if_fail (LD_IS_FILTER_MODEL (self), G_MININT);

  return self->min_level;
}

/**
 * ld_filter_model_set_min_level:
 * @self: a filter model
 * @min_level: the lowest level shown; %G_MININT for all
 */
void
ld_filter_model_set_min_level (LdFilterModel *self,
                               int            min_level)
{
  g_return_if_fail (LD_IS_FILTER_MODEL (self));

  if (self->min_level == min_level)
    return;

  self->min_level = min_level;
  _ld_filter_model_refresh_classes (self);
  _ld_filter_model_rebuild_matches (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MIN_LEVEL]);
}

gboolean
ld_filter_model_get_level_hidden (LdFilterModel *self,
                                  int            level)
{
  g_return_val_if_fail (LD_IS_FILTER_MODEL (self), FALSE);

  return _ld_filter_model_level_hidden (self, level);
}

/**
 * ld_filter_model_set_level_hidden:
 * @self: a filter model
 * @level: a level number, named or not
 * @hidden: whether records of exactly that level are hidden
 */
void
ld_filter_model_set_level_hidden (LdFilterModel *self,
                                  int            level,
                                  gboolean       hidden)
{
  g_autoptr(GArray) levels = NULL;

  g_return_if_fail (LD_IS_FILTER_MODEL (self));

  if (!hidden == !_ld_filter_model_level_hidden (self, level))
    return;

  levels = g_array_copy (self->hidden_levels);
  if (hidden)
    g_array_append_val (levels, level);
  else
    for (guint i = 0; i < levels->len; i++)
      if (g_array_index (levels, int, i) == level)
        g_array_remove_index (levels, i);

  ld_filter_model_set_hidden_levels (self, (const int *) levels->data, levels->len);
}

/**
 * ld_filter_model_set_hidden_levels:
 * @self: a filter model
 * @levels: (array length=n_levels): the level numbers to hide
 * @n_levels: how many
 *
 * Replaces the whole set of hidden levels at once.
 */
void
ld_filter_model_set_hidden_levels (LdFilterModel *self,
                                   const int     *levels,
                                   guint          n_levels)
{
  g_return_if_fail (LD_IS_FILTER_MODEL (self));
  g_return_if_fail (levels != NULL || n_levels == 0);

  g_array_set_size (self->hidden_levels, 0);
  g_array_append_vals (self->hidden_levels, levels, n_levels);
  g_array_sort (self->hidden_levels, _ld_filter_model_compare_ints);
  for (guint i = 1; i < self->hidden_levels->len;)
    {
      int *sorted = (int *) self->hidden_levels->data;

      if (sorted[i] == sorted[i - 1])
        g_array_remove_index (self->hidden_levels, i);
      else
        i++;
    }

  _ld_filter_model_refresh_classes (self);
  _ld_filter_model_rebuild_matches (self);
}

/**
 * ld_filter_model_get_excluded_loggers:
 * @self: a filter model
 *
 * Returns: (transfer none) (nullable): the excluded logger prefixes
 */
const char * const *
ld_filter_model_get_excluded_loggers (LdFilterModel *self)
{
  g_return_val_if_fail (LD_IS_FILTER_MODEL (self), NULL);

  return (const char * const *) self->excluded_loggers;
}

/**
 * ld_filter_model_set_excluded_loggers:
 * @self: a filter model
 * @prefixes: (nullable) (array zero-terminated=1): loggers whose subtrees
 *   are hidden: "websockets" hides websockets and websockets.*, not
 *   websocketsx
 */
void
ld_filter_model_set_excluded_loggers (LdFilterModel      *self,
                                      const char * const *prefixes)
{
  g_return_if_fail (LD_IS_FILTER_MODEL (self));

  g_clear_pointer (&self->excluded_loggers, g_strfreev);
  if (prefixes != NULL && prefixes[0] != NULL)
    self->excluded_loggers = g_strdupv ((char **) prefixes);

  _ld_filter_model_refresh_classes (self);
  _ld_filter_model_rebuild_matches (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXCLUDED_LOGGERS]);
}

gboolean
ld_filter_model_get_frozen (LdFilterModel *self)
{
  g_return_val_if_fail (LD_IS_FILTER_MODEL (self), FALSE);

  return self->frozen;
}

static void
catch_up (LdFilterModel *self)
{
  guint kept;

  _ld_filter_model_drop_ghosts (self);
  kept = self->n_shown;
  self->n_shown = self->matches.len;
  if (self->n_shown > kept)
    g_list_model_items_changed (G_LIST_MODEL (self), kept, 0, self->n_shown - kept);
}

/**
 * ld_filter_model_set_frozen:
 * @self: a filter model
 * @frozen: whether the model stops following its store, as for Pause
 */
void
ld_filter_model_set_frozen (LdFilterModel *self,
                            gboolean       frozen)
{
  g_return_if_fail (LD_IS_FILTER_MODEL (self));

  frozen = !!frozen;
  if (self->frozen == frozen)
    return;

  self->frozen = frozen;
  self->horizon = ld_store_get_n_received (self->store);
  if (!frozen)
    catch_up (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FROZEN]);
}

gboolean
ld_filter_model_get_incremental (LdFilterModel *self)
{
  g_return_val_if_fail (LD_IS_FILTER_MODEL (self), TRUE);

  return self->incremental;
}

/**
 * ld_filter_model_set_incremental:
 * @self: a filter model
 * @incremental: whether a new query is tested in slices on idle (the
 *   default) or on all records at once
 */
void
ld_filter_model_set_incremental (LdFilterModel *self,
                                 gboolean       incremental)
{
  g_return_if_fail (LD_IS_FILTER_MODEL (self));

  incremental = !!incremental;
  if (self->incremental == incremental)
    return;

  self->incremental = incremental;
  if (!incremental)
    ld_filter_model_flush (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INCREMENTAL]);
}

/**
 * ld_filter_model_get_generation:
 * @self: a filter model
 *
 * Tells a change of what the model shows (a new query, predicate, levels or
 * loggers) from records arriving and being evicted, which the
 * #GListModel::items-changed signal alone cannot.
 *
 * Returns: a number that changes each time what is shown is decided anew
 */
guint
ld_filter_model_get_generation (LdFilterModel *self)
{
  g_return_val_if_fail (LD_IS_FILTER_MODEL (self), 0);

  return self->generation;
}

/**
 * ld_filter_model_get_pending:
 * @self: a filter model
 *
 * Returns: how many records still wait to be tested against a new query
 */
guint
ld_filter_model_get_pending (LdFilterModel *self)
{
  g_return_val_if_fail (LD_IS_FILTER_MODEL (self), 0);

  return pending_count (self);
}

/**
 * ld_filter_model_flush:
 * @self: a filter model
 *
 * Finishes a pending scan at once.
 */
void
ld_filter_model_flush (LdFilterModel *self)
{
  guint shown;

  g_return_if_fail (LD_IS_FILTER_MODEL (self));

  if (pending_count (self) == 0)
    return;

  shown = _ld_filter_model_scan_slice (self, 0, 0);
  _ld_filter_model_stop_scan (self);
  if (shown > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, shown);
  _ld_filter_model_notify_counts (self);
}

/**
 * ld_filter_model_get_n_matches:
 * @self: a filter model
 *
 * Returns: how many records of the store pass the filter, including those
 *   that arrived while frozen and not counting evicted ones still shown
 */
guint
ld_filter_model_get_n_matches (LdFilterModel *self)
{
  g_return_val_if_fail (LD_IS_FILTER_MODEL (self), 0);

  return self->matches.len - _ld_filter_model_n_ghosts (self);
}

/**
 * ld_filter_model_get_seq:
 * @self: a filter model
 * @position: a position in the model
 *
 * Returns: the sequence number of the record shown at @position, or
 *   %G_MAXUINT64 if there is none
 */
guint64
ld_filter_model_get_seq (LdFilterModel *self,
                         guint          position)
{
  g_return_val_if_fail (LD_IS_FILTER_MODEL (self), G_MAXUINT64);

  if (position >= self->n_shown)
    return G_MAXUINT64;

  return match_seq (self, position);
}

/**
 * ld_filter_model_find_seq:
 * @self: a filter model
 * @seq: a sequence number
 *
 * Returns: the position of the record @seq in the model, or -1
 */
int
ld_filter_model_find_seq (LdFilterModel *self,
                          guint64        seq)
{
  guint index;

  g_return_val_if_fail (LD_IS_FILTER_MODEL (self), -1);

  if (seq < self->match_base)
    return -1;

  index = _ld_filter_model_lower_bound_seq (self, seq);
  if (index < self->n_shown && match_seq (self, index) == seq)
    return (int) index;

  return -1;
}

/**
 * ld_filter_model_lower_bound:
 * @self: a filter model
 * @seq: a sequence number
 *
 * Returns: the position of the first record shown whose sequence number
 *   is @seq or more, or the number of items: where a selection of a
 *   record that the filter now hides should land
 */
guint
ld_filter_model_lower_bound (LdFilterModel *self,
                             guint64        seq)
{
  g_return_val_if_fail (LD_IS_FILTER_MODEL (self), 0);

  return MIN (_ld_filter_model_lower_bound_seq (self, seq), self->n_shown);
}

/**
 * ld_filter_model_retest:
 * @self: a filter model
 * @seq: the sequence number of a record whose verdict may have changed
 *   although the query did not (`is:marked`, when a mark changes)
 *
 * Tests that one record again and shows or hides it accordingly, without
 * testing every record again as setting the query would.
 */
void
ld_filter_model_retest (LdFilterModel *self,
                        guint64        seq)
{
  g_return_if_fail (LD_IS_FILTER_MODEL (self));

  _ld_filter_model_retest (self, seq);
}

/**
 * ld_filter_model_set_slice_limit:
 * @self: a filter model
 * @max_records: the most records one slice of a scan tests, or 0 for no
 *   limit beyond the slice's time budget
 *
 * For tests, which need scans to take several slices.
 */
void
ld_filter_model_set_slice_limit (LdFilterModel *self,
                                 guint          max_records)
{
  g_return_if_fail (LD_IS_FILTER_MODEL (self));

  self->slice_limit = max_records;
}
