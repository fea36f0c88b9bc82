/* ttsh-sender.c — the outbox pump: C08 login, clock and status checks,
 * batching per kind in stream order, result application and retries.
 *
 * Everything runs on the engine thread. A record is marked INFLIGHT in its
 * own committed transaction before its bytes leave, so a crash at any
 * point resends it with the same TransactionCode (C08 answers -5). */
#define G_LOG_DOMAIN "ttsh-sender"
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ttsh-alarm.h"
#include "ttsh-c08-client.h"
#include "ttsh-crypto.h"
#include "ttsh-journal.h"
#include "ttsh-jwt.h"
#include "ttsh-outbox.h"
#include "ttsh-sender.h"
#include "ttsh-status.h"
#include "ttsh-wire.h"

#define ACTOR "sender"
#define N_KINDS 4
#define MAX_BODY_BYTES (8 * 1024 * 1024)
#define BODY_OVERHEAD 512   /* MaTTSH, MaLo, ThoiGianGui and brackets */

static const char *kind_names[N_KINDS] = {
  TTSH_KIND_DIEM_DANH, TTSH_KIND_QUA_TRINH, TTSH_KIND_HUY_KET_QUA, TTSH_KIND_TONG_HOP,
};

typedef struct {
  guint   inflight;        /* batches on the wire */
  guint   max_records;     /* current batch limit (config, GioiHanLo, -9 splits) */
  gsize   max_bytes;
} KindState;

typedef struct {
  int          ref_count;
  gboolean     running;

  TtshEngine  *engine;
  TtshStore   *store;
  const TtshConfig *config;
  TtshC08Client *client;
  GCancellable *cancellable;
  GMainContext *context;
  GSource     *timer;
  GSource     *wake;

  /* knobs */
  guint        poll_ms;
  gint64       backoff_base_ms;
  gint64       backoff_cap_ms;
  guint        max_tries;
  gint64       status_interval_ms;
  gint64       clock_interval_ms;
  gint64       late_ms;
  guint        parallel;

  /* C08 session */
  gboolean     login_inflight;
  gint64       token_renew_at;     /* local ms */
  guint        minus1_streak;

  /* clock */
  gboolean     clock_inflight;
  gboolean     clock_ok;
  gint64       skew_ms;
  gint64       next_clock_at;

  /* status */
  gboolean     status_inflight;
  gboolean     busy;
  gint64       busy_until;
  gint64       next_status_at;

  /* outage backoff across all kinds */
  gint64       retry_at;
  guint        failures;

  int          stopped;            /* -2, -3, -7 or 0 */
  gint64       next_late_check;
  KindState    kinds[N_KINDS];
} Sender;

static GQuark sender_quark;

static void pump (Sender *self);

static Sender *
sender_ref (Sender *self)
{
  self->ref_count++;
  return self;
}

static void
sender_unref (Sender *self)
{
  if (--self->ref_count > 0)
    return;
  g_clear_object (&self->client);
  g_clear_object (&self->cancellable);
  g_free (self);
}

static gint64
env_ms (const char *name,
        gint64      fallback)
{
  const char *v = g_getenv (name);
  gint64 n;

  if (v && g_ascii_string_to_signed (v, 10, 1, G_MAXINT64 / 4, &n, NULL))
    return n;
  return fallback;
}

/* Full jitter: uniform in [0, min(cap, base * 2^(n-1))]. Spreads retries of
 * many records (and many centres) so a recovering C08 is not stormed. */
static gint64
backoff_delay (Sender *self,
               guint   n)
{
  gint64 d = self->backoff_base_ms;

  for (guint i = 1; i < n && d < self->backoff_cap_ms; i++)
    d *= 2;
  d = MIN (d, self->backoff_cap_ms);
  return (gint64) (g_random_double () * (double) d) + 1;
}

static void
set_meta_int (Sender     *self,
              const char *key,
              gint64      value)
{
  g_autofree char *v = g_strdup_printf ("%" G_GINT64_FORMAT, value);
  g_autoptr(GError) error = NULL;

  if (!ttsh_store_meta_set (self->store, key, v, &error))
    g_warning ("meta %s: %s", key, error->message);
}

static void
set_meta (Sender     *self,
          const char *key,
          const char *value)
{
  g_autoptr(GError) error = NULL;

  if (!ttsh_store_meta_set (self->store, key, value ? value : "", &error))
    g_warning ("meta %s: %s", key, error->message);
}

static void
note_error (Sender     *self,
            int         code,
            const char *message)
{
  g_autofree char *v = g_strdup_printf ("%d %s", code, message ? message : ttsh_code_message (code));
  set_meta (self, TTSH_META_C08_LAST_ERROR, v);
}

static void
raise_alarm (Sender            *self,
       const char        *kind,
       TtshAlarmSeverity  severity,
       const char        *message)
{
  g_autoptr(GError) error = NULL;
  gboolean fresh = FALSE;

  if (ttsh_alarm_raise (self->store, kind, severity, "", message, &fresh, &error) == 0)
    g_warning ("alarm %s: %s", kind, error->message);
  else if (fresh)
    _ttsh_engine_emit_changed (self->engine, "alarm");
}

static void
alarm_clear (Sender     *self,
             const char *kind)
{
  g_autoptr(GError) error = NULL;

  if (!ttsh_alarm_clear (self->store, kind, NULL, &error))
    g_warning ("alarm %s: %s", kind, error->message);
}

/* Scheduling ----------------------------------------------------------------- */

