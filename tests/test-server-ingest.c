/* test-server-ingest.c — data entering through the TTSH API over real TLS:
 * the exam-session push (idempotent, replaced only before the first test),
 * roster download, attendance/process/result batches with every validation
 * code, role limits, duplicates, the outbox records they produce, statistics
 * and the closing summaries. */
#include "config.h"

#include "ttsh-ingest.h"
#include "ttsh-validate.h"
#include "test-server-util.h"

#define SESSION "K2026-TEST-01"

typedef struct {
  TestServer ts;
  JsonNode  *session;
  char      *c08, *lt, *sh, *dt;
} Fx;

static void
fx_setup (Fx *f, gconstpointer data)
{
  ts_start (&f->ts, NULL);
  f->session = exam_sim_make_session (SESSION, TS_CENTRE, 12, 7);
  f->c08 = ts_login (&f->ts, "c08");
  f->lt = ts_login (&f->ts, "ly-thuyet");
  f->sh = ts_login (&f->ts, "sa-hinh");
  f->dt = ts_login (&f->ts, "duong-truong");
}

static void
fx_teardown (Fx *f, gconstpointer data)
{
  ts_stop (&f->ts);
  json_node_unref (f->session);
  g_free (f->c08);
  g_free (f->lt);
  g_free (f->sh);
  g_free (f->dt);
}

static void
push_ok (Fx *f)
{
  g_autoptr(JsonObject) env = ts_call_node (&f->ts, "POST", "/exam-sessions", f->c08, f->session);
  g_assert_cmpint (ts_code (env), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (env, "DuLieu"), "SoHocVien"), ==, 12);
}

static JsonObject *
upload (Fx *f, const char *path, const char *token, JsonObject *record)
{
  JsonArray *a = json_array_new ();
  g_autoptr(JsonNode) batch = NULL;

  json_array_add_object_element (a, record);
  batch = ts_batch (a);
  return ts_call_node (&f->ts, "POST", path, token, batch);
}

static int
upload_code (Fx *f, const char *path, const char *token, JsonObject *record)
{
  g_autoptr(JsonObject) env = upload (f, path, token, record);
  g_assert_cmpint (ts_code (env), ==, 1);
  return ts_record_code (env, 0);
}

static JsonObject *
attendance (Fx *f, guint i, const char *content, const char *tx, const char *status)
{
  JsonObject *r = ts_identity (f->session, i, content, tx);
  JsonObject *auth = json_object_new ();
  g_autofree char *now = ttsh_time_now ();

  json_object_set_string_member (r, "TrangThaiDiemDanh", status);
  json_object_set_string_member (r, "ThoiGianDiemDanh", now);
  json_object_set_string_member (auth, "PhuongThuc", "VNEID_QR");
  json_object_set_string_member (auth, "KetQua", "KHOP");
  json_object_set_string_member (auth, "MaXacThuc", "VNEID-123456");
  json_object_set_string_member (auth, "ThoiGian", now);
  json_object_set_object_member (r, "XacThucDienTu", auth);
  return r;
}

static JsonObject *
process (Fx *f, guint i, const char *content, const char *tx, int attempt, int seq, const char *state, double score)
{
  JsonObject *r = ts_identity (f->session, i, content, tx);
  g_autofree char *now = ttsh_time_now ();
  g_autofree char *photo = exam_sim_photo_base64 (99 + seq);

  json_object_set_int_member (r, "LanSatHach", attempt);
  json_object_set_int_member (r, "SoThuTu", seq);
  json_object_set_string_member (r, "TrangThai", state);
  json_object_set_string_member (r, "ThoiGianBatDau", "2026-11-23T08:00:00+07:00");
  if (g_str_equal (state, "KET_THUC"))
    {
      json_object_set_string_member (r, "ThoiGianKetThuc", now);
      json_object_set_string_member (r, "KetQua", score >= 80 ? "DAT" : "KHONG_DAT");
    }
  else
    json_object_set_null_member (r, "ThoiGianKetThuc");
  json_object_set_double_member (r, "Diem", score);
  json_object_set_null_member (r, "LyDoSatHachLai");
  json_object_set_array_member (r, "SuKien", json_array_new ());
  if (!g_str_equal (state, "DANG_THI"))
    json_object_set_string_member (r, "AnhHocVien", photo);
  json_object_set_array_member (r, "DuLieuGPS", json_array_new ());
  return r;
}

static JsonObject *
result (Fx *f, guint i, const char *content, const char *tx, int attempt, double score)
{
  JsonObject *r = ts_identity (f->session, i, content, tx);
  g_autofree char *now = ttsh_time_now ();
  g_autofree char *photo = exam_sim_photo_base64 (5);

  json_object_set_int_member (r, "LanSatHach", attempt);
  json_object_set_string_member (r, "ThoiGianBatDau", "2026-11-23T08:00:00+07:00");
  json_object_set_string_member (r, "ThoiGianKetThuc", now);
  json_object_set_double_member (r, "Diem", score);
  json_object_set_string_member (r, "KetQua", score >= 80 ? "DAT" : "KHONG_DAT");
  json_object_set_string_member (r, "AnhHocVien", photo);
  return r;
}

static JsonObject *
hv (Fx *f, guint i)
{
  return json_array_get_object_element (json_object_get_array_member (json_node_get_object (f->session), "HocVien"), i);
}

/* ---------------------------------------------------------------------- */

