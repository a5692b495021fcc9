// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ld-handoff.h"
#include "ld-row.h"
#include "ld-store.h"

/* A listener that replays every ::items-changed on a shadow list of
 * sequence numbers, which must then equal what the model holds. */
typedef struct
{
  GArray  *seqs;
  guint    n_signals;
} Shadow;

static guint64
seq_at (GListModel *model,
        guint       position)
{
  g_autoptr(LdRow) row = g_list_model_get_item (model, position);

  g_assert_nonnull (row);
  return ld_row_get_seq (row);
}

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Shadow     *shadow)
{
  g_assert_cmpuint (position + removed, <=, shadow->seqs->len);
  g_array_remove_range (shadow->seqs, position, removed);
  for (guint i = 0; i < added; i++)
    {
      guint64 seq = seq_at (model, position + i);
      g_array_insert_val (shadow->seqs, position + i, seq);
    }
  shadow->n_signals++;
}

static void
shadow_check (Shadow     *shadow,
              GListModel *model)
{
  g_assert_cmpuint (shadow->seqs->len, ==, g_list_model_get_n_items (model));
  for (guint i = 0; i < shadow->seqs->len; i++)
    g_assert_cmpuint (g_array_index (shadow->seqs, guint64, i), ==, seq_at (model, i));
}

static Shadow *
shadow_new (GListModel *model)
{
  Shadow *shadow = g_new0 (Shadow, 1);

  shadow->seqs = g_array_new (FALSE, FALSE, sizeof (guint64));
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      guint64 seq = seq_at (model, i);
      g_array_append_val (shadow->seqs, seq);
    }
  g_signal_connect (model, "items-changed", G_CALLBACK (on_items_changed), shadow);

  return shadow;
}

static void
shadow_free (Shadow *shadow)
{
  g_array_unref (shadow->seqs);
  g_free (shadow);
}

static LdBatch *
make_batch (guint first,
            guint count)
{
  LdBatch *batch = ld_batch_new ();

  for (guint i = first; i < first + count; i++)
    {
      g_autofree char *message = g_strdup_printf ("message %u", i);
      LdRecordFields fields = {
        .time_us = 1700000000000000 + i,
        .level = 10 * (1 + i % 5),
        .level_name = "INFO",
        .logger = i % 2 ? "acme.api" : "acme.db",
        .thread = "MainThread",
        .message = message,
      };

      ld_batch_add (batch, &fields);
    }

  return batch;
}

static void
assert_message (const LdRecord *record,
                const char     *expected)
{
  gsize len;
  const char *message = ld_record_get_message (record, &len);

  g_assert_cmpmem (message, len, expected, strlen (expected));
}

