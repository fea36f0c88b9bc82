/* test-crash.c — exactly once across crashes: `ttsh-engine run` is killed
 * with SIGKILL at random moments while 5,000 records drain to a c08-sim
 * that also cuts connections after committing; then every record must be
 * in the ledger once, byte-identical, in stream order. */
#include "config.h"

#include "ttsh-outbox.h"
#include "ttsh-wire.h"
#include "ttsh-test-c08.h"

#define N_STREAMS 250
#define PER_STREAM 20
#define N_RECORDS (N_STREAMS * PER_STREAM)
#define N_KILLS 20

static void
enqueue_all (const char *db_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshStore) store = ttsh_store_open (db_path, TTSH_STORE_NONE, &error);

  g_assert_no_error (error);
  g_assert_true (ttsh_store_begin (store, &error));
  for (int i = 1; i <= PER_STREAM; i++)
    for (int s = 0; s < N_STREAMS; s++)
      {
        g_autoptr(JsonObject) o = json_object_new ();
        g_autofree char *reg = g_strdup_printf ("DK-%05d", s);
        g_autofree char *stream = ttsh_outbox_stream_key ("KSH-CRASH", reg, TTSH_CONTENT_DUONG_TRUONG);
        const char *kind = i == 1 ? TTSH_KIND_DIEM_DANH : i == PER_STREAM ? TTSH_KIND_TONG_HOP
                                                                          : TTSH_KIND_QUA_TRINH;

        json_object_set_string_member (o, TTSH_W_MA_DANG_KY, reg);
        json_object_set_string_member (o, TTSH_W_HO_TEN, "Đặng Thị Hồng Nhung");
        json_object_set_string_member (o, TTSH_W_SO_CCCD, "079190004321");
        json_object_set_string_member (o, TTSH_W_MA_KY_SAT_HACH, "KSH-CRASH");
        json_object_set_string_member (o, TTSH_W_NOI_DUNG_SAT_HACH, TTSH_CONTENT_DUONG_TRUONG);
        json_object_set_int_member (o, TTSH_W_SO_THU_TU, i);
        json_object_set_double_member (o, TTSH_W_DIEM, 100 - i * 0.5);
        g_assert_cmpint (ttsh_outbox_enqueue (store, "TTSH-HN-01", kind, stream, "KSH-CRASH", 0, o,
                                              NULL, &error), >, 0);
        g_assert_no_error (error);
      }
  g_assert_true (ttsh_store_commit (store, &error));
}

static GSubprocess *
spawn_engine (const char *config)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  GSubprocess *p;

  g_subprocess_launcher_setenv (l, "TTSH_SENDER_POLL_MS", "20", TRUE);
  g_subprocess_launcher_setenv (l, "TTSH_SENDER_BACKOFF_BASE_MS", "20", TRUE);
  g_subprocess_launcher_setenv (l, "TTSH_SENDER_BACKOFF_CAP_MS", "200", TRUE);
  g_subprocess_launcher_set_child_setup (l, test_c08_child_setup, NULL, NULL);
  test_c08_launcher_asan (l);
  p = g_subprocess_launcher_spawn (l, &error, g_getenv ("TTSH_ENGINE_BIN"), "run", "--no-server",
                                   "--config", config, NULL);
  g_assert_no_error (error);
  return p;
}

static gint64
store_int (const char *db_path,
           const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshStore) store = ttsh_store_open (db_path, TTSH_STORE_READ_ONLY, &error);
  sqlite3_stmt *stmt;
  gint64 n = -1;

  if (store == NULL)
    return -1;   /* not created yet by the first run */
  stmt = ttsh_store_prepare (store, sql, &error);
  g_assert_no_error (error);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

/* Every ledger row matches an ACCEPTED outbox row byte for byte, and a
 * stream's rows reached C08 in stream_seq order. Returns mismatches. */
static gint64
compare (const char *db_path,
         TestC08    *sim)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshStore) store = ttsh_store_open (db_path, TTSH_STORE_READ_ONLY, &error);
  g_autoptr(GHashTable) last = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  sqlite3 *ledger = NULL;
  sqlite3_stmt *ls = NULL, *os;
  gint64 bad = 0;

  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_open_v2 (sim->ledger, &ledger, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_prepare_v2 (ledger, "SELECT transaction_code, payload FROM record ORDER BY id", -1, &ls, NULL);
  os = ttsh_store_prepare (store, "SELECT id, stream, stream_seq, state FROM outbox WHERE transaction_code = ?1", &error);
  g_assert_no_error (error);
  while (sqlite3_step (ls) == SQLITE_ROW)
    {
      g_autoptr(GBytes) mine = NULL;
      gint64 seq, *prev;
      const char *stream;

      sqlite3_reset (os);
      sqlite3_bind_text (os, 1, (const char *) sqlite3_column_text (ls, 0), -1, SQLITE_TRANSIENT);
      if (sqlite3_step (os) != SQLITE_ROW)
        {
          bad++;
          continue;
        }
      stream = (const char *) sqlite3_column_text (os, 1);
      seq = sqlite3_column_int64 (os, 2);
      if (!g_str_equal ((const char *) sqlite3_column_text (os, 3), "ACCEPTED"))
        bad++;
      prev = g_hash_table_lookup (last, stream);
      if (prev != NULL && *prev >= seq)
        bad++;
      g_hash_table_insert (last, g_strdup (stream), g_memdup2 (&seq, sizeof seq));
      mine = ttsh_outbox_read_payload (store, sqlite3_column_int64 (os, 0), &error);
      g_assert_no_error (error);
      if ((gsize) sqlite3_column_bytes (ls, 1) != g_bytes_get_size (mine) ||
          memcmp (sqlite3_column_blob (ls, 1), g_bytes_get_data (mine, NULL), g_bytes_get_size (mine)) != 0)
        bad++;
    }
  sqlite3_reset (os);
  sqlite3_finalize (ls);
  sqlite3_close (ledger);
  return bad;
}

