// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <glib/gi18n.h>

#include "ld-alerts.h"

/* The query language arrives with the filter; until it is in the tree,
 * rules compile to an error and never fire. */
#if defined(__has_include)
# if __has_include ("ld-query.h")
#  include "ld-query.h"
#  define HAVE_LD_QUERY 1
# endif
#endif

/* Alert rules: a filter-bar query and a minimum interval. Each record the
 * store appends is checked against every enabled rule that is not resting;
 * a match fires the rule, which then rests for its interval. The interval
 * is measured on the monotonic clock when records arrive, not by the
 * records' own times: it limits how often the user is interrupted, and a
 * sender's clock must not be able to change that.
 *
 * Time terms in a rule's query (since:10m) are fixed when the rule is
 * compiled, as for any query; a rule with such a term is of little use. */

struct _LdAlertRule
{
  GObject   parent_instance;

  char     *text;
  guint     interval;
  gboolean  enabled;
#ifdef HAVE_LD_QUERY
  LdQuery  *query;
#endif
  GError   *error;
  guint64   n_fired;
  gint64    last_fired;   /* monotonic µs, 0 for never */
};

enum {
  RULE_PROP_0,
  RULE_PROP_QUERY,
  RULE_PROP_INTERVAL,
  RULE_PROP_ENABLED,
  N_RULE_PROPS
};

static GParamSpec *rule_properties[N_RULE_PROPS];

G_DEFINE_FINAL_TYPE (LdAlertRule, ld_alert_rule, G_TYPE_OBJECT)

static void
compile (LdAlertRule *self)
{
  g_autofree char *stripped = g_strstrip (g_strdup (self->text != NULL ? self->text : ""));

#ifdef HAVE_LD_QUERY
  g_clear_pointer (&self->query, ld_query_unref);
#endif
  g_clear_error (&self->error);

  if (*stripped == '\0')
    {
      /* A rule that matches every record would make every record an alert. */
      g_set_error_literal (&self->error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("An alert rule needs a query"));
      return;
    }

#ifdef HAVE_LD_QUERY
  self->query = ld_query_parse (self->text, g_get_real_time (), &self->error);
#else
  g_set_error_literal (&self->error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       _("This build cannot read queries"));
#endif
}

static void
ld_alert_rule_finalize (GObject *object)
{
  LdAlertRule *self = LD_ALERT_RULE (object);

  g_free (self->text);
#ifdef HAVE_LD_QUERY
  g_clear_pointer (&self->query, ld_query_unref);
#endif
  g_clear_error (&self->error);

  G_OBJECT_CLASS (ld_alert_rule_parent_class)->finalize (object);
}

