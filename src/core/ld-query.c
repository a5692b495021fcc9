// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>

#include "ld-level.h"
#include "ld-query-private.h"
#include "ld-ws-prefix.h"

/* A query compiled once into a tree whose leaves test the compact record
 * directly: interned fields by id, through a cache of one verdict per id;
 * numbers and times as integers; text with a folded needle. AND and OR try
 * their cheapest children first. */
struct _LdQuery
{
  gatomicrefcount  ref_count;
  char            *text;
  LdNode          *root;      /* an AND; no children means "everything" */
  gboolean         relative;  /* since:10m and the like: a time counts back from now */
};

#define MAX_RANGES 4096

G_DEFINE_BOXED_TYPE (LdQuery, ld_query, ld_query_ref, ld_query_unref)

/* Errors carry the byte offset of the mistake, for the filter bar to point
 * at. */
typedef struct
{
  gsize offset;
} LdQueryErrorPrivate;

static void
ld_query_error_private_init (LdQueryErrorPrivate *priv)
{
  priv->offset = 0;
}

static void
ld_query_error_private_copy (const LdQueryErrorPrivate *src,
                             LdQueryErrorPrivate       *dest)
{
  dest->offset = src->offset;
}

static void
ld_query_error_private_clear (LdQueryErrorPrivate *priv)
{
}

G_DEFINE_EXTENDED_ERROR (LdQueryError, ld_query_error)

void
ld_query_set_error (GError       **error,
                    LdQueryError   code,
                    gsize          offset,
                    const char    *format,
                    ...)
{
  g_autofree char *reason = NULL;
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, LD_QUERY_ERROR, code, _("offset %lu: %s"), (gulong) offset, reason);
  if (error != NULL)
    ld_query_error_get_private (*error)->offset = offset;
}

/**
 * ld_query_error_get_offset:
 * @error: an error
 *
 * Returns: the byte offset in the query text that @error is about, or -1
 *   if @error is not an %LD_QUERY_ERROR
 */
gssize
ld_query_error_get_offset (const GError *error)
{
  g_return_val_if_fail (error != NULL, -1);

  if (error->domain != LD_QUERY_ERROR)
    return -1;

  return ld_query_error_get_private (error)->offset;
}

LdNode *
ld_node_new (LdNodeKind kind,
             guint      offset)
{
  LdNode *node = g_new0 (LdNode, 1);

  node->kind = kind;
  node->offset = offset;
  if (kind == LD_NODE_AND || kind == LD_NODE_OR || kind == LD_NODE_NOT)
    node->children = g_ptr_array_new_with_free_func ((GDestroyNotify) ld_node_free);

  return node;
}

void
ld_node_free (LdNode *node)
{
  if (node == NULL)
    return;

  g_clear_pointer (&node->children, g_ptr_array_unref);
  g_free (node->eval);
  g_free (node->key);
  g_free (node->value);
  g_clear_pointer (&node->needle, ld_text_needle_free);
  g_clear_pointer (&node->regex, g_regex_unref);
  g_clear_pointer (&node->prefilter, ld_text_needle_free);
  g_free (node->verdicts);
  g_free (node);
}

void
ld_node_add_child (LdNode *node,
                   LdNode *child)
{
  g_ptr_array_add (node->children, child);
}

/* A rough relative cost, to try cheap tests before expensive ones. */
static guint
node_cost (const LdNode *node)
{
  guint cost = 0;

  switch (node->kind)
    {
    case LD_NODE_AND:
    case LD_NODE_OR:
    case LD_NODE_NOT:
      for (guint i = 0; i < node->children->len; i++)
        cost += node_cost (g_ptr_array_index (node->children, i));
      return MIN (cost, 1000);
    case LD_NODE_NUMBER:
    case LD_NODE_TIME:
      return 1;
    case LD_NODE_MARKED:
      return 3;
    case LD_NODE_ID:
      return 2;
    case LD_NODE_HAS:
      return node->field == LD_FIELD_EXTRA || node->field == LD_FIELD_ANY_EXTRA ? 5 : 2;
    case LD_NODE_EXTRA:
      return 6;
    case LD_NODE_TEXT:
      return 8;
    case LD_NODE_REGEX:
      return node->prefilter != NULL ? 20 : 50;
    case LD_NODE_WS:
      return 2;
    default:
      g_assert_not_reached ();
    }
}

