/* ttsh-map-track-layer.c — custom-drawn tracks for the road-test map.
 *
 * ShumatePathLayer keeps a GList of location objects and redraws every node
 * on each frame; fifty two-hour tracks are 360,000 nodes. Here a track is a
 * flat array in zoom-0 Mercator units, split in chunks with bounding boxes
 * (culling) and per-point simplification tolerances (level of detail). */
#define G_LOG_DOMAIN "ttsh-map"
#include "config.h"

#include <math.h>

#include "ttsh-image.h"
#include "ttsh-map-track-layer.h"

#define CHUNK 256

typedef struct {
  double x, y;        /* zoom-0 pixels of the reference source */
  gint64 at;
  float  importance;  /* kept while the tolerance is below this */
  guint  flags;
} LinePoint;

typedef struct {
  double x0, y0, x1, y1;
} Box;

struct _TtshMapLine {
  TtshMapTrackLayer *layer;
  TtshMapLineKind    kind;
  GdkRGBA            color;
  gboolean           highlight;
  gint64             cursor;
  GArray            *points;   /* LinePoint */
  GArray            *boxes;    /* Box per chunk */
  GArray            *events;   /* double x, y pairs */
};

typedef struct {
  TtshImage  *texture;
  int         w, h;
  double      ox, oy, zoom;
  guint       version;
} Cache;

struct _TtshMapTrackLayer {
  ShumateLayer  parent_instance;
  GPtrArray    *lines;
  guint         drawn_points;
  guint         version;     /* bumped by every change of what is drawn */
  gboolean      cached;
  gboolean      rendering;
  Cache         cache;
  gint64        snapshot_us;  /* GTK-thread time spent in snapshot, total */
};

G_DEFINE_FINAL_TYPE (TtshMapTrackLayer, ttsh_map_track_layer, SHUMATE_TYPE_LAYER)

static void
line_free (TtshMapLine *line)
{
  g_array_unref (line->points);
  g_array_unref (line->boxes);
  g_array_unref (line->events);
  g_free (line);
}

static ShumateMapSource *
reference_source (TtshMapTrackLayer *self)
{
  ShumateViewport *viewport = shumate_layer_get_viewport (SHUMATE_LAYER (self));
  return viewport ? shumate_viewport_get_reference_map_source (viewport) : NULL;
}

/* Web Mercator as libshumate computes it for a 256 px tile at zoom 0. */
static void
project (double lat, double lon, double *x, double *y)
{
  double l = CLAMP (lat, -85.0511, 85.0511) * G_PI / 180.0;

  *x = (lon + 180.0) / 360.0 * 256.0;
  *y = (1.0 - log (tan (l) + 1.0 / cos (l)) / G_PI) / 2.0 * 256.0;
}

static double
seg_dist (const LinePoint *p, const LinePoint *a, const LinePoint *b)
{
  double dx = b->x - a->x, dy = b->y - a->y;
  double len2 = dx * dx + dy * dy;
  double t = len2 > 0 ? ((p->x - a->x) * dx + (p->y - a->y) * dy) / len2 : 0;

  t = CLAMP (t, 0.0, 1.0);
  return hypot (p->x - (a->x + t * dx), p->y - (a->y + t * dy));
}

static gboolean
pinned (const LinePoint *pts, guint i, guint n)
{
  const guint marks = TTSH_GPS_GAP | TTSH_GPS_JUMP | TTSH_GPS_POOR_ACCURACY;

  return (pts[i].flags & marks) || (i + 1 < n && (pts[i + 1].flags & marks));
}

/* Douglas–Peucker importances of chunk @c, iteratively. A point's value is
 * capped by its parent's, so filtering by any tolerance gives exactly what
 * Douglas–Peucker with that tolerance would keep. */
