// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <math.h>
#include <string.h>

#include "ld-timing-private.h"

/* Where a duration is found: the keys and units of duration fields, the
 * values' own units, and message patterns, literal text around one
 * {duration} compiled into a bounded matcher rather than a regular
 * expression. */

struct _LdTimingPattern
{
  char  *prefix;
  gsize  prefix_len;
  char  *suffix;
  gsize  suffix_len;
  double scale;      /* from the suffix's unit; 0 when the text says */
};

G_DEFINE_QUARK (ld-timing-error-quark, ld_timing_error)

/* Units and keys */

static inline gboolean
is_digit (char c)
{
  return (guint) (c - '0') <= 9;
}

/* The common case without strtod: [0-9]+(\.[0-9]+)? read where it lies,
 * its value computed as it is scanned. With at most 15 digits, both the
 * digits and the power of ten are exact doubles, so one division rounds as
 * strtod would. Returns the length read, 0 for none; @exact says whether
 * @number holds the value, FALSE past 15 digits, when strtod must read
 * it. */
static inline gsize
scan_decimal (const char *text,
              gsize       length,
              double     *number,
              gboolean   *exact)
{
  static const double powers[] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
  };
  guint64 digits = 0;
  gsize i = 0, point;

  /* Digits past the 19th overflow the integer, which is then not used. */
  *exact = FALSE;
  while (i < length && is_digit (text[i]))
    digits = digits * 10 + (guint) (text[i++] - '0');
  if (i == 0)
    return 0;
  point = i;
  if (i + 1 < length && text[i] == '.' && is_digit (text[i + 1]))
    {
      point = ++i;
      while (i < length && is_digit (text[i]))
        digits = digits * 10 + (guint) (text[i++] - '0');
    }

  /* i - 1 digits when there is a point, i otherwise. */
  *exact = i - (point < i) <= 15;
  if (*exact)
    *number = (double) digits / powers[i - point];
  return i;
}

/* What g_ascii_strtod() reads at the start of @text, nul-terminated, with
 * hexadecimal refused: no duration is written "0x1f". Returns the length
 * read, 0 for none. */
static gsize
read_with_strtod (const char *text,
                  double     *number)
{
  char *end;

  *number = g_ascii_strtod (text, &end);
  if (end == text || memchr (text, 'x', end - text) != NULL
      || memchr (text, 'X', end - text) != NULL)
    return 0;
  return end - text;
}

/**
 * ld_timing_parse_value:
 * @value: a field's text: "12", "0.25", "12ms", "1.5 s"
 * @length: its length
 * @scale: seconds per unit when @value names none; 0 for the default,
 *   milliseconds
 * @seconds: (out): the duration
 *
 * Returns: whether @value is a finite, non-negative duration
 */
gboolean
ld_timing_parse_value (const char *value,
                       gsize       length,
                       double      scale,
                       double     *seconds)
{
  char buffer[64];
  double number, unit = scale > 0 ? scale : 1e-3;
  gboolean exact = FALSE;
  gsize used;

  if (length == 0 || length >= sizeof buffer)
    return FALSE;

  /* strtod reads on past a plain decimal only at a point, an exponent or
   * an "x"; only strtod needs the text nul-terminated, and a copy. */
  used = scan_decimal (value, length, &number, &exact);
  if (!exact || (used < length && memchr (".eExX", value[used], 5) != NULL))
    {
      memcpy (buffer, value, length);
      buffer[length] = '\0';
      used = read_with_strtod (buffer, &number);
      if (used == 0 || !isfinite (number) || number < 0)
        return FALSE;
    }

  while (used < length && value[used] == ' ')
    used++;
  if (used < length)
    {
      gsize n = ld_duration_read_unit (value + used, length - used, &unit);

      if (n == 0 || used + n != length)
        return FALSE;
    }

  *seconds = number * unit;
  return TRUE;
}

