// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <string.h>

#include "ld-level.h"
#include "ld-source-tracker.h"

/* Recognises a program that reconnects (a reloading server, a client after
 * a network blip) as the same source, so that its history continues in one
 * place.
 *
 * A connection is identified by its first record that says who sent it:
 * the sender's own "connection_id" extra field where it gives one (as
 * WebSocket clients may), otherwise the peer's host (without the port,
 * which changes with every connection) with the process name and pid.
 * Records without either (JSON lines with no process fields, Logdeck's own
 * records) leave the connection unidentified; after LD_SOURCE_TRACKER_PATIENCE
 * of them the tracker stops looking, so that such a stream costs one hash
 * lookup a record.
 *
 * Datagrams have no connection: every sender to the UDP endpoint shares
 * its id, so records that came over UDP are not tracked.
 *
 * When a second connection turns out to be a known source, a divider record
 * from "logdeck.ingest" says so; the caller pushes it through the hand-off
 * like any other batch. The pid is part of the identity on purpose: a
 * program restarted under a new pid is a new source. */

typedef struct
{
  guint    source;         /* 0 while unidentified */
  guint    n_unidentified;
  gboolean closed;
} Connection;

typedef struct
{
  guint    id;             /* its index in the sources, from 1 */
  char    *key;
  char    *label;          /* "myapp, pid 4242" */
  GArray  *connections;    /* guint32, oldest first */
} Source;

struct _LdSourceTracker
{
  GObject     parent_instance;

  GHashTable *connections;   /* GUINT_TO_POINTER (interned id) → Connection */
  GHashTable *by_key;        /* key → Source, borrowed from @sources */
  GPtrArray  *sources;       /* Source; source id n is index n - 1 */
  GString    *scratch;
  guint32     extra_key;     /* the interned LD_SOURCE_TRACKER_ID_KEY */
  guint32     last_id;
  Connection *last;
  guint32     last_protocol;   /* and whether it is connectionless */
  gboolean    last_protocol_datagrams;
};

enum {
  RECONNECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LdSourceTracker, ld_source_tracker, G_TYPE_OBJECT)

static void
source_free (Source *source)
{
  g_free (source->key);
  g_free (source->label);
  g_array_unref (source->connections);
  g_free (source);
}

static void
ld_source_tracker_finalize (GObject *object)
{
  LdSourceTracker *self = LD_SOURCE_TRACKER (object);

  g_hash_table_unref (self->connections);
  g_hash_table_unref (self->by_key);
  g_ptr_array_unref (self->sources);
  g_string_free (self->scratch, TRUE);

  G_OBJECT_CLASS (ld_source_tracker_parent_class)->finalize (object);
}

