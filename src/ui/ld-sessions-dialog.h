// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "ld-application.h"

G_BEGIN_DECLS

#define LD_TYPE_SESSIONS_DIALOG (ld_sessions_dialog_get_type ())

G_DECLARE_FINAL_TYPE (LdSessionsDialog, ld_sessions_dialog, LD, SESSIONS_DIALOG, AdwWindow)

GtkWidget *ld_sessions_dialog_new (GtkWindow     *parent,
                                   LdApplication *application);

G_END_DECLS