static void
test_session_push (Fx *f, gconstpointer data)
{
  g_autoptr(JsonNode) bad = ts_deep_copy (f->session);
  JsonArray *list = json_object_get_array_member (json_node_get_object (bad), "HocVien");
  JsonObject *base = json_array_get_object_element (list, 0);
  g_autofree char *big_photo = NULL;
  struct { const char *member; const char *value; int code; } cases[] = {
    { "SoCCCD", "00109512345", -4 },             /* 11 digits */
    { "SoCCCD", "999095123456", -4 },            /* province 999 */
    { "SoCCCD", "001195123456", -4 },            /* gender/century digit disagrees */
    { "NgaySinh", "2026-02-30", -4 },
    { "GioiTinh", "KHAC", -4 },
    { "HangSatHach", "Z", -4 },
    { "AnhHocVien", "iVBORw0KGgo*AAAA", -4 },    /* outside the alphabet */
    { "AnhHocVien", "aGVsbG8gd29ybGQh", -4 },    /* base64 of text, not an image */
    { "AnhHocVien", NULL, -9 },                  /* > 1 MiB */
    { "MaDangKy", NULL, -5 },                    /* duplicate of candidate 0 */
    { "HoTen", "", -4 },
  };

  {
    g_autoptr(GBytes) huge = NULL;
    guint8 *p = g_malloc0 (TTSH_PHOTO_MAX_BYTES + 10);
    p[0] = 0xFF; p[1] = 0xD8; p[2] = 0xFF;
    huge = g_bytes_new_take (p, TTSH_PHOTO_MAX_BYTES + 10);
    big_photo = g_base64_encode (g_bytes_get_data (huge, NULL), g_bytes_get_size (huge));
  }
  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      JsonNode *cn = ts_deep_copy (json_array_get_element (list, 0));
      JsonObject *c = json_node_get_object (cn);
      g_autofree char *reg = g_strdup_printf ("BAD-%02u", k);
      g_autofree char *num = g_strdup_printf ("9%02u", k);

      json_object_set_string_member (c, "MaDangKy", reg);
      json_object_set_string_member (c, "SoBaoDanh", num);
      /* Distinct ID so that only the field under test is wrong. */
      {
        g_autofree char *cid = g_strdup (json_object_get_string_member (base, "SoCCCD"));
        cid[11] = '0' + k % 10;
        cid[10] = '7';
        json_object_set_string_member (c, "SoCCCD", cid);
      }
      if (g_str_equal (cases[k].member, "AnhHocVien") && cases[k].value == NULL)
        json_object_set_string_member (c, "AnhHocVien", big_photo);
      else if (g_str_equal (cases[k].member, "MaDangKy") && cases[k].value == NULL)
        json_object_set_string_member (c, "MaDangKy", json_object_get_string_member (base, "MaDangKy"));
      else
        json_object_set_string_member (c, cases[k].member, cases[k].value);
      json_array_add_element (list, cn);
    }
  {
    g_autoptr(JsonObject) env = ts_call_node (&f->ts, "POST", "/exam-sessions", f->c08, bad);
    JsonObject *d = json_object_get_object_member (env, "DuLieu");
    JsonArray *res = json_object_get_array_member (d, "KetQua");

    g_assert_cmpint (ts_code (env), ==, 1);
    for (guint i = 0; i < 12; i++)
      g_test_message ("candidate %u: %s", i,
                      json_object_get_string_member (json_array_get_object_element (res, i), "ThongTinXuLy"));
    g_assert_cmpint (json_object_get_int_member (d, "SoHocVien"), ==, 12);
    g_assert_cmpuint (json_array_get_length (res), ==, 12 + G_N_ELEMENTS (cases));
    for (guint i = 0; i < 12; i++)
      g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (res, i), "MaKetQua"), ==, 1);
    for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
      {
        JsonObject *r = json_array_get_object_element (res, 12 + k);
        g_test_message ("case %u: %s", k, json_object_get_string_member (r, "ThongTinXuLy"));
        g_assert_cmpint (json_object_get_int_member (r, "MaKetQua"), ==, cases[k].code);
      }
  }
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM candidate"), ==, 12);
  /* Personal data sealed, search name folded. */
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM candidate WHERE name_folded GLOB '*[^ -~]*'"), ==, 0);
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM candidate WHERE length(cid_sealed) > 12 AND length(cid_hash) = 64"), ==, 12);

  /* Same body again: idempotent, nothing written. */
  {
    g_autoptr(JsonObject) env = ts_call_node (&f->ts, "POST", "/exam-sessions", f->c08, bad);
    g_assert_cmpint (ts_code (env), ==, 1);
    g_assert_cmpint (ts_record_code (env, 0), ==, -5);
  }
  g_assert_cmpint (ts_count (&f->ts, "SELECT revision FROM exam_session"), ==, 1);

  /* Only the C08 account pushes; only this centre; KySatHach required. */
  {
    g_autoptr(JsonObject) env = ts_call_node (&f->ts, "POST", "/exam-sessions", f->sh, f->session);
    g_assert_cmpint (ts_code (env), ==, -4);
  }
  {
    g_autoptr(JsonNode) other = ts_deep_copy (f->session);
    json_object_set_string_member (json_object_get_object_member (json_node_get_object (other), "KySatHach"),
                                   "MaTTSH", "TTSH-HCM-02");
    g_autoptr(JsonObject) env = ts_call_node (&f->ts, "POST", "/exam-sessions", f->c08, other);
    g_assert_cmpint (ts_code (env), ==, -6);
  }
  {
    g_autoptr(JsonObject) env = ts_call (&f->ts, "POST", "/exam-sessions", f->c08, "{\"HoiDong\":[],\"HocVien\":[]}");
    g_assert_cmpint (ts_code (env), ==, -4);
  }
  {
    g_autoptr(JsonNode) other = ts_deep_copy (f->session);
    json_object_set_string_member (json_object_get_object_member (json_node_get_object (other), "KySatHach"),
                                   "ThoiGianBatDau", "23/11/2026 07:30");
    g_autoptr(JsonObject) env = ts_call_node (&f->ts, "POST", "/exam-sessions", f->c08, other);
    g_assert_cmpint (ts_code (env), ==, -4);
  }
}

