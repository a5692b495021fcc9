// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <glib/gi18n.h>

#include "ld-archive-search.h"
#include "ld-count-format.h"
#include "ld-detail-pane.h"
#include "ld-row.h"
#include "ld-search-results.h"

/* The results page of "Search the whole session". The matches go into a
 * store of their own, read-only, seen through a filter model that the
 * window gives its levels and hidden loggers; the table takes the window's
 * own columns (the same factories, titles and widths, hidden where the
 * window's are), so a match looks as it does in the live table, but for the
 * mark gutter, which it leaves out: its rows are numbered by the results'
 * store, not by the session, so the live table's gutter would mark another
 * record; marks are made in the live table. The search runs on a thread
 * (ld-archive-search.c); this page only appends the matches it is handed,
 * a slice per main loop iteration. */

struct _LdSearchResults
{
  GtkBox                  parent_instance;

  /* Template widgets */
  GtkLabel               *title_label;
  GtkProgressBar         *progress_bar;
  GtkWidget              *stop_button;
  GtkColumnView          *column_view;
  GtkWidget              *detail_pane;

  LdStore                *store;
  LdFilterModel          *model;
  GtkSingleSelection     *selection;
  GCancellable           *cancellable;
  char                   *query_text;
  LdArchiveSearchProgress progress;
  gboolean                running;
  char                   *problem;    /* (nullable): why the last search stopped early */
};

G_DEFINE_FINAL_TYPE (LdSearchResults, ld_search_results, GTK_TYPE_BOX)

static void
update_title (LdSearchResults *self)
{
  g_autofree char *scanned = ld_format_count (self->progress.n_scanned);
  g_autofree char *total = ld_format_count (self->progress.n_total);
  guint n_listed = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  guint64 n_dropped = ld_store_get_n_evicted (self->store);
  g_autofree char *listed = ld_format_count (n_listed);
  g_autofree char *matches = ld_format_count (n_listed + n_dropped);
  g_autoptr(GString) text = g_string_new (NULL);

  if (self->running)
    /* Translators: while the search runs; the counts are records */
    g_string_printf (text, _("Searching the whole session… %s of %s records, %s matches so far"),
                     scanned, total, matches);
  else
    /* Translators: %s are counts; the records are those of the session's archive */
    g_string_printf (text, g_dngettext (GETTEXT_PACKAGE,
                                        "%s match in the whole session (%s records searched)",
                                        "%s matches in the whole session (%s records searched)",
                                        n_listed + n_dropped),
                     matches, scanned);
  if (n_dropped > 0)
    /* Translators: follows the count of matches when there are more than memory keeps */
    g_string_append_printf (text, _("; the newest %s are listed"), listed);
  if (self->problem != NULL)
    /* Translators: follows the count of matches; %s says why the search stopped */
    g_string_append_printf (text, _(" — stopped: %s"), self->problem);

  gtk_label_set_text (self->title_label, text->str);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->title_label), self->query_text);
  gtk_progress_bar_set_fraction (self->progress_bar,
                                 self->progress.n_total > 0
                                   ? MIN (1.0, (double) self->progress.n_scanned
                                               / self->progress.n_total)
                                   : 0.0);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), self->running);
  gtk_widget_set_visible (self->stop_button, self->running);
}

static void
on_slice (LdBatch *const                *matches,
          guint                          n_batches,
          const guint64                 *seqs,
          guint                          n_matches,
          const LdArchiveSearchProgress *progress,
          gpointer                       user_data)
{
  LdSearchResults *self = user_data;

  if (n_matches > 0)
    ld_store_append_batches (self->store, matches, n_batches);
  self->progress = *progress;
  update_title (self);
}

