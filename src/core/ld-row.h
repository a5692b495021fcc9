// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib-object.h>

#include "ld-record.h"

G_BEGIN_DECLS

typedef struct _LdStore LdStore;

#define LD_TYPE_ROW (ld_row_get_type ())

G_DECLARE_FINAL_TYPE (LdRow, ld_row, LD, ROW, GObject)

LdRow          *ld_row_new         (LdStore *store,
                                    guint64  seq);
guint64         ld_row_get_seq     (LdRow   *self);
LdStore        *ld_row_get_store   (LdRow   *self);
const LdRecord *ld_row_get_record  (LdRow   *self);

G_END_DECLS
