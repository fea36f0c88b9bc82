/* ttsh-audit-view.c — the audit journal page. Queries and the chain check
 * run on the engine thread; the newest entries matching operator, kind and
 * period are shown, and a free-text search narrows them in place. */
#define G_LOG_DOMAIN "ttsh-console"
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "ttsh-tooltip.h"
#include "ttsh-audit-view.h"
#include "ttsh-format.h"
#include "ttsh-journal.h"
#include "ttsh-query.h"

#define AUDIT_LIMIT  20000
#define RELOAD_DELAY_MS 500

/* Entry item ---------------------------------------------------------------- */

#define TTSH_TYPE_AUDIT_ENTRY (ttsh_audit_entry_get_type ())
G_DECLARE_FINAL_TYPE (TtshAuditEntry, ttsh_audit_entry, TTSH, AUDIT_ENTRY, GObject)

struct _TtshAuditEntry {
  GObject           parent_instance;
  TtshJournalEntry *entry;
  char             *haystack;
};

G_DEFINE_FINAL_TYPE (TtshAuditEntry, ttsh_audit_entry, G_TYPE_OBJECT)

static void
ttsh_audit_entry_finalize (GObject *object)
{
  TtshAuditEntry *self = TTSH_AUDIT_ENTRY (object);

  g_clear_pointer (&self->entry, ttsh_journal_entry_free);
  g_free (self->haystack);
  G_OBJECT_CLASS (ttsh_audit_entry_parent_class)->finalize (object);
}

static void
ttsh_audit_entry_class_init (TtshAuditEntryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ttsh_audit_entry_finalize;
}

static void
ttsh_audit_entry_init (TtshAuditEntry *self)
{
}

static TtshAuditEntry *
audit_entry_new (TtshJournalEntry *entry)   /* taken */
{
  TtshAuditEntry *self = g_object_new (TTSH_TYPE_AUDIT_ENTRY, NULL);
  g_autofree char *joined = g_strjoin (" ", entry->subject, entry->detail, entry->actor, NULL);

  self->entry = entry;
  self->haystack = ttsh_text_fold (joined);
  return self;
}

/* View ---------------------------------------------------------------------- */

enum { COL_SEQ, COL_TIME, COL_ACTOR, COL_ACTION, COL_SUBJECT, COL_DETAIL, N_COLUMNS };

static const struct {
  const char *title;
  gboolean    expand;
  int         width;
} column_info[N_COLUMNS] = {
  { N_("#"), FALSE, 70 },
  { N_("Time"), FALSE, 150 },
  { N_("Operator"), FALSE, 130 },
  { N_("Action"), FALSE, 170 },
  { N_("Subject"), TRUE, 260 },
  { N_("Detail"), TRUE, 320 },
};

/* Periods offered, in hours back from now (0: all). */
static const int period_hours[] = { 0, 1, 24, 24 * 7, 24 * 30 };

struct _TtshAuditView {
  GtkWidget           parent_instance;

  TtshContext        *context;
  GCancellable       *cancellable;
  gulong              changed_id;

  GListStore         *store;
  GtkCustomFilter    *filter;
  GtkFilterListModel *filtered;
  GtkNoSelection     *selection;
  char               *needle;
  GtkStringList      *actors;
  GtkStringList      *actions;

  gboolean            loading;
  gboolean            reload_again;
  gboolean            stale;          /* changed while not shown */
  gint64              load_started;
  gint64              load_cost;
  gboolean            verifying;
  guint               reload_source;
  guint               generation;
  int                 chain_state;
  gboolean            filling;

  GtkWidget          *verify_bar;
  GtkImage           *verify_icon;
  GtkLabel           *verify_label;
  GtkSearchEntry     *search;
  GtkDropDown        *actor_filter;
  GtkDropDown        *action_filter;
  GtkDropDown        *period_filter;
  GtkColumnView      *column_view;
  GtkLabel           *status_label;
};

