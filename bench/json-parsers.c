// SPDX-License-Identifier: GPL-3.0-or-later
/* bench/json-parsers [NAME]: how fast JSON log lines become records, against the
 * general-purpose parsers Logdeck could have used.  It generates a million Python logging
 * records as json.dumps(record.__dict__) writes them after QueueHandler.prepare(), in two
 * sizes, and prints lines per second of CPU time (median of several runs) for each parser, or
 * only for those whose name contains NAME.  Prints figures; asserts none.
 *
 * json-glib, json-c and jansson declare clashing names (json_object, json_type, ...), so this
 * one file is compiled once per library: with BENCH_PART_JSON_C or BENCH_PART_JANSSON it is
 * only that library's runner, and without either it is the program. */
#include "config.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N_LINES      1000000

typedef struct
{
  GString *text;     /* every line, each ending in '\n' */
  GArray  *offsets;  /* gsize: where line i starts; one more entry at the end */
} Corpus;

void run_json_c  (const Corpus *corpus);
void run_jansson (const Corpus *corpus);

static inline const char *
corpus_line (const Corpus *corpus,
             guint         i,
             gsize        *len)
{
  gsize start = g_array_index (corpus->offsets, gsize, i);

  *len = g_array_index (corpus->offsets, gsize, i + 1) - start;
  return corpus->text->str + start;
}

#if defined (BENCH_PART_JSON_C)

#include <json-c/json.h>

void
run_json_c (const Corpus *corpus)
{
  struct json_tokener *tokener = json_tokener_new ();

  for (guint i = 0; i < N_LINES; i++)
    {
      gsize len;
      const char *line = corpus_line (corpus, i, &len);
      struct json_object *object;

      json_tokener_reset (tokener);
      if ((object = json_tokener_parse_ex (tokener, line, len)) == NULL)
        g_error ("line %u did not parse", i);
      json_object_put (object);
    }
  json_tokener_free (tokener);
}
#elif defined (BENCH_PART_JANSSON)

#include <jansson.h>

void
run_jansson (const Corpus *corpus)
{
  for (guint i = 0; i < N_LINES; i++)
    {
      gsize len;
      const char *line = corpus_line (corpus, i, &len);
      json_t *value = json_loadb (line, len, JSON_ALLOW_NUL, NULL);

      if (value == NULL)
        g_error ("line %u did not parse", i);
      json_decref (value);
    }
}
#else

#include <json-glib/json-glib.h>

#include "ld-json-normalize.h"

#define BATCH_SIZE   4096
#define N_RUNS_FAST  5
#define N_RUNS_SLOW  3

typedef void (*RunFunc) (const Corpus *corpus);

static const char *loggers[] = { "acme.api", "acme.api.auth", "acme.db", "acme.worker", "root" };
static const char *threads[] = { "MainThread", "Worker-1", "Worker-2", "ThreadPoolExecutor-0_3" };
static const char *level_names[] = { "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL" };
static const char *functions[] = { "handle_request", "authenticate", "run_query", "poll" };

/* Python's json.dumps escapes non-ASCII (ensure_ascii) and quotes, so some lines do too. */
static void
append_message (GString *line,
                guint    i)
{
  if (i % 50 == 7)
    g_string_append_printf (line, "\"caf\\u00e9 order %u for \\\"bob\\\" served\"", i);
  else
    g_string_append_printf (line, "\"GET /api/v1/items/%u completed in %u ms\"", i, i % 997);
}

/* About 240 bytes: the keys a JSON QueueHandler subclass usually keeps. */
static void
append_compact (GString *line,
                guint    i)
{
  g_string_append_printf (line, "{\"name\": \"%s\", \"msg\": ", loggers[i % 5]);
  append_message (line, i);
  g_string_append_printf (line,
                          ", \"levelname\": \"%s\", \"levelno\": %u, \"created\": %u.%06u, "
                          "\"threadName\": \"%s\", \"thread\": %u, \"process\": 4242, "
                          "\"funcName\": \"%s\", \"lineno\": %u}\n",
                          level_names[i % 5], 10 * (1 + i % 5), 1763641800 + i / 1000,
                          (i * 7919) % 1000000, threads[i % 4], 140000000 + i % 4,
                          functions[i % 4], 100 + i % 50);
}

