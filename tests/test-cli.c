/* test-cli.c — the headless front end as operators and scripts use it:
 * exit codes and one-line reasons, status JSON on an empty database, client
 * accounts, the one-engine lock, clean shutdown on SIGTERM, audit verify. */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <json-glib/json-glib.h>

#include "ttsh-alarm.h"
#include "ttsh-journal.h"
#include "ttsh-status.h"
#include "ttsh-store.h"
#include "ttsh-test-util.h"

typedef struct {
  int   status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *r)
{
  g_clear_pointer (&r->out, g_free);
  g_clear_pointer (&r->err, g_free);
}

static void
run_cli (Run *r, const char *stdin_text, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  va_list args;
  const char *arg;

  run_clear (r);
  g_ptr_array_add (argv, (gpointer) g_getenv ("TTSH_ENGINE_BIN"));
  va_start (args, stdin_text);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "LANGUAGE", "C", TRUE);
  proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, stdin_text, NULL, &r->out, &r->err, &error);
  g_assert_no_error (error);
  r->status = g_subprocess_get_exit_status (proc);
}

static void
assert_one_line_error (Run *r, const char *needle)
{
  g_assert_cmpint (r->status, ==, 2);
  g_assert_true (g_str_has_prefix (r->err, "ttsh-engine: "));
  g_assert_nonnull (strstr (r->err, needle));
  /* Exactly one line. */
  g_assert_true (g_str_has_suffix (r->err, "\n"));
  g_assert_true (strchr (r->err, '\n') == r->err + strlen (r->err) - 1);
}

