/* ttsh-clients.c — creating TTSH API accounts and the role/content rules. */
#define G_LOG_DOMAIN "ttsh-clients"
#include "config.h"

#include "ttsh-clients.h"
#include "ttsh-journal.h"
#include "ttsh-wire.h"

gboolean
ttsh_client_role_is_valid (const char *role)
{
  return g_strcmp0 (role, TTSH_ROLE_C08_PUSH) == 0 ||
         g_strcmp0 (role, TTSH_ROLE_EXAM_LY_THUYET) == 0 ||
         g_strcmp0 (role, TTSH_ROLE_EXAM_SA_HINH) == 0 ||
         g_strcmp0 (role, TTSH_ROLE_EXAM_DUONG_TRUONG) == 0;
}

gboolean
ttsh_client_role_allows (const char *role,
                         const char *content)
{
  if (g_strcmp0 (role, TTSH_ROLE_EXAM_LY_THUYET) == 0)
    return g_strcmp0 (content, TTSH_CONTENT_LY_THUYET) == 0 ||
           g_strcmp0 (content, TTSH_CONTENT_MO_PHONG) == 0;
  if (g_strcmp0 (role, TTSH_ROLE_EXAM_SA_HINH) == 0)
    return g_strcmp0 (content, TTSH_CONTENT_SA_HINH) == 0;
  if (g_strcmp0 (role, TTSH_ROLE_EXAM_DUONG_TRUONG) == 0)
    return g_strcmp0 (content, TTSH_CONTENT_DUONG_TRUONG) == 0;
  return FALSE;
}

gboolean
ttsh_clients_add (TtshStore   *store,
                  const char  *name,
                  const char  *role,
                  const char  *password,
                  const char  *actor,
                  GError     **error)
{
  g_autofree char *hash = ttsh_password_hash (password);
  sqlite3_stmt *stmt;

  if (!ttsh_store_begin (store, error))
    return FALSE;
  stmt = ttsh_store_prepare (store,
      "INSERT INTO api_client (name, role, pw_hash, created_at) VALUES (?1, ?2, ?3, ?4)", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, role, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, hash, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, ttsh_now_ms ());
  if (!ttsh_store_step_done (store, stmt, error))
    goto fail;
  if (ttsh_journal_append (store, actor, TTSH_JOURNAL_CLIENT_ADDED, name, role, error) == 0)
    goto fail;
  return ttsh_store_commit (store, error);

fail:
  ttsh_store_rollback (store);
  return FALSE;
}
