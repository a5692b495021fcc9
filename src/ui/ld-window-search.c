// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <glib/gi18n.h>

#include "ld-archive-writer.h"
#include "ld-count-format.h"
#include "ld-marks.h"
#include "ld-search-results.h"
#include "ld-window-private.h"

/* "Search the whole session": the window keeps its retention limit, so a
 * long session holds more on disk than in memory. While a filter is set
 * and records of the session are no longer in the window, a bar under the
 * filter offers to run the filter over the session's archive
 * (win.search-session); the matches replace the table until Back
 * (win.close-search-results). */

static const char *
archive_path (LdWindow *self)
{
  LdArchiveWriter *writer = ld_session_get_archive_writer (self->session);

  return writer != NULL ? ld_archive_writer_get_path (writer) : NULL;
}

static gboolean
filter_is_set (LdWindow *self)
{
  LdQuery *query = ld_filter_model_get_query (self->model);
  const char *const *excluded = ld_filter_model_get_excluded_loggers (self->model);

  return (query != NULL && !ld_query_is_empty (query))
         || ld_filter_model_get_min_level (self->model) > 0 || self->n_hidden_levels > 0
         || (excluded != NULL && excluded[0] != NULL);
}

/* Records this session received that the window no longer holds: let go
 * at the retention limit, or cleared. */
static guint64
n_on_disk_only (LdWindow *self)
{
  LdStore *store = ld_filter_model_get_store (self->model);

  return ld_store_get_n_received (store) - ld_store_get_n_records (store);
}

/**
 * ld_window_update_search_offer:
 * @self: a window
 *
 * Offers the search while it would find more than the table shows: a
 * filter is set and the archive has records the window let go.
 */
void
ld_window_update_search_offer (LdWindow *self)
{
  guint64 n = n_on_disk_only (self);
  gboolean offer = !self->search_shown && n > 0 && filter_is_set (self)
                   && archive_path (self) != NULL;

  if (offer)
    {
      g_autofree char *count = ld_format_count (n);
      /* Translators: %s is a count of records; a button "Search the Whole Session" follows */
      g_autofree char *text = g_strdup_printf (ngettext ("The filter sees what is in memory: "
                                                         "%s older record is on disk only",
                                                         "The filter sees what is in memory: "
                                                         "%s older records are on disk only",
                                                         n), count);

      gtk_label_set_text (self->search_label, text);
    }
  if (gtk_revealer_get_reveal_child (self->search_revealer) != offer)
    gtk_revealer_set_reveal_child (self->search_revealer, offer);
}

/* The filter's levels and hidden loggers as query terms, so that the
 * search counts what the table would show. */
static void
append_facet_terms (LdWindow *self,
                    GString  *text)
{
  g_autoptr(GVariant) hidden = g_settings_get_value (self->settings, "hidden-levels");
  const char *const *excluded = ld_filter_model_get_excluded_loggers (self->model);
  int min_level = ld_filter_model_get_min_level (self->model);
  gsize n;
  const gint32 *levels = g_variant_get_fixed_array (hidden, &n, sizeof (gint32));

  if (min_level > 0)
    g_string_append_printf (text, "level>=%d ", min_level);
  for (gsize i = 0; i < n; i++)
    g_string_append_printf (text, "-level=%d ", levels[i]);
  for (guint i = 0; excluded != NULL && excluded[i] != NULL; i++)
    {
      /* logger:NAME. is NAME and its descendants, as the sidebar excludes;
       * quoted where a sender's name needs it ("my app", parentheses). */
      g_autofree char *subtree = g_strconcat (excluded[i], ".", NULL);

      g_string_append (text, "-logger:");
      ld_query_append_value (text, subtree);
      g_string_append_c (text, ' ');
    }
}

/* The query the search runs: the filter's own text compiled again at the
 * time the filter's was (so that since:10m means the same ten minutes),
 * for the search's thread alone, as a compiled query is for one thread at
 * a time; with the levels and loggers the table hides. */
