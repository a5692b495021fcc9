// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ld-row.h"
#include "ld-store.h"
#include "ld-store-private.h"

/* Record text lives in chunks that are filled in arrival order, so they can
 * be freed in that order too once every record that used them is evicted. */
#define CHUNK_SIZE (2 * 1024 * 1024)
#define MIN_CAPACITY 1024
#define HUGE_PAGE (2 * 1024 * 1024)


/* About a second of a fast sender. */
#define MAX_HELD       (256 * 1024)
#define MAX_HELD_BYTES (64 * 1024 * 1024)

enum {
  PROP_0,
  PROP_MAX_RECORDS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void list_model_iface_init (GListModelInterface *iface);

/* Large blocks (the ring, text chunks) are asked to be backed by huge pages:
 * a million records touch hundreds of megabytes, and taking that in 4 KiB
 * page faults costs more than the copying. */
static gpointer
alloc_big (gsize size)
{
  gpointer block;

  if (size < HUGE_PAGE)
    return g_malloc (size);

  size = (size + HUGE_PAGE - 1) & ~(gsize) (HUGE_PAGE - 1);
  block = aligned_alloc (HUGE_PAGE, size);
  if (block == NULL)
    g_error ("Out of memory allocating %" G_GSIZE_FORMAT " bytes", size);
#ifdef MADV_HUGEPAGE
  madvise (block, size, MADV_HUGEPAGE);
#endif

  return block;
}

/* The ring has a mapping of its own, so that growing it moves page tables
 * (mremap) instead of copying records: a window must not stall for the
 * tens of milliseconds that copying half a million records takes. */
static gsize
ring_bytes (guint capacity)
{
  gsize size = (gsize) capacity * sizeof (LdRecord);
  gsize unit = size >= HUGE_PAGE ? HUGE_PAGE : 4096;

  return (size + unit - 1) & ~(unit - 1);
}

static void
ring_advise (LdRecord *ring,
             gsize     size)
{
#ifdef MADV_HUGEPAGE
  if (size >= HUGE_PAGE)
    madvise (ring, size, MADV_HUGEPAGE);
#endif
}

static LdRecord *
ring_new (guint capacity)
{
  gsize size = ring_bytes (capacity);
  void *ring = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

  if (ring == MAP_FAILED)
    g_error ("Out of memory allocating %" G_GSIZE_FORMAT " bytes", size);
  ring_advise (ring, size);

  return ring;
}

static LdRecord *
ring_grow (LdRecord *ring,
           guint     capacity,
           guint     new_capacity)
{
  gsize size = ring_bytes (new_capacity);
  void *grown = mremap (ring, ring_bytes (capacity), size, MREMAP_MAYMOVE);

  if (grown == MAP_FAILED)
    g_error ("Out of memory allocating %" G_GSIZE_FORMAT " bytes", size);
  ring_advise (grown, size);

  return grown;
}

static void
ring_free (LdStore *self)
{
  if (self->ring != NULL)
    munmap (self->ring, ring_bytes (self->capacity));
  self->ring = NULL;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (LdStore, ld_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))


static GType
ld_store_get_item_type (GListModel *model)
{
  return LD_TYPE_ROW;
}

static guint
ld_store_get_n_items (GListModel *model)
{
  return LD_STORE (model)->n_records;
}

static gpointer
ld_store_get_item (GListModel *model,
                   guint       position)
{
  LdStore *self = LD_STORE (model);

  if (position >= self->n_records)
    return NULL;

  return ld_row_new (self, self->first_seq + position);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = ld_store_get_item_type;
  iface->get_n_items = ld_store_get_n_items;
  iface->get_item = ld_store_get_item;
}

static inline guint32 *
id_count_slot (LdStore       *self,
               LdStoreCounted field,
               guint32        id)
{
  GArray *counts = self->id_counts[field];

  if (G_UNLIKELY (id >= counts->len))
    g_array_set_size (counts, MAX (id + 1, counts->len * 2));

  return &g_array_index (counts, guint32, id);
}

static LdLevelCount *
level_count_slot (LdStore *self,
                  int      level)
{
  GArray *counts = self->level_counts;
  guint i;

  for (i = 0; i < counts->len; i++)
    {
      LdLevelCount *slot = &g_array_index (counts, LdLevelCount, i);

      if (slot->level == level)
        return slot;
      if (slot->level > level)
        break;
    }

  g_array_insert_val (counts, i, ((LdLevelCount) { level, 0 }));
  return &g_array_index (counts, LdLevelCount, i);
}

static void
count_record (LdStore        *self,
              const LdRecord *record,
              int             delta)
{
  level_count_slot (self, record->level)->count += delta;
  *id_count_slot (self, LD_STORE_COUNT_LOGGER, record->logger) += delta;
  *id_count_slot (self, LD_STORE_COUNT_THREAD, record->thread) += delta;
  *id_count_slot (self, LD_STORE_COUNT_CONNECTION, record->connection) += delta;
}

static void
reset_counts (LdStore *self)
{
  g_array_set_size (self->level_counts, 0);
  for (guint i = 0; i < LD_STORE_N_COUNTED; i++)
    memset (self->id_counts[i]->data, 0, self->id_counts[i]->len * sizeof (guint32));
}

static void
free_chunks (LdStore *self)
{
  Chunk *chunk;

  while ((chunk = g_queue_pop_head (&self->chunks)))
    free (chunk);
  self->chunk_bytes = 0;
  self->current = NULL;
}

static void
ld_store_finalize (GObject *object)
{
  LdStore *self = LD_STORE (object);

  free_chunks (self);
  ring_free (self);
  g_array_unref (self->held);
  g_ptr_array_unref (self->lent);
  g_mutex_clear (&self->reader_lock);
  g_array_unref (self->level_counts);
  for (guint i = 0; i < LD_STORE_N_COUNTED; i++)
    g_array_unref (self->id_counts[i]);

  G_OBJECT_CLASS (ld_store_parent_class)->finalize (object);
}

static void
ld_store_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  LdStore *self = LD_STORE (object);

