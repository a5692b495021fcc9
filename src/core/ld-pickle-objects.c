// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.pickle"

#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "ld-pickle-private.h"

/* What the decoder makes of GLOBAL, REDUCE, NEWOBJ, INST, OBJ and BUILD without importing or
 * calling anything: a readable placeholder for any object, and readable text for the types
 * that log records carry (bytes and sets of older protocols, enums, exceptions, datetime,
 * Decimal, UUID, zoneinfo), rendered from their pickled arguments and state. */

/* Objects */

#define TEXT_BUDGET 4096

/* The texts of objects live in the block, as their values do. */
static char *
alloc_printf (Decoder *d, const char *format, ...) G_GNUC_PRINTF (2, 3);

static char *
alloc_printf (Decoder *d, const char *format, ...)
{
  va_list args, args2;
  char *text;
  int n;

  va_start (args, format);
  va_copy (args2, args);
  n = g_vsnprintf (NULL, 0, format, args);
  if ((text = alloc (d, (gsize) n + 1)) != NULL)
    g_vsnprintf (text, (gulong) n + 1, format, args2);
  va_end (args2);
  va_end (args);
  return text;
}

static char *
alloc_strndup (Decoder *d, const char *s, gsize n)
{
  char *copy = alloc (d, n + 1);

  if (copy != NULL)
    {
      memcpy (copy, s, n);
      copy[n] = '\0';
    }
  return copy;
}

typedef gboolean (*Constructor) (Decoder              *d,
                                 const ObjectData     *cls,
                                 LdPickleValue        *args,
                                 LdPickleValue       **result);

static inline LdPickleValue *
arg (LdPickleValue *args, gsize i)
{
  return i < args->len ? args->items[i] : NULL;
}

static inline gboolean
is_kind (const LdPickleValue *v, LdPickleKind kind)
{
  return v != NULL && v->kind == kind;
}

static const char *
normalize_module (const char *module)
{
  /* Protocols 0 to 2 use the Python 2 names (the pickler's fix_imports). */
  if (strcmp (module, "__builtin__") == 0 || strcmp (module, "exceptions") == 0)
    return "builtins";
  if (strcmp (module, "copy_reg") == 0)
    return "copyreg";
  return module;
}

static gboolean
names_match (const ObjectData *o, const char *module, const char *name)
{
  return strcmp (o->name, name) == 0 && strcmp (o->module, module) == 0;
}

static LdPickleValue *
new_object (Decoder *d, ObjectSubkind subkind, const char *module, const char *name)
{
  LdPickleValue *v = new_value (d, LD_PICKLE_OBJECT);
  ObjectData *o;

  if (v == NULL || (o = alloc (d, sizeof *o)) == NULL)
    return NULL;
  memset (o, 0, sizeof *o);
  o->subkind = subkind;
  o->module = module;
  o->name = name;
  v->object = o;
  return v;
}

LdPickleValue *
ld_pickle_new_global (Decoder *d, const char *module, const char *name)
{
  LdPickleValue *v;

  module = normalize_module (module);
  if ((v = new_object (d, OBJECT_GLOBAL, module, name)) == NULL)
    return NULL;
  v->object->text = alloc_printf (d, "<global %s.%s>", module, name);
  return v->object->text != NULL ? v : NULL;
}

static LdPickleValue *
new_text_object (Decoder *d, const ObjectData *cls, const char *text, LdPickleValue *args)
{
  LdPickleValue *v;

  if (text == NULL || (v = new_object (d, OBJECT_TEXT, cls->module, cls->name)) == NULL)
    return NULL;
  v->object->text = text;
  v->object->args = args->len > 0 ? args : NULL;
  return v;
}

/* Appends values as to_display() shows them inside a container, up to a budget: a crafted
 * pickle can pass the same huge value many times. */
static void
append_items (GString *out, LdPickleValue *const *items, gsize n)
{
  gsize limit = out->len + TEXT_BUDGET;

  for (gsize i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append (out, ", ");
      if (out->len >= limit)
        {
          g_string_append (out, "...");
          return;
        }
      ld_pickle_walk (out, items[i], FALSE, FALSE, limit - out->len);
    }
}

