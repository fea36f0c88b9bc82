/* test-outbox.c — enqueue makes one durable, sealed, ordered outbox row with
 * its first event, inside the caller's transaction or its own; codes follow
 * the contract and never repeat. */
#include "config.h"

#include <string.h>

#include "ttsh-outbox.h"
#include "ttsh-wire.h"
#include "ttsh-test-util.h"

typedef struct {
  char      *dir;
  TtshStore *store;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  f->store = ttsh_test_store_open (&f->dir);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  ttsh_test_store_close (&f->store, &f->dir);
}

static JsonObject *
make_record (const char *name, int seq)
{
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, TTSH_W_MA_DANG_KY, "DK-0001");
  json_object_set_string_member (o, TTSH_W_HO_TEN, name);
  json_object_set_string_member (o, TTSH_W_SO_CCCD, "001099012345");
  json_object_set_int_member (o, TTSH_W_SO_THU_TU, seq);
  json_object_set_double_member (o, TTSH_W_DIEM, 92.5);
  return o;
}

static gint64
count (Fixture *f, const char *sql)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt = ttsh_store_prepare (f->store, sql, &error);
  gint64 n;

  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

static gboolean
code_valid (const char *code)
{
  g_autoptr(GRegex) re = g_regex_new ("^[A-Za-z0-9._:-]{1,64}$", 0, 0, NULL);
  return g_regex_match (re, code, 0, NULL);
}

static void
test_enqueue_own_transaction (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) rec = make_record ("Nguyễn Văn An", 1);
  g_autofree char *code = NULL;
  g_autofree char *stream = ttsh_outbox_stream_key ("KSH-2026-11-001", "DK-0001", TTSH_CONTENT_SA_HINH);
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GList) members = NULL;
  JsonObject *sent;
  sqlite3_stmt *stmt;
  gint64 id;

  g_assert_cmpstr (stream, ==, "KSH-2026-11-001/DK-0001/SA_HINH");
  id = ttsh_outbox_enqueue (f->store, "TTSH-HN-01", TTSH_KIND_QUA_TRINH, stream,
                            "KSH-2026-11-001", 0, rec, &code, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  g_assert_nonnull (code);
  g_assert_true (code_valid (code));
  g_assert_true (g_str_has_prefix (code, "TTSH-HN-01-20"));
  g_assert_nonnull (strstr (code, "-QUA_TRINH-"));

  /* The payload is the record with the code as its first member. */
  payload = ttsh_outbox_read_payload (f->store, id, &error);
  g_assert_no_error (error);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (payload, NULL),
                                             (gssize) g_bytes_get_size (payload), &error));
  sent = json_node_get_object (json_parser_get_root (parser));
  members = json_object_get_members (sent);
  g_assert_cmpstr (members->data, ==, TTSH_W_TRANSACTION_CODE);
  g_assert_cmpstr (json_object_get_string_member (sent, TTSH_W_TRANSACTION_CODE), ==, code);
  g_assert_cmpstr (json_object_get_string_member (sent, TTSH_W_HO_TEN), ==, "Nguyễn Văn An");
  g_assert_cmpint (json_object_get_int_member (sent, TTSH_W_SO_THU_TU), ==, 1);
  g_assert_cmpuint (g_list_length (members), ==, 6);
  /* The caller's object is left as it was. */
  g_assert_false (json_object_has_member (rec, TTSH_W_TRANSACTION_CODE));

  stmt = ttsh_store_prepare (f->store,
      "SELECT transaction_code, kind, stream, stream_seq, session_code, candidate_id, state, "
      "payload_size, attempts, next_attempt_at <= created_at, instr(payload_sealed, 'Nguy') "
      "FROM outbox WHERE id = ?1", &error);
  g_assert_no_error (error);
  sqlite3_bind_int64 (stmt, 1, id);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, code);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 1), ==, TTSH_KIND_QUA_TRINH);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 2), ==, stream);
  g_assert_cmpint (sqlite3_column_int64 (stmt, 3), ==, 1);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 4), ==, "KSH-2026-11-001");
  g_assert_cmpint (sqlite3_column_type (stmt, 5), ==, SQLITE_NULL);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 6), ==, "PENDING");
  g_assert_cmpint (sqlite3_column_int64 (stmt, 7), ==, (gint64) g_bytes_get_size (payload));
  g_assert_cmpint (sqlite3_column_int64 (stmt, 8), ==, 0);
  g_assert_cmpint (sqlite3_column_int64 (stmt, 9), ==, 1);
  /* Sealed at rest: the clear name is not in the blob. */
  g_assert_cmpint (sqlite3_column_int64 (stmt, 10), ==, 0);
  sqlite3_reset (stmt);

  g_assert_cmpint (count (f, "SELECT count(*) FROM outbox_event WHERE from_state IS NULL "
                             "AND to_state = 'PENDING'"), ==, 1);
}

