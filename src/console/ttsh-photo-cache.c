/* ttsh-photo-cache.c — the roster shows thousands of faces: bytes come from
 * the engine thread (unsealing), decoding and scaling run on GTask worker
 * threads (two at a time), the main thread only wraps the pixels. */
#define G_LOG_DOMAIN "ttsh-console"
#include "config.h"

#include "ttsh-photo-cache.h"
#include "ttsh-query.h"

#define MAX_IN_FLIGHT 2

struct _TtshPhotoCache {
  GObject       parent_instance;
  TtshEngine   *engine;
  guint         capacity;
  GHashTable   *textures;      /* Key* -> Entry* */
  GQueue        lru;           /* Key* borrowed from textures, most recent at head */
  GQueue        waiting;       /* Key* not yet started */
  GHashTable   *pending;       /* Key* queued or loading */
  guint         in_flight;
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (TtshPhotoCache, ttsh_photo_cache, G_TYPE_OBJECT)

enum { LOADED, N_SIGNALS };
static guint signals[N_SIGNALS];

typedef struct {
  gint64 id;
  int    height;
} Key;

static guint
key_hash (gconstpointer k)
{
  const Key *key = k;
  return g_int64_hash (&key->id) ^ (guint) key->height;
}

static gboolean
key_equal (gconstpointer a,
           gconstpointer b)
{
  const Key *x = a, *y = b;
  return x->id == y->id && x->height == y->height;
}

typedef struct {
  GdkTexture *texture;         /* NULL: the candidate has no usable photo */
  GList      *link;
} Entry;

static void
entry_free (Entry *e)
{
  g_clear_object (&e->texture);
  g_free (e);
}

static void start_next (TtshPhotoCache *self);

typedef struct {
  TtshPhotoCache *self;
  Key             key;
  GBytes         *bytes;
} Load;

static void
load_free (Load *l)
{
  g_clear_object (&l->self);
  g_clear_pointer (&l->bytes, g_bytes_unref);
  g_free (l);
}

static void
decode_thread (GTask        *task,
               gpointer      source,
               gpointer      data,
               GCancellable *cancellable)
{
  Load *l = data;
  g_autoptr(GInputStream) in = g_memory_input_stream_new_from_bytes (l->bytes);
  g_autoptr(GError) error = NULL;
  GdkPixbuf *pixbuf = gdk_pixbuf_new_from_stream_at_scale (in, -1, l->key.height, TRUE, cancellable, &error);

  if (pixbuf == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, pixbuf, g_object_unref);
}

static void
store_texture (TtshPhotoCache *self,
               const Key      *key,
               GdkTexture     *texture)
{
  Key *k = g_memdup2 (key, sizeof *key);
  Entry *e = g_new0 (Entry, 1);
  Entry *old;

  g_hash_table_remove (self->pending, key);
  if ((old = g_hash_table_lookup (self->textures, key)) != NULL)
    {
      g_queue_delete_link (&self->lru, old->link);
      g_hash_table_remove (self->textures, key);
    }
  e->texture = texture;
  g_queue_push_head (&self->lru, k);
  e->link = self->lru.head;
  g_hash_table_insert (self->textures, k, e);
  while (self->lru.length > self->capacity)
    {
      Key *evict = g_queue_pop_tail (&self->lru);
      g_hash_table_remove (self->textures, evict);
    }
  g_signal_emit (self, signals[LOADED], 0, key->id, key->height);
}

static void
decode_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  TtshPhotoCache *self = TTSH_PHOTO_CACHE (source);
  Load *l = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->in_flight--;
  if (pixbuf == NULL)
    g_debug ("photo of candidate %" G_GINT64_FORMAT " cannot be decoded: %s", l->key.id, error->message);
  store_texture (self, &l->key, pixbuf ? gdk_texture_new_for_pixbuf (pixbuf) : NULL);
  start_next (self);
}

