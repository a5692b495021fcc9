// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ld-connection.h"

G_BEGIN_DECLS

/* Only the registry makes and changes connections, on its owner's thread. */
LdConnection *ld_connection_new     (const LdConnectionInfo *info);
void          ld_connection_update  (LdConnection           *self,
                                     const LdConnectionInfo *info);

G_END_DECLS
