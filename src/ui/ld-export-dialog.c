// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <glib/gi18n.h>

#include "ld-export-dialog.h"

/* Export: what (all records or those shown), the format and its options,
 * then where. The export itself runs on a worker over a snapshot taken
 * when the user starts it, with progress and Cancel; a failed or cancelled
 * export leaves no file behind. */
struct _LdExportDialog
{
  AdwWindow             parent_instance;

  /* Template widgets */
  GtkCheckButton       *only_shown;
  AdwActionRow         *marked_row;
  GtkCheckButton       *only_marked;
  AdwComboRow          *format_row;
  AdwEntryRow          *log_format_row;
  AdwEntryRow          *datefmt_row;
  AdwEntryRow          *extras_row;
  GtkWidget            *formulas_row;
  GtkCheckButton       *protect_formulas;
  GtkWidget            *controls_row;
  GtkCheckButton       *escape_controls;
  GtkProgressBar       *progress;
  GtkButton            *export_button;
  GtkButton            *cancel_button;
  GtkLabel             *error_label;

  LdFilterModel        *shown;
  LdMarks              *marks;
  GtkFileChooserNative *chooser;
  GCancellable         *cancellable;
  LdExportSnapshot     *snapshot;
  guint                 progress_id;
};

G_DEFINE_FINAL_TYPE (LdExportDialog, ld_export_dialog, ADW_TYPE_WINDOW)

static const char *format_suffixes[] = { ".jsonl", ".csv", ".log" };

/**
 * ld_export_snapshot_for_model:
 * @shown: the window's filtered records
 * @only_shown: whether to take only those, or every record of the store
 *
 * Returns: (transfer full): a snapshot that stays valid whatever the store
 *   does next
 */
LdExportSnapshot *
ld_export_snapshot_for_model (LdFilterModel *shown,
                              gboolean       only_shown)
{
  LdStore *store = ld_filter_model_get_store (shown);
  guint64 first = ld_store_get_first_seq (store);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (shown));
  g_autofree guint *positions = NULL;
  guint n_positions = 0;

  if (!only_shown)
    return ld_export_snapshot_new_from_store (store, NULL, 0);

  positions = g_new (guint, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    {
      guint64 seq = ld_filter_model_get_seq (shown, i);

      /* A paused view may show records evicted since: they are gone. */
      if (seq >= first)
        positions[n_positions++] = (guint) (seq - first);
    }

  return ld_export_snapshot_new_from_store (store, positions, n_positions);
}

/**
 * ld_export_snapshot_for_marks:
 * @store: the session's store
 * @marks: the user's marks
 *
 * Marked records that the store has evicted are gone and are not written.
 *
 * Returns: (transfer full): a snapshot of the marked records, in the order
 *   they arrived, whatever the filter shows
 */
LdExportSnapshot *
ld_export_snapshot_for_marks (LdStore *store,
                              LdMarks *marks)
{
  guint64 first = ld_store_get_first_seq (store);
  guint n_records = ld_store_get_n_records (store);
  guint n_marks;
  const guint64 *seqs = ld_marks_get_seqs (marks, &n_marks);
  g_autofree guint *positions = g_new (guint, MAX (n_marks, 1));
  guint n_positions = 0;

  for (guint i = 0; i < n_marks; i++)
    if (seqs[i] >= first && seqs[i] - first < n_records)
      positions[n_positions++] = (guint) (seqs[i] - first);

  /* No positions would mean every record to the snapshot: give it none. */
  if (n_positions == 0)
    return ld_export_snapshot_new ();

  return ld_export_snapshot_new_from_store (store, positions, n_positions);
}

static GStrv
split_keys (const char *text)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_strstrip (parts[i]);
      if (*parts[i] != '\0')
        g_strv_builder_add (builder, parts[i]);
    }

  return g_strv_builder_end (builder);
}

