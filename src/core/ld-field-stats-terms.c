// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <string.h>

#include "ld-field-stats.h"
#include "ld-query.h"

/* Click-to-filter: the query term that filters to, or excludes, one value
 * of a field (as a user would type it), and the filter's text with that
 * term put in. The counting is in ld-field-stats.c. */

/* Query terms */

static const char *const query_names[] = {
  [LD_STATS_FIELD_LEVEL] = "level",
  [LD_STATS_FIELD_LOGGER] = "logger",
  [LD_STATS_FIELD_THREAD] = "thread",
  [LD_STATS_FIELD_CONNECTION] = "conn",
  [LD_STATS_FIELD_PEER] = "peer",
  [LD_STATS_FIELD_PROTOCOL] = "protocol",
  [LD_STATS_FIELD_HOST] = "host",
  [LD_STATS_FIELD_SERVICE] = "service",
  [LD_STATS_FIELD_FILE] = "file",
  [LD_STATS_FIELD_FUNCTION] = "function",
};

const char *
ld_stats_field_get_name (LdStatsField field)
{
  g_return_val_if_fail (field < LD_STATS_FIELD_EXTRA, NULL);

  return query_names[field];
}

/* What the query language reads as a field's name. */
static gboolean
is_query_name (const char *name)
{
  if (!g_ascii_isalpha (*name) && *name != '_' && *name != '@')
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("_.@-", *p) == NULL)
      return FALSE;

  return TRUE;
}

/**
 * ld_field_stats_term:
 * @field: a field
 * @key: (nullable): the extra field's key, for %LD_STATS_FIELD_EXTRA
 * @value: one of its values
 * @exclude: whether the term hides the records with @value rather than shows only them
 *
 * Returns: (transfer full) (nullable): the query term a user would type,
 *   key="value" or -key="value", or %NULL if the query language cannot name the key
 */
char *
ld_field_stats_term (LdStatsField  field,
                     const char   *key,
                     const char   *value,
                     gboolean      exclude)
{
  g_autoptr(GString) quoted = g_string_new (value);
  g_autofree char *name = NULL;

  g_return_val_if_fail (field < LD_STATS_FIELD_NONE, NULL);
  g_return_val_if_fail (value != NULL, NULL);

  if (field != LD_STATS_FIELD_EXTRA)
    name = g_strdup (query_names[field]);
  else if (key == NULL || !is_query_name (key) || g_str_has_prefix (key, "extra."))
    return NULL;
  else if (ld_query_is_field_name (key))
    name = g_strconcat ("extra.", key, NULL);
  else
    name = g_strdup (key);

  g_string_replace (quoted, "\\", "\\\\", 0);
  g_string_replace (quoted, "\"", "\\\"", 0);

  return g_strdup_printf ("%s%s=\"%s\"", exclude ? "-" : "", name, quoted->str);
}

/* The nesting after @word, from @depth before it, as the parser reads
 * parentheses: "(" opens a group among the "-" and "(" a term starts with
 * (up to a "--", which starts a word: "--(a"), ")" closes one only when one
 * is open, and elsewhere, or quoted, either is a character of a word
 * ("f(x)", "a)"). @has_parens says whether @word opened or closed any. */
static int
paren_depth (const char *word,
             int         depth,
             gboolean   *has_parens)
{
  gboolean quoted = FALSE;
  /* Whether every character so far is a "-" or a "(". */
  gboolean prefix = TRUE;

  *has_parens = FALSE;
  for (const char *p = word; *p != '\0'; p++)
    {
      if (prefix && *p == '(')
        {
          depth++;
          *has_parens = TRUE;
          continue;
        }
      prefix = prefix && *p == '-' && p[1] != '-';
      if (*p == '\\' && p[1] != '\0' && quoted)
        p++;
      else if (ld_query_quote_toggles (word, p, quoted))
        quoted = !quoted;
      else if (!quoted && *p == ')' && depth > 0)
        {
          depth--;
          *has_parens = TRUE;
        }
    }
  return depth;
}

/* Whether taking @terms[@i] out leaves the rest meaning what it did without
 * it: a term ANDed with the rest at the top, not one side of an OR or inside
 * parentheses. */
