// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A client of Python's logging.config.listen(): it sets one logger's level
 * in a running program, and nothing else. */

#define LD_SENDER_CONFIG_DEFAULT_PORT    9030   /* logging.config.DEFAULT_LOGGING_CONFIG_PORT */
#define LD_SENDER_CONFIG_TIMEOUT_MS      5000
#define LD_SENDER_CONFIG_MAX_LOGGER_NAME 1024

#define LD_SENDER_CONFIG_ERROR (ld_sender_config_error_quark ())

typedef enum
{
  LD_SENDER_CONFIG_ERROR_INVALID,     /* not a level, or not a logger name */
  LD_SENDER_CONFIG_ERROR_REFUSED,
  LD_SENDER_CONFIG_ERROR_TIMED_OUT,
  LD_SENDER_CONFIG_ERROR_CLOSED,      /* closed before taking the configuration */
  LD_SENDER_CONFIG_ERROR_FAILED,
} LdSenderConfigError;

GQuark        ld_sender_config_error_quark      (void);

const char *const *ld_sender_config_get_levels  (void);
gboolean      ld_sender_config_check_level      (const char           *level,
                                                 GError              **error);
gboolean      ld_sender_config_check_logger     (const char           *logger,
                                                 GError              **error);
GBytes       *ld_sender_config_build_message    (const char           *logger,
                                                 const char           *level,
                                                 GError              **error);
char         *ld_sender_config_host_from_peer   (const char           *peer);

void          ld_sender_config_set_level_async  (const char           *host,
                                                 guint16               port,
                                                 const char           *logger,
                                                 const char           *level,
                                                 guint                 timeout_ms,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
gboolean      ld_sender_config_set_level_finish (GAsyncResult         *result,
                                                 GError              **error);

G_END_DECLS
