// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <math.h>
#include <string.h>

#include "ld-json-normalize.h"
#include "ld-json-pyargs.h"
#include "ld-jsonl.h"
#include "ld-level.h"
#include "ld-pyformat.h"
#include "ld-structured-message.h"

/* How a JSON object becomes a record
 * ==================================
 *
 * 1. The shape ("dialect") is chosen from the object's top-level keys, never from values
 *    alone: the first entry of `dialects` whose signature matches wins.  A signature lists
 *    alternatives separated by "|", each a set of keys that must all be present; "key:type"
 *    also requires the value's JSON type (string, number, object, array), which is how pino's
 *    numeric `level` is told from slog's textual one.  An empty signature always matches.
 *
 * 2. Nested objects are flattened: {"log": {"level": "warn"}} and {"log.level": "warn"} both
 *    give the path "log.level", which is what rules match and what extra fields are called,
 *    so a filter can say `http.request.method=GET`.  Arrays stay whole, as compact JSON.
 *
 * 3. Each path is looked up in the dialect's rules, then in `common_rules`.  A rule gives the
 *    canonical field it fills (its role), how to read the value (time unit, level scale) and
 *    a rank: when two keys fill one field the higher rank wins, and the loser is kept as an
 *    extra field unless it says the same thing or is marked F_FALLBACK.  A path without a
 *    rule becomes an extra field.  A null value of a rule's key is dropped.
 *
 * 4. Time: ISO 8601 with any number of fraction digits (cut to microseconds) and an optional
 *    offset (none means UTC), or an epoch number or numeric string in the unit the rule
 *    names.  Only keys whose unit no format fixes (a generic "timestamp") go by magnitude:
 *    below 1e11 seconds, below 1e14 milliseconds, below 1e17 microseconds, else nanoseconds.
 *    A record without a readable time gets the time it was read.
 *
 * 5. Levels map by the dialect's scale onto Python's: names (ld_level_parse_name), syslog
 *    0-7, pino 10-60, OpenTelemetry 1-24 and slog's -4/0/4/8 with "INFO+2" offsets; see
 *    ld_json_level_from_*().  The level name is the sender's spelling, or for a number the
 *    canonical name of its level.  A record without a level is INFO, as CLEF defines.
 *
 * 6. The record's own connection id (connection_id, websocket.id, conn) and peer
 *    (remote_addr, which the websockets guide fills from X-Forwarded-For) win over the
 *    context's; thread names come from threadName, thread_name, process.thread.name,
 *    thread.name or goroutine, and a numeric "thread" is a thread id.
 *
 * 7. Values of extra fields keep their JSON type: strings, numbers as their JSON text (NaN
 *    and Infinity too), true/false, null, and arrays (and empty objects) as compact JSON, in
 *    which NaN and Infinity become null so that exported lines stay valid JSON.
 *
 * 8. Shape-specific: Python's QueueHandler leaves the formatted traceback and stack at the
 *    end of the message, where they are split off again; a record.__dict__ with msg and args
 *    but no formatted message gets msg % args, formatted as for pickles (ld-pyformat.c);
 *    CLEF's @mt is rendered when there is no @m; GELF's "_x" fields are called "x"; an OTLP
 *    export gives one record per logRecord, with the scope name as the logger and resource
 *    attributes as fields; and Logdeck's own JSON Lines export reads back as it was written.
 *
 * 9. In every shape, a message in the logging cookbook's structured form, `text >>> {...}`,
 *    shows the text, the object's members become fields (flattened as in 2, a field the
 *    record already has winning), and the whole message is kept as "original_message".
 *
 * Adding a shape is one entry in `dialects`, usually with a rules table of its own. */

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
};

typedef struct
{
  const char *name;
  const char *signature;
  const Rule *rules;
  guint       flags;
} Dialect;

/* Keys that mean the same in every shape; a dialect's own rule for a key comes first. */
static const Rule common_rules[] = {
  { "connection_id", ROLE_CONNECTION, CONV_TEXT },
  { "event_data.connection_id", ROLE_CONNECTION, CONV_TEXT },
  { "websocket.id", ROLE_CONNECTION, CONV_TEXT },
  { "conn", ROLE_CONNECTION, CONV_TEXT },
  { "remote_addr", ROLE_PEER },
  { "event_data.remote_addr", ROLE_PEER },
  { "goroutine", ROLE_THREAD, CONV_TEXT },
  { "threadName", ROLE_THREAD, 0, 1 },
  { "thread_name", ROLE_THREAD, 0, 1 },
  { "process.thread.name", ROLE_THREAD, 0, 1 },
  { "thread", ROLE_THREAD },
  { NULL }
};

/* record.__dict__ as QueueHandler.prepare() leaves it (msg and message formatted, args,
 * exc_info and exc_text None), and python-json-logger, which names its keys after the same
 * LogRecord attributes.  As for pickled records (ld-pyrecord.c), attributes that only repeat
 * another are dropped: msecs, relativeCreated, asctime beside created, and filename and
 * module when they are what Python derives from pathname. */
static const Rule python_rules[] = {
  { "name", ROLE_LOGGER },
  { "msg", ROLE_MESSAGE, 0, 1 },
  { "message", ROLE_MESSAGE, 0, 2 },
  { "levelno", ROLE_LEVEL, CONV_LEVEL_PYTHON },
  { "levelname", ROLE_LEVEL_NAME, CONV_LEVEL_PYTHON },
  { "created", ROLE_TIME, CONV_TIME_S, 3 },
  { "timestamp", ROLE_TIME, CONV_TIME_AUTO, 2, F_FALLBACK },
  { "asctime", ROLE_TIME, CONV_TIME_AUTO, 1, F_FALLBACK },
  { "msecs", ROLE_DROP },
  { "relativeCreated", ROLE_DROP },
  { "pathname", ROLE_FILE },
  { "filename", ROLE_FILENAME },
  { "module", ROLE_MODULE },
  { "lineno", ROLE_LINE },
  { "funcName", ROLE_FUNCTION },
  { "exc_info", ROLE_EXCEPTION, 0, 1, F_FALLBACK },
  { "exc_text", ROLE_EXCEPTION, 0, 2 },
  { "stack_info", ROLE_STACK },
  { "process", ROLE_PROCESS },
  { "processName", ROLE_PROCESS_NAME },
  { "taskName", ROLE_TASK },
  { "args", ROLE_EXTRA, 0, 0, F_DROP_NULL },
  { NULL }
};

/* The JSONFormatter of the websockets library's logging guide. */
static const Rule websockets_rules[] = {
  { "timestamp", ROLE_TIME, CONV_TIME_S },
  { "message", ROLE_MESSAGE },
  { "level", ROLE_LEVEL_NAME, CONV_LEVEL_PYTHON },
  { "logger", ROLE_LOGGER },
  { "exc_info", ROLE_EXCEPTION },
  { "stack_info", ROLE_STACK },
  { NULL }
};

/* structlog's JSONRenderer after add_log_level, add_logger_name, TimeStamper (whose default
 * is epoch seconds), format_exc_info and CallsiteParameterAdder. */
static const Rule structlog_rules[] = {
  { "event", ROLE_MESSAGE },
  { "level", ROLE_LEVEL_NAME, CONV_LEVEL_PYTHON },
  { "timestamp", ROLE_TIME, CONV_TIME_S },
  { "logger", ROLE_LOGGER },
  { "logger_name", ROLE_LOGGER },
  { "exception", ROLE_EXCEPTION, 0, 2 },
  { "exc_info", ROLE_EXCEPTION, 0, 1, F_FALLBACK },
  { "stack", ROLE_STACK },
  { "process", ROLE_PROCESS },
  { "process_name", ROLE_PROCESS_NAME },
  { "pathname", ROLE_FILE },
  { "filename", ROLE_FILENAME },
  { "module", ROLE_MODULE },
  { "func_name", ROLE_FUNCTION },
  { "lineno", ROLE_LINE },
  { NULL }
};

/* Go's log/slog JSONHandler, and logrus's JSONFormatter, which has the same keys. */
static const Rule go_rules[] = {
  { "time", ROLE_TIME, CONV_TIME_AUTO },
  { "level", ROLE_LEVEL_NAME, CONV_LEVEL_SLOG },
  { "msg", ROLE_MESSAGE },
  { "source.function", ROLE_FUNCTION },
  { "source.file", ROLE_FILE },
  { "source.line", ROLE_LINE },
  { "func", ROLE_FUNCTION },
  { "file", ROLE_CALLER },
  { "logger", ROLE_LOGGER },
  { NULL }
};

/* zap's production JSON encoder: ts in epoch seconds. */
static const Rule zap_rules[] = {
  { "ts", ROLE_TIME, CONV_TIME_S },
  { "level", ROLE_LEVEL_NAME, CONV_LEVEL_PYTHON },
  { "msg", ROLE_MESSAGE },
  { "logger", ROLE_LOGGER },
  { "caller", ROLE_CALLER },
  { "function", ROLE_FUNCTION },
  { "stacktrace", ROLE_STACK },
  { NULL }
};

/* pino (time in epoch ms) and bunyan (time in ISO 8601). */
static const Rule pino_rules[] = {
  { "level", ROLE_LEVEL, CONV_LEVEL_PINO },
  { "time", ROLE_TIME, CONV_TIME_MS },
  { "msg", ROLE_MESSAGE },
  { "name", ROLE_LOGGER },
  { "pid", ROLE_PROCESS },
  { "err.stack", ROLE_EXCEPTION },
  { "v", ROLE_DROP },
  { NULL }
};

/* Serilog's compact JSON (CLEF), with the properties Serilog's enrichers add. */
static const Rule clef_rules[] = {
  { "@t", ROLE_TIME, CONV_TIME_AUTO },
  { "@m", ROLE_MESSAGE },
  { "@mt", ROLE_TEMPLATE, 0, 0, F_KEEP },
  { "@l", ROLE_LEVEL_NAME, CONV_LEVEL_PYTHON },
  { "@x", ROLE_EXCEPTION },
  { "SourceContext", ROLE_LOGGER },
  { "ThreadId", ROLE_THREAD_ID },
  { "ThreadName", ROLE_THREAD, 0, 1 },
  { "ProcessId", ROLE_PROCESS },
  { "ProcessName", ROLE_PROCESS_NAME },
  { NULL }
};

/* GELF 1.1; "_x" fields are looked up as "x", so graypy's _logger_name is the logger.  The
 * full message usually carries the traceback, so it is the exception text. */
