// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "ld-store.h"

G_BEGIN_DECLS

#define LD_TYPE_LIVE_MODEL (ld_live_model_get_type ())

G_DECLARE_FINAL_TYPE (LdLiveModel, ld_live_model, LD, LIVE_MODEL, GObject)

LdLiveModel *ld_live_model_new         (LdStore     *store);
LdStore     *ld_live_model_get_store   (LdLiveModel *self);
gboolean     ld_live_model_get_frozen  (LdLiveModel *self);
void         ld_live_model_set_frozen  (LdLiveModel *self,
                                        gboolean     frozen);
guint64      ld_live_model_get_seq     (LdLiveModel *self,
                                        guint        position);

G_END_DECLS
