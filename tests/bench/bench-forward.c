/* bench-forward.c — forwarding throughput and latency against c08-sim on
 * loopback: a sustained live load (records/s, enqueue→accepted p50/p99),
 * then a 100,000-record backlog drained after an outage. */
#include "config.h"

#include "ttsh-engine.h"
#include "ttsh-outbox.h"
#include "ttsh-sender.h"
#include "ttsh-wire.h"
#include "ttsh-test-c08.h"

#define LIVE_RATE     2500      /* records/s offered */
#define LIVE_SECONDS  8
#define TICK_MS       20
#define BACKLOG       100000
#define STREAMS       500

typedef struct {
  int first;
  int count;
  const char *prefix;
} Chunk;

static JsonObject *
make_record (const char *reg, int seq)
{
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, TTSH_W_MA_DANG_KY, reg);
  json_object_set_string_member (o, TTSH_W_HO_TEN, "Nguyễn Thị Minh Khai");
  json_object_set_string_member (o, TTSH_W_NGAY_SINH, "1995-02-03");
  json_object_set_string_member (o, TTSH_W_SO_CCCD, "001195012345");
  json_object_set_string_member (o, TTSH_W_SO_BAO_DANH, "0107");
  json_object_set_string_member (o, TTSH_W_HANG_SAT_HACH, "B");
  json_object_set_string_member (o, TTSH_W_MA_KY_SAT_HACH, "KSH-BENCH");
  json_object_set_string_member (o, TTSH_W_NOI_DUNG_SAT_HACH, TTSH_CONTENT_DUONG_TRUONG);
  json_object_set_int_member (o, TTSH_W_LAN_SAT_HACH, 1);
  json_object_set_int_member (o, TTSH_W_SO_THU_TU, seq);
  json_object_set_string_member (o, TTSH_W_TRANG_THAI, "DANG_THI");
  json_object_set_double_member (o, TTSH_W_DIEM, 90);
  return o;
}

static gboolean
enqueue_chunk (TtshStore *store, Chunk *c, GError **error)
{
  if (!ttsh_store_begin (store, error))
    return FALSE;
  for (int i = c->first; i < c->first + c->count; i++)
    {
      g_autofree char *reg = g_strdup_printf ("%s-%04d", c->prefix, i % STREAMS);
      g_autofree char *stream = ttsh_outbox_stream_key ("KSH-BENCH", reg, TTSH_CONTENT_DUONG_TRUONG);
      g_autoptr(JsonObject) o = make_record (reg, i / STREAMS + 1);

      if (ttsh_outbox_enqueue (store, "TTSH-HN-01", TTSH_KIND_QUA_TRINH, stream, "KSH-BENCH", 0, o,
                               NULL, error) == 0)
        {
          ttsh_store_rollback (store);
          return FALSE;
        }
    }
  return ttsh_store_commit (store, error);
}

static gpointer
do_enqueue (TtshEngine *engine, TtshStore *store, gpointer data, GError **error)
{
  if (!enqueue_chunk (store, data, error))
    return NULL;
  ttsh_sender_wake (engine);
  return GINT_TO_POINTER (1);
}

