/* ttsh-checks.c — hourly check of the exam programs' errors and daily check
 * of transmission errors (regulation §4 step 4 and §5), as an engine
 * component with timers on the engine context. */
#define G_LOG_DOMAIN "ttsh-checks"
#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "ttsh-alarm.h"
#include "ttsh-checks.h"
#include "ttsh-journal.h"
#include "ttsh-wire.h"

static int
compare_codes (gconstpointer a,
               gconstpointer b)
{
  return GPOINTER_TO_INT (a) - GPOINTER_TO_INT (b);
}

static void
append_code_counts (GString    *s,
                    GHashTable *counts)   /* int code → count */
{
  g_autoptr(GList) keys = g_hash_table_get_keys (counts);
  gboolean first = TRUE;

  keys = g_list_sort (keys, compare_codes);
  for (GList *l = keys; l; l = l->next)
    {
      int code = GPOINTER_TO_INT (l->data);
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, l->data));
      g_string_append_printf (s, "%s%s %d (%s): %u", first ? "" : "; ", _("code"), code,
                              ttsh_code_symbol (code) ? ttsh_code_symbol (code) : "?", n);
      first = FALSE;
    }
}

/* A finding of a new period is a new alarm: one the operator already
 * acknowledged is closed first, or the new errors would only bump its count
 * and never be shown again. */
static gboolean
raise_fresh (TtshStore   *store,
             const char  *kind,
             const char  *subject,
             const char  *message,
             GError     **error)
{
  sqlite3_stmt *stmt = ttsh_store_prepare (store,
      "SELECT 1 FROM alarm WHERE kind = ?1 AND subject = ?2 AND cleared_at IS NULL AND acked_at IS NOT NULL",
      error);
  gboolean acked;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, kind, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, subject, -1, SQLITE_STATIC);
  acked = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  if (acked && !ttsh_alarm_clear (store, kind, subject, error))
    return FALSE;
  return ttsh_alarm_raise (store, kind, TTSH_ALARM_WARNING, subject, message, NULL, error) > 0;
}

