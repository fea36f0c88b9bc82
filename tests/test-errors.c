/* test-errors.c — the error queue lists what it must, resends keep the
 * TransactionCode and payload, refusals explain themselves, corrections are
 * linked, handling is journaled, and exports carry the list. */
#include "config.h"

#include "ttsh-alarm.h"
#include "ttsh-errors.h"
#include "ttsh-export.h"
#include "ttsh-journal.h"
#include "ttsh-status.h"
#include "test-errors-util.h"

typedef struct {
  char      *dir;
  TtshStore *store;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  f->store = ttsh_test_store_open (&f->dir);
  test_add_session (f->store, 5);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  /* Whatever a test did, the audit chain must still verify. */
  g_assert_true (ttsh_journal_verify (f->store, NULL, NULL, &error));
  g_assert_no_error (error);
  ttsh_test_store_close (&f->store, &f->dir);
}

static TtshErrorRecord *
find (GPtrArray *list, gint64 id)
{
  for (guint i = 0; i < list->len; i++)
    {
      TtshErrorRecord *r = g_ptr_array_index (list, i);
      if (r->id == id)
        return r;
    }
  return NULL;
}

static GBytes *
payload (Fixture *f, gint64 id)
{
  g_autoptr(GError) error = NULL;
  GBytes *b = ttsh_outbox_read_payload (f->store, id, &error);
  g_assert_no_error (error);
  return b;
}

static gint64
journal_count (Fixture *f, const char *action)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM journal WHERE action = '%s'", action);
  return test_scalar (f->store, sql);
}

static void
test_list (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  gint64 rejected = test_enqueue (f->store, 1, 1, 1, NULL);
  gint64 retries = test_enqueue (f->store, 2, 1, 1, NULL);
  gint64 held = test_enqueue (f->store, 3, 1, 1, NULL);
  gint64 pending = test_enqueue (f->store, 4, 1, 1, NULL);
  gint64 accepted = test_enqueue (f->store, 5, 1, 1, NULL);
  gint64 handled = test_enqueue (f->store, 1, 1, 2, NULL);
  gint64 transport = test_enqueue (f->store, 2, 1, 2, NULL);
  TtshErrorRecord *r;

  test_set_state (f->store, rejected, "ERROR", TTSH_CODE_INVALID_DATA, 1);
  test_set_state (f->store, retries, "ERROR", TTSH_CODE_INTERNAL, 12);
  test_set_state (f->store, held, "PENDING", TTSH_CODE_ACCOUNT_LOCKED, 1);
  test_set_state (f->store, accepted, "ACCEPTED", TTSH_CODE_OK, 1);
  test_set_state (f->store, handled, "ERROR", TTSH_CODE_NOT_FOUND, 1);
  test_set_state (f->store, transport, "ERROR", G_MININT, 12);
  test_exec (f->store, "UPDATE outbox SET handled_at = 1 WHERE id = 6");
  g_assert_cmpint (handled, ==, 6);

  list = ttsh_errors_list (f->store, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 4);
  g_assert_null (find (list, pending));
  g_assert_null (find (list, accepted));
  g_assert_null (find (list, handled));

  r = find (list, rejected);
  g_assert_nonnull (r);
  g_assert_cmpint (r->code, ==, -4);
  g_assert_cmpint (r->cause, ==, TTSH_ERROR_CAUSE_REJECTED);
  g_assert_cmpstr (r->kind, ==, TTSH_KIND_QUA_TRINH);
  g_assert_cmpstr (r->content, ==, TTSH_CONTENT_SA_HINH);
  g_assert_cmpstr (r->candidate_name, ==, "Nguyễn Văn Thí Sinh 1");
  g_assert_cmpstr (r->candidate_no, ==, "001");
  g_assert_cmpstr (r->session_code, ==, TEST_SESSION);
  g_assert_true (g_str_has_prefix (r->transaction_code, TEST_CENTRE "-"));
  g_assert_cmpint (r->first_error_at, <, r->last_error_at);

  r = find (list, retries);
  g_assert_cmpint (r->cause, ==, TTSH_ERROR_CAUSE_RETRIES);
  g_assert_cmpint (r->attempts, ==, 12);
  r = find (list, held);
  g_assert_cmpint (r->cause, ==, TTSH_ERROR_CAUSE_STOPPED);
  g_assert_cmpstr (r->state, ==, "PENDING");
  r = find (list, transport);
  g_assert_cmpint (r->code, ==, TTSH_ERRORS_NO_CODE);

  g_clear_pointer (&list, g_ptr_array_unref);
  list = ttsh_errors_list (f->store, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 5);
  g_assert_cmpint (ttsh_errors_count_open (f->store, NULL), ==, 3);
}

