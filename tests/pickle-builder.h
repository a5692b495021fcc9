// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <string.h>

#include <glib.h>

/* Writes small pickles (protocol 2) for unit tests, so that they do not need
 * Python: each call appends one value's opcodes to the buffer. */

typedef GByteArray PickleBuilder;

static inline void
pb_byte (PickleBuilder *pb,
         guint8         byte)
{
  g_byte_array_append (pb, &byte, 1);
}

static inline void
pb_le32 (PickleBuilder *pb,
         guint32        value)
{
  guint32 le = GUINT32_TO_LE (value);

  g_byte_array_append (pb, (const guint8 *) &le, 4);
}

static inline PickleBuilder *
pb_new (void)
{
  PickleBuilder *pb = g_byte_array_new ();

  pb_byte (pb, 0x80);   /* PROTO */
  pb_byte (pb, 2);
  return pb;
}

static inline void
pb_str_len (PickleBuilder *pb,
            const char    *text,
            gsize          length)
{
  pb_byte (pb, 'X');    /* BINUNICODE */
  pb_le32 (pb, (guint32) length);
  g_byte_array_append (pb, (const guint8 *) text, length);
}

static inline void
pb_str (PickleBuilder *pb,
        const char    *text)
{
  pb_str_len (pb, text, strlen (text));
}

static inline void
pb_int (PickleBuilder *pb,
        gint64         value)
{
  guint64 le = GUINT64_TO_LE ((guint64) value);

  if (value >= G_MININT32 && value <= G_MAXINT32)
    {
      pb_byte (pb, 'J');  /* BININT */
      pb_le32 (pb, (guint32) value);
      return;
    }
  pb_byte (pb, 0x8a);   /* LONG1 */
  pb_byte (pb, 8);
  g_byte_array_append (pb, (const guint8 *) &le, 8);
}

static inline void
pb_float (PickleBuilder *pb,
          double         value)
{
  guint64 bits;

  memcpy (&bits, &value, 8);
  bits = GUINT64_TO_BE (bits);
  pb_byte (pb, 'G');    /* BINFLOAT */
  g_byte_array_append (pb, (const guint8 *) &bits, 8);
}

static inline void
pb_bool (PickleBuilder *pb,
         gboolean       value)
{
  pb_byte (pb, value ? 0x88 : 0x89);
}

static inline void
pb_none (PickleBuilder *pb)
{
  pb_byte (pb, 'N');
}

static inline void
pb_mark (PickleBuilder *pb)
{
  pb_byte (pb, '(');
}

/* After pb_mark() and the items. */
static inline void
pb_tuple (PickleBuilder *pb)
{
  pb_byte (pb, 't');
}

static inline void
pb_list (PickleBuilder *pb)
{
  pb_byte (pb, 'l');
}

/* After pb_mark() and key, value, key, value… */
static inline void
pb_dict (PickleBuilder *pb)
{
  pb_byte (pb, 'd');
}

/* GLOBAL "module\nname\n": a class or function, never resolved by Logdeck. */
static inline void
pb_global (PickleBuilder *pb,
           const char    *module,
           const char    *name)
{
  pb_byte (pb, 'c');
  g_byte_array_append (pb, (const guint8 *) module, strlen (module));
  pb_byte (pb, '\n');
  g_byte_array_append (pb, (const guint8 *) name, strlen (name));
  pb_byte (pb, '\n');
}

/* After a callable and a tuple of arguments. */
static inline void
pb_reduce (PickleBuilder *pb)
{
  pb_byte (pb, 'R');
}

static inline GBytes *
pb_finish (PickleBuilder *pb)
{
  pb_byte (pb, '.');    /* STOP */
  return g_byte_array_free_to_bytes (pb);
}

/* A record's key and string value, for the common case. */
static inline void
pb_item_str (PickleBuilder *pb,
             const char    *key,
             const char    *value)
{
  pb_str (pb, key);
  if (value != NULL)
    pb_str (pb, value);
  else
    pb_none (pb);
}

static inline void
pb_item_int (PickleBuilder *pb,
             const char    *key,
             gint64         value)
{
  pb_str (pb, key);
  pb_int (pb, value);
}

static inline void
pb_item_float (PickleBuilder *pb,
               const char    *key,
               double         value)
{
  pb_str (pb, key);
  pb_float (pb, value);
}
