// SPDX-License-Identifier: GPL-3.0-or-later
/* bench/filter: how fast the filter model re-filters a million records, by
 * substring, regex, level toggle and logger toggle, and what it costs per
 * arriving record; and, for scale, grep and lnav on the same messages
 * exported to a file. Prints figures; asserts none. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "ld-filter-model.h"
#include "ld-store.h"

#define N_RECORDS 1000000
#define BATCH_SIZE 4096
#define N_RUNS 5
#define NOW G_GINT64_CONSTANT (1795176000000000)

#define SUBSTRING "timeout"
#define REGEX "timeout after \\d+ ?ms"
#define REGEX_NO_LITERAL "\\b\\d{5,}\\b"
#define GREP_REGEX "timeout after [0-9]+ ?ms"
#define GREP_REGEX_NO_LITERAL "\\b[0-9]{5,}\\b"
#define INCREMENTAL_QUERY "timeout level>=INFO logger:acme -thread=Worker-3"

typedef struct
{
  const char *logger;
  guint       weight;
  const char *templates[3];   /* %u: a number, %s: an address */
} Source;

static const Source sources[] = {
  { "acme.api", 30, { "GET /api/v1/items/%u completed in %u ms",
                      "POST /api/v1/orders from %s took %u ms",
                      "request %u: upstream timeout after %u ms" } },
  { "acme.api.auth", 10, { "login ok for user-%u from %s", "login failed for user-%u from %s",
                           "token refreshed for user-%u in %u ms" } },
  { "acme.db", 20, { "query took %u ms: SELECT * FROM orders WHERE id=%u",
                     "deadlock detected, retrying (attempt %u of %u)",
                     "connection pool exhausted after %u ms, %u waiting" } },
  { "acme.worker", 15, { "job %u finished in %u ms", "job %u failed: timeout after %u ms",
                         "queue depth %u, %u workers busy" } },
  { "websockets.server", 10, { "connection open from %s",
                               "< TEXT '{\"type\":\"ping\",\"id\":%u}' [%u bytes]",
                               "connection closed %u (OK) after %u s" } },
  { "websockets.client", 5, { "> TEXT '{\"type\":\"pong\",\"id\":%u}' [%u bytes]",
                              "sending keepalive ping %u", "< PONG '' [%u bytes]" } },
  { "urllib3.connectionpool", 5, { "Starting new HTTPS connection (%u): api.example.com:443",
                                   "Retrying (Retry(total=%u)) after ReadTimeoutError %u",
                                   "https://api.example.com:443 \"GET /v2/%u HTTP/1.1\" 200" } },
  { "root", 5, { "heartbeat %u", "config reloaded (%u keys)", "memory %u MiB" } },
};

static const int levels[] = { 10, 10, 10, 20, 20, 20, 20, 20, 30, 30, 40, 50 };
static const char *level_names[] = { "DEBUG", "DEBUG", "DEBUG", "INFO", "INFO", "INFO", "INFO",
                                     "INFO", "WARNING", "WARNING", "ERROR", "CRITICAL" };
static const char *threads[] = { "MainThread", "Worker-1", "Worker-2", "Worker-3", "Worker-4",
                                 "Worker-5", "Worker-6", "Worker-7", "Worker-8" };
static const char *statuses[] = { "200", "200", "200", "201", "304", "404", "500" };

static guint32 rng_state = 2463534242u;

static guint32
next_random (void)
{
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 17;
  rng_state ^= rng_state << 5;
  return rng_state;
}

static const Source *
pick_source (void)
{
  guint roll = next_random () % 100;

  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    {
      if (roll < sources[i].weight)
        return &sources[i];
      roll -= sources[i].weight;
    }

  return &sources[0];
}

/* Most records take the first template, a few the third (the timeouts). */
static void
write_message (const Source *source,
               char         *message,
               gsize         size)
{
  guint roll = next_random () % 100;
  const char *template = source->templates[roll < 70 ? 0 : roll < 93 ? 1 : 2];
  char address[32];

  const char *s = strstr (template, "%s"), *u = strstr (template, "%u");
  guint a = next_random () % 100000, b = next_random () % 5000;

  g_snprintf (address, sizeof address, "10.0.%u.%u:%u", next_random () % 8,
              next_random () % 250, 40000 + next_random () % 20000);
  if (s == NULL)
    g_snprintf (message, size, template, a, b);
  else if (u == NULL || s < u)
    g_snprintf (message, size, template, address, a);
  else
    g_snprintf (message, size, template, a, address);
}

