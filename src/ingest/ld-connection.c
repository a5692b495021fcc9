// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ingest"

#include "config.h"

#include <glib/gi18n.h>

#include "ld-connection-private.h"

/* One row of the sources panel: a listening endpoint or a peer's connection.
 * Its properties change only on the registry's thread, so widgets may bind
 * to them directly. */
struct _LdConnection
{
  GObject            parent_instance;

  char              *id;
  gboolean           is_endpoint;
  char              *protocol;
  char              *address;
  LdConnectionState  state;
  gint64             connected_since;
  gint64             closed_at;
  guint64            n_records;
  guint64            n_bytes;
  guint64            n_errors;
  char              *last_error;
  gboolean           encrypted;
};

enum {
  PROP_0,
  PROP_ID,
  PROP_KIND,
  PROP_PROTOCOL,
  PROP_ADDRESS,
  PROP_STATE,
  PROP_CONNECTED_SINCE,
  PROP_CLOSED_AT,
  PROP_N_RECORDS,
  PROP_N_BYTES,
  PROP_N_ERRORS,
  PROP_LAST_ERROR,
  PROP_ENCRYPTED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (LdConnection, ld_connection, G_TYPE_OBJECT)

static const GEnumValue state_values[] = {
  { LD_CONNECTION_LISTENING, "LD_CONNECTION_LISTENING", "listening" },
  { LD_CONNECTION_FAILED, "LD_CONNECTION_FAILED", "failed" },
  { LD_CONNECTION_OPEN, "LD_CONNECTION_OPEN", "open" },
  { LD_CONNECTION_CLOSED, "LD_CONNECTION_CLOSED", "closed" },
  { LD_CONNECTION_ERROR, "LD_CONNECTION_ERROR", "error" },
  { LD_CONNECTION_CONNECTING, "LD_CONNECTION_CONNECTING", "connecting" },
  { 0, NULL, NULL }
};

GType
ld_connection_state_get_type (void)
{
  static gsize type_id;

  if (g_once_init_enter (&type_id))
    g_once_init_leave (&type_id, g_enum_register_static ("LdConnectionState", state_values));

  return type_id;
}

/**
 * ld_connection_state_to_string:
 * @state: a state
 *
 * Returns: the state's short name, such as "listening" or "error"
 */
const char *
ld_connection_state_to_string (LdConnectionState state)
{
  for (guint i = 0; state_values[i].value_nick != NULL; i++)
    if (state_values[i].value == (int) state)
      return state_values[i].value_nick;

  return "unknown";
}

/**
 * ld_connection_state_get_label:
 * @state: a state
 *
 * Returns: the state as the sources panel and the connection monitor show
 *   it, translated
 */
const char *
ld_connection_state_get_label (LdConnectionState state)
{
  switch (state)
    {
    case LD_CONNECTION_LISTENING: return _("Listening");
    case LD_CONNECTION_FAILED: return _("Failed");
    case LD_CONNECTION_OPEN: return _("Open");
    case LD_CONNECTION_CLOSED: return _("Closed");
    case LD_CONNECTION_ERROR: return _("Error");
    case LD_CONNECTION_CONNECTING: return _("Connecting…");
    default: return "";
    }
}

/**
 * ld_connection_is_finished:
 * @self: a connection
 *
 * Returns: whether @self is a peer's connection that has closed, normally or
 *   not; endpoints are never finished
 */
gboolean
ld_connection_is_finished (LdConnection *self)
{
  LdConnectionState state;

  g_return_val_if_fail (LD_IS_CONNECTION (self), FALSE);

  state = ld_connection_get_state (self);
  return !ld_connection_is_endpoint (self)
         && (state == LD_CONNECTION_CLOSED || state == LD_CONNECTION_ERROR);
}

static void
ld_connection_finalize (GObject *object)
{
  LdConnection *self = LD_CONNECTION (object);

  g_free (self->id);
  g_free (self->protocol);
  g_free (self->address);
  g_free (self->last_error);

  G_OBJECT_CLASS (ld_connection_parent_class)->finalize (object);
}

static void
ld_connection_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  LdConnection *self = LD_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_string (value, self->id); break;
    case PROP_KIND: g_value_set_string (value, ld_connection_get_kind (self)); break;
    case PROP_PROTOCOL: g_value_set_string (value, self->protocol); break;
    case PROP_ADDRESS: g_value_set_string (value, self->address); break;
    case PROP_STATE: g_value_set_enum (value, self->state); break;
    case PROP_CONNECTED_SINCE: g_value_set_int64 (value, self->connected_since); break;
    case PROP_CLOSED_AT: g_value_set_int64 (value, self->closed_at); break;
    case PROP_N_RECORDS: g_value_set_uint64 (value, self->n_records); break;
    case PROP_N_BYTES: g_value_set_uint64 (value, self->n_bytes); break;
    case PROP_N_ERRORS: g_value_set_uint64 (value, self->n_errors); break;
    case PROP_LAST_ERROR: g_value_set_string (value, self->last_error); break;
    case PROP_ENCRYPTED: g_value_set_boolean (value, self->encrypted); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static GParamSpec *
string_property (const char *name)
{
  return g_param_spec_string (name, NULL, NULL, NULL,
                              G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static GParamSpec *
counter_property (const char *name)
{
  return g_param_spec_uint64 (name, NULL, NULL, 0, G_MAXUINT64, 0,
                              G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static GParamSpec *
time_property (const char *name)
{
  return g_param_spec_int64 (name, NULL, NULL, 0, G_MAXINT64, 0,
                             G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static void
ld_connection_class_init (LdConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ld_connection_finalize;
  object_class->get_property = ld_connection_get_property;

  properties[PROP_ID] = string_property ("id");
  properties[PROP_KIND] = string_property ("kind");
  properties[PROP_PROTOCOL] = string_property ("protocol");
  properties[PROP_ADDRESS] = string_property ("address");
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, LD_TYPE_CONNECTION_STATE, LD_CONNECTION_OPEN,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONNECTED_SINCE] = time_property ("connected-since");
  properties[PROP_CLOSED_AT] = time_property ("closed-at");
  properties[PROP_N_RECORDS] = counter_property ("n-records");
  properties[PROP_N_BYTES] = counter_property ("n-bytes");
  properties[PROP_N_ERRORS] = counter_property ("n-errors");
  properties[PROP_LAST_ERROR] = string_property ("last-error");
  properties[PROP_ENCRYPTED] =
    g_param_spec_boolean ("encrypted", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ld_connection_init (LdConnection *self)
{
  self->state = LD_CONNECTION_OPEN;
}

LdConnection *
ld_connection_new (const LdConnectionInfo *info)
{
  LdConnection *self = g_object_new (LD_TYPE_CONNECTION, NULL);

  self->id = g_strdup (info->id);
  ld_connection_update (self, info);

  return self;
}

static void
update_string (LdConnection *self,
               char        **field,
               const char   *value,
               guint         prop_id)
{
  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
update_number (LdConnection *self,
               guint64      *field,
               guint64       value,
               guint         prop_id)
{
  if (*field == value)
    return;

  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
update_time (LdConnection *self,
             gint64       *field,
             gint64        value,
             guint         prop_id)
{
  value = MAX (value, 0);
  if (*field == value)
    return;

  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

/* Producers send whole snapshots, so a late snapshot simply wins; a %NULL
 * string keeps what was known, so a last error is not forgotten. */
void
ld_connection_update (LdConnection           *self,
                      const LdConnectionInfo *info)
{
  gboolean is_endpoint = g_strcmp0 (info->kind, LD_CONNECTION_KIND_ENDPOINT) == 0;

  g_object_freeze_notify (G_OBJECT (self));

  if (self->is_endpoint != is_endpoint)
    {
      self->is_endpoint = is_endpoint;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KIND]);
    }
  if (info->protocol != NULL)
    update_string (self, &self->protocol, info->protocol, PROP_PROTOCOL);
  if (info->address != NULL)
    update_string (self, &self->address, info->address, PROP_ADDRESS);
  if (info->last_error != NULL)
    update_string (self, &self->last_error, info->last_error, PROP_LAST_ERROR);
  if (self->state != info->state)
    {
      self->state = info->state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
  update_time (self, &self->connected_since, info->connected_since, PROP_CONNECTED_SINCE);
  update_time (self, &self->closed_at, info->closed_at, PROP_CLOSED_AT);
  update_number (self, &self->n_records, info->n_records, PROP_N_RECORDS);
  update_number (self, &self->n_bytes, info->n_bytes, PROP_N_BYTES);
  update_number (self, &self->n_errors, info->n_errors, PROP_N_ERRORS);
  if (self->encrypted != info->encrypted)
    {
      self->encrypted = info->encrypted;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENCRYPTED]);
    }

  g_object_thaw_notify (G_OBJECT (self));
}

const char *
ld_connection_get_id (LdConnection *self)
{
  g_return_val_if_fail (LD_IS_CONNECTION (self), NULL);
  return self->id;
}

const char *
ld_connection_get_kind (LdConnection *self)
{
  g_return_val_if_fail (LD_IS_CONNECTION (self), NULL);
  return self->is_endpoint ? LD_CONNECTION_KIND_ENDPOINT : LD_CONNECTION_KIND_CONNECTION;
}

gboolean
ld_connection_is_endpoint (LdConnection *self)
{
  g_return_val_if_fail (LD_IS_CONNECTION (self), FALSE);
  return self->is_endpoint;
}

const char *
ld_connection_get_protocol (LdConnection *self)
{
  g_return_val_if_fail (LD_IS_CONNECTION (self), NULL);
  return self->protocol;
}

/**
 * ld_connection_get_address:
 * @self: a connection
 *
 * Returns: (nullable): the peer's address and port for a connection, or the
 *   address an endpoint listens on, such as "127.0.0.1:9020"
 */
const char *
ld_connection_get_address (LdConnection *self)
{
  g_return_val_if_fail (LD_IS_CONNECTION (self), NULL);
  return self->address;
}

LdConnectionState
ld_connection_get_state (LdConnection *self)
{
  g_return_val_if_fail (LD_IS_CONNECTION (self), LD_CONNECTION_CLOSED);
  return self->state;
}

gint64
ld_connection_get_connected_since (LdConnection *self)
{
  g_return_val_if_fail (LD_IS_CONNECTION (self), 0);
  return self->connected_since;
}

gint64
ld_connection_get_closed_at (LdConnection *self)
{
  g_return_val_if_fail (LD_IS_CONNECTION (self), 0);
  return self->closed_at;
}

guint64
ld_connection_get_n_records (LdConnection *self)
{
  g_return_val_if_fail (LD_IS_CONNECTION (self), 0);
  return self->n_records;
}

guint64
ld_connection_get_n_bytes (LdConnection *self)
{
  g_return_val_if_fail (LD_IS_CONNECTION (self), 0);
  return self->n_bytes;
}

guint64
ld_connection_get_n_errors (LdConnection *self)
{
  g_return_val_if_fail (LD_IS_CONNECTION (self), 0);
  return self->n_errors;
}

/**
 * ld_connection_get_last_error:
 * @self: a connection
 *
 * Returns: (nullable): why the endpoint failed to bind, or the last bad
 *   frame or datagram, in words
 */
const char *
ld_connection_get_last_error (LdConnection *self)
{
  g_return_val_if_fail (LD_IS_CONNECTION (self), NULL);
  return self->last_error;
}

/**
 * ld_connection_is_encrypted:
 *
 * Returns: whether the endpoint or connection speaks TLS
 */
gboolean
ld_connection_is_encrypted (LdConnection *self)
{
  g_return_val_if_fail (LD_IS_CONNECTION (self), FALSE);

  return self->encrypted;
}
