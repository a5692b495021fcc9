// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <glib/gi18n.h>

#include "ld-connection-monitor.h"
#include "ld-count-format.h"
#include "ld-query.h"
#include "ld-rate-sparkline.h"

/* The connection monitor: every endpoint and connection of the registry in
 * a table, with what the registry knows (protocol, peer, state, since when
 * or closed when and why, records, bytes) beside what LdConnectionStats
 * counted of their records (records/s over the last minute, WARNING+ and
 * ERROR+, the last record's time). Closed connections stay, greyed, until
 * "Clear Closed" hides them. Activating a row emits ::connection-activated
 * for the window to filter the table to that connection.
 *
 * Counts change many times a second on a busy connection; the cells are
 * refreshed once a second while the monitor is shown, so the cost does not
 * grow with the record rate. And only while something moves: for a
 * sparkline's minute after the last record counted, a connection's change or
 * a row coming or going; then the clock stops until the next, so that an
 * idle window does not wake up (issue #13).
 *
 * A relay (rsyslog, an OpenTelemetry Collector) forwards many hosts over one
 * connection: under such a connection, a row per host that its records
 * named, with that host's counts, and a last "N more hosts" row past the
 * statistics' cap. Activating a host's row filters the table to that host
 * on that connection.
 *
 * A "WebSocket" column, shown once a record of the websockets library's
 * debug log was counted, says what those records logged: frames sent and
 * received, pings and the last close code. */

typedef enum
{
  COLUMN_CONNECTION,
  COLUMN_PROTOCOL,
  COLUMN_PEER,
  COLUMN_STATE,
  COLUMN_SINCE,
  COLUMN_RECORDS,
  COLUMN_BYTES,
  COLUMN_RATE,
  COLUMN_WARNINGS,
  COLUMN_ERRORS,
  COLUMN_LAST,
  COLUMN_WEBSOCKET,
  N_COLUMNS
} Column;

/* One host under a relay's connection, or with no host the row saying how
 * many more there were. The counts are a copy, refreshed with the cells. */

#define LD_TYPE_HOST_ROW (ld_host_row_get_type ())
G_DECLARE_FINAL_TYPE (LdHostRow, ld_host_row, LD, HOST_ROW, GObject)

struct _LdHostRow
{
  GObject            parent_instance;
  guint32            connection;     /* interned */
  guint32            host;           /* interned; LD_INTERN_NONE for "N more hosts" */
  LdConnectionCounts counts;
  guint              n_more_hosts;
};

G_DEFINE_FINAL_TYPE (LdHostRow, ld_host_row, G_TYPE_OBJECT)

static void
ld_host_row_class_init (LdHostRowClass *klass)
{
}

static void
ld_host_row_init (LdHostRow *self)
{
}

struct _LdConnectionMonitor
{
  AdwBin                parent_instance;

  /* Template widgets */
  GtkCustomFilter      *filter;
  GtkFilterListModel   *filtered;
  GtkTreeListModel     *tree;          /* the connections, each with its hosts */
  GtkColumnView        *column_view;
  GtkColumnViewColumn  *columns[N_COLUMNS];
  GtkLabel             *summary;
  GtkWidget            *clear_button;

  LdConnectionRegistry *registry;
  LdConnectionStats    *stats;
  LdSourceTracker      *tracker;
  GHashTable           *cleared;       /* ids of closed connections hidden */
  GPtrArray            *cells;         /* cell widgets of every column, borrowed */
  guint                 clock_id;
  gint64                last_change_us; /* monotonic */
  gulong                stats_changed_id;
};

enum {
  PROP_0,
  PROP_REGISTRY,
  PROP_STATS,
  PROP_SOURCE_TRACKER,
  N_PROPS
};

enum {
  CONNECTION_ACTIVATED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LdConnectionMonitor, ld_connection_monitor, ADW_TYPE_BIN)

/* Text of the cells */



static const char *
state_css_class (LdConnectionState state)
{
  switch (state)
    {
    case LD_CONNECTION_LISTENING:
    case LD_CONNECTION_OPEN:
      return "state-ok";
    case LD_CONNECTION_FAILED:
    case LD_CONNECTION_ERROR:
      return "state-error";
    default:
      return "state-closed";
    }
}

static char *
format_time (gint64 time_us)
{
  g_autoptr(GDateTime) time = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  if (time_us == 0)
    return g_strdup ("—");

  time = g_date_time_new_from_unix_local (time_us / G_USEC_PER_SEC);
  if (time == NULL)
    return g_strdup ("?");
  if (g_date_time_get_year (time) == g_date_time_get_year (now)
      && g_date_time_get_day_of_year (time) == g_date_time_get_day_of_year (now))
    return g_date_time_format (time, "%H:%M:%S");

  return g_date_time_format (time, "%Y-%m-%d %H:%M");
}

