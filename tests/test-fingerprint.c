// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include "ld-error-groups.h"
#include "ld-fingerprint.h"
#include "ld-level.h"
#include "ld-store.h"

#define T0 G_GINT64_CONSTANT (1763700000000000)

static const char *traceback_a =
  "Traceback (most recent call last):\n"
  "  File \"/srv/releases/20261120/app/views.py\", line 42, in handle\n"
  "    order = load_order(request.args[\"id\"])\n"
  "  File \"/srv/releases/20261120/app/orders.py\", line 17, in load_order\n"
  "    return Order(int(raw))\n"
  "ValueError: invalid literal for int() with base 10: 'x17'\n";

/* The same error after a deploy: other lines, another release, another id. */
static const char *traceback_a_again =
  "Traceback (most recent call last):\n"
  "  File \"/srv/releases/20261121/app/views.py\", line 45, in handle\n"
  "    order = load_order(request.args[\"id\"])\n"
  "  File \"/srv/releases/20261121/app/orders.py\", line 19, in load_order\n"
  "    return Order(int(raw))\n"
  "ValueError: invalid literal for int() with base 10: 'abc'\n";

/* The same frames, another exception. */
static const char *traceback_b =
  "Traceback (most recent call last):\n"
  "  File \"/srv/releases/20261120/app/views.py\", line 42, in handle\n"
  "    order = load_order(request.args[\"id\"])\n"
  "  File \"/srv/releases/20261120/app/orders.py\", line 17, in load_order\n"
  "    return Order(int(raw))\n"
  "KeyError: 'id'\n";

/* The same exception, raised elsewhere. */
static const char *traceback_c =
  "Traceback (most recent call last):\n"
  "  File \"/srv/releases/20261120/app/views.py\", line 80, in refund\n"
  "    amount = int(form[\"amount\"])\n"
  "ValueError: invalid literal for int() with base 10: 'ten'\n";

static const char *java_trace =
  "java.lang.IllegalStateException: pool closed\n"
  "\tat com.acme.db.Pool.get(Pool.java:120)\n"
  "\tat com.acme.api.Orders.list(Orders.java:33)\n"
  "Caused by: java.net.SocketException: Connection reset\n"
  "\tat java.base/sun.nio.ch.NioSocketImpl.implRead(NioSocketImpl.java:323)\n"
  "\t... 12 more\n";

static LdBatch *
batch_of (const char *message,
          const char *exception,
          int         level,
          gint64      time_us,
          const char *logger,
          const char *connection)
{
  LdBatch *batch = ld_batch_new ();
  LdRecordFields fields = { 0 };

  fields.time_us = time_us;
  fields.level = level;
  fields.logger = logger;
  fields.message = message;
  fields.exception = exception;
  fields.connection = connection;
  ld_batch_add (batch, &fields);

  return batch;
}

static char *
fingerprint_of (const char *message,
                const char *exception)
{
  g_autoptr(LdBatch) batch = batch_of (message, exception, LD_LEVEL_ERROR, T0, "x", NULL);
  g_autoptr(LdStore) store = ld_store_new (0);

  ld_store_append_batch (store, batch);
  return ld_fingerprint_compute (ld_store_get_record (store, 0));
}

static char *
masked (const char *text)
{
  GString *out = g_string_new (NULL);

  ld_fingerprint_mask (out, text, strlen (text));
  return g_string_free (out, FALSE);
}

static void
test_mask (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "Connection to 10.0.0.7:5432 lost after 3 retries",
      "Connection to #.#.#.#:# lost after # retries" },
    { "user 8f14e45f-ceea-467a-9af0-bdc2a1b1e2c3 not found", "user <uuid> not found" },
    { "bad pointer 0xdeadBEEF at slot7", "bad pointer <hex> at slot#" },
    { "commit 3f9a2c1e broke it", "commit <hex> broke it" },
    { "can't open 'report 12.pdf' for \"bob\"", "can't open <str> for <str>" },
    { "it's   spaced\tout", "it's spaced out" },
    { "a deadbeef is a word, decade too", "a deadbeef is a word, decade too" },
    { "unclosed 'quote here", "unclosed 'quote here" },
    { "ipv6 [::1]:54321 and -42.5", "ipv# [::#]:# and -#.#" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = masked (cases[i].in);
      g_assert_cmpstr (got, ==, cases[i].out);
    }
}

static void
test_messages (void)
{
  g_autofree char *a = fingerprint_of ("Timeout after 3000 ms talking to 'db-7' (req 91a3f0c2)",
                                       NULL);
  g_autofree char *b = fingerprint_of ("Timeout after 15 ms talking to 'cache' (req 00ff11aa22)",
                                       NULL);
  g_autofree char *c = fingerprint_of ("Timeout after 15 ms talking to db-7", NULL);
  g_autofree char *multi = fingerprint_of ("Request 7 failed\nbody: {\"a\": 1}", NULL);
  g_autofree char *multi2 = fingerprint_of ("Request 8 failed\nbody: {\"b\": 2}", NULL);

  g_assert_cmpstr (a, ==, "msg:Timeout after # ms talking to <str> (req <hex>)");
  g_assert_cmpstr (a, ==, b);
  g_assert_cmpstr (a, !=, c);
  g_assert_cmpstr (multi, ==, "msg:Request # failed");
  g_assert_cmpstr (multi, ==, multi2);
}