static void
test_resend (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshErrorsReport) report = NULL;
  g_autofree char *code = NULL;
  g_autofree char *after_code = NULL;
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;
  g_autoptr(GPtrArray) history = NULL;
  gint64 id = test_enqueue (f->store, 1, 1, 1, &code);
  TtshErrorEvent *last;

  test_set_state (f->store, id, "ERROR", TTSH_CODE_INTERNAL, 12);
  before = payload (f, id);

  /* operator and note are required */
  report = ttsh_errors_resend (f->store, &id, 1, "", "note", &error);
  g_assert_error (error, TTSH_ERRORS_ERROR, TTSH_ERRORS_ERROR_INVALID);
  g_assert_null (report);
  g_clear_error (&error);
  report = ttsh_errors_resend (f->store, &id, 1, "giamsat1", "   ", &error);
  g_assert_error (error, TTSH_ERRORS_ERROR, TTSH_ERRORS_ERROR_INVALID);
  g_clear_error (&error);

  report = ttsh_errors_resend (f->store, &id, 1, "giamsat1", "C08 báo đã khắc phục sự cố", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_done, ==, 1);
  g_assert_cmpuint (report->refused->len, ==, 0);

  g_assert_cmpint (test_scalar (f->store, "SELECT state = 'PENDING' AND attempts = 0 AND "
                                "next_attempt_at <= CAST(strftime('%s','now') AS INTEGER) * 1000 + 1000 "
                                "FROM outbox WHERE id = 1"), ==, 1);
  after_code = test_text (f->store, "SELECT transaction_code FROM outbox WHERE id = 1");
  g_assert_cmpstr (after_code, ==, code);
  after = payload (f, id);
  g_assert_true (g_bytes_equal (before, after));

  history = ttsh_errors_history (f->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (history->len, ==, 3);   /* enqueued, error, resend */
  last = g_ptr_array_index (history, 2);
  g_assert_cmpstr (last->from_state, ==, "ERROR");
  g_assert_cmpstr (last->to_state, ==, "PENDING");
  g_assert_cmpstr (last->operator_name, ==, "giamsat1");
  g_assert_nonnull (strstr (last->message, "C08 báo đã khắc phục sự cố"));

  g_assert_cmpint (journal_count (f, TTSH_JOURNAL_RECORD_RESENT), ==, 1);
  {
    g_autofree char *sql = g_strdup_printf (
        "SELECT count(*) FROM journal WHERE action = 'RECORD_RESENT' AND actor = 'giamsat1' "
        "AND subject = '%s' AND detail LIKE '%%khắc phục%%' AND detail LIKE '%%\"attempts\":12%%'", code);
    g_assert_cmpint (test_scalar (f->store, sql), ==, 1);
  }

  /* Resending again: it is no longer in the queue. */
  g_clear_pointer (&report, ttsh_errors_report_free);
  report = ttsh_errors_resend (f->store, &id, 1, "giamsat1", "lần nữa", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_done, ==, 0);
  g_assert_cmpuint (report->refused->len, ==, 1);
  g_assert_cmpint (journal_count (f, TTSH_JOURNAL_RECORD_RESENT), ==, 1);
}

