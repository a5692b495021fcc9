// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "ld-connection-registry.h"
#include "ld-filter-model.h"
#include "ld-store.h"

G_BEGIN_DECLS

#define LD_TYPE_SIDEBAR (ld_sidebar_get_type ())

G_DECLARE_FINAL_TYPE (LdSidebar, ld_sidebar, LD, SIDEBAR, AdwBin)

void    ld_sidebar_set_sources            (LdSidebar            *self,
                                           LdStore              *store,
                                           LdConnectionRegistry *registry);
void    ld_sidebar_set_view               (LdSidebar            *self,
                                           LdFilterModel        *shown,
                                           GSettings            *settings);
GStrv   ld_sidebar_dup_excluded_loggers   (LdSidebar            *self);
void    ld_sidebar_set_logger_excluded    (LdSidebar            *self,
                                           const char           *path,
                                           gboolean              excluded);
GStrv   ld_sidebar_dup_selected           (LdSidebar            *self,
                                           LdStoreCounted        field);
void    ld_sidebar_reset                  (LdSidebar            *self);
void    ld_sidebar_update                 (LdSidebar            *self);

G_END_DECLS