/* ld_timing_parse_value() for a record's field, where the value is most
 * often a plain decimal: read in place, without a call. */
static inline gboolean
parse_value_inline (const char *value,
                    gsize       length,
                    double      scale,
                    double     *seconds)
{
  double number = 0;
  gboolean exact;

  if (scan_decimal (value, length, &number, &exact) == length && exact)
    {
      *seconds = number * (scale > 0 ? scale : 1e-3);
      return TRUE;
    }
  return ld_timing_parse_value (value, length, scale, seconds);
}

/* Patterns */

/**
 * ld_timing_pattern_new:
 * @pattern: literal text around one `{duration}` placeholder, such as
 *   `in {duration}s`
 * @error: where to say what is wrong with it
 *
 * The placeholder reads a number. A unit right after it in the pattern
 * ("s", "ms") gives the number's unit; without one, a unit written after
 * the number in the message does, and milliseconds otherwise. There is no
 * regular expression: a match is a search for the literal text before the
 * placeholder, so its cost is bounded by the message's length times the
 * pattern's, whatever the message holds.
 *
 * Returns: (transfer full) (nullable): the compiled pattern
 */
LdTimingPattern *
ld_timing_pattern_new (const char  *pattern,
                       GError     **error)
{
  static const char placeholder[] = "{duration}";
  g_autoptr(LdTimingPattern) self = NULL;
  const char *at;
  gsize length;

  g_return_val_if_fail (pattern != NULL, NULL);

  length = strlen (pattern);
  if (length > LD_TIMING_PATTERN_MAX || !g_utf8_validate (pattern, length, NULL))
    {
      g_set_error (error, LD_TIMING_ERROR, LD_TIMING_ERROR_PATTERN,
                   "A pattern is at most %d characters of text", LD_TIMING_PATTERN_MAX);
      return NULL;
    }

  at = strstr (pattern, placeholder);
  if (at == NULL || strstr (at + 1, placeholder) != NULL)
    {
      g_set_error_literal (error, LD_TIMING_ERROR, LD_TIMING_ERROR_PATTERN,
                           "A pattern has exactly one {duration}");
      return NULL;
    }

  self = g_new0 (LdTimingPattern, 1);
  self->prefix_len = at - pattern;
  self->prefix = g_strndup (pattern, self->prefix_len);
  self->suffix = g_strdup (at + strlen (placeholder));
  self->suffix_len = strlen (self->suffix);

  if (strpbrk (self->prefix, "{}") != NULL || strpbrk (self->suffix, "{}") != NULL)
    {
      g_set_error_literal (error, LD_TIMING_ERROR, LD_TIMING_ERROR_PATTERN,
                           "Only {duration} may be in braces");
      return NULL;
    }
  if (strspn (self->prefix, " ") == self->prefix_len
      && strspn (self->suffix, " ") == self->suffix_len)
    {
      g_set_error_literal (error, LD_TIMING_ERROR, LD_TIMING_ERROR_PATTERN,
                           "A pattern needs some text around {duration}");
      return NULL;
    }

  {
    gsize skip = 0;

    while (skip < self->suffix_len && self->suffix[skip] == ' ')
      skip++;
    if (ld_duration_read_unit (self->suffix + skip, self->suffix_len - skip, &self->scale) == 0)
      self->scale = 0;
  }

  return g_steal_pointer (&self);
}

void
ld_timing_pattern_free (LdTimingPattern *pattern)
{
  if (pattern == NULL)
    return;

  g_free (pattern->prefix);
  g_free (pattern->suffix);
  g_free (pattern);
}

/* Reads [0-9]+(.[0-9]+)? at @text into @number, when it is not part of a
 * longer one than NUMBER_MAX bytes; returns its length. */
#define NUMBER_MAX 39

