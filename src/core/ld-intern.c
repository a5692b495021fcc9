// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include <string.h>

#include "ld-bytes.h"
#include "ld-intern.h"

/* Strings are reached through a two-level table of fixed pages, so that a
 * reader never sees a pointer move while a writer adds a page. */
#define PAGE_BITS   12
#define PAGE_SIZE   (1u << PAGE_BITS)
#define MAX_PAGES   4096
#define MAX_STRINGS (PAGE_SIZE * MAX_PAGES - 1)

/* Past MAX_STRINGS distinct values (a sender making up a new thread name for
 * every record, say), new text shares this one id instead of growing forever. */
#define OVERFLOW_TEXT "(too many distinct values)"

/* Each thread remembers the strings it interned lately, so that the same
 * logger or thread name record after record costs a hash and a compare, not
 * the lock. Entries point at interned text, which never moves or dies. */
#define CACHE_SIZE 1024

typedef struct
{
  const char *text;
  guint32     length;
  guint32     id;
} CacheEntry;

static __thread CacheEntry thread_cache[CACHE_SIZE];

static GMutex        intern_lock;
static GHashTable   *intern_table;
static GStringChunk *intern_chunk;
static const char  **pages[MAX_PAGES];
static guint         n_strings = 1;
static guint32       overflow_id;

static guint32
add_string_locked (const char *text)
{
  guint32 id = n_strings;
  const char *copy = g_string_chunk_insert_const (intern_chunk, text);
  guint page = id >> PAGE_BITS;

  if (pages[page] == NULL)
    pages[page] = g_new0 (const char *, PAGE_SIZE);

  pages[page][id & (PAGE_SIZE - 1)] = copy;
  g_hash_table_insert (intern_table, (gpointer) copy, GUINT_TO_POINTER (id));
  /* Publish the count last: readers only look up ids they were handed. */
  g_atomic_int_set (&n_strings, id + 1);

  return id;
}

static guint32
intern_locked (const char *text)
{
  gpointer value;

  if (g_hash_table_lookup_extended (intern_table, text, NULL, &value))
    return GPOINTER_TO_UINT (value);

  if (n_strings >= MAX_STRINGS)
    {
      if (overflow_id == LD_INTERN_NONE)
        overflow_id = GPOINTER_TO_UINT (g_hash_table_lookup (intern_table, OVERFLOW_TEXT));
      return overflow_id;
    }

  return add_string_locked (text);
}

static void
ensure_table_locked (void)
{
  if (intern_table != NULL)
    return;

  intern_table = g_hash_table_new (g_str_hash, g_str_equal);
  intern_chunk = g_string_chunk_new (64 * 1024);
  pages[0] = g_new0 (const char *, PAGE_SIZE);
  /* Reserve the overflow text before any sender can fill the table. */
  add_string_locked (OVERFLOW_TEXT);
}

/**
 * ld_intern_cached:
 * @text: text, not necessarily nul-terminated
 * @length: its length in bytes
 *
 * Looks @text up in the calling thread's cache only. Text found there was
 * interned before, so it is known to be valid UTF-8.
 *
 * Returns: its id, or %LD_INTERN_NONE if this thread has not seen it lately
 */
guint32
ld_intern_cached (const char *text,
                  gsize       length)
{
  CacheEntry *entry = &thread_cache[ld_bytes_hash (text, length) & (CACHE_SIZE - 1)];

  if (entry->text != NULL && entry->length == length && ld_bytes_equal (entry->text, text, length))
    return entry->id;

  return LD_INTERN_NONE;
}

static void
remember (const char *text,
          gsize       length,
          guint32     id)
{
  CacheEntry *entry = &thread_cache[ld_bytes_hash (text, length) & (CACHE_SIZE - 1)];

  entry->text = ld_intern_lookup (id);
  entry->length = length;
  entry->id = id;
}

/**
 * ld_intern:
 * @text: (nullable): the text
 * @length: its length in bytes, or -1 if nul-terminated
 *
 * Text longer than %LD_INTERN_MAX_LENGTH is cut there (at a character
 * boundary) before it is interned.
 *
 * Returns: the id of @text, or %LD_INTERN_NONE for %NULL
 */
guint32
ld_intern (const char *text,
           gssize      length)
{
  char stack_buf[256];
  g_autofree char *heap_buf = NULL;
  const char *key = text;
  gboolean given_length, overflowed;
  guint32 id;

  if (text == NULL)
    return LD_INTERN_NONE;

  given_length = length >= 0;
  if (length < 0)
    length = strlen (text);

  if (length > LD_INTERN_MAX_LENGTH)
    {
      const char *end = g_utf8_find_prev_char (text, text + LD_INTERN_MAX_LENGTH + 1);
      length = end != NULL ? end - text : LD_INTERN_MAX_LENGTH;
    }

  id = ld_intern_cached (text, length);
  if (id != LD_INTERN_NONE)
    return id;

  /* Text given with a length need not be nul-terminated: never look past it. */
  if (given_length || text[length] != '\0')
    {
      char *buf = (gsize) length < sizeof stack_buf ? stack_buf : (heap_buf = g_malloc (length + 1));
      memcpy (buf, text, length);
      buf[length] = '\0';
      key = buf;
    }

  g_mutex_lock (&intern_lock);
  ensure_table_locked ();
  id = intern_locked (key);
  overflowed = id == overflow_id;
  g_mutex_unlock (&intern_lock);

  /* The overflow id stands for many texts: never remember it for one. */
  if (!overflowed)
    remember (text, length, id);

  return id;
}

/**
 * ld_intern_lookup:
 * @id: an id returned by ld_intern()
 *
 * Returns: (nullable): the text, or %NULL for %LD_INTERN_NONE or an unknown id
 */
const char *
ld_intern_lookup (guint32 id)
{
  const char **page;

  if (id == LD_INTERN_NONE || id >= (guint32) g_atomic_int_get (&n_strings))
    return NULL;

  page = pages[id >> PAGE_BITS];
  return page[id & (PAGE_SIZE - 1)];
}

/**
 * ld_intern_count:
 *
 * Returns: how many distinct strings are interned
 */
guint
ld_intern_count (void)
{
  return g_atomic_int_get (&n_strings) - 1;
}