static const Rule gelf_rules[] = {
  { "version", ROLE_DROP },
  { "short_message", ROLE_MESSAGE },
  { "full_message", ROLE_EXCEPTION },
  { "timestamp", ROLE_TIME, CONV_TIME_S },
  { "level", ROLE_LEVEL, CONV_LEVEL_SYSLOG },
  { "file", ROLE_FILE },
  { "line", ROLE_LINE },
  { "logger_name", ROLE_LOGGER },
  { "logger", ROLE_LOGGER },
  { "process_name", ROLE_PROCESS_NAME },
  { "pid", ROLE_PROCESS },
  { "function", ROLE_FUNCTION },
  { NULL }
};

/* Elastic Common Schema, nested or with dotted keys. */
static const Rule ecs_rules[] = {
  { "@timestamp", ROLE_TIME, CONV_TIME_AUTO },
  { "message", ROLE_MESSAGE },
  { "log.level", ROLE_LEVEL_NAME, CONV_LEVEL_PYTHON },
  { "log.logger", ROLE_LOGGER },
  { "error.stack_trace", ROLE_EXCEPTION },
  { "error.type", ROLE_ERROR_TYPE, 0, 0, F_KEEP },
  { "error.message", ROLE_ERROR_MESSAGE, 0, 0, F_KEEP },
  { "process.thread.id", ROLE_THREAD_ID },
  { "process.pid", ROLE_PROCESS },
  { "process.name", ROLE_PROCESS_NAME },
  { "log.origin.file.name", ROLE_FILE },
  { "log.origin.file.line", ROLE_LINE },
  { "log.origin.function", ROLE_FUNCTION },
  { "ecs.version", ROLE_DROP },
  { NULL }
};

/* An OTLP/JSON LogRecord; attribute keys follow the semantic conventions, old and new.  In a
 * whole export, the scope name is the logger and resource attributes are fields. */
static const Rule otlp_rules[] = {
  { "timeUnixNano", ROLE_TIME, CONV_TIME_NS, 2 },
  { "observedTimeUnixNano", ROLE_TIME, CONV_TIME_NS, 1 },
  { "severityNumber", ROLE_LEVEL, CONV_LEVEL_OTEL },
  { "severityText", ROLE_LEVEL_NAME, CONV_LEVEL_OTEL },
  { "body", ROLE_OTLP_BODY },
  { "attributes", ROLE_OTLP_ATTRIBUTES },
  { "otel.scope.name", ROLE_LOGGER },
  { "thread.name", ROLE_THREAD, 0, 1 },
  { "thread.id", ROLE_THREAD_ID },
  { "code.function", ROLE_FUNCTION },
  { "code.function.name", ROLE_FUNCTION },
  { "code.filepath", ROLE_FILE },
  { "code.file.path", ROLE_FILE },
  { "code.lineno", ROLE_LINE },
  { "code.line.number", ROLE_LINE },
  { "exception.stacktrace", ROLE_EXCEPTION },
  { "exception.type", ROLE_ERROR_TYPE, 0, 0, F_KEEP },
  { "exception.message", ROLE_ERROR_MESSAGE, 0, 0, F_KEEP },
  { "process.pid", ROLE_PROCESS },
  { NULL }
};

/* Vector's and Fluent Bit's events: a raw line in message or log, with what the collector
 * added (host, source_type, kubernetes.*) as fields.  Fluent Bit's date is epoch seconds. */
static const Rule collector_rules[] = {
  { "message", ROLE_MESSAGE, 0, 2 },
  { "log", ROLE_MESSAGE, 0, 1 },
  { "timestamp", ROLE_TIME, CONV_TIME_AUTO, 2 },
  { "date", ROLE_TIME, CONV_TIME_S, 2 },
  { "time", ROLE_TIME, CONV_TIME_AUTO, 1 },
  { "level", ROLE_LEVEL_NAME, CONV_LEVEL_PYTHON, 1 },
  { "severity", ROLE_LEVEL_NAME, CONV_LEVEL_PYTHON },
  { NULL }
};

/* Logdeck's own JSON Lines export (ARCHITECTURE.md), read back. */
static const Rule logdeck_rules[] = {
  { "time", ROLE_TIME, CONV_TIME_AUTO },
  { "level", ROLE_LEVEL_NAME, CONV_LEVEL_PYTHON },
  { "levelno", ROLE_LEVEL, CONV_LEVEL_PYTHON },
  { "logger", ROLE_LOGGER },
  { "message", ROLE_MESSAGE },
  { "thread", ROLE_THREAD, CONV_TEXT, 2 },
  { "thread_id", ROLE_THREAD_ID },
  { "process", ROLE_PROCESS },
  { "process_name", ROLE_PROCESS_NAME },
  { "task", ROLE_TASK },
  { "file", ROLE_FILE },
  { "line", ROLE_LINE },
  { "function", ROLE_FUNCTION },
  { "exception", ROLE_EXCEPTION },
  { "stack", ROLE_STACK },
  { "connection", ROLE_CONNECTION, CONV_TEXT },
  { "peer", ROLE_PEER },
  { "protocol", ROLE_PROTOCOL },
  { "extra", ROLE_EXTRA_OBJECT },
  { NULL }
};

/* Anything else: the usual names, with numeric levels on Python's scale. */
static const Rule generic_rules[] = {
  { "message", ROLE_MESSAGE, 0, 3 },
  { "msg", ROLE_MESSAGE, 0, 2 },
  { "log", ROLE_MESSAGE, 0, 1 },
  { "text", ROLE_MESSAGE, 0, 0 },
  { "timestamp", ROLE_TIME, CONV_TIME_AUTO, 3 },
  { "@timestamp", ROLE_TIME, CONV_TIME_AUTO, 3 },
  { "time", ROLE_TIME, CONV_TIME_AUTO, 2 },
  { "ts", ROLE_TIME, CONV_TIME_AUTO, 1 },
  { "date", ROLE_TIME, CONV_TIME_AUTO, 1 },
  { "datetime", ROLE_TIME, CONV_TIME_AUTO, 1 },
  { "level", ROLE_LEVEL_NAME, CONV_LEVEL_PYTHON, 2 },
  { "levelname", ROLE_LEVEL_NAME, CONV_LEVEL_PYTHON, 2 },
  { "log.level", ROLE_LEVEL_NAME, CONV_LEVEL_PYTHON, 1 },
  { "severity", ROLE_LEVEL_NAME, CONV_LEVEL_PYTHON, 1 },
  { "loglevel", ROLE_LEVEL_NAME, CONV_LEVEL_PYTHON, 1 },
  { "lvl", ROLE_LEVEL_NAME, CONV_LEVEL_PYTHON, 0 },
  { "levelno", ROLE_LEVEL, CONV_LEVEL_PYTHON },
  { "logger", ROLE_LOGGER, 0, 2 },
  { "logger_name", ROLE_LOGGER, 0, 1 },
  { "loggerName", ROLE_LOGGER, 0, 1 },
  { "log.logger", ROLE_LOGGER, 0, 1 },
  { "exception", ROLE_EXCEPTION, 0, 2 },
  { "stack_trace", ROLE_EXCEPTION, 0, 1 },
  { "exc_info", ROLE_EXCEPTION, 0, 1 },
  { "stacktrace", ROLE_STACK },
  { "caller", ROLE_CALLER },
  { "pid", ROLE_PROCESS },
  { NULL }
};

/* First match wins, so a more specific shape comes before a more general one. */
static const Dialect dialects[] = {
  { "otlp-export", "resourceLogs:array", otlp_rules, D_OTLP_EXPORT },
  { "otlp", "timeUnixNano|observedTimeUnixNano|severityNumber|severityText body", otlp_rules },
  { "clef", "@t|@mt|@m", clef_rules, D_UNESCAPE_AT },
  { "gelf", "short_message", gelf_rules, D_STRIP_UNDERSCORE },
  { "ecs", "@timestamp", ecs_rules },
  { "logdeck", "levelno:number level:string time:string", logdeck_rules },
  { "python", "levelno|created:number|funcName", python_rules, D_SPLIT_TRACEBACK },
  { "python-json-logger", "levelname|asctime", python_rules, D_SPLIT_TRACEBACK },
  { "structlog", "event:string", structlog_rules },
  { "slog", "source:object msg time:string", go_rules },
  { "bunyan", "v:number level:number", pino_rules },
  { "pino", "level:number msg|level:number time:number|level:number pid hostname", pino_rules },
  { "zap", "ts msg|ts level|caller:string msg", zap_rules },
  { "logrus", "func msg level|file:string msg level", go_rules },
  /* logrus's default shape is slog's; the two read the same. */
  { "slog", "time level:string msg", go_rules },
  { "websockets", "logger message level", websockets_rules },
  { "vector", "source_type", collector_rules },
  { "fluent-bit", "date|log:string", collector_rules },
  { "generic", "", generic_rules },
};

#define N_DIALECTS     G_N_ELEMENTS (dialects)
#define DIALECT_OTLP   1
#define SCOPE_NAME     "otel.scope.name"
#define MAX_ALTERNATIVES 4
#define N_KINDS        (LD_JSON_OBJECT + 1)

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

static const Entry *
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

static Entry *
index_add (Index      *index,
           const char *path,
           gsize       len)
{
  guint32 hash = ld_json_hash (path, len);
  guint32 i;

  for (i = hash & index->mask; index->slots[i] != NULL; i = (i + 1) & index->mask)
    if (index->slots[i]->len == len && memcmp (index->slots[i]->path, path, len) == 0)
      return index->slots[i];

  index->slots[i] = g_new0 (Entry, 1);
  index->slots[i]->path = g_strndup (path, len);
  index->slots[i]->len = len;
  index->slots[i]->hash = hash;
  return index->slots[i];
}

static int
kind_of_type_name (const char *name)
{
  if (name == NULL)
    return -1;
  if (strcmp (name, "string") == 0)
    return LD_JSON_STRING;
  if (strcmp (name, "number") == 0)
    return LD_JSON_NUMBER;
  if (strcmp (name, "object") == 0)
    return LD_JSON_OBJECT;
  if (strcmp (name, "array") == 0)
    return LD_JSON_ARRAY;
  g_error ("unknown type '%s' in a JSON dialect signature", name);
}

/* Gives "key" or "key:type" a bit of its own and returns it. */
static guint64
signature_bit (Index      *index,
               GHashTable *bits,
               const char *token)
{
  g_auto(GStrv) parts = g_strsplit (token, ":", 2);
  Entry *entry;
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (bits, token));
  int kind;

  if (n == 0)
    {
      n = g_hash_table_size (bits) + 1;
      g_assert (n <= 64);
      g_hash_table_insert (bits, g_strdup (token), GUINT_TO_POINTER (n));
    }

  entry = index_add (index, parts[0], strlen (parts[0]));
  kind = kind_of_type_name (parts[1]);
  for (int k = 0; k < N_KINDS; k++)
    if (kind < 0 || kind == k)
      entry->signature[k] |= G_GUINT64_CONSTANT (1) << (n - 1);
  return G_GUINT64_CONSTANT (1) << (n - 1);
}

