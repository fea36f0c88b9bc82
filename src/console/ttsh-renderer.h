/* ttsh-renderer.h — how the console draws. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void     ttsh_renderer_init     (void);
/* Whether windows draw with GSK's cairo renderer. */
gboolean ttsh_renderer_is_cairo (void);

G_END_DECLS
