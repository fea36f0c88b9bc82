/* c08-sim.c — a stand-in for C08's monitoring system (contract §4).
 *
 * A real HTTPS server with JWT auth, a durable ledger of every accepted
 * record (exact bytes) and fault injection by flags or by POST /__control
 * from loopback. Also `push` (send an exam session to a TTSH, §5.1) and
 * `ledger` (dump the ledger as JSON lines). */
#define G_LOG_DOMAIN "c08-sim"
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <glib-unix.h>
#include <libsoup/soup.h>
#include <sqlite3.h>

#include "ttsh-crypto.h"
#include "ttsh-jwt.h"
#include "ttsh-wire.h"

#define PHOTO_MAX 1048576
#define DEFAULT_MAX_BATCH 100
#define DEFAULT_MAX_BYTES (8 * 1024 * 1024)

typedef struct {
  int     code;
  char   *field;
  GRegex *regex;
} RejectRule;

typedef struct {
  /* configuration */
  char        *base_path;
  char        *centre;
  GHashTable  *accounts;          /* user -> password */
  guint        token_lifetime;
  guint8       key[32];
  guint        token_epoch;

  /* faults */
  gint64       busy_until;        /* sim clock ms */
  double       rate_minus99;
  double       rate_http500;
  double       rate_http503;
  double       rate_drop_before;
  double       rate_drop_after;
  double       rate_garbage;      /* HTTP 200 with a body that is no envelope */
  guint        latency_ms;
  gint64       clock_offset_ms;
  guint        max_batch;
  guint        max_bytes;
  gboolean     announce_limits;
  gboolean     limits_on_reject;  /* GioiHanLo with a -9 answer */
  double       rate_record_minus99;
  GPtrArray   *rejects;           /* RejectRule* */
  gboolean     locked;
  gboolean     deny_ip;
  gboolean     bad_credentials;
  GRand       *rand;

  /* counters */
  guint64      n_requests;
  guint64      n_batches;
  guint64      n_logins;
  guint64      n_records;
  guint64      n_duplicates;
  guint64      n_dropped;

  sqlite3     *ledger;
  SoupServer  *server;
} Sim;

static void
reject_rule_free (RejectRule *r)
{
  g_free (r->field);
  g_clear_pointer (&r->regex, g_regex_unref);
  g_free (r);
}

static gint64
sim_now_ms (Sim *sim)
{
  return g_get_real_time () / 1000 + sim->clock_offset_ms;
}

/* Ledger --------------------------------------------------------------------- */

static sqlite3 *
ledger_open (const char *path,
             gboolean    read_only,
             GError    **error)
{
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2 (path, &db, read_only ? SQLITE_OPEN_READONLY
                            : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  char *msg = NULL;

  if (rc != SQLITE_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "ledger %s: %s", path,
                   db ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_busy_timeout (db, 5000);
  if (read_only)
    return db;
  /* FULL: what C08 acknowledged must survive its own crash, or the
   * exactly-once check of the tests would be meaningless. */
  if (sqlite3_exec (db,
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
        "CREATE TABLE IF NOT EXISTS record ("
        "  id INTEGER PRIMARY KEY, transaction_code TEXT NOT NULL UNIQUE,"
        "  kind TEXT NOT NULL, batch TEXT, session_code TEXT,"
        "  payload BLOB NOT NULL, received_at INTEGER NOT NULL);"
        "CREATE INDEX IF NOT EXISTS record_at ON record(received_at);"
        "CREATE TABLE IF NOT EXISTS rejected ("
        "  id INTEGER PRIMARY KEY, transaction_code TEXT, kind TEXT NOT NULL,"
        "  session_code TEXT, code INTEGER NOT NULL, message TEXT,"
        "  payload BLOB NOT NULL, received_at INTEGER NOT NULL);",
        NULL, NULL, &msg) != SQLITE_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "ledger %s: %s", path, msg);
      sqlite3_free (msg);
      sqlite3_close (db);
      return NULL;
    }
  return db;
}

/* Raw JSON spans -------------------------------------------------------------- */

/* The ledger keeps each record's bytes exactly as received, so the records
 * are cut out of the body text rather than re-serialised. The body has been
 * validated by json-glib first; this scanner only finds value boundaries. */
static void
skip_ws (const char *s, gsize len, gsize *pos)
{
  while (*pos < len && (s[*pos] == ' ' || s[*pos] == '\t' || s[*pos] == '\n' || s[*pos] == '\r'))
    (*pos)++;
}

static gboolean
skip_value (const char *s, gsize len, gsize *pos)
{
  int depth = 0;

  skip_ws (s, len, pos);
  do
    {
      if (*pos >= len)
        return FALSE;
      switch (s[*pos])
        {
        case '"':
          for ((*pos)++; *pos < len && s[*pos] != '"'; (*pos)++)
            if (s[*pos] == '\\')
              (*pos)++;
          if (*pos >= len)
            return FALSE;
          (*pos)++;
          break;
        case '{': case '[':
          depth++;
          (*pos)++;
          break;
        case '}': case ']':
          depth--;
          (*pos)++;
          break;
        default:
          if (depth == 0)
            {
              /* a bare scalar: number, true, false, null */
              while (*pos < len && !strchr (",}] \t\r\n", s[*pos]))
                (*pos)++;
            }
          else
            (*pos)++;
        }
    }
  while (depth > 0);
  return TRUE;
}

/* Returns (start, end) pairs of the elements of the top-level member @name. */
static GArray *
member_array_spans (const char *s, gsize len, const char *name)
{
  g_autoptr(GArray) spans = g_array_new (FALSE, FALSE, sizeof (gsize));
  gsize pos = 0, nlen = strlen (name);

  skip_ws (s, len, &pos);
  if (pos >= len || s[pos++] != '{')
    return NULL;
  for (;;)
    {
      gsize kstart, kend;

      skip_ws (s, len, &pos);
      if (pos >= len || s[pos] == '}')
        return NULL;
      if (s[pos] == ',')
        {
          pos++;
          continue;
        }
      kstart = pos + 1;
      if (!skip_value (s, len, &pos))
        return NULL;
      kend = pos - 1;
      skip_ws (s, len, &pos);
      if (pos >= len || s[pos++] != ':')
        return NULL;
      if (kend - kstart == nlen && memcmp (s + kstart, name, nlen) == 0)
        {
          skip_ws (s, len, &pos);
          if (pos >= len || s[pos++] != '[')
            return NULL;
          for (;;)
            {
              gsize start;
              skip_ws (s, len, &pos);
              if (pos < len && s[pos] == ']')
                return g_steal_pointer (&spans);
              if (pos < len && s[pos] == ',')
                {
                  pos++;
                  continue;
                }
              start = pos;
              if (!skip_value (s, len, &pos))
                return NULL;
              g_array_append_val (spans, start);
              g_array_append_val (spans, pos);
            }
        }
      if (!skip_value (s, len, &pos))
        return NULL;
    }
}

/* Responses ------------------------------------------------------------------ */

static void
respond (SoupServerMessage *msg,
         guint              http_status,
         int                code,
         const char        *message,
         JsonNode          *data,
         JsonNode          *extra,
         const char        *detail)
{
  g_autoptr(JsonNode) env = ttsh_envelope_new (code, message, data, extra, detail);
  gsize len;
  char *text = ttsh_envelope_to_string (env, &len);

  soup_server_message_set_status (msg, http_status, NULL);
  soup_server_message_set_response (msg, "application/json; charset=utf-8",
                                    SOUP_MEMORY_TAKE, text, len);
}

static JsonNode *
limits_node (Sim *sim)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, TTSH_W_GIOI_HAN_LO);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, TTSH_W_SO_BAN_GHI);
  json_builder_add_int_value (b, sim->max_batch);
  json_builder_set_member_name (b, TTSH_W_KICH_THUOC);
  json_builder_add_int_value (b, sim->max_bytes);
  json_builder_end_object (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static JsonNode *
busy_node (Sim *sim)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *next = ttsh_time_format_ms (sim->busy_until);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, TTSH_W_THOI_DIEM_CAP_NHAT);
  json_builder_add_string_value (b, next);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static gboolean
