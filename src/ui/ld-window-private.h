// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ld-window.h"

G_BEGIN_DECLS

typedef enum
{
  LD_TIME_LOCAL,
  LD_TIME_UTC,
  LD_TIME_RELATIVE,
} LdTimeDisplay;

typedef enum
{
  LD_TIME_FORMAT_TIME_MS,
  LD_TIME_FORMAT_TIME,
  LD_TIME_FORMAT_DATE_TIME_MS,
} LdTimeFormat;

typedef struct
{
  LdTimeDisplay display;
  LdTimeFormat  format;
  gint64        base_us;   /* for LD_TIME_RELATIVE: the first record's time */
} LdTimeStyle;

struct _LdWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template widgets */
  AdwWindowTitle       *window_title;
  GtkToggleButton      *dashboard_button;
  GtkWidget            *pause_button;
  GtkWidget            *clear_button;
  GtkBox               *filter_row;
  GtkRevealer          *restored_revealer;
  GtkLabel             *restored_label;
  GtkWidget            *try_demo_button;
  GtkWidget            *internal_button;
  GtkLabel             *demo_start_label;
  GtkSearchBar         *filter_bar;
  GtkSearchEntry       *filter_entry;
  GtkDropDown          *min_level_dropdown;
  GtkBox               *level_box;
  GtkRevealer          *filter_error_revealer;
  GtkLabel             *filter_error_label;
  GtkSearchEntry       *find_entry;
  GtkLabel             *find_count_label;
  AdwFlap              *flap;
  GtkWidget            *detail_pane;
  struct _LdSidebar    *sidebar;
  GtkRevealer          *demo_revealer;
  GtkLabel             *demo_label;
  GtkToggleButton      *demo_start_button;
  GtkStack             *content_stack;
  AdwStatusPage        *empty_page;
  GtkLabel             *snippet_label;
  GtkWidget            *senders_expander;   /* syslog, OTLP and GELF (ld-window-senders.c) */
  GtkLabel             *senders_label;
  GtkScrolledWindow    *scroller;
  GtkColumnView        *column_view;
  GtkRevealer          *jump_revealer;
  GtkLabel             *total_label;
  GtkLabel             *shown_label;
  GtkLabel             *rate_label;
  GtkLabel             *evicted_label;
  GtkLabel             *paused_label;
  GtkProgressBar       *load_progress;
  GtkLabel             *alerts_label;
  GtkPaned             *paned;
  struct _LdDashboard  *dashboard;
  struct _LdAlertNotifier *notifier;

  LdApplication        *application;   /* GtkWindow's, once it is set */
  GSettings            *settings;
  LdSession            *session;
  LdDemo               *demo;
  LdFilterModel          *model;
  GtkSingleSelection   *selection;
  GSimpleActionGroup   *column_actions;

  /* Adaptive layout: the width class last applied, and the idle applying a new one */
  int                   width_class;
  guint                 adapt_id;
  gint64                load_seen_us;

  /* Logdeck's own records wait behind a badge until a sender's first */
  gboolean              sender_seen;
  gboolean              show_internal;
  guint                 internal_scanned;

  gboolean              following;
  gboolean              scrolling;
  gboolean              follow_settled;
  gboolean              relative_base_set;
  double                last_value;
  double                last_upper;

  guint                 rate_timeout_id;
  guint                 follow_tick_id;
  guint                 load_timeout_id;
  guint64               rate_last_received;
  gint64                rate_last_time;
  double                rate;

  /* How the Time column shows times, and whether messages wrap (ld-window-columns.c) */
  LdTimeStyle           time_style;
  gboolean              wrap_messages;

  /* Filter and find (ld-window-filter.c); the table highlights Find's terms */
  char                 *initial_filter;
  guint                 n_hidden_levels;
  struct _LdQuery      *find_query;
  GArray               *find_matches;   /* guint64 seqs of matching shown records, ascending */
  guint64               find_current;   /* the seq of the match selected, or G_MAXUINT64 */
  guint64               find_scanned;   /* every shown record below this seq was looked at */
  guint                 find_scan_id;   /* an idle looking at the rest */
  guint                 find_slice;     /* records a slice looks at (tests); 0: 5 ms' worth */
  guint                 find_generation; /* the filter model's when the matches were sought */
  gboolean              find_waiting;   /* for a new filter's slices before looking */

  /* The filter's history and Save Query (ld-window-filter.c) */
  int                   history_index;   /* the entry walked to with Up/Down, or -1 */
  char                 *history_draft;   /* what was typed before walking */
  gboolean              history_walking; /* the entry's text comes from the history */
  GtkWidget            *history_button;
  GtkWidget            *save_query_button;

  /* Search the whole session (ld-window-search.c) */
  GtkRevealer          *search_revealer;
  GtkLabel             *search_label;
  GtkWidget            *search_results;  /* the results page, in content_stack */
  gint64                filter_now_us;   /* when the filter's query was compiled */
  gboolean              search_shown;

  /* Repeat folding and dimmed levels (ld-window-fold.c) */
  struct _LdFoldModel  *fold;           /* between model and selection */
  GArray               *dimmed_levels;  /* ints, from the settings */
  GPtrArray            *fold_badges;    /* every Message cell's badge, not owned */
  /* Marks and the cells' context menus (ld-window-marks.c) */
  struct _LdMarks      *marks;
};

