// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <string.h>
#include <time.h>

#include "ld-query.h"
#include "ld-store.h"
#include "ld-text-search.h"

/* 2026-11-20T12:00:00Z */
#define T0 G_GINT64_CONSTANT (1795176000000000)
#define MINUTE G_GINT64_CONSTANT (60000000)

/* Parsing: what a query reads back as. */

typedef struct
{
  const char *input;
  const char *normal;
} NormalCase;

static const NormalCase normal_cases[] = {
  { "", "" },
  { "   ", "" },
  { "AND", "" },
  { "  timeout   level>=warn ", "timeout level>=WARNING" },
  { "a b OR c d", "a b OR c d" },
  { "(a b) OR c", "(a b) OR c" },
  { "-(a OR b)", "-(a OR b)" },
  { "((a))", "a" },
  { "a (b c)", "a b c" },
  { "a OR (b OR c)", "a OR b OR c" },
  { "a AND b", "a b" },
  { "a or b", "a or b" },
  { "-(-a)", "-(-a)" },
  { "Level:Error", "level=ERROR" },
  { "level>=35", "level>=35" },
  { "level<=\"Level 5\" level:fatal", "level<=TRACE level=CRITICAL" },
  { "connection:tcp-3 func:handle msg:x exc:y thread_id=5",
    "conn:tcp-3 function:handle message:x exception:y tid=5" },
  { "\"hello world\"", "\"hello world\"" },
  { "\"say \\\"hi\\\" \\\\o/\"", "\"say \\\"hi\\\" \\\\o/\"" },
  { "\"plain\"", "plain" },
  { "\"-x\" \"OR\" \"a:b\"", "\"-x\" \"OR\" \"a:b\"" },
  { "/a b/i /x/ii /^y$/ms", "/a b/i /x/i /^y$/ms" },
  { "/api/v1", "\"/api/v1\"" },
  { "//", "\"//\"" },
  { "status!=200", "-status=200" },
  { "extra.level:x extra.user:x", "extra.level:x user:x" },
  /* A key that starts with "extra." itself, and the empty key. */
  { "extra.extra.x=1 extra.=v", "extra.extra.x=1 extra.=v" },
  { "thread:\"Worker 1\" logger:acme.api logger=acme",
    "thread:\"Worker 1\" logger:acme.api logger=acme" },
  { "logger:acme.api. logger:LD", "logger:acme.api. logger:LD" },
  { "since:10m after:2026-11-20 before:\"2026-11-20 12:00\"",
    "since:10m after:2026-11-20 before:\"2026-11-20 12:00\"" },
  { "has:exception has:user", "has:exception has:user" },
  { "Error: x=", "\"Error:\" \"x=\"" },
  { "--verbose", "\"--verbose\"" },
  { "user=\"\"", "user=\"\"" },
  { "f(x) (a OR b)", "\"f(x)\" a OR b" },
  { "status>=500 latency<0.25", "status>=500 latency<0.25" },
  { "host:web service=shop trace=4bf9 span:00f0",
    "host:web service=shop trace_id=4bf9 span_id:00f0" },
  { "has:trace has:host", "has:trace has:host" },
};

static void
test_parse_normal_form (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (normal_cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LdQuery) query = ld_query_parse (normal_cases[i].input, T0, &error);
      g_autoptr(LdQuery) again = NULL;
      g_autofree char *normal = NULL;
      g_autofree char *normal_again = NULL;

      g_test_message ("query: %s", normal_cases[i].input);
      g_assert_no_error (error);
      normal = ld_query_to_string (query);
      g_assert_cmpstr (normal, ==, normal_cases[i].normal);
      g_assert_cmpstr (ld_query_get_text (query), ==, normal_cases[i].input);

      /* The normal form is a fixed point. */
      again = ld_query_parse (normal, T0, &error);
      g_assert_no_error (error);
      normal_again = ld_query_to_string (again);
      g_assert_cmpstr (normal_again, ==, normal);
    }
}

typedef struct
{
  const char   *input;
  LdQueryError  code;
  gssize        offset;
  const char   *message;   /* a part of the message */
} ErrorCase;

