/* ttsh-candidate-panel.c — the selected candidate: photo, identity, and per
 * content the timeline of attendance, process records with their deductions,
 * score progression, results and cancellations, each with its C08 state.
 * Re-read on selection and on engine changes while shown. */
#define G_LOG_DOMAIN "ttsh-console"
#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "ttsh-map-util.h"
#include "ttsh-wire.h"
#include "ttsh-tooltip.h"
#include "ttsh-candidate-panel.h"
#include "ttsh-format.h"
#include "ttsh-query.h"

#define PHOTO_HEIGHT   192
#define REFRESH_MIN_MS 300

struct _TtshCandidatePanel {
  GtkWidget       parent_instance;

  TtshContext    *context;
  TtshPhotoCache *photos;
  GCancellable   *cancellable;
  gulong          changed_id;
  gulong          selected_id;
  gulong          loaded_id;
  gint64          candidate_id;
  guint           serial;
  gboolean        in_flight;
  gboolean        again;
  guint           timer;
  guint           generation;

  AdwAvatar      *photo;
  GtkLabel       *name_label;
  GtkLabel       *identity_label;
  GtkLabel       *session_label;
  GtkBox         *contents_box;
};

G_DEFINE_FINAL_TYPE (TtshCandidatePanel, ttsh_candidate_panel, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_CONTEXT,
  PROP_PHOTOS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct {
  gint64   id;
  gboolean with_cid;
} Query;

typedef struct {
  TtshCandidatePanel *self;
  guint               serial;
} Call;

static gpointer
detail_thread (TtshEngine  *engine,
               TtshStore   *store,
               gpointer     data,
               GError     **error)
{
  Query *q = data;

  return ttsh_query_candidate (store, q->id, q->with_cid, error);
}

/* Short, for the chip; the C08 message goes on the row's own line. */
static char *
tx_text (const TtshEvent *e)
{
  if (e->tx_state == NULL)
    return NULL;
  if (g_str_equal (e->tx_state, "ERROR"))
    return g_strdup_printf (_("C08 error %d"), e->tx_code);
  if (g_str_equal (e->tx_state, "PENDING") && e->tx_code != 0)
    return g_strdup_printf (_("Resend (code %d)"), e->tx_code);
  return g_strdup (ttsh_outbox_state_label (e->tx_state));
}

static const char *
tx_class (const TtshEvent *e)
{
  if (e->tx_state == NULL)
    return NULL;
  if (g_str_equal (e->tx_state, "ERROR"))
    return "tx-error";
  if (g_str_equal (e->tx_state, "ACCEPTED"))
    return "tx-accepted";
  return "tx-pending";
}

static char *
event_title (const TtshEvent *e)
{
  g_autofree char *pts = isnan (e->points) ? NULL
                         : ttsh_format_decimal (e->points, floor (e->points) == e->points ? 0 : 1);

  switch (e->kind)
    {
    case TTSH_EVENT_ATTENDANCE:
      return g_strdup (g_strcmp0 (e->title, "CO_MAT") == 0 ? _("Attendance: present") : _("Attendance: absent"));
    case TTSH_EVENT_PROCESS:
      if (g_strcmp0 (e->title, "BAT_DAU") == 0)
        return g_strdup_printf (_("Attempt %d started"), e->attempt);
      if (g_strcmp0 (e->title, "DANG_THI") == 0)
        return pts ? g_strdup_printf (_("Attempt %d in progress · score %s"), e->attempt, pts)
                   : g_strdup_printf (_("Attempt %d in progress"), e->attempt);
      return pts ? g_strdup_printf (_("Attempt %d ended · score %s"), e->attempt, pts)
                 : g_strdup_printf (_("Attempt %d ended"), e->attempt);
    case TTSH_EVENT_DEDUCTION:
      return pts ? g_strdup_printf (_("Fault %s: %s (−%s points)"), e->title ? e->title : "", e->detail ? e->detail : "", pts)
                 : g_strdup_printf (_("Fault %s: %s"), e->title ? e->title : "", e->detail ? e->detail : "");
    case TTSH_EVENT_RESULT:
      return g_strdup_printf (_("Result of attempt %d: %s · %s points"), e->attempt,
                              g_strcmp0 (e->title, "DAT") == 0 ? _("passed") : _("failed"), pts ? pts : "—");
    case TTSH_EVENT_CANCELLATION:
      return g_strdup_printf (_("Result of attempt %d cancelled: %s"), e->attempt, e->detail ? e->detail : "");
    default:
      return g_strdup ("");
    }
}

static const char *
event_icon (const TtshEvent *e)
{
  switch (e->kind)
    {
    case TTSH_EVENT_ATTENDANCE: return "contact-new-symbolic";
    case TTSH_EVENT_PROCESS: return g_strcmp0 (e->title, "KET_THUC") == 0 ? "media-playback-stop-symbolic"
                                                                           : "media-playback-start-symbolic";
    case TTSH_EVENT_DEDUCTION: return "dialog-warning-symbolic";
    case TTSH_EVENT_RESULT: return "emblem-ok-symbolic";
    case TTSH_EVENT_CANCELLATION: return "edit-delete-symbolic";
    default: return "dialog-information-symbolic";
    }
}

/* "CCCD_CHIP KHOP" as stored → words. */
static char *
auth_text (const char *detail)
{
  g_auto(GStrv) parts = g_strsplit (detail, " ", 2);
  const char *method = parts[0], *result = parts[1] ? parts[1] : "";

  if (g_strcmp0 (method, "VNEID_QR") == 0) method = _("VNeID QR code");
  else if (g_strcmp0 (method, "CCCD_CHIP") == 0) method = _("chip citizen ID card");
  else if (g_strcmp0 (method, "KHUON_MAT") == 0) method = _("face recognition");
  if (g_strcmp0 (result, "KHOP") == 0) result = _("matched");
  else if (g_strcmp0 (result, "KHONG_KHOP") == 0) result = _("not matched");
  return *result ? g_strdup_printf ("%s: %s", method, result) : g_strdup (method);
}

static GtkWidget *
event_row (const TtshEvent *e)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *title = event_title (e);
  g_autofree char *when = ttsh_format_iso (e->time, TRUE);
  g_autofree char *tx = tx_text (e);
  g_autofree char *sub = NULL;

  if (e->kind == TTSH_EVENT_ATTENDANCE && e->detail != NULL)
    {
      g_autofree char *auth = auth_text (e->detail);
      sub = g_strdup_printf ("%s · %s", when, auth);
    }
  else if (e->kind == TTSH_EVENT_PROCESS && e->detail != NULL &&
           g_strcmp0 (e->title, "KET_THUC") == 0)
    sub = g_strdup_printf ("%s · %s", when, g_strcmp0 (e->detail, "DAT") == 0 ? _("passed") :
                           g_strcmp0 (e->detail, "KHONG_DAT") == 0 ? _("failed") : e->detail);
  else
    sub = g_strdup (when);
  if (e->tx_state != NULL && e->tx_code != 0 && e->tx_code != 1 && e->tx_message != NULL)
    {
      char *with = g_strdup_printf ("%s\n%s", sub, e->tx_message);
      g_free (sub);
      sub = with;
    }
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), sub);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 3);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 3);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name (event_icon (e)));
  if (tx != NULL)
    {
      GtkWidget *chip = gtk_label_new (tx);

      gtk_widget_add_css_class (chip, "state-chip");
      gtk_widget_add_css_class (chip, tx_class (e));
      gtk_widget_set_valign (chip, GTK_ALIGN_CENTER);
      if (e->tx_message != NULL)
        ttsh_widget_set_quiet_tooltip (chip, e->tx_message);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), chip);
    }
  return row;
}

