/* ttsh-health-bar.c — C08 availability, token, clock skew, outbox depth, age
 * of the oldest unsent record against the 30-minute limit, connected exam
 * programs and open alarms. Read on the engine thread on every "changed"
 * signal and each second; new alarms also become desktop notifications.
 * Alarms are acknowledged with a note, and a stop C08 imposed is lifted
 * here by the roles allowed to. */
#define G_LOG_DOMAIN "ttsh-console"
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "ttsh-alarm.h"
#include "ttsh-errors.h"
#include "ttsh-format.h"
#include "ttsh-health-bar.h"
#include "ttsh-query.h"
#include "ttsh-sender.h"
#include "ttsh-status.h"
#include "ttsh-wire.h"

/* The chip turns amber at this age, well before the 20-minute alarm and the
 * 30-minute legal limit, and red at the alarm threshold. */
#define AGE_WARNING_S  (10 * 60)
#define AGE_ERROR_S    (TTSH_LATE_ALARM_MS / 1000)

/* An acknowledgement says what was done: a few words, not a keystroke. */
#define ACK_NOTE_MIN_CHARS 5

struct _TtshHealthBar {
  GtkWidget      parent_instance;

  TtshContext   *context;
  GCancellable  *cancellable;
  gulong         changed_id;
  guint          timer_id;
  gboolean       in_flight;
  gboolean       again;
  guint          generation;
  GHashTable    *notified;       /* alarm ids already notified */
  GHashTable    *showing;        /* ids whose notification is still up */
  GHashTable    *acking;         /* alarm ids with an acknowledgement under way */

  GtkBox        *box;
  GtkRevealer   *strip_revealer;
  GtkWidget     *strip;
  GtkImage      *strip_icon;
  GtkLabel      *strip_label;
  GtkButton     *strip_ack;
  gint64         strip_alarm_id;
  char          *strip_alarm_message;
  GtkLabel      *c08_label;
  GtkWidget     *resume_button;
  GtkLabel      *stop_reason;
  int            stop_code;      /* what holds sending, 0: nothing */
  gboolean       resuming;
  GtkLabel      *token_label;
  GtkLabel      *skew_label;
  GtkLabel      *outbox_label;
  GtkLabel      *age_label;
  GtkLabel      *clients_label;
  GtkMenuButton *alarm_button;
  GtkLabel      *alarm_label;
  GtkPopover    *alarm_popover;
  GtkListBox    *alarm_list;
};