static const ErrorCase error_cases[] = {
  { "level>=loud", LD_QUERY_ERROR_UNKNOWN_LEVEL, 7, "offset 7: unknown level \"loud\"" },
  { "\"abc", LD_QUERY_ERROR_SYNTAX, 0, "offset 0: unterminated quote" },
  { "foo thread:\"abc", LD_QUERY_ERROR_SYNTAX, 11, "unterminated quote" },
  { "x /a(b/", LD_QUERY_ERROR_BAD_REGEX, 6, "offset 6: bad regex: missing terminating )" },
  { "/a**/", LD_QUERY_ERROR_BAD_REGEX, 3, "bad regex: " },
  { "a OR", LD_QUERY_ERROR_SYNTAX, 2, "OR needs a term after it" },
  { "OR a", LD_QUERY_ERROR_SYNTAX, 0, "OR needs a term before it" },
  { "a OR OR b", LD_QUERY_ERROR_SYNTAX, 2, "OR needs a term after it" },
  { "a OR )", LD_QUERY_ERROR_SYNTAX, 5, "\")\" without \"(\"" },
  { "x (a b", LD_QUERY_ERROR_SYNTAX, 2, "unclosed \"(\"" },
  { "a )", LD_QUERY_ERROR_SYNTAX, 2, "\")\" without \"(\"" },
  { "a ( )", LD_QUERY_ERROR_SYNTAX, 2, "empty parentheses" },
  { "a - b", LD_QUERY_ERROR_SYNTAX, 2, "\"-\" needs a term right after it" },
  { "a -", LD_QUERY_ERROR_SYNTAX, 2, "\"-\" needs a term" },
  { "since:10x", LD_QUERY_ERROR_BAD_TIME, 6, "offset 6: bad time \"10x\"" },
  { "since:", LD_QUERY_ERROR_SYNTAX, 6, "\"since:\" needs a value" },
  { "after:2026-13-01", LD_QUERY_ERROR_BAD_TIME, 6, "bad time" },
  { "before:2026-11-20T25:00", LD_QUERY_ERROR_BAD_TIME, 7, "bad time" },
  { "after:2026-11-20T12:00+1", LD_QUERY_ERROR_BAD_TIME, 6, "bad time" },
  { "line=abc", LD_QUERY_ERROR_BAD_NUMBER, 5, "\"abc\" is not a number" },
  { "status>=abc", LD_QUERY_ERROR_BAD_NUMBER, 8, "is not a number" },
  { "level:", LD_QUERY_ERROR_SYNTAX, 6, "\"level:\" needs a value" },
  { "level=x", LD_QUERY_ERROR_UNKNOWN_LEVEL, 6, "unknown level \"x\"" },
  { "logger>=x", LD_QUERY_ERROR_SYNTAX, 6, "logger takes \":\" or \"=\", not \">=\"" },
  { "since=10m", LD_QUERY_ERROR_SYNTAX, 5, "write since:VALUE" },
  { "has>x", LD_QUERY_ERROR_SYNTAX, 3, "write has:VALUE" },
  { "\"abc\"def", LD_QUERY_ERROR_SYNTAX, 5, "a space must follow the closing quote" },
  { "\xff", LD_QUERY_ERROR_SYNTAX, 0, "not valid UTF-8" },
};

static void
test_parse_errors (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (error_cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LdQuery) query = ld_query_parse (error_cases[i].input, T0, &error);

      g_autofree char *escaped = g_strescape (error_cases[i].input, NULL);

      g_test_message ("query: %s", escaped);
      g_assert_null (query);
      g_assert_error (error, LD_QUERY_ERROR, (int) error_cases[i].code);
      g_assert_cmpint (ld_query_error_get_offset (error), ==, error_cases[i].offset);
      g_test_message ("message: %s", error->message);
      g_assert_nonnull (strstr (error->message, error_cases[i].message));
    }
}

static void
test_parse_deep_nesting (void)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LdQuery) query = NULL;

  for (int i = 0; i < 40; i++)
    g_string_append_c (text, '(');
  g_string_append_c (text, 'a');
  for (int i = 0; i < 40; i++)
    g_string_append_c (text, ')');

  query = ld_query_parse (text->str, T0, &error);
  g_assert_error (error, LD_QUERY_ERROR, LD_QUERY_ERROR_SYNTAX);
  g_assert_cmpint (ld_query_error_get_offset (error), ==, 32);
}

