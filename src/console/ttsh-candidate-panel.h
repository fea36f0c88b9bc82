/* ttsh-candidate-panel.h — one candidate's identity and, per content, the
 * timeline of attendance, process events, results and their transmission. */
#pragma once

#include <adwaita.h>

#include "ttsh-context.h"
#include "ttsh-photo-cache.h"

G_BEGIN_DECLS

#define TTSH_TYPE_CANDIDATE_PANEL (ttsh_candidate_panel_get_type ())
G_DECLARE_FINAL_TYPE (TtshCandidatePanel, ttsh_candidate_panel, TTSH, CANDIDATE_PANEL, GtkWidget)

/* Follows the context's "selected-candidate-id". */
GtkWidget *ttsh_candidate_panel_new            (TtshContext        *context,
                                                TtshPhotoCache     *photos);
void       ttsh_candidate_panel_refresh        (TtshCandidatePanel *self);
guint      ttsh_candidate_panel_get_generation (TtshCandidatePanel *self);
gint64     ttsh_candidate_panel_get_candidate_id (TtshCandidatePanel *self);

G_END_DECLS
