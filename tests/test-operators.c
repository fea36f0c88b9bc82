/* test-operators.c — operator accounts: the role table, sign-in with every
 * refusal journaled, lockout with its alarm and automatic unlock, the TOTP
 * second factor (RFC 6238 vectors, ±1 step, no replay) and the CLI. */
#include "config.h"

#include <string.h>

#include "ttsh-journal.h"
#include "ttsh-operators.h"
#include "ttsh-test-util.h"

/* RFC 6238 appendix B secret ("12345678901234567890") in base32. */
#define RFC_SECRET_B32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
#define PASSWORD       "mat-khau-dai-1"

typedef struct {
  char      *dir;
  char      *db;
  TtshStore *store;
  GBytes    *secret;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = ttsh_test_mkdtemp ();
  f->db = g_build_filename (f->dir, "ttsh.db", NULL);
  f->store = ttsh_store_open (f->db, TTSH_STORE_NONE, &error);
  g_assert_no_error (error);
  f->secret = ttsh_base32_decode (RFC_SECRET_B32, &error);
  g_assert_no_error (error);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->secret, g_bytes_unref);
  g_clear_pointer (&f->store, ttsh_store_free);
  ttsh_test_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->db);
}

static int
journal_count (Fixture *f, const char *action, const char *actor)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt = ttsh_store_prepare (f->store,
      "SELECT count(*) FROM journal WHERE action = ?1 AND actor = ?2", &error);
  int n;

  g_assert_no_error (error);
  sqlite3_bind_text (stmt, 1, action, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, actor, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

static void
add (Fixture *f, const char *username, const char *role, GBytes *secret)
{
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (ttsh_operators_add (f->store, username, "Nguyễn Văn An", "Giám sát viên", role,
                                       PASSWORD, secret, "test", &error), >, 0);
  g_assert_no_error (error);
}

static char *
code_at (GBytes *secret, gint64 ms)
{
  gsize len;
  const guint8 *key = g_bytes_get_data (secret, &len);
  return g_strdup_printf ("%06u", ttsh_totp_code (key, len, ms / 1000 / TTSH_TOTP_STEP_S));
}

static void
test_roles (void)
{
  g_assert_true (ttsh_operator_can (TTSH_OPERATOR_GIAM_SAT, TTSH_PERM_VIEW_SESSIONS));
  g_assert_false (ttsh_operator_can (TTSH_OPERATOR_GIAM_SAT, TTSH_PERM_VIEW_CITIZEN_ID));
  g_assert_false (ttsh_operator_can (TTSH_OPERATOR_GIAM_SAT, TTSH_PERM_CANCEL_RESULT));
  g_assert_true (ttsh_operator_can (TTSH_OPERATOR_SAT_HACH_VIEN, TTSH_PERM_CANCEL_RESULT));
  g_assert_true (ttsh_operator_can (TTSH_OPERATOR_SAT_HACH_VIEN, TTSH_PERM_VIEW_CITIZEN_ID));
  g_assert_false (ttsh_operator_can (TTSH_OPERATOR_SAT_HACH_VIEN, TTSH_PERM_RESEND));
  g_assert_true (ttsh_operator_can (TTSH_OPERATOR_QUAN_LY, TTSH_PERM_RESEND));
  g_assert_false (ttsh_operator_can (TTSH_OPERATOR_QUAN_LY, TTSH_PERM_MANAGE_OPERATORS));
  g_assert_true (ttsh_operator_can (TTSH_OPERATOR_QUAN_TRI, TTSH_PERM_MANAGE_OPERATORS));
  /* Lifting a stop C08 imposed answers for the whole centre: managers and administrators. */
  g_assert_false (ttsh_operator_can (TTSH_OPERATOR_GIAM_SAT, TTSH_PERM_RESUME_SENDING));
  g_assert_false (ttsh_operator_can (TTSH_OPERATOR_SAT_HACH_VIEN, TTSH_PERM_RESUME_SENDING));
  g_assert_true (ttsh_operator_can (TTSH_OPERATOR_QUAN_LY, TTSH_PERM_RESUME_SENDING));
  g_assert_true (ttsh_operator_can (TTSH_OPERATOR_QUAN_TRI, TTSH_PERM_RESUME_SENDING));
  g_assert_cmpstr (ttsh_permission_name (TTSH_PERM_RESUME_SENDING), ==, "RESUME_SENDING");
  g_assert_false (ttsh_operator_can ("ROOT", TTSH_PERM_VIEW_SESSIONS));
  g_assert_false (ttsh_operator_can (TTSH_OPERATOR_QUAN_TRI, TTSH_PERM_N));
  g_assert_true (ttsh_operator_role_needs_totp (TTSH_OPERATOR_QUAN_TRI));
  g_assert_false (ttsh_operator_role_needs_totp (TTSH_OPERATOR_GIAM_SAT));
  for (int p = 0; p < TTSH_PERM_N; p++)
    g_assert_cmpstr (ttsh_permission_name (p), !=, NULL);
}

static void
test_totp_vectors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) secret = ttsh_base32_decode (RFC_SECRET_B32, &error);
  gsize len;
  const guint8 *key;

  g_assert_no_error (error);
  key = g_bytes_get_data (secret, &len);
  g_assert_cmpmem (key, len, "12345678901234567890", 20);
  /* RFC 6238 appendix B (SHA1), last six digits. */
  g_assert_cmpuint (ttsh_totp_code (key, len, 59 / 30), ==, 287082);
  g_assert_cmpuint (ttsh_totp_code (key, len, 1111111109 / 30), ==, 81804);
  g_assert_cmpuint (ttsh_totp_code (key, len, 1234567890 / 30), ==, 5924);
  g_assert_cmpuint (ttsh_totp_code (key, len, G_GINT64_CONSTANT (20000000000) / 30), ==, 353130);

  g_assert_null (ttsh_base32_decode ("NOT-BASE32!", &error));
  g_assert_error (error, TTSH_OPERATOR_ERROR, TTSH_OPERATOR_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (ttsh_base32_decode ("GEZDGNBV", &error));   /* 40 bits: too short */
  g_assert_error (error, TTSH_OPERATOR_ERROR, TTSH_OPERATOR_ERROR_INVALID);
}

