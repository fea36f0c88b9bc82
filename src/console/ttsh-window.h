/* ttsh-window.h — the console's main window. */
#pragma once

#include <adwaita.h>

#include "ttsh-engine.h"

G_BEGIN_DECLS

#define TTSH_TYPE_WINDOW (ttsh_window_get_type ())
G_DECLARE_FINAL_TYPE (TtshWindow, ttsh_window, TTSH, WINDOW, AdwApplicationWindow)

TtshWindow *ttsh_window_new (gpointer    application,
                             TtshEngine *engine);

G_END_DECLS