static void
test_status_empty (void)
{
  g_autofree char *dir = ttsh_test_mkdtemp ();
  g_autofree char *conf = ttsh_test_write_config (dir, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root, *outbox, *by_state;
  Run r = { 0 };

  run_cli (&r, NULL, "status", "--config", conf, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (json_parser_load_from_data (parser, r.out, -1, &error));
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  outbox = json_object_get_object_member (root, "outbox");
  by_state = json_object_get_object_member (outbox, "by_state");
  g_assert_cmpint (json_object_get_int_member (by_state, "PENDING"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (by_state, "ACCEPTED"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (by_state, "ERROR"), ==, 0);
  g_assert_true (json_object_has_member (json_object_get_object_member (outbox, "by_kind"), "DIEM_DANH"));
  g_assert_true (json_object_has_member (json_object_get_object_member (outbox, "by_kind"), "TONG_HOP"));
  g_assert_true (json_object_get_null_member (root, "oldest_unsent_age_s"));
  g_assert_cmpstr (json_object_get_string_member (root, "c08_status"), ==, "UNKNOWN");
  g_assert_true (json_object_has_member (root, "token_expires_at"));
  g_assert_true (json_object_has_member (root, "clock_skew_ms"));
  run_clear (&r);
  ttsh_test_rmdir (dir);
}

static void
test_usage_errors (void)
{
  g_autofree char *dir = ttsh_test_mkdtemp ();
  g_autofree char *conf = ttsh_test_write_config (dir, "[storage]\nlocation=x\n");
  g_autofree char *bad = g_build_filename (dir, "bad.conf", NULL);
  Run r = { 0 };

  run_cli (&r, NULL, "status", NULL);
  assert_one_line_error (&r, "--config");

  run_cli (&r, NULL, "status", "--config", "/nonexistent.conf", NULL);
  assert_one_line_error (&r, "/nonexistent.conf");

  /* The written config has an unknown key appended to [storage]. */
  run_cli (&r, NULL, "status", "--config", conf, NULL);
  assert_one_line_error (&r, "location");

  g_assert_true (g_file_set_contents (bad, "[centre]\ncode=X\n[c08]\ntimeout=soon\n", -1, NULL));
  run_cli (&r, NULL, "run", "--config", bad, NULL);
  assert_one_line_error (&r, "timeout");

  run_cli (&r, NULL, "frobnicate", NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "frobnicate"));

  run_cli (&r, NULL, "status", "--config", conf, "--bogus", NULL);
  g_assert_cmpint (r.status, ==, 2);
  run_clear (&r);
  ttsh_test_rmdir (dir);
}

static void
test_client_add (void)
{
  g_autofree char *dir = ttsh_test_mkdtemp ();
  g_autofree char *conf = ttsh_test_write_config (dir, NULL);
  g_autofree char *db = g_build_filename (dir, "data", "ttsh.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshStore) store = NULL;
  sqlite3_stmt *stmt;
  Run r = { 0 };

  run_cli (&r, "s3cret-pass\n", "client", "add", "--config", conf, "--name", "sa-hinh-1",
           "--role", "EXAM_SA_HINH", "--password-stdin", NULL);
  g_assert_cmpint (r.status, ==, 0);

  run_cli (&r, "s3cret-pass\n", "client", "add", "--config", conf, "--name", "sa-hinh-1",
           "--role", "EXAM_SA_HINH", "--password-stdin", NULL);
  assert_one_line_error (&r, "already exists");

  run_cli (&r, "s3cret-pass\n", "client", "add", "--config", conf, "--name", "x",
           "--role", "ADMIN", "--password-stdin", NULL);
  assert_one_line_error (&r, "--role");

  run_cli (&r, "short\n", "client", "add", "--config", conf, "--name", "y",
           "--role", "C08_PUSH", "--password-stdin", NULL);
  assert_one_line_error (&r, "8 characters");

  run_cli (&r, NULL, "client", "add", "--config", conf, "--name", "z", "--role", "C08_PUSH", NULL);
  assert_one_line_error (&r, "--password-stdin");

  store = ttsh_store_open (db, TTSH_STORE_READ_ONLY, &error);
  g_assert_no_error (error);
  stmt = ttsh_store_prepare (store, "SELECT role, pw_hash FROM api_client WHERE name = 'sa-hinh-1'", &error);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "EXAM_SA_HINH");
  g_assert_true (ttsh_password_verify ("s3cret-pass", (const char *) sqlite3_column_text (stmt, 1)));
  sqlite3_reset (stmt);
  g_assert_cmpint (sqlite3_step (ttsh_store_prepare (store, "SELECT count(*) FROM api_client", NULL)), ==, SQLITE_ROW);
  run_clear (&r);
  ttsh_test_rmdir (dir);
}

static gboolean
wait_for_file_text (const char *path, const char *needle, int timeout_ms)
{
  for (int waited = 0; waited < timeout_ms; waited += 50)
    {
      g_autofree char *text = NULL;
      if (g_file_get_contents (path, &text, NULL, NULL) && strstr (text, needle))
        return TRUE;
      g_usleep (50 * 1000);
    }
  return FALSE;
}

static void
test_run_lock_and_signals (void)
{
  g_autofree char *dir = ttsh_test_mkdtemp ();
  g_autofree char *conf = ttsh_test_write_config (dir, NULL);
  g_autofree char *log = g_build_filename (dir, "engine.log", NULL);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GSubprocess) engine = NULL;
  g_autoptr(GError) error = NULL;
  Run r = { 0 };

  g_subprocess_launcher_set_stderr_file_path (launcher, log);
  g_subprocess_launcher_setenv (launcher, "LANGUAGE", "C", TRUE);
  engine = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("TTSH_ENGINE_BIN"), "run",
                                        "--config", conf, "--no-sender", "--no-server", NULL);
  g_assert_no_error (error);
  g_assert_true (wait_for_file_text (log, "engine running", 10000));

  /* A second engine on the same database refuses, with a clear reason. */
  run_cli (&r, NULL, "run", "--config", conf, "--no-sender", "--no-server", NULL);
  assert_one_line_error (&r, "already running");

  /* status works beside a running engine. */
  run_cli (&r, NULL, "status", "--config", conf, NULL);
  g_assert_cmpint (r.status, ==, 0);

  g_subprocess_send_signal (engine, SIGTERM);
  g_subprocess_wait (engine, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (engine));
  g_assert_cmpint (g_subprocess_get_exit_status (engine), ==, 0);

  /* Started and stopped are journaled, and the chain is intact. */
  run_cli (&r, NULL, "audit", "verify", "--config", conf, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "2 entries"));

  /* The lock is free again: SIGINT stops cleanly too. */
  g_clear_object (&engine);
  g_assert_true (g_file_set_contents (log, "", 0, NULL));
  engine = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("TTSH_ENGINE_BIN"), "run",
                                        "--config", conf, "--no-sender", "--no-server", NULL);
  g_assert_no_error (error);
  g_assert_true (wait_for_file_text (log, "engine running", 10000));
  g_subprocess_send_signal (engine, SIGINT);
  g_subprocess_wait (engine, NULL, &error);
  g_assert_cmpint (g_subprocess_get_exit_status (engine), ==, 0);
  run_clear (&r);
  ttsh_test_rmdir (dir);
}

