/* test-errors-util.h — fixtures for the error-queue, cancellation and check
 * tests: a session with candidates, outbox records put into the states the
 * sender leaves them in, operators and inbound request rows. */
#pragma once

#include <string.h>

#include "ttsh-outbox.h"
#include "ttsh-store.h"
#include "ttsh-test-util.h"
#include "ttsh-wire.h"

#define TEST_CENTRE  "TTSH-HN-01"
#define TEST_SESSION "KSH-2026-11-23-01"
#define TEST_CID     "001099012345"
#define TEST_DOB     "1999-05-17"

static inline void
test_exec (TtshStore *store, const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_assert_true (ttsh_store_exec (store, sql, &error));
  g_assert_no_error (error);
}

static inline gint64
test_scalar (TtshStore *store, const char *sql)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt = ttsh_store_prepare (store, sql, &error);
  gint64 v;
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  v = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return v;
}

static inline char *
test_text (TtshStore *store, const char *sql)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt = ttsh_store_prepare (store, sql, &error);
  char *v = NULL;
  g_assert_no_error (error);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    v = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return v;
}

/* One session; candidates numbered 1..n with contents SA_HINH and
 * DUONG_TRUONG, the first content at attempt 1. Returns the session id. */
static inline gint64
test_add_session (TtshStore *store, int n_candidates)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt;
  gint64 now = ttsh_now_ms ();

  test_exec (store,
      "INSERT INTO exam_session (id, code, name, centre_code, start_time, end_time, received_at, updated_at) "
      "VALUES (1, '" TEST_SESSION "', 'Kỳ sát hạch thử', '" TEST_CENTRE "', "
      "'2026-11-23T07:30:00+07:00', '2026-11-23T17:00:00+07:00', 0, 0)");
  for (int i = 1; i <= n_candidates; i++)
    {
      g_autofree char *reg = g_strdup_printf ("DK%06d", i);
      g_autofree char *no = g_strdup_printf ("%03d", i);
      g_autofree char *name = g_strdup_printf ("Nguyễn Văn Thí Sinh %d", i);
      g_autofree char *folded = g_strdup_printf ("nguyen van thi sinh %d", i);
      g_autofree char *hash = g_strdup_printf ("hash-%d", i);

      stmt = ttsh_store_prepare (store,
          "INSERT INTO candidate (id, session_id, reg_code, full_name, name_folded, cid_hash, "
          "cid_sealed, dob_sealed, gender, candidate_no, licence_class) "
          "VALUES (?1, 1, ?2, ?3, ?4, ?5, ?6, ?7, 'NAM', ?8, 'B')", &error);
      g_assert_no_error (error);
      sqlite3_bind_int (stmt, 1, i);
      sqlite3_bind_text (stmt, 2, reg, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 3, name, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 4, folded, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 5, hash, -1, SQLITE_TRANSIENT);
      ttsh_store_bind_sealed (store, stmt, 6, TEST_CID, strlen (TEST_CID), "candidate.cid");
      ttsh_store_bind_sealed (store, stmt, 7, TEST_DOB, strlen (TEST_DOB), "candidate.dob");
      sqlite3_bind_text (stmt, 8, no, -1, SQLITE_TRANSIENT);
      g_assert_true (ttsh_store_step_done (store, stmt, &error));
      g_assert_no_error (error);

      stmt = ttsh_store_prepare (store,
          "INSERT INTO candidate_content (candidate_id, content, state, attempt, updated_at) "
          "VALUES (?1, 'SA_HINH', 'FAILED', 1, ?2), (?1, 'DUONG_TRUONG', 'WAITING', 0, ?2)", &error);
      g_assert_no_error (error);
      sqlite3_bind_int (stmt, 1, i);
      sqlite3_bind_int64 (stmt, 2, now);
      g_assert_true (ttsh_store_step_done (store, stmt, &error));
      g_assert_no_error (error);
    }
  return 1;
}

/* A QUA_TRINH (attempt, seq) or DIEM_DANH (seq ≤ 0) record of candidate @i
 * in SA_HINH, with a small photo. Returns the outbox id. */