unpause_cb (gpointer data)
{
  SoupServerMessage *msg = data;
  soup_server_message_unpause (msg);
  return G_SOURCE_REMOVE;
}

static void
finish_with_latency (Sim *sim, SoupServerMessage *msg)
{
  if (sim->latency_ms == 0 || g_object_get_data (G_OBJECT (msg), "c08-sim-dropped"))
    return;
  soup_server_message_pause (msg);
  g_timeout_add_full (G_PRIORITY_DEFAULT, sim->latency_ms, unpause_cb,
                      g_object_ref (msg), g_object_unref);
}

/* Cuts the connection without an answer: what the client sees when C08 or
 * the network fails mid-request. */
static void
drop_connection (Sim *sim, SoupServerMessage *msg)
{
  g_autoptr(GIOStream) stream = soup_server_message_steal_connection (msg);

  sim->n_dropped++;
  g_object_set_data (G_OBJECT (msg), "c08-sim-dropped", GINT_TO_POINTER (1));
  if (stream != NULL)
    g_io_stream_close (stream, NULL, NULL);
}

static gboolean
roll (Sim *sim, double rate)
{
  return rate > 0 && g_rand_double (sim->rand) < rate;
}

static JsonObject *
parse_body (SoupServerMessage *msg, GBytes **out_bytes)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonNode *root;

  if (out_bytes)
    *out_bytes = g_bytes_ref (bytes);
  if (!json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL),
                                   (gssize) g_bytes_get_size (bytes), NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  return json_object_ref (json_node_get_object (root));
}

/* Returns a result code other than 1 when the bearer token is not usable. */
static int
check_token (Sim *sim, SoupServerMessage *msg, guint *http_status)
{
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);
  const char *auth = soup_message_headers_get_one (h, "Authorization");
  g_autoptr(JsonObject) claims = NULL;
  const char *jti;
  gint64 now_s = sim_now_ms (sim) / 1000;
  g_autofree char *epoch = g_strdup_printf ("%u:", sim->token_epoch);

  *http_status = SOUP_STATUS_OK;
  if (auth == NULL || !g_str_has_prefix (auth, "Bearer "))
    {
      *http_status = SOUP_STATUS_UNAUTHORIZED;
      return TTSH_CODE_TOKEN_INVALID;
    }
  claims = ttsh_jwt_verify (sim->key, sizeof sim->key, auth + 7, now_s, NULL);
  if (claims == NULL)
    return TTSH_CODE_TOKEN_INVALID;
  /* Strict expiry: the shared verifier allows leeway for clients' clocks;
   * C08 rejects a token the moment it expires. */
  if (json_object_get_int_member_with_default (claims, "exp", 0) <= now_s)
    return TTSH_CODE_TOKEN_INVALID;
  jti = json_object_get_string_member_with_default (claims, "jti", "");
  if (!g_str_has_prefix (jti, epoch))
    return TTSH_CODE_TOKEN_INVALID;
  if (sim->locked)
    return TTSH_CODE_ACCOUNT_LOCKED;
  return TTSH_CODE_OK;
}

/* Handlers ------------------------------------------------------------------- */

static void
handle_login (Sim *sim, SoupServerMessage *msg)
{
  g_autoptr(JsonObject) req = parse_body (msg, NULL);
  g_autoptr(JsonBuilder) b = json_builder_new ();
  const char *user, *pass, *expected;
  g_autofree char *jti = NULL;
  g_autofree char *token = NULL;
  g_autofree char *expires = NULL;
  guint8 rnd[8];
  gint64 now_s = sim_now_ms (sim) / 1000;

  if (req == NULL)
    {
      respond (msg, 200, TTSH_CODE_INVALID_DATA, NULL, NULL, NULL, "body is not a JSON object");
      return;
    }
  user = json_object_get_string_member_with_default (req, TTSH_W_TEN_DANG_NHAP, NULL);
  pass = json_object_get_string_member_with_default (req, TTSH_W_MAT_KHAU, NULL);
  expected = user ? g_hash_table_lookup (sim->accounts, user) : NULL;
  if (sim->locked)
    {
      respond (msg, 200, TTSH_CODE_ACCOUNT_LOCKED, NULL, NULL, NULL, NULL);
      return;
    }
  if (sim->bad_credentials || expected == NULL || pass == NULL || !g_str_equal (pass, expected))
    {
      respond (msg, 200, TTSH_CODE_BAD_CREDENTIALS, NULL, NULL, NULL, NULL);
      return;
    }
  sim->n_logins++;
  ttsh_random_bytes (rnd, sizeof rnd);
  jti = g_strdup_printf ("%u:%02x%02x%02x%02x%02x%02x%02x%02x", sim->token_epoch,
                         rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
  token = ttsh_jwt_sign (sim->key, sizeof sim->key, user, "TTSH", jti, now_s,
                         now_s + sim->token_lifetime);
  expires = ttsh_time_format_ms ((now_s + sim->token_lifetime) * 1000);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, TTSH_W_ACCESS_TOKEN);
  json_builder_add_string_value (b, token);
  json_builder_set_member_name (b, TTSH_W_TOKEN_TYPE);
  json_builder_add_string_value (b, "Bearer");
  json_builder_set_member_name (b, TTSH_W_EXPIRES_IN);
  json_builder_add_int_value (b, sim->token_lifetime);
  json_builder_set_member_name (b, TTSH_W_EXPIRES_AT);
  json_builder_add_string_value (b, expires);
  json_builder_end_object (b);
  respond (msg, 200, TTSH_CODE_OK, NULL, json_builder_get_root (b), NULL, NULL);
}

static void
handle_server_time (Sim *sim, SoupServerMessage *msg)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *now = ttsh_time_format_ms (sim_now_ms (sim));

  json_builder_begin_object (b);
  json_builder_set_member_name (b, TTSH_W_THOI_GIAN_MAY_CHU);
  json_builder_add_string_value (b, now);
  json_builder_end_object (b);
  respond (msg, 200, TTSH_CODE_OK, NULL, json_builder_get_root (b), NULL, NULL);
}

static void
handle_status (Sim *sim, SoupServerMessage *msg)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  gint64 now = sim_now_ms (sim);
  gboolean busy = sim->busy_until > now;
  g_autofree char *next = ttsh_time_format_ms (busy ? sim->busy_until : now + 60000);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, TTSH_W_TRANG_THAI);
  json_builder_add_string_value (b, busy ? TTSH_V_BAN : TTSH_V_SAN_SANG);
  json_builder_set_member_name (b, TTSH_W_MO_TA);
  json_builder_add_string_value (b, busy ? "Hệ thống đang bận, vui lòng gửi lại sau"
                                         : "Hệ thống sẵn sàng tiếp nhận dữ liệu");
  json_builder_set_member_name (b, TTSH_W_THOI_DIEM_CAP_NHAT);
  json_builder_add_string_value (b, next);
  json_builder_end_object (b);
  respond (msg, 200, TTSH_CODE_OK, NULL, json_builder_get_root (b), NULL, NULL);
}

