/* ttsh-server.c — HTTPS endpoint of the TTSH API (contract §5).
 *
 * Runs on the engine thread. libsoup 3.2 enforces neither body limits nor
 * timeouts on a server, so both are done here per message; every request is
 * logged in inbound_request and answered with the contract's envelope. */
#define G_LOG_DOMAIN "ttsh-server"
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libsoup/soup.h>

#include "ttsh-alarm.h"
#include "ttsh-clients.h"
#include "ttsh-ingest.h"
#include "ttsh-journal.h"
#include "ttsh-jwt.h"
#include "ttsh-sender.h"
#include "ttsh-server.h"
#include "ttsh-status.h"
#include "ttsh-validate.h"
#include "ttsh-wire.h"

#define LOG_FLUSH_MS      500
#define LOG_FLUSH_ROWS    256
#define LOG_RIDE_MS       250
#define LOG_RIDE_ROWS     64
#define SYNC_WINDOW_MS    25
#define SYNC_GROUP_MAX    64
#define META_INTERVAL_S   30
#define MIN_PASSWORD_LEN  10

typedef struct {
  gint64  at;
  gint64  client_id;
  char   *remote;
  char   *method;
  char   *path;
  guint   http_status;
  int     code;
  guint   records;
  guint   accepted;
  gsize   bytes;
  gint64  duration_us;
  char   *message;
} LogRow;

typedef struct {
  double  tokens;
  gint64  last_us;
} Bucket;

/* A token whose signature and times were checked once: a client sends the
 * same token with every record, and verifying it (HMAC, two JSON parses)
 * cost more than the rest of a GPS upload's handling. Keyed by the token's
 * SHA-256, so a lookup never compares attacker-chosen text with a valid
 * token byte by byte. Revocation and locks are still read per request. */
typedef struct {
  guint8  digest[32];
  gint64  exp;
  char   *jti;
  char   *sub;
  /* The account found for the token, valid while neither this store's
   * accounts epoch nor the database's data version moved. */
  gboolean checked;
  guint64  epoch;
  gint64   data_version;
  gint64   client_id;
  char    *name;
  char    *role;
} VerifiedToken;

#define VERIFIED_MAX 4096

static void
verified_free (VerifiedToken *v)
{
  g_free (v->jti);
  g_free (v->sub);
  g_free (v->name);
  g_free (v->role);
  g_free (v);
}

static guint
digest_hash (gconstpointer key)
{
  guint h;

  memcpy (&h, key, sizeof h);
  return h;
}

static gboolean
digest_equal (gconstpointer a,
              gconstpointer b)
{
  return memcmp (a, b, 32) == 0;
}

typedef struct {
  TtshEngine       *engine;
  TtshStore        *store;
  const TtshConfig *config;
  SoupServer       *soup;
  GHashTable       *buckets;        /* "c:<id>" | "ip:<addr>" -> Bucket */
  GHashTable       *verified;       /* SHA-256 of a token -> VerifiedToken */
  GPtrArray        *log;            /* LogRow*, flushed in one transaction */
  guint             flush_id;
  guint             meta_id;
  guint             read_timeout_ms;
  double            rate;
  double            burst;
  char             *dummy_hash;     /* verified for unknown users: same timing */
  gint64            last_store_error_ms;
  guint             log_in_txn;     /* rows written in the open transaction */
  GPtrArray        *awaiting;       /* Awaiting*: committed, answered once synced */
  guint             sync_id;
  gint64            last_upload_us;
  gint64            upload_gap_us;  /* smoothed time between uploads */
  GCancellable     *cancellable;
} Server;

/* An upload committed but not yet synced, its answer held back. */
typedef struct {
  SoupServerMessage *msg;
  TtshIngestReply    reply;
  gboolean           gone;    /* the client disconnected meanwhile */
} Awaiting;

/* Per message: size and time limits, and what to log. */
typedef struct {
  Server            *server;
  SoupServerMessage *msg;           /* not a ref: this struct lives on it */
  gint64             started_us;
  gsize              bytes;
  gsize              limit;
  GSource           *timeout;
  gint64             client_id;
  gboolean           got_body;
  gboolean           responded;
  gboolean           finished;
} Req;

typedef struct {
  gint64  id;
  char   *name;
  char   *role;
  char   *jti;
} Client;