static void
on_search_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(LdSearchResults) self = user_data;
  g_autoptr(GError) error = NULL;
  LdArchiveSearchProgress progress;
  gboolean complete = ld_archive_search_finish (result, &progress, &error);

  /* A search given up for a newer one, or by the page going away, is
   * forgotten (its cancellable is no longer the page's); Stop keeps what
   * was found. */
  if (self->cancellable == NULL || g_task_get_cancellable (G_TASK (result)) != self->cancellable)
    return;

  g_clear_object (&self->cancellable);
  self->running = FALSE;
  /* After Stop, the slices still queued were dropped: the last delivered
   * slice's progress is what the list holds, so the counts stay true. */
  if (complete || !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    self->progress = progress;
  else
    self->progress.n_total = self->progress.n_scanned;
  g_clear_pointer (&self->problem, g_free);
  if (!complete)
    self->problem = g_strdup (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                              ? _("cancelled") : error->message);
  ld_filter_model_flush (self->model);
  update_title (self);
}

/* Cancels the running search without a word: a newer one or the page's end. */
static void
forget_search (LdSearchResults *self)
{
  if (self->cancellable != NULL)
    {
      GCancellable *cancellable = g_steal_pointer (&self->cancellable);

      g_cancellable_cancel (cancellable);
      g_object_unref (cancellable);
    }
  self->running = FALSE;
}

/**
 * ld_search_results_reset:
 * @self: the results page
 *
 * Gives the search up and lets its matches go: the way back to the live
 * table.
 */
void
ld_search_results_reset (LdSearchResults *self)
{
  g_return_if_fail (LD_IS_SEARCH_RESULTS (self));

  forget_search (self);
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  ld_store_clear (self->store);
  g_clear_pointer (&self->problem, g_free);
  self->progress = (LdArchiveSearchProgress) { 0 };
}

/**
 * ld_search_results_start:
 * @self: the results page
 * @path: the archive to search
 * @query: the compiled query, for the search's thread alone (see
 *   ld_archive_search_async())
 * @wait_for_seq: the records before it are waited for (see there)
 * @marked: (element-type guint64) (nullable): the session's marks, which
 *   answer `is:marked` for the records before @wait_for_seq (see
 *   ld_archive_search_with_marks_async())
 * @max_records: how many matches to keep, the newest; 0 for the store's default
 *
 * Forgets what the page showed and searches anew.
 */
void
ld_search_results_start (LdSearchResults *self,
                         const char      *path,
                         LdQuery         *query,
                         guint64          wait_for_seq,
                         GArray          *marked,
                         guint            max_records)
{
  g_return_if_fail (LD_IS_SEARCH_RESULTS (self));
  g_return_if_fail (path != NULL && query != NULL);

  ld_search_results_reset (self);
  ld_store_set_max_records (self->store, max_records > 0 ? max_records
                                                         : LD_STORE_DEFAULT_MAX_RECORDS);
  g_free (self->query_text);
  self->query_text = g_strdup (ld_query_get_text (query));
  self->running = TRUE;
  self->cancellable = g_cancellable_new ();
  update_title (self);

  /* The page outlives no search: it cancels its own when it goes, after
   * which no slice comes; the callback holds it until then. */
  ld_archive_search_with_marks_async (path, query, wait_for_seq, marked, self->cancellable,
                                      on_slice, self, NULL, on_search_done, g_object_ref (self));
}

/**
 * ld_search_results_stop:
 * @self: the results page
 *
 * Stops the search, keeping the matches found so far.
 */
