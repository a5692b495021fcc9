// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "logdeck.ingest"

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "ld-jsonl.h"
#include "ld-level.h"
#include "ld-loki-tail.h"

/* Each entry of a stream becomes a record: its time is the entry's
 * nanosecond timestamp, a line that is a JSON object goes through the JSON
 * normaliser (its own time, level and fields win), any other line is the
 * message, and the stream's labels become extra fields. A plain line takes
 * its level and logger from the labels Loki and its agents usually set.
 * Entries that Loki dropped because the tail could not keep up are counted
 * in a warning record, so that the gap is seen. Tail messages are a tree
 * that is walked once, which is what json-glib is for; they are not the
 * hot path the records of /ws and TCP are. */

static const char *const level_labels[] = { "level", "detected_level", "severity", "lvl" };
static const char *const logger_labels[] = { "logger", "service_name", "job", "app" };

gboolean
ld_loki_tail_detect (const char *text,
                     gsize       length)
{
  static const char key[] = "\"streams\"";
  gsize i = 0;

  while (i < length && g_ascii_isspace (text[i]))
    i++;
  if (i >= length || text[i++] != '{')
    return FALSE;
  while (i < length && g_ascii_isspace (text[i]))
    i++;

  return length - i >= sizeof key - 1 && memcmp (text + i, key, sizeof key - 1) == 0;
}

static gint64
parse_ns (JsonNode *node)
{
  const char *text = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_string (node) : NULL;
  gint64 ns;

  if (text == NULL || !g_ascii_string_to_signed (text, 10, 0, G_MAXINT64, &ns, NULL))
    return 0;

  return ns / 1000;
}

static const char *
first_label (JsonObject        *labels,
             const char *const *keys,
             guint              n_keys)
{
  for (guint i = 0; labels != NULL && i < n_keys; i++)
    {
      JsonNode *node = json_object_get_member (labels, keys[i]);

      if (node != NULL && JSON_NODE_HOLDS_VALUE (node)
          && json_node_get_value_type (node) == G_TYPE_STRING)
        return json_node_get_string (node);
    }

  return NULL;
}

static void
add_labels (LdBatch    *batch,
            JsonObject *labels)
{
  JsonObjectIter iter;
  const char *key;
  JsonNode *node;

  if (labels == NULL)
    return;

  json_object_iter_init (&iter, labels);
  while (json_object_iter_next (&iter, &key, &node))
    {
      g_autofree char *json = NULL;

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        {
          ld_batch_add_extra (batch, key, -1, LD_VALUE_STRING, json_node_get_string (node), -1);
          continue;
        }
      json = json_to_string (node, FALSE);
      ld_batch_add_extra (batch, key, -1, JSON_NODE_HOLDS_VALUE (node) ? LD_VALUE_NUMBER
                                                                      : LD_VALUE_JSON, json, -1);
    }
}

/* An empty or blank text parses, but has no root: json-glib would warn. */
static gboolean
holds_object (JsonParser *parser)
{
  JsonNode *root = json_parser_get_root (parser);

  return root != NULL && JSON_NODE_HOLDS_OBJECT (root);
}

static void
add_plain_line (LdBatch              *batch,
                const char           *line,
                gint64                time_us,
                JsonObject           *labels,
                const LdIngestOrigin *origin)
{
  LdRecordFields fields = { 0 };

  fields.time_us = time_us != 0 ? time_us : g_get_real_time ();
  fields.level_name = first_label (labels, level_labels, G_N_ELEMENTS (level_labels));
  if (fields.level_name == NULL || !ld_level_parse_name (fields.level_name, &fields.level))
    fields.level = LD_LEVEL_NOTSET;
  fields.logger = first_label (labels, logger_labels, G_N_ELEMENTS (logger_labels));
  fields.message = line;
  fields.connection = origin->record.connection;
  fields.peer = origin->record.peer;
  fields.protocol = origin->record.protocol;
  ld_batch_add (batch, &fields);
}

static gboolean
is_json_object (const char *line)
{
  g_autoptr(JsonParser) parser = NULL;

  while (g_ascii_isspace (*line))
    line++;
  if (*line != '{')
    return FALSE;

  parser = json_parser_new_immutable ();
  return json_parser_load_from_data (parser, line, -1, NULL)
         && holds_object (parser);
}

