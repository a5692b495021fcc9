// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include "ld-count-list.h"

struct _LdCountItem
{
  GObject  parent_instance;

  guint32  id;
  guint    count;
};

enum {
  ITEM_PROP_0,
  ITEM_PROP_COUNT,
  ITEM_N_PROPS
};

static GParamSpec *item_properties[ITEM_N_PROPS];

G_DEFINE_FINAL_TYPE (LdCountItem, ld_count_item, G_TYPE_OBJECT)

static void
ld_count_item_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  switch (prop_id)
    {
    case ITEM_PROP_COUNT:
      g_value_set_uint (value, LD_COUNT_ITEM (object)->count);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ld_count_item_class_init (LdCountItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = ld_count_item_get_property;
  item_properties[ITEM_PROP_COUNT] =
    g_param_spec_uint ("count", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, ITEM_N_PROPS, item_properties);
}

static void
ld_count_item_init (LdCountItem *self)
{
}

const char *
ld_count_item_get_name (LdCountItem *self)
{
  g_return_val_if_fail (LD_IS_COUNT_ITEM (self), NULL);

  return ld_intern_lookup (self->id);
}

guint
ld_count_item_get_count (LdCountItem *self)
{
  g_return_val_if_fail (LD_IS_COUNT_ITEM (self), 0);

  return self->count;
}

struct _LdCountList
{
  GObject         parent_instance;

  LdStore        *store;
  LdStoreCounted  field;
  GPtrArray      *items;     /* LdCountItem, in order of first appearance */
  GHashTable     *by_id;     /* id → LdCountItem */
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LdCountList, ld_count_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GType
ld_count_list_get_item_type (GListModel *model)
{
  return LD_TYPE_COUNT_ITEM;
}

static guint
ld_count_list_get_n_items (GListModel *model)
{
  return LD_COUNT_LIST (model)->items->len;
}

static gpointer
ld_count_list_get_item (GListModel *model,
                        guint       position)
{
  LdCountList *self = LD_COUNT_LIST (model);

  return position < self->items->len ? g_object_ref (self->items->pdata[position]) : NULL;
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = ld_count_list_get_item_type;
  iface->get_n_items = ld_count_list_get_n_items;
  iface->get_item = ld_count_list_get_item;
}

static void
ld_count_list_finalize (GObject *object)
{
  LdCountList *self = LD_COUNT_LIST (object);

  g_clear_object (&self->store);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->by_id, g_hash_table_unref);

  G_OBJECT_CLASS (ld_count_list_parent_class)->finalize (object);
}

static void
ld_count_list_class_init (LdCountListClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ld_count_list_finalize;
}

static void
ld_count_list_init (LdCountList *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_id = g_hash_table_new (NULL, NULL);
}

LdCountList *
ld_count_list_new (LdStore        *store,
                   LdStoreCounted  field)
{
  LdCountList *self = g_object_new (LD_TYPE_COUNT_LIST, NULL);

  self->store = g_object_ref (store);
  self->field = field;
  ld_count_list_update (self);

  return self;
}

/**
 * ld_count_list_update:
 * @self: a count list
 *
 * Brings counts up to date and appends values seen for the first time, in
 * one ::items-changed. It costs a pass over the distinct values of the
 * field, not over the records.
 */
void
ld_count_list_update (LdCountList *self)
{
  guint n_ids = ld_store_get_n_ids (self->store, self->field);
  guint old_len = self->items->len;

  for (guint32 id = 1; id < n_ids; id++)
    {
      guint count = ld_store_get_id_count (self->store, self->field, id);
      LdCountItem *item = g_hash_table_lookup (self->by_id, GUINT_TO_POINTER (id));

      if (item == NULL && count > 0)
        {
          item = g_object_new (LD_TYPE_COUNT_ITEM, NULL);
          item->id = id;
          g_ptr_array_add (self->items, item);
          g_hash_table_insert (self->by_id, GUINT_TO_POINTER (id), item);
        }
      if (item != NULL && item->count != count)
        {
          item->count = count;
          g_object_notify_by_pspec (G_OBJECT (item), item_properties[ITEM_PROP_COUNT]);
        }
    }

  if (self->items->len > old_len)
    g_list_model_items_changed (G_LIST_MODEL (self), old_len, 0, self->items->len - old_len);
}
