/* ttsh-candidate-item.c — roster state of one candidate. Updated in place
 * from incremental engine reads so that selection, scroll position and
 * sorting survive the live stream of attendance, process and results. */
#define G_LOG_DOMAIN "ttsh-console"
#include "config.h"

#include <math.h>

#include "ttsh-candidate-item.h"

struct _TtshCandidateItem {
  GObject          parent_instance;
  TtshRosterRow    row;
};

G_DEFINE_FINAL_TYPE (TtshCandidateItem, ttsh_candidate_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_CANDIDATE_NO,
  PROP_FULL_NAME,
  PROP_LICENCE_CLASS,
  PROP_CID,
  PROP_HAS_PHOTO,
  PROP_TX_STATE,
  PROP_STATE_0,
  PROP_STATE_1,
  PROP_STATE_2,
  PROP_STATE_3,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

const char *const ttsh_candidate_item_state_props[TTSH_N_CONTENTS] = {
  "state-0", "state-1", "state-2", "state-3",
};

static void
ttsh_candidate_item_finalize (GObject *object)
{
  TtshCandidateItem *self = TTSH_CANDIDATE_ITEM (object);

  g_free (self->row.candidate_no);
  g_free (self->row.full_name);
  g_free (self->row.name_folded);
  g_free (self->row.licence_class);
  g_free (self->row.cid);
  g_free (self->row.cid_hash);
  G_OBJECT_CLASS (ttsh_candidate_item_parent_class)->finalize (object);
}

static void
ttsh_candidate_item_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  TtshCandidateItem *self = TTSH_CANDIDATE_ITEM (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_int64 (value, self->row.id); break;
    case PROP_CANDIDATE_NO: g_value_set_string (value, self->row.candidate_no); break;
    case PROP_FULL_NAME: g_value_set_string (value, self->row.full_name); break;
    case PROP_LICENCE_CLASS: g_value_set_string (value, self->row.licence_class); break;
    case PROP_CID: g_value_set_string (value, self->row.cid); break;
    case PROP_HAS_PHOTO: g_value_set_boolean (value, self->row.has_photo); break;
    case PROP_TX_STATE: g_value_set_string (value, self->row.tx_state); break;
    case PROP_STATE_0: case PROP_STATE_1: case PROP_STATE_2: case PROP_STATE_3:
      g_value_set_string (value, self->row.content[prop_id - PROP_STATE_0].state);
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ttsh_candidate_item_class_init (TtshCandidateItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = ttsh_candidate_item_finalize;
  object_class->get_property = ttsh_candidate_item_get_property;

  properties[PROP_ID] = g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_CANDIDATE_NO] = g_param_spec_string ("candidate-no", NULL, NULL, NULL, flags);
  properties[PROP_FULL_NAME] = g_param_spec_string ("full-name", NULL, NULL, NULL, flags);
  properties[PROP_LICENCE_CLASS] = g_param_spec_string ("licence-class", NULL, NULL, NULL, flags);
  properties[PROP_CID] = g_param_spec_string ("cid", NULL, NULL, NULL, flags);
  properties[PROP_HAS_PHOTO] = g_param_spec_boolean ("has-photo", NULL, NULL, FALSE, flags);
  properties[PROP_TX_STATE] = g_param_spec_string ("tx-state", NULL, NULL, NULL, flags);
  /* One property per content carries state, score and attempt together:
   * they always change together. */
  for (int i = 0; i < TTSH_N_CONTENTS; i++)
    properties[PROP_STATE_0 + i] = g_param_spec_string (ttsh_candidate_item_state_props[i], NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ttsh_candidate_item_init (TtshCandidateItem *self)
{
}

static void
replace (char       **field,
         const char  *value,
         gboolean    *changed)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  *changed = TRUE;
}

static gboolean
same_score (double a,
            double b)
{
  return (isnan (a) && isnan (b)) || a == b;
}

void
ttsh_candidate_item_update (TtshCandidateItem   *self,
                            const TtshRosterRow *row)
{
  gboolean changed[N_PROPS] = { FALSE };

  g_object_freeze_notify (G_OBJECT (self));
  self->row.id = row->id;
  self->row.session_id = row->session_id;
  replace (&self->row.candidate_no, row->candidate_no, &changed[PROP_CANDIDATE_NO]);
  replace (&self->row.full_name, row->full_name, &changed[PROP_FULL_NAME]);
  replace (&self->row.name_folded, row->name_folded, &changed[PROP_FULL_NAME]);
  replace (&self->row.licence_class, row->licence_class, &changed[PROP_LICENCE_CLASS]);
  replace (&self->row.cid, row->cid, &changed[PROP_CID]);
  replace (&self->row.cid_hash, row->cid_hash, &changed[PROP_CID]);
  if (self->row.has_photo != row->has_photo)
    {
      self->row.has_photo = row->has_photo;
      changed[PROP_HAS_PHOTO] = TRUE;
    }
  for (int i = 0; i < TTSH_N_CONTENTS; i++)
    {
      TtshContentCell *c = &self->row.content[i];
      const TtshContentCell *n = &row->content[i];

      if (g_strcmp0 (c->state, n->state) != 0 || c->attempt != n->attempt || !same_score (c->score, n->score))
        {
          *c = *n;
          changed[PROP_STATE_0 + i] = TRUE;
        }
    }
  if (g_strcmp0 (self->row.tx_state, row->tx_state) != 0 ||
      self->row.tx_error != row->tx_error || self->row.tx_pending != row->tx_pending ||
      self->row.tx_accepted != row->tx_accepted)
    {
      g_strlcpy (self->row.tx_state, row->tx_state, sizeof self->row.tx_state);
      self->row.tx_error = row->tx_error;
      self->row.tx_pending = row->tx_pending;
      self->row.tx_accepted = row->tx_accepted;
      changed[PROP_TX_STATE] = TRUE;
    }
  for (guint p = 1; p < N_PROPS; p++)
    if (changed[p])
      g_object_notify_by_pspec (G_OBJECT (self), properties[p]);
  g_object_thaw_notify (G_OBJECT (self));
}

TtshCandidateItem *
ttsh_candidate_item_new (const TtshRosterRow *row)
{
  TtshCandidateItem *self = g_object_new (TTSH_TYPE_CANDIDATE_ITEM, NULL);

  for (int i = 0; i < TTSH_N_CONTENTS; i++)
    self->row.content[i].score = NAN;
  ttsh_candidate_item_update (self, row);
  return self;
}

gint64       ttsh_candidate_item_get_id            (TtshCandidateItem *self) { return self->row.id; }
const char  *ttsh_candidate_item_get_candidate_no  (TtshCandidateItem *self) { return self->row.candidate_no; }
const char  *ttsh_candidate_item_get_full_name     (TtshCandidateItem *self) { return self->row.full_name; }
const char  *ttsh_candidate_item_get_name_folded   (TtshCandidateItem *self) { return self->row.name_folded; }
const char  *ttsh_candidate_item_get_licence_class (TtshCandidateItem *self) { return self->row.licence_class; }
const char  *ttsh_candidate_item_get_cid           (TtshCandidateItem *self) { return self->row.cid; }
gboolean     ttsh_candidate_item_get_has_photo     (TtshCandidateItem *self) { return self->row.has_photo; }
const char  *ttsh_candidate_item_get_tx_state      (TtshCandidateItem *self) { return self->row.tx_state; }
int          ttsh_candidate_item_get_tx_error      (TtshCandidateItem *self) { return self->row.tx_error; }
int          ttsh_candidate_item_get_tx_pending    (TtshCandidateItem *self) { return self->row.tx_pending; }

const char *
ttsh_candidate_item_get_state (TtshCandidateItem *self,
                               int                content)
{
  return self->row.content[content].state;
}

double
ttsh_candidate_item_get_score (TtshCandidateItem *self,
                               int                content)
{
  return self->row.content[content].score;
}

int
ttsh_candidate_item_get_attempt (TtshCandidateItem *self,
                                 int                content)
{
  return self->row.content[content].attempt;
}

int
ttsh_content_state_rank (const char *state)
{
  static const char *const order[] = {
    "IN_TEST", "PRESENT", "WAITING", "FAILED", "PASSED", "ABSENT", "CANCELLED",
  };

  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    if (g_strcmp0 (state, order[i]) == 0)
      return (int) i;
  return G_N_ELEMENTS (order);
}