static char *
format_since (LdConnection *connection)
{
  g_autofree char *since = format_time (ld_connection_get_connected_since (connection));
  g_autofree char *closed = NULL;
  const char *why = ld_connection_get_last_error (connection);

  if (!ld_connection_is_finished (connection))
    return g_steal_pointer (&since);

  closed = format_time (ld_connection_get_closed_at (connection));
  if (why != NULL && *why != '\0')
    /* Translators: when a connection closed, and why */
    return g_strdup_printf (_("Closed %s: %s"), closed, why);
  /* Translators: when a connection closed */
  return g_strdup_printf (_("Closed %s"), closed);
}

static char *
format_source (LdConnectionMonitor *self,
               guint32              id)
{
  guint source = self->tracker != NULL ? ld_source_tracker_get_source (self->tracker, id) : 0;
  const guint32 *connections;
  guint n;

  if (source == 0)
    return NULL;

  connections = ld_source_tracker_get_connections (self->tracker, source, &n);
  if (n > 1 && connections[0] != id)
    /* Translators: a connection's source, and that it reconnected */
    return g_strdup_printf (_("%s · reconnected, was %s"),
                            ld_source_tracker_get_label (self->tracker, source),
                            ld_intern_lookup (connections[0]));

  return g_strdup (ld_source_tracker_get_label (self->tracker, source));
}

/* Cells */

static void
set_label (GtkWidget  *cell,
           const char *text)
{
  GtkWidget *label = GTK_IS_LABEL (cell) ? cell : gtk_widget_get_last_child (cell);

  gtk_label_set_text (GTK_LABEL (label), text != NULL ? text : "");
}

static void
update_connection_cell (LdConnectionMonitor *self,
                        GtkWidget           *cell,
                        LdConnection        *connection)
{
  GtkWidget *title = gtk_widget_get_first_child (cell);
  GtkWidget *caption = gtk_widget_get_last_child (cell);
  g_autofree char *source = format_source (self, ld_intern (ld_connection_get_id (connection),
                                                            -1));

  gtk_label_set_text (GTK_LABEL (title), ld_connection_get_id (connection));
  gtk_widget_set_visible (caption, source != NULL);
  gtk_label_set_text (GTK_LABEL (caption), source != NULL ? source : "");
  gtk_widget_set_tooltip_text (caption, source);
}

static void
update_state_cell (GtkWidget    *cell,
                   LdConnection *connection)
{
  LdConnectionState state = ld_connection_get_state (connection);

  gtk_label_set_text (GTK_LABEL (cell), ld_connection_state_get_label (state));
  gtk_widget_set_css_classes (cell, (const char *[]) {
    "state-badge", state_css_class (state), NULL });
}

static void
update_rate_cell (LdConnectionMonitor *self,
                  GtkWidget           *cell,
                  guint32              id)
{
  LdRateSparkline *sparkline = LD_RATE_SPARKLINE (gtk_widget_get_first_child (cell));
  guint32 rates[LD_CONNECTION_STATS_SECONDS] = { 0 };
  g_autofree char *text = NULL;

  ld_rate_sparkline_set_connection (sparkline, self->stats, id);
  if (self->stats != NULL)
    ld_connection_stats_get_rates (self->stats, id, g_get_real_time (), rates);
  /* The second before this one is the last complete one. */
  text = g_strdup_printf (_("%u/s"), rates[LD_CONNECTION_STATS_SECONDS - 2]);
  set_label (cell, text);
}

static void
update_count_cell (GtkWidget  *cell,
                   guint64     count,
                   const char *css_class)
{
  g_autofree char *text = ld_format_count (count);

  gtk_label_set_text (GTK_LABEL (cell), text);
  if (count > 0)
    gtk_widget_add_css_class (cell, css_class);
  else
    gtk_widget_remove_css_class (cell, css_class);
}

static void
update_text_cell (LdConnectionMonitor      *self,
                  GtkWidget                *cell,
                  Column                    column,
                  LdConnection             *connection,
                  const LdConnectionCounts *counts)
{
  g_autofree char *text = NULL;

  switch (column)
    {
    case COLUMN_PROTOCOL: set_label (cell, ld_connection_get_protocol (connection)); break;
    case COLUMN_PEER: set_label (cell, ld_connection_get_address (connection)); break;
    case COLUMN_SINCE: text = format_since (connection); break;
    case COLUMN_RECORDS: text = ld_format_count (ld_connection_get_n_records (connection)); break;
    case COLUMN_BYTES: text = g_format_size (ld_connection_get_n_bytes (connection)); break;
    case COLUMN_LAST: text = format_time (counts->last_time); break;
    default: g_assert_not_reached ();
    }

  if (text != NULL)
    {
      set_label (cell, text);
      gtk_widget_set_tooltip_text (cell, column == COLUMN_SINCE ? text : NULL);
    }
}

/* What the websockets library's debug records logged, short for the cell
 * ("↑20 ↓20 ↕10 ✕1000", the message cells' glyphs) and in words for its
 * tooltip; empty when there were none. */