static void
client_clear (Client *c)
{
  g_clear_pointer (&c->name, g_free);
  g_clear_pointer (&c->role, g_free);
  g_clear_pointer (&c->jti, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Client, client_clear)

static void
log_row_free (LogRow *r)
{
  g_free (r->remote);
  g_free (r->method);
  g_free (r->path);
  g_free (r->message);
  g_free (r);
}

void
ttsh_tls_harden (void)
{
  /* glib-networking 2.74 reads this once, at its first TLS connection; its
   * default (system NORMAL + %COMPAT) still negotiates TLS 1.0 and 1.1. */
  static const char priority[] = "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2";

  if (g_strcmp0 (g_getenv ("G_TLS_GNUTLS_PRIORITY"), priority) != 0)
    g_setenv ("G_TLS_GNUTLS_PRIORITY", priority, TRUE);
}

/* Timers belong to the engine's context, not the process default one. */
static guint
attach_source (GSource     *source,
               GSourceFunc  func,
               gpointer     data,
               const char  *name)
{
  guint id;

  g_source_set_callback (source, func, data, NULL);
  g_source_set_static_name (source, name);
  id = g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
  return id;
}

static guint
add_timeout (guint       ms,
             GSourceFunc func,
             gpointer    data)
{
  return attach_source (g_timeout_source_new (ms), func, data, "[ttsh] server timer");
}

/* Runs once nothing of higher priority, such as a request already
 * received, is ready. */
static guint
add_idle (GSourceFunc func,
          gpointer    data)
{
  return attach_source (g_idle_source_new (), func, data, "[ttsh] server idle");
}

static void
remove_timeout (guint *id)
{
  if (*id != 0)
    {
      GSource *source = g_main_context_find_source_by_id (g_main_context_get_thread_default (), *id);
      if (source)
        g_source_destroy (source);
      *id = 0;
    }
}

/* Request log ---------------------------------------------------------------- */

/* Inserts the pending rows in the caller's transaction; the caller drops
 * them from memory once that transaction committed. */
static gboolean
write_log_rows (TtshStore *store,
                gpointer   data,
                GError   **error)
{
  Server *s = data;

  s->log_in_txn = 0;
  for (guint i = 0; i < s->log->len; i++)
    {
      LogRow *r = g_ptr_array_index (s->log, i);
      sqlite3_stmt *stmt = ttsh_store_prepare (store,
          "INSERT INTO inbound_request (at, client_id, remote, method, path, http_status, result_code, "
          "records, accepted, bytes, duration_us, message) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, r->at);
      if (r->client_id > 0)
        sqlite3_bind_int64 (stmt, 2, r->client_id);
      sqlite3_bind_text (stmt, 3, r->remote, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 4, r->method, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 5, r->path, -1, SQLITE_STATIC);
      sqlite3_bind_int (stmt, 6, (int) r->http_status);
      sqlite3_bind_int (stmt, 7, r->code);
      sqlite3_bind_int (stmt, 8, (int) r->records);
      sqlite3_bind_int (stmt, 9, (int) r->accepted);
      sqlite3_bind_int64 (stmt, 10, (gint64) r->bytes);
      sqlite3_bind_int64 (stmt, 11, r->duration_us);
      sqlite3_bind_text (stmt, 12, r->message, -1, SQLITE_STATIC);
      if (!ttsh_store_step_done (store, stmt, error))
        return FALSE;
    }
  s->log_in_txn = s->log->len;
  return TRUE;
}

/* Pending rows ride along with an upload's transaction once they are a
 * quarter of a second old or many: a steady stream of uploads then writes
 * the log's pages a few times a second instead of with every upload. When
 * nothing else commits, the timer still writes them within LOG_FLUSH_MS. */
static gboolean
log_due (Server *s)
{
  LogRow *first;

  if (s->log->len == 0)
    return FALSE;
  if (s->log->len >= LOG_RIDE_ROWS)
    return TRUE;
  first = g_ptr_array_index (s->log, 0);
  return ttsh_now_ms () - first->at >= LOG_RIDE_MS;
}

static void
log_committed (Server *s)
{
  if (s->log_in_txn == 0)
    return;
  g_ptr_array_remove_range (s->log, 0, s->log_in_txn);
  s->log_in_txn = 0;
  _ttsh_engine_emit_changed (s->engine, "inbound");
}

static gboolean
flush_log (gpointer data)
{
  Server *s = data;
  g_autoptr(GError) error = NULL;

  s->flush_id = 0;
  if (s->log->len == 0)
    return G_SOURCE_REMOVE;
  if (!ttsh_store_begin (s->store, &error) || !write_log_rows (s->store, s, &error) ||
      !ttsh_store_commit (s->store, &error))
    goto fail;
  log_committed (s);
  return G_SOURCE_REMOVE;

fail:
  ttsh_store_rollback (s->store);
  s->log_in_txn = 0;
  g_warning ("request log: %s", error ? error->message : "?");
  /* Keep the rows for the next attempt, but never grow without bound. */
  if (s->log->len > 100000)
    g_ptr_array_set_size (s->log, 0);
  return G_SOURCE_REMOVE;
}

static void
log_request (Server            *s,
             SoupServerMessage *msg,
             Req               *req,
             guint              http_status,
             int                code,
             guint              records,
             guint              accepted,
             const char        *message)
{
  LogRow *r = g_new0 (LogRow, 1);
  GUri *uri = soup_server_message_get_uri (msg);

  r->at = ttsh_now_ms ();
  r->client_id = req ? req->client_id : 0;
  r->remote = g_strdup (soup_server_message_get_remote_host (msg));
  r->method = g_strdup (soup_server_message_get_method (msg) ? soup_server_message_get_method (msg) : "?");
  r->path = g_strdup (uri ? g_uri_get_path (uri) : "?");
  r->http_status = http_status;
  r->code = code;
  r->records = records;
  r->accepted = accepted;
  r->bytes = req ? req->bytes : 0;
  r->duration_us = req ? g_get_monotonic_time () - req->started_us : 0;
  r->message = g_strdup (message);
  g_ptr_array_add (s->log, r);
  if (s->log->len >= LOG_FLUSH_ROWS)
    {
      remove_timeout (&s->flush_id);
      flush_log (s);
    }
  else if (s->flush_id == 0)
    s->flush_id = add_timeout (LOG_FLUSH_MS, flush_log, s);
}

/* Responses ------------------------------------------------------------------ */

/* ThongTinBoSung of a -9 answer: the limits a client should split to. */
static JsonNode *
limits_node (gsize max_bytes)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, TTSH_W_GIOI_HAN_LO);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, TTSH_W_SO_BAN_GHI);
  json_builder_add_int_value (b, TTSH_BATCH_MAX_RECORDS);
  json_builder_set_member_name (b, TTSH_W_KICH_THUOC);
  json_builder_add_int_value (b, (gint64) max_bytes);
  json_builder_end_object (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
respond (Server            *s,
         SoupServerMessage *msg,
         guint              http_status,
         int                code,
         const char        *message,
         JsonNode          *data,      /* taken */
         const char        *detail,
         guint              records,
         guint              accepted)
{
  Req *req = g_object_get_data (G_OBJECT (msg), "ttsh-req");
  JsonNode *extra = code == TTSH_CODE_TOO_LARGE ? limits_node (req ? req->limit : TTSH_BODY_MAX_BYTES) : NULL;
  g_autoptr(JsonNode) env = ttsh_envelope_new (code, message, data, extra, detail);
  gsize len = 0;
  char *body = ttsh_envelope_to_string (env, &len);

  soup_server_message_set_status (msg, http_status, NULL);
  soup_server_message_set_response (msg, "application/json; charset=utf-8", SOUP_MEMORY_TAKE, body, len);
  if (req)
    req->responded = TRUE;
  log_request (s, msg, req, http_status, code, records, accepted,
               detail ? detail : message ? message : ttsh_code_message (code));
}

static void
respond_error (Server            *s,
               SoupServerMessage *msg,
               int                code,
               const char        *detail)
{
  guint http = SOUP_STATUS_OK;

  if (code == TTSH_CODE_TOKEN_INVALID)
    http = SOUP_STATUS_UNAUTHORIZED;
  else if (code == TTSH_CODE_BUSY)
    {
      http = 429;
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", "1");
    }
  else if (code == TTSH_CODE_INTERNAL)
    http = SOUP_STATUS_INTERNAL_SERVER_ERROR;
  respond (s, msg, http, code, NULL, NULL, detail, 0, 0);
}

/* Limits: body size, time, rate ------------------------------------------------ */

static void
drop_connection (SoupServerMessage *msg)
{
  GSocket *sock = soup_server_message_get_socket (msg);

  /* Stops libsoup reading more: its next read fails and it closes. */
  if (sock)
    g_socket_shutdown (sock, TRUE, TRUE, NULL);
}

static gboolean
req_timed_out (gpointer data)
{
  Req *req = data;

  g_clear_pointer (&req->timeout, g_source_unref);
  if (req->finished)
    return G_SOURCE_REMOVE;
  if (req->got_body)
    {
      /* The answer was not taken in time: a client that does not read
       * must not hold a connection and its response for ever. */
      drop_connection (req->msg);
      return G_SOURCE_REMOVE;
    }
  if (soup_server_message_get_method (req->msg) != NULL)
    log_request (req->server, req->msg, req, SOUP_STATUS_REQUEST_TIMEOUT, TTSH_CODE_BUSY, 0, 0,
                 "Hết thời gian chờ nhận yêu cầu; đóng kết nối");
  drop_connection (req->msg);
  return G_SOURCE_REMOVE;
}

static void
req_free (Req *req)
{
  if (req->timeout)
    {
      g_source_destroy (req->timeout);
      g_source_unref (req->timeout);
    }
  g_free (req);
}

static gsize
body_limit_for (SoupServerMessage *msg)
{
  GUri *uri = soup_server_message_get_uri (msg);
  const char *path = uri ? g_uri_get_path (uri) : "";

  if (g_str_equal (path, TTSH_API_EXAM_SESSIONS))
    return TTSH_SERVER_SESSION_BODY_MAX;
  return TTSH_BODY_MAX_BYTES;
}

static void
refuse_too_large (Req *req)
{
  g_autofree char *detail = g_strdup_printf ("Nội dung yêu cầu vượt quá %" G_GSIZE_FORMAT " byte", req->limit);

  respond (req->server, req->msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, TTSH_CODE_TOO_LARGE, NULL, NULL,
           detail, 0, 0);
  soup_message_headers_replace (soup_server_message_get_response_headers (req->msg), "Connection", "close");
}

static void
got_headers (SoupServerMessage *msg,
             Req               *req)
{
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);
  goffset declared = soup_message_headers_get_content_length (h);

  req->limit = body_limit_for (msg);
  /* We keep our own count; libsoup accumulates the body for the handler. */
  if (soup_message_headers_get_encoding (h) == SOUP_ENCODING_CONTENT_LENGTH &&
      declared > (goffset) req->limit)
    {
      req->bytes = (gsize) declared;
      refuse_too_large (req);
    }
}

