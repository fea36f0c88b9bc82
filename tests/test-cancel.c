/* test-cancel.c — an examiner's cancellation becomes one HUY_KET_QUA in the
 * outbox, a cancellation row, a CANCELLED content and a journal entry; every
 * refusal (role, duplicate, short reason, unknown reason/attempt) writes
 * nothing but the refusal's own journal entry. */
#include "config.h"

#include "ttsh-cancel.h"
#include "ttsh-journal.h"
#include "test-errors-util.h"

typedef struct {
  char      *dir;
  TtshStore *store;
  gint64     examiner;
  gint64     supervisor;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  f->store = ttsh_test_store_open (&f->dir);
  test_add_session (f->store, 3);
  f->examiner = test_add_operator (f->store, "shv1", "Trần Thị Sát Hạch", "SAT_HACH_VIEN");
  f->supervisor = test_add_operator (f->store, "gs1", "Lê Văn Giám Sát", "GIAM_SAT");
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ttsh_journal_verify (f->store, NULL, NULL, &error));
  g_assert_no_error (error);
  ttsh_test_store_close (&f->store, &f->dir);
}

static TtshCancelRequest
request (Fixture *f)
{
  TtshCancelRequest req = {
    .candidate_id = 2,
    .content = TTSH_CONTENT_SA_HINH,
    .attempt = 1,
    .reason_code = "VI_PHAM_QUY_CHE",
    .reason_text = "  Thí sinh sử dụng điện thoại trong khi thi  ",
    .operator_id = f->examiner,
  };
  return req;
}

static gint64
count (Fixture *f, const char *sql)
{
  return test_scalar (f->store, sql);
}

static void
test_cancel (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *code = NULL;
  g_autofree char *stored_code = NULL;
  TtshCancelRequest req = request (f);
  JsonObject *rec, *by;
  gint64 id;

  id = ttsh_cancel_result (f->store, TEST_CENTRE, &req, &code, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  g_assert_nonnull (code);

  stored_code = test_text (f->store, "SELECT transaction_code FROM outbox WHERE kind = 'HUY_KET_QUA'");
  g_assert_cmpstr (stored_code, ==, code);
  g_assert_cmpint (count (f, "SELECT count(*) FROM outbox"), ==, 1);
  g_assert_cmpint (count (f, "SELECT stream = 'KSH-2026-11-23-01/DK000002/SA_HINH' AND candidate_id = 2 "
                             "FROM outbox"), ==, 1);

  bytes = ttsh_outbox_read_payload (f->store, id, &error);
  g_assert_no_error (error);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL),
                                             (gssize) g_bytes_get_size (bytes), &error));
  rec = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (rec, TTSH_W_TRANSACTION_CODE), ==, code);
  g_assert_cmpstr (json_object_get_string_member (rec, TTSH_W_MA_DANG_KY), ==, "DK000002");
  g_assert_cmpstr (json_object_get_string_member (rec, TTSH_W_HO_TEN), ==, "Nguyễn Văn Thí Sinh 2");
  g_assert_cmpstr (json_object_get_string_member (rec, TTSH_W_SO_CCCD), ==, TEST_CID);
  g_assert_cmpstr (json_object_get_string_member (rec, TTSH_W_NGAY_SINH), ==, TEST_DOB);
  g_assert_cmpstr (json_object_get_string_member (rec, TTSH_W_SO_BAO_DANH), ==, "002");
  g_assert_cmpstr (json_object_get_string_member (rec, TTSH_W_HANG_SAT_HACH), ==, "B");
  g_assert_cmpstr (json_object_get_string_member (rec, TTSH_W_MA_KY_SAT_HACH), ==, TEST_SESSION);
  g_assert_cmpstr (json_object_get_string_member (rec, TTSH_W_NOI_DUNG_SAT_HACH), ==, "SA_HINH");
  g_assert_cmpint (json_object_get_int_member (rec, TTSH_W_LAN_SAT_HACH), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (rec, TTSH_W_MA_LY_DO_HUY), ==, "VI_PHAM_QUY_CHE");
  g_assert_cmpstr (json_object_get_string_member (rec, TTSH_W_LY_DO_HUY), ==,
                   "Thí sinh sử dụng điện thoại trong khi thi");
  by = json_object_get_object_member (rec, TTSH_W_NGUOI_HUY);
  g_assert_cmpstr (json_object_get_string_member (by, TTSH_W_HO_TEN), ==, "Trần Thị Sát Hạch");
  g_assert_nonnull (json_object_get_string_member (by, TTSH_W_CHUC_VU));
  g_assert_true (g_str_has_suffix (json_object_get_string_member (rec, TTSH_W_THOI_GIAN_HUY), "+07:00"));

  g_assert_cmpint (count (f, "SELECT count(*) FROM cancellation WHERE candidate_id = 2 AND content = 'SA_HINH' "
                             "AND attempt = 1 AND reason_code = 'VI_PHAM_QUY_CHE' AND outbox_id = 1 "
                             "AND by_name = 'Trần Thị Sát Hạch'"), ==, 1);
  g_assert_cmpint (count (f, "SELECT count(*) FROM candidate_content WHERE candidate_id = 2 "
                             "AND content = 'SA_HINH' AND state = 'CANCELLED'"), ==, 1);
  /* the result itself is not altered, and other contents keep their state */
  g_assert_cmpint (count (f, "SELECT count(*) FROM candidate_content WHERE state = 'CANCELLED'"), ==, 1);
  g_assert_cmpint (count (f, "SELECT count(*) FROM journal WHERE action = 'RESULT_CANCELLED' AND actor = 'shv1' "
                             "AND detail LIKE '%điện thoại%'"), ==, 1);
}