G_DEFINE_FINAL_TYPE (TtshAuditView, ttsh_audit_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_CONTEXT, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void audit_reload (TtshAuditView *self);

static char *
cell_text (TtshJournalEntry *e,
           int               col)
{
  switch (col)
    {
    case COL_SEQ:     return g_strdup_printf ("%" G_GINT64_FORMAT, e->seq);
    case COL_TIME:    return ttsh_format_time_ms (e->at);
    case COL_ACTOR:   return g_strdup (e->actor);
    case COL_ACTION:  return g_strdup (e->action);
    case COL_SUBJECT: return g_strdup (e->subject);
    case COL_DETAIL:  return g_strdup (e->detail);
    default:          return g_strdup ("");
    }
}

static void
setup_cell (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            gpointer                  data)
{
  GtkWidget *label = gtk_label_new (NULL);
  int col = GPOINTER_TO_INT (data);

  gtk_label_set_xalign (GTK_LABEL (label), col == COL_SEQ ? 1.0f : 0.0f);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (GTK_LABEL (label), TRUE);
  if (col == COL_ACTION)
    gtk_widget_add_css_class (label, "monospace");
  gtk_list_item_set_child (item, label);
}

static void
bind_cell (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  data)
{
  TtshAuditEntry *it = gtk_list_item_get_item (item);
  g_autofree char *text = cell_text (it->entry, GPOINTER_TO_INT (data));
  GtkWidget *label = gtk_list_item_get_child (item);

  gtk_label_set_text (GTK_LABEL (label), text);
  if (GPOINTER_TO_INT (data) >= COL_SUBJECT)
    ttsh_widget_set_quiet_tooltip (label, text);
}

static gboolean
filter_func (gpointer item,
             gpointer data)
{
  TtshAuditView *self = data;

  return self->needle == NULL || *self->needle == '\0' ||
         strstr (TTSH_AUDIT_ENTRY (item)->haystack, self->needle) != NULL;
}

static void
on_search_changed (TtshAuditView *self)
{
  g_free (self->needle);
  self->needle = g_strstrip (ttsh_text_fold (gtk_editable_get_text (GTK_EDITABLE (self->search))));
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

static void
on_query_changed (TtshAuditView *self)
{
  if (!self->filling)
    audit_reload (self);
}

static void
update_status (TtshAuditView *self)
{
  g_autofree char *shown = NULL;
  g_autofree char *limit = NULL;
  g_autofree char *text = NULL;

  if (self->status_label == NULL)   /* disposed */
    return;
  shown = ttsh_format_count (g_list_model_get_n_items (G_LIST_MODEL (self->filtered)));
  limit = ttsh_format_count (AUDIT_LIMIT);
  text = g_strdup_printf (_("%s entries shown (newest first, at most %s read)"), shown, limit);
  gtk_label_set_text (self->status_label, text);
}

/* Chain verification -------------------------------------------------------- */

typedef struct {
  gboolean ok;
  gint64   n_entries;
  gint64   bad_seq;
  char    *message;
} Verify;

static void
verify_free (Verify *v)
{
  g_free (v->message);
  g_free (v);
}

static gpointer
verify_func (TtshEngine  *engine,
             TtshStore   *store,
             gpointer     data,
             GError     **error)
{
  Verify *v = g_new0 (Verify, 1);
  g_autoptr(GError) local = NULL;

  v->ok = ttsh_journal_verify (store, &v->n_entries, &v->bad_seq, &local);
  if (!v->ok)
    v->message = g_strdup (local ? local->message : "");
  return v;
}

static void
verify_done (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  g_autoptr(TtshAuditView) self = data;
  g_autoptr(GError) error = NULL;
  Verify *v = ttsh_engine_call_finish (TTSH_ENGINE (source), result, &error);
  g_autofree char *text = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *at = ttsh_format_clock_ms (g_date_time_to_unix (now) * 1000);

  self->verifying = FALSE;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "audit.verify", TRUE);
  if (v == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      self->chain_state = 0;
      text = g_strdup_printf (_("The audit chain could not be checked: %s"), error->message);
    }
  else if (v->ok)
    {
      g_autofree char *n = ttsh_format_count (v->n_entries);
      self->chain_state = 1;
      text = g_strdup_printf (_("Audit chain intact: %s entries verified at %s."), n, at);
    }
  else
    {
      self->chain_state = 0;
      text = g_strdup_printf (_("WARNING: the audit journal has been altered. The chain breaks at entry #%lld "
                                "(%s). Report this to the centre's management "
                                "and keep the database file as evidence."),
                              (long long) v->bad_seq, v->message);
    }
  gtk_label_set_text (self->verify_label, text);
  gtk_image_set_from_icon_name (self->verify_icon, self->chain_state == 1 ? "emblem-ok-symbolic"
                                                                          : "dialog-warning-symbolic");
  gtk_widget_remove_css_class (self->verify_bar, "error");
  gtk_widget_remove_css_class (self->verify_bar, "success");
  gtk_widget_add_css_class (self->verify_bar, self->chain_state == 1 ? "success" : "error");
  self->generation++;
  if (v)
    verify_free (v);
}

static void
verify (TtshAuditView *self)
{
  if (self->verifying)
    return;
  self->verifying = TRUE;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "audit.verify", FALSE);
  gtk_label_set_text (self->verify_label, _("Verifying the audit chain…"));
  ttsh_engine_call_async (ttsh_context_get_engine (self->context), verify_func, NULL, NULL,
                          (GDestroyNotify) verify_free, self->cancellable, verify_done, g_object_ref (self));
}