static char *
format_websocket (const LdConnectionCounts *counts,
                  char                    **tooltip)
{
  g_autofree char *sent = ld_format_count (counts->n_ws_sent);
  g_autofree char *received = ld_format_count (counts->n_ws_received);
  g_autofree char *pings = ld_format_count (counts->n_ws_pings);
  GString *text, *words;

  *tooltip = NULL;
  if (counts->n_ws_sent == 0 && counts->n_ws_received == 0 && counts->ws_close_code == 0)
    return g_strdup ("");

  text = g_string_new (NULL);
  g_string_append_printf (text, "↑%s ↓%s", sent, received);
  words = g_string_new (NULL);
  /* Translators: the connection monitor's WebSocket cell, in words; %s are counts */
  g_string_append_printf (words, _("%s frames sent, %s received, %s pings"), sent, received,
                          pings);
  if (counts->n_ws_pings > 0)
    g_string_append_printf (text, " ↕%s", pings);
  if (counts->ws_close_code != 0)
    {
      g_string_append_printf (text, " ✕%d", counts->ws_close_code);
      /* Translators: after the frame counts; %d is a WebSocket close code such as 1000 */
      g_string_append_printf (words, _(", closed with code %d"), counts->ws_close_code);
    }

  *tooltip = g_string_free (words, FALSE);
  return g_string_free (text, FALSE);
}

static void
update_websocket_cell (GtkWidget                *cell,
                       const LdConnectionCounts *counts)
{
  g_autofree char *tooltip = NULL;
  g_autofree char *text = format_websocket (counts, &tooltip);

  set_label (cell, text);
  gtk_widget_set_tooltip_text (cell, tooltip);
}

/* Hosts' rows */

static char *
format_host_title (LdHostRow *row)
{
  g_autofree char *count = NULL;

  if (row->host != LD_INTERN_NONE)
    return g_strdup (ld_intern_lookup (row->host));

  count = ld_format_count (row->n_more_hosts);
  if (row->n_more_hosts >= LD_CONNECTION_STATS_MAX_MORE_HOSTS)
    /* Translators: a row under a relay's connection; %s is a count */
    return g_strdup_printf (_("%s+ more hosts"), count);
  /* Translators: a row under a relay's connection; %s is a count */
  return g_strdup_printf (ngettext ("%s more host", "%s more hosts", row->n_more_hosts), count);
}

static void
update_host_cell (GtkWidget *cell,
                  Column     column,
                  LdHostRow *row)
{
  g_autofree char *text = NULL;

  gtk_widget_remove_css_class (cell, "closed");
  switch (column)
    {
    case COLUMN_CONNECTION:
      text = format_host_title (row);
      gtk_label_set_text (GTK_LABEL (gtk_widget_get_first_child (cell)), text);
      gtk_widget_set_tooltip_text (cell, text);
      gtk_widget_set_visible (gtk_widget_get_last_child (cell), FALSE);
      gtk_widget_add_css_class (cell, "host-name");
      return;
    case COLUMN_STATE:
      gtk_label_set_text (GTK_LABEL (cell), "");
      gtk_widget_set_css_classes (cell, (const char *[]) { NULL });
      return;
    case COLUMN_RATE:
      ld_rate_sparkline_set_connection (LD_RATE_SPARKLINE (gtk_widget_get_first_child (cell)),
                                        NULL, LD_INTERN_NONE);
      break;
    case COLUMN_RECORDS: text = ld_format_count (row->counts.n_records); break;
    case COLUMN_WARNINGS:
      update_count_cell (cell, row->counts.n_warnings, "warning-count");
      return;
    case COLUMN_ERRORS:
      update_count_cell (cell, row->counts.n_errors, "error-count");
      return;
    case COLUMN_LAST: text = row->host != LD_INTERN_NONE ? format_time (row->counts.last_time)
                                                          : NULL;
      break;
    case COLUMN_WEBSOCKET:
      update_websocket_cell (cell, &row->counts);
      return;
    default: break;
    }

  set_label (cell, text);
  gtk_widget_set_tooltip_text (cell, NULL);
}

/* The rows of @connection's hosts, as the statistics count them now; a row
 * whose host is still there keeps its object, so that only counts change
 * while the set of hosts stays. */
static void
sync_hosts (LdConnectionMonitor *self,
            GListStore          *store,
            LdConnection        *connection)
{
  guint32 id = ld_intern (ld_connection_get_id (connection), -1);
  guint n_more_hosts = 0;
  guint64 n_more_records = 0;
  g_autoptr(GArray) hosts = self->stats != NULL
                            ? ld_connection_stats_get_hosts (self->stats, id, &n_more_hosts,
                                                             &n_more_records)
                            : g_array_new (FALSE, FALSE, sizeof (LdHostCounts));
  guint n_rows = hosts->len + (n_more_hosts > 0);
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (store));
  g_autoptr(GPtrArray) rows = NULL;

  for (guint i = 0; n_items == n_rows && i < n_rows; i++)
    {
      g_autoptr(LdHostRow) row = g_list_model_get_item (G_LIST_MODEL (store), i);

      if (i < hosts->len && row->host != g_array_index (hosts, LdHostCounts, i).host)
        break;
      if (i < hosts->len)
        row->counts = g_array_index (hosts, LdHostCounts, i).counts;
      else
        {
          row->n_more_hosts = n_more_hosts;
          row->counts.n_records = n_more_records;
        }
      if (i + 1 == n_rows)
        return;
    }
  if (n_items == 0 && n_rows == 0)
    return;

  rows = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < n_rows; i++)
    {
      LdHostRow *row = g_object_new (LD_TYPE_HOST_ROW, NULL);

      row->connection = id;
      if (i < hosts->len)
        {
          row->host = g_array_index (hosts, LdHostCounts, i).host;
          row->counts = g_array_index (hosts, LdHostCounts, i).counts;
        }
      else
        {
          row->n_more_hosts = n_more_hosts;
          row->counts.n_records = n_more_records;
        }
      g_ptr_array_add (rows, row);
    }
  g_list_store_splice (store, 0, n_items, rows->pdata, rows->len);
}

