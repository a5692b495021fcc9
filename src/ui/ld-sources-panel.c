// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <glib/gi18n.h>

#include "ld-application.h"
#include "ld-archive-writer.h"
#include "ld-sources-panel.h"

/* The sources panel: every endpoint (listening, or failed to bind and why)
 * and every connection with its peer and counts, live; below them, when
 * the session's archive has a problem, what it is. */
struct _LdSourcesPanel
{
  AdwBin       parent_instance;

  GtkListView *list_view;
  GtkWidget   *archive_row;
  GtkLabel    *archive_label;
  LdSession   *session;           /* the window's application's, once rooted */
  guint        archive_poll_id;
};

G_DEFINE_FINAL_TYPE (LdSourcesPanel, ld_sources_panel, ADW_TYPE_BIN)

typedef struct
{
  GtkWidget *state;
  GtkWidget *title;
  GtkWidget *protocol;
  GtkWidget *encrypted;
  GtkWidget *details;
  GtkWidget *error;
} RowWidgets;


/* What a person calls an endpoint, by what it speaks: the registry's ids
 * ("syslog-udp", "otlp") name the protocols only to those who know them.
 * The labels fit the sidebar's width beside the state; the address and
 * port are on the line below. Connections keep their ids, which the
 * table's Connection column shows. */
static const struct
{
  const char *protocol;
  const char *label;
  const char *detail;     /* beside the label, dimmed */
} endpoint_labels[] = {
  { LD_INGEST_PROTOCOL_TCP_PICKLE, N_("Python logging"), N_("TCP") },
  { LD_INGEST_PROTOCOL_UDP_PICKLE, N_("Python logging"), N_("UDP") },
  { LD_INGEST_PROTOCOL_HTTP, N_("HTTP"), N_("and WebSocket") },
  { LD_INGEST_PROTOCOL_SYSLOG_TCP, N_("Syslog"), N_("TCP") },
  { LD_INGEST_PROTOCOL_SYSLOG_UDP, N_("Syslog"), N_("UDP") },
  { LD_INGEST_PROTOCOL_GELF_TCP, N_("GELF"), N_("TCP") },
  { LD_INGEST_PROTOCOL_GELF_UDP, N_("GELF"), N_("UDP") },
  { LD_INGEST_PROTOCOL_OTLP_HTTP, N_("OpenTelemetry"), N_("OTLP") },
};

static int
endpoint_label (LdConnection *connection)
{
  const char *protocol = ld_connection_get_protocol (connection);

  if (!ld_connection_is_endpoint (connection))
    return -1;
  for (guint i = 0; i < G_N_ELEMENTS (endpoint_labels); i++)
    if (g_strcmp0 (protocol, endpoint_labels[i].protocol) == 0)
      return i;

  return -1;
}

static const char *
state_css_class (LdConnectionState state)
{
  switch (state)
    {
    case LD_CONNECTION_LISTENING:
    case LD_CONNECTION_OPEN:
      return "source-ok";
    case LD_CONNECTION_FAILED:
    case LD_CONNECTION_ERROR:
      return "source-error";
    default:
      return "source-closed";
    }
}

static char *
format_details (LdConnection *connection)
{
  g_autofree char *records = g_strdup_printf ("%'" G_GUINT64_FORMAT,
                                              ld_connection_get_n_records (connection));
  g_autofree char *bytes = g_format_size (ld_connection_get_n_bytes (connection));
  const char *address = ld_connection_get_address (connection);

  if (ld_connection_get_n_errors (connection) > 0)
    /* Translators: peer address · record count · byte count · bad frames */
    return g_strdup_printf (_("%s · %s records · %s · %lu bad"),
                            address != NULL ? address : "", records, bytes,
                            (gulong) ld_connection_get_n_errors (connection));

  /* Translators: peer address · record count · byte count */
  return g_strdup_printf (_("%s · %s records · %s"), address != NULL ? address : "", records,
                          bytes);
}

static void
update_row (GtkWidget    *row,
            GParamSpec   *pspec,
            LdConnection *connection)
{
  RowWidgets *w = g_object_get_data (G_OBJECT (row), "ld-row-widgets");
  LdConnectionState state = ld_connection_get_state (connection);
  const char *last_error = ld_connection_get_last_error (connection);
  g_autofree char *details = format_details (connection);
  const char *old_class = g_object_get_data (G_OBJECT (row), "ld-state-class");
  const char *new_class = state_css_class (state);
  int known = endpoint_label (connection);

  /* A known endpoint's name says its protocol; its id stays in the tooltip. */
  gtk_label_set_text (GTK_LABEL (w->title), known >= 0 ? _(endpoint_labels[known].label)
                                                       : ld_connection_get_id (connection));
  gtk_widget_set_tooltip_text (w->title, known >= 0 ? ld_connection_get_id (connection) : NULL);
  gtk_label_set_text (GTK_LABEL (w->protocol), known >= 0 ? _(endpoint_labels[known].detail)
                                                          : ld_connection_get_protocol (connection));
  gtk_label_set_text (GTK_LABEL (w->state), ld_connection_state_get_label (state));
  gtk_widget_set_visible (w->encrypted, ld_connection_is_encrypted (connection));
  gtk_label_set_text (GTK_LABEL (w->details), details);
  gtk_widget_set_visible (w->error, last_error != NULL && *last_error != '\0');
  gtk_label_set_text (GTK_LABEL (w->error), last_error != NULL ? last_error : "");

  if (old_class != new_class)
    {
      if (old_class != NULL)
        gtk_widget_remove_css_class (row, old_class);
      gtk_widget_add_css_class (row, new_class);
      g_object_set_data (G_OBJECT (row), "ld-state-class", (gpointer) new_class);
    }
}

