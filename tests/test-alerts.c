// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include "ld-alerts.h"
#include "ld-level.h"
#include "ld-store.h"

#if defined(__has_include)
# if __has_include ("ld-query.h")
#  define HAVE_LD_QUERY 1
# endif
#endif

#define T0 G_GINT64_CONSTANT (1763700000000000)
#define SECOND G_USEC_PER_SEC

typedef struct
{
  GPtrArray *rules;
  GArray    *seqs;
} Fired;

static void
on_fired (LdAlerts    *alerts,
          LdAlertRule *rule,
          guint64      seq,
          Fired       *fired)
{
  g_ptr_array_add (fired->rules, g_object_ref (rule));
  g_array_append_val (fired->seqs, seq);
}

static void
fired_clear (Fired *fired)
{
  g_ptr_array_set_size (fired->rules, 0);
  g_array_set_size (fired->seqs, 0);
}

static void
add (LdBatch    *batch,
     int         level,
     const char *logger,
     const char *message)
{
  LdRecordFields fields = { 0 };

  fields.time_us = T0;
  fields.level = level;
  fields.logger = logger;
  fields.message = message;
  ld_batch_add (batch, &fields);
}

/* A store of records to check by position. */
static LdStore *
sample_store (void)
{
  LdStore *store = ld_store_new (0);
  g_autoptr(LdBatch) batch = ld_batch_new ();

  add (batch, LD_LEVEL_INFO, "payments", "charge ok");                 /* 0 */
  add (batch, LD_LEVEL_WARNING, "payments", "gateway timeout, retry"); /* 1 */
  add (batch, LD_LEVEL_ERROR, "web", "boom");                          /* 2 */
  add (batch, LD_LEVEL_ERROR, "payments.card", "timeout talking to bank"); /* 3 */
  add (batch, LD_LEVEL_INFO, "payments", "refund ok");                 /* 4 */
  ld_store_append_batch (store, batch);

  return store;
}

static void
test_interval (void)
{
  g_autoptr(LdStore) store = sample_store ();
  g_autoptr(LdAlerts) alerts = ld_alerts_new ();
  g_autoptr(LdAlertRule) errors = ld_alert_rule_new ("level>=ERROR", 60, TRUE);
  g_autoptr(LdAlertRule) timeouts = ld_alert_rule_new ("logger:payments timeout", 10, TRUE);
  Fired fired = { g_ptr_array_new_with_free_func (g_object_unref),
                  g_array_new (FALSE, FALSE, sizeof (guint64)) };
  gint64 now = 1000 * SECOND;

  g_assert_no_error (ld_alert_rule_get_error (errors));
  g_assert_no_error (ld_alert_rule_get_error (timeouts));
  ld_alerts_append (alerts, errors);
  ld_alerts_append (alerts, timeouts);
  g_signal_connect (alerts, "fired", G_CALLBACK (on_fired), &fired);

  /* Records that fail every rule fire nothing. */
  g_assert_cmpuint (ld_alerts_check_record (alerts, ld_store_get_record (store, 0), 0, now), ==, 0);
  g_assert_cmpuint (ld_alerts_check_record (alerts, ld_store_get_record (store, 4), 4, now), ==, 0);
  g_assert_cmpuint (fired.seqs->len, ==, 0);

  /* The first match fires; the next within the interval does not. */
  g_assert_cmpuint (ld_alerts_check_record (alerts, ld_store_get_record (store, 1), 1, now), ==, 1);
  g_assert_true (g_ptr_array_index (fired.rules, 0) == timeouts);
  g_assert_cmpuint (g_array_index (fired.seqs, guint64, 0), ==, 1);
  g_assert_cmpuint (ld_alerts_check_record (alerts, ld_store_get_record (store, 2), 2, now), ==, 1);
  g_assert_true (g_ptr_array_index (fired.rules, 1) == errors);
  g_assert_cmpuint (ld_alerts_check_record (alerts, ld_store_get_record (store, 3), 3,
                                            now + 9 * SECOND), ==, 0);
  g_assert_cmpuint (fired.seqs->len, ==, 2);

  /* After its interval, a rule fires again; the other still rests. */
  g_assert_cmpuint (ld_alerts_check_record (alerts, ld_store_get_record (store, 3), 3,
                                            now + 10 * SECOND), ==, 1);
  g_assert_true (g_ptr_array_index (fired.rules, 2) == timeouts);
  g_assert_cmpuint (ld_alerts_check_record (alerts, ld_store_get_record (store, 3), 3,
                                            now + 60 * SECOND), ==, 2);
  g_assert_cmpuint (ld_alert_rule_get_n_fired (errors), ==, 2);
  g_assert_cmpuint (ld_alert_rule_get_n_fired (timeouts), ==, 3);

  /* A disabled rule rests for good. */
  ld_alert_rule_set_enabled (errors, FALSE);
  g_assert_cmpuint (ld_alerts_check_record (alerts, ld_store_get_record (store, 2), 2,
                                            now + 600 * SECOND), ==, 0);

  g_ptr_array_unref (fired.rules);
  g_array_unref (fired.seqs);
}

