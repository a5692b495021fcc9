// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <string.h>

#include "ld-json-normalize.h"
#include "ld-level.h"
#include "ld-syslog.h"

/* The syslog decoder: one message in RFC 5424 or RFC 3164 form into one record, and the
 * RFC 6587 framer a TCP source splits its stream with.
 *
 * RFC 5424 is read strictly, as its senders (rsyslog, syslog-ng, `logger --rfc5424`) write
 * it exactly: a header field that is not one is an error naming the field and its offset.
 * RFC 3164 was never more than a description of what BSD daemons sent, so it is read as
 * they send it: the timestamp (no year, no zone: local time, this year unless that is in
 * the future) and the hostname may both be missing, as from Python's SysLogHandler, and
 * the tag may carry a [pid]. */

G_DEFINE_QUARK (ld-syslog-error-quark, ld_syslog_error)

#define MAX_PRI        191
#define MAX_HEADER_LEN 255   /* RFC 5424's longest header field, the hostname */
#define MAX_TAG_LEN    48
#define BOM            "\xef\xbb\xbf"

typedef struct
{
  const char *start;
  const char *p;
  const char *end;
} Cursor;

typedef struct
{
  const char *text;   /* NULL for RFC 5424's nil value "-" */
  gsize       len;
} Span;

/* What one message says, as spans of the message itself. */
typedef struct
{
  int         facility;
  int         severity;
  gint64      time_us;
  Span        host;
  Span        app;
  Span        procid;
  Span        msgid;
  const char *sd;          /* RFC 5424 structured data, already checked */
  const char *sd_end;
  Span        message;
} Message;

static gboolean
set_error (GError       **error,
           LdSyslogError  code,
           const Cursor  *c,
           const char    *what)
{
  g_set_error (error, LD_SYSLOG_ERROR, code, "syslog: byte %" G_GSIZE_FORMAT ": %s",
               (gsize) (c->p - c->start), what);
  return FALSE;
}

static gboolean
read_pri (Cursor  *c,
          Message *m,
          GError **error)
{
  int pri = 0, digits = 0;

  if (c->p >= c->end || *c->p != '<')
    return set_error (error, LD_SYSLOG_ERROR_NO_PRI, c, "no <PRI> at the start of the message");
  for (c->p++; c->p < c->end && g_ascii_isdigit (*c->p) && digits < 3; c->p++, digits++)
    pri = pri * 10 + (*c->p - '0');
  if (digits == 0 || c->p >= c->end || *c->p != '>' || pri > MAX_PRI)
    return set_error (error, LD_SYSLOG_ERROR_NO_PRI, c, "<PRI> is not a number from 0 to 191");
  c->p++;
  m->facility = pri / 8;
  m->severity = pri % 8;
  return TRUE;
}

/* One space-delimited RFC 5424 header field; "-" is the nil value. */
static gboolean
read_field (Cursor     *c,
            Span       *span,
            const char *name,
            GError    **error)
{
  const char *start = c->p;

  while (c->p < c->end && *c->p != ' ' && c->p - start <= MAX_HEADER_LEN)
    c->p++;
  if (c->p == start || c->p - start > MAX_HEADER_LEN || c->p >= c->end)
    {
      g_autofree char *what = g_strdup_printf (c->p == start ? "the %s is empty"
                                               : c->p >= c->end ? "the message ends in the %s"
                                               : "the %s is over 255 bytes", name);
      return set_error (error, LD_SYSLOG_ERROR_BAD_HEADER, c, what);
    }
  span->text = c->p - start == 1 && *start == '-' ? NULL : start;
  span->len = span->text != NULL ? (gsize) (c->p - start) : 0;
  c->p++;
  return TRUE;
}

/* An SD-PARAM value's text up to its closing quote, with \" \\ and \] taken as what they
 * escape; @out may be NULL to only find the end. */
