/* ttsh-map-util.c — formatting shared by the map widgets. */
#define G_LOG_DOMAIN "ttsh-map"
#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "ttsh-map-util.h"

char *
ttsh_map_format_number (double value,
                        int    decimals)
{
  char *text;

  if (isnan (value))
    return g_strdup ("–");
  text = g_strdup_printf ("%.*f", decimals, fabs (value));
  g_strdelimit (text, ".", ',');
  if (value < 0 && strspn (text, "0,") != strlen (text))
    {
      /* A real minus sign: deductions read as −5, not as a hyphen. */
      char *signed_text = g_strconcat ("−", text, NULL);
      g_free (text);
      return signed_text;
    }
  return text;
}

char *
ttsh_map_format_clock (gint64 unix_ms)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (unix_ms / 1000);

  return dt ? g_date_time_format (dt, "%H:%M:%S") : g_strdup ("–");
}

char *
ttsh_map_format_span (gint64 ms)
{
  gint64 s = MAX (ms, 0) / 1000;

  if (s >= 3600)
    return g_strdup_printf ("%d:%02d:%02d", (int) (s / 3600), (int) (s / 60 % 60), (int) (s % 60));
  return g_strdup_printf ("%02d:%02d", (int) (s / 60), (int) (s % 60));
}

void
ttsh_map_palette (guint    index,
                  GdkRGBA *color)
{
  /* Distinct on the light grid and on street maps; no red, orange or
   * grey-black: those mark deductions, jumps, poor accuracy and gaps. */
  static const char *const colours[] = {
    "#1c71d8", "#26a269", "#9141ac", "#0b8a8a", "#613583", "#3584e4",
    "#2ec27e", "#865e3c", "#1a5fb4", "#5e5c64", "#a347ba", "#107a5a",
  };
  gdk_rgba_parse (color, colours[index % G_N_ELEMENTS (colours)]);
}

char *
ttsh_map_quality_text (const TtshGpsQuality *q)
{
  g_autofree char *gap = ttsh_map_format_span (q->longest_gap_ms);

  if (q->n_gaps == 0 && q->n_jumps == 0 && q->n_poor == 0)
    /* TRANSLATORS: GPS quality summary with nothing to report */
    return g_strdup_printf (_("GPS quality: good (%u points)"), q->n_points);
  /* TRANSLATORS: GPS quality summary: points, gaps (longest), jumps, poor accuracy */
  return g_strdup_printf (_("GPS quality: %u points, %u gaps (longest %s), %u jumps, %u with poor accuracy"),
                          q->n_points, q->n_gaps, gap, q->n_jumps, q->n_poor);
}
