/* ttsh-thumb.c — a candidate's round photo thumbnail or initials. */
#define G_LOG_DOMAIN "ttsh-console"
#include "config.h"

#include "ttsh-thumb.h"

struct _TtshThumb {
  GtkWidget    parent_instance;
  int          size;
  char        *name;
  char         initials[16];
  guint        colour;
  GdkTexture  *photo;
  PangoLayout *layout;   /* the initials, built when first drawn */
};

G_DEFINE_FINAL_TYPE (TtshThumb, ttsh_thumb, GTK_TYPE_WIDGET)

/* Background and text colours for initials, picked by the name. */
static const GdkRGBA palette[][2] = {
  { { 0.51, 0.71, 0.93, 1 }, { 0.11, 0.27, 0.53, 1 } },
  { { 0.56, 0.84, 0.73, 1 }, { 0.06, 0.36, 0.25, 1 } },
  { { 0.97, 0.83, 0.45, 1 }, { 0.48, 0.33, 0.00, 1 } },
  { { 0.98, 0.65, 0.48, 1 }, { 0.55, 0.22, 0.05, 1 } },
  { { 0.94, 0.59, 0.64, 1 }, { 0.52, 0.11, 0.20, 1 } },
  { { 0.78, 0.66, 0.91, 1 }, { 0.34, 0.17, 0.52, 1 } },
  { { 0.80, 0.76, 0.70, 1 }, { 0.33, 0.28, 0.22, 1 } },
};

static void
ttsh_thumb_measure (GtkWidget      *widget,
                    GtkOrientation  orientation,
                    int             for_size,
                    int            *minimum,
                    int            *natural,
                    int            *minimum_baseline,
                    int            *natural_baseline)
{
  *minimum = *natural = TTSH_THUMB (widget)->size;
}

static void
ttsh_thumb_snapshot (GtkWidget   *widget,
                     GtkSnapshot *snapshot)
{
  TtshThumb *self = TTSH_THUMB (widget);
  float w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  float d = MIN (w, h);
  graphene_rect_t circle = GRAPHENE_RECT_INIT ((w - d) / 2, (h - d) / 2, d, d);
  GskRoundedRect clip;

  gsk_rounded_rect_init_from_rect (&clip, &circle, d / 2);
  gtk_snapshot_push_rounded_clip (snapshot, &clip);
  if (self->photo != NULL)
    {
      /* Cover the circle, centred: portraits lose a little top and bottom. */
      float pw = gdk_texture_get_width (self->photo), ph = gdk_texture_get_height (self->photo);
      float scale = MAX (d / pw, d / ph);
      graphene_rect_t r = GRAPHENE_RECT_INIT (circle.origin.x + (d - pw * scale) / 2,
                                              circle.origin.y + (d - ph * scale) / 2,
                                              pw * scale, ph * scale);

      gtk_snapshot_append_texture (snapshot, self->photo, &r);
    }
  else
    {
      const GdkRGBA *c = palette[self->colour];
      int lw, lh;

      gtk_snapshot_append_color (snapshot, &c[0], &circle);
      if (self->initials[0] != '\0')
        {
          if (self->layout == NULL)
            {
              PangoFontDescription *font = pango_font_description_new ();

              self->layout = gtk_widget_create_pango_layout (widget, self->initials);
              pango_font_description_set_weight (font, PANGO_WEIGHT_BOLD);
              pango_font_description_set_absolute_size (font, d * 0.4 * PANGO_SCALE);
              pango_layout_set_font_description (self->layout, font);
              pango_font_description_free (font);
            }
          pango_layout_get_pixel_size (self->layout, &lw, &lh);
          gtk_snapshot_save (snapshot);
          gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT ((w - lw) / 2, (h - lh) / 2));
          gtk_snapshot_append_layout (snapshot, self->layout, &c[1]);
          gtk_snapshot_restore (snapshot);
        }
    }
  gtk_snapshot_pop (snapshot);
}

static void
ttsh_thumb_finalize (GObject *object)
{
  TtshThumb *self = TTSH_THUMB (object);

  g_free (self->name);
  g_clear_object (&self->photo);
  g_clear_object (&self->layout);
  G_OBJECT_CLASS (ttsh_thumb_parent_class)->finalize (object);
}

static void
ttsh_thumb_class_init (TtshThumbClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = ttsh_thumb_finalize;
  widget_class->measure = ttsh_thumb_measure;
  widget_class->snapshot = ttsh_thumb_snapshot;
  gtk_widget_class_set_css_name (widget_class, "thumb");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
ttsh_thumb_init (TtshThumb *self)
{
}

GtkWidget *
ttsh_thumb_new (int size)
{
  TtshThumb *self = g_object_new (TTSH_TYPE_THUMB, NULL);

  self->size = size;
  return GTK_WIDGET (self);
}

static void
append_initial (GString    *s,
                const char *word)
{
  gunichar c = g_utf8_get_char (word);

  g_string_append_unichar (s, g_unichar_toupper (c));
}

void
ttsh_thumb_set_name (TtshThumb  *self,
                     const char *name)
{
  g_autoptr(GString) initials = g_string_new (NULL);
  g_auto(GStrv) words = NULL;
  const char *first = NULL, *last = NULL;

  g_return_if_fail (TTSH_IS_THUMB (self));

  if (g_strcmp0 (self->name, name) == 0)
    return;
  g_free (self->name);
  self->name = g_strdup (name);
  words = g_strsplit_set (name ? name : "", " \t", -1);
  for (char **w = words; *w; w++)
    if (**w != '\0')
      {
        first = first ? first : *w;
        last = *w;
      }
  if (first != NULL)
    append_initial (initials, first);
  if (last != first)
    append_initial (initials, last);
  g_strlcpy (self->initials, initials->str, sizeof self->initials);
  self->colour = (name ? g_str_hash (name) : 0) % G_N_ELEMENTS (palette);
  g_clear_object (&self->layout);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, name ? name : "", -1);
  if (self->photo == NULL)
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ttsh_thumb_set_photo (TtshThumb  *self,
                      GdkTexture *photo)
{
  g_return_if_fail (TTSH_IS_THUMB (self));

  if (g_set_object (&self->photo, photo))
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

const char *
ttsh_thumb_get_initials (TtshThumb *self)
{
  g_return_val_if_fail (TTSH_IS_THUMB (self), NULL);
  return self->initials;
}