static gboolean
read_param_value (Cursor  *c,
                  GString *out)
{
  for (; c->p < c->end; c->p++)
    {
      if (*c->p == '"')
        {
          c->p++;
          return TRUE;
        }
      if (*c->p == '\\' && c->p + 1 < c->end
          && (c->p[1] == '"' || c->p[1] == '\\' || c->p[1] == ']'))
        c->p++;
      if (out != NULL)
        g_string_append_c (out, *c->p);
    }
  return FALSE;
}

static gboolean
is_sd_name_char (char ch)
{
  return ch > ' ' && ch < 127 && ch != '=' && ch != ']' && ch != '"';
}

/* STRUCTURED-DATA: "-" or [id name="value" ...]...; each parameter becomes the extra field
 * "id.name". Walked twice: once to check it and find the message, once (@batch set) to add
 * the fields to the record. */
static gboolean
walk_sd (Cursor   *c,
         LdBatch  *batch,
         GString  *scratch,
         GError  **error)
{
  guint n_params = 0;

  if (c->p < c->end && *c->p == '-')
    {
      c->p++;
      return TRUE;
    }
  if (c->p >= c->end || *c->p != '[')
    return set_error (error, LD_SYSLOG_ERROR_BAD_SD, c, "structured data is neither - nor [");

  while (c->p < c->end && *c->p == '[')
    {
      const char *id = ++c->p;
      gsize id_len;

      while (c->p < c->end && is_sd_name_char (*c->p))
        c->p++;
      id_len = c->p - id;
      if (id_len == 0 || id_len > 32)
        return set_error (error, LD_SYSLOG_ERROR_BAD_SD, c, "an SD-ID is empty or over 32 bytes");
      while (c->p < c->end && *c->p == ' ')
        {
          const char *name = ++c->p;

          while (c->p < c->end && is_sd_name_char (*c->p))
            c->p++;
          if (c->p == name || c->p - name > 32 || c->p + 1 >= c->end || c->p[0] != '='
              || c->p[1] != '"')
            return set_error (error, LD_SYSLOG_ERROR_BAD_SD, c,
                              "an SD-PARAM is not name=\"value\"");
          if (++n_params > LD_SYSLOG_MAX_SD_PARAMS)
            return set_error (error, LD_SYSLOG_ERROR_BAD_SD, c,
                              "more than 256 structured data parameters");
          if (batch != NULL)
            {
              g_string_truncate (scratch, 0);
              g_string_append_len (scratch, id, id_len);
              g_string_append_c (scratch, '.');
              g_string_append_len (scratch, name, c->p - name);
              g_string_append_c (scratch, '\0');
            }
          c->p += 2;
          if (!read_param_value (c, batch != NULL ? scratch : NULL))
            return set_error (error, LD_SYSLOG_ERROR_BAD_SD, c, "an SD-PARAM value does not end");
          if (batch != NULL)
            {
              gsize key_len = strlen (scratch->str);

              ld_batch_add_extra (batch, scratch->str, key_len, LD_VALUE_STRING,
                                  scratch->str + key_len + 1, scratch->len - key_len - 1);
            }
        }
      if (c->p >= c->end || *c->p != ']')
        return set_error (error, LD_SYSLOG_ERROR_BAD_SD, c, "an SD-ELEMENT does not end with ]");
      c->p++;
    }
  return TRUE;
}

