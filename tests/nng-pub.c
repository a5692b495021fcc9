// SPDX-License-Identifier: GPL-3.0-or-later
/* nng-pub: an NNG Pub0 sender for test-mq, as the logging cookbook's pynng example sends:
 * it dials Logdeck's Sub0 socket and publishes record.__dict__ as JSON text.
 *
 *   nng-pub URI COUNT BATCH
 *
 * Pub/sub has no flow control: a Pub0 socket drops what its queue to a subscriber cannot
 * hold, and a Sub0 what its own queue cannot. So after every BATCH records it waits for a
 * line on standard input, which the test writes once they have arrived, and it sends in
 * bursts of BURST with a short pause between them, well within the queues on both sides.
 * Once all are sent, it waits for a line (or the end) again before it closes: closing an NNG
 * socket discards what it has not sent yet. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>

#define BURST     250
#define PAUSE_MS  5
#define SEND_BUF  8192

static void
wait_for_line (void)
{
  char line[16];

  if (fgets (line, sizeof line, stdin) == NULL)
    line[0] = '\0';
}

static char *
make_record (guint i,
             guint count)
{
  static const char *const levels[] = { "DEBUG", "INFO", "WARNING", "ERROR" };
  static const int levelnos[] = { 10, 20, 30, 40 };

  return g_strdup_printf ("{\"name\": \"nng.pub\", \"msg\": \"nng record %u of %u\", "
                          "\"args\": null, \"levelname\": \"%s\", \"levelno\": %d, \"pathname\": "
                          "\"/srv/nng-pub.c\", \"lineno\": %u, \"funcName\": \"main\", "
                          "\"created\": %u.25, \"threadName\": \"MainThread\", "
                          "\"process\": %d}", i, count, levels[i % 4], levelnos[i % 4], 40 + i % 20,
                          1732190400 + i / 1000, (int) getpid ());
}

int
main (int   argc,
      char *argv[])
{
  nng_socket socket;
  guint count, batch;
  int code;

  if (argc != 4)
    {
      fprintf (stderr, "usage: nng-pub URI COUNT BATCH\n");
      return 2;
    }
  count = (guint) g_ascii_strtoull (argv[2], NULL, 10);
  batch = MAX (1, (guint) g_ascii_strtoull (argv[3], NULL, 10));

  if ((code = nng_pub0_open (&socket)) != 0
      || (code = nng_socket_set_int (socket, NNG_OPT_SENDBUF, SEND_BUF)) != 0
      || (code = nng_dial (socket, argv[1], NULL, 0)) != 0)
    {
      fprintf (stderr, "nng-pub: %s: %s\n", argv[1], nng_strerror (code));
      return 1;
    }

  for (guint i = 0; i < count; i++)
    {
      g_autofree char *record = make_record (i, count);

      if ((code = nng_send (socket, record, strlen (record), 0)) != 0)
        {
          fprintf (stderr, "nng-pub: cannot send: %s\n", nng_strerror (code));
          return 1;
        }
      if (i % batch == batch - 1 && i + 1 < count)
        wait_for_line ();
      else if (i % BURST == BURST - 1)
        g_usleep (PAUSE_MS * 1000);
    }

  printf ("{\"sent\": %u}\n", count);
  fflush (stdout);
  wait_for_line ();
  nng_close (socket);
  return 0;
}