static int
compare_cost (gconstpointer a,
              gconstpointer b)
{
  const LdNode *x = *(LdNode * const *) a, *y = *(LdNode * const *) b;
  guint cx = node_cost (x), cy = node_cost (y);

  if (cx != cy)
    return cx < cy ? -1 : 1;
  return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/**
 * ld_node_prepare:
 * @node: a node whose children are all added
 *
 * Orders the children of @node, and of every node below, for evaluation.
 */
void
ld_node_prepare (LdNode *node)
{
  if (node->children == NULL || node->children->len == 0)
    return;

  for (guint i = 0; i < node->children->len; i++)
    ld_node_prepare (g_ptr_array_index (node->children, i));

  g_free (node->eval);
  node->eval = g_memdup2 (node->children->pdata, node->children->len * sizeof (LdNode *));
  qsort (node->eval, node->children->len, sizeof (LdNode *), compare_cost);
}

/**
 * ld_query_parse:
 * @text: the query
 * @now_us: the time that relative time terms count back from, in µs since
 *   the Unix epoch (g_get_real_time() for the present)
 * @error: where to put a mistake, with its byte offset
 *
 * Returns: (transfer full) (nullable): the compiled query, or %NULL
 */
LdQuery *
ld_query_parse (const char  *text,
                gint64       now_us,
                GError     **error)
{
  LdQuery *query;
  LdNode *root;
  gboolean relative;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_utf8_validate (text, -1, NULL))
    {
      ld_query_set_error (error, LD_QUERY_ERROR_SYNTAX, 0, _("the query is not valid UTF-8"));
      return NULL;
    }

  if ((root = ld_query_parse_nodes (text, now_us, &relative, error)) == NULL)
    return NULL;

  ld_node_prepare (root);
  query = g_new0 (LdQuery, 1);
  g_atomic_ref_count_init (&query->ref_count);
  query->text = g_strdup (text);
  query->root = root;
  query->relative = relative;

  return query;
}

LdQuery *
ld_query_ref (LdQuery *query)
{
  g_return_val_if_fail (query != NULL, NULL);

  g_atomic_ref_count_inc (&query->ref_count);
  return query;
}

void
ld_query_unref (LdQuery *query)
{
  g_return_if_fail (query != NULL);

  if (!g_atomic_ref_count_dec (&query->ref_count))
    return;

  ld_node_free (query->root);
  g_free (query->text);
  g_free (query);
}

/**
 * ld_query_is_empty:
 * @query: a query
 *
 * Returns: %TRUE if @query has no terms, so that every record matches
 */
gboolean
ld_query_is_empty (const LdQuery *query)
{
  g_return_val_if_fail (query != NULL, TRUE);

  return query->root->children->len == 0;
}

/**
 * ld_query_is_relative:
 *
 * Returns: %TRUE if a time in @query counts back from the time it was parsed
 *   at (`since:10m`), so that it means other records as time passes
 */
gboolean
ld_query_is_relative (const LdQuery *query)
{
  g_return_val_if_fail (query != NULL, FALSE);

  return query->relative;
}

const char *
ld_query_get_text (const LdQuery *query)
{
  g_return_val_if_fail (query != NULL, NULL);

  return query->text;
}

/* Evaluation. */

static gboolean node_matches (LdNode         *node,
                              const LdRecord *record);

static const char *
text_field (const LdRecord *record,
            LdField         field,
            gsize          *length)
{
  switch (field)
    {
    case LD_FIELD_MESSAGE:
      return ld_record_get_message (record, length);
    case LD_FIELD_EXCEPTION:
      return ld_record_get_exception (record, length);
    case LD_FIELD_STACK:
      return ld_record_get_stack (record, length);
    default:
      g_assert_not_reached ();
    }
}