static void
test_append_and_fields (void)
{
  g_autoptr(LdStore) store = ld_store_new (100);
  g_autoptr(LdBatch) batch = ld_batch_new ();
  LdRecordFields fields = {
    .time_us = 42, .level = 25, .level_name = "Level 25", .logger = "acme.api",
    .message = "line one\nline two", .exception = "Traceback …\nValueError: x",
    .stack = "Stack (most recent call last):", .thread = "Worker-1", .thread_id = 140000000000001,
    .process = 1234, .process_name = "MainProcess", .task = "Task-7", .file = "/srv/app.py",
    .line = 77, .function = "handle", .connection = "tcp-3", .peer = "127.0.0.1:5000",
    .protocol = "tcp-pickle",
  };
  const LdRecord *record;
  LdValueType type;
  const char *value;
  gsize len;

  ld_batch_add (batch, &fields);
  ld_batch_add_extra (batch, "user", -1, LD_VALUE_STRING, "bob", -1);
  ld_batch_add_extra (batch, "count", -1, LD_VALUE_NUMBER, "12", -1);
  ld_store_append_batch (store, batch);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);
  record = ld_store_get_record (store, 0);
  g_assert_cmpint (record->time_us, ==, 42);
  g_assert_cmpint (record->level, ==, 25);
  g_assert_cmpstr (ld_intern_lookup (record->level_name), ==, "Level 25");
  g_assert_cmpstr (ld_intern_lookup (record->logger), ==, "acme.api");
  g_assert_cmpstr (ld_intern_lookup (record->thread), ==, "Worker-1");
  g_assert_cmpint (record->thread_id, ==, 140000000000001);
  g_assert_cmpstr (ld_intern_lookup (record->task), ==, "Task-7");
  g_assert_cmpstr (ld_intern_lookup (record->connection), ==, "tcp-3");
  g_assert_cmpuint (record->line, ==, 77);
  assert_message (record, "line one\nline two");
  value = ld_record_get_exception (record, &len);
  g_assert_cmpmem (value, len, "Traceback …\nValueError: x", strlen ("Traceback …\nValueError: x"));
  value = ld_record_get_stack (record, &len);
  g_assert_cmpmem (value, len, fields.stack, strlen (fields.stack));

  g_assert_cmpuint (ld_record_n_extras (record), ==, 2);
  g_assert_true (ld_record_get_extra (record, "count", &type, &value, &len));
  g_assert_cmpint (type, ==, LD_VALUE_NUMBER);
  g_assert_cmpmem (value, len, "12", 2);
  g_assert_true (ld_record_get_extra (record, "user", &type, &value, &len));
  g_assert_cmpmem (value, len, "bob", 3);
  g_assert_false (ld_record_get_extra (record, "missing", &type, &value, &len));
}

static void
test_interning (void)
{
  guint32 a = ld_intern ("acme.api", -1);
  guint32 b = ld_intern ("acme.api.extra", 8);
  guint32 c = ld_intern ("acme.db", -1);
  g_autofree char *long_text = g_strnfill (LD_INTERN_MAX_LENGTH + 100, 'x');
  guint32 d = ld_intern (long_text, -1);

  g_assert_cmpuint (a, ==, b);
  g_assert_cmpuint (a, !=, c);
  g_assert_cmpuint (ld_intern (NULL, -1), ==, LD_INTERN_NONE);
  g_assert_null (ld_intern_lookup (LD_INTERN_NONE));
  g_assert_cmpstr (ld_intern_lookup (c), ==, "acme.db");
  g_assert_cmpuint (strlen (ld_intern_lookup (d)), ==, LD_INTERN_MAX_LENGTH);
}

static void
test_invalid_utf8 (void)
{
  g_autoptr(LdStore) store = ld_store_new (10);
  g_autoptr(LdBatch) batch = ld_batch_new ();
  LdRecordFields fields = { .message = "bad \xff\xfe bytes", .logger = "log\xc3" };
  const LdRecord *record;
  const char *message;
  gsize len;

  ld_batch_add (batch, &fields);
  ld_store_append_batch (store, batch);
  record = ld_store_get_record (store, 0);
  message = ld_record_get_message (record, &len);
  g_assert_true (g_utf8_validate_len (message, len, NULL));
  g_assert_true (g_utf8_validate (ld_intern_lookup (record->logger), -1, NULL));
}

/* Runs of records side by side give every record once, in order, however
 * the ring has wrapped: each run is a stretch of ld_store_get_record()'s. */
