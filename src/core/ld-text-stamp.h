// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The time stamps of text logs, as asctime shows them: read here, placed in
 * a time zone by the text-log decoder (ld-text-layout.c). */

/* A time as a text log shows it, before it is placed in a time zone. */
typedef struct
{
  int      year, month, day;
  int      hour, minute, second;
  gint64   usec;
  gboolean has_date;
  gboolean has_offset;
  int      offset;        /* seconds east of UTC */
  gboolean no_fraction;   /* "%(asctime)s.%(msecs)03d": the fraction is a field */
} LdTextStamp;

gboolean  ld_text_stamp_parse  (const char   **p,
                                const char    *end,
                                gboolean       no_fraction,
                                LdTextStamp   *s);

G_END_DECLS
