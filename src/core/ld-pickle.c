// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.pickle"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ld-pickle.h"

/* A safe unpickler.  It follows CPython's C unpickler (Modules/_pickle.c) for the stack, the
 * MARK fence and the memo, but builds plain C values instead of Python objects and never
 * resolves a global: GLOBAL and STACK_GLOBAL push a named placeholder, and REDUCE, NEWOBJ,
 * INST, OBJ and BUILD turn placeholders into LD_PICKLE_OBJECT values.  The types that log
 * records carry (datetime, Decimal, UUID, sets, bytes written by protocols 0-2, enums,
 * exceptions) are recognised by name and rendered from their pickled state.
 *
 * Speed matters (a busy sender emits about a million records a second), so all values of one
 * pickle come from one bump allocator owned by the root, the input is copied once and valid
 * strings point into that copy, and the stack, mark and memo arrays start on the C stack. */

enum
{
  FLAG_ROOT      = 1 << 0, /* owns the block: returned by ld_pickle_decode() */
  FLAG_SHARED    = 1 << 1, /* pushed again by GET or DUP, so it may sit in a cycle */
  FLAG_FROZEN    = 1 << 2, /* a frozenset */
  FLAG_BYTEARRAY = 1 << 3,
  FLAG_RAW_UTF8  = 1 << 4, /* a Python 2 str whose bytes were valid UTF-8, kept unchanged */
};

typedef enum
{
  OBJECT_GLOBAL,   /* a class or function named by GLOBAL or STACK_GLOBAL */
  OBJECT_ATTR,     /* getattr (global, "NAME"), e.g. an enum member since Python 3.11 */
  OBJECT_INSTANCE, /* anything else: "<module.Class object ...>" */
  OBJECT_SHORT,    /* a class called with one plain value: "<Color: 2>" */
  OBJECT_TEXT,     /* a known type, decoded to readable text */
} ObjectSubkind;

/* Types whose value later steps need. */
typedef enum
{
  TYPE_OTHER,
  TYPE_TIMEDELTA,
  TYPE_TIMEZONE,
  TYPE_UUID,
} ObjectType;

typedef struct
{
  LdPickleValue *key;
  LdPickleValue *value; /* NULL in a set */
  guint32 hash;
} Entry;

typedef struct
{
  const char *module;
  const char *name;
  const char *text;
  LdPickleValue *args;       /* a non-empty tuple, or NULL */
  LdPickleValue *kwargs;     /* a non-empty dict, or NULL */
  LdPickleValue *state;      /* from BUILD, or NULL */
  LdPickleValue *list_items; /* APPEND on an instance of a list subclass */
  LdPickleValue *dict_items; /* SETITEM on an instance of a dict subclass */
  gint64 seconds;            /* of a timedelta or a timezone offset */
  guint8 subkind;            /* ObjectSubkind */
  guint8 type;               /* ObjectType */
} ObjectData;

struct _LdPickleValue
{
  guint8 kind;
  guint8 flags;
  guint8 index_bits; /* log2 of the size of a dict's index */
  guint32 cap;       /* allocated items or entries */
  gsize len;   /* bytes of str, bytes and bigint text; items or entries of containers */
  union
  {
    gint64 i;
    double f;
    const char *str;
    LdPickleValue **items;
    struct
    {
      Entry *entries;
      guint32 *index; /* open addressing over entries, once there are more than a few */
    } dict;
    ObjectData *object;
  };
};

typedef struct _Chunk Chunk;
struct _Chunk
{
  Chunk *next;
  gsize padding; /* keeps the data after it aligned for doubles on 32-bit systems */
};

/* One allocation holds the block header, the root value and the first chunk of values. */
typedef struct
{
  LdPickleValue root;      /* first member: ld_pickle_value_free() casts back to the block */
  LdPickleValue *original; /* the value root copies, which the graph may point back to */
  Chunk *chunks;
} Block;

#define STACK_INLINE      64
#define MARKS_INLINE      16
#define MEMO_INLINE       128
#define CHUNK_MAX         (256 * 1024)
#define DICT_LINEAR_MAX   8
#define DICT_MAX_PROBES   256
#define MAX_CONTAINER_LEN G_MAXUINT32

typedef struct
{
  const guint8 *data;
  gsize len;
  gsize pos;
  gsize op_pos;
  int op; /* the opcode being run, or -1 */
  char *copy;
  const LdPickleLimits *limits;
  GError **error;

  Block *block;
  guint8 *bump;
  guint8 *bump_end;
  gsize next_chunk;
  gsize bytes;
  gsize values;
  gsize max_values;

  LdPickleValue **stack;
  gsize stack_len;
  gsize stack_cap;
  gsize fence; /* values below the topmost MARK cannot be popped, as in CPython */
  gsize *marks;
  gsize n_marks;
  gsize marks_cap;
  LdPickleValue **memo;
  gsize memo_used; /* entries below this are initialised */
  gsize memo_cap;
  gsize memo_len; /* entries set, the index MEMOIZE uses */

  LdPickleValue *stack_inline[STACK_INLINE];
  gsize marks_inline[MARKS_INLINE];
  LdPickleValue *memo_inline[MEMO_INLINE];
} Decoder;

G_DEFINE_QUARK (ld-pickle-error-quark, ld_pickle_error)

void
ld_pickle_limits_init_default (LdPickleLimits *limits)
{
  g_return_if_fail (limits != NULL);

  limits->max_depth = LD_PICKLE_DEFAULT_MAX_DEPTH;
  limits->max_memo = LD_PICKLE_DEFAULT_MAX_MEMO;
  limits->max_int_digits = LD_PICKLE_DEFAULT_MAX_INT_DIGITS;
  limits->max_allocations = LD_PICKLE_DEFAULT_MAX_ALLOCATIONS;
  limits->max_total_bytes = LD_PICKLE_DEFAULT_MAX_TOTAL_BYTES;
}

/* Errors */

static const char *const opcode_names[256] = {
  ['('] = "MARK", ['.'] = "STOP", ['0'] = "POP", ['1'] = "POP_MARK", ['2'] = "DUP",
  ['F'] = "FLOAT", ['I'] = "INT", ['J'] = "BININT", ['K'] = "BININT1", ['L'] = "LONG",
  ['M'] = "BININT2", ['N'] = "NONE", ['P'] = "PERSID", ['Q'] = "BINPERSID", ['R'] = "REDUCE",
  ['S'] = "STRING", ['T'] = "BINSTRING", ['U'] = "SHORT_BINSTRING", ['V'] = "UNICODE",
  ['X'] = "BINUNICODE", ['a'] = "APPEND", ['b'] = "BUILD", ['c'] = "GLOBAL", ['d'] = "DICT",
  ['}'] = "EMPTY_DICT", ['e'] = "APPENDS", ['g'] = "GET", ['h'] = "BINGET", ['i'] = "INST",
  ['j'] = "LONG_BINGET", ['l'] = "LIST", [']'] = "EMPTY_LIST", ['o'] = "OBJ", ['p'] = "PUT",
  ['q'] = "BINPUT", ['r'] = "LONG_BINPUT", ['s'] = "SETITEM", ['t'] = "TUPLE",
  [')'] = "EMPTY_TUPLE", ['u'] = "SETITEMS", ['G'] = "BINFLOAT", ['B'] = "BINBYTES",
  ['C'] = "SHORT_BINBYTES", [0x80] = "PROTO", [0x81] = "NEWOBJ", [0x82] = "EXT1",
  [0x83] = "EXT2", [0x84] = "EXT4", [0x85] = "TUPLE1", [0x86] = "TUPLE2", [0x87] = "TUPLE3",
  [0x88] = "NEWTRUE", [0x89] = "NEWFALSE", [0x8a] = "LONG1", [0x8b] = "LONG4",
  [0x8c] = "SHORT_BINUNICODE", [0x8d] = "BINUNICODE8", [0x8e] = "BINBYTES8",
  [0x8f] = "EMPTY_SET", [0x90] = "ADDITEMS", [0x91] = "FROZENSET", [0x92] = "NEWOBJ_EX",
  [0x93] = "STACK_GLOBAL", [0x94] = "MEMOIZE", [0x95] = "FRAME", [0x96] = "BYTEARRAY8",
  [0x97] = "NEXT_BUFFER", [0x98] = "READONLY_BUFFER",
};

static const char *
kind_name (const LdPickleValue *v)
{
  static const char *const names[] = {
    "None", "bool", "int", "int", "float", "str", "bytes", "list", "tuple", "set", "dict",
    "object",
  };

  return names[v->kind];
}

/* Sets the error, always naming the byte offset and, inside an opcode, the opcode. */
G_GNUC_PRINTF (3, 4) static gboolean
fail (Decoder *d, LdPickleError code, const char *format, ...)
{
  g_autofree char *reason = NULL;
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);

  if (d->op < 0)
    g_set_error (d->error, LD_PICKLE_ERROR, code, _("offset %lu: %s"), (gulong) d->op_pos, reason);
  else if (opcode_names[d->op] == NULL)
    g_set_error (d->error, LD_PICKLE_ERROR, code, _("offset %lu: opcode 0x%02x: %s"),
                 (gulong) d->op_pos, (guint) d->op, reason);
  else
    g_set_error (d->error, LD_PICKLE_ERROR, code, _("offset %lu: opcode 0x%02x (%s): %s"),
                 (gulong) d->op_pos, (guint) d->op, opcode_names[d->op], reason);
  return FALSE;
}

static gboolean
fail_underflow (Decoder *d)
{
  return fail (d, LD_PICKLE_ERROR_INVALID, _("stack underflow"));
}

static gboolean
fail_type (Decoder *d, const char *what, const LdPickleValue *v)
{
  return fail (d, LD_PICKLE_ERROR_INVALID, _("%s, not %s"), what, kind_name (v));
}

/* Memory */

static gboolean
charge (Decoder *d, gsize bytes)
{
  gsize max = d->limits->max_total_bytes;

  if (G_LIKELY (d->bytes <= max && bytes <= max - d->bytes))
    {
      d->bytes += bytes;
      return TRUE;
    }
  return fail (d, LD_PICKLE_ERROR_LIMIT, _("needs more than %lu bytes of memory"), (gulong) max);
}

static gpointer
alloc_chunk (Decoder *d, gsize size)
{
  Chunk *chunk;

  if (size > G_MAXSIZE - sizeof (Chunk) || !charge (d, size + sizeof (Chunk)))
    return NULL;
  chunk = g_malloc (sizeof (Chunk) + size);
  chunk->next = d->block->chunks;
  d->block->chunks = chunk;
  return chunk + 1;
}

static G_GNUC_NO_INLINE gpointer
alloc_slow (Decoder *d, gsize size)
{
  guint8 *p;

  /* Big requests get a chunk of their own, so the current chunk's free space is kept. */
  if (size >= d->next_chunk / 4)
    return alloc_chunk (d, size);
  if ((p = alloc_chunk (d, d->next_chunk)) == NULL)
    return NULL;
  d->bump = p + size;
  d->bump_end = p + d->next_chunk;
  d->next_chunk = MIN (d->next_chunk * 2, CHUNK_MAX);
  return p;
}

/* Returns memory aligned for any value, or NULL with the error set. */
static inline gpointer
alloc (Decoder *d, gsize size)
{
  guint8 *p = d->bump;

  if (G_UNLIKELY (size > G_MAXSIZE - 8))
    return fail (d, LD_PICKLE_ERROR_LIMIT, _("allocation too large")), NULL;
  size = (size + 7) & ~(gsize) 7;
  if (G_UNLIKELY ((gsize) (d->bump_end - p) < size))
    return alloc_slow (d, size);
  d->bump = p + size;
  return p;
}

static gpointer
alloc_array (Decoder *d, gsize n, gsize size)
{
  if (n > G_MAXSIZE / size)
    return fail (d, LD_PICKLE_ERROR_LIMIT, _("allocation too large")), NULL;
  return alloc (d, n * size);
}

static char *
alloc_printf (Decoder *d, const char *format, ...) G_GNUC_PRINTF (2, 3);

static char *
alloc_printf (Decoder *d, const char *format, ...)
{
  va_list args, args2;
  char *text;
  int n;

  va_start (args, format);
  va_copy (args2, args);
  n = g_vsnprintf (NULL, 0, format, args);
  if ((text = alloc (d, (gsize) n + 1)) != NULL)
    g_vsnprintf (text, (gulong) n + 1, format, args2);
  va_end (args2);
  va_end (args);
  return text;
}

static char *
alloc_strndup (Decoder *d, const char *s, gsize n)
{
  char *copy = alloc (d, n + 1);

  if (copy != NULL)
    {
      memcpy (copy, s, n);
      copy[n] = '\0';
    }
  return copy;
}

static inline LdPickleValue *
new_value (Decoder *d, LdPickleKind kind)
{
  LdPickleValue *v;

  if (G_UNLIKELY (++d->values > d->max_values))
    return fail (d, LD_PICKLE_ERROR_LIMIT, _("more than %lu values"),
                 (gulong) d->limits->max_allocations), NULL;
  if ((v = alloc (d, sizeof *v)) == NULL)
    return NULL;
  v->kind = kind;
  v->flags = 0;
  v->index_bits = 0;
  v->cap = 0;
  v->len = 0;
  v->dict.entries = NULL;
  v->dict.index = NULL;
  return v;
}

static void
block_free (Block *block)
{
  Chunk *chunk, *next;

  if (block == NULL)
    return;
  for (chunk = block->chunks; chunk != NULL; chunk = next)
    {
      next = chunk->next;
      g_free (chunk);
    }
  g_free (block);
}

/* Stack, marks and memo */

static G_GNUC_NO_INLINE gboolean
grow_stack (Decoder *d)
{
  gsize cap = d->stack_cap * 2;
  LdPickleValue **stack;

  if (!charge (d, d->stack_cap * sizeof *stack))
    return FALSE;
  stack = g_new (LdPickleValue *, cap);
  memcpy (stack, d->stack, d->stack_len * sizeof *stack);
  if (d->stack != d->stack_inline)
    g_free (d->stack);
  d->stack = stack;
  d->stack_cap = cap;
  return TRUE;
}

static inline gboolean
push (Decoder *d, LdPickleValue *v)
{
  if (G_UNLIKELY (v == NULL))
    return FALSE;
  if (G_UNLIKELY (d->stack_len == d->stack_cap) && !grow_stack (d))
    return FALSE;
  d->stack[d->stack_len++] = v;
  return TRUE;
}

static inline gboolean
pop (Decoder *d, LdPickleValue **v)
{
  if (G_UNLIKELY (d->stack_len <= d->fence))
    {
      *v = NULL;
      return fail_underflow (d);
    }
  *v = d->stack[--d->stack_len];
  return TRUE;
}

static inline gboolean
peek (Decoder *d, LdPickleValue **v)
{
  if (G_UNLIKELY (d->stack_len <= d->fence))
    {
      *v = NULL;
      return fail_underflow (d);
    }
  *v = d->stack[d->stack_len - 1];
  return TRUE;
}

static gboolean
push_mark (Decoder *d)
{
  if (G_UNLIKELY (d->n_marks >= d->limits->max_depth))
    return fail (d, LD_PICKLE_ERROR_LIMIT, _("more than %lu nested MARKs"),
                 (gulong) d->limits->max_depth);
  if (G_UNLIKELY (d->n_marks == d->marks_cap))
    {
      gsize cap = d->marks_cap * 2;
      gsize *marks;

      if (!charge (d, d->marks_cap * sizeof *marks))
        return FALSE;
      marks = g_new (gsize, cap);
      memcpy (marks, d->marks, d->n_marks * sizeof *marks);
      if (d->marks != d->marks_inline)
        g_free (d->marks);
      d->marks = marks;
      d->marks_cap = cap;
    }
  d->marks[d->n_marks++] = d->stack_len;
  d->fence = d->stack_len;
  return TRUE;
}

/* Pops the topmost MARK: the values above it are d->stack[*start] to the top. */
static gboolean
pop_mark (Decoder *d, gsize *start)
{
  *start = 0;
  if (G_UNLIKELY (d->n_marks == 0))
    return fail (d, LD_PICKLE_ERROR_INVALID, _("no MARK to pop"));
  *start = d->marks[--d->n_marks];
  d->fence = d->n_marks > 0 ? d->marks[d->n_marks - 1] : 0;
  return TRUE;
}

static G_GNUC_NO_INLINE gboolean
grow_memo (Decoder *d, gsize need)
{
  gsize cap = MIN (MAX (d->memo_cap * 2, need), d->limits->max_memo);
  LdPickleValue **memo;

  if (!charge (d, (cap - d->memo_cap) * sizeof *memo))
    return FALSE;
  memo = g_new (LdPickleValue *, cap);
  memcpy (memo, d->memo, d->memo_used * sizeof *memo);
  if (d->memo != d->memo_inline)
    g_free (d->memo);
  d->memo = memo;
  d->memo_cap = cap;
  return TRUE;
}

