// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <string.h>

#include "ld-json.h"
#include "ld-jsonl.h"

/* Log lines are mostly short ASCII strings, so the scanner looks at eight bytes at a time for
 * the only bytes that end the fast path: a quote, a backslash, a control character or a
 * non-ASCII byte.  Everything else (escapes, UTF-8 checks) happens only for strings that need
 * it. */

#define NODES_INITIAL   256
#define CHUNK_MIN       (64 * 1024)
#define CHUNK_KEEP_MAX  (1024 * 1024)
#define REPLACEMENT     "\357\277\275"

typedef struct _Chunk Chunk;
struct _Chunk
{
  Chunk *next;
  gsize  size;
  gsize  used;
  char   data[];
};

typedef struct
{
  guint32 node;
  guint32 count;
  gboolean is_object;
} Frame;

struct _LdJsonParser
{
  LdJsonNode *nodes;
  guint       n_nodes;
  guint       nodes_cap;
  guint       nodes_room; /* the smaller of nodes_cap and max_nodes */
  guint       max_depth;
  guint       max_nodes;
  Frame      *stack;
  Chunk      *chunks;
};

typedef struct
{
  LdJsonParser *parser;
  const char   *start;
  const char   *pos;
  const char   *end;
  guint         depth;
  GError      **error;
} Parse;

G_DEFINE_QUARK (ld-json-error-quark, ld_json_error)

/* Bytes that may stay in a string as they are, without a closer look. */
static const guint8 plain_byte[256] = {
  [0x20] = 1, [0x21] = 1, [0x23 ... 0x5b] = 1, [0x5d ... 0x7f] = 1,
};

LdJsonParser *
ld_json_parser_new (void)
{
  LdJsonParser *parser = g_new0 (LdJsonParser, 1);

  parser->nodes_cap = NODES_INITIAL;
  parser->nodes = g_new (LdJsonNode, parser->nodes_cap);
  ld_json_parser_set_limits (parser, LD_JSON_DEFAULT_MAX_DEPTH, LD_JSON_DEFAULT_MAX_NODES);

  return parser;
}

static void
free_chunks (Chunk *chunk)
{
  while (chunk != NULL)
    {
      Chunk *next = chunk->next;
      g_free (chunk);
      chunk = next;
    }
}

void
ld_json_parser_free (LdJsonParser *parser)
{
  if (parser == NULL)
    return;

  free_chunks (parser->chunks);
  g_free (parser->stack);
  g_free (parser->nodes);
  g_free (parser);
}

/**
 * ld_json_parser_set_limits:
 * @parser: a parser
 * @max_depth: how deeply arrays and objects may nest; 0 for the default, 64
 * @max_nodes: how many values one parse may produce; 0 for the default
 */
void
ld_json_parser_set_limits (LdJsonParser *parser,
                           guint         max_depth,
                           guint         max_nodes)
{
  g_return_if_fail (parser != NULL);

  parser->max_depth = max_depth > 0 ? max_depth : LD_JSON_DEFAULT_MAX_DEPTH;
  parser->max_nodes = max_nodes > 0 ? max_nodes : LD_JSON_DEFAULT_MAX_NODES;
  parser->nodes_room = MIN (parser->nodes_cap, parser->max_nodes);
  g_free (parser->stack);
  parser->stack = g_new (Frame, parser->max_depth);
}

/* The arena keeps one modest chunk between parses, so that a warm parser allocates
 * nothing. */
static void
arena_reset (LdJsonParser *parser)
{
  Chunk *head = parser->chunks;

  if (head == NULL)
    return;

  free_chunks (head->next);
  head->next = NULL;
  head->used = 0;
  if (head->size > CHUNK_KEEP_MAX)
    {
      g_free (head);
      parser->chunks = NULL;
    }
}

static char *
arena_alloc (LdJsonParser *parser,
             gsize         size)
{
  Chunk *head = parser->chunks;
  char *data;

  if (head == NULL || head->size - head->used < size)
    {
      gsize chunk_size = MAX (size, CHUNK_MIN);

      head = g_malloc (sizeof (Chunk) + chunk_size);
      head->size = chunk_size;
      head->used = 0;
      head->next = parser->chunks;
      parser->chunks = head;
    }

  data = head->data + head->used;
  head->used += size;
  return data;
}