G_DEFINE_FINAL_TYPE (TtshHealthBar, ttsh_health_bar, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_CONTEXT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct {
  JsonNode  *status;
  GPtrArray *alarms;
  gint64     clients;
  int        held;               /* stop condition, as the Errors page sees it */
} Reading;

static void
reading_free (gpointer data)
{
  Reading *r = data;

  g_clear_pointer (&r->status, json_node_unref);
  g_clear_pointer (&r->alarms, g_ptr_array_unref);
  g_free (r);
}

static gpointer
read_thread (TtshEngine  *engine,
             TtshStore   *store,
             gpointer     data,
             GError     **error)
{
  Reading *r = g_new0 (Reading, 1);
  g_autofree char *clients = NULL;

  r->status = ttsh_status_build (store, error);
  if (r->status == NULL)
    goto fail;
  r->alarms = ttsh_query_open_alarms (store, error);
  if (r->alarms == NULL)
    goto fail;
  clients = ttsh_store_meta_get (store, TTSH_META_CLIENTS_CONNECTED);
  r->clients = clients && *clients ? g_ascii_strtoll (clients, NULL, 10) : -1;
  r->held = ttsh_errors_held_code (store);
  return r;

fail:
  reading_free (r);
  return NULL;
}

static void
set_chip (GtkLabel   *label,
          const char *text,
          const char *level)       /* NULL, "ok", "warning", "error", "dim" */
{
  static const char *const levels[] = { "ok", "warning", "error", "dim" };

  gtk_label_set_text (label, text);
  for (guint i = 0; i < G_N_ELEMENTS (levels); i++)
    {
      if (g_strcmp0 (level, levels[i]) == 0)
        gtk_widget_add_css_class (GTK_WIDGET (label), levels[i]);
      else
        gtk_widget_remove_css_class (GTK_WIDGET (label), levels[i]);
    }
}

static const char *
member_string (JsonObject *o,
               const char *name)
{
  JsonNode *n = json_object_get_member (o, name);

  return n && JSON_NODE_HOLDS_VALUE (n) ? json_node_get_string (n) : NULL;
}

static gboolean
member_int (JsonObject *o,
            const char *name,
            gint64     *out)
{
  JsonNode *n = json_object_get_member (o, name);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return FALSE;
  *out = json_node_get_int (n);
  return TRUE;
}

static void ack_clicked  (GtkButton     *button,
                          TtshHealthBar *self);
static void on_strip_ack (TtshHealthBar *self);

/* -2, -3 and -7 wait for an operator; -10 lifts itself after a good clock check. */
static gboolean
stop_needs_operator (int code)
{
  return code == TTSH_CODE_ACCOUNT_LOCKED || code == TTSH_CODE_BAD_CREDENTIALS ||
         code == TTSH_CODE_IP_DENIED;
}

static void
update_resume (TtshHealthBar *self)
{
  gboolean can = ttsh_context_can (self->context, TTSH_PERM_RESUME_SENDING);
  gboolean offered = stop_needs_operator (self->stop_code);

  gtk_widget_set_visible (self->resume_button, offered);
  gtk_widget_set_tooltip_text (self->resume_button, can
      ? _("Lift the stop once its cause is fixed; your name goes into the audit journal")
      : _("Only a manager or an administrator may resume sending"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "health.resume-sending",
                                 offered && can && !self->resuming);
  gtk_widget_set_visible (GTK_WIDGET (self->stop_reason), self->stop_code == TTSH_CODE_CLOCK_SKEW);
}

/* The desktop notification of alarm @id, sent and withdrawn under it. */
static char *
notification_id (gint64 id)
{
  return g_strdup_printf ("alarm-%" G_GINT64_FORMAT, id);
}

static void
notify_alarm (TtshHealthBar *self,
              TtshAlarmRow  *a)
{
  GApplication *app = g_application_get_default ();
  g_autoptr(GNotification) n = NULL;
  g_autofree char *id = NULL;

  if (g_hash_table_contains (self->notified, &a->id))
    return;
  g_hash_table_add (self->notified, g_memdup2 (&a->id, sizeof a->id));
  if (app == NULL || !g_application_get_is_registered (app))
    return;
  n = g_notification_new (_("TTSH alarm"));
  g_notification_set_body (n, a->message);
  g_notification_set_priority (n, g_str_equal (a->severity, "CRITICAL")
                               ? G_NOTIFICATION_PRIORITY_URGENT : G_NOTIFICATION_PRIORITY_HIGH);
  id = notification_id (a->id);
  g_application_send_notification (app, id, n);
  g_hash_table_add (self->showing, g_memdup2 (&a->id, sizeof a->id));
}

/* An alarm acknowledged or cleared takes its notification off the desktop
 * (a critical one would otherwise stay until dismissed by hand). */
static void
withdraw_gone (TtshHealthBar *self,
               GPtrArray     *alarms)
{
  GApplication *app = g_application_get_default ();
  g_autoptr(GHashTable) open = g_hash_table_new (g_int64_hash, g_int64_equal);
  GHashTableIter iter;
  gpointer key;

  for (guint i = 0; i < alarms->len; i++)
    g_hash_table_add (open, &((TtshAlarmRow *) g_ptr_array_index (alarms, i))->id);
  g_hash_table_iter_init (&iter, self->showing);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (open, key))
      {
        g_autofree char *id = notification_id (*(gint64 *) key);

        if (app != NULL && g_application_get_is_registered (app))
          g_application_withdraw_notification (app, id);
        g_hash_table_iter_remove (&iter);
      }
}

static void
show_alarms (TtshHealthBar *self,
             GPtrArray     *alarms)
{
  GtkWidget *child;
  gboolean critical = FALSE;
  gboolean can_ack = ttsh_context_can (self->context, TTSH_PERM_ACK_ALARM);
  g_autofree char *text = NULL;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->alarm_list))) != NULL)
    gtk_list_box_remove (self->alarm_list, child);

  for (guint i = 0; i < alarms->len; i++)
    {
      TtshAlarmRow *a = g_ptr_array_index (alarms, i);
      g_autofree char *when = ttsh_format_time_ms (a->last_at);
      g_autofree char *sub = a->count > 1
        ? g_strdup_printf (_("%s · %d times"), when, a->count) : g_strdup (when);
      GtkWidget *row = adw_action_row_new ();

      critical |= g_str_equal (a->severity, "CRITICAL");
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), a->message);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), sub);
      adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 3);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row),
          gtk_image_new_from_icon_name (g_str_equal (a->severity, "CRITICAL")
                                        ? "dialog-error-symbolic" : "dialog-warning-symbolic"));
      if (can_ack)
        {
          GtkWidget *ack = gtk_button_new_with_mnemonic (_("_Acknowledge"));

          gtk_widget_set_valign (ack, GTK_ALIGN_CENTER);
          gtk_widget_set_sensitive (ack, !g_hash_table_contains (self->acking, &a->id));
          g_object_set_data_full (G_OBJECT (ack), "alarm-id", g_memdup2 (&a->id, sizeof a->id), g_free);
          g_object_set_data_full (G_OBJECT (ack), "alarm-message", g_strdup (a->message), g_free);
          gtk_accessible_update_property (GTK_ACCESSIBLE (ack), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                          _("Acknowledge alarm"), -1);
          g_signal_connect (ack, "clicked", G_CALLBACK (ack_clicked), self);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), ack);
        }
      gtk_list_box_append (self->alarm_list, row);
      notify_alarm (self, a);
    }
  withdraw_gone (self, alarms);

  /* The most urgent alarm stays in sight under the chips until handled. */
  if (alarms->len > 0)
    {
      TtshAlarmRow *top = g_ptr_array_index (alarms, 0);
      g_autofree char *when = ttsh_format_clock_ms (top->last_at);
      g_autofree char *line = alarms->len > 1
        ? g_strdup_printf (_("%s — %s (and %u more)"), when, top->message, alarms->len - 1)
        : g_strdup_printf ("%s — %s", when, top->message);

      self->strip_alarm_id = top->id;
      g_free (self->strip_alarm_message);
      self->strip_alarm_message = g_strdup (top->message);
      gtk_label_set_text (self->strip_label, line);
      gtk_image_set_from_icon_name (self->strip_icon, g_str_equal (top->severity, "CRITICAL")
                                    ? "dialog-error-symbolic" : "dialog-warning-symbolic");
      gtk_widget_remove_css_class (self->strip, critical ? "warning" : "error");
      gtk_widget_add_css_class (self->strip, critical ? "error" : "warning");
      gtk_widget_set_visible (GTK_WIDGET (self->strip_ack), can_ack);
      gtk_widget_set_sensitive (GTK_WIDGET (self->strip_ack), !g_hash_table_contains (self->acking, &top->id));
    }
  gtk_revealer_set_reveal_child (self->strip_revealer, alarms->len > 0);

  if (alarms->len == 0)
    text = g_strdup (_("No alarms"));
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u alarm", "%u alarms", alarms->len), alarms->len);
  gtk_label_set_text (self->alarm_label, text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->alarm_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
  set_chip (self->alarm_label, text, alarms->len == 0 ? "ok" : critical ? "error" : "warning");
  gtk_widget_set_sensitive (GTK_WIDGET (self->alarm_button), alarms->len > 0);
}

