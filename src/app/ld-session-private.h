// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/* The session's state, shared by its three files: ld-session.c (lifecycle:
 * start, stop, restarting the listeners, getters), ld-session-options.c (the
 * command line) and ld-session-output.c (headless --output and --export). */

#include <stdio.h>

#include "ld-archive-writer.h"
#include "ld-query.h"
#include "ld-queue-endpoints.h"
#include "ld-session.h"

G_BEGIN_DECLS

typedef struct _LdSessionWriter LdSessionWriter;

struct _LdSession
{
  GObject    parent_instance;

  GSettings *settings;
  LdStore   *store;
  LdHandoff *handoff;
  LdConnectionRegistry *registry;
  LdIngest  *ingest;
  LdIngest  *stopping_ingest;   /* being stopped on a worker during a restart */
  GHashTable *numbered;         /* connection ids used by stopped listeners, by kind */
  gboolean   shut_down;
  LdFileSources *files;
  LdSourceTracker *tracker;

  char      *output_path;
  char      *filter_text;
  char     **connect_uris;
  LdQueueEndpoints cli_queues;  /* --zmq, --zmq-listen, --nng, --nng-listen */
  char      *export_path;
  char      *export_format;
  char      *export_log_format;
  LdQuery   *output_filter;
  gboolean   output_failed;
  FILE      *output;
  LdSessionWriter *writer;      /* --output's thread (ld-session-output.c) */
  gboolean   csv_raw;
  gboolean   keep_control_chars;
  gboolean   include_internal;

  char      *tls_cert;
  char      *tls_key;
  char      *tls_client_ca;
  char      *token;
  gboolean   insecure;

  guint      restart_id;
  gboolean   restarting;        /* from stopping the old listeners to starting the new */

  gboolean   headless;
  gboolean   demo_requested;
  char      *cli_address;      /* --listen, until the preferences change it */
  char      *listen_address;
  int        tcp_port;
  int        udp_port;
  int        http_port;
  int        syslog_port;
  int        gelf_port;
  int        otlp_port;
  int        max_records;

  char      *archive_path;     /* --archive */
  gboolean   no_archive;       /* --no-archive */
  LdArchiveWriter *archive;
};

void _ld_session_start_output   (LdSession *self);
void _ld_session_close_output   (LdSession *self);
void _ld_session_export_on_exit (LdSession *self);
void _ld_session_start_archive  (LdSession *self);
void _ld_session_stop_archive   (LdSession *self);

G_END_DECLS
