/* ttsh-row-slots.h — a list of stable row slots over a changing list.
 *
 * A list view shown through slots keeps its row widgets when the list
 * underneath is filtered again: a slot keeps its position and only the item
 * it shows changes ("notify::item"), so the view sees at most a change in
 * length at the end. In GTK 4.8 a list view otherwise destroys and builds
 * again every row of the items that moved, up to 200 rows per change. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TTSH_TYPE_ROW_SLOT (ttsh_row_slot_get_type ())
G_DECLARE_FINAL_TYPE (TtshRowSlot, ttsh_row_slot, TTSH, ROW_SLOT, GObject)

/* The item shown in this slot (borrowed), or NULL past the end. */
gpointer       ttsh_row_slot_get_item (TtshRowSlot *self);

#define TTSH_TYPE_ROW_SLOTS (ttsh_row_slots_get_type ())
G_DECLARE_FINAL_TYPE (TtshRowSlots, ttsh_row_slots, TTSH, ROW_SLOTS, GObject)

TtshRowSlots  *ttsh_row_slots_new     (GListModel   *source);

G_END_DECLS
