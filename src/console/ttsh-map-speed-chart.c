/* ttsh-map-speed-chart.c — speed over time of the replayed road test.
 *
 * Drawn with cairo from the track itself; gaps break the line so a missing
 * minute is not drawn as a steady speed. */
#define G_LOG_DOMAIN "ttsh-map"
#include "config.h"

#include <math.h>
#include <glib/gi18n.h>
#include <pango/pangocairo.h>

#include "ttsh-map-speed-chart.h"
#include "ttsh-map-util.h"

struct _TtshMapSpeedChart {
  GtkWidget           parent_instance;
  const TtshGpsTrack *track;
  gint64              cursor;
};

G_DEFINE_FINAL_TYPE (TtshMapSpeedChart, ttsh_map_speed_chart, GTK_TYPE_WIDGET)

#define LEFT 44.0
#define BOTTOM 6.0
#define TOP 8.0

static void
draw_text (cairo_t *cr, GtkWidget *widget, double x, double y, const char *text)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, text);
  int w, h;

  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (cr, x - w, y - h / 2.0);
  pango_cairo_show_layout (cr, layout);
  g_object_unref (layout);
}

static void
ttsh_map_speed_chart_snapshot (GtkWidget   *widget,
                               GtkSnapshot *snapshot)
{
  TtshMapSpeedChart *self = TTSH_MAP_SPEED_CHART (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  const TtshGpsTrack *t = self->track;
  double top_speed = 60, pw, ph, span;
  gboolean pen = FALSE;
  cairo_t *cr;

  if (w <= LEFT + 10 || h <= TOP + BOTTOM + 10)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  pw = w - LEFT - 8;
  ph = h - TOP - BOTTOM;
  if (t != NULL)
    top_speed = MAX (top_speed, ceil (t->quality.max_speed_kmh / 20.0) * 20.0);

  /* Axis and guide lines every 20 km/h. */
  cairo_set_source_rgba (cr, 0.5, 0.5, 0.5, 0.35);
  cairo_set_line_width (cr, 1);
  for (double v = 0; v <= top_speed; v += 20)
    {
      double y = TOP + ph - v / top_speed * ph;
      g_autofree char *label = g_strdup_printf ("%.0f", v);
      cairo_move_to (cr, LEFT, round (y) + 0.5);
      cairo_line_to (cr, LEFT + pw, round (y) + 0.5);
      cairo_stroke (cr);
      cairo_set_source_rgba (cr, 0.3, 0.3, 0.3, 0.9);
      draw_text (cr, widget, LEFT - 6, y, label);
      cairo_set_source_rgba (cr, 0.5, 0.5, 0.5, 0.35);
    }

  if (t == NULL || t->points->len < 2 || t->end_at <= t->start_at)
    {
      cairo_destroy (cr);
      return;
    }
  span = (double) (t->end_at - t->start_at);

  /* Deduction ticks under everything else. */
  cairo_set_source_rgba (cr, 0.8, 0.1, 0.1, 0.55);
  cairo_set_line_width (cr, 2);
  for (guint i = 0; i < t->events->len; i++)
    {
      TtshGpsEvent *ev = g_ptr_array_index (t->events, i);
      double x;
      if (ev->at < t->start_at || ev->at > t->end_at)
        continue;
      x = LEFT + (ev->at - t->start_at) / span * pw;
      cairo_move_to (cr, x, TOP);
      cairo_line_to (cr, x, TOP + ph);
    }
  cairo_stroke (cr);

  /* Speed trace: at most one vertex per pixel column. */
  cairo_set_line_width (cr, 1.5);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  double last_x = -1;
  for (guint i = 0; i < t->points->len; i++)
    {
      const TtshGpsPoint *p = &g_array_index (t->points, TtshGpsPoint, i);
      double x = LEFT + (p->at - t->start_at) / span * pw;
      double y;

      if (isnan (p->speed) || (p->flags & TTSH_GPS_GAP))
        pen = FALSE;
      if (isnan (p->speed))
        continue;
      if (pen && x - last_x < 1.0 && i + 1 < t->points->len)
        continue;
      y = TOP + ph - MIN (p->speed, top_speed) / top_speed * ph;
      if (pen)
        cairo_line_to (cr, x, y);
      else
        cairo_move_to (cr, x, y);
      pen = TRUE;
      last_x = x;
    }
  cairo_set_source_rgb (cr, 0.11, 0.44, 0.85);
  cairo_stroke (cr);

  if (self->cursor >= t->start_at && self->cursor <= t->end_at)
    {
      double x = LEFT + (self->cursor - t->start_at) / span * pw;
      cairo_set_source_rgb (cr, 0.14, 0.12, 0.19);
      cairo_set_line_width (cr, 2);
      cairo_move_to (cr, x, TOP - 4);
      cairo_line_to (cr, x, TOP + ph);
      cairo_stroke (cr);
    }
  cairo_destroy (cr);
}

static void
ttsh_map_speed_chart_class_init (TtshMapSpeedChartClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  widget_class->snapshot = ttsh_map_speed_chart_snapshot;
  gtk_widget_class_set_css_name (widget_class, "speedchart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
ttsh_map_speed_chart_init (TtshMapSpeedChart *self)
{
  gtk_widget_set_size_request (GTK_WIDGET (self), -1, 90);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Speed during the road test (km/h)"), -1);
}

void
ttsh_map_speed_chart_set_track (TtshMapSpeedChart  *self,
                                const TtshGpsTrack *track)
{
  self->track = track;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ttsh_map_speed_chart_set_cursor (TtshMapSpeedChart *self,
                                 gint64             at)
{
  self->cursor = at;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
