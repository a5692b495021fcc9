// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "ld-gelf.h"
#include "ld-level.h"

/* The GELF decoder: a payload, plain or compressed as its first bytes say, into one record
 * (GELF 1.1: short_message the message, level on the syslog scale, "_x" fields the sender's
 * own), and the assembler that puts chunked UDP messages back together.
 *
 * The assembler is driven from outside, by datagrams and a clock, so that the UDP source and
 * the tests drive the same code: it holds incomplete messages until their time limit or until
 * the memory limit makes room for newer ones, and counts both. */

G_DEFINE_QUARK (ld-gelf-error-quark, ld_gelf_error)

#define INFLATE_STEP    (64 * 1024)
#define GELF_MAX_DEPTH  32
#define GELF_MAX_NODES  (64 * 1024)

static gboolean
is_gzip (const guint8 *p,
         gsize         length)
{
  return length >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

/* RFC 1950's header: deflate, and a check value that makes the first two bytes a multiple
 * of 31. */
static gboolean
is_zlib (const guint8 *p,
         gsize         length)
{
  return length >= 2 && (p[0] & 0x0f) == 8 && (p[0] >> 4) <= 7 && ((p[0] << 8) | p[1]) % 31 == 0;
}

static gboolean
inflate_with (GConverter   *converter,
              const guint8 *data,
              gsize         length,
              gsize         max_size,
              GByteArray   *out,
              GError      **error)
{
  gsize start = out->len;

  for (;;)
    {
      gsize read = 0, written = 0, at = out->len;
      g_autoptr(GError) local = NULL;
      GConverterResult result;

      if (out->len - start > max_size)
        {
          g_set_error (error, LD_GELF_ERROR, LD_GELF_ERROR_TOO_LARGE,
                       "GELF: the payload inflates to more than %" G_GSIZE_FORMAT " bytes",
                       max_size);
          return FALSE;
        }
      g_byte_array_set_size (out, at + INFLATE_STEP);
      result = g_converter_convert (converter, data, length, out->data + at, INFLATE_STEP,
                                    G_CONVERTER_INPUT_AT_END, &read, &written, &local);
      g_byte_array_set_size (out, at + written);
      data += read;
      length -= read;
      if (result == G_CONVERTER_FINISHED)
        return TRUE;
      if (result == G_CONVERTER_ERROR
          && g_error_matches (local, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))
        {
          g_set_error (error, LD_GELF_ERROR, LD_GELF_ERROR_COMPRESSION,
                       "GELF: the compressed payload is truncated");
          return FALSE;
        }
      if (result == G_CONVERTER_ERROR)
        {
          g_set_error (error, LD_GELF_ERROR, LD_GELF_ERROR_COMPRESSION,
                       "GELF: the compressed payload does not inflate (%s)", local->message);
          return FALSE;
        }
      if (read == 0 && written == 0)
        {
          g_set_error (error, LD_GELF_ERROR, LD_GELF_ERROR_COMPRESSION,
                       "GELF: the compressed payload is truncated");
          return FALSE;
        }
    }
}

/**
 * ld_gelf_inflate:
 * @data: a GELF payload
 * @length: its length
 * @max_size: the most bytes it may inflate to
 * @out: where the payload goes, inflated if it was compressed
 * @error: where to say why not
 *
 * Tells gzip (1f 8b) and zlib (78 xx) payloads from plain JSON by their first bytes, as
 * GELF senders do not say which they send.
 *
 * Returns: %TRUE if @out holds the payload
 */
gboolean
ld_gelf_inflate (const char  *data,
                 gsize        length,
                 gsize        max_size,
                 GByteArray  *out,
                 GError     **error)
{
  const guint8 *p = (const guint8 *) data;
  g_autoptr(GZlibDecompressor) decompressor = NULL;

  g_return_val_if_fail (out != NULL && (data != NULL || length == 0), FALSE);

  if (is_gzip (p, length))
    decompressor = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  else if (is_zlib (p, length))
    decompressor = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB);
  else if (length > max_size)
    {
      g_set_error (error, LD_GELF_ERROR, LD_GELF_ERROR_TOO_LARGE,
                   "GELF: the payload is more than %" G_GSIZE_FORMAT " bytes", max_size);
      return FALSE;
    }
  else
    {
      g_byte_array_append (out, p, length);
      return TRUE;
    }

  return inflate_with (G_CONVERTER (decompressor), p, length, max_size, out, error);
}