void ld_window_setup_filter           (LdWindow          *self);
void ld_window_finalize_filter        (LdWindow          *self);
void ld_window_filter_model_changed   (LdWindow          *self,
                                      guint              position,
                                      guint              removed,
                                      guint              added);
void ld_window_update_level_toggles   (LdWindow          *self);
void ld_window_show_restored_filter   (LdWindow          *self,
                                       const char        *description);
void ld_window_update_subtitle        (LdWindow          *self);
void ld_window_update_endpoints_text  (LdWindow          *self);
GtkWidget *ld_window_get_list_view    (LdWindow          *self);
void ld_window_setup_columns          (LdWindow          *self);
void ld_window_save_columns           (LdWindow          *self);
void ld_window_columns_set_narrow     (LdWindow          *self,
                                       gboolean           narrow,
                                       gboolean           folded);
void ld_window_refresh_column         (LdWindow          *self,
                                       const char        *id);
const char *ld_window_column_title   (guint              index,
                                       const char       **id);
char *ld_window_format_senders_help  (LdSession         *session);
void ld_window_setup_marks            (LdWindow          *self);
void ld_window_marks_attach_query     (LdWindow          *self,
                                       struct _LdQuery   *query);
void ld_window_refresh_marks          (LdWindow          *self);
void ld_window_dispose_marks          (LdWindow          *self);
char *ld_window_cell_term             (const LdRecord    *record,
                                       const char        *column_id,
                                       gboolean           exclude);
char *ld_window_filter_text_with      (LdWindow          *self,
                                       const char        *term);
gboolean ld_window_cell_at            (LdWindow          *self,
                                       GtkWidget         *widget,
                                       guint             *position,
                                       const char       **column_id);
void ld_window_setup_search           (LdWindow          *self);
void ld_window_update_search_offer    (LdWindow          *self);
void ld_window_update_content         (LdWindow          *self);
void ld_window_setup_fold            (LdWindow          *self);
void ld_window_finalize_fold         (LdWindow          *self);
guint ld_window_reveal_record        (LdWindow          *self,
                                      guint              filter_position);
guint ld_window_record_position      (LdWindow          *self,
                                      guint              view_position);
GtkWidget *ld_window_new_fold_badge  (LdWindow          *self);
void ld_window_bind_fold_badge       (LdWindow          *self,
                                      GtkWidget         *badge,
                                      guint64            seq);
gboolean ld_window_level_dimmed      (LdWindow          *self,
                                      int                level);
void ld_window_attach_dim_menu       (LdWindow          *self,
                                      GtkWidget         *chip);
void ld_format_time                   (gint64             time_us,
                                       const LdTimeStyle *style,
                                       char              *buf,
                                       gsize              size);

/* ld-window-width.c */
void     ld_window_adapt_to_width             (LdWindow    *self,
                                               int          width);
void     ld_window_apply_default_width        (LdWindow    *self);

G_END_DECLS