static void
sync_all_hosts (LdConnectionMonitor *self)
{
  GListModel *connections = G_LIST_MODEL (self->filtered);
  guint n = g_list_model_get_n_items (connections);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GtkTreeListRow) row = gtk_tree_list_model_get_child_row (self->tree, i);
      GListModel *hosts = row != NULL ? gtk_tree_list_row_get_children (row) : NULL;

      if (hosts != NULL)
        {
          g_autoptr(LdConnection) connection = g_list_model_get_item (connections, i);

          sync_hosts (self, G_LIST_STORE (hosts), connection);
        }
    }
}

/* Every connection may turn out to be a relay: each has a list of hosts,
 * empty until its records name one. Endpoints too: the records of
 * datagrams and of OTLP requests name the endpoint as their connection, so
 * an OpenTelemetry Collector's hosts are counted under "otlp". */
static GListModel *
create_host_list (gpointer item,
                  gpointer user_data)
{
  LdConnectionMonitor *self = user_data;
  GListStore *store;

  if (!LD_IS_CONNECTION (item))
    return NULL;

  store = g_list_store_new (LD_TYPE_HOST_ROW);
  sync_hosts (self, store, item);
  return G_LIST_MODEL (store);
}

static void
update_cell (LdConnectionMonitor *self,
             GtkWidget           *cell)
{
  GObject *item = g_object_get_data (G_OBJECT (cell), "ld-connection");
  Column column = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (cell), "ld-column"));
  LdConnection *connection;
  LdConnectionCounts counts = { 0 };
  guint32 id;

  if (item == NULL)
    return;
  if (LD_IS_HOST_ROW (item))
    {
      update_host_cell (cell, column, LD_HOST_ROW (item));
      return;
    }

  connection = LD_CONNECTION (item);
  if (column == COLUMN_CONNECTION)
    {
      gtk_widget_remove_css_class (cell, "host-name");
      gtk_widget_set_tooltip_text (cell, NULL);
    }

  id = ld_intern (ld_connection_get_id (connection), -1);
  if (self->stats != NULL)
    ld_connection_stats_lookup (self->stats, id, &counts);

  if (column == COLUMN_CONNECTION)
    update_connection_cell (self, cell, connection);
  else if (column == COLUMN_STATE)
    update_state_cell (cell, connection);
  else if (column == COLUMN_RATE)
    update_rate_cell (self, cell, id);
  else if (column == COLUMN_WARNINGS)
    update_count_cell (cell, counts.n_warnings, "warning-count");
  else if (column == COLUMN_ERRORS)
    update_count_cell (cell, counts.n_errors, "error-count");
  else if (column == COLUMN_WEBSOCKET)
    update_websocket_cell (cell, &counts);
  else
    update_text_cell (self, cell, column, connection, &counts);

  /* A finished connection stays listed, greyed, until cleared. */
  if (ld_connection_is_finished (connection))
    gtk_widget_add_css_class (cell, "closed");
  else
    gtk_widget_remove_css_class (cell, "closed");
}

static GtkWidget *
new_label (gboolean numeric)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), numeric ? 1 : 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (GTK_LABEL (label), TRUE);
  if (numeric)
    gtk_widget_add_css_class (label, "numeric");

  return label;
}

static GtkWidget *
new_cell (Column column)
{
  GtkWidget *cell, *label;

  switch (column)
    {
    case COLUMN_CONNECTION:
      cell = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
      label = new_label (FALSE);
      gtk_widget_add_css_class (label, "heading");
      gtk_box_append (GTK_BOX (cell), label);
      label = new_label (FALSE);
      gtk_widget_add_css_class (label, "caption");
      gtk_widget_add_css_class (label, "dim-label");
      gtk_box_append (GTK_BOX (cell), label);
      return cell;

    case COLUMN_RATE:
      cell = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      gtk_box_append (GTK_BOX (cell), ld_rate_sparkline_new ());
      label = new_label (TRUE);
      gtk_widget_set_hexpand (label, TRUE);
      gtk_box_append (GTK_BOX (cell), label);
      return cell;

    case COLUMN_STATE:
      cell = gtk_label_new (NULL);
      gtk_widget_set_halign (cell, GTK_ALIGN_START);
      return cell;

    case COLUMN_WEBSOCKET:
      return new_label (FALSE);

    default:
      return new_label (column >= COLUMN_RECORDS);
    }
}

