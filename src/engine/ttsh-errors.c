/* ttsh-errors.c — reading the error queue and the operator's handling of it.
 *
 * Handling only moves a record's state, stamps times and adds outbox_event,
 * link and journal rows: the sealed payload is never touched. */
#define G_LOG_DOMAIN "ttsh-errors"
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "ttsh-alarm.h"
#include "ttsh-errors.h"
#include "ttsh-journal.h"
#include "ttsh-outbox.h"
#include "ttsh-status.h"
#include "ttsh-wire.h"

G_DEFINE_QUARK (ttsh-errors-error-quark, ttsh_errors_error)

/* Stop conditions hold every record: they are listed while they last. */
#define STOP_CODES "(-2, -3, -7, -10)"

static gboolean
code_is_stop (int code)
{
  return code == TTSH_CODE_ACCOUNT_LOCKED || code == TTSH_CODE_BAD_CREDENTIALS ||
         code == TTSH_CODE_IP_DENIED || code == TTSH_CODE_CLOCK_SKEW;
}

static gboolean
code_needs_correction (int code)
{
  return code == TTSH_CODE_INVALID_DATA || code == TTSH_CODE_NOT_FOUND ||
         code == TTSH_CODE_TOO_LARGE;
}

TtshErrorCause
ttsh_error_cause_for (int         code,
                      const char *state)
{
  if (code_is_stop (code))
    return TTSH_ERROR_CAUSE_STOPPED;
  if (code_needs_correction (code))
    return TTSH_ERROR_CAUSE_REJECTED;
  return TTSH_ERROR_CAUSE_RETRIES;
}

const char *
ttsh_error_cause_label (TtshErrorCause cause)
{
  switch (cause)
    {
    case TTSH_ERROR_CAUSE_REJECTED:
      return _("Rejected by C08");
    case TTSH_ERROR_CAUSE_RETRIES:
      return _("Out of retries");
    case TTSH_ERROR_CAUSE_STOPPED:
      return _("Held by a stop condition");
    default:
      return "";
    }
}

/* Records ------------------------------------------------------------------- */

static void
error_record_clear (TtshErrorRecord *r)
{
  g_free (r->transaction_code);
  g_free (r->kind);
  g_free (r->state);
  g_free (r->stream);
  g_free (r->content);
  g_free (r->session_code);
  g_free (r->candidate_name);
  g_free (r->candidate_no);
  g_free (r->reg_code);
  g_free (r->name_folded);
  g_free (r->message);
  g_free (r->reason);
}

TtshErrorRecord *
ttsh_error_record_ref (TtshErrorRecord *record)
{
  return g_atomic_rc_box_acquire (record);
}

void
ttsh_error_record_unref (TtshErrorRecord *record)
{
  g_atomic_rc_box_release_full (record, (GDestroyNotify) error_record_clear);
}

static char *
dup_column (sqlite3_stmt *stmt,
            int           col)
{
  const char *text = (const char *) sqlite3_column_text (stmt, col);
  return g_strdup (text ? text : "");
}

static int
code_column (sqlite3_stmt *stmt,
             int           col)
{
  return sqlite3_column_type (stmt, col) == SQLITE_NULL
         ? TTSH_ERRORS_NO_CODE : sqlite3_column_int (stmt, col);
}

#define RECORD_COLUMNS \
  "o.id, o.transaction_code, o.kind, o.state, o.stream, o.session_code, " \
  "o.candidate_id, c.full_name, c.candidate_no, c.reg_code, c.name_folded, " \
  "o.last_code, o.last_message, o.error_reason, o.attempts, o.created_at, " \
  "o.first_error_at, o.last_error_at, o.handled_at, k.corrected_by "

#define RECORD_FROM \
  "FROM outbox o LEFT JOIN candidate c ON c.id = o.candidate_id " \
  "LEFT JOIN outbox_correction k ON k.outbox_id = o.id "

