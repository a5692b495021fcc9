// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.app"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/socket.h>

#include "ld-sender-config.h"

/* Setting a logger's level in a running Python program through
 * logging.config.listen() (the logging cookbook's config server).
 *
 * Its handler (ConfigStreamRequestHandler in CPython's logging/config.py)
 * reads a 4-byte big-endian length and that many bytes, hands them to the
 * program's verify= function if it gave one, tries them as JSON for
 * dictConfig() and falls back to fileConfig(), then closes the connection.
 * It never answers, and it closes the same way when verify= turned the
 * message down or dictConfig() raised, so a close says only that the
 * program read what was sent, not that it took it: records at the new
 * level are the one sign that it did. The client waits for the close, and
 * a reset instead means the program closed the connection before reading
 * what was sent.
 *
 * What is sent is only ever {"version": 1, "incremental": true, "loggers":
 * {NAME: {"level": LEVEL}}} (or "root" for the root logger): an incremental
 * dictConfig changes levels and nothing else. */

/* A listen() server says nothing back; anything past this is not one. */
#define MAX_REPLY 4096

G_DEFINE_QUARK (ld-sender-config-error-quark, ld_sender_config_error)

/* Python's level names, as logging._nameToLevel spells them, most detail first. */
static const char *const levels[] = {
  "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "NOTSET", NULL
};

typedef struct
{
  char              *where;        /* "host:port", for messages */
  GBytes            *message;
  GSocketConnection *connection;
  GCancellable      *cancellable;  /* cancelled by the deadline or the caller's */
  GCancellable      *caller_cancellable;
  gulong             caller_cancelled_id;
  GSource           *deadline;
  guint              timeout_ms;
  gboolean           timed_out;
  gboolean           sent;
  gsize              n_reply;
  char               buffer[256];
} SendData;

static void
send_data_free (SendData *data)
{
  if (data->deadline != NULL)
    {
      g_source_destroy (data->deadline);
      g_source_unref (data->deadline);
    }
  if (data->caller_cancellable != NULL)
    g_cancellable_disconnect (data->caller_cancellable, data->caller_cancelled_id);
  g_clear_object (&data->caller_cancellable);
  g_clear_object (&data->cancellable);
  if (data->connection != NULL)
    g_io_stream_close (G_IO_STREAM (data->connection), NULL, NULL);
  g_clear_object (&data->connection);
  g_clear_pointer (&data->message, g_bytes_unref);
  g_free (data->where);
  g_free (data);
}

/**
 * ld_sender_config_get_levels:
 *
 * Returns: (transfer none): the level names that may be sent, most detail first
 */
const char *const *
ld_sender_config_get_levels (void)
{
  return levels;
}

/**
 * ld_sender_config_check_level:
 * @level: a level name
 * @error: where to say why it is not one
 *
 * Returns: whether @level is one of Python's level names, in capitals
 */
gboolean
ld_sender_config_check_level (const char  *level,
                              GError     **error)
{
  if (level != NULL && g_strv_contains (levels, level))
    return TRUE;

  g_set_error (error, LD_SENDER_CONFIG_ERROR, LD_SENDER_CONFIG_ERROR_INVALID,
               _("“%s” is not one of Python’s logging levels"), level != NULL ? level : "");
  return FALSE;
}

/**
 * ld_sender_config_check_logger:
 * @logger: a logger's name as received
 * @error: where to say why it is not one
 *
 * A name is what a record's logger field can hold: valid UTF-8, without
 * control characters, and of a bounded length. "root" or "" is the root logger.
 *
 * Returns: whether @logger may be sent
 */
gboolean
ld_sender_config_check_logger (const char  *logger,
                               GError     **error)
{
  gsize length = logger != NULL ? strlen (logger) : 0;

  if (logger == NULL || length > LD_SENDER_CONFIG_MAX_LOGGER_NAME
      || !g_utf8_validate (logger, length, NULL))
    {
      g_set_error_literal (error, LD_SENDER_CONFIG_ERROR, LD_SENDER_CONFIG_ERROR_INVALID,
                           _("The logger’s name is too long or not text"));
      return FALSE;
    }

  for (const char *p = logger; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      {
        g_set_error_literal (error, LD_SENDER_CONFIG_ERROR, LD_SENDER_CONFIG_ERROR_INVALID,
                             _("A logger’s name has no control characters"));
        return FALSE;
      }

  return TRUE;
}

/**
 * ld_sender_config_build_message:
 * @logger: a logger's name; "root" or "" for the root logger
 * @level: one of Python's level names
 * @error: where to say why they cannot be sent
 *
 * Returns: (transfer full) (nullable): the 4-byte big-endian length and the
 *   JSON dictConfig that listen() expects
 */
GBytes *
ld_sender_config_build_message (const char  *logger,
                                const char  *level,
                                GError     **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *json = NULL;
  gsize length;
  guint32 length_be;
  GByteArray *message;
  gboolean is_root;

  if (!ld_sender_config_check_logger (logger, error)
      || !ld_sender_config_check_level (level, error))
    return NULL;

  /* Python 3.9 on takes getLogger("root") to be the root logger too. */
  is_root = *logger == '\0' || strcmp (logger, "root") == 0;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, 1);
  json_builder_set_member_name (builder, "incremental");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_set_member_name (builder, is_root ? "root" : "loggers");
  json_builder_begin_object (builder);
  if (!is_root)
    {
      json_builder_set_member_name (builder, logger);
      json_builder_begin_object (builder);
    }
  json_builder_set_member_name (builder, "level");
  json_builder_add_string_value (builder, level);
  if (!is_root)
    json_builder_end_object (builder);
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json = json_generator_to_data (generator, &length);

  length_be = GUINT32_TO_BE ((guint32) length);
  message = g_byte_array_sized_new (4 + length);
  g_byte_array_append (message, (const guint8 *) &length_be, 4);
  g_byte_array_append (message, (const guint8 *) json, length);

  return g_byte_array_free_to_bytes (message);
}