static void
show_reading (TtshHealthBar *self,
              Reading       *r)
{
  JsonObject *s = json_node_get_object (r->status);
  JsonObject *outbox = json_object_get_object_member (s, "outbox");
  const TtshConfig *config = ttsh_engine_get_config (ttsh_context_get_engine (self->context));
  const char *c08 = member_string (s, "c08_status");
  const char *token = member_string (s, "token_expires_at");
  gint64 v, now = g_get_real_time () / 1000;
  g_autofree char *text = NULL;

  /* C08 */
  self->stop_code = r->held;
  if (r->held != 0)
    {
      text = g_strdup_printf (r->held == TTSH_CODE_CLOCK_SKEW ? _("C08: sending paused (code %d)")
                                                              : _("C08: sending stopped (code %d)"), r->held);
      set_chip (self->c08_label, text, "error");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->c08_label), ttsh_code_message (r->held));
    }
  else if (g_strcmp0 (c08, "SAN_SANG") == 0)
    set_chip (self->c08_label, _("C08: ready"), "ok");
  else if (g_strcmp0 (c08, "BAN") == 0)
    set_chip (self->c08_label, _("C08: busy"), "warning");
  else
    set_chip (self->c08_label, _("C08: not checked yet"), "dim");
  if (r->held == 0)
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->c08_label), _("Availability of the C08 system"));
  update_resume (self);
  g_clear_pointer (&text, g_free);

  /* Token */
  {
    gint64 expires;

    if (token == NULL || !ttsh_time_parse (token, &expires))
      set_chip (self->token_label, _("Token: none"), "dim");
    else if (expires <= now)
      set_chip (self->token_label, _("Token: expired"), "error");
    else
      {
        g_autofree char *left = ttsh_format_duration ((expires - now) / 1000);

        text = g_strdup_printf (_("Token: %s left"), left);
        /* The sender renews ahead of expiry; a token this close to its end means it could not. */
        set_chip (self->token_label, text, expires - now < 60 * 1000 ? "warning" : "ok");
        g_clear_pointer (&text, g_free);
      }
  }

  /* Clock skew */
  if (member_int (s, "clock_skew_ms", &v))
    {
      g_autofree char *secs = ttsh_format_decimal (v / 1000.0, 1);
      gint64 max_ms = (gint64) (config->c08_max_skew ? config->c08_max_skew : 30) * 1000;

      text = g_strdup_printf (_("Clock skew: %s%s s"), v > 0 ? "+" : "", secs);
      set_chip (self->skew_label, text, ABS (v) > max_ms ? "error" : ABS (v) > max_ms / 2 ? "warning" : "ok");
      g_clear_pointer (&text, g_free);
    }
  else
    set_chip (self->skew_label, _("Clock skew: —"), "dim");

  /* Outbox */
  {
    gint64 unsent = 0, errors = 0;
    JsonObject *by_state = outbox ? json_object_get_object_member (outbox, "by_state") : NULL;
    g_autofree char *n1 = NULL, *n2 = NULL;

    if (outbox != NULL)
      member_int (outbox, "unsent", &unsent);
    if (by_state != NULL)
      member_int (by_state, "ERROR", &errors);
    n1 = ttsh_format_count (unsent);
    n2 = ttsh_format_count (errors);
    if (errors > 0)
      text = g_strdup_printf (_("Unsent: %s · errors: %s"), n1, n2);
    else
      text = g_strdup_printf (_("Unsent: %s"), n1);
    set_chip (self->outbox_label, text, errors > 0 ? "error" : unsent > 0 ? NULL : "ok");
    g_clear_pointer (&text, g_free);
  }

  /* Oldest unsent against the legal limit */
  if (member_int (s, "oldest_unsent_age_s", &v))
    {
      g_autofree char *age = ttsh_format_duration (v);
      g_autofree char *limit = ttsh_format_duration (TTSH_LEGAL_LIMIT_MS / 1000);

      text = g_strdup_printf (_("Oldest unsent: %s / %s"), age, limit);
      set_chip (self->age_label, text, v >= AGE_ERROR_S ? "error" : v >= AGE_WARNING_S ? "warning" : "ok");
      g_clear_pointer (&text, g_free);
    }
  else
    set_chip (self->age_label, _("Oldest unsent: none"), "ok");

  /* Exam programs */
  if (r->clients >= 0)
    {
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d exam program connected",
                                           "%d exam programs connected", (gulong) r->clients),
                              (int) r->clients);
      set_chip (self->clients_label, text, r->clients > 0 ? "ok" : "dim");
      g_clear_pointer (&text, g_free);
    }
  else
    set_chip (self->clients_label, _("Exam programs: —"), "dim");

  show_alarms (self, r->alarms);
}