static gboolean
parse_5424 (Cursor   *c,
            Message  *m,
            GError  **error)
{
  Span stamp;
  Cursor sd;

  c->p += 2;   /* "1 " */
  if (!read_field (c, &stamp, "timestamp", error))
    return FALSE;
  if (stamp.text != NULL && !ld_json_parse_iso8601 (stamp.text, stamp.len, &m->time_us))
    {
      c->p = stamp.text;
      return set_error (error, LD_SYSLOG_ERROR_BAD_HEADER, c, "the timestamp is not RFC 3339");
    }
  if (!read_field (c, &m->host, "hostname", error)
      || !read_field (c, &m->app, "app-name", error)
      || !read_field (c, &m->procid, "procid", error)
      || !read_field (c, &m->msgid, "msgid", error))
    return FALSE;

  sd = *c;
  if (!walk_sd (c, NULL, NULL, error))
    return FALSE;
  m->sd = sd.p;
  m->sd_end = c->p;
  if (c->p < c->end && *c->p != ' ')
    return set_error (error, LD_SYSLOG_ERROR_BAD_SD, c, "no space after the structured data");
  if (c->p < c->end)
    c->p++;
  if (c->end - c->p >= 3 && memcmp (c->p, BOM, 3) == 0)
    c->p += 3;
  m->message = (Span) { c->p, c->end - c->p };
  return TRUE;
}

/* "Mmm dd hh:mm:ss " in local time, this year, or last year if that would be more than a
 * day ahead (a December message read in January). */
static gboolean
read_bsd_timestamp (Cursor *c,
                    gint64 *time_us)
{
  static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  const char *p = c->p;
  const char *found;
  int month, day, hour, minute, second;
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GDateTime) stamp = NULL;

  if (c->end - p < 16 || p[3] != ' ' || p[6] != ' ' || p[9] != ':' || p[12] != ':'
      || p[15] != ' ')
    return FALSE;
  found = g_strstr_len (months, sizeof months - 1, (char[4]) { p[0], p[1], p[2], '\0' });
  if (found == NULL || (found - months) % 3 != 0 || !g_ascii_isdigit (p[5])
      || !(p[4] == ' ' || g_ascii_isdigit (p[4])))
    return FALSE;
  for (int i = 7; i < 15; i++)
    if (i != 9 && i != 12 && !g_ascii_isdigit (p[i]))
      return FALSE;

  month = (found - months) / 3 + 1;
  day = (p[4] == ' ' ? 0 : p[4] - '0') * 10 + p[5] - '0';
  hour = (p[7] - '0') * 10 + p[8] - '0';
  minute = (p[10] - '0') * 10 + p[11] - '0';
  second = (p[13] - '0') * 10 + p[14] - '0';
  now = g_date_time_new_now_local ();
  stamp = g_date_time_new_local (g_date_time_get_year (now), month, day, hour, minute, second);
  if (stamp != NULL && g_date_time_difference (stamp, now) > G_TIME_SPAN_DAY)
    {
      g_date_time_unref (stamp);
      stamp = g_date_time_new_local (g_date_time_get_year (now) - 1, month, day, hour, minute,
                                     second);
    }
  if (stamp == NULL)
    return FALSE;
  *time_us = g_date_time_to_unix (stamp) * G_USEC_PER_SEC;
  c->p += 16;
  return TRUE;
}

/* A timestamp first: the BSD form, or an RFC 3339 one as rsyslog's templates write. */
static gboolean
read_3164_timestamp (Cursor *c,
                     gint64 *time_us)
{
  const char *space;

  if (read_bsd_timestamp (c, time_us))
    return TRUE;
  if (c->p >= c->end || !g_ascii_isdigit (*c->p))
    return FALSE;
  space = memchr (c->p, ' ', MIN ((gsize) (c->end - c->p), 40u));
  if (space == NULL || !ld_json_parse_iso8601 (c->p, space - c->p, time_us))
    return FALSE;
  c->p = space + 1;
  return TRUE;
}

/* TAG[PID]: or TAG: followed by a space or the end; the cursor moves past it only if it
 * is one. */
