/* test-store.c — the store: migrations from empty, a round trip through
 * every table, sealing of personal data (checked on the raw file bytes),
 * the key file's guards and the one-engine lock. */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include "ttsh-alarm.h"
#include "ttsh-journal.h"
#include "ttsh-store.h"
#include "ttsh-test-util.h"
#include "test-errors-util.h"

#define CID   "001204012345"
#define DOB   "1990-05-17"
#define PHOTO_MARKER "PHOTO-MARKER-7f3a9c1e"

typedef struct {
  char      *dir;
  char      *db;
  TtshStore *store;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = ttsh_test_mkdtemp ();
  f->db = g_build_filename (f->dir, "sub", "ttsh.db", NULL);
  f->store = ttsh_store_open (f->db, TTSH_STORE_NONE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->store);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->store, ttsh_store_free);
  ttsh_test_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->db);
}

static gint64
query_int (TtshStore *store, const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 v = -1;

  g_assert_cmpint (sqlite3_prepare_v2 (ttsh_store_db (store), sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    v = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return v;
}

static char *
query_text (TtshStore *store, const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *v = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (ttsh_store_db (store), sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_text (stmt, 0))
    v = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return v;
}

static void
exec_ok (TtshStore *store, const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_assert_true (ttsh_store_exec (store, sql, &error));
  g_assert_no_error (error);
}

static void
test_migrations (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *mode = query_text (f->store, "PRAGMA journal_mode");
  static const char *tables[] = {
    "meta", "exam_session", "council_member", "candidate", "candidate_content", "api_client",
    "api_token", "attendance", "process_record", "gps_point", "result", "cancellation",
    "outbox", "outbox_event", "inbound_request", "operator", "alarm", "journal",
  };
  int version = ttsh_store_schema_version (f->store);
  struct stat st;

  g_assert_cmpint (version, >=, 1);
  g_assert_cmpstr (mode, ==, "wal");
  g_assert_cmpint (query_int (f->store, "PRAGMA foreign_keys"), ==, 1);
  g_assert_cmpint (query_int (f->store, "PRAGMA synchronous"), ==, 2);  /* FULL */
  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    {
      g_autofree char *sql = g_strdup_printf (
          "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = '%s'", tables[i]);
      g_assert_cmpint (query_int (f->store, sql), ==, 1);
    }

  /* Personal data is never world-readable. */
  g_assert_cmpint (g_stat (f->db, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 077, ==, 0);

  /* Reopening applies nothing twice. */
  g_clear_pointer (&f->store, ttsh_store_free);
  f->store = ttsh_store_open (f->db, TTSH_STORE_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ttsh_store_schema_version (f->store), ==, version);
}

static void
test_foreign_keys (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (ttsh_store_exec (f->store,
      "INSERT INTO candidate_content (candidate_id, content, updated_at) VALUES (999, 'SA_HINH', 1)",
      &error));
  g_assert_error (error, TTSH_STORE_ERROR, TTSH_STORE_ERROR_CONSTRAINT);
}

static GBytes *
fake_photo (void)
{
  /* A PNG signature followed by a marker that must never appear in clear. */
  static const guint8 sig[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  GByteArray *a = g_byte_array_new ();
  g_byte_array_append (a, sig, sizeof sig);
  for (int i = 0; i < 64; i++)
    g_byte_array_append (a, (const guint8 *) PHOTO_MARKER, strlen (PHOTO_MARKER));
  return g_byte_array_free_to_bytes (a);
}

static gint64
insert_candidate (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) photo = fake_photo ();
  g_autofree char *cid_hash = ttsh_lookup_hash (ttsh_store_keys (f->store), CID);
  sqlite3_stmt *stmt;

  exec_ok (f->store,
           "INSERT INTO exam_session (id, code, name, centre_code, start_time, end_time, decision_no, "
           "decision_date, received_at, updated_at) VALUES (1, 'K2026-11-23', 'Kỳ sát hạch 23/11', "
           "'TTSH-HN-01', '2026-11-23T07:30:00+07:00', '2026-11-23T17:00:00+07:00', '123/QĐ', "
           "'2026-11-20', 1, 1)");

  stmt = ttsh_store_prepare (f->store,
      "INSERT INTO candidate (id, session_id, reg_code, full_name, name_folded, cid_hash, cid_sealed, "
      "dob_sealed, gender, candidate_no, licence_class, photo_sealed) "
      "VALUES (1, 1, 'DK001', 'Nguyễn Văn Đức', 'nguyen van duc', ?1, ?2, ?3, 'NAM', '001', 'B', ?4)",
      &error);
  g_assert_no_error (error);
  sqlite3_bind_text (stmt, 1, cid_hash, -1, SQLITE_STATIC);
  ttsh_store_bind_sealed (f->store, stmt, 2, CID, strlen (CID), "candidate.cid");
  ttsh_store_bind_sealed (f->store, stmt, 3, DOB, strlen (DOB), "candidate.dob");
  ttsh_store_bind_sealed (f->store, stmt, 4, g_bytes_get_data (photo, NULL),
                          g_bytes_get_size (photo), "candidate.photo");
  g_assert_true (ttsh_store_step_done (f->store, stmt, &error));
  g_assert_no_error (error);
  return 1;
}

static void
test_round_trip (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) photo = fake_photo ();
  g_autofree char *cid_hash = ttsh_lookup_hash (ttsh_store_keys (f->store), CID);
  sqlite3_stmt *stmt;
  gboolean is_new = FALSE;

  insert_candidate (f);

  /* Sealed columns come back byte for byte; the lookup hash finds the row. */
  stmt = ttsh_store_prepare (f->store,
      "SELECT cid_sealed, dob_sealed, photo_sealed, full_name FROM candidate WHERE cid_hash = ?1", &error);
  sqlite3_bind_text (stmt, 1, cid_hash, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  {
    g_autoptr(GBytes) cid = ttsh_store_column_unsealed (f->store, stmt, 0, "candidate.cid", &error);
    g_autoptr(GBytes) dob = ttsh_store_column_unsealed (f->store, stmt, 1, "candidate.dob", &error);
    g_autoptr(GBytes) ph = ttsh_store_column_unsealed (f->store, stmt, 2, "candidate.photo", &error);
    g_autoptr(GBytes) wrong = NULL;

    g_assert_no_error (error);
    g_assert_cmpmem (g_bytes_get_data (cid, NULL), g_bytes_get_size (cid), CID, strlen (CID));
    g_assert_cmpmem (g_bytes_get_data (dob, NULL), g_bytes_get_size (dob), DOB, strlen (DOB));
    g_assert_true (g_bytes_equal (ph, photo));
    g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 3), ==, "Nguyễn Văn Đức");

    /* A value moved to another column does not unseal there. */
    wrong = ttsh_store_column_unsealed (f->store, stmt, 0, "candidate.dob", &error);
    g_assert_null (wrong);
    g_assert_error (error, TTSH_CRYPTO_ERROR, TTSH_CRYPTO_ERROR_TAMPERED);
    g_clear_error (&error);
  }
  sqlite3_reset (stmt);

  exec_ok (f->store,
           "INSERT INTO council_member (session_id, full_name, position, role) "
           "VALUES (1, 'Trần Thị Hoa', 'Trưởng phòng', 'CHU_TICH');"
           "INSERT INTO candidate_content (id, candidate_id, content, state, attempt, score, result, updated_at) "
           "VALUES (1, 1, 'SA_HINH', 'PASSED', 1, 92, 'DAT', 5);"
           "INSERT INTO api_client (id, name, role, pw_hash, created_at) "
           "VALUES (1, 'sa-hinh', 'EXAM_SA_HINH', 'x', 1);"
           "INSERT INTO api_token (jti, client_id, issued_at, expires_at) VALUES ('j1', 1, 1, 2);"
           "INSERT INTO outbox (id, transaction_code, kind, stream, stream_seq, session_code, candidate_id, "
           "payload_sealed, payload_size, next_attempt_at, created_at, updated_at) "
           "VALUES (1, 'TTSH-HN-01-20261123-QUA_TRINH-1', 'QUA_TRINH', 'K/DK001/SA_HINH', 1, 'K2026-11-23', 1, "
           "x'00', 1, 1, 1, 1);"
           "INSERT INTO outbox_event (outbox_id, at, from_state, to_state) VALUES (1, 1, NULL, 'PENDING');"
           "INSERT INTO attendance (candidate_id, content, status, attendance_time, auth_method, auth_result, "
           "client_id, source_code, outbox_id, received_at) VALUES (1, 'SA_HINH', 'CO_MAT', "
           "'2026-11-23T08:00:00+07:00', 'VNEID_QR', 'KHOP', 1, 'src-1', 1, 1);"
           "INSERT INTO process_record (id, candidate_id, content, attempt, seq, state, start_time, score, "
           "client_id, source_code, received_at) VALUES (1, 1, 'SA_HINH', 1, 1, 'BAT_DAU', "
           "'2026-11-23T08:05:00+07:00', 100, 1, 'src-2', 1);"
           "INSERT INTO gps_point (process_id, candidate_id, attempt, point_time, at, lat, lon, speed) "
           "VALUES (1, 1, 1, '2026-11-23T08:05:01+07:00', 1, 21.03, 105.77, 12.5);"
           "INSERT INTO result (candidate_id, content, attempt, start_time, end_time, score, result, "
           "client_id, source_code, received_at) VALUES (1, 'SA_HINH', 1, '2026-11-23T08:05:00+07:00', "
           "'2026-11-23T08:20:00+07:00', 92, 'DAT', 1, 'src-3', 1);"
           "INSERT INTO operator (id, username, full_name, role, pw_hash, created_at) "
           "VALUES (1, 'gs01', 'Lê Văn Minh', 'SAT_HACH_VIEN', 'x', 1);"
           "INSERT INTO cancellation (candidate_id, content, attempt, reason_code, reason_text, by_name, "
           "by_position, operator_id, cancel_time, created_at) VALUES (1, 'SA_HINH', 1, 'GIAN_LAN', "
           "'Phát hiện gian lận khi thi', 'Lê Văn Minh', 'Sát hạch viên', 1, '2026-11-23T09:00:00+07:00', 1);"
           "INSERT INTO inbound_request (at, client_id, method, path, http_status, result_code, records) "
           "VALUES (1, 1, 'POST', '/ttsh/v1/process', 200, 1, 1);");

  g_assert_cmpint (ttsh_alarm_raise (f->store, TTSH_ALARM_LATE_RECORD, TTSH_ALARM_WARNING, "1",
                                     "late", &is_new, &error), >, 0);
  g_assert_no_error (error);
  g_assert_true (is_new);
  g_assert_cmpint (ttsh_alarm_raise (f->store, TTSH_ALARM_LATE_RECORD, TTSH_ALARM_WARNING, "1",
                                     "still late", &is_new, &error), >, 0);
  g_assert_false (is_new);
  g_assert_true (ttsh_store_meta_set (f->store, "k", "v1", &error));
  g_assert_true (ttsh_store_meta_set (f->store, "k", "v2", &error));
  g_assert_no_error (error);

  {
    g_autofree char *v = ttsh_store_meta_get (f->store, "k");
    g_autofree char *council = query_text (f->store, "SELECT full_name || '/' || role FROM council_member");
    g_autofree char *cc = query_text (f->store, "SELECT state || '/' || score || '/' || result FROM candidate_content");
    g_autofree char *tok = query_text (f->store, "SELECT jti || '/' || expires_at FROM api_token");
    g_autofree char *att = query_text (f->store, "SELECT status || '/' || auth_method || '/' || outbox_id FROM attendance");
    g_autofree char *gps = query_text (f->store, "SELECT lat || ',' || lon || ',' || speed FROM gps_point");
    g_autofree char *res = query_text (f->store, "SELECT score || '/' || result FROM result");
    g_autofree char *can = query_text (f->store, "SELECT reason_code || '/' || reason_text FROM cancellation");
    g_autofree char *ev = query_text (f->store, "SELECT to_state FROM outbox_event");
    g_autofree char *req = query_text (f->store, "SELECT path || ' ' || result_code FROM inbound_request");
    g_autofree char *op = query_text (f->store, "SELECT username || '/' || role FROM operator");
    g_autofree char *alarm = query_text (f->store, "SELECT message || '/' || count FROM alarm");
    g_autofree char *proc = query_text (f->store, "SELECT state || '/' || seq || '/' || events_json FROM process_record");

    g_assert_cmpstr (v, ==, "v2");
    g_assert_cmpstr (council, ==, "Trần Thị Hoa/CHU_TICH");
    g_assert_cmpstr (cc, ==, "PASSED/92.0/DAT");
    g_assert_cmpstr (tok, ==, "j1/2");
    g_assert_cmpstr (att, ==, "CO_MAT/VNEID_QR/1");
    g_assert_cmpstr (gps, ==, "21.03,105.77,12.5");
    g_assert_cmpstr (res, ==, "92.0/DAT");
    g_assert_cmpstr (can, ==, "GIAN_LAN/Phát hiện gian lận khi thi");
    g_assert_cmpstr (ev, ==, "PENDING");
    g_assert_cmpstr (req, ==, "/ttsh/v1/process 1");
    g_assert_cmpstr (op, ==, "gs01/SAT_HACH_VIEN");
    g_assert_cmpstr (alarm, ==, "still late/2");
    g_assert_cmpstr (proc, ==, "BAT_DAU/1/[]");
  }

  /* CHECK constraints reject what the contract does not allow. */
  g_assert_false (ttsh_store_exec (f->store,
      "INSERT INTO cancellation (candidate_id, content, attempt, reason_code, reason_text, by_name, "
      "by_position, cancel_time, created_at) VALUES (1, 'SA_HINH', 2, 'X', 'short', 'a', 'b', 't', 1)",
      &error));
  g_assert_error (error, TTSH_STORE_ERROR, TTSH_STORE_ERROR_CONSTRAINT);
}

static gboolean
file_contains (const char *path, const void *needle, gsize len)
{
  g_autofree char *contents = NULL;
  gsize size = 0;

  if (!g_file_get_contents (path, &contents, &size, NULL))
    return FALSE;
  return memmem (contents, size, needle, len) != NULL;
}

static void
test_no_clear_personal_data (Fixture *f, gconstpointer data)
{
  g_autofree char *wal = g_strconcat (f->db, "-wal", NULL);

  insert_candidate (f);
  /* Check both before and after the WAL is folded into the main file. */
  g_assert_false (file_contains (wal, CID, strlen (CID)));
  g_assert_false (file_contains (wal, PHOTO_MARKER, strlen (PHOTO_MARKER)));
  exec_ok (f->store, "PRAGMA wal_checkpoint(TRUNCATE)");
  g_clear_pointer (&f->store, ttsh_store_free);

  g_assert_true (file_contains (f->db, "Nguy", 4));   /* the file does hold the row */
  g_assert_false (file_contains (f->db, CID, strlen (CID)));
  g_assert_false (file_contains (f->db, DOB, strlen (DOB)));
  g_assert_false (file_contains (f->db, PHOTO_MARKER, strlen (PHOTO_MARKER)));
}

static void
test_key_file (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key = g_strconcat (f->db, ".key", NULL);
  g_autoptr(TtshStore) again = NULL;
  struct stat st;

  g_assert_cmpint (g_stat (key, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (st.st_size, ==, TTSH_KEY_LEN);

  insert_candidate (f);
  g_clear_pointer (&f->store, ttsh_store_free);

  /* Too open: refused. */
  g_assert_cmpint (g_chmod (key, 0644), ==, 0);
  again = ttsh_store_open (f->db, TTSH_STORE_NONE, &error);
  g_assert_null (again);
  g_assert_error (error, TTSH_CRYPTO_ERROR, TTSH_CRYPTO_ERROR_KEYFILE);
  g_clear_error (&error);

  /* A different key cannot read what the first one sealed. */
  g_assert_cmpint (g_chmod (key, 0600), ==, 0);
  g_assert_true (g_file_set_contents (key, "0123456789abcdef0123456789abcdef", 32, &error));
  g_assert_cmpint (g_chmod (key, 0600), ==, 0);
  f->store = ttsh_store_open (f->db, TTSH_STORE_NONE, &error);
  g_assert_no_error (error);
  {
    sqlite3_stmt *stmt = ttsh_store_prepare (f->store, "SELECT cid_sealed FROM candidate", &error);
    g_autoptr(GBytes) cid = NULL;
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    cid = ttsh_store_column_unsealed (f->store, stmt, 0, "candidate.cid", &error);
    g_assert_null (cid);
    g_assert_error (error, TTSH_CRYPTO_ERROR, TTSH_CRYPTO_ERROR_TAMPERED);
    sqlite3_reset (stmt);
  }
  g_clear_error (&error);
  g_clear_pointer (&f->store, ttsh_store_free);

  /* Truncated key file: refused with a reason. */
  g_assert_true (g_file_set_contents (key, "short", 5, &error));
  g_assert_cmpint (g_chmod (key, 0600), ==, 0);
  again = ttsh_store_open (f->db, TTSH_STORE_NONE, &error);
  g_assert_null (again);
  g_assert_error (error, TTSH_CRYPTO_ERROR, TTSH_CRYPTO_ERROR_KEYFILE);
}

static void
test_lock (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  int fd1, fd2, fd3;

  fd1 = ttsh_store_lock (f->db, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fd1, >=, 0);

  fd2 = ttsh_store_lock (f->db, &error);
  g_assert_cmpint (fd2, ==, -1);
  g_assert_error (error, TTSH_STORE_ERROR, TTSH_STORE_ERROR_LOCKED);
  g_assert_nonnull (strstr (error->message, "already running"));
  g_clear_error (&error);

  ttsh_store_unlock (fd1);
  fd3 = ttsh_store_lock (f->db, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fd3, >=, 0);
  ttsh_store_unlock (fd3);
}

/* Statements are found by the caller's pointer first: a buffer reused for
 * other text must still get its own statement. */
static void
test_prepare_reused_buffer (Fixture *f, gconstpointer data)
{
  char sql[32];

  g_strlcpy (sql, "SELECT 1", sizeof sql);
  g_assert_cmpint (test_scalar (f->store, sql), ==, 1);
  g_assert_cmpint (test_scalar (f->store, sql), ==, 1);
  g_strlcpy (sql, "SELECT 2", sizeof sql);
  g_assert_cmpint (test_scalar (f->store, sql), ==, 2);
  g_assert_cmpint (test_scalar (f->store, "SELECT 1"), ==, 1);
  g_strlcpy (sql, "SELECT 1", sizeof sql);
  g_assert_cmpint (test_scalar (f->store, sql), ==, 1);
}

/* The accounts epoch moves with every write to the API accounts, whoever
 * makes it on this connection, and with nothing else. */
static void
test_accounts_epoch (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  guint64 e0 = ttsh_store_accounts_epoch (f->store), e1, e2;

  g_assert_true (ttsh_store_exec (f->store, "INSERT INTO meta (key, value, updated_at) VALUES ('x', 'y', 0)", &error));
  g_assert_cmpuint (ttsh_store_accounts_epoch (f->store), ==, e0);
  g_assert_true (ttsh_store_exec (f->store,
      "INSERT INTO api_client (name, role, pw_hash, created_at) VALUES ('a', 'EXAM_SA_HINH', 'h', 0)", &error));
  e1 = ttsh_store_accounts_epoch (f->store);
  g_assert_cmpuint (e1, >, e0);
  g_assert_true (ttsh_store_exec (f->store,
      "INSERT INTO api_token (jti, client_id, issued_at, expires_at) VALUES ('j', 1, 0, 1)", &error));
  e2 = ttsh_store_accounts_epoch (f->store);
  g_assert_cmpuint (e2, >, e1);
  g_assert_true (ttsh_store_exec (f->store, "UPDATE api_token SET revoked_at = 1", &error));
  g_assert_cmpuint (ttsh_store_accounts_epoch (f->store), >, e2);
  e2 = ttsh_store_accounts_epoch (f->store);
  g_assert_true (ttsh_store_exec (f->store, "DELETE FROM api_token", &error));
  g_assert_cmpuint (ttsh_store_accounts_epoch (f->store), >, e2);
  g_assert_no_error (error);
}

static gint64
synchronous_level (TtshStore *store)
{
  return test_scalar (store, "PRAGMA synchronous");
}

/* One meta row in a transaction begun by @begin, then committed. */
static void
insert_meta (TtshStore  *store,
             gboolean  (*begin) (TtshStore *, GError **),
             const char *key)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sql = g_strdup_printf (
      "INSERT INTO meta (key, value, updated_at) VALUES ('%s', 'x', 0)", key);

  g_assert_true (begin (store, &error));
  test_exec (store, sql);
  g_assert_true (ttsh_store_commit (store, &error));
  g_assert_no_error (error);
}

/* A group-committed transaction is visible at once, waits for
 * ttsh_store_sync to be durable, and leaves the connection at FULL for
 * every other commit, rolled back or not. */
static void
test_group_commit (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (synchronous_level (f->store), ==, 2);
  g_assert_false (ttsh_store_needs_sync (f->store));
  insert_meta (f->store, ttsh_store_begin_unsynced, "g1");
  g_assert_true (ttsh_store_needs_sync (f->store));
  g_assert_cmpint (synchronous_level (f->store), ==, 2);
  g_assert_cmpint (test_scalar (f->store, "SELECT count(*) FROM meta WHERE key = 'g1'"), ==, 1);

  /* A second group commit, then one sync for both. */
  insert_meta (f->store, ttsh_store_begin_unsynced, "g2");
  g_assert_cmpuint (ttsh_store_sync_count (f->store), ==, 0);
  g_assert_true (ttsh_store_sync (f->store, &error));
  g_assert_no_error (error);
  g_assert_false (ttsh_store_needs_sync (f->store));
  g_assert_cmpuint (ttsh_store_sync_count (f->store), ==, 1);
  /* Nothing left to sync: no second sync. */
  g_assert_true (ttsh_store_sync (f->store, &error));
  g_assert_cmpuint (ttsh_store_sync_count (f->store), ==, 1);

  /* Rolled back: nothing to sync, and FULL again. */
  g_assert_true (ttsh_store_begin_unsynced (f->store, &error));
  g_assert_true (ttsh_store_exec (f->store, "INSERT INTO meta (key, value, updated_at) VALUES ('g3', 'x', 0)", &error));
  ttsh_store_rollback (f->store);
  g_assert_false (ttsh_store_needs_sync (f->store));
  g_assert_cmpint (synchronous_level (f->store), ==, 2);
  g_assert_cmpint (test_scalar (f->store, "SELECT count(*) FROM meta WHERE key = 'g3'"), ==, 0);

  /* Ended behind the store's back (as SQLite does on some errors): the
   * next transaction is FULL all the same. */
  g_assert_true (ttsh_store_begin_unsynced (f->store, &error));
  test_exec (f->store, "ROLLBACK");
  g_assert_true (ttsh_store_begin (f->store, &error));
  g_assert_cmpint (synchronous_level (f->store), ==, 2);
  ttsh_store_rollback (f->store);

  /* An ordinary (FULL) commit syncs the WAL: earlier group commits too. */
  insert_meta (f->store, ttsh_store_begin_unsynced, "g4");
  g_assert_true (ttsh_store_needs_sync (f->store));
  insert_meta (f->store, ttsh_store_begin, "g5");
  g_assert_false (ttsh_store_needs_sync (f->store));
  g_assert_no_error (error);
}

static void
test_read_only_missing (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshStore) store = ttsh_store_open ("/nonexistent/dir/ttsh.db", TTSH_STORE_READ_ONLY, &error);

  g_assert_null (store);
  g_assert_error (error, TTSH_STORE_ERROR, TTSH_STORE_ERROR_OPEN);
}

static void
test_password_hash (void)
{
  g_autofree char *h1 = ttsh_password_hash ("correct horse");
  g_autofree char *h2 = ttsh_password_hash ("correct horse");

  g_assert_true (g_str_has_prefix (h1, "pbkdf2-sha256$"));
  g_assert_cmpstr (h1, !=, h2);   /* salted */
  g_assert_true (ttsh_password_verify ("correct horse", h1));
  g_assert_false (ttsh_password_verify ("correct horsE", h1));
  g_assert_false (ttsh_password_verify ("correct horse", "pbkdf2-sha256$1$AAAA$AAAA"));
  g_assert_false (ttsh_password_verify ("x", "garbage"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, setup, fn, teardown)
  ADD ("/store/migrations", test_migrations);
  ADD ("/store/foreign-keys", test_foreign_keys);
  ADD ("/store/round-trip", test_round_trip);
  ADD ("/store/no-clear-personal-data", test_no_clear_personal_data);
  ADD ("/store/key-file", test_key_file);
  ADD ("/store/lock", test_lock);
  ADD ("/store/prepare-reused-buffer", test_prepare_reused_buffer);
  ADD ("/store/accounts-epoch", test_accounts_epoch);
  ADD ("/store/group-commit", test_group_commit);
  g_test_add_func ("/store/read-only-missing", test_read_only_missing);
  g_test_add_func ("/store/password-hash", test_password_hash);
  return g_test_run ();
}