static gboolean
is_top_level_and (GPtrArray *terms,
                  guint      i,
                  int        depth)
{
  gboolean has_parens;

  paren_depth (g_ptr_array_index (terms, i), depth, &has_parens);
  /* A neighbouring AND stays with its term: taken out alone, it would leave
   * "AND a", which does not parse. */
  return depth == 0 && !has_parens
         && (i == 0 || (strcmp (g_ptr_array_index (terms, i - 1), "OR") != 0
                        && strcmp (g_ptr_array_index (terms, i - 1), "AND") != 0))
         && (i + 1 == terms->len
             || (strcmp (g_ptr_array_index (terms, i + 1), "OR") != 0
                 && strcmp (g_ptr_array_index (terms, i + 1), "AND") != 0));
}

/* A term as the parser writes it back, to compare with the query's. */
static char *
normal_term (const char *term)
{
  g_autoptr(LdQuery) parsed = ld_query_parse (term, 0, NULL);

  return parsed != NULL ? ld_query_to_string (parsed) : g_strdup (term);
}

/* Whether a change takes @word out of the query; @normal says whether it is
 * written as ld_query_to_string() writes a term, or as typed. */
typedef gboolean (*DropFunc) (const char *word,
                              gboolean    normal,
                              gpointer    data);

/* Whether @text's ANDed terms are @query's in order, less those @drop
 * takes out, then @added's. Unless @strict, a term @drop takes out may
 * also stay (beside an OR or in parentheses, where it was typed). */
static gboolean
has_terms (const char    *text,
           const LdQuery *query,
           DropFunc       drop,
           gpointer       data,
           const char    *added,
           gboolean       strict)
{
  g_autoptr(LdQuery) parsed = ld_query_parse (text, 0, NULL);
  g_autoptr(LdQuery) parsed_added = ld_query_parse (added, 0, NULL);
  g_autoptr(GPtrArray) got = NULL;
  g_autoptr(GPtrArray) tail = NULL;
  g_autoptr(GPtrArray) before = ld_query_dup_and_terms (query);
  guint n = 0, limit;

  if (parsed == NULL || parsed_added == NULL)
    return FALSE;
  got = ld_query_dup_and_terms (parsed);
  tail = ld_query_dup_and_terms (parsed_added);
  if (tail->len == 0 || got->len < tail->len)
    return FALSE;
  limit = got->len - tail->len;
  for (guint i = 0; i < tail->len; i++)
    if (strcmp (g_ptr_array_index (got, limit + i), g_ptr_array_index (tail, i)) != 0)
      return FALSE;

  for (guint i = 0; i < before->len; i++)
    {
      const char *word = g_ptr_array_index (before, i);
      gboolean dropped = drop (word, TRUE, data);

      if (n < limit && strcmp (word, g_ptr_array_index (got, n)) == 0 && !(strict && dropped))
        n++;
      else if (!dropped)
        return FALSE;
    }
  return n == limit;
}

/* @query's ANDed terms as the parser writes them, less those @drop takes
 * out, then @added. */
static char *
query_normalized (const LdQuery *query,
                  DropFunc       drop,
                  gpointer       data,
                  const char    *added)
{
  g_autoptr(GPtrArray) rest = ld_query_dup_and_terms (query);
  GString *result = g_string_new (NULL);

  for (guint i = 0; i < rest->len; i++)
    {
      const char *word = g_ptr_array_index (rest, i);

      if (!drop (word, TRUE, data))
        g_string_append_printf (result, "%s ", word);
    }
  g_string_append (result, added);

  return g_string_free (result, FALSE);
}

/* @query with the words @drop takes out taken out where they are ANDed
 * with the rest, and @added ANDed at the end; see
 * ld_field_stats_query_with_term(). */