static void
test_roster (Fx *f, gconstpointer data)
{
  push_ok (f);
  {
    g_autoptr(JsonObject) env = ts_call (&f->ts, "GET", "/exam-sessions/" SESSION "?NoiDungSatHach=DUONG_TRUONG",
                                         f->dt, NULL);
    JsonObject *d = json_object_get_object_member (env, "DuLieu");
    JsonArray *list = json_object_get_array_member (d, "HocVien");
    g_assert_cmpint (ts_code (env), ==, 1);
    g_assert_cmpuint (json_array_get_length (list), >, 0);
    g_assert_cmpuint (json_array_get_length (list), <, 12);
    for (guint i = 0; i < json_array_get_length (list); i++)
      {
        JsonObject *c = json_array_get_object_element (list, i);
        GBytes *photo = ttsh_base64_decode_strict (json_object_get_string_member (c, "AnhHocVien"),
                                                  strlen (json_object_get_string_member (c, "AnhHocVien")));
        g_assert_nonnull (photo);
        g_assert_true (ttsh_image_is_jpeg_or_png (g_bytes_get_data (photo, NULL), g_bytes_get_size (photo)));
        g_bytes_unref (photo);
        g_assert_cmpuint (strlen (json_object_get_string_member (c, "SoCCCD")), ==, 12);
      }
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (d, "HoiDong")), ==, 6);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (d, "KySatHach"), "MaTTSH"),
                     ==, TS_CENTRE);
  }
  {
    g_autoptr(JsonObject) env = ts_call (&f->ts, "GET", "/exam-sessions/" SESSION "?NoiDungSatHach=LY_THUYET&Anh=0",
                                         f->lt, NULL);
    JsonArray *list = json_object_get_array_member (json_object_get_object_member (env, "DuLieu"), "HocVien");
    g_assert_cmpuint (json_array_get_length (list), ==, 12);
    g_assert_false (json_object_has_member (json_array_get_object_element (list, 0), "AnhHocVien"));
  }
  {
    g_autoptr(JsonObject) env = ts_call (&f->ts, "GET", "/exam-sessions/" SESSION "?NoiDungSatHach=LY_THUYET", f->sh, NULL);
    g_assert_cmpint (ts_code (env), ==, -4);
  }
  {
    g_autoptr(JsonObject) env = ts_call (&f->ts, "GET", "/exam-sessions/" SESSION, f->sh, NULL);
    g_assert_cmpint (ts_code (env), ==, -4);
  }
  {
    g_autoptr(JsonObject) env = ts_call (&f->ts, "GET", "/exam-sessions/K-NONE?NoiDungSatHach=SA_HINH", f->sh, NULL);
    g_assert_cmpint (ts_code (env), ==, -6);
  }
}

static void
test_replace_roster (Fx *f, gconstpointer data)
{
  g_autoptr(JsonNode) smaller = exam_sim_make_session (SESSION, TS_CENTRE, 8, 8);
  g_autoptr(JsonNode) again = exam_sim_make_session (SESSION, TS_CENTRE, 10, 9);
  guint i;

  push_ok (f);
  /* Before any test: replaced. */
  {
    g_autoptr(JsonObject) env = ts_call_node (&f->ts, "POST", "/exam-sessions", f->c08, smaller);
    g_assert_cmpint (ts_code (env), ==, 1);
  }
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM candidate"), ==, 8);
  g_assert_cmpint (ts_count (&f->ts, "SELECT revision FROM exam_session"), ==, 2);

  /* After the first attendance: refused with the reason, roster kept. */
  json_node_unref (f->session);
  f->session = json_node_ref (smaller);
  i = ts_candidate_with (f->session, "SA_HINH", 0);
  g_assert_cmpint (upload_code (f, "/attendance", f->sh, attendance (f, i, "SA_HINH", "SH-DD-1", "CO_MAT")), ==, 1);
  {
    g_autoptr(JsonObject) env = ts_call_node (&f->ts, "POST", "/exam-sessions", f->c08, again);
    g_assert_cmpint (ts_code (env), ==, -4);
    g_assert_nonnull (strstr (json_object_get_string_member (env, "MoTaChiTietLoi"), "đã bắt đầu"));
  }
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM candidate"), ==, 8);
  /* The same roster as stored is still answered as received. */
  {
    g_autoptr(JsonObject) env = ts_call_node (&f->ts, "POST", "/exam-sessions", f->c08, smaller);
    g_assert_cmpint (ts_code (env), ==, 1);
  }
}

static void
test_attendance (Fx *f, gconstpointer data)
{
  guint i, moto;

  push_ok (f);
  i = ts_candidate_with (f->session, "DUONG_TRUONG", 0);
  g_assert_cmpint (upload_code (f, "/attendance", f->dt, attendance (f, i, "DUONG_TRUONG", "DT-DD-1", "CO_MAT")), ==, 1);
  /* Retry of the same record: -5, nothing new. */
  g_assert_cmpint (upload_code (f, "/attendance", f->dt, attendance (f, i, "DUONG_TRUONG", "DT-DD-1", "CO_MAT")), ==, -5);
  /* Same fact under a new code: -5 too. */
  g_assert_cmpint (upload_code (f, "/attendance", f->dt, attendance (f, i, "DUONG_TRUONG", "DT-DD-2", "CO_MAT")), ==, -5);
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM attendance"), ==, 1);
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM outbox WHERE kind = 'DIEM_DANH'"), ==, 1);
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM candidate_content WHERE state = 'PRESENT'"), ==, 1);
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM journal WHERE action = 'RECORD_ACCEPTED'"), ==, 1);

  /* A role sending another content: -4. */
  g_assert_cmpint (upload_code (f, "/attendance", f->sh, attendance (f, i, "DUONG_TRUONG", "SH-X-1", "CO_MAT")), ==, -4);
  /* Unknown session / candidate: -6. */
  {
    JsonObject *r = attendance (f, i, "DUONG_TRUONG", "DT-DD-3", "CO_MAT");
    json_object_set_string_member (r, "MaKySatHach", "K-KHONG-CO");
    g_assert_cmpint (upload_code (f, "/attendance", f->dt, r), ==, -6);
  }
  {
    JsonObject *r = attendance (f, i, "DUONG_TRUONG", "DT-DD-4", "CO_MAT");
    json_object_set_string_member (r, "MaDangKy", "KHONG-CO");
    g_assert_cmpint (upload_code (f, "/attendance", f->dt, r), ==, -6);
  }
  /* A motorcycle candidate is not registered for the road test: -6. */
  for (moto = 0; moto < 12; moto++)
    {
      const char *cls = json_object_get_string_member (hv (f, moto), "HangSatHach");
      if (g_str_equal (cls, "A1") || g_str_equal (cls, "A"))
        break;
    }
  if (moto < 12)
    g_assert_cmpint (upload_code (f, "/attendance", f->dt, attendance (f, moto, "DUONG_TRUONG", "DT-DD-5", "CO_MAT")), ==, -6);
  /* Identity that does not match the roster: -4. */
  {
    const char *fields[][2] = { { "HoTen", "Nguyễn Văn Sai" }, { "SoCCCD", "001090000001" },
                                { "NgaySinh", "1990-01-01" }, { "SoBaoDanh", "999" }, { "HangSatHach", "DE" } };
    for (guint k = 0; k < G_N_ELEMENTS (fields); k++)
      {
        g_autofree char *tx = g_strdup_printf ("DT-ID-%u", k);
        JsonObject *r = attendance (f, i, "DUONG_TRUONG", tx, "CO_MAT");
        json_object_set_string_member (r, fields[k][0], fields[k][1]);
        g_assert_cmpint (upload_code (f, "/attendance", f->dt, r), ==, -4);
      }
  }
  /* Field errors: -4 each. */
  {
    const char *fields[][2] = { { "TrangThaiDiemDanh", "CO" }, { "ThoiGianDiemDanh", "2026-11-23 08:00" },
                                { "TransactionCode", "co dau cach" }, { "NoiDungSatHach", "LAI_THU" },
                                { "AnhDiemDanh", "////" } };
    for (guint k = 0; k < G_N_ELEMENTS (fields); k++)
      {
        g_autofree char *tx = g_strdup_printf ("DT-F-%u", k);
        JsonObject *r = attendance (f, ts_candidate_with (f->session, "DUONG_TRUONG", i + 1), "DUONG_TRUONG", tx, "CO_MAT");
        json_object_set_string_member (r, fields[k][0], fields[k][1]);
        g_assert_cmpint (upload_code (f, "/attendance", f->dt, r), ==, -4);
      }
  }
  {
    JsonObject *r = attendance (f, ts_candidate_with (f->session, "DUONG_TRUONG", i + 1), "DUONG_TRUONG", "DT-F-9", "CO_MAT");
    json_object_set_string_member (json_object_get_object_member (r, "XacThucDienTu"), "KetQua", "KHONG_KHOP");
    g_assert_cmpint (upload_code (f, "/attendance", f->dt, r), ==, -4);
  }
  {
    JsonObject *r = attendance (f, ts_candidate_with (f->session, "DUONG_TRUONG", i + 1), "DUONG_TRUONG", "DT-F-10", "CO_MAT");
    json_object_remove_member (r, "SoCCCD");
    g_assert_cmpint (upload_code (f, "/attendance", f->dt, r), ==, -4);
  }
  /* Refused records changed nothing. */
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM attendance"), ==, 1);
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM outbox"), ==, 1);
}

