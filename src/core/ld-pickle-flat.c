// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.pickle"

#include "config.h"

#include <string.h>

#include "ld-pickle-private.h"

/* The flat scanner
 *
 * Nearly every frame from SocketHandler is the same shape: one dict whose values are strings,
 * numbers, booleans and None. ld_pickle_scan_dict() reads that shape straight into views,
 * without building values, and declines anything else, which ld_pickle_decode() then reads.
 * It accepts a subset of what the decoder accepts, and gives the same values for it. */

#define SCAN_MEMO 256

typedef struct
{
  const guint8 *data;
  gsize len;
  gsize pos;
  char *copy;                    /* strings point here, ended by a NUL in place */
  LdPickleView *items;           /* keys and values, in pairs */
  gsize n_items;
  gsize max_items;
  guint64 memo_set[SCAN_MEMO / 64];
  guint16 memo[SCAN_MEMO];       /* item index + 1, or 0 for the dict itself */
  gsize memo_len;                /* entries set, the index MEMOIZE uses */
  gsize mark;                    /* the item after the MARK, or G_MAXSIZE */
  gsize consumed;                /* items that SETITEM and SETITEMS have put in the dict */
} Scanner;

/* Memoizes the top of the stack: the dict when every item is in it. As in the decoder,
 * nothing under a MARK can be reached. */
static gboolean
scan_memo_put (Scanner *s, gsize index)
{
  guint64 bit = G_GUINT64_CONSTANT (1) << (index % 64);

  if (index >= SCAN_MEMO || (s->mark != G_MAXSIZE && s->n_items == s->mark))
    return FALSE;
  if (!(s->memo_set[index / 64] & bit))
    s->memo_len++;
  s->memo_set[index / 64] |= bit;
  s->memo[index] = s->n_items == s->consumed ? 0 : (guint16) s->n_items;
  return TRUE;
}

static LdPickleView *
scan_push (Scanner *s, LdPickleKind kind)
{
  LdPickleView *view;

  if (s->n_items == s->max_items)
    return NULL;
  view = &s->items[s->n_items++];
  view->kind = kind;
  view->text = NULL;
  view->length = 0;
  view->i = 0;
  view->f = 0;
  view->tree = NULL;
  return view;
}

static gboolean
scan_str (Scanner *s, gsize size_bytes)
{
  gsize n, start = s->pos + size_bytes;
  LdPickleView *view;

  if (size_bytes > s->len - s->pos)
    return FALSE;
  n = (gsize) read_le (s->data + s->pos, (guint) size_bytes);
  /* A str is never last: at least STOP follows, and its NUL takes that byte in the copy. */
  if (n >= s->len - start)
    return FALSE;
  if (!is_ascii ((const char *) s->data + start, n) &&
      !ld_pickle_utf8_is_clean (s->data + start, n))
    return FALSE;
  if ((view = scan_push (s, LD_PICKLE_STR)) == NULL)
    return FALSE;
  s->copy[start + n] = '\0';
  view->text = s->copy + start;
  view->length = n;
  s->pos = start + n;
  return TRUE;
}

static gboolean
scan_int (Scanner *s, gint64 value)
{
  LdPickleView *view = scan_push (s, LD_PICKLE_INT);

  if (view != NULL)
    view->i = value;
  return view != NULL;
}

/* INT and LONG: only numbers that fit in 64 bits, and INT's "00" and "01" (booleans). */
static gboolean
scan_int_text (Scanner *s, gboolean is_long)
{
  const guint8 *start = s->data + s->pos;
  const guint8 *nl = memchr (start, '\n', s->len - s->pos);
  gsize n, n_digits;
  const char *digits;
  gboolean negative;
  gint64 value;

  if (nl == NULL)
    return FALSE;
  n = (gsize) (nl - start);
  s->pos += n + 1;
  if (!is_long && n == 2 && start[0] == '0' && (start[1] == '0' || start[1] == '1'))
    {
      LdPickleView *view = scan_push (s, LD_PICKLE_BOOL);

      if (view != NULL)
        view->i = start[1] == '1';
      return view != NULL;
    }
  if (is_long && n > 0 && start[n - 1] == 'L')
    n--;
  if (ld_pickle_parse_int_text ((const char *) start, n, &value, &negative, &digits, &n_digits)
      != INT_TEXT_SMALL)
    return FALSE;
  return scan_int (s, value);
}