static void
test_tracebacks (void)
{
  g_autofree char *a = fingerprint_of ("Failed order 17", traceback_a);
  g_autofree char *a_again = fingerprint_of ("Failed order 99", traceback_a_again);
  g_autofree char *b = fingerprint_of ("Failed order 17", traceback_b);
  g_autofree char *c = fingerprint_of ("Failed order 17", traceback_c);
  g_autofree char *java = fingerprint_of ("query failed", java_trace);
  g_autofree char *type = ld_fingerprint_exception_type (java_trace, strlen (java_trace));
  g_autofree char *no_frames = fingerprint_of ("Bad input 12", "ValueError: nope 12");

  g_assert_cmpstr (a, ==,
                   "exc:ValueError\n"
                   "/srv/releases/#/app/views.py in handle\n"
                   "/srv/releases/#/app/orders.py in load_order");
  g_assert_cmpstr (a, ==, a_again);
  g_assert_cmpstr (a, !=, b);
  g_assert_cmpstr (a, !=, c);
  g_assert_true (g_str_has_prefix (b, "exc:KeyError\n"));
  g_assert_cmpstr (type, ==, "java.net.SocketException");
  g_assert_true (g_str_has_prefix (java, "exc:java.net.SocketException\n"
                                         "com.acme.db.Pool.get(Pool.java:#)\n"));
  g_assert_cmpstr (no_frames, ==, "exc:ValueError\nBad input #");
}

/* Recursion to different depths is the same error. */
static void
test_recursion (void)
{
  GString *deep = g_string_new ("Traceback (most recent call last):\n");
  g_autofree char *shallow = NULL, *deep_fp = NULL;

  for (guint i = 0; i < 200; i++)
    g_string_append_printf (deep, "  File \"/app/tree.py\", line %u, in walk\n    walk(n)\n",
                            10 + i % 2);
  g_string_append (deep, "RecursionError: maximum recursion depth exceeded\n");

  deep_fp = fingerprint_of ("walk failed", deep->str);
  shallow = fingerprint_of ("walk failed",
                            "Traceback (most recent call last):\n"
                            "  File \"/app/tree.py\", line 10, in walk\n"
                            "RecursionError: maximum recursion depth exceeded\n");
  g_assert_cmpstr (deep_fp, ==, shallow);
  g_string_free (deep, TRUE);
}

static void
append (LdStore    *store,
        const char *message,
        const char *exception,
        int         level,
        gint64      time_us,
        const char *logger,
        const char *connection)
{
  g_autoptr(LdBatch) batch = batch_of (message, exception, level, time_us, logger, connection);

  ld_store_append_batch (store, batch);
}

static LdErrorGroup *
group_at (LdErrorGroups *groups,
          guint          position)
{
  g_autoptr(LdErrorGroup) group = g_list_model_get_item (G_LIST_MODEL (groups), position);

  return group;   /* the model keeps it alive */
}

static void
count_items_changed (GListModel *model,
                     guint       position,
                     guint       removed,
                     guint       added,
                     guint      *count)
{
  (*count)++;
}

static void
count_changed (LdErrorGroup *group,
               guint        *count)
{
  (*count)++;
}

