// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ld-source.h"

G_BEGIN_DECLS

/* One ZeroMQ socket that receives JSON records, as the logging cookbook's
 * ZeroMQSocketHandler sends them: a SUB that connects to a PUB, or a SUB or PULL that
 * listens for PUBs and PUSHes. */
typedef enum
{
  LD_ZMQ_SUB_CONNECT,  /* --zmq URI: the cookbook's listener */
  LD_ZMQ_SUB_LISTEN,   /* --zmq-listen URI: publishers connect */
  LD_ZMQ_PULL_LISTEN,  /* --zmq-listen, its next port: pushers connect */
} LdZmqMode;

LdSource    *ld_zmq_source_new      (LdIngestShared *shared,
                                     LdZmqMode       mode,
                                     const char     *uri,
                                     GError        **error);
const char  *ld_zmq_mode_protocol   (LdZmqMode       mode);

G_END_DECLS
