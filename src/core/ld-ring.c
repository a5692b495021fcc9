// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <string.h>

#include "ld-ring.h"

#define MIN_CAPACITY 256

/**
 * ld_ring_clear:
 * @ring: a ring
 *
 * Empties @ring and frees its block.
 */
void
ld_ring_clear (LdRing *ring)
{
  g_clear_pointer (&ring->data, g_free);
  ring->capacity = ring->head = ring->len = 0;
}

/**
 * ld_ring_reset:
 * @ring: a ring
 *
 * Empties @ring but keeps its block for reuse.
 */
void
ld_ring_reset (LdRing *ring)
{
  ring->head = ring->len = 0;
}

/**
 * ld_ring_grow:
 * @ring: a ring
 *
 * Doubles the capacity of @ring, keeping its values in order.
 */
void
ld_ring_grow (LdRing *ring)
{
  guint capacity = MAX (ring->capacity * 2, MIN_CAPACITY);
  guint32 *data;
  guint first_part;

  g_assert (capacity > ring->capacity);

  data = g_new (guint32, capacity);
  first_part = MIN (ring->len, ring->capacity - ring->head);
  if (ring->len > 0)
    {
      memcpy (data, ring->data + ring->head, first_part * sizeof (guint32));
      memcpy (data + first_part, ring->data, (ring->len - first_part) * sizeof (guint32));
    }

  g_free (ring->data);
  ring->data = data;
  ring->capacity = capacity;
  ring->head = 0;
}

void
ld_ring_drop_front (LdRing *ring,
                    guint   n)
{
  g_assert (n <= ring->len);

  ring->len -= n;
  ring->head = ring->len == 0 ? 0 : (ring->head + n) & (ring->capacity - 1);
}

/**
 * ld_ring_lower_bound:
 * @ring: a ring whose values are in ascending order
 * @value: a value
 *
 * Returns: the index of the first value not less than @value, or the
 *   length of @ring if there is none
 */
guint
ld_ring_lower_bound (const LdRing *ring,
                     guint32       value)
{
  guint low = 0, high = ring->len;

  while (low < high)
    {
      guint mid = low + (high - low) / 2;

      if (ld_ring_get (ring, mid) < value)
        low = mid + 1;
      else
        high = mid;
    }

  return low;
}

/**
 * ld_ring_subtract:
 * @ring: a ring
 * @delta: a value no greater than any value in @ring
 *
 * Subtracts @delta from every value, to move the base that values are
 * offsets from.
 */
void
ld_ring_subtract (LdRing  *ring,
                  guint32  delta)
{
  for (guint i = 0; i < ring->len; i++)
    {
      guint index = (ring->head + i) & (ring->capacity - 1);

      g_assert (ring->data[index] >= delta);
      ring->data[index] -= delta;
    }
}

/**
 * ld_ring_begin_fill:
 * @ring: an empty ring
 * @n: how many values the caller may write
 *
 * Returns: where to write up to @n values, front to back, before telling
 *   ld_ring_end_fill() how many were written
 */
guint32 *
ld_ring_begin_fill (LdRing *ring,
                    guint   n)
{
  g_assert (ring->len == 0);

  ring->head = 0;
  if (n > ring->capacity)
    {
      guint capacity = MIN_CAPACITY;

      while (capacity < n)
        capacity *= 2;
      g_free (ring->data);
      ring->data = g_new (guint32, capacity);
      ring->capacity = capacity;
    }

  return ring->data;
}

void
ld_ring_end_fill (LdRing *ring,
                  guint   length)
{
  g_assert (ring->len == 0 && ring->head == 0 && length <= ring->capacity);

  ring->len = length;
}
