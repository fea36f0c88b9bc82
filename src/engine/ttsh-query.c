/* ttsh-query.c — what the console reads, assembled on the engine thread:
 * sessions with counts, roster rows (incremental by updated_at stamps), a
 * candidate's timeline with the C08 transmission state of each record. */
#define G_LOG_DOMAIN "ttsh-query"
#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "ttsh-errors.h"     /* ttsh_mask_citizen_id */
#include "ttsh-query.h"
#include "ttsh-wire.h"

const char *const ttsh_contents[TTSH_N_CONTENTS] = {
  TTSH_CONTENT_LY_THUYET, TTSH_CONTENT_MO_PHONG, TTSH_CONTENT_SA_HINH, TTSH_CONTENT_DUONG_TRUONG,
};

int
ttsh_content_index (const char *content)
{
  for (int i = 0; i < TTSH_N_CONTENTS; i++)
    if (g_strcmp0 (content, ttsh_contents[i]) == 0)
      return i;
  return -1;
}

const char *
ttsh_content_label (const char *content)
{
  switch (ttsh_content_index (content))
    {
    case 0: return _("Theory");
    case 1: return _("Simulation");
    case 2: return _("Yard");
    case 3: return _("Road");
    default: return content ? content : "";
    }
}

const char *
ttsh_content_state_label (const char *state)
{
  if (g_strcmp0 (state, "WAITING") == 0) return _("Waiting");
  if (g_strcmp0 (state, "PRESENT") == 0) return _("Present");
  if (g_strcmp0 (state, "IN_TEST") == 0) return _("In test");
  if (g_strcmp0 (state, "PASSED") == 0) return _("Passed");
  if (g_strcmp0 (state, "FAILED") == 0) return _("Failed");
  if (g_strcmp0 (state, "ABSENT") == 0) return _("Absent");
  if (g_strcmp0 (state, "CANCELLED") == 0) return _("Cancelled");
  return "";
}

const char *
ttsh_outbox_state_label (const char *state)
{
  if (g_strcmp0 (state, "ACCEPTED") == 0) return _("Accepted by C08");
  if (g_strcmp0 (state, "PENDING") == 0) return _("Waiting to send");
  if (g_strcmp0 (state, "INFLIGHT") == 0) return _("Sending");
  if (g_strcmp0 (state, "ERROR") == 0) return _("Error");
  return _("Nothing to send");
}

char *
ttsh_text_fold (const char *text)
{
  g_autofree char *nfd = NULL;
  GString *out;
  gboolean space = FALSE;

  if (text == NULL)
    return g_strdup ("");
  nfd = g_utf8_normalize (text, -1, G_NORMALIZE_NFD);
  if (nfd == NULL)
    return g_strdup ("");
  out = g_string_sized_new (strlen (nfd));
  for (const char *p = nfd; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_type (c) == G_UNICODE_NON_SPACING_MARK)
        continue;
      if (c == 0x0110 || c == 0x0111)   /* Đ đ: not a composed letter */
        c = 'd';
      if (g_unichar_isspace (c))
        {
          space = out->len > 0;
          continue;
        }
      if (space)
        g_string_append_c (out, ' ');
      space = FALSE;
      g_string_append_unichar (out, g_unichar_tolower (c));
    }
  return g_string_free (out, FALSE);
}

static char *
dup_text (sqlite3_stmt *stmt,
          int           col)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, col));
}

static gboolean
finish_step (TtshStore     *store,
             sqlite3_stmt  *stmt,
             int            rc,
             GError       **error)
{
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return ttsh_store_set_error (store, rc, error);
  return TRUE;
}

/* Sessions ----------------------------------------------------------------- */

void
ttsh_session_row_free (TtshSessionRow *row)
{
  if (row == NULL)
    return;
  g_free (row->code);
  g_free (row->name);
  g_free (row->start_time);
  g_free (row->end_time);
  g_free (row->state);
  g_free (row);
}