static void
chunk_importance (TtshMapLine *line, guint c)
{
  LinePoint *pts = (LinePoint *) (void *) line->points->data;
  guint n = line->points->len;
  guint a = c * CHUNK, b = MIN ((c + 1) * CHUNK, n - 1);
  g_autoptr(GArray) stack = g_array_new (FALSE, FALSE, sizeof (double) * 3);
  Box box = { G_MAXDOUBLE, G_MAXDOUBLE, -G_MAXDOUBLE, -G_MAXDOUBLE };
  guint prev = a;

  for (guint i = a; i <= b; i++)
    {
      box.x0 = MIN (box.x0, pts[i].x);
      box.y0 = MIN (box.y0, pts[i].y);
      box.x1 = MAX (box.x1, pts[i].x);
      box.y1 = MAX (box.y1, pts[i].y);
      pts[i].importance = 0;
    }
  if (line->boxes->len <= c)
    g_array_set_size (line->boxes, c + 1);
  g_array_index (line->boxes, Box, c) = box;

  pts[a].importance = pts[b].importance = G_MAXFLOAT;
  for (guint i = a + 1; i <= b; i++)
    {
      if (i < b && !pinned (pts, i, n))
        continue;
      pts[i].importance = G_MAXFLOAT;
      g_array_append_val (stack, ((double[3]) { prev, i, G_MAXFLOAT }));
      prev = i;
    }

  while (stack->len > 0)
    {
      double *top = &g_array_index (stack, double, (stack->len - 1) * 3);
      guint s = (guint) top[0], e = (guint) top[1];
      double parent = top[2], worst = -1;
      guint at = s;

      g_array_set_size (stack, stack->len - 1);
      if (e <= s + 1)
        continue;
      for (guint i = s + 1; i < e; i++)
        {
          double d = seg_dist (&pts[i], &pts[s], &pts[e]);
          if (d > worst)
            worst = d, at = i;
        }
      worst = MIN (worst, parent);
      pts[at].importance = (float) worst;
      g_array_append_val (stack, ((double[3]) { s, at, worst }));
      g_array_append_val (stack, ((double[3]) { at, e, worst }));
    }
}

void
ttsh_map_line_set_points (TtshMapLine        *line,
                          const TtshGpsPoint *points,
                          guint               n,
                          guint               from_index)
{
  guint first_chunk;

  from_index = MIN (from_index, line->points->len);
  from_index = MIN (from_index, n);
  g_array_set_size (line->points, from_index);
  for (guint i = from_index; i < n; i++)
    {
      LinePoint p = { .at = points[i].at, .flags = points[i].flags };
      project (points[i].lat, points[i].lon, &p.x, &p.y);
      g_array_append_val (line->points, p);
    }
  /* The chunk that held the old end changes too: its end was pinned. */
  first_chunk = from_index > 0 ? (from_index - 1) / CHUNK : 0;
  if (n < 2)
    g_array_set_size (line->boxes, 0);
  else
    {
      guint n_chunks = (n - 2) / CHUNK + 1;
      g_array_set_size (line->boxes, MIN (line->boxes->len, n_chunks));
      for (guint c = first_chunk; c < n_chunks; c++)
        chunk_importance (line, c);
    }
  line->layer->version++;
  gtk_widget_queue_draw (GTK_WIDGET (line->layer));
}

void
ttsh_map_line_set_events (TtshMapLine *line,
                          GPtrArray   *events)
{
  g_array_set_size (line->events, 0);
  for (guint i = 0; events != NULL && i < events->len; i++)
    {
      TtshGpsEvent *ev = g_ptr_array_index (events, i);
      double xy[2];

      if (!ev->located)
        continue;
      project (ev->lat, ev->lon, &xy[0], &xy[1]);
      g_array_append_vals (line->events, xy, 2);
    }
  line->layer->version++;
  gtk_widget_queue_draw (GTK_WIDGET (line->layer));
}

void
ttsh_map_line_set_highlight (TtshMapLine *line,
                             gboolean     highlight)
{
  if (line->highlight == highlight)
    return;
  line->highlight = highlight;
  line->layer->version++;
  gtk_widget_queue_draw (GTK_WIDGET (line->layer));
}