static gboolean
read_tag (Cursor  *c,
          Message *m)
{
  const char *p = c->p, *tag = c->p;
  const char *limit = c->p + MIN ((gsize) (c->end - c->p), (gsize) MAX_TAG_LEN);
  Span procid = { NULL, 0 };

  while (p < limit && *p != ' ' && *p != ':' && *p != '[')
    p++;
  if (p == tag || p >= c->end)
    return FALSE;
  m->app = (Span) { tag, p - tag };
  if (*p == '[')
    {
      const char *close = memchr (p, ']', MIN ((gsize) (c->end - p), (gsize) 130));

      if (close == NULL)
        return FALSE;
      procid = (Span) { p + 1, close - p - 1 };
      p = close + 1;
    }
  if (p >= c->end || *p != ':' || (p + 1 < c->end && p[1] != ' '))
    return FALSE;
  m->procid = procid.len > 0 ? procid : (Span) { NULL, 0 };
  c->p = MIN (p + 2, c->end);
  return TRUE;
}

static void
parse_3164 (Cursor  *c,
            Message *m)
{
  gboolean has_time = read_3164_timestamp (c, &m->time_us);

  if (!read_tag (c, m))
    {
      m->app = (Span) { NULL, 0 };
      /* After a timestamp, a word that is not a tag is the hostname. */
      if (has_time)
        {
          const char *space = memchr (c->p, ' ', MIN ((gsize) (c->end - c->p),
                                                      (gsize) MAX_HEADER_LEN + 1));
          if (space != NULL && space > c->p)
            {
              m->host = (Span) { c->p, space - c->p };
              c->p = space + 1;
              if (!read_tag (c, m))
                m->app = (Span) { NULL, 0 };
            }
        }
    }
  m->message = (Span) { c->p, c->end - c->p };
}

static char *
span_dup (Span span)
{
  return span.text != NULL ? g_strndup (span.text, span.len) : NULL;
}

/* The message without what ends it on the wire: LF, CRLF, or Python's NUL. */
static Span
clean_message (Span message)
{
  while (message.len > 0 && (message.text[message.len - 1] == '\n'
                             || message.text[message.len - 1] == '\r'
                             || message.text[message.len - 1] == '\0'))
    message.len--;
  return message;
}

static void
add_record (LdBatch              *batch,
            const Message        *m,
            const Cursor         *c,
            const LdRecordOrigin *origin)
{
  g_autofree char *host = span_dup (m->host);
  g_autofree char *app = span_dup (m->app);
  g_autofree char *procid = span_dup (m->procid);
  g_autofree char *message_part = NULL;
  Span message = clean_message (m->message);
  LdRecordFields fields = { 0 };
  const char *bom;
  gint64 pid;
  char *end;

  fields.time_us = m->time_us;
  fields.level = ld_level_from_syslog (m->severity);
  fields.host = host;
  fields.logger = app;
  if (procid != NULL && (pid = g_ascii_strtoll (procid, &end, 10), *end == '\0' && pid > 0))
    fields.process = pid;
  else
    fields.process_name = procid;

  /* A BOM is a marker, not text: RFC 5424 puts it first, and the cookbook's recipe for
   * SysLogHandler between an ASCII part and the Unicode part. */
  bom = message.len >= 3 ? memmem (message.text, message.len, BOM, 3) : NULL;
  if (bom != NULL)
    {
      message_part = g_malloc (message.len - 3 + 1);
      memcpy (message_part, message.text, bom - message.text);
      memcpy (message_part + (bom - message.text), bom + 3, message.len - (bom - message.text) - 3);
      message = (Span) { message_part, message.len - 3 };
    }
  fields.message = message.len > 0 ? message.text : "";
  fields.message_len = message.len;
  fields.connection = origin->connection;
  fields.peer = origin->peer;
  fields.protocol = origin->protocol;
  ld_batch_add (batch, &fields);

  ld_batch_add_extra (batch, "facility", -1, LD_VALUE_STRING,
                      ld_syslog_facility_name (m->facility), -1);
  if (m->msgid.text != NULL)
    ld_batch_add_extra (batch, "msgid", -1, LD_VALUE_STRING, m->msgid.text, m->msgid.len);
  if (m->sd != NULL)
    {
      g_autoptr(GString) scratch = g_string_new (NULL);
      Cursor sd = { c->start, m->sd, m->sd_end };

      walk_sd (&sd, batch, scratch, NULL);
    }
}

