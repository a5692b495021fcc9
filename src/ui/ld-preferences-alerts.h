// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define LD_TYPE_PREFERENCES_ALERTS_PAGE (ld_preferences_alerts_page_get_type ())

G_DECLARE_FINAL_TYPE (LdPreferencesAlertsPage, ld_preferences_alerts_page, LD,
                      PREFERENCES_ALERTS_PAGE, AdwPreferencesPage)

AdwPreferencesPage *ld_preferences_alerts_page_new (GSettings *settings);

G_END_DECLS
