// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.test"

/* The window's side of the standards' inputs (issue #14): records that come
 * in over the real OTLP/HTTP and syslog listeners of the window's own
 * session, on ports of the system's choosing, bring up the Host and Service
 * columns; the detail pane shows their host, service and trace, and "Show
 * This Trace" filters the table through the filter bar; the connection
 * monitor lists the hosts a relay forwards over one connection; the empty
 * page says how to send with each protocol on the ports actually bound. */

#include "config.h"

#include <gtk/gtk.h>
#include <string.h>

#include "ld-application.h"
#include "ld-connection-monitor.h"
#include "ld-dashboard.h"
#include "ld-detail-pane.h"
#include "ld-sidebar.h"
#include "ld-window-private.h"
#include "ui-test-utils.h"

#define TRACE_A "5b8efff798038103d269b633813fc60c"
#define TRACE_B "0af7651916cd43dd8448eb211c80319c"
#define SPAN_A1 "eee19b7ec3c1b174"

static LdApplication *app;

/* Lets the window lay out and draw what it has. */
static void
settle (void)
{
  gint64 end = g_get_monotonic_time () + 150 * G_TIME_SPAN_MILLISECOND;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
}

static const char *
widget_text (GtkWidget *widget)
{
  if (GTK_IS_INSCRIPTION (widget))
    return gtk_inscription_get_text (GTK_INSCRIPTION (widget));
  return gtk_label_get_text (GTK_LABEL (widget));
}

/* The mapped widgets under @widget that show @text (labels, inscriptions). */
static GtkWidget *
find_text (GtkWidget  *widget,
           const char *text)
{
  if ((GTK_IS_LABEL (widget) || GTK_IS_INSCRIPTION (widget)) && gtk_widget_get_mapped (widget)
      && g_strcmp0 (widget_text (widget), text) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_text (child, text);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static GtkWidget *
find_button (GtkWidget  *widget,
             const char *label)
{
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button (child, label);

      if (found != NULL)
        return found;
    }

  return NULL;
}

typedef struct
{
  GtkWidget  *widget;
  const char *text;
} TextWait;

static gboolean
text_shown (gpointer data)
{
  TextWait *wait = data;

  return find_text (wait->widget, wait->text) != NULL;
}

static void
wait_for_text (GtkWidget  *widget,
               const char *text)
{
  TextWait wait = { widget, text };

  ui_wait_until (text_shown, &wait, text);
}

/* How many stored records came from a sender (not Logdeck's own). */
static guint
n_sender_records (void)
{
  LdStore *store = ld_application_get_store (app);
  guint n = 0;

  for (guint i = 0; i < ld_store_get_n_records (store); i++)
    n += ld_store_get_record (store, i)->host != LD_INTERN_NONE;

  return n;
}

static gboolean
sender_records_are (gpointer data)
{
  return n_sender_records () == GPOINTER_TO_UINT (data);
}

static gboolean
shown_is (gpointer data)
{
  LdWindow *window = LD_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));

  return g_list_model_get_n_items (G_LIST_MODEL (window->model)) == GPOINTER_TO_UINT (data)
         && ld_filter_model_get_pending (window->model) == 0;
}

static guint16
bound_port (const char *which)
{
  return ld_ingest_get_bound_port (ld_session_get_ingest (ld_application_get_session (app)),
                                   which);
}

static LdWindow *
new_window (int width,
            int height)
{
  LdWindow *window = g_object_ref (ld_window_new (app));

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_present (GTK_WINDOW (window));
  wait_painted (GTK_WIDGET (window));
  return window;
}

static void
close_window (LdWindow *window)
{
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
  ld_store_clear (ld_application_get_store (app));
}

static void
shoot (LdWindow   *window,
       const char *name)
{
  wait_painted (GTK_WIDGET (window));
  save_screenshot (GTK_WIDGET (window), name);
}

/* Senders, over real sockets */

/* POSTs @body to the window's OTLP/HTTP listener, as an SDK's exporter
 * does, and returns the HTTP status. The listener runs on the ingest
 * thread, so a blocking client on this one is answered. */