/* Which column a factory makes cells for: set on each column's factory
 * when the template is built. */
static Column
factory_column (GtkListItemFactory *factory)
{
  return GPOINTER_TO_INT (g_object_get_data (G_OBJECT (factory), "ld-column"));
}

/* A cell leaves the array when it goes, whether or not its factory's
 * teardown saw it: a list item may drop its child before its teardown
 * runs, as the rows of a relay's hundreds of hosts come and go. */
static void
forget_cell (GtkWidget           *cell,
             LdConnectionMonitor *self)
{
  if (self->cells != NULL)
    g_ptr_array_remove_fast (self->cells, cell);
}

static void
setup_cell (GtkListItemFactory  *factory,
            GtkListItem         *item,
            LdConnectionMonitor *self)
{
  Column column = factory_column (factory);
  GtkWidget *cell = new_cell (column);

  g_object_set_data (G_OBJECT (cell), "ld-column", GINT_TO_POINTER (column));
  gtk_list_item_set_child (item, cell);
  g_ptr_array_add (self->cells, cell);
  g_signal_connect (cell, "destroy", G_CALLBACK (forget_cell), self);
}

static void
teardown_cell (GtkListItemFactory  *factory,
               GtkListItem         *item,
               LdConnectionMonitor *self)
{
  GtkWidget *cell = gtk_list_item_get_child (item);

  if (cell != NULL && self->cells != NULL)
    g_ptr_array_remove_fast (self->cells, cell);
}

static void on_something_changed (LdConnectionMonitor *self);

static void
bind_cell (GtkListItemFactory  *factory,
           GtkListItem         *item,
           LdConnectionMonitor *self)
{
  GtkWidget *cell = gtk_list_item_get_child (item);

  GObject *connection = gtk_list_item_get_item (item);

  g_object_set_data (G_OBJECT (cell), "ld-connection", connection);
  g_object_set_data (G_OBJECT (cell), "ld-notify-id",
                     GSIZE_TO_POINTER (g_signal_connect_object (connection, "notify",
                                                                G_CALLBACK (on_something_changed),
                                                                self, G_CONNECT_SWAPPED)));
  update_cell (self, cell);
}

static void
unbind_cell (GtkListItemFactory  *factory,
             GtkListItem         *item,
             LdConnectionMonitor *self)
{
  GtkWidget *cell = gtk_list_item_get_child (item);
  gulong notify_id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (cell), "ld-notify-id"));
  GObject *connection = g_object_get_data (G_OBJECT (cell), "ld-connection");

  if (connection != NULL)
    g_clear_signal_handler (&notify_id, connection);
  g_object_set_data (G_OBJECT (cell), "ld-notify-id", NULL);
  g_object_set_data (G_OBJECT (cell), "ld-connection", NULL);
}

/* The table */

/* @format has one %s for @n, written with thousands separators. */
static char *
counted (const char *format,
         guint       n)
{
  g_autofree char *number = ld_format_count (n);

  return g_strdup_printf (format, number);
}

static void
update_summary (LdConnectionMonitor *self)
{
  GListModel *model = G_LIST_MODEL (self->registry);
  guint n = model != NULL ? g_list_model_get_n_items (model) : 0;
  guint n_open = 0, n_finished = 0, n_endpoints = 0;
  g_autofree char *open = NULL, *closed = NULL, *endpoints = NULL, *text = NULL;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LdConnection) connection = g_list_model_get_item (model, i);

      if (ld_connection_is_endpoint (connection))
        n_endpoints++;
      else if (ld_connection_is_finished (connection))
        n_finished += !g_hash_table_contains (self->cleared, ld_connection_get_id (connection));
      else
        n_open++;
    }

  open = counted (ngettext ("%s open", "%s open", n_open), n_open);
  closed = counted (ngettext ("%s closed", "%s closed", n_finished), n_finished);
  endpoints = counted (ngettext ("%s endpoint", "%s endpoints", n_endpoints), n_endpoints);
  text = g_strdup_printf ("%s · %s · %s", open, closed, endpoints);
  gtk_label_set_text (self->summary, text);
  gtk_widget_set_sensitive (self->clear_button, n_finished > 0);
}

/* The sparklines' minute, and a second more to draw the last one empty. */
#define CLOCK_LINGER_US ((LD_CONNECTION_STATS_SECONDS + 1) * G_USEC_PER_SEC)

static void
refresh (LdConnectionMonitor *self)
{
  if (self->tree != NULL)
    sync_all_hosts (self);
  for (guint i = 0; i < self->cells->len; i++)
    update_cell (self, g_ptr_array_index (self->cells, i));
  update_summary (self);
  gtk_column_view_column_set_visible (self->columns[COLUMN_WEBSOCKET],
                                      self->stats != NULL
                                      && ld_connection_stats_has_websocket (self->stats));
}

