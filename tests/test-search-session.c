// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.test"

/* "Search the whole session" in the window: a store capped far below what
 * a sender sends through a real TCP socket, a filter typed into the filter
 * bar, the offer that appears, and win.search-session listing every match
 * of the session's archive, not only those still in memory; the results'
 * rows, numbered by their own store, with no mark gutter and no fold badge
 * of the live table's records of the same numbers. */

#include "config.h"

#include <gtk/gtk.h>

#include <glib/gstdio.h>
#include <string.h>

#include "ld-application.h"
#include "ld-count-format.h"
#include "ld-row.h"
#include "ld-search-results.h"
#include "ld-window.h"
#include "ui-test-utils.h"

#define N_SENT      3000
#define MAX_RECORDS 1000

static LdApplication *app;

/* Every seventh record is a timeout: 429 of 3,000. */
static gboolean
is_timeout (guint i)
{
  return i % 7 == 0;
}

/* Every record of a chunk arrived: its last one is in the store, followed
 * at most by a few of Logdeck's own (a connection closing). */
static gboolean
record_arrived (gpointer data)
{
  LdStore *store = ld_application_get_store (app);
  guint n = ld_store_get_n_records (store);

  for (guint i = n; i > 0 && i + 20 > n; i--)
    {
      gsize length;
      const char *message = ld_record_get_message (ld_store_get_record (store, i - 1), &length);

      if (length == strlen (data) && memcmp (message, data, length) == 0)
        return TRUE;
    }

  return FALSE;
}

/* JSON lines, as a QueueHandler subclass writing json.dumps(record.__dict__)
 * sends them, through a real socket to the window's TCP listener. They go
 * in chunks of a quarter of the store, each once the last arrived: a store
 * takes in at most its limit at once, and counts a burst beyond it as not
 * archived (ld_store_append_batches()). */
static void
send_records (guint16 port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  GOutputStream *output;
  double created = g_get_real_time () / 1e6;

  /* Straight to the loopback listener: no proxy resolver in between. */
  g_socket_client_set_enable_proxy (client, FALSE);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  output = g_io_stream_get_output_stream (G_IO_STREAM (connection));

  for (guint chunk = 0; chunk < N_SENT; chunk += MAX_RECORDS / 4)
    {
      g_autoptr(GString) lines = g_string_new (NULL);
      g_autofree char *last = NULL;
      gsize written;

      for (guint i = chunk; i < chunk + MAX_RECORDS / 4 && i < N_SENT; i++)
        {
          g_free (last);
          if (is_timeout (i))
            last = g_strdup_printf ("Timeout on request %u, zürich", i);
          else
            last = g_strdup_printf ("request %u done", i);
          g_string_append_printf (lines, "{\"created\": %.6f, \"levelno\": %d, \"levelname\": "
                                  "\"%s\", \"name\": \"acme.api\", \"msg\": \"%s\"}\n",
                                  created, is_timeout (i) ? 40 : 20,
                                  is_timeout (i) ? "ERROR" : "INFO", last);
        }
      g_output_stream_write_all (output, lines->str, lines->len, &written, NULL, &error);
      g_assert_no_error (error);
      ui_wait_until (record_arrived, last, "a chunk of records");
    }

  g_io_stream_close (G_IO_STREAM (connection), NULL, &error);
  g_assert_no_error (error);
}

static GtkWidget *
find_filter_entry (GtkWidget *window)
{
  GtkWidget *entry = find_descendant (window, GTK_TYPE_SEARCH_ENTRY, NULL);
  g_autofree char *placeholder = NULL;

  g_assert_nonnull (entry);
  g_object_get (entry, "placeholder-text", &placeholder, NULL);
  g_assert_true (g_str_has_prefix (placeholder, "Filter"));
  return entry;
}

static gboolean
revealed (gpointer data)
{
  return gtk_revealer_get_reveal_child (data);
}

static gboolean
is_null (gpointer data)
{
  return *(gpointer *) data == NULL;
}

static gboolean
child_revealed (gpointer data)
{
  return gtk_revealer_get_child_revealed (data);
}

static gboolean
not_revealed (gpointer data)
{
  return !gtk_revealer_get_reveal_child (data);
}

