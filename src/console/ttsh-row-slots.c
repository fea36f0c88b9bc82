/* ttsh-row-slots.c — stable row slots over a changing list. */
#define G_LOG_DOMAIN "ttsh-console"
#include "config.h"

#include <math.h>
#include <gtk/gtk.h>

#include "ttsh-row-slots.h"

/* Rows kept shown right beyond the visible ones, and slots brought up to
 * date per frame for the rows GTK keeps out of sight. */
#define WINDOW_MARGIN 8
#define FLUSH_PER_FRAME 16
#define GROW_PER_FRAME 16
#define GTK_ROWS 200           /* row widgets a GTK 4.8 list view keeps */
#define MIN_ROW_HEIGHT 8.0
#define MAX_ROW_HEIGHT 400.0

/* Slot ----------------------------------------------------------------------- */

struct _TtshRowSlot {
  GObject       parent_instance;
  GObject      *item;
  TtshRowSlots *owner;      /* not a reference; NULL once it let go */
  guint         position;
  gboolean      stale;      /* item is not yet the source's */
};

static void slot_refresh (TtshRowSlot *slot);

enum { SLOT_PROP_0, SLOT_PROP_ITEM, SLOT_N_PROPS };
static GParamSpec *slot_props[SLOT_N_PROPS];

G_DEFINE_FINAL_TYPE (TtshRowSlot, ttsh_row_slot, G_TYPE_OBJECT)

static void
ttsh_row_slot_finalize (GObject *object)
{
  g_clear_object (&TTSH_ROW_SLOT (object)->item);
  G_OBJECT_CLASS (ttsh_row_slot_parent_class)->finalize (object);
}

static void
ttsh_row_slot_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  if (prop_id == SLOT_PROP_ITEM)
    g_value_set_object (value, TTSH_ROW_SLOT (object)->item);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
ttsh_row_slot_class_init (TtshRowSlotClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ttsh_row_slot_finalize;
  G_OBJECT_CLASS (klass)->get_property = ttsh_row_slot_get_property;
  slot_props[SLOT_PROP_ITEM] =
    g_param_spec_object ("item", NULL, NULL, G_TYPE_OBJECT, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (G_OBJECT_CLASS (klass), SLOT_N_PROPS, slot_props);
}

static void
ttsh_row_slot_init (TtshRowSlot *self)
{
}

gpointer
ttsh_row_slot_get_item (TtshRowSlot *self)
{
  g_return_val_if_fail (TTSH_IS_ROW_SLOT (self), NULL);
  if (self->stale)
    slot_refresh (self);
  return self->item;
}

gpointer
ttsh_row_slot_peek_item (TtshRowSlot *self)
{
  g_return_val_if_fail (TTSH_IS_ROW_SLOT (self), NULL);
  return self->item;
}

static void
slot_set_item (TtshRowSlot *slot,
               GObject     *item)
{
  if (g_set_object (&slot->item, item))
    g_object_notify_by_pspec (G_OBJECT (slot), slot_props[SLOT_PROP_ITEM]);
}

/* Slots ---------------------------------------------------------------------- */

struct _TtshRowSlots {
  GObject        parent_instance;
  GListModel    *source;
  GPtrArray     *slots;     /* TtshRowSlot* or NULL until first asked for */
  guint          n_items;   /* shown: fewer than the source's while growing */
  guint          n_source;

  /* With a view: the rows it shows are refreshed at once, the others
   * frame by frame (see ttsh_row_slots_set_view ()). */
  GtkWidget     *view;      /* not a reference */
  GtkAdjustment *vadj;
  guint          tick_id;
  guint          win_first; /* visible rows, margins included */
  guint          win_end;
  double         row_height; /* as last seen, 0 before */
};

static void
slot_refresh (TtshRowSlot *slot)
{
  TtshRowSlots *self = slot->owner;
  g_autoptr(GObject) item = NULL;

  slot->stale = FALSE;
  if (self != NULL && slot->position < self->n_source)
    item = g_list_model_get_item (self->source, slot->position);
  slot_set_item (slot, item);
}

static gboolean
in_window (TtshRowSlots *self,
           guint         position)
{
  return self->view == NULL || (position >= self->win_first && position < self->win_end);
}

static gboolean flush_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer data);

