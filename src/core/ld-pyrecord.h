// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

#include "ld-pickle.h"
#include "ld-record.h"

G_BEGIN_DECLS

/* Python logging records, as logging.handlers.SocketHandler and
 * DatagramHandler send them: a pickled LogRecord.__dict__. */

#define LD_PYRECORD_ERROR (ld_pyrecord_error_quark ())

typedef enum
{
  LD_PYRECORD_ERROR_NOT_A_RECORD,
} LdPyrecordError;

GQuark    ld_pyrecord_error_quark      (void);

gboolean  ld_pyrecord_add              (LdBatch                *batch,
                                        const LdPickleValue    *record,
                                        const LdRecordOrigin *origin,
                                        GError                **error);
gboolean  ld_pyrecord_try_add_flat     (LdBatch                *batch,
                                        const guint8           *data,
                                        gsize                   length,
                                        const LdPickleLimits   *limits,
                                        const LdRecordOrigin *origin);
gboolean  ld_pyrecord_add_pickle       (LdBatch                *batch,
                                        const guint8           *data,
                                        gsize                   length,
                                        const LdPickleLimits   *limits,
                                        const LdRecordOrigin *origin,
                                        GError                **error);

G_END_DECLS