static gint64
store_int (TtshStore *store, const char *sql)
{
  sqlite3_stmt *stmt = ttsh_store_prepare (store, sql, NULL);
  gint64 n = -1;

  if (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  if (stmt)
    sqlite3_reset (stmt);
  return n;
}

static gpointer
do_count (TtshEngine *engine, TtshStore *store, gpointer data, GError **error)
{
  gint64 *n = g_new (gint64, 1);
  *n = store_int (store, data);
  return n;
}

static gint64
engine_int (TtshEngine *engine, const char *sql)
{
  g_autofree gint64 *n = ttsh_engine_call_sync (engine, do_count, (gpointer) sql, NULL);
  return n ? *n : -1;
}

static int
cmp_i64 (const void *a, const void *b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

static gpointer
do_latencies (TtshEngine *engine, TtshStore *store, gpointer data, GError **error)
{
  GArray *lat = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt = ttsh_store_prepare (store,
      "SELECT accepted_at - created_at FROM outbox WHERE state = 'ACCEPTED' AND stream LIKE 'KSH-BENCH/L-%'", error);

  while (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 v = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (lat, v);
    }
  if (stmt)
    sqlite3_reset (stmt);
  return lat;
}

static TtshEngine *
start_engine (const char *config_path)
{
  g_autoptr(GError) error = NULL;
  TtshConfig *config = ttsh_config_load (config_path, &error);
  TtshEngine *engine;

  g_assert_no_error (error);
  engine = ttsh_engine_new (config, TTSH_ENGINE_NO_SERVER);
  g_assert_true (ttsh_engine_start (engine, &error));
  g_assert_no_error (error);
  return engine;
}

int
main (int argc, char **argv)
{
  g_autofree char *dir = NULL, *config = NULL, *db = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) lat = NULL;
  TestC08 *sim;
  TtshEngine *engine;
  gint64 t0, t1, per_tick = LIVE_RATE * TICK_MS / 1000;
  /* Smaller runs for profiling: BENCH_FORWARD_SCALE=0.1 */
  double scale = g_getenv ("BENCH_FORWARD_SCALE") ? g_ascii_strtod (g_getenv ("BENCH_FORWARD_SCALE"), NULL) : 1.0;
  gint64 n_live = (gint64) (LIVE_RATE * LIVE_SECONDS * scale) / per_tick * per_tick;
  int backlog = (int) (BACKLOG * scale);

  g_test_init (&argc, &argv, NULL);
  dir = ttsh_test_mkdtemp ();
  sim = test_c08_start (dir, NULL);
  config = test_c08_write_config (dir, sim, NULL);
  db = g_build_filename (dir, "data", "ttsh.db", NULL);

  /* Live load: enqueue in small transactions at a steady rate, as the
   * TTSH API does when exam programs stream process records. */
  engine = start_engine (config);
  t0 = g_get_monotonic_time ();
  for (gint64 sent = 0; sent < n_live; sent += per_tick)
    {
      Chunk c = { (int) sent, (int) per_tick, "L" };
      gint64 due = t0 + (sent / per_tick + 1) * TICK_MS * 1000;

      g_assert_nonnull (ttsh_engine_call_sync (engine, do_enqueue, &c, &error));
      g_assert_no_error (error);
      if (g_get_monotonic_time () < due)
        g_usleep ((gulong) (due - g_get_monotonic_time ()));
    }
  while (engine_int (engine, "SELECT count(*) FROM outbox WHERE state <> 'ACCEPTED'") > 0)
    g_usleep (10 * 1000);
  t1 = g_get_monotonic_time ();
  lat = ttsh_engine_call_sync (engine, do_latencies, NULL, NULL);
  g_array_sort (lat, cmp_i64);
  g_print ("BENCH forward_live_offered %d records/s\n", LIVE_RATE);
  g_print ("BENCH forward_live_throughput %.0f records/s\n", n_live / ((t1 - t0) / 1e6));
  g_print ("BENCH forward_latency_p50 %" G_GINT64_FORMAT " ms\n", g_array_index (lat, gint64, lat->len / 2));
  g_print ("BENCH forward_latency_p99 %" G_GINT64_FORMAT " ms\n", g_array_index (lat, gint64, lat->len * 99 / 100));
  g_print ("BENCH forward_journal_entries_per_record %.2f\n",
           (double) engine_int (engine, "SELECT count(*) FROM journal WHERE action = 'RECORD_SENT'") / n_live);
  ttsh_engine_stop (engine);
  g_object_unref (engine);

  /* Outage: a backlog piles up with the engine down, then drains. */
  {
    g_autoptr(TtshStore) store = ttsh_store_open (db, TTSH_STORE_NONE, &error);
    Chunk c = { 0, backlog, "B" };
    g_assert_no_error (error);
    t0 = g_get_monotonic_time ();
    g_assert_true (enqueue_chunk (store, &c, &error));
    t1 = g_get_monotonic_time ();
    g_print ("BENCH enqueue_one_transaction %.0f records/s\n", backlog / ((t1 - t0) / 1e6));
  }
  engine = start_engine (config);
  t0 = g_get_monotonic_time ();
  while (engine_int (engine, "SELECT count(*) FROM outbox WHERE state <> 'ACCEPTED'") > 0)
    g_usleep (50 * 1000);
  t1 = g_get_monotonic_time ();
  g_print ("BENCH backlog_%dk_drain %.1f s\n", backlog / 1000, (t1 - t0) / 1e6);
  g_print ("BENCH backlog_drain_rate %.0f records/s\n", backlog / ((t1 - t0) / 1e6));
  g_assert_cmpint (test_c08_ledger_int (sim, "SELECT count(*) FROM record"), ==, n_live + backlog);
  ttsh_engine_stop (engine);
  g_object_unref (engine);

  test_c08_stop (sim);
  ttsh_test_rmdir (dir);
  return 0;
}