static void
got_chunk (SoupServerMessage *msg,
           GBytes            *chunk,
           Req               *req)
{
  req->bytes += g_bytes_get_size (chunk);
  if (req->bytes > req->limit && !req->responded)
    {
      log_request (req->server, msg, req, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, TTSH_CODE_TOO_LARGE, 0, 0,
                   "Nội dung yêu cầu (chunked) vượt giới hạn; đóng kết nối");
      req->responded = TRUE;
      drop_connection (msg);
    }
}

static void
start_timer (Req   *req,
             guint  ms)
{
  if (req->timeout)
    {
      g_source_destroy (req->timeout);
      g_clear_pointer (&req->timeout, g_source_unref);
    }
  req->timeout = g_timeout_source_new (ms);
  g_source_set_callback (req->timeout, req_timed_out, req, NULL);
  g_source_set_static_name (req->timeout, "[ttsh] request timeout");
  g_source_attach (req->timeout, g_main_context_get_thread_default ());
}

static void
got_body (SoupServerMessage *msg,
          Req               *req)
{
  req->got_body = TRUE;
  /* From here the clock runs for writing the answer (login may wait for
   * its worker thread: a generous multiple). */
  start_timer (req, req->server->read_timeout_ms * 4);
}

static void
msg_finished (SoupServerMessage *msg,
              Req               *req)
{
  req->finished = TRUE;
  if (req->timeout)
    {
      g_source_destroy (req->timeout);
      g_clear_pointer (&req->timeout, g_source_unref);
    }
}

static void
request_started (SoupServer        *soup,
                 SoupServerMessage *msg,
                 Server            *s)
{
  Req *req = g_new0 (Req, 1);

  req->server = s;
  req->msg = msg;
  req->started_us = g_get_monotonic_time ();
  req->limit = TTSH_BODY_MAX_BYTES;
  start_timer (req, s->read_timeout_ms);
  g_object_set_data_full (G_OBJECT (msg), "ttsh-req", req, (GDestroyNotify) req_free);
  g_signal_connect (msg, "got-headers", G_CALLBACK (got_headers), req);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (got_chunk), req);
  g_signal_connect (msg, "got-body", G_CALLBACK (got_body), req);
  g_signal_connect (msg, "finished", G_CALLBACK (msg_finished), req);
}

static gboolean
rate_allows (Server     *s,
             const char *key)
{
  Bucket *b = g_hash_table_lookup (s->buckets, key);
  gint64 now = g_get_monotonic_time ();

  if (b == NULL)
    {
      b = g_new0 (Bucket, 1);
      b->tokens = s->burst;
      b->last_us = now;
      g_hash_table_insert (s->buckets, g_strdup (key), b);
    }
  b->tokens = MIN (s->burst, b->tokens + (now - b->last_us) / 1e6 * s->rate);
  b->last_us = now;
  if (b->tokens < 1.0)
    return FALSE;
  b->tokens -= 1.0;
  return TRUE;
}

/* Authentication ---------------------------------------------------------------- */

/* Reads the account behind a verified token: not revoked, not locked. */
static int
check_account (Server        *s,
               VerifiedToken *v,
               char         **detail)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt = ttsh_store_prepare (s->store,
      "SELECT c.id, c.name, c.role, c.locked_at, c.disabled, t.revoked_at "
      "FROM api_token t JOIN api_client c ON c.id = t.client_id WHERE t.jti = ?1", &error);
  int code = TTSH_CODE_OK;

  if (stmt == NULL)
    {
      *detail = g_strdup (error->message);
      return TTSH_CODE_INTERNAL;
    }
  sqlite3_bind_text (stmt, 1, v->jti, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) != SQLITE_ROW ||
      g_strcmp0 ((const char *) sqlite3_column_text (stmt, 1), v->sub) != 0)
    {
      *detail = g_strdup ("Token không do TTSH cấp hoặc không còn hiệu lực");
      code = TTSH_CODE_TOKEN_INVALID;
    }
  else if (sqlite3_column_type (stmt, 5) != SQLITE_NULL)
    {
      *detail = g_strdup ("Token đã bị thu hồi (đã đăng xuất); đăng nhập lại");
      code = TTSH_CODE_TOKEN_INVALID;
    }
  else if (sqlite3_column_type (stmt, 3) != SQLITE_NULL || sqlite3_column_int (stmt, 4) != 0)
    {
      *detail = g_strdup ("Tài khoản đã bị khóa; liên hệ quản trị viên TTSH");
      code = TTSH_CODE_ACCOUNT_LOCKED;
    }
  else
    {
      v->client_id = sqlite3_column_int64 (stmt, 0);
      g_free (v->name);
      v->name = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      g_free (v->role);
      v->role = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
    }
  sqlite3_reset (stmt);
  return code;
}

static int
authenticate (Server            *s,
              SoupServerMessage *msg,
              Client            *c,
              char             **detail)
{
  const char *auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                   "Authorization");
  const guint8 *key = ttsh_keyring_key (ttsh_store_keys (s->store), TTSH_KEY_TOKEN);
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  guint8 digest[32];
  VerifiedToken *v;
  guint64 epoch;
  gint64 version;
  int code;

  if (auth == NULL || g_ascii_strncasecmp (auth, "Bearer ", 7) != 0)
    {
      *detail = g_strdup ("Thiếu tiêu đề Authorization: Bearer <token>");
      return TTSH_CODE_TOKEN_INVALID;
    }
  ttsh_sha256 (auth + 7, strlen (auth + 7), digest);
  v = g_hash_table_lookup (s->verified, digest);
  if (v != NULL && now >= v->exp + TTSH_JWT_LEEWAY_S)
    {
      g_hash_table_remove (s->verified, digest);
      v = NULL;
    }
  if (v == NULL)
    {
      g_autoptr(JsonObject) claims = ttsh_jwt_verify (key, TTSH_KEY_LEN, auth + 7, now, &error);

      if (claims == NULL)
        {
          *detail = g_strdup (error->message);
          return TTSH_CODE_TOKEN_INVALID;
        }
      if (g_hash_table_size (s->verified) >= VERIFIED_MAX)
        g_hash_table_remove_all (s->verified);
      v = g_new0 (VerifiedToken, 1);
      memcpy (v->digest, digest, sizeof digest);
      v->exp = json_object_get_int_member_with_default (claims, "exp", 0);
      v->jti = g_strdup (json_object_get_string_member_with_default (claims, "jti", ""));
      v->sub = g_strdup (json_object_get_string_member_with_default (claims, "sub", ""));
      g_hash_table_insert (s->verified, v->digest, v);
    }
  /* Revocation, a lock or a disabled account must take effect on the next
   * request: the account is read again whenever anything wrote the
   * accounts here (the epoch) or another connection committed (the data
   * version, e.g. `ttsh-engine client` on the same database). */
  epoch = ttsh_store_accounts_epoch (s->store);
  version = ttsh_store_data_version (s->store);
  if (!v->checked || v->epoch != epoch || v->data_version != version)
    {
      code = check_account (s, v, detail);
      if (code != TTSH_CODE_OK)
        return code;
      v->checked = TRUE;
      v->epoch = epoch;
      v->data_version = version;
    }
  c->id = v->client_id;
  c->name = g_strdup (v->name);
  c->role = g_strdup (v->role);
  c->jti = g_strdup (v->jti);
  return TTSH_CODE_OK;
}

