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

/* The change in nesting across @word: +1 for each "(" and -1 for each ")"
 * outside quotes; @has_parens says whether it has either. */
static int
paren_depth (const char *word,
             gboolean   *has_parens)
{
  gboolean quoted = FALSE;
  int depth = 0;

  *has_parens = FALSE;
  for (const char *p = word; *p != '\0'; p++)
    {
      if (*p == '\\' && p[1] != '\0')
        p++;
      else if (*p == '"')
        quoted = !quoted;
      else if (!quoted && (*p == '(' || *p == ')'))
        {
          depth += *p == '(' ? 1 : -1;
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

  paren_depth (g_ptr_array_index (terms, i), &has_parens);
  /* A neighbouring AND stays with its term: taken out alone, it would leave
   * "AND a", which does not parse. */
  return depth == 0 && !has_parens
         && (i == 0 || (strcmp (g_ptr_array_index (terms, i - 1), "OR") != 0
                        && strcmp (g_ptr_array_index (terms, i - 1), "AND") != 0))
         && (i + 1 == terms->len
             || (strcmp (g_ptr_array_index (terms, i + 1), "OR") != 0
                 && strcmp (g_ptr_array_index (terms, i + 1), "AND") != 0));
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
 * A query with a regex, or a word that starts with a slash, gets the term
 * in front, as it is: a slash in the term would close "/word" as a regex,
 * and splitting at spaces could cut one (the fuzz-find target found both).
 *
 * Returns: (transfer full): the new query text
 */
char *
ld_field_stats_query_with_term (const char *query,
                                const char *term)
{
  g_autoptr(GPtrArray) terms = ld_query_split_terms (query != NULL ? query : "");
  g_autofree char *opposite = *term == '-' ? g_strdup (term + 1) : g_strconcat ("-", term, NULL);
  g_autoptr(GString) result = g_string_new (NULL);
  g_autoptr(LdQuery) parsed = terms->len > 0 ? ld_query_parse (query, 0, NULL) : NULL;

  int depth = 0;

  if (parsed != NULL && ld_query_has_slash_terms (parsed))
    return g_strconcat (term, " ", query, NULL);

  for (guint i = 0; i < terms->len; i++)
    {
      const char *word = g_ptr_array_index (terms, i);
      gboolean has_parens;

      /* The term is ANDed at the end: one of the same words beside an OR,
       * or in parentheses, stays, for taking it out would change the rest. */
      if ((strcmp (word, term) == 0 || strcmp (word, opposite) == 0)
          && is_top_level_and (terms, i, depth))
        continue;
      depth += paren_depth (word, &has_parens);
      g_string_append_printf (result, "%s ", word);
    }
  g_string_append (result, term);

  return g_string_free (g_steal_pointer (&result), FALSE);
}