static void
read_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  TtshHealthBar *self;
  g_autoptr(GError) error = NULL;
  Reading *r = ttsh_engine_call_finish (TTSH_ENGINE (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_pointer (&r, reading_free);
      return;
    }
  self = TTSH_HEALTH_BAR (user_data);
  self->in_flight = FALSE;
  if (r == NULL)
    {
      g_warning ("cannot read the engine status: %s", error->message);
      set_chip (self->c08_label, _("Status unavailable"), "error");
    }
  else
    {
      show_reading (self, r);
      reading_free (r);
    }
  self->generation++;
  if (self->again)
    {
      self->again = FALSE;
      ttsh_health_bar_refresh (self);
    }
}

void
ttsh_health_bar_refresh (TtshHealthBar *self)
{
  g_return_if_fail (TTSH_IS_HEALTH_BAR (self));

  /* One reading at a time; a burst of signals becomes one more reading. */
  if (self->in_flight)
    {
      self->again = TRUE;
      return;
    }
  self->in_flight = TRUE;
  ttsh_engine_call_async (ttsh_context_get_engine (self->context), read_thread, NULL, NULL,
                          reading_free, self->cancellable, read_done, self);
}

guint
ttsh_health_bar_get_generation (TtshHealthBar *self)
{
  return self->generation;
}

