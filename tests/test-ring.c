// SPDX-License-Identifier: GPL-3.0-or-later
/* Unit tests for LdRing, the double-ended queue under the filter model's
 * facets and matches: until now only the filter model's tests reached it. */
#include "config.h"

#include "ld-ring.h"

/* The ring's smallest block, as ld-ring.c allocates it. */
#define MIN_CAPACITY 256

/* Checks that @ring holds first, first + step, first + 2 step, ... */
static void
assert_sequence (const LdRing *ring,
                 guint32       first,
                 guint32       step,
                 guint         len)
{
  g_assert_cmpuint (ring->len, ==, len);
  for (guint i = 0; i < len; i++)
    g_assert_cmpuint (ld_ring_get (ring, i), ==, first + i * step);
}

static void
test_ring_empty (void)
{
  LdRing ring = LD_RING_INIT;

  g_assert_cmpuint (ring.len, ==, 0);
  g_assert_cmpuint (ring.capacity, ==, 0);
  g_assert_null (ring.data);
  g_assert_cmpuint (ld_ring_lower_bound (&ring, 0), ==, 0);
  g_assert_cmpuint (ld_ring_lower_bound (&ring, G_MAXUINT32), ==, 0);

  /* Nothing to drop or subtract from, and nothing to free twice. */
  ld_ring_drop_front (&ring, 0);
  ld_ring_subtract (&ring, 5);
  ld_ring_reset (&ring);
  ld_ring_clear (&ring);
  ld_ring_clear (&ring);
  g_assert_cmpuint (ring.len, ==, 0);
  g_assert_null (ring.data);
}

static void
test_ring_one (void)
{
  LdRing ring = LD_RING_INIT;

  ld_ring_push_back (&ring, 42);
  g_assert_cmpuint (ring.len, ==, 1);
  g_assert_cmpuint (ring.capacity, ==, MIN_CAPACITY);
  g_assert_cmpuint (ld_ring_get (&ring, 0), ==, 42);
  g_assert_cmpuint (ld_ring_lower_bound (&ring, 41), ==, 0);
  g_assert_cmpuint (ld_ring_lower_bound (&ring, 42), ==, 0);
  g_assert_cmpuint (ld_ring_lower_bound (&ring, 43), ==, 1);

  ld_ring_set (&ring, 0, 7);
  g_assert_cmpuint (ld_ring_get (&ring, 0), ==, 7);

  /* Emptied, the ring starts again at the front of its block. */
  ld_ring_drop_front (&ring, 1);
  g_assert_cmpuint (ring.len, ==, 0);
  g_assert_cmpuint (ring.head, ==, 0);
  ld_ring_clear (&ring);
}

/* Growing doubles the block and keeps the order, whether or not the values
 * wrap around its end. */
static void
test_ring_grow (void)
{
  LdRing ring = LD_RING_INIT;

  for (guint32 i = 0; i < 1000; i++)
    ld_ring_push_back (&ring, i);
  assert_sequence (&ring, 0, 1, 1000);
  g_assert_cmpuint (ring.capacity, ==, 1024);

  ld_ring_grow (&ring);
  g_assert_cmpuint (ring.capacity, ==, 2048);
  g_assert_cmpuint (ring.head, ==, 0);
  assert_sequence (&ring, 0, 1, 1000);
  ld_ring_clear (&ring);
  g_assert_cmpuint (ring.capacity, ==, 0);
  g_assert_null (ring.data);
}

