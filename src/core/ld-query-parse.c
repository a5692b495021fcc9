// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ld-level.h"
#include "ld-query-private.h"
#include "ld-ws-prefix.h"

/* A recursive-descent parser over the query text:
 *
 *   sequence := or-term*                 (AND; the keyword AND is skipped)
 *   or-term  := unary ("OR" unary)*
 *   unary    := "-" unary | "(" sequence ")" | term
 *   term     := "phrase" | /regex/flags | name op value | word
 *
 * Offsets in errors are bytes from the start of the text. */

#define MAX_DEPTH 32

typedef struct
{
  const char  *text;
  gsize        length;
  gsize        pos;
  int          depth;
  gint64       now_us;
  gboolean     relative;     /* a time counts back from now_us */
  GError     **error;
} Parser;

typedef struct
{
  const char *name;
  const char *canonical;
  LdField     field;
  LdNodeKind  kind;
} FieldName;

static const FieldName field_names[] = {
  { "message", "message", LD_FIELD_MESSAGE, LD_NODE_TEXT },
  { "msg", "message", LD_FIELD_MESSAGE, LD_NODE_TEXT },
  { "exception", "exception", LD_FIELD_EXCEPTION, LD_NODE_TEXT },
  { "exc", "exception", LD_FIELD_EXCEPTION, LD_NODE_TEXT },
  { "stack", "stack", LD_FIELD_STACK, LD_NODE_TEXT },
  { "logger", "logger", LD_FIELD_LOGGER, LD_NODE_ID },
  { "thread", "thread", LD_FIELD_THREAD, LD_NODE_ID },
  { "conn", "conn", LD_FIELD_CONNECTION, LD_NODE_ID },
  { "connection", "conn", LD_FIELD_CONNECTION, LD_NODE_ID },
  { "peer", "peer", LD_FIELD_PEER, LD_NODE_ID },
  { "protocol", "protocol", LD_FIELD_PROTOCOL, LD_NODE_ID },
  { "host", "host", LD_FIELD_HOST, LD_NODE_ID },
  { "service", "service", LD_FIELD_SERVICE, LD_NODE_ID },
  /* The trace context is kept as extra fields under reserved keys (see ld-record.h). */
  { "trace", LD_RECORD_TRACE_ID, LD_FIELD_EXTRA, LD_NODE_EXTRA },
  { "span", LD_RECORD_SPAN_ID, LD_FIELD_EXTRA, LD_NODE_EXTRA },
  { "file", "file", LD_FIELD_FILE, LD_NODE_ID },
  { "function", "function", LD_FIELD_FUNCTION, LD_NODE_ID },
  { "func", "function", LD_FIELD_FUNCTION, LD_NODE_ID },
  { "process", "process", LD_FIELD_PROCESS, LD_NODE_ID },
  { "task", "task", LD_FIELD_TASK, LD_NODE_ID },
  { "level", "level", LD_FIELD_LEVEL, LD_NODE_NUMBER },
  { "line", "line", LD_FIELD_LINE, LD_NODE_NUMBER },
  { "pid", "pid", LD_FIELD_PID, LD_NODE_NUMBER },
  { "tid", "tid", LD_FIELD_THREAD_ID, LD_NODE_NUMBER },
  { "thread_id", "tid", LD_FIELD_THREAD_ID, LD_NODE_NUMBER },
  { "since", "since", LD_FIELD_TIME, LD_NODE_TIME },
  { "after", "after", LD_FIELD_TIME, LD_NODE_TIME },
  { "before", "before", LD_FIELD_TIME, LD_NODE_TIME },
  { "has", "has", LD_FIELD_EXTRA, LD_NODE_HAS },
  { "ws", "ws", LD_FIELD_MESSAGE, LD_NODE_WS },
  { "is", "is", LD_FIELD_EXTRA, LD_NODE_MARKED },
};

static const char *const op_texts[] = { ":", "=", "!=", "<=", ">=", "<", ">" };

/* The operator as written; != becomes a NOT around =. */
typedef enum
{
  OP_COLON,
  OP_EQUAL,
  OP_NOT_EQUAL,
  OP_LE,
  OP_GE,
  OP_LT,
  OP_GT,
} WrittenOp;

