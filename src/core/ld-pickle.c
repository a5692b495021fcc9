// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.pickle"

#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "ld-pickle-private.h"

/* A safe unpickler.  It follows CPython's C unpickler (Modules/_pickle.c) for the stack, the
 * MARK fence and the memo, but builds plain C values instead of Python objects and never
 * resolves a global: GLOBAL and STACK_GLOBAL push a named placeholder, and REDUCE, NEWOBJ,
 * INST, OBJ and BUILD turn placeholders into LD_PICKLE_OBJECT values.  The types that log
 * records carry (datetime, Decimal, UUID, sets, bytes written by protocols 0-2, enums,
 * exceptions) are recognised by name and rendered from their pickled state.
 *
 * Speed matters (a busy sender emits about a million records a second), so all values of one
 * pickle come from one bump allocator owned by the root, the input is copied once and valid
 * strings point into that copy, and the stack, mark and memo arrays start on the C stack.
 *
 * This file holds the entry points, the memory, the stack and memo, and the opcodes; the
 * other files of the decoder are listed in ld-pickle-private.h. */

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

const char *
ld_pickle_kind_name (const LdPickleValue *v)
{
  static const char *const names[] = {
    "None", "bool", "int", "int", "float", "str", "bytes", "list", "tuple", "set", "dict",
    "object",
  };

  return names[v->kind];
}

/* Sets the error, always naming the byte offset and, inside an opcode, the opcode. */
gboolean
ld_pickle_fail (Decoder *d, LdPickleError code, const char *format, ...)
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
  return ld_pickle_fail (d, LD_PICKLE_ERROR_INVALID, _("stack underflow"));
}

gboolean
ld_pickle_fail_type (Decoder *d, const char *what, const LdPickleValue *v)
{
  return ld_pickle_fail (d, LD_PICKLE_ERROR_INVALID, _("%s, not %s"), what,
                         ld_pickle_kind_name (v));
}

/* Memory
 *
 * alloc() and new_value(), which every file of the decoder calls, are inline in
 * ld-pickle-private.h; the chunks behind them are managed here. */

