// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include "ld-json-normalize-private.h"

/* The shapes the normaliser knows, each a signature (the keys that tell it) and a rules table
 * (what its keys mean), and the index that finds a key's signature bits and rules in one
 * lookup; ld-json-normalize.c explains the whole. */

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
  { "host", ROLE_HOST },
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
  { "traceId", ROLE_TRACE_ID },
  { "spanId", ROLE_SPAN_ID },
  { "service.name", ROLE_SERVICE, 0, 0, F_KEEP },
  { "host.name", ROLE_HOST, 0, 0, F_KEEP },
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
const Dialect _ld_json_dialects[] = {
  { "otlp-export", "resourceLogs:array", otlp_rules, D_OTLP_EXPORT },
  { "otlp", "timeUnixNano|observedTimeUnixNano|severityNumber|severityText body", otlp_rules },
  { "clef", "@t|@mt|@m", clef_rules, D_UNESCAPE_AT },
  { "gelf", "short_message", gelf_rules, D_STRIP_UNDERSCORE },
  { "ecs", "@timestamp", ecs_rules },
  { "logdeck", "levelno:number level:string time:string", logdeck_rules },
  { "python", "levelno|created:number|funcName", python_rules,
    D_SPLIT_TRACEBACK | D_PYTHON_ARGS },
  { "python-json-logger", "levelname|asctime", python_rules,
    D_SPLIT_TRACEBACK | D_PYTHON_ARGS },
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

G_STATIC_ASSERT (G_N_ELEMENTS (_ld_json_dialects) == N_DIALECTS);

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
  g_auto(GStrv) alternatives = g_strsplit (_ld_json_dialects[d].signature, "|", -1);

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

const Index *
_ld_json_get_index (void)
{
  static gsize shared;

  if (g_once_init_enter (&shared))
    {
      Index *index = g_new0 (Index, 1);
      g_autoptr(GHashTable) bits = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

      /* Far more slots than paths (a few hundred) keep probes short. */
      g_assert (strcmp (_ld_json_dialects[DIALECT_OTLP].name, "otlp") == 0);
      index->mask = 2047;
      index->slots = g_new0 (Entry *, index->mask + 1);
      for (guint d = 0; d < N_DIALECTS; d++)
        {
          index_add_signature (index, bits, d);
          index_add_rules (index, d, _ld_json_dialects[d].rules);
          index_add_rules (index, d, common_rules);
        }
      g_once_init_leave (&shared, (gsize) index);
    }

  return (const Index *) shared;
}

/* Fills @entries, if given, with the index entries of the object's keys, for the walk. */
guint
_ld_json_detect (const Index      *index,
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

  return _ld_json_dialects[_ld_json_detect (_ld_json_get_index (), object, NULL)].name;
}

