// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "ld-store.h"

G_BEGIN_DECLS

/* The loggers of the kept records as the logging hierarchy sees them:
 * "acme.api.auth" is a child of "acme.api", itself a child of "acme". Each
 * node counts the records of its whole subtree. */

#define LD_TYPE_LOGGER_NODE (ld_logger_node_get_type ())

G_DECLARE_FINAL_TYPE (LdLoggerNode, ld_logger_node, LD, LOGGER_NODE, GObject)

const char *ld_logger_node_get_name      (LdLoggerNode *self);
const char *ld_logger_node_get_path      (LdLoggerNode *self);
guint       ld_logger_node_get_count     (LdLoggerNode *self);
GListModel *ld_logger_node_get_children  (LdLoggerNode *self);

#define LD_TYPE_LOGGER_TREE (ld_logger_tree_get_type ())

G_DECLARE_FINAL_TYPE (LdLoggerTree, ld_logger_tree, LD, LOGGER_TREE, GObject)

LdLoggerTree *ld_logger_tree_new      (LdStore      *store);
GListModel   *ld_logger_tree_get_roots (LdLoggerTree *self);
void          ld_logger_tree_update   (LdLoggerTree *self);

G_END_DECLS