static void
index_add_signature (Index      *index,
                     GHashTable *bits,
                     guint       d)
{
  g_auto(GStrv) alternatives = g_strsplit (dialects[d].signature, "|", -1);

  for (guint a = 0; alternatives[a] != NULL; a++)
    {
      g_auto(GStrv) tokens = g_strsplit (alternatives[a], " ", -1);
      guint64 mask = 0;

      for (guint t = 0; tokens[t] != NULL; t++)
        if (*tokens[t] != '\0')
          mask |= signature_bit (index, bits, tokens[t]);

      g_assert (index->n_alternatives[d] < MAX_ALTERNATIVES);
      index->alternatives[d][index->n_alternatives[d]++] = mask;
    }
}

static void
index_add_rules (Index      *index,
                 guint       d,
                 const Rule *rules)
{
  for (const Rule *rule = rules; rule->path != NULL; rule++)
    {
      Entry *entry = index_add (index, rule->path, strlen (rule->path));

      if (entry->rules[d] == NULL)
        entry->rules[d] = rule;
    }
}

static const Index *
get_index (void)
{
  static gsize shared;

  if (g_once_init_enter (&shared))
    {
      Index *index = g_new0 (Index, 1);
      g_autoptr(GHashTable) bits = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

      /* Far more slots than paths (a few hundred) keep probes short. */
      g_assert (strcmp (dialects[DIALECT_OTLP].name, "otlp") == 0);
      index->mask = 2047;
      index->slots = g_new0 (Entry *, index->mask + 1);
      for (guint d = 0; d < N_DIALECTS; d++)
        {
          index_add_signature (index, bits, d);
          index_add_rules (index, d, dialects[d].rules);
          index_add_rules (index, d, common_rules);
        }
      g_once_init_leave (&shared, (gsize) index);
    }

  return (const Index *) shared;
}

/* Time */

static gboolean
read_digits (const char **q,
             const char  *end,
             guint        n,
             int         *value)
{
  int v = 0;

  if ((gsize) (end - *q) < n)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      char c = (*q)[i];

      if (c < '0' || c > '9')
        return FALSE;
      v = v * 10 + (c - '0');
    }
  *q += n;
  *value = v;
  return TRUE;
}