static gboolean
label_has_prefix (gpointer data)
{
  GtkWidget *window = data;
  GtkWidget *title = find_descendant (window, GTK_TYPE_LABEL, "search-results-title");

  return title != NULL && gtk_widget_get_mapped (title)
         && g_str_has_prefix (gtk_label_get_text (GTK_LABEL (title)),
                              g_object_get_data (G_OBJECT (window), "ld-expected-title"));
}

static gboolean
table_shown (gpointer data)
{
  GtkWidget *table = find_descendant (data, GTK_TYPE_COLUMN_VIEW, "record-table");

  return table != NULL && gtk_widget_get_mapped (table)
         && !gtk_widget_has_css_class (table, "search-results-table");
}

/* The live table holds the newest thousand; the results hold every
 * timeout the sender sent, in order. */
static void
test_search_whole_session (void)
{
  LdWindow *window = g_object_ref (ld_window_new (app));
  GtkWidget *widget = GTK_WIDGET (window);
  LdIngest *ingest = ld_session_get_ingest (ld_application_get_session (app));
  GtkRevealer *offer;
  GtkWidget *table;
  GListModel *matches;
  guint n_expected = 0, n_live = 0;
  LdFilterModel *live = ld_window_get_model (window);
  GtkWidget *results;

  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 760);
  gtk_window_present (GTK_WINDOW (window));
  wait_painted (widget);

  send_records (ld_ingest_get_bound_port (ingest, "tcp"));
  g_assert_cmpuint (ld_store_get_n_records (ld_application_get_store (app)), <=, MAX_RECORDS);

  /* No filter, no offer. */
  offer = GTK_REVEALER (find_descendant (widget, GTK_TYPE_REVEALER, "search-offer"));
  g_assert_nonnull (offer);
  g_assert_false (gtk_revealer_get_reveal_child (offer));

  gtk_editable_set_text (GTK_EDITABLE (find_filter_entry (widget)), "timeout");
  ui_wait_until (revealed, offer, "the offer to search the whole session");
  ui_wait_until (child_revealed, offer, "the offer's bar to slide down");
  wait_painted (widget);
  save_screenshot (widget, "search-session-offer-1200x760.png");
  ld_filter_model_flush (live);
  n_live = g_list_model_get_n_items (G_LIST_MODEL (live));
  for (guint i = 0; i < N_SENT; i++)
    n_expected += is_timeout (i);
  g_assert_cmpuint (n_live, <, n_expected);

  gtk_widget_activate_action (widget, "win.search-session", NULL);
  g_object_set_data_full (G_OBJECT (window), "ld-expected-title",
                          g_strdup_printf ("%u matches in the whole session", n_expected), g_free);
  ui_wait_until (label_has_prefix, window, "the search's count");
  g_assert_false (gtk_revealer_get_reveal_child (offer));

  table = find_descendant (widget, GTK_TYPE_COLUMN_VIEW, "search-results-table");
  g_assert_true (gtk_widget_get_mapped (table));
  matches = G_LIST_MODEL (gtk_column_view_get_model (GTK_COLUMN_VIEW (table)));
  g_assert_cmpuint (g_list_model_get_n_items (matches), ==, n_expected);
  for (guint i = 0; i < n_expected; i++)
    {
      g_autoptr(LdRow) row = g_list_model_get_item (matches, i);
      g_autofree char *expected = g_strdup_printf ("Timeout on request %u, zürich", i * 7);
      gsize length;
      const char *message = ld_record_get_message (ld_row_get_record (row), &length);

      g_assert_cmpmem (message, length, expected, strlen (expected));
    }

  /* The first match in the detail pane, as a click on it shows. */
  gtk_selection_model_select_item (gtk_column_view_get_model (GTK_COLUMN_VIEW (table)), 0, TRUE);
  wait_painted (widget);
  save_screenshot (widget, "search-session-1200x760.png");

  /* Back: the live table, the offer again. */
  gtk_widget_activate_action (widget, "win.close-search-results", NULL);
  ui_wait_until (table_shown, widget, "the live table again");
  ui_wait_until (revealed, offer, "the offer again");

  /* Without a filter, nothing to offer. */
  gtk_editable_set_text (GTK_EDITABLE (find_filter_entry (widget)), "");
  ui_wait_until (not_revealed, offer, "the offer to go with the filter");

  /* The results page goes with the window. */
  results = find_descendant (widget, LD_TYPE_SEARCH_RESULTS, NULL);
  g_assert_nonnull (results);
  g_object_add_weak_pointer (G_OBJECT (results), (gpointer *) &results);
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
  ui_wait_until (is_null, &results, "the results page to go");
}