static TtshErrorRecord *
record_from_row (sqlite3_stmt *stmt)
{
  TtshErrorRecord *r = g_atomic_rc_box_new0 (TtshErrorRecord);
  const char *slash;

  r->id = sqlite3_column_int64 (stmt, 0);
  r->transaction_code = dup_column (stmt, 1);
  r->kind = dup_column (stmt, 2);
  r->state = dup_column (stmt, 3);
  r->stream = dup_column (stmt, 4);
  slash = strrchr (r->stream, '/');
  r->content = g_strdup (slash ? slash + 1 : "");
  r->session_code = dup_column (stmt, 5);
  r->candidate_id = sqlite3_column_int64 (stmt, 6);
  r->candidate_name = dup_column (stmt, 7);
  r->candidate_no = dup_column (stmt, 8);
  r->reg_code = dup_column (stmt, 9);
  r->name_folded = dup_column (stmt, 10);
  r->code = code_column (stmt, 11);
  r->message = dup_column (stmt, 12);
  r->reason = dup_column (stmt, 13);
  r->attempts = sqlite3_column_int (stmt, 14);
  r->created_at = sqlite3_column_int64 (stmt, 15);
  r->first_error_at = sqlite3_column_int64 (stmt, 16);
  r->last_error_at = sqlite3_column_int64 (stmt, 17);
  r->handled_at = sqlite3_column_int64 (stmt, 18);
  r->corrected_by = sqlite3_column_int64 (stmt, 19);
  r->cause = ttsh_error_cause_for (r->code, r->state);
  return r;
}

/* The stop condition holding every unsent record, or 0: -2, -3, -7 as the
 * sender records them in meta, -10 while its clock alarm is open. */
static int
held_code (TtshStore *store)
{
  g_autofree char *stopped = ttsh_store_meta_get (store, TTSH_META_C08_STOPPED);
  gint64 code = 0;
  sqlite3_stmt *stmt;
  gboolean skew = FALSE;

  if (stopped && *stopped && g_ascii_string_to_signed (stopped, 10, G_MININT, G_MAXINT, &code, NULL) &&
      code_is_stop ((int) code))
    return (int) code;
  stmt = ttsh_store_prepare (store,
      "SELECT 1 FROM alarm WHERE kind = '" TTSH_ALARM_CLOCK_SKEW "' AND cleared_at IS NULL", NULL);
  if (stmt != NULL)
    {
      skew = sqlite3_step (stmt) == SQLITE_ROW;
      sqlite3_reset (stmt);
    }
  return skew ? TTSH_CODE_CLOCK_SKEW : 0;
}

int
ttsh_errors_held_code (TtshStore *store)
{
  return held_code (store);
}

GPtrArray *
ttsh_errors_list (TtshStore  *store,
                  gboolean    include_handled,
                  GError    **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) ttsh_error_record_unref);
  int stop = held_code (store);
  sqlite3_stmt *stmt;
  int rc;

  /* Two arms so each uses its index: ERROR through outbox_due, held records
   * through the partial index of migration 050 — or, while a stop condition
   * lasts, every record still waiting to be sent. */
  if (stop == 0)
    stmt = ttsh_store_prepare (store,
        "SELECT * FROM ("
        " SELECT " RECORD_COLUMNS RECORD_FROM
        " WHERE o.state = 'ERROR' AND (?1 OR o.handled_at IS NULL)"
        " UNION ALL"
        " SELECT " RECORD_COLUMNS RECORD_FROM
        " WHERE o.state IN ('PENDING','INFLIGHT') AND o.last_code IN " STOP_CODES
        ") ORDER BY last_error_at DESC, id DESC", error);
  else
    stmt = ttsh_store_prepare (store,
        "SELECT * FROM ("
        " SELECT " RECORD_COLUMNS RECORD_FROM
        " WHERE o.state = 'ERROR' AND (?1 OR o.handled_at IS NULL)"
        " UNION ALL"
        " SELECT " RECORD_COLUMNS RECORD_FROM
        " WHERE o.state IN ('PENDING','INFLIGHT')"
        ") ORDER BY last_error_at DESC, id DESC", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int (stmt, 1, include_handled ? 1 : 0);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TtshErrorRecord *r = record_from_row (stmt);
      if (stop != 0 && g_strcmp0 (r->state, "ERROR") != 0)
        {
          r->code = stop;
          r->cause = TTSH_ERROR_CAUSE_STOPPED;
        }
      g_ptr_array_add (out, r);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      ttsh_store_set_error (store, rc, error);
      return NULL;
    }
  return g_steal_pointer (&out);
}

