/* test-server-api.c — the TTSH API's front door over real TLS on loopback:
 * every authentication failure, lockout with its alarm, logout revocation,
 * password change, rate limit, body limits (declared and chunked), deep JSON,
 * slow clients and refusal of TLS 1.0/1.1. */
#include "config.h"

#include <gio/gio.h>

#include "ttsh-crypto.h"
#include "ttsh-jwt.h"
#include "ttsh-validate.h"
#include "test-server-util.h"

static void
test_login_logout (void)
{
  TestServer ts;
  g_autofree char *token = NULL;
  g_autoptr(JsonObject) env = NULL;
  guint http = 0;

  ts_start (&ts, NULL);
  token = ts_login (&ts, "sa-hinh");
  g_assert_cmpint (ts_count (&ts, "SELECT count(*) FROM api_token WHERE revoked_at IS NULL"), ==, 1);
  {
    gint64 exp = 0;
    g_assert_true (ttsh_jwt_peek_exp (token, &exp));
    g_assert_cmpint (exp - g_get_real_time () / G_USEC_PER_SEC, >, 3500);
  }

  /* Server time works without a token; status does not. */
  env = ts_call (&ts, "GET", "/auth/server-time", NULL, NULL);
  g_assert_cmpint (ts_code (env), ==, 1);
  g_clear_pointer (&env, json_object_unref);
  env = ts_call_raw (&ts, "GET", "/status", NULL, NULL, NULL, 0, &http);
  g_assert_cmpint (ts_code (env), ==, -1);
  g_assert_cmpuint (http, ==, 401);
  g_clear_pointer (&env, json_object_unref);

  env = ts_call (&ts, "GET", "/status?MaTTSH=" TS_CENTRE, token, NULL);
  g_assert_cmpint (ts_code (env), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (env, "DuLieu"), "TrangThai"),
                   ==, "SAN_SANG");
  g_clear_pointer (&env, json_object_unref);
  env = ts_call (&ts, "GET", "/status?MaTTSH=TTSH-XX-99", token, NULL);
  g_assert_cmpint (ts_code (env), ==, -6);
  g_clear_pointer (&env, json_object_unref);

  env = ts_call (&ts, "POST", "/auth/logout", token, "{\"TenDangNhap\":\"sa-hinh\"}");
  g_assert_cmpint (ts_code (env), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (env, "DuLieu"), "TrangThaiPhien"),
                   ==, "DA_DANG_XUAT");
  g_clear_pointer (&env, json_object_unref);

  /* The same token after logout is refused. */
  env = ts_call_raw (&ts, "GET", "/status", token, NULL, NULL, 0, &http);
  g_assert_cmpint (ts_code (env), ==, -1);
  g_assert_cmpuint (http, ==, 401);
  g_clear_pointer (&env, json_object_unref);

  g_assert_cmpint (ts_count (&ts, "SELECT count(*) FROM journal WHERE action = 'LOGIN'"), ==, 1);
  g_assert_cmpint (ts_count (&ts, "SELECT count(*) FROM journal WHERE action = 'LOGOUT'"), ==, 1);
  ts_stop (&ts);
}

static void
test_bad_tokens (void)
{
  TestServer ts;
  g_autofree char *token = NULL;
  g_autofree char *forged = NULL;
  g_autofree char *expired = NULL;
  g_autofree char *none_alg = NULL;
  guint8 other[32];
  const char *bad[5];
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  ts_start (&ts, NULL);
  token = ts_login (&ts, "ly-thuyet");
  g_assert_true (ttsh_random_bytes (other, sizeof other));
  forged = ttsh_jwt_sign (other, sizeof other, "ly-thuyet", "EXAM_LY_THUYET", "x", now, now + 600);
  /* Signed with a key the engine does not have, expired, alg none, garbage. */
  expired = ttsh_jwt_sign (other, sizeof other, "ly-thuyet", "EXAM_LY_THUYET", "y", now - 7200, now - 3600);
  {
    g_autofree char *h = ttsh_base64url_encode ((const guint8 *) "{\"alg\":\"none\"}", 14);
    g_autofree char *payload = NULL;
    char *p = strchr (token, '.') + 1;
    payload = g_strndup (p, strchr (p, '.') - p);
    none_alg = g_strconcat (h, ".", payload, ".", NULL);
  }
  bad[0] = forged; bad[1] = expired; bad[2] = none_alg; bad[3] = "abc.def.ghi"; bad[4] = "";
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      guint http = 0;
      g_autoptr(JsonObject) env = ts_call_raw (&ts, "GET", "/status", bad[i], NULL, NULL, 0, &http);
      g_assert_cmpint (ts_code (env), ==, -1);
      g_assert_cmpuint (http, ==, 401);
      g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (env, "ThongTinLoi"), "TenLoi"),
                       ==, "TOKEN_KHONG_HOP_LE");
    }
  ts_stop (&ts);
}

