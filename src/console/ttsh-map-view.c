/* ttsh-map-view.c — live road-test map and replay.
 *
 * Reads go through ttsh_engine_call_async (never the GTK thread): live
 * positions incrementally from a point-id cursor, finished tests and whole
 * tracks on demand. Quality flags are recomputed here as points arrive,
 * with the engine's own analysis, and never change what is stored. */
#define G_LOG_DOMAIN "ttsh-map"
#include "config.h"

#include <math.h>
#include <glib/gi18n.h>
#include <adwaita.h>

#include "ttsh-tooltip.h"
#include "ttsh-context.h"
#include "ttsh-map-item.h"
#include "ttsh-map-speed-chart.h"
#include "ttsh-map-util.h"
#include "ttsh-map-view-private.h"
#include "ttsh-query-gps.h"

#define STALE_MS        10000
#define POLL_SECONDS    5
#define FINISHED_LIMIT  200

typedef struct {
  gint64          candidate_id;
  int             attempt;
  char           *candidate_no;
  char           *full_name;
  char           *licence_class;
  gboolean        has_score;
  double          score;
  GArray         *points;     /* TtshGpsPoint, all of the attempt so far */
  GPtrArray      *events;     /* TtshGpsEvent* */
  TtshGpsQuality  quality;
  gint64          arrived_ms; /* when points last reached the console */
  TtshMapLine    *line;
  TtshMapVehicle *marker;
  TtshMapItem    *item;
  gboolean        seen;
} Vehicle;

struct _TtshMapView {
  GtkWidget           parent_instance;

  TtshContext        *context;
  TtshEngine         *engine;
  GSettings          *settings;
  GCancellable       *cancellable;
  gint64              selected;
  gboolean            follow;
  gboolean            syncing;

  /* Template */
  GtkPaned           *paned;
  GtkStack           *lists;
  GtkListBox         *live_list;
  GtkListBox         *finished_list;
  GtkLabel           *detail_title;
  GtkLabel           *detail_body;
  GtkLabel           *detail_quality;
  GtkLabel           *detail_events;
  GtkButton          *replay_button;
  ShumateMap         *map;
  ShumateScale       *scale;
  GtkToggleButton    *follow_button;
  GtkLabel           *tiles_label;
  GtkRevealer        *replay_revealer;
  GtkLabel           *replay_title;
  TtshMapSpeedChart  *speed_chart;
  GtkButton          *play_button;
  GtkScale           *timeline;
  GtkAdjustment      *timeline_adjustment;
  GtkLabel           *replay_time;
  GtkDropDown        *speed_dropdown;

  /* Layers, bottom to top */
  ShumateMapSource   *grid_source;
  ShumateMapLayer    *grid_layer;
  ShumateMapLayer    *tiles_layer;
  TtshMapTiles        tiles;
  TtshMapTrackLayer  *track_layer;
  TtshMapTrackLayer  *replay_layer;
  ShumateMarkerLayer *event_layer;
  ShumateMarkerLayer *vehicle_layer;
  ShumateMarkerLayer *replay_marker_layer;

  /* Live */
  GHashTable         *vehicles;      /* candidate id -> Vehicle* */
  GHashTable         *routes;        /* session code -> TtshMapLine* (live) */
  GListStore         *live_store;
  GListStore         *finished_store;
  gint64              since;
  gboolean            live_in_flight;
  gboolean            live_dirty;
  gboolean            finished_in_flight;
  gboolean            finished_dirty;
  gboolean            fitted_once;
  guint               n_refreshes;
  guint               n_colours;
  gint64              last_refresh_us;
  guint               timer_id;

  /* Replay */
  TtshGpsTrack       *replay;
  TtshMapLine        *replay_line;
  TtshMapVehicle     *replay_marker;
  gint64              replay_at;
  gboolean            playing;
  guint               speed;
  guint               tick_id;
  gint64              last_frame_us;
  gboolean            moving_timeline;
};

G_DEFINE_FINAL_TYPE (TtshMapView, ttsh_map_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_CONTEXT,
  PROP_ENGINE,
  PROP_SETTINGS,
  PROP_SELECTED_CANDIDATE_ID,
  PROP_FOLLOW,
  PROP_REPLAYING,
  N_PROPS
};
static GParamSpec *properties[N_PROPS];

static void sync_selection (TtshMapView *self);
static void refresh_finished (TtshMapView *self);
static void update_detail (TtshMapView *self);

/* Vehicles ------------------------------------------------------------------ */

static void
vehicle_free (Vehicle *v)
{
  g_free (v->candidate_no);
  g_free (v->full_name);
  g_free (v->licence_class);
  g_array_unref (v->points);
  g_ptr_array_unref (v->events);
  g_clear_object (&v->item);
  g_clear_object (&v->marker);
  g_free (v);
}

static Vehicle *
vehicle_new (TtshMapView        *self,
             const TtshGpsTrack *track)
{
  Vehicle *v = g_new0 (Vehicle, 1);
  GdkRGBA color;

  ttsh_map_palette (self->n_colours++, &color);
  v->candidate_id = track->candidate_id;
  v->attempt = track->attempt;
  v->points = g_array_new (FALSE, FALSE, sizeof (TtshGpsPoint));
  v->events = g_ptr_array_new_with_free_func ((GDestroyNotify) ttsh_gps_event_free);
  v->line = ttsh_map_track_layer_add_line (self->track_layer, TTSH_MAP_LINE_TRACK, &color);
  v->marker = g_object_ref_sink (ttsh_map_vehicle_new (track->candidate_id, &color));
  v->item = ttsh_map_item_new (track->candidate_id, track->attempt);
  return v;
}

static const TtshGpsPoint *
vehicle_last (Vehicle *v)
{
  return v->points->len ? &g_array_index (v->points, TtshGpsPoint, v->points->len - 1) : NULL;
}

/* Stale when nothing arrived for STALE_MS, or the newest position is that
 * old: a clock running ahead (or an accelerated simulation) cannot keep a
 * silent vehicle looking live. */
static gboolean
vehicle_is_stale (Vehicle *v)
{
  const TtshGpsPoint *last = vehicle_last (v);
  gint64 now = ttsh_now_ms ();

  return last == NULL || now - last->at > STALE_MS || now - v->arrived_ms > STALE_MS;
}

static int
point_compare (gconstpointer a,
               gconstpointer b)
{
  const TtshGpsPoint *pa = a, *pb = b;

  if (pa->at != pb->at)
    return pa->at < pb->at ? -1 : 1;
  return (pa->id > pb->id) - (pa->id < pb->id);
}

/* New points arrive in time order nearly always; a late one re-sorts and
 * re-analyses the track rather than drawing it out of order. */
static void
vehicle_add_points (Vehicle *v,
                    GArray  *points)
{
  guint old = v->points->len, from;
  gboolean in_order = TRUE;

  if (points->len == 0)
    return;
  v->arrived_ms = ttsh_now_ms ();
  if (old > 0 && g_array_index (points, TtshGpsPoint, 0).at < vehicle_last (v)->at)
    in_order = FALSE;
  g_array_append_vals (v->points, points->data, points->len);
  if (in_order)
    {
      ttsh_gps_analyse ((TtshGpsPoint *) (void *) v->points->data, v->points->len, old, NULL, &v->quality);
      /* A relocation may clear the jump flags of up to two earlier points. */
      from = old > 2 ? old - 2 : 0;
    }
  else
    {
      g_array_sort (v->points, point_compare);
      ttsh_gps_analyse ((TtshGpsPoint *) (void *) v->points->data, v->points->len, 0, NULL, &v->quality);
      from = 0;
    }
  ttsh_map_line_set_points (v->line, (TtshGpsPoint *) (void *) v->points->data, v->points->len, from);
}