static void
ensure_tick (TtshRowSlots *self)
{
  if (self->tick_id == 0 && self->view != NULL)
    self->tick_id = gtk_widget_add_tick_callback (self->view, flush_tick, self, NULL);
}

static void
mark_stale (TtshRowSlots *self,
            TtshRowSlot  *slot)
{
  slot->stale = TRUE;
  ensure_tick (self);
}

/* The rows in sight are shown right, whatever the budget. */
static void
refresh_window (TtshRowSlots *self)
{
  for (guint i = self->win_first; i < MIN (self->win_end, self->slots->len); i++)
    {
      TtshRowSlot *slot = g_ptr_array_index (self->slots, i);

      if (slot != NULL && slot->stale)
        slot_refresh (slot);
    }
}

/* Brings the window's stale slots and up to @budget others up to date.
 * Returns whether stale slots remain. */
static gboolean
flush (TtshRowSlots *self,
       guint         budget)
{
  gboolean left = FALSE;

  refresh_window (self);
  for (guint i = 0; i < self->slots->len; i++)
    {
      TtshRowSlot *slot = g_ptr_array_index (self->slots, i);

      if (slot == NULL || !slot->stale)
        continue;
      if (budget == 0)
        {
          left = TRUE;
          break;
        }
      slot_refresh (slot);
      budget--;
    }
  return left;
}

static void grow (TtshRowSlots *self);

static gboolean
flush_tick (GtkWidget     *widget,
            GdkFrameClock *clock,
            gpointer       data)
{
  TtshRowSlots *self = data;

  if (self->n_items < self->n_source)
    grow (self);
  if (flush (self, FLUSH_PER_FRAME) || self->n_items < self->n_source)
    return G_SOURCE_CONTINUE;
  self->tick_id = 0;
  return G_SOURCE_REMOVE;
}

/* The rows in sight, from the scroll position: rows are of one height,
 * learnt while the list is longer than the window (the scroll range then
 * holds every row; the length may just have changed under it). */
static void
update_window (TtshRowSlots *self,
               guint         n_items)
{
  double value, page, row;

  self->win_first = 0;
  self->win_end = G_MAXUINT;
  if (self->vadj == NULL || n_items == 0)
    return;
  value = gtk_adjustment_get_value (self->vadj);
  page = gtk_adjustment_get_page_size (self->vadj);
  if (page <= 0)
    return;
  row = self->row_height;
  if (row <= 0)
    return;
  value = MIN (value, MAX (0.0, n_items * row - page));
  self->win_first = (guint) MAX (0.0, floor (value / row) - WINDOW_MARGIN);
  self->win_end = (guint) MIN ((double) G_MAXUINT, ceil ((value + page) / row) + WINDOW_MARGIN);
}

static void
on_scrolled (TtshRowSlots *self)
{
  if (self->vadj != NULL && self->n_items > 0)
    {
      double upper = gtk_adjustment_get_upper (self->vadj);

      /* Between a change of length and the next layout the range is the
       * old one: a height no row has is not learnt. */
      if (upper > gtk_adjustment_get_page_size (self->vadj) &&
          upper / self->n_items >= MIN_ROW_HEIGHT && upper / self->n_items <= MAX_ROW_HEIGHT)
        self->row_height = upper / self->n_items;
    }
  update_window (self, self->n_items);
  /* What comes into sight is shown right, in this frame. */
  refresh_window (self);
}

static GType
ttsh_row_slots_get_item_type (GListModel *model)
{
  return TTSH_TYPE_ROW_SLOT;
}

static guint
ttsh_row_slots_get_n_items (GListModel *model)
{
  return TTSH_ROW_SLOTS (model)->n_items;
}

