/* console-shots.c — takes the console's screenshots for the metainfo under
 * Xvfb (import -window root): the roster, a candidate's live progress and
 * the health bar in an alarm state, in the session's language (run with
 * LANG=vi_VN.UTF-8). Usage: console-shots OUTPUT-DIR. Not a test. */
#include "config.h"

#include <locale.h>
#include <glib/gi18n.h>
#include <adwaita.h>

#include "ttsh-alarm.h"
#include "ttsh-renderer.h"
#include "ttsh-health-bar.h"
#include "ttsh-operators.h"
#include "ttsh-sessions-view.h"
#include "ttsh-status.h"
#include "ttsh-test-util.h"
#include "ttsh-window.h"
#include "test-console-fixture.h"

#define PASSWORD "mat-khau-dai-1"

static GBytes *
face (guint32 rgba)
{
  g_autoptr(GdkPixbuf) p = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 240, 320);
  gchar *buf = NULL;
  gsize len = 0;
  guchar *px = gdk_pixbuf_get_pixels (p);
  int rs = gdk_pixbuf_get_rowstride (p);

  /* A plain portrait: background, head and shoulders. */
  for (int y = 0; y < 320; y++)
    for (int x = 0; x < 240; x++)
      {
        guchar *d = px + y * rs + x * 3;
        double hx = (x - 120) / 60.0, hy = (y - 130) / 75.0, sy = (y - 330) / 110.0, sx = (x - 120) / 115.0;
        gboolean head = hx * hx + hy * hy < 1, body = sx * sx + sy * sy < 1;

        d[0] = head ? 0xe8 : body ? 0x2e : (rgba >> 24) & 0xff;
        d[1] = head ? 0xc4 : body ? 0x34 : (rgba >> 16) & 0xff;
        d[2] = head ? 0xa8 : body ? 0x40 : (rgba >> 8) & 0xff;
      }
  gdk_pixbuf_save_to_buffer (p, &buf, &len, "jpeg", NULL, "quality", "85", NULL);
  return g_bytes_new_take (buf, len);
}

static gpointer
populate (TtshEngine *engine, TtshStore *store, gpointer data, GError **error)
{
  g_autoptr(GBytes) photo = face (0x9ec3e6ff);
  static const char *contents[] = { "LY_THUYET", "MO_PHONG", "SA_HINH", "DUONG_TRUONG" };

  fixture_populate (store, 320, photo);
  ttsh_operators_add (store, "giamsat", "Trần Thị Bình", "Giám sát viên", TTSH_OPERATOR_GIAM_SAT, PASSWORD, NULL, "demo", error);
  /* A morning of a session: theory done for the first ones, yard running. */
  for (int i = 1; i <= 40; i++)
    {
      /* Scores on the fixture's 100-point scale, pass mark 80. */
      fixture_progress (store, i, contents[0], 1, 1, "KET_THUC", i % 7 == 0 ? 72 : 84 + (i * 7) % 17, 0,
                        i % 9 == 0 ? "PENDING" : "ACCEPTED");
      fixture_progress (store, i, contents[1], 1, 1, "KET_THUC", i % 5 == 0 ? 64 : 80 + (i * 3) % 21, 0, "ACCEPTED");
    }
  for (int i = 1; i <= 14; i++)
    {
      fixture_progress (store, i, contents[2], 1, 1, "BAT_DAU", 100, 0, "ACCEPTED");
      if (i % 3 != 0)
        fixture_progress (store, i, contents[2], 1, 2, "DANG_THI", 95, 5, "ACCEPTED");
      if (i % 2 == 0)
        fixture_progress (store, i, contents[2], 1, 3, "KET_THUC", i % 4 == 0 ? 75 : 90, 0, i == 10 ? "ERROR" : "ACCEPTED");
    }
  for (int i = 41; i <= 48; i++)
    fixture_set_state (store, i, contents[0], i % 4 == 0 ? "ABSENT" : "PRESENT");
  fixture_set_state (store, 49, contents[0], "CANCELLED");
  _ttsh_engine_emit_changed (engine, "candidate");
  return GINT_TO_POINTER (1);
}