static gboolean
wake_cb (gpointer data)
{
  Sender *self = data;

  g_clear_pointer (&self->wake, g_source_unref);
  pump (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_pump (Sender *self)
{
  if (!self->running || self->wake != NULL)
    return;
  self->wake = g_idle_source_new ();
  g_source_set_callback (self->wake, wake_cb, self, NULL);
  g_source_attach (self->wake, self->context);
}

static gboolean
timer_cb (gpointer data)
{
  pump (data);
  return G_SOURCE_CONTINUE;
}

/* Stops ---------------------------------------------------------------------- */

static const char *
stop_alarm_kind (int code)
{
  switch (code)
    {
    case TTSH_CODE_ACCOUNT_LOCKED:  return TTSH_ALARM_C08_LOCKED;
    case TTSH_CODE_BAD_CREDENTIALS: return TTSH_ALARM_C08_CREDENTIALS;
    default:                        return TTSH_ALARM_C08_IP_DENIED;
    }
}

static gboolean
is_stop_code (int code)
{
  return code == TTSH_CODE_ACCOUNT_LOCKED || code == TTSH_CODE_BAD_CREDENTIALS ||
         code == TTSH_CODE_IP_DENIED;
}

static void
stop_sending (Sender     *self,
              int         code,
              const char *message)
{
  g_autofree char *text = g_strdup_printf ("C08: %s (%d). %s", ttsh_code_message (code), code,
                                           ttsh_code_action (code));
  g_autofree char *code_s = g_strdup_printf ("%d", code);

  if (self->stopped == code)
    return;
  self->stopped = code;
  g_message ("sending stopped: %d %s", code, message ? message : "");
  set_meta (self, TTSH_META_C08_STOPPED, code_s);
  note_error (self, code, message);
  raise_alarm (self, stop_alarm_kind (code), TTSH_ALARM_CRITICAL, text);
  ttsh_c08_client_set_token (self->client, NULL);
  _ttsh_engine_emit_changed (self->engine, "outbox");
}

/* Outbox transitions ----------------------------------------------------------- */

typedef struct {
  gint64  id;
  char   *code;
  gint64  size;
  guint   attempts;
  gint64  created_at;
} Row;

static void
row_clear (Row *r)
{
  g_free (r->code);
}

static gboolean
insert_event (TtshStore   *store,
              gint64       id,
              gint64       at,
              const char  *from,
              const char  *to,
              int          code,
              gboolean     has_code,
              const char  *message,
              const char  *batch,
              GError     **error)
{
  sqlite3_stmt *stmt = ttsh_store_prepare (store,
      "INSERT INTO outbox_event (outbox_id, at, from_state, to_state, code, message, batch_id) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, at);
  sqlite3_bind_text (stmt, 3, from, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, to, -1, SQLITE_STATIC);
  if (has_code)
    sqlite3_bind_int (stmt, 5, code);
  if (message)
    sqlite3_bind_text (stmt, 6, message, -1, SQLITE_STATIC);
  if (batch)
    sqlite3_bind_text (stmt, 7, batch, -1, SQLITE_STATIC);
  return ttsh_store_step_done (store, stmt, error);
}

/* Crash recovery: what was on the wire when we died goes again, same code. */
static gboolean
requeue_inflight_at_start (Sender  *self,
                           GError **error)
{
  sqlite3_stmt *stmt;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 now = ttsh_now_ms ();

  stmt = ttsh_store_prepare (self->store, "SELECT id FROM outbox WHERE state = 'INFLIGHT'", error);
  if (stmt == NULL)
    return FALSE;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (ids, id);
    }
  sqlite3_reset (stmt);
  if (ids->len == 0)
    return TRUE;

  if (!ttsh_store_begin (self->store, error))
    return FALSE;
  stmt = ttsh_store_prepare (self->store,
      "UPDATE outbox SET state = 'PENDING', next_attempt_at = ?2, updated_at = ?2 "
      "WHERE id = ?1 AND state = 'INFLIGHT'", error);
  if (stmt == NULL)
    goto fail;
  for (guint i = 0; i < ids->len; i++)
    {
      gint64 id = g_array_index (ids, gint64, i);
      sqlite3_bind_int64 (stmt, 1, id);
      sqlite3_bind_int64 (stmt, 2, now);
      if (!ttsh_store_step_done (self->store, stmt, error) ||
          !insert_event (self->store, id, now, "INFLIGHT", "PENDING", 0, FALSE,
                         "máy chủ khởi động lại khi đang gửi: gửi lại với cùng mã giao dịch", NULL, error))
        goto fail;
      stmt = ttsh_store_prepare (self->store,
          "UPDATE outbox SET state = 'PENDING', next_attempt_at = ?2, updated_at = ?2 "
          "WHERE id = ?1 AND state = 'INFLIGHT'", error);
      if (stmt == NULL)
        goto fail;
    }
  {
    g_autofree char *detail = g_strdup_printf ("%u records in flight at the last stop are resent", ids->len);
    if (ttsh_journal_append (self->store, ACTOR, TTSH_JOURNAL_RECORD_RESENT, "outbox", detail, error) == 0)
      goto fail;
  }
  if (!ttsh_store_commit (self->store, error))
    return FALSE;
  g_message ("%u in-flight records requeued after restart", ids->len);
  return TRUE;

fail:
  ttsh_store_rollback (self->store);
  return FALSE;
}

/* Picks the due records of @kind that may go now: every unsettled
 * predecessor in their stream is in this same batch, ahead of them. */
static GArray *
select_batch (Sender     *self,
              guint       k,
              GError    **error)
{
  KindState *ks = &self->kinds[k];
  g_autoptr(GArray) rows = g_array_new (FALSE, TRUE, sizeof (Row));
  sqlite3_stmt *stmt;
  gint64 now = ttsh_now_ms ();
  gsize bytes = BODY_OVERHEAD;
  int rc;

  g_array_set_clear_func (rows, (GDestroyNotify) row_clear);
  stmt = ttsh_store_prepare (self->store,
      "SELECT o.id, o.transaction_code, o.payload_size, o.attempts, o.created_at "
      /* Without the hint the planner walks outbox_due and sorts the whole
       * backlog, evaluating the stream check on every row, per batch. */
      "FROM outbox o INDEXED BY outbox_pending_kind "
      "WHERE o.kind = ?1 AND o.state = 'PENDING' AND o.next_attempt_at <= ?2 "
      "AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.stream = o.stream "
      "  AND p.state IN ('PENDING','INFLIGHT') AND p.stream_seq < o.stream_seq "
      "  AND (p.state = 'INFLIGHT' OR p.kind <> ?1 OR p.next_attempt_at > ?2)) "
      /* A candidate's summary follows everything of that candidate queued
       * before it (records C08 rejected do not hold it back). */
      "AND (?1 <> '" TTSH_KIND_TONG_HOP "' OR o.candidate_id IS NULL OR NOT EXISTS ("
      "  SELECT 1 FROM outbox c WHERE c.candidate_id = o.candidate_id AND c.id < o.id "
      "  AND c.kind <> '" TTSH_KIND_TONG_HOP "' AND c.state IN ('PENDING','INFLIGHT'))) "
      "ORDER BY o.id LIMIT ?3", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, kind_names[k], -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, now);
  sqlite3_bind_int (stmt, 3, (int) ks->max_records);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Row r = { 0 };
      gint64 size = sqlite3_column_int64 (stmt, 2);

      /* Stop at the first record that does not fit: a later one could be
       * its successor in a stream. A lone oversized record still goes, so
       * C08's -9 sends it to the error queue instead of blocking forever. */
      if (rows->len > 0 && bytes + (gsize) size + 1 > ks->max_bytes)
        break;
      r.id = sqlite3_column_int64 (stmt, 0);
      r.code = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      r.size = size;
      r.attempts = (guint) sqlite3_column_int (stmt, 3);
      r.created_at = sqlite3_column_int64 (stmt, 4);
      bytes += (gsize) size + 1;
      g_array_append_val (rows, r);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      ttsh_store_set_error (self->store, rc, error);
      return NULL;
    }
  return g_steal_pointer (&rows);
}

static gboolean
mark_inflight (Sender      *self,
               GArray      *rows,
               const char  *batch,
               GError     **error)
{
  gint64 now = ttsh_now_ms ();
  sqlite3_stmt *stmt;

  if (!ttsh_store_begin (self->store, error))
    return FALSE;
  for (guint i = 0; i < rows->len; i++)
    {
      Row *r = &g_array_index (rows, Row, i);

      stmt = ttsh_store_prepare (self->store,
          "UPDATE outbox SET state = 'INFLIGHT', first_sent_at = coalesce(first_sent_at, ?2), "
          "last_sent_at = ?2, updated_at = ?2 WHERE id = ?1 AND state = 'PENDING'", error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_int64 (stmt, 1, r->id);
      sqlite3_bind_int64 (stmt, 2, now);
      if (!ttsh_store_step_done (self->store, stmt, error) ||
          !insert_event (self->store, r->id, now, "PENDING", "INFLIGHT", 0, FALSE, NULL, batch, error))
        goto fail;
    }
  return ttsh_store_commit (self->store, error);

fail:
  ttsh_store_rollback (self->store);
  return FALSE;
}

typedef enum {
  OUTCOME_ACCEPTED,     /* 1, -5 */
  OUTCOME_ERROR,        /* -4, -6, -9 alone, tries exhausted */
  OUTCOME_RETRY,        /* counted try, backoff */
  OUTCOME_REQUEUE,      /* not the record's fault: due again at once or after a pause */
} Outcome;

typedef struct {
  Outcome     outcome;
  int         code;
  const char *message;
  gint64      delay_ms;    /* REQUEUE: when due again */
} Verdict;

/* Applies one verdict per row in one transaction, with events and journal. */
static gboolean
apply_verdicts (Sender      *self,
                GArray      *rows,
                Verdict     *verdicts,
                const char  *batch,
                guint       *n_errors,
                GError     **error)
{
  gint64 now = ttsh_now_ms ();
  sqlite3_stmt *stmt;

  *n_errors = 0;
  if (!ttsh_store_begin (self->store, error))
    return FALSE;
  for (guint i = 0; i < rows->len; i++)
    {
      Row *r = &g_array_index (rows, Row, i);
      Verdict *v = &verdicts[i];
      const char *to;
      g_autofree char *reason = NULL;

      if (v->outcome == OUTCOME_RETRY && r->attempts + 1 >= self->max_tries)
        {
          v->outcome = OUTCOME_ERROR;
          reason = g_strdup_printf ("%d lần thử không thành công; lỗi cuối: %d %s",
                                    r->attempts + 1, v->code, v->message ? v->message : "");
        }

      switch (v->outcome)
        {
        case OUTCOME_ACCEPTED:
          to = "ACCEPTED";
          stmt = ttsh_store_prepare (self->store,
              "UPDATE outbox SET state = 'ACCEPTED', accepted_at = ?2, last_code = ?3, "
              "last_message = ?4, updated_at = ?2 WHERE id = ?1 AND state = 'INFLIGHT'", error);
          break;
        case OUTCOME_ERROR:
          to = "ERROR";
          (*n_errors)++;
          stmt = ttsh_store_prepare (self->store,
              "UPDATE outbox SET state = 'ERROR', errored_at = ?2, last_code = ?3, last_message = ?4, "
              "error_reason = ?5, first_error_at = coalesce(first_error_at, ?2), last_error_at = ?2, "
              "attempts = attempts + ?6, updated_at = ?2 WHERE id = ?1 AND state = 'INFLIGHT'", error);
          break;
        case OUTCOME_RETRY:
          to = "PENDING";
          stmt = ttsh_store_prepare (self->store,
              "UPDATE outbox SET state = 'PENDING', attempts = attempts + 1, next_attempt_at = ?5, "
              "last_code = ?3, last_message = ?4, first_error_at = coalesce(first_error_at, ?2), "
              "last_error_at = ?2, updated_at = ?2 WHERE id = ?1 AND state = 'INFLIGHT'", error);
          break;
        case OUTCOME_REQUEUE:
        default:
          to = "PENDING";
          stmt = ttsh_store_prepare (self->store,
              "UPDATE outbox SET state = 'PENDING', next_attempt_at = ?5, last_code = ?3, "
              "last_message = ?4, updated_at = ?2 WHERE id = ?1 AND state = 'INFLIGHT'", error);
          break;
        }
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_int64 (stmt, 1, r->id);
      sqlite3_bind_int64 (stmt, 2, now);
      sqlite3_bind_int (stmt, 3, v->code);
      if (v->message)
        sqlite3_bind_text (stmt, 4, v->message, -1, SQLITE_STATIC);
      if (v->outcome == OUTCOME_ERROR)
        {
          if (reason == NULL)
            reason = g_strdup_printf ("%d %s — %s", v->code, v->message ? v->message : ttsh_code_message (v->code),
                                      ttsh_code_action (v->code));
          sqlite3_bind_text (stmt, 5, reason, -1, SQLITE_STATIC);
          /* a counted try that ends in the error queue is still a try */
          sqlite3_bind_int (stmt, 6, verdicts[i].code == TTSH_CODE_INTERNAL || verdicts[i].code == TTSH_CODE_GENERAL ? 1 : 0);
        }
      else if (v->outcome == OUTCOME_RETRY)
        sqlite3_bind_int64 (stmt, 5, now + backoff_delay (self, r->attempts + 1));
      else if (v->outcome == OUTCOME_REQUEUE)
        sqlite3_bind_int64 (stmt, 5, now + v->delay_ms);
      if (!ttsh_store_step_done (self->store, stmt, error))
        goto fail;
      if (sqlite3_changes (ttsh_store_db (self->store)) == 0)
        continue;  /* changed under us (operator action): leave it be */
      if (!insert_event (self->store, r->id, now, "INFLIGHT", to, v->code, TRUE,
                         reason ? reason : v->message, batch, error))
        goto fail;
      if (v->outcome == OUTCOME_ACCEPTED)
        {
          g_autofree char *detail = g_strdup_printf ("%s %d", batch, v->code);
          if (ttsh_journal_append (self->store, ACTOR, TTSH_JOURNAL_RECORD_SENT, r->code, detail, error) == 0)
            goto fail;
        }
      else if (v->outcome == OUTCOME_ERROR)
        {
          if (ttsh_journal_append (self->store, ACTOR, TTSH_JOURNAL_RECORD_FAILED, r->code, reason, error) == 0)
            goto fail;
        }
    }
  if (!ttsh_store_commit (self->store, error))
    return FALSE;
  return TRUE;

fail:
  ttsh_store_rollback (self->store);
  return FALSE;
}

/* Sending -------------------------------------------------------------------- */

typedef struct {
  Sender  *sender;
  guint    kind;
  GArray  *rows;
  char    *batch;
} Batch;

static void
batch_free (Batch *b)
{
  g_clear_pointer (&b->rows, g_array_unref);
  g_free (b->batch);
  sender_unref (b->sender);
  g_free (b);
}

static void
append_json_string (GString    *s,
                    const char *value)
{
  g_autoptr(JsonNode) n = json_node_new (JSON_NODE_VALUE);
  g_autofree char *text = NULL;

  json_node_set_string (n, value);
  text = json_to_string (n, FALSE);
  g_string_append (s, text);
}

static GBytes *
build_body (Sender      *self,
            GArray      *rows,
            const char  *batch,
            GError     **error)
{
  g_autofree char *now = ttsh_time_now ();
  GString *s = g_string_sized_new (BODY_OVERHEAD);

  g_string_append (s, "{\"" TTSH_W_MA_TTSH "\":");
  append_json_string (s, self->config->centre_code);
  g_string_append (s, ",\"" TTSH_W_MA_LO "\":");
  append_json_string (s, batch);
  g_string_append (s, ",\"" TTSH_W_THOI_GIAN_GUI "\":");
  append_json_string (s, now);
  g_string_append (s, ",\"" TTSH_W_DANH_SACH "\":[");
  for (guint i = 0; i < rows->len; i++)
    {
      Row *r = &g_array_index (rows, Row, i);
      g_autoptr(GBytes) payload = ttsh_outbox_read_payload (self->store, r->id, error);

      if (payload == NULL)
        {
          g_string_free (s, TRUE);
          return NULL;
        }
      if (i > 0)
        g_string_append_c (s, ',');
      /* The record's exact stored bytes: what C08 keeps is what we sealed. */
      g_string_append_len (s, g_bytes_get_data (payload, NULL), (gssize) g_bytes_get_size (payload));
    }
  g_string_append (s, "]}");
  return g_string_free_to_bytes (s);
}

static void
outage (Sender *self)
{
  self->failures++;
  self->retry_at = ttsh_now_ms () + backoff_delay (self, self->failures);
}

/* Reads GioiHanLo from ThongTinBoSung and lowers this kind's limits. */
static void
apply_limits (Sender       *self,
              guint         k,
              TtshC08Reply *reply)
{
  JsonObject *extra, *lim;
  gint64 n;

  if (reply->extra == NULL || !JSON_NODE_HOLDS_OBJECT (reply->extra))
    return;
  extra = json_node_get_object (reply->extra);
  if (!json_object_has_member (extra, TTSH_W_GIOI_HAN_LO) ||
      !JSON_NODE_HOLDS_OBJECT (json_object_get_member (extra, TTSH_W_GIOI_HAN_LO)))
    return;
  lim = json_object_get_object_member (extra, TTSH_W_GIOI_HAN_LO);
  n = json_object_get_int_member_with_default (lim, TTSH_W_SO_BAN_GHI, 0);
  if (n > 0)
    self->kinds[k].max_records = (guint) MIN ((gint64) self->config->c08_batch_size, n);
  n = json_object_get_int_member_with_default (lim, TTSH_W_KICH_THUOC, 0);
  if (n > BODY_OVERHEAD)
    self->kinds[k].max_bytes = (gsize) MIN (n, MAX_BODY_BYTES);
}

static void
enter_busy (Sender       *self,
            TtshC08Reply *reply)
{
  gint64 now = ttsh_now_ms (), next = 0;

  self->busy = TRUE;
  if (reply && reply->extra && JSON_NODE_HOLDS_OBJECT (reply->extra))
    {
      const char *t = json_object_get_string_member_with_default (
          json_node_get_object (reply->extra), TTSH_W_THOI_DIEM_CAP_NHAT, NULL);
      if (t && ttsh_time_parse (t, &next))
        next -= self->skew_ms;   /* C08's clock to ours */
    }
  if (next <= now)
    next = now + MIN (self->status_interval_ms, backoff_delay (self, 1) + self->backoff_base_ms);
  self->busy_until = next;
  self->next_status_at = next;
  set_meta (self, TTSH_META_C08_STATUS, TTSH_V_BAN);
  set_meta_int (self, TTSH_META_C08_STATUS_NEXT, next);
}

static void
upload_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Batch *b = user_data;
  Sender *self = b->sender;
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshC08Reply) reply = ttsh_c08_client_call_finish (TTSH_C08_CLIENT (source), result, &error);
  g_autofree Verdict *verdicts = NULL;
  g_autoptr(GHashTable) results = NULL;
  KindState *ks;
  guint n = b->rows->len, n_errors = 0;
  int code;

  if (!self->running)
    {
      /* Engine stopping: the rows stay INFLIGHT and go again at next start. */
      batch_free (b);
      return;
    }
  ks = &self->kinds[b->kind];
  ks->inflight--;
  verdicts = g_new0 (Verdict, n);
  code = reply ? reply->code : TTSH_CODE_GENERAL;

  if (reply == NULL || reply->transport_error)
    {
      /* No answer: C08 may or may not have stored them. Resend the same
       * codes after the outage backoff; -5 will settle the doubt. */
      outage (self);
      for (guint i = 0; i < n; i++)
        verdicts[i] = (Verdict) { OUTCOME_REQUEUE, TTSH_CODE_GENERAL,
                                  reply ? reply->message : error->message,
                                  self->retry_at - ttsh_now_ms () };
      note_error (self, TTSH_CODE_GENERAL, reply ? reply->message : error->message);
    }
  else if (code == TTSH_CODE_OK)
    {
      JsonObject *data = reply->data && JSON_NODE_HOLDS_OBJECT (reply->data) ?
                         json_node_get_object (reply->data) : NULL;
      JsonArray *list = data && json_object_has_member (data, TTSH_W_KET_QUA) &&
                        JSON_NODE_HOLDS_ARRAY (json_object_get_member (data, TTSH_W_KET_QUA)) ?
                        json_object_get_array_member (data, TTSH_W_KET_QUA) : NULL;

      self->failures = 0;
      self->minus1_streak = 0;
      apply_limits (self, b->kind, reply);
      results = g_hash_table_new (g_str_hash, g_str_equal);
      for (guint i = 0; list && i < json_array_get_length (list); i++)
        {
          JsonObject *o = json_array_get_object_element (list, i);
          const char *tc = o ? json_object_get_string_member_with_default (o, TTSH_W_TRANSACTION_CODE, NULL) : NULL;
          if (tc)
            g_hash_table_insert (results, (gpointer) tc, o);
        }
      for (guint i = 0; i < n; i++)
        {
          Row *r = &g_array_index (b->rows, Row, i);
          JsonObject *o = g_hash_table_lookup (results, r->code);
          int rc = o ? (int) json_object_get_int_member_with_default (o, TTSH_W_MA_KET_QUA, 0) : TTSH_CODE_GENERAL;
          const char *msg = o ? json_object_get_string_member_with_default (o, TTSH_W_THONG_TIN_XU_LY, NULL)
                              : "C08 không trả kết quả cho bản ghi này";

          switch (rc)
            {
            case TTSH_CODE_OK:
            case TTSH_CODE_DUPLICATE:
              verdicts[i] = (Verdict) { OUTCOME_ACCEPTED, rc, msg, 0 };
              break;
            case TTSH_CODE_INVALID_DATA:
            case TTSH_CODE_NOT_FOUND:
            case TTSH_CODE_TOO_LARGE:
              verdicts[i] = (Verdict) { OUTCOME_ERROR, rc, msg, 0 };
              break;
            case TTSH_CODE_BUSY:
            case TTSH_CODE_TOKEN_INVALID:
            case TTSH_CODE_CLOCK_SKEW:
              verdicts[i] = (Verdict) { OUTCOME_REQUEUE, rc, msg, self->backoff_base_ms };
              break;
            default:
              verdicts[i] = (Verdict) { OUTCOME_RETRY, rc, msg, 0 };
            }
        }
    }
  else
    {
      Outcome outcome = OUTCOME_REQUEUE;
      gint64 delay = 0;

      note_error (self, code, reply->message);
      switch (code)
        {
        case TTSH_CODE_TOKEN_INVALID:
          /* Log in again once and resend the same records at once; a second
           * refusal in a row backs off like an outage. */
          ttsh_c08_client_set_token (self->client, NULL);
          self->token_renew_at = 0;
          if (++self->minus1_streak > 1)
            {
              outage (self);
              delay = self->retry_at - ttsh_now_ms ();
            }
          break;
        case TTSH_CODE_BUSY:
          enter_busy (self, reply);
          break;
        case TTSH_CODE_CLOCK_SKEW:
          self->clock_ok = FALSE;
          self->next_clock_at = ttsh_now_ms () + MIN (self->status_interval_ms, self->clock_interval_ms);
          raise_alarm (self, TTSH_ALARM_CLOCK_SKEW, TTSH_ALARM_CRITICAL,
                 "C08 từ chối dữ liệu vì lệch thời gian (-10): tạm dừng gửi cho đến khi đồng hồ được kiểm tra lại đạt yêu cầu");
          break;
        case TTSH_CODE_TOO_LARGE:
        case TTSH_CODE_INVALID_DATA:
        case TTSH_CODE_NOT_FOUND:
          /* Nothing was taken. Split until one record is left; that one
           * goes to the error queue with the code. */
          apply_limits (self, b->kind, reply);
          if (n > 1)
            ks->max_records = MAX (1, MIN (ks->max_records, n / 2));
          else
            outcome = OUTCOME_ERROR;
          break;
        case TTSH_CODE_ACCOUNT_LOCKED:
        case TTSH_CODE_BAD_CREDENTIALS:
        case TTSH_CODE_IP_DENIED:
          stop_sending (self, code, reply->message);
          break;
        default:  /* 0, -99, HTTP 5xx, anything unknown: a counted try */
          outcome = OUTCOME_RETRY;
          outage (self);
        }
      for (guint i = 0; i < n; i++)
        verdicts[i] = (Verdict) { outcome, code, reply->message, delay };
    }

  if (!apply_verdicts (self, b->rows, verdicts, b->batch, &n_errors, &error))
    {
      /* The rows stay INFLIGHT in the database; a restart resends them.
       * Stop this run's pump for them rather than guess. */
      g_critical ("cannot record the results of batch %s: %s", b->batch, error->message);
    }
  else if (n_errors > 0)
    {
      g_autofree char *msg = g_strdup_printf ("%u bản ghi vào hàng đợi lỗi (lô %s); cần xử lý và gửi lại thủ công",
                                              n_errors, b->batch);
      raise_alarm (self, TTSH_ALARM_ERROR_QUEUE, TTSH_ALARM_WARNING, msg);
    }
  _ttsh_engine_emit_changed (self->engine, "outbox");
  batch_free (b);
  schedule_pump (self);
}