static void
test_runs (void)
{
  g_autoptr(LdStore) store = ld_store_new (1000);
  guint n = 99;
  gboolean wrapped = FALSE;

  g_assert_null (ld_store_get_run (store, 0, 10, &n));
  g_assert_cmpuint (n, ==, 0);
  for (guint round = 0; round < 12; round++)
    {
      g_autoptr(LdBatch) batch = make_batch (round * 317, 317);
      guint position = 0;

      ld_store_append_batch (store, batch);
      while (position < ld_store_get_n_records (store))
        {
          guint max = 1 + g_test_rand_int_range (0, 400);
          const LdRecord *run = ld_store_get_run (store, position, max, &n);

          g_assert_nonnull (run);
          g_assert_cmpuint (n, >, 0);
          g_assert_cmpuint (n, <=, max);
          for (guint i = 0; i < n; i++)
            g_assert_true (&run[i] == ld_store_get_record (store, position + i));
          position += n;
        }
      g_assert_cmpuint (position, ==, ld_store_get_n_records (store));
      g_assert_null (ld_store_get_run (store, position, 10, &n));
      g_assert_cmpuint (n, ==, 0);
      g_assert_null (ld_store_get_run (store, 0, 0, &n));
      /* Once it has wrapped, the ring gives the rest in a second run. */
      n = 0;
      ld_store_get_run (store, 0, G_MAXUINT, &n);
      g_assert_cmpuint (n, <=, ld_store_get_n_records (store));
      if (n < ld_store_get_n_records (store))
        {
          guint first = n;

          wrapped = TRUE;
          g_assert_nonnull (ld_store_get_run (store, first, G_MAXUINT, &n));
          g_assert_cmpuint (first + n, ==, ld_store_get_n_records (store));
        }
    }
  g_assert_true (wrapped);
  g_assert_cmpuint (ld_store_get_n_evicted (store), >, 0);
}

static void
test_eviction (void)
{
  g_autoptr(LdStore) store = ld_store_new (1000);
  Shadow *shadow = shadow_new (G_LIST_MODEL (store));

  for (guint i = 0; i < 25; i++)
    {
      g_autoptr(LdBatch) batch = make_batch (i * 130, 130);

      ld_store_append_batch (store, batch);
      shadow_check (shadow, G_LIST_MODEL (store));
    }

  g_assert_cmpuint (ld_store_get_n_records (store), ==, 1000);
  g_assert_cmpuint (ld_store_get_n_received (store), ==, 25 * 130);
  g_assert_cmpuint (ld_store_get_n_evicted (store), ==, 25 * 130 - 1000);
  g_assert_cmpuint (ld_store_get_first_seq (store), ==, 25 * 130 - 1000);
  assert_message (ld_store_get_record (store, 0), "message 2250");
  assert_message (ld_store_get_record (store, 999), "message 3249");
  g_assert_null (ld_store_get_record_by_seq (store, 2249));
  assert_message (ld_store_get_record_by_seq (store, 2250), "message 2250");

  /* A batch bigger than the limit keeps only its newest records. */
  {
    g_autoptr(LdBatch) big = make_batch (10000, 2500);
    ld_store_append_batch (store, big);
  }
  shadow_check (shadow, G_LIST_MODEL (store));
  g_assert_cmpuint (ld_store_get_n_evicted (store), ==, 25 * 130 + 2500 - 1000);
  assert_message (ld_store_get_record (store, 0), "message 11500");

  /* Lowering the limit evicts at once. */
  ld_store_set_max_records (store, 10);
  shadow_check (shadow, G_LIST_MODEL (store));
  assert_message (ld_store_get_record (store, 0), "message 12490");
  g_assert_cmpuint (ld_store_get_memory_size (store), <=, 10 * sizeof (LdRecord) + 4 * 1024 * 1024);

  ld_store_clear (store);
  shadow_check (shadow, G_LIST_MODEL (store));
  g_assert_cmpuint (ld_store_get_n_records (store), ==, 0);
  g_assert_cmpuint (ld_store_get_n_evicted (store), ==, 25 * 130 + 2500 - 10);

  shadow_free (shadow);
}

static void
test_one_signal_per_batch (void)
{
  g_autoptr(LdStore) store = ld_store_new (100);
  Shadow *shadow = shadow_new (G_LIST_MODEL (store));
  LdBatch *batches[3] = { make_batch (0, 40), make_batch (40, 40), make_batch (80, 10) };

  ld_store_append_batches (store, batches, 3);
  g_assert_cmpuint (shadow->n_signals, ==, 1);

  /* Past the limit: one signal for the evicted, one for the appended. */
  ld_store_append_batches (store, batches, 2);
  g_assert_cmpuint (shadow->n_signals, ==, 3);
  shadow_check (shadow, G_LIST_MODEL (store));

  for (guint i = 0; i < 3; i++)
    ld_batch_free (batches[i]);
  shadow_free (shadow);
}

