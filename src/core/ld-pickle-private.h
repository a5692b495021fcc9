// SPDX-License-Identifier: GPL-3.0-or-later
//
// What the files of the pickle decoder share: the value and decoder structs, the functions
// one file defines for the others (named ld_pickle_*, hidden from outside the library), and,
// as static inline, the small helpers that run per opcode or per byte, so that the VM and the
// flat scanner still inline them.
//
//   ld-pickle.c          the decoder's entry points, memory, stack and memo, and the opcodes
//   ld-pickle-codecs.c   text and integers as pickles encode them
//   ld-pickle-value.c    lists, tuples, dicts and sets, and the public accessors
//   ld-pickle-objects.c  placeholders for objects, and datetime, Decimal, UUID and friends
//   ld-pickle-flat.c     the flat scanner, ld_pickle_scan_dict()
//   ld-pickle-display.c  ld_pickle_value_to_display() and ld_pickle_value_to_json()

#pragma once

#include <glib.h>
#include <glib/gi18n.h>
#include <string.h>

#include "ld-pickle.h"

G_BEGIN_DECLS

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

typedef enum
{
  INT_TEXT_INVALID,
  INT_TEXT_SMALL, /* fits in a gint64 */
  INT_TEXT_BIG,
} IntText;

/* ld-pickle.c */
G_GNUC_INTERNAL G_GNUC_PRINTF (3, 4)
gboolean             ld_pickle_fail                  (Decoder              *d,
                                                      LdPickleError         code,
                                                      const char           *format,
                                                      ...);
G_GNUC_INTERNAL
gboolean             ld_pickle_fail_type             (Decoder              *d,
                                                      const char           *what,
                                                      const LdPickleValue  *v);
G_GNUC_INTERNAL
const char          *ld_pickle_kind_name             (const LdPickleValue  *v);
G_GNUC_INTERNAL
gpointer             ld_pickle_alloc_slow            (Decoder              *d,
                                                      gsize                 size);

/* ld-pickle-codecs.c */
G_GNUC_INTERNAL
gboolean             ld_pickle_utf8_is_clean         (const guint8         *s,
                                                      gsize                 n);
G_GNUC_INTERNAL
LdPickleValue       *ld_pickle_new_str_slow          (Decoder              *d,
                                                      char                 *s,
                                                      gsize                 n);
G_GNUC_INTERNAL
LdPickleValue       *ld_pickle_new_raw_unicode_str   (Decoder              *d,
                                                      const char           *s,
                                                      gsize                 n);
G_GNUC_INTERNAL
LdPickleValue       *ld_pickle_new_py2_str           (Decoder              *d,
                                                      char                 *s,
                                                      gsize                 n);
G_GNUC_INTERNAL
gsize                ld_pickle_escape_decode         (char                 *s,
                                                      gsize                 n);
G_GNUC_INTERNAL
IntText              ld_pickle_parse_int_text        (const char           *s,
                                                      gsize                 n,
                                                      gint64               *value,
                                                      gboolean             *negative,
                                                      const char          **digits,
                                                      gsize                *n_digits);
G_GNUC_INTERNAL
LdPickleValue       *ld_pickle_new_int_from_text     (Decoder              *d,
                                                      const char           *s,
                                                      gsize                 n);
G_GNUC_INTERNAL
LdPickleValue       *ld_pickle_new_bigint_from_bytes (Decoder              *d,
                                                      const guint8         *b,
                                                      gsize                 n);

/* ld-pickle-value.c */
G_GNUC_INTERNAL
LdPickleValue       *ld_pickle_new_sequence          (Decoder              *d,
                                                      LdPickleKind          kind,
                                                      LdPickleValue       **items,
                                                      gsize                 n);
G_GNUC_INTERNAL
gboolean             ld_pickle_list_extend           (Decoder              *d,
                                                      LdPickleValue        *list,
                                                      LdPickleValue *const *items,
                                                      gsize                 n);
G_GNUC_INTERNAL
gboolean             ld_pickle_dict_reserve          (Decoder              *d,
                                                      LdPickleValue        *dict,
                                                      gsize                 extra);
G_GNUC_INTERNAL
gboolean             ld_pickle_dict_insert           (Decoder              *d,
                                                      LdPickleValue        *dict,
                                                      LdPickleValue        *key,
                                                      LdPickleValue        *value);
G_GNUC_INTERNAL
gboolean             ld_pickle_dict_update           (Decoder              *d,
                                                      LdPickleValue        *dict,
                                                      LdPickleValue *const *items,
                                                      gsize                 n,
                                                      gsize                 step);