static gboolean
on_tick (gpointer data)
{
  ttsh_health_bar_refresh (data);
  return G_SOURCE_CONTINUE;
}

static void
on_engine_changed (TtshEngine    *engine,
                   const char    *what,
                   TtshHealthBar *self)
{
  ttsh_health_bar_refresh (self);
}

/* Acknowledging ------------------------------------------------------------ */

typedef struct {
  gint64  id;
  char   *operator_name;
  char   *note;
} Ack;

static void
ack_free (gpointer data)
{
  Ack *a = data;

  g_free (a->operator_name);
  g_free (a->note);
  g_free (a);
}

static gpointer
ack_thread (TtshEngine  *engine,
            TtshStore   *store,
            gpointer     data,
            GError     **error)
{
  Ack *a = data;

  if (!ttsh_alarm_ack (store, a->id, a->operator_name, a->note, error))
    return NULL;
  _ttsh_engine_emit_changed (engine, "alarm");
  _ttsh_engine_emit_changed (engine, "journal");
  return GINT_TO_POINTER (1);
}

typedef struct {
  TtshHealthBar *self;
  gint64         id;
} AckDone;

static void
ack_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  AckDone *d = user_data;
  g_autoptr(GError) error = NULL;

  if (ttsh_engine_call_finish (TTSH_ENGINE (source), result, &error) == NULL &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("cannot acknowledge the alarm: %s", error->message);
  g_hash_table_remove (d->self->acking, &d->id);
  g_object_unref (d->self);
  g_free (d);
}

/* Characters that are not white space: "   ." is not a note. */
static guint
note_length (const char *text)
{
  guint n = 0;

  for (const char *p = text; *p; p = g_utf8_next_char (p))
    if (!g_unichar_isspace (g_utf8_get_char (p)))
      n++;
  return n;
}

static void
on_ack_note_changed (GtkEditable      *entry,
                     AdwMessageDialog *dlg)
{
  adw_message_dialog_set_response_enabled (dlg, "ack",
                                           note_length (gtk_editable_get_text (entry)) >= ACK_NOTE_MIN_CHARS);
}

