// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <string.h>

#include "ld-parallel-decode.h"
#include "pickle-builder.h"

/* Decoding a read's frames in parts on the worker threads, on its own: the
 * parts come back in order and whole, each stops at its own first bad
 * frame, and the result equals decoding everything in one part. */

#define CREATED_0 1714566600.0

static const LdRecordOrigin origin = { "tcp-1", "127.0.0.1:50000", "tcp-pickle", 0 };

typedef struct
{
  GPtrArray *pickles;   /* GBytes */
  GArray    *frames;    /* LdFrame over @pickles */
} Frames;

static void
frames_clear (Frames *frames)
{
  g_clear_pointer (&frames->frames, g_array_unref);
  g_clear_pointer (&frames->pickles, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Frames, frames_clear)

/* SocketHandler's LogRecord.__dict__ of logging.info("frame %d", index),
 * with @padding bytes of extra text. */
static GBytes *
record_pickle (guint index,
               gsize padding)
{
  PickleBuilder *pb = pb_new ();

  pb_mark (pb);
  pb_item_str (pb, "name", "app.worker");
  pb_item_str (pb, "msg", "frame %d");
  pb_str (pb, "args");
  pb_mark (pb);
  pb_int (pb, index);
  pb_tuple (pb);
  pb_item_int (pb, "levelno", 20);
  pb_item_str (pb, "levelname", "INFO");
  pb_item_float (pb, "created", CREATED_0 + index);
  if (padding > 0)
    {
      g_autofree char *text = g_malloc (padding);

      memset (text, 'p', padding);
      pb_str (pb, "padding");
      pb_str_len (pb, text, padding);
    }
  pb_dict (pb);
  return pb_finish (pb);
}

/* A pickle that is not a record: a plain int. */
static GBytes *
bad_pickle (void)
{
  PickleBuilder *pb = pb_new ();

  pb_int (pb, 7);
  return pb_finish (pb);
}

static void
frames_add (Frames *frames,
            GBytes *pickle)
{
  LdFrame frame;

  g_ptr_array_add (frames->pickles, pickle);
  frame.data = g_bytes_get_data (pickle, NULL);
  frame.length = g_bytes_get_size (pickle);
  g_array_append_val (frames->frames, frame);
}

/* @n frames of records, but a bad one at each index of @bad (ending with
 * G_MAXUINT). */
static Frames
make_frames (guint        n,
             const guint *bad)
{
  Frames frames = { g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref),
                    g_array_new (FALSE, FALSE, sizeof (LdFrame)) };

  for (guint i = 0; i < n; i++)
    {
      gboolean is_bad = FALSE;

      for (guint j = 0; bad != NULL && bad[j] != G_MAXUINT; j++)
        is_bad |= bad[j] == i;
      frames_add (&frames, is_bad ? bad_pickle () : record_pickle (i, 0));
    }

  return frames;
}

static LdDecodeResult *
decode (const Frames         *frames,
        guint                 n_parts,
        const LdPickleLimits *limits)
{
  LdDecodeResult *results = g_new0 (LdDecodeResult, n_parts);
  LdPickleLimits defaults;

  if (limits == NULL)
    {
      ld_pickle_limits_init_default (&defaults);
      limits = &defaults;
    }
  ld_parallel_decode ((const LdFrame *) frames->frames->data, frames->frames->len, limits,
                      &origin, results, n_parts);
  return results;
}

static void
results_free (LdDecodeResult *results,
              guint           n_parts)
{
  for (guint i = 0; i < n_parts; i++)
    ld_decode_result_clear (&results[i]);
  g_free (results);
}

/* How many frames ld_parallel_decode() gives part @part. */
static guint
part_size (guint n_frames,
           guint n_parts,
           guint part)
{
  guint per_part = n_frames / n_parts;

  return part + 1 == n_parts ? n_frames - part * per_part : per_part;
}

static void
assert_record (const LdBatch *batch,
               guint          index,
               guint          frame)
{
  g_autofree char *expected = g_strdup_printf ("frame %u", frame);
  const char *text;
  const LdRecord *record = ld_batch_get_record (batch, index, &text);

  g_assert_cmpmem (text, record->message_len, expected, strlen (expected));
  g_assert_cmpint (record->time_us, ==, (gint64) ((CREATED_0 + frame) * G_USEC_PER_SEC));
  g_assert_cmpint (record->level, ==, 20);
  g_assert_cmpstr (ld_intern_lookup (record->connection), ==, "tcp-1");
}

