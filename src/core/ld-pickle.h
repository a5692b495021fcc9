// SPDX-License-Identifier: GPL-3.0-or-later
//
// A safe decoder for Python pickles, as sent by logging.handlers.SocketHandler and
// DatagramHandler.  It never imports or calls anything: objects that a pickle would build by
// calling code become readable placeholders (LD_PICKLE_OBJECT).

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define LD_PICKLE_ERROR (ld_pickle_error_quark ())

typedef enum
{
  LD_PICKLE_ERROR_TRUNCATED,
  LD_PICKLE_ERROR_BAD_OPCODE,
  LD_PICKLE_ERROR_LIMIT,
  LD_PICKLE_ERROR_UNSUPPORTED,
  LD_PICKLE_ERROR_INVALID,
} LdPickleError;

typedef enum
{
  LD_PICKLE_NONE,
  LD_PICKLE_BOOL,
  LD_PICKLE_INT,
  LD_PICKLE_BIGINT,
  LD_PICKLE_FLOAT,
  LD_PICKLE_STR,
  LD_PICKLE_BYTES,
  LD_PICKLE_LIST,
  LD_PICKLE_TUPLE,
  LD_PICKLE_SET,
  LD_PICKLE_DICT,
  LD_PICKLE_OBJECT,
} LdPickleKind;

/* Values live in one block owned by the root that ld_pickle_decode() returns; only that root
 * may be freed.  The values form a graph, not always a tree: the pickle memo can share a value
 * and even make cycles, as Python allows.  to_display() and to_json() cope with both (they
 * write "[...]" for a cycle, stop nesting at depth 100 and stop adding items past 1 MiB);
 * code that walks values itself must bound its depth too.  Values never change once decoded,
 * so any thread may read them; ld_pickle_decode() may run in several threads at once. */
typedef struct _LdPickleValue LdPickleValue;

typedef struct
{
  gsize max_depth;       /* MARK nesting */
  gsize max_memo;        /* highest memo index + 1 */
  gsize max_int_digits;  /* decimal digits of one integer */
  gsize max_allocations; /* values built for one pickle */
  gsize max_total_bytes; /* memory used for one pickle, input copy included */
} LdPickleLimits;

#define LD_PICKLE_DEFAULT_MAX_DEPTH       1000
#define LD_PICKLE_DEFAULT_MAX_MEMO        100000
#define LD_PICKLE_DEFAULT_MAX_INT_DIGITS  10000
#define LD_PICKLE_DEFAULT_MAX_ALLOCATIONS 5000000
#define LD_PICKLE_DEFAULT_MAX_TOTAL_BYTES (64 * 1024 * 1024)

/* One value as the record mapping reads it, whether it comes from a tree or from
 * ld_pickle_scan_dict(). */
typedef struct
{
  LdPickleKind         kind;
  const char          *text;   /* STR and BIGINT: valid UTF-8, nul-terminated */
  gsize                length; /* of text */
  gint64               i;      /* INT, and BOOL as 0 or 1 */
  double               f;      /* FLOAT */
  const LdPickleValue *tree;   /* the value in its tree, or NULL from ld_pickle_scan_dict() */
} LdPickleView;

typedef struct
{
  LdPickleView key;
  LdPickleView value;
} LdPickleViewEntry;

GQuark               ld_pickle_error_quark            (void);

void                 ld_pickle_limits_init_default    (LdPickleLimits       *limits);

LdPickleValue       *ld_pickle_decode                 (const guint8         *data,
                                                       gsize                 len,
                                                       const LdPickleLimits *limits,
                                                       GError              **error);
void                 ld_pickle_value_free             (LdPickleValue        *root);

gssize               ld_pickle_scan_dict              (const guint8         *data,
                                                       gsize                 len,
                                                       const LdPickleLimits *limits,
                                                       char                 *copy,
                                                       LdPickleViewEntry    *entries,
                                                       gsize                 max_entries);
void                 ld_pickle_value_view             (const LdPickleValue  *value,
                                                       LdPickleView         *view);

LdPickleKind         ld_pickle_value_kind             (const LdPickleValue  *value);
gsize                ld_pickle_value_get_length       (const LdPickleValue  *value);
gboolean             ld_pickle_value_get_bool         (const LdPickleValue  *value);
gint64               ld_pickle_value_get_int          (const LdPickleValue  *value);
double               ld_pickle_value_get_float        (const LdPickleValue  *value);
const char          *ld_pickle_value_get_string       (const LdPickleValue  *value,
                                                       gsize                *length);
const guint8        *ld_pickle_value_get_bytes        (const LdPickleValue  *value,
                                                       gsize                *length);
gboolean             ld_pickle_value_is_frozen        (const LdPickleValue  *value);
gboolean             ld_pickle_value_is_bytearray     (const LdPickleValue  *value);
const LdPickleValue *ld_pickle_value_get_item         (const LdPickleValue  *value,
                                                       gsize                 index);
const LdPickleValue *ld_pickle_value_get_key          (const LdPickleValue  *value,
                                                       gsize                 index);
const LdPickleValue *ld_pickle_value_lookup           (const LdPickleValue  *dict,
                                                       const char           *key);
const char          *ld_pickle_value_get_object_text  (const LdPickleValue  *value);
const char          *ld_pickle_value_get_object_module (const LdPickleValue *value);
const char          *ld_pickle_value_get_object_name  (const LdPickleValue  *value);
const LdPickleValue *ld_pickle_value_get_object_args  (const LdPickleValue  *value);
const LdPickleValue *ld_pickle_value_get_object_state (const LdPickleValue  *value);

char                *ld_pickle_value_to_display       (const LdPickleValue  *value);
void                 ld_pickle_value_to_json          (const LdPickleValue  *value,
                                                       GString              *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LdPickleValue, ld_pickle_value_free)

G_END_DECLS