static guint
post_otlp_json (const char *body)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *request = NULL;
  char reply[256] = "";
  gsize n_read = 0;
  guint status = 0;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", bound_port ("otlp"), NULL,
                                                &error);
  g_assert_no_error (error);
  request = g_strdup_printf ("POST /v1/logs HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                             "Content-Type: application/json\r\nContent-Length: %zu\r\n"
                             "Connection: close\r\n\r\n%s", strlen (body), body);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)), request,
                             strlen (request), NULL, NULL, &error);
  g_assert_no_error (error);
  g_input_stream_read_all (g_io_stream_get_input_stream (G_IO_STREAM (connection)), reply,
                           sizeof reply - 1, &n_read, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sscanf (reply, "HTTP/1.1 %u", &status), ==, 1);
  return status;
}

/* One OTLP log record as JSON: a service on a host, in a trace or not. */
static void
append_otlp_resource (GString    *body,
                      const char *service,
                      const char *host,
                      const char *trace,
                      const char *span,
                      const char *message)
{
  g_string_append_printf (body,
                          "%s{\"resource\":{\"attributes\":["
                          "{\"key\":\"service.name\",\"value\":{\"stringValue\":\"%s\"}},"
                          "{\"key\":\"host.name\",\"value\":{\"stringValue\":\"%s\"}},"
                          "{\"key\":\"deployment.environment\","
                          "\"value\":{\"stringValue\":\"staging\"}}]},"
                          "\"scopeLogs\":[{\"scope\":{\"name\":\"shop.%s\"},\"logRecords\":[{"
                          "\"timeUnixNano\":\"%" G_GINT64_FORMAT "000\",\"severityNumber\":9,"
                          "\"severityText\":\"INFO\",\"body\":{\"stringValue\":\"%s\"},"
                          "\"attributes\":[{\"key\":\"http.route\","
                          "\"value\":{\"stringValue\":\"/cart\"}}]",
                          body->len > 18 ? "," : "", service, host, service,
                          g_get_real_time (), message);
  if (trace != NULL)
    g_string_append_printf (body, ",\"traceId\":\"%s\",\"spanId\":\"%s\"", trace, span);
  g_string_append (body, "}]}]}");
}

/* Five records from two services on two hosts: three of trace A across
 * both services, one of trace B, one in no trace. */
static void
send_shop_records (void)
{
  g_autoptr(GString) body = g_string_new ("{\"resourceLogs\":[");
  guint before = n_sender_records ();

  append_otlp_resource (body, "checkout", "web-1", TRACE_A, SPAN_A1, "cart opened");
  append_otlp_resource (body, "payments", "web-2", TRACE_A, "a1b2c3d4e5f60718", "card charged");
  append_otlp_resource (body, "checkout", "web-1", TRACE_A, SPAN_A1, "order placed");
  append_otlp_resource (body, "checkout", "web-1", TRACE_B, "1111222233334444", "cart viewed");
  append_otlp_resource (body, "payments", "web-2", NULL, NULL, "settlement batch ran");
  g_string_append (body, "]}");

  g_assert_cmpuint (post_otlp_json (body->str), ==, 200);
  ui_wait_until (sender_records_are, GUINT_TO_POINTER (before + 5), "the OTLP records");
}

/* Columns */

static GtkColumnViewColumn *
column_with_id (LdWindow   *window,
                const char *id)
{
  GListModel *list = gtk_column_view_get_columns (window->column_view);

  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (list, i);

      if (g_str_equal (g_object_get_data (G_OBJECT (column), "ld-column-id"), id))
        return column;
    }

  g_assert_not_reached ();
}

static gboolean
column_shown (gpointer data)
{
  return gtk_column_view_column_get_visible (data);
}

static gboolean
column_hidden (gpointer data)
{
  return !gtk_column_view_column_get_visible (data);
}

