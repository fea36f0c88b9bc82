/* ttsh-map-item.h — one road test in the map's side lists (live vehicles
 * and finished tests); rows follow these items through bindings. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define TTSH_TYPE_MAP_ITEM (ttsh_map_item_get_type ())
G_DECLARE_FINAL_TYPE (TtshMapItem, ttsh_map_item, TTSH, MAP_ITEM, GObject)

TtshMapItem *ttsh_map_item_new              (gint64       candidate_id,
                                             int          attempt);
gint64       ttsh_map_item_get_candidate_id (TtshMapItem *self);
int          ttsh_map_item_get_attempt      (TtshMapItem *self);
void         ttsh_map_item_set_texts        (TtshMapItem *self,
                                             const char  *title,
                                             const char  *subtitle);
const char  *ttsh_map_item_get_title        (TtshMapItem *self);
const char  *ttsh_map_item_get_subtitle     (TtshMapItem *self);

G_END_DECLS
