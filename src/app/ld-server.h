// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "ld-session.h"

G_BEGIN_DECLS

#define LD_TYPE_SERVER (ld_server_get_type ())

G_DECLARE_FINAL_TYPE (LdServer, ld_server, LD, SERVER, GApplication)

LdServer  *ld_server_new          (void);
LdSession *ld_server_get_session  (LdServer *self);

G_END_DECLS
