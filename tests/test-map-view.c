/* test-map-view.c — the road-test map under Xvfb against a real engine:
 * vehicles appear and move, go stale, leave when their test ends; the
 * selection follows the list, the markers and the shared property; a
 * replay runs to its end; the grid fallback and tile settings render.
 *
 * With TTSH_MAP_SCREENSHOT_DIR set, /map/screenshots leaves the window on
 * screen in the states the screenshots show and waits for `import`. */
#include "config.h"

#include <locale.h>
#include <math.h>
#include <glib/gi18n.h>
#include <adwaita.h>

#include "ttsh-context.h"
#include "ttsh-renderer.h"
#include "ttsh-engine.h"
#include "ttsh-map-view-private.h"
#include "ttsh-query-gps.h"
#include "ttsh-test-util.h"
#include "test-gps-fixture.h"

typedef struct {
  char        *dir;
  TtshEngine  *engine;
  GtkWindow   *window;
  TtshMapView *view;
  GSettings   *settings;
  TtshContext *context;
} Fixture;

/* Rows are written on the engine thread, as the server does, and announced
 * with the same changed signal. */
typedef void (*StoreFunc) (TtshStore *store, gpointer data);

typedef struct {
  StoreFunc func;
  gpointer  data;
} StoreCall;

static gpointer
run_on_engine (TtshEngine *engine,
               TtshStore  *store,
               gpointer    data,
               GError    **error)
{
  StoreCall *call = data;

  /* One transaction, as the server commits a request: row by row with
   * synchronous=FULL would take longer than the 10 s staleness limit. */
  g_assert_true (ttsh_store_begin (store, error));
  call->func (store, call->data);
  g_assert_true (ttsh_store_commit (store, error));
  _ttsh_engine_emit_changed (engine, "gps");
  _ttsh_engine_emit_changed (engine, "candidate");
  return GINT_TO_POINTER (1);
}

static void
on_engine (Fixture *f, StoreFunc func, gpointer data)
{
  g_autoptr(GError) error = NULL;
  StoreCall call = { func, data };

  g_assert_nonnull (ttsh_engine_call_sync (f->engine, run_on_engine, &call, &error));
  g_assert_no_error (error);
}

typedef gboolean (*Condition) (Fixture *f, gpointer data);

static void
wait_until (Fixture *f, Condition cond, gpointer data, const char *what)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (!cond (f, data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out waiting for %s", what);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
}

static void
pump (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
}

static void
setup_with_settings (Fixture *f, GSettings *settings)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *conf = NULL;
  TtshConfig *config;

  f->dir = ttsh_test_mkdtemp ();
  conf = ttsh_test_write_config (f->dir, NULL);
  config = ttsh_config_load (conf, &error);
  g_assert_no_error (error);
  f->engine = ttsh_engine_new (config, TTSH_ENGINE_NO_SENDER | TTSH_ENGINE_NO_SERVER);
  g_assert_true (ttsh_engine_start (f->engine, &error));
  g_assert_no_error (error);

  f->settings = settings;
  /* Built as the window builds its pages: from the shared context. */
  f->context = ttsh_context_new (f->engine, NULL, settings);
  f->view = g_object_ref_sink (g_object_new (TTSH_TYPE_MAP_VIEW, "context", f->context, NULL));
  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 1280, 800);
  gtk_window_set_child (f->window, GTK_WIDGET (f->view));
  gtk_window_present (f->window);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (f->window));
}