void
ttsh_map_line_set_cursor (TtshMapLine *line,
                          gint64       at)
{
  if (line->cursor == at)
    return;
  line->cursor = at;
  line->layer->version++;
  gtk_widget_queue_draw (GTK_WIDGET (line->layer));
}

guint
ttsh_map_line_get_n_points (TtshMapLine *line)
{
  return line->points->len;
}

TtshMapLine *
ttsh_map_track_layer_add_line (TtshMapTrackLayer *self,
                               TtshMapLineKind    kind,
                               const GdkRGBA     *color)
{
  TtshMapLine *line = g_new0 (TtshMapLine, 1);

  line->layer = self;
  line->kind = kind;
  line->color = *color;
  line->cursor = G_MAXINT64;
  line->points = g_array_new (FALSE, FALSE, sizeof (LinePoint));
  line->boxes = g_array_new (FALSE, FALSE, sizeof (Box));
  line->events = g_array_new (FALSE, FALSE, sizeof (double));
  /* Routes go under the tracks. */
  if (kind == TTSH_MAP_LINE_ROUTE)
    g_ptr_array_insert (self->lines, 0, line);
  else
    g_ptr_array_add (self->lines, line);
  self->version++;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return line;
}

void
ttsh_map_track_layer_remove_line (TtshMapTrackLayer *self,
                                  TtshMapLine       *line)
{
  g_ptr_array_remove (self->lines, line);
  self->version++;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ttsh_map_track_layer_clear (TtshMapTrackLayer *self)
{
  g_ptr_array_set_size (self->lines, 0);
  self->version++;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
ttsh_map_track_layer_get_n_lines (TtshMapTrackLayer *self)
{
  return self->lines->len;
}

guint
ttsh_map_track_layer_get_drawn_points (TtshMapTrackLayer *self)
{
  return self->drawn_points;
}

typedef enum { STYLE_NONE, STYLE_NORMAL, STYLE_POOR, STYLE_GAP, STYLE_JUMP } Style;

/* What a frame draws, in surface pixels: built on the GTK thread from the
 * visible chunks at the current level of detail, rasterised anywhere. */
typedef struct {
  float  x, y;
  guint8 style;   /* of the segment ending here; STYLE_NONE starts a run */
  guint8 faded;
} Vert;

typedef struct {
  GdkRGBA         color;
  gboolean        highlight;
  TtshMapLineKind kind;
  guint           first, count;   /* in verts */
  guint           dots_first, dots_count;
} LineJob;

typedef struct {
  int     w, h;
  double  ox, oy, zoom;
  guint   version;
  GArray *verts;
  GArray *lines;
  GArray *dots;    /* float x, y */
} Job;

static void
job_free (Job *job)
{
  g_array_unref (job->verts);
  g_array_unref (job->lines);
  g_array_unref (job->dots);
  g_free (job);
}

static void
apply_style (cairo_t       *cr,
             const LineJob *line,
             Style          style,
             gboolean       faded)
{
  const double dash_gap[] = { 6, 5 }, dash_jump[] = { 2, 4 }, dash_route[] = { 10, 6 };
  double alpha = faded ? 0.28 : 1.0;
  double width = line->highlight ? 5.0 : 3.0;

  cairo_set_dash (cr, NULL, 0, 0);
  switch (style)
    {
    case STYLE_JUMP:
      cairo_set_source_rgba (cr, 0.85, 0.10, 0.10, alpha);
      cairo_set_dash (cr, dash_jump, 2, 0);
      width = 2.0;
      break;
    case STYLE_GAP:
      cairo_set_source_rgba (cr, 0.35, 0.35, 0.35, alpha);
      cairo_set_dash (cr, dash_gap, 2, 0);
      width = 2.0;
      break;
    case STYLE_POOR:
      cairo_set_source_rgba (cr, 0.95, 0.55, 0.05, alpha);
      break;
    case STYLE_NONE:
    case STYLE_NORMAL:
    default:
      cairo_set_source_rgba (cr, line->color.red, line->color.green, line->color.blue,
                             line->color.alpha * alpha);
      if (line->kind == TTSH_MAP_LINE_ROUTE)
        {
          cairo_set_dash (cr, dash_route, 2, 0);
          width = 7.0;
        }
      break;
    }
  cairo_set_line_width (cr, width);
}

static Style
segment_style (const LinePoint *a, const LinePoint *b)
{
  if ((a->flags | b->flags) & TTSH_GPS_JUMP)
    return STYLE_JUMP;
  if (b->flags & TTSH_GPS_GAP)
    return STYLE_GAP;
  if (b->flags & TTSH_GPS_POOR_ACCURACY)
    return STYLE_POOR;
  return STYLE_NORMAL;
}

static void
build_line (Job               *job,
            TtshMapLine       *line,
            double             scale,
            const Box         *view)
{
  const LinePoint *pts = (const LinePoint *) (const void *) line->points->data;
  float tol = (float) (0.5 / scale);
  const LinePoint *prev = NULL;
  LineJob lj = { .color = line->color, .highlight = line->highlight, .kind = line->kind,
                 .first = job->verts->len, .dots_first = job->dots->len / 2 };

  for (guint c = 0; c < line->boxes->len; c++)
    {
      const Box *box = &g_array_index (line->boxes, Box, c);
      guint a = c * CHUNK, b = MIN ((c + 1) * CHUNK, line->points->len - 1);

      if (box->x1 < view->x0 || box->x0 > view->x1 || box->y1 < view->y0 || box->y0 > view->y1)
        {
          prev = NULL;
          continue;
        }
      for (guint i = (prev != NULL ? a + 1 : a); i <= b; i++)
        {
          const LinePoint *p = &pts[i];
          Vert v;

          if (p->importance <= tol && i != a && i != b)
            continue;
          v.x = (float) (p->x * scale - job->ox);
          v.y = (float) (p->y * scale - job->oy);
          v.faded = p->at > line->cursor;
          if (prev == NULL)
            v.style = STYLE_NONE;
          else
            v.style = line->kind == TTSH_MAP_LINE_ROUTE ? STYLE_NORMAL : segment_style (prev, p);
          g_array_append_val (job->verts, v);
          prev = p;
        }
    }
  for (guint i = 0; i + 1 < line->events->len; i += 2)
    {
      float xy[2] = { (float) (g_array_index (line->events, double, i) * scale - job->ox),
                      (float) (g_array_index (line->events, double, i + 1) * scale - job->oy) };
      if (xy[0] < -8 || xy[1] < -8 || xy[0] > job->w + 8 || xy[1] > job->h + 8)
        continue;
      g_array_append_vals (job->dots, xy, 2);
    }
  lj.count = job->verts->len - lj.first;
  lj.dots_count = job->dots->len / 2 - lj.dots_first;
  g_array_append_val (job->lines, lj);
}

static Job *
build_job (TtshMapTrackLayer *self,
           int                w,
           int                h,
           double             ox,
           double             oy,
           double             zoom,
           double             scale)
{
  Job *job = g_new0 (Job, 1);
  double margin = 16.0;
  Box view = { (ox - margin) / scale, (oy - margin) / scale,
               (ox + w + margin) / scale, (oy + h + margin) / scale };

  job->w = w, job->h = h, job->ox = ox, job->oy = oy, job->zoom = zoom;
  job->version = self->version;
  job->verts = g_array_new (FALSE, FALSE, sizeof (Vert));
  job->lines = g_array_new (FALSE, FALSE, sizeof (LineJob));
  job->dots = g_array_new (FALSE, FALSE, sizeof (float));
  for (guint i = 0; i < self->lines->len; i++)
    build_line (job, g_ptr_array_index (self->lines, i), scale, &view);
  self->drawn_points = job->verts->len;
  return job;
}

static void
render_job (cairo_t   *cr,
            const Job *job)
{
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  for (guint l = 0; l < job->lines->len; l++)
    {
      const LineJob *line = &g_array_index (job->lines, LineJob, l);
      Style style = STYLE_NONE;
      gboolean faded = FALSE;

      cairo_new_path (cr);
      for (guint i = line->first; i < line->first + line->count; i++)
        {
          const Vert *v = &g_array_index (job->verts, Vert, i);

          if (v->style == STYLE_NONE)
            {
              if (style != STYLE_NONE)
                {
                  apply_style (cr, line, style, faded);
                  cairo_stroke (cr);
                  style = STYLE_NONE;
                }
              cairo_move_to (cr, v->x, v->y);
              continue;
            }
          if (v->style != style || v->faded != faded)
            {
              const Vert *prev = v - 1;
              if (style != STYLE_NONE)
                {
                  apply_style (cr, line, style, faded);
                  cairo_stroke (cr);
                }
              cairo_move_to (cr, prev->x, prev->y);
              style = v->style;
              faded = v->faded;
            }
          cairo_line_to (cr, v->x, v->y);
        }
      if (style != STYLE_NONE)
        {
          apply_style (cr, line, style, faded);
          cairo_stroke (cr);
        }
      cairo_new_path (cr);

      /* Deduction spots: white disc, red ring. */
      for (guint i = line->dots_first; i < line->dots_first + line->dots_count; i++)
        {
          cairo_new_sub_path (cr);
          cairo_arc (cr, g_array_index (job->dots, float, 2 * i), g_array_index (job->dots, float, 2 * i + 1),
                     line->highlight ? 6 : 4, 0, 2 * G_PI);
        }
      if (line->dots_count > 0)
        {
          cairo_set_dash (cr, NULL, 0, 0);
          cairo_set_source_rgb (cr, 1, 1, 1);
          cairo_fill_preserve (cr);
          cairo_set_line_width (cr, 2);
          cairo_set_source_rgb (cr, 0.80, 0.10, 0.10);
          cairo_stroke (cr);
        }
    }
}

/* Off the GTK thread: rasterise a job into an image. */
static void
render_thread (GTask        *task,
               gpointer      source,
               gpointer      data,
               GCancellable *cancellable)
{
  Job *job = data;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, job->w, job->h);
  cairo_t *cr = cairo_create (surface);

  render_job (cr, job);
  cairo_destroy (cr);
  g_task_return_pointer (task, ttsh_image_new_for_surface (surface), g_object_unref);
}

static void
render_done (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  TtshMapTrackLayer *self = TTSH_MAP_TRACK_LAYER (object);
  Job *job = g_task_get_task_data (G_TASK (result));
  TtshImage *texture = g_task_propagate_pointer (G_TASK (result), NULL);

  self->rendering = FALSE;
  if (texture == NULL)
    return;
  g_clear_object (&self->cache.texture);
  self->cache = (Cache) { texture, job->w, job->h, job->ox, job->oy, job->zoom, job->version };
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
start_render (TtshMapTrackLayer *self,
              Job               *job)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, render_done, NULL);

  g_task_set_source_tag (task, start_render);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  self->rendering = TRUE;
  g_task_run_in_thread (task, render_thread);
}