static gint64
count_where (Sim *sim, const char *table, const char *kind, const char *session,
             gint64 from, gint64 to)
{
  g_autofree char *sql = g_strdup_printf (
      "SELECT count(*) FROM %s WHERE received_at >= ?1 AND received_at <= ?2 "
      "AND (?3 IS NULL OR kind = ?3) AND (?4 IS NULL OR session_code = ?4)", table);
  sqlite3_stmt *stmt = NULL;
  gint64 n = 0;

  if (sqlite3_prepare_v2 (sim->ledger, sql, -1, &stmt, NULL) != SQLITE_OK)
    return 0;
  sqlite3_bind_int64 (stmt, 1, from);
  sqlite3_bind_int64 (stmt, 2, to);
  if (kind)
    sqlite3_bind_text (stmt, 3, kind, -1, SQLITE_STATIC);
  if (session)
    sqlite3_bind_text (stmt, 4, session, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

static void
add_counts (JsonBuilder *b, gint64 ok, gint64 failed)
{
  json_builder_set_member_name (b, TTSH_W_SO_PHIEN_THANH_CONG);
  json_builder_add_int_value (b, ok);
  json_builder_set_member_name (b, TTSH_W_SO_PHIEN_THAT_BAI);
  json_builder_add_int_value (b, failed);
  json_builder_set_member_name (b, TTSH_W_SO_PHIEN_DANG_CHO);
  json_builder_add_int_value (b, 0);   /* processed synchronously: nothing waits */
  json_builder_set_member_name (b, TTSH_W_TONG_SO_PHIEN);
  json_builder_add_int_value (b, ok + failed);
}

static void
handle_statistics (Sim *sim, SoupServerMessage *msg)
{
  static const char *kinds[] = { TTSH_KIND_DIEM_DANH, TTSH_KIND_QUA_TRINH,
                                 TTSH_KIND_HUY_KET_QUA, TTSH_KIND_TONG_HOP };
  g_autoptr(JsonObject) req = parse_body (msg, NULL);
  g_autoptr(JsonBuilder) b = json_builder_new ();
  const char *from_s, *to_s, *session;
  gint64 from, to;

  if (req == NULL ||
      (from_s = json_object_get_string_member_with_default (req, TTSH_W_TU_THOI_DIEM, NULL)) == NULL ||
      (to_s = json_object_get_string_member_with_default (req, TTSH_W_DEN_THOI_DIEM, NULL)) == NULL ||
      !ttsh_time_parse (from_s, &from) || !ttsh_time_parse (to_s, &to) || to < from)
    {
      respond (msg, 200, TTSH_CODE_INVALID_DATA, NULL, NULL, NULL,
               "TuThoiDiem và DenThoiDiem phải là thời điểm ISO 8601 hợp lệ, TuThoiDiem ≤ DenThoiDiem");
      return;
    }
  if (to - from > (gint64) 30 * 24 * 3600 * 1000)
    {
      respond (msg, 200, TTSH_CODE_INVALID_DATA, NULL, NULL, NULL,
               "Khoảng thời gian thống kê không được vượt quá 30 ngày");
      return;
    }
  session = json_object_get_string_member_with_default (req, TTSH_W_MA_KY_SAT_HACH, NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, TTSH_W_TU_THOI_DIEM);
  json_builder_add_string_value (b, from_s);
  json_builder_set_member_name (b, TTSH_W_DEN_THOI_DIEM);
  json_builder_add_string_value (b, to_s);
  json_builder_set_member_name (b, TTSH_W_MA_KY_SAT_HACH);
  if (session)
    json_builder_add_string_value (b, session);
  else
    json_builder_add_null_value (b);
  add_counts (b, count_where (sim, "record", NULL, session, from, to),
              count_where (sim, "rejected", NULL, session, from, to));
  json_builder_set_member_name (b, TTSH_W_CHI_TIET);
  json_builder_begin_array (b);
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, TTSH_W_LOAI_DU_LIEU);
      json_builder_add_string_value (b, kinds[i]);
      add_counts (b, count_where (sim, "record", kinds[i], session, from, to),
                  count_where (sim, "rejected", kinds[i], session, from, to));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  respond (msg, 200, TTSH_CODE_OK, NULL, json_builder_get_root (b), NULL, NULL);
}

static char *
member_as_text (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return NULL;
  switch (json_node_get_value_type (n))
    {
    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (n));
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (n));
    case G_TYPE_DOUBLE:
      {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];
        return g_strdup (g_ascii_dtostr (buf, sizeof buf, json_node_get_double (n)));
      }
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (n) ? "true" : "false");
    default:
      return NULL;
    }
}

static gboolean
code_valid (const char *code)
{
  gsize n = code ? strlen (code) : 0;

  if (n == 0 || n > 64)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isalnum (code[i]) && !strchr ("._:-", code[i]))
      return FALSE;
  return TRUE;
}

/* Per-record verdict: 1 (store), -5 (already stored) or a rejection. */
static int
judge_record (Sim *sim, JsonObject *rec, const char **why)
{
  static const char *photos[] = { TTSH_W_ANH_HOC_VIEN, TTSH_W_ANH_DIEM_DANH };
  const char *code = json_object_get_string_member_with_default (rec, TTSH_W_TRANSACTION_CODE, NULL);

  *why = NULL;
  if (!code_valid (code))
    {
      *why = "TransactionCode thiếu hoặc không đúng định dạng";
      return TTSH_CODE_INVALID_DATA;
    }
  if (!json_object_has_member (rec, TTSH_W_MA_KY_SAT_HACH) ||
      !json_object_has_member (rec, TTSH_W_MA_DANG_KY))
    {
      *why = "Thiếu MaKySatHach hoặc MaDangKy";
      return TTSH_CODE_INVALID_DATA;
    }
  for (guint i = 0; i < G_N_ELEMENTS (photos); i++)
    {
      const char *b64 = json_object_get_string_member_with_default (rec, photos[i], NULL);
      if (b64 && strlen (b64) / 4 * 3 > PHOTO_MAX + 2)
        {
          *why = "Ảnh vượt quá 1 MiB";
          return TTSH_CODE_TOO_LARGE;
        }
    }
  for (guint i = 0; i < sim->rejects->len; i++)
    {
      RejectRule *r = g_ptr_array_index (sim->rejects, i);
      g_autofree char *v = member_as_text (rec, r->field);
      if (v && g_regex_match (r->regex, v, 0, NULL))
        {
          *why = r->code == TTSH_CODE_NOT_FOUND ? "Không tìm thấy dữ liệu tham chiếu"
                                                : "Dữ liệu không hợp lệ";
          return r->code;
        }
    }
  return TTSH_CODE_OK;
}

