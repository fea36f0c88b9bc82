/* test-server-e2e.c — the whole path over real TLS: an approved session of
 * 200 candidates pushed as C08 does, exam-sim playing the theory, yard and
 * road programs at high speed, the engine forwarding through its outbox to
 * c08-sim, then the session closed: every record reaches the C08 ledger
 * exactly once. */
#include "config.h"

#include "ttsh-ingest.h"
#include "ttsh-test-c08.h"
#include "test-server-util.h"

#define SESSION "K2026-E2E-200"
#define N_CANDIDATES 200

static gpointer
close_func (TtshEngine *engine, TtshStore *store, gpointer data, GError **error)
{
  return ttsh_ingest_close_session (store, data, "quan-ly", error) ? GINT_TO_POINTER (1) : NULL;
}

static void
test_full_path (void)
{
  TestServer ts;
  g_autoptr(GError) error = NULL;
  g_autofree char *simdir = ttsh_test_mkdtemp ();
  g_autofree char *c08 = NULL;
  g_autofree char *pass = NULL;
  g_autofree char *ca = NULL;
  g_autofree char *token = NULL;
  g_autoptr(JsonNode) session = exam_sim_make_session (SESSION, TS_CENTRE, N_CANDIDATES, 2026);
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  TestC08 *sim = test_c08_start (simdir, NULL);
  gint64 outbox, ledger;

  c08 = g_strdup_printf ("[c08]\nbase-url=%s\nusername=ttsh-hn-01\npassword-file=c08.pass\nca-file=%s\n"
                         "timeout=10\nbatch-size=100\n", sim->base_url, sim->ca);
  ts_start_with (&ts, c08);
  token = ts_login (&ts, "c08");
  {
    g_autoptr(JsonObject) env = ts_call_node (&ts, "POST", "/exam-sessions", token, session);
    g_assert_cmpint (ts_code (env), ==, 1);
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (env, "DuLieu"), "SoHocVien"),
                     ==, N_CANDIDATES);
  }

  pass = g_build_filename (ts.dir, "exam.pass", NULL);
  g_file_set_contents (pass, TS_PASSWORD "\n", -1, &error);
  g_assert_no_error (error);
  ca = g_build_filename (ts.dir, "ca.pem", NULL);
  g_assert_nonnull (g_getenv ("EXAM_SIM_BIN"));
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  /* Under ASan, LeakSanitizer's exit-time tracer crashes on the simulator's
   * idle GLib worker threads; the engine in this process is still checked. */
  if (g_getenv ("ASAN_OPTIONS"))
    g_subprocess_launcher_setenv (launcher, "ASAN_OPTIONS", "detect_leaks=0:abort_on_error=1", TRUE);
  proc = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("EXAM_SIM_BIN"), "run",
                           "--url", ts.base, "--ca-file", ca, "--session", SESSION, "--program", "all",
                           "--user", "LY_THUYET=ly-thuyet,SA_HINH=sa-hinh,DUONG_TRUONG=duong-truong",
                           "--password-file", pass, "--speed", "4000", "--seats", "100", "--cars", "20",
                           "--vehicles", "20", "--stream-interval", "30", "--seed", "7", "-q", NULL);
  g_assert_no_error (error);
  if (!TEST_WAIT_UNTIL (g_subprocess_get_identifier (proc) == NULL, 240000))
    {
      g_subprocess_force_exit (proc);
      g_error ("exam-sim did not finish in 240 s");
    }
  g_subprocess_wait (proc, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);

  /* What the programs sent is stored: attendance for every candidate of
   * every content they took, results agreeing with their streams. */
  g_assert_cmpint (ts_count (&ts, "SELECT count(*) FROM attendance"), >, N_CANDIDATES);
  g_assert_cmpint (ts_count (&ts, "SELECT count(*) FROM result"), >, N_CANDIDATES);
  g_assert_cmpint (ts_count (&ts, "SELECT count(*) FROM gps_point"), >, 1000);
  /* Even at --speed 4000 each road test keeps its own clock: GPS points one
   * simulated second apart, no implied speed out of a car's reach. */
  g_assert_cmpint (ts_count (&ts, "SELECT count(*) FROM (SELECT at - lag (at) OVER "
                                  "(PARTITION BY candidate_id, attempt ORDER BY at, id) AS d FROM gps_point) "
                                  "WHERE d IS NOT NULL AND d <> 1000"), ==, 0);
  g_assert_cmpint (ts_count (&ts, "SELECT count(*) FROM candidate_content WHERE state = 'IN_TEST'"), ==, 0);

  g_assert_nonnull (ttsh_engine_call_sync (ts.engine, close_func, (gpointer) SESSION, &error));
  g_assert_no_error (error);
  outbox = ts_count (&ts, "SELECT count(*) FROM outbox");
  g_assert_cmpint (ts_count (&ts, "SELECT count(*) FROM outbox WHERE kind = 'TONG_HOP'"), ==, N_CANDIDATES);

  /* Everything reaches C08, once. */
  g_assert_true (TEST_WAIT_UNTIL (ts_count (&ts, "SELECT count(*) FROM outbox WHERE state = 'ACCEPTED'") == outbox,
                                  180000));
  ledger = test_c08_ledger_int (sim, "SELECT count(*) FROM record");
  g_assert_cmpint (ledger, ==, outbox);
  g_assert_cmpint (test_c08_ledger_int (sim, "SELECT count(DISTINCT transaction_code) FROM record"), ==, outbox);
  g_assert_cmpint (test_c08_ledger_int (sim, "SELECT count(*) FROM record WHERE kind = 'TONG_HOP'"), ==, N_CANDIDATES);
  g_assert_cmpint (test_c08_ledger_int (sim, "SELECT count(*) FROM rejected"), ==, 0);
  g_test_message ("%" G_GINT64_FORMAT " records in the C08 ledger", ledger);

  ts_stop (&ts);
  test_c08_stop (sim);
  ttsh_test_rmdir (simdir);
}

