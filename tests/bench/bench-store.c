/* bench-store.c — durable enqueue throughput: 100,000 outbox records through
 * ttsh_outbox_enqueue (sealed payload, ordered stream, outbox_event row), one
 * transaction per record as ingest commits them, with synchronous=FULL and
 * NORMAL; then the raw sqlite3 shell inserting rows of the same size into the
 * same schema, for comparison. Prints BENCH lines. */
#include "config.h"

#include <string.h>
#include <gio/gio.h>

#include "ttsh-outbox.h"
#include "ttsh-store.h"
#include "ttsh-test-util.h"

#define N_RECORDS 100000

static JsonObject *
sample_record (int i)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *text = g_strdup_printf (
      "{\"MaDangKy\":\"DK%06d\",\"HoTen\":\"Nguyễn Văn An\",\"NgaySinh\":\"1995-03-14\","
      "\"SoCCCD\":\"001095%06d\",\"SoBaoDanh\":\"%06d\",\"HangSatHach\":\"B\","
      "\"MaKySatHach\":\"K2026-11-23-HN01\",\"NoiDungSatHach\":\"DUONG_TRUONG\",\"LanSatHach\":1,"
      "\"SoThuTu\":%d,\"TrangThai\":\"DANG_THI\",\"ThoiGianBatDau\":\"2026-11-23T09:00:00+07:00\","
      "\"ThoiGianKetThuc\":null,\"Diem\":95,\"LyDoSatHachLai\":null,\"KetQua\":null,"
      "\"SuKien\":[{\"ThoiGian\":\"2026-11-23T09:03:12+07:00\",\"MaLoi\":\"DT05\","
      "\"MoTa\":\"Không bật đèn xi nhan khi chuyển hướng\",\"DiemTru\":5}],"
      "\"DuLieuGPS\":[{\"ThoiGian\":\"2026-11-23T09:03:12+07:00\",\"ViDo\":21.0285,\"KinhDo\":105.7713,"
      "\"TocDo\":32.5,\"Huong\":87,\"DoChinhXac\":3.5}]}", i % 1000, i, i % 1000, i / 1000 + 1);

  g_assert_true (json_parser_load_from_data (parser, text, -1, NULL));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static double
bench_engine (const char *dir, TtshStoreFlags flags, gsize *payload_size)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = g_build_filename (dir, (flags & TTSH_STORE_SYNC_NORMAL) ? "normal.db" : "full.db", NULL);
  g_autoptr(TtshStore) store = ttsh_store_open (db, flags, &error);
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  gint64 start;

  g_assert_no_error (error);
  /* Build the records first: the figure is about the store, not JSON. */
  for (int i = 0; i < N_RECORDS; i++)
    g_ptr_array_add (records, sample_record (i));
  {
    g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), g_ptr_array_index (records, 0));
    g_autofree char *text = json_to_string (node, FALSE);
    *payload_size = strlen (text);
  }

  start = g_get_monotonic_time ();
  for (int i = 0; i < N_RECORDS; i++)
    {
      g_autofree char *stream = g_strdup_printf ("K2026-11-23-HN01/DK%06d/DUONG_TRUONG", i % 1000);
      g_autofree char *code = NULL;

      if (ttsh_outbox_enqueue (store, "TTSH-HN-01", "QUA_TRINH", stream, "K2026-11-23-HN01", 0,
                               g_ptr_array_index (records, i), &code, &error) == 0)
        g_error ("enqueue %d: %s", i, error->message);
    }
  return N_RECORDS / ((g_get_monotonic_time () - start) / 1e6);
}

static double
bench_sqlite3_shell (const char *dir, const char *sync, gsize payload_size)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = g_strdup_printf ("%s/shell-%s.db", dir, sync);
  g_autoptr(TtshStore) store = ttsh_store_open (db, TTSH_STORE_NONE, &error);   /* same schema */
  g_autoptr(GString) script = g_string_new (NULL);
  g_autoptr(GSubprocess) proc = NULL;
  gint64 start;

  g_assert_no_error (error);
  g_clear_pointer (&store, ttsh_store_free);

  g_string_append_printf (script, "PRAGMA journal_mode=WAL;\nPRAGMA synchronous=%s;\n", sync);
  /* One statement per record in autocommit: one transaction each, as above.
   * The payload is a blob of the sealed size (JSON + 29 bytes of AES-GCM). */
  for (int i = 0; i < N_RECORDS; i++)
    g_string_append_printf (script,
        "INSERT INTO outbox (transaction_code, kind, stream, stream_seq, session_code, payload_sealed, "
        "payload_size, next_attempt_at, created_at, updated_at) VALUES ('TTSH-HN-01-20261123-QUA_TRINH-%08d', "
        "'QUA_TRINH', 'K2026-11-23-HN01/DK%06d/DUONG_TRUONG', %d, 'K2026-11-23-HN01', randomblob(%zu), %zu, 0, 0, 0);\n",
        i, i % 1000, i / 1000 + 1, payload_size + 29, payload_size);

  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error,
                           "sqlite3", db, NULL);
  g_assert_no_error (error);
  start = g_get_monotonic_time ();
  g_subprocess_communicate (proc, g_bytes_new_static (script->str, script->len), NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (proc));
  return N_RECORDS / ((g_get_monotonic_time () - start) / 1e6);
}

int
main (int argc, char **argv)
{
  g_autofree char *dir = ttsh_test_mkdtemp ();
  gsize payload = 0;
  double full, normal, shell_full, shell_normal;

  full = bench_engine (dir, TTSH_STORE_NONE, &payload);
  normal = bench_engine (dir, TTSH_STORE_SYNC_NORMAL, &payload);
  shell_full = bench_sqlite3_shell (dir, "FULL", payload);
  shell_normal = bench_sqlite3_shell (dir, "NORMAL", payload);

  g_print ("BENCH outbox_payload_size %zu bytes\n", payload);
  g_print ("BENCH enqueue_sync_full %.0f records/s\n", full);
  g_print ("BENCH enqueue_sync_normal %.0f records/s\n", normal);
  g_print ("BENCH sqlite3_shell_sync_full %.0f records/s\n", shell_full);
  g_print ("BENCH sqlite3_shell_sync_normal %.0f records/s\n", shell_normal);
  ttsh_test_rmdir (dir);
  return 0;
}
