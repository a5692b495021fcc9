// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

#include "ld-pyrecord.h"

G_BEGIN_DECLS

/* logging.handlers.HTTPHandler's requests: a LogRecord.__dict__ as an
 * urlencoded form, every value turned into a string by str(). */

#define LD_HTTP_FORM_ERROR (ld_http_form_error_quark ())

typedef enum
{
  LD_HTTP_FORM_ERROR_NOT_A_RECORD,
} LdHttpFormError;

GQuark    ld_http_form_error_quark  (void);
gboolean  ld_http_form_add_record   (LdBatch                *batch,
                                     const char             *form,
                                     gsize                   length,
                                     const LdPickleLimits   *limits,
                                     const LdRecordOrigin *origin,
                                     GError                **error);

G_END_DECLS