/**
 * ld_json_parser_alloc:
 * @parser: a parser
 * @size: bytes
 *
 * Memory for text derived from the nodes, which lives as long as they do: until the next
 * parse with @parser.
 *
 * Returns: @size bytes, not initialised
 */
char *
ld_json_parser_alloc (LdJsonParser *parser,
                      gsize         size)
{
  g_return_val_if_fail (parser != NULL, NULL);

  return arena_alloc (parser, size);
}

static gboolean G_GNUC_PRINTF (4, 5)
fail (Parse      *p,
      const char *at,
      int         code,
      const char *format,
      ...)
{
  g_autofree char *what = NULL;
  va_list args;

  p->pos = at;
  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (p->error, LD_JSON_ERROR, code, "byte %" G_GSIZE_FORMAT ": %s",
               (gsize) (at - p->start), what);
  return FALSE;
}

/* Names what the parser found instead of what it expected. */
static char *
describe_byte (Parse      *p,
               const char *at)
{
  guchar c;

  if (at >= p->end)
    return g_strdup ("the end of the text");
  c = *at;
  if (c >= 0x21 && c < 0x7f)
    return g_strdup_printf ("'%c'", c);
  return g_strdup_printf ("byte 0x%02x", c);
}

static gboolean
fail_expected (Parse      *p,
               const char *at,
               const char *expected)
{
  g_autofree char *found = describe_byte (p, at);

  return fail (p, at, at >= p->end ? LD_JSON_ERROR_TRUNCATED : LD_JSON_ERROR_SYNTAX,
               "expected %s, found %s", expected, found);
}

static inline void
skip_space (Parse *p)
{
  while (p->pos < p->end && (guchar) *p->pos <= ' '
         && (*p->pos == ' ' || *p->pos == '\n' || *p->pos == '\r' || *p->pos == '\t'))
    p->pos++;
}

static gboolean
grow_nodes (Parse *p)
{
  LdJsonParser *parser = p->parser;

  if (parser->n_nodes >= parser->max_nodes)
    {
      fail (p, p->pos, LD_JSON_ERROR_LIMIT, "more than %u values", parser->max_nodes);
      return FALSE;
    }
  parser->nodes_cap = MIN (parser->nodes_cap * 2, parser->max_nodes);
  parser->nodes = g_renew (LdJsonNode, parser->nodes, parser->nodes_cap);
  parser->nodes_room = parser->nodes_cap;
  return TRUE;
}

static inline LdJsonNode *
add_node (Parse     *p,
          LdJsonKind kind)
{
  LdJsonParser *parser = p->parser;
  LdJsonNode *node;

  if (G_UNLIKELY (parser->n_nodes >= parser->nodes_room) && !grow_nodes (p))
    return NULL;

  node = &parser->nodes[parser->n_nodes++];
  node->kind = kind;
  node->flags = 0;
  node->size = 1;
  node->len = 0;
  node->hash = 0;
  node->text = p->pos;
  return node;
}

/**
 * ld_json_hash:
 * @text: bytes
 * @len: how many
 *
 * A hash for short keys that reads eight bytes at a time.  It is not stable across byte
 * orders, so never store it.
 *
 * Returns: the hash the parser gives object keys
 */
guint32
ld_json_hash (const char *text,
              gsize       len)
{
  guint64 h = 0x9e3779b97f4a7c15ull ^ len, word;
  gsize i = 0;

  for (; i + 8 <= len; i += 8)
    {
      memcpy (&word, text + i, 8);
      h = (h ^ word) * 0xff51afd7ed558ccdull;
      h ^= h >> 29;
    }
  if (i < len)
    {
      word = 0;
      for (gsize j = i; j < len; j++)
        word = word << 8 | (guchar) text[j];
      h = (h ^ word) * 0xc4ceb9fe1a85ec53ull;
    }
  h ^= h >> 32;
  return (guint32) h;
}

static gboolean
add_string (Parse      *p,
            const char *text,
            gsize       len,
            const char *after,
            gboolean    is_key)
{
  LdJsonNode *node = add_node (p, LD_JSON_STRING);

  if (node == NULL)
    return FALSE;
  node->text = text;
  node->len = len;
  if (is_key)
    node->hash = ld_json_hash (text, len);
  p->pos = after;
  return TRUE;
}

