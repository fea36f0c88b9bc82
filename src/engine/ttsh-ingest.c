/* ttsh-ingest.c — exam sessions, attendance, process data and results into
 * the store, each accepted record with its C08 upload in one transaction.
 *
 * A batch is one transaction with a savepoint per record: a refused record
 * rolls back alone, the accepted ones commit together (one fsync). */
#define G_LOG_DOMAIN "ttsh-ingest"
#include "config.h"

#include <math.h>
#include <string.h>

#include "ttsh-clients.h"
#include "ttsh-ingest.h"
#include "ttsh-journal.h"
#include "ttsh-outbox.h"
#include "ttsh-query.h"
#include "ttsh-validate.h"
#include "ttsh-wire.h"

G_DEFINE_QUARK (ttsh-ingest-error-quark, ttsh_ingest_error)

#define MAX_CANDIDATES     5000
#define MAX_COUNCIL        50
#define MAX_EVENTS         500
#define MAX_GPS_POINTS     900
#define MAX_SEND_SKEW_MS   (60 * 1000)

static const char *const genders[] = { "NAM", "NU", NULL };
static const char *const council_roles[] = { "CHU_TICH", "PHO_CHU_TICH", "THU_KY", "SAT_HACH_VIEN", NULL };
static const char *const attendance_states[] = { "CO_MAT", "VANG", NULL };
static const char *const auth_methods[] = { "VNEID_QR", "CCCD_CHIP", "KHUON_MAT", NULL };
static const char *const auth_results[] = { "KHOP", "KHONG_KHOP", NULL };
static const char *const process_states[] = { "BAT_DAU", "DANG_THI", "KET_THUC", NULL };
static const char *const results[] = { "DAT", "KHONG_DAT", NULL };

void
ttsh_ingest_reply_clear (TtshIngestReply *r)
{
  g_clear_pointer (&r->message, g_free);
  g_clear_pointer (&r->detail, g_free);
  g_clear_pointer (&r->data, json_node_unref);
}

static void
reply_error (TtshIngestReply *r,
             int              code,
             const char      *detail)
{
  r->code = code;
  g_free (r->detail);
  r->detail = g_strdup (detail);
}

static void
reply_from_error (TtshIngestReply *r,
                  GError          *error)
{
  if (error->domain == TTSH_INPUT_ERROR)
    reply_error (r, error->code, error->message);
  else
    {
      g_warning ("ingest: %s", error->message);
      reply_error (r, TTSH_CODE_INTERNAL, "Lỗi lưu trữ dữ liệu tại TTSH; gửi lại sau");
    }
}

static void
fail (GError     **error,
      int          code,
      const char  *format,
      ...) G_GNUC_PRINTF (3, 4);

static void
fail (GError     **error,
      int          code,
      const char  *format,
      ...)
{
  va_list args;

  va_start (args, format);
  if (error)
    *error = g_error_new_valist (TTSH_INPUT_ERROR, code, format, args);
  va_end (args);
}

static const char *
col_text (sqlite3_stmt *stmt,
          int           col)
{
  const char *s = (const char *) sqlite3_column_text (stmt, col);
  return s ? s : "";
}

/* Minimum age per licence class (Luật TTATGTĐB 2024, art. 59). */
static int
min_age (const char *cls)
{
  if (g_str_equal (cls, "C") || g_str_equal (cls, "BE"))
    return 21;
  if (g_str_equal (cls, "D1") || g_str_equal (cls, "D2") || g_str_equal (cls, "C1E") ||
      g_str_equal (cls, "CE"))
    return 24;
  if (g_str_equal (cls, "D") || g_str_equal (cls, "D1E") || g_str_equal (cls, "D2E") ||
      g_str_equal (cls, "DE"))
    return 27;
  return 18;
}

static gboolean
is_motorcycle_class (const char *cls)
{
  return g_str_equal (cls, "A1") || g_str_equal (cls, "A");
}

/* Score ranges per content: theory counts questions, the rest points. */
static double
max_score (const char *content)
{
  if (g_str_equal (content, TTSH_CONTENT_LY_THUYET))
    return 50;
  if (g_str_equal (content, TTSH_CONTENT_MO_PHONG))
    return 50;
  return 100;
}

static int
age_at (const char *dob,
        gint64      at_ms)
{
  g_autoptr(GDateTime) at = g_date_time_new_from_unix_utc (at_ms / 1000);
  int y = atoi (dob), m = atoi (dob + 5), d = atoi (dob + 8);
  int age = g_date_time_get_year (at) - y;

  if (g_date_time_get_month (at) < m ||
      (g_date_time_get_month (at) == m && g_date_time_get_day_of_month (at) < d))
    age--;
  return age;
}

/* ------------------------------------------------------------------------ */
/* Exam session push (§5.1)                                                 */

typedef struct {
  const char *reg_code, *name, *cid, *dob, *gender, *number, *cls;
  GPtrArray  *contents;   /* const char* */
  GBytes     *photo;
  int         code;
  char       *message;
} CandidateIn;

static void
candidate_in_free (CandidateIn *c)
{
  g_clear_pointer (&c->contents, g_ptr_array_unref);
  g_clear_pointer (&c->photo, g_bytes_unref);
  g_free (c->message);
  g_free (c);
}

static CandidateIn *
parse_candidate (JsonNode   *node,
                 gint64      session_start_ms,
                 GHashTable *seen)
{
  CandidateIn *c = g_new0 (CandidateIn, 1);
  g_autoptr(GError) error = NULL;
  JsonObject *o;
  JsonArray *contents;

  c->code = TTSH_CODE_OK;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      c->code = TTSH_CODE_INVALID_DATA;
      c->message = g_strdup ("Mỗi học viên phải là một đối tượng JSON");
      return c;
    }
  o = json_node_get_object (node);
  c->reg_code = ttsh_v_string (o, TTSH_W_MA_DANG_KY, TRUE, 64, &error);
  if (!error) c->name = ttsh_v_string (o, TTSH_W_HO_TEN, TRUE, 128, &error);
  if (!error) c->cid = ttsh_v_cccd (o, TTSH_W_SO_CCCD, TRUE, &error);
  if (!error) c->dob = ttsh_v_date (o, TTSH_W_NGAY_SINH, TRUE, &error);
  if (!error) c->gender = ttsh_v_enum (o, TTSH_W_GIOI_TINH, TRUE, genders, &error);
  if (!error) c->number = ttsh_v_string (o, TTSH_W_SO_BAO_DANH, TRUE, 32, &error);
  if (!error) c->cls = ttsh_v_enum (o, TTSH_W_HANG_SAT_HACH, TRUE, ttsh_licence_classes, &error);
  if (!error) contents = ttsh_v_array (o, TTSH_W_NOI_DUNG_SAT_HACH, TRUE, 4, &error);
  if (!error)
    {
      c->contents = g_ptr_array_new ();
      if (json_array_get_length (contents) == 0)
        fail (&error, TTSH_CODE_INVALID_DATA, "Trường %s phải có ít nhất một nội dung sát hạch",
              TTSH_W_NOI_DUNG_SAT_HACH);
      for (guint i = 0; !error && i < json_array_get_length (contents); i++)
        {
          JsonNode *n = json_array_get_element (contents, i);
          const char *s = JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
                          ? json_node_get_string (n) : NULL;

          if (s == NULL || !g_strv_contains (ttsh_content_names, s))
            fail (&error, TTSH_CODE_INVALID_DATA, "Nội dung sát hạch “%s” không hợp lệ", s ? s : "?");
          else if (g_ptr_array_find_with_equal_func (c->contents, s, g_str_equal, NULL))
            fail (&error, TTSH_CODE_INVALID_DATA, "Nội dung sát hạch %s bị lặp", s);
          else if (is_motorcycle_class (c->cls) &&
                   (g_str_equal (s, TTSH_CONTENT_MO_PHONG) || g_str_equal (s, TTSH_CONTENT_DUONG_TRUONG)))
            fail (&error, TTSH_CODE_INVALID_DATA, "Hạng %s không sát hạch nội dung %s", c->cls, s);
          else
            g_ptr_array_add (c->contents, (gpointer) s);
        }
    }
  if (!error && !ttsh_cccd_matches (c->cid, c->dob, c->gender))
    fail (&error, TTSH_CODE_INVALID_DATA,
          "Số CCCD không khớp năm sinh hoặc giới tính (chữ số thứ 4–6)");
  if (!error)
    {
      int age = age_at (c->dob, session_start_ms);
      if (age < min_age (c->cls) || age > 100)
        fail (&error, TTSH_CODE_INVALID_DATA, "Tuổi %d không đủ điều kiện sát hạch hạng %s (tối thiểu %d)",
              age, c->cls, min_age (c->cls));
    }
  if (!error)
    c->photo = ttsh_v_photo (o, TTSH_W_ANH_HOC_VIEN, TRUE, &error);
  if (!error)
    {
      const char *keys[3] = { c->reg_code, c->number, c->cid };
      const char *what[3] = { TTSH_W_MA_DANG_KY, TTSH_W_SO_BAO_DANH, TTSH_W_SO_CCCD };

      for (int k = 0; k < 3 && !error; k++)
        {
          g_autofree char *key = g_strdup_printf ("%d:%s", k, keys[k]);
          if (g_hash_table_contains (seen, key))
            fail (&error, TTSH_CODE_DUPLICATE, "%s “%s” trùng với học viên khác trong danh sách",
                  what[k], k == 2 ? "***" : keys[k]);
        }
      for (int k = 0; k < 3 && !error; k++)
        g_hash_table_add (seen, g_strdup_printf ("%d:%s", k, keys[k]));
    }
  if (error)
    {
      c->code = error->code;
      c->message = g_strdup (error->message);
    }
  return c;
}