/* Every frame's record, in the order of the frames, in @n_parts parts. */
static void
assert_whole (const Frames         *frames,
              const LdDecodeResult *results,
              guint                 n_parts)
{
  guint n_frames = frames->frames->len;
  guint frame = 0;

  for (guint i = 0; i < n_parts; i++)
    {
      g_assert_no_error (results[i].error);
      g_assert_cmpuint (results[i].n_decoded, ==, part_size (n_frames, n_parts, i));
      g_assert_cmpuint (ld_batch_get_length (results[i].batch), ==, results[i].n_decoded);
      for (guint j = 0; j < results[i].n_decoded; j++)
        assert_record (results[i].batch, j, frame++);
    }
  g_assert_cmpuint (frame, ==, n_frames);
}

/* Splitting pays only from LD_PARALLEL_DECODE_MIN_FRAMES frames on, and
 * then every part has half that at least. */
static void
test_n_parts (void)
{
  guint cores = MIN (g_get_num_processors (), 8);

  g_assert_cmpuint (ld_parallel_decode_n_parts (0), ==, 1);
  g_assert_cmpuint (ld_parallel_decode_n_parts (1), ==, 1);
  g_assert_cmpuint (ld_parallel_decode_n_parts (LD_PARALLEL_DECODE_MIN_FRAMES - 1), ==, 1);

  for (guint n = LD_PARALLEL_DECODE_MIN_FRAMES; n < 100000; n = n * 3 + 1)
    {
      guint parts = ld_parallel_decode_n_parts (n);

      g_assert_cmpuint (parts, >=, 1);
      /* A part for each worker and one for the calling thread: headless,
       * a worker for every core but the caller's. */
      g_assert_cmpuint (parts, <=, MAX (cores, 1));
      g_assert_cmpuint (n / parts, >=, LD_PARALLEL_DECODE_MIN_FRAMES / 2);
    }
}

/* One part is decoding in the calling thread: no worker is needed. */
static void
test_one_part (void)
{
  g_auto(Frames) frames = make_frames (100, NULL);
  LdDecodeResult *results = decode (&frames, 1, NULL);

  assert_whole (&frames, results, 1);
  results_free (results, 1);
}

static void
test_no_frames (void)
{
  g_auto(Frames) frames = make_frames (0, NULL);
  LdDecodeResult *results = decode (&frames, 1, NULL);

  g_assert_no_error (results[0].error);
  g_assert_cmpuint (results[0].n_decoded, ==, 0);
  g_assert_cmpuint (ld_batch_get_length (results[0].batch), ==, 0);
  results_free (results, 1);
}

/* Decoding in parts gives what decoding in one does, record for record and
 * byte for byte. */
static void
test_parts_match_one (void)
{
  g_auto(Frames) frames = make_frames (1000, NULL);
  guint n_parts = ld_parallel_decode_n_parts (1000);
  LdDecodeResult *whole = decode (&frames, 1, NULL);
  LdDecodeResult *parts = decode (&frames, n_parts, NULL);
  guint at = 0;

  assert_whole (&frames, parts, n_parts);
  for (guint i = 0; i < n_parts; i++)
    for (guint j = 0; j < ld_batch_get_length (parts[i].batch); j++, at++)
      {
        const char *text_a, *text_b;
        const LdRecord *a = ld_batch_get_record (whole[0].batch, at, &text_a);
        const LdRecord *b = ld_batch_get_record (parts[i].batch, j, &text_b);
        LdRecord copy_a = *a, copy_b = *b;

        copy_a.text = copy_b.text = NULL;
        g_assert_cmpmem (&copy_a, sizeof copy_a, &copy_b, sizeof copy_b);
        g_assert_cmpmem (text_a, ld_record_text_size (a), text_b, ld_record_text_size (b));
      }
  g_assert_cmpuint (at, ==, 1000);

  results_free (whole, 1);
  results_free (parts, n_parts);
}

/* More parts than workers wait for one, and still come back in order; the
 * last part takes what does not divide evenly. */
static void
test_more_parts_than_workers (void)
{
  g_auto(Frames) frames = make_frames (1003, NULL);
  LdDecodeResult *results;

  if (ld_parallel_decode_n_parts (1003) == 1)
    {
      g_test_skip ("one core: there are no workers");
      return;
    }

  results = decode (&frames, 7, NULL);
  assert_whole (&frames, results, 7);
  g_assert_cmpuint (results[6].n_decoded, ==, 1003 - 6 * (1003 / 7));
  results_free (results, 7);
}

/* A bad frame stops its own part, after the records before it; the other
 * parts are decoded as if it were not there. */
