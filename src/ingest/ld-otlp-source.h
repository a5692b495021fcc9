// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ld-source.h"

G_BEGIN_DECLS

/* An OTLP/HTTP endpoint: POST /v1/logs with an ExportLogsServiceRequest in
 * protobuf or JSON, maybe gzipped, answered as the OTLP specification asks. */

LdSource *ld_otlp_source_new (LdIngestShared *shared,
                              const char     *address,
                              guint16         port,
                              GError        **error);

G_END_DECLS
