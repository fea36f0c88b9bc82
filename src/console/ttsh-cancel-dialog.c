/* ttsh-cancel-dialog.c — the result cancellation form. The candidate's
 * contents and still-cancellable attempts are read on the engine thread;
 * the cancellation itself is one engine call, checked again there, so a
 * stale form can never cancel twice or for the wrong role. */
#define G_LOG_DOMAIN "ttsh-console"
#include "config.h"

#include <glib/gi18n.h>

#include "ttsh-cancel-dialog.h"
#include "ttsh-cancel.h"
#include "ttsh-query.h"
#include "ttsh-sender.h"
#include "ttsh-wire.h"

struct _TtshCancelDialog {
  AdwWindow          parent_instance;

  TtshContext       *context;
  GCancellable      *cancellable;
  TtshCancelTarget  *target;
  GPtrArray         *offered;         /* TtshCancelContent* of content_row, borrowed */
  AdwMessageDialog  *confirmation;
  char              *error;
  guint              busy;

  AdwEntryRow       *number_row;
  AdwActionRow      *candidate_row;
  AdwComboRow       *content_row;
  AdwComboRow       *attempt_row;
  AdwComboRow       *reason_row;
  GtkTextView       *reason_text;
  GtkLabel          *counter_label;
  GtkLabel          *error_label;
  GtkWidget         *submit_button;
};

G_DEFINE_FINAL_TYPE (TtshCancelDialog, ttsh_cancel_dialog, ADW_TYPE_WINDOW)

enum { SIGNAL_CANCELLED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
show_error (TtshCancelDialog *self,
            const char       *message)
{
  g_free (self->error);
  self->error = g_strdup (message);
  gtk_label_set_text (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static char *
reason_text (TtshCancelDialog *self)
{
  GtkTextBuffer *buf = gtk_text_view_get_buffer (self->reason_text);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buf, &start, &end);
  return g_strstrip (gtk_text_buffer_get_text (buf, &start, &end, FALSE));
}

static TtshCancelContent *
selected_content (TtshCancelDialog *self)
{
  guint i = adw_combo_row_get_selected (self->content_row);

  if (self->offered == NULL || i == GTK_INVALID_LIST_POSITION || i >= self->offered->len)
    return NULL;
  return g_ptr_array_index (self->offered, i);
}

static int
selected_attempt (TtshCancelDialog *self)
{
  TtshCancelContent *c = selected_content (self);
  guint i = adw_combo_row_get_selected (self->attempt_row);

  if (c == NULL || i == GTK_INVALID_LIST_POSITION || i >= c->open_attempts->len)
    return 0;
  return g_array_index (c->open_attempts, int, i);
}

static const char *
selected_reason (TtshCancelDialog *self)
{
  guint n = 0;
  const TtshCancelReason *reasons = ttsh_cancel_reasons (&n);
  guint i = adw_combo_row_get_selected (self->reason_row);

  return i < n ? reasons[i].code : NULL;
}

static void
update_submit (TtshCancelDialog *self)
{
  g_autofree char *text = reason_text (self);
  glong n = g_utf8_strlen (text, -1);
  g_autofree char *counter = g_strdup_printf (_("%ld characters (at least %d)"), n,
                                              TTSH_CANCEL_MIN_REASON_CHARS);

  gtk_label_set_text (self->counter_label, counter);
  gtk_widget_set_sensitive (self->submit_button,
                            self->busy == 0 && self->target != NULL && selected_attempt (self) > 0 &&
                            selected_reason (self) != NULL && n >= TTSH_CANCEL_MIN_REASON_CHARS);
}

static void
on_content_selected (TtshCancelDialog *self)
{
  TtshCancelContent *c = selected_content (self);
  g_autoptr(GtkStringList) attempts = gtk_string_list_new (NULL);

  if (c != NULL)
    for (guint i = 0; i < c->open_attempts->len; i++)
      {
        g_autofree char *label = g_strdup_printf (_("Attempt %d"), g_array_index (c->open_attempts, int, i));
        gtk_string_list_append (attempts, label);
      }
  adw_combo_row_set_model (self->attempt_row, G_LIST_MODEL (attempts));
  /* The latest attempt is the one usually cancelled. */
  if (c != NULL && c->open_attempts->len > 0)
    adw_combo_row_set_selected (self->attempt_row, c->open_attempts->len - 1);
  update_submit (self);
}

static void
set_target (TtshCancelDialog *self,
            TtshCancelTarget *target)   /* taken */
{
  g_autoptr(GtkStringList) contents = gtk_string_list_new (NULL);

  g_clear_pointer (&self->offered, g_ptr_array_unref);
  g_clear_pointer (&self->target, ttsh_cancel_target_free);
  self->target = target;
  self->offered = g_ptr_array_new ();
  if (target != NULL)
    {
      g_autofree char *subtitle = g_strdup_printf (_("No. %s · class %s · %s · session %s"),
                                                   target->candidate_no, target->licence_class,
                                                   target->reg_code, target->session_code);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->candidate_row), target->full_name);
      adw_action_row_set_subtitle (self->candidate_row, subtitle);
      if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->number_row)), target->candidate_no) != 0)
        gtk_editable_set_text (GTK_EDITABLE (self->number_row), target->candidate_no);
      for (guint i = 0; i < target->contents->len; i++)
        {
          TtshCancelContent *c = g_ptr_array_index (target->contents, i);
          if (c->open_attempts->len == 0)
            continue;
          g_ptr_array_add (self->offered, c);
          gtk_string_list_append (contents, ttsh_content_label (c->content));
        }
      if (self->offered->len == 0)
        show_error (self, _("This candidate has no result that can still be cancelled."));
      else
        show_error (self, NULL);
    }
  else
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->candidate_row), _("No candidate chosen"));
      adw_action_row_set_subtitle (self->candidate_row, "");
    }
  adw_combo_row_set_model (self->content_row, G_LIST_MODEL (contents));
  on_content_selected (self);
}

