/* ttsh-window.c — main window: operator sign-in (checked on the engine
 * thread), then the views allowed to the operator's role, each built with
 * the window's TtshContext. To add a view, add a row to window_pages. */
#define G_LOG_DOMAIN "ttsh-console"
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ttsh-audit-view.h"
#include "ttsh-cancel-dialog.h"
#include "ttsh-errors-view.h"
#include "ttsh-health-bar.h"
#include "ttsh-journal.h"
#include "ttsh-map-view.h"
#include "ttsh-sessions-view.h"
#include "ttsh-window.h"

/* A page of the view stack. The widget type must have a construct-only
 * "context" property (TtshContext); the page is only built for operators
 * whose role has the permission. */
typedef struct {
  const char     *name;
  const char     *title;       /* N_() */
  const char     *icon_name;
  GType         (*get_type) (void);
  TtshPermission  permission;
} TtshWindowPage;

static const TtshWindowPage window_pages[] = {
  { "sessions", N_("Sessions"), "view-list-symbolic", ttsh_sessions_view_get_type, TTSH_PERM_VIEW_SESSIONS },
  { "map", N_("Road map"), "mark-location-symbolic", ttsh_map_view_get_type, TTSH_PERM_VIEW_MAP },
  { "errors", N_("Errors"), "dialog-warning-symbolic", ttsh_errors_view_get_type, TTSH_PERM_VIEW_ERRORS },
  { "audit", N_("Audit"), "document-properties-symbolic", ttsh_audit_view_get_type, TTSH_PERM_VIEW_AUDIT },
};

struct _TtshWindow {
  AdwApplicationWindow  parent_instance;

  TtshEngine           *engine;
  TtshContext          *context;
  GSettings            *settings;
  GCancellable         *cancellable;

  GtkStack             *main_stack;
  AdwWindowTitle       *signin_title;
  AdwEntryRow          *username_row;
  AdwPasswordEntryRow  *password_row;
  AdwEntryRow          *totp_row;
  GtkLabel             *signin_error;
  GtkSpinner           *signin_spinner;
  AdwViewSwitcherTitle *switcher_title;
  GtkMenuButton        *operator_button;
  GtkWidget            *cancel_result_button;
  GtkBox               *health_slot;
  AdwViewStack         *views;
  AdwStatusPage        *no_engine_page;
};

G_DEFINE_FINAL_TYPE (TtshWindow, ttsh_window, ADW_TYPE_APPLICATION_WINDOW)

/* Sign-in ------------------------------------------------------------------ */

typedef struct {
  char *username;
  char *password;
  char *totp;
} SignIn;

static void
sign_in_free (gpointer data)
{
  SignIn *s = data;

  g_free (s->username);
  if (s->password != NULL)
    memset (s->password, 0, strlen (s->password));
  g_free (s->password);
  g_free (s->totp);
  g_free (s);
}

static gpointer
sign_in_thread (TtshEngine  *engine,
                TtshStore   *store,
                gpointer     data,
                GError     **error)
{
  SignIn *s = data;

  return ttsh_operators_authenticate (store, s->username, s->password, s->totp, ttsh_now_ms (), error);
}

static void
show_signin_error (TtshWindow *self,
                   const char *message)
{
  gtk_label_set_text (self->signin_error, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->signin_error), message != NULL);
}

static void
set_busy (TtshWindow *self,
          gboolean    busy)
{
  gtk_spinner_set_spinning (self->signin_spinner, busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sign-in", !busy && self->engine != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->username_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->password_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->totp_row), !busy);
}

static void
build_operator_menu (TtshWindow   *self,
                     TtshOperator *op)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenu) section = g_menu_new ();
  g_autofree char *heading = g_strdup_printf ("%s — %s", ttsh_operator_get_full_name (op),
                                              ttsh_operator_role_label (ttsh_operator_get_role (op)));

  g_menu_append (section, _("_Sign Out"), "win.sign-out");
  g_menu_append_section (menu, heading, G_MENU_MODEL (section));
  gtk_menu_button_set_menu_model (self->operator_button, G_MENU_MODEL (menu));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->operator_button), heading);
}

static void
open_console (TtshWindow   *self,
              TtshOperator *op)
{
  GtkWidget *health;

  self->context = ttsh_context_new (self->engine, op, self->settings);

  health = ttsh_health_bar_new (self->context);
  gtk_box_append (self->health_slot, health);

  for (guint i = 0; i < G_N_ELEMENTS (window_pages); i++)
    {
      const TtshWindowPage *p = &window_pages[i];
      GtkWidget *page;

      if (!ttsh_operator_has (op, p->permission))
        continue;
      page = g_object_new (p->get_type (), "context", self->context, NULL);
      adw_view_stack_add_titled (self->views, page, p->name, _(p->title));
      adw_view_stack_page_set_icon_name (adw_view_stack_get_page (self->views, page), p->icon_name);
    }

  build_operator_menu (self, op);
  adw_view_switcher_title_set_subtitle (self->switcher_title, ttsh_operator_get_full_name (op));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sign-out", TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-result",
                                 ttsh_operator_has (op, TTSH_PERM_CANCEL_RESULT));
  gtk_widget_set_visible (self->cancel_result_button, ttsh_operator_has (op, TTSH_PERM_CANCEL_RESULT));
  gtk_stack_set_visible_child_name (self->main_stack, "console");
}

