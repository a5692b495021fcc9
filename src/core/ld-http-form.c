// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ld-http-form.h"

/* HTTPHandler sends urllib.parse.urlencode(record.__dict__): every value is
 * str() of the attribute, so "levelno" arrives as "20", "created" as
 * "1732190000.123", "args" as the repr of a tuple such as "('bob', 3)" and
 * "exc_info" as "None". The record is rebuilt here as the dict the sender
 * had, with numbers as numbers and args as a tuple when its text is a plain
 * Python literal, and written as a pickle, so that the one LogRecord mapping
 * of ld-pyrecord (and the safe unpickler's limits) applies to it exactly as
 * to SocketHandler's records: msg % args is formatted the same way, with the
 * same fallback when they do not fit. An args text that is not a plain
 * literal (it holds an object's repr, say) cannot be formatted; the message
 * is then msg followed by " | args: " and that text, as when the arguments
 * do not fit. Values of extra fields stay strings: their type is lost. */

G_DEFINE_QUARK (ld-http-form-error-quark, ld_http_form_error)

#define MAX_LITERAL_DEPTH 100

typedef struct
{
  char *key;
  char *value;
} Pair;

static void
pair_clear (Pair *pair)
{
  g_free (pair->key);
  g_free (pair->value);
}

/* Percent-decoding with "+" as a space, as urlencode writes; what does not
 * decode is kept as sent, and text that is not UTF-8 is repaired. */
static char *
form_decode (const char *text,
             gsize       length)
{
  g_autofree char *plus = g_strndup (text, length);
  g_autofree char *decoded = NULL;

  for (char *p = plus; *p != '\0'; p++)
    if (*p == '+')
      *p = ' ';
  decoded = g_uri_unescape_string (plus, NULL);
  if (decoded == NULL)
    return g_utf8_make_valid (plus, -1);

  return g_utf8_make_valid (decoded, -1);
}

static GArray *
parse_pairs (const char *form,
             gsize       length)
{
  GArray *pairs = g_array_new (FALSE, FALSE, sizeof (Pair));
  const char *end = form + length;

  g_array_set_clear_func (pairs, (GDestroyNotify) pair_clear);
  while (form < end)
    {
      const char *amp = memchr (form, '&', end - form);
      const char *stop = amp != NULL ? amp : end;
      const char *eq = memchr (form, '=', stop - form);
      Pair pair;

      if (stop > form)
        {
          pair.key = form_decode (form, (eq != NULL ? eq : stop) - form);
          pair.value = eq != NULL ? form_decode (eq + 1, stop - eq - 1) : g_strdup ("");
          g_array_append_val (pairs, pair);
        }
      form = stop + 1;
    }

  return pairs;
}

/* Pickle writing */

static void
put_u32le (GByteArray *out,
           guint32     value)
{
  guint8 bytes[4] = { value, value >> 8, value >> 16, value >> 24 };

  g_byte_array_append (out, bytes, 4);
}

static void
put_byte (GByteArray *out,
          guint8      byte)
{
  g_byte_array_append (out, &byte, 1);
}

static void
put_str (GByteArray *out,
         const char *text,
         gsize       length)
{
  put_byte (out, 'X');
  put_u32le (out, length);
  g_byte_array_append (out, (const guint8 *) text, length);
}

/* @negative with the magnitude in @value, as LONG1's little-endian two's
 * complement of nine bytes, enough for any 64-bit magnitude. */
static void
put_int (GByteArray *out,
         guint64     value,
         gboolean    negative)
{
  guint64 bits = negative ? ~value + 1 : value;

  if ((!negative && value <= G_MAXINT32) || (negative && value <= (guint64) G_MAXINT32 + 1))
    {
      put_byte (out, 'J');
      put_u32le (out, (guint32) bits);
      return;
    }

  put_byte (out, 0x8a);
  put_byte (out, 9);
  for (guint i = 0; i < 8; i++)
    put_byte (out, bits >> (8 * i));
  put_byte (out, negative ? 0xff : 0x00);
}

static void
put_float (GByteArray *out,
           double      value)
{
  guint64 bits;

  memcpy (&bits, &value, 8);
  put_byte (out, 'G');
  for (int i = 7; i >= 0; i--)
    put_byte (out, bits >> (8 * i));
}