static gboolean
charge (Decoder *d, gsize bytes)
{
  gsize max = d->limits->max_total_bytes;

  if (G_LIKELY (d->bytes <= max && bytes <= max - d->bytes))
    {
      d->bytes += bytes;
      return TRUE;
    }
  return ld_pickle_fail (d, LD_PICKLE_ERROR_LIMIT, _("needs more than %lu bytes of memory"),
                         (gulong) max);
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

G_GNUC_NO_INLINE gpointer
ld_pickle_alloc_slow (Decoder *d, gsize size)
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
    return ld_pickle_fail (d, LD_PICKLE_ERROR_LIMIT, _("more than %lu nested MARKs"),
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
    return ld_pickle_fail (d, LD_PICKLE_ERROR_INVALID, _("no MARK to pop"));
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
        return ld_pickle_fail (d, LD_PICKLE_ERROR_LIMIT,
                               _("memo index %lu is over the limit of %lu"), (gulong) pos,
                               (gulong) d->limits->max_memo);
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
    return ld_pickle_fail (d, LD_PICKLE_ERROR_INVALID, _("memo key %lu not found"), (gulong) pos);
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
  return ld_pickle_fail (d, LD_PICKLE_ERROR_TRUNCATED, _("truncated: needs %lu bytes, %lu left"),
                         (gulong) n, (gulong) (d->len - d->pos));
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
    return ld_pickle_fail (d, LD_PICKLE_ERROR_TRUNCATED, _("truncated: no end of line"));
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
    return ld_pickle_fail (d, LD_PICKLE_ERROR_INVALID, _("invalid memo index"));
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
  return push (d, ld_pickle_new_int_from_text (d, line, n));
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
  return push (d, ld_pickle_new_int_from_text (d, line, n));
}

static gboolean
op_long_bytes (Decoder *d, guint size)
{
  gsize start, n;

  if (size == 4 && d->len - d->pos >= 4 && (d->data[d->pos + 3] & 0x80))
    return ld_pickle_fail (d, LD_PICKLE_ERROR_INVALID, _("negative byte count"));
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
    return ld_pickle_fail (d, LD_PICKLE_ERROR_INVALID, _("invalid float text"));
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
  return push (d, ld_pickle_new_raw_unicode_str (d, line, n));
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
    return ld_pickle_fail (d, LD_PICKLE_ERROR_INVALID, _("the argument must be quoted"));
  return push (d, ld_pickle_new_py2_str (d, line + 1, ld_pickle_escape_decode (line + 1, n - 2)));
}

static gboolean
op_binstring (Decoder *d, guint size)
{
  gsize start, n;

  if (size == 4 && d->len - d->pos >= 4 && (d->data[d->pos + 3] & 0x80))
    return ld_pickle_fail (d, LD_PICKLE_ERROR_INVALID, _("negative byte count"));
  if (!read_payload (d, size, &start, &n))
    return FALSE;
  return push (d, ld_pickle_new_py2_str (d, d->copy + start, n));
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
  v = ld_pickle_new_sequence (d, kind, d->stack + start, d->stack_len - start);
  d->stack_len = start;
  return push (d, v);
}

static gboolean
op_tuple_n (Decoder *d, gsize n)
{
  LdPickleValue *v;

  if (d->stack_len - d->fence < n)
    return fail_underflow (d);
  v = ld_pickle_new_sequence (d, LD_PICKLE_TUPLE, d->stack + d->stack_len - n, n);
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
    return ld_pickle_fail (d, LD_PICKLE_ERROR_INVALID, _("odd number of items"));
  v = new_value (d, LD_PICKLE_DICT);
  if (v == NULL || !ld_pickle_dict_update (d, v, d->stack + start, d->stack_len - start, 2))
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
  v = ld_pickle_new_set (d, d->stack + start, d->stack_len - start, FLAG_FROZEN);
  d->stack_len = start;
  return push (d, v);
}

/* APPEND and ADDITEMS add to a list or set, or to an instance of a subclass of one. */
static gboolean
add_items (Decoder *d, LdPickleValue *target, LdPickleValue *const *items, gsize n)
{
  ObjectData *o;

  if (target->kind == LD_PICKLE_LIST)
    return ld_pickle_list_extend (d, target, items, n);
  if (target->kind == LD_PICKLE_SET && !(target->flags & FLAG_FROZEN))
    return ld_pickle_dict_update (d, target, items, n, 1);
  if (target->kind != LD_PICKLE_OBJECT)
    return ld_pickle_fail_type (d, _("can only add items to a list or a set"), target);
  o = target->object;
  if (o->list_items == NULL && (o->list_items = new_value (d, LD_PICKLE_LIST)) == NULL)
    return FALSE;
  return ld_pickle_list_extend (d, o->list_items, items, n);
}

static gboolean
set_items (Decoder *d, LdPickleValue *target, LdPickleValue *const *items, gsize n)
{
  ObjectData *o;

  if (target->kind == LD_PICKLE_DICT)
    return ld_pickle_dict_update (d, target, items, n, 2);
  if (target->kind != LD_PICKLE_OBJECT)
    return ld_pickle_fail_type (d, _("can only set items of a dict"), target);
  o = target->object;
  if (o->dict_items == NULL && (o->dict_items = new_value (d, LD_PICKLE_DICT)) == NULL)
    return FALSE;
  return ld_pickle_dict_update (d, o->dict_items, items, n, 2);
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
    return ld_pickle_fail (d, LD_PICKLE_ERROR_INVALID, _("odd number of items"));
  if (pairs)
    ok = set_items (d, d->stack[start - 1], d->stack + start, n);
  else
    ok = add_items (d, d->stack[start - 1], d->stack + start, n);
  d->stack_len = start;
  return ok;
}

/* Opcodes: globals and objects */

/* Text usable as a C string: a GLOBAL line or a str, made valid UTF-8 when it is not. */
static const char *
line_text (Decoder *d, char *s, gsize n)
{
  LdPickleValue *v = new_str (d, s, n);

  return v != NULL ? v->str : NULL;
}

static gboolean
op_global (Decoder *d)
{
  const char *module = NULL, *name = NULL;
  char *line;
  gsize n;

  if (!read_line (d, &line, &n) || (module = line_text (d, line, n)) == NULL ||
      !read_line (d, &line, &n) || (name = line_text (d, line, n)) == NULL)
    return FALSE;
  return push (d, ld_pickle_new_global (d, module, name));
}

static gboolean
op_stack_global (Decoder *d)
{
  LdPickleValue *module, *name;

  if (!pop (d, &name) || !pop (d, &module))
    return FALSE;
  if (module->kind != LD_PICKLE_STR || name->kind != LD_PICKLE_STR)
    return ld_pickle_fail (d, LD_PICKLE_ERROR_INVALID, _("module and name must be str"));
  return push (d, ld_pickle_new_global (d, module->str, name->str));
}

static gboolean
op_reduce (Decoder *d)
{
  LdPickleValue *args, *callable, *result;

  if (!pop (d, &args) || !peek (d, &callable))
    return FALSE;
  if (args->kind != LD_PICKLE_TUPLE)
    return ld_pickle_fail_type (d, _("the arguments must be a tuple"), args);
  if ((result = ld_pickle_make_call (d, callable, args, NULL, FALSE)) == NULL)
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
    return ld_pickle_fail_type (d, _("the arguments must be a tuple"), args);
  if (kwargs != NULL && kwargs->kind != LD_PICKLE_DICT)
    return ld_pickle_fail_type (d, _("the keyword arguments must be a dict"), kwargs);
  return push (d, ld_pickle_make_call (d, cls, args, kwargs, FALSE));
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
  args = ld_pickle_new_sequence (d, LD_PICKLE_TUPLE, d->stack + first, d->stack_len - first);
  d->stack_len = start;
  return args != NULL && push (d, ld_pickle_make_call (d, cls, args, NULL, FALSE));
}

static gboolean
op_build (Decoder *d)
{
  LdPickleValue *state, *target;

  if (!pop (d, &state) || !peek (d, &target))
    return FALSE;
  if (target->kind != LD_PICKLE_OBJECT)
    return ld_pickle_fail_type (d, _("can only set the state of an object"), target);
  return ld_pickle_object_set_state (d, target->object, state);
}

/* Opcodes: framing */

static gboolean
op_proto (Decoder *d)
{
  guint64 version;

  if (!read_uint (d, 1, &version))
    return FALSE;
  if (version > 5)
    return ld_pickle_fail (d, LD_PICKLE_ERROR_UNSUPPORTED, _("unsupported protocol %u"),
                           (guint) version);
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
  return ld_pickle_fail (d, LD_PICKLE_ERROR_UNSUPPORTED, _("not supported"));
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
      return ld_pickle_fail (d, LD_PICKLE_ERROR_BAD_OPCODE, _("unknown opcode"));
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
  return ld_pickle_fail (d, LD_PICKLE_ERROR_TRUNCATED, _("truncated: no STOP opcode"));
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