static void
verify_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  verify (TTSH_AUDIT_VIEW (widget));
}

/* Loading ------------------------------------------------------------------- */

typedef struct {
  char      *actor;
  char      *action;
  gint64     since_ms;
  GPtrArray *entries;
  GStrv      actors;
  GStrv      actions;
} Load;

static void
load_free (Load *l)
{
  g_free (l->actor);
  g_free (l->action);
  g_clear_pointer (&l->entries, g_ptr_array_unref);
  g_strfreev (l->actors);
  g_strfreev (l->actions);
  g_free (l);
}

static gpointer
load_func (TtshEngine  *engine,
           TtshStore   *store,
           gpointer     data,
           GError     **error)
{
  Load *in = data;
  Load *out = g_new0 (Load, 1);
  TtshJournalQuery q = { .actor = in->actor, .action = in->action, .since_ms = in->since_ms,
                         .limit = AUDIT_LIMIT };

  out->entries = ttsh_journal_query (store, &q, error);
  if (out->entries)
    out->actors = ttsh_journal_distinct (store, "actor", error);
  if (out->actors)
    out->actions = ttsh_journal_distinct (store, "action", error);
  if (out->actions == NULL)
    {
      load_free (out);
      return NULL;
    }
  return out;
}

static char *
selected_string (GtkDropDown *dd)
{
  guint i = gtk_drop_down_get_selected (dd);
  GListModel *model = gtk_drop_down_get_model (dd);

  if (i == 0 || i == GTK_INVALID_LIST_POSITION || model == NULL)
    return NULL;
  return g_strdup (gtk_string_list_get_string (GTK_STRING_LIST (model), i));
}

/* Refills a filter list, keeping the current choice. */
static void
refill (TtshAuditView *self,
        GtkDropDown   *dd,
        GtkStringList *list,
        const char    *any_label,
        GStrv          values)
{
  g_autofree char *current = selected_string (dd);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (list));
  guint select = 0;

  self->filling = TRUE;
  gtk_string_list_splice (list, 0, n, NULL);
  gtk_string_list_append (list, any_label);
  for (guint i = 0; values[i]; i++)
    {
      gtk_string_list_append (list, values[i]);
      if (g_strcmp0 (values[i], current) == 0)
        select = i + 1;
    }
  gtk_drop_down_set_selected (dd, select);
  self->filling = FALSE;
}

static void
load_done (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(TtshAuditView) self = data;
  g_autoptr(GError) error = NULL;
  Load *l = ttsh_engine_call_finish (TTSH_ENGINE (source), result, &error);
  g_autofree gpointer *items = NULL;

  self->loading = FALSE;
  if (l == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *msg = g_strdup_printf (_("Cannot read the journal: %s"), error->message);
          gtk_label_set_text (self->status_label, msg);
        }
      return;
    }
  items = g_new (gpointer, l->entries->len + 1);
  for (guint i = 0; i < l->entries->len; i++)
    items[i] = audit_entry_new (g_ptr_array_index (l->entries, i));
  /* the items own the entries now */
  g_ptr_array_set_free_func (l->entries, NULL);
  g_list_store_splice (self->store, 0, g_list_model_get_n_items (G_LIST_MODEL (self->store)),
                       items, l->entries->len);
  for (guint i = 0; i < l->entries->len; i++)
    g_object_unref (items[i]);
  refill (self, self->actor_filter, self->actors, _("All operators"), l->actors);
  refill (self, self->action_filter, self->actions, _("All kinds"), l->actions);
  load_free (l);
  update_status (self);
  self->load_cost = g_get_monotonic_time () - self->load_started;
  self->generation++;
  if (self->reload_again)
    {
      self->reload_again = FALSE;
      audit_reload (self);
    }
}

