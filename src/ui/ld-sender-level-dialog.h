// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define LD_TYPE_SENDER_LEVEL_DIALOG (ld_sender_level_dialog_get_type ())

G_DECLARE_FINAL_TYPE (LdSenderLevelDialog, ld_sender_level_dialog, LD, SENDER_LEVEL_DIALOG,
                      AdwWindow)

GtkWidget  *ld_sender_level_dialog_new        (GtkWindow           *parent,
                                               GSettings           *settings,
                                               const char          *logger,
                                               const char *const   *hosts);
const char *ld_sender_level_dialog_get_status (LdSenderLevelDialog *self);
gboolean    ld_sender_level_dialog_get_busy   (LdSenderLevelDialog *self);

G_END_DECLS
