// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "ld-export.h"
#include "ld-filter-model.h"
#include "ld-marks.h"

G_BEGIN_DECLS

#define LD_TYPE_EXPORT_DIALOG (ld_export_dialog_get_type ())

G_DECLARE_FINAL_TYPE (LdExportDialog, ld_export_dialog, LD, EXPORT_DIALOG, AdwWindow)

GtkWidget        *ld_export_dialog_new           (GtkWindow     *parent,
                                                  LdFilterModel *shown);
LdExportSnapshot *ld_export_snapshot_for_model   (LdFilterModel *shown,
                                                  gboolean       only_shown);
LdExportSnapshot *ld_export_snapshot_for_marks   (LdStore       *store,
                                                  LdMarks       *marks);
void              ld_export_dialog_set_marks     (LdExportDialog *self,
                                                  LdMarks        *marks);

G_END_DECLS
