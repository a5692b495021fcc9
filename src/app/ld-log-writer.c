// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ui"

#include "config.h"

#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "ld-jsonl.h"
#include "ld-level.h"
#include "ld-log-writer.h"

/* The in-process GUI handler: the counterpart of the logging cookbook's
 * QtHandler. Any thread may log; the record goes through the hand-off, so
 * only the UI thread touches the store and the widgets. An entry goes to
 * standard error too only where no window shows it (see ld_log_writer()). */

static GMutex     writer_lock;
static LdHandoff *writer_handoff;
static pthread_t  main_thread;
static gboolean   installed;
static gboolean   echo;            /* also to standard error with a hand-off */
static GLogLevelFlags always_fatal;  /* G_DEBUG=fatal-warnings and the like */

/* A record logged while pushing a record must not recurse. */
static __thread gboolean in_writer;

/**
 * ld_log_writer_install:
 *
 * Makes ld_log_writer() the process's GLib log writer. Call it once, from
 * the main thread, before other threads log.
 */
void
ld_log_writer_install (void)
{
  if (installed)
    return;

  installed = TRUE;
  main_thread = pthread_self ();
  /* GLib makes a structured entry fatal as G_DEBUG asks only in its default
   * writer, which an entry that is not echoed never reaches. There is no
   * getter: setting the mask returns it, and it is set back at once. */
  always_fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK);
  g_log_set_always_fatal (always_fatal);
  g_log_set_writer_func (ld_log_writer, NULL, NULL);
}

/**
 * ld_log_writer_set_echo:
 * @echo_entries: whether entries that reach the hand-off also go to standard
 *   error
 *
 * Headless Logdeck has no table to show its own entries in, so it echoes
 * them; the window shows them and keeps the terminal quiet.
 */
void
ld_log_writer_set_echo (gboolean echo_entries)
{
  g_atomic_int_set (&echo, echo_entries);
}

/**
 * ld_log_writer_set_handoff:
 * @handoff: (nullable): where records go, or %NULL to stop sending them
 */
void
ld_log_writer_set_handoff (LdHandoff *handoff)
{
  LdHandoff *old;

  g_mutex_lock (&writer_lock);
  old = writer_handoff;
  writer_handoff = handoff != NULL ? ld_handoff_ref (handoff) : NULL;
  g_mutex_unlock (&writer_lock);

  if (old != NULL)
    ld_handoff_unref (old);
}

static LdHandoff *
dup_handoff (void)
{
  LdHandoff *handoff;

  g_mutex_lock (&writer_lock);
  handoff = writer_handoff != NULL ? ld_handoff_ref (writer_handoff) : NULL;
  g_mutex_unlock (&writer_lock);

  return handoff;
}

/* Field values are not always nul-terminated: length -1 means they are. */
static char *
field_dup (const GLogField *field)
{
  if (field->length < 0)
    return g_strdup (field->value);
  return g_strndup (field->value, field->length);
}

static void
current_thread_name (char *buf,
                     gsize size)
{
  if (pthread_equal (pthread_self (), main_thread))
    g_strlcpy (buf, "MainThread", size);
  else if (pthread_getname_np (pthread_self (), buf, size) != 0 || buf[0] == '\0')
    g_snprintf (buf, size, "Thread-%ld", (long) gettid ());
}

typedef struct
{
  char *domain;
  char *message;
  char *file;
  char *line;
  char *func;
  char *levelno;
  char *exception;
  char *stack;
} WriterFields;