static void
audit_reload (TtshAuditView *self)
{
  Load *in;
  guint period;

  g_clear_handle_id (&self->reload_source, g_source_remove);
  if (self->loading)
    {
      self->reload_again = TRUE;
      return;
    }
  in = g_new0 (Load, 1);
  in->actor = selected_string (self->actor_filter);
  in->action = selected_string (self->action_filter);
  period = gtk_drop_down_get_selected (self->period_filter);
  if (period > 0 && period < G_N_ELEMENTS (period_hours))
    in->since_ms = ttsh_now_ms () - (gint64) period_hours[period] * 3600 * 1000;
  self->loading = TRUE;
  self->stale = FALSE;
  self->load_started = g_get_monotonic_time ();
  ttsh_engine_call_async (ttsh_context_get_engine (self->context), load_func, in,
                          (GDestroyNotify) load_free, (GDestroyNotify) load_free,
                          self->cancellable, load_done, g_object_ref (self));
}

static gboolean
reload_timeout (gpointer data)
{
  TtshAuditView *self = data;

  self->reload_source = 0;
  audit_reload (self);
  return G_SOURCE_REMOVE;
}

/* The sender journals every record it sends: coalesce, back off by the
 * cost of a load, and wait while the page is not shown. */
static void
on_engine_changed (TtshEngine    *engine,
                   const char    *what,
                   TtshAuditView *self)
{
  guint delay;

  if (g_strcmp0 (what, "journal") != 0)
    return;
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      self->stale = TRUE;
      return;
    }
  delay = (guint) CLAMP (self->load_cost * 4 / 1000, RELOAD_DELAY_MS, 10000);
  if (self->reload_source == 0)
    self->reload_source = g_timeout_add (delay, reload_timeout, self);
}

static void
ttsh_audit_view_map (GtkWidget *widget)
{
  TtshAuditView *self = TTSH_AUDIT_VIEW (widget);

  GTK_WIDGET_CLASS (ttsh_audit_view_parent_class)->map (widget);
  if (self->stale)
    audit_reload (self);
}

/* Object -------------------------------------------------------------------- */

static void
ttsh_audit_view_constructed (GObject *object)
{
  TtshAuditView *self = TTSH_AUDIT_VIEW (object);

  G_OBJECT_CLASS (ttsh_audit_view_parent_class)->constructed (object);
  self->changed_id = g_signal_connect (ttsh_context_get_engine (self->context), "changed",
                                       G_CALLBACK (on_engine_changed), self);
  audit_reload (self);
  verify (self);
}

static void
ttsh_audit_view_dispose (GObject *object)
{
  TtshAuditView *self = TTSH_AUDIT_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->reload_source, g_source_remove);
  if (self->context && self->changed_id)
    g_clear_signal_handler (&self->changed_id, ttsh_context_get_engine (self->context));
  gtk_widget_dispose_template (GTK_WIDGET (self), TTSH_TYPE_AUDIT_VIEW);
  {
    GtkWidget *child;
    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
      gtk_widget_unparent (child);
  }
  G_OBJECT_CLASS (ttsh_audit_view_parent_class)->dispose (object);
}

static void
ttsh_audit_view_finalize (GObject *object)
{
  TtshAuditView *self = TTSH_AUDIT_VIEW (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->context);
  g_clear_object (&self->selection);
  g_clear_object (&self->actors);
  g_clear_object (&self->actions);
  g_free (self->needle);
  G_OBJECT_CLASS (ttsh_audit_view_parent_class)->finalize (object);
}

