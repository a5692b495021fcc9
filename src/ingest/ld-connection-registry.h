// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "ld-connection.h"

G_BEGIN_DECLS

/* Closed connections kept for the sources panel; endpoints and open
 * connections are always kept. */
#define LD_CONNECTION_REGISTRY_DEFAULT_MAX_CLOSED 500

#define LD_TYPE_CONNECTION_REGISTRY (ld_connection_registry_get_type ())

G_DECLARE_FINAL_TYPE (LdConnectionRegistry, ld_connection_registry, LD, CONNECTION_REGISTRY,
                      GObject)

LdConnectionRegistry *ld_connection_registry_new             (void);
void                  ld_connection_registry_report          (LdConnectionRegistry   *self,
                                                              const LdConnectionInfo *info);
void                  ld_connection_registry_flush           (LdConnectionRegistry   *self);
LdConnection         *ld_connection_registry_lookup          (LdConnectionRegistry   *self,
                                                              const char             *id);
guint                 ld_connection_registry_get_max_closed  (LdConnectionRegistry   *self);
void                  ld_connection_registry_set_max_closed  (LdConnectionRegistry   *self,
                                                              guint                   max_closed);

G_END_DECLS
