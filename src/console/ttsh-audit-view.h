/* ttsh-audit-view.h — the "audit" page: the journal filtered by operator,
 * kind and time, with the HMAC chain verified in the background and a
 * warning that stays visible when it is broken. */
#pragma once

#include <gtk/gtk.h>

#include "ttsh-context.h"

G_BEGIN_DECLS

#define TTSH_TYPE_AUDIT_VIEW (ttsh_audit_view_get_type ())
G_DECLARE_FINAL_TYPE (TtshAuditView, ttsh_audit_view, TTSH, AUDIT_VIEW, GtkWidget)

GtkWidget   *ttsh_audit_view_new           (TtshContext   *context);

/* For tests. */
GListModel  *ttsh_audit_view_get_model     (TtshAuditView *self);   /* as shown */
GtkDropDown *ttsh_audit_view_get_actor_filter  (TtshAuditView *self);
GtkDropDown *ttsh_audit_view_get_action_filter (TtshAuditView *self);
GtkEditable *ttsh_audit_view_get_search    (TtshAuditView *self);
GtkLabel    *ttsh_audit_view_get_verify_label (TtshAuditView *self);
/* -1 unknown yet, 0 broken, 1 intact. */
int          ttsh_audit_view_get_chain_state (TtshAuditView *self);
gboolean     ttsh_audit_view_is_busy       (TtshAuditView *self);
guint        ttsh_audit_view_get_generation (TtshAuditView *self);

G_END_DECLS
