// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ld-query.h"
#include "ld-text-search.h"

G_BEGIN_DECLS

/* The fields a term can test. */
typedef enum
{
  LD_FIELD_MESSAGE,
  LD_FIELD_EXCEPTION,
  LD_FIELD_STACK,
  LD_FIELD_LOGGER,
  LD_FIELD_THREAD,
  LD_FIELD_CONNECTION,
  LD_FIELD_PEER,
  LD_FIELD_PROTOCOL,
  LD_FIELD_HOST,
  LD_FIELD_SERVICE,
  LD_FIELD_FILE,
  LD_FIELD_FUNCTION,
  LD_FIELD_PROCESS,
  LD_FIELD_TASK,
  LD_FIELD_LEVEL,
  LD_FIELD_LINE,
  LD_FIELD_PID,
  LD_FIELD_THREAD_ID,
  LD_FIELD_TIME,
  LD_FIELD_EXTRA,      /* an extra field named by the node's key */
  LD_FIELD_ANY_EXTRA,  /* has:extra */
} LdField;

typedef enum
{
  LD_NODE_AND,
  LD_NODE_OR,
  LD_NODE_NOT,
  LD_NODE_TEXT,     /* message, exception or stack text */
  LD_NODE_REGEX,    /* the message against a regex */
  LD_NODE_ID,       /* an interned field, through a per-id verdict cache */
  LD_NODE_NUMBER,   /* level, line, pid, thread id */
  LD_NODE_TIME,
  LD_NODE_EXTRA,
  LD_NODE_HAS,
  LD_NODE_WS,       /* ws:KIND, a websockets debug prefix: its LdWsKind in number */
  LD_NODE_MARKED,   /* is:marked, through the query's mark function */
} LdNodeKind;

typedef enum
{
  LD_OP_CONTAINS,   /* :  */
  LD_OP_EQUAL,      /* =  */
  LD_OP_SUBTREE,    /* logger:a.b. */
  LD_OP_LT,
  LD_OP_LE,
  LD_OP_GT,
  LD_OP_GE,
} LdOp;

typedef struct _LdNode LdNode;

struct _LdNode
{
  LdNodeKind    kind;
  LdField       field;
  LdOp          op;
  guint         offset;      /* where the term starts in the query text */
  gboolean      plain;       /* a bare word or phrase, not message:… */

  const char   *name;        /* the field name to print, static; NULL for extras */
  char         *key;         /* an extra field's name */
  gboolean      key_prefix;  /* print the key as extra.KEY: KEY alone names a field */
  char         *value;       /* the value as written, unquoted */

  GPtrArray    *children;    /* AND, OR, NOT: in the order written */
  LdNode      **eval;        /* the same, cheapest first */

  LdTextNeedle *needle;      /* substring terms */
  GRegex       *regex;
  char          regex_flags[4];
  LdTextNeedle *prefilter;   /* a literal every regex match contains */
  gboolean      caseless;

  gint64        number;      /* level, number, time in µs */
  double        real;        /* numeric comparison on an extra field */

  guint8       *verdicts;    /* per interned id: 0 not known yet, 1 match, 2 not */
  guint         n_verdicts;

  LdQueryMarkFunc mark_func; /* is:marked: set by ld_query_set_mark_func() */
  gpointer        mark_data;
};

LdNode   *ld_node_new           (LdNodeKind    kind,
                                 guint         offset);
void      ld_node_free          (LdNode       *node);
void      ld_node_add_child     (LdNode       *node,
                                 LdNode       *child);
void      ld_node_prepare       (LdNode       *node);
LdNode   *ld_query_parse_nodes  (const char   *text,
                                 gint64        now_us,
                                 gboolean     *relative,
                                 GError      **error);
void      ld_query_set_error    (GError      **error,
                                 LdQueryError  code,
                                 gsize         offset,
                                 const char   *format,
                                 ...) G_GNUC_PRINTF (4, 5);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LdNode, ld_node_free)

G_END_DECLS
