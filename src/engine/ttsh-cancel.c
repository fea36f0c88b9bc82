/* ttsh-cancel.c — result cancellation by an examiner, forwarded to C08.
 *
 * Checks run again inside the write transaction, so two consoles cannot
 * cancel the same attempt twice; the UNIQUE constraint is the last guard. */
#define G_LOG_DOMAIN "ttsh-cancel"
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "ttsh-cancel.h"
#include "ttsh-journal.h"
#include "ttsh-outbox.h"
#include "ttsh-wire.h"

G_DEFINE_QUARK (ttsh-cancel-error-quark, ttsh_cancel_error)

/* Associated data of the sealed candidate columns (as the roster ingest seals them). */
#define CANDIDATE_CID_AAD "candidate.cid"
#define CANDIDATE_DOB_AAD "candidate.dob"

#define EXAMINER_ROLE "SAT_HACH_VIEN"

static const TtshCancelReason reasons[] = {
  { "VI_PHAM_QUY_CHE", N_("Candidate broke the exam rules") },
  { "GIAN_LAN",        N_("Fraud or impersonation") },
  { "SAI_THONG_TIN",   N_("Wrong candidate or wrong identity data") },
  { "SU_CO_THIET_BI",  N_("Equipment or exam software failure") },
  { "SAI_QUY_TRINH",   N_("Exam procedure not followed") },
  { "KHAC",            N_("Other reason") },
};

const TtshCancelReason *
ttsh_cancel_reasons (guint *n_reasons)
{
  if (n_reasons)
    *n_reasons = G_N_ELEMENTS (reasons);
  return reasons;
}

const char *
ttsh_cancel_reason_label (const char *code)
{
  for (guint i = 0; i < G_N_ELEMENTS (reasons); i++)
    if (g_strcmp0 (reasons[i].code, code) == 0)
      return _(reasons[i].label);
  return NULL;
}

static gboolean
content_valid (const char *content)
{
  return g_strcmp0 (content, TTSH_CONTENT_LY_THUYET) == 0 ||
         g_strcmp0 (content, TTSH_CONTENT_MO_PHONG) == 0 ||
         g_strcmp0 (content, TTSH_CONTENT_SA_HINH) == 0 ||
         g_strcmp0 (content, TTSH_CONTENT_DUONG_TRUONG) == 0;
}

/* The highest attempt known for a content, from its live state, process
 * records and results; -1 when the candidate is not registered for it. */
