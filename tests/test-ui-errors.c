/* test-ui-errors.c — the error queue, cancellation dialog and audit page in
 * a real GTK window under Xvfb, on a real engine and database: a rejected
 * record shows its meaning, a resend keeps its TransactionCode, a refused
 * resend says why, an examiner's cancellation reaches the outbox while a
 * supervisor is refused, and a tampered journal raises the warning.
 *
 * With TTSH_SCREENSHOT_DIR set, the pages are saved there as PNG. */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <locale.h>

#include "ttsh-alarm.h"
#include "ttsh-renderer.h"
#include "ttsh-audit-view.h"
#include "ttsh-cancel-dialog.h"
#include "ttsh-checks.h"
#include "ttsh-context.h"
#include "ttsh-errors-item.h"
#include "ttsh-errors-view.h"
#include "ttsh-errors.h"
#include "ttsh-journal.h"
#include "ttsh-operators.h"
#include "ttsh-window.h"
#include "test-errors-util.h"
#include "ttsh-test-engine.h"
#include "ttsh-test-ui.h"

typedef struct {
  char        *dir;
  TtshEngine  *engine;
  GSettings   *settings;
  gint64       examiner_id;
  gint64       supervisor_id;
  gint64       manager_id;
  gint64       ids[4];       /* rejected -4, out of retries, held -2, -6 */
  char        *codes[4];
} Fixture;

/* Waiting ------------------------------------------------------------------- */

static gboolean
on_deadline (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

typedef gboolean (*Condition) (gpointer data);

static void
wait_for (Condition cond, gpointer data, const char *what)
{
  gboolean late = FALSE;
  guint id = g_timeout_add_seconds (20, on_deadline, &late);

  while (!cond (data) && !late)
    g_main_context_iteration (NULL, TRUE);
  if (late)
    g_error ("timed out waiting for %s", what);
  g_source_remove (id);
}

static void
spin (guint ms)
{
  gint64 until = g_get_monotonic_time () + ms * 1000;
  while (g_get_monotonic_time () < until)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (5000);
    }
}

/* Engine-thread helpers ----------------------------------------------------- */

static gpointer
seed_func (TtshEngine *engine, TtshStore *store, gpointer data, GError **error)
{
  Fixture *f = data;
  static const struct { int cand, attempt, seq; const char *state; int code; int attempts; } rows[] = {
    { 1, 1, 1, "ERROR", -4, 1 },
    { 2, 1, 1, "ERROR", -99, 12 },
    { 3, 1, 1, "PENDING", -2, 1 },
    { 4, 1, 1, "ERROR", -6, 1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      f->ids[i] = test_enqueue (store, rows[i].cand, rows[i].attempt, rows[i].seq, &f->codes[i]);
      test_set_state (store, f->ids[i], rows[i].state, rows[i].code, rows[i].attempts);
    }
  _ttsh_engine_emit_changed (engine, "outbox");
  return GINT_TO_POINTER (1);
}

static gpointer
exec_func (TtshEngine *engine, TtshStore *store, gpointer data, GError **error)
{
  return ttsh_store_exec (store, data, error) ? GINT_TO_POINTER (1) : NULL;
}

/* Fixture ------------------------------------------------------------------- */

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *db = NULL;
  g_autofree char *data_dir = NULL;
  g_autoptr(TtshStore) store = NULL;
  TtshConfig *config;

  f->dir = ttsh_test_mkdtemp ();
  conf = ttsh_test_write_config (f->dir, NULL);
  data_dir = g_build_filename (f->dir, "data", NULL);
  g_assert_cmpint (g_mkdir_with_parents (data_dir, 0700), ==, 0);
  db = g_build_filename (data_dir, "ttsh.db", NULL);

  store = ttsh_store_open (db, TTSH_STORE_NONE, &error);
  g_assert_no_error (error);
  test_add_session (store, 6);
  f->examiner_id = ttsh_operators_add (store, "shv1", "Trần Thị Sát Hạch", "Sát hạch viên",
                                       TTSH_OPERATOR_SAT_HACH_VIEN, "mat-khau-dai-1", NULL, "admin", &error);
  g_assert_no_error (error);
  f->supervisor_id = ttsh_operators_add (store, "gs1", "Lê Văn Giám Sát", "Giám sát",
                                         TTSH_OPERATOR_GIAM_SAT, "mat-khau-dai-2", NULL, "admin", &error);
  g_assert_no_error (error);
  f->manager_id = ttsh_operators_add (store, "ql1", "Phạm Văn Quản Lý", "Trưởng phòng",
                                      TTSH_OPERATOR_QUAN_LY, "mat-khau-dai-3", NULL, "admin", &error);
  g_assert_no_error (error);
  g_clear_pointer (&store, ttsh_store_free);

  config = ttsh_config_load (conf, &error);
  g_assert_no_error (error);
  f->engine = ttsh_engine_new (config, TTSH_ENGINE_NO_SENDER | TTSH_ENGINE_NO_SERVER);
  g_assert_true (ttsh_engine_start (f->engine, &error));
  g_assert_no_error (error);
  f->settings = g_settings_new (APPLICATION_ID);
  g_assert_nonnull (ttsh_engine_call_sync (f->engine, seed_func, f, &error));
  g_assert_no_error (error);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  ttsh_engine_stop (f->engine);
  g_assert_finalize_object (f->engine);
  g_clear_object (&f->settings);
  for (guint i = 0; i < G_N_ELEMENTS (f->codes); i++)
    g_free (f->codes[i]);
  ttsh_test_rmdir (f->dir);
  g_free (f->dir);
}