/* Whether the table's header shows a column titled @title. */
static gboolean
header_shows (LdWindow   *window,
              const char *title)
{
  GtkWidget *header = gtk_widget_get_first_child (GTK_WIDGET (window->column_view));

  return find_text (header, title) != NULL;
}

static void
reset_column_settings (void)
{
  GSettings *settings = ld_application_get_settings (app);

  g_settings_reset (settings, "column-order");
  g_settings_reset (settings, "column-widths");
  g_settings_reset (settings, "hidden-columns");
  g_settings_reset (settings, "revealed-columns");
  g_settings_reset (settings, "filter-query");
}

/* Host and Service are hidden until a record has them, then shown; a user
 * who hides one by hand keeps it hidden, through new records and a new
 * window. */
static void
test_columns_appear (void)
{
  LdWindow *window;

  reset_column_settings ();
  window = new_window (1400, 900);
  g_assert_false (gtk_column_view_column_get_visible (column_with_id (window, "host")));
  g_assert_false (gtk_column_view_column_get_visible (column_with_id (window, "service")));

  send_shop_records ();
  wait_for_text (GTK_WIDGET (window->column_view), "web-2");
  g_assert_true (gtk_column_view_column_get_visible (column_with_id (window, "host")));
  g_assert_true (gtk_column_view_column_get_visible (column_with_id (window, "service")));
  g_assert_true (header_shows (window, "Host"));
  g_assert_true (header_shows (window, "Service"));
  g_assert_true (header_shows (window, "Logger"));
  g_assert_nonnull (find_text (GTK_WIDGET (window->column_view), "payments"));
  shoot (window, "standards-columns.png");

  /* Hidden by hand, as from the header menu: the next records leave it so. */
  gtk_widget_activate_action (GTK_WIDGET (window), "columns.host", NULL);
  g_assert_false (gtk_column_view_column_get_visible (column_with_id (window, "host")));
  send_shop_records ();
  settle ();
  g_assert_false (gtk_column_view_column_get_visible (column_with_id (window, "host")));
  gtk_window_close (GTK_WINDOW (window));
  g_assert_finalize_object (window);
  ld_store_clear (ld_application_get_store (app));

  /* And so does a new window, with records in the store already. */
  send_shop_records ();
  window = new_window (1400, 900);
  g_assert_false (gtk_column_view_column_get_visible (column_with_id (window, "host")));
  g_assert_true (gtk_column_view_column_get_visible (column_with_id (window, "service")));
  close_window (window);
  reset_column_settings ();
}

/* Detail pane and Show This Trace */

static guint
position_of (LdWindow   *window,
             const char *message)
{
  GListModel *model = G_LIST_MODEL (window->model);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(LdRow) row = g_list_model_get_item (model, i);
      gsize length;
      const char *text = ld_record_get_message (ld_row_get_record (row), &length);

      if (length == strlen (message) && memcmp (text, message, length) == 0)
        return i;
    }

  g_assert_not_reached ();
}

static void
select_record (LdWindow   *window,
               const char *message)
{
  gtk_single_selection_set_selected (window->selection, position_of (window, message));
  settle ();
  g_assert_true (gtk_widget_get_visible (window->detail_pane));
}

static gboolean
filter_text_is (gpointer data)
{
  LdWindow *window = LD_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));

  return g_str_equal (gtk_editable_get_text (GTK_EDITABLE (window->filter_entry)), data);
}

/* A button activated as by the keyboard, which clicks it after its
 * pressed look has shown; the filter bar then says @query. */
static void
click (LdWindow   *window,
       GtkWidget  *button,
       const char *query)
{
  g_assert_true (gtk_widget_get_mapped (button));
  gtk_widget_activate (button);
  ui_wait_until (filter_text_is, (gpointer) query, query);
}