/* A search given up for Back, while it still runs, neither lists nor
 * leaks anything, and the window still goes away whole. */
static void
test_back_while_searching (void)
{
  LdWindow *window = g_object_ref (ld_window_new (app));
  GtkWidget *widget = GTK_WIDGET (window);
  GtkWidget *results;

  gtk_window_present (GTK_WINDOW (window));
  wait_painted (widget);
  gtk_editable_set_text (GTK_EDITABLE (find_filter_entry (widget)), "request");
  gtk_widget_activate_action (widget, "win.search-session", NULL);
  gtk_widget_activate_action (widget, "win.close-search-results", NULL);
  ui_wait_until (table_shown, widget, "the live table");
  gtk_widget_activate_action (widget, "win.search-session", NULL);

  /* The search still running holds the page only until it has stopped. */
  results = find_descendant (widget, LD_TYPE_SEARCH_RESULTS, NULL);
  g_object_add_weak_pointer (G_OBJECT (results), (gpointer *) &results);
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
  ui_wait_until (is_null, &results, "the results page to go");
}

/* The level toggle whose badge starts with @name ("ERROR 143"). */
static GtkWidget *
find_level_toggle (GtkWidget  *widget,
                   const char *name)
{
  if (GTK_IS_TOGGLE_BUTTON (widget) && gtk_widget_has_css_class (widget, "level-toggle"))
    {
      GtkWidget *label = gtk_button_get_child (GTK_BUTTON (widget));

      if (GTK_IS_LABEL (label) && g_str_has_prefix (gtk_label_get_text (GTK_LABEL (label)), name))
        return widget;
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_level_toggle (child, name);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static gboolean
query_is_request (gpointer data)
{
  LdQuery *query = ld_filter_model_get_query (ld_window_get_model (data));

  return query != NULL && g_strcmp0 (ld_query_get_text (query), "request") == 0;
}

/* A level the table hides is hidden in the whole session's matches too,
 * and not counted; of more matches than the store keeps, the newest are
 * listed. */
static void
test_hidden_level (void)
{
  LdWindow *window = g_object_ref (ld_window_new (app));
  GtkWidget *widget = GTK_WIDGET (window);
  GtkRevealer *offer = GTK_REVEALER (find_descendant (widget, GTK_TYPE_REVEALER, "search-offer"));
  GtkWidget *error_toggle;
  GtkWidget *table, *title;
  GListModel *matches;
  g_autofree char *count = NULL;
  guint n_expected = 0;

  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 760);
  gtk_window_present (GTK_WINDOW (window));
  wait_painted (widget);

  error_toggle = find_level_toggle (widget, "ERROR");
  g_assert_nonnull (error_toggle);
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (error_toggle)));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (error_toggle), FALSE);
  gtk_editable_set_text (GTK_EDITABLE (find_filter_entry (widget)), "request");
  /* The hidden level alone brings the offer: the search waits for the
   * typed text too, or it would count every record but the errors. */
  ui_wait_until (query_is_request, window, "the filter applied");
  ui_wait_until (revealed, offer, "the offer to search the whole session");

  for (guint i = 0; i < N_SENT; i++)
    n_expected += !is_timeout (i);
  gtk_widget_activate_action (widget, "win.search-session", NULL);
  count = ld_format_count (n_expected);
  g_object_set_data_full (G_OBJECT (window), "ld-expected-title",
                          g_strdup_printf ("%s matches in the whole session", count), g_free);
  ui_wait_until (label_has_prefix, window, "the search's count");
  /* More matches than memory keeps: the newest are listed, and it says so. */
  title = find_descendant (widget, GTK_TYPE_LABEL, "search-results-title");
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (title)), "the newest 1,000 are listed"));
  table = find_descendant (widget, GTK_TYPE_COLUMN_VIEW, "search-results-table");
  matches = G_LIST_MODEL (gtk_column_view_get_model (GTK_COLUMN_VIEW (table)));
  g_assert_cmpuint (g_list_model_get_n_items (matches), ==, MAX_RECORDS);
  for (guint i = 0; i < MAX_RECORDS; i++)
    {
      g_autoptr(LdRow) row = g_list_model_get_item (matches, i);

      g_assert_cmpint (ld_row_get_record (row)->level, ==, 20);
    }

  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (error_toggle), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (find_filter_entry (widget)), "");
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
}

