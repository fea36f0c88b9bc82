/* test-ui-errors-c08.c — the error queue and cancellation end to end: the
 * engine's real sender against c08-sim over TLS on loopback, the pages in a
 * GTK window under Xvfb. A record c08-sim rejects shows in the queue with the
 * regulation's meaning; a record that ran out of retries is resent from the
 * page once c08-sim answers again and lands in the ledger with its original
 * TransactionCode; an examiner's cancellation reaches the ledger. A stop C08
 * imposed (-7) is lifted from the health bar by a manager, not a supervisor,
 * and the held records reach the ledger. */
#include "config.h"

#include <adwaita.h>

#include "ttsh-cancel-dialog.h"
#include "ttsh-renderer.h"
#include "ttsh-context.h"
#include "ttsh-errors-item.h"
#include "ttsh-errors-view.h"
#include "ttsh-health-bar.h"
#include "ttsh-alarm.h"
#include "ttsh-operators.h"
#include "ttsh-sender.h"
#include "test-errors-util.h"
#include "ttsh-test-engine.h"
#include "ttsh-test-c08.h"
#include "ttsh-test-ui.h"

#define WAIT_S 30
#define ACK_NOTE "Đã gọi C08 đề nghị mở khóa tài khoản"

typedef struct {
  char        *dir;
  TestC08     *sim;
  TtshEngine  *engine;
  GSettings   *settings;
  gint64       examiner_id;
  gint64       manager_id;
  gint64       supervisor_id;
} Fixture;

static gboolean
on_deadline (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

typedef gboolean (*Condition) (Fixture *f, gpointer data);

/* Runs the main loop (the views live on it) until @cond holds. */
static void
wait_for (Fixture *f, Condition cond, gpointer data, const char *what)
{
  gboolean late = FALSE;
  guint id = g_timeout_add_seconds (WAIT_S, on_deadline, &late);

  while (!cond (f, data) && !late)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10 * 1000);
    }
  if (late)
    g_error ("timed out waiting for %s", what);
  g_source_remove (id);
}

typedef struct {
  int    candidate;
  char  *name;
  gint64 id;
  char  *code;
} Enqueue;

/* An attendance record of @candidate with the given name, as the ingest
 * would enqueue it; wakes the sender. */
static gpointer
enqueue_func (TtshEngine *engine, TtshStore *store, gpointer data, GError **error)
{
  Enqueue *e = data;
  g_autoptr(JsonObject) rec = json_object_new ();
  g_autofree char *reg = g_strdup_printf ("DK%06d", e->candidate);
  g_autofree char *no = g_strdup_printf ("%03d", e->candidate);
  g_autofree char *stream = ttsh_outbox_stream_key (TEST_SESSION, reg, TTSH_CONTENT_SA_HINH);
  g_autofree char *now = ttsh_time_now ();

  json_object_set_string_member (rec, TTSH_W_MA_DANG_KY, reg);
  json_object_set_string_member (rec, TTSH_W_HO_TEN, e->name);
  json_object_set_string_member (rec, TTSH_W_NGAY_SINH, TEST_DOB);
  json_object_set_string_member (rec, TTSH_W_SO_CCCD, TEST_CID);
  json_object_set_string_member (rec, TTSH_W_SO_BAO_DANH, no);
  json_object_set_string_member (rec, TTSH_W_HANG_SAT_HACH, "B");
  json_object_set_string_member (rec, TTSH_W_MA_KY_SAT_HACH, TEST_SESSION);
  json_object_set_string_member (rec, TTSH_W_NOI_DUNG_SAT_HACH, TTSH_CONTENT_SA_HINH);
  json_object_set_string_member (rec, TTSH_W_TRANG_THAI_DIEM_DANH, "CO_MAT");
  json_object_set_string_member (rec, TTSH_W_THOI_GIAN_DIEM_DANH, now);
  json_object_set_null_member (rec, TTSH_W_XAC_THUC_DIEN_TU);
  e->id = ttsh_outbox_enqueue (store, TEST_CENTRE, TTSH_KIND_DIEM_DANH, stream, TEST_SESSION,
                               e->candidate, rec, &e->code, error);
  if (e->id == 0)
    return NULL;
  ttsh_sender_wake (engine);
  _ttsh_engine_emit_changed (engine, "outbox");
  return GINT_TO_POINTER (1);
}

