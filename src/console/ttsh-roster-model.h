/* ttsh-roster-model.h — the filtered roster as a plain array model. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TTSH_TYPE_ROSTER_MODEL (ttsh_roster_model_get_type ())
G_DECLARE_FINAL_TYPE (TtshRosterModel, ttsh_roster_model, TTSH, ROSTER_MODEL, GObject)

typedef gboolean (*TtshRosterMatch) (gpointer item,
                                     gpointer user_data);

TtshRosterModel *ttsh_roster_model_new      (GListModel      *source,
                                             TtshRosterMatch  match,
                                             gpointer         user_data);
/* Re-applies the match function to every source item. */
void             ttsh_roster_model_refilter (TtshRosterModel *self);

G_END_DECLS
