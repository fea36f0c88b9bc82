/* bench-map.c — the road-test map with 50 vehicles, two hours of 1 Hz
 * history each (360,000 points), updating at 1 Hz while the view pans and
 * zooms: frame work times (update → after-paint), first load and memory.
 * Prints BENCH lines; asserts nothing about time. */
#include "config.h"

#include <math.h>
#include <adwaita.h>

#include "ttsh-engine.h"
#include "ttsh-renderer.h"
#include "ttsh-map-view-private.h"
#include "ttsh-test-util.h"
#include "test-gps-fixture.h"

#define MAX_VEHICLES 50
#define HISTORY_S  7200

/* TTSH_BENCH_MAP_VEHICLES overrides the count (0 gives the empty map's
 * own frame cost on this machine, for comparison). */
static int N_VEHICLES = MAX_VEHICLES;

typedef struct {
  gint64 cand[MAX_VEHICLES];
  gint64 proc[MAX_VEHICLES];
  double along[MAX_VEHICLES];
  gint64 now;
} Fleet;

static gpointer
make_fleet (TtshEngine *engine, TtshStore *store, gpointer data, GError **error)
{
  Fleet *fleet = data;
  gint64 session;

  g_assert_true (ttsh_store_begin (store, error));
  session = ttsh_fixture_session (store, "KSH-BENCH");
  for (int i = 0; i < N_VEHICLES; i++)
    {
      g_autofree char *no = g_strdup_printf ("DT%03d", i + 1);
      g_autofree char *name = g_strdup_printf ("Thí sinh %d", i + 1);
      fleet->cand[i] = ttsh_fixture_candidate (store, session, no, name);
      fleet->proc[i] = ttsh_fixture_process (store, fleet->cand[i], 1, 1, "DANG_THI", 100, "[]");
      fleet->along[i] = ttsh_fixture_drive (store, fleet->proc[i], fleet->cand[i], 1,
                                            fleet->now - (HISTORY_S - 1) * 1000, HISTORY_S, i * 131.0);
    }
  g_assert_true (ttsh_store_commit (store, error));
  _ttsh_engine_emit_changed (engine, "gps");
  return GINT_TO_POINTER (1);
}

static gpointer
one_second (TtshEngine *engine, TtshStore *store, gpointer data, GError **error)
{
  Fleet *fleet = data;

  fleet->now += 1000;
  if (!ttsh_store_begin (store, error))
    return NULL;
  for (int i = 0; i < N_VEHICLES; i++)
    fleet->along[i] = ttsh_fixture_drive (store, fleet->proc[i], fleet->cand[i], 1, fleet->now, 1,
                                          fleet->along[i]);
  if (!ttsh_store_commit (store, error))
    return NULL;
  _ttsh_engine_emit_changed (engine, "gps");
  return GINT_TO_POINTER (1);
}

static void
tick_done (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GError) error = NULL;
  ttsh_engine_call_finish (TTSH_ENGINE (source), result, &error);
  g_assert_no_error (error);
}

typedef struct {
  TtshEngine *engine;
  Fleet      *fleet;
} Feeder;

static gboolean
feed (gpointer data)
{
  Feeder *feeder = data;
  ttsh_engine_call_async (feeder->engine, one_second, feeder->fleet, NULL, NULL, NULL, tick_done, NULL);
  return G_SOURCE_CONTINUE;
}

typedef struct {
  gint64  start;
  GArray *times;   /* double ms */
} Frames;

static void
frame_start (GdkFrameClock *clock, Frames *f)
{
  f->start = g_get_monotonic_time ();
}

static void
frame_end (GdkFrameClock *clock, Frames *f)
{
  if (f->start != 0 && f->times != NULL)
    {
      double ms = (g_get_monotonic_time () - f->start) / 1000.0;
      g_array_append_val (f->times, ms);
    }
  f->start = 0;
}

