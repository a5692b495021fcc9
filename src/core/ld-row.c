// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include "ld-row.h"
#include "ld-store.h"

/* The small object a list widget asks for. It is made on demand and names a
 * record by its sequence number, so it holds no copy of the record. */
struct _LdRow
{
  GObject  parent_instance;
  LdStore *store;
  guint64  seq;
};

G_DEFINE_FINAL_TYPE (LdRow, ld_row, G_TYPE_OBJECT)

static void
ld_row_finalize (GObject *object)
{
  LdRow *self = LD_ROW (object);

  g_clear_object (&self->store);

  G_OBJECT_CLASS (ld_row_parent_class)->finalize (object);
}

static void
ld_row_class_init (LdRowClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ld_row_finalize;
}

static void
ld_row_init (LdRow *self)
{
}

LdRow *
ld_row_new (LdStore *store,
            guint64  seq)
{
  LdRow *self = g_object_new (LD_TYPE_ROW, NULL);

  self->store = g_object_ref (store);
  self->seq = seq;

  return self;
}

guint64
ld_row_get_seq (LdRow *self)
{
  g_return_val_if_fail (LD_IS_ROW (self), 0);

  return self->seq;
}

LdStore *
ld_row_get_store (LdRow *self)
{
  g_return_val_if_fail (LD_IS_ROW (self), NULL);

  return self->store;
}

/**
 * ld_row_get_record:
 * @self: a row
 *
 * Returns: (nullable): the record, or %NULL once it has been evicted
 */
const LdRecord *
ld_row_get_record (LdRow *self)
{
  g_return_val_if_fail (LD_IS_ROW (self), NULL);

  return ld_store_get_record_by_seq (self->store, self->seq);
}
