/* ttsh-photo-cache.h — candidate photos read on the engine thread, decoded
 * and scaled on a worker thread, kept per size in a bounded LRU cache. */
#pragma once

#include <adwaita.h>

#include "ttsh-engine.h"

G_BEGIN_DECLS

#define TTSH_TYPE_PHOTO_CACHE (ttsh_photo_cache_get_type ())
G_DECLARE_FINAL_TYPE (TtshPhotoCache, ttsh_photo_cache, TTSH, PHOTO_CACHE, GObject)

TtshPhotoCache *ttsh_photo_cache_new    (TtshEngine     *engine,
                                         guint           capacity);
/* The cached texture (no reference given), or NULL after scheduling a load;
 * "loaded" (id, height) is emitted when it arrives. */
GdkTexture     *ttsh_photo_cache_lookup (TtshPhotoCache *self,
                                         gint64          candidate_id,
                                         int             height);
guint           ttsh_photo_cache_get_size (TtshPhotoCache *self);

G_END_DECLS