static gboolean
session_started (TtshStore  *store,
                 gint64      session_id,
                 gint64     *n_started,
                 GError    **error)
{
  sqlite3_stmt *stmt = ttsh_store_prepare (store,
      "SELECT count(DISTINCT c.id) FROM candidate c JOIN candidate_content cc ON cc.candidate_id = c.id "
      "WHERE c.session_id = ?1 AND (cc.state <> 'WAITING' "
      "  OR EXISTS (SELECT 1 FROM attendance a WHERE a.candidate_id = c.id) "
      "  OR EXISTS (SELECT 1 FROM process_record p WHERE p.candidate_id = c.id) "
      "  OR EXISTS (SELECT 1 FROM result r WHERE r.candidate_id = c.id))", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, session_id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return ttsh_store_set_error (store, sqlite3_errcode (ttsh_store_db (store)), error);
  *n_started = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return TRUE;
}

static gboolean
insert_council (TtshStore  *store,
                gint64      session_id,
                JsonArray  *council,
                GError    **error)
{
  for (guint i = 0; council && i < json_array_get_length (council); i++)
    {
      JsonObject *m = json_array_get_object_element (council, i);
      const char *cid = ttsh_v_cccd (m, TTSH_W_SO_CCCD, FALSE, NULL);
      sqlite3_stmt *stmt = ttsh_store_prepare (store,
          "INSERT INTO council_member (session_id, full_name, position, role, cid_hash, cid_sealed) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6)", error);
      g_autofree char *hash = cid ? ttsh_lookup_hash (ttsh_store_keys (store), cid) : NULL;

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, session_id);
      sqlite3_bind_text (stmt, 2, json_object_get_string_member (m, TTSH_W_HO_TEN), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 3, json_object_get_string_member_with_default (m, TTSH_W_CHUC_VU, ""), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 4, json_object_get_string_member (m, TTSH_W_VAI_TRO), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 5, hash, -1, SQLITE_TRANSIENT);
      ttsh_store_bind_sealed (store, stmt, 6, cid, cid ? strlen (cid) : 0, TTSH_AAD_COUNCIL_CID);
      if (!ttsh_store_step_done (store, stmt, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
insert_candidate (TtshStore   *store,
                  gint64       session_id,
                  CandidateIn *c,
                  gint64       now,
                  GError     **error)
{
  g_autofree char *folded = ttsh_text_fold (c->name);
  g_autofree char *hash = ttsh_lookup_hash (ttsh_store_keys (store), c->cid);
  sqlite3_stmt *stmt = ttsh_store_prepare (store,
      "INSERT INTO candidate (session_id, reg_code, full_name, name_folded, cid_hash, cid_sealed, "
      "dob_sealed, gender, candidate_no, licence_class, photo_sealed) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", error);
  gint64 id;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, session_id);
  sqlite3_bind_text (stmt, 2, c->reg_code, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, c->name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, folded, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, hash, -1, SQLITE_TRANSIENT);
  ttsh_store_bind_sealed (store, stmt, 6, c->cid, strlen (c->cid), TTSH_AAD_CANDIDATE_CID);
  ttsh_store_bind_sealed (store, stmt, 7, c->dob, strlen (c->dob), TTSH_AAD_CANDIDATE_DOB);
  sqlite3_bind_text (stmt, 8, c->gender, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 9, c->number, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 10, c->cls, -1, SQLITE_TRANSIENT);
  ttsh_store_bind_sealed (store, stmt, 11, g_bytes_get_data (c->photo, NULL),
                          g_bytes_get_size (c->photo), TTSH_AAD_CANDIDATE_PHOTO);
  if (!ttsh_store_step_done (store, stmt, error))
    return FALSE;
  id = sqlite3_last_insert_rowid (ttsh_store_db (store));
  for (guint i = 0; i < c->contents->len; i++)
    {
      stmt = ttsh_store_prepare (store,
          "INSERT INTO candidate_content (candidate_id, content, updated_at) VALUES (?1, ?2, ?3)", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, id);
      sqlite3_bind_text (stmt, 2, g_ptr_array_index (c->contents, i), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 3, now);
      if (!ttsh_store_step_done (store, stmt, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
check_council (JsonArray  *council,
               GError    **error)
{
  for (guint i = 0; i < json_array_get_length (council); i++)
    {
      JsonNode *n = json_array_get_element (council, i);
      JsonObject *m = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
      GError *local = NULL;

      if (m == NULL)
        {
          fail (error, TTSH_CODE_INVALID_DATA, "%s[%u] phải là một đối tượng JSON", TTSH_W_HOI_DONG, i);
          return FALSE;
        }
      ttsh_v_string (m, TTSH_W_HO_TEN, TRUE, 128, &local);
      if (!local) ttsh_v_string (m, TTSH_W_CHUC_VU, FALSE, 128, &local);
      if (!local) ttsh_v_enum (m, TTSH_W_VAI_TRO, TRUE, council_roles, &local);
      if (!local) ttsh_v_cccd (m, TTSH_W_SO_CCCD, FALSE, &local);
      if (local)
        {
          fail (error, local->code, "%s[%u]: %s", TTSH_W_HOI_DONG, i, local->message);
          g_error_free (local);
          return FALSE;
        }
    }
  return TRUE;
}

void
ttsh_ingest_session (TtshStore              *store,
                     const char             *centre_code,
                     const TtshIngestClient *client,
                     JsonNode               *body,
                     TtshIngestReply        *reply)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) cands = g_ptr_array_new_with_free_func ((GDestroyNotify) candidate_in_free);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *canonical = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *journal_detail = NULL;
  JsonObject *root, *ky = NULL;
  JsonArray *council = NULL, *list = NULL;
  const char *code = NULL, *name = NULL, *centre = NULL, *start = NULL, *end = NULL;
  const char *decision_no = NULL, *decision_date = NULL;
  gint64 start_ms = 0, end_ms = 0, session_id = 0, revision = 1, now = ttsh_now_ms ();
  gboolean exists = FALSE, same = FALSE;
  sqlite3_stmt *stmt;
  guint accepted = 0;

  reply->code = TTSH_CODE_OK;
  if (!JSON_NODE_HOLDS_OBJECT (body))
    {
      reply_error (reply, TTSH_CODE_INVALID_DATA, "Nội dung yêu cầu phải là một đối tượng JSON");
      return;
    }
  root = json_node_get_object (body);
  if (!json_object_has_member (root, TTSH_W_KY_SAT_HACH) ||
      !JSON_NODE_HOLDS_OBJECT (json_object_get_member (root, TTSH_W_KY_SAT_HACH)))
    fail (&error, TTSH_CODE_INVALID_DATA, "Thiếu đối tượng %s", TTSH_W_KY_SAT_HACH);
  else
    ky = json_object_get_object_member (root, TTSH_W_KY_SAT_HACH);
  if (!error) code = ttsh_v_string (ky, TTSH_W_MA_KY_SAT_HACH, TRUE, 64, &error);
  if (!error) name = ttsh_v_string (ky, TTSH_W_TEN_KY_SAT_HACH, TRUE, 256, &error);
  if (!error) centre = ttsh_v_string (ky, TTSH_W_MA_TTSH, TRUE, 64, &error);
  if (!error) start = ttsh_v_time (ky, TTSH_W_THOI_GIAN_BAT_DAU, TRUE, &start_ms, &error);
  if (!error) end = ttsh_v_time (ky, TTSH_W_THOI_GIAN_KET_THUC, TRUE, &end_ms, &error);
  if (!error) decision_no = ttsh_v_string (ky, TTSH_W_SO_QUYET_DINH, FALSE, 64, &error);
  if (!error) decision_date = ttsh_v_date (ky, TTSH_W_NGAY_QUYET_DINH, FALSE, &error);
  if (!error && end_ms <= start_ms)
    fail (&error, TTSH_CODE_INVALID_DATA, "%s phải sau %s", TTSH_W_THOI_GIAN_KET_THUC, TTSH_W_THOI_GIAN_BAT_DAU);
  if (!error && !g_str_equal (centre, centre_code))
    fail (&error, TTSH_CODE_NOT_FOUND, "Mã TTSH “%s” không phải của trung tâm này (%s)", centre, centre_code);
  if (!error) council = ttsh_v_array (root, TTSH_W_HOI_DONG, TRUE, MAX_COUNCIL, &error);
  if (!error) check_council (council, &error);
  if (!error) list = ttsh_v_array (root, TTSH_W_HOC_VIEN, TRUE, MAX_CANDIDATES, &error);
  if (!error && json_array_get_length (list) == 0)
    fail (&error, TTSH_CODE_INVALID_DATA, "Danh sách %s rỗng", TTSH_W_HOC_VIEN);
  if (error)
    {
      reply_error (reply, error->code, error->message);
      return;
    }

  for (guint i = 0; i < json_array_get_length (list); i++)
    g_ptr_array_add (cands, parse_candidate (json_array_get_element (list, i), start_ms, seen));
  reply->records = cands->len;

  {
    guint8 digest[32];
    canonical = json_to_string (body, FALSE);
    ttsh_sha256 (canonical, strlen (canonical), digest);
    hash = ttsh_hex_encode (digest, sizeof digest);
  }

  if (!ttsh_store_begin (store, &error))
    goto store_error;
  stmt = ttsh_store_prepare (store,
      "SELECT id, state, payload_hash, revision FROM exam_session WHERE code = ?1", &error);
  if (stmt == NULL)
    goto store_error;
  sqlite3_bind_text (stmt, 1, code, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      exists = TRUE;
      session_id = sqlite3_column_int64 (stmt, 0);
      same = g_strcmp0 (col_text (stmt, 2), hash) == 0;
      revision = sqlite3_column_int64 (stmt, 3);
      if (!same && g_str_equal (col_text (stmt, 1), "CLOSED"))
        fail (&error, TTSH_CODE_INVALID_DATA,
              "Kỳ sát hạch %s đã kết thúc; không thể thay đổi danh sách", code);
    }
  sqlite3_reset (stmt);
  if (error)
    goto refused;

  if (exists && !same)
    {
      gint64 started = 0;
      if (!session_started (store, session_id, &started, &error))
        goto store_error;
      if (started > 0)
        {
          fail (&error, TTSH_CODE_INVALID_DATA,
                "Không thể thay thế danh sách kỳ sát hạch %s: đã bắt đầu sát hạch "
                "(%" G_GINT64_FORMAT " học viên đã điểm danh hoặc dự thi)", code, started);
          goto refused;
        }
      stmt = ttsh_store_prepare (store, "DELETE FROM candidate WHERE session_id = ?1", &error);
      if (stmt == NULL)
        goto store_error;
      sqlite3_bind_int64 (stmt, 1, session_id);
      if (!ttsh_store_step_done (store, stmt, &error))
        goto store_error;
      stmt = ttsh_store_prepare (store, "DELETE FROM council_member WHERE session_id = ?1", &error);
      if (stmt == NULL)
        goto store_error;
      sqlite3_bind_int64 (stmt, 1, session_id);
      if (!ttsh_store_step_done (store, stmt, &error))
        goto store_error;
      revision++;
      stmt = ttsh_store_prepare (store,
          "UPDATE exam_session SET name = ?2, start_time = ?3, end_time = ?4, decision_no = ?5, "
          "decision_date = ?6, updated_at = ?7, revision = ?8, payload_hash = ?9 WHERE id = ?1", &error);
    }
  else if (!exists)
    stmt = ttsh_store_prepare (store,
        "INSERT INTO exam_session (name, start_time, end_time, decision_no, decision_date, "
        "received_at, updated_at, revision, payload_hash, code, centre_code) "
        "VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9, ?10, ?11)", &error);
  else
    stmt = NULL;

  if (exists && same)
    ; /* Same roster again: nothing to write, same answers. */
  else
    {
      if (stmt == NULL)
        goto store_error;
      if (exists)
        sqlite3_bind_int64 (stmt, 1, session_id);
      sqlite3_bind_text (stmt, 2, name, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 3, start, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 4, end, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 5, decision_no, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 6, decision_date, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 7, now);
      sqlite3_bind_int64 (stmt, 8, revision);
      sqlite3_bind_text (stmt, 9, hash, -1, SQLITE_TRANSIENT);
      if (!exists)
        {
          sqlite3_bind_text (stmt, 10, code, -1, SQLITE_TRANSIENT);
          sqlite3_bind_text (stmt, 11, centre, -1, SQLITE_TRANSIENT);
        }
      if (!ttsh_store_step_done (store, stmt, &error))
        goto store_error;
      if (!exists)
        session_id = sqlite3_last_insert_rowid (ttsh_store_db (store));
      if (!insert_council (store, session_id, council, &error))
        goto store_error;
      for (guint i = 0; i < cands->len; i++)
        {
          CandidateIn *c = g_ptr_array_index (cands, i);
          if (c->code == TTSH_CODE_OK && !insert_candidate (store, session_id, c, now, &error))
            goto store_error;
        }
    }

  json_builder_begin_object (b);
  json_builder_set_member_name (b, TTSH_W_MA_KY_SAT_HACH);
  json_builder_add_string_value (b, code);
  json_builder_set_member_name (b, TTSH_W_KET_QUA);
  json_builder_begin_array (b);
  for (guint i = 0; i < cands->len; i++)
    {
      CandidateIn *c = g_ptr_array_index (cands, i);
      int rc = c->code;
      const char *msg = c->message;

      if (rc == TTSH_CODE_OK)
        accepted++;
      if (rc == TTSH_CODE_OK && same)
        {
          rc = TTSH_CODE_DUPLICATE;
          msg = "Học viên đã được tiếp nhận trước đó (danh sách không đổi)";
        }
      json_builder_begin_object (b);
      json_builder_set_member_name (b, TTSH_W_MA_DANG_KY);
      if (c->reg_code)
        json_builder_add_string_value (b, c->reg_code);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, TTSH_W_MA_KET_QUA);
      json_builder_add_int_value (b, rc);
      json_builder_set_member_name (b, TTSH_W_THONG_TIN_XU_LY);
      json_builder_add_string_value (b, msg ? msg : ttsh_code_message (rc));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, TTSH_W_SO_HOC_VIEN);
  json_builder_add_int_value (b, accepted);
  json_builder_end_object (b);

  if (!same)
    {
      journal_detail = g_strdup_printf ("revision=%" G_GINT64_FORMAT " candidates=%u refused=%u",
                                        revision, accepted, cands->len - accepted);
      if (ttsh_journal_append (store, client->name, TTSH_JOURNAL_SESSION_RECEIVED, code,
                               journal_detail, &error) == 0)
        goto store_error;
    }
  if (!ttsh_store_commit (store, &error))
    goto store_error;

  reply->data = json_builder_get_root (b);
  reply->accepted = accepted;
  reply->changed = !same;
  if (same)
    reply->message = g_strdup ("Kỳ sát hạch đã được tiếp nhận trước đó; danh sách không thay đổi");
  else if (exists)
    reply->message = g_strdup_printf ("Đã thay thế danh sách kỳ sát hạch (lần %" G_GINT64_FORMAT ")", revision);
  return;

refused:
  ttsh_store_rollback (store);
  reply_from_error (reply, error);
  return;

store_error:
  ttsh_store_rollback (store);
  reply_from_error (reply, error);
}

/* ------------------------------------------------------------------------ */
/* Upload batches (§5.2)                                                    */

typedef struct {
  const char *tx;
  const char *session_code;
  const char *reg_code;
  const char *content;
  gint64      candidate_id;
  gint64      cc_id;
  char       *cc_state;
  gint64      cc_attempt;
  gboolean    cc_has_score;
  double      cc_score;
  char       *cc_result;
} Ident;

static void
ident_clear (Ident *id)
{
  g_clear_pointer (&id->cc_state, g_free);
  g_clear_pointer (&id->cc_result, g_free);
}

static const char *
dup_table (TtshIngestKind kind)
{
  switch (kind)
    {
    case TTSH_INGEST_ATTENDANCE: return "attendance";
    case TTSH_INGEST_PROCESS:    return "process_record";
    case TTSH_INGEST_RESULT:     return "result";
    default: g_assert_not_reached ();
    }
}

static gboolean
already_received (TtshStore              *store,
                  const TtshIngestClient *client,
                  TtshIngestKind          kind,
                  const char             *tx,
                  gboolean               *found,
                  GError                **error)
{
  g_autofree char *sql = g_strdup_printf (
      "SELECT 1 FROM %s WHERE client_id = ?1 AND source_code = ?2", dup_table (kind));
  sqlite3_stmt *stmt = ttsh_store_prepare (store, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, client->id);
  sqlite3_bind_text (stmt, 2, tx, -1, SQLITE_TRANSIENT);
  *found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  if (*found)
    return TRUE;
  /* A correction's own TransactionCode (see ingest_correction). */
  stmt = ttsh_store_prepare (store, "SELECT 1 FROM record_correction WHERE client_id = ?1 AND source_code = ?2", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, client->id);
  sqlite3_bind_text (stmt, 2, tx, -1, SQLITE_TRANSIENT);
  *found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return TRUE;
}

/* Validates the identity block and finds the candidate and its content. */
static gboolean
resolve_identity (TtshStore              *store,
                  const TtshIngestClient *client,
                  JsonObject             *o,
                  Ident                  *id,
                  GError                **error)
{
  const char *name = NULL, *dob = NULL, *cid = NULL, *number = NULL, *cls = NULL;
  g_autofree char *hash = NULL;
  g_autoptr(GBytes) stored_dob = NULL;
  sqlite3_stmt *stmt;
  GError *local = NULL;
  gboolean ok = FALSE;

  id->session_code = ttsh_v_string (o, TTSH_W_MA_KY_SAT_HACH, TRUE, 64, &local);
  if (!local) id->reg_code = ttsh_v_string (o, TTSH_W_MA_DANG_KY, TRUE, 64, &local);
  if (!local) name = ttsh_v_string (o, TTSH_W_HO_TEN, TRUE, 128, &local);
  if (!local) dob = ttsh_v_date (o, TTSH_W_NGAY_SINH, TRUE, &local);
  if (!local) cid = ttsh_v_cccd (o, TTSH_W_SO_CCCD, TRUE, &local);
  if (!local) number = ttsh_v_string (o, TTSH_W_SO_BAO_DANH, TRUE, 32, &local);
  if (!local) cls = ttsh_v_enum (o, TTSH_W_HANG_SAT_HACH, TRUE, ttsh_licence_classes, &local);
  if (!local) id->content = ttsh_v_enum (o, TTSH_W_NOI_DUNG_SAT_HACH, TRUE, ttsh_content_names, &local);
  if (local)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  if (!ttsh_client_role_allows (client->role, id->content))
    {
      fail (error, TTSH_CODE_INVALID_DATA, "Tài khoản %s (vai trò %s) không được gửi dữ liệu nội dung %s",
            client->name, client->role, id->content);
      return FALSE;
    }

  stmt = ttsh_store_prepare (store,
      "SELECT s.state, c.id, c.full_name, c.cid_hash, c.dob_sealed, c.candidate_no, c.licence_class, "
      "       cc.id, cc.state, cc.attempt, cc.score, cc.result "
      "FROM exam_session s LEFT JOIN candidate c ON c.session_id = s.id AND c.reg_code = ?2 "
      "LEFT JOIN candidate_content cc ON cc.candidate_id = c.id AND cc.content = ?3 "
      "WHERE s.code = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, id->session_code, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, id->reg_code, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, id->content, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      fail (error, TTSH_CODE_NOT_FOUND, "Không tìm thấy kỳ sát hạch %s", id->session_code);
      goto out;
    }
  if (sqlite3_column_type (stmt, 1) == SQLITE_NULL)
    {
      fail (error, TTSH_CODE_NOT_FOUND, "Không tìm thấy học viên %s trong kỳ sát hạch %s",
            id->reg_code, id->session_code);
      goto out;
    }
  if (g_str_equal (col_text (stmt, 0), "CLOSED"))
    {
      fail (error, TTSH_CODE_INVALID_DATA, "Kỳ sát hạch %s đã kết thúc", id->session_code);
      goto out;
    }
  hash = ttsh_lookup_hash (ttsh_store_keys (store), cid);
  stored_dob = ttsh_store_column_unsealed (store, stmt, 4, TTSH_AAD_CANDIDATE_DOB, NULL);
  if (!g_str_equal (col_text (stmt, 2), name))
    fail (error, TTSH_CODE_INVALID_DATA, "%s không khớp danh sách kỳ sát hạch", TTSH_W_HO_TEN);
  else if (!g_str_equal (col_text (stmt, 3), hash))
    fail (error, TTSH_CODE_INVALID_DATA, "%s không khớp danh sách kỳ sát hạch", TTSH_W_SO_CCCD);
  else if (stored_dob == NULL || g_bytes_get_size (stored_dob) != strlen (dob) ||
           memcmp (g_bytes_get_data (stored_dob, NULL), dob, strlen (dob)) != 0)
    fail (error, TTSH_CODE_INVALID_DATA, "%s không khớp danh sách kỳ sát hạch", TTSH_W_NGAY_SINH);
  else if (!g_str_equal (col_text (stmt, 5), number))
    fail (error, TTSH_CODE_INVALID_DATA, "%s không khớp danh sách kỳ sát hạch", TTSH_W_SO_BAO_DANH);
  else if (!g_str_equal (col_text (stmt, 6), cls))
    fail (error, TTSH_CODE_INVALID_DATA, "%s không khớp danh sách kỳ sát hạch", TTSH_W_HANG_SAT_HACH);
  else if (sqlite3_column_type (stmt, 7) == SQLITE_NULL)
    fail (error, TTSH_CODE_NOT_FOUND, "Học viên %s không đăng ký nội dung %s", id->reg_code, id->content);
  else
    {
      id->candidate_id = sqlite3_column_int64 (stmt, 1);
      id->cc_id = sqlite3_column_int64 (stmt, 7);
      id->cc_state = g_strdup (col_text (stmt, 8));
      id->cc_attempt = sqlite3_column_int64 (stmt, 9);
      id->cc_has_score = sqlite3_column_type (stmt, 10) != SQLITE_NULL;
      id->cc_score = sqlite3_column_double (stmt, 10);
      id->cc_result = g_strdup ((const char *) sqlite3_column_text (stmt, 11));
      ok = TRUE;
    }
out:
  sqlite3_reset (stmt);
  return ok;
}

static const char *const identity_members[] = {
  TTSH_W_MA_DANG_KY, TTSH_W_HO_TEN, TTSH_W_NGAY_SINH, TTSH_W_SO_CCCD, TTSH_W_SO_BAO_DANH,
  TTSH_W_HANG_SAT_HACH, TTSH_W_MA_KY_SAT_HACH, TTSH_W_NOI_DUNG_SAT_HACH, NULL
};
static const char *const attendance_members[] = {
  TTSH_W_TRANG_THAI_DIEM_DANH, TTSH_W_THOI_GIAN_DIEM_DANH, TTSH_W_XAC_THUC_DIEN_TU,
  TTSH_W_ANH_DIEM_DANH, NULL
};
static const char *const process_members[] = {
  TTSH_W_LAN_SAT_HACH, TTSH_W_SO_THU_TU, TTSH_W_TRANG_THAI, TTSH_W_THOI_GIAN_BAT_DAU,
  TTSH_W_THOI_GIAN_KET_THUC, TTSH_W_DIEM, TTSH_W_LY_DO_SAT_HACH_LAI, TTSH_W_KET_QUA,
  TTSH_W_SU_KIEN, TTSH_W_ANH_HOC_VIEN, TTSH_W_DU_LIEU_GPS, NULL
};

/* Times go to C08 in +07:00 whatever offset the exam program used (§1). */
static JsonNode *
normalize_node (JsonNode   *node,
                const char *name)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *src = json_node_get_object (node);
      JsonObject *dst = json_object_new ();
      JsonNode *out = json_node_new (JSON_NODE_OBJECT);
      g_autoptr(GList) names = json_object_get_members (src);

      for (GList *l = names; l; l = l->next)
        json_object_set_member (dst, l->data,
                                normalize_node (json_object_get_member (src, l->data), l->data));
      json_node_take_object (out, dst);
      return out;
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *src = json_node_get_array (node);
      JsonArray *dst = json_array_sized_new (json_array_get_length (src));
      JsonNode *out = json_node_new (JSON_NODE_ARRAY);

      for (guint i = 0; i < json_array_get_length (src); i++)
        json_array_add_element (dst, normalize_node (json_array_get_element (src, i), NULL));
      json_node_take_array (out, dst);
      return out;
    }
  if (name && g_str_has_prefix (name, "ThoiGian") && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_STRING)
    {
      gint64 ms;
      if (ttsh_time_parse (json_node_get_string (node), &ms) &&
          !g_str_has_suffix (json_node_get_string (node), "+07:00"))
        {
          g_autofree char *t = ttsh_time_format_ms (ms);
          return json_node_init_string (json_node_alloc (), t);
        }
    }
  return json_node_copy (node);
}

static JsonObject *
outbound_record (JsonObject        *in,
                 const char *const *extra)
{
  JsonObject *out = json_object_new ();
  const char *const *lists[2] = { identity_members, extra };

  for (int l = 0; l < 2; l++)
    for (const char *const *m = lists[l]; *m; m++)
      if (json_object_has_member (in, *m))
        json_object_set_member (out, *m, normalize_node (json_object_get_member (in, *m), *m));
  return out;
}

static gboolean
enqueue (TtshStore   *store,
         const char  *centre_code,
         const Ident *id,
         const char  *kind,
         JsonObject  *record,
         gint64      *outbox_id,
         GError     **error)
{
  g_autofree char *stream = ttsh_outbox_stream_key (id->session_code, id->reg_code, id->content);
  g_autofree char *code = NULL;

  *outbox_id = ttsh_outbox_enqueue (store, centre_code, kind, stream, id->session_code,
                                    id->candidate_id, record, &code, error);
  return *outbox_id != 0;
}

static gboolean
update_content (TtshStore   *store,
                const Ident *id,
                const char  *state,
                gint64       attempt,
                gboolean     has_score,
                double       score,
                const char  *result,
                GError     **error)
{
  sqlite3_stmt *stmt;

  /* A road test's stream mostly repeats the state and score it had: the
   * row, its updated_at stamp and that index stay as they are (the
   * candidate's new outbox record already marks it changed for the
   * console). */
  if (g_strcmp0 (id->cc_state, state) == 0 && id->cc_attempt == attempt &&
      (!has_score || (id->cc_has_score && id->cc_score == score)) &&
      g_strcmp0 (id->cc_result, result) == 0)
    return TRUE;
  stmt = ttsh_store_prepare (store,
      "UPDATE candidate_content SET state = ?2, attempt = ?3, "
      "score = CASE WHEN ?4 THEN ?5 ELSE score END, result = ?6, updated_at = ?7 WHERE id = ?1", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id->cc_id);
  sqlite3_bind_text (stmt, 2, state, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, attempt);
  sqlite3_bind_int (stmt, 4, has_score);
  sqlite3_bind_double (stmt, 5, score);
  sqlite3_bind_text (stmt, 6, result, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 7, ttsh_now_ms ());
  return ttsh_store_step_done (store, stmt, error);
}

static gboolean rejected_attendance (TtshStore *store, const Ident *id, gint64 *original, GError **error);
static gboolean ingest_correction (TtshStore *store, const char *centre_code, const TtshIngestClient *client,
                                   Ident *id, gint64 original, const char *kind, JsonObject *record,
                                   GError **error);

static gboolean
ingest_attendance (TtshStore              *store,
                   const char             *centre_code,
                   const TtshIngestClient *client,
                   JsonObject             *o,
                   Ident                  *id,
                   GError                **error)
{
  const char *status, *time = NULL, *method = NULL, *result = NULL, *auth_code = NULL, *auth_time = NULL;
  g_autoptr(GBytes) photo = NULL;
  g_autoptr(JsonObject) record = NULL;
  JsonNode *auth;
  GError *local = NULL;
  sqlite3_stmt *stmt;
  gint64 outbox_id, row;

  status = ttsh_v_enum (o, TTSH_W_TRANG_THAI_DIEM_DANH, TRUE, attendance_states, &local);
  if (!local) time = ttsh_v_time (o, TTSH_W_THOI_GIAN_DIEM_DANH, TRUE, NULL, &local);
  auth = json_object_get_member (o, TTSH_W_XAC_THUC_DIEN_TU);
  if (!local && auth && !JSON_NODE_HOLDS_NULL (auth))
    {
      JsonObject *a = JSON_NODE_HOLDS_OBJECT (auth) ? json_node_get_object (auth) : NULL;
      if (a == NULL)
        fail (&local, TTSH_CODE_INVALID_DATA, "Trường %s phải là đối tượng hoặc null", TTSH_W_XAC_THUC_DIEN_TU);
      if (!local) method = ttsh_v_enum (a, TTSH_W_PHUONG_THUC, TRUE, auth_methods, &local);
      if (!local) result = ttsh_v_enum (a, TTSH_W_KET_QUA, TRUE, auth_results, &local);
      if (!local) auth_code = ttsh_v_string (a, TTSH_W_MA_XAC_THUC, FALSE, 128, &local);
      if (!local) auth_time = ttsh_v_time (a, TTSH_W_THOI_GIAN, TRUE, NULL, &local);
      if (!local && g_str_equal (status, "CO_MAT") && g_str_equal (result, "KHONG_KHOP"))
        fail (&local, TTSH_CODE_INVALID_DATA,
              "Xác thực điện tử KHONG_KHOP nhưng trạng thái điểm danh là CO_MAT");
    }
  if (!local) photo = ttsh_v_photo (o, TTSH_W_ANH_DIEM_DANH, FALSE, &local);
  if (local)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  {
    /* C08 rejected the latest attendance as invalid: this is its correction,
     * whatever the candidate did since (see ingest_correction). */
    gint64 original = 0;

    if (!rejected_attendance (store, id, &original, error))
      return FALSE;
    if (original > 0)
      return ingest_correction (store, centre_code, client, id, original, TTSH_KIND_DIEM_DANH,
                                outbound_record (o, attendance_members), error);
  }

  if (g_str_equal (id->cc_state, "IN_TEST") || g_str_equal (id->cc_state, "PASSED") ||
      g_str_equal (id->cc_state, "FAILED") || g_str_equal (id->cc_state, "CANCELLED"))
    {
      fail (error, TTSH_CODE_INVALID_DATA,
            "Học viên %s đã bắt đầu sát hạch nội dung %s; không thể điểm danh lại",
            id->reg_code, id->content);
      return FALSE;
    }
  if ((g_str_equal (id->cc_state, "PRESENT") && g_str_equal (status, "CO_MAT")) ||
      (g_str_equal (id->cc_state, "ABSENT") && g_str_equal (status, "VANG")))
    {
      fail (error, TTSH_CODE_DUPLICATE, "Học viên %s đã được điểm danh %s nội dung %s trước đó",
            id->reg_code, status, id->content);
      return FALSE;
    }

  stmt = ttsh_store_prepare (store,
      "INSERT INTO attendance (candidate_id, content, status, attendance_time, auth_method, auth_result, "
      "auth_code, auth_time, photo_sealed, client_id, source_code, received_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id->candidate_id);
  sqlite3_bind_text (stmt, 2, id->content, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, status, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, time, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, method, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 6, result, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 7, auth_code, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 8, auth_time, -1, SQLITE_TRANSIENT);
  ttsh_store_bind_sealed (store, stmt, 9, photo ? g_bytes_get_data (photo, NULL) : NULL,
                          photo ? g_bytes_get_size (photo) : 0, TTSH_AAD_ATTENDANCE_PHOTO);
  sqlite3_bind_int64 (stmt, 10, client->id);
  sqlite3_bind_text (stmt, 11, id->tx, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 12, ttsh_now_ms ());
  if (!ttsh_store_step_done (store, stmt, error))
    return FALSE;
  row = sqlite3_last_insert_rowid (ttsh_store_db (store));

  record = outbound_record (o, attendance_members);
  if (!enqueue (store, centre_code, id, TTSH_KIND_DIEM_DANH, record, &outbox_id, error))
    return FALSE;
  stmt = ttsh_store_prepare (store, "UPDATE attendance SET outbox_id = ?2 WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, row);
  sqlite3_bind_int64 (stmt, 2, outbox_id);
  if (!ttsh_store_step_done (store, stmt, error))
    return FALSE;
  return update_content (store, id, g_str_equal (status, "CO_MAT") ? "PRESENT" : "ABSENT",
                         id->cc_attempt, FALSE, 0, NULL, error);
}

typedef struct {
  gint64 max_seq;
  gboolean ended;          /* KET_THUC received for the attempt */
  double end_score;
  char *end_result;
  gboolean has_result;     /* a result row exists for the attempt */
} AttemptState;

static gboolean
attempt_state (TtshStore   *store,
               const Ident *id,
               gint64       attempt,
               AttemptState *st,
               GError     **error)
{
  sqlite3_stmt *stmt = ttsh_store_prepare (store,
      "SELECT coalesce(max(seq), 0), "
      "  (SELECT score FROM process_record WHERE candidate_id = ?1 AND content = ?2 AND attempt = ?3 AND state = 'KET_THUC'), "
      "  (SELECT result FROM process_record WHERE candidate_id = ?1 AND content = ?2 AND attempt = ?3 AND state = 'KET_THUC'), "
      "  (SELECT count(*) FROM process_record WHERE candidate_id = ?1 AND content = ?2 AND attempt = ?3 AND state = 'KET_THUC'), "
      "  (SELECT count(*) FROM result WHERE candidate_id = ?1 AND content = ?2 AND attempt = ?3) "
      "FROM process_record WHERE candidate_id = ?1 AND content = ?2 AND attempt = ?3", error);

  memset (st, 0, sizeof *st);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id->candidate_id);
  sqlite3_bind_text (stmt, 2, id->content, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, attempt);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      return ttsh_store_set_error (store, sqlite3_errcode (ttsh_store_db (store)), error);
    }
  st->max_seq = sqlite3_column_int64 (stmt, 0);
  st->end_score = sqlite3_column_double (stmt, 1);
  st->end_result = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  st->ended = sqlite3_column_int64 (stmt, 3) > 0;
  st->has_result = sqlite3_column_int64 (stmt, 4) > 0;
  sqlite3_reset (stmt);
  return TRUE;
}

/* An outbox record `o` that C08 rejected as invalid (-4, -6, -9) and that
 * no correction still standing (sent, waiting or accepted) answers. */
#define REJECTED_UNANSWERED \
  "o.state = 'ERROR' AND o.last_code IN (-4, -6, -9) " \
  "AND NOT EXISTS (SELECT 1 FROM record_correction rc JOIN outbox c ON c.id = rc.outbox_id " \
  "                WHERE rc.original_id = o.id " \
  "                AND NOT (c.state = 'ERROR' AND c.last_code IN (-4, -6, -9)))"

/* The outbox id the prepared @stmt finds for the candidate (?1) and content
 * (?2) of @id, with @attempt and @seq bound as ?3 and ?4 when non-zero. */
static gboolean
find_rejected (sqlite3_stmt *stmt,
               const Ident  *id,
               gint64        attempt,
               gint64        seq,
               gint64       *original)
{
  *original = 0;
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id->candidate_id);
  sqlite3_bind_text (stmt, 2, id->content, -1, SQLITE_TRANSIENT);
  if (attempt > 0)
    {
      sqlite3_bind_int64 (stmt, 3, attempt);
      sqlite3_bind_int64 (stmt, 4, seq);
    }
  if (sqlite3_step (stmt) == SQLITE_ROW)
    *original = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return TRUE;
}

/* The outbox record of this attempt's process record @seq when it stands
 * rejected and unanswered; 0 otherwise. */
static gboolean
rejected_original (TtshStore   *store,
                   const Ident *id,
                   gint64       attempt,
                   gint64       seq,
                   gint64      *original,
                   GError     **error)
{
  return find_rejected (ttsh_store_prepare (store,
      "SELECT o.id FROM process_record p JOIN outbox o ON o.id = p.outbox_id "
      "WHERE p.candidate_id = ?1 AND p.content = ?2 AND p.attempt = ?3 AND p.seq = ?4 "
      "AND " REJECTED_UNANSWERED, error), id, attempt, seq, original);
}

/* The outbox record of this content's latest attendance when it stands
 * rejected and unanswered; 0 otherwise. */
static gboolean
rejected_attendance (TtshStore   *store,
                     const Ident *id,
                     gint64      *original,
                     GError     **error)
{
  return find_rejected (ttsh_store_prepare (store,
      "SELECT o.id FROM attendance a JOIN outbox o ON o.id = a.outbox_id "
      "WHERE a.id = (SELECT max(id) FROM attendance WHERE candidate_id = ?1 AND content = ?2) "
      "AND " REJECTED_UNANSWERED, error), id, 0, 0, original);
}

/* The exam program answers a rejection by sending the same record again,
 * corrected, under a new TransactionCode: the content's attendance, the
 * attempt's process record with the same SoThuTu, or the result whose
 * closing record was rejected. Nothing received is changed: the original
 * row and its outbox record stay as they are, the corrected record goes to
 * C08 as a record of its own, and the original's history says a correction
 * arrived. The operator then links the two in the error queue. */
static gboolean
ingest_correction (TtshStore              *store,
                   const char             *centre_code,
                   const TtshIngestClient *client,
                   Ident                  *id,
                   gint64                  original,
                   const char             *kind,
                   JsonObject             *record,     /* taken */
                   GError                **error)
{
  g_autoptr(JsonObject) owned = record;
  g_autofree char *message = NULL;
  gint64 outbox_id = 0, now = ttsh_now_ms ();
  sqlite3_stmt *stmt;

  if (!enqueue (store, centre_code, id, kind, record, &outbox_id, error))
    return FALSE;
  stmt = ttsh_store_prepare (store,
      "INSERT INTO record_correction (kind, client_id, source_code, original_id, outbox_id, received_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, kind, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, client->id);
  sqlite3_bind_text (stmt, 3, id->tx, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, original);
  sqlite3_bind_int64 (stmt, 5, outbox_id);
  sqlite3_bind_int64 (stmt, 6, now);
  if (!ttsh_store_step_done (store, stmt, error))
    return FALSE;
  message = g_strdup_printf ("nhận bản sửa từ %s (mã giao dịch của chương trình %s), xếp hàng gửi C08",
                             client->name, id->tx);
  stmt = ttsh_store_prepare (store,
      "INSERT INTO outbox_event (outbox_id, at, from_state, to_state, message) VALUES (?1, ?2, 'ERROR', 'ERROR', ?3)",
      error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, original);
  sqlite3_bind_int64 (stmt, 2, now);
  sqlite3_bind_text (stmt, 3, message, -1, SQLITE_TRANSIENT);
  return ttsh_store_step_done (store, stmt, error);
}

/* GPS points: validated first, stored after the process row exists. */
static gboolean
check_gps (JsonArray   *gps,
           const Ident *id,
           GError     **error)
{
  gint64 prev = 0;

  if (gps && json_array_get_length (gps) > 0 && !g_str_equal (id->content, TTSH_CONTENT_DUONG_TRUONG))
    {
      fail (error, TTSH_CODE_INVALID_DATA, "%s chỉ dùng cho nội dung DUONG_TRUONG", TTSH_W_DU_LIEU_GPS);
      return FALSE;
    }
  for (guint i = 0; gps && i < json_array_get_length (gps); i++)
    {
      JsonNode *n = json_array_get_element (gps, i);
      JsonObject *p = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
      GError *local = NULL;
      double v;
      gint64 t = 0;

      if (p == NULL)
        fail (&local, TTSH_CODE_INVALID_DATA, "phải là đối tượng");
      if (!local) ttsh_v_time (p, TTSH_W_THOI_GIAN, TRUE, &t, &local);
      /* Road tests happen in Viet Nam: a point outside is a device fault. */
      if (!local) ttsh_v_number (p, TTSH_W_VI_DO, TRUE, 8.0, 23.5, &v, NULL, &local);
      if (!local) ttsh_v_number (p, TTSH_W_KINH_DO, TRUE, 102.0, 117.5, &v, NULL, &local);
      if (!local) ttsh_v_number (p, TTSH_W_TOC_DO, TRUE, 0, 200, &v, NULL, &local);
      if (!local) ttsh_v_number (p, TTSH_W_HUONG, FALSE, 0, 360, &v, NULL, &local);
      if (!local) ttsh_v_number (p, TTSH_W_DO_CHINH_XAC, FALSE, 0, 10000, &v, NULL, &local);
      if (!local && t < prev)
        fail (&local, TTSH_CODE_INVALID_DATA, "thời gian không theo thứ tự tăng dần");
      if (local)
        {
          fail (error, TTSH_CODE_INVALID_DATA, "%s[%u]: %s", TTSH_W_DU_LIEU_GPS, i, local->message);
          g_error_free (local);
          return FALSE;
        }
      prev = t;
    }
  return TRUE;
}

static gboolean
store_gps (TtshStore   *store,
           JsonArray   *gps,
           const Ident *id,
           gint64       process_id,
           gint64       attempt,
           GError     **error)
{
  for (guint i = 0; gps && i < json_array_get_length (gps); i++)
    {
      JsonObject *p = json_array_get_object_element (gps, i);
      sqlite3_stmt *stmt = ttsh_store_prepare (store,
          "INSERT INTO gps_point (process_id, candidate_id, attempt, point_time, at, lat, lon, speed, heading, accuracy) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", error);
      const char *t = json_object_get_string_member (p, TTSH_W_THOI_GIAN);
      gint64 at = 0;
      double v;
      gboolean present;

      if (stmt == NULL)
        return FALSE;
      ttsh_time_parse (t, &at);
      sqlite3_bind_int64 (stmt, 1, process_id);
      sqlite3_bind_int64 (stmt, 2, id->candidate_id);
      sqlite3_bind_int64 (stmt, 3, attempt);
      sqlite3_bind_text (stmt, 4, t, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 5, at);
      ttsh_v_number (p, TTSH_W_VI_DO, TRUE, -90, 90, &v, NULL, NULL);
      sqlite3_bind_double (stmt, 6, v);
      ttsh_v_number (p, TTSH_W_KINH_DO, TRUE, -180, 180, &v, NULL, NULL);
      sqlite3_bind_double (stmt, 7, v);
      ttsh_v_number (p, TTSH_W_TOC_DO, TRUE, 0, 1000, &v, NULL, NULL);
      sqlite3_bind_double (stmt, 8, v);
      if (ttsh_v_number (p, TTSH_W_HUONG, FALSE, 0, 360, &v, &present, NULL) && present)
        sqlite3_bind_double (stmt, 9, v);
      if (ttsh_v_number (p, TTSH_W_DO_CHINH_XAC, FALSE, 0, 10000, &v, &present, NULL) && present)
        sqlite3_bind_double (stmt, 10, v);
      if (!ttsh_store_step_done (store, stmt, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
check_events (JsonArray  *events,
              GError    **error)
{
  for (guint i = 0; events && i < json_array_get_length (events); i++)
    {
      JsonNode *n = json_array_get_element (events, i);
      JsonObject *e = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
      GError *local = NULL;
      double v;

      if (e == NULL)
        fail (&local, TTSH_CODE_INVALID_DATA, "phải là đối tượng");
      if (!local) ttsh_v_time (e, TTSH_W_THOI_GIAN, TRUE, NULL, &local);
      if (!local) ttsh_v_string (e, TTSH_W_MA_LOI, TRUE, 32, &local);
      if (!local) ttsh_v_string (e, TTSH_W_MO_TA, TRUE, 500, &local);
      if (!local) ttsh_v_number (e, TTSH_W_DIEM_TRU, TRUE, 0, 100, &v, NULL, &local);
      if (local)
        {
          fail (error, TTSH_CODE_INVALID_DATA, "%s[%u]: %s", TTSH_W_SU_KIEN, i, local->message);
          g_error_free (local);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
insert_process (TtshStore              *store,
                const TtshIngestClient *client,
                const Ident            *id,
                const char             *source_code,
                gint64                  attempt,
                gint64                  seq,
                const char             *state,
                const char             *start,
                const char             *end,
                gboolean                has_score,
                double                  score,
                const char             *retest,
                const char             *result,
                JsonArray              *events,
                GBytes                 *photo,
                gint64                  outbox_id,
                gint64                 *row,
                GError                **error)
{
  g_autofree char *events_json = NULL;
  sqlite3_stmt *stmt = ttsh_store_prepare (store,
      "INSERT INTO process_record (candidate_id, content, attempt, seq, state, start_time, end_time, score, "
      "retest_reason, result, events_json, photo_sealed, client_id, source_code, received_at, outbox_id) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)", error);

  if (stmt == NULL)
    return FALSE;
  if (events)
    {
      g_autoptr(JsonNode) n = json_node_init_array (json_node_alloc (), events);
      events_json = json_to_string (n, FALSE);
    }
  sqlite3_bind_int64 (stmt, 1, id->candidate_id);
  sqlite3_bind_text (stmt, 2, id->content, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, attempt);
  sqlite3_bind_int64 (stmt, 4, seq);
  sqlite3_bind_text (stmt, 5, state, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 6, start, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 7, end, -1, SQLITE_TRANSIENT);
  if (has_score)
    sqlite3_bind_double (stmt, 8, score);
  sqlite3_bind_text (stmt, 9, retest, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 10, result, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 11, events_json ? events_json : "[]", -1, SQLITE_TRANSIENT);
  ttsh_store_bind_sealed (store, stmt, 12, photo ? g_bytes_get_data (photo, NULL) : NULL,
                          photo ? g_bytes_get_size (photo) : 0, TTSH_AAD_PROCESS_PHOTO);
  sqlite3_bind_int64 (stmt, 13, client->id);
  sqlite3_bind_text (stmt, 14, source_code, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 15, ttsh_now_ms ());
  sqlite3_bind_int64 (stmt, 16, outbox_id);
  if (!ttsh_store_step_done (store, stmt, error))
    return FALSE;
  *row = sqlite3_last_insert_rowid (ttsh_store_db (store));
  return TRUE;
}

/* Checks that may refuse a new attempt or a record out of its attempt. */
static gboolean
check_attempt (const Ident  *id,
               gint64        attempt,
               const char   *retest,
               GError      **error)
{
  const char *s = id->cc_state;

  if (g_str_equal (s, "WAITING") || g_str_equal (s, "ABSENT"))
    {
      fail (error, TTSH_CODE_INVALID_DATA, "Học viên %s chưa được điểm danh có mặt cho nội dung %s",
            id->reg_code, id->content);
      return FALSE;
    }
  if (g_str_equal (s, "CANCELLED"))
    {
      fail (error, TTSH_CODE_INVALID_DATA, "Kết quả nội dung %s của học viên %s đã bị hủy",
            id->content, id->reg_code);
      return FALSE;
    }
  if (attempt < id->cc_attempt || attempt > id->cc_attempt + 1)
    {
      fail (error, TTSH_CODE_INVALID_DATA, "%s = %" G_GINT64_FORMAT " không hợp lệ (lượt hiện tại %" G_GINT64_FORMAT ")",
            TTSH_W_LAN_SAT_HACH, attempt, id->cc_attempt);
      return FALSE;
    }
  if (attempt == id->cc_attempt + 1 && g_str_equal (s, "IN_TEST"))
    {
      fail (error, TTSH_CODE_INVALID_DATA, "Lượt sát hạch %" G_GINT64_FORMAT " chưa kết thúc",
            id->cc_attempt);
      return FALSE;
    }
  if (attempt == id->cc_attempt + 1 && attempt > 1 && retest == NULL)
    {
      fail (error, TTSH_CODE_INVALID_DATA, "Lượt sát hạch lại (%s > 1) phải có %s",
            TTSH_W_LAN_SAT_HACH, TTSH_W_LY_DO_SAT_HACH_LAI);
      return FALSE;
    }
  return TRUE;
}

static gboolean
ingest_process (TtshStore              *store,
                const char             *centre_code,
                const TtshIngestClient *client,
                JsonObject             *o,
                Ident                  *id,
                GError                **error)
{
  const char *state = NULL, *start = NULL, *end = NULL, *retest = NULL, *result = NULL;
  g_autoptr(GBytes) photo = NULL;
  g_autoptr(JsonObject) record = NULL;
  JsonArray *events = NULL, *gps = NULL;
  AttemptState st = { 0 };
  GError *local = NULL;
  gint64 attempt = 0, seq = 0, start_ms = 0, end_ms = 0, row, outbox_id;
  double score = 0;
  gboolean has_score = FALSE, ok = FALSE;
  const char *new_state;

  if (!ttsh_v_int (o, TTSH_W_LAN_SAT_HACH, 1, 20, &attempt, &local)) goto bad;
  if (!ttsh_v_int (o, TTSH_W_SO_THU_TU, 1, 1000000, &seq, &local)) goto bad;
  state = ttsh_v_enum (o, TTSH_W_TRANG_THAI, TRUE, process_states, &local);
  if (!local) start = ttsh_v_time (o, TTSH_W_THOI_GIAN_BAT_DAU, TRUE, &start_ms, &local);
  if (!local) end = ttsh_v_time (o, TTSH_W_THOI_GIAN_KET_THUC, g_str_equal (state, "KET_THUC"), &end_ms, &local);
  if (!local && end && !g_str_equal (state, "KET_THUC"))
    fail (&local, TTSH_CODE_INVALID_DATA, "%s phải là null khi chưa KET_THUC", TTSH_W_THOI_GIAN_KET_THUC);
  if (!local && end && end_ms < start_ms)
    fail (&local, TTSH_CODE_INVALID_DATA, "%s trước %s", TTSH_W_THOI_GIAN_KET_THUC, TTSH_W_THOI_GIAN_BAT_DAU);
  if (!local) ttsh_v_number (o, TTSH_W_DIEM, g_str_equal (state, "KET_THUC"), 0, max_score (id->content),
                             &score, &has_score, &local);
  if (!local) retest = ttsh_v_string (o, TTSH_W_LY_DO_SAT_HACH_LAI, FALSE, 500, &local);
  if (!local) result = ttsh_v_enum (o, TTSH_W_KET_QUA, g_str_equal (state, "KET_THUC"), results, &local);
  if (!local && result && !g_str_equal (state, "KET_THUC"))
    fail (&local, TTSH_CODE_INVALID_DATA, "%s chỉ có khi %s là KET_THUC", TTSH_W_KET_QUA, TTSH_W_TRANG_THAI);
  if (!local) events = ttsh_v_array (o, TTSH_W_SU_KIEN, FALSE, MAX_EVENTS, &local);
  if (!local) check_events (events, &local);
  if (!local) photo = ttsh_v_photo (o, TTSH_W_ANH_HOC_VIEN, !g_str_equal (state, "DANG_THI"), &local);
  if (!local) gps = ttsh_v_array (o, TTSH_W_DU_LIEU_GPS, FALSE, MAX_GPS_POINTS, &local);
  if (!local) check_gps (gps, id, &local);
  if (!local && (seq == 1) != g_str_equal (state, "BAT_DAU"))
    fail (&local, TTSH_CODE_INVALID_DATA, "%s = 1 phải là bản ghi BAT_DAU và chỉ bản ghi đó", TTSH_W_SO_THU_TU);
  if (local)
    goto bad;
  if (!check_attempt (id, attempt, retest, error))
    return FALSE;
  {
    gint64 original = 0;

    if (!rejected_original (store, id, attempt, seq, &original, error))
      return FALSE;
    if (original > 0)
      return ingest_correction (store, centre_code, client, id, original, TTSH_KIND_QUA_TRINH,
                                outbound_record (o, process_members), error);
  }
  if (!attempt_state (store, id, attempt, &st, error))
    return FALSE;
  if (st.ended || st.has_result)
    fail (&local, TTSH_CODE_INVALID_DATA, "Lượt sát hạch %" G_GINT64_FORMAT " của học viên %s đã kết thúc",
          attempt, id->reg_code);
  else if (seq <= st.max_seq)
    fail (&local, TTSH_CODE_DUPLICATE, "%s %" G_GINT64_FORMAT " của lượt %" G_GINT64_FORMAT " đã được nhận",
          TTSH_W_SO_THU_TU, seq, attempt);
  else if (seq != st.max_seq + 1)
    fail (&local, TTSH_CODE_INVALID_DATA, "%s không liên tục: nhận %" G_GINT64_FORMAT ", cần %" G_GINT64_FORMAT,
          TTSH_W_SO_THU_TU, seq, st.max_seq + 1);
  if (local)
    goto bad;

  /* The upload first, so the record is written once, with its outbox id. */
  record = outbound_record (o, process_members);
  if (!enqueue (store, centre_code, id, TTSH_KIND_QUA_TRINH, record, &outbox_id, error) ||
      !insert_process (store, client, id, id->tx, attempt, seq, state, start, end, has_score, score,
                       retest, result, events, photo, outbox_id, &row, error) ||
      !store_gps (store, gps, id, row, attempt, error))
    goto out;
  if (g_str_equal (state, "KET_THUC"))
    new_state = g_str_equal (result, "DAT") ? "PASSED" : "FAILED";
  else
    new_state = "IN_TEST";
  ok = update_content (store, id, new_state, attempt, has_score, score, result, error);
  goto out;

bad:
  g_propagate_error (error, local);
out:
  g_free (st.end_result);
  return ok;
}

/* The closing QUA_TRINH a result stands for, as C08 receives it. */
static JsonObject *
closing_record (JsonObject *o,
                gint64      seq,
                const char *result)
{
  JsonObject *record = outbound_record (o, (const char *const[]) { TTSH_W_LAN_SAT_HACH, NULL });
  JsonNode *n;

  json_object_set_int_member (record, TTSH_W_SO_THU_TU, seq);
  json_object_set_string_member (record, TTSH_W_TRANG_THAI, "KET_THUC");
  for (const char *const *m = (const char *const[]) { TTSH_W_THOI_GIAN_BAT_DAU, TTSH_W_THOI_GIAN_KET_THUC,
                                                      TTSH_W_DIEM, NULL }; *m; m++)
    json_object_set_member (record, *m, normalize_node (json_object_get_member (o, *m), *m));
  json_object_set_null_member (record, TTSH_W_LY_DO_SAT_HACH_LAI);
  json_object_set_string_member (record, TTSH_W_KET_QUA, result);
  json_object_set_array_member (record, TTSH_W_SU_KIEN, json_array_new ());
  json_object_set_member (record, TTSH_W_ANH_HOC_VIEN,
                          json_node_copy (json_object_get_member (o, TTSH_W_ANH_HOC_VIEN)));
  n = json_object_get_member (o, TTSH_W_DU_LIEU_GPS);
  if (n && JSON_NODE_HOLDS_ARRAY (n))
    json_object_set_member (record, TTSH_W_DU_LIEU_GPS, normalize_node (n, TTSH_W_DU_LIEU_GPS));
  else
    json_object_set_array_member (record, TTSH_W_DU_LIEU_GPS, json_array_new ());
  return record;
}

static gboolean
ingest_result (TtshStore              *store,
               const char             *centre_code,
               const TtshIngestClient *client,
               JsonObject             *o,
               Ident                  *id,
               GError                **error)
{
  const char *start = NULL, *end = NULL, *result = NULL;
  g_autoptr(GBytes) photo = NULL;
  JsonArray *gps = NULL;
  AttemptState st = { 0 };
  GError *local = NULL;
  gint64 attempt = 0, start_ms = 0, end_ms = 0, outbox_id = 0, process_row = 0;
  double score = 0;
  gboolean ok = FALSE;
  sqlite3_stmt *stmt;

  if (!ttsh_v_int (o, TTSH_W_LAN_SAT_HACH, 1, 20, &attempt, &local)) goto bad;
  start = ttsh_v_time (o, TTSH_W_THOI_GIAN_BAT_DAU, TRUE, &start_ms, &local);
  if (!local) end = ttsh_v_time (o, TTSH_W_THOI_GIAN_KET_THUC, TRUE, &end_ms, &local);
  if (!local && end_ms < start_ms)
    fail (&local, TTSH_CODE_INVALID_DATA, "%s trước %s", TTSH_W_THOI_GIAN_KET_THUC, TTSH_W_THOI_GIAN_BAT_DAU);
  if (!local) ttsh_v_number (o, TTSH_W_DIEM, TRUE, 0, max_score (id->content), &score, NULL, &local);
  if (!local) result = ttsh_v_enum (o, TTSH_W_KET_QUA, TRUE, results, &local);
  if (!local) photo = ttsh_v_photo (o, TTSH_W_ANH_HOC_VIEN, TRUE, &local);
  if (!local) gps = ttsh_v_array (o, TTSH_W_DU_LIEU_GPS, FALSE, MAX_GPS_POINTS, &local);
  if (!local) check_gps (gps, id, &local);
  if (local)
    goto bad;
  if (!attempt_state (store, id, attempt, &st, error))
    return FALSE;
  if (st.ended)
    {
      /* C08 rejected the attempt's closing record (sent from a result or
       * from the process stream): this result is its correction. */
      gint64 original = 0;

      if (!rejected_original (store, id, attempt, st.max_seq, &original, error))
        goto out;
      if (original > 0)
        {
          ok = ingest_correction (store, centre_code, client, id, original, TTSH_KIND_QUA_TRINH,
                                  closing_record (o, st.max_seq, result), error);
          goto out;
        }
    }
  if (st.has_result)
    {
      fail (&local, TTSH_CODE_DUPLICATE, "Kết quả lượt %" G_GINT64_FORMAT " nội dung %s của học viên %s đã được nhận",
            attempt, id->content, id->reg_code);
      goto bad;
    }
  if (st.ended)
    {
      if (fabs (st.end_score - score) > 1e-6 || g_strcmp0 (st.end_result, result) != 0)
        {
          fail (&local, TTSH_CODE_INVALID_DATA,
                "Kết quả (%g, %s) không khớp bản ghi KET_THUC đã nhận (%g, %s)",
                score, result, st.end_score, st.end_result ? st.end_result : "?");
          goto bad;
        }
    }
  else
    {
      /* A result without its own stream, or one that closes a stream. */
      if (st.max_seq == 0 && !check_attempt (id, attempt, NULL, error))
        goto out;
      if (st.max_seq > 0 && attempt != id->cc_attempt)
        {
          fail (&local, TTSH_CODE_INVALID_DATA, "%s không khớp lượt đang thi", TTSH_W_LAN_SAT_HACH);
          goto bad;
        }
    }

  if (!st.ended)
    {
      g_autoptr(JsonObject) record = closing_record (o, st.max_seq + 1, result);

      if (!enqueue (store, centre_code, id, TTSH_KIND_QUA_TRINH, record, &outbox_id, error) ||
          !insert_process (store, client, id, id->tx, attempt, st.max_seq + 1, "KET_THUC", start, end,
                           TRUE, score, NULL, result, NULL, photo, outbox_id, &process_row, error) ||
          !store_gps (store, gps, id, process_row, attempt, error))
        goto out;
    }

  stmt = ttsh_store_prepare (store,
      "INSERT INTO result (candidate_id, content, attempt, start_time, end_time, score, result, photo_sealed, "
      "client_id, source_code, outbox_id, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
      error);
  if (stmt == NULL)
    goto out;
  sqlite3_bind_int64 (stmt, 1, id->candidate_id);
  sqlite3_bind_text (stmt, 2, id->content, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, attempt);
  sqlite3_bind_text (stmt, 4, start, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, end, -1, SQLITE_TRANSIENT);
  sqlite3_bind_double (stmt, 6, score);
  sqlite3_bind_text (stmt, 7, result, -1, SQLITE_TRANSIENT);
  ttsh_store_bind_sealed (store, stmt, 8, g_bytes_get_data (photo, NULL), g_bytes_get_size (photo),
                          TTSH_AAD_RESULT_PHOTO);
  sqlite3_bind_int64 (stmt, 9, client->id);
  sqlite3_bind_text (stmt, 10, id->tx, -1, SQLITE_TRANSIENT);
  if (outbox_id)
    sqlite3_bind_int64 (stmt, 11, outbox_id);
  sqlite3_bind_int64 (stmt, 12, ttsh_now_ms ());
  if (!ttsh_store_step_done (store, stmt, error))
    goto out;
  ok = update_content (store, id, g_str_equal (result, "DAT") ? "PASSED" : "FAILED", attempt,
                       TRUE, score, result, error);
  goto out;

bad:
  g_propagate_error (error, local);
out:
  g_free (st.end_result);
  return ok;
}

static gboolean
savepoint (TtshStore  *store,
           const char *sql)
{
  g_autoptr(GError) error = NULL;

  /* Cached: this runs twice per record. */
  if (!ttsh_store_run (store, sql, &error))
    {
      g_warning ("%s: %s", sql, error->message);
      return FALSE;
    }
  return TRUE;
}

static void
run_before_commit (TtshStore       *store,
                   TtshIngestReply *reply)
{
  g_autoptr(GError) error = NULL;

  if (reply->before_commit == NULL || !savepoint (store, "SAVEPOINT hook"))
    return;
  if (!reply->before_commit (store, reply->before_commit_data, &error))
    {
      g_debug ("before commit: %s", error ? error->message : "?");
      savepoint (store, "ROLLBACK TO hook");
    }
  savepoint (store, "RELEASE hook");
}

void
ttsh_ingest_batch (TtshStore              *store,
                   const char             *centre_code,
                   const TtshIngestClient *client,
                   TtshIngestKind          kind,
                   JsonNode               *body,
                   gint64                  now_ms,
                   TtshIngestReply        *reply)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  JsonObject *root;
  JsonArray *list = NULL;
  const char *batch_id = NULL, *centre = NULL;
  gint64 sent_ms = 0;
  guint ok_count = 0, err_count = 0;

  reply->code = TTSH_CODE_OK;
  if (!JSON_NODE_HOLDS_OBJECT (body))
    {
      reply_error (reply, TTSH_CODE_INVALID_DATA, "Nội dung yêu cầu phải là một đối tượng JSON");
      return;
    }
  root = json_node_get_object (body);
  centre = ttsh_v_string (root, TTSH_W_MA_TTSH, TRUE, 64, &error);
  if (!error && !g_str_equal (centre, centre_code))
    fail (&error, TTSH_CODE_NOT_FOUND, "Mã TTSH “%s” không phải của trung tâm này (%s)", centre, centre_code);
  if (!error) batch_id = ttsh_v_string (root, TTSH_W_MA_LO, TRUE, 64, &error);
  if (!error) ttsh_v_time (root, TTSH_W_THOI_GIAN_GUI, TRUE, &sent_ms, &error);
  if (!error && ABS (sent_ms - now_ms) > MAX_SEND_SKEW_MS)
    fail (&error, TTSH_CODE_CLOCK_SKEW, "%s lệch %" G_GINT64_FORMAT " giây so với đồng hồ TTSH (tối đa 60 giây)",
          TTSH_W_THOI_GIAN_GUI, (sent_ms - now_ms) / 1000);
  if (!error) list = ttsh_v_array (root, TTSH_W_DANH_SACH, TRUE, TTSH_BATCH_MAX_RECORDS, &error);
  if (!error && json_array_get_length (list) == 0)
    fail (&error, TTSH_CODE_INVALID_DATA, "%s rỗng", TTSH_W_DANH_SACH);
  if (error)
    {
      reply_error (reply, error->code, error->message);
      return;
    }
  reply->records = json_array_get_length (list);

  if (!(reply->defer_sync ? ttsh_store_begin_unsynced (store, &error) : ttsh_store_begin (store, &error)))
    {
      reply_from_error (reply, error);
      return;
    }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, TTSH_W_MA_LO);
  json_builder_add_string_value (b, batch_id);
  json_builder_set_member_name (b, TTSH_W_SO_BAN_GHI);
  json_builder_add_int_value (b, reply->records);
  json_builder_set_member_name (b, TTSH_W_KET_QUA);
  json_builder_begin_array (b);
  for (guint i = 0; i < reply->records; i++)
    {
      JsonNode *n = json_array_get_element (list, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
      g_autoptr(GError) rec_error = NULL;
      Ident id = { 0 };
      gboolean dup = FALSE, ok = FALSE;
      int code;

      if (o == NULL)
        fail (&rec_error, TTSH_CODE_INVALID_DATA, "Bản ghi %u phải là một đối tượng JSON", i);
      else
        id.tx = ttsh_v_transaction_code (o, &rec_error);
      if (!rec_error && !already_received (store, client, kind, id.tx, &dup, &rec_error))
        ;
      else if (!rec_error && dup)
        fail (&rec_error, TTSH_CODE_DUPLICATE, "TransactionCode %s đã được tiếp nhận trước đó", id.tx);
      else if (!rec_error)
        {
          if (!savepoint (store, "SAVEPOINT rec"))
            fail (&rec_error, TTSH_CODE_INTERNAL, "Lỗi lưu trữ tại TTSH");
          else
            {
              if (resolve_identity (store, client, o, &id, &rec_error))
                {
                  switch (kind)
                    {
                    case TTSH_INGEST_ATTENDANCE:
                      ok = ingest_attendance (store, centre_code, client, o, &id, &rec_error);
                      break;
                    case TTSH_INGEST_PROCESS:
                      ok = ingest_process (store, centre_code, client, o, &id, &rec_error);
                      break;
                    case TTSH_INGEST_RESULT:
                      ok = ingest_result (store, centre_code, client, o, &id, &rec_error);
                      break;
                    default:
                      g_assert_not_reached ();
                    }
                }
              if (ok)
                {
                  g_autofree char *detail = g_strdup_printf ("%s %s %s/%s", dup_table (kind), id.content,
                                                             id.session_code, id.reg_code);
                  ok = ttsh_journal_append (store, client->name, TTSH_JOURNAL_RECORD_ACCEPTED, id.tx,
                                            detail, &rec_error) > 0;
                }
              if (!ok)
                savepoint (store, "ROLLBACK TO rec");
              savepoint (store, "RELEASE rec");
            }
        }
      if (ok)
        code = TTSH_CODE_OK;
      else if (rec_error && rec_error->domain == TTSH_INPUT_ERROR)
        code = rec_error->code;
      else
        {
          g_warning ("record %s: %s", id.tx ? id.tx : "?", rec_error ? rec_error->message : "?");
          code = TTSH_CODE_INTERNAL;
        }
      if (code == TTSH_CODE_OK || code == TTSH_CODE_DUPLICATE)
        ok_count++;
      else
        err_count++;
      if (code == TTSH_CODE_OK)
        reply->accepted++;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, TTSH_W_TRANSACTION_CODE);
      if (id.tx)
        json_builder_add_string_value (b, id.tx);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, TTSH_W_MA_KET_QUA);
      json_builder_add_int_value (b, code);
      json_builder_set_member_name (b, TTSH_W_THONG_TIN_XU_LY);
      json_builder_add_string_value (b, code == TTSH_CODE_OK ? ttsh_code_message (code)
                                        : code == TTSH_CODE_INTERNAL ? "Lỗi lưu trữ tại TTSH; gửi lại sau"
                                        : rec_error->message);
      json_builder_end_object (b);
      ident_clear (&id);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, TTSH_W_SO_THANH_CONG);
  json_builder_add_int_value (b, ok_count);
  json_builder_set_member_name (b, TTSH_W_SO_LOI);
  json_builder_add_int_value (b, err_count);
  json_builder_end_object (b);

  run_before_commit (store, reply);
  if (!ttsh_store_commit (store, &error))
    {
      ttsh_store_rollback (store);
      reply->accepted = 0;
      reply_from_error (reply, error);
      return;
    }
  reply->unsynced = ttsh_store_needs_sync (store);
  reply->data = json_builder_get_root (b);
  reply->changed = reply->accepted > 0;
  reply->outbox = reply->accepted > 0;
}

/* ------------------------------------------------------------------------ */
/* Roster download (§5.2)                                                   */

void
ttsh_ingest_roster (TtshStore              *store,
                    const TtshIngestClient *client,
                    const char             *session_code,
                    const char             *content,
                    gboolean                photos,
                    TtshIngestReply        *reply)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  sqlite3_stmt *stmt;
  gint64 session_id;

  reply->code = TTSH_CODE_OK;
  if (content == NULL && !g_str_equal (client->role, "C08_PUSH"))
    {
      reply_error (reply, TTSH_CODE_INVALID_DATA, "Thiếu tham số NoiDungSatHach");
      return;
    }
  if (content && !g_strv_contains (ttsh_content_names, content))
    {
      g_autofree char *d = g_strdup_printf ("NoiDungSatHach “%s” không hợp lệ", content);
      reply_error (reply, TTSH_CODE_INVALID_DATA, d);
      return;
    }
  if (content && !g_str_equal (client->role, "C08_PUSH") && !ttsh_client_role_allows (client->role, content))
    {
      g_autofree char *d = g_strdup_printf ("Tài khoản %s (vai trò %s) không được nhận danh sách nội dung %s",
                                            client->name, client->role, content);
      reply_error (reply, TTSH_CODE_INVALID_DATA, d);
      return;
    }

  stmt = ttsh_store_prepare (store,
      "SELECT id, code, name, centre_code, start_time, end_time, decision_no, decision_date "
      "FROM exam_session WHERE code = ?1", &error);
  if (stmt == NULL)
    goto store_error;
  sqlite3_bind_text (stmt, 1, session_code, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      g_autofree char *d = g_strdup_printf ("Không tìm thấy kỳ sát hạch %s", session_code);
      sqlite3_reset (stmt);
      reply_error (reply, TTSH_CODE_NOT_FOUND, d);
      return;
    }
  session_id = sqlite3_column_int64 (stmt, 0);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, TTSH_W_KY_SAT_HACH);
  json_builder_begin_object (b);
  {
    const char *names[] = { TTSH_W_MA_KY_SAT_HACH, TTSH_W_TEN_KY_SAT_HACH, TTSH_W_MA_TTSH,
                            TTSH_W_THOI_GIAN_BAT_DAU, TTSH_W_THOI_GIAN_KET_THUC,
                            TTSH_W_SO_QUYET_DINH, TTSH_W_NGAY_QUYET_DINH };
    for (int i = 0; i < 7; i++)
      {
        json_builder_set_member_name (b, names[i]);
        if (sqlite3_column_type (stmt, i + 1) == SQLITE_NULL)
          json_builder_add_null_value (b);
        else
          json_builder_add_string_value (b, col_text (stmt, i + 1));
      }
  }
  json_builder_end_object (b);
  sqlite3_reset (stmt);

  json_builder_set_member_name (b, TTSH_W_HOI_DONG);
  json_builder_begin_array (b);
  stmt = ttsh_store_prepare (store,
      "SELECT full_name, position, role, cid_sealed FROM council_member WHERE session_id = ?1 ORDER BY id", &error);
  if (stmt == NULL)
    goto store_error;
  sqlite3_bind_int64 (stmt, 1, session_id);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autoptr(GBytes) cid = ttsh_store_column_unsealed (store, stmt, 3, TTSH_AAD_COUNCIL_CID, NULL);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, TTSH_W_HO_TEN);
      json_builder_add_string_value (b, col_text (stmt, 0));
      json_builder_set_member_name (b, TTSH_W_CHUC_VU);
      json_builder_add_string_value (b, col_text (stmt, 1));
      json_builder_set_member_name (b, TTSH_W_VAI_TRO);
      json_builder_add_string_value (b, col_text (stmt, 2));
      json_builder_set_member_name (b, TTSH_W_SO_CCCD);
      if (cid)
        {
          g_autofree char *s = g_strndup (g_bytes_get_data (cid, NULL), g_bytes_get_size (cid));
          json_builder_add_string_value (b, s);
        }
      else
        json_builder_add_null_value (b);
      json_builder_end_object (b);
    }
  sqlite3_reset (stmt);
  json_builder_end_array (b);

  json_builder_set_member_name (b, TTSH_W_HOC_VIEN);
  json_builder_begin_array (b);
  stmt = ttsh_store_prepare (store,
      "SELECT c.reg_code, c.full_name, c.cid_sealed, c.dob_sealed, c.gender, c.candidate_no, c.licence_class, "
      "  CASE WHEN ?3 THEN c.photo_sealed END, "
      "  (SELECT group_concat(content, ',') FROM (SELECT content FROM candidate_content x "
      "     WHERE x.candidate_id = c.id ORDER BY x.id)) "
      "FROM candidate c WHERE c.session_id = ?1 "
      "  AND (?2 IS NULL OR EXISTS (SELECT 1 FROM candidate_content y WHERE y.candidate_id = c.id AND y.content = ?2)) "
      "ORDER BY c.candidate_no", &error);
  if (stmt == NULL)
    goto store_error;
  sqlite3_bind_int64 (stmt, 1, session_id);
  sqlite3_bind_text (stmt, 2, content, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 3, photos);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autoptr(GBytes) cid = ttsh_store_column_unsealed (store, stmt, 2, TTSH_AAD_CANDIDATE_CID, &error);
      g_autoptr(GBytes) dob = cid ? ttsh_store_column_unsealed (store, stmt, 3, TTSH_AAD_CANDIDATE_DOB, &error) : NULL;
      g_autoptr(GBytes) photo = NULL;
      g_auto(GStrv) contents = g_strsplit (col_text (stmt, 8), ",", -1);
      g_autofree char *cid_s = NULL, *dob_s = NULL;

      if (dob == NULL)
        {
          sqlite3_reset (stmt);
          goto store_error;
        }
      if (photos)
        photo = ttsh_store_column_unsealed (store, stmt, 7, TTSH_AAD_CANDIDATE_PHOTO, NULL);
      cid_s = g_strndup (g_bytes_get_data (cid, NULL), g_bytes_get_size (cid));
      dob_s = g_strndup (g_bytes_get_data (dob, NULL), g_bytes_get_size (dob));
      json_builder_begin_object (b);
      json_builder_set_member_name (b, TTSH_W_MA_DANG_KY);
      json_builder_add_string_value (b, col_text (stmt, 0));
      json_builder_set_member_name (b, TTSH_W_HO_TEN);
      json_builder_add_string_value (b, col_text (stmt, 1));
      json_builder_set_member_name (b, TTSH_W_SO_CCCD);
      json_builder_add_string_value (b, cid_s);
      json_builder_set_member_name (b, TTSH_W_NGAY_SINH);
      json_builder_add_string_value (b, dob_s);
      json_builder_set_member_name (b, TTSH_W_GIOI_TINH);
      json_builder_add_string_value (b, col_text (stmt, 4));
      json_builder_set_member_name (b, TTSH_W_SO_BAO_DANH);
      json_builder_add_string_value (b, col_text (stmt, 5));
      json_builder_set_member_name (b, TTSH_W_HANG_SAT_HACH);
      json_builder_add_string_value (b, col_text (stmt, 6));
      json_builder_set_member_name (b, TTSH_W_NOI_DUNG_SAT_HACH);
      json_builder_begin_array (b);
      for (char **c = contents; *c; c++)
        json_builder_add_string_value (b, *c);
      json_builder_end_array (b);
      if (photos)
        {
          json_builder_set_member_name (b, TTSH_W_ANH_HOC_VIEN);
          if (photo)
            {
              g_autofree char *b64 = g_base64_encode (g_bytes_get_data (photo, NULL), g_bytes_get_size (photo));
              json_builder_add_string_value (b, b64);
            }
          else
            json_builder_add_null_value (b);
        }
      json_builder_end_object (b);
    }
  sqlite3_reset (stmt);
  json_builder_end_array (b);
  json_builder_end_object (b);
  reply->data = json_builder_get_root (b);
  return;

store_error:
  reply_from_error (reply, error ? error : (error = g_error_new_literal (TTSH_INGEST_ERROR, 0, "roster")));
}

/* ------------------------------------------------------------------------ */
/* Statistics (§4.2 shape, per client)                                      */

void
ttsh_ingest_statistics (TtshStore              *store,
                        const char             *centre_code,
                        const TtshIngestClient *client,
                        JsonNode               *body,
                        TtshIngestReply        *reply)
{
  static const struct { const char *kind; const char *table; const char *path; } kinds[] = {
    { TTSH_KIND_DIEM_DANH, "attendance", TTSH_API_ATTENDANCE },
    { TTSH_KIND_QUA_TRINH, "process_record", TTSH_API_PROCESS },
    { "KET_QUA", "result", TTSH_API_RESULTS },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  JsonObject *root;
  const char *centre, *from, *to, *session = NULL;
  gint64 from_ms = 0, to_ms = 0, tot_ok = 0, tot_fail = 0, tot_wait = 0;

  reply->code = TTSH_CODE_OK;
  if (!JSON_NODE_HOLDS_OBJECT (body))
    {
      reply_error (reply, TTSH_CODE_INVALID_DATA, "Nội dung yêu cầu phải là một đối tượng JSON");
      return;
    }
  root = json_node_get_object (body);
  centre = ttsh_v_string (root, TTSH_W_MA_TTSH, TRUE, 64, &error);
  if (!error && !g_str_equal (centre, centre_code))
    fail (&error, TTSH_CODE_NOT_FOUND, "Mã TTSH “%s” không phải của trung tâm này", centre);
  if (!error) session = ttsh_v_string (root, TTSH_W_MA_KY_SAT_HACH, FALSE, 64, &error);
  if (!error) from = ttsh_v_time (root, TTSH_W_TU_THOI_DIEM, TRUE, &from_ms, &error);
  if (!error) to = ttsh_v_time (root, TTSH_W_DEN_THOI_DIEM, TRUE, &to_ms, &error);
  if (!error && (to_ms < from_ms || to_ms - from_ms > G_GINT64_CONSTANT (30) * 86400 * 1000))
    fail (&error, TTSH_CODE_INVALID_DATA, "Khoảng thời gian thống kê phải từ 0 đến 30 ngày");
  if (error)
    {
      reply_error (reply, error->code, error->message);
      return;
    }

  json_builder_begin_object (b);
  json_builder_set_member_name (b, TTSH_W_TU_THOI_DIEM);
  json_builder_add_string_value (b, from);
  json_builder_set_member_name (b, TTSH_W_DEN_THOI_DIEM);
  json_builder_add_string_value (b, to);
  json_builder_set_member_name (b, TTSH_W_MA_KY_SAT_HACH);
  if (session)
    json_builder_add_string_value (b, session);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, TTSH_W_CHI_TIET);
  json_builder_begin_array (b);
  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      /* Received and stored; of those, forwarded to C08 or still waiting;
       * refused ones come from the request log (no session filter there). */
      g_autofree char *sql = g_strdup_printf (
          "SELECT count(*) FILTER (WHERE o.id IS NULL OR o.state = 'ACCEPTED'), "
          "       count(*) FILTER (WHERE o.state IN ('PENDING','INFLIGHT','ERROR')), "
          "       (SELECT coalesce(sum(records - accepted), 0) FROM inbound_request "
          "         WHERE client_id = ?1 AND path = ?5 AND at BETWEEN ?2 AND ?3 AND result_code = 1) "
          "FROM %s r JOIN candidate c ON c.id = r.candidate_id JOIN exam_session s ON s.id = c.session_id "
          "LEFT JOIN outbox o ON o.id = r.outbox_id "
          "WHERE r.client_id = ?1 AND r.received_at BETWEEN ?2 AND ?3 AND (?4 IS NULL OR s.code = ?4)",
          kinds[k].table);
      sqlite3_stmt *stmt = ttsh_store_prepare (store, sql, &error);
      gint64 ok, wait, failed;

      if (stmt == NULL)
        {
          reply_from_error (reply, error);
          return;
        }
      sqlite3_bind_int64 (stmt, 1, client->id);
      sqlite3_bind_int64 (stmt, 2, from_ms);
      sqlite3_bind_int64 (stmt, 3, to_ms);
      sqlite3_bind_text (stmt, 4, session, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 5, kinds[k].path, -1, SQLITE_STATIC);
      sqlite3_step (stmt);
      ok = sqlite3_column_int64 (stmt, 0);
      wait = sqlite3_column_int64 (stmt, 1);
      failed = sqlite3_column_int64 (stmt, 2);
      sqlite3_reset (stmt);
      tot_ok += ok;
      tot_wait += wait;
      tot_fail += failed;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, TTSH_W_LOAI_DU_LIEU);
      json_builder_add_string_value (b, kinds[k].kind);
      json_builder_set_member_name (b, TTSH_W_SO_PHIEN_THANH_CONG);
      json_builder_add_int_value (b, ok);
      json_builder_set_member_name (b, TTSH_W_SO_PHIEN_THAT_BAI);
      json_builder_add_int_value (b, failed);
      json_builder_set_member_name (b, TTSH_W_SO_PHIEN_DANG_CHO);
      json_builder_add_int_value (b, wait);
      json_builder_set_member_name (b, TTSH_W_TONG_SO_PHIEN);
      json_builder_add_int_value (b, ok + failed + wait);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, TTSH_W_SO_PHIEN_THANH_CONG);
  json_builder_add_int_value (b, tot_ok);
  json_builder_set_member_name (b, TTSH_W_SO_PHIEN_THAT_BAI);
  json_builder_add_int_value (b, tot_fail);
  json_builder_set_member_name (b, TTSH_W_SO_PHIEN_DANG_CHO);
  json_builder_add_int_value (b, tot_wait);
  json_builder_set_member_name (b, TTSH_W_TONG_SO_PHIEN);
  json_builder_add_int_value (b, tot_ok + tot_fail + tot_wait);
  json_builder_end_object (b);
  reply->data = json_builder_get_root (b);
}

