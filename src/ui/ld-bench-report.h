// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gtk/gtk.h>

#include "ld-store.h"

G_BEGIN_DECLS

void ld_bench_report_attach (GtkWidget *window,
                             LdStore   *store);

G_END_DECLS