/* One [ns, line] or [ns, line, structured metadata] entry. */
static guint
add_entry (LdBatch              *batch,
           JsonArray            *entry,
           JsonObject           *labels,
           const LdIngestOrigin *origin)
{
  LdIngestOrigin entry_origin = *origin;
  JsonNode *line_node;
  const char *line;
  guint n_added = 0;

  if (json_array_get_length (entry) < 2)
    return 0;
  line_node = json_array_get_element (entry, 1);
  line = JSON_NODE_HOLDS_VALUE (line_node) ? json_node_get_string (line_node) : NULL;
  if (line == NULL)
    return 0;

  entry_origin.record.received_us = parse_ns (json_array_get_element (entry, 0));
  if (is_json_object (line))
    ld_ingest_add_json (batch, line, strlen (line), &entry_origin, &n_added, NULL);
  if (n_added == 0)
    {
      add_plain_line (batch, line, entry_origin.record.received_us, labels, origin);
      n_added = 1;
    }

  add_labels (batch, labels);
  if (json_array_get_length (entry) >= 3
      && JSON_NODE_HOLDS_OBJECT (json_array_get_element (entry, 2)))
    add_labels (batch, json_array_get_object_element (entry, 2));

  return n_added;
}

static guint
add_stream (LdBatch              *batch,
            JsonObject           *stream,
            const LdIngestOrigin *origin)
{
  JsonNode *labels_node = json_object_get_member (stream, "stream");
  JsonNode *values_node = json_object_get_member (stream, "values");
  JsonObject *labels = labels_node != NULL && JSON_NODE_HOLDS_OBJECT (labels_node)
                       ? json_node_get_object (labels_node) : NULL;
  JsonArray *values;
  guint n_added = 0;

  if (values_node == NULL || !JSON_NODE_HOLDS_ARRAY (values_node))
    return 0;

  values = json_node_get_array (values_node);
  for (guint i = 0; i < json_array_get_length (values); i++)
    {
      JsonNode *entry = json_array_get_element (values, i);

      if (JSON_NODE_HOLDS_ARRAY (entry))
        n_added += add_entry (batch, json_node_get_array (entry), labels, origin);
    }

  return n_added;
}

/* A warning with the count of dropped entries, the first one's time and its
 * labels: what is known of the gap. */
static void
report_dropped (LdBatch              *batch,
                JsonArray            *dropped,
                const LdIngestOrigin *origin)
{
  guint n = json_array_get_length (dropped);
  JsonNode *first = n > 0 ? json_array_get_element (dropped, 0) : NULL;
  JsonObject *entry = first != NULL && JSON_NODE_HOLDS_OBJECT (first)
                      ? json_node_get_object (first) : NULL;
  JsonNode *labels = entry != NULL ? json_object_get_member (entry, "labels") : NULL;
  JsonNode *timestamp = entry != NULL ? json_object_get_member (entry, "timestamp") : NULL;
  g_autoptr(GString) when = g_string_new (NULL);
  g_autofree char *labels_text = labels != NULL ? json_to_string (labels, FALSE) : NULL;

  if (n == 0)
    return;
  if (timestamp != NULL && parse_ns (timestamp) != 0)
    ld_jsonl_append_time (when, parse_ns (timestamp));

  ld_ingest_add_problem (batch, origin->limiter, LD_LEVEL_WARNING, origin->record.connection,
                         origin->record.peer, origin->record.protocol,
                         "%s: Loki dropped %u entries that the tail could not keep up with; "
                         "the first%s%s, labels %s", origin->record.connection, n,
                         when->len > 0 ? " at " : "", when->str,
                         labels_text != NULL ? labels_text : "{}");
}

/**
 * ld_loki_tail_add_message:
 * @batch: where to add the records
 * @text: one tail message
 * @length: its length in bytes
 * @origin: the client's id, the server and the protocol
 * @n_added: (out): how many records the entries made
 *
 * Returns: %FALSE if @text is not a tail message; an error record says why
 */
gboolean
ld_loki_tail_add_message (LdBatch              *batch,
                          const char           *text,
                          gsize                 length,
                          const LdIngestOrigin *origin,
                          guint                *n_added)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;
  JsonNode *node;

  *n_added = 0;
  if (!json_parser_load_from_data (parser, text, length, &error)
      || !holds_object (parser))
    {
      g_autofree char *quote = ld_ingest_quote (text, length);

      ld_ingest_add_problem (batch, origin->limiter, LD_LEVEL_ERROR, origin->record.connection,
                             origin->record.peer, origin->record.protocol,
                             "%s: invalid Loki tail message (%s): %s", origin->record.connection,
                             error != NULL ? error->message : "not an object", quote);
      return FALSE;
    }

  root = json_node_get_object (json_parser_get_root (parser));
  node = json_object_get_member (root, "streams");
  for (guint i = 0; node != NULL && JSON_NODE_HOLDS_ARRAY (node)
                    && i < json_array_get_length (json_node_get_array (node)); i++)
    {
      JsonNode *stream = json_array_get_element (json_node_get_array (node), i);

      if (JSON_NODE_HOLDS_OBJECT (stream))
        *n_added += add_stream (batch, json_node_get_object (stream), origin);
    }

  node = json_object_get_member (root, "dropped_entries");
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    report_dropped (batch, json_node_get_array (node), origin);

  return TRUE;
}