static void
test_error_offset_other_domain (void)
{
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "x");
  g_autoptr(GError) copy = NULL;
  g_autoptr(LdQuery) query = ld_query_parse ("level>=loud", T0, &copy);

  g_assert_cmpint (ld_query_error_get_offset (error), ==, -1);

  /* The offset survives copying. */
  g_clear_error (&error);
  error = g_error_copy (copy);
  g_assert_cmpint (ld_query_error_get_offset (error), ==, 7);
}

/* Semantics on a fixed store that has every kind of field. */

typedef struct
{
  LdRecordFields fields;
  const char    *extras[8];   /* key, type letter + value */
} FixedRecord;

static const FixedRecord fixed_records[] = {
  { { .time_us = T0, .level = 20, .level_name = "INFO", .logger = "acme.api",
      .thread = "Worker-1", .connection = "tcp-3", .peer = "10.0.0.7:5000",
      .protocol = "tcp-pickle", .message = "GET /api/v1/items completed in 12 ms" },
    { "user", "sbob", "status", "n200", "ip", "s10.0.0.7" } },
  { { .time_us = T0 + 1 * MINUTE, .level = 40, .level_name = "ERROR", .logger = "acme.api.auth",
      .thread = "Worker-2", .connection = "tcp-4", .peer = "10.0.0.70:6000",
      .message = "login failed: timeout after 3000 ms",
      .exception = "Traceback (most recent call last):\nTimeoutError: x" },
    { "user", "salice", "status", "n500", "http.method", "sPOST" } },
  { { .time_us = T0 + 2 * MINUTE, .level = 30, .level_name = "WARNING", .logger = "acme.apix",
      .thread = "MainThread", .message = "Connection lost; retrying" },
    { "retry", "btrue" } },
  { { .time_us = T0 + 3 * MINUTE, .level = 10, .level_name = "DEBUG", .logger = "acme.db",
      .thread = "Worker-1", .message = "SELECT * FROM orders", .file = "/srv/acme/db.py",
      .function = "query", .process_name = "MainProcess", .process = 4242, .task = "Task-7",
      .line = 77, .stack = "Stack (most recent call last):\n  File \"db.py\"" },
    { NULL } },
  { { .time_us = T0 + 4 * MINUTE, .level = 50, .level_name = "CRITICAL",
      .logger = "websockets.server", .thread = "Worker-10", .connection = "ws-1",
      .message = "Größe überschritten: STRASSE Ärger ΣΊΣΥΦΟΣ" },
    { "note", "z" } },
  { { .time_us = T0 + 5 * MINUTE, .level = 35, .level_name = "Level 35", .logger = "root",
      .message = "custom level message with Timeout" },
    { "level", "sx", "user", "sBob Smith" } },
  { { .time_us = T0 + 10 * MINUTE, .level = 20, .level_name = "INFO",
      .logger = "websockets.client", .message = "", .thread_id = 99 },
    { NULL } },
  { { .time_us = T0 + 24 * 60 * MINUTE, .level = 5, .level_name = "TRACE", .logger = "acme",
      .message = "path /api/v1/items?x=1 http://example.com" },
    { NULL } },
};

static LdStore *
fixed_store (void)
{
  LdStore *store = ld_store_new (100);
  g_autoptr(LdBatch) batch = ld_batch_new ();

  for (guint i = 0; i < G_N_ELEMENTS (fixed_records); i++)
    {
      const FixedRecord *fixed = &fixed_records[i];

      ld_batch_add (batch, &fixed->fields);
      for (guint j = 0; fixed->extras[j] != NULL; j += 2)
        ld_batch_add_extra (batch, fixed->extras[j], -1, (LdValueType) fixed->extras[j + 1][0],
                            fixed->extras[j + 1] + 1, -1);
    }
  ld_store_append_batch (store, batch);

  return store;
}

typedef struct
{
  const char *query;
  const char *expected;   /* indexes of the matching records */
} SemanticsCase;

