// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

#include "ld-json.h"
#include "ld-pickle.h"

G_BEGIN_DECLS

/* A record.__dict__ sent as JSON carries a LogRecord's args as a list (json.dumps() of a
 * tuple) or an object (a mapping): this turns them into the values ld-pyformat.c formats, so
 * that msg % args reads the same whether the record came pickled or as JSON. */

LdPickleValue *ld_json_pyargs_to_value (const LdJsonNode  *args,
                                        GError           **error);

G_END_DECLS
