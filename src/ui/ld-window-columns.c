// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>
#include <time.h>

#include "ld-level.h"
#include "ld-marks.h"
#include "ld-query.h"
#include "ld-row.h"
#include "ld-window-private.h"
#include "ld-ws-glyph.h"

/* The table's columns. Cells are filled by signal factories, the cheapest
 * way to bind a row: no property bindings, no expressions. Text cells are
 * GtkInscriptions, which take their size from the column rather than from
 * laying out their text, so a screenful of new rows is cheap to measure;
 * only the level badge, which is as wide as its name, is a label. */

typedef void (*BindFunc) (LdWindow *self, GtkWidget *cell, const LdRecord *record);
typedef gboolean (*HasValueFunc) (const LdRecord *record);

typedef struct
{
  const char  *id;
  const char  *title;
  int          chars;      /* the content's usual width, which the column starts at */
  BindFunc     bind;
  HasValueFunc has_value;  /* set for a column hidden until a record has a value for it */
} ColumnInfo;

#define EMPTY_TEXT "—"
#define MIN_CHARS 3
#define MESSAGE_MIN_CHARS 10
#define LD_CELL_MAX_TEXT 1024
#define LD_CELL_MAX_WRAPPED (16 * 1024)

static void
set_interned (GtkWidget *cell,
              guint32    id)
{
  const char *text = ld_intern_lookup (id);

  gtk_inscription_set_text (GTK_INSCRIPTION (cell), text != NULL ? text : "");
}


/**
 * ld_format_time:
 * @time_us: µs since the Unix epoch
 * @style: how to show it
 * @buf: (out caller-allocates): at least 48 bytes
 *
 * Formats without allocating: the Time column calls it for every row bound.
 */