static void
vehicle_texts (Vehicle *v)
{
  const TtshGpsPoint *last = vehicle_last (v);
  g_autofree char *title = g_strdup_printf ("%s — %s", v->candidate_no, v->full_name);
  g_autofree char *speed = ttsh_map_format_number (last ? last->speed : NAN, 0);
  g_autofree char *score = ttsh_map_format_number (v->has_score ? v->score : NAN, 0);
  g_autofree char *subtitle = NULL;

  if (vehicle_is_stale (v))
    {
      g_autofree char *clock = last ? ttsh_map_format_clock (last->at) : g_strdup ("–");
      /* TRANSLATORS: list row of a vehicle without recent position */
      subtitle = g_strdup_printf (_("No position since %s · score %s"), clock, score);
    }
  else
    /* TRANSLATORS: list row of a vehicle: speed, score, deductions */
    subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s km/h · score %s · %u deduction",
                                             "%s km/h · score %s · %u deductions", v->events->len),
                                speed, score, v->events->len);
  ttsh_map_item_set_texts (v->item, title, subtitle);
}

static void
vehicle_update_marker (Vehicle *v)
{
  const TtshGpsPoint *last = vehicle_last (v);

  if (last == NULL)
    return;
  ttsh_map_vehicle_update (v->marker, v->candidate_no, v->full_name, last->lat, last->lon,
                           last->speed, last->heading, last->at);
  ttsh_map_vehicle_set_stale (v->marker, vehicle_is_stale (v));
}

static guint
store_find (GListStore *store,
            gint64      candidate_id)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (store));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TtshMapItem) item = g_list_model_get_item (G_LIST_MODEL (store), i);
      if (ttsh_map_item_get_candidate_id (item) == candidate_id)
        return i;
    }
  return G_MAXUINT;
}

static void
remove_vehicle (TtshMapView *self,
                Vehicle     *v)
{
  guint pos = store_find (self->live_store, v->candidate_id);

  if (pos != G_MAXUINT)
    g_list_store_remove (self->live_store, pos);
  if (gtk_widget_get_parent (GTK_WIDGET (v->marker)) != NULL)
    shumate_marker_layer_remove_marker (self->vehicle_layer, SHUMATE_MARKER (v->marker));
  ttsh_map_track_layer_remove_line (self->track_layer, v->line);
  v->line = NULL;
  g_hash_table_remove (self->vehicles, &v->candidate_id);
}

/* Fits the view to the given box of positions (degrees). */
static void
fit_box (TtshMapView *self,
         double       lat0,
         double       lon0,
         double       lat1,
         double       lon1)
{
  ShumateViewport *viewport = shumate_map_get_viewport (self->map);
  int w = MAX (gtk_widget_get_width (GTK_WIDGET (self->map)), 400);
  int h = MAX (gtk_widget_get_height (GTK_WIDGET (self->map)), 300);

  /* The replay bar is still sliding in: leave room for it. */
  if (gtk_revealer_get_reveal_child (self->replay_revealer) &&
      !gtk_revealer_get_child_revealed (self->replay_revealer))
    {
      int min = 0, nat = 0;
      gtk_widget_measure (gtk_revealer_get_child (self->replay_revealer), GTK_ORIENTATION_VERTICAL,
                          gtk_widget_get_width (GTK_WIDGET (self->map)), &min, &nat, NULL, NULL);
      h = MAX (h - nat, 200);
    }
  double x0 = shumate_map_source_get_x (self->grid_source, 0, lon0);
  double x1 = shumate_map_source_get_x (self->grid_source, 0, lon1);
  double y0 = shumate_map_source_get_y (self->grid_source, 0, lat1);
  double y1 = shumate_map_source_get_y (self->grid_source, 0, lat0);
  double dx = MAX (x1 - x0, 1e-7), dy = MAX (y1 - y0, 1e-7);
  double zoom = floor (log2 (MIN ((w - 80) / dx, (h - 80) / dy)));

  shumate_viewport_set_zoom_level (viewport, CLAMP (zoom, 3, 18));
  shumate_map_center_on (self->map, (lat0 + lat1) / 2, (lon0 + lon1) / 2);
}

static void
fit_vehicles (TtshMapView *self)
{
  GHashTableIter iter;
  Vehicle *v;
  double lat0 = 90, lat1 = -90, lon0 = 180, lon1 = -180;
  gboolean any = FALSE;

  g_hash_table_iter_init (&iter, self->vehicles);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &v))
    {
      const TtshGpsPoint *p = vehicle_last (v);
      if (p == NULL)
        continue;
      lat0 = MIN (lat0, p->lat), lat1 = MAX (lat1, p->lat);
      lon0 = MIN (lon0, p->lon), lon1 = MAX (lon1, p->lon);
      any = TRUE;
    }
  if (any)
    fit_box (self, lat0, lon0, lat1, lon1);
}

static void
follow_selected (TtshMapView *self)
{
  Vehicle *v;
  const TtshGpsPoint *p;

  if (!self->follow)
    return;
  if (self->replay != NULL && self->replay_marker != NULL)
    {
      shumate_map_center_on (self->map,
                             shumate_location_get_latitude (SHUMATE_LOCATION (self->replay_marker)),
                             shumate_location_get_longitude (SHUMATE_LOCATION (self->replay_marker)));
      return;
    }
  v = g_hash_table_lookup (self->vehicles, &self->selected);
  if (v != NULL && (p = vehicle_last (v)) != NULL)
    shumate_map_center_on (self->map, p->lat, p->lon);
}