static gpointer
alarm_state (TtshEngine *engine, TtshStore *store, gpointer data, GError **error)
{
  ttsh_alarm_raise (store, TTSH_ALARM_LATE_RECORD, TTSH_ALARM_CRITICAL, "",
                    "3 bản ghi chưa được C08 tiếp nhận sau 20 phút", NULL, error);
  ttsh_alarm_raise (store, TTSH_ALARM_C08_LOCKED, TTSH_ALARM_CRITICAL, "",
                    "C08 báo tài khoản bị khóa (mã -2): đã dừng gửi, liên hệ C08 để mở khóa", NULL, error);
  ttsh_store_meta_set (store, TTSH_META_C08_STATUS, "BAN", error);
  ttsh_store_meta_set (store, TTSH_META_C08_STOPPED, "-2", error);
  ttsh_store_meta_set (store, TTSH_META_C08_CLOCK_SKEW, "2400", error);
  ttsh_store_exec (store, "UPDATE outbox SET state = 'PENDING', created_at = created_at - 24 * 60 * 1000 "
                          "WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT 3)", error);
  _ttsh_engine_emit_changed (engine, "alarm");
  _ttsh_engine_emit_changed (engine, "outbox");
  return GINT_TO_POINTER (1);
}

static gpointer
healthy_state (TtshEngine *engine, TtshStore *store, gpointer data, GError **error)
{
  g_autofree char *expires = g_strdup_printf ("%" G_GINT64_FORMAT, ttsh_now_ms () + 47 * 60 * 1000);

  ttsh_store_meta_set (store, TTSH_META_C08_STATUS, "SAN_SANG", error);
  ttsh_store_meta_set (store, TTSH_META_C08_TOKEN_EXPIRES, expires, error);
  ttsh_store_meta_set (store, TTSH_META_C08_CLOCK_SKEW, "-300", error);
  ttsh_store_meta_set (store, TTSH_META_CLIENTS_CONNECTED, "3", error);
  _ttsh_engine_emit_changed (engine, "outbox");
  return GINT_TO_POINTER (1);
}

static void
spin (int ms)
{
  gint64 until = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
}

static void
shot (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  const char *argv[] = { "import", "-window", "root", path, NULL };
  g_autoptr(GError) error = NULL;
  int status = 0;

  spin (300);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status, &error);
  if (error != NULL || status != 0)
    g_printerr ("import failed for %s\n", path);
  else
    g_print ("%s\n", path);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL, *conf = NULL;
  g_autoptr(TtshEngine) engine = NULL;
  g_autoptr(GtkCssProvider) css = NULL;
  TtshWindow *window;
  GtkWidget *page;

  if (argc != 2)
    {
      g_printerr ("usage: console-shots OUTPUT-DIR\n");
      return 2;
    }
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, BUILD_ROOT "/po");
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  gtk_init ();
  adw_init ();
  ttsh_renderer_init ();
  css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (css, "/vn/ttsh/Console/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  dir = ttsh_test_mkdtemp ();
  conf = ttsh_test_write_config (dir, NULL);
  engine = ttsh_engine_new (ttsh_config_load (conf, &error), TTSH_ENGINE_NO_SENDER | TTSH_ENGINE_NO_SERVER);
  g_assert_no_error (error);
  g_assert_true (ttsh_engine_start (engine, &error));
  ttsh_engine_call_sync (engine, populate, NULL, &error);
  ttsh_engine_call_sync (engine, healthy_state, NULL, &error);
  g_assert_no_error (error);

  window = ttsh_window_new (NULL, engine);
  gtk_window_maximize (GTK_WINDOW (window));
  gtk_window_present (GTK_WINDOW (window));
  spin (500);
  ttsh_window_sign_in (window, "giamsat", PASSWORD, NULL);
  spin (3000);
  shot (argv[1], "roster.png");

  page = adw_view_stack_get_child_by_name (ttsh_window_get_views (window), "sessions");
  ttsh_sessions_view_select_number (TTSH_SESSIONS_VIEW (page), "00010");
  spin (2000);
  shot (argv[1], "candidate.png");

  ttsh_context_set_selected_candidate_id (ttsh_window_get_context (window), 0);
  ttsh_engine_call_sync (engine, alarm_state, NULL, &error);
  spin (2500);

  shot (argv[1], "health-alarm.png");

  gtk_window_destroy (GTK_WINDOW (window));
  spin (300);
  ttsh_engine_stop (engine);
  ttsh_test_rmdir (dir);
  return 0;
}
