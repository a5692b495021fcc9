// SPDX-License-Identifier: GPL-3.0-or-later
//
// Turns JSON log objects of the common shapes (Python's record.__dict__, structlog, slog,
// zap, pino, Serilog CLEF, GELF, ECS, OTLP, Vector, Fluent Bit, ...) into records.  Which
// shape an object has is decided from its keys by the table in ld-json-dialects.c, and each
// shape maps its own time units and level scale; see that table for the rules.

#pragma once

#include <glib.h>

#include "ld-json.h"
#include "ld-record.h"

G_BEGIN_DECLS

#define LD_JSON_DEFAULT_MAX_LENGTH (16 * 1024 * 1024)

/* One value that could not become a record: a line of newline-delimited JSON, an item of an
 * array, or the whole text. */
typedef struct
{
  const GError *error;   /* its message names the line, the byte offset and what was expected */
  gsize         line;    /* 1-based line of the error */
  gsize         offset;  /* byte offset of the error in the text */
  gsize         start;   /* where the bad value starts, to quote it */
  gsize         end;     /* where reading went on after it */
} LdJsonBadValue;

typedef void (*LdJsonBadValueFunc) (const LdJsonBadValue *bad,
                                    gpointer              user_data);

typedef struct
{
  LdRecordOrigin      origin;         /* for records that do not name their own */
  guint               max_depth;      /* 0: LD_JSON_DEFAULT_MAX_DEPTH */
  gsize               max_length;     /* 0: LD_JSON_DEFAULT_MAX_LENGTH */
  LdJsonBadValueFunc  bad_value_func; /* called for every bad value */
  gpointer            user_data;
  LdJsonParser       *parser;         /* optional, reused by callers that normalise often */
} LdJsonContext;

typedef enum
{
  LD_JSON_TIME_SECONDS,
  LD_JSON_TIME_MILLISECONDS,
  LD_JSON_TIME_MICROSECONDS,
  LD_JSON_TIME_NANOSECONDS,
  LD_JSON_TIME_BY_MAGNITUDE, /* < 1e11 s, < 1e14 ms, < 1e17 µs, else ns */
} LdJsonTimeUnit;

guint        ld_json_normalize          (LdBatch             *batch,
                                         const char          *text,
                                         gsize                len,
                                         const LdJsonContext *ctx,
                                         GError             **error);
const char  *ld_json_detect_dialect     (const LdJsonNode    *object);

gboolean     ld_json_parse_iso8601      (const char          *text,
                                         gsize                len,
                                         gint64              *time_us);
gboolean     ld_json_parse_epoch        (const char          *text,
                                         gsize                len,
                                         LdJsonTimeUnit       unit,
                                         gint64              *time_us);

int          ld_json_level_from_slog    (int                  slog_level);
int          ld_json_level_from_pino    (int                  pino_level);
int          ld_json_level_from_otel    (int                  severity_number);

G_END_DECLS