static guint32
id_field (const LdRecord *record,
          LdField         field)
{
  switch (field)
    {
    case LD_FIELD_LOGGER: return record->logger;
    case LD_FIELD_THREAD: return record->thread;
    case LD_FIELD_CONNECTION: return record->connection;
    case LD_FIELD_PEER: return record->peer;
    case LD_FIELD_PROTOCOL: return record->protocol;
    case LD_FIELD_HOST: return record->host;
    case LD_FIELD_SERVICE: return record->service;
    case LD_FIELD_FILE: return record->file;
    case LD_FIELD_FUNCTION: return record->function;
    case LD_FIELD_PROCESS: return record->process_name;
    case LD_FIELD_TASK: return record->task;
    default: g_assert_not_reached ();
    }
}

static gint64
number_field (const LdRecord *record,
              LdField         field)
{
  switch (field)
    {
    case LD_FIELD_LEVEL: return record->level;
    case LD_FIELD_LINE: return record->line;
    case LD_FIELD_PID: return record->process;
    case LD_FIELD_THREAD_ID: return record->thread_id;
    case LD_FIELD_TIME: return record->time_us;
    default: g_assert_not_reached ();
    }
}

static inline gboolean
compare (LdOp   op,
         double a,
         double b)
{
  switch (op)
    {
    case LD_OP_CONTAINS:
    case LD_OP_EQUAL: return a == b;
    case LD_OP_LT: return a < b;
    case LD_OP_LE: return a <= b;
    case LD_OP_GT: return a > b;
    case LD_OP_GE: return a >= b;
    default: g_assert_not_reached ();
    }
}

static inline gboolean
compare_int (LdOp   op,
             gint64 a,
             gint64 b)
{
  switch (op)
    {
    case LD_OP_CONTAINS:
    case LD_OP_EQUAL: return a == b;
    case LD_OP_LT: return a < b;
    case LD_OP_LE: return a <= b;
    case LD_OP_GT: return a > b;
    case LD_OP_GE: return a >= b;
    default: g_assert_not_reached ();
    }
}

static gboolean
string_verdict (LdNode     *node,
                const char *text)
{
  gsize length = strlen (text);

  /* Extra-field nodes cache whether an id is their key. */
  if (node->kind == LD_NODE_EXTRA || node->kind == LD_NODE_HAS)
    return strcmp (text, node->key) == 0;

  switch (node->op)
    {
    case LD_OP_EQUAL:
      return strcmp (text, node->value) == 0;
    case LD_OP_CONTAINS:
      return ld_text_needle_find (node->needle, text, length, NULL, NULL);
    case LD_OP_SUBTREE:
      {
        /* node->value ends in the dot: "a.b." takes a.b and a.b.x, not a.bx. */
        gsize prefix = strlen (node->value) - 1;
        return strncmp (text, node->value, prefix) == 0
               && (text[prefix] == '\0' || text[prefix] == '.');
      }
    default:
      g_assert_not_reached ();
    }
}

/* Interned strings keep appearing as records arrive, so the cache grows to
 * the number interned whenever it meets an id beyond its end. */
static G_GNUC_NO_INLINE gboolean
id_verdict_slow (LdNode  *node,
                 guint32  id)
{
  const char *text;
  gboolean verdict;

  if (id >= node->n_verdicts)
    {
      guint n = MAX (id + 1, ld_intern_count () + 1) + 64;

      node->verdicts = g_realloc (node->verdicts, n);
      memset (node->verdicts + node->n_verdicts, 0, n - node->n_verdicts);
      node->n_verdicts = n;
    }

  text = ld_intern_lookup (id);
  verdict = string_verdict (node, text != NULL ? text : "");
  node->verdicts[id] = verdict ? 1 : 2;

  return verdict;
}

static inline gboolean
id_verdict (LdNode  *node,
            guint32  id)
{
  if (G_LIKELY (id < node->n_verdicts && node->verdicts[id] != 0))
    return node->verdicts[id] == 1;

  return id_verdict_slow (node, id);
}

