// SPDX-License-Identifier: GPL-3.0-or-later
/* The syslog decoder: the RFCs' own examples, util-linux logger(1)'s real output in both
 * formats, Python's SysLogHandler's shapes, bad input refused in words with its offset, and
 * the RFC 6587 framer fed a byte at a time. */

#include <gio/gio.h>
#include <string.h>

#include "ld-intern.h"
#include "ld-jsonl.h"
#include "ld-syslog.h"

static const LdRecordOrigin origin = { "udp", "127.0.0.1:514", "udp-syslog",
                                       G_GINT64_CONSTANT (1700000000000000) };

/* The record of one message, with its text in place. */
static LdRecord
parse_one (LdBatch    *batch,
           const char *data,
           gssize      length)
{
  g_autoptr(GError) error = NULL;
  const char *text;
  LdRecord record;

  g_assert_true (ld_syslog_parse (batch, data, length < 0 ? strlen (data) : (gsize) length,
                                  &origin, &error));
  g_assert_no_error (error);
  record = *ld_batch_get_record (batch, ld_batch_get_length (batch) - 1, &text);
  record.text = text;
  return record;
}

static void
assert_message (const LdRecord *record,
                const char     *expected)
{
  gsize len;
  const char *message = ld_record_get_message (record, &len);

  g_assert_cmpmem (message, len, expected, strlen (expected));
}

static void
assert_extra (const LdRecord *record,
              const char     *key,
              const char     *expected)
{
  LdValueType type;
  const char *value;
  gsize len;

  if (expected == NULL)
    {
      g_assert_false (ld_record_get_extra (record, key, &type, &value, &len));
      return;
    }
  g_assert_true (ld_record_get_extra (record, key, &type, &value, &len));
  g_assert_cmpmem (value, len, expected, strlen (expected));
}

/* RFC 5424 section 6.5, examples 1 and 3 (the BOM included). */
static void
test_rfc5424_examples (void)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();
  LdRecord r;

  r = parse_one (batch, "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - "
                        "\xef\xbb\xbf'su root' failed for lonvick on /dev/pts/8", -1);
  g_assert_cmpint (r.time_us, ==, G_GINT64_CONSTANT (1065910455003000));
  g_assert_cmpint (r.level, ==, 50);
  g_assert_cmpstr (ld_intern_lookup (r.host), ==, "mymachine.example.com");
  g_assert_cmpstr (ld_intern_lookup (r.logger), ==, "su");
  g_assert_cmpint (r.process, ==, 0);
  assert_message (&r, "'su root' failed for lonvick on /dev/pts/8");
  assert_extra (&r, "facility", "auth");
  assert_extra (&r, "msgid", "ID47");
  g_assert_cmpstr (ld_intern_lookup (r.connection), ==, "udp");

  r = parse_one (batch, "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
                        "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"]"
                        "[examplePriority@32473 class=\"high\"] \xef\xbb\xbf" "An application event",
                 -1);
  g_assert_cmpint (r.level, ==, 25);
  assert_extra (&r, "facility", "local4");
  assert_extra (&r, "exampleSDID@32473.iut", "3");
  assert_extra (&r, "exampleSDID@32473.eventSource", "Application");
  assert_extra (&r, "exampleSDID@32473.eventID", "1011");
  assert_extra (&r, "examplePriority@32473.class", "high");
  assert_message (&r, "An application event");

  /* Nil values everywhere, escapes in a value, no message at all. */
  r = parse_one (batch, "<7>1 - - - 42 - [x@1 a=\"q\\\"b\\\\c\\]d\"]", -1);
  g_assert_cmpint (r.level, ==, 10);
  g_assert_cmpint (r.time_us, ==, origin.received_us);
  g_assert_cmpuint (r.host, ==, 0);
  g_assert_cmpuint (r.logger, ==, 0);
  g_assert_cmpint (r.process, ==, 42);
  assert_extra (&r, "x@1.a", "q\"b\\c]d");
  assert_extra (&r, "msgid", NULL);
  assert_message (&r, "");
}

