// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/* What the ingest tests share: bounded waits, the store a hand-off feeds,
 * the Python peers, and checks on records. */

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "ld-connection-registry.h"
#include "ld-handoff.h"
#include "ld-ingest.h"
#include "ld-jsonl.h"
#include "ld-store.h"

/* Iterates the main context until @condition holds, failing the test after
 * @seconds: no wait in these tests is unbounded. */
#define WAIT_UNTIL(condition, seconds) \
  G_STMT_START { \
    gint64 wait_deadline = g_get_monotonic_time () + (gint64) ((seconds) * G_USEC_PER_SEC); \
    while (!(condition)) \
      { \
        if (g_get_monotonic_time () > wait_deadline) \
          g_error ("Timed out after %d s waiting for %s", (int) (seconds), #condition); \
        if (!g_main_context_iteration (NULL, FALSE)) \
          g_usleep (1000); \
      } \
  } G_STMT_END

/* Stops what an ingest test's fixture started, checks that nothing keeps
 * the registry and the store alive, and removes its temporary folder. */
G_GNUC_UNUSED static void
ingest_fixture_clear (LdIngest            **ingest,
                      LdHandoff           **handoff,
                      LdConnectionRegistry *registry,
                      LdStore              *store,
                      char                **tmpdir)
{
  g_autoptr(GDir) dir = g_dir_open (*tmpdir, 0, NULL);
  const char *name;

  g_clear_pointer (ingest, ld_ingest_free);
  ld_handoff_shutdown (*handoff);
  g_clear_pointer (handoff, ld_handoff_unref);
  g_assert_finalize_object (registry);
  g_assert_finalize_object (store);

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (*tmpdir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (*tmpdir);
  g_clear_pointer (tmpdir, g_free);
}

G_GNUC_UNUSED static void
drain_into_store (LdBatch *const *batches,
                  guint           n_batches,
                  gpointer        user_data)
{
  ld_store_append_batches (user_data, batches, n_batches);
}

G_GNUC_UNUSED static char *
message_of (const LdRecord *record)
{
  gsize length;
  const char *text = ld_record_get_message (record, &length);

  return g_strndup (text, length);
}

G_GNUC_UNUSED static const char *
field (guint32 id)
{
  return ld_intern_lookup (id);
}

/* Every record as the headless output writes it: each line must parse. */
G_GNUC_UNUSED static void
assert_jsonl_valid (LdStore *store)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  for (guint i = 0; i < ld_store_get_n_records (store); i++)
    {
      g_autoptr(GString) line = g_string_new (NULL);
      g_autoptr(GError) error = NULL;

      ld_jsonl_append_record (line, ld_store_get_record (store, i), NULL);
      if (!json_parser_load_from_data (parser, line->str, line->len, &error))
        g_error ("record %u is not valid JSON (%s): %s", i, error->message, line->str);
    }
}

G_GNUC_UNUSED static LdConnection *
wait_for_state (LdConnectionRegistry *registry,
                const char           *id,
                LdConnectionState     state)
{
  LdConnection *connection;

  WAIT_UNTIL ((connection = ld_connection_registry_lookup (registry, id)) != NULL
              && ld_connection_get_state (connection) == state, 20);

  return connection;
}

G_GNUC_UNUSED static const char *
python3 (void)
{
  const char *path = g_getenv ("LD_PYTHON3");

  return path != NULL && *path != '\0' ? path : "/usr/bin/python3";
}

G_GNUC_UNUSED static char *
peer_script (const char *name)
{
  const char *dir = g_getenv ("LD_PEERS_DIR");

  if (dir != NULL && *dir != '\0')
    return g_build_filename (dir, name, NULL);

  return g_test_build_filename (G_TEST_DIST, "peers", name, NULL);
}

G_GNUC_UNUSED static GSocket *
client_connect (guint16 port)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  g_autoptr(GError) error = NULL;
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                  G_SOCKET_PROTOCOL_TCP, &error);

  g_assert_no_error (error);
  g_socket_set_timeout (socket, 20);
  g_socket_connect (socket, address, NULL, &error);
  g_assert_no_error (error);

  return socket;
}
