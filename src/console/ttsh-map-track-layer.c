/* ttsh-map-track-layer.c — custom-drawn tracks for the road-test map.
 *
 * ShumatePathLayer keeps a GList of location objects and redraws every node
 * on each frame; fifty two-hour tracks are 360,000 nodes. Here a track is a
 * flat array in zoom-0 Mercator units, split in chunks with bounding boxes
 * (culling) and per-point simplification tolerances (level of detail). */
#define G_LOG_DOMAIN "ttsh-map"
#include "config.h"

#include <math.h>

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

struct _TtshMapTrackLayer {
  ShumateLayer  parent_instance;
  GPtrArray    *lines;
  guint         drawn_points;
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
  gtk_widget_queue_draw (GTK_WIDGET (line->layer));
}

void
ttsh_map_line_set_highlight (TtshMapLine *line,
                             gboolean     highlight)
{
  if (line->highlight == highlight)
    return;
  line->highlight = highlight;
  gtk_widget_queue_draw (GTK_WIDGET (line->layer));
}

void
ttsh_map_line_set_cursor (TtshMapLine *line,
                          gint64       at)
{
  if (line->cursor == at)
    return;
  line->cursor = at;
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
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return line;
}

void
ttsh_map_track_layer_remove_line (TtshMapTrackLayer *self,
                                  TtshMapLine       *line)
{
  g_ptr_array_remove (self->lines, line);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ttsh_map_track_layer_clear (TtshMapTrackLayer *self)
{
  g_ptr_array_set_size (self->lines, 0);
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

static void
apply_style (cairo_t     *cr,
             TtshMapLine *line,
             Style        style,
             gboolean     faded)
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

static guint
draw_line (TtshMapTrackLayer *self,
           cairo_t           *cr,
           TtshMapLine       *line,
           double             scale,
           double             ox,
           double             oy,
           const Box         *view)
{
  const LinePoint *pts = (const LinePoint *) (const void *) line->points->data;
  float tol = (float) (0.5 / scale);
  Style style = STYLE_NONE;
  gboolean faded = FALSE;
  const LinePoint *prev = NULL;
  guint drawn = 0;

  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
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
          double x, y;

          if (p->importance <= tol && i != a && i != b)
            continue;
          x = p->x * scale - ox;
          y = p->y * scale - oy;
          drawn++;
          if (prev == NULL)
            {
              if (style != STYLE_NONE)
                {
                  apply_style (cr, line, style, faded);
                  cairo_stroke (cr);
                  style = STYLE_NONE;
                }
              cairo_new_path (cr);
              cairo_move_to (cr, x, y);
              prev = p;
              continue;
            }
          Style s = line->kind == TTSH_MAP_LINE_ROUTE ? STYLE_NORMAL : segment_style (prev, p);
          gboolean f = p->at > line->cursor;
          if (s != style || f != faded)
            {
              if (style != STYLE_NONE)
                {
                  apply_style (cr, line, style, faded);
                  cairo_stroke (cr);
                }
              cairo_move_to (cr, prev->x * scale - ox, prev->y * scale - oy);
              style = s;
              faded = f;
            }
          cairo_line_to (cr, x, y);
          prev = p;
        }
    }
  if (style != STYLE_NONE)
    {
      apply_style (cr, line, style, faded);
      cairo_stroke (cr);
    }
  cairo_new_path (cr);

  /* Deduction spots: white disc, red ring. */
  for (guint i = 0; i + 1 < line->events->len; i += 2)
    {
      double x = g_array_index (line->events, double, i) * scale - ox;
      double y = g_array_index (line->events, double, i + 1) * scale - oy;

      cairo_new_sub_path (cr);
      cairo_arc (cr, x, y, line->highlight ? 6 : 4, 0, 2 * G_PI);
    }
  if (line->events->len > 0)
    {
      cairo_set_dash (cr, NULL, 0, 0);
      cairo_set_source_rgb (cr, 1, 1, 1);
      cairo_fill_preserve (cr);
      cairo_set_line_width (cr, 2);
      cairo_set_source_rgb (cr, 0.80, 0.10, 0.10);
      cairo_stroke (cr);
    }
  (void) self;
  return drawn;
}

static void
ttsh_map_track_layer_snapshot (GtkWidget   *widget,
                               GtkSnapshot *snapshot)
{
  TtshMapTrackLayer *self = TTSH_MAP_TRACK_LAYER (widget);
  ShumateViewport *viewport = shumate_layer_get_viewport (SHUMATE_LAYER (self));
  ShumateMapSource *source = reference_source (self);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  double zoom, scale, cx, cy, ox, oy, margin;
  Box view;
  cairo_t *cr;

  self->drawn_points = 0;
  if (self->lines->len == 0 || source == NULL || w <= 0 || h <= 0)
    return;

  zoom = shumate_viewport_get_zoom_level (viewport);
  scale = pow (2.0, zoom) * shumate_map_source_get_tile_size (source) / 256.0;
  project (shumate_location_get_latitude (SHUMATE_LOCATION (viewport)),
           shumate_location_get_longitude (SHUMATE_LOCATION (viewport)), &cx, &cy);
  ox = cx * scale - w / 2.0;
  oy = cy * scale - h / 2.0;
  margin = 16.0;
  view = (Box) { (ox - margin) / scale, (oy - margin) / scale,
                 (ox + w + margin) / scale, (oy + h + margin) / scale };

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  for (guint i = 0; i < self->lines->len; i++)
    self->drawn_points += draw_line (self, cr, g_ptr_array_index (self->lines, i), scale, ox, oy, &view);
  cairo_destroy (cr);
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