void
ld_format_time (gint64             time_us,
                const LdTimeStyle *style,
                char              *buf,
                gsize              size)
{
  gint64 shown = style->display == LD_TIME_RELATIVE ? time_us - style->base_us : time_us;
  gboolean negative = shown < 0;
  guint64 magnitude = negative ? (guint64) -shown : (guint64) shown;
  time_t seconds = (time_t) (magnitude / G_USEC_PER_SEC);
  int millis = (int) ((magnitude % G_USEC_PER_SEC) / 1000);
  struct tm tm;
  char date[16] = "";

  if (style->display == LD_TIME_RELATIVE)
    {
      g_snprintf (buf, size, "%s%" G_GUINT64_FORMAT ":%02d:%02d.%03d", negative ? "−" : "+",
                  (guint64) (seconds / 3600), (int) (seconds / 60 % 60), (int) (seconds % 60),
                  millis);
      return;
    }

  if (negative || (style->display == LD_TIME_UTC ? gmtime_r (&seconds, &tm)
                                                 : localtime_r (&seconds, &tm)) == NULL)
    {
      g_strlcpy (buf, EMPTY_TEXT, size);
      return;
    }

  if (style->format == LD_TIME_FORMAT_DATE_TIME_MS)
    g_snprintf (date, sizeof date, "%04d-%02d-%02d ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday);
  if (style->format == LD_TIME_FORMAT_TIME)
    g_snprintf (buf, size, "%s%02d:%02d:%02d", date, tm.tm_hour, tm.tm_min, tm.tm_sec);
  else
    g_snprintf (buf, size, "%s%02d:%02d:%02d.%03d", date, tm.tm_hour, tm.tm_min, tm.tm_sec,
                millis);
}

static void
bind_time (LdWindow       *self,
           GtkWidget      *cell,
           const LdRecord *record)
{
  char text[48];

  ld_format_time (record->time_us, &self->time_style, text, sizeof text);
  gtk_inscription_set_text (GTK_INSCRIPTION (cell), text);
}

static void
swap_css_class (GtkWidget  *widget,
                const char *key,
                const char *css_class)
{
  const char *old = g_object_get_data (G_OBJECT (widget), key);

  if (old == css_class)
    return;
  if (old != NULL)
    gtk_widget_remove_css_class (widget, old);
  if (css_class != NULL)
    gtk_widget_add_css_class (widget, css_class);
  g_object_set_data (G_OBJECT (widget), key, (gpointer) css_class);
}

static void
bind_level (LdWindow       *self,
            GtkWidget      *cell,
            const LdRecord *record)
{
  const char *name = ld_intern_lookup (record->level_name);
  g_autofree char *fallback = NULL;

  if (name == NULL)
    name = fallback = ld_level_display_name (record->level);

  gtk_label_set_text (GTK_LABEL (cell), name);
  swap_css_class (cell, "ld-level-class", ld_level_css_class (record->level));
}

static void
bind_logger (LdWindow       *self,
             GtkWidget      *cell,
             const LdRecord *record)
{
  set_interned (cell, record->logger);
}

static void
bind_thread (LdWindow       *self,
             GtkWidget      *cell,
             const LdRecord *record)
{
  set_interned (cell, record->thread);
}

static void
bind_connection (LdWindow       *self,
                 GtkWidget      *cell,
                 const LdRecord *record)
{
  set_interned (cell, record->connection != LD_INTERN_NONE ? record->connection
                                                            : record->protocol);
}

/* Host and Service come from relays and the standards' senders (OTLP,
 * syslog, GELF); Python's handlers never fill them, so their columns wait
 * hidden until a record does. */
static void
bind_host (LdWindow       *self,
           GtkWidget      *cell,
           const LdRecord *record)
{
  set_interned (cell, record->host);
}

static void
bind_service (LdWindow       *self,
              GtkWidget      *cell,
              const LdRecord *record)
{
  set_interned (cell, record->service);
}

static gboolean
has_host (const LdRecord *record)
{
  return record->host != LD_INTERN_NONE;
}

static gboolean
has_service (const LdRecord *record)
{
  return record->service != LD_INTERN_NONE;
}

/* Find's terms are highlighted in every message shown. */
static void
apply_highlight (LdWindow       *self,
                 GtkInscription *cell,
                 const char     *text,
                 gsize           length)
{
  LdQuery *highlight_query = self->find_query;

  g_autoptr(GArray) ranges = NULL;
  PangoAttrList *attrs;

  if (highlight_query == NULL || !ld_query_has_text_terms (highlight_query))
    {
      if (gtk_inscription_get_attributes (cell) != NULL)
        gtk_inscription_set_attributes (cell, NULL);
      return;
    }

  ranges = g_array_new (FALSE, FALSE, sizeof (LdTextRange));
  ld_query_find_matches (highlight_query, text, length, ranges);
  attrs = pango_attr_list_new ();
  for (guint i = 0; i < ranges->len; i++)
    {
      const LdTextRange *range = &g_array_index (ranges, LdTextRange, i);
      PangoAttribute *background = pango_attr_background_new (0xf6f6, 0xd3d3, 0x2d2d);
      PangoAttribute *foreground = pango_attr_foreground_new (0x2020, 0x2020, 0x2020);

      background->start_index = foreground->start_index = range->start;
      background->end_index = foreground->end_index = range->end;
      pango_attr_list_insert (attrs, background);
      pango_attr_list_insert (attrs, foreground);
    }
  gtk_inscription_set_attributes (cell, attrs);
  pango_attr_list_unref (attrs);
}

/* With "wrap long messages" on, the message shows in full in a wrapping
 * label, whose height follows its text (an inscription's cannot), up to
 * LD_CELL_MAX_WRAPPED bytes. */
static void
bind_wrapped (LdWindow       *self,
              GtkWidget      *wrapped,
              const char     *message,
              gsize           length)
{
  g_autofree char *text = NULL;
  g_autoptr(GArray) ranges = NULL;
  PangoAttrList *attrs = NULL;

  if (length > LD_CELL_MAX_WRAPPED)
    length = g_utf8_find_prev_char (message, message + LD_CELL_MAX_WRAPPED + 1) - message;
  text = g_strndup (message, length);
  gtk_label_set_text (GTK_LABEL (wrapped), text);
  if (self->find_query != NULL && ld_query_has_text_terms (self->find_query))
    {
      ranges = g_array_new (FALSE, FALSE, sizeof (LdTextRange));
      ld_query_find_matches (self->find_query, text, length, ranges);
      attrs = pango_attr_list_new ();
      for (guint i = 0; i < ranges->len; i++)
        {
          const LdTextRange *range = &g_array_index (ranges, LdTextRange, i);
          PangoAttribute *background = pango_attr_background_new (0xf6f6, 0xd3d3, 0x2d2d);

          background->start_index = range->start;
          background->end_index = range->end;
          pango_attr_list_insert (attrs, background);
        }
    }
  gtk_label_set_attributes (GTK_LABEL (wrapped), attrs);
  g_clear_pointer (&attrs, pango_attr_list_unref);
}

/* A multi-line message shows its first line and how many lines follow. */
static void
bind_message (LdWindow       *self,
              GtkWidget      *cell,
              const LdRecord *record)
{
  GtkWidget *label = gtk_widget_get_first_child (cell);
  GtkWidget *marker = gtk_widget_get_next_sibling (label);
  GtkWidget *wrapped = gtk_widget_get_next_sibling (marker);
  gsize length;
  const char *message = ld_record_get_message (record, &length);
  /* The websockets library's debug prefix shows as a glyph (ld-ws-glyph.c). */
  LdWsKind ws_kind;
  g_autofree char *ws_text = ld_ws_glyph_message (record, &message, &length,
                                                  LD_CELL_MAX_WRAPPED, &ws_kind);
  const char *newline = memchr (message, '\n', length);
  gsize first_len = newline != NULL ? (gsize) (newline - message) : length;
  g_autofree char *first_line = NULL;

  /* A cell shows a screenful at most: a 16 MiB line from the network must
   * not be laid out on every bind. */
  if (first_len > LD_CELL_MAX_TEXT)
    first_len = g_utf8_find_prev_char (message, message + LD_CELL_MAX_TEXT + 1) - message;
  first_line = g_strndup (message, first_len);
  guint extra_lines = 0;
  gsize exception_len;

  for (const char *p = newline; p != NULL; p = memchr (p + 1, '\n', message + length - p - 1))
    extra_lines++;

  gtk_widget_set_visible (label, !self->wrap_messages);
  gtk_widget_set_visible (wrapped, self->wrap_messages);
  if (self->wrap_messages)
    {
      bind_wrapped (self, wrapped, message, length);
      extra_lines = 0;
    }
  gtk_inscription_set_text (GTK_INSCRIPTION (label), first_line);
  /* Setting a tooltip, even the same one, asks the X server where the
   * pointer is: a round trip per bound row, a third of the UI thread's
   * time when a session is reopened. */
  if (g_strcmp0 (gtk_widget_get_tooltip_text (cell), ld_ws_glyph_describe (ws_kind)) != 0)
    gtk_widget_set_tooltip_text (cell, ld_ws_glyph_describe (ws_kind));
  apply_highlight (self, GTK_INSCRIPTION (label), first_line, strlen (first_line));
  swap_css_class (cell, "ld-message-class",
                  record->level >= LD_LEVEL_CRITICAL ? "message-critical"
                  : record->level >= LD_LEVEL_ERROR ? "message-error" : NULL);

  ld_record_get_exception (record, &exception_len);
  gtk_widget_set_visible (marker, extra_lines > 0 || exception_len > 0);
  if (extra_lines > 0)
    {
      /* Translators: shown after the first line of a multi-line message */
      g_autofree char *text = g_strdup_printf (ngettext ("⏎ %u more line", "⏎ %u more lines",
                                                         extra_lines), extra_lines);
      gtk_label_set_text (GTK_LABEL (marker), text);
    }
  else if (exception_len > 0)
    /* Translators: shown after a message that carries an exception */
    gtk_label_set_text (GTK_LABEL (marker), _("⏎ traceback"));
}

/* The mark gutter: a glyph on a marked record, and its row tinted, which a
 * click in the gutter or Ctrl+M toggles (ld-window-marks.c). */
static void
bind_mark (LdWindow       *self,
           GtkWidget      *cell,
           const LdRecord *record)
{
  LdStore *store = ld_filter_model_get_store (self->model);
  GtkWidget *row = gtk_widget_get_parent (gtk_widget_get_parent (cell));
  guint64 seq;
  gboolean marked = self->marks != NULL && ld_marks_record_seq (store, record, &seq)
                    && ld_marks_contains (self->marks, seq);

  gtk_widget_set_opacity (gtk_widget_get_first_child (cell), marked ? 1 : 0);
  /* The cell's parent is the column's cell widget, whose parent is the row. */
  if (row != NULL && marked)
    gtk_widget_add_css_class (row, "marked-row");
  else if (row != NULL)
    gtk_widget_remove_css_class (row, "marked-row");
}

static const ColumnInfo columns[] = {
  { "mark", N_("Mark"), 0, bind_mark, NULL },
  { "time", N_("Time"), 12, bind_time, NULL },
  { "level", N_("Level"), 0, bind_level, NULL },
  { "logger", N_("Logger"), 14, bind_logger, NULL },
  { "thread", N_("Thread"), 10, bind_thread, NULL },
  { "connection", N_("Connection"), 12, bind_connection, NULL },
  { "host", N_("Host"), 10, bind_host, has_host },
  { "service", N_("Service"), 10, bind_service, has_service },
  { "message", N_("Message"), -1, bind_message, NULL },
};

static const ColumnInfo *
find_column (const char *id)
{
  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    if (g_strcmp0 (columns[i].id, id) == 0)
      return &columns[i];

  return NULL;
}

/**
 * ld_window_column_title:
 * @index: a column's place in the default order
 *
 * Returns: (nullable): the column's translated title, or %NULL past the
 *   last column; @id is set to its id
 */
const char *
ld_window_column_title (guint        index,
                        const char **id)
{
  if (index >= G_N_ELEMENTS (columns))
    return NULL;

  *id = columns[index].id;
  return _(columns[index].title);
}

static GtkWidget *
new_cell_text (void)
{
  GtkWidget *cell = gtk_inscription_new (NULL);

  gtk_inscription_set_xalign (GTK_INSCRIPTION (cell), 0);
  gtk_inscription_set_text_overflow (GTK_INSCRIPTION (cell),
                                     GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_END);

  return cell;
}

/* A cell knows its list item and column, so that a column can be bound
 * again in place (GTK 4.8 keeps a column's cells when its factory changes). */
static void
remember_item (GtkWidget        *cell,
               GtkListItem      *item,
               const ColumnInfo *info)
{
  g_object_set_data (G_OBJECT (cell), "ld-list-item", item);
  g_object_set_data (G_OBJECT (cell), "ld-column-info", (gpointer) info);
}

static void
on_gutter_released (GtkGestureClick *gesture,
                    int              n_press,
                    double           x,
                    double           y,
                    GtkWidget       *cell)
{
  GtkListItem *item = g_object_get_data (G_OBJECT (cell), "ld-list-item");
  LdRow *row = gtk_list_item_get_item (item);
  GtkRoot *root = gtk_widget_get_root (cell);

  if (row == NULL || !LD_IS_WINDOW (root) || LD_WINDOW (root)->marks == NULL)
    return;
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  ld_marks_toggle (LD_WINDOW (root)->marks, ld_row_get_seq (row));
}

static void
setup_mark_cell (GtkListItem      *item,
                 const ColumnInfo *info)
{
  GtkWidget *cell = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *glyph = gtk_image_new_from_icon_name ("starred-symbolic");
  GtkGesture *click = gtk_gesture_click_new ();

  gtk_widget_add_css_class (cell, "mark-gutter");
  gtk_widget_set_hexpand (glyph, TRUE);
  gtk_widget_set_opacity (glyph, 0);
  gtk_box_append (GTK_BOX (cell), glyph);
  gtk_widget_set_tooltip_text (cell, _("Mark or unmark this record (Ctrl+M)"));
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect_object (click, "released", G_CALLBACK (on_gutter_released), cell, 0);
  gtk_widget_add_controller (cell, GTK_EVENT_CONTROLLER (click));
  gtk_list_item_set_child (item, cell);
  remember_item (cell, item, info);
}

static void
setup_cell (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            const ColumnInfo         *info)
{
  GtkWidget *cell;

  if (info->bind == bind_mark)
    {
      setup_mark_cell (item, info);
      return;
    }
  if (info->bind == bind_level)
    {
      cell = gtk_label_new (NULL);
      gtk_label_set_single_line_mode (GTK_LABEL (cell), TRUE);
      gtk_label_set_ellipsize (GTK_LABEL (cell), PANGO_ELLIPSIZE_END);
      gtk_widget_add_css_class (cell, "level-badge");
      gtk_widget_set_halign (cell, GTK_ALIGN_START);
      gtk_label_set_xalign (GTK_LABEL (cell), 0.5);
      gtk_list_item_set_child (item, cell);
      remember_item (cell, item, info);
      return;
    }

  cell = new_cell_text ();
  /* Columns start at their content's width and give way before Message
   * does: Message takes what is left, and never less than MESSAGE_MIN_CHARS. */
  if (info->chars > 0)
    {
      gtk_inscription_set_nat_chars (GTK_INSCRIPTION (cell), info->chars);
      gtk_inscription_set_min_chars (GTK_INSCRIPTION (cell), MIN_CHARS);
    }
  else
    gtk_inscription_set_min_chars (GTK_INSCRIPTION (cell), MESSAGE_MIN_CHARS);
  /* A connection id's end (a UUID's, a port) tells connections apart. */
  if (info->bind == bind_connection)
    gtk_inscription_set_text_overflow (GTK_INSCRIPTION (cell),
                                       GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_MIDDLE);
  if (info->bind == bind_message)
    {
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      GtkWidget *marker = gtk_label_new (NULL);
      GtkWidget *wrapped = gtk_label_new (NULL);

      gtk_label_set_wrap (GTK_LABEL (wrapped), TRUE);
      gtk_label_set_wrap_mode (GTK_LABEL (wrapped), PANGO_WRAP_WORD_CHAR);
      gtk_label_set_xalign (GTK_LABEL (wrapped), 0);
      gtk_widget_set_hexpand (wrapped, TRUE);
      gtk_widget_add_css_class (wrapped, "monospace");
      gtk_widget_add_css_class (wrapped, "wrapped-message");
      gtk_widget_set_visible (wrapped, FALSE);
      gtk_widget_add_css_class (cell, "monospace");
      gtk_widget_set_hexpand (cell, TRUE);
      gtk_widget_add_css_class (marker, "multiline-marker");
      gtk_widget_add_css_class (marker, "dim-label");
      gtk_box_append (GTK_BOX (box), cell);
      gtk_box_append (GTK_BOX (box), marker);
      gtk_box_append (GTK_BOX (box), wrapped);
      gtk_box_append (GTK_BOX (box),
                      ld_window_new_fold_badge (g_object_get_data (G_OBJECT (factory), "ld-window")));
      cell = box;
    }
  else if (info->bind == bind_time)
    gtk_widget_add_css_class (cell, "numeric");

  gtk_list_item_set_child (item, cell);
  remember_item (cell, item, info);
}

/* Repeat folding's badge, last in the Message cell, and dimmed levels'
 * style on every cell of the row (ld-window-fold.c). The search results
 * page shares these cells: its rows are the results store's, whose seqs
 * are not the session's, and are never folded. */
static void
bind_fold_and_dim (LdWindow         *self,
                   GtkWidget        *cell,
                   LdRow            *row,
                   const ColumnInfo *info)
{
  const LdRecord *record = ld_row_get_record (row);

  if (record != NULL && ld_window_level_dimmed (self, record->level))
    gtk_widget_add_css_class (cell, "dim-label");
  else
    gtk_widget_remove_css_class (cell, "dim-label");
  if (info->bind != bind_message)
    return;
  if (ld_row_get_store (row) == ld_filter_model_get_store (self->model))
    ld_window_bind_fold_badge (self, gtk_widget_get_last_child (cell), ld_row_get_seq (row));
  else
    gtk_widget_set_visible (gtk_widget_get_last_child (cell), FALSE);
}

static void
bind_item (LdWindow         *self,
           GtkListItem      *item,
           const ColumnInfo *info)
{
  LdRow *row = gtk_list_item_get_item (item);
  const LdRecord *record = ld_row_get_record (row);
  GtkWidget *cell = gtk_list_item_get_child (item);

  bind_fold_and_dim (self, cell, row, info);
  if (record != NULL)
    info->bind (self, cell, record);
  else if (info->bind == bind_mark)
    gtk_widget_set_opacity (gtk_widget_get_first_child (cell), 0);
  else
    {
      /* Evicted while the view was paused: a recycled cell must not keep
       * another record's text. The message cell is a box of the text and
       * its marker. */
      GtkWidget *text = GTK_IS_BOX (cell) ? gtk_widget_get_first_child (cell) : cell;

      if (GTK_IS_LABEL (text))
        gtk_label_set_text (GTK_LABEL (text), EMPTY_TEXT);
      else
        gtk_inscription_set_text (GTK_INSCRIPTION (text), EMPTY_TEXT);
      if (text != cell)
        {
          GtkWidget *marker = gtk_widget_get_next_sibling (text);

          gtk_widget_set_visible (marker, FALSE);
          gtk_widget_set_visible (gtk_widget_get_next_sibling (marker), FALSE);
          gtk_widget_set_visible (text, TRUE);
        }
    }
}

/* The factory knows its window, whose Time style and Find the cells show. */
static void
bind_cell (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           const ColumnInfo         *info)
{
  bind_item (g_object_get_data (G_OBJECT (factory), "ld-window"), item, info);
}

static GtkListItemFactory *
create_factory (LdWindow         *self,
                const ColumnInfo *info)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_object_set_data (G_OBJECT (factory), "ld-window", self);
  g_signal_connect (factory, "setup", G_CALLBACK (setup_cell), (gpointer) info);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cell), (gpointer) info);

  return factory;
}

