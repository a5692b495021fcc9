// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ld-handoff.h"
#include "ld-store.h"

G_BEGIN_DECLS

void ld_window_ramp_install (LdStore   *store,
                             LdHandoff *handoff);

G_END_DECLS