/* The text of a string, or a number's JSON text; NULL for anything else. */
static char *
node_text (const LdJsonNode *node)
{
  if (node->kind == LD_JSON_STRING || node->kind == LD_JSON_NUMBER)
    return g_strndup (node->text, node->len);
  return NULL;
}

static void
add_extra (LdBatch          *batch,
           const char       *key,
           gsize             key_len,
           const LdJsonNode *value,
           GString          *scratch)
{
  switch (value->kind)
    {
    case LD_JSON_NULL:
      ld_batch_add_extra (batch, key, key_len, LD_VALUE_NULL, NULL, 0);
      break;
    case LD_JSON_TRUE:
    case LD_JSON_FALSE:
      ld_batch_add_extra (batch, key, key_len, LD_VALUE_BOOL,
                          value->kind == LD_JSON_TRUE ? "true" : "false", -1);
      break;
    case LD_JSON_NUMBER:
      ld_batch_add_extra (batch, key, key_len, LD_VALUE_NUMBER, value->text, value->len);
      break;
    case LD_JSON_STRING:
      ld_batch_add_extra (batch, key, key_len, LD_VALUE_STRING, value->text, value->len);
      break;
    default:
      g_string_truncate (scratch, 0);
      ld_json_node_to_json (value, scratch);
      ld_batch_add_extra (batch, key, key_len, LD_VALUE_JSON, scratch->str, scratch->len);
      break;
    }
}

/* The fields GELF and graypy give a meaning; every other one is an extra field. */
typedef struct
{
  const LdJsonNode *short_message, *full_message, *timestamp, *level, *host;
  const LdJsonNode *logger, *thread, *file, *line, *function, *process, *process_name;
  const LdJsonNode *facility;
} Known;

static gboolean
is_key (const LdJsonNode *key,
        const char       *name)
{
  gsize len = strlen (name);

  return key->len == len && memcmp (key->text, name, len) == 0;
}

/* Takes @key if it is a known field; the _-prefixed names are graypy's. */
static gboolean
take_known (Known            *known,
            const LdJsonNode *key)
{
  const LdJsonNode *value = key + 1;
  const LdJsonNode **slot = NULL;

  if (is_key (key, "version") || is_key (key, "_id"))
    return TRUE;
  if (is_key (key, "short_message"))
    slot = &known->short_message;
  else if (is_key (key, "full_message"))
    slot = &known->full_message;
  else if (is_key (key, "timestamp"))
    slot = &known->timestamp;
  else if (is_key (key, "level"))
    slot = &known->level;
  else if (is_key (key, "host"))
    slot = &known->host;
  else if (is_key (key, "facility"))
    slot = &known->facility;
  else if (is_key (key, "_logger_name") || (is_key (key, "_logger") && known->logger == NULL))
    slot = &known->logger;
  else if (is_key (key, "_thread_name"))
    slot = &known->thread;
  else if (is_key (key, "_file") || is_key (key, "file"))
    slot = &known->file;
  else if (is_key (key, "_line") || is_key (key, "line"))
    slot = &known->line;
  else if (is_key (key, "_function"))
    slot = &known->function;
  else if (is_key (key, "_pid"))
    slot = &known->process;
  else if (is_key (key, "_process_name"))
    slot = &known->process_name;
  if (slot == NULL || (value->kind != LD_JSON_STRING && value->kind != LD_JSON_NUMBER))
    return FALSE;
  *slot = value;
  return TRUE;
}