static inline gboolean
read_char (const char **q,
           const char  *end,
           char         c)
{
  if (*q < end && **q == c)
    {
      (*q)++;
      return TRUE;
    }
  return FALSE;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static gint64
days_from_civil (int year,
                 int month,
                 int day)
{
  int y = year - (month <= 2);
  int era = (y >= 0 ? y : y - 399) / 400;
  int yoe = y - era * 400;
  int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

  return (gint64) era * 146097 + doe - 719468;
}

/* Reads ".123456789" or ",123" into microseconds; digits past the sixth are cut. */
static gboolean
read_fraction (const char **q,
               const char  *end,
               gint64      *micro)
{
  gint64 scale = 100000;
  const char *start;

  *micro = 0;
  if (*q >= end || (**q != '.' && **q != ','))
    return TRUE;
  start = ++(*q);
  for (; *q < end && **q >= '0' && **q <= '9'; (*q)++)
    {
      *micro += (**q - '0') * scale;
      scale /= 10;
    }
  return *q > start;
}

/* Reads "Z", "+02:00", "+0200", "+02" or nothing (UTC) into seconds east of UTC. */
static gboolean
read_offset (const char **q,
             const char  *end,
             int         *offset)
{
  int sign, hours, minutes = 0;

  *offset = 0;
  if (*q >= end)
    return TRUE;
  if (**q == 'Z' || **q == 'z')
    {
      (*q)++;
      return TRUE;
    }
  if (**q != '+' && **q != '-')
    return FALSE;
  sign = *(*q)++ == '-' ? -1 : 1;
  if (!read_digits (q, end, 2, &hours))
    return FALSE;
  if (*q < end)
    {
      read_char (q, end, ':');
      if (!read_digits (q, end, 2, &minutes))
        return FALSE;
    }
  if (hours > 23 || minutes > 59)
    return FALSE;
  *offset = sign * (hours * 3600 + minutes * 60);
  return TRUE;
}

static gboolean
read_clock (const char **q,
            const char  *end,
            int         *seconds,
            gint64      *micro)
{
  int hour, minute, second = 0;

  if (!read_digits (q, end, 2, &hour) || !read_char (q, end, ':')
      || !read_digits (q, end, 2, &minute))
    return FALSE;
  if (read_char (q, end, ':') && !read_digits (q, end, 2, &second))
    return FALSE;
  if (!read_fraction (q, end, micro))
    return FALSE;
  if (hour > 23 || minute > 59 || second > 60)
    return FALSE;
  *seconds = hour * 3600 + minute * 60 + second;
  return TRUE;
}

static int
days_in_month (int year,
               int month)
{
  static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  gboolean leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

  return month == 2 && leap ? 29 : days[month - 1];
}

/**
 * ld_json_parse_iso8601:
 * @text: "2026-11-20T12:30:00.123456+02:00" and its variants: a space or "T" between date and
 *   time, seconds optional, "." or "," before any number of fraction digits, an offset of
 *   "Z", "+hh:mm", "+hhmm", "+hh" or none (UTC), or a date alone
 * @len: its length
 * @time_us: (out): microseconds since the epoch, fraction digits past the sixth cut off
 *
 * Returns: %TRUE if @text was such a time
 */
gboolean
ld_json_parse_iso8601 (const char *text,
                       gsize       len,
                       gint64     *time_us)
{
  const char *q = text, *end = text + len;
  int year, month, day, seconds = 0, offset = 0;
  gint64 micro = 0;

  if (!read_digits (&q, end, 4, &year) || !read_char (&q, end, '-')
      || !read_digits (&q, end, 2, &month) || !read_char (&q, end, '-')
      || !read_digits (&q, end, 2, &day))
    return FALSE;
  if (month < 1 || month > 12 || day < 1 || day > days_in_month (year, month))
    return FALSE;

  if (q < end && (*q == 'T' || *q == 't' || *q == ' '))
    {
      q++;
      if (!read_clock (&q, end, &seconds, &micro))
        return FALSE;
    }
  if (!read_offset (&q, end, &offset) || q != end)
    return FALSE;

  *time_us = ((days_from_civil (year, month, day) * 86400 + seconds - offset) * G_USEC_PER_SEC
              + micro);
  return TRUE;
}

typedef struct
{
  guint64 mantissa;  /* up to 18 significant digits */
  int     exponent;  /* the value is mantissa × 10^exponent */
  int     digits;    /* significant digits in mantissa */
  gboolean negative;
} Decimal;

static gboolean
read_decimal (const char *text,
              gsize       len,
              Decimal    *d)
{
  const char *q = text, *end = text + len;
  gboolean any = FALSE;
  int e = 0;

  memset (d, 0, sizeof *d);
  d->negative = read_char (&q, end, '-');
  for (gboolean fraction = FALSE; q < end; q++)
    {
      if (*q == '.' && !fraction)
        {
          fraction = TRUE;
          continue;
        }
      if (*q < '0' || *q > '9')
        break;
      any = TRUE;
      if (d->digits < 18)
        {
          d->mantissa = d->mantissa * 10 + (*q - '0');
          d->digits += d->mantissa > 0;
          d->exponent -= fraction;
        }
      else
        d->exponent += !fraction;
    }
  if (any && q < end && (*q == 'e' || *q == 'E'))
    {
      gboolean negative;

      q++;
      negative = read_char (&q, end, '-');
      if (!negative)
        read_char (&q, end, '+');
      if (q == end)
        return FALSE;
      for (; q < end && *q >= '0' && *q <= '9' && e < 10000; q++)
        e = e * 10 + (*q - '0');
      d->exponent += negative ? -e : e;
    }
  return any && q == end;
}

static LdJsonTimeUnit
unit_by_magnitude (const Decimal *d)
{
  int integer_digits = d->digits + d->exponent;

  if (integer_digits <= 11)
    return LD_JSON_TIME_SECONDS;
  if (integer_digits <= 14)
    return LD_JSON_TIME_MILLISECONDS;
  if (integer_digits <= 17)
    return LD_JSON_TIME_MICROSECONDS;
  return LD_JSON_TIME_NANOSECONDS;
}

/**
 * ld_json_parse_epoch:
 * @text: a decimal number such as "1763640000.123456", "1763640000123" or "1.76364e9"
 * @len: its length
 * @unit: what one unit of @text is
 * @time_us: (out): microseconds since the epoch, rounded to the nearest
 *
 * The conversion is exact: the decimal digits are scaled, never passed through a double.
 *
 * Returns: %TRUE if @text was a number whose time fits in 64 bits
 */
gboolean
ld_json_parse_epoch (const char     *text,
                     gsize           len,
                     LdJsonTimeUnit  unit,
                     gint64         *time_us)
{
  static const int unit_exponent[] = { 0, 3, 6, 9 };
  Decimal d;
  int shift;
  guint64 value, scale = 1;

  if (!read_decimal (text, len, &d))
    return FALSE;
  if (unit == LD_JSON_TIME_BY_MAGNITUDE)
    unit = unit_by_magnitude (&d);

  shift = d.exponent + 6 - unit_exponent[unit];
  if (d.mantissa == 0 || shift < -19)
    value = 0;
  else if (shift >= 0)
    {
      for (int i = 0; i < shift; i++, scale *= 10)
        if (scale > G_MAXINT64 / 10)
          return FALSE;
      if (d.mantissa > (guint64) G_MAXINT64 / scale)
        return FALSE;
      value = d.mantissa * scale;
    }
  else
    {
      for (int i = 0; i < -shift; i++)
        scale *= 10;
      value = d.mantissa / scale + (d.mantissa % scale >= (scale + 1) / 2);
    }

  if (value > (guint64) G_MAXINT64)
    return FALSE;
  *time_us = d.negative ? -(gint64) value : (gint64) value;
  return TRUE;
}

/* Levels */

/**
 * ld_json_level_from_slog:
 * @slog_level: a level on slog's scale: DEBUG -4, INFO 0, WARN 4, ERROR 8
 *
 * The scale is linear through slog's four names, 2.5 Python steps per slog step rounded
 * down, so "INFO+2" (2) is 25, Python's NOTICE, and "DEBUG-4" (-8) is 0.
 *
 * Returns: the level on Python's scale
 */
int
ld_json_level_from_slog (int slog_level)
{
  gint64 scaled = 5 * (gint64) CLAMP (slog_level, -100000, 100000);

  return LD_LEVEL_INFO + (int) (scaled >= 0 ? scaled / 2 : -((-scaled + 1) / 2));
}

/**
 * ld_json_level_from_pino:
 * @pino_level: a level on pino's and bunyan's scale: trace 10, debug 20, info 30, warn 40,
 *   error 50, fatal 60
 *
 * From 20 up the scales are ten apart; below, the step from trace (5) to debug (10) is
 * halved, so custom levels between the names keep their order.
 *
 * Returns: the level on Python's scale
 */
int
ld_json_level_from_pino (int pino_level)
{
  if (pino_level >= 20)
    return pino_level - 10;
  return pino_level / 2;
}

/**
 * ld_json_level_from_otel:
 * @severity_number: an OpenTelemetry SeverityNumber, 1 to 24
 *
 * TRACE (1-4) is 5, DEBUG (5-8) 10, INFO (9-12) 20, WARN (13-16) 30, ERROR (17-20) 40 and
 * FATAL (21-24) 50, and each of the sub-levels 2-4 of a name adds one: INFO3 (11) is 22.
 *
 * Returns: the level on Python's scale, or -1 for UNSPECIFIED (0) and out of range
 */
int
ld_json_level_from_otel (int severity_number)
{
  static const int bases[] = { 5, 10, 20, 30, 40, 50 };

  if (severity_number < 1 || severity_number > 24)
    return -1;
  return bases[(severity_number - 1) / 4] + (severity_number - 1) % 4;
}

static const char *
otel_severity_name (int severity_number)
{
  static const char *names[] = {
    "TRACE", "TRACE2", "TRACE3", "TRACE4", "DEBUG", "DEBUG2", "DEBUG3", "DEBUG4",
    "INFO", "INFO2", "INFO3", "INFO4", "WARN", "WARN2", "WARN3", "WARN4",
    "ERROR", "ERROR2", "ERROR3", "ERROR4", "FATAL", "FATAL2", "FATAL3", "FATAL4",
  };

  if (severity_number < 1 || severity_number > 24)
    return NULL;
  return names[severity_number - 1];
}

static gboolean
level_from_name (const char *text,
                 gsize       len,
                 int        *level)
{
  char name[64];

  if (len >= sizeof name)
    return FALSE;
  memcpy (name, text, len);
  name[len] = '\0';
  return ld_level_parse_name (name, level);
}

/* "INFO", "WARN+2", "ERROR-1": slog's names with an offset. */
static gboolean
level_from_slog_name (const char *text,
                      gsize       len,
                      int        *level)
{
  static const struct { const char *name; int value; } names[] = {
    { "DEBUG", -4 }, { "INFO", 0 }, { "WARN", 4 }, { "ERROR", 8 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      gsize n = strlen (names[i].name);
      Decimal d;

      if (len < n || g_ascii_strncasecmp (text, names[i].name, n) != 0)
        continue;
      if (len == n)
        {
          *level = ld_json_level_from_slog (names[i].value);
          return TRUE;
        }
      if ((text[n] == '+' || text[n] == '-') && read_decimal (text + n + 1, len - n - 1, &d)
          && d.exponent == 0 && d.digits <= 6 && !d.negative)
        {
          int offset = (int) d.mantissa;

          *level = ld_json_level_from_slog (names[i].value + (text[n] == '-' ? -offset : offset));
          return TRUE;
        }
    }
  return FALSE;
}

/* Normalising one object */


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

typedef enum
{
  CONVERTED,
  UNREADABLE,  /* kept as an extra field instead */
  EMPTY,       /* dropped, as OTLP's "0" for an unset time */
} Conversion;

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

static inline gboolean
is_filled (const Normalizer *n,
           Role              role)
{
  return (n->filled & (1u << role)) != 0;
}

static GString *
scratch (Normalizer *n)
{
  if (n->scratch == NULL)
    n->scratch = g_string_new (NULL);
  g_string_truncate (n->scratch, 0);
  return n->scratch;
}

static const Rule message_rule = { "body", ROLE_MESSAGE };

static void
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

static char *
copy_text (Normalizer *n,
           const char *text,
           gsize       len)
{
  char *copy = ld_json_parser_alloc (n->parser, len + 1);

  memcpy (copy, text, len);
  copy[len] = '\0';
  return copy;
}

static gboolean
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

  if (!read_decimal (text, len, &d) || d.exponent != 0 || d.digits > 18)
    return FALSE;
  magnitude = d.mantissa;
  *value = d.negative ? -(gint64) magnitude : (gint64) magnitude;
  return TRUE;
}

static gboolean
field_to_int64 (const Field *field,
                gint64      *value)
{
  if (field->type != LD_VALUE_NUMBER && field->type != LD_VALUE_STRING)
    return FALSE;
  return parse_int64 (field->text, field->len, value);
}

static Conversion
convert_time (guint8       conv,
              const Field *field,
              gint64      *time_us)
{
  static const LdJsonTimeUnit units[] = {
    [CONV_TIME_S] = LD_JSON_TIME_SECONDS, [CONV_TIME_MS] = LD_JSON_TIME_MILLISECONDS,
    [CONV_TIME_NS] = LD_JSON_TIME_NANOSECONDS, [CONV_TIME_AUTO] = LD_JSON_TIME_BY_MAGNITUDE,
  };
  gboolean iso;

  if (field->type != LD_VALUE_NUMBER && field->type != LD_VALUE_STRING)
    return UNREADABLE;

  iso = field->type == LD_VALUE_STRING && field->len >= 10 && field->text[4] == '-';
  if (iso ? !ld_json_parse_iso8601 (field->text, field->len, time_us)
          : !ld_json_parse_epoch (field->text, field->len, units[conv], time_us))
    return UNREADABLE;
  return *time_us == 0 ? EMPTY : CONVERTED;
}

static gboolean
level_from_number (guint8  conv,
                   gint64  value,
                   int    *level)
{
  int v = (int) CLAMP (value, -1000000, 1000000);

  switch (conv)
    {
    case CONV_LEVEL_SYSLOG:
      *level = ld_level_from_syslog (v);
      return TRUE;
    case CONV_LEVEL_PINO:
      *level = ld_json_level_from_pino (v);
      return TRUE;
    case CONV_LEVEL_OTEL:
      *level = ld_json_level_from_otel (v);
      return *level >= 0;
    case CONV_LEVEL_SLOG:
      *level = ld_json_level_from_slog (v);
      return TRUE;
    default:
      *level = v;
      return TRUE;
    }
}

static gboolean
convert_level (guint8       conv,
               const Field *field,
               int         *level)
{
  gint64 number;

  if (field_to_int64 (field, &number))
    return level_from_number (conv, number, level);
  if (field->type != LD_VALUE_STRING)
    return FALSE;
  if (conv == CONV_LEVEL_SLOG && level_from_slog_name (field->text, field->len, level))
    return TRUE;
  return level_from_name (field->text, field->len, level);
}

static Conversion
convert (Role         role,
         guint8       conv,
         const Field *field,
         gint64      *number)
{
  int level;

  switch (role)
    {
    case ROLE_TIME:
      return convert_time (conv, field, number);
    case ROLE_LEVEL:
      if (!convert_level (conv, field, &level))
        return UNREADABLE;
      *number = level;
      return CONVERTED;
    case ROLE_LEVEL_NAME:
      /* Read only if no number gives the level; see finish_level(). */
      return field->type == LD_VALUE_STRING ? CONVERTED : UNREADABLE;
    case ROLE_LINE:
      return field_to_int64 (field, number) && *number >= 0 && *number <= G_MAXUINT32
             ? CONVERTED : UNREADABLE;
    case ROLE_THREAD_ID:
    case ROLE_PROCESS:
      return field_to_int64 (field, number) ? CONVERTED : UNREADABLE;
    case ROLE_CALLER:
      return field->type == LD_VALUE_STRING ? CONVERTED : UNREADABLE;
    default:
      return field->type == LD_VALUE_STRING || field->type == LD_VALUE_NUMBER
             ? CONVERTED : UNREADABLE;
    }
}

static void
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

static gboolean
same_text (const Field *a,
           const Field *b)
{
  return a->len == b->len && memcmp (a->text, b->text, a->len) == 0;
}

/* A field that lost its role to another stays visible, unless it repeats the winner. */
static void
lose (Normalizer  *n,
      const Field *loser,
      guint8       flags,
      const Field *winner)
{
  if ((flags & (F_FALLBACK | F_KEEP)) || same_text (loser, winner))
    return;
  keep_extra (n, loser);
}

static Role
effective_role (const Rule  *rule,
                const Field *field)
{
  if (rule->role == ROLE_THREAD && field->type == LD_VALUE_NUMBER && rule->conv != CONV_TEXT)
    return ROLE_THREAD_ID;
  if (rule->role == ROLE_LEVEL_NAME && field->type == LD_VALUE_NUMBER)
    return ROLE_LEVEL;
  return rule->role;
}

static void
assign (Normalizer  *n,
        const Rule  *rule,
        guint8       rank,
        const Field *field)
{
  Role role;
  Slot *slot;
  gint64 number = 0;
  Conversion conversion;

  if (rule == NULL || rule->role == ROLE_EXTRA)
    {
      if (field->type != LD_VALUE_NULL || rule == NULL || !(rule->flags & F_DROP_NULL))
        keep_extra (n, field);
      return;
    }
  if (rule->role == ROLE_DROP || field->type == LD_VALUE_NULL)
    return;

  g_assert (rule->role < N_SLOTS);
  role = effective_role (rule, field);
  conversion = convert (role, rule->conv, field, &number);
  if (conversion != CONVERTED)
    {
      if (conversion == UNREADABLE)
        keep_extra (n, field);
      return;
    }
  if (rule->flags & F_KEEP)
    keep_extra (n, field);

  slot = &n->slots[role];
  if (is_filled (n, role) && rank <= slot->rank)
    {
      lose (n, field, rule->flags, &slot->field);
      return;
    }
  if (is_filled (n, role))
    lose (n, &slot->field, slot->flags, field);
  *slot = (Slot) { *field, number, rank, rule->flags, rule->conv };
  n->filled |= 1u << role;
}

/* Walking an object */

static void walk_object (Normalizer       *n,
                         const LdJsonNode *object,
                         const char       *prefix,
                         gsize             prefix_len,
                         guint8            bias);

static const Rule *
rule_for (Normalizer  *n,
          const char  *path,
          gsize        len,
          guint32      hash)
{
  const Entry *entry = index_lookup (n->index, path, len, hash);

  return entry != NULL ? entry->rules[n->dialect] : NULL;
}

static const char *
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

/* Members of Logdeck's own "extra" object are fields whatever they are called. */
static void
walk_as_extras (Normalizer       *n,
                const LdJsonNode *object,
                const char       *prefix,
                gsize             prefix_len)
{
  for (const LdJsonNode *key = ld_json_object_first (object); key != NULL;
       key = ld_json_object_next (object, key))
    {
      gsize len;
      const char *path = join_path (n, prefix, prefix_len, key->text, key->len, &len);
      Field field;

      if (key[1].kind == LD_JSON_OBJECT && key[1].len > 0)
        walk_as_extras (n, key + 1, path, len);
      else
        {
          field_from_node (&field, path, len, key + 1);
          keep_extra (n, &field);
        }
    }
}

static void otlp_value_to_json (const LdJsonNode *any,
                                GString          *out);

static const LdJsonNode *
otlp_values (const LdJsonNode *wrapper)
{
  const LdJsonNode *values;

  if (wrapper->kind != LD_JSON_OBJECT)
    return NULL;
  values = ld_json_object_get (wrapper, "values", -1);
  return values != NULL && values->kind == LD_JSON_ARRAY ? values : NULL;
}

static void
otlp_list_to_json (const LdJsonNode *wrapper,
                   gboolean          is_map,
                   GString          *out)
{
  const LdJsonNode *values = otlp_values (wrapper);

  g_string_append_c (out, is_map ? '{' : '[');
  for (const LdJsonNode *item = values != NULL ? ld_json_array_first (values) : NULL;
       item != NULL; item = ld_json_array_next (values, item))
    {
      const LdJsonNode *value = item;

      if (item != values + 1)
        g_string_append_c (out, ',');
      if (is_map)
        {
          const LdJsonNode *key = item->kind == LD_JSON_OBJECT
                                  ? ld_json_object_get (item, "key", -1) : NULL;

          if (key != NULL && key->kind == LD_JSON_STRING)
            ld_jsonl_append_string (out, key->text, key->len);
          else
            g_string_append (out, "\"\"");
          g_string_append_c (out, ':');
          value = item->kind == LD_JSON_OBJECT ? ld_json_object_get (item, "value", -1) : NULL;
        }
      if (value != NULL)
        otlp_value_to_json (value, out);
      else
        g_string_append (out, "null");
    }
  g_string_append_c (out, is_map ? '}' : ']');
}

/* An AnyValue ({"stringValue": "x"}, {"intValue": "5"}, ...) as the plain JSON it stands for;
 * 64-bit integers arrive as strings and leave as numbers. */
static void
otlp_value_to_json (const LdJsonNode *any,
                    GString          *out)
{
  const LdJsonNode *key = any->kind == LD_JSON_OBJECT ? ld_json_object_first (any) : NULL;
  const LdJsonNode *value = key != NULL ? key + 1 : NULL;
  gint64 number;

  if (any->kind != LD_JSON_OBJECT)
    ld_json_node_to_json (any, out);
  else if (key == NULL)
    g_string_append (out, "null");
  else if (ld_json_node_is (key, "arrayValue", 10) || ld_json_node_is (key, "kvlistValue", 11))
    otlp_list_to_json (value, key->len == 11, out);
  else if (ld_json_node_is (key, "intValue", 8) && value->kind == LD_JSON_STRING
           && parse_int64 (value->text, value->len, &number))
    g_string_append_printf (out, "%" G_GINT64_FORMAT, number);
  else
    ld_json_node_to_json (value, out);
}

/* Text of a list value, which lives as long as the parse. */
static void
set_json_text (Normalizer       *n,
               Field            *field,
               const LdJsonNode *any)
{
  GString *json = scratch (n);

  otlp_value_to_json (any, json);
  field->type = LD_VALUE_JSON;
  field->text = copy_text (n, json->str, json->len);
  field->len = json->len;
  field->node = NULL;
}

/* An AnyValue as a field: scalars keep their type, lists become JSON text. */
static void
otlp_field (Normalizer       *n,
            const char       *key,
            gsize             key_len,
            const LdJsonNode *any,
            Field            *field)
{
  const LdJsonNode *type = any->kind == LD_JSON_OBJECT ? ld_json_object_first (any) : NULL;

  if (type == NULL)
    {
      if (any->kind == LD_JSON_OBJECT)
        *field = (Field) { key, key_len, LD_VALUE_NULL, NULL, 0, NULL };
      else
        field_from_node (field, key, key_len, any);
      return;
    }

  field_from_node (field, key, key_len, type + 1);
  if (ld_json_node_is (type, "arrayValue", 10) || ld_json_node_is (type, "kvlistValue", 11))
    set_json_text (n, field, any);
  else if (type[1].kind == LD_JSON_STRING && (ld_json_node_is (type, "intValue", 8)
                                              || ld_json_node_is (type, "doubleValue", 11)))
    field->type = LD_VALUE_NUMBER;
  else if (type[1].kind == LD_JSON_STRING && ld_json_node_is (type, "boolValue", 9))
    field->type = LD_VALUE_BOOL;
}

/* [{"key": k, "value": AnyValue}]; a kvlistValue nests its members under k. */
static void
walk_otlp_attributes (Normalizer       *n,
                      const LdJsonNode *attributes,
                      const char       *prefix,
                      gsize             prefix_len,
                      guint8            bias)
{
  for (const LdJsonNode *item = ld_json_array_first (attributes); item != NULL;
       item = ld_json_array_next (attributes, item))
    {
      const LdJsonNode *key = NULL, *value = NULL, *type;
      const char *path;
      gsize len;
      Field field;

      if (item->kind == LD_JSON_OBJECT)
        key = ld_json_object_get (item, "key", -1), value = ld_json_object_get (item, "value", -1);
      if (key == NULL || key->kind != LD_JSON_STRING || value == NULL)
        {
          field_from_node (&field, "attributes", strlen ("attributes"), item);
          keep_extra (n, &field);
          continue;
        }

      path = join_path (n, prefix, prefix_len, key->text, key->len, &len);
      type = value->kind == LD_JSON_OBJECT ? ld_json_object_first (value) : NULL;
      if (type != NULL && ld_json_node_is (type, "kvlistValue", 11) && otlp_values (type + 1))
        walk_otlp_attributes (n, otlp_values (type + 1), path, len, bias);
      else
        {
          const Rule *rule = rule_for (n, path, len, ld_json_hash (path, len));

          otlp_field (n, path, len, value, &field);
          assign (n, rule, rule != NULL ? rule->rank * 2 + bias : 0, &field);
        }
    }
}

/* Values whose rule takes them whole; FALSE if this one does not have the expected form. */
static gboolean
walk_special (Normalizer       *n,
              const Rule       *rule,
              const char       *path,
              gsize             len,
              const LdJsonNode *value,
              guint8            bias)
{
  Field field;

  switch (rule->role)
    {
    case ROLE_OTLP_BODY:
      otlp_field (n, path, len, value, &field);
      if (field.type == LD_VALUE_JSON && field.node != NULL)
        set_json_text (n, &field, value);
      if (field.type == LD_VALUE_JSON)
        field.type = LD_VALUE_STRING;
      assign (n, &message_rule, rule->rank * 2 + bias, &field);
      return TRUE;
    case ROLE_OTLP_ATTRIBUTES:
      if (value->kind != LD_JSON_ARRAY)
        return FALSE;
      walk_otlp_attributes (n, value, NULL, 0, bias);
      return TRUE;
    case ROLE_EXTRA_OBJECT:
      if (value->kind != LD_JSON_OBJECT)
        return FALSE;
      walk_as_extras (n, value, NULL, 0);
      return TRUE;
    default:
      g_assert_not_reached ();
    }
}

static void
walk_member (Normalizer       *n,
             const char       *path,
             gsize             len,
             const Rule       *rule,
             const LdJsonNode *value,
             guint8            bias)
{
  guint flags = dialects[n->dialect].flags;
  Field field;

  if (rule == NULL && (flags & D_STRIP_UNDERSCORE) && len > 1 && path[0] == '_')
    {
      path++, len--;
      rule = rule_for (n, path, len, ld_json_hash (path, len));
    }
  else if (rule == NULL && (flags & D_UNESCAPE_AT) && len > 2 && path[0] == '@' && path[1] == '@')
    path++, len--;

  if (rule != NULL && rule->role >= N_SLOTS)
    {
      if (walk_special (n, rule, path, len, value, bias))
        return;
      rule = NULL;
    }
  if (value->kind == LD_JSON_OBJECT && value->len > 0)
    {
      walk_object (n, value, path, len, bias);
      return;
    }
  field_from_node (&field, path, len, value);
  assign (n, rule, rule != NULL ? rule->rank * 2 + bias : 0, &field);
}

static void
walk_object (Normalizer       *n,
             const LdJsonNode *object,
             const char       *prefix,
             gsize             prefix_len,
             guint8            bias)
{
  for (const LdJsonNode *key = ld_json_object_first (object); key != NULL;
       key = ld_json_object_next (object, key))
    {
      gsize len;
      const char *path = join_path (n, prefix, prefix_len, key->text, key->len, &len);
      guint32 hash = prefix == NULL ? key->hash : ld_json_hash (path, len);

      walk_member (n, path, len, rule_for (n, path, len, hash), key + 1, bias);
    }
}

/* Fills @entries, if given, with the index entries of the object's keys, for the walk. */
static guint
detect (const Index      *index,
        const LdJsonNode *object,
        const Entry     **entries)
{
  guint64 present = 0;
  guint i = 0;

  for (const LdJsonNode *key = ld_json_object_first (object); key != NULL;
       key = ld_json_object_next (object, key), i++)
    {
      const Entry *entry = index_lookup (index, key->text, key->len, key->hash);

      if (entries != NULL)
        entries[i] = entry;
      if (entry != NULL)
        present |= entry->signature[key[1].kind];
    }

  for (guint d = 0; d < N_DIALECTS; d++)
    for (guint a = 0; a < index->n_alternatives[d]; a++)
      if ((index->alternatives[d][a] & present) == index->alternatives[d][a])
        return d;

  return N_DIALECTS - 1;
}

/**
 * ld_json_detect_dialect:
 * @object: an object node
 *
 * Returns: the name of the shape ld_json_normalize() reads @object as, such as "python",
 *   "slog" or "generic"
 */
const char *
ld_json_detect_dialect (const LdJsonNode *object)
{
  g_return_val_if_fail (object != NULL && object->kind == LD_JSON_OBJECT, NULL);

  return dialects[detect (get_index (), object, NULL)].name;
}

/* Serilog message templates */

/* The digits after a format letter, such as the 2 of "F2", at most 30. */
static int
format_digits (const char *text,
               gsize       len,
               int         fallback)
{
  int value = 0;

  if (len == 0)
    return fallback;
  for (gsize i = 0; i < len && text[i] >= '0' && text[i] <= '9'; i++)
    value = MIN (value * 10 + (text[i] - '0'), 30);
  return value;
}

/* .NET numeric formats, the simple cases: F2 and N2 (two decimals, no grouping), D4 (four
 * digits), X (hexadecimal) and "000.00" (padding and decimals).  Anything else, and numbers
 * too large for them, are written as sent. */
static void
format_number (GString    *out,
               const char *text,
               gsize       len,
               const char *format,
               gsize       format_len)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE + 64], spec[32];
  g_autofree char *copy = g_strndup (text, len);
  double value = g_ascii_strtod (copy, NULL);
  char kind = format_len > 0 ? g_ascii_toupper (format[0]) : '\0';
  int digits = format_digits (format + 1, format_len > 0 ? format_len - 1 : 0,
                              kind == 'D' || kind == 'X' ? 0 : 2);
  const char *dot = memchr (format, '.', format_len);

  if (!isfinite (value) || fabs (value) >= 1e15 || strchr ("FNDX0", kind) == NULL || kind == 0)
    g_string_append_len (out, text, len);
  else if (kind == 'X')
    g_string_append_printf (out, format[0] == 'X' ? "%0*" G_GINT64_MODIFIER "X"
                                                  : "%0*" G_GINT64_MODIFIER "x",
                            digits, (gint64) value);
  else if (kind == 'D')
    g_string_append_printf (out, "%0*" G_GINT64_FORMAT, digits, (gint64) value);
  else
    {
      if (kind == '0')
        g_snprintf (spec, sizeof spec, "%%0%d.%df", (int) MIN (format_len, 30),
                    dot != NULL ? (int) MIN (format + format_len - dot - 1, 20) : 0);
      else
        g_snprintf (spec, sizeof spec, "%%.%df", digits);
      g_string_append (out, g_ascii_formatd (buffer, sizeof buffer, spec, value));
    }
}