/* About 560 bytes: the whole record.__dict__ after QueueHandler.prepare(). */
static void
append_full (GString *line,
             guint    i)
{
  g_string_append_printf (line, "{\"name\": \"%s\", \"msg\": ", loggers[i % 5]);
  append_message (line, i);
  g_string_append_printf (line,
                          ", \"args\": null, \"levelname\": \"%s\", \"levelno\": %u, "
                          "\"pathname\": \"/srv/acme/acme/api/handlers.py\", "
                          "\"filename\": \"handlers.py\", \"module\": \"handlers\", "
                          "\"exc_info\": null, \"exc_text\": null, \"stack_info\": null, "
                          "\"lineno\": %u, \"funcName\": \"%s\", \"created\": %u.%06u, "
                          "\"msecs\": %u.0, \"relativeCreated\": %u.%u, \"thread\": %u, "
                          "\"threadName\": \"%s\", \"processName\": \"MainProcess\", "
                          "\"process\": 4242, \"taskName\": null, \"message\": ",
                          level_names[i % 5], 10 * (1 + i % 5), 100 + i % 50, functions[i % 4],
                          1763641800 + i / 1000, (i * 7919) % 1000000, (i * 7919) % 1000,
                          5000 + i, i % 1000, 140000000 + i % 4, threads[i % 4]);
  append_message (line, i);
  g_string_append (line, "}\n");
}

static Corpus *
corpus_new (void (*append) (GString *, guint))
{
  Corpus *corpus = g_new0 (Corpus, 1);

  corpus->text = g_string_sized_new ((gsize) N_LINES * 600);
  corpus->offsets = g_array_sized_new (FALSE, FALSE, sizeof (gsize), N_LINES + 1);
  for (guint i = 0; i < N_LINES; i++)
    {
      g_array_append_val (corpus->offsets, corpus->text->len);
      append (corpus->text, i);
    }
  g_array_append_val (corpus->offsets, corpus->text->len);

  return corpus;
}

static void
corpus_free (Corpus *corpus)
{
  g_string_free (corpus->text, TRUE);
  g_array_unref (corpus->offsets);
  g_free (corpus);
}

static void
run_ld_parse (const Corpus *corpus)
{
  g_autoptr(LdJsonParser) parser = ld_json_parser_new ();

  for (guint i = 0; i < N_LINES; i++)
    {
      gsize len, offset = 0;
      const char *line = corpus_line (corpus, i, &len);

      if (ld_json_parser_parse (parser, line, len, &offset, NULL) == NULL)
        g_error ("line %u did not parse", i);
    }
}

/* The batch is handed on every BATCH_SIZE records, as the ingest thread does. */
static void
hand_off_if_full (LdBatch **batch)
{
  if (ld_batch_get_length (*batch) >= BATCH_SIZE)
    {
      ld_batch_free (*batch);
      *batch = ld_batch_new ();
    }
}

static void
run_ld_normalize_lines (const Corpus *corpus)
{
  g_autoptr(LdJsonParser) parser = ld_json_parser_new ();
  LdJsonContext ctx = { .origin = { .connection = "tcp-1", .peer = "127.0.0.1:50000",
                        .protocol = "tcp-json" }, .parser = parser };
  LdBatch *batch = ld_batch_new ();

  for (guint i = 0; i < N_LINES; i++)
    {
      gsize len;
      const char *line = corpus_line (corpus, i, &len);

      if (ld_json_normalize (batch, line, len, &ctx, NULL) != 1)
        g_error ("line %u did not normalise", i);
      hand_off_if_full (&batch);
    }
  ld_batch_free (batch);
}

static void
run_ld_normalize_chunks (const Corpus *corpus)
{
  g_autoptr(LdJsonParser) parser = ld_json_parser_new ();
  LdJsonContext ctx = { .origin = { .connection = "tcp-1", .peer = "127.0.0.1:50000",
                        .protocol = "tcp-json" }, .parser = parser };

  for (guint i = 0; i < N_LINES; i += BATCH_SIZE)
    {
      g_autoptr(LdBatch) batch = ld_batch_new ();
      guint end = MIN (i + BATCH_SIZE, N_LINES);
      gsize start = g_array_index (corpus->offsets, gsize, i);
      gsize stop = g_array_index (corpus->offsets, gsize, end);

      if (ld_json_normalize (batch, corpus->text->str + start, stop - start, &ctx, NULL)
          != end - i)
        g_error ("lines %u to %u did not normalise", i, end);
    }
}