GPtrArray *
ttsh_query_sessions (TtshStore  *store,
                     GError    **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) ttsh_session_row_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = ttsh_store_prepare (store,
      "SELECT s.id, s.code, s.name, s.start_time, s.end_time, s.state, "
      " (SELECT count(*) FROM candidate c WHERE c.session_id = s.id), "
      " (SELECT count(DISTINCT c.id) FROM candidate c JOIN candidate_content cc ON cc.candidate_id = c.id "
      "   WHERE c.session_id = s.id AND cc.state NOT IN ('WAITING','ABSENT')), "
      " (SELECT count(*) FROM candidate_content cc JOIN candidate c ON cc.candidate_id = c.id "
      "   WHERE c.session_id = s.id AND cc.state = 'PASSED'), "
      " (SELECT count(*) FROM candidate_content cc JOIN candidate c ON cc.candidate_id = c.id "
      "   WHERE c.session_id = s.id AND cc.state = 'FAILED'), "
      " (SELECT count(*) FROM outbox o WHERE o.session_code = s.code AND o.state IN ('PENDING','INFLIGHT','ERROR')) "
      "FROM exam_session s ORDER BY s.start_time DESC, s.id DESC", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TtshSessionRow *r = g_new0 (TtshSessionRow, 1);

      r->id = sqlite3_column_int64 (stmt, 0);
      r->code = dup_text (stmt, 1);
      r->name = dup_text (stmt, 2);
      r->start_time = dup_text (stmt, 3);
      r->end_time = dup_text (stmt, 4);
      r->state = dup_text (stmt, 5);
      r->n_candidates = sqlite3_column_int (stmt, 6);
      r->n_present = sqlite3_column_int (stmt, 7);
      r->n_passed = sqlite3_column_int (stmt, 8);
      r->n_failed = sqlite3_column_int (stmt, 9);
      r->n_unsent = sqlite3_column_int (stmt, 10);
      g_ptr_array_add (rows, r);
    }
  if (!finish_step (store, stmt, rc, error))
    return NULL;
  return g_steal_pointer (&rows);
}

/* Roster ------------------------------------------------------------------- */

static void
roster_row_free (TtshRosterRow *row)
{
  if (row == NULL)
    return;
  g_free (row->candidate_no);
  g_free (row->full_name);
  g_free (row->name_folded);
  g_free (row->licence_class);
  g_free (row->cid);
  g_free (row->cid_hash);
  g_free (row);
}

void
ttsh_roster_free (TtshRoster *roster)
{
  if (roster == NULL)
    return;
  g_ptr_array_unref (roster->rows);
  g_free (roster);
}

static int
tx_rank (const char *state)
{
  /* The roster shows the state that most needs attention. */
  if (g_strcmp0 (state, "ERROR") == 0) return 4;
  if (g_strcmp0 (state, "PENDING") == 0) return 3;
  if (g_strcmp0 (state, "INFLIGHT") == 0) return 2;
  if (g_strcmp0 (state, "ACCEPTED") == 0) return 1;
  return 0;
}

static char *
unseal_cid (TtshStore    *store,
            sqlite3_stmt *stmt,
            int           col,
            gboolean      with_cid)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) clear = ttsh_store_column_unsealed (store, stmt, col, "candidate.cid", &error);
  g_autofree char *cid = NULL;

  if (clear == NULL)
    {
      g_warning ("cannot unseal a citizen ID: %s", error ? error->message : "empty");
      return g_strdup ("????????????");
    }
  cid = g_strndup (g_bytes_get_data (clear, NULL), g_bytes_get_size (clear));
  if (with_cid)
    return g_steal_pointer (&cid);
  return ttsh_mask_citizen_id (cid);
}

#define CHANGED_FILTER \
  " AND (?2 = 0 OR c.id IN (SELECT candidate_id FROM candidate_content WHERE updated_at >= ?2 " \
  "      UNION SELECT candidate_id FROM outbox WHERE updated_at >= ?2 AND candidate_id IS NOT NULL))"

