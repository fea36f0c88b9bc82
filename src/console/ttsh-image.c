/* ttsh-image.c — pictures drawn by the console, shown per renderer.
 *
 * With the GL renderer a texture is uploaded once and then only moved. The
 * cairo renderer of GTK 4.8 instead converts every texture it draws, every
 * frame, through floating point (15 ms for one 1920x1200 texture here),
 * while painting a cairo image surface is a plain pixel copy: so the cairo
 * renderer gets the surface and the GL renderer a texture made from it. */
#define G_LOG_DOMAIN "ttsh-console"
#include "config.h"

#include <math.h>

#include "ttsh-image.h"
#include "ttsh-renderer.h"

struct _TtshImage {
  GObject          parent_instance;
  cairo_surface_t *surface;
  GdkTexture      *texture;   /* made on first use with a GL renderer */
  int              width, height;
};

static void paintable_iface_init (GdkPaintableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TtshImage, ttsh_image, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GDK_TYPE_PAINTABLE, paintable_iface_init))

static GdkTexture *
texture_for (TtshImage *self)
{
  if (self->texture == NULL)
    {
      g_autoptr(GBytes) bytes = NULL;
      int stride = cairo_image_surface_get_stride (self->surface);

      cairo_surface_flush (self->surface);
      bytes = g_bytes_new_with_free_func (cairo_image_surface_get_data (self->surface),
                                          (gsize) stride * self->height,
                                          (GDestroyNotify) cairo_surface_destroy,
                                          cairo_surface_reference (self->surface));
      self->texture = gdk_memory_texture_new (self->width, self->height, GDK_MEMORY_DEFAULT, bytes, stride);
    }
  return self->texture;
}

void
ttsh_image_append (TtshImage             *self,
                   GtkSnapshot           *snapshot,
                   const graphene_rect_t *bounds)
{
  g_return_if_fail (TTSH_IS_IMAGE (self));

  if (ttsh_renderer_is_cairo ())
    {
      cairo_t *cr = gtk_snapshot_append_cairo (snapshot, bounds);
      double sx = bounds->size.width / self->width, sy = bounds->size.height / self->height;

      cairo_translate (cr, bounds->origin.x, bounds->origin.y);
      cairo_scale (cr, sx, sy);
      cairo_set_source_surface (cr, self->surface, 0, 0);
      /* Unscaled: whole-pixel copy; scaled (zooming): smooth. */
      if (fabs (sx - 1) < 1e-6 && fabs (sy - 1) < 1e-6)
        cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
      else
        cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_BILINEAR);
      cairo_paint (cr);
      cairo_destroy (cr);
    }
  else
    gtk_snapshot_append_texture (snapshot, texture_for (self), bounds);
}

static void
ttsh_image_snapshot (GdkPaintable *paintable,
                     GdkSnapshot  *snapshot,
                     double        width,
                     double        height)
{
  ttsh_image_append (TTSH_IMAGE (paintable), GTK_SNAPSHOT (snapshot),
                     &GRAPHENE_RECT_INIT (0, 0, (float) width, (float) height));
}

static int
ttsh_image_get_intrinsic_width (GdkPaintable *paintable)
{
  return TTSH_IMAGE (paintable)->width;
}

static int
ttsh_image_get_intrinsic_height (GdkPaintable *paintable)
{
  return TTSH_IMAGE (paintable)->height;
}

static GdkPaintableFlags
ttsh_image_get_flags (GdkPaintable *paintable)
{
  return GDK_PAINTABLE_STATIC_SIZE | GDK_PAINTABLE_STATIC_CONTENTS;
}

static void
paintable_iface_init (GdkPaintableInterface *iface)
{
  iface->snapshot = ttsh_image_snapshot;
  iface->get_intrinsic_width = ttsh_image_get_intrinsic_width;
  iface->get_intrinsic_height = ttsh_image_get_intrinsic_height;
  iface->get_flags = ttsh_image_get_flags;
}

static void
ttsh_image_finalize (GObject *object)
{
  TtshImage *self = TTSH_IMAGE (object);

  g_clear_object (&self->texture);
  g_clear_pointer (&self->surface, cairo_surface_destroy);
  G_OBJECT_CLASS (ttsh_image_parent_class)->finalize (object);
}

static void
ttsh_image_class_init (TtshImageClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ttsh_image_finalize;
}

static void
ttsh_image_init (TtshImage *self)
{
}

TtshImage *
ttsh_image_new_for_surface (cairo_surface_t *surface)
{
  TtshImage *self = g_object_new (TTSH_TYPE_IMAGE, NULL);

  cairo_surface_flush (surface);
  self->surface = surface;
  self->width = cairo_image_surface_get_width (surface);
  self->height = cairo_image_surface_get_height (surface);
  return self;
}

int
ttsh_image_get_width (TtshImage *self)
{
  return self->width;
}

int
ttsh_image_get_height (TtshImage *self)
{
  return self->height;
}