void
ld_search_results_stop (LdSearchResults *self)
{
  g_return_if_fail (LD_IS_SEARCH_RESULTS (self));

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

gboolean
ld_search_results_get_running (LdSearchResults *self)
{
  g_return_val_if_fail (LD_IS_SEARCH_RESULTS (self), FALSE);

  return self->running;
}

/**
 * ld_search_results_get_model:
 * @self: the results page
 *
 * Returns: (transfer none): the matches as listed, for the window to hide
 *   the levels and loggers its own table hides
 */
LdFilterModel *
ld_search_results_get_model (LdSearchResults *self)
{
  g_return_val_if_fail (LD_IS_SEARCH_RESULTS (self), NULL);

  return self->model;
}

static void
on_stop_clicked (LdSearchResults *self)
{
  ld_search_results_stop (self);
}

static void
on_selected_item_changed (LdSearchResults    *self,
                          GParamSpec         *pspec,
                          GtkSingleSelection *selection)
{
  LdRow *row = gtk_single_selection_get_selected_item (selection);

  ld_detail_pane_set_row (LD_DETAIL_PANE (self->detail_pane), row);
  gtk_widget_set_visible (self->detail_pane, row != NULL);
}

/* The live table's columns, one for one but the mark gutter: the same cell
 * factories (which draw a record as the window does), titles, widths and
 * header menus; a column hidden there is hidden here. */
static void
copy_columns (LdSearchResults *self,
              GtkColumnView   *like)
{
  GListModel *columns = gtk_column_view_get_columns (like);

  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) source = g_list_model_get_item (columns, i);
      GtkListItemFactory *factory = gtk_column_view_column_get_factory (source);
      g_autoptr(GtkColumnViewColumn) column = NULL;

      if (g_strcmp0 (g_object_get_data (G_OBJECT (source), "ld-column-id"), "mark") == 0)
        continue;
      column = gtk_column_view_column_new (gtk_column_view_column_get_title (source),
                                           factory != NULL ? g_object_ref (factory) : NULL);
      gtk_column_view_column_set_resizable (column, TRUE);
      gtk_column_view_column_set_header_menu (column,
                                              gtk_column_view_column_get_header_menu (source));
      gtk_column_view_column_set_expand (column, gtk_column_view_column_get_expand (source));
      gtk_column_view_column_set_fixed_width (column,
                                              gtk_column_view_column_get_fixed_width (source));
      g_object_bind_property (source, "visible", column, "visible", G_BINDING_SYNC_CREATE);
      gtk_column_view_append_column (self->column_view, column);
    }
}

static void
ld_search_results_dispose (GObject *object)
{
  LdSearchResults *self = LD_SEARCH_RESULTS (object);

  forget_search (self);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), LD_TYPE_SEARCH_RESULTS);
  self->title_label = NULL;
  g_clear_object (&self->selection);
  g_clear_object (&self->model);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (ld_search_results_parent_class)->dispose (object);
}

static void
ld_search_results_finalize (GObject *object)
{
  LdSearchResults *self = LD_SEARCH_RESULTS (object);

  g_free (self->query_text);
  g_free (self->problem);

  G_OBJECT_CLASS (ld_search_results_parent_class)->finalize (object);
}

static void
ld_search_results_class_init (LdSearchResultsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ld_search_results_dispose;
  object_class->finalize = ld_search_results_finalize;

  g_type_ensure (LD_TYPE_DETAIL_PANE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/logdeck/Logdeck/ld-search-results.ui");
  gtk_widget_class_bind_template_child (widget_class, LdSearchResults, title_label);
  gtk_widget_class_bind_template_child (widget_class, LdSearchResults, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, LdSearchResults, stop_button);
  gtk_widget_class_bind_template_child (widget_class, LdSearchResults, column_view);
  gtk_widget_class_bind_template_child (widget_class, LdSearchResults, detail_pane);
  gtk_widget_class_bind_template_callback (widget_class, on_stop_clicked);
}

static void
ld_search_results_init (LdSearchResults *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->store = ld_store_new (0);
  self->model = ld_filter_model_new (self->store);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->model)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect_object (self->selection, "notify::selected-item",
                           G_CALLBACK (on_selected_item_changed), self, G_CONNECT_SWAPPED);
}

/**
 * ld_search_results_new:
 * @columns_like: the live table, whose columns the results take
 *
 * Returns: (transfer floating): a results page, empty until started
 */
GtkWidget *
ld_search_results_new (GtkColumnView *columns_like)
{
  LdSearchResults *self;

  g_return_val_if_fail (GTK_IS_COLUMN_VIEW (columns_like), NULL);

  self = g_object_new (LD_TYPE_SEARCH_RESULTS, NULL);
  copy_columns (self, columns_like);

  return GTK_WIDGET (self);
}
