/* ttsh-test-c08.h — runs c08-sim as a subprocess on a free loopback port for
 * the sender's integration tests, drives its /__control endpoint and reads
 * its ledger; writes an engine configuration that points at it. */
#pragma once

#include <signal.h>
#include <sys/prctl.h>
#include <string.h>
#include <libsoup/soup.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "ttsh-test-util.h"

typedef struct {
  char          *dir;        /* the sim's folder: certs, ledger, password */
  char          *base_url;   /* https://127.0.0.1:PORT/api/v1 */
  char          *control_url;
  char          *ledger;
  char          *ca;
  GSubprocess   *proc;
  SoupSession   *soup;
} TestC08;

/* Certificates once per test binary: make-certs is idempotent per folder. */
static inline const char *
test_c08_certs (void)
{
  static char *dir;
  if (dir == NULL)
    {
      g_autofree char *cmd = NULL;
      dir = g_build_filename (g_get_tmp_dir (), "ttsh-test-certs", NULL);
      cmd = g_strdup_printf ("'%s/build-aux/make-certs' '%s'", SOURCE_ROOT, dir);
      g_assert_cmpint (system (cmd), ==, 0);
    }
  return dir;
}

/* LeakSanitizer (clang 14) crashes at exit walking the dynamic TLS of
 * threads that ran GnuTLS handshakes, unless __tls_get_addr is left alone.
 * Flags given in ASAN_OPTIONS still win over these defaults. */
const char *__asan_default_options (void);
const char *
__asan_default_options (void)
{
  return "intercept_tls_get_addr=0";
}

/* The same for the sanitized programs the tests start. */
static inline void
test_c08_launcher_asan (GSubprocessLauncher *launcher)
{
  const char *asan = g_getenv ("ASAN_OPTIONS");
  g_autofree char *opts = NULL;

  if (asan == NULL)
    return;
  opts = g_strconcat (asan, ":intercept_tls_get_addr=0", NULL);
  g_subprocess_launcher_setenv (launcher, "ASAN_OPTIONS", opts, TRUE);
}

/* A test that fails mid-way must not leave a simulator behind. */
static inline void
test_c08_child_setup (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* Starts c08-sim with the centre TTSH-HN-01 and account ttsh-hn-01 whose
 * password is "secret-password" (what ttsh_test_write_config writes).
 * @extra: NULL-terminated extra flags. */
static inline TestC08 *
test_c08_start (const char         *dir,
                const char * const *extra)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *pass = g_build_filename (dir, "sim.pass", NULL);
  g_autofree char *line = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  const char *bin = g_getenv ("C08_SIM_BIN");
  const char *certs = test_c08_certs ();
  TestC08 *sim = g_new0 (TestC08, 1);
  const char *p;

  g_assert_nonnull (bin);
  sim->dir = g_strdup (dir);
  sim->ledger = g_build_filename (dir, "ledger.db", NULL);
  sim->ca = g_build_filename (certs, "ca.pem", NULL);
  g_file_set_contents (pass, "secret-password\n", -1, &error);
  g_assert_no_error (error);

  g_ptr_array_add (argv, g_strdup (bin));
  g_ptr_array_add (argv, g_strdup ("--listen=127.0.0.1:0"));
  g_ptr_array_add (argv, g_strdup_printf ("--tls-cert=%s/c08.pem", certs));
  g_ptr_array_add (argv, g_strdup_printf ("--tls-key=%s/c08.key", certs));
  g_ptr_array_add (argv, g_strdup_printf ("--ledger=%s", sim->ledger));
  g_ptr_array_add (argv, g_strdup_printf ("--account=ttsh-hn-01:%s", pass));
  g_ptr_array_add (argv, g_strdup ("--centre=TTSH-HN-01"));
  for (guint i = 0; extra && extra[i]; i++)
    g_ptr_array_add (argv, g_strdup (extra[i]));
  g_ptr_array_add (argv, NULL);

  {
    g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
    g_subprocess_launcher_set_child_setup (launcher, test_c08_child_setup, NULL, NULL);
    /* Nobody reads its stdout after the first line: keep it quiet. */
    g_subprocess_launcher_unsetenv (launcher, "G_MESSAGES_DEBUG");
    test_c08_launcher_asan (launcher);
    sim->proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  }
  g_assert_no_error (error);
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (sim->proc));
  /* Debug output (G_MESSAGES_DEBUG) may come first on stdout. */
  do
    {
      g_free (line);
      line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (line);
    }
  while (!g_str_has_prefix (line, "c08-sim listening on "));
  p = strstr (line, "https://");
  g_assert_nonnull (p);
  sim->base_url = g_strdup (p);
  {
    const char *slash = strstr (p + 8, "/");
    sim->control_url = g_strdup_printf ("%.*s/__control", (int) (slash - p), p);
  }
  sim->soup = soup_session_new ();
  {
    g_autoptr(GTlsDatabase) db = g_tls_file_database_new (sim->ca, &error);
    g_assert_no_error (error);
    soup_session_set_tls_database (sim->soup, db);
  }
  return sim;
}

