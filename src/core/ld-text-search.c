// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "ld-text-search.h"

#ifdef __SSE2__
/* The anchor bytes and their case bits, in every lane. */
typedef struct
{
  __m128i byte1, bit1, byte2, bit2;
} Anchors;
#endif

struct _LdTextNeedle
{
#ifdef __SSE2__
  Anchors   anchors;
#endif
  char     *folded;     /* UTF-8 */
  gsize     length;
  gunichar *chars;      /* the folded characters, when not all ASCII */
  glong     n_chars;
  guint     anchor1;    /* the rarest two bytes of an ASCII needle, in order */
  guint     anchor2;
};

static void choose_anchors (LdTextNeedle *needle);

/**
 * ld_text_fold_char:
 * @c: a character
 *
 * Returns: @c by Unicode simple case mapping: lower (upper (@c)), so that
 *   final sigma and the micro sign fold like their Greek letters
 */
gunichar
ld_text_fold_char (gunichar c)
{
  if (c < 0x80)
    return g_ascii_tolower (c);

  return g_unichar_tolower (g_unichar_toupper (c));
}

/**
 * ld_text_needle_new:
 * @needle: the text to look for, valid UTF-8
 * @length: its length in bytes, or -1 if nul-terminated
 *
 * Returns: (transfer full): the folded needle
 */
LdTextNeedle *
ld_text_needle_new (const char *needle,
                    gssize      length)
{
  LdTextNeedle *self = g_aligned_alloc0 (1, sizeof (LdTextNeedle), 16);
  GString *folded = g_string_new (NULL);
  const char *end;
  gboolean ascii = TRUE;

  if (length < 0)
    length = strlen (needle);
  end = needle + length;

  for (const char *p = needle; p < end; p = g_utf8_next_char (p))
    {
      gunichar c = ld_text_fold_char (g_utf8_get_char (p));

      ascii = ascii && c < 0x80;
      g_string_append_unichar (folded, c);
    }

  self->length = folded->len;
  self->folded = g_string_free (folded, FALSE);
  if (!ascii)
    self->chars = g_utf8_to_ucs4_fast (self->folded, self->length, &self->n_chars);
  else if (self->length > 0)
    choose_anchors (self);

  return self;
}

void
ld_text_needle_free (LdTextNeedle *needle)
{
  if (needle == NULL)
    return;

  g_free (needle->folded);
  g_free (needle->chars);
  g_aligned_free (needle);
}

const char *
ld_text_needle_get_folded (const LdTextNeedle *needle)
{
  return needle->folded;
}

static inline guint8
ascii_lower (guint8 c)
{
  return (guint8) (c - 'A') < 26 ? c | 0x20 : c;
}

/* OR-ing 0x20 folds the case of a letter and of nothing else that could
 * then compare equal to that lower-case letter; other bytes compare as
 * they are. */
static inline guint8
case_bit (guint8 folded)
{
  return (guint8) (folded - 'a') < 26 ? 0x20 : 0;
}

static inline gboolean
ascii_equal_folded (const guint8 *text,
                    const guint8 *folded,
                    gsize         length)
{
  for (gsize i = 0; i < length; i++)
    if (ascii_lower (text[i]) != folded[i])
      return FALSE;

  return TRUE;
}

/* How common a (folded) byte is in log text, roughly: the search anchors on
 * the two rarest bytes of the needle, so that few places need a full
 * comparison. Letters follow English frequency; digits, spaces and the
 * punctuation of paths and key=value pairs are about as common as the
 * commonest letters. */
static guint
byte_commonness (guint8 c)
{
  static const char letters[] = "etaoinsrhldcumfpgwybvkxjqz";
  const char *at;

  if (c == ' ')
    return 255;
  if (g_ascii_isdigit (c))
    return 240;
  if (c >= 'a' && c <= 'z' && (at = strchr (letters, c)) != NULL)
    return 250 - 4 * (at - letters);
  if (c != '\0' && strchr ("./:=-_,", c) != NULL)
    return 200;

  return 100;
}