static void
test_refused_needs_correction (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshErrorsReport) report = NULL;
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;
  gint64 ids[3];
  TtshErrorRefusal *refusal;

  ids[0] = test_enqueue (f->store, 1, 1, 1, NULL);
  ids[1] = test_enqueue (f->store, 2, 1, 1, NULL);
  ids[2] = test_enqueue (f->store, 3, 1, 1, NULL);
  test_set_state (f->store, ids[0], "ERROR", TTSH_CODE_INVALID_DATA, 1);
  test_set_state (f->store, ids[1], "ERROR", TTSH_CODE_NOT_FOUND, 1);
  test_set_state (f->store, ids[2], "ERROR", TTSH_CODE_GENERAL, 12);
  /* A later record of the same stream with another sequence is not a correction. */
  test_enqueue (f->store, 1, 1, 2, NULL);
  before = payload (f, ids[0]);

  report = ttsh_errors_resend (f->store, ids, 3, "giamsat1", "gửi lại tất cả", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_done, ==, 1);
  g_assert_cmpuint (report->n_linked, ==, 0);
  g_assert_cmpuint (report->refused->len, ==, 2);
  refusal = g_ptr_array_index (report->refused, 0);
  g_assert_cmpint (refusal->id, ==, ids[0]);
  g_assert_nonnull (strstr (refusal->reason, "-4"));
  refusal = g_ptr_array_index (report->refused, 1);
  g_assert_cmpint (refusal->id, ==, ids[1]);

  g_assert_cmpint (test_scalar (f->store, "SELECT count(*) FROM outbox WHERE state = 'ERROR'"), ==, 2);
  after = payload (f, ids[0]);
  g_assert_true (g_bytes_equal (before, after));
  g_assert_cmpint (journal_count (f, TTSH_JOURNAL_RECORD_RESENT), ==, 1);
}

static void
test_correction_linked (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshErrorsReport) report = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autofree char *reason = NULL;
  gint64 original = test_enqueue (f->store, 1, 1, 3, NULL);
  gint64 correction, found = -1;

  test_set_state (f->store, original, "ERROR", TTSH_CODE_INVALID_DATA, 1);
  reason = ttsh_errors_resend_refusal (f->store, original, &found, &error);
  g_assert_no_error (error);
  g_assert_nonnull (reason);
  g_assert_cmpint (found, ==, 0);

  /* The exam program re-submits the same attempt and sequence, corrected. */
  correction = test_enqueue (f->store, 1, 1, 3, NULL);
  g_clear_pointer (&reason, g_free);
  reason = ttsh_errors_resend_refusal (f->store, original, &found, &error);
  g_assert_no_error (error);
  g_assert_null (reason);
  g_assert_cmpint (found, ==, correction);

  report = ttsh_errors_resend (f->store, &original, 1, "quanly1", "đã nhận bản sửa", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_done, ==, 0);
  g_assert_cmpuint (report->n_linked, ==, 1);

  /* The original stays in ERROR, untouched, handled and linked. */
  g_assert_cmpint (test_scalar (f->store, "SELECT state = 'ERROR' AND handled_at > 0 FROM outbox WHERE id = 1"), ==, 1);
  g_assert_cmpint (test_scalar (f->store, "SELECT corrected_by FROM outbox_correction WHERE outbox_id = 1"), ==, correction);
  g_assert_cmpint (journal_count (f, TTSH_JOURNAL_RECORD_HANDLED), ==, 1);

  list = ttsh_errors_list (f->store, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (find (list, original)->corrected_by, ==, correction);
}