static char *
alloc_gstring (Decoder *d, GString *text)
{
  return alloc_strndup (d, text->str, text->len);
}

/* Constructors that Python 3 pickles for bytes, sets and friends */

static gboolean
is_codec (const char *name, const char *const *names)
{
  for (; *names != NULL; names++)
    if (g_ascii_strcasecmp (name, *names) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
encode_latin1 (Decoder *d, const LdPickleValue *text, guint8 flags, LdPickleValue **result)
{
  const char *p = text->str, *end = text->str + text->len;
  char *out = alloc (d, text->len + 1), *o = out;

  if (out == NULL)
    return FALSE;
  for (; p < end; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c > 0xFF)
        return TRUE;
      *o++ = (char) c;
    }
  *o = '\0';
  return (*result = new_bytes (d, out, (gsize) (o - out), flags)) != NULL;
}

/* _codecs.encode (str, "latin1"): how protocols 0 to 2 carry bytes. */
static gboolean
construct_codecs_encode (Decoder *d, const ObjectData *cls, LdPickleValue *args,
                         LdPickleValue **result)
{
  static const char *const utf8[] = { "utf-8", "utf8", "utf_8", NULL };
  static const char *const latin1[] = { "latin1", "latin-1", "latin_1", "iso-8859-1", "l1", NULL };
  LdPickleValue *text = arg (args, 0), *encoding = arg (args, 1);
  const char *name = encoding != NULL ? encoding->str : "utf-8";

  if (!is_kind (text, LD_PICKLE_STR) || args->len > 2 ||
      (encoding != NULL && !is_kind (encoding, LD_PICKLE_STR)))
    return TRUE;
  if (is_codec (name, utf8))
    return (*result = new_bytes (d, text->str, text->len, 0)) != NULL;
  if (is_codec (name, latin1))
    return encode_latin1 (d, text, 0, result);
  return TRUE;
}

static gboolean
construct_bytes (Decoder *d, const ObjectData *cls, LdPickleValue *args, LdPickleValue **result)
{
  LdPickleValue *source = arg (args, 0);

  if (args->len == 0)
    return (*result = new_bytes (d, "", 0, 0)) != NULL;
  if (args->len == 1 && is_kind (source, LD_PICKLE_BYTES))
    return (*result = new_bytes (d, source->str, source->len, 0)) != NULL;
  return TRUE;
}

static gboolean
construct_bytearray (Decoder *d, const ObjectData *cls, LdPickleValue *args,
                     LdPickleValue **result)
{
  if (!construct_bytes (d, cls, args, result))
    return FALSE;
  if (*result == NULL && !construct_codecs_encode (d, cls, args, result))
    return FALSE;
  if (*result != NULL)
    (*result)->flags |= FLAG_BYTEARRAY;
  return TRUE;
}

static gboolean
set_from_iterable (Decoder *d, LdPickleValue *args, guint8 flags, LdPickleValue **result)
{
  LdPickleValue *source = arg (args, 0), *set;

  if (args->len == 0)
    return (*result = ld_pickle_new_set (d, NULL, 0, flags)) != NULL;
  if (args->len > 1)
    return TRUE;
  if (source->kind == LD_PICKLE_LIST || source->kind == LD_PICKLE_TUPLE)
    return (*result = ld_pickle_new_set (d, source->items, source->len, flags)) != NULL;
  if (source->kind != LD_PICKLE_SET && source->kind != LD_PICKLE_DICT)
    return TRUE;
  if ((set = ld_pickle_new_set (d, NULL, 0, flags)) == NULL ||
      !ld_pickle_dict_reserve (d, set, source->len))
    return FALSE;
  for (gsize i = 0; i < source->len; i++)
    if (!ld_pickle_dict_insert (d, set, source->dict.entries[i].key, NULL))
      return FALSE;
  *result = set;
  return TRUE;
}

/* builtins.set ([items]): how protocols 0 to 3 carry sets. */
static gboolean
construct_set (Decoder *d, const ObjectData *cls, LdPickleValue *args, LdPickleValue **result)
{
  return set_from_iterable (d, args, 0, result);
}

static gboolean
construct_frozenset (Decoder *d, const ObjectData *cls, LdPickleValue *args,
                     LdPickleValue **result)
{
  return set_from_iterable (d, args, FLAG_FROZEN, result);
}

/* getattr (Color, "GREEN"): how Python 3.11 pickles an enum member, and protocols 0 to 3 a
 * nested name such as ZoneInfo._unpickle. */
static gboolean
construct_getattr (Decoder *d, const ObjectData *cls, LdPickleValue *args, LdPickleValue **result)
{
  LdPickleValue *target = arg (args, 0), *attr = arg (args, 1), *v;
  const ObjectData *t;
  const char *name;

  if (args->len != 2 || !is_kind (target, LD_PICKLE_OBJECT) || !is_kind (attr, LD_PICKLE_STR))
    return TRUE;
  t = target->object;
  if (t->subkind != OBJECT_GLOBAL && t->subkind != OBJECT_ATTR)
    return TRUE;
  if ((name = alloc_printf (d, "%s.%s", t->name, attr->str)) == NULL ||
      (v = new_object (d, OBJECT_ATTR, t->module, name)) == NULL ||
      (v->object->text = alloc_printf (d, "<%s>", name)) == NULL)
    return FALSE;
  *result = v;
  return TRUE;
}

static LdPickleValue *
make_instance (Decoder *d, const ObjectData *cls, LdPickleValue *args, LdPickleValue *kwargs)
{
  LdPickleValue *v = new_object (d, OBJECT_INSTANCE, cls->module, cls->name);
  ObjectData *o;

  if (v == NULL)
    return NULL;
  o = v->object;
  o->args = args != NULL && args->len > 0 ? args : NULL;
  o->kwargs = kwargs != NULL && kwargs->len > 0 ? kwargs : NULL;
  if (names_match (cls, "uuid", "UUID"))
    o->type = TYPE_UUID;
  o->text = alloc_printf (d, "<%s.%s object>", cls->module, cls->name);
  return o->text != NULL ? v : NULL;
}

/* copyreg._reconstructor (cls, base, state): how protocols 0 and 1 pickle plain objects. */
static gboolean
construct_reconstructor (Decoder *d, const ObjectData *cls, LdPickleValue *args,
                         LdPickleValue **result)
{
  LdPickleValue *type = arg (args, 0), *base = arg (args, 1), *state = arg (args, 2);
  LdPickleValue *inst_args = NULL;

  if (args->len != 3 || !is_kind (type, LD_PICKLE_OBJECT) || !is_kind (base, LD_PICKLE_OBJECT))
    return TRUE;
  if (state->kind == LD_PICKLE_TUPLE && names_match (base->object, "builtins", "tuple"))
    inst_args = state;
  else if (state->kind != LD_PICKLE_NONE &&
           (inst_args = ld_pickle_new_sequence (d, LD_PICKLE_TUPLE, &state, 1)) == NULL)
    return FALSE;
  return (*result = make_instance (d, type->object, inst_args, NULL)) != NULL;
}

/* copyreg.__newobj__ (cls, *args), as a __reduce__ may return it. */
static gboolean
construct_copyreg_newobj (Decoder *d, const ObjectData *cls, LdPickleValue *args,
                          LdPickleValue **result)
{
  LdPickleValue *type = arg (args, 0), *rest;

  if (!is_kind (type, LD_PICKLE_OBJECT))
    return TRUE;
  if ((rest = ld_pickle_new_sequence (d, LD_PICKLE_TUPLE, args->items + 1, args->len - 1)) == NULL)
    return FALSE;
  return (*result = ld_pickle_make_call (d, type, rest, NULL, TRUE)) != NULL;
}

/* OrderedDict () and defaultdict (factory): their items follow with SETITEMS. */
static gboolean
construct_dict (Decoder *d, const ObjectData *cls, LdPickleValue *args, LdPickleValue **result)
{
  LdPickleValue *factory = arg (args, 0);

  if (args->len > 1 || (factory != NULL && factory->kind != LD_PICKLE_OBJECT &&
                        factory->kind != LD_PICKLE_NONE))
    return TRUE;
  return (*result = new_value (d, LD_PICKLE_DICT)) != NULL;
}

/* deque (iterable, maxlen) */
static gboolean
construct_deque (Decoder *d, const ObjectData *cls, LdPickleValue *args, LdPickleValue **result)
{
  LdPickleValue *items = arg (args, 0);

  if (args->len > 2 || (items != NULL && items->kind != LD_PICKLE_LIST &&
                        items->kind != LD_PICKLE_TUPLE))
    return TRUE;
  *result = ld_pickle_new_sequence (d, LD_PICKLE_LIST, items ? items->items : NULL,
                                    items ? items->len : 0);
  return *result != NULL;
}

/* datetime, Decimal, UUID and zoneinfo, shown as str() shows them */

/* The state of a datetime, date or time: bytes, a str holding them as latin-1 (protocols 0
 * to 2 of Python 3), or a Python 2 str. */
static gboolean
state_bytes (const LdPickleValue *v, guint8 *buf, gsize size, gsize *len)
{
  const char *p, *end;
  gsize n = 0;

  if (v != NULL && (v->kind == LD_PICKLE_BYTES ||
                    (v->kind == LD_PICKLE_STR && (v->flags & FLAG_RAW_UTF8))))
    {
      if (v->len > size)
        return FALSE;
      memcpy (buf, v->str, v->len);
      *len = v->len;
      return TRUE;
    }
  if (!is_kind (v, LD_PICKLE_STR))
    return FALSE;
  for (p = v->str, end = v->str + v->len; p < end; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c > 0xFF || n == size)
        return FALSE;
      buf[n++] = (guint8) c;
    }
  *len = n;
  return TRUE;
}

