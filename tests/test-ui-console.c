/* test-ui-console.c — the real console window under Xvfb on a real engine
 * and database: sign-in (refused, then accepted), the sessions page and its
 * roster, search with and without diacritics, by number and by citizen ID,
 * filters, masked IDs by role, a candidate's progress changing on screen as
 * records arrive, the health bar in an alarm state, refused actions journaled. */
#include "config.h"

#include <adwaita.h>
#include <gtk/gtk.h>

#include "ttsh-alarm.h"
#include "ttsh-renderer.h"
#include "ttsh-candidate-item.h"
#include "ttsh-candidate-panel.h"
#include "ttsh-context.h"
#include "ttsh-engine.h"
#include "ttsh-health-bar.h"
#include "ttsh-journal.h"
#include "ttsh-operators.h"
#include "ttsh-sessions-view.h"
#include "ttsh-status.h"
#include "ttsh-test-ui.h"
#include "ttsh-test-util.h"
#include "ttsh-window.h"
#include "test-console-fixture.h"

#define N_CANDIDATES 120
#define PASSWORD     "mat-khau-dai-1"
#define TOTP_SECRET  "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

typedef struct {
  char       *dir;
  TtshEngine *engine;
  TtshWindow *window;
  gint64      session_id;
} Fixture;

typedef gboolean (*Cond) (Fixture *f, gpointer data);

/* Runs the main loop until cond holds; fails the test after 10 s. */
static void
wait_for (Fixture *f, Cond cond, gpointer data, const char *what)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!cond (f, data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out waiting for %s", what);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static gpointer
populate_thread (TtshEngine *engine, TtshStore *store, gpointer data, GError **error)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 60, 80);
  g_autoptr(GBytes) png = NULL;
  gchar *buf = NULL;
  gsize len = 0;
  gint64 *id = g_new (gint64, 1);

  gdk_pixbuf_fill (pixbuf, 0x3465a4ff);
  g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &buf, &len, "png", NULL, NULL));
  png = g_bytes_new_take (buf, len);
  *id = fixture_populate (store, N_CANDIDATES, png);

  g_assert_cmpint (ttsh_operators_add (store, "giamsat", "Trần Thị Bình", "Giám sát viên", TTSH_OPERATOR_GIAM_SAT,
                                       PASSWORD, NULL, "test", error), >, 0);
  g_assert_cmpint (ttsh_operators_add (store, "sathach", "Lê Văn Cường", "Sát hạch viên", TTSH_OPERATOR_SAT_HACH_VIEN,
                                       PASSWORD, NULL, "test", error), >, 0);
  {
    g_autoptr(GBytes) secret = ttsh_base32_decode (TOTP_SECRET, error);
    g_assert_cmpint (ttsh_operators_add (store, "quantri", "Hoàng Quốc Việt", "Quản trị", TTSH_OPERATOR_QUAN_TRI,
                                         PASSWORD, secret, "test", error), >, 0);
  }
  return id;
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *conf = NULL;
  g_autofree gint64 *id = NULL;
  TtshConfig *config;

  f->dir = ttsh_test_mkdtemp ();
  conf = ttsh_test_write_config (f->dir, NULL);
  config = ttsh_config_load (conf, &error);
  g_assert_no_error (error);
  f->engine = ttsh_engine_new (config, TTSH_ENGINE_NO_SENDER | TTSH_ENGINE_NO_SERVER);
  g_assert_true (ttsh_engine_start (f->engine, &error));
  g_assert_no_error (error);
  id = ttsh_engine_call_sync (f->engine, populate_thread, NULL, &error);
  g_assert_no_error (error);
  f->session_id = *id;

  f->window = ttsh_window_new (NULL, f->engine);
  gtk_window_present (GTK_WINDOW (f->window));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (f->window));
}