static inline guint64
has_zero_byte (guint64 v)
{
  return (v - 0x0101010101010101ull) & ~v & 0x8080808080808080ull;
}

/* Each byte that ends the fast path has its top bit set in the result; the lowest such byte
 * is exact (the subtraction tricks may also flag bytes after it). */
static inline guint64
special_bytes (guint64 v)
{
  return (v & 0x8080808080808080ull)
         | has_zero_byte (v ^ 0x2222222222222222ull)
         | has_zero_byte (v ^ 0x5c5c5c5c5c5c5c5cull)
         | ((v - 0x2020202020202020ull) & ~v & 0x8080808080808080ull);
}

static inline const char *
scan_plain (const char *q,
            const char *end)
{
  while (end - q >= 8)
    {
      guint64 v, special;

      memcpy (&v, q, 8);
      special = special_bytes (v);
      if (special != 0)
        {
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
          return q + (__builtin_ctzll (special) >> 3);
#else
          break;
#endif
        }
      q += 8;
    }
  while (q < end && plain_byte[(guchar) *q])
    q++;
  return q;
}

static int
hex_value (const char *at)
{
  int value = 0;

  for (int i = 0; i < 4; i++)
    {
      int c = at[i], digit;

      if (c >= '0' && c <= '9')
        digit = c - '0';
      else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
        digit = (c | 0x20) - 'a' + 10;
      else
        return -1;
      value = value * 16 + digit;
    }
  return value;
}

/* Decodes the \u escape at @at (before @end) into @out; returns the bytes consumed or 0. */
static gsize
decode_unicode_escape (const char *at,
                       const char *end,
                       char      **out)
{
  int unit, low;

  if (end - at < 6 || (unit = hex_value (at + 2)) < 0)
    return 0;

  if (unit >= 0xd800 && unit <= 0xdbff && end - at >= 12 && at[6] == '\\' && at[7] == 'u'
      && (low = hex_value (at + 8)) >= 0xdc00 && low <= 0xdfff)
    {
      gunichar c = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
      *out += g_unichar_to_utf8 (c, *out);
      return 12;
    }

  /* A lone surrogate cannot be UTF-8; Python would have written it with surrogatepass. */
  if (unit >= 0xd800 && unit <= 0xdfff)
    {
      memcpy (*out, REPLACEMENT, 3);
      *out += 3;
    }
  else
    *out += g_unichar_to_utf8 (unit, *out);
  return 6;
}

/* Returns the bytes consumed by the escape at @at, or 0 if it is not one. */
static gsize
decode_escape (const char *at,
               const char *end,
               char      **out)
{
  static const char simple[128] = {
    ['"'] = '"', ['\\'] = '\\', ['/'] = '/', ['b'] = '\b', ['f'] = '\f', ['n'] = '\n',
    ['r'] = '\r', ['t'] = '\t',
  };
  guchar c = at[1];

  if (c == 'u')
    return decode_unicode_escape (at, end, out);
  if (c < 128 && simple[c] != 0)
    {
      *(*out)++ = simple[c];
      return 2;
    }
  return 0;
}

/* Copies the non-ASCII character at @at, or U+FFFD for each byte that does not start one. */
static gsize
copy_utf8_char (const char *at,
                const char *end,
                char      **out)
{
  gunichar c = g_utf8_get_char_validated (at, end - at);
  gsize n;

  if (c == (gunichar) -1 || c == (gunichar) -2)
    {
      memcpy (*out, REPLACEMENT, 3);
      *out += 3;
      return 1;
    }
  n = g_utf8_skip[(guchar) *at];
  memcpy (*out, at, n);
  *out += n;
  return n;
}

/* Escapes shrink and a bad byte grows to three, so three times the raw length is enough. */
static gboolean
decode_string (Parse      *p,
               const char *start,
               const char *close,
               gboolean    is_key)
{
  char *decoded = arena_alloc (p->parser, 3 * (close - start) + 1);
  char *out = decoded;

  for (const char *r = start; r < close;)
    {
      if (*r == '\\')
        {
          gsize used = decode_escape (r, close, &out);

          if (used == 0)
            return fail (p, r, LD_JSON_ERROR_SYNTAX,
                         "bad escape in a string: expected one of \\\" \\\\ \\/ \\b \\f \\n "
                         "\\r \\t \\uHHHH");
          r += used;
        }
      else if ((guchar) *r < 0x80)
        *out++ = *r++;
      else
        r += copy_utf8_char (r, close, &out);
    }

  return add_string (p, decoded, out - decoded, close + 1, is_key);
}

