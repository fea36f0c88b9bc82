/* test-ui-notify.c — new alarms become desktop notifications. The console runs
 * as the registered application on a private session bus where a stand-in
 * org.freedesktop.Notifications server, on its own thread, records every
 * Notify; the operator reads the console in Vietnamese. */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>

#include "ttsh-alarm.h"
#include "ttsh-engine.h"
#include "ttsh-health-bar.h"
#include "ttsh-operators.h"
#include "ttsh-renderer.h"
#include "ttsh-test-ui.h"
#include "ttsh-test-util.h"
#include "ttsh-window.h"

#define PASSWORD "mat-khau-dai-1"

/* The fake notification server ---------------------------------------------- */

static const char server_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.Notifications'>"
  "    <method name='Notify'>"
  "      <arg type='s' name='app_name' direction='in'/>"
  "      <arg type='u' name='replaces_id' direction='in'/>"
  "      <arg type='s' name='app_icon' direction='in'/>"
  "      <arg type='s' name='summary' direction='in'/>"
  "      <arg type='s' name='body' direction='in'/>"
  "      <arg type='as' name='actions' direction='in'/>"
  "      <arg type='a{sv}' name='hints' direction='in'/>"
  "      <arg type='i' name='expire_timeout' direction='in'/>"
  "      <arg type='u' name='id' direction='out'/>"
  "    </method>"
  "    <method name='CloseNotification'>"
  "      <arg type='u' name='id' direction='in'/>"
  "    </method>"
  "    <method name='GetCapabilities'>"
  "      <arg type='as' name='capabilities' direction='out'/>"
  "    </method>"
  "    <method name='GetServerInformation'>"
  "      <arg type='s' name='name' direction='out'/>"
  "      <arg type='s' name='vendor' direction='out'/>"
  "      <arg type='s' name='version' direction='out'/>"
  "      <arg type='s' name='spec_version' direction='out'/>"
  "    </method>"
  "    <signal name='NotificationClosed'>"
  "      <arg type='u' name='id'/>"
  "      <arg type='u' name='reason'/>"
  "    </signal>"
  "  </interface>"
  "</node>";

typedef struct {
  guint32  replaces_id;
  char    *title;
  char    *body;
  int      urgency;                /* -1: no hint */
  char    *desktop_entry;
} Notice;

static void
notice_free (gpointer data)
{
  Notice *n = data;

  g_free (n->title);
  g_free (n->body);
  g_free (n->desktop_entry);
  g_free (n);
}

typedef struct {
  GThread         *thread;
  GMainContext    *context;
  GMainLoop       *loop;
  GDBusConnection *connection;     /* the server thread's */
  GMutex           lock;
  GCond            cond;
  gboolean         ready;
  GError          *error;          /* why the server could not start */
  GPtrArray       *notices;        /* of Notice, as received */
  GHashTable      *shown;          /* ids on screen */
  guint32          last_id;
  gboolean         dismissed;
} Server;

/* On the server thread, under the lock: what a notification server says
 * when a notification leaves the screen. */
static void
server_close (Server  *s,
              guint32  id,
              guint32  reason)
{
  if (!g_hash_table_remove (s->shown, GUINT_TO_POINTER (id)))
    return;
  g_dbus_connection_emit_signal (s->connection, NULL, "/org/freedesktop/Notifications",
                                 "org.freedesktop.Notifications", "NotificationClosed",
                                 g_variant_new ("(uu)", id, reason), NULL);
}

