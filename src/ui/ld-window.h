// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "ld-application.h"
#include "ld-filter-model.h"

G_BEGIN_DECLS

#define LD_TYPE_WINDOW (ld_window_get_type ())

G_DECLARE_FINAL_TYPE (LdWindow, ld_window, LD, WINDOW, AdwApplicationWindow)

LdWindow      *ld_window_new             (LdApplication *application);
void           ld_window_show_demo       (LdWindow      *self);
LdFilterModel   *ld_window_get_model       (LdWindow      *self);
GtkColumnView *ld_window_get_column_view (LdWindow      *self);
gboolean       ld_window_get_following   (LdWindow      *self);

G_END_DECLS
