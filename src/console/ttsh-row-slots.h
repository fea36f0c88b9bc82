/* ttsh-row-slots.h — a list of stable row slots over a changing list.
 *
 * A list view shown through slots keeps its row widgets when the list
 * underneath is filtered again: a slot keeps its position and only the item
 * it shows changes ("notify::item"), so the view sees at most a change in
 * length at the end. In GTK 4.8 a list view otherwise destroys and builds
 * again every row of the items that moved, up to 200 rows per change.
 *
 * GTK 4.8 also keeps those 200 rows whatever the window shows. Given the
 * view (ttsh_row_slots_set_view ()), slots of rows in sight change at once
 * and the others a few per frame afterwards: a filter then rebuilds what
 * is seen, not 200 rows. A row widget shows its slot's item as it is
 * (ttsh_row_slot_peek_item ()); everything else asks with
 * ttsh_row_slot_get_item (), which is always up to date. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TTSH_TYPE_ROW_SLOT (ttsh_row_slot_get_type ())
G_DECLARE_FINAL_TYPE (TtshRowSlot, ttsh_row_slot, TTSH, ROW_SLOT, GObject)

/* The item in this slot's position (borrowed), or NULL past the end. */
gpointer       ttsh_row_slot_get_item  (TtshRowSlot *self);
/* The item the slot shows now, which a row out of sight may not have had
 * brought up to date yet (NULL for a row not yet filled in). For rows. */
gpointer       ttsh_row_slot_peek_item (TtshRowSlot *self);

#define TTSH_TYPE_ROW_SLOTS (ttsh_row_slots_get_type ())
G_DECLARE_FINAL_TYPE (TtshRowSlots, ttsh_row_slots, TTSH, ROW_SLOTS, GObject)

TtshRowSlots  *ttsh_row_slots_new      (GListModel   *source);
/* Shows the whole list at once if @position is not shown yet: a list
 * growing by more than the rows in sight is shown a step a frame. */
void           ttsh_row_slots_reveal   (TtshRowSlots *self,
                                        guint         position);
/* Whether every slot shows its item and the whole list is shown. */
gboolean       ttsh_row_slots_is_settled (TtshRowSlots *self);
/* The scrollable list view showing the slots, or NULL for none. */
void           ttsh_row_slots_set_view (TtshRowSlots *self,
                                        GtkWidget    *view);

G_END_DECLS
