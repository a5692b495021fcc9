// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

/* Sessions (main menu, Ctrl+Shift+O): the archived sessions, newest first,
 * with what each says about itself, and per session Open, Rename, Export
 * and Delete. The folder is read on a worker, as a damaged or huge archive
 * takes time to open; a file that cannot be read is listed with the reason.
 * The dialog is not modal: the window shows a session as it opens. */

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ld-archive.h"
#include "ld-archive-loader.h"
#include "ld-archive-retention.h"
#include "ld-archive-writer.h"
#include "ld-count-format.h"
#include "ld-session.h"
#include "ld-sessions-dialog.h"

struct _LdSessionsDialog
{
  AdwWindow             parent_instance;

  /* Template widgets */
  AdwToastOverlay      *toast_overlay;
  GtkStack             *stack;
  GtkListBox           *list_box;
  GtkLabel             *removals_label;

  /* Owned references */
  LdApplication        *application;
  char                 *dir;
  char                 *running_path;   /* (nullable): this session's archive */
  GPtrArray            *sessions;       /* (element-type LdArchiveSession) oldest first */
  GCancellable         *cancellable;    /* reading the folder */
  GtkFileChooserNative *chooser;
  char                 *export_path;
};

G_DEFINE_FINAL_TYPE (LdSessionsDialog, ld_sessions_dialog, ADW_TYPE_WINDOW)

static LdArchiveSession *
find_session (LdSessionsDialog *self,
              const char       *path)
{
  for (guint i = 0; self->sessions != NULL && i < self->sessions->len; i++)
    {
      LdArchiveSession *session = self->sessions->pdata[i];

      if (g_strcmp0 (session->path, path) == 0)
        return session;
    }

  return NULL;
}

static gboolean
is_running (LdSessionsDialog *self,
            LdArchiveSession *session)
{
  return g_strcmp0 (session->path, self->running_path) == 0;
}

static void
show_toast (LdSessionsDialog *self,
            const char       *title)
{
  AdwToast *toast = adw_toast_new (title);

  adw_toast_set_timeout (toast, 6);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static char *
format_iso_time (const char *iso,
                 const char *format)
{
  g_autoptr(GDateTime) utc = iso != NULL ? g_date_time_new_from_iso8601 (iso, NULL) : NULL;
  g_autoptr(GDateTime) local = NULL;

  if (utc == NULL)
    return NULL;
  local = g_date_time_to_local (utc);

  return g_date_time_format (local, format);
}

/* The name it was given, or when it started, as a person says it. */
static char *
session_title (LdArchiveSession *session)
{
  char *started;

  if (session->name != NULL && session->name[0] != '\0')
    return g_strdup (session->name);
  /* TRANSLATORS: a session's start, see g_date_time_format() */
  started = format_iso_time (session->started, _("%A %-d %B %Y, %H:%M"));

  return started != NULL ? started : g_strdup (session->file_name);
}

/* The folder is the same for every row: the reason, without the path. */
static const char *
describe_error (const GError *error)
{
  if (g_error_matches (error, LD_ARCHIVE_ERROR, LD_ARCHIVE_ERROR_NOT_AN_ARCHIVE))
    return _("the file is not a Logdeck archive");
  if (g_error_matches (error, LD_ARCHIVE_ERROR, LD_ARCHIVE_ERROR_NEWER))
    return _("a newer Logdeck wrote it");
  if (g_error_matches (error, LD_ARCHIVE_ERROR, LD_ARCHIVE_ERROR_CORRUPT))
    return _("the file is damaged");

  return error->message;
}

static char *
session_subtitle (LdSessionsDialog *self,
                  LdArchiveSession *session)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *count = NULL;
  g_autofree char *ended = NULL;

  if (session->error != NULL)
    return g_strdup_printf (_("Cannot be read: %s"), describe_error (session->error));

  if (is_running (self, session))
    g_ptr_array_add (parts, g_strdup (_("This session, running now")));
  else if ((ended = format_iso_time (session->ended, _("%-d %B, %H:%M"))) != NULL)
    g_ptr_array_add (parts, g_strdup_printf (_("Ended %s"), ended));
  else
    g_ptr_array_add (parts, g_strdup (_("Did not end: Logdeck stopped unexpectedly")));

  count = ld_format_count (session->n_records);
  g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s record",
                                                        "%s records", session->n_records),
                                           count));
  g_ptr_array_add (parts, g_format_size (session->size));
  if (session->sources != NULL && session->sources[0] != '\0')
    g_ptr_array_add (parts, g_strdup (session->sources));
  g_ptr_array_add (parts, NULL);

  return g_strjoinv (" · ", (char **) parts->pdata);
}

