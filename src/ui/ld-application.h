// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "ld-demo.h"
#include "ld-handoff.h"
#include "ld-store.h"

G_BEGIN_DECLS

#define LD_TYPE_APPLICATION (ld_application_get_type ())

G_DECLARE_FINAL_TYPE (LdApplication, ld_application, LD, APPLICATION, AdwApplication)

LdApplication *ld_application_new            (void);
LdStore       *ld_application_get_store      (LdApplication *self);
LdHandoff     *ld_application_get_handoff    (LdApplication *self);
LdDemo        *ld_application_get_demo       (LdApplication *self);
GSettings     *ld_application_get_settings   (LdApplication *self);
gboolean       ld_application_get_paused     (LdApplication *self);
gboolean       ld_application_get_headless   (LdApplication *self);
const char    *ld_application_get_listen_address (LdApplication *self);
guint          ld_application_get_port       (LdApplication *self,
                                              const char    *which);

GSettings     *ld_settings_new               (void);

G_END_DECLS
