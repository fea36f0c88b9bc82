/* main.c — ttsh-console: the operator console of the driving-test centre. */
#define G_LOG_DOMAIN "ttsh-console"
#include "config.h"

#include <locale.h>
#include <glib/gi18n.h>

#include "ttsh-application.h"

int
main (int    argc,
      char **argv)
{
  g_autoptr(TtshApplication) app = NULL;

  setlocale (LC_ALL, "");
  /* TTSH_LOCALEDIR: translations of an uninstalled build (demo, development). */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("TTSH_LOCALEDIR") ? g_getenv ("TTSH_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = ttsh_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
