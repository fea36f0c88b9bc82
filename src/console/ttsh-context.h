/* ttsh-context.h — the services every view of a signed-in window shares:
 * the engine, the signed-in operator, the settings, and the selection that
 * views keep in sync (session, candidate). One per sign-in, passed to each
 * page as its construct-only "context" property. */
#pragma once

#include <gio/gio.h>

#include "ttsh-engine.h"
#include "ttsh-operators.h"

G_BEGIN_DECLS

#define TTSH_TYPE_CONTEXT (ttsh_context_get_type ())
G_DECLARE_FINAL_TYPE (TtshContext, ttsh_context, TTSH, CONTEXT, GObject)

TtshContext  *ttsh_context_new                     (TtshEngine     *engine,
                                                    TtshOperator   *op,
                                                    GSettings      *settings);
TtshEngine   *ttsh_context_get_engine              (TtshContext    *self);
TtshOperator *ttsh_context_get_operator            (TtshContext    *self);
GSettings    *ttsh_context_get_settings            (TtshContext    *self);

gint64        ttsh_context_get_selected_session_id   (TtshContext  *self);
void          ttsh_context_set_selected_session_id   (TtshContext  *self,
                                                      gint64        id);
gint64        ttsh_context_get_selected_candidate_id (TtshContext  *self);
void          ttsh_context_set_selected_candidate_id (TtshContext  *self,
                                                      gint64        id);

/* Role check without side effects (to show or hide a control). */
gboolean      ttsh_context_can                     (TtshContext    *self,
                                                    TtshPermission  perm);
/* Role check for an attempted action: when refused, journals ACTION_REFUSED
 * on the engine thread (without waiting) and returns FALSE. */
gboolean      ttsh_context_check                   (TtshContext    *self,
                                                    TtshPermission  perm,
                                                    const char     *subject);

G_END_DECLS