static char *
replace_terms (const char *query,
               DropFunc    drop,
               gpointer    data,
               const char *added,
               gboolean    strict)
{
  g_autoptr(GPtrArray) terms = ld_query_split_terms (query != NULL ? query : "");
  g_autoptr(GString) result = g_string_new (NULL);
  g_autoptr(LdQuery) parsed = terms->len > 0 ? ld_query_parse (query, 0, NULL) : NULL;
  int depth = 0;

  if (parsed != NULL && ld_query_has_slash_terms (parsed))
    return query_normalized (parsed, drop, data, added);

  for (guint i = 0; i < terms->len; i++)
    {
      const char *word = g_ptr_array_index (terms, i);
      gboolean has_parens;

      /* Beside an OR, or in parentheses, a word stays: taking it out
       * would change the rest. */
      if (drop (word, FALSE, data) && is_top_level_and (terms, i, depth))
        continue;
      depth = paren_depth (word, depth, &has_parens);
      g_string_append_printf (result, "%s ", word);
    }
  g_string_append (result, added);

  /* Words are split as the parser reads them in every case the fuzzer and
   * the reviews met, but a word that runs into a group ("OR(", "(a)OR",
   * '(a)"x  y"') is read otherwise: the result must be the query's own
   * ANDed terms, less those taken out, then the new ones, or the parser
   * rebuilds it. */
  if (parsed != NULL && !has_terms (result->str, parsed, drop, data, added, strict))
    return query_normalized (parsed, drop, data, added);

  return g_string_free (g_steal_pointer (&result), FALSE);
}

typedef struct
{
  const char *term;
  const char *opposite;
  char       *same;       /* the two as the parser writes them */
  char       *other;
} TermDrop;

static gboolean
drop_term (const char *word,
           gboolean    normal,
           gpointer    data)
{
  const TermDrop *drop = data;

  return normal ? strcmp (word, drop->same) == 0 || strcmp (word, drop->other) == 0
                : strcmp (word, drop->term) == 0 || strcmp (word, drop->opposite) == 0;
}

/**
 * ld_field_stats_query_with_term:
 * @query: the filter's text
 * @term: a term from ld_field_stats_term()
 *
 * Adds @term to @query as a user would: once, and in place of its opposite
 * (key="v" replaces -key="v" and the other way round) where that term is
 * ANDed with the rest; beside an OR or in parentheses the term is ANDed at
 * the end, so "a OR level=ERROR" excluding ERROR gives
 * "a OR level=ERROR -level=ERROR", which is what was meant.
 *
 * A query with a regex, or a word that starts with a slash, is not split
 * at spaces, which could cut a regex: the terms it ANDs come from the
 * parser, written as ld_query_to_string() writes them, which quotes a bare
 * "/word", so that a slash in the term cannot close it as a regex (the
 * fuzz-find target found both).
 *
 * Returns: (transfer full): the new query text
 */
char *
ld_field_stats_query_with_term (const char *query,
                                const char *term)
{
  g_autofree char *opposite = *term == '-' ? g_strdup (term + 1) : g_strconcat ("-", term, NULL);
  g_autofree char *same = normal_term (term);
  g_autofree char *other = normal_term (opposite);
  TermDrop drop = { term, opposite, same, other };

  return replace_terms (query, drop_term, &drop, term, FALSE);
}

/* A time term: after:, before: or since:, in any case; as the parser writes
 * an ANDed term, only one term ("after:X OR b" is an OR). */
static gboolean
drop_time (const char *word,
           gboolean    normal,
           gpointer    data)
{
  g_autoptr(GPtrArray) terms = NULL;

  if (g_ascii_strncasecmp (word, "after:", 6) != 0
      && g_ascii_strncasecmp (word, "before:", 7) != 0
      && g_ascii_strncasecmp (word, "since:", 6) != 0)
    return FALSE;
  if (!normal)
    return TRUE;
  terms = ld_query_split_terms (word);
  return terms->len == 1;
}

/**
 * ld_field_stats_query_with_range:
 * @query: the filter's text
 * @range: the time terms of a range dragged across a chart, such as
 *   "after:2026-12-06T10:00:00 before:2026-12-06T10:05:00"
 *
 * Puts @range in @query in place of its time terms (after:, before: and
 * since:) that are ANDed with the rest, wherever they were typed, in
 * parentheses too: a new range replaces the old one. A time term beside
 * an OR stays, for taking it out would change what the OR means:
 * "after:X OR b" becomes "after:X OR b" ANDed with @range. The rest is
 * kept as typed, as ld_field_stats_query_with_term() keeps it.
 *
 * Returns: (transfer full): the new query text
 */
char *
ld_field_stats_query_with_range (const char *query,
                                 const char *range)
{
  return replace_terms (query, drop_time, NULL, range, TRUE);
}
