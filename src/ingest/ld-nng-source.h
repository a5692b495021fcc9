// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ld-ingest-private.h"

G_BEGIN_DECLS

/* An NNG Sub0 socket that receives JSON records, as the logging cookbook's pynng example
 * sends them from a Pub0 socket. Each connection (an NNG pipe) is listed with its peer. */
typedef struct _LdNngSource LdNngSource;

typedef enum
{
  LD_NNG_LISTEN,  /* --nng-listen URI: the cookbook's listener; publishers dial */
  LD_NNG_DIAL,    /* --nng URI: for a publisher that listens */
} LdNngMode;

LdNngSource *ld_nng_source_new      (LdIngestShared *shared,
                                     const char     *id,
                                     LdNngMode       mode,
                                     const char     *uri,
                                     GError        **error);
gboolean     ld_nng_source_start    (LdNngSource    *self);
void         ld_nng_source_stop     (LdNngSource    *self);
void         ld_nng_source_free     (LdNngSource    *self);
const char  *ld_nng_source_get_uri  (LdNngSource    *self);

G_END_DECLS