static gpointer
ttsh_row_slots_get_item (GListModel *model,
                         guint       position)
{
  TtshRowSlots *self = TTSH_ROW_SLOTS (model);
  TtshRowSlot *slot;

  if (position >= self->n_items)
    return NULL;
  if (position >= self->slots->len)
    g_ptr_array_set_size (self->slots, position + 1);
  slot = g_ptr_array_index (self->slots, position);
  if (slot == NULL)
    {
      slot = g_object_new (TTSH_TYPE_ROW_SLOT, NULL);
      slot->owner = self;
      slot->position = position;
      /* A row built out of sight starts empty and is filled in later. */
      if (in_window (self, position))
        slot->item = g_list_model_get_item (self->source, position);
      else
        mark_stale (self, slot);
      g_ptr_array_index (self->slots, position) = slot;
    }
  return g_object_ref (slot);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = ttsh_row_slots_get_item_type;
  iface->get_n_items = ttsh_row_slots_get_n_items;
  iface->get_item = ttsh_row_slots_get_item;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TtshRowSlots, ttsh_row_slots, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static void
expose (TtshRowSlots *self,
        guint         n)
{
  guint old = self->n_items;

  self->n_items = n;
  /* Slots past the new end leave the model: forget them, a later growth
   * hands out new ones. */
  if (self->slots->len > n)
    g_ptr_array_set_size (self->slots, n);
  if (n != old)
    g_list_model_items_changed (G_LIST_MODEL (self), MIN (n, old), old > n ? old - n : 0, n > old ? n - old : 0);
}

/* One frame's growth of a list shown a step at a time. */
static void
grow (TtshRowSlots *self)
{
  guint next = self->n_items + GROW_PER_FRAME;

  /* Past GTK's rows nothing is built: the rest comes at once. */
  if (next >= self->n_source || (self->win_first < G_MAXUINT - GTK_ROWS - WINDOW_MARGIN &&
                                 next >= self->win_first + GTK_ROWS + WINDOW_MARGIN))
    next = self->n_source;
  expose (self, next);
}

static void
on_source_changed (GListModel   *source,
                   guint         position,
                   guint         removed,
                   guint         added,
                   TtshRowSlots *self)
{
  guint old = self->n_items;
  guint n = g_list_model_get_n_items (source);
  /* Same length: only the changed span moves; otherwise every later slot. */
  guint end = removed == added ? position + added : n;
  guint shown = n;

  self->n_source = n;
  update_window (self, n);
  /* A list growing past the rows in sight is shown a step a frame: GTK 4.8
   * would otherwise build every new row of its 200 in this frame. */
  if (n > old && self->view != NULL && self->row_height > 0 && self->win_end < n)
    shown = MAX (old, self->win_end);
  /* Slots past the end go with expose (). */
  for (guint i = position; i < MIN (MIN (end, shown), self->slots->len); i++)
    {
      TtshRowSlot *slot = g_ptr_array_index (self->slots, i);

      if (slot == NULL)
        continue;
      if (in_window (self, i))
        slot_refresh (slot);
      else
        mark_stale (self, slot);
    }
  expose (self, shown);
  if (shown < n)
    ensure_tick (self);
}

gboolean
ttsh_row_slots_is_settled (TtshRowSlots *self)
{
  g_return_val_if_fail (TTSH_IS_ROW_SLOTS (self), TRUE);

  if (self->n_items < self->n_source)
    return FALSE;
  for (guint i = 0; i < self->slots->len; i++)
    {
      TtshRowSlot *slot = g_ptr_array_index (self->slots, i);

      if (slot != NULL && slot->stale)
        return FALSE;
    }
  return TRUE;
}

void
ttsh_row_slots_reveal (TtshRowSlots *self,
                       guint         position)
{
  g_return_if_fail (TTSH_IS_ROW_SLOTS (self));

  if (position >= self->n_items && position < self->n_source)
    expose (self, self->n_source);
}

static void
forget_view (TtshRowSlots *self)
{
  if (self->view == NULL)
    return;
  if (self->tick_id != 0)
    gtk_widget_remove_tick_callback (self->view, self->tick_id);
  self->tick_id = 0;
  if (self->vadj != NULL)
    g_signal_handlers_disconnect_by_data (self->vadj, self);
  g_clear_object (&self->vadj);
  g_signal_handlers_disconnect_by_data (self->view, self);
  g_object_weak_unref (G_OBJECT (self->view), (GWeakNotify) g_nullify_pointer, &self->view);
  self->view = NULL;
}

static void
ttsh_row_slots_dispose (GObject *object)
{
  TtshRowSlots *self = TTSH_ROW_SLOTS (object);

  forget_view (self);
  /* Bring every slot up to date: nothing refreshes them any more. */
  flush (self, G_MAXUINT);
  if (self->source != NULL)
    g_signal_handlers_disconnect_by_data (self->source, self);
  g_clear_object (&self->source);
  G_OBJECT_CLASS (ttsh_row_slots_parent_class)->dispose (object);
}

static void
ttsh_row_slots_finalize (GObject *object)
{
  g_ptr_array_unref (TTSH_ROW_SLOTS (object)->slots);
  G_OBJECT_CLASS (ttsh_row_slots_parent_class)->finalize (object);
}

static void
ttsh_row_slots_class_init (TtshRowSlotsClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ttsh_row_slots_dispose;
  G_OBJECT_CLASS (klass)->finalize = ttsh_row_slots_finalize;
}

static void
free_slot (gpointer data)
{
  TtshRowSlot *slot = data;

  if (slot == NULL)
    return;
  slot->owner = NULL;
  slot->stale = FALSE;
  g_object_unref (slot);
}

static void
ttsh_row_slots_init (TtshRowSlots *self)
{
  self->slots = g_ptr_array_new_with_free_func (free_slot);
}

TtshRowSlots *
ttsh_row_slots_new (GListModel *source)
{
  TtshRowSlots *self = g_object_new (TTSH_TYPE_ROW_SLOTS, NULL);

  self->source = g_object_ref (source);
  self->n_items = self->n_source = g_list_model_get_n_items (source);
  g_signal_connect (source, "items-changed", G_CALLBACK (on_source_changed), self);
  return self;
}

static void
on_vadjustment (TtshRowSlots *self)
{
  GtkAdjustment *vadj = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->view));

  if (self->vadj != NULL)
    g_signal_handlers_disconnect_by_data (self->vadj, self);
  g_set_object (&self->vadj, vadj);
  if (vadj != NULL)
    {
      g_signal_connect_swapped (vadj, "value-changed", G_CALLBACK (on_scrolled), self);
      g_signal_connect_swapped (vadj, "changed", G_CALLBACK (on_scrolled), self);
    }
  on_scrolled (self);
}