static gboolean
send_batch (Sender  *self,
            guint    k)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) rows = select_batch (self, k, &error);
  g_autoptr(GBytes) body = NULL;
  g_autofree char *batch = NULL;
  Batch *b;

  if (rows == NULL)
    {
      g_warning ("cannot select %s records: %s", kind_names[k], error->message);
      return FALSE;
    }
  if (rows->len == 0)
    return FALSE;
  batch = ttsh_outbox_new_transaction_code (self->config->centre_code, "LO");
  body = build_body (self, rows, batch, &error);
  if (body == NULL || !mark_inflight (self, rows, batch, &error))
    {
      g_warning ("cannot prepare batch %s: %s", batch, error->message);
      outage (self);
      return FALSE;
    }
  b = g_new0 (Batch, 1);
  b->sender = sender_ref (self);
  b->kind = k;
  b->rows = g_steal_pointer (&rows);
  b->batch = g_steal_pointer (&batch);
  self->kinds[k].inflight++;
  ttsh_c08_client_call_async (self->client, "POST", ttsh_kind_endpoint (kind_names[k]), NULL, body, TRUE,
                              self->cancellable, upload_cb, b);
  return TRUE;
}

/* Login, clock, status -------------------------------------------------------- */

static void
login_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Sender *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshC08Reply) reply = ttsh_c08_client_call_finish (TTSH_C08_CLIENT (source), result, &error);

  if (!self->running)
    {
      sender_unref (self);
      return;
    }
  self->login_inflight = FALSE;
  if (reply != NULL && reply->code == TTSH_CODE_OK && reply->data && JSON_NODE_HOLDS_OBJECT (reply->data))
    {
      JsonObject *d = json_node_get_object (reply->data);
      const char *token = json_object_get_string_member_with_default (d, TTSH_W_ACCESS_TOKEN, NULL);
      gint64 exp = 0, lifetime_ms, now = ttsh_now_ms ();
      gint64 expires_local;

      if (token && ttsh_jwt_peek_exp (token, &exp))
        {
          expires_local = exp * 1000 - self->skew_ms;
          lifetime_ms = MAX (1000, expires_local - now);
          ttsh_c08_client_set_token (self->client, token);
          /* Renew at 80% of the lifetime, and at least 30 s early when
           * the token lives long, so a send never starts on a dying token. */
          self->token_renew_at = expires_local - MAX (lifetime_ms / 5, MIN (30000, lifetime_ms / 2));
          set_meta_int (self, TTSH_META_C08_TOKEN_EXPIRES, expires_local);
          g_debug ("logged in; token expires in %" G_GINT64_FORMAT " ms", lifetime_ms);
        }
      else
        {
          note_error (self, TTSH_CODE_GENERAL, "AccessToken thiếu hoặc không có exp");
          outage (self);
        }
    }
  else if (reply != NULL && is_stop_code (reply->code))
    stop_sending (self, reply->code, reply->message);
  else
    {
      if (reply)
        note_error (self, reply->code, reply->message);
      if (reply && reply->code == TTSH_CODE_BUSY)
        enter_busy (self, reply);
      else
        outage (self);
    }
  schedule_pump (self);
  sender_unref (self);
}