static TtshContext *
context_for (Fixture *f, gint64 id, const char *username, const char *name, const char *role)
{
  g_autoptr(TtshOperator) op = ttsh_operator_new (id, username, name, "", role);
  return ttsh_context_new (f->engine, op, f->settings);
}

static GtkWindow *
window_with (GtkWidget *child)
{
  GtkWindow *win = GTK_WINDOW (gtk_window_new ());

  gtk_window_set_default_size (win, 1280, 760);
  gtk_window_set_child (win, child);
  gtk_window_present (win);
  return win;
}

static void
screenshot (GtkWidget *widget, const char *name)
{
  const char *dir = g_getenv ("TTSH_SCREENSHOT_DIR");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  int w, h;

  if (dir == NULL)
    return;
  spin (300);
  w = gtk_widget_get_width (widget);
  h = gtk_widget_get_height (widget);
  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), w, h);
  node = gtk_snapshot_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)), node, NULL);
  path = g_build_filename (dir, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
}

/* Errors view --------------------------------------------------------------- */

static gboolean
view_settled (gpointer data)
{
  TtshErrorsView *view = data;
  return !ttsh_errors_view_is_busy (view) && ttsh_errors_view_get_generation (view) > 0;
}

static gboolean
generation_above (gpointer data)
{
  gpointer *pair = data;
  return ttsh_errors_view_get_generation (pair[0]) > GPOINTER_TO_UINT (pair[1]) &&
         !ttsh_errors_view_is_busy (pair[0]);
}

static void
wait_generation (TtshErrorsView *view, guint after, const char *what)
{
  gpointer pair[2] = { view, GUINT_TO_POINTER (after) };
  wait_for (generation_above, pair, what);
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

static gboolean
widget_shows (GtkWidget *root, const char *needle)
{
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      if (GTK_IS_LABEL (c) && gtk_widget_get_visible (c) &&
          strstr (gtk_label_get_text (GTK_LABEL (c)), needle) != NULL)
        return TRUE;
      if (widget_shows (c, needle))
        return TRUE;
    }
  return FALSE;
}

static GtkTextView *
find_text_view (GtkWidget *root)
{
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkTextView *found;
      if (GTK_IS_TEXT_VIEW (c))
        return GTK_TEXT_VIEW (c);
      if ((found = find_text_view (c)) != NULL)
        return found;
    }
  return NULL;
}

static char *
payload_text (GtkWidget *detail)
{
  GtkTextBuffer *buf = gtk_text_view_get_buffer (find_text_view (detail));
  GtkTextIter a, b;

  gtk_text_buffer_get_bounds (buf, &a, &b);
  return gtk_text_buffer_get_text (buf, &a, &b, FALSE);
}

