// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.pickle"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ld-pickle-private.h"

/* Display and JSON
 *
 * One iterative walker writes both, with an explicit stack of frames, so a deep or cyclic
 * graph cannot overflow the C stack: past WALK_MAX_DEPTH, or on meeting a container that is
 * already being written, it writes "[...]" as Python's repr() does for a cycle.  Since memo
 * sharing can make a small pickle stand for an exponentially large tree, a container stops
 * adding items (writing "...") once the output passes a budget. */

#define WALK_MAX_DEPTH 100
#define WALK_BUDGET    (1024 * 1024)

typedef struct
{
  const LdPickleValue *value;
  gsize next;
} Frame;

typedef struct
{
  GString *out;
  gsize limit;
  gboolean json;
  guint depth;
  Frame frames[WALK_MAX_DEPTH];
} Walker;

/* Writes 0.d1d2...dn × 10^point as Python's repr() does: fixed notation for
 * -4 < point <= 16, else an exponent of at least two digits. */
static void
append_float_digits (GString *out, const char *digits, int n, int point)
{
  if (point <= -4 || point > 16)
    {
      g_string_append_c (out, digits[0]);
      if (n > 1)
        {
          g_string_append_c (out, '.');
          g_string_append_len (out, digits + 1, n - 1);
        }
      g_string_append_printf (out, "e%c%02d", point - 1 < 0 ? '-' : '+', ABS (point - 1));
    }
  else if (point <= 0)
    {
      g_string_append (out, "0.");
      for (int i = point; i < 0; i++)
        g_string_append_c (out, '0');
      g_string_append_len (out, digits, n);
    }
  else if (point >= n)
    {
      g_string_append_len (out, digits, n);
      for (int i = n; i < point; i++)
        g_string_append_c (out, '0');
      g_string_append (out, ".0");
    }
  else
    {
      g_string_append_len (out, digits, point);
      g_string_append_c (out, '.');
      g_string_append_len (out, digits + point, n - point);
    }
}

/* Python's float repr: the shortest digits that read back as the same double.  For a normal
 * double, if 15 or fewer digits round-trip, "%.14e" gives exactly those; else 16 or 17 do. */
static void
append_float (GString *out, double f, gboolean json)
{
  static const char *const formats[] = {
    "%.0e", "%.1e", "%.2e", "%.3e", "%.4e", "%.5e", "%.6e", "%.7e", "%.8e", "%.9e", "%.10e",
    "%.11e", "%.12e", "%.13e", "%.14e", "%.15e", "%.16e",
  };
  char buf[G_ASCII_DTOSTR_BUF_SIZE], digits[24];
  const char *p = buf;
  int n = 0;

  if (isnan (f))
    {
      g_string_append (out, json ? "NaN" : "nan");
      return;
    }
  if (isinf (f))
    {
      g_string_append (out, f > 0 ? (json ? "Infinity" : "inf") : (json ? "-Infinity" : "-inf"));
      return;
    }
  /* The shortcut needs the precision of a normal double; subnormals search all lengths. */
  for (gsize i = fabs (f) < G_MINDOUBLE ? 0 : 14; i < G_N_ELEMENTS (formats); i++)
    if (g_ascii_strtod (g_ascii_formatd (buf, sizeof buf, formats[i], f), NULL) == f)
      break;
  if (*p == '-')
    g_string_append_c (out, *p++);
  for (; *p != 'e' && n < (int) sizeof digits; p++)
    if (g_ascii_isdigit (*p))
      digits[n++] = *p;
  while (n > 1 && digits[n - 1] == '0')
    n--;
  append_float_digits (out, digits, n, atoi (p + 1) + 1);
}

/* Python's str.isprintable(), which decides what repr() escapes. */
static gboolean
is_printable (gunichar c)
{
  switch (g_unichar_type (c))
    {
    case G_UNICODE_CONTROL:
    case G_UNICODE_FORMAT:
    case G_UNICODE_UNASSIGNED:
    case G_UNICODE_PRIVATE_USE:
    case G_UNICODE_SURROGATE:
    case G_UNICODE_LINE_SEPARATOR:
    case G_UNICODE_PARAGRAPH_SEPARATOR:
      return FALSE;
    case G_UNICODE_SPACE_SEPARATOR:
      return c == ' ';
    default:
      return TRUE;
    }
}

static inline gboolean
is_plain_ascii (guchar c, char quote)
{
  return c >= 0x20 && c < 0x7F && c != '\\' && c != (guchar) quote;
}