static gboolean
scan_memo_index (Scanner *s, gsize size_bytes, gsize *index)
{
  if (size_bytes > s->len - s->pos)
    return FALSE;
  *index = (gsize) read_le (s->data + s->pos, (guint) size_bytes);
  s->pos += size_bytes;
  return TRUE;
}

static gboolean
scan_get (Scanner *s, gsize size_bytes)
{
  gsize index;
  LdPickleView *view;

  if (!scan_memo_index (s, size_bytes, &index) || index >= SCAN_MEMO
      || !(s->memo_set[index / 64] & (G_GUINT64_CONSTANT (1) << (index % 64)))
      || s->memo[index] == 0)
    return FALSE;
  if ((view = scan_push (s, LD_PICKLE_NONE)) == NULL)
    return FALSE;
  *view = s->items[s->memo[index] - 1];
  return TRUE;
}

/* Runs one opcode after the dict; *done is set at STOP. */
static gboolean
scan_op (Scanner *s, gboolean *done)
{
  guint8 op = s->data[s->pos++];
  gsize index;
  guint64 bits;
  LdPickleView *view;

  switch (op)
    {
    case 'X':
      return scan_str (s, 4);
    case 0x8c: /* SHORT_BINUNICODE */
      return scan_str (s, 1);
    case 'q': /* BINPUT */
    case 'r': /* LONG_BINPUT */
      return scan_memo_index (s, op == 'q' ? 1 : 4, &index) && scan_memo_put (s, index);
    case 0x94: /* MEMOIZE */
      return scan_memo_put (s, s->memo_len);
    case 'h': /* BINGET */
    case 'j': /* LONG_BINGET */
      return scan_get (s, op == 'h' ? 1 : 4);
    case 'K':
    case 'M':
      if ((gsize) (op == 'K' ? 1 : 2) > s->len - s->pos)
        return FALSE;
      s->pos += op == 'K' ? 1 : 2;
      return scan_int (s, (gint64) read_le (s->data + s->pos - (op == 'K' ? 1 : 2),
                                            op == 'K' ? 1 : 2));
    case 'J':
      if (4 > s->len - s->pos)
        return FALSE;
      s->pos += 4;
      return scan_int (s, (gint32) (guint32) read_le (s->data + s->pos - 4, 4));
    case 'I':
    case 'L':
      return scan_int_text (s, op == 'L');
    case 0x8a: /* LONG1: only up to 8 bytes */
      if (s->pos >= s->len || s->data[s->pos] > 8 || s->data[s->pos] >= s->len - s->pos)
        return FALSE;
      index = s->data[s->pos];
      s->pos += 1 + index;
      if (index == 0)
        return scan_int (s, 0);
      bits = read_le (s->data + s->pos - index, (guint) index);
      if (index < 8 && (s->data[s->pos - 1] & 0x80))
        bits |= ~G_GUINT64_CONSTANT (0) << (8 * index);
      return scan_int (s, (gint64) bits);
    case 'G':
      if (8 > s->len - s->pos || (view = scan_push (s, LD_PICKLE_FLOAT)) == NULL)
        return FALSE;
      memcpy (&bits, s->data + s->pos, 8);
      bits = GUINT64_FROM_BE (bits);
      memcpy (&view->f, &bits, sizeof view->f);
      s->pos += 8;
      return TRUE;
    case 'N':
      return scan_push (s, LD_PICKLE_NONE) != NULL;
    case 0x88: /* NEWTRUE */
    case 0x89: /* NEWFALSE */
      if ((view = scan_push (s, LD_PICKLE_BOOL)) == NULL)
        return FALSE;
      view->i = op == 0x88;
      return TRUE;
    case '(': /* MARK: one level only, around key-value pairs */
      if (s->mark != G_MAXSIZE || s->n_items != s->consumed)
        return FALSE;
      s->mark = s->n_items;
      return TRUE;
    case 'u': /* SETITEMS */
      if (s->mark == G_MAXSIZE || (s->n_items - s->mark) % 2 != 0)
        return FALSE;
      s->mark = G_MAXSIZE;
      s->consumed = s->n_items;
      return TRUE;
    case 's': /* SETITEM */
      if (s->mark != G_MAXSIZE || s->n_items != s->consumed + 2)
        return FALSE;
      s->consumed = s->n_items;
      return TRUE;
    case '.': /* STOP: the dict is all, and nothing follows */
      *done = TRUE;
      return s->mark == G_MAXSIZE && s->n_items == s->consumed && s->pos == s->len;
    default:
      return FALSE;
    }
}

