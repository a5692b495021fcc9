// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The canonical scale is Python's; every other scale maps onto it. Any
 * integer is a valid level: these are only the named points. */
#define LD_LEVEL_NOTSET      0
#define LD_LEVEL_TRACE       5
#define LD_LEVEL_DEBUG      10
#define LD_LEVEL_INFO       20
#define LD_LEVEL_NOTICE     25
#define LD_LEVEL_WARNING    30
#define LD_LEVEL_ERROR      40
#define LD_LEVEL_CRITICAL   50
#define LD_LEVEL_ALERT      55
#define LD_LEVEL_EMERGENCY  60

gboolean     ld_level_parse_name      (const char *name,
                                       int        *levelno);
const char  *ld_level_canonical_name  (int         levelno);
char        *ld_level_display_name    (int         levelno);
const char  *ld_level_css_class       (int         levelno);
int          ld_level_from_syslog     (int         severity);
int          ld_level_from_glib       (GLogLevelFlags flags);

G_END_DECLS
