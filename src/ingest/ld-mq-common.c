// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ingest"

#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "ld-level.h"
#include "ld-mq-common.h"

/* Each ZeroMQ or NNG message is one JSON text, usually one record.__dict__, decoded by
 * ld_ingest_add_json() as TCP JSON lines are. Everything here runs on the ingest thread.
 *
 * Limits. A message over the ingest's frame limit is refused with an error record, and the
 * connection stays, as for a bad JSON line. To say so, Logdeck must have read it: the
 * libraries are told to drop a connection whose message is over twice the limit, before
 * reading it (ZMQ_MAXMSGSIZE, NNG_OPT_RECVMAXSZ), so no sender can make Logdeck hold more.
 *
 * Losses. A ZeroMQ PUB drops messages for a subscriber that falls behind, and an NNG Sub0
 * drops the oldest queued message when its queue is full; neither tells the receiver. A
 * record.__dict__ has no counter of its own, so a gap is only visible when the sender numbers
 * its records in a field "seq" (a logging.Filter can, see the README): then each gap of a
 * sender (told apart by its process id) is counted, shown in the sources panel, and reported
 * in a WARNING record. */

#define MAX_SENDERS 256

typedef struct
{
  gint32 process;
  gint64 last;
} Sender;

static guint32 seq_key;

void
ld_mq_intake_init (LdMqIntake     *intake,
                   LdIngestShared *shared)
{
  static gsize interned;

  if (g_once_init_enter (&interned))
    {
      seq_key = ld_intern (LD_MQ_SEQ_FIELD, -1);
      g_once_init_leave (&interned, 1);
    }

  memset (intake, 0, sizeof *intake);
  intake->shared = shared;
  ld_problem_limiter_init (&intake->limiter, &shared->problems);
  intake->senders = g_array_new (FALSE, FALSE, sizeof (Sender));
}

void
ld_mq_intake_clear (LdMqIntake *intake)
{
  g_clear_pointer (&intake->senders, g_array_unref);
  g_clear_pointer (&intake->last_error, g_free);
  g_clear_pointer (&intake->summary, g_free);
}

static void
set_last_error (LdMqIntake *intake,
                char       *what)
{
  g_free (intake->last_error);
  intake->last_error = what;
}

/**
 * ld_mq_intake_refuse:
 *
 * Counts a message that made no records, and says why in an ERROR record (within the
 * source's limit on such records) and in the sources panel.
 */
void
ld_mq_intake_refuse (LdMqIntake           *intake,
                     LdBatch              *batch,
                     const LdIngestOrigin *origin,
                     const char           *format,
                     ...)
{
  va_list args;

  va_start (args, format);
  set_last_error (intake, g_strdup_vprintf (format, args));
  va_end (args);

  intake->n_refused++;
  ld_ingest_add_problem (batch, &intake->limiter, LD_LEVEL_ERROR, origin->record.connection,
                         origin->record.peer, origin->record.protocol, "%s: %s",
                         origin->record.connection, intake->last_error);
}

/* A message with several records gives each the topic: a field can only be added to the
 * record added last, so the records are taken off one by one and put back. */
static void
add_topic_to_each (LdBatch    *batch,
                   guint       first,
                   const char *topic,
                   gsize       topic_length)
{
  g_autoptr(GPtrArray) taken = NULL;

  if (ld_batch_get_length (batch) == first + 1)
    {
      ld_batch_add_extra (batch, LD_MQ_TOPIC_FIELD, -1, LD_VALUE_STRING, topic, topic_length);
      return;
    }

  taken = g_ptr_array_new_with_free_func ((GDestroyNotify) ld_batch_free);
  for (guint n = ld_batch_get_length (batch); n > first; n--)
    {
      LdBatch *last = ld_batch_split_off (batch, n - 1);

      ld_batch_add_extra (last, LD_MQ_TOPIC_FIELD, -1, LD_VALUE_STRING, topic, topic_length);
      g_ptr_array_add (taken, last);
    }
  for (guint i = taken->len; i > 0; i--)
    ld_batch_take_all (batch, g_ptr_array_index (taken, i - 1));
}

static gboolean
get_seq (const LdRecord *record,
         gint64         *seq)
{
  LdExtraIter iter;
  LdValueType type;
  const char *value;
  gsize length;
  guint32 key;

  ld_extra_iter_init (&iter, record);
  while (ld_extra_iter_next (&iter, &key, &type, &value, &length))
    if (key == seq_key)
      {
        char text[24];

        if (type != LD_VALUE_NUMBER || length == 0 || length >= sizeof text)
          return FALSE;
        memcpy (text, value, length);
        text[length] = '\0';
        return g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, seq, NULL);
      }

  return FALSE;
}

