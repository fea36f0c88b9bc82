/* ttsh-renderer.h — how the console draws. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void ttsh_renderer_init (void);

G_END_DECLS