static GtkColumnViewColumn *
create_column (LdWindow         *self,
               const ColumnInfo *info,
               GMenuModel       *header_menu)
{
  GtkColumnViewColumn *column;

  column = gtk_column_view_column_new (_(info->title), create_factory (self, info));
  g_object_set_data (G_OBJECT (column), "ld-column-id", (gpointer) info->id);
  gtk_column_view_column_set_resizable (column, TRUE);
  gtk_column_view_column_set_header_menu (column, header_menu);
  gtk_column_view_column_set_expand (column, info->chars < 0);
  if (info->bind == bind_mark)
    {
      /* A gutter: as narrow as its glyph, its title in the header menu only. */
      gtk_column_view_column_set_title (column, "");
      gtk_column_view_column_set_fixed_width (column, 30);
      gtk_column_view_column_set_resizable (column, FALSE);
    }

  return column;
}

static GMenuModel *
build_header_menu (void)
{
  GMenu *menu = g_menu_new ();
  g_autoptr(GMenu) section = g_menu_new ();

  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    {
      g_autofree char *action = g_strdup_printf ("columns.%s", columns[i].id);
      g_menu_append (section, _(columns[i].title), action);
    }
  g_menu_append_section (menu, _("Show Columns"), G_MENU_MODEL (section));

  return G_MENU_MODEL (menu);
}

