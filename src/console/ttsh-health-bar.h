/* ttsh-health-bar.h — the always-visible strip of transmission health. */
#pragma once

#include <adwaita.h>

#include "ttsh-context.h"

G_BEGIN_DECLS

#define TTSH_TYPE_HEALTH_BAR (ttsh_health_bar_get_type ())
G_DECLARE_FINAL_TYPE (TtshHealthBar, ttsh_health_bar, TTSH, HEALTH_BAR, GtkWidget)

GtkWidget *ttsh_health_bar_new     (TtshContext   *context);
/* Asks for a fresh reading now (tests; otherwise on "changed" and each second). */
void       ttsh_health_bar_refresh (TtshHealthBar *self);
/* Number of completed readings (tests wait on it). */
guint      ttsh_health_bar_get_generation (TtshHealthBar *self);
/* The "Resume sending" button: shown while C08 stopped sending with -2, -3
 * or -7, usable by the roles allowed to lift the stop (tests). */
GtkWidget *ttsh_health_bar_get_resume_button (TtshHealthBar *self);

G_END_DECLS
