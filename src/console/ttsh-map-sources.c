/* ttsh-map-sources.c — grid tiles drawn in code, tiles from a folder, and
 * the choice between them and an online template.
 *
 * libshumate 1.0.3 cannot read file:// templates, so a folder is served by
 * a ShumateDataSource; a missing tile completes its task with an error and
 * the grid below shows through. */
#define G_LOG_DOMAIN "ttsh-map"
#include "config.h"

#include <glib/gi18n.h>

#include "ttsh-image.h"
#include "ttsh-map-sources.h"

#define TILE_SIZE 256

struct _TtshMapGridSource {
  ShumateMapSource  parent_instance;
  TtshImage        *texture;   /* every grid tile looks the same */
  guint             n_filled;
};

G_DEFINE_FINAL_TYPE (TtshMapGridSource, ttsh_map_grid_source, SHUMATE_TYPE_MAP_SOURCE)

static TtshImage *
draw_grid_tile (void)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, TILE_SIZE, TILE_SIZE);
  cairo_t *cr = cairo_create (surface);

  cairo_set_source_rgb (cr, 0.945, 0.949, 0.933);
  cairo_paint (cr);
  cairo_set_line_width (cr, 1.0);
  cairo_set_source_rgba (cr, 0.55, 0.58, 0.55, 0.25);
  for (int i = 32; i < TILE_SIZE; i += 32)
    {
      cairo_move_to (cr, i + 0.5, 0);
      cairo_line_to (cr, i + 0.5, TILE_SIZE);
      cairo_move_to (cr, 0, i + 0.5);
      cairo_line_to (cr, TILE_SIZE, i + 0.5);
    }
  cairo_stroke (cr);
  cairo_set_source_rgba (cr, 0.40, 0.43, 0.40, 0.55);
  cairo_move_to (cr, 0.5, 0);
  cairo_line_to (cr, 0.5, TILE_SIZE);
  cairo_move_to (cr, 0, 0.5);
  cairo_line_to (cr, TILE_SIZE, 0.5);
  cairo_stroke (cr);
  cairo_destroy (cr);
  return ttsh_image_new_for_surface (surface);
}

static void
grid_fill_tile_async (ShumateMapSource    *source,
                      ShumateTile         *tile,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  TtshMapGridSource *self = TTSH_MAP_GRID_SOURCE (source);
  g_autoptr(GTask) task = g_task_new (source, cancellable, callback, user_data);

  g_task_set_source_tag (task, grid_fill_tile_async);
  if (self->texture == NULL)
    self->texture = draw_grid_tile ();
  shumate_tile_set_paintable (tile, GDK_PAINTABLE (self->texture));
  shumate_tile_set_fade_in (tile, FALSE);
  shumate_tile_set_state (tile, SHUMATE_STATE_DONE);
  self->n_filled++;
  g_task_return_boolean (task, TRUE);
}