static void
ttsh_audit_view_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  TtshAuditView *self = TTSH_AUDIT_VIEW (object);

  switch (prop_id)
    {
    case PROP_CONTEXT:
      g_value_set_object (value, self->context);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ttsh_audit_view_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  TtshAuditView *self = TTSH_AUDIT_VIEW (object);

  switch (prop_id)
    {
    case PROP_CONTEXT:
      self->context = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ttsh_audit_view_class_init (TtshAuditViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ttsh_audit_view_constructed;
  object_class->dispose = ttsh_audit_view_dispose;
  object_class->finalize = ttsh_audit_view_finalize;
  object_class->get_property = ttsh_audit_view_get_property;
  object_class->set_property = ttsh_audit_view_set_property;
  widget_class->map = ttsh_audit_view_map;

  properties[PROP_CONTEXT] =
    g_param_spec_object ("context", NULL, NULL, TTSH_TYPE_CONTEXT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/vn/ttsh/Console/ttsh-audit-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TtshAuditView, verify_bar);
  gtk_widget_class_bind_template_child (widget_class, TtshAuditView, verify_icon);
  gtk_widget_class_bind_template_child (widget_class, TtshAuditView, verify_label);
  gtk_widget_class_bind_template_child (widget_class, TtshAuditView, search);
  gtk_widget_class_bind_template_child (widget_class, TtshAuditView, actor_filter);
  gtk_widget_class_bind_template_child (widget_class, TtshAuditView, action_filter);
  gtk_widget_class_bind_template_child (widget_class, TtshAuditView, period_filter);
  gtk_widget_class_bind_template_child (widget_class, TtshAuditView, column_view);
  gtk_widget_class_bind_template_child (widget_class, TtshAuditView, status_label);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_query_changed);
  gtk_widget_class_install_action (widget_class, "audit.verify", NULL, verify_action);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
ttsh_audit_view_init (TtshAuditView *self)
{
  const char *periods[] = { _("Any time"), _("Last hour"), _("Last 24 hours"), _("Last 7 days"),
                            _("Last 30 days"), NULL };
  g_autoptr(GtkStringList) period_list = gtk_string_list_new (periods);
  GtkExpression *expr;

  self->chain_state = -1;
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));

  self->filling = TRUE;
  self->actors = gtk_string_list_new (NULL);
  self->actions = gtk_string_list_new (NULL);
  gtk_string_list_append (self->actors, _("All operators"));
  gtk_string_list_append (self->actions, _("All kinds"));
  expr = gtk_property_expression_new (GTK_TYPE_STRING_OBJECT, NULL, "string");
  gtk_drop_down_set_expression (self->actor_filter, expr);
  gtk_drop_down_set_expression (self->action_filter, expr);
  gtk_expression_unref (expr);
  gtk_drop_down_set_model (self->actor_filter, G_LIST_MODEL (self->actors));
  gtk_drop_down_set_model (self->action_filter, G_LIST_MODEL (self->actions));
  gtk_drop_down_set_model (self->period_filter, G_LIST_MODEL (period_list));
  gtk_drop_down_set_selected (self->period_filter, 0);
  self->filling = FALSE;

  for (int c = 0; c < N_COLUMNS; c++)
    {
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      GtkColumnViewColumn *col;

      g_signal_connect (factory, "setup", G_CALLBACK (setup_cell), GINT_TO_POINTER (c));
      g_signal_connect (factory, "bind", G_CALLBACK (bind_cell), GINT_TO_POINTER (c));
      col = gtk_column_view_column_new (_(column_info[c].title), factory);
      gtk_column_view_column_set_expand (col, column_info[c].expand);
      gtk_column_view_column_set_resizable (col, TRUE);
      gtk_column_view_column_set_fixed_width (col, column_info[c].width);
      gtk_column_view_append_column (self->column_view, col);
      g_object_unref (col);
    }

  self->store = g_list_store_new (TTSH_TYPE_AUDIT_ENTRY);
  self->filter = gtk_custom_filter_new (filter_func, self, NULL);
  self->filtered = gtk_filter_list_model_new (G_LIST_MODEL (self->store), GTK_FILTER (self->filter));
  gtk_filter_list_model_set_incremental (self->filtered, TRUE);
  self->selection = gtk_no_selection_new (G_LIST_MODEL (self->filtered));
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect_swapped (self->filtered, "items-changed", G_CALLBACK (update_status), self);
}

GtkWidget *
ttsh_audit_view_new (TtshContext *context)
{
  return g_object_new (TTSH_TYPE_AUDIT_VIEW, "context", context, NULL);
}

GListModel *
ttsh_audit_view_get_model (TtshAuditView *self)
{
  return G_LIST_MODEL (self->filtered);
}

GtkDropDown *
ttsh_audit_view_get_actor_filter (TtshAuditView *self)
{
  return self->actor_filter;
}

GtkDropDown *
ttsh_audit_view_get_action_filter (TtshAuditView *self)
{
  return self->action_filter;
}

GtkEditable *
ttsh_audit_view_get_search (TtshAuditView *self)
{
  return GTK_EDITABLE (self->search);
}

GtkLabel *
ttsh_audit_view_get_verify_label (TtshAuditView *self)
{
  return self->verify_label;
}

int
ttsh_audit_view_get_chain_state (TtshAuditView *self)
{
  return self->chain_state;
}

gboolean
ttsh_audit_view_is_busy (TtshAuditView *self)
{
  return self->loading || self->verifying || self->reload_source != 0 ||
         gtk_filter_list_model_get_pending (self->filtered) > 0;
}

guint
ttsh_audit_view_get_generation (TtshAuditView *self)
{
  return self->generation;
}
