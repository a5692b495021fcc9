// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "ld-detail-pane.h"
#include "ld-field-stats.h"
#include "ld-jsonl.h"
#include "ld-level.h"
#include "ld-query.h"
#include "ld-store.h"

/* The selected record in full: its message, exception and stack, its trace
 * context with "Show This Trace", every canonical field and every extra
 * field. Built when the selection changes,
 * never per record that arrives. */
struct _LdDetailPane
{
  AdwBin     parent_instance;

  /* Template widgets */
  GtkWidget *stack;
  GtkWidget *level;
  GtkWidget *time;
  GtkWidget *logger;
  GtkWidget *message;
  GtkWidget *exception;
  GtkWidget *fields;
  GtkWidget *extras_box;
  GtkWidget *extras;
  GtkWidget *trace_row;
  GtkWidget *trace_id;
  GtkWidget *span_label;
  GtkWidget *span_id;
  GtkWidget *show_trace_button;
  GtkWidget *show_span_button;

  LdRow     *row;
};

#define LD_PANE_MAX_TEXT (64 * 1024)

G_DEFINE_FINAL_TYPE (LdDetailPane, ld_detail_pane, ADW_TYPE_BIN)

static GtkWidget *
selectable_label (const char *css_class)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_hexpand (label, TRUE);
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);

  return label;
}

/* `name=value` as a user would type it, quoted where the value needs it. */
static char *
value_term (const char *name,
            const char *value)
{
  GString *term = g_string_new (name);

  g_string_append_c (term, '=');
  ld_query_append_value (term, value);
  return g_string_free (term, FALSE);
}

/* A field's value label has, besides its own Copy and Select All, the cell
 * menu's items: filter to the value, exclude it (the window puts the term
 * in the filter bar, win.filter-term), and copy the whole value. */
static void
add_value_menu (GtkWidget  *label,
                const char *term,
                const char *value)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenuItem) copy = g_menu_item_new (_("Copy _Value"), NULL);

  if (term != NULL)
    {
      g_autofree char *exclude = g_strconcat ("-", term, NULL);
      g_autoptr(GMenuItem) keep = g_menu_item_new (_("_Filter to This Value"), NULL);
      g_autoptr(GMenuItem) hide = g_menu_item_new (_("_Exclude This Value"), NULL);

      g_menu_item_set_action_and_target (keep, "win.filter-term", "s", term);
      g_menu_item_set_action_and_target (hide, "win.filter-term", "s", exclude);
      g_menu_append_item (menu, keep);
      g_menu_append_item (menu, hide);
    }
  g_menu_item_set_action_and_target (copy, "win.copy-text", "s", value);
  g_menu_append_item (menu, copy);
  gtk_label_set_extra_menu (GTK_LABEL (label), G_MENU_MODEL (menu));
}

static void
clear_grid (GtkWidget *grid)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (grid)) != NULL)
    gtk_grid_remove (GTK_GRID (grid), child);
}

static void
add_field (GtkWidget  *grid,
           guint      *row,
           const char *name,
           const char *value,
           gboolean    monospace,
           const char *term)
{
  GtkWidget *key;
  GtkWidget *label;

  if (value == NULL || *value == '\0')
    return;

  key = gtk_label_new (name);
  gtk_label_set_xalign (GTK_LABEL (key), 0);
  gtk_label_set_yalign (GTK_LABEL (key), 0);
  gtk_widget_add_css_class (key, "dim-label");
  label = selectable_label (monospace ? "monospace" : NULL);
  gtk_label_set_text (GTK_LABEL (label), value);
  add_value_menu (label, term, value);

  gtk_grid_attach (GTK_GRID (grid), key, 0, *row, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), label, 1, *row, 1, 1);
  (*row)++;
}

/* A canonical field as one "name value" child of the fields' flow box,
 * which puts as many side by side as the pane's width holds. */
static void
add_short_field (GtkWidget  *flow_box,
                 const char *name,
                 const char *value,
                 gboolean    monospace,
                 const char *query_name)
{
  GtkWidget *box, *key, *label;
  g_autofree char *term = NULL;

  if (value == NULL || *value == '\0')
    return;

  if (query_name != NULL)
    term = value_term (query_name, value);

  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  key = gtk_label_new (name);
  gtk_label_set_xalign (GTK_LABEL (key), 0);
  gtk_label_set_yalign (GTK_LABEL (key), 0);
  gtk_label_set_width_chars (GTK_LABEL (key), 12);
  gtk_widget_add_css_class (key, "dim-label");
  label = selectable_label (monospace ? "monospace" : NULL);
  gtk_label_set_text (GTK_LABEL (label), value);
  add_value_menu (label, term, value);
  gtk_box_append (GTK_BOX (box), key);
  gtk_box_append (GTK_BOX (box), label);
  gtk_flow_box_append (GTK_FLOW_BOX (flow_box), box);
}