/* Strings are quoted, as Serilog renders them, unless the format is "l". */
static void
render_value (GString          *out,
              const LdJsonNode *value,
              const char       *format,
              gsize             format_len)
{
  gboolean literal = format_len == 1 && format[0] == 'l';

  switch (value->kind)
    {
    case LD_JSON_STRING:
      if (!literal)
        g_string_append_c (out, '"');
      g_string_append_len (out, value->text, value->len);
      if (!literal)
        g_string_append_c (out, '"');
      break;
    case LD_JSON_NUMBER:
      format_number (out, value->text, value->len, format, format_len);
      break;
    case LD_JSON_TRUE:
      g_string_append (out, "True");
      break;
    case LD_JSON_FALSE:
      g_string_append (out, "False");
      break;
    default:
      ld_json_node_to_json (value, out);
      break;
    }
}

/* {Name}, {@Name}, {$Name}, {Name,alignment:format}; a property the record lacks stays as
 * written. */
static void
render_hole (const LdJsonNode *object,
             const char       *hole,
             gsize             len,
             GString          *out)
{
  const char *end = hole + len, *name = hole, *name_end, *format;
  const LdJsonNode *value;

  if (name < end && (*name == '@' || *name == '$'))
    name++;
  for (name_end = name; name_end < end && *name_end != ',' && *name_end != ':'; name_end++)
    ;
  format = memchr (name_end, ':', end - name_end);
  format = format != NULL ? format + 1 : end;

  value = ld_json_object_get (object, name, name_end - name);
  if (value == NULL)
    {
      g_string_append_c (out, '{');
      g_string_append_len (out, hole, len);
      g_string_append_c (out, '}');
      return;
    }
  render_value (out, value, format, end - format);
}

