/* test-checks.c — the hourly check alarms per exam program with failed
 * requests, the daily check alarms on unhandled transmission errors, and the
 * engine component runs them on its timers, windows kept across runs; an
 * operator acknowledges the alarm and the journal says so. */
#include "config.h"

#include "ttsh-alarm.h"
#include "ttsh-checks.h"
#include "ttsh-engine.h"
#include "ttsh-journal.h"
#include "test-errors-util.h"

typedef struct {
  char      *dir;
  TtshStore *store;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  f->store = ttsh_test_store_open (&f->dir);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  ttsh_test_store_close (&f->store, &f->dir);
}

static void
add_clients (TtshStore *store)
{
  test_exec (store,
      "INSERT INTO api_client (id, name, role, pw_hash, created_at) VALUES "
      "(1, 'sa-hinh-1', 'EXAM_SA_HINH', 'x', 0), (2, 'duong-truong-1', 'EXAM_DUONG_TRUONG', 'x', 0), "
      "(3, 'ly-thuyet-1', 'EXAM_LY_THUYET', 'x', 0)");
}

static void
add_batch (TtshStore *store, gint64 client, gint64 at, int code, int records, int accepted)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt = ttsh_store_prepare (store,
      "INSERT INTO inbound_request (at, client_id, remote, method, path, http_status, result_code, "
      "records, accepted) VALUES (?1, ?2, '127.0.0.1', 'POST', '/ttsh/v1/process', 200, ?3, ?4, ?5)", &error);
  g_assert_no_error (error);
  sqlite3_bind_int64 (stmt, 1, at);
  if (client > 0)
    sqlite3_bind_int64 (stmt, 2, client);
  else
    sqlite3_bind_null (stmt, 2);
  sqlite3_bind_int (stmt, 3, code);
  sqlite3_bind_int (stmt, 4, records);
  sqlite3_bind_int (stmt, 5, accepted);
  g_assert_true (ttsh_store_step_done (store, stmt, &error));
  g_assert_no_error (error);
}

static void
add_request (TtshStore *store, gint64 client, gint64 at, int code)
{
  add_batch (store, client, at, code, 0, 0);
}