static void
test_batch_limits (Fx *f, gconstpointer data)
{
  push_ok (f);
  /* 101 records: -9 for the batch. */
  {
    JsonArray *a = json_array_new ();
    g_autoptr(JsonNode) batch = NULL;
    for (int k = 0; k < 101; k++)
      {
        g_autofree char *tx = g_strdup_printf ("SH-B-%d", k);
        json_array_add_object_element (a, attendance (f, 0, "SA_HINH", tx, "CO_MAT"));
      }
    batch = ts_batch (a);
    g_autoptr(JsonObject) env = ts_call_node (&f->ts, "POST", "/attendance", f->sh, batch);
    g_assert_cmpint (ts_code (env), ==, -9);
  }
  {
    g_autoptr(JsonNode) batch = ts_batch (json_array_new ());
    g_autoptr(JsonObject) env = ts_call_node (&f->ts, "POST", "/attendance", f->sh, batch);
    g_assert_cmpint (ts_code (env), ==, -4);
  }
  /* ThoiGianGui far from our clock: -10; another centre: -6. */
  {
    JsonArray *a = json_array_new ();
    g_autoptr(JsonNode) batch = NULL;
    json_array_add_object_element (a, attendance (f, 0, "SA_HINH", "SH-T-1", "CO_MAT"));
    batch = ts_batch (a);
    json_object_set_string_member (json_node_get_object (batch), "ThoiGianGui", "2026-01-01T00:00:00+07:00");
    g_autoptr(JsonObject) env = ts_call_node (&f->ts, "POST", "/attendance", f->sh, batch);
    g_assert_cmpint (ts_code (env), ==, -10);
  }
  {
    JsonArray *a = json_array_new ();
    g_autoptr(JsonNode) batch = NULL;
    json_array_add_object_element (a, attendance (f, 0, "SA_HINH", "SH-T-2", "CO_MAT"));
    batch = ts_batch (a);
    json_object_set_string_member (json_node_get_object (batch), "MaTTSH", "TTSH-HCM-02");
    g_autoptr(JsonObject) env = ts_call_node (&f->ts, "POST", "/attendance", f->sh, batch);
    g_assert_cmpint (ts_code (env), ==, -6);
  }
  /* A mixed batch: the good record is taken, the bad one reported. */
  {
    JsonArray *a = json_array_new ();
    g_autoptr(JsonNode) batch = NULL;
    JsonObject *badrec = attendance (f, 1, "SA_HINH", "SH-M-2", "CO_MAT");
    json_object_set_string_member (badrec, "SoCCCD", "12345");
    json_array_add_object_element (a, attendance (f, 0, "SA_HINH", "SH-M-1", "CO_MAT"));
    json_array_add_object_element (a, badrec);
    json_array_add_object_element (a, json_object_ref (json_array_get_object_element (a, 0)));
    batch = ts_batch (a);
    g_autoptr(JsonObject) env = ts_call_node (&f->ts, "POST", "/attendance", f->sh, batch);
    JsonObject *d = json_object_get_object_member (env, "DuLieu");
    g_assert_cmpint (ts_code (env), ==, 1);
    g_assert_cmpint (ts_record_code (env, 0), ==, 1);
    g_assert_cmpint (ts_record_code (env, 1), ==, -4);
    g_assert_cmpint (ts_record_code (env, 2), ==, -5);
    g_assert_cmpint (json_object_get_int_member (d, "SoThanhCong"), ==, 2);
    g_assert_cmpint (json_object_get_int_member (d, "SoLoi"), ==, 1);
  }
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM attendance"), ==, 1);
  g_assert_cmpint (ts_wait_count (&f->ts, "SELECT sum(records) FROM inbound_request WHERE path = '/ttsh/v1/attendance'", 3), >=, 3);
}