static gboolean
payload_shown (gpointer data)
{
  g_autofree char *text = payload_text (data);
  return strstr (text, "TransactionCode") != NULL;
}

static gboolean
has_message_dialog (gpointer data)
{
  return ttsh_test_find_message_dialog (NULL) != NULL;
}

static void
answer_note_dialog (const char *note, const char *response)
{
  AdwMessageDialog *dlg;

  wait_for (has_message_dialog, NULL, "the note dialog");
  dlg = ttsh_test_find_message_dialog (NULL);
  /* the note is required: the button stays off until it is written */
  g_assert_false (adw_message_dialog_get_response_enabled (dlg, "ok"));
  gtk_editable_set_text (GTK_EDITABLE (adw_message_dialog_get_extra_child (dlg)), note);
  g_assert_true (adw_message_dialog_get_response_enabled (dlg, "ok"));
  adw_message_dialog_response (dlg, response);
  spin (50);
}

static void
close_message_dialogs (void)
{
  AdwMessageDialog *dlg;
  while ((dlg = ttsh_test_find_message_dialog (NULL)) != NULL)
    {
      adw_message_dialog_response (dlg, "close");
      gtk_window_destroy (GTK_WINDOW (dlg));
      spin (20);
    }
}

static void
test_errors_view (Fixture *f, gconstpointer data)
{
  g_autoptr(TtshContext) ctx = context_for (f, f->manager_id, "ql1", "Phạm Văn Quản Lý", TTSH_OPERATOR_QUAN_LY);
  TtshErrorsView *view = TTSH_ERRORS_VIEW (ttsh_errors_view_new (ctx));
  GtkWindow *win = window_with (GTK_WIDGET (view));
  GtkSelectionModel *sel = GTK_SELECTION_MODEL (ttsh_errors_view_get_selection (view));
  GListModel *model = ttsh_errors_view_get_model (view);
  g_autofree char *code_after = NULL;
  g_autofree char *sql = NULL;
  guint gen, pos;

  wait_for (view_settled, view, "the first load");
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 4);

  /* The rejected record: its meaning and recommended action, and no clear citizen ID. */
  pos = position_of (view, f->ids[0]);
  g_assert_cmpuint (pos, !=, GTK_INVALID_LIST_POSITION);
  gtk_selection_model_select_item (sel, pos, TRUE);
  spin (300);
  g_assert_true (widget_shows (ttsh_errors_view_get_detail (view), ttsh_code_message (-4)));
  g_assert_true (widget_shows (ttsh_errors_view_get_detail (view), ttsh_code_action (-4)));
  g_assert_true (widget_shows (ttsh_errors_view_get_detail (view), f->codes[0]));
  screenshot (GTK_WIDGET (win), "errors.png");

  /* Grouped by code: only -6 */
  ttsh_errors_view_set_code_filter (view, FALSE, -6);
  wait_for (view_settled, view, "the code filter");
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  ttsh_errors_view_set_code_filter (view, TRUE, 0);

  /* Export what is shown: the -6 group only */
  {
    g_autofree char *csv = g_build_filename (f->dir, "hang-doi-loi.csv", NULL);
    g_autofree char *xlsx = g_build_filename (f->dir, "hang-doi-loi.xlsx", NULL);
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;

    ttsh_errors_view_set_code_filter (view, FALSE, -6);
    wait_for (view_settled, view, "the code filter");
    gen = ttsh_errors_view_get_generation (view);
    ttsh_errors_view_export (view, csv);
    wait_generation (view, gen, "the CSV export");
    g_assert_true (g_file_get_contents (csv, &text, NULL, NULL));
    lines = g_strsplit (text, "\r\n", -1);
    g_assert_cmpuint (g_strv_length (lines), ==, 3);   /* header, one record, end */
    g_assert_nonnull (strstr (lines[1], f->codes[3]));
    g_assert_nonnull (strstr (lines[1], ttsh_code_message (-6)));
    gen = ttsh_errors_view_get_generation (view);
    ttsh_errors_view_export (view, xlsx);
    wait_generation (view, gen, "the XLSX export");
    g_assert_true (g_file_test (xlsx, G_FILE_TEST_IS_REGULAR));
    g_assert_nonnull (strstr (ttsh_errors_view_get_last_outcome (view), xlsx));
    ttsh_errors_view_set_code_filter (view, TRUE, 0);
  }

  /* Search without diacritics */
  gtk_editable_set_text (ttsh_errors_view_get_search (view), "thi sinh 2");
  spin (400);   /* the search entry waits for typing to pause */
  wait_for (view_settled, view, "the search");
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  {
    g_autoptr(TtshErrorsItem) it = g_list_model_get_item (model, 0);
    gint64 found = ttsh_errors_item_get_record (it)->id;
    g_autoptr(GtkBitset) shown = NULL;

    gtk_editable_set_text (ttsh_errors_view_get_search (view), "");
    spin (400);
    wait_for (view_settled, view, "the search cleared");
    g_assert_cmpuint (g_list_model_get_n_items (model), ==, 4);

    /* The selection stays with its records while the search hides and
     * shows them, whatever rows they pass through. */
    g_assert_cmpint (found, !=, f->ids[0]);
    gtk_selection_model_unselect_all (sel);
    gtk_selection_model_select_item (sel, position_of (view, found), FALSE);
    gtk_selection_model_select_item (sel, position_of (view, f->ids[0]), FALSE);
    gtk_editable_set_text (ttsh_errors_view_get_search (view), "thi sinh 2");
    spin (400);
    wait_for (view_settled, view, "the search");
    shown = gtk_selection_model_get_selection (sel);
    g_assert_cmpuint (gtk_bitset_get_size (shown), ==, 1);
    g_assert_true (gtk_selection_model_is_selected (sel, 0));
    gtk_editable_set_text (ttsh_errors_view_get_search (view), "");
    spin (400);
    wait_for (view_settled, view, "the search cleared");
    g_clear_pointer (&shown, gtk_bitset_unref);
    shown = gtk_selection_model_get_selection (sel);
    g_assert_cmpuint (gtk_bitset_get_size (shown), ==, 1);
    g_assert_true (gtk_selection_model_is_selected (sel, position_of (view, found)));

    /* A reload replaces every item: the selection stays with the record. */
    gen = ttsh_errors_view_get_generation (view);
    ttsh_errors_view_reload (view);
    wait_generation (view, gen, "the reload");
    g_clear_pointer (&shown, gtk_bitset_unref);
    shown = gtk_selection_model_get_selection (sel);
    g_assert_cmpuint (gtk_bitset_get_size (shown), ==, 1);
    g_assert_true (gtk_selection_model_is_selected (sel, position_of (view, found)));
  }

  /* Resend the rejected and the out-of-retries record together. */
  gtk_selection_model_unselect_all (sel);
  gtk_selection_model_select_item (sel, position_of (view, f->ids[0]), FALSE);
  gtk_selection_model_select_item (sel, position_of (view, f->ids[1]), FALSE);
  gen = ttsh_errors_view_get_generation (view);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "errors.resend", NULL));
  answer_note_dialog ("C08 báo đã khắc phục lỗi nội bộ", "ok");
  wait_generation (view, gen + 1, "the resend");
  g_assert_nonnull (strstr (ttsh_errors_view_get_last_outcome (view), "1"));
  close_message_dialogs ();

  sql = g_strdup_printf ("SELECT transaction_code FROM outbox WHERE id = %" G_GINT64_FORMAT
                         " AND state = 'PENDING'", f->ids[1]);
  code_after = ttsh_test_engine_text (f->engine, sql);
  g_assert_cmpstr (code_after, ==, f->codes[1]);
  g_clear_pointer (&sql, g_free);
  sql = g_strdup_printf ("SELECT count(*) FROM outbox WHERE id = %" G_GINT64_FORMAT " AND state = 'ERROR'", f->ids[0]);
  g_assert_cmpint (ttsh_test_engine_int (f->engine, sql), ==, 1);
  g_assert_cmpint (ttsh_test_engine_int (f->engine, "SELECT count(*) FROM journal WHERE action = 'RECORD_RESENT' "
                                     "AND actor = 'ql1' AND detail LIKE '%khắc phục%'"), ==, 1);

  /* It leaves the list after the reload. */
  wait_for (view_settled, view, "the reload");
  g_assert_cmpuint (position_of (view, f->ids[1]), ==, GTK_INVALID_LIST_POSITION);

  /* Mark the -6 handled. */
  gtk_selection_model_unselect_all (sel);
  gtk_selection_model_select_item (sel, position_of (view, f->ids[3]), TRUE);
  gen = ttsh_errors_view_get_generation (view);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "errors.mark-handled", NULL));
  answer_note_dialog ("Đã đối soát với Cục CSGT", "ok");
  wait_generation (view, gen + 1, "the handled mark");
  wait_for (view_settled, view, "the reload");
  g_assert_cmpuint (position_of (view, f->ids[3]), ==, GTK_INVALID_LIST_POSITION);
  g_assert_cmpint (ttsh_test_engine_int (f->engine, "SELECT count(*) FROM journal WHERE action = 'RECORD_HANDLED' "
                                     "AND actor = 'ql1'"), ==, 1);

  gtk_window_destroy (win);
  spin (50);

  /* A supervisor sees the queue but may not resend or mark handled. */
  {
    g_autoptr(TtshContext) gs = context_for (f, f->supervisor_id, "gs1", "Lê Văn Giám Sát", TTSH_OPERATOR_GIAM_SAT);
    TtshErrorsView *v2 = TTSH_ERRORS_VIEW (ttsh_errors_view_new (gs));
    GtkWindow *w2 = window_with (GTK_WIDGET (v2));

    wait_for (view_settled, v2, "the supervisor's load");
    gtk_selection_model_select_item (GTK_SELECTION_MODEL (ttsh_errors_view_get_selection (v2)), 0, TRUE);
    /* the stored data is shown with the citizen ID masked for this role */
    wait_for (payload_shown, ttsh_errors_view_get_detail (v2), "the stored data");
    {
      g_autofree char *text = payload_text (ttsh_errors_view_get_detail (v2));
      g_assert_null (strstr (text, TEST_CID));
      g_assert_nonnull (strstr (text, "0010******45"));
    }
    gtk_widget_activate_action (GTK_WIDGET (v2), "errors.resend", NULL);
    spin (100);
    g_assert_null (ttsh_test_find_message_dialog (NULL));
    gtk_window_destroy (w2);
  }
  spin (50);
}