/* Saved ids first, in their order; a column the settings do not name yet
 * (a newer version added it, as Host and Service were) goes after the one
 * it follows in the default order, so that a saved order from before does
 * not put it past Message. */
static GPtrArray *
column_order (LdWindow *self)
{
  g_auto(GStrv) saved = g_settings_get_strv (self->settings, "column-order");
  GPtrArray *order = g_ptr_array_new ();

  for (guint i = 0; saved[i] != NULL; i++)
    {
      const ColumnInfo *info = find_column (saved[i]);
      if (info != NULL && !g_ptr_array_find (order, info, NULL))
        g_ptr_array_add (order, (gpointer) info);
    }
  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    {
      guint before;

      if (g_ptr_array_find (order, &columns[i], NULL))
        continue;
      if (i > 0 && g_ptr_array_find (order, &columns[i - 1], &before))
        g_ptr_array_insert (order, before + 1, (gpointer) &columns[i]);
      else if (i == 0)
        g_ptr_array_insert (order, 0, (gpointer) &columns[i]);   /* the mark gutter */
      else
        g_ptr_array_add (order, (gpointer) &columns[i]);
    }

  return order;
}

static void
restore_column (LdWindow            *self,
                GtkColumnViewColumn *column,
                const ColumnInfo    *info,
                GVariant            *widths,
                const char *const   *hidden,
                const char *const   *revealed)
{
  gboolean was_revealed = info->has_value != NULL && g_strv_contains (revealed, info->id);
  int width;

  if (g_variant_lookup (widths, info->id, "i", &width) && width > 0)
    gtk_column_view_column_set_fixed_width (column, width);
  if (was_revealed)
    g_object_set_data (G_OBJECT (column), "ld-revealed", GINT_TO_POINTER (TRUE));
  if (g_strv_contains (hidden, info->id) || (info->has_value != NULL && !was_revealed))
    gtk_column_view_column_set_visible (column, FALSE);
}

