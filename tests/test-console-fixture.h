/* test-console-fixture.h — an exam session with N candidates written the way
 * the engine's ingest stores them (sealed identity, folded names, one row per
 * content), and progress helpers that move a candidate through a test as
 * the exam programs would. GTK-free: used by UI tests and the benchmark. */
#pragma once

#include <string.h>

#include "ttsh-engine.h"
#include "ttsh-outbox.h"
#include "ttsh-query.h"
#include "ttsh-store.h"
#include "ttsh-wire.h"

static const char *const fixture_family[] = { "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ" };
static const char *const fixture_middle[] = { "Văn", "Thị", "Minh", "Đức", "Thu", "Ngọc", "Quốc" };
static const char *const fixture_given[]  = { "An", "Bình", "Cường", "Dũng", "Hà", "Hương", "Khánh", "Linh",
                                              "Nam", "Phương", "Quân", "Sơn", "Trang", "Tuấn", "Yến", "Đạt" };

static inline char *
fixture_name (int i)
{
  return g_strdup_printf ("%s %s %s", fixture_family[i % G_N_ELEMENTS (fixture_family)],
                          fixture_middle[(i / 10) % G_N_ELEMENTS (fixture_middle)],
                          fixture_given[(i / 70) % G_N_ELEMENTS (fixture_given)]);
}

static inline char *
fixture_cid (int i)
{
  return g_strdup_printf ("0010%08d", 90000000 + i);
}

static inline gboolean
fixture_exec (TtshStore *store, sqlite3_stmt *stmt)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = ttsh_store_step_done (store, stmt, &error);
  g_assert_no_error (error);
  return ok;
}

/* Returns the session id; candidate ids are 1..n in candidate-number order. */
static inline gint64
fixture_populate (TtshStore  *store,
                  int         n,
                  GBytes     *photo)        /* NULL, or given to every third candidate */
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt;
  gint64 now = ttsh_now_ms (), session_id;

  g_assert_true (ttsh_store_begin (store, &error));
  stmt = ttsh_store_prepare (store,
      "INSERT INTO exam_session (code, name, centre_code, start_time, end_time, received_at, updated_at) "
      "VALUES ('KSH-HN01-20261123', 'Kỳ sát hạch ô tô hạng B ngày 23/11/2026', 'TTSH-HN-01', "
      "'2026-11-23T07:30:00+07:00', '2026-11-23T17:00:00+07:00', ?1, ?1)", &error);
  g_assert_no_error (error);
  sqlite3_bind_int64 (stmt, 1, now);
  fixture_exec (store, stmt);
  session_id = sqlite3_last_insert_rowid (ttsh_store_db (store));

  stmt = ttsh_store_prepare (store,
      "INSERT OR IGNORE INTO api_client (id, name, role, pw_hash, created_at) "
      "VALUES (1, 'exam-all', 'EXAM_SA_HINH', 'x', ?1)", &error);
  g_assert_no_error (error);
  sqlite3_bind_int64 (stmt, 1, now);
  fixture_exec (store, stmt);

  for (int i = 1; i <= n; i++)
    {
      g_autofree char *name = fixture_name (i);
      g_autofree char *folded = ttsh_text_fold (name);
      g_autofree char *cid = fixture_cid (i);
      g_autofree char *hash = ttsh_lookup_hash (ttsh_store_keys (store), cid);
      g_autofree char *no = g_strdup_printf ("%05d", i);
      g_autofree char *reg = g_strdup_printf ("DK-%06d", i);
      gint64 cand;

      stmt = ttsh_store_prepare (store,
          "INSERT INTO candidate (session_id, reg_code, full_name, name_folded, cid_hash, cid_sealed, "
          " dob_sealed, gender, candidate_no, licence_class, photo_sealed) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", &error);
      g_assert_no_error (error);
      sqlite3_bind_int64 (stmt, 1, session_id);
      sqlite3_bind_text (stmt, 2, reg, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, name, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 4, folded, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 5, hash, -1, SQLITE_STATIC);
      ttsh_store_bind_sealed (store, stmt, 6, cid, strlen (cid), "candidate.cid");
      ttsh_store_bind_sealed (store, stmt, 7, "1995-04-17", 10, "candidate.dob");
      sqlite3_bind_text (stmt, 8, i % 2 ? "NAM" : "NU", -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 9, no, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 10, i % 5 == 0 ? "C" : "B2", -1, SQLITE_STATIC);
      if (photo != NULL && i % 3 == 1)
        ttsh_store_bind_sealed (store, stmt, 11, g_bytes_get_data (photo, NULL), g_bytes_get_size (photo),
                                "candidate.photo");
      else
        sqlite3_bind_null (stmt, 11);
      fixture_exec (store, stmt);
      cand = sqlite3_last_insert_rowid (ttsh_store_db (store));

      for (int c = 0; c < TTSH_N_CONTENTS; c++)
        {
          stmt = ttsh_store_prepare (store,
              "INSERT INTO candidate_content (candidate_id, content, updated_at) VALUES (?1, ?2, ?3)", &error);
          g_assert_no_error (error);
          sqlite3_bind_int64 (stmt, 1, cand);
          sqlite3_bind_text (stmt, 2, ttsh_contents[c], -1, SQLITE_STATIC);
          sqlite3_bind_int64 (stmt, 3, now);
          fixture_exec (store, stmt);
        }
    }
  g_assert_true (ttsh_store_commit (store, &error));
  return session_id;
}