static G_GNUC_NO_INLINE gboolean
memo_put_slow (Decoder *d, gsize pos)
{
  LdPickleValue *v = NULL;

  if (!peek (d, &v))
    return FALSE;
  if (G_UNLIKELY (pos >= d->memo_used))
    {
      if (pos >= d->limits->max_memo)
        return fail (d, LD_PICKLE_ERROR_LIMIT, _("memo index %lu is over the limit of %lu"),
                     (gulong) pos, (gulong) d->limits->max_memo);
      if (pos >= d->memo_cap && !grow_memo (d, pos + 1))
        return FALSE;
      memset (d->memo + d->memo_used, 0, (pos + 1 - d->memo_used) * sizeof v);
      d->memo_used = pos + 1;
    }
  if (d->memo[pos] == NULL)
    d->memo_len++;
  d->memo[pos] = v;
  return TRUE;
}

static G_ALWAYS_INLINE inline gboolean
memo_put (Decoder *d, gsize pos)
{
  /* Picklers number memo entries in order: the common case is the next free one. */
  if (G_LIKELY (pos == d->memo_used && pos < d->memo_cap && d->stack_len > d->fence))
    {
      d->memo[pos] = d->stack[d->stack_len - 1];
      d->memo_used++;
      d->memo_len++;
      return TRUE;
    }
  return memo_put_slow (d, pos);
}

static gboolean
memo_get (Decoder *d, gsize pos)
{
  LdPickleValue *v;

  if (G_UNLIKELY (pos >= d->memo_used || d->memo[pos] == NULL))
    return fail (d, LD_PICKLE_ERROR_INVALID, _("memo key %lu not found"), (gulong) pos);
  v = d->memo[pos];
  v->flags |= FLAG_SHARED;
  return push (d, v);
}

/* Reading the input */

static inline gboolean
need (Decoder *d, guint64 n)
{
  if (G_LIKELY (n <= (guint64) (d->len - d->pos)))
    return TRUE;
  return fail (d, LD_PICKLE_ERROR_TRUNCATED, _("truncated: needs %lu bytes, %lu left"),
               (gulong) n, (gulong) (d->len - d->pos));
}

static inline guint64
read_le (const guint8 *p, guint n)
{
  guint64 value = 0;
  guint32 value32;

  /* Callers mostly pass a constant n, which picks a single load here. */
  switch (n)
    {
    case 1:
      return p[0];
    case 4:
      memcpy (&value32, p, 4);
      return GUINT32_FROM_LE (value32);
    case 8:
      memcpy (&value, p, 8);
      return GUINT64_FROM_LE (value);
    default:
      while (n-- > 0)
        value = (value << 8) | p[n];
      return value;
    }
}

static G_ALWAYS_INLINE inline gboolean
read_uint (Decoder *d, guint n, guint64 *value)
{
  *value = 0;
  if (!need (d, n))
    return FALSE;
  *value = read_le (d->data + d->pos, n);
  d->pos += n;
  return TRUE;
}

/* Reads the argument of a text opcode, up to its newline, which it replaces by a NUL in the
 * copy so the text can be used in place. */
static gboolean
read_line (Decoder *d, char **line, gsize *length)
{
  const guint8 *start = d->data + d->pos;
  const guint8 *nl = memchr (start, '\n', d->len - d->pos);

  *line = NULL;
  *length = 0;
  if (nl == NULL)
    return fail (d, LD_PICKLE_ERROR_TRUNCATED, _("truncated: no end of line"));
  *line = d->copy + d->pos;
  *length = (gsize) (nl - start);
  (*line)[*length] = '\0';
  d->pos += *length + 1;
  return TRUE;
}

/* Reads a length-prefixed payload, which is then d->copy[*start] onwards. */
static G_ALWAYS_INLINE inline gboolean
read_payload (Decoder *d, guint size_bytes, gsize *start, gsize *length)
{
  guint64 n;

  *start = *length = 0;
  if (!read_uint (d, size_bytes, &n) || !need (d, n))
    return FALSE;
  *start = d->pos;
  *length = (gsize) n;
  d->pos += (gsize) n;
  return TRUE;
}

static inline guint64
load64 (const char *s)
{
  guint64 word;

  memcpy (&word, s, sizeof word);
  return word;
}

static inline guint64
load32 (const char *s)
{
  guint32 word;

  memcpy (&word, s, sizeof word);
  return word;
}

/* Text */

#define INVALID_CHAR ((gunichar) -1)

typedef struct
{
  char *out; /* NULL to only count */
  gsize len;
  gunichar high; /* a high surrogate waiting for its low half */
} Sink;

static inline void
sink_emit (Sink *sink, gunichar c)
{
  if (sink->out != NULL)
    sink->len += (gsize) g_unichar_to_utf8 (c, sink->out + sink->len);
  else
    sink->len += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
}

/* Adds a code point: a surrogate pair is joined, and a lone surrogate, a code point out of
 * range or INVALID_CHAR becomes U+FFFD, so the text is always valid UTF-8. */
static void
sink_put (Sink *sink, gunichar c)
{
  if (sink->high != 0)
    {
      gunichar high = sink->high;

      sink->high = 0;
      if (c >= 0xDC00 && c <= 0xDFFF)
        {
          sink_emit (sink, 0x10000 + ((high - 0xD800) << 10) + (c - 0xDC00));
          return;
        }
      sink_emit (sink, 0xFFFD);
    }
  if (c >= 0xD800 && c <= 0xDBFF)
    sink->high = c;
  else if ((c >= 0xDC00 && c <= 0xDFFF) || c > 0x10FFFF)
    sink_emit (sink, 0xFFFD);
  else
    sink_emit (sink, c);
}

static void
sink_finish (Sink *sink)
{
  if (sink->high != 0)
    sink_emit (sink, 0xFFFD);
  sink->high = 0;
  if (sink->out != NULL)
    sink->out[sink->len] = '\0';
}

/* Decodes one UTF-8 sequence as Python does with "surrogatepass", which pickle uses: a
 * surrogate (ED A0..BF xx) comes back as its code point.  A bad sequence gives INVALID_CHAR
 * and consumes its longest valid prefix, so each bad sequence becomes one U+FFFD, as the
 * Unicode standard recommends. */
static gsize
utf8_decode_one (const guint8 *s, gsize n, gunichar *out)
{
  gunichar c = s[0];
  guint8 lo = 0x80, hi = 0xBF;
  gsize more, i;

  if (c < 0x80)
    {
      *out = c;
      return 1;
    }
  if (c < 0xC2 || c > 0xF4)
    {
      *out = INVALID_CHAR;
      return 1;
    }
  if (c < 0xE0)
    more = 1, c &= 0x1F;
  else if (c < 0xF0)
    more = 2, c &= 0x0F, lo = c == 0 ? 0xA0 : 0x80;
  else
    more = 3, c &= 0x07, lo = c == 0 ? 0x90 : 0x80, hi = c == 4 ? 0x8F : 0xBF;
  for (i = 1; i <= more; i++, lo = 0x80, hi = 0xBF)
    {
      if (i >= n || s[i] < lo || s[i] > hi)
        {
          *out = INVALID_CHAR;
          return i;
        }
      c = (c << 6) | (s[i] & 0x3F);
    }
  *out = c;
  return more + 1;
}

static inline gsize
ascii_prefix (const guint8 *s, gsize n)
{
  gsize i = 0;

  for (; i + 8 <= n; i += 8)
    {
      guint64 word;

      memcpy (&word, s + i, 8);
      if (word & G_GUINT64_CONSTANT (0x8080808080808080))
        break;
    }
  while (i < n && s[i] < 0x80)
    i++;
  return i;
}

/* Whether the bytes are valid UTF-8 without surrogates (embedded NULs are fine). */
static gboolean
utf8_is_clean (const guint8 *s, gsize n)
{
  gsize i = ascii_prefix (s, n);

  while (i < n)
    {
      gunichar c;

      if (s[i] < 0x80)
        {
          i++;
          continue;
        }
      i += utf8_decode_one (s + i, n - i, &c);
      if (c == INVALID_CHAR || (c >= 0xD800 && c <= 0xDFFF))
        return FALSE;
    }
  return TRUE;
}

typedef void (*Converter) (const guint8 *s, gsize n, Sink *sink);

static void
convert_utf8 (const guint8 *s, gsize n, Sink *sink)
{
  gsize i = 0;

  while (i < n)
    {
      gunichar c;

      i += utf8_decode_one (s + i, n - i, &c);
      sink_put (sink, c);
    }
}

static void
convert_latin1 (const guint8 *s, gsize n, Sink *sink)
{
  for (gsize i = 0; i < n; i++)
    sink_put (sink, s[i]);
}

static gboolean
parse_hex (const guint8 *s, gsize digits, gunichar *out)
{
  gunichar c = 0;

  for (gsize i = 0; i < digits; i++)
    {
      int v = g_ascii_xdigit_value ((char) s[i]);

      if (v < 0)
        return FALSE;
      c = (c << 4) | (gunichar) v;
    }
  *out = c;
  return TRUE;
}

/* Reads a \u escape (four hex digits) or a \U escape (eight) at s. */
static gsize
parse_unicode_escape (const guint8 *s, gsize n, gunichar *out)
{
  gsize digits;

  if (n < 2 || (s[1] != 'u' && s[1] != 'U'))
    return 0;
  digits = s[1] == 'u' ? 4 : 8;
  if (n < 2 + digits || !parse_hex (s + 2, digits, out))
    return 0;
  return 2 + digits;
}

/* The "raw-unicode-escape" codec of the UNICODE opcode: latin-1 bytes with \u and \U escapes,
 * where only an odd run of backslashes starts an escape, as in CPython. */
static void
convert_raw_unicode_escape (const guint8 *s, gsize n, Sink *sink)
{
  gsize i = 0;

  while (i < n)
    {
      gsize run = 0, used;
      gboolean odd;
      gunichar c;

      if (s[i] != '\\')
        {
          sink_put (sink, s[i++]);
          continue;
        }
      while (i + run < n && s[i + run] == '\\')
        run++;
      odd = run % 2 == 1;
      for (; run > 1; run--, i++)
        sink_put (sink, '\\');
      used = odd ? parse_unicode_escape (s + i, n - i, &c) : 0;
      if (used > 0)
        sink_put (sink, c);
      else
        sink_put (sink, '\\');
      i += used > 0 ? used : 1;
    }
}

static LdPickleValue *
new_str_converted (Decoder *d, const guint8 *s, gsize n, Converter convert)
{
  Sink count = { NULL, 0, 0 };
  Sink sink = { NULL, 0, 0 };
  LdPickleValue *v;

  convert (s, n, &count);
  sink_finish (&count);
  if ((sink.out = alloc (d, count.len + 1)) == NULL || (v = new_value (d, LD_PICKLE_STR)) == NULL)
    return NULL;
  convert (s, n, &sink);
  sink_finish (&sink);
  v->str = sink.out;
  v->len = sink.len;
  return v;
}

static inline gboolean
is_ascii (const char *s, gsize n)
{
  guint64 bits = 0;

  if (n >= 8)
    {
      for (gsize i = 0; i + 8 <= n; i += 8)
        bits |= load64 (s + i);
      bits |= load64 (s + n - 8);
    }
  else if (n >= 4)
    bits = load32 (s) | load32 (s + n - 4);
  else
    for (gsize i = 0; i < n; i++)
      bits |= (guchar) s[i];
  return (bits & G_GUINT64_CONSTANT (0x8080808080808080)) == 0;
}

static G_GNUC_NO_INLINE LdPickleValue *
new_str_slow (Decoder *d, char *s, gsize n)
{
  LdPickleValue *v;

  if (!utf8_is_clean ((const guint8 *) s, n))
    return new_str_converted (d, (const guint8 *) s, n, convert_utf8);
  if ((v = new_value (d, LD_PICKLE_STR)) == NULL)
    return NULL;
  s[n] = '\0';
  v->str = s;
  v->len = n;
  return v;
}

/* A str from UTF-8 at s, which must be writable at s[n]: clean text is used in place. */
static G_ALWAYS_INLINE inline LdPickleValue *
new_str (Decoder *d, char *s, gsize n)
{
  LdPickleValue *v;

  if (G_UNLIKELY (!is_ascii (s, n)))
    return new_str_slow (d, s, n);
  if ((v = new_value (d, LD_PICKLE_STR)) == NULL)
    return NULL;
  s[n] = '\0';
  v->str = s;
  v->len = n;
  return v;
}

/* A Python 2 str is bytes: shown as UTF-8 when it is valid UTF-8, else as latin-1. */
static LdPickleValue *
new_py2_str (Decoder *d, char *s, gsize n)
{
  LdPickleValue *v;

  if (!utf8_is_clean ((const guint8 *) s, n))
    return new_str_converted (d, (const guint8 *) s, n, convert_latin1);
  if ((v = new_str (d, s, n)) != NULL)
    v->flags |= FLAG_RAW_UTF8;
  return v;
}

static LdPickleValue *
new_bytes (Decoder *d, const char *data, gsize n, guint8 flags)
{
  LdPickleValue *v = new_value (d, LD_PICKLE_BYTES);

  if (v != NULL)
    {
      v->str = data;
      v->len = n;
      v->flags = flags;
    }
  return v;
}

/* Text usable as a C string: a GLOBAL line or a str, made valid UTF-8 when it is not. */
static const char *
line_text (Decoder *d, char *s, gsize n)
{
  LdPickleValue *v = new_str (d, s, n);

  return v != NULL ? v->str : NULL;
}

/* Python's codecs.escape_decode, which the STRING opcode uses, done in place. */
static gsize
escape_decode (char *s, gsize n)
{
  static const char simple[] = "n\nt\tr\ra\007b\bf\fv\013\\\\''\"\"";
  gsize i = 0, o = 0;

  while (i < n)
    {
      const char *e;
      char c = s[i++];

      if (c != '\\' || i == n)
        {
          s[o++] = c;
          continue;
        }
      c = s[i++];
      if (c != '\0' && (e = strchr (simple, c)) != NULL && (e - simple) % 2 == 0)
        s[o++] = e[1];
      else if (c >= '0' && c <= '7')
        {
          guint value = (guint) (c - '0');

          for (int k = 0; k < 2 && i < n && s[i] >= '0' && s[i] <= '7'; k++)
            value = value * 8 + (guint) (s[i++] - '0');
          s[o++] = (char) (value & 0xFF);
        }
      else if (c == 'x' && i + 2 <= n && g_ascii_isxdigit (s[i]) && g_ascii_isxdigit (s[i + 1]))
        {
          s[o++] = (char) (g_ascii_xdigit_value (s[i]) * 16 + g_ascii_xdigit_value (s[i + 1]));
          i += 2;
        }
      else
        {
          s[o++] = '\\';
          s[o++] = c;
        }
    }
  return o;
}

/* Numbers */

static LdPickleValue *
new_int (Decoder *d, gint64 i)
{
  LdPickleValue *v = new_value (d, LD_PICKLE_INT);

  if (v != NULL)
    v->i = i;
  return v;
}

static LdPickleValue *
new_bool (Decoder *d, gboolean b)
{
  LdPickleValue *v = new_value (d, LD_PICKLE_BOOL);

  if (v != NULL)
    v->i = b ? 1 : 0;
  return v;
}

static LdPickleValue *
new_float (Decoder *d, double f)
{
  LdPickleValue *v = new_value (d, LD_PICKLE_FLOAT);

  if (v != NULL)
    v->f = f;
  return v;
}

static gboolean
check_digits (Decoder *d, gsize digits)
{
  if (G_LIKELY (digits <= d->limits->max_int_digits))
    return TRUE;
  return fail (d, LD_PICKLE_ERROR_LIMIT, _("integer of more than %lu digits"),
               (gulong) d->limits->max_int_digits);
}

static LdPickleValue *
wrap_bigint (Decoder *d, const char *text, gsize n)
{
  LdPickleValue *v = new_value (d, LD_PICKLE_BIGINT);

  if (v != NULL)
    {
      v->str = text;
      v->len = n;
    }
  return v;
}

static LdPickleValue *
new_bigint (Decoder *d, gboolean negative, const char *digits, gsize n)
{
  char *text = alloc (d, n + 2);

  if (text == NULL)
    return NULL;
  text[0] = '-';
  memcpy (text + negative, digits, n);
  text[n + negative] = '\0';
  return wrap_bigint (d, text, n + negative);
}

typedef enum
{
  INT_TEXT_INVALID,
  INT_TEXT_SMALL, /* fits in a gint64 */
  INT_TEXT_BIG,
} IntText;

/* Reads the decimal text of the INT and LONG opcodes: into @value when it fits in 64 bits.
 * @digits and @n_digits give the digits without sign and leading zeros. */
static IntText
parse_int_text (const char *s, gsize n, gint64 *value, gboolean *negative,
                const char **digits, gsize *n_digits)
{
  guint64 magnitude = 0;

  *negative = FALSE;
  for (; n > 0 && g_ascii_isspace (s[n - 1]); n--)
    ;
  for (; n > 0 && g_ascii_isspace (s[0]); n--)
    s++;
  if (n > 0 && (s[0] == '-' || s[0] == '+'))
    *negative = s[0] == '-', s++, n--;
  for (; n > 1 && s[0] == '0'; n--)
    s++;
  *digits = s;
  *n_digits = n;
  if (n == 0)
    return INT_TEXT_INVALID;
  for (gsize i = 0; i < n; i++)
    {
      if (!g_ascii_isdigit (s[i]))
        return INT_TEXT_INVALID;
      magnitude = magnitude * 10 + (guint64) (s[i] - '0'); /* wraps past 19 digits: then unused */
    }
  if (n > 19)
    return INT_TEXT_BIG;
  if (magnitude <= (guint64) G_MAXINT64)
    *value = *negative ? -(gint64) magnitude : (gint64) magnitude;
  else if (*negative && magnitude == (guint64) G_MAXINT64 + 1)
    *value = G_MININT64;
  else
    return INT_TEXT_BIG;
  return INT_TEXT_SMALL;
}