static inline gsize
read_number (const char *text,
             gsize       length,
             double     *number)
{
  char buffer[NUMBER_MAX + 1];
  gboolean exact;
  /* Two bytes past the most, so that a longer number is seen to be. */
  gsize n = scan_decimal (text, MIN (length, NUMBER_MAX + 2), number, &exact);

  if (n == 0 || n > NUMBER_MAX)
    return 0;
  if (!exact)
    {
      memcpy (buffer, text, n);
      buffer[n] = '\0';
      *number = g_ascii_strtod (buffer, NULL);
    }
  return n;
}

static gboolean
match_at (const LdTimingPattern *pattern,
          const char            *text,
          gsize                  length,
          double                *seconds)
{
  double number, scale = pattern->scale;
  gsize n = read_number (text, length, &number);

  if (n == 0 || length - n < pattern->suffix_len
      || memcmp (text + n, pattern->suffix, pattern->suffix_len) != 0)
    return FALSE;

  if (scale == 0)
    {
      gsize skip = n + pattern->suffix_len;

      while (skip < length && text[skip] == ' ' && pattern->suffix_len == 0)
        skip++;
      if (ld_duration_read_unit (text + skip, length - skip, &scale) == 0)
        scale = 1e-3;
    }

  *seconds = number * scale;
  return TRUE;
}

static inline gboolean
pattern_find (const LdTimingPattern *pattern,
              const char            *text,
              gsize                  length,
              double                *seconds)
{
  const char *end;

  length = MIN (length, LD_TIMING_MESSAGE_SCAN);
  if (length <= pattern->prefix_len)
    return FALSE;
  if (pattern->prefix_len == 0)
    {
      for (gsize i = 0; i < length; i++)
        if (match_at (pattern, text + i, length - i, seconds))
          return TRUE;
      return FALSE;
    }

  /* The prefix's first byte found by memchr, its second compared in place
   * and the rest by memcmp: most messages hold no such byte, or few, and
   * memmem's set-up for a needle of a few bytes costs more than the
   * search. */
  end = text + length - pattern->prefix_len;
  for (const char *at = text; at < end; at++)
    {
      at = memchr (at, pattern->prefix[0], end - at);
      if (at == NULL)
        return FALSE;
      if ((pattern->prefix_len == 1 || at[1] == pattern->prefix[1])
          && memcmp (at + 1, pattern->prefix + 1, pattern->prefix_len - 1) == 0
          && match_at (pattern, at + pattern->prefix_len, text + length - at - pattern->prefix_len,
                       seconds))
        return TRUE;
    }

  return FALSE;
}

/**
 * ld_timing_pattern_match:
 * @pattern: a compiled pattern
 * @text: a message
 * @length: its length; only the first %LD_TIMING_MESSAGE_SCAN bytes are read
 * @seconds: (out): the duration found
 *
 * Returns: whether the first place the pattern fits gave a duration
 */
gboolean
ld_timing_pattern_match (const LdTimingPattern *pattern,
                         const char            *text,
                         gsize                  length,
                         double                *seconds)
{
  g_return_val_if_fail (pattern != NULL, FALSE);

  return pattern_find (pattern, text, length, seconds);
}

/* Reading a record */

/* What a key is, by its interned id, so that a key's name is matched once
 * per process rather than once per record: unknown, not a duration, or a
 * duration with one of these scales (0: the value says). */
enum { KEY_UNKNOWN, KEY_OTHER, KEY_DURATION };

static const double key_scales[] = { 0, 1, 1e-3, 1e-6, 1e-9 };

static guint8
classify_key (guint32 key)
{
  double scale;

  if (!ld_timing_key_is_duration (ld_intern_lookup (key), &scale))
    return KEY_OTHER;
  for (guint i = 0; i < G_N_ELEMENTS (key_scales); i++)
    if (key_scales[i] == scale)
      return KEY_DURATION + i;
  return KEY_OTHER;
}

/* What @key is, classified and kept in @key_kinds (nullable) the first
 * time it is met; out of line, as it is once per key. */
