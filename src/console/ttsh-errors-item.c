/* ttsh-errors-item.c — list item of the error queue and the search folding
 * it is matched with. */
#define G_LOG_DOMAIN "ttsh-console"
#include "config.h"

#include "ttsh-errors-item.h"

struct _TtshErrorsItem {
  GObject          parent_instance;
  TtshErrorRecord *record;
  char            *haystack;
};

G_DEFINE_FINAL_TYPE (TtshErrorsItem, ttsh_errors_item, G_TYPE_OBJECT)

static void
ttsh_errors_item_finalize (GObject *object)
{
  TtshErrorsItem *self = TTSH_ERRORS_ITEM (object);

  g_clear_pointer (&self->record, ttsh_error_record_unref);
  g_free (self->haystack);
  G_OBJECT_CLASS (ttsh_errors_item_parent_class)->finalize (object);
}

static void
ttsh_errors_item_class_init (TtshErrorsItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ttsh_errors_item_finalize;
}

static void
ttsh_errors_item_init (TtshErrorsItem *self)
{
}

TtshErrorsItem *
ttsh_errors_item_new (TtshErrorRecord *record)
{
  TtshErrorsItem *self = g_object_new (TTSH_TYPE_ERRORS_ITEM, NULL);
  g_autofree char *joined = NULL;

  self->record = ttsh_error_record_ref (record);
  /* name_folded is stored folded (ttsh_text_fold); codes are ASCII. */
  joined = g_strjoin (" ", record->name_folded, record->candidate_no, record->reg_code,
                      record->transaction_code, record->session_code, NULL);
  self->haystack = g_ascii_strdown (joined, -1);
  return self;
}

TtshErrorRecord *
ttsh_errors_item_get_record (TtshErrorsItem *self)
{
  g_return_val_if_fail (TTSH_IS_ERRORS_ITEM (self), NULL);
  return self->record;
}

const char *
ttsh_errors_item_get_haystack (TtshErrorsItem *self)
{
  return self->haystack;
}