static LdPickleValue *
new_int_from_text (Decoder *d, const char *s, gsize n)
{
  IntText parsed;
  gboolean negative;
  const char *digits;
  gsize n_digits;
  gint64 value = 0;

  parsed = parse_int_text (s, n, &value, &negative, &digits, &n_digits);
  if (parsed == INT_TEXT_INVALID)
    return fail (d, LD_PICKLE_ERROR_INVALID, _("invalid integer text")), NULL;
  if (!check_digits (d, n_digits))
    return NULL;
  if (parsed == INT_TEXT_SMALL)
    return new_int (d, value);
  return new_bigint (d, negative, digits, n_digits);
}

/* Turns the magnitude in limbs (32-bit, least significant first) into base-10^9 chunks,
 * least significant first, by repeated division; returns how many. */
static gsize
limbs_to_chunks (guint32 *limbs, gsize n_limbs, guint32 *chunks)
{
  gsize n_chunks = 0;

  do
    {
      guint64 rem = 0;

      for (gsize i = n_limbs; i-- > 0;)
        {
          guint64 cur = (rem << 32) | limbs[i];

          limbs[i] = (guint32) (cur / 1000000000);
          rem = cur % 1000000000;
        }
      chunks[n_chunks++] = (guint32) rem;
      while (n_limbs > 0 && limbs[n_limbs - 1] == 0)
        n_limbs--;
    }
  while (n_limbs > 0);
  return n_chunks;
}

/* Converts a little-endian two's complement number of more than 8 bytes to decimal text. */
static LdPickleValue *
new_bigint_from_bytes (Decoder *d, const guint8 *b, gsize n)
{
  gboolean negative = (b[n - 1] & 0x80) != 0;
  gsize n_limbs = (n + 3) / 4, n_chunks, digits;
  guint32 *limbs, *chunks;
  guint carry = 1;
  char *text, *p;

  /* With sign bytes trimmed, the number is at least 256^(n-2), which has more than
   * (n - 2) * 2.408 digits: refuse before the quadratic work. */
  if (!check_digits (d, (gsize) ((double) (n - 2) * 2.408)))
    return NULL;
  if ((limbs = alloc_array (d, n_limbs, 4)) == NULL ||
      (chunks = alloc_array (d, n_limbs * 2, 4)) == NULL)
    return NULL;
  memset (limbs, 0, n_limbs * 4);
  for (gsize i = 0; i < n; i++)
    {
      guint byte = b[i];

      if (negative)
        byte = (byte ^ 0xFF) + carry, carry = byte >> 8, byte &= 0xFF;
      limbs[i / 4] |= (guint32) byte << (8 * (i % 4));
    }
  n_chunks = limbs_to_chunks (limbs, n_limbs, chunks);
  digits = (gsize) g_snprintf (NULL, 0, "%u", chunks[n_chunks - 1]) + 9 * (n_chunks - 1);
  if (!check_digits (d, digits) || (text = alloc (d, digits + 2)) == NULL)
    return NULL;
  p = text + g_snprintf (text, 12, "%s%u", negative ? "-" : "", chunks[n_chunks - 1]);
  for (gsize i = n_chunks - 1; i-- > 0;)
    p += g_snprintf (p, 10, "%09u", chunks[i]);
  return wrap_bigint (d, text, (gsize) (p - text));
}

/* The little-endian two's complement bytes of LONG1 and LONG4. */
static LdPickleValue *
new_int_from_bytes (Decoder *d, const guint8 *b, gsize n)
{
  guint64 value;

  /* Drop sign-extension bytes, so that small numbers take the fast path. */
  while (n > 1 && ((b[n - 1] == 0x00 && b[n - 2] < 0x80) || (b[n - 1] == 0xFF && b[n - 2] >= 0x80)))
    n--;
  if (n > 8)
    return new_bigint_from_bytes (d, b, n);
  value = read_le (b, (guint) n);
  if (n > 0 && n < 8 && (b[n - 1] & 0x80))
    value |= ~G_GUINT64_CONSTANT (0) << (8 * n);
  return new_int (d, (gint64) value);
}

/* Lists and tuples */

static LdPickleValue *
new_sequence (Decoder *d, LdPickleKind kind, LdPickleValue **items, gsize n)
{
  LdPickleValue *v = new_value (d, kind);

  if (v == NULL)
    return NULL;
  if (n > MAX_CONTAINER_LEN)
    return fail (d, LD_PICKLE_ERROR_LIMIT, _("container too large")), NULL;
  if (n > 0)
    {
      if ((v->items = alloc_array (d, n, sizeof *items)) == NULL)
        return NULL;
      memcpy (v->items, items, n * sizeof *items);
    }
  v->len = n;
  v->cap = (guint32) n;
  return v;
}

static gboolean
list_extend (Decoder *d, LdPickleValue *list, LdPickleValue *const *items, gsize n)
{
  if (n > list->cap - list->len)
    {
      gsize cap = MAX (list->len + n, MAX ((gsize) list->cap * 2, 4));
      LdPickleValue **array;

      if (list->len + n > MAX_CONTAINER_LEN)
        return fail (d, LD_PICKLE_ERROR_LIMIT, _("container too large"));
      cap = MIN (cap, MAX_CONTAINER_LEN);
      if ((array = alloc_array (d, cap, sizeof *array)) == NULL)
        return FALSE;
      if (list->len > 0)
        memcpy (array, list->items, list->len * sizeof *array);
      list->items = array;
      list->cap = (guint32) cap;
    }
  if (n > 0)
    memcpy (list->items + list->len, items, n * sizeof *items);
  list->len += n;
  return TRUE;
}

/* Dicts and sets
 *
 * Entries keep insertion order, as Python does.  Small dicts are searched linearly; larger
 * ones get an open-addressing index.  A key that appears again replaces the value, as in
 * Python, and equal numbers are equal keys (1 == 1.0 == True).  Strings, bytes and numbers
 * compare by value; tuples, frozensets and objects by identity, which is enough for what
 * a real pickle of a dict can hold.  A probe limit bounds the work a crafted pickle full of
 * colliding keys can cause. */

static inline guint32
hash_u64 (guint64 x)
{
  x ^= x >> 32;
  x *= G_GUINT64_CONSTANT (0xd6e8feb86659fd93);
  x ^= x >> 32;
  return (guint32) x;
}