/* Appends the longest run of characters that need no escaping; returns its end. */
static const char *
append_plain_run (GString *out, const char *s, const char *end, char quote)
{
  const char *start = s;

  while (s < end && is_plain_ascii ((guchar) *s, quote))
    s++;
  g_string_append_len (out, start, s - start);
  return s;
}

/* The escapes str and bytes share; FALSE if c needs none of them. */
static gboolean
append_simple_escape (GString *out, gunichar c, char quote)
{
  static const char simple[] = "\\\\\tt\nn\rr";
  const char *e = c < 0x80 && c != 0 ? strchr (simple, (int) c) : NULL;

  if (e != NULL && (e - simple) % 2 == 0)
    {
      g_string_append_c (out, '\\');
      g_string_append_c (out, e[1]);
      return TRUE;
    }
  if (c != (gunichar) (guchar) quote)
    return FALSE;
  g_string_append_c (out, '\\');
  g_string_append_c (out, quote);
  return TRUE;
}

static char
repr_quote (const char *s, gsize n)
{
  return memchr (s, '\'', n) != NULL && memchr (s, '"', n) == NULL ? '"' : '\'';
}

static void
append_repr_str (GString *out, const char *s, gsize n)
{
  const char *end = s + n;
  char quote = repr_quote (s, n);

  g_string_append_c (out, quote);
  while ((s = append_plain_run (out, s, end, quote)) < end)
    {
      gunichar c = g_utf8_get_char (s);

      s = g_utf8_next_char (s);
      if (append_simple_escape (out, c, quote))
        continue;
      if (c >= 0x80 && is_printable (c))
        g_string_append_len (out, s - g_unichar_to_utf8 (c, NULL), g_unichar_to_utf8 (c, NULL));
      else if (c < 0x100)
        g_string_append_printf (out, "\\x%02x", c);
      else if (c < 0x10000)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_printf (out, "\\U%08x", c);
    }
  g_string_append_c (out, quote);
}

static void
append_repr_bytes (GString *out, const char *s, gsize n, gboolean bytearray)
{
  const char *end = s + n;
  char quote = repr_quote (s, n);
  char escaped = bytearray ? '\'' : quote; /* CPython's bytearray repr always escapes ' */

  g_string_append (out, bytearray ? "bytearray(b" : "b");
  g_string_append_c (out, quote);
  while ((s = append_plain_run (out, s, end, escaped)) < end)
    {
      guchar c = (guchar) *s++;

      if (c == (guchar) escaped)
        g_string_append_c (g_string_append_c (out, '\\'), c);
      else if (!append_simple_escape (out, c, quote))
        g_string_append_printf (out, "\\x%02x", c);
    }
  g_string_append_c (out, quote);
  if (bytearray)
    g_string_append_c (out, ')');
}

/* A JSON string, escaped as Python's json.dumps (ensure_ascii=False) does. */
static void
append_json_string (GString *out, const char *s, gsize n)
{
  static const char simple[] = "\"\"\\\\\nn\rr\tt\bb\ff";
  const char *end = s + n;

  g_string_append_c (out, '"');
  while (s < end)
    {
      const char *start = s, *e;

      while (s < end && (guchar) *s >= 0x20 && *s != '"' && *s != '\\')
        s++;
      g_string_append_len (out, start, s - start);
      if (s == end)
        break;
      if (*s != 0 && (e = strchr (simple, *s)) != NULL && (e - simple) % 2 == 0)
        g_string_append_c (g_string_append_c (out, '\\'), e[1]);
      else
        g_string_append_printf (out, "\\u%04x", (guint) (guchar) *s);
      s++;
    }
  g_string_append_c (out, '"');
}

static LdPickleValue *
object_part (const ObjectData *o, gsize i)
{
  LdPickleValue *parts[] = { o->args, o->kwargs, o->state, o->list_items, o->dict_items };

  for (gsize k = 0; k < G_N_ELEMENTS (parts); k++)
    if (parts[k] != NULL && i-- == 0)
      return parts[k];
  return NULL;
}

static gsize
child_count (const LdPickleValue *v)
{
  gsize n = 0;

  if (v->kind == LD_PICKLE_DICT)
    return v->len * 2;
  if (v->kind != LD_PICKLE_OBJECT)
    return v->len;
  while (object_part (v->object, n) != NULL)
    n++;
  return n;
}

static const LdPickleValue *
child_at (const LdPickleValue *v, gsize i)
{
  switch (v->kind)
    {
    case LD_PICKLE_LIST:
    case LD_PICKLE_TUPLE:
      return v->items[i];
    case LD_PICKLE_SET:
      return v->dict.entries[i].key;
    case LD_PICKLE_DICT:
      return i % 2 == 0 ? v->dict.entries[i / 2].key : v->dict.entries[i / 2].value;
    default:
      return object_part (v->object, i);
    }
}