/* Optional columns
 * ================
 *
 * Host and Service start hidden and show by themselves the first time a
 * record with a value for them arrives. That happens once: the column is
 * then "revealed" (kept in the revealed-columns setting), and from then on
 * only the user shows or hides it, so that one who hid it by hand does not
 * see it come back with the next record. Showing it by hand reveals it too. */

static gboolean
is_revealed (GtkColumnViewColumn *column)
{
  return g_object_get_data (G_OBJECT (column), "ld-revealed") != NULL;
}

static void
save_revealed (LdWindow *self)
{
  GListModel *list = gtk_column_view_get_columns (self->column_view);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) revealed = NULL;
  g_auto(GStrv) saved = g_settings_get_strv (self->settings, "revealed-columns");

  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (list, i);

      if (is_revealed (column))
        g_strv_builder_add (builder, g_object_get_data (G_OBJECT (column), "ld-column-id"));
    }
  revealed = g_strv_builder_end (builder);
  if (!g_strv_equal ((const char *const *) saved, (const char *const *) revealed))
    g_settings_set_strv (self->settings, "revealed-columns", (const char *const *) revealed);
}

/* How narrow a window must be for a column to give its room to the
 * message: Host and Service go first (below the fold width, where the
 * sidebar folds too), Logger, Thread and Connection only in a phone-sized
 * window; 0 for the columns that always stay. */