static char *
format_time (gint64 time_us)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (time_us / G_USEC_PER_SEC);
  g_autoptr(GDateTime) local = NULL;
  g_autofree char *text = NULL;

  if (utc == NULL)
    return g_strdup ("—");

  local = g_date_time_to_local (utc);
  text = g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
  return g_strdup_printf ("%s.%06d %s", text, (int) (time_us % G_USEC_PER_SEC),
                          g_date_time_get_timezone_abbreviation (local));
}

/* Traceback lines naming a file and line are what one reads first. */
static char *
traceback_markup (const char *text,
                  gsize       length)
{
  g_auto(GStrv) lines = NULL;
  g_autofree char *copy = g_strndup (text, length);
  GString *markup = g_string_new (NULL);

  lines = g_strsplit (copy, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *escaped = g_markup_escape_text (lines[i], -1);
      const char *trimmed = lines[i] + strspn (lines[i], " \t");
      gboolean frame = g_str_has_prefix (trimmed, "File \"") || g_str_has_prefix (trimmed, "at ");

      if (i > 0)
        g_string_append_c (markup, '\n');
      if (frame)
        g_string_append_printf (markup, "<b>%s</b>", escaped);
      else
        g_string_append (markup, escaped);
    }

  return g_string_free (markup, FALSE);
}

static void
show_canonical_fields (LdDetailPane   *self,
                       const LdRecord *record)
{
  g_autofree char *thread_id = record->thread_id ? g_strdup_printf ("%" G_GINT64_FORMAT,
                                                                    record->thread_id) : NULL;
  g_autofree char *process = record->process ? g_strdup_printf ("%d", record->process) : NULL;
  g_autofree char *location = NULL;
  g_autofree char *levelno = g_strdup_printf ("%d", record->level);
  GtkWidget *child;

  if (record->file != LD_INTERN_NONE)
    location = record->line > 0 ? g_strdup_printf ("%s:%u", ld_intern_lookup (record->file),
                                                   record->line)
                                : g_strdup (ld_intern_lookup (record->file));

  while ((child = gtk_widget_get_first_child (self->fields)) != NULL)
    gtk_flow_box_remove (GTK_FLOW_BOX (self->fields), child);
  add_short_field (self->fields, _("Service"), ld_intern_lookup (record->service), FALSE,
                   "service");
  add_short_field (self->fields, _("Host"), ld_intern_lookup (record->host), FALSE, "host");
  add_short_field (self->fields, _("Level number"), levelno, FALSE, "level");
  add_short_field (self->fields, _("Thread"), ld_intern_lookup (record->thread), FALSE,
                   "thread");
  add_short_field (self->fields, _("Thread ID"), thread_id, TRUE, "tid");
  add_short_field (self->fields, _("Process"), ld_intern_lookup (record->process_name), FALSE,
                   "process");
  add_short_field (self->fields, _("Process ID"), process, TRUE, "pid");
  add_short_field (self->fields, _("Task"), ld_intern_lookup (record->task), FALSE, "task");
  add_short_field (self->fields, _("Location"), location, TRUE, NULL);
  add_short_field (self->fields, _("Function"), ld_intern_lookup (record->function), TRUE,
                   "function");
  add_short_field (self->fields, _("Connection"), ld_intern_lookup (record->connection), FALSE,
                   "conn");
  add_short_field (self->fields, _("Peer"), ld_intern_lookup (record->peer), TRUE, "peer");
  add_short_field (self->fields, _("Protocol"), ld_intern_lookup (record->protocol), FALSE,
                   "protocol");
}

/* Objects and arrays are shown indented, as a tree of their members. */
static char *
extra_display (LdValueType  type,
               const char  *value,
               gsize        length)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autofree char *copy = g_strndup (value, length);

  if (type != LD_VALUE_JSON)
    return g_steal_pointer (&copy);

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, copy, -1, NULL))
    return g_steal_pointer (&copy);

  return json_to_string (json_parser_get_root (parser), TRUE);
}

