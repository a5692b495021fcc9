// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ingest"

#include "config.h"

#include "ld-connection-private.h"
#include "ld-connection-registry.h"

/* The list of endpoints and connections that the sources panel shows.
 *
 * The registry belongs to the thread that made it (the UI thread), where its
 * items change and its signals are emitted. Producers on the ingest thread
 * report snapshots instead: they queue up, newer ones replacing older ones of
 * the same id, and the owner's context is woken once to apply all of them.
 * That keeps the cost per wake-up bounded by the number of connections, not
 * by the number of records they carry. */

typedef struct
{
  LdConnectionInfo info;   /* its strings are owned */
} Update;

struct _LdConnectionRegistry
{
  GObject       parent_instance;

  GMainContext *owner_context;
  GThread      *owner_thread;
  GPtrArray    *items;        /* LdConnection, in order of first report */
  GHashTable   *by_id;        /* id → LdConnection, borrowed from @items */
  guint         max_closed;

  GMutex        lock;
  GHashTable   *pending;      /* id → Update */
  GPtrArray    *pending_ids;  /* the keys of @pending, in order of first report */
  GSource      *idle;
};

enum {
  PROP_0,
  PROP_MAX_CLOSED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LdConnectionRegistry, ld_connection_registry, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GType
registry_get_item_type (GListModel *model)
{
  return LD_TYPE_CONNECTION;
}

static guint
registry_get_n_items (GListModel *model)
{
  return LD_CONNECTION_REGISTRY (model)->items->len;
}

static gpointer
registry_get_item (GListModel *model,
                   guint       position)
{
  LdConnectionRegistry *self = LD_CONNECTION_REGISTRY (model);

  if (position >= self->items->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = registry_get_item_type;
  iface->get_n_items = registry_get_n_items;
  iface->get_item = registry_get_item;
}

static void
update_free (Update *update)
{
  g_free ((char *) update->info.id);
  g_free ((char *) update->info.protocol);
  g_free ((char *) update->info.address);
  g_free ((char *) update->info.last_error);
  g_free (update);
}

static void
ld_connection_registry_finalize (GObject *object)
{
  LdConnectionRegistry *self = LD_CONNECTION_REGISTRY (object);

  if (self->idle != NULL)
    {
      g_source_destroy (self->idle);
      g_clear_pointer (&self->idle, g_source_unref);
    }
  g_hash_table_unref (self->pending);
  g_ptr_array_unref (self->pending_ids);
  g_hash_table_unref (self->by_id);
  g_ptr_array_unref (self->items);
  g_main_context_unref (self->owner_context);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (ld_connection_registry_parent_class)->finalize (object);
}

static void
ld_connection_registry_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  LdConnectionRegistry *self = LD_CONNECTION_REGISTRY (object);

  switch (prop_id)
    {
    case PROP_MAX_CLOSED:
      g_value_set_uint (value, self->max_closed);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ld_connection_registry_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  LdConnectionRegistry *self = LD_CONNECTION_REGISTRY (object);

  switch (prop_id)
    {
    case PROP_MAX_CLOSED:
      ld_connection_registry_set_max_closed (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ld_connection_registry_class_init (LdConnectionRegistryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ld_connection_registry_finalize;
  object_class->get_property = ld_connection_registry_get_property;
  object_class->set_property = ld_connection_registry_set_property;

  properties[PROP_MAX_CLOSED] =
    g_param_spec_uint ("max-closed", NULL, NULL,
                       0, G_MAXUINT, LD_CONNECTION_REGISTRY_DEFAULT_MAX_CLOSED,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ld_connection_registry_init (LdConnectionRegistry *self)
{
  self->owner_context = g_main_context_ref_thread_default ();
  self->owner_thread = g_thread_self ();
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->max_closed = LD_CONNECTION_REGISTRY_DEFAULT_MAX_CLOSED;
  g_mutex_init (&self->lock);
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) update_free);
  self->pending_ids = g_ptr_array_new ();
}

/**
 * ld_connection_registry_new:
 *
 * The registry belongs to the calling thread and its thread-default main
 * context: its items change there, however many threads report to it.
 *
 * Returns: (transfer full): a new, empty registry
 */
LdConnectionRegistry *
ld_connection_registry_new (void)
{
  return g_object_new (LD_TYPE_CONNECTION_REGISTRY, NULL);
}


/* Forgets the oldest finished connections beyond the limit, so that a
 * program that reconnects for every record cannot grow the list forever. */
static void
prune_finished (LdConnectionRegistry *self)
{
  guint n_finished = 0;

  for (guint i = 0; i < self->items->len; i++)
    n_finished += ld_connection_is_finished (g_ptr_array_index (self->items, i));

  for (guint i = 0; i < self->items->len && n_finished > self->max_closed;)
    {
      LdConnection *connection = g_ptr_array_index (self->items, i);

      if (!ld_connection_is_finished (connection))
        {
          i++;
          continue;
        }

      g_hash_table_remove (self->by_id, ld_connection_get_id (connection));
      g_ptr_array_remove_index (self->items, i);
      n_finished--;
      g_list_model_items_changed (G_LIST_MODEL (self), i, 1, 0);
    }
}

static GPtrArray *
steal_pending (LdConnectionRegistry *self)
{
  GPtrArray *updates = g_ptr_array_new_with_free_func ((GDestroyNotify) update_free);

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->pending_ids->len; i++)
    {
      const char *id = g_ptr_array_index (self->pending_ids, i);
      Update *update = NULL;

      g_hash_table_steal_extended (self->pending, id, NULL, (gpointer *) &update);
      g_ptr_array_add (updates, update);
    }
  g_ptr_array_set_size (self->pending_ids, 0);
  if (self->idle != NULL)
    {
      g_source_destroy (self->idle);
      g_clear_pointer (&self->idle, g_source_unref);
    }
  g_mutex_unlock (&self->lock);

  return updates;
}

/**
 * ld_connection_registry_flush:
 * @self: a registry
 *
 * Applies every report queued so far. The registry does this by itself when
 * its context runs; call it on the owner's thread to see the latest now.
 */
void
ld_connection_registry_flush (LdConnectionRegistry *self)
{
  g_autoptr(GPtrArray) updates = NULL;
  guint old_len;

  g_return_if_fail (LD_IS_CONNECTION_REGISTRY (self));

  updates = steal_pending (self);
  if (updates->len == 0)
    return;

  old_len = self->items->len;
  for (guint i = 0; i < updates->len; i++)
    {
      const LdConnectionInfo *info = &((Update *) g_ptr_array_index (updates, i))->info;
      LdConnection *connection = g_hash_table_lookup (self->by_id, info->id);

      if (connection != NULL)
        {
          ld_connection_update (connection, info);
          continue;
        }

      connection = ld_connection_new (info);
      g_ptr_array_add (self->items, connection);
      g_hash_table_insert (self->by_id, (char *) ld_connection_get_id (connection), connection);
    }

  if (self->items->len > old_len)
    g_list_model_items_changed (G_LIST_MODEL (self), old_len, 0, self->items->len - old_len);
  prune_finished (self);
}

static gboolean
flush_idle (gpointer user_data)
{
  ld_connection_registry_flush (user_data);
  return G_SOURCE_REMOVE;
}

static void
merge_string (const char **field,
              const char  *value)
{
  if (value == NULL)
    return;

  g_free ((char *) *field);
  *field = g_strdup (value);
}

static void
queue_locked (LdConnectionRegistry   *self,
              const LdConnectionInfo *info)
{
  Update *update = g_hash_table_lookup (self->pending, info->id);
  LdConnectionInfo kept = { 0 };

  if (update == NULL)
    {
      update = g_new0 (Update, 1);
      update->info.id = g_strdup (info->id);
      g_hash_table_insert (self->pending, (char *) update->info.id, update);
      g_ptr_array_add (self->pending_ids, (char *) update->info.id);
    }

  /* The owned strings stay unless the newer snapshot has its own. */
  kept = update->info;
  update->info = *info;
  update->info.id = kept.id;
  update->info.protocol = kept.protocol;
  update->info.address = kept.address;
  update->info.last_error = kept.last_error;
  merge_string (&update->info.protocol, info->protocol);
  merge_string (&update->info.address, info->address);
  merge_string (&update->info.last_error, info->last_error);
}

/**
 * ld_connection_registry_report:
 * @self: a registry
 * @info: a snapshot of one endpoint or connection, named by its id
 *
 * Adds the endpoint or connection, or updates it. May be called from any
 * thread: reports from other threads are applied on the owner's context,
 * in the order they were made; on the owner's thread they apply at once.
 */
void
ld_connection_registry_report (LdConnectionRegistry   *self,
                               const LdConnectionInfo *info)
{
  gboolean here = g_thread_self () == self->owner_thread;

  g_return_if_fail (LD_IS_CONNECTION_REGISTRY (self));
  g_return_if_fail (info != NULL && info->id != NULL);

  g_mutex_lock (&self->lock);
  queue_locked (self, info);
  if (!here && self->idle == NULL)
    {
      self->idle = g_idle_source_new ();
      g_source_set_static_name (self->idle, "[logdeck] connection registry");
      g_source_set_callback (self->idle, flush_idle, self, NULL);
      g_source_attach (self->idle, self->owner_context);
    }
  g_mutex_unlock (&self->lock);

  if (here)
    ld_connection_registry_flush (self);
}

/**
 * ld_connection_registry_lookup:
 * @self: a registry
 * @id: an id such as "tcp-3" or "udp"
 *
 * Returns: (transfer none) (nullable): the endpoint or connection
 */
LdConnection *
ld_connection_registry_lookup (LdConnectionRegistry *self,
                               const char           *id)
{
  g_return_val_if_fail (LD_IS_CONNECTION_REGISTRY (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  return g_hash_table_lookup (self->by_id, id);
}

guint
ld_connection_registry_get_max_closed (LdConnectionRegistry *self)
{
  g_return_val_if_fail (LD_IS_CONNECTION_REGISTRY (self), 0);

  return self->max_closed;
}

/**
 * ld_connection_registry_set_max_closed:
 * @self: a registry
 * @max_closed: how many closed connections to keep listed
 */
void
ld_connection_registry_set_max_closed (LdConnectionRegistry *self,
                                       guint                 max_closed)
{
  g_return_if_fail (LD_IS_CONNECTION_REGISTRY (self));

  if (self->max_closed == max_closed)
    return;

  self->max_closed = max_closed;
  prune_finished (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_CLOSED]);
}
