// SPDX-License-Identifier: GPL-3.0-or-later
//
// What the files of the JSON normaliser share: the rule and dialect tables' types, the key
// index, and the Normalizer that walks one object into one record.  The helpers that run for
// every field are static inline here, so that splitting the normaliser into files made no
// call of what used to be inlined.  ld-json-normalize.c explains how an object becomes a
// record; the other files each hold one part of that: ld-json-dialects.c (the tables and
// detection), ld-json-time-level.c (time and level readers), ld-json-templates.c (Serilog
// message templates), ld-json-otlp.c (OTLP's values and whole exports) and ld-json-read.c
// (newline-delimited text, arrays and bad values).

#pragma once

#include <string.h>

#include "ld-json-normalize.h"

G_BEGIN_DECLS

typedef enum
{
  ROLE_EXTRA,
  ROLE_DROP,
  ROLE_TIME,
  ROLE_LEVEL,
  ROLE_LEVEL_NAME,
  ROLE_LOGGER,
  ROLE_MESSAGE,
  ROLE_TEMPLATE,        /* a Serilog message template, rendered when there is no message */
  ROLE_EXCEPTION,
  ROLE_ERROR_TYPE,      /* with ROLE_ERROR_MESSAGE, the exception when no trace is given */
  ROLE_ERROR_MESSAGE,
  ROLE_STACK,
  ROLE_THREAD,          /* a number here is a thread id */
  ROLE_THREAD_ID,
  ROLE_PROCESS,
  ROLE_PROCESS_NAME,
  ROLE_TASK,
  ROLE_FILE,
  ROLE_FILENAME,        /* Python's base name of the file: dropped when it is just that */
  ROLE_MODULE,          /* Python's file name without extension: the same */
  ROLE_LINE,
  ROLE_FUNCTION,
  ROLE_CALLER,          /* "file:line", as zap and logrus write it */
  ROLE_CONNECTION,
  ROLE_PEER,
  ROLE_PROTOCOL,
  ROLE_HOST,
  ROLE_SERVICE,
  ROLE_TRACE_ID,
  ROLE_SPAN_ID,
  N_SLOTS,
  ROLE_OTLP_BODY = N_SLOTS, /* an OTLP AnyValue, the message */
  ROLE_OTLP_ATTRIBUTES,     /* [{key, value: AnyValue}], each a field of its own */
  ROLE_EXTRA_OBJECT,        /* Logdeck's own "extra": its members are fields, unprefixed */
} Role;

typedef enum
{
  CONV_NONE,
  CONV_TEXT,            /* a number is kept as text, not taken for an id */
  CONV_TIME_S,
  CONV_TIME_MS,
  CONV_TIME_NS,
  CONV_TIME_AUTO,
  CONV_LEVEL_PYTHON,
  CONV_LEVEL_SYSLOG,
  CONV_LEVEL_PINO,
  CONV_LEVEL_OTEL,
  CONV_LEVEL_SLOG,
} Conv;

enum
{
  F_FALLBACK  = 1 << 0, /* dropped, not kept as an extra, when a higher rank fills the field */
  F_KEEP      = 1 << 1, /* also kept as an extra field */
  F_DROP_NULL = 1 << 2, /* an extra field that is left out when null */
};

typedef struct
{
  const char *path;
  guint8      role;
  guint8      conv;
  guint8      rank;
  guint8      flags;
} Rule;

enum
{
  D_SPLIT_TRACEBACK  = 1 << 0, /* the message may end with Python's formatted traceback */
  D_STRIP_UNDERSCORE = 1 << 1, /* GELF: "_user" is the field "user" */
  D_UNESCAPE_AT      = 1 << 2, /* CLEF: "@@x" is the property "@x" */
  D_OTLP_EXPORT      = 1 << 3, /* a whole OTLP export: one record per logRecord */
  D_PYTHON_ARGS      = 1 << 4, /* msg and args may come apart: the message is msg % args */
};

typedef struct
{
  const char *name;
  const char *signature;
  const Rule *rules;
  guint       flags;
} Dialect;

/* The number of entries in _ld_json_dialects, which ld-json-dialects.c checks. */
#define N_DIALECTS       19
#define DIALECT_OTLP     1
#define SCOPE_NAME       "otel.scope.name"
#define MAX_ALTERNATIVES 4
#define N_KINDS          (LD_JSON_OBJECT + 1)

/* Every path any rule or signature names, in one hash table built once: a key's entry says
 * which signature bits it sets (by the value's kind) and which rule each dialect has. */
typedef struct
{
  const char *path;
  guint32     len;
  guint32     hash;
  guint64     signature[N_KINDS];
  const Rule *rules[N_DIALECTS];
} Entry;