static void
start_login (Sender *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *password = ttsh_config_read_c08_password (self->config, &error);
  g_autoptr(JsonBuilder) jb = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  char *text;

  if (password == NULL)
    {
      /* Read on each login, so fixing the file needs no restart. */
      note_error (self, TTSH_CODE_BAD_CREDENTIALS, error->message);
      outage (self);
      return;
    }
  json_builder_begin_object (jb);
  json_builder_set_member_name (jb, TTSH_W_TEN_DANG_NHAP);
  json_builder_add_string_value (jb, self->config->c08_username);
  json_builder_set_member_name (jb, TTSH_W_MAT_KHAU);
  json_builder_add_string_value (jb, password);
  json_builder_end_object (jb);
  root = json_builder_get_root (jb);
  text = json_to_string (root, FALSE);
  self->login_inflight = TRUE;
  {
    g_autoptr(GBytes) body = g_bytes_new_take (text, strlen (text));
    ttsh_c08_client_call_async (self->client, "POST", TTSH_EP_LOGIN, NULL, body, FALSE,
                                self->cancellable, login_cb, sender_ref (self));
  }
}

static void
clock_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Sender *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshC08Reply) reply = ttsh_c08_client_call_finish (TTSH_C08_CLIENT (source), result, &error);
  const char *text = NULL;
  gint64 server_ms, now;

  if (!self->running)
    {
      sender_unref (self);
      return;
    }
  self->clock_inflight = FALSE;
  now = ttsh_now_ms ();
  if (reply && reply->code == TTSH_CODE_OK && reply->data && JSON_NODE_HOLDS_OBJECT (reply->data))
    text = json_object_get_string_member_with_default (json_node_get_object (reply->data),
                                                        TTSH_W_THOI_GIAN_MAY_CHU, NULL);
  if (text && ttsh_time_parse (text, &server_ms))
    {
      /* The server read its clock about halfway through the round trip. */
      gint64 skew = server_ms - (reply->sent_at + reply->received_at) / 2;
      gboolean ok = ABS (skew) <= (gint64) self->config->c08_max_skew * 1000;

      self->skew_ms = skew;
      set_meta_int (self, TTSH_META_C08_CLOCK_SKEW, skew);
      set_meta_int (self, TTSH_META_C08_CLOCK_AT, now);
      if (!ok)
        {
          g_autofree char *msg = g_strdup_printf (
              "Đồng hồ lệch %.1f giây so với C08 (cho phép %u giây): tạm dừng gửi dữ liệu, hãy đồng bộ thời gian",
              skew / 1000.0, self->config->c08_max_skew);
          raise_alarm (self, TTSH_ALARM_CLOCK_SKEW, TTSH_ALARM_CRITICAL, msg);
          self->next_clock_at = now + MIN (self->status_interval_ms, self->clock_interval_ms);
          if (self->clock_ok)
            g_message ("clock skew %" G_GINT64_FORMAT " ms: sending paused", skew);
          self->clock_ok = FALSE;
        }
      else
        {
          /* A -10 while our measured skew looks fine: recheck soon, but
           * resume now; C08 will say -10 again if it still disagrees. */
          if (!self->clock_ok)
            alarm_clear (self, TTSH_ALARM_CLOCK_SKEW);
          self->clock_ok = TRUE;
          self->next_clock_at = now + self->clock_interval_ms;
        }
    }
  else
    {
      if (reply)
        note_error (self, reply->code, reply->message);
      if (reply && is_stop_code (reply->code))
        stop_sending (self, reply->code, reply->message);
      outage (self);
      self->next_clock_at = self->retry_at;
    }
  schedule_pump (self);
  sender_unref (self);
}