static void
test_add_invalid (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  add (f, "giamsat1", TTSH_OPERATOR_GIAM_SAT, NULL);
  g_assert_cmpint (ttsh_operators_add (f->store, "giamsat1", "X", "", TTSH_OPERATOR_GIAM_SAT,
                                       PASSWORD, NULL, "test", &error), ==, 0);
  g_assert_error (error, TTSH_OPERATOR_ERROR, TTSH_OPERATOR_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_cmpint (ttsh_operators_add (f->store, "a b", "X", "", TTSH_OPERATOR_GIAM_SAT,
                                       PASSWORD, NULL, "test", &error), ==, 0);
  g_assert_error (error, TTSH_OPERATOR_ERROR, TTSH_OPERATOR_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (ttsh_operators_add (f->store, "ok", "X", "", "ROOT", PASSWORD, NULL, "test", &error), ==, 0);
  g_assert_error (error, TTSH_OPERATOR_ERROR, TTSH_OPERATOR_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (ttsh_operators_add (f->store, "ok", "X", "", TTSH_OPERATOR_GIAM_SAT, "short", NULL, "test", &error), ==, 0);
  g_assert_error (error, TTSH_OPERATOR_ERROR, TTSH_OPERATOR_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (ttsh_operators_add (f->store, "ok", "   ", "", TTSH_OPERATOR_GIAM_SAT, PASSWORD, NULL, "test", &error), ==, 0);
  g_assert_error (error, TTSH_OPERATOR_ERROR, TTSH_OPERATOR_ERROR_INVALID);
  g_clear_error (&error);
  /* Administrators must have a second factor. */
  g_assert_cmpint (ttsh_operators_add (f->store, "admin", "X", "", TTSH_OPERATOR_QUAN_TRI, PASSWORD, NULL, "test", &error), ==, 0);
  g_assert_error (error, TTSH_OPERATOR_ERROR, TTSH_OPERATOR_ERROR_INVALID);
  g_assert_cmpint (journal_count (f, "OPERATOR_ADDED", "test"), ==, 1);
}

static void
test_sign_in (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshOperator) op = NULL;
  gint64 now = ttsh_now_ms ();

  add (f, "giamsat1", TTSH_OPERATOR_GIAM_SAT, NULL);
  op = ttsh_operators_authenticate (f->store, "giamsat1", PASSWORD, NULL, now, &error);
  g_assert_no_error (error);
  g_assert_nonnull (op);
  g_assert_cmpstr (ttsh_operator_get_role (op), ==, TTSH_OPERATOR_GIAM_SAT);
  g_assert_cmpstr (ttsh_operator_get_full_name (op), ==, "Nguyễn Văn An");
  g_assert_cmpint (journal_count (f, TTSH_JOURNAL_LOGIN, "giamsat1"), ==, 1);

  g_assert_null (ttsh_operators_authenticate (f->store, "giamsat1", "wrong-password", NULL, now, &error));
  g_assert_error (error, TTSH_OPERATOR_ERROR, TTSH_OPERATOR_ERROR_BAD_CREDENTIALS);
  g_clear_error (&error);
  /* An unknown user gets the very same answer, and is journaled too. */
  g_assert_null (ttsh_operators_authenticate (f->store, "nobody", PASSWORD, NULL, now, &error));
  g_assert_error (error, TTSH_OPERATOR_ERROR, TTSH_OPERATOR_ERROR_BAD_CREDENTIALS);
  g_assert_cmpint (journal_count (f, TTSH_JOURNAL_LOGIN_FAILED, "giamsat1"), ==, 1);
  g_assert_cmpint (journal_count (f, TTSH_JOURNAL_LOGIN_FAILED, "nobody"), ==, 1);
  g_assert_true (ttsh_journal_verify (f->store, NULL, NULL, NULL));
}

static void
test_lockout (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshOperator) op = NULL;
  gint64 now = ttsh_now_ms ();
  sqlite3_stmt *stmt;

  add (f, "sathach1", TTSH_OPERATOR_SAT_HACH_VIEN, NULL);
  for (int i = 0; i < TTSH_OPERATOR_MAX_FAILURES; i++)
    {
      g_assert_null (ttsh_operators_authenticate (f->store, "sathach1", "wrong-password", NULL, now, &error));
      g_assert_error (error, TTSH_OPERATOR_ERROR, TTSH_OPERATOR_ERROR_BAD_CREDENTIALS);
      g_clear_error (&error);
    }
  /* Locked: even the right password is refused, and an alarm is open. */
  g_assert_null (ttsh_operators_authenticate (f->store, "sathach1", PASSWORD, NULL, now + 1000, &error));
  g_assert_error (error, TTSH_OPERATOR_ERROR, TTSH_OPERATOR_ERROR_LOCKED);
  g_clear_error (&error);
  stmt = ttsh_store_prepare (f->store, "SELECT count(*) FROM alarm WHERE kind = ?1 AND subject = 'sathach1' "
                                       "AND cleared_at IS NULL", &error);
  sqlite3_bind_text (stmt, 1, TTSH_ALARM_OPERATOR_LOCKED, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 1);
  sqlite3_reset (stmt);
  g_assert_cmpint (journal_count (f, TTSH_JOURNAL_LOGIN_FAILED, "sathach1"), ==, TTSH_OPERATOR_MAX_FAILURES + 1);

  /* The lock expires by itself. */
  op = ttsh_operators_authenticate (f->store, "sathach1", PASSWORD, NULL, now + TTSH_OPERATOR_LOCK_MS + 1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (op);

  /* And an administrator can lift it earlier. */
  for (int i = 0; i < TTSH_OPERATOR_MAX_FAILURES; i++)
    {
      g_assert_null (ttsh_operators_authenticate (f->store, "sathach1", "wrong-password", NULL, now, &error));
      g_clear_error (&error);
    }
  g_assert_true (ttsh_operators_unlock (f->store, "sathach1", "admin", &error));
  g_assert_no_error (error);
  g_clear_object (&op);
  op = ttsh_operators_authenticate (f->store, "sathach1", PASSWORD, NULL, now, &error);
  g_assert_no_error (error);
  g_assert_false (ttsh_operators_unlock (f->store, "nobody", "admin", &error));
  g_assert_error (error, TTSH_STORE_ERROR, TTSH_STORE_ERROR_NOT_FOUND);
}

static void
test_totp_sign_in (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshOperator) op = NULL;
  gint64 now = G_GINT64_CONSTANT (1800000000000);
  g_autofree char *code = code_at (f->secret, now);
  g_autofree char *prev = code_at (f->secret, now - 30000);
  g_autofree char *far = code_at (f->secret, now + 90000);
  char wrong[7];

  add (f, "quantri", TTSH_OPERATOR_QUAN_TRI, f->secret);

  /* Password alone: the second step is asked for, no failure counted. */
  g_assert_null (ttsh_operators_authenticate (f->store, "quantri", PASSWORD, NULL, now, &error));
  g_assert_error (error, TTSH_OPERATOR_ERROR, TTSH_OPERATOR_ERROR_TOTP_REQUIRED);
  g_clear_error (&error);
  g_assert_cmpint (journal_count (f, TTSH_JOURNAL_LOGIN_FAILED, "quantri"), ==, 0);

  g_snprintf (wrong, sizeof wrong, "%06d", (atoi (code) + 1) % 1000000);
  g_assert_null (ttsh_operators_authenticate (f->store, "quantri", PASSWORD, wrong, now, &error));
  g_assert_error (error, TTSH_OPERATOR_ERROR, TTSH_OPERATOR_ERROR_TOTP_INVALID);
  g_clear_error (&error);
  g_assert_null (ttsh_operators_authenticate (f->store, "quantri", PASSWORD, far, now, &error));
  g_assert_error (error, TTSH_OPERATOR_ERROR, TTSH_OPERATOR_ERROR_TOTP_INVALID);
  g_clear_error (&error);
  g_assert_null (ttsh_operators_authenticate (f->store, "quantri", PASSWORD, "12a456", now, &error));
  g_assert_error (error, TTSH_OPERATOR_ERROR, TTSH_OPERATOR_ERROR_TOTP_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (journal_count (f, TTSH_JOURNAL_LOGIN_FAILED, "quantri"), ==, 3);

  /* One step of drift is accepted. */
  op = ttsh_operators_authenticate (f->store, "quantri", PASSWORD, prev, now, &error);
  g_assert_no_error (error);
  g_assert_nonnull (op);
  g_clear_object (&op);
  op = ttsh_operators_authenticate (f->store, "quantri", PASSWORD, code, now, &error);
  g_assert_no_error (error);
  g_assert_nonnull (op);
  g_clear_object (&op);
  /* A code already used cannot be replayed. */
  g_assert_null (ttsh_operators_authenticate (f->store, "quantri", PASSWORD, code, now + 5000, &error));
  g_assert_error (error, TTSH_OPERATOR_ERROR, TTSH_OPERATOR_ERROR_TOTP_INVALID);
  g_clear_error (&error);
  g_assert_null (ttsh_operators_authenticate (f->store, "quantri", PASSWORD, prev, now + 5000, &error));
  g_assert_error (error, TTSH_OPERATOR_ERROR, TTSH_OPERATOR_ERROR_TOTP_INVALID);
  g_assert_cmpint (journal_count (f, TTSH_JOURNAL_LOGIN, "quantri"), ==, 2);
}

static void
test_check_refused (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshOperator) op = ttsh_operator_new (1, "giamsat1", "A", "", TTSH_OPERATOR_GIAM_SAT);

  g_assert_true (ttsh_operators_check (f->store, op, TTSH_PERM_VIEW_SESSIONS, "x", &error));
  g_assert_no_error (error);
  g_assert_cmpint (journal_count (f, TTSH_JOURNAL_ACTION_REFUSED, "giamsat1"), ==, 0);
  g_assert_false (ttsh_operators_check (f->store, op, TTSH_PERM_CANCEL_RESULT, "candidate 7", &error));
  g_assert_error (error, TTSH_OPERATOR_ERROR, TTSH_OPERATOR_ERROR_REFUSED);
  g_assert_cmpint (journal_count (f, TTSH_JOURNAL_ACTION_REFUSED, "giamsat1"), ==, 1);
  g_clear_error (&error);
  g_assert_false (ttsh_operators_check (f->store, op, TTSH_PERM_RESUME_SENDING, "c08.stopped", &error));
  g_assert_error (error, TTSH_OPERATOR_ERROR, TTSH_OPERATOR_ERROR_REFUSED);
  g_assert_cmpint (journal_count (f, TTSH_JOURNAL_ACTION_REFUSED, "giamsat1"), ==, 2);
}

static int
run_cli (const char *config, const char *stdin_text, const char *extra, char **err_out)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *cmd = g_strdup_printf ("printf '%s' | '%s' operator add --config '%s' %s",
                                          stdin_text, g_getenv ("TTSH_ENGINE_BIN"), config, extra);
  g_autofree char *out = NULL;
  int status = 0;

  const char *argv[] = { "/bin/sh", "-c", cmd, NULL };

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, err_out, &status, &error);
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static void
test_cli (void)
{
  g_autofree char *dir = ttsh_test_mkdtemp ();
  g_autofree char *config = ttsh_test_write_config (dir, NULL);
  g_autofree char *secret = g_build_filename (dir, "totp.txt", NULL);
  g_autofree char *err = NULL;
  g_autofree char *extra = NULL;
  g_autoptr(GError) error = NULL;

  if (g_getenv ("TTSH_ENGINE_BIN") == NULL)
    {
      g_test_skip ("TTSH_ENGINE_BIN not set");
      return;
    }
  g_assert_cmpint (run_cli (config, PASSWORD "\\n",
                            "--username giamsat1 --full-name 'Trần Thị Bình' --position 'Giám sát' --role GIAM_SAT --password-stdin",
                            NULL), ==, 0);
  /* Duplicate, bad role, missing TOTP for an administrator, short password. */
  g_assert_cmpint (run_cli (config, PASSWORD "\\n", "--username giamsat1 --full-name X --role GIAM_SAT --password-stdin", &err), ==, 2);
  g_assert_nonnull (strstr (err, "giamsat1"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli (config, PASSWORD "\\n", "--username u2 --full-name X --role ROOT --password-stdin", NULL), ==, 2);
  g_assert_cmpint (run_cli (config, PASSWORD "\\n", "--username u3 --full-name X --role QUAN_TRI --password-stdin", &err), ==, 2);
  g_assert_nonnull (strstr (err, "totp"));
  g_assert_cmpint (run_cli (config, "short\\n", "--username u4 --full-name X --role GIAM_SAT --password-stdin", NULL), ==, 2);
  g_assert_cmpint (run_cli (config, PASSWORD "\\n", "--username u5 --full-name X --role GIAM_SAT", NULL), ==, 2);

  g_file_set_contents (secret, RFC_SECRET_B32 "\n", -1, &error);
  g_assert_no_error (error);
  extra = g_strdup_printf ("--username quantri --full-name 'Lê Văn Cường' --role QUAN_TRI --password-stdin --totp-secret-file '%s'", secret);
  g_assert_cmpint (run_cli (config, PASSWORD "\\n", extra, NULL), ==, 0);
  ttsh_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/operators/roles", test_roles);
  g_test_add_func ("/operators/totp-vectors", test_totp_vectors);
  g_test_add ("/operators/add-invalid", Fixture, NULL, setup, test_add_invalid, teardown);
  g_test_add ("/operators/sign-in", Fixture, NULL, setup, test_sign_in, teardown);
  g_test_add ("/operators/lockout", Fixture, NULL, setup, test_lockout, teardown);
  g_test_add ("/operators/totp-sign-in", Fixture, NULL, setup, test_totp_sign_in, teardown);
  g_test_add ("/operators/check-refused", Fixture, NULL, setup, test_check_refused, teardown);
  g_test_add_func ("/operators/cli", test_cli);
  return g_test_run ();
}
