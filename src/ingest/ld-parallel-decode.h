// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ld-pickle.h"
#include "ld-pyrecord.h"

G_BEGIN_DECLS

/* Decoding pickles is the ingest thread's main cost; a read that brought
 * many frames is split across the cores, and the pieces handed over in
 * order. */

typedef struct
{
  const guint8 *data;    /* the frame's pickle, after its length */
  guint32       length;
} LdFrame;

typedef struct
{
  LdBatch *batch;        /* the records of the frames decoded, in order */
  guint    n_decoded;    /* frames decoded before the first bad one */
  GError  *error;        /* why frame n_decoded failed, or %NULL */
} LdDecodeResult;

#define LD_PARALLEL_DECODE_MIN_FRAMES 64

void   ld_parallel_decode_set_headless (gboolean            is_headless);
guint  ld_parallel_decode_n_parts  (guint                   n_frames);
void   ld_parallel_decode          (const LdFrame          *frames,
                                    guint                   n_frames,
                                    const LdPickleLimits   *limits,
                                    const LdRecordOrigin *origin,
                                    LdDecodeResult         *results,
                                    guint                   n_parts);
void   ld_decode_result_clear      (LdDecodeResult         *result);

G_END_DECLS
