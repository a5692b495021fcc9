// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>
#include <string.h>

#include "ld-intern.h"

G_BEGIN_DECLS

/* One record as the store keeps it: 96 bytes, with every repeated string
 * interned and the free text packed in one block of the store's arena: the
 * message, then, only for records that have any, a tail of an 8-byte header
 * (exception and stack lengths), the exception, the stack and the extra
 * fields. A record's trace and span ids are extra fields under the reserved
 * keys %LD_RECORD_TRACE_ID and %LD_RECORD_SPAN_ID rather than interned ids:
 * every request has its own, so interning them would grow the process-wide
 * table without bound. */
typedef struct
{
  gint64      time_us;        /* µs since the Unix epoch, UTC */
  gint64      thread_id;
  const char *text;
  gint32      level;
  guint32     level_name;     /* interned, as the sender spelled it */
  guint32     logger;
  guint32     thread;
  guint32     process_name;
  guint32     task;
  guint32     file;
  guint32     function;
  guint32     connection;
  guint32     peer;
  guint32     protocol;
  guint32     host;
  guint32     service;
  guint32     line;
  gint32      process;
  guint32     message_len;
  guint32     tail_len;
  guint32     flags;          /* LD_RECORD_* below, set as the record is built */
} LdRecord;

/* An extra field's key names a duration (ld_timing_key_is_duration()): the
 * timing counters walk the extra fields of these records only, and of the
 * rest none, as the keys were read once on the decoder's thread. */
#define LD_RECORD_DURATION_KEY (1u << 0)

#define LD_RECORD_TAIL_HEADER 8

/* The reserved extra keys of the trace context; exporters write them as
 * top-level fields, never inside "extra". */
#define LD_RECORD_TRACE_ID "trace_id"
#define LD_RECORD_SPAN_ID  "span_id"

/* The type of an extra field's value, which decides how it is exported. */
typedef enum
{
  LD_VALUE_STRING = 's',
  LD_VALUE_NUMBER = 'n',   /* the number's JSON text */
  LD_VALUE_BOOL   = 'b',   /* "true" or "false" */
  LD_VALUE_NULL   = 'z',
  LD_VALUE_JSON   = 'j',   /* an object or array, as JSON text */
} LdValueType;

/* What a producer knows about a record, as plain strings. Every string may be
 * %NULL; a message_len of 0 or -1 means the message is nul-terminated. */
typedef struct
{
  gint64      time_us;
  int         level;
  const char *level_name;
  const char *logger;
  const char *message;
  gssize      message_len;
  const char *exception;
  const char *stack;
  const char *thread;
  gint64      thread_id;
  const char *process_name;
  gint64      process;
  const char *task;
  const char *file;
  guint       line;
  const char *function;
  const char *connection;
  const char *peer;
  const char *protocol;
  const char *host;
  const char *service;
  const char *trace_id;    /* lowercase hex, kept as an extra field */
  const char *span_id;
} LdRecordFields;

/* Where records came from, as every decoder is told it: the connection's or
 * session's id (a record that names its own connection keeps that), the
 * peer's address and the protocol. The strings are copied into the records. */
typedef struct
{
  const char *connection;   /* "tcp-3", "udp", "ws-2", a file's name */
  const char *peer;         /* "127.0.0.1:54321" */
  const char *protocol;     /* "tcp-pickle", "ws-json", "file" */
  gint64      received_us;  /* the time for a record without one of its own; 0 for now */
} LdRecordOrigin;

typedef struct
{
  const char  *cursor;
  const char  *end;
} LdExtraIter;

#define LD_RECORD_MAX_TEXT (G_MAXUINT32 / 2)

static inline const char *
ld_record_get_message (const LdRecord *record,
                       gsize          *length)
{
  /* A record read from a batch has its text beside it, not in it: no
   * text, no message to read (a length with "" would read past it). */
  *length = record->text != NULL ? record->message_len : 0;
  return record->text != NULL ? record->text : "";
}

static inline guint32
ld_record_tail_field (const LdRecord *record,
                      guint           index)
{
  guint32 value;

  if (record->tail_len == 0)
    return 0;
  memcpy (&value, record->text + record->message_len + 4 * index, 4);
  return value;
}

static inline const char *
ld_record_get_exception (const LdRecord *record,
                         gsize          *length)
{
  *length = ld_record_tail_field (record, 0);
  if (*length == 0)
    return "";
  return record->text + record->message_len + LD_RECORD_TAIL_HEADER;
}

static inline const char *
ld_record_get_stack (const LdRecord *record,
                     gsize          *length)
{
  *length = ld_record_tail_field (record, 1);
  if (*length == 0)
    return "";
  return record->text + record->message_len + LD_RECORD_TAIL_HEADER
         + ld_record_tail_field (record, 0);
}

static inline gsize
ld_record_text_size (const LdRecord *record)
{
  return (gsize) record->message_len + record->tail_len;
}

void       ld_extra_iter_init   (LdExtraIter     *iter,
                                 const LdRecord  *record);
gboolean   ld_extra_iter_next   (LdExtraIter     *iter,
                                 guint32         *key,
                                 LdValueType     *type,
                                 const char     **value,
                                 gsize           *value_len);
gboolean   ld_record_get_extra  (const LdRecord  *record,
                                 const char      *key,
                                 LdValueType     *type,
                                 const char     **value,
                                 gsize           *value_len);
guint      ld_record_n_extras   (const LdRecord  *record);
gboolean   ld_record_is_reserved_extra (guint32   key);

/* A batch of records built by a producer, handed to the store whole. */
typedef struct _LdBatch LdBatch;

LdBatch        *ld_batch_new          (void);
void            ld_batch_free         (LdBatch              *batch);
guint           ld_batch_get_length   (const LdBatch        *batch);
gsize           ld_batch_get_text_size (const LdBatch       *batch);
void            ld_batch_add          (LdBatch              *batch,
                                       const LdRecordFields *fields);
void            ld_batch_add_extra    (LdBatch              *batch,
                                       const char           *key,
                                       gssize                key_len,
                                       LdValueType           type,
                                       const char           *value,
                                       gssize                value_len);
void            ld_batch_take_all     (LdBatch              *dest,
                                       LdBatch              *src);
LdBatch        *ld_batch_split_off    (LdBatch              *batch,
                                       guint                 first);
const LdRecord *ld_batch_get_record   (const LdBatch        *batch,
                                       guint                 index,
                                       const char          **text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LdBatch, ld_batch_free)

G_END_DECLS
