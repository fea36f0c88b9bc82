/* ttsh-image.h — a picture drawn by the console itself (map grid, tracks,
 * vehicle markers), shown the cheapest way for the renderer in use. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TTSH_TYPE_IMAGE (ttsh_image_get_type ())
G_DECLARE_FINAL_TYPE (TtshImage, ttsh_image, TTSH, IMAGE, GObject)

/* Takes @surface, an ARGB32 image surface; may be called off the GTK thread. */
TtshImage *ttsh_image_new_for_surface (cairo_surface_t       *surface);
int        ttsh_image_get_width       (TtshImage             *self);
int        ttsh_image_get_height      (TtshImage             *self);
void       ttsh_image_append          (TtshImage             *self,
                                       GtkSnapshot           *snapshot,
                                       const graphene_rect_t *bounds);

G_END_DECLS