/* Lookup -------------------------------------------------------------------- */

typedef struct {
  gint64  candidate_id;
  gint64  session_id;
  char   *number;
} Lookup;

static void
lookup_free (Lookup *l)
{
  g_free (l->number);
  g_free (l);
}

static gpointer
lookup_func (TtshEngine  *engine,
             TtshStore   *store,
             gpointer     data,
             GError     **error)
{
  Lookup *l = data;
  return ttsh_cancel_target_load (store, l->candidate_id, l->session_id, l->number, error);
}

static void
lookup_done (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  g_autoptr(TtshCancelDialog) self = data;
  g_autoptr(GError) error = NULL;
  TtshCancelTarget *t = ttsh_engine_call_finish (TTSH_ENGINE (source), result, &error);

  self->busy--;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_target (self, t);
  if (t == NULL)
    show_error (self, error->message);
}

static void
lookup (TtshCancelDialog *self,
        gint64            candidate_id,
        const char       *number)
{
  Lookup *l = g_new0 (Lookup, 1);

  l->candidate_id = candidate_id;
  l->session_id = ttsh_context_get_selected_session_id (self->context);
  l->number = g_strdup (number);
  self->busy++;
  update_submit (self);
  ttsh_engine_call_async (ttsh_context_get_engine (self->context), lookup_func, l,
                          (GDestroyNotify) lookup_free, (GDestroyNotify) ttsh_cancel_target_free,
                          self->cancellable, lookup_done, g_object_ref (self));
}

static void
on_number_apply (TtshCancelDialog *self)
{
  g_autofree char *number = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->number_row))));

  if (*number != '\0')
    lookup (self, 0, number);
}

/* Cancellation -------------------------------------------------------------- */

typedef struct {
  TtshCancelRequest req;
  char             *content;
  char             *reason_code;
  char             *reason_text;
  char             *centre_code;
} Job;

static void
job_free (Job *job)
{
  g_free (job->content);
  g_free (job->reason_code);
  g_free (job->reason_text);
  g_free (job->centre_code);
  g_free (job);
}