/* Cancellation -------------------------------------------------------------- */

static gboolean
dialog_ready (gpointer data)
{
  return !ttsh_cancel_dialog_is_busy (data);
}

static gboolean
confirmation_open (gpointer data)
{
  return ttsh_cancel_dialog_get_confirmation (data) != NULL;
}

static void
on_cancelled (TtshCancelDialog *dlg, const char *code, char **out)
{
  *out = g_strdup (code);
}

static gboolean
string_set (gpointer data)
{
  return *(char **) data != NULL;
}

static gboolean
error_shown (gpointer data)
{
  return ttsh_cancel_dialog_get_error (data) != NULL && !ttsh_cancel_dialog_is_busy (data);
}

static TtshCancelDialog *
fill_cancel_dialog (TtshContext *ctx, GtkWindow *parent, const char *text)
{
  TtshCancelDialog *dlg = ttsh_cancel_dialog_new (ctx, parent, 0);

  gtk_window_present (GTK_WINDOW (dlg));
  gtk_editable_set_text (ttsh_cancel_dialog_get_number_entry (dlg), "002");
  g_signal_emit_by_name (ttsh_cancel_dialog_get_number_entry (dlg), "apply");
  spin (50);
  wait_for (dialog_ready, dlg, "the candidate lookup");
  g_assert_cmpuint (g_list_model_get_n_items (adw_combo_row_get_model (ttsh_cancel_dialog_get_content_row (dlg))), ==, 1);
  adw_combo_row_set_selected (ttsh_cancel_dialog_get_reason_row (dlg), 0);
  /* nine characters: not enough */
  gtk_text_buffer_set_text (ttsh_cancel_dialog_get_reason_buffer (dlg), "Ngắn quá!", -1);
  g_assert_false (gtk_widget_get_sensitive (ttsh_cancel_dialog_get_submit (dlg)));
  gtk_text_buffer_set_text (ttsh_cancel_dialog_get_reason_buffer (dlg), text, -1);
  g_assert_true (gtk_widget_get_sensitive (ttsh_cancel_dialog_get_submit (dlg)));
  return dlg;
}