static gint64
node_int (const LdJsonNode *node,
          gint64            fallback)
{
  gint64 value;
  double real;

  if (node == NULL)
    return fallback;
  if (node->kind == LD_JSON_NUMBER && ld_json_node_get_int64 (node, &value))
    return value;
  /* A number past what 64 bits hold (or NaN) is no line or level. */
  if (node->kind == LD_JSON_NUMBER && ld_json_node_get_double (node, &real))
    return real >= -9.2e18 && real <= 9.2e18 ? (gint64) real : fallback;
  if (node->kind == LD_JSON_STRING)
    {
      g_autofree char *text = g_strndup (node->text, node->len);
      char *end;

      value = g_ascii_strtoll (text, &end, 10);
      if (*text != '\0' && *end == '\0')
        return value;
    }
  return fallback;
}

/* GELF's timestamp: seconds since the epoch with an optional fraction. */
static gint64
node_time (const LdJsonNode *node,
           gint64            fallback)
{
  double seconds;

  if (node == NULL || node->kind != LD_JSON_NUMBER || !ld_json_node_get_double (node, &seconds)
      || !(seconds > -1e11 && seconds < 1e11))
    return fallback;
  return (gint64) (seconds * G_USEC_PER_SEC + (seconds >= 0 ? 0.5 : -0.5));
}

static gboolean
same_text (const LdJsonNode *a,
           const LdJsonNode *b)
{
  return a->len == b->len && memcmp (a->text, b->text, a->len) == 0;
}

static void
add_record (LdBatch              *batch,
            const Known          *k,
            const LdRecordOrigin *origin)
{
  g_autofree char *host = k->host != NULL ? node_text (k->host) : NULL;
  /* GELF 1.0 senders, graypy among them, send the logger's name as the facility. */
  const LdJsonNode *logger_node = k->logger != NULL ? k->logger : k->facility;
  g_autofree char *logger = logger_node != NULL ? node_text (logger_node) : NULL;
  g_autofree char *thread = k->thread != NULL ? node_text (k->thread) : NULL;
  g_autofree char *file = k->file != NULL ? node_text (k->file) : NULL;
  g_autofree char *function = k->function != NULL ? node_text (k->function) : NULL;
  g_autofree char *process_name = k->process_name != NULL ? node_text (k->process_name) : NULL;
  g_autofree char *exception = NULL;
  const LdJsonNode *message = k->short_message != NULL ? k->short_message : k->full_message;
  LdRecordFields fields = { 0 };

  /* graypy sends the traceback as the full message, or the message again without one. */
  if (k->full_message != NULL && k->short_message != NULL
      && !same_text (k->full_message, k->short_message))
    exception = node_text (k->full_message);

  fields.time_us = node_time (k->timestamp, origin->received_us != 0 ? origin->received_us
                                                                     : g_get_real_time ());
  /* GELF's default level is 1, ALERT. */
  fields.level = ld_level_from_syslog ((int) CLAMP (node_int (k->level, 1), -1, 8));
  fields.message = message->len > 0 ? message->text : "";
  fields.message_len = message->len;
  fields.exception = exception;
  fields.host = host;
  fields.logger = logger;
  fields.thread = thread;
  fields.file = file;
  fields.line = (guint) CLAMP (node_int (k->line, 0), 0, G_MAXUINT32);
  fields.function = function;
  fields.process = node_int (k->process, 0);
  fields.process_name = process_name;
  fields.connection = origin->connection;
  fields.peer = origin->peer;
  fields.protocol = origin->protocol;
  ld_batch_add (batch, &fields);
}

static void
add_extras (LdBatch          *batch,
            const LdJsonNode *root,
            const Known      *known)
{
  g_autoptr(GString) scratch = g_string_new (NULL);
  Known ignored = { 0 };

  /* A facility beside a logger's own name is a field of its own. */
  if (known->logger != NULL && known->facility != NULL)
    add_extra (batch, "facility", strlen ("facility"), known->facility, scratch);

  for (const LdJsonNode *key = ld_json_object_first (root); key != NULL;
       key = ld_json_object_next (root, key))
    {
      if (take_known (&ignored, key))
        continue;
      if (key->len > 1 && key->text[0] == '_')
        add_extra (batch, key->text + 1, key->len - 1, key + 1, scratch);
      else
        add_extra (batch, key->text, key->len, key + 1, scratch);
    }
}

