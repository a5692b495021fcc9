// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include "ld-live-model.h"
#include "ld-row.h"

/* What the table shows: the store as it is, or, while frozen (paused), the
 * store as it was when frozen. The store keeps taking records meanwhile; on
 * thawing, the view catches up in one step. The store only ever loses its
 * oldest records or all of them, so the catch-up is a removal at the front
 * and an addition at the end. */
struct _LdLiveModel
{
  GObject  parent_instance;

  LdStore *store;
  gulong   items_changed_id;
  gboolean frozen;
  guint64  first_seq;   /* while frozen: the snapshot */
  guint    n_items;
};

enum {
  PROP_0,
  PROP_FROZEN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LdLiveModel, ld_live_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GType
ld_live_model_get_item_type (GListModel *model)
{
  return LD_TYPE_ROW;
}

static guint
ld_live_model_get_n_items (GListModel *model)
{
  return LD_LIVE_MODEL (model)->n_items;
}

static gpointer
ld_live_model_get_item (GListModel *model,
                        guint       position)
{
  LdLiveModel *self = LD_LIVE_MODEL (model);

  if (position >= self->n_items)
    return NULL;

  return ld_row_new (self->store, self->first_seq + position);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = ld_live_model_get_item_type;
  iface->get_n_items = ld_live_model_get_n_items;
  iface->get_item = ld_live_model_get_item;
}

static void
on_store_items_changed (LdLiveModel *self,
                        guint        position,
                        guint        removed,
                        guint        added,
                        GListModel  *store)
{
  if (self->frozen)
    return;

  self->first_seq = ld_store_get_first_seq (self->store);
  self->n_items = ld_store_get_n_records (self->store);
  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
}

static void
ld_live_model_dispose (GObject *object)
{
  LdLiveModel *self = LD_LIVE_MODEL (object);

  g_clear_signal_handler (&self->items_changed_id, self->store);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (ld_live_model_parent_class)->dispose (object);
}

static void
ld_live_model_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_FROZEN:
      g_value_set_boolean (value, LD_LIVE_MODEL (object)->frozen);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ld_live_model_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_FROZEN:
      ld_live_model_set_frozen (LD_LIVE_MODEL (object), g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ld_live_model_class_init (LdLiveModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ld_live_model_dispose;
  object_class->get_property = ld_live_model_get_property;
  object_class->set_property = ld_live_model_set_property;

  properties[PROP_FROZEN] =
    g_param_spec_boolean ("frozen", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ld_live_model_init (LdLiveModel *self)
{
}

LdLiveModel *
ld_live_model_new (LdStore *store)
{
  LdLiveModel *self;

  g_return_val_if_fail (LD_IS_STORE (store), NULL);

  self = g_object_new (LD_TYPE_LIVE_MODEL, NULL);
  self->store = g_object_ref (store);
  self->first_seq = ld_store_get_first_seq (store);
  self->n_items = ld_store_get_n_records (store);
  self->items_changed_id = g_signal_connect_swapped (store, "items-changed",
                                                     G_CALLBACK (on_store_items_changed), self);

  return self;
}

LdStore *
ld_live_model_get_store (LdLiveModel *self)
{
  g_return_val_if_fail (LD_IS_LIVE_MODEL (self), NULL);

  return self->store;
}

gboolean
ld_live_model_get_frozen (LdLiveModel *self)
{
  g_return_val_if_fail (LD_IS_LIVE_MODEL (self), FALSE);

  return self->frozen;
}

static void
catch_up (LdLiveModel *self)
{
  guint64 new_first = ld_store_get_first_seq (self->store);
  guint new_n = ld_store_get_n_records (self->store);
  guint removed = (guint) MIN ((guint64) self->n_items, new_first - MIN (new_first, self->first_seq));
  guint kept = self->n_items - removed;

  self->first_seq = new_first;
  self->n_items = new_n;

  if (removed > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, 0);
  if (new_n > kept)
    g_list_model_items_changed (G_LIST_MODEL (self), kept, 0, new_n - kept);
}

/**
 * ld_live_model_set_frozen:
 * @self: a live model
 * @frozen: whether the model stops following its store
 */
void
ld_live_model_set_frozen (LdLiveModel *self,
                          gboolean     frozen)
{
  g_return_if_fail (LD_IS_LIVE_MODEL (self));

  frozen = !!frozen;
  if (self->frozen == frozen)
    return;

  self->frozen = frozen;
  if (!frozen)
    catch_up (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FROZEN]);
}

/**
 * ld_live_model_get_seq:
 * @self: a live model
 * @position: a position in the model
 *
 * Returns: the sequence number of the record at @position
 */
guint64
ld_live_model_get_seq (LdLiveModel *self,
                       guint        position)
{
  g_return_val_if_fail (LD_IS_LIVE_MODEL (self), 0);

  return self->first_seq + position;
}