G_GNUC_INTERNAL
LdPickleValue       *ld_pickle_new_set               (Decoder              *d,
                                                      LdPickleValue *const *items,
                                                      gsize                 n,
                                                      guint8                flags);
G_GNUC_INTERNAL
const LdPickleValue *ld_pickle_dict_lookup           (const LdPickleValue  *dict,
                                                      const char           *key,
                                                      gsize                 len);

/* ld-pickle-objects.c */
G_GNUC_INTERNAL
LdPickleValue       *ld_pickle_new_global            (Decoder              *d,
                                                      const char           *module,
                                                      const char           *name);
G_GNUC_INTERNAL
LdPickleValue       *ld_pickle_make_call             (Decoder              *d,
                                                      LdPickleValue        *callable,
                                                      LdPickleValue        *args,
                                                      LdPickleValue        *kwargs,
                                                      gboolean              nested);
G_GNUC_INTERNAL
gboolean             ld_pickle_object_set_state      (Decoder              *d,
                                                      ObjectData           *o,
                                                      LdPickleValue        *state);

/* ld-pickle-display.c */
G_GNUC_INTERNAL
void                 ld_pickle_walk                  (GString              *out,
                                                      const LdPickleValue  *v,
                                                      gboolean              json,
                                                      gboolean              top,
                                                      gsize                 budget);

/* Helpers that run per opcode or per byte, inlined where they are used */

/* Returns memory aligned for any value, or NULL with the error set. */
static inline gpointer
alloc (Decoder *d, gsize size)
{
  guint8 *p = d->bump;

  if (G_UNLIKELY (size > G_MAXSIZE - 8))
    return ld_pickle_fail (d, LD_PICKLE_ERROR_LIMIT, _("allocation too large")), NULL;
  size = (size + 7) & ~(gsize) 7;
  if (G_UNLIKELY ((gsize) (d->bump_end - p) < size))
    return ld_pickle_alloc_slow (d, size);
  d->bump = p + size;
  return p;
}

static inline gpointer
alloc_array (Decoder *d, gsize n, gsize size)
{
  if (n > G_MAXSIZE / size)
    return ld_pickle_fail (d, LD_PICKLE_ERROR_LIMIT, _("allocation too large")), NULL;
  return alloc (d, n * size);
}

static inline LdPickleValue *
new_value (Decoder *d, LdPickleKind kind)
{
  LdPickleValue *v;

  if (G_UNLIKELY (++d->values > d->max_values))
    return ld_pickle_fail (d, LD_PICKLE_ERROR_LIMIT, _("more than %lu values"),
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

/* A str from UTF-8 at s, which must be writable at s[n]: clean text is used in place. */
static G_ALWAYS_INLINE inline LdPickleValue *
new_str (Decoder *d, char *s, gsize n)
{
  LdPickleValue *v;

  if (G_UNLIKELY (!is_ascii (s, n)))
    return ld_pickle_new_str_slow (d, s, n);
  if ((v = new_value (d, LD_PICKLE_STR)) == NULL)
    return NULL;
  s[n] = '\0';
  v->str = s;
  v->len = n;
  return v;
}

static inline LdPickleValue *
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

static inline LdPickleValue *
new_int (Decoder *d, gint64 i)
{
  LdPickleValue *v = new_value (d, LD_PICKLE_INT);

  if (v != NULL)
    v->i = i;
  return v;
}

/* The little-endian two's complement bytes of LONG1 and LONG4. */
static inline LdPickleValue *
new_int_from_bytes (Decoder *d, const guint8 *b, gsize n)
{
  guint64 value;

  /* Drop sign-extension bytes, so that small numbers take the fast path. */
  while (n > 1 && ((b[n - 1] == 0x00 && b[n - 2] < 0x80) || (b[n - 1] == 0xFF && b[n - 2] >= 0x80)))
    n--;
  if (n > 8)
    return ld_pickle_new_bigint_from_bytes (d, b, n);
  value = read_le (b, (guint) n);
  if (n > 0 && n < 8 && (b[n - 1] & 0x80))
    value |= ~G_GUINT64_CONSTANT (0) << (8 * n);
  return new_int (d, (gint64) value);
}

static inline gboolean
is_container (const LdPickleValue *value)
{
  return value->kind >= LD_PICKLE_LIST && value->kind <= LD_PICKLE_DICT;
}

G_END_DECLS