static const SemanticsCase semantics_cases[] = {
  { "", "0 1 2 3 4 5 6 7" },
  { "timeout", "1 5" },
  { "TIMEOUT", "1 5" },
  { "\"timeout after\"", "1" },
  { "failed:", "1" },
  { "/time(out)? after \\d+/", "1" },
  { "/Timeout/", "5" },
  { "/timeout/i", "1 5" },
  { "/^SELECT/", "3" },
  { "/items$/m", "" },
  { "/api/v1/items", "0 7" },
  { "\"http://example.com\"", "7" },
  { "logger:acme.api", "0 1 2" },
  { "logger:API", "0 1 2" },
  { "logger:server", "4" },
  { "logger:acme.api.", "0 1" },
  { "logger:acme.", "0 1 2 3 7" },
  { "logger:ACME.api.", "" },
  { "logger:.", "0 1 2 3 4 6" },
  { "logger=acme.api", "0" },
  { "logger=acme.api.", "" },
  { "logger:acme", "0 1 2 3 7" },
  { "-logger:acme", "4 5 6" },
  { "logger:websockets OR level>=ERROR", "1 4 6" },
  { "thread:Worker-1", "0 3 4" },
  { "thread=Worker-1", "0 3" },
  { "thread:worker", "0 1 3 4" },
  { "conn:tcp-3", "0" },
  { "conn:tcp", "0 1" },
  { "peer:10.0.0.7", "0 1" },
  { "peer=10.0.0.7:5000", "0" },
  { "protocol:pickle", "0" },
  { "level>=WARNING", "1 2 4 5" },
  { "level>30", "1 4 5" },
  { "level<=info", "0 3 6 7" },
  { "level:error", "1" },
  { "level=40", "1" },
  { "level:35", "5" },
  { "level<10", "7" },
  { "level!=INFO", "1 2 3 4 5 7" },
  { "user=bob", "0" },
  { "user:bob", "0 5" },
  { "user:\"bob smith\"", "5" },
  { "user=Bob", "" },
  { "status>=500", "1" },
  { "status=200", "0" },
  { "status<300", "0" },
  { "http.method=POST", "1" },
  { "retry=true", "2" },
  { "note=null", "4" },
  { "extra.level=x", "5" },
  { "has:exception", "1" },
  { "has:stack", "3" },
  { "has:user", "0 1 5" },
  { "has:extra", "0 1 2 4 5" },
  { "-has:extra", "3 6 7" },
  { "has:thread", "0 1 2 3 4" },
  { "has:task has:line has:pid", "3" },
  { "has:tid", "6" },
  { "has:message", "0 1 2 3 4 5 7" },
  { "file:db.py", "3" },
  { "function=query", "3" },
  { "process:main", "3" },
  { "task:task-7", "3" },
  { "pid=4242", "3" },
  { "line>=77", "3" },
  { "tid=99", "6" },
  { "since:10m", "0 1 2 3 4 5 6 7" },
  { "since:5m", "5 6 7" },
  { "since:1m30s", "6 7" },
  { "since:2026-11-20T12:05:00Z", "5 6 7" },
  { "after:2026-11-20T12:03Z", "3 4 5 6 7" },
  { "before:2026-11-20T12:02Z", "0 1" },
  { "after:2026-11-21", "7" },
  { "before:2026-11-20T12:04:00+01:00", "" },
  { "after:2026-11-20T13:03:00.000001+01:00", "4 5 6 7" },
  { "after:\"2026-11-20 12:03\" before:2026-11-20T12:05", "3 4" },
  { "before:5m", "0 1 2 3 4" },
  { "timeout OR lost", "1 2 5" },
  { "logger:acme timeout OR lost level>=WARNING", "1 2" },
  { "(timeout OR lost) -level:error", "2 5" },
  { "-(timeout OR lost)", "0 3 4 6 7" },
  { "(logger:acme.db OR logger:root) OR has:exception", "1 3 5" },
  { "(logger:acme.db. OR logger=root) OR has:exception", "1 3 5" },
  { "AND timeout", "1 5" },
  { "timeout AND level>=ERROR", "1" },
  { "has:exception OR has:stack", "1 3" },
  { "message:lost", "2" },
  { "message=\"SELECT * FROM orders\"", "3" },
  { "exception:timeouterror", "1" },
  { "stack:\"most recent\"", "3" },
  { "größe", "4" },
  { "GRÖSSE", "" },
  { "ärger ÜBERSCHRITTEN", "4" },
  { "σίσυφος", "4" },
  { "strasse", "4" },
  { "/ärger/", "4" },
  { "--foo", "" },
};

static char *
matching_records (LdStore    *store,
                  const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LdQuery) query = ld_query_parse (text, T0 + 10 * MINUTE, &error);
  GString *result = g_string_new (NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < ld_store_get_n_records (store); i++)
    if (ld_query_matches (query, ld_store_get_record (store, i)))
      g_string_append_printf (result, "%s%u", result->len > 0 ? " " : "", i);

  return g_string_free (result, FALSE);
}