static void
open_container (Walker *w, const LdPickleValue *v)
{
  GString *out = w->out;

  if (v->kind == LD_PICKLE_OBJECT)
    g_string_append_printf (out, "<%s.%s object", v->object->module, v->object->name);
  else if (v->kind == LD_PICKLE_DICT)
    g_string_append_c (out, '{');
  else if (w->json || v->kind == LD_PICKLE_LIST)
    g_string_append_c (out, '[');
  else if (v->kind == LD_PICKLE_TUPLE)
    g_string_append_c (out, '(');
  else
    g_string_append (out, v->flags & FLAG_FROZEN ? "frozenset({" : "{");
}

static void
close_container (Walker *w, const LdPickleValue *v)
{
  GString *out = w->out;

  if (v->kind == LD_PICKLE_OBJECT)
    g_string_append_c (out, '>');
  else if (v->kind == LD_PICKLE_DICT)
    g_string_append_c (out, '}');
  else if (w->json || v->kind == LD_PICKLE_LIST)
    g_string_append_c (out, ']');
  else if (v->kind == LD_PICKLE_TUPLE)
    g_string_append (out, v->len == 1 ? ",)" : ")");
  else
    g_string_append (out, v->flags & FLAG_FROZEN ? "})" : "}");
}

static void
append_marker (Walker *w, const char *marker)
{
  if (w->json)
    append_json_string (w->out, marker, strlen (marker));
  else
    g_string_append (w->out, marker);
}

/* Written for a container met again inside itself, or nested too deep. */
static const char *
cycle_marker (const LdPickleValue *v)
{
  switch (v->kind)
    {
    case LD_PICKLE_LIST:
      return "[...]";
    case LD_PICKLE_TUPLE:
      return "(...)";
    case LD_PICKLE_OBJECT:
      return "<...>";
    default:
      return "{...}";
    }
}

/* The root is a copy of a value that the graph may also reach: both are the same value. */
static const LdPickleValue *
identity (const LdPickleValue *v)
{
  return (v->flags & FLAG_ROOT) ? ((const Block *) v)->original : v;
}

static gboolean
on_path (const Walker *w, const LdPickleValue *v)
{
  for (guint i = 0; i < w->depth; i++)
    if (identity (w->frames[i].value) == v)
      return TRUE;
  return FALSE;
}

static void
enter (Walker *w, const LdPickleValue *v)
{
  if (w->depth == WALK_MAX_DEPTH || ((v->flags & FLAG_SHARED) && on_path (w, v)))
    {
      append_marker (w, cycle_marker (v));
      return;
    }
  open_container (w, v);
  w->frames[w->depth].value = v;
  w->frames[w->depth].next = 0;
  w->depth++;
}

/* JSON has no bytes or objects: they become their display text. */
static void
append_json_display (Walker *w, const LdPickleValue *v)
{
  g_autoptr(GString) text = g_string_new (NULL);

  ld_pickle_walk (text, v, FALSE, TRUE, WALK_BUDGET);
  append_json_string (w->out, text->str, text->len);
}

/* JSON object keys are strings: other keys are written as Python's json.dumps does. */
static void
append_json_key (Walker *w, const LdPickleValue *key)
{
  if (key->kind == LD_PICKLE_STR)
    append_json_string (w->out, key->str, key->len);
  else if (key->kind == LD_PICKLE_BOOL)
    g_string_append (w->out, key->i ? "\"true\"" : "\"false\"");
  else if (key->kind == LD_PICKLE_NONE)
    g_string_append (w->out, "\"null\"");
  else
    append_json_display (w, key);
  g_string_append_c (w->out, ':');
}

/* A str as it is, except that a NUL, which would end the C string, is written as repr()
 * writes it. */
static void
append_text (GString *out, const char *s, gsize n)
{
  const char *nul;

  while ((nul = memchr (s, '\0', n)) != NULL)
    {
      g_string_append_len (out, s, nul - s);
      g_string_append (out, "\\x00");
      n -= (gsize) (nul - s) + 1;
      s = nul + 1;
    }
  g_string_append_len (out, s, (gssize) n);
}