/* The live counts always equal a recount of what the store keeps. */
static void
assert_counts (LdStore *store)
{
  g_autoptr(GHashTable) by_level = g_hash_table_new (NULL, NULL);
  const GArray *levels = ld_store_get_level_counts (store);
  guint32 logger = ld_intern ("acme.api", -1);
  guint n_logger = 0;

  for (guint i = 0; i < ld_store_get_n_records (store); i++)
    {
      const LdRecord *record = ld_store_get_record (store, i);
      gpointer key = GINT_TO_POINTER (record->level);

      g_hash_table_insert (by_level, key,
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (by_level, key)) + 1));
      n_logger += record->logger == logger;
    }

  for (guint i = 0; i < levels->len; i++)
    {
      const LdLevelCount *count = &g_array_index (levels, LdLevelCount, i);
      g_assert_cmpuint (count->count, ==,
                        GPOINTER_TO_UINT (g_hash_table_lookup (by_level, GINT_TO_POINTER (count->level))));
    }
  g_assert_cmpuint (ld_store_get_id_count (store, LD_STORE_COUNT_LOGGER, logger), ==, n_logger);
}

static void
test_counts (void)
{
  g_autoptr(LdStore) store = ld_store_new (700);

  for (guint i = 0; i < 12; i++)
    {
      g_autoptr(LdBatch) batch = make_batch (i * 97, 97);
      ld_store_append_batch (store, batch);
      assert_counts (store);
    }
  ld_store_set_max_records (store, 50);
  assert_counts (store);
  ld_store_clear (store);
  assert_counts (store);
  g_assert_cmpuint (ld_store_get_id_count (store, LD_STORE_COUNT_LOGGER,
                                           ld_intern ("acme.db", -1)), ==, 0);
}

static void
test_size_limit (void)
{
  g_autoptr(LdStore) store = ld_store_new (1000000);
  Shadow *shadow = shadow_new (G_LIST_MODEL (store));
  guint64 limit = 200 * (sizeof (LdRecord) + strlen ("message 1000"));

  for (guint i = 0; i < 10; i++)
    {
      g_autoptr(LdBatch) batch = make_batch (1000 + i * 100, 100);
      ld_store_append_batch (store, batch);
    }
  g_assert_cmpuint (ld_store_get_n_records (store), ==, 1000);

  ld_store_set_max_bytes (store, limit);
  shadow_check (shadow, G_LIST_MODEL (store));
  g_assert_cmpuint (ld_store_get_records_size (store), <=, limit);
  g_assert_cmpuint (ld_store_get_n_records (store), ==, 200);
  g_assert_cmpuint (ld_store_get_n_evicted (store), ==, 800);
  assert_message (ld_store_get_record (store, 199), "message 1999");

  {
    g_autoptr(LdBatch) batch = make_batch (2000, 50);
    ld_store_append_batch (store, batch);
  }
  shadow_check (shadow, G_LIST_MODEL (store));
  g_assert_cmpuint (ld_store_get_n_records (store), ==, 200);
  g_assert_cmpuint (ld_store_get_n_evicted (store), ==, 850);
  assert_message (ld_store_get_record (store, 0), "message 1850");

  shadow_free (shadow);
}


/* The ring grows while records that wrapped round its start are kept: they
 * stay in order, whether they move past the old end or the older part
 * moves to the new end (when the limit caps the growth). */
