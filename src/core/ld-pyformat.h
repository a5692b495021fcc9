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

/* One printf-style conversion: "%-08.3f" is left, zero, width 8, precision
 * 3, conversion 'f'. The logging format strings of ld-log-format-render.c
 * are written with the same functions as msg % args. */
typedef struct
{
  gboolean left, zero, plus, space, alt;
  gint64   width;        /* -1 if not given */
  gint64   precision;    /* -1 if not given */
  char     conversion;
} LdPyformatSpec;

void        ld_pyformat_append_text_field  (GString              *out,
                                            const LdPyformatSpec *spec,
                                            const char           *text,
                                            gsize                 length);
void        ld_pyformat_append_int_field   (GString              *out,
                                            const LdPyformatSpec *spec,
                                            gint64                number);
void        ld_pyformat_append_float_field (GString              *out,
                                            const LdPyformatSpec *spec,
                                            double                number);

/* The pieces of a conversion, which str.format() specs are written with too. */
const char *ld_pyformat_sign_text         (gboolean    negative,
                                           char        sign);
void        ld_pyformat_append_digits     (GString    *out,
                                           guint64     magnitude,
                                           guint       base,
                                           gboolean    upper,
                                           gsize       min_digits);
void        ld_pyformat_append_float      (GString    *out,
                                           double      magnitude,
                                           char        conversion,
                                           int         precision,
                                           gboolean    alternate);
void        ld_pyformat_append_float_repr (GString    *out,
                                           double      value);
gsize       ld_pyformat_truncated_length  (const char *text,
                                           gsize       length,
                                           gint64      precision);
void        ld_pyformat_append_aligned    (GString    *out,
                                           const char *prefix,
                                           const char *body,
                                           gsize       body_len,
                                           gunichar    fill,
                                           char        align,
                                           gsize       width);

G_END_DECLS