static void
status_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Sender *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshC08Reply) reply = ttsh_c08_client_call_finish (TTSH_C08_CLIENT (source), result, &error);
  gint64 now;

  if (!self->running)
    {
      sender_unref (self);
      return;
    }
  self->status_inflight = FALSE;
  now = ttsh_now_ms ();
  if (reply && reply->code == TTSH_CODE_OK && reply->data && JSON_NODE_HOLDS_OBJECT (reply->data))
    {
      JsonObject *d = json_node_get_object (reply->data);
      const char *state = json_object_get_string_member_with_default (d, TTSH_W_TRANG_THAI, "");
      const char *next_s = json_object_get_string_member_with_default (d, TTSH_W_THOI_DIEM_CAP_NHAT, NULL);
      gint64 next = 0;

      if (next_s && ttsh_time_parse (next_s, &next))
        next -= self->skew_ms;
      set_meta_int (self, TTSH_META_C08_STATUS_AT, now);
      if (g_str_equal (state, TTSH_V_BAN))
        {
          self->busy = TRUE;
          self->busy_until = next > now ? next : now + self->status_interval_ms;
          self->next_status_at = self->busy_until;
          set_meta (self, TTSH_META_C08_STATUS, TTSH_V_BAN);
          set_meta_int (self, TTSH_META_C08_STATUS_NEXT, self->busy_until);
        }
      else
        {
          self->busy = FALSE;
          self->busy_until = 0;
          self->next_status_at = now + self->status_interval_ms;
          set_meta (self, TTSH_META_C08_STATUS, TTSH_V_SAN_SANG);
          if (next > 0)
            set_meta_int (self, TTSH_META_C08_STATUS_NEXT, next);
        }
    }
  else if (reply && reply->code == TTSH_CODE_TOKEN_INVALID)
    {
      ttsh_c08_client_set_token (self->client, NULL);
      self->token_renew_at = 0;
      self->next_status_at = now;
    }
  else if (reply && is_stop_code (reply->code))
    stop_sending (self, reply->code, reply->message);
  else
    {
      if (reply && reply->code == TTSH_CODE_BUSY)
        enter_busy (self, reply);
      else
        {
          outage (self);
          self->next_status_at = self->retry_at;
        }
    }
  schedule_pump (self);
  sender_unref (self);
}