/* Login and password change: PBKDF2 runs in a worker thread --------------------- */

typedef enum { OP_LOGIN, OP_CHANGE_PASSWORD } AuthOp;

typedef struct {
  Server            *server;
  GCancellable      *cancellable;   /* ref: the server may be gone on completion */
  SoupServerMessage *msg;
  AuthOp             op;
  gint64             client_id;     /* 0: unknown account */
  char              *name;
  char              *role;
  char              *password;
  char              *new_password;
  char              *stored_hash;
  char              *new_hash;      /* computed in the worker */
  gboolean           ok;
} AuthJob;

static void
auth_job_free (AuthJob *j)
{
  g_object_unref (j->msg);
  g_clear_object (&j->cancellable);
  g_free (j->name);
  g_free (j->role);
  if (j->password)
    explicit_bzero (j->password, strlen (j->password));
  if (j->new_password)
    explicit_bzero (j->new_password, strlen (j->new_password));
  g_free (j->password);
  g_free (j->new_password);
  g_free (j->stored_hash);
  g_free (j->new_hash);
  g_free (j);
}

static void
auth_worker (GTask        *task,
             gpointer      source,
             gpointer      data,
             GCancellable *cancellable)
{
  AuthJob *j = data;

  j->ok = ttsh_password_verify (j->password, j->stored_hash) && j->client_id > 0;
  if (j->ok && j->op == OP_CHANGE_PASSWORD)
    j->new_hash = ttsh_password_hash (j->new_password);
  g_task_return_boolean (task, TRUE);
}

static void
record_failed_login (Server  *s,
                     AuthJob *j,
                     int     *code,
                     char   **detail)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt;
  gint64 failed = 0;

  *code = TTSH_CODE_BAD_CREDENTIALS;
  *detail = g_strdup ("Sai tên đăng nhập hoặc mật khẩu");
  if (!ttsh_store_begin (s->store, &error))
    goto fail;
  if (j->client_id > 0)
    {
      stmt = ttsh_store_prepare (s->store,
          "UPDATE api_client SET failed_logins = failed_logins + 1 WHERE id = ?1 RETURNING failed_logins", &error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_int64 (stmt, 1, j->client_id);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        failed = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
      if (failed >= TTSH_SERVER_MAX_FAILED_LOGINS)
        {
          g_autofree char *m = g_strdup_printf (
              "Tài khoản API %s bị khóa sau %" G_GINT64_FORMAT " lần đăng nhập sai", j->name, failed);
          stmt = ttsh_store_prepare (s->store,
              "UPDATE api_client SET locked_at = ?2 WHERE id = ?1 AND locked_at IS NULL", &error);
          if (stmt == NULL)
            goto fail;
          sqlite3_bind_int64 (stmt, 1, j->client_id);
          sqlite3_bind_int64 (stmt, 2, ttsh_now_ms ());
          if (!ttsh_store_step_done (s->store, stmt, &error))
            goto fail;
          if (ttsh_alarm_raise (s->store, TTSH_ALARM_CLIENT_LOCKED, TTSH_ALARM_CRITICAL, j->name, m,
                                NULL, &error) == 0)
            goto fail;
          *code = TTSH_CODE_ACCOUNT_LOCKED;
          g_free (*detail);
          *detail = g_steal_pointer (&m);
        }
    }
  {
    g_autofree char *d = g_strdup_printf ("%s failed=%" G_GINT64_FORMAT, j->op == OP_LOGIN ? "login" : "change-password", failed);
    if (ttsh_journal_append (s->store, j->name, TTSH_JOURNAL_LOGIN_FAILED, j->name, d, &error) == 0)
      goto fail;
  }
  if (ttsh_store_commit (s->store, &error))
    {
      if (*code == TTSH_CODE_ACCOUNT_LOCKED)
        _ttsh_engine_emit_changed (s->engine, "alarm");
      return;
    }
fail:
  ttsh_store_rollback (s->store);
  g_warning ("failed login bookkeeping: %s", error ? error->message : "?");
}

static JsonNode *
issue_token (Server   *s,
             AuthJob  *j,
             GError  **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  guint8 rnd[16];
  g_autofree char *jti = NULL;
  g_autofree char *token = NULL;
  g_autofree char *expires = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 exp = now + s->config->server_token_lifetime;
  sqlite3_stmt *stmt;

  if (!ttsh_random_bytes (rnd, sizeof rnd))
    {
      g_set_error_literal (error, TTSH_CRYPTO_ERROR, TTSH_CRYPTO_ERROR_FAILED, "RAND_bytes");
      return NULL;
    }
  jti = ttsh_hex_encode (rnd, sizeof rnd);
  token = ttsh_jwt_sign (ttsh_keyring_key (ttsh_store_keys (s->store), TTSH_KEY_TOKEN), TTSH_KEY_LEN,
                         j->name, j->role, jti, now, exp);
  if (!ttsh_store_begin (s->store, error))
    return NULL;
  stmt = ttsh_store_prepare (s->store,
      "INSERT INTO api_token (jti, client_id, issued_at, expires_at) VALUES (?1, ?2, ?3, ?4)", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, jti, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, j->client_id);
  sqlite3_bind_int64 (stmt, 3, now * 1000);
  sqlite3_bind_int64 (stmt, 4, exp * 1000);
  if (!ttsh_store_step_done (s->store, stmt, error))
    goto fail;
  stmt = ttsh_store_prepare (s->store,
      "UPDATE api_client SET failed_logins = 0, last_login_at = ?2 WHERE id = ?1", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, j->client_id);
  sqlite3_bind_int64 (stmt, 2, now * 1000);
  if (!ttsh_store_step_done (s->store, stmt, error))
    goto fail;
  /* Old tokens of this client that expired are of no use: keep the table small. */
  stmt = ttsh_store_prepare (s->store,
      "DELETE FROM api_token WHERE client_id = ?1 AND expires_at < ?2", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, j->client_id);
  sqlite3_bind_int64 (stmt, 2, (now - 86400) * 1000);
  if (!ttsh_store_step_done (s->store, stmt, error))
    goto fail;
  if (ttsh_journal_append (s->store, j->name, TTSH_JOURNAL_LOGIN, j->name, j->role, error) == 0)
    goto fail;
  if (!ttsh_store_commit (s->store, error))
    goto fail;

  expires = ttsh_time_format_ms (exp * 1000);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, TTSH_W_ACCESS_TOKEN);
  json_builder_add_string_value (b, token);
  json_builder_set_member_name (b, TTSH_W_TOKEN_TYPE);
  json_builder_add_string_value (b, "Bearer");
  json_builder_set_member_name (b, TTSH_W_EXPIRES_IN);
  json_builder_add_int_value (b, exp - now);
  json_builder_set_member_name (b, TTSH_W_EXPIRES_AT);
  json_builder_add_string_value (b, expires);
  json_builder_end_object (b);
  return json_builder_get_root (b);

fail:
  ttsh_store_rollback (s->store);
  return NULL;
}