static void
show_detail (TtshCandidatePanel  *self,
             TtshCandidateDetail *d)
{
  TtshRosterRow *r = d->row;
  GtkWidget *child;
  g_autofree char *identity = NULL;
  g_autofree char *session = NULL;
  GdkTexture *texture = NULL;

  gtk_label_set_text (self->name_label, r->full_name);
  if (g_str_has_prefix (d->dob, "**/**/"))
    identity = g_strdup_printf (_("No. %s · class %s\nCitizen ID %s · born in %s · %s"),
                                r->candidate_no, r->licence_class, r->cid, d->dob + 6,
                                g_strcmp0 (d->gender, "NU") == 0 ? _("female") : _("male"));
  else
    identity = g_strdup_printf (_("No. %s · class %s\nCitizen ID %s · born %s · %s"),
                                r->candidate_no, r->licence_class, r->cid, d->dob,
                                g_strcmp0 (d->gender, "NU") == 0 ? _("female") : _("male"));
  gtk_label_set_text (self->identity_label, identity);
  session = g_strdup_printf ("%s (%s)", d->session_name, d->session_code);
  gtk_label_set_text (self->session_label, session);
  adw_avatar_set_text (self->photo, r->full_name);
  if (r->has_photo)
    texture = ttsh_photo_cache_lookup (self->photos, r->id, PHOTO_HEIGHT);
  adw_avatar_set_custom_image (self->photo, GDK_PAINTABLE (texture));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->contents_box))) != NULL)
    gtk_box_remove (self->contents_box, child);

  for (int i = 0; i < TTSH_N_CONTENTS; i++)
    {
      const TtshContentCell *c = &r->content[i];
      GtkWidget *group, *chip;
      g_autofree char *state = NULL;
      guint n = 0;

      if (c->state[0] == '\0')
        continue;
      group = adw_preferences_group_new ();
      adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), ttsh_content_label (ttsh_contents[i]));
      if (!isnan (c->score))
        {
          g_autofree char *pts = ttsh_format_decimal (c->score, floor (c->score) == c->score ? 0 : 1);
          state = g_strdup_printf ("%s · %s", ttsh_content_state_label (c->state), pts);
        }
      else
        state = g_strdup (ttsh_content_state_label (c->state));
      chip = gtk_label_new (state);
      gtk_widget_add_css_class (chip, "state-chip");
      gtk_widget_set_valign (chip, GTK_ALIGN_CENTER);
      {
        g_autofree char *cls = g_ascii_strdown (c->state, -1);
        g_strdelimit (cls, "_", '-');
        gtk_widget_add_css_class (chip, cls);
      }
      adw_preferences_group_set_header_suffix (ADW_PREFERENCES_GROUP (group), chip);

      for (guint k = 0; k < d->events->len; k++)
        {
          TtshEvent *e = g_ptr_array_index (d->events, k);

          if (g_strcmp0 (e->content, ttsh_contents[i]) != 0)
            continue;
          adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), event_row (e));
          n++;
        }
      if (d->gps_attempt > 0 && g_str_equal (ttsh_contents[i], TTSH_CONTENT_DUONG_TRUONG))
        {
          /* Gaps, jumps and poor accuracy of the road test's track, as the
           * map marks them; the stored points are never smoothed. */
          GtkWidget *row = adw_action_row_new ();
          g_autofree char *quality = ttsh_map_quality_text (&d->gps_quality);
          /* TRANSLATORS: title of the GPS quality line of a road test attempt */
          g_autofree char *title = g_strdup_printf (_("GPS track, attempt %d"), d->gps_attempt);
          const TtshGpsQuality *q = &d->gps_quality;

          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
          adw_action_row_set_subtitle (ADW_ACTION_ROW (row), quality);
          adw_action_row_add_prefix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name (
              q->n_gaps + q->n_jumps + q->n_poor > 0 ? "dialog-warning-symbolic" : "mark-location-symbolic"));
          gtk_widget_set_name (row, "gps-quality");
          adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
        }
      if (n == 0)
        {
          GtkWidget *row = adw_action_row_new ();
          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Nothing received yet"));
          adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
        }
      gtk_box_append (self->contents_box, group);
    }
}