static void
show_error (LdExportDialog *self,
            const char     *message)
{
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static void
set_running (LdExportDialog *self,
             gboolean        running)
{
  gtk_widget_set_visible (GTK_WIDGET (self->progress), running);
  gtk_widget_set_sensitive (GTK_WIDGET (self->export_button), !running);
  gtk_button_set_label (self->cancel_button, running ? _("Cancel") : _("Close"));
  if (!running)
    {
      g_clear_handle_id (&self->progress_id, g_source_remove);
      g_clear_pointer (&self->snapshot, ld_export_snapshot_unref);
      g_clear_object (&self->cancellable);
    }
}

static gboolean
update_progress (gpointer data)
{
  LdExportDialog *self = data;
  guint total = ld_export_snapshot_get_n_records (self->snapshot);

  if (total > 0)
    gtk_progress_bar_set_fraction (self->progress,
                                   (double) ld_export_snapshot_get_n_written (self->snapshot)
                                   / total);
  return G_SOURCE_CONTINUE;
}

static void
on_export_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(LdExportDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  set_running (self, FALSE);
  if (ld_export_finish (result, &error))
    gtk_window_close (GTK_WINDOW (self));
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_error (self, error->message);
}

static void
start_export (LdExportDialog *self,
              GFile          *file)
{
  g_auto(GStrv) extras = split_keys (gtk_editable_get_text (GTK_EDITABLE (self->extras_row)));
  const char *datefmt = gtk_editable_get_text (GTK_EDITABLE (self->datefmt_row));
  LdExportOptions options = {
    .format = adw_combo_row_get_selected (self->format_row),
    .extra_keys = (const char *const *) extras,
    .log_format = gtk_editable_get_text (GTK_EDITABLE (self->log_format_row)),
    .datefmt = *datefmt != '\0' ? datefmt : NULL,
    .csv_raw = !gtk_check_button_get_active (self->protect_formulas),
    .keep_control_chars = !gtk_check_button_get_active (self->escape_controls),
  };
  g_autoptr(GError) error = NULL;

  if (!ld_export_options_check (&options, &error))
    {
      show_error (self, error->message);
      return;
    }

  show_error (self, NULL);
  if (self->marks != NULL && gtk_check_button_get_active (self->only_marked))
    self->snapshot = ld_export_snapshot_for_marks (ld_filter_model_get_store (self->shown),
                                                   self->marks);
  else
    self->snapshot = ld_export_snapshot_for_model (self->shown,
                                                   gtk_check_button_get_active (self->only_shown));
  self->cancellable = g_cancellable_new ();
  gtk_progress_bar_set_fraction (self->progress, 0);
  set_running (self, TRUE);
  self->progress_id = g_timeout_add (100, update_progress, self);
  ld_export_async (self->snapshot, file, &options, self->cancellable, on_export_done,
                   g_object_ref (self));
}

static void
on_chooser_response (LdExportDialog       *self,
                     int                   response,
                     GtkFileChooserNative *chooser)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      start_export (self, file);
    }
  g_clear_object (&self->chooser);
}

