// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "ld-connection-registry.h"
#include "ld-file-sources.h"
#include "ld-handoff.h"
#include "ld-ingest.h"
#include "ld-source-tracker.h"
#include "ld-store.h"

G_BEGIN_DECLS

/* What a running Logdeck has whether or not it shows a window: the command
 * line, the settings, the store and the hand-off that feeds it. The window
 * application and the headless server each own one. Nothing here uses GTK,
 * so a headless Logdeck needs no display. */

#define LD_TYPE_SESSION (ld_session_get_type ())

G_DECLARE_FINAL_TYPE (LdSession, ld_session, LD, SESSION, GObject)

void          ld_session_add_option_entries  (GApplication *application);
LdSession    *ld_session_new                 (void);
int           ld_session_handle_options      (LdSession    *self,
                                              GVariantDict *options);
void          ld_session_start               (LdSession    *self,
                                              gboolean      headless);
void          ld_session_shutdown            (LdSession    *self);
LdStore      *ld_session_get_store           (LdSession    *self);
LdHandoff    *ld_session_get_handoff         (LdSession    *self);
GSettings    *ld_session_get_settings        (LdSession    *self);
LdConnectionRegistry *ld_session_get_registry (LdSession   *self);
const char   *ld_session_get_filter          (LdSession    *self);
void          ld_session_set_source_tracker  (LdSession    *self,
                                              LdSourceTracker *tracker);
void          ld_session_open                (LdSession    *self,
                                              GFile       **files,
                                              guint         n_files,
                                              gboolean      follow);
LdFileSources *ld_session_get_file_sources   (LdSession    *self);
gboolean      ld_session_args_read_stdin     (int           argc,
                                              char        **argv);
LdIngest     *ld_session_get_ingest          (LdSession    *self);
gboolean      ld_session_get_headless        (LdSession    *self);
gboolean      ld_session_get_demo_requested  (LdSession    *self);
const char   *ld_session_get_listen_address  (LdSession    *self);
guint         ld_session_get_port            (LdSession    *self,
                                              const char   *which);

GSettings    *ld_settings_new                (void);
gboolean      ld_session_args_request_headless (int           argc,
                                                char        **argv);

G_END_DECLS