/**
 * ld_gelf_parse:
 * @batch: where the record goes
 * @parser: (nullable): a parser to reuse
 * @json: one GELF message's JSON text
 * @length: its length
 * @origin: where it came from; received_us for a message without a timestamp
 * @error: where to say what was wrong
 *
 * Returns: %TRUE if a record was added
 */
gboolean
ld_gelf_parse (LdBatch              *batch,
               LdJsonParser         *parser,
               const char           *json,
               gsize                 length,
               const LdRecordOrigin *origin,
               GError              **error)
{
  g_autoptr(LdJsonParser) own = NULL;
  g_autoptr(GError) local = NULL;
  const LdJsonNode *root;
  Known known = { 0 };
  gsize offset = 0;

  g_return_val_if_fail (batch != NULL && origin != NULL, FALSE);

  if (parser == NULL)
    {
      parser = own = ld_json_parser_new ();
      ld_json_parser_set_limits (own, GELF_MAX_DEPTH, GELF_MAX_NODES);
    }
  root = ld_json_parser_parse (parser, json, length, &offset, &local);
  if (root == NULL)
    {
      g_set_error (error, LD_GELF_ERROR, LD_GELF_ERROR_JSON, "GELF: %s", local->message);
      return FALSE;
    }
  if (root->kind != LD_JSON_OBJECT)
    {
      g_set_error (error, LD_GELF_ERROR, LD_GELF_ERROR_JSON,
                   "GELF: the payload is not a JSON object");
      return FALSE;
    }

  for (const LdJsonNode *key = ld_json_object_first (root); key != NULL;
       key = ld_json_object_next (root, key))
    take_known (&known, key);
  if ((known.short_message == NULL || known.short_message->kind != LD_JSON_STRING)
      && (known.full_message == NULL || known.full_message->kind != LD_JSON_STRING))
    {
      g_set_error (error, LD_GELF_ERROR, LD_GELF_ERROR_NO_MESSAGE,
                   "GELF: no short_message string in the object");
      return FALSE;
    }
  if (known.short_message != NULL && known.short_message->kind != LD_JSON_STRING)
    known.short_message = NULL;

  add_record (batch, &known, origin);
  add_extras (batch, root, &known);
  return TRUE;
}

/**
 * ld_gelf_decode:
 * @batch: where the record goes
 * @parser: (nullable): a parser to reuse
 * @payload: a whole GELF payload, plain or compressed
 * @length: its length
 * @max_size: the most bytes it may inflate to; 0 for %LD_GELF_DEFAULT_MAX_SIZE
 * @origin: where it came from
 * @error: where to say what was wrong
 *
 * Returns: %TRUE if a record was added
 */
gboolean
ld_gelf_decode (LdBatch              *batch,
                LdJsonParser         *parser,
                const char           *payload,
                gsize                 length,
                gsize                 max_size,
                const LdRecordOrigin *origin,
                GError              **error)
{
  const guint8 *p = (const guint8 *) payload;
  g_autoptr(GByteArray) inflated = NULL;

  if (!is_gzip (p, length) && !is_zlib (p, length))
    return ld_gelf_parse (batch, parser, payload, length, origin, error);

  inflated = g_byte_array_new ();
  if (!ld_gelf_inflate (payload, length, max_size > 0 ? max_size : LD_GELF_DEFAULT_MAX_SIZE,
                        inflated, error))
    return FALSE;
  return ld_gelf_parse (batch, parser, (const char *) inflated->data, inflated->len, origin,
                        error);
}

/* Chunked messages. */

#define CHUNK_HEADER 12

