// SPDX-License-Identifier: GPL-3.0-or-later
//
// GELF: a payload (plain, zlib or gzip JSON) into one record, and the assembler of chunked
// UDP messages that a GELF source feeds its datagrams and its clock.

#pragma once

#include <glib.h>

#include "ld-json.h"
#include "ld-record.h"

G_BEGIN_DECLS

#define LD_GELF_ERROR (ld_gelf_error_quark ())

typedef enum
{
  LD_GELF_ERROR_COMPRESSION,   /* a zlib or gzip payload that does not inflate */
  LD_GELF_ERROR_TOO_LARGE,     /* inflated past the size limit */
  LD_GELF_ERROR_JSON,          /* not JSON, or not an object */
  LD_GELF_ERROR_NO_MESSAGE,    /* neither short_message nor full_message */
  LD_GELF_ERROR_BAD_CHUNK,     /* a chunk header that is not one */
} LdGelfError;

#define LD_GELF_DEFAULT_MAX_SIZE      (8 * 1024 * 1024)
#define LD_GELF_MAX_CHUNKS            128
#define LD_GELF_CHUNK_TIMEOUT_US      (5 * G_USEC_PER_SEC)
#define LD_GELF_DEFAULT_MAX_PENDING   (32 * 1024 * 1024)

GQuark           ld_gelf_error_quark     (void);
gboolean         ld_gelf_inflate         (const char           *data,
                                          gsize                 length,
                                          gsize                 max_size,
                                          GByteArray           *out,
                                          GError              **error);
gboolean         ld_gelf_parse           (LdBatch              *batch,
                                          LdJsonParser         *parser,
                                          const char           *json,
                                          gsize                 length,
                                          const LdRecordOrigin *origin,
                                          GError              **error);
gboolean         ld_gelf_decode          (LdBatch              *batch,
                                          LdJsonParser         *parser,
                                          const char           *payload,
                                          gsize                 length,
                                          gsize                 max_size,
                                          const LdRecordOrigin *origin,
                                          GError              **error);

typedef struct _LdGelfAssembler LdGelfAssembler;

typedef enum
{
  LD_GELF_CHUNK_NOT_CHUNKED,   /* the datagram is a whole payload */
  LD_GELF_CHUNK_PENDING,       /* taken; the message waits for more chunks */
  LD_GELF_CHUNK_COMPLETE,      /* the message is whole: see @message */
  LD_GELF_CHUNK_REFUSED,       /* see @error */
} LdGelfChunkResult;

typedef struct
{
  guint64 completed;       /* messages assembled */
  guint64 expired;         /* incomplete messages dropped after the time limit */
  guint64 evicted;         /* incomplete messages dropped for the memory limit */
  guint64 duplicates;      /* chunks seen twice, ignored */
  guint64 refused;         /* chunks with a bad header */
  gsize   pending_bytes;   /* held now for incomplete messages */
  guint   pending;         /* incomplete messages now */
} LdGelfAssemblerStats;

LdGelfAssembler *ld_gelf_assembler_new   (gsize                 max_pending_bytes,
                                          gint64                timeout_us);
void             ld_gelf_assembler_free  (LdGelfAssembler      *self);
LdGelfChunkResult ld_gelf_assembler_add  (LdGelfAssembler      *self,
                                          const char           *datagram,
                                          gsize                 length,
                                          gint64                now_us,
                                          GBytes              **message,
                                          GError              **error);
guint            ld_gelf_assembler_expire (LdGelfAssembler     *self,
                                          gint64                now_us);
void             ld_gelf_assembler_get_stats (LdGelfAssembler  *self,
                                          LdGelfAssemblerStats *stats);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LdGelfAssembler, ld_gelf_assembler_free)

G_END_DECLS