static void
writer_fields_clear (WriterFields *wf)
{
  g_free (wf->domain);
  g_free (wf->message);
  g_free (wf->file);
  g_free (wf->line);
  g_free (wf->func);
  g_free (wf->levelno);
  g_free (wf->exception);
  g_free (wf->stack);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (WriterFields, writer_fields_clear)

static void
collect_fields (WriterFields    *wf,
                const GLogField *fields,
                gsize            n_fields)
{
  static const struct { const char *key; gsize offset; } known[] = {
    { "GLIB_DOMAIN", G_STRUCT_OFFSET (WriterFields, domain) },
    { "MESSAGE", G_STRUCT_OFFSET (WriterFields, message) },
    { "CODE_FILE", G_STRUCT_OFFSET (WriterFields, file) },
    { "CODE_LINE", G_STRUCT_OFFSET (WriterFields, line) },
    { "CODE_FUNC", G_STRUCT_OFFSET (WriterFields, func) },
    { LD_LOG_FIELD_LEVELNO, G_STRUCT_OFFSET (WriterFields, levelno) },
    { LD_LOG_FIELD_EXCEPTION, G_STRUCT_OFFSET (WriterFields, exception) },
    { LD_LOG_FIELD_STACK, G_STRUCT_OFFSET (WriterFields, stack) },
  };

  for (gsize i = 0; i < n_fields; i++)
    for (guint k = 0; k < G_N_ELEMENTS (known); k++)
      if (strcmp (fields[i].key, known[k].key) == 0)
        {
          char **slot = G_STRUCT_MEMBER_P (wf, known[k].offset);

          g_free (*slot);
          *slot = field_dup (&fields[i]);
        }
}

static void
push_record (LdHandoff       *handoff,
             GLogLevelFlags   log_level,
             const GLogField *fields,
             gsize            n_fields)
{
  WriterFields wf = { 0 };
  LdRecordFields record = { 0 };
  char thread_name[64];
  int levelno = ld_level_from_glib (log_level);

  collect_fields (&wf, fields, n_fields);
  if (wf.levelno != NULL)
    ld_level_parse_name (wf.levelno, &levelno);
  current_thread_name (thread_name, sizeof thread_name);

  record.time_us = g_get_real_time ();
  record.level = levelno;
  record.level_name = ld_level_canonical_name (levelno);
  record.logger = wf.domain != NULL ? wf.domain : "root";
  record.message = wf.message != NULL ? wf.message : "";
  record.exception = wf.exception;
  record.stack = wf.stack;
  record.thread = thread_name;
  record.thread_id = gettid ();
  record.process = getpid ();
  record.process_name = g_get_prgname ();
  record.file = wf.file;
  record.line = wf.line != NULL ? (guint) g_ascii_strtoull (wf.line, NULL, 10) : 0;
  record.function = wf.func;
  record.connection = LD_LOG_WRITER_CONNECTION;
  record.protocol = "glib";

  ld_handoff_push_record (handoff, &record);
  writer_fields_clear (&wf);
}

static const char *
find_domain (const GLogField *fields,
             gsize            n_fields)
{
  for (gsize i = 0; i < n_fields; i++)
    if (strcmp (fields[i].key, "GLIB_DOMAIN") == 0 && fields[i].length < 0)
      return fields[i].value;

  return NULL;
}

/* Debug and info chatter from libraries stays out unless G_MESSAGES_DEBUG
 * asks for it, as with the default writer; Logdeck's own always comes in. */
static gboolean
wanted (GLogLevelFlags   log_level,
        const GLogField *fields,
        gsize            n_fields)
{
  const char *domain = find_domain (fields, n_fields);

  if (!(log_level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)))
    return TRUE;

  if (domain != NULL && g_str_has_prefix (domain, "logdeck"))
    return TRUE;

  return !g_log_writer_default_would_drop (log_level, domain);
}

/**
 * ld_log_writer_print_line:
 * @level: a level as Logdeck names it
 * @logger: the logger (a GLib log domain)
 * @message: the message
 * @length: the length of @message, or -1 if it is nul-terminated
 *
 * Writes one of Logdeck's own records to standard error as one line, its
 * control characters escaped, so that a script can read it.
 */
void
ld_log_writer_print_line (const char *level,
                          const char *logger,
                          const char *message,
                          gssize      length)
{
  g_autoptr(GString) line = g_string_new (NULL);
  g_autoptr(GString) escaped = g_string_new ("logdeck: ");

  g_string_printf (line, "%s %s: ", level, logger);
  g_string_append_len (line, message, length < 0 ? (gssize) strlen (message) : length);
  ld_jsonl_append_escaped (escaped, line->str, line->len, LD_ESCAPE_LINE);
  g_printerr ("%s\n", escaped->str);
}

/* An entry on standard error names its level as the table does: GLib's
 * "critical" is ERROR there, its "message" NOTICE. */
static void
print_entry (GLogLevelFlags   log_level,
             const GLogField *fields,
             gsize            n_fields)
{
  g_auto(WriterFields) wf = { 0 };
  int levelno = ld_level_from_glib (log_level);
  g_autofree char *level = NULL;

  collect_fields (&wf, fields, n_fields);
  if (wf.levelno != NULL)
    ld_level_parse_name (wf.levelno, &levelno);
  level = ld_level_display_name (levelno);
  ld_log_writer_print_line (level, wf.domain != NULL ? wf.domain : "root",
                            wf.message != NULL ? wf.message : "", -1);
}