static void
render_template (const LdJsonNode *object,
                 const char       *text,
                 gsize             len,
                 GString          *out)
{
  const char *end = text + len;

  for (const char *q = text; q < end;)
    {
      const char *close;

      if ((*q == '{' || *q == '}') && q + 1 < end && q[1] == *q)
        {
          g_string_append_c (out, *q);
          q += 2;
        }
      else if (*q == '{' && (close = memchr (q, '}', end - q)) != NULL)
        {
          render_hole (object, q + 1, close - q - 1, out);
          q = close + 1;
        }
      else
        g_string_append_c (out, *q++);
    }
}

/* Building the record */

static const char *
slot_text (Normalizer *n,
           Role        role)
{
  const Slot *slot = &n->slots[role];

  return is_filled (n, role) ? copy_text (n, slot->field.text, slot->field.len) : NULL;
}

static void
finish_level (Normalizer     *n,
              LdRecordFields *fields)
{
  const Slot *level = &n->slots[ROLE_LEVEL], *name = &n->slots[ROLE_LEVEL_NAME];
  gboolean has_level = is_filled (n, ROLE_LEVEL), has_name = is_filled (n, ROLE_LEVEL_NAME);
  gint64 severity;
  int from_name;

  /* A name Logdeck does not know is still shown as the sender wrote it, at INFO. */
  fields->level = LD_LEVEL_INFO;
  if (has_level)
    fields->level = level->number;
  else if (has_name && convert_level (name->conv, &name->field, &from_name))
    fields->level = from_name;

  if (has_name)
    fields->level_name = slot_text (n, ROLE_LEVEL_NAME);
  else if (has_level && level->conv == CONV_LEVEL_OTEL
           && field_to_int64 (&level->field, &severity))
    fields->level_name = otel_severity_name (severity);
  else if (has_level)
    fields->level_name = ld_level_canonical_name (fields->level);
}

static const char *
find_line_marker (const char *text,
                  gsize       len,
                  const char *marker)
{
  return memmem (text, len, marker, strlen (marker));
}

/* QueueHandler.prepare() leaves the formatted traceback and stack at the end of the message,
 * where Python's Formatter put them; they go back to their own fields. */
static void
split_python_message (Normalizer     *n,
                      LdRecordFields *fields)
{
  const char *text = fields->message;
  gsize len = fields->message_len;
  const char *found;

  if (memchr (text, '\n', len) == NULL)
    return;
  if (fields->stack == NULL
      && (found = find_line_marker (text, len, "\nStack (most recent call last):\n")) != NULL)
    {
      fields->stack = copy_text (n, found + 1, text + len - found - 1);
      len = found - text;
    }
  if (fields->exception == NULL
      && (found = find_line_marker (text, len, "\nTraceback (most recent call last):\n")) != NULL)
    {
      fields->exception = copy_text (n, found + 1, text + len - found - 1);
      len = found - text;
    }
  fields->message_len = len;
}

static gboolean
is_key (const Field *field,
        const char  *key)
{
  return field->key_len == strlen (key) && memcmp (field->key, key, field->key_len) == 0;
}

/* Removes the extra fields that @key became: itself, or "key.x" for each member x of an
 * object, which the walk flattened. */
static void
forget_extra (Normalizer *n,
              const char *key)
{
  gsize len = strlen (key);
  guint kept = 0;

  for (guint i = 0; i < n->n_extras; i++)
    {
      const Field *field = &n->extras[i];

      if (field->key_len < len || memcmp (field->key, key, len) != 0
          || (field->key_len > len && field->key[len] != '.'))
        n->extras[kept++] = *field;
    }
  n->n_extras = kept;
}

/* A record.__dict__ that QueueHandler.prepare() did not format carries msg and args apart;
 * its message is msg % args, as LogRecord.getMessage() makes it, and the args, now in the
 * message, are not kept as a field, as for pickled records. */
static void
format_python_args (Normalizer     *n,
                    LdRecordFields *fields)
{
  const Field *msg = &n->slots[ROLE_MESSAGE].field;
  g_autoptr(LdPickleValue) args = NULL;
  const LdJsonNode *node;
  GString *text;

  if (dialects[n->dialect].rules != python_rules || n->object == NULL
      || !is_filled (n, ROLE_MESSAGE) || !is_key (msg, "msg"))
    return;
  node = ld_json_object_get (n->object, "args", 4);
  if (node == NULL || node->kind == LD_JSON_NULL
      || (args = ld_json_pyargs_to_value (node, NULL)) == NULL || !ld_pyformat_is_true (args))
    return;

  text = scratch (n);
  ld_pyformat_message (text, fields->message, fields->message_len, args);
  fields->message = copy_text (n, text->str, text->len);
  fields->message_len = text->len;
  forget_extra (n, "args");
}

static void
finish_message (Normalizer     *n,
                LdRecordFields *fields)
{
  const Slot *message = &n->slots[ROLE_MESSAGE], *template = &n->slots[ROLE_TEMPLATE];

  fields->message = "";
  fields->message_len = 0;
  if (is_filled (n, ROLE_MESSAGE))
    {
      fields->message = message->field.text;
      fields->message_len = message->field.len;
    }
  else if (is_filled (n, ROLE_TEMPLATE) && n->object != NULL)
    {
      GString *text = scratch (n);

      render_template (n->object, template->field.text, template->field.len, text);
      fields->message = copy_text (n, text->str, text->len);
      fields->message_len = text->len;
    }
  format_python_args (n, fields);
}

/* Without a trace, "Type: message" from the error's parts is the exception text. */
static void
finish_exception (Normalizer     *n,
                  LdRecordFields *fields)
{
  const Slot *type = &n->slots[ROLE_ERROR_TYPE], *message = &n->slots[ROLE_ERROR_MESSAGE];
  const Slot *exception = &n->slots[ROLE_EXCEPTION];

  if (is_filled (n, ROLE_EXCEPTION))
    {
      /* GELF's full_message often just repeats the short one. */
      if (exception->field.len != (gsize) fields->message_len
          || memcmp (exception->field.text, fields->message, fields->message_len) != 0)
        fields->exception = slot_text (n, ROLE_EXCEPTION);
    }
  else if (is_filled (n, ROLE_ERROR_TYPE) || is_filled (n, ROLE_ERROR_MESSAGE))
    {
      GString *text = scratch (n);

      if (is_filled (n, ROLE_ERROR_TYPE))
        g_string_append_len (text, type->field.text, type->field.len);
      if (is_filled (n, ROLE_ERROR_TYPE) && is_filled (n, ROLE_ERROR_MESSAGE))
        g_string_append (text, ": ");
      if (is_filled (n, ROLE_ERROR_MESSAGE))
        g_string_append_len (text, message->field.text, message->field.len);
      fields->exception = copy_text (n, text->str, text->len);
    }
}