static void
apply_live (TtshMapView *self,
            TtshGpsLive *live)
{
  GHashTableIter iter;
  Vehicle *v;
  gboolean removed = FALSE;

  g_hash_table_iter_init (&iter, self->vehicles);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &v))
    v->seen = FALSE;

  for (guint i = 0; i < live->tracks->len; i++)
    {
      TtshGpsTrack *t = g_ptr_array_index (live->tracks, i);

      v = g_hash_table_lookup (self->vehicles, &t->candidate_id);
      if (v != NULL && v->attempt != t->attempt)
        {
          /* A new attempt starts a new track: the old one is in replay. */
          remove_vehicle (self, v);
          v = NULL;
        }
      if (v == NULL)
        {
          v = vehicle_new (self, t);
          g_hash_table_insert (self->vehicles, &v->candidate_id, v);
          g_list_store_append (self->live_store, v->item);
        }
      v->seen = TRUE;
      /* The planned route of the vehicle's session, once, under the tracks. */
      if (t->route->len > 1 && t->session_code != NULL && !g_hash_table_contains (self->routes, t->session_code))
        {
          GdkRGBA route = { 0.2, 0.5, 0.9, 0.35 };
          TtshMapLine *line = ttsh_map_track_layer_add_line (self->track_layer, TTSH_MAP_LINE_ROUTE, &route);
          ttsh_map_line_set_points (line, (TtshGpsPoint *) (void *) t->route->data, t->route->len, 0);
          g_hash_table_insert (self->routes, g_strdup (t->session_code), line);
        }
      g_free (v->candidate_no);
      v->candidate_no = g_steal_pointer (&t->candidate_no);
      g_free (v->full_name);
      v->full_name = g_steal_pointer (&t->full_name);
      g_free (v->licence_class);
      v->licence_class = g_steal_pointer (&t->licence_class);
      v->has_score = t->has_score;
      v->score = t->score;
      vehicle_add_points (v, t->points);

      /* Events come whole each time; place them on the full local track. */
      g_ptr_array_set_size (v->events, 0);
      while (t->events->len > 0)
        {
          TtshGpsEvent *ev = g_ptr_array_steal_index (t->events, 0);
          TtshGpsTrack local = { .points = v->points };
          ev->located = ev->at != 0 && ttsh_gps_track_position (&local, ev->at, &ev->lat, &ev->lon, NULL);
          g_ptr_array_add (v->events, ev);
        }
      ttsh_map_line_set_events (v->line, v->events);

      if (vehicle_last (v) != NULL && gtk_widget_get_parent (GTK_WIDGET (v->marker)) == NULL)
        shumate_marker_layer_add_marker (self->vehicle_layer, SHUMATE_MARKER (v->marker));
      vehicle_update_marker (v);
      vehicle_texts (v);
    }

  g_hash_table_iter_init (&iter, self->vehicles);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &v))
    if (!v->seen)
      {
        guint pos = store_find (self->live_store, v->candidate_id);
        if (pos != G_MAXUINT)
          g_list_store_remove (self->live_store, pos);
        if (gtk_widget_get_parent (GTK_WIDGET (v->marker)) != NULL)
          shumate_marker_layer_remove_marker (self->vehicle_layer, SHUMATE_MARKER (v->marker));
        ttsh_map_track_layer_remove_line (self->track_layer, v->line);
        g_hash_table_iter_remove (&iter);
        removed = TRUE;
      }

  self->since = live->max_point_id;
  self->n_refreshes++;
  if (!self->fitted_once && g_hash_table_size (self->vehicles) > 0 && self->replay == NULL)
    {
      self->fitted_once = TRUE;
      fit_vehicles (self);
    }
  if (removed)
    refresh_finished (self);
  sync_selection (self);
}

static gpointer
query_live (TtshEngine *engine,
            TtshStore  *store,
            gpointer    data,
            GError    **error)
{
  return ttsh_query_gps_live (store, *(gint64 *) data, error);
}

static void
live_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(TtshMapView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshGpsLive) live = ttsh_engine_call_finish (TTSH_ENGINE (source), result, &error);

  self->live_in_flight = FALSE;
  if (live == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("road-test positions: %s", error->message);
      return;
    }
  apply_live (self, live);
  if (self->live_dirty)
    {
      self->live_dirty = FALSE;
      ttsh_map_view_refresh (self);
    }
}

void
ttsh_map_view_refresh (TtshMapView *self)
{
  g_return_if_fail (TTSH_IS_MAP_VIEW (self));

  if (self->engine == NULL || !ttsh_engine_is_running (self->engine))
    return;
  if (self->live_in_flight)
    {
      self->live_dirty = TRUE;
      return;
    }
  self->live_in_flight = TRUE;
  self->last_refresh_us = g_get_monotonic_time ();
  ttsh_engine_call_async (self->engine, query_live, g_memdup2 (&self->since, sizeof self->since), g_free,
                          (GDestroyNotify) ttsh_gps_live_free, self->cancellable, live_done,
                          g_object_ref (self));
}

/* Finished tests ------------------------------------------------------------ */

static gpointer
query_finished (TtshEngine *engine,
                TtshStore  *store,
                gpointer    data,
                GError    **error)
{
  return ttsh_query_gps_finished (store, FINISHED_LIMIT, error);
}

static void
finished_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(TtshMapView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = ttsh_engine_call_finish (TTSH_ENGINE (source), result, &error);
  g_autoptr(GPtrArray) items = NULL;

  self->finished_in_flight = FALSE;
  if (list == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("finished road tests: %s", error->message);
      return;
    }
  items = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < list->len; i++)
    {
      TtshGpsFinished *f = g_ptr_array_index (list, i);
      TtshMapItem *item = ttsh_map_item_new (f->candidate_id, f->attempt);
      g_autofree char *title = g_strdup_printf ("%s — %s", f->candidate_no, f->full_name);
      g_autofree char *score = ttsh_map_format_number (f->has_score ? f->score : NAN, 0);
      g_autofree char *from = ttsh_map_format_clock (f->start_at);
      g_autofree char *to = ttsh_map_format_clock (f->end_at);
      const char *verdict = g_strcmp0 (f->result, "DAT") == 0 ? _("passed")
                          : g_strcmp0 (f->result, "KHONG_DAT") == 0 ? _("failed") : _("no result");
      /* TRANSLATORS: finished road test: attempt, score, verdict, times */
      g_autofree char *subtitle = g_strdup_printf (_("Attempt %d · score %s, %s · %s–%s"),
                                                   f->attempt, score, verdict, from, to);

      ttsh_map_item_set_texts (item, title, subtitle);
      g_ptr_array_add (items, item);
    }
  self->syncing = TRUE;
  g_list_store_splice (self->finished_store, 0, g_list_model_get_n_items (G_LIST_MODEL (self->finished_store)),
                       items->pdata, items->len);
  self->syncing = FALSE;
  sync_selection (self);
  if (self->finished_dirty)
    {
      self->finished_dirty = FALSE;
      refresh_finished (self);
    }
}

static void
refresh_finished (TtshMapView *self)
{
  if (self->engine == NULL || !ttsh_engine_is_running (self->engine))
    return;
  if (self->finished_in_flight)
    {
      self->finished_dirty = TRUE;
      return;
    }
  self->finished_in_flight = TRUE;
  ttsh_engine_call_async (self->engine, query_finished, NULL, NULL,
                          (GDestroyNotify) g_ptr_array_unref, self->cancellable, finished_done,
                          g_object_ref (self));
}

static void
engine_changed (TtshMapView *self,
                const char  *what)
{
  ttsh_map_view_refresh (self);
  if (g_strcmp0 (what, "candidate") == 0 || g_strcmp0 (what, "session") == 0)
    refresh_finished (self);
}

static gboolean
tick_second (gpointer user_data)
{
  TtshMapView *self = user_data;
  GHashTableIter iter;
  Vehicle *v;

  g_hash_table_iter_init (&iter, self->vehicles);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &v))
    {
      ttsh_map_vehicle_set_stale (v->marker, vehicle_is_stale (v));
      vehicle_texts (v);
    }
  /* Safety net for writers that do not announce their changes. */
  if (g_get_monotonic_time () - self->last_refresh_us > POLL_SECONDS * G_USEC_PER_SEC)
    ttsh_map_view_refresh (self);
  update_detail (self);
  return G_SOURCE_CONTINUE;
}

/* Selection ----------------------------------------------------------------- */

static void
show_event_markers (TtshMapView *self,
                    GPtrArray   *events)
{
  shumate_marker_layer_remove_all (self->event_layer);
  for (guint i = 0; events != NULL && i < events->len; i++)
    {
      TtshGpsEvent *ev = g_ptr_array_index (events, i);
      g_autofree char *points = ttsh_map_format_number (-ev->deduction, 0);
      g_autofree char *clock = ttsh_map_format_clock (ev->at);
      g_autofree char *tip = NULL;
      ShumateMarker *marker;
      GtkWidget *label;

      if (!ev->located)
        continue;
      marker = shumate_marker_new ();
      label = gtk_label_new (points);
      gtk_widget_add_css_class (label, "ttsh-map-event");
      /* TRANSLATORS: tooltip of a deduction on the map: time, code, text, points */
      tip = g_strdup_printf (_("%s — %s: %s (%s points)"), clock, ev->code ? ev->code : "",
                             ev->description ? ev->description : "", points);
      ttsh_widget_set_quiet_tooltip (label, tip);
      gtk_accessible_update_property (GTK_ACCESSIBLE (label), GTK_ACCESSIBLE_PROPERTY_LABEL, tip, -1);
      shumate_marker_set_child (marker, label);
      shumate_location_set_location (SHUMATE_LOCATION (marker), ev->lat, ev->lon);
      shumate_marker_layer_add_marker (self->event_layer, marker);
    }
}