static GtkWidget *
new_label (const char *css_class,
           gboolean    expand)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (label, expand);
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);

  return label;
}

static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *item)
{
  RowWidgets *w = g_new0 (RowWidgets, 1);
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  w->title = new_label ("heading", FALSE);
  w->protocol = new_label ("dim-label", TRUE);
  w->state = new_label ("source-state", FALSE);
  w->encrypted = gtk_image_new_from_icon_name ("channel-secure-symbolic");
  gtk_widget_set_tooltip_text (w->encrypted, _("Encrypted with TLS"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (w->encrypted),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Encrypted with TLS"), -1);
  gtk_widget_set_visible (w->encrypted, FALSE);
  w->details = new_label ("caption", TRUE);
  gtk_label_set_ellipsize (GTK_LABEL (w->details), PANGO_ELLIPSIZE_NONE);
  gtk_label_set_wrap (GTK_LABEL (w->details), TRUE);
  w->error = new_label ("source-error-text", TRUE);
  gtk_label_set_ellipsize (GTK_LABEL (w->error), PANGO_ELLIPSIZE_NONE);
  gtk_label_set_wrap (GTK_LABEL (w->error), TRUE);
  gtk_widget_add_css_class (w->error, "caption");

  gtk_box_append (GTK_BOX (top), w->title);
  gtk_box_append (GTK_BOX (top), w->protocol);
  gtk_box_append (GTK_BOX (top), w->encrypted);
  gtk_box_append (GTK_BOX (top), w->state);
  gtk_box_append (GTK_BOX (row), top);
  gtk_box_append (GTK_BOX (row), w->details);
  gtk_box_append (GTK_BOX (row), w->error);
  gtk_widget_add_css_class (row, "source-row");

  g_object_set_data_full (G_OBJECT (row), "ld-row-widgets", w, g_free);
  gtk_list_item_set_child (item, row);
  gtk_list_item_set_activatable (item, FALSE);
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *item)
{
  LdConnection *connection = gtk_list_item_get_item (item);
  GtkWidget *row = gtk_list_item_get_child (item);

  update_row (row, NULL, connection);
  /* Counts change while the row is shown. */
  g_signal_connect_object (connection, "notify", G_CALLBACK (update_row), row,
                           G_CONNECT_SWAPPED);
}

static void
unbind_row (GtkSignalListItemFactory *factory,
            GtkListItem              *item)
{
  LdConnection *connection = gtk_list_item_get_item (item);
  GtkWidget *row = gtk_list_item_get_child (item);

  g_signal_handlers_disconnect_by_func (connection, update_row, row);
}

/* The archive's status
 * ====================
 *
 * The writer says how it is doing only when asked. It is asked a second
 * after records arrive, and only then: what it reports changes only as it
 * writes them, and the UI thread must not wake when nothing arrives. */

static char *
format_archive_problem (const LdArchiveWriterStatus *status)
{
  g_autoptr(GString) text = g_string_new (NULL);

  if (status->paused)
    g_string_append_printf (text, _("Archiving paused: %s"),
                            status->problem != NULL ? status->problem : _("cannot write"));
  if (status->n_missed > 0)
    {
      g_autofree char *count = g_strdup_printf ("%'" G_GUINT64_FORMAT, status->n_missed);

      if (text->len > 0)
        g_string_append_c (text, '\n');
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%s record not archived",
                                                 "%s records not archived", status->n_missed),
                              count);
    }

  return text->len > 0 ? g_string_free (g_steal_pointer (&text), FALSE) : NULL;
}

static gboolean
poll_archive (gpointer user_data)
{
  LdSourcesPanel *self = user_data;
  LdArchiveWriter *writer = ld_session_get_archive_writer (self->session);
  LdArchiveWriterStatus status = { 0 };
  g_autofree char *problem = NULL;

  self->archive_poll_id = 0;
  if (writer == NULL)
    return G_SOURCE_REMOVE;

  ld_archive_writer_get_status (writer, &status);
  problem = format_archive_problem (&status);
  ld_archive_writer_status_clear (&status);
  gtk_label_set_text (self->archive_label, problem != NULL ? problem : "");
  gtk_widget_set_visible (self->archive_row, problem != NULL);

  return G_SOURCE_REMOVE;
}