static gboolean
change_password (Server   *s,
                 AuthJob  *j,
                 GError  **error)
{
  sqlite3_stmt *stmt;

  if (!ttsh_store_begin (s->store, error))
    return FALSE;
  stmt = ttsh_store_prepare (s->store,
      "UPDATE api_client SET pw_hash = ?2, failed_logins = 0 WHERE id = ?1", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, j->client_id);
  sqlite3_bind_text (stmt, 2, j->new_hash, -1, SQLITE_STATIC);
  if (!ttsh_store_step_done (s->store, stmt, error))
    goto fail;
  /* Every session of the account ends with its old password. */
  stmt = ttsh_store_prepare (s->store,
      "UPDATE api_token SET revoked_at = ?2 WHERE client_id = ?1 AND revoked_at IS NULL", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, j->client_id);
  sqlite3_bind_int64 (stmt, 2, ttsh_now_ms ());
  if (!ttsh_store_step_done (s->store, stmt, error))
    goto fail;
  if (ttsh_journal_append (s->store, j->name, TTSH_JOURNAL_CONFIG_CHANGED, j->name,
                           "api password changed", error) == 0)
    goto fail;
  return ttsh_store_commit (s->store, error);

fail:
  ttsh_store_rollback (s->store);
  return FALSE;
}

static void
auth_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  AuthJob *j = g_task_get_task_data (G_TASK (result));
  Server *s = j->server;
  Req *req = g_object_get_data (G_OBJECT (j->msg), "ttsh-req");
  g_autoptr(GError) error = NULL;

  if (g_cancellable_is_cancelled (j->cancellable) || (req && req->finished))
    return;
  if (!j->ok)
    {
      g_autofree char *detail = NULL;
      int code;

      record_failed_login (s, j, &code, &detail);
      respond (s, j->msg, SOUP_STATUS_OK, code, NULL, NULL, detail, 0, 0);
    }
  else if (j->op == OP_LOGIN)
    {
      JsonNode *data = issue_token (s, j, &error);
      if (data)
        respond (s, j->msg, SOUP_STATUS_OK, TTSH_CODE_OK, NULL, data, NULL, 0, 0);
      else
        respond_error (s, j->msg, TTSH_CODE_INTERNAL, error->message);
    }
  else
    {
      if (change_password (s, j, &error))
        {
          JsonObject *o = json_object_new ();
          JsonNode *data = json_node_new (JSON_NODE_OBJECT);
          json_object_set_string_member (o, TTSH_W_KET_QUA_DOI_MK, TTSH_V_DA_DOI_MAT_KHAU);
          json_node_take_object (data, o);
          respond (s, j->msg, SOUP_STATUS_OK, TTSH_CODE_OK, NULL, data, NULL, 0, 0);
        }
      else
        respond_error (s, j->msg, TTSH_CODE_INTERNAL, error->message);
    }
  soup_server_message_unpause (j->msg);
}

static void
start_auth_job (Server            *s,
                SoupServerMessage *msg,
                AuthJob           *j)
{
  g_autoptr(GTask) task = g_task_new (NULL, s->cancellable, auth_done, NULL);

  j->server = s;
  j->cancellable = g_object_ref (s->cancellable);
  j->msg = g_object_ref (msg);
  g_task_set_task_data (task, j, (GDestroyNotify) auth_job_free);
  g_task_set_source_tag (task, start_auth_job);
  soup_server_message_pause (msg);
  g_task_run_in_thread (task, auth_worker);
}

/* Looks the account up; FALSE when it is locked (already answered). */
static gboolean
load_account (Server            *s,
              SoupServerMessage *msg,
              AuthJob           *j)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt = ttsh_store_prepare (s->store,
      "SELECT id, role, pw_hash, locked_at, disabled FROM api_client WHERE name = ?1", &error);
  gboolean locked = FALSE;

  if (stmt == NULL)
    {
      respond_error (s, msg, TTSH_CODE_INTERNAL, error->message);
      return FALSE;
    }
  sqlite3_bind_text (stmt, 1, j->name, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      j->client_id = sqlite3_column_int64 (stmt, 0);
      j->role = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      j->stored_hash = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      locked = sqlite3_column_type (stmt, 3) != SQLITE_NULL || sqlite3_column_int (stmt, 4) != 0;
    }
  else
    j->stored_hash = g_strdup (s->dummy_hash);
  sqlite3_reset (stmt);
  if (locked)
    {
      ttsh_journal_append (s->store, j->name, TTSH_JOURNAL_LOGIN_FAILED, j->name, "locked", NULL);
      respond (s, msg, SOUP_STATUS_OK, TTSH_CODE_ACCOUNT_LOCKED, NULL, NULL,
               "Tài khoản đã bị khóa; liên hệ quản trị viên TTSH để mở khóa", 0, 0);
      return FALSE;
    }
  return TRUE;
}

/* Endpoints -------------------------------------------------------------------- */

static JsonNode *
parse_body (Server            *s,
            SoupServerMessage *msg)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  const char *ctype = soup_message_headers_get_content_type (
      soup_server_message_get_request_headers (msg), NULL);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *node;
  gsize len;
  const char *data;

  if (ctype == NULL || g_ascii_strcasecmp (ctype, "application/json") != 0)
    {
      respond_error (s, msg, TTSH_CODE_INVALID_DATA, "Content-Type phải là application/json");
      return NULL;
    }
  bytes = soup_message_body_flatten (body);
  data = g_bytes_get_data (bytes, &len);
  if (len > body_limit_for (msg))
    {
      respond_error (s, msg, TTSH_CODE_TOO_LARGE, "Nội dung yêu cầu vượt giới hạn");
      return NULL;
    }
  node = ttsh_json_parse_bounded (data ? data : "", len, TTSH_JSON_MAX_DEPTH, &error);
  if (node == NULL)
    {
      g_autofree char *d = g_strdup_printf ("JSON không hợp lệ: %s", error->message);
      respond_error (s, msg, TTSH_CODE_INVALID_DATA, d);
    }
  return node;
}

static void
handle_login (Server            *s,
              SoupServerMessage *msg)
{
  g_autoptr(JsonNode) body = parse_body (s, msg);
  g_autoptr(GError) error = NULL;
  JsonObject *o;
  const char *name = NULL, *password = NULL;
  AuthJob *j;

  if (body == NULL)
    return;
  o = JSON_NODE_HOLDS_OBJECT (body) ? json_node_get_object (body) : NULL;
  name = ttsh_v_string (o, TTSH_W_TEN_DANG_NHAP, TRUE, 64, &error);
  if (!error) password = ttsh_v_string (o, TTSH_W_MAT_KHAU, TRUE, 256, &error);
  if (error)
    {
      respond_error (s, msg, TTSH_CODE_INVALID_DATA, error->message);
      return;
    }
  j = g_new0 (AuthJob, 1);
  j->op = OP_LOGIN;
  j->name = g_strdup (name);
  j->password = g_strdup (password);
  if (!load_account (s, msg, j))
    {
      j->msg = g_object_ref (msg);
      auth_job_free (j);
      return;
    }
  start_auth_job (s, msg, j);
}

static gboolean
password_acceptable (const char *pw,
                     char      **why)
{
  gboolean alpha = FALSE, digit = FALSE;

  for (const char *p = pw; *p; p++)
    {
      alpha |= g_ascii_isalpha (*p);
      digit |= g_ascii_isdigit (*p);
    }
  if (g_utf8_strlen (pw, -1) < MIN_PASSWORD_LEN || !alpha || !digit)
    {
      *why = g_strdup_printf ("Mật khẩu mới phải có ít nhất %d ký tự, gồm cả chữ và số", MIN_PASSWORD_LEN);
      return FALSE;
    }
  return TRUE;
}

