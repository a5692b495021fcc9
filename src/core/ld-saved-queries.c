// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.core"

#include "config.h"

#include "ld-query.h"
#include "ld-saved-queries.h"

/* Live counts of saved queries over the records a store holds.
 *
 * Each query is compiled once. Its matches are kept as sequence numbers in
 * arrival order, so records evicted from the front take their matches with
 * them by a comparison with the store's first sequence number, and a clear
 * takes them all. Each query has its own cursor: the next record it has not
 * looked at. New records are looked at when the store says they came, if
 * that is little work; a new query, or a big batch, is counted in slices of
 * at most SLICE_US from an idle that exists only while records wait. */

#define SLICE_US       5000
#define INLINE_CHECKS  16384
/* How stale "since:10m" may be: a query with a relative time is compiled
 * again, and counted again, when records arrive this long after. */
#define RELATIVE_REFRESH_US (10 * G_USEC_PER_SEC)

typedef struct
{
  char    *name;
  char    *text;
  LdQuery *query;        /* NULL when the text does not parse */
  GArray  *matches;      /* guint64 sequence numbers, oldest first, from head */
  guint    head;
  guint64  next_seq;     /* the first record not looked at yet */
  gint64   parsed_us;    /* what a relative time counts back from */
  LdQuery *fresh;        /* a relative query compiled again, counted on the side */
  GArray  *fresh_matches;
  guint64  fresh_next;
} Entry;

struct _LdSavedQueries
{
  GObject    parent_instance;

  LdStore   *store;
  GPtrArray *entries;
  gulong     items_changed_id;
  GSource   *slice_source;
};

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LdSavedQueries, ld_saved_queries, G_TYPE_OBJECT)

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_free (entry->name);
  g_free (entry->text);
  g_clear_pointer (&entry->query, ld_query_unref);
  g_clear_pointer (&entry->fresh, ld_query_unref);
  g_clear_pointer (&entry->fresh_matches, g_array_unref);
  g_array_unref (entry->matches);
  g_free (entry);
}

static Entry *
entry_new (const char *name,
           const char *text)
{
  Entry *entry = g_new0 (Entry, 1);

  entry->name = g_strdup (name);
  entry->text = g_strdup (text);
  entry->parsed_us = g_get_real_time ();
  entry->query = ld_query_parse (text, entry->parsed_us, NULL);
  entry->matches = g_array_new (FALSE, FALSE, sizeof (guint64));
  return entry;
}

/* Forgets the matches of records no longer held. */
static void
entry_prune (Entry   *entry,
             guint64  first_seq)
{
  while (entry->head < entry->matches->len
         && g_array_index (entry->matches, guint64, entry->head) < first_seq)
    entry->head++;
  /* Compacted now and then rather than at each eviction, so that dropping
   * is linear over time. */
  if (entry->head > 1024 && entry->head * 2 > entry->matches->len)
    {
      g_array_remove_range (entry->matches, 0, entry->head);
      entry->head = 0;
    }
  entry->next_seq = MAX (entry->next_seq, first_seq);

  if (entry->fresh != NULL)
    {
      guint gone = 0;

      while (gone < entry->fresh_matches->len
             && g_array_index (entry->fresh_matches, guint64, gone) < first_seq)
        gone++;
      g_array_remove_range (entry->fresh_matches, 0, gone);
      entry->fresh_next = MAX (entry->fresh_next, first_seq);
    }
}

static guint64
end_seq (LdSavedQueries *self)
{
  return ld_store_get_first_seq (self->store) + ld_store_get_n_records (self->store);
}

static guint64
entry_pending (LdSavedQueries *self,
               Entry          *entry)
{
  if (entry->query == NULL)
    return 0;

  return end_seq (self) - MIN (entry->next_seq, end_seq (self))
         + (entry->fresh != NULL ? end_seq (self) - MIN (entry->fresh_next, end_seq (self)) : 0);
}

