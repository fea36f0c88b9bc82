/* ttsh-renderer.c — draw with cairo where OpenGL is only emulated.
 *
 * Centre workstations are often small PCs or virtual machines without a
 * usable GPU; there Mesa emulates OpenGL on the CPU (llvmpipe), and GTK
 * 4.8's GL renderer then spends 30-40 ms of a 2-core machine on each frame
 * of the roster, against 6-9 ms with the cairo renderer. When the OpenGL
 * that GTK would use is such an emulation, the console asks GSK for cairo.
 * GSK_RENDERER set by the user always wins. Call after gtk_init() and before
 * the first window is shown and the engine thread starts: setenv() is not
 * thread-safe, and only GLib's own helper threads (D-Bus, GIO worker) exist
 * then, none of which reads the environment once running. */
#define G_LOG_DOMAIN "ttsh-console"
#include "config.h"

#include <string.h>
#include <epoxy/gl.h>
#include <gtk/gtk.h>

#include "ttsh-renderer.h"

static gboolean
is_software (const char *renderer)
{
  static const char *const names[] = { "llvmpipe", "softpipe", "swrast", "SwiftShader", "Software Rasterizer" };

  for (guint i = 0; renderer != NULL && i < G_N_ELEMENTS (names); i++)
    if (strstr (renderer, names[i]) != NULL)
      return TRUE;
  return FALSE;
}

void
ttsh_renderer_init (void)
{
  static gboolean done;
  GdkDisplay *display = gdk_display_get_default ();
  g_autoptr(GdkGLContext) context = NULL;
  g_autoptr(GError) error = NULL;
  const char *renderer;

  if (done || display == NULL || g_getenv ("GSK_RENDERER") != NULL)
    return;
  done = TRUE;
  context = gdk_display_create_gl_context (display, &error);
  if (context == NULL || !gdk_gl_context_realize (context, &error))
    {
      /* GSK falls back to cairo by itself. */
      g_debug ("no OpenGL: %s", error ? error->message : "?");
      return;
    }
  gdk_gl_context_make_current (context);
  renderer = (const char *) glGetString (GL_RENDERER);
  if (is_software (renderer))
    {
      g_debug ("OpenGL is emulated (%s): drawing with cairo", renderer);
      g_setenv ("GSK_RENDERER", "cairo", FALSE);
    }
  gdk_gl_context_clear_current ();
}

gboolean
ttsh_renderer_is_cairo (void)
{
  static gsize once = 0;
  static gboolean cairo;

  /* Fixed once the first window drew: GSK reads GSK_RENDERER only then. */
  if (g_once_init_enter (&once))
    {
      cairo = g_strcmp0 (g_getenv ("GSK_RENDERER"), "cairo") == 0;
      g_once_init_leave (&once, 1);
    }
  return cairo;
}
