// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "ld-ingest.h"
#include "ld-pickle.h"

G_BEGIN_DECLS

/* What every listener of one LdIngest shares. Apart from the atomic counter,
 * it is set up before the first listener starts and read-only afterwards,
 * except @next_tcp_id, which only the ingest thread touches. */
typedef struct
{
  GMainContext         *context;
  LdHandoff            *handoff;
  LdConnectionRegistry *registry;        /* nullable */
  guint32               max_frame_size;
  LdPickleLimits        limits;
  guint                 next_tcp_id;
  gsize                 n_records;       /* atomic */
} LdIngestShared;

/* Pause between two reports of one connection's counts to the registry. */
#define LD_INGEST_REPORT_INTERVAL_US (100 * 1000)

void   ld_ingest_shared_flush        (LdIngestShared         *shared,
                                      LdBatch               **batch);
void   ld_ingest_shared_report       (LdIngestShared         *shared,
                                      const LdConnectionInfo *info);
void   ld_ingest_add_problem         (LdBatch                *batch,
                                      int                     level,
                                      const char             *connection,
                                      const char             *peer,
                                      const char             *protocol,
                                      const char             *format,
                                      ...) G_GNUC_PRINTF (6, 7);
char  *ld_ingest_format_address      (GSocketAddress         *address);
GSocket *ld_ingest_bind              (const char             *address,
                                      guint16                 port,
                                      GSocketType             type,
                                      char                  **bound_address,
                                      guint16                *bound_port,
                                      GError                **error);

G_END_DECLS
