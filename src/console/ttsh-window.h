/* ttsh-window.h — the console's main window: sign-in, then the health bar
 * and the views (AdwViewStack pages) of the signed-in operator. */
#pragma once

#include <adwaita.h>

#include "ttsh-context.h"
#include "ttsh-engine.h"

G_BEGIN_DECLS

#define TTSH_TYPE_WINDOW (ttsh_window_get_type ())
G_DECLARE_FINAL_TYPE (TtshWindow, ttsh_window, TTSH, WINDOW, AdwApplicationWindow)

TtshWindow   *ttsh_window_new           (gpointer     application,
                                         TtshEngine  *engine);
/* NULL until an operator has signed in. */
TtshContext  *ttsh_window_get_context   (TtshWindow  *self);
AdwViewStack *ttsh_window_get_views     (TtshWindow  *self);
/* Fills the sign-in form and submits it (demo auto sign-in, tests). */
void          ttsh_window_sign_in       (TtshWindow  *self,
                                         const char  *username,
                                         const char  *password,
                                         const char  *totp_code);

/* Demo only: selects a candidate by number some seconds after sign-in. */
void          ttsh_window_demo_select   (TtshWindow  *self,
                                         const char  *candidate_no,
                                         guint        after_seconds);

G_END_DECLS