static void
sign_in_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(TtshWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshOperator) op = ttsh_engine_call_finish (TTSH_ENGINE (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_busy (self, FALSE);
  if (op == NULL)
    {
      if (g_error_matches (error, TTSH_OPERATOR_ERROR, TTSH_OPERATOR_ERROR_TOTP_REQUIRED))
        {
          gtk_widget_set_visible (GTK_WIDGET (self->totp_row), TRUE);
          gtk_widget_grab_focus (GTK_WIDGET (self->totp_row));
        }
      else
        {
          gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
          gtk_editable_set_text (GTK_EDITABLE (self->totp_row), "");
          if (g_error_matches (error, TTSH_OPERATOR_ERROR, TTSH_OPERATOR_ERROR_TOTP_INVALID))
            gtk_widget_grab_focus (GTK_WIDGET (self->totp_row));
          else
            gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
        }
      show_signin_error (self, error->message);
      return;
    }

  show_signin_error (self, NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->totp_row), "");
  gtk_widget_set_visible (GTK_WIDGET (self->totp_row), FALSE);
  open_console (self, op);
}

static void
sign_in_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  TtshWindow *self = TTSH_WINDOW (widget);
  SignIn *s;

  if (self->engine == NULL || self->context != NULL)
    return;
  s = g_new0 (SignIn, 1);
  s->username = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->username_row))));
  s->password = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->password_row)));
  s->totp = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->totp_row))));
  if (*s->username == '\0')
    {
      sign_in_free (s);
      show_signin_error (self, _("Enter your username."));
      gtk_widget_grab_focus (GTK_WIDGET (self->username_row));
      return;
    }
  set_busy (self, TRUE);
  ttsh_engine_call_async (self->engine, sign_in_thread, s, sign_in_free, g_object_unref,
                          self->cancellable, sign_in_done, g_object_ref (self));
}

static void
on_entry_activated (TtshWindow *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "win.sign-in", NULL);
}

/* Sign-out ----------------------------------------------------------------- */

typedef struct {
  char *username;
} SignOut;

static gpointer
sign_out_thread (TtshEngine  *engine,
                 TtshStore   *store,
                 gpointer     data,
                 GError     **error)
{
  if (ttsh_journal_append (store, data, "LOGOUT", data, "", error) == 0)
    return NULL;
  return GINT_TO_POINTER (1);
}

static void
sign_out_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (ttsh_engine_call_finish (TTSH_ENGINE (source), result, &error) == NULL)
    g_warning ("could not journal the sign-out: %s", error->message);
}

static void
close_console (TtshWindow *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->views))) != NULL)
    adw_view_stack_remove (self->views, child);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->health_slot))) != NULL)
    gtk_box_remove (self->health_slot, child);
  g_clear_object (&self->context);
}

static void
sign_out_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *param)
{
  TtshWindow *self = TTSH_WINDOW (widget);

  if (self->context == NULL)
    return;
  ttsh_engine_call_async (self->engine, sign_out_thread,
                          g_strdup (ttsh_operator_get_username (ttsh_context_get_operator (self->context))),
                          g_free, NULL, NULL, sign_out_done, NULL);
  close_console (self);
  gtk_widget_action_set_enabled (widget, "win.sign-out", FALSE);
  gtk_widget_action_set_enabled (widget, "win.cancel-result", FALSE);
  gtk_widget_set_visible (self->cancel_result_button, FALSE);
  gtk_stack_set_visible_child_name (self->main_stack, "signin");
  gtk_widget_grab_focus (GTK_WIDGET (self->username_row));
}

/* Keyboard: Ctrl+F goes to the roster search from anywhere. */
static void
find_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  TtshWindow *self = TTSH_WINDOW (widget);
  GtkWidget *page;

  if (self->context == NULL)
    return;
  page = adw_view_stack_get_child_by_name (self->views, "sessions");
  if (page == NULL)
    return;
  adw_view_stack_set_visible_child (self->views, page);
  ttsh_sessions_view_focus_search (TTSH_SESSIONS_VIEW (page));
}