/**
 * ld_sender_config_host_from_peer:
 * @peer: a record's peer, "127.0.0.1:54321" or "[::1]:54321"
 *
 * Returns: (transfer full) (nullable): the peer's address without the port,
 *   or %NULL when @peer is not an address (a file, a pipe)
 */
char *
ld_sender_config_host_from_peer (const char *peer)
{
  g_autofree char *host = NULL;
  const char *colon;

  if (peer == NULL || *peer == '\0')
    return NULL;

  if (*peer == '[')
    {
      const char *close = strchr (peer, ']');

      if (close == NULL)
        return NULL;
      host = g_strndup (peer + 1, close - peer - 1);
    }
  else if ((colon = strchr (peer, ':')) != NULL && strchr (colon + 1, ':') == NULL)
    host = g_strndup (peer, colon - peer);
  else
    host = g_strdup (peer);

  return g_hostname_is_ip_address (host) ? g_steal_pointer (&host) : NULL;
}

/* Sending */

static void
fail_in_words (GTask        *task,
               const GError *error)
{
  SendData *data = g_task_get_task_data (task);
  guint seconds = (data->timeout_ms + 999) / 1000;

  if (data->timed_out && !data->sent)
    g_task_return_new_error (task, LD_SENDER_CONFIG_ERROR, LD_SENDER_CONFIG_ERROR_TIMED_OUT,
                             ngettext ("Connecting to %s timed out after %u second",
                                       "Connecting to %s timed out after %u seconds", seconds),
                             data->where, seconds);
  else if (data->timed_out)
    g_task_return_new_error (task, LD_SENDER_CONFIG_ERROR, LD_SENDER_CONFIG_ERROR_TIMED_OUT,
                             ngettext ("%s timed out: the program did not close the connection "
                                       "within %u second, as logging.config.listen() does",
                                       "%s timed out: the program did not close the connection "
                                       "within %u seconds, as logging.config.listen() does",
                                       seconds),
                             data->where, seconds);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    g_task_return_new_error (task, LD_SENDER_CONFIG_ERROR, LD_SENDER_CONFIG_ERROR_REFUSED,
                             _("Connection refused by %s: is the program calling "
                               "logging.config.listen() on that port?"), data->where);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED)
           || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE)
           || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED))
    g_task_return_new_error (task, LD_SENDER_CONFIG_ERROR, LD_SENDER_CONFIG_ERROR_CLOSED,
                             _("The program at %s closed the connection before taking the "
                               "configuration"), data->where);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_task_return_error (task, g_error_copy (error));
  else
    g_task_return_new_error (task, LD_SENDER_CONFIG_ERROR, LD_SENDER_CONFIG_ERROR_FAILED,
                             _("Could not set the level through %s: %s"), data->where,
                             error->message);
  g_object_unref (task);
}

static void fail_closed (GTask *task);

/* A reset that came with or after the close: the program had not read it all. */
static gboolean
connection_was_reset (SendData *data)
{
  GSocket *socket = g_socket_connection_get_socket (data->connection);
  int pending = 0;

  return g_socket_get_option (socket, SOL_SOCKET, SO_ERROR, &pending, NULL) && pending != 0;
}

static void
on_reply_read (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  SendData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);

  if (n < 0)
    {
      fail_in_words (task, error);
      return;
    }
  if (n == 0 && connection_was_reset (data))
    {
      fail_closed (task);
      return;
    }
  /* A plain close: the program read it all. Whether verify= and
   * dictConfig() let it through, listen() does not say. */
  if (n == 0)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  data->n_reply += n;
  if (data->n_reply > MAX_REPLY)
    {
      g_task_return_new_error (task, LD_SENDER_CONFIG_ERROR, LD_SENDER_CONFIG_ERROR_FAILED,
                               _("%s answered, which logging.config.listen() never does: "
                                 "is it another program’s port?"), data->where);
      g_object_unref (task);
      return;
    }
  g_input_stream_read_async (G_INPUT_STREAM (object), data->buffer, sizeof data->buffer,
                             G_PRIORITY_DEFAULT, data->cancellable, on_reply_read, task);
}

