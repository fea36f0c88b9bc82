/* ttsh-candidate-item.h — one roster row's state as a GObject: rows of the
 * column view bind to its properties and follow its notifications. */
#pragma once

#include <glib-object.h>

#include "ttsh-query.h"

G_BEGIN_DECLS

#define TTSH_TYPE_CANDIDATE_ITEM (ttsh_candidate_item_get_type ())
G_DECLARE_FINAL_TYPE (TtshCandidateItem, ttsh_candidate_item, TTSH, CANDIDATE_ITEM, GObject)

TtshCandidateItem *ttsh_candidate_item_new        (const TtshRosterRow *row);
/* Copies what changed and notifies only those properties. */
void         ttsh_candidate_item_update          (TtshCandidateItem   *self,
                                                  const TtshRosterRow *row);
gint64       ttsh_candidate_item_get_id          (TtshCandidateItem *self);
const char  *ttsh_candidate_item_get_candidate_no (TtshCandidateItem *self);
const char  *ttsh_candidate_item_get_full_name   (TtshCandidateItem *self);
const char  *ttsh_candidate_item_get_name_folded (TtshCandidateItem *self);
const char  *ttsh_candidate_item_get_licence_class (TtshCandidateItem *self);
const char  *ttsh_candidate_item_get_cid         (TtshCandidateItem *self);
gboolean     ttsh_candidate_item_get_has_photo   (TtshCandidateItem *self);
const char  *ttsh_candidate_item_get_state       (TtshCandidateItem *self,
                                                  int                content);
double       ttsh_candidate_item_get_score       (TtshCandidateItem *self,
                                                  int                content);
int          ttsh_candidate_item_get_attempt     (TtshCandidateItem *self,
                                                  int                content);
const char  *ttsh_candidate_item_get_tx_state    (TtshCandidateItem *self);
int          ttsh_candidate_item_get_tx_error    (TtshCandidateItem *self);
int          ttsh_candidate_item_get_tx_pending  (TtshCandidateItem *self);
/* Sort rank of a content state: the order an examiner reads a session in. */
int          ttsh_content_state_rank             (const char *state);

/* Property names per content, for "notify::" details. */
extern const char *const ttsh_candidate_item_state_props[TTSH_N_CONTENTS];

G_END_DECLS