static G_GNUC_NO_INLINE guint8
learn_key (GByteArray *key_kinds,
           guint32     key)
{
  if (key_kinds == NULL)
    return classify_key (key);

  if (key >= key_kinds->len)
    {
      guint old_len = key_kinds->len;

      g_byte_array_set_size (key_kinds, MAX (key + 1, old_len * 2));
      memset (key_kinds->data + old_len, KEY_UNKNOWN, key_kinds->len - old_len);
    }
  if (key_kinds->data[key] == KEY_UNKNOWN)
    key_kinds->data[key] = classify_key (key);
  return key_kinds->data[key];
}

static inline guint8
key_kind (GByteArray *key_kinds,
          guint32     key)
{
  if (G_LIKELY (key_kinds != NULL && key < key_kinds->len && key_kinds->data[key] != KEY_UNKNOWN))
    return key_kinds->data[key];
  return learn_key (key_kinds, key);
}

/* A record's extra fields lie after its message, its tail's header, its
 * exception and its stack, each as ld-record.c writes it: a 4-byte
 * interned key, a type byte, a 4-byte length and the value. They are
 * walked here inline rather than through ld_extra_iter_next(), whose call
 * per field was a fifth of what a record without a duration cost the
 * timing counters (bench-timing under callgrind); /timing/extras-walk in
 * test-timing.c checks that the two walks agree. */
#define EXTRA_HEADER_SIZE (4 + 1 + 4)

/* Where @record's extra fields start and end; FALSE when it has none. */
static inline gboolean
extras_bounds (const LdRecord  *record,
               const char     **start,
               const char     **end)
{
  if (record->tail_len == 0)
    return FALSE;
  *start = record->text + record->message_len + LD_RECORD_TAIL_HEADER
           + ld_record_tail_field (record, 0) + ld_record_tail_field (record, 1);
  *end = record->text + record->message_len + record->tail_len;
  return TRUE;
}

/* The duration among @record's extra fields, and the grouping field's
 * value in the same pass; @key_kinds (nullable) caches what each key is. */
static inline gboolean
read_extras (const LdRecord     *record,
             GByteArray         *key_kinds,
             LdTimingGroupField *group,
             double             *seconds)
{
  const char *cursor, *end;
  gboolean found = FALSE;
  /* No key is LD_INTERN_NONE: once the grouping value is found, or when
   * none is looked for, the walk ends at the duration. */
  guint32 group_key = group != NULL ? group->key : LD_INTERN_NONE;

  if (!extras_bounds (record, &cursor, &end))
    return FALSE;

  while (end - cursor >= EXTRA_HEADER_SIZE)
    {
      guint32 key, value_len;
      LdValueType type = (LdValueType) cursor[4];
      const char *value = cursor + EXTRA_HEADER_SIZE;
      guint8 kind;

      memcpy (&key, cursor, 4);
      memcpy (&value_len, cursor + 5, 4);
      cursor = value + value_len;

      if (key == group_key && type != LD_VALUE_NULL && type != LD_VALUE_JSON)
        {
          group->value = value;
          group->length = value_len;
          group_key = LD_INTERN_NONE;
          if (found)
            break;
        }
      if (found || (type != LD_VALUE_NUMBER && type != LD_VALUE_STRING))
        continue;

      kind = key_kind (key_kinds, key);
      if (kind >= KEY_DURATION && parse_value_inline (value, value_len,
                                                      key_scales[kind - KEY_DURATION], seconds))
        {
          found = TRUE;
          if (group_key == LD_INTERN_NONE)
            break;
        }
    }

  return found;
}

/* The grouping field's value among @record's extra fields, for a duration
 * found in the message. */