static int
squeeze_level (const char *id)
{
  if (g_str_equal (id, "host") || g_str_equal (id, "service"))
    return 1;
  if (g_str_equal (id, "logger") || g_str_equal (id, "thread") || g_str_equal (id, "connection"))
    return 2;
  return 0;
}

static gboolean
squeezed_out (LdWindow            *self,
              GtkColumnViewColumn *column)
{
  int level = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (self->column_view), "ld-narrow"));
  int column_level = squeeze_level (g_object_get_data (G_OBJECT (column), "ld-column-id"));

  return column_level > 0 && column_level <= level;
}

static void
reveal_column (LdWindow            *self,
               GtkColumnViewColumn *column)
{
  g_object_set_data (G_OBJECT (column), "ld-revealed", GINT_TO_POINTER (TRUE));
  /* A window too narrow for it keeps it for when it is wide again. */
  if (squeezed_out (self, column))
    g_object_set_data (G_OBJECT (column), "ld-narrow-hidden", GINT_TO_POINTER (TRUE));
  else
    gtk_column_view_column_set_visible (column, TRUE);
  save_revealed (self);
}

/* A column the user shows from the header menu or Preferences is theirs. */
static void
on_optional_visible_changed (GtkColumnViewColumn *column,
                             GParamSpec          *pspec,
                             LdWindow            *self)
{
  if (gtk_column_view_column_get_visible (column) && !is_revealed (column))
    {
      g_object_set_data (G_OBJECT (column), "ld-revealed", GINT_TO_POINTER (TRUE));
      save_revealed (self);
    }
}

static void on_store_items_changed (LdWindow   *self,
                                    guint       position,
                                    guint       removed,
                                    guint       added,
                                    GListModel *store);

