// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <string.h>

#include "ld-logger-tree.h"

struct _LdLoggerNode
{
  GObject     parent_instance;

  char       *name;       /* the last part: "auth" */
  char       *path;       /* the whole name: "acme.api.auth" */
  guint       count;
  GListStore *children;   /* LdLoggerNode, sorted by name */
  LdLoggerNode *parent;   /* not a reference: a parent outlives its children */
};

enum {
  NODE_PROP_0,
  NODE_PROP_COUNT,
  NODE_N_PROPS
};

static GParamSpec *node_properties[NODE_N_PROPS];

G_DEFINE_FINAL_TYPE (LdLoggerNode, ld_logger_node, G_TYPE_OBJECT)

static void
ld_logger_node_finalize (GObject *object)
{
  LdLoggerNode *self = LD_LOGGER_NODE (object);

  g_free (self->name);
  g_free (self->path);
  g_clear_object (&self->children);

  G_OBJECT_CLASS (ld_logger_node_parent_class)->finalize (object);
}

static void
ld_logger_node_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  switch (prop_id)
    {
    case NODE_PROP_COUNT:
      g_value_set_uint (value, LD_LOGGER_NODE (object)->count);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ld_logger_node_class_init (LdLoggerNodeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ld_logger_node_finalize;
  object_class->get_property = ld_logger_node_get_property;

  node_properties[NODE_PROP_COUNT] =
    g_param_spec_uint ("count", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, NODE_N_PROPS, node_properties);
}

static void
ld_logger_node_init (LdLoggerNode *self)
{
  self->children = g_list_store_new (LD_TYPE_LOGGER_NODE);
}

static LdLoggerNode *
ld_logger_node_new (const char *name,
                    const char *path)
{
  LdLoggerNode *self = g_object_new (LD_TYPE_LOGGER_NODE, NULL);

  self->name = g_strdup (name);
  self->path = g_strdup (path);

  return self;
}

const char *
ld_logger_node_get_name (LdLoggerNode *self)
{
  g_return_val_if_fail (LD_IS_LOGGER_NODE (self), NULL);

  return self->name;
}

const char *
ld_logger_node_get_path (LdLoggerNode *self)
{
  g_return_val_if_fail (LD_IS_LOGGER_NODE (self), NULL);

  return self->path;
}

guint
ld_logger_node_get_count (LdLoggerNode *self)
{
  g_return_val_if_fail (LD_IS_LOGGER_NODE (self), 0);

  return self->count;
}

/**
 * ld_logger_node_get_children:
 * @self: a node
 *
 * Returns: (transfer none): the node's children, or %NULL for a leaf, as
 *   GtkTreeListModel wants
 */
GListModel *
ld_logger_node_get_children (LdLoggerNode *self)
{
  g_return_val_if_fail (LD_IS_LOGGER_NODE (self), NULL);

  return g_list_model_get_n_items (G_LIST_MODEL (self->children)) > 0
         ? G_LIST_MODEL (self->children) : NULL;
}

struct _LdLoggerTree
{
  GObject     parent_instance;

  LdStore    *store;
  LdLoggerNode *root;     /* holds the top-level nodes as its children */
  GHashTable *nodes;      /* path → LdLoggerNode */
  GHashTable *counts;     /* path → guint, during an update */
};

G_DEFINE_FINAL_TYPE (LdLoggerTree, ld_logger_tree, G_TYPE_OBJECT)

static void
ld_logger_tree_finalize (GObject *object)
{
  LdLoggerTree *self = LD_LOGGER_TREE (object);

  g_clear_object (&self->store);
  g_clear_object (&self->root);
  g_clear_pointer (&self->nodes, g_hash_table_unref);
  g_clear_pointer (&self->counts, g_hash_table_unref);

  G_OBJECT_CLASS (ld_logger_tree_parent_class)->finalize (object);
}

static void
ld_logger_tree_class_init (LdLoggerTreeClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ld_logger_tree_finalize;
}

static void
ld_logger_tree_init (LdLoggerTree *self)
{
  self->root = ld_logger_node_new ("", "");
  self->nodes = g_hash_table_new (g_str_hash, g_str_equal);
  self->counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

LdLoggerTree *
ld_logger_tree_new (LdStore *store)
{
  LdLoggerTree *self = g_object_new (LD_TYPE_LOGGER_TREE, NULL);

  self->store = g_object_ref (store);
  ld_logger_tree_update (self);

  return self;
}

GListModel *
ld_logger_tree_get_roots (LdLoggerTree *self)
{
  g_return_val_if_fail (LD_IS_LOGGER_TREE (self), NULL);

  return G_LIST_MODEL (self->root->children);
}

static int
compare_nodes (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  return g_utf8_collate (LD_LOGGER_NODE ((gpointer) a)->name, LD_LOGGER_NODE ((gpointer) b)->name);
}

/* A leaf that gets its first child is put back in its place, so that a tree
 * list model asks again whether it has children. */
static void
replace_in_parent (LdLoggerNode *node)
{
  g_autoptr(LdLoggerNode) keep = g_object_ref (node);
  guint position;

  /* The store holds the only reference: keep one while it swaps. */
  if (g_list_store_find (node->parent->children, node, &position))
    g_list_store_splice (node->parent->children, position, 1, (gpointer *) &keep, 1);
}

static LdLoggerNode *
ensure_node (LdLoggerTree *self,
             const char   *path,
             gsize         length)
{
  g_autofree char *key = g_strndup (path, length);
  LdLoggerNode *node = g_hash_table_lookup (self->nodes, key);
  const char *dot;
  LdLoggerNode *parent;

  if (node != NULL)
    return node;

  dot = g_strrstr_len (path, length, ".");
  parent = dot != NULL ? ensure_node (self, path, dot - path) : self->root;
  node = ld_logger_node_new (dot != NULL ? key + (dot - path) + 1 : key, key);
  node->parent = parent;
  g_list_store_insert_sorted (parent->children, node, compare_nodes, NULL);
  g_hash_table_insert (self->nodes, node->path, node);
  g_object_unref (node);

  if (parent != self->root && g_list_model_get_n_items (G_LIST_MODEL (parent->children)) == 1)
    replace_in_parent (parent);

  return node;
}

/* Each logger's count goes to itself and every ancestor. */
static void
add_count (LdLoggerTree *self,
           const char   *path,
           guint         count)
{
  gsize length = strlen (path);

  ensure_node (self, path, length);
  for (;;)
    {
      g_autofree char *key = g_strndup (path, length);
      const char *dot = g_strrstr_len (path, length, ".");
      guint old = GPOINTER_TO_UINT (g_hash_table_lookup (self->counts, key));

      g_hash_table_insert (self->counts, g_steal_pointer (&key), GUINT_TO_POINTER (old + count));
      if (dot == NULL)
        break;
      length = dot - path;
    }
}

static void
apply_counts (LdLoggerTree *self)
{
  GHashTableIter iter;
  LdLoggerNode *node;

  g_hash_table_iter_init (&iter, self->nodes);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &node))
    {
      guint count = GPOINTER_TO_UINT (g_hash_table_lookup (self->counts, node->path));

      if (node->count != count)
        {
          node->count = count;
          g_object_notify_by_pspec (G_OBJECT (node), node_properties[NODE_PROP_COUNT]);
        }
    }
}

/**
 * ld_logger_tree_update:
 * @self: a logger tree
 *
 * Brings nodes and counts up to date with the store. Loggers whose records
 * were all evicted stay, with a count of 0. It costs one pass over the
 * distinct loggers, not over the records: call it once a second or so.
 */
void
ld_logger_tree_update (LdLoggerTree *self)
{
  guint n_ids;

  g_return_if_fail (LD_IS_LOGGER_TREE (self));

  g_hash_table_remove_all (self->counts);
  n_ids = ld_store_get_n_ids (self->store, LD_STORE_COUNT_LOGGER);
  for (guint32 id = 1; id < n_ids; id++)
    {
      guint count = ld_store_get_id_count (self->store, LD_STORE_COUNT_LOGGER, id);
      const char *path = ld_intern_lookup (id);

      if (count > 0 && path != NULL && *path != '\0')
        add_count (self, path, count);
    }

  apply_counts (self);
}
