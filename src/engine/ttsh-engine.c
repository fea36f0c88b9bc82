/* ttsh-engine.c — the engine thread, its lifetime and the async call API.
 *
 * start() takes the database lock in the caller, then spawns the thread,
 * which opens the store and starts the registered components before it
 * reports readiness. stop() unwinds in reverse order and joins. */
#define G_LOG_DOMAIN "ttsh-engine"
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ttsh-engine.h"
#include "ttsh-journal.h"

struct _TtshEngine {
  GObject          parent_instance;

  TtshConfig      *config;
  TtshEngineFlags  flags;
  GMainContext    *owner_context;
  GMainContext    *context;
  GMainLoop       *loop;
  GThread         *thread;
  TtshStore       *store;
  int              lock_fd;

  GMutex           mutex;
  GCond            cond;
  gboolean         ready;
  GError          *start_error;

  GPtrArray       *started;        /* ComponentState*, engine thread only */
  GHashTable      *pending_changes; /* what -> NULL, guarded by mutex */
  gboolean         changes_scheduled;
};

typedef struct {
  const TtshEngineComponent *component;
  gpointer                   state;
} ComponentState;

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (TtshEngine, ttsh_engine, G_TYPE_OBJECT)

static void
ttsh_engine_finalize (GObject *object)
{
  TtshEngine *self = TTSH_ENGINE (object);

  ttsh_engine_stop (self);
  g_clear_pointer (&self->config, ttsh_config_free);
  g_clear_pointer (&self->owner_context, g_main_context_unref);
  g_clear_pointer (&self->pending_changes, g_hash_table_unref);
  g_clear_error (&self->start_error);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (ttsh_engine_parent_class)->finalize (object);
}

static void
ttsh_engine_class_init (TtshEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ttsh_engine_finalize;

  /**
   * TtshEngine::changed:
   * @what: the kind of data that changed
   *
   * Emitted on the owner's main context after the engine committed a change.
   */
  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
ttsh_engine_init (TtshEngine *self)
{
  self->lock_fd = -1;
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->pending_changes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

TtshEngine *
ttsh_engine_new (TtshConfig      *config,
                 TtshEngineFlags  flags)
{
  TtshEngine *self;

  g_return_val_if_fail (config != NULL, NULL);

  self = g_object_new (TTSH_TYPE_ENGINE, NULL);
  self->config = config;
  self->flags = flags;
  self->owner_context = g_main_context_ref_thread_default ();
  return self;
}

const TtshConfig *
ttsh_engine_get_config (TtshEngine *self)
{
  return self->config;
}

GMainContext *
ttsh_engine_get_context (TtshEngine *self)
{
  return self->context;
}

TtshStore *
_ttsh_engine_get_store (TtshEngine *self)
{
  g_return_val_if_fail (g_main_context_is_owner (self->context), NULL);
  return self->store;
}

gboolean
ttsh_engine_is_running (TtshEngine *self)
{
  return self->thread != NULL;
}

static void
stop_components (TtshEngine *self)
{
  if (self->started == NULL)
    return;
  for (guint i = self->started->len; i > 0; i--)
    {
      ComponentState *cs = g_ptr_array_index (self->started, i - 1);
      g_debug ("stopping %s", cs->component->name);
      if (cs->component->stop)
        cs->component->stop (self, cs->state);
      g_free (cs);
    }
  g_clear_pointer (&self->started, g_ptr_array_unref);
}

static gboolean
start_components (TtshEngine  *self,
                  GError     **error)
{
  self->started = g_ptr_array_new ();
  for (guint i = 0; ttsh_engine_components[i] != NULL; i++)
    {
      const TtshEngineComponent *c = ttsh_engine_components[i];
      ComponentState *cs;

      if ((c->skip_if & self->flags) != 0)
        continue;
      cs = g_new0 (ComponentState, 1);
      cs->component = c;
      if (c->start && !c->start (self, self->store, &cs->state, error))
        {
          g_prefix_error (error, "%s: ", c->name);
          g_free (cs);
          stop_components (self);
          return FALSE;
        }
      g_ptr_array_add (self->started, cs);
    }
  return TRUE;
}

static gpointer
engine_thread (gpointer data)
{
  TtshEngine *self = data;
  GError *error = NULL;
  gboolean ok;

  g_main_context_push_thread_default (self->context);

  self->store = ttsh_store_open (self->config->database, TTSH_STORE_NONE, &error);
  ok = self->store != NULL;
  if (ok)
    ok = ttsh_journal_append (self->store, "engine", TTSH_JOURNAL_ENGINE_STARTED,
                              self->config->centre_code, PACKAGE_VERSION, &error) > 0;
  if (ok)
    ok = start_components (self, &error);

  g_mutex_lock (&self->mutex);
  self->ready = TRUE;
  self->start_error = error;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);

  if (ok)
    {
      g_main_loop_run (self->loop);
      stop_components (self);
      ttsh_journal_append (self->store, "engine", TTSH_JOURNAL_ENGINE_STOPPED,
                           self->config->centre_code, NULL, NULL);
    }

  /* Let pending sources (completions, cancelled I/O) run once before closing. */
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_clear_pointer (&self->store, ttsh_store_free);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

gboolean
ttsh_engine_start (TtshEngine  *self,
                   GError     **error)
{
  g_return_val_if_fail (TTSH_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (self->thread == NULL, FALSE);

  self->lock_fd = ttsh_store_lock (self->config->database, error);
  if (self->lock_fd < 0)
    return FALSE;

  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->ready = FALSE;
  g_clear_error (&self->start_error);
  self->thread = g_thread_new ("ttsh-engine", engine_thread, self);

  g_mutex_lock (&self->mutex);
  while (!self->ready)
    g_cond_wait (&self->cond, &self->mutex);
  g_mutex_unlock (&self->mutex);

  if (self->start_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&self->start_error));
      g_thread_join (g_steal_pointer (&self->thread));
      g_clear_pointer (&self->loop, g_main_loop_unref);
      g_clear_pointer (&self->context, g_main_context_unref);
      ttsh_store_unlock (self->lock_fd);
      self->lock_fd = -1;
      return FALSE;
    }
  return TRUE;
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
ttsh_engine_stop (TtshEngine *self)
{
  if (self->thread == NULL)
    return;
  g_main_context_invoke_full (self->context, G_PRIORITY_HIGH, quit_loop,
                              g_main_loop_ref (self->loop), (GDestroyNotify) g_main_loop_unref);
  g_thread_join (g_steal_pointer (&self->thread));
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  ttsh_store_unlock (self->lock_fd);
  self->lock_fd = -1;
}

/* Async calls -------------------------------------------------------------- */

typedef struct {
  TtshEngineFunc  func;
  gpointer        data;
  GDestroyNotify  data_free;
  GDestroyNotify  result_free;
} CallData;

static void
call_data_free (CallData *cd)
{
  if (cd->data_free && cd->data)
    cd->data_free (cd->data);
  g_free (cd);
}

static gboolean
run_call (gpointer user_data)
{
  GTask *task = user_data;
  TtshEngine *self = g_task_get_source_object (task);
  CallData *cd = g_task_get_task_data (task);
  GError *error = NULL;
  gpointer result;

  if (g_task_return_error_if_cancelled (task))
    return G_SOURCE_REMOVE;
  result = cd->func (self, self->store, cd->data, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, cd->result_free);
  return G_SOURCE_REMOVE;
}

void
ttsh_engine_call_async (TtshEngine          *self,
                        TtshEngineFunc       func,
                        gpointer             data,
                        GDestroyNotify       data_free,
                        GDestroyNotify       result_free,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CallData *cd;

  g_return_if_fail (TTSH_IS_ENGINE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ttsh_engine_call_async);
  cd = g_new0 (CallData, 1);
  cd->func = func;
  cd->data = data;
  cd->data_free = data_free;
  cd->result_free = result_free;
  g_task_set_task_data (task, cd, (GDestroyNotify) call_data_free);

  if (self->thread == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                               _("the engine is not running"));
      return;
    }
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, run_call,
                              g_object_ref (task), g_object_unref);
}