static void
choose_anchors (LdTextNeedle *needle)
{
  const guint8 *bytes = (const guint8 *) needle->folded;
  guint best = 0, second = needle->length > 1 ? 1 : 0;

  if (byte_commonness (bytes[second]) < byte_commonness (bytes[best]))
    best = second, second = 0;
  for (guint i = 2; i < needle->length; i++)
    if (byte_commonness (bytes[i]) < byte_commonness (bytes[best]))
      second = best, best = i;
    else if (byte_commonness (bytes[i]) < byte_commonness (bytes[second]))
      second = i;

  needle->anchor1 = MIN (best, second);
  needle->anchor2 = MAX (best, second);

#ifdef __SSE2__
  {
    guint8 a = bytes[needle->anchor1], b = bytes[needle->anchor2];

    needle->anchors.byte1 = _mm_set1_epi8 ((char) a);
    needle->anchors.bit1 = _mm_set1_epi8 ((char) case_bit (a));
    needle->anchors.byte2 = _mm_set1_epi8 ((char) b);
    needle->anchors.bit2 = _mm_set1_epi8 ((char) case_bit (b));
  }
#endif
}

static inline gboolean
anchors_match (const LdTextNeedle *needle,
               const guint8       *at)
{
  guint8 a = needle->folded[needle->anchor1], b = needle->folded[needle->anchor2];

  return (at[needle->anchor1] | case_bit (a)) == a && (at[needle->anchor2] | case_bit (b)) == b;
}

static gssize
ascii_find_scalar (const LdTextNeedle *needle,
                   const guint8       *text,
                   gsize               length)
{
  for (gsize i = 0; i + needle->length <= length; i++)
    if (anchors_match (needle, text + i)
        && ascii_equal_folded (text + i, (const guint8 *) needle->folded, needle->length))
      return i;

  return -1;
}

#ifdef __SSE2__

/* Where in the 16 places from @at both anchors agree, as bits. */
static inline guint
block_candidates (const Anchors *anchors,
                  const guint8  *at1,
                  const guint8  *at2)
{
  __m128i x = _mm_or_si128 (_mm_loadu_si128 ((const __m128i *) at1), anchors->bit1);
  __m128i y = _mm_or_si128 (_mm_loadu_si128 ((const __m128i *) at2), anchors->bit2);

  return _mm_movemask_epi8 (_mm_and_si128 (_mm_cmpeq_epi8 (x, anchors->byte1),
                                           _mm_cmpeq_epi8 (y, anchors->byte2)));
}

static inline gssize
check_candidates (const LdTextNeedle *needle,
                  const guint8       *text,
                  gsize               block,
                  guint               mask)
{
  for (; mask != 0; mask &= mask - 1)
    {
      gsize at = block + __builtin_ctz (mask);

      if (ascii_equal_folded (text + at, (const guint8 *) needle->folded, needle->length))
        return at;
    }

  return -1;
}

/* Compares the two anchor bytes at 16 places at a time and the whole needle
 * only where both agree. The last block is moved back to end where the
 * needle's last place is, and the places it has already seen are masked
 * out. The text must be at least 15 bytes longer than the needle. */
static gssize
ascii_find_vector (const LdTextNeedle *needle,
                   const guint8       *text,
                   gsize               length)
{
  const Anchors *anchors = &needle->anchors;
  const guint8 *at1 = text + needle->anchor1, *at2 = text + needle->anchor2;
  gsize last = length - needle->length - 15;
  gsize block;
  gssize found;

  for (block = 0; block < last; block += 16)
    if ((found = check_candidates (needle, text, block,
                                   block_candidates (anchors, at1 + block, at2 + block))) >= 0)
      return found;

  return check_candidates (needle, text, last,
                           block_candidates (anchors, at1 + last, at2 + last)
                           & ~((1u << (block - last)) - 1));
}
#endif

static gssize
ascii_find (const LdTextNeedle *needle,
            const guint8       *text,
            gsize               length)
{
  if (needle->length > length)
    return -1;

#ifdef __SSE2__
  if (length >= needle->length + 15)
    return ascii_find_vector (needle, text, length);
#endif

  return ascii_find_scalar (needle, text, length);
}

/**
 * ld_text_has_non_ascii:
 * @text: some text
 * @length: its length in bytes
 *
 * Returns: %TRUE if a byte of @text is not ASCII
 */
gboolean
ld_text_has_non_ascii (const char *text,
                       gsize       length)
{
  const guint8 *bytes = (const guint8 *) text;
  gsize i = 0;

#ifdef __SSE2__
  for (; i + 16 <= length; i += 16)
    if (_mm_movemask_epi8 (_mm_loadu_si128 ((const __m128i *) (bytes + i))) != 0)
      return TRUE;
#endif

  for (; i < length; i++)
    if (bytes[i] >= 0x80)
      return TRUE;

  return FALSE;
}

