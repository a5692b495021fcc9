// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ld-problem.h"

G_BEGIN_DECLS

/* Grafana Loki's tail messages (GET /loki/api/v1/tail over a WebSocket):
 * {"streams":[{"stream":{labels},"values":[["<ns>","line"],…]}],
 *  "dropped_entries":[{"labels":{…},"timestamp":"<ns>"},…]} */

gboolean  ld_loki_tail_detect       (const char           *text,
                                     gsize                 length);
gboolean  ld_loki_tail_add_message  (LdBatch              *batch,
                                     const char           *text,
                                     gsize                 length,
                                     const LdIngestOrigin *origin,
                                     guint                *n_added);

G_END_DECLS