/* What LdBatch alone costs for the fields of such a record, for scale. */
static void
run_batch_only (const Corpus *corpus)
{
  LdBatch *batch = ld_batch_new ();

  for (guint i = 0; i < N_LINES; i++)
    {
      gsize len;
      const char *line = corpus_line (corpus, i, &len);
      LdRecordFields fields = {
        .time_us = 1763641800000000 + i, .level = 20, .level_name = level_names[i % 5],
        .logger = loggers[i % 5], .message = line + 30, .message_len = 40,
        .thread = threads[i % 4], .thread_id = 140000000 + i % 4, .process = 4242,
        .function = functions[i % 4], .line = 100 + i % 50, .connection = "tcp-1",
        .peer = "127.0.0.1:50000", .protocol = "tcp-json",
      };

      ld_batch_add (batch, &fields);
      hand_off_if_full (&batch);
    }
  ld_batch_free (batch);
}

static void
run_json_glib (const Corpus *corpus)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  for (guint i = 0; i < N_LINES; i++)
    {
      gsize len;
      const char *line = corpus_line (corpus, i, &len);

      if (!json_parser_load_from_data (parser, line, len, NULL))
        g_error ("line %u did not parse", i);
    }
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* CPU time of this thread, so that other work on the machine does not count. */
static double
cpu_seconds (void)
{
  struct timespec now;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now);
  return now.tv_sec + now.tv_nsec / 1e9;
}

static double
measure (const char   *name,
         RunFunc       run,
         const Corpus *corpus,
         guint         n_runs)
{
  double rates[N_RUNS_FAST];

  for (guint r = 0; r < n_runs; r++)
    {
      double start = cpu_seconds ();

      run (corpus);
      rates[r] = N_LINES / (cpu_seconds () - start);
    }
  qsort (rates, n_runs, sizeof (double), compare_doubles);
  fprintf (stderr, "  %-44s %10.0f lines/s (min %.0f, max %.0f, %u runs)\n", name,
           rates[n_runs / 2], rates[0], rates[n_runs - 1], n_runs);
  return rates[n_runs / 2];
}

typedef struct
{
  const char *name;
  RunFunc     run;
  guint       n_runs;
  gboolean    reads_text; /* FALSE for the LdBatch reference, which has no MB/s */
} Contender;

static const Contender contenders[] = {
  { "ld-json: parse only", run_ld_parse, N_RUNS_FAST, TRUE },
  { "ld-json: normalise into LdBatch, per line", run_ld_normalize_lines, N_RUNS_FAST, TRUE },
  { "ld-json: normalise into LdBatch, 4096 lines/call", run_ld_normalize_chunks, N_RUNS_FAST,
    TRUE },
  { "(LdBatch alone, same fields, for scale)", run_batch_only, N_RUNS_FAST, FALSE },
#ifdef HAVE_JSON_C
  { "json-c: json_tokener_parse_ex", run_json_c, N_RUNS_FAST, TRUE },
#endif
#ifdef HAVE_JANSSON
  { "jansson: json_loadb", run_jansson, N_RUNS_FAST, TRUE },
#endif
  { "json-glib: JsonParser", run_json_glib, N_RUNS_SLOW, TRUE },
};

int
main (int   argc,
      char *argv[])
{
  struct { const char *name; void (*append) (GString *, guint); } shapes[] = {
    { "compact", append_compact }, { "full __dict__", append_full },
  };
  double table[G_N_ELEMENTS (shapes)][G_N_ELEMENTS (contenders)];
  double sizes[G_N_ELEMENTS (shapes)];

  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
    {
      Corpus *corpus = corpus_new (shapes[s].append);

      sizes[s] = (double) corpus->text->len / N_LINES;
      fprintf (stderr, "%s lines, %.0f bytes on average:\n", shapes[s].name, sizes[s]);
      for (guint c = 0; c < G_N_ELEMENTS (contenders); c++)
        table[s][c] = argc < 2 || strstr (contenders[c].name, argv[1]) != NULL
                      ? measure (contenders[c].name, contenders[c].run, corpus,
                                 contenders[c].n_runs)
                      : 0;
      corpus_free (corpus);
    }

  printf ("| 1,000,000 lines, median lines per CPU-second | compact, %.0f B: lines/s | MB/s "
          "| full __dict__, %.0f B: lines/s | MB/s |\n|---|---:|---:|---:|---:|\n",
          sizes[0], sizes[1]);
  for (guint c = 0; c < G_N_ELEMENTS (contenders); c++)
    if (table[0][c] == 0)
      continue;
    else if (contenders[c].reads_text)
      printf ("| %s | %.0f | %.0f | %.0f | %.0f |\n", contenders[c].name, table[0][c],
              table[0][c] * sizes[0] / 1e6, table[1][c], table[1][c] * sizes[1] / 1e6);
    else
      printf ("| %s | %.0f | – | %.0f | – |\n", contenders[c].name, table[0][c], table[1][c]);

  return 0;
}

#endif