static int
last_attempt (TtshStore  *store,
              gint64      candidate_id,
              const char *content,
              GError    **error)
{
  sqlite3_stmt *stmt = ttsh_store_prepare (store,
      "SELECT max(cc.attempt,"
      " coalesce((SELECT max(attempt) FROM process_record p WHERE p.candidate_id = cc.candidate_id AND p.content = cc.content), 0),"
      " coalesce((SELECT max(attempt) FROM result r WHERE r.candidate_id = cc.candidate_id AND r.content = cc.content), 0)) "
      "FROM candidate_content cc WHERE cc.candidate_id = ?1 AND cc.content = ?2", error);
  int n = -1;

  if (stmt == NULL)
    return -2;
  sqlite3_bind_int64 (stmt, 1, candidate_id);
  sqlite3_bind_text (stmt, 2, content, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

static int
is_cancelled (TtshStore  *store,
              gint64      candidate_id,
              const char *content,
              int         attempt,
              GError    **error)
{
  sqlite3_stmt *stmt = ttsh_store_prepare (store,
      "SELECT 1 FROM cancellation WHERE candidate_id = ?1 AND content = ?2 AND attempt = ?3", error);
  int found;

  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, candidate_id);
  sqlite3_bind_text (stmt, 2, content, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 3, attempt);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return found;
}

GArray *
ttsh_cancel_open_attempts (TtshStore  *store,
                           gint64      candidate_id,
                           const char *content,
                           GError    **error)
{
  g_autoptr(GArray) out = g_array_new (FALSE, FALSE, sizeof (int));
  int last = last_attempt (store, candidate_id, content, error);

  if (last < -1)
    return NULL;
  for (int a = 1; a <= last; a++)
    {
      int c = is_cancelled (store, candidate_id, content, a, error);
      if (c < 0)
        return NULL;
      if (!c)
        g_array_append_val (out, a);
    }
  return g_steal_pointer (&out);
}

gboolean
ttsh_cancel_validate (TtshStore               *store,
                      const TtshCancelRequest *req,
                      GError                 **error)
{
  g_autofree char *text = g_strstrip (g_strdup (req->reason_text ? req->reason_text : ""));
  int last, cancelled;

  if (ttsh_cancel_reason_label (req->reason_code) == NULL)
    {
      g_set_error (error, TTSH_CANCEL_ERROR, TTSH_CANCEL_ERROR_INVALID,
                   _("Choose a cancellation reason from the list"));
      return FALSE;
    }
  if (!g_utf8_validate (text, -1, NULL) ||
      g_utf8_strlen (text, -1) < TTSH_CANCEL_MIN_REASON_CHARS)
    {
      g_set_error (error, TTSH_CANCEL_ERROR, TTSH_CANCEL_ERROR_INVALID,
                   _("The reason must be at least %d characters long"),
                   TTSH_CANCEL_MIN_REASON_CHARS);
      return FALSE;
    }
  if (!content_valid (req->content))
    {
      g_set_error (error, TTSH_CANCEL_ERROR, TTSH_CANCEL_ERROR_INVALID,
                   _("Unknown exam content “%s”"), req->content ? req->content : "");
      return FALSE;
    }
  last = last_attempt (store, req->candidate_id, req->content, error);
  if (last < -1)
    return FALSE;
  if (last == -1)
    {
      g_set_error (error, TTSH_CANCEL_ERROR, TTSH_CANCEL_ERROR_NOT_FOUND,
                   _("The candidate is not registered for this content"));
      return FALSE;
    }
  if (req->attempt < 1 || req->attempt > last)
    {
      g_set_error (error, TTSH_CANCEL_ERROR, TTSH_CANCEL_ERROR_INVALID,
                   _("Attempt %d has not taken place"), req->attempt);
      return FALSE;
    }
  cancelled = is_cancelled (store, req->candidate_id, req->content, req->attempt, error);
  if (cancelled < 0)
    return FALSE;
  if (cancelled)
    {
      g_set_error (error, TTSH_CANCEL_ERROR, TTSH_CANCEL_ERROR_DUPLICATE,
                   _("The result of attempt %d is already cancelled"), req->attempt);
      return FALSE;
    }
  return TRUE;
}

typedef struct {
  char *username;
  char *full_name;
  char *position;
  char *role;
} Operator;

static void
operator_clear (Operator *op)
{
  g_free (op->username);
  g_free (op->full_name);
  g_free (op->position);
  g_free (op->role);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Operator, operator_clear)

static gboolean
operator_load (TtshStore  *store,
               gint64      id,
               Operator   *op,
               GError    **error)
{
  sqlite3_stmt *stmt = ttsh_store_prepare (store,
      "SELECT username, full_name, position, role FROM operator WHERE id = ?1 AND disabled = 0", error);
  gboolean found = FALSE;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      op->username = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      op->full_name = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      op->position = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      op->role = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      found = TRUE;
    }
  sqlite3_reset (stmt);
  if (!found)
    g_set_error (error, TTSH_CANCEL_ERROR, TTSH_CANCEL_ERROR_NOT_FOUND,
                 _("Operator %lld does not exist or is disabled"), (long long) id);
  return found;
}

/* Identity block of the candidate (§4.3), personal data unsealed. */
static gboolean
add_identity (TtshStore   *store,
              JsonBuilder *b,
              gint64       candidate_id,
              const char  *content,
              char       **session_code,
              char       **reg_code,
              char       **full_name,
              GError     **error)
{
  sqlite3_stmt *stmt = ttsh_store_prepare (store,
      "SELECT c.reg_code, c.full_name, c.dob_sealed, c.cid_sealed, c.candidate_no, "
      "c.licence_class, s.code FROM candidate c JOIN exam_session s ON s.id = c.session_id "
      "WHERE c.id = ?1", error);
  g_autoptr(GBytes) dob = NULL;
  g_autoptr(GBytes) cid = NULL;
  g_autofree char *dob_text = NULL;
  g_autofree char *cid_text = NULL;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, candidate_id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      g_set_error (error, TTSH_CANCEL_ERROR, TTSH_CANCEL_ERROR_NOT_FOUND,
                   _("Candidate %lld does not exist"), (long long) candidate_id);
      return FALSE;
    }
  dob = ttsh_store_column_unsealed (store, stmt, 2, CANDIDATE_DOB_AAD, error);
  cid = dob ? ttsh_store_column_unsealed (store, stmt, 3, CANDIDATE_CID_AAD, error) : NULL;
  if (cid == NULL)
    {
      sqlite3_reset (stmt);
      return FALSE;
    }
  dob_text = g_strndup (g_bytes_get_data (dob, NULL), g_bytes_get_size (dob));
  cid_text = g_strndup (g_bytes_get_data (cid, NULL), g_bytes_get_size (cid));
  *reg_code = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  *full_name = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  *session_code = g_strdup ((const char *) sqlite3_column_text (stmt, 6));

  json_builder_set_member_name (b, TTSH_W_MA_DANG_KY);
  json_builder_add_string_value (b, *reg_code);
  json_builder_set_member_name (b, TTSH_W_HO_TEN);
  json_builder_add_string_value (b, *full_name);
  json_builder_set_member_name (b, TTSH_W_NGAY_SINH);
  json_builder_add_string_value (b, dob_text);
  json_builder_set_member_name (b, TTSH_W_SO_CCCD);
  json_builder_add_string_value (b, cid_text);
  json_builder_set_member_name (b, TTSH_W_SO_BAO_DANH);
  json_builder_add_string_value (b, (const char *) sqlite3_column_text (stmt, 4));
  json_builder_set_member_name (b, TTSH_W_HANG_SAT_HACH);
  json_builder_add_string_value (b, (const char *) sqlite3_column_text (stmt, 5));
  json_builder_set_member_name (b, TTSH_W_MA_KY_SAT_HACH);
  json_builder_add_string_value (b, *session_code);
  json_builder_set_member_name (b, TTSH_W_NOI_DUNG_SAT_HACH);
  json_builder_add_string_value (b, content);
  sqlite3_reset (stmt);
  return TRUE;
}