/* Nobody else shows an entry that reached no hand-off (before the session
 * starts, after it stops); headless Logdeck shows them all here; with a
 * window, only those of a domain G_MESSAGES_DEBUG names come here too. */
static gboolean
should_echo (const char *domain,
             gboolean    delivered)
{
  if (!delivered || g_atomic_int_get (&echo))
    return TRUE;

  return g_getenv ("G_MESSAGES_DEBUG") != NULL
         && !g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, domain);
}

/**
 * ld_log_writer:
 *
 * A #GLogWriterFunc that sends each entry to the hand-off set with
 * ld_log_writer_set_handoff(), and to standard error where nothing else
 * shows it (see ld_log_writer_set_echo()), with Logdeck's name for its level.
 * A fatal entry goes to GLib's default writer, which prints it and aborts.
 */
GLogWriterOutput
ld_log_writer (GLogLevelFlags   log_level,
               const GLogField *fields,
               gsize            n_fields,
               gpointer         user_data)
{
  const char *domain = find_domain (fields, n_fields);
  gboolean delivered = FALSE;

  if (!in_writer && wanted (log_level, fields, n_fields))
    {
      LdHandoff *handoff = dup_handoff ();

      in_writer = TRUE;
      if (handoff != NULL)
        {
          push_record (handoff, log_level, fields, n_fields);
          ld_handoff_unref (handoff);
          delivered = TRUE;
        }
      in_writer = FALSE;
    }

  if (log_level & (G_LOG_FLAG_FATAL | always_fatal))
    return g_log_writer_default (log_level, fields, n_fields, user_data);

  if (!g_log_writer_default_would_drop (log_level, domain) && should_echo (domain, delivered))
    print_entry (log_level, fields, n_fields);

  return G_LOG_WRITER_HANDLED;
}

static const char *
syslog_priority_for (GLogLevelFlags flags)
{
  if (flags & G_LOG_LEVEL_CRITICAL)
    return "3";
  if (flags & G_LOG_LEVEL_WARNING)
    return "4";
  if (flags & G_LOG_LEVEL_MESSAGE)
    return "5";
  if (flags & G_LOG_LEVEL_INFO)
    return "6";
  return "7";
}

static GLogLevelFlags
glib_level_for (int levelno)
{
  /* Never G_LOG_LEVEL_ERROR: GLib aborts on it. */
  if (levelno >= LD_LEVEL_ERROR)
    return G_LOG_LEVEL_CRITICAL;
  if (levelno >= LD_LEVEL_WARNING)
    return G_LOG_LEVEL_WARNING;
  if (levelno >= LD_LEVEL_NOTICE)
    return G_LOG_LEVEL_MESSAGE;
  if (levelno >= LD_LEVEL_INFO)
    return G_LOG_LEVEL_INFO;
  return G_LOG_LEVEL_DEBUG;
}

/**
 * ld_log_at_level:
 * @domain: the log domain, which becomes the logger
 * @levelno: a level on the Python scale
 * @exception: (nullable): exception text to attach
 *
 * Logs through GLib's structured logging at a Python level, which GLib's own
 * levels cannot all express.
 */
void
ld_log_at_level (const char *domain,
                 int         levelno,
                 const char *exception,
                 const char *file,
                 const char *line,
                 const char *func,
                 const char *format,
                 ...)
{
  g_autofree char *message = NULL;
  GLogLevelFlags flags = glib_level_for (levelno);
  char levelno_text[16];
  va_list args;
  GLogField fields[] = {
    { "GLIB_DOMAIN", domain, -1 },
    { "MESSAGE", NULL, -1 },
    { "CODE_FILE", file, -1 },
    { "CODE_LINE", line, -1 },
    { "CODE_FUNC", func, -1 },
    { LD_LOG_FIELD_LEVELNO, levelno_text, -1 },
    { "PRIORITY", syslog_priority_for (flags), -1 },
    { LD_LOG_FIELD_EXCEPTION, exception, -1 },
  };

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  fields[1].value = message;
  g_snprintf (levelno_text, sizeof levelno_text, "%d", levelno);
  g_log_structured_array (flags, fields,
                          G_N_ELEMENTS (fields) - (exception == NULL ? 1 : 0));
}
