/* ttsh-map-sources.h — where the map's background comes from.
 *
 * A grid drawn in code is always the bottom layer, so tracks stay readable
 * with no network and no tiles; a tile folder ({z}/{x}/{y}.png) or an
 * online URL template (cached on disk by libshumate) is drawn above it. */
#pragma once

#include <shumate/shumate.h>

G_BEGIN_DECLS

#define TTSH_TYPE_MAP_GRID_SOURCE (ttsh_map_grid_source_get_type ())
G_DECLARE_FINAL_TYPE (TtshMapGridSource, ttsh_map_grid_source, TTSH, MAP_GRID_SOURCE, ShumateMapSource)

#define TTSH_TYPE_MAP_DIR_SOURCE (ttsh_map_dir_source_get_type ())
G_DECLARE_FINAL_TYPE (TtshMapDirSource, ttsh_map_dir_source, TTSH, MAP_DIR_SOURCE, ShumateDataSource)

ShumateMapSource  *ttsh_map_grid_source_new  (void);
/* Tiles filled so far (tests check the fallback really drew). */
guint              ttsh_map_grid_source_get_n_filled (TtshMapGridSource *self);

TtshMapDirSource  *ttsh_map_dir_source_new   (const char *directory);
guint              ttsh_map_dir_source_get_n_missing (TtshMapDirSource *self);

typedef enum {
  TTSH_MAP_TILES_GRID,     /* nothing configured or usable */
  TTSH_MAP_TILES_FOLDER,   /* local tile folder */
  TTSH_MAP_TILES_ONLINE,   /* URL template, disk cache */
} TtshMapTiles;

/* The source drawn above the grid for the given settings, or NULL when
 * only the grid can be shown; *kind says which one was chosen. */
ShumateMapSource  *ttsh_map_tiles_source_new (const char   *url_template,
                                              const char   *directory,
                                              TtshMapTiles *kind);

G_END_DECLS
