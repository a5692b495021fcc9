// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "ld-field-stats.h"
#include "ld-filter-model.h"

G_BEGIN_DECLS

#define LD_TYPE_FIELDS_PAGE (ld_fields_page_get_type ())

G_DECLARE_FINAL_TYPE (LdFieldsPage, ld_fields_page, LD, FIELDS_PAGE, AdwBin)

void          ld_fields_page_set_model  (LdFieldsPage  *self,
                                         LdFilterModel *shown);
void          ld_fields_page_select     (LdFieldsPage  *self,
                                         LdStatsField   field,
                                         const char    *key);
void          ld_fields_page_refresh    (LdFieldsPage  *self);
LdFieldStats *ld_fields_page_get_stats  (LdFieldsPage  *self);

G_END_DECLS
