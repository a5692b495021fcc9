// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <glib/gi18n.h>

#include "ld-count-format.h"
#include "ld-fields-page.h"

/* The sidebar's Fields section: which extra keys the shown records carry and
 * how many carry each, and for the field picked (an extra key or one of the
 * columns) its top values with counts and shares, and for numbers min,
 * median, p95, max and a histogram. Each value has a button to filter to it
 * and one to exclude it; they emit ::filter-term with the term a user would
 * type, and the window puts it in the filter. The statistics (LdFieldStats)
 * follow the records as they come; the page shows them at most twice a
 * second, and only while it is on screen. */

#define N_TOP          10
#define MAX_KEY_ROWS   200
#define MAX_SHOWN_CHARS 200
#define REFRESH_MS     500

typedef struct
{
  LdStatsField  field;
  const char   *title;
} ColumnField;

static const ColumnField columns[] = {
  { LD_STATS_FIELD_LEVEL, N_("Level") },
  { LD_STATS_FIELD_LOGGER, N_("Logger") },
  { LD_STATS_FIELD_THREAD, N_("Thread") },
  { LD_STATS_FIELD_CONNECTION, N_("Connection") },
  { LD_STATS_FIELD_HOST, N_("Host") },
  { LD_STATS_FIELD_SERVICE, N_("Service") },
};

struct _LdFieldsPage
{
  AdwBin          parent_instance;

  /* Template widgets */
  GtkLabel       *pending_label;
  GtkListBox     *keys_list;
  GtkLabel       *values_heading;
  GtkLabel       *numbers_label;
  GtkDrawingArea *histogram;
  GtkListBox     *values_list;

  /* Owned references */
  LdFilterModel  *shown;
  LdFieldStats   *stats;

  char           *shown_keys;      /* the extra keys listed, joined, to see when they change */
  char           *shown_values;    /* the values listed with their counts, likewise */
  char           *listed_keys;     /* the names alone: rows are rebuilt only when they change */
  char           *listed_values;   /* the values alone, likewise */
  LdFieldNumbers  numbers;
  guint           refresh_id;
  gboolean        selecting;       /* the page, not the user, picks a row */
};

enum {
  FILTER_TERM,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LdFieldsPage, ld_fields_page, ADW_TYPE_BIN)

static GtkWidget *
count_label (guint count)
{
  g_autofree char *text = ld_format_count (count);
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_add_css_class (label, "numeric");
  gtk_widget_add_css_class (label, "caption");
  return label;
}

/* The field list */

static GtkWidget *
new_key_row (LdStatsField  field,
             const char   *key,
             const char   *title,
             guint         count,
             gboolean      with_count)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *name = gtk_label_new (title);

  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (name, TRUE);
  gtk_widget_set_tooltip_text (name, title);
  if (key == NULL)
    gtk_widget_add_css_class (name, "dim-label");
  gtk_box_append (GTK_BOX (box), name);
  if (with_count)
    {
      GtkWidget *label = count_label (count);

      gtk_box_append (GTK_BOX (box), label);
      g_object_set_data (G_OBJECT (row), "ld-count", label);
    }
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);

  g_object_set_data (G_OBJECT (row), "ld-field", GINT_TO_POINTER (field));
  g_object_set_data_full (G_OBJECT (row), "ld-key", g_strdup (key), g_free);
  return row;
}

static int
compare_by_key (gconstpointer a,
                gconstpointer b)
{
  return g_strcmp0 (((const LdFieldCount *) a)->value, ((const LdFieldCount *) b)->value);
}

static void
select_current_row (LdFieldsPage *self)
{
  LdStatsField field = ld_field_stats_get_field (self->stats);
  const char *key = ld_field_stats_get_key (self->stats);

  self->selecting = TRUE;
  gtk_list_box_unselect_all (self->keys_list);
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->keys_list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "ld-field")) == (int) field
        && g_strcmp0 (g_object_get_data (G_OBJECT (row), "ld-key"), key) == 0)
      gtk_list_box_select_row (self->keys_list, GTK_LIST_BOX_ROW (row));
  self->selecting = FALSE;
}

/* The extra keys, most carried first up to MAX_KEY_ROWS, listed by name so
 * that rows stay where they are while counts change; then the columns. */