gint64
ttsh_errors_count_open (TtshStore  *store,
                        GError    **error)
{
  sqlite3_stmt *stmt = ttsh_store_prepare (store,
      "SELECT count(*) FROM outbox WHERE state = 'ERROR' AND handled_at IS NULL", error);
  gint64 n = -1;

  if (stmt == NULL)
    return -1;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

static TtshErrorRecord *
record_get (TtshStore  *store,
            gint64      id,
            GError    **error)
{
  sqlite3_stmt *stmt = ttsh_store_prepare (store,
      "SELECT " RECORD_COLUMNS RECORD_FROM "WHERE o.id = ?1", error);
  TtshErrorRecord *r = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    r = record_from_row (stmt);
  sqlite3_reset (stmt);
  if (r == NULL)
    g_set_error (error, TTSH_ERRORS_ERROR, TTSH_ERRORS_ERROR_NOT_FOUND,
                 _("Record %lld does not exist"), (long long) id);
  return r;
}

/* Payload ------------------------------------------------------------------- */

char *
ttsh_mask_citizen_id (const char *cid)
{
  gsize len;
  GString *s;

  if (cid == NULL)
    return NULL;
  len = strlen (cid);
  if (len <= 6)
    return g_strnfill (len, '*');
  s = g_string_new_len (cid, 4);
  for (gsize i = 4; i < len - 2; i++)
    g_string_append_c (s, '*');
  g_string_append (s, cid + len - 2);
  return g_string_free (s, FALSE);
}

static void
mask_object (JsonObject *obj)
{
  static const char *photos[] = { TTSH_W_ANH_HOC_VIEN, TTSH_W_ANH_DIEM_DANH };

  if (json_object_has_member (obj, TTSH_W_SO_CCCD))
    {
      const char *cid = json_object_get_string_member_with_default (obj, TTSH_W_SO_CCCD, NULL);
      g_autofree char *masked = ttsh_mask_citizen_id (cid);
      if (masked)
        json_object_set_string_member (obj, TTSH_W_SO_CCCD, masked);
    }
  if (json_object_has_member (obj, TTSH_W_NGAY_SINH))
    json_object_set_string_member (obj, TTSH_W_NGAY_SINH, "****-**-**");
  for (guint i = 0; i < G_N_ELEMENTS (photos); i++)
    {
      const char *b64 = json_object_get_string_member_with_default (obj, photos[i], NULL);
      if (b64 != NULL)
        {
          /* base64 length → decoded size, to show what was there */
          gsize n = strlen (b64), pad = 0;
          g_autofree char *text = NULL;
          if (n >= 2 && b64[n - 1] == '=')
            pad = b64[n - 2] == '=' ? 2 : 1;
          text = g_strdup_printf (_("[photo, %lu bytes, hidden]"), (unsigned long) (n / 4 * 3 - pad));
          json_object_set_string_member (obj, photos[i], text);
        }
    }
}

char *
ttsh_errors_payload_text (TtshStore  *store,
                          gint64      id,
                          gboolean    reveal_personal,
                          GError    **error)
{
  g_autoptr(GBytes) bytes = ttsh_outbox_read_payload (store, id, error);
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(JsonGenerator) gen = NULL;
  JsonNode *root;

  if (bytes == NULL)
    return NULL;
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL),
                                   (gssize) g_bytes_get_size (bytes), error))
    return NULL;
  root = json_parser_get_root (parser);
  if (!reveal_personal && JSON_NODE_HOLDS_OBJECT (root))
    mask_object (json_node_get_object (root));
  gen = json_generator_new ();
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