typedef struct
{
  gsize            start;        /* of the whole term */
  const FieldName *known;        /* NULL for an extra field */
  char            *name;
  WrittenOp        op;
  gsize            value_start;
  char            *value;
  gboolean         quoted;
} FieldTerm;

static LdNode *parse_sequence (Parser *p);

static gboolean
is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static void
skip_spaces (Parser *p)
{
  while (p->pos < p->length && is_space (p->text[p->pos]))
    p->pos++;
}

/* A word ends at a space, at the end, or at ")" inside parentheses. */
static gboolean
is_token_end (const Parser *p,
              gsize         pos)
{
  return pos >= p->length || is_space (p->text[pos]) || (p->text[pos] == ')' && p->depth > 0);
}

static gsize
word_end (const Parser *p,
          gsize         pos)
{
  while (!is_token_end (p, pos))
    pos++;

  return pos;
}

static gboolean
keyword_at (const Parser *p,
            const char   *keyword)
{
  gsize n = strlen (keyword);

  return p->pos + n <= p->length && strncmp (p->text + p->pos, keyword, n) == 0
         && (is_token_end (p, p->pos + n) || p->text[p->pos + n] == '(');
}

static gboolean
fail (Parser       *p,
      LdQueryError  code,
      gsize         offset,
      const char   *reason)
{
  ld_query_set_error (p->error, code, offset, "%s", reason);
  return FALSE;
}

/* Reads "…" at p->pos into @out, with \" and \\ unescaped. */
static gboolean
read_quoted (Parser  *p,
             char   **out)
{
  g_autoptr(GString) value = g_string_new (NULL);
  gsize open = p->pos++;

  while (p->pos < p->length && p->text[p->pos] != '"')
    {
      char c = p->text[p->pos++];

      if (c == '\\' && p->pos < p->length && strchr ("\"\\", p->text[p->pos]) != NULL)
        c = p->text[p->pos++];
      g_string_append_c (value, c);
    }

  if (p->pos >= p->length)
    return fail (p, LD_QUERY_ERROR_SYNTAX, open, _("unterminated quote"));
  p->pos++;
  if (!is_token_end (p, p->pos))
    return fail (p, LD_QUERY_ERROR_SYNTAX, p->pos, _("a space must follow the closing quote"));

  *out = g_string_free (g_steal_pointer (&value), FALSE);
  return TRUE;
}

static LdNode *
message_word (gsize  offset,
              char  *value)
{
  LdNode *node = ld_node_new (LD_NODE_TEXT, offset);

  node->field = LD_FIELD_MESSAGE;
  node->op = LD_OP_CONTAINS;
  node->plain = TRUE;
  node->name = "message";
  node->value = value;
  node->needle = ld_text_needle_new (value, -1);

  return node;
}

static LdNode *
parse_phrase (Parser *p)
{
  gsize start = p->pos;
  char *value;

  if (!read_quoted (p, &value))
    return NULL;

  return message_word (start, value);
}

static LdNode *
parse_word (Parser *p)
{
  gsize start = p->pos;

  p->pos = word_end (p, p->pos);
  return message_word (start, g_strndup (p->text + start, p->pos - start));
}

/* Smart case: an upper-case letter in the pattern, outside an escape such
 * as \S or \p{Lu}, makes the regex case-sensitive. */
static gboolean
has_upper_case (const char *pattern)
{
  for (const char *s = pattern; *s != '\0'; s = g_utf8_next_char (s))
    {
      if (*s == '\\' && s[1] != '\0')
        {
          s++;
          if (s[1] == '{')
            s = strchr (s, '}') != NULL ? strchr (s, '}') : s;
          else if ((*s == 'p' || *s == 'P') && s[1] != '\0')
            s++;
          continue;
        }
      if (g_unichar_isupper (g_utf8_get_char (s)))
        return TRUE;
    }

  return FALSE;
}

/* GRegex says "… at char N: reason"; the reason and N are what help. */
static void
regex_error (Parser       *p,
             gsize         pattern_start,
             const GError *error)
{
  const char *at = strstr (error->message, " at char ");
  char *end = NULL;
  guint64 index = 0;

  if (at != NULL)
    index = g_ascii_strtoull (at + strlen (" at char "), &end, 10);
  if (at != NULL && end != NULL && g_str_has_prefix (end, ": "))
    ld_query_set_error (p->error, LD_QUERY_ERROR_BAD_REGEX, pattern_start + index,
                        _("bad regex: %s"), end + 2);
  else
    ld_query_set_error (p->error, LD_QUERY_ERROR_BAD_REGEX, pattern_start, _("bad regex: %s"),
                        error->message);
}