static void
test_growth_after_wrap (void)
{
  const guint max_records[] = { 1030, 1200, 1500, 100000 };
  const guint kept[] = { 300, 600, 900 };

  for (guint m = 0; m < G_N_ELEMENTS (max_records); m++)
    for (guint k = 0; k < G_N_ELEMENTS (kept); k++)
      {
        g_autoptr(LdStore) store = ld_store_new (max_records[m]);
        Shadow *shadow = shadow_new (G_LIST_MODEL (store));
        guint next = 1000;
        gsize n;
        g_autofree char *first = NULL;
        guint first_number;

        ld_store_set_max_bytes (store, kept[k] * (sizeof (LdRecord) + strlen ("message 1000")));
        for (guint i = 0; i < 40; i++, next += 100)
          {
            g_autoptr(LdBatch) batch = make_batch (next, 100);

            if (i == 25)
              ld_store_set_max_bytes (store, 0);
            ld_store_append_batch (store, batch);
            shadow_check (shadow, G_LIST_MODEL (store));
          }

        n = ld_store_get_n_records (store);
        g_assert_cmpuint (n, ==, MIN (max_records[m], kept[k] + 1500));
        first = g_strndup (ld_record_get_message (ld_store_get_record (store, 0), &n), n);
        g_assert_true (sscanf (first, "message %u", &first_number) == 1);
        g_assert_cmpuint (first_number, ==, next - ld_store_get_n_records (store));
        for (guint i = 0; i < ld_store_get_n_records (store); i++)
          {
            g_autofree char *expected = g_strdup_printf ("message %u", first_number + i);
            assert_message (ld_store_get_record (store, i), expected);
          }
        shadow_free (shadow);
      }
}

/* Room made ahead for a load, into an empty store, one whose records have
 * wrapped round the ring, and past the retention limit: the records kept
 * and their order are those of a store that grew as they came. */
static void
test_reserve (void)
{
  const guint reserve[] = { 0, 1, 700, 5000, G_MAXUINT };

  for (guint r = 0; r < G_N_ELEMENTS (reserve); r++)
    {
      g_autoptr(LdStore) store = ld_store_new (4000);
      Shadow *shadow = shadow_new (G_LIST_MODEL (store));
      guint next = 0;

      ld_store_reserve (store, reserve[r]);
      /* A size limit of 300 records wraps them round the ring. */
      ld_store_set_max_bytes (store, 300 * (sizeof (LdRecord) + strlen ("message 1000")));
      for (guint i = 0; i < 20; i++, next += 100)
        {
          g_autoptr(LdBatch) batch = make_batch (next, 100);

          ld_store_append_batch (store, batch);
        }
      ld_store_set_max_bytes (store, 0);
      ld_store_reserve (store, reserve[r]);
      for (guint i = 0; i < 60; i++, next += 100)
        {
          g_autoptr(LdBatch) batch = make_batch (next, 100);

          if (i == 30)
            ld_store_reserve (store, reserve[r]);
          ld_store_append_batch (store, batch);
          shadow_check (shadow, G_LIST_MODEL (store));
        }

      g_assert_cmpuint (ld_store_get_n_records (store), ==, 4000);
      for (guint i = 0; i < 4000; i++)
        {
          g_autofree char *expected = g_strdup_printf ("message %u", next - 4000 + i);

          assert_message (ld_store_get_record (store, i), expected);
        }
      shadow_free (shadow);
    }
}

/* A batch split in two keeps every record with its text and extra fields. */
static void
test_batch_split_off (void)
{
  g_autoptr(LdBatch) batch = make_batch (0, 10);
  g_autoptr(LdBatch) rest = NULL;
  g_autoptr(LdBatch) empty = NULL;
  g_autoptr(LdStore) store = ld_store_new (100);

  ld_batch_add_extra (batch, "user", -1, LD_VALUE_STRING, "bob", -1);
  rest = ld_batch_split_off (batch, 4);
  g_assert_cmpuint (ld_batch_get_length (batch), ==, 4);
  g_assert_cmpuint (ld_batch_get_length (rest), ==, 6);
  empty = ld_batch_split_off (rest, 6);
  g_assert_cmpuint (ld_batch_get_length (empty), ==, 0);

  ld_store_append_batch (store, batch);
  ld_store_append_batch (store, rest);
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *expected = g_strdup_printf ("message %u", i);

      assert_message (ld_store_get_record (store, i), expected);
    }
  g_assert_cmpuint (ld_record_n_extras (ld_store_get_record (store, 9)), ==, 1);
}