/**
 * ld_pickle_scan_dict:
 * @data: one pickle
 * @len: its length in bytes
 * @limits: (nullable): the decoder's limits, %NULL for the defaults
 * @copy: @len bytes that the strings of @entries will point into
 * @entries: (out caller-allocates) (array length=max_entries): the dict's entries, in order
 * @max_entries: room in @entries; more than 256 declines every pickle
 *
 * Reads a pickle that is one dict of str, int, float, bool and None values, such as
 * SocketHandler sends, much faster than ld_pickle_decode(). Views have no tree. Anything else
 * (a nested value, an object, a big integer, a memo beyond 256, more entries than
 * @max_entries, a str with surrogates, an error) is declined, and the same pickle should then
 * go to ld_pickle_decode(), which reads it or says what is wrong with it. Duplicate keys are
 * not merged: they are all returned.
 *
 * Returns: the number of entries, or -1 if the pickle is declined
 */
gssize
ld_pickle_scan_dict (const guint8         *data,
                     gsize                 len,
                     const LdPickleLimits *limits,
                     char                 *copy,
                     LdPickleViewEntry    *entries,
                     gsize                 max_entries)
{
  LdPickleLimits defaults;
  Scanner s;
  gboolean done = FALSE;

  G_STATIC_ASSERT (sizeof (LdPickleViewEntry) == 2 * sizeof (LdPickleView));
  g_return_val_if_fail (data != NULL && copy != NULL && entries != NULL, -1);

  if (limits == NULL)
    {
      ld_pickle_limits_init_default (&defaults);
      limits = &defaults;
    }

  /* Limits so low that this could pass what the decoder refuses are left to the decoder,
   * and so are more entries than the decoder's dict probes for: colliding keys could
   * exhaust them. */
  if (max_entries > DICT_MAX_PROBES
      || (limits->max_depth < 2 || limits->max_memo < SCAN_MEMO || limits->max_int_digits < 20
          || limits->max_allocations < 2 * max_entries + 1
          || limits->max_total_bytes < 64 * (guint64) len + 65536))
    return -1;
  if (len > G_MAXUINT32 || max_entries > G_MAXUINT16 / 2)
    return -1;

  s.data = data;
  s.len = len;
  s.pos = 0;
  s.copy = copy;
  s.items = (LdPickleView *) entries;
  s.n_items = 0;
  s.max_items = max_entries * 2;
  memset (s.memo_set, 0, sizeof s.memo_set);
  s.memo_len = 0;
  s.mark = G_MAXSIZE;
  s.consumed = 0;

  memcpy (copy, data, len);
  if (s.pos + 2 <= len && data[s.pos] == 0x80) /* PROTO */
    {
      if (data[s.pos + 1] > 5)
        return -1;
      s.pos += 2;
    }
  if (s.pos < len && data[s.pos] == 0x95) /* FRAME, which must fit in what is left */
    {
      if (s.pos + 9 > len || read_le (data + s.pos + 1, 8) > len - (s.pos + 9))
        return -1;
      s.pos += 9;
    }
  if (s.pos >= len || data[s.pos++] != '}')
    return -1;

  while (!done)
    {
      if (s.pos >= len || !scan_op (&s, &done))
        return -1;
      /* Picklers memoize nearly every value: a BINPUT right after it skips the dispatch. */
      if (s.pos + 1 < len && data[s.pos] == 'q')
        {
          if (!scan_memo_put (&s, data[s.pos + 1]))
            return -1;
          s.pos += 2;
        }
    }

  return (gssize) (s.n_items / 2);
}