/* Returns the end of the regex token at p->pos, after its flags, or 0 if
 * the token is not a regex but a word that starts with a slash. */
static gsize
regex_token_end (const Parser *p,
                 gsize        *closing)
{
  gsize i = p->pos + 1;

  while (i < p->length && p->text[i] != '/')
    i += p->text[i] == '\\' && i + 1 < p->length ? 2 : 1;
  if (i >= p->length || i == p->pos + 1)
    return 0;

  *closing = i++;
  while (i < p->length && strchr ("ims", p->text[i]) != NULL && p->text[i] != '\0')
    i++;

  return is_token_end (p, i) ? i : 0;
}

static gboolean
compile_regex (Parser *p,
               LdNode *node,
               gsize   pattern_start)
{
  GRegexCompileFlags flags = G_REGEX_OPTIMIZE;
  g_autoptr(GError) error = NULL;
  g_autofree char *literal = NULL;

  node->caseless = strchr (node->regex_flags, 'i') != NULL || !has_upper_case (node->value);
  if (node->caseless)
    flags |= G_REGEX_CASELESS;
  if (strchr (node->regex_flags, 'm') != NULL)
    flags |= G_REGEX_MULTILINE;
  if (strchr (node->regex_flags, 's') != NULL)
    flags |= G_REGEX_DOTALL;

  node->regex = g_regex_new (node->value, flags, 0, &error);
  if (node->regex == NULL)
    {
      regex_error (p, pattern_start, error);
      return FALSE;
    }

  if ((literal = ld_regex_required_literal (node->value)) != NULL)
    node->prefilter = ld_text_needle_new (literal, -1);

  return TRUE;
}

static LdNode *
parse_regex_or_word (Parser *p)
{
  gsize closing, end = regex_token_end (p, &closing);
  g_autoptr(LdNode) node = NULL;

  if (end == 0)
    return parse_word (p);

  node = ld_node_new (LD_NODE_REGEX, p->pos);
  node->field = LD_FIELD_MESSAGE;
  node->value = g_strndup (p->text + p->pos + 1, closing - p->pos - 1);
  for (gsize i = closing + 1, n = 0; i < end && n < sizeof node->regex_flags - 1; i++)
    if (strchr (node->regex_flags, p->text[i]) == NULL)
      node->regex_flags[n++] = p->text[i];

  if (!compile_regex (p, node, p->pos + 1))
    return NULL;

  p->pos = end;
  return g_steal_pointer (&node);
}

static gboolean
is_name_start (char c)
{
  return g_ascii_isalpha (c) || c == '_' || c == '@';
}

static gboolean
is_name_char (char c)
{
  return g_ascii_isalnum (c) || strchr ("_.@-", c) != NULL;
}

static const FieldName *
find_field (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (field_names); i++)
    if (g_ascii_strcasecmp (name, field_names[i].name) == 0)
      return &field_names[i];

  return NULL;
}

/**
 * ld_query_is_field_name:
 * @name: a name
 *
 * Whether the query language reads @name, in any case, as one of its own
 * fields rather than an extra field's key: such a key is written
 * `extra.KEY`.
 *
 * Returns: whether @name is a field's name
 */
gboolean
ld_query_is_field_name (const char *name)
{
  g_return_val_if_fail (name != NULL, FALSE);

  return find_field (name) != NULL;
}

/**
 * ld_query_quote_toggles:
 * @term: where the term that holds @at starts
 * @at: a character of it
 * @quoted: whether @at is inside quotes
 *
 * Whether a quote at @at opens or closes a quoted span as the parser reads
 * it: in quotes, it closes them; outside, it opens a phrase at the start of
 * a term (after any "-" and "(", but "--" starts a word, as parse_unary()
 * reads it), or a value right after a field's name and operator
 * (`key="…"`). Anywhere else it is a character of a word.
 *
 * Returns: whether @at toggles the quoting
 */