static char *
events_text (GPtrArray *events)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < events->len; i++)
    {
      TtshGpsEvent *ev = g_ptr_array_index (events, i);
      g_autofree char *clock = ev->at ? ttsh_map_format_clock (ev->at) : g_strdup (ev->time ? ev->time : "–");
      g_autofree char *points = ttsh_map_format_number (-ev->deduction, 0);

      g_string_append_printf (s, "%s%s  %s  %s", i ? "\n" : "", clock, points,
                              ev->description ? ev->description : (ev->code ? ev->code : ""));
      if (!ev->located)
        /* TRANSLATORS: appended to a deduction that has no GPS position */
        g_string_append (s, _(" (no position)"));
    }
  return g_string_free (s, FALSE);
}

static void
update_detail (TtshMapView *self)
{
  Vehicle *v = g_hash_table_lookup (self->vehicles, &self->selected);
  const TtshGpsTrack *t = self->replay != NULL && self->replay->candidate_id == self->selected ? self->replay : NULL;
  g_autofree char *body = NULL, *quality = NULL, *events = NULL, *title = NULL;
  guint pos = store_find (self->finished_store, self->selected);
  const TtshGpsQuality *q = t ? &t->quality : v ? &v->quality : NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->replay_button), v == NULL && t == NULL && pos != G_MAXUINT);
  if (t != NULL)
    {
      g_autofree char *score = ttsh_map_format_number (t->has_score ? t->score : NAN, 0);
      g_autofree char *dist = ttsh_map_format_number (t->quality.distance_m / 1000.0, 2);
      g_autofree char *span = ttsh_map_format_span (t->end_at - t->start_at);

      title = g_strdup_printf ("%s — %s", t->candidate_no, t->full_name);
      /* TRANSLATORS: replayed test detail: attempt, score, distance, duration */
      body = g_strdup_printf (_("Attempt %d · score %s · %s km in %s"), t->attempt, score, dist, span);
      quality = ttsh_map_quality_text (&t->quality);
      events = t->events->len ? events_text (t->events) : g_strdup (_("No deductions"));
    }
  else if (v != NULL)
    {
      const TtshGpsPoint *p = vehicle_last (v);
      g_autofree char *speed = ttsh_map_format_number (p ? p->speed : NAN, 0);
      g_autofree char *heading = ttsh_map_format_number (p ? p->heading : NAN, 0);
      g_autofree char *clock = p ? ttsh_map_format_clock (p->at) : g_strdup ("–");
      g_autofree char *score = ttsh_map_format_number (v->has_score ? v->score : NAN, 0);
      g_autofree char *dist = ttsh_map_format_number (v->quality.distance_m / 1000.0, 2);

      /* TRANSLATORS: live vehicle title: number, name, licence class */
      title = g_strdup_printf (_("%s — %s (class %s)"), v->candidate_no, v->full_name,
                               v->licence_class ? v->licence_class : "");
      if (vehicle_is_stale (v))
        /* TRANSLATORS: live vehicle detail when no recent data */
        body = g_strdup_printf (_("No position since %s (stale)\nScore %s · %s km driven"), clock, score, dist);
      else
        /* TRANSLATORS: live vehicle detail: speed, heading, time, score, distance */
        body = g_strdup_printf (_("Speed %s km/h · heading %s° · at %s\nScore %s · %s km driven"),
                                speed, heading, clock, score, dist);
      quality = ttsh_map_quality_text (&v->quality);
      events = v->events->len ? events_text (v->events) : g_strdup (_("No deductions"));
    }
  else if (pos != G_MAXUINT)
    {
      g_autoptr(TtshMapItem) item = g_list_model_get_item (G_LIST_MODEL (self->finished_store), pos);
      title = g_strdup (ttsh_map_item_get_title (item));
      body = g_strdup (ttsh_map_item_get_subtitle (item));
    }

  gtk_label_set_label (self->detail_title, title ? title : _("Select a vehicle on the map or in the list"));
  gtk_label_set_label (self->detail_body, body ? body : "");
  gtk_widget_set_visible (GTK_WIDGET (self->detail_body), body != NULL);
  gtk_label_set_label (self->detail_quality, quality ? quality : "");
  if (q != NULL && (q->n_gaps || q->n_jumps || q->n_poor))
    gtk_widget_add_css_class (GTK_WIDGET (self->detail_quality), "warning");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->detail_quality), "warning");
  gtk_widget_set_visible (GTK_WIDGET (self->detail_quality), quality != NULL);
  gtk_label_set_label (self->detail_events, events ? events : "");
  gtk_widget_set_visible (GTK_WIDGET (self->detail_events), events != NULL);
}

static void
select_in_list (GtkListBox *list,
                GListStore *store,
                gint64      candidate_id)
{
  guint pos = store_find (store, candidate_id);
  GtkListBoxRow *row = pos != G_MAXUINT ? gtk_list_box_get_row_at_index (list, (int) pos) : NULL;

  if (row == NULL)
    gtk_list_box_unselect_all (list);
  else if (!gtk_list_box_row_is_selected (row))
    gtk_list_box_select_row (list, row);
}

static void
sync_selection (TtshMapView *self)
{
  GHashTableIter iter;
  Vehicle *v, *selected;

  if (self->syncing)
    return;
  self->syncing = TRUE;
  selected = g_hash_table_lookup (self->vehicles, &self->selected);

  select_in_list (self->live_list, self->live_store, self->selected);
  select_in_list (self->finished_list, self->finished_store, selected ? 0 : self->selected);

  g_hash_table_iter_init (&iter, self->vehicles);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &v))
    ttsh_map_line_set_highlight (v->line, v == selected);
  if (selected != NULL && gtk_widget_get_parent (GTK_WIDGET (selected->marker)) != NULL)
    {
      if (!shumate_marker_is_selected (SHUMATE_MARKER (selected->marker)))
        {
          shumate_marker_layer_unselect_all_markers (self->vehicle_layer);
          shumate_marker_layer_select_marker (self->vehicle_layer, SHUMATE_MARKER (selected->marker));
        }
    }
  else
    shumate_marker_layer_unselect_all_markers (self->vehicle_layer);

  if (self->replay == NULL)
    show_event_markers (self, selected ? selected->events : NULL);
  update_detail (self);
  follow_selected (self);
  self->syncing = FALSE;
}

gint64
ttsh_map_view_get_selected_candidate_id (TtshMapView *self)
{
  g_return_val_if_fail (TTSH_IS_MAP_VIEW (self), 0);
  return self->selected;
}

void
ttsh_map_view_set_selected_candidate_id (TtshMapView *self,
                                         gint64       candidate_id)
{
  g_return_if_fail (TTSH_IS_MAP_VIEW (self));

  if (self->selected == candidate_id)
    return;
  self->selected = candidate_id;
  sync_selection (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_CANDIDATE_ID]);
}

gboolean
ttsh_map_view_get_follow (TtshMapView *self)
{
  return self->follow;
}