static void
add_menu_item (GMenu                  *menu,
               const char             *label,
               const char             *action,
               const LdArchiveSession *session)
{
  g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

  g_menu_item_set_action_and_target_value (item, action, g_variant_new_string (session->path));
  g_menu_append_item (menu, item);
}

/* A damaged file can only go; the running session cannot be opened into
 * its own window, nor deleted. */
static GtkWidget *
session_menu_button_new (LdSessionsDialog *self,
                         LdArchiveSession *session)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  GtkWidget *button = gtk_menu_button_new ();
  gboolean running = is_running (self, session);

  if (session->error == NULL && !running)
    add_menu_item (menu, _("_Open"), "session.open", session);
  if (session->error == NULL)
    {
      add_menu_item (menu, _("_Rename…"), "session.rename", session);
      add_menu_item (menu, _("_Export…"), "session.export", session);
    }
  if (!running)
    add_menu_item (menu, _("_Delete…"), "session.delete", session);

  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (button), "view-more-symbolic");
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (button), G_MENU_MODEL (menu));
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, _("Session Actions"));
  gtk_widget_add_css_class (button, "flat");

  return button;
}

static GtkWidget *
session_row_new (LdSessionsDialog *self,
                 LdArchiveSession *session)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *title = session_title (session);
  g_autofree char *subtitle = session_subtitle (self, session);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 3);
  if (session->error != NULL)
    adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                               gtk_image_new_from_icon_name ("dialog-warning-symbolic"));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), session_menu_button_new (self, session));
  gtk_widget_set_name (row, session->file_name);

  return row;
}

static void
show_sessions (LdSessionsDialog *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box))) != NULL)
    gtk_list_box_remove (self->list_box, child);

  for (guint i = self->sessions->len; i > 0; i--)
    gtk_list_box_append (self->list_box, session_row_new (self, self->sessions->pdata[i - 1]));

  gtk_stack_set_visible_child_name (self->stack, self->sessions->len > 0 ? "list" : "empty");
}

/* Which sessions the limits deleted when this one started, and why: the
 * user set the limits, and should see what they cost. */
static void
show_removals (LdSessionsDialog *self)
{
  GPtrArray *removals = ld_archive_retention_get_last ();
  g_autoptr(GString) text = NULL;

  if (removals == NULL || removals->len == 0)
    return;

  text = g_string_new (_("Deleted when this session started, as Preferences limit the archive:"));
  for (guint i = 0; i < removals->len; i++)
    {
      LdArchiveRemoval *removal = removals->pdata[i];

      g_string_append_printf (text, "\n%s — %s", removal->file_name, removal->reason);
    }
  gtk_label_set_text (self->removals_label, text->str);
  gtk_widget_set_visible (GTK_WIDGET (self->removals_label), TRUE);
}

/* Reading the folder
 * ================== */

static void
read_sessions_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  GPtrArray *sessions = ld_archive_list_sessions (task_data);

  for (guint i = 0; i < sessions->len && !g_cancellable_is_cancelled (cancellable); i++)
    ld_archive_session_read_details (sessions->pdata[i]);

  g_task_return_pointer (task, sessions, (GDestroyNotify) g_ptr_array_unref);
}

static void
on_sessions_read (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  LdSessionsDialog *self = LD_SESSIONS_DIALOG (source);
  GPtrArray *sessions = g_task_propagate_pointer (G_TASK (result), NULL);

  /* Cancelled: the dialog was closed while the folder was read. */
  if (sessions == NULL)
    return;

  g_clear_pointer (&self->sessions, g_ptr_array_unref);
  self->sessions = sessions;
  show_sessions (self);
}

static void
read_sessions (LdSessionsDialog *self)
{
  g_autoptr(GTask) task = g_task_new (self, self->cancellable, on_sessions_read, NULL);

  g_task_set_source_tag (task, read_sessions);
  g_task_set_task_data (task, g_strdup (self->dir), g_free);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, read_sessions_thread);
}

/* Open
 * ==== */

static void
on_session_loaded (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(LdSessionsDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *count = NULL;
  g_autofree char *message = NULL;
  guint64 n_records = 0;
  gboolean complete = ld_archive_load_finish (result, &n_records, &error);

  /* The user may have closed the dialog while the records came in. */
  if (self->toast_overlay == NULL)
    return;

  count = ld_format_count (n_records);
  if (complete)
    message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Opened %s record",
                                            "Opened %s records", n_records), count);
  else
    message = g_strdup_printf (_("Opened %s records, then stopped: %s"), count, error->message);
  show_toast (self, message);
}