/* An examiner cancels a result; the selected candidate is offered first. */
static void
cancel_result_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *param)
{
  TtshWindow *self = TTSH_WINDOW (widget);
  TtshCancelDialog *dialog;

  if (self->context == NULL)
    return;
  dialog = ttsh_cancel_dialog_new (self->context, GTK_WINDOW (self),
                                   ttsh_context_get_selected_candidate_id (self->context));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* GObject ------------------------------------------------------------------ */

static void
ttsh_window_dispose (GObject *object)
{
  TtshWindow *self = TTSH_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->context);
  g_clear_object (&self->engine);
  g_clear_object (&self->settings);
  gtk_widget_dispose_template (GTK_WIDGET (self), TTSH_TYPE_WINDOW);
  G_OBJECT_CLASS (ttsh_window_parent_class)->dispose (object);
}

static void
ttsh_window_class_init (TtshWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ttsh_window_dispose;

  g_type_ensure (TTSH_TYPE_HEALTH_BAR);
  gtk_widget_class_set_template_from_resource (widget_class, "/vn/ttsh/Console/ttsh-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TtshWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, TtshWindow, signin_title);
  gtk_widget_class_bind_template_child (widget_class, TtshWindow, username_row);
  gtk_widget_class_bind_template_child (widget_class, TtshWindow, password_row);
  gtk_widget_class_bind_template_child (widget_class, TtshWindow, totp_row);
  gtk_widget_class_bind_template_child (widget_class, TtshWindow, signin_error);
  gtk_widget_class_bind_template_child (widget_class, TtshWindow, signin_spinner);
  gtk_widget_class_bind_template_child (widget_class, TtshWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, TtshWindow, operator_button);
  gtk_widget_class_bind_template_child (widget_class, TtshWindow, cancel_result_button);
  gtk_widget_class_bind_template_child (widget_class, TtshWindow, health_slot);
  gtk_widget_class_bind_template_child (widget_class, TtshWindow, views);
  gtk_widget_class_bind_template_child (widget_class, TtshWindow, no_engine_page);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_activated);

  gtk_widget_class_install_action (widget_class, "win.sign-in", NULL, sign_in_action);
  gtk_widget_class_install_action (widget_class, "win.sign-out", NULL, sign_out_action);
  gtk_widget_class_install_action (widget_class, "win.find", NULL, find_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-result", NULL, cancel_result_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_q, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.sign-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.find", NULL);
}

static void
ttsh_window_init (TtshWindow *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sign-out", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-result", FALSE);

  self->settings = g_settings_new (APPLICATION_ID);
  g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);
}

TtshWindow *
ttsh_window_new (gpointer    application,
                 TtshEngine *engine)
{
  TtshWindow *self = g_object_new (TTSH_TYPE_WINDOW, "application", application, NULL);

  self->engine = engine ? g_object_ref (engine) : NULL;
  if (engine != NULL)
    {
      const char *centre = ttsh_engine_get_config (engine)->centre_name;

      adw_window_title_set_subtitle (self->signin_title, centre ? centre : "");
      gtk_widget_grab_focus (GTK_WIDGET (self->username_row));
    }
  else
    gtk_stack_set_visible_child_name (self->main_stack, "no-engine");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sign-in", engine != NULL);
  return self;
}

TtshContext *
ttsh_window_get_context (TtshWindow *self)
{
  g_return_val_if_fail (TTSH_IS_WINDOW (self), NULL);
  return self->context;
}

AdwViewStack *
ttsh_window_get_views (TtshWindow *self)
{
  g_return_val_if_fail (TTSH_IS_WINDOW (self), NULL);
  return self->views;
}

typedef struct {
  TtshWindow *window;
  char       *number;
  guint       tries;
} DemoSelect;

static void
demo_select_free (gpointer data)
{
  DemoSelect *d = data;

  g_object_unref (d->window);
  g_free (d->number);
  g_free (d);
}

static gboolean
demo_select_tick (gpointer data)
{
  DemoSelect *d = data;
  GtkWidget *page;

  if (d->window->context == NULL)
    return d->tries++ < 120 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
  page = adw_view_stack_get_child_by_name (d->window->views, "sessions");
  if (page != NULL && ttsh_sessions_view_select_number (TTSH_SESSIONS_VIEW (page), d->number))
    return G_SOURCE_REMOVE;
  return d->tries++ < 120 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

void
ttsh_window_demo_select (TtshWindow *self,
                         const char *candidate_no,
                         guint       after_seconds)
{
  DemoSelect *d = g_new0 (DemoSelect, 1);

  d->window = g_object_ref (self);
  d->number = g_strdup (candidate_no);
  g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, MAX (after_seconds, 1), demo_select_tick, d, demo_select_free);
}

void
ttsh_window_sign_in (TtshWindow *self,
                     const char *username,
                     const char *password,
                     const char *totp_code)
{
  g_return_if_fail (TTSH_IS_WINDOW (self));
  gtk_editable_set_text (GTK_EDITABLE (self->username_row), username ? username : "");
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), password ? password : "");
  gtk_editable_set_text (GTK_EDITABLE (self->totp_row), totp_code ? totp_code : "");
  gtk_widget_activate_action (GTK_WIDGET (self), "win.sign-in", NULL);
}