static gboolean
parse_string_slow (Parse      *p,
                   const char *start,
                   const char *q,
                   gboolean    is_key)
{
  gboolean escaped = FALSE, high = FALSE;

  for (; q < p->end && *q != '"'; q++)
    {
      guchar c = *q;

      if (c == '\\')
        {
          escaped = TRUE;
          if (++q == p->end)
            break;
        }
      else if (c < 0x20)
        return fail (p, q, LD_JSON_ERROR_SYNTAX,
                     "a control character (0x%02x) must be escaped in a string", c);
      else if (c >= 0x80)
        high = TRUE;
    }

  if (q >= p->end)
    return fail (p, p->end, LD_JSON_ERROR_TRUNCATED,
                 "the text ended inside the string that starts at byte %" G_GSIZE_FORMAT,
                 (gsize) (start - 1 - p->start));

  if (!escaped && (!high || g_utf8_validate_len (start, q - start, NULL)))
    return add_string (p, start, q - start, q + 1, is_key);

  return decode_string (p, start, q, is_key);
}

static gboolean
parse_string (Parse   *p,
              gboolean is_key)
{
  const char *start = p->pos + 1;
  const char *q = scan_plain (start, p->end);

  if (G_LIKELY (q < p->end && *q == '"'))
    return add_string (p, start, q - start, q + 1, is_key);

  return parse_string_slow (p, start, q, is_key);
}

static inline gboolean
is_digit (const Parse *p,
          const char  *at)
{
  return at < p->end && *at >= '0' && *at <= '9';
}

static const char *
skip_digits (const Parse *p,
             const char  *at)
{
  while (is_digit (p, at))
    at++;
  return at;
}

static gboolean
parse_number (Parse *p)
{
  const char *q = p->pos;
  guint8 flags = LD_JSON_NUMBER_INTEGER;
  LdJsonNode *node;

  if (*q == '-')
    q++;
  if (!is_digit (p, q))
    return fail_expected (p, q, "a digit");
  q = *q == '0' ? q + 1 : skip_digits (p, q);

  if (q < p->end && *q == '.')
    {
      if (!is_digit (p, ++q))
        return fail_expected (p, q, "a digit after the decimal point");
      q = skip_digits (p, q);
      flags = 0;
    }
  if (q < p->end && (*q == 'e' || *q == 'E'))
    {
      if (++q < p->end && (*q == '+' || *q == '-'))
        q++;
      if (!is_digit (p, q))
        return fail_expected (p, q, "a digit in the exponent");
      q = skip_digits (p, q);
      flags = 0;
    }

  if ((node = add_node (p, LD_JSON_NUMBER)) == NULL)
    return FALSE;
  node->flags = flags;
  node->len = q - p->pos;
  p->pos = q;
  return TRUE;
}

static gboolean
parse_literal (Parse      *p,
               const char *word,
               LdJsonKind  kind,
               guint8      flags)
{
  gsize len = strlen (word), left = p->end - p->pos;
  LdJsonNode *node;

  if (left < len || memcmp (p->pos, word, len) != 0)
    {
      /* A literal cut off by the end of the text is truncation, not a typo. */
      if (left < len && memcmp (p->pos, word, left) == 0)
        return fail_expected (p, p->end, word);
      return fail_expected (p, p->pos, "a value");
    }

  if ((node = add_node (p, kind)) == NULL)
    return FALSE;
  node->flags = flags;
  node->len = len;
  p->pos += len;
  return TRUE;
}

static gboolean
open_container (Parse     *p,
                LdJsonKind kind)
{
  LdJsonParser *parser = p->parser;
  Frame *frame;

  if (p->depth >= parser->max_depth)
    return fail (p, p->pos, LD_JSON_ERROR_DEPTH, "nested deeper than %u levels",
                 parser->max_depth);

  if (add_node (p, kind) == NULL)
    return FALSE;
  frame = &parser->stack[p->depth++];
  frame->node = parser->n_nodes - 1;
  frame->count = 0;
  frame->is_object = kind == LD_JSON_OBJECT;
  p->pos++;
  return TRUE;
}