static void
show_extras (LdDetailPane   *self,
             const LdRecord *record)
{
  LdExtraIter iter;
  guint32 key;
  LdValueType type;
  const char *value;
  gsize length;
  guint row = 0;

  clear_grid (self->extras);
  ld_extra_iter_init (&iter, record);
  while (ld_extra_iter_next (&iter, &key, &type, &value, &length))
    {
      g_autofree char *display = NULL;
      g_autofree char *term = NULL;

      /* The trace context has its own row, with its buttons. */
      if (ld_record_is_reserved_extra (key))
        continue;
      display = extra_display (type, value, length);
      /* key=value compares an object's or array's JSON text: not worth offering. */
      if (type != LD_VALUE_JSON)
        term = ld_field_stats_term (LD_STATS_FIELD_EXTRA, ld_intern_lookup (key), display, FALSE);
      add_field (self->extras, &row, ld_intern_lookup (key), display,
                 type != LD_VALUE_STRING, term);
    }

  gtk_widget_set_visible (self->extras_box, row > 0);
}

/* The record's trace or span id, or %NULL if it has none. */
static char *
get_trace_extra (const LdRecord *record,
                 const char     *key)
{
  LdValueType type;
  const char *value;
  gsize length;

  if (!ld_record_get_extra (record, key, &type, &value, &length) || length == 0)
    return NULL;
  return g_strndup (value, length);
}

static void
set_trace_button (GtkWidget  *button,
                  const char *field,
                  const char *value)
{
  g_autofree char *query = value != NULL ? value_term (field, value) : NULL;

  gtk_widget_set_visible (button, value != NULL);
  /* The target before the name: a string action cannot be without one. */
  if (query != NULL)
    {
      gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button),
                                              g_variant_new_string (query));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "win.set-filter");
    }
}

/* The trace row shows only for a record in a trace (OTLP, or a relay that
 * kept the context); its buttons filter the table to the trace or span
 * through the window's filter bar ("win.set-filter"). */
static void
show_trace (LdDetailPane   *self,
            const LdRecord *record)
{
  g_autofree char *trace = get_trace_extra (record, LD_RECORD_TRACE_ID);
  g_autofree char *span = get_trace_extra (record, LD_RECORD_SPAN_ID);

  gtk_widget_set_visible (self->trace_row, trace != NULL || span != NULL);
  gtk_label_set_text (GTK_LABEL (self->trace_id), trace != NULL ? trace : "—");
  gtk_widget_set_tooltip_text (self->trace_id, trace);
  gtk_widget_set_visible (self->span_label, span != NULL);
  gtk_widget_set_visible (self->span_id, span != NULL);
  gtk_label_set_text (GTK_LABEL (self->span_id), span != NULL ? span : "");
  gtk_widget_set_tooltip_text (self->span_id, span);
  set_trace_button (self->show_trace_button, "trace", trace);
  set_trace_button (self->show_span_button, "span", span);
}

static void
show_record (LdDetailPane   *self,
             const LdRecord *record)
{
  gsize length, exception_len, stack_len;
  const char *message = ld_record_get_message (record, &length);
  const char *exception = ld_record_get_exception (record, &exception_len);
  const char *stack = ld_record_get_stack (record, &stack_len);
  const char *level_name = ld_intern_lookup (record->level_name);
  g_autofree char *fallback = level_name == NULL ? ld_level_display_name (record->level) : NULL;
  g_autofree char *time = format_time (record->time_us);
  g_autofree char *traceback = NULL;
  g_autofree char *both = NULL;
  g_autofree char *message_text = NULL;

  gtk_label_set_text (GTK_LABEL (self->level), level_name != NULL ? level_name : fallback);
  gtk_widget_set_css_classes (self->level, (const char *[]) {
    "level-badge", ld_level_css_class (record->level), NULL });
  gtk_label_set_text (GTK_LABEL (self->time), time);
  gtk_label_set_text (GTK_LABEL (self->logger), ld_intern_lookup (record->logger));
  /* The pane shows the first 64 KiB; Copy Message copies it all. */
  if (length > LD_PANE_MAX_TEXT)
    {
      gsize cut = g_utf8_find_prev_char (message, message + LD_PANE_MAX_TEXT + 1) - message;
      g_autofree char *head = g_strndup (message, cut);

      message_text = g_strdup_printf (_("%s\n… (%lu more bytes: use Copy Message)"), head,
                                      (gulong) (length - cut));
    }
  else
    message_text = g_strndup (message, length);
  gtk_label_set_text (GTK_LABEL (self->message), message_text);

  both = g_strdup_printf ("%.*s%s%.*s", (int) exception_len, exception,
                          exception_len > 0 && stack_len > 0 ? "\n" : "",
                          (int) stack_len, stack);
  traceback = traceback_markup (both, strlen (both));
  gtk_label_set_markup (GTK_LABEL (self->exception), traceback);
  gtk_widget_set_visible (self->exception, exception_len + stack_len > 0);

  show_trace (self, record);
  show_canonical_fields (self, record);
  show_extras (self, record);
}