static void
test_process_and_results (Fx *f, gconstpointer data)
{
  guint i, j;

  push_ok (f);
  i = ts_candidate_with (f->session, "DUONG_TRUONG", 0);
  j = ts_candidate_with (f->session, "SA_HINH", 0);

  /* Not yet present: -4. */
  g_assert_cmpint (upload_code (f, "/process", f->dt, process (f, i, "DUONG_TRUONG", "DT-P-0", 1, 1, "BAT_DAU", 100)), ==, -4);
  g_assert_cmpint (upload_code (f, "/attendance", f->dt, attendance (f, i, "DUONG_TRUONG", "DT-DD-1", "CO_MAT")), ==, 1);
  g_assert_cmpint (upload_code (f, "/process", f->dt, process (f, i, "DUONG_TRUONG", "DT-P-1", 1, 1, "BAT_DAU", 100)), ==, 1);
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM candidate_content WHERE state = 'IN_TEST'"), ==, 1);
  /* Gap in SoThuTu: -4; replay of an earlier SoThuTu: -5. */
  g_assert_cmpint (upload_code (f, "/process", f->dt, process (f, i, "DUONG_TRUONG", "DT-P-3", 1, 3, "DANG_THI", 100)), ==, -4);
  g_assert_cmpint (upload_code (f, "/process", f->dt, process (f, i, "DUONG_TRUONG", "DT-P-1b", 1, 1, "BAT_DAU", 100)), ==, -5);
  /* GPS: valid points stored; out of Viet Nam, too fast, unordered: -4. */
  {
    JsonObject *r = process (f, i, "DUONG_TRUONG", "DT-P-2", 1, 2, "DANG_THI", 95);
    JsonArray *gps = json_object_get_array_member (r, "DuLieuGPS");
    for (int k = 0; k < 5; k++)
      {
        JsonObject *p = json_object_new ();
        g_autofree char *t = ttsh_time_format_ms ((g_get_real_time () / 1000 / 1000 + k) * 1000);
        json_object_set_string_member (p, "ThoiGian", t);
        json_object_set_double_member (p, "ViDo", 21.0285 + k * 0.0001);
        json_object_set_double_member (p, "KinhDo", 105.7820 + k * 0.0001);
        json_object_set_double_member (p, "TocDo", 25.5);
        json_object_set_double_member (p, "Huong", 90);
        json_object_set_double_member (p, "DoChinhXac", 3.5);
        json_array_add_object_element (gps, p);
      }
    g_assert_cmpint (upload_code (f, "/process", f->dt, r), ==, 1);
  }
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM gps_point"), ==, 5);
  {
    const char *member[] = { "ViDo", "KinhDo", "TocDo" };
    double value[] = { 48.85, 2.35, 320 };
    for (guint k = 0; k < 3; k++)
      {
        g_autofree char *tx = g_strdup_printf ("DT-G-%u", k);
        JsonObject *r = process (f, i, "DUONG_TRUONG", tx, 1, 3, "DANG_THI", 95);
        JsonObject *p = json_object_new ();
        g_autofree char *t = ttsh_time_now ();
        json_object_set_string_member (p, "ThoiGian", t);
        json_object_set_double_member (p, "ViDo", 21.03);
        json_object_set_double_member (p, "KinhDo", 105.78);
        json_object_set_double_member (p, "TocDo", 30);
        json_object_set_double_member (p, member[k], value[k]);
        json_array_add_object_element (json_object_get_array_member (r, "DuLieuGPS"), p);
        g_assert_cmpint (upload_code (f, "/process", f->dt, r), ==, -4);
      }
  }
  /* Events with a missing deduction: -4. */
  {
    JsonObject *r = process (f, i, "DUONG_TRUONG", "DT-E-1", 1, 3, "DANG_THI", 95);
    JsonObject *e = json_object_new ();
    json_object_set_string_member (e, "ThoiGian", "2026-11-23T08:05:00+07:00");
    json_object_set_string_member (e, "MaLoi", "DT05");
    json_object_set_string_member (e, "MoTa", "Không bật xi nhan khi chuyển làn");
    json_array_add_object_element (json_object_get_array_member (r, "SuKien"), e);
    g_assert_cmpint (upload_code (f, "/process", f->dt, r), ==, -4);
  }
  /* KET_THUC without KetQua: -4; with it: accepted, candidate PASSED. */
  {
    JsonObject *r = process (f, i, "DUONG_TRUONG", "DT-P-3x", 1, 3, "KET_THUC", 88);
    json_object_remove_member (r, "KetQua");
    g_assert_cmpint (upload_code (f, "/process", f->dt, r), ==, -4);
  }
  g_assert_cmpint (upload_code (f, "/process", f->dt, process (f, i, "DUONG_TRUONG", "DT-P-3", 1, 3, "KET_THUC", 88)), ==, 1);
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM candidate_content WHERE state = 'PASSED' AND score = 88"), ==, 1);
  /* After KET_THUC, no more records for the attempt. */
  g_assert_cmpint (upload_code (f, "/process", f->dt, process (f, i, "DUONG_TRUONG", "DT-P-4", 1, 4, "DANG_THI", 88)), ==, -4);
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM outbox WHERE kind = 'QUA_TRINH'"), ==, 3);

  /* The result agreeing with the stream adds no upload; disagreeing is -4. */
  g_assert_cmpint (upload_code (f, "/results", f->dt, result (f, i, "DUONG_TRUONG", "DT-R-0", 1, 70)), ==, -4);
  g_assert_cmpint (upload_code (f, "/results", f->dt, result (f, i, "DUONG_TRUONG", "DT-R-1", 1, 88)), ==, 1);
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM outbox WHERE kind = 'QUA_TRINH'"), ==, 3);
  g_assert_cmpint (upload_code (f, "/results", f->dt, result (f, i, "DUONG_TRUONG", "DT-R-1", 1, 88)), ==, -5);
  g_assert_cmpint (upload_code (f, "/results", f->dt, result (f, i, "DUONG_TRUONG", "DT-R-2", 1, 88)), ==, -5);

  /* A result without a stream produces the closing QUA_TRINH itself. */
  g_assert_cmpint (upload_code (f, "/attendance", f->sh, attendance (f, j, "SA_HINH", "SH-DD-1", "CO_MAT")), ==, 1);
  {
    JsonObject *r = result (f, j, "SA_HINH", "SH-R-1", 1, 75);
    json_object_set_double_member (r, "Diem", 120);
    g_assert_cmpint (upload_code (f, "/results", f->sh, r), ==, -4);
  }
  g_assert_cmpint (upload_code (f, "/results", f->sh, result (f, j, "SA_HINH", "SH-R-1", 1, 75)), ==, 1);
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM outbox WHERE kind = 'QUA_TRINH'"), ==, 4);
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM candidate_content WHERE state = 'FAILED' AND result = 'KHONG_DAT'"), ==, 1);
  /* A retest needs its reason. */
  g_assert_cmpint (upload_code (f, "/process", f->sh, process (f, j, "SA_HINH", "SH-P-21", 2, 1, "BAT_DAU", 100)), ==, -4);
  {
    JsonObject *r = process (f, j, "SA_HINH", "SH-P-22", 2, 1, "BAT_DAU", 100);
    json_object_set_string_member (r, "LyDoSatHachLai", "Xe sát hạch hỏng cảm biến");
    g_assert_cmpint (upload_code (f, "/process", f->sh, r), ==, 1);
  }

  /* Statistics of what this client sent. */
  {
    g_autofree char *from = ttsh_time_format_ms (ttsh_now_ms () - 3600 * 1000);
    g_autofree char *to = ttsh_time_format_ms (ttsh_now_ms () + 60 * 1000);
    g_autofree char *body = g_strdup_printf ("{\"MaTTSH\":\"%s\",\"TuThoiDiem\":\"%s\",\"DenThoiDiem\":\"%s\"}",
                                             TS_CENTRE, from, to);
    g_autoptr(JsonObject) env = ts_call (&f->ts, "POST", "/statistics", f->dt, body);
    JsonObject *d = json_object_get_object_member (env, "DuLieu");
    g_assert_cmpint (ts_code (env), ==, 1);
    /* 1 attendance + 3 process + 1 result stored, all waiting for C08. */
    g_assert_cmpint (json_object_get_int_member (d, "SoPhienDangCho"), ==, 4);
    g_assert_cmpint (json_object_get_int_member (d, "SoPhienThanhCong"), ==, 1);
    g_assert_cmpint (json_object_get_int_member (d, "SoPhienThatBai"), >=, 10);
  }
  {
    g_autoptr(JsonObject) env = ts_call (&f->ts, "POST", "/statistics", f->dt,
        "{\"MaTTSH\":\"" TS_CENTRE "\",\"TuThoiDiem\":\"2026-01-01T00:00:00+07:00\",\"DenThoiDiem\":\"2026-11-23T00:00:00+07:00\"}");
    g_assert_cmpint (ts_code (env), ==, -4);
  }
}