static gboolean
cache_usable (TtshMapTrackLayer *self,
              int                w,
              int                h,
              double             ox,
              double             oy,
              double             zoom)
{
  double s;

  if (self->cache.texture == NULL || self->cache.version != self->version)
    return FALSE;
  if (fabs (zoom - self->cache.zoom) > 0.5)
    return FALSE;
  s = pow (2.0, zoom - self->cache.zoom);
  return ox / s >= self->cache.ox && oy / s >= self->cache.oy &&
         (ox + w) / s <= self->cache.ox + self->cache.w && (oy + h) / s <= self->cache.oy + self->cache.h;
}

static void
ttsh_map_track_layer_snapshot (GtkWidget   *widget,
                               GtkSnapshot *snapshot)
{
  TtshMapTrackLayer *self = TTSH_MAP_TRACK_LAYER (widget);
  ShumateViewport *viewport = shumate_layer_get_viewport (SHUMATE_LAYER (self));
  ShumateMapSource *source = reference_source (self);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  double zoom, scale, cx, cy, ox, oy;

  gint64 t0 = g_get_monotonic_time ();

  if (source == NULL || w <= 0 || h <= 0)
    return;
  zoom = shumate_viewport_get_zoom_level (viewport);
  scale = pow (2.0, zoom) * shumate_map_source_get_tile_size (source) / 256.0;
  project (shumate_location_get_latitude (SHUMATE_LOCATION (viewport)),
           shumate_location_get_longitude (SHUMATE_LOCATION (viewport)), &cx, &cy);
  ox = cx * scale - w / 2.0;
  oy = cy * scale - h / 2.0;

  if (!self->cached)
    {
      Job *job;
      cairo_t *cr;

      if (self->lines->len == 0)
        {
          self->drawn_points = 0;
          return;
        }
      job = build_job (self, w, h, ox, oy, zoom, scale);
      cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
      render_job (cr, job);
      cairo_destroy (cr);
      job_free (job);
      self->snapshot_us += g_get_monotonic_time () - t0;
      return;
    }

  /* Cached: a texture of 1.5 times the view, rendered off-thread, moved and
   * scaled by the GPU while panning and zooming; redone when the data
   * changed, the zoom drifted by half a level or the view left it. */
  if (!cache_usable (self, w, h, ox, oy, zoom) && !self->rendering)
    start_render (self, build_job (self, w + w / 2, h + h / 2, ox - w / 4.0, oy - h / 4.0, zoom, scale));
  if (self->cache.texture != NULL && fabs (zoom - self->cache.zoom) < 3)
    {
      double s = pow (2.0, zoom - self->cache.zoom);
      ttsh_image_append (self->cache.texture, snapshot,
                         &GRAPHENE_RECT_INIT ((float) (self->cache.ox * s - ox),
                                              (float) (self->cache.oy * s - oy),
                                              (float) (self->cache.w * s),
                                              (float) (self->cache.h * s)));
    }
  self->snapshot_us += g_get_monotonic_time () - t0;
}

