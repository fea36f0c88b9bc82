/* ttsh-map-track-layer.h — draws road-test tracks, planned routes and
 * deduction spots for many vehicles in one layer.
 *
 * Points are kept projected; each carries the Douglas–Peucker tolerance at
 * which it stops mattering, so a frame at any zoom only filters (half a
 * pixel of error) instead of re-simplifying hours of data. */
#pragma once

#include <shumate/shumate.h>

#include "ttsh-query-gps.h"

G_BEGIN_DECLS

#define TTSH_TYPE_MAP_TRACK_LAYER (ttsh_map_track_layer_get_type ())
G_DECLARE_FINAL_TYPE (TtshMapTrackLayer, ttsh_map_track_layer, TTSH, MAP_TRACK_LAYER, ShumateLayer)

typedef struct _TtshMapLine TtshMapLine;

typedef enum {
  TTSH_MAP_LINE_TRACK,
  TTSH_MAP_LINE_ROUTE,
} TtshMapLineKind;

TtshMapTrackLayer *ttsh_map_track_layer_new      (ShumateViewport   *viewport);

/* Cached: render off the GTK thread into a texture that panning and
 * zooming only move and scale (the live layer, many long tracks). */
void               ttsh_map_track_layer_set_cached (TtshMapTrackLayer *self,
                                                    gboolean           cached);

/* Lines belong to the layer until removed. */
TtshMapLine       *ttsh_map_track_layer_add_line (TtshMapTrackLayer *self,
                                                  TtshMapLineKind    kind,
                                                  const GdkRGBA     *color);
void               ttsh_map_track_layer_remove_line (TtshMapTrackLayer *self,
                                                     TtshMapLine       *line);
void               ttsh_map_track_layer_clear    (TtshMapTrackLayer *self);
guint              ttsh_map_track_layer_get_n_lines (TtshMapTrackLayer *self);

/* Appends points in time order (flags as analysed); earlier points whose
 * flags changed since are refreshed from @points[@from_index...]. */
void               ttsh_map_line_set_points      (TtshMapLine        *line,
                                                  const TtshGpsPoint *points,
                                                  guint               n,
                                                  guint               from_index);
void               ttsh_map_line_set_events      (TtshMapLine        *line,
                                                  GPtrArray          *events);
void               ttsh_map_line_set_highlight   (TtshMapLine        *line,
                                                  gboolean            highlight);
/* Replay: the part after @at is drawn faded; G_MAXINT64 draws it all. */
void               ttsh_map_line_set_cursor      (TtshMapLine        *line,
                                                  gint64              at);
guint              ttsh_map_line_get_n_points    (TtshMapLine        *line);

/* Points the last frame actually drew, over all lines (tests, bench). */
guint              ttsh_map_track_layer_get_drawn_points (TtshMapTrackLayer *self);

/* Time the GTK thread spent drawing this layer so far (benchmark). */
gint64             ttsh_map_track_layer_get_snapshot_time_us (TtshMapTrackLayer *self);

G_END_DECLS