static gboolean
results_hidden (gpointer data)
{
  return !gtk_widget_get_mapped (find_descendant (data, LD_TYPE_SEARCH_RESULTS, NULL));
}

/* The store's first record from @from on whose message starts with @prefix. */
static guint64
find_seq (const char *prefix,
          guint64     from)
{
  LdStore *store = ld_application_get_store (app);
  guint64 first = ld_store_get_first_seq (store);

  for (guint i = from > first ? (guint) (from - first) : 0; i < ld_store_get_n_records (store); i++)
    {
      gsize length;
      const char *message = ld_record_get_message (ld_store_get_record (store, i), &length);

      if (length >= strlen (prefix) && memcmp (message, prefix, strlen (prefix)) == 0)
        return first + i;
    }

  g_error ("no record starting with \"%s\" in the store", prefix);
}

static char *
message_of (guint64 seq)
{
  LdStore *store = ld_application_get_store (app);
  gsize length;
  const char *message = ld_record_get_message (
    ld_store_get_record (store, (guint) (seq - ld_store_get_first_seq (store))), &length);

  return g_strndup (message, length);
}

/* Selects the record of @seq in the table and marks or unmarks it, as
 * Ctrl+M does. */
static void
toggle_mark (GtkWidget *window,
             guint64    seq)
{
  GtkWidget *table = find_descendant (window, GTK_TYPE_COLUMN_VIEW, "record-table");
  LdFilterModel *model = ld_window_get_model (LD_WINDOW (window));
  int position;

  ld_filter_model_flush (model);
  position = ld_filter_model_find_seq (model, seq);
  g_assert_cmpint (position, >=, 0);
  gtk_single_selection_set_selected (GTK_SINGLE_SELECTION (gtk_column_view_get_model (
                                       GTK_COLUMN_VIEW (table))), position);
  gtk_widget_activate_action (window, "win.toggle-mark", NULL);
}

typedef struct
{
  LdFilterModel *model;
  const char    *text;
} QueryWait;

static gboolean
query_applied (gpointer data)
{
  QueryWait *wait = data;
  LdQuery *query = ld_filter_model_get_query (wait->model);

  return g_strcmp0 (query != NULL ? ld_query_get_text (query) : "", wait->text) == 0;
}

/* Types @text into the filter bar and waits for the table to apply it. */
static void
type_filter (GtkWidget  *widget,
             const char *text)
{
  QueryWait wait = { ld_window_get_model (LD_WINDOW (widget)), text };

  gtk_editable_set_text (GTK_EDITABLE (find_filter_entry (widget)), text);
  ui_wait_until (query_applied, &wait, "the filter typed");
  ld_filter_model_flush (wait.model);
}

/* Types @text into the filter bar, searches the whole session with it and
 * checks that it lists exactly the records with @messages, in order. */
static void
search_for (GtkWidget  *widget,
            const char *text,
            guint       n_expected,
            char      **messages)
{
  GtkWidget *table;
  GListModel *matches;

  type_filter (widget, text);
  gtk_widget_activate_action (widget, "win.search-session", NULL);
  g_object_set_data_full (G_OBJECT (widget), "ld-expected-title",
                          g_strdup_printf ("%u match%s in the whole session", n_expected,
                                           n_expected == 1 ? "" : "es"), g_free);
  ui_wait_until (label_has_prefix, widget, "the search's count");

  table = find_descendant (widget, GTK_TYPE_COLUMN_VIEW, "search-results-table");
  matches = G_LIST_MODEL (gtk_column_view_get_model (GTK_COLUMN_VIEW (table)));
  g_assert_cmpuint (g_list_model_get_n_items (matches), ==, n_expected);
  for (guint i = 0; i < n_expected; i++)
    {
      g_autoptr(LdRow) row = g_list_model_get_item (matches, i);
      gsize length;
      const char *message = ld_record_get_message (ld_row_get_record (row), &length);

      g_assert_cmpmem (message, length, messages[i], strlen (messages[i]));
    }
}