static void
handle_upload (Sim *sim, SoupServerMessage *msg, const char *kind)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonObject) req = NULL;
  g_autoptr(GArray) spans = NULL;
  g_autoptr(JsonBuilder) b = NULL;
  const char *body, *centre, *batch, *sent;
  gsize len;
  guint http_status;
  int code, n_ok = 0, n_err = 0;
  gint64 sent_ms, now = sim_now_ms (sim);
  sqlite3_stmt *ins = NULL, *rej = NULL, *dup = NULL;

  if (roll (sim, sim->rate_drop_before))
    {
      drop_connection (sim, msg);
      return;
    }
  if (roll (sim, sim->rate_http503))
    {
      respond (msg, 503, TTSH_CODE_BUSY, NULL, NULL, NULL, "HTTP 503");
      return;
    }
  if (roll (sim, sim->rate_garbage))
    {
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC,
                                        "<html>Gateway error</html>", 26);
      return;
    }
  if (roll (sim, sim->rate_http500))
    {
      respond (msg, 500, TTSH_CODE_INTERNAL, NULL, NULL, NULL, "HTTP 500");
      return;
    }
  code = check_token (sim, msg, &http_status);
  if (code != TTSH_CODE_OK)
    {
      respond (msg, http_status, code, NULL, NULL, NULL, NULL);
      return;
    }
  if (sim->busy_until > now)
    {
      respond (msg, 200, TTSH_CODE_BUSY, NULL, NULL, busy_node (sim), NULL);
      return;
    }
  if (roll (sim, sim->rate_minus99))
    {
      respond (msg, 200, TTSH_CODE_INTERNAL, NULL, NULL, NULL, NULL);
      return;
    }

  req = parse_body (msg, &bytes);
  body = g_bytes_get_data (bytes, &len);
  if (req == NULL || !json_object_has_member (req, TTSH_W_DANH_SACH) ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (req, TTSH_W_DANH_SACH)) ||
      (spans = member_array_spans (body, len, TTSH_W_DANH_SACH)) == NULL)
    {
      respond (msg, 200, TTSH_CODE_INVALID_DATA, NULL, NULL, NULL,
               "Nội dung yêu cầu không phải lô dữ liệu hợp lệ");
      return;
    }
  centre = json_object_get_string_member_with_default (req, TTSH_W_MA_TTSH, "");
  batch = json_object_get_string_member_with_default (req, TTSH_W_MA_LO, "");
  sent = json_object_get_string_member_with_default (req, TTSH_W_THOI_GIAN_GUI, "");
  if (!g_str_equal (centre, sim->centre))
    {
      respond (msg, 200, TTSH_CODE_NOT_FOUND, NULL, NULL, NULL, "MaTTSH không đúng");
      return;
    }
  if (!ttsh_time_parse (sent, &sent_ms))
    {
      respond (msg, 200, TTSH_CODE_INVALID_DATA, NULL, NULL, NULL, "ThoiGianGui không hợp lệ");
      return;
    }
  if (ABS (sent_ms - now) > 60000)
    {
      respond (msg, 200, TTSH_CODE_CLOCK_SKEW, NULL, NULL, NULL,
               "ThoiGianGui lệch quá 60 giây so với máy chủ C08");
      return;
    }
  if (spans->len / 2 > sim->max_batch || len > sim->max_bytes)
    {
      respond (msg, 200, TTSH_CODE_TOO_LARGE, NULL, NULL,
               sim->limits_on_reject ? limits_node (sim) : NULL, NULL);
      return;
    }

  sim->n_batches++;
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, TTSH_W_MA_LO);
  json_builder_add_string_value (b, batch);
  json_builder_set_member_name (b, TTSH_W_SO_BAN_GHI);
  json_builder_add_int_value (b, spans->len / 2);
  json_builder_set_member_name (b, TTSH_W_KET_QUA);
  json_builder_begin_array (b);

  sqlite3_exec (sim->ledger, "BEGIN IMMEDIATE", NULL, NULL, NULL);
  sqlite3_prepare_v2 (sim->ledger,
      "INSERT INTO record (transaction_code, kind, batch, session_code, payload, received_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)", -1, &ins, NULL);
  sqlite3_prepare_v2 (sim->ledger,
      "INSERT INTO rejected (transaction_code, kind, session_code, code, message, payload, received_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", -1, &rej, NULL);
  sqlite3_prepare_v2 (sim->ledger, "SELECT 1 FROM record WHERE transaction_code = ?1", -1, &dup, NULL);
  for (guint i = 0; i < spans->len; i += 2)
    {
      gsize start = g_array_index (spans, gsize, i), end = g_array_index (spans, gsize, i + 1);
      JsonNode *node = json_array_get_element (json_object_get_array_member (req, TTSH_W_DANH_SACH), i / 2);
      JsonObject *rec = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *tc = rec ? json_object_get_string_member_with_default (rec, TTSH_W_TRANSACTION_CODE, NULL) : NULL;
      const char *session = rec ? json_object_get_string_member_with_default (rec, TTSH_W_MA_KY_SAT_HACH, NULL) : NULL;
      const char *why = NULL;
      int rc_code;

      if (rec == NULL)
        {
          rc_code = TTSH_CODE_INVALID_DATA;
          why = "Bản ghi không phải đối tượng JSON";
        }
      else
        rc_code = judge_record (sim, rec, &why);
      if (rc_code == TTSH_CODE_OK && roll (sim, sim->rate_record_minus99))
        {
          rc_code = TTSH_CODE_INTERNAL;
          why = "Lỗi xử lý nội bộ với bản ghi này";
        }
      if (rc_code == TTSH_CODE_OK)
        {
          sqlite3_reset (dup);
          sqlite3_bind_text (dup, 1, tc, -1, SQLITE_STATIC);
          if (sqlite3_step (dup) == SQLITE_ROW)
            rc_code = TTSH_CODE_DUPLICATE;
          sqlite3_reset (dup);
        }
      if (rc_code == TTSH_CODE_OK)
        {
          sqlite3_reset (ins);
          sqlite3_bind_text (ins, 1, tc, -1, SQLITE_STATIC);
          sqlite3_bind_text (ins, 2, kind, -1, SQLITE_STATIC);
          sqlite3_bind_text (ins, 3, batch, -1, SQLITE_STATIC);
          if (session)
            sqlite3_bind_text (ins, 4, session, -1, SQLITE_STATIC);
          else
            sqlite3_bind_null (ins, 4);
          sqlite3_bind_blob (ins, 5, body + start, (int) (end - start), SQLITE_STATIC);
          sqlite3_bind_int64 (ins, 6, now);
          if (sqlite3_step (ins) != SQLITE_DONE)
            {
              rc_code = TTSH_CODE_INTERNAL;
              why = sqlite3_errmsg (sim->ledger);
            }
          else
            sim->n_records++;
        }
      else if (rc_code == TTSH_CODE_DUPLICATE)
        sim->n_duplicates++;
      else
        {
          sqlite3_reset (rej);
          if (tc)
            sqlite3_bind_text (rej, 1, tc, -1, SQLITE_STATIC);
          sqlite3_bind_text (rej, 2, kind, -1, SQLITE_STATIC);
          if (session)
            sqlite3_bind_text (rej, 3, session, -1, SQLITE_STATIC);
          sqlite3_bind_int (rej, 4, rc_code);
          sqlite3_bind_text (rej, 5, why, -1, SQLITE_STATIC);
          sqlite3_bind_blob (rej, 6, body + start, (int) (end - start), SQLITE_STATIC);
          sqlite3_bind_int64 (rej, 7, now);
          sqlite3_step (rej);
        }
      if (rc_code == TTSH_CODE_OK || rc_code == TTSH_CODE_DUPLICATE)
        n_ok++;
      else
        n_err++;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, TTSH_W_TRANSACTION_CODE);
      if (tc)
        json_builder_add_string_value (b, tc);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, TTSH_W_MA_KET_QUA);
      json_builder_add_int_value (b, rc_code);
      json_builder_set_member_name (b, TTSH_W_THONG_TIN_XU_LY);
      json_builder_add_string_value (b, why ? why : ttsh_code_message (rc_code));
      json_builder_end_object (b);
    }
  sqlite3_finalize (ins);
  sqlite3_finalize (rej);
  sqlite3_finalize (dup);
  sqlite3_exec (sim->ledger, "COMMIT", NULL, NULL, NULL);

  json_builder_end_array (b);
  json_builder_set_member_name (b, TTSH_W_SO_THANH_CONG);
  json_builder_add_int_value (b, n_ok);
  json_builder_set_member_name (b, TTSH_W_SO_LOI);
  json_builder_add_int_value (b, n_err);
  json_builder_end_object (b);

  if (roll (sim, sim->rate_drop_after))
    {
      drop_connection (sim, msg);
      return;
    }
  respond (msg, 200, TTSH_CODE_OK, NULL, json_builder_get_root (b),
           sim->announce_limits ? limits_node (sim) : NULL, NULL);
}