static void
add_record (LdBatch *batch,
            guint    i,
            GString *export)
{
  const Source *source = pick_source ();
  guint level = next_random () % G_N_ELEMENTS (levels);
  char message[160], user[24], ip[24];
  LdRecordFields fields = {
    .time_us = NOW + i * 1000, .level = levels[level], .level_name = level_names[level],
    .logger = source->logger, .thread = threads[next_random () % G_N_ELEMENTS (threads)],
    .thread_id = 140000000 + i % 9, .process = 4242, .process_name = "MainProcess",
    .file = "/srv/acme/app.py", .line = 100 + i % 50, .function = "handle",
    .connection = "tcp-1", .peer = "127.0.0.1:50000", .protocol = "tcp-pickle",
    .message = message,
  };

  write_message (source, message, sizeof message);
  ld_batch_add (batch, &fields);
  g_snprintf (user, sizeof user, "user-%u", next_random () % 5000);
  g_snprintf (ip, sizeof ip, "10.1.%u.%u", next_random () % 200, next_random () % 250);
  ld_batch_add_extra (batch, "user", -1, LD_VALUE_STRING, user, -1);
  ld_batch_add_extra (batch, "ip", -1, LD_VALUE_STRING, ip, -1);
  ld_batch_add_extra (batch, "status", -1, LD_VALUE_NUMBER,
                      statuses[next_random () % G_N_ELEMENTS (statuses)], -1);

  g_string_append (export, message);
  g_string_append_c (export, '\n');
}

static GPtrArray *
make_batches (GString *export)
{
  GPtrArray *batches = g_ptr_array_new_with_free_func ((GDestroyNotify) ld_batch_free);
  LdBatch *batch = NULL;

  for (guint i = 0; i < N_RECORDS; i++)
    {
      if (batch == NULL)
        batch = ld_batch_new ();
      add_record (batch, i, export);
      if (ld_batch_get_length (batch) == BATCH_SIZE)
        g_ptr_array_add (batches, g_steal_pointer (&batch));
    }
  if (batch != NULL)
    g_ptr_array_add (batches, batch);

  return batches;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
median (double *values,
        guint   n)
{
  qsort (values, n, sizeof values[0], compare_doubles);
  return values[n / 2];
}

static double
ms_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1000.0;
}

/* This machine may be shared, so CPU time of this thread is printed beside
 * wall time: it leaves out the time other processes had the core. */
typedef struct
{
  gint64 wall;
  gint64 cpu;
} Stopwatch;

static gint64
thread_cpu_us (void)
{
  struct timespec now;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now);
  return now.tv_sec * G_USEC_PER_SEC + now.tv_nsec / 1000;
}

static Stopwatch
stopwatch_start (void)
{
  return (Stopwatch) { g_get_monotonic_time (), thread_cpu_us () };
}

static void
stopwatch_stop (const Stopwatch *start,
                double          *wall_ms,
                double          *cpu_ms)
{
  *wall_ms = (g_get_monotonic_time () - start->wall) / 1000.0;
  *cpu_ms = (thread_cpu_us () - start->cpu) / 1000.0;
}

typedef struct
{
  double wall[2 * N_RUNS];
  double cpu[2 * N_RUNS];
  guint  n;
} Timings;

static void
timings_add (Timings         *timings,
             const Stopwatch *start)
{
  stopwatch_stop (start, &timings->wall[timings->n], &timings->cpu[timings->n]);
  timings->n++;
}

static char *
timings_format (Timings *timings)
{
  double wall = median (timings->wall, timings->n), cpu = median (timings->cpu, timings->n);

  return g_strdup_printf ("%7.2f ms (cpu %6.2f ms)", wall, cpu);
}

/* Per-record cost: the time spent in the filter's own ::items-changed
 * handler, measured by handlers connected just before and just after it. */
typedef struct
{
  gint64 started;
  gint64 started_cpu;
  gint64 total;
  gint64 total_cpu;
} HandlerClock;

static gint64 thread_cpu_us (void);

static void
clock_start (GListModel *store, guint p, guint r, guint a, HandlerClock *clock)
{
  clock->started = g_get_monotonic_time ();
  clock->started_cpu = thread_cpu_us ();
}

static void
clock_stop (GListModel *store, guint p, guint r, guint a, HandlerClock *clock)
{
  clock->total += g_get_monotonic_time () - clock->started;
  clock->total_cpu += thread_cpu_us () - clock->started_cpu;
}

static double
incremental_cost (GPtrArray  *batches,
                  const char *text,
                  guint      *n_matches,
                  double     *cpu_ns)
{
  double costs[N_RUNS], cpu_costs[N_RUNS];

  for (guint run = 0; run < N_RUNS; run++)
    {
      g_autoptr(LdStore) store = ld_store_new (N_RECORDS);
      g_autoptr(LdFilterModel) model = NULL;
      g_autoptr(LdQuery) query = text != NULL ? ld_query_parse (text, NOW, NULL) : NULL;
      HandlerClock clock = { 0 };

      g_signal_connect (store, "items-changed", G_CALLBACK (clock_start), &clock);
      model = ld_filter_model_new (store);
      g_signal_connect (store, "items-changed", G_CALLBACK (clock_stop), &clock);
      ld_filter_model_set_query (model, query);

      for (guint i = 0; i < batches->len; i++)
        ld_store_append_batch (store, batches->pdata[i]);

      costs[run] = clock.total * 1000.0 / N_RECORDS;
      cpu_costs[run] = clock.total_cpu * 1000.0 / N_RECORDS;
      *n_matches = ld_filter_model_get_n_matches (model);
    }

  *cpu_ns = median (cpu_costs, N_RUNS);
  return median (costs, N_RUNS);
}