static void
format_microseconds (const guint8 *b, char *buf, gsize size)
{
  guint us = ((guint) b[0] << 16) | ((guint) b[1] << 8) | b[2];

  if (us != 0)
    g_snprintf (buf, (gulong) size, ".%06u", us);
  else
    buf[0] = '\0';
}

static void
format_offset (gint64 seconds, char *buf, gsize size)
{
  guint s = (guint) (seconds < 0 ? -seconds : seconds);
  char sign = seconds < 0 ? '-' : '+';

  if (s % 60 != 0)
    g_snprintf (buf, (gulong) size, "%c%02u:%02u:%02u", sign, s / 3600, s / 60 % 60, s % 60);
  else
    g_snprintf (buf, (gulong) size, "%c%02u:%02u", sign, s / 3600, s / 60 % 60);
}

/* A fixed offset is shown as "+02:00", as str() does; a named zone (zoneinfo) by its name. */
static void
format_tzinfo (const LdPickleValue *tz, char *buf, gsize size, const char **sep, const char **text)
{
  *sep = "";
  *text = "";
  if (!is_kind (tz, LD_PICKLE_OBJECT))
    return;
  if (tz->object->type == TYPE_TIMEZONE)
    {
      format_offset (tz->object->seconds, buf, size);
      *text = buf;
      return;
    }
  *sep = " ";
  *text = tz->object->text;
}

