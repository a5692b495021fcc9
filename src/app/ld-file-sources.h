// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "ld-connection-registry.h"
#include "ld-handoff.h"

G_BEGIN_DECLS

#define LD_TYPE_FILE_SOURCES (ld_file_sources_get_type ())

G_DECLARE_FINAL_TYPE (LdFileSources, ld_file_sources, LD, FILE_SOURCES, GObject)

LdFileSources *ld_file_sources_new           (LdHandoff            *handoff,
                                              LdConnectionRegistry *registry);
void           ld_file_sources_open          (LdFileSources        *self,
                                              GFile               **files,
                                              guint                 n_files,
                                              gboolean              follow);
void           ld_file_sources_open_stdin    (LdFileSources        *self);
gboolean       ld_file_sources_get_busy      (LdFileSources        *self);
double         ld_file_sources_get_fraction  (LdFileSources        *self);
void           ld_file_sources_cancel        (LdFileSources        *self);

G_END_DECLS