static void
teardown (Fixture *f, gconstpointer data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  /* Cancelled engine calls still complete (their tasks hold the engine). */
  {
    gint64 until = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
    while (G_OBJECT (f->engine)->ref_count > 1 && g_get_monotonic_time () < until)
      g_main_context_iteration (NULL, FALSE);
  }
  ttsh_engine_stop (f->engine);
  g_assert_finalize_object (f->engine);
  ttsh_test_rmdir (f->dir);
  g_free (f->dir);
}

/* Widget tree helpers ------------------------------------------------------ */

static GtkWidget *
find_label (GtkWidget *root, const char *prefix)
{
  if (GTK_IS_LABEL (root) && strstr (gtk_label_get_text (GTK_LABEL (root)), prefix) != NULL)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_label (c, prefix);
      if (found)
        return found;
    }
  return NULL;
}

/* A visible label (or row title) on screen under root containing text. */
static gboolean
shows_text (GtkWidget *root, const char *text)
{
  if (!gtk_widget_get_mapped (root))
    return FALSE;
  if (GTK_IS_LABEL (root) && strstr (gtk_label_get_text (GTK_LABEL (root)), text) != NULL)
    return TRUE;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    if (shows_text (c, text))
      return TRUE;
  return FALSE;
}

typedef struct {
  const char *action;
  const char *actor;
} JournalQuery;