static void
handle_change_password (Server            *s,
                        SoupServerMessage *msg,
                        Client            *c)
{
  g_autoptr(JsonNode) body = parse_body (s, msg);
  g_autoptr(GError) error = NULL;
  g_autofree char *why = NULL;
  JsonObject *o;
  const char *name = NULL, *old_pw = NULL, *new_pw = NULL;
  AuthJob *j;

  if (body == NULL)
    return;
  o = JSON_NODE_HOLDS_OBJECT (body) ? json_node_get_object (body) : NULL;
  name = ttsh_v_string (o, TTSH_W_TEN_DANG_NHAP, TRUE, 64, &error);
  if (!error) old_pw = ttsh_v_string (o, TTSH_W_MAT_KHAU_CU, TRUE, 256, &error);
  if (!error) new_pw = ttsh_v_string (o, TTSH_W_MAT_KHAU_MOI, TRUE, 256, &error);
  if (error)
    {
      respond_error (s, msg, TTSH_CODE_INVALID_DATA, error->message);
      return;
    }
  if (!g_str_equal (name, c->name))
    {
      respond_error (s, msg, TTSH_CODE_INVALID_DATA, "TenDangNhap không khớp tài khoản của token");
      return;
    }
  if (!password_acceptable (new_pw, &why) || g_str_equal (old_pw, new_pw))
    {
      respond_error (s, msg, TTSH_CODE_INVALID_DATA, why ? why : "Mật khẩu mới phải khác mật khẩu cũ");
      return;
    }
  j = g_new0 (AuthJob, 1);
  j->op = OP_CHANGE_PASSWORD;
  j->name = g_strdup (name);
  j->password = g_strdup (old_pw);
  j->new_password = g_strdup (new_pw);
  if (!load_account (s, msg, j))
    {
      j->msg = g_object_ref (msg);
      auth_job_free (j);
      return;
    }
  start_auth_job (s, msg, j);
}

static void
handle_logout (Server            *s,
               SoupServerMessage *msg,
               Client            *c)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt;
  JsonObject *o;
  JsonNode *data;

  if (!ttsh_store_begin (s->store, &error))
    goto fail;
  stmt = ttsh_store_prepare (s->store, "UPDATE api_token SET revoked_at = ?2 WHERE jti = ?1", &error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, c->jti, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, ttsh_now_ms ());
  if (!ttsh_store_step_done (s->store, stmt, &error) ||
      ttsh_journal_append (s->store, c->name, TTSH_JOURNAL_LOGOUT, c->name, NULL, &error) == 0 ||
      !ttsh_store_commit (s->store, &error))
    goto fail;
  o = json_object_new ();
  json_object_set_string_member (o, TTSH_W_TRANG_THAI_PHIEN, TTSH_V_DA_DANG_XUAT);
  data = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (data, o);
  respond (s, msg, SOUP_STATUS_OK, TTSH_CODE_OK, NULL, data, NULL, 0, 0);
  return;

fail:
  ttsh_store_rollback (s->store);
  respond_error (s, msg, TTSH_CODE_INTERNAL, error ? error->message : NULL);
}

static void
handle_server_time (Server            *s,
                    SoupServerMessage *msg)
{
  g_autofree char *now = ttsh_time_now ();
  JsonObject *o = json_object_new ();
  JsonNode *data = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (o, TTSH_W_THOI_GIAN_MAY_CHU, now);
  json_node_take_object (data, o);
  respond (s, msg, SOUP_STATUS_OK, TTSH_CODE_OK, NULL, data, NULL, 0, 0);
}

static void
handle_status (Server            *s,
               SoupServerMessage *msg,
               GHashTable        *query)
{
  const char *centre = query ? g_hash_table_lookup (query, TTSH_W_MA_TTSH) : NULL;
  gboolean busy = ttsh_now_ms () - s->last_store_error_ms < 60 * 1000;
  g_autofree char *next = ttsh_time_format_ms (ttsh_now_ms () + 60 * 1000);
  JsonObject *o;
  JsonNode *data;

  if (centre && !g_str_equal (centre, s->config->centre_code))
    {
      respond_error (s, msg, TTSH_CODE_NOT_FOUND, "MaTTSH không phải của trung tâm này");
      return;
    }
  o = json_object_new ();
  json_object_set_string_member (o, TTSH_W_TRANG_THAI, busy ? TTSH_V_BAN : TTSH_V_SAN_SANG);
  json_object_set_string_member (o, TTSH_W_MO_TA, busy
      ? "TTSH vừa gặp lỗi lưu trữ; tạm dừng gửi và thử lại sau"
      : "TTSH sẵn sàng tiếp nhận dữ liệu");
  json_object_set_string_member (o, TTSH_W_THOI_DIEM_CAP_NHAT, next);
  data = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (data, o);
  respond (s, msg, SOUP_STATUS_OK, TTSH_CODE_OK, NULL, data, NULL, 0, 0);
}

static void
finish_ingest (Server            *s,
               SoupServerMessage *msg,
               TtshIngestReply   *r,
               const char        *what)
{
  if (r->code == TTSH_CODE_INTERNAL)
    s->last_store_error_ms = ttsh_now_ms ();
  if (r->unsynced && ttsh_store_needs_sync (s->store))
    g_critical ("an upload answered before its commit was synced");
  if (r->changed)
    {
      _ttsh_engine_emit_changed (s->engine, what);
      if (r->outbox)
        {
          _ttsh_engine_emit_changed (s->engine, "outbox");
          ttsh_sender_wake (s->engine);
        }
    }
  respond (s, msg, r->code == TTSH_CODE_INTERNAL ? SOUP_STATUS_INTERNAL_SERVER_ERROR : SOUP_STATUS_OK,
           r->code, r->message, g_steal_pointer (&r->data), r->detail, r->records, r->accepted);
  ttsh_ingest_reply_clear (r);
}

/* Group commit ------------------------------------------------------------------
 *
 * A durable commit is one fdatasync of the WAL, most of an upload's cost
 * when road vehicles each send a GPS point a second. Uploads therefore
 * commit without the sync and their answers wait for one sync made for
 * all of them: SYNC_WINDOW_MS after the first when uploads have been
 * arriving faster than that, otherwise once the requests already received
 * are committed. No answer leaves before its record is on disk, and the
 * sender's own synchronous commit, before any record leaves for C08,
 * makes every earlier commit durable too. */

static void
awaiting_free (Awaiting *a)
{
  g_signal_handlers_disconnect_by_data (a->msg, a);
  ttsh_ingest_reply_clear (&a->reply);
  g_object_unref (a->msg);
  g_free (a);
}

static void
awaiting_disconnected (SoupServerMessage *msg,
                       Awaiting          *a)
{
  a->gone = TRUE;
}

/* The commit happened but may not survive a power cut: not accepted. */
static void
fail_unsynced (TtshIngestReply *r,
               const GError    *error)
{
  ttsh_ingest_reply_clear (r);
  r->code = TTSH_CODE_INTERNAL;
  r->detail = g_strdup_printf ("Lỗi lưu trữ tại TTSH; gửi lại sau (%s)", error->message);
  r->accepted = 0;
  r->changed = FALSE;
  r->outbox = FALSE;
  r->unsynced = FALSE;
}

/* Syncs the WAL, then answers every upload held for it and, when given,
 * @r (answered by the caller). */
static void
sync_and_release (Server          *s,
                  TtshIngestReply *r)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) held = s->awaiting;
  gboolean ok = ttsh_store_sync (s->store, &error);

  if (!ok)
    g_warning ("WAL sync: %s", error->message);
  remove_timeout (&s->sync_id);
  s->awaiting = g_ptr_array_new_with_free_func ((GDestroyNotify) awaiting_free);
  for (guint i = 0; i < held->len; i++)
    {
      Awaiting *a = g_ptr_array_index (held, i);

      if (!ok)
        fail_unsynced (&a->reply, error);
      /* Logged and announced even when nobody is left to read the answer. */
      finish_ingest (s, a->msg, &a->reply, "candidate");
      if (!a->gone)
        soup_server_message_unpause (a->msg);
    }
  if (r && !ok)
    fail_unsynced (r, error);
}