static void
check_late (Sender *self)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt;
  gint64 oldest = 0, now = ttsh_now_ms (), n = 0;

  /* The hint keeps this to the late records themselves; the planner would
   * walk every unsent one through outbox_due. */
  stmt = ttsh_store_prepare (self->store,
      "SELECT min(created_at), count(*) FROM outbox INDEXED BY outbox_unsettled_created "
      "WHERE state IN ('PENDING','INFLIGHT') AND created_at <= ?1", &error);
  if (stmt == NULL)
    return;
  sqlite3_bind_int64 (stmt, 1, now - self->late_ms);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    {
      oldest = sqlite3_column_int64 (stmt, 0);
      n = sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_reset (stmt);
  if (n > 0)
    {
      g_autofree char *msg = g_strdup_printf (
          "%" G_GINT64_FORMAT " bản ghi chưa gửi được sau %" G_GINT64_FORMAT " phút "
          "(cũ nhất %" G_GINT64_FORMAT " phút; giới hạn 30 phút theo quy chuẩn)",
          n, self->late_ms / 60000, (now - oldest) / 60000);
      raise_alarm (self, TTSH_ALARM_LATE_RECORD, TTSH_ALARM_CRITICAL, msg);
    }
  else
    alarm_clear (self, TTSH_ALARM_LATE_RECORD);
}

