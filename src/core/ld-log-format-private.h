// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <locale.h>

#include "ld-log-format.h"
#include "ld-pyformat.h"

G_BEGIN_DECLS

/* What ld-log-format.c (compiling a format string) and
 * ld-log-format-render.c (formatting records with it) share: the compiled
 * form. */

/* The LogRecord attributes a field can name (their names and types are in
 * ld-log-format.c), or an extra field. */
typedef enum
{
  ATTR_ASCTIME,
  ATTR_CREATED,
  ATTR_MSECS,
  ATTR_RELATIVE_CREATED,
  ATTR_LEVELNAME,
  ATTR_LEVELNO,
  ATTR_NAME,
  ATTR_MESSAGE,
  ATTR_MSG,
  ATTR_PATHNAME,
  ATTR_FILENAME,
  ATTR_MODULE,
  ATTR_LINENO,
  ATTR_FUNCNAME,
  ATTR_THREAD,
  ATTR_THREADNAME,
  ATTR_PROCESS,
  ATTR_PROCESSNAME,
  ATTR_TASKNAME,
  ATTR_EXC_TEXT,
  ATTR_STACK_INFO,
  N_ATTRS,
  ATTR_EXTRA = N_ATTRS,
} Attr;

/* A conversion: printf-style flags map onto the fields of a format spec. */
typedef struct
{
  gunichar fill;
  char     align;       /* '<', '>', '^', '=' or 0 for the type's default */
  char     sign;        /* '+', '-', ' ' or 0 */
  gboolean alternate;   /* '#' */
  gboolean zero;        /* '0' */
  int      width;
  char     grouping;    /* ',', '_' or 0 */
  int      precision;   /* -1 if not given */
  char     type;        /* the conversion letter, or 0 */
} Spec;

typedef struct
{
  gsize    literal_start;  /* in LdLogFormat.literals */
  gsize    literal_len;
  Attr     attr;
  char    *name;
  guint32  key;            /* for an extra field, the interned name */
  char     conversion;     /* "{" style: 'r', 's', 'a' or 0 */
  gboolean has_spec;       /* "{" style: a non-empty spec was given */
  Spec     spec;
  LdPyformatSpec percent;  /* "%" style: the spec as msg % args reads it */
} Part;

struct _LdLogFormat
{
  LdLogStyle  style;
  GString    *literals;
  GArray     *parts;         /* Part */
  gsize       tail_start;
  gsize       tail_len;
  char       *datefmt;
  gboolean    utc;
  gboolean    uses_asctime;
  locale_t    c_locale;

  gint64      asctime_second;
  GString    *asctime;       /* of asctime_second, without the milliseconds */
  GString    *asctime_msecs;
  GString    *scratch;
};

G_END_DECLS
