/* test-c08-sim.c — the C08 simulator itself over TLS: auth rules, exact
 * bytes in the ledger, -5 by TransactionCode, -10 on a skewed ThoiGianGui,
 * statistics from the ledger (30-day window), and the `ledger` dump. */
#include "config.h"

#include "ttsh-store.h"
#include "ttsh-wire.h"
#include "ttsh-test-c08.h"

typedef struct {
  char    *dir;
  TestC08 *sim;
  char    *token;
} Fixture;

static JsonObject *
call (Fixture *f, const char *method, const char *endpoint, const char *body, gboolean auth, guint *http)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = g_strconcat (f->sim->base_url, endpoint, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (body)
    {
      g_autoptr(GBytes) b = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", b);
    }
  if (auth && f->token)
    {
      g_autofree char *bearer = g_strconcat ("Bearer ", f->token, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", bearer);
    }
  reply = soup_session_send_and_read (f->sim->soup, msg, NULL, &error);
  g_assert_no_error (error);
  if (http)
    *http = soup_message_get_status (msg);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (reply, NULL),
                                             (gssize) g_bytes_get_size (reply), &error));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) env = NULL;

  f->dir = ttsh_test_mkdtemp ();
  f->sim = test_c08_start (f->dir, NULL);
  env = call (f, "POST", TTSH_EP_LOGIN, "{\"TenDangNhap\":\"ttsh-hn-01\",\"MatKhau\":\"secret-password\"}", FALSE, NULL);
  g_assert_cmpint (json_object_get_int_member (env, TTSH_W_MA_KET_QUA), ==, 1);
  f->token = g_strdup (json_object_get_string_member (json_object_get_object_member (env, TTSH_W_DU_LIEU),
                                                      TTSH_W_ACCESS_TOKEN));
}

static void
teardown (Fixture *f, gconstpointer data)
{
  test_c08_stop (f->sim);
  ttsh_test_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->token);
}

static char *
batch (const char *sent, const char *records)
{
  return g_strdup_printf ("{\"MaTTSH\":\"TTSH-HN-01\",\"MaLo\":\"LO-1\",\"ThoiGianGui\":\"%s\","
                          "\"DanhSach\":[%s]}", sent, records);
}

static int
code_of (JsonObject *env)
{
  return (int) json_object_get_int_member (env, TTSH_W_MA_KET_QUA);
}

static void
test_auth (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) bad = call (f, "POST", TTSH_EP_LOGIN,
      "{\"TenDangNhap\":\"ttsh-hn-01\",\"MatKhau\":\"sai\"}", FALSE, NULL);
  g_autoptr(JsonObject) time_env = call (f, "GET", TTSH_EP_SERVER_TIME, NULL, FALSE, NULL);
  g_autoptr(JsonObject) status = NULL, locked = NULL, st = NULL;
  g_autofree char *saved = f->token;
  guint http = 0;
  gint64 server_ms;

  g_assert_cmpint (code_of (bad), ==, TTSH_CODE_BAD_CREDENTIALS);
  g_assert_true (ttsh_time_parse (json_object_get_string_member (
      json_object_get_object_member (time_env, TTSH_W_DU_LIEU), TTSH_W_THOI_GIAN_MAY_CHU), &server_ms));
  g_assert_cmpint (ABS (server_ms - ttsh_now_ms ()), <, 5000);

  /* No token: HTTP 401 with -1. */
  f->token = NULL;
  status = call (f, "GET", TTSH_EP_STATUS "?MaTTSH=TTSH-HN-01", NULL, TRUE, &http);
  g_assert_cmpuint (http, ==, 401);
  g_assert_cmpint (code_of (status), ==, TTSH_CODE_TOKEN_INVALID);
  f->token = g_steal_pointer (&saved);
  g_clear_pointer (&status, json_object_unref);
  status = call (f, "GET", TTSH_EP_STATUS "?MaTTSH=TTSH-HN-01", NULL, TRUE, &http);
  g_assert_cmpint (code_of (status), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (status, TTSH_W_DU_LIEU),
                                                  TTSH_W_TRANG_THAI), ==, TTSH_V_SAN_SANG);

  /* Revoked tokens answer -1; a locked account -2. */
  st = test_c08_control (f->sim, "{\"invalidate_tokens\":true}");
  g_clear_pointer (&status, json_object_unref);
  status = call (f, "GET", TTSH_EP_STATUS "?MaTTSH=TTSH-HN-01", NULL, TRUE, NULL);
  g_assert_cmpint (code_of (status), ==, TTSH_CODE_TOKEN_INVALID);
  g_clear_pointer (&st, json_object_unref);
  st = test_c08_control (f->sim, "{\"locked\":true}");
  locked = call (f, "POST", TTSH_EP_LOGIN, "{\"TenDangNhap\":\"ttsh-hn-01\",\"MatKhau\":\"secret-password\"}", FALSE, NULL);
  g_assert_cmpint (code_of (locked), ==, TTSH_CODE_ACCOUNT_LOCKED);
}

