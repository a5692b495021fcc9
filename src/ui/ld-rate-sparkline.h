// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gtk/gtk.h>

#include "ld-connection-stats.h"

G_BEGIN_DECLS

#define LD_TYPE_RATE_SPARKLINE (ld_rate_sparkline_get_type ())
G_DECLARE_FINAL_TYPE (LdRateSparkline, ld_rate_sparkline, LD, RATE_SPARKLINE, GtkWidget)

GtkWidget *ld_rate_sparkline_new             (void);
void       ld_rate_sparkline_set_connection  (LdRateSparkline   *self,
                                              LdConnectionStats *stats,
                                              guint32            connection);

G_END_DECLS