static void
test_trace_in_detail_pane (void)
{
  LdWindow *window;
  GtkWidget *show_trace, *show_span;

  reset_column_settings ();
  window = new_window (1400, 900);
  /* Logdeck's own records (a listener's news) are not the shop's. */
  ld_sidebar_set_logger_excluded (window->sidebar, "logdeck", TRUE);
  send_shop_records ();
  ui_wait_until (shown_is, GUINT_TO_POINTER (5), "the five records shown");

  select_record (window, "card charged");
  wait_for_text (window->detail_pane, "payments");
  g_assert_nonnull (find_text (window->detail_pane, "web-2"));
  g_assert_nonnull (find_text (window->detail_pane, TRACE_A));
  g_assert_nonnull (find_text (window->detail_pane, "a1b2c3d4e5f60718"));
  /* Attributes and the other resource attributes are extra fields; the
   * trace context is not repeated among them. */
  g_assert_nonnull (find_text (window->detail_pane, "/cart"));
  g_assert_nonnull (find_text (window->detail_pane, "staging"));
  g_assert_null (find_text (window->detail_pane, "trace_id"));
  show_trace = find_button (window->detail_pane, "Show This Trace");
  show_span = find_button (window->detail_pane, "Show This Span");
  g_assert_true (gtk_widget_get_mapped (show_trace));
  g_assert_true (gtk_widget_get_mapped (show_span));
  shoot (window, "standards-detail-pane.png");

  /* Clicked: the filter bar says trace=…, and the table shows the trace's
   * three records, from both services. */
  click (window, show_trace, "trace=" TRACE_A);
  g_assert_true (gtk_search_bar_get_search_mode (window->filter_bar));
  ui_wait_until (shown_is, GUINT_TO_POINTER (3), "the trace's three records");
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(LdRow) row = g_list_model_get_item (G_LIST_MODEL (window->model), i);
      LdValueType type;
      const char *trace;
      gsize length;

      g_assert_true (ld_record_get_extra (ld_row_get_record (row), "trace_id", &type, &trace,
                                          &length));
      g_assert_cmpmem (trace, length, TRACE_A, strlen (TRACE_A));
    }
  shoot (window, "standards-trace-filter.png");

  /* The span's button narrows to the span: two records of checkout. */
  select_record (window, "cart opened");
  click (window, find_button (window->detail_pane, "Show This Span"), "span=" SPAN_A1);
  ui_wait_until (shown_is, GUINT_TO_POINTER (2), "the span's two records");

  /* A record in no trace has no trace row, and no button. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.clear-filters", NULL);
  ld_sidebar_set_logger_excluded (window->sidebar, "logdeck", TRUE);
  ui_wait_until (shown_is, GUINT_TO_POINTER (5), "the five records again");
  select_record (window, "settlement batch ran");
  g_assert_false (gtk_widget_get_mapped (find_button (window->detail_pane, "Show This Trace")));
  g_assert_null (find_text (window->detail_pane, TRACE_A));

  ld_sidebar_reset (window->sidebar);
  close_window (window);
  reset_column_settings ();
}

/* Per-host identity: a relay's connection */

/* A relay forwarding three hosts' records over one TCP connection to the
 * window's syslog listener, RFC 5424 lines as rsyslog's omfwd sends them.
 * The connection stays open, as a relay's does. */
static GSocketConnection *
relay_syslog (void)
{
  static const char *hosts[] = { "edge-2", "edge-1", "db-1", "edge-2", "edge-2", "edge-1" };
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GString) lines = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", bound_port ("syslog"), NULL,
                                                &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (hosts); i++)
    g_string_append_printf (lines, "<%d>1 2026-12-06T02:00:0%u.000Z %s shop %u - - relayed %u\n",
                            i == 1 ? 11 : 14, i, hosts[i], 100 + i, i);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                             lines->str, lines->len, NULL, NULL, &error);
  g_assert_no_error (error);
  ui_wait_until (sender_records_are, GUINT_TO_POINTER (G_N_ELEMENTS (hosts)),
                 "the relayed records");
  return connection;
}