/**
 * ld_syslog_parse:
 * @batch: where the record goes
 * @data: one syslog message, as a datagram or a frame carries it
 * @length: its length
 * @origin: where it came from; its received_us is the time of a message without one
 * @error: where to say what was wrong, and at which byte
 *
 * Reads one RFC 5424 or RFC 3164 message into one record: severity as the level (0
 * EMERGENCY 60 to 7 DEBUG 10), hostname as host, app-name or tag as logger, procid as
 * process, and the facility, MSGID and every structured data parameter as extra fields.
 *
 * Returns: %TRUE if a record was added
 */
gboolean
ld_syslog_parse (LdBatch              *batch,
                 const char           *data,
                 gsize                 length,
                 const LdRecordOrigin *origin,
                 GError              **error)
{
  Cursor c = { data, data, data + length };
  Message m = { 0 };

  g_return_val_if_fail (batch != NULL && (data != NULL || length == 0), FALSE);
  g_return_val_if_fail (origin != NULL, FALSE);

  m.time_us = origin->received_us != 0 ? origin->received_us : g_get_real_time ();
  if (!read_pri (&c, &m, error))
    return FALSE;
  if (c.end - c.p >= 2 && c.p[0] == '1' && c.p[1] == ' ')
    {
      if (!parse_5424 (&c, &m, error))
        return FALSE;
    }
  else
    parse_3164 (&c, &m);

  add_record (batch, &m, &c, origin);
  return TRUE;
}

/**
 * ld_syslog_facility_name:
 * @facility: a syslog facility, 0 to 23
 *
 * Returns: its name as syslog.conf spells it ("kern", "daemon", "local0")
 */
const char *
ld_syslog_facility_name (int facility)
{
  static const char * const names[] = {
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
    "authpriv", "ftp", "ntp", "security", "console", "solaris-cron",
    "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
  };

  if (facility < 0 || facility >= (int) G_N_ELEMENTS (names))
    return "unknown";
  return names[facility];
}

/* RFC 6587 framing. */

struct _LdSyslogFramer
{
  GByteArray      *buffer;
  gsize            consumed;   /* bytes of @buffer already handed out */
  gsize            max_message;
  LdSyslogFraming  framing;
  gboolean         failed;
};

/**
 * ld_syslog_framer_new:
 * @max_message: the longest message to take; 0 for %LD_SYSLOG_DEFAULT_MAX_MESSAGE
 *
 * Returns: (transfer full): a framer for one connection's stream
 */
LdSyslogFramer *
ld_syslog_framer_new (gsize max_message)
{
  LdSyslogFramer *self = g_new0 (LdSyslogFramer, 1);

  self->buffer = g_byte_array_new ();
  self->max_message = max_message > 0 ? max_message : LD_SYSLOG_DEFAULT_MAX_MESSAGE;
  return self;
}

void
ld_syslog_framer_free (LdSyslogFramer *self)
{
  if (self == NULL)
    return;
  g_byte_array_unref (self->buffer);
  g_free (self);
}

/**
 * ld_syslog_framer_push:
 * @self: a framer
 * @data: bytes as they arrived
 *
 * Adds bytes; messages handed out by ld_syslog_framer_next() before are no longer valid.
 */
void
ld_syslog_framer_push (LdSyslogFramer *self,
                       const char     *data,
                       gsize           length)
{
  g_return_if_fail (self != NULL);

  if (self->consumed > 0)
    {
      g_byte_array_remove_range (self->buffer, 0, self->consumed);
      self->consumed = 0;
    }
  g_byte_array_append (self->buffer, (const guint8 *) data, length);
}

