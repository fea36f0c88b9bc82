/* ttsh-map-vehicle.c — marker of a test vehicle.
 *
 * The marker is measured as its 24 px disc so libshumate centres the disc
 * on the position; the label is drawn beside it, outside the allocation,
 * which keeps the position exact whatever the label's length. */
#define G_LOG_DOMAIN "ttsh-map"
#include "config.h"

#include <math.h>
#include <glib/gi18n.h>
#include <pango/pangocairo.h>

#include "ttsh-tooltip.h"
#include "ttsh-map-util.h"
#include "ttsh-image.h"
#include "ttsh-map-vehicle.h"

#define DISC 24

struct _TtshMapVehicle {
  ShumateMarker  parent_instance;
  gint64         candidate_id;
  GdkRGBA        color;
  double         heading;
  double         speed;
  gboolean       stale;
  gint64         at;
  char          *candidate_no;
  char          *full_name;
  char          *label;
  TtshImage     *rendered;    /* drawn once per change, not per frame */
};

G_DEFINE_FINAL_TYPE (TtshMapVehicle, ttsh_map_vehicle, SHUMATE_TYPE_MARKER)

static void
rounded_rect (cairo_t *cr, double x, double y, double w, double h, double r)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

static TtshImage *
render (TtshMapVehicle *self,
        int             scale)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean selected = shumate_marker_is_selected (SHUMATE_MARKER (self));
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, self->label);
  PangoFontDescription *font = pango_font_description_from_string ("Sans Bold 9");
  cairo_surface_t *surface;
  int tw, th, w, h;
  double c = DISC / 2.0;
  cairo_t *cr;

  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);
  pango_layout_get_pixel_size (layout, &tw, &th);
  w = (DISC + tw + 24) * scale;
  h = (DISC + 8) * scale;
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
  cr = cairo_create (surface);
  cairo_scale (cr, scale, scale);
  cairo_translate (cr, 4, 4);

  /* Disc with a white ring; grey when the position is stale. */
  cairo_arc (cr, c, c, selected ? c : c - 2, 0, 2 * G_PI);
  if (self->stale)
    cairo_set_source_rgb (cr, 0.55, 0.55, 0.57);
  else
    gdk_cairo_set_source_rgba (cr, &self->color);
  cairo_fill_preserve (cr);
  cairo_set_line_width (cr, selected ? 3 : 2);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_stroke (cr);

  /* Heading arrow (north up); a dot when the heading is unknown. */
  cairo_save (cr);
  cairo_translate (cr, c, c);
  if (isnan (self->heading))
    {
      cairo_arc (cr, 0, 0, 3, 0, 2 * G_PI);
    }
  else
    {
      cairo_rotate (cr, self->heading * G_PI / 180.0);
      cairo_move_to (cr, 0, -8);
      cairo_line_to (cr, 6, 6);
      cairo_line_to (cr, 0, 3);
      cairo_line_to (cr, -6, 6);
      cairo_close_path (cr);
    }
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_fill (cr);
  cairo_restore (cr);

  /* Label pill beside the disc. */
  rounded_rect (cr, DISC + 3, c - th / 2.0 - 2, tw + 10, th + 4, 5);
  if (selected)
    gdk_cairo_set_source_rgba (cr, &self->color);
  else
    cairo_set_source_rgba (cr, 1, 1, 1, 0.92);
  cairo_fill_preserve (cr);
  cairo_set_line_width (cr, 1);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.25);
  cairo_stroke (cr);
  cairo_move_to (cr, DISC + 8, c - th / 2.0);
  if (selected)
    cairo_set_source_rgb (cr, 1, 1, 1);
  else if (self->stale)
    cairo_set_source_rgb (cr, 0.45, 0.45, 0.47);
  else
    cairo_set_source_rgb (cr, 0.14, 0.12, 0.19);
  pango_cairo_show_layout (cr, layout);
  cairo_destroy (cr);
  g_object_unref (layout);
  return ttsh_image_new_for_surface (surface);
}

static void
invalidate (TtshMapVehicle *self)
{
  g_clear_object (&self->rendered);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
ttsh_map_vehicle_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  TtshMapVehicle *self = TTSH_MAP_VEHICLE (widget);
  int scale = gtk_widget_get_scale_factor (widget);

  if (self->rendered == NULL)
    self->rendered = render (self, scale);
  ttsh_image_append (self->rendered, snapshot,
                     &GRAPHENE_RECT_INIT (-4, -4,
                                          ttsh_image_get_width (self->rendered) / (float) scale,
                                          ttsh_image_get_height (self->rendered) / (float) scale));
}