static void
test_groups (void)
{
  g_autoptr(LdStore) store = ld_store_new (6);
  g_autoptr(LdErrorGroups) groups = ld_error_groups_new ();
  LdErrorGroup *group;
  guint n_loggers, n_connections, n_model_changes = 0, n_group_changes = 0;
  gboolean more;
  guint32 series[LD_ERROR_GROUP_SERIES_MINUTES];

  ld_error_groups_attach_store (groups, store);
  g_signal_connect (groups, "items-changed", G_CALLBACK (count_items_changed),
                    &n_model_changes);

  append (store, "Failed order 17", traceback_a, LD_LEVEL_ERROR, T0, "app.web", "tcp-1");
  append (store, "all good", NULL, LD_LEVEL_INFO, T0 + 1, "app.web", "tcp-1");
  append (store, "Failed order 99", traceback_a_again, LD_LEVEL_CRITICAL,
          T0 + 61 * G_USEC_PER_SEC, "app.worker", "tcp-2");
  append (store, "Disk 93% full on /dev/sda1", NULL, LD_LEVEL_ERROR, T0 + 2, "app.disk", "tcp-1");

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (groups)), ==, 2);
  group = group_at (groups, 0);
  g_signal_connect (group, "changed", G_CALLBACK (count_changed), &n_group_changes);
  g_assert_cmpuint (ld_error_group_get_count (group), ==, 2);
  g_assert_cmpuint (ld_error_group_get_n_stored (group), ==, 2);
  g_assert_cmpint (ld_error_group_get_max_level (group), ==, LD_LEVEL_CRITICAL);
  g_assert_cmpstr (ld_error_group_get_exception_type (group), ==, "ValueError");
  g_assert_cmpstr (ld_error_group_get_title (group), ==, "ValueError");
  g_assert_cmpstr (ld_error_group_get_sample_message (group), ==, "Failed order 17");
  g_assert_cmpint (ld_error_group_get_first_seen (group), ==, T0);
  g_assert_cmpint (ld_error_group_get_last_seen (group), ==, T0 + 61 * G_USEC_PER_SEC);
  g_assert_cmpuint (ld_error_group_get_last_seq (group), ==, 2);
  ld_error_group_get_loggers (group, &n_loggers, &more);
  g_assert_cmpuint (n_loggers, ==, 2);
  g_assert_false (more);
  ld_error_group_get_connections (group, &n_connections, NULL);
  g_assert_cmpuint (n_connections, ==, 2);
  g_assert_cmpuint (ld_error_group_get_series (group, T0 + 61 * G_USEC_PER_SEC, series), ==, 1);
  g_assert_cmpuint (series[LD_ERROR_GROUP_SERIES_MINUTES - 1], ==, 1);
  g_assert_cmpuint (series[LD_ERROR_GROUP_SERIES_MINUTES - 2], ==, 1);
  g_assert_cmpstr (ld_error_group_get_title (group_at (groups, 1)), ==,
                   "Disk 93% full on /dev/sda1");

  /* A click on the group: its records, and no others. */
  g_assert_true (ld_error_groups_record_matches (group, ld_store_get_record (store, 0)));
  g_assert_false (ld_error_groups_record_matches (group, ld_store_get_record (store, 1)));
  g_assert_true (ld_error_groups_record_matches (group, ld_store_get_record (store, 2)));
  g_assert_false (ld_error_groups_record_matches (group, ld_store_get_record (store, 3)));
  g_assert_true (ld_error_groups_lookup (groups, ld_store_get_record (store, 2)) == group);

  /* Eviction keeps the session's count, and says what is left. */
  for (guint i = 0; i < 5; i++)
    append (store, "tick", NULL, LD_LEVEL_INFO, T0 + 100, "app", "tcp-1");
  g_assert_cmpuint (ld_error_group_get_count (group), ==, 2);
  g_assert_cmpuint (ld_error_group_get_n_stored (group), ==, 0);
  g_assert_cmpuint (ld_error_group_get_n_stored (group_at (groups, 1)), ==, 1);
  g_assert_cmpuint (n_group_changes, >, 0);

  /* A batch makes one model change, however many groups it brings. */
  n_model_changes = 0;
  {
    g_autoptr(LdBatch) batch = ld_batch_new ();
    for (guint i = 0; i < 4; i++)
      {
        g_autofree char *message = g_strdup_printf ("failure kind %c", 'a' + i);
        LdRecordFields fields = { .time_us = T0, .level = LD_LEVEL_ERROR, .message = message };
        ld_batch_add (batch, &fields);
      }
    ld_store_append_batch (store, batch);
  }
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (groups)), ==, 6);
  g_assert_cmpuint (n_model_changes, ==, 1);

  ld_store_clear (store);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (groups)), ==, 0);

  append (store, "Failed order 5", traceback_a, LD_LEVEL_ERROR, T0, "app.web", "tcp-1");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (groups)), ==, 1);
  g_assert_cmpuint (ld_error_group_get_count (group_at (groups, 0)), ==, 1);
}

/* A whole store evicted by one big batch is eviction, not a clear. */
static void
test_evict_all (void)
{
  g_autoptr(LdStore) store = ld_store_new (3);
  g_autoptr(LdErrorGroups) groups = ld_error_groups_new ();
  g_autoptr(LdBatch) batch = ld_batch_new ();

  ld_error_groups_attach_store (groups, store);
  append (store, "boom 1", NULL, LD_LEVEL_ERROR, T0, "app", NULL);
  for (guint i = 0; i < 5; i++)
    {
      LdRecordFields fields = { .time_us = T0, .level = LD_LEVEL_INFO, .message = "fine" };
      ld_batch_add (batch, &fields);
    }
  ld_store_append_batch (store, batch);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (groups)), ==, 1);
  g_assert_cmpuint (ld_error_group_get_count (group_at (groups, 0)), ==, 1);
  g_assert_cmpuint (ld_error_group_get_n_stored (group_at (groups, 0)), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/fingerprint/mask", test_mask);
  g_test_add_func ("/fingerprint/messages", test_messages);
  g_test_add_func ("/fingerprint/tracebacks", test_tracebacks);
  g_test_add_func ("/fingerprint/recursion", test_recursion);
  g_test_add_func ("/error-groups/streaming", test_groups);
  g_test_add_func ("/error-groups/evict-all", test_evict_all);

  return g_test_run ();
}