static void
test_source_errors (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *msg = NULL;
  gint64 now = 10 * 3600 * 1000;
  guint n = 99;

  add_clients (f->store);
  add_request (f->store, 1, now - 1000, -4);
  add_request (f->store, 1, now - 2000, -4);
  add_request (f->store, 1, now - 3000, -1);
  add_request (f->store, 1, now - 4000, 1);
  add_request (f->store, 2, now - 5000, 1);          /* success only: no alarm */
  add_batch (f->store, 2, now - 5000, 1, 10, 10);    /* a whole batch taken: no alarm */
  add_request (f->store, 3, now - 7200 * 1000, -4);  /* before the window */
  add_request (f->store, 0, now - 100, -3);          /* failed login, no client */

  g_assert_true (ttsh_checks_source_errors (f->store, now - 3600 * 1000, now, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpint (test_scalar (f->store, "SELECT count(*) FROM alarm WHERE kind = 'SOURCE_ERRORS'"), ==, 2);
  msg = test_text (f->store, "SELECT message FROM alarm WHERE kind = 'SOURCE_ERRORS' AND subject = 'sa-hinh-1'");
  g_assert_nonnull (msg);
  g_assert_nonnull (strstr (msg, "3"));
  g_assert_nonnull (strstr (msg, "-4 (DU_LIEU_KHONG_HOP_LE): 2"));
  g_assert_nonnull (strstr (msg, "-1 (TOKEN_KHONG_HOP_LE): 1"));
  g_assert_cmpint (test_scalar (f->store, "SELECT count(*) FROM alarm WHERE subject = 'remote 127.0.0.1'"), ==, 1);
  g_assert_cmpint (test_scalar (f->store, "SELECT count(*) FROM alarm WHERE subject = 'duong-truong-1'"), ==, 0);

  /* A batch taken with 3 of 20 records refused is an error of its program. */
  add_batch (f->store, 3, now - 500, 1, 20, 17);
  g_assert_true (ttsh_checks_source_errors (f->store, now - 3600 * 1000, now, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 3);
  g_clear_pointer (&msg, g_free);
  msg = test_text (f->store, "SELECT message FROM alarm WHERE subject = 'ly-thuyet-1'");
  g_assert_nonnull (msg);
  g_assert_nonnull (strstr (msg, " 3 "));
  g_assert_cmpint (test_scalar (f->store, "SELECT count(*) FROM journal WHERE action = 'ERRORS_CHECKED' "
                                "AND subject = 'hourly/source' AND detail LIKE '%\"failed_requests\":4,\"refused_records\":3%'"), ==, 1);

  /* Acknowledged, then new failures the next hour: a fresh alarm to see. */
  test_exec (f->store, "UPDATE alarm SET acked_at = 1, acked_by = 'gs1' WHERE subject = 'sa-hinh-1'");
  add_request (f->store, 1, now + 1000, -6);
  g_assert_true (ttsh_checks_source_errors (f->store, now, now + 3600 * 1000, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpint (test_scalar (f->store, "SELECT count(*) FROM alarm WHERE subject = 'sa-hinh-1' "
                                "AND cleared_at IS NULL AND acked_at IS NULL"), ==, 1);
  g_assert_cmpint (test_scalar (f->store, "SELECT count(*) FROM alarm WHERE subject = 'sa-hinh-1'"), ==, 2);
  now += 3600 * 1000;

  /* a clean hour raises nothing but is still journaled */
  g_assert_true (ttsh_checks_source_errors (f->store, now, now + 3600 * 1000, &n, &error));
  g_assert_cmpuint (n, ==, 0);
  g_assert_cmpint (test_scalar (f->store, "SELECT count(*) FROM journal WHERE action = 'ERRORS_CHECKED'"), ==, 4);
}

static void
test_transmission_errors (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *msg = NULL;
  gint64 now = ttsh_now_ms ();
  guint n = 99;
  gint64 a, b, c;

  test_add_session (f->store, 3);
  g_assert_true (ttsh_checks_transmission_errors (f->store, now - TTSH_CHECKS_DAILY_MS, now, &n, &error));
  g_assert_cmpuint (n, ==, 0);
  g_assert_cmpint (test_scalar (f->store, "SELECT count(*) FROM alarm"), ==, 0);

  a = test_enqueue (f->store, 1, 1, 1, NULL);
  b = test_enqueue (f->store, 2, 1, 1, NULL);
  c = test_enqueue (f->store, 3, 1, 1, NULL);
  test_set_state (f->store, a, "ERROR", -4, 1);
  test_set_state (f->store, b, "ERROR", -99, 12);
  test_set_state (f->store, c, "ERROR", -4, 1);
  test_exec (f->store, "UPDATE outbox SET handled_at = 1 WHERE id = 3");
  test_enqueue (f->store, 1, 1, 2, NULL);   /* still waiting */

  g_assert_true (ttsh_checks_transmission_errors (f->store, now - TTSH_CHECKS_DAILY_MS, now + 1000, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 1);
  msg = test_text (f->store, "SELECT message FROM alarm WHERE kind = 'DAILY_ERRORS'");
  g_assert_nonnull (strstr (msg, "-4 (DU_LIEU_KHONG_HOP_LE): 1"));
  g_assert_nonnull (strstr (msg, "-99 (LOI_NOI_BO): 1"));
  g_assert_cmpint (test_scalar (f->store, "SELECT count(*) FROM journal WHERE action = 'ERRORS_CHECKED' "
                                "AND detail LIKE '%\"open\":2,\"new\":2%'"), ==, 1);
  /* the period's reconciliation: 4 process records created, 3 in error, 1 waiting */
  g_assert_cmpint (test_scalar (f->store, "SELECT count(*) FROM journal WHERE action = 'ERRORS_CHECKED' AND detail LIKE "
                                "'%\"period\":{\"QUA_TRINH\":{\"accepted\":0,\"error\":3,\"pending\":1}}%'"), ==, 1);
  g_assert_nonnull (strstr (msg, "0 accepted, 3 in error, 1 not yet sent"));
}

/* Engine component ---------------------------------------------------------- */

static void
on_changed (TtshEngine *engine, const char *what, gpointer data)
{
  (*(guint *) data)++;
}

static gboolean
on_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gpointer
read_alarm (TtshEngine *engine, TtshStore *store, gpointer data, GError **error)
{
  sqlite3_stmt *stmt = ttsh_store_prepare (store,
      "SELECT id FROM alarm WHERE kind = 'SOURCE_ERRORS' AND acked_at IS NULL", error);
  gint64 *id = g_new0 (gint64, 1);
  if (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    *id = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return id;
}

static gpointer
ack_alarm (TtshEngine *engine, TtshStore *store, gpointer data, GError **error)
{
  if (!ttsh_alarm_ack (store, *(gint64 *) data, "giamsat1", "Đã liên hệ đơn vị sát hạch", error))
    return NULL;
  _ttsh_engine_emit_changed (engine, "alarm");
  return GINT_TO_POINTER (1);
}

static void
test_component (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *db = NULL;
  g_autofree char *since = NULL;
  g_autofree gint64 *alarm_id = NULL;
  g_autoptr(TtshEngine) engine = NULL;
  g_autoptr(TtshStore) store = NULL;
  TtshConfig *config;
  guint alarms = 0;
  gboolean timed_out = FALSE;
  guint timeout;
  gint64 now = ttsh_now_ms ();

  conf = ttsh_test_write_config (f->dir, NULL);
  db = g_build_filename (f->dir, "data", "ttsh.db", NULL);
  {
    g_autofree char *data_dir = g_path_get_dirname (db);
    g_assert_cmpint (g_mkdir_with_parents (data_dir, 0700), ==, 0);
  }

  /* The previous check ended 2 s ago; one exam program failed since. */
  store = ttsh_store_open (db, TTSH_STORE_NONE, &error);
  g_assert_no_error (error);
  add_clients (store);
  since = g_strdup_printf ("%" G_GINT64_FORMAT, now - 2000);
  g_assert_true (ttsh_store_meta_set (store, TTSH_META_CHECKS_HOURLY_AT, since, &error));
  add_request (store, 1, now - 1000, -6);
  g_clear_pointer (&store, ttsh_store_free);

  config = ttsh_config_load (conf, &error);
  g_assert_no_error (error);
  engine = ttsh_engine_new (config, TTSH_ENGINE_NO_SENDER | TTSH_ENGINE_NO_SERVER);
  g_signal_connect (engine, "changed::alarm", G_CALLBACK (on_changed), &alarms);
  g_assert_true (ttsh_engine_start (engine, &error));
  g_assert_no_error (error);

  timeout = g_timeout_add_seconds (20, on_timeout, &timed_out);
  while (alarms == 0 && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);

  alarm_id = ttsh_engine_call_sync (engine, read_alarm, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (*alarm_id, >, 0);

  /* Further runs (period 200 ms) see no new failure: no new alarm rows. */
  {
    gint64 until = g_get_monotonic_time () + 700 * 1000;
    while (g_get_monotonic_time () < until && !timed_out)
      {
        g_main_context_iteration (NULL, FALSE);
        g_usleep (10 * 1000);
      }
  }
  g_assert_nonnull (ttsh_engine_call_sync (engine, ack_alarm, alarm_id, &error));
  g_assert_no_error (error);
  ttsh_engine_stop (engine);
  g_source_remove (timeout);

  store = ttsh_store_open (db, TTSH_STORE_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (test_scalar (store, "SELECT count(*) FROM alarm WHERE kind = 'SOURCE_ERRORS'"), ==, 1);
  g_assert_cmpint (test_scalar (store, "SELECT count FROM alarm WHERE kind = 'SOURCE_ERRORS'"), ==, 1);
  g_assert_cmpint (test_scalar (store, "SELECT acked_by = 'giamsat1' AND acked_at > 0 FROM alarm"), ==, 1);
  g_assert_cmpint (test_scalar (store, "SELECT count(*) FROM journal WHERE action = 'ALARM_ACKED' "
                                "AND actor = 'giamsat1' AND detail LIKE 'Đã liên hệ%'"), ==, 1);
  g_assert_cmpint (test_scalar (store, "SELECT count(*) FROM journal WHERE action = 'ERRORS_CHECKED' "
                                "AND subject = 'hourly/source'"), >=, 2);
  g_assert_cmpint (test_scalar (store, "SELECT CAST(value AS INTEGER) > 0 FROM meta WHERE key = 'checks.hourly-at'"), ==, 1);
  g_assert_true (ttsh_journal_verify (store, NULL, NULL, &error));
  g_assert_no_error (error);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_setenv ("TTSH_CHECKS_HOURLY_MS", "200", TRUE);
  g_setenv ("TTSH_CHECKS_DAILY_MS", "300", TRUE);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, setup, fn, teardown)
  ADD ("/checks/source-errors", test_source_errors);
  ADD ("/checks/transmission-errors", test_transmission_errors);
  ADD ("/checks/component", test_component);
  return g_test_run ();
}