/* Looks at the records in [@from, @to) for values of the optional columns
 * not revealed yet; once every one is, the store is no longer watched. */
static void
reveal_for_records (LdWindow *self,
                    LdStore  *store,
                    guint     from,
                    guint     to)
{
  GListModel *list = gtk_column_view_get_columns (self->column_view);
  GtkColumnViewColumn *waiting[G_N_ELEMENTS (columns)];
  const ColumnInfo *waiting_info[G_N_ELEMENTS (columns)];
  guint n_waiting = 0;

  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (list, i);
      const ColumnInfo *info = find_column (g_object_get_data (G_OBJECT (column), "ld-column-id"));

      if (info->has_value != NULL && !is_revealed (column))
        {
          waiting_info[n_waiting] = info;
          waiting[n_waiting++] = column;
        }
    }

  for (guint i = from; i < to && n_waiting > 0; i++)
    {
      const LdRecord *record = ld_store_get_record (store, i);
      guint j = 0;

      while (j < n_waiting)
        {
          if (!waiting_info[j]->has_value (record))
            {
              j++;
              continue;
            }
          reveal_column (self, waiting[j]);
          waiting_info[j] = waiting_info[n_waiting - 1];
          waiting[j] = waiting[--n_waiting];
        }
    }

  if (n_waiting == 0)
    g_signal_handlers_disconnect_by_func (store, on_store_items_changed, self);
}

static void
on_store_items_changed (LdWindow   *self,
                        guint       position,
                        guint       removed,
                        guint       added,
                        GListModel *store)
{
  if (added > 0)
    reveal_for_records (self, LD_STORE (store), position, position + added);
}

/* Records already in the store count, for a window opened after they came. */
static void
watch_optional_columns (LdWindow *self)
{
  LdStore *store = ld_session_get_store (self->session);

  g_signal_connect_object (store, "items-changed", G_CALLBACK (on_store_items_changed), self,
                           G_CONNECT_SWAPPED);
  reveal_for_records (self, store, 0, ld_store_get_n_records (store));
}

/* A title wider than its column's content would set the column's minimum
 * width: "Connection" would hold its column at 80 px in a phone-sized
 * window, where the message needs the room. Titles ellipsize instead. */
static void
ellipsize_titles (GtkWidget *widget)
{
  if (GTK_IS_LABEL (widget))
    gtk_label_set_ellipsize (GTK_LABEL (widget), PANGO_ELLIPSIZE_END);

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (!GTK_IS_LIST_VIEW (child))
      ellipsize_titles (child);
}

/**
 * ld_window_setup_columns:
 * @self: a window
 *
 * Creates the columns in the saved order, widths and visibility, with a
 * header menu whose toggles show and hide each column.
 */
void
ld_window_setup_columns (LdWindow *self)
{
  g_autoptr(GMenuModel) header_menu = build_header_menu ();
  g_autoptr(GPtrArray) order = column_order (self);
  g_autoptr(GVariant) widths = g_settings_get_value (self->settings, "column-widths");
  g_auto(GStrv) hidden = g_settings_get_strv (self->settings, "hidden-columns");
  g_auto(GStrv) revealed = g_settings_get_strv (self->settings, "revealed-columns");

  self->column_actions = g_simple_action_group_new ();
  for (guint i = 0; i < order->len; i++)
    {
      const ColumnInfo *info = g_ptr_array_index (order, i);
      g_autoptr(GtkColumnViewColumn) column = create_column (self, info, header_menu);
      g_autoptr(GPropertyAction) action = NULL;

      restore_column (self, column, info, widths, (const char *const *) hidden,
                      (const char *const *) revealed);
      if (info->has_value != NULL)
        g_signal_connect_object (column, "notify::visible",
                                 G_CALLBACK (on_optional_visible_changed), self, 0);
      action = g_property_action_new (info->id, column, "visible");
      g_action_map_add_action (G_ACTION_MAP (self->column_actions), G_ACTION (action));
      gtk_column_view_append_column (self->column_view, column);
    }
  ellipsize_titles (GTK_WIDGET (self->column_view));

  gtk_widget_insert_action_group (GTK_WIDGET (self), "columns",
                                  G_ACTION_GROUP (self->column_actions));
  watch_optional_columns (self);
}

static void
rebind_cells (LdWindow         *self,
              GtkWidget        *widget,
              const ColumnInfo *info)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkListItem *item = g_object_get_data (G_OBJECT (child), "ld-list-item");

      if (item == NULL)
        rebind_cells (self, child, info);
      else if (g_object_get_data (G_OBJECT (child), "ld-column-info") == info
               && gtk_list_item_get_item (item) != NULL)
        bind_item (self, item, info);
    }
}

/**
 * ld_window_refresh_column:
 * @self: a window
 * @id: a column's id
 *
 * Binds the column's visible cells again, after what they show changed.
 */
