// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.demo"

#include "config.h"

#include <execinfo.h>
#include <glib/gi18n.h>

#include "ld-demo.h"
#include "ld-level.h"
#include "ld-log-writer.h"

/* The logging cookbook's Qt demo, in GLib: a worker thread logs numbered
 * messages at random levels after random delays, the UI thread logs on
 * request, and both reach the table through the same log writer. */

#define MAX_FRAMES 32

struct _LdDemo
{
  GObject  parent_instance;

  GThread *worker;
  GMutex   lock;
  GCond    cond;
  gboolean stopping;
  guint    min_delay_ms;
  guint    max_delay_ms;
  guint    n_logged;     /* atomic */
};

enum {
  PROP_0,
  PROP_RUNNING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (LdDemo, ld_demo, G_TYPE_OBJECT)

static GQuark ld_demo_error_quark (void);
G_DEFINE_QUARK (logdeck-demo-error-quark, ld_demo_error)

static const int demo_levels[] = {
  LD_LEVEL_DEBUG, LD_LEVEL_INFO, LD_LEVEL_WARNING, LD_LEVEL_ERROR, LD_LEVEL_CRITICAL,
};

static int
random_level (void)
{
  return demo_levels[g_random_int_range (0, G_N_ELEMENTS (demo_levels))];
}

/* A real stack of the thread that failed, as glibc sees it. */
static char *
format_failure (const GError *error)
{
  void *frames[MAX_FRAMES];
  int n_frames = backtrace (frames, MAX_FRAMES);
  g_autofree char **symbols = backtrace_symbols (frames, n_frames);
  GString *text = g_string_new ("Stack (most recent call first):\n");

  for (int i = 0; i < n_frames && symbols != NULL; i++)
    g_string_append_printf (text, "  #%d %s\n", i, symbols[i]);
  g_string_append_printf (text, "GError: %s (%s, %d)", error->message,
                          g_quark_to_string (error->domain), error->code);

  return g_string_free (text, FALSE);
}

static gboolean
run_job (guint     number,
         GError  **error)
{
  /* About one job in ten fails, so the demo shows tracebacks too. */
  if (g_random_int_range (0, 10) == 0)
    {
      g_set_error (error, ld_demo_error_quark (), 1,
                   "Job %u failed: the simulated backend timed out", number);
      return FALSE;
    }

  return TRUE;
}

static void
log_job (LdDemo *self,
         guint   number,
         double  delay)
{
  g_autoptr(GError) error = NULL;

  if (!run_job (number, &error))
    {
      g_autofree char *failure = format_failure (error);

      LD_LOG_AT_LEVEL (LD_LEVEL_ERROR, failure, "Job %u raised an error after %.1f s",
                       number, delay);
    }
  else
    LD_LOG_AT_LEVEL (random_level (), NULL, "Message after delay of %3.1f: %u", delay, number);

  g_atomic_int_inc (&self->n_logged);
}

static gpointer
worker_main (gpointer data)
{
  LdDemo *self = data;
  guint number = 0;

  g_mutex_lock (&self->lock);
  while (!self->stopping)
    {
      guint delay_ms = g_random_int_range (self->min_delay_ms, self->max_delay_ms + 1);
      gint64 deadline = g_get_monotonic_time () + delay_ms * G_TIME_SPAN_MILLISECOND;

      while (!self->stopping && g_cond_wait_until (&self->cond, &self->lock, deadline))
        ;
      if (self->stopping)
        break;

      g_mutex_unlock (&self->lock);
      log_job (self, ++number, delay_ms / 1000.0);
      g_mutex_lock (&self->lock);
    }
  g_mutex_unlock (&self->lock);

  return NULL;
}

static void
ld_demo_dispose (GObject *object)
{
  ld_demo_stop (LD_DEMO (object));

  G_OBJECT_CLASS (ld_demo_parent_class)->dispose (object);
}

static void
ld_demo_finalize (GObject *object)
{
  LdDemo *self = LD_DEMO (object);

  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (ld_demo_parent_class)->finalize (object);
}

static void
ld_demo_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_RUNNING:
      g_value_set_boolean (value, ld_demo_get_running (LD_DEMO (object)));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ld_demo_class_init (LdDemoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ld_demo_dispose;
  object_class->finalize = ld_demo_finalize;
  object_class->get_property = ld_demo_get_property;

  /**
   * LdDemo:running:
   *
   * Whether the worker thread runs, notified on the UI thread when it
   * starts and stops. What offers the demo binds to it (inverted) so that
   * it does not offer a demo that is already running; the application's
   * "demo-start" action state follows it too.
   */
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ld_demo_init (LdDemo *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->min_delay_ms = 500;
  self->max_delay_ms = 2500;
}

LdDemo *
ld_demo_new (void)
{
  return g_object_new (LD_TYPE_DEMO, NULL);
}

/**
 * ld_demo_start:
 * @self: a demo
 *
 * Starts the worker thread, named "Worker" as in the cookbook.
 */
void
ld_demo_start (LdDemo *self)
{
  g_return_if_fail (LD_IS_DEMO (self));

  if (self->worker != NULL)
    return;

  self->stopping = FALSE;
  self->worker = g_thread_new ("Worker", worker_main, self);
  g_message (_("Background work started"));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

/**
 * ld_demo_stop:
 * @self: a demo
 *
 * Stops the worker and waits for it: it is woken from its delay at once.
 */
void
ld_demo_stop (LdDemo *self)
{
  g_return_if_fail (LD_IS_DEMO (self));

  if (self->worker == NULL)
    return;

  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  g_clear_pointer (&self->worker, g_thread_join);
  g_message (_("Background work stopped"));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

gboolean
ld_demo_get_running (LdDemo *self)
{
  g_return_val_if_fail (LD_IS_DEMO (self), FALSE);

  return self->worker != NULL;
}

guint
ld_demo_get_n_logged (LdDemo *self)
{
  g_return_val_if_fail (LD_IS_DEMO (self), 0);

  return g_atomic_int_get (&self->n_logged);
}

/**
 * ld_demo_log_random:
 * @self: a demo
 *
 * Logs one message at a random level from the calling (UI) thread.
 */
void
ld_demo_log_random (LdDemo *self)
{
  int level = random_level ();
  g_autofree char *name = ld_level_display_name (level);

  g_return_if_fail (LD_IS_DEMO (self));

  LD_LOG_AT_LEVEL (level, NULL, "Manually logged at %s", name);
  g_atomic_int_inc (&self->n_logged);
}

/**
 * ld_demo_set_delay_range:
 * @self: a demo
 *
 * Sets the worker's random delay between two messages; tests shorten it.
 */
void
ld_demo_set_delay_range (LdDemo *self,
                         guint   min_ms,
                         guint   max_ms)
{
  g_return_if_fail (LD_IS_DEMO (self));
  g_return_if_fail (min_ms <= max_ms);

  g_mutex_lock (&self->lock);
  self->min_delay_ms = min_ms;
  self->max_delay_ms = max_ms;
  g_mutex_unlock (&self->lock);
}