typedef struct
{
  GList    link;       /* in the assembler's order, oldest first */
  guint64  id;
  gint64   first_us;
  guint8   count;
  guint8   received;
  gsize    bytes;
  GBytes  *parts[];
} Pending;

struct _LdGelfAssembler
{
  GHashTable            *pending;    /* guint64 * id -> Pending */
  GQueue                 order;      /* Pending, oldest first */
  gsize                  max_pending_bytes;
  gint64                 timeout_us;
  LdGelfAssemblerStats   stats;
};

static void
pending_free (Pending *pending)
{
  for (guint i = 0; i < pending->count; i++)
    g_clear_pointer (&pending->parts[i], g_bytes_unref);
  g_free (pending);
}

/**
 * ld_gelf_assembler_new:
 * @max_pending_bytes: the most bytes incomplete messages may hold; 0 for
 *   %LD_GELF_DEFAULT_MAX_PENDING
 * @timeout_us: how long a message may wait for its chunks; 0 for %LD_GELF_CHUNK_TIMEOUT_US
 *
 * Returns: (transfer full): an assembler for one UDP source
 */
LdGelfAssembler *
ld_gelf_assembler_new (gsize  max_pending_bytes,
                       gint64 timeout_us)
{
  LdGelfAssembler *self = g_new0 (LdGelfAssembler, 1);

  self->pending = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_queue_init (&self->order);
  self->max_pending_bytes = max_pending_bytes > 0 ? max_pending_bytes
                                                  : LD_GELF_DEFAULT_MAX_PENDING;
  self->timeout_us = timeout_us > 0 ? timeout_us : LD_GELF_CHUNK_TIMEOUT_US;
  return self;
}

void
ld_gelf_assembler_free (LdGelfAssembler *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->pending);
  while (!g_queue_is_empty (&self->order))
    pending_free (g_queue_pop_head_link (&self->order)->data);
  g_free (self);
}

static void
drop (LdGelfAssembler *self,
      Pending         *pending)
{
  g_hash_table_remove (self->pending, &pending->id);
  g_queue_unlink (&self->order, &pending->link);
  self->stats.pending_bytes -= pending->bytes;
  pending_free (pending);
}

/**
 * ld_gelf_assembler_expire:
 * @self: an assembler
 * @now_us: the time now, on the clock the chunks were added with
 *
 * Drops the incomplete messages older than the time limit; a source calls this on a timer
 * too, so that a message whose last chunk never comes does not wait for the next one.
 *
 * Returns: how many were dropped
 */
guint
ld_gelf_assembler_expire (LdGelfAssembler *self,
                          gint64           now_us)
{
  guint dropped = 0;
  Pending *oldest;

  g_return_val_if_fail (self != NULL, 0);

  while ((oldest = g_queue_peek_head (&self->order)) != NULL
         && now_us - oldest->first_us > self->timeout_us)
    {
      drop (self, oldest);
      self->stats.expired++;
      dropped++;
    }
  return dropped;
}

static LdGelfChunkResult
refuse (LdGelfAssembler *self,
        GError         **error,
        const char      *what)
{
  self->stats.refused++;
  g_set_error (error, LD_GELF_ERROR, LD_GELF_ERROR_BAD_CHUNK, "GELF chunk: %s", what);
  return LD_GELF_CHUNK_REFUSED;
}

static GBytes *
join (Pending *pending)
{
  GByteArray *whole = g_byte_array_new ();

  for (guint i = 0; i < pending->count; i++)
    {
      gsize size;
      const guint8 *data = g_bytes_get_data (pending->parts[i], &size);

      g_byte_array_append (whole, data, size);
    }
  return g_byte_array_free_to_bytes (whole);
}