void
ld_window_refresh_column (LdWindow   *self,
                          const char *id)
{
  const ColumnInfo *info = find_column (id);

  if (info != NULL)
    rebind_cells (self, GTK_WIDGET (self->column_view), info);
}

/**
 * ld_window_columns_set_narrow:
 * @self: a window
 * @narrow: whether the window is phone-sized
 * @folded: whether the window is narrower than the fold width
 *
 * A folded window gives Host's and Service's room to the message, a narrow
 * one Logger's, Thread's and Connection's too (the detail pane still shows
 * them), for as long as it is that narrow: the user's own choice of columns
 * is what is saved.
 */
void
ld_window_columns_set_narrow (LdWindow *self,
                              gboolean  narrow,
                              gboolean  folded)
{
  GListModel *list = gtk_column_view_get_columns (self->column_view);

  g_object_set_data (G_OBJECT (self->column_view), "ld-narrow",
                     GINT_TO_POINTER (narrow ? 2 : folded ? 1 : 0));
  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (list, i);
      gboolean hidden_here = g_object_get_data (G_OBJECT (column), "ld-narrow-hidden") != NULL;
      gboolean squeezed = squeezed_out (self, column);

      if (squeezed && !hidden_here && gtk_column_view_column_get_visible (column))
        {
          g_object_set_data (G_OBJECT (column), "ld-narrow-hidden", GINT_TO_POINTER (TRUE));
          gtk_column_view_column_set_visible (column, FALSE);
        }
      else if (!squeezed && hidden_here)
        {
          g_object_set_data (G_OBJECT (column), "ld-narrow-hidden", NULL);
          gtk_column_view_column_set_visible (column, TRUE);
        }
    }
}

/**
 * ld_window_save_columns:
 * @self: a window
 *
 * Remembers the column order, widths and visibility in the settings.
 */
void
ld_window_save_columns (LdWindow *self)
{
  GListModel *list = gtk_column_view_get_columns (self->column_view);
  g_autoptr(GStrvBuilder) order = g_strv_builder_new ();
  g_autoptr(GStrvBuilder) hidden = g_strv_builder_new ();
  g_auto(GStrv) order_strv = NULL;
  g_auto(GStrv) hidden_strv = NULL;
  GVariantBuilder widths;

  g_variant_builder_init (&widths, G_VARIANT_TYPE ("a{si}"));
  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (list, i);
      const char *id = g_object_get_data (G_OBJECT (column), "ld-column-id");
      int width = gtk_column_view_column_get_fixed_width (column);

      g_strv_builder_add (order, id);
      /* An optional column not revealed yet is hidden by nobody. */
      if (!gtk_column_view_column_get_visible (column)
          && g_object_get_data (G_OBJECT (column), "ld-narrow-hidden") == NULL
          && (find_column (id)->has_value == NULL || is_revealed (column)))
        g_strv_builder_add (hidden, id);
      if (width > 0 && !gtk_column_view_column_get_expand (column))
        g_variant_builder_add (&widths, "{si}", id, width);
    }

  order_strv = g_strv_builder_end (order);
  hidden_strv = g_strv_builder_end (hidden);
  g_settings_set_strv (self->settings, "column-order", (const char *const *) order_strv);
  g_settings_set_strv (self->settings, "hidden-columns", (const char *const *) hidden_strv);
  g_settings_set_value (self->settings, "column-widths", g_variant_builder_end (&widths));
}

/**
 * ld_window_refresh_marks:
 * @self: a window
 *
 * Binds the gutter's visible cells again after a mark came or went.
 */
void
ld_window_refresh_marks (LdWindow *self)
{
  ld_window_refresh_column (self, "mark");
}

/**
 * ld_window_cell_at:
 * @self: a window
 * @widget: the widget under the pointer, or the focus, inside the table
 * @position: (out): the row's position in the table, as the selection's:
 *   with repeat folding on, not the filter model's (see
 *   ld_window_record_position())
 * @column_id: (out): the column's id
 *
 * Returns: %TRUE if @widget is in one of the table's cells
 */
gboolean
ld_window_cell_at (LdWindow    *self,
                   GtkWidget   *widget,
                   guint       *position,
                   const char **column_id)
{
  for (; widget != NULL && widget != GTK_WIDGET (self->column_view);
       widget = gtk_widget_get_parent (widget))
    {
      GtkListItem *item = g_object_get_data (G_OBJECT (widget), "ld-list-item");
      const ColumnInfo *info = g_object_get_data (G_OBJECT (widget), "ld-column-info");

      if (item == NULL || info == NULL || gtk_list_item_get_item (item) == NULL)
        continue;
      *position = gtk_list_item_get_position (item);
      *column_id = info->id;
      return TRUE;
    }

  return FALSE;
}