static void
refresh_keys (LdFieldsPage *self)
{
  g_autoptr(GArray) keys = ld_field_stats_dup_keys (self->stats);
  g_autoptr(GString) joined = g_string_new (NULL);
  g_autoptr(GString) names = g_string_new (NULL);
  GtkWidget *child;

  if (keys->len > MAX_KEY_ROWS)
    g_array_set_size (keys, MAX_KEY_ROWS);
  g_array_sort (keys, compare_by_key);
  for (guint i = 0; i < keys->len; i++)
    {
      g_string_append_printf (joined, "%s\t%u\n", g_array_index (keys, LdFieldCount, i).value,
                              g_array_index (keys, LdFieldCount, i).count);
      g_string_append_printf (names, "%s\n", g_array_index (keys, LdFieldCount, i).value);
    }

  if (g_strcmp0 (joined->str, self->shown_keys) == 0)
    return;
  g_free (self->shown_keys);
  self->shown_keys = g_strdup (joined->str);

  /* The same keys with other counts: the rows stay, so that a click or the
   * keyboard focus on one is not lost while records stream in. */
  if (g_strcmp0 (names->str, self->listed_keys) == 0)
    {
      guint i = 0;

      for (child = gtk_widget_get_first_child (GTK_WIDGET (self->keys_list));
           child != NULL && i < keys->len; child = gtk_widget_get_next_sibling (child), i++)
        {
          GtkLabel *label = g_object_get_data (G_OBJECT (child), "ld-count");
          g_autofree char *text = ld_format_count (g_array_index (keys, LdFieldCount, i).count);

          if (label != NULL)
            gtk_label_set_text (label, text);
        }
      return;
    }
  g_free (self->listed_keys);
  self->listed_keys = g_strdup (names->str);

  self->selecting = TRUE;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->keys_list))) != NULL)
    gtk_list_box_remove (self->keys_list, child);
  for (guint i = 0; i < keys->len; i++)
    {
      const LdFieldCount *key = &g_array_index (keys, LdFieldCount, i);

      gtk_list_box_append (self->keys_list, new_key_row (LD_STATS_FIELD_EXTRA, key->value,
                                                         key->value, key->count, TRUE));
    }
  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    gtk_list_box_append (self->keys_list, new_key_row (columns[i].field, NULL,
                                                       _(columns[i].title), 0, FALSE));
  self->selecting = FALSE;
}

static void
on_key_selected (LdFieldsPage  *self,
                 GtkListBoxRow *row)
{
  if (self->selecting || row == NULL || self->stats == NULL)
    return;

  ld_field_stats_set_field (self->stats,
                            GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "ld-field")),
                            g_object_get_data (G_OBJECT (row), "ld-key"));
  ld_fields_page_refresh (self);
}

/* The values */

static GtkWidget *
term_button (LdFieldsPage *self,
             const char   *value,
             gboolean      exclude)
{
  g_autofree char *term = ld_field_stats_term (ld_field_stats_get_field (self->stats),
                                               ld_field_stats_get_key (self->stats), value,
                                               exclude);
  GtkWidget *button = gtk_button_new_from_icon_name (exclude ? "list-remove-symbolic"
                                                             : "list-add-symbolic");

  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, exclude ? _("Exclude this value")
                                               : _("Filter to this value"));
  /* A key the query language cannot name has no term to add. */
  if (term == NULL)
    gtk_widget_set_sensitive (button, FALSE);
  else
    gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", term);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "fields.filter");
  return button;
}

/* A value as a row shows it: its first line, at most MAX_SHOWN_CHARS
 * characters, for a sender's value may be a megabyte of text. */
static char *
shown_text (const char *value)
{
  const char *end = value;
  glong n_chars = 0;

  while (*end != '\0' && *end != '\n' && *end != '\r' && n_chars < MAX_SHOWN_CHARS)
    {
      end = g_utf8_next_char (end);
      n_chars++;
    }
  if (*end == '\0')
    return g_strdup (value);
  return g_strdup_printf ("%.*s…", (int) (end - value), value);
}

static void
set_value_numbers (GtkWidget *row,
                   guint      count,
                   guint      total)
{
  g_autofree char *count_text = ld_format_count (count);
  g_autofree char *share_text = g_strdup_printf ("%s · %.1f%%", count_text,
                                                 total > 0 ? 100.0 * count / total : 0);

  gtk_level_bar_set_value (g_object_get_data (G_OBJECT (row), "ld-share"),
                           total > 0 ? (double) count / total : 0);
  gtk_label_set_text (g_object_get_data (G_OBJECT (row), "ld-numbers"), share_text);
}