gboolean
ttsh_checks_source_errors (TtshStore  *store,
                           gint64      since_ms,
                           gint64      until_ms,
                           guint      *n_alarms,
                           GError    **error)
{
  g_autoptr(GHashTable) per_client = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                            (GDestroyNotify) g_hash_table_unref);
  g_autoptr(GHashTable) rejected = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *detail = NULL;
  GHashTableIter iter;
  gpointer key, value;
  sqlite3_stmt *stmt;
  guint raised = 0, total = 0, total_rejected = 0;
  int rc;

  stmt = ttsh_store_prepare (store,
      "SELECT coalesce(c.name, 'remote ' || coalesce(r.remote, '?')), r.result_code, count(*) "
      "FROM inbound_request r LEFT JOIN api_client c ON c.id = r.client_id "
      "WHERE r.at >= ?1 AND r.at < ?2 AND r.result_code <> 1 "
      "GROUP BY 1, 2", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, since_ms);
  sqlite3_bind_int64 (stmt, 2, until_ms);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *client = (const char *) sqlite3_column_text (stmt, 0);
      int code = sqlite3_column_int (stmt, 1);
      guint n = (guint) sqlite3_column_int64 (stmt, 2);
      GHashTable *counts = g_hash_table_lookup (per_client, client);

      if (counts == NULL)
        {
          counts = g_hash_table_new (NULL, NULL);
          g_hash_table_insert (per_client, g_strdup (client), counts);
        }
      g_hash_table_insert (counts, GINT_TO_POINTER (code), GUINT_TO_POINTER (n));
      total += n;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return ttsh_store_set_error (store, rc, error);

  /* Batches taken with some records refused inside are errors of the
   * program too (bad records), though the request itself succeeded. */
  stmt = ttsh_store_prepare (store,
      "SELECT coalesce(c.name, 'remote ' || coalesce(r.remote, '?')), sum(r.records - r.accepted) "
      "FROM inbound_request r LEFT JOIN api_client c ON c.id = r.client_id "
      "WHERE r.at >= ?1 AND r.at < ?2 AND r.result_code = 1 AND r.accepted < r.records "
      "GROUP BY 1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, since_ms);
  sqlite3_bind_int64 (stmt, 2, until_ms);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *client = (const char *) sqlite3_column_text (stmt, 0);
      guint n = (guint) sqlite3_column_int64 (stmt, 1);

      g_hash_table_insert (rejected, g_strdup (client), GUINT_TO_POINTER (n));
      if (!g_hash_table_contains (per_client, client))
        g_hash_table_insert (per_client, g_strdup (client), g_hash_table_new (NULL, NULL));
      total_rejected += n;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return ttsh_store_set_error (store, rc, error);

  g_hash_table_iter_init (&iter, per_client);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_autoptr(GString) msg = g_string_new (NULL);
      g_autofree char *from = ttsh_time_format_ms (since_ms);
      g_autofree char *to = ttsh_time_format_ms (until_ms);
      guint n = 0, bad = GPOINTER_TO_UINT (g_hash_table_lookup (rejected, key));
      GHashTableIter ci;
      gpointer cv;

      g_hash_table_iter_init (&ci, value);
      while (g_hash_table_iter_next (&ci, NULL, &cv))
        n += GPOINTER_TO_UINT (cv);
      g_string_printf (msg, _("%u failed requests and %u refused records from exam program “%s” "
                              "between %s and %s"), n, bad, (const char *) key, from, to);
      if (n > 0)
        g_string_append (msg, ": ");
      append_code_counts (msg, value);
      if (!raise_fresh (store, TTSH_ALARM_SOURCE_ERRORS, key, msg->str, error))
        return FALSE;
      raised++;
    }

  detail = g_strdup_printf ("{\"since\":%" G_GINT64_FORMAT ",\"until\":%" G_GINT64_FORMAT
                            ",\"failed_requests\":%u,\"refused_records\":%u,\"clients\":%u}",
                            since_ms, until_ms, total, total_rejected, g_hash_table_size (per_client));
  if (ttsh_journal_append (store, "engine", TTSH_JOURNAL_ERRORS_CHECKED, "hourly/source",
                           detail, error) == 0)
    return FALSE;
  if (n_alarms)
    *n_alarms = raised;
  return TRUE;
}