static void
test_refused_while_stopped (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshErrorsReport) report = NULL;
  gint64 id = test_enqueue (f->store, 1, 1, 1, NULL);
  TtshErrorRefusal *refusal;

  test_set_state (f->store, id, "ERROR", TTSH_CODE_INTERNAL, 12);
  g_assert_true (ttsh_store_meta_set (f->store, TTSH_META_C08_STOPPED, "-7", &error));
  report = ttsh_errors_resend (f->store, &id, 1, "giamsat1", "thử gửi", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_done, ==, 0);
  refusal = g_ptr_array_index (report->refused, 0);
  g_assert_nonnull (strstr (refusal->reason, "-7"));
  g_assert_nonnull (strstr (refusal->reason, ttsh_code_action (-7)));
  g_clear_pointer (&report, ttsh_errors_report_free);

  g_assert_true (ttsh_store_meta_set (f->store, TTSH_META_C08_STOPPED, "", &error));
  report = ttsh_errors_resend (f->store, &id, 1, "giamsat1", "thử gửi", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_done, ==, 1);
}

static void
test_held_by_stop (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(TtshErrorsReport) report = NULL;
  gint64 waiting = test_enqueue (f->store, 1, 1, 1, NULL);
  gint64 failed = test_enqueue (f->store, 2, 1, 1, NULL);
  TtshErrorRecord *r;

  test_set_state (f->store, failed, "ERROR", TTSH_CODE_INTERNAL, 12);
  list = ttsh_errors_list (f->store, FALSE, &error);
  g_assert_cmpuint (list->len, ==, 1);
  g_clear_pointer (&list, g_ptr_array_unref);

  /* The sender stops on -2: every unsent record is held, with that code. */
  g_assert_true (ttsh_store_meta_set (f->store, TTSH_META_C08_STOPPED, "-2", &error));
  list = ttsh_errors_list (f->store, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  r = find (list, waiting);
  g_assert_cmpint (r->code, ==, TTSH_CODE_ACCOUNT_LOCKED);
  g_assert_cmpint (r->cause, ==, TTSH_ERROR_CAUSE_STOPPED);
  g_assert_cmpint (find (list, failed)->code, ==, TTSH_CODE_INTERNAL);
  report = ttsh_errors_resend (f->store, &waiting, 1, "quanly1", "gửi", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->refused->len, ==, 1);
  g_assert_nonnull (strstr (((TtshErrorRefusal *) g_ptr_array_index (report->refused, 0))->reason, "-2"));
  g_clear_pointer (&list, g_ptr_array_unref);

  /* -10: while the clock alarm is open. */
  g_assert_true (ttsh_store_meta_set (f->store, TTSH_META_C08_STOPPED, "", &error));
  g_assert_cmpint (ttsh_alarm_raise (f->store, TTSH_ALARM_CLOCK_SKEW, TTSH_ALARM_CRITICAL, "", "lệch", NULL, &error), >, 0);
  list = ttsh_errors_list (f->store, FALSE, &error);
  g_assert_cmpint (find (list, waiting)->code, ==, TTSH_CODE_CLOCK_SKEW);
  g_clear_pointer (&list, g_ptr_array_unref);
  g_assert_true (ttsh_alarm_clear (f->store, TTSH_ALARM_CLOCK_SKEW, NULL, &error));
  list = ttsh_errors_list (f->store, FALSE, &error);
  g_assert_null (find (list, waiting));
}

static void
test_mark_handled (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshErrorsReport) report = NULL;
  gint64 id = test_enqueue (f->store, 1, 1, 1, NULL);
  gint64 pending = test_enqueue (f->store, 2, 1, 1, NULL);
  gint64 ids[2] = { id, pending };

  test_set_state (f->store, id, "ERROR", TTSH_CODE_INVALID_DATA, 1);
  report = ttsh_errors_mark_handled (f->store, ids, 2, "quanly1", "", &error);
  g_assert_error (error, TTSH_ERRORS_ERROR, TTSH_ERRORS_ERROR_INVALID);
  g_clear_error (&error);

  report = ttsh_errors_mark_handled (f->store, ids, 2, "quanly1", "Đã báo đơn vị sát hạch sửa dữ liệu", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_done, ==, 1);
  g_assert_cmpuint (report->refused->len, ==, 1);
  g_assert_cmpint (ttsh_errors_count_open (f->store, NULL), ==, 0);
  g_assert_cmpint (test_scalar (f->store, "SELECT count(*) FROM outbox_event WHERE outbox_id = 1 "
                                "AND operator = 'quanly1' AND message LIKE 'handled: Đã báo%'"), ==, 1);
  g_assert_cmpint (test_scalar (f->store, "SELECT count(*) FROM journal WHERE action = 'RECORD_HANDLED' "
                                "AND actor = 'quanly1' AND detail LIKE '%Đã báo đơn vị%'"), ==, 1);

  /* twice: refused, not journaled again */
  g_clear_pointer (&report, ttsh_errors_report_free);
  report = ttsh_errors_mark_handled (f->store, &id, 1, "quanly1", "lại", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_done, ==, 0);
  g_assert_cmpint (journal_count (f, TTSH_JOURNAL_RECORD_HANDLED), ==, 1);
}