static gboolean
grid_fill_tile_finish (ShumateMapSource  *source,
                       GAsyncResult      *result,
                       GError           **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
ttsh_map_grid_source_finalize (GObject *object)
{
  g_clear_object (&TTSH_MAP_GRID_SOURCE (object)->texture);
  G_OBJECT_CLASS (ttsh_map_grid_source_parent_class)->finalize (object);
}

static void
ttsh_map_grid_source_class_init (TtshMapGridSourceClass *klass)
{
  ShumateMapSourceClass *source_class = SHUMATE_MAP_SOURCE_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = ttsh_map_grid_source_finalize;
  source_class->fill_tile_async = grid_fill_tile_async;
  source_class->fill_tile_finish = grid_fill_tile_finish;
}

static void
ttsh_map_grid_source_init (TtshMapGridSource *self)
{
}

ShumateMapSource *
ttsh_map_grid_source_new (void)
{
  return g_object_new (TTSH_TYPE_MAP_GRID_SOURCE,
                       "id", "ttsh-grid",
                       "name", _("Grid (no map tiles)"),
                       "min-zoom-level", 0,
                       "max-zoom-level", 20,
                       "tile-size", TILE_SIZE,
                       "projection", SHUMATE_MAP_PROJECTION_MERCATOR,
                       NULL);
}

guint
ttsh_map_grid_source_get_n_filled (TtshMapGridSource *self)
{
  return self->n_filled;
}

/* Folder of tiles ---------------------------------------------------------- */

struct _TtshMapDirSource {
  ShumateDataSource  parent_instance;
  GFile             *directory;
  guint              n_missing;
};

G_DEFINE_FINAL_TYPE (TtshMapDirSource, ttsh_map_dir_source, SHUMATE_TYPE_DATA_SOURCE)

static void
tile_loaded (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  GBytes *bytes = g_file_load_bytes_finish (G_FILE (object), result, NULL, &error);

  if (bytes == NULL)
    {
      TtshMapDirSource *self = g_task_get_source_object (task);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        self->n_missing++;
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
}

static void
dir_get_tile_data_async (ShumateDataSource   *source,
                         int                  x,
                         int                  y,
                         int                  zoom_level,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  TtshMapDirSource *self = TTSH_MAP_DIR_SOURCE (source);
  GTask *task = g_task_new (source, cancellable, callback, user_data);
  g_autofree char *rel = g_strdup_printf ("%d/%d/%d.png", zoom_level, x, y);
  g_autoptr(GFile) file = g_file_resolve_relative_path (self->directory, rel);

  g_task_set_source_tag (task, dir_get_tile_data_async);
  g_file_load_bytes_async (file, cancellable, tile_loaded, task);
}

static GBytes *
dir_get_tile_data_finish (ShumateDataSource  *source,
                          GAsyncResult       *result,
                          GError            **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
ttsh_map_dir_source_finalize (GObject *object)
{
  g_clear_object (&TTSH_MAP_DIR_SOURCE (object)->directory);
  G_OBJECT_CLASS (ttsh_map_dir_source_parent_class)->finalize (object);
}

static void
ttsh_map_dir_source_class_init (TtshMapDirSourceClass *klass)
{
  ShumateDataSourceClass *source_class = SHUMATE_DATA_SOURCE_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = ttsh_map_dir_source_finalize;
  source_class->get_tile_data_async = dir_get_tile_data_async;
  source_class->get_tile_data_finish = dir_get_tile_data_finish;
}

static void
ttsh_map_dir_source_init (TtshMapDirSource *self)
{
}

TtshMapDirSource *
ttsh_map_dir_source_new (const char *directory)
{
  TtshMapDirSource *self = g_object_new (TTSH_TYPE_MAP_DIR_SOURCE, NULL);

  self->directory = g_file_new_for_path (directory);
  return self;
}

guint
ttsh_map_dir_source_get_n_missing (TtshMapDirSource *self)
{
  return self->n_missing;
}

/* Choice ------------------------------------------------------------------- */

static gboolean
url_template_usable (const char *url)
{
  return url != NULL &&
         (g_str_has_prefix (url, "https://") || g_str_has_prefix (url, "http://")) &&
         strstr (url, "{x}") != NULL && strstr (url, "{y}") != NULL && strstr (url, "{z}") != NULL;
}

ShumateMapSource *
ttsh_map_tiles_source_new (const char   *url_template,
                           const char   *directory,
                           TtshMapTiles *kind)
{
  *kind = TTSH_MAP_TILES_GRID;

  /* A folder wins: it is what a centre without internet configures. */
  if (directory != NULL && *directory != '\0' && g_file_test (directory, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(TtshMapDirSource) data = ttsh_map_dir_source_new (directory);
      ShumateRasterRenderer *renderer = shumate_raster_renderer_new (SHUMATE_DATA_SOURCE (data));

      shumate_map_source_set_id (SHUMATE_MAP_SOURCE (renderer), "ttsh-folder");
      shumate_map_source_set_name (SHUMATE_MAP_SOURCE (renderer), _("Local map tiles"));
      shumate_map_source_set_max_zoom_level (SHUMATE_MAP_SOURCE (renderer), 19);
      *kind = TTSH_MAP_TILES_FOLDER;
      return SHUMATE_MAP_SOURCE (renderer);
    }
  if (url_template_usable (url_template))
    {
      *kind = TTSH_MAP_TILES_ONLINE;
      return SHUMATE_MAP_SOURCE (shumate_raster_renderer_new_full_from_url (
          "ttsh-online", _("Online map tiles"), "", "", 0, 19, TILE_SIZE,
          SHUMATE_MAP_PROJECTION_MERCATOR, url_template));
    }
  return NULL;
}
