/* ttsh-application.c — parses --config, starts the embedded engine on its
 * own thread and opens the main window. */
#define G_LOG_DOMAIN "ttsh-console"
#include "config.h"

#include <glib/gi18n.h>

#include "ttsh-application.h"
#include "ttsh-renderer.h"
#include "ttsh-engine.h"
#include "ttsh-window.h"

struct _TtshApplication {
  AdwApplication  parent_instance;
  char           *config_path;
  TtshEngine     *engine;
};

G_DEFINE_FINAL_TYPE (TtshApplication, ttsh_application, ADW_TYPE_APPLICATION)

static int
ttsh_application_handle_local_options (GApplication *app,
                                       GVariantDict *options)
{
  TtshApplication *self = TTSH_APPLICATION (app);
  const char *config = NULL;

  if (g_variant_dict_lookup (options, "config", "^&ay", &config))
    self->config_path = g_canonicalize_filename (config, NULL);
  return -1;
}

static void
ttsh_application_startup (GApplication *app)
{
  TtshApplication *self = TTSH_APPLICATION (app);
  g_autoptr(GError) error = NULL;

  G_APPLICATION_CLASS (ttsh_application_parent_class)->startup (app);
  ttsh_renderer_init ();

  if (self->config_path != NULL)
    {
      TtshConfig *config = ttsh_config_load (self->config_path, &error);
      if (config != NULL)
        {
          self->engine = ttsh_engine_new (config, TTSH_ENGINE_NONE);
          if (!ttsh_engine_start (self->engine, &error))
            g_clear_object (&self->engine);
        }
      if (error != NULL)
        g_warning ("%s", error->message);
    }
}

/* The demo signs in by itself and shows a candidate, but only on demo data
 * (a centre code starting with DEMO-): never on a real centre's database. */
static void
start_demo (TtshApplication *self,
            TtshWindow      *window)
{
  const char *login = g_getenv ("TTSH_DEMO_AUTOLOGIN");
  const char *select = g_getenv ("TTSH_DEMO_SELECT");
  const TtshConfig *config;
  g_auto(GStrv) parts = NULL;

  if (login == NULL || self->engine == NULL)
    return;
  config = ttsh_engine_get_config (self->engine);
  if (!g_str_has_prefix (config->centre_code, "DEMO-"))
    {
      g_warning ("TTSH_DEMO_AUTOLOGIN ignored: %s is not a demo centre", config->centre_code);
      return;
    }
  parts = g_strsplit (login, ":", 2);
  if (g_strv_length (parts) != 2)
    return;
  ttsh_window_sign_in (window, parts[0], parts[1], NULL);
  if (select != NULL)
    {
      g_auto(GStrv) sel = g_strsplit (select, "@", 2);
      guint64 after = 0;

      if (sel[1] != NULL)
        g_ascii_string_to_unsigned (sel[1], 10, 0, 3600, &after, NULL);
      ttsh_window_demo_select (window, sel[0], (guint) after);
    }
}

static void
ttsh_application_activate (GApplication *app)
{
  TtshApplication *self = TTSH_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    {
      window = GTK_WINDOW (ttsh_window_new (self, self->engine));
      start_demo (self, TTSH_WINDOW (window));
    }
  gtk_window_present (window);
}

static void
ttsh_application_shutdown (GApplication *app)
{
  TtshApplication *self = TTSH_APPLICATION (app);

  if (self->engine != NULL)
    ttsh_engine_stop (self->engine);
  G_APPLICATION_CLASS (ttsh_application_parent_class)->shutdown (app);
}

static void
ttsh_application_finalize (GObject *object)
{
  TtshApplication *self = TTSH_APPLICATION (object);

  g_clear_object (&self->engine);
  g_free (self->config_path);
  G_OBJECT_CLASS (ttsh_application_parent_class)->finalize (object);
}

static void
ttsh_application_class_init (TtshApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = ttsh_application_finalize;
  app_class->handle_local_options = ttsh_application_handle_local_options;
  app_class->startup = ttsh_application_startup;
  app_class->activate = ttsh_application_activate;
  app_class->shutdown = ttsh_application_shutdown;
}

static void
ttsh_application_init (TtshApplication *self)
{
  const GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, NULL, N_("Configuration file (same as ttsh-engine)"), N_("FILE") },
    { NULL }
  };
  g_application_add_main_option_entries (G_APPLICATION (self), entries);
}

TtshApplication *
ttsh_application_new (void)
{
  return g_object_new (TTSH_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_NON_UNIQUE,
                       "resource-base-path", "/vn/ttsh/Console",
                       NULL);
}