static Sender *
find_sender (LdMqIntake *intake,
             gint32      process)
{
  Sender fresh = { process, G_MININT64 };

  for (guint i = 0; i < intake->senders->len; i++)
    if (g_array_index (intake->senders, Sender, i).process == process)
      return &g_array_index (intake->senders, Sender, i);

  /* Past that many senders, the oldest are forgotten: a gap may then go unseen. */
  if (intake->senders->len == MAX_SENDERS)
    g_array_set_size (intake->senders, 0);
  g_array_append_val (intake->senders, fresh);
  return &g_array_index (intake->senders, Sender, intake->senders->len - 1);
}

/* A "seq" at or below the last one is a sender that started counting again. */
static guint64
note_seq (LdMqIntake *intake,
          gint32      process,
          gint64      seq,
          gint64     *gap_from)
{
  Sender *sender = find_sender (intake, process);
  guint64 missing = 0;

  if (sender->last != G_MININT64 && seq > sender->last + 1)
    {
      missing = (guint64) (seq - sender->last - 1);
      *gap_from = sender->last + 1;
    }
  sender->last = seq;
  return missing;
}

static void
check_sequence (LdMqIntake           *intake,
                LdBatch              *batch,
                guint                 first,
                const LdIngestOrigin *origin)
{
  guint n = ld_batch_get_length (batch);
  guint64 missing = 0;
  gint64 gap_from = 0, gap_to = 0;
  gint32 process = 0;

  for (guint i = first; i < n; i++)
    {
      const char *text;
      LdRecord record = *ld_batch_get_record (batch, i, &text);
      guint64 lost;
      gint64 seq;

      record.text = text;
      if (!get_seq (&record, &seq))
        continue;
      if ((lost = note_seq (intake, record.process, seq, &gap_from)) == 0)
        continue;
      missing += lost;
      gap_to = seq - 1;
      process = record.process;
    }
  if (missing == 0)
    return;

  intake->n_missing += missing;
  ld_ingest_add_problem (batch, &intake->limiter, LD_LEVEL_WARNING, origin->record.connection,
                         origin->record.peer, origin->record.protocol,
                         "%s: %" G_GUINT64_FORMAT " records of process %d never arrived "
                         "(seq %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT "): the sender or "
                         "its socket dropped them, as a publisher does for a subscriber that "
                         "falls behind", origin->record.connection, missing, process, gap_from,
                         gap_to);
}

/**
 * ld_mq_intake_take:
 * @intake: a source's (or an NNG pipe's) counts
 * @batch: where the records go
 * @origin: the connection, peer and protocol to put on them; its limiter is not used
 * @data: the message, a JSON text
 * @topic: (nullable): the frames before it, which each record gets as the field "topic"
 */
void
ld_mq_intake_take (LdMqIntake           *intake,
                   LdBatch              *batch,
                   const LdIngestOrigin *origin,
                   const char           *data,
                   gsize                 length,
                   const char           *topic,
                   gsize                 topic_length)
{
  LdIngestOrigin limited = *origin;
  guint first = ld_batch_get_length (batch);
  guint32 limit = intake->shared->max_frame_size;
  g_autoptr(GError) error = NULL;
  guint n_added = 0;

  limited.limiter = &intake->limiter;
  intake->n_bytes += length + topic_length;
  if (length + topic_length > limit)
    {
      ld_mq_intake_refuse (intake, batch, origin, "a message of %" G_GSIZE_FORMAT " bytes was "
                           "refused: it is over the limit of %u bytes", length + topic_length,
                           limit);
      return;
    }
  if (ld_ingest_is_blank (data, length))
    {
      ld_mq_intake_refuse (intake, batch, origin, "an empty message was skipped: each message "
                           "must be a JSON record");
      return;
    }

  if (!ld_ingest_add_json (batch, data, length, &limited, &n_added, &error))
    {
      intake->n_refused++;
      set_last_error (intake, g_strdup (error->message));
    }
  intake->n_records += n_added;
  if (topic != NULL && ld_batch_get_length (batch) > first)
    add_topic_to_each (batch, first, topic, topic_length);
  check_sequence (intake, batch, first, origin);
}

/**
 * ld_mq_intake_fill_info:
 * @info: a report for the registry, whose counts and last error are set from @intake
 *
 * The strings set stay valid until the next call.
 */