TtshRoster *
ttsh_query_roster (TtshStore  *store,
                   gint64      session_id,
                   gint64      since_stamp,
                   gboolean    with_cid,
                   GError    **error)
{
  g_autoptr(TtshRoster) roster = g_new0 (TtshRoster, 1);
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  sqlite3_stmt *stmt;
  gint64 stamp = 0;
  int rc;

  roster->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) roster_row_free);

  /* Read the stamp first: a change committed while we read is seen again
   * next time rather than missed. */
  stmt = ttsh_store_prepare (store,
      "SELECT max(coalesce((SELECT max(updated_at) FROM candidate_content), 0), "
      "           coalesce((SELECT max(updated_at) FROM outbox), 0))", error);
  if (stmt == NULL)
    return NULL;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    stamp = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);

  stmt = ttsh_store_prepare (store,
      "SELECT c.id, c.candidate_no, c.full_name, c.name_folded, c.licence_class, c.cid_sealed, "
      "       c.cid_hash, c.photo_sealed IS NOT NULL "
      "FROM candidate c WHERE c.session_id = ?1" CHANGED_FILTER " ORDER BY c.candidate_no", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, session_id);
  sqlite3_bind_int64 (stmt, 2, since_stamp);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TtshRosterRow *r = g_new0 (TtshRosterRow, 1);

      r->id = sqlite3_column_int64 (stmt, 0);
      r->session_id = session_id;
      r->candidate_no = dup_text (stmt, 1);
      r->full_name = dup_text (stmt, 2);
      r->name_folded = dup_text (stmt, 3);
      r->licence_class = dup_text (stmt, 4);
      r->cid = unseal_cid (store, stmt, 5, with_cid);
      r->cid_hash = dup_text (stmt, 6);
      r->has_photo = sqlite3_column_int (stmt, 7) != 0;
      for (int i = 0; i < TTSH_N_CONTENTS; i++)
        r->content[i].score = NAN;
      g_strlcpy (r->tx_state, "NONE", sizeof r->tx_state);
      g_ptr_array_add (roster->rows, r);
      g_hash_table_insert (by_id, &r->id, r);
    }
  if (!finish_step (store, stmt, rc, error))
    return NULL;

  stmt = ttsh_store_prepare (store,
      "SELECT cc.candidate_id, cc.content, cc.state, cc.attempt, cc.score "
      "FROM candidate_content cc JOIN candidate c ON c.id = cc.candidate_id "
      "WHERE c.session_id = ?1" CHANGED_FILTER, error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, session_id);
  sqlite3_bind_int64 (stmt, 2, since_stamp);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      TtshRosterRow *r = g_hash_table_lookup (by_id, &id);
      int i = ttsh_content_index ((const char *) sqlite3_column_text (stmt, 1));

      if (r == NULL || i < 0)
        continue;
      g_strlcpy (r->content[i].state, (const char *) sqlite3_column_text (stmt, 2), sizeof r->content[i].state);
      r->content[i].attempt = sqlite3_column_int (stmt, 3);
      if (sqlite3_column_type (stmt, 4) != SQLITE_NULL)
        r->content[i].score = sqlite3_column_double (stmt, 4);
    }
  if (!finish_step (store, stmt, rc, error))
    return NULL;

  stmt = ttsh_store_prepare (store,
      "SELECT o.candidate_id, o.state, count(*) FROM outbox o JOIN candidate c ON c.id = o.candidate_id "
      "WHERE c.session_id = ?1" CHANGED_FILTER " GROUP BY o.candidate_id, o.state", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, session_id);
  sqlite3_bind_int64 (stmt, 2, since_stamp);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      TtshRosterRow *r = g_hash_table_lookup (by_id, &id);
      const char *state = (const char *) sqlite3_column_text (stmt, 1);
      int n = sqlite3_column_int (stmt, 2);

      if (r == NULL)
        continue;
      if (g_str_equal (state, "ERROR"))
        r->tx_error += n;
      else if (g_str_equal (state, "ACCEPTED"))
        r->tx_accepted += n;
      else
        r->tx_pending += n;
      if (tx_rank (state) > tx_rank (r->tx_state))
        g_strlcpy (r->tx_state, state, sizeof r->tx_state);
    }
  if (!finish_step (store, stmt, rc, error))
    return NULL;

  roster->stamp = stamp;
  return g_steal_pointer (&roster);
}

GArray *
ttsh_query_find_cid (TtshStore   *store,
                     gint64       session_id,
                     const char  *cid,
                     GError     **error)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *hash = ttsh_lookup_hash (ttsh_store_keys (store), cid);
  sqlite3_stmt *stmt;
  int rc;

  stmt = ttsh_store_prepare (store,
      "SELECT id FROM candidate WHERE cid_hash = ?1 AND (?2 = 0 OR session_id = ?2)", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, hash, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, session_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (ids, id);
    }
  if (!finish_step (store, stmt, rc, error))
    return NULL;
  return g_steal_pointer (&ids);
}