/* The message a chunk belongs to, made if it is the first one seen. */
static Pending *
find_or_add (LdGelfAssembler *self,
             guint64          id,
             guint8           count,
             gint64           now_us)
{
  Pending *pending = g_hash_table_lookup (self->pending, &id);

  if (pending != NULL)
    return pending;
  pending = g_malloc0 (sizeof (Pending) + count * sizeof (GBytes *));
  pending->id = id;
  pending->count = count;
  pending->first_us = now_us;
  pending->link.data = pending;
  g_hash_table_insert (self->pending, &pending->id, pending);
  g_queue_push_tail_link (&self->order, &pending->link);
  self->stats.pending = g_hash_table_size (self->pending);
  return pending;
}

/**
 * ld_gelf_assembler_add:
 * @self: an assembler
 * @datagram: one UDP datagram
 * @length: its length
 * @now_us: the time it arrived
 * @message: (out) (transfer full): the whole payload when the result is
 *   %LD_GELF_CHUNK_COMPLETE
 * @error: why a chunk was refused
 *
 * Takes a datagram: a chunk (magic 1e 0f, a message id of 8 bytes, the chunk's sequence
 * number and the number of chunks, at most 128) in any order, duplicates ignored; or a whole
 * payload, which the caller decodes itself.
 *
 * Returns: what became of the datagram
 */
LdGelfChunkResult
ld_gelf_assembler_add (LdGelfAssembler  *self,
                       const char       *datagram,
                       gsize             length,
                       gint64            now_us,
                       GBytes          **message,
                       GError          **error)
{
  const guint8 *p = (const guint8 *) datagram;
  Pending *pending;
  guint64 id;
  guint8 seq, count;
  gsize size, cost;

  g_return_val_if_fail (self != NULL && message != NULL, LD_GELF_CHUNK_REFUSED);

  *message = NULL;
  if (length < 2 || p[0] != 0x1e || p[1] != 0x0f)
    return LD_GELF_CHUNK_NOT_CHUNKED;
  if (length <= CHUNK_HEADER)
    return refuse (self, error, "shorter than its 12-byte header");
  memcpy (&id, p + 2, 8);
  seq = p[10];
  count = p[11];
  if (count == 0 || count > LD_GELF_MAX_CHUNKS || seq >= count)
    return refuse (self, error, "the sequence number or count is out of range (at most 128)");

  ld_gelf_assembler_expire (self, now_us);
  pending = g_hash_table_lookup (self->pending, &id);
  if (pending != NULL && pending->count != count)
    return refuse (self, error, "the chunk count differs from the message's other chunks");
  if (pending != NULL && pending->parts[seq] != NULL)
    {
      self->stats.duplicates++;
      return LD_GELF_CHUNK_PENDING;
    }

  /* Room for this chunk: the oldest incomplete messages make way, counted. */
  size = length - CHUNK_HEADER;
  cost = size + LD_GELF_CHUNK_OVERHEAD;
  if (cost > self->max_pending_bytes)
    return refuse (self, error, "larger than the memory limit for incomplete messages");
  while (self->stats.pending_bytes + cost > self->max_pending_bytes
         && !g_queue_is_empty (&self->order))
    {
      Pending *oldest = g_queue_peek_head (&self->order);

      drop (self, oldest);
      self->stats.evicted++;
    }

  pending = find_or_add (self, id, count, now_us);
  pending->parts[seq] = g_bytes_new (p + CHUNK_HEADER, size);
  pending->received++;
  pending->bytes += cost;
  self->stats.pending_bytes += cost;
  if (pending->received < pending->count)
    return LD_GELF_CHUNK_PENDING;

  *message = join (pending);
  drop (self, pending);
  self->stats.completed++;
  self->stats.pending = g_hash_table_size (self->pending);
  return LD_GELF_CHUNK_COMPLETE;
}

/**
 * ld_gelf_assembler_get_stats:
 * @self: an assembler
 * @stats: (out): its counts
 */
void
ld_gelf_assembler_get_stats (LdGelfAssembler      *self,
                             LdGelfAssemblerStats *stats)
{
  g_return_if_fail (self != NULL && stats != NULL);

  *stats = self->stats;
  stats->pending = g_hash_table_size (self->pending);
}
