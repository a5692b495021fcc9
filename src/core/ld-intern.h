// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Interned strings: repeated text (logger, thread, level name, connection,
 * keys of extra fields) is stored once per process and referred to by a small
 * integer. Id 0 is "absent". Ids never change and strings are never freed, so
 * any thread may read an id it was handed. */

#define LD_INTERN_NONE       0u
#define LD_INTERN_MAX_LENGTH 4096

guint32      ld_intern         (const char *text,
                                gssize      length);
guint32      ld_intern_cached  (const char *text,
                                gsize       length);
const char  *ld_intern_lookup  (guint32     id);
guint        ld_intern_count   (void);

G_END_DECLS