/* Candidate detail --------------------------------------------------------- */

static void
event_free (TtshEvent *e)
{
  g_free (e->content);
  g_free (e->time);
  g_free (e->title);
  g_free (e->detail);
  g_free (e->tx_state);
  g_free (e->tx_message);
  g_free (e);
}

void
ttsh_candidate_detail_free (TtshCandidateDetail *detail)
{
  if (detail == NULL)
    return;
  roster_row_free (detail->row);
  g_free (detail->reg_code);
  g_free (detail->dob);
  g_free (detail->gender);
  g_free (detail->session_code);
  g_free (detail->session_name);
  g_clear_pointer (&detail->events, g_ptr_array_unref);
  g_free (detail);
}

static TtshEvent *
event_new (TtshEventKind  kind,
           const char    *content,
           int            attempt,
           const char    *time)
{
  TtshEvent *e = g_new0 (TtshEvent, 1);

  e->kind = kind;
  e->content = g_strdup (content);
  e->attempt = attempt;
  e->time = g_strdup (time);
  e->points = NAN;
  if (time == NULL || !ttsh_time_parse (time, &e->at))
    e->at = 0;
  return e;
}

/* Columns tx_state, tx_code, tx_message at col.. col+2 of a LEFT JOIN outbox. */
static void
event_take_tx (TtshEvent    *e,
               sqlite3_stmt *stmt,
               int           col)
{
  if (sqlite3_column_type (stmt, col) == SQLITE_NULL)
    return;
  e->tx_state = dup_text (stmt, col);
  e->tx_code = sqlite3_column_int (stmt, col + 1);
  e->tx_message = dup_text (stmt, col + 2);
}

static int
event_compare (gconstpointer a,
               gconstpointer b)
{
  const TtshEvent *x = *(TtshEvent **) a, *y = *(TtshEvent **) b;

  if (x->at != y->at)
    return x->at < y->at ? -1 : 1;
  return (int) x->kind - (int) y->kind;
}

static void
add_deductions (GPtrArray   *events,
                const char  *content,
                int          attempt,
                const char  *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *array;

  if (json == NULL || !json_parser_load_from_data (parser, json, -1, NULL) ||
      !JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)))
    return;
  array = json_node_get_array (json_parser_get_root (parser));
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *o = json_array_get_object_element (array, i);
      TtshEvent *e;

      if (o == NULL)
        continue;
      e = event_new (TTSH_EVENT_DEDUCTION, content, attempt,
                     json_object_get_string_member_with_default (o, TTSH_W_THOI_GIAN, NULL));
      if (json_object_has_member (o, TTSH_W_MA_LOI))
        {
          JsonNode *n = json_object_get_member (o, TTSH_W_MA_LOI);
          e->title = JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
                     ? g_strdup (json_node_get_string (n))
                     : g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (n));
        }
      e->detail = g_strdup (json_object_get_string_member_with_default (o, "MoTa", ""));
      if (json_object_has_member (o, TTSH_W_DIEM_TRU))
        e->points = json_object_get_double_member (o, TTSH_W_DIEM_TRU);
      g_ptr_array_add (events, e);
    }
}