typedef struct
{
  GArray *lengths;
  guint   next;
} Drained;

static void
check_drained (LdBatch *const *batches,
               guint           n_batches,
               gpointer        user_data)
{
  Drained *drained = user_data;
  guint n = 0;

  for (guint b = 0; b < n_batches; b++)
    for (guint i = 0; i < ld_batch_get_length (batches[b]); i++, n++)
      {
        g_autofree char *expected = g_strdup_printf ("message %u", drained->next++);
        const char *text;
        const LdRecord *record = ld_batch_get_record (batches[b], i, &text);

        g_assert_cmpmem (text, record->message_len, expected, strlen (expected));
      }
  g_array_append_val (drained->lengths, n);
}

/* With a limit, a drain delivers that many records at most, splitting the
 * batch that crosses it, and every record arrives once, in order. */
static void
test_handoff_limit (void)
{
  Drained drained = { g_array_new (FALSE, FALSE, sizeof (guint)), 0 };
  LdHandoff *handoff = ld_handoff_new (NULL, check_drained, &drained, NULL);
  guint sizes[] = { 1000, 30, 250, 0, 20 };
  guint first = 0, total = 0;

  ld_handoff_set_max_per_drain (handoff, 100);
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      ld_handoff_push_batch (handoff, make_batch (first, sizes[i]));
      first += sizes[i];
    }

  ld_handoff_drain_all (handoff);
  for (guint i = 0; i < drained.lengths->len; i++)
    {
      guint n = g_array_index (drained.lengths, guint, i);

      g_assert_cmpuint (n, <=, 100);
      if (i + 1 < drained.lengths->len)
        g_assert_cmpuint (n, ==, 100);
      total += n;
    }
  g_assert_cmpuint (total, ==, 1300);
  g_assert_cmpuint (drained.next, ==, 1300);

  ld_handoff_shutdown (handoff);
  ld_handoff_unref (handoff);
  g_array_unref (drained.lengths);
}

/* Run under ASan (build-aux/test does), this shows a million appends with
 * eviction leak nothing. */
static void
test_million (void)
{
  g_autoptr(LdStore) store = ld_store_new (250000);

  for (guint i = 0; i < 100; i++)
    {
      g_autoptr(LdBatch) batch = make_batch (i * 10000, 10000);
      ld_store_append_batch (store, batch);
    }

  g_assert_cmpuint (ld_store_get_n_received (store), ==, 1000000);
  g_assert_cmpuint (ld_store_get_n_records (store), ==, 250000);
  g_assert_cmpuint (ld_store_get_n_evicted (store), ==, 750000);
  assert_message (ld_store_get_record (store, 249999), "message 999999");
}


/* A reader on another thread
 * ========================== */

static void
append_numbered (LdStore *store,
                 guint    first,
                 guint    count)
{
  g_autoptr(LdBatch) batch = ld_batch_new ();

  for (guint i = first; i < first + count; i++)
    {
      char message[32];
      LdRecordFields fields = { .level = 20, .message = message };

      g_snprintf (message, sizeof message, "record %u", i);
      ld_batch_add (batch, &fields);
    }
  ld_store_append_batch (store, batch);
}

static guint
number_of (const LdRecord *record)
{
  gsize length;
  const char *message = ld_record_get_message (record, &length);

  g_autofree char *text = g_strndup (message, length);

  /* Record text is not nul-terminated: it ends at its length. */
  g_assert_true (g_str_has_prefix (text, "record "));
  return (guint) g_ascii_strtoull (text + 7, NULL, 10);
}

/* Records evicted before the reader read them are held for it, with their
 * text, and come first; clearing the view keeps them too. */