/* A token accepted once is remembered as verified, but not past its expiry:
 * signed with the engine's own key, valid for about a second (the leeway),
 * accepted, then refused once that second is over. */
static void
test_token_expires_after_use (void)
{
  TestServer ts;
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshConfig) config = NULL;
  g_autoptr(TtshStore) store = NULL;
  g_autofree char *token = NULL;
  g_autofree char *jti = NULL;
  g_autofree char *short_lived = NULL;
  gint64 now;

  ts_start (&ts, NULL);
  token = ts_login (&ts, "ly-thuyet");
  config = ttsh_config_load (ts.conf, &error);
  g_assert_no_error (error);
  store = ttsh_store_open (config->database, TTSH_STORE_NONE, &error);
  g_assert_no_error (error);
  {
    sqlite3_stmt *stmt = ttsh_store_prepare (store, "SELECT jti FROM api_token WHERE revoked_at IS NULL", &error);
    g_assert_no_error (error);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    jti = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
    sqlite3_reset (stmt);
  }
  now = g_get_real_time () / G_USEC_PER_SEC;
  short_lived = ttsh_jwt_sign (ttsh_keyring_key (ttsh_store_keys (store), TTSH_KEY_TOKEN), TTSH_KEY_LEN,
                               "ly-thuyet", "EXAM_LY_THUYET", jti, now - 60, now + 1 - TTSH_JWT_LEEWAY_S);
  {
    g_autoptr(JsonObject) env = ts_call (&ts, "GET", "/status", short_lived, NULL);
    g_assert_cmpint (ts_code (env), ==, 1);
  }
  g_usleep (2500 * 1000);
  {
    guint http = 0;
    g_autoptr(JsonObject) env = ts_call_raw (&ts, "GET", "/status", short_lived, NULL, NULL, 0, &http);
    g_assert_cmpint (ts_code (env), ==, -1);
    g_assert_cmpuint (http, ==, 401);
  }
  {
    /* The token from the login is still good. */
    g_autoptr(JsonObject) env = ts_call (&ts, "GET", "/status", token, NULL);
    g_assert_cmpint (ts_code (env), ==, 1);
  }
  g_clear_pointer (&store, ttsh_store_free);
  ts_stop (&ts);
}

static JsonObject *
login_with (TestServer *ts, const char *name, const char *password)
{
  g_autofree char *body = g_strdup_printf ("{\"TenDangNhap\":\"%s\",\"MatKhau\":\"%s\"}", name, password);
  return ts_call (ts, "POST", "/auth/login", NULL, body);
}

static void
test_lockout (void)
{
  TestServer ts;

  ts_start (&ts, NULL);
  /* Unknown account and wrong password look the same. */
  {
    g_autoptr(JsonObject) env = login_with (&ts, "khong-ton-tai", "x");
    g_assert_cmpint (ts_code (env), ==, -3);
  }
  for (int i = 1; i <= 4; i++)
    {
      g_autoptr(JsonObject) env = login_with (&ts, "duong-truong", "sai-mat-khau");
      g_assert_cmpint (ts_code (env), ==, -3);
    }
  {
    g_autoptr(JsonObject) env = login_with (&ts, "duong-truong", "sai-mat-khau");
    g_assert_cmpint (ts_code (env), ==, -2);
  }
  /* Locked: even the right password is refused, and an alarm is open. */
  {
    g_autoptr(JsonObject) env = login_with (&ts, "duong-truong", TS_PASSWORD);
    g_assert_cmpint (ts_code (env), ==, -2);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (env, "ThongTinLoi"), "TenLoi"),
                     ==, "TAI_KHOAN_BI_KHOA");
  }
  g_assert_cmpint (ts_count (&ts, "SELECT count(*) FROM alarm WHERE kind = 'CLIENT_LOCKED' "
                                  "AND subject = 'duong-truong' AND cleared_at IS NULL"), ==, 1);
  g_assert_cmpint (ts_count (&ts, "SELECT count(*) FROM api_client WHERE name = 'duong-truong' "
                                  "AND locked_at IS NOT NULL"), ==, 1);
  g_assert_cmpint (ts_count (&ts, "SELECT count(*) FROM journal WHERE action = 'LOGIN_FAILED'"), >=, 6);
  /* Other accounts are unaffected. */
  g_free (ts_login (&ts, "sa-hinh"));

  /* Malformed login bodies are -4, not a failed attempt. */
  {
    g_autoptr(JsonObject) env = ts_call (&ts, "POST", "/auth/login", NULL, "{\"TenDangNhap\":\"sa-hinh\"}");
    g_assert_cmpint (ts_code (env), ==, -4);
  }
  {
    g_autoptr(JsonObject) env = ts_call_raw (&ts, "POST", "/auth/login", NULL, "text/plain", "x", 1, NULL);
    g_assert_cmpint (ts_code (env), ==, -4);
  }
  ts_stop (&ts);
}

