// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ld-ingest-private.h"

G_BEGIN_DECLS

/* What the ZeroMQ and NNG sources share: which addresses they may listen on, the size limits
 * they give their libraries, and how one message becomes records, with the counts that the
 * sources panel shows. */

#define LD_MQ_TOPIC_FIELD  "topic"  /* the frames before a ZeroMQ message's JSON */
#define LD_MQ_SEQ_FIELD    "seq"    /* a sender's own record number, to see what was lost */

typedef struct
{
  LdIngestShared   *shared;
  LdProblemLimiter  limiter;
  guint64           n_records;
  guint64           n_bytes;
  guint64           n_refused;   /* messages Logdeck refused: too big, or not JSON records */
  guint64           n_missing;   /* records that never arrived, by gaps in their "seq" */
  GArray           *senders;     /* each sender's process id and the last "seq" it sent */
  char             *last_error;
  char             *summary;     /* what the sources panel shows */
} LdMqIntake;

void      ld_mq_intake_init        (LdMqIntake             *intake,
                                    LdIngestShared         *shared);
void      ld_mq_intake_clear       (LdMqIntake             *intake);
void      ld_mq_intake_take        (LdMqIntake             *intake,
                                    LdBatch                *batch,
                                    const LdIngestOrigin   *origin,
                                    const char             *data,
                                    gsize                   length,
                                    const char             *topic,
                                    gsize                   topic_length);
void      ld_mq_intake_refuse      (LdMqIntake             *intake,
                                    LdBatch                *batch,
                                    const LdIngestOrigin   *origin,
                                    const char             *format,
                                    ...) G_GNUC_PRINTF (4, 5);
void      ld_mq_intake_fill_info   (LdMqIntake             *intake,
                                    LdConnectionInfo       *info);

guint64   ld_mq_transport_limit    (LdIngestShared         *shared);
gboolean  ld_mq_check_listen_uri   (LdIngestShared         *shared,
                                    const char             *uri,
                                    const char             *what,
                                    GError                **error);
char     *ld_mq_uri_next_port      (const char             *uri,
                                    GError                **error);

G_END_DECLS