/* Control -------------------------------------------------------------------- */

static gboolean
add_reject_rule (Sim *sim, int code, const char *field, const char *pattern, GError **error)
{
  GRegex *re;
  RejectRule *r;

  if (code != TTSH_CODE_INVALID_DATA && code != TTSH_CODE_NOT_FOUND && code != TTSH_CODE_TOO_LARGE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "reject code must be -4, -6 or -9, not %d", code);
      return FALSE;
    }
  re = g_regex_new (pattern, 0, 0, error);
  if (re == NULL)
    return FALSE;
  r = g_new0 (RejectRule, 1);
  r->code = code;
  r->field = g_strdup (field);
  r->regex = re;
  g_ptr_array_add (sim->rejects, r);
  return TRUE;
}

static void
reset_faults (Sim *sim)
{
  sim->busy_until = 0;
  sim->rate_minus99 = sim->rate_http500 = sim->rate_http503 = 0;
  sim->rate_drop_before = sim->rate_drop_after = sim->rate_garbage = 0;
  sim->latency_ms = 0;
  sim->clock_offset_ms = 0;
  sim->max_batch = DEFAULT_MAX_BATCH;
  sim->max_bytes = DEFAULT_MAX_BYTES;
  sim->announce_limits = FALSE;
  sim->limits_on_reject = TRUE;
  sim->rate_record_minus99 = 0;
  g_ptr_array_set_size (sim->rejects, 0);
  sim->locked = sim->deny_ip = sim->bad_credentials = FALSE;
}

static JsonNode *
control_state (Sim *sim)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

#define INT(name, v) json_builder_set_member_name (b, name); json_builder_add_int_value (b, (gint64) (v))
#define DBL(name, v) json_builder_set_member_name (b, name); json_builder_add_double_value (b, v)
#define BOOL(name, v) json_builder_set_member_name (b, name); json_builder_add_boolean_value (b, v)
  json_builder_begin_object (b);
  INT ("busy_until_ms", sim->busy_until);
  DBL ("rate_minus99", sim->rate_minus99);
  DBL ("rate_http500", sim->rate_http500);
  DBL ("rate_http503", sim->rate_http503);
  DBL ("rate_drop_before", sim->rate_drop_before);
  DBL ("rate_drop_after", sim->rate_drop_after);
  DBL ("rate_garbage", sim->rate_garbage);
  INT ("latency_ms", sim->latency_ms);
  INT ("clock_offset_ms", sim->clock_offset_ms);
  INT ("max_batch", sim->max_batch);
  INT ("max_bytes", sim->max_bytes);
  BOOL ("announce_limits", sim->announce_limits);
  BOOL ("limits_on_reject", sim->limits_on_reject);
  DBL ("rate_record_minus99", sim->rate_record_minus99);
  INT ("rejects", sim->rejects->len);
  BOOL ("locked", sim->locked);
  BOOL ("deny_ip", sim->deny_ip);
  BOOL ("bad_credentials", sim->bad_credentials);
  INT ("token_lifetime", sim->token_lifetime);
  INT ("token_epoch", sim->token_epoch);
  INT ("requests", sim->n_requests);
  INT ("batches", sim->n_batches);
  INT ("logins", sim->n_logins);
  INT ("records", sim->n_records);
  INT ("duplicates", sim->n_duplicates);
  INT ("dropped", sim->n_dropped);
  json_builder_end_object (b);
#undef INT
#undef DBL
#undef BOOL
  return json_builder_get_root (b);
}

static gboolean
apply_control (Sim *sim, JsonObject *o, GError **error)
{
  JsonNode *n;

  if (json_object_get_boolean_member_with_default (o, "reset", FALSE))
    reset_faults (sim);
  if ((n = json_object_get_member (o, "busy_for_ms")))
    sim->busy_until = sim_now_ms (sim) + json_node_get_int (n);
#define RATE(name, field) if ((n = json_object_get_member (o, name))) sim->field = json_node_get_double (n)
  RATE ("rate_minus99", rate_minus99);
  RATE ("rate_http500", rate_http500);
  RATE ("rate_http503", rate_http503);
  RATE ("rate_drop_before", rate_drop_before);
  RATE ("rate_drop_after", rate_drop_after);
  RATE ("rate_record_minus99", rate_record_minus99);
  RATE ("rate_garbage", rate_garbage);
#undef RATE
  if ((n = json_object_get_member (o, "latency_ms")))
    sim->latency_ms = (guint) json_node_get_int (n);
  if ((n = json_object_get_member (o, "clock_offset_ms")))
    sim->clock_offset_ms = json_node_get_int (n);
  if ((n = json_object_get_member (o, "max_batch")))
    sim->max_batch = (guint) MAX (1, json_node_get_int (n));
  if ((n = json_object_get_member (o, "max_bytes")))
    sim->max_bytes = (guint) MAX (1, json_node_get_int (n));
  if ((n = json_object_get_member (o, "announce_limits")))
    sim->announce_limits = json_node_get_boolean (n);
  if ((n = json_object_get_member (o, "limits_on_reject")))
    sim->limits_on_reject = json_node_get_boolean (n);
  if ((n = json_object_get_member (o, "locked")))
    sim->locked = json_node_get_boolean (n);
  if ((n = json_object_get_member (o, "deny_ip")))
    sim->deny_ip = json_node_get_boolean (n);
  if ((n = json_object_get_member (o, "bad_credentials")))
    sim->bad_credentials = json_node_get_boolean (n);
  if ((n = json_object_get_member (o, "token_lifetime")))
    sim->token_lifetime = (guint) MAX (1, json_node_get_int (n));
  if (json_object_get_boolean_member_with_default (o, "invalidate_tokens", FALSE))
    sim->token_epoch++;
  if ((n = json_object_get_member (o, "rejects")) && JSON_NODE_HOLDS_ARRAY (n))
    {
      JsonArray *a = json_node_get_array (n);
      g_ptr_array_set_size (sim->rejects, 0);
      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          JsonObject *r = json_array_get_object_element (a, i);
          if (r == NULL ||
              !add_reject_rule (sim, (int) json_object_get_int_member_with_default (r, "code", 0),
                                json_object_get_string_member_with_default (r, "field", ""),
                                json_object_get_string_member_with_default (r, "regex", ""), error))
            {
              if (error && *error == NULL)
                g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "bad reject rule");
              return FALSE;
            }
        }
    }
  return TRUE;
}

static gboolean
is_loopback (SoupServerMessage *msg)
{
  GSocketAddress *addr = soup_server_message_get_remote_address (msg);
  GInetAddress *ia;

  if (addr == NULL || !G_IS_INET_SOCKET_ADDRESS (addr))
    return FALSE;
  ia = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (addr));
  return g_inet_address_get_is_loopback (ia);
}

