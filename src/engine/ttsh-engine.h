/* ttsh-engine.h — the transmission engine: one thread, one main context.
 *
 * All SQLite and network I/O happen on the engine's own thread. Callers on
 * other threads use ttsh_engine_call_async() and the "changed" signal, which
 * is delivered on the main context that was thread-default at creation. */
#pragma once

#include <gio/gio.h>

#include "ttsh-config.h"
#include "ttsh-store.h"

G_BEGIN_DECLS

#define TTSH_TYPE_ENGINE (ttsh_engine_get_type ())
G_DECLARE_FINAL_TYPE (TtshEngine, ttsh_engine, TTSH, ENGINE, GObject)

/* Runs on the engine thread; returns a result for the task (or NULL and
 * sets error). The result is freed with result_free if nobody takes it. */
typedef gpointer (*TtshEngineFunc) (TtshEngine  *engine,
                                    TtshStore   *store,
                                    gpointer     data,
                                    GError     **error);

typedef enum {
  TTSH_ENGINE_NONE       = 0,
  TTSH_ENGINE_NO_SENDER  = 1 << 0,   /* do not contact C08 (tests, offline review) */
  TTSH_ENGINE_NO_SERVER  = 1 << 1,   /* do not listen */
} TtshEngineFlags;

TtshEngine   *ttsh_engine_new         (TtshConfig      *config,      /* taken */
                                       TtshEngineFlags  flags);
gboolean      ttsh_engine_start       (TtshEngine      *self,
                                       GError         **error);
void          ttsh_engine_stop        (TtshEngine      *self);
gboolean      ttsh_engine_is_running  (TtshEngine      *self);
const TtshConfig *ttsh_engine_get_config (TtshEngine   *self);
GMainContext *ttsh_engine_get_context (TtshEngine      *self);

void          ttsh_engine_call_async  (TtshEngine      *self,
                                       TtshEngineFunc   func,
                                       gpointer         data,
                                       GDestroyNotify   data_free,
                                       GDestroyNotify   result_free,
                                       GCancellable    *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer         user_data);
gpointer      ttsh_engine_call_finish (TtshEngine      *self,
                                       GAsyncResult    *result,
                                       GError         **error);

/* Blocking variant for headless tools and tests; never from a UI thread. */
gpointer      ttsh_engine_call_sync   (TtshEngine      *self,
                                       TtshEngineFunc   func,
                                       gpointer         data,
                                       GError         **error);

/* Engine thread only: tell listeners that @what changed ("outbox", "alarm",
 * "session", "candidate", "journal", ...). Coalesced per main-loop turn. */
void          _ttsh_engine_emit_changed (TtshEngine    *self,
                                         const char    *what);
TtshStore    *_ttsh_engine_get_store    (TtshEngine    *self);

/* Components hooked into start/stop (engine thread). */
typedef struct {
  const char *name;
  gboolean  (*start) (TtshEngine *engine, TtshStore *store, gpointer *state, GError **error);
  void      (*stop)  (TtshEngine *engine, gpointer state);
  TtshEngineFlags skip_if;
} TtshEngineComponent;

/* The components the engine starts, in order (ttsh-engine-components.c). */
extern const TtshEngineComponent *const ttsh_engine_components[];

G_END_DECLS
