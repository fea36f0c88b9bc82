/* ttsh-errors-item.h — one record of the error queue as a list item.
 *
 * Immutable: a reload replaces items, so rows never show half-updated
 * state. The record is shared with the export, which runs off the main
 * thread. */
#pragma once

#include <glib-object.h>

#include "ttsh-errors.h"

G_BEGIN_DECLS

#define TTSH_TYPE_ERRORS_ITEM (ttsh_errors_item_get_type ())
G_DECLARE_FINAL_TYPE (TtshErrorsItem, ttsh_errors_item, TTSH, ERRORS_ITEM, GObject)

TtshErrorsItem  *ttsh_errors_item_new        (TtshErrorRecord *record);
TtshErrorRecord *ttsh_errors_item_get_record (TtshErrorsItem  *self);
/* Lower case, without Vietnamese diacritics: name, numbers and codes. */
const char      *ttsh_errors_item_get_haystack (TtshErrorsItem *self);

G_END_DECLS