static void
setup (Fixture *f, gconstpointer data)
{
  setup_with_settings (f, NULL);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  gtk_window_destroy (f->window);
  /* Engine answers still in flight hold a reference until they land. */
  while (G_OBJECT (f->view)->ref_count > 1 && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_finalize_object (f->view);
  g_assert_finalize_object (f->context);
  if (f->settings != NULL)
    {
      g_settings_reset (f->settings, "map-tile-url");
      g_settings_reset (f->settings, "map-tile-dir");
    }
  ttsh_engine_stop (f->engine);
  g_clear_object (&f->engine);
  g_clear_object (&f->settings);
  ttsh_test_rmdir (f->dir);
  g_free (f->dir);
}

/* Data ------------------------------------------------------------------------ */

typedef struct {
  gint64 session;
  gint64 cand[4];
  gint64 proc[4];
  double along[4];
  gint64 now;
} Road;

static void
make_road (TtshStore *store, gpointer data)
{
  Road *r = data;
  static const char *const names[] = { "Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường", "Phạm Minh Dũng" };

  r->session = ttsh_fixture_session (store, "KSH-HN01-20261123");
  for (int i = 0; i < 4; i++)
    {
      g_autofree char *no = g_strdup_printf ("DT%03d", i + 1);
      r->cand[i] = ttsh_fixture_candidate (store, r->session, no, names[i]);
    }
  /* Three on the road: 0 and 1 fresh, 2 silent for 30 s. */
  for (int i = 0; i < 3; i++)
    {
      gint64 end = i == 2 ? r->now - 30000 : r->now;
      r->proc[i] = ttsh_fixture_process (store, r->cand[i], 1, 1, "BAT_DAU", 100,
          i == 0 ? "[{\"ThoiGian\":\"2026-11-23T09:00:20+07:00\",\"MaLoi\":\"DT05\","
                   "\"MoTa\":\"Không bật đèn xi nhan khi chuyển hướng\",\"DiemTru\":5}]" : "[]");
      r->along[i] = ttsh_fixture_drive (store, r->proc[i], r->cand[i], 1, end - 59000, 60, i * 900.0);
    }
}

typedef struct {
  Road  *road;
  int    index;
  guint  n;
} Drive;

static void
drive_more (TtshStore *store, gpointer data)
{
  Drive *d = data;
  Road *r = d->road;

  r->now += d->n * 1000;
  r->along[d->index] = ttsh_fixture_drive (store, r->proc[d->index], r->cand[d->index], 1,
                                           r->now - (d->n - 1) * 1000, d->n, r->along[d->index]);
}

static void
finish (TtshStore *store, gpointer data)
{
  Drive *d = data;
  ttsh_fixture_process (store, d->road->cand[d->index], 1, 2, "KET_THUC", 85, "[]");
}

static void
add_jump (TtshStore *store, gpointer data)
{
  Drive *d = data;
  Road *r = d->road;
  double lat, lon;

  r->now += 1000;
  ttsh_fixture_along (r->along[d->index], &lat, &lon, NULL);
  /* 4 km north in one second. */
  ttsh_fixture_point (store, r->proc[d->index], r->cand[d->index], 1, r->now, lat + 0.036, lon, 30, 0, 5);
}

static gboolean
has_vehicles (Fixture *f, gpointer n)
{
  return _ttsh_map_view_get_n_vehicles (f->view) == GPOINTER_TO_UINT (n);
}

static gboolean
vehicle_at (Fixture *f, gpointer data)
{
  Drive *d = data;
  TtshMapVehicle *v = _ttsh_map_view_get_vehicle (f->view, d->road->cand[d->index]);
  double lat, lon;

  if (v == NULL)
    return FALSE;
  ttsh_fixture_along (d->road->along[d->index] - 0.0001, &lat, &lon, NULL);
  return fabs (shumate_location_get_latitude (SHUMATE_LOCATION (v)) - lat) < 2e-4 &&
         fabs (shumate_location_get_longitude (SHUMATE_LOCATION (v)) - lon) < 2e-4;
}

static guint
n_rows (GtkListBox *list)
{
  guint n = 0;
  while (gtk_list_box_get_row_at_index (list, (int) n) != NULL)
    n++;
  return n;
}

static gboolean
finished_rows (Fixture *f, gpointer n)
{
  return n_rows (_ttsh_map_view_get_finished_list (f->view)) == GPOINTER_TO_UINT (n);
}

static const char *
row_title (GtkListBox *list, int index)
{
  GtkListBoxRow *row = gtk_list_box_get_row_at_index (list, index);
  g_assert_nonnull (row);
  return adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row));
}