static void
journal_refusal (TtshStore               *store,
                 const Operator          *op,
                 const TtshCancelRequest *req)
{
  g_autofree char *subject = g_strdup_printf ("candidate %" G_GINT64_FORMAT " %s attempt %d",
                                              req->candidate_id, req->content ? req->content : "",
                                              req->attempt);
  g_autofree char *detail = g_strdup_printf ("CANCEL_RESULT refused for role %s", op->role);
  g_autoptr(GError) error = NULL;

  if (ttsh_journal_append (store, op->username, TTSH_JOURNAL_ACTION_REFUSED, subject, detail, &error) == 0)
    g_warning ("cannot journal a refused cancellation: %s", error->message);
}

gint64
ttsh_cancel_result (TtshStore               *store,
                    const char              *centre_code,
                    const TtshCancelRequest *req,
                    char                   **out_code,
                    GError                 **error)
{
  g_auto(Operator) op = { 0 };
  g_autoptr(JsonBuilder) b = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *session_code = NULL;
  g_autofree char *reg_code = NULL;
  g_autofree char *full_name = NULL;
  g_autofree char *stream = NULL;
  g_autofree char *code = NULL;
  g_autofree char *now_text = NULL;
  g_autofree char *text = g_strstrip (g_strdup (req->reason_text ? req->reason_text : ""));
  g_autofree char *detail = NULL;
  g_autofree char *subject = NULL;
  const char *position;
  sqlite3_stmt *stmt;
  gint64 outbox_id, now = ttsh_now_ms ();

  if (!operator_load (store, req->operator_id, &op, error))
    return 0;
  if (g_strcmp0 (op.role, EXAMINER_ROLE) != 0)
    {
      journal_refusal (store, &op, req);
      g_set_error (error, TTSH_CANCEL_ERROR, TTSH_CANCEL_ERROR_REFUSED,
                   _("Only an examiner may cancel a result"));
      return 0;
    }
  position = op.position && *op.position ? op.position : _("Examiner");

  if (!ttsh_store_begin (store, error))
    return 0;
  if (!ttsh_cancel_validate (store, req, error))
    goto fail;

  now_text = ttsh_time_format_ms (now);
  b = json_builder_new ();
  json_builder_begin_object (b);
  if (!add_identity (store, b, req->candidate_id, req->content, &session_code, &reg_code,
                     &full_name, error))
    goto fail;
  json_builder_set_member_name (b, TTSH_W_LAN_SAT_HACH);
  json_builder_add_int_value (b, req->attempt);
  json_builder_set_member_name (b, TTSH_W_MA_LY_DO_HUY);
  json_builder_add_string_value (b, req->reason_code);
  json_builder_set_member_name (b, TTSH_W_LY_DO_HUY);
  json_builder_add_string_value (b, text);
  json_builder_set_member_name (b, TTSH_W_NGUOI_HUY);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, TTSH_W_HO_TEN);
  json_builder_add_string_value (b, op.full_name);
  json_builder_set_member_name (b, TTSH_W_CHUC_VU);
  json_builder_add_string_value (b, position);
  json_builder_end_object (b);
  json_builder_set_member_name (b, TTSH_W_THOI_GIAN_HUY);
  json_builder_add_string_value (b, now_text);
  json_builder_end_object (b);
  root = json_builder_get_root (b);

  /* Same stream as the content's process records: C08 gets the
   * cancellation only after the result it cancels. */
  stream = ttsh_outbox_stream_key (session_code, reg_code, req->content);
  outbox_id = ttsh_outbox_enqueue (store, centre_code, TTSH_KIND_HUY_KET_QUA, stream, session_code,
                                   req->candidate_id, json_node_get_object (root), &code, error);
  if (outbox_id == 0)
    goto fail;

  stmt = ttsh_store_prepare (store,
      "INSERT INTO cancellation (candidate_id, content, attempt, reason_code, reason_text, "
      "by_name, by_position, operator_id, cancel_time, outbox_id, created_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, req->candidate_id);
  sqlite3_bind_text (stmt, 2, req->content, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 3, req->attempt);
  sqlite3_bind_text (stmt, 4, req->reason_code, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, text, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, op.full_name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, position, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 8, req->operator_id);
  sqlite3_bind_text (stmt, 9, now_text, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 10, outbox_id);
  sqlite3_bind_int64 (stmt, 11, now);
  if (!ttsh_store_step_done (store, stmt, error))
    goto fail;

  stmt = ttsh_store_prepare (store,
      "UPDATE candidate_content SET state = 'CANCELLED', updated_at = ?3 "
      "WHERE candidate_id = ?1 AND content = ?2", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, req->candidate_id);
  sqlite3_bind_text (stmt, 2, req->content, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, now);
  if (!ttsh_store_step_done (store, stmt, error))
    goto fail;

  subject = g_strdup_printf ("%s %s %s attempt %d", code, reg_code, req->content, req->attempt);
  detail = g_strdup_printf ("%s (%s): %s — %s", full_name, req->reason_code, text, op.full_name);
  if (ttsh_journal_append (store, op.username, TTSH_JOURNAL_RESULT_CANCELLED, subject, detail, error) == 0)
    goto fail;
  if (!ttsh_store_commit (store, error))
    return 0;
  if (out_code)
    *out_code = g_steal_pointer (&code);
  return outbox_id;

fail:
  ttsh_store_rollback (store);
  return 0;
}

