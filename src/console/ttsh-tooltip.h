/* ttsh-tooltip.h — tooltips for widgets that are rebound often (list rows,
 * map markers). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void ttsh_widget_set_quiet_tooltip (GtkWidget  *widget,
                                    const char *text);

G_END_DECLS