/* Python literals, as repr() writes them */

typedef struct
{
  const char *p;
  const char *end;
  GByteArray *out;
  guint       depth;
} Literal;

static gboolean parse_value (Literal *l);

static void
skip_space (Literal *l)
{
  while (l->p < l->end && g_ascii_isspace (*l->p))
    l->p++;
}

static gboolean
take (Literal *l,
      char     c)
{
  skip_space (l);
  if (l->p < l->end && *l->p == c)
    {
      l->p++;
      return TRUE;
    }

  return FALSE;
}

static gboolean
parse_hex (Literal  *l,
           guint     digits,
           gunichar *c)
{
  *c = 0;
  for (guint i = 0; i < digits; i++, l->p++)
    {
      if (l->p >= l->end || !g_ascii_isxdigit (*l->p))
        return FALSE;
      *c = *c * 16 + g_ascii_xdigit_value (*l->p);
    }

  return TRUE;
}

static gboolean
parse_escape (Literal *l,
              GString *text)
{
  static const char simple[] = "\\\\''\"\"n\nr\rt\ta\ab\bf\fv\v";
  gunichar c;

  if (l->p >= l->end)
    return FALSE;
  for (guint i = 0; simple[i] != '\0'; i += 2)
    if (*l->p == simple[i])
      {
        g_string_append_c (text, simple[i + 1]);
        l->p++;
        return TRUE;
      }

  switch (*l->p++)
    {
    case 'x': if (!parse_hex (l, 2, &c)) return FALSE; break;
    case 'u': if (!parse_hex (l, 4, &c)) return FALSE; break;
    case 'U': if (!parse_hex (l, 8, &c)) return FALSE; break;
    default: return FALSE;
    }

  /* A lone surrogate, which repr() writes as "\udc80", has no UTF-8. */
  g_string_append_unichar (text, g_unichar_validate (c) ? c : 0xfffd);
  return TRUE;
}

static gboolean
parse_string (Literal *l)
{
  g_autoptr(GString) text = g_string_new (NULL);
  char quote = *l->p++;

  while (l->p < l->end && *l->p != quote)
    {
      if (*l->p == '\\')
        {
          l->p++;
          if (!parse_escape (l, text))
            return FALSE;
        }
      else
        g_string_append_c (text, *l->p++);
    }
  if (l->p >= l->end)
    return FALSE;

  l->p++;
  put_str (l->out, text->str, text->len);
  return TRUE;
}

/* str() of bytes is their repr, so the repr is kept as the text. */
static gboolean
parse_bytes (Literal *l)
{
  const char *start = l->p++;
  char quote = *l->p++;

  while (l->p < l->end && *l->p != quote)
    l->p += *l->p == '\\' ? 2 : 1;
  if (l->p >= l->end)
    return FALSE;

  l->p++;
  put_str (l->out, start, l->p - start);
  return TRUE;
}

static gboolean
parse_number (Literal *l)
{
  const char *start = l->p;
  g_autofree char *token = NULL;
  gboolean is_float = FALSE;
  char *stop;

  while (l->p < l->end && (g_ascii_isalnum (*l->p) || strchr ("+-.", *l->p) != NULL))
    {
      is_float |= *l->p == '.' || *l->p == 'e' || *l->p == 'E' || *l->p == 'n';
      l->p++;
    }
  token = g_strndup (start, l->p - start);

  if (!is_float)
    {
      gboolean negative = token[0] == '-';
      const char *digits = token + (token[0] == '-' || token[0] == '+');
      guint64 value;

      if (!g_ascii_string_to_unsigned (digits, 10, 0, G_MAXUINT64, &value, NULL)
          || (negative && value > (guint64) G_MAXINT64 + 1))
        return FALSE;
      put_int (l->out, value, negative && value != 0);
      return TRUE;
    }

  put_float (l->out, g_ascii_strtod (token, &stop));
  return *stop == '\0';
}

/* Items up to @close, each written by parse_value(), or key: value pairs. */
static gboolean
parse_items (Literal  *l,
             char      close,
             gboolean  pairs,
             guint    *n_items)
{
  *n_items = 0;
  if (take (l, close))
    return TRUE;

  for (;;)
    {
      if (!parse_value (l) || (pairs && (!take (l, ':') || !parse_value (l))))
        return FALSE;
      ++*n_items;
      if (take (l, close))
        return TRUE;
      if (!take (l, ','))
        return FALSE;
      if (take (l, close))
        return TRUE;
    }
}