static GtkWidget *
new_value_row (LdFieldsPage *self,
               const char   *value,
               const char   *title,
               guint         count,
               guint         total)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 2);
  GtkWidget *bottom = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  g_autofree char *shown = shown_text (title);
  GtkWidget *name = gtk_label_new (shown);
  GtkWidget *share = gtk_level_bar_new_for_interval (0, 1);
  GtkWidget *numbers = count_label (0);

  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (name, TRUE);
  gtk_widget_set_tooltip_text (name, shown);
  if (value == NULL)
    gtk_widget_add_css_class (name, "dim-label");
  gtk_box_append (GTK_BOX (top), name);
  if (value != NULL)
    {
      gtk_box_append (GTK_BOX (top), term_button (self, value, FALSE));
      gtk_box_append (GTK_BOX (top), term_button (self, value, TRUE));
    }

  gtk_widget_set_hexpand (share, TRUE);
  gtk_widget_set_valign (share, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (bottom), share);
  gtk_box_append (GTK_BOX (bottom), numbers);

  gtk_box_append (GTK_BOX (row), top);
  gtk_box_append (GTK_BOX (row), bottom);
  g_object_set_data (G_OBJECT (row), "ld-share", share);
  g_object_set_data (G_OBJECT (row), "ld-numbers", numbers);
  set_value_numbers (row, count, total);
  return row;
}

static void
refresh_numbers (LdFieldsPage *self)
{
  gboolean numeric = ld_field_stats_get_numbers (self->stats, &self->numbers);

  if (numeric)
    {
      g_autofree char *n = ld_format_count (self->numbers.n);
      /* Translators: statistics of a numeric field; %g are numbers, %s a count */
      g_autofree char *text =
        g_strdup_printf (_("min %g · median %g · p95 %g · max %g (%s numbers)"),
                         self->numbers.min, self->numbers.median, self->numbers.p95,
                         self->numbers.max, n);

      gtk_label_set_text (self->numbers_label, text);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->numbers_label), numeric);
  gtk_widget_set_visible (GTK_WIDGET (self->histogram), numeric);
  gtk_widget_queue_draw (GTK_WIDGET (self->histogram));
}

static void
fill_values (LdFieldsPage *self,
             GArray       *top,
             guint         n_other,
             guint         total)
{
  guint n_without = total - ld_field_stats_get_n_with_value (self->stats);
  gboolean with_without = n_without > 0
                          && ld_field_stats_get_field (self->stats) == LD_STATS_FIELD_EXTRA;
  g_autoptr(GString) listed = g_string_new (NULL);
  GtkWidget *child;

  /* The field too: a row's buttons hold a term that names it. */
  g_string_printf (listed, "%d %s\n", ld_field_stats_get_field (self->stats),
                   ld_field_stats_get_key (self->stats) != NULL
                   ? ld_field_stats_get_key (self->stats) : "");
  for (guint i = 0; i < top->len; i++)
    {
      const char *value = g_array_index (top, LdFieldCount, i).value;

      g_string_append_printf (listed, "%zu:%s", strlen (value), value);
    }
  g_string_append_printf (listed, "%d%d", n_other > 0, with_without);

  /* The same values with other counts: the rows stay, and their buttons
   * take a click however often the counts change. */
  if (g_strcmp0 (listed->str, self->listed_values) == 0)
    {
      child = gtk_widget_get_first_child (GTK_WIDGET (self->values_list));
      for (guint i = 0; i < top->len && child != NULL; i++)
        {
          set_value_numbers (gtk_list_box_row_get_child (GTK_LIST_BOX_ROW (child)),
                             g_array_index (top, LdFieldCount, i).count, total);
          child = gtk_widget_get_next_sibling (child);
        }
      if (n_other > 0 && child != NULL)
        {
          set_value_numbers (gtk_list_box_row_get_child (GTK_LIST_BOX_ROW (child)), n_other,
                             total);
          child = gtk_widget_get_next_sibling (child);
        }
      if (with_without && child != NULL)
        set_value_numbers (gtk_list_box_row_get_child (GTK_LIST_BOX_ROW (child)), n_without,
                           total);
      return;
    }
  g_free (self->listed_values);
  self->listed_values = g_string_free (g_steal_pointer (&listed), FALSE);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->values_list))) != NULL)
    gtk_list_box_remove (self->values_list, child);

  for (guint i = 0; i < top->len; i++)
    {
      const LdFieldCount *count = &g_array_index (top, LdFieldCount, i);

      gtk_list_box_append (self->values_list,
                           new_value_row (self, count->value, *count->value != '\0'
                                                              ? count->value : _("(empty)"),
                                          count->count, total));
    }
  if (n_other > 0)
    gtk_list_box_append (self->values_list,
                         new_value_row (self, NULL, _("Other values"), n_other, total));
  if (with_without)
    gtk_list_box_append (self->values_list,
                         new_value_row (self, NULL, _("Without this field"), n_without, total));
}