/**
 * ld_detail_pane_set_row:
 * @self: a detail pane
 * @row: (nullable): the record to show
 */
void
ld_detail_pane_set_row (LdDetailPane *self,
                        LdRow        *row)
{
  const LdRecord *record;

  g_return_if_fail (LD_IS_DETAIL_PANE (self));

  g_set_object (&self->row, row);
  record = row != NULL ? ld_row_get_record (row) : NULL;
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), record != NULL ? "record" : "none");
  if (record != NULL)
    show_record (self, record);
}

LdRow *
ld_detail_pane_get_row (LdDetailPane *self)
{
  g_return_val_if_fail (LD_IS_DETAIL_PANE (self), NULL);

  return self->row;
}

/**
 * ld_detail_pane_get_text:
 * @self: a detail pane
 *
 * Returns: (transfer full) (nullable): the shown record's message
 */
char *
ld_detail_pane_get_text (LdDetailPane *self)
{
  const LdRecord *record;
  gsize length;
  const char *message;

  g_return_val_if_fail (LD_IS_DETAIL_PANE (self), NULL);

  record = self->row != NULL ? ld_row_get_record (self->row) : NULL;
  if (record == NULL)
    return NULL;

  message = ld_record_get_message (record, &length);
  return g_strndup (message, length);
}

static void
copy_message_activated (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  g_autofree char *text = ld_detail_pane_get_text (LD_DETAIL_PANE (widget));

  if (text != NULL)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text);
}

static void
copy_json_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  LdDetailPane *self = LD_DETAIL_PANE (widget);
  const LdRecord *record = self->row != NULL ? ld_row_get_record (self->row) : NULL;
  g_autoptr(GString) json = g_string_new (NULL);

  if (record == NULL)
    return;

  ld_jsonl_append_record (json, record, record->text);
  g_strchomp (json->str);
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), json->str);
}

static void
ld_detail_pane_dispose (GObject *object)
{
  LdDetailPane *self = LD_DETAIL_PANE (object);

  g_clear_object (&self->row);
  /* The bin's child is the bound stack: unparented by the bin first, as
   * dispose_template() would leave the bin a stale pointer to it. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), LD_TYPE_DETAIL_PANE);

  G_OBJECT_CLASS (ld_detail_pane_parent_class)->dispose (object);
}

static void
ld_detail_pane_class_init (LdDetailPaneClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = ld_detail_pane_dispose;
  gtk_widget_class_set_css_name (widget_class, "detailpane");
  gtk_widget_class_install_action (widget_class, "detail.copy-message", NULL,
                                   copy_message_activated);
  gtk_widget_class_install_action (widget_class, "detail.copy-json", NULL, copy_json_activated);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/logdeck/Logdeck/ld-detail-pane.ui");
  gtk_widget_class_bind_template_child (widget_class, LdDetailPane, stack);
  gtk_widget_class_bind_template_child (widget_class, LdDetailPane, level);
  gtk_widget_class_bind_template_child (widget_class, LdDetailPane, time);
  gtk_widget_class_bind_template_child (widget_class, LdDetailPane, logger);
  gtk_widget_class_bind_template_child (widget_class, LdDetailPane, message);
  gtk_widget_class_bind_template_child (widget_class, LdDetailPane, exception);
  gtk_widget_class_bind_template_child (widget_class, LdDetailPane, fields);
  gtk_widget_class_bind_template_child (widget_class, LdDetailPane, extras_box);
  gtk_widget_class_bind_template_child (widget_class, LdDetailPane, extras);
  gtk_widget_class_bind_template_child (widget_class, LdDetailPane, trace_row);
  gtk_widget_class_bind_template_child (widget_class, LdDetailPane, trace_id);
  gtk_widget_class_bind_template_child (widget_class, LdDetailPane, span_label);
  gtk_widget_class_bind_template_child (widget_class, LdDetailPane, span_id);
  gtk_widget_class_bind_template_child (widget_class, LdDetailPane, show_trace_button);
  gtk_widget_class_bind_template_child (widget_class, LdDetailPane, show_span_button);
}

static void
ld_detail_pane_init (LdDetailPane *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
ld_detail_pane_new (void)
{
  return g_object_new (LD_TYPE_DETAIL_PANE, NULL);
}