/* The window shows the session instead of what it showed: its records
 * replace the window's, as a document replaces another. Records that
 * arrive meanwhile still come in, and this session keeps archiving them,
 * but not the opened session's, which are in its own archive. */
static void
on_open_response (LdSessionsDialog *self,
                  const char       *response,
                  AdwMessageDialog *dialog)
{
  const char *path = g_object_get_data (G_OBJECT (dialog), "path");

  g_action_group_activate_action (G_ACTION_GROUP (self->application), "clear", NULL);
  ld_archive_load_into_session_async (path, ld_application_get_session (self->application), NULL,
                                      on_session_loaded, g_object_ref (self));
  show_toast (self, _("Opening…"));
}

static GtkWidget *
ask (LdSessionsDialog *self,
     LdArchiveSession *session,
     const char       *heading_format,
     const char       *body,
     const char       *response,
     const char       *response_label)
{
  g_autofree char *title = session_title (session);
  g_autofree char *heading = g_strdup_printf (heading_format, title);
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    response, response_label, NULL);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), response);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "path", g_strdup (session->path), g_free);

  return dialog;
}

static void
session_open_activated (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  LdSessionsDialog *self = LD_SESSIONS_DIALOG (widget);
  LdArchiveSession *session = find_session (self, g_variant_get_string (parameter, NULL));
  GtkWidget *dialog;

  if (session == NULL || session->error != NULL || is_running (self, session))
    return;

  dialog = ask (self, session, _("Open “%s”?"),
                _("Its records replace those the window shows now. This session goes on "
                  "receiving and archiving records."),
                "open", _("_Open"));
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "open",
                                              ADW_RESPONSE_SUGGESTED);
  g_signal_connect_object (dialog, "response::open", G_CALLBACK (on_open_response), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Rename
 * ====== */

static void
on_rename_response (LdSessionsDialog *self,
                    const char       *response,
                    AdwMessageDialog *dialog)
{
  LdArchiveSession *session = find_session (self, g_object_get_data (G_OBJECT (dialog), "path"));
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (entry)));
  g_autoptr(GError) error = NULL;

  if (session == NULL)
    return;

  /* The running session's file belongs to its writer, which sets it in
   * its next commit. */
  if (is_running (self, session))
    ld_archive_writer_set_meta (ld_session_get_archive_writer (
                                  ld_application_get_session (self->application)),
                                "name", name);
  else if (!ld_archive_write_meta (session->path, "name", name, &error))
    {
      show_toast (self, error->message);
      return;
    }

  g_free (session->name);
  session->name = g_steal_pointer (&name);
  show_sessions (self);
}

static void
session_rename_activated (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  LdSessionsDialog *self = LD_SESSIONS_DIALOG (widget);
  LdArchiveSession *session = find_session (self, g_variant_get_string (parameter, NULL));
  GtkWidget *dialog, *entry;

  if (session == NULL || session->error != NULL)
    return;

  dialog = ask (self, session, _("Rename “%s”"),
                _("The name is kept in the session's archive."), "rename", _("_Rename"));
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "rename",
                                              ADW_RESPONSE_SUGGESTED);
  entry = gtk_entry_new ();
  gtk_editable_set_text (GTK_EDITABLE (entry), session->name != NULL ? session->name : "");
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  g_signal_connect_object (dialog, "response::rename", G_CALLBACK (on_rename_response), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Delete
 * ====== */

static void
on_delete_response (LdSessionsDialog *self,
                    const char       *response,
                    AdwMessageDialog *dialog)
{
  LdArchiveSession *session = find_session (self, g_object_get_data (G_OBJECT (dialog), "path"));
  g_autoptr(GError) error = NULL;

  if (session == NULL || is_running (self, session))
    return;

  if (!ld_archive_delete_session (session->path, &error))
    {
      show_toast (self, error->message);
      return;
    }
  g_ptr_array_remove (self->sessions, session);
  show_sessions (self);
}

static void
session_delete_activated (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  LdSessionsDialog *self = LD_SESSIONS_DIALOG (widget);
  LdArchiveSession *session = find_session (self, g_variant_get_string (parameter, NULL));
  g_autofree char *count = NULL;
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  if (session == NULL || is_running (self, session))
    return;

  count = ld_format_count (session->n_records);
  body = session->error != NULL
    ? g_strdup (_("The file is deleted from the disk."))
    : g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                    "Its %s record is deleted from the disk for good.",
                                    "Its %s records are deleted from the disk for good.",
                                    session->n_records), count);
  dialog = ask (self, session, _("Delete “%s”?"), body, "delete", _("_Delete"));
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response::delete", G_CALLBACK (on_delete_response), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Export
 * ====== */

