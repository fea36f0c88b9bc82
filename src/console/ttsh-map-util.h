/* ttsh-map-util.h — formatting shared by the map widgets: Vietnamese
 * decimal comma, clock times and the vehicle palette. */
#pragma once

#include <gtk/gtk.h>

#include "ttsh-query-gps.h"

G_BEGIN_DECLS

/* "32,5" — one decimal, decimal comma; "–" for NAN. */
char *ttsh_map_format_number (double value,
                              int    decimals);
/* Local clock time of a Unix ms instant, "HH:MM:SS". */
char *ttsh_map_format_clock  (gint64 unix_ms);
/* Duration "mm:ss" or "h:mm:ss". */
char *ttsh_map_format_span   (gint64 ms);
/* "GPS quality: …" as the map and the candidate panel show it. */
char *ttsh_map_quality_text  (const TtshGpsQuality *quality);
void  ttsh_map_palette       (guint    index,
                              GdkRGBA *color);

G_END_DECLS