static inline gint64
test_enqueue (TtshStore *store, int i, int attempt, int seq, char **out_code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) rec = json_object_new ();
  g_autofree char *reg = g_strdup_printf ("DK%06d", i);
  g_autofree char *stream = ttsh_outbox_stream_key (TEST_SESSION, reg, TTSH_CONTENT_SA_HINH);
  const char *kind = seq > 0 ? TTSH_KIND_QUA_TRINH : TTSH_KIND_DIEM_DANH;
  gint64 id;

  json_object_set_string_member (rec, TTSH_W_MA_DANG_KY, reg);
  json_object_set_string_member (rec, TTSH_W_HO_TEN, "Nguyễn Văn Thí Sinh");
  json_object_set_string_member (rec, TTSH_W_NGAY_SINH, TEST_DOB);
  json_object_set_string_member (rec, TTSH_W_SO_CCCD, TEST_CID);
  json_object_set_string_member (rec, TTSH_W_SO_BAO_DANH, "001");
  json_object_set_string_member (rec, TTSH_W_HANG_SAT_HACH, "B");
  json_object_set_string_member (rec, TTSH_W_MA_KY_SAT_HACH, TEST_SESSION);
  json_object_set_string_member (rec, TTSH_W_NOI_DUNG_SAT_HACH, TTSH_CONTENT_SA_HINH);
  if (seq > 0)
    {
      json_object_set_int_member (rec, TTSH_W_LAN_SAT_HACH, attempt);
      json_object_set_int_member (rec, TTSH_W_SO_THU_TU, seq);
      json_object_set_string_member (rec, TTSH_W_TRANG_THAI, "BAT_DAU");
      json_object_set_string_member (rec, TTSH_W_ANH_HOC_VIEN, "aGVsbG8gd29ybGQ=");
    }
  else
    json_object_set_string_member (rec, TTSH_W_TRANG_THAI_DIEM_DANH, "CO_MAT");
  id = ttsh_outbox_enqueue (store, TEST_CENTRE, kind, stream, TEST_SESSION, i, rec, out_code, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

/* What the sender does when a record reaches the error queue (or is held). */
static inline void
test_set_state (TtshStore *store, gint64 id, const char *state, int code, int attempts)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt = ttsh_store_prepare (store,
      "UPDATE outbox SET state = ?2, last_code = ?3, last_message = ?6, "
      "error_reason = 'test', attempts = ?4, first_error_at = ?5 - 60000, last_error_at = ?5, "
      "errored_at = CASE ?2 WHEN 'ERROR' THEN ?5 END, updated_at = ?5 WHERE id = ?1", &error);
  g_assert_no_error (error);
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_text (stmt, 2, state, -1, SQLITE_STATIC);
  if (code == G_MININT)
    sqlite3_bind_null (stmt, 3);
  else
    sqlite3_bind_int (stmt, 3, code);
  sqlite3_bind_int (stmt, 4, attempts);
  sqlite3_bind_int64 (stmt, 5, ttsh_now_ms ());
  /* C08's own text for the code, as the sender stores it. */
  sqlite3_bind_text (stmt, 6, code == G_MININT ? "" : ttsh_code_message (code), -1, SQLITE_STATIC);
  g_assert_true (ttsh_store_step_done (store, stmt, &error));
  g_assert_no_error (error);
  stmt = ttsh_store_prepare (store,
      "INSERT INTO outbox_event (outbox_id, at, from_state, to_state, code, message) "
      "VALUES (?1, ?2, 'INFLIGHT', ?3, ?4, ?5)", &error);
  g_assert_no_error (error);
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, ttsh_now_ms ());
  sqlite3_bind_text (stmt, 3, state, -1, SQLITE_STATIC);
  if (code == G_MININT)
    sqlite3_bind_null (stmt, 4);
  else
    sqlite3_bind_int (stmt, 4, code);
  sqlite3_bind_text (stmt, 5, code == G_MININT ? "" : ttsh_code_message (code), -1, SQLITE_STATIC);
  g_assert_true (ttsh_store_step_done (store, stmt, &error));
  g_assert_no_error (error);
}

static inline gint64
test_add_operator (TtshStore *store, const char *username, const char *full_name, const char *role)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt = ttsh_store_prepare (store,
      "INSERT INTO operator (username, full_name, position, role, pw_hash, created_at) "
      "VALUES (?1, ?2, '', ?3, 'x', 0)", &error);
  g_assert_no_error (error);
  sqlite3_bind_text (stmt, 1, username, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, full_name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, role, -1, SQLITE_STATIC);
  g_assert_true (ttsh_store_step_done (store, stmt, &error));
  g_assert_no_error (error);
  return sqlite3_last_insert_rowid (ttsh_store_db (store));
}
