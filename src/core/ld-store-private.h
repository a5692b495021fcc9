// SPDX-License-Identifier: GPL-3.0-or-later
//
// What ld-store.c (the ring, its text chunks, appending and eviction) and
// ld-store-reader.c (a reader on another thread, by sequence number) share.

#pragma once

#include "ld-store.h"

G_BEGIN_DECLS

typedef struct
{
  guint64 last_seq;
  gsize   used;
  gsize   size;
  char    data[];
} Chunk;

struct _LdStore
{
  GObject   parent_instance;

  LdRecord *ring;
  guint     capacity;
  guint     head;
  guint     n_records;
  guint     max_records;

  guint64   max_bytes;     /* 0: no limit by size */
  gsize     live_text;     /* text bytes of the records kept */

  guint64   first_seq;
  guint64   n_received;
  guint64   n_evicted;

  /* Live counts of the kept records, by level and by interned logger,
   * thread and connection, for the filter bar and the sidebar. */
  GArray   *level_counts;       /* LdLevelCount, sorted by level */
  GArray   *id_counts[LD_STORE_N_COUNTED];   /* guint32 by interned id */

  GQueue    chunks;
  Chunk    *current;
  gsize     chunk_bytes;

  /* A reader on another thread (the archive writer) takes records by
   * sequence number. @reader_lock guards what it reads (the ring, the held
   * records) against the UI thread's appends and evictions; the timing
   * counters' worker takes it too, through ld_store_lock(), to read runs of
   * the ring. Records evicted
   * before the reader read them are held, each with a copy of its text, up
   * to MAX_HELD records or MAX_HELD_BYTES; beyond that they are counted as
   * missed. The only text chunks kept for the reader are those of the ring
   * records it was handed last (@reader_pin on), until it asks again: a
   * reader that stalls holds at most one slice, never the stream. */
  GMutex    reader_lock;
  guint64   reader_seq;    /* the first record the reader still needs; G_MAXUINT64: none */
  guint64   reader_pin;    /* the first ring record handed out last; G_MAXUINT64: none */
  guint64   reader_end;    /* the first record not handed out yet */
  GArray   *held;          /* HeldRecord, by sequence number, gaps possible */
  GPtrArray *lent;         /* text of held records handed out last, freed on the next read */
  gsize     held_bytes;
  guint64   n_missed;      /* records evicted and dropped before the reader read them */
};

typedef struct
{
  guint64  seq;
  LdRecord record;         /* its text is the held record's own copy */
} HeldRecord;

static inline LdRecord *
_ld_store_record_at (LdStore *self,
                     guint    position)
{
  guint index = self->head + position;

  if (index >= self->capacity)
    index -= self->capacity;

  return &self->ring[index];
}

void _ld_store_release_evicted_chunks (LdStore  *self);
void _ld_store_drop_held              (LdStore  *self,
                                       guint     count,
                                       gboolean  missed);

G_END_DECLS