/* Whether the monitor lists hosts under the connection or endpoint @id. */
static gboolean
has_host_rows (GtkColumnView *column_view,
               const char    *id)
{
  GListModel *rows = G_LIST_MODEL (gtk_column_view_get_model (column_view));

  for (guint i = 0; i + 1 < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (rows, i);
      g_autoptr(GObject) next = g_list_model_get_item (rows, i + 1);

      if (LD_IS_CONNECTION (item) && g_str_equal (ld_connection_get_id (LD_CONNECTION (item)), id))
        return !LD_IS_CONNECTION (next);
    }

  return FALSE;
}

/* The monitor's first row of a host under the syslog relay's connection
 * (a host's rows are not connections). */
static guint
first_host_row (GtkColumnView *column_view)
{
  GListModel *rows = G_LIST_MODEL (gtk_column_view_get_model (column_view));

  for (guint i = 0; i + 1 < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (rows, i);
      g_autoptr(GObject) next = g_list_model_get_item (rows, i + 1);

      if (LD_IS_CONNECTION (item) && !ld_connection_is_endpoint (LD_CONNECTION (item))
          && g_str_has_prefix (ld_connection_get_id (LD_CONNECTION (item)), "syslog-")
          && !LD_IS_CONNECTION (next))
        return i + 1;
    }

  g_assert_not_reached ();
}

static gboolean
shows_prefix (GtkWidget  *widget,
              const char *prefix)
{
  if ((GTK_IS_LABEL (widget) || GTK_IS_INSCRIPTION (widget)) && gtk_widget_get_mapped (widget)
      && g_str_has_prefix (widget_text (widget), prefix))
    return TRUE;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (shows_prefix (child, prefix))
      return TRUE;

  return FALSE;
}

typedef struct
{
  GtkWidget  *widget;
  const char *text;
  const char *other;
} RowWait;

static gboolean
row_shows (gpointer data)
{
  RowWait *wait = data;
  GtkWidget *row = find_text (wait->widget, wait->text);

  while (row != NULL && !GTK_IS_LIST_VIEW (gtk_widget_get_parent (row)))
    row = gtk_widget_get_parent (row);
  return row != NULL && shows_prefix (row, wait->other);
}

/* The row of a list or column view that shows @text also shows a text
 * that starts with @other, once the rows have caught up: a row bound before
 * the last change (counts that came, listeners that restarted on other
 * ports) is rebound a frame later, which a sanitizer build can make late. */
static void
assert_row_shows (GtkWidget  *widget,
                  const char *text,
                  const char *other)
{
  RowWait wait = { widget, text, other };

  ui_wait_until (row_shows, &wait, text);
}

/* A key of the detail pane's extra fields, and its value beside it. */
static void
assert_row_shows_in_grid (GtkWidget  *pane,
                          const char *key,
                          const char *value)
{
  GtkWidget *label = find_text (pane, key);
  GtkWidget *grid;
  int column, row;

  g_assert_nonnull (label);
  grid = gtk_widget_get_parent (label);
  g_assert_true (GTK_IS_GRID (grid));
  gtk_grid_query_child (GTK_GRID (grid), label, &column, &row, NULL, NULL);
  g_assert_cmpstr (widget_text (gtk_grid_get_child_at (GTK_GRID (grid), column + 1, row)), ==,
                   value);
}