static gboolean
sync_due (gpointer data)
{
  Server *s = data;

  s->sync_id = 0;
  sync_and_release (s, NULL);
  return G_SOURCE_REMOVE;
}

/* Another upload within the window is likely when they have been coming
 * faster than that. */
static gboolean
upload_expected_soon (Server *s)
{
  gint64 now = g_get_monotonic_time ();
  gint64 gap = s->last_upload_us ? now - s->last_upload_us : G_USEC_PER_SEC;

  s->last_upload_us = now;
  s->upload_gap_us += (MIN (gap, G_USEC_PER_SEC) - s->upload_gap_us) / 4;
  return s->upload_gap_us < SYNC_WINDOW_MS * 1000;
}

static void
answer_upload (Server            *s,
               SoupServerMessage *msg,
               TtshIngestReply   *r)
{
  gboolean soon = upload_expected_soon (s);

  if (r->unsynced && s->awaiting->len + 1 < SYNC_GROUP_MAX)
    {
      Awaiting *a = g_new0 (Awaiting, 1);

      a->msg = g_object_ref (msg);
      a->reply = *r;
      memset (r, 0, sizeof *r);
      g_signal_connect (msg, "disconnected", G_CALLBACK (awaiting_disconnected), a);
      soup_server_message_pause (msg);
      g_ptr_array_add (s->awaiting, a);
      /* Paced uploads: wait for the next one. Otherwise sync as soon as
       * the requests already received have been committed. */
      if (s->sync_id == 0)
        s->sync_id = soon ? add_timeout (SYNC_WINDOW_MS, sync_due, s) : add_idle (sync_due, s);
      return;
    }
  if (r->unsynced || s->awaiting->len > 0)
    sync_and_release (s, r);
  finish_ingest (s, msg, r, "candidate");
}

static void
handle_session_push (Server            *s,
                     SoupServerMessage *msg,
                     Client            *c)
{
  TtshIngestClient ic = { c->id, c->name, c->role };
  TtshIngestReply r = { 0 };
  g_autoptr(JsonNode) body = NULL;

  if (!g_str_equal (c->role, TTSH_ROLE_C08_PUSH))
    {
      respond_error (s, msg, TTSH_CODE_INVALID_DATA, "Chỉ tài khoản C08_PUSH được gửi kỳ sát hạch");
      return;
    }
  if ((body = parse_body (s, msg)) == NULL)
    return;
  ttsh_ingest_session (s->store, s->config->centre_code, &ic, body, &r);
  finish_ingest (s, msg, &r, "session");
}

static void
handle_roster (Server            *s,
               SoupServerMessage *msg,
               Client            *c,
               const char        *code,
               GHashTable        *query)
{
  TtshIngestClient ic = { c->id, c->name, c->role };
  TtshIngestReply r = { 0 };
  const char *content = query ? g_hash_table_lookup (query, TTSH_W_NOI_DUNG_SAT_HACH) : NULL;
  const char *photos = query ? g_hash_table_lookup (query, TTSH_W_ANH) : NULL;

  if (photos && !g_str_equal (photos, "0") && !g_str_equal (photos, "1"))
    {
      respond_error (s, msg, TTSH_CODE_INVALID_DATA, "Tham số Anh phải là 0 hoặc 1");
      return;
    }
  ttsh_ingest_roster (s->store, &ic, code, content, photos == NULL || g_str_equal (photos, "1"), &r);
  respond (s, msg, SOUP_STATUS_OK, r.code, r.message, g_steal_pointer (&r.data), r.detail, 0, 0);
  ttsh_ingest_reply_clear (&r);
}

static void
handle_upload (Server            *s,
               SoupServerMessage *msg,
               Client            *c,
               TtshIngestKind     kind)
{
  TtshIngestClient ic = { c->id, c->name, c->role };
  TtshIngestReply r = { 0 };
  g_autoptr(JsonNode) body = NULL;

  if (g_str_equal (c->role, TTSH_ROLE_C08_PUSH))
    {
      respond_error (s, msg, TTSH_CODE_INVALID_DATA, "Tài khoản C08_PUSH không gửi dữ liệu sát hạch");
      return;
    }
  if ((body = parse_body (s, msg)) == NULL)
    return;
  if (log_due (s))
    {
      r.before_commit = write_log_rows;
      r.before_commit_data = s;
    }
  r.defer_sync = TRUE;
  s->log_in_txn = 0;
  ttsh_ingest_batch (s->store, s->config->centre_code, &ic, kind, body, ttsh_now_ms (), &r);
  if (r.code != TTSH_CODE_INTERNAL)
    log_committed (s);
  s->log_in_txn = 0;
  answer_upload (s, msg, &r);
}

static void
handle_statistics (Server            *s,
                   SoupServerMessage *msg,
                   Client            *c)
{
  TtshIngestClient ic = { c->id, c->name, c->role };
  TtshIngestReply r = { 0 };
  g_autoptr(JsonNode) body = NULL;

  if ((body = parse_body (s, msg)) == NULL)
    return;
  /* Refused records of the window must be counted: write the log first. */
  remove_timeout (&s->flush_id);
  flush_log (s);
  ttsh_ingest_statistics (s->store, s->config->centre_code, &ic, body, &r);
  respond (s, msg, SOUP_STATUS_OK, r.code, r.message, g_steal_pointer (&r.data), r.detail, 0, 0);
  ttsh_ingest_reply_clear (&r);
}