typedef struct
{
  Entry  **slots;
  guint32  mask;
  guint64  alternatives[N_DIALECTS][MAX_ALTERNATIVES];
  guint    n_alternatives[N_DIALECTS];
} Index;

typedef struct
{
  guint64 mantissa;  /* up to 18 significant digits */
  int     exponent;  /* the value is mantissa × 10^exponent */
  int     digits;    /* significant digits in mantissa */
  gboolean negative;
} Decimal;

typedef struct
{
  const char       *key;
  gsize             key_len;
  LdValueType       type;
  const char       *text;  /* NULL for null */
  gsize             len;
  const LdJsonNode *node;  /* an array or object, written out as JSON when kept */
} Field;

typedef struct
{
  Field    field;
  gint64   number;  /* the time, level or id the role reads from the field */
  guint8   rank;
  guint8   flags;
  guint8   conv;
} Slot;

typedef struct
{
  LdBatch             *batch;
  const LdJsonContext *ctx;
  LdJsonParser        *parser;
  gboolean             owns_parser;
  const Index         *index;
  guint                dialect;
  const LdJsonNode    *object;
  guint32              filled;   /* which slots are set, by role */
  Slot                 slots[N_SLOTS];
  Field               *extras;
  guint                n_extras;
  guint                extras_size;
  const Entry        **entries;  /* the index entries of the object's keys */
  guint                entries_size;
  GString             *scratch;  /* made when first needed */
  gint64               now;      /* 0 until a record needs it */
  guint                added;
  GError              *first_error;
  const char          *text;
  gsize                len;
  gsize                counted;  /* lines are counted up to here */
  gsize                line;     /* the line at counted */
  /* Most records fit here, so that normalising a line allocates nothing. */
  Field                extras_inline[32];
  const Entry         *entries_inline[64];
} Normalizer;

extern const Dialect _ld_json_dialects[N_DIALECTS];

/* ld-json-dialects.c */
const Index      *_ld_json_get_index              (void);
guint             _ld_json_detect                 (const Index       *index,
                                                   const LdJsonNode  *object,
                                                   const Entry      **entries);

/* ld-json-time-level.c */
gboolean          _ld_json_read_decimal           (const char        *text,
                                                   gsize              len,
                                                   Decimal           *d);
const char       *_ld_json_otel_severity_name     (int                severity_number);
gboolean          _ld_json_level_from_name        (const char        *text,
                                                   gsize              len,
                                                   int               *level);
gboolean          _ld_json_level_from_slog_name   (const char        *text,
                                                   gsize              len,
                                                   int               *level);

/* ld-json-templates.c */
void              _ld_json_render_template        (const LdJsonNode  *object,
                                                   const char        *text,
                                                   gsize              len,
                                                   GString           *out);

/* ld-json-otlp.c */
void              _ld_json_otlp_body              (Normalizer        *n,
                                                   const char        *path,
                                                   gsize              len,
                                                   const LdJsonNode  *value,
                                                   Field             *field);
void              _ld_json_walk_otlp_attributes   (Normalizer        *n,
                                                   const LdJsonNode  *attributes,
                                                   const char        *prefix,
                                                   gsize              prefix_len,
                                                   guint8             bias);
void              _ld_json_read_otlp_export       (Normalizer        *n,
                                                   const LdJsonNode  *export);

/* ld-json-normalize.c */
void              _ld_json_assign                 (Normalizer        *n,
                                                   const Rule        *rule,
                                                   guint8             rank,
                                                   const Field       *field);
void              _ld_json_walk_member            (Normalizer        *n,
                                                   const char        *path,
                                                   gsize              len,
                                                   const Rule        *rule,
                                                   const LdJsonNode  *value,
                                                   guint8             bias);
void              _ld_json_walk_object            (Normalizer        *n,
                                                   const LdJsonNode  *object,
                                                   const char        *prefix,
                                                   gsize              prefix_len,
                                                   guint8             bias);
void              _ld_json_begin_record           (Normalizer        *n,
                                                   guint              dialect,
                                                   const LdJsonNode  *object);
void              _ld_json_emit_record            (Normalizer        *n);
void              _ld_json_normalize_object       (Normalizer        *n,
                                                   const LdJsonNode  *object);

/* ld-json-read.c */
void              _ld_json_report                 (Normalizer        *n,
                                                   GError            *error,
                                                   gsize              offset,
                                                   gsize              start,
                                                   gsize              end);
void              _ld_json_read_text              (Normalizer        *n);

/* Helpers for every key and field, inlined where they are used. */

