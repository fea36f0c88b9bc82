/* test-server-util.h — a real engine with its HTTPS API on a free loopback
 * port, a test CA, API accounts, and a blocking JSON client for the tests. */
#pragma once

#include <string.h>

#include <libsoup/soup.h>

#include "exam-sim-data.h"
#include "ttsh-clients.h"
#include "ttsh-engine.h"
#include "ttsh-server.h"
#include "ttsh-test-util.h"
#include "ttsh-wire.h"

#define TS_PASSWORD "mat-khau-thu-1"
#define TS_CENTRE   "TTSH-HN-01"

typedef struct {
  char        *dir;
  char        *conf;
  char        *base;         /* https://127.0.0.1:PORT/ttsh/v1 */
  guint16      port;
  TtshEngine  *engine;
  SoupSession *session;
} TestServer;

/* A free loopback port this process has not used yet: a client's TLS state
 * for an earlier server on the same port (its CA file since removed) must
 * not meet the next test's server. */
static inline guint16
ts_free_port (void)
{
  static guint8 used[65536 / 8];

  for (;;)
    {
      g_autoptr(GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
      g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);
      g_autoptr(GSocketAddress) bound = NULL;
      guint16 port;

      g_assert_true (g_socket_bind (sock, any, FALSE, NULL));
      bound = g_socket_get_local_address (sock, NULL);
      port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
      if (!(used[port / 8] & (1u << (port % 8))))
        {
          used[port / 8] |= (guint8) (1u << (port % 8));
          return port;
        }
    }
}

/* Starts an engine with accounts c08, ly-thuyet, sa-hinh, duong-truong
 * (password TS_PASSWORD). @c08_section: a full [c08] group aiming the
 * sender at a simulator (its password file c08.pass holds
 * "secret-password"), or NULL for an engine without sender. */
static inline void
ts_start_with (TestServer *ts,
               const char *c08_section)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *cmd = NULL;
  g_autofree char *server = NULL;
  g_autofree char *db = NULL;
  g_autofree char *ca = NULL;
  g_autoptr(GTlsDatabase) tlsdb = NULL;
  TtshConfig *config;
  static const char *const accounts[][2] = {
    { "c08", TTSH_ROLE_C08_PUSH }, { "ly-thuyet", TTSH_ROLE_EXAM_LY_THUYET },
    { "sa-hinh", TTSH_ROLE_EXAM_SA_HINH }, { "duong-truong", TTSH_ROLE_EXAM_DUONG_TRUONG },
  };

  ttsh_tls_harden ();
  memset (ts, 0, sizeof *ts);
  ts->dir = ttsh_test_mkdtemp ();
  cmd = g_strdup_printf ("'%s/build-aux/make-certs' '%s' >/dev/null 2>&1", SOURCE_ROOT, ts->dir);
  g_assert_cmpint (system (cmd), ==, 0);
  db = g_build_filename (ts->dir, "data", NULL);
  g_mkdir_with_parents (db, 0700);
  g_clear_pointer (&db, g_free);

  for (int attempt = 0; attempt < 5; attempt++)
    {
      ts->port = ts_free_port ();
      g_free (server);
      server = g_strdup_printf ("[server]\nlisten=127.0.0.1:%u\ntls-cert=ttsh.pem\ntls-key=ttsh.key\n", ts->port);
      g_free (ts->conf);
      ts->conf = ttsh_test_write_config (ts->dir, server);
      if (c08_section)
        {
          g_autofree char *text = g_strdup_printf (
              "[centre]\ncode=TTSH-HN-01\nname=Trung tâm sát hạch lái xe Hà Nội 1\n%s%s"
              "[storage]\ndatabase=data/ttsh.db\n", c08_section, server);
          g_file_set_contents (ts->conf, text, -1, &error);
          g_assert_no_error (error);
        }
      config = ttsh_config_load (ts->conf, &error);
      g_assert_no_error (error);
      if (attempt == 0)
        {
          g_autoptr(TtshStore) store = ttsh_store_open (config->database, TTSH_STORE_NONE, &error);
          g_assert_no_error (error);
          for (guint i = 0; i < G_N_ELEMENTS (accounts); i++)
            {
              g_assert_true (ttsh_clients_add (store, accounts[i][0], accounts[i][1], TS_PASSWORD, "test", &error));
              g_assert_no_error (error);
            }
        }
      ts->engine = ttsh_engine_new (config, c08_section ? TTSH_ENGINE_NONE : TTSH_ENGINE_NO_SENDER);
      if (ttsh_engine_start (ts->engine, &error))
        break;
      /* The probed port was taken in between: try another. */
      g_test_message ("engine start: %s", error->message);
      g_clear_error (&error);
      g_clear_object (&ts->engine);
    }
  g_assert_nonnull (ts->engine);

  ca = g_build_filename (ts->dir, "ca.pem", NULL);
  tlsdb = g_tls_file_database_new (ca, &error);
  g_assert_no_error (error);
  {
    /* Loopback only: no proxy lookup (libproxy throws C++ exceptions that
     * ASan's interceptor cannot unwind). */
    g_autoptr(GProxyResolver) direct = g_simple_proxy_resolver_new (NULL, NULL);
    ts->session = soup_session_new_with_options ("tls-database", tlsdb, "timeout", 30,
                                                 "proxy-resolver", direct, NULL);
  }
  ts->base = g_strdup_printf ("https://127.0.0.1:%u/ttsh/v1", ts->port);
}

