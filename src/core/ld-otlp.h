// SPDX-License-Identifier: GPL-3.0-or-later
//
// OTLP/HTTP's protobuf form: an ExportLogsServiceRequest into records, with the same mapping
// as the JSON form's (ld-json-otlp.c), and the ExportLogsServiceResponse to answer with.

#pragma once

#include <glib.h>

#include "ld-record.h"

G_BEGIN_DECLS

#define LD_OTLP_ERROR (ld_otlp_error_quark ())

typedef enum
{
  LD_OTLP_ERROR_MALFORMED,   /* not protobuf, or not an ExportLogsServiceRequest */
  LD_OTLP_ERROR_LIMIT,       /* nested deeper or more values than the limits allow */
} LdOtlpError;

/* The deepest nesting of messages a request may have: the export's own five levels and
 * AnyValues inside each other below them. */
#define LD_OTLP_MAX_DEPTH       64
/* The most messages (records, attributes, values) one request may hold. */
#define LD_OTLP_MAX_MESSAGES    (1024 * 1024)
/* The most fields one record may have after nested maps are flattened; a record with more is
 * rejected, and counted for partial_success. */
#define LD_OTLP_MAX_ATTRIBUTES  1024

typedef struct
{
  guint   accepted;         /* records added */
  gint64  rejected;         /* records that could not be taken */
  char   *rejected_reason;  /* why the first of them was not, for partial_success */
} LdOtlpResult;

GQuark     ld_otlp_error_quark        (void);
gboolean   ld_otlp_decode             (LdBatch              *batch,
                                       const guint8         *data,
                                       gsize                 length,
                                       const LdRecordOrigin *origin,
                                       LdOtlpResult         *result,
                                       GError              **error);
void       ld_otlp_result_clear       (LdOtlpResult         *result);
GBytes    *ld_otlp_encode_response    (gint64                rejected,
                                       const char           *error_message);

G_END_DECLS
