/* ttsh-status.c — outbox counts by state and kind, oldest unsent age and
 * the C08 facts the sender recorded, for the CLI and the console. */
#define G_LOG_DOMAIN "ttsh-status"
#include "config.h"

#include "ttsh-status.h"
#include "ttsh-wire.h"

static const char *kinds[] = {
  TTSH_KIND_DIEM_DANH, TTSH_KIND_QUA_TRINH, TTSH_KIND_HUY_KET_QUA, TTSH_KIND_TONG_HOP,
};
static const char *states[] = { "PENDING", "INFLIGHT", "ACCEPTED", "ERROR" };

static void
add_meta_int (JsonBuilder *b,
              TtshStore   *store,
              const char  *name,
              const char  *key)
{
  g_autofree char *v = ttsh_store_meta_get (store, key);

  json_builder_set_member_name (b, name);
  if (v && *v)
    json_builder_add_int_value (b, g_ascii_strtoll (v, NULL, 10));
  else
    json_builder_add_null_value (b);
}

static void
add_meta_time (JsonBuilder *b,
               TtshStore   *store,
               const char  *name,
               const char  *key)
{
  g_autofree char *v = ttsh_store_meta_get (store, key);
  g_autofree char *t = NULL;

  json_builder_set_member_name (b, name);
  if (v && *v && (t = ttsh_time_format_ms (g_ascii_strtoll (v, NULL, 10))) != NULL)
    json_builder_add_string_value (b, t);
  else
    json_builder_add_null_value (b);
}

JsonNode *
ttsh_status_build (TtshStore  *store,
                   GError    **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  sqlite3_stmt *stmt;
  gint64 counts[G_N_ELEMENTS (kinds)][G_N_ELEMENTS (states)] = { { 0 } };
  gint64 oldest = 0, now = ttsh_now_ms ();
  g_autofree char *c08_status = NULL;
  g_autofree char *stopped = NULL;
  g_autofree char *last_error = NULL;
  int rc;

  stmt = ttsh_store_prepare (store, "SELECT kind, state, count(*) FROM outbox GROUP BY kind, state", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *kind = (const char *) sqlite3_column_text (stmt, 0);
      const char *state = (const char *) sqlite3_column_text (stmt, 1);
      for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
        for (guint s = 0; s < G_N_ELEMENTS (states); s++)
          if (g_str_equal (kind, kinds[k]) && g_str_equal (state, states[s]))
            counts[k][s] = sqlite3_column_int64 (stmt, 2);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      ttsh_store_set_error (store, rc, error);
      return NULL;
    }

  /* Without the hint the planner walks every unsent record through
   * outbox_due; after a long outage that is the whole backlog. */
  stmt = ttsh_store_prepare (store,
      "SELECT min(created_at) FROM outbox INDEXED BY outbox_unsettled_created "
      "WHERE state IN ('PENDING','INFLIGHT')", error);
  if (stmt == NULL)
    return NULL;
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    oldest = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);

  json_builder_begin_object (b);

  json_builder_set_member_name (b, "outbox");
  json_builder_begin_object (b);
  {
    gint64 totals[G_N_ELEMENTS (states)] = { 0 };

    json_builder_set_member_name (b, "by_kind");
    json_builder_begin_object (b);
    for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
      {
        json_builder_set_member_name (b, kinds[k]);
        json_builder_begin_object (b);
        for (guint s = 0; s < G_N_ELEMENTS (states); s++)
          {
            json_builder_set_member_name (b, states[s]);
            json_builder_add_int_value (b, counts[k][s]);
            totals[s] += counts[k][s];
          }
        json_builder_end_object (b);
      }
    json_builder_end_object (b);

    json_builder_set_member_name (b, "by_state");
    json_builder_begin_object (b);
    for (guint s = 0; s < G_N_ELEMENTS (states); s++)
      {
        json_builder_set_member_name (b, states[s]);
        json_builder_add_int_value (b, totals[s]);
      }
    json_builder_end_object (b);

    json_builder_set_member_name (b, "unsent");
    json_builder_add_int_value (b, totals[0] + totals[1]);
  }
  json_builder_end_object (b);

  json_builder_set_member_name (b, "oldest_unsent_age_s");
  if (oldest > 0)
    json_builder_add_int_value (b, MAX (0, (now - oldest) / 1000));
  else
    json_builder_add_null_value (b);

  c08_status = ttsh_store_meta_get (store, TTSH_META_C08_STATUS);
  json_builder_set_member_name (b, "c08_status");
  json_builder_add_string_value (b, c08_status && *c08_status ? c08_status : "UNKNOWN");
  add_meta_time (b, store, "c08_status_next", TTSH_META_C08_STATUS_NEXT);
  add_meta_time (b, store, "token_expires_at", TTSH_META_C08_TOKEN_EXPIRES);
  add_meta_int (b, store, "clock_skew_ms", TTSH_META_C08_CLOCK_SKEW);
  add_meta_time (b, store, "clock_checked_at", TTSH_META_C08_CLOCK_AT);

  stopped = ttsh_store_meta_get (store, TTSH_META_C08_STOPPED);
  json_builder_set_member_name (b, "sending_stopped");
  if (stopped && *stopped)
    json_builder_add_int_value (b, g_ascii_strtoll (stopped, NULL, 10));
  else
    json_builder_add_null_value (b);

  last_error = ttsh_store_meta_get (store, TTSH_META_C08_LAST_ERROR);
  json_builder_set_member_name (b, "last_error");
  if (last_error && *last_error)
    json_builder_add_string_value (b, last_error);
  else
    json_builder_add_null_value (b);

  stmt = ttsh_store_prepare (store, "SELECT count(*) FROM alarm WHERE cleared_at IS NULL AND acked_at IS NULL", error);
  if (stmt == NULL)
    return NULL;
  json_builder_set_member_name (b, "open_alarms");
  json_builder_add_int_value (b, sqlite3_step (stmt) == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0);
  sqlite3_reset (stmt);

  json_builder_end_object (b);
  return json_builder_get_root (b);
}
