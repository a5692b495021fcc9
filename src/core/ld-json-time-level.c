// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include "ld-json-normalize-private.h"
#include "ld-level.h"

/* Times (ISO 8601 and epoch numbers in any unit) and levels (slog, pino, OpenTelemetry and
 * names) as the normaliser reads them; ld-json-normalize.c says which rule uses which. */

/* Time */

static gboolean
read_digits (const char **q,
             const char  *end,
             guint        n,
             int         *value)
{
  int v = 0;

  if ((gsize) (end - *q) < n)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      char c = (*q)[i];

      if (c < '0' || c > '9')
        return FALSE;
      v = v * 10 + (c - '0');
    }
  *q += n;
  *value = v;
  return TRUE;
}

static inline gboolean
read_char (const char **q,
           const char  *end,
           char         c)
{
  if (*q < end && **q == c)
    {
      (*q)++;
      return TRUE;
    }
  return FALSE;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static gint64
days_from_civil (int year,
                 int month,
                 int day)
{
  int y = year - (month <= 2);
  int era = (y >= 0 ? y : y - 399) / 400;
  int yoe = y - era * 400;
  int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

  return (gint64) era * 146097 + doe - 719468;
}

/* Reads ".123456789" or ",123" into microseconds; digits past the sixth are cut. */
static gboolean
read_fraction (const char **q,
               const char  *end,
               gint64      *micro)
{
  gint64 scale = 100000;
  const char *start;

  *micro = 0;
  if (*q >= end || (**q != '.' && **q != ','))
    return TRUE;
  start = ++(*q);
  for (; *q < end && **q >= '0' && **q <= '9'; (*q)++)
    {
      *micro += (**q - '0') * scale;
      scale /= 10;
    }
  return *q > start;
}

/* Reads "Z", "+02:00", "+0200", "+02" or nothing (UTC) into seconds east of UTC. */
static gboolean
read_offset (const char **q,
             const char  *end,
             int         *offset)
{
  int sign, hours, minutes = 0;

  *offset = 0;
  if (*q >= end)
    return TRUE;
  if (**q == 'Z' || **q == 'z')
    {
      (*q)++;
      return TRUE;
    }
  if (**q != '+' && **q != '-')
    return FALSE;
  sign = *(*q)++ == '-' ? -1 : 1;
  if (!read_digits (q, end, 2, &hours))
    return FALSE;
  if (*q < end)
    {
      read_char (q, end, ':');
      if (!read_digits (q, end, 2, &minutes))
        return FALSE;
    }
  if (hours > 23 || minutes > 59)
    return FALSE;
  *offset = sign * (hours * 3600 + minutes * 60);
  return TRUE;
}

static gboolean
read_clock (const char **q,
            const char  *end,
            int         *seconds,
            gint64      *micro)
{
  int hour, minute, second = 0;

  if (!read_digits (q, end, 2, &hour) || !read_char (q, end, ':')
      || !read_digits (q, end, 2, &minute))
    return FALSE;
  if (read_char (q, end, ':') && !read_digits (q, end, 2, &second))
    return FALSE;
  if (!read_fraction (q, end, micro))
    return FALSE;
  if (hour > 23 || minute > 59 || second > 60)
    return FALSE;
  *seconds = hour * 3600 + minute * 60 + second;
  return TRUE;
}

static int
days_in_month (int year,
               int month)
{
  static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  gboolean leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

  return month == 2 && leap ? 29 : days[month - 1];
}

/**
 * ld_json_parse_iso8601:
 * @text: "2026-11-20T12:30:00.123456+02:00" and its variants: a space or "T" between date and
 *   time, seconds optional, "." or "," before any number of fraction digits, an offset of
 *   "Z", "+hh:mm", "+hhmm", "+hh" or none (UTC), or a date alone
 * @len: its length
 * @time_us: (out): microseconds since the epoch, fraction digits past the sixth cut off
 *
 * Returns: %TRUE if @text was such a time
 */
gboolean
ld_json_parse_iso8601 (const char *text,
                       gsize       len,
                       gint64     *time_us)
{
  const char *q = text, *end = text + len;
  int year, month, day, seconds = 0, offset = 0;
  gint64 micro = 0;

  if (!read_digits (&q, end, 4, &year) || !read_char (&q, end, '-')
      || !read_digits (&q, end, 2, &month) || !read_char (&q, end, '-')
      || !read_digits (&q, end, 2, &day))
    return FALSE;
  if (month < 1 || month > 12 || day < 1 || day > days_in_month (year, month))
    return FALSE;

  if (q < end && (*q == 'T' || *q == 't' || *q == ' '))
    {
      q++;
      if (!read_clock (&q, end, &seconds, &micro))
        return FALSE;
    }
  if (!read_offset (&q, end, &offset) || q != end)
    return FALSE;

  *time_us = ((days_from_civil (year, month, day) * 86400 + seconds - offset) * G_USEC_PER_SEC
              + micro);
  return TRUE;
}

gboolean
_ld_json_read_decimal (const char *text,
                       gsize       len,
                       Decimal    *d)
{
  const char *q = text, *end = text + len;
  gboolean any = FALSE;
  int e = 0;

  memset (d, 0, sizeof *d);
  d->negative = read_char (&q, end, '-');
  for (gboolean fraction = FALSE; q < end; q++)
    {
      if (*q == '.' && !fraction)
        {
          fraction = TRUE;
          continue;
        }
      if (*q < '0' || *q > '9')
        break;
      any = TRUE;
      if (d->digits < 18)
        {
          d->mantissa = d->mantissa * 10 + (*q - '0');
          d->digits += d->mantissa > 0;
          d->exponent -= fraction;
        }
      else
        d->exponent += !fraction;
    }
  if (any && q < end && (*q == 'e' || *q == 'E'))
    {
      gboolean negative;

      q++;
      negative = read_char (&q, end, '-');
      if (!negative)
        read_char (&q, end, '+');
      if (q == end)
        return FALSE;
      for (; q < end && *q >= '0' && *q <= '9' && e < 10000; q++)
        e = e * 10 + (*q - '0');
      d->exponent += negative ? -e : e;
    }
  return any && q == end;
}

static LdJsonTimeUnit
unit_by_magnitude (const Decimal *d)
{
  int integer_digits = d->digits + d->exponent;

  if (integer_digits <= 11)
    return LD_JSON_TIME_SECONDS;
  if (integer_digits <= 14)
    return LD_JSON_TIME_MILLISECONDS;
  if (integer_digits <= 17)
    return LD_JSON_TIME_MICROSECONDS;
  return LD_JSON_TIME_NANOSECONDS;
}

/**
 * ld_json_parse_epoch:
 * @text: a decimal number such as "1763640000.123456", "1763640000123" or "1.76364e9"
 * @len: its length
 * @unit: what one unit of @text is
 * @time_us: (out): microseconds since the epoch, rounded to the nearest
 *
 * The conversion is exact: the decimal digits are scaled, never passed through a double.
 *
 * Returns: %TRUE if @text was a number whose time fits in 64 bits
 */
gboolean
ld_json_parse_epoch (const char     *text,
                     gsize           len,
                     LdJsonTimeUnit  unit,
                     gint64         *time_us)
{
  static const int unit_exponent[] = { 0, 3, 6, 9 };
  Decimal d;
  int shift;
  guint64 value, scale = 1;

  if (!_ld_json_read_decimal (text, len, &d))
    return FALSE;
  if (unit == LD_JSON_TIME_BY_MAGNITUDE)
    unit = unit_by_magnitude (&d);

  shift = d.exponent + 6 - unit_exponent[unit];
  if (d.mantissa == 0 || shift < -19)
    value = 0;
  else if (shift >= 0)
    {
      for (int i = 0; i < shift; i++, scale *= 10)
        if (scale > G_MAXINT64 / 10)
          return FALSE;
      if (d.mantissa > (guint64) G_MAXINT64 / scale)
        return FALSE;
      value = d.mantissa * scale;
    }
  else
    {
      for (int i = 0; i < -shift; i++)
        scale *= 10;
      value = d.mantissa / scale + (d.mantissa % scale >= (scale + 1) / 2);
    }

  if (value > (guint64) G_MAXINT64)
    return FALSE;
  *time_us = d.negative ? -(gint64) value : (gint64) value;
  return TRUE;
}

/* Levels */

/**
 * ld_json_level_from_slog:
 * @slog_level: a level on slog's scale: DEBUG -4, INFO 0, WARN 4, ERROR 8
 *
 * The scale is linear through slog's four names, 2.5 Python steps per slog step rounded
 * down, so "INFO+2" (2) is 25, Python's NOTICE, and "DEBUG-4" (-8) is 0.
 *
 * Returns: the level on Python's scale
 */
int
ld_json_level_from_slog (int slog_level)
{
  gint64 scaled = 5 * (gint64) CLAMP (slog_level, -100000, 100000);

  return LD_LEVEL_INFO + (int) (scaled >= 0 ? scaled / 2 : -((-scaled + 1) / 2));
}

/**
 * ld_json_level_from_pino:
 * @pino_level: a level on pino's and bunyan's scale: trace 10, debug 20, info 30, warn 40,
 *   error 50, fatal 60
 *
 * From 20 up the scales are ten apart; below, the step from trace (5) to debug (10) is
 * halved, so custom levels between the names keep their order.
 *
 * Returns: the level on Python's scale
 */
int
ld_json_level_from_pino (int pino_level)
{
  if (pino_level >= 20)
    return pino_level - 10;
  return pino_level / 2;
}

/**
 * ld_json_level_from_otel:
 * @severity_number: an OpenTelemetry SeverityNumber, 1 to 24
 *
 * TRACE (1-4) is 5, DEBUG (5-8) 10, INFO (9-12) 20, WARN (13-16) 30, ERROR (17-20) 40 and
 * FATAL (21-24) 50, and each of the sub-levels 2-4 of a name adds one: INFO3 (11) is 22.
 *
 * Returns: the level on Python's scale, or -1 for UNSPECIFIED (0) and out of range
 */
int
ld_json_level_from_otel (int severity_number)
{
  static const int bases[] = { 5, 10, 20, 30, 40, 50 };

  if (severity_number < 1 || severity_number > 24)
    return -1;
  return bases[(severity_number - 1) / 4] + (severity_number - 1) % 4;
}

const char *
_ld_json_otel_severity_name (int severity_number)
{
  static const char *names[] = {
    "TRACE", "TRACE2", "TRACE3", "TRACE4", "DEBUG", "DEBUG2", "DEBUG3", "DEBUG4",
    "INFO", "INFO2", "INFO3", "INFO4", "WARN", "WARN2", "WARN3", "WARN4",
    "ERROR", "ERROR2", "ERROR3", "ERROR4", "FATAL", "FATAL2", "FATAL3", "FATAL4",
  };

  if (severity_number < 1 || severity_number > 24)
    return NULL;
  return names[severity_number - 1];
}

gboolean
_ld_json_level_from_name (const char *text,
                          gsize       len,
                          int        *level)
{
  char name[64];

  if (len >= sizeof name)
    return FALSE;
  memcpy (name, text, len);
  name[len] = '\0';
  return ld_level_parse_name (name, level);
}

/* "INFO", "WARN+2", "ERROR-1": slog's names with an offset. */
gboolean
_ld_json_level_from_slog_name (const char *text,
                               gsize       len,
                               int        *level)
{
  static const struct { const char *name; int value; } names[] = {
    { "DEBUG", -4 }, { "INFO", 0 }, { "WARN", 4 }, { "ERROR", 8 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      gsize n = strlen (names[i].name);
      Decimal d;

      if (len < n || g_ascii_strncasecmp (text, names[i].name, n) != 0)
        continue;
      if (len == n)
        {
          *level = ld_json_level_from_slog (names[i].value);
          return TRUE;
        }
      if ((text[n] == '+' || text[n] == '-')
          && _ld_json_read_decimal (text + n + 1, len - n - 1, &d)
          && d.exponent == 0 && d.digits <= 6 && !d.negative)
        {
          int offset = (int) d.mantissa;

          *level = ld_json_level_from_slog (names[i].value + (text[n] == '-' ? -offset : offset));
          return TRUE;
        }
    }
  return FALSE;
}