static void
test_cancel_dialog (Fixture *f, gconstpointer data)
{
  g_autoptr(TtshContext) examiner = context_for (f, f->examiner_id, "shv1", "Trần Thị Sát Hạch", TTSH_OPERATOR_SAT_HACH_VIEN);
  g_autoptr(TtshContext) supervisor = context_for (f, f->supervisor_id, "gs1", "Lê Văn Giám Sát", TTSH_OPERATOR_GIAM_SAT);
  GtkWindow *win = window_with (gtk_label_new ("TTSH"));
  g_autofree char *code = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *body = NULL;
  TtshCancelDialog *dlg;
  AdwMessageDialog *confirm;

  /* The supervisor is refused, and the refusal is journaled. */
  dlg = fill_cancel_dialog (supervisor, win, "Thí sinh sử dụng tài liệu trong phòng thi");
  gtk_widget_activate (ttsh_cancel_dialog_get_submit (dlg));
  wait_for (confirmation_open, dlg, "the confirmation");
  adw_message_dialog_response (ttsh_cancel_dialog_get_confirmation (dlg), "cancel-result");
  wait_for (error_shown, dlg, "the refusal");
  g_assert_cmpint (ttsh_test_engine_int (f->engine, "SELECT count(*) FROM outbox WHERE kind = 'HUY_KET_QUA'"), ==, 0);
  g_assert_cmpint (ttsh_test_engine_int (f->engine, "SELECT count(*) FROM journal WHERE action = 'ACTION_REFUSED' AND actor = 'gs1'"), ==, 1);
  gtk_window_destroy (GTK_WINDOW (dlg));

  /* The examiner cancels; the confirmation names the candidate. */
  dlg = fill_cancel_dialog (examiner, win, "Thí sinh sử dụng tài liệu trong phòng thi");
  g_signal_connect (dlg, "cancelled", G_CALLBACK (on_cancelled), &code);
  screenshot (GTK_WIDGET (dlg), "cancel.png");
  gtk_widget_activate (ttsh_cancel_dialog_get_submit (dlg));
  wait_for (confirmation_open, dlg, "the confirmation");
  confirm = ttsh_cancel_dialog_get_confirmation (dlg);
  g_object_get (confirm, "body", &body, NULL);
  g_assert_nonnull (strstr (body, "Nguyễn Văn Thí Sinh 2"));
  g_assert_nonnull (strstr (adw_message_dialog_get_heading (confirm), "Nguyễn Văn Thí Sinh 2"));
  adw_message_dialog_response (confirm, "cancel-result");
  wait_for (string_set, &code, "the cancellation");

  stored = ttsh_test_engine_text (f->engine, "SELECT transaction_code FROM outbox WHERE kind = 'HUY_KET_QUA' AND candidate_id = 2");
  g_assert_cmpstr (stored, ==, code);
  g_assert_cmpint (ttsh_test_engine_int (f->engine, "SELECT count(*) FROM candidate_content WHERE candidate_id = 2 "
                                     "AND content = 'SA_HINH' AND state = 'CANCELLED'"), ==, 1);

  /* A second cancellation of the same attempt is not offered. */
  dlg = ttsh_cancel_dialog_new (examiner, win, 2);
  gtk_window_present (GTK_WINDOW (dlg));
  spin (50);
  wait_for (dialog_ready, dlg, "the lookup");
  g_assert_cmpuint (g_list_model_get_n_items (adw_combo_row_get_model (ttsh_cancel_dialog_get_content_row (dlg))), ==, 0);
  g_assert_nonnull (ttsh_cancel_dialog_get_error (dlg));
  g_assert_false (gtk_widget_get_sensitive (ttsh_cancel_dialog_get_submit (dlg)));
  gtk_window_destroy (GTK_WINDOW (dlg));
  gtk_window_destroy (win);
  spin (50);
}