/* History ------------------------------------------------------------------- */

void
ttsh_error_event_free (TtshErrorEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->from_state);
  g_free (event->to_state);
  g_free (event->message);
  g_free (event->batch_id);
  g_free (event->operator_name);
  g_free (event);
}

GPtrArray *
ttsh_errors_history (TtshStore  *store,
                     gint64      id,
                     GError    **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) ttsh_error_event_free);
  sqlite3_stmt *stmt = ttsh_store_prepare (store,
      "SELECT at, from_state, to_state, code, message, batch_id, operator "
      "FROM outbox_event WHERE outbox_id = ?1 ORDER BY id", error);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TtshErrorEvent *e = g_new0 (TtshErrorEvent, 1);
      e->at = sqlite3_column_int64 (stmt, 0);
      e->from_state = dup_column (stmt, 1);
      e->to_state = dup_column (stmt, 2);
      e->code = code_column (stmt, 3);
      e->message = dup_column (stmt, 4);
      e->batch_id = dup_column (stmt, 5);
      e->operator_name = dup_column (stmt, 6);
      g_ptr_array_add (out, e);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      ttsh_store_set_error (store, rc, error);
      return NULL;
    }
  return g_steal_pointer (&out);
}

/* Resend and handling ------------------------------------------------------- */

void
ttsh_errors_report_free (TtshErrorsReport *report)
{
  if (report == NULL)
    return;
  g_clear_pointer (&report->refused, g_ptr_array_unref);
  g_free (report);
}

static void
refusal_free (TtshErrorRefusal *r)
{
  g_free (r->transaction_code);
  g_free (r->reason);
  g_free (r);
}

static TtshErrorsReport *
report_new (void)
{
  TtshErrorsReport *report = g_new0 (TtshErrorsReport, 1);
  report->refused = g_ptr_array_new_with_free_func ((GDestroyNotify) refusal_free);
  return report;
}

static void
report_refuse (TtshErrorsReport *report,
               gint64            id,
               const char       *code,
               char             *reason)   /* taken */
{
  TtshErrorRefusal *r = g_new0 (TtshErrorRefusal, 1);
  r->id = id;
  r->transaction_code = g_strdup (code ? code : "");
  r->reason = reason;
  g_ptr_array_add (report->refused, r);
}

/* The key fields that make two records of one stream and kind the same
 * business record: attempt and sequence of a process record, the attempt of
 * a cancellation; attendance and summary are one per stream. */
static char *
record_identity (TtshStore  *store,
                 gint64      id,
                 const char *kind)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *obj;

  if (g_strcmp0 (kind, TTSH_KIND_QUA_TRINH) != 0 && g_strcmp0 (kind, TTSH_KIND_HUY_KET_QUA) != 0)
    return g_strdup (kind);
  bytes = ttsh_outbox_read_payload (store, id, NULL);
  if (bytes == NULL)
    return NULL;
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL),
                                   (gssize) g_bytes_get_size (bytes), NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;
  obj = json_node_get_object (json_parser_get_root (parser));
  return g_strdup_printf ("%s/%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT, kind,
                          json_object_get_int_member_with_default (obj, TTSH_W_LAN_SAT_HACH, 0),
                          json_object_get_int_member_with_default (obj, TTSH_W_SO_THU_TU, 0));
}

/* A corrected re-submission: a later record of the same stream, kind and
 * business identity that is not itself rejected. */