/* One step of a test as the exam programs report it: the process record
 * (with a deduction when deduct > 0), the content's live state, and an outbox
 * record in the given state. */
static inline void
fixture_progress (TtshStore  *store,
                  gint64      candidate_id,
                  const char *content,
                  int         attempt,
                  int         seq,
                  const char *process_state,   /* BAT_DAU, DANG_THI, KET_THUC */
                  double      score,
                  double      deduct,
                  const char *outbox_state)    /* PENDING, ACCEPTED, ERROR */
{
  g_autoptr(GError) error = NULL;
  g_autofree char *source = g_strdup_printf ("SRC-%" G_GINT64_FORMAT "-%s-%d-%d", candidate_id, content, attempt, seq);
  g_autofree char *stream = g_strdup_printf ("s-%" G_GINT64_FORMAT "-%s", candidate_id, content);
  g_autofree char *events = deduct > 0
    ? g_strdup_printf ("[{\"ThoiGian\":\"2026-11-23T09:%02d:10+07:00\",\"MaLoi\":\"SH-%02d\","
                       "\"MoTa\":\"Không thắt dây an toàn\",\"DiemTru\":%g}]", seq, seq, deduct)
    : g_strdup ("[]");
  g_autofree char *start = g_strdup_printf ("2026-11-23T09:%02d:00+07:00", seq);
  gboolean ended = g_str_equal (process_state, "KET_THUC");
  const char *result = ended ? (score >= 80 ? "DAT" : "KHONG_DAT") : NULL;
  const char *state = ended ? (score >= 80 ? "PASSED" : "FAILED") : "IN_TEST";
  gint64 now = ttsh_now_ms (), outbox_id;
  sqlite3_stmt *stmt;

  g_assert_true (ttsh_store_begin (store, &error));
  stmt = ttsh_store_prepare (store,
      "INSERT INTO outbox (transaction_code, kind, stream, stream_seq, session_code, candidate_id, "
      " payload_sealed, payload_size, state, next_attempt_at, last_code, last_message, created_at, updated_at) "
      "VALUES (?1, 'QUA_TRINH', ?2, ?3, 'KSH-HN01-20261123', ?4, x'00', 1, ?5, ?6, ?7, ?8, ?6, ?6)", &error);
  g_assert_no_error (error);
  sqlite3_bind_text (stmt, 1, source, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, stream, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 3, attempt * 100 + seq);
  sqlite3_bind_int64 (stmt, 4, candidate_id);
  sqlite3_bind_text (stmt, 5, outbox_state, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 6, now);
  if (g_str_equal (outbox_state, "ERROR"))
    {
      sqlite3_bind_int (stmt, 7, -6);
      sqlite3_bind_text (stmt, 8, "Dữ liệu không hợp lệ", -1, SQLITE_STATIC);
    }
  else if (g_str_equal (outbox_state, "ACCEPTED"))
    sqlite3_bind_int (stmt, 7, 1);
  fixture_exec (store, stmt);
  outbox_id = sqlite3_last_insert_rowid (ttsh_store_db (store));

  stmt = ttsh_store_prepare (store,
      "INSERT INTO process_record (candidate_id, content, attempt, seq, state, start_time, end_time, score, "
      " result, events_json, client_id, source_code, outbox_id, received_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1, ?11, ?12, ?13)", &error);
  g_assert_no_error (error);
  sqlite3_bind_int64 (stmt, 1, candidate_id);
  sqlite3_bind_text (stmt, 2, content, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 3, attempt);
  sqlite3_bind_int (stmt, 4, seq);
  sqlite3_bind_text (stmt, 5, process_state, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, start, -1, SQLITE_STATIC);
  if (ended)
    sqlite3_bind_text (stmt, 7, start, -1, SQLITE_STATIC);
  sqlite3_bind_double (stmt, 8, score);
  if (result)
    sqlite3_bind_text (stmt, 9, result, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 10, events, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 11, source, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 12, outbox_id);
  sqlite3_bind_int64 (stmt, 13, now);
  fixture_exec (store, stmt);

  stmt = ttsh_store_prepare (store,
      "UPDATE candidate_content SET state = ?3, attempt = ?4, score = ?5, result = ?6, updated_at = ?7 "
      "WHERE candidate_id = ?1 AND content = ?2", &error);
  g_assert_no_error (error);
  sqlite3_bind_int64 (stmt, 1, candidate_id);
  sqlite3_bind_text (stmt, 2, content, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, state, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 4, attempt);
  sqlite3_bind_double (stmt, 5, score);
  if (result)
    sqlite3_bind_text (stmt, 6, result, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 7, now);
  fixture_exec (store, stmt);
  g_assert_true (ttsh_store_commit (store, &error));
}

/* Sets one content's state directly (attendance: PRESENT / ABSENT). */
static inline void
fixture_set_state (TtshStore  *store,
                   gint64      candidate_id,
                   const char *content,
                   const char *state)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt = ttsh_store_prepare (store,
      "UPDATE candidate_content SET state = ?3, updated_at = ?4 WHERE candidate_id = ?1 AND content = ?2", &error);

  g_assert_no_error (error);
  sqlite3_bind_int64 (stmt, 1, candidate_id);
  sqlite3_bind_text (stmt, 2, content, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, state, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, ttsh_now_ms ());
  fixture_exec (store, stmt);
}