void
ttsh_map_view_set_follow (TtshMapView *self,
                          gboolean     follow)
{
  follow = !!follow;
  if (self->follow == follow)
    return;
  self->follow = follow;
  gtk_toggle_button_set_active (self->follow_button, follow);
  follow_selected (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLLOW]);
}

static void
list_row_selected (TtshMapView   *self,
                   GtkListBoxRow *row,
                   GtkListBox    *list)
{
  GListStore *store = list == self->live_list ? self->live_store : self->finished_store;
  g_autoptr(TtshMapItem) item = NULL;

  if (self->syncing || row == NULL)
    return;
  item = g_list_model_get_item (G_LIST_MODEL (store), (guint) gtk_list_box_row_get_index (row));
  if (item != NULL)
    ttsh_map_view_set_selected_candidate_id (self, ttsh_map_item_get_candidate_id (item));
}

static void
finished_row_activated (TtshMapView   *self,
                        GtkListBoxRow *row)
{
  g_autoptr(TtshMapItem) item = g_list_model_get_item (G_LIST_MODEL (self->finished_store),
                                                       (guint) gtk_list_box_row_get_index (row));
  if (item != NULL)
    ttsh_map_view_replay (self, ttsh_map_item_get_candidate_id (item), ttsh_map_item_get_attempt (item));
}

static void
marker_selected (TtshMapView   *self,
                 ShumateMarker *marker)
{
  if (self->syncing || !TTSH_IS_MAP_VEHICLE (marker))
    return;
  ttsh_map_view_set_selected_candidate_id (self, ttsh_map_vehicle_get_candidate_id (TTSH_MAP_VEHICLE (marker)));
}

static GtkWidget *
create_row (gpointer item,
            gpointer user_data)
{
  GtkWidget *row = adw_action_row_new ();

  g_object_bind_property (item, "title", row, "title", G_BINDING_SYNC_CREATE);
  g_object_bind_property (item, "subtitle", row, "subtitle", G_BINDING_SYNC_CREATE);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  return row;
}

/* Replay -------------------------------------------------------------------- */

static void
update_replay_position (TtshMapView *self)
{
  TtshGpsTrack *t = self->replay;
  double lat, lon, speed = NAN, heading = NAN;
  g_autofree char *elapsed = NULL, *total = NULL, *clock = NULL, *text = NULL;
  GArray *pts;
  int i;

  if (t == NULL || t->points->len == 0)
    return;
  pts = t->points;
  if (!ttsh_gps_track_position (t, self->replay_at, &lat, &lon, &speed))
    {
      const TtshGpsPoint *last = &g_array_index (pts, TtshGpsPoint, pts->len - 1);
      lat = last->lat, lon = last->lon, speed = last->speed;
    }
  /* Heading of the last recorded point at or before the cursor. */
  for (i = (int) pts->len - 1; i > 0 && g_array_index (pts, TtshGpsPoint, i).at > self->replay_at; i--)
    ;
  heading = g_array_index (pts, TtshGpsPoint, MAX (i, 0)).heading;

  ttsh_map_vehicle_update (self->replay_marker, t->candidate_no, t->full_name, lat, lon, speed, heading,
                           self->replay_at);
  ttsh_map_line_set_cursor (self->replay_line, self->replay_at);
  ttsh_map_speed_chart_set_cursor (self->speed_chart, self->replay_at);

  self->moving_timeline = TRUE;
  gtk_adjustment_set_value (self->timeline_adjustment, (self->replay_at - t->start_at) / 1000.0);
  self->moving_timeline = FALSE;

  elapsed = ttsh_map_format_span (self->replay_at - t->start_at);
  total = ttsh_map_format_span (t->end_at - t->start_at);
  clock = ttsh_map_format_clock (self->replay_at);
  text = g_strdup_printf ("%s / %s · %s", elapsed, total, clock);
  gtk_label_set_label (self->replay_time, text);
  follow_selected (self);
}

static void
set_playing (TtshMapView *self,
             gboolean     playing)
{
  self->playing = playing;
  self->last_frame_us = 0;
  gtk_button_set_icon_name (self->play_button, playing ? "media-playback-pause-symbolic"
                                                       : "media-playback-start-symbolic");
}

static gboolean
replay_tick (GtkWidget     *widget,
             GdkFrameClock *clock,
             gpointer       user_data)
{
  TtshMapView *self = TTSH_MAP_VIEW (widget);
  gint64 now = gdk_frame_clock_get_frame_time (clock);

  if (self->replay == NULL)
    return G_SOURCE_CONTINUE;
  if (self->playing)
    {
      if (self->last_frame_us != 0)
        {
          /* Bounded step: a stalled frame must not skip over events. */
          gint64 step = MIN (now - self->last_frame_us, 250000) / 1000 * self->speed;
          self->replay_at = MIN (self->replay_at + step, self->replay->end_at);
          if (self->replay_at >= self->replay->end_at)
            set_playing (self, FALSE);
          update_replay_position (self);
        }
      self->last_frame_us = now;
    }
  return G_SOURCE_CONTINUE;
}

static void
replay_clear (TtshMapView *self)
{
  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  self->replay_line = NULL;
  g_clear_object (&self->replay_marker);
  g_clear_pointer (&self->replay, ttsh_gps_track_free);
  if (self->map == NULL)
    return;   /* disposed */
  ttsh_map_speed_chart_set_track (self->speed_chart, NULL);
  ttsh_map_track_layer_clear (self->replay_layer);
  shumate_marker_layer_remove_all (self->replay_marker_layer);
  gtk_scale_clear_marks (self->timeline);
}

void
ttsh_map_view_stop_replay (TtshMapView *self)
{
  g_return_if_fail (TTSH_IS_MAP_VIEW (self));

  if (self->replay == NULL)
    return;
  replay_clear (self);
  gtk_revealer_set_reveal_child (self->replay_revealer, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->track_layer), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->vehicle_layer), TRUE);
  sync_selection (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REPLAYING]);
}

