// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <string.h>

#include "ld-duration-key.h"
#include "ld-record.h"

/* An extra field in the packed text: key id, type byte, value length, value. */
#define EXTRA_HEADER_SIZE (4 + 1 + 4)

/* ld-record.h says so, and the store's memory figures count on it. */
G_STATIC_ASSERT (sizeof (LdRecord) == 96);

struct _LdBatch
{
  GArray     *records;   /* LdRecord; .text is unset until the store adopts it */
  GArray     *offsets;   /* gsize: where each record's text starts in @text */
  GByteArray *text;
};

void
ld_extra_iter_init (LdExtraIter    *iter,
                    const LdRecord *record)
{
  gsize exception_len, stack_len;

  if (record->tail_len == 0)
    {
      iter->cursor = iter->end = NULL;
      return;
    }

  exception_len = ld_record_tail_field (record, 0);
  stack_len = ld_record_tail_field (record, 1);
  iter->cursor = record->text + record->message_len + LD_RECORD_TAIL_HEADER + exception_len
                 + stack_len;
  iter->end = record->text + record->message_len + record->tail_len;
}

gboolean
ld_extra_iter_next (LdExtraIter  *iter,
                    guint32      *key,
                    LdValueType  *type,
                    const char  **value,
                    gsize        *value_len)
{
  guint32 len;

  if (iter->cursor == NULL || iter->cursor + EXTRA_HEADER_SIZE > iter->end)
    return FALSE;

  memcpy (key, iter->cursor, 4);
  *type = (LdValueType) iter->cursor[4];
  memcpy (&len, iter->cursor + 5, 4);
  *value = iter->cursor + EXTRA_HEADER_SIZE;
  *value_len = len;
  iter->cursor += EXTRA_HEADER_SIZE + len;

  return TRUE;
}

/**
 * ld_record_is_reserved_extra:
 * @key: the interned key of an extra field
 *
 * Returns: %TRUE if @key is %LD_RECORD_TRACE_ID or %LD_RECORD_SPAN_ID, which
 *   exporters write as top-level fields rather than inside "extra"
 */
gboolean
ld_record_is_reserved_extra (guint32 key)
{
  static gsize ids;   /* the trace key's id in the low half, the span key's above */

  if (g_once_init_enter (&ids))
    g_once_init_leave (&ids, ld_intern (LD_RECORD_TRACE_ID, -1)
                             | (gsize) ld_intern (LD_RECORD_SPAN_ID, -1) << 32);
  return key != LD_INTERN_NONE && (key == (guint32) ids || key == (guint32) (ids >> 32));
}

/**
 * ld_record_get_extra:
 * @record: a record
 * @key: the name of an extra field
 *
 * Returns: %TRUE if @record has an extra field named @key
 */
gboolean
ld_record_get_extra (const LdRecord  *record,
                     const char      *key,
                     LdValueType     *type,
                     const char     **value,
                     gsize           *value_len)
{
  LdExtraIter iter;
  guint32 id;

  ld_extra_iter_init (&iter, record);
  while (ld_extra_iter_next (&iter, &id, type, value, value_len))
    if (g_strcmp0 (ld_intern_lookup (id), key) == 0)
      return TRUE;

  return FALSE;
}

guint
ld_record_n_extras (const LdRecord *record)
{
  LdExtraIter iter;
  guint32 key;
  LdValueType type;
  const char *value;
  gsize len;
  guint n = 0;

  ld_extra_iter_init (&iter, record);
  while (ld_extra_iter_next (&iter, &key, &type, &value, &len))
    n++;

  return n;
}

LdBatch *
ld_batch_new (void)
{
  LdBatch *batch = g_new0 (LdBatch, 1);

  batch->records = g_array_new (FALSE, FALSE, sizeof (LdRecord));
  batch->offsets = g_array_new (FALSE, FALSE, sizeof (gsize));
  batch->text = g_byte_array_new ();

  return batch;
}

void
ld_batch_free (LdBatch *batch)
{
  if (batch == NULL)
    return;

  g_array_unref (batch->records);
  g_array_unref (batch->offsets);
  g_byte_array_unref (batch->text);
  g_free (batch);
}

guint
ld_batch_get_length (const LdBatch *batch)
{
  return batch->records->len;
}

gsize
ld_batch_get_text_size (const LdBatch *batch)
{
  return batch->text->len;
}