static void
ld_source_tracker_class_init (LdSourceTrackerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ld_source_tracker_finalize;

  /**
   * LdSourceTracker::reconnected:
   * @source: the source
   * @connection: the interned id of its new connection
   * @previous: the interned id of the connection it had before
   *
   * Emitted when a divider record was made.
   */
  signals[RECONNECTED] =
    g_signal_new ("reconnected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_UINT);
}

static void
ld_source_tracker_init (LdSourceTracker *self)
{
  self->connections = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->by_key = g_hash_table_new (g_str_hash, g_str_equal);
  self->sources = g_ptr_array_new_with_free_func ((GDestroyNotify) source_free);
  self->scratch = g_string_sized_new (128);
  self->extra_key = ld_intern (LD_SOURCE_TRACKER_ID_KEY, -1);
}

/**
 * ld_source_tracker_new:
 *
 * Returns: (transfer full): a tracker that knows no source yet
 */
LdSourceTracker *
ld_source_tracker_new (void)
{
  return g_object_new (LD_TYPE_SOURCE_TRACKER, NULL);
}

static gboolean
is_datagrams (LdSourceTracker *self,
              guint32          protocol)
{
  const char *name;

  if (protocol != self->last_protocol)
    {
      name = ld_intern_lookup (protocol);
      self->last_protocol = protocol;
      self->last_protocol_datagrams = name != NULL && g_str_has_prefix (name, "udp");
    }

  return self->last_protocol_datagrams;
}

static Connection *
connection_for (LdSourceTracker *self,
                guint32          id)
{
  Connection *connection;

  if (self->last != NULL && self->last_id == id)
    return self->last;

  connection = g_hash_table_lookup (self->connections, GUINT_TO_POINTER (id));
  if (connection == NULL)
    {
      connection = g_new0 (Connection, 1);
      g_hash_table_insert (self->connections, GUINT_TO_POINTER (id), connection);
    }
  self->last_id = id;
  self->last = connection;

  return connection;
}

/* "127.0.0.1:5000" → "127.0.0.1", "[::1]:5000" → "::1"; other peers whole. */
static void
append_host (GString *out,
             guint32  peer)
{
  const char *text = ld_intern_lookup (peer);
  const char *colon;

  if (text == NULL)
    return;

  if (text[0] == '[' && (colon = strstr (text, "]:")) != NULL)
    g_string_append_len (out, text + 1, colon - text - 1);
  else if ((colon = strchr (text, ':')) != NULL && strchr (colon + 1, ':') == NULL)
    g_string_append_len (out, text, colon - text);
  else
    g_string_append (out, text);
}

static gboolean
find_id_extra (LdSourceTracker *self,
               const LdRecord  *record,
               const char     **value,
               gsize           *length)
{
  LdExtraIter iter;
  guint32 key;
  LdValueType type;

  ld_extra_iter_init (&iter, record);
  while (ld_extra_iter_next (&iter, &key, &type, value, length))
    if (key == self->extra_key)
      return *length > 0 && (type == LD_VALUE_STRING || type == LD_VALUE_NUMBER);

  return FALSE;
}

/* The identity key of @record's sender into the scratch string, with a
 * label for people, or FALSE if the record does not say. */
static gboolean
identify (LdSourceTracker  *self,
          const LdRecord   *record,
          char            **label)
{
  const char *id, *name = ld_intern_lookup (record->process_name);
  gsize id_len;

  g_string_truncate (self->scratch, 0);
  if (find_id_extra (self, record, &id, &id_len))
    {
      g_string_append (self->scratch, "id\x1f");
      append_host (self->scratch, record->peer);
      g_string_append_c (self->scratch, '\x1f');
      g_string_append_len (self->scratch, id, id_len);
      *label = g_strdup_printf ("%s %.*s", LD_SOURCE_TRACKER_ID_KEY, (int) id_len, id);
      return TRUE;
    }

  if (record->process <= 0)
    return FALSE;

  g_string_append (self->scratch, "pid\x1f");
  append_host (self->scratch, record->peer);
  g_string_append_printf (self->scratch, "\x1f%s\x1f%d", name != NULL ? name : "",
                          record->process);
  *label = name != NULL ? g_strdup_printf ("%s, pid %d", name, record->process)
                        : g_strdup_printf ("pid %d", record->process);
  return TRUE;
}

static void
add_divider (LdSourceTracker *self,
             const LdRecord  *record,
             Source          *source,
             guint32          previous,
             gboolean         previous_open,
             LdBatch         *dividers)
{
  const char *connection = ld_intern_lookup (record->connection);
  const char *before = ld_intern_lookup (previous);
  g_autofree char *message = NULL;
  LdRecordFields fields = { 0 };

  /* Record text is not translated: it is data, exported as it is. */
  message = g_strdup_printf (previous_open
                             ? "%s connected as a second connection of the same source as %s (%s)"
                             : "%s reconnected as the same source as %s (%s)",
                             connection, before, source->label);

  fields.time_us = record->time_us;
  fields.level = LD_LEVEL_INFO;
  fields.level_name = "INFO";
  fields.logger = "logdeck.ingest";
  fields.message = message;
  fields.thread = "ingest";
  fields.process_name = ld_intern_lookup (record->process_name);
  fields.process = record->process;
  fields.connection = connection;
  fields.peer = ld_intern_lookup (record->peer);
  fields.protocol = ld_intern_lookup (record->protocol);
  ld_batch_add (dividers, &fields);
  ld_batch_add_extra (dividers, "previous_connection", -1, LD_VALUE_STRING, before, -1);
  ld_batch_add_extra (dividers, "source", -1, LD_VALUE_STRING, source->label, -1);
}

static guint
join_source (LdSourceTracker *self,
             Connection      *connection,
             const LdRecord  *record,
             char            *label,
             LdBatch         *dividers)
{
  Source *source = g_hash_table_lookup (self->by_key, self->scratch->str);
  guint32 previous;
  Connection *before;

  if (source == NULL)
    {
      source = g_new0 (Source, 1);
      source->id = self->sources->len + 1;
      source->key = g_strdup (self->scratch->str);
      source->label = label;
      source->connections = g_array_new (FALSE, FALSE, sizeof (guint32));
      g_ptr_array_add (self->sources, source);
      g_hash_table_insert (self->by_key, source->key, source);
      g_array_append_val (source->connections, record->connection);
      return connection->source = source->id;
    }

  g_free (label);
  connection->source = source->id;

  previous = g_array_index (source->connections, guint32, source->connections->len - 1);
  before = g_hash_table_lookup (self->connections, GUINT_TO_POINTER (previous));
  g_array_append_val (source->connections, record->connection);
  if (dividers != NULL)
    add_divider (self, record, source, previous, before != NULL && !before->closed, dividers);
  g_signal_emit (self, signals[RECONNECTED], 0, connection->source, record->connection, previous);

  return connection->source;
}

/**
 * ld_source_tracker_observe:
 * @self: a tracker
 * @record: a record as it arrives, with its text (a store's record, or a
 *   batch's with .text set)
 * @dividers: (nullable): where to add a divider record if @record's
 *   connection is a known source reconnecting
 *
 * Returns: the stable id of @record's source, from 1; 0 if it is not known
 */
guint
ld_source_tracker_observe (LdSourceTracker *self,
                           const LdRecord  *record,
                           LdBatch         *dividers)
{
  Connection *connection;
  char *label = NULL;

  g_return_val_if_fail (LD_IS_SOURCE_TRACKER (self), 0);
  g_return_val_if_fail (record != NULL, 0);

  if (record->connection == LD_INTERN_NONE || is_datagrams (self, record->protocol))
    return 0;

  connection = connection_for (self, record->connection);
  if (connection->source != 0 || connection->n_unidentified >= LD_SOURCE_TRACKER_PATIENCE)
    return connection->source;

  if (!identify (self, record, &label))
    {
      connection->n_unidentified++;
      return 0;
    }

  return join_source (self, connection, record, label, dividers);
}

/**
 * ld_source_tracker_observe_batch:
 * @self: a tracker
 * @batch: records as they arrive, before the store takes them
 * @dividers: where to add divider records
 *
 * Observes each record of @batch. The dividers can then be appended just
 * before @batch, so that they come before the records they announce.
 */
void
ld_source_tracker_observe_batch (LdSourceTracker *self,
                                 const LdBatch   *batch,
                                 LdBatch         *dividers)
{
  g_return_if_fail (LD_IS_SOURCE_TRACKER (self));
  g_return_if_fail (batch != NULL);

  for (guint i = 0; i < ld_batch_get_length (batch); i++)
    {
      const char *text;
      LdRecord record = *ld_batch_get_record (batch, i, &text);

      record.text = text;
      ld_source_tracker_observe (self, &record, dividers);
    }
}

/**
 * ld_source_tracker_connection_closed:
 * @self: a tracker
 * @connection: the interned id of a connection that closed
 *
 * Optional: a tracker told of closed connections says "reconnected" only
 * when the previous connection had closed, and "a second connection"
 * otherwise. Untold, it says "reconnected".
 */
void
ld_source_tracker_connection_closed (LdSourceTracker *self,
                                     guint32          connection)
{
  g_return_if_fail (LD_IS_SOURCE_TRACKER (self));

  if (connection != LD_INTERN_NONE)
    connection_for (self, connection)->closed = TRUE;
}

/**
 * ld_source_tracker_get_source:
 * @self: a tracker
 * @connection: an interned connection id
 *
 * Returns: the source of @connection, or 0 if not known
 */
guint
ld_source_tracker_get_source (LdSourceTracker *self,
                              guint32          connection)
{
  Connection *known;

  g_return_val_if_fail (LD_IS_SOURCE_TRACKER (self), 0);

  known = g_hash_table_lookup (self->connections, GUINT_TO_POINTER (connection));
  return known != NULL ? known->source : 0;
}

guint
ld_source_tracker_get_n_sources (LdSourceTracker *self)
{
  g_return_val_if_fail (LD_IS_SOURCE_TRACKER (self), 0);

  return self->sources->len;
}

/**
 * ld_source_tracker_get_connections:
 * @self: a tracker
 * @source: a source id
 * @n_connections: (out): how many
 *
 * Returns: (array length=n_connections) (nullable): the interned ids of
 *   the source's connections, oldest first: a filter on all of them shows
 *   the source's whole history
 */
const guint32 *
ld_source_tracker_get_connections (LdSourceTracker *self,
                                   guint            source,
                                   guint           *n_connections)
{
  Source *known;

  g_return_val_if_fail (LD_IS_SOURCE_TRACKER (self), NULL);
  g_return_val_if_fail (n_connections != NULL, NULL);

  *n_connections = 0;
  if (source == 0 || source > self->sources->len)
    return NULL;

  known = g_ptr_array_index (self->sources, source - 1);
  *n_connections = known->connections->len;
  return (const guint32 *) known->connections->data;
}

/**
 * ld_source_tracker_get_label:
 * @self: a tracker
 * @source: a source id
 *
 * Returns: (nullable): how the source names itself, such as "myapp, pid 4242"
 */
const char *
ld_source_tracker_get_label (LdSourceTracker *self,
                             guint            source)
{
  g_return_val_if_fail (LD_IS_SOURCE_TRACKER (self), NULL);

  if (source == 0 || source > self->sources->len)
    return NULL;

  return ((Source *) g_ptr_array_index (self->sources, source - 1))->label;
}
