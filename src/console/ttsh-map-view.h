/* ttsh-map-view.h — the road-test map: vehicles live on the road, their
 * tracks and deductions, and the replay of finished tests.
 *
 * Self-contained: give it the engine (and optionally the console settings)
 * and bind "selected-candidate-id" to the roster's selection. */
#pragma once

#include <gtk/gtk.h>

#include "ttsh-engine.h"

G_BEGIN_DECLS

#define TTSH_TYPE_MAP_VIEW (ttsh_map_view_get_type ())
G_DECLARE_FINAL_TYPE (TtshMapView, ttsh_map_view, TTSH, MAP_VIEW, GtkWidget)

TtshMapView *ttsh_map_view_new                      (TtshEngine  *engine,
                                                     GSettings   *settings);
gint64       ttsh_map_view_get_selected_candidate_id (TtshMapView *self);
void         ttsh_map_view_set_selected_candidate_id (TtshMapView *self,
                                                      gint64       candidate_id);
gboolean     ttsh_map_view_get_follow               (TtshMapView *self);
void         ttsh_map_view_set_follow               (TtshMapView *self,
                                                     gboolean     follow);
/* Ask the engine for fresh positions now (also done on changed::gps). */
void         ttsh_map_view_refresh                  (TtshMapView *self);
/* Replay a finished road test; attempt 0 is the latest one. */
void         ttsh_map_view_replay                   (TtshMapView *self,
                                                     gint64       candidate_id,
                                                     int          attempt);
void         ttsh_map_view_stop_replay              (TtshMapView *self);

G_END_DECLS