static gboolean
text_matches (LdNode         *node,
              const LdRecord *record)
{
  gsize length;
  const char *text;

  if (G_LIKELY (node->field == LD_FIELD_MESSAGE))
    text = ld_record_get_message (record, &length);
  else
    text = text_field (record, node->field, &length);

  if (node->op == LD_OP_EQUAL)
    return length == strlen (node->value) && memcmp (text, node->value, length) == 0;

  return ld_text_needle_find (node->needle, text, length, NULL, NULL);
}

static gboolean
regex_matches (LdNode         *node,
               const LdRecord *record)
{
  gsize length;
  const char *message = ld_record_get_message (record, &length);

  /* Caseless PCRE folds a few non-ASCII letters onto ASCII ones (K, ſ), so
   * the ASCII prefilter only rules out texts that are all ASCII. */
  if (node->prefilter != NULL
      && !ld_text_needle_find (node->prefilter, message, length, NULL, NULL)
      && !(node->caseless && ld_text_has_non_ascii (message, length)))
    return FALSE;

  return g_regex_match_full (node->regex, message, length, 0, 0, NULL, NULL);
}

static gboolean
extra_value_matches (LdNode      *node,
                     LdValueType  type,
                     const char  *value,
                     gsize        length)
{
  char buffer[64];
  char *end;
  double number;

  if (type == LD_VALUE_NULL)
    value = "null", length = 4;

  if (node->op == LD_OP_EQUAL)
    return length == strlen (node->value) && memcmp (value, node->value, length) == 0;
  if (node->op == LD_OP_CONTAINS)
    return ld_text_needle_find (node->needle, value, length, NULL, NULL);

  if (length == 0 || length >= sizeof buffer)
    return FALSE;
  memcpy (buffer, value, length);
  buffer[length] = '\0';
  number = g_ascii_strtod (buffer, &end);

  return *end == '\0' && compare (node->op, number, node->real);
}

static gboolean
extra_matches (LdNode         *node,
               const LdRecord *record)
{
  LdExtraIter iter;
  guint32 key;
  LdValueType type;
  const char *value;
  gsize length;

  ld_extra_iter_init (&iter, record);
  while (ld_extra_iter_next (&iter, &key, &type, &value, &length))
    if (id_verdict (node, key)
        && (node->kind == LD_NODE_HAS || extra_value_matches (node, type, value, length)))
      return TRUE;

  return FALSE;
}

static gboolean
has_matches (LdNode         *node,
             const LdRecord *record)
{
  gsize length;

  switch (node->field)
    {
    case LD_FIELD_MESSAGE:
    case LD_FIELD_EXCEPTION:
    case LD_FIELD_STACK:
      text_field (record, node->field, &length);
      return length > 0;
    case LD_FIELD_LINE:
    case LD_FIELD_PID:
    case LD_FIELD_THREAD_ID:
      return number_field (record, node->field) != 0;
    case LD_FIELD_EXTRA:
      return extra_matches (node, record);
    case LD_FIELD_ANY_EXTRA:
      return ld_record_n_extras (record) > 0;
    default:
      return id_field (record, node->field) != LD_INTERN_NONE;
    }
}

static gboolean
all_match (LdNode         *node,
           const LdRecord *record)
{
  for (guint i = 0; i < node->children->len; i++)
    if (!node_matches (node->eval[i], record))
      return FALSE;

  return TRUE;
}

static gboolean
any_matches (LdNode         *node,
             const LdRecord *record)
{
  for (guint i = 0; i < node->children->len; i++)
    if (node_matches (node->eval[i], record))
      return TRUE;

  return FALSE;
}

static gboolean
node_matches (LdNode         *node,
              const LdRecord *record)
{
  switch (node->kind)
    {
    case LD_NODE_AND: return all_match (node, record);
    case LD_NODE_OR: return any_matches (node, record);
    case LD_NODE_NOT: return !node_matches (node->eval[0], record);
    case LD_NODE_TEXT: return text_matches (node, record);
    case LD_NODE_REGEX: return regex_matches (node, record);
    case LD_NODE_ID: return id_verdict (node, id_field (record, node->field));
    case LD_NODE_NUMBER:
    case LD_NODE_TIME:
      return compare_int (node->op, number_field (record, node->field), node->number);
    case LD_NODE_EXTRA: return extra_matches (node, record);
    case LD_NODE_HAS: return has_matches (node, record);
    case LD_NODE_WS: return ld_ws_prefix_of_record (record) == node->number;
    case LD_NODE_MARKED:
      return node->mark_func != NULL && node->mark_func (record, node->mark_data);
    default: g_assert_not_reached ();
    }
}

