// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "ld-demo.h"
#include "ld-session.h"

G_BEGIN_DECLS

#define LD_TYPE_APPLICATION (ld_application_get_type ())

G_DECLARE_FINAL_TYPE (LdApplication, ld_application, LD, APPLICATION, AdwApplication)

LdApplication *ld_application_new               (void);
LdSession     *ld_application_get_session       (LdApplication *self);
LdStore       *ld_application_get_store         (LdApplication *self);
LdHandoff     *ld_application_get_handoff       (LdApplication *self);
LdDemo        *ld_application_get_demo          (LdApplication *self);
GSettings     *ld_application_get_settings      (LdApplication *self);
gboolean       ld_application_get_paused        (LdApplication *self);

G_END_DECLS