static Enqueue *
enqueue (Fixture *f, int candidate, const char *name)
{
  g_autoptr(GError) error = NULL;
  Enqueue *e = g_new0 (Enqueue, 1);

  e->candidate = candidate;
  e->name = g_strdup (name);
  g_assert_nonnull (ttsh_engine_call_sync (f->engine, enqueue_func, e, &error));
  g_assert_no_error (error);
  return e;
}

static void
enqueue_free (Enqueue *e)
{
  g_free (e->name);
  g_free (e->code);
  g_free (e);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Enqueue, enqueue_free)

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *db = NULL;
  g_autoptr(TtshStore) store = NULL;
  TtshConfig *config;

  f->dir = ttsh_test_mkdtemp ();
  f->sim = test_c08_start (f->dir, NULL);
  conf = test_c08_write_config (f->dir, f->sim, NULL);
  data_dir = g_build_filename (f->dir, "data", NULL);
  g_assert_cmpint (g_mkdir_with_parents (data_dir, 0700), ==, 0);
  db = g_build_filename (data_dir, "ttsh.db", NULL);

  store = ttsh_store_open (db, TTSH_STORE_NONE, &error);
  g_assert_no_error (error);
  test_add_session (store, 4);
  f->examiner_id = ttsh_operators_add (store, "shv1", "Trần Thị Sát Hạch", "Sát hạch viên",
                                       TTSH_OPERATOR_SAT_HACH_VIEN, "mat-khau-dai-1", NULL, "admin", &error);
  g_assert_no_error (error);
  f->manager_id = ttsh_operators_add (store, "ql1", "Phạm Văn Quản Lý", "Trưởng phòng",
                                      TTSH_OPERATOR_QUAN_LY, "mat-khau-dai-3", NULL, "admin", &error);
  g_assert_no_error (error);
  f->supervisor_id = ttsh_operators_add (store, "gs1", "Lê Văn Giám Sát", "Giám sát viên",
                                         TTSH_OPERATOR_GIAM_SAT, "mat-khau-dai-2", NULL, "admin", &error);
  g_assert_no_error (error);
  g_clear_pointer (&store, ttsh_store_free);

  config = ttsh_config_load (conf, &error);
  g_assert_no_error (error);
  f->engine = ttsh_engine_new (config, TTSH_ENGINE_NO_SERVER);
  g_assert_true (ttsh_engine_start (f->engine, &error));
  g_assert_no_error (error);
  f->settings = g_settings_new (APPLICATION_ID);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  ttsh_engine_stop (f->engine);
  g_assert_finalize_object (f->engine);
  g_clear_object (&f->settings);
  test_c08_stop (f->sim);
  ttsh_test_rmdir (f->dir);
  g_free (f->dir);
}

static TtshContext *
context_for (Fixture *f, gint64 id, const char *username, const char *name, const char *role)
{
  g_autoptr(TtshOperator) op = ttsh_operator_new (id, username, name, "", role);
  return ttsh_context_new (f->engine, op, f->settings);
}

/* Conditions ---------------------------------------------------------------- */

static gboolean
record_in_state (Fixture *f, gpointer data)
{
  const char *sql = data;
  return ttsh_test_engine_int (f->engine, sql) == 1;
}

static guint
position_of (TtshErrorsView *view, gint64 id)
{
  GListModel *model = ttsh_errors_view_get_model (view);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(TtshErrorsItem) it = g_list_model_get_item (model, i);
      if (ttsh_errors_item_get_record (it)->id == id)
        return i;
    }
  return GTK_INVALID_LIST_POSITION;
}