static gpointer
journal_count_thread (TtshEngine *engine, TtshStore *store, gpointer data, GError **error)
{
  JournalQuery *q = data;
  sqlite3_stmt *stmt = ttsh_store_prepare (store, "SELECT count(*) FROM journal WHERE action = ?1 AND actor = ?2", error);
  int n;

  sqlite3_bind_text (stmt, 1, q->action, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, q->actor, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int (stmt, 0);
  sqlite3_reset (stmt);
  return GINT_TO_POINTER (n + 1);
}

static int
journal_count (Fixture *f, const char *action, const char *actor)
{
  g_autoptr(GError) error = NULL;
  JournalQuery q = { action, actor };
  int n = GPOINTER_TO_INT (ttsh_engine_call_sync (f->engine, journal_count_thread, &q, &error)) - 1;

  g_assert_no_error (error);
  return n;
}

/* Conditions --------------------------------------------------------------- */

static gboolean
signed_in (Fixture *f, gpointer data)
{
  return ttsh_window_get_context (f->window) != NULL;
}

static gboolean
error_shown (Fixture *f, gpointer data)
{
  return shows_text (GTK_WIDGET (f->window), data);
}

static TtshSessionsView *
sessions_view (Fixture *f)
{
  return TTSH_SESSIONS_VIEW (adw_view_stack_get_child_by_name (ttsh_window_get_views (f->window), "sessions"));
}

static gboolean
roster_loaded (Fixture *f, gpointer data)
{
  TtshSessionsView *v = sessions_view (f);
  return g_list_model_get_n_items (G_LIST_MODEL (ttsh_sessions_view_get_roster_store (v))) == N_CANDIDATES &&
         !ttsh_sessions_view_is_busy (v);
}

static gboolean
view_idle (Fixture *f, gpointer data)
{
  return !ttsh_sessions_view_is_busy (sessions_view (f));
}

static guint
shown (Fixture *f)
{
  return g_list_model_get_n_items (ttsh_sessions_view_get_roster_model (sessions_view (f)));
}

static TtshCandidateItem *
shown_item (Fixture *f, guint i)
{
  GListModel *m = ttsh_sessions_view_get_roster_model (sessions_view (f));
  TtshCandidateItem *item = g_list_model_get_item (m, i);
  g_object_unref (item);      /* the store keeps it */
  return item;
}

static void
search (Fixture *f, const char *text)
{
  GtkEditable *entry = ttsh_sessions_view_get_search (sessions_view (f));

  gtk_editable_set_text (entry, text);
  /* What GtkSearchEntry emits once typing pauses; not waiting on its timer
   * keeps the test independent of machine load. */
  g_signal_emit_by_name (entry, "search-changed");
  wait_for (f, (Cond) view_idle, NULL, "filtering");
}

static void
sign_in (Fixture *f, const char *user)
{
  ttsh_window_sign_in (f->window, user, PASSWORD, NULL);
  wait_for (f, signed_in, NULL, "sign-in");
  wait_for (f, roster_loaded, NULL, "the roster");
  gtk_test_widget_wait_for_draw (GTK_WIDGET (f->window));
}

/* Tests -------------------------------------------------------------------- */

static void
test_sign_in (Fixture *f, gconstpointer data)
{
  AdwViewStack *views = ttsh_window_get_views (f->window);
  GtkWidget *health;

  g_assert_null (ttsh_window_get_context (f->window));
  ttsh_window_sign_in (f->window, "giamsat", "sai-mat-khau", NULL);
  wait_for (f, error_shown, (gpointer) "Wrong username or password", "the sign-in error");
  g_assert_null (ttsh_window_get_context (f->window));
  g_assert_cmpint (journal_count (f, TTSH_JOURNAL_LOGIN_FAILED, "giamsat"), ==, 1);

  sign_in (f, "giamsat");
  g_assert_cmpint (journal_count (f, TTSH_JOURNAL_LOGIN, "giamsat"), ==, 1);
  g_assert_cmpstr (ttsh_operator_get_role (ttsh_context_get_operator (ttsh_window_get_context (f->window))),
                   ==, TTSH_OPERATOR_GIAM_SAT);
  g_assert_nonnull (adw_view_stack_get_child_by_name (views, "sessions"));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (sessions_view (f))));
  health = ttsh_test_find_type (GTK_WIDGET (f->window), TTSH_TYPE_HEALTH_BAR);
  g_assert_nonnull (health);
  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (health), GTK_ACCESSIBLE_ROLE_STATUS);
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (ttsh_sessions_view_get_search (sessions_view (f))),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "Search candidates");

  /* The session opened by itself (the only one) and its rows are on screen. */
  g_assert_true (shows_text (GTK_WIDGET (f->window), "Kỳ sát hạch ô tô hạng B"));
  g_assert_true (shows_text (ttsh_sessions_view_get_roster_view (sessions_view (f)), "00001"));
  g_assert_true (shows_text (ttsh_sessions_view_get_roster_view (sessions_view (f)), "Waiting"));

  /* A supervisor sees masked citizen IDs, on screen too. */
  g_assert_cmpstr (ttsh_candidate_item_get_cid (shown_item (f, 0)), ==, "0010******01");
  g_assert_true (shows_text (ttsh_sessions_view_get_roster_view (sessions_view (f)), "0010******01"));

  /* Refused action: journaled on the engine thread. */
  g_assert_false (ttsh_context_check (ttsh_window_get_context (f->window), TTSH_PERM_CANCEL_RESULT, "candidate 1"));
  {
    gint64 until = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
    while (journal_count (f, TTSH_JOURNAL_ACTION_REFUSED, "giamsat") == 0 && g_get_monotonic_time () < until)
      g_main_context_iteration (NULL, FALSE);
  }
  g_assert_cmpint (journal_count (f, TTSH_JOURNAL_ACTION_REFUSED, "giamsat"), ==, 1);

  /* Sign out: views go, the form comes back, the journal says so. */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.sign-out", NULL);
  g_assert_null (ttsh_window_get_context (f->window));
  g_assert_null (adw_view_stack_get_child_by_name (views, "sessions"));
}

static gboolean
totp_asked (Fixture *f, gpointer data)
{
  GtkWidget *row = find_label (GTK_WIDGET (f->window), "Authentication code");
  return row != NULL && gtk_widget_get_mapped (row);
}

/* Administrators need the second factor: the form asks for it after the
 * password, a wrong code is refused and journaled, the right one opens. */
