// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gtk/gtk.h>

#include "ld-alerts.h"
#include "ld-store.h"

G_BEGIN_DECLS

/* The application action a notification's "Show" activates, with the
 * record's sequence number ("t") as its target. */
#define LD_ALERT_NOTIFIER_ACTION "show-record"

#define LD_TYPE_ALERT_NOTIFIER (ld_alert_notifier_get_type ())

G_DECLARE_FINAL_TYPE (LdAlertNotifier, ld_alert_notifier, LD, ALERT_NOTIFIER, GObject)

LdAlertNotifier *ld_alert_notifier_new             (LdStore         *store,
                                                    GSettings       *settings,
                                                    GtkWindow       *window);
LdAlerts        *ld_alert_notifier_get_alerts      (LdAlertNotifier *self);
guint            ld_alert_notifier_get_n_unread    (LdAlertNotifier *self);
void             ld_alert_notifier_mark_read       (LdAlertNotifier *self);
void             ld_alert_notifier_install_action  (LdAlertNotifier *self,
                                                    GApplication    *application);

G_END_DECLS