/* Keys are short, so a plain loop beats a call to memcmp(). */
static inline gboolean
same_bytes (const char *a,
            const char *b,
            gsize       len)
{
  for (gsize i = 0; i < len; i++)
    if (a[i] != b[i])
      return FALSE;
  return TRUE;
}

static inline const Entry *
index_lookup (const Index *index,
              const char  *path,
              gsize        len,
              guint32      hash)
{
  for (guint32 i = hash & index->mask;; i = (i + 1) & index->mask)
    {
      const Entry *entry = index->slots[i];

      if (entry == NULL)
        return NULL;
      if (entry->hash == hash && entry->len == len && same_bytes (entry->path, path, len))
        return entry;
    }
}

static inline gboolean
is_filled (const Normalizer *n,
           Role              role)
{
  return (n->filled & (1u << role)) != 0;
}

static inline GString *
scratch (Normalizer *n)
{
  if (n->scratch == NULL)
    n->scratch = g_string_new (NULL);
  g_string_truncate (n->scratch, 0);
  return n->scratch;
}

static inline void
field_from_node (Field            *field,
                 const char       *key,
                 gsize             key_len,
                 const LdJsonNode *node)
{
  static const LdValueType types[] = {
    [LD_JSON_NULL] = LD_VALUE_NULL, [LD_JSON_FALSE] = LD_VALUE_BOOL,
    [LD_JSON_TRUE] = LD_VALUE_BOOL, [LD_JSON_NUMBER] = LD_VALUE_NUMBER,
    [LD_JSON_STRING] = LD_VALUE_STRING, [LD_JSON_ARRAY] = LD_VALUE_JSON,
    [LD_JSON_OBJECT] = LD_VALUE_JSON,
  };

  field->key = key;
  field->key_len = key_len;
  field->type = types[node->kind];
  field->text = node->kind == LD_JSON_NULL ? NULL : node->text;
  field->len = node->len;
  field->node = field->type == LD_VALUE_JSON ? node : NULL;
}

static inline char *
copy_text (Normalizer *n,
           const char *text,
           gsize       len)
{
  char *copy = ld_json_parser_alloc (n->parser, len + 1);

  memcpy (copy, text, len);
  copy[len] = '\0';
  return copy;
}

static inline gboolean
parse_int64 (const char *text,
             gsize       len,
             gint64     *value)
{
  Decimal d;
  guint64 magnitude = 0;

  /* Most integers in logs are short and plain. */
  if (len > 0 && len <= 18 && text[0] != '-')
    {
      gsize i;

      for (i = 0; i < len && text[i] >= '0' && text[i] <= '9'; i++)
        magnitude = magnitude * 10 + (text[i] - '0');
      if (i == len)
        {
          *value = magnitude;
          return TRUE;
        }
    }

  if (!_ld_json_read_decimal (text, len, &d) || d.exponent != 0 || d.digits > 18)
    return FALSE;
  magnitude = d.mantissa;
  *value = d.negative ? -(gint64) magnitude : (gint64) magnitude;
  return TRUE;
}

static inline gboolean
field_to_int64 (const Field *field,
                gint64      *value)
{
  if (field->type != LD_VALUE_NUMBER && field->type != LD_VALUE_STRING)
    return FALSE;
  return parse_int64 (field->text, field->len, value);
}

static inline void
keep_extra (Normalizer  *n,
            const Field *field)
{
  if (G_UNLIKELY (n->n_extras == n->extras_size))
    {
      Field *bigger = g_new (Field, n->extras_size * 2);

      memcpy (bigger, n->extras, n->n_extras * sizeof (Field));
      if (n->extras != n->extras_inline)
        g_free (n->extras);
      n->extras = bigger;
      n->extras_size *= 2;
    }
  n->extras[n->n_extras++] = *field;
}

static inline const Rule *
rule_for (Normalizer  *n,
          const char  *path,
          gsize        len,
          guint32      hash)
{
  const Entry *entry = index_lookup (n->index, path, len, hash);

  return entry != NULL ? entry->rules[n->dialect] : NULL;
}

static inline const char *
join_path (Normalizer *n,
           const char *prefix,
           gsize       prefix_len,
           const char *key,
           gsize       key_len,
           gsize      *len)
{
  char *path;

  if (prefix == NULL)
    {
      *len = key_len;
      return key;
    }
  *len = prefix_len + 1 + key_len;
  path = ld_json_parser_alloc (n->parser, *len);
  memcpy (path, prefix, prefix_len);
  path[prefix_len] = '.';
  memcpy (path + prefix_len + 1, key, key_len);
  return path;
}

G_END_DECLS