static void
test_reader_holds_evicted (void)
{
  g_autoptr(LdStore) store = ld_store_new (100);
  LdRecord records[1000];
  guint64 first, next;
  guint n;

  append_numbered (store, 0, 10);
  next = ld_store_attach_reader (store);
  g_assert_cmpuint (next, ==, 0);

  for (guint i = 10; i < 250; i += 40)
    append_numbered (store, i, 40);           /* 150 evicted, none read */
  g_assert_cmpuint (ld_store_get_n_records (store), ==, 100);
  n = ld_store_read (store, next, records, 60, &first);
  g_assert_cmpuint (first, ==, 0);
  g_assert_cmpuint (n, ==, 60);
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (number_of (&records[i]), ==, i);

  n = ld_store_read (store, 60, records, G_N_ELEMENTS (records), &first);
  g_assert_cmpuint (first, ==, 60);
  g_assert_cmpuint (n, ==, 190);              /* the rest held, then the ring */
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (number_of (&records[i]), ==, 60 + i);

  /* Cleared before being read: still there for the reader. */
  append_numbered (store, 250, 30);
  ld_store_clear (store);
  g_assert_cmpuint (ld_store_get_n_records (store), ==, 0);
  append_numbered (store, 280, 5);
  n = ld_store_read (store, 250, records, G_N_ELEMENTS (records), &first);
  g_assert_cmpuint (first, ==, 250);
  g_assert_cmpuint (n, ==, 35);
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (number_of (&records[i]), ==, 250 + i);
  g_assert_cmpuint (ld_store_get_n_missed (store), ==, 0);

  n = ld_store_read (store, 285, records, G_N_ELEMENTS (records), &first);
  g_assert_cmpuint (n, ==, 0);
  ld_store_detach_reader (store);
}

/* A reader that falls too far behind misses records, and is told how many. */
static void
test_reader_misses_when_far_behind (void)
{
  g_autoptr(LdStore) store = ld_store_new (1000);
  g_autofree LdRecord *records = g_new (LdRecord, 4096);
  guint64 next = ld_store_attach_reader (store), first, missed;
  guint64 total = 0;
  guint n;

  for (guint i = 0; i < 400; i++)
    append_numbered (store, i * 1000, 1000);  /* 400,000, nothing read */

  missed = ld_store_get_n_missed (store);
  g_assert_cmpuint (missed, >, 0);
  while ((n = ld_store_read (store, next, records, 4096, &first)) > 0)
    {
      if (total == 0)
        g_assert_cmpuint (first, ==, missed);
      g_assert_cmpuint (number_of (&records[0]), ==, first);
      g_assert_cmpuint (number_of (&records[n - 1]), ==, first + n - 1);
      total += n;
      next = first + n;
    }
  g_assert_cmpuint (total + missed, ==, 400000);
}

typedef struct
{
  LdStore  *store;
  guint64   read;
  guint64   expected;
  gboolean  in_order;
} Reader;

static gpointer
read_all (gpointer data)
{
  Reader *reader = data;
  LdRecord records[512];
  guint64 next = 0, first;
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  reader->in_order = TRUE;
  while (next + ld_store_get_n_missed (reader->store) < reader->expected
         && g_get_monotonic_time () < deadline)
    {
      guint n = ld_store_read (reader->store, next, records, G_N_ELEMENTS (records), &first);

      for (guint i = 0; i < n; i++)
        if (number_of (&records[i]) != first + i)
          {
            if (reader->in_order)
              g_printerr ("seq %" G_GUINT64_FORMAT " holds record %u (from %" G_GUINT64_FORMAT ", n %u, i %u)\n",
                          first + i, number_of (&records[i]), next, n, i);
            reader->in_order = FALSE;
          }
      reader->read += n;
      next = first + n;
      if (n == 0)
        g_usleep (100);
    }

  return NULL;
}

/* The UI thread appends and evicts while the reader reads: every record is
 * read once, in order, or counted as missed (run under AddressSanitizer in
 * the suite, which would see text read after it was freed). */