/* Returns where the needle ends if it matches at @p, or NULL. */
static const char *
unicode_match_at (const LdTextNeedle *needle,
                  const char         *p,
                  const char         *stop)
{
  for (glong j = 0; j < needle->n_chars; j++)
    {
      gunichar c;

      if (p >= stop)
        return NULL;
      c = g_utf8_get_char_validated (p, stop - p);
      if (c == (gunichar) -1 || c == (gunichar) -2 || ld_text_fold_char (c) != needle->chars[j])
        return NULL;
      p = g_utf8_next_char (p);
    }

  return p;
}

static gboolean
unicode_find (const LdTextNeedle *needle,
              const char         *text,
              gsize               length,
              gsize              *start,
              gsize              *end)
{
  const char *stop = text + length;
  gboolean skip_ascii = needle->chars[0] >= 0x80;

  /* ASCII folds to ASCII, so only a text with a non-ASCII byte can match. */
  if (!ld_text_has_non_ascii (text, length))
    return FALSE;

  for (const char *p = text; p < stop; p = g_utf8_next_char (p))
    {
      const char *match_end;

      while (skip_ascii && p < stop && (guint8) *p < 0x80)
        p++;
      if (p >= stop)
        break;
      if ((match_end = unicode_match_at (needle, p, stop)) != NULL)
        {
          *start = p - text;
          *end = match_end - text;
          return TRUE;
        }
    }

  return FALSE;
}

/**
 * ld_text_needle_find:
 * @needle: a needle
 * @text: valid UTF-8
 * @length: its length in bytes
 * @start: (out) (optional): where the first match starts
 * @end: (out) (optional): where it ends, which for a non-ASCII needle may
 *   be more or fewer bytes than the needle has
 *
 * Returns: %TRUE if @text contains @needle, ignoring case. An empty needle
 *   is found at the start of any text.
 */
gboolean
ld_text_needle_find (const LdTextNeedle *needle,
                     const char         *text,
                     gsize               length,
                     gsize              *start,
                     gsize              *end)
{
  gsize match_start = 0, match_end = 0;
  gboolean found;

  if (needle->length == 0)
    found = TRUE;
  else if (needle->chars == NULL)
    {
      gssize at = ascii_find (needle, (const guint8 *) text, length);

      found = at >= 0;
      match_start = found ? (gsize) at : 0;
      match_end = match_start + needle->length;
    }
  else
    found = unicode_find (needle, text, length, &match_start, &match_end);

  if (found && start != NULL)
    *start = match_start;
  if (found && end != NULL)
    *end = match_end;

  return found;
}

/* Regex prefilter: a literal that every match of a pattern must contain.
 * The scan is deliberately conservative: whatever it does not understand
 * ends the current run of literal characters, and patterns whose meaning
 * could differ from a plain reading (alternation at the top, \Q…\E, inline
 * options such as (?x)) have no literal at all. */

typedef struct
{
  const char *p;
  int         depth;
  GString    *run;
  GString    *best;
  gboolean    give_up;
} LiteralScan;

static void
end_run (LiteralScan *scan)
{
  if (scan->run->len > scan->best->len)
    g_string_assign (scan->best, scan->run->str);
  g_string_truncate (scan->run, 0);
}

static const char *
skip_to (const char *p,
         char        closer)
{
  while (*p != '\0' && *p != closer)
    p++;

  return *p == closer ? p + 1 : p;
}

/* Skips what follows the letter of an escape such as \x41, \p{Lu} or \k<n>. */
static const char *
skip_escape_argument (char        letter,
                      const char *p)
{
  if (*p == '{')
    return skip_to (p, '}');
  if (letter == 'x')
    {
      for (int i = 0; i < 2 && g_ascii_isxdigit (*p); i++)
        p++;
      return p;
    }
  if (g_ascii_isdigit (letter) || letter == 'g')
    {
      while (*p == '-' || *p == '+' || g_ascii_isdigit (*p))
        p++;
      return p;
    }
  if ((letter == 'k' || letter == 'g') && (*p == '<' || *p == '\''))
    return skip_to (p + 1, *p == '<' ? '>' : '\'');
  if ((letter == 'c' || letter == 'p' || letter == 'P') && *p != '\0')
    return p + 1;

  return p;
}

