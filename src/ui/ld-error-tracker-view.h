// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "ld-error-groups.h"

G_BEGIN_DECLS

#define LD_TYPE_ERROR_TRACKER_VIEW (ld_error_tracker_view_get_type ())

G_DECLARE_FINAL_TYPE (LdErrorTrackerView, ld_error_tracker_view, LD, ERROR_TRACKER_VIEW, AdwBin)

GtkWidget     *ld_error_tracker_view_new               (void);
LdErrorGroups *ld_error_tracker_view_get_groups        (LdErrorTrackerView *self);
void           ld_error_tracker_view_set_groups        (LdErrorTrackerView *self,
                                                        LdErrorGroups      *groups);
gboolean       ld_error_tracker_view_get_sort_by_count (LdErrorTrackerView *self);
void           ld_error_tracker_view_set_sort_by_count (LdErrorTrackerView *self,
                                                        gboolean            sort_by_count);
GListModel    *ld_error_tracker_view_get_model         (LdErrorTrackerView *self);

G_END_DECLS