/* Whole list shown, every slot up to date: what nothing would do later. */
static void
settle_now (TtshRowSlots *self)
{
  expose (self, self->n_source);
  flush (self, G_MAXUINT);
}

static void
on_view_gone (TtshRowSlots *self)
{
  /* A tick callback dies with its widget's frame clock: settle at once. */
  if (self->tick_id != 0)
    gtk_widget_remove_tick_callback (self->view, self->tick_id);
  self->tick_id = 0;
  settle_now (self);
}

void
ttsh_row_slots_set_view (TtshRowSlots *self,
                         GtkWidget    *view)
{
  g_return_if_fail (TTSH_IS_ROW_SLOTS (self));
  g_return_if_fail (view == NULL || GTK_IS_SCROLLABLE (view));

  forget_view (self);
  if (view == NULL)
    {
      update_window (self, self->n_items);   /* no view: everything */
      settle_now (self);
      return;
    }
  self->view = view;
  g_object_weak_ref (G_OBJECT (view), (GWeakNotify) g_nullify_pointer, &self->view);
  g_signal_connect_swapped (view, "notify::vadjustment", G_CALLBACK (on_vadjustment), self);
  g_signal_connect_swapped (view, "unrealize", G_CALLBACK (on_view_gone), self);
  on_vadjustment (self);
}