static void
test_crash_exactly_once (void)
{
  /* Latency keeps the drain longer than 20 kills on a fast, idle machine. */
  static const char *flags[] = { "--rate-drop-after=0.1", "--rate-drop-before=0.03", "--max-batch=50",
                                 "--latency-ms=40", NULL };
  g_autofree char *dir = ttsh_test_mkdtemp ();
  TestC08 *sim = test_c08_start (dir, flags);
  g_autofree char *config = test_c08_write_config (dir, sim, "batch-size=50\n");
  g_autofree char *db = g_build_filename (dir, "data", "ttsh.db", NULL);
  g_autoptr(GRand) rand = g_rand_new ();
  GSubprocess *p;
  gint64 accepted_before_final;
  int kills = 0;

  enqueue_all (db);
  g_assert_cmpint (store_int (db, "SELECT count(*) FROM outbox"), ==, N_RECORDS);

  for (kills = 0; kills < N_KILLS; kills++)
    {
      g_autoptr(GError) error = NULL;

      gint64 seen = test_c08_ledger_int (sim, "SELECT count(*) FROM record");

      p = spawn_engine (config);
      /* Random moments once this run is sending (start-up is slow under
       * sanitizers): mid-batch, between C08's commit and ours, or while
       * results are applied. */
      TEST_WAIT_UNTIL (test_c08_ledger_int (sim, "SELECT count(*) FROM record") > seen, 20000);
      g_usleep ((gulong) g_rand_int_range (rand, 0, 60) * 1000);
      g_subprocess_force_exit (p);
      g_subprocess_wait (p, NULL, &error);
      g_assert_no_error (error);
      g_assert_false (g_subprocess_get_if_exited (p));
      g_object_unref (p);
    }
  accepted_before_final = store_int (db, "SELECT count(*) FROM outbox WHERE state = 'ACCEPTED'");
  g_test_message ("%d kills; %" G_GINT64_FORMAT " accepted before the final run; ledger %" G_GINT64_FORMAT,
                  kills, accepted_before_final, test_c08_ledger_int (sim, "SELECT count(*) FROM record"));
  /* The kills must have landed while records were draining. */
  g_assert_cmpint (accepted_before_final, >, 0);
  g_assert_cmpint (accepted_before_final, <, N_RECORDS);

  p = spawn_engine (config);
  g_assert_true (TEST_WAIT_UNTIL (store_int (db, "SELECT count(*) FROM outbox WHERE state = 'ACCEPTED'") == N_RECORDS,
                                  90000));
  g_subprocess_send_signal (p, SIGTERM);
  g_subprocess_wait (p, NULL, NULL);
  g_assert_true (g_subprocess_get_if_exited (p));
  g_assert_cmpint (g_subprocess_get_exit_status (p), ==, 0);
  g_object_unref (p);

  g_assert_cmpint (test_c08_ledger_int (sim, "SELECT count(*) FROM record"), ==, N_RECORDS);
  g_assert_cmpint (test_c08_ledger_int (sim, "SELECT count(DISTINCT transaction_code) FROM record"), ==, N_RECORDS);
  g_assert_cmpint (compare (db, sim), ==, 0);
  /* Per kind: created = accepted + error + unsent, here all accepted. */
  g_assert_cmpint (store_int (db, "SELECT count(*) FROM outbox WHERE state <> 'ACCEPTED'"), ==, 0);
  g_assert_cmpint (store_int (db, "SELECT count(DISTINCT kind) FROM outbox"), ==, 3);
  /* Crashes left INFLIGHT records that were resent with the same codes. */
  g_assert_cmpint (store_int (db, "SELECT count(*) FROM outbox_event WHERE from_state = 'INFLIGHT' "
                                  "AND to_state = 'PENDING' AND message LIKE 'máy chủ khởi động lại%'"), >, 0);
  g_assert_cmpint (test_c08_counter (sim, "duplicates"), >, 0);

  test_c08_stop (sim);
  ttsh_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/crash/exactly-once", test_crash_exactly_once);
  return g_test_run ();
}