static gint64
find_correction (TtshStore       *store,
                 TtshErrorRecord *r,
                 GError         **error)
{
  g_autofree char *identity = record_identity (store, r->id, r->kind);
  g_autoptr(GArray) candidates = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt;

  if (identity == NULL)
    return 0;
  /* A correction is submitted after the rejection it answers; looking only
   * there keeps "resend all" on thousands of rejections from unsealing whole
   * streams on the engine thread. */
  stmt = ttsh_store_prepare (store,
      "SELECT id FROM outbox WHERE stream = ?1 AND kind = ?2 AND id > ?3 AND created_at >= ?4 "
      "AND NOT (state = 'ERROR' AND last_code IN (-4, -6, -9)) "
      "ORDER BY id LIMIT 50", error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, r->stream, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, r->kind, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, r->id);
  sqlite3_bind_int64 (stmt, 4, r->first_error_at);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 other = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (candidates, other);
    }
  sqlite3_reset (stmt);

  for (guint i = 0; i < candidates->len; i++)
    {
      gint64 other = g_array_index (candidates, gint64, i);
      g_autofree char *other_identity = record_identity (store, other, r->kind);
      if (g_strcmp0 (identity, other_identity) == 0)
        return other;
    }
  return 0;
}

static char *
refusal_for (TtshStore        *store,
             TtshErrorRecord  *r,
             gint64           *correction,
             GError          **error)
{
  int stop;

  *correction = 0;
  if (g_strcmp0 (r->state, "ERROR") != 0)
    {
      int held = held_code (store);
      if (held != 0)
        return g_strdup_printf (_("The record is waiting to be sent, but sending is stopped (%d: %s). "
                                  "Fix the cause; it is sent automatically afterwards."),
                                held, ttsh_code_message (held));
      if (code_is_stop (r->code))
        return g_strdup_printf (_("The record is waiting to be sent, but sending is stopped (%d: %s). "
                                  "Fix the cause; it is sent automatically afterwards."),
                                r->code, ttsh_code_message (r->code));
      return g_strdup_printf (_("The record is not in the error queue (state %s)."), r->state);
    }
  if (code_needs_correction (r->code))
    {
      *correction = find_correction (store, r, error);
      if (*correction < 0)
        return NULL;
      if (*correction > 0)
        return NULL;
      return g_strdup_printf (_("C08 rejected this data (%d: %s). The exam program must first "
                                "re-submit corrected data; the original record is kept unchanged "
                                "and will be linked to the correction."),
                              r->code, ttsh_code_message (r->code));
    }
  stop = held_code (store);
  if (stop != 0)
    return g_strdup_printf (_("Sending to C08 is stopped (%d: %s). %s"),
                            stop, ttsh_code_message (stop), ttsh_code_action (stop));
  return NULL;
}

char *
ttsh_errors_resend_refusal (TtshStore  *store,
                            gint64      id,
                            gint64     *correction,
                            GError    **error)
{
  g_autoptr(TtshErrorRecord) r = record_get (store, id, error);
  gint64 corr = 0;
  char *reason;

  if (correction)
    *correction = 0;
  if (r == NULL)
    return NULL;
  reason = refusal_for (store, r, &corr, error);
  if (correction)
    *correction = corr;
  return reason;
}

static gboolean
check_actor (const char  *operator_name,
             const char  *note,
             GError     **error)
{
  if (operator_name == NULL || *operator_name == '\0')
    {
      g_set_error_literal (error, TTSH_ERRORS_ERROR, TTSH_ERRORS_ERROR_INVALID,
                           _("An operator is required"));
      return FALSE;
    }
  {
    g_autofree char *trimmed = g_strstrip (g_strdup (note ? note : ""));
    if (*trimmed == '\0')
      {
        g_set_error_literal (error, TTSH_ERRORS_ERROR, TTSH_ERRORS_ERROR_INVALID,
                             _("A note is required"));
        return FALSE;
      }
  }
  return TRUE;
}