static gpointer
cancel_func (TtshEngine  *engine,
             TtshStore   *store,
             gpointer     data,
             GError     **error)
{
  Job *job = data;
  char *code = NULL;

  if (ttsh_cancel_result (store, job->centre_code, &job->req, &code, error) == 0)
    {
      /* a refusal was journaled */
      _ttsh_engine_emit_changed (engine, "journal");
      return NULL;
    }
  ttsh_sender_wake (engine);
  _ttsh_engine_emit_changed (engine, "outbox");
  _ttsh_engine_emit_changed (engine, "candidate");
  _ttsh_engine_emit_changed (engine, "journal");
  return code;
}

static void
cancel_done (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  g_autoptr(TtshCancelDialog) self = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *code = ttsh_engine_call_finish (TTSH_ENGINE (source), result, &error);

  self->busy--;
  if (code == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          show_error (self, error->message);
          update_submit (self);
        }
      return;
    }
  g_signal_emit (self, signals[SIGNAL_CANCELLED], 0, code);
  gtk_window_close (GTK_WINDOW (self));
}

static void
on_confirm_response (AdwMessageDialog *dlg,
                     const char       *response,
                     TtshCancelDialog *self)
{
  const TtshConfig *config = ttsh_engine_get_config (ttsh_context_get_engine (self->context));
  TtshOperator *op = ttsh_context_get_operator (self->context);
  Job *job;

  self->confirmation = NULL;
  if (g_strcmp0 (response, "cancel-result") != 0 || self->target == NULL ||
      selected_content (self) == NULL || selected_attempt (self) == 0)
    return;
  if (!ttsh_context_check (self->context, TTSH_PERM_CANCEL_RESULT, self->target->reg_code))
    {
      show_error (self, _("Only an examiner may cancel a result"));
      return;
    }
  job = g_new0 (Job, 1);
  job->content = g_strdup (selected_content (self)->content);
  job->reason_code = g_strdup (selected_reason (self));
  job->reason_text = reason_text (self);
  job->centre_code = g_strdup (config->centre_code);
  job->req.candidate_id = self->target->candidate_id;
  job->req.content = job->content;
  job->req.attempt = selected_attempt (self);
  job->req.reason_code = job->reason_code;
  job->req.reason_text = job->reason_text;
  job->req.operator_id = ttsh_operator_get_id (op);
  self->busy++;
  update_submit (self);
  ttsh_engine_call_async (ttsh_context_get_engine (self->context), cancel_func, job,
                          (GDestroyNotify) job_free, g_free, self->cancellable,
                          cancel_done, g_object_ref (self));
}

static void
on_submit_clicked (TtshCancelDialog *self)
{
  TtshCancelContent *c = selected_content (self);
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  g_autofree char *text = reason_text (self);

  if (self->target == NULL || c == NULL)
    return;
  heading = g_strdup_printf (_("Cancel the result of %s?"), self->target->full_name);
  body = g_strdup_printf (_("The %s result, attempt %d, of candidate %s (No. %s, %s) will be cancelled "
                            "and the cancellation sent to C08. This cannot be undone.\n\nReason: %s — %s"),
                          ttsh_content_label (c->content), selected_attempt (self), self->target->full_name,
                          self->target->candidate_no, self->target->reg_code,
                          ttsh_cancel_reason_label (selected_reason (self)), text);
  self->confirmation = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), heading, body));
  adw_message_dialog_add_responses (self->confirmation, "keep", _("_Keep the result"),
                                    "cancel-result", _("_Cancel the result"), NULL);
  adw_message_dialog_set_response_appearance (self->confirmation, "cancel-result", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (self->confirmation, "keep");
  adw_message_dialog_set_close_response (self->confirmation, "keep");
  g_signal_connect_object (self->confirmation, "response", G_CALLBACK (on_confirm_response), self, 0);
  gtk_window_present (GTK_WINDOW (self->confirmation));
}

/* Object -------------------------------------------------------------------- */

static void
ttsh_cancel_dialog_dispose (GObject *object)
{
  TtshCancelDialog *self = TTSH_CANCEL_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  G_OBJECT_CLASS (ttsh_cancel_dialog_parent_class)->dispose (object);
}

