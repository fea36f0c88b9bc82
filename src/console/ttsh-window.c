/* ttsh-window.c — main window: header bar and the views of the console. */
#define G_LOG_DOMAIN "ttsh-console"
#include "config.h"

#include <glib/gi18n.h>

#include "ttsh-window.h"

struct _TtshWindow {
  AdwApplicationWindow  parent_instance;
  TtshEngine           *engine;
  AdwWindowTitle       *title;
};

G_DEFINE_FINAL_TYPE (TtshWindow, ttsh_window, ADW_TYPE_APPLICATION_WINDOW)

static void
ttsh_window_dispose (GObject *object)
{
  TtshWindow *self = TTSH_WINDOW (object);

  g_clear_object (&self->engine);
  G_OBJECT_CLASS (ttsh_window_parent_class)->dispose (object);
}

static void
ttsh_window_class_init (TtshWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ttsh_window_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/vn/ttsh/Console/ttsh-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TtshWindow, title);
}

static void
ttsh_window_init (TtshWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

TtshWindow *
ttsh_window_new (gpointer    application,
                 TtshEngine *engine)
{
  TtshWindow *self = g_object_new (TTSH_TYPE_WINDOW, "application", application, NULL);

  self->engine = engine ? g_object_ref (engine) : NULL;
  if (engine != NULL)
    adw_window_title_set_subtitle (self->title, ttsh_engine_get_config (engine)->centre_name ?
                                   ttsh_engine_get_config (engine)->centre_name : "");
  return self;
}
