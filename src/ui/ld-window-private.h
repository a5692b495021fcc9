// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ld-window.h"

G_BEGIN_DECLS

struct _LdWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template widgets */
  AdwWindowTitle       *window_title;
  AdwFlap              *flap;
  GtkWidget            *detail_pane;
  struct _LdSourcesPanel *sources_panel;
  GtkRevealer          *demo_revealer;
  GtkLabel             *demo_label;
  GtkToggleButton      *demo_start_button;
  GtkStack             *content_stack;
  AdwStatusPage        *empty_page;
  GtkLabel             *snippet_label;
  GtkScrolledWindow    *scroller;
  GtkColumnView        *column_view;
  GtkRevealer          *jump_revealer;
  GtkLabel             *total_label;
  GtkLabel             *shown_label;
  GtkLabel             *rate_label;
  GtkLabel             *evicted_label;
  GtkLabel             *paused_label;

  LdApplication        *application;
  GSettings            *settings;
  LdLiveModel          *model;
  GtkSingleSelection   *selection;
  GSimpleActionGroup   *column_actions;

  gboolean              following;
  gboolean              scrolling;
  gboolean              follow_settled;
  double                last_value;
  double                last_upper;

  guint                 rate_timeout_id;
  guint                 follow_tick_id;
  guint64               rate_last_received;
  gint64                rate_last_time;
  double                rate;
};

void ld_window_setup_columns (LdWindow *self);
void ld_window_save_columns  (LdWindow *self);

G_END_DECLS