TtshCandidateDetail *
ttsh_query_candidate (TtshStore  *store,
                      gint64      candidate_id,
                      gboolean    with_cid,
                      GError    **error)
{
  g_autoptr(TtshCandidateDetail) d = g_new0 (TtshCandidateDetail, 1);
  g_autoptr(TtshRoster) roster = NULL;
  sqlite3_stmt *stmt;
  gint64 session_id = 0;
  int rc;

  stmt = ttsh_store_prepare (store,
      "SELECT c.session_id, c.reg_code, c.dob_sealed, c.gender, s.code, s.name "
      "FROM candidate c JOIN exam_session s ON s.id = c.session_id WHERE c.id = ?1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, candidate_id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      if (rc == SQLITE_DONE)
        g_set_error (error, TTSH_STORE_ERROR, TTSH_STORE_ERROR_NOT_FOUND,
                     _("no such candidate"));
      else
        ttsh_store_set_error (store, rc, error);
      return NULL;
    }
  session_id = sqlite3_column_int64 (stmt, 0);
  d->reg_code = dup_text (stmt, 1);
  {
    g_autoptr(GBytes) dob = ttsh_store_column_unsealed (store, stmt, 2, "candidate.dob", NULL);
    g_autofree char *text = dob ? g_strndup (g_bytes_get_data (dob, NULL), g_bytes_get_size (dob)) : NULL;

    /* Only the year for roles that may not see personal identifiers. */
    if (text != NULL && !with_cid && strlen (text) >= 4)
      d->dob = g_strdup_printf ("**/**/%.4s", text);
    else if (text != NULL && strlen (text) == 10)
      d->dob = g_strdup_printf ("%.2s/%.2s/%.4s", text + 8, text + 5, text);
    else
      d->dob = g_strdup (text ? text : "");
  }
  d->gender = dup_text (stmt, 3);
  d->session_code = dup_text (stmt, 4);
  d->session_name = dup_text (stmt, 5);
  sqlite3_reset (stmt);

  roster = ttsh_query_roster (store, session_id, 0, with_cid, error);
  if (roster == NULL)
    return NULL;
  for (guint i = 0; i < roster->rows->len; i++)
    {
      TtshRosterRow *r = g_ptr_array_index (roster->rows, i);
      if (r->id == candidate_id)
        {
          d->row = g_ptr_array_steal_index_fast (roster->rows, i);
          break;
        }
    }
  g_assert (d->row != NULL);

  d->events = g_ptr_array_new_with_free_func ((GDestroyNotify) event_free);

  stmt = ttsh_store_prepare (store,
      "SELECT a.content, a.status, a.attendance_time, a.auth_method, a.auth_result, "
      "       o.state, o.last_code, o.last_message "
      "FROM attendance a LEFT JOIN outbox o ON o.id = a.outbox_id WHERE a.candidate_id = ?1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, candidate_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TtshEvent *e = event_new (TTSH_EVENT_ATTENDANCE, (const char *) sqlite3_column_text (stmt, 0), 0,
                                (const char *) sqlite3_column_text (stmt, 2));
      e->title = dup_text (stmt, 1);
      if (sqlite3_column_type (stmt, 3) != SQLITE_NULL)
        e->detail = g_strdup_printf ("%s %s", sqlite3_column_text (stmt, 3),
                                     sqlite3_column_type (stmt, 4) != SQLITE_NULL
                                     ? (const char *) sqlite3_column_text (stmt, 4) : "");
      event_take_tx (e, stmt, 5);
      g_ptr_array_add (d->events, e);
    }
  if (!finish_step (store, stmt, rc, error))
    return NULL;

  stmt = ttsh_store_prepare (store,
      "SELECT p.content, p.attempt, p.state, p.start_time, p.end_time, p.score, p.result, "
      "       p.events_json, p.retest_reason, o.state, o.last_code, o.last_message "
      "FROM process_record p LEFT JOIN outbox o ON o.id = p.outbox_id "
      "WHERE p.candidate_id = ?1 ORDER BY p.content, p.attempt, p.seq", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, candidate_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *content = (const char *) sqlite3_column_text (stmt, 0);
      int attempt = sqlite3_column_int (stmt, 1);
      const char *state = (const char *) sqlite3_column_text (stmt, 2);
      gboolean ended = g_strcmp0 (state, "KET_THUC") == 0 && sqlite3_column_type (stmt, 4) != SQLITE_NULL;
      TtshEvent *e = event_new (TTSH_EVENT_PROCESS, content, attempt,
                                (const char *) sqlite3_column_text (stmt, ended ? 4 : 3));

      e->title = g_strdup (state);
      if (sqlite3_column_type (stmt, 5) != SQLITE_NULL)
        e->points = sqlite3_column_double (stmt, 5);
      if (sqlite3_column_type (stmt, 6) != SQLITE_NULL)
        e->detail = dup_text (stmt, 6);
      else if (sqlite3_column_type (stmt, 8) != SQLITE_NULL)
        e->detail = dup_text (stmt, 8);
      event_take_tx (e, stmt, 9);
      g_ptr_array_add (d->events, e);
      add_deductions (d->events, content, attempt, (const char *) sqlite3_column_text (stmt, 7));
    }
  if (!finish_step (store, stmt, rc, error))
    return NULL;

  stmt = ttsh_store_prepare (store,
      "SELECT r.content, r.attempt, r.end_time, r.score, r.result, o.state, o.last_code, o.last_message "
      "FROM result r LEFT JOIN outbox o ON o.id = r.outbox_id WHERE r.candidate_id = ?1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, candidate_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TtshEvent *e = event_new (TTSH_EVENT_RESULT, (const char *) sqlite3_column_text (stmt, 0),
                                sqlite3_column_int (stmt, 1), (const char *) sqlite3_column_text (stmt, 2));
      e->points = sqlite3_column_double (stmt, 3);
      e->title = dup_text (stmt, 4);
      event_take_tx (e, stmt, 5);
      g_ptr_array_add (d->events, e);
    }
  if (!finish_step (store, stmt, rc, error))
    return NULL;

  stmt = ttsh_store_prepare (store,
      "SELECT k.content, k.attempt, k.cancel_time, k.reason_code, k.reason_text, k.by_name, "
      "       o.state, o.last_code, o.last_message "
      "FROM cancellation k LEFT JOIN outbox o ON o.id = k.outbox_id WHERE k.candidate_id = ?1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, candidate_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TtshEvent *e = event_new (TTSH_EVENT_CANCELLATION, (const char *) sqlite3_column_text (stmt, 0),
                                sqlite3_column_int (stmt, 1), (const char *) sqlite3_column_text (stmt, 2));
      e->title = dup_text (stmt, 3);
      e->detail = g_strdup_printf ("%s — %s", sqlite3_column_text (stmt, 4), sqlite3_column_text (stmt, 5));
      event_take_tx (e, stmt, 6);
      g_ptr_array_add (d->events, e);
    }
  if (!finish_step (store, stmt, rc, error))
    return NULL;

  g_ptr_array_sort (d->events, event_compare);
  /* The road test's GPS quality, counted the way the map marks it. */
  if (!ttsh_query_gps_quality (store, candidate_id, &d->gps_attempt, &d->gps_quality, error))
    return NULL;
  return g_steal_pointer (&d);
}