static gboolean
on_clock (gpointer user_data)
{
  LdConnectionMonitor *self = user_data;

  refresh (self);
  if (g_get_monotonic_time () - self->last_change_us < CLOCK_LINGER_US)
    return G_SOURCE_CONTINUE;
  self->clock_id = 0;
  return G_SOURCE_REMOVE;
}

static void
on_something_changed (LdConnectionMonitor *self)
{
  self->last_change_us = g_get_monotonic_time ();
  if (self->clock_id == 0 && gtk_widget_get_mapped (GTK_WIDGET (self)))
    self->clock_id = g_timeout_add_seconds (1, on_clock, self);
}

static gboolean
filter_cleared (gpointer item,
                gpointer user_data)
{
  LdConnectionMonitor *self = user_data;

  return !ld_connection_is_finished (item)
         || !g_hash_table_contains (self->cleared, ld_connection_get_id (item));
}

/* A host's row filters the table to that host's records on that
 * connection, through the window's filter bar ("win.set-filter"), so that
 * the query shows there. */
static void
activate_host (LdConnectionMonitor *self,
               LdHostRow           *row)
{
  g_autoptr(GString) query = g_string_new ("conn=");

  ld_query_append_value (query, ld_intern_lookup (row->connection));
  g_string_append (query, " host=");
  ld_query_append_value (query, ld_intern_lookup (row->host));
  gtk_widget_activate_action (GTK_WIDGET (self), "win.set-filter", "s", query->str);
}

static void
on_activate (LdConnectionMonitor *self,
             guint                position,
             GtkColumnView       *column_view)
{
  g_autoptr(GObject) item = g_list_model_get_item (G_LIST_MODEL (self->tree), position);

  if (LD_IS_CONNECTION (item))
    g_signal_emit (self, signals[CONNECTION_ACTIVATED], 0,
                   ld_connection_get_id (LD_CONNECTION (item)));
  else if (LD_IS_HOST_ROW (item) && LD_HOST_ROW (item)->host != LD_INTERN_NONE)
    activate_host (self, LD_HOST_ROW (item));
}

static void
ld_connection_monitor_map (GtkWidget *widget)
{
  LdConnectionMonitor *self = LD_CONNECTION_MONITOR (widget);

  GTK_WIDGET_CLASS (ld_connection_monitor_parent_class)->map (widget);
  refresh (self);
  if (g_get_monotonic_time () - self->last_change_us < CLOCK_LINGER_US)
    on_something_changed (self);
}

static void
ld_connection_monitor_unmap (GtkWidget *widget)
{
  LdConnectionMonitor *self = LD_CONNECTION_MONITOR (widget);

  g_clear_handle_id (&self->clock_id, g_source_remove);
  GTK_WIDGET_CLASS (ld_connection_monitor_parent_class)->unmap (widget);
}

/* GObject */

static void
ld_connection_monitor_dispose (GObject *object)
{
  LdConnectionMonitor *self = LD_CONNECTION_MONITOR (object);

  g_clear_handle_id (&self->clock_id, g_source_remove);
  if (self->stats != NULL)
    g_clear_signal_handler (&self->stats_changed_id, self->stats);
  ld_connection_monitor_set_registry (self, NULL);
  /* The cells' teardown still removes them from the array. */
  gtk_widget_dispose_template (GTK_WIDGET (self), LD_TYPE_CONNECTION_MONITOR);
  g_clear_object (&self->tree);
  g_clear_pointer (&self->cells, g_ptr_array_unref);
  g_clear_object (&self->stats);
  g_clear_object (&self->tracker);

  G_OBJECT_CLASS (ld_connection_monitor_parent_class)->dispose (object);
}

static void
ld_connection_monitor_finalize (GObject *object)
{
  g_hash_table_unref (LD_CONNECTION_MONITOR (object)->cleared);

  G_OBJECT_CLASS (ld_connection_monitor_parent_class)->finalize (object);
}