static void
test_upload_ledger_statistics (Fixture *f, gconstpointer data)
{
  static const char rec1[] = "{\"TransactionCode\":\"T-1\", \"MaKySatHach\":\"K1\",\"MaDangKy\":\"D1\",\"Diem\":8.50}";
  static const char rec2[] = "{\"TransactionCode\":\"T-2\",\"MaKySatHach\":\"K1\",\"MaDangKy\":\"D2\"}";
  g_autofree char *now = ttsh_time_now ();
  g_autofree char *skewed = ttsh_time_format_ms (ttsh_now_ms () - 120000);
  g_autofree char *body = g_strdup_printf ("{\"MaTTSH\":\"TTSH-HN-01\",\"MaLo\":\"LO-1\",\"ThoiGianGui\":\"%s\","
                                           "\"DanhSach\":[ %s ,%s,{\"TransactionCode\":\"bad code\"}]}", now, rec1, rec2);
  g_autofree char *again = batch (now, rec1);
  g_autofree char *late = batch (skewed, rec2);
  g_autofree char *from = ttsh_time_format_ms (ttsh_now_ms () - 3600000);
  g_autofree char *to = ttsh_time_format_ms (ttsh_now_ms () + 3600000);
  g_autofree char *far = ttsh_time_format_ms (ttsh_now_ms () - 31LL * 24 * 3600000);
  g_autofree char *stats_body = g_strdup_printf ("{\"MaTTSH\":\"TTSH-HN-01\",\"TuThoiDiem\":\"%s\",\"DenThoiDiem\":\"%s\"}", from, to);
  g_autofree char *wide_body = g_strdup_printf ("{\"MaTTSH\":\"TTSH-HN-01\",\"TuThoiDiem\":\"%s\",\"DenThoiDiem\":\"%s\"}", far, to);
  g_autoptr(JsonObject) env = call (f, "POST", TTSH_EP_PROCESS, body, TRUE, NULL);
  g_autoptr(JsonObject) dup = call (f, "POST", TTSH_EP_PROCESS, again, TRUE, NULL);
  g_autoptr(JsonObject) skew = call (f, "POST", TTSH_EP_PROCESS, late, TRUE, NULL);
  g_autoptr(JsonObject) stats = call (f, "POST", TTSH_EP_STATISTICS, stats_body, TRUE, NULL);
  g_autoptr(JsonObject) wide = call (f, "POST", TTSH_EP_STATISTICS, wide_body, TRUE, NULL);
  JsonObject *d;
  JsonArray *results;
  g_autofree char *out = NULL;
  g_autofree char *cmd = NULL;

  g_assert_cmpint (code_of (env), ==, 1);
  d = json_object_get_object_member (env, TTSH_W_DU_LIEU);
  results = json_object_get_array_member (d, TTSH_W_KET_QUA);
  g_assert_cmpint (json_object_get_int_member (d, TTSH_W_SO_BAN_GHI), ==, 3);
  g_assert_cmpint (json_object_get_int_member (d, TTSH_W_SO_THANH_CONG), ==, 2);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (results, 2), TTSH_W_MA_KET_QUA), ==, -4);
  /* The exact bytes of each record, spacing and number format included. */
  g_assert_cmpint (test_c08_ledger_int (f->sim, "SELECT count(*) FROM record WHERE transaction_code = 'T-1' AND "
                   "payload = CAST('{\"TransactionCode\":\"T-1\", \"MaKySatHach\":\"K1\",\"MaDangKy\":\"D1\",\"Diem\":8.50}' AS BLOB)"), ==, 1);

  d = json_object_get_object_member (dup, TTSH_W_DU_LIEU);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (
      json_object_get_array_member (d, TTSH_W_KET_QUA), 0), TTSH_W_MA_KET_QUA), ==, TTSH_CODE_DUPLICATE);
  g_assert_cmpint (code_of (skew), ==, TTSH_CODE_CLOCK_SKEW);
  g_assert_cmpint (test_c08_ledger_int (f->sim, "SELECT count(*) FROM record"), ==, 2);

  /* Statistics: a -5 is not counted again; the rejected one is a failure. */
  g_assert_cmpint (code_of (stats), ==, 1);
  d = json_object_get_object_member (stats, TTSH_W_DU_LIEU);
  g_assert_cmpint (json_object_get_int_member (d, TTSH_W_SO_PHIEN_THANH_CONG), ==, 2);
  g_assert_cmpint (json_object_get_int_member (d, TTSH_W_SO_PHIEN_THAT_BAI), ==, 1);
  g_assert_cmpint (json_object_get_int_member (d, TTSH_W_TONG_SO_PHIEN), ==, 3);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (d, TTSH_W_CHI_TIET)), ==, 4);
  g_assert_cmpint (code_of (wide), ==, TTSH_CODE_INVALID_DATA);

  /* The dump: one JSON line per accepted record, payload as received. */
  cmd = g_strdup_printf ("'%s' ledger --ledger '%s'", g_getenv ("C08_SIM_BIN"), f->sim->ledger);
  g_assert_true (g_spawn_command_line_sync (cmd, &out, NULL, NULL, NULL));
  g_assert_nonnull (strstr (out, "\"TransactionCode\":\"T-1\""));
  g_assert_nonnull (strstr (out, "\\\"Diem\\\":8.50}"));
  {
    g_auto(GStrv) lines = g_strsplit (g_strstrip (out), "\n", -1);
    g_assert_cmpuint (g_strv_length (lines), ==, 2);
  }
}