static void
test_reader_concurrent (void)
{
  g_autoptr(LdStore) store = ld_store_new (5000);
  Reader reader = { store, 0, 200000, FALSE };
  GThread *thread;

  ld_store_attach_reader (store);
  thread = g_thread_new ("reader", read_all, &reader);
  for (guint i = 0; i < 200; i++)
    {
      append_numbered (store, i * 1000, 1000);
      if (i % 50 == 49)
        ld_store_clear (store);
      if (i % 20 == 0)
        g_usleep (1000);
    }
  g_thread_join (thread);

  g_assert_true (reader.in_order);
  g_assert_cmpuint (reader.read + ld_store_get_n_missed (store), ==, 200000);
}

/* Records skipped on arrival (one append brings more than the store
 * holds) are held for the reader like evicted ones, in their place among
 * them and with their own numbers: the archive loses none of a burst
 * (found in review, then by the whole-session search's test). */
static void
test_reader_skipped_held (void)
{
  g_autoptr(LdStore) store = ld_store_new (100);
  LdRecord records[1000];
  guint64 first, next = ld_store_attach_reader (store);
  guint n, total = 0;

  append_numbered (store, 0, 50);     /* 0..49 */
  append_numbered (store, 50, 150);   /* 0..49 held, 50..99 skipped and held, 100..199 kept */
  append_numbered (store, 200, 50);   /* 100..149 held after them */
  while ((n = ld_store_read (store, next, records, G_N_ELEMENTS (records), &first)) > 0)
    {
      for (guint i = 0; i < n; i++)
        g_assert_cmpuint (number_of (&records[i]), ==, first + i);
      total += n;
      next = first + n;
    }
  g_assert_cmpuint (total, ==, 250);
  g_assert_cmpuint (ld_store_get_n_missed (store), ==, 0);
  g_assert_cmpuint (ld_store_get_n_evicted (store), ==, 150);
}

/* A reader that stops reading does not keep the stream's text alive: held
 * records are bounded, and reading resumes after the gap. */
static void
test_reader_stalled (void)
{
  g_autoptr(LdStore) store = ld_store_new (1000);
  g_autofree LdRecord *records = g_new (LdRecord, 4096);
  guint64 first, next = ld_store_attach_reader (store);
  guint n;

  /* Handed a slice, then stalled while 600,000 more arrive. */
  append_numbered (store, 0, 1000);
  n = ld_store_read (store, next, records, 100, &first);
  g_assert_cmpuint (n, ==, 100);
  for (guint i = 1; i < 601; i++)
    append_numbered (store, i * 1000, 1000);
  /* The slice handed out is still readable: its text was kept. */
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (number_of (&records[i]), ==, i);

  next = first + n;
  n = ld_store_read (store, next, records, 4096, &first);
  g_assert_cmpuint (first, >, next);
  g_assert_cmpuint (ld_store_get_n_missed (store), ==, first - next);
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (number_of (&records[i]), ==, first + i);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/store/append-and-fields", test_append_and_fields);
  g_test_add_func ("/store/interning", test_interning);
  g_test_add_func ("/store/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/store/eviction", test_eviction);
  g_test_add_func ("/store/runs", test_runs);
  g_test_add_func ("/store/one-signal-per-batch", test_one_signal_per_batch);
  g_test_add_func ("/store/size-limit", test_size_limit);
  g_test_add_func ("/store/counts", test_counts);
  g_test_add_func ("/store/growth-after-wrap", test_growth_after_wrap);
  g_test_add_func ("/store/reserve", test_reserve);
  g_test_add_func ("/store/batch-split-off", test_batch_split_off);
  g_test_add_func ("/store/handoff-limit", test_handoff_limit);
  g_test_add_func ("/store/million", test_million);
  g_test_add_func ("/store/reader/holds-evicted", test_reader_holds_evicted);
  g_test_add_func ("/store/reader/misses-when-far-behind", test_reader_misses_when_far_behind);
  g_test_add_func ("/store/reader/concurrent", test_reader_concurrent);
  g_test_add_func ("/store/reader/skipped-held", test_reader_skipped_held);
  g_test_add_func ("/store/reader/stalled", test_reader_stalled);

  return g_test_run ();
}
