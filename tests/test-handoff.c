// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.test"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ld-handoff.h"
#include "ld-log-writer.h"
#include "ld-store.h"

#define N_THREADS 8
#define N_PER_THREAD 20000
#define DEADLINE_US (60 * G_USEC_PER_SEC)

typedef enum { VIA_RECORDS, VIA_BATCHES, VIA_LOG_WRITER } Route;

typedef struct
{
  LdHandoff *handoff;
  Route      route;
  guint      thread_index;
} Producer;

static gpointer
produce (gpointer data)
{
  Producer *p = data;
  LdBatch *batch = NULL;

  for (guint n = 0; n < N_PER_THREAD; n++)
    {
      char message[64];
      LdRecordFields fields = { .level = 20, .logger = "test", .message = message };

      g_snprintf (message, sizeof message, "t=%u n=%u", p->thread_index, n);
      switch (p->route)
        {
        case VIA_RECORDS:
          ld_handoff_push_record (p->handoff, &fields);
          break;

        case VIA_BATCHES:
          if (batch == NULL)
            batch = ld_batch_new ();
          ld_batch_add (batch, &fields);
          if (ld_batch_get_length (batch) == 97 || n == N_PER_THREAD - 1)
            ld_handoff_push_batch (p->handoff, g_steal_pointer (&batch));
          break;

        case VIA_LOG_WRITER:
          g_log_structured ("logdeck.test.producer", G_LOG_LEVEL_DEBUG, "MESSAGE", "%s", message);
          break;
        }
    }

  return NULL;
}

static void
drain_into_store (LdBatch *const *batches,
                  guint           n_batches,
                  gpointer        user_data)
{
  ld_store_append_batches (user_data, batches, n_batches);
}

/* Every record arrives once, and each thread's records keep their order. */
static void
check_store (LdStore *store)
{
  guint next[N_THREADS] = { 0 };
  guint n_test_records = 0;

  for (guint i = 0; i < ld_store_get_n_records (store); i++)
    {
      const LdRecord *record = ld_store_get_record (store, i);
      gsize len;
      const char *message = ld_record_get_message (record, &len);
      g_autofree char *text = g_strndup (message, len);
      guint t, n;

      if (sscanf (text, "t=%u n=%u", &t, &n) != 2)
        continue;  /* something else logged meanwhile */

      g_assert_cmpuint (t, <, N_THREADS);
      g_assert_cmpuint (n, ==, next[t]);
      next[t]++;
      n_test_records++;
    }

  for (guint t = 0; t < N_THREADS; t++)
    g_assert_cmpuint (next[t], ==, N_PER_THREAD);
  g_assert_cmpuint (n_test_records, ==, N_THREADS * N_PER_THREAD);
}

static void
run_route (Route route)
{
  g_autoptr(LdStore) store = ld_store_new (1000000);
  g_autoptr(LdHandoff) handoff = ld_handoff_new (NULL, drain_into_store, store, NULL);
  Producer producers[N_THREADS];
  GThread *threads[N_THREADS];
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;
  guint64 n_drains;

  if (route == VIA_LOG_WRITER)
    ld_log_writer_set_handoff (handoff);

  for (guint t = 0; t < N_THREADS; t++)
    {
      producers[t] = (Producer) { handoff, route, t };
      threads[t] = g_thread_new ("producer", produce, &producers[t]);
    }

  while (ld_store_get_n_received (store) < N_THREADS * N_PER_THREAD
         && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);

  for (guint t = 0; t < N_THREADS; t++)
    g_thread_join (threads[t]);
  /* Anything still queued (only the log writer's chatter could be). */
  ld_handoff_drain (handoff);
  if (route == VIA_LOG_WRITER)
    ld_log_writer_set_handoff (NULL);

  check_store (store);

  /* The consumer was woken once per batch of arrivals, not per record. */
  n_drains = ld_handoff_get_n_drains (handoff);
  g_test_message ("%" G_GUINT64_FORMAT " drains for %u records", n_drains,
                  N_THREADS * N_PER_THREAD);
  g_assert_cmpuint (n_drains, <, N_THREADS * N_PER_THREAD / 100);

  ld_handoff_shutdown (handoff);
}

static void
test_records (void)
{
  run_route (VIA_RECORDS);
}

static void
test_batches (void)
{
  run_route (VIA_BATCHES);
}

static void
test_log_writer (void)
{
  run_route (VIA_LOG_WRITER);
}

static void
test_log_writer_fields (void)
{
  g_autoptr(LdStore) store = ld_store_new (100);
  g_autoptr(LdHandoff) handoff = ld_handoff_new (NULL, drain_into_store, store, NULL);
  const LdRecord *record;
  gsize len;
  const char *text;

  ld_log_writer_set_handoff (handoff);
  LD_LOG_AT_LEVEL (25, "Traceback: boom", "custom %s", "level");
  g_log_structured ("logdeck.test.plain", G_LOG_LEVEL_INFO, "MESSAGE", "plain info");
  ld_log_writer_set_handoff (NULL);
  ld_handoff_drain (handoff);

  g_assert_cmpuint (ld_store_get_n_records (store), ==, 2);
  record = ld_store_get_record (store, 0);
  g_assert_cmpint (record->level, ==, 25);
  g_assert_cmpstr (ld_intern_lookup (record->level_name), ==, "NOTICE");
  g_assert_cmpstr (ld_intern_lookup (record->logger), ==, "logdeck.test");
  g_assert_cmpstr (ld_intern_lookup (record->thread), ==, "MainThread");
  g_assert_cmpstr (ld_intern_lookup (record->function), ==, "test_log_writer_fields");
  g_assert_true (g_str_has_suffix (ld_intern_lookup (record->file), "test-handoff.c"));
  g_assert_cmpuint (record->line, >, 0);
  text = ld_record_get_message (record, &len);
  g_assert_cmpmem (text, len, "custom level", 12);
  text = ld_record_get_exception (record, &len);
  g_assert_cmpmem (text, len, "Traceback: boom", 15);

  record = ld_store_get_record (store, 1);
  g_assert_cmpint (record->level, ==, 20);
  g_assert_cmpstr (ld_intern_lookup (record->logger), ==, "logdeck.test.plain");

  ld_handoff_shutdown (handoff);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  /* The writer forwards to GLib's default one; keep the test's output quiet. */
  g_setenv ("G_MESSAGES_DEBUG", "", TRUE);
  ld_log_writer_install ();

  g_test_add_func ("/handoff/records", test_records);
  g_test_add_func ("/handoff/batches", test_batches);
  g_test_add_func ("/handoff/log-writer", test_log_writer);
  g_test_add_func ("/handoff/log-writer-fields", test_log_writer_fields);

  return g_test_run ();
}