gboolean
ttsh_checks_transmission_errors (TtshStore  *store,
                                 gint64      since_ms,
                                 gint64      until_ms,
                                 guint      *n_alarms,
                                 GError    **error)
{
  g_autoptr(GHashTable) counts = g_hash_table_new (NULL, NULL);
  g_autofree char *detail = NULL;
  sqlite3_stmt *stmt;
  g_autoptr(JsonBuilder) recon = NULL;
  gint64 open_total = 0, fresh = 0, sum_accepted = 0, sum_error = 0, sum_pending = 0;
  guint raised = 0;
  int rc;

  /* last_code NULL (transport failure) is counted under 0, "general". */
  stmt = ttsh_store_prepare (store,
      "SELECT coalesce(last_code, 0), count(*), "
      "sum(coalesce(errored_at, last_error_at, updated_at) >= ?1 AND coalesce(errored_at, last_error_at, updated_at) < ?2) "
      "FROM outbox WHERE state = 'ERROR' AND handled_at IS NULL GROUP BY 1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, since_ms);
  sqlite3_bind_int64 (stmt, 2, until_ms);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int code = sqlite3_column_int (stmt, 0);
      gint64 n = sqlite3_column_int64 (stmt, 1);
      g_hash_table_insert (counts, GINT_TO_POINTER (code), GUINT_TO_POINTER ((guint) n));
      open_total += n;
      fresh += sqlite3_column_int64 (stmt, 2);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return ttsh_store_set_error (store, rc, error);

  /* Reconciliation of the period (regulation §4 step 6): what was created,
   * per kind, and where it stands now — accepted, in error, not yet sent. */
  stmt = ttsh_store_prepare (store,
      "SELECT kind, sum(state = 'ACCEPTED'), sum(state = 'ERROR'), sum(state IN ('PENDING','INFLIGHT')) "
      "FROM outbox WHERE created_at >= ?1 AND created_at < ?2 GROUP BY kind ORDER BY kind", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, since_ms);
  sqlite3_bind_int64 (stmt, 2, until_ms);
  recon = json_builder_new ();
  json_builder_begin_object (recon);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 a = sqlite3_column_int64 (stmt, 1), e = sqlite3_column_int64 (stmt, 2),
             p = sqlite3_column_int64 (stmt, 3);
      json_builder_set_member_name (recon, (const char *) sqlite3_column_text (stmt, 0));
      json_builder_begin_object (recon);
      json_builder_set_member_name (recon, "accepted");
      json_builder_add_int_value (recon, a);
      json_builder_set_member_name (recon, "error");
      json_builder_add_int_value (recon, e);
      json_builder_set_member_name (recon, "pending");
      json_builder_add_int_value (recon, p);
      json_builder_end_object (recon);
      sum_accepted += a;
      sum_error += e;
      sum_pending += p;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return ttsh_store_set_error (store, rc, error);
  json_builder_end_object (recon);

  if (open_total > 0)
    {
      g_autoptr(GString) msg = g_string_new (NULL);
      g_autoptr(GDateTime) day = g_date_time_new_from_unix_utc (until_ms / 1000);
      g_autoptr(GTimeZone) tz = g_time_zone_new_offset (7 * 3600);
      g_autoptr(GDateTime) local = g_date_time_to_timezone (day, tz);
      g_autofree char *subject = g_date_time_format (local, "%Y-%m-%d");

      g_string_printf (msg, _("%lld records in the error queue are not handled "
                              "(%lld new in the last period): "), (long long) open_total, (long long) fresh);
      append_code_counts (msg, counts);
      g_string_append_printf (msg, _(". Records of the period: %lld accepted, %lld in error, %lld not yet sent."),
                              (long long) sum_accepted, (long long) sum_error, (long long) sum_pending);
      if (!raise_fresh (store, TTSH_ALARM_DAILY_ERRORS, subject, msg->str, error))
        return FALSE;
      raised++;
    }

  {
    g_autoptr(JsonNode) by_kind = json_builder_get_root (recon);
    g_autofree char *recon_text = json_to_string (by_kind, FALSE);
    detail = g_strdup_printf ("{\"since\":%" G_GINT64_FORMAT ",\"until\":%" G_GINT64_FORMAT
                              ",\"open\":%" G_GINT64_FORMAT ",\"new\":%" G_GINT64_FORMAT
                              ",\"period\":%s}",
                              since_ms, until_ms, open_total, fresh, recon_text);
  }
  if (ttsh_journal_append (store, "engine", TTSH_JOURNAL_ERRORS_CHECKED, "daily/transmission",
                           detail, error) == 0)
    return FALSE;
  if (n_alarms)
    *n_alarms = raised;
  return TRUE;
}

/* Component ----------------------------------------------------------------- */

typedef gboolean (*CheckFunc) (TtshStore *, gint64, gint64, guint *, GError **);

typedef struct {
  TtshEngine *engine;
  TtshStore  *store;
  const char *meta_key;
  const char *env_key;
  gint64      period_ms;
  CheckFunc   func;
  GSource    *timer;
} Check;

typedef struct {
  Check hourly;
  Check daily;
} Checks;

static void check_schedule (Check *check);

static gint64
meta_ms (TtshStore  *store,
         const char *key)
{
  g_autofree char *text = ttsh_store_meta_get (store, key);
  gint64 v = 0;

  if (text == NULL || !g_ascii_string_to_signed (text, 10, 0, G_MAXINT64, &v, NULL))
    return 0;
  return v;
}

static void
check_run (Check *check)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *until_text = NULL;
  gint64 now = ttsh_now_ms ();
  gint64 since = meta_ms (check->store, check->meta_key);
  guint n_alarms = 0;

  /* The first run ever looks back one period. */
  if (since <= 0 || since > now)
    since = now - check->period_ms;
  if (!ttsh_store_begin (check->store, &error))
    goto out;
  until_text = g_strdup_printf ("%" G_GINT64_FORMAT, now);
  if (!check->func (check->store, since, now, &n_alarms, &error) ||
      !ttsh_store_meta_set (check->store, check->meta_key, until_text, &error))
    {
      ttsh_store_rollback (check->store);
      goto out;
    }
  if (!ttsh_store_commit (check->store, &error))
    goto out;
  _ttsh_engine_emit_changed (check->engine, "journal");
  if (n_alarms > 0)
    _ttsh_engine_emit_changed (check->engine, "alarm");

out:
  if (error)
    g_warning ("%s check failed: %s", check->meta_key, error->message);
}