static void
test_live (Fixture *f, gconstpointer data)
{
  Road road = { .now = ttsh_now_ms () };
  Drive d0 = { &road, 0, 5 };
  Drive d1 = { &road, 1, 0 };
  TtshMapVehicle *v;
  TtshMapTrackLayer *tracks = _ttsh_map_view_get_track_layer (f->view);
  double lat0, lon0;

  on_engine (f, make_road, &road);
  wait_until (f, has_vehicles, GUINT_TO_POINTER (3), "three vehicles");
  g_assert_cmpuint (n_rows (_ttsh_map_view_get_live_list (f->view)), ==, 3);
  g_assert_cmpstr (row_title (_ttsh_map_view_get_live_list (f->view), 0), ==, "DT001 — Nguyễn Văn An");
  g_assert_cmpuint (ttsh_map_track_layer_get_n_lines (tracks), ==, 3);

  /* Each marker sits on its latest point; the silent one is stale. */
  d1.index = 0;
  wait_until (f, vehicle_at, &d1, "vehicle 1 on its last point");
  v = _ttsh_map_view_get_vehicle (f->view, road.cand[0]);
  g_assert_false (ttsh_map_vehicle_get_stale (v));
  g_assert_true (g_str_has_prefix (ttsh_map_vehicle_get_label (v), "DT001 · "));
  g_assert_true (ttsh_map_vehicle_get_stale (_ttsh_map_view_get_vehicle (f->view, road.cand[2])));
  g_assert_false (ttsh_map_vehicle_get_stale (_ttsh_map_view_get_vehicle (f->view, road.cand[1])));

  /* The tracks are drawn, simplified: fewer vertices than points. */
  gtk_test_widget_wait_for_draw (GTK_WIDGET (f->window));
  pump (100);
  g_assert_cmpuint (ttsh_map_track_layer_get_drawn_points (tracks), >, 6);
  g_assert_cmpuint (ttsh_map_track_layer_get_drawn_points (tracks), <, 180);

  /* It moves when new points arrive. */
  lat0 = shumate_location_get_latitude (SHUMATE_LOCATION (v));
  lon0 = shumate_location_get_longitude (SHUMATE_LOCATION (v));
  on_engine (f, drive_more, &d0);
  wait_until (f, vehicle_at, &d0, "vehicle 1 moved");
  g_assert_cmpfloat (fabs (shumate_location_get_latitude (SHUMATE_LOCATION (v)) - lat0) +
                     fabs (shumate_location_get_longitude (SHUMATE_LOCATION (v)) - lon0), >, 1e-4);

  /* A GPS jump is shown, counted and not used as the position of a
   * plausible track... but the marker shows what was received. */
  ttsh_map_view_set_selected_candidate_id (f->view, road.cand[0]);
  on_engine (f, add_jump, &d0);
  {
    gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
    const char *text;
    while (!strstr ((text = gtk_label_get_label (_ttsh_map_view_get_detail_quality (f->view))), "1 jump") &&
           !strstr (text, "1 điểm nhảy"))
      {
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        g_main_context_iteration (NULL, FALSE);
        g_usleep (2000);
      }
  }

  /* A finished test leaves the live map and can be replayed. */
  d1.index = 1;
  on_engine (f, finish, &d1);
  wait_until (f, has_vehicles, GUINT_TO_POINTER (2), "vehicle 2 finished");
  g_assert_null (_ttsh_map_view_get_vehicle (f->view, road.cand[1]));
  g_assert_cmpuint (ttsh_map_track_layer_get_n_lines (tracks), ==, 2);
  wait_until (f, finished_rows, GUINT_TO_POINTER (1), "one finished test");
  g_assert_cmpstr (row_title (_ttsh_map_view_get_finished_list (f->view), 0), ==, "DT002 — Trần Thị Bình");
}

static void
notify_count (GObject *object, GParamSpec *pspec, guint *count)
{
  (*count)++;
}