static gpointer
read_thread (TtshEngine  *engine,
             TtshStore   *store,
             gpointer     data,
             GError     **error)
{
  GError *local = NULL;
  GBytes *bytes = ttsh_query_photo (store, *(gint64 *) data, &local);

  if (bytes == NULL && local == NULL)
    return g_bytes_new (NULL, 0);     /* no photo: not an error */
  if (local != NULL)
    g_propagate_error (error, local);
  return bytes;
}

static void
read_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Load *l = user_data;
  TtshPhotoCache *self = l->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;

  l->bytes = ttsh_engine_call_finish (TTSH_ENGINE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      load_free (l);
      return;
    }
  if (l->bytes == NULL || g_bytes_get_size (l->bytes) == 0)
    {
      self->in_flight--;
      store_texture (self, &l->key, NULL);
      load_free (l);
      start_next (self);
      return;
    }
  task = g_task_new (self, self->cancellable, decode_done, NULL);
  g_task_set_source_tag (task, read_done);
  g_task_set_task_data (task, l, (GDestroyNotify) load_free);
  g_task_run_in_thread (task, decode_thread);
}

static void
start_next (TtshPhotoCache *self)
{
  while (self->in_flight < MAX_IN_FLIGHT && self->waiting.length > 0)
    {
      Key *k = g_queue_pop_head (&self->waiting);
      Load *l = g_new0 (Load, 1);

      l->self = g_object_ref (self);
      l->key = *k;
      g_free (k);
      self->in_flight++;
      ttsh_engine_call_async (self->engine, read_thread, g_memdup2 (&l->key.id, sizeof (gint64)), g_free,
                              (GDestroyNotify) g_bytes_unref, self->cancellable, read_done, l);
    }
}

GdkTexture *
ttsh_photo_cache_lookup (TtshPhotoCache *self,
                         gint64          candidate_id,
                         int             height)
{
  Key key = { candidate_id, height };
  Entry *e = g_hash_table_lookup (self->textures, &key);

  if (e != NULL)
    {
      g_queue_unlink (&self->lru, e->link);
      g_queue_push_head_link (&self->lru, e->link);
      return e->texture;
    }
  if (!g_hash_table_contains (self->pending, &key))
    {
      g_hash_table_add (self->pending, g_memdup2 (&key, sizeof key));
      /* Most recently asked first: what is on screen now. */
      g_queue_push_head (&self->waiting, g_memdup2 (&key, sizeof key));
      start_next (self);
    }
  return NULL;
}

guint
ttsh_photo_cache_get_size (TtshPhotoCache *self)
{
  return g_hash_table_size (self->textures);
}

static void
ttsh_photo_cache_dispose (GObject *object)
{
  TtshPhotoCache *self = TTSH_PHOTO_CACHE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->engine);
  G_OBJECT_CLASS (ttsh_photo_cache_parent_class)->dispose (object);
}

static void
ttsh_photo_cache_finalize (GObject *object)
{
  TtshPhotoCache *self = TTSH_PHOTO_CACHE (object);

  g_queue_clear (&self->lru);
  g_queue_clear_full (&self->waiting, g_free);
  g_hash_table_unref (self->textures);
  g_hash_table_unref (self->pending);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (ttsh_photo_cache_parent_class)->finalize (object);
}

static void
ttsh_photo_cache_class_init (TtshPhotoCacheClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ttsh_photo_cache_dispose;
  object_class->finalize = ttsh_photo_cache_finalize;
  signals[LOADED] = g_signal_new ("loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_INT);
}

static void
ttsh_photo_cache_init (TtshPhotoCache *self)
{
  self->textures = g_hash_table_new_full (key_hash, key_equal, g_free, (GDestroyNotify) entry_free);
  self->pending = g_hash_table_new_full (key_hash, key_equal, g_free, NULL);
  self->cancellable = g_cancellable_new ();
}

TtshPhotoCache *
ttsh_photo_cache_new (TtshEngine *engine,
                      guint       capacity)
{
  TtshPhotoCache *self = g_object_new (TTSH_TYPE_PHOTO_CACHE, NULL);

  self->engine = g_object_ref (engine);
  self->capacity = MAX (capacity, 1);
  return self;
}
