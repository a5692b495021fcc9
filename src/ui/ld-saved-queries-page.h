// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "ld-saved-queries.h"

G_BEGIN_DECLS

#define LD_TYPE_SAVED_QUERIES_PAGE (ld_saved_queries_page_get_type ())

G_DECLARE_FINAL_TYPE (LdSavedQueriesPage, ld_saved_queries_page, LD, SAVED_QUERIES_PAGE, AdwBin)

void            ld_saved_queries_page_set_store   (LdSavedQueriesPage *self,
                                                   LdStore            *store,
                                                   GSettings          *settings);
LdSavedQueries *ld_saved_queries_page_get_queries (LdSavedQueriesPage *self);

void            ld_saved_queries_ask_save         (GtkWindow          *parent,
                                                   GSettings          *settings,
                                                   const char         *query);

G_END_DECLS
