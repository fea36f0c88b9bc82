/* ttsh-context.c — shared services of a signed-in window (engine, operator,
 * settings) and the cross-view selection, as properties views can bind to. */
#define G_LOG_DOMAIN "ttsh-console"
#include "config.h"

#include "ttsh-context.h"

struct _TtshContext {
  GObject       parent_instance;
  TtshEngine   *engine;
  TtshOperator *op;
  GSettings    *settings;
  gint64        selected_session_id;
  gint64        selected_candidate_id;
};

G_DEFINE_FINAL_TYPE (TtshContext, ttsh_context, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ENGINE,
  PROP_OPERATOR,
  PROP_SETTINGS,
  PROP_SELECTED_SESSION_ID,
  PROP_SELECTED_CANDIDATE_ID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
ttsh_context_dispose (GObject *object)
{
  TtshContext *self = TTSH_CONTEXT (object);

  g_clear_object (&self->engine);
  g_clear_object (&self->op);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (ttsh_context_parent_class)->dispose (object);
}

static void
ttsh_context_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  TtshContext *self = TTSH_CONTEXT (object);

  switch (prop_id)
    {
    case PROP_ENGINE: g_value_set_object (value, self->engine); break;
    case PROP_OPERATOR: g_value_set_object (value, self->op); break;
    case PROP_SETTINGS: g_value_set_object (value, self->settings); break;
    case PROP_SELECTED_SESSION_ID: g_value_set_int64 (value, self->selected_session_id); break;
    case PROP_SELECTED_CANDIDATE_ID: g_value_set_int64 (value, self->selected_candidate_id); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ttsh_context_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  TtshContext *self = TTSH_CONTEXT (object);

  switch (prop_id)
    {
    case PROP_ENGINE: self->engine = g_value_dup_object (value); break;
    case PROP_OPERATOR: self->op = g_value_dup_object (value); break;
    case PROP_SETTINGS: self->settings = g_value_dup_object (value); break;
    case PROP_SELECTED_SESSION_ID: ttsh_context_set_selected_session_id (self, g_value_get_int64 (value)); break;
    case PROP_SELECTED_CANDIDATE_ID: ttsh_context_set_selected_candidate_id (self, g_value_get_int64 (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ttsh_context_class_init (TtshContextClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ttsh_context_dispose;
  object_class->get_property = ttsh_context_get_property;
  object_class->set_property = ttsh_context_set_property;

  properties[PROP_ENGINE] =
    g_param_spec_object ("engine", NULL, NULL, TTSH_TYPE_ENGINE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_OPERATOR] =
    g_param_spec_object ("operator", NULL, NULL, TTSH_TYPE_OPERATOR,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SELECTED_SESSION_ID] =
    g_param_spec_int64 ("selected-session-id", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SELECTED_CANDIDATE_ID] =
    g_param_spec_int64 ("selected-candidate-id", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ttsh_context_init (TtshContext *self)
{
}

TtshContext *
ttsh_context_new (TtshEngine   *engine,
                  TtshOperator *op,
                  GSettings    *settings)
{
  return g_object_new (TTSH_TYPE_CONTEXT, "engine", engine, "operator", op, "settings", settings, NULL);
}

TtshEngine   *ttsh_context_get_engine   (TtshContext *self) { return self->engine; }
TtshOperator *ttsh_context_get_operator (TtshContext *self) { return self->op; }
GSettings    *ttsh_context_get_settings (TtshContext *self) { return self->settings; }

gint64
ttsh_context_get_selected_session_id (TtshContext *self)
{
  return self->selected_session_id;
}

void
ttsh_context_set_selected_session_id (TtshContext *self,
                                      gint64       id)
{
  if (self->selected_session_id == id)
    return;
  self->selected_session_id = id;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_SESSION_ID]);
}

gint64
ttsh_context_get_selected_candidate_id (TtshContext *self)
{
  return self->selected_candidate_id;
}

void
ttsh_context_set_selected_candidate_id (TtshContext *self,
                                        gint64       id)
{
  if (self->selected_candidate_id == id)
    return;
  self->selected_candidate_id = id;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_CANDIDATE_ID]);
}

gboolean
ttsh_context_can (TtshContext    *self,
                  TtshPermission  perm)
{
  return ttsh_operator_has (self->op, perm);
}

typedef struct {
  TtshOperator   *op;
  TtshPermission  perm;
  char           *subject;
} Refusal;

static void
refusal_free (gpointer data)
{
  Refusal *r = data;

  g_object_unref (r->op);
  g_free (r->subject);
  g_free (r);
}

static gpointer
journal_refusal (TtshEngine  *engine,
                 TtshStore   *store,
                 gpointer     data,
                 GError     **error)
{
  Refusal *r = data;
  g_autoptr(GError) refused = NULL;

  /* Called only for refused actions: journals, and the refusal is expected. */
  ttsh_operators_check (store, r->op, r->perm, r->subject, &refused);
  return GINT_TO_POINTER (1);
}

static void
refusal_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (ttsh_engine_call_finish (TTSH_ENGINE (source), result, &error) == NULL)
    g_warning ("could not journal a refused action: %s", error->message);
}

gboolean
ttsh_context_check (TtshContext    *self,
                    TtshPermission  perm,
                    const char     *subject)
{
  Refusal *r;

  if (ttsh_operator_has (self->op, perm))
    return TRUE;
  r = g_new0 (Refusal, 1);
  r->op = g_object_ref (self->op);
  r->perm = perm;
  r->subject = g_strdup (subject);
  ttsh_engine_call_async (self->engine, journal_refusal, r, refusal_free, NULL,
                          NULL, refusal_done, NULL);
  return FALSE;
}
