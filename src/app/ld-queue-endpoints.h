// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "ld-ingest.h"

G_BEGIN_DECLS

/* The logging cookbook's ZeroMQ and pynng QueueHandler sockets, as given on
 * the command line for one run; %NULL for the preference's. */
typedef struct
{
  char **zmq;          /* --zmq */
  char **zmq_listen;   /* --zmq-listen */
  char **nng;          /* --nng */
  char  *nng_listen;   /* --nng-listen */
} LdQueueEndpoints;

void ld_queue_endpoints_lookup (LdQueueEndpoints       *self,
                                GVariantDict           *options);
void ld_queue_endpoints_clear  (LdQueueEndpoints       *self);
void ld_queue_endpoints_add    (const LdQueueEndpoints *self,
                                GSettings              *settings,
                                LdIngest               *ingest);

G_END_DECLS
