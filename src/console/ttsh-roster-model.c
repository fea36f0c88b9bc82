/* ttsh-roster-model.c — filtering of the (sorted) roster into an array.
 *
 * Unlike GtkFilterListModel, get_item() is O(1) (no bitset search) and a
 * refilter announces only the span that really changed, once: live updates
 * that leave the visible set unchanged cost the view nothing. */
#define G_LOG_DOMAIN "ttsh-console"
#include "config.h"

#include "ttsh-roster-model.h"

struct _TtshRosterModel {
  GObject          parent_instance;
  GListModel      *source;
  TtshRosterMatch  match;
  gpointer         user_data;
  GPtrArray       *items;          /* borrowed from source */
};

static GType
ttsh_roster_model_get_item_type (GListModel *model)
{
  return g_list_model_get_item_type (TTSH_ROSTER_MODEL (model)->source);
}

static guint
ttsh_roster_model_get_n_items (GListModel *model)
{
  return TTSH_ROSTER_MODEL (model)->items->len;
}

static gpointer
ttsh_roster_model_get_item (GListModel *model,
                            guint       position)
{
  TtshRosterModel *self = TTSH_ROSTER_MODEL (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = ttsh_roster_model_get_item_type;
  iface->get_n_items = ttsh_roster_model_get_n_items;
  iface->get_item = ttsh_roster_model_get_item;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TtshRosterModel, ttsh_roster_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

void
ttsh_roster_model_refilter (TtshRosterModel *self)
{
  guint n = g_list_model_get_n_items (self->source);
  guint old = self->items->len;
  g_autoptr(GPtrArray) items = g_ptr_array_sized_new (n);
  guint first = 0, tail = 0;

  for (guint i = 0; i < n; i++)
    {
      GObject *item = g_list_model_get_item (self->source, i);

      /* The source keeps its items alive; keep only a borrowed pointer. */
      if (self->match == NULL || self->match (item, self->user_data))
        g_ptr_array_add (items, item);
      g_object_unref (item);
    }

  /* Announce only the span that differs: live updates often change nothing. */
  while (first < old && first < items->len &&
         g_ptr_array_index (self->items, first) == g_ptr_array_index (items, first))
    first++;
  while (tail < old - first && tail < items->len - first &&
         g_ptr_array_index (self->items, old - 1 - tail) == g_ptr_array_index (items, items->len - 1 - tail))
    tail++;
  g_ptr_array_unref (self->items);
  self->items = g_steal_pointer (&items);
  if (first == old && first == self->items->len)
    return;
  g_list_model_items_changed (G_LIST_MODEL (self), first, old - first - tail, self->items->len - first - tail);
}

static void
on_source_changed (GListModel      *source,
                   guint            position,
                   guint            removed,
                   guint            added,
                   TtshRosterModel *self)
{
  ttsh_roster_model_refilter (self);
}

static void
ttsh_roster_model_dispose (GObject *object)
{
  TtshRosterModel *self = TTSH_ROSTER_MODEL (object);

  if (self->source != NULL)
    g_signal_handlers_disconnect_by_data (self->source, self);
  g_clear_object (&self->source);
  G_OBJECT_CLASS (ttsh_roster_model_parent_class)->dispose (object);
}

static void
ttsh_roster_model_finalize (GObject *object)
{
  TtshRosterModel *self = TTSH_ROSTER_MODEL (object);

  g_ptr_array_unref (self->items);
  G_OBJECT_CLASS (ttsh_roster_model_parent_class)->finalize (object);
}

static void
ttsh_roster_model_class_init (TtshRosterModelClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ttsh_roster_model_dispose;
  G_OBJECT_CLASS (klass)->finalize = ttsh_roster_model_finalize;
}

static void
ttsh_roster_model_init (TtshRosterModel *self)
{
  self->items = g_ptr_array_new ();
}

TtshRosterModel *
ttsh_roster_model_new (GListModel      *source,
                       TtshRosterMatch  match,
                       gpointer         user_data)
{
  TtshRosterModel *self = g_object_new (TTSH_TYPE_ROSTER_MODEL, NULL);

  self->source = g_object_ref (source);
  self->match = match;
  self->user_data = user_data;
  g_signal_connect (source, "items-changed", G_CALLBACK (on_source_changed), self);
  ttsh_roster_model_refilter (self);
  return self;
}
