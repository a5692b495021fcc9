// SPDX-License-Identifier: GPL-3.0-or-later
/* libFuzzer target for the HTTP and WebSocket endpoint: each input is the whole byte stream a
 * client sends on one connection to a real listener on 127.0.0.1 (libsoup's request parsing,
 * the guard, /log's forms and JSON bodies, the WebSocket upgrade and frames). The client then
 * closes its side and reads the answer until the server closes, so that every input is
 * handled to its end before the next; a crash or a sanitizer report on the ingest thread is a
 * finding, and so is a record whose text is not UTF-8. The tests' meson.build builds it with
 * every core and ingest source compiled in; see fuzz-json.c for how to run it by hand.
 *
 * Built with -DLD_FUZZ_STANDALONE it has a main() that sends the files named on the command
 * line once, so that a compiler without libFuzzer can still replay the corpus as a test. */
#define G_LOG_DOMAIN "logdeck-fuzz"

#include "config.h"

#include <errno.h>
#include <glib.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ld-handoff.h"
#include "ld-ingest.h"

/* Small limits, so that the fuzzer reaches them with short inputs. */
#define MAX_FRAME   (64 * 1024)
#define READ_LIMIT_S 5

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static LdHandoff *handoff;
static LdIngest *ingest;
static guint16 port;

static void
check_batches (LdBatch *const *batches,
               guint           n_batches,
               gpointer        user_data)
{
  for (guint i = 0; i < n_batches; i++)
    for (guint j = 0; j < ld_batch_get_length (batches[i]); j++)
      {
        const char *text;
        LdRecord record = *ld_batch_get_record (batches[i], j, &text);
        gsize length;
        const char *message;

        record.text = text;
        message = ld_record_get_message (&record, &length);

        g_assert (g_utf8_validate_len (message, length, NULL));
      }
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  LdListenLimits limits;

  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  handoff = ld_handoff_new (NULL, check_batches, NULL, NULL);
  ingest = ld_ingest_new (handoff, NULL);
  ld_ingest_set_max_frame_size (ingest, MAX_FRAME);
  ld_listen_limits_init_default (&limits);
  limits.header_timeout_us = 500 * 1000;
  limits.body_timeout_us = 500 * 1000;
  ld_ingest_set_listen_limits (ingest, &limits);
  if (!ld_ingest_add_http (ingest, "127.0.0.1", 0, NULL))
    g_error ("Cannot listen on 127.0.0.1");
  port = ld_ingest_get_bound_port (ingest, "http");

  return 0;
}

static int
connect_to_listener (void)
{
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons (port) };
  struct timeval timeout = { .tv_sec = READ_LIMIT_S };
  int fd = socket (AF_INET, SOCK_STREAM, 0);

  g_assert (fd >= 0);
  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  if (connect (fd, (struct sockaddr *) &address, sizeof address) != 0)
    g_error ("Cannot connect to the listener: %s", g_strerror (errno));

  return fd;
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  int fd = connect_to_listener ();
  char answer[4096];
  gsize sent = 0;

  /* The server may answer and close before it has read everything. */
  while (sent < size)
    {
      ssize_t n = send (fd, data + sent, size - sent, MSG_NOSIGNAL);

      if (n <= 0)
        break;
      sent += n;
    }
  shutdown (fd, SHUT_WR);
  while (read (fd, answer, sizeof answer) > 0)
    ;
  close (fd);

  ld_handoff_drain_all (handoff);
  return 0;
}

#ifdef LD_FUZZ_STANDALONE
#include "fuzz-replay.h"

int
main (int    argc,
      char **argv)
{
  ld_fuzz_replay (argc, argv);
  /* Stopping takes in what the connections still had, as Logdeck does on exit. */
  ld_ingest_free (ingest);
  ld_handoff_drain_all (handoff);
  ld_handoff_unref (handoff);
  return 0;
}
#endif