/* Posts @json to /__control and returns the sim's state (DuLieu). */
static inline JsonObject *
test_c08_control (TestC08    *sim,
                  const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", sim->control_url);
  g_autoptr(GBytes) body = g_bytes_new (json, strlen (json));
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *env;

  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  reply = soup_session_send_and_read (sim->soup, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (reply, NULL),
                                             (gssize) g_bytes_get_size (reply), &error));
  env = json_node_get_object (json_parser_get_root (parser));
  return json_object_ref (json_object_get_object_member (env, "DuLieu"));
}

static inline gint64
test_c08_counter (TestC08    *sim,
                  const char *name)
{
  g_autoptr(JsonObject) st = test_c08_control (sim, "{}");
  return json_object_get_int_member (st, name);
}

static inline void
test_c08_stop (TestC08 *sim)
{
  g_autoptr(GError) error = NULL;

  if (sim == NULL)
    return;
  g_subprocess_send_signal (sim->proc, SIGTERM);
  g_subprocess_wait (sim->proc, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&sim->proc);
  g_clear_object (&sim->soup);
  g_free (sim->dir);
  g_free (sim->base_url);
  g_free (sim->control_url);
  g_free (sim->ledger);
  g_free (sim->ca);
  g_free (sim);
}

/* One integer from the ledger (read-only, WAL lets us read while it runs). */
static inline gint64
test_c08_ledger_int (TestC08    *sim,
                     const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 n = -1;

  g_assert_cmpint (sqlite3_open_v2 (sim->ledger, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

/* An engine configuration aimed at @sim; @extra_c08 adds [c08] keys. */
static inline char *
test_c08_write_config (const char *dir,
                       TestC08    *sim,
                       const char *extra_c08)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pass = g_build_filename (dir, "c08.pass", NULL);
  char *path = g_build_filename (dir, "ttsh.conf", NULL);
  g_autofree char *text = g_strdup_printf (
      "[centre]\ncode=TTSH-HN-01\nname=Trung tâm sát hạch lái xe Hà Nội 1\n"
      "[c08]\nbase-url=%s\nusername=ttsh-hn-01\npassword-file=c08.pass\nca-file=%s\n"
      "timeout=10\nbatch-size=100\n%s"
      "[storage]\ndatabase=data/ttsh.db\n",
      sim->base_url, sim->ca, extra_c08 ? extra_c08 : "");

  g_file_set_contents (pass, "secret-password\n", -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}

/* Waits until @cond (evaluated by the caller's closure) holds, up to
 * @timeout_ms; returns whether it did. */
#define TEST_WAIT_UNTIL(cond, timeout_ms)                                   \
  ({                                                                        \
    gint64 _end = g_get_monotonic_time () + (gint64) (timeout_ms) * 1000;   \
    gboolean _ok = FALSE;                                                   \
    while (!(_ok = (cond)) && g_get_monotonic_time () < _end)               \
      g_usleep (20 * 1000);                                                 \
    _ok;                                                                    \
  })