/* Audit --------------------------------------------------------------------- */

static gboolean
audit_settled (gpointer data)
{
  return !ttsh_audit_view_is_busy (data) && ttsh_audit_view_get_chain_state (data) >= 0 &&
         g_list_model_get_n_items (ttsh_audit_view_get_model (data)) > 0;
}

static gboolean
chain_broken (gpointer data)
{
  return !ttsh_audit_view_is_busy (data) && ttsh_audit_view_get_chain_state (data) == 0;
}

static guint
index_of (GtkDropDown *dd, const char *value)
{
  GListModel *m = gtk_drop_down_get_model (dd);
  for (guint i = 0; i < g_list_model_get_n_items (m); i++)
    if (g_strcmp0 (gtk_string_list_get_string (GTK_STRING_LIST (m), i), value) == 0)
      return i;
  return GTK_INVALID_LIST_POSITION;
}

static gpointer
raise_and_ack (TtshEngine *engine, TtshStore *store, gpointer data, GError **error)
{
  Fixture *f = data;
  g_autoptr(TtshErrorsReport) resent = ttsh_errors_resend (store, &f->ids[1], 1, "ql1",
                                                           "C08 báo đã khắc phục lỗi nội bộ", error);
  g_autoptr(TtshErrorsReport) handled = resent ? ttsh_errors_mark_handled (store, &f->ids[3], 1, "ql1",
                                                                           "Đã đối soát với Cục CSGT", error) : NULL;
  if (handled == NULL)
    return NULL;
  gint64 id = ttsh_alarm_raise (store, TTSH_ALARM_SOURCE_ERRORS, TTSH_ALARM_WARNING, "sa-hinh-1",
                                "3 yêu cầu lỗi", NULL, error);
  if (id == 0 || !ttsh_alarm_ack (store, id, "gs1", "Đã gọi đơn vị sát hạch", error))
    return NULL;
  _ttsh_engine_emit_changed (engine, "journal");
  return GINT_TO_POINTER (1);
}

