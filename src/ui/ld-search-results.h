// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "ld-filter-model.h"
#include "ld-query.h"

G_BEGIN_DECLS

/* The results of "Search the whole session": the matches read from the
 * session's archive, in a table with the window's own columns and a detail
 * pane, under a bar that says how far the search got. */

#define LD_TYPE_SEARCH_RESULTS (ld_search_results_get_type ())

G_DECLARE_FINAL_TYPE (LdSearchResults, ld_search_results, LD, SEARCH_RESULTS, GtkBox)

GtkWidget     *ld_search_results_new          (GtkColumnView    *columns_like);
void           ld_search_results_start        (LdSearchResults  *self,
                                               const char       *path,
                                               LdQuery          *query,
                                               guint64           wait_for_seq,
                                               GArray           *marked,
                                               guint             max_records);
void           ld_search_results_stop         (LdSearchResults  *self);
void           ld_search_results_reset        (LdSearchResults  *self);
gboolean       ld_search_results_get_running  (LdSearchResults  *self);
LdFilterModel *ld_search_results_get_model    (LdSearchResults  *self);

G_END_DECLS