static gboolean
add_event (TtshStore   *store,
           gint64       id,
           const char  *from_state,
           const char  *to_state,
           int          code,
           const char  *message,
           const char  *operator_name,
           GError     **error)
{
  sqlite3_stmt *stmt = ttsh_store_prepare (store,
      "INSERT INTO outbox_event (outbox_id, at, from_state, to_state, code, message, operator) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, ttsh_now_ms ());
  sqlite3_bind_text (stmt, 3, from_state, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, to_state, -1, SQLITE_STATIC);
  if (code == TTSH_ERRORS_NO_CODE)
    sqlite3_bind_null (stmt, 5);
  else
    sqlite3_bind_int (stmt, 5, code);
  sqlite3_bind_text (stmt, 6, message, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, operator_name, -1, SQLITE_STATIC);
  return ttsh_store_step_done (store, stmt, error);
}

static char *
journal_detail (TtshErrorRecord *r,
                const char      *note,
                gint64           linked_to)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "outbox_id");
  json_builder_add_int_value (b, r->id);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, r->kind);
  json_builder_set_member_name (b, "code");
  if (r->code == TTSH_ERRORS_NO_CODE)
    json_builder_add_null_value (b);
  else
    json_builder_add_int_value (b, r->code);
  json_builder_set_member_name (b, "attempts");
  json_builder_add_int_value (b, r->attempts);
  if (linked_to > 0)
    {
      json_builder_set_member_name (b, "corrected_by");
      json_builder_add_int_value (b, linked_to);
    }
  json_builder_set_member_name (b, "note");
  json_builder_add_string_value (b, note);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

static gboolean
mark_handled_one (TtshStore       *store,
                  TtshErrorRecord *r,
                  gint64           linked_to,
                  const char      *operator_name,
                  const char      *note,
                  GError         **error)
{
  sqlite3_stmt *stmt;
  g_autofree char *detail = journal_detail (r, note, linked_to);
  g_autofree char *message = NULL;
  gint64 now = ttsh_now_ms ();

  stmt = ttsh_store_prepare (store,
      "UPDATE outbox SET handled_at = ?2, updated_at = ?2 WHERE id = ?1 AND state = 'ERROR'", error);
  if (stmt == NULL || (sqlite3_bind_int64 (stmt, 1, r->id), sqlite3_bind_int64 (stmt, 2, now),
                       !ttsh_store_step_done (store, stmt, error)))
    return FALSE;
  if (linked_to > 0)
    {
      stmt = ttsh_store_prepare (store,
          "INSERT OR IGNORE INTO outbox_correction (outbox_id, corrected_by, linked_at, operator) "
          "VALUES (?1, ?2, ?3, ?4)", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, r->id);
      sqlite3_bind_int64 (stmt, 2, linked_to);
      sqlite3_bind_int64 (stmt, 3, now);
      sqlite3_bind_text (stmt, 4, operator_name, -1, SQLITE_STATIC);
      if (!ttsh_store_step_done (store, stmt, error))
        return FALSE;
      message = g_strdup_printf ("handled, corrected by outbox %" G_GINT64_FORMAT ": %s", linked_to, note);
    }
  else
    message = g_strdup_printf ("handled: %s", note);
  if (!add_event (store, r->id, "ERROR", "ERROR", r->code, message, operator_name, error))
    return FALSE;
  return ttsh_journal_append (store, operator_name, TTSH_JOURNAL_RECORD_HANDLED,
                              r->transaction_code, detail, error) > 0;
}