static void
ld_connection_monitor_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  LdConnectionMonitor *self = LD_CONNECTION_MONITOR (object);

  switch (prop_id)
    {
    case PROP_REGISTRY:
      g_value_set_object (value, self->registry);
      break;

    case PROP_STATS:
      g_value_set_object (value, self->stats);
      break;

    case PROP_SOURCE_TRACKER:
      g_value_set_object (value, self->tracker);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ld_connection_monitor_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  LdConnectionMonitor *self = LD_CONNECTION_MONITOR (object);

  switch (prop_id)
    {
    case PROP_REGISTRY:
      ld_connection_monitor_set_registry (self, g_value_get_object (value));
      break;

    case PROP_STATS:
      ld_connection_monitor_set_stats (self, g_value_get_object (value));
      break;

    case PROP_SOURCE_TRACKER:
      ld_connection_monitor_set_source_tracker (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ld_connection_monitor_class_init (LdConnectionMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = ld_connection_monitor_dispose;
  object_class->finalize = ld_connection_monitor_finalize;
  object_class->get_property = ld_connection_monitor_get_property;
  object_class->set_property = ld_connection_monitor_set_property;
  widget_class->map = ld_connection_monitor_map;
  widget_class->unmap = ld_connection_monitor_unmap;

  properties[PROP_REGISTRY] =
    g_param_spec_object ("registry", NULL, NULL, LD_TYPE_CONNECTION_REGISTRY, flags);
  properties[PROP_STATS] =
    g_param_spec_object ("stats", NULL, NULL, LD_TYPE_CONNECTION_STATS, flags);
  properties[PROP_SOURCE_TRACKER] =
    g_param_spec_object ("source-tracker", NULL, NULL, LD_TYPE_SOURCE_TRACKER, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * LdConnectionMonitor::connection-activated:
   * @id: the connection's id, such as "tcp-3"
   *
   * For the window to filter the table to that connection (`conn=ID`).
   */
  signals[CONNECTION_ACTIVATED] =
    g_signal_new ("connection-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_css_name (widget_class, "connectionmonitor");
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/logdeck/Logdeck/ld-connection-monitor.ui");
  gtk_widget_class_bind_template_child (widget_class, LdConnectionMonitor, filter);
  gtk_widget_class_bind_template_child (widget_class, LdConnectionMonitor, filtered);
  gtk_widget_class_bind_template_child (widget_class, LdConnectionMonitor, column_view);
  gtk_widget_class_bind_template_child (widget_class, LdConnectionMonitor, summary);
  gtk_widget_class_bind_template_child (widget_class, LdConnectionMonitor, clear_button);
  gtk_widget_class_bind_template_child_full (widget_class, "connection_column", FALSE,
                                             G_STRUCT_OFFSET (LdConnectionMonitor,
                                                              columns[COLUMN_CONNECTION]));
  gtk_widget_class_bind_template_child_full (widget_class, "protocol_column", FALSE,
                                             G_STRUCT_OFFSET (LdConnectionMonitor,
                                                              columns[COLUMN_PROTOCOL]));
  gtk_widget_class_bind_template_child_full (widget_class, "peer_column", FALSE,
                                             G_STRUCT_OFFSET (LdConnectionMonitor,
                                                              columns[COLUMN_PEER]));
  gtk_widget_class_bind_template_child_full (widget_class, "state_column", FALSE,
                                             G_STRUCT_OFFSET (LdConnectionMonitor,
                                                              columns[COLUMN_STATE]));
  gtk_widget_class_bind_template_child_full (widget_class, "since_column", FALSE,
                                             G_STRUCT_OFFSET (LdConnectionMonitor,
                                                              columns[COLUMN_SINCE]));
  gtk_widget_class_bind_template_child_full (widget_class, "records_column", FALSE,
                                             G_STRUCT_OFFSET (LdConnectionMonitor,
                                                              columns[COLUMN_RECORDS]));
  gtk_widget_class_bind_template_child_full (widget_class, "bytes_column", FALSE,
                                             G_STRUCT_OFFSET (LdConnectionMonitor,
                                                              columns[COLUMN_BYTES]));
  gtk_widget_class_bind_template_child_full (widget_class, "rate_column", FALSE,
                                             G_STRUCT_OFFSET (LdConnectionMonitor,
                                                              columns[COLUMN_RATE]));
  gtk_widget_class_bind_template_child_full (widget_class, "warnings_column", FALSE,
                                             G_STRUCT_OFFSET (LdConnectionMonitor,
                                                              columns[COLUMN_WARNINGS]));
  gtk_widget_class_bind_template_child_full (widget_class, "errors_column", FALSE,
                                             G_STRUCT_OFFSET (LdConnectionMonitor,
                                                              columns[COLUMN_ERRORS]));
  gtk_widget_class_bind_template_child_full (widget_class, "last_column", FALSE,
                                             G_STRUCT_OFFSET (LdConnectionMonitor,
                                                              columns[COLUMN_LAST]));
  gtk_widget_class_bind_template_child_full (widget_class, "websocket_column", FALSE,
                                             G_STRUCT_OFFSET (LdConnectionMonitor,
                                                              columns[COLUMN_WEBSOCKET]));
  gtk_widget_class_bind_template_callback (widget_class, setup_cell);
  gtk_widget_class_bind_template_callback (widget_class, teardown_cell);
  gtk_widget_class_bind_template_callback (widget_class, bind_cell);
  gtk_widget_class_bind_template_callback (widget_class, unbind_cell);
  gtk_widget_class_bind_template_callback (widget_class, on_activate);
  gtk_widget_class_bind_template_callback (widget_class, ld_connection_monitor_clear_closed);
}

static void
ld_connection_monitor_init (LdConnectionMonitor *self)
{
  self->cleared = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->cells = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_custom_filter_set_filter_func (self->filter, filter_cleared, self, NULL);
  self->tree = gtk_tree_list_model_new (g_object_ref (G_LIST_MODEL (self->filtered)), TRUE, TRUE,
                                        create_host_list, self, NULL);
  gtk_no_selection_set_model (GTK_NO_SELECTION (gtk_column_view_get_model (self->column_view)),
                              G_LIST_MODEL (self->tree));
  for (Column column = 0; column < N_COLUMNS; column++)
    g_object_set_data (G_OBJECT (gtk_column_view_column_get_factory (self->columns[column])),
                       "ld-column", GINT_TO_POINTER (column));
  update_summary (self);
  g_signal_connect_object (self->filtered, "items-changed", G_CALLBACK (on_something_changed),
                           self, G_CONNECT_SWAPPED);
}

GtkWidget *
ld_connection_monitor_new (void)
{
  return g_object_new (LD_TYPE_CONNECTION_MONITOR, NULL);
}

LdConnectionRegistry *
ld_connection_monitor_get_registry (LdConnectionMonitor *self)
{
  g_return_val_if_fail (LD_IS_CONNECTION_MONITOR (self), NULL);

  return self->registry;
}

/**
 * ld_connection_monitor_set_registry:
 * @self: a connection monitor
 * @registry: (nullable): the endpoints and connections to list
 */
void
ld_connection_monitor_set_registry (LdConnectionMonitor  *self,
                                    LdConnectionRegistry *registry)
{
  g_return_if_fail (LD_IS_CONNECTION_MONITOR (self));
  g_return_if_fail (registry == NULL || LD_IS_CONNECTION_REGISTRY (registry));

  if (!g_set_object (&self->registry, registry))
    return;

  if (self->filtered != NULL)
    gtk_filter_list_model_set_model (self->filtered, G_LIST_MODEL (registry));
  if (self->summary != NULL)
    update_summary (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REGISTRY]);
}

LdConnectionStats *
ld_connection_monitor_get_stats (LdConnectionMonitor *self)
{
  g_return_val_if_fail (LD_IS_CONNECTION_MONITOR (self), NULL);

  return self->stats;
}

/**
 * ld_connection_monitor_set_stats:
 * @self: a connection monitor
 * @stats: (nullable): the counts of the connections' records
 */
void
ld_connection_monitor_set_stats (LdConnectionMonitor *self,
                                 LdConnectionStats   *stats)
{
  g_return_if_fail (LD_IS_CONNECTION_MONITOR (self));
  g_return_if_fail (stats == NULL || LD_IS_CONNECTION_STATS (stats));

  if (self->stats == stats)
    return;

  if (self->stats != NULL)
    g_clear_signal_handler (&self->stats_changed_id, self->stats);
  g_set_object (&self->stats, stats);
  if (stats != NULL)
    self->stats_changed_id = g_signal_connect_object (stats, "changed",
                                                      G_CALLBACK (on_something_changed), self,
                                                      G_CONNECT_SWAPPED);
  refresh (self);
  on_something_changed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATS]);
}

LdSourceTracker *
ld_connection_monitor_get_source_tracker (LdConnectionMonitor *self)
{
  g_return_val_if_fail (LD_IS_CONNECTION_MONITOR (self), NULL);

  return self->tracker;
}

/**
 * ld_connection_monitor_set_source_tracker:
 * @self: a connection monitor
 * @tracker: (nullable): what says which connections are one program
 */
void
ld_connection_monitor_set_source_tracker (LdConnectionMonitor *self,
                                          LdSourceTracker     *tracker)
{
  g_return_if_fail (LD_IS_CONNECTION_MONITOR (self));
  g_return_if_fail (tracker == NULL || LD_IS_SOURCE_TRACKER (tracker));

  if (!g_set_object (&self->tracker, tracker))
    return;

  refresh (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SOURCE_TRACKER]);
}

/**
 * ld_connection_monitor_clear_closed:
 * @self: a connection monitor
 *
 * Stops listing the connections that have closed (what "Clear Closed"
 * does). The registry keeps them, for the sources panel.
 */
void
ld_connection_monitor_clear_closed (LdConnectionMonitor *self)
{
  GListModel *model;
  guint n;

  g_return_if_fail (LD_IS_CONNECTION_MONITOR (self));

  if (self->registry == NULL)
    return;

  /* Ids the registry has forgotten cannot come back: they are unique. */
  g_hash_table_remove_all (self->cleared);
  model = G_LIST_MODEL (self->registry);
  n = g_list_model_get_n_items (model);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LdConnection) connection = g_list_model_get_item (model, i);

      if (ld_connection_is_finished (connection))
        g_hash_table_add (self->cleared, g_strdup (ld_connection_get_id (connection)));
    }

  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_MORE_STRICT);
  update_summary (self);
}

/**
 * ld_connection_monitor_get_model:
 * @self: a connection monitor
 *
 * Returns: (transfer none): the connections listed, for tests
 */
GListModel *
ld_connection_monitor_get_model (LdConnectionMonitor *self)
{
  g_return_val_if_fail (LD_IS_CONNECTION_MONITOR (self), NULL);

  return G_LIST_MODEL (self->filtered);
}