static void
test_semantics (void)
{
  g_autoptr(LdStore) store = fixed_store ();

  for (guint i = 0; i < G_N_ELEMENTS (semantics_cases); i++)
    {
      g_autofree char *result = NULL;

      g_test_message ("query: %s", semantics_cases[i].query);
      result = matching_records (store, semantics_cases[i].query);
      g_assert_cmpstr (result, ==, semantics_cases[i].expected);
    }
}

/* Host and service are fields of their own; the trace context is kept as
 * extra fields under reserved keys, which trace= and span= reach. */
static const FixedRecord fleet_records[] = {
  { { .time_us = T0, .level = 20, .logger = "shop", .message = "a", .host = "web-1",
      .service = "checkout", .trace_id = "4bf92f3577b34da6a3ce929d0e0e4736",
      .span_id = "00f067aa0ba902b7" } },
  { { .time_us = T0, .level = 20, .logger = "db", .message = "b", .host = "db-1",
      .service = "orders", .trace_id = "4bf92f3577b34da6a3ce929d0e0e4736",
      .span_id = "5555555555555555" } },
  { { .time_us = T0, .level = 20, .logger = "web", .message = "c", .host = "web-2",
      .service = "checkout" },
    { "trace", "sother" } },
};

static const SemanticsCase fleet_cases[] = {
  { "host:web", "0 2" },
  { "host=web-1", "0" },
  { "service=checkout", "0 2" },
  { "service:ORD", "1" },
  { "trace=4bf92f3577b34da6a3ce929d0e0e4736", "0 1" },
  { "trace:4bf92f", "0 1" },
  { "trace_id=4bf92f3577b34da6a3ce929d0e0e4736", "0 1" },
  { "span=00f067aa0ba902b7", "0" },
  { "-has:trace", "2" },
  { "has:host has:service", "0 1 2" },
  { "extra.trace=other", "2" },
};

static void
test_fleet_fields (void)
{
  g_autoptr(LdStore) store = ld_store_new (100);
  g_autoptr(LdBatch) batch = ld_batch_new ();

  for (guint i = 0; i < G_N_ELEMENTS (fleet_records); i++)
    {
      ld_batch_add (batch, &fleet_records[i].fields);
      for (guint j = 0; fleet_records[i].extras[j] != NULL; j += 2)
        ld_batch_add_extra (batch, fleet_records[i].extras[j], -1,
                            (LdValueType) fleet_records[i].extras[j + 1][0],
                            fleet_records[i].extras[j + 1] + 1, -1);
    }
  ld_store_append_batch (store, batch);

  for (guint i = 0; i < G_N_ELEMENTS (fleet_cases); i++)
    {
      g_autofree char *result = NULL;

      g_test_message ("query: %s", fleet_cases[i].query);
      result = matching_records (store, fleet_cases[i].query);
      g_assert_cmpstr (result, ==, fleet_cases[i].expected);
    }
}

/* New interned strings after the query was compiled still get verdicts. */
static void
test_new_interned_strings (void)
{
  g_autoptr(LdStore) store = ld_store_new (100);
  g_autoptr(LdQuery) query = ld_query_parse ("logger:fresh.sub thread:new-thread", T0, NULL);
  g_autofree char *logger = g_strdup_printf ("fresh.sub.%d", g_test_rand_int ());
  g_autofree char *thread = g_strdup_printf ("a-new-thread-%d", g_test_rand_int ());
  g_autoptr(LdBatch) batch = ld_batch_new ();
  LdRecordFields fields = { .logger = logger, .thread = thread, .message = "m" };

  g_assert_false (ld_query_matches (query, &(LdRecord) { 0 }));

  ld_batch_add (batch, &fields);
  ld_store_append_batch (store, batch);
  g_assert_true (ld_query_matches (query, ld_store_get_record (store, 0)));
}

/* A value any sender chose, appended with ld_query_append_value(), reads
 * back as that one value: a logger subtree excluded by name (as the
 * whole-session search writes it) hides that logger and its children
 * only, whatever the name holds (found in review: "my app" was two terms). */
