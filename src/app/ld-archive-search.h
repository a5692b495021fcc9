// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "ld-query.h"
#include "ld-record.h"

G_BEGIN_DECLS

/* "Search the whole session": a compiled query run over every record of an
 * archive, the running session's own or a past one, on a thread of its
 * own, with the matches handed to the caller's main context in slices. */

typedef struct
{
  guint64  n_scanned;   /* records read so far */
  guint64  n_total;     /* records to read, about: the archive's span when it began */
  guint64  n_matches;   /* records that matched so far */
} LdArchiveSearchProgress;

/**
 * LdArchiveSearchFunc:
 * @matches: (array length=n_batches): the next matches, in the order they
 *   arrived, in one or more batches, as ld_store_append_batches() takes
 *   them; the caller's to read, freed after the call
 * @n_batches: how many batches
 * @seqs: (array length=n_matches): each match's sequence number in its
 *   session, across the batches
 * @n_matches: how many matches, in all the batches
 * @progress: how far the search got
 * @user_data: the data given with it
 *
 * Called on the caller's main context once per slice read, matches or not,
 * so that it can show the progress.
 */
typedef void (*LdArchiveSearchFunc) (LdBatch *const                *matches,
                                     guint                          n_batches,
                                     const guint64                 *seqs,
                                     guint                          n_matches,
                                     const LdArchiveSearchProgress *progress,
                                     gpointer                       user_data);

void      ld_archive_search_async   (const char               *path,
                                     LdQuery                  *query,
                                     guint64                   wait_for_seq,
                                     GCancellable             *cancellable,
                                     LdArchiveSearchFunc       slice_func,
                                     gpointer                  slice_data,
                                     GDestroyNotify            slice_data_destroy,
                                     GAsyncReadyCallback       callback,
                                     gpointer                  user_data);
void      ld_archive_search_with_marks_async
                                    (const char               *path,
                                     LdQuery                  *query,
                                     guint64                   wait_for_seq,
                                     GArray                   *marked,
                                     GCancellable             *cancellable,
                                     LdArchiveSearchFunc       slice_func,
                                     gpointer                  slice_data,
                                     GDestroyNotify            slice_data_destroy,
                                     GAsyncReadyCallback       callback,
                                     gpointer                  user_data);
gboolean  ld_archive_search_finish  (GAsyncResult             *result,
                                     LdArchiveSearchProgress  *progress,
                                     GError                  **error);

G_END_DECLS
