/* ttsh-roster-line.h — a row of fixed-width cells, shared by the roster's
 * header and its rows so that columns line up whatever the cells hold. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TTSH_TYPE_ROSTER_LINE (ttsh_roster_line_get_type ())
G_DECLARE_FINAL_TYPE (TtshRosterLine, ttsh_roster_line, TTSH, ROSTER_LINE, GtkWidget)

/* widths: px per column, 0 for the one column that takes the remaining room
 * (at least min_flexible); the array must outlive the row. */
GtkWidget *ttsh_roster_line_new    (const int *widths,
                                   int        n_columns,
                                   int        spacing,
                                   int        min_flexible);
void       ttsh_roster_line_append (TtshRosterLine *self,
                                   GtkWidget     *cell);

G_END_DECLS
