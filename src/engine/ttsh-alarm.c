/* ttsh-alarm.c — the alarm table and its journal entries. */
#define G_LOG_DOMAIN "ttsh-alarm"
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ttsh-alarm.h"
#include "ttsh-journal.h"

static const char *severities[] = { "INFO", "WARNING", "CRITICAL" };

gint64
ttsh_alarm_raise (TtshStore          *store,
                  const char         *kind,
                  TtshAlarmSeverity   severity,
                  const char         *subject,
                  const char         *message,
                  gboolean           *is_new,
                  GError            **error)
{
  gboolean own_tx = sqlite3_get_autocommit (ttsh_store_db (store));
  sqlite3_stmt *stmt;
  gint64 id = 0, now = ttsh_now_ms ();
  gboolean fresh = FALSE;

  subject = subject ? subject : "";
  if (own_tx && !ttsh_store_begin (store, error))
    return 0;

  stmt = ttsh_store_prepare (store,
      "UPDATE alarm SET last_at = ?3, count = count + 1, message = ?4 "
      "WHERE kind = ?1 AND subject = ?2 AND cleared_at IS NULL RETURNING id", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, kind, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, subject, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, now);
  sqlite3_bind_text (stmt, 4, message, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    id = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);

  if (id == 0)
    {
      stmt = ttsh_store_prepare (store,
          "INSERT INTO alarm (kind, severity, subject, message, raised_at, last_at) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?5) RETURNING id", error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_text (stmt, 1, kind, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, severities[severity], -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, subject, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 4, message, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 5, now);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        id = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
      if (id == 0)
        {
          ttsh_store_set_error (store, sqlite3_errcode (ttsh_store_db (store)), error);
          goto fail;
        }
      fresh = TRUE;
      {
        g_autofree char *subj = g_strdup_printf ("%s %s", kind, subject);
        if (ttsh_journal_append (store, "engine", TTSH_JOURNAL_ALARM_RAISED, subj, message, error) == 0)
          goto fail;
      }
    }

  if (own_tx && !ttsh_store_commit (store, error))
    return 0;
  if (is_new)
    *is_new = fresh;
  return id;

fail:
  if (own_tx)
    ttsh_store_rollback (store);
  return 0;
}

gboolean
ttsh_alarm_clear (TtshStore   *store,
                  const char  *kind,
                  const char  *subject,
                  GError     **error)
{
  sqlite3_stmt *stmt = ttsh_store_prepare (store,
      "UPDATE alarm SET cleared_at = ?3 WHERE kind = ?1 AND (?2 IS NULL OR subject = ?2) "
      "AND cleared_at IS NULL", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, kind, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, subject, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, ttsh_now_ms ());
  return ttsh_store_step_done (store, stmt, error);
}

gboolean
ttsh_alarm_ack (TtshStore   *store,
                gint64       id,
                const char  *operator_name,
                const char  *note,
                GError     **error)
{
  gboolean own_tx = sqlite3_get_autocommit (ttsh_store_db (store));
  sqlite3_stmt *stmt;
  g_autofree char *subject = NULL;

  if (own_tx && !ttsh_store_begin (store, error))
    return FALSE;
  stmt = ttsh_store_prepare (store,
      "UPDATE alarm SET acked_at = ?2, acked_by = ?3, ack_note = ?4 "
      "WHERE id = ?1 AND acked_at IS NULL RETURNING kind || ' ' || subject", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, ttsh_now_ms ());
  sqlite3_bind_text (stmt, 3, operator_name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, note, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    subject = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (subject == NULL)
    {
      g_set_error (error, TTSH_STORE_ERROR, TTSH_STORE_ERROR_NOT_FOUND,
                   _("alarm %lld does not exist or is already acknowledged"), (long long) id);
      goto fail;
    }
  if (ttsh_journal_append (store, operator_name, TTSH_JOURNAL_ALARM_ACKED, subject, note, error) == 0)
    goto fail;
  if (own_tx && !ttsh_store_commit (store, error))
    return FALSE;
  return TRUE;

fail:
  if (own_tx)
    ttsh_store_rollback (store);
  return FALSE;
}
