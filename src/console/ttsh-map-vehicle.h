/* ttsh-map-vehicle.h — the marker of one test vehicle: a heading arrow in
 * the vehicle's colour and a label with candidate number and speed. Also
 * used for the replayed vehicle. */
#pragma once

#include <shumate/shumate.h>

G_BEGIN_DECLS

#define TTSH_TYPE_MAP_VEHICLE (ttsh_map_vehicle_get_type ())
G_DECLARE_FINAL_TYPE (TtshMapVehicle, ttsh_map_vehicle, TTSH, MAP_VEHICLE, ShumateMarker)

TtshMapVehicle *ttsh_map_vehicle_new          (gint64          candidate_id,
                                               const GdkRGBA  *color);
gint64          ttsh_map_vehicle_get_candidate_id (TtshMapVehicle *self);
/* speed and heading may be NAN (not reported). */
void            ttsh_map_vehicle_update       (TtshMapVehicle *self,
                                               const char     *candidate_no,
                                               const char     *full_name,
                                               double          lat,
                                               double          lon,
                                               double          speed,
                                               double          heading,
                                               gint64          at);
void            ttsh_map_vehicle_set_stale    (TtshMapVehicle *self,
                                               gboolean        stale);
gboolean        ttsh_map_vehicle_get_stale    (TtshMapVehicle *self);
const char     *ttsh_map_vehicle_get_label    (TtshMapVehicle *self);

G_END_DECLS