/* Network text is not trusted to be UTF-8, and GTK needs it to be. */
static guint32
append_valid_text (GByteArray *text,
                   const char *data,
                   gssize      length)
{
  const char *end;

  if (data == NULL)
    return 0;
  if (length < 0)
    length = strlen (data);
  length = MIN ((gsize) length, LD_RECORD_MAX_TEXT);

  if (g_utf8_validate_len (data, length, &end))
    {
      g_byte_array_append (text, (const guint8 *) data, length);
      return length;
    }
  else
    {
      g_autofree char *valid = g_utf8_make_valid (data, length);
      gsize valid_len = MIN (strlen (valid), LD_RECORD_MAX_TEXT);

      g_byte_array_append (text, (const guint8 *) valid, valid_len);
      return valid_len;
    }
}

static guint32
intern_valid (const char *data,
              gssize      length)
{
  const char *end;

  guint32 id;

  if (data == NULL)
    return LD_INTERN_NONE;
  if (length < 0)
    length = strlen (data);

  /* Text this thread interned lately was valid then and is now. */
  id = ld_intern_cached (data, length);
  if (id != LD_INTERN_NONE)
    return id;

  if (g_utf8_validate_len (data, length, &end))
    return ld_intern (data, length);
  else
    {
      g_autofree char *valid = g_utf8_make_valid (data, length);
      return ld_intern (valid, -1);
    }
}

static inline guint32
intern_field (const char *data)
{
  return intern_valid (data, -1);
}

/**
 * ld_batch_add:
 * @batch: a batch
 * @fields: the new record's fields
 *
 * Appends a record. Extra fields for it may follow with ld_batch_add_extra().
 */
void
ld_batch_add (LdBatch              *batch,
              const LdRecordFields *fields)
{
  LdRecord record = { 0 };
  gsize offset = batch->text->len;

  record.time_us = fields->time_us;
  record.thread_id = fields->thread_id;
  record.level = fields->level;
  record.level_name = intern_field (fields->level_name);
  record.logger = intern_field (fields->logger);
  record.thread = intern_field (fields->thread);
  record.process_name = intern_field (fields->process_name);
  record.task = intern_field (fields->task);
  record.file = intern_field (fields->file);
  record.function = intern_field (fields->function);
  record.connection = intern_field (fields->connection);
  record.peer = intern_field (fields->peer);
  record.protocol = intern_field (fields->protocol);
  record.host = intern_field (fields->host);
  record.service = intern_field (fields->service);
  record.line = fields->line;
  record.process = (gint32) CLAMP (fields->process, G_MININT32, G_MAXINT32);
  record.message_len = append_valid_text (batch->text, fields->message,
                                          fields->message_len > 0 ? fields->message_len : -1);
  if ((fields->exception != NULL && *fields->exception != '\0')
      || (fields->stack != NULL && *fields->stack != '\0'))
    {
      guint header_at = batch->text->len;
      guint32 lengths[2];

      g_byte_array_set_size (batch->text, header_at + LD_RECORD_TAIL_HEADER);
      lengths[0] = append_valid_text (batch->text, fields->exception, -1);
      lengths[1] = append_valid_text (batch->text, fields->stack, -1);
      memcpy (batch->text->data + header_at, lengths, sizeof lengths);
      record.tail_len = LD_RECORD_TAIL_HEADER + lengths[0] + lengths[1];
    }

  g_array_append_val (batch->records, record);
  g_array_append_val (batch->offsets, offset);

  if (fields->trace_id != NULL && *fields->trace_id != '\0')
    ld_batch_add_extra (batch, LD_RECORD_TRACE_ID, -1, LD_VALUE_STRING, fields->trace_id, -1);
  if (fields->span_id != NULL && *fields->span_id != '\0')
    ld_batch_add_extra (batch, LD_RECORD_SPAN_ID, -1, LD_VALUE_STRING, fields->span_id, -1);
}

/* Whether the interned key @key_id names a duration, remembered per thread
 * (a decoder meets the same few keys again and again) in a small table
 * indexed by the id, so that a key's name is read once, not per record. */
static gboolean
key_names_duration (guint32 key_id)
{
  static __thread struct { guint32 id_plus_one; gboolean is_duration; } known[64];
  typeof (known[0]) *slot = &known[key_id % G_N_ELEMENTS (known)];

  if (G_UNLIKELY (slot->id_plus_one != key_id + 1))
    {
      const char *key = ld_intern_lookup (key_id);
      double scale;

      slot->id_plus_one = key_id + 1;
      slot->is_duration = key != NULL && ld_timing_key_is_duration (key, &scale);
    }
  return slot->is_duration;
}