static LdStore *
full_store (GPtrArray *batches)
{
  LdStore *store = ld_store_new (N_RECORDS);

  for (guint i = 0; i < batches->len; i++)
    ld_store_append_batch (store, batches->pdata[i]);

  return store;
}

/* A re-filter by a new query, all at once (the model not incremental). */
static char *
refilter_query (LdFilterModel *model,
                const char    *text,
                guint         *n_matches)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LdQuery) query = ld_query_parse (text, NOW, &error);
  Timings timings = { 0 };

  g_assert_no_error (error);
  ld_filter_model_set_incremental (model, FALSE);
  for (guint run = 0; run < N_RUNS; run++)
    {
      Stopwatch start;

      ld_filter_model_set_query (model, NULL);
      start = stopwatch_start ();
      ld_filter_model_set_query (model, query);
      timings_add (&timings, &start);
    }
  *n_matches = ld_filter_model_get_n_matches (model);

  return timings_format (&timings);
}

/* The same, incremental as in the window: the first slice before
 * set_query() returns, the rest on idle. */
static void
refilter_incremental (LdFilterModel *model,
                      const char    *text,
                      double        *first_ms,
                      double        *total_ms)
{
  g_autoptr(LdQuery) query = ld_query_parse (text, NOW, NULL);
  double firsts[N_RUNS], totals[N_RUNS];

  ld_filter_model_set_incremental (model, TRUE);
  for (guint run = 0; run < N_RUNS; run++)
    {
      gint64 start;

      ld_filter_model_set_query (model, NULL);
      start = g_get_monotonic_time ();
      ld_filter_model_set_query (model, query);
      firsts[run] = ms_since (start);
      while (ld_filter_model_get_pending (model) > 0)
        g_main_context_iteration (NULL, TRUE);
      totals[run] = ms_since (start);
    }

  *first_ms = median (firsts, N_RUNS);
  *total_ms = median (totals, N_RUNS);
}

static char *
level_toggle (LdFilterModel *model)
{
  static const int debug[] = { 10 };
  Timings timings = { 0 };

  for (guint run = 0; run < 2 * N_RUNS; run++)
    {
      Stopwatch start = stopwatch_start ();

      ld_filter_model_set_hidden_levels (model, debug, run % 2 == 0 ? 1 : 0);
      timings_add (&timings, &start);
    }

  return timings_format (&timings);
}

static char *
logger_toggle (LdFilterModel *model)
{
  static const char *websockets[] = { "websockets", NULL };
  Timings timings = { 0 };

  for (guint run = 0; run < 2 * N_RUNS; run++)
    {
      Stopwatch start = stopwatch_start ();

      ld_filter_model_set_excluded_loggers (model, run % 2 == 0 ? websockets : NULL);
      timings_add (&timings, &start);
    }

  return timings_format (&timings);
}

/* Runs a command N times; returns the median wall time and the number of
 * lines its output had (or, with @count_output FALSE, the number it printed). */
static double
time_command (const char * const *argv,
              gboolean            count_output,
              guint               runs,
              long               *count)
{
  double times[N_RUNS];

  for (guint run = 0; run < runs; run++)
    {
      g_autofree char *out = NULL;
      g_autoptr(GError) error = NULL;
      gint64 start = g_get_monotonic_time ();

      GSpawnFlags flags = G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL;

      if (!g_spawn_sync (NULL, (char **) argv, NULL, flags, NULL, NULL, &out, NULL, NULL, &error))
        g_error ("%s: %s", argv[0], error->message);
      times[run] = ms_since (start);

      *count = 0;
      if (!count_output)
        *count = strtol (out, NULL, 10);
      else
        for (const char *p = out; *p != '\0'; p++)
          *count += *p == '\n';
    }

  return median (times, runs);
}