static void
refresh_values (LdFieldsPage *self)
{
  LdStatsField field = ld_field_stats_get_field (self->stats);
  guint total = ld_field_stats_get_n_records (self->stats);
  g_autoptr(GArray) top = NULL;
  g_autoptr(GString) joined = NULL;
  g_autofree char *heading = NULL;
  guint n_other = 0;

  if (field == LD_STATS_FIELD_NONE)
    heading = g_strdup (_("Pick a field to see its values"));
  else if (field == LD_STATS_FIELD_EXTRA)
    heading = g_strdup_printf (_("Values of “%s”"), ld_field_stats_get_key (self->stats));
  else
    for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
      if (columns[i].field == field)
        heading = g_strdup_printf (_("Values of %s"), _(columns[i].title));
  if (heading == NULL)
    heading = g_strdup_printf (_("Values of %s"), ld_stats_field_get_name (field));
  gtk_label_set_text (self->values_heading, heading);

  top = field != LD_STATS_FIELD_NONE ? ld_field_stats_dup_top_values (self->stats, N_TOP, &n_other)
                                     : g_array_new (FALSE, FALSE, sizeof (LdFieldCount));
  joined = g_string_new (heading);
  g_string_append_printf (joined, "\n%u %u %u\n", total, n_other,
                          ld_field_stats_get_n_with_value (self->stats));
  for (guint i = 0; i < top->len; i++)
    g_string_append_printf (joined, "%s\t%u\n", g_array_index (top, LdFieldCount, i).value,
                            g_array_index (top, LdFieldCount, i).count);

  refresh_numbers (self);
  if (g_strcmp0 (joined->str, self->shown_values) == 0)
    return;
  g_free (self->shown_values);
  self->shown_values = g_strdup (joined->str);
  fill_values (self, top, n_other, total);
}

static void
refresh_pending (LdFieldsPage *self)
{
  guint pending = ld_field_stats_get_pending (self->stats);

  if (pending > 0)
    {
      g_autofree char *count = ld_format_count (pending);
      g_autofree char *text = g_strdup_printf (_("Reading %s records…"), count);

      gtk_label_set_text (self->pending_label, text);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->pending_label), pending > 0);
}

static void
draw_histogram (GtkDrawingArea *area,
                cairo_t        *cr,
                int             width,
                int             height,
                gpointer        user_data)
{
  LdFieldsPage *self = user_data;
  GtkStyleContext *style = gtk_widget_get_style_context (GTK_WIDGET (area));
  double bar_width = (double) width / LD_FIELD_STATS_HISTOGRAM_BINS;
  guint highest = 1;
  GdkRGBA color;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (style, &color);
  G_GNUC_END_IGNORE_DEPRECATIONS
  color.alpha *= 0.55;
  gdk_cairo_set_source_rgba (cr, &color);

  for (guint i = 0; i < LD_FIELD_STATS_HISTOGRAM_BINS; i++)
    highest = MAX (highest, self->numbers.histogram[i]);
  for (guint i = 0; i < LD_FIELD_STATS_HISTOGRAM_BINS; i++)
    {
      double bar = (double) height * self->numbers.histogram[i] / highest;

      cairo_rectangle (cr, i * bar_width + 1, height - bar, bar_width - 2, bar);
    }
  cairo_fill (cr);
}

static gboolean
refresh_later (gpointer user_data)
{
  LdFieldsPage *self = user_data;

  self->refresh_id = 0;
  ld_fields_page_refresh (self);
  return G_SOURCE_REMOVE;
}

static void
on_stats_changed (LdFieldsPage *self)
{
  if (self->refresh_id == 0 && gtk_widget_get_mapped (GTK_WIDGET (self)))
    self->refresh_id = g_timeout_add (REFRESH_MS, refresh_later, self);
}

