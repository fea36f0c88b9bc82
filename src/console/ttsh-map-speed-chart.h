/* ttsh-map-speed-chart.h — the speed trace under the map during a replay,
 * with deduction ticks and the replay cursor. */
#pragma once

#include <gtk/gtk.h>

#include "ttsh-query-gps.h"

G_BEGIN_DECLS

#define TTSH_TYPE_MAP_SPEED_CHART (ttsh_map_speed_chart_get_type ())
G_DECLARE_FINAL_TYPE (TtshMapSpeedChart, ttsh_map_speed_chart, TTSH, MAP_SPEED_CHART, GtkWidget)

/* @track is borrowed: set NULL before freeing it. */
void ttsh_map_speed_chart_set_track  (TtshMapSpeedChart  *self,
                                      const TtshGpsTrack *track);
void ttsh_map_speed_chart_set_cursor (TtshMapSpeedChart  *self,
                                      gint64              at);

G_END_DECLS