static void
test_control_and_limits (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) st = test_c08_control (f->sim, "{\"max_batch\":1,\"busy_for_ms\":0}");
  g_autofree char *now = ttsh_time_now ();
  g_autofree char *two = batch (now, "{\"TransactionCode\":\"A\",\"MaKySatHach\":\"K\",\"MaDangKy\":\"D\"},"
                                     "{\"TransactionCode\":\"B\",\"MaKySatHach\":\"K\",\"MaDangKy\":\"D\"}");
  g_autoptr(JsonObject) env = call (f, "POST", TTSH_EP_ATTENDANCE, two, TRUE, NULL);
  g_autoptr(JsonObject) busy = NULL, st2 = NULL;
  JsonObject *lim;

  g_assert_cmpint (code_of (env), ==, TTSH_CODE_TOO_LARGE);
  lim = json_object_get_object_member (json_object_get_object_member (env, TTSH_W_THONG_TIN_BO_SUNG),
                                       TTSH_W_GIOI_HAN_LO);
  g_assert_cmpint (json_object_get_int_member (lim, TTSH_W_SO_BAN_GHI), ==, 1);
  g_assert_cmpint (test_c08_ledger_int (f->sim, "SELECT count(*) FROM record"), ==, 0);

  st2 = test_c08_control (f->sim, "{\"reset\":true,\"busy_for_ms\":60000}");
  busy = call (f, "POST", TTSH_EP_ATTENDANCE, two, TRUE, NULL);
  g_assert_cmpint (code_of (busy), ==, TTSH_CODE_BUSY);
  g_assert_true (json_object_has_member (json_object_get_object_member (busy, TTSH_W_THONG_TIN_BO_SUNG),
                                         TTSH_W_THOI_DIEM_CAP_NHAT));
  /* A bad control body is refused, nothing changes. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(SoupMessage) msg = soup_message_new ("POST", f->sim->control_url);
    static const char bad[] = "{\"rejects\":[{\"code\":5,\"field\":\"x\",\"regex\":\"(\"}]}";
    g_autoptr(GBytes) b = g_bytes_new_static (bad, strlen (bad));
    g_autoptr(GBytes) reply = NULL;
    soup_message_set_request_body_from_bytes (msg, "application/json", b);
    reply = soup_session_send_and_read (f->sim->soup, msg, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (soup_message_get_status (msg), ==, 400);
  }
}

static guint16
free_port (void)
{
  g_autoptr(GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (sock, any, TRUE, NULL));
  bound = g_socket_get_local_address (sock, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static int
run_push (const char *url, const char *ca, const char *pwfile, const char *session, char **out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) p = NULL;

  test_c08_launcher_asan (l);
  p = g_subprocess_launcher_spawn (l, &error, g_getenv ("C08_SIM_BIN"), "push", "--url", url,
                                   "--ca-file", ca, "--user", "c08", "--password-file", pwfile,
                                   "--session", session, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, out, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (p));
  return g_subprocess_get_exit_status (p);
}

/* `c08-sim push` logs in to a real TTSH (ttsh-engine run) and posts a session. */
static void
test_push (void)
{
  g_autofree char *dir = ttsh_test_mkdtemp ();
  const char *certs = test_c08_certs ();
  g_autofree char *ca = g_build_filename (certs, "ca.pem", NULL);
  g_autofree char *conf = g_build_filename (dir, "ttsh.conf", NULL);
  g_autofree char *pw = g_build_filename (dir, "push.pass", NULL);
  g_autofree char *badpw = g_build_filename (dir, "bad.pass", NULL);
  g_autofree char *session = g_build_filename (dir, "ky.json", NULL);
  g_autofree char *url = NULL, *text = NULL, *out = NULL, *out2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) add = NULL, engine = NULL;
  guint16 port = free_port ();

  text = g_strdup_printf ("[centre]\ncode=TTSH-HN-01\nname=TTSH\n[c08]\nbase-url=https://127.0.0.1:1/api/v1\n"
                          "username=u\npassword-file=push.pass\n[server]\nlisten=127.0.0.1:%u\n"
                          "tls-cert=%s/ttsh.pem\ntls-key=%s/ttsh.key\n[storage]\ndatabase=data/ttsh.db\n",
                          port, certs, certs);
  g_file_set_contents (conf, text, -1, &error);
  g_file_set_contents (pw, "mat-khau-day-du-dai\n", -1, &error);
  g_file_set_contents (badpw, "sai-mat-khau-roi\n", -1, &error);
  {
    g_autoptr(GSubprocess) mk = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, g_getenv ("EXAM_SIM_BIN"),
                                                  "make-session", "--code", "K-PUSH-1", "--centre", "TTSH-HN-01",
                                                  "--candidates", "3", "--out", session, NULL);
    g_assert_no_error (error);
    g_assert_true (g_subprocess_wait_check (mk, NULL, &error));
  }
  g_assert_no_error (error);

  add = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE, &error, g_getenv ("TTSH_ENGINE_BIN"), "client", "add",
                          "--config", conf, "--name", "c08", "--role", "C08_PUSH", "--password-stdin", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (add, "mat-khau-day-du-dai\n", NULL, NULL, NULL, &error));
  g_assert_cmpint (g_subprocess_get_exit_status (add), ==, 0);

  {
    g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE);
    g_subprocess_launcher_set_child_setup (l, test_c08_child_setup, NULL, NULL);
    test_c08_launcher_asan (l);
    engine = g_subprocess_launcher_spawn (l, &error, g_getenv ("TTSH_ENGINE_BIN"), "run",
                                          "--no-sender", "--config", conf, NULL);
  }
  g_assert_no_error (error);
  url = g_strdup_printf ("https://127.0.0.1:%u/ttsh/v1", port);
  /* Until the engine listens, push fails with a transport error (exit 1). */
  g_assert_true (TEST_WAIT_UNTIL (({ g_free (out); out = NULL;
                                     run_push (url, ca, pw, session, &out) == 0; }), 20000));
  g_assert_nonnull (strstr (out, "\"MaKetQua\":1"));
  g_assert_nonnull (strstr (out, "K-PUSH-1"));
  g_assert_nonnull (strstr (out, "\"SoHocVien\":3"));
  g_assert_cmpint (run_push (url, ca, badpw, session, &out2), ==, 1);
  g_assert_nonnull (strstr (out2, "\"MaKetQua\":-3"));

  g_subprocess_send_signal (engine, SIGTERM);
  g_subprocess_wait (engine, NULL, NULL);
  ttsh_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/c08-sim/auth", Fixture, NULL, setup, test_auth, teardown);
  g_test_add ("/c08-sim/upload-ledger-statistics", Fixture, NULL, setup, test_upload_ledger_statistics, teardown);
  g_test_add ("/c08-sim/control-limits", Fixture, NULL, setup, test_control_and_limits, teardown);
  g_test_add_func ("/c08-sim/push", test_push);
  return g_test_run ();
}
