// SPDX-License-Identifier: GPL-3.0-or-later
//
// Syslog: one message (RFC 5424, or RFC 3164 with its real-world variants) into one record,
// and the framing of a TCP stream (RFC 6587: octet counting or LF-terminated).

#pragma once

#include <glib.h>

#include "ld-record.h"

G_BEGIN_DECLS

#define LD_SYSLOG_ERROR (ld_syslog_error_quark ())

typedef enum
{
  LD_SYSLOG_ERROR_NO_PRI,        /* no <PRI> at the start */
  LD_SYSLOG_ERROR_BAD_HEADER,    /* an RFC 5424 header field that is not one */
  LD_SYSLOG_ERROR_BAD_SD,        /* RFC 5424 structured data that does not close */
  LD_SYSLOG_ERROR_BAD_FRAME,     /* an octet count that is not one, or over the limit */
  LD_SYSLOG_ERROR_TOO_LONG,      /* a message over the limit */
} LdSyslogError;

/* The most structured-data parameters one message may carry; more are an error. */
#define LD_SYSLOG_MAX_SD_PARAMS 256

/* The default size limit of one framed message. */
#define LD_SYSLOG_DEFAULT_MAX_MESSAGE (256 * 1024)

GQuark          ld_syslog_error_quark       (void);
gboolean        ld_syslog_parse             (LdBatch              *batch,
                                             const char           *data,
                                             gsize                 length,
                                             const LdRecordOrigin *origin,
                                             GError              **error);
const char     *ld_syslog_facility_name     (int                   facility);

/* RFC 6587 framing, decided per connection by its first byte: a digit starts an octet
 * count ("12 <14>1 - ..."), anything else means LF-terminated messages (a NUL ends one
 * too, as Python's SysLogHandler sends them). */
typedef struct _LdSyslogFramer LdSyslogFramer;

typedef enum
{
  LD_SYSLOG_FRAMING_UNKNOWN,
  LD_SYSLOG_FRAMING_OCTET_COUNTING,
  LD_SYSLOG_FRAMING_NON_TRANSPARENT,
} LdSyslogFraming;

LdSyslogFramer *ld_syslog_framer_new        (gsize                 max_message);
void            ld_syslog_framer_free       (LdSyslogFramer       *self);
void            ld_syslog_framer_push       (LdSyslogFramer       *self,
                                             const char           *data,
                                             gsize                 length);
gboolean        ld_syslog_framer_next       (LdSyslogFramer       *self,
                                             const char          **message,
                                             gsize                *length,
                                             GError              **error);
gsize           ld_syslog_framer_get_pending (LdSyslogFramer      *self);
LdSyslogFraming ld_syslog_framer_get_framing (LdSyslogFramer      *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LdSyslogFramer, ld_syslog_framer_free)

G_END_DECLS
