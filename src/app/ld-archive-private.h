// SPDX-License-Identifier: GPL-3.0-or-later
//
// What ld-archive.c (the schema, writing and reading records) and
// ld-archive-marks.c (the user's marks) share.

#pragma once

#include <sqlite3.h>

#include "ld-archive.h"
#include "ld-json.h"

G_BEGIN_DECLS

struct _LdArchive
{
  sqlite3      *db;
  char         *path;
  gboolean      read_only;
  sqlite3_stmt *insert_record;
  sqlite3_stmt *insert_text;
  sqlite3_stmt *select_slice_end;
  sqlite3_stmt *insert_string;
  sqlite3_stmt *select_records;
  sqlite3_stmt *select_strings;
  GHashTable   *string_ids;     /* interned id -> id in the strings table */
  guint32       next_string_id;
  guint64       indexed_to;     /* records before it are in record_text */
  GPtrArray    *strings;        /* reading: text by id in the strings table */
  GString      *extra;
  LdJsonParser *parser;
};

gboolean _ld_archive_fail       (LdArchive     *self,
                                 int            rc,
                                 const char    *what,
                                 GError       **error);
gboolean _ld_archive_prepare    (LdArchive     *self,
                                 const char    *sql,
                                 sqlite3_stmt **stmt,
                                 GError       **error);
gint64   _ld_archive_pragma_int (LdArchive     *self,
                                 const char    *sql);

G_END_DECLS