/* "pkg/file.go:42" or "C:\src\app.cs:7": the line is after the last colon. */
static void
finish_caller (Normalizer     *n,
               LdRecordFields *fields)
{
  const Field *caller = &n->slots[ROLE_CALLER].field;
  gsize file_len = caller->len;
  gint64 line;

  if (!is_filled (n, ROLE_CALLER))
    return;
  for (gsize i = caller->len; i > 0; i--)
    if (caller->text[i - 1] == ':')
      {
        if (parse_int64 (caller->text + i, caller->len - i, &line) && line >= 0
            && line <= G_MAXUINT32)
          {
            file_len = i - 1;
            if (fields->line == 0)
              fields->line = line;
          }
        break;
      }
  if (fields->file == NULL)
    fields->file = copy_text (n, caller->text, file_len);
}

/* Whether @name is the base name of @path, or with @strip_extension, that without its
 * extension: what Python derives as filename and module. */
static gboolean
is_derived_name (const Field *name,
                 const char  *path,
                 gboolean     strip_extension)
{
  const char *base = path, *end;

  for (const char *q = path; *q != '\0'; q++)
    if (*q == '/' || *q == '\\')
      base = q + 1;
  end = strip_extension && strrchr (base, '.') != NULL ? strrchr (base, '.') : base + strlen (base);
  return name->len == (gsize) (end - base) && memcmp (name->text, base, name->len) == 0;
}

static void
finish_python_names (Normalizer     *n,
                     LdRecordFields *fields)
{
  const Field *filename = &n->slots[ROLE_FILENAME].field, *module = &n->slots[ROLE_MODULE].field;

  if (is_filled (n, ROLE_FILENAME) && fields->file == NULL)
    fields->file = copy_text (n, filename->text, filename->len);
  else if (is_filled (n, ROLE_FILENAME) && !is_derived_name (filename, fields->file, FALSE))
    keep_extra (n, filename);

  if (is_filled (n, ROLE_MODULE)
      && (fields->file == NULL || !is_derived_name (module, fields->file, TRUE)))
    keep_extra (n, module);
}

/* The structured form's object is parsed while the record's own nodes are still in use, so
 * it has a parser of its own, one per thread like the callers' parsers. */
static GPrivate structured_parser_key = G_PRIVATE_INIT ((GDestroyNotify) ld_json_parser_free);

static LdJsonParser *
structured_parser (void)
{
  LdJsonParser *parser = g_private_get (&structured_parser_key);

  if (parser == NULL)
    {
      parser = ld_json_parser_new ();
      g_private_set (&structured_parser_key, parser);
    }

  return parser;
}

/* Lifted fields that the record already has are dropped: the original message keeps them. */
static void
forget_repeated_extras (Normalizer *n,
                        guint       first_lifted)
{
  guint kept = first_lifted;

  for (guint i = first_lifted; i < n->n_extras; i++)
    {
      const Field *lifted = &n->extras[i];
      gboolean repeated = FALSE;

      for (guint j = 0; j < first_lifted && !repeated; j++)
        repeated = n->extras[j].key_len == lifted->key_len
                   && memcmp (n->extras[j].key, lifted->key, lifted->key_len) == 0;
      if (!repeated)
        n->extras[kept++] = *lifted;
    }
  n->n_extras = kept;
}

/* The cookbook's `text >>> {"key": value}`: see ld-structured-message.c. */
static void
split_structured_message (Normalizer     *n,
                          LdRecordFields *fields)
{
  Field original = {
    .key = LD_STRUCTURED_MESSAGE_ORIGINAL,
    .key_len = strlen (LD_STRUCTURED_MESSAGE_ORIGINAL),
    .type = LD_VALUE_STRING,
    .text = fields->message,
    .len = fields->message_len,
  };
  const LdJsonNode *object;
  gsize text_len;
  guint first_lifted;

  object = ld_structured_message_split (structured_parser (), fields->message,
                                        fields->message_len, &text_len);
  if (object == NULL)
    return;

  keep_extra (n, &original);
  first_lifted = n->n_extras;
  walk_as_extras (n, object, NULL, 0);
  forget_repeated_extras (n, first_lifted);
  fields->message_len = text_len;
}

static const char *
text_or (Normalizer *n,
         Role        role,
         const char *fallback)
{
  return is_filled (n, role) ? slot_text (n, role) : fallback;
}

static void
add_extras (Normalizer *n)
{
  for (guint i = 0; i < n->n_extras; i++)
    {
      const Field *field = &n->extras[i];
      const char *text = field->text;
      gsize len = field->len;

      if (field->node != NULL)
        {
          GString *json = scratch (n);

          ld_json_node_to_json (field->node, json);
          text = json->str;
          len = json->len;
        }
      ld_batch_add_extra (n->batch, field->key, field->key_len, field->type, text, len);
    }
}

static void
emit_record (Normalizer *n)
{
  const Slot *slots = n->slots;
  LdRecordFields fields = { 0 };

  if (!is_filled (n, ROLE_TIME) && n->now == 0)
    n->now = g_get_real_time ();
  fields.time_us = is_filled (n, ROLE_TIME) ? slots[ROLE_TIME].number : n->now;
  finish_level (n, &fields);
  fields.logger = slot_text (n, ROLE_LOGGER);
  fields.stack = slot_text (n, ROLE_STACK);
  finish_message (n, &fields);
  finish_exception (n, &fields);
  if (dialects[n->dialect].flags & D_SPLIT_TRACEBACK)
    split_python_message (n, &fields);
  split_structured_message (n, &fields);
  if (fields.message_len == 0)
    fields.message = "";
  fields.thread = slot_text (n, ROLE_THREAD);
  fields.thread_id = is_filled (n, ROLE_THREAD_ID) ? slots[ROLE_THREAD_ID].number : 0;
  fields.process = is_filled (n, ROLE_PROCESS) ? slots[ROLE_PROCESS].number : 0;
  fields.process_name = slot_text (n, ROLE_PROCESS_NAME);
  fields.task = slot_text (n, ROLE_TASK);
  fields.file = slot_text (n, ROLE_FILE);
  fields.line = is_filled (n, ROLE_LINE) ? slots[ROLE_LINE].number : 0;
  fields.function = slot_text (n, ROLE_FUNCTION);
  finish_caller (n, &fields);
  finish_python_names (n, &fields);
  fields.connection = text_or (n, ROLE_CONNECTION, n->ctx->origin.connection);
  fields.peer = text_or (n, ROLE_PEER, n->ctx->origin.peer);
  fields.protocol = text_or (n, ROLE_PROTOCOL, n->ctx->origin.protocol);

  ld_batch_add (n->batch, &fields);
  add_extras (n);
  n->added++;
}

static void
begin_record (Normalizer       *n,
              guint             dialect,
              const LdJsonNode *object)
{
  n->filled = 0;
  n->n_extras = 0;
  n->dialect = dialect;
  n->object = object;
}

static void
walk_record (Normalizer       *n,
             const LdJsonNode *object)
{
  guint i = 0;

  for (const LdJsonNode *key = ld_json_object_first (object); key != NULL;
       key = ld_json_object_next (object, key), i++)
    {
      const Entry *entry = n->entries[i];

      walk_member (n, key->text, key->len, entry != NULL ? entry->rules[n->dialect] : NULL,
                   key + 1, 1);
    }
}

static const LdJsonNode *
get_member (const LdJsonNode *object,
            const char       *key,
            LdJsonKind        kind)
{
  const LdJsonNode *value;

  if (object == NULL || object->kind != LD_JSON_OBJECT)
    return NULL;
  value = ld_json_object_get (object, key, -1);
  return value != NULL && value->kind == kind ? value : NULL;
}

/* One record of a whole export: what the resource and the scope say comes first, at a lower
 * rank than what the record says itself. */
static void
read_otlp_record (Normalizer       *n,
                  const LdJsonNode *record,
                  const LdJsonNode *resource_attributes,
                  const LdJsonNode *scope)
{
  const LdJsonNode *name = get_member (scope, "name", LD_JSON_STRING);
  const LdJsonNode *version = get_member (scope, "version", LD_JSON_STRING);
  Field field;

  begin_record (n, DIALECT_OTLP, record);
  if (resource_attributes != NULL)
    walk_otlp_attributes (n, resource_attributes, NULL, 0, 0);
  if (name != NULL)
    walk_member (n, SCOPE_NAME, strlen (SCOPE_NAME),
                 rule_for (n, SCOPE_NAME, strlen (SCOPE_NAME),
                           ld_json_hash (SCOPE_NAME, strlen (SCOPE_NAME))),
                 name, 0);
  if (version != NULL)
    {
      field_from_node (&field, "otel.scope.version", strlen ("otel.scope.version"), version);
      keep_extra (n, &field);
    }
  walk_object (n, record, NULL, 0, 1);
  emit_record (n);
}

/* {"resourceLogs": [{"resource": {"attributes": [...]},
 *                    "scopeLogs": [{"scope": {"name": ...}, "logRecords": [...]}]}]} */
static void
read_otlp_export (Normalizer       *n,
                  const LdJsonNode *export)
{
  const LdJsonNode *resource_logs = get_member (export, "resourceLogs", LD_JSON_ARRAY);

  for (const LdJsonNode *rl = ld_json_array_first (resource_logs); rl != NULL;
       rl = ld_json_array_next (resource_logs, rl))
    {
      const LdJsonNode *resource = get_member (rl, "resource", LD_JSON_OBJECT);
      const LdJsonNode *attributes = get_member (resource, "attributes", LD_JSON_ARRAY);
      const LdJsonNode *scope_logs = get_member (rl, "scopeLogs", LD_JSON_ARRAY);

      for (const LdJsonNode *sl = scope_logs != NULL ? ld_json_array_first (scope_logs) : NULL;
           sl != NULL; sl = ld_json_array_next (scope_logs, sl))
        {
          const LdJsonNode *scope = get_member (sl, "scope", LD_JSON_OBJECT);
          const LdJsonNode *records = get_member (sl, "logRecords", LD_JSON_ARRAY);

          for (const LdJsonNode *r = records != NULL ? ld_json_array_first (records) : NULL;
               r != NULL; r = ld_json_array_next (records, r))
            if (r->kind == LD_JSON_OBJECT)
              read_otlp_record (n, r, attributes, scope);
        }
    }
}

static void
normalize_object (Normalizer       *n,
                  const LdJsonNode *object)
{
  guint dialect;

  if (G_UNLIKELY (object->len > n->entries_size))
    {
      if (n->entries != n->entries_inline)
        g_free (n->entries);
      n->entries_size = object->len;
      n->entries = g_new (const Entry *, n->entries_size);
    }
  dialect = detect (n->index, object, n->entries);

  if (dialects[dialect].flags & D_OTLP_EXPORT)
    {
      read_otlp_export (n, object);
      return;
    }
  begin_record (n, dialect, object);
  walk_record (n, object);
  emit_record (n);
}

/* Reading the text */

