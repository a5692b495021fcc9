// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

#include "ld-pickle.h"

G_BEGIN_DECLS

/* Python's printf-style string formatting (msg % args), done in C on decoded
 * pickle values, as LogRecord.getMessage() would do it in the sender. */

#define LD_PYFORMAT_ERROR (ld_pyformat_error_quark ())

/* Where Python would raise TypeError, ValueError, KeyError or OverflowError. */
typedef enum
{
  LD_PYFORMAT_ERROR_MISMATCH,
} LdPyformatError;

GQuark    ld_pyformat_error_quark   (void);
gboolean  ld_pyformat_percent       (GString             *out,
                                     const char          *format,
                                     gsize                length,
                                     const LdPickleValue *args,
                                     GError             **error);
void      ld_pyformat_message       (GString             *out,
                                     const char          *msg,
                                     gsize                length,
                                     const LdPickleValue *args);
gboolean  ld_pyformat_is_true       (const LdPickleValue *value);
void      ld_pyformat_append_str    (GString             *out,
                                     const LdPickleValue *value);
void      ld_pyformat_append_repr   (GString             *out,
                                     const LdPickleValue *value,
                                     gboolean             ascii_only);

void ld_pyformat_append_str_repr (GString    *out,
                                  const char *text,
                                  gsize       length,
                                  gboolean    ascii_only);

G_END_DECLS
