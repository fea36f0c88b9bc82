/* ttsh-cancel-dialog.h — an examiner cancels a candidate's result: choose
 * candidate, content and attempt, a reason code and at least ten characters
 * of explanation, then confirm in a dialog that names the candidate. */
#pragma once

#include <adwaita.h>

#include "ttsh-context.h"

G_BEGIN_DECLS

#define TTSH_TYPE_CANCEL_DIALOG (ttsh_cancel_dialog_get_type ())
G_DECLARE_FINAL_TYPE (TtshCancelDialog, ttsh_cancel_dialog, TTSH, CANCEL_DIALOG, AdwWindow)

/* @candidate_id: 0 to let the examiner type a candidate number of the
 * context's selected session. */
TtshCancelDialog *ttsh_cancel_dialog_new (TtshContext *context,
                                          GtkWindow   *parent,
                                          gint64       candidate_id);

/* For tests: the form's controls and the state of the last step. */
GtkEditable *ttsh_cancel_dialog_get_number_entry (TtshCancelDialog *self);
AdwComboRow *ttsh_cancel_dialog_get_content_row  (TtshCancelDialog *self);
AdwComboRow *ttsh_cancel_dialog_get_attempt_row  (TtshCancelDialog *self);
AdwComboRow *ttsh_cancel_dialog_get_reason_row   (TtshCancelDialog *self);
GtkTextBuffer *ttsh_cancel_dialog_get_reason_buffer (TtshCancelDialog *self);
GtkWidget   *ttsh_cancel_dialog_get_submit       (TtshCancelDialog *self);
/* The confirmation dialog while it is open, else NULL. */
AdwMessageDialog *ttsh_cancel_dialog_get_confirmation (TtshCancelDialog *self);
const char  *ttsh_cancel_dialog_get_error        (TtshCancelDialog *self);   /* NULL: none */
gboolean     ttsh_cancel_dialog_is_busy          (TtshCancelDialog *self);

G_END_DECLS