static void
test_ring_wrap_around (void)
{
  LdRing ring = LD_RING_INIT;
  const guint32 *span;
  guint length;

  for (guint32 i = 0; i < MIN_CAPACITY; i++)
    ld_ring_push_back (&ring, i);
  ld_ring_drop_front (&ring, 100);
  for (guint32 i = MIN_CAPACITY; i < MIN_CAPACITY + 100; i++)
    ld_ring_push_back (&ring, i);

  /* Full again, without growing: the last 100 values sit at the block's start. */
  g_assert_cmpuint (ring.capacity, ==, MIN_CAPACITY);
  g_assert_cmpuint (ring.head, ==, 100);
  assert_sequence (&ring, 100, 1, MIN_CAPACITY);

  span = ld_ring_span (&ring, 0, &length);
  g_assert_cmpuint (length, ==, MIN_CAPACITY - 100);
  g_assert_cmpuint (span[0], ==, 100);
  g_assert_cmpuint (span[length - 1], ==, MIN_CAPACITY - 1);
  span = ld_ring_span (&ring, length, &length);
  g_assert_cmpuint (length, ==, 100);
  g_assert_cmpuint (span[0], ==, MIN_CAPACITY);
  span = ld_ring_span (&ring, 10, &length);
  g_assert_cmpuint (length, ==, MIN_CAPACITY - 110);
  g_assert_cmpuint (span[0], ==, 110);

  /* Values that wrap keep their order through lower_bound and subtract. */
  g_assert_cmpuint (ld_ring_lower_bound (&ring, 0), ==, 0);
  g_assert_cmpuint (ld_ring_lower_bound (&ring, 255), ==, 155);
  g_assert_cmpuint (ld_ring_lower_bound (&ring, 256), ==, 156);
  g_assert_cmpuint (ld_ring_lower_bound (&ring, 355), ==, 255);
  g_assert_cmpuint (ld_ring_lower_bound (&ring, 356), ==, MIN_CAPACITY);
  ld_ring_subtract (&ring, 100);
  assert_sequence (&ring, 0, 1, MIN_CAPACITY);

  /* A full ring that wraps grows with its values unwrapped, in order. */
  ld_ring_push_back (&ring, MIN_CAPACITY);
  g_assert_cmpuint (ring.capacity, ==, 2 * MIN_CAPACITY);
  g_assert_cmpuint (ring.head, ==, 0);
  assert_sequence (&ring, 0, 1, MIN_CAPACITY + 1);
  ld_ring_clear (&ring);
}

static void
test_ring_push_front (void)
{
  LdRing ring = LD_RING_INIT;

  /* The first value pushed at the front goes to the block's last slot. */
  ld_ring_push_front (&ring, 500);
  g_assert_cmpuint (ring.head, ==, MIN_CAPACITY - 1);
  ld_ring_push_back (&ring, 501);
  for (guint32 i = 499; i >= 100; i--)
    ld_ring_push_front (&ring, i);
  assert_sequence (&ring, 100, 1, 402);
  g_assert_cmpuint (ring.capacity, ==, 512);

  /* Dropping from the front, as eviction does, leaves the rest in order. */
  ld_ring_drop_front (&ring, 300);
  assert_sequence (&ring, 400, 1, 102);
  ld_ring_drop_front (&ring, 102);
  g_assert_cmpuint (ring.len, ==, 0);
  g_assert_cmpuint (ring.head, ==, 0);
  ld_ring_clear (&ring);
}

static void
test_ring_lower_bound (void)
{
  LdRing ring = LD_RING_INIT;
  static const guint32 values[] = { 2, 4, 4, 4, 9, 100, G_MAXUINT32 };

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    ld_ring_push_back (&ring, values[i]);

  g_assert_cmpuint (ld_ring_lower_bound (&ring, 0), ==, 0);
  g_assert_cmpuint (ld_ring_lower_bound (&ring, 2), ==, 0);
  g_assert_cmpuint (ld_ring_lower_bound (&ring, 3), ==, 1);
  g_assert_cmpuint (ld_ring_lower_bound (&ring, 4), ==, 1);   /* the first of equals */
  g_assert_cmpuint (ld_ring_lower_bound (&ring, 5), ==, 4);
  g_assert_cmpuint (ld_ring_lower_bound (&ring, 100), ==, 5);
  g_assert_cmpuint (ld_ring_lower_bound (&ring, 101), ==, 6);
  g_assert_cmpuint (ld_ring_lower_bound (&ring, G_MAXUINT32), ==, 6);
  ld_ring_clear (&ring);
}