/* The pump ------------------------------------------------------------------- */

static void
pump (Sender *self)
{
  gint64 now = ttsh_now_ms ();

  if (!self->running)
    return;
  if (now >= self->next_late_check)
    {
      self->next_late_check = now + MIN (30000, self->late_ms / 4 + 1);
      check_late (self);
    }
  if (self->stopped != 0)
    {
      /* Lifted elsewhere (another process or an operator tool cleared the
       * meta key)? Then resume; otherwise stay silent towards C08. */
      g_autofree char *v = ttsh_store_meta_get (self->store, TTSH_META_C08_STOPPED);
      if (v != NULL && *v != '\0')
        return;
      g_message ("sending to C08 resumed: stop %d lifted", self->stopped);
      self->stopped = 0;
      self->retry_at = 0;
      self->failures = 0;
    }

  if (now >= self->next_clock_at && !self->clock_inflight)
    {
      self->clock_inflight = TRUE;
      ttsh_c08_client_call_async (self->client, "GET", TTSH_EP_SERVER_TIME, NULL, NULL, FALSE,
                                  self->cancellable, clock_cb, sender_ref (self));
    }
  if (!self->clock_ok || now < self->retry_at)
    return;

  if (ttsh_c08_client_get_token (self->client) == NULL || now >= self->token_renew_at)
    {
      if (!self->login_inflight)
        start_login (self);
      /* A renewal ahead of expiry does not hold back sending. */
      if (ttsh_c08_client_get_token (self->client) == NULL)
        return;
    }

  if (now >= self->next_status_at && !self->status_inflight)
    {
      g_autofree char *centre = g_uri_escape_string (self->config->centre_code, NULL, FALSE);
      g_autofree char *query = g_strconcat (TTSH_W_MA_TTSH "=", centre, NULL);

      self->status_inflight = TRUE;
      self->next_status_at = now + self->status_interval_ms;
      ttsh_c08_client_call_async (self->client, "GET", TTSH_EP_STATUS, query, NULL, TRUE,
                                  self->cancellable, status_cb, sender_ref (self));
    }
  if (self->busy)
    return;

  for (guint k = 0; k < N_KINDS; k++)
    while (self->kinds[k].inflight < self->parallel && send_batch (self, k))
      ;
}

