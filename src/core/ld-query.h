// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib-object.h>

#include "ld-record.h"

G_BEGIN_DECLS

/* The query language of the filter bar and of `logdeck --filter`.
 *
 * Terms are separated by spaces and must all match (AND). `a OR b` matches
 * if either does, and binds tighter than the implicit AND: `a b OR c d` is
 * a AND (b OR c) AND d. Parentheses group: `(a b) OR c`. A leading `-`
 * negates a term or a group: `-websockets`, `-(a OR b)`; a word that starts
 * with `--` is a word. `AND` may be written out; lower-case `or` and `and`
 * are plain words.
 *
 * Text in the message:
 *   timeout           case-insensitive substring (see ld-text-search.h for
 *                     exactly what case-insensitive covers)
 *   "connection lost" a phrase; \" and \\ escape inside quotes. Quotes make
 *                     a word plain text that would otherwise read as
 *                     something else: `name:x`, `name=x`, `name<x` (a name
 *                     starts with a letter, _ or @, so URLs such as
 *                     http://x are field terms unless quoted), a leading -
 *                     or (, /…/ as below, OR, AND
 *   /time(out|d)/     a regex (GRegex, optimised), searched in the message.
 *                     Smart case: case-insensitive unless the pattern has an
 *                     upper-case letter outside an escape; flags after the
 *                     closing slash: i (ignore case anyway), m (^ and $ at
 *                     lines), s (. matches newlines). A token that starts
 *                     with / but does not end in /FLAGS is a plain word, so
 *                     /api/v1/items searches for that text
 *
 * Fields, `name:value` or `name=value` (value bare or quoted):
 *   logger:spam       case-insensitive substring, as thread: and conn: are
 *                     (spam_application, eggs.spam)
 *   logger:acme.api.  with a trailing dot: that logger and its descendants
 *                     (acme.api, acme.api.x, not acme.apix), compared
 *                     case-sensitively, as Python names loggers
 *   logger=acme.api   only that logger
 *   thread: conn: (or connection:) peer: protocol: host: service: file:
 *   function: (or func:) process: (process name) task:
 *                     `:` is a case-insensitive substring (peer:10.0.0.7
 *                     matches 10.0.0.7:5000, thread:Worker matches every
 *                     Worker-N); `=` is the exact, case-sensitive value,
 *                     which is what a click in the sidebar should produce
 *   message: exception: (or exc:) stack:
 *                     substring (`:`) or the whole text (`=`)
 *   level>=WARNING level>30 level<=info level<20 level:error level=40
 *                     compare level numbers; names as ld_level_parse_name()
 *                     reads them (warn, fatal, "Level 5", 25)
 *   line pid tid (or thread_id)
 *                     numbers: = : < <= > >=
 *   trace=ID span=ID (trace: span: for a part of one)
 *                     the trace context's lowercase hex ids, as OTLP sends
 *                     them
 *   has:exception has:stack has:extra has:FIELD has:KEY
 *                     the record has that text, field or extra field
 *   since:10m         newer than 10 minutes before the query's "now"; units
 *                     s m h d w, combinable (1h30m)
 *   after:2026-11-20T12:00   at or after; before:… strictly before. Both
 *                     take ISO 8601 (date, or date and time with optional
 *                     seconds and fraction, `T` or, quoted, a space),
 *                     local time unless it ends in Z or ±HH:MM; or a
 *                     duration as since: takes. since: also takes a date
 *   key=value key:text key>=500
 *                     an extra field by its (dotted) name: exact value text,
 *                     case-insensitive substring, or numeric comparison.
 *                     Numbers, booleans and null compare by their JSON text.
 *                     A key named like a field above is reached as extra.KEY
 *   name!=value       the same as -name=value
 *   ws:send ws:recv ws:state ws:close ws:ping ws:error
 *                     a record of a websockets.* logger whose message starts
 *                     with that debug prefix of the websockets library:
 *                     > < = x % ! (see ld-ws-prefix.h)
 *   is:marked         the records the user marked (see ld_query_set_mark_func();
 *                     without a mark function nothing is marked)
 *
 * A word such as `Error:` whose name is not a field and has no value stays a
 * plain word. Time terms are fixed when the query is parsed: since:10m keeps
 * the records of those ten minutes, not of the last ten minutes as the
 * clock moves; parse again to move the window.
 *
 * A compiled query caches per-string verdicts as it meets new interned
 * strings, so it is not thread-safe: use one query from one thread at a
 * time. */

typedef struct _LdQuery LdQuery;

typedef enum
{
  LD_QUERY_ERROR_SYNTAX,
  LD_QUERY_ERROR_UNKNOWN_LEVEL,
  LD_QUERY_ERROR_BAD_REGEX,
  LD_QUERY_ERROR_BAD_TIME,
  LD_QUERY_ERROR_BAD_NUMBER,
} LdQueryError;

#define LD_QUERY_ERROR (ld_query_error_quark ())

/* A byte range of a text, [start, end). */
typedef struct
{
  gsize start;
  gsize end;
} LdTextRange;

/* Whether the user marked @record, for `is:marked`. */
typedef gboolean (*LdQueryMarkFunc) (const LdRecord *record,
                                     gpointer        user_data);

#define LD_TYPE_QUERY (ld_query_get_type ())

GType        ld_query_get_type         (void) G_GNUC_CONST;
GQuark       ld_query_error_quark      (void);
gssize       ld_query_error_get_offset (const GError   *error);

LdQuery     *ld_query_parse            (const char     *text,
                                        gint64          now_us,
                                        GError        **error);
LdQuery     *ld_query_ref              (LdQuery        *query);
void         ld_query_unref            (LdQuery        *query);
gboolean     ld_query_is_empty         (const LdQuery  *query);
const char  *ld_query_get_text         (const LdQuery  *query);
gboolean     ld_query_is_relative      (const LdQuery  *query);
char        *ld_query_to_string        (const LdQuery  *query);
void         ld_query_append_value     (GString        *out,
                                        const char     *value);
gboolean     ld_query_matches          (const LdQuery  *query,
                                        const LdRecord *record);
gboolean     ld_query_has_text_terms   (const LdQuery  *query);
GPtrArray   *ld_query_split_terms      (const char     *text);

gboolean     ld_query_quote_toggles    (const char     *term,
                                        const char     *at,
                                        gboolean        quoted);

GPtrArray   *ld_query_dup_and_terms    (const LdQuery  *query);
gboolean     ld_query_is_field_name    (const char     *name);
gboolean     ld_query_uses_marks       (const LdQuery  *query);
gboolean     ld_query_has_slash_terms  (const LdQuery  *query);
void         ld_query_set_mark_func    (LdQuery        *query,
                                        LdQueryMarkFunc func,
                                        gpointer        user_data);
gboolean     ld_query_find_matches     (const LdQuery  *query,
                                        const char     *text,
                                        gsize           length,
                                        GArray         *ranges);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LdQuery, ld_query_unref)

G_END_DECLS