static void
test_ring_reset_keeps_block (void)
{
  LdRing ring = LD_RING_INIT;
  guint32 *data;

  for (guint32 i = 0; i < 300; i++)
    ld_ring_push_back (&ring, i);
  ld_ring_drop_front (&ring, 7);
  data = ring.data;

  ld_ring_reset (&ring);
  g_assert_cmpuint (ring.len, ==, 0);
  g_assert_cmpuint (ring.head, ==, 0);
  g_assert_cmpuint (ring.capacity, ==, 512);
  g_assert_true (ring.data == data);

  ld_ring_push_back (&ring, 9);
  g_assert_true (ring.data == data);
  assert_sequence (&ring, 9, 0, 1);
  ld_ring_clear (&ring);
}

/* Filling in place, as the filter model rebuilds its matches: the block is
 * reused when large enough, else replaced by one of a power-of-two size. */
static void
test_ring_fill (void)
{
  LdRing ring = LD_RING_INIT;
  guint32 *out, *data;

  out = ld_ring_begin_fill (&ring, 300);
  g_assert_cmpuint (ring.capacity, ==, 512);
  for (guint i = 0; i < 300; i++)
    out[i] = 3 * i;
  ld_ring_end_fill (&ring, 120);   /* fewer than there was room for */
  assert_sequence (&ring, 0, 3, 120);

  data = ring.data;
  ld_ring_reset (&ring);
  out = ld_ring_begin_fill (&ring, 512);
  g_assert_true (out == data);
  ld_ring_end_fill (&ring, 0);
  g_assert_cmpuint (ring.len, ==, 0);

  out = ld_ring_begin_fill (&ring, 513);
  g_assert_cmpuint (ring.capacity, ==, 1024);
  out[0] = 1;
  ld_ring_end_fill (&ring, 1);
  ld_ring_push_back (&ring, 2);
  ld_ring_push_front (&ring, 0);
  assert_sequence (&ring, 0, 1, 3);
  ld_ring_clear (&ring);

  /* Filling an empty ring with nothing needs no block. */
  out = ld_ring_begin_fill (&ring, 0);
  ld_ring_end_fill (&ring, 0);
  g_assert_cmpuint (ring.len, ==, 0);
  ld_ring_clear (&ring);
}

/* A long run of evictions at the front and arrivals at the back, as the
 * store's retention makes, stays in a block of the same size. */
static void
test_ring_steady_state (void)
{
  LdRing ring = LD_RING_INIT;
  guint32 next = 0;

  for (; next < 1000; next++)
    ld_ring_push_back (&ring, next);
  for (guint round = 0; round < 100; round++)
    {
      ld_ring_drop_front (&ring, 37);
      for (guint i = 0; i < 37; i++)
        ld_ring_push_back (&ring, next++);
      g_assert_cmpuint (ring.capacity, ==, 1024);
    }
  assert_sequence (&ring, next - 1000, 1, 1000);
  ld_ring_clear (&ring);
}

static void
test_ring_drop_too_many (void)
{
  if (g_test_subprocess ())
    {
      LdRing ring = LD_RING_INIT;

      ld_ring_push_back (&ring, 1);
      ld_ring_drop_front (&ring, 2);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ring/empty", test_ring_empty);
  g_test_add_func ("/ring/one", test_ring_one);
  g_test_add_func ("/ring/grow", test_ring_grow);
  g_test_add_func ("/ring/wrap-around", test_ring_wrap_around);
  g_test_add_func ("/ring/push-front", test_ring_push_front);
  g_test_add_func ("/ring/lower-bound", test_ring_lower_bound);
  g_test_add_func ("/ring/reset-keeps-block", test_ring_reset_keeps_block);
  g_test_add_func ("/ring/fill", test_ring_fill);
  g_test_add_func ("/ring/steady-state", test_ring_steady_state);
  g_test_add_func ("/ring/drop-too-many", test_ring_drop_too_many);
  return g_test_run ();
}