static void
fail_closed (GTask *task)
{
  g_autoptr(GError) closed = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "");

  fail_in_words (task, closed);
}

static void
on_message_written (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  SendData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GInputStream *input;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error))
    {
      fail_in_words (task, error);
      return;
    }

  /* listen() answers by closing once the configuration is applied. */
  input = g_io_stream_get_input_stream (G_IO_STREAM (data->connection));
  g_input_stream_read_async (input, data->buffer, sizeof data->buffer, G_PRIORITY_DEFAULT,
                             data->cancellable, on_reply_read, task);
}

static void
on_connected (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  SendData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GOutputStream *output;
  gsize size;
  gconstpointer bytes;

  data->connection = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (object), result,
                                                             &error);
  if (data->connection == NULL)
    {
      fail_in_words (task, error);
      return;
    }

  /* Sending counts as taking part in the exchange: a timeout from here on
   * is the program's, not the network's. */
  data->sent = TRUE;
  output = g_io_stream_get_output_stream (G_IO_STREAM (data->connection));
  bytes = g_bytes_get_data (data->message, &size);
  g_output_stream_write_all_async (output, bytes, size, G_PRIORITY_DEFAULT, data->cancellable,
                                   on_message_written, task);
}

static gboolean
on_deadline (gpointer user_data)
{
  SendData *data = user_data;

  data->timed_out = TRUE;
  g_cancellable_cancel (data->cancellable);
  g_clear_pointer (&data->deadline, g_source_unref);

  return G_SOURCE_REMOVE;
}

static void
on_caller_cancelled (GCancellable *caller,
                     GCancellable *own)
{
  g_cancellable_cancel (own);
}

/**
 * ld_sender_config_set_level_async:
 * @host: the program's host, a name or an address
 * @port: the port it passed to logging.config.listen()
 * @logger: a logger's name; "root" or "" for the root logger
 * @level: one of Python's level names
 * @timeout_ms: how long connecting and the exchange may take together
 * @cancellable: (nullable): to stop early
 * @callback: called when the program read the configuration, or did not
 * @user_data: for @callback
 *
 * Sends the program an incremental dictConfig that sets @logger's level,
 * and waits until it closes the connection, which it does once it has
 * read it: after applying it, or after its verify= or dictConfig() turned
 * it down, which listen() does not tell apart. Nothing blocks the calling
 * thread.
 */
void
ld_sender_config_set_level_async (const char          *host,
                                  guint16              port,
                                  const char          *logger,
                                  const char          *level,
                                  guint                timeout_ms,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GSocketClient) client = NULL;
  GError *error = NULL;
  SendData *data;
  GTask *task;

  g_return_if_fail (host != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  data = g_new0 (SendData, 1);
  g_task_set_source_tag (task, ld_sender_config_set_level_async);

  data->where = g_strdup_printf (strchr (host, ':') != NULL ? "[%s]:%u" : "%s:%u", host, port);
  data->timeout_ms = timeout_ms;
  data->cancellable = g_cancellable_new ();
  g_task_set_task_data (task, data, (GDestroyNotify) send_data_free);

  if ((data->message = ld_sender_config_build_message (logger, level, &error)) == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (port == 0)
    {
      g_task_return_new_error (task, LD_SENDER_CONFIG_ERROR, LD_SENDER_CONFIG_ERROR_INVALID,
                               _("Port 0 is no program’s configuration port"));
      g_object_unref (task);
      return;
    }

  if (cancellable != NULL)
    {
      data->caller_cancellable = g_object_ref (cancellable);
      data->caller_cancelled_id = g_cancellable_connect (cancellable,
                                                         G_CALLBACK (on_caller_cancelled),
                                                         data->cancellable, NULL);
    }
  data->deadline = g_timeout_source_new (timeout_ms);
  g_source_set_callback (data->deadline, on_deadline, data, NULL);
  g_source_attach (data->deadline, g_task_get_context (task));

  /* The program's own port, never through a proxy the environment names. */
  client = g_socket_client_new ();
  g_socket_client_set_enable_proxy (client, FALSE);
  g_socket_client_connect_to_host_async (client, data->where, port, data->cancellable,
                                         on_connected, task);
}

/**
 * ld_sender_config_set_level_finish:
 * @result: what the callback was given
 * @error: the failure in words: refused, timed out, closed by the program
 *
 * Returns: whether the program read the configuration and closed the
 *   connection, as listen() does whether or not it applied it
 */
gboolean
ld_sender_config_set_level_finish (GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