  switch (prop_id)
    {
    case PROP_MAX_RECORDS:
      g_value_set_uint (value, self->max_records);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ld_store_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  LdStore *self = LD_STORE (object);

  switch (prop_id)
    {
    case PROP_MAX_RECORDS:
      ld_store_set_max_records (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ld_store_class_init (LdStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ld_store_finalize;
  object_class->get_property = ld_store_get_property;
  object_class->set_property = ld_store_set_property;

  properties[PROP_MAX_RECORDS] =
    g_param_spec_uint ("max-records", NULL, NULL,
                       1, G_MAXINT32, LD_STORE_DEFAULT_MAX_RECORDS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
held_record_clear (gpointer data)
{
  HeldRecord *held = data;

  g_free ((char *) held->record.text);
}

static void
ld_store_init (LdStore *self)
{
  self->max_records = LD_STORE_DEFAULT_MAX_RECORDS;
  g_queue_init (&self->chunks);
  g_mutex_init (&self->reader_lock);
  self->reader_seq = G_MAXUINT64;
  self->reader_pin = G_MAXUINT64;
  self->held = g_array_new (FALSE, FALSE, sizeof (HeldRecord));
  g_array_set_clear_func (self->held, held_record_clear);
  self->lent = g_ptr_array_new_with_free_func (g_free);
  self->level_counts = g_array_new (FALSE, FALSE, sizeof (LdLevelCount));
  for (guint i = 0; i < LD_STORE_N_COUNTED; i++)
    self->id_counts[i] = g_array_new (FALSE, TRUE, sizeof (guint32));
}

/**
 * ld_store_new:
 * @max_records: the retention limit, or 0 for the default
 *
 * Returns: (transfer full): a new, empty store
 */
LdStore *
ld_store_new (guint max_records)
{
  if (max_records == 0)
    max_records = LD_STORE_DEFAULT_MAX_RECORDS;

  return g_object_new (LD_TYPE_STORE, "max-records", max_records, NULL);
}

void
_ld_store_release_evicted_chunks (LdStore *self)
{
  Chunk *chunk;

  guint64 keep_from = MIN (self->first_seq, self->reader_pin);

  while ((chunk = g_queue_peek_head (&self->chunks)) && chunk->last_seq < keep_from)
    {
      self->chunk_bytes -= sizeof (Chunk) + chunk->size;
      if (chunk == self->current)
        self->current = NULL;
      free (g_queue_pop_head (&self->chunks));
    }
}

void
_ld_store_drop_held (LdStore  *self,
                     guint     count,
                     gboolean  missed)
{
  for (guint i = 0; i < count; i++)
    self->held_bytes -= ld_record_text_size (&g_array_index (self->held, HeldRecord, i).record);
  g_array_remove_range (self->held, 0, count);
  if (missed)
    self->n_missed += count;
}

/* Records the reader has not read yet are copied aside, text and all,
 * before their slots are reused and their chunks freed. */
static void
hold_one (LdStore        *self,
          guint64         seq,
          const LdRecord *record,
          const char     *text)
{
  gsize size = ld_record_text_size (record);
  HeldRecord held = { seq, *record };

  held.record.text = size > 0 ? g_memdup2 (text, size) : NULL;
  self->held_bytes += size;
  g_array_append_val (self->held, held);
}

static void trim_held (LdStore *self);

static void
hold_unread (LdStore *self,
             guint    count)
{
  guint64 end = self->first_seq + count;
  guint64 from = MAX (self->first_seq, self->reader_end);

  if (self->reader_seq == G_MAXUINT64 || from >= end)
    return;

  if (end - from > MAX_HELD)
    {
      self->n_missed += end - from - MAX_HELD;
      from = end - MAX_HELD;
    }

  for (guint64 seq = from; seq < end; seq++)
    {
      const LdRecord *record = _ld_store_record_at (self, (guint) (seq - self->first_seq));

      hold_one (self, seq, record, record->text);
    }
  trim_held (self);
}

/* The oldest go first when too many or too large are held. */
static void
trim_held (LdStore *self)
{
  guint dropped = 0;

  for (gsize bytes = self->held_bytes;
       dropped < self->held->len && (self->held->len - dropped > MAX_HELD || bytes > MAX_HELD_BYTES);
       dropped++)
    bytes -= ld_record_text_size (&g_array_index (self->held, HeldRecord, dropped).record);
  if (dropped > 0)
    _ld_store_drop_held (self, dropped, TRUE);
}

/* Drops the @count oldest records without telling anyone. */
static void
evict_oldest (LdStore *self,
              guint    count)
{
  g_assert (count <= self->n_records);

  for (guint i = 0; i < count; i++)
    {
      const LdRecord *record = _ld_store_record_at (self, i);

      self->live_text -= ld_record_text_size (record);
      count_record (self, record, -1);
    }
  hold_unread (self, count);

  self->head = self->n_records == count ? 0 : (self->head + count) % self->capacity;
  self->n_records -= count;
  self->first_seq += count;
  self->n_evicted += count;

  _ld_store_release_evicted_chunks (self);
}

static void
ensure_capacity (LdStore *self,
                 guint    needed)
{
  guint new_capacity;
  guint wrapped;

  if (needed <= self->capacity)
    return;

  new_capacity = MAX (needed, MAX (self->capacity * 2, MIN_CAPACITY));
  new_capacity = MIN (new_capacity, self->max_records);
  g_assert (new_capacity >= needed);

  if (self->ring == NULL)
    {
      self->ring = ring_new (new_capacity);
      self->capacity = new_capacity;
      self->head = 0;
      return;
    }

  self->ring = ring_grow (self->ring, self->capacity, new_capacity);

  /* Records that wrapped round to the start of the ring move: to just past
   * the old end when they fit there, else the older part moves to the new
   * end. Before the first eviction nothing has wrapped. */
  wrapped = self->head + self->n_records > self->capacity
              ? self->head + self->n_records - self->capacity : 0;
  if (wrapped > 0 && self->capacity + wrapped <= new_capacity)
    memcpy (self->ring + self->capacity, self->ring, (gsize) wrapped * sizeof (LdRecord));
  else if (wrapped > 0)
    {
      guint older = self->capacity - self->head;

      memmove (self->ring + new_capacity - older, self->ring + self->head,
               (gsize) older * sizeof (LdRecord));
      self->head = new_capacity - older;
    }

  self->capacity = new_capacity;
}

static const char *
copy_text (LdStore    *self,
           guint64     seq,
           const char *text,
           gsize       size)
{
  Chunk *chunk = self->current;
  char *dest;

  if (size == 0)
    return NULL;

  if (G_UNLIKELY (chunk == NULL || chunk->size - chunk->used < size))
    {
      gsize chunk_size = MAX (CHUNK_SIZE, size + sizeof (Chunk)) - sizeof (Chunk);

      chunk = alloc_big (sizeof (Chunk) + chunk_size);
      self->current = chunk;
      chunk->used = 0;
      chunk->size = chunk_size;
      g_queue_push_tail (&self->chunks, chunk);
      self->chunk_bytes += sizeof (Chunk) + chunk_size;
    }

  dest = chunk->data + chunk->used;
  memcpy (dest, text, size);
  chunk->used += size;
  chunk->last_seq = seq;

  return dest;
}

static void
append_one (LdStore        *self,
            const LdRecord *record,
            const char     *text)
{
  LdRecord *slot;
  guint64 seq = self->n_received++;

  slot = _ld_store_record_at (self, self->n_records++);
  *slot = *record;
  slot->text = copy_text (self, seq, text, ld_record_text_size (record));
  self->live_text += ld_record_text_size (record);
  count_record (self, record, +1);
}

/* How many of the oldest records must go for the rest to fit in the size
 * limit. The size counted is what the records themselves take: their slots
 * and their text. */
static guint
over_size_limit (LdStore *self)
{
  guint64 size = (guint64) self->n_records * sizeof (LdRecord) + self->live_text;
  guint count = 0;

  if (self->max_bytes == 0)
    return 0;

  while (size > self->max_bytes && count < self->n_records)
    size -= sizeof (LdRecord) + ld_record_text_size (_ld_store_record_at (self, count++));

  return count;
}

static void
evict_over_size (LdStore *self)
{
  guint count = over_size_limit (self);

  if (count == 0)
    return;

  g_mutex_lock (&self->reader_lock);
  evict_oldest (self, count);
  g_mutex_unlock (&self->reader_lock);
  g_list_model_items_changed (G_LIST_MODEL (self), 0, count, 0);
}

/* Records of the batches that would be evicted at once are only counted. */
static guint
skip_count (LdStore        *self,
            LdBatch *const *batches,
            guint           n_batches)
{
  guint64 total = 0;

  for (guint i = 0; i < n_batches; i++)
    total += ld_batch_get_length (batches[i]);

  return total > self->max_records ? (guint) (total - self->max_records) : 0;
}

/**
 * ld_store_append_batches:
 * @self: a store
 * @batches: (array length=n_batches): batches, in arrival order
 * @n_batches: how many
 *
 * Appends every record of @batches, leaving the batches as they were.
 * Listeners hear one ::items-changed for the evicted records, if any, and
 * one for all the appended ones.
 */
void
ld_store_append_batches (LdStore        *self,
                         LdBatch *const *batches,
                         guint           n_batches)
{
  guint skip, skipped = 0, hold_from, added = 0, evicted = 0, old_n;
  guint64 incoming = 0, skip_seq;

  g_return_if_fail (LD_IS_STORE (self));

  for (guint i = 0; i < n_batches; i++)
    incoming += ld_batch_get_length (batches[i]);
  if (incoming == 0)
    return;

  skip = skip_count (self, batches, n_batches);
  incoming -= skip;
  if (self->n_records + incoming > self->max_records)
    {
      evicted = self->n_records + incoming - self->max_records;
      g_mutex_lock (&self->reader_lock);
      evict_oldest (self, evicted);
      g_mutex_unlock (&self->reader_lock);
      g_list_model_items_changed (G_LIST_MODEL (self), 0, evicted, 0);
    }

  g_mutex_lock (&self->reader_lock);
  /* Records skipped as they arrive were never read by anyone: a reader
   * (the archive) gets them held like evicted ones, the newest MAX_HELD
   * of them, and the older ones beyond that are counted as missed. */
  skip_seq = self->n_received;
  hold_from = skip > MAX_HELD ? skip - MAX_HELD : 0;
  if (self->reader_seq != G_MAXUINT64)
    self->n_missed += hold_from;

  /* Skipped records arrive and are evicted at once, so they are counted. */
  self->n_received += skip;
  self->n_evicted += skip;
  self->first_seq += self->n_records == 0 ? skip : 0;

  ensure_capacity (self, self->n_records + incoming);
  old_n = self->n_records;

  for (guint i = 0; i < n_batches; i++)
    for (guint j = 0; j < ld_batch_get_length (batches[i]); j++)
      {
        const char *text;
        const LdRecord *record = ld_batch_get_record (batches[i], j, &text);

        if (skipped < skip)
          {
            if (self->reader_seq != G_MAXUINT64 && skipped >= hold_from)
              hold_one (self, skip_seq + skipped, record, text);
            skipped++;
            continue;
          }
        append_one (self, record, text);
        added++;
      }
  if (skip > hold_from && self->reader_seq != G_MAXUINT64)
    trim_held (self);
  g_mutex_unlock (&self->reader_lock);

  g_list_model_items_changed (G_LIST_MODEL (self), old_n, 0, added);
  evict_over_size (self);
}

/* Faults a block's pages in, off the UI thread. MADV_POPULATE_WRITE
 * (Linux 5.14) never changes what the pages hold, so it cannot race with
 * the store's own writes: if the block was unmapped meanwhile it fails,
 * and on a kernel without it, it does nothing. */
#define POPULATE_STEP HUGE_PAGE

typedef struct
{
  char  *address;
  gsize  size;
} Populate;

static gpointer
populate_thread (gpointer data)
{
  Populate *populate = data;

#ifdef MADV_POPULATE_WRITE
  /* In pieces: each call holds the process's memory map for reading, which
   * the UI thread's own mmap and mremap would wait behind. */
  for (gsize done = 0; done < populate->size; done += POPULATE_STEP)
    if (madvise (populate->address + done, MIN (POPULATE_STEP, populate->size - done),
                 MADV_POPULATE_WRITE) != 0)
      break;
#endif
  g_free (populate);

  return NULL;
}

/**
 * ld_store_reserve:
 * @self: a store
 * @n_records: how many records are about to come (an archive's load)
 *
 * Makes room for @n_records more at once, within the retention limit: the
 * ring grows once instead of doubling as they arrive, and its pages are
 * faulted in on a thread of its own. A million records fill about 96 MB of
 * ring; faulting it in, 2 MiB at a time, on the UI thread as the records
 * arrived was about a tenth of the window's time opening a session.
 */
void
ld_store_reserve (LdStore *self,
                  guint    n_records)
{
  guint needed;
  gsize old_bytes;
  Populate *populate;
  GThread *thread;

  g_return_if_fail (LD_IS_STORE (self));

  needed = (guint) MIN ((guint64) self->n_records + n_records, self->max_records);
  if (needed <= self->capacity)
    return;

  old_bytes = self->ring != NULL ? ring_bytes (self->capacity) : 0;
  g_mutex_lock (&self->reader_lock);
  ensure_capacity (self, needed);
  g_mutex_unlock (&self->reader_lock);

  /* Only the room asked for: the ring doubles, and the half not asked for
   * stays untouched, and uncommitted, until records need it. */
  if (ring_bytes (needed) <= old_bytes)
    return;
  populate = g_new (Populate, 1);
  populate->address = (char *) self->ring + old_bytes;
  populate->size = ring_bytes (needed) - old_bytes;
  thread = g_thread_try_new ("store-populate", populate_thread, populate, NULL);
  if (thread != NULL)
    g_thread_unref (thread);
  else
    g_free (populate);
}

void
ld_store_append_batch (LdStore *self,
                       LdBatch *batch)
{
  ld_store_append_batches (self, &batch, 1);
}

/**
 * ld_store_clear:
 * @self: a store
 *
 * Removes every record. Cleared records are not counted as evicted.
 */
void
ld_store_clear (LdStore *self)
{
  guint old_n;

  g_return_if_fail (LD_IS_STORE (self));

  old_n = self->n_records;
  g_mutex_lock (&self->reader_lock);
  /* What the reader has not read yet is kept for it: clearing the view
   * does not take records out of the archive. */
  hold_unread (self, self->n_records);
  ring_free (self);
  self->capacity = 0;
  self->head = 0;
  self->n_records = 0;
  self->live_text = 0;
  reset_counts (self);
  self->first_seq = self->n_received;
  self->current = NULL;
  _ld_store_release_evicted_chunks (self);
  g_mutex_unlock (&self->reader_lock);

  if (old_n > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, old_n, 0);
}

guint
ld_store_get_n_records (LdStore *self)
{
  g_return_val_if_fail (LD_IS_STORE (self), 0);

  return self->n_records;
}

/**
 * ld_store_get_record:
 * @self: a store
 * @position: a position, 0 being the oldest record kept
 *
 * Returns: (nullable): the record, valid until the next change of the store
 */
const LdRecord *
ld_store_get_record (LdStore *self,
                     guint    position)
{
  g_return_val_if_fail (LD_IS_STORE (self), NULL);

  if (position >= self->n_records)
    return NULL;

  return _ld_store_record_at (self, position);
}

/**
 * ld_store_get_record_by_seq:
 * @self: a store
 * @seq: a sequence number: the count of records received before it
 *
 * Returns: (nullable): the record, or %NULL if it was evicted or cleared
 */
const LdRecord *
ld_store_get_record_by_seq (LdStore *self,
                            guint64  seq)
{
  g_return_val_if_fail (LD_IS_STORE (self), NULL);

  if (seq < self->first_seq || seq - self->first_seq >= self->n_records)
    return NULL;

  return _ld_store_record_at (self, (guint) (seq - self->first_seq));
}

/**
 * ld_store_get_run:
 * @self: a store
 * @position: the first record's position
 * @max_records: how many records are wanted at most
 * @n_records: (out): how many lie side by side from @position: at most
 *   @max_records, fewer where the store ends or its ring wraps
 *
 * Reads records in runs, for a reader that goes through many: one call per
 * run rather than per record. Call again from @position + *@n_records for
 * the rest.
 *
 * Returns: (array length=n_records): the records, valid until the store
 *   changes, or %NULL (with *@n_records 0) past the last
 */
const LdRecord *
ld_store_get_run (LdStore *self,
                  guint    position,
                  guint    max_records,
                  guint   *n_records)
{
  guint index;

  g_return_val_if_fail (LD_IS_STORE (self), NULL);
  g_return_val_if_fail (n_records != NULL, NULL);

  *n_records = 0;
  if (position >= self->n_records || max_records == 0)
    return NULL;

  index = self->head + position;
  if (index >= self->capacity)
    index -= self->capacity;
  *n_records = MIN (MIN (max_records, self->n_records - position), self->capacity - index);
  return &self->ring[index];
}

guint64
ld_store_get_first_seq (LdStore *self)
{
  g_return_val_if_fail (LD_IS_STORE (self), 0);

  return self->first_seq;
}

guint64
ld_store_get_n_received (LdStore *self)
{
  g_return_val_if_fail (LD_IS_STORE (self), 0);

  return self->n_received;
}

guint64
ld_store_get_n_evicted (LdStore *self)
{
  g_return_val_if_fail (LD_IS_STORE (self), 0);

  return self->n_evicted;
}

guint
ld_store_get_max_records (LdStore *self)
{
  g_return_val_if_fail (LD_IS_STORE (self), 0);

  return self->max_records;
}

/**
 * ld_store_set_max_records:
 * @self: a store
 * @max_records: the new retention limit
 *
 * Evicts the oldest records if more than @max_records are kept.
 */
void
ld_store_set_max_records (LdStore *self,
                          guint    max_records)
{
  g_return_if_fail (LD_IS_STORE (self));
  g_return_if_fail (max_records > 0);

  if (self->max_records == max_records)
    return;

  if (self->n_records > max_records)
    {
      guint evicted = self->n_records - max_records;

      g_mutex_lock (&self->reader_lock);
      evict_oldest (self, evicted);
      g_mutex_unlock (&self->reader_lock);
      g_list_model_items_changed (G_LIST_MODEL (self), 0, evicted, 0);
    }

  /* Shrinking the ring keeps memory within the new limit. */
  if (self->capacity > max_records)
    {
      LdRecord *ring = ring_new (max_records);

      g_mutex_lock (&self->reader_lock);
      for (guint i = 0; i < self->n_records; i++)
        ring[i] = *_ld_store_record_at (self, i);
      ring_free (self);
      self->ring = ring;
      self->capacity = max_records;
      self->head = 0;
      g_mutex_unlock (&self->reader_lock);
    }

  self->max_records = max_records;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_RECORDS]);
}

/**
 * ld_store_get_level_counts:
 * @self: a store
 *
 * Returns: (transfer none): how many kept records each level has, sorted
 *   by level; levels with none may be listed with a count of 0
 */
const GArray *
ld_store_get_level_counts (LdStore *self)
{
  g_return_val_if_fail (LD_IS_STORE (self), NULL);

  return self->level_counts;
}

/**
 * ld_store_get_id_count:
 * @self: a store
 * @field: which field
 * @id: an interned string
 *
 * Returns: how many kept records have @id in @field
 */
guint
ld_store_get_id_count (LdStore        *self,
                       LdStoreCounted  field,
                       guint32         id)
{
  GArray *counts;

  g_return_val_if_fail (LD_IS_STORE (self), 0);
  g_return_val_if_fail (field < LD_STORE_N_COUNTED, 0);

  counts = self->id_counts[field];
  return id < counts->len ? g_array_index (counts, guint32, id) : 0;
}

/**
 * ld_store_get_n_ids:
 * @self: a store
 * @field: which field
 *
 * Returns: one more than the highest interned id counted for @field; ids
 *   below it may be looked up with ld_store_get_id_count()
 */
guint
ld_store_get_n_ids (LdStore        *self,
                    LdStoreCounted  field)
{
  g_return_val_if_fail (LD_IS_STORE (self), 0);
  g_return_val_if_fail (field < LD_STORE_N_COUNTED, 0);

  return self->id_counts[field]->len;
}

/**
 * ld_store_set_max_bytes:
 * @self: a store
 * @max_bytes: a limit on what the kept records take, or 0 for none
 *
 * A second retention limit, by size: the oldest records are evicted (and
 * counted) until the rest fit, at once and after each append.
 */
void
ld_store_set_max_bytes (LdStore *self,
                        guint64  max_bytes)
{
  g_return_if_fail (LD_IS_STORE (self));

  self->max_bytes = max_bytes;
  evict_over_size (self);
}

guint64
ld_store_get_max_bytes (LdStore *self)
{
  g_return_val_if_fail (LD_IS_STORE (self), 0);

  return self->max_bytes;
}

/**
 * ld_store_get_records_size:
 * @self: a store
 *
 * Returns: the bytes the kept records take, slots and text, as the size
 *   limit counts them
 */
guint64
ld_store_get_records_size (LdStore *self)
{
  g_return_val_if_fail (LD_IS_STORE (self), 0);

  return (guint64) self->n_records * sizeof (LdRecord) + self->live_text;
}

/**
 * ld_store_get_memory_size:
 * @self: a store
 *
 * Returns: the bytes the store has allocated for records and their text
 */
gsize
ld_store_get_memory_size (LdStore *self)
{
  g_return_val_if_fail (LD_IS_STORE (self), 0);

  return (gsize) self->capacity * sizeof (LdRecord) + self->chunk_bytes;
}

/**
 * ld_store_get_text_size:
 * @self: a store
 *
 * Returns: the bytes of packed record text in the store
 */
gsize
ld_store_get_text_size (LdStore *self)
{
  gsize size = 0;

  g_return_val_if_fail (LD_IS_STORE (self), 0);

  for (GList *l = self->chunks.head; l != NULL; l = l->next)
    size += ((Chunk *) l->data)->used;

  return size;
}
