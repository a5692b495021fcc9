// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include "ld-count-list.h"
#include "ld-logger-tree.h"

static void
add (LdStore    *store,
     const char *logger,
     guint       count)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();

  for (guint i = 0; i < count; i++)
    {
      LdRecordFields fields = { .level = 20, .logger = logger, .message = "m" };
      ld_batch_add (batch, &fields);
    }
  ld_store_append_batch (store, batch);
}

static LdLoggerNode *
child (GListModel *model,
       guint       position)
{
  LdLoggerNode *node = g_list_model_get_item (model, position);

  g_object_unref (node);  /* the model keeps it */
  return node;
}

static void
test_hierarchy (void)
{
  g_autoptr(LdStore) store = ld_store_new (100);
  g_autoptr(LdLoggerTree) tree = NULL;
  GListModel *roots, *acme, *api;

  add (store, "acme.api", 3);
  add (store, "acme.api.auth", 2);
  add (store, "acme.db", 4);
  add (store, "websockets.server", 5);
  add (store, "acme", 1);
  tree = ld_logger_tree_new (store);

  roots = ld_logger_tree_get_roots (tree);
  g_assert_cmpuint (g_list_model_get_n_items (roots), ==, 2);
  g_assert_cmpstr (ld_logger_node_get_path (child (roots, 0)), ==, "acme");
  g_assert_cmpuint (ld_logger_node_get_count (child (roots, 0)), ==, 10);
  g_assert_cmpstr (ld_logger_node_get_path (child (roots, 1)), ==, "websockets");
  g_assert_cmpuint (ld_logger_node_get_count (child (roots, 1)), ==, 5);

  acme = ld_logger_node_get_children (child (roots, 0));
  g_assert_cmpuint (g_list_model_get_n_items (acme), ==, 2);
  g_assert_cmpstr (ld_logger_node_get_name (child (acme, 0)), ==, "api");
  g_assert_cmpuint (ld_logger_node_get_count (child (acme, 0)), ==, 5);
  api = ld_logger_node_get_children (child (acme, 0));
  g_assert_cmpstr (ld_logger_node_get_path (child (api, 0)), ==, "acme.api.auth");
  g_assert_null (ld_logger_node_get_children (child (api, 0)));

  /* Eviction lowers counts; the nodes stay. */
  ld_store_set_max_records (store, 5);
  ld_logger_tree_update (tree);
  g_assert_cmpuint (ld_logger_node_get_count (child (roots, 0)), ==, 0 + 1 + 0);
  g_assert_cmpuint (ld_logger_node_get_count (child (roots, 1)), ==, 4);
}

static void
test_count_list (void)
{
  g_autoptr(LdStore) store = ld_store_new (100);
  g_autoptr(LdCountList) list = NULL;
  g_autoptr(LdBatch) batch = ld_batch_new ();
  const char *threads[] = { "MainThread", "Worker-1", "MainThread", "Worker-2", "MainThread" };
  LdCountItem *item;

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      LdRecordFields fields = { .level = 20, .thread = threads[i], .message = "m" };
      ld_batch_add (batch, &fields);
    }
  ld_store_append_batch (store, batch);
  list = ld_count_list_new (store, LD_STORE_COUNT_THREAD);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 3);
  item = g_list_model_get_item (G_LIST_MODEL (list), 0);
  g_assert_cmpstr (ld_count_item_get_name (item), ==, "MainThread");
  g_assert_cmpuint (ld_count_item_get_count (item), ==, 3);

  ld_store_set_max_records (store, 2);
  ld_count_list_update (list);
  g_assert_cmpuint (ld_count_item_get_count (item), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 3);
  g_object_unref (item);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/logger-tree/hierarchy", test_hierarchy);
  g_test_add_func ("/logger-tree/count-list", test_count_list);
  return g_test_run ();
}