static int
status_code (TestServer *ts,
             const char *token)
{
  g_autoptr(JsonObject) env = ts_call_raw (ts, "GET", "/status", token, NULL, NULL, 0, NULL);

  return ts_code (env);
}

/* The server keeps a token's account check between requests: any change to
 * the account must still apply to the very next request, whether the
 * engine's own connection wrote it outside the server's code or another
 * process did on the same database. */
static void
test_account_changes_apply_at_once (void)
{
  TestServer ts;
  g_autofree char *token = NULL;
  g_autofree char *db_path = NULL;
  sqlite3 *other = NULL;

  ts_start (&ts, NULL);
  token = ts_login (&ts, "sa-hinh");
  g_assert_cmpint (status_code (&ts, token), ==, 1);
  g_assert_cmpint (status_code (&ts, token), ==, 1);

  /* The engine's connection, not through the server. */
  g_assert_cmpint (ts_count (&ts, "UPDATE api_client SET locked_at = 1 WHERE name = 'sa-hinh' RETURNING 1"), ==, 1);
  g_assert_cmpint (status_code (&ts, token), ==, -2);
  g_assert_cmpint (ts_count (&ts, "UPDATE api_client SET locked_at = NULL WHERE name = 'sa-hinh' RETURNING 1"), ==, 1);
  g_assert_cmpint (status_code (&ts, token), ==, 1);

  /* Another connection: the change reaches the server all the same. */
  db_path = g_build_filename (ts.dir, "data", "ttsh.db", NULL);
  g_assert_cmpint (sqlite3_open_v2 (db_path, &other, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (other, 5000);
  g_assert_cmpint (sqlite3_exec (other, "UPDATE api_client SET disabled = 1 WHERE name = 'sa-hinh'", NULL, NULL, NULL),
                   ==, SQLITE_OK);
  g_assert_cmpint (status_code (&ts, token), ==, -2);
  g_assert_cmpint (sqlite3_exec (other, "UPDATE api_client SET disabled = 0 WHERE name = 'sa-hinh'", NULL, NULL, NULL),
                   ==, SQLITE_OK);
  g_assert_cmpint (status_code (&ts, token), ==, 1);
  g_assert_cmpint (sqlite3_exec (other, "UPDATE api_token SET revoked_at = 1", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (status_code (&ts, token), ==, -1);
  sqlite3_close (other);
  ts_stop (&ts);
}

static void
test_change_password (void)
{
  TestServer ts;
  g_autofree char *token = NULL;

  ts_start (&ts, NULL);
  token = ts_login (&ts, "sa-hinh");
  {
    g_autoptr(JsonObject) env = ts_call (&ts, "POST", "/auth/change-password", token,
        "{\"TenDangNhap\":\"sa-hinh\",\"MatKhauCu\":\"" TS_PASSWORD "\",\"MatKhauMoi\":\"ngan\"}");
    g_assert_cmpint (ts_code (env), ==, -4);
  }
  {
    g_autoptr(JsonObject) env = ts_call (&ts, "POST", "/auth/change-password", token,
        "{\"TenDangNhap\":\"sa-hinh\",\"MatKhauCu\":\"sai\",\"MatKhauMoi\":\"mat-khau-moi-2026\"}");
    g_assert_cmpint (ts_code (env), ==, -3);
  }
  {
    g_autoptr(JsonObject) env = ts_call (&ts, "POST", "/auth/change-password", token,
        "{\"TenDangNhap\":\"sa-hinh\",\"MatKhauCu\":\"" TS_PASSWORD "\",\"MatKhauMoi\":\"mat-khau-moi-2026\"}");
    g_assert_cmpint (ts_code (env), ==, 1);
  }
  /* Old token revoked, old password gone, new one works. */
  {
    g_autoptr(JsonObject) env = ts_call (&ts, "GET", "/status", token, NULL);
    g_assert_cmpint (ts_code (env), ==, -1);
  }
  {
    g_autoptr(JsonObject) env = login_with (&ts, "sa-hinh", TS_PASSWORD);
    g_assert_cmpint (ts_code (env), ==, -3);
  }
  {
    g_autoptr(JsonObject) env = login_with (&ts, "sa-hinh", "mat-khau-moi-2026");
    g_assert_cmpint (ts_code (env), ==, 1);
  }
  ts_stop (&ts);
}

static void
test_rate_limit (void)
{
  TestServer ts;
  g_autofree char *token = NULL;
  int busy = 0, ok = 0;

  g_setenv ("TTSH_SERVER_RATE", "2:5", TRUE);
  ts_start (&ts, NULL);
  g_unsetenv ("TTSH_SERVER_RATE");
  token = ts_login (&ts, "sa-hinh");
  for (int i = 0; i < 12; i++)
    {
      guint http = 0;
      g_autoptr(JsonObject) env = ts_call_raw (&ts, "GET", "/status", token, NULL, NULL, 0, &http);
      if (ts_code (env) == -8)
        {
          g_assert_cmpuint (http, ==, 429);
          busy++;
        }
      else
        {
          g_assert_cmpint (ts_code (env), ==, 1);
          ok++;
        }
    }
  g_assert_cmpint (busy, >, 0);
  g_assert_cmpint (ok, >=, 5);
  ts_stop (&ts);
}

static void
test_body_limits (void)
{
  TestServer ts;
  g_autofree char *token = NULL;
  gsize big_len = TTSH_BODY_MAX_BYTES + 4096;
  g_autofree char *big = g_malloc (big_len);

  ts_start (&ts, NULL);
  token = ts_login (&ts, "sa-hinh");
  memset (big, ' ', big_len);
  big[0] = '{';
  big[big_len - 1] = '}';

  /* Declared too large: refused from the headers with -9. */
  {
    guint http = 0;
    g_autoptr(JsonObject) env = ts_call_raw (&ts, "POST", "/attendance", token, "application/json",
                                             big, big_len, &http);
    g_assert_cmpint (ts_code (env), ==, -9);
    g_assert_cmpuint (http, ==, 413);
    /* The limits to split to are announced. */
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (
        json_object_get_object_member (env, "ThongTinBoSung"), "GioiHanLo"), "KichThuoc"), ==, TTSH_BODY_MAX_BYTES);
  }

  /* Chunked without a length: the connection is cut once over the limit. */
  {
    g_autofree char *url = g_strconcat (ts.base, "/attendance", NULL);
    g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
    g_autoptr(GInputStream) in = g_memory_input_stream_new_from_data (big, big_len, NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) reply = NULL;
    g_autofree char *auth = g_strdup_printf ("Bearer %s", token);

    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
    soup_message_set_request_body (msg, "application/json", in, -1);
    reply = soup_session_send_and_read (ts.session, msg, NULL, &error);
    g_assert_true (error != NULL || soup_message_get_status (msg) == 413);
  }
  g_assert_cmpint (ts_count (&ts, "SELECT count(*) FROM attendance"), ==, 0);

  /* Deep nesting would crash json-glib 1.6: refused before parsing. */
  {
    gsize n = 100000;
    g_autofree char *deep = g_malloc (n * 2);
    g_autoptr(JsonObject) env = NULL;

    memset (deep, '[', n);
    memset (deep + n, ']', n);
    env = ts_call_raw (&ts, "POST", "/attendance", token, "application/json", deep, n * 2, NULL);
    g_assert_cmpint (ts_code (env), ==, -4);
    g_assert_nonnull (strstr (json_object_get_string_member (env, "MoTaChiTietLoi"), "lồng nhau"));
  }
  /* Not JSON, wrong content type, not an object. */
  {
    g_autoptr(JsonObject) env = ts_call (&ts, "POST", "/attendance", token, "{\"MaTTSH\": ");
    g_assert_cmpint (ts_code (env), ==, -4);
  }
  {
    g_autoptr(JsonObject) env = ts_call_raw (&ts, "POST", "/attendance", token, "text/plain", "{}", 2, NULL);
    g_assert_cmpint (ts_code (env), ==, -4);
  }
  {
    g_autoptr(JsonObject) env = ts_call (&ts, "POST", "/attendance", token, "[1,2]");
    g_assert_cmpint (ts_code (env), ==, -4);
  }
  /* Unknown endpoint and method. */
  {
    guint http = 0;
    g_autoptr(JsonObject) env G_GNUC_UNUSED = ts_call_raw (&ts, "DELETE", "/attendance", token, NULL, NULL, 0, &http);
    g_assert_cmpuint (http, ==, 404);
  }
  /* Still serving. */
  {
    g_autoptr(JsonObject) env = ts_call (&ts, "GET", "/status", token, NULL);
    g_assert_cmpint (ts_code (env), ==, 1);
  }
  ts_stop (&ts);
}

/* A client that opens TLS and sends half a request is cut off. */
static void
test_slow_client (void)
{
  TestServer ts;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GTlsDatabase) db = NULL;
  g_autofree char *ca = NULL;
  const char *partial = "POST /ttsh/v1/attendance HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{\"MaTTSH\"";
  char buf[256];
  gssize n;
  gint64 t0;

  g_setenv ("TTSH_SERVER_READ_TIMEOUT_MS", "700", TRUE);
  ts_start (&ts, NULL);
  g_unsetenv ("TTSH_SERVER_READ_TIMEOUT_MS");

  g_socket_client_set_enable_proxy (client, FALSE);
  conn = g_socket_client_connect_to_host (client, "127.0.0.1", ts.port, NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr(GSocketConnectable) id = g_network_address_new ("127.0.0.1", ts.port);
    tls = g_tls_client_connection_new (G_IO_STREAM (conn), id, &error);
  }
  g_assert_no_error (error);
  ca = g_build_filename (ts.dir, "ca.pem", NULL);
  db = g_tls_file_database_new (ca, &error);
  g_assert_no_error (error);
  g_tls_connection_set_database (G_TLS_CONNECTION (tls), db);
  g_assert_true (g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (tls), partial, strlen (partial),
                                            NULL, NULL, &error));
  t0 = g_get_monotonic_time ();
  /* The server must close; a read returns 0 or an error, never hangs. */
  g_socket_set_timeout (g_socket_connection_get_socket (conn), 10);
  n = g_input_stream_read (g_io_stream_get_input_stream (tls), buf, sizeof buf, NULL, &error);
  g_assert_cmpint (n, <=, 0);
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 9 * G_USEC_PER_SEC);
  g_clear_error (&error);

  /* The timeout was logged and the server still answers others. */
  g_assert_cmpint (ts_wait_count (&ts, "SELECT count(*) FROM inbound_request WHERE http_status = 408", 1), ==, 1);
  g_free (ts_login (&ts, "sa-hinh"));
  ts_stop (&ts);
}