static void
test_admin_totp (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) secret = ttsh_base32_decode (TOTP_SECRET, &error);
  gsize len;
  const guint8 *key = g_bytes_get_data (secret, &len);
  gint64 step = g_get_real_time () / G_USEC_PER_SEC / TTSH_TOTP_STEP_S;
  g_autofree char *code = g_strdup_printf ("%06u", ttsh_totp_code (key, len, step));
  g_autofree char *wrong = g_strdup_printf ("%06u", (ttsh_totp_code (key, len, step) + 1) % 1000000);

  ttsh_window_sign_in (f->window, "quantri", PASSWORD, NULL);
  wait_for (f, totp_asked, NULL, "the authentication code field");
  g_assert_true (shows_text (GTK_WIDGET (f->window), "6-digit code"));
  g_assert_null (ttsh_window_get_context (f->window));

  ttsh_window_sign_in (f->window, "quantri", PASSWORD, wrong);
  wait_for (f, error_shown, (gpointer) "authentication code is wrong", "the refusal");
  g_assert_null (ttsh_window_get_context (f->window));
  g_assert_cmpint (journal_count (f, TTSH_JOURNAL_LOGIN_FAILED, "quantri"), ==, 1);

  ttsh_window_sign_in (f->window, "quantri", PASSWORD, code);
  wait_for (f, signed_in, NULL, "sign-in with the code");
  g_assert_cmpstr (ttsh_operator_get_role (ttsh_context_get_operator (ttsh_window_get_context (f->window))),
                   ==, TTSH_OPERATOR_QUAN_TRI);
  g_assert_cmpint (journal_count (f, TTSH_JOURNAL_LOGIN, "quantri"), ==, 1);
}

static void
test_examiner_sees_ids (Fixture *f, gconstpointer data)
{
  sign_in (f, "sathach");
  g_assert_cmpstr (ttsh_candidate_item_get_cid (shown_item (f, 0)), ==, "001090000001");
}