static void
test_enqueue_stream_order (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  for (int i = 1; i <= 5; i++)
    for (int s = 0; s < 3; s++)
      {
        g_autoptr(JsonObject) rec = make_record ("Trần Thị Bình", i);
        g_autofree char *stream = g_strdup_printf ("KSH-1/DK-%d/LY_THUYET", s);
        g_assert_cmpint (ttsh_outbox_enqueue (f->store, "TTSH-HN-01", TTSH_KIND_DIEM_DANH, stream,
                                              "KSH-1", 0, rec, NULL, &error), >, 0);
        g_assert_no_error (error);
      }
  /* Each stream numbered 1..5 in enqueue order, with no gap. */
  g_assert_cmpint (count (f, "SELECT count(*) FROM outbox"), ==, 15);
  g_assert_cmpint (count (f, "SELECT count(DISTINCT stream) FROM outbox"), ==, 3);
  g_assert_cmpint (count (f, "SELECT count(*) FROM (SELECT stream, min(stream_seq) AS lo, "
                             "max(stream_seq) AS hi, count(*) AS n FROM outbox GROUP BY stream) "
                             "WHERE lo = 1 AND hi = 5 AND n = 5"), ==, 3);
  g_assert_cmpint (count (f, "SELECT count(*) FROM outbox a JOIN outbox b ON a.stream = b.stream "
                             "AND a.id < b.id AND a.stream_seq > b.stream_seq"), ==, 0);
}

static void
test_enqueue_in_caller_transaction (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) rec = make_record ("Lê Văn Cường", 1);
  gint64 id;

  /* Rolled back with the caller: nothing left behind. */
  g_assert_true (ttsh_store_begin (f->store, &error));
  id = ttsh_outbox_enqueue (f->store, "TTSH-HN-01", TTSH_KIND_DIEM_DANH, "KSH-1/DK-1/SA_HINH",
                            "KSH-1", 0, rec, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  /* Still the caller's transaction: enqueue did not commit it. */
  g_assert_false (sqlite3_get_autocommit (ttsh_store_db (f->store)));
  ttsh_store_rollback (f->store);
  g_assert_cmpint (count (f, "SELECT count(*) FROM outbox"), ==, 0);
  g_assert_cmpint (count (f, "SELECT count(*) FROM outbox_event"), ==, 0);

  g_assert_true (ttsh_store_begin (f->store, &error));
  id = ttsh_outbox_enqueue (f->store, "TTSH-HN-01", TTSH_KIND_DIEM_DANH, "KSH-1/DK-1/SA_HINH",
                            "KSH-1", 0, rec, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ttsh_store_commit (f->store, &error));
  g_assert_cmpint (count (f, "SELECT count(*) FROM outbox"), ==, 1);
  g_assert_cmpint (count (f, "SELECT count(*) FROM outbox_event"), ==, 1);
}