static void
start_replay (TtshMapView  *self,
              TtshGpsTrack *track)
{
  GdkRGBA color, route = { 0.2, 0.5, 0.9, 0.35 };
  g_autofree char *title = NULL;
  double lat0 = 90, lat1 = -90, lon0 = 180, lon1 = -180;

  replay_clear (self);
  self->replay = track;

  /* The planned route, when there is one, goes below the driven track. */
  if (track->route->len > 1)
    {
      TtshMapLine *line = ttsh_map_track_layer_add_line (self->replay_layer, TTSH_MAP_LINE_ROUTE, &route);
      ttsh_map_line_set_points (line, (TtshGpsPoint *) (void *) track->route->data, track->route->len, 0);
    }
  ttsh_map_palette (0, &color);
  self->replay_line = ttsh_map_track_layer_add_line (self->replay_layer, TTSH_MAP_LINE_TRACK, &color);
  ttsh_map_line_set_points (self->replay_line, (TtshGpsPoint *) (void *) track->points->data, track->points->len, 0);
  ttsh_map_line_set_events (self->replay_line, track->events);
  ttsh_map_line_set_highlight (self->replay_line, TRUE);
  self->replay_marker = g_object_ref_sink (ttsh_map_vehicle_new (track->candidate_id, &color));
  shumate_marker_layer_add_marker (self->replay_marker_layer, SHUMATE_MARKER (self->replay_marker));
  show_event_markers (self, track->events);
  ttsh_map_speed_chart_set_track (self->speed_chart, track);

  gtk_adjustment_configure (self->timeline_adjustment, 0, 0, MAX ((track->end_at - track->start_at) / 1000.0, 1),
                            1, 10, 0);
  for (guint i = 0; i < track->events->len; i++)
    {
      TtshGpsEvent *ev = g_ptr_array_index (track->events, i);
      if (ev->at >= track->start_at && ev->at <= track->end_at)
        gtk_scale_add_mark (self->timeline, (ev->at - track->start_at) / 1000.0, GTK_POS_BOTTOM, NULL);
    }
  /* TRANSLATORS: replay bar title: candidate number, name, attempt */
  title = g_strdup_printf (_("Replay: %s — %s, attempt %d"), track->candidate_no, track->full_name, track->attempt);
  gtk_label_set_label (self->replay_title, title);

  gtk_widget_set_visible (GTK_WIDGET (self->track_layer), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->vehicle_layer), FALSE);
  gtk_revealer_set_reveal_child (self->replay_revealer, TRUE);
  gtk_stack_set_visible_child_name (self->lists, "finished");

  for (guint i = 0; i < track->points->len; i++)
    {
      const TtshGpsPoint *p = &g_array_index (track->points, TtshGpsPoint, i);
      if (p->flags & TTSH_GPS_JUMP)
        continue;
      lat0 = MIN (lat0, p->lat), lat1 = MAX (lat1, p->lat);
      lon0 = MIN (lon0, p->lon), lon1 = MAX (lon1, p->lon);
    }
  if (lat0 <= lat1)
    fit_box (self, lat0, lon0, lat1, lon1);

  self->replay_at = track->start_at;
  set_playing (self, track->points->len > 0);
  update_replay_position (self);
  self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), replay_tick, NULL, NULL);

  if (self->selected != track->candidate_id)
    ttsh_map_view_set_selected_candidate_id (self, track->candidate_id);
  else
    sync_selection (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REPLAYING]);
}

typedef struct {
  gint64 candidate_id;
  int    attempt;
} TrackRequest;

static gpointer
query_track (TtshEngine *engine,
             TtshStore  *store,
             gpointer    data,
             GError    **error)
{
  TrackRequest *req = data;
  return ttsh_query_gps_track (store, req->candidate_id, req->attempt, error);
}

static void
track_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(TtshMapView) self = user_data;
  g_autoptr(GError) error = NULL;
  TtshGpsTrack *track = ttsh_engine_call_finish (TTSH_ENGINE (source), result, &error);

  if (track == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("road-test track: %s", error->message);
      return;
    }
  start_replay (self, track);
}

void
ttsh_map_view_replay (TtshMapView *self,
                      gint64       candidate_id,
                      int          attempt)
{
  TrackRequest *req;

  g_return_if_fail (TTSH_IS_MAP_VIEW (self));
  if (self->engine == NULL || !ttsh_engine_is_running (self->engine))
    return;
  req = g_new0 (TrackRequest, 1);
  req->candidate_id = candidate_id;
  req->attempt = attempt;
  ttsh_engine_call_async (self->engine, query_track, req, g_free, (GDestroyNotify) ttsh_gps_track_free,
                          self->cancellable, track_done, g_object_ref (self));
}

static void
timeline_changed (TtshMapView *self)
{
  if (self->moving_timeline || self->replay == NULL)
    return;
  self->replay_at = self->replay->start_at + (gint64) (gtk_adjustment_get_value (self->timeline_adjustment) * 1000);
  update_replay_position (self);
}

static void
speed_changed (TtshMapView *self)
{
  self->speed = 1u << MIN (gtk_drop_down_get_selected (self->speed_dropdown), 4u);
}

/* Tiles --------------------------------------------------------------------- */

static void
apply_tiles (TtshMapView *self)
{
  g_autofree char *url = self->settings ? g_settings_get_string (self->settings, "map-tile-url") : NULL;
  g_autofree char *dir = self->settings ? g_settings_get_string (self->settings, "map-tile-dir") : NULL;
  g_autoptr(ShumateMapSource) source = NULL;

  if (self->tiles_layer != NULL)
    {
      shumate_map_remove_layer (self->map, SHUMATE_LAYER (self->tiles_layer));
      self->tiles_layer = NULL;
    }
  source = ttsh_map_tiles_source_new (url, dir, &self->tiles);
  if (source != NULL)
    {
      self->tiles_layer = shumate_map_layer_new (source, shumate_map_get_viewport (self->map));
      shumate_map_insert_layer_above (self->map, SHUMATE_LAYER (self->tiles_layer),
                                      SHUMATE_LAYER (self->grid_layer));
    }
  switch (self->tiles)
    {
    case TTSH_MAP_TILES_FOLDER:
      gtk_label_set_label (self->tiles_label, _("Map: local tile folder (grid where a tile is missing)"));
      break;
    case TTSH_MAP_TILES_ONLINE:
      gtk_label_set_label (self->tiles_label, _("Map: online tiles, cached on disk (grid when offline)"));
      break;
    case TTSH_MAP_TILES_GRID:
    default:
      gtk_label_set_label (self->tiles_label, _("No map tiles configured: coordinate grid with scale bar"));
      break;
    }
}

/* Actions ------------------------------------------------------------------- */

static void
action_fit (GtkWidget  *widget,
            const char *name,
            GVariant   *param)
{
  TtshMapView *self = TTSH_MAP_VIEW (widget);

  if (self->replay != NULL && self->replay->points->len > 0)
    {
      double lat0 = 90, lat1 = -90, lon0 = 180, lon1 = -180;
      for (guint i = 0; i < self->replay->points->len; i++)
        {
          const TtshGpsPoint *p = &g_array_index (self->replay->points, TtshGpsPoint, i);
          lat0 = MIN (lat0, p->lat), lat1 = MAX (lat1, p->lat);
          lon0 = MIN (lon0, p->lon), lon1 = MAX (lon1, p->lon);
        }
      fit_box (self, lat0, lon0, lat1, lon1);
    }
  else
    fit_vehicles (self);
}

static void
action_zoom (GtkWidget  *widget,
             const char *name,
             GVariant   *param)
{
  TtshMapView *self = TTSH_MAP_VIEW (widget);

  if (g_str_equal (name, "map.zoom-in"))
    shumate_map_zoom_in (self->map);
  else
    shumate_map_zoom_out (self->map);
}

static void
action_play_pause (GtkWidget  *widget,
                   const char *name,
                   GVariant   *param)
{
  TtshMapView *self = TTSH_MAP_VIEW (widget);

  if (self->replay == NULL)
    return;
  if (!self->playing && self->replay_at >= self->replay->end_at)
    self->replay_at = self->replay->start_at;
  set_playing (self, !self->playing);
}

static void
action_stop_replay (GtkWidget  *widget,
                    const char *name,
                    GVariant   *param)
{
  ttsh_map_view_stop_replay (TTSH_MAP_VIEW (widget));
}

static void
action_replay_selected (GtkWidget  *widget,
                        const char *name,
                        GVariant   *param)
{
  TtshMapView *self = TTSH_MAP_VIEW (widget);
  guint pos = store_find (self->finished_store, self->selected);
  g_autoptr(TtshMapItem) item = NULL;

  if (pos == G_MAXUINT)
    return;
  item = g_list_model_get_item (G_LIST_MODEL (self->finished_store), pos);
  ttsh_map_view_replay (self, ttsh_map_item_get_candidate_id (item), ttsh_map_item_get_attempt (item));
}

/* Life cycle ---------------------------------------------------------------- */