static void
test_append_value_round_trip (void)
{
  const char *names[] = { "my app", "a\"b", "(x) OR y", "back\\slash", "-dash", "plain" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(LdStore) store = ld_store_new (100);
      g_autoptr(LdBatch) batch = ld_batch_new ();
      g_autoptr(GString) text = g_string_new ("-logger:");
      g_autofree char *subtree = g_strconcat (names[i], ".", NULL);
      g_autofree char *child = g_strconcat (names[i], ".child", NULL);
      const char *loggers[] = { names[i], child, "other" };
      g_autoptr(LdQuery) query = NULL;
      g_autoptr(GError) error = NULL;

      ld_query_append_value (text, subtree);
      query = ld_query_parse (text->str, T0, &error);
      g_assert_no_error (error);
      for (guint j = 0; j < G_N_ELEMENTS (loggers); j++)
        {
          LdRecordFields fields = { .logger = loggers[j], .message = "m" };

          ld_batch_add (batch, &fields);
        }
      ld_store_append_batch (store, batch);
      g_assert_false (ld_query_matches (query, ld_store_get_record (store, 0)));
      g_assert_false (ld_query_matches (query, ld_store_get_record (store, 1)));
      g_assert_true (ld_query_matches (query, ld_store_get_record (store, 2)));
    }
}

/* Highlighting. */

static char *
ranges_string (const char *query_text,
               const char *message)
{
  g_autoptr(LdQuery) query = ld_query_parse (query_text, T0, NULL);
  g_autoptr(GArray) ranges = g_array_new (FALSE, FALSE, sizeof (LdTextRange));
  GString *out = g_string_new (NULL);

  g_assert_nonnull (query);
  ld_query_find_matches (query, message, strlen (message), ranges);
  for (guint i = 0; i < ranges->len; i++)
    {
      LdTextRange *range = &g_array_index (ranges, LdTextRange, i);
      g_string_append_printf (out, "%s[%zu,%zu)", i > 0 ? " " : "", range->start, range->end);
    }

  return g_string_free (out, FALSE);
}