static void
on_export_clicked (LdExportDialog *self)
{
  guint format = adw_combo_row_get_selected (self->format_row);
  g_autofree char *name = g_strconcat (_("records"), format_suffixes[MIN (format, 2)], NULL);

  self->chooser = gtk_file_chooser_native_new (_("Export Records"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
                                               _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
  g_signal_connect_swapped (self->chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
on_cancel_clicked (LdExportDialog *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  else
    gtk_window_close (GTK_WINDOW (self));
}

static void
on_format_changed (LdExportDialog *self)
{
  guint format = adw_combo_row_get_selected (self->format_row);

  gtk_widget_set_visible (GTK_WIDGET (self->log_format_row), format == LD_EXPORT_TEXT);
  gtk_widget_set_visible (GTK_WIDGET (self->datefmt_row), format == LD_EXPORT_TEXT);
  gtk_widget_set_visible (GTK_WIDGET (self->extras_row), format == LD_EXPORT_CSV);
  gtk_widget_set_visible (self->formulas_row, format == LD_EXPORT_CSV);
  gtk_widget_set_visible (self->controls_row, format != LD_EXPORT_JSONL);
}

static void
ld_export_dialog_dispose (GObject *object)
{
  LdExportDialog *self = LD_EXPORT_DIALOG (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->progress_id, g_source_remove);
  g_clear_object (&self->chooser);
  g_clear_object (&self->shown);
  g_clear_object (&self->marks);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->snapshot, ld_export_snapshot_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), LD_TYPE_EXPORT_DIALOG);

  G_OBJECT_CLASS (ld_export_dialog_parent_class)->dispose (object);
}

/* export.to-file: what the file chooser's answer does, for a test to drive. */
static void
export_to_file_activated (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  g_autoptr(GFile) file = g_file_new_for_path (g_variant_get_string (parameter, NULL));

  start_export (LD_EXPORT_DIALOG (widget), file);
}

static void
ld_export_dialog_class_init (LdExportDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = ld_export_dialog_dispose;

  gtk_widget_class_install_action (widget_class, "export.to-file", "s",
                                   export_to_file_activated);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/logdeck/Logdeck/ld-export-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, LdExportDialog, only_shown);
  gtk_widget_class_bind_template_child (widget_class, LdExportDialog, marked_row);
  gtk_widget_class_bind_template_child (widget_class, LdExportDialog, only_marked);
  gtk_widget_class_bind_template_child (widget_class, LdExportDialog, format_row);
  gtk_widget_class_bind_template_child (widget_class, LdExportDialog, log_format_row);
  gtk_widget_class_bind_template_child (widget_class, LdExportDialog, datefmt_row);
  gtk_widget_class_bind_template_child (widget_class, LdExportDialog, extras_row);
  gtk_widget_class_bind_template_child (widget_class, LdExportDialog, formulas_row);
  gtk_widget_class_bind_template_child (widget_class, LdExportDialog, protect_formulas);
  gtk_widget_class_bind_template_child (widget_class, LdExportDialog, controls_row);
  gtk_widget_class_bind_template_child (widget_class, LdExportDialog, escape_controls);
  gtk_widget_class_bind_template_child (widget_class, LdExportDialog, progress);
  gtk_widget_class_bind_template_child (widget_class, LdExportDialog, export_button);
  gtk_widget_class_bind_template_child (widget_class, LdExportDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, LdExportDialog, error_label);
  gtk_widget_class_bind_template_callback (widget_class, on_format_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_export_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_clicked);
}

static void
ld_export_dialog_init (LdExportDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  on_format_changed (self);
  set_running (self, FALSE);
  show_error (self, NULL);
}

/**
 * ld_export_dialog_new:
 * @parent: the main window
 * @shown: the records the window shows
 *
 * Returns: (transfer floating): the export dialog
 */
GtkWidget *
ld_export_dialog_new (GtkWindow     *parent,
                      LdFilterModel *shown)
{
  LdExportDialog *self = g_object_new (LD_TYPE_EXPORT_DIALOG, "transient-for", parent, NULL);

  self->shown = g_object_ref (shown);
  return GTK_WIDGET (self);
}

/**
 * ld_export_dialog_set_marks:
 * @self: an export dialog
 * @marks: the user's marks
 *
 * Offers "Only the Marked Records", chosen: the dialog of Export Marked Records.
 */
void
ld_export_dialog_set_marks (LdExportDialog *self,
                            LdMarks        *marks)
{
  g_return_if_fail (LD_IS_EXPORT_DIALOG (self));
  g_return_if_fail (LD_IS_MARKS (marks));

  g_set_object (&self->marks, marks);
  gtk_widget_set_visible (GTK_WIDGET (self->marked_row), TRUE);
  gtk_check_button_set_active (self->only_marked, TRUE);
  gtk_window_set_title (GTK_WINDOW (self), _("Export Marked Records"));
}
