/* ttsh-outbox.c — durable enqueue of records bound for C08.
 *
 * A record becomes one sealed outbox row plus its first outbox_event, in the
 * caller's transaction, so an accepted inbound record and its upload commit
 * (or vanish) together. The sender (ttsh-sender.c) takes it from there. */
#define G_LOG_DOMAIN "ttsh-outbox"
#include "config.h"

#include <string.h>
#include <time.h>

#include "ttsh-outbox.h"
#include "ttsh-wire.h"

static const char *state_names[] = {
  [TTSH_OUTBOX_PENDING]  = "PENDING",
  [TTSH_OUTBOX_INFLIGHT] = "INFLIGHT",
  [TTSH_OUTBOX_ACCEPTED] = "ACCEPTED",
  [TTSH_OUTBOX_ERROR]    = "ERROR",
};

const char *
ttsh_outbox_state_to_string (TtshOutboxState state)
{
  g_return_val_if_fail ((guint) state < G_N_ELEMENTS (state_names), NULL);
  return state_names[state];
}

gboolean
ttsh_outbox_state_from_string (const char      *text,
                               TtshOutboxState *state)
{
  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (state_names); i++)
    if (g_str_equal (text, state_names[i]))
      {
        *state = (TtshOutboxState) i;
        return TRUE;
      }
  return FALSE;
}

/* ULID: 48-bit millisecond time + 80 random bits, Crockford base32. Within
 * one millisecond the random part is incremented, so codes made by this
 * process also sort in creation order. */
static void
new_ulid (char out[27])
{
  static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  static GMutex lock;
  static gint64 last_ms;
  static guint8 last_rand[10];
  guint8 bytes[16];
  gint64 ms = ttsh_now_ms ();

  g_mutex_lock (&lock);
  if (ms <= last_ms)
    {
      ms = last_ms;
      for (int i = 9; i >= 0 && ++last_rand[i] == 0; i--)
        ;
    }
  else
    {
      last_ms = ms;
      if (!ttsh_random_bytes (last_rand, sizeof last_rand))
        for (guint i = 0; i < sizeof last_rand; i++)
          last_rand[i] = (guint8) g_random_int ();
      last_rand[0] &= 0x7f;  /* room to increment without wrapping the time */
    }
  for (int i = 0; i < 6; i++)
    bytes[i] = (guint8) (ms >> (8 * (5 - i)));
  memcpy (bytes + 6, last_rand, 10);
  g_mutex_unlock (&lock);

  /* 128 bits -> 26 symbols of 5 bits, the first carrying 3 bits. */
  for (int i = 0; i < 26; i++)
    {
      int bit = i == 0 ? 0 : 3 + (i - 1) * 5;   /* position of this symbol's first bit */
      int width = i == 0 ? 3 : 5;
      guint v = 0;

      for (int b = 0; b < width; b++)
        {
          int pos = bit + b;
          v = (v << 1) | ((bytes[pos / 8] >> (7 - pos % 8)) & 1);
        }
      out[i] = alphabet[v];
    }
  out[26] = '\0';
}

static gboolean
code_char_ok (char c)
{
  return g_ascii_isalnum (c) || c == '.' || c == '_' || c == ':' || c == '-';
}