GBytes *
ttsh_query_photo (TtshStore  *store,
                  gint64      candidate_id,
                  GError    **error)
{
  sqlite3_stmt *stmt;
  GBytes *photo = NULL;
  int rc;

  stmt = ttsh_store_prepare (store, "SELECT photo_sealed FROM candidate WHERE id = ?1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, candidate_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    photo = ttsh_store_column_unsealed (store, stmt, 0, "candidate.photo", error);
  else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    ttsh_store_set_error (store, rc, error);
  sqlite3_reset (stmt);
  return photo;
}

/* Alarms ------------------------------------------------------------------- */

void
ttsh_alarm_row_free (TtshAlarmRow *row)
{
  if (row == NULL)
    return;
  g_free (row->kind);
  g_free (row->severity);
  g_free (row->subject);
  g_free (row->message);
  g_free (row);
}

GPtrArray *
ttsh_query_open_alarms (TtshStore  *store,
                        GError    **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) ttsh_alarm_row_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = ttsh_store_prepare (store,
      "SELECT id, kind, severity, subject, message, raised_at, last_at, count FROM alarm "
      "WHERE cleared_at IS NULL AND acked_at IS NULL ORDER BY "
      "CASE severity WHEN 'CRITICAL' THEN 0 WHEN 'WARNING' THEN 1 ELSE 2 END, last_at DESC", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TtshAlarmRow *r = g_new0 (TtshAlarmRow, 1);

      r->id = sqlite3_column_int64 (stmt, 0);
      r->kind = dup_text (stmt, 1);
      r->severity = dup_text (stmt, 2);
      r->subject = dup_text (stmt, 3);
      r->message = dup_text (stmt, 4);
      r->raised_at = sqlite3_column_int64 (stmt, 5);
      r->last_at = sqlite3_column_int64 (stmt, 6);
      r->count = sqlite3_column_int (stmt, 7);
      g_ptr_array_add (rows, r);
    }
  if (!finish_step (store, stmt, rc, error))
    return NULL;
  return g_steal_pointer (&rows);
}
