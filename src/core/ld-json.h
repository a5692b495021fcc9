// SPDX-License-Identifier: GPL-3.0-or-later
//
// A JSON parser for the ingest hot path.  It reads one JSON value into a flat array of nodes
// (a "tape"): a container is followed by its contents, so a subtree is a contiguous run of
// nodes and the next sibling of any node is `node + node->size`.  Strings without escapes
// point into the input; the others are decoded into an arena owned by the parser.  Nothing is
// allocated per value once the parser has warmed up.
//
// It follows RFC 8259, plus NaN, Infinity and -Infinity, which Python's json module emits.
// Strings come out as valid UTF-8: \uHHHH surrogate pairs are joined, a lone surrogate and
// every invalid input sequence become U+FFFD.  \u0000 is kept as a NUL byte, so use the
// lengths, not strlen().

#pragma once

#include <glib.h>
#include <string.h>

G_BEGIN_DECLS

#define LD_JSON_ERROR (ld_json_error_quark ())

typedef enum
{
  LD_JSON_ERROR_SYNTAX,    /* not JSON: the message says what was expected where */
  LD_JSON_ERROR_TRUNCATED, /* the text ended inside a value */
  LD_JSON_ERROR_DEPTH,     /* nested deeper than the parser's maximum depth */
  LD_JSON_ERROR_LIMIT,     /* more nodes or bytes than the limits allow */
  LD_JSON_ERROR_NOT_OBJECT, /* valid JSON, but not the object a log record must be */
} LdJsonError;

typedef enum
{
  LD_JSON_NULL,
  LD_JSON_FALSE,
  LD_JSON_TRUE,
  LD_JSON_NUMBER,
  LD_JSON_STRING,
  LD_JSON_ARRAY,
  LD_JSON_OBJECT,
} LdJsonKind;

enum
{
  LD_JSON_NUMBER_INTEGER = 1 << 0, /* no fraction, no exponent */
  LD_JSON_NUMBER_SPECIAL = 1 << 1, /* NaN, Infinity or -Infinity */
};

typedef struct
{
  guint8      kind;   /* LdJsonKind */
  guint8      flags;  /* LD_JSON_NUMBER_* for numbers */
  guint32     size;   /* nodes in this value, itself included */
  guint32     len;    /* string, number: bytes of text; array: items; object: members */
  guint32     hash;   /* object keys only: ld_json_hash() of the key */
  const char *text;   /* string: decoded UTF-8, not nul-terminated; number: its JSON text;
                       * container: where it starts in the input */
} LdJsonNode;

#define LD_JSON_DEFAULT_MAX_DEPTH 64
#define LD_JSON_DEFAULT_MAX_NODES (4 * 1024 * 1024)

typedef struct _LdJsonParser LdJsonParser;

GQuark             ld_json_error_quark        (void);

LdJsonParser      *ld_json_parser_new         (void);
void               ld_json_parser_free        (LdJsonParser      *parser);
void               ld_json_parser_set_limits  (LdJsonParser      *parser,
                                               guint              max_depth,
                                               guint              max_nodes);
const LdJsonNode  *ld_json_parser_parse       (LdJsonParser      *parser,
                                               const char        *text,
                                               gsize              len,
                                               gsize             *offset,
                                               GError           **error);

guint32            ld_json_hash               (const char        *text,
                                               gsize              len);
const LdJsonNode  *ld_json_object_get         (const LdJsonNode  *object,
                                               const char        *key,
                                               gssize             key_len);
gboolean           ld_json_node_get_int64     (const LdJsonNode  *node,
                                               gint64            *value);
gboolean           ld_json_node_get_double    (const LdJsonNode  *node,
                                               double            *value);
void               ld_json_node_to_json       (const LdJsonNode  *node,
                                               GString           *out);
char              *ld_json_parser_alloc       (LdJsonParser      *parser,
                                               gsize              size);

/* The first member of an object: its key, with the value right after it. */
static inline const LdJsonNode *
ld_json_object_first (const LdJsonNode *object)
{
  return object->len > 0 ? object + 1 : NULL;
}

/* The key after @key in the same object, or %NULL at the end: @object bounds the walk. */
static inline const LdJsonNode *
ld_json_object_next (const LdJsonNode *object,
                     const LdJsonNode *key)
{
  const LdJsonNode *next = key + 1 + key[1].size;

  return next < object + object->size ? next : NULL;
}

static inline const LdJsonNode *
ld_json_array_first (const LdJsonNode *array)
{
  return array->len > 0 ? array + 1 : NULL;
}

static inline const LdJsonNode *
ld_json_array_next (const LdJsonNode *array,
                    const LdJsonNode *item)
{
  const LdJsonNode *next = item + item->size;

  return next < array + array->size ? next : NULL;
}

static inline gboolean
ld_json_node_is (const LdJsonNode *node,
                 const char       *text,
                 gsize             len)
{
  return node->len == len && memcmp (node->text, text, len) == 0;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LdJsonParser, ld_json_parser_free)

G_END_DECLS