static gboolean
parse_container (Literal *l)
{
  char open = *l->p++;
  guint n_items;

  if (++l->depth > MAX_LITERAL_DEPTH)
    return FALSE;

  switch (open)
    {
    case '(':
      put_byte (l->out, '(');
      if (!parse_items (l, ')', FALSE, &n_items))
        return FALSE;
      put_byte (l->out, 't');
      break;
    case '[':
      put_byte (l->out, ']');
      put_byte (l->out, '(');
      if (!parse_items (l, ']', FALSE, &n_items))
        return FALSE;
      put_byte (l->out, 'e');
      break;
    default:
      put_byte (l->out, '}');
      put_byte (l->out, '(');
      if (!parse_items (l, '}', TRUE, &n_items))
        return FALSE;
      put_byte (l->out, 'u');
      break;
    }

  l->depth--;
  return TRUE;
}

static gboolean
take_word (Literal    *l,
           const char *word)
{
  gsize length = strlen (word);

  if ((gsize) (l->end - l->p) < length || memcmp (l->p, word, length) != 0
      || (l->p + length < l->end && g_ascii_isalnum (l->p[length])))
    return FALSE;

  l->p += length;
  return TRUE;
}

static gboolean
parse_value (Literal *l)
{
  skip_space (l);
  if (l->p >= l->end)
    return FALSE;

  switch (*l->p)
    {
    case '\'': case '"':
      return parse_string (l);
    case '(': case '[': case '{':
      return parse_container (l);
    case 'b':
      if (l->p + 1 < l->end && (l->p[1] == '\'' || l->p[1] == '"'))
        return parse_bytes (l);
      return FALSE;
    default:
      break;
    }

  if (take_word (l, "None"))
    put_byte (l->out, 'N');
  else if (take_word (l, "True"))
    put_byte (l->out, 0x88);
  else if (take_word (l, "False"))
    put_byte (l->out, 0x89);
  else if (g_ascii_isdigit (*l->p) || *l->p == '-' || *l->p == '+' || *l->p == 'i'
           || *l->p == 'n')
    return parse_number (l);
  else
    return FALSE;

  return TRUE;
}

/* Writes the pickle of @text, a whole Python literal, or nothing. */
static gboolean
put_literal (GByteArray *out,
             const char *text)
{
  Literal l = { text, text + strlen (text), out, 0 };
  guint before = out->len;

  if (parse_value (&l))
    {
      skip_space (&l);
      if (l.p == l.end)
        return TRUE;
    }

  g_byte_array_set_size (out, before);
  return FALSE;
}

/* The record's attributes */

typedef enum
{
  VALUE_TEXT,
  VALUE_INT,
  VALUE_FLOAT,
  VALUE_ARGS,
} ValueKind;

static const struct
{
  const char *key;
  ValueKind   kind;
} attributes[] = {
  { "name", VALUE_TEXT }, { "msg", VALUE_TEXT }, { "args", VALUE_ARGS },
  { "levelname", VALUE_TEXT }, { "levelno", VALUE_INT }, { "pathname", VALUE_TEXT },
  { "filename", VALUE_TEXT }, { "module", VALUE_TEXT }, { "exc_info", VALUE_TEXT },
  { "exc_text", VALUE_TEXT }, { "stack_info", VALUE_TEXT }, { "lineno", VALUE_INT },
  { "funcName", VALUE_TEXT }, { "created", VALUE_FLOAT }, { "msecs", VALUE_FLOAT },
  { "relativeCreated", VALUE_FLOAT }, { "thread", VALUE_INT }, { "threadName", VALUE_TEXT },
  { "processName", VALUE_TEXT }, { "process", VALUE_INT }, { "taskName", VALUE_TEXT },
  { "message", VALUE_TEXT }, { "asctime", VALUE_TEXT },
};

static gboolean
find_attribute (const char *key,
                ValueKind  *kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (attributes); i++)
    if (strcmp (attributes[i].key, key) == 0)
      {
        *kind = attributes[i].kind;
        return TRUE;
      }

  return FALSE;
}