static void
emit_scalar (Walker *w, const LdPickleValue *v, gboolean top)
{
  GString *out = w->out;

  if (v->kind == LD_PICKLE_NONE)
    g_string_append (out, w->json ? "null" : "None");
  else if (v->kind == LD_PICKLE_BOOL)
    g_string_append (out, w->json ? (v->i ? "true" : "false") : (v->i ? "True" : "False"));
  else if (v->kind == LD_PICKLE_INT)
    g_string_append_printf (out, "%" G_GINT64_FORMAT, v->i);
  else if (v->kind == LD_PICKLE_BIGINT)
    g_string_append_len (out, v->str, (gssize) v->len);
  else if (v->kind == LD_PICKLE_FLOAT)
    append_float (out, v->f, w->json);
  else if (v->kind == LD_PICKLE_STR && w->json)
    append_json_string (out, v->str, v->len);
  else if (v->kind == LD_PICKLE_STR && top)
    append_text (out, v->str, v->len);
  else if (v->kind == LD_PICKLE_STR)
    append_repr_str (out, v->str, v->len);
  else if (w->json)
    append_json_display (w, v);
  else if (v->kind == LD_PICKLE_BYTES)
    append_repr_bytes (out, v->str, v->len, (v->flags & FLAG_BYTEARRAY) != 0);
  else
    g_string_append (out, v->object->text);
}

static void
emit_value (Walker *w, const LdPickleValue *v, gboolean top)
{
  if (v->kind == LD_PICKLE_OBJECT && !w->json && v->object->subkind == OBJECT_INSTANCE &&
      object_part (v->object, 0) != NULL)
    enter (w, v);
  else if (v->kind == LD_PICKLE_SET && !w->json && v->len == 0)
    g_string_append (w->out, v->flags & FLAG_FROZEN ? "frozenset()" : "set()");
  else if (is_container (v))
    enter (w, v);
  else
    emit_scalar (w, v, top);
}

static void
append_separator (Walker *w, const LdPickleValue *v, gsize i)
{
  if (v->kind == LD_PICKLE_OBJECT)
    g_string_append_c (w->out, ' ');
  else if (v->kind == LD_PICKLE_DICT && i % 2 == 1)
    g_string_append (w->out, ": ");
  else if (i > 0)
    g_string_append (w->out, w->json ? "," : ", ");
}

/* Writes what comes before the next child of the frame's container and returns the child, or
 * NULL when the container is done (or out of budget). */
static const LdPickleValue *
next_child (Walker *w, Frame *f)
{
  const LdPickleValue *v = f->value;
  gsize i = f->next;

  if (i >= child_count (v))
    return NULL;
  append_separator (w, v, i);
  if (w->out->len > w->limit && i % 2 == 0)
    {
      f->next = G_MAXSIZE;
      if (v->kind == LD_PICKLE_DICT && w->json)
        g_string_append (w->out, "\"...\":\"...\"");
      else
        append_marker (w, "...");
      return NULL;
    }
  f->next++;
  if (v->kind == LD_PICKLE_DICT && w->json)
    {
      append_json_key (w, v->dict.entries[i / 2].key);
      f->next++;
      return v->dict.entries[i / 2].value;
    }
  return child_at (v, i);
}

void
ld_pickle_walk (GString *out, const LdPickleValue *v, gboolean json, gboolean top, gsize budget)
{
  Walker w;

  w.out = out;
  w.limit = out->len + budget;
  w.json = json;
  w.depth = 0;
  emit_value (&w, v, top);
  while (w.depth > 0)
    {
      Frame *f = &w.frames[w.depth - 1];
      const LdPickleValue *child = next_child (&w, f);

      if (child != NULL)
        {
          emit_value (&w, child, FALSE);
          continue;
        }
      close_container (&w, f->value);
      w.depth--;
    }
}

/**
 * ld_pickle_value_to_display:
 *
 * Returns: (transfer full): readable text, as Python's str() would show the value: a str
 *   as is, containers with repr()s inside ({'a': 1}, [1, 2], (1,), {1, 2}, b'..', None),
 *   floats as Python writes them (0.1, 1e+100, nan, inf), objects by their text
 */
char *
ld_pickle_value_to_display (const LdPickleValue *value)
{
  GString *out;

  g_return_val_if_fail (value != NULL, NULL);

  out = g_string_new (NULL);
  ld_pickle_walk (out, value, FALSE, TRUE, WALK_BUDGET);
  return g_string_free (out, FALSE);
}

/**
 * ld_pickle_value_to_json:
 * @out: where to append
 *
 * Appends the value as JSON, written as Python's json.dumps (ensure_ascii=False,
 * separators=(",", ":")) would: lists, tuples and sets as arrays, NaN and Infinity as bare
 * tokens, other dict keys as strings, and bytes and objects as their display text.
 */
void
ld_pickle_value_to_json (const LdPickleValue *value,
                         GString             *out)
{
  g_return_if_fail (value != NULL);
  g_return_if_fail (out != NULL);

  ld_pickle_walk (out, value, TRUE, TRUE, WALK_BUDGET);
}