static void
test_selection (Fixture *f, gconstpointer data)
{
  Road road = { .now = ttsh_now_ms () };
  GtkListBox *list = _ttsh_map_view_get_live_list (f->view);
  TtshMapVehicle *v1, *v2;
  guint notified = 0;

  on_engine (f, make_road, &road);
  wait_until (f, has_vehicles, GUINT_TO_POINTER (3), "three vehicles");
  v1 = _ttsh_map_view_get_vehicle (f->view, road.cand[0]);
  v2 = _ttsh_map_view_get_vehicle (f->view, road.cand[1]);
  g_signal_connect (f->view, "notify::selected-candidate-id", G_CALLBACK (notify_count), &notified);

  /* Roster (the shared property) → list and marker. */
  g_object_set (f->view, "selected-candidate-id", road.cand[1], NULL);
  g_assert_cmpuint (notified, ==, 1);
  g_assert_true (gtk_list_box_row_is_selected (gtk_list_box_get_row_at_index (list, 1)));
  g_assert_true (shumate_marker_is_selected (SHUMATE_MARKER (v2)));
  g_assert_false (shumate_marker_is_selected (SHUMATE_MARKER (v1)));

  /* List → property and marker. */
  gtk_list_box_select_row (list, gtk_list_box_get_row_at_index (list, 0));
  g_assert_cmpint (ttsh_map_view_get_selected_candidate_id (f->view), ==, road.cand[0]);
  g_assert_true (shumate_marker_is_selected (SHUMATE_MARKER (v1)));
  g_assert_false (shumate_marker_is_selected (SHUMATE_MARKER (v2)));

  /* Marker (a click on the map) → property and list. */
  {
    GtkWidget *layer = gtk_widget_get_parent (GTK_WIDGET (v2));
    shumate_marker_layer_unselect_all_markers (SHUMATE_MARKER_LAYER (layer));
    shumate_marker_layer_select_marker (SHUMATE_MARKER_LAYER (layer), SHUMATE_MARKER (v2));
  }
  g_assert_cmpint (ttsh_map_view_get_selected_candidate_id (f->view), ==, road.cand[1]);
  g_assert_true (gtk_list_box_row_is_selected (gtk_list_box_get_row_at_index (list, 1)));
  g_assert_cmpuint (notified, ==, 3);

  /* The roster selects through the shared context, and sees the map's. */
  ttsh_context_set_selected_candidate_id (f->context, road.cand[2]);
  g_assert_cmpint (ttsh_map_view_get_selected_candidate_id (f->view), ==, road.cand[2]);
  g_assert_true (gtk_list_box_row_is_selected (gtk_list_box_get_row_at_index (list, 2)));
  gtk_list_box_select_row (list, gtk_list_box_get_row_at_index (list, 0));
  g_assert_cmpint (ttsh_context_get_selected_candidate_id (f->context), ==, road.cand[0]);

  /* Nothing selected: nothing highlighted. */
  ttsh_map_view_set_selected_candidate_id (f->view, 0);
  g_assert_null (gtk_list_box_get_selected_row (list));
  g_assert_false (shumate_marker_is_selected (SHUMATE_MARKER (v1)));

  /* Follow keeps the selected vehicle centred. */
  ttsh_map_view_set_follow (f->view, TRUE);
  ttsh_map_view_set_selected_candidate_id (f->view, road.cand[1]);
  {
    ShumateViewport *vp = shumate_map_get_viewport (_ttsh_map_view_get_map (f->view));
    g_assert_cmpfloat (fabs (shumate_location_get_latitude (SHUMATE_LOCATION (vp)) -
                             shumate_location_get_latitude (SHUMATE_LOCATION (v2))), <, 1e-6);
    g_assert_cmpfloat (fabs (shumate_location_get_longitude (SHUMATE_LOCATION (vp)) -
                             shumate_location_get_longitude (SHUMATE_LOCATION (v2))), <, 1e-6);
  }
}

static void
set_route (TtshStore *store, gpointer data)
{
  g_autoptr(GError) error = NULL;
  TtshGpsPoint route[TTSH_FIXTURE_LOOP_LEN + 1];

  for (guint i = 0; i <= TTSH_FIXTURE_LOOP_LEN; i++)
    route[i] = (TtshGpsPoint) { .lat = ttsh_fixture_loop[i % TTSH_FIXTURE_LOOP_LEN][0],
                                .lon = ttsh_fixture_loop[i % TTSH_FIXTURE_LOOP_LEN][1] };
  g_assert_true (ttsh_gps_route_set (store, "tester", "KSH-HN01-20261123", "Tuyến số 1", route,
                                     G_N_ELEMENTS (route), &error));
  g_assert_no_error (error);
}