/* Error offsets only grow, so lines are counted once, from where the last count stopped. */
static gsize
line_at (Normalizer *n,
         gsize       offset)
{
  const char *q = n->text + n->counted, *end = n->text + offset;

  if (offset < n->counted)
    {
      n->counted = 0;
      n->line = 1;
      return line_at (n, offset);
    }
  while ((q = memchr (q, '\n', end - q)) != NULL)
    {
      n->line++;
      q++;
    }
  n->counted = offset;
  return n->line;
}

/* The line named is where the bad value starts, which is what a reader of newline-delimited
 * input needs; the byte offset in the message is the error's own. */
static void
report (Normalizer *n,
        GError     *error,
        gsize       offset,
        gsize       start,
        gsize       end)
{
  LdJsonBadValue bad = { NULL, line_at (n, start), offset, start, end };

  g_prefix_error (&error, "line %" G_GSIZE_FORMAT ", ", bad.line);
  bad.error = error;
  if (n->ctx->bad_value_func != NULL)
    n->ctx->bad_value_func (&bad, n->ctx->user_data);
  if (n->first_error == NULL)
    n->first_error = error;
  else
    g_error_free (error);
}

static const char *
kind_name (LdJsonKind kind)
{
  static const char *names[] = { "null", "false", "true", "a number", "a string", "an array",
                                 "an object" };
  return names[kind];
}

/* @start and @end bound the value in the text, as far as the caller knows. */
static void
report_not_object (Normalizer       *n,
                   const LdJsonNode *value,
                   gsize             start,
                   gsize             end)
{
  GError *error;

  /* Strings may live in the parser's arena; every other node points into the text. */
  if (value->kind != LD_JSON_STRING)
    start = value->text - n->text;
  error = g_error_new (LD_JSON_ERROR, LD_JSON_ERROR_NOT_OBJECT,
                       "byte %" G_GSIZE_FORMAT ": expected a log record object, found %s",
                       start, kind_name (value->kind));
  report (n, error, start, start, end);
}

static gsize
skip_space (Normalizer *n,
            gsize       offset)
{
  while (offset < n->len && (n->text[offset] == ' ' || n->text[offset] == '\n'
                             || n->text[offset] == '\r' || n->text[offset] == '\t'))
    offset++;
  return offset;
}

static gsize
next_line (Normalizer *n,
           gsize       offset)
{
  const char *newline = memchr (n->text + offset, '\n', n->len - offset);

  return newline != NULL ? (gsize) (newline - n->text) + 1 : n->len;
}

static gboolean
line_starts_value (Normalizer *n,
                   gsize       line)
{
  while (line < n->len && (n->text[line] == ' ' || n->text[line] == '\t'))
    line++;
  return line < n->len && (n->text[line] == '{' || n->text[line] == '[');
}

/* Where to read on after an error at @offset.  If the parser stopped at a value that begins
 * a line, the line before was cut short (a writer died mid-line) and this one is good.
 * Otherwise the next line that begins a value; lines between are taken to be the rest of
 * the bad value, such as a broken pretty-printed object. */
static gsize
resume_after_error (Normalizer *n,
                    gsize       offset)
{
  gsize line = offset;

  while (line > 0 && n->text[line - 1] != '\n')
    line--;
  if (line_starts_value (n, line) && skip_space (n, line) == offset && offset < n->len)
    return offset;

  for (line = next_line (n, offset); line < n->len; line = next_line (n, line))
    if (line_starts_value (n, line))
      return line;
  return n->len;
}

/* What the text has at @offset, for error messages, as the parser words it. */
static char *
describe_at (Normalizer *n,
             gsize       offset)
{
  guchar c;

  if (offset >= n->len)
    return g_strdup ("the end of the text");
  c = n->text[offset];
  if (c >= 0x21 && c < 0x7f)
    return g_strdup_printf ("'%c'", c);
  return g_strdup_printf ("byte 0x%02x", c);
}

/* A record must end its line, though several may share one ("{...}{...}"). */
static gboolean
check_line_end (Normalizer *n,
                gsize      *offset,
                GError    **error)
{
  g_autofree char *found = NULL;
  gsize q = *offset;

  while (q < n->len && (n->text[q] == ' ' || n->text[q] == '\t' || n->text[q] == '\r'))
    q++;
  if (q >= n->len || n->text[q] == '\n' || n->text[q] == '{' || n->text[q] == '[')
    return TRUE;

  *offset = q;
  found = describe_at (n, q);
  g_set_error (error, LD_JSON_ERROR, LD_JSON_ERROR_SYNTAX,
               "byte %" G_GSIZE_FORMAT ": expected the end of the line after the JSON value, "
               "found %s", q, found);
  return FALSE;
}

static void
take_value (Normalizer       *n,
            const LdJsonNode *value,
            gsize             start,
            gsize             end)
{
  if (value->kind == LD_JSON_OBJECT)
    normalize_object (n, value);
  else if (value->kind == LD_JSON_ARRAY)
    {
      for (const LdJsonNode *item = ld_json_array_first (value); item != NULL;
           item = ld_json_array_next (value, item))
        take_value (n, item, start, end);
    }
  else
    report_not_object (n, value, start, end);
}

/* Newline-delimited (or simply concatenated) values; a bad line is reported and skipped. */
static void
read_values (Normalizer *n,
             gsize       offset)
{
  while ((offset = skip_space (n, offset)) < n->len)
    {
      gsize start = offset;
      GError *error = NULL;
      const LdJsonNode *root = ld_json_parser_parse (n->parser, n->text, n->len, &offset,
                                                     &error);

      if (root != NULL && check_line_end (n, &offset, &error))
        take_value (n, root, start, offset);
      else
        {
          gsize resume = MAX (resume_after_error (n, offset), next_line (n, start));

          report (n, error, offset, start, resume);
          offset = resume;
        }
    }
}

/* A top-level array is read item by item, so that a huge one needs no huge tree and the items
 * before a syntax error still count. */
static gsize
read_array (Normalizer *n,
            gsize       offset)
{
  GError *error = NULL;
  gsize start;

  offset = skip_space (n, offset + 1);
  if (offset < n->len && n->text[offset] == ']')
    return offset + 1;

  for (;;)
    {
      const LdJsonNode *item;

      start = offset = skip_space (n, offset);
      if ((item = ld_json_parser_parse (n->parser, n->text, n->len, &offset, &error)) == NULL)
        break;
      if (item->kind == LD_JSON_OBJECT)
        normalize_object (n, item);
      else
        report_not_object (n, item, start, offset);

      offset = skip_space (n, offset);
      if (offset < n->len && n->text[offset] == ']')
        return offset + 1;
      if (offset >= n->len || n->text[offset] != ',')
        {
          g_autofree char *found = describe_at (n, offset);

          g_set_error (&error, LD_JSON_ERROR,
                       offset >= n->len ? LD_JSON_ERROR_TRUNCATED : LD_JSON_ERROR_SYNTAX,
                       "byte %" G_GSIZE_FORMAT ": expected ',' or ']' after an array item, "
                       "found %s", offset, found);
          start = offset;
          break;
        }
      offset++;
    }

  report (n, error, offset, start, resume_after_error (n, offset));
  return resume_after_error (n, offset);
}

/* Only what is read before it is written is set: the inline arrays are large. */
static void
normalizer_init (Normalizer          *n,
                 LdBatch             *batch,
                 const char          *text,
                 gsize                len,
                 const LdJsonContext *ctx)
{
  static const LdJsonContext no_context = { 0 };

  n->batch = batch;
  n->ctx = ctx != NULL ? ctx : &no_context;
  n->parser = n->ctx->parser;
  n->owns_parser = n->parser == NULL;
  if (n->owns_parser)
    {
      n->parser = ld_json_parser_new ();
      if (n->ctx->max_depth > 0)
        ld_json_parser_set_limits (n->parser, n->ctx->max_depth, 0);
    }
  n->index = get_index ();
  n->dialect = N_DIALECTS - 1;
  n->object = NULL;
  n->filled = 0;
  n->extras = n->extras_inline;
  n->n_extras = 0;
  n->extras_size = G_N_ELEMENTS (n->extras_inline);
  n->entries = n->entries_inline;
  n->entries_size = G_N_ELEMENTS (n->entries_inline);
  n->scratch = NULL;
  n->now = n->ctx->origin.received_us;
  n->added = 0;
  n->first_error = NULL;
  n->text = text;
  n->len = len;
  n->counted = 0;
  n->line = 1;
}

static void
normalizer_clear (Normalizer *n)
{
  if (n->owns_parser)
    ld_json_parser_free (n->parser);
  if (n->extras != n->extras_inline)
    g_free (n->extras);
  if (n->entries != n->entries_inline)
    g_free (n->entries);
  if (n->scratch != NULL)
    g_string_free (n->scratch, TRUE);
  g_clear_error (&n->first_error);
}

/**
 * ld_json_normalize:
 * @batch: where to add the records
 * @text: one JSON object, an array of objects, or newline-delimited objects (UTF-8)
 * @len: the length of @text in bytes
 * @ctx: (nullable): what to put on records that do not say, limits, and where to report bad
 *   values
 * @error: the first bad value, if any
 *
 * Adds one record per object.  A value that is not valid JSON, or not an object, adds nothing
 * and is reported through @ctx's bad_value_func and @error; in newline-delimited input the
 * next line is read as usual, and in an array the items before a syntax error count.
 *
 * Returns: the number of records added, which may be more than 0 even when @error is set
 */
guint
ld_json_normalize (LdBatch             *batch,
                   const char          *text,
                   gsize                len,
                   const LdJsonContext *ctx,
                   GError             **error)
{
  Normalizer n;
  gsize offset = 0, max_length;
  guint added;

  g_return_val_if_fail (batch != NULL, 0);
  g_return_val_if_fail (text != NULL || len == 0, 0);

  normalizer_init (&n, batch, text, len, ctx);
  max_length = n.ctx->max_length > 0 ? n.ctx->max_length : LD_JSON_DEFAULT_MAX_LENGTH;
  if (len > max_length)
    report (&n, g_error_new (LD_JSON_ERROR, LD_JSON_ERROR_LIMIT,
                             "byte 0: the text is %" G_GSIZE_FORMAT " bytes long, more than "
                             "the limit of %" G_GSIZE_FORMAT, len, max_length),
            0, 0, len);
  else
    {
      if (len >= 3 && memcmp (text, "\357\273\277", 3) == 0)
        offset = 3;
      offset = skip_space (&n, offset);
      if (offset < len && text[offset] == '[')
        offset = read_array (&n, offset);
      read_values (&n, offset);
    }

  added = n.added;
  if (n.first_error != NULL)
    g_propagate_error (error, g_steal_pointer (&n.first_error));
  normalizer_clear (&n);
  return added;
}