static void
server_method_call (GDBusConnection       *connection,
                    const char            *sender,
                    const char            *object_path,
                    const char            *interface_name,
                    const char            *method_name,
                    GVariant              *parameters,
                    GDBusMethodInvocation *invocation,
                    gpointer               user_data)
{
  Server *s = user_data;

  if (g_str_equal (method_name, "Notify"))
    {
      g_autoptr(GVariant) hints = NULL;
      Notice *n = g_new0 (Notice, 1);
      const char *title, *body;
      guchar urgency;
      guint32 id;

      g_variant_get (parameters, "(&su&s&s&sas@a{sv}i)", NULL, &n->replaces_id, NULL,
                     &title, &body, NULL, &hints, NULL);
      n->title = g_strdup (title);
      n->body = g_strdup (body);
      n->urgency = g_variant_lookup (hints, "urgency", "y", &urgency) ? urgency : -1;
      g_variant_lookup (hints, "desktop-entry", "s", &n->desktop_entry);
      g_mutex_lock (&s->lock);
      g_ptr_array_add (s->notices, n);
      id = n->replaces_id ? n->replaces_id : ++s->last_id;
      g_hash_table_add (s->shown, GUINT_TO_POINTER (id));
      g_mutex_unlock (&s->lock);
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", id));
    }
  else if (g_str_equal (method_name, "CloseNotification"))
    {
      guint32 id;

      g_variant_get (parameters, "(u)", &id);
      g_mutex_lock (&s->lock);
      server_close (s, id, 3 /* closed by CloseNotification */);
      g_mutex_unlock (&s->lock);
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else if (g_str_equal (method_name, "GetCapabilities"))
    {
      const char *caps[] = { "body", NULL };

      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(^as)", caps));
    }
  else
    g_dbus_method_invocation_return_value (invocation,
                                           g_variant_new ("(ssss)", "ttsh-test", "TTSH", "1", "1.2"));
  /* The test waits on the main context for what arrives here. */
  g_main_context_wakeup (NULL);
}

static gpointer
server_thread (gpointer data)
{
  static const GDBusInterfaceVTable vtable = { server_method_call };
  Server *s = data;
  g_autoptr(GDBusNodeInfo) node = g_dbus_node_info_new_for_xml (server_xml, NULL);
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *address = NULL;
  GError *error = NULL;
  guint registration = 0;
  guint32 result = 0;

  g_main_context_push_thread_default (s->context);
  /* A connection of its own, so that calls to the server are served here
   * while the main thread waits. */
  address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (address != NULL)
    connection = g_dbus_connection_new_for_address_sync (address,
        G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
        NULL, NULL, &error);
  if (connection != NULL)
    registration = g_dbus_connection_register_object (connection, "/org/freedesktop/Notifications",
                                                      node->interfaces[0], &vtable, s, NULL, &error);
  if (registration != 0)
    reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                         "org.freedesktop.DBus", "RequestName",
                                         g_variant_new ("(su)", "org.freedesktop.Notifications",
                                                        0x4 /* DBUS_NAME_FLAG_DO_NOT_QUEUE */),
                                         G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  if (reply != NULL)
    {
      g_variant_get (reply, "(u)", &result);
      if (result != 1 /* DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER */)
        error = g_error_new (G_IO_ERROR, G_IO_ERROR_EXISTS,
                             "org.freedesktop.Notifications is owned already (%u)", result);
    }

  g_mutex_lock (&s->lock);
  s->connection = connection;
  s->error = error;
  s->ready = TRUE;
  g_cond_signal (&s->cond);
  g_mutex_unlock (&s->lock);

  if (error == NULL)
    g_main_loop_run (s->loop);

  g_mutex_lock (&s->lock);
  s->connection = NULL;
  g_mutex_unlock (&s->lock);
  if (registration != 0)
    g_dbus_connection_unregister_object (connection, registration);
  if (connection != NULL)
    g_dbus_connection_close_sync (connection, NULL, NULL);
  g_main_context_pop_thread_default (s->context);
  return NULL;
}

static Server *
server_start (void)
{
  Server *s = g_new0 (Server, 1);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  g_mutex_init (&s->lock);
  g_cond_init (&s->cond);
  s->notices = g_ptr_array_new_with_free_func (notice_free);
  s->shown = g_hash_table_new (NULL, NULL);
  s->context = g_main_context_new ();
  s->loop = g_main_loop_new (s->context, FALSE);
  s->thread = g_thread_new ("notification-server", server_thread, s);

  g_mutex_lock (&s->lock);
  while (!s->ready)
    if (!g_cond_wait_until (&s->cond, &s->lock, deadline))
      g_error ("the notification server did not start");
  g_mutex_unlock (&s->lock);
  g_assert_no_error (s->error);
  return s;
}

static void
server_stop (Server *s)
{
  g_main_loop_quit (s->loop);
  g_thread_join (s->thread);
  g_main_loop_unref (s->loop);
  g_main_context_unref (s->context);
  g_ptr_array_unref (s->notices);
  g_hash_table_unref (s->shown);
  g_mutex_clear (&s->lock);
  g_cond_clear (&s->cond);
  g_free (s);
}

static gboolean
dismiss_in_thread (gpointer data)
{
  Server *s = data;
  g_autofree gpointer *ids = NULL;
  guint n;

  g_mutex_lock (&s->lock);
  ids = g_hash_table_get_keys_as_array (s->shown, &n);
  for (guint i = 0; i < n; i++)
    server_close (s, GPOINTER_TO_UINT (ids[i]), 2 /* dismissed by the user */);
  s->dismissed = TRUE;
  g_cond_signal (&s->cond);
  g_mutex_unlock (&s->lock);
  return G_SOURCE_REMOVE;
}

/* The operator dismisses every notification on screen. */
static void
server_dismiss_all (Server *s)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  g_mutex_lock (&s->lock);
  s->dismissed = FALSE;
  g_main_context_invoke (s->context, dismiss_in_thread, s);
  while (!s->dismissed)
    if (!g_cond_wait_until (&s->cond, &s->lock, deadline))
      g_error ("the notification server did not dismiss its notifications");
  g_mutex_unlock (&s->lock);
}