/* is:marked over the whole session: records marked while the window held
 * them are found once they are on disk only, and a mark made or taken off
 * just before the search counts as the window shows it, stored yet or not. */
static void
test_marked (void)
{
  LdWindow *window = g_object_ref (ld_window_new (app));
  GtkWidget *widget = GTK_WIDGET (window);
  LdIngest *ingest = ld_session_get_ingest (ld_application_get_session (app));
  LdStore *store = ld_application_get_store (app);
  GtkRevealer *offer = GTK_REVEALER (find_descendant (widget, GTK_TYPE_REVEALER, "search-offer"));
  guint64 seqs[4];
  char *messages[4];

  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 760);
  gtk_window_present (GTK_WINDOW (window));
  wait_painted (widget);
  type_filter (widget, "");

  /* An error and two other records, in the order they arrived. */
  seqs[0] = find_seq ("request", 0);
  seqs[1] = find_seq ("Timeout", seqs[0]);
  seqs[2] = find_seq ("request", seqs[1]);
  for (guint i = 0; i < 3; i++)
    {
      messages[i] = message_of (seqs[i]);
      toggle_mark (widget, seqs[i]);
    }

  /* More than the store keeps: the marked records are on disk only. */
  send_records (ld_ingest_get_bound_port (ingest, "tcp"));
  g_assert_cmpuint (ld_store_get_first_seq (store), >, seqs[2]);

  /* An error marked just now, while still in memory. */
  seqs[3] = find_seq ("Timeout", ld_store_get_first_seq (store));
  messages[3] = message_of (seqs[3]);
  toggle_mark (widget, seqs[3]);

  search_for (widget, "is:marked", 4, messages);
  g_assert_false (gtk_revealer_get_reveal_child (offer));
  wait_painted (widget);
  save_screenshot (widget, "search-session-marked-1200x760.png");
  gtk_widget_activate_action (widget, "win.close-search-results", NULL);
  ui_wait_until (table_shown, widget, "the live table again");

  /* The new mark taken off again, and at once the errors among the marks:
   * only the one on disk. */
  type_filter (widget, "");
  toggle_mark (widget, seqs[3]);
  search_for (widget, "is:marked level>=ERROR", 1, &messages[1]);
  gtk_widget_activate_action (widget, "win.close-search-results", NULL);
  /* None of the window's own records is a marked error now. */
  ui_wait_until (results_hidden, widget, "the results to go");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (ld_window_get_model (window))), ==, 0);

  type_filter (widget, "");
  for (guint i = 0; i < G_N_ELEMENTS (messages); i++)
    g_free (messages[i]);
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
}

/* The results' rows */

#define N_TICKS 50

static gboolean
ticks_arrived (gpointer data)
{
  LdStore *store = ld_application_get_store (app);
  guint n = 0;

  for (guint i = 0; i < ld_store_get_n_records (store); i++)
    n += g_strcmp0 (ld_intern_lookup (ld_store_get_record (store, i)->logger), "acme.tick") == 0;

  return n == N_TICKS;
}

/* The fold badges shown under @widget. */
static guint
count_badges (GtkWidget *widget)
{
  guint n = 0;

  if (gtk_widget_has_css_class (widget, "fold-badge"))
    return gtk_widget_get_mapped (widget) ? 1 : 0;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_badges (child);

  return n;
}

static gboolean
one_badge (gpointer data)
{
  return count_badges (data) == 1;
}

/* The session's first records are a run of repeats, which the live table
 * folds; the results of a search for them are numbered 0, 1, 2… by the
 * results' own store, the numbers of those folded records. The results
 * show no gutter that would mark the session's record of the same number,
 * and no badge of its run. Runs first, while the session's numbers are low. */