gint64
ttsh_map_track_layer_get_snapshot_time_us (TtshMapTrackLayer *self)
{
  return self->snapshot_us;
}

void
ttsh_map_track_layer_set_cached (TtshMapTrackLayer *self,
                                 gboolean           cached)
{
  self->cached = cached;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
viewport_changed (TtshMapTrackLayer *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
ttsh_map_track_layer_constructed (GObject *object)
{
  TtshMapTrackLayer *self = TTSH_MAP_TRACK_LAYER (object);
  ShumateViewport *viewport;

  G_OBJECT_CLASS (ttsh_map_track_layer_parent_class)->constructed (object);
  viewport = shumate_layer_get_viewport (SHUMATE_LAYER (self));
  g_signal_connect_object (viewport, "notify", G_CALLBACK (viewport_changed), self, G_CONNECT_SWAPPED);
}

static void
ttsh_map_track_layer_finalize (GObject *object)
{
  g_clear_pointer (&TTSH_MAP_TRACK_LAYER (object)->lines, g_ptr_array_unref);
  g_clear_object (&TTSH_MAP_TRACK_LAYER (object)->cache.texture);
  G_OBJECT_CLASS (ttsh_map_track_layer_parent_class)->finalize (object);
}

static void
ttsh_map_track_layer_class_init (TtshMapTrackLayerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ttsh_map_track_layer_constructed;
  object_class->finalize = ttsh_map_track_layer_finalize;
  widget_class->snapshot = ttsh_map_track_layer_snapshot;
}

static void
ttsh_map_track_layer_init (TtshMapTrackLayer *self)
{
  self->lines = g_ptr_array_new_with_free_func ((GDestroyNotify) line_free);
  gtk_widget_set_can_target (GTK_WIDGET (self), FALSE);
}

TtshMapTrackLayer *
ttsh_map_track_layer_new (ShumateViewport *viewport)
{
  return g_object_new (TTSH_TYPE_MAP_TRACK_LAYER, "viewport", viewport, NULL);
}
