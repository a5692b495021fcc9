// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ld-level.h"

typedef struct
{
  const char *name;
  int         levelno;
} LevelName;

/* Names seen in the wild, folded to lower case. Python's own names come first
 * so that ld_level_canonical_name() finds them. */
static const LevelName level_names[] = {
  { "trace", LD_LEVEL_TRACE },
  { "debug", LD_LEVEL_DEBUG },
  { "info", LD_LEVEL_INFO },
  { "notice", LD_LEVEL_NOTICE },
  { "warning", LD_LEVEL_WARNING },
  { "error", LD_LEVEL_ERROR },
  { "critical", LD_LEVEL_CRITICAL },
  { "alert", LD_LEVEL_ALERT },
  { "emergency", LD_LEVEL_EMERGENCY },
  { "notset", LD_LEVEL_NOTSET },
  { "verbose", LD_LEVEL_TRACE },
  { "dbg", LD_LEVEL_DEBUG },
  { "information", LD_LEVEL_INFO },
  { "informational", LD_LEVEL_INFO },
  { "inf", LD_LEVEL_INFO },
  { "message", LD_LEVEL_NOTICE },
  { "warn", LD_LEVEL_WARNING },
  { "wrn", LD_LEVEL_WARNING },
  { "err", LD_LEVEL_ERROR },
  { "eror", LD_LEVEL_ERROR },
  { "crit", LD_LEVEL_CRITICAL },
  { "fatal", LD_LEVEL_CRITICAL },
  { "panic", LD_LEVEL_EMERGENCY },
  { "dpanic", LD_LEVEL_CRITICAL },
  { "emerg", LD_LEVEL_EMERGENCY },
  { "severe", LD_LEVEL_ERROR },
  { "fine", LD_LEVEL_DEBUG },
  { "finer", LD_LEVEL_TRACE },
  { "finest", LD_LEVEL_TRACE },
  { "config", LD_LEVEL_INFO },
};

static gboolean
parse_level_number (const char *text,
                    int        *levelno)
{
  char *end = NULL;
  gint64 value;

  if (*text == '\0')
    return FALSE;

  value = g_ascii_strtoll (text, &end, 10);
  if (end == text || *end != '\0' || value < G_MININT32 || value > G_MAXINT32)
    return FALSE;

  *levelno = (int) value;
  return TRUE;
}

/**
 * ld_level_parse_name:
 * @name: a level name such as "WARNING", "warn", "Level 5" or "25"
 * @levelno: (out): the level on the canonical scale
 *
 * Returns: %TRUE if @name was understood
 */
gboolean
ld_level_parse_name (const char *name,
                     int        *levelno)
{
  g_autofree char *folded = NULL;

  g_return_val_if_fail (levelno != NULL, FALSE);

  if (name == NULL)
    return FALSE;

  folded = g_ascii_strdown (name, -1);
  g_strstrip (folded);

  for (guint i = 0; i < G_N_ELEMENTS (level_names); i++)
    if (strcmp (folded, level_names[i].name) == 0)
      {
        *levelno = level_names[i].levelno;
        return TRUE;
      }

  /* Python names levels it does not know "Level N". */
  if (g_str_has_prefix (folded, "level "))
    return parse_level_number (folded + strlen ("level "), levelno);

  return parse_level_number (folded, levelno);
}

/**
 * ld_level_canonical_name:
 * @levelno: a level
 *
 * Returns: (nullable): the upper-case name of a named level, or %NULL
 */
const char *
ld_level_canonical_name (int levelno)
{
  switch (levelno)
    {
    case LD_LEVEL_NOTSET: return "NOTSET";
    case LD_LEVEL_TRACE: return "TRACE";
    case LD_LEVEL_DEBUG: return "DEBUG";
    case LD_LEVEL_INFO: return "INFO";
    case LD_LEVEL_NOTICE: return "NOTICE";
    case LD_LEVEL_WARNING: return "WARNING";
    case LD_LEVEL_ERROR: return "ERROR";
    case LD_LEVEL_CRITICAL: return "CRITICAL";
    case LD_LEVEL_ALERT: return "ALERT";
    case LD_LEVEL_EMERGENCY: return "EMERGENCY";
    default: return NULL;
    }
}

/**
 * ld_level_display_name:
 * @levelno: a level
 *
 * Returns: (transfer full): the name Python would give the level: its
 *   canonical name, or "Level N" for an unnamed one
 */
char *
ld_level_display_name (int levelno)
{
  const char *name = ld_level_canonical_name (levelno);

  if (name != NULL)
    return g_strdup (name);

  return g_strdup_printf ("Level %d", levelno);
}

/**
 * ld_level_css_class:
 * @levelno: a level
 *
 * Unnamed levels take the class of the band they fall in, so that a custom
 * level 35 is coloured like a warning.
 *
 * Returns: the CSS class for rows and badges of that level
 */
const char *
ld_level_css_class (int levelno)
{
  if (levelno >= LD_LEVEL_CRITICAL)
    return "level-critical";
  if (levelno >= LD_LEVEL_ERROR)
    return "level-error";
  if (levelno >= LD_LEVEL_WARNING)
    return "level-warning";
  if (levelno >= LD_LEVEL_INFO)
    return "level-info";
  return "level-debug";
}

/**
 * ld_level_from_syslog:
 * @severity: a syslog severity, 0 (emerg) to 7 (debug)
 *
 * Returns: the level on the canonical scale
 */
int
ld_level_from_syslog (int severity)
{
  static const int map[] = {
    LD_LEVEL_EMERGENCY, LD_LEVEL_ALERT, LD_LEVEL_CRITICAL, LD_LEVEL_ERROR,
    LD_LEVEL_WARNING, LD_LEVEL_NOTICE, LD_LEVEL_INFO, LD_LEVEL_DEBUG,
  };

  if (severity < 0)
    return LD_LEVEL_EMERGENCY;
  if (severity >= (int) G_N_ELEMENTS (map))
    return LD_LEVEL_DEBUG;
  return map[severity];
}

/**
 * ld_level_from_glib:
 * @flags: the level flags of a g_log() call
 *
 * GLib's "critical" is a programming error that the program survives, so it
 * maps to ERROR; G_LOG_LEVEL_ERROR is fatal and maps to CRITICAL.
 *
 * Returns: the level on the canonical scale
 */
int
ld_level_from_glib (GLogLevelFlags flags)
{
  if (flags & G_LOG_LEVEL_ERROR)
    return LD_LEVEL_CRITICAL;
  if (flags & G_LOG_LEVEL_CRITICAL)
    return LD_LEVEL_ERROR;
  if (flags & G_LOG_LEVEL_WARNING)
    return LD_LEVEL_WARNING;
  if (flags & G_LOG_LEVEL_MESSAGE)
    return LD_LEVEL_NOTICE;
  if (flags & G_LOG_LEVEL_INFO)
    return LD_LEVEL_INFO;
  return LD_LEVEL_DEBUG;
}
