// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <string.h>

#include "ld-text-stamp.h"

/* Reading the time at the start of a text log's line, in the shapes that
 * logging's asctime takes with the common datefmts. A shape that does not
 * fit leaves the line unread (it does not start a record), so each reader
 * checks every character it takes. */

static gboolean
read_number (const char **p,
             const char  *end,
             int          min_digits,
             int          max_digits,
             int         *value)
{
  const char *q = *p;
  int n = 0;

  *value = 0;
  while (q < end && n < max_digits && g_ascii_isdigit (*q))
    *value = *value * 10 + (*q++ - '0'), n++;
  if (n < min_digits)
    return FALSE;

  *p = q;
  return TRUE;
}

static gboolean
read_literal (const char **p,
              const char  *end,
              const char  *literal)
{
  gsize len = strlen (literal);

  if ((gsize) (end - *p) < len || memcmp (*p, literal, len) != 0)
    return FALSE;

  *p += len;
  return TRUE;
}

static gboolean
read_month_name (const char **p,
                 const char  *end,
                 int         *month)
{
  static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

  if (end - *p < 3)
    return FALSE;
  for (int i = 0; i < 12; i++)
    if (g_ascii_strncasecmp (*p, names + 3 * i, 3) == 0)
      {
        *month = i + 1;
        *p += 3;
        return TRUE;
      }

  return FALSE;
}

/* "HH:MM:SS", then a fraction after "," or "." and " AM" or " PM". */
static gboolean
read_clock (const char **p,
            const char  *end,
            LdTextStamp *s)
{
  const char *q = *p;

  if (!read_number (&q, end, 1, 2, &s->hour) || !read_literal (&q, end, ":")
      || !read_number (&q, end, 2, 2, &s->minute) || !read_literal (&q, end, ":")
      || !read_number (&q, end, 2, 2, &s->second) || s->hour > 23 || s->minute > 59
      || s->second > 60)
    return FALSE;

  if (!s->no_fraction && q + 1 < end && (*q == ',' || *q == '.') && g_ascii_isdigit (q[1]))
    {
      gint64 scale = 100000;

      for (q++; q < end && g_ascii_isdigit (*q); q++, scale /= 10)
        s->usec += (*q - '0') * scale;
    }
  if (end - q >= 3 && q[0] == ' ' && (q[1] == 'A' || q[1] == 'P') && q[2] == 'M')
    {
      s->hour = s->hour % 12 + (q[1] == 'P' ? 12 : 0);
      q += 3;
    }

  *p = q;
  return TRUE;
}

/* "Z", "+hh:mm" or "+hhmm", right after the time or after one space. */
static void
read_offset (const char **p,
             const char  *end,
             LdTextStamp *s)
{
  const char *q = *p + (*p < end && **p == ' ' ? 1 : 0);
  int hours, minutes, sign;

  if (q == *p && q < end && *q == 'Z')
    {
      s->has_offset = TRUE;
      *p = q + 1;
      return;
    }
  if (q >= end || (*q != '+' && *q != '-'))
    return;
  sign = *q++ == '-' ? -1 : 1;
  if (!read_number (&q, end, 2, 2, &hours))
    return;
  read_literal (&q, end, ":");
  if (!read_number (&q, end, 2, 2, &minutes) || (q < end && g_ascii_isdigit (*q)))
    return;

  s->has_offset = TRUE;
  s->offset = sign * (hours * 3600 + minutes * 60);
  *p = q;
}

/* 2024-05-01 12:30:00,123 (also with "T", ":" or "_" between, or "/"). */
static gboolean
read_iso_stamp (const char **p,
                const char  *end,
                LdTextStamp *s)
{
  const char *q = *p;
  char sep;

  if (!read_number (&q, end, 4, 4, &s->year) || q >= end || (*q != '-' && *q != '/'))
    return FALSE;
  sep = *q++;
  if (!read_number (&q, end, 2, 2, &s->month) || q >= end || *q++ != sep
      || !read_number (&q, end, 2, 2, &s->day) || q >= end || *q == '\0'
      || strchr ("T :_", *q) == NULL)
    return FALSE;
  q++;
  if (!read_clock (&q, end, s))
    return FALSE;

  read_offset (&q, end, s);
  *p = q;
  return TRUE;
}

/* 05/01/2024 12:30:00 PM, the logging HOWTO's "%m/%d/%Y %I:%M:%S %p". */
static gboolean
read_us_stamp (const char **p,
               const char  *end,
               LdTextStamp *s)
{
  const char *q = *p;

  if (!read_number (&q, end, 2, 2, &s->month) || !read_literal (&q, end, "/")
      || !read_number (&q, end, 2, 2, &s->day) || !read_literal (&q, end, "/")
      || !read_number (&q, end, 4, 4, &s->year) || !read_literal (&q, end, " ")
      || !read_clock (&q, end, s))
    return FALSE;

  *p = q;
  return TRUE;
}

/* 01-May-24 12:30:00 ("%d-%b-%y %H:%M:%S"), 01/May/2024:12:30:00 +0000, and
 * May 01 12:30:00 or May  1 12:30:00 (syslog's, without a year). */
static gboolean
read_month_stamp (const char **p,
                  const char  *end,
                  LdTextStamp *s)
{
  const char *q = *p;

  if (read_month_name (&q, end, &s->month))
    {
      s->year = 0;
      while (q < end && *q == ' ')
        q++;
      if (!read_number (&q, end, 1, 2, &s->day) || !read_literal (&q, end, " "))
        return FALSE;
    }
  else
    {
      char sep;

      if (!read_number (&q, end, 2, 2, &s->day) || q >= end || (*q != '-' && *q != '/'))
        return FALSE;
      sep = *q++;
      if (!read_month_name (&q, end, &s->month) || q >= end || *q++ != sep
          || !read_number (&q, end, 2, 4, &s->year) || q >= end || (*q != ' ' && *q != ':'))
        return FALSE;
      q++;
      if (s->year < 100)
        s->year += s->year < 69 ? 2000 : 1900;
    }
  if (!read_clock (&q, end, s))
    return FALSE;

  read_offset (&q, end, s);
  *p = q;
  return TRUE;
}

/**
 * ld_text_stamp_parse:
 * @p: where the time starts; moved past it when it is read
 * @end: the end of the line
 * @no_fraction: whether a fraction of a second is a field of its own, after
 *   this one ("%(asctime)s.%(msecs)03d"), rather than part of the time
 * @s: the time read
 *
 * Reads asctime in the shapes the common datefmts give: logging's default
 * "2024-05-01 12:30:00,123" and its ISO 8601 relatives, "05/01/2024 12:30:00
 * PM", "01-May-24 12:30:00", "01/May/2024:12:30:00 +0000", syslog's "May  1
 * 12:30:00", and a time alone.
 *
 * Returns: whether a time was read
 */
gboolean
ld_text_stamp_parse (const char  **p,
                     const char   *end,
                     gboolean      no_fraction,
                     LdTextStamp  *s)
{
  memset (s, 0, sizeof *s);
  s->has_date = TRUE;
  s->no_fraction = no_fraction;
  if (read_iso_stamp (p, end, s) || read_us_stamp (p, end, s) || read_month_stamp (p, end, s))
    return s->month >= 1 && s->month <= 12 && s->day >= 1 && s->day <= 31;

  /* A time alone ("%H:%M:%S") is of the day it is read. */
  memset (s, 0, sizeof *s);
  s->no_fraction = no_fraction;
  return read_clock (p, end, s);
}