static void
on_ack_response (AdwMessageDialog *dlg,
                 const char       *response,
                 TtshHealthBar    *self)
{
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dlg));
  gint64 id = *(gint64 *) g_object_get_data (G_OBJECT (dlg), "alarm-id");
  g_autofree char *note = g_strstrip (g_strdup (gtk_editable_get_text (entry)));
  AckDone *d;
  Ack *a;

  /* adw_message_dialog_response() emits a disabled response too: check again. */
  if (g_strcmp0 (response, "ack") != 0 || note_length (note) < ACK_NOTE_MIN_CHARS ||
      g_hash_table_contains (self->acking, &id))
    return;
  a = g_new0 (Ack, 1);
  a->id = id;
  a->operator_name = g_strdup (ttsh_operator_get_username (ttsh_context_get_operator (self->context)));
  a->note = g_steal_pointer (&note);
  d = g_new0 (AckDone, 1);
  d->self = g_object_ref (self);
  d->id = id;
  g_hash_table_add (self->acking, g_memdup2 (&id, sizeof id));
  if (id == self->strip_alarm_id)
    gtk_widget_set_sensitive (GTK_WIDGET (self->strip_ack), FALSE);
  ttsh_engine_call_async (ttsh_context_get_engine (self->context), ack_thread, a, ack_free, NULL,
                          self->cancellable, ack_done, d);
}

/* Asks what was done about the alarm; the note goes with the operator's
 * name into the alarm row and the audit journal. */
static void
ack (TtshHealthBar *self,
     gint64         id,
     const char    *message)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  AdwMessageDialog *dlg;
  GtkWidget *entry;

  if (!ttsh_context_check (self->context, TTSH_PERM_ACK_ALARM, "alarm"))
    return;
  if (g_hash_table_contains (self->acking, &id))
    return;
  dlg = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                    _("Acknowledge alarm?"), NULL));
  adw_message_dialog_format_body (dlg, _("%s\n\nWrite down what was done about it. "
                                         "Your name and note go into the audit journal."),
                                  message ? message : "");
  entry = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("Note (required): what was done"));
  gtk_entry_set_max_length (GTK_ENTRY (entry), 500);
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Note"), -1);
  adw_message_dialog_set_extra_child (dlg, entry);
  adw_message_dialog_add_responses (dlg, "cancel", _("_Cancel"), "ack", _("_Acknowledge"), NULL);
  adw_message_dialog_set_response_appearance (dlg, "ack", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_response_enabled (dlg, "ack", FALSE);
  adw_message_dialog_set_default_response (dlg, "ack");
  adw_message_dialog_set_close_response (dlg, "cancel");
  g_object_set_data_full (G_OBJECT (dlg), "alarm-id", g_memdup2 (&id, sizeof id), g_free);
  g_signal_connect (entry, "changed", G_CALLBACK (on_ack_note_changed), dlg);
  g_signal_connect_object (dlg, "response", G_CALLBACK (on_ack_response), self, 0);
  gtk_window_present (GTK_WINDOW (dlg));
}

static void
ack_clicked (GtkButton     *button,
             TtshHealthBar *self)
{
  ack (self, *(gint64 *) g_object_get_data (G_OBJECT (button), "alarm-id"),
       g_object_get_data (G_OBJECT (button), "alarm-message"));
}

static void
on_strip_ack (TtshHealthBar *self)
{
  if (self->strip_alarm_id != 0)
    ack (self, self->strip_alarm_id, self->strip_alarm_message);
}

/* Resuming sending ---------------------------------------------------------- */

typedef struct {
  TtshOperator *op;
} Resume;

static void
resume_free (gpointer data)
{
  Resume *r = data;

  g_object_unref (r->op);
  g_free (r);
}