static int
cmp_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static void
report (const char *name, GArray *times)
{
  double sum = 0;
  guint over = 0;

  g_array_sort (times, cmp_double);
  for (guint i = 0; i < times->len; i++)
    {
      sum += g_array_index (times, double, i);
      over += g_array_index (times, double, i) > 16.0;
    }
  if (times->len == 0)
    return;
  g_print ("BENCH %s_frames %u frames\n", name, times->len);
  g_print ("BENCH %s_frame_mean %.2f ms\n", name, sum / times->len);
  g_print ("BENCH %s_frame_p95 %.2f ms\n", name, g_array_index (times, double, (guint) (times->len * 0.95)));
  g_print ("BENCH %s_frame_max %.2f ms\n", name, g_array_index (times, double, times->len - 1));
  g_print ("BENCH %s_frames_over_16ms %u frames\n", name, over);
}

static long
rss_kb (void)
{
  g_autofree char *status = NULL;
  const char *p;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) || (p = strstr (status, "VmRSS:")) == NULL)
    return 0;
  return strtol (p + 6, NULL, 10);
}

typedef enum { PAN, ZOOM } Motion;

typedef struct {
  ShumateMap *map;
  Motion      motion;
  guint       frame;
} Driver;

static gboolean
drive_view (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  Driver *d = data;
  ShumateViewport *vp = shumate_map_get_viewport (d->map);
  double lat = shumate_location_get_latitude (SHUMATE_LOCATION (vp));
  double lon = shumate_location_get_longitude (SHUMATE_LOCATION (vp));

  d->frame++;
  if (d->motion == PAN)
    {
      /* A circle of ~1.5 km radius, ~6 px per frame at zoom 15. */
      double a = d->frame * 0.01;
      shumate_location_set_location (SHUMATE_LOCATION (vp), lat + 0.00013 * cos (a), lon - 0.00014 * sin (a));
    }
  else
    shumate_viewport_set_zoom_level (vp, 15.0 + 3.0 * sin (d->frame * 0.02));
  return G_SOURCE_CONTINUE;
}

/* Drives the view in @motion for @ms and returns the frame times; a new
 * motion starts its path from the beginning. */
