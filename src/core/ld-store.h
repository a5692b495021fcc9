// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "ld-record.h"

G_BEGIN_DECLS

#define LD_STORE_DEFAULT_MAX_RECORDS 1000000

typedef enum
{
  LD_STORE_COUNT_LOGGER,
  LD_STORE_COUNT_THREAD,
  LD_STORE_COUNT_CONNECTION,
  LD_STORE_N_COUNTED
} LdStoreCounted;

typedef struct
{
  int   level;
  guint count;
} LdLevelCount;

#define LD_TYPE_STORE (ld_store_get_type ())

G_DECLARE_FINAL_TYPE (LdStore, ld_store, LD, STORE, GObject)

LdStore        *ld_store_new                (guint           max_records);
void            ld_store_append_batches     (LdStore        *self,
                                             LdBatch *const *batches,
                                             guint           n_batches);
void            ld_store_append_batch       (LdStore        *self,
                                             LdBatch        *batch);
void            ld_store_clear              (LdStore        *self);
void            ld_store_reserve            (LdStore        *self,
                                             guint           n_records);
guint           ld_store_get_n_records      (LdStore        *self);
const LdRecord *ld_store_get_record         (LdStore        *self,
                                             guint           position);
const LdRecord *ld_store_get_record_by_seq  (LdStore        *self,
                                             guint64         seq);
const LdRecord *ld_store_get_run            (LdStore        *self,
                                             guint           position,
                                             guint           max_records,
                                             guint          *n_records);
guint64         ld_store_get_first_seq      (LdStore        *self);
guint64         ld_store_get_n_received     (LdStore        *self);
guint64         ld_store_get_n_evicted      (LdStore        *self);
guint           ld_store_get_max_records    (LdStore        *self);
void            ld_store_set_max_records    (LdStore        *self,
                                             guint           max_records);
void            ld_store_set_max_bytes      (LdStore        *self,
                                             guint64         max_bytes);
guint64         ld_store_get_max_bytes      (LdStore        *self);
guint64         ld_store_get_records_size   (LdStore        *self);
gsize           ld_store_get_memory_size    (LdStore        *self);
const GArray   *ld_store_get_level_counts   (LdStore        *self);
guint           ld_store_get_id_count       (LdStore        *self,
                                             LdStoreCounted  field,
                                             guint32         id);
guint           ld_store_get_n_ids          (LdStore        *self,
                                             LdStoreCounted  field);
gsize           ld_store_get_text_size      (LdStore        *self);

void            ld_store_lock               (LdStore        *self);
void            ld_store_unlock             (LdStore        *self);

guint64         ld_store_attach_reader      (LdStore        *self);
void            ld_store_detach_reader      (LdStore        *self);
guint           ld_store_read               (LdStore        *self,
                                             guint64         from_seq,
                                             LdRecord       *records,
                                             guint           max_records,
                                             guint64        *first_seq);
guint64         ld_store_get_n_missed       (LdStore        *self);

G_END_DECLS