/* RFC 3164 and what daemons really send under that name. */
static void
test_rfc3164_variants (void)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autoptr(GDateTime) local = NULL;
  LdRecord r;

  r = parse_one (batch, "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick", -1);
  g_assert_cmpint (r.level, ==, 50);
  g_assert_cmpstr (ld_intern_lookup (r.host), ==, "mymachine");
  g_assert_cmpstr (ld_intern_lookup (r.logger), ==, "su");
  assert_message (&r, "'su root' failed for lonvick");
  local = g_date_time_new_from_unix_local (r.time_us / G_USEC_PER_SEC);
  g_assert_cmpint (g_date_time_get_month (local), ==, 10);
  g_assert_cmpint (g_date_time_get_day_of_month (local), ==, 11);
  g_assert_cmpint (g_date_time_get_hour (local), ==, 22);

  r = parse_one (batch, "<13>Feb  5 17:32:18 10.0.0.99 myapp[1234]: hello", -1);
  g_assert_cmpstr (ld_intern_lookup (r.host), ==, "10.0.0.99");
  g_assert_cmpstr (ld_intern_lookup (r.logger), ==, "myapp");
  g_assert_cmpint (r.process, ==, 1234);
  g_assert_cmpint (r.level, ==, 25);
  assert_extra (&r, "facility", "user");

  /* No hostname: the word after the time is the tag. */
  r = parse_one (batch, "<13>Feb  5 17:32:18 myapp[1234]: hello", -1);
  g_assert_cmpuint (r.host, ==, 0);
  g_assert_cmpstr (ld_intern_lookup (r.logger), ==, "myapp");
  assert_message (&r, "hello");

  /* Python's SysLogHandler: no time, no host, an ident or none, a NUL at the end. */
  r = parse_one (batch, "<14>hello world\0", 16);
  g_assert_cmpint (r.level, ==, 20);
  g_assert_cmpint (r.time_us, ==, origin.received_us);
  g_assert_cmpuint (r.logger, ==, 0);
  assert_message (&r, "hello world");
  r = parse_one (batch, "<11>myapp: boom\n", -1);
  g_assert_cmpint (r.level, ==, 40);
  g_assert_cmpstr (ld_intern_lookup (r.logger), ==, "myapp");
  assert_message (&r, "boom");

  /* The cookbook's BOM recipe: an ASCII part, the BOM, the Unicode part. */
  r = parse_one (batch, "<14>ASCII section\xef\xbb\xbfUnicode section \xc3\xa9", -1);
  assert_message (&r, "ASCII sectionUnicode section \xc3\xa9");

  /* A non-numeric pid is the process name. */
  r = parse_one (batch, "<14>Feb  5 17:32:18 host app[worker-1]: x", -1);
  g_assert_cmpstr (ld_intern_lookup (r.process_name), ==, "worker-1");
}

/* util-linux logger(1)'s own bytes, caught on a UDP socket. */
static char *
logger_sends (GSocket     *socket,
              const char **args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;
  g_autoptr(GInetSocketAddress) address = NULL;
  g_autofree char *port = NULL;
  char buffer[4096];
  gssize received;
  int status;

  address = G_INET_SOCKET_ADDRESS (g_socket_get_local_address (socket, &error));
  port = g_strdup_printf ("%u", g_inet_socket_address_get_port (address));
  g_strv_builder_add_many (builder, "logger", "--udp", "--server", "127.0.0.1", "--port", port,
                           NULL);
  g_strv_builder_addv (builder, args);
  argv = g_strv_builder_end (builder);
  g_assert_true (g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                               &status, &error));
  g_assert_no_error (error);
  received = g_socket_receive (socket, buffer, sizeof buffer - 1, NULL, &error);
  g_assert_no_error (error);
  return g_strndup (buffer, received);
}

static void
test_logger_output (void)
{
  static const char *rfc5424[] = { "--rfc5424", "--msgid", "ID1", "--sd-id", "ex@1",
                                   "--sd-param", "a=\"b\\\"c\"", "-t", "myapp",
                                   "-p", "local3.warning", "hello 5424", NULL };
  static const char *rfc3164[] = { "--rfc3164", "-t", "myapp", "-i", "-p", "daemon.err",
                                   "hi there", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) any = NULL;
  g_autoptr(LdBatch) batch = ld_batch_new ();
  g_autofree char *logger = g_find_program_in_path ("logger");
  g_autofree char *wire = NULL;
  g_autofree char *hostname = NULL;
  LdRecord r;

  if (logger == NULL)
    {
      g_test_skip ("util-linux logger is not installed");
      return;
    }

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, 0, &error);
  g_assert_no_error (error);
  any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_assert_true (g_socket_bind (socket, any, FALSE, &error));
  g_socket_set_timeout (socket, 10);

  wire = logger_sends (socket, rfc5424);
  g_test_message ("%s", wire);
  r = parse_one (batch, wire, -1);
  g_assert_cmpint (r.level, ==, 30);
  g_assert_cmpstr (ld_intern_lookup (r.logger), ==, "myapp");
  assert_extra (&r, "facility", "local3");
  assert_extra (&r, "msgid", "ID1");
  assert_extra (&r, "ex@1.a", "b\"c");
  assert_extra (&r, "timeQuality.tzKnown", "1");
  assert_message (&r, "hello 5424");
  g_assert_cmpint (ABS (r.time_us - g_get_real_time ()), <, 60 * G_USEC_PER_SEC);
  hostname = g_strdup (ld_intern_lookup (r.host));
  g_assert_nonnull (hostname);

  g_clear_pointer (&wire, g_free);
  wire = logger_sends (socket, rfc3164);
  g_test_message ("%s", wire);
  r = parse_one (batch, wire, -1);
  g_assert_cmpint (r.level, ==, 40);
  g_assert_cmpstr (ld_intern_lookup (r.logger), ==, "myapp");
  g_assert_cmpstr (ld_intern_lookup (r.host), ==, hostname);
  g_assert_cmpint (r.process, >, 0);
  assert_extra (&r, "facility", "daemon");
  assert_message (&r, "hi there");
  g_assert_cmpint (ABS (r.time_us - g_get_real_time ()), <, 60 * G_USEC_PER_SEC);
}