static void
test_bad_frame (void)
{
  static const guint bad[] = { 10, 210, 211, G_MAXUINT };
  g_auto(Frames) frames = make_frames (400, bad);
  guint n_parts = ld_parallel_decode_n_parts (400) > 1 ? 4 : 1;
  LdDecodeResult *results = decode (&frames, n_parts, NULL);

  for (guint i = 0, first = 0; i < n_parts; first += part_size (400, n_parts, i), i++)
    {
      guint last = first + part_size (400, n_parts, i);
      guint stop = last;

      for (guint j = 0; bad[j] != G_MAXUINT; j++)
        if (bad[j] >= first && bad[j] < last)
          stop = MIN (stop, bad[j]);

      g_assert_cmpuint (results[i].n_decoded, ==, stop - first);
      g_assert_cmpuint (ld_batch_get_length (results[i].batch), ==, stop - first);
      for (guint j = 0; j < stop - first; j++)
        assert_record (results[i].batch, j, first + j);
      if (stop < last)
        g_assert_error (results[i].error, LD_PYRECORD_ERROR, LD_PYRECORD_ERROR_NOT_A_RECORD);
      else
        g_assert_no_error (results[i].error);
    }

  results_free (results, n_parts);
}

/* A frame over the unpickler's limits is a bad frame like any other, and
 * a frame that is cut short too. */
static void
test_over_limits (void)
{
  g_auto(Frames) frames = make_frames (0, NULL);
  g_autoptr(GBytes) whole = record_pickle (3, 0);
  LdPickleLimits limits;
  LdDecodeResult *results;

  frames_add (&frames, record_pickle (0, 100));
  frames_add (&frames, record_pickle (1, 2 * 1024 * 1024));
  frames_add (&frames, record_pickle (2, 100));
  ld_pickle_limits_init_default (&limits);
  limits.max_total_bytes = 1024 * 1024;

  results = decode (&frames, 1, &limits);
  g_assert_cmpuint (results[0].n_decoded, ==, 1);
  g_assert_nonnull (results[0].error);
  assert_record (results[0].batch, 0, 0);
  results_free (results, 1);

  g_ptr_array_set_size (frames.pickles, 0);
  g_array_set_size (frames.frames, 0);
  frames_add (&frames, g_bytes_new_from_bytes (whole, 0, g_bytes_get_size (whole) - 5));
  results = decode (&frames, 1, NULL);
  g_assert_cmpuint (results[0].n_decoded, ==, 0);
  g_assert_nonnull (results[0].error);
  results_free (results, 1);
}

static gpointer
decode_thread (gpointer data)
{
  const Frames *frames = data;
  guint n_parts = ld_parallel_decode_n_parts (frames->frames->len);

  for (guint round = 0; round < 20; round++)
    {
      LdDecodeResult *results = decode (frames, n_parts, NULL);

      assert_whole (frames, results, n_parts);
      results_free (results, n_parts);
    }

  return NULL;
}

/* Callers on several threads share the workers, and each gets its own
 * frames back whole and in order. */
static void
test_concurrent_callers (void)
{
  g_auto(Frames) frames = make_frames (500, NULL);
  GThread *threads[3];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("decode-caller", decode_thread, &frames);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
}

/* Clearing frees what a result holds and leaves it ready for the next
 * read; clearing twice, or a zeroed result, is harmless. */
static void
test_result_clear (void)
{
  static const guint bad[] = { 1, G_MAXUINT };
  g_auto(Frames) frames = make_frames (3, bad);
  LdDecodeResult *results = decode (&frames, 1, NULL);
  LdDecodeResult zeroed = { 0 };

  g_assert_nonnull (results[0].batch);
  g_assert_nonnull (results[0].error);
  ld_decode_result_clear (&results[0]);
  g_assert_null (results[0].batch);
  g_assert_null (results[0].error);
  g_assert_cmpuint (results[0].n_decoded, ==, 0);
  ld_decode_result_clear (&results[0]);
  ld_decode_result_clear (&zeroed);
  g_free (results);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  /* As headless Logdeck does, so that a two-core machine has a worker. */
  ld_parallel_decode_set_headless (TRUE);

  g_test_add_func ("/parallel-decode/n-parts", test_n_parts);
  g_test_add_func ("/parallel-decode/one-part", test_one_part);
  g_test_add_func ("/parallel-decode/no-frames", test_no_frames);
  g_test_add_func ("/parallel-decode/parts-match-one", test_parts_match_one);
  g_test_add_func ("/parallel-decode/more-parts-than-workers", test_more_parts_than_workers);
  g_test_add_func ("/parallel-decode/bad-frame", test_bad_frame);
  g_test_add_func ("/parallel-decode/over-limits", test_over_limits);
  g_test_add_func ("/parallel-decode/concurrent-callers", test_concurrent_callers);
  g_test_add_func ("/parallel-decode/result-clear", test_result_clear);

  return g_test_run ();
}