gpointer
ttsh_engine_call_finish (TtshEngine    *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ttsh_engine_call_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct {
  GMutex    mutex;
  GCond     cond;
  gboolean  done;
  gpointer  result;
  GError   *error;
  TtshEngineFunc func;
  gpointer  data;
  TtshEngine *engine;
} SyncCall;

static gboolean
run_sync (gpointer user_data)
{
  SyncCall *sc = user_data;
  GError *error = NULL;
  gpointer result = sc->func (sc->engine, sc->engine->store, sc->data, &error);

  g_mutex_lock (&sc->mutex);
  sc->result = result;
  sc->error = error;
  sc->done = TRUE;
  g_cond_signal (&sc->cond);
  g_mutex_unlock (&sc->mutex);
  return G_SOURCE_REMOVE;
}

gpointer
ttsh_engine_call_sync (TtshEngine      *self,
                       TtshEngineFunc   func,
                       gpointer         data,
                       GError         **error)
{
  SyncCall sc = { 0 };

  g_return_val_if_fail (TTSH_IS_ENGINE (self), NULL);
  if (self->thread == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, _("the engine is not running"));
      return NULL;
    }
  if (g_main_context_is_owner (self->context))
    return func (self, self->store, data, error);

  g_mutex_init (&sc.mutex);
  g_cond_init (&sc.cond);
  sc.func = func;
  sc.data = data;
  sc.engine = self;
  g_main_context_invoke (self->context, run_sync, &sc);
  g_mutex_lock (&sc.mutex);
  while (!sc.done)
    g_cond_wait (&sc.cond, &sc.mutex);
  g_mutex_unlock (&sc.mutex);
  g_mutex_clear (&sc.mutex);
  g_cond_clear (&sc.cond);
  if (sc.error)
    g_propagate_error (error, sc.error);
  return sc.result;
}

/* Change notifications ------------------------------------------------------ */

static gboolean
deliver_changes (gpointer data)
{
  TtshEngine *self = data;
  g_autoptr(GPtrArray) whats = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer key;

  g_mutex_lock (&self->mutex);
  g_hash_table_iter_init (&iter, self->pending_changes);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      g_ptr_array_add (whats, key);
      g_hash_table_iter_steal (&iter);
    }
  self->changes_scheduled = FALSE;
  g_mutex_unlock (&self->mutex);

  for (guint i = 0; i < whats->len; i++)
    {
      const char *what = g_ptr_array_index (whats, i);
      g_signal_emit (self, signals[SIGNAL_CHANGED], g_quark_from_string (what), what);
    }
  return G_SOURCE_REMOVE;
}

void
_ttsh_engine_emit_changed (TtshEngine *self,
                           const char *what)
{
  gboolean schedule;

  g_mutex_lock (&self->mutex);
  g_hash_table_add (self->pending_changes, g_strdup (what));
  schedule = !self->changes_scheduled;
  self->changes_scheduled = TRUE;
  g_mutex_unlock (&self->mutex);

  if (schedule)
    {
      GSource *source = g_idle_source_new ();
      g_source_set_priority (source, G_PRIORITY_DEFAULT_IDLE);
      g_source_set_callback (source, deliver_changes, g_object_ref (self), g_object_unref);
      g_source_set_static_name (source, "[ttsh] engine changes");
      g_source_attach (source, self->owner_context);
      g_source_unref (source);
    }
}