static gboolean
parse_value (Parse *p)
{
  if (p->pos >= p->end)
    return fail_expected (p, p->pos, "a value");

  switch (*p->pos)
    {
    case '{':
      return open_container (p, LD_JSON_OBJECT);
    case '[':
      return open_container (p, LD_JSON_ARRAY);
    case '"':
      return parse_string (p, FALSE);
    case 't':
      return parse_literal (p, "true", LD_JSON_TRUE, 0);
    case 'f':
      return parse_literal (p, "false", LD_JSON_FALSE, 0);
    case 'n':
      return parse_literal (p, "null", LD_JSON_NULL, 0);
    case 'N':
      return parse_literal (p, "NaN", LD_JSON_NUMBER, LD_JSON_NUMBER_SPECIAL);
    case 'I':
      return parse_literal (p, "Infinity", LD_JSON_NUMBER, LD_JSON_NUMBER_SPECIAL);
    case '-':
      if (p->pos + 1 < p->end && p->pos[1] == 'I')
        return parse_literal (p, "-Infinity", LD_JSON_NUMBER, LD_JSON_NUMBER_SPECIAL);
      return parse_number (p);
    default:
      if (*p->pos >= '0' && *p->pos <= '9')
        return parse_number (p);
      return fail_expected (p, p->pos, "a value");
    }
}

static void
close_container (Parse *p)
{
  LdJsonParser *parser = p->parser;
  Frame *frame = &parser->stack[--p->depth];
  LdJsonNode *node = &parser->nodes[frame->node];

  node->len = frame->count;
  node->size = parser->n_nodes - frame->node;
  p->pos++;
}

static gboolean
parse_member_key (Parse *p)
{
  if (p->pos >= p->end || *p->pos != '"')
    return fail_expected (p, p->pos, "a string naming an object member");
  if (!parse_string (p, TRUE))
    return FALSE;
  skip_space (p);
  if (p->pos >= p->end || *p->pos != ':')
    return fail_expected (p, p->pos, "':' after an object member's name");
  p->pos++;
  skip_space (p);
  return TRUE;
}

/* Reads what follows inside the innermost open container: members until it closes or a
 * member opens a container of its own.  Log records are mostly flat, so most objects are
 * read in one call. */
static gboolean
parse_in_container (Parse *p)
{
  guint depth = p->depth;
  Frame *frame = &p->parser->stack[depth - 1];
  gboolean is_object = frame->is_object;
  char closing = is_object ? '}' : ']';

  for (;;)
    {
      skip_space (p);
      if (p->pos < p->end && *p->pos == closing)
        {
          close_container (p);
          return TRUE;
        }

      if (frame->count > 0)
        {
          if (p->pos >= p->end || *p->pos != ',')
            return fail_expected (p, p->pos, is_object ? "',' or '}' after an object member"
                                                       : "',' or ']' after an array item");
          p->pos++;
          skip_space (p);
        }

      if (is_object && !parse_member_key (p))
        return FALSE;
      frame->count++;
      if (!parse_value (p))
        return FALSE;
      if (p->depth != depth)
        return TRUE;
    }
}

/**
 * ld_json_parser_parse:
 * @parser: a parser
 * @text: JSON text, not necessarily nul-terminated
 * @len: its length in bytes
 * @offset: (inout): where the value starts (whitespace before it is skipped); on success set
 *   to just past the value, on failure to where the error is
 * @error: the error, whose message names the byte offset in @text and what was expected there
 *
 * Parses one JSON value. The nodes stay valid until the next parse with @parser; strings may
 * point into @text, which must stay alive as long.
 *
 * Returns: (nullable): the root node, followed by the rest of the tree
 */
const LdJsonNode *
ld_json_parser_parse (LdJsonParser *parser,
                      const char   *text,
                      gsize         len,
                      gsize        *offset,
                      GError      **error)
{
  Parse p = { parser, text, text + *offset, text + len, 0, error };

  g_return_val_if_fail (parser != NULL, NULL);
  g_return_val_if_fail (*offset <= len, NULL);

  parser->n_nodes = 0;
  arena_reset (parser);

  skip_space (&p);
  if (!parse_value (&p))
    goto failed;
  while (p.depth > 0)
    if (!parse_in_container (&p))
      goto failed;

  *offset = p.pos - text;
  return parser->nodes;

failed:
  *offset = p.pos - text;
  return NULL;
}