static inline void
ts_start (TestServer *ts,
          const char *unused)
{
  ts_start_with (ts, NULL);
}

static inline void
ts_stop (TestServer *ts)
{
  /* Nothing of this client outlives its test folder. */
  if (ts->session)
    soup_session_abort (ts->session);
  g_clear_object (&ts->session);
  if (ts->engine)
    {
      ttsh_engine_stop (ts->engine);
      g_clear_object (&ts->engine);
    }
  ttsh_test_rmdir (ts->dir);
  g_clear_pointer (&ts->dir, g_free);
  g_clear_pointer (&ts->conf, g_free);
  g_clear_pointer (&ts->base, g_free);
}

/* Sends @body (may be NULL) and returns the parsed envelope, asserting it is
 * one. *http gets the HTTP status. */
static inline JsonObject *
ts_call_raw (TestServer *ts,
             const char *method,
             const char *path,
             const char *token,
             const char *content_type,
             const char *body,
             gsize       body_len,
             guint      *http)
{
  g_autofree char *url = g_strconcat (ts->base, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  g_assert_nonnull (msg);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept", "application/json");
  if (token)
    {
      g_autofree char *auth = g_strdup_printf ("Bearer %s", token);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
    }
  if (body)
    {
      g_autoptr(GBytes) b = g_bytes_new (body, body_len);
      soup_message_set_request_body_from_bytes (msg, content_type, b);
    }
  reply = soup_session_send_and_read (ts->session, msg, NULL, &error);
  g_assert_no_error (error);
  if (http)
    *http = soup_message_get_status (msg);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (reply, NULL),
                                             g_bytes_get_size (reply), &error));
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  g_assert_true (json_object_has_member (json_node_get_object (root), TTSH_W_MA_KET_QUA));
  g_assert_true (json_object_has_member (json_node_get_object (root), TTSH_W_THONG_TIN_LOI));
  return json_object_ref (json_node_get_object (root));
}

static inline JsonObject *
ts_call (TestServer *ts,
         const char *method,
         const char *path,
         const char *token,
         const char *body)
{
  return ts_call_raw (ts, method, path, token, "application/json", body, body ? strlen (body) : 0, NULL);
}

static inline JsonObject *
ts_call_node (TestServer *ts,
              const char *method,
              const char *path,
              const char *token,
              JsonNode   *body)
{
  g_autofree char *text = json_to_string (body, FALSE);
  return ts_call (ts, method, path, token, text);
}

static inline int
ts_code (JsonObject *env)
{
  return (int) json_object_get_int_member (env, TTSH_W_MA_KET_QUA);
}

static inline char *
ts_login (TestServer *ts,
          const char *name)
{
  g_autofree char *body = g_strdup_printf ("{\"TenDangNhap\":\"%s\",\"MatKhau\":\"%s\"}", name, TS_PASSWORD);
  g_autoptr(JsonObject) env = ts_call (ts, "POST", "/auth/login", NULL, body);

  g_assert_cmpint (ts_code (env), ==, 1);
  return g_strdup (json_object_get_string_member (json_object_get_object_member (env, TTSH_W_DU_LIEU),
                                                  TTSH_W_ACCESS_TOKEN));
}