char *
ttsh_outbox_new_transaction_code (const char *centre_code,
                                  const char *kind)
{
  /* The day in Viet Nam (+07:00, no daylight saving), without building a
   * time zone for every record. */
  time_t local = (time_t) (ttsh_now_ms () / 1000 + 7 * 3600);
  struct tm tm;
  char day[16];
  g_autofree char *centre = g_strdup (centre_code ? centre_code : "TTSH");
  char ulid[27];
  gsize fixed, room;
  GString *code;

  gmtime_r (&local, &tm);
  g_snprintf (day, sizeof day, "%04d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  new_ulid (ulid);
  for (char *p = centre; *p; p++)
    if (!code_char_ok (*p))
      *p = '-';
  /* The ULID alone makes the code unique; shorten the centre part if a long
   * centre code would push the whole past the 64-character limit. */
  fixed = strlen (day) + strlen (kind) + strlen (ulid) + 3;
  room = fixed < 64 ? 64 - fixed : 0;
  if (strlen (centre) > room)
    centre[room] = '\0';
  code = g_string_new (NULL);
  g_string_append_printf (code, "%s-%s-%s-%s", centre, day, kind, ulid);
  return g_string_free (code, FALSE);
}

char *
ttsh_outbox_stream_key (const char *session_code,
                        const char *reg_code,
                        const char *content)
{
  return g_strdup_printf ("%s/%s/%s", session_code ? session_code : "",
                          reg_code ? reg_code : "", content ? content : "");
}

static gboolean
kind_valid (const char *kind)
{
  return kind != NULL && ttsh_kind_endpoint (kind) != NULL;
}

static gint64
insert_record (TtshStore   *store,
               const char  *code,
               const char  *kind,
               const char  *stream,
               const char  *session_code,
               gint64       candidate_id,
               const char  *payload,
               gsize        payload_len,
               GError     **error)
{
  sqlite3_stmt *stmt;
  gint64 seq = 1, id, now = ttsh_now_ms ();

  stmt = ttsh_store_prepare (store, "SELECT max(stream_seq) FROM outbox WHERE stream = ?1", error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, stream, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    seq = sqlite3_column_int64 (stmt, 0) + 1;
  sqlite3_reset (stmt);

  stmt = ttsh_store_prepare (store,
      "INSERT INTO outbox (transaction_code, kind, stream, stream_seq, session_code, candidate_id, "
      "payload_sealed, payload_size, state, attempts, next_attempt_at, created_at, updated_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'PENDING', 0, ?9, ?9, ?9)", error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, code, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, kind, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, stream, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, seq);
  if (session_code != NULL)
    sqlite3_bind_text (stmt, 5, session_code, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, 5);
  if (candidate_id > 0)
    sqlite3_bind_int64 (stmt, 6, candidate_id);
  else
    sqlite3_bind_null (stmt, 6);
  ttsh_store_bind_sealed (store, stmt, 7, payload, payload_len, TTSH_OUTBOX_PAYLOAD_AAD);
  sqlite3_bind_int64 (stmt, 8, (gint64) payload_len);
  sqlite3_bind_int64 (stmt, 9, now);
  if (!ttsh_store_step_done (store, stmt, error))
    return 0;
  id = sqlite3_last_insert_rowid (ttsh_store_db (store));

  stmt = ttsh_store_prepare (store,
      "INSERT INTO outbox_event (outbox_id, at, from_state, to_state, message) "
      "VALUES (?1, ?2, NULL, 'PENDING', 'đã xếp hàng chờ gửi')", error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, now);
  if (!ttsh_store_step_done (store, stmt, error))
    return 0;
  return id;
}

gint64
ttsh_outbox_enqueue (TtshStore    *store,
                     const char   *centre_code,
                     const char   *kind,
                     const char   *stream,
                     const char   *session_code,
                     gint64        candidate_id,
                     JsonObject   *record,
                     char        **out_code,
                     GError      **error)
{
  g_autoptr(JsonGenerator) gen = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *code = NULL;
  g_autofree char *payload = NULL;
  JsonObject *obj;
  gsize len = 0;
  gboolean own_txn;
  gint64 id;

  g_return_val_if_fail (store != NULL, 0);
  g_return_val_if_fail (record != NULL, 0);
  g_return_val_if_fail (stream != NULL && *stream, 0);

  if (!kind_valid (kind))
    {
      g_set_error (error, TTSH_STORE_ERROR, TTSH_STORE_ERROR_CONSTRAINT,
                   "unknown record kind %s", kind ? kind : "(null)");
      return 0;
    }
  if (json_object_has_member (record, TTSH_W_TRANSACTION_CODE))
    {
      g_set_error (error, TTSH_STORE_ERROR, TTSH_STORE_ERROR_CONSTRAINT,
                   "the record already carries a %s", TTSH_W_TRANSACTION_CODE);
      return 0;
    }

  /* The code goes first so a reader of the wire sees it before anything. */
  code = ttsh_outbox_new_transaction_code (centre_code, kind);
  obj = json_object_new ();
  json_object_set_string_member (obj, TTSH_W_TRANSACTION_CODE, code);
  {
    JsonObjectIter iter;
    const char *name;
    JsonNode *value;

    json_object_iter_init_ordered (&iter, record);
    while (json_object_iter_next_ordered (&iter, &name, &value))
      json_object_set_member (obj, name, json_node_copy (value));
  }
  root = json_node_init_object (json_node_alloc (), obj);
  json_object_unref (obj);
  gen = json_generator_new ();
  json_generator_set_root (gen, root);
  payload = json_generator_to_data (gen, &len);

  own_txn = sqlite3_get_autocommit (ttsh_store_db (store)) != 0;
  if (own_txn && !ttsh_store_begin (store, error))
    return 0;
  id = insert_record (store, code, kind, stream, session_code, candidate_id, payload, len, error);
  if (own_txn)
    {
      if (id == 0 || !ttsh_store_commit (store, id ? error : NULL))
        {
          ttsh_store_rollback (store);
          return 0;
        }
    }
  if (id != 0 && out_code != NULL)
    *out_code = g_steal_pointer (&code);
  return id;
}

GBytes *
ttsh_outbox_read_payload (TtshStore  *store,
                          gint64      id,
                          GError    **error)
{
  sqlite3_stmt *stmt = ttsh_store_prepare (store,
      "SELECT payload_sealed FROM outbox WHERE id = ?1", error);
  GBytes *bytes = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    bytes = ttsh_store_column_unsealed (store, stmt, 0, TTSH_OUTBOX_PAYLOAD_AAD, error);
  else
    g_set_error (error, TTSH_STORE_ERROR, TTSH_STORE_ERROR_NOT_FOUND,
                 "outbox record %" G_GINT64_FORMAT " not found", id);
  sqlite3_reset (stmt);
  return bytes;
}