static gboolean
construct_datetime (Decoder *d, const ObjectData *cls, LdPickleValue *args,
                    LdPickleValue **result)
{
  char us[16], tz[32];
  const char *sep, *zone;
  guint8 b[16];
  gsize n;

  if (args->len > 2 || !state_bytes (arg (args, 0), b, sizeof b, &n) || n != 10)
    return TRUE;
  format_microseconds (b + 7, us, sizeof us);
  format_tzinfo (arg (args, 1), tz, sizeof tz, &sep, &zone);
  *result = new_text_object (d, cls,
                             alloc_printf (d, "%04u-%02u-%02u %02u:%02u:%02u%s%s%s",
                                           ((guint) b[0] << 8) | b[1], b[2] & 0x7Fu, b[3], b[4],
                                           b[5], b[6], us, sep, zone),
                             args);
  return *result != NULL;
}

static gboolean
construct_date (Decoder *d, const ObjectData *cls, LdPickleValue *args, LdPickleValue **result)
{
  guint8 b[16];
  gsize n;

  if (args->len != 1 || !state_bytes (arg (args, 0), b, sizeof b, &n) || n != 4)
    return TRUE;
  *result = new_text_object (d, cls,
                             alloc_printf (d, "%04u-%02u-%02u", ((guint) b[0] << 8) | b[1],
                                           b[2], b[3]),
                             args);
  return *result != NULL;
}