static void
handle (SoupServer        *soup,
        SoupServerMessage *msg,
        const char        *path,
        GHashTable        *query,
        gpointer           user_data)
{
  Server *s = user_data;
  Req *req = g_object_get_data (G_OBJECT (msg), "ttsh-req");
  const char *method = soup_server_message_get_method (msg);
  gboolean post = g_str_equal (method, "POST"), get = g_str_equal (method, "GET");
  const char *rel;
  g_autofree char *detail = NULL;
  g_auto(Client) c = { 0 };
  int code;

  if (req && req->responded)
    return;
  if (!g_str_has_prefix (path, TTSH_API_BASE "/"))
    {
      respond (s, msg, SOUP_STATUS_NOT_FOUND, TTSH_CODE_GENERAL, NULL, NULL, "Không có API này", 0, 0);
      return;
    }
  rel = path + strlen (TTSH_API_BASE);

  /* Without a token: login and server time only. */
  if (g_str_equal (rel, TTSH_EP_LOGIN) || g_str_equal (rel, TTSH_EP_SERVER_TIME))
    {
      g_autofree char *key = g_strdup_printf ("ip:%s", soup_server_message_get_remote_host (msg));
      if (!rate_allows (s, key))
        respond_error (s, msg, TTSH_CODE_BUSY, "Quá nhiều yêu cầu từ địa chỉ này; thử lại sau");
      else if (g_str_equal (rel, TTSH_EP_LOGIN) && post)
        handle_login (s, msg);
      else if (g_str_equal (rel, TTSH_EP_SERVER_TIME) && get)
        handle_server_time (s, msg);
      else
        respond (s, msg, SOUP_STATUS_METHOD_NOT_ALLOWED, TTSH_CODE_GENERAL, NULL, NULL,
                 "Phương thức HTTP không được hỗ trợ", 0, 0);
      return;
    }

  code = authenticate (s, msg, &c, &detail);
  if (code != TTSH_CODE_OK)
    {
      respond_error (s, msg, code, detail);
      return;
    }
  if (req)
    req->client_id = c.id;
  {
    g_autofree char *key = g_strdup_printf ("c:%" G_GINT64_FORMAT, c.id);
    if (!rate_allows (s, key))
      {
        respond_error (s, msg, TTSH_CODE_BUSY, "Vượt giới hạn tần suất yêu cầu của tài khoản; thử lại sau");
        return;
      }
  }

  if (post && g_str_equal (rel, TTSH_EP_LOGOUT))
    handle_logout (s, msg, &c);
  else if (post && g_str_equal (rel, TTSH_EP_CHANGE_PASSWORD))
    handle_change_password (s, msg, &c);
  else if (get && g_str_equal (rel, TTSH_EP_STATUS))
    handle_status (s, msg, query);
  else if (post && g_str_equal (rel, TTSH_EP_STATISTICS))
    handle_statistics (s, msg, &c);
  else if (post && g_str_equal (path, TTSH_API_EXAM_SESSIONS))
    handle_session_push (s, msg, &c);
  else if (get && g_str_has_prefix (path, TTSH_API_EXAM_SESSIONS "/") &&
           strchr (path + strlen (TTSH_API_EXAM_SESSIONS "/"), '/') == NULL &&
           path[strlen (TTSH_API_EXAM_SESSIONS "/")] != '\0')
    handle_roster (s, msg, &c, path + strlen (TTSH_API_EXAM_SESSIONS "/"), query);
  else if (post && g_str_equal (path, TTSH_API_ATTENDANCE))
    handle_upload (s, msg, &c, TTSH_INGEST_ATTENDANCE);
  else if (post && g_str_equal (path, TTSH_API_PROCESS))
    handle_upload (s, msg, &c, TTSH_INGEST_PROCESS);
  else if (post && g_str_equal (path, TTSH_API_RESULTS))
    handle_upload (s, msg, &c, TTSH_INGEST_RESULT);
  else
    respond (s, msg, SOUP_STATUS_NOT_FOUND, TTSH_CODE_GENERAL, NULL, NULL,
             "Không có API này hoặc sai phương thức HTTP", 0, 0);
}

/* Component ------------------------------------------------------------------- */

static gboolean
update_meta (gpointer data)
{
  Server *s = data;
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt = ttsh_store_prepare (s->store,
      "SELECT count(DISTINCT client_id) FROM inbound_request WHERE at > ?1 AND client_id IS NOT NULL", &error);
  g_autofree char *value = NULL;

  if (stmt == NULL)
    return G_SOURCE_CONTINUE;
  sqlite3_bind_int64 (stmt, 1, ttsh_now_ms () - 5 * 60 * 1000);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) sqlite3_column_int64 (stmt, 0));
  sqlite3_reset (stmt);
  if (value)
    ttsh_store_meta_set (s->store, TTSH_META_CLIENTS_CONNECTED, value, NULL);
  return G_SOURCE_CONTINUE;
}

static guint
env_uint (const char *name,
          guint       fallback)
{
  const char *v = g_getenv (name);
  guint64 n;

  if (v && g_ascii_string_to_unsigned (v, 10, 1, G_MAXUINT, &n, NULL))
    return (guint) n;
  return fallback;
}

static gboolean
server_start (TtshEngine  *engine,
              TtshStore   *store,
              gpointer    *state,
              GError     **error)
{
  const TtshConfig *config = ttsh_engine_get_config (engine);
  g_autoptr(GTlsCertificate) cert = NULL;
  g_autoptr(GInetAddress) addr = NULL;
  g_autoptr(GSocketAddress) sockaddr = NULL;
  const char *rate = g_getenv ("TTSH_SERVER_RATE");
  Server *s;

  if (config->server_listen_host == NULL)
    {
      *state = NULL;
      return TRUE;   /* not configured: the console may run without a server */
    }
  ttsh_tls_harden ();
  cert = g_tls_certificate_new_from_files (config->server_tls_cert, config->server_tls_key, error);
  if (cert == NULL)
    return FALSE;
  addr = g_inet_address_new_from_string (config->server_listen_host);
  if (addr == NULL)
    {
      g_autoptr(GResolver) resolver = g_resolver_get_default ();
      GList *addrs = g_resolver_lookup_by_name (resolver, config->server_listen_host, NULL, error);
      if (addrs == NULL)
        return FALSE;
      addr = g_object_ref (addrs->data);
      g_resolver_free_addresses (addrs);
    }
  sockaddr = g_inet_socket_address_new (addr, config->server_listen_port);

  s = g_new0 (Server, 1);
  s->engine = engine;
  s->store = store;
  s->config = config;
  s->cancellable = g_cancellable_new ();
  s->buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  s->verified = g_hash_table_new_full (digest_hash, digest_equal, NULL, (GDestroyNotify) verified_free);
  s->log = g_ptr_array_new_with_free_func ((GDestroyNotify) log_row_free);
  s->awaiting = g_ptr_array_new_with_free_func ((GDestroyNotify) awaiting_free);
  s->upload_gap_us = 2 * SYNC_WINDOW_MS * 1000;
  s->read_timeout_ms = env_uint ("TTSH_SERVER_READ_TIMEOUT_MS", 30000);
  s->rate = 200;
  s->burst = 400;
  if (rate)
    {
      g_auto(GStrv) parts = g_strsplit (rate, ":", 2);
      double r = g_ascii_strtod (parts[0], NULL);
      double b = parts[1] ? g_ascii_strtod (parts[1], NULL) : r * 2;
      if (r > 0 && b >= 1)
        {
          s->rate = r;
          s->burst = b;
        }
    }
  s->dummy_hash = ttsh_password_hash ("ttsh-no-such-account");
  s->soup = soup_server_new ("tls-certificate", cert, "server-header", NULL, NULL);
  g_signal_connect (s->soup, "request-started", G_CALLBACK (request_started), s);
  soup_server_add_handler (s->soup, NULL, handle, s, NULL);
  if (!soup_server_listen (s->soup, sockaddr, SOUP_SERVER_LISTEN_HTTPS, error))
    {
      g_prefix_error (error, "[server] listen %s:%u: ", config->server_listen_host, config->server_listen_port);
      g_object_unref (s->soup);
      g_hash_table_unref (s->buckets);
      g_hash_table_unref (s->verified);
      g_ptr_array_unref (s->log);
      g_ptr_array_unref (s->awaiting);
      g_object_unref (s->cancellable);
      g_free (s->dummy_hash);
      g_free (s);
      return FALSE;
    }
  s->meta_id = add_timeout (META_INTERVAL_S * 1000, update_meta, s);
  g_debug ("TTSH API listening on %s:%u", config->server_listen_host, config->server_listen_port);
  *state = s;
  return TRUE;
}

static void
server_stop (TtshEngine *engine,
             gpointer    state)
{
  Server *s = state;

  if (s == NULL)
    return;
  /* Held answers first: their records become durable either way. */
  sync_and_release (s, NULL);
  g_cancellable_cancel (s->cancellable);
  soup_server_disconnect (s->soup);
  remove_timeout (&s->meta_id);
  remove_timeout (&s->flush_id);
  flush_log (s);
  g_clear_object (&s->soup);
  g_hash_table_unref (s->buckets);
  g_hash_table_unref (s->verified);
  g_ptr_array_unref (s->log);
  g_ptr_array_unref (s->awaiting);
  g_object_unref (s->cancellable);
  g_free (s->dummy_hash);
  g_free (s);
}

const TtshEngineComponent ttsh_server_component = {
  "server", server_start, server_stop, TTSH_ENGINE_NO_SERVER,
};