static gpointer
ts_count_func (TtshEngine *engine, TtshStore *store, gpointer data, GError **error)
{
  sqlite3_stmt *stmt = ttsh_store_prepare (store, data, error);
  gint64 *n;

  if (stmt == NULL)
    return NULL;
  n = g_new0 (gint64, 1);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    *n = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

/* First column of the first row of @sql, on the engine thread. */
static inline gint64
ts_count (TestServer *ts,
          const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autofree gint64 *n = ttsh_engine_call_sync (ts->engine, ts_count_func, (gpointer) sql, &error);

  g_assert_no_error (error);
  return *n;
}

/* The request log is written in the background: poll (bounded) for it. */
static inline gint64
ts_wait_count (TestServer *ts,
               const char *sql,
               gint64      at_least)
{
  gint64 n = 0;

  for (int i = 0; i < 100 && (n = ts_count (ts, sql)) < at_least; i++)
    g_usleep (50 * 1000);
  return n;
}

/* json_node_copy () shares objects and arrays: a test that edits needs this. */
static inline JsonNode *
ts_deep_copy (JsonNode *node)
{
  g_autofree char *text = json_to_string (node, FALSE);
  return json_from_string (text, NULL);
}

/* A §4.3 batch around the given records (taken). */
static inline JsonNode *
ts_batch (JsonArray *records)
{
  JsonObject *o = json_object_new ();
  JsonNode *n = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *now = ttsh_time_now ();

  json_object_set_string_member (o, TTSH_W_MA_TTSH, TS_CENTRE);
  json_object_set_string_member (o, TTSH_W_MA_LO, "LO-TEST-1");
  json_object_set_string_member (o, TTSH_W_THOI_GIAN_GUI, now);
  json_object_set_array_member (o, TTSH_W_DANH_SACH, records);
  json_node_take_object (n, o);
  return n;
}

/* The identity block of candidate @i of a generated session, for @content. */
static inline JsonObject *
ts_identity (JsonNode   *session,
             guint       i,
             const char *content,
             const char *tx)
{
  JsonObject *root = json_node_get_object (session);
  JsonObject *ky = json_object_get_object_member (root, TTSH_W_KY_SAT_HACH);
  JsonObject *hv = json_array_get_object_element (json_object_get_array_member (root, TTSH_W_HOC_VIEN), i);
  JsonObject *r = json_object_new ();
  const char *names[] = { TTSH_W_MA_DANG_KY, TTSH_W_HO_TEN, TTSH_W_NGAY_SINH, TTSH_W_SO_CCCD,
                          TTSH_W_SO_BAO_DANH, TTSH_W_HANG_SAT_HACH };

  json_object_set_string_member (r, TTSH_W_TRANSACTION_CODE, tx);
  for (guint k = 0; k < G_N_ELEMENTS (names); k++)
    json_object_set_string_member (r, names[k], json_object_get_string_member (hv, names[k]));
  json_object_set_string_member (r, TTSH_W_MA_KY_SAT_HACH, json_object_get_string_member (ky, TTSH_W_MA_KY_SAT_HACH));
  json_object_set_string_member (r, TTSH_W_NOI_DUNG_SAT_HACH, content);
  return r;
}

/* Index of the first candidate of @session registered for @content from @from. */
static inline guint
ts_candidate_with (JsonNode   *session,
                   const char *content,
                   guint       from)
{
  JsonArray *list = json_object_get_array_member (json_node_get_object (session), TTSH_W_HOC_VIEN);

  for (guint i = from; i < json_array_get_length (list); i++)
    {
      JsonArray *c = json_object_get_array_member (json_array_get_object_element (list, i), TTSH_W_NOI_DUNG_SAT_HACH);
      for (guint k = 0; k < json_array_get_length (c); k++)
        if (g_str_equal (json_array_get_string_element (c, k), content))
          return i;
    }
  g_assert_not_reached ();
  return 0;
}

/* One record's MaKetQua in a batch reply. */
static inline int
ts_record_code (JsonObject *env,
                guint       i)
{
  JsonObject *data = json_object_get_object_member (env, TTSH_W_DU_LIEU);
  JsonArray *list = json_object_get_array_member (data, TTSH_W_KET_QUA);
  return (int) json_object_get_int_member (json_array_get_object_element (list, i), TTSH_W_MA_KET_QUA);
}
