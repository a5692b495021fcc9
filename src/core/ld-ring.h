// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A double-ended queue of 32-bit values in one power-of-two block: O(1)
 * access by index, push at either end and drop from the front. The filter
 * model keeps its per-record verdicts and its sorted list of matches in
 * rings, because the store it follows only ever loses its oldest records
 * and gains new ones at the end. */
typedef struct
{
  guint32 *data;
  guint    capacity;   /* 0 or a power of two */
  guint    head;
  guint    len;
} LdRing;

#define LD_RING_INIT { NULL, 0, 0, 0 }

void   ld_ring_clear        (LdRing       *ring);
void   ld_ring_reset        (LdRing       *ring);
void   ld_ring_grow         (LdRing       *ring);
void   ld_ring_drop_front   (LdRing       *ring,
                             guint         n);
guint  ld_ring_lower_bound  (const LdRing *ring,
                             guint32       value);
void   ld_ring_subtract     (LdRing       *ring,
                             guint32       delta);
guint32 *ld_ring_begin_fill (LdRing       *ring,
                             guint         n);
void   ld_ring_end_fill     (LdRing       *ring,
                             guint         length);

/* The values from @index on that lie in one piece of the block, for loops
 * that should not pay for the wrap-around on every value. */
static inline const guint32 *
ld_ring_span (const LdRing *ring,
              guint         index,
              guint        *length)
{
  guint start = (ring->head + index) & (ring->capacity - 1);

  *length = MIN (ring->len - index, ring->capacity - start);
  return ring->data + start;
}

static inline guint32
ld_ring_get (const LdRing *ring,
             guint         index)
{
  return ring->data[(ring->head + index) & (ring->capacity - 1)];
}

static inline void
ld_ring_set (LdRing  *ring,
             guint    index,
             guint32  value)
{
  ring->data[(ring->head + index) & (ring->capacity - 1)] = value;
}

static inline void
ld_ring_push_back (LdRing  *ring,
                   guint32  value)
{
  if (G_UNLIKELY (ring->len == ring->capacity))
    ld_ring_grow (ring);
  ring->data[(ring->head + ring->len) & (ring->capacity - 1)] = value;
  ring->len++;
}

static inline void
ld_ring_push_front (LdRing  *ring,
                    guint32  value)
{
  if (G_UNLIKELY (ring->len == ring->capacity))
    ld_ring_grow (ring);
  ring->head = (ring->head - 1) & (ring->capacity - 1);
  ring->data[ring->head] = value;
  ring->len++;
}

G_END_DECLS