static void
test_audit_view (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshContext) ctx = context_for (f, f->manager_id, "ql1", "Phạm Văn Quản Lý", TTSH_OPERATOR_QUAN_LY);
  TtshAuditView *view;
  GtkWindow *win;
  GListModel *model;
  guint n_all, idx;

  g_assert_nonnull (ttsh_engine_call_sync (f->engine, raise_and_ack, f, &error));
  g_assert_no_error (error);
  view = TTSH_AUDIT_VIEW (ttsh_audit_view_new (ctx));
  win = window_with (GTK_WIDGET (view));
  model = ttsh_audit_view_get_model (view);
  wait_for (audit_settled, view, "the journal");
  g_assert_cmpint (ttsh_audit_view_get_chain_state (view), ==, 1);
  n_all = g_list_model_get_n_items (model);
  g_assert_cmpuint (n_all, >=, 4);
  screenshot (GTK_WIDGET (win), "audit.png");

  /* by operator */
  idx = index_of (ttsh_audit_view_get_actor_filter (view), "gs1");
  g_assert_cmpuint (idx, !=, GTK_INVALID_LIST_POSITION);
  gtk_drop_down_set_selected (ttsh_audit_view_get_actor_filter (view), idx);
  spin (50);
  wait_for (audit_settled, view, "the operator filter");
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);   /* ALARM_ACKED */
  g_assert_cmpuint (ttsh_audit_view_get_generation (view), >, 0);
  gtk_drop_down_set_selected (ttsh_audit_view_get_actor_filter (view), index_of (ttsh_audit_view_get_actor_filter (view), "ql1"));
  spin (50);
  wait_for (audit_settled, view, "the manager's entries");
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 2);   /* RECORD_RESENT, RECORD_HANDLED */

  /* by kind */
  gtk_drop_down_set_selected (ttsh_audit_view_get_actor_filter (view), 0);
  idx = index_of (ttsh_audit_view_get_action_filter (view), TTSH_JOURNAL_ALARM_RAISED);
  gtk_drop_down_set_selected (ttsh_audit_view_get_action_filter (view), idx);
  spin (50);
  wait_for (audit_settled, view, "the kind filter");
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);

  /* An intruder edits an entry: the warning appears. */
  g_assert_nonnull (ttsh_engine_call_sync (f->engine, exec_func,
      "DROP TRIGGER journal_no_update; UPDATE journal SET detail = 'sửa' WHERE seq = 2", &error));
  g_assert_no_error (error);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "audit.verify", NULL));
  spin (50);
  wait_for (chain_broken, view, "the broken chain");
  g_assert_nonnull (strstr (gtk_label_get_text (ttsh_audit_view_get_verify_label (view)), "#2"));

  gtk_window_destroy (win);
  spin (50);
}