static gpointer
close_func (TtshEngine *engine, TtshStore *store, gpointer data, GError **error)
{
  return ttsh_ingest_close_session (store, data, "quan-ly", error) ? GINT_TO_POINTER (1) : NULL;
}

static gpointer
exec_func (TtshEngine *engine, TtshStore *store, gpointer data, GError **error)
{
  return ttsh_store_exec (store, data, error) ? GINT_TO_POINTER (1) : NULL;
}

static void
exec_sql (Fx *f, const char *sql)
{
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (ttsh_engine_call_sync (f->ts.engine, exec_func, (gpointer) sql, &error));
  g_assert_no_error (error);
}

/* C08 rejected a process record as invalid: the exam program re-submits the
 * same attempt and sequence, corrected, under a new TransactionCode, even
 * after the attempt ended. The correction is accepted as a record of its
 * own; the original row and outbox record are untouched; only a rejected
 * record can be corrected, once at a time. */
/* A stream record that repeats the candidate's state and score leaves the
 * roster row as it was; one that changes the score still reaches it. */
static void
test_process_repeats_state (Fx *f, gconstpointer data)
{
  const char *stamp = "SELECT updated_at FROM candidate_content WHERE state = 'IN_TEST'";
  const char *score = "SELECT score FROM candidate_content WHERE state = 'IN_TEST'";
  guint i;
  gint64 before;

  push_ok (f);
  i = ts_candidate_with (f->session, "DUONG_TRUONG", 0);
  g_assert_cmpint (upload_code (f, "/attendance", f->dt, attendance (f, i, "DUONG_TRUONG", "DT-R-0", "CO_MAT")), ==, 1);
  g_assert_cmpint (upload_code (f, "/process", f->dt, process (f, i, "DUONG_TRUONG", "DT-R-1", 1, 1, "BAT_DAU", 100)), ==, 1);
  g_assert_cmpint (ts_count (&f->ts, score), ==, 100);
  before = ts_count (&f->ts, stamp);
  g_assert_cmpint (before, >, 0);
  /* Stamps are in milliseconds: let one pass so a rewrite would show. */
  g_usleep (5000);
  g_assert_cmpint (upload_code (f, "/process", f->dt, process (f, i, "DUONG_TRUONG", "DT-R-2", 1, 2, "DANG_THI", 100)), ==, 1);
  g_assert_cmpint (ts_count (&f->ts, stamp), ==, before);
  g_assert_cmpint (upload_code (f, "/process", f->dt, process (f, i, "DUONG_TRUONG", "DT-R-3", 1, 3, "DANG_THI", 90)), ==, 1);
  g_assert_cmpint (ts_count (&f->ts, score), ==, 90);
  g_assert_cmpint (ts_count (&f->ts, stamp), >, before);
  /* Every record still went to the outbox. */
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM outbox WHERE kind = 'QUA_TRINH'"), ==, 3);
}

typedef struct {
  int pending;
  int accepted;
} Burst;

static void
burst_reply (GObject      *source,
             GAsyncResult *res,
             gpointer      data)
{
  Burst *b = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), res, &error);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *env;

  g_assert_no_error (error);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL));
  env = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (ts_code (env), ==, 1);
  g_assert_cmpint (ts_record_code (env, 0), ==, 1);
  b->accepted++;
  b->pending--;
}

static gpointer
sync_count_func (TtshEngine *engine, TtshStore *store, gpointer data, GError **error)
{
  gint64 *n = g_new (gint64, 1);

  g_assert_false (ttsh_store_needs_sync (store));
  *n = (gint64) ttsh_store_sync_count (store);
  return n;
}

static gint64
sync_count (Fx *f)
{
  g_autofree gint64 *n = ttsh_engine_call_sync (f->ts.engine, sync_count_func, NULL, NULL);
  return *n;
}

/* Uploads arriving together share one sync of the WAL (group commit): every
 * one is answered as accepted, and stored, with fewer syncs than uploads.
 * An answer sent before its sync is a critical message, fatal here. */