/* Component ------------------------------------------------------------------ */

static gboolean
sender_start (TtshEngine  *engine,
              TtshStore   *store,
              gpointer    *state,
              GError     **error)
{
  Sender *self = g_new0 (Sender, 1);
  g_autofree char *stopped = NULL;

  self->ref_count = 1;
  self->engine = engine;
  self->store = store;
  self->config = ttsh_engine_get_config (engine);
  self->context = ttsh_engine_get_context (engine);   /* owned by the engine */
  self->cancellable = g_cancellable_new ();
  self->client = ttsh_c08_client_new (self->config, error);
  if (self->client == NULL)
    {
      sender_unref (self);
      return FALSE;
    }

  self->poll_ms = (guint) env_ms ("TTSH_SENDER_POLL_MS", 250);
  self->backoff_base_ms = env_ms ("TTSH_SENDER_BACKOFF_BASE_MS", 2000);
  self->backoff_cap_ms = env_ms ("TTSH_SENDER_BACKOFF_CAP_MS", 300000);
  self->max_tries = (guint) env_ms ("TTSH_SENDER_MAX_TRIES", 12);
  self->status_interval_ms = env_ms ("TTSH_SENDER_STATUS_INTERVAL_MS", 60000);
  self->clock_interval_ms = env_ms ("TTSH_SENDER_CLOCK_INTERVAL_MS", 600000);
  self->late_ms = env_ms ("TTSH_SENDER_LATE_MS", TTSH_LATE_ALARM_MS);
  self->parallel = (guint) CLAMP (env_ms ("TTSH_SENDER_PARALLEL", 2), 1, 8);
  for (guint k = 0; k < N_KINDS; k++)
    {
      self->kinds[k].max_records = MAX (1, self->config->c08_batch_size);
      self->kinds[k].max_bytes = MAX_BODY_BYTES;
    }

  if (!requeue_inflight_at_start (self, error))
    {
      sender_unref (self);
      return FALSE;
    }
  /* A stop for -2/-3/-7 survives restarts: only the operator lifts it. */
  stopped = ttsh_store_meta_get (store, TTSH_META_C08_STOPPED);
  if (stopped && *stopped)
    self->stopped = (int) g_ascii_strtoll (stopped, NULL, 10);
  set_meta (self, TTSH_META_C08_STATUS, "UNKNOWN");

  self->running = TRUE;
  if (sender_quark == 0)
    sender_quark = g_quark_from_static_string ("ttsh-sender");
  g_object_set_qdata (G_OBJECT (engine), sender_quark, self);

  self->timer = g_timeout_source_new (self->poll_ms);
  g_source_set_callback (self->timer, timer_cb, self, NULL);
  g_source_attach (self->timer, self->context);
  schedule_pump (self);
  *state = self;
  return TRUE;
}

static void
sender_stop (TtshEngine *engine,
             gpointer    state)
{
  Sender *self = state;

  self->running = FALSE;
  g_object_set_qdata (G_OBJECT (engine), sender_quark, NULL);
  if (self->timer)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
  if (self->wake)
    {
      g_source_destroy (self->wake);
      g_clear_pointer (&self->wake, g_source_unref);
    }
  g_cancellable_cancel (self->cancellable);
  ttsh_c08_client_abort (self->client);
  self->store = NULL;
  sender_unref (self);
}

const TtshEngineComponent ttsh_sender_component = {
  .name = "sender",
  .start = sender_start,
  .stop = sender_stop,
  .skip_if = TTSH_ENGINE_NO_SENDER,
};

void
ttsh_sender_wake (TtshEngine *engine)
{
  Sender *self = sender_quark ? g_object_get_qdata (G_OBJECT (engine), sender_quark) : NULL;

  if (self != NULL)
    schedule_pump (self);
}

gboolean
ttsh_sender_clear_stop (TtshStore   *store,
                        const char  *operator_name,
                        gboolean    *was_stopped,
                        GError     **error)
{
  g_autofree char *was = ttsh_store_meta_get (store, TTSH_META_C08_STOPPED);
  g_autofree char *detail = NULL;

  if (was_stopped)
    *was_stopped = was != NULL && *was != '\0';
  if (was == NULL || *was == '\0')
    return TRUE;
  detail = g_strdup_printf ("sending to C08 resumed after stop %s", was);
  if (!ttsh_store_begin (store, error))
    return FALSE;
  if (!ttsh_store_meta_set (store, TTSH_META_C08_STOPPED, "", error) ||
      ttsh_journal_append (store, operator_name ? operator_name : ACTOR, TTSH_JOURNAL_CONFIG_CHANGED,
                           TTSH_META_C08_STOPPED, detail, error) == 0 ||
      !ttsh_store_commit (store, error))
    {
      ttsh_store_rollback (store);
      return FALSE;
    }
  for (const char **k = (const char *[]) { TTSH_ALARM_C08_LOCKED, TTSH_ALARM_C08_CREDENTIALS,
                                           TTSH_ALARM_C08_IP_DENIED, NULL }; *k; k++)
    ttsh_alarm_clear (store, *k, NULL, NULL);
  return TRUE;
}

gboolean
ttsh_sender_resume (TtshEngine  *engine,
                    const char  *operator_name,
                    GError     **error)
{
  Sender *self = sender_quark ? g_object_get_qdata (G_OBJECT (engine), sender_quark) : NULL;
  gboolean was_stopped = FALSE;

  if (!ttsh_sender_clear_stop (_ttsh_engine_get_store (engine), operator_name, &was_stopped, error))
    return FALSE;
  if (!was_stopped)
    return TRUE;
  if (self != NULL)
    {
      self->stopped = 0;
      self->retry_at = 0;
      self->failures = 0;
      schedule_pump (self);
    }
  _ttsh_engine_emit_changed (engine, "outbox");
  return TRUE;
}