static void
test_payload_masked (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  gint64 id = test_enqueue (f->store, 1, 1, 1, NULL);
  g_autofree char *masked = ttsh_errors_payload_text (f->store, id, FALSE, &error);
  g_autofree char *clear = NULL;

  g_assert_no_error (error);
  g_assert_null (strstr (masked, TEST_CID));
  g_assert_nonnull (strstr (masked, "0010******45"));
  g_assert_null (strstr (masked, TEST_DOB));
  g_assert_null (strstr (masked, "aGVsbG8gd29ybGQ="));
  g_assert_nonnull (strstr (masked, "11"));     /* decoded photo size */

  clear = ttsh_errors_payload_text (f->store, id, TRUE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (clear, TEST_CID));
  g_assert_nonnull (strstr (clear, "aGVsbG8gd29ybGQ="));

  g_assert_null (ttsh_errors_payload_text (f->store, 999, FALSE, &error));
  g_assert_nonnull (error);
}

static void
test_mask_cid (void)
{
  g_autofree char *a = ttsh_mask_citizen_id ("001099012389");
  g_autofree char *b = ttsh_mask_citizen_id ("123");
  g_assert_cmpstr (a, ==, "0010******89");
  g_assert_cmpstr (b, ==, "***");
  g_assert_null (ttsh_mask_citizen_id (NULL));
}