static gboolean
has_lines (Fixture *f, gpointer n)
{
  return ttsh_map_track_layer_get_n_lines (_ttsh_map_view_get_track_layer (f->view)) == GPOINTER_TO_UINT (n);
}

/* The exam route of the session is drawn once under the live tracks. */
static void
test_route (Fixture *f, gconstpointer data)
{
  Road road = { .now = ttsh_now_ms () };

  on_engine (f, make_road, &road);
  on_engine (f, set_route, NULL);
  wait_until (f, has_vehicles, GUINT_TO_POINTER (3), "three vehicles");
  ttsh_map_view_refresh (f->view);
  wait_until (f, has_lines, GUINT_TO_POINTER (4), "three tracks and the route");
}

typedef struct {
  gint64 cand;
  gint64 start;
  double last_lat, last_lon;
} Finished;

static void
make_finished (TtshStore *store, gpointer data)
{
  Finished *fin = data;
  gint64 session = ttsh_fixture_session (store, "KSH-HN01-20261122");
  gint64 proc;
  double along;

  fin->cand = ttsh_fixture_candidate (store, session, "DT101", "Hoàng Thị Em");
  proc = ttsh_fixture_process (store, fin->cand, 1, 1, "BAT_DAU", 100, "[]");
  along = ttsh_fixture_drive (store, proc, fin->cand, 1, fin->start, 48, 300);
  ttsh_fixture_process (store, fin->cand, 1, 2, "KET_THUC", 90,
      "[{\"ThoiGian\":\"2026-11-22T09:00:30+07:00\",\"MaLoi\":\"DT11\",\"MoTa\":\"Vượt quá tốc độ\",\"DiemTru\":10}]");
  ttsh_fixture_along (along - (30.0 + 10.0 * sin (47 / 20.0)) / 3.6, &fin->last_lat, &fin->last_lon, NULL);
}

static gboolean
replay_ended (Fixture *f, gpointer data)
{
  gboolean playing;
  gint64 at, end;
  TtshMapVehicle *marker;

  return _ttsh_map_view_replay_state (f->view, &playing, &at, &end, &marker) && !playing && at == end;
}

static gboolean
replay_loaded (Fixture *f, gpointer data)
{
  gboolean playing;
  gint64 at, end;
  TtshMapVehicle *marker;

  return _ttsh_map_view_replay_state (f->view, &playing, &at, &end, &marker);
}