static void
test_audit_verify_tampered (void)
{
  g_autofree char *dir = ttsh_test_mkdtemp ();
  g_autofree char *conf = ttsh_test_write_config (dir, NULL);
  g_autofree char *db = g_build_filename (dir, "data", "ttsh.db", NULL);
  Run r = { 0 };

  for (int i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("client-%d", i);
      run_cli (&r, "password-123\n", "client", "add", "--config", conf, "--name", name,
               "--role", "EXAM_LY_THUYET", "--password-stdin", NULL);
      g_assert_cmpint (r.status, ==, 0);
    }
  run_cli (&r, NULL, "audit", "verify", "--config", conf, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "3 entries"));

  /* Edit entry 2 by hand, as someone with the sqlite3 shell would. */
  {
    sqlite3 *raw = NULL;
    g_assert_cmpint (sqlite3_open (db, &raw), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (raw, "DROP TRIGGER journal_no_update;"
                                        "UPDATE journal SET subject = 'client-x' WHERE seq = 2", NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close (raw);
  }
  run_cli (&r, NULL, "audit", "verify", "--config", conf, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "entry 2"));
  g_assert_nonnull (strstr (r.out, "BROKEN 2"));
  run_clear (&r);
  ttsh_test_rmdir (dir);
}

static void
test_sending_resume (void)
{
  g_autofree char *dir = ttsh_test_mkdtemp ();
  g_autofree char *conf = ttsh_test_write_config (dir, NULL);
  g_autofree char *db = g_build_filename (dir, "data", "ttsh.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshStore) store = NULL;
  Run r = { 0 };

  /* Not stopped: nothing to do, and it says so. */
  run_cli (&r, NULL, "sending", "resume", "--config", conf, "--operator", "Nguyễn Quản Trị", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "not stopped"));

  run_cli (&r, NULL, "sending", "resume", "--config", conf, NULL);
  assert_one_line_error (&r, "--operator");

  /* Stopped by C08's -2 the way the sender records it, with its alarm. */
  store = ttsh_store_open (db, TTSH_STORE_NONE, &error);
  g_assert_no_error (error);
  g_assert_true (ttsh_store_meta_set (store, TTSH_META_C08_STOPPED, "-2", &error));
  g_assert_cmpint (ttsh_alarm_raise (store, TTSH_ALARM_C08_LOCKED, TTSH_ALARM_CRITICAL, "", "locked",
                                     NULL, &error), >, 0);
  g_clear_pointer (&store, ttsh_store_free);

  run_cli (&r, NULL, "sending", "resume", "--config", conf, "--operator", "Nguyễn Quản Trị", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "resumed"));

  store = ttsh_store_open (db, TTSH_STORE_NONE, &error);
  g_assert_no_error (error);
  {
    g_autofree char *stopped = ttsh_store_meta_get (store, TTSH_META_C08_STOPPED);
    sqlite3_stmt *stmt;
    gint64 n = 0;

    g_assert_cmpstr (stopped, ==, "");
    stmt = ttsh_store_prepare (store, "SELECT count(*) FROM alarm WHERE cleared_at IS NULL", &error);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_int64 (stmt, 0), ==, 0);
    sqlite3_reset (stmt);
    stmt = ttsh_store_prepare (store,
        "SELECT actor FROM journal WHERE action = 'CONFIG_CHANGED' ORDER BY seq DESC LIMIT 1", &error);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "Nguyễn Quản Trị");
    sqlite3_reset (stmt);
    g_assert_true (ttsh_journal_verify (store, &n, NULL, &error));
    g_assert_no_error (error);
  }
  run_clear (&r);
  ttsh_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/status-empty", test_status_empty);
  g_test_add_func ("/cli/usage-errors", test_usage_errors);
  g_test_add_func ("/cli/client-add", test_client_add);
  g_test_add_func ("/cli/run-lock-signals", test_run_lock_and_signals);
  g_test_add_func ("/cli/audit-verify-tampered", test_audit_verify_tampered);
  g_test_add_func ("/cli/sending-resume", test_sending_resume);
  return g_test_run ();
}