static void
test_search_and_filter (Fixture *f, gconstpointer data)
{
  g_autofree char *cid = fixture_cid (42);
  guint expect = 0;
  GtkWidget *roster;
  GtkSelectionModel *selection;
  TtshContext *context;

  sign_in (f, "giamsat");
  roster = ttsh_sessions_view_get_roster_view (sessions_view (f));
  selection = gtk_list_view_get_model (GTK_LIST_VIEW (roster));
  context = ttsh_window_get_context (f->window);
  g_assert_cmpuint (shown (f), ==, N_CANDIDATES);

  /* Family name with and without diacritics: the same candidates. */
  for (int i = 1; i <= N_CANDIDATES; i++)
    if (g_str_has_prefix (fixture_family[i % G_N_ELEMENTS (fixture_family)], "Đặng"))
      expect++;
  search (f, "Đặng");
  g_assert_cmpuint (shown (f), ==, expect);
  search (f, "dang");
  g_assert_cmpuint (shown (f), ==, expect);
  g_assert_true (g_str_has_prefix (ttsh_candidate_item_get_full_name (shown_item (f, 0)), "Đặng"));
  search (f, "DANG VAN");
  g_assert_cmpuint (shown (f), >, 0);
  g_assert_cmpuint (shown (f), <, expect);

  /* Candidate number. The row that showed the first candidate now shows
   * this one, and nothing of the others is left on screen. */
  search (f, "00077");
  g_assert_cmpuint (shown (f), ==, 1);
  g_assert_cmpstr (ttsh_candidate_item_get_candidate_no (shown_item (f, 0)), ==, "00077");
  gtk_test_widget_wait_for_draw (roster);
  g_assert_true (shows_text (roster, "00077"));
  g_assert_false (shows_text (roster, "00001"));

  /* The selection follows its candidate while the list changes around it,
   * and goes when the candidate is filtered out. */
  search (f, "");
  ttsh_context_set_selected_candidate_id (context, ttsh_candidate_item_get_id (shown_item (f, 76)));
  g_assert_true (gtk_selection_model_is_selected (selection, 76));
  search (f, "00077");
  g_assert_true (gtk_selection_model_is_selected (selection, 0));
  g_assert_cmpint (ttsh_context_get_selected_candidate_id (context), ==, ttsh_candidate_item_get_id (shown_item (f, 0)));
  search (f, "");
  g_assert_true (gtk_selection_model_is_selected (selection, 76));
  g_assert_false (gtk_selection_model_is_selected (selection, 0));
  g_assert_cmpstr (ttsh_candidate_item_get_candidate_no (shown_item (f, 76)), ==, "00077");
  search (f, "00078");
  g_assert_false (gtk_selection_model_is_selected (selection, 0));
  g_assert_cmpint (ttsh_context_get_selected_candidate_id (context), ==, 0);
  /* Chosen elsewhere (the map) while the filter hides it: it stays chosen
   * through further filtering, and its row is selected once shown. */
  search (f, "");
  {
    gint64 id77 = ttsh_candidate_item_get_id (shown_item (f, 76));

    GtkEditable *entry = ttsh_sessions_view_get_search (sessions_view (f));
    int at = 5;

    search (f, "00078");
    ttsh_context_set_selected_candidate_id (context, id77);
    /* One more digit typed (set_text would pass through an empty entry,
     * which GtkSearchEntry reports at once and which shows every row). */
    gtk_editable_insert_text (entry, "9", 1, &at);
    g_signal_emit_by_name (entry, "search-changed");
    wait_for (f, (Cond) view_idle, NULL, "filtering");
    g_assert_cmpuint (shown (f), ==, 0);
    g_assert_cmpint (ttsh_context_get_selected_candidate_id (context), ==, id77);
    search (f, "");
    g_assert_true (gtk_selection_model_is_selected (selection, 76));
    g_assert_cmpint (ttsh_context_get_selected_candidate_id (context), ==, id77);
    ttsh_context_set_selected_candidate_id (context, 0);
  }

  /* Full citizen ID, looked up through its keyed hash. */
  search (f, cid);
  wait_for (f, (Cond) view_idle, NULL, "the citizen ID lookup");
  {
    gint64 until = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
    while (shown (f) != 1 && g_get_monotonic_time () < until)
      g_main_context_iteration (NULL, FALSE);
  }
  g_assert_cmpuint (shown (f), ==, 1);
  g_assert_cmpstr (ttsh_candidate_item_get_candidate_no (shown_item (f, 0)), ==, "00042");
  search (f, "001099999999");
  {
    gint64 until = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
    while (g_get_monotonic_time () < until)
      g_main_context_iteration (NULL, FALSE);
  }
  g_assert_cmpuint (shown (f), ==, 0);
  search (f, "");
  g_assert_cmpuint (shown (f), ==, N_CANDIDATES);
}

typedef struct {
  gint64      id;
  const char *content;
  int         seq;
  const char *state;
  double      score;
  double      deduct;
  const char *outbox;
} Step;

static gpointer
step_thread (TtshEngine *engine, TtshStore *store, gpointer data, GError **error)
{
  Step *s = data;

  if (s->state == NULL)
    fixture_set_state (store, s->id, s->content, "PRESENT");
  else
    fixture_progress (store, s->id, s->content, 1, s->seq, s->state, s->score, s->deduct, s->outbox);
  _ttsh_engine_emit_changed (engine, "candidate");
  return GINT_TO_POINTER (1);
}

static void
step (Fixture *f, Step s)
{
  g_autoptr(GError) error = NULL;

  ttsh_engine_call_sync (f->engine, step_thread, &s, &error);
  g_assert_no_error (error);
}

static TtshCandidateItem *
item_by_id (Fixture *f, gint64 id)
{
  GListModel *store = G_LIST_MODEL (ttsh_sessions_view_get_roster_store (sessions_view (f)));

  for (guint i = 0; i < g_list_model_get_n_items (store); i++)
    {
      g_autoptr(TtshCandidateItem) item = g_list_model_get_item (store, i);
      if (ttsh_candidate_item_get_id (item) == id)
        return item;
    }
  return NULL;
}

static gboolean
state_is (Fixture *f, gpointer data)
{
  const char *want = data;
  TtshCandidateItem *item = item_by_id (f, 7);
  return g_strcmp0 (ttsh_candidate_item_get_state (item, 2), want) == 0 && !ttsh_sessions_view_is_busy (sessions_view (f));
}