static void
handle_control (Sim *sim, SoupServerMessage *msg)
{
  g_autoptr(JsonObject) req = NULL;
  g_autoptr(GError) error = NULL;

  if (!is_loopback (msg))
    {
      respond (msg, 403, TTSH_CODE_IP_DENIED, NULL, NULL, NULL, NULL);
      return;
    }
  if (soup_server_message_get_method (msg) == SOUP_METHOD_POST)
    {
      req = parse_body (msg, NULL);
      if (req == NULL || !apply_control (sim, req, &error))
        {
          respond (msg, 400, TTSH_CODE_INVALID_DATA, NULL, NULL, NULL,
                   error ? error->message : "body is not a JSON object");
          return;
        }
      g_message ("control: %s", (char *) g_bytes_get_data (soup_message_body_flatten (
                 soup_server_message_get_request_body (msg)), NULL));
    }
  respond (msg, 200, TTSH_CODE_OK, NULL, control_state (sim), NULL, NULL);
}

static void
server_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  Sim *sim = user_data;
  const char *method = soup_server_message_get_method (msg);
  const char *rel;
  gboolean post = method == SOUP_METHOD_POST, get = method == SOUP_METHOD_GET;

  sim->n_requests++;
  if (g_str_equal (path, "/__control"))
    {
      handle_control (sim, msg);
      return;
    }
  if (!g_str_has_prefix (path, sim->base_path))
    {
      respond (msg, 404, TTSH_CODE_GENERAL, NULL, NULL, NULL, "Không có API này");
      return;
    }
  rel = path + strlen (sim->base_path);
  if (sim->deny_ip)
    respond (msg, 200, TTSH_CODE_IP_DENIED, NULL, NULL, NULL, NULL);
  else if (post && g_str_equal (rel, TTSH_EP_LOGIN))
    handle_login (sim, msg);
  else if (get && g_str_equal (rel, TTSH_EP_SERVER_TIME))
    handle_server_time (sim, msg);
  else if ((post && (g_str_equal (rel, TTSH_EP_LOGOUT) || g_str_equal (rel, TTSH_EP_CHANGE_PASSWORD) ||
                     g_str_equal (rel, TTSH_EP_STATISTICS))) ||
           (get && g_str_equal (rel, TTSH_EP_STATUS)) ||
           (post && (g_str_equal (rel, TTSH_EP_ATTENDANCE) || g_str_equal (rel, TTSH_EP_PROCESS) ||
                     g_str_equal (rel, TTSH_EP_CANCELLATION) || g_str_equal (rel, TTSH_EP_SUMMARY))))
    {
      guint http_status;
      int code;

      if (g_str_has_prefix (rel, "/exam/"))
        {
          const char *kind = g_str_equal (rel, TTSH_EP_ATTENDANCE) ? TTSH_KIND_DIEM_DANH
                           : g_str_equal (rel, TTSH_EP_PROCESS) ? TTSH_KIND_QUA_TRINH
                           : g_str_equal (rel, TTSH_EP_CANCELLATION) ? TTSH_KIND_HUY_KET_QUA
                           : TTSH_KIND_TONG_HOP;
          handle_upload (sim, msg, kind);
        }
      else if ((code = check_token (sim, msg, &http_status)) != TTSH_CODE_OK)
        respond (msg, http_status, code, NULL, NULL, NULL, NULL);
      else if (g_str_equal (rel, TTSH_EP_STATUS))
        handle_status (sim, msg);
      else if (g_str_equal (rel, TTSH_EP_STATISTICS))
        handle_statistics (sim, msg);
      else if (g_str_equal (rel, TTSH_EP_LOGOUT))
        {
          g_autoptr(JsonBuilder) b = json_builder_new ();
          json_builder_begin_object (b);
          json_builder_set_member_name (b, TTSH_W_TRANG_THAI_PHIEN);
          json_builder_add_string_value (b, TTSH_V_DA_DANG_XUAT);
          json_builder_end_object (b);
          respond (msg, 200, TTSH_CODE_OK, NULL, json_builder_get_root (b), NULL, NULL);
        }
      else
        {
          g_autoptr(JsonObject) req = parse_body (msg, NULL);
          const char *user = req ? json_object_get_string_member_with_default (req, TTSH_W_TEN_DANG_NHAP, "") : "";
          const char *old = req ? json_object_get_string_member_with_default (req, TTSH_W_MAT_KHAU_CU, "") : "";
          const char *neu = req ? json_object_get_string_member_with_default (req, TTSH_W_MAT_KHAU_MOI, "") : "";
          const char *cur = g_hash_table_lookup (sim->accounts, user);

          if (cur == NULL || !g_str_equal (cur, old))
            respond (msg, 200, TTSH_CODE_BAD_CREDENTIALS, NULL, NULL, NULL, NULL);
          else if (strlen (neu) < 8)
            respond (msg, 200, TTSH_CODE_INVALID_DATA, NULL, NULL, NULL, "Mật khẩu mới phải có ít nhất 8 ký tự");
          else
            {
              g_autoptr(JsonBuilder) b = json_builder_new ();
              g_hash_table_insert (sim->accounts, g_strdup (user), g_strdup (neu));
              json_builder_begin_object (b);
              json_builder_set_member_name (b, TTSH_W_KET_QUA_DOI_MK);
              json_builder_add_string_value (b, TTSH_V_DA_DOI_MAT_KHAU);
              json_builder_end_object (b);
              respond (msg, 200, TTSH_CODE_OK, NULL, json_builder_get_root (b), NULL, NULL);
            }
        }
    }
  else
    {
      respond (msg, 404, TTSH_CODE_GENERAL, NULL, NULL, NULL, "Không có API này");
      return;
    }
  finish_with_latency (sim, msg);
}

/* Commands ------------------------------------------------------------------- */

static char *
read_secret (const char *path, GError **error)
{
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, error))
    return NULL;
  g_strchomp (text);
  return text;
}

