/* fuzz-ingest.c — libFuzzer harness for everything the API server does with
 * a request body: bounded JSON parsing, then the exam-session push, the
 * three upload batches and statistics against a real store holding a
 * session. The first byte picks the endpoint. Nothing may crash, leak or
 * leave a transaction open. */
#include "config.h"

#include <string.h>

#include "exam-sim-data.h"
#include "ttsh-clients.h"
#include "ttsh-ingest.h"
#include "ttsh-validate.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static TtshStore *store;
static gint64 client_ids[4];
static const char *const names[4] = { "c08", "ly-thuyet", "sa-hinh", "duong-truong" };
static const char *const roles[4] = { "C08_PUSH", "EXAM_LY_THUYET", "EXAM_SA_HINH", "EXAM_DUONG_TRUONG" };

static void
setup (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ttsh-fuzz-XXXXXX", &error);
  g_autofree char *db = g_build_filename (dir, "ttsh.db", NULL);
  g_autoptr(JsonNode) session = exam_sim_make_session ("K-FUZZ", "TTSH-HN-01", 4, 1);
  TtshIngestReply r = { 0 };
  TtshIngestClient c08;

  store = ttsh_store_open (db, TTSH_STORE_SYNC_NORMAL, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 4; i++)
    {
      sqlite3_stmt *stmt;
      ttsh_clients_add (store, names[i], roles[i], "fuzz-password-1", "fuzz", &error);
      g_assert_no_error (error);
      stmt = ttsh_store_prepare (store, "SELECT id FROM api_client WHERE name = ?1", &error);
      sqlite3_bind_text (stmt, 1, names[i], -1, SQLITE_STATIC);
      g_assert (sqlite3_step (stmt) == SQLITE_ROW);
      client_ids[i] = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
    }
  c08 = (TtshIngestClient) { client_ids[0], names[0], roles[0] };
  ttsh_ingest_session (store, "TTSH-HN-01", &c08, session, &r);
  g_assert (r.code == 1);
  ttsh_ingest_reply_clear (&r);
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  TtshIngestReply r = { 0 };
  TtshIngestClient client;
  int which;

  if (store == NULL)
    setup ();
  if (size < 1)
    return 0;
  which = data[0] % 8;
  node = ttsh_json_parse_bounded ((const char *) data + 1, size - 1, TTSH_JSON_MAX_DEPTH, &error);
  if (node == NULL)
    return 0;
  client = (TtshIngestClient) { client_ids[which % 4], names[which % 4], roles[which % 4] };
  switch (which)
    {
    case 0:
      ttsh_ingest_session (store, "TTSH-HN-01", &client, node, &r);
      break;
    case 1:
      ttsh_ingest_batch (store, "TTSH-HN-01", &client, TTSH_INGEST_ATTENDANCE, node, ttsh_now_ms (), &r);
      break;
    case 2:
      ttsh_ingest_batch (store, "TTSH-HN-01", &client, TTSH_INGEST_PROCESS, node, ttsh_now_ms (), &r);
      break;
    case 3:
      ttsh_ingest_batch (store, "TTSH-HN-01", &client, TTSH_INGEST_RESULT, node, ttsh_now_ms (), &r);
      break;
    case 4:
      ttsh_ingest_statistics (store, "TTSH-HN-01", &client, node, &r);
      break;
    case 5:
      ttsh_ingest_roster (store, &client, "K-FUZZ", JSON_NODE_HOLDS_VALUE (node) &&
                          json_node_get_value_type (node) == G_TYPE_STRING ? json_node_get_string (node) : NULL,
                          FALSE, &r);
      break;
    default:
      /* Raw records straight into every kind, as their own batch. */
      ttsh_ingest_batch (store, "TTSH-HN-01", &client, (TtshIngestKind) (size % 3), node, 0, &r);
      break;
    }
  /* Whatever happened, no transaction may be left open. */
  g_assert (sqlite3_get_autocommit (ttsh_store_db (store)));
  ttsh_ingest_reply_clear (&r);
  return 0;
}