static void
detail_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autofree Call *call = user_data;
  TtshCandidatePanel *self;
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshCandidateDetail) d = ttsh_engine_call_finish (TTSH_ENGINE (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = call->self;
  if (call->serial != self->serial)
    return;
  self->in_flight = FALSE;
  if (d == NULL)
    g_warning ("cannot read candidate %" G_GINT64_FORMAT ": %s", self->candidate_id, error->message);
  else
    show_detail (self, d);
  self->generation++;
  if (self->again)
    {
      self->again = FALSE;
      ttsh_candidate_panel_refresh (self);
    }
}

void
ttsh_candidate_panel_refresh (TtshCandidatePanel *self)
{
  Query *q;
  Call *call;

  if (self->candidate_id == 0)
    return;
  if (self->in_flight)
    {
      self->again = TRUE;
      return;
    }
  self->in_flight = TRUE;
  q = g_new0 (Query, 1);
  q->id = self->candidate_id;
  q->with_cid = ttsh_context_can (self->context, TTSH_PERM_VIEW_CITIZEN_ID);
  call = g_new0 (Call, 1);
  call->self = self;
  call->serial = self->serial;
  ttsh_engine_call_async (ttsh_context_get_engine (self->context), detail_thread, q, g_free,
                          (GDestroyNotify) ttsh_candidate_detail_free, self->cancellable, detail_done, call);
}

static gboolean
refresh_timeout (gpointer data)
{
  TtshCandidatePanel *self = data;

  self->timer = 0;
  ttsh_candidate_panel_refresh (self);
  return G_SOURCE_REMOVE;
}

static void
on_engine_changed (TtshEngine         *engine,
                   const char         *what,
                   TtshCandidatePanel *self)
{
  if (self->candidate_id == 0 || self->timer != 0 ||
      g_strcmp0 (what, "journal") == 0 || g_strcmp0 (what, "alarm") == 0)
    return;
  self->timer = g_timeout_add (REFRESH_MIN_MS, refresh_timeout, self);
}

static void
on_selected (TtshContext        *context,
             GParamSpec         *pspec,
             TtshCandidatePanel *self)
{
  gint64 id = ttsh_context_get_selected_candidate_id (context);

  if (id == self->candidate_id)
    return;
  self->candidate_id = id;
  self->serial++;
  self->in_flight = FALSE;
  self->again = FALSE;
  ttsh_candidate_panel_refresh (self);
}

static void
on_photo_loaded (TtshPhotoCache     *cache,
                 gint64              id,
                 int                 height,
                 TtshCandidatePanel *self)
{
  if (id == self->candidate_id && height == PHOTO_HEIGHT)
    adw_avatar_set_custom_image (self->photo, GDK_PAINTABLE (ttsh_photo_cache_lookup (cache, id, height)));
}

static void
ttsh_candidate_panel_constructed (GObject *object)
{
  TtshCandidatePanel *self = TTSH_CANDIDATE_PANEL (object);

  G_OBJECT_CLASS (ttsh_candidate_panel_parent_class)->constructed (object);
  self->changed_id = g_signal_connect (ttsh_context_get_engine (self->context), "changed",
                                       G_CALLBACK (on_engine_changed), self);
  self->selected_id = g_signal_connect (self->context, "notify::selected-candidate-id",
                                        G_CALLBACK (on_selected), self);
  self->loaded_id = g_signal_connect (self->photos, "loaded", G_CALLBACK (on_photo_loaded), self);
  on_selected (self->context, NULL, self);
}

static void
ttsh_candidate_panel_dispose (GObject *object)
{
  TtshCandidatePanel *self = TTSH_CANDIDATE_PANEL (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->timer, g_source_remove);
  if (self->context != NULL)
    {
      g_clear_signal_handler (&self->changed_id, ttsh_context_get_engine (self->context));
      g_clear_signal_handler (&self->selected_id, self->context);
    }
  if (self->photos != NULL)
    g_clear_signal_handler (&self->loaded_id, self->photos);
  gtk_widget_dispose_template (GTK_WIDGET (self), TTSH_TYPE_CANDIDATE_PANEL);
  {
    GtkWidget *child;
    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
      gtk_widget_unparent (child);
  }
  g_clear_object (&self->photos);
  g_clear_object (&self->context);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (ttsh_candidate_panel_parent_class)->dispose (object);
}

static void
ttsh_candidate_panel_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  TtshCandidatePanel *self = TTSH_CANDIDATE_PANEL (object);

  switch (prop_id)
    {
    case PROP_CONTEXT: self->context = g_value_dup_object (value); break;
    case PROP_PHOTOS: self->photos = g_value_dup_object (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ttsh_candidate_panel_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  TtshCandidatePanel *self = TTSH_CANDIDATE_PANEL (object);

  switch (prop_id)
    {
    case PROP_CONTEXT: g_value_set_object (value, self->context); break;
    case PROP_PHOTOS: g_value_set_object (value, self->photos); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ttsh_candidate_panel_class_init (TtshCandidatePanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ttsh_candidate_panel_constructed;
  object_class->dispose = ttsh_candidate_panel_dispose;
  object_class->set_property = ttsh_candidate_panel_set_property;
  object_class->get_property = ttsh_candidate_panel_get_property;

  properties[PROP_CONTEXT] =
    g_param_spec_object ("context", NULL, NULL, TTSH_TYPE_CONTEXT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PHOTOS] =
    g_param_spec_object ("photos", NULL, NULL, TTSH_TYPE_PHOTO_CACHE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/vn/ttsh/Console/ttsh-candidate-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, TtshCandidatePanel, photo);
  gtk_widget_class_bind_template_child (widget_class, TtshCandidatePanel, name_label);
  gtk_widget_class_bind_template_child (widget_class, TtshCandidatePanel, identity_label);
  gtk_widget_class_bind_template_child (widget_class, TtshCandidatePanel, session_label);
  gtk_widget_class_bind_template_child (widget_class, TtshCandidatePanel, contents_box);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
ttsh_candidate_panel_init (TtshCandidatePanel *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
ttsh_candidate_panel_new (TtshContext    *context,
                          TtshPhotoCache *photos)
{
  return g_object_new (TTSH_TYPE_CANDIDATE_PANEL, "context", context, "photos", photos, NULL);
}

guint
ttsh_candidate_panel_get_generation (TtshCandidatePanel *self)
{
  return self->generation;
}

gint64
ttsh_candidate_panel_get_candidate_id (TtshCandidatePanel *self)
{
  return self->candidate_id;
}