static gboolean
on_quit_signal (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static int
cmd_serve (int argc, char **argv)
{
  g_autofree char *listen = NULL;
  g_autofree char *cert = NULL, *key = NULL, *ledger = NULL, *centre = NULL;
  g_autofree char *base = NULL;
  g_auto(GStrv) accounts = NULL, rejects = NULL;
  int lifetime = 300, busy_s = 0, latency = 0, max_batch = DEFAULT_MAX_BATCH;
  int max_bytes = DEFAULT_MAX_BYTES, seed = 0;
  gint64 clock_offset = 0;
  double r99 = 0, r500 = 0, r503 = 0, rdb = 0, rda = 0;
  gboolean locked = FALSE, deny = FALSE, badcred = FALSE, announce = FALSE;
  GOptionEntry entries[] = {
    { "listen", 0, 0, G_OPTION_ARG_STRING, &listen, "HOST:PORT (port 0: any free port)", "ADDR" },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &cert, "PEM certificate", "FILE" },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &key, "PEM private key", "FILE" },
    { "ledger", 0, 0, G_OPTION_ARG_FILENAME, &ledger, "SQLite ledger of accepted records", "FILE" },
    { "account", 0, 0, G_OPTION_ARG_STRING_ARRAY, &accounts, "USER:PASSWORDFILE (repeatable)", "ACC" },
    { "centre", 0, 0, G_OPTION_ARG_STRING, &centre, "MaTTSH accepted", "CODE" },
    { "base-path", 0, 0, G_OPTION_ARG_STRING, &base, "API base path (/api/v1)", "PATH" },
    { "token-lifetime", 0, 0, G_OPTION_ARG_INT, &lifetime, "Token lifetime, seconds", "S" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &seed, "Random seed of fault rates (0: random)", "N" },
    { "busy-for", 0, 0, G_OPTION_ARG_INT, &busy_s, "Answer -8 (BAN) for S seconds from start", "S" },
    { "rate-minus99", 0, 0, G_OPTION_ARG_DOUBLE, &r99, "Share of uploads answered -99", "F" },
    { "rate-http500", 0, 0, G_OPTION_ARG_DOUBLE, &r500, "Share of uploads answered HTTP 500", "F" },
    { "rate-http503", 0, 0, G_OPTION_ARG_DOUBLE, &r503, "Share of uploads answered HTTP 503", "F" },
    { "rate-drop-before", 0, 0, G_OPTION_ARG_DOUBLE, &rdb, "Share of uploads dropped before commit", "F" },
    { "rate-drop-after", 0, 0, G_OPTION_ARG_DOUBLE, &rda, "Share of uploads dropped after commit", "F" },
    { "latency-ms", 0, 0, G_OPTION_ARG_INT, &latency, "Delay of every answer", "MS" },
    { "clock-offset", 0, 0, G_OPTION_ARG_INT64, &clock_offset, "Offset of the simulated clock, ms", "MS" },
    { "max-batch", 0, 0, G_OPTION_ARG_INT, &max_batch, "Records per batch before -9", "N" },
    { "max-bytes", 0, 0, G_OPTION_ARG_INT, &max_bytes, "Request bytes before -9", "N" },
    { "announce-limits", 0, 0, G_OPTION_ARG_NONE, &announce, "Send GioiHanLo with every batch answer", NULL },
    { "reject", 0, 0, G_OPTION_ARG_STRING_ARRAY, &rejects, "CODE:FIELD:REGEX per-record rejection (repeatable)", "RULE" },
    { "locked", 0, 0, G_OPTION_ARG_NONE, &locked, "Account locked (-2)", NULL },
    { "deny-ip", 0, 0, G_OPTION_ARG_NONE, &deny, "Deny every request (-7)", NULL },
    { "bad-credentials", 0, 0, G_OPTION_ARG_NONE, &badcred, "Refuse every login (-3)", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("— C08 simulator");
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) tls = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GSList) uris = NULL;
  Sim sim = { 0 };
  char *colon;
  guint64 port;
  g_autoptr(GInetAddress) addr = NULL;
  g_autoptr(GSocketAddress) saddr = NULL;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("c08-sim: %s\n", error->message);
      return 2;
    }
  /* Defaults after parsing: GOption replaces string values without freeing them. */
  if (listen == NULL)
    listen = g_strdup ("127.0.0.1:18443");
  if (base == NULL)
    base = g_strdup ("/api/v1");
  if (!cert || !key || !ledger || !centre || !accounts)
    {
      g_printerr ("c08-sim: --tls-cert, --tls-key, --ledger, --centre and --account are required\n");
      return 2;
    }
  colon = strrchr (listen, ':');
  if (colon == NULL || !g_ascii_string_to_unsigned (colon + 1, 10, 0, 65535, &port, NULL))
    {
      g_printerr ("c08-sim: --listen must be HOST:PORT\n");
      return 2;
    }
  *colon = '\0';
  addr = g_inet_address_new_from_string (listen);
  if (addr == NULL)
    {
      g_printerr ("c08-sim: %s is not an IP address\n", listen);
      return 2;
    }

  sim.base_path = g_strdup (base);
  sim.centre = g_strdup (centre);
  sim.token_lifetime = (guint) MAX (1, lifetime);
  sim.accounts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  sim.rejects = g_ptr_array_new_with_free_func ((GDestroyNotify) reject_rule_free);
  sim.rand = seed ? g_rand_new_with_seed ((guint32) seed) : g_rand_new ();
  ttsh_random_bytes (sim.key, sizeof sim.key);
  reset_faults (&sim);
  sim.busy_until = busy_s > 0 ? sim_now_ms (&sim) + busy_s * 1000 : 0;
  sim.rate_minus99 = r99;
  sim.rate_http500 = r500;
  sim.rate_http503 = r503;
  sim.rate_drop_before = rdb;
  sim.rate_drop_after = rda;
  sim.latency_ms = (guint) MAX (0, latency);
  sim.clock_offset_ms = clock_offset;
  sim.max_batch = (guint) MAX (1, max_batch);
  sim.max_bytes = (guint) MAX (1, max_bytes);
  sim.announce_limits = announce;
  sim.locked = locked;
  sim.deny_ip = deny;
  sim.bad_credentials = badcred;
  for (guint i = 0; accounts[i]; i++)
    {
      char *sep = strchr (accounts[i], ':');
      g_autofree char *pw = NULL;
      if (sep == NULL)
        {
          g_printerr ("c08-sim: --account must be USER:PASSWORDFILE\n");
          return 2;
        }
      *sep = '\0';
      pw = read_secret (sep + 1, &error);
      if (pw == NULL)
        {
          g_printerr ("c08-sim: %s\n", error->message);
          return 2;
        }
      g_hash_table_insert (sim.accounts, g_strdup (accounts[i]), g_steal_pointer (&pw));
    }
  for (guint i = 0; rejects && rejects[i]; i++)
    {
      g_auto(GStrv) parts = g_strsplit (rejects[i], ":", 3);
      gint64 code;
      if (g_strv_length (parts) != 3 || !g_ascii_string_to_signed (parts[0], 10, -99, 1, &code, NULL) ||
          !add_reject_rule (&sim, (int) code, parts[1], parts[2], &error))
        {
          g_printerr ("c08-sim: --reject %s: %s\n", rejects[i],
                      error ? error->message : "expected CODE:FIELD:REGEX");
          return 2;
        }
    }

  sim.ledger = ledger_open (ledger, FALSE, &error);
  if (sim.ledger == NULL)
    {
      g_printerr ("c08-sim: %s\n", error->message);
      return 2;
    }
  tls = g_tls_certificate_new_from_files (cert, key, &error);
  if (tls == NULL)
    {
      g_printerr ("c08-sim: %s\n", error->message);
      return 2;
    }
  sim.server = soup_server_new ("tls-certificate", tls, "server-header", "c08-sim", NULL);
  soup_server_add_handler (sim.server, NULL, server_cb, &sim, NULL);
  saddr = g_inet_socket_address_new (addr, (guint16) port);
  if (!soup_server_listen (sim.server, saddr, SOUP_SERVER_LISTEN_HTTPS, &error))
    {
      g_printerr ("c08-sim: cannot listen on %s:%u: %s\n", listen, (guint) port, error->message);
      return 2;
    }
  uris = soup_server_get_uris (sim.server);
  for (GSList *l = uris; l; l = l->next)
    {
      g_autofree char *s = g_uri_to_string (l->data);
      /* The first line on stdout is the base URL: tests parse it. */
      g_print ("c08-sim listening on %.*s%s\n", (int) strlen (s) - 1, s, sim.base_path);
      g_uri_unref (l->data);
    }
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, on_quit_signal, loop);
  g_unix_signal_add (SIGTERM, on_quit_signal, loop);
  g_main_loop_run (loop);

  soup_server_disconnect (sim.server);
  g_clear_object (&sim.server);
  sqlite3_close (sim.ledger);
  g_hash_table_unref (sim.accounts);
  g_ptr_array_unref (sim.rejects);
  g_rand_free (sim.rand);
  g_free (sim.base_path);
  g_free (sim.centre);
  return 0;
}

