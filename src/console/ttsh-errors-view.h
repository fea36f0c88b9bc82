/* ttsh-errors-view.h — the "errors" page: the error queue grouped by code,
 * with filters, search, the cause and handling history of a record, manual
 * resend, "handled" marks and export. */
#pragma once

#include <gtk/gtk.h>

#include "ttsh-context.h"

G_BEGIN_DECLS

#define TTSH_TYPE_ERRORS_VIEW (ttsh_errors_view_get_type ())
G_DECLARE_FINAL_TYPE (TtshErrorsView, ttsh_errors_view, TTSH, ERRORS_VIEW, GtkWidget)

GtkWidget          *ttsh_errors_view_new            (TtshContext    *context);

/* Writes the list as shown (filters and order applied) to @path, XLSX when
 * it ends in .xlsx, else CSV; the outcome appears as a toast. */
void                ttsh_errors_view_export         (TtshErrorsView *self,
                                                     const char     *path);

/* For tests and benchmarks. */
GListModel         *ttsh_errors_view_get_model      (TtshErrorsView *self);  /* filtered, sorted */
GListStore         *ttsh_errors_view_get_store      (TtshErrorsView *self);
GtkMultiSelection  *ttsh_errors_view_get_selection  (TtshErrorsView *self);
GtkColumnView      *ttsh_errors_view_get_column_view (TtshErrorsView *self);
GtkEditable        *ttsh_errors_view_get_search     (TtshErrorsView *self);
GtkWidget          *ttsh_errors_view_get_detail     (TtshErrorsView *self);
void                ttsh_errors_view_set_code_filter (TtshErrorsView *self,
                                                      gboolean        any,
                                                      int             code);
/* Fills the store from records already read (benchmarks). */
void                ttsh_errors_view_set_records    (TtshErrorsView *self,
                                                     GPtrArray      *records);
void                ttsh_errors_view_reload         (TtshErrorsView *self);
gboolean            ttsh_errors_view_is_busy        (TtshErrorsView *self);
/* Loads applied, and resend/handled operations finished (tests wait on them). */
guint               ttsh_errors_view_get_generation (TtshErrorsView *self);
/* Text of the last operation's outcome (toast or refusal dialog). */
const char         *ttsh_errors_view_get_last_outcome (TtshErrorsView *self);

G_END_DECLS