static gboolean
resend_one (TtshStore       *store,
            TtshErrorRecord *r,
            const char      *operator_name,
            const char      *note,
            GError         **error)
{
  g_autofree char *detail = journal_detail (r, note, 0);
  g_autofree char *message = g_strdup_printf ("manual resend: %s", note);
  gint64 now = ttsh_now_ms ();
  sqlite3_stmt *stmt;

  /* A fresh retry budget; the spent attempts stay in outbox_event and in
   * the journal entry. */
  stmt = ttsh_store_prepare (store,
      "UPDATE outbox SET state = 'PENDING', next_attempt_at = ?2, attempts = 0, "
      "handled_at = NULL, errored_at = NULL, updated_at = ?2 WHERE id = ?1 AND state = 'ERROR'", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, r->id);
  sqlite3_bind_int64 (stmt, 2, now);
  if (!ttsh_store_step_done (store, stmt, error))
    return FALSE;
  if (sqlite3_changes (ttsh_store_db (store)) != 1)
    {
      g_set_error (error, TTSH_ERRORS_ERROR, TTSH_ERRORS_ERROR_NOT_FOUND,
                   _("Record %s left the error queue meanwhile"), r->transaction_code);
      return FALSE;
    }
  if (!add_event (store, r->id, "ERROR", "PENDING", r->code, message, operator_name, error))
    return FALSE;
  return ttsh_journal_append (store, operator_name, TTSH_JOURNAL_RECORD_RESENT,
                              r->transaction_code, detail, error) > 0;
}

typedef enum { ACT_RESEND, ACT_HANDLE } Act;

static TtshErrorsReport *
act_on (TtshStore    *store,
        Act           act,
        const gint64 *ids,
        guint         n_ids,
        const char   *operator_name,
        const char   *note,
        GError      **error)
{
  g_autoptr(TtshErrorsReport) report = report_new ();
  g_autofree char *trimmed = NULL;

  if (!check_actor (operator_name, note, error))
    return NULL;
  trimmed = g_strstrip (g_strdup (note));
  if (!ttsh_store_begin (store, error))
    return NULL;
  for (guint i = 0; i < n_ids; i++)
    {
      GError *local = NULL;
      g_autoptr(TtshErrorRecord) r = record_get (store, ids[i], &local);
      gint64 correction = 0;
      char *reason;

      if (r == NULL)
        {
          report_refuse (report, ids[i], NULL, g_strdup (local->message));
          g_clear_error (&local);
          continue;
        }
      if (act == ACT_HANDLE)
        {
          if (g_strcmp0 (r->state, "ERROR") != 0)
            {
              report_refuse (report, r->id, r->transaction_code,
                             g_strdup_printf (_("The record is not in the error queue (state %s)."), r->state));
              continue;
            }
          if (r->handled_at != 0)
            {
              report_refuse (report, r->id, r->transaction_code,
                             g_strdup (_("The record is already marked handled.")));
              continue;
            }
          if (!mark_handled_one (store, r, 0, operator_name, trimmed, error))
            goto fail;
          report->n_done++;
          continue;
        }

      reason = refusal_for (store, r, &correction, &local);
      if (local != NULL)
        {
          g_propagate_error (error, local);
          goto fail;
        }
      if (reason != NULL)
        {
          report_refuse (report, r->id, r->transaction_code, reason);
          continue;
        }
      if (correction > 0)
        {
          if (r->corrected_by == 0 &&
              !mark_handled_one (store, r, correction, operator_name, trimmed, error))
            goto fail;
          report->n_linked++;
          continue;
        }
      if (!resend_one (store, r, operator_name, trimmed, error))
        goto fail;
      report->n_done++;
    }
  if (!ttsh_store_commit (store, error))
    return NULL;
  return g_steal_pointer (&report);

fail:
  ttsh_store_rollback (store);
  return NULL;
}

TtshErrorsReport *
ttsh_errors_resend (TtshStore    *store,
                    const gint64 *ids,
                    guint         n_ids,
                    const char   *operator_name,
                    const char   *note,
                    GError      **error)
{
  return act_on (store, ACT_RESEND, ids, n_ids, operator_name, note, error);
}

TtshErrorsReport *
ttsh_errors_mark_handled (TtshStore    *store,
                          const gint64 *ids,
                          guint         n_ids,
                          const char   *operator_name,
                          const char   *note,
                          GError      **error)
{
  return act_on (store, ACT_HANDLE, ids, n_ids, operator_name, note, error);
}