static void
test_relay_hosts (void)
{
  LdWindow *window;
  g_autoptr(GSocketConnection) relay = NULL;
  GtkWidget *dashboard, *monitor;
  GtkColumnView *column_view;
  g_autofree char *query = NULL;
  guint position;

  reset_column_settings ();
  window = new_window (1400, 900);
  relay = relay_syslog ();
  send_shop_records ();
  dashboard = find_descendant (GTK_WIDGET (window), LD_TYPE_DASHBOARD, NULL);
  ld_dashboard_set_show_views (LD_DASHBOARD (dashboard), TRUE);
  ld_dashboard_set_visible_view (LD_DASHBOARD (dashboard), "connections");
  monitor = find_descendant (dashboard, LD_TYPE_CONNECTION_MONITOR, NULL);
  column_view = GTK_COLUMN_VIEW (find_descendant (monitor, GTK_TYPE_COLUMN_VIEW, "data-table"));

  /* Each host under the one connection, by name, with its own counts. */
  wait_for_text (monitor, "edge-2");
  g_assert_nonnull (find_text (monitor, "edge-1"));
  g_assert_nonnull (find_text (monitor, "db-1"));
  position = first_host_row (column_view);
  {
    g_autoptr(LdConnection) connection = g_list_model_get_item (
      G_LIST_MODEL (gtk_column_view_get_model (column_view)), position - 1);

    g_assert_true (g_str_has_prefix (ld_connection_get_id (connection), "syslog-"));
    /* Quoted only where a value needs it, as a user would type it. */
    query = g_strdup_printf ("conn=%s host=db-1", ld_connection_get_id (connection));
  }
  assert_row_shows (monitor, "edge-2", "3");
  assert_row_shows (monitor, "edge-1", "2");
  /* The OTLP endpoint is the connection of OTLP requests' records: the
   * shop's hosts are under it. */
  g_assert_true (has_host_rows (column_view, "otlp"));
  shoot (window, "standards-relay-hosts.png");

  /* A host's row, clicked, filters the table to it. */
  ld_sidebar_set_logger_excluded (window->sidebar, "logdeck", TRUE);
  g_signal_emit_by_name (column_view, "activate", position);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (window->filter_entry)), ==, query);
  ui_wait_until (shown_is, GUINT_TO_POINTER (1), "db-1's one record");

  /* Its detail: the host, and the facility among the extra fields. */
  select_record (window, "relayed 2");
  wait_for_text (window->detail_pane, "db-1");
  assert_row_shows_in_grid (window->detail_pane, "facility", "user");
  g_assert_false (gtk_widget_get_mapped (find_button (window->detail_pane, "Show This Trace")));
  g_signal_emit_by_name (column_view, "activate", position + 2);
  ui_wait_until (shown_is, GUINT_TO_POINTER (3), "edge-2's three records");

  /* The connection's own row filters to it; a record may name its own
   * connection, so the id is written as a value, quoted where needed. */
  {
    g_autofree char *conn_query = g_strndup (query, strcspn (query, " "));

    g_signal_emit_by_name (column_view, "activate", position - 1);
    g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (window->filter_entry)), ==,
                     conn_query);
  }

  g_io_stream_close (G_IO_STREAM (relay), NULL, NULL);
  ld_sidebar_reset (window->sidebar);
  close_window (window);
  reset_column_settings ();
}

/* A relay with more hosts than the monitor keeps apart: 256 rows of hosts,
 * then one row counting the rest. */
static void
test_relay_many_hosts (void)
{
  LdWindow *window;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) relay = NULL;
  g_autoptr(GString) lines = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  GtkWidget *dashboard, *monitor, *list_view;
  GtkColumnView *column_view;
  GListModel *rows;
  guint n_connections;

  window = new_window (1400, 900);
  relay = g_socket_client_connect_to_host (client, "127.0.0.1", bound_port ("syslog"), NULL,
                                           &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 300; i++)
    g_string_append_printf (lines, "<14>1 - node-%03u cron %u - - tick\n", i, i);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (relay)), lines->str,
                             lines->len, NULL, NULL, &error);
  g_assert_no_error (error);
  ui_wait_until (sender_records_are, GUINT_TO_POINTER (300), "the 300 hosts' records");

  dashboard = find_descendant (GTK_WIDGET (window), LD_TYPE_DASHBOARD, NULL);
  ld_dashboard_set_show_views (LD_DASHBOARD (dashboard), TRUE);
  ld_dashboard_set_visible_view (LD_DASHBOARD (dashboard), "connections");
  monitor = find_descendant (dashboard, LD_TYPE_CONNECTION_MONITOR, NULL);
  column_view = GTK_COLUMN_VIEW (find_descendant (monitor, GTK_TYPE_COLUMN_VIEW, "data-table"));
  wait_for_text (monitor, "node-000");

  /* Every connection and endpoint, the relay's 256 hosts and the rest's row. */
  rows = G_LIST_MODEL (gtk_column_view_get_model (column_view));
  n_connections = g_list_model_get_n_items (ld_connection_monitor_get_model (
    LD_CONNECTION_MONITOR (monitor)));
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, n_connections + 257);

  list_view = find_descendant (GTK_WIDGET (column_view), GTK_TYPE_LIST_VIEW, NULL);
  gtk_widget_activate_action (list_view, "list.scroll-to-item", "u",
                              g_list_model_get_n_items (rows) - 1);
  wait_for_text (monitor, "44 more hosts");
  assert_row_shows (monitor, "44 more hosts", "44");
  assert_row_shows (monitor, "node-255", "1");
  g_assert_null (find_text (monitor, "node-256"));

  g_io_stream_close (G_IO_STREAM (relay), NULL, NULL);
  close_window (window);
}