/* Dialog support -------------------------------------------------------------- */

static void
cancel_content_free (TtshCancelContent *c)
{
  g_free (c->content);
  g_free (c->state);
  g_clear_pointer (&c->open_attempts, g_array_unref);
  g_free (c);
}

void
ttsh_cancel_target_free (TtshCancelTarget *target)
{
  if (target == NULL)
    return;
  g_free (target->full_name);
  g_free (target->candidate_no);
  g_free (target->reg_code);
  g_free (target->licence_class);
  g_free (target->session_code);
  g_clear_pointer (&target->contents, g_ptr_array_unref);
  g_free (target);
}

TtshCancelTarget *
ttsh_cancel_target_load (TtshStore   *store,
                         gint64       candidate_id,
                         gint64       session_id,
                         const char  *candidate_no,
                         GError     **error)
{
  g_autoptr(TtshCancelTarget) t = NULL;
  sqlite3_stmt *stmt;

  stmt = ttsh_store_prepare (store,
      "SELECT c.id, c.full_name, c.candidate_no, c.reg_code, c.licence_class, s.code "
      "FROM candidate c JOIN exam_session s ON s.id = c.session_id "
      "WHERE (?1 > 0 AND c.id = ?1) OR (?1 = 0 AND c.candidate_no = ?3 "
      "  AND (?2 = 0 OR c.session_id = ?2)) "
      "ORDER BY s.state = 'OPEN' DESC, s.received_at DESC LIMIT 1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, candidate_id);
  sqlite3_bind_int64 (stmt, 2, session_id);
  sqlite3_bind_text (stmt, 3, candidate_no ? candidate_no : "", -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      t = g_new0 (TtshCancelTarget, 1);
      t->candidate_id = sqlite3_column_int64 (stmt, 0);
      t->full_name = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      t->candidate_no = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      t->reg_code = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      t->licence_class = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
      t->session_code = g_strdup ((const char *) sqlite3_column_text (stmt, 5));
      t->contents = g_ptr_array_new_with_free_func ((GDestroyNotify) cancel_content_free);
    }
  sqlite3_reset (stmt);
  if (t == NULL)
    {
      g_set_error (error, TTSH_CANCEL_ERROR, TTSH_CANCEL_ERROR_NOT_FOUND,
                   _("No candidate with this number"));
      return NULL;
    }

  stmt = ttsh_store_prepare (store,
      "SELECT content, state FROM candidate_content WHERE candidate_id = ?1 ORDER BY id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, t->candidate_id);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      TtshCancelContent *c = g_new0 (TtshCancelContent, 1);
      c->content = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      c->state = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      g_ptr_array_add (t->contents, c);
    }
  sqlite3_reset (stmt);
  for (guint i = 0; i < t->contents->len; i++)
    {
      TtshCancelContent *c = g_ptr_array_index (t->contents, i);
      c->open_attempts = ttsh_cancel_open_attempts (store, t->candidate_id, c->content, error);
      if (c->open_attempts == NULL)
        return NULL;
    }
  return g_steal_pointer (&t);
}
