/* ttsh-cancel.h — an examiner cancels a candidate's result (HUY_KET_QUA).
 *
 * One transaction writes the cancellation row, enqueues the record for C08,
 * marks the content CANCELLED and journals who, when and why. The result
 * itself is never altered: the cancellation is a new fact beside it. */
#pragma once

#include "ttsh-store.h"

G_BEGIN_DECLS

#define TTSH_CANCEL_ERROR (ttsh_cancel_error_quark ())

typedef enum {
  TTSH_CANCEL_ERROR_INVALID,     /* bad reason, short text, unknown content or attempt */
  TTSH_CANCEL_ERROR_NOT_FOUND,   /* candidate, content or operator */
  TTSH_CANCEL_ERROR_REFUSED,     /* the operator's role may not cancel */
  TTSH_CANCEL_ERROR_DUPLICATE,   /* this attempt is already cancelled */
} TtshCancelError;

#define TTSH_CANCEL_MIN_REASON_CHARS 10

/* MaLyDoHuy codes offered to examiners, with their translated labels. */
typedef struct {
  const char *code;
  const char *label;
} TtshCancelReason;

const TtshCancelReason *ttsh_cancel_reasons (guint *n_reasons);
const char             *ttsh_cancel_reason_label (const char *code);  /* NULL: unknown */

typedef struct {
  gint64      candidate_id;
  const char *content;          /* LY_THUYET, MO_PHONG, SA_HINH, DUONG_TRUONG */
  int         attempt;          /* LanSatHach, ≥ 1 */
  const char *reason_code;
  const char *reason_text;      /* ≥ 10 characters after trimming */
  gint64      operator_id;      /* the signed-in examiner */
} TtshCancelRequest;

GQuark  ttsh_cancel_error_quark (void);

/* Validates without writing; the same checks ttsh_cancel_result makes. */
gboolean ttsh_cancel_validate (TtshStore               *store,
                               const TtshCancelRequest *req,
                               GError                 **error);

/* Returns the cancellation's outbox id (its TransactionCode in @out_code),
 * or 0 with error. A refusal for the operator's role is journaled as
 * ACTION_REFUSED. The caller wakes the sender. */
gint64   ttsh_cancel_result   (TtshStore               *store,
                               const char              *centre_code,
                               const TtshCancelRequest *req,
                               char                   **out_code,
                               GError                 **error);

/* Attempts of a candidate's content that can still be cancelled (ascending,
 * as ints); empty when none. */
GArray  *ttsh_cancel_open_attempts (TtshStore  *store,
                                    gint64      candidate_id,
                                    const char *content,
                                    GError    **error);

/* What the cancellation dialog offers for one candidate. */
typedef struct {
  char   *content;
  char   *state;                /* candidate_content.state */
  GArray *open_attempts;        /* int, ascending */
} TtshCancelContent;

typedef struct {
  gint64     candidate_id;
  char      *full_name;
  char      *candidate_no;
  char      *reg_code;
  char      *licence_class;
  char      *session_code;
  GPtrArray *contents;          /* TtshCancelContent */
} TtshCancelTarget;

void              ttsh_cancel_target_free (TtshCancelTarget *target);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TtshCancelTarget, ttsh_cancel_target_free)

/* By id, or (id 0) by candidate number in a session (0: newest open one). */
TtshCancelTarget *ttsh_cancel_target_load (TtshStore   *store,
                                           gint64       candidate_id,
                                           gint64       session_id,
                                           const char  *candidate_no,
                                           GError     **error);

G_END_DECLS
