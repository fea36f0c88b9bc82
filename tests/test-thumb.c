/* test-thumb.c — TtshThumb: initials from a Vietnamese full name, and a
 * drawn thumbnail with or without a photo. */
#include "config.h"

#include <gtk/gtk.h>

#include "ttsh-thumb.h"

static void
test_initials (void)
{
  GtkWidget *thumb = g_object_ref_sink (ttsh_thumb_new (32));
  const struct { const char *name, *initials; } cases[] = {
    { "Nguyễn Văn An", "NA" },
    { "đặng thị bình", "ĐB" },
    { "  Lê   Hoa ", "LH" },
    { "Ánh", "Á" },
    { "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      ttsh_thumb_set_name (TTSH_THUMB (thumb), cases[i].name);
      g_assert_cmpstr (ttsh_thumb_get_initials (TTSH_THUMB (thumb)), ==, cases[i].initials);
    }
  ttsh_thumb_set_name (TTSH_THUMB (thumb), NULL);
  g_assert_cmpstr (ttsh_thumb_get_initials (TTSH_THUMB (thumb)), ==, "");
  g_object_unref (thumb);
}

/* The thumbnail draws a circle of its size: the photo inside it, and
 * nothing at the corners. */
static void
test_draws (void)
{
  GtkWidget *thumb = g_object_ref_sink (ttsh_thumb_new (32));
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 30, 40);
  g_autoptr(GdkTexture) photo = NULL;
  int min, nat;

  gtk_widget_measure (thumb, GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
  g_assert_cmpint (min, ==, 32);
  gtk_widget_measure (thumb, GTK_ORIENTATION_VERTICAL, -1, &min, &nat, NULL, NULL);
  g_assert_cmpint (nat, ==, 32);

  gdk_pixbuf_fill (pixbuf, 0x20c040ff);
  photo = gdk_texture_new_for_pixbuf (pixbuf);
  for (int with_photo = 0; with_photo < 2; with_photo++)
    {
      g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
      g_autoptr(GskRenderNode) node = NULL;
      g_autoptr(GskRenderer) renderer = gsk_cairo_renderer_new ();
      g_autoptr(GdkTexture) out = NULL;
      guchar px[4 * 32 * 32];

      ttsh_thumb_set_name (TTSH_THUMB (thumb), "Trần An");
      ttsh_thumb_set_photo (TTSH_THUMB (thumb), with_photo ? photo : NULL);
      gtk_widget_size_allocate (thumb, &(GtkAllocation) { 0, 0, 32, 32 }, -1);
      GTK_WIDGET_GET_CLASS (thumb)->snapshot (thumb, snapshot);
      node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
      g_assert_nonnull (node);
      g_assert_true (gsk_renderer_realize (renderer, NULL, NULL));
      out = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, 32, 32));
      gdk_texture_download (out, px, 4 * 32);
      /* Corner: transparent. Centre: the photo's green, or a palette colour. */
      g_assert_cmpint (px[3], ==, 0);
      {
        const guchar *c = px + 4 * (16 * 32 + 4);   /* left of the initials */
        g_assert_cmpint (c[3], ==, 255);
        if (with_photo)
          g_assert_true (ABS (c[0] - 0x40) < 16 && ABS (c[1] - 0xc0) < 16 && ABS (c[2] - 0x20) < 16);   /* BGRA */
        else
          g_assert_false (ABS (c[0] - 0x40) < 16 && ABS (c[1] - 0xc0) < 16 && ABS (c[2] - 0x20) < 16);
      }
      gsk_renderer_unrealize (renderer);
    }
  g_object_unref (thumb);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/thumb/initials", test_initials);
  g_test_add_func ("/thumb/draws", test_draws);
  return g_test_run ();
}