/* ------------------------------------------------------------------------ */
/* Closing a session: TONG_HOP                                              */

gboolean
ttsh_ingest_close_session (TtshStore   *store,
                           const char  *code,
                           const char  *actor,
                           GError     **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *end_time = ttsh_time_now ();
  g_autofree char *centre = NULL;
  g_autofree char *detail = NULL;
  sqlite3_stmt *stmt;
  gint64 session_id, in_test, n = 0;

  if (!ttsh_store_begin (store, error))
    return FALSE;
  stmt = ttsh_store_prepare (store,
      "SELECT id, state, centre_code, "
      "  (SELECT count(*) FROM candidate c JOIN candidate_content cc ON cc.candidate_id = c.id "
      "    WHERE c.session_id = exam_session.id AND cc.state = 'IN_TEST') "
      "FROM exam_session WHERE code = ?1", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, code, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      g_set_error (error, TTSH_INGEST_ERROR, TTSH_INGEST_ERROR_NOT_FOUND,
                   "Không tìm thấy kỳ sát hạch %s", code);
      goto fail;
    }
  session_id = sqlite3_column_int64 (stmt, 0);
  centre = g_strdup (col_text (stmt, 2));
  in_test = sqlite3_column_int64 (stmt, 3);
  if (!g_str_equal (col_text (stmt, 1), "OPEN"))
    {
      sqlite3_reset (stmt);
      g_set_error (error, TTSH_INGEST_ERROR, TTSH_INGEST_ERROR_STATE,
                   "Kỳ sát hạch %s đã kết thúc trước đó", code);
      goto fail;
    }
  sqlite3_reset (stmt);
  if (in_test > 0)
    {
      g_set_error (error, TTSH_INGEST_ERROR, TTSH_INGEST_ERROR_STATE,
                   "Còn %" G_GINT64_FORMAT " bài sát hạch đang diễn ra; chưa thể kết thúc kỳ %s",
                   in_test, code);
      goto fail;
    }

  stmt = ttsh_store_prepare (store,
      "SELECT c.id, c.reg_code, c.full_name, c.dob_sealed, c.cid_sealed, c.candidate_no, c.licence_class "
      "FROM candidate c WHERE c.session_id = ?1 ORDER BY c.id", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, session_id);
  {
    g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
    g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));

    while (sqlite3_step (stmt) == SQLITE_ROW)
      {
        g_autoptr(GBytes) dob = ttsh_store_column_unsealed (store, stmt, 3, TTSH_AAD_CANDIDATE_DOB, &local);
        g_autoptr(GBytes) cid = dob ? ttsh_store_column_unsealed (store, stmt, 4, TTSH_AAD_CANDIDATE_CID, &local) : NULL;
        JsonObject *r = json_object_new ();
        gint64 id = sqlite3_column_int64 (stmt, 0);

        if (cid == NULL)
          {
            json_object_unref (r);
            sqlite3_reset (stmt);
            g_propagate_error (error, g_steal_pointer (&local));
            goto fail;
          }
        json_object_set_string_member (r, TTSH_W_MA_DANG_KY, col_text (stmt, 1));
        json_object_set_string_member (r, TTSH_W_HO_TEN, col_text (stmt, 2));
        {
          g_autofree char *s = g_strndup (g_bytes_get_data (dob, NULL), g_bytes_get_size (dob));
          g_autofree char *c = g_strndup (g_bytes_get_data (cid, NULL), g_bytes_get_size (cid));
          json_object_set_string_member (r, TTSH_W_NGAY_SINH, s);
          json_object_set_string_member (r, TTSH_W_SO_CCCD, c);
        }
        json_object_set_string_member (r, TTSH_W_SO_BAO_DANH, col_text (stmt, 5));
        json_object_set_string_member (r, TTSH_W_HANG_SAT_HACH, col_text (stmt, 6));
        json_object_set_string_member (r, TTSH_W_MA_KY_SAT_HACH, code);
        g_ptr_array_add (records, r);
        g_array_append_val (ids, id);
      }
    sqlite3_reset (stmt);

    for (guint i = 0; i < records->len; i++)
      {
        JsonObject *r = g_ptr_array_index (records, i);
        gint64 cand = g_array_index (ids, gint64, i);
        JsonArray *scores = json_array_new ();
        guint n_contents = 0, n_passed = 0, n_absent = 0, n_cancelled = 0;
        g_autofree char *stream = NULL;
        const char *overall;

        stmt = ttsh_store_prepare (store,
            "SELECT content, state, score, result, attempt FROM candidate_content "
            "WHERE candidate_id = ?1 ORDER BY id", error);
        if (stmt == NULL)
          {
            json_array_unref (scores);
            goto fail;
          }
        sqlite3_bind_int64 (stmt, 1, cand);
        while (sqlite3_step (stmt) == SQLITE_ROW)
          {
            const char *state = col_text (stmt, 1);

            n_contents++;
            if (g_str_equal (state, "PASSED"))
              n_passed++;
            else if (g_str_equal (state, "CANCELLED"))
              n_cancelled++;
            else if (g_str_equal (state, "ABSENT") || g_str_equal (state, "WAITING") ||
                     g_str_equal (state, "PRESENT"))
              n_absent++;
            if (sqlite3_column_type (stmt, 3) != SQLITE_NULL)
              {
                JsonObject *s = json_object_new ();
                json_object_set_string_member (s, TTSH_W_NOI_DUNG_SAT_HACH, col_text (stmt, 0));
                json_object_set_double_member (s, TTSH_W_DIEM, sqlite3_column_double (stmt, 2));
                json_object_set_string_member (s, TTSH_W_KET_QUA, col_text (stmt, 3));
                json_object_set_int_member (s, TTSH_W_LAN_SAT_HACH, sqlite3_column_int64 (stmt, 4));
                json_array_add_object_element (scores, s);
              }
          }
        sqlite3_reset (stmt);
        if (n_cancelled > 0)
          overall = "HUY";
        else if (n_absent == n_contents)
          overall = "VANG";
        else if (n_passed == n_contents)
          overall = "DAT";
        else
          overall = "KHONG_DAT";
        json_object_set_string_member (r, TTSH_W_KET_QUA, overall);
        json_object_set_array_member (r, TTSH_W_DIEM, scores);
        json_object_set_string_member (r, TTSH_W_THOI_GIAN_KET_THUC_KY, end_time);
        stream = ttsh_outbox_stream_key (code, json_object_get_string_member (r, TTSH_W_MA_DANG_KY),
                                         TTSH_KIND_TONG_HOP);
        if (ttsh_outbox_enqueue (store, centre, TTSH_KIND_TONG_HOP, stream, code, cand, r, NULL, error) == 0)
          goto fail;
        n++;
      }
  }

  stmt = ttsh_store_prepare (store,
      "UPDATE exam_session SET state = 'CLOSED', closed_at = ?2, updated_at = ?2 WHERE id = ?1", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, session_id);
  sqlite3_bind_int64 (stmt, 2, ttsh_now_ms ());
  if (!ttsh_store_step_done (store, stmt, error))
    goto fail;
  detail = g_strdup_printf ("summaries=%" G_GINT64_FORMAT, n);
  if (ttsh_journal_append (store, actor, TTSH_JOURNAL_SESSION_CLOSED, code, detail, error) == 0)
    goto fail;
  return ttsh_store_commit (store, error);

fail:
  ttsh_store_rollback (store);
  return FALSE;
}