typedef struct {
  TtshErrorsView *view;
  gint64          id;
  gboolean        present;
} Listed;

static gboolean
listed (Fixture *f, gpointer data)
{
  Listed *l = data;
  return !ttsh_errors_view_is_busy (l->view) &&
         (position_of (l->view, l->id) != GTK_INVALID_LIST_POSITION) == l->present;
}

static gboolean
in_ledger (Fixture *f, gpointer data)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM record WHERE transaction_code = '%s'",
                                          (const char *) data);
  return test_c08_ledger_int (f->sim, sql) == 1;
}

static gboolean
label_shows (GtkWidget *root, const char *needle)
{
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      if (GTK_IS_LABEL (c) && strstr (gtk_label_get_text (GTK_LABEL (c)), needle))
        return TRUE;
      if (label_shows (c, needle))
        return TRUE;
    }
  return FALSE;
}

static gboolean
detail_shows (Fixture *f, gpointer data)
{
  gpointer *pair = data;
  return label_shows (ttsh_errors_view_get_detail (pair[0]), pair[1]);
}

static gboolean
has_dialog (Fixture *f, gpointer data)
{
  return ttsh_test_find_message_dialog (NULL) != NULL;
}

static gboolean
has_dialog_with (Fixture *f, gpointer data)
{
  return ttsh_test_find_message_dialog (data) != NULL;
}

static gboolean
dialog_ready (Fixture *f, gpointer data)
{
  return !ttsh_cancel_dialog_is_busy (data);
}

static gboolean
confirmation_open (Fixture *f, gpointer data)
{
  return ttsh_cancel_dialog_get_confirmation (data) != NULL;
}

static gboolean
string_set (Fixture *f, gpointer data)
{
  return *(char **) data != NULL;
}

static void
on_cancelled (TtshCancelDialog *dlg, const char *code, char **out)
{
  *out = g_strdup (code);
}

static gboolean
alarm_open (Fixture *f, gpointer data)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM alarm WHERE kind = '%s' AND cleared_at IS NULL",
                                          (const char *) data);
  return ttsh_test_engine_int (f->engine, sql) == 1;
}

static gboolean
acked (Fixture *f, gpointer data)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM alarm WHERE kind = '%s' AND acked_by = 'ql1'",
                                          (const char *) data);
  return ttsh_test_engine_int (f->engine, sql) == 1;
}

/* The health bar's "Acknowledge" button of alarm @id. */
static GtkWidget *
find_ack_button (GtkWidget *root,
                 gint64     id)
{
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found;
      gint64 *alarm = GTK_IS_BUTTON (c) ? g_object_get_data (G_OBJECT (c), "alarm-id") : NULL;
      if (alarm != NULL && *alarm == id)
        return c;
      if ((found = find_ack_button (c, id)) != NULL)
        return found;
    }
  return NULL;
}

static gint64 locked_alarm_id;

static gboolean
has_ack_button (Fixture *f, gpointer data)
{
  return find_ack_button (data, locked_alarm_id) != NULL;
}

static gboolean
resume_offered (Fixture *f, gpointer data)
{
  return gtk_widget_get_visible (ttsh_health_bar_get_resume_button (data));
}

static gboolean
resume_usable (Fixture *f, gpointer data)
{
  return resume_offered (f, data) && gtk_widget_is_sensitive (ttsh_health_bar_get_resume_button (data));
}

static gboolean
back_to_normal (Fixture *f, gpointer data)
{
  return !resume_offered (f, data) && !label_shows (data, "sending stopped") && label_shows (data, "C08: ready");
}

/* The tests ----------------------------------------------------------------- */