static void
test_group_commit (Fx *f, gconstpointer data)
{
  JsonArray *students;
  Burst b = { 0 };
  gint64 syncs;
  int n = 0;

  push_ok (f);
  students = json_object_get_array_member (json_node_get_object (f->session), "HocVien");
  syncs = sync_count (f);
  for (guint i = 0; i < json_array_get_length (students); i++)
    {
      JsonArray *contents = json_object_get_array_member (json_array_get_object_element (students, i),
                                                          "NoiDungSatHach");
      for (guint k = 0; k < json_array_get_length (contents); k++)
        {
          const char *content = json_array_get_string_element (contents, k);
          const char *token = g_str_equal (content, "SA_HINH") ? f->sh
                              : g_str_equal (content, "DUONG_TRUONG") ? f->dt : f->lt;
          g_autofree char *tx = g_strdup_printf ("GC-%u-%u", i, k);
          g_autofree char *url = g_strconcat (f->ts.base, "/attendance", NULL);
          g_autofree char *auth = g_strdup_printf ("Bearer %s", token);
          g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
          JsonArray *a = json_array_new ();
          g_autoptr(JsonNode) batch = NULL;
          g_autofree char *text = NULL;
          g_autoptr(GBytes) body = NULL;

          json_array_add_object_element (a, attendance (f, i, content, tx, "CO_MAT"));
          batch = ts_batch (a);
          text = json_to_string (batch, FALSE);
          body = g_bytes_new (text, strlen (text));
          soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
          soup_message_set_request_body_from_bytes (msg, "application/json", body);
          soup_session_send_and_read_async (f->ts.session, msg, G_PRIORITY_DEFAULT, NULL, burst_reply, &b);
          b.pending++;
          n++;
        }
    }
  g_assert_cmpint (n, >=, 20);
  while (b.pending > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (b.accepted, ==, n);
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM attendance"), ==, n);
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM outbox WHERE kind = 'DIEM_DANH'"), ==, n);
  syncs = sync_count (f) - syncs;
  g_test_message ("%d uploads, %" G_GINT64_FORMAT " WAL syncs", n, syncs);
  g_assert_cmpint (syncs, <, n);
}

static void
test_correction (Fx *f, gconstpointer data)
{
  const char *seq2 = "SELECT outbox_id FROM process_record WHERE source_code = 'DT-C-2'";
  g_autofree char *reject = NULL;
  g_autofree char *original_payload = NULL;
  guint i;

  push_ok (f);
  i = ts_candidate_with (f->session, "DUONG_TRUONG", 0);
  g_assert_cmpint (upload_code (f, "/attendance", f->dt, attendance (f, i, "DUONG_TRUONG", "DT-C-DD", "CO_MAT")), ==, 1);
  g_assert_cmpint (upload_code (f, "/process", f->dt, process (f, i, "DUONG_TRUONG", "DT-C-1", 1, 1, "BAT_DAU", 100)), ==, 1);
  g_assert_cmpint (upload_code (f, "/process", f->dt, process (f, i, "DUONG_TRUONG", "DT-C-2", 1, 2, "DANG_THI", 95)), ==, 1);
  g_assert_cmpint (upload_code (f, "/process", f->dt, process (f, i, "DUONG_TRUONG", "DT-C-3", 1, 3, "KET_THUC", 90)), ==, 1);

  /* Not rejected: the same sequence of an ended attempt is refused, as before. */
  g_assert_cmpint (upload_code (f, "/process", f->dt, process (f, i, "DUONG_TRUONG", "DT-C-2a", 1, 2, "DANG_THI", 95)), ==, -4);

  /* C08 answers -4 for it. */
  reject = g_strdup_printf ("UPDATE outbox SET state = 'ERROR', last_code = -4 WHERE id = (%s)", seq2);
  exec_sql (f, reject);
  original_payload = g_strdup_printf ("SELECT count(*) FROM outbox WHERE id = (%s) AND state = 'ERROR' "
                                      "AND last_code = -4 AND kind = 'QUA_TRINH'", seq2);
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM outbox WHERE kind = 'QUA_TRINH'"), ==, 3);

  /* The correction: accepted, its own outbox record, linked to the original. */
  g_assert_cmpint (upload_code (f, "/process", f->dt, process (f, i, "DUONG_TRUONG", "DT-C-2b", 1, 2, "DANG_THI", 94)), ==, 1);
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM outbox WHERE kind = 'QUA_TRINH'"), ==, 4);
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM outbox WHERE kind = 'QUA_TRINH' AND state = 'PENDING'"), ==, 3);
  {
    g_autofree char *linked = g_strdup_printf (
        "SELECT count(*) FROM record_correction WHERE source_code = 'DT-C-2b' AND original_id = (%s) "
        "AND outbox_id > original_id", seq2);
    g_assert_cmpint (ts_count (&f->ts, linked), ==, 1);
  }
  g_assert_cmpint (ts_count (&f->ts, original_payload), ==, 1);
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM process_record WHERE seq = 2"), ==, 1);
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM process_record WHERE source_code = 'DT-C-2' AND score = 95"), ==, 1);
  {
    g_autofree char *history = g_strdup_printf (
        "SELECT count(*) FROM outbox_event WHERE outbox_id = (%s) AND message LIKE '%%DT-C-2b%%'", seq2);
    g_assert_cmpint (ts_count (&f->ts, history), ==, 1);
  }

  /* The correction's own code again: a duplicate. A second correction while
   * the first stands: refused like any record of the ended attempt. */
  g_assert_cmpint (upload_code (f, "/process", f->dt, process (f, i, "DUONG_TRUONG", "DT-C-2b", 1, 2, "DANG_THI", 94)), ==, -5);
  g_assert_cmpint (upload_code (f, "/process", f->dt, process (f, i, "DUONG_TRUONG", "DT-C-2c", 1, 2, "DANG_THI", 93)), ==, -4);

  /* The correction rejected in turn: another one is accepted. */
  exec_sql (f, "UPDATE outbox SET state = 'ERROR', last_code = -6 WHERE id = "
               "(SELECT outbox_id FROM record_correction WHERE source_code = 'DT-C-2b')");
  g_assert_cmpint (upload_code (f, "/process", f->dt, process (f, i, "DUONG_TRUONG", "DT-C-2d", 1, 2, "DANG_THI", 93)), ==, 1);
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM record_correction"), ==, 2);
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM outbox WHERE kind = 'QUA_TRINH'"), ==, 5);
}

/* The same for an attendance C08 rejected: the program's corrected
 * attendance is accepted once, even after the test started. */
static void
test_attendance_correction (Fx *f, gconstpointer data)
{
  guint i;

  push_ok (f);
  i = ts_candidate_with (f->session, "SA_HINH", 0);
  g_assert_cmpint (upload_code (f, "/attendance", f->sh, attendance (f, i, "SA_HINH", "SH-A-1", "CO_MAT")), ==, 1);
  g_assert_cmpint (upload_code (f, "/process", f->sh, process (f, i, "SA_HINH", "SH-A-P1", 1, 1, "BAT_DAU", 100)), ==, 1);
  /* Not rejected: attending again once the test started is refused. */
  g_assert_cmpint (upload_code (f, "/attendance", f->sh, attendance (f, i, "SA_HINH", "SH-A-2", "CO_MAT")), ==, -4);

  exec_sql (f, "UPDATE outbox SET state = 'ERROR', last_code = -6 WHERE id = "
               "(SELECT outbox_id FROM attendance WHERE source_code = 'SH-A-1')");
  g_assert_cmpint (upload_code (f, "/attendance", f->sh, attendance (f, i, "SA_HINH", "SH-A-3", "CO_MAT")), ==, 1);
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM record_correction WHERE kind = 'DIEM_DANH' "
                                     "AND source_code = 'SH-A-3' AND original_id = "
                                     "(SELECT outbox_id FROM attendance WHERE source_code = 'SH-A-1')"), ==, 1);
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM outbox WHERE kind = 'DIEM_DANH'"), ==, 2);
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM attendance"), ==, 1);
  /* Its own code again: -5; another while it stands: refused as before. */
  g_assert_cmpint (upload_code (f, "/attendance", f->sh, attendance (f, i, "SA_HINH", "SH-A-3", "CO_MAT")), ==, -5);
  g_assert_cmpint (upload_code (f, "/attendance", f->sh, attendance (f, i, "SA_HINH", "SH-A-4", "CO_MAT")), ==, -4);
}