/* A phone-sized window gives the optional columns' room to the message: a
 * first host there reveals the Host column for when the window is wide. */
static void
test_columns_narrow (void)
{
  LdWindow *window;
  GtkColumnViewColumn *host;

  reset_column_settings ();
  window = new_window (600, 700);
  send_shop_records ();
  settle ();
  host = column_with_id (window, "host");
  g_assert_false (gtk_column_view_column_get_visible (host));
  /* Below the fold width (800×600 and the like) Host and Service give
   * their room to the message; Logger is back. */
  gtk_window_set_default_size (GTK_WINDOW (window), 850, 700);
  ui_wait_until (column_shown, column_with_id (window, "logger"), "the Logger column at 850 px");
  g_assert_false (gtk_column_view_column_get_visible (host));
  g_assert_false (gtk_column_view_column_get_visible (column_with_id (window, "service")));
  gtk_window_set_default_size (GTK_WINDOW (window), 1400, 900);
  ui_wait_until (column_shown, host, "the Host column once wide");
  g_assert_true (gtk_column_view_column_get_visible (column_with_id (window, "service")));
  gtk_window_set_default_size (GTK_WINDOW (window), 850, 700);
  ui_wait_until (column_hidden, host, "the Host column gone again at 850 px");
  gtk_window_set_default_size (GTK_WINDOW (window), 1400, 900);
  ui_wait_until (column_shown, host, "the Host column back");

  /* Shown by hand before any record names one, a column stays shown. */
  close_window (window);
  reset_column_settings ();
  window = new_window (1400, 900);
  gtk_widget_activate_action (GTK_WIDGET (window), "columns.service", NULL);
  g_assert_true (gtk_column_view_column_get_visible (column_with_id (window, "service")));
  gtk_window_close (GTK_WINDOW (window));
  g_assert_finalize_object (window);
  window = new_window (1400, 900);
  g_assert_true (gtk_column_view_column_get_visible (column_with_id (window, "service")));
  g_assert_false (gtk_column_view_column_get_visible (column_with_id (window, "host")));
  close_window (window);
  reset_column_settings ();
}

/* The empty page and the sources panel */

static gboolean
senders_text_has (gpointer data)
{
  LdWindow *window = LD_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));

  return strstr (gtk_label_get_text (window->senders_label), data) != NULL;
}

static gboolean
flap_revealed (gpointer data)
{
  return adw_flap_get_reveal_progress (data) >= 1.0;
}

static gboolean
senders_text_lacks (gpointer data)
{
  return !senders_text_has (data);
}

/* The empty page says how to send syslog, OTLP and GELF, each on the port
 * its listener has (the system's pick here); the sources panel names
 * those endpoints by protocol. */