/**
 * ld_query_matches:
 * @query: a query
 * @record: a record in a store
 *
 * Returns: %TRUE if @record matches @query
 */
gboolean
ld_query_matches (const LdQuery  *query,
                  const LdRecord *record)
{
  g_return_val_if_fail (query != NULL, FALSE);
  g_return_val_if_fail (record != NULL, FALSE);

  /* Most queries are one term: skip the AND around it. */
  if (query->root->children->len == 1)
    return node_matches (query->root->eval[0], record);

  return all_match (query->root, record);
}

/* Whether @node or a node under it passes @test. */
static gboolean
node_any (const LdNode *node,
          gboolean    (*test) (const LdNode *node, const char *text),
          const char   *text)
{
  if (test (node, text))
    return TRUE;
  if (node->children == NULL)
    return FALSE;

  for (guint i = 0; i < node->children->len; i++)
    if (node_any (g_ptr_array_index (node->children, i), test, text))
      return TRUE;

  return FALSE;
}

/* Marks. */

static gboolean
is_marked_node (const LdNode *node,
                const char   *text)
{
  return node->kind == LD_NODE_MARKED;
}

/**
 * ld_query_uses_marks:
 * @query: a query
 *
 * Returns: %TRUE if @query has an `is:marked` term, so that its verdicts
 *   change when the marks do
 */
gboolean
ld_query_uses_marks (const LdQuery *query)
{
  g_return_val_if_fail (query != NULL, FALSE);

  return node_any (query->root, is_marked_node, query->text);
}

/* A regex, or a bare word that starts with a slash. */
static gboolean
is_slash_node (const LdNode *node,
               const char   *text)
{
  return node->kind == LD_NODE_REGEX
         || (node->kind == LD_NODE_TEXT && node->plain && text[node->offset] == '/');
}

/**
 * ld_query_has_slash_terms:
 * @query: a query
 *
 * Whether @query has a regex, or a word that starts with a slash. Text
 * added after such a query can change how it reads (a slash in it closes
 * the word as a regex), and splitting its text at spaces can cut a regex:
 * a term is then put before the rest rather than after.
 *
 * Returns: %TRUE if a term of @query starts with a slash
 */
gboolean
ld_query_has_slash_terms (const LdQuery *query)
{
  g_return_val_if_fail (query != NULL, FALSE);

  return node_any (query->root, is_slash_node, query->text);
}

static void
node_set_mark_func (LdNode          *node,
                    LdQueryMarkFunc  func,
                    gpointer         user_data)
{
  node->mark_func = func;
  node->mark_data = user_data;
  if (node->children == NULL)
    return;

  for (guint i = 0; i < node->children->len; i++)
    node_set_mark_func (g_ptr_array_index (node->children, i), func, user_data);
}

/**
 * ld_query_set_mark_func:
 * @query: a query
 * @func: (nullable): tells whether a record is marked
 * @user_data: for @func, which must outlive @query's use
 *
 * Gives `is:marked` its answer. The function is kept in the terms that ask
 * it, so a query without `is:marked` matches exactly as fast as before; one
 * with it asks @func once per record it gets that far.
 */
void
ld_query_set_mark_func (LdQuery         *query,
                        LdQueryMarkFunc  func,
                        gpointer         user_data)
{
  g_return_if_fail (query != NULL);

  node_set_mark_func (query->root, func, user_data);
}

/* Printing. */

static gboolean
needs_quotes (const char *value,
              gboolean    plain)
{
  if (*value == '\0')
    return TRUE;
  if (strpbrk (value, " \t\n\r\f\v\"()") != NULL)
    return TRUE;
  if (!plain)
    return FALSE;

  /* A plain word must not read back as an operator or a field term. */
  return *value == '-' || *value == '/' || strcmp (value, "OR") == 0
         || strcmp (value, "AND") == 0 || strpbrk (value, ":=<>!") != NULL;
}