/* Looks at records until the deadline (0: none); TRUE when all are counted. */
static gboolean
count_some (LdSavedQueries *self,
            gint64          deadline)
{
  guint64 end = end_seq (self);
  guint done = 0;

  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      if (entry->query == NULL)
        continue;
      for (; entry->next_seq < end; entry->next_seq++, done++)
        {
          if (deadline != 0 && done % 256 == 255 && g_get_monotonic_time () > deadline)
            return FALSE;
          if (ld_query_matches (entry->query,
                                ld_store_get_record_by_seq (self->store, entry->next_seq)))
            g_array_append_val (entry->matches, entry->next_seq);
        }
      if (entry->fresh == NULL)
        continue;
      for (; entry->fresh_next < end; entry->fresh_next++, done++)
        {
          if (deadline != 0 && done % 256 == 255 && g_get_monotonic_time () > deadline)
            return FALSE;
          if (ld_query_matches (entry->fresh,
                                ld_store_get_record_by_seq (self->store, entry->fresh_next)))
            g_array_append_val (entry->fresh_matches, entry->fresh_next);
        }
      /* Counted to the end: the new count takes the old one's place, which
       * was shown meanwhile rather than one that starts again from 0. */
      g_clear_pointer (&entry->query, ld_query_unref);
      entry->query = g_steal_pointer (&entry->fresh);
      g_array_unref (entry->matches);
      entry->matches = g_steal_pointer (&entry->fresh_matches);
      entry->head = 0;
      entry->next_seq = entry->fresh_next;
    }

  return TRUE;
}

