// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define LD_TYPE_DEMO (ld_demo_get_type ())

G_DECLARE_FINAL_TYPE (LdDemo, ld_demo, LD, DEMO, GObject)

LdDemo   *ld_demo_new             (void);
void      ld_demo_start           (LdDemo *self);
void      ld_demo_stop            (LdDemo *self);
gboolean  ld_demo_get_running     (LdDemo *self);
guint     ld_demo_get_n_logged    (LdDemo *self);
void      ld_demo_log_random      (LdDemo *self);
void      ld_demo_set_delay_range (LdDemo *self,
                                   guint   min_ms,
                                   guint   max_ms);

G_END_DECLS