static void
ttsh_cancel_dialog_finalize (GObject *object)
{
  TtshCancelDialog *self = TTSH_CANCEL_DIALOG (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->context);
  g_clear_pointer (&self->offered, g_ptr_array_unref);
  g_clear_pointer (&self->target, ttsh_cancel_target_free);
  g_free (self->error);
  G_OBJECT_CLASS (ttsh_cancel_dialog_parent_class)->finalize (object);
}

static void
ttsh_cancel_dialog_class_init (TtshCancelDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ttsh_cancel_dialog_dispose;
  object_class->finalize = ttsh_cancel_dialog_finalize;

  /* The TransactionCode of the cancellation sent to C08. */
  signals[SIGNAL_CANCELLED] = g_signal_new ("cancelled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                            0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/vn/ttsh/Console/ttsh-cancel-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, TtshCancelDialog, number_row);
  gtk_widget_class_bind_template_child (widget_class, TtshCancelDialog, candidate_row);
  gtk_widget_class_bind_template_child (widget_class, TtshCancelDialog, content_row);
  gtk_widget_class_bind_template_child (widget_class, TtshCancelDialog, attempt_row);
  gtk_widget_class_bind_template_child (widget_class, TtshCancelDialog, reason_row);
  gtk_widget_class_bind_template_child (widget_class, TtshCancelDialog, reason_text);
  gtk_widget_class_bind_template_child (widget_class, TtshCancelDialog, counter_label);
  gtk_widget_class_bind_template_child (widget_class, TtshCancelDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, TtshCancelDialog, submit_button);
  gtk_widget_class_bind_template_callback (widget_class, on_number_apply);
  gtk_widget_class_bind_template_callback (widget_class, on_content_selected);
  gtk_widget_class_bind_template_callback (widget_class, update_submit);
  gtk_widget_class_bind_template_callback (widget_class, on_submit_clicked);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ttsh_cancel_dialog_init (TtshCancelDialog *self)
{
  guint n = 0;
  const TtshCancelReason *reasons = ttsh_cancel_reasons (&n);
  g_autoptr(GtkStringList) list = gtk_string_list_new (NULL);

  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  for (guint i = 0; i < n; i++)
    gtk_string_list_append (list, _(reasons[i].label));
  adw_combo_row_set_model (self->reason_row, G_LIST_MODEL (list));
  g_signal_connect_swapped (gtk_text_view_get_buffer (self->reason_text), "changed",
                            G_CALLBACK (update_submit), self);
  update_submit (self);
}

TtshCancelDialog *
ttsh_cancel_dialog_new (TtshContext *context,
                        GtkWindow   *parent,
                        gint64       candidate_id)
{
  TtshCancelDialog *self = g_object_new (TTSH_TYPE_CANCEL_DIALOG, "transient-for", parent, NULL);

  self->context = g_object_ref (context);
  if (candidate_id > 0)
    lookup (self, candidate_id, NULL);
  else
    gtk_widget_grab_focus (GTK_WIDGET (self->number_row));
  return self;
}

GtkEditable *
ttsh_cancel_dialog_get_number_entry (TtshCancelDialog *self)
{
  return GTK_EDITABLE (self->number_row);
}

AdwComboRow *
ttsh_cancel_dialog_get_content_row (TtshCancelDialog *self)
{
  return self->content_row;
}

AdwComboRow *
ttsh_cancel_dialog_get_attempt_row (TtshCancelDialog *self)
{
  return self->attempt_row;
}

AdwComboRow *
ttsh_cancel_dialog_get_reason_row (TtshCancelDialog *self)
{
  return self->reason_row;
}

GtkTextBuffer *
ttsh_cancel_dialog_get_reason_buffer (TtshCancelDialog *self)
{
  return gtk_text_view_get_buffer (self->reason_text);
}

GtkWidget *
ttsh_cancel_dialog_get_submit (TtshCancelDialog *self)
{
  return self->submit_button;
}

AdwMessageDialog *
ttsh_cancel_dialog_get_confirmation (TtshCancelDialog *self)
{
  return self->confirmation;
}

const char *
ttsh_cancel_dialog_get_error (TtshCancelDialog *self)
{
  return self->error;
}

gboolean
ttsh_cancel_dialog_is_busy (TtshCancelDialog *self)
{
  return self->busy > 0;
}