static void
test_end_to_end (Fixture *f, gconstpointer data)
{
  g_autoptr(TtshContext) manager = context_for (f, f->manager_id, "ql1", "Phạm Văn Quản Lý", TTSH_OPERATOR_QUAN_LY);
  g_autoptr(TtshContext) examiner = context_for (f, f->examiner_id, "shv1", "Trần Thị Sát Hạch", TTSH_OPERATOR_SAT_HACH_VIEN);
  g_autoptr(JsonObject) st = NULL;
  g_autoptr(Enqueue) bad = NULL;
  g_autoptr(Enqueue) unlucky = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *cancel_code = NULL;
  TtshErrorsView *view = TTSH_ERRORS_VIEW (ttsh_errors_view_new (manager));
  GtkWindow *win = GTK_WINDOW (gtk_window_new ());
  AdwMessageDialog *dlg;
  TtshCancelDialog *cancel;
  GtkWidget *health = NULL;
  GtkWidget *ack;
  g_autoptr(Enqueue) held = NULL;
  Listed l = { view, 0, TRUE };
  gpointer pair[2];

  gtk_window_set_default_size (win, 1280, 760);
  {
    GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
    health = ttsh_health_bar_new (manager);
    gtk_box_append (GTK_BOX (box), health);
    gtk_box_append (GTK_BOX (box), GTK_WIDGET (view));
    gtk_widget_set_vexpand (GTK_WIDGET (view), TRUE);
    gtk_window_set_child (win, box);
  }
  gtk_window_present (win);

  /* 1. c08-sim rejects a name as invalid data: -4 in the queue, with its meaning. */
  st = test_c08_control (f->sim, "{\"rejects\":[{\"code\":-4,\"field\":\"HoTen\",\"regex\":\"^SAI\"}]}");
  bad = enqueue (f, 1, "SAI họ tên");
  sql = g_strdup_printf ("SELECT count(*) FROM outbox WHERE id = %" G_GINT64_FORMAT
                         " AND state = 'ERROR' AND last_code = -4", bad->id);
  wait_for (f, record_in_state, sql, "the -4 rejection");
  l.id = bad->id;
  wait_for (f, listed, &l, "the rejection in the queue");
  gtk_selection_model_select_item (GTK_SELECTION_MODEL (ttsh_errors_view_get_selection (view)),
                                   position_of (view, bad->id), TRUE);
  pair[0] = view;
  pair[1] = (gpointer) ttsh_code_message (-4);
  wait_for (f, detail_shows, pair, "the meaning of -4");
  pair[1] = (gpointer) ttsh_code_action (-4);
  wait_for (f, detail_shows, pair, "the action for -4");
  g_clear_pointer (&st, json_object_unref);

  /* 2. c08-sim fails every record (-99) until the retries are spent. */
  st = test_c08_control (f->sim, "{\"rejects\":[],\"rate_record_minus99\":1.0}");
  unlucky = enqueue (f, 2, "Lê Thị Hoa");
  g_clear_pointer (&sql, g_free);
  sql = g_strdup_printf ("SELECT count(*) FROM outbox WHERE id = %" G_GINT64_FORMAT
                         " AND state = 'ERROR'", unlucky->id);
  wait_for (f, record_in_state, sql, "the retries to run out");
  l.id = unlucky->id;
  wait_for (f, listed, &l, "the exhausted record in the queue");
  g_assert_cmpint (test_c08_ledger_int (f->sim, "SELECT count(*) FROM record"), ==, 0);

  /* 3. C08 recovers; the manager resends it from the page. */
  g_clear_pointer (&st, json_object_unref);
  st = test_c08_control (f->sim, "{\"rate_record_minus99\":0}");
  gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (ttsh_errors_view_get_selection (view)));
  gtk_selection_model_select_item (GTK_SELECTION_MODEL (ttsh_errors_view_get_selection (view)),
                                   position_of (view, unlucky->id), TRUE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "errors.resend", NULL));
  wait_for (f, has_dialog, NULL, "the note dialog");
  dlg = ttsh_test_find_message_dialog (NULL);
  gtk_editable_set_text (GTK_EDITABLE (adw_message_dialog_get_extra_child (dlg)), "C08 đã hoạt động lại");
  adw_message_dialog_response (dlg, "ok");
  wait_for (f, in_ledger, unlucky->code, "the resent record in the ledger");
  /* Same TransactionCode, same bytes: C08 got exactly the record that failed. */
  g_clear_pointer (&sql, g_free);
  sql = g_strdup_printf ("SELECT count(*) FROM record WHERE transaction_code = '%s' AND kind = 'DIEM_DANH'",
                         unlucky->code);
  g_assert_cmpint (test_c08_ledger_int (f->sim, sql), ==, 1);
  g_assert_cmpint (test_c08_ledger_int (f->sim, "SELECT count(*) FROM record"), ==, 1);
  l.present = FALSE;
  wait_for (f, listed, &l, "the delivered record to leave the queue");
  g_assert_cmpint (ttsh_test_engine_int (f->engine, "SELECT count(*) FROM journal WHERE action = 'RECORD_RESENT' AND actor = 'ql1'"), ==, 1);
  /* The rejected one was not resent. */
  l.id = bad->id;
  l.present = TRUE;
  wait_for (f, listed, &l, "the rejection still in the queue");

  /* 4. An examiner cancels candidate 3's yard result; it reaches the ledger. */
  cancel = ttsh_cancel_dialog_new (examiner, win, 3);
  g_signal_connect (cancel, "cancelled", G_CALLBACK (on_cancelled), &cancel_code);
  gtk_window_present (GTK_WINDOW (cancel));
  g_usleep (1000);
  wait_for (f, dialog_ready, cancel, "the candidate");
  adw_combo_row_set_selected (ttsh_cancel_dialog_get_reason_row (cancel), 1);
  gtk_text_buffer_set_text (ttsh_cancel_dialog_get_reason_buffer (cancel), "Thí sinh nhờ người thi hộ", -1);
  gtk_widget_activate (ttsh_cancel_dialog_get_submit (cancel));
  wait_for (f, confirmation_open, cancel, "the confirmation");
  adw_message_dialog_response (ttsh_cancel_dialog_get_confirmation (cancel), "cancel-result");
  wait_for (f, string_set, &cancel_code, "the cancellation");
  wait_for (f, in_ledger, cancel_code, "the cancellation in the ledger");
  g_clear_pointer (&sql, g_free);
  sql = g_strdup_printf ("SELECT count(*) FROM record WHERE transaction_code = '%s' AND kind = 'HUY_KET_QUA' "
                         "AND CAST(payload AS TEXT) LIKE '%%thi hộ%%' AND CAST(payload AS TEXT) LIKE '%%GIAN_LAN%%'",
                         cancel_code);
  g_assert_cmpint (test_c08_ledger_int (f->sim, sql), ==, 1);

  /* 5. C08 locks the account: the sender stops at once and alarms; unsent
   * records are listed as held by -2, and the manager acknowledges the
   * alarm in the health bar. */
  g_clear_pointer (&st, json_object_unref);
  st = test_c08_control (f->sim, "{\"locked\":true,\"invalidate_tokens\":true}");
  held = enqueue (f, 4, "Vũ Văn Nam");
  wait_for (f, alarm_open, (gpointer) TTSH_ALARM_C08_LOCKED, "the stop alarm");
  l.id = held->id;
  l.present = TRUE;
  ttsh_errors_view_reload (view);
  wait_for (f, listed, &l, "the held record in the queue");
  {
    g_autoptr(TtshErrorsItem) it = g_list_model_get_item (ttsh_errors_view_get_model (view),
                                                          position_of (view, held->id));
    g_assert_cmpint (ttsh_errors_item_get_record (it)->code, ==, TTSH_CODE_ACCOUNT_LOCKED);
    g_assert_cmpint (ttsh_errors_item_get_record (it)->cause, ==, TTSH_ERROR_CAUSE_STOPPED);
  }
  locked_alarm_id = ttsh_test_engine_int (f->engine, "SELECT id FROM alarm WHERE kind = '" TTSH_ALARM_C08_LOCKED "'");
  ttsh_health_bar_refresh (TTSH_HEALTH_BAR (health));
  wait_for (f, has_ack_button, health, "the alarm in the health bar");
  ack = find_ack_button (health, locked_alarm_id);
  /* the list lives in a closed popover: click it as the popover would */
  g_signal_emit_by_name (ack, "clicked");
  /* The note comes first: what was done, at least five characters besides spaces
   * (four here, in more than five bytes). */
  wait_for (f, has_dialog_with, (gpointer) "ack", "the acknowledgement note");
  dlg = ttsh_test_find_message_dialog ("ack");
  g_assert_false (adw_message_dialog_get_response_enabled (dlg, "ack"));
  gtk_editable_set_text (GTK_EDITABLE (adw_message_dialog_get_extra_child (dlg)), " Đã  gọ ");
  g_assert_false (adw_message_dialog_get_response_enabled (dlg, "ack"));
  adw_message_dialog_response (dlg, "ack");     /* a disabled response acknowledges nothing */
  gtk_editable_set_text (GTK_EDITABLE (adw_message_dialog_get_extra_child (dlg)), ACK_NOTE);
  g_assert_true (adw_message_dialog_get_response_enabled (dlg, "ack"));
  g_assert_cmpint (ttsh_test_engine_int (f->engine, "SELECT count(*) FROM alarm WHERE acked_at IS NOT NULL"), ==, 0);
  adw_message_dialog_response (dlg, "ack");
  gtk_window_destroy (GTK_WINDOW (dlg));
  wait_for (f, acked, (gpointer) TTSH_ALARM_C08_LOCKED, "the acknowledgement");
  g_assert_cmpint (ttsh_test_engine_int (f->engine, "SELECT count(*) FROM alarm WHERE kind = '" TTSH_ALARM_C08_LOCKED "' "
                                         "AND ack_note = '" ACK_NOTE "'"), ==, 1);
  g_assert_cmpint (ttsh_test_engine_int (f->engine, "SELECT count(*) FROM journal WHERE action = 'ALARM_ACKED' AND actor = 'ql1' "
                                  "AND subject LIKE '" TTSH_ALARM_C08_LOCKED "%' AND detail = '" ACK_NOTE "'"), ==, 1);

  gtk_window_destroy (win);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