static gboolean
count_slice (gpointer user_data)
{
  LdSavedQueries *self = user_data;
  gboolean done = count_some (self, g_get_monotonic_time () + SLICE_US);

  if (done)
    g_clear_pointer (&self->slice_source, g_source_unref);
  g_signal_emit (self, signals[CHANGED], 0);

  return done ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

/* A little work is done now; more goes to slices. */
static void
count_pending (LdSavedQueries *self)
{
  guint64 pending = ld_saved_queries_get_pending (self);

  if (pending == 0 || self->slice_source != NULL)
    return;
  if (pending <= INLINE_CHECKS)
    {
      count_some (self, 0);
      return;
    }

  self->slice_source = g_idle_source_new ();
  g_source_set_priority (self->slice_source, G_PRIORITY_DEFAULT_IDLE);
  g_source_set_callback (self->slice_source, count_slice, self, NULL);
  g_source_set_static_name (self->slice_source, "[logdeck] saved query counts");
  g_source_attach (self->slice_source, g_main_context_get_thread_default ());
}

/* The store only evicts at the front, clears, or appends at the end: each
 * shows in the first sequence number held and the number of records. */
static void
on_items_changed (LdSavedQueries *self,
                  guint           position,
                  guint           removed,
                  guint           added)
{
  guint64 first_seq = ld_store_get_first_seq (self->store);
  gint64 now_us = g_get_real_time ();

  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      /* "since:10m" means the last ten minutes, not the ten minutes before
       * the query was saved: compiled again, it is counted again over every
       * record held, on the side and in slices, and its count replaces the
       * old one when done. Only arrivals do this, so an idle window stays
       * idle. */
      if (entry->query != NULL && entry->fresh == NULL && ld_query_is_relative (entry->query)
          && now_us - entry->parsed_us >= RELATIVE_REFRESH_US)
        {
          entry->parsed_us = now_us;
          entry->fresh = ld_query_parse (entry->text, now_us, NULL);
          entry->fresh_matches = g_array_new (FALSE, FALSE, sizeof (guint64));
          entry->fresh_next = first_seq;
        }
      entry_prune (entry, first_seq);
    }
  count_pending (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
ld_saved_queries_dispose (GObject *object)
{
  LdSavedQueries *self = LD_SAVED_QUERIES (object);

  if (self->slice_source != NULL)
    {
      g_source_destroy (self->slice_source);
      g_clear_pointer (&self->slice_source, g_source_unref);
    }
  if (self->store != NULL)
    g_clear_signal_handler (&self->items_changed_id, self->store);
  g_clear_object (&self->store);
  g_clear_pointer (&self->entries, g_ptr_array_unref);

  G_OBJECT_CLASS (ld_saved_queries_parent_class)->dispose (object);
}

static void
ld_saved_queries_class_init (LdSavedQueriesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ld_saved_queries_dispose;

  /**
   * LdSavedQueries::changed:
   *
   * The list or a count changed.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ld_saved_queries_init (LdSavedQueries *self)
{
  self->entries = g_ptr_array_new_with_free_func (entry_free);
}

/**
 * ld_saved_queries_new:
 * @store: the records to count in
 *
 * Returns: (transfer full): saved queries, none yet
 */
LdSavedQueries *
ld_saved_queries_new (LdStore *store)
{
  LdSavedQueries *self;

  g_return_val_if_fail (LD_IS_STORE (store), NULL);

  self = g_object_new (LD_TYPE_SAVED_QUERIES, NULL);
  self->store = g_object_ref (store);
  self->items_changed_id = g_signal_connect_swapped (store, "items-changed",
                                                     G_CALLBACK (on_items_changed), self);
  return self;
}

static Entry *
take_entry (GPtrArray  *old,
            const char *text)
{
  for (guint i = 0; i < old->len; i++)
    {
      Entry *entry = g_ptr_array_index (old, i);

      if (g_strcmp0 (entry->text, text) == 0)
        return g_ptr_array_steal_index (old, i);
    }

  return NULL;
}

/**
 * ld_saved_queries_set:
 * @self: saved queries
 * @saved: an a(ss) of names and queries, as the settings keep them; a
 *   floating reference is taken
 *
 * Replaces the list. A query already counted keeps its count, so that
 * renaming one or saving another costs no recount.
 */
void
ld_saved_queries_set (LdSavedQueries *self,
                      GVariant       *saved)
{
  g_autoptr(GPtrArray) old = NULL;
  g_autoptr(GVariant) owned = NULL;
  GVariantIter iter;
  const char *name, *text;

  g_return_if_fail (LD_IS_SAVED_QUERIES (self));
  g_return_if_fail (g_variant_is_of_type (saved, G_VARIANT_TYPE ("a(ss)")));

  owned = g_variant_ref_sink (saved);
  old = g_steal_pointer (&self->entries);
  self->entries = g_ptr_array_new_with_free_func (entry_free);
  g_variant_iter_init (&iter, saved);
  while (g_variant_iter_next (&iter, "(&s&s)", &name, &text))
    {
      Entry *entry = take_entry (old, text);

      if (entry == NULL)
        entry = entry_new (name, text);
      g_free (entry->name);
      entry->name = g_strdup (name);
      entry_prune (entry, ld_store_get_first_seq (self->store));
      g_ptr_array_add (self->entries, entry);
    }

  count_pending (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

guint
ld_saved_queries_get_n (LdSavedQueries *self)
{
  g_return_val_if_fail (LD_IS_SAVED_QUERIES (self), 0);

  return self->entries->len;
}

static Entry *
get_entry (LdSavedQueries *self,
           guint           index)
{
  g_return_val_if_fail (LD_IS_SAVED_QUERIES (self), NULL);
  g_return_val_if_fail (index < self->entries->len, NULL);

  return g_ptr_array_index (self->entries, index);
}

const char *
ld_saved_queries_get_name (LdSavedQueries *self,
                           guint           index)
{
  Entry *entry = get_entry (self, index);

  return entry != NULL ? entry->name : NULL;
}

const char *
ld_saved_queries_get_text (LdSavedQueries *self,
                           guint           index)
{
  Entry *entry = get_entry (self, index);

  return entry != NULL ? entry->text : NULL;
}

/* Whether the query parses; one that does not counts nothing. */
gboolean
ld_saved_queries_get_valid (LdSavedQueries *self,
                            guint           index)
{
  Entry *entry = get_entry (self, index);

  return entry != NULL && entry->query != NULL;
}

/* The held records the query matches among those looked at so far. */
guint
ld_saved_queries_get_count (LdSavedQueries *self,
                            guint           index)
{
  Entry *entry = get_entry (self, index);

  return entry != NULL ? entry->matches->len - entry->head : 0;
}

/* How many record checks are still to do before every count is whole. */
guint64
ld_saved_queries_get_pending (LdSavedQueries *self)
{
  guint64 pending = 0;

  g_return_val_if_fail (LD_IS_SAVED_QUERIES (self), 0);

  for (guint i = 0; i < self->entries->len; i++)
    pending += entry_pending (self, g_ptr_array_index (self->entries, i));

  return pending;
}

/* Counts what is left now, as tests and a user who waits need. */
void
ld_saved_queries_flush (LdSavedQueries *self)
{
  g_return_if_fail (LD_IS_SAVED_QUERIES (self));

  count_some (self, 0);
  if (self->slice_source != NULL)
    {
      g_source_destroy (self->slice_source);
      g_clear_pointer (&self->slice_source, g_source_unref);
    }
  g_signal_emit (self, signals[CHANGED], 0);
}

/* The settings' list */

/**
 * ld_saved_queries_with:
 * @saved: an a(ss)
 * @name: a name
 * @text: a query
 *
 * Returns: (transfer full): @saved with @name saved as @text: in place of
 *   the query of that name if there is one, else at the end
 */
GVariant *
ld_saved_queries_with (GVariant   *saved,
                       const char *name,
                       const char *text)
{
  GVariantBuilder builder;
  GVariantIter iter;
  const char *old_name, *old_text;
  gboolean replaced = FALSE;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ss)"));
  g_variant_iter_init (&iter, saved);
  while (g_variant_iter_next (&iter, "(&s&s)", &old_name, &old_text))
    {
      gboolean same = g_strcmp0 (old_name, name) == 0;

      g_variant_builder_add (&builder, "(ss)", old_name, same ? text : old_text);
      replaced |= same;
    }
  if (!replaced)
    g_variant_builder_add (&builder, "(ss)", name, text);

  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/* Returns: (transfer full): @saved without the query called @name */
GVariant *
ld_saved_queries_without (GVariant   *saved,
                          const char *name)
{
  GVariantBuilder builder;
  GVariantIter iter;
  const char *old_name, *old_text;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ss)"));
  g_variant_iter_init (&iter, saved);
  while (g_variant_iter_next (&iter, "(&s&s)", &old_name, &old_text))
    if (g_strcmp0 (old_name, name) != 0)
      g_variant_builder_add (&builder, "(ss)", old_name, old_text);

  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/* Returns: (transfer full): @saved with @name called @new_name, in its
 * place; a query already called @new_name gives way to it. */
GVariant *
ld_saved_queries_renamed (GVariant   *saved,
                          const char *name,
                          const char *new_name)
{
  GVariantBuilder builder;
  GVariantIter iter;
  const char *old_name, *old_text;

  if (g_strcmp0 (name, new_name) == 0)
    return g_variant_ref (saved);

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ss)"));
  g_variant_iter_init (&iter, saved);
  while (g_variant_iter_next (&iter, "(&s&s)", &old_name, &old_text))
    if (g_strcmp0 (old_name, name) == 0)
      g_variant_builder_add (&builder, "(ss)", new_name, old_text);
    else if (g_strcmp0 (old_name, new_name) != 0)
      g_variant_builder_add (&builder, "(ss)", old_name, old_text);

  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/**
 * ld_saved_queries_combine:
 * @texts: queries
 *
 * Each query that parses goes in as the parser writes it back
 * (ld_query_to_string()), side by side: OR binds tighter than AND, so
 * "a OR b" beside "c" reads (a OR b) AND c, and a query written back reads
 * the same beside others (as typed, "a)b" in parentheses would end them
 * early, and a bare word "/x" would become a regex up to a slash in the
 * next query). No parentheses are added, so that a query nested as deep as
 * the parser allows stays readable. An empty query matches everything and
 * adds nothing.
 *
 * Returns: (transfer full): a query that matches what all of @texts match,
 *   or @texts[0] itself when it is the only one; when one of @texts does
 *   not parse, a query that does not parse either
 */
char *
ld_saved_queries_combine (const char *const *texts)
{
  GString *query = g_string_new (NULL);
  guint n = texts != NULL ? g_strv_length ((char **) texts) : 0;
  const char *broken = NULL;

  if (n == 1)
    g_string_append (query, texts[0]);
  else
    for (guint i = 0; i < n; i++)
      {
        g_autoptr(LdQuery) parsed = ld_query_parse (texts[i], 0, NULL);
        g_autofree char *text = NULL;

        if (parsed == NULL)
          {
            /* Kept in parentheses as typed: the combined query fails to
             * parse as that one does, and says where. */
            text = g_strdup_printf ("(%s)", texts[i]);
            broken = broken != NULL ? broken : texts[i];
          }
        else if (ld_query_is_empty (parsed))
          continue;
        else
          text = ld_query_to_string (parsed);
        g_string_append_printf (query, "%s%s", query->len > 0 ? " " : "", text);
      }

  /* Two that do not parse can make one that does ("(a" and "x)) (y" give
   * "((a) (x)) (y)"), which would filter on something nobody saved: then
   * the first that does not parse is shown alone, with its own error. */
  if (broken != NULL)
    {
      g_autoptr(LdQuery) combined = ld_query_parse (query->str, 0, NULL);

      if (combined != NULL)
        {
          g_string_free (query, TRUE);
          return g_strdup (broken);
        }
    }

  return g_string_free (query, FALSE);
}

/**
 * ld_query_history_add:
 * @history: (nullable): queries, newest first
 * @text: the query just applied
 * @max: how many to keep
 *
 * Returns: (transfer full): @text first, then @history without it, at most
 *   @max in all; @history as it was if @text is empty
 */
char **
ld_query_history_add (const char *const *history,
                      const char        *text,
                      guint              max)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  guint n = 0;

  if (*stripped != '\0' && max > 0)
    {
      g_strv_builder_add (builder, stripped);
      n++;
    }
  for (guint i = 0; history != NULL && history[i] != NULL && n < max; i++)
    if (g_strcmp0 (history[i], stripped) != 0)
      {
        g_strv_builder_add (builder, history[i]);
        n++;
      }

  return g_strv_builder_end (builder);
}