static void
ttsh_map_vehicle_measure (GtkWidget      *widget,
                          GtkOrientation  orientation,
                          int             for_size,
                          int            *minimum,
                          int            *natural,
                          int            *minimum_baseline,
                          int            *natural_baseline)
{
  *minimum = *natural = DISC;
}

static void
ttsh_map_vehicle_finalize (GObject *object)
{
  TtshMapVehicle *self = TTSH_MAP_VEHICLE (object);

  g_clear_object (&self->rendered);
  g_free (self->label);
  g_free (self->candidate_no);
  g_free (self->full_name);
  G_OBJECT_CLASS (ttsh_map_vehicle_parent_class)->finalize (object);
}

static void
ttsh_map_vehicle_class_init (TtshMapVehicleClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = ttsh_map_vehicle_finalize;
  widget_class->snapshot = ttsh_map_vehicle_snapshot;
  widget_class->measure = ttsh_map_vehicle_measure;
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_BUTTON);
}

static void
ttsh_map_vehicle_init (TtshMapVehicle *self)
{
  self->heading = NAN;
  self->speed = NAN;
  self->label = g_strdup ("");
  g_signal_connect (self, "notify::selected", G_CALLBACK (invalidate), NULL);
}

TtshMapVehicle *
ttsh_map_vehicle_new (gint64         candidate_id,
                      const GdkRGBA *color)
{
  TtshMapVehicle *self = g_object_new (TTSH_TYPE_MAP_VEHICLE, "selectable", TRUE, NULL);

  self->candidate_id = candidate_id;
  self->color = *color;
  return self;
}

gint64
ttsh_map_vehicle_get_candidate_id (TtshMapVehicle *self)
{
  return self->candidate_id;
}

static void
update_texts (TtshMapVehicle *self)
{
  const char *candidate_no = self->candidate_no ? self->candidate_no : "";
  const char *full_name = self->full_name ? self->full_name : "";
  gint64 at = self->at;
  char heading[G_ASCII_DTOSTR_BUF_SIZE] = "–";
  g_autofree char *speed = ttsh_map_format_number (self->speed, 0);
  g_autofree char *clock = at ? ttsh_map_format_clock (at) : g_strdup ("–");
  g_autofree char *tooltip = NULL;

  g_free (self->label);
  /* TRANSLATORS: vehicle label on the map: candidate number and speed */
  if (self->stale)
    /* TRANSLATORS: label of a vehicle whose position is out of date */
    self->label = g_strdup_printf (_("%s · no data"), candidate_no);
  else
    self->label = g_strdup_printf (_("%s · %s km/h"), candidate_no, speed);
  if (!isnan (self->heading))
    g_snprintf (heading, sizeof heading, "%.0f", self->heading);
  if (self->stale)
    /* TRANSLATORS: tooltip of a vehicle whose position is out of date */
    tooltip = g_strdup_printf (_("%s — %s\nNo position since %s"), candidate_no, full_name, clock);
  else
    /* TRANSLATORS: tooltip of a vehicle: number, name, speed, heading, time */
    tooltip = g_strdup_printf (_("%s — %s\nSpeed %s km/h, heading %s°\nPosition at %s"),
                               candidate_no, full_name, speed, heading, clock);
  ttsh_widget_set_quiet_tooltip (GTK_WIDGET (self), tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip, -1);
}

void
ttsh_map_vehicle_update (TtshMapVehicle *self,
                         const char     *candidate_no,
                         const char     *full_name,
                         double          lat,
                         double          lon,
                         double          speed,
                         double          heading,
                         gint64          at)
{
  self->speed = speed;
  self->heading = heading;
  shumate_location_set_location (SHUMATE_LOCATION (self), lat, lon);
  self->at = at;
  if (g_strcmp0 (self->candidate_no, candidate_no) != 0)
    {
      g_free (self->candidate_no);
      self->candidate_no = g_strdup (candidate_no);
    }
  if (g_strcmp0 (self->full_name, full_name) != 0)
    {
      g_free (self->full_name);
      self->full_name = g_strdup (full_name);
    }
  update_texts (self);
  invalidate (self);
}

void
ttsh_map_vehicle_set_stale (TtshMapVehicle *self,
                            gboolean        stale)
{
  if (self->stale == stale)
    return;
  self->stale = stale;
  if (stale)
    gtk_widget_add_css_class (GTK_WIDGET (self), "stale");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "stale");
  update_texts (self);
  invalidate (self);
}

gboolean
ttsh_map_vehicle_get_stale (TtshMapVehicle *self)
{
  return self->stale;
}

const char *
ttsh_map_vehicle_get_label (TtshMapVehicle *self)
{
  return self->label;
}