static guint
server_count (Server *s)
{
  guint n;

  g_mutex_lock (&s->lock);
  n = s->notices->len;
  g_mutex_unlock (&s->lock);
  return n;
}

static guint
server_shown (Server *s)
{
  guint n;

  g_mutex_lock (&s->lock);
  n = g_hash_table_size (s->shown);
  g_mutex_unlock (&s->lock);
  return n;
}

/* The i-th notification received (the array only grows while the test runs). */
static const Notice *
server_notice (Server *s,
               guint   i)
{
  const Notice *n;

  g_mutex_lock (&s->lock);
  g_assert_cmpuint (i, <, s->notices->len);
  n = g_ptr_array_index (s->notices, i);
  g_mutex_unlock (&s->lock);
  return n;
}

/* Fixture ------------------------------------------------------------------- */

typedef struct {
  char            *dir;
  Server          *server;
  TtshEngine      *engine;
  AdwApplication  *app;
  TtshWindow      *window;
} Fixture;

static gboolean
on_deadline (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

typedef gboolean (*Condition) (Fixture *f, gpointer data);

static void
wait_for (Fixture *f, Condition cond, gpointer data, const char *what)
{
  gboolean late = FALSE;
  guint id = g_timeout_add_seconds (10, on_deadline, &late);

  while (!cond (f, data) && !late)
    g_main_context_iteration (NULL, TRUE);
  if (late)
    g_error ("timed out waiting for %s", what);
  g_source_remove (id);
}

static gpointer
operator_thread (TtshEngine *engine, TtshStore *store, gpointer data, GError **error)
{
  return ttsh_operators_add (store, "giamsat", "Trần Thị Bình", "Giám sát viên", TTSH_OPERATOR_GIAM_SAT,
                             PASSWORD, NULL, "test", error) > 0 ? GINT_TO_POINTER (1) : NULL;
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *conf = NULL;
  TtshConfig *config;

  f->server = server_start ();

  f->dir = ttsh_test_mkdtemp ();
  conf = ttsh_test_write_config (f->dir, NULL);
  config = ttsh_config_load (conf, &error);
  g_assert_no_error (error);
  f->engine = ttsh_engine_new (config, TTSH_ENGINE_NO_SENDER | TTSH_ENGINE_NO_SERVER);
  g_assert_true (ttsh_engine_start (f->engine, &error));
  g_assert_no_error (error);
  g_assert_nonnull (ttsh_engine_call_sync (f->engine, operator_thread, NULL, &error));
  g_assert_no_error (error);

  /* As ttsh-console makes its application: the health bar finds it through
   * g_application_get_default() once registered. */
  f->app = adw_application_new (APPLICATION_ID, G_APPLICATION_NON_UNIQUE);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  /* Cancelled engine calls still complete (their tasks hold the engine). */
  {
    gint64 until = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
    while (G_OBJECT (f->engine)->ref_count > 1 && g_get_monotonic_time () < until)
      g_main_context_iteration (NULL, FALSE);
  }
  g_assert_finalize_object (f->app);
  g_assert_null (g_application_get_default ());
  ttsh_engine_stop (f->engine);
  g_assert_finalize_object (f->engine);
  server_stop (f->server);
  ttsh_test_rmdir (f->dir);
  g_free (f->dir);
}

/* Helpers ------------------------------------------------------------------- */

static TtshHealthBar *
health_bar (Fixture *f)
{
  return TTSH_HEALTH_BAR (ttsh_test_find_type (GTK_WIDGET (f->window), TTSH_TYPE_HEALTH_BAR));
}

static gboolean
has_health_bar (Fixture *f, gpointer data)
{
  return ttsh_test_find_type (GTK_WIDGET (f->window), TTSH_TYPE_HEALTH_BAR) != NULL;
}

static gboolean
generation_reached (Fixture *f, gpointer data)
{
  return ttsh_health_bar_get_generation (health_bar (f)) >= GPOINTER_TO_UINT (data);
}

/* A round trip to the notification server on the application's connection:
 * what the application sent the server before has reached it when this
 * returns (one connection, one server thread: in order), and what the server
 * said before answering has been handled here. */
static void
sync_with_server (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) info = NULL;

  info = g_dbus_connection_call_sync (g_application_get_dbus_connection (G_APPLICATION (f->app)),
                                      "org.freedesktop.Notifications", "/org/freedesktop/Notifications",
                                      "org.freedesktop.Notifications", "GetServerInformation", NULL,
                                      G_VARIANT_TYPE ("(ssss)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Waits for a health bar reading that began after this call, then for what
 * it may have sent to reach the notification server. */
static void
settle (Fixture *f)
{
  guint generation = ttsh_health_bar_get_generation (health_bar (f));

  /* A reading under way may have started before: wait for the one after it. */
  ttsh_health_bar_refresh (health_bar (f));
  wait_for (f, generation_reached, GUINT_TO_POINTER (generation + 2), "a fresh reading");
  sync_with_server (f);
}

static gboolean
notices_reached (Fixture *f, gpointer data)
{
  return server_count (f->server) >= GPOINTER_TO_UINT (data);
}

typedef struct {
  const char        *kind;
  TtshAlarmSeverity  severity;
  const char        *message;
} Raise;

static gpointer
raise_thread (TtshEngine *engine, TtshStore *store, gpointer data, GError **error)
{
  const Raise *r = data;

  if (ttsh_alarm_raise (store, r->kind, r->severity, "", r->message, NULL, error) == 0)
    return NULL;
  _ttsh_engine_emit_changed (engine, "alarm");
  return GINT_TO_POINTER (1);
}

static void
raise_alarm (Fixture *f, const char *kind, TtshAlarmSeverity severity, const char *message)
{
  g_autoptr(GError) error = NULL;
  Raise r = { kind, severity, message };

  g_assert_nonnull (ttsh_engine_call_sync (f->engine, raise_thread, &r, &error));
  g_assert_no_error (error);
}

static gpointer
clear_thread (TtshEngine *engine, TtshStore *store, gpointer data, GError **error)
{
  if (!ttsh_alarm_clear (store, data, NULL, error))
    return NULL;
  _ttsh_engine_emit_changed (engine, "alarm");
  return GINT_TO_POINTER (1);
}

static gboolean
shown_is (Fixture *f, gpointer data)
{
  return server_shown (f->server) == GPOINTER_TO_UINT (data);
}

static gboolean
signed_in (Fixture *f, gpointer data)
{
  return ttsh_window_get_context (f->window) != NULL;
}

/* The test ------------------------------------------------------------------ */

#define LATE_MESSAGE  "Bản ghi chưa gửi quá 20 phút"
#define QUEUE_MESSAGE "3 bản ghi nằm trong hàng lỗi"

static void
check_notifications (Fixture *f)
{
  const Notice *n;

  ttsh_window_sign_in (f->window, "giamsat", PASSWORD, NULL);
  wait_for (f, signed_in, NULL, "sign-in");
  wait_for (f, has_health_bar, NULL, "the health bar");
  settle (f);
  g_assert_cmpuint (server_count (f->server), ==, 0);

  /* A new critical alarm: one notification, urgent, titled in the operator's
   * language ("TTSH alarm" in po/vi.po). */
  raise_alarm (f, TTSH_ALARM_LATE_RECORD, TTSH_ALARM_CRITICAL, LATE_MESSAGE);
  wait_for (f, notices_reached, GUINT_TO_POINTER (1), "the first notification");
  settle (f);
  g_assert_cmpuint (server_count (f->server), ==, 1);
  n = server_notice (f->server, 0);
  g_assert_cmpstr (n->title, ==, "Cảnh báo TTSH");
  g_assert_cmpstr (n->body, ==, LATE_MESSAGE);
  g_assert_cmpint (n->urgency, ==, 2);
  g_assert_cmpstr (n->desktop_entry, ==, APPLICATION_ID);
  g_assert_cmpuint (n->replaces_id, ==, 0);

  /* Still open on later readings, and raised again meanwhile: no second one. */
  raise_alarm (f, TTSH_ALARM_LATE_RECORD, TTSH_ALARM_CRITICAL, LATE_MESSAGE);
  settle (f);
  settle (f);
  g_assert_cmpuint (server_count (f->server), ==, 1);

  /* A second new alarm notifies once more, once. */
  raise_alarm (f, TTSH_ALARM_ERROR_QUEUE, TTSH_ALARM_WARNING, QUEUE_MESSAGE);
  wait_for (f, notices_reached, GUINT_TO_POINTER (2), "the second notification");
  settle (f);
  settle (f);
  g_assert_cmpuint (server_count (f->server), ==, 2);
  n = server_notice (f->server, 1);
  g_assert_cmpstr (n->title, ==, "Cảnh báo TTSH");
  g_assert_cmpstr (n->body, ==, QUEUE_MESSAGE);
  g_assert_cmpuint (n->replaces_id, ==, 0);
  /* GLib sends high priority as normal urgency, urgent as critical. */
  g_assert_cmpint (n->urgency, ==, 1);

  /* The critical alarm cleared: its notification leaves the desktop, the
   * other stays, and nothing new is sent. */
  g_assert_cmpuint (server_shown (f->server), ==, 2);
  {
    g_autoptr(GError) error = NULL;
    g_assert_nonnull (ttsh_engine_call_sync (f->engine, clear_thread, (gpointer) TTSH_ALARM_LATE_RECORD, &error));
    g_assert_no_error (error);
  }
  wait_for (f, shown_is, GUINT_TO_POINTER (1), "the cleared alarm's notification withdrawn");
  settle (f);
  g_assert_cmpuint (server_shown (f->server), ==, 1);
  g_assert_cmpuint (server_count (f->server), ==, 2);

  /* GLib's freedesktop backend holds what is on screen until the server says
   * it closed; one still held when the application goes keeps the backend
   * alive, and GLib 2.74 then frees it twice when the server leaves the bus. */
  server_dismiss_all (f->server);
  sync_with_server (f);
}

/* The window lives while the application runs, as in ttsh-console, so that
 * the application unregisters from the bus and finalizes when it returns. */
static void
on_activate (GApplication *app,
             Fixture      *f)
{
  g_assert_true (g_application_get_default () == app);
  g_assert_nonnull (g_application_get_dbus_connection (app));

  f->window = ttsh_window_new (app, f->engine);
  gtk_window_present (GTK_WINDOW (f->window));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (f->window));
  check_notifications (f);
  gtk_window_destroy (GTK_WINDOW (f->window));
}

static void
test_alarm_notifications (Fixture *f, gconstpointer data)
{
  g_signal_connect (f->app, "activate", G_CALLBACK (on_activate), f);
  g_assert_cmpint (g_application_run (G_APPLICATION (f->app), 0, NULL), ==, 0);
  g_assert_false (g_application_get_is_registered (G_APPLICATION (f->app)));
}

int
main (int argc, char **argv)
{
  GTestDBus *bus;
  g_autofree char *display = g_strdup (g_getenv ("DISPLAY"));
  int ret;

  /* A bus of the test's own, so that no desktop's notification server is
   * reached, and GLib's freedesktop backend whatever else that bus offers.
   * GTestDBus unsets DISPLAY too: Xvfb's is put back. */
  bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (bus);
  if (display != NULL)
    g_setenv ("DISPLAY", display, TRUE);
  g_setenv ("GNOTIFICATION_BACKEND", "freedesktop", TRUE);

  /* Vietnamese messages from the build's catalogue; without the vi_VN
   * locale, LANGUAGE still selects them under C.UTF-8. */
  g_setenv ("LANGUAGE", "vi", TRUE);

  g_log_set_writer_func (ttsh_test_ui_log_writer, NULL, NULL);
  gtk_test_init (&argc, &argv, NULL);

  if (setlocale (LC_MESSAGES, "vi_VN.UTF-8") == NULL)
    setlocale (LC_MESSAGES, "C.UTF-8");
  bindtextdomain (GETTEXT_PACKAGE, BUILD_ROOT "/po");
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  adw_init ();
  ttsh_renderer_init ();
  g_test_add ("/ui/notify/alarms", Fixture, NULL, setup, test_alarm_notifications, teardown);
  ret = g_test_run ();
  /* GDK's file transfer portal and libadwaita's settings keep the session
   * connection for the life of the process, and a GTestDBus waits for it to
   * go when finalized: stop the bus and leave the object to the exit. */
  g_test_dbus_stop (bus);
  return ret;
}
