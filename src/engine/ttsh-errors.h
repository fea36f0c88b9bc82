/* ttsh-errors.h — the error queue: records C08 rejected, that ran out of
 * retries, or that a stop condition holds; manual resend and "handled" marks.
 *
 * Nothing here rewrites a record's payload: a resend sends the same bytes
 * with the same TransactionCode, and data rejected as invalid is only ever
 * superseded by a corrected record the source submits, linked to it. */
#pragma once

#include <json-glib/json-glib.h>

#include "ttsh-store.h"

G_BEGIN_DECLS

#define TTSH_ERRORS_ERROR (ttsh_errors_error_quark ())

typedef enum {
  TTSH_ERRORS_ERROR_INVALID,      /* missing operator or note */
  TTSH_ERRORS_ERROR_NOT_FOUND,
} TtshErrorsError;

/* Why a record is listed. */
typedef enum {
  TTSH_ERROR_CAUSE_REJECTED,      /* -4, -6, -9 on a single record: fix the source */
  TTSH_ERROR_CAUSE_RETRIES,       /* recoverable failures until the retry bound */
  TTSH_ERROR_CAUSE_STOPPED,       /* held by -2, -3, -7, -10 */
} TtshErrorCause;

/* last_code when the record never got a C08 answer (transport failure). */
#define TTSH_ERRORS_NO_CODE G_MININT

typedef struct {
  gint64          id;
  char           *transaction_code;
  char           *kind;
  char           *state;           /* ERROR, or PENDING/INFLIGHT when held */
  char           *stream;
  char           *content;         /* from the stream key; "" for none */
  char           *session_code;
  gint64          candidate_id;    /* 0: none */
  char           *candidate_name;
  char           *candidate_no;
  char           *reg_code;
  char           *name_folded;     /* for search without diacritics */
  int             code;            /* last_code or TTSH_ERRORS_NO_CODE */
  char           *message;         /* last_message from C08 */
  char           *reason;          /* error_reason written by the sender */
  TtshErrorCause  cause;
  int             attempts;
  gint64          created_at;
  gint64          first_error_at;
  gint64          last_error_at;
  gint64          handled_at;      /* 0: not handled */
  gint64          corrected_by;    /* outbox id of the correction, 0: none */
} TtshErrorRecord;

TtshErrorRecord *ttsh_error_record_ref   (TtshErrorRecord *record);
void             ttsh_error_record_unref (TtshErrorRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TtshErrorRecord, ttsh_error_record_unref)

GQuark      ttsh_errors_error_quark (void);

const char *ttsh_error_cause_label  (TtshErrorCause cause);   /* translated */
TtshErrorCause ttsh_error_cause_for (int code, const char *state);

/* Every record in the queue, newest error first. Handled records are
 * included only when @include_handled. Elements: TtshErrorRecord. */
GPtrArray  *ttsh_errors_list        (TtshStore    *store,
                                     gboolean      include_handled,
                                     GError      **error);
gint64      ttsh_errors_count_open  (TtshStore    *store,
                                     GError      **error);

/* The stop condition holding every unsent record, or 0: -2, -3, -7 from
 * meta c08.stopped, else -10 while the clock alarm is open. */
int         ttsh_errors_held_code   (TtshStore    *store);

/* The payload as stored, pretty-printed; the citizen ID is masked and photos
 * are replaced by their size unless @reveal_personal. */
char       *ttsh_errors_payload_text (TtshStore   *store,
                                      gint64       id,
                                      gboolean     reveal_personal,
                                      GError     **error);

/* Masks a citizen ID as 0010******89; NULL for NULL. */
char       *ttsh_mask_citizen_id    (const char   *cid);

/* The record's outbox_event rows, oldest first. */
typedef struct {
  gint64  at;
  char   *from_state;
  char   *to_state;
  int     code;                    /* TTSH_ERRORS_NO_CODE when none */
  char   *message;
  char   *batch_id;
  char   *operator_name;
} TtshErrorEvent;

void        ttsh_error_event_free   (TtshErrorEvent *event);
GPtrArray  *ttsh_errors_history     (TtshStore    *store,
                                     gint64        id,
                                     GError      **error);

/* Outcome of a resend or handled mark, one line per refused record. */
typedef struct {
  guint       n_done;              /* set to PENDING, or marked handled */
  guint       n_linked;            /* superseded by a correction: handled + linked */
  GPtrArray  *refused;             /* TtshErrorRefusal */
} TtshErrorsReport;

typedef struct {
  gint64  id;
  char   *transaction_code;
  char   *reason;                  /* translated explanation */
} TtshErrorRefusal;

void        ttsh_errors_report_free (TtshErrorsReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TtshErrorsReport, ttsh_errors_report_free)

/* Why @id may not be resent now, or NULL when it may. *correction gets the
 * outbox id of a corrected re-submission of a rejected record (0: none). */
char       *ttsh_errors_resend_refusal (TtshStore  *store,
                                        gint64      id,
                                        gint64     *correction,
                                        GError    **error);

/* Manual resend, one transaction: each resendable record goes ERROR→PENDING
 * due now, same TransactionCode, with an outbox_event row naming the
 * operator and a RECORD_RESENT journal entry. A rejected record whose
 * source sent a correction is marked handled and linked to it instead. The
 * caller wakes the sender. */
TtshErrorsReport *ttsh_errors_resend (TtshStore    *store,
                                      const gint64 *ids,
                                      guint         n_ids,
                                      const char   *operator_name,
                                      const char   *note,
                                      GError      **error);

/* Marks records handled (they leave the open queue) with the operator's
 * note; journaled as RECORD_HANDLED. */
TtshErrorsReport *ttsh_errors_mark_handled (TtshStore    *store,
                                            const gint64 *ids,
                                            guint         n_ids,
                                            const char   *operator_name,
                                            const char   *note,
                                            GError      **error);

G_END_DECLS