/**
 * ld_batch_add_extra:
 * @batch: a batch with at least one record
 * @key: the field's name
 * @type: the type of @value
 * @value: (nullable): the value's text (for %LD_VALUE_JSON, JSON text)
 *
 * Adds an extra field to the record added last.
 */
void
ld_batch_add_extra (LdBatch     *batch,
                    const char  *key,
                    gssize       key_len,
                    LdValueType  type,
                    const char  *value,
                    gssize       value_len)
{
  LdRecord *record;
  guint32 key_id;
  guint8 type_byte = type;
  guint len_at, added;
  guint32 len;

  g_return_if_fail (batch->records->len > 0);

  record = &g_array_index (batch->records, LdRecord, batch->records->len - 1);
  if (record->tail_len > LD_RECORD_MAX_TEXT)
    return;

  /* The first extra field of a record without a tail starts one. */
  if (record->tail_len == 0)
    {
      static const guint8 empty_header[LD_RECORD_TAIL_HEADER] = { 0 };

      g_byte_array_append (batch->text, empty_header, LD_RECORD_TAIL_HEADER);
      record->tail_len = LD_RECORD_TAIL_HEADER;
    }

  key_id = intern_valid (key, key_len);
  if ((type == LD_VALUE_NUMBER || type == LD_VALUE_STRING) && key_names_duration (key_id))
    record->flags |= LD_RECORD_DURATION_KEY;
  g_byte_array_append (batch->text, (const guint8 *) &key_id, 4);
  g_byte_array_append (batch->text, &type_byte, 1);
  len_at = batch->text->len;
  g_byte_array_append (batch->text, (const guint8 *) "\0\0\0\0", 4);
  len = append_valid_text (batch->text, value, value_len);
  memcpy (batch->text->data + len_at, &len, 4);

  added = EXTRA_HEADER_SIZE + len;
  record->tail_len += added;
}

/**
 * ld_batch_take_all:
 * @dest: the batch to append to
 * @src: a batch, left empty
 */
void
ld_batch_take_all (LdBatch *dest,
                   LdBatch *src)
{
  gsize shift = dest->text->len;

  g_byte_array_append (dest->text, src->text->data, src->text->len);
  g_array_append_vals (dest->records, src->records->data, src->records->len);
  for (guint i = 0; i < src->offsets->len; i++)
    {
      gsize offset = g_array_index (src->offsets, gsize, i) + shift;
      g_array_append_val (dest->offsets, offset);
    }

  g_array_set_size (src->records, 0);
  g_array_set_size (src->offsets, 0);
  g_byte_array_set_size (src->text, 0);
}

/**
 * ld_batch_split_off:
 * @batch: a batch
 * @first: how many records stay in @batch
 *
 * Moves the records from @first on, with their text, into a new batch.
 *
 * Returns: (transfer full): a batch with the records after the first @first
 */
LdBatch *
ld_batch_split_off (LdBatch *batch,
                    guint    first)
{
  LdBatch *rest = ld_batch_new ();
  guint n = batch->records->len;
  gsize text_at;

  g_return_val_if_fail (first <= n, rest);

  if (first == n)
    return rest;

  text_at = g_array_index (batch->offsets, gsize, first);
  /* A batch of records without text has no text buffer to offset. */
  if (text_at < batch->text->len)
    g_byte_array_append (rest->text, batch->text->data + text_at, batch->text->len - text_at);
  g_array_append_vals (rest->records, &g_array_index (batch->records, LdRecord, first), n - first);
  for (guint i = first; i < n; i++)
    {
      gsize offset = g_array_index (batch->offsets, gsize, i) - text_at;

      g_array_append_val (rest->offsets, offset);
    }

  g_array_set_size (batch->records, first);
  g_array_set_size (batch->offsets, first);
  g_byte_array_set_size (batch->text, text_at);

  return rest;
}

/**
 * ld_batch_get_record:
 * @batch: a batch
 * @index: which record
 * @text: (out): where that record's packed text starts
 *
 * Returns: the record; its own .text member is not set
 */
const LdRecord *
ld_batch_get_record (const LdBatch  *batch,
                     guint           index,
                     const char    **text)
{
  g_return_val_if_fail (index < batch->records->len, NULL);

  /* A batch with no text at all has no buffer to point into. */
  *text = batch->text->len > 0
          ? (const char *) batch->text->data + g_array_index (batch->offsets, gsize, index)
          : "";
  return &g_array_index (batch->records, LdRecord, index);
}
