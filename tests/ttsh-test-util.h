/* ttsh-test-util.h — helpers shared by the tests: temporary folders and a
 * complete configuration file pointing into them. */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>

#include "ttsh-store.h"

/* A fresh folder under the test's tmp dir, removed by the caller with
 * ttsh_test_rmdir(). */
static inline gboolean
ttsh_test_time_up (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the default main context for @ms, blocking between events; a timeout
 * wakes it even when nothing else is pending. */
static inline void
ttsh_test_run_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, ttsh_test_time_up, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* Runs the default main context until @cond holds or @timeout_s passed;
 * returns whether it holds. */
static inline gboolean
ttsh_test_run_until (gboolean (*cond) (gpointer),
                     gpointer   data,
                     guint      timeout_s)
{
  gboolean done = FALSE;
  guint id = g_timeout_add_seconds (timeout_s, ttsh_test_time_up, &done);

  while (!cond (data) && !done)
    g_main_context_iteration (NULL, TRUE);
  if (!done)
    g_source_remove (id);
  return cond (data);
}

static inline char *
ttsh_test_mkdtemp (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("ttsh-test-XXXXXX", &error);
  g_assert_no_error (error);
  return dir;
}

static inline void
ttsh_test_rmdir (const char *path)
{
  g_autofree char *cmd = NULL;
  if (path == NULL || !g_str_has_prefix (path, g_get_tmp_dir ()))
    return;
  cmd = g_strdup_printf ("rm -rf '%s'", path);
  g_assert_cmpint (system (cmd), ==, 0);
}

/* Writes dir/ttsh.conf with the given extra text appended, returns its path. */
static inline char *
ttsh_test_write_config (const char *dir,
                        const char *extra)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pass = g_build_filename (dir, "c08.pass", NULL);
  char *path = g_build_filename (dir, "ttsh.conf", NULL);
  g_autofree char *text = g_strdup_printf (
      "[centre]\ncode=TTSH-HN-01\nname=Trung tâm sát hạch lái xe Hà Nội 1\n"
      "[c08]\nbase-url=https://127.0.0.1:18443/api/v1\nusername=ttsh-hn-01\n"
      "password-file=c08.pass\ntimeout=75\nbatch-size=100\n"
      "[storage]\ndatabase=data/ttsh.db\n%s", extra ? extra : "");

  g_file_set_contents (pass, "secret-password\n", -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}

/* A fresh store in a fresh folder (*dir), for unit-test fixtures. */
static inline TtshStore *
ttsh_test_store_open (char **dir)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = NULL;
  TtshStore *store;

  *dir = ttsh_test_mkdtemp ();
  db = g_build_filename (*dir, "ttsh.db", NULL);
  store = ttsh_store_open (db, TTSH_STORE_NONE, &error);
  g_assert_no_error (error);
  return store;
}

/* Closes what ttsh_test_store_open() made and removes its folder. */
static inline void
ttsh_test_store_close (TtshStore **store,
                       char      **dir)
{
  g_clear_pointer (store, ttsh_store_free);
  ttsh_test_rmdir (*dir);
  g_clear_pointer (dir, g_free);
}
