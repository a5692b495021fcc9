// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "ld-session.h"
#include "ld-store.h"

G_BEGIN_DECLS

/* Opening an archived session: its records read on a thread of their own
 * and appended to a store on the caller's main context, slice by slice, as
 * a file import is. */

void      ld_archive_load_async               (const char           *path,
                                               LdStore              *store,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
void      ld_archive_load_into_session_async  (const char           *path,
                                               LdSession            *session,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
gboolean  ld_archive_load_finish              (GAsyncResult         *result,
                                               guint64              *n_records,
                                               GError              **error);

G_END_DECLS
