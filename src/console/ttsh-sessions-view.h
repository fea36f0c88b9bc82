/* ttsh-sessions-view.h — the "sessions" page: exam sessions, the roster of
 * the chosen one, and the selected candidate's live progress. */
#pragma once

#include <adwaita.h>

#include "ttsh-context.h"

G_BEGIN_DECLS

#define TTSH_TYPE_SESSIONS_VIEW (ttsh_sessions_view_get_type ())
G_DECLARE_FINAL_TYPE (TtshSessionsView, ttsh_sessions_view, TTSH, SESSIONS_VIEW, GtkWidget)

/* For tests and benchmarks: the roster's models and widgets. */
GListModel    *ttsh_sessions_view_get_roster_model (TtshSessionsView *self);  /* filtered, sorted */
GListStore    *ttsh_sessions_view_get_roster_store (TtshSessionsView *self);
GtkWidget     *ttsh_sessions_view_get_roster_view  (TtshSessionsView *self);  /* the rows */
GtkEditable   *ttsh_sessions_view_get_search       (TtshSessionsView *self);
GtkListBox    *ttsh_sessions_view_get_session_list (TtshSessionsView *self);
void           ttsh_sessions_view_set_filter       (TtshSessionsView *self,
                                                    int               content,   /* -1: any */
                                                    const char       *state);    /* NULL: any; "TX_ERROR" */
/* Selects the candidate with this number in the open roster, if loaded. */
gboolean       ttsh_sessions_view_select_number    (TtshSessionsView *self,
                                                    const char       *candidate_no);
void           ttsh_sessions_view_focus_search     (TtshSessionsView *self);
/* TRUE while a load, refresh or filtering pass is still running. */
gboolean       ttsh_sessions_view_is_busy          (TtshSessionsView *self);
/* Number of roster reads applied (tests wait on it). */
guint          ttsh_sessions_view_get_generation   (TtshSessionsView *self);

G_END_DECLS