static gboolean
frame_error (LdSyslogFramer *self,
             GError        **error,
             LdSyslogError   code,
             const char     *what)
{
  self->failed = TRUE;
  g_set_error (error, LD_SYSLOG_ERROR, code, "syslog framing: %s", what);
  return FALSE;
}

static gboolean
next_counted (LdSyslogFramer  *self,
              const char      *p,
              gsize            pending,
              const char     **message,
              gsize           *length,
              GError         **error)
{
  guint64 count = 0;
  gsize i;

  for (i = 0; i < pending && g_ascii_isdigit (p[i]); i++)
    {
      count = count * 10 + (p[i] - '0');
      if (count > self->max_message)
        return frame_error (self, error, LD_SYSLOG_ERROR_TOO_LONG,
                            "an octet count over the message size limit");
    }
  if (i == pending)
    return FALSE;
  if (i == 0 || p[i] != ' ' || count == 0)
    return frame_error (self, error, LD_SYSLOG_ERROR_BAD_FRAME,
                        "a frame does not start with an octet count and a space");
  if (pending - i - 1 < count)
    return FALSE;
  *message = p + i + 1;
  *length = count;
  self->consumed += i + 1 + count;
  return TRUE;
}

static gboolean
next_terminated (LdSyslogFramer  *self,
                 const char      *p,
                 gsize            pending,
                 const char     **message,
                 gsize           *length,
                 GError         **error)
{
  for (;;)
    {
      gsize i = 0, len;

      while (i < pending && p[i] != '\n' && p[i] != '\0')
        i++;
      if (i == pending)
        {
          if (pending > self->max_message)
            return frame_error (self, error, LD_SYSLOG_ERROR_TOO_LONG,
                                "a message over the size limit without an end of line");
          return FALSE;
        }
      len = i > 0 && p[i - 1] == '\r' ? i - 1 : i;
      self->consumed += i + 1;
      if (len > 0)
        {
          *message = p;
          *length = len;
          return TRUE;
        }
      p += i + 1;
      pending -= i + 1;
    }
}

/**
 * ld_syslog_framer_next:
 * @self: a framer
 * @message: (out): the next whole message, valid until the next push
 * @length: (out): its length
 * @error: where to say why the stream cannot be framed; the connection should then close
 *
 * Returns: %TRUE if a message was taken; %FALSE if more bytes are needed or on an error
 */
gboolean
ld_syslog_framer_next (LdSyslogFramer  *self,
                       const char     **message,
                       gsize           *length,
                       GError         **error)
{
  const char *p;
  gsize pending;

  g_return_val_if_fail (self != NULL && message != NULL && length != NULL, FALSE);

  if (self->failed)
    return FALSE;
  p = (const char *) self->buffer->data + self->consumed;
  pending = self->buffer->len - self->consumed;
  if (pending == 0)
    return FALSE;
  if (self->framing == LD_SYSLOG_FRAMING_UNKNOWN)
    self->framing = g_ascii_isdigit (*p) ? LD_SYSLOG_FRAMING_OCTET_COUNTING
                                         : LD_SYSLOG_FRAMING_NON_TRANSPARENT;
  if (self->framing == LD_SYSLOG_FRAMING_OCTET_COUNTING)
    return next_counted (self, p, pending, message, length, error);
  return next_terminated (self, p, pending, message, length, error);
}

/**
 * ld_syslog_framer_get_pending:
 * @self: a framer
 *
 * Returns: how many bytes wait for the rest of their message, for the source's limits
 */
gsize
ld_syslog_framer_get_pending (LdSyslogFramer *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->buffer->len - self->consumed;
}

/**
 * ld_syslog_framer_get_framing:
 * @self: a framer
 *
 * Returns: the framing the connection's first byte chose
 */
LdSyslogFraming
ld_syslog_framer_get_framing (LdSyslogFramer *self)
{
  g_return_val_if_fail (self != NULL, LD_SYSLOG_FRAMING_UNKNOWN);

  return self->framing;
}
