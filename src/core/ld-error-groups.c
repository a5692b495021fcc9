// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <string.h>

#include "ld-error-groups.h"
#include "ld-fingerprint.h"
#include "ld-level.h"

/* The error tracker's model: ERROR and above grouped by fingerprint, kept
 * up to date as the store appends, evicts and clears.
 *
 * Counts are of the session, not of the store: a group's count, first and
 * last seen and sparkline say how often the error happened since the last
 * clear, and stay when the store evicts old records, because "this keeps
 * happening" is what the tracker is for. Beside that, n-stored counts the
 * group's records still in the store (what a click on the group will list):
 * a ledger of (sequence number, group) for every grouped record is
 * consumed from the front as the store evicts. Clearing the store removes
 * every group. */

#define SAMPLE_MAX_BYTES 300

struct _LdErrorGroup
{
  GObject  parent_instance;

  char    *fingerprint;
  char    *exception_type;
  char    *sample_message;
  int      min_level;
  int      max_level;
  guint64  count;
  guint    n_stored;
  gint64   first_seen;
  gint64   last_seen;
  guint64  last_seq;
  guint32  loggers[LD_ERROR_GROUP_MAX_IDS];
  guint    n_loggers;
  gboolean more_loggers;
  guint32  connections[LD_ERROR_GROUP_MAX_IDS];
  guint    n_connections;
  gboolean more_connections;
  guint32  series[LD_ERROR_GROUP_SERIES_MINUTES];
  gint64   series_minute[LD_ERROR_GROUP_SERIES_MINUTES];
  gboolean dirty;
};

typedef struct
{
  guint64       seq;
  LdErrorGroup *group;   /* owned */
} LedgerEntry;

struct _LdErrorGroups
{
  GObject     parent_instance;

  LdStore    *store;
  gulong      items_changed_id;
  guint64     n_evicted_seen;
  int         min_level;

  GPtrArray  *groups;          /* in order of first occurrence */
  GHashTable *by_fingerprint;  /* fingerprint → group, borrowed */
  GArray     *ledger;          /* LedgerEntry, in store order */
  guint       ledger_head;
  GString    *scratch;
  GPtrArray  *changed;         /* groups changed by the current batch */
};

enum {
  GROUP_CHANGED,
  N_GROUP_SIGNALS
};

enum {
  CHANGED,
  N_SIGNALS
};

enum {
  PROP_0,
  PROP_MIN_LEVEL,
  N_PROPS
};