static void
ld_alert_rule_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  LdAlertRule *self = LD_ALERT_RULE (object);

  switch (prop_id)
    {
    case RULE_PROP_QUERY:
      g_value_set_string (value, self->text);
      break;

    case RULE_PROP_INTERVAL:
      g_value_set_uint (value, self->interval);
      break;

    case RULE_PROP_ENABLED:
      g_value_set_boolean (value, self->enabled);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ld_alert_rule_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  LdAlertRule *self = LD_ALERT_RULE (object);

  switch (prop_id)
    {
    case RULE_PROP_QUERY:
      ld_alert_rule_set_query (self, g_value_get_string (value));
      break;

    case RULE_PROP_INTERVAL:
      ld_alert_rule_set_interval (self, g_value_get_uint (value));
      break;

    case RULE_PROP_ENABLED:
      ld_alert_rule_set_enabled (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ld_alert_rule_class_init (LdAlertRuleClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = ld_alert_rule_finalize;
  object_class->get_property = ld_alert_rule_get_property;
  object_class->set_property = ld_alert_rule_set_property;

  rule_properties[RULE_PROP_QUERY] = g_param_spec_string ("query", NULL, NULL, "", flags);
  rule_properties[RULE_PROP_INTERVAL] =
    g_param_spec_uint ("interval", NULL, NULL, 1, G_MAXUINT32, LD_ALERT_DEFAULT_INTERVAL, flags);
  rule_properties[RULE_PROP_ENABLED] = g_param_spec_boolean ("enabled", NULL, NULL, TRUE, flags);

  g_object_class_install_properties (object_class, N_RULE_PROPS, rule_properties);
}

static void
ld_alert_rule_init (LdAlertRule *self)
{
  self->interval = LD_ALERT_DEFAULT_INTERVAL;
  self->enabled = TRUE;
}

/**
 * ld_alert_rule_new:
 * @query: a filter-bar query, such as "level>=ERROR" or "logger:payments timeout"
 * @interval: the least seconds between two alerts of the rule (at least 1)
 * @enabled: whether the rule fires
 *
 * Returns: (transfer full): a rule; see ld_alert_rule_get_error() for
 *   whether @query could be read
 */
LdAlertRule *
ld_alert_rule_new (const char *query,
                   guint       interval,
                   gboolean    enabled)
{
  LdAlertRule *self = g_object_new (LD_TYPE_ALERT_RULE, NULL);

  self->text = g_strdup (query != NULL ? query : "");
  self->interval = MAX (interval, 1);
  self->enabled = !!enabled;
  compile (self);

  return self;
}

const char *
ld_alert_rule_get_query (LdAlertRule *self)
{
  g_return_val_if_fail (LD_IS_ALERT_RULE (self), NULL);

  return self->text;
}

/**
 * ld_alert_rule_set_query:
 * @self: a rule
 * @query: a filter-bar query
 *
 * Compiles @query; a rule whose query cannot be read does not fire.
 */
void
ld_alert_rule_set_query (LdAlertRule *self,
                         const char  *query)
{
  g_return_if_fail (LD_IS_ALERT_RULE (self));

  if (g_strcmp0 (self->text, query) == 0)
    return;

  g_free (self->text);
  self->text = g_strdup (query != NULL ? query : "");
  compile (self);
  g_object_notify_by_pspec (G_OBJECT (self), rule_properties[RULE_PROP_QUERY]);
}

guint
ld_alert_rule_get_interval (LdAlertRule *self)
{
  g_return_val_if_fail (LD_IS_ALERT_RULE (self), 0);

  return self->interval;
}

void
ld_alert_rule_set_interval (LdAlertRule *self,
                            guint        interval)
{
  g_return_if_fail (LD_IS_ALERT_RULE (self));

  interval = MAX (interval, 1);
  if (self->interval == interval)
    return;

  self->interval = interval;
  g_object_notify_by_pspec (G_OBJECT (self), rule_properties[RULE_PROP_INTERVAL]);
}

gboolean
ld_alert_rule_get_enabled (LdAlertRule *self)
{
  g_return_val_if_fail (LD_IS_ALERT_RULE (self), FALSE);

  return self->enabled;
}

void
ld_alert_rule_set_enabled (LdAlertRule *self,
                           gboolean     enabled)
{
  g_return_if_fail (LD_IS_ALERT_RULE (self));

  enabled = !!enabled;
  if (self->enabled == enabled)
    return;

  self->enabled = enabled;
  g_object_notify_by_pspec (G_OBJECT (self), rule_properties[RULE_PROP_ENABLED]);
}

/**
 * ld_alert_rule_get_error:
 * @self: a rule
 *
 * Returns: (nullable): why the rule's query cannot be read, to show in the
 *   preferences; %NULL if it can
 */
const GError *
ld_alert_rule_get_error (LdAlertRule *self)
{
  g_return_val_if_fail (LD_IS_ALERT_RULE (self), NULL);

  return self->error;
}

/**
 * ld_alert_rule_matches:
 * @self: a rule
 * @record: a record
 *
 * Returns: whether @record matches the rule's query, enabled or not
 */
gboolean
ld_alert_rule_matches (LdAlertRule    *self,
                       const LdRecord *record)
{
  g_return_val_if_fail (LD_IS_ALERT_RULE (self), FALSE);
  g_return_val_if_fail (record != NULL, FALSE);

#ifdef HAVE_LD_QUERY
  return self->query != NULL && ld_query_matches (self->query, record);
#else
  return FALSE;
#endif
}

guint64
ld_alert_rule_get_n_fired (LdAlertRule *self)
{
  g_return_val_if_fail (LD_IS_ALERT_RULE (self), 0);

  return self->n_fired;
}

/**
 * ld_alert_rule_get_last_fired:
 * @self: a rule
 *
 * Returns: when the rule last fired, on the monotonic clock, or 0
 */
gint64
ld_alert_rule_get_last_fired (LdAlertRule *self)
{
  g_return_val_if_fail (LD_IS_ALERT_RULE (self), 0);

  return self->last_fired;
}

static gboolean
rule_is_ready (LdAlertRule *self,
               gint64       now_us)
{
  return self->enabled && self->error == NULL
         && (self->n_fired == 0 || now_us - self->last_fired >= self->interval * G_USEC_PER_SEC);
}

/* LdAlerts: the rules, as a list model for the preferences */

typedef struct
{
  LdAlertRule *rule;
  guint64      seq;
} Firing;

struct _LdAlerts
{
  GObject    parent_instance;

  GPtrArray *rules;
  LdStore   *store;
  gulong     items_changed_id;
  GArray    *firings;   /* Firing: found while checking a batch, emitted after */
};

enum {
  FIRED,
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LdAlerts, ld_alerts, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GType
ld_alerts_get_item_type (GListModel *model)
{
  return LD_TYPE_ALERT_RULE;
}

static guint
ld_alerts_get_n_items (GListModel *model)
{
  return LD_ALERTS (model)->rules->len;
}

static gpointer
ld_alerts_get_item (GListModel *model,
                    guint       position)
{
  LdAlerts *self = LD_ALERTS (model);

  if (position >= self->rules->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->rules, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = ld_alerts_get_item_type;
  iface->get_n_items = ld_alerts_get_n_items;
  iface->get_item = ld_alerts_get_item;
}

static gboolean
any_ready (LdAlerts *self,
           gint64    now_us)
{
  for (guint i = 0; i < self->rules->len; i++)
    if (rule_is_ready (g_ptr_array_index (self->rules, i), now_us))
      return TRUE;

  return FALSE;
}

/* Checks a record, remembering what fired; returns how many rules did. */
static guint
check_record (LdAlerts       *self,
              const LdRecord *record,
              guint64         seq,
              gint64          now_us)
{
  guint n_fired = 0;

  for (guint i = 0; i < self->rules->len; i++)
    {
      LdAlertRule *rule = g_ptr_array_index (self->rules, i);
      Firing firing;

      if (!rule_is_ready (rule, now_us) || !ld_alert_rule_matches (rule, record))
        continue;

      rule->n_fired++;
      rule->last_fired = now_us;
      firing.rule = g_object_ref (rule);
      firing.seq = seq;
      g_array_append_val (self->firings, firing);
      n_fired++;
    }

  return n_fired;
}

/* Emitted once checking is over, so that a handler may change the store. */
static void
emit_firings (LdAlerts *self)
{
  g_autoptr(GArray) firings = g_steal_pointer (&self->firings);

  self->firings = g_array_new (FALSE, FALSE, sizeof (Firing));
  for (guint i = 0; i < firings->len; i++)
    {
      Firing *firing = &g_array_index (firings, Firing, i);

      g_signal_emit (self, signals[FIRED], 0, firing->rule, firing->seq);
      g_object_unref (firing->rule);
    }
}

/* While every rule rests, a batch costs one look at the rules. */
static void
on_items_changed (LdAlerts   *self,
                  guint       position,
                  guint       removed,
                  guint       added,
                  GListModel *store)
{
  gint64 now = g_get_monotonic_time ();
  guint64 first_seq = ld_store_get_first_seq (self->store);
  gboolean ready = any_ready (self, now);

  for (guint i = position; ready && i < position + added; i++)
    if (check_record (self, ld_store_get_record (self->store, i), first_seq + i, now) > 0)
      ready = any_ready (self, now);

  emit_firings (self);
}

static void
on_rule_notify (LdAlerts *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
ld_alerts_dispose (GObject *object)
{
  LdAlerts *self = LD_ALERTS (object);

  ld_alerts_detach (self);
  for (guint i = 0; i < self->rules->len; i++)
    g_signal_handlers_disconnect_by_func (g_ptr_array_index (self->rules, i), on_rule_notify,
                                          self);
  g_ptr_array_set_size (self->rules, 0);

  G_OBJECT_CLASS (ld_alerts_parent_class)->dispose (object);
}

static void
ld_alerts_finalize (GObject *object)
{
  LdAlerts *self = LD_ALERTS (object);

  g_ptr_array_unref (self->rules);
  g_array_unref (self->firings);

  G_OBJECT_CLASS (ld_alerts_parent_class)->finalize (object);
}

static void
ld_alerts_class_init (LdAlertsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ld_alerts_dispose;
  object_class->finalize = ld_alerts_finalize;

  /**
   * LdAlerts::fired:
   * @rule: the rule
   * @seq: the sequence number of the record that matched
   *
   * A rule matched a record, at most once per its interval.
   */
  signals[FIRED] = g_signal_new ("fired", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                 NULL, NULL, NULL, G_TYPE_NONE, 2, LD_TYPE_ALERT_RULE,
                                 G_TYPE_UINT64);

  /**
   * LdAlerts::changed:
   *
   * Rules were added or removed, or a rule's query, interval or enabled
   * state changed: the time to save them. Loading does not emit it.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ld_alerts_init (LdAlerts *self)
{
  self->rules = g_ptr_array_new_with_free_func (g_object_unref);
  self->firings = g_array_new (FALSE, FALSE, sizeof (Firing));
}

LdAlerts *
ld_alerts_new (void)
{
  return g_object_new (LD_TYPE_ALERTS, NULL);
}

static void
take_rule (LdAlerts    *self,
           LdAlertRule *rule)
{
  g_signal_connect_swapped (rule, "notify", G_CALLBACK (on_rule_notify), self);
  g_ptr_array_add (self->rules, rule);
}

/**
 * ld_alerts_append:
 * @self: alerts
 * @rule: a rule to add
 */
void
ld_alerts_append (LdAlerts    *self,
                  LdAlertRule *rule)
{
  g_return_if_fail (LD_IS_ALERTS (self));
  g_return_if_fail (LD_IS_ALERT_RULE (rule));

  take_rule (self, g_object_ref (rule));
  g_list_model_items_changed (G_LIST_MODEL (self), self->rules->len - 1, 0, 1);
  g_signal_emit (self, signals[CHANGED], 0);
}

void
ld_alerts_remove (LdAlerts *self,
                  guint     position)
{
  g_return_if_fail (LD_IS_ALERTS (self));
  g_return_if_fail (position < self->rules->len);

  g_signal_handlers_disconnect_by_func (g_ptr_array_index (self->rules, position),
                                        on_rule_notify, self);
  g_ptr_array_remove_index (self->rules, position);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
  g_signal_emit (self, signals[CHANGED], 0);
}

static guint
drop_rules (LdAlerts *self)
{
  guint n = self->rules->len;

  for (guint i = 0; i < n; i++)
    g_signal_handlers_disconnect_by_func (g_ptr_array_index (self->rules, i), on_rule_notify,
                                          self);
  g_ptr_array_set_size (self->rules, 0);

  return n;
}

void
ld_alerts_remove_all (LdAlerts *self)
{
  guint n;

  g_return_if_fail (LD_IS_ALERTS (self));

  n = drop_rules (self);
  if (n > 0)
    {
      g_list_model_items_changed (G_LIST_MODEL (self), 0, n, 0);
      g_signal_emit (self, signals[CHANGED], 0);
    }
}

/**
 * ld_alerts_to_variant:
 * @self: alerts
 *
 * Returns: (transfer floating): the rules as %LD_ALERTS_VARIANT_TYPE, for
 *   GSettings
 */
GVariant *
ld_alerts_to_variant (LdAlerts *self)
{
  GVariantBuilder builder;

  g_return_val_if_fail (LD_IS_ALERTS (self), NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE (LD_ALERTS_VARIANT_TYPE));
  for (guint i = 0; i < self->rules->len; i++)
    {
      LdAlertRule *rule = g_ptr_array_index (self->rules, i);

      g_variant_builder_add (&builder, "(sub)", rule->text, rule->interval, rule->enabled);
    }

  return g_variant_builder_end (&builder);
}

/**
 * ld_alerts_load_variant:
 * @self: alerts
 * @rules: rules as %LD_ALERTS_VARIANT_TYPE, as GSettings gives them
 *
 * Replaces every rule, in one ::items-changed and without ::changed (so
 * that saving on ::changed does not write back what was just read).
 *
 * Returns: %FALSE if @rules is not of the right type; nothing changes then
 */
gboolean
ld_alerts_load_variant (LdAlerts *self,
                        GVariant *rules)
{
  GVariantIter iter;
  const char *query;
  guint32 interval;
  gboolean enabled;
  guint n_old;

  g_return_val_if_fail (LD_IS_ALERTS (self), FALSE);
  g_return_val_if_fail (rules != NULL, FALSE);

  if (!g_variant_is_of_type (rules, G_VARIANT_TYPE (LD_ALERTS_VARIANT_TYPE)))
    return FALSE;

  n_old = drop_rules (self);
  g_variant_iter_init (&iter, rules);
  while (g_variant_iter_next (&iter, "(&sub)", &query, &interval, &enabled))
    take_rule (self, ld_alert_rule_new (query, interval, enabled));

  if (n_old > 0 || self->rules->len > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, n_old, self->rules->len);

  return TRUE;
}

/**
 * ld_alerts_attach_store:
 * @self: alerts
 * @store: the store whose appended records are checked
 */
void
ld_alerts_attach_store (LdAlerts *self,
                        LdStore  *store)
{
  g_return_if_fail (LD_IS_ALERTS (self));
  g_return_if_fail (LD_IS_STORE (store));

  ld_alerts_detach (self);
  self->store = g_object_ref (store);
  self->items_changed_id = g_signal_connect_swapped (store, "items-changed",
                                                     G_CALLBACK (on_items_changed), self);
}

void
ld_alerts_detach (LdAlerts *self)
{
  g_return_if_fail (LD_IS_ALERTS (self));

  if (self->store == NULL)
    return;

  g_clear_signal_handler (&self->items_changed_id, self->store);
  g_clear_object (&self->store);
}

/**
 * ld_alerts_check_record:
 * @self: alerts
 * @record: a record
 * @seq: its sequence number, passed on to ::fired
 * @now_us: the monotonic time the record is checked at
 *
 * Fires every ready rule that @record matches. The attached store does this
 * for each record it appends; tests and benchmarks call it directly.
 *
 * Returns: how many rules fired
 */
guint
ld_alerts_check_record (LdAlerts       *self,
                        const LdRecord *record,
                        guint64         seq,
                        gint64          now_us)
{
  guint n_fired;

  g_return_val_if_fail (LD_IS_ALERTS (self), 0);
  g_return_val_if_fail (record != NULL, 0);

  n_fired = check_record (self, record, seq, now_us);
  emit_firings (self);

  return n_fired;
}
