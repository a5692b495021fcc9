// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "ld-store.h"

G_BEGIN_DECLS

/* Saved queries, each with a live count of the store's records it matches,
 * and the pure helpers the window uses to keep saved queries (a(ss), name
 * and query) and the filter's history (as, newest first) in the settings. */

#define LD_QUERY_HISTORY_MAX 50

#define LD_TYPE_SAVED_QUERIES (ld_saved_queries_get_type ())

G_DECLARE_FINAL_TYPE (LdSavedQueries, ld_saved_queries, LD, SAVED_QUERIES, GObject)

LdSavedQueries *ld_saved_queries_new         (LdStore         *store);
void            ld_saved_queries_set         (LdSavedQueries  *self,
                                              GVariant        *saved);
guint           ld_saved_queries_get_n       (LdSavedQueries  *self);
const char     *ld_saved_queries_get_name    (LdSavedQueries  *self,
                                              guint            index);
const char     *ld_saved_queries_get_text    (LdSavedQueries  *self,
                                              guint            index);
gboolean        ld_saved_queries_get_valid   (LdSavedQueries  *self,
                                              guint            index);
guint           ld_saved_queries_get_count   (LdSavedQueries  *self,
                                              guint            index);
guint64         ld_saved_queries_get_pending (LdSavedQueries  *self);
void            ld_saved_queries_flush       (LdSavedQueries  *self);

GVariant       *ld_saved_queries_with        (GVariant        *saved,
                                              const char      *name,
                                              const char      *text);
GVariant       *ld_saved_queries_without     (GVariant        *saved,
                                              const char      *name);
GVariant       *ld_saved_queries_renamed     (GVariant        *saved,
                                              const char      *name,
                                              const char      *new_name);
char           *ld_saved_queries_combine     (const char *const *texts);

char          **ld_query_history_add         (const char *const *history,
                                              const char      *text,
                                              guint            max);

G_END_DECLS