static guint group_signals[N_GROUP_SIGNALS];
static guint signals[N_SIGNALS];
static GParamSpec *properties[N_PROPS];

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE (LdErrorGroup, ld_error_group, G_TYPE_OBJECT)
G_DEFINE_FINAL_TYPE_WITH_CODE (LdErrorGroups, ld_error_groups, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static inline gint64
floor_div (gint64 value,
           gint64 divisor)
{
  gint64 quotient = value / divisor;

  return (value % divisor != 0 && value < 0) ? quotient - 1 : quotient;
}

/* LdErrorGroup */

static void
ld_error_group_finalize (GObject *object)
{
  LdErrorGroup *self = LD_ERROR_GROUP (object);

  g_free (self->fingerprint);
  g_free (self->exception_type);
  g_free (self->sample_message);

  G_OBJECT_CLASS (ld_error_group_parent_class)->finalize (object);
}

static void
ld_error_group_class_init (LdErrorGroupClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ld_error_group_finalize;

  /**
   * LdErrorGroup::changed:
   *
   * Emitted at most once per batch of records, when the group's counts,
   * times or sets changed.
   */
  group_signals[GROUP_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ld_error_group_init (LdErrorGroup *self)
{
}

static char *
first_line_sample (const LdRecord *record)
{
  gsize length;
  const char *message = ld_record_get_message (record, &length);
  const char *newline = memchr (message, '\n', length);

  if (newline != NULL)
    length = newline - message;
  if (length > SAMPLE_MAX_BYTES)
    {
      length = SAMPLE_MAX_BYTES;
      while (length > 0 && (message[length] & 0xc0) == 0x80)
        length--;
    }

  return g_strndup (message, length);
}

static LdErrorGroup *
ld_error_group_new (const char     *fingerprint,
                    const LdRecord *record,
                    int             min_level)
{
  LdErrorGroup *self = g_object_new (LD_TYPE_ERROR_GROUP, NULL);
  gsize exception_len;
  const char *exception = ld_record_get_exception (record, &exception_len);

  self->fingerprint = g_strdup (fingerprint);
  self->exception_type = g_str_has_prefix (fingerprint, "exc:")
                         ? ld_fingerprint_exception_type (exception, exception_len)
                         : NULL;
  self->sample_message = first_line_sample (record);
  self->min_level = min_level;
  self->max_level = record->level;
  self->first_seen = self->last_seen = record->time_us;

  return self;
}

static void
add_id (guint32  *ids,
        guint    *n_ids,
        gboolean *more,
        guint32   id)
{
  if (id == LD_INTERN_NONE)
    return;

  for (guint i = 0; i < *n_ids; i++)
    if (ids[i] == id)
      return;

  if (*n_ids < LD_ERROR_GROUP_MAX_IDS)
    ids[(*n_ids)++] = id;
  else
    *more = TRUE;
}

static void
add_to_series (LdErrorGroup *self,
               gint64        time_us)
{
  gint64 minute = floor_div (time_us, 60 * G_USEC_PER_SEC);
  guint slot = (guint) (((minute % LD_ERROR_GROUP_SERIES_MINUTES)
                         + LD_ERROR_GROUP_SERIES_MINUTES) % LD_ERROR_GROUP_SERIES_MINUTES);

  if (self->series_minute[slot] != minute)
    {
      /* A record older than the slot's minute belongs to a minute the
       * sparkline no longer shows. */
      if (self->series_minute[slot] > minute && self->series[slot] > 0)
        return;
      self->series_minute[slot] = minute;
      self->series[slot] = 0;
    }
  self->series[slot]++;
}

static void
group_add_record (LdErrorGroup   *self,
                  const LdRecord *record,
                  guint64         seq)
{
  self->count++;
  self->n_stored++;
  self->max_level = MAX (self->max_level, record->level);
  self->first_seen = MIN (self->first_seen, record->time_us);
  self->last_seen = MAX (self->last_seen, record->time_us);
  self->last_seq = seq;
  add_id (self->loggers, &self->n_loggers, &self->more_loggers, record->logger);
  add_id (self->connections, &self->n_connections, &self->more_connections,
          record->connection);
  add_to_series (self, record->time_us);
}

/**
 * ld_error_group_get_fingerprint:
 * @self: a group
 *
 * Returns: what the group's records share, as ld_fingerprint_compute()
 *   writes it
 */
const char *
ld_error_group_get_fingerprint (LdErrorGroup *self)
{
  g_return_val_if_fail (LD_IS_ERROR_GROUP (self), NULL);

  return self->fingerprint;
}

/**
 * ld_error_group_get_exception_type:
 * @self: a group
 *
 * Returns: (nullable): the exception type, for groups made by traceback
 */
const char *
ld_error_group_get_exception_type (LdErrorGroup *self)
{
  g_return_val_if_fail (LD_IS_ERROR_GROUP (self), NULL);

  return self->exception_type;
}

/**
 * ld_error_group_get_sample_message:
 * @self: a group
 *
 * Returns: the first line of the first record's message, shortened
 */
const char *
ld_error_group_get_sample_message (LdErrorGroup *self)
{
  g_return_val_if_fail (LD_IS_ERROR_GROUP (self), NULL);

  return self->sample_message;
}

/**
 * ld_error_group_get_title:
 * @self: a group
 *
 * Returns: the exception type, or for groups without one, the sample message
 */
const char *
ld_error_group_get_title (LdErrorGroup *self)
{
  g_return_val_if_fail (LD_IS_ERROR_GROUP (self), NULL);

  return self->exception_type != NULL ? self->exception_type : self->sample_message;
}

/**
 * ld_error_group_get_count:
 * @self: a group
 *
 * Returns: the records in the group since the store was last cleared
 */
guint64
ld_error_group_get_count (LdErrorGroup *self)
{
  g_return_val_if_fail (LD_IS_ERROR_GROUP (self), 0);

  return self->count;
}

/**
 * ld_error_group_get_n_stored:
 * @self: a group
 *
 * Returns: the group's records still in the store
 */
guint
ld_error_group_get_n_stored (LdErrorGroup *self)
{
  g_return_val_if_fail (LD_IS_ERROR_GROUP (self), 0);

  return self->n_stored;
}

int
ld_error_group_get_max_level (LdErrorGroup *self)
{
  g_return_val_if_fail (LD_IS_ERROR_GROUP (self), 0);

  return self->max_level;
}

/**
 * ld_error_group_get_first_seen:
 * @self: a group
 *
 * Returns: the earliest record time in the group, in µs since the epoch
 */
gint64
ld_error_group_get_first_seen (LdErrorGroup *self)
{
  g_return_val_if_fail (LD_IS_ERROR_GROUP (self), 0);

  return self->first_seen;
}

/**
 * ld_error_group_get_last_seen:
 * @self: a group
 *
 * Returns: the latest record time in the group, in µs since the epoch
 */
gint64
ld_error_group_get_last_seen (LdErrorGroup *self)
{
  g_return_val_if_fail (LD_IS_ERROR_GROUP (self), 0);

  return self->last_seen;
}

/**
 * ld_error_group_get_last_seq:
 * @self: a group
 *
 * Returns: the sequence number of the group's newest record, to select it
 */
guint64
ld_error_group_get_last_seq (LdErrorGroup *self)
{
  g_return_val_if_fail (LD_IS_ERROR_GROUP (self), 0);

  return self->last_seq;
}

/**
 * ld_error_group_get_loggers:
 * @self: a group
 * @n_loggers: (out): how many
 * @more: (out) (optional): set if more loggers than those were involved
 *
 * Returns: (array length=n_loggers): the interned loggers involved
 */
const guint32 *
ld_error_group_get_loggers (LdErrorGroup *self,
                            guint        *n_loggers,
                            gboolean     *more)
{
  g_return_val_if_fail (LD_IS_ERROR_GROUP (self), NULL);

  *n_loggers = self->n_loggers;
  if (more != NULL)
    *more = self->more_loggers;

  return self->loggers;
}

/**
 * ld_error_group_get_connections:
 * @self: a group
 * @n_connections: (out): how many
 * @more: (out) (optional): set if more connections than those were involved
 *
 * Returns: (array length=n_connections): the interned connections involved
 */
const guint32 *
ld_error_group_get_connections (LdErrorGroup *self,
                                guint        *n_connections,
                                gboolean     *more)
{
  g_return_val_if_fail (LD_IS_ERROR_GROUP (self), NULL);

  *n_connections = self->n_connections;
  if (more != NULL)
    *more = self->more_connections;

  return self->connections;
}

/**
 * ld_error_group_get_series:
 * @self: a group
 * @now_us: the end of the sparkline, in µs since the epoch
 * @counts: (array fixed-size=60) (out caller-allocates): records per minute,
 *   oldest first, the last being the minute of @now_us
 *
 * Returns: the largest of @counts
 */
guint32
ld_error_group_get_series (LdErrorGroup *self,
                           gint64        now_us,
                           guint32      *counts)
{
  gint64 last_minute = floor_div (now_us, 60 * G_USEC_PER_SEC);
  guint32 max = 0;

  g_return_val_if_fail (LD_IS_ERROR_GROUP (self), 0);

  for (guint i = 0; i < LD_ERROR_GROUP_SERIES_MINUTES; i++)
    {
      gint64 minute = last_minute - (LD_ERROR_GROUP_SERIES_MINUTES - 1) + i;
      guint slot = (guint) (((minute % LD_ERROR_GROUP_SERIES_MINUTES)
                             + LD_ERROR_GROUP_SERIES_MINUTES) % LD_ERROR_GROUP_SERIES_MINUTES);

      counts[i] = self->series_minute[slot] == minute ? self->series[slot] : 0;
      max = MAX (max, counts[i]);
    }

  return max;
}

/* LdErrorGroups: the list model */

static GType
ld_error_groups_get_item_type (GListModel *model)
{
  return LD_TYPE_ERROR_GROUP;
}

static guint
ld_error_groups_get_n_items (GListModel *model)
{
  return LD_ERROR_GROUPS (model)->groups->len;
}

static gpointer
ld_error_groups_get_item (GListModel *model,
                          guint       position)
{
  LdErrorGroups *self = LD_ERROR_GROUPS (model);

  if (position >= self->groups->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->groups, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = ld_error_groups_get_item_type;
  iface->get_n_items = ld_error_groups_get_n_items;
  iface->get_item = ld_error_groups_get_item;
}

/* Keeping the groups */

static void
mark_changed (LdErrorGroups *self,
              LdErrorGroup  *group)
{
  if (group->dirty)
    return;

  group->dirty = TRUE;
  g_ptr_array_add (self->changed, g_object_ref (group));
}

static void
emit_changed (LdErrorGroups *self)
{
  g_autoptr(GPtrArray) changed = g_steal_pointer (&self->changed);

  self->changed = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < changed->len; i++)
    {
      LdErrorGroup *group = g_ptr_array_index (changed, i);

      group->dirty = FALSE;
      g_signal_emit (group, group_signals[GROUP_CHANGED], 0);
    }

  if (changed->len > 0)
    g_signal_emit (self, signals[CHANGED], 0);
}

static void
clear_ledger (LdErrorGroups *self)
{
  for (guint i = self->ledger_head; i < self->ledger->len; i++)
    g_object_unref (g_array_index (self->ledger, LedgerEntry, i).group);
  g_array_set_size (self->ledger, 0);
  self->ledger_head = 0;
}

static void
remove_all_groups (LdErrorGroups *self)
{
  guint n = self->groups->len;

  clear_ledger (self);
  g_hash_table_remove_all (self->by_fingerprint);
  g_ptr_array_set_size (self->groups, 0);
  if (n > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, n, 0);
}

/* The group seen longest ago, among the first @n, makes room. */
static void
drop_stalest (LdErrorGroups *self,
              guint          n)
{
  guint victim = 0;

  for (guint i = 1; i < n; i++)
    if (((LdErrorGroup *) g_ptr_array_index (self->groups, i))->last_seen
        < ((LdErrorGroup *) g_ptr_array_index (self->groups, victim))->last_seen)
      victim = i;

  g_hash_table_remove (self->by_fingerprint,
                       ((LdErrorGroup *) g_ptr_array_index (self->groups, victim))->fingerprint);
  g_ptr_array_remove_index (self->groups, victim);
  g_list_model_items_changed (G_LIST_MODEL (self), victim, 1, 0);
}

static void
add_record (LdErrorGroups  *self,
            const LdRecord *record,
            guint64         seq,
            guint          *n_old)
{
  LdErrorGroup *group;
  LedgerEntry entry;

  if (record->level < self->min_level)
    return;

  g_string_truncate (self->scratch, 0);
  ld_fingerprint_append (self->scratch, record);
  group = g_hash_table_lookup (self->by_fingerprint, self->scratch->str);
  if (group == NULL)
    {
      /* Only groups listed before this batch make room, so that the
       * batch's own stay where one items-changed will announce them. */
      if (self->groups->len >= LD_ERROR_GROUPS_MAX && *n_old > 0)
        drop_stalest (self, (*n_old)--);
      group = ld_error_group_new (self->scratch->str, record, self->min_level);
      g_ptr_array_add (self->groups, group);
      g_hash_table_insert (self->by_fingerprint, group->fingerprint, group);
    }

  group_add_record (group, record, seq);
  mark_changed (self, group);
  entry.seq = seq;
  entry.group = g_object_ref (group);
  g_array_append_val (self->ledger, entry);
}

static void
forget_evicted (LdErrorGroups *self)
{
  guint64 first_seq = ld_store_get_first_seq (self->store);

  while (self->ledger_head < self->ledger->len)
    {
      LedgerEntry *entry = &g_array_index (self->ledger, LedgerEntry, self->ledger_head);

      if (entry->seq >= first_seq)
        break;
      entry->group->n_stored--;
      mark_changed (self, entry->group);
      g_object_unref (entry->group);
      self->ledger_head++;
    }

  if (self->ledger_head > 256 && self->ledger_head * 2 > self->ledger->len)
    {
      g_array_remove_range (self->ledger, 0, self->ledger_head);
      self->ledger_head = 0;
    }
}

static void
add_positions (LdErrorGroups *self,
               guint          position,
               guint          count)
{
  guint64 first_seq = ld_store_get_first_seq (self->store);
  guint n_old = self->groups->len;

  for (guint i = position; i < position + count; i++)
    add_record (self, ld_store_get_record (self->store, i), first_seq + i, &n_old);

  if (self->groups->len > n_old)
    g_list_model_items_changed (G_LIST_MODEL (self), n_old, 0, self->groups->len - n_old);
}

/* A removal that did not count as eviction is a clear. */
static void
on_items_changed (LdErrorGroups *self,
                  guint          position,
                  guint          removed,
                  guint          added,
                  GListModel    *store)
{
  guint64 n_evicted = ld_store_get_n_evicted (self->store);

  if (removed > 0 && n_evicted == self->n_evicted_seen)
    remove_all_groups (self);
  else if (removed > 0)
    forget_evicted (self);
  self->n_evicted_seen = n_evicted;

  if (added > 0)
    add_positions (self, position, added);
  emit_changed (self);
}

/* GObject */

static void
ld_error_groups_dispose (GObject *object)
{
  LdErrorGroups *self = LD_ERROR_GROUPS (object);

  if (self->store != NULL)
    {
      g_clear_signal_handler (&self->items_changed_id, self->store);
      g_clear_object (&self->store);
    }
  clear_ledger (self);
  g_hash_table_remove_all (self->by_fingerprint);
  g_ptr_array_set_size (self->groups, 0);
  g_ptr_array_set_size (self->changed, 0);

  G_OBJECT_CLASS (ld_error_groups_parent_class)->dispose (object);
}

static void
ld_error_groups_finalize (GObject *object)
{
  LdErrorGroups *self = LD_ERROR_GROUPS (object);

  g_ptr_array_unref (self->groups);
  g_hash_table_unref (self->by_fingerprint);
  g_array_unref (self->ledger);
  g_string_free (self->scratch, TRUE);
  g_ptr_array_unref (self->changed);

  G_OBJECT_CLASS (ld_error_groups_parent_class)->finalize (object);
}

static void
ld_error_groups_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_MIN_LEVEL:
      g_value_set_int (value, LD_ERROR_GROUPS (object)->min_level);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ld_error_groups_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_MIN_LEVEL:
      ld_error_groups_set_min_level (LD_ERROR_GROUPS (object), g_value_get_int (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ld_error_groups_class_init (LdErrorGroupsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ld_error_groups_dispose;
  object_class->finalize = ld_error_groups_finalize;
  object_class->get_property = ld_error_groups_get_property;
  object_class->set_property = ld_error_groups_set_property;

  /**
   * LdErrorGroups::changed:
   *
   * Emitted once per batch of records that changed any group, after each
   * changed group's own ::changed: the time to sort again.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);

  properties[PROP_MIN_LEVEL] =
    g_param_spec_int ("min-level", NULL, NULL, G_MININT, G_MAXINT, LD_LEVEL_ERROR,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ld_error_groups_init (LdErrorGroups *self)
{
  self->min_level = LD_LEVEL_ERROR;
  self->groups = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_fingerprint = g_hash_table_new (g_str_hash, g_str_equal);
  self->ledger = g_array_new (FALSE, FALSE, sizeof (LedgerEntry));
  self->scratch = g_string_sized_new (256);
  self->changed = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * ld_error_groups_new:
 *
 * Returns: (transfer full): an empty list of groups, until attached
 */
LdErrorGroups *
ld_error_groups_new (void)
{
  return g_object_new (LD_TYPE_ERROR_GROUPS, NULL);
}

/**
 * ld_error_groups_attach_store:
 * @self: error groups
 * @store: the store to follow
 *
 * Groups the records @store has, then each record it appends.
 */
void
ld_error_groups_attach_store (LdErrorGroups *self,
                              LdStore       *store)
{
  g_return_if_fail (LD_IS_ERROR_GROUPS (self));
  g_return_if_fail (LD_IS_STORE (store));

  ld_error_groups_detach (self);
  self->store = g_object_ref (store);
  self->n_evicted_seen = ld_store_get_n_evicted (store);
  self->items_changed_id = g_signal_connect_swapped (store, "items-changed",
                                                     G_CALLBACK (on_items_changed), self);
  add_positions (self, 0, ld_store_get_n_records (store));
  emit_changed (self);
}

/**
 * ld_error_groups_detach:
 * @self: error groups
 *
 * Stops following the store and removes every group.
 */
void
ld_error_groups_detach (LdErrorGroups *self)
{
  g_return_if_fail (LD_IS_ERROR_GROUPS (self));

  if (self->store == NULL)
    return;

  g_clear_signal_handler (&self->items_changed_id, self->store);
  g_clear_object (&self->store);
  remove_all_groups (self);
}

int
ld_error_groups_get_min_level (LdErrorGroups *self)
{
  g_return_val_if_fail (LD_IS_ERROR_GROUPS (self), 0);

  return self->min_level;
}

/**
 * ld_error_groups_set_min_level:
 * @self: error groups
 * @min_level: the least level grouped, %LD_LEVEL_ERROR by default
 *
 * Regroups the records of the store, which is a scan of it.
 */
void
ld_error_groups_set_min_level (LdErrorGroups *self,
                               int            min_level)
{
  g_autoptr(LdStore) store = NULL;

  g_return_if_fail (LD_IS_ERROR_GROUPS (self));

  if (self->min_level == min_level)
    return;

  self->min_level = min_level;
  store = self->store != NULL ? g_object_ref (self->store) : NULL;
  if (store != NULL)
    ld_error_groups_attach_store (self, store);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MIN_LEVEL]);
}

/**
 * ld_error_groups_lookup:
 * @self: error groups
 * @record: a record
 *
 * Returns: (transfer none) (nullable): the group @record belongs to, to say
 *   in the detail pane how often its error happened
 */
LdErrorGroup *
ld_error_groups_lookup (LdErrorGroups  *self,
                        const LdRecord *record)
{
  g_return_val_if_fail (LD_IS_ERROR_GROUPS (self), NULL);
  g_return_val_if_fail (record != NULL, NULL);

  if (record->level < self->min_level)
    return NULL;

  g_string_truncate (self->scratch, 0);
  ld_fingerprint_append (self->scratch, record);

  return g_hash_table_lookup (self->by_fingerprint, self->scratch->str);
}

/**
 * ld_error_groups_record_matches:
 * @group: a group
 * @record: a record
 *
 * Whether @record belongs to @group: what a filter that lists a group's
 * records asks of each record. Records below the group's level are
 * answered at once; the others cost a fingerprint. Safe from any thread.
 *
 * Returns: %TRUE if @record is one of @group's
 */
gboolean
ld_error_groups_record_matches (LdErrorGroup   *group,
                                const LdRecord *record)
{
  g_autoptr(GString) fingerprint = NULL;

  g_return_val_if_fail (LD_IS_ERROR_GROUP (group), FALSE);
  g_return_val_if_fail (record != NULL, FALSE);

  if (record->level < group->min_level)
    return FALSE;

  fingerprint = g_string_sized_new (256);
  ld_fingerprint_append (fingerprint, record);

  return strcmp (fingerprint->str, group->fingerprint) == 0;
}