static void
scan_escape (LiteralScan *scan)
{
  char c = scan->p[1];

  if (c == '\0')
    {
      scan->p++;
      return;
    }
  if (c == 'Q' || c == 'E')
    scan->give_up = TRUE;

  /* A backslash before ASCII punctuation always means that character. */
  if ((guint8) c < 0x80 && !g_ascii_isalnum (c))
    {
      if (scan->depth == 0)
        g_string_append_c (scan->run, c);
      scan->p += 2;
      return;
    }

  if (scan->depth == 0)
    end_run (scan);
  scan->p = skip_escape_argument (c, scan->p + 2);
}

static void
scan_class (LiteralScan *scan)
{
  const char *p = scan->p + 1;

  if (*p == '^')
    p++;
  if (*p == ']')
    p++;
  while (*p != '\0' && *p != ']')
    {
      if (*p == '\\' && p[1] != '\0')
        p += 2;
      else if (p[0] == '[' && p[1] == ':')
        p = strstr (p, ":]") != NULL ? strstr (p, ":]") + 2 : p + 1;
      else
        p++;
    }

  if (scan->depth == 0)
    end_run (scan);
  scan->p = *p == ']' ? p + 1 : p;
}

static void
scan_group_open (LiteralScan *scan)
{
  const char *p = scan->p + 1;

  /* (?: (?< (?' (?= (?! (?> (?| (?P name groups and lookarounds; any other
   * (? is an option setting or a comment, which may change what follows. */
  if (*p == '?' && strchr (":<'=!>|P", p[1]) == NULL)
    scan->give_up = TRUE;
  if (*p == '*')
    scan->give_up = TRUE;

  if (scan->depth == 0)
    end_run (scan);
  scan->depth++;
  scan->p++;
}

/* Reads {n}, {n,} or {n,m} at @p; returns the minimum or -1 if @p does
 * not start a quantifier. */
static int
brace_quantifier_min (const char  *p,
                      const char **after)
{
  int min = 0;
  const char *q = p + 1;

  if (!g_ascii_isdigit (*q))
    return -1;
  for (; g_ascii_isdigit (*q); q++)
    min = MIN (min * 10 + (*q - '0'), 65536);
  if (*q == ',')
    for (q++; g_ascii_isdigit (*q); q++)
      ;
  if (*q != '}')
    return -1;

  *after = q + 1;
  return min;
}

static void
scan_quantifier (LiteralScan *scan)
{
  char c = *scan->p;
  const char *after = scan->p + 1;
  int min = c == '+' ? 1 : 0;

  if (c == '{' && (min = brace_quantifier_min (scan->p, &after)) < 0)
    {
      /* A brace that starts no quantifier is a literal; leaving it out of
       * the run is the cautious reading. */
      end_run (scan);
      scan->p++;
      return;
    }

  /* The quantifier applies to the last literal, if the run ends in one. */
  if (min == 0 && scan->run->len > 0)
    g_string_truncate (scan->run, scan->run->len - 1);
  end_run (scan);
  scan->p = after;
}

static void
scan_one (LiteralScan *scan)
{
  char c = *scan->p;

  if (c == '\\')
    scan_escape (scan);
  else if (c == '[')
    scan_class (scan);
  else if (c == '(')
    scan_group_open (scan);
  else if (c == ')')
    {
      scan->depth--;
      scan->p++;
    }
  else if (scan->depth > 0)
    scan->p++;
  else if (c == '|')
    scan->give_up = TRUE;
  else if (strchr ("*?+{", c) != NULL)
    scan_quantifier (scan);
  else if ((guint8) c >= 0x80 || strchr (".^$", c) != NULL)
    {
      end_run (scan);
      scan->p = (guint8) c >= 0x80 ? g_utf8_next_char (scan->p) : scan->p + 1;
    }
  else
    g_string_append_c (scan->run, *scan->p++);
}

/**
 * ld_regex_required_literal:
 * @pattern: a regular expression that compiles
 *
 * Finds the longest run of ASCII characters that every match of @pattern
 * contains, for a quick case-insensitive substring test that rejects most
 * texts before the regex runs.
 *
 * Returns: (transfer full) (nullable): the literal, or %NULL if there is
 *   none of at least two characters
 */
char *
ld_regex_required_literal (const char *pattern)
{
  g_autoptr(GString) run = g_string_new (NULL);
  g_autoptr(GString) best = g_string_new (NULL);
  LiteralScan scan = { pattern, 0, run, best, FALSE };

  while (*scan.p != '\0' && !scan.give_up)
    scan_one (&scan);
  end_run (&scan);

  if (scan.give_up || best->len < 2)
    return NULL;

  return g_strdup (best->str);
}
