/* ttsh-application.h — the console's GtkApplication: config, engine, windows. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TTSH_TYPE_APPLICATION (ttsh_application_get_type ())
G_DECLARE_FINAL_TYPE (TtshApplication, ttsh_application, TTSH, APPLICATION, AdwApplication)

TtshApplication *ttsh_application_new (void);

G_END_DECLS