static void
ttsh_map_view_constructed (GObject *object)
{
  TtshMapView *self = TTSH_MAP_VIEW (object);

  G_OBJECT_CLASS (ttsh_map_view_parent_class)->constructed (object);

  /* In the window: services from the context, and the candidate selection
   * shared with the roster through it. */
  if (self->context != NULL)
    {
      if (self->engine == NULL && ttsh_context_get_engine (self->context) != NULL)
        self->engine = g_object_ref (ttsh_context_get_engine (self->context));
      if (self->settings == NULL && ttsh_context_get_settings (self->context) != NULL)
        self->settings = g_object_ref (ttsh_context_get_settings (self->context));
      g_object_bind_property (self->context, "selected-candidate-id", self, "selected-candidate-id",
                              G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
    }
  if (self->settings == NULL)
    {
      GSettingsSchemaSource *schemas = g_settings_schema_source_get_default ();
      g_autoptr(GSettingsSchema) schema = schemas ? g_settings_schema_source_lookup (schemas, APPLICATION_ID, TRUE)
                                                  : NULL;
      if (schema != NULL && g_settings_schema_has_key (schema, "map-tile-url"))
        self->settings = g_settings_new (APPLICATION_ID);
    }
  if (self->settings != NULL)
    {
      g_signal_connect_object (self->settings, "changed::map-tile-url", G_CALLBACK (apply_tiles), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (self->settings, "changed::map-tile-dir", G_CALLBACK (apply_tiles), self,
                               G_CONNECT_SWAPPED);
    }
  apply_tiles (self);

  if (self->engine != NULL)
    {
      g_signal_connect_object (self->engine, "changed::gps", G_CALLBACK (engine_changed), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->engine, "changed::candidate", G_CALLBACK (engine_changed), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (self->engine, "changed::session", G_CALLBACK (engine_changed), self,
                               G_CONNECT_SWAPPED);
      ttsh_map_view_refresh (self);
      refresh_finished (self);
    }
  self->timer_id = g_timeout_add_seconds (1, tick_second, self);
}

static void
ttsh_map_view_dispose (GObject *object)
{
  TtshMapView *self = TTSH_MAP_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->timer_id, g_source_remove);
  replay_clear (self);
  if (self->vehicles != NULL)
    g_hash_table_remove_all (self->vehicles);
  gtk_widget_dispose_template (GTK_WIDGET (self), TTSH_TYPE_MAP_VIEW);
  /* The layers lived inside the map. */
  self->grid_layer = self->tiles_layer = NULL;
  self->track_layer = self->replay_layer = NULL;
  self->event_layer = self->vehicle_layer = self->replay_marker_layer = NULL;
  g_clear_object (&self->engine);
  g_clear_object (&self->settings);
  g_clear_object (&self->context);
  g_clear_object (&self->grid_source);
  G_OBJECT_CLASS (ttsh_map_view_parent_class)->dispose (object);
}

static void
ttsh_map_view_finalize (GObject *object)
{
  TtshMapView *self = TTSH_MAP_VIEW (object);

  g_clear_pointer (&self->vehicles, g_hash_table_unref);
  g_clear_pointer (&self->routes, g_hash_table_unref);
  g_clear_object (&self->live_store);
  g_clear_object (&self->finished_store);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (ttsh_map_view_parent_class)->finalize (object);
}

static void
ttsh_map_view_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  TtshMapView *self = TTSH_MAP_VIEW (object);

  switch (prop_id)
    {
    case PROP_CONTEXT:
      g_value_set_object (value, self->context);
      break;
    case PROP_ENGINE:
      g_value_set_object (value, self->engine);
      break;
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    case PROP_SELECTED_CANDIDATE_ID:
      g_value_set_int64 (value, self->selected);
      break;
    case PROP_FOLLOW:
      g_value_set_boolean (value, self->follow);
      break;
    case PROP_REPLAYING:
      g_value_set_boolean (value, self->replay != NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ttsh_map_view_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  TtshMapView *self = TTSH_MAP_VIEW (object);

  switch (prop_id)
    {
    case PROP_CONTEXT:
      self->context = g_value_dup_object (value);
      break;
    case PROP_ENGINE:
      if (self->engine == NULL)
        self->engine = g_value_dup_object (value);
      break;
    case PROP_SETTINGS:
      if (self->settings == NULL)
        self->settings = g_value_dup_object (value);
      break;
    case PROP_SELECTED_CANDIDATE_ID:
      ttsh_map_view_set_selected_candidate_id (self, g_value_get_int64 (value));
      break;
    case PROP_FOLLOW:
      ttsh_map_view_set_follow (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
load_css (void)
{
  static gsize done;

  if (g_once_init_enter (&done))
    {
      GtkCssProvider *provider = gtk_css_provider_new ();
      gtk_css_provider_load_from_resource (provider, "/vn/ttsh/Console/ttsh-map.css");
      gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (provider),
                                                  GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
      g_object_unref (provider);
      g_once_init_leave (&done, 1);
    }
}

static void
ttsh_map_view_class_init (TtshMapViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ttsh_map_view_constructed;
  object_class->dispose = ttsh_map_view_dispose;
  object_class->finalize = ttsh_map_view_finalize;
  object_class->get_property = ttsh_map_view_get_property;
  object_class->set_property = ttsh_map_view_set_property;

  properties[PROP_CONTEXT] =
    g_param_spec_object ("context", NULL, NULL, TTSH_TYPE_CONTEXT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ENGINE] =
    g_param_spec_object ("engine", NULL, NULL, TTSH_TYPE_ENGINE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SELECTED_CANDIDATE_ID] =
    g_param_spec_int64 ("selected-candidate-id", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FOLLOW] =
    g_param_spec_boolean ("follow", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_REPLAYING] =
    g_param_spec_boolean ("replaying", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (SHUMATE_TYPE_MAP);
  g_type_ensure (SHUMATE_TYPE_SCALE);
  g_type_ensure (TTSH_TYPE_MAP_SPEED_CHART);
  gtk_widget_class_set_template_from_resource (widget_class, "/vn/ttsh/Console/ttsh-map-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TtshMapView, paned);
  gtk_widget_class_bind_template_child (widget_class, TtshMapView, lists);
  gtk_widget_class_bind_template_child (widget_class, TtshMapView, live_list);
  gtk_widget_class_bind_template_child (widget_class, TtshMapView, finished_list);
  gtk_widget_class_bind_template_child (widget_class, TtshMapView, detail_title);
  gtk_widget_class_bind_template_child (widget_class, TtshMapView, detail_body);
  gtk_widget_class_bind_template_child (widget_class, TtshMapView, detail_quality);
  gtk_widget_class_bind_template_child (widget_class, TtshMapView, detail_events);
  gtk_widget_class_bind_template_child (widget_class, TtshMapView, replay_button);
  gtk_widget_class_bind_template_child (widget_class, TtshMapView, map);
  gtk_widget_class_bind_template_child (widget_class, TtshMapView, scale);
  gtk_widget_class_bind_template_child (widget_class, TtshMapView, follow_button);
  gtk_widget_class_bind_template_child (widget_class, TtshMapView, tiles_label);
  gtk_widget_class_bind_template_child (widget_class, TtshMapView, replay_revealer);
  gtk_widget_class_bind_template_child (widget_class, TtshMapView, replay_title);
  gtk_widget_class_bind_template_child (widget_class, TtshMapView, speed_chart);
  gtk_widget_class_bind_template_child (widget_class, TtshMapView, play_button);
  gtk_widget_class_bind_template_child (widget_class, TtshMapView, timeline);
  gtk_widget_class_bind_template_child (widget_class, TtshMapView, timeline_adjustment);
  gtk_widget_class_bind_template_child (widget_class, TtshMapView, replay_time);
  gtk_widget_class_bind_template_child (widget_class, TtshMapView, speed_dropdown);

  gtk_widget_class_install_action (widget_class, "map.fit", NULL, action_fit);
  gtk_widget_class_install_action (widget_class, "map.zoom-in", NULL, action_zoom);
  gtk_widget_class_install_action (widget_class, "map.zoom-out", NULL, action_zoom);
  gtk_widget_class_install_action (widget_class, "map.play-pause", NULL, action_play_pause);
  gtk_widget_class_install_action (widget_class, "map.stop-replay", NULL, action_stop_replay);
  gtk_widget_class_install_action (widget_class, "map.replay-selected", NULL, action_replay_selected);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, GDK_CONTROL_MASK, "map.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, GDK_CONTROL_MASK, "map.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, GDK_CONTROL_MASK, "map.fit", NULL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "ttshmapview");
}

static void
ttsh_map_view_init (TtshMapView *self)
{
  ShumateViewport *viewport;

  load_css ();
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->speed = 1;
  self->vehicles = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, (GDestroyNotify) vehicle_free);
  self->routes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->live_store = g_list_store_new (TTSH_TYPE_MAP_ITEM);
  self->finished_store = g_list_store_new (TTSH_TYPE_MAP_ITEM);

  viewport = shumate_map_get_viewport (self->map);
  self->grid_source = ttsh_map_grid_source_new ();
  shumate_viewport_set_reference_map_source (viewport, self->grid_source);
  shumate_viewport_set_min_zoom_level (viewport, 3);
  shumate_viewport_set_max_zoom_level (viewport, 19);
  self->grid_layer = shumate_map_layer_new (self->grid_source, viewport);
  shumate_map_add_layer (self->map, SHUMATE_LAYER (self->grid_layer));

  self->replay_layer = ttsh_map_track_layer_new (viewport);
  self->track_layer = ttsh_map_track_layer_new (viewport);
  ttsh_map_track_layer_set_cached (self->track_layer, TRUE);
  self->event_layer = shumate_marker_layer_new_full (viewport, GTK_SELECTION_NONE);
  self->vehicle_layer = shumate_marker_layer_new_full (viewport, GTK_SELECTION_SINGLE);
  self->replay_marker_layer = shumate_marker_layer_new_full (viewport, GTK_SELECTION_NONE);
  shumate_map_add_layer (self->map, SHUMATE_LAYER (self->replay_layer));
  shumate_map_add_layer (self->map, SHUMATE_LAYER (self->track_layer));
  shumate_map_add_layer (self->map, SHUMATE_LAYER (self->event_layer));
  shumate_map_add_layer (self->map, SHUMATE_LAYER (self->vehicle_layer));
  shumate_map_add_layer (self->map, SHUMATE_LAYER (self->replay_marker_layer));
  g_signal_connect_object (self->vehicle_layer, "marker-selected", G_CALLBACK (marker_selected), self,
                           G_CONNECT_SWAPPED);

  /* Hà Nội until the first vehicle reports. */
  shumate_viewport_set_zoom_level (viewport, 14);
  shumate_map_center_on (self->map, 21.0285, 105.7700);
  shumate_scale_set_viewport (self->scale, viewport);
  shumate_scale_set_unit (self->scale, SHUMATE_UNIT_METRIC);

  gtk_list_box_bind_model (self->live_list, G_LIST_MODEL (self->live_store), create_row, NULL, NULL);
  gtk_list_box_bind_model (self->finished_list, G_LIST_MODEL (self->finished_store), create_row, NULL, NULL);
  g_signal_connect_object (self->live_list, "row-selected", G_CALLBACK (list_row_selected), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->finished_list, "row-selected", G_CALLBACK (list_row_selected), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->finished_list, "row-activated", G_CALLBACK (finished_row_activated), self,
                           G_CONNECT_SWAPPED);
  gtk_list_box_set_placeholder (self->live_list, gtk_label_new (_("No road test in progress")));
  gtk_list_box_set_placeholder (self->finished_list, gtk_label_new (_("No finished road test with GPS data")));

  g_object_bind_property (self->follow_button, "active", self, "follow", G_BINDING_DEFAULT);
  g_signal_connect_object (self->timeline_adjustment, "value-changed", G_CALLBACK (timeline_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->speed_dropdown, "notify::selected", G_CALLBACK (speed_changed), self,
                           G_CONNECT_SWAPPED);
}

TtshMapView *
ttsh_map_view_new (TtshEngine *engine,
                   GSettings  *settings)
{
  return g_object_new (TTSH_TYPE_MAP_VIEW, "engine", engine, "settings", settings, NULL);
}

/* Private ------------------------------------------------------------------- */

ShumateMap *
_ttsh_map_view_get_map (TtshMapView *self)
{
  return self->map;
}

TtshMapTrackLayer *
_ttsh_map_view_get_track_layer (TtshMapView *self)
{
  return self->track_layer;
}

TtshMapTrackLayer *
_ttsh_map_view_get_replay_layer (TtshMapView *self)
{
  return self->replay_layer;
}

TtshMapGridSource *
_ttsh_map_view_get_grid_source (TtshMapView *self)
{
  return TTSH_MAP_GRID_SOURCE (self->grid_source);
}

TtshMapTiles
_ttsh_map_view_get_tiles (TtshMapView *self)
{
  return self->tiles;
}

GtkLabel *
_ttsh_map_view_get_tiles_label (TtshMapView *self)
{
  return self->tiles_label;
}

guint
_ttsh_map_view_get_n_vehicles (TtshMapView *self)
{
  return g_hash_table_size (self->vehicles);
}

TtshMapVehicle *
_ttsh_map_view_get_vehicle (TtshMapView *self,
                            gint64       candidate_id)
{
  Vehicle *v = g_hash_table_lookup (self->vehicles, &candidate_id);
  return v ? v->marker : NULL;
}

GtkListBox *
_ttsh_map_view_get_live_list (TtshMapView *self)
{
  return self->live_list;
}

GtkListBox *
_ttsh_map_view_get_finished_list (TtshMapView *self)
{
  return self->finished_list;
}

GtkLabel *
_ttsh_map_view_get_detail_quality (TtshMapView *self)
{
  return self->detail_quality;
}

guint
_ttsh_map_view_get_n_refreshes (TtshMapView *self)
{
  return self->n_refreshes;
}

gboolean
_ttsh_map_view_replay_state (TtshMapView     *self,
                             gboolean        *playing,
                             gint64          *at,
                             gint64          *end_at,
                             TtshMapVehicle **marker)
{
  if (self->replay == NULL)
    return FALSE;
  *playing = self->playing;
  *at = self->replay_at;
  *end_at = self->replay->end_at;
  *marker = self->replay_marker;
  return TRUE;
}

void
_ttsh_map_view_set_replay_speed (TtshMapView *self,
                                 guint        factor)
{
  guint index = 0;

  while ((1u << index) < factor && index < 4)
    index++;
  gtk_drop_down_set_selected (self->speed_dropdown, index);
}

void
_ttsh_map_view_replay_seek (TtshMapView *self,
                            double       fraction)
{
  if (self->replay == NULL)
    return;
  self->replay_at = self->replay->start_at +
                    (gint64) (CLAMP (fraction, 0.0, 1.0) * (self->replay->end_at - self->replay->start_at));
  update_replay_position (self);
}
