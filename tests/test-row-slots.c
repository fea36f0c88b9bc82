/* test-row-slots.c — TtshRowSlots: stable slots over a changing list. The
 * view must see only changes of length at the end, and every slot it holds
 * must show the item now at its position. */
#include "config.h"

#include <gio/gio.h>

#include "ttsh-row-slots.h"

typedef struct {
  guint position, removed, added, calls;
} Change;

static void
on_changed (GListModel *model, guint position, guint removed, guint added, Change *c)
{
  c->position = position;
  c->removed = removed;
  c->added = added;
  c->calls++;
}

static void
count_notify (guint *n)
{
  (*n)++;
}

static GListStore *
store_of (guint n)
{
  GListStore *store = g_list_store_new (G_TYPE_MENU_ITEM);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *label = g_strdup_printf ("%u", i);
      g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);
      g_list_store_append (store, item);
    }
  return store;
}

/* Every slot handed out so far shows the source's item at its position. */
static void
assert_consistent (GListModel *source, GPtrArray *held)
{
  for (guint i = 0; i < held->len; i++)
    {
      TtshRowSlot *slot = g_ptr_array_index (held, i);
      g_autoptr(GObject) expected = i < g_list_model_get_n_items (source) ? g_list_model_get_item (source, i) : NULL;

      if (expected != NULL)
        g_assert_true (ttsh_row_slot_get_item (slot) == expected);
    }
}

static void
test_filter_changes (void)
{
  g_autoptr(GListStore) store = store_of (300);
  g_autoptr(TtshRowSlots) slots = ttsh_row_slots_new (G_LIST_MODEL (store));
  g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func (g_object_unref);
  Change c = { 0 };
  guint notified = 0;

  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (slots)) == TTSH_TYPE_ROW_SLOT);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (slots)), ==, 300);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (slots), 300));
  /* A view holds the first 200 slots, as GTK 4.8's list view does. */
  for (guint i = 0; i < 200; i++)
    {
      g_ptr_array_add (held, g_list_model_get_item (G_LIST_MODEL (slots), i));
    }
  /* The same slot object for the same position. */
  {
    g_autoptr(TtshRowSlot) again = g_list_model_get_item (G_LIST_MODEL (slots), 5);
    g_assert_true (again == g_ptr_array_index (held, 5));
  }
  g_signal_connect (slots, "items-changed", G_CALLBACK (on_changed), &c);

  /* Items removed in the middle: slots from there on show the next items;
   * the view hears only that the list got shorter at the end. */
  g_list_store_splice (G_LIST_STORE (store), 10, 5, NULL, 0);
  g_assert_cmpuint (c.calls, ==, 1);
  g_assert_cmpuint (c.position, ==, 295);
  g_assert_cmpuint (c.removed, ==, 5);
  g_assert_cmpuint (c.added, ==, 0);
  assert_consistent (G_LIST_MODEL (store), held);

  /* Same length, one item replaced: only that slot changes, no items-changed. */
  {
    g_autoptr(GMenuItem) x = g_menu_item_new ("x", NULL);
    TtshRowSlot *s20 = g_ptr_array_index (held, 20), *s21 = g_ptr_array_index (held, 21);
    gpointer before21 = ttsh_row_slot_get_item (s21);

    g_signal_connect_swapped (s20, "notify::item", G_CALLBACK (count_notify), &notified);
    g_list_store_splice (G_LIST_STORE (store), 20, 1, (gpointer *) &x, 1);
    g_assert_cmpuint (c.calls, ==, 1);
    g_assert_cmpuint (notified, ==, 1);
    g_assert_true (ttsh_row_slot_get_item (s20) == (gpointer) x);
    g_assert_true (ttsh_row_slot_get_item (s21) == before21);
  }

  /* Down to three items, then back to 300: length changes at the end only. */
  g_list_store_splice (G_LIST_STORE (store), 3, 292, NULL, 0);
  g_assert_cmpuint (c.calls, ==, 2);
  g_assert_cmpuint (c.position, ==, 3);
  g_assert_cmpuint (c.removed, ==, 292);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (slots)), ==, 3);
  {
    g_autoptr(GListStore) more = store_of (297);
    for (guint i = 0; i < 297; i++)
      {
        g_autoptr(GObject) o = g_list_model_get_item (G_LIST_MODEL (more), i);
        g_list_store_append (store, o);
      }
  }
  g_assert_cmpuint (c.calls, ==, 2 + 297);   /* one per append */
  g_assert_cmpuint (c.position, ==, 299);
  g_assert_cmpuint (c.added, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (slots)), ==, 300);
  /* The first three slots are those the view still holds. */
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(TtshRowSlot) s = g_list_model_get_item (G_LIST_MODEL (slots), i);
      g_autoptr(GObject) o = g_list_model_get_item (G_LIST_MODEL (store), i);
      g_assert_true (s == g_ptr_array_index (held, i));
      g_assert_true (ttsh_row_slot_get_item (s) == (gpointer) o);
    }
  {
    g_autoptr(TtshRowSlot) s = g_list_model_get_item (G_LIST_MODEL (slots), 150);
    g_autoptr(GObject) o = g_list_model_get_item (G_LIST_MODEL (store), 150);
    g_assert_true (ttsh_row_slot_get_item (s) == (gpointer) o);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/row-slots/filter-changes", test_filter_changes);
  return g_test_run ();
}