static void
test_find_matches (void)
{
  static const struct { const char *query, *message, *expected; } cases[] = {
    { "timeout /\\d+ ms/ -lost", "login failed: timeout after 3000 ms", "[14,21) [28,35)" },
    { "time timeout", "timeout", "[0,7)" },
    { "ab", "abxAByab", "[0,2) [3,5) [6,8)" },
    { "aa", "aaaa", "[0,4)" },
    { "-x logger:a has:exception level>=10", "x x", "" },
    { "a OR (b c)", "abc", "[0,3)" },
    { "größe", "Die GRÖßE!", "[4,11)" },
    { "message=exact", "exact", "[0,5)" },
    { "/x*/", "abc", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *result = ranges_string (cases[i].query, cases[i].message);

      g_test_message ("query: %s", cases[i].query);
      g_assert_cmpstr (result, ==, cases[i].expected);
    }
}

static void
test_has_text_terms (void)
{
  g_autoptr(LdQuery) words = ld_query_parse ("level>=10 (a OR logger:x)", T0, NULL);
  g_autoptr(LdQuery) none = ld_query_parse ("level>=10 -a", T0, NULL);

  g_assert_true (ld_query_has_text_terms (words));
  g_assert_false (ld_query_has_text_terms (none));
}

/* Text search. */

static gssize
naive_find (const char *text,
            const char *needle)
{
  gsize n = strlen (needle), length = strlen (text);

  for (gsize i = 0; i + n <= length; i++)
    if (g_ascii_strncasecmp (text + i, needle, n) == 0)
      return i;

  return -1;
}

/* The vector path against a byte-by-byte search, at every alignment. */
static void
test_ascii_search_random (void)
{
  static const char alphabet[] = "aAbB-:@[`{";

  for (guint round = 0; round < 20000; round++)
    {
      char needle[24];
      gsize length = g_test_rand_int_range (0, 100);
      gsize n = g_test_rand_int_range (1, round % 2 ? 8 : sizeof needle);
      g_autofree char *text = g_malloc (length + 1);
      g_autoptr(LdTextNeedle) search = NULL;
      gsize start = 0, end = 0;
      gssize expected;
      gboolean found;

      /* Few letters make matches likely; a long needle is mostly a copy of
       * a piece of the text, so that it is found. */
      for (gsize i = 0; i < length; i++)
        text[i] = alphabet[g_test_rand_int_range (0, 2 + (round % 9))];
      text[length] = '\0';
      for (gsize i = 0; i < n; i++)
        needle[i] = alphabet[g_test_rand_int_range (0, 2 + (round % 9))];
      if (n > 7 && length > n)
        memcpy (needle, text + g_test_rand_int_range (0, length - n), n);
      needle[n] = '\0';
      if (n > 7 && g_test_rand_bit ())
        needle[g_test_rand_int_range (0, n)] ^= 0x20;

      search = ld_text_needle_new (needle, -1);
      expected = naive_find (text, needle);
      found = ld_text_needle_find (search, text, length, &start, &end);
      g_assert_cmpint (found, ==, expected >= 0);
      if (found)
        {
          g_assert_cmpint (start, ==, expected);
          g_assert_cmpint (end, ==, expected + n);
        }
    }
}

static void
test_unicode_search (void)
{
  static const struct { const char *needle, *text; gssize start, end; } cases[] = {
    { "café", "CAFÉ au lait", 0, 5 },
    { "É", "cafe café", 8, 10 },
    { "σ", "ΟΔΥΣΣΕΥΣ", 6, 8 },
    { "ς", "ΟΔΥΣΣΕΥΣ", 6, 8 },
    { "μ", "5 µs", 2, 4 },
    { "ß", "STRASSE", -1, -1 },
    { "ß", "Straße", 4, 6 },
    { "ẞ", "Straße", 4, 6 },
    { "ä", "plain ascii text that is long enough for a vector", -1, -1 },
    { "k", "\xe2\x84\xaa", -1, -1 },            /* Kelvin sign: ASCII needles fold ASCII */
    { "\xe2\x84\xaa" "elvin", "KELVIN", 0, 6 }, /* …but it folds to k itself */
    { "日本", "ログ 日本語", 7, 13 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(LdTextNeedle) needle = ld_text_needle_new (cases[i].needle, -1);
      gsize start = 0, end = 0;
      gboolean found = ld_text_needle_find (needle, cases[i].text, strlen (cases[i].text), &start,
                                            &end);

      g_test_message ("needle: %s", cases[i].needle);
      g_assert_cmpint (found, ==, cases[i].start >= 0);
      if (found)
        {
          g_assert_cmpint (start, ==, cases[i].start);
          g_assert_cmpint (end, ==, cases[i].end);
        }
    }
}

static void
test_regex_literal (void)
{
  static const struct { const char *pattern, *literal; } cases[] = {
    { "timeout after \\d+ ?ms", "timeout after " },
    { "abc|def", NULL },
    { "(abc|def)ghi", "ghi" },
    { "ab*cd", "cd" },
    { "ab+cd", "ab" },
    { "ab?cde", "cde" },
    { "a{0,2}bcd", "bcd" },
    { "xy{2}z", "xy" },
    { "\\d+ms", "ms" },
    { "foo\\.bar", "foo.bar" },
    { "[abc]def", "def" },
    { "[]x]yz", "yz" },
    { "[[:alpha:]]yz", "yz" },
    { "(?i)abc", NULL },
    { "(?:ab)cd", "cd" },
    { "\\p{Lu}bcd", "bcd" },
    { "\\x41bcd", "bcd" },
    { "\\x{41}bcd", "bcd" },
    { "\\12345", NULL },
    { "a.b", NULL },
    { "héllo world", "llo world" },
    { "abc\\Qd\\E", NULL },
    { "abc{x}", "abc" },
    { "ab.*?cd", "ab" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *literal = ld_regex_required_literal (cases[i].pattern);

      g_test_message ("pattern: %s", cases[i].pattern);
      g_assert_cmpstr (literal, ==, cases[i].literal);
    }
}

/* The prefilter must never reject what the regex would match. */
static void
test_regex_prefilter_sound (void)
{
  static const char *messages[] = {
    "timeout after 30 ms", "TIMEOUT AFTER 5ms", "\xe2\x84\xaa" "elvin timeout after 1 ms",
    "ſession abc", "Session ABC", "nothing here",
  };
  static const char *patterns[] = {
    "/timeout after \\d+ ?ms/", "/kelvin/", "/session abc/", "/Session/", "/ABC/i",
  };
  g_autoptr(LdStore) store = ld_store_new (100);
  g_autoptr(LdBatch) batch = ld_batch_new ();

  for (guint i = 0; i < G_N_ELEMENTS (messages); i++)
    ld_batch_add (batch, &(LdRecordFields) { .message = messages[i] });
  ld_store_append_batch (store, batch);

  for (guint p = 0; p < G_N_ELEMENTS (patterns); p++)
    {
      g_autoptr(LdQuery) query = ld_query_parse (patterns[p], T0, NULL);
      g_autofree char *pattern = g_strndup (patterns[p] + 1, strcspn (patterns[p] + 1, "/"));
      g_autofree char *lower = g_utf8_strdown (pattern, -1);
      gboolean caseless = g_str_has_suffix (patterns[p], "/i") || strcmp (pattern, lower) == 0;

      for (guint i = 0; i < G_N_ELEMENTS (messages); i++)
        {
          gboolean expected = g_regex_match_simple (pattern, messages[i],
                                                    caseless ? G_REGEX_CASELESS : 0, 0);

          g_test_message ("%s on %s", patterns[p], messages[i]);
          g_assert_cmpint (ld_query_matches (query, ld_store_get_record (store, i)), ==, expected);
        }
    }
}

/* A query's text split into its terms as the user wrote them, for editing
 * it term by term: quoted phrases stay one term. */
static void
test_split_terms (void)
{
  static const struct { const char *text; const char *joined; } cases[] = {
    { "", "" },
    { "   ", "" },
    { "level>=ERROR  shop", "level>=ERROR|shop" },
    { "path=\"/a b\" -x\ty", "path=\"/a b\"|-x|y" },
    /* A backslash escapes in quotes only, as the parser reads it. */
    { "a\\ b \"open \\\" quote never closed", "a\\|b|\"open \\\" quote never closed" },
    { "(a OR b) c", "(a|OR|b)|c" },
    /* A quote inside a word opens nothing (the fuzz-find target's find). */
    { "b\" x -\"c d\" k=\"e f\" (\"g h\")", "b\"|x|-\"c d\"|k=\"e f\"|(\"g h\")" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GPtrArray) terms = ld_query_split_terms (cases[i].text);
      g_autoptr(GString) joined = g_string_new (NULL);

      for (guint t = 0; t < terms->len; t++)
        g_string_append_printf (joined, "%s%s", t > 0 ? "|" : "",
                                (const char *) g_ptr_array_index (terms, t));
      g_assert_cmpstr (joined->str, ==, cases[i].joined);
    }
}

/* Which queries have a term that starts with a slash: a regex, or a word
 * that a later slash would close as one. */
static void
test_slash_terms (void)
{
  static const struct { const char *text; gboolean slash; } cases[] = {
    { "a b", FALSE },
    { "path=\"/x\" \"/y\"", FALSE },
    { "a/b", FALSE },
    { "/", TRUE },
    { "-/x", TRUE },
    { "/a b/", TRUE },
    { "(c OR /x/i) d", TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(LdQuery) query = ld_query_parse (cases[i].text, 0, NULL);

      g_test_message ("%s", cases[i].text);
      g_assert_nonnull (query);
      g_assert_cmpint (ld_query_has_slash_terms (query), ==, cases[i].slash);
    }
}

int
main (int   argc,
      char *argv[])
{
  /* Dates without an offset are local time; the cases assume UTC. */
  g_setenv ("TZ", "UTC", TRUE);
  tzset ();

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/query/parse/normal-form", test_parse_normal_form);
  g_test_add_func ("/query/parse/errors", test_parse_errors);
  g_test_add_func ("/query/parse/deep-nesting", test_parse_deep_nesting);
  g_test_add_func ("/query/append-value", test_append_value_round_trip);
  g_test_add_func ("/query/parse/error-offset", test_error_offset_other_domain);
  g_test_add_func ("/query/semantics", test_semantics);
  g_test_add_func ("/query/fleet-fields", test_fleet_fields);
  g_test_add_func ("/query/new-interned-strings", test_new_interned_strings);
  g_test_add_func ("/query/find-matches", test_find_matches);
  g_test_add_func ("/query/has-text-terms", test_has_text_terms);
  g_test_add_func ("/text-search/ascii-random", test_ascii_search_random);
  g_test_add_func ("/text-search/unicode", test_unicode_search);
  g_test_add_func ("/text-search/regex-literal", test_regex_literal);
  g_test_add_func ("/text-search/regex-prefilter", test_regex_prefilter_sound);
  g_test_add_func ("/query/split-terms", test_split_terms);
  g_test_add_func ("/query/slash-terms", test_slash_terms);

  return g_test_run ();
}
