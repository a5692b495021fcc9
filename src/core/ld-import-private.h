// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "ld-import.h"
#include "ld-json-normalize.h"
#include "ld-jsonl.h"
#include "ld-pyrecord.h"
#include "ld-text-layout.h"

G_BEGIN_DECLS

/* What the files of the import share: the object, the reader of one input
 * (or of one segment of it), and the steps that live in files of their own.
 * ld-import.c holds the object, the reading loop and the decoding of what
 * is read; ld-import-detect.c how to read it; ld-import-follow.c opening and
 * following a file; ld-import-parallel.c segments of a big file read at once.
 * The formats themselves are core decoders: ld-text-layout.c, ld-jsonl-read.c,
 * ld-json-normalize.c and ld-pyrecord.c. */

#define SNIFF_SIZE           (64 * 1024)
#define READ_SIZE            (4 * 1024 * 1024)
#define MAX_LINE             (64 * 1024 * 1024)
#define MAX_DOCUMENT         (512 * 1024 * 1024)
#define MAX_BAD_TEXT         (64 * 1024)
#define MAX_FRAME            (64 * 1024 * 1024)
#define PENDING_TIMEOUT_MS   200
#define FOLLOW_INTERVAL_MS   250

struct _LdImport
{
  GObject         parent_instance;

  GFile          *file;
  GInputStream   *stream;
  char           *name;
  char           *peer;
  const char     *protocol;

  LdHandoff      *handoff;
  LdImportFormat  format;
  LdImportFormat  detected;
  char           *log_format;
  char           *layout;        /* the text layout read by */
  gboolean        follow;
  gboolean        utc;

  guint64         bytes_read;    /* atomic, as are the three below */
  guint64         size;
  guint64         n_records;
  guint64         n_bad;

  GMutex          lock;
  GPtrArray      *batches;
};

typedef enum
{
  MODE_JSON_LINES,
  MODE_JSON_DOCUMENT,
  MODE_TEXT,
  MODE_LINES,
  MODE_PICKLE,
} Mode;

typedef struct
{
  LdImport         *import;
  GInputStream     *stream;
  GCancellable     *cancellable;
  GMainContext     *context;         /* to wait on a pollable stream */
  Mode              mode;
  LdRecordOrigin    origin;          /* the import's, for the decoders */

  char             *buf;
  gsize             buf_size;
  gsize             start;           /* bytes of buf already consumed */
  gsize             len;             /* bytes in buf */
  gboolean          eof;
  gboolean          skip_line;       /* the rest of an overlong line */
  goffset           offset;          /* of buf[0] in the input */
  guint64           line_no;         /* of the next line */

  LdBatch          *batch;
  gint64            last_time;
  gint64            now;

  LdTextReader     *text;            /* for MODE_TEXT */
  LdJsonlReader    *jsonl;
  LdJsonParser     *parser;
  LdJsonContext     json_context;
  gboolean          canonical;       /* the JSON Lines are Logdeck's own, so far */
  const char       *json_text;       /* being normalised */
  guint64           json_first_line;
  gboolean          stopped;         /* the rest of the input cannot be read, or is another's */
  GPtrArray        *held;            /* of a segment after the first: Held, until delivered */
  goffset           segment_start;
  goffset           segment_end;     /* of a segment: lines that start before are this one's */
  gboolean          gunzipped;
  gint64            read_time;       /* of the latest read, for records without a time */
  LdPickleLimits    limits;
  guint64           n_frames;
} Reader;

/* What a segment read, kept until the segments before it are handed on: a
 * batch, or a line that could not be read, whose number is not known yet. */
typedef struct
{
  LdBatch *batch;
  char    *raw;
  gsize    raw_len;
  guint64  line_no;      /* within the segment */
  gint64   time_us;
  char    *why;
} Held;

#define MAX_SEGMENTS 4

/* A later segment of a big file, read on a thread of its own. */
typedef struct
{
  LdImport     *import;
  GCancellable *cancellable;
  goffset       start;
  goffset       end;
  GPtrArray    *held;
  guint64       n_lines;
  GError       *error;
  GThread      *thread;
} Segment;

/* The length before each frame of a SocketHandler capture: 4 bytes, big-endian. */
static inline guint32
_ld_import_frame_length (const char *p)
{
  const guchar *u = (const guchar *) p;

  return (guint32) u[0] << 24 | (guint32) u[1] << 16 | (guint32) u[2] << 8 | u[3];
}

/* ld-import.c */
void      _ld_import_reader_init        (Reader        *r,
                                         LdImport      *import,
                                         GCancellable  *cancellable);
void      _ld_import_reader_clear       (Reader        *r);
void      _ld_import_hand_on            (LdImport      *import,
                                         LdBatch       *batch);
void      _ld_import_deliver            (Reader        *r);
void      _ld_import_add_bad_record     (Reader        *r,
                                         const char    *raw,
                                         gsize          len,
                                         guint64        line_no,
                                         gint64         time_us,
                                         const char    *why);
void      _ld_import_process_buffer     (Reader        *r,
                                         gboolean       final);
void      _ld_import_flush              (Reader        *r);
gboolean  _ld_import_wait_for           (Reader        *r,
                                         int            timeout_ms,
                                         gboolean       pollable);
gboolean  _ld_import_is_pollable        (GInputStream  *stream);
gboolean  _ld_import_reader_read        (Reader        *r,
                                         int            timeout_ms,
                                         gboolean      *timed_out,
                                         GError       **error);
gboolean  _ld_import_read_all           (Reader        *r,
                                         GError       **error);

/* ld-import-detect.c */
gboolean  _ld_import_detect             (Reader        *r,
                                         GError       **error);

/* ld-import-follow.c */
gboolean  _ld_import_reader_open        (Reader        *r,
                                         GError       **error);
gboolean  _ld_import_read_start         (Reader        *r,
                                         GError       **error);
gboolean  _ld_import_follow_wait        (Reader        *r,
                                         GError       **error);

/* ld-import-parallel.c */
void      _ld_import_held_free          (gpointer       data);
guint     _ld_import_start_segments     (Reader        *r,
                                         Segment       *segments);
gboolean  _ld_import_finish_segments    (Reader        *r,
                                         Segment       *segments,
                                         guint          n,
                                         gboolean       ok,
                                         GError       **error);

G_END_DECLS
