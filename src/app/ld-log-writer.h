// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

#include "ld-handoff.h"

G_BEGIN_DECLS

/* Structured fields the log writer understands beyond GLib's own: a Python
 * level number (any integer), and exception and stack text. */
#define LD_LOG_FIELD_LEVELNO   "LOGDECK_LEVELNO"
#define LD_LOG_FIELD_EXCEPTION "LOGDECK_EXCEPTION"
#define LD_LOG_FIELD_STACK     "LOGDECK_STACK"

/* The connection of every record the log writer makes. */
#define LD_LOG_WRITER_CONNECTION "in-process"

void              ld_log_writer_install      (void);
void              ld_log_writer_set_handoff  (LdHandoff       *handoff);
void              ld_log_writer_set_echo     (gboolean         echo_entries);
void              ld_log_writer_print_line   (const char      *level,
                                              const char      *logger,
                                              const char      *message,
                                              gssize           length);
GLogWriterOutput  ld_log_writer              (GLogLevelFlags   log_level,
                                              const GLogField *fields,
                                              gsize            n_fields,
                                              gpointer         user_data);
void              ld_log_at_level            (const char      *domain,
                                              int              levelno,
                                              const char      *exception,
                                              const char      *file,
                                              const char      *line,
                                              const char      *func,
                                              const char      *format,
                                              ...) G_GNUC_PRINTF (7, 8);

#define LD_LOG_AT_LEVEL(levelno, exception, ...) \
  ld_log_at_level (G_LOG_DOMAIN, (levelno), (exception), __FILE__, G_STRINGIFY (__LINE__), \
                   G_STRFUNC, __VA_ARGS__)

G_END_DECLS