static void
test_enqueue_refuses (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) rec = make_record ("Phạm Thị Dung", 1);
  char *code = NULL;

  g_assert_cmpint (ttsh_outbox_enqueue (f->store, "TTSH-HN-01", "KET_QUA", "s", NULL, 0, rec,
                                        &code, &error), ==, 0);
  g_assert_error (error, TTSH_STORE_ERROR, TTSH_STORE_ERROR_CONSTRAINT);
  g_assert_null (code);
  g_clear_error (&error);

  json_object_set_string_member (rec, TTSH_W_TRANSACTION_CODE, "X-1");
  g_assert_cmpint (ttsh_outbox_enqueue (f->store, "TTSH-HN-01", TTSH_KIND_TONG_HOP, "s", NULL, 0,
                                        rec, &code, &error), ==, 0);
  g_assert_error (error, TTSH_STORE_ERROR, TTSH_STORE_ERROR_CONSTRAINT);
  g_assert_null (code);
  g_clear_error (&error);

  /* A candidate that does not exist breaks the foreign key: no row. */
  json_object_remove_member (rec, TTSH_W_TRANSACTION_CODE);
  g_assert_cmpint (ttsh_outbox_enqueue (f->store, "TTSH-HN-01", TTSH_KIND_TONG_HOP, "s", NULL, 4242,
                                        rec, &code, &error), ==, 0);
  g_assert_nonnull (error);
  g_assert_null (code);
  g_assert_cmpint (count (f, "SELECT count(*) FROM outbox"), ==, 0);
  g_assert_cmpint (count (f, "SELECT count(*) FROM outbox_event"), ==, 0);
  g_assert_true (sqlite3_get_autocommit (ttsh_store_db (f->store)));
}

static void
test_transaction_codes (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *prev = NULL;
  g_autofree char *longc = NULL;

  for (int i = 0; i < 20000; i++)
    {
      char *code = ttsh_outbox_new_transaction_code ("TTSH-HN-01", TTSH_KIND_HUY_KET_QUA);
      g_assert_true (code_valid (code));
      g_assert_false (g_hash_table_contains (seen, code));
      /* Monotonic within this process. */
      if (prev != NULL)
        g_assert_cmpstr (prev, <, code);
      g_free (prev);
      prev = g_strdup (code);
      g_hash_table_add (seen, code);
    }

  /* A long centre code with odd characters still gives a valid code. */
  longc = ttsh_outbox_new_transaction_code ("TRUNG TÂM SÁT HẠCH LÁI XE SỐ 1 THÀNH PHỐ HÀ NỘI",
                                            TTSH_KIND_HUY_KET_QUA);
  g_assert_true (code_valid (longc));
  g_assert_cmpuint (strlen (longc), ==, 64);
}

static void
test_states (void)
{
  TtshOutboxState st;

  for (int s = TTSH_OUTBOX_PENDING; s <= TTSH_OUTBOX_ERROR; s++)
    {
      g_assert_true (ttsh_outbox_state_from_string (ttsh_outbox_state_to_string (s), &st));
      g_assert_cmpint (st, ==, s);
    }
  g_assert_false (ttsh_outbox_state_from_string ("DONE", &st));
  g_assert_false (ttsh_outbox_state_from_string (NULL, &st));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/outbox/enqueue/own-transaction", Fixture, NULL, setup, test_enqueue_own_transaction, teardown);
  g_test_add ("/outbox/enqueue/stream-order", Fixture, NULL, setup, test_enqueue_stream_order, teardown);
  g_test_add ("/outbox/enqueue/caller-transaction", Fixture, NULL, setup, test_enqueue_in_caller_transaction, teardown);
  g_test_add ("/outbox/enqueue/refuses", Fixture, NULL, setup, test_enqueue_refuses, teardown);
  g_test_add_func ("/outbox/transaction-codes", test_transaction_codes);
  g_test_add_func ("/outbox/states", test_states);
  return g_test_run ();
}
