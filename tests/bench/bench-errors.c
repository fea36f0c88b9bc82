/* bench-errors.c — the error queue page with 50,000 errored records: time to
 * load them from the engine into the list, to filter by text and by code,
 * and frame times while scrolling the list. Prints BENCH lines. */
#include "config.h"

#include <adwaita.h>
#include <time.h>

#include "ttsh-context.h"
#include "ttsh-renderer.h"
#include "ttsh-errors.h"
#include "ttsh-errors-view.h"
#include "ttsh-operators.h"
#include "test-errors-util.h"

#define N_RECORDS     50000
#define N_CANDIDATES  500

static gboolean
on_deadline (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
settled (TtshErrorsView *view, guint generation)
{
  return ttsh_errors_view_get_generation (view) > generation && !ttsh_errors_view_is_busy (view);
}

static double
wait_settled (TtshErrorsView *view, guint generation)
{
  gboolean late = FALSE;
  guint id = g_timeout_add_seconds (120, on_deadline, &late);
  gint64 start = g_get_monotonic_time ();

  while (!settled (view, generation) && !late)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (late);
  g_source_remove (id);
  return (g_get_monotonic_time () - start) / 1000.0;
}

static void
fill (TtshStore *store)
{
  g_autoptr(GError) error = NULL;
  static const int codes[] = { -4, -6, -9, -99, 0 };
  gint64 t0 = g_get_monotonic_time ();

  g_assert_true (ttsh_store_begin (store, &error));
  for (int i = 0; i < N_RECORDS; i++)
    test_enqueue (store, 1 + i % N_CANDIDATES, 1 + i / (N_CANDIDATES * 100), 1 + (i / N_CANDIDATES) % 100, NULL);
  g_assert_true (ttsh_store_commit (store, &error));
  g_assert_no_error (error);
  for (guint c = 0; c < G_N_ELEMENTS (codes); c++)
    {
      g_autofree char *sql = g_strdup_printf (
          "UPDATE outbox SET state = 'ERROR', last_code = %d, last_message = 'rejected', attempts = %d, "
          "first_error_at = created_at, last_error_at = created_at + id, errored_at = created_at + id "
          "WHERE id %% %u = %u", codes[c], codes[c] == -99 || codes[c] == 0 ? 12 : 1,
          (guint) G_N_ELEMENTS (codes), c);
      test_exec (store, sql);
    }
  g_printerr ("# filled %d errored records in %.1f s\n", N_RECORDS,
              (g_get_monotonic_time () - t0) / 1e6);
}

/* Frame times while the list scrolls by one step per frame. */
typedef struct {
  GtkAdjustment *adj;
  GArray        *intervals;   /* double ms */
  gint64         last;
  int            frames;
} Scroll;

static gboolean
scroll_tick (GtkWidget     *widget,
             GdkFrameClock *clock,
             gpointer       data)
{
  Scroll *s = data;
  gint64 now = gdk_frame_clock_get_frame_time (clock);
  double v;

  if (s->last > 0)
    {
      double ms = (now - s->last) / 1000.0;
      g_array_append_val (s->intervals, ms);
    }
  s->last = now;
  v = gtk_adjustment_get_value (s->adj) + 97.0;   /* a few rows per frame */
  if (v > gtk_adjustment_get_upper (s->adj) - gtk_adjustment_get_page_size (s->adj))
    v = 0;
  gtk_adjustment_set_value (s->adj, v);
  return ++s->frames < 300 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gpointer
query_all (TtshEngine *engine, TtshStore *store, gpointer data, GError **error)
{
  return ttsh_errors_list (store, FALSE, error);
}

/* Keystroke to the filtered list on screen: the search entry's signal, the
 * filter, and the next frame drawn. */
static double
thread_cpu_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* @model_ms: wall time of the filter alone; @cpu_ms: the main thread's CPU
 * time for it, which other processes on a shared machine do not inflate. */
static double
measure_search (TtshErrorsView *view,
                GtkWindow      *win,
                const char     *text,
                guint           expected,
                double         *model_ms,
                double         *cpu_ms)
{
  GListModel *model = ttsh_errors_view_get_model (view);
  gint64 t0 = g_get_monotonic_time ();
  double c0 = thread_cpu_ms ();

  gtk_editable_set_text (ttsh_errors_view_get_search (view), text);
  /* what the entry emits once typing pauses, without waiting for its timer */
  g_signal_emit_by_name (ttsh_errors_view_get_search (view), "search-changed");
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, expected);
  *model_ms = (g_get_monotonic_time () - t0) / 1000.0;
  *cpu_ms = thread_cpu_ms () - c0;
  gtk_test_widget_wait_for_draw (GTK_WIDGET (win));
  return (g_get_monotonic_time () - t0) / 1000.0;
}

static int
cmp_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *db = NULL;
  g_autoptr(TtshStore) store = NULL;
  g_autoptr(TtshEngine) engine = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(TtshOperator) op = NULL;
  g_autoptr(TtshContext) ctx = NULL;
  TtshErrorsView *view;
  GtkWindow *win;
  GtkWidget *scrolled;
  Scroll scroll = { 0 };
  double load_ms, text_ms, key_ms, code_ms, clear_ms, model_ms = 0;
  double text_model_ms, key_model_ms, clear_model_ms, text_cpu_ms, key_cpu_ms, clear_cpu_ms;
  guint gen;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  ttsh_renderer_init ();
  /* GtkColumnView warns when a scroll lands past a list it is still
   * measuring; a benchmark must not die of that. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);

  dir = ttsh_test_mkdtemp ();
  conf = ttsh_test_write_config (dir, NULL);
  data_dir = g_build_filename (dir, "data", NULL);
  g_assert_cmpint (g_mkdir_with_parents (data_dir, 0700), ==, 0);
  db = g_build_filename (data_dir, "ttsh.db", NULL);
  store = ttsh_store_open (db, TTSH_STORE_SYNC_NORMAL, &error);
  g_assert_no_error (error);
  test_add_session (store, N_CANDIDATES);
  fill (store);
  g_clear_pointer (&store, ttsh_store_free);

  engine = ttsh_engine_new (ttsh_config_load (conf, &error), TTSH_ENGINE_NO_SENDER | TTSH_ENGINE_NO_SERVER);
  g_assert_no_error (error);
  g_assert_true (ttsh_engine_start (engine, &error));
  settings = g_settings_new (APPLICATION_ID);
  op = ttsh_operator_new (1, "ql1", "Phạm Văn Quản Lý", "", TTSH_OPERATOR_QUAN_LY);
  ctx = ttsh_context_new (engine, op, settings);

  /* The engine's read of the queue alone. */
  {
    gint64 t0 = g_get_monotonic_time ();
    g_autoptr(GPtrArray) all = ttsh_engine_call_sync (engine, query_all, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (all->len, ==, N_RECORDS);
    printf ("BENCH errors_query_50k %.0f ms\n", (g_get_monotonic_time () - t0) / 1000.0);
  }

  /* Load: engine query, items, grouping, incremental sort by code. */
  view = TTSH_ERRORS_VIEW (ttsh_errors_view_new (ctx));
  win = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (win, 1280, 760);
  gtk_window_set_child (win, GTK_WIDGET (view));
  gtk_window_present (win);
  load_ms = wait_settled (view, 0);
  g_assert_cmpuint (g_list_model_get_n_items (ttsh_errors_view_get_model (view)), ==, N_RECORDS);

  /* Filter by text: one candidate's records (100), then back to all. */
  gtk_search_entry_set_search_delay (GTK_SEARCH_ENTRY (ttsh_errors_view_get_search (view)), 0);
  text_ms = measure_search (view, win, "dk00012", 10 * N_RECORDS / N_CANDIDATES, &text_model_ms, &text_cpu_ms);
  key_ms = measure_search (view, win, "dk000123", N_RECORDS / N_CANDIDATES, &key_model_ms, &key_cpu_ms);
  clear_ms = measure_search (view, win, "", N_RECORDS, &clear_model_ms, &clear_cpu_ms);
  {
    gint64 t0 = g_get_monotonic_time ();
    ttsh_errors_view_set_code_filter (view, FALSE, -4);
    g_assert_cmpuint (g_list_model_get_n_items (ttsh_errors_view_get_model (view)), ==, N_RECORDS / 5);
    model_ms = (g_get_monotonic_time () - t0) / 1000.0;
    gtk_test_widget_wait_for_draw (GTK_WIDGET (win));
    code_ms = (g_get_monotonic_time () - t0) / 1000.0;
    ttsh_errors_view_set_code_filter (view, TRUE, 0);
    gtk_test_widget_wait_for_draw (GTK_WIDGET (win));
  }

  /* Frames while scrolling the full list. */
  scrolled = gtk_widget_get_parent (GTK_WIDGET (ttsh_errors_view_get_column_view (view)));
  scroll.adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
  scroll.intervals = g_array_new (FALSE, FALSE, sizeof (double));
  gtk_widget_add_tick_callback (scrolled, scroll_tick, &scroll, NULL);
  while (scroll.frames < 300)
    g_main_context_iteration (NULL, TRUE);
  g_array_sort (scroll.intervals, cmp_double);

  /* A reload while 50,000 are shown (what a burst of outbox changes costs). */
  gen = ttsh_errors_view_get_generation (view);
  ttsh_errors_view_reload (view);
  {
    double reload_ms = wait_settled (view, gen);
    printf ("BENCH errors_load_50k %.0f ms\n", load_ms);
    printf ("BENCH errors_reload_50k %.0f ms\n", reload_ms);
  }
  printf ("BENCH errors_filter_text %.1f ms\n", text_ms);
  printf ("BENCH errors_filter_keystroke %.1f ms\n", key_ms);
  printf ("BENCH errors_filter_text_model %.1f ms\n", text_model_ms);
  printf ("BENCH errors_filter_keystroke_model %.1f ms\n", key_model_ms);
  printf ("BENCH errors_filter_clear_model %.1f ms\n", clear_model_ms);
  printf ("BENCH errors_filter_text_cpu %.1f ms\n", text_cpu_ms);
  printf ("BENCH errors_filter_keystroke_cpu %.1f ms\n", key_cpu_ms);
  printf ("BENCH errors_filter_clear_cpu %.1f ms\n", clear_cpu_ms);
  printf ("BENCH errors_filter_clear %.1f ms\n", clear_ms);
  printf ("BENCH errors_filter_code %.1f ms\n", code_ms);
  printf ("BENCH errors_filter_code_model %.1f ms\n", model_ms);
  {
    guint n = scroll.intervals->len;
    printf ("BENCH errors_scroll_frame_p50 %.1f ms\n", g_array_index (scroll.intervals, double, n / 2));
    printf ("BENCH errors_scroll_frame_p95 %.1f ms\n", g_array_index (scroll.intervals, double, n * 95 / 100));
    printf ("BENCH errors_scroll_frame_max %.1f ms\n", g_array_index (scroll.intervals, double, n - 1));
  }
  g_array_unref (scroll.intervals);

  gtk_window_destroy (win);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  ttsh_engine_stop (engine);
  ttsh_test_rmdir (dir);
  return 0;
}
