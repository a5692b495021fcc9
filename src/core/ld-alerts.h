// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "ld-store.h"

G_BEGIN_DECLS

/* How rules are kept in GSettings: (query, interval in seconds, enabled). */
#define LD_ALERTS_VARIANT_TYPE      "a(sub)"
#define LD_ALERT_DEFAULT_INTERVAL   60

#define LD_TYPE_ALERT_RULE (ld_alert_rule_get_type ())

G_DECLARE_FINAL_TYPE (LdAlertRule, ld_alert_rule, LD, ALERT_RULE, GObject)

LdAlertRule   *ld_alert_rule_new             (const char     *query,
                                              guint           interval,
                                              gboolean        enabled);
const char    *ld_alert_rule_get_query       (LdAlertRule    *self);
void           ld_alert_rule_set_query       (LdAlertRule    *self,
                                              const char     *query);
guint          ld_alert_rule_get_interval    (LdAlertRule    *self);
void           ld_alert_rule_set_interval    (LdAlertRule    *self,
                                              guint           interval);
gboolean       ld_alert_rule_get_enabled     (LdAlertRule    *self);
void           ld_alert_rule_set_enabled     (LdAlertRule    *self,
                                              gboolean        enabled);
const GError  *ld_alert_rule_get_error       (LdAlertRule    *self);
gboolean       ld_alert_rule_matches         (LdAlertRule    *self,
                                              const LdRecord *record);
guint64        ld_alert_rule_get_n_fired     (LdAlertRule    *self);
gint64         ld_alert_rule_get_last_fired  (LdAlertRule    *self);

#define LD_TYPE_ALERTS (ld_alerts_get_type ())

G_DECLARE_FINAL_TYPE (LdAlerts, ld_alerts, LD, ALERTS, GObject)

LdAlerts      *ld_alerts_new                 (void);
void           ld_alerts_append              (LdAlerts       *self,
                                              LdAlertRule    *rule);
void           ld_alerts_remove              (LdAlerts       *self,
                                              guint           position);
void           ld_alerts_remove_all          (LdAlerts       *self);
GVariant      *ld_alerts_to_variant          (LdAlerts       *self);
gboolean       ld_alerts_load_variant        (LdAlerts       *self,
                                              GVariant       *rules);
void           ld_alerts_attach_store        (LdAlerts       *self,
                                              LdStore        *store);
void           ld_alerts_detach              (LdAlerts       *self);
guint          ld_alerts_check_record        (LdAlerts       *self,
                                              const LdRecord *record,
                                              guint64         seq,
                                              gint64          now_us);

G_END_DECLS