/**
 * ld_json_object_get:
 * @object: an object node
 * @key: a member name
 * @key_len: its length, or -1 if it is nul-terminated
 *
 * Returns: (nullable): the value of the first member named @key
 */
const LdJsonNode *
ld_json_object_get (const LdJsonNode *object,
                    const char       *key,
                    gssize            key_len)
{
  gsize len = key_len < 0 ? strlen (key) : (gsize) key_len;

  g_return_val_if_fail (object->kind == LD_JSON_OBJECT, NULL);

  for (const LdJsonNode *k = ld_json_object_first (object); k != NULL;
       k = ld_json_object_next (object, k))
    if (ld_json_node_is (k, key, len))
      return k + 1;

  return NULL;
}

/**
 * ld_json_node_get_int64:
 * @node: a number node
 * @value: (out): its value
 *
 * Returns: %TRUE if @node is an integer that fits in 64 bits
 */
gboolean
ld_json_node_get_int64 (const LdJsonNode *node,
                        gint64           *value)
{
  const char *q = node->text, *end = node->text + node->len;
  gboolean negative;
  guint64 magnitude = 0;

  if (node->kind != LD_JSON_NUMBER || !(node->flags & LD_JSON_NUMBER_INTEGER))
    return FALSE;

  negative = *q == '-';
  for (q += negative; q < end; q++)
    {
      if (magnitude > (G_MAXUINT64 - 9) / 10)
        return FALSE;
      magnitude = magnitude * 10 + (*q - '0');
    }
  if (magnitude > (guint64) G_MAXINT64 + negative)
    return FALSE;

  *value = negative ? (gint64) (0 - magnitude) : (gint64) magnitude;
  return TRUE;
}

/**
 * ld_json_node_get_double:
 * @node: a number node
 * @value: (out): its value, which may be NaN or infinite
 *
 * Returns: %TRUE if @node is a number
 */
gboolean
ld_json_node_get_double (const LdJsonNode *node,
                         double           *value)
{
  char buffer[64];
  g_autofree char *copy = NULL;
  const char *text = buffer;

  if (node->kind != LD_JSON_NUMBER)
    return FALSE;

  if (node->len < sizeof buffer)
    {
      memcpy (buffer, node->text, node->len);
      buffer[node->len] = '\0';
    }
  else
    text = copy = g_strndup (node->text, node->len);

  *value = g_ascii_strtod (text, NULL);
  return TRUE;
}

/**
 * ld_json_node_to_json:
 * @node: any node
 * @out: where to write
 *
 * Appends @node as compact JSON (no spaces).  JSON has no NaN or Infinity, so they become
 * null, as JavaScript's JSON.stringify() and Logdeck's pickle decoder write them, and every
 * exported line parses.
 */
void
ld_json_node_to_json (const LdJsonNode *node,
                      GString          *out)
{
  switch (node->kind)
    {
    case LD_JSON_STRING:
      ld_jsonl_append_string (out, node->text, node->len);
      break;
    case LD_JSON_ARRAY:
      g_string_append_c (out, '[');
      for (const LdJsonNode *item = ld_json_array_first (node); item != NULL;
           item = ld_json_array_next (node, item))
        {
          if (item != node + 1)
            g_string_append_c (out, ',');
          ld_json_node_to_json (item, out);
        }
      g_string_append_c (out, ']');
      break;
    case LD_JSON_OBJECT:
      g_string_append_c (out, '{');
      for (const LdJsonNode *key = ld_json_object_first (node); key != NULL;
           key = ld_json_object_next (node, key))
        {
          if (key != node + 1)
            g_string_append_c (out, ',');
          ld_jsonl_append_string (out, key->text, key->len);
          g_string_append_c (out, ':');
          ld_json_node_to_json (key + 1, out);
        }
      g_string_append_c (out, '}');
      break;
    case LD_JSON_NUMBER:
      if (node->flags & LD_JSON_NUMBER_SPECIAL)
        g_string_append (out, "null");
      else
        g_string_append_len (out, node->text, node->len);
      break;
    default:
      g_string_append_len (out, node->text, node->len);
      break;
    }
}