static void
append_value (GString    *out,
              const char *value,
              gboolean    plain)
{
  g_return_if_fail (out != NULL && value != NULL);

  if (!needs_quotes (value, plain))
    {
      g_string_append (out, value);
      return;
    }

  g_string_append_c (out, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/**
 * ld_query_append_value:
 * @out: where to append
 * @value: a field term's value, as a sender sent it
 *
 * Appends @value as the value of a field term (after `name:` or `name=`),
 * quoted and escaped where it must be, so that any text a sender chose
 * (spaces, quotes, parentheses) reads back as that one value.
 */
void
ld_query_append_value (GString    *out,
                       const char *value)
{
  append_value (out, value, FALSE);
}

static const char *
op_text (const LdNode *node)
{
  if (node->kind == LD_NODE_TIME || node->kind == LD_NODE_HAS || node->kind == LD_NODE_WS
      || node->kind == LD_NODE_MARKED)
    return ":";

  switch (node->op)
    {
    case LD_OP_CONTAINS:
    case LD_OP_SUBTREE:
      return node->kind == LD_NODE_NUMBER ? "=" : ":";
    case LD_OP_EQUAL: return "=";
    case LD_OP_LT: return "<";
    case LD_OP_LE: return "<=";
    case LD_OP_GT: return ">";
    case LD_OP_GE: return ">=";
    default: g_assert_not_reached ();
    }
}

static void print_node (const LdNode *node,
                        GString      *out,
                        LdNodeKind    parent);

static void
print_children (const LdNode *node,
                GString      *out,
                const char   *separator)
{
  for (guint i = 0; i < node->children->len; i++)
    {
      if (i > 0)
        g_string_append (out, separator);
      print_node (g_ptr_array_index (node->children, i), out, node->kind);
    }
}

static void
print_group (const LdNode *node,
             GString      *out,
             LdNodeKind    parent)
{
  /* OR binds tighter than AND, so only an AND under an OR, or anything
   * compound under a NOT, needs parentheses. */
  gboolean compound = node->children->len > 1;
  gboolean parens = compound && (parent == LD_NODE_NOT
                                 || (parent == LD_NODE_OR && node->kind == LD_NODE_AND));

  if (parens)
    g_string_append_c (out, '(');
  print_children (node, out, node->kind == LD_NODE_AND ? " " : " OR ");
  if (parens)
    g_string_append_c (out, ')');
}

static void
print_level (const LdNode *node,
             GString      *out)
{
  const char *name = ld_level_canonical_name ((int) node->number);

  if (name != NULL)
    g_string_append (out, name);
  else
    g_string_append_printf (out, "%" G_GINT64_FORMAT, node->number);
}

static void
print_term (const LdNode *node,
            GString      *out)
{
  if (node->kind == LD_NODE_REGEX)
    {
      g_string_append_printf (out, "/%s/%s", node->value, node->regex_flags);
      return;
    }
  if (node->plain)
    {
      append_value (out, node->value, TRUE);
      return;
    }

  if (node->name != NULL)
    g_string_append (out, node->name);
  else
    g_string_append_printf (out, "%s%s", node->key_prefix ? "extra." : "", node->key);
  g_string_append (out, op_text (node));
  if (node->field == LD_FIELD_LEVEL && node->kind == LD_NODE_NUMBER)
    print_level (node, out);
  else
    append_value (out, node->value, FALSE);
}

static void
print_node (const LdNode *node,
            GString      *out,
            LdNodeKind    parent)
{
  switch (node->kind)
    {
    case LD_NODE_AND:
    case LD_NODE_OR:
      print_group (node, out, parent);
      break;
    case LD_NODE_NOT:
      {
        const LdNode *child = g_ptr_array_index (node->children, 0);

        /* "--" would read back as a word. */
        g_string_append (out, child->kind == LD_NODE_NOT ? "-(" : "-");
        print_node (child, out, LD_NODE_NOT);
        if (child->kind == LD_NODE_NOT)
          g_string_append_c (out, ')');
      }
      break;
    default:
      print_term (node, out);
    }
}

/**
 * ld_query_to_string:
 * @query: a query
 *
 * Returns: (transfer full): @query in a normal form that parses back to
 *   the same query: single spaces, canonical field names and level names,
 *   quotes only where needed
 */
char *
ld_query_to_string (const LdQuery *query)
{
  GString *out;

  g_return_val_if_fail (query != NULL, NULL);

  out = g_string_new (NULL);
  print_node (query->root, out, LD_NODE_AND);

  return g_string_free (out, FALSE);
}

/**
 * ld_query_dup_and_terms:
 * @query: a query
 *
 * The terms @query ANDs at its top, each as ld_query_to_string() writes
 * it: "a OR b c" gives "a OR b" and "c", and an empty query none.
 *
 * Returns: (transfer full) (element-type utf8): the terms
 */
GPtrArray *
ld_query_dup_and_terms (const LdQuery *query)
{
  GPtrArray *terms;
  const LdNode *root;

  g_return_val_if_fail (query != NULL, NULL);

  terms = g_ptr_array_new_with_free_func (g_free);
  root = query->root;
  if (ld_query_is_empty (query))
    return terms;
  for (guint i = 0; i < (root->kind == LD_NODE_AND ? root->children->len : 1); i++)
    {
      GString *out = g_string_new (NULL);

      print_node (root->kind == LD_NODE_AND ? g_ptr_array_index (root->children, i) : root, out,
                  LD_NODE_AND);
      g_ptr_array_add (terms, g_string_free (out, FALSE));
    }

  return terms;
}

/* Highlighting. */

static gboolean
is_message_text_term (const LdNode *node)
{
  return (node->kind == LD_NODE_TEXT && node->field == LD_FIELD_MESSAGE)
         || node->kind == LD_NODE_REGEX;
}

static gboolean
has_text_terms (const LdNode *node)
{
  if (node->kind == LD_NODE_AND || node->kind == LD_NODE_OR)
    {
      for (guint i = 0; i < node->children->len; i++)
        if (has_text_terms (g_ptr_array_index (node->children, i)))
          return TRUE;
      return FALSE;
    }

  return is_message_text_term (node);
}

/**
 * ld_query_has_text_terms:
 * @query: a query
 *
 * Returns: %TRUE if @query has words, phrases or regexes that
 *   ld_query_find_matches() would highlight in a message
 */
gboolean
ld_query_has_text_terms (const LdQuery *query)
{
  g_return_val_if_fail (query != NULL, FALSE);

  return has_text_terms (query->root);
}

static void
add_range (GArray *ranges,
           gsize   start,
           gsize   end)
{
  LdTextRange range = { start, end };

  if (ranges->len < MAX_RANGES)
    g_array_append_val (ranges, range);
}

static void
find_needle_ranges (const LdNode *node,
                    const char   *text,
                    gsize         length,
                    GArray       *ranges)
{
  gsize from = 0, start, end;

  if (node->op == LD_OP_EQUAL)
    {
      if (length > 0 && length == strlen (node->value) && memcmp (text, node->value, length) == 0)
        add_range (ranges, 0, length);
      return;
    }
  if (*ld_text_needle_get_folded (node->needle) == '\0')
    return;

  while (from < length && ranges->len < MAX_RANGES
         && ld_text_needle_find (node->needle, text + from, length - from, &start, &end))
    {
      add_range (ranges, from + start, from + end);
      from += end;
    }
}

static void
find_regex_ranges (const LdNode *node,
                   const char   *text,
                   gsize         length,
                   GArray       *ranges)
{
  g_autoptr(GMatchInfo) info = NULL;

  g_regex_match_full (node->regex, text, length, 0, 0, &info, NULL);
  while (g_match_info_matches (info) && ranges->len < MAX_RANGES)
    {
      int start, end;

      if (g_match_info_fetch_pos (info, 0, &start, &end) && end > start)
        add_range (ranges, start, end);
      g_match_info_next (info, NULL);
    }
}

static void
collect_ranges (const LdNode *node,
                const char   *text,
                gsize         length,
                GArray       *ranges)
{
  if (node->kind == LD_NODE_AND || node->kind == LD_NODE_OR)
    for (guint i = 0; i < node->children->len; i++)
      collect_ranges (g_ptr_array_index (node->children, i), text, length, ranges);
  else if (node->kind == LD_NODE_REGEX)
    find_regex_ranges (node, text, length, ranges);
  else if (is_message_text_term (node))
    find_needle_ranges (node, text, length, ranges);
}

static int
compare_ranges (gconstpointer a,
                gconstpointer b)
{
  const LdTextRange *x = a, *y = b;

  if (x->start != y->start)
    return x->start < y->start ? -1 : 1;
  return x->end < y->end ? -1 : x->end > y->end;
}

static void
merge_ranges (GArray *ranges,
              guint   first)
{
  guint kept = first;

  g_array_sort (ranges, compare_ranges);
  for (guint i = first; i < ranges->len; i++)
    {
      LdTextRange *range = &g_array_index (ranges, LdTextRange, i);
      LdTextRange *last = kept > first ? &g_array_index (ranges, LdTextRange, kept - 1) : NULL;

      if (last != NULL && range->start <= last->end)
        last->end = MAX (last->end, range->end);
      else
        g_array_index (ranges, LdTextRange, kept++) = *range;
    }
  g_array_set_size (ranges, kept);
}

/**
 * ld_query_find_matches:
 * @query: a query
 * @text: a message, valid UTF-8
 * @length: its length in bytes
 * @ranges: (element-type LdTextRange): where to append the byte ranges
 *
 * Finds where the words, phrases and regexes of @query occur in @text, for
 * highlighting. Negated terms are left out. The ranges appended are sorted
 * and do not overlap (touching or overlapping matches are merged).
 *
 * Returns: %TRUE if any range was appended
 */
gboolean
ld_query_find_matches (const LdQuery *query,
                       const char    *text,
                       gsize          length,
                       GArray        *ranges)
{
  guint first;

  g_return_val_if_fail (query != NULL, FALSE);
  g_return_val_if_fail (text != NULL || length == 0, FALSE);
  g_return_val_if_fail (ranges != NULL, FALSE);
  g_return_val_if_fail (g_array_get_element_size (ranges) == sizeof (LdTextRange), FALSE);

  first = ranges->len;
  collect_ranges (query->root, text != NULL ? text : "", length, ranges);
  merge_ranges (ranges, first);

  return ranges->len > first;
}

/**
 * ld_query_split_terms:
 * @text: query text
 *
 * Splits @text into its terms as a user wrote them, at spaces outside
 * "quoted phrases", quotes and backslashes read as the parser reads them
 * (ld_query_quote_toggles(); a backslash escapes in quotes only) and kept
 * as they are: for editing a query's text term by term (click-to-filter, a
 * range dragged on the chart) without changing the terms it keeps.
 *
 * Returns: (transfer full) (element-type utf8): the terms
 */
GPtrArray *
ld_query_split_terms (const char *text)
{
  GPtrArray *terms;
  g_autoptr(GString) term = NULL;
  gboolean quoted = FALSE;

  g_return_val_if_fail (text != NULL, NULL);

  terms = g_ptr_array_new_with_free_func (g_free);
  term = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      /* A backslash escapes only in quotes: in a word it is a character. */
      if (*p == '\\' && p[1] != '\0' && quoted)
        g_string_append_c (term, *p++);
      /* Every character of the term so far is in it: it starts term->len back. */
      else if (ld_query_quote_toggles (p - term->len, p, quoted))
        quoted = !quoted;
      else if (g_ascii_isspace (*p) && !quoted)
        {
          if (term->len > 0)
            g_ptr_array_add (terms, g_strdup (term->str));
          g_string_truncate (term, 0);
          continue;
        }
      g_string_append_c (term, *p);
    }
  if (term->len > 0)
    g_ptr_array_add (terms, g_strdup (term->str));

  return terms;
}