static void
ensure_stats (LdFieldsPage *self)
{
  if (self->stats != NULL || self->shown == NULL)
    return;

  self->stats = ld_field_stats_new (self->shown);
  g_signal_connect_object (self->stats, "changed", G_CALLBACK (on_stats_changed), self,
                           G_CONNECT_SWAPPED);
}

static void
filter_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  g_signal_emit (widget, signals[FILTER_TERM], 0, g_variant_get_string (parameter, NULL));
}

static void
ld_fields_page_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (ld_fields_page_parent_class)->map (widget);

  /* Counting starts when the page is first looked at. */
  ensure_stats (LD_FIELDS_PAGE (widget));
  ld_fields_page_refresh (LD_FIELDS_PAGE (widget));
}

static void
ld_fields_page_dispose (GObject *object)
{
  LdFieldsPage *self = LD_FIELDS_PAGE (object);

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), LD_TYPE_FIELDS_PAGE);
  g_clear_object (&self->stats);
  g_clear_object (&self->shown);
  g_clear_pointer (&self->shown_keys, g_free);
  g_clear_pointer (&self->shown_values, g_free);
  g_clear_pointer (&self->listed_keys, g_free);
  g_clear_pointer (&self->listed_values, g_free);

  G_OBJECT_CLASS (ld_fields_page_parent_class)->dispose (object);
}

static void
ld_fields_page_class_init (LdFieldsPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = ld_fields_page_dispose;
  widget_class->map = ld_fields_page_map;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/logdeck/Logdeck/ld-fields-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LdFieldsPage, pending_label);
  gtk_widget_class_bind_template_child (widget_class, LdFieldsPage, keys_list);
  gtk_widget_class_bind_template_child (widget_class, LdFieldsPage, values_heading);
  gtk_widget_class_bind_template_child (widget_class, LdFieldsPage, numbers_label);
  gtk_widget_class_bind_template_child (widget_class, LdFieldsPage, histogram);
  gtk_widget_class_bind_template_child (widget_class, LdFieldsPage, values_list);
  gtk_widget_class_bind_template_callback (widget_class, on_key_selected);
  gtk_widget_class_install_action (widget_class, "fields.filter", "s", filter_activated);

  /**
   * LdFieldsPage::filter-term:
   * @self: the page
   * @term: key="value" to filter to a value, or -key="value" to exclude it
   *
   * A value's filter or exclude button was clicked.
   */
  signals[FILTER_TERM] = g_signal_new ("filter-term", G_TYPE_FROM_CLASS (klass),
                                       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                       G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
ld_fields_page_init (LdFieldsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_drawing_area_set_draw_func (self->histogram, draw_histogram, self, NULL);
}

/**
 * ld_fields_page_set_model:
 * @self: a page
 * @shown: the records the window shows
 */
void
ld_fields_page_set_model (LdFieldsPage  *self,
                          LdFilterModel *shown)
{
  g_return_if_fail (LD_IS_FIELDS_PAGE (self));
  g_return_if_fail (self->shown == NULL);

  self->shown = g_object_ref (shown);
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      ensure_stats (self);
      ld_fields_page_refresh (self);
    }
}

/**
 * ld_fields_page_select:
 * @self: a page
 * @field: the field whose values to show
 * @key: (nullable): the extra field's key, for %LD_STATS_FIELD_EXTRA
 *
 * Does what picking the field in the list does.
 */
void
ld_fields_page_select (LdFieldsPage *self,
                       LdStatsField  field,
                       const char   *key)
{
  g_return_if_fail (LD_IS_FIELDS_PAGE (self));

  ensure_stats (self);
  if (self->stats == NULL)
    return;
  ld_field_stats_set_field (self->stats, field, key);
  ld_fields_page_refresh (self);
}

/**
 * ld_fields_page_refresh:
 * @self: a page
 *
 * Shows the statistics as they are now.
 */
void
ld_fields_page_refresh (LdFieldsPage *self)
{
  g_return_if_fail (LD_IS_FIELDS_PAGE (self));

  if (self->stats == NULL)
    return;

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  refresh_pending (self);
  refresh_keys (self);
  select_current_row (self);
  refresh_values (self);
}

/**
 * ld_fields_page_get_stats:
 * @self: a page
 *
 * Returns: (transfer none) (nullable): the statistics shown, once the page has been shown
 */
LdFieldStats *
ld_fields_page_get_stats (LdFieldsPage *self)
{
  g_return_val_if_fail (LD_IS_FIELDS_PAGE (self), NULL);

  return self->stats;
}