static int
s_client (guint16 port, const char *version)
{
  g_autofree char *cmd = g_strdup_printf (
      "openssl s_client -connect 127.0.0.1:%u -%s -cipher 'DEFAULT@SECLEVEL=0' </dev/null >/dev/null 2>&1",
      port, version);
  int status = system (cmd);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static void
test_tls_versions (void)
{
  TestServer ts;
  g_autofree char *openssl = g_find_program_in_path ("openssl");

  if (openssl == NULL)
    {
      g_test_skip ("openssl not installed");
      return;
    }
  ts_start (&ts, NULL);
  g_assert_cmpint (s_client (ts.port, "tls1"), !=, 0);
  g_assert_cmpint (s_client (ts.port, "tls1_1"), !=, 0);
  g_assert_cmpint (s_client (ts.port, "tls1_2"), ==, 0);
  g_assert_cmpint (s_client (ts.port, "tls1_3"), ==, 0);
  ts_stop (&ts);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/server-api/login-logout", test_login_logout);
  g_test_add_func ("/server-api/bad-tokens", test_bad_tokens);
  g_test_add_func ("/server-api/token-expires-after-use", test_token_expires_after_use);
  g_test_add_func ("/server-api/lockout", test_lockout);
  g_test_add_func ("/server-api/account-changes-apply-at-once", test_account_changes_apply_at_once);
  g_test_add_func ("/server-api/change-password", test_change_password);
  g_test_add_func ("/server-api/rate-limit", test_rate_limit);
  g_test_add_func ("/server-api/body-limits", test_body_limits);
  g_test_add_func ("/server-api/slow-client", test_slow_client);
  g_test_add_func ("/server-api/tls-versions", test_tls_versions);
  return g_test_run ();
}
