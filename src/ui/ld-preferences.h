// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define LD_TYPE_PREFERENCES (ld_preferences_get_type ())

G_DECLARE_FINAL_TYPE (LdPreferences, ld_preferences, LD, PREFERENCES, AdwPreferencesWindow)

GtkWidget *ld_preferences_new (GtkWindow *parent,
                               GSettings *settings);

G_END_DECLS