static gboolean
panel_shows (Fixture *f, gpointer data)
{
  GtkWidget *panel = ttsh_test_find_type (GTK_WIDGET (sessions_view (f)), TTSH_TYPE_CANDIDATE_PANEL);
  return panel && shows_text (panel, data);
}

static void
test_live_progress (Fixture *f, gconstpointer data)
{
  GtkWidget *roster;
  TtshCandidateItem *item;

  sign_in (f, "giamsat");
  roster = ttsh_sessions_view_get_roster_view (sessions_view (f));
  item = item_by_id (f, 7);
  g_assert_nonnull (item);

  /* Select candidate 7: the panel opens on its identity. */
  ttsh_context_set_selected_candidate_id (ttsh_window_get_context (f->window), 7);
  wait_for (f, panel_shows, (gpointer) "No. 00007", "the candidate panel");

  step (f, (Step) { 7, "SA_HINH", 0, NULL, 0, 0, NULL });
  wait_for (f, state_is, (gpointer) "PRESENT", "attendance on the roster");
  step (f, (Step) { 7, "SA_HINH", 1, "BAT_DAU", 100, 0, "ACCEPTED" });
  wait_for (f, state_is, (gpointer) "IN_TEST", "the test start");
  gtk_test_widget_wait_for_draw (roster);
  g_assert_true (shows_text (roster, "In test 100"));
  wait_for (f, panel_shows, (gpointer) "Attempt 1 started", "the timeline");

  step (f, (Step) { 7, "SA_HINH", 2, "DANG_THI", 95, 5, "PENDING" });
  wait_for (f, panel_shows, (gpointer) "Fault SH-02: Không thắt dây an toàn (−5 points)", "a deduction");
  g_assert_true (shows_text (GTK_WIDGET (f->window), "Waiting to send"));

  step (f, (Step) { 7, "SA_HINH", 3, "KET_THUC", 95, 0, "ERROR" });
  wait_for (f, state_is, (gpointer) "PASSED", "the result");
  gtk_test_widget_wait_for_draw (roster);
  g_assert_true (shows_text (roster, "Passed 95"));
  g_assert_true (shows_text (roster, "1 record in error"));
  wait_for (f, panel_shows, (gpointer) "C08 error -6", "the transmission error");

  /* Filters follow live state. */
  ttsh_sessions_view_set_filter (sessions_view (f), 2, "PASSED");
  wait_for (f, (Cond) view_idle, NULL, "filtering");
  g_assert_cmpuint (shown (f), ==, 1);
  ttsh_sessions_view_set_filter (sessions_view (f), -1, "TX_ERROR");
  wait_for (f, (Cond) view_idle, NULL, "filtering");
  g_assert_cmpuint (shown (f), ==, 1);
  ttsh_sessions_view_set_filter (sessions_view (f), 0, "PASSED");
  wait_for (f, (Cond) view_idle, NULL, "filtering");
  g_assert_cmpuint (shown (f), ==, 0);
  ttsh_sessions_view_set_filter (sessions_view (f), -1, NULL);
  wait_for (f, (Cond) view_idle, NULL, "filtering");
  g_assert_cmpuint (shown (f), ==, N_CANDIDATES);
}

static gpointer
alarm_thread (TtshEngine *engine, TtshStore *store, gpointer data, GError **error)
{
  g_autofree char *old = g_strdup_printf ("%" G_GINT64_FORMAT, ttsh_now_ms () - 22 * 60 * 1000);

  ttsh_alarm_raise (store, TTSH_ALARM_LATE_RECORD, TTSH_ALARM_CRITICAL, "", "Bản ghi chưa gửi quá 20 phút",
                    NULL, error);
  ttsh_store_meta_set (store, TTSH_META_C08_STATUS, "BAN", error);
  ttsh_store_meta_set (store, TTSH_META_C08_CLOCK_SKEW, "-1500", error);
  fixture_progress (store, 3, "LY_THUYET", 1, 1, "BAT_DAU", 0, 0, "PENDING");
  ttsh_store_exec (store, "UPDATE outbox SET created_at = created_at - 22 * 60 * 1000", error);
  (void) old;
  _ttsh_engine_emit_changed (engine, "alarm");
  return GINT_TO_POINTER (1);
}