/* Window ----------------------------------------------------------------------- */

static gboolean
signed_in (gpointer data)
{
  return ttsh_window_get_context (data) != NULL;
}

static TtshCancelDialog *
find_cancel_dialog (void)
{
  GListModel *tops = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (tops); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (tops, i);
      if (TTSH_IS_CANCEL_DIALOG (w))
        return TTSH_CANCEL_DIALOG (w);
    }
  return NULL;
}

static gboolean
has_cancel_dialog (gpointer data)
{
  return find_cancel_dialog () != NULL;
}

/* The pages appear by role, and only an examiner gets the cancellation. */
static void
test_window (Fixture *f, gconstpointer data)
{
  TtshWindow *win = ttsh_window_new (NULL, f->engine);
  AdwViewStack *views = ttsh_window_get_views (win);
  TtshCancelDialog *dlg;

  gtk_window_present (GTK_WINDOW (win));
  ttsh_window_sign_in (win, "ql1", "mat-khau-dai-3", NULL);
  wait_for (signed_in, win, "the manager's sign-in");
  g_assert_nonnull (adw_view_stack_get_child_by_name (views, "errors"));
  g_assert_nonnull (adw_view_stack_get_child_by_name (views, "audit"));
  /* the action exists but is disabled for this role: nothing opens */
  gtk_widget_activate_action (GTK_WIDGET (win), "win.cancel-result", NULL);
  spin (50);
  g_assert_null (find_cancel_dialog ());
  gtk_window_destroy (GTK_WINDOW (win));
  spin (100);

  win = ttsh_window_new (NULL, f->engine);
  views = ttsh_window_get_views (win);
  gtk_window_present (GTK_WINDOW (win));
  ttsh_window_sign_in (win, "shv1", "mat-khau-dai-1", NULL);
  wait_for (signed_in, win, "the examiner's sign-in");
  g_assert_null (adw_view_stack_get_child_by_name (views, "errors"));
  g_assert_null (adw_view_stack_get_child_by_name (views, "audit"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.cancel-result", NULL));
  wait_for (has_cancel_dialog, NULL, "the cancellation dialog");
  dlg = find_cancel_dialog ();
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dlg)) == GTK_WINDOW (win));
  gtk_window_destroy (GTK_WINDOW (dlg));
  gtk_window_destroy (GTK_WINDOW (win));
  spin (200);
}

int
main (int argc, char *argv[])
{
  /* Screenshots are taken in Vietnamese from the build's catalogue. */
  if (g_getenv ("TTSH_TEST_LOCALEDIR"))
    {
      setlocale (LC_ALL, "");
      bindtextdomain (GETTEXT_PACKAGE, g_getenv ("TTSH_TEST_LOCALEDIR"));
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      textdomain (GETTEXT_PACKAGE);
    }
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  ttsh_renderer_init ();
  g_log_set_writer_func (ttsh_test_ui_log_writer, NULL, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, setup, fn, teardown)
  ADD ("/ui/errors/queue", test_errors_view);
  ADD ("/ui/errors/cancel", test_cancel_dialog);
  ADD ("/ui/errors/audit", test_audit_view);
  ADD ("/ui/errors/window", test_window);
  return g_test_run ();
}