static void
test_how_to_send (void)
{
  LdWindow *window = new_window (800, 600);
  g_autofree char *logger = g_strdup_printf ("logger -n 127.0.0.1 -P %u ",
                                             bound_port ("syslog-udp"));
  g_autofree char *otlp = g_strdup_printf ("OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:%u\n"
                                           "OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
                                           bound_port ("otlp"));
  g_autofree char *gelf = g_strdup_printf ("graypy.GELFUDPHandler(\"127.0.0.1\", %u)",
                                           bound_port ("gelf-udp"));
  g_autofree char *otlp_address = NULL;
  GtkWidget *sources;

  g_assert_cmpuint (bound_port ("syslog-udp"), !=, 0);
  g_assert_cmpuint (bound_port ("otlp"), !=, 0);
  g_assert_cmpuint (bound_port ("gelf-udp"), !=, 0);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->content_stack), ==, "empty");
  g_assert_true (gtk_widget_get_mapped (window->senders_expander));

  /* Opened as a user clicks its title. */
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (window->senders_label)));
  gtk_widget_activate (window->senders_expander);
  wait_for_text (GTK_WIDGET (window->empty_page),
                 gtk_label_get_text (window->senders_label));
  ui_wait_until (senders_text_has, logger, logger);
  ui_wait_until (senders_text_has, otlp, otlp);
  ui_wait_until (senders_text_has, gelf, gelf);
  shoot (window, "standards-empty-page-800x600.png");

  /* A listener turned off leaves its line out. */
  g_settings_set_boolean (ld_application_get_settings (app), "gelf-enabled", FALSE);
  ui_wait_until (senders_text_lacks, "graypy", "GELF's line to go");
  ui_wait_until (senders_text_has, "OTEL_EXPORTER_OTLP_ENDPOINT", "OTLP's line to stay");
  g_assert_true (gtk_widget_get_visible (window->senders_expander));
  g_settings_reset (ld_application_get_settings (app), "gelf-enabled");
  ui_wait_until (senders_text_has, "graypy", "GELF back");

  /* The sources panel, on its tab of the sidebar, which a window this
   * narrow folds away behind its header button. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.toggle-sources", NULL);
  wait_for_text (GTK_WIDGET (window->sidebar), "Sources");
  sources = find_text (GTK_WIDGET (window->sidebar), "Sources");
  g_assert_nonnull (sources);
  gtk_widget_activate (gtk_widget_get_parent (sources));
  wait_for_text (GTK_WIDGET (window->sidebar), "OpenTelemetry");
  /* The listeners restarted with GELF: ports of the system's choosing change. */
  otlp_address = g_strdup_printf ("127.0.0.1:%u · ", bound_port ("otlp"));
  assert_row_shows (GTK_WIDGET (window->sidebar), "OpenTelemetry", "OTLP");
  assert_row_shows (GTK_WIDGET (window->sidebar), "OpenTelemetry", otlp_address);
  assert_row_shows (GTK_WIDGET (window->sidebar), "GELF", "TCP");
  g_assert_nonnull (find_text (GTK_WIDGET (window->sidebar), "Syslog"));
  ui_wait_until (flap_revealed, window->flap, "the sidebar to slide in");
  shoot (window, "standards-sources-800x600.png");

  close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_test_init (&argc, &argv, NULL);
      g_test_skip ("no display: run under xvfb-run, as build-aux/test does");
      return g_test_run ();
    }

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  /* Every listener on a port of the system's choosing. */
  {
    g_autoptr(GSettings) settings = ld_settings_new ();
    const char *ports[] = { "tcp-port", "udp-port", "http-port", "syslog-port", "gelf-port",
                            "otlp-port" };

    for (guint i = 0; i < G_N_ELEMENTS (ports); i++)
      g_settings_set_value (settings, ports[i], g_variant_new_uint16 (0));
    g_settings_set_string (settings, "nng-listen", "");
    g_settings_set_boolean (settings, "archive", FALSE);
  }

  app = ld_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);

  g_test_add_func ("/window-standards/columns-appear", test_columns_appear);
  g_test_add_func ("/window-standards/trace-in-detail-pane", test_trace_in_detail_pane);
  g_test_add_func ("/window-standards/columns-narrow", test_columns_narrow);
  g_test_add_func ("/window-standards/relay-hosts", test_relay_hosts);
  g_test_add_func ("/window-standards/relay-many-hosts", test_relay_many_hosts);
  g_test_add_func ("/window-standards/how-to-send", test_how_to_send);

  status = g_test_run ();
  g_clear_object (&app);
  return status;
}