test_resume_sending (Fixture *f, gconstpointer data)
{
  g_autoptr(TtshContext) manager = context_for (f, f->manager_id, "ql1", "Phạm Văn Quản Lý", TTSH_OPERATOR_QUAN_LY);
  g_autoptr(TtshContext) supervisor = context_for (f, f->supervisor_id, "gs1", "Lê Văn Giám Sát", TTSH_OPERATOR_GIAM_SAT);
  g_autoptr(JsonObject) st = NULL;
  g_autoptr(Enqueue) first = NULL;
  g_autoptr(Enqueue) second = NULL;
  GtkWindow *win = GTK_WINDOW (gtk_window_new ());
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *gs_bar = ttsh_health_bar_new (supervisor);
  GtkWidget *ql_bar = ttsh_health_bar_new (manager);
  AdwMessageDialog *dlg;
  const char *body;

  gtk_window_set_default_size (win, 1280, 200);
  gtk_box_append (GTK_BOX (box), gs_bar);
  gtk_box_append (GTK_BOX (box), ql_bar);
  gtk_window_set_child (win, box);
  gtk_window_present (win);

  /* 1. C08 refuses our address (-7): sending stops, two records wait. */
  st = test_c08_control (f->sim, "{\"deny_ip\":true}");
  first = enqueue (f, 1, "Nguyễn Văn An");
  second = enqueue (f, 2, "Trần Thị Bích");
  wait_for (f, record_in_state, "SELECT count(*) FROM meta WHERE key = 'c08.stopped' AND value = '-7'", "the -7 stop");
  wait_for (f, alarm_open, (gpointer) TTSH_ALARM_C08_IP_DENIED, "the stop alarm");
  g_assert_cmpint (test_c08_ledger_int (f->sim, "SELECT count(*) FROM record"), ==, 0);

  /* 2. The supervisor sees the stop but cannot lift it. */
  wait_for (f, resume_offered, gs_bar, "the supervisor's resume button");
  g_assert_true (label_shows (gs_bar, "C08: sending stopped (code -7)"));
  g_assert_false (gtk_widget_is_sensitive (ttsh_health_bar_get_resume_button (TTSH_HEALTH_BAR (gs_bar))));
  g_signal_emit_by_name (ttsh_health_bar_get_resume_button (TTSH_HEALTH_BAR (gs_bar)), "clicked");
  for (int i = 0; i < 20; i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10 * 1000);
    }
  g_assert_null (ttsh_test_find_message_dialog ("resume"));
  g_assert_cmpint (ttsh_test_engine_int (f->engine, "SELECT count(*) FROM meta WHERE key = 'c08.stopped' AND value = '-7'"), ==, 1);

  /* 3. The address is registered; the manager confirms the named stop and resumes. */
  g_clear_pointer (&st, json_object_unref);
  st = test_c08_control (f->sim, "{\"deny_ip\":false}");
  wait_for (f, resume_usable, ql_bar, "the manager's resume button");
  g_signal_emit_by_name (ttsh_health_bar_get_resume_button (TTSH_HEALTH_BAR (ql_bar)), "clicked");
  wait_for (f, has_dialog_with, (gpointer) "resume", "the confirmation");
  dlg = ttsh_test_find_message_dialog ("resume");
  body = adw_message_dialog_get_body (dlg);
  g_assert_nonnull (strstr (body, "-7"));
  g_assert_nonnull (strstr (body, ttsh_code_message (TTSH_CODE_IP_DENIED)));
  adw_message_dialog_response (dlg, "resume");
  gtk_window_destroy (GTK_WINDOW (dlg));
  wait_for (f, record_in_state, "SELECT count(*) FROM meta WHERE key = 'c08.stopped' AND value = ''", "the stop to be lifted");

  /* 4. The held records reach C08, the journal names the manager, both bars are normal again. */
  wait_for (f, in_ledger, first->code, "the first held record in the ledger");
  wait_for (f, in_ledger, second->code, "the second held record in the ledger");
  g_assert_cmpint (ttsh_test_engine_int (f->engine, "SELECT count(*) FROM journal WHERE action = 'CONFIG_CHANGED' "
                                         "AND actor = 'ql1' AND subject = 'c08.stopped' AND detail LIKE '%-7'"), ==, 1);
  g_assert_cmpint (ttsh_test_engine_int (f->engine, "SELECT count(*) FROM alarm WHERE kind = '"
                                         TTSH_ALARM_C08_IP_DENIED "' AND cleared_at IS NULL"), ==, 0);
  wait_for (f, back_to_normal, ql_bar, "the manager's bar back to normal");
  wait_for (f, back_to_normal, gs_bar, "the supervisor's bar back to normal");

  gtk_window_destroy (win);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

int
main (int argc, char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  ttsh_renderer_init ();
  g_setenv ("TTSH_SENDER_POLL_MS", "50", TRUE);
  g_setenv ("TTSH_SENDER_BACKOFF_BASE_MS", "40", TRUE);
  g_setenv ("TTSH_SENDER_BACKOFF_CAP_MS", "200", TRUE);
  g_setenv ("TTSH_SENDER_MAX_TRIES", "3", TRUE);
  g_setenv ("TTSH_SENDER_STATUS_INTERVAL_MS", "500", TRUE);
  g_setenv ("TTSH_SENDER_CLOCK_INTERVAL_MS", "1000", TRUE);

  g_test_add ("/ui/errors-c08/end-to-end", Fixture, NULL, setup, test_end_to_end, teardown);
  g_test_add ("/ui/errors-c08/resume-sending", Fixture, NULL, setup, test_resume_sending, teardown);
  return g_test_run ();
}