static void
test_duplicate (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  TtshCancelRequest req = request (f);
  g_autoptr(GArray) open = NULL;

  open = ttsh_cancel_open_attempts (f->store, 2, TTSH_CONTENT_SA_HINH, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (open->len, ==, 1);
  g_clear_pointer (&open, g_array_unref);

  g_assert_cmpint (ttsh_cancel_result (f->store, TEST_CENTRE, &req, NULL, &error), >, 0);
  g_assert_no_error (error);
  g_assert_cmpint (ttsh_cancel_result (f->store, TEST_CENTRE, &req, NULL, &error), ==, 0);
  g_assert_error (error, TTSH_CANCEL_ERROR, TTSH_CANCEL_ERROR_DUPLICATE);
  g_assert_cmpint (count (f, "SELECT count(*) FROM outbox"), ==, 1);
  g_assert_cmpint (count (f, "SELECT count(*) FROM cancellation"), ==, 1);
  g_assert_cmpint (count (f, "SELECT count(*) FROM journal WHERE action = 'RESULT_CANCELLED'"), ==, 1);
  g_clear_error (&error);

  open = ttsh_cancel_open_attempts (f->store, 2, TTSH_CONTENT_SA_HINH, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (open->len, ==, 0);
}

static void
test_supervisor_refused (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  TtshCancelRequest req = request (f);

  req.operator_id = f->supervisor;
  g_assert_cmpint (ttsh_cancel_result (f->store, TEST_CENTRE, &req, NULL, &error), ==, 0);
  g_assert_error (error, TTSH_CANCEL_ERROR, TTSH_CANCEL_ERROR_REFUSED);
  g_assert_cmpint (count (f, "SELECT count(*) FROM outbox"), ==, 0);
  g_assert_cmpint (count (f, "SELECT count(*) FROM cancellation"), ==, 0);
  g_assert_cmpint (count (f, "SELECT count(*) FROM candidate_content WHERE state = 'CANCELLED'"), ==, 0);
  g_assert_cmpint (count (f, "SELECT count(*) FROM journal WHERE action = 'ACTION_REFUSED' AND actor = 'gs1'"), ==, 1);
  g_clear_error (&error);

  req.operator_id = 999;
  g_assert_cmpint (ttsh_cancel_result (f->store, TEST_CENTRE, &req, NULL, &error), ==, 0);
  g_assert_error (error, TTSH_CANCEL_ERROR, TTSH_CANCEL_ERROR_NOT_FOUND);
}

static void
test_invalid (Fixture *f, gconstpointer data)
{
  struct {
    const char *reason_code;
    const char *reason_text;
    const char *content;
    int         attempt;
    gint64      candidate;
    int         error_code;
  } cases[] = {
    { "VI_PHAM_QUY_CHE", "ngắn quá", "SA_HINH", 1, 2, TTSH_CANCEL_ERROR_INVALID },
    /* 9 characters but 14 bytes: counted in characters */
    { "VI_PHAM_QUY_CHE", "Ứng viên ", "SA_HINH", 1, 2, TTSH_CANCEL_ERROR_INVALID },
    { "VI_PHAM_QUY_CHE", "          a          ", "SA_HINH", 1, 2, TTSH_CANCEL_ERROR_INVALID },
    { "KHONG_CO", "Lý do đủ dài để hủy", "SA_HINH", 1, 2, TTSH_CANCEL_ERROR_INVALID },
    { NULL, "Lý do đủ dài để hủy", "SA_HINH", 1, 2, TTSH_CANCEL_ERROR_INVALID },
    { "KHAC", "Lý do đủ dài để hủy", "BOI_LOI", 1, 2, TTSH_CANCEL_ERROR_INVALID },
    { "KHAC", "Lý do đủ dài để hủy", "SA_HINH", 2, 2, TTSH_CANCEL_ERROR_INVALID },
    { "KHAC", "Lý do đủ dài để hủy", "SA_HINH", 0, 2, TTSH_CANCEL_ERROR_INVALID },
    { "KHAC", "Lý do đủ dài để hủy", "DUONG_TRUONG", 1, 2, TTSH_CANCEL_ERROR_INVALID },
    { "KHAC", "Lý do đủ dài để hủy", "LY_THUYET", 1, 2, TTSH_CANCEL_ERROR_NOT_FOUND },
    { "KHAC", "Lý do đủ dài để hủy", "SA_HINH", 1, 99, TTSH_CANCEL_ERROR_NOT_FOUND },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      TtshCancelRequest req = request (f);

      req.reason_code = cases[i].reason_code;
      req.reason_text = cases[i].reason_text;
      req.content = cases[i].content;
      req.attempt = cases[i].attempt;
      req.candidate_id = cases[i].candidate;
      g_test_message ("case %u", i);
      g_assert_cmpint (ttsh_cancel_result (f->store, TEST_CENTRE, &req, NULL, &error), ==, 0);
      g_assert_error (error, TTSH_CANCEL_ERROR, cases[i].error_code);
    }
  g_assert_cmpint (count (f, "SELECT count(*) FROM outbox"), ==, 0);
  g_assert_cmpint (count (f, "SELECT count(*) FROM cancellation"), ==, 0);

  /* exactly ten characters is enough */
  {
    g_autoptr(GError) error = NULL;
    TtshCancelRequest req = request (f);
    req.reason_text = "Gian lận!!";
    g_assert_cmpint (g_utf8_strlen (req.reason_text, -1), ==, 10);
    g_assert_true (ttsh_cancel_validate (f->store, &req, &error));
    g_assert_no_error (error);
  }
}

static void
test_target (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshCancelTarget) t = ttsh_cancel_target_load (f->store, 0, 1, "003", &error);
  g_autoptr(TtshCancelTarget) none = NULL;
  TtshCancelContent *c;

  g_assert_no_error (error);
  g_assert_cmpint (t->candidate_id, ==, 3);
  g_assert_cmpstr (t->full_name, ==, "Nguyễn Văn Thí Sinh 3");
  g_assert_cmpstr (t->session_code, ==, TEST_SESSION);
  g_assert_cmpuint (t->contents->len, ==, 2);
  c = g_ptr_array_index (t->contents, 0);
  g_assert_cmpstr (c->content, ==, "SA_HINH");
  g_assert_cmpuint (c->open_attempts->len, ==, 1);
  g_assert_cmpint (g_array_index (c->open_attempts, int, 0), ==, 1);
  c = g_ptr_array_index (t->contents, 1);
  g_assert_cmpuint (c->open_attempts->len, ==, 0);

  g_clear_pointer (&t, ttsh_cancel_target_free);
  t = ttsh_cancel_target_load (f->store, 2, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (t->candidate_no, ==, "002");

  none = ttsh_cancel_target_load (f->store, 0, 1, "999", &error);
  g_assert_null (none);
  g_assert_error (error, TTSH_CANCEL_ERROR, TTSH_CANCEL_ERROR_NOT_FOUND);
}

static void
test_reasons (void)
{
  guint n = 0;
  const TtshCancelReason *reasons = ttsh_cancel_reasons (&n);

  g_assert_cmpuint (n, >=, 3);
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (ttsh_cancel_reason_label (reasons[i].code), !=, NULL);
  g_assert_null (ttsh_cancel_reason_label ("NOPE"));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, setup, fn, teardown)
  ADD ("/cancel/result", test_cancel);
  ADD ("/cancel/duplicate", test_duplicate);
  ADD ("/cancel/supervisor-refused", test_supervisor_refused);
  ADD ("/cancel/invalid", test_invalid);
  ADD ("/cancel/target", test_target);
  g_test_add_func ("/cancel/reasons", test_reasons);
  return g_test_run ();
}