/* Attached to the store: a burst of matches fires once. */
static void
test_store (void)
{
  g_autoptr(LdStore) store = ld_store_new (0);
  g_autoptr(LdAlerts) alerts = ld_alerts_new ();
  g_autoptr(LdAlertRule) rule = ld_alert_rule_new ("level>=ERROR", 3600, TRUE);
  Fired fired = { g_ptr_array_new_with_free_func (g_object_unref),
                  g_array_new (FALSE, FALSE, sizeof (guint64)) };

  ld_alerts_append (alerts, rule);
  ld_alerts_attach_store (alerts, store);
  g_signal_connect (alerts, "fired", G_CALLBACK (on_fired), &fired);

  for (guint round = 0; round < 3; round++)
    {
      g_autoptr(LdBatch) batch = ld_batch_new ();

      add (batch, LD_LEVEL_INFO, "web", "fine");
      add (batch, LD_LEVEL_ERROR, "web", "boom");
      add (batch, LD_LEVEL_CRITICAL, "web", "boom boom");
      ld_store_append_batch (store, batch);
    }

  g_assert_cmpuint (fired.seqs->len, ==, 1);
  g_assert_cmpuint (g_array_index (fired.seqs, guint64, 0), ==, 1);

  fired_clear (&fired);
  g_ptr_array_unref (fired.rules);
  g_array_unref (fired.seqs);
}

static void
count (LdAlerts *alerts,
       guint    *n)
{
  (*n)++;
}

static void
test_variant (void)
{
  g_autoptr(LdAlerts) alerts = ld_alerts_new ();
  g_autoptr(LdAlerts) loaded = ld_alerts_new ();
  g_autoptr(LdAlertRule) rule = ld_alert_rule_new ("logger:payments timeout", 30, FALSE);
  g_autoptr(LdAlertRule) first = NULL;
  g_autoptr(GVariant) variant = NULL;
  g_autofree char *text = NULL;
  guint n_changed = 0;

  g_signal_connect (alerts, "changed", G_CALLBACK (count), &n_changed);
  ld_alerts_append (alerts, rule);
  {
    g_autoptr(LdAlertRule) other = ld_alert_rule_new ("level>=ERROR", 60, TRUE);
    ld_alerts_append (alerts, other);
  }
  g_assert_cmpuint (n_changed, ==, 2);
  ld_alert_rule_set_interval (rule, 45);
  g_assert_cmpuint (n_changed, ==, 3);

  variant = g_variant_ref_sink (ld_alerts_to_variant (alerts));
  text = g_variant_print (variant, FALSE);
  g_assert_cmpstr (text, ==,
                   "[('logger:payments timeout', 45, false), ('level>=ERROR', 60, true)]");

  n_changed = 0;
  g_signal_connect (loaded, "changed", G_CALLBACK (count), &n_changed);
  g_assert_true (ld_alerts_load_variant (loaded, variant));
  g_assert_cmpuint (n_changed, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (loaded)), ==, 2);
  first = g_list_model_get_item (G_LIST_MODEL (loaded), 0);
  g_assert_cmpstr (ld_alert_rule_get_query (first), ==, "logger:payments timeout");
  g_assert_cmpuint (ld_alert_rule_get_interval (first), ==, 45);
  g_assert_false (ld_alert_rule_get_enabled (first));

  g_assert_false (ld_alerts_load_variant (loaded, g_variant_new_string ("nope")));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (loaded)), ==, 2);
}

static void
test_bad_rules (void)
{
  g_autoptr(LdAlertRule) empty = ld_alert_rule_new ("  ", 60, TRUE);
  g_autoptr(LdAlertRule) bad = ld_alert_rule_new ("level>=LOUD", 60, TRUE);
  g_autoptr(LdStore) store = sample_store ();
  g_autoptr(LdAlerts) alerts = ld_alerts_new ();

  g_assert_nonnull (ld_alert_rule_get_error (empty));
  g_assert_nonnull (ld_alert_rule_get_error (bad));
  ld_alerts_append (alerts, empty);
  ld_alerts_append (alerts, bad);
  for (guint i = 0; i < 5; i++)
    g_assert_cmpuint (ld_alerts_check_record (alerts, ld_store_get_record (store, i), i, 0), ==, 0);

  ld_alert_rule_set_query (bad, "level>=ERROR");
  g_assert_no_error (ld_alert_rule_get_error (bad));
  g_assert_cmpuint (ld_alerts_check_record (alerts, ld_store_get_record (store, 2), 2, 0), ==, 1);
}

#ifndef HAVE_LD_QUERY
static void
skip_without_query (void)
{
  g_test_skip ("The query language is not in this tree yet");
}
#endif

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/alerts/variant", test_variant);
#ifdef HAVE_LD_QUERY
  g_test_add_func ("/alerts/interval", test_interval);
  g_test_add_func ("/alerts/store", test_store);
  g_test_add_func ("/alerts/bad-rules", test_bad_rules);
#else
  (void) test_interval;
  (void) test_store;
  (void) test_bad_rules;
  g_test_add_func ("/alerts/interval", skip_without_query);
#endif

  return g_test_run ();
}
