/* ttsh-journal.c — append and verify the audit journal's HMAC chain.
 *
 * The serialisation hashed for an entry is length-prefixed so that moving
 * bytes between fields changes the hash. Triggers stop accidental UPDATE or
 * DELETE; verification is what catches deliberate edits. */
#define G_LOG_DOMAIN "ttsh-journal"
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "ttsh-journal.h"

G_DEFINE_QUARK (ttsh-journal-error-quark, ttsh_journal_error)

#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"
#define META_HEAD "journal.head"

static void
add_field (GString    *buf,
           const char *value)
{
  g_string_append_printf (buf, "%zu:", strlen (value));
  g_string_append (buf, value);
  g_string_append_c (buf, '\n');
}

static char *
entry_hash (TtshStore  *store,
            gint64      seq,
            gint64      at,
            const char *actor,
            const char *action,
            const char *subject,
            const char *detail,
            const char *prev_hash)
{
  g_autoptr(GString) buf = g_string_new (NULL);
  guint8 mac[32];

  g_string_append_printf (buf, "%" G_GINT64_FORMAT "\n%" G_GINT64_FORMAT "\n", seq, at);
  add_field (buf, actor);
  add_field (buf, action);
  add_field (buf, subject);
  add_field (buf, detail);
  add_field (buf, prev_hash);
  ttsh_hmac_sha256 (ttsh_keyring_key (ttsh_store_keys (store), TTSH_KEY_JOURNAL), TTSH_KEY_LEN,
                    buf->str, buf->len, mac);
  return ttsh_hex_encode (mac, sizeof mac);
}

static char *
head_value (TtshStore  *store,
            gint64      seq,
            const char *hash)
{
  g_autofree char *msg = g_strdup_printf ("head\n%" G_GINT64_FORMAT "\n%s", seq, hash);
  g_autofree char *mac_hex = NULL;
  guint8 mac[32];

  ttsh_hmac_sha256 (ttsh_keyring_key (ttsh_store_keys (store), TTSH_KEY_JOURNAL), TTSH_KEY_LEN,
                    msg, strlen (msg), mac);
  mac_hex = ttsh_hex_encode (mac, sizeof mac);
  return g_strdup_printf ("%" G_GINT64_FORMAT ":%s:%s", seq, hash, mac_hex);
}

gint64
ttsh_journal_append (TtshStore   *store,
                     const char  *actor,
                     const char  *action,
                     const char  *subject,
                     const char  *detail,
                     GError     **error)
{
  sqlite3 *db = ttsh_store_db (store);
  gboolean own_tx = sqlite3_get_autocommit (db);
  sqlite3_stmt *stmt;
  g_autofree char *prev = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *head = NULL;
  gint64 seq = 1;
  gint64 at = ttsh_now_ms ();

  g_return_val_if_fail (actor != NULL && action != NULL, 0);
  subject = subject ? subject : "";
  detail = detail ? detail : "";

  if (own_tx && !ttsh_store_begin (store, error))
    return 0;

  stmt = ttsh_store_prepare (store, "SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1", error);
  if (stmt == NULL)
    goto fail;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      seq = sqlite3_column_int64 (stmt, 0) + 1;
      prev = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
    }
  else
    prev = g_strdup (GENESIS);
  sqlite3_reset (stmt);

  hash = entry_hash (store, seq, at, actor, action, subject, detail, prev);
  stmt = ttsh_store_prepare (store,
      "INSERT INTO journal (seq, at, actor, action, subject, detail, prev_hash, hash) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, seq);
  sqlite3_bind_int64 (stmt, 2, at);
  sqlite3_bind_text (stmt, 3, actor, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, action, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, subject, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, detail, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, prev, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 8, hash, -1, SQLITE_STATIC);
  if (!ttsh_store_step_done (store, stmt, error))
    goto fail;

  head = head_value (store, seq, hash);
  if (!ttsh_store_meta_set (store, META_HEAD, head, error))
    goto fail;

  if (own_tx && !ttsh_store_commit (store, error))
    return 0;
  return seq;

fail:
  if (own_tx)
    ttsh_store_rollback (store);
  return 0;
}

static gboolean
broken (gint64     *bad_seq,
        gint64      seq,
        GError    **error,
        const char *why)
{
  if (bad_seq)
    *bad_seq = seq;
  g_set_error (error, TTSH_JOURNAL_ERROR, TTSH_JOURNAL_ERROR_BROKEN,
               _("journal entry %lld is broken: %s"), (long long) seq, why);
  return FALSE;
}