static gboolean
check_fire (gpointer data)
{
  Check *check = data;

  g_clear_pointer (&check->timer, g_source_unref);
  check_run (check);
  check_schedule (check);
  return G_SOURCE_REMOVE;
}

static void
check_schedule (Check *check)
{
  gint64 last = meta_ms (check->store, check->meta_key);
  gint64 now = ttsh_now_ms ();
  gint64 due = last > 0 && last <= now ? last + check->period_ms : now + check->period_ms;
  gint64 delay = CLAMP (due - now, 0, check->period_ms);

  check->timer = g_timeout_source_new ((guint) delay);
  g_source_set_callback (check->timer, check_fire, check, NULL);
  g_source_set_static_name (check->timer, "[ttsh] error check");
  g_source_attach (check->timer, g_main_context_get_thread_default ());
}

static void
check_init (Check      *check,
            TtshEngine *engine,
            TtshStore  *store,
            const char *meta_key,
            const char *env_key,
            gint64      default_ms,
            CheckFunc   func)
{
  const char *env = g_getenv (env_key);
  gint64 v = 0;

  check->engine = engine;
  check->store = store;
  check->meta_key = meta_key;
  check->env_key = env_key;
  check->func = func;
  check->period_ms = default_ms;
  if (env && g_ascii_string_to_signed (env, 10, 10, G_MAXINT32, &v, NULL))
    check->period_ms = v;
  else if (env)
    g_warning ("ignoring %s=%s: not a number of milliseconds ≥ 10", env_key, env);
  check_schedule (check);
}

static gboolean
checks_start (TtshEngine  *engine,
              TtshStore   *store,
              gpointer    *state,
              GError     **error)
{
  Checks *checks = g_new0 (Checks, 1);

  check_init (&checks->hourly, engine, store, TTSH_META_CHECKS_HOURLY_AT,
              "TTSH_CHECKS_HOURLY_MS", TTSH_CHECKS_HOURLY_MS, ttsh_checks_source_errors);
  check_init (&checks->daily, engine, store, TTSH_META_CHECKS_DAILY_AT,
              "TTSH_CHECKS_DAILY_MS", TTSH_CHECKS_DAILY_MS, ttsh_checks_transmission_errors);
  *state = checks;
  return TRUE;
}

static void
check_stop (Check *check)
{
  if (check->timer)
    {
      g_source_destroy (check->timer);
      g_clear_pointer (&check->timer, g_source_unref);
    }
}

static void
checks_stop (TtshEngine *engine,
             gpointer    state)
{
  Checks *checks = state;

  check_stop (&checks->hourly);
  check_stop (&checks->daily);
  g_free (checks);
}

const TtshEngineComponent ttsh_checks_component = {
  .name = "checks",
  .start = checks_start,
  .stop = checks_stop,
  .skip_if = 0,
};