static void
test_replay (Fixture *f, gconstpointer data)
{
  Finished fin = { 0 };
  gboolean playing;
  gint64 at, end;
  TtshMapVehicle *marker;
  GtkListBox *finished;

  g_assert_true (ttsh_time_parse ("2026-11-22T09:00:00+07:00", &fin.start));
  on_engine (f, make_finished, &fin);
  wait_until (f, finished_rows, GUINT_TO_POINTER (1), "the finished test");

  /* Chosen in the list, replayed with the detail pane's button. */
  finished = _ttsh_map_view_get_finished_list (f->view);
  gtk_list_box_select_row (finished, gtk_list_box_get_row_at_index (finished, 0));
  g_assert_cmpint (ttsh_map_view_get_selected_candidate_id (f->view), ==, fin.cand);
  _ttsh_map_view_set_replay_speed (f->view, 16);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->view), "map.replay-selected", NULL));
  wait_until (f, replay_loaded, NULL, "the replay");
  g_assert_true (_ttsh_map_view_replay_state (f->view, &playing, &at, &end, &marker));
  g_assert_true (playing);
  g_assert_cmpint (at, <, end);
  g_assert_cmpint (end, ==, fin.start + 47000);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (_ttsh_map_view_get_track_layer (f->view))));
  g_assert_cmpuint (ttsh_map_track_layer_get_n_lines (_ttsh_map_view_get_replay_layer (f->view)), ==, 1);
  g_object_get (f->view, "replaying", &playing, NULL);
  g_assert_true (playing);

  /* 47 s at 16× is about three seconds of frames. */
  wait_until (f, replay_ended, NULL, "the end of the replay");
  g_assert_cmpfloat_with_epsilon (shumate_location_get_latitude (SHUMATE_LOCATION (marker)), fin.last_lat, 1e-6);
  g_assert_cmpfloat_with_epsilon (shumate_location_get_longitude (SHUMATE_LOCATION (marker)), fin.last_lon, 1e-6);

  /* Play again restarts from the beginning. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->view), "map.play-pause", NULL));
  g_assert_true (_ttsh_map_view_replay_state (f->view, &playing, &at, &end, &marker));
  g_assert_true (playing);
  g_assert_cmpint (at, ==, fin.start);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->view), "map.stop-replay", NULL));
  g_assert_false (replay_loaded (f, NULL));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (_ttsh_map_view_get_track_layer (f->view))));
}

static gboolean
grid_filled (Fixture *f, gpointer data)
{
  return ttsh_map_grid_source_get_n_filled (_ttsh_map_view_get_grid_source (f->view)) > 0;
}

static void
test_offline_grid (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (_ttsh_map_view_get_tiles (f->view), ==, TTSH_MAP_TILES_GRID);
  wait_until (f, grid_filled, NULL, "grid tiles");
  g_assert_cmpstr (gtk_label_get_label (_ttsh_map_view_get_tiles_label (f->view)), !=, "");
}

static void
setup_tiles (Fixture *f, gconstpointer data)
{
  /* GSETTINGS_BACKEND=memory: nothing leaves the test. */
  GSettings *settings = g_settings_new (APPLICATION_ID);

  g_settings_set_string (settings, "map-tile-url", "https://127.0.0.1:1/tiles/{z}/{x}/{y}.png");
  setup_with_settings (f, settings);
}

static void
test_tiles_settings (Fixture *f, gconstpointer data)
{
  g_autofree char *tiles = g_build_filename (f->dir, "tiles", NULL);
  g_autofree char *zdir = g_build_filename (tiles, "14", "13040", NULL);
  g_autofree char *tile = g_build_filename (zdir, "7214.png", NULL);
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GBytes) png = NULL;
  guint32 pixels[4] = { 0xff00ff00, 0xff00ff00, 0xff00ff00, 0xff00ff00 };
  g_autoptr(GBytes) raw = g_bytes_new (pixels, sizeof pixels);

  /* Online template on an unreachable host: the grid shows below. */
  g_assert_cmpint (_ttsh_map_view_get_tiles (f->view), ==, TTSH_MAP_TILES_ONLINE);
  wait_until (f, grid_filled, NULL, "grid under online tiles");

  /* A tile folder replaces it at once. */
  g_assert_cmpint (g_mkdir_with_parents (zdir, 0700), ==, 0);
  texture = gdk_memory_texture_new (2, 2, GDK_MEMORY_DEFAULT, raw, 8);
  png = gdk_texture_save_to_png_bytes (texture);
  g_assert_true (g_file_set_contents (tile, g_bytes_get_data (png, NULL), g_bytes_get_size (png), NULL));
  g_settings_set_string (f->settings, "map-tile-dir", tiles);
  g_assert_cmpint (_ttsh_map_view_get_tiles (f->view), ==, TTSH_MAP_TILES_FOLDER);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (f->window));
  pump (200);

  /* A folder that does not exist falls back to the template. */
  g_settings_set_string (f->settings, "map-tile-dir", "/nonexistent/tiles");
  g_assert_cmpint (_ttsh_map_view_get_tiles (f->view), ==, TTSH_MAP_TILES_ONLINE);
  g_settings_set_string (f->settings, "map-tile-url", "not a template");
  g_assert_cmpint (_ttsh_map_view_get_tiles (f->view), ==, TTSH_MAP_TILES_GRID);
}

/* A folder source on its own: present tiles load, missing ones complete
 * with NOT_FOUND rather than hanging. */