/* What the sender leaves behind after C08 answered -10: the clock alarm. */
static gpointer
clock_thread (TtshEngine *engine, TtshStore *store, gpointer data, GError **error)
{
  ttsh_alarm_raise (store, TTSH_ALARM_CLOCK_SKEW, TTSH_ALARM_CRITICAL, "",
                    "C08 từ chối dữ liệu vì lệch thời gian (-10)", NULL, error);
  _ttsh_engine_emit_changed (engine, "alarm");
  return GINT_TO_POINTER (1);
}

static gboolean
health_shows (Fixture *f, gpointer data)
{
  return shows_text (ttsh_test_find_type (GTK_WIDGET (f->window), TTSH_TYPE_HEALTH_BAR), data);
}

static void
test_health_alarm (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  GtkWidget *health;
  GtkWidget *age = NULL;

  sign_in (f, "giamsat");
  wait_for (f, health_shows, (gpointer) "No alarms", "the health bar");
  g_assert_true (health_shows (f, "C08: not checked yet"));

  ttsh_engine_call_sync (f->engine, alarm_thread, NULL, &error);
  g_assert_no_error (error);
  wait_for (f, health_shows, (gpointer) "1 alarm", "the alarm");
  g_assert_true (health_shows (f, "C08: busy"));
  g_assert_true (health_shows (f, "Clock skew: -1,5 s"));
  g_assert_true (health_shows (f, "Unsent: 1"));
  g_assert_true (health_shows (f, "Oldest unsent: 22:0"));
  health = ttsh_test_find_type (GTK_WIDGET (f->window), TTSH_TYPE_HEALTH_BAR);
  age = find_label (health, "Oldest unsent");
  g_assert_nonnull (age);
  g_assert_true (gtk_widget_has_css_class (age, "error"));
  /* The most urgent alarm is spelled out under the chips. */
  wait_for (f, health_shows, (gpointer) "Bản ghi chưa gửi quá 20 phút", "the alarm strip");
  g_assert_true (gtk_widget_has_css_class (gtk_revealer_get_child (GTK_REVEALER (ttsh_test_find_type (health, GTK_TYPE_REVEALER))),
                                           "error"));

  /* A -10 pause lifts itself after a good clock check: no button, the reason instead. */
  ttsh_engine_call_sync (f->engine, clock_thread, NULL, &error);
  g_assert_no_error (error);
  wait_for (f, health_shows, (gpointer) "C08: sending paused (code -10)", "the clock pause");
  g_assert_true (health_shows (f, "Resumes by itself once the clock check passes"));
  g_assert_false (gtk_widget_get_visible (ttsh_health_bar_get_resume_button (TTSH_HEALTH_BAR (health))));
}

int
main (int argc, char **argv)
{
  g_log_set_writer_func (ttsh_test_ui_log_writer, NULL, NULL);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  ttsh_renderer_init ();
  g_test_add ("/ui/console/sign-in", Fixture, NULL, setup, test_sign_in, teardown);
  g_test_add ("/ui/console/admin-totp", Fixture, NULL, setup, test_admin_totp, teardown);
  g_test_add ("/ui/console/examiner-sees-ids", Fixture, NULL, setup, test_examiner_sees_ids, teardown);
  g_test_add ("/ui/console/search-and-filter", Fixture, NULL, setup, test_search_and_filter, teardown);
  g_test_add ("/ui/console/live-progress", Fixture, NULL, setup, test_live_progress, teardown);
  g_test_add ("/ui/console/health-alarm", Fixture, NULL, setup, test_health_alarm, teardown);
  return g_test_run ();
}