/* The copy is one SQLite file that any SQLite tool, or Logdeck's
 * --sql, reads: the archive's own format is the export format. */
static void
copy_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  char **paths = task_data;
  GError *error = NULL;

  /* The file chooser asked before replacing a file, and SQLite writes a
   * copy only into a file that does not exist. */
  g_unlink (paths[1]);
  if (ld_archive_copy (paths[0], paths[1], &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_copied (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  LdSessionsDialog *self = LD_SESSIONS_DIALOG (source);
  g_autoptr(GError) error = NULL;
  char **paths = g_task_get_task_data (G_TASK (result));
  g_autofree char *message = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    message = g_strdup (error->message);
  else
    {
      g_autofree char *name = g_path_get_basename (paths[1]);

      message = g_strdup_printf (_("Exported as “%s”"), name);
    }
  if (self->toast_overlay != NULL)
    show_toast (self, message);
}

static void
on_chooser_response (LdSessionsDialog     *self,
                     int                   response,
                     GtkFileChooserNative *chooser)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autoptr(GTask) task = g_task_new (self, NULL, on_copied, NULL);
      char **paths = g_new0 (char *, 3);

      paths[0] = g_strdup (self->export_path);
      paths[1] = g_file_get_path (file);
      g_task_set_task_data (task, paths, (GDestroyNotify) g_strfreev);
      g_task_run_in_thread (task, copy_thread);
    }
  g_clear_object (&self->chooser);
}

static void
session_export_activated (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  LdSessionsDialog *self = LD_SESSIONS_DIALOG (widget);
  LdArchiveSession *session = find_session (self, g_variant_get_string (parameter, NULL));

  if (session == NULL || session->error != NULL)
    return;

  g_free (self->export_path);
  self->export_path = g_strdup (session->path);
  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (_("Export Session"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
                                               _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), session->file_name);
  g_signal_connect_swapped (self->chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* The type
 * ======== */

static void
ld_sessions_dialog_dispose (GObject *object)
{
  LdSessionsDialog *self = LD_SESSIONS_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->chooser);
  gtk_widget_dispose_template (GTK_WIDGET (self), LD_TYPE_SESSIONS_DIALOG);

  G_OBJECT_CLASS (ld_sessions_dialog_parent_class)->dispose (object);
}

static void
ld_sessions_dialog_finalize (GObject *object)
{
  LdSessionsDialog *self = LD_SESSIONS_DIALOG (object);

  g_clear_object (&self->application);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->sessions, g_ptr_array_unref);
  g_free (self->dir);
  g_free (self->running_path);
  g_free (self->export_path);

  G_OBJECT_CLASS (ld_sessions_dialog_parent_class)->finalize (object);
}

static void
ld_sessions_dialog_class_init (LdSessionsDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ld_sessions_dialog_dispose;
  object_class->finalize = ld_sessions_dialog_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/logdeck/Logdeck/ld-sessions-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, LdSessionsDialog, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, LdSessionsDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, LdSessionsDialog, list_box);
  gtk_widget_class_bind_template_child (widget_class, LdSessionsDialog, removals_label);

  gtk_widget_class_install_action (widget_class, "session.open", "s", session_open_activated);
  gtk_widget_class_install_action (widget_class, "session.rename", "s",
                                   session_rename_activated);
  gtk_widget_class_install_action (widget_class, "session.export", "s",
                                   session_export_activated);
  gtk_widget_class_install_action (widget_class, "session.delete", "s",
                                   session_delete_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ld_sessions_dialog_init (LdSessionsDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->dir = ld_session_default_archive_dir ();
}

/**
 * ld_sessions_dialog_new:
 * @parent: (nullable): the main window
 * @application: whose session is running, and whose store Open fills
 *
 * Returns: (transfer floating): the Sessions dialog
 */
GtkWidget *
ld_sessions_dialog_new (GtkWindow     *parent,
                        LdApplication *application)
{
  LdSessionsDialog *self;
  LdArchiveWriter *writer;

  g_return_val_if_fail (LD_IS_APPLICATION (application), NULL);

  self = g_object_new (LD_TYPE_SESSIONS_DIALOG, "transient-for", parent, NULL);
  self->application = g_object_ref (application);
  writer = ld_session_get_archive_writer (ld_application_get_session (application));
  if (writer != NULL)
    self->running_path = g_strdup (ld_archive_writer_get_path (writer));

  show_removals (self);
  read_sessions (self);

  return GTK_WIDGET (self);
}