static inline guint32
hash_bytes (const char *s, gsize n)
{
  guint64 h = G_GUINT64_CONSTANT (0x9e3779b97f4a7c15) ^ n, tail = 0;
  gsize len = n;

  for (; n > 8; s += 8, n -= 8)
    h = (h ^ load64 (s)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  /* The last 1 to 8 bytes, read without a loop; the reads may overlap. */
  if (len >= 8)
    tail = load64 (s + n - 8);
  else if (n >= 4)
    tail = load32 (s) | (load32 (s + n - 4) << 32);
  else if (n > 0)
    tail = (guint64) (guchar) s[0] | ((guint64) (guchar) s[n / 2] << 8) |
           ((guint64) (guchar) s[n - 1] << 16);
  return hash_u64 ((h ^ tail) * G_GUINT64_CONSTANT (0x94d049bb133111eb));
}

static gboolean
float_as_int (double f, gint64 *i)
{
  if (!(f == floor (f) && f >= -9223372036854775808.0 && f < 9223372036854775808.0))
    return FALSE;
  *i = (gint64) f;
  return TRUE;
}

static guint32
hash_number (const LdPickleValue *v)
{
  gint64 i = v->i;

  if (v->kind == LD_PICKLE_FLOAT && !float_as_int (v->f, &i))
    {
      guint64 bits;

      memcpy (&bits, &v->f, sizeof bits);
      return hash_u64 (bits);
    }
  return hash_u64 ((guint64) i);
}

static gboolean
is_number (const LdPickleValue *v)
{
  return v->kind == LD_PICKLE_INT || v->kind == LD_PICKLE_BOOL || v->kind == LD_PICKLE_FLOAT;
}

static gboolean
numbers_equal (const LdPickleValue *a, const LdPickleValue *b)
{
  gint64 i;

  if (a->kind == LD_PICKLE_FLOAT && b->kind == LD_PICKLE_FLOAT)
    return a->f == b->f;
  if (a->kind != LD_PICKLE_FLOAT && b->kind != LD_PICKLE_FLOAT)
    return a->i == b->i;
  if (a->kind == LD_PICKLE_FLOAT)
    return float_as_int (a->f, &i) && i == b->i;
  return float_as_int (b->f, &i) && i == a->i;
}

static gboolean
key_equal (const LdPickleValue *a, const LdPickleValue *b)
{
  if (a == b)
    return TRUE;
  if (is_number (a) && is_number (b))
    return numbers_equal (a, b);
  if (a->kind != b->kind)
    return FALSE;
  switch (a->kind)
    {
    case LD_PICKLE_NONE:
      return TRUE;
    case LD_PICKLE_STR:
    case LD_PICKLE_BYTES:
    case LD_PICKLE_BIGINT:
      return a->len == b->len && memcmp (a->str, b->str, a->len) == 0;
    default:
      return FALSE;
    }
}

static gboolean
key_hash (Decoder *d, const LdPickleValue *key, guint32 *hash)
{
  *hash = 0;
  switch (key->kind)
    {
    case LD_PICKLE_NONE:
      *hash = 0x5bd1e995;
      return TRUE;
    case LD_PICKLE_BOOL:
    case LD_PICKLE_INT:
    case LD_PICKLE_FLOAT:
      *hash = hash_number (key);
      return TRUE;
    case LD_PICKLE_BYTES:
      if (key->flags & FLAG_BYTEARRAY)
        break;
      G_GNUC_FALLTHROUGH;
    case LD_PICKLE_STR:
    case LD_PICKLE_BIGINT:
      *hash = hash_bytes (key->str, key->len);
      return TRUE;
    case LD_PICKLE_SET:
      if (!(key->flags & FLAG_FROZEN))
        break;
      G_GNUC_FALLTHROUGH;
    case LD_PICKLE_TUPLE:
    case LD_PICKLE_OBJECT:
      *hash = hash_u64 ((guint64) (guintptr) key);
      return TRUE;
    default:
      break;
    }
  return fail (d, LD_PICKLE_ERROR_INVALID, _("unhashable key of type %s"), kind_name (key));
}


/* Returns the position of the key, dict->len if absent (with *slot the free index slot for
 * it), or G_MAXSIZE after too many probes. */
static inline gsize
dict_find (const LdPickleValue *dict, const LdPickleValue *key, guint32 hash, gsize *slot)
{
  const Entry *entries = dict->dict.entries;
  const guint32 *index = dict->dict.index;
  guint probes = 0;
  gsize mask, s;

  if (index == NULL)
    {
      for (gsize i = 0; i < dict->len; i++)
        if (entries[i].hash == hash && key_equal (entries[i].key, key))
          return i;
      return dict->len;
    }
  mask = ((gsize) 1 << dict->index_bits) - 1;
  for (s = hash & mask; index[s] != 0; probes++, s = (s + 1) & mask)
    {
      const Entry *e = &entries[index[s] - 1];

      if (probes == DICT_MAX_PROBES)
        return G_MAXSIZE;
      if (e->hash == hash && key_equal (e->key, key))
        return index[s] - 1;
    }
  *slot = s;
  return dict->len;
}

static gboolean
dict_reindex (Decoder *d, LdPickleValue *dict)
{
  guint bits = g_bit_storage ((gsize) dict->cap * 2 - 1); /* at least twice the entries */
  gsize size = (gsize) 1 << bits, mask = size - 1;
  guint32 *index = alloc_array (d, size, sizeof *index);

  if (index == NULL)
    return FALSE;
  dict->index_bits = (guint8) bits;
  memset (index, 0, size * sizeof *index);
  for (gsize i = 0; i < dict->len; i++)
    {
      gsize s = dict->dict.entries[i].hash & mask;

      while (index[s] != 0)
        s = (s + 1) & mask;
      index[s] = (guint32) (i + 1);
    }
  dict->dict.index = index;
  return TRUE;
}

static gboolean
dict_reserve (Decoder *d, LdPickleValue *dict, gsize extra)
{
  Entry *entries;
  gsize cap;

  if (extra <= dict->cap - dict->len)
    return TRUE;
  if (extra > MAX_CONTAINER_LEN - dict->len)
    return fail (d, LD_PICKLE_ERROR_LIMIT, _("container too large"));
  cap = MIN (MAX (dict->len + extra, (gsize) dict->cap * 2), MAX_CONTAINER_LEN);
  if ((entries = alloc_array (d, cap, sizeof *entries)) == NULL)
    return FALSE;
  if (dict->len > 0)
    memcpy (entries, dict->dict.entries, dict->len * sizeof *entries);
  dict->dict.entries = entries;
  dict->cap = (guint32) cap;
  return cap <= DICT_LINEAR_MAX || dict_reindex (d, dict);
}

/* Adds or replaces a key; value is NULL in a set.  There must be room for one more. */
static G_ALWAYS_INLINE inline gboolean
dict_insert_reserved (Decoder *d, LdPickleValue *dict, LdPickleValue *key, LdPickleValue *value)
{
  guint32 hash;
  gsize slot = 0, pos;
  Entry *e;

  if (G_LIKELY (key->kind == LD_PICKLE_STR))
    hash = hash_bytes (key->str, key->len);
  else if (!key_hash (d, key, &hash))
    return FALSE;
  pos = dict_find (dict, key, hash, &slot);
  if (G_UNLIKELY (pos == G_MAXSIZE))
    return fail (d, LD_PICKLE_ERROR_LIMIT, _("too many colliding keys"));
  if (pos < dict->len)
    {
      dict->dict.entries[pos].value = value;
      return TRUE;
    }
  e = &dict->dict.entries[dict->len];
  e->key = key;
  e->value = value;
  e->hash = hash;
  if (dict->dict.index != NULL)
    dict->dict.index[slot] = (guint32) (dict->len + 1);
  dict->len++;
  return TRUE;
}

static gboolean
dict_insert (Decoder *d, LdPickleValue *dict, LdPickleValue *key, LdPickleValue *value)
{
  return dict_reserve (d, dict, 1) && dict_insert_reserved (d, dict, key, value);
}

/* Adds key, value pairs to a dict, or keys alone to a set (step 1). */
static gboolean
dict_update (Decoder *d, LdPickleValue *dict, LdPickleValue *const *items, gsize n, gsize step)
{
  if (!dict_reserve (d, dict, n / step))
    return FALSE;
  if (step == 2)
    {
      for (gsize i = 0; i + 2 <= n; i += 2)
        if (!dict_insert_reserved (d, dict, items[i], items[i + 1]))
          return FALSE;
      return TRUE;
    }
  for (gsize i = 0; i < n; i++)
    if (!dict_insert_reserved (d, dict, items[i], NULL))
      return FALSE;
  return TRUE;
}

static LdPickleValue *
new_set (Decoder *d, LdPickleValue *const *items, gsize n, guint8 flags)
{
  LdPickleValue *v = new_value (d, LD_PICKLE_SET);

  if (v == NULL || !dict_update (d, v, items, n, 1))
    return NULL;
  v->flags |= flags;
  return v;
}

/* Objects */

#define TEXT_BUDGET 4096

static void walk (GString *out, const LdPickleValue *v, gboolean json, gboolean top, gsize budget);

typedef gboolean (*Constructor) (Decoder              *d,
                                 const ObjectData     *cls,
                                 LdPickleValue        *args,
                                 LdPickleValue       **result);

static LdPickleValue *make_call (Decoder       *d,
                                 LdPickleValue *callable,
                                 LdPickleValue *args,
                                 LdPickleValue *kwargs,
                                 gboolean       nested);

static inline LdPickleValue *
arg (LdPickleValue *args, gsize i)
{
  return i < args->len ? args->items[i] : NULL;
}

static inline gboolean
is_kind (const LdPickleValue *v, LdPickleKind kind)
{
  return v != NULL && v->kind == kind;
}

static const char *
normalize_module (const char *module)
{
  /* Protocols 0 to 2 use the Python 2 names (the pickler's fix_imports). */
  if (strcmp (module, "__builtin__") == 0 || strcmp (module, "exceptions") == 0)
    return "builtins";
  if (strcmp (module, "copy_reg") == 0)
    return "copyreg";
  return module;
}

static gboolean
names_match (const ObjectData *o, const char *module, const char *name)
{
  return strcmp (o->name, name) == 0 && strcmp (o->module, module) == 0;
}

static LdPickleValue *
new_object (Decoder *d, ObjectSubkind subkind, const char *module, const char *name)
{
  LdPickleValue *v = new_value (d, LD_PICKLE_OBJECT);
  ObjectData *o;

  if (v == NULL || (o = alloc (d, sizeof *o)) == NULL)
    return NULL;
  memset (o, 0, sizeof *o);
  o->subkind = subkind;
  o->module = module;
  o->name = name;
  v->object = o;
  return v;
}

static LdPickleValue *
new_global (Decoder *d, const char *module, const char *name)
{
  LdPickleValue *v;

  module = normalize_module (module);
  if ((v = new_object (d, OBJECT_GLOBAL, module, name)) == NULL)
    return NULL;
  v->object->text = alloc_printf (d, "<global %s.%s>", module, name);
  return v->object->text != NULL ? v : NULL;
}

static LdPickleValue *
new_text_object (Decoder *d, const ObjectData *cls, const char *text, LdPickleValue *args)
{
  LdPickleValue *v;

  if (text == NULL || (v = new_object (d, OBJECT_TEXT, cls->module, cls->name)) == NULL)
    return NULL;
  v->object->text = text;
  v->object->args = args->len > 0 ? args : NULL;
  return v;
}

/* Appends values as to_display() shows them inside a container, up to a budget: a crafted
 * pickle can pass the same huge value many times. */
static void
append_items (GString *out, LdPickleValue *const *items, gsize n)
{
  gsize limit = out->len + TEXT_BUDGET;

  for (gsize i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append (out, ", ");
      if (out->len >= limit)
        {
          g_string_append (out, "...");
          return;
        }
      walk (out, items[i], FALSE, FALSE, limit - out->len);
    }
}

static char *
alloc_gstring (Decoder *d, GString *text)
{
  return alloc_strndup (d, text->str, text->len);
}

/* Constructors that Python 3 pickles for bytes, sets and friends */

static gboolean
is_codec (const char *name, const char *const *names)
{
  for (; *names != NULL; names++)
    if (g_ascii_strcasecmp (name, *names) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
encode_latin1 (Decoder *d, const LdPickleValue *text, guint8 flags, LdPickleValue **result)
{
  const char *p = text->str, *end = text->str + text->len;
  char *out = alloc (d, text->len + 1), *o = out;

  if (out == NULL)
    return FALSE;
  for (; p < end; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c > 0xFF)
        return TRUE;
      *o++ = (char) c;
    }
  *o = '\0';
  return (*result = new_bytes (d, out, (gsize) (o - out), flags)) != NULL;
}

/* _codecs.encode (str, "latin1"): how protocols 0 to 2 carry bytes. */
static gboolean
construct_codecs_encode (Decoder *d, const ObjectData *cls, LdPickleValue *args,
                         LdPickleValue **result)
{
  static const char *const utf8[] = { "utf-8", "utf8", "utf_8", NULL };
  static const char *const latin1[] = { "latin1", "latin-1", "latin_1", "iso-8859-1", "l1", NULL };
  LdPickleValue *text = arg (args, 0), *encoding = arg (args, 1);
  const char *name = encoding != NULL ? encoding->str : "utf-8";

  if (!is_kind (text, LD_PICKLE_STR) || args->len > 2 ||
      (encoding != NULL && !is_kind (encoding, LD_PICKLE_STR)))
    return TRUE;
  if (is_codec (name, utf8))
    return (*result = new_bytes (d, text->str, text->len, 0)) != NULL;
  if (is_codec (name, latin1))
    return encode_latin1 (d, text, 0, result);
  return TRUE;
}

static gboolean
construct_bytes (Decoder *d, const ObjectData *cls, LdPickleValue *args, LdPickleValue **result)
{
  LdPickleValue *source = arg (args, 0);

  if (args->len == 0)
    return (*result = new_bytes (d, "", 0, 0)) != NULL;
  if (args->len == 1 && is_kind (source, LD_PICKLE_BYTES))
    return (*result = new_bytes (d, source->str, source->len, 0)) != NULL;
  return TRUE;
}

static gboolean
construct_bytearray (Decoder *d, const ObjectData *cls, LdPickleValue *args,
                     LdPickleValue **result)
{
  if (!construct_bytes (d, cls, args, result))
    return FALSE;
  if (*result == NULL && !construct_codecs_encode (d, cls, args, result))
    return FALSE;
  if (*result != NULL)
    (*result)->flags |= FLAG_BYTEARRAY;
  return TRUE;
}

static gboolean
set_from_iterable (Decoder *d, LdPickleValue *args, guint8 flags, LdPickleValue **result)
{
  LdPickleValue *source = arg (args, 0), *set;

  if (args->len == 0)
    return (*result = new_set (d, NULL, 0, flags)) != NULL;
  if (args->len > 1)
    return TRUE;
  if (source->kind == LD_PICKLE_LIST || source->kind == LD_PICKLE_TUPLE)
    return (*result = new_set (d, source->items, source->len, flags)) != NULL;
  if (source->kind != LD_PICKLE_SET && source->kind != LD_PICKLE_DICT)
    return TRUE;
  if ((set = new_set (d, NULL, 0, flags)) == NULL || !dict_reserve (d, set, source->len))
    return FALSE;
  for (gsize i = 0; i < source->len; i++)
    if (!dict_insert (d, set, source->dict.entries[i].key, NULL))
      return FALSE;
  *result = set;
  return TRUE;
}

/* builtins.set ([items]): how protocols 0 to 3 carry sets. */
static gboolean
construct_set (Decoder *d, const ObjectData *cls, LdPickleValue *args, LdPickleValue **result)
{
  return set_from_iterable (d, args, 0, result);
}

static gboolean
construct_frozenset (Decoder *d, const ObjectData *cls, LdPickleValue *args,
                     LdPickleValue **result)
{
  return set_from_iterable (d, args, FLAG_FROZEN, result);
}

/* getattr (Color, "GREEN"): how Python 3.11 pickles an enum member, and protocols 0 to 3 a
 * nested name such as ZoneInfo._unpickle. */
static gboolean
construct_getattr (Decoder *d, const ObjectData *cls, LdPickleValue *args, LdPickleValue **result)
{
  LdPickleValue *target = arg (args, 0), *attr = arg (args, 1), *v;
  const ObjectData *t;
  const char *name;

  if (args->len != 2 || !is_kind (target, LD_PICKLE_OBJECT) || !is_kind (attr, LD_PICKLE_STR))
    return TRUE;
  t = target->object;
  if (t->subkind != OBJECT_GLOBAL && t->subkind != OBJECT_ATTR)
    return TRUE;
  if ((name = alloc_printf (d, "%s.%s", t->name, attr->str)) == NULL ||
      (v = new_object (d, OBJECT_ATTR, t->module, name)) == NULL ||
      (v->object->text = alloc_printf (d, "<%s>", name)) == NULL)
    return FALSE;
  *result = v;
  return TRUE;
}

static LdPickleValue *
make_instance (Decoder *d, const ObjectData *cls, LdPickleValue *args, LdPickleValue *kwargs)
{
  LdPickleValue *v = new_object (d, OBJECT_INSTANCE, cls->module, cls->name);
  ObjectData *o;

  if (v == NULL)
    return NULL;
  o = v->object;
  o->args = args != NULL && args->len > 0 ? args : NULL;
  o->kwargs = kwargs != NULL && kwargs->len > 0 ? kwargs : NULL;
  if (names_match (cls, "uuid", "UUID"))
    o->type = TYPE_UUID;
  o->text = alloc_printf (d, "<%s.%s object>", cls->module, cls->name);
  return o->text != NULL ? v : NULL;
}

/* copyreg._reconstructor (cls, base, state): how protocols 0 and 1 pickle plain objects. */
static gboolean
construct_reconstructor (Decoder *d, const ObjectData *cls, LdPickleValue *args,
                         LdPickleValue **result)
{
  LdPickleValue *type = arg (args, 0), *base = arg (args, 1), *state = arg (args, 2);
  LdPickleValue *inst_args = NULL;

  if (args->len != 3 || !is_kind (type, LD_PICKLE_OBJECT) || !is_kind (base, LD_PICKLE_OBJECT))
    return TRUE;
  if (state->kind == LD_PICKLE_TUPLE && names_match (base->object, "builtins", "tuple"))
    inst_args = state;
  else if (state->kind != LD_PICKLE_NONE &&
           (inst_args = new_sequence (d, LD_PICKLE_TUPLE, &state, 1)) == NULL)
    return FALSE;
  return (*result = make_instance (d, type->object, inst_args, NULL)) != NULL;
}

/* copyreg.__newobj__ (cls, *args), as a __reduce__ may return it. */
static gboolean
construct_copyreg_newobj (Decoder *d, const ObjectData *cls, LdPickleValue *args,
                          LdPickleValue **result)
{
  LdPickleValue *type = arg (args, 0), *rest;

  if (!is_kind (type, LD_PICKLE_OBJECT))
    return TRUE;
  if ((rest = new_sequence (d, LD_PICKLE_TUPLE, args->items + 1, args->len - 1)) == NULL)
    return FALSE;
  return (*result = make_call (d, type, rest, NULL, TRUE)) != NULL;
}

/* OrderedDict () and defaultdict (factory): their items follow with SETITEMS. */
static gboolean
construct_dict (Decoder *d, const ObjectData *cls, LdPickleValue *args, LdPickleValue **result)
{
  LdPickleValue *factory = arg (args, 0);

  if (args->len > 1 || (factory != NULL && factory->kind != LD_PICKLE_OBJECT &&
                        factory->kind != LD_PICKLE_NONE))
    return TRUE;
  return (*result = new_value (d, LD_PICKLE_DICT)) != NULL;
}

/* deque (iterable, maxlen) */
static gboolean
construct_deque (Decoder *d, const ObjectData *cls, LdPickleValue *args, LdPickleValue **result)
{
  LdPickleValue *items = arg (args, 0);

  if (args->len > 2 || (items != NULL && items->kind != LD_PICKLE_LIST &&
                        items->kind != LD_PICKLE_TUPLE))
    return TRUE;
  *result = new_sequence (d, LD_PICKLE_LIST, items ? items->items : NULL, items ? items->len : 0);
  return *result != NULL;
}

/* datetime, Decimal, UUID and zoneinfo, shown as str() shows them */

/* The state of a datetime, date or time: bytes, a str holding them as latin-1 (protocols 0
 * to 2 of Python 3), or a Python 2 str. */
static gboolean
state_bytes (const LdPickleValue *v, guint8 *buf, gsize size, gsize *len)
{
  const char *p, *end;
  gsize n = 0;

  if (v != NULL && (v->kind == LD_PICKLE_BYTES ||
                    (v->kind == LD_PICKLE_STR && (v->flags & FLAG_RAW_UTF8))))
    {
      if (v->len > size)
        return FALSE;
      memcpy (buf, v->str, v->len);
      *len = v->len;
      return TRUE;
    }
  if (!is_kind (v, LD_PICKLE_STR))
    return FALSE;
  for (p = v->str, end = v->str + v->len; p < end; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c > 0xFF || n == size)
        return FALSE;
      buf[n++] = (guint8) c;
    }
  *len = n;
  return TRUE;
}

static void
format_microseconds (const guint8 *b, char *buf, gsize size)
{
  guint us = ((guint) b[0] << 16) | ((guint) b[1] << 8) | b[2];

  if (us != 0)
    g_snprintf (buf, (gulong) size, ".%06u", us);
  else
    buf[0] = '\0';
}

static void
format_offset (gint64 seconds, char *buf, gsize size)
{
  guint s = (guint) (seconds < 0 ? -seconds : seconds);
  char sign = seconds < 0 ? '-' : '+';

  if (s % 60 != 0)
    g_snprintf (buf, (gulong) size, "%c%02u:%02u:%02u", sign, s / 3600, s / 60 % 60, s % 60);
  else
    g_snprintf (buf, (gulong) size, "%c%02u:%02u", sign, s / 3600, s / 60 % 60);
}

/* A fixed offset is shown as "+02:00", as str() does; a named zone (zoneinfo) by its name. */
static void
format_tzinfo (const LdPickleValue *tz, char *buf, gsize size, const char **sep, const char **text)
{
  *sep = "";
  *text = "";
  if (!is_kind (tz, LD_PICKLE_OBJECT))
    return;
  if (tz->object->type == TYPE_TIMEZONE)
    {
      format_offset (tz->object->seconds, buf, size);
      *text = buf;
      return;
    }
  *sep = " ";
  *text = tz->object->text;
}

static gboolean
construct_datetime (Decoder *d, const ObjectData *cls, LdPickleValue *args,
                    LdPickleValue **result)
{
  char us[16], tz[32];
  const char *sep, *zone;
  guint8 b[16];
  gsize n;

  if (args->len > 2 || !state_bytes (arg (args, 0), b, sizeof b, &n) || n != 10)
    return TRUE;
  format_microseconds (b + 7, us, sizeof us);
  format_tzinfo (arg (args, 1), tz, sizeof tz, &sep, &zone);
  *result = new_text_object (d, cls,
                             alloc_printf (d, "%04u-%02u-%02u %02u:%02u:%02u%s%s%s",
                                           ((guint) b[0] << 8) | b[1], b[2] & 0x7Fu, b[3], b[4],
                                           b[5], b[6], us, sep, zone),
                             args);
  return *result != NULL;
}

static gboolean
construct_date (Decoder *d, const ObjectData *cls, LdPickleValue *args, LdPickleValue **result)
{
  guint8 b[16];
  gsize n;

  if (args->len != 1 || !state_bytes (arg (args, 0), b, sizeof b, &n) || n != 4)
    return TRUE;
  *result = new_text_object (d, cls,
                             alloc_printf (d, "%04u-%02u-%02u", ((guint) b[0] << 8) | b[1],
                                           b[2], b[3]),
                             args);
  return *result != NULL;
}

static gboolean
construct_time (Decoder *d, const ObjectData *cls, LdPickleValue *args, LdPickleValue **result)
{
  char us[16], tz[32];
  const char *sep, *zone;
  guint8 b[16];
  gsize n;

  if (args->len > 2 || !state_bytes (arg (args, 0), b, sizeof b, &n) || n != 6)
    return TRUE;
  format_microseconds (b + 3, us, sizeof us);
  format_tzinfo (arg (args, 1), tz, sizeof tz, &sep, &zone);
  *result = new_text_object (d, cls,
                             alloc_printf (d, "%02u:%02u:%02u%s%s%s", b[0] & 0x7Fu, b[1], b[2],
                                           us, sep, zone),
                             args);
  return *result != NULL;
}

static gint64
floor_div (gint64 a, gint64 b)
{
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* timedelta (days, seconds, microseconds), normalised and shown as str() does:
 * "-1 day, 23:59:59.500000". */
static gboolean
construct_timedelta (Decoder *d, const ObjectData *cls, LdPickleValue *args,
                     LdPickleValue **result)
{
  char days_text[48] = "", us_text[16] = "";
  gint64 days, secs, us, carry;

  if (args->len != 3 || !is_kind (args->items[0], LD_PICKLE_INT) ||
      !is_kind (args->items[1], LD_PICKLE_INT) || !is_kind (args->items[2], LD_PICKLE_INT))
    return TRUE;
  days = args->items[0]->i, secs = args->items[1]->i, us = args->items[2]->i;
  if (ABS (days) > 1000000000 || ABS (secs) > 1000000000000 || ABS (us) > 1000000000000000)
    return TRUE;
  carry = floor_div (us, 1000000), us -= carry * 1000000, secs += carry;
  carry = floor_div (secs, 86400), secs -= carry * 86400, days += carry;
  if (days != 0)
    g_snprintf (days_text, sizeof days_text, "%" G_GINT64_FORMAT " day%s, ", days,
                days == 1 || days == -1 ? "" : "s");
  if (us != 0)
    g_snprintf (us_text, sizeof us_text, ".%06u", (guint) us);
  *result = new_text_object (d, cls,
                             alloc_printf (d, "%s%u:%02u:%02u%s", days_text, (guint) secs / 3600,
                                           (guint) secs / 60 % 60, (guint) secs % 60, us_text),
                             args);
  if (*result == NULL)
    return FALSE;
  (*result)->object->type = TYPE_TIMEDELTA;
  (*result)->object->seconds = days * 86400 + secs;
  return TRUE;
}

/* timezone (timedelta[, name]): "UTC", "UTC+02:00" or its name, as str() shows it. */
static gboolean
construct_timezone (Decoder *d, const ObjectData *cls, LdPickleValue *args,
                    LdPickleValue **result)
{
  LdPickleValue *offset = arg (args, 0), *name = arg (args, 1);
  const char *text;
  gint64 seconds;
  char buf[32];

  if (args->len > 2 || !is_kind (offset, LD_PICKLE_OBJECT) ||
      offset->object->type != TYPE_TIMEDELTA || (name != NULL && !is_kind (name, LD_PICKLE_STR)))
    return TRUE;
  seconds = offset->object->seconds;
  if (seconds <= -86400 || seconds >= 86400)
    return TRUE;
  format_offset (seconds, buf, sizeof buf);
  text = name != NULL ? name->str : seconds == 0 ? "UTC" : alloc_printf (d, "UTC%s", buf);
  if ((*result = new_text_object (d, cls, text, args)) == NULL)
    return FALSE;
  (*result)->object->type = TYPE_TIMEZONE;
  (*result)->object->seconds = seconds;
  return TRUE;
}

/* zoneinfo.ZoneInfo._unpickle (key, from_cache): shown by its key, "Europe/Paris". */
static gboolean
construct_zoneinfo (Decoder *d, const ObjectData *cls, LdPickleValue *args,
                    LdPickleValue **result)
{
  LdPickleValue *key = arg (args, 0);

  if (!is_kind (key, LD_PICKLE_STR) || args->len > 2)
    return TRUE;
  return (*result = new_text_object (d, cls, key->str, args)) != NULL;
}

/* Decimal ("12.50"), shown as repr() does: "Decimal('12.50')". */
static gboolean
construct_decimal (Decoder *d, const ObjectData *cls, LdPickleValue *args,
                   LdPickleValue **result)
{
  LdPickleValue *value = arg (args, 0);
  g_autoptr(GString) text = NULL;

  if (args->len != 1 || (value->kind != LD_PICKLE_STR && value->kind != LD_PICKLE_INT &&
                         value->kind != LD_PICKLE_BIGINT))
    return TRUE;
  text = g_string_new ("Decimal(");
  if (value->kind != LD_PICKLE_STR)
    g_string_append_c (text, '\'');
  walk (text, value, FALSE, FALSE, TEXT_BUDGET);
  g_string_append (text, value->kind != LD_PICKLE_STR ? "')" : ")");
  return (*result = new_text_object (d, cls, alloc_gstring (d, text), args)) != NULL;
}

/* The 128 bits of a UUID's int, as four 32-bit words, least significant first. */
static gboolean
uuid_words (const LdPickleValue *v, guint32 *w)
{
  memset (w, 0, 4 * sizeof *w);
  if (v->kind == LD_PICKLE_INT && v->i >= 0)
    {
      w[0] = (guint32) v->i;
      w[1] = (guint32) ((guint64) v->i >> 32);
      return TRUE;
    }
  if (v->kind != LD_PICKLE_BIGINT || v->str[0] == '-')
    return FALSE;
  for (gsize i = 0; i < v->len; i++)
    {
      guint64 carry = (guint64) (v->str[i] - '0');

      for (int k = 0; k < 4; k++)
        {
          guint64 x = (guint64) w[k] * 10 + carry;

          w[k] = (guint32) x;
          carry = x >> 32;
        }
      if (carry != 0)
        return FALSE;
    }
  return TRUE;
}

static const LdPickleValue *dict_lookup (const LdPickleValue *dict, const char *key, gsize len);

/* A UUID gets its value from BUILD, with the state {'int': N}. */
static gboolean
set_uuid_text (Decoder *d, ObjectData *o)
{
  const LdPickleValue *n = NULL;
  guint32 w[4];

  if (is_kind (o->state, LD_PICKLE_DICT))
    n = dict_lookup (o->state, "int", 3);
  if (n == NULL || !uuid_words (n, w))
    return TRUE;
  o->text = alloc_printf (d, "UUID('%08x-%04x-%04x-%04x-%04x%08x')", w[3], w[2] >> 16,
                          w[2] & 0xFFFF, w[1] >> 16, w[1] & 0xFFFF, w[0]);
  o->subkind = OBJECT_TEXT;
  return o->text != NULL;
}

/* Calls */

static const struct
{
  const char *module;
  const char *name;
  Constructor construct;
} constructors[] = {
  { "_codecs", "encode", construct_codecs_encode },
  { "builtins", "bytes", construct_bytes },
  { "builtins", "bytearray", construct_bytearray },
  { "builtins", "set", construct_set },
  { "builtins", "frozenset", construct_frozenset },
  { "builtins", "getattr", construct_getattr },
  { "copyreg", "_reconstructor", construct_reconstructor },
  { "copyreg", "__newobj__", construct_copyreg_newobj },
  { "collections", "OrderedDict", construct_dict },
  { "collections", "defaultdict", construct_dict },
  { "collections", "deque", construct_deque },
  { "datetime", "datetime", construct_datetime },
  { "datetime", "date", construct_date },
  { "datetime", "time", construct_time },
  { "datetime", "timedelta", construct_timedelta },
  { "datetime", "timezone", construct_timezone },
  { "decimal", "Decimal", construct_decimal },
  { "zoneinfo", "ZoneInfo._unpickle", construct_zoneinfo },
};

static Constructor
find_constructor (const ObjectData *cls, gboolean nested)
{
  for (gsize i = 0; i < G_N_ELEMENTS (constructors); i++)
    if (names_match (cls, constructors[i].module, constructors[i].name))
      {
        /* copyreg.__newobj__ calls another class: once, so nesting cannot recurse. */
        if (nested && constructors[i].construct == construct_copyreg_newobj)
          return NULL;
        return constructors[i].construct;
      }
  return NULL;
}

static gboolean
is_exception (const ObjectData *cls)
{
  static const char *const suffixes[] = { "Error", "Exception", "Warning", "Exit", "Interrupt",
                                          "Iteration", "ExceptionGroup", NULL };

  if (strcmp (cls->module, "builtins") != 0)
    return FALSE;
  for (const char *const *s = suffixes; *s != NULL; s++)
    if (g_str_has_suffix (cls->name, *s))
      return TRUE;
  return FALSE;
}

/* builtins.ValueError ('bad'): "ValueError('bad')", as repr() shows it. */
static LdPickleValue *
make_exception (Decoder *d, const ObjectData *cls, LdPickleValue *args)
{
  g_autoptr(GString) text = g_string_new (cls->name);

  g_string_append_c (text, '(');
  append_items (text, args->items, args->len);
  g_string_append_c (text, ')');
  return new_text_object (d, cls, alloc_gstring (d, text), args);
}

/* A class called with one plain value is most often an enum member as Python 3.12 and 3.8
 * to 3.10 pickle it (Color (2)), or a value type such as Fraction ('1/3'): "<Color: 2>". */
static gboolean
is_short_call (const ObjectData *cls, LdPickleValue *args)
{
  const char *last = strrchr (cls->name, '.');
  LdPickleKind kind;

  last = last != NULL ? last + 1 : cls->name;
  if (args->len != 1 || !g_ascii_isupper (last[0]))
    return FALSE;
  kind = args->items[0]->kind;
  return kind == LD_PICKLE_INT || kind == LD_PICKLE_BIGINT || kind == LD_PICKLE_FLOAT ||
         kind == LD_PICKLE_STR;
}

static LdPickleValue *
make_short (Decoder *d, const ObjectData *cls, LdPickleValue *args)
{
  const char *last = strrchr (cls->name, '.');
  g_autoptr(GString) text = g_string_new ("<");
  LdPickleValue *v;

  g_string_append (text, last != NULL ? last + 1 : cls->name);
  g_string_append (text, ": ");
  append_items (text, args->items, 1);
  g_string_append_c (text, '>');
  if ((v = new_text_object (d, cls, alloc_gstring (d, text), args)) != NULL)
    v->object->subkind = OBJECT_SHORT;
  return v;
}

/* What calling callable (*args, **kwargs) would give, built without calling anything. */
static LdPickleValue *
make_call (Decoder *d, LdPickleValue *callable, LdPickleValue *args, LdPickleValue *kwargs,
           gboolean nested)
{
  LdPickleValue *result = NULL;
  const ObjectData *cls;
  Constructor construct;

  if (callable->kind != LD_PICKLE_OBJECT)
    return fail_type (d, _("can only call a global"), callable), NULL;
  cls = callable->object;
  if (kwargs != NULL && kwargs->len == 0)
    kwargs = NULL;
  if (kwargs != NULL || (cls->subkind != OBJECT_GLOBAL && cls->subkind != OBJECT_ATTR))
    return make_instance (d, cls, args, kwargs);
  if ((construct = find_constructor (cls, nested)) != NULL && !construct (d, cls, args, &result))
    return NULL;
  if (result != NULL)
    return result;
  if (is_exception (cls))
    return make_exception (d, cls, args);
  if (is_short_call (cls, args))
    return make_short (d, cls, args);
  return make_instance (d, cls, args, NULL);
}

/* BUILD: the state is kept and shown; a UUID gets its text from it. */
static gboolean
object_set_state (Decoder *d, ObjectData *o, LdPickleValue *state)
{
  if (state->kind == LD_PICKLE_NONE)
    return TRUE;
  if (o->subkind == OBJECT_SHORT)
    {
      o->subkind = OBJECT_INSTANCE;
      if ((o->text = alloc_printf (d, "<%s.%s object>", o->module, o->name)) == NULL)
        return FALSE;
    }
  o->state = state;
  if (o->type == TYPE_UUID && o->subkind == OBJECT_INSTANCE)
    return set_uuid_text (d, o);
  return TRUE;
}

/* Opcodes: stack and memo */

static gboolean
op_pop (Decoder *d)
{
  LdPickleValue *v;

  /* As in CPython, POP with nothing above the topmost MARK pops the MARK. */
  if (d->n_marks > 0 && d->marks[d->n_marks - 1] == d->stack_len)
    {
      gsize start;

      return pop_mark (d, &start);
    }
  return pop (d, &v);
}

static gboolean
op_pop_mark (Decoder *d)
{
  gsize start;

  if (!pop_mark (d, &start))
    return FALSE;
  d->stack_len = start;
  return TRUE;
}

static gboolean
op_dup (Decoder *d)
{
  LdPickleValue *v;

  if (!peek (d, &v))
    return FALSE;
  v->flags |= FLAG_SHARED;
  return push (d, v);
}

/* The decimal argument of PUT and GET. */
static gboolean
read_memo_index (Decoder *d, gsize *pos)
{
  guint64 value;
  char *line;
  gsize n;

  *pos = 0;
  if (!read_line (d, &line, &n))
    return FALSE;
  if (n == 0 || !g_ascii_isdigit (line[0]) ||
      !g_ascii_string_to_unsigned (line, 10, 0, G_MAXSIZE, &value, NULL))
    return fail (d, LD_PICKLE_ERROR_INVALID, _("invalid memo index"));
  *pos = (gsize) value;
  return TRUE;
}

static gboolean
op_put (Decoder *d, guint size)
{
  guint64 pos;
  gsize text_pos;

  if (size == 0)
    return read_memo_index (d, &text_pos) && memo_put (d, text_pos);
  return read_uint (d, size, &pos) && memo_put (d, (gsize) pos);
}

static gboolean
op_get (Decoder *d, guint size)
{
  guint64 pos;
  gsize text_pos;

  if (size == 0)
    return read_memo_index (d, &text_pos) && memo_get (d, text_pos);
  return read_uint (d, size, &pos) && memo_get (d, (gsize) pos);
}

/* Opcodes: scalars */

static gboolean
op_binint (Decoder *d, guint size)
{
  guint64 value;

  if (!read_uint (d, size, &value))
    return FALSE;
  return push (d, new_int (d, size == 4 ? (gint32) (guint32) value : (gint64) value));
}

/* INT: decimal text, where "01" and "00" are Python 2's True and False. */
static gboolean
op_int (Decoder *d)
{
  char *line;
  gsize n;

  if (!read_line (d, &line, &n))
    return FALSE;
  if (n == 2 && line[0] == '0' && (line[1] == '0' || line[1] == '1'))
    return push (d, new_bool (d, line[1] == '1'));
  return push (d, new_int_from_text (d, line, n));
}

static gboolean
op_long (Decoder *d)
{
  char *line;
  gsize n;

  if (!read_line (d, &line, &n))
    return FALSE;
  if (n > 0 && line[n - 1] == 'L')
    n--;
  return push (d, new_int_from_text (d, line, n));
}

static gboolean
op_long_bytes (Decoder *d, guint size)
{
  gsize start, n;

  if (size == 4 && d->len - d->pos >= 4 && (d->data[d->pos + 3] & 0x80))
    return fail (d, LD_PICKLE_ERROR_INVALID, _("negative byte count"));
  if (!read_payload (d, size, &start, &n))
    return FALSE;
  return push (d, new_int_from_bytes (d, d->data + start, n));
}

static gboolean
op_float (Decoder *d)
{
  char *line, *end;
  double value;
  gsize n;

  if (!read_line (d, &line, &n))
    return FALSE;
  value = g_ascii_strtod (line, &end);
  while (end < line + n && g_ascii_isspace (*end))
    end++;
  if (n == 0 || end != line + n)
    return fail (d, LD_PICKLE_ERROR_INVALID, _("invalid float text"));
  return push (d, new_float (d, value));
}

static gboolean
op_binfloat (Decoder *d)
{
  guint64 bits;
  double value;

  if (!need (d, 8))
    return FALSE;
  memcpy (&bits, d->data + d->pos, 8);
  bits = GUINT64_FROM_BE (bits);
  d->pos += 8;
  memcpy (&value, &bits, sizeof value);
  return push (d, new_float (d, value));
}

/* Opcodes: strings and bytes */

static G_ALWAYS_INLINE inline gboolean
op_binunicode (Decoder *d, guint size)
{
  gsize start, n;

  if (!read_payload (d, size, &start, &n) || !push (d, new_str (d, d->copy + start, n)))
    return FALSE;
  /* Picklers memoize almost every string: handling BINPUT and MEMOIZE here saves a trip
   * through the dispatcher. */
  if (d->pos + 1 < d->len && d->data[d->pos] == 'q')
    {
      d->op_pos = d->pos;
      d->op = 'q';
      d->pos += 2;
      return memo_put (d, d->data[d->pos - 1]);
    }
  if (d->pos < d->len && d->data[d->pos] == 0x94)
    {
      d->op_pos = d->pos++;
      d->op = 0x94;
      return memo_put (d, d->memo_len);
    }
  return TRUE;
}

static gboolean
op_unicode (Decoder *d)
{
  char *line;
  gsize n;

  if (!read_line (d, &line, &n))
    return FALSE;
  if (memchr (line, '\\', n) == NULL && ascii_prefix ((const guint8 *) line, n) == n)
    return push (d, new_str (d, line, n));
  return push (d, new_str_converted (d, (const guint8 *) line, n, convert_raw_unicode_escape));
}

/* STRING: a quoted Python 2 str literal with backslash escapes. */
static gboolean
op_string (Decoder *d)
{
  char *line;
  gsize n;

  if (!read_line (d, &line, &n))
    return FALSE;
  if (n < 2 || line[0] != line[n - 1] || (line[0] != '\'' && line[0] != '"'))
    return fail (d, LD_PICKLE_ERROR_INVALID, _("the argument must be quoted"));
  return push (d, new_py2_str (d, line + 1, escape_decode (line + 1, n - 2)));
}

static gboolean
op_binstring (Decoder *d, guint size)
{
  gsize start, n;

  if (size == 4 && d->len - d->pos >= 4 && (d->data[d->pos + 3] & 0x80))
    return fail (d, LD_PICKLE_ERROR_INVALID, _("negative byte count"));
  if (!read_payload (d, size, &start, &n))
    return FALSE;
  return push (d, new_py2_str (d, d->copy + start, n));
}

static gboolean
op_binbytes (Decoder *d, guint size, guint8 flags)
{
  gsize start, n;

  if (!read_payload (d, size, &start, &n))
    return FALSE;
  d->copy[start + n] = '\0';
  return push (d, new_bytes (d, d->copy + start, n, flags));
}

/* Opcodes: containers */

static gboolean
op_sequence (Decoder *d, LdPickleKind kind)
{
  LdPickleValue *v;
  gsize start;

  if (!pop_mark (d, &start))
    return FALSE;
  v = new_sequence (d, kind, d->stack + start, d->stack_len - start);
  d->stack_len = start;
  return push (d, v);
}

static gboolean
op_tuple_n (Decoder *d, gsize n)
{
  LdPickleValue *v;

  if (d->stack_len - d->fence < n)
    return fail_underflow (d);
  v = new_sequence (d, LD_PICKLE_TUPLE, d->stack + d->stack_len - n, n);
  d->stack_len -= n;
  return push (d, v);
}

static gboolean
op_dict (Decoder *d)
{
  LdPickleValue *v;
  gsize start;

  if (!pop_mark (d, &start))
    return FALSE;
  if ((d->stack_len - start) % 2 != 0)
    return fail (d, LD_PICKLE_ERROR_INVALID, _("odd number of items"));
  v = new_value (d, LD_PICKLE_DICT);
  if (v == NULL || !dict_update (d, v, d->stack + start, d->stack_len - start, 2))
    return FALSE;
  d->stack_len = start;
  return push (d, v);
}

static gboolean
op_frozenset (Decoder *d)
{
  LdPickleValue *v;
  gsize start;

  if (!pop_mark (d, &start))
    return FALSE;
  v = new_set (d, d->stack + start, d->stack_len - start, FLAG_FROZEN);
  d->stack_len = start;
  return push (d, v);
}

/* APPEND and ADDITEMS add to a list or set, or to an instance of a subclass of one. */
static gboolean
add_items (Decoder *d, LdPickleValue *target, LdPickleValue *const *items, gsize n)
{
  ObjectData *o;

  if (target->kind == LD_PICKLE_LIST)
    return list_extend (d, target, items, n);
  if (target->kind == LD_PICKLE_SET && !(target->flags & FLAG_FROZEN))
    return dict_update (d, target, items, n, 1);
  if (target->kind != LD_PICKLE_OBJECT)
    return fail_type (d, _("can only add items to a list or a set"), target);
  o = target->object;
  if (o->list_items == NULL && (o->list_items = new_value (d, LD_PICKLE_LIST)) == NULL)
    return FALSE;
  return list_extend (d, o->list_items, items, n);
}

static gboolean
set_items (Decoder *d, LdPickleValue *target, LdPickleValue *const *items, gsize n)
{
  ObjectData *o;

  if (target->kind == LD_PICKLE_DICT)
    return dict_update (d, target, items, n, 2);
  if (target->kind != LD_PICKLE_OBJECT)
    return fail_type (d, _("can only set items of a dict"), target);
  o = target->object;
  if (o->dict_items == NULL && (o->dict_items = new_value (d, LD_PICKLE_DICT)) == NULL)
    return FALSE;
  return dict_update (d, o->dict_items, items, n, 2);
}

static gboolean
op_append (Decoder *d)
{
  LdPickleValue *value, *target;

  return pop (d, &value) && peek (d, &target) && add_items (d, target, &value, 1);
}

static gboolean
op_setitem (Decoder *d)
{
  LdPickleValue *pair[2], *target;

  return pop (d, &pair[1]) && pop (d, &pair[0]) && peek (d, &target) &&
         set_items (d, target, pair, 2);
}

/* APPENDS, SETITEMS and ADDITEMS: the items above the MARK go into the value below it. */
static gboolean
op_update (Decoder *d, gboolean pairs)
{
  gsize start, n;
  gboolean ok;

  if (!pop_mark (d, &start))
    return FALSE;
  if (start == 0)
    return fail_underflow (d);
  n = d->stack_len - start;
  if (pairs && n % 2 != 0)
    return fail (d, LD_PICKLE_ERROR_INVALID, _("odd number of items"));
  if (pairs)
    ok = set_items (d, d->stack[start - 1], d->stack + start, n);
  else
    ok = add_items (d, d->stack[start - 1], d->stack + start, n);
  d->stack_len = start;
  return ok;
}

/* Opcodes: globals and objects */

static gboolean
op_global (Decoder *d)
{
  const char *module = NULL, *name = NULL;
  char *line;
  gsize n;

  if (!read_line (d, &line, &n) || (module = line_text (d, line, n)) == NULL ||
      !read_line (d, &line, &n) || (name = line_text (d, line, n)) == NULL)
    return FALSE;
  return push (d, new_global (d, module, name));
}

static gboolean
op_stack_global (Decoder *d)
{
  LdPickleValue *module, *name;

  if (!pop (d, &name) || !pop (d, &module))
    return FALSE;
  if (module->kind != LD_PICKLE_STR || name->kind != LD_PICKLE_STR)
    return fail (d, LD_PICKLE_ERROR_INVALID, _("module and name must be str"));
  return push (d, new_global (d, module->str, name->str));
}

static gboolean
op_reduce (Decoder *d)
{
  LdPickleValue *args, *callable, *result;

  if (!pop (d, &args) || !peek (d, &callable))
    return FALSE;
  if (args->kind != LD_PICKLE_TUPLE)
    return fail_type (d, _("the arguments must be a tuple"), args);
  if ((result = make_call (d, callable, args, NULL, FALSE)) == NULL)
    return FALSE;
  d->stack[d->stack_len - 1] = result;
  return TRUE;
}

static gboolean
op_newobj (Decoder *d, gboolean with_kwargs)
{
  LdPickleValue *cls, *args, *kwargs = NULL;

  if ((with_kwargs && !pop (d, &kwargs)) || !pop (d, &args) || !pop (d, &cls))
    return FALSE;
  if (args->kind != LD_PICKLE_TUPLE)
    return fail_type (d, _("the arguments must be a tuple"), args);
  if (kwargs != NULL && kwargs->kind != LD_PICKLE_DICT)
    return fail_type (d, _("the keyword arguments must be a dict"), kwargs);
  return push (d, make_call (d, cls, args, kwargs, FALSE));
}

/* INST (protocol 0) and OBJ (protocol 1) call a class with the values above the MARK. */
static gboolean
op_inst (Decoder *d, gboolean named)
{
  LdPickleValue *cls = NULL, *args;
  gsize start, first;

  if (named && (!op_global (d) || !pop (d, &cls)))
    return FALSE;
  if (!pop_mark (d, &start))
    return FALSE;
  first = start;
  if (!named)
    {
      if (d->stack_len == start)
        return fail_underflow (d);
      cls = d->stack[first++];
    }
  args = new_sequence (d, LD_PICKLE_TUPLE, d->stack + first, d->stack_len - first);
  d->stack_len = start;
  return args != NULL && push (d, make_call (d, cls, args, NULL, FALSE));
}

static gboolean
op_build (Decoder *d)
{
  LdPickleValue *state, *target;

  if (!pop (d, &state) || !peek (d, &target))
    return FALSE;
  if (target->kind != LD_PICKLE_OBJECT)
    return fail_type (d, _("can only set the state of an object"), target);
  return object_set_state (d, target->object, state);
}

/* Opcodes: framing */

static gboolean
op_proto (Decoder *d)
{
  guint64 version;

  if (!read_uint (d, 1, &version))
    return FALSE;
  if (version > 5)
    return fail (d, LD_PICKLE_ERROR_UNSUPPORTED, _("unsupported protocol %u"), (guint) version);
  return TRUE;
}

static gboolean
op_frame (Decoder *d)
{
  guint64 size;

  return read_uint (d, 8, &size) && need (d, size);
}

static gboolean
op_unsupported (Decoder *d)
{
  return fail (d, LD_PICKLE_ERROR_UNSUPPORTED, _("not supported"));
}

static LdPickleValue *
push_new (Decoder *d, LdPickleKind kind)
{
  LdPickleValue *v = new_value (d, kind);

  return push (d, v) ? v : NULL;
}

/* Runs the opcode just read.  A switch, unlike a table of handlers, lets the compiler
 * inline the hot ones. */
static gboolean
dispatch (Decoder *d)
{
  switch (d->op)
    {
    case '(':
      return push_mark (d);
    case '0':
      return op_pop (d);
    case '1':
      return op_pop_mark (d);
    case '2':
      return op_dup (d);
    case 'N':
      return push_new (d, LD_PICKLE_NONE) != NULL;
    case 0x88:
      return push (d, new_bool (d, TRUE));
    case 0x89:
      return push (d, new_bool (d, FALSE));
    case 'I':
      return op_int (d);
    case 'J':
      return op_binint (d, 4);
    case 'K':
      return op_binint (d, 1);
    case 'M':
      return op_binint (d, 2);
    case 'L':
      return op_long (d);
    case 0x8a:
      return op_long_bytes (d, 1);
    case 0x8b:
      return op_long_bytes (d, 4);
    case 'F':
      return op_float (d);
    case 'G':
      return op_binfloat (d);
    case 'X':
      return op_binunicode (d, 4);
    case 0x8c:
      return op_binunicode (d, 1);
    case 0x8d:
      return op_binunicode (d, 8);
    case 'V':
      return op_unicode (d);
    case 'S':
      return op_string (d);
    case 'T':
      return op_binstring (d, 4);
    case 'U':
      return op_binstring (d, 1);
    case 'B':
      return op_binbytes (d, 4, 0);
    case 'C':
      return op_binbytes (d, 1, 0);
    case 0x8e:
      return op_binbytes (d, 8, 0);
    case 0x96:
      return op_binbytes (d, 8, FLAG_BYTEARRAY);
    case ']':
      return push_new (d, LD_PICKLE_LIST) != NULL;
    case ')':
      return push_new (d, LD_PICKLE_TUPLE) != NULL;
    case '}':
      return push_new (d, LD_PICKLE_DICT) != NULL;
    case 0x8f:
      return push_new (d, LD_PICKLE_SET) != NULL;
    case 'l':
      return op_sequence (d, LD_PICKLE_LIST);
    case 't':
      return op_sequence (d, LD_PICKLE_TUPLE);
    case 0x85:
      return op_tuple_n (d, 1);
    case 0x86:
      return op_tuple_n (d, 2);
    case 0x87:
      return op_tuple_n (d, 3);
    case 'd':
      return op_dict (d);
    case 0x91:
      return op_frozenset (d);
    case 'a':
      return op_append (d);
    case 'e':
      return op_update (d, FALSE);
    case 0x90:
      return op_update (d, FALSE);
    case 's':
      return op_setitem (d);
    case 'u':
      return op_update (d, TRUE);
    case 'p':
      return op_put (d, 0);
    case 'q':
      return op_put (d, 1);
    case 'r':
      return op_put (d, 4);
    case 0x94:
      return memo_put (d, d->memo_len);
    case 'g':
      return op_get (d, 0);
    case 'h':
      return op_get (d, 1);
    case 'j':
      return op_get (d, 4);
    case 'c':
      return op_global (d);
    case 0x93:
      return op_stack_global (d);
    case 'R':
      return op_reduce (d);
    case 0x81:
      return op_newobj (d, FALSE);
    case 0x92:
      return op_newobj (d, TRUE);
    case 'i':
      return op_inst (d, TRUE);
    case 'o':
      return op_inst (d, FALSE);
    case 'b':
      return op_build (d);
    case 0x80:
      return op_proto (d);
    case 0x95:
      return op_frame (d);
    case 'P': /* PERSID */
    case 'Q': /* BINPERSID */
    case 0x82: /* EXT1 */
    case 0x83: /* EXT2 */
    case 0x84: /* EXT4 */
    case 0x97: /* NEXT_BUFFER */
    case 0x98: /* READONLY_BUFFER */
      return op_unsupported (d);
    default:
      return fail (d, LD_PICKLE_ERROR_BAD_OPCODE, _("unknown opcode"));
    }
}

static gboolean
run (Decoder *d, LdPickleValue **result)
{
  while (d->pos < d->len)
    {
      d->op_pos = d->pos;
      d->op = d->data[d->pos++];
      if (d->op == '.')
        return pop (d, result);
      if (G_UNLIKELY (!dispatch (d)))
        return FALSE;
    }
  d->op = -1;
  d->op_pos = d->len;
  return fail (d, LD_PICKLE_ERROR_TRUNCATED, _("truncated: no STOP opcode"));
}

static void
decoder_init (Decoder *d, const guint8 *data, gsize len, const LdPickleLimits *limits,
              GError **error)
{
  d->data = data;
  d->len = len;
  d->pos = 0;
  d->op_pos = 0;
  d->op = -1;
  d->copy = NULL;
  d->limits = limits;
  d->error = error;
  d->block = NULL;
  d->bump = d->bump_end = NULL;
  d->bytes = 0;
  d->values = 0;
  d->max_values = limits->max_allocations;
  d->stack = d->stack_inline;
  d->stack_len = 0;
  d->stack_cap = STACK_INLINE;
  d->fence = 0;
  d->marks = d->marks_inline;
  d->n_marks = 0;
  d->marks_cap = MARKS_INLINE;
  d->memo = d->memo_inline;
  d->memo_used = 0;
  d->memo_cap = MIN (MEMO_INLINE, limits->max_memo);
  d->memo_len = 0;
}

/* Makes the block, sized for a typical pickle, and copies the input into it. */
static gboolean
decoder_start (Decoder *d)
{
  gsize first = MIN (d->len, CHUNK_MAX) * 6 + 1024;

  if (d->len >= G_MAXSIZE / 2 || !charge (d, sizeof (Block) + d->len + first))
    return FALSE;
  first += d->len + 8;
  d->block = g_malloc (sizeof (Block) + first);
  d->block->chunks = NULL;
  d->bump = (guint8 *) (d->block + 1);
  d->bump_end = d->bump + first;
  d->next_chunk = 16 * 1024;
  d->copy = alloc (d, d->len + 1);
  if (d->len > 0)
    memcpy (d->copy, d->data, d->len);
  d->copy[d->len] = '\0';
  return TRUE;
}

static void
decoder_clear (Decoder *d)
{
  if (d->stack != d->stack_inline)
    g_free (d->stack);
  if (d->marks != d->marks_inline)
    g_free (d->marks);
  if (d->memo != d->memo_inline)
    g_free (d->memo);
}

/**
 * ld_pickle_decode:
 * @data: the pickle, without the 4-byte length prefix of SocketHandler
 * @len: its size
 * @limits: (nullable): limits, or %NULL for the defaults
 * @error: a #GError
 *
 * Decodes a pickle of protocol 0 to 5 without importing or calling anything.
 *
 * Returns: (transfer full): the value, or %NULL with @error set, with a message that names
 *   the byte offset and the opcode
 */
LdPickleValue *
ld_pickle_decode (const guint8         *data,
                  gsize                 len,
                  const LdPickleLimits *limits,
                  GError              **error)
{
  LdPickleLimits defaults;
  LdPickleValue *result = NULL;
  Decoder d;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (limits == NULL)
    {
      ld_pickle_limits_init_default (&defaults);
      limits = &defaults;
    }
  decoder_init (&d, data, len, limits, error);
  if (decoder_start (&d) && run (&d, &result))
    {
      /* The root is copied into the block header, where ld_pickle_value_free() finds it. */
      d.block->root = *result;
      d.block->root.flags |= FLAG_ROOT;
      d.block->original = result;
      result = &d.block->root;
    }
  else
    {
      block_free (d.block);
      result = NULL;
    }
  decoder_clear (&d);
  return result;
}

void
ld_pickle_value_free (LdPickleValue *root)
{
  if (root == NULL)
    return;
  g_return_if_fail (root->flags & FLAG_ROOT);

  block_free ((Block *) root);
}

/* The flat scanner
 *
 * Nearly every frame from SocketHandler is the same shape: one dict whose values are strings,
 * numbers, booleans and None. ld_pickle_scan_dict() reads that shape straight into views,
 * without building values, and declines anything else, which ld_pickle_decode() then reads.
 * It accepts a subset of what the decoder accepts, and gives the same values for it. */

#define SCAN_MEMO 256

typedef struct
{
  const guint8 *data;
  gsize len;
  gsize pos;
  char *copy;                    /* strings point here, ended by a NUL in place */
  LdPickleView *items;           /* keys and values, in pairs */
  gsize n_items;
  gsize max_items;
  guint64 memo_set[SCAN_MEMO / 64];
  guint16 memo[SCAN_MEMO];       /* item index + 1, or 0 for the dict itself */
  gsize memo_len;                /* entries set, the index MEMOIZE uses */
  gsize mark;                    /* the item after the MARK, or G_MAXSIZE */
  gsize consumed;                /* items that SETITEM and SETITEMS have put in the dict */
} Scanner;

/* Memoizes the top of the stack: the dict when every item is in it. As in the decoder,
 * nothing under a MARK can be reached. */
static gboolean
scan_memo_put (Scanner *s, gsize index)
{
  guint64 bit = G_GUINT64_CONSTANT (1) << (index % 64);

  if (index >= SCAN_MEMO || (s->mark != G_MAXSIZE && s->n_items == s->mark))
    return FALSE;
  if (!(s->memo_set[index / 64] & bit))
    s->memo_len++;
  s->memo_set[index / 64] |= bit;
  s->memo[index] = s->n_items == s->consumed ? 0 : (guint16) s->n_items;
  return TRUE;
}

static LdPickleView *
scan_push (Scanner *s, LdPickleKind kind)
{
  LdPickleView *view;

  if (s->n_items == s->max_items)
    return NULL;
  view = &s->items[s->n_items++];
  view->kind = kind;
  view->text = NULL;
  view->length = 0;
  view->i = 0;
  view->f = 0;
  view->tree = NULL;
  return view;
}

static gboolean
scan_str (Scanner *s, gsize size_bytes)
{
  gsize n, start = s->pos + size_bytes;
  LdPickleView *view;

  if (size_bytes > s->len - s->pos)
    return FALSE;
  n = (gsize) read_le (s->data + s->pos, (guint) size_bytes);
  /* A str is never last: at least STOP follows, and its NUL takes that byte in the copy. */
  if (n >= s->len - start)
    return FALSE;
  if (!is_ascii ((const char *) s->data + start, n) && !utf8_is_clean (s->data + start, n))
    return FALSE;
  if ((view = scan_push (s, LD_PICKLE_STR)) == NULL)
    return FALSE;
  s->copy[start + n] = '\0';
  view->text = s->copy + start;
  view->length = n;
  s->pos = start + n;
  return TRUE;
}

static gboolean
scan_int (Scanner *s, gint64 value)
{
  LdPickleView *view = scan_push (s, LD_PICKLE_INT);

  if (view != NULL)
    view->i = value;
  return view != NULL;
}

/* INT and LONG: only numbers that fit in 64 bits, and INT's "00" and "01" (booleans). */
static gboolean
scan_int_text (Scanner *s, gboolean is_long)
{
  const guint8 *start = s->data + s->pos;
  const guint8 *nl = memchr (start, '\n', s->len - s->pos);
  gsize n, n_digits;
  const char *digits;
  gboolean negative;
  gint64 value;

  if (nl == NULL)
    return FALSE;
  n = (gsize) (nl - start);
  s->pos += n + 1;
  if (!is_long && n == 2 && start[0] == '0' && (start[1] == '0' || start[1] == '1'))
    {
      LdPickleView *view = scan_push (s, LD_PICKLE_BOOL);

      if (view != NULL)
        view->i = start[1] == '1';
      return view != NULL;
    }
  if (is_long && n > 0 && start[n - 1] == 'L')
    n--;
  if (parse_int_text ((const char *) start, n, &value, &negative, &digits, &n_digits)
      != INT_TEXT_SMALL)
    return FALSE;
  return scan_int (s, value);
}

static gboolean
scan_memo_index (Scanner *s, gsize size_bytes, gsize *index)
{
  if (size_bytes > s->len - s->pos)
    return FALSE;
  *index = (gsize) read_le (s->data + s->pos, (guint) size_bytes);
  s->pos += size_bytes;
  return TRUE;
}

static gboolean
scan_get (Scanner *s, gsize size_bytes)
{
  gsize index;
  LdPickleView *view;

  if (!scan_memo_index (s, size_bytes, &index) || index >= SCAN_MEMO
      || !(s->memo_set[index / 64] & (G_GUINT64_CONSTANT (1) << (index % 64)))
      || s->memo[index] == 0)
    return FALSE;
  if ((view = scan_push (s, LD_PICKLE_NONE)) == NULL)
    return FALSE;
  *view = s->items[s->memo[index] - 1];
  return TRUE;
}

/* Runs one opcode after the dict; *done is set at STOP. */
static gboolean
scan_op (Scanner *s, gboolean *done)
{
  guint8 op = s->data[s->pos++];
  gsize index;
  guint64 bits;
  LdPickleView *view;

  switch (op)
    {
    case 'X':
      return scan_str (s, 4);
    case 0x8c: /* SHORT_BINUNICODE */
      return scan_str (s, 1);
    case 'q': /* BINPUT */
    case 'r': /* LONG_BINPUT */
      return scan_memo_index (s, op == 'q' ? 1 : 4, &index) && scan_memo_put (s, index);
    case 0x94: /* MEMOIZE */
      return scan_memo_put (s, s->memo_len);
    case 'h': /* BINGET */
    case 'j': /* LONG_BINGET */
      return scan_get (s, op == 'h' ? 1 : 4);
    case 'K':
    case 'M':
      if ((gsize) (op == 'K' ? 1 : 2) > s->len - s->pos)
        return FALSE;
      s->pos += op == 'K' ? 1 : 2;
      return scan_int (s, (gint64) read_le (s->data + s->pos - (op == 'K' ? 1 : 2),
                                            op == 'K' ? 1 : 2));
    case 'J':
      if (4 > s->len - s->pos)
        return FALSE;
      s->pos += 4;
      return scan_int (s, (gint32) (guint32) read_le (s->data + s->pos - 4, 4));
    case 'I':
    case 'L':
      return scan_int_text (s, op == 'L');
    case 0x8a: /* LONG1: only up to 8 bytes */
      if (s->pos >= s->len || s->data[s->pos] > 8 || s->data[s->pos] >= s->len - s->pos)
        return FALSE;
      index = s->data[s->pos];
      s->pos += 1 + index;
      if (index == 0)
        return scan_int (s, 0);
      bits = read_le (s->data + s->pos - index, (guint) index);
      if (index < 8 && (s->data[s->pos - 1] & 0x80))
        bits |= ~G_GUINT64_CONSTANT (0) << (8 * index);
      return scan_int (s, (gint64) bits);
    case 'G':
      if (8 > s->len - s->pos || (view = scan_push (s, LD_PICKLE_FLOAT)) == NULL)
        return FALSE;
      memcpy (&bits, s->data + s->pos, 8);
      bits = GUINT64_FROM_BE (bits);
      memcpy (&view->f, &bits, sizeof view->f);
      s->pos += 8;
      return TRUE;
    case 'N':
      return scan_push (s, LD_PICKLE_NONE) != NULL;
    case 0x88: /* NEWTRUE */
    case 0x89: /* NEWFALSE */
      if ((view = scan_push (s, LD_PICKLE_BOOL)) == NULL)
        return FALSE;
      view->i = op == 0x88;
      return TRUE;
    case '(': /* MARK: one level only, around key-value pairs */
      if (s->mark != G_MAXSIZE || s->n_items != s->consumed)
        return FALSE;
      s->mark = s->n_items;
      return TRUE;
    case 'u': /* SETITEMS */
      if (s->mark == G_MAXSIZE || (s->n_items - s->mark) % 2 != 0)
        return FALSE;
      s->mark = G_MAXSIZE;
      s->consumed = s->n_items;
      return TRUE;
    case 's': /* SETITEM */
      if (s->mark != G_MAXSIZE || s->n_items != s->consumed + 2)
        return FALSE;
      s->consumed = s->n_items;
      return TRUE;
    case '.': /* STOP: the dict is all, and nothing follows */
      *done = TRUE;
      return s->mark == G_MAXSIZE && s->n_items == s->consumed && s->pos == s->len;
    default:
      return FALSE;
    }
}

/**
 * ld_pickle_scan_dict:
 * @data: one pickle
 * @len: its length in bytes
 * @limits: (nullable): the decoder's limits, %NULL for the defaults
 * @copy: @len bytes that the strings of @entries will point into
 * @entries: (out caller-allocates) (array length=max_entries): the dict's entries, in order
 * @max_entries: room in @entries; more than 256 declines every pickle
 *
 * Reads a pickle that is one dict of str, int, float, bool and None values, such as
 * SocketHandler sends, much faster than ld_pickle_decode(). Views have no tree. Anything else
 * (a nested value, an object, a big integer, a memo beyond 256, more entries than
 * @max_entries, a str with surrogates, an error) is declined, and the same pickle should then
 * go to ld_pickle_decode(), which reads it or says what is wrong with it. Duplicate keys are
 * not merged: they are all returned.
 *
 * Returns: the number of entries, or -1 if the pickle is declined
 */
gssize
ld_pickle_scan_dict (const guint8         *data,
                     gsize                 len,
                     const LdPickleLimits *limits,
                     char                 *copy,
                     LdPickleViewEntry    *entries,
                     gsize                 max_entries)
{
  LdPickleLimits defaults;
  Scanner s;
  gboolean done = FALSE;

  G_STATIC_ASSERT (sizeof (LdPickleViewEntry) == 2 * sizeof (LdPickleView));
  g_return_val_if_fail (data != NULL && copy != NULL && entries != NULL, -1);

  if (limits == NULL)
    {
      ld_pickle_limits_init_default (&defaults);
      limits = &defaults;
    }

  /* Limits so low that this could pass what the decoder refuses are left to the decoder,
   * and so are more entries than the decoder's dict probes for: colliding keys could
   * exhaust them. */
  if (max_entries > DICT_MAX_PROBES
      || (limits->max_depth < 2 || limits->max_memo < SCAN_MEMO || limits->max_int_digits < 20
          || limits->max_allocations < 2 * max_entries + 1
          || limits->max_total_bytes < 64 * (guint64) len + 65536))
    return -1;
  if (len > G_MAXUINT32 || max_entries > G_MAXUINT16 / 2)
    return -1;

  s.data = data;
  s.len = len;
  s.pos = 0;
  s.copy = copy;
  s.items = (LdPickleView *) entries;
  s.n_items = 0;
  s.max_items = max_entries * 2;
  memset (s.memo_set, 0, sizeof s.memo_set);
  s.memo_len = 0;
  s.mark = G_MAXSIZE;
  s.consumed = 0;

  memcpy (copy, data, len);
  if (s.pos + 2 <= len && data[s.pos] == 0x80) /* PROTO */
    {
      if (data[s.pos + 1] > 5)
        return -1;
      s.pos += 2;
    }
  if (s.pos < len && data[s.pos] == 0x95) /* FRAME, which must fit in what is left */
    {
      if (s.pos + 9 > len || read_le (data + s.pos + 1, 8) > len - (s.pos + 9))
        return -1;
      s.pos += 9;
    }
  if (s.pos >= len || data[s.pos++] != '}')
    return -1;

  while (!done)
    {
      if (s.pos >= len || !scan_op (&s, &done))
        return -1;
      /* Picklers memoize nearly every value: a BINPUT right after it skips the dispatch. */
      if (s.pos + 1 < len && data[s.pos] == 'q')
        {
          if (!scan_memo_put (&s, data[s.pos + 1]))
            return -1;
          s.pos += 2;
        }
    }

  return (gssize) (s.n_items / 2);
}

/* Accessors */

LdPickleKind
ld_pickle_value_kind (const LdPickleValue *value)
{
  g_return_val_if_fail (value != NULL, LD_PICKLE_NONE);

  return value->kind;
}

/**
 * ld_pickle_value_get_length:
 *
 * Returns: the bytes of a str (UTF-8), bytes or bigint (decimal text), the items of a list,
 *   tuple, set or dict, and 0 for anything else
 */
gsize
ld_pickle_value_get_length (const LdPickleValue *value)
{
  g_return_val_if_fail (value != NULL, 0);

  switch (value->kind)
    {
    case LD_PICKLE_BIGINT:
    case LD_PICKLE_STR:
    case LD_PICKLE_BYTES:
    case LD_PICKLE_LIST:
    case LD_PICKLE_TUPLE:
    case LD_PICKLE_SET:
    case LD_PICKLE_DICT:
      return value->len;
    default:
      return 0;
    }
}

gboolean
ld_pickle_value_get_bool (const LdPickleValue *value)
{
  g_return_val_if_fail (value != NULL && value->kind == LD_PICKLE_BOOL, FALSE);

  return value->i != 0;
}

/* Returns the value of an int or a bool. */
gint64
ld_pickle_value_get_int (const LdPickleValue *value)
{
  g_return_val_if_fail (value != NULL, 0);
  g_return_val_if_fail (value->kind == LD_PICKLE_INT || value->kind == LD_PICKLE_BOOL, 0);

  return value->i;
}

/**
 * ld_pickle_value_view:
 * @value: a value
 * @view: (out caller-allocates): where to describe it
 *
 * Fills @view as ld_pickle_scan_dict() would, with @value as its tree.
 */
void
ld_pickle_value_view (const LdPickleValue *value,
                      LdPickleView        *view)
{
  g_return_if_fail (value != NULL && view != NULL);

  view->kind = value->kind;
  view->text = NULL;
  view->length = 0;
  view->i = 0;
  view->f = 0;
  view->tree = value;
  switch (value->kind)
    {
    case LD_PICKLE_STR:
    case LD_PICKLE_BIGINT:
      view->text = value->str;
      view->length = value->len;
      break;
    case LD_PICKLE_INT:
    case LD_PICKLE_BOOL:
      view->i = value->i;
      break;
    case LD_PICKLE_FLOAT:
      view->f = value->f;
      break;
    default:
      break;
    }
}

/* Returns a float, or an int or bool as a float. */
double
ld_pickle_value_get_float (const LdPickleValue *value)
{
  g_return_val_if_fail (value != NULL, 0.0);
  g_return_val_if_fail (value->kind == LD_PICKLE_FLOAT || value->kind == LD_PICKLE_INT ||
                        value->kind == LD_PICKLE_BOOL, 0.0);

  return value->kind == LD_PICKLE_FLOAT ? value->f : (double) value->i;
}

/**
 * ld_pickle_value_get_string:
 * @length: (out) (optional): the length in bytes
 *
 * Returns: the NUL-terminated UTF-8 text of a str (which may hold NULs of its own), or the
 *   decimal text of a bigint
 */
const char *
ld_pickle_value_get_string (const LdPickleValue *value,
                            gsize               *length)
{
  g_return_val_if_fail (value != NULL, NULL);
  g_return_val_if_fail (value->kind == LD_PICKLE_STR || value->kind == LD_PICKLE_BIGINT, NULL);

  if (length != NULL)
    *length = value->len;
  return value->str;
}

const guint8 *
ld_pickle_value_get_bytes (const LdPickleValue *value,
                           gsize               *length)
{
  g_return_val_if_fail (value != NULL && value->kind == LD_PICKLE_BYTES, NULL);

  if (length != NULL)
    *length = value->len;
  return (const guint8 *) value->str;
}

gboolean
ld_pickle_value_is_frozen (const LdPickleValue *value)
{
  g_return_val_if_fail (value != NULL, FALSE);

  return value->kind == LD_PICKLE_SET && (value->flags & FLAG_FROZEN) != 0;
}

gboolean
ld_pickle_value_is_bytearray (const LdPickleValue *value)
{
  g_return_val_if_fail (value != NULL, FALSE);

  return value->kind == LD_PICKLE_BYTES && (value->flags & FLAG_BYTEARRAY) != 0;
}

static gboolean
is_container (const LdPickleValue *value)
{
  return value->kind >= LD_PICKLE_LIST && value->kind <= LD_PICKLE_DICT;
}

/**
 * ld_pickle_value_get_item:
 *
 * Returns: (transfer none): item @index of a list, tuple or set, or the value of entry
 *   @index of a dict, in the order the pickle gave them
 */
const LdPickleValue *
ld_pickle_value_get_item (const LdPickleValue *value,
                          gsize                index)
{
  g_return_val_if_fail (value != NULL && is_container (value), NULL);
  g_return_val_if_fail (index < value->len, NULL);

  if (value->kind == LD_PICKLE_LIST || value->kind == LD_PICKLE_TUPLE)
    return value->items[index];
  if (value->kind == LD_PICKLE_SET)
    return value->dict.entries[index].key;
  return value->dict.entries[index].value;
}

/* Returns (transfer none): the key of entry @index of a dict. */
const LdPickleValue *
ld_pickle_value_get_key (const LdPickleValue *value,
                         gsize                index)
{
  g_return_val_if_fail (value != NULL && value->kind == LD_PICKLE_DICT, NULL);
  g_return_val_if_fail (index < value->len, NULL);

  return value->dict.entries[index].key;
}

static const LdPickleValue *
dict_lookup (const LdPickleValue *dict, const char *key, gsize len)
{
  LdPickleValue probe = { .kind = LD_PICKLE_STR, .len = len, .str = key };
  gsize slot, pos;

  pos = dict_find (dict, &probe, hash_bytes (key, len), &slot);
  return pos < dict->len ? dict->dict.entries[pos].value : NULL;
}

/* Returns (transfer none) (nullable): the value of the str @key in @dict. */
const LdPickleValue *
ld_pickle_value_lookup (const LdPickleValue *dict,
                        const char          *key)
{
  g_return_val_if_fail (dict != NULL && dict->kind == LD_PICKLE_DICT, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  return dict_lookup (dict, key, strlen (key));
}

/**
 * ld_pickle_value_get_object_text:
 *
 * Returns: a readable text for an object: "2026-11-20 12:30:00", "Decimal('12.50')",
 *   "UUID('…')", "ValueError('bad')", "<Color.GREEN>", "<Color: 2>", "<global os.system>" or
 *   "<myapp.User object>" (to_display() adds arguments and state to the last form)
 */
const char *
ld_pickle_value_get_object_text (const LdPickleValue *value)
{
  g_return_val_if_fail (value != NULL && value->kind == LD_PICKLE_OBJECT, NULL);

  return value->object->text;
}

/* Returns: the module of the class or function the object was made from, e.g. "datetime". */
const char *
ld_pickle_value_get_object_module (const LdPickleValue *value)
{
  g_return_val_if_fail (value != NULL && value->kind == LD_PICKLE_OBJECT, NULL);

  return value->object->module;
}

/* Returns: the (qualified) name of that class or function, e.g. "datetime". */
const char *
ld_pickle_value_get_object_name (const LdPickleValue *value)
{
  g_return_val_if_fail (value != NULL && value->kind == LD_PICKLE_OBJECT, NULL);

  return value->object->name;
}

/* Returns (transfer none) (nullable): the arguments tuple of the call, if not empty. */
const LdPickleValue *
ld_pickle_value_get_object_args (const LdPickleValue *value)
{
  g_return_val_if_fail (value != NULL && value->kind == LD_PICKLE_OBJECT, NULL);

  return value->object->args;
}

/* Returns (transfer none) (nullable): the state BUILD gave, e.g. the instance's __dict__. */
const LdPickleValue *
ld_pickle_value_get_object_state (const LdPickleValue *value)
{
  g_return_val_if_fail (value != NULL && value->kind == LD_PICKLE_OBJECT, NULL);

  return value->object->state;
}

/* Display and JSON
 *
 * One iterative walker writes both, with an explicit stack of frames, so a deep or cyclic
 * graph cannot overflow the C stack: past WALK_MAX_DEPTH, or on meeting a container that is
 * already being written, it writes "[...]" as Python's repr() does for a cycle.  Since memo
 * sharing can make a small pickle stand for an exponentially large tree, a container stops
 * adding items (writing "...") once the output passes a budget. */

#define WALK_MAX_DEPTH 100
#define WALK_BUDGET    (1024 * 1024)

typedef struct
{
  const LdPickleValue *value;
  gsize next;
} Frame;

typedef struct
{
  GString *out;
  gsize limit;
  gboolean json;
  guint depth;
  Frame frames[WALK_MAX_DEPTH];
} Walker;

/* Writes 0.d1d2...dn × 10^point as Python's repr() does: fixed notation for
 * -4 < point <= 16, else an exponent of at least two digits. */
static void
append_float_digits (GString *out, const char *digits, int n, int point)
{
  if (point <= -4 || point > 16)
    {
      g_string_append_c (out, digits[0]);
      if (n > 1)
        {
          g_string_append_c (out, '.');
          g_string_append_len (out, digits + 1, n - 1);
        }
      g_string_append_printf (out, "e%c%02d", point - 1 < 0 ? '-' : '+', ABS (point - 1));
    }
  else if (point <= 0)
    {
      g_string_append (out, "0.");
      for (int i = point; i < 0; i++)
        g_string_append_c (out, '0');
      g_string_append_len (out, digits, n);
    }
  else if (point >= n)
    {
      g_string_append_len (out, digits, n);
      for (int i = n; i < point; i++)
        g_string_append_c (out, '0');
      g_string_append (out, ".0");
    }
  else
    {
      g_string_append_len (out, digits, point);
      g_string_append_c (out, '.');
      g_string_append_len (out, digits + point, n - point);
    }
}

/* Python's float repr: the shortest digits that read back as the same double.  For a normal
 * double, if 15 or fewer digits round-trip, "%.14e" gives exactly those; else 16 or 17 do. */
static void
append_float (GString *out, double f, gboolean json)
{
  static const char *const formats[] = {
    "%.0e", "%.1e", "%.2e", "%.3e", "%.4e", "%.5e", "%.6e", "%.7e", "%.8e", "%.9e", "%.10e",
    "%.11e", "%.12e", "%.13e", "%.14e", "%.15e", "%.16e",
  };
  char buf[G_ASCII_DTOSTR_BUF_SIZE], digits[24];
  const char *p = buf;
  int n = 0;

  if (isnan (f))
    {
      g_string_append (out, json ? "NaN" : "nan");
      return;
    }
  if (isinf (f))
    {
      g_string_append (out, f > 0 ? (json ? "Infinity" : "inf") : (json ? "-Infinity" : "-inf"));
      return;
    }
  /* The shortcut needs the precision of a normal double; subnormals search all lengths. */
  for (gsize i = fabs (f) < G_MINDOUBLE ? 0 : 14; i < G_N_ELEMENTS (formats); i++)
    if (g_ascii_strtod (g_ascii_formatd (buf, sizeof buf, formats[i], f), NULL) == f)
      break;
  if (*p == '-')
    g_string_append_c (out, *p++);
  for (; *p != 'e' && n < (int) sizeof digits; p++)
    if (g_ascii_isdigit (*p))
      digits[n++] = *p;
  while (n > 1 && digits[n - 1] == '0')
    n--;
  append_float_digits (out, digits, n, atoi (p + 1) + 1);
}

/* Python's str.isprintable(), which decides what repr() escapes. */
static gboolean
is_printable (gunichar c)
{
  switch (g_unichar_type (c))
    {
    case G_UNICODE_CONTROL:
    case G_UNICODE_FORMAT:
    case G_UNICODE_UNASSIGNED:
    case G_UNICODE_PRIVATE_USE:
    case G_UNICODE_SURROGATE:
    case G_UNICODE_LINE_SEPARATOR:
    case G_UNICODE_PARAGRAPH_SEPARATOR:
      return FALSE;
    case G_UNICODE_SPACE_SEPARATOR:
      return c == ' ';
    default:
      return TRUE;
    }
}

static inline gboolean
is_plain_ascii (guchar c, char quote)
{
  return c >= 0x20 && c < 0x7F && c != '\\' && c != (guchar) quote;
}

/* Appends the longest run of characters that need no escaping; returns its end. */
static const char *
append_plain_run (GString *out, const char *s, const char *end, char quote)
{
  const char *start = s;

  while (s < end && is_plain_ascii ((guchar) *s, quote))
    s++;
  g_string_append_len (out, start, s - start);
  return s;
}

/* The escapes str and bytes share; FALSE if c needs none of them. */
static gboolean
append_simple_escape (GString *out, gunichar c, char quote)
{
  static const char simple[] = "\\\\\tt\nn\rr";
  const char *e = c < 0x80 && c != 0 ? strchr (simple, (int) c) : NULL;

  if (e != NULL && (e - simple) % 2 == 0)
    {
      g_string_append_c (out, '\\');
      g_string_append_c (out, e[1]);
      return TRUE;
    }
  if (c != (gunichar) (guchar) quote)
    return FALSE;
  g_string_append_c (out, '\\');
  g_string_append_c (out, quote);
  return TRUE;
}

static char
repr_quote (const char *s, gsize n)
{
  return memchr (s, '\'', n) != NULL && memchr (s, '"', n) == NULL ? '"' : '\'';
}

static void
append_repr_str (GString *out, const char *s, gsize n)
{
  const char *end = s + n;
  char quote = repr_quote (s, n);

  g_string_append_c (out, quote);
  while ((s = append_plain_run (out, s, end, quote)) < end)
    {
      gunichar c = g_utf8_get_char (s);

      s = g_utf8_next_char (s);
      if (append_simple_escape (out, c, quote))
        continue;
      if (c >= 0x80 && is_printable (c))
        g_string_append_len (out, s - g_unichar_to_utf8 (c, NULL), g_unichar_to_utf8 (c, NULL));
      else if (c < 0x100)
        g_string_append_printf (out, "\\x%02x", c);
      else if (c < 0x10000)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_printf (out, "\\U%08x", c);
    }
  g_string_append_c (out, quote);
}

static void
append_repr_bytes (GString *out, const char *s, gsize n, gboolean bytearray)
{
  const char *end = s + n;
  char quote = repr_quote (s, n);
  char escaped = bytearray ? '\'' : quote; /* CPython's bytearray repr always escapes ' */

  g_string_append (out, bytearray ? "bytearray(b" : "b");
  g_string_append_c (out, quote);
  while ((s = append_plain_run (out, s, end, escaped)) < end)
    {
      guchar c = (guchar) *s++;

      if (c == (guchar) escaped)
        g_string_append_c (g_string_append_c (out, '\\'), c);
      else if (!append_simple_escape (out, c, quote))
        g_string_append_printf (out, "\\x%02x", c);
    }
  g_string_append_c (out, quote);
  if (bytearray)
    g_string_append_c (out, ')');
}

/* A JSON string, escaped as Python's json.dumps (ensure_ascii=False) does. */
static void
append_json_string (GString *out, const char *s, gsize n)
{
  static const char simple[] = "\"\"\\\\\nn\rr\tt\bb\ff";
  const char *end = s + n;

  g_string_append_c (out, '"');
  while (s < end)
    {
      const char *start = s, *e;

      while (s < end && (guchar) *s >= 0x20 && *s != '"' && *s != '\\')
        s++;
      g_string_append_len (out, start, s - start);
      if (s == end)
        break;
      if (*s != 0 && (e = strchr (simple, *s)) != NULL && (e - simple) % 2 == 0)
        g_string_append_c (g_string_append_c (out, '\\'), e[1]);
      else
        g_string_append_printf (out, "\\u%04x", (guint) (guchar) *s);
      s++;
    }
  g_string_append_c (out, '"');
}

static LdPickleValue *
object_part (const ObjectData *o, gsize i)
{
  LdPickleValue *parts[] = { o->args, o->kwargs, o->state, o->list_items, o->dict_items };

  for (gsize k = 0; k < G_N_ELEMENTS (parts); k++)
    if (parts[k] != NULL && i-- == 0)
      return parts[k];
  return NULL;
}

static gsize
child_count (const LdPickleValue *v)
{
  gsize n = 0;

  if (v->kind == LD_PICKLE_DICT)
    return v->len * 2;
  if (v->kind != LD_PICKLE_OBJECT)
    return v->len;
  while (object_part (v->object, n) != NULL)
    n++;
  return n;
}

static const LdPickleValue *
child_at (const LdPickleValue *v, gsize i)
{
  switch (v->kind)
    {
    case LD_PICKLE_LIST:
    case LD_PICKLE_TUPLE:
      return v->items[i];
    case LD_PICKLE_SET:
      return v->dict.entries[i].key;
    case LD_PICKLE_DICT:
      return i % 2 == 0 ? v->dict.entries[i / 2].key : v->dict.entries[i / 2].value;
    default:
      return object_part (v->object, i);
    }
}

static void
open_container (Walker *w, const LdPickleValue *v)
{
  GString *out = w->out;

  if (v->kind == LD_PICKLE_OBJECT)
    g_string_append_printf (out, "<%s.%s object", v->object->module, v->object->name);
  else if (v->kind == LD_PICKLE_DICT)
    g_string_append_c (out, '{');
  else if (w->json || v->kind == LD_PICKLE_LIST)
    g_string_append_c (out, '[');
  else if (v->kind == LD_PICKLE_TUPLE)
    g_string_append_c (out, '(');
  else
    g_string_append (out, v->flags & FLAG_FROZEN ? "frozenset({" : "{");
}

static void
close_container (Walker *w, const LdPickleValue *v)
{
  GString *out = w->out;

  if (v->kind == LD_PICKLE_OBJECT)
    g_string_append_c (out, '>');
  else if (v->kind == LD_PICKLE_DICT)
    g_string_append_c (out, '}');
  else if (w->json || v->kind == LD_PICKLE_LIST)
    g_string_append_c (out, ']');
  else if (v->kind == LD_PICKLE_TUPLE)
    g_string_append (out, v->len == 1 ? ",)" : ")");
  else
    g_string_append (out, v->flags & FLAG_FROZEN ? "})" : "}");
}

static void
append_marker (Walker *w, const char *marker)
{
  if (w->json)
    append_json_string (w->out, marker, strlen (marker));
  else
    g_string_append (w->out, marker);
}

/* Written for a container met again inside itself, or nested too deep. */
static const char *
cycle_marker (const LdPickleValue *v)
{
  switch (v->kind)
    {
    case LD_PICKLE_LIST:
      return "[...]";
    case LD_PICKLE_TUPLE:
      return "(...)";
    case LD_PICKLE_OBJECT:
      return "<...>";
    default:
      return "{...}";
    }
}

/* The root is a copy of a value that the graph may also reach: both are the same value. */
static const LdPickleValue *
identity (const LdPickleValue *v)
{
  return (v->flags & FLAG_ROOT) ? ((const Block *) v)->original : v;
}

static gboolean
on_path (const Walker *w, const LdPickleValue *v)
{
  for (guint i = 0; i < w->depth; i++)
    if (identity (w->frames[i].value) == v)
      return TRUE;
  return FALSE;
}

static void
enter (Walker *w, const LdPickleValue *v)
{
  if (w->depth == WALK_MAX_DEPTH || ((v->flags & FLAG_SHARED) && on_path (w, v)))
    {
      append_marker (w, cycle_marker (v));
      return;
    }
  open_container (w, v);
  w->frames[w->depth].value = v;
  w->frames[w->depth].next = 0;
  w->depth++;
}

/* JSON has no bytes or objects: they become their display text. */
static void
append_json_display (Walker *w, const LdPickleValue *v)
{
  g_autoptr(GString) text = g_string_new (NULL);

  walk (text, v, FALSE, TRUE, WALK_BUDGET);
  append_json_string (w->out, text->str, text->len);
}

/* JSON object keys are strings: other keys are written as Python's json.dumps does. */
static void
append_json_key (Walker *w, const LdPickleValue *key)
{
  if (key->kind == LD_PICKLE_STR)
    append_json_string (w->out, key->str, key->len);
  else if (key->kind == LD_PICKLE_BOOL)
    g_string_append (w->out, key->i ? "\"true\"" : "\"false\"");
  else if (key->kind == LD_PICKLE_NONE)
    g_string_append (w->out, "\"null\"");
  else
    append_json_display (w, key);
  g_string_append_c (w->out, ':');
}

/* A str as it is, except that a NUL, which would end the C string, is written as repr()
 * writes it. */
static void
append_text (GString *out, const char *s, gsize n)
{
  const char *nul;

  while ((nul = memchr (s, '\0', n)) != NULL)
    {
      g_string_append_len (out, s, nul - s);
      g_string_append (out, "\\x00");
      n -= (gsize) (nul - s) + 1;
      s = nul + 1;
    }
  g_string_append_len (out, s, (gssize) n);
}

static void
emit_scalar (Walker *w, const LdPickleValue *v, gboolean top)
{
  GString *out = w->out;

  if (v->kind == LD_PICKLE_NONE)
    g_string_append (out, w->json ? "null" : "None");
  else if (v->kind == LD_PICKLE_BOOL)
    g_string_append (out, w->json ? (v->i ? "true" : "false") : (v->i ? "True" : "False"));
  else if (v->kind == LD_PICKLE_INT)
    g_string_append_printf (out, "%" G_GINT64_FORMAT, v->i);
  else if (v->kind == LD_PICKLE_BIGINT)
    g_string_append_len (out, v->str, (gssize) v->len);
  else if (v->kind == LD_PICKLE_FLOAT)
    append_float (out, v->f, w->json);
  else if (v->kind == LD_PICKLE_STR && w->json)
    append_json_string (out, v->str, v->len);
  else if (v->kind == LD_PICKLE_STR && top)
    append_text (out, v->str, v->len);
  else if (v->kind == LD_PICKLE_STR)
    append_repr_str (out, v->str, v->len);
  else if (w->json)
    append_json_display (w, v);
  else if (v->kind == LD_PICKLE_BYTES)
    append_repr_bytes (out, v->str, v->len, (v->flags & FLAG_BYTEARRAY) != 0);
  else
    g_string_append (out, v->object->text);
}

static void
emit_value (Walker *w, const LdPickleValue *v, gboolean top)
{
  if (v->kind == LD_PICKLE_OBJECT && !w->json && v->object->subkind == OBJECT_INSTANCE &&
      object_part (v->object, 0) != NULL)
    enter (w, v);
  else if (v->kind == LD_PICKLE_SET && !w->json && v->len == 0)
    g_string_append (w->out, v->flags & FLAG_FROZEN ? "frozenset()" : "set()");
  else if (is_container (v))
    enter (w, v);
  else
    emit_scalar (w, v, top);
}

static void
append_separator (Walker *w, const LdPickleValue *v, gsize i)
{
  if (v->kind == LD_PICKLE_OBJECT)
    g_string_append_c (w->out, ' ');
  else if (v->kind == LD_PICKLE_DICT && i % 2 == 1)
    g_string_append (w->out, ": ");
  else if (i > 0)
    g_string_append (w->out, w->json ? "," : ", ");
}

/* Writes what comes before the next child of the frame's container and returns the child, or
 * NULL when the container is done (or out of budget). */
static const LdPickleValue *
next_child (Walker *w, Frame *f)
{
  const LdPickleValue *v = f->value;
  gsize i = f->next;

  if (i >= child_count (v))
    return NULL;
  append_separator (w, v, i);
  if (w->out->len > w->limit && i % 2 == 0)
    {
      f->next = G_MAXSIZE;
      if (v->kind == LD_PICKLE_DICT && w->json)
        g_string_append (w->out, "\"...\":\"...\"");
      else
        append_marker (w, "...");
      return NULL;
    }
  f->next++;
  if (v->kind == LD_PICKLE_DICT && w->json)
    {
      append_json_key (w, v->dict.entries[i / 2].key);
      f->next++;
      return v->dict.entries[i / 2].value;
    }
  return child_at (v, i);
}

static void
walk (GString *out, const LdPickleValue *v, gboolean json, gboolean top, gsize budget)
{
  Walker w;

  w.out = out;
  w.limit = out->len + budget;
  w.json = json;
  w.depth = 0;
  emit_value (&w, v, top);
  while (w.depth > 0)
    {
      Frame *f = &w.frames[w.depth - 1];
      const LdPickleValue *child = next_child (&w, f);

      if (child != NULL)
        {
          emit_value (&w, child, FALSE);
          continue;
        }
      close_container (&w, f->value);
      w.depth--;
    }
}

/**
 * ld_pickle_value_to_display:
 *
 * Returns: (transfer full): readable text, as Python's str() would show the value: a str
 *   as is, containers with repr()s inside ({'a': 1}, [1, 2], (1,), {1, 2}, b'..', None),
 *   floats as Python writes them (0.1, 1e+100, nan, inf), objects by their text
 */
char *
ld_pickle_value_to_display (const LdPickleValue *value)
{
  GString *out;

  g_return_val_if_fail (value != NULL, NULL);

  out = g_string_new (NULL);
  walk (out, value, FALSE, TRUE, WALK_BUDGET);
  return g_string_free (out, FALSE);
}

/**
 * ld_pickle_value_to_json:
 * @out: where to append
 *
 * Appends the value as JSON, written as Python's json.dumps (ensure_ascii=False,
 * separators=(",", ":")) would: lists, tuples and sets as arrays, NaN and Infinity as bare
 * tokens, other dict keys as strings, and bytes and objects as their display text.
 */
void
ld_pickle_value_to_json (const LdPickleValue *value,
                         GString             *out)
{
  g_return_if_fail (value != NULL);
  g_return_if_fail (out != NULL);

  walk (out, value, TRUE, TRUE, WALK_BUDGET);
}