static void
tile_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError **error = user_data;
  GBytes *bytes = shumate_data_source_get_tile_data_finish (SHUMATE_DATA_SOURCE (source), result, error);

  if (bytes != NULL)
    {
      g_object_set_data_full (source, "bytes", bytes, (GDestroyNotify) g_bytes_unref);
      *error = NULL;
    }
  g_object_set_data (source, "done", GINT_TO_POINTER (1));
}

static void
test_dir_source (void)
{
  g_autofree char *dir = ttsh_test_mkdtemp ();
  g_autofree char *zdir = g_build_filename (dir, "3", "6", NULL);
  g_autofree char *tile = g_build_filename (zdir, "3.png", NULL);
  g_autoptr(TtshMapDirSource) source = ttsh_map_dir_source_new (dir);
  GError *error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (zdir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (tile, "\x89PNG-not-really", -1, NULL));

  shumate_data_source_get_tile_data_async (SHUMATE_DATA_SOURCE (source), 6, 3, 3, NULL, tile_done, &error);
  while (g_object_get_data (G_OBJECT (source), "done") == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (g_object_get_data (G_OBJECT (source), "bytes")), ==, 15);

  g_object_set_data (G_OBJECT (source), "done", NULL);
  shumate_data_source_get_tile_data_async (SHUMATE_DATA_SOURCE (source), 7, 3, 3, NULL, tile_done, &error);
  while (g_object_get_data (G_OBJECT (source), "done") == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpuint (ttsh_map_dir_source_get_n_missing (source), ==, 1);
  ttsh_test_rmdir (dir);
}

/* Screenshots ------------------------------------------------------------------ */

static void
make_demo (TtshStore *store, gpointer data)
{
  Road *r = data;
  static const char *const names[] = {
    "Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường", "Phạm Minh Dũng", "Vũ Thị Hoa", "Đặng Quốc Huy",
  };
  gint64 session = ttsh_fixture_session (store, "KSH-HN01-20261123");
#define DEMO_EVENTS \
    "[{\"ThoiGian\":\"%s\",\"MaLoi\":\"DT05\",\"MoTa\":\"Không bật đèn xi nhan khi chuyển hướng\",\"DiemTru\":5}," \
    " {\"ThoiGian\":\"%s\",\"MaLoi\":\"DT11\",\"MoTa\":\"Vượt quá tốc độ quy định\",\"DiemTru\":10}]"

  for (int i = 0; i < 6; i++)
    {
      g_autofree char *no = g_strdup_printf ("DT%03d", i + 1);
      g_autofree char *t1 = ttsh_time_format_ms (r->now - (200 - i * 20) * 1000);
      g_autofree char *t2 = ttsh_time_format_ms (r->now - (90 - i * 7) * 1000);
      g_autofree char *ev = g_strdup_printf (DEMO_EVENTS, t1, t2);
      gint64 cand = ttsh_fixture_candidate (store, session, no, names[i]);
      gint64 end = i == 4 ? r->now - 25000 : r->now;
      gint64 proc = ttsh_fixture_process (store, cand, 1, 1, "DANG_THI", i % 2 ? 95 : 85, i % 3 ? ev : "[]");
      /* Three routes of the centre, two vehicles on each. */
      ttsh_fixture_shift[0] = (i % 3) * 0.0042;
      ttsh_fixture_shift[1] = (i % 3) * 0.0061;
      ttsh_fixture_drive (store, proc, cand, 1, end - (300 + i * 60) * 1000, 300 + i * 60, i * 700.0);
      if (i == 5)
        ttsh_fixture_process (store, cand, 1, 2, "KET_THUC", 85, ev);
      if (i == 3)
        {
          /* What the quality marks look like: 20 s without data, one
           * point thrown 1 km off, half a minute of poor accuracy. */
          g_autoptr(GError) error = NULL;
          sqlite3_stmt *stmt = ttsh_store_prepare (store,
              "DELETE FROM gps_point WHERE candidate_id = ? AND at BETWEEN ? AND ?", &error);
          gint64 t = end - 200 * 1000;
          sqlite3_bind_int64 (stmt, 1, cand);
          sqlite3_bind_int64 (stmt, 2, t);
          sqlite3_bind_int64 (stmt, 3, t + 20000);
          g_assert_true (ttsh_store_step_done (store, stmt, &error));
          stmt = ttsh_store_prepare (store,
              "UPDATE gps_point SET lat = lat + 0.009 WHERE candidate_id = ? AND at = ?", &error);
          sqlite3_bind_int64 (stmt, 1, cand);
          sqlite3_bind_int64 (stmt, 2, end - 120 * 1000);
          g_assert_true (ttsh_store_step_done (store, stmt, &error));
          stmt = ttsh_store_prepare (store,
              "UPDATE gps_point SET accuracy = 45 WHERE candidate_id = ? AND at BETWEEN ? AND ?", &error);
          sqlite3_bind_int64 (stmt, 1, cand);
          sqlite3_bind_int64 (stmt, 2, end - 80 * 1000);
          sqlite3_bind_int64 (stmt, 3, end - 50 * 1000);
          g_assert_true (ttsh_store_step_done (store, stmt, &error));
        }
      if (i < 4)
        r->cand[i] = cand;
    }
  ttsh_fixture_shift[0] = ttsh_fixture_shift[1] = 0;
}

static gboolean
shot_wait (const char *dir, const char *name)
{
  g_autofree char *ready = g_build_filename (dir, "ready", NULL);
  g_autofree char *done = g_build_filename (dir, "done", NULL);
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  g_file_set_contents (ready, name, -1, NULL);
  while (!g_file_test (done, G_FILE_TEST_EXISTS))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5000);
    }
  g_unlink (done);
  return TRUE;
}