static gboolean
construct_time (Decoder *d, const ObjectData *cls, LdPickleValue *args, LdPickleValue **result)
{
  char us[16], tz[32];
  const char *sep, *zone;
  guint8 b[16];
  gsize n;

  if (args->len > 2 || !state_bytes (arg (args, 0), b, sizeof b, &n) || n != 6)
    return TRUE;
  format_microseconds (b + 3, us, sizeof us);
  format_tzinfo (arg (args, 1), tz, sizeof tz, &sep, &zone);
  *result = new_text_object (d, cls,
                             alloc_printf (d, "%02u:%02u:%02u%s%s%s", b[0] & 0x7Fu, b[1], b[2],
                                           us, sep, zone),
                             args);
  return *result != NULL;
}

static gint64
floor_div (gint64 a, gint64 b)
{
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* timedelta (days, seconds, microseconds), normalised and shown as str() does:
 * "-1 day, 23:59:59.500000". */
static gboolean
construct_timedelta (Decoder *d, const ObjectData *cls, LdPickleValue *args,
                     LdPickleValue **result)
{
  char days_text[48] = "", us_text[16] = "";
  gint64 days, secs, us, carry;

  if (args->len != 3 || !is_kind (args->items[0], LD_PICKLE_INT) ||
      !is_kind (args->items[1], LD_PICKLE_INT) || !is_kind (args->items[2], LD_PICKLE_INT))
    return TRUE;
  days = args->items[0]->i, secs = args->items[1]->i, us = args->items[2]->i;
  if (ABS (days) > 1000000000 || ABS (secs) > 1000000000000 || ABS (us) > 1000000000000000)
    return TRUE;
  carry = floor_div (us, 1000000), us -= carry * 1000000, secs += carry;
  carry = floor_div (secs, 86400), secs -= carry * 86400, days += carry;
  if (days != 0)
    g_snprintf (days_text, sizeof days_text, "%" G_GINT64_FORMAT " day%s, ", days,
                days == 1 || days == -1 ? "" : "s");
  if (us != 0)
    g_snprintf (us_text, sizeof us_text, ".%06u", (guint) us);
  *result = new_text_object (d, cls,
                             alloc_printf (d, "%s%u:%02u:%02u%s", days_text, (guint) secs / 3600,
                                           (guint) secs / 60 % 60, (guint) secs % 60, us_text),
                             args);
  if (*result == NULL)
    return FALSE;
  (*result)->object->type = TYPE_TIMEDELTA;
  (*result)->object->seconds = days * 86400 + secs;
  return TRUE;
}

/* timezone (timedelta[, name]): "UTC", "UTC+02:00" or its name, as str() shows it. */
static gboolean
construct_timezone (Decoder *d, const ObjectData *cls, LdPickleValue *args,
                    LdPickleValue **result)
{
  LdPickleValue *offset = arg (args, 0), *name = arg (args, 1);
  const char *text;
  gint64 seconds;
  char buf[32];

  if (args->len > 2 || !is_kind (offset, LD_PICKLE_OBJECT) ||
      offset->object->type != TYPE_TIMEDELTA || (name != NULL && !is_kind (name, LD_PICKLE_STR)))
    return TRUE;
  seconds = offset->object->seconds;
  if (seconds <= -86400 || seconds >= 86400)
    return TRUE;
  format_offset (seconds, buf, sizeof buf);
  text = name != NULL ? name->str : seconds == 0 ? "UTC" : alloc_printf (d, "UTC%s", buf);
  if ((*result = new_text_object (d, cls, text, args)) == NULL)
    return FALSE;
  (*result)->object->type = TYPE_TIMEZONE;
  (*result)->object->seconds = seconds;
  return TRUE;
}

/* zoneinfo.ZoneInfo._unpickle (key, from_cache): shown by its key, "Europe/Paris". */
static gboolean
construct_zoneinfo (Decoder *d, const ObjectData *cls, LdPickleValue *args,
                    LdPickleValue **result)
{
  LdPickleValue *key = arg (args, 0);

  if (!is_kind (key, LD_PICKLE_STR) || args->len > 2)
    return TRUE;
  return (*result = new_text_object (d, cls, key->str, args)) != NULL;
}

/* Decimal ("12.50"), shown as repr() does: "Decimal('12.50')". */
static gboolean
construct_decimal (Decoder *d, const ObjectData *cls, LdPickleValue *args,
                   LdPickleValue **result)
{
  LdPickleValue *value = arg (args, 0);
  g_autoptr(GString) text = NULL;

  if (args->len != 1 || (value->kind != LD_PICKLE_STR && value->kind != LD_PICKLE_INT &&
                         value->kind != LD_PICKLE_BIGINT))
    return TRUE;
  text = g_string_new ("Decimal(");
  if (value->kind != LD_PICKLE_STR)
    g_string_append_c (text, '\'');
  ld_pickle_walk (text, value, FALSE, FALSE, TEXT_BUDGET);
  g_string_append (text, value->kind != LD_PICKLE_STR ? "')" : ")");
  return (*result = new_text_object (d, cls, alloc_gstring (d, text), args)) != NULL;
}

/* The 128 bits of a UUID's int, as four 32-bit words, least significant first. */
static gboolean
uuid_words (const LdPickleValue *v, guint32 *w)
{
  memset (w, 0, 4 * sizeof *w);
  if (v->kind == LD_PICKLE_INT && v->i >= 0)
    {
      w[0] = (guint32) v->i;
      w[1] = (guint32) ((guint64) v->i >> 32);
      return TRUE;
    }
  if (v->kind != LD_PICKLE_BIGINT || v->str[0] == '-')
    return FALSE;
  for (gsize i = 0; i < v->len; i++)
    {
      guint64 carry = (guint64) (v->str[i] - '0');

      for (int k = 0; k < 4; k++)
        {
          guint64 x = (guint64) w[k] * 10 + carry;

          w[k] = (guint32) x;
          carry = x >> 32;
        }
      if (carry != 0)
        return FALSE;
    }
  return TRUE;
}

/* A UUID gets its value from BUILD, with the state {'int': N}. */
static gboolean
set_uuid_text (Decoder *d, ObjectData *o)
{
  const LdPickleValue *n = NULL;
  guint32 w[4];

  if (is_kind (o->state, LD_PICKLE_DICT))
    n = ld_pickle_dict_lookup (o->state, "int", 3);
  if (n == NULL || !uuid_words (n, w))
    return TRUE;
  o->text = alloc_printf (d, "UUID('%08x-%04x-%04x-%04x-%04x%08x')", w[3], w[2] >> 16,
                          w[2] & 0xFFFF, w[1] >> 16, w[1] & 0xFFFF, w[0]);
  o->subkind = OBJECT_TEXT;
  return o->text != NULL;
}

/* Calls */

static const struct
{
  const char *module;
  const char *name;
  Constructor construct;
} constructors[] = {
  { "_codecs", "encode", construct_codecs_encode },
  { "builtins", "bytes", construct_bytes },
  { "builtins", "bytearray", construct_bytearray },
  { "builtins", "set", construct_set },
  { "builtins", "frozenset", construct_frozenset },
  { "builtins", "getattr", construct_getattr },
  { "copyreg", "_reconstructor", construct_reconstructor },
  { "copyreg", "__newobj__", construct_copyreg_newobj },
  { "collections", "OrderedDict", construct_dict },
  { "collections", "defaultdict", construct_dict },
  { "collections", "deque", construct_deque },
  { "datetime", "datetime", construct_datetime },
  { "datetime", "date", construct_date },
  { "datetime", "time", construct_time },
  { "datetime", "timedelta", construct_timedelta },
  { "datetime", "timezone", construct_timezone },
  { "decimal", "Decimal", construct_decimal },
  { "zoneinfo", "ZoneInfo._unpickle", construct_zoneinfo },
};

static Constructor
find_constructor (const ObjectData *cls, gboolean nested)
{
  for (gsize i = 0; i < G_N_ELEMENTS (constructors); i++)
    if (names_match (cls, constructors[i].module, constructors[i].name))
      {
        /* copyreg.__newobj__ calls another class: once, so nesting cannot recurse. */
        if (nested && constructors[i].construct == construct_copyreg_newobj)
          return NULL;
        return constructors[i].construct;
      }
  return NULL;
}

static gboolean
is_exception (const ObjectData *cls)
{
  static const char *const suffixes[] = { "Error", "Exception", "Warning", "Exit", "Interrupt",
                                          "Iteration", "ExceptionGroup", NULL };

  if (strcmp (cls->module, "builtins") != 0)
    return FALSE;
  for (const char *const *s = suffixes; *s != NULL; s++)
    if (g_str_has_suffix (cls->name, *s))
      return TRUE;
  return FALSE;
}

/* builtins.ValueError ('bad'): "ValueError('bad')", as repr() shows it. */
static LdPickleValue *
make_exception (Decoder *d, const ObjectData *cls, LdPickleValue *args)
{
  g_autoptr(GString) text = g_string_new (cls->name);

  g_string_append_c (text, '(');
  append_items (text, args->items, args->len);
  g_string_append_c (text, ')');
  return new_text_object (d, cls, alloc_gstring (d, text), args);
}

/* A class called with one plain value is most often an enum member as Python 3.12 and 3.8
 * to 3.10 pickle it (Color (2)), or a value type such as Fraction ('1/3'): "<Color: 2>". */
static gboolean
is_short_call (const ObjectData *cls, LdPickleValue *args)
{
  const char *last = strrchr (cls->name, '.');
  LdPickleKind kind;

  last = last != NULL ? last + 1 : cls->name;
  if (args->len != 1 || !g_ascii_isupper (last[0]))
    return FALSE;
  kind = args->items[0]->kind;
  return kind == LD_PICKLE_INT || kind == LD_PICKLE_BIGINT || kind == LD_PICKLE_FLOAT ||
         kind == LD_PICKLE_STR;
}

static LdPickleValue *
make_short (Decoder *d, const ObjectData *cls, LdPickleValue *args)
{
  const char *last = strrchr (cls->name, '.');
  g_autoptr(GString) text = g_string_new ("<");
  LdPickleValue *v;

  g_string_append (text, last != NULL ? last + 1 : cls->name);
  g_string_append (text, ": ");
  append_items (text, args->items, 1);
  g_string_append_c (text, '>');
  if ((v = new_text_object (d, cls, alloc_gstring (d, text), args)) != NULL)
    v->object->subkind = OBJECT_SHORT;
  return v;
}

/* What calling callable (*args, **kwargs) would give, built without calling anything. */
LdPickleValue *
ld_pickle_make_call (Decoder *d, LdPickleValue *callable, LdPickleValue *args,
                     LdPickleValue *kwargs, gboolean nested)
{
  LdPickleValue *result = NULL;
  const ObjectData *cls;
  Constructor construct;

  if (callable->kind != LD_PICKLE_OBJECT)
    return ld_pickle_fail_type (d, _("can only call a global"), callable), NULL;
  cls = callable->object;
  if (kwargs != NULL && kwargs->len == 0)
    kwargs = NULL;
  if (kwargs != NULL || (cls->subkind != OBJECT_GLOBAL && cls->subkind != OBJECT_ATTR))
    return make_instance (d, cls, args, kwargs);
  if ((construct = find_constructor (cls, nested)) != NULL && !construct (d, cls, args, &result))
    return NULL;
  if (result != NULL)
    return result;
  if (is_exception (cls))
    return make_exception (d, cls, args);
  if (is_short_call (cls, args))
    return make_short (d, cls, args);
  return make_instance (d, cls, args, NULL);
}

/* BUILD: the state is kept and shown; a UUID gets its text from it. */
gboolean
ld_pickle_object_set_state (Decoder *d, ObjectData *o, LdPickleValue *state)
{
  if (state->kind == LD_PICKLE_NONE)
    return TRUE;
  if (o->subkind == OBJECT_SHORT)
    {
      o->subkind = OBJECT_INSTANCE;
      if ((o->text = alloc_printf (d, "<%s.%s object>", o->module, o->name)) == NULL)
        return FALSE;
    }
  o->state = state;
  if (o->type == TYPE_UUID && o->subkind == OBJECT_INSTANCE)
    return set_uuid_text (d, o);
  return TRUE;
}
