/* ttsh-row-slots.c — stable row slots over a changing list. */
#define G_LOG_DOMAIN "ttsh-console"
#include "config.h"

#include "ttsh-row-slots.h"

/* Slot ----------------------------------------------------------------------- */

struct _TtshRowSlot {
  GObject  parent_instance;
  GObject *item;
};

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
  GObject     parent_instance;
  GListModel *source;
  GPtrArray  *slots;     /* TtshRowSlot* or NULL until first asked for */
  guint       n_items;
};

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
      slot->item = g_list_model_get_item (self->source, position);
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

  self->n_items = n;
  for (guint i = position; i < MIN (end, self->slots->len); i++)
    {
      TtshRowSlot *slot = g_ptr_array_index (self->slots, i);

      if (slot != NULL)
        {
          g_autoptr(GObject) item = i < n ? g_list_model_get_item (source, i) : NULL;
          slot_set_item (slot, item);
        }
    }
  /* Slots past the new end leave the model: forget them, a later growth
   * hands out new ones. */
  if (self->slots->len > n)
    g_ptr_array_set_size (self->slots, n);
  if (n != old)
    g_list_model_items_changed (G_LIST_MODEL (self), MIN (n, old), old > n ? old - n : 0, n > old ? n - old : 0);
}

static void
ttsh_row_slots_dispose (GObject *object)
{
  TtshRowSlots *self = TTSH_ROW_SLOTS (object);

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
free_slot (gpointer slot)
{
  if (slot != NULL)
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
  self->n_items = g_list_model_get_n_items (source);
  g_signal_connect (source, "items-changed", G_CALLBACK (on_source_changed), self);
  return self;
}