static gpointer
resume_thread (TtshEngine  *engine,
               TtshStore   *store,
               gpointer     data,
               GError     **error)
{
  Resume *r = data;

  /* Checked again where the stop is lifted, as cancellations are; a refusal is journaled. */
  if (!ttsh_operators_check (store, r->op, TTSH_PERM_RESUME_SENDING, TTSH_META_C08_STOPPED, error) ||
      !ttsh_sender_resume (engine, ttsh_operator_get_username (r->op), error))
    return NULL;
  _ttsh_engine_emit_changed (engine, "alarm");
  _ttsh_engine_emit_changed (engine, "journal");
  return GINT_TO_POINTER (1);
}

static void
resume_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(TtshHealthBar) self = user_data;
  g_autoptr(GError) error = NULL;

  if (ttsh_engine_call_finish (TTSH_ENGINE (source), result, &error) == NULL)
    {
      GtkRoot *root;
      AdwMessageDialog *dlg;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      root = gtk_widget_get_root (GTK_WIDGET (self));
      dlg = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                        _("Sending was not resumed"), error->message));
      adw_message_dialog_add_response (dlg, "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dlg));
    }
  self->resuming = FALSE;
  update_resume (self);
  ttsh_health_bar_refresh (self);
}

static void
on_resume_response (AdwMessageDialog *dlg,
                    const char       *response,
                    TtshHealthBar    *self)
{
  Resume *r;

  if (g_strcmp0 (response, "resume") != 0 || self->resuming)
    return;
  r = g_new0 (Resume, 1);
  r->op = g_object_ref (ttsh_context_get_operator (self->context));
  self->resuming = TRUE;
  update_resume (self);
  ttsh_engine_call_async (ttsh_context_get_engine (self->context), resume_thread, r, resume_free, NULL,
                          self->cancellable, resume_done, g_object_ref (self));
}

static void
resume_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  TtshHealthBar *self = TTSH_HEALTH_BAR (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  int code = self->stop_code;
  AdwMessageDialog *dlg;

  if (!ttsh_context_check (self->context, TTSH_PERM_RESUME_SENDING, TTSH_META_C08_STOPPED))
    return;
  if (!stop_needs_operator (code) || self->resuming)
    return;
  dlg = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                    _("Resume sending to C08?"), NULL));
  adw_message_dialog_format_body (dlg, _("Sending to C08 stopped on code %d: %s.\n\n"
                                         "Fix first: %s\n\n"
                                         "Resume only once the cause is fixed, otherwise C08 refuses again and "
                                         "sending stops again. Your name goes into the audit journal."),
                                  code, ttsh_code_message (code), ttsh_code_action (code));
  adw_message_dialog_add_responses (dlg, "cancel", _("_Cancel"), "resume", _("_Resume sending"), NULL);
  adw_message_dialog_set_response_appearance (dlg, "resume", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dlg, "cancel");
  adw_message_dialog_set_close_response (dlg, "cancel");
  g_signal_connect_object (dlg, "response", G_CALLBACK (on_resume_response), self, 0);
  gtk_window_present (GTK_WINDOW (dlg));
}

/* GObject ------------------------------------------------------------------ */

static void
ttsh_health_bar_constructed (GObject *object)
{
  TtshHealthBar *self = TTSH_HEALTH_BAR (object);

  G_OBJECT_CLASS (ttsh_health_bar_parent_class)->constructed (object);
  self->changed_id = g_signal_connect (ttsh_context_get_engine (self->context), "changed",
                                       G_CALLBACK (on_engine_changed), self);
  self->timer_id = g_timeout_add_seconds (1, on_tick, self);
  ttsh_health_bar_refresh (self);
}

static void
ttsh_health_bar_dispose (GObject *object)
{
  TtshHealthBar *self = TTSH_HEALTH_BAR (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->timer_id, g_source_remove);
  if (self->context != NULL)
    g_clear_signal_handler (&self->changed_id, ttsh_context_get_engine (self->context));
  g_clear_object (&self->context);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), TTSH_TYPE_HEALTH_BAR);
  {
    GtkWidget *child;
    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
      gtk_widget_unparent (child);
  }
  G_OBJECT_CLASS (ttsh_health_bar_parent_class)->dispose (object);
}

