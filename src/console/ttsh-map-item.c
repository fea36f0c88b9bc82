/* ttsh-map-item.c — list item of the map's side panel. */
#define G_LOG_DOMAIN "ttsh-map"
#include "config.h"

#include "ttsh-map-item.h"

struct _TtshMapItem {
  GObject  parent_instance;
  gint64   candidate_id;
  int      attempt;
  char    *title;
  char    *subtitle;
};

G_DEFINE_FINAL_TYPE (TtshMapItem, ttsh_map_item, G_TYPE_OBJECT)

enum { PROP_0, PROP_TITLE, PROP_SUBTITLE, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void
ttsh_map_item_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  TtshMapItem *self = TTSH_MAP_ITEM (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_SUBTITLE:
      g_value_set_string (value, self->subtitle);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ttsh_map_item_finalize (GObject *object)
{
  TtshMapItem *self = TTSH_MAP_ITEM (object);

  g_free (self->title);
  g_free (self->subtitle);
  G_OBJECT_CLASS (ttsh_map_item_parent_class)->finalize (object);
}

static void
ttsh_map_item_class_init (TtshMapItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = ttsh_map_item_get_property;
  object_class->finalize = ttsh_map_item_finalize;
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, "",
                                                G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SUBTITLE] = g_param_spec_string ("subtitle", NULL, NULL, "",
                                                   G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ttsh_map_item_init (TtshMapItem *self)
{
  self->title = g_strdup ("");
  self->subtitle = g_strdup ("");
}

TtshMapItem *
ttsh_map_item_new (gint64 candidate_id,
                   int    attempt)
{
  TtshMapItem *self = g_object_new (TTSH_TYPE_MAP_ITEM, NULL);

  self->candidate_id = candidate_id;
  self->attempt = attempt;
  return self;
}

gint64
ttsh_map_item_get_candidate_id (TtshMapItem *self)
{
  return self->candidate_id;
}

int
ttsh_map_item_get_attempt (TtshMapItem *self)
{
  return self->attempt;
}

void
ttsh_map_item_set_texts (TtshMapItem *self,
                         const char  *title,
                         const char  *subtitle)
{
  if (g_strcmp0 (self->title, title) != 0)
    {
      g_free (self->title);
      self->title = g_strdup (title);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
    }
  if (g_strcmp0 (self->subtitle, subtitle) != 0)
    {
      g_free (self->subtitle);
      self->subtitle = g_strdup (subtitle);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUBTITLE]);
    }
}

const char *
ttsh_map_item_get_title (TtshMapItem *self)
{
  return self->title;
}

const char *
ttsh_map_item_get_subtitle (TtshMapItem *self)
{
  return self->subtitle;
}