static void
on_store_items_changed (LdSourcesPanel *self,
                        guint           position,
                        guint           removed,
                        guint           added)
{
  if (added > 0 && self->archive_poll_id == 0)
    self->archive_poll_id = g_timeout_add_seconds (1, poll_archive, self);
}

static void
watch_archive (LdSourcesPanel *self,
               LdSession      *session)
{
  if (self->session != NULL)
    {
      g_signal_handlers_disconnect_by_func (ld_session_get_store (self->session),
                                            on_store_items_changed, self);
      g_clear_handle_id (&self->archive_poll_id, g_source_remove);
      g_clear_object (&self->session);
    }
  if (session == NULL || ld_session_get_archive_writer (session) == NULL)
    return;

  self->session = g_object_ref (session);
  g_signal_connect_object (ld_session_get_store (session), "items-changed",
                           G_CALLBACK (on_store_items_changed), self, G_CONNECT_SWAPPED);
  poll_archive (self);
}

/* The panel finds the session through its window, as the sidebar that
 * holds it knows nothing of archives. A window's template roots the panel
 * before the window has its application: it is looked for again then. */
static void
on_window_application_changed (LdSourcesPanel *self,
                               GParamSpec     *pspec,
                               GtkWindow      *window)
{
  GtkApplication *application = gtk_window_get_application (window);

  watch_archive (self, LD_IS_APPLICATION (application)
                         ? ld_application_get_session (LD_APPLICATION (application)) : NULL);
}

static void
ld_sources_panel_root (GtkWidget *widget)
{
  LdSourcesPanel *self = LD_SOURCES_PANEL (widget);
  GtkRoot *root;

  GTK_WIDGET_CLASS (ld_sources_panel_parent_class)->root (widget);

  root = gtk_widget_get_root (widget);
  if (!GTK_IS_WINDOW (root))
    return;
  g_signal_connect_object (root, "notify::application",
                           G_CALLBACK (on_window_application_changed), self, G_CONNECT_SWAPPED);
  on_window_application_changed (self, NULL, GTK_WINDOW (root));
}

static void
ld_sources_panel_unroot (GtkWidget *widget)
{
  GtkRoot *root = gtk_widget_get_root (widget);

  if (root != NULL)
    g_signal_handlers_disconnect_by_func (root, on_window_application_changed, widget);
  watch_archive (LD_SOURCES_PANEL (widget), NULL);

  GTK_WIDGET_CLASS (ld_sources_panel_parent_class)->unroot (widget);
}

static GtkWidget *
archive_row_new (LdSourcesPanel *self)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");
  GtkWidget *label = new_label ("source-error-text", TRUE);

  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_NONE);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_widget_add_css_class (icon, "source-error-text");
  gtk_widget_set_valign (icon, GTK_ALIGN_START);
  gtk_box_append (GTK_BOX (row), icon);
  gtk_box_append (GTK_BOX (row), label);
  gtk_widget_add_css_class (row, "source-row");
  gtk_widget_add_css_class (row, "archive-status");
  gtk_widget_set_margin_start (row, 12);
  gtk_widget_set_margin_end (row, 12);
  gtk_widget_set_margin_bottom (row, 6);
  gtk_widget_set_visible (row, FALSE);
  self->archive_label = GTK_LABEL (label);

  return row;
}

static void
ld_sources_panel_dispose (GObject *object)
{
  GtkWidget *child = adw_bin_get_child (ADW_BIN (object));

  watch_archive (LD_SOURCES_PANEL (object), NULL);
  if (child != NULL)
    adw_bin_set_child (ADW_BIN (object), NULL);

  G_OBJECT_CLASS (ld_sources_panel_parent_class)->dispose (object);
}

static void
ld_sources_panel_class_init (LdSourcesPanelClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ld_sources_panel_dispose;
  GTK_WIDGET_CLASS (klass)->root = ld_sources_panel_root;
  GTK_WIDGET_CLASS (klass)->unroot = ld_sources_panel_unroot;
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "sourcespanel");
}

static void
ld_sources_panel_init (LdSourcesPanel *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row), NULL);

  self->list_view = GTK_LIST_VIEW (gtk_list_view_new (NULL, factory));
  gtk_widget_add_css_class (GTK_WIDGET (self->list_view), "navigation-sidebar");
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (self->list_view));
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scroller, TRUE);

  gtk_box_append (GTK_BOX (box), scroller);
  self->archive_row = archive_row_new (self);
  gtk_box_append (GTK_BOX (box), self->archive_row);
  adw_bin_set_child (ADW_BIN (self), box);
}

GtkWidget *
ld_sources_panel_new (void)
{
  return g_object_new (LD_TYPE_SOURCES_PANEL, NULL);
}

/**
 * ld_sources_panel_set_registry:
 * @self: a sources panel
 * @registry: (nullable): the connections to show
 */
void
ld_sources_panel_set_registry (LdSourcesPanel       *self,
                               LdConnectionRegistry *registry)
{
  g_autoptr(GtkNoSelection) selection = NULL;

  g_return_if_fail (LD_IS_SOURCES_PANEL (self));

  if (registry != NULL)
    selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (registry)));
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (selection));
}
