// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "ld-store.h"

G_BEGIN_DECLS

/* The distinct values of one field of the kept records (threads,
 * connections) with how many records have each, for the sidebar. Items stay
 * once seen, so a selection of them survives updates. */

#define LD_TYPE_COUNT_ITEM (ld_count_item_get_type ())

G_DECLARE_FINAL_TYPE (LdCountItem, ld_count_item, LD, COUNT_ITEM, GObject)

const char *ld_count_item_get_name   (LdCountItem *self);
guint       ld_count_item_get_count  (LdCountItem *self);

#define LD_TYPE_COUNT_LIST (ld_count_list_get_type ())

G_DECLARE_FINAL_TYPE (LdCountList, ld_count_list, LD, COUNT_LIST, GObject)

LdCountList *ld_count_list_new     (LdStore        *store,
                                    LdStoreCounted  field);
void         ld_count_list_update  (LdCountList    *self);

G_END_DECLS
