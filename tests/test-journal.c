/* test-journal.c — the audit chain verifies when intact and names the first
 * broken entry after a hand edit, delete, reorder or truncation. */
#include "config.h"

#include "ttsh-journal.h"
#include "ttsh-test-util.h"

typedef struct {
  char      *dir;
  char      *db;
  TtshStore *store;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = ttsh_test_mkdtemp ();
  f->db = g_build_filename (f->dir, "ttsh.db", NULL);
  f->store = ttsh_store_open (f->db, TTSH_STORE_NONE, &error);
  g_assert_no_error (error);
  for (int i = 1; i <= 10; i++)
    {
      g_autofree char *subject = g_strdup_printf ("record-%d", i);
      g_assert_cmpint (ttsh_journal_append (f->store, "tester", TTSH_JOURNAL_RECORD_ACCEPTED,
                                            subject, "{\"x\":1}", &error), ==, i);
      g_assert_no_error (error);
    }
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->store, ttsh_store_free);
  ttsh_test_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->db);
}

/* Edit as an intruder would: drop the guard triggers first. */
static void
tamper (Fixture *f, const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_assert_true (ttsh_store_exec (f->store, "DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete", &error));
  g_assert_no_error (error);
  g_assert_true (ttsh_store_exec (f->store, sql, &error));
  g_assert_no_error (error);
}

static void
assert_broken_at (Fixture *f, gint64 expected)
{
  g_autoptr(GError) error = NULL;
  gint64 bad = -1;

  g_assert_false (ttsh_journal_verify (f->store, NULL, &bad, &error));
  g_assert_error (error, TTSH_JOURNAL_ERROR, TTSH_JOURNAL_ERROR_BROKEN);
  g_assert_cmpint (bad, ==, expected);
}

static void
test_intact (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  gint64 n = 0;

  g_assert_true (ttsh_journal_verify (f->store, &n, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 10);
}

static void
test_triggers (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (ttsh_store_exec (f->store, "UPDATE journal SET actor = 'x' WHERE seq = 3", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (ttsh_store_exec (f->store, "DELETE FROM journal WHERE seq = 3", &error));
  g_assert_nonnull (error);
}

static void
test_update (Fixture *f, gconstpointer data)
{
  tamper (f, "UPDATE journal SET detail = '{\"x\":2}' WHERE seq = 4");
  assert_broken_at (f, 4);
}

static void
test_update_rehash_without_key (Fixture *f, gconstpointer data)
{
  /* Recomputing a plain SHA-256 does not help without the installation key. */
  tamper (f, "UPDATE journal SET actor = 'mallory', hash = lower(hex(randomblob(32))) WHERE seq = 6");
  assert_broken_at (f, 6);
}

static void
test_delete (Fixture *f, gconstpointer data)
{
  tamper (f, "DELETE FROM journal WHERE seq = 5");
  assert_broken_at (f, 5);
}

static void
test_delete_tail (Fixture *f, gconstpointer data)
{
  tamper (f, "DELETE FROM journal WHERE seq >= 9");
  assert_broken_at (f, 10);
}

static void
test_reorder (Fixture *f, gconstpointer data)
{
  /* Swap entries 3 and 7 wholesale, hashes included. */
  tamper (f,
          "UPDATE journal SET seq = -3 WHERE seq = 3;"
          "UPDATE journal SET seq = 3 WHERE seq = 7;"
          "UPDATE journal SET seq = 7 WHERE seq = -3;");
  assert_broken_at (f, 3);
}

static void
test_reopen_append (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  gint64 n = 0;

  g_clear_pointer (&f->store, ttsh_store_free);
  f->store = ttsh_store_open (f->db, TTSH_STORE_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ttsh_journal_append (f->store, "tester", TTSH_JOURNAL_LOGIN, "op", NULL, &error), ==, 11);
  g_assert_true (ttsh_journal_verify (f->store, &n, NULL, &error));
  g_assert_cmpint (n, ==, 11);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, setup, fn, teardown)
  ADD ("/journal/intact", test_intact);
  ADD ("/journal/triggers", test_triggers);
  ADD ("/journal/tamper/update", test_update);
  ADD ("/journal/tamper/update-rehash", test_update_rehash_without_key);
  ADD ("/journal/tamper/delete", test_delete);
  ADD ("/journal/tamper/delete-tail", test_delete_tail);
  ADD ("/journal/tamper/reorder", test_reorder);
  ADD ("/journal/reopen-append", test_reopen_append);
  return g_test_run ();
}
