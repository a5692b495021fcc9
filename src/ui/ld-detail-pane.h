// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "ld-row.h"

G_BEGIN_DECLS

#define LD_TYPE_DETAIL_PANE (ld_detail_pane_get_type ())

G_DECLARE_FINAL_TYPE (LdDetailPane, ld_detail_pane, LD, DETAIL_PANE, AdwBin)

GtkWidget *ld_detail_pane_new      (void);
void       ld_detail_pane_set_row  (LdDetailPane *self,
                                    LdRow        *row);
LdRow     *ld_detail_pane_get_row  (LdDetailPane *self);
char      *ld_detail_pane_get_text (LdDetailPane *self);

G_END_DECLS
