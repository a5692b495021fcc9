// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "ld-connection-registry.h"

G_BEGIN_DECLS

#define LD_TYPE_SOURCES_PANEL (ld_sources_panel_get_type ())

G_DECLARE_FINAL_TYPE (LdSourcesPanel, ld_sources_panel, LD, SOURCES_PANEL, AdwBin)

GtkWidget *ld_sources_panel_new           (void);
void       ld_sources_panel_set_registry  (LdSourcesPanel       *self,
                                           LdConnectionRegistry *registry);

G_END_DECLS