/* A busy TTSH (-8, HTTP 429 from the rate limit): the yard program backs
 * off and resends until everything is taken, nothing twice. */
static void
test_sim_retries (void)
{
  TestServer ts;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) session = exam_sim_make_session ("K2026-E2E-BUSY", TS_CENTRE, 8, 99);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) proc = NULL;
  g_autofree char *token = NULL;
  g_autofree char *pass = NULL;
  g_autofree char *ca = NULL;
  g_autofree char *out = NULL;
  const char *retries;

  g_setenv ("TTSH_SERVER_RATE", "1:1", TRUE);
  ts_start (&ts, NULL);
  g_unsetenv ("TTSH_SERVER_RATE");
  token = ts_login (&ts, "c08");
  {
    g_autoptr(JsonObject) env = ts_call_node (&ts, "POST", "/exam-sessions", token, session);
    g_assert_cmpint (ts_code (env), ==, 1);
  }
  pass = g_build_filename (ts.dir, "exam.pass", NULL);
  g_file_set_contents (pass, TS_PASSWORD "\n", -1, &error);
  g_assert_no_error (error);
  ca = g_build_filename (ts.dir, "ca.pem", NULL);
  if (g_getenv ("ASAN_OPTIONS"))
    g_subprocess_launcher_setenv (launcher, "ASAN_OPTIONS", "detect_leaks=0:abort_on_error=1", TRUE);
  proc = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("EXAM_SIM_BIN"), "run",
                                      "--url", ts.base, "--ca-file", ca, "--session", "K2026-E2E-BUSY",
                                      "--program", "SA_HINH", "--user", "sa-hinh", "--password-file", pass,
                                      "--speed", "2000", "--cars", "8", "--absent-rate", "0", "-q", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  g_test_message ("%s", out);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
  retries = strstr (out, "retries=");
  g_assert_nonnull (retries);
  g_assert_cmpint (atoi (retries + 8), >, 0);
  g_assert_nonnull (strstr (out, "refused=0"));
  /* Every record stored once: the retries reused their codes. */
  g_assert_cmpint (ts_count (&ts, "SELECT count(*) FROM inbound_request WHERE result_code = -8"), >, 0);
  /* Attendance for each candidate allowed to go on; one result per test. */
  g_assert_cmpint (ts_count (&ts, "SELECT count(*) FROM attendance"), ==,
                   ts_count (&ts, "SELECT count(*) FROM result"));
  g_assert_cmpint (ts_count (&ts, "SELECT count(*) FROM result"), >, 0);
  g_assert_cmpint (ts_count (&ts, "SELECT count(*) FROM candidate_content WHERE state = 'IN_TEST'"), ==, 0);
  ts_stop (&ts);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  ttsh_tls_harden ();
  g_test_add_func ("/server-e2e/exam-sim-to-c08-ledger", test_full_path);
  g_test_add_func ("/server-e2e/exam-sim-retries-when-busy", test_sim_retries);
  return g_test_run ();
}