gboolean
ld_query_quote_toggles (const char *term,
                        const char *at,
                        gboolean    quoted)
{
  const char *p = term;
  gsize op_len;

  if (*at != '"' || quoted)
    return *at == '"';

  while (p < at && (*p == '(' || (*p == '-' && p[1] != '-')))
    p++;
  if (p == at)
    return TRUE;
  if (!is_name_start (*p))
    return FALSE;
  while (p < at && is_name_char (*p))
    p++;

  op_len = at - p;
  for (guint op = 0; op < G_N_ELEMENTS (op_texts); op++)
    if (strlen (op_texts[op]) == op_len && strncmp (p, op_texts[op], op_len) == 0)
      return TRUE;
  return FALSE;
}

static void
field_term_clear (FieldTerm *term)
{
  g_clear_pointer (&term->name, g_free);
  g_clear_pointer (&term->value, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FieldTerm, field_term_clear)

/* Reads `name op` at p->pos; leaves p->pos alone if there is none. */
static gboolean
read_field_name (Parser    *p,
                 FieldTerm *term)
{
  gsize i = p->pos;

  if (!is_name_start (p->text[i]))
    return FALSE;
  while (i < p->length && is_name_char (p->text[i]))
    i++;

  for (guint op = 0; op < G_N_ELEMENTS (op_texts); op++)
    if (strncmp (p->text + i, op_texts[op], strlen (op_texts[op])) == 0)
      {
        term->start = p->pos;
        term->name = g_strndup (p->text + p->pos, i - p->pos);
        term->known = find_field (term->name);
        term->op = op;
        term->value_start = i + strlen (op_texts[op]);
        return TRUE;
      }

  return FALSE;
}

static gboolean
read_field_value (Parser    *p,
                  FieldTerm *term)
{
  gsize end;

  p->pos = term->value_start;
  if (p->pos < p->length && p->text[p->pos] == '"')
    {
      term->quoted = TRUE;
      return read_quoted (p, &term->value);
    }

  end = word_end (p, p->pos);
  term->value = g_strndup (p->text + p->pos, end - p->pos);
  p->pos = end;

  return TRUE;
}

static LdOp
node_op (WrittenOp op)
{
  switch (op)
    {
    case OP_COLON: return LD_OP_CONTAINS;
    case OP_EQUAL:
    case OP_NOT_EQUAL: return LD_OP_EQUAL;
    case OP_LE: return LD_OP_LE;
    case OP_GE: return LD_OP_GE;
    case OP_LT: return LD_OP_LT;
    case OP_GT: return LD_OP_GT;
    default: g_assert_not_reached ();
    }
}

static gboolean
check_op (Parser          *p,
          const FieldTerm *term)
{
  LdNodeKind kind = term->known != NULL ? term->known->kind : LD_NODE_EXTRA;
  gboolean comparison = term->op >= OP_LE;
  gsize op_offset = term->value_start - strlen (op_texts[term->op]);

  if ((kind == LD_NODE_TIME || kind == LD_NODE_HAS || kind == LD_NODE_MARKED)
      && term->op != OP_COLON)
    {
      ld_query_set_error (p->error, LD_QUERY_ERROR_SYNTAX, op_offset,
                          _("write %s:VALUE"), term->known->name);
      return FALSE;
    }
  if ((kind == LD_NODE_TEXT || kind == LD_NODE_ID || kind == LD_NODE_WS) && comparison)
    {
      ld_query_set_error (p->error, LD_QUERY_ERROR_SYNTAX, op_offset,
                          _("%s takes \":\" or \"=\", not \"%s\""), term->known->name,
                          op_texts[term->op]);
      return FALSE;
    }

  return TRUE;
}

static gboolean
parse_level_value (Parser          *p,
                   const FieldTerm *term,
                   LdNode          *node)
{
  int level;

  if (!ld_level_parse_name (term->value, &level))
    {
      ld_query_set_error (p->error, LD_QUERY_ERROR_UNKNOWN_LEVEL, term->value_start,
                          _("unknown level \"%s\""), term->value);
      return FALSE;
    }

  node->number = level;
  return TRUE;
}

static gboolean
parse_number_value (Parser          *p,
                    const FieldTerm *term,
                    LdNode          *node)
{
  if (node->field == LD_FIELD_LEVEL)
    return parse_level_value (p, term, node);

  if (!g_ascii_string_to_signed (term->value, 10, G_MININT64, G_MAXINT64, &node->number, NULL))
    {
      ld_query_set_error (p->error, LD_QUERY_ERROR_BAD_NUMBER, term->value_start,
                          _("\"%s\" is not a number"), term->value);
      return FALSE;
    }

  return TRUE;
}

/* Reads exactly @n digits. */
static gboolean
read_digits (const char **s,
             int          n,
             int         *value)
{
  *value = 0;
  for (int i = 0; i < n; i++, (*s)++)
    {
      if (!g_ascii_isdigit (**s))
        return FALSE;
      *value = *value * 10 + (**s - '0');
    }

  return TRUE;
}

/* Reads an optional .fraction of a second as microseconds. */
static void
read_fraction (const char **s,
               int         *us)
{
  int scale = 100000;

  *us = 0;
  if (**s != '.' && **s != ',')
    return;
  for ((*s)++; g_ascii_isdigit (**s); (*s)++, scale /= 10)
    *us += (**s - '0') * scale;
}

/* Reads Z, ±HH, ±HHMM or ±HH:MM; no zone at all means local time. */
static GTimeZone *
read_zone (const char **s)
{
  int sign, hours, minutes = 0;

  if (**s == '\0')
    return g_time_zone_new_local ();
  if (**s == 'Z' || **s == 'z')
    {
      (*s)++;
      return g_time_zone_new_utc ();
    }
  if (**s != '+' && **s != '-')
    return NULL;

  sign = *(*s)++ == '-' ? -1 : 1;
  if (!read_digits (s, 2, &hours))
    return NULL;
  if (**s == ':')
    (*s)++;
  if (**s != '\0' && !read_digits (s, 2, &minutes))
    return NULL;
  if (hours > 23 || minutes > 59)
    return NULL;

  return g_time_zone_new_offset (sign * (hours * 3600 + minutes * 60));
}

static gboolean
read_clock (const char **s,
            int         *hour,
            int         *minute,
            int         *second,
            int         *us)
{
  *hour = *minute = *second = *us = 0;
  if (**s != 'T' && **s != 't' && **s != ' ')
    return TRUE;

  (*s)++;
  if (!read_digits (s, 2, hour) || *(*s)++ != ':' || !read_digits (s, 2, minute))
    return FALSE;
  if (**s == ':')
    {
      (*s)++;
      if (!read_digits (s, 2, second))
        return FALSE;
      read_fraction (s, us);
    }

  return TRUE;
}

/* ISO 8601: 2026-11-20, 2026-11-20T12:00, …T12:00:30.5, …+01:00 or Z. */
static gboolean
parse_iso_time (const char *s,
                gint64     *time_us)
{
  int year, month, day, hour, minute, second, us;
  g_autoptr(GTimeZone) zone = NULL;
  g_autoptr(GDateTime) time = NULL;

  if (!read_digits (&s, 4, &year) || *s++ != '-' || !read_digits (&s, 2, &month) || *s++ != '-'
      || !read_digits (&s, 2, &day) || !read_clock (&s, &hour, &minute, &second, &us))
    return FALSE;
  if ((zone = read_zone (&s)) == NULL || *s != '\0')
    return FALSE;
  if ((time = g_date_time_new (zone, year, month, day, hour, minute, second)) == NULL)
    return FALSE;

  *time_us = g_date_time_to_unix (time) * G_USEC_PER_SEC + us;
  return TRUE;
}

/* 90s, 10m, 2h, 1d, 1w, or several: 1h30m. */
static gboolean
parse_duration (const char *s,
                gint64     *duration_us)
{
  static const char units[] = "smhdw";
  static const gint64 seconds[] = { 1, 60, 3600, 86400, 604800 };

  *duration_us = 0;
  if (*s == '\0')
    return FALSE;

  while (*s != '\0')
    {
      gint64 n = 0;
      const char *unit;

      if (!g_ascii_isdigit (*s))
        return FALSE;
      for (; g_ascii_isdigit (*s); s++)
        if ((n = n * 10 + (*s - '0')) > 100000000)
          return FALSE;
      if (*s == '\0' || (unit = strchr (units, *s++)) == NULL)
        return FALSE;
      *duration_us += n * seconds[unit - units] * G_USEC_PER_SEC;
    }

  return TRUE;
}

static gboolean
parse_time_value (Parser          *p,
                  const FieldTerm *term,
                  LdNode          *node)
{
  gint64 duration;

  node->op = g_ascii_strcasecmp (term->known->name, "before") == 0 ? LD_OP_LT : LD_OP_GE;
  if (parse_iso_time (term->value, &node->number))
    return TRUE;
  if (parse_duration (term->value, &duration))
    {
      node->number = p->now_us - duration;
      p->relative = TRUE;
      return TRUE;
    }

  ld_query_set_error (p->error, LD_QUERY_ERROR_BAD_TIME, term->value_start,
                      _("bad time \"%s\": write a duration such as 10m or 2h, "
                        "or a date such as 2026-11-20T12:00"), term->value);
  return FALSE;
}

/* has:exception, has:thread, has:extra, or has:KEY for an extra field. */
static void
parse_has_value (const FieldTerm *term,
                 LdNode          *node)
{
  const FieldName *known = find_field (term->value);
  const char *key = term->value;

  if (known != NULL && known->kind == LD_NODE_EXTRA)
    key = known->canonical;
  else if (known != NULL && known->kind != LD_NODE_TIME && known->kind != LD_NODE_HAS
           && known->field != LD_FIELD_LEVEL)
    {
      node->field = known->field;
      return;
    }
  if (g_ascii_strcasecmp (term->value, "extra") == 0)
    {
      node->field = LD_FIELD_ANY_EXTRA;
      return;
    }

  if (g_str_has_prefix (key, "extra.") && key[strlen ("extra.")] != '\0')
    key += strlen ("extra.");
  node->field = LD_FIELD_EXTRA;
  node->key = g_strdup (key);
}

/* is:marked is the one state a record has; the word leaves room for more. */
static gboolean
parse_is_value (Parser          *p,
                const FieldTerm *term,
                LdNode          *node)
{
  if (g_ascii_strcasecmp (term->value, "marked") != 0)
    {
      ld_query_set_error (p->error, LD_QUERY_ERROR_SYNTAX, term->value_start,
                          _("unknown state \"%s\": write is:marked"), term->value);
      return FALSE;
    }

  g_free (node->value);
  node->value = g_strdup ("marked");
  return TRUE;
}

static gboolean
parse_extra_value (Parser          *p,
                   const FieldTerm *term,
                   LdNode          *node)
{
  char *end;

  if (node->op == LD_OP_CONTAINS)
    node->needle = ld_text_needle_new (term->value, -1);
  if (node->op == LD_OP_CONTAINS || node->op == LD_OP_EQUAL)
    return TRUE;

  node->real = g_ascii_strtod (term->value, &end);
  if (*term->value == '\0' || *end != '\0')
    {
      ld_query_set_error (p->error, LD_QUERY_ERROR_BAD_NUMBER, term->value_start,
                          _("\"%s\" is not a number: < <= > >= compare numbers"), term->value);
      return FALSE;
    }

  return TRUE;
}

/* ws:send and the other kinds of ld-ws-prefix.h, by their names. */
static gboolean
parse_ws_value (Parser          *p,
                const FieldTerm *term,
                LdNode          *node)
{
  LdWsKind kind = ld_ws_kind_from_string (term->value);

  if (kind == LD_WS_NONE)
    {
      ld_query_set_error (p->error, LD_QUERY_ERROR_SYNTAX, term->value_start,
                          _("unknown websockets kind \"%s\": send, recv, state, close, "
                            "ping or error"), term->value);
      return FALSE;
    }

  node->number = kind;
  g_free (node->value);
  node->value = g_strdup (ld_ws_kind_to_string (kind));
  return TRUE;
}

static gboolean
parse_field_value (Parser          *p,
                   const FieldTerm *term,
                   LdNode          *node)
{
  switch (node->kind)
    {
    case LD_NODE_TEXT:
    case LD_NODE_ID:
      /* logger:spam finds spam_application as thread: and conn: would;
       * a trailing dot asks for a logger and its descendants instead. */
      if (node->op == LD_OP_CONTAINS && node->field == LD_FIELD_LOGGER
          && strlen (term->value) > 1 && g_str_has_suffix (term->value, "."))
        node->op = LD_OP_SUBTREE;
      else if (node->op == LD_OP_CONTAINS)
        node->needle = ld_text_needle_new (term->value, -1);
      return TRUE;
    case LD_NODE_NUMBER:
      return parse_number_value (p, term, node);
    case LD_NODE_TIME:
      return parse_time_value (p, term, node);
    case LD_NODE_HAS:
      parse_has_value (term, node);
      return TRUE;
    case LD_NODE_EXTRA:
      return parse_extra_value (p, term, node);
    case LD_NODE_WS:
      return parse_ws_value (p, term, node);
    case LD_NODE_MARKED:
      return parse_is_value (p, term, node);
    default:
      g_assert_not_reached ();
    }
}

static LdNode *
field_node (Parser    *p,
            FieldTerm *term)
{
  g_autoptr(LdNode) node = NULL;
  LdNodeKind kind = term->known != NULL ? term->known->kind : LD_NODE_EXTRA;

  if (!check_op (p, term))
    return NULL;

  node = ld_node_new (kind, term->start);
  node->op = node_op (term->op);
  node->value = g_strdup (term->value);
  if (term->known != NULL && term->known->kind == LD_NODE_EXTRA)
    {
      node->field = LD_FIELD_EXTRA;
      node->key = g_strdup (term->known->canonical);
    }
  else if (term->known != NULL)
    {
      node->field = term->known->field;
      node->name = term->known->canonical;
    }
  else
    {
      gboolean prefixed = g_str_has_prefix (term->name, "extra.");

      node->field = LD_FIELD_EXTRA;
      node->key = g_strdup (term->name + (prefixed ? strlen ("extra.") : 0));
      /* Written back as extra.KEY where KEY alone would read otherwise: a
       * field's name, a key that itself starts with "extra.", none. */
      node->key_prefix = find_field (node->key) != NULL || g_str_has_prefix (node->key, "extra.")
                         || *node->key == '\0';
    }

  if (!parse_field_value (p, term, node))
    return NULL;

  return g_steal_pointer (&node);
}

static LdNode *
negate (LdNode *node)
{
  LdNode *not = ld_node_new (LD_NODE_NOT, node->offset);

  ld_node_add_child (not, node);
  return not;
}

static LdNode *
parse_field_or_word (Parser *p)
{
  g_auto(FieldTerm) term = { 0 };
  LdNode *node;

  if (!read_field_name (p, &term))
    return parse_word (p);
  if (!read_field_value (p, &term))
    return NULL;

  if (*term.value == '\0' && !term.quoted)
    {
      /* "Error:" or "x=" is a word unless it names a field. */
      if (term.known == NULL && !g_str_has_prefix (term.name, "extra."))
        {
          p->pos = term.start;
          return parse_word (p);
        }
      ld_query_set_error (p->error, LD_QUERY_ERROR_SYNTAX, term.value_start,
                          _("\"%s%s\" needs a value"), term.name, op_texts[term.op]);
      return NULL;
    }

  if ((node = field_node (p, &term)) == NULL)
    return NULL;

  return term.op == OP_NOT_EQUAL ? negate (node) : node;
}

static LdNode *
parse_term (Parser *p)
{
  char c = p->text[p->pos];

  if (c == '"')
    return parse_phrase (p);
  if (c == '/')
    return parse_regex_or_word (p);

  return parse_field_or_word (p);
}

static LdNode *parse_unary (Parser *p);

static LdNode *
parse_negation (Parser *p)
{
  gsize start = p->pos++;
  LdNode *child;

  if (is_token_end (p, p->pos))
    {
      fail (p, LD_QUERY_ERROR_SYNTAX, start, _("\"-\" needs a term right after it"));
      return NULL;
    }
  if ((child = parse_unary (p)) == NULL)
    return NULL;

  child = negate (child);
  child->offset = start;
  return child;
}

static LdNode *
parse_group (Parser *p)
{
  gsize open = p->pos++;
  g_autoptr(LdNode) sequence = NULL;

  if (++p->depth > MAX_DEPTH)
    {
      fail (p, LD_QUERY_ERROR_SYNTAX, open, _("too many nested parentheses"));
      return NULL;
    }
  if ((sequence = parse_sequence (p)) == NULL)
    return NULL;
  if (p->pos >= p->length)
    {
      fail (p, LD_QUERY_ERROR_SYNTAX, open, _("unclosed \"(\""));
      return NULL;
    }
  if (sequence->children->len == 0)
    {
      fail (p, LD_QUERY_ERROR_SYNTAX, open, _("empty parentheses"));
      return NULL;
    }

  p->pos++;
  p->depth--;
  sequence->offset = open;
  if (sequence->children->len == 1)
    return g_ptr_array_steal_index (sequence->children, 0);

  return g_steal_pointer (&sequence);
}

static LdNode *
parse_unary (Parser *p)
{
  char c = p->text[p->pos];

  if (c == '-' && p->pos + 1 < p->length && p->text[p->pos + 1] == '-')
    return parse_word (p);
  if (c == '-')
    return parse_negation (p);
  if (c == '(')
    return parse_group (p);
  if (c == ')')
    {
      fail (p, LD_QUERY_ERROR_SYNTAX, p->pos, _("\")\" without \"(\""));
      return NULL;
    }
  if (keyword_at (p, "OR"))
    {
      fail (p, LD_QUERY_ERROR_SYNTAX, p->pos, _("OR needs a term before it"));
      return NULL;
    }

  return parse_term (p);
}

/* Adds @child to the OR @node, flattening an OR child into it. */
static void
add_alternative (LdNode *node,
                 LdNode *child)
{
  if (child->kind != LD_NODE_OR)
    {
      ld_node_add_child (node, child);
      return;
    }

  while (child->children->len > 0)
    ld_node_add_child (node, g_ptr_array_steal_index (child->children, 0));
  ld_node_free (child);
}

static LdNode *
parse_or (Parser *p)
{
  g_autoptr(LdNode) first = parse_unary (p);
  g_autoptr(LdNode) node = NULL;

  if (first == NULL)
    return NULL;

  skip_spaces (p);
  if (!keyword_at (p, "OR"))
    return g_steal_pointer (&first);

  node = ld_node_new (LD_NODE_OR, first->offset);
  add_alternative (node, g_steal_pointer (&first));
  while (keyword_at (p, "OR"))
    {
      gsize or_at = p->pos;
      LdNode *next;

      p->pos += 2;
      skip_spaces (p);
      if (is_token_end (p, p->pos) || keyword_at (p, "OR") || keyword_at (p, "AND"))
        {
          fail (p, LD_QUERY_ERROR_SYNTAX, or_at, _("OR needs a term after it"));
          return NULL;
        }
      if ((next = parse_unary (p)) == NULL)
        return NULL;
      add_alternative (node, next);
      skip_spaces (p);
    }

  return g_steal_pointer (&node);
}

/* Adds @child to the AND @node, flattening an AND child into it. */
static void
add_conjunct (LdNode *node,
              LdNode *child)
{
  if (child->kind != LD_NODE_AND)
    {
      ld_node_add_child (node, child);
      return;
    }

  while (child->children->len > 0)
    ld_node_add_child (node, g_ptr_array_steal_index (child->children, 0));
  ld_node_free (child);
}

static LdNode *
parse_sequence (Parser *p)
{
  g_autoptr(LdNode) node = ld_node_new (LD_NODE_AND, p->pos);

  for (;;)
    {
      LdNode *child;

      skip_spaces (p);
      if (p->pos >= p->length || (p->text[p->pos] == ')' && p->depth > 0))
        break;
      if (keyword_at (p, "AND"))
        {
          p->pos += 3;
          continue;
        }
      if ((child = parse_or (p)) == NULL)
        return NULL;
      add_conjunct (node, child);
    }

  return g_steal_pointer (&node);
}

/**
 * ld_query_parse_nodes:
 * @text: the query, valid UTF-8
 * @now_us: what relative times count back from
 * @relative: (out) (optional): whether a time counts back from @now_us
 * @error: where to put a mistake
 *
 * Returns: (transfer full) (nullable): an AND node of the whole query
 */
LdNode *
ld_query_parse_nodes (const char  *text,
                      gint64       now_us,
                      gboolean    *relative,
                      GError     **error)
{
  Parser p = { text, strlen (text), 0, 0, now_us, FALSE, error };
  LdNode *root = parse_sequence (&p);

  g_assert (root == NULL || p.pos == p.length);
  if (relative != NULL)
    *relative = p.relative;
  return root;
}
