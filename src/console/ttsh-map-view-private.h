/* ttsh-map-view-private.h — what the tests and the benchmark inspect. */
#pragma once

#include <shumate/shumate.h>

#include "ttsh-map-sources.h"
#include "ttsh-map-track-layer.h"
#include "ttsh-map-vehicle.h"
#include "ttsh-map-view.h"

G_BEGIN_DECLS

ShumateMap         *_ttsh_map_view_get_map          (TtshMapView *self);
TtshMapTrackLayer  *_ttsh_map_view_get_track_layer  (TtshMapView *self);
TtshMapTrackLayer  *_ttsh_map_view_get_replay_layer (TtshMapView *self);
TtshMapGridSource  *_ttsh_map_view_get_grid_source  (TtshMapView *self);
TtshMapTiles        _ttsh_map_view_get_tiles        (TtshMapView *self);
GtkLabel           *_ttsh_map_view_get_tiles_label  (TtshMapView *self);
/* Live vehicle markers, or the one of a candidate (NULL when absent). */
guint               _ttsh_map_view_get_n_vehicles   (TtshMapView *self);
TtshMapVehicle     *_ttsh_map_view_get_vehicle      (TtshMapView *self,
                                                     gint64       candidate_id);
GtkListBox         *_ttsh_map_view_get_live_list    (TtshMapView *self);
GtkListBox         *_ttsh_map_view_get_finished_list (TtshMapView *self);
GtkLabel           *_ttsh_map_view_get_detail_quality (TtshMapView *self);
guint               _ttsh_map_view_get_n_refreshes  (TtshMapView *self);
/* Replay state: loaded, playing, current time and the replay marker. */
gboolean            _ttsh_map_view_replay_state     (TtshMapView     *self,
                                                     gboolean        *playing,
                                                     gint64          *at,
                                                     gint64          *end_at,
                                                     TtshMapVehicle **marker);
/* Moves the replay to a fraction (0–1) of the test. */
void                _ttsh_map_view_replay_seek      (TtshMapView *self,
                                                     double       fraction);
void                _ttsh_map_view_set_replay_speed (TtshMapView *self,
                                                     guint        factor);

G_END_DECLS