static void
test_export (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autofree char *csv = g_build_filename (f->dir, "loi.csv", NULL);
  g_autofree char *xlsx = g_build_filename (f->dir, "loi.XLSX", NULL);
  g_autofree char *text = NULL;
  g_autofree char *bin = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *code = NULL;
  gsize len = 0;
  gint64 a = test_enqueue (f->store, 1, 1, 1, &code);
  gint64 b = test_enqueue (f->store, 2, 1, 1, NULL);

  test_set_state (f->store, a, "ERROR", TTSH_CODE_INVALID_DATA, 1);
  test_set_state (f->store, b, "ERROR", G_MININT, 12);
  test_exec (f->store, "UPDATE outbox SET last_message = '=HYPERLINK(\"x\"), \"quoted\"' WHERE id = 2");
  list = ttsh_errors_list (f->store, FALSE, &error);
  g_assert_no_error (error);

  g_assert_cmpint (ttsh_export_format_for_path (csv), ==, TTSH_EXPORT_CSV);
  g_assert_cmpint (ttsh_export_format_for_path (xlsx), ==, TTSH_EXPORT_XLSX);
  g_assert_true (ttsh_export_errors (list, TTSH_EXPORT_CSV, csv, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (csv, &text, &len, &error));
  g_assert_true (g_str_has_prefix (text, "\xEF\xBB\xBF"));
  lines = g_strsplit (text, "\r\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 4);   /* header, 2 rows, final empty */
  g_assert_nonnull (strstr (text, code));
  g_assert_nonnull (strstr (text, ttsh_code_message (-4)));
  g_assert_nonnull (strstr (text, ttsh_code_action (-4)));
  g_assert_nonnull (strstr (text, "Nguyễn Văn Thí Sinh 1"));
  g_assert_nonnull (strstr (text, "\r\n-4,"));
  /* a formula is defused and quotes doubled */
  g_assert_nonnull (strstr (text, "\"'=HYPERLINK(\"\"x\"\"), \"\"quoted\"\"\""));
  g_assert_null (strstr (text, TEST_CID));

  g_assert_true (ttsh_export_errors (list, TTSH_EXPORT_XLSX, xlsx, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (xlsx, &bin, &len, &error));
  g_assert_cmpuint (len, >, 1000);
  g_assert_true (memcmp (bin, "PK\x03\x04", 4) == 0);
  g_assert_nonnull (memmem (bin, len, "xl/worksheets/sheet1.xml", 24));

  /* an unwritable place is an error, not a silent loss */
  g_assert_false (ttsh_export_errors (list, TTSH_EXPORT_XLSX, "/nonexistent/dir/x.xlsx", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (ttsh_export_errors (list, TTSH_EXPORT_CSV, "/nonexistent/dir/x.csv", &error));
  g_assert_nonnull (error);
}

static void
test_journal_query (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) some = NULL;
  g_auto(GStrv) actors = NULL;
  TtshJournalQuery q = { 0 };
  gint64 id = test_enqueue (f->store, 1, 1, 1, NULL);
  TtshJournalEntry *e;

  test_set_state (f->store, id, "ERROR", TTSH_CODE_INTERNAL, 12);
  g_assert_cmpint (ttsh_journal_append (f->store, "giamsat1", TTSH_JOURNAL_LOGIN, "", "", &error), >, 0);
  g_autoptr(TtshErrorsReport) r G_GNUC_UNUSED = ttsh_errors_resend (f->store, &id, 1, "giamsat1", "gửi lại", &error);
  g_assert_no_error (error);

  all = ttsh_journal_query (f->store, &q, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, >=, 2);
  e = g_ptr_array_index (all, 0);
  g_assert_cmpstr (e->action, ==, TTSH_JOURNAL_RECORD_RESENT);   /* newest first */

  q.actor = "giamsat1";
  q.action = TTSH_JOURNAL_LOGIN;
  some = ttsh_journal_query (f->store, &q, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (some->len, ==, 1);
  g_clear_pointer (&some, g_ptr_array_unref);

  q.action = NULL;
  q.since_ms = ttsh_now_ms () + 60000;
  some = ttsh_journal_query (f->store, &q, &error);
  g_assert_cmpuint (some->len, ==, 0);
  g_clear_pointer (&some, g_ptr_array_unref);

  q.since_ms = 0;
  q.limit = 1;
  some = ttsh_journal_query (f->store, &q, &error);
  g_assert_cmpuint (some->len, ==, 1);

  actors = ttsh_journal_distinct (f->store, "actor", &error);
  g_assert_no_error (error);
  g_assert_true (g_strv_contains ((const char * const *) actors, "giamsat1"));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, setup, fn, teardown)
  ADD ("/errors/list", test_list);
  ADD ("/errors/resend", test_resend);
  ADD ("/errors/refused-needs-correction", test_refused_needs_correction);
  ADD ("/errors/correction-linked", test_correction_linked);
  ADD ("/errors/refused-while-stopped", test_refused_while_stopped);
  ADD ("/errors/mark-handled", test_mark_handled);
  ADD ("/errors/held-by-stop", test_held_by_stop);
  ADD ("/errors/payload-masked", test_payload_masked);
  ADD ("/errors/export", test_export);
  ADD ("/errors/journal-query", test_journal_query);
  g_test_add_func ("/errors/mask-cid", test_mask_cid);
  return g_test_run ();
}
