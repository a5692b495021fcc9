// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ld-source.h"

G_BEGIN_DECLS

/* An NNG Sub0 socket that receives JSON records, as the logging cookbook's pynng example
 * sends them from a Pub0 socket. Each connection (an NNG pipe) is listed with its peer. */
typedef enum
{
  LD_NNG_LISTEN,  /* --nng-listen URI: the cookbook's listener; publishers dial */
  LD_NNG_DIAL,    /* --nng URI: for a publisher that listens */
} LdNngMode;

LdSource *ld_nng_source_new (LdIngestShared *shared,
                             LdNngMode       mode,
                             const char     *uri,
                             GError        **error);

G_END_DECLS