typedef struct
{
  const char   *message;
  LdSyslogError code;
  const char   *text;
} BadCase;

static void
test_bad_input (void)
{
  static const BadCase cases[] = {
    { "", LD_SYSLOG_ERROR_NO_PRI, "byte 0: no <PRI>" },
    { "hello", LD_SYSLOG_ERROR_NO_PRI, "byte 0: no <PRI>" },
    { "<192>x", LD_SYSLOG_ERROR_NO_PRI, "byte 4: <PRI> is not a number" },
    { "<1x>", LD_SYSLOG_ERROR_NO_PRI, "byte 2" },
    { "<14>1 yesterday host app - - - x", LD_SYSLOG_ERROR_BAD_HEADER,
      "byte 6: the timestamp is not RFC 3339" },
    { "<14>1 - host app", LD_SYSLOG_ERROR_BAD_HEADER, "byte 16: the message ends in the app-name" },
    { "<14>1 - host  app - - - x", LD_SYSLOG_ERROR_BAD_HEADER, "byte 13: the app-name is empty" },
    { "<14>1 - h a p m [x@1 a=\"b] x", LD_SYSLOG_ERROR_BAD_SD, "does not end" },
    { "<14>1 - h a p m [x@1 a=b] x", LD_SYSLOG_ERROR_BAD_SD, "not name=\"value\"" },
    { "<14>1 - h a p m x", LD_SYSLOG_ERROR_BAD_SD, "neither - nor [" },
    { "<14>1 - h a p m [x@1]x", LD_SYSLOG_ERROR_BAD_SD, "no space after" },
  };
  g_autoptr(LdBatch) batch = ld_batch_new ();

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", cases[i].message);
      g_assert_false (ld_syslog_parse (batch, cases[i].message, strlen (cases[i].message),
                                       &origin, &error));
      g_assert_error (error, LD_SYSLOG_ERROR, (int) cases[i].code);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, cases[i].text));
    }
  g_assert_cmpuint (ld_batch_get_length (batch), ==, 0);
}

/* Every message of @stream, fed @step bytes at a time, joined by "|". */
static char *
frame_all (const char *stream,
           gsize       length,
           gsize       step)
{
  g_autoptr(LdSyslogFramer) framer = ld_syslog_framer_new (64);
  GString *out = g_string_new (NULL);

  for (gsize at = 0; at < length; at += step)
    {
      const char *message;
      gsize len;
      g_autoptr(GError) error = NULL;

      ld_syslog_framer_push (framer, stream + at, MIN (step, length - at));
      while (ld_syslog_framer_next (framer, &message, &len, &error))
        {
          g_string_append_len (out, message, len);
          g_string_append_c (out, '|');
        }
      if (error != NULL)
        {
          g_string_append_printf (out, "ERROR %s", error->message);
          break;
        }
    }
  return g_string_free (out, FALSE);
}

static void
test_framing (void)
{
  static const char counted[] = "11 <14>1 - - -18 <14>1 - - - - - x\n7 <14>a b";
  static const char lines[] = "<14>a\n<14>b c\r\n\n<14>d\0<14>e\n";

  for (gsize step = 1; step <= 8; step++)
    {
      g_autofree char *a = frame_all (counted, sizeof counted - 1, step);
      g_autofree char *b = frame_all (lines, sizeof lines - 1, step);

      g_assert_cmpstr (a, ==, "<14>1 - - -|<14>1 - - - - - x\n|<14>a b|");
      g_assert_cmpstr (b, ==, "<14>a|<14>b c|<14>d|<14>e|");
    }
}

static void
test_framing_errors (void)
{
  g_autofree char *count_over = frame_all ("65 x", 4, 4);
  g_autofree char *not_count = frame_all ("12x <14>", 8, 8);
  g_autofree char *zero = frame_all ("0 <14>", 6, 6);
  g_autofree char *long_line = g_strnfill (100, 'a');
  g_autofree char *unterminated = frame_all (long_line, 100, 10);

  g_assert_true (g_str_has_prefix (count_over, "ERROR syslog framing: an octet count over"));
  g_assert_true (g_str_has_prefix (not_count, "ERROR syslog framing: a frame does not start"));
  g_assert_true (g_str_has_prefix (zero, "ERROR syslog framing: a frame does not start"));
  g_assert_true (g_str_has_prefix (unterminated, "ERROR syslog framing: a message over"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/syslog/rfc5424-examples", test_rfc5424_examples);
  g_test_add_func ("/syslog/rfc3164-variants", test_rfc3164_variants);
  g_test_add_func ("/syslog/logger", test_logger_output);
  g_test_add_func ("/syslog/bad-input", test_bad_input);
  g_test_add_func ("/syslog/framing", test_framing);
  g_test_add_func ("/syslog/framing-errors", test_framing_errors);

  return g_test_run ();
}
