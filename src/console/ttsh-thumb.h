/* ttsh-thumb.h — a candidate's round photo thumbnail, or the initials of
 * the name while there is no photo; one widget, cheap to build, fill and
 * throw away by the hundred as roster rows are. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TTSH_TYPE_THUMB (ttsh_thumb_get_type ())
G_DECLARE_FINAL_TYPE (TtshThumb, ttsh_thumb, TTSH, THUMB, GtkWidget)

GtkWidget *ttsh_thumb_new       (int         size);
/* The candidate's full name: initials, colour and accessible label. */
void       ttsh_thumb_set_name  (TtshThumb  *self,
                                 const char *name);
void       ttsh_thumb_set_photo (TtshThumb  *self,
                                 GdkTexture *photo);
/* The initials shown without a photo: first letters of the first and last
 * words, upper case (for tests). */
const char *ttsh_thumb_get_initials (TtshThumb *self);

G_END_DECLS