void
ld_mq_intake_fill_info (LdMqIntake       *intake,
                        LdConnectionInfo *info)
{
  info->n_records = intake->n_records;
  info->n_bytes = intake->n_bytes;
  info->n_errors = intake->n_refused;
  info->last_error = intake->last_error;
  if (intake->n_missing == 0)
    return;

  g_free (intake->summary);
  intake->summary = g_strdup_printf ("%" G_GUINT64_FORMAT " records never arrived (gaps in "
                                     "their seq)%s%s", intake->n_missing,
                                     intake->last_error != NULL ? "; " : "",
                                     intake->last_error != NULL ? intake->last_error : "");
  info->last_error = intake->summary;
}

/**
 * ld_mq_transport_limit:
 *
 * Returns: the largest message the libraries may read, after which they drop the
 *   connection: twice the frame limit, so that a message over the limit can still be
 *   reported with its size
 */
guint64
ld_mq_transport_limit (LdIngestShared *shared)
{
  return (guint64) shared->max_frame_size * 2;
}

/* Addresses */

/* Transports whose addresses never leave the machine. */
static gboolean
is_local_scheme (const char *scheme)
{
  return g_str_equal (scheme, "ipc") || g_str_equal (scheme, "inproc")
         || g_str_equal (scheme, "abstract");
}

/* The host of "tcp://HOST:PORT", "tcp://[::1]:PORT" or "ws://HOST:PORT/path". */
static char *
uri_host (const char *rest)
{
  const char *end;

  if (*rest == '[')
    {
      end = strchr (rest, ']');
      return end != NULL ? g_strndup (rest + 1, end - rest - 1) : NULL;
    }
  end = strchr (rest, '/');
  end = end != NULL ? end : rest + strlen (rest);
  for (const char *p = end; p > rest; p--)
    if (p[-1] == ':')
      return g_strndup (rest, p - 1 - rest);

  return g_strndup (rest, end - rest);
}

static gboolean
is_loopback_host (const char *host)
{
  g_autoptr(GInetAddress) ip = NULL;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  ip = g_inet_address_new_from_string (host);
  return ip != NULL && g_inet_address_get_is_loopback (ip);
}

/**
 * ld_mq_check_listen_uri:
 * @uri: where a ZeroMQ or NNG socket is to listen
 * @what: what listens, for the error, such as "ZeroMQ"
 *
 * ZeroMQ and NNG sockets here have neither TLS nor a token: beyond loopback (or a local
 * transport such as ipc://), anyone who can reach them could send records, so they listen
 * there only when the ingest is insecure.
 *
 * Returns: %TRUE if @uri may be listened on
 */
gboolean
ld_mq_check_listen_uri (LdIngestShared  *shared,
                        const char      *uri,
                        const char      *what,
                        GError         **error)
{
  const char *sep = strstr (uri, "://");
  g_autofree char *scheme = NULL;
  g_autofree char *host = NULL;

  if (sep == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” is not an address such as tcp://127.0.0.1:5556", uri);
      return FALSE;
    }

  scheme = g_ascii_strdown (uri, sep - uri);
  if (shared->insecure || is_local_scheme (scheme))
    return TRUE;
  host = uri_host (sep + 3);
  if (host != NULL && is_loopback_host (host))
    return TRUE;

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
               "Refusing to listen for %s on %s, beyond this machine: these sockets have "
               "neither TLS nor a token, so anyone who can reach them could send records. "
               "Give --insecure to listen anyway", what, uri);
  return FALSE;
}

/**
 * ld_mq_uri_next_port:
 * @uri: a ZeroMQ address
 *
 * Where the PULL socket listens beside a SUB socket on @uri: the next port for
 * "tcp://HOST:PORT", any free port for "tcp://HOST:*", and for ipc:// and inproc:// the
 * same name with ".pull" added.
 *
 * Returns: (transfer full) (nullable): the address, or %NULL if @uri has none
 */
char *
ld_mq_uri_next_port (const char  *uri,
                     GError     **error)
{
  const char *colon = strrchr (uri, ':');
  guint64 port;

  if (g_str_has_prefix (uri, "ipc://") || g_str_has_prefix (uri, "inproc://"))
    return g_strconcat (uri, ".pull", NULL);
  if (g_str_has_prefix (uri, "tcp://") && colon != NULL && colon > uri + 5)
    {
      if (g_str_equal (colon + 1, "*") || g_str_equal (colon + 1, "0"))
        return g_strdup (uri);
      if (g_ascii_string_to_unsigned (colon + 1, 10, 1, 65534, &port, NULL))
        return g_strdup_printf ("%.*s:%u", (int) (colon - uri), uri, (guint) port + 1);
    }

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "“%s” is not a ZeroMQ address to listen on, such as tcp://127.0.0.1:5556 "
               "(its PULL socket takes the next port) or ipc:///path", uri);
  return NULL;
}
