// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

/* How many records the window takes in per frame: a window's concern, so it
 * lives here rather than in the session, which headless Logdeck shares and
 * which takes everything at once there. */

#include "config.h"

#include "ld-window-ramp.h"

/* Records the window takes in per frame at most; 60 frames a second make
 * room for millions a second, while one frame stays short. */
#define LD_WINDOW_MAX_PER_FRAME 32768

/* While the store holds fewer than LD_WINDOW_RAMP_RECORDS, the window takes
 * in only LD_WINDOW_FIRST_PER_FRAME records a frame: GTK 4.8's list view
 * makes up to 200 rows around the newest record, and a burst into an empty
 * window made them all in its first frame, the longest of the burst (about
 * 85 ms here; about 48 ms with four short frames first). Once the rows exist,
 * a frame takes as much as LD_WINDOW_MAX_PER_FRAME again. */
#define LD_WINDOW_RAMP_RECORDS 256
#define LD_WINDOW_FIRST_PER_FRAME 64

/* Few records next frame while the store has few rows, so that a burst into
 * an empty window makes its rows over a few frames. */
static void
limit_next_frame (LdHandoff *handoff,
                  LdStore   *store)
{
  guint n = ld_store_get_n_records (store);

  ld_handoff_set_max_per_drain (handoff, n < LD_WINDOW_RAMP_RECORDS
                                           ? LD_WINDOW_FIRST_PER_FRAME
                                           : LD_WINDOW_MAX_PER_FRAME);
}

static void
on_store_items_changed (LdHandoff  *handoff,
                        guint       position,
                        guint       removed,
                        guint       added,
                        GListModel *store)
{
  limit_next_frame (handoff, LD_STORE (store));
}

/**
 * ld_window_ramp_install:
 * @store: the store the window shows
 * @handoff: the hand-off that feeds @store once per frame
 *
 * A backlog goes into the window over several frames, not one long one;
 * after Clear, the window starts small again. Call it once the session has
 * started, before the main loop drains the hand-off.
 */
void
ld_window_ramp_install (LdStore   *store,
                        LdHandoff *handoff)
{
  g_return_if_fail (LD_IS_STORE (store));
  g_return_if_fail (handoff != NULL);

  limit_next_frame (handoff, store);
  g_signal_connect_data (store, "items-changed", G_CALLBACK (on_store_items_changed),
                         ld_handoff_ref (handoff), (GClosureNotify) G_CALLBACK (ld_handoff_unref),
                         G_CONNECT_SWAPPED);
}
