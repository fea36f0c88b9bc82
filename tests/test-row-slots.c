/* test-row-slots.c — TtshRowSlots: stable slots over a changing list. The
 * view must see only changes of length at the end, and every slot it holds
 * must show the item now at its position. */
#include "config.h"

#include <gtk/gtk.h>

#include "ttsh-row-slots.h"
#include "ttsh-test-util.h"

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

/* With a list view ------------------------------------------------------- */

static const char *
label_of (gpointer item)
{
  static char buf[64];
  g_autoptr(GVariant) v = item ? g_menu_item_get_attribute_value (item, "label", G_VARIANT_TYPE_STRING) : NULL;

  g_strlcpy (buf, v ? g_variant_get_string (v, NULL) : "", sizeof buf);
  return buf;
}

/* A row shows what its slot shows now, as the roster's rows do. */
static void
row_show (GtkListItem *list_item)
{
  TtshRowSlot *slot = gtk_list_item_get_item (list_item);

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (list_item)),
                      label_of (slot ? ttsh_row_slot_peek_item (slot) : NULL));
}

static void
row_setup (GtkSignalListItemFactory *f, GtkListItem *list_item, gpointer data)
{
  gtk_list_item_set_child (list_item, gtk_label_new (NULL));
}

static void
row_bind (GtkSignalListItemFactory *f, GtkListItem *list_item, gpointer data)
{
  g_signal_connect_object (gtk_list_item_get_item (list_item), "notify::item", G_CALLBACK (row_show),
                           list_item, G_CONNECT_SWAPPED);
  row_show (list_item);
}

static void
row_unbind (GtkSignalListItemFactory *f, GtkListItem *list_item, gpointer data)
{
  g_signal_handlers_disconnect_by_data (gtk_list_item_get_item (list_item), list_item);
}

static const char *wanted;

static gboolean
match (gpointer item, gpointer data)
{
  return wanted == NULL || g_str_equal (label_of (item), wanted);
}

/* Rows the view built, and how many show an item that is not theirs. */
static guint
rows_wrong (GtkWidget *view, GListModel *source, guint *n_rows)
{
  guint wrong = 0;

  *n_rows = 0;
  for (GtkWidget *row = gtk_widget_get_first_child (view); row; row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *label = gtk_widget_get_first_child (row);
      const char *text;
      char *end;
      guint64 v;

      if (!GTK_IS_LABEL (label))
        continue;
      (*n_rows)++;
      text = gtk_label_get_text (GTK_LABEL (label));
      v = g_ascii_strtoull (text, &end, 10);
      if (*text == '\0' || *end != '\0' || v >= g_list_model_get_n_items (source))
        wrong++;
    }
  return wrong;
}

static gboolean
settled (gpointer slots)
{
  return ttsh_row_slots_is_settled (slots);
}

static void
test_view (void)
{
  g_autoptr(GListStore) store = store_of (10000);
  GtkCustomFilter *filter = gtk_custom_filter_new (match, NULL, NULL);
  g_autoptr(GtkFilterListModel) filtered = gtk_filter_list_model_new (G_LIST_MODEL (g_object_ref (store)),
                                                                       GTK_FILTER (g_object_ref (filter)));
  g_autoptr(TtshRowSlots) slots = ttsh_row_slots_new (G_LIST_MODEL (filtered));
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkWidget *window = gtk_window_new ();
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *view;
  guint n_rows, n;
  gboolean done;

  g_signal_connect (factory, "setup", G_CALLBACK (row_setup), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (row_bind), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (row_unbind), NULL);
  view = gtk_list_view_new (GTK_SELECTION_MODEL (gtk_no_selection_new (G_LIST_MODEL (g_object_ref (slots)))),
                            factory);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), view);
  gtk_window_set_child (GTK_WINDOW (window), scroller);
  gtk_window_set_default_size (GTK_WINDOW (window), 300, 300);
  ttsh_row_slots_set_view (slots, view);
  gtk_window_present (GTK_WINDOW (window));
  done = ttsh_test_run_until (settled, slots, 10);
  g_assert_true (done);
  ttsh_test_run_for (200);
  g_assert_cmpuint (rows_wrong (view, G_LIST_MODEL (store), &n_rows), ==, 0);
  /* GTK 4.8 keeps up to 200 rows, far more than the window shows. */
  g_assert_cmpuint (n_rows, >, 100);

  /* Down to one item: at once. */
  wanted = "5000";
  gtk_filter_changed (GTK_FILTER (filter), GTK_FILTER_CHANGE_MORE_STRICT);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (slots)), ==, 1);
  g_assert_true (ttsh_row_slots_is_settled (slots));
  ttsh_test_run_for (100);

  /* Back to all: the rows in sight at once, the list a step a frame. */
  wanted = NULL;
  gtk_filter_changed (GTK_FILTER (filter), GTK_FILTER_CHANGE_LESS_STRICT);
  n = g_list_model_get_n_items (G_LIST_MODEL (slots));
  g_assert_cmpuint (n, >=, 10);
  g_assert_cmpuint (n, <, 100);
  g_assert_false (ttsh_row_slots_is_settled (slots));
  {
    g_autoptr(TtshRowSlot) first = g_list_model_get_item (G_LIST_MODEL (slots), 0);
    g_autoptr(GObject) expected = g_list_model_get_item (G_LIST_MODEL (store), 0);
    g_assert_true (ttsh_row_slot_peek_item (first) == (gpointer) expected);
  }
  done = ttsh_test_run_until (settled, slots, 10);
  g_assert_true (done);
  ttsh_test_run_for (100);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (slots)), ==, 10000);
  g_assert_cmpuint (rows_wrong (view, G_LIST_MODEL (store), &n_rows), ==, 0);
  g_assert_cmpuint (n_rows, >, 100);

  /* A row far down wanted before the list grew to it: all of it at once. */
  wanted = "5000";
  gtk_filter_changed (GTK_FILTER (filter), GTK_FILTER_CHANGE_MORE_STRICT);
  wanted = NULL;
  gtk_filter_changed (GTK_FILTER (filter), GTK_FILTER_CHANGE_LESS_STRICT);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (slots)), <, 10000);
  ttsh_row_slots_reveal (slots, 9000);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (slots)), ==, 10000);
  {
    g_autoptr(TtshRowSlot) s = g_list_model_get_item (G_LIST_MODEL (slots), 9000);
    g_autoptr(GObject) expected = g_list_model_get_item (G_LIST_MODEL (store), 9000);
    g_assert_true (ttsh_row_slot_get_item (s) == (gpointer) expected);
  }

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (filter);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/row-slots/filter-changes", test_filter_changes);
  g_test_add_func ("/row-slots/view", test_view);
  return g_test_run ();
}
