// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ingest"

#include "config.h"

#include "ld-ingest-private.h"
#include "ld-parallel-decode.h"

typedef struct
{
  const LdFrame          *frames;
  guint                   n_frames;
  const LdPickleLimits   *limits;
  const LdRecordOrigin *origin;
  LdDecodeResult         *result;
  GMutex                 *lock;
  GCond                  *done;
  guint                  *pending;
} Part;

static GThreadPool *pool;
static guint        n_workers;
static gboolean     headless;

/* Decodes one part up to its first bad frame; the frames after that one
 * belong to a connection that is about to close. */
static void
decode_part (Part *part)
{
  part->result->batch = ld_batch_new ();
  for (guint i = 0; i < part->n_frames; i++)
    {
      if (!ld_pyrecord_add_pickle (part->result->batch, part->frames[i].data,
                                   part->frames[i].length, part->limits, part->origin,
                                   &part->result->error))
        break;
      part->result->n_decoded++;
    }
}

static void
run_part (gpointer data,
          gpointer user_data)
{
  static __thread gboolean lowered;
  Part *part = data;

  if (!lowered)
    {
      ld_ingest_lower_priority ();
      lowered = TRUE;
    }

  decode_part (part);
  g_mutex_lock (part->lock);
  if (--*part->pending == 0)
    g_cond_signal (part->done);
  g_mutex_unlock (part->lock);
}

static void
ensure_pool (void)
{
  static gsize once;

  if (g_once_init_enter (&once))
    {
      /* The ingest thread decodes a part itself, and with a window one core
       * stays for the UI thread: on two cores, only headless Logdeck splits
       * decoding. */
      guint n_cores = MIN (g_get_num_processors (), 8);
      guint reserved = headless ? 1 : 2;

      n_workers = n_cores > reserved ? n_cores - reserved : 0;
      if (n_workers > 0)
        pool = g_thread_pool_new (run_part, NULL, n_workers, FALSE, NULL);
      g_once_init_leave (&once, 1);
    }
}

/**
 * ld_parallel_decode_set_headless:
 * @is_headless: whether this process has no UI thread
 *
 * Lets decoders use the core that a window's UI thread would need. Call it
 * before any listener starts; later calls change nothing.
 */
void
ld_parallel_decode_set_headless (gboolean is_headless)
{
  headless = is_headless;
}

/**
 * ld_parallel_decode_n_parts:
 * @n_frames: complete frames at hand
 *
 * Returns: in how many parts to decode them: 1 when splitting does not pay
 */
guint
ld_parallel_decode_n_parts (guint n_frames)
{
  ensure_pool ();

  if (pool == NULL || n_frames < LD_PARALLEL_DECODE_MIN_FRAMES)
    return 1;

  return MIN (n_workers + 1, n_frames / (LD_PARALLEL_DECODE_MIN_FRAMES / 2));
}

/**
 * ld_parallel_decode:
 * @frames: (array length=n_frames): frames, in arrival order
 * @results: (array length=n_parts): one result per part, zeroed, in order
 * @n_parts: from ld_parallel_decode_n_parts()
 *
 * Decodes @frames in @n_parts consecutive parts at once and returns when all
 * are done. A caller takes the results in order and stops at the first
 * error.
 */
void
ld_parallel_decode (const LdFrame          *frames,
                    guint                   n_frames,
                    const LdPickleLimits   *limits,
                    const LdRecordOrigin *origin,
                    LdDecodeResult         *results,
                    guint                   n_parts)
{
  g_autofree Part *parts = g_new0 (Part, n_parts);
  GMutex lock;
  GCond done;
  guint pending = n_parts - 1;
  guint per_part = n_frames / n_parts;

  g_mutex_init (&lock);
  g_cond_init (&done);
  for (guint i = 0; i < n_parts; i++)
    {
      guint first = i * per_part;

      parts[i] = (Part) { frames + first, i + 1 == n_parts ? n_frames - first : per_part,
                          limits, origin, &results[i], &lock, &done, &pending };
      if (i > 0)
        g_thread_pool_push (pool, &parts[i], NULL);
    }

  decode_part (&parts[0]);

  g_mutex_lock (&lock);
  while (pending > 0)
    g_cond_wait (&done, &lock);
  g_mutex_unlock (&lock);
  g_mutex_clear (&lock);
  g_cond_clear (&done);
}

void
ld_decode_result_clear (LdDecodeResult *result)
{
  g_clear_pointer (&result->batch, ld_batch_free);
  g_clear_error (&result->error);
  result->n_decoded = 0;
}