static int
cmd_ledger (int argc, char **argv)
{
  g_autofree char *path = NULL;
  GOptionEntry entries[] = {
    { "ledger", 0, 0, G_OPTION_ARG_FILENAME, &path, "SQLite ledger", "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("— print the ledger as JSON lines");
  g_autoptr(GError) error = NULL;
  sqlite3 *db;
  sqlite3_stmt *stmt = NULL;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || path == NULL)
    {
      g_printerr ("c08-sim ledger: %s\n", error ? error->message : "--ledger FILE is required");
      return 2;
    }
  db = ledger_open (path, TRUE, &error);
  if (db == NULL)
    {
      g_printerr ("c08-sim ledger: %s\n", error->message);
      return 2;
    }
  sqlite3_prepare_v2 (db, "SELECT id, transaction_code, kind, batch, received_at, payload "
                          "FROM record ORDER BY id", -1, &stmt, NULL);
  while (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *line = NULL;
      g_autofree char *payload = g_strndup (sqlite3_column_blob (stmt, 5), (gsize) sqlite3_column_bytes (stmt, 5));
      g_autofree char *at = ttsh_time_format_ms (sqlite3_column_int64 (stmt, 4));

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_int_value (b, sqlite3_column_int64 (stmt, 0));
      json_builder_set_member_name (b, TTSH_W_TRANSACTION_CODE);
      json_builder_add_string_value (b, (const char *) sqlite3_column_text (stmt, 1));
      json_builder_set_member_name (b, TTSH_W_LOAI_DU_LIEU);
      json_builder_add_string_value (b, (const char *) sqlite3_column_text (stmt, 2));
      json_builder_set_member_name (b, TTSH_W_MA_LO);
      json_builder_add_string_value (b, (const char *) sqlite3_column_text (stmt, 3));
      json_builder_set_member_name (b, "received");
      json_builder_add_string_value (b, at);
      /* A string, not a nested object: the exact bytes C08 received. */
      json_builder_set_member_name (b, "payload");
      json_builder_add_string_value (b, payload);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      line = json_to_string (root, FALSE);
      g_print ("%s\n", line);
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return 0;
}

static int
cmd_push (int argc, char **argv)
{
  g_autofree char *url = NULL, *ca = NULL, *user = NULL, *pwfile = NULL, *session = NULL;
  GOptionEntry entries[] = {
    { "url", 0, 0, G_OPTION_ARG_STRING, &url, "TTSH API base, https://HOST:PORT/ttsh/v1", "URL" },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca, "CA that signed the TTSH certificate", "FILE" },
    { "user", 0, 0, G_OPTION_ARG_STRING, &user, "C08_PUSH account", "NAME" },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &pwfile, "Its password", "FILE" },
    { "session", 0, 0, G_OPTION_ARG_FILENAME, &session, "Exam session JSON (§5.1)", "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("— push an exam session to a TTSH");
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupSession) soup = NULL;
  g_autofree char *password = NULL, *body = NULL, *login_body = NULL, *login_url = NULL;
  g_autofree char *push_url = NULL, *bearer = NULL;
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(SoupMessage) m = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) lroot = NULL;
  gsize body_len;
  JsonObject *env, *data;
  const char *token;
  gint64 code;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || !url || !user || !pwfile || !session)
    {
      g_printerr ("c08-sim push: %s\n", error ? error->message
                  : "--url, --user, --password-file and --session are required");
      return 2;
    }
  if ((password = read_secret (pwfile, &error)) == NULL ||
      !g_file_get_contents (session, &body, &body_len, &error))
    {
      g_printerr ("c08-sim push: %s\n", error->message);
      return 2;
    }
  soup = soup_session_new_with_options ("timeout", 75, NULL);
  if (ca)
    {
      g_autoptr(GTlsDatabase) db = g_tls_file_database_new (ca, &error);
      if (db == NULL)
        {
          g_printerr ("c08-sim push: %s\n", error->message);
          return 2;
        }
      soup_session_set_tls_database (soup, db);
    }

  json_builder_begin_object (b);
  json_builder_set_member_name (b, TTSH_W_TEN_DANG_NHAP);
  json_builder_add_string_value (b, user);
  json_builder_set_member_name (b, TTSH_W_MAT_KHAU);
  json_builder_add_string_value (b, password);
  json_builder_end_object (b);
  lroot = json_builder_get_root (b);
  login_body = json_to_string (lroot, FALSE);
  login_url = g_strconcat (url, TTSH_EP_LOGIN, NULL);
  m = soup_message_new (SOUP_METHOD_POST, login_url);
  if (m == NULL)
    {
      g_printerr ("c08-sim push: bad URL %s\n", url);
      return 2;
    }
  {
    g_autoptr(GBytes) lb = g_bytes_new (login_body, strlen (login_body));
    soup_message_set_request_body_from_bytes (m, "application/json", lb);
  }
  reply = soup_session_send_and_read (soup, m, NULL, &error);
  if (reply == NULL ||
      !json_parser_load_from_data (parser, g_bytes_get_data (reply, NULL), (gssize) g_bytes_get_size (reply), &error) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_printerr ("c08-sim push: login failed: %s\n", error ? error->message : "not an envelope");
      return 1;
    }
  env = json_node_get_object (json_parser_get_root (parser));
  code = json_object_get_int_member_with_default (env, TTSH_W_MA_KET_QUA, 0);
  data = code == 1 ? json_object_get_object_member (env, TTSH_W_DU_LIEU) : NULL;
  token = data ? json_object_get_string_member_with_default (data, TTSH_W_ACCESS_TOKEN, NULL) : NULL;
  if (token == NULL)
    {
      g_print ("%.*s\n", (int) g_bytes_get_size (reply), (const char *) g_bytes_get_data (reply, NULL));
      g_printerr ("c08-sim push: login refused (%" G_GINT64_FORMAT ")\n", code);
      return 1;
    }
  bearer = g_strconcat ("Bearer ", token, NULL);
  g_clear_object (&m);
  g_clear_pointer (&reply, g_bytes_unref);

  /* TTSH_API_EXAM_SESSIONS is absolute (/ttsh/v1/...): keep only its tail. */
  push_url = g_strconcat (url, &TTSH_API_EXAM_SESSIONS[strlen (TTSH_API_BASE)], NULL);
  m = soup_message_new (SOUP_METHOD_POST, push_url);
  soup_message_headers_replace (soup_message_get_request_headers (m), "Authorization", bearer);
  soup_message_headers_replace (soup_message_get_request_headers (m), "Accept", "application/json");
  {
    g_autoptr(GBytes) sb = g_bytes_new_take (g_steal_pointer (&body), body_len);
    soup_message_set_request_body_from_bytes (m, "application/json", sb);
  }
  reply = soup_session_send_and_read (soup, m, NULL, &error);
  if (reply == NULL)
    {
      g_printerr ("c08-sim push: %s\n", error->message);
      return 1;
    }
  g_print ("%.*s\n", (int) g_bytes_get_size (reply), (const char *) g_bytes_get_data (reply, NULL));
  if (!json_parser_load_from_data (parser, g_bytes_get_data (reply, NULL), (gssize) g_bytes_get_size (reply), NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return 1;
  env = json_node_get_object (json_parser_get_root (parser));
  return json_object_get_int_member_with_default (env, TTSH_W_MA_KET_QUA, 0) == 1 ? 0 : 1;
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  if (argc > 1 && g_str_equal (argv[1], "push"))
    return cmd_push (argc - 1, argv + 1);
  if (argc > 1 && g_str_equal (argv[1], "ledger"))
    return cmd_ledger (argc - 1, argv + 1);
  return cmd_serve (argc, argv);
}