static void
test_results_rows (void)
{
  LdWindow *window = g_object_ref (ld_window_new (app));
  GtkWidget *widget = GTK_WIDGET (window);
  GtkRevealer *offer = GTK_REVEALER (find_descendant (widget, GTK_TYPE_REVEALER, "search-offer"));
  GtkWidget *live = find_descendant (widget, GTK_TYPE_COLUMN_VIEW, "record-table");
  LdStore *store = ld_application_get_store (app);
  LdBatch *batch = ld_batch_new ();
  GtkWidget *table;
  GListModel *live_columns, *columns;

  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 760);
  gtk_window_present (GTK_WINDOW (window));
  wait_painted (widget);
  g_action_group_activate_action (G_ACTION_GROUP (window), "fold-repeats", NULL);

  for (guint i = 0; i < N_TICKS; i++)
    {
      g_autofree char *message = g_strdup_printf ("tick %u", i);
      LdRecordFields fields = {
        .time_us = g_get_real_time () + i, .level = 20, .level_name = "INFO",
        .logger = "acme.tick", .message = message,
      };

      ld_batch_add (batch, &fields);
    }
  ld_handoff_push_batch (ld_application_get_handoff (app), batch);
  ui_wait_until (ticks_arrived, NULL, "the ticks");
  /* Only a few of Logdeck's own records came before them. */
  g_assert_cmpuint (ld_store_get_first_seq (store) + ld_store_get_n_records (store), <,
                    N_TICKS + 10);

  /* Every record is still in memory, so nothing is offered; the action
   * searches all the same. */
  gtk_editable_set_text (GTK_EDITABLE (find_filter_entry (widget)), "tick");
  /* The live table folds the ticks into one row with its badge. */
  ui_wait_until (one_badge, live, "the ticks filtered and folded");
  g_assert_false (gtk_revealer_get_reveal_child (offer));

  gtk_widget_activate_action (widget, "win.search-session", NULL);
  g_object_set_data_full (G_OBJECT (window), "ld-expected-title",
                          g_strdup_printf ("%u matches in the whole session", N_TICKS), g_free);
  ui_wait_until (label_has_prefix, window, "the search's count");
  table = find_descendant (widget, GTK_TYPE_COLUMN_VIEW, "search-results-table");
  wait_painted (widget);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (gtk_column_view_get_model (
                      GTK_COLUMN_VIEW (table)))), ==, N_TICKS);
  g_assert_nonnull (find_descendant (table, GTK_TYPE_INSCRIPTION, NULL));
  g_assert_cmpuint (count_badges (table), ==, 0);
  g_assert_null (find_descendant (table, GTK_TYPE_WIDGET, "mark-gutter"));
  live_columns = gtk_column_view_get_columns (GTK_COLUMN_VIEW (live));
  columns = gtk_column_view_get_columns (GTK_COLUMN_VIEW (table));
  g_assert_cmpuint (g_list_model_get_n_items (columns) + 1, ==,
                    g_list_model_get_n_items (live_columns));

  gtk_widget_activate_action (widget, "win.close-search-results", NULL);
  ui_wait_until (table_shown, widget, "the live table again");
  g_action_group_activate_action (G_ACTION_GROUP (window), "fold-repeats", NULL);
  gtk_editable_set_text (GTK_EDITABLE (find_filter_entry (widget)), "");
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data_home = NULL;
  int status;

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_test_init (&argc, &argv, NULL);
      g_test_skip ("no display: run under xvfb-run, as build-aux/test does");
      return g_test_run ();
    }

  /* An archive folder of this test's own. */
  data_home = g_dir_make_tmp ("ld-search-XXXXXX", NULL);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  /* Ports of the system's choosing; a store that keeps the newest thousand. */
  {
    g_autoptr(GSettings) settings = ld_settings_new ();
    g_settings_set_value (settings, "tcp-port", g_variant_new_uint16 (0));
    g_settings_set_value (settings, "udp-port", g_variant_new_uint16 (0));
    g_settings_set_value (settings, "http-port", g_variant_new_uint16 (0));
    g_settings_set_string (settings, "nng-listen", "");
    g_settings_set_uint (settings, "max-records", MAX_RECORDS);
    g_settings_set_boolean (settings, "archive", TRUE);
    /* Not following: GTK 4.8's column view warns "failed to scroll to
     * given position" when a window follows the newest record through a
     * filter change, which is GTK's, not the search's. */
    g_settings_set_boolean (settings, "follow", FALSE);
  }

  app = ld_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);

  g_test_add_func ("/search-session/results-rows", test_results_rows);
  g_test_add_func ("/search-session/whole-session", test_search_whole_session);
  g_test_add_func ("/search-session/hidden-level", test_hidden_level);
  g_test_add_func ("/search-session/back-while-searching", test_back_while_searching);
  g_test_add_func ("/search-session/marked", test_marked);

  status = g_test_run ();
  g_clear_object (&app);
  remove_tree (data_home);
  return status;
}