static LdQuery *
search_query (LdWindow *self)
{
  LdQuery *live = ld_filter_model_get_query (self->model);
  const char *text = live != NULL ? ld_query_get_text (live) : "";
  g_autoptr(GString) combined = g_string_new (NULL);
  LdQuery *query;

  append_facet_terms (self, combined);
  if (*text != '\0')
    g_string_append_printf (combined, "(%s)", text);
  query = ld_query_parse (combined->str, self->filter_now_us, NULL);

  /* A logger name no term can spell: the results' own filter hides those. */
  if (query == NULL)
    query = ld_query_parse (text, self->filter_now_us, NULL);

  return query;
}

/* A copy of the session's marks: the search reads them on its thread. */
static GArray *
session_marks (LdWindow *self)
{
  guint n = 0;
  const guint64 *seqs = ld_marks_get_seqs (self->marks, &n);
  GArray *marked = g_array_sized_new (FALSE, FALSE, sizeof (guint64), n);

  if (n > 0)
    g_array_append_vals (marked, seqs, n);
  return marked;
}

static void
hide_in_results_as_in_table (LdWindow      *self,
                             LdFilterModel *results)
{
  g_autoptr(GVariant) hidden = g_settings_get_value (self->settings, "hidden-levels");
  gsize n;
  const gint32 *levels = g_variant_get_fixed_array (hidden, &n, sizeof (gint32));

  ld_filter_model_set_min_level (results, ld_filter_model_get_min_level (self->model));
  ld_filter_model_set_hidden_levels (results, (const int *) levels, n);
  ld_filter_model_set_excluded_loggers (results,
                                        ld_filter_model_get_excluded_loggers (self->model));
}

static void
search_session_activated (GSimpleAction *action,
                          GVariant      *parameter,
                          gpointer       user_data)
{
  LdWindow *self = user_data;
  LdSearchResults *results = LD_SEARCH_RESULTS (self->search_results);
  LdStore *store = ld_filter_model_get_store (self->model);
  const char *path = archive_path (self);
  g_autoptr(LdQuery) query = NULL;
  g_autoptr(GArray) marked = NULL;

  if (path == NULL || (query = search_query (self)) == NULL)
    return;

  /* Up to the records the window has now: the writer is given a moment to
   * archive the newest, and the marks as they are now, which the writer
   * stores a moment later, answer is:marked for them. */
  marked = session_marks (self);
  ld_search_results_start (results, path, query, ld_store_get_n_received (store), marked,
                           g_settings_get_uint (self->settings, "max-records"));
  hide_in_results_as_in_table (self, ld_search_results_get_model (results));
  self->search_shown = TRUE;
  gtk_stack_set_visible_child_name (self->content_stack, "search");
  ld_window_update_search_offer (self);
}

static void
close_search_results_activated (GSimpleAction *action,
                                GVariant      *parameter,
                                gpointer       user_data)
{
  LdWindow *self = user_data;

  ld_search_results_reset (LD_SEARCH_RESULTS (self->search_results));
  self->search_shown = FALSE;
  ld_window_update_content (self);
  ld_window_update_search_offer (self);
}

static const GActionEntry search_actions[] = {
  { "search-session", search_session_activated },
  { "close-search-results", close_search_results_activated },
};

/**
 * ld_window_setup_search:
 * @self: a window, its columns set up
 *
 * Adds the results page, which takes the table's columns, and the actions:
 * win.search-session only for an archived session.
 */
void
ld_window_setup_search (LdWindow *self)
{
  self->search_results = ld_search_results_new (self->column_view);
  gtk_stack_add_named (self->content_stack, self->search_results, "search");
  g_action_map_add_action_entries (G_ACTION_MAP (self), search_actions,
                                   G_N_ELEMENTS (search_actions), self);
  /* A session that is not archived (--no-archive, or archiving off in
   * Preferences) has nothing on disk to search. */
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self),
                                                                            "search-session")),
                               archive_path (self) != NULL);
  ld_window_update_search_offer (self);
}