static gboolean
put_number (GByteArray *out,
            const char *text,
            ValueKind   kind)
{
  gboolean negative = text[0] == '-';
  guint64 value;
  double number;
  char *stop;

  if (kind == VALUE_INT)
    {
      if (!g_ascii_string_to_unsigned (text + negative, 10, 0, G_MAXUINT64, &value, NULL)
          || (negative && value > (guint64) G_MAXINT64 + 1))
        return FALSE;
      put_int (out, value, negative && value != 0);
      return TRUE;
    }

  number = g_ascii_strtod (text, &stop);
  if (*text == '\0' || *stop != '\0' || !isfinite (number))
    return FALSE;
  put_float (out, number);
  return TRUE;
}

/* A standard attribute's value as the sender had it; None is Python's
 * default for many of them. A value of an unexpected form stays text. */
static void
put_attribute (GByteArray *out,
               const Pair *pair)
{
  ValueKind kind = VALUE_TEXT;
  gboolean standard = find_attribute (pair->key, &kind);

  if (standard && strcmp (pair->value, "None") == 0)
    put_byte (out, 'N');
  else if (kind == VALUE_ARGS && put_literal (out, pair->value))
    return;
  else if ((kind == VALUE_INT || kind == VALUE_FLOAT) && put_number (out, pair->value, kind))
    return;
  else
    put_str (out, pair->value, strlen (pair->value));
}

static const Pair *
lookup (GArray     *pairs,
        const char *key)
{
  for (guint i = 0; i < pairs->len; i++)
    if (strcmp (g_array_index (pairs, Pair, i).key, key) == 0)
      return &g_array_index (pairs, Pair, i);

  return NULL;
}

/* When args is not a literal, msg cannot be formatted: both are shown. */
static gboolean
args_unusable (GArray *pairs)
{
  const Pair *args = lookup (pairs, "args");
  g_autoptr(GByteArray) scratch = NULL;

  if (args == NULL || strcmp (args->value, "None") == 0 || strcmp (args->value, "()") == 0)
    return FALSE;

  scratch = g_byte_array_new ();
  return !put_literal (scratch, args->value);
}

static GBytes *
pickle_pairs (GArray *pairs)
{
  GByteArray *out = g_byte_array_sized_new (2048);
  gboolean show_args = args_unusable (pairs);
  const Pair *args = lookup (pairs, "args");

  g_byte_array_append (out, (const guint8 *) "\x80\x02}(", 4);
  for (guint i = 0; i < pairs->len; i++)
    {
      const Pair *pair = &g_array_index (pairs, Pair, i);

      put_str (out, pair->key, strlen (pair->key));
      if (show_args && strcmp (pair->key, "args") == 0)
        put_byte (out, 'N');
      else if (show_args && strcmp (pair->key, "msg") == 0)
        {
          g_autofree char *msg = g_strdup_printf ("%s | args: %s", pair->value, args->value);
          put_str (out, msg, strlen (msg));
        }
      else
        put_attribute (out, pair);
    }
  g_byte_array_append (out, (const guint8 *) "u.", 2);

  return g_byte_array_free_to_bytes (out);
}

/**
 * ld_http_form_add_record:
 * @batch: where to add the record
 * @form: the urlencoded form: a POST body, or a GET request's query
 * @length: its length in bytes
 * @limits: the unpickler's limits
 * @origin: where it came from
 * @error: why the form is not a log record
 *
 * Returns: %TRUE if a record was added
 */
gboolean
ld_http_form_add_record (LdBatch                *batch,
                         const char             *form,
                         gsize                   length,
                         const LdPickleLimits   *limits,
                         const LdRecordOrigin *origin,
                         GError                **error)
{
  g_autoptr(GArray) pairs = parse_pairs (form, length);
  g_autoptr(GBytes) pickle = NULL;

  if (lookup (pairs, "msg") == NULL && lookup (pairs, "message") == NULL)
    {
      g_set_error_literal (error, LD_HTTP_FORM_ERROR, LD_HTTP_FORM_ERROR_NOT_A_RECORD,
                           "the form has no “msg” field, so it is not a LogRecord");
      return FALSE;
    }

  pickle = pickle_pairs (pairs);
  return ld_pyrecord_add_pickle (batch, g_bytes_get_data (pickle, NULL),
                                 g_bytes_get_size (pickle), limits, origin, error);
}
