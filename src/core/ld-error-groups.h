// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "ld-store.h"

G_BEGIN_DECLS

/* A group keeps this many distinct loggers and connections; more are only
 * counted as "and others". */
#define LD_ERROR_GROUP_MAX_IDS      8
/* The sparkline: records per minute over the last hour. */
#define LD_ERROR_GROUP_SERIES_MINUTES 60
/* Past this many groups, the one seen longest ago makes room. */
#define LD_ERROR_GROUPS_MAX         1000

#define LD_TYPE_ERROR_GROUP (ld_error_group_get_type ())

G_DECLARE_FINAL_TYPE (LdErrorGroup, ld_error_group, LD, ERROR_GROUP, GObject)

const char     *ld_error_group_get_fingerprint     (LdErrorGroup   *self);
const char     *ld_error_group_get_exception_type  (LdErrorGroup   *self);
const char     *ld_error_group_get_sample_message  (LdErrorGroup   *self);
const char     *ld_error_group_get_title           (LdErrorGroup   *self);
guint64         ld_error_group_get_count           (LdErrorGroup   *self);
guint           ld_error_group_get_n_stored        (LdErrorGroup   *self);
int             ld_error_group_get_max_level       (LdErrorGroup   *self);
gint64          ld_error_group_get_first_seen      (LdErrorGroup   *self);
gint64          ld_error_group_get_last_seen       (LdErrorGroup   *self);
guint64         ld_error_group_get_last_seq        (LdErrorGroup   *self);
const guint32  *ld_error_group_get_loggers         (LdErrorGroup   *self,
                                                    guint          *n_loggers,
                                                    gboolean       *more);
const guint32  *ld_error_group_get_connections     (LdErrorGroup   *self,
                                                    guint          *n_connections,
                                                    gboolean       *more);
guint32         ld_error_group_get_series          (LdErrorGroup   *self,
                                                    gint64          now_us,
                                                    guint32        *counts);

#define LD_TYPE_ERROR_GROUPS (ld_error_groups_get_type ())

G_DECLARE_FINAL_TYPE (LdErrorGroups, ld_error_groups, LD, ERROR_GROUPS, GObject)

LdErrorGroups  *ld_error_groups_new                (void);
void            ld_error_groups_attach_store       (LdErrorGroups  *self,
                                                    LdStore        *store);
void            ld_error_groups_detach             (LdErrorGroups  *self);
int             ld_error_groups_get_min_level      (LdErrorGroups  *self);
void            ld_error_groups_set_min_level      (LdErrorGroups  *self,
                                                    int             min_level);
LdErrorGroup   *ld_error_groups_lookup             (LdErrorGroups  *self,
                                                    const LdRecord *record);
gboolean        ld_error_groups_record_matches     (LdErrorGroup   *group,
                                                    const LdRecord *record);

G_END_DECLS