static GArray *
drive_for (Driver    *d,
           Frames    *frames,
           GtkWidget *view,
           Motion     motion,
           guint      ms)
{
  GArray *times = g_array_new (FALSE, FALSE, sizeof (double));
  guint tick;

  if (d->motion != motion)
    d->frame = 0;
  d->motion = motion;
  frames->times = times;
  tick = gtk_widget_add_tick_callback (view, drive_view, d, NULL);
  ttsh_test_run_for (ms);
  gtk_widget_remove_tick_callback (view, tick);
  frames->times = NULL;
  return times;
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL, *conf = NULL;
  g_autoptr(TtshEngine) engine = NULL;
  Fleet fleet = { .now = 0 };
  Feeder feeder;
  Frames frames = { 0 };
  Driver driver = { 0 };
  TtshMapView *view;
  TtshMapTrackLayer *layer;
  GtkWindow *window;
  GdkFrameClock *clock;
  gint64 t0;
  long rss0;
  guint feed_id;
  TtshConfig *config;

  gtk_test_init (&argc, &argv, NULL);
  if (g_getenv ("TTSH_BENCH_MAP_VEHICLES"))
    N_VEHICLES = CLAMP (atoi (g_getenv ("TTSH_BENCH_MAP_VEHICLES")), 0, MAX_VEHICLES);
  adw_init ();
  ttsh_renderer_init ();

  dir = ttsh_test_mkdtemp ();
  conf = ttsh_test_write_config (dir, NULL);
  config = ttsh_config_load (conf, &error);
  g_assert_no_error (error);
  engine = ttsh_engine_new (config, TTSH_ENGINE_NO_SENDER | TTSH_ENGINE_NO_SERVER);
  g_assert_true (ttsh_engine_start (engine, &error));

  rss0 = rss_kb ();
  view = ttsh_map_view_new (engine, NULL);
  window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (window, 1280, 800);
  gtk_window_set_child (window, GTK_WIDGET (view));
  gtk_window_present (window);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  g_signal_connect (clock, "update", G_CALLBACK (frame_start), &frames);
  g_signal_connect (clock, "after-paint", G_CALLBACK (frame_end), &frames);
  driver.map = _ttsh_map_view_get_map (view);
  layer = _ttsh_map_view_get_track_layer (view);
  shumate_viewport_set_zoom_level (shumate_map_get_viewport (driver.map), 15);
  ttsh_test_run_for (500);

  /* The same window with no vehicle: what any frame costs on this machine
   * (software GL under Xvfb), measured under the same load. */
  {
    g_autoptr(GArray) empty = drive_for (&driver, &frames, GTK_WIDGET (view), PAN, 4000);
    report ("map_empty_pan", empty);
  }

  fleet.now = ttsh_now_ms ();
  t0 = g_get_monotonic_time ();
  g_assert_nonnull (ttsh_engine_call_sync (engine, make_fleet, &fleet, &error));
  g_assert_no_error (error);
  g_print ("BENCH map_fixture_insert %.0f ms\n", (g_get_monotonic_time () - t0) / 1000.0);

  t0 = g_get_monotonic_time ();
  ttsh_map_view_refresh (view);
  while (_ttsh_map_view_get_n_vehicles (view) < (guint) N_VEHICLES)
    g_main_context_iteration (NULL, TRUE);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  g_print ("BENCH map_first_load_%d_vehicles %.0f ms\n", N_VEHICLES, (g_get_monotonic_time () - t0) / 1000.0);
  g_print ("BENCH map_rss_after_load %.1f MB\n", rss_kb () / 1024.0);
  g_print ("BENCH map_rss_view_growth %.1f MB\n", (rss_kb () - rss0) / 1024.0);

  /* Live: 50 new points per second from here on. */
  feeder = (Feeder) { engine, &fleet };
  feed_id = g_timeout_add (1000, feed, &feeder);
  shumate_viewport_set_zoom_level (shumate_map_get_viewport (driver.map), 15);
  ttsh_test_run_for (1000);

  {
    gint64 us0 = ttsh_map_track_layer_get_snapshot_time_us (layer);
    g_autoptr(GArray) pan = drive_for (&driver, &frames, GTK_WIDGET (view), PAN, 6000);
    g_print ("BENCH map_pan_track_layer_per_frame %.2f ms\n",
             pan->len ? (ttsh_map_track_layer_get_snapshot_time_us (layer) - us0) / 1000.0 / pan->len : 0);
    report ("map_pan", pan);
    g_print ("BENCH map_pan_drawn_vertices %u vertices\n", ttsh_map_track_layer_get_drawn_points (layer));
  }
  {
    gint64 us0 = ttsh_map_track_layer_get_snapshot_time_us (layer);
    g_autoptr(GArray) zoom = drive_for (&driver, &frames, GTK_WIDGET (view), ZOOM, 6000);
    g_print ("BENCH map_zoom_track_layer_per_frame %.2f ms\n",
             zoom->len ? (ttsh_map_track_layer_get_snapshot_time_us (layer) - us0) / 1000.0 / zoom->len : 0);
    report ("map_zoom", zoom);
  }
  g_print ("BENCH map_live_refreshes %u refreshes\n", _ttsh_map_view_get_n_refreshes (view));
  g_print ("BENCH map_rss_end %.1f MB\n", rss_kb () / 1024.0);

  g_source_remove (feed_id);
  g_signal_handlers_disconnect_by_data (clock, &frames);
  gtk_window_destroy (window);
  ttsh_test_run_for (200);
  ttsh_engine_stop (engine);
  ttsh_test_rmdir (dir);
  return 0;
}