static void
read_group_value (const LdRecord     *record,
                  LdTimingGroupField *group)
{
  const char *cursor, *end;

  if (!extras_bounds (record, &cursor, &end))
    return;

  while (end - cursor >= EXTRA_HEADER_SIZE)
    {
      guint32 key, value_len;
      LdValueType type = (LdValueType) cursor[4];

      memcpy (&key, cursor, 4);
      memcpy (&value_len, cursor + 5, 4);
      if (key == group->key && type != LD_VALUE_NULL && type != LD_VALUE_JSON)
        {
          group->value = cursor + EXTRA_HEADER_SIZE;
          group->length = value_len;
          return;
        }
      cursor += EXTRA_HEADER_SIZE + value_len;
    }
}

/* A record's duration, from its extra fields or else its message through
 * @pattern (nullable), and its grouping value. Only a record whose builder
 * saw a duration key (LD_RECORD_DURATION_KEY) has its extra fields walked
 * for one; the others, most, cost a flag test and the pattern. */
static inline gboolean
read_record (const LdRecord        *record,
             GByteArray            *key_kinds,
             const LdTimingPattern *pattern,
             LdTimingGroupField    *group,
             double                *seconds)
{
  gsize length;
  const char *message;

  if ((record->flags & LD_RECORD_DURATION_KEY) && read_extras (record, key_kinds, group, seconds))
    return TRUE;
  if (pattern == NULL)
    return FALSE;

  message = ld_record_get_message (record, &length);
  if (!pattern_find (pattern, message, length, seconds))
    return FALSE;
  if (group != NULL && group->key != LD_INTERN_NONE && group->value == NULL)
    read_group_value (record, group);
  return TRUE;
}

/**
 * _ld_timing_read_run:
 * @store: the store
 * @position: the first record to read
 * @count: how many, at most %LD_TIMING_READ_RUN
 * @key_kinds: what each interned key is, filled as keys are met
 * @pattern: (nullable): the message pattern
 * @group_key: the grouping field's interned key, or %LD_INTERN_NONE
 * @found: (array length=count) (out caller-allocates): the durations found
 * @values: (out caller-allocates): room for @count grouping values of
 *   %LD_TIMING_GROUP_NAME_MAX bytes, where those found are copied, cut
 *
 * Reads a run of stored records in one call, taking them from the store
 * side by side (ld_store_get_run()), so that a record without a duration,
 * most of them, costs no call. What is found points into nothing the
 * store owns, so it may be counted once the store is unlocked.
 *
 * Returns: how many durations were found, in store order
 */
guint
_ld_timing_read_run (LdStore               *store,
                     guint                  position,
                     guint                  count,
                     GByteArray            *key_kinds,
                     const LdTimingPattern *pattern,
                     guint32                group_key,
                     LdTimingFound         *found,
                     char                  *values)
{
  guint n_found = 0;

  g_assert (count <= LD_TIMING_READ_RUN);

  for (guint done = 0, n = 0; done < count; done += n)
    {
      const LdRecord *records = ld_store_get_run (store, position + done, count - done, &n);

      g_assert (n > 0);
      for (guint i = 0; i < n; i++)
        {
          LdTimingGroupField group = { group_key, NULL, 0 };
          double seconds;

          if (!read_record (&records[i], key_kinds, pattern, &group, &seconds))
            continue;
          if (group.value != NULL)
            {
              char *copy = values + (gsize) n_found * LD_TIMING_GROUP_NAME_MAX;

              group.length = MIN (group.length, LD_TIMING_GROUP_NAME_MAX);
              memcpy (copy, group.value, group.length);
              group.value = copy;
            }
          found[n_found++] = (LdTimingFound) { records[i].time_us, records[i].logger,
                                               position + done + i, seconds, group };
        }
    }

  return n_found;
}

/**
 * ld_timing_read_record:
 * @record: a record
 * @pattern: (nullable): the message pattern to try when no field has one
 * @seconds: (out): the record's duration
 *
 * Returns: whether @record has a duration
 */
gboolean
ld_timing_read_record (const LdRecord        *record,
                       const LdTimingPattern *pattern,
                       double                *seconds)
{
  g_return_val_if_fail (record != NULL, FALSE);

  return read_record (record, NULL, pattern, NULL, seconds);
}