gboolean
ttsh_journal_verify (TtshStore  *store,
                     gint64     *n_entries,
                     gint64     *bad_seq,
                     GError    **error)
{
  sqlite3_stmt *stmt = NULL;
  g_autofree char *prev = g_strdup (GENESIS);
  g_autofree char *head = NULL;
  g_autofree char *expected_head = NULL;
  gint64 expected_seq = 1;
  int rc;

  if (bad_seq)
    *bad_seq = 0;
  if (sqlite3_prepare_v2 (ttsh_store_db (store),
                          "SELECT seq, at, actor, action, subject, detail, prev_hash, hash "
                          "FROM journal ORDER BY seq", -1, &stmt, NULL) != SQLITE_OK)
    return ttsh_store_set_error (store, sqlite3_errcode (ttsh_store_db (store)), error);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 seq = sqlite3_column_int64 (stmt, 0);
      const char *stored_prev = (const char *) sqlite3_column_text (stmt, 6);
      const char *stored_hash = (const char *) sqlite3_column_text (stmt, 7);
      g_autofree char *hash = NULL;

      if (seq != expected_seq)
        {
          sqlite3_finalize (stmt);
          return broken (bad_seq, expected_seq, error,
                         seq > expected_seq ? _("entry missing (deleted)") : _("sequence out of order"));
        }
      if (stored_prev == NULL || !g_str_equal (stored_prev, prev))
        {
          sqlite3_finalize (stmt);
          return broken (bad_seq, seq, error, _("does not follow the previous entry (reordered or deleted)"));
        }
      hash = entry_hash (store, seq, sqlite3_column_int64 (stmt, 1),
                         (const char *) sqlite3_column_text (stmt, 2),
                         (const char *) sqlite3_column_text (stmt, 3),
                         (const char *) sqlite3_column_text (stmt, 4),
                         (const char *) sqlite3_column_text (stmt, 5),
                         prev);
      if (stored_hash == NULL || strlen (stored_hash) != strlen (hash) ||
          !ttsh_const_equal (stored_hash, hash, strlen (hash)))
        {
          sqlite3_finalize (stmt);
          return broken (bad_seq, seq, error, _("content altered"));
        }
      g_free (prev);
      prev = g_strdup (stored_hash);
      expected_seq++;
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return ttsh_store_set_error (store, rc, error);

  head = ttsh_store_meta_get (store, META_HEAD);
  if (expected_seq > 1 || head != NULL)
    {
      expected_head = head_value (store, expected_seq - 1, prev);
      if (head == NULL || !g_str_equal (head, expected_head))
        {
          gint64 head_seq = head ? g_ascii_strtoll (head, NULL, 10) : 0;
          return broken (bad_seq, MAX (head_seq, expected_seq), error,
                         _("the journal's end does not match its signed head (entries removed at the end)"));
        }
    }

  if (n_entries)
    *n_entries = expected_seq - 1;
  return TRUE;
}

/* Reading ------------------------------------------------------------------- */

void
ttsh_journal_entry_free (TtshJournalEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->actor);
  g_free (entry->action);
  g_free (entry->subject);
  g_free (entry->detail);
  g_free (entry);
}

GPtrArray *
ttsh_journal_query (TtshStore              *store,
                    const TtshJournalQuery *query,
                    GError                **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) ttsh_journal_entry_free);
  sqlite3_stmt *stmt = ttsh_store_prepare (store,
      "SELECT seq, at, actor, action, subject, detail FROM journal "
      "WHERE (?1 IS NULL OR actor = ?1) AND (?2 IS NULL OR action = ?2) "
      "AND (?3 = 0 OR at >= ?3) AND (?4 = 0 OR at < ?4) "
      "ORDER BY seq DESC LIMIT ?5", error);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, query->actor, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, query->action, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, query->since_ms);
  sqlite3_bind_int64 (stmt, 4, query->until_ms);
  sqlite3_bind_int64 (stmt, 5, query->limit > 0 ? (gint64) query->limit : -1);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TtshJournalEntry *e = g_new0 (TtshJournalEntry, 1);
      e->seq = sqlite3_column_int64 (stmt, 0);
      e->at = sqlite3_column_int64 (stmt, 1);
      e->actor = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      e->action = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      e->subject = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
      e->detail = g_strdup ((const char *) sqlite3_column_text (stmt, 5));
      g_ptr_array_add (out, e);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      ttsh_store_set_error (store, rc, error);
      return NULL;
    }
  return g_steal_pointer (&out);
}

GStrv
ttsh_journal_distinct (TtshStore   *store,
                       const char  *column,
                       GError     **error)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  sqlite3_stmt *stmt;

  /* Only two columns are offered; never interpolate anything else. */
  if (g_strcmp0 (column, "actor") == 0)
    stmt = ttsh_store_prepare (store, "SELECT DISTINCT actor FROM journal ORDER BY 1", error);
  else if (g_strcmp0 (column, "action") == 0)
    stmt = ttsh_store_prepare (store, "SELECT DISTINCT action FROM journal ORDER BY 1", error);
  else
    g_return_val_if_reached (NULL);
  if (stmt == NULL)
    return NULL;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_strv_builder_add (b, (const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return g_strv_builder_end (b);
}