static void
ttsh_health_bar_finalize (GObject *object)
{
  TtshHealthBar *self = TTSH_HEALTH_BAR (object);

  g_hash_table_unref (self->notified);
  g_hash_table_unref (self->showing);
  g_hash_table_unref (self->acking);
  g_free (self->strip_alarm_message);
  G_OBJECT_CLASS (ttsh_health_bar_parent_class)->finalize (object);
}

static void
ttsh_health_bar_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  TtshHealthBar *self = TTSH_HEALTH_BAR (object);

  switch (prop_id)
    {
    case PROP_CONTEXT: self->context = g_value_dup_object (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ttsh_health_bar_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  TtshHealthBar *self = TTSH_HEALTH_BAR (object);

  switch (prop_id)
    {
    case PROP_CONTEXT: g_value_set_object (value, self->context); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ttsh_health_bar_class_init (TtshHealthBarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ttsh_health_bar_constructed;
  object_class->dispose = ttsh_health_bar_dispose;
  object_class->finalize = ttsh_health_bar_finalize;
  object_class->set_property = ttsh_health_bar_set_property;
  object_class->get_property = ttsh_health_bar_get_property;

  properties[PROP_CONTEXT] =
    g_param_spec_object ("context", NULL, NULL, TTSH_TYPE_CONTEXT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/vn/ttsh/Console/ttsh-health-bar.ui");
  gtk_widget_class_bind_template_child (widget_class, TtshHealthBar, box);
  gtk_widget_class_bind_template_child (widget_class, TtshHealthBar, strip_revealer);
  gtk_widget_class_bind_template_child (widget_class, TtshHealthBar, strip);
  gtk_widget_class_bind_template_child (widget_class, TtshHealthBar, strip_icon);
  gtk_widget_class_bind_template_child (widget_class, TtshHealthBar, strip_label);
  gtk_widget_class_bind_template_child (widget_class, TtshHealthBar, strip_ack);
  gtk_widget_class_bind_template_callback (widget_class, on_strip_ack);
  gtk_widget_class_bind_template_child (widget_class, TtshHealthBar, c08_label);
  gtk_widget_class_bind_template_child (widget_class, TtshHealthBar, resume_button);
  gtk_widget_class_bind_template_child (widget_class, TtshHealthBar, stop_reason);
  gtk_widget_class_bind_template_child (widget_class, TtshHealthBar, token_label);
  gtk_widget_class_bind_template_child (widget_class, TtshHealthBar, skew_label);
  gtk_widget_class_bind_template_child (widget_class, TtshHealthBar, outbox_label);
  gtk_widget_class_bind_template_child (widget_class, TtshHealthBar, age_label);
  gtk_widget_class_bind_template_child (widget_class, TtshHealthBar, clients_label);
  gtk_widget_class_bind_template_child (widget_class, TtshHealthBar, alarm_button);
  gtk_widget_class_bind_template_child (widget_class, TtshHealthBar, alarm_label);
  gtk_widget_class_bind_template_child (widget_class, TtshHealthBar, alarm_popover);
  gtk_widget_class_bind_template_child (widget_class, TtshHealthBar, alarm_list);
  gtk_widget_class_install_action (widget_class, "health.resume-sending", NULL, resume_action);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "healthbar");
}

static void
ttsh_health_bar_init (TtshHealthBar *self)
{
  self->cancellable = g_cancellable_new ();
  self->notified = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->showing = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->acking = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "health.resume-sending", FALSE);
}

GtkWidget *
ttsh_health_bar_new (TtshContext *context)
{
  return g_object_new (TTSH_TYPE_HEALTH_BAR, "context", context, NULL);
}

GtkWidget *
ttsh_health_bar_get_resume_button (TtshHealthBar *self)
{
  g_return_val_if_fail (TTSH_IS_HEALTH_BAR (self), NULL);

  return self->resume_button;
}