static void
compare_with_tools (const char *path)
{
  const char *grep_substring[] = { "grep", "-c", "-i", "-F", SUBSTRING, path, NULL };
  const char *grep_regex[] = { "grep", "-c", "-i", "-E", GREP_REGEX, path, NULL };
  const char *grep_no_literal[] = { "grep", "-c", "-E", GREP_REGEX_NO_LITERAL, path, NULL };
  const char *lnav_substring[] = { "lnav", "-n", "-c", ":filter-in " SUBSTRING, path, NULL };
  const char *lnav_regex[] = { "lnav", "-n", "-c", ":filter-in " GREP_REGEX, path, NULL };
  g_autofree char *lnav = g_find_program_in_path ("lnav");
  long count;
  double ms;

  ms = time_command (grep_substring, FALSE, N_RUNS, &count);
  printf ("grep -c -i -F '%s':            %8.1f ms  (%ld lines)\n", SUBSTRING, ms, count);
  ms = time_command (grep_regex, FALSE, N_RUNS, &count);
  printf ("grep -c -i -E '%s': %8.1f ms  (%ld lines)\n", GREP_REGEX, ms, count);
  ms = time_command (grep_no_literal, FALSE, N_RUNS, &count);
  printf ("grep -c -E '%s':       %8.1f ms  (%ld lines)\n", GREP_REGEX_NO_LITERAL, ms, count);

  if (lnav == NULL)
    {
      printf ("lnav: not installed, skipped\n");
      return;
    }
  ms = time_command (lnav_substring, TRUE, 3, &count);
  printf ("lnav -n ':filter-in %s' (load + filter): %8.1f ms  (%ld lines)\n", SUBSTRING, ms,
          count);
  ms = time_command (lnav_regex, TRUE, 3, &count);
  printf ("lnav -n ':filter-in %s' (load + filter): %8.1f ms  (%ld lines)\n", GREP_REGEX, ms,
          count);
}

static void
print_incremental_costs (GPtrArray *batches)
{
  static const char *queries[] = { NULL, SUBSTRING, INCREMENTAL_QUERY, "/" REGEX "/" };
  guint n_matches;

  for (guint i = 0; i < G_N_ELEMENTS (queries); i++)
    {
      double cpu_ns, ns = incremental_cost (batches, queries[i], &n_matches, &cpu_ns);

      printf ("incremental per record, %-50s %6.1f ns (cpu %6.1f ns)  (target < 200; %u match)\n",
              queries[i] != NULL ? queries[i] : "(no query)", ns, cpu_ns, n_matches);
    }
}

static void
print_refilters (LdFilterModel *model)
{
  g_autofree char *substring = NULL, *regex = NULL, *no_literal = NULL;
  g_autofree char *level_times = NULL, *logger_times = NULL;
  guint n_substring, n_regex, n_no_literal, n_shown;
  double first, total;

  substring = refilter_query (model, SUBSTRING, &n_substring);
  printf ("re-filter by substring '%s':                    %s  (target <= 50; %u match)\n",
          SUBSTRING, substring, n_substring);
  regex = refilter_query (model, "/" REGEX "/", &n_regex);
  printf ("re-filter by regex /%s/:           %s  (target <= 300; %u match)\n", REGEX,
          regex, n_regex);
  no_literal = refilter_query (model, "/" REGEX_NO_LITERAL "/", &n_no_literal);
  printf ("re-filter by regex /%s/ (no literal): %s  (%u match)\n", REGEX_NO_LITERAL,
          no_literal, n_no_literal);

  refilter_incremental (model, SUBSTRING, &first, &total);
  printf ("  incremental substring: first slice %.1f ms, all done %.1f ms (main loop)\n", first,
          total);
  refilter_incremental (model, "/" REGEX_NO_LITERAL "/", &first, &total);
  printf ("  incremental regex without literal: first slice %.1f ms, all done %.1f ms\n", first,
          total);

  ld_filter_model_set_query (model, NULL);
  n_shown = g_list_model_get_n_items (G_LIST_MODEL (model));
  level_times = level_toggle (model);
  printf ("level toggle (hide/show DEBUG, %u shown):        %s  (target <= 10)\n", n_shown,
          level_times);
  logger_times = logger_toggle (model);
  printf ("logger-subtree toggle (hide/show websockets.*):     %s  (target <= 10)\n", logger_times);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GString) export = g_string_new (NULL);
  g_autoptr(GPtrArray) batches = make_batches (export);
  g_autoptr(LdStore) store = NULL;
  g_autoptr(LdFilterModel) model = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  int fd;

  printf ("bench/filter: %d records, medians of %d runs\n", N_RECORDS, N_RUNS);
  print_incremental_costs (batches);

  store = full_store (batches);
  model = ld_filter_model_new (store);
  print_refilters (model);

  fd = g_file_open_tmp ("logdeck-bench-XXXXXX.txt", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (path, export->str, export->len, &error);
  g_assert_no_error (error);
  printf ("for scale, the same %d messages in a %.1f MB file:\n", N_RECORDS, export->len / 1e6);
  if (argc > 1 && g_str_equal (argv[1], "--no-tools"))
    printf ("(skipped: --no-tools)\n");
  else
    compare_with_tools (path);
  g_unlink (path);

  return 0;
}