static void
test_screenshots (Fixture *f, gconstpointer data)
{
  const char *dir = g_getenv ("TTSH_MAP_SCREENSHOT_DIR");
  Road road = { .now = ttsh_now_ms () };
  GtkListBox *finished;

  if (dir == NULL)
    {
      g_test_skip ("TTSH_MAP_SCREENSHOT_DIR not set");
      return;
    }
  gtk_window_maximize (f->window);
  on_engine (f, make_demo, &road);
  wait_until (f, has_vehicles, GUINT_TO_POINTER (5), "demo vehicles");
  ttsh_map_view_set_selected_candidate_id (f->view, road.cand[3]);
  pump (2500);
  g_assert_true (shot_wait (dir, "map-live"));

  wait_until (f, finished_rows, GUINT_TO_POINTER (1), "finished test");
  finished = _ttsh_map_view_get_finished_list (f->view);
  gtk_list_box_select_row (finished, gtk_list_box_get_row_at_index (finished, 0));
  gtk_widget_activate_action (GTK_WIDGET (f->view), "map.replay-selected", NULL);
  wait_until (f, replay_loaded, NULL, "replay");
  gtk_widget_activate_action (GTK_WIDGET (f->view), "map.play-pause", NULL);
  _ttsh_map_view_replay_seek (f->view, 0.62);
  pump (2500);
  g_assert_true (shot_wait (dir, "map-replay"));
}

int
main (int argc, char **argv)
{
  g_autofree char *cache = NULL;

  /* Vietnamese from the build tree when asked (screenshots). */
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, BUILD_ROOT "/po");
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  cache = g_dir_make_tmp ("ttsh-map-cache-XXXXXX", NULL);
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  ttsh_renderer_init ();
  g_test_add ("/map/live", Fixture, NULL, setup, test_live, teardown);
  g_test_add ("/map/selection", Fixture, NULL, setup, test_selection, teardown);
  g_test_add ("/map/replay", Fixture, NULL, setup, test_replay, teardown);
  g_test_add ("/map/route", Fixture, NULL, setup, test_route, teardown);
  g_test_add ("/map/offline-grid", Fixture, NULL, setup, test_offline_grid, teardown);
  g_test_add ("/map/tiles-settings", Fixture, NULL, setup_tiles, test_tiles_settings, teardown);
  g_test_add_func ("/map/dir-source", test_dir_source);
  g_test_add ("/map/screenshots", Fixture, NULL, setup, test_screenshots, teardown);
  return g_test_run ();
}