/* A result whose closing record C08 rejected: the program sends the result
 * again, corrected, and it goes to C08 as the attempt's closing record. */
static void
test_result_correction (Fx *f, gconstpointer data)
{
  guint i;

  push_ok (f);
  i = ts_candidate_with (f->session, "SA_HINH", 0);
  g_assert_cmpint (upload_code (f, "/attendance", f->sh, attendance (f, i, "SA_HINH", "SH-R-DD", "CO_MAT")), ==, 1);
  g_assert_cmpint (upload_code (f, "/process", f->sh, process (f, i, "SA_HINH", "SH-R-P1", 1, 1, "BAT_DAU", 100)), ==, 1);
  g_assert_cmpint (upload_code (f, "/results", f->sh, result (f, i, "SA_HINH", "SH-R-1", 1, 90)), ==, 1);
  g_assert_cmpint (upload_code (f, "/results", f->sh, result (f, i, "SA_HINH", "SH-R-2", 1, 90)), ==, -5);

  exec_sql (f, "UPDATE outbox SET state = 'ERROR', last_code = -4 WHERE id = "
               "(SELECT outbox_id FROM result WHERE source_code = 'SH-R-1')");
  g_assert_cmpint (upload_code (f, "/results", f->sh, result (f, i, "SA_HINH", "SH-R-3", 1, 88)), ==, 1);
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM record_correction WHERE kind = 'QUA_TRINH' "
                                     "AND source_code = 'SH-R-3' AND original_id = "
                                     "(SELECT outbox_id FROM result WHERE source_code = 'SH-R-1')"), ==, 1);
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM outbox WHERE kind = 'QUA_TRINH'"), ==, 3);
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM result"), ==, 1);
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM result WHERE source_code = 'SH-R-1' AND score = 90"), ==, 1);
  /* Its own code again, or another while it stands: duplicates. */
  g_assert_cmpint (upload_code (f, "/results", f->sh, result (f, i, "SA_HINH", "SH-R-3", 1, 88)), ==, -5);
  g_assert_cmpint (upload_code (f, "/results", f->sh, result (f, i, "SA_HINH", "SH-R-4", 1, 88)), ==, -5);
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM outbox WHERE kind = 'QUA_TRINH'"), ==, 3);
}

static void
test_close_session (Fx *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  guint i;

  push_ok (f);
  i = ts_candidate_with (f->session, "SA_HINH", 0);
  g_assert_cmpint (upload_code (f, "/attendance", f->sh, attendance (f, i, "SA_HINH", "SH-DD-1", "CO_MAT")), ==, 1);
  g_assert_cmpint (upload_code (f, "/process", f->sh, process (f, i, "SA_HINH", "SH-P-1", 1, 1, "BAT_DAU", 100)), ==, 1);
  /* A test in progress blocks closing. */
  g_assert_null (ttsh_engine_call_sync (f->ts.engine, close_func, (gpointer) SESSION, &error));
  g_assert_error (error, TTSH_INGEST_ERROR, TTSH_INGEST_ERROR_STATE);
  g_clear_error (&error);
  g_assert_cmpint (upload_code (f, "/process", f->sh, process (f, i, "SA_HINH", "SH-P-2", 1, 2, "KET_THUC", 91)), ==, 1);
  g_assert_nonnull (ttsh_engine_call_sync (f->ts.engine, close_func, (gpointer) SESSION, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM outbox WHERE kind = 'TONG_HOP'"), ==, 12);
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM exam_session WHERE state = 'CLOSED'"), ==, 1);
  g_assert_cmpint (ts_count (&f->ts, "SELECT count(*) FROM journal WHERE action = 'SESSION_CLOSED'"), ==, 1);
  /* Closed: no more uploads, no second close, no roster change. */
  g_assert_cmpint (upload_code (f, "/attendance", f->lt, attendance (f, 0, "LY_THUYET", "LT-DD-1", "CO_MAT")), ==, -4);
  g_assert_null (ttsh_engine_call_sync (f->ts.engine, close_func, (gpointer) SESSION, &error));
  g_assert_error (error, TTSH_INGEST_ERROR, TTSH_INGEST_ERROR_STATE);
  g_clear_error (&error);
  g_assert_null (ttsh_engine_call_sync (f->ts.engine, close_func, (gpointer) "K-NONE", &error));
  g_assert_error (error, TTSH_INGEST_ERROR, TTSH_INGEST_ERROR_NOT_FOUND);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add ("/server-ingest/" path, Fx, NULL, fx_setup, fn, fx_teardown)
  ADD ("session-push", test_session_push);
  ADD ("roster", test_roster);
  ADD ("replace-roster", test_replace_roster);
  ADD ("attendance", test_attendance);
  ADD ("batch-limits", test_batch_limits);
  ADD ("process-and-results", test_process_and_results);
  ADD ("process-repeats-state", test_process_repeats_state);
  ADD ("group-commit", test_group_commit);
  ADD ("correction", test_correction);
  ADD ("attendance-correction", test_attendance_correction);
  ADD ("result-correction", test_result_correction);
  ADD ("close-session", test_close_session);
  return g_test_run ();
}
