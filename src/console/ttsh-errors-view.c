/* ttsh-errors-view.c — the error queue page. Records are read on the engine
 * thread and shown through incremental filter and sort models, so 50,000
 * errored records stay smooth; every resend or "handled" mark asks for a
 * note, runs on the engine thread and reports each refusal with its reason. */
#define G_LOG_DOMAIN "ttsh-console"
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "ttsh-roster-model.h"
#include "ttsh-row-slots.h"
#include "ttsh-tooltip.h"
#include "ttsh-errors-item.h"
#include "ttsh-errors-view.h"
#include "ttsh-export.h"
#include "ttsh-format.h"
#include "ttsh-query.h"
#include "ttsh-sender.h"
#include "ttsh-wire.h"

#define RELOAD_DELAY_MS 400

typedef enum {
  COL_CODE,
  COL_MEANING,
  COL_CANDIDATE,
  COL_NUMBER,
  COL_KIND,
  COL_CONTENT,
  COL_TRANSACTION,
  COL_ATTEMPTS,
  COL_FIRST,
  COL_LAST,
  COL_STATE,
  N_COLUMNS
} Column;

static const struct {
  const char *title;
  gboolean    expand;
  int         fixed_width;
} column_info[N_COLUMNS] = {
  { N_("Code"), FALSE, 60 },
  { N_("Meaning"), TRUE, 220 },
  { N_("Candidate"), TRUE, 170 },
  { N_("No."), FALSE, 60 },
  { N_("Kind"), FALSE, 110 },
  { N_("Content"), FALSE, 120 },
  { N_("TransactionCode"), FALSE, 300 },
  { N_("Attempts"), FALSE, 70 },
  { N_("First error"), FALSE, 130 },
  { N_("Last error"), FALSE, 130 },
  { N_("State"), FALSE, 110 },
};

/* Filter choices: index 0 is "any". */
static const char *kind_values[] = { NULL, TTSH_KIND_DIEM_DANH, TTSH_KIND_QUA_TRINH,
                                     TTSH_KIND_HUY_KET_QUA, TTSH_KIND_TONG_HOP };

struct _TtshErrorsView {
  GtkWidget            parent_instance;

  TtshContext         *context;
  GCancellable        *cancellable;
  gulong               changed_id;

  GListStore          *store;
  TtshRosterModel     *filtered;        /* the records that pass the filters */
  TtshRowSlots        *slots;           /* what the column view shows */
  GHashTable          *held_ids;        /* selected while the filtered list changes */
  GtkSortListModel    *sorted;
  GtkMultiSelection   *selection;
  GtkColumnViewColumn *columns[N_COLUMNS];

  char                *needle;          /* folded search text */
  guint                kind;            /* kind_filter choice, 0: any */
  guint                cause;           /* cause_filter choice, 0: any */
  guint                filtered_kind;   /* the choices the filter last ran with */
  guint                filtered_cause;
  gboolean             code_any;
  int                  code;
  gboolean             include_handled;

  guint                reload_source;
  gboolean             loading;
  gboolean             stale;           /* changed while not shown */
  gint64               load_started;    /* monotonic µs */
  gint64               load_cost;       /* µs of the last load */
  gboolean             reload_again;
  guint                generation;
  gint64               detail_id;
  char                *last_outcome;
  GtkWidget           *group_buttons_first;

  AdwToastOverlay     *toasts;
  GtkSearchEntry      *search;
  GtkDropDown         *kind_filter;
  GtkDropDown         *cause_filter;
  GtkCheckButton      *show_handled;
  GtkFlowBox          *code_groups;
  GtkStack            *list_stack;
  GtkColumnView       *column_view;
  GtkWidget           *detail_box;
  GtkLabel            *detail_title;
  GtkLabel            *detail_meaning;
  GtkLabel            *detail_action;
  GtkLabel            *detail_facts;
  GtkLabel            *history_title;
  GtkListBox          *history_list;
  GtkLabel            *payload_title;
  GtkTextView         *payload_view;
  GtkLabel            *status_label;
};

G_DEFINE_FINAL_TYPE (TtshErrorsView, ttsh_errors_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_CONTEXT, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void load_detail (TtshErrorsView *self, TtshErrorRecord *r);

/* Text of cells ------------------------------------------------------------- */

static char *
code_text (int code)
{
  return code == TTSH_ERRORS_NO_CODE ? g_strdup ("—") : g_strdup_printf ("%d", code);
}

static const char *
meaning_text (int code)
{
  return code == TTSH_ERRORS_NO_CODE ? _("No answer from C08 (connection)") : ttsh_code_message (code);
}

static const char *
action_text (int code)
{
  return code == TTSH_ERRORS_NO_CODE ? _("Check the connection to C08, then resend.")
                                     : ttsh_code_action (code);
}

static const char *
kind_label (const char *kind)
{
  if (g_strcmp0 (kind, TTSH_KIND_DIEM_DANH) == 0)
    return _("Attendance");
  if (g_strcmp0 (kind, TTSH_KIND_QUA_TRINH) == 0)
    return _("Process");
  if (g_strcmp0 (kind, TTSH_KIND_HUY_KET_QUA) == 0)
    return _("Cancellation");
  if (g_strcmp0 (kind, TTSH_KIND_TONG_HOP) == 0)
    return _("Summary");
  return kind ? kind : "";
}

static char *
state_text (TtshErrorRecord *r)
{
  if (r->corrected_by > 0)
    return g_strdup (_("Corrected"));
  if (r->handled_at > 0)
    return g_strdup (_("Handled"));
  if (g_strcmp0 (r->state, "ERROR") != 0)
    return g_strdup (_("Held"));
  return g_strdup (_("Open"));
}

static char *
cell_text (TtshErrorRecord *r,
           Column           col)
{
  switch (col)
    {
    case COL_CODE:        return code_text (r->code);
    case COL_MEANING:     return g_strdup (meaning_text (r->code));
    case COL_CANDIDATE:   return g_strdup (r->candidate_name);
    case COL_NUMBER:      return g_strdup (r->candidate_no);
    case COL_KIND:        return g_strdup (kind_label (r->kind));
    case COL_CONTENT:     return g_strdup (ttsh_content_label (r->content));
    case COL_TRANSACTION: return g_strdup (r->transaction_code);
    case COL_ATTEMPTS:    return g_strdup_printf ("%d", r->attempts);
    case COL_FIRST:       return r->first_error_at ? ttsh_format_time_ms (r->first_error_at) : g_strdup ("");
    case COL_LAST:        return r->last_error_at ? ttsh_format_time_ms (r->last_error_at) : g_strdup ("");
    case COL_STATE:       return state_text (r);
    case N_COLUMNS:
    default:              return g_strdup ("");
    }
}

static void show_cell (GtkListItem *item);

static void
setup_cell (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            gpointer                  data)
{
  Column col = GPOINTER_TO_INT (data);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), col == COL_ATTEMPTS ? 1.0f : 0.0f);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (GTK_LABEL (label), TRUE);
  if (col == COL_TRANSACTION)
    gtk_widget_add_css_class (label, "monospace");
  if (col == COL_CODE)
    gtk_widget_add_css_class (label, "error");
  gtk_list_item_set_child (item, label);
  {
    GSignalGroup *group = g_signal_group_new (TTSH_TYPE_ROW_SLOT);

    g_signal_group_connect_swapped (group, "notify::item", G_CALLBACK (show_cell), item);
    g_object_set_data_full (G_OBJECT (item), "slot-group", group, g_object_unref);
    g_object_set_data (G_OBJECT (item), "column", GINT_TO_POINTER (col));
  }
}

/* The cell's slot shows another record (or the cell was just bound). */
static void
show_cell (GtkListItem *item)
{
  Column col = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (item), "column"));
  TtshRowSlot *slot = gtk_list_item_get_item (item);
  TtshErrorsItem *it = slot ? ttsh_row_slot_get_item (slot) : NULL;
  g_autofree char *text = it ? cell_text (ttsh_errors_item_get_record (it), col) : NULL;
  GtkWidget *label = gtk_list_item_get_child (item);

  if (it == NULL)
    return;
  gtk_label_set_text (GTK_LABEL (label), text);
  if (col == COL_MEANING || col == COL_TRANSACTION || col == COL_CANDIDATE)
    ttsh_widget_set_quiet_tooltip (label, text);
}

static void
bind_cell (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  data)
{
  g_signal_group_set_target (g_object_get_data (G_OBJECT (item), "slot-group"), gtk_list_item_get_item (item));
  show_cell (item);
}

static void
unbind_cell (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             gpointer                  data)
{
  g_signal_group_set_target (g_object_get_data (G_OBJECT (item), "slot-group"), NULL);
}

/* Sorting ------------------------------------------------------------------- */

static int
cmp_int64 (gint64 a, gint64 b)
{
  return a < b ? -1 : a > b ? 1 : 0;
}

static int
compare_records (gconstpointer a,
                 gconstpointer b,
                 gpointer      data)
{
  TtshErrorRecord *ra = ttsh_errors_item_get_record ((TtshErrorsItem *) a);
  TtshErrorRecord *rb = ttsh_errors_item_get_record ((TtshErrorsItem *) b);
  Column col = GPOINTER_TO_INT (data);
  int c = 0;

  switch (col)
    {
    case COL_CODE:
    case COL_MEANING:
      /* negative codes: -4 before -99 reads naturally by magnitude */
      c = cmp_int64 (-(gint64) ra->code, -(gint64) rb->code);
      if (c == 0)
        c = -cmp_int64 (ra->last_error_at, rb->last_error_at);
      break;
    case COL_CANDIDATE:
      c = g_strcmp0 (ra->name_folded, rb->name_folded);
      break;
    case COL_NUMBER:
      c = g_strcmp0 (ra->candidate_no, rb->candidate_no);
      break;
    case COL_KIND:
      c = g_strcmp0 (ra->kind, rb->kind);
      break;
    case COL_CONTENT:
      c = g_strcmp0 (ra->content, rb->content);
      break;
    case COL_TRANSACTION:
      c = g_strcmp0 (ra->transaction_code, rb->transaction_code);
      break;
    case COL_ATTEMPTS:
      c = ra->attempts - rb->attempts;
      break;
    case COL_FIRST:
      c = cmp_int64 (ra->first_error_at, rb->first_error_at);
      break;
    case COL_LAST:
      c = cmp_int64 (ra->last_error_at, rb->last_error_at);
      break;
    case COL_STATE:
      c = cmp_int64 (ra->handled_at, rb->handled_at);
      break;
    case N_COLUMNS:
    default:
      break;
    }
  if (c == 0)
    c = cmp_int64 (ra->id, rb->id);
  return c < 0 ? GTK_ORDERING_SMALLER : c > 0 ? GTK_ORDERING_LARGER : GTK_ORDERING_EQUAL;
}

/* Filtering ----------------------------------------------------------------- */

static gboolean
filter_func (gpointer item,
             gpointer data)
{
  TtshErrorsView *self = data;
  TtshErrorsItem *it = item;
  TtshErrorRecord *r = ttsh_errors_item_get_record (it);
  guint kind = self->kind, cause = self->cause;

  if (!self->code_any && r->code != self->code)
    return FALSE;
  if (kind > 0 && kind < G_N_ELEMENTS (kind_values) && g_strcmp0 (r->kind, kind_values[kind]) != 0)
    return FALSE;
  if (cause > 0 && cause != GTK_INVALID_LIST_POSITION && (guint) r->cause != cause - 1)
    return FALSE;
  if (self->needle && *self->needle && strstr (ttsh_errors_item_get_haystack (it), self->needle) == NULL)
    return FALSE;
  return TRUE;
}

static void
update_status (TtshErrorsView *self)
{
  g_autoptr(GtkBitset) sel = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;
  g_autofree char *text = NULL;
  guint total;

  if (self->status_label == NULL)   /* disposed */
    return;
  total = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  sel = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  a = ttsh_format_count (g_list_model_get_n_items (G_LIST_MODEL (self->filtered)));
  b = ttsh_format_count (total);
  c = ttsh_format_count ((gint64) gtk_bitset_get_size (sel));
  text = g_strdup_printf (_("%s of %s records shown, %s selected"), a, b, c);

  gtk_label_set_text (self->status_label, text);
  gtk_stack_set_visible_child_name (self->list_stack, total == 0 ? "empty" : "list");
}

static void
on_filter_changed (TtshErrorsView *self)
{
  g_autofree char *folded = NULL;
  if (self->filtered == NULL)   /* the template's controls settle before the models exist */
    return;
  folded = g_strstrip (ttsh_text_fold (gtk_editable_get_text (GTK_EDITABLE (self->search))));
  self->kind = gtk_drop_down_get_selected (self->kind_filter);
  self->cause = gtk_drop_down_get_selected (self->cause_filter);
  if (g_strcmp0 (folded, self->needle ? self->needle : "") == 0 &&
      self->kind == self->filtered_kind && self->cause == self->filtered_cause)
    return;   /* nothing changed (the entry repeats itself after a delay) */
  self->filtered_kind = self->kind;
  self->filtered_cause = self->cause;
  g_free (self->needle);
  self->needle = g_steal_pointer (&folded);
  ttsh_roster_model_refilter (self->filtered);
}

static void
on_group_toggled (GtkToggleButton *button,
                  TtshErrorsView  *self)
{
  if (!gtk_toggle_button_get_active (button))
    return;
  self->code_any = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "any"));
  self->code = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "code"));
  ttsh_roster_model_refilter (self->filtered);
}

static int
compare_codes (gconstpointer a, gconstpointer b)
{
  int ca = GPOINTER_TO_INT (a), cb = GPOINTER_TO_INT (b);
  return ca == cb ? 0 : (-ca < -cb ? -1 : 1);
}

/* One toggle per code present, with its count; the meaning as tooltip. */
static void
rebuild_groups (TtshErrorsView *self,
                GPtrArray      *records)
{
  g_autoptr(GHashTable) counts = g_hash_table_new (NULL, NULL);
  g_autoptr(GList) codes = NULL;
  GtkWidget *child, *all;
  gboolean current_present = self->code_any;
  g_autofree char *total = ttsh_format_count (records->len);
  g_autofree char *all_label = g_strdup_printf (_("All (%s)"), total);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->code_groups))) != NULL)
    gtk_flow_box_remove (self->code_groups, child);

  for (guint i = 0; i < records->len; i++)
    {
      TtshErrorRecord *r = g_ptr_array_index (records, i);
      gpointer key = GINT_TO_POINTER (r->code);
      g_hash_table_insert (counts, key, GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (counts, key)) + 1));
    }

  all = gtk_toggle_button_new_with_label (all_label);
  g_object_set_data (G_OBJECT (all), "any", GINT_TO_POINTER (TRUE));
  gtk_flow_box_append (self->code_groups, all);
  codes = g_list_sort (g_hash_table_get_keys (counts), compare_codes);
  for (GList *l = codes; l; l = l->next)
    {
      int code = GPOINTER_TO_INT (l->data);
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, l->data));
      g_autofree char *count = ttsh_format_count (n);
      g_autofree char *ct = code_text (code);
      g_autofree char *label = g_strdup_printf ("%s · %s (%s)", ct,
                                                code == TTSH_ERRORS_NO_CODE ? _("connection")
                                                : ttsh_code_symbol (code), count);
      g_autofree char *tip = g_strdup_printf ("%s\n%s", meaning_text (code), action_text (code));
      GtkWidget *b = gtk_toggle_button_new_with_label (label);

      gtk_widget_set_tooltip_text (b, tip);
      g_object_set_data (G_OBJECT (b), "code", GINT_TO_POINTER (code));
      gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (b), GTK_TOGGLE_BUTTON (all));
      gtk_flow_box_append (self->code_groups, b);
      if (!self->code_any && code == self->code)
        {
          gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (b), TRUE);
          current_present = TRUE;
        }
      g_signal_connect (b, "toggled", G_CALLBACK (on_group_toggled), self);
    }
  if (!current_present)
    {
      self->code_any = TRUE;
      ttsh_roster_model_refilter (self->filtered);
    }
  if (self->code_any)
    gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (all), TRUE);
  g_signal_connect (all, "toggled", G_CALLBACK (on_group_toggled), self);
  self->group_buttons_first = all;
}

/* Loading ------------------------------------------------------------------- */

static gpointer
load_func (TtshEngine  *engine,
           TtshStore   *store,
           gpointer     data,
           GError     **error)
{
  return ttsh_errors_list (store, GPOINTER_TO_INT (data), error);
}

static GHashTable *
selected_ids (TtshErrorsView *self)
{
  g_autoptr(GtkBitset) sel = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  GHashTable *ids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  GtkBitsetIter iter;
  guint pos;

  for (gboolean ok = gtk_bitset_iter_init_first (&iter, sel, &pos); ok;
       ok = gtk_bitset_iter_next (&iter, &pos))
    {
      /* Through the slots: they still show what the selection refers to,
       * also while the filtered list underneath is changing. */
      g_autoptr(TtshRowSlot) slot = g_list_model_get_item (G_LIST_MODEL (self->selection), pos);
      TtshErrorsItem *it = slot ? ttsh_row_slot_get_item (slot) : NULL;

      if (it != NULL)
        g_hash_table_add (ids, g_memdup2 (&ttsh_errors_item_get_record (it)->id, sizeof (gint64)));
    }
  return ids;
}

static void on_selection_changed (GtkSelectionModel *model,
                                  guint              position,
                                  guint              n_items,
                                  TtshErrorsView    *self);

static void
filtered_will_change (TtshErrorsView *self)
{
  if (self->held_ids == NULL)
    self->held_ids = selected_ids (self);
}

/* Selects exactly the held records at their new positions. */
static void
filtered_changed (TtshErrorsView *self)
{
  GHashTable *ids = self->held_ids;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
  g_autoptr(GtkBitset) set = gtk_bitset_new_empty ();
  g_autoptr(GtkBitset) all = gtk_bitset_new_range (0, n);

  if (ids == NULL)
    return;
  for (guint i = 0; i < n && g_hash_table_size (ids) > 0; i++)
    {
      g_autoptr(TtshErrorsItem) it = g_list_model_get_item (G_LIST_MODEL (self->filtered), i);
      gint64 id = ttsh_errors_item_get_record (it)->id;
      if (g_hash_table_contains (ids, &id))
        gtk_bitset_add (set, i);
    }
  /* Still held: the handler skips this change too; then status, actions
   * and detail are brought up to date once. */
  gtk_selection_model_set_selection (GTK_SELECTION_MODEL (self->selection), set, all);
  g_clear_pointer (&self->held_ids, g_hash_table_unref);
  on_selection_changed (GTK_SELECTION_MODEL (self->selection), 0, n, self);
}

void
ttsh_errors_view_set_records (TtshErrorsView *self,
                              GPtrArray      *records)
{
  g_autofree gpointer *items = g_new (gpointer, records->len + 1);

  for (guint i = 0; i < records->len; i++)
    items[i] = ttsh_errors_item_new (g_ptr_array_index (records, i));
  g_list_store_splice (self->store, 0, g_list_model_get_n_items (G_LIST_MODEL (self->store)),
                       items, records->len);
  for (guint i = 0; i < records->len; i++)
    g_object_unref (items[i]);
  /* The selection follows its records through the filtered list's change
   * (filtered_will_change, filtered_changed). */
  rebuild_groups (self, records);
  update_status (self);
  self->generation++;
}

static void
load_done (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(TtshErrorsView) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = ttsh_engine_call_finish (TTSH_ENGINE (source), result, &error);

  self->loading = FALSE;
  if (records == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *msg = g_strdup_printf (_("Cannot read the error queue: %s"), error->message);
          gtk_label_set_text (self->status_label, msg);
        }
      return;
    }
  ttsh_errors_view_set_records (self, records);
  self->load_cost = g_get_monotonic_time () - self->load_started;
  if (self->reload_again)
    {
      self->reload_again = FALSE;
      ttsh_errors_view_reload (self);
    }
}

void
ttsh_errors_view_reload (TtshErrorsView *self)
{
  g_return_if_fail (TTSH_IS_ERRORS_VIEW (self));

  g_clear_handle_id (&self->reload_source, g_source_remove);
  if (self->loading)
    {
      self->reload_again = TRUE;
      return;
    }
  self->loading = TRUE;
  self->stale = FALSE;
  self->load_started = g_get_monotonic_time ();
  ttsh_engine_call_async (ttsh_context_get_engine (self->context), load_func,
                          GINT_TO_POINTER (self->include_handled), NULL,
                          (GDestroyNotify) g_ptr_array_unref, self->cancellable,
                          load_done, g_object_ref (self));
}

static gboolean
reload_timeout (gpointer data)
{
  TtshErrorsView *self = data;

  self->reload_source = 0;
  ttsh_errors_view_reload (self);
  return G_SOURCE_REMOVE;
}

/* The outbox changes many times a second while C08 is answering: coalesce,
 * wait longer the more a load costs, and do nothing while the page is not
 * shown (it catches up when mapped). */
static void
on_engine_changed (TtshEngine     *engine,
                   const char     *what,
                   TtshErrorsView *self)
{
  guint delay;

  if (g_strcmp0 (what, "outbox") != 0)
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
ttsh_errors_view_map (GtkWidget *widget)
{
  TtshErrorsView *self = TTSH_ERRORS_VIEW (widget);

  GTK_WIDGET_CLASS (ttsh_errors_view_parent_class)->map (widget);
  if (self->stale)
    ttsh_errors_view_reload (self);
}

static void
on_show_handled_toggled (TtshErrorsView *self)
{
  self->include_handled = gtk_check_button_get_active (self->show_handled);
  ttsh_errors_view_reload (self);
}

/* Detail -------------------------------------------------------------------- */

typedef struct {
  gint64     id;
  gboolean   reveal;
  char      *payload;
  GPtrArray *history;
  char      *correction_code;
} Detail;

static void
detail_free (Detail *d)
{
  g_free (d->payload);
  g_clear_pointer (&d->history, g_ptr_array_unref);
  g_free (d->correction_code);
  g_free (d);
}

static gpointer
detail_func (TtshEngine  *engine,
             TtshStore   *store,
             gpointer     data,
             GError     **error)
{
  Detail *in = data;
  Detail *d = g_new0 (Detail, 1);

  d->id = in->id;
  d->payload = ttsh_errors_payload_text (store, in->id, in->reveal, error);
  if (d->payload == NULL)
    {
      detail_free (d);
      return NULL;
    }
  d->history = ttsh_errors_history (store, in->id, error);
  if (d->history == NULL)
    {
      detail_free (d);
      return NULL;
    }
  return d;
}

static void
detail_done (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  g_autoptr(TtshErrorsView) self = data;
  g_autoptr(GError) error = NULL;
  Detail *d = ttsh_engine_call_finish (TTSH_ENGINE (source), result, &error);
  GtkWidget *child;

  if (d == NULL || d->id != self->detail_id)
    {
      if (d)
        detail_free (d);
      return;
    }
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->payload_view), d->payload, -1);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->history_list))) != NULL)
    gtk_list_box_remove (self->history_list, child);
  for (guint i = 0; i < d->history->len; i++)
    {
      TtshErrorEvent *e = g_ptr_array_index (d->history, i);
      g_autofree char *when = ttsh_format_time_ms (e->at);
      g_autofree char *code = e->code == TTSH_ERRORS_NO_CODE ? g_strdup ("") : g_strdup_printf (" (%d)", e->code);
      g_autofree char *title = g_strdup_printf ("%s → %s%s",
                                                *e->from_state ? ttsh_outbox_state_label (e->from_state) : "—",
                                                ttsh_outbox_state_label (e->to_state), code);
      g_autofree char *who = *e->operator_name ? g_strdup_printf (" · %s", e->operator_name) : g_strdup ("");
      g_autofree char *subtitle = g_strdup_printf ("%s%s · %s", when, who, e->message);
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      gtk_list_box_append (self->history_list, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->history_title), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->history_list), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->payload_title), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->payload_view), TRUE);
  detail_free (d);
}

static void
clear_detail (TtshErrorsView *self,
              const char     *title)
{
  self->detail_id = 0;
  gtk_label_set_text (self->detail_title, title);
  gtk_label_set_text (self->detail_meaning, "");
  gtk_label_set_text (self->detail_action, "");
  gtk_label_set_text (self->detail_facts, "");
  gtk_widget_set_visible (GTK_WIDGET (self->history_title), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->history_list), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->payload_title), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->payload_view), FALSE);
}

static void
load_detail (TtshErrorsView  *self,
             TtshErrorRecord *r)
{
  Detail *in = g_new0 (Detail, 1);
  g_autofree char *ct = code_text (r->code);
  g_autofree char *title = g_strdup_printf (_("Code %s — %s"), ct,
                                            ttsh_error_cause_label (r->cause));
  g_autofree char *first = r->first_error_at ? ttsh_format_time_ms (r->first_error_at) : g_strdup ("—");
  g_autofree char *last = r->last_error_at ? ttsh_format_time_ms (r->last_error_at) : g_strdup ("—");
  g_autofree char *handled = r->handled_at ? ttsh_format_time_ms (r->handled_at) : g_strdup ("—");
  g_autofree char *facts = NULL;

  facts = g_markup_printf_escaped (
      "<b>%s</b> %s (%s %s)\n<b>%s</b> %s · %s\n<b>%s</b> <tt>%s</tt>\n<b>%s</b> %d\n"
      "<b>%s</b> %s\n<b>%s</b> %s\n<b>%s</b> %s\n<b>%s</b> %s",
      _("Candidate:"), r->candidate_name, _("No."), r->candidate_no,
      _("Record:"), kind_label (r->kind), ttsh_content_label (r->content),
      _("TransactionCode:"), r->transaction_code,
      _("Attempts:"), r->attempts,
      _("First error:"), first, _("Last error:"), last,
      _("Handled:"), handled,
      _("C08 said:"), *r->message ? r->message : r->reason);

  if (r->corrected_by > 0)
    {
      g_autofree char *more = g_markup_printf_escaped (_("\n<b>Corrected by:</b> outbox record #%lld"),
                                                      (long long) r->corrected_by);
      char *joined = g_strconcat (facts, more, NULL);
      g_free (facts);
      facts = joined;
    }
  self->detail_id = r->id;
  gtk_label_set_text (self->detail_title, title);
  gtk_label_set_text (self->detail_meaning, meaning_text (r->code));
  {
    g_autofree char *action = g_strdup_printf (_("Recommended action: %s"), action_text (r->code));
    gtk_label_set_text (self->detail_action, action);
  }
  gtk_label_set_markup (self->detail_facts, facts);

  in->id = r->id;
  in->reveal = ttsh_context_can (self->context, TTSH_PERM_VIEW_CITIZEN_ID);
  ttsh_engine_call_async (ttsh_context_get_engine (self->context), detail_func, in,
                          (GDestroyNotify) detail_free, (GDestroyNotify) detail_free,
                          self->cancellable, detail_done, g_object_ref (self));
}

static void
on_selection_changed (GtkSelectionModel *model,
                      guint              position,
                      guint              n_items,
                      TtshErrorsView    *self)
{
  g_autoptr(GtkBitset) sel = gtk_selection_model_get_selection (model);
  guint64 n = gtk_bitset_get_size (sel);

  if (self->status_label == NULL || self->held_ids != NULL)
    return;     /* while the list changes, the selection follows its records after */
  update_status (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "errors.resend",
                                 n > 0 && ttsh_context_can (self->context, TTSH_PERM_RESEND));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "errors.mark-handled",
                                 n > 0 && ttsh_context_can (self->context, TTSH_PERM_MARK_HANDLED));
  if (n == 1)
    {
      g_autoptr(TtshErrorsItem) it = g_list_model_get_item (G_LIST_MODEL (self->filtered),
                                                            gtk_bitset_get_nth (sel, 0));
      TtshErrorRecord *r = ttsh_errors_item_get_record (it);
      if (r->id != self->detail_id)
        load_detail (self, r);
    }
  else if (n == 0)
    clear_detail (self, _("Select a record to see its cause and history."));
  else
    {
      g_autofree char *count = ttsh_format_count ((gint64) n);
      g_autofree char *title = g_strdup_printf (_("%s records selected"), count);
      clear_detail (self, title);
    }
}

/* Resend and handled -------------------------------------------------------- */

typedef struct {
  gboolean  resend;
  GArray   *ids;
  char     *operator_name;
  char     *note;
} Operation;

static void
operation_free (Operation *op)
{
  g_clear_pointer (&op->ids, g_array_unref);
  g_free (op->operator_name);
  g_free (op->note);
  g_free (op);
}

static gpointer
operation_func (TtshEngine  *engine,
                TtshStore   *store,
                gpointer     data,
                GError     **error)
{
  Operation *op = data;
  TtshErrorsReport *report;

  if (op->resend)
    report = ttsh_errors_resend (store, (const gint64 *) (gpointer) op->ids->data, op->ids->len,
                                 op->operator_name, op->note, error);
  else
    report = ttsh_errors_mark_handled (store, (const gint64 *) (gpointer) op->ids->data, op->ids->len,
                                       op->operator_name, op->note, error);
  if (report == NULL)
    return NULL;
  /* ERROR→PENDING is committed: let the sender look now, not at its next poll. */
  if (op->resend && report->n_done > 0)
    ttsh_sender_wake (engine);
  _ttsh_engine_emit_changed (engine, "outbox");
  _ttsh_engine_emit_changed (engine, "journal");
  return report;
}

static void
set_outcome (TtshErrorsView *self,
             const char     *text)
{
  g_free (self->last_outcome);
  self->last_outcome = g_strdup (text);
}

static void
operation_done (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  g_autoptr(TtshErrorsView) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshErrorsReport) report = ttsh_engine_call_finish (TTSH_ENGINE (source), result, &error);
  g_autoptr(GString) text = g_string_new (NULL);

  if (report == NULL)
    {
      g_string_printf (text, _("Nothing was changed: %s"), error->message);
      adw_toast_overlay_add_toast (self->toasts, adw_toast_new (text->str));
    }
  else
    {
      if (report->n_done > 0)
        g_string_append_printf (text, _("%u records done."), report->n_done);
      if (report->n_linked > 0)
        g_string_append_printf (text, "%s%s", text->len ? " " : "",
                                _("Records superseded by a corrected re-submission were marked handled and linked."));
      if (report->refused->len > 0)
        {
          g_autoptr(GString) body = g_string_new (NULL);
          g_autofree char *refused = g_strdup_printf (ngettext ("%u record refused.", "%u records refused.",
                                                                report->refused->len),
                                                      report->refused->len);
          AdwMessageDialog *dlg;
          GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

          g_string_append_printf (text, "%s%s", text->len ? " " : "", refused);
          for (guint i = 0; i < report->refused->len && i < 20; i++)
            {
              TtshErrorRefusal *r = g_ptr_array_index (report->refused, i);
              g_string_append_printf (body, "%s\n%s\n\n", r->transaction_code, r->reason);
            }
          if (report->refused->len > 20)
            g_string_append_printf (body, _("…and %u more."), report->refused->len - 20);
          dlg = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                            _("Some records were refused"), body->str));
          adw_message_dialog_add_response (dlg, "close", _("_Close"));
          gtk_window_present (GTK_WINDOW (dlg));
        }
      adw_toast_overlay_add_toast (self->toasts, adw_toast_new (text->str));
    }
  set_outcome (self, text->str);
  self->generation++;
  ttsh_errors_view_reload (self);
}

static void
run_operation (TtshErrorsView *self,
               gboolean        resend,
               const char     *note)
{
  g_autoptr(GHashTable) ids = selected_ids (self);
  Operation *op = g_new0 (Operation, 1);
  GHashTableIter iter;
  gpointer key;

  op->resend = resend;
  op->ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), g_hash_table_size (ids));
  g_hash_table_iter_init (&iter, ids);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_array_append_val (op->ids, *(gint64 *) key);
  op->operator_name = g_strdup (ttsh_operator_get_username (ttsh_context_get_operator (self->context)));
  op->note = g_strdup (note);
  ttsh_engine_call_async (ttsh_context_get_engine (self->context), operation_func, op,
                          (GDestroyNotify) operation_free, (GDestroyNotify) ttsh_errors_report_free,
                          self->cancellable, operation_done, g_object_ref (self));
}

static void
on_note_changed (GtkEditable      *entry,
                 AdwMessageDialog *dlg)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (entry)));
  adw_message_dialog_set_response_enabled (dlg, "ok", *text != '\0');
}

static void
on_note_response (AdwMessageDialog *dlg,
                  const char       *response,
                  TtshErrorsView   *self)
{
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dlg));
  gboolean resend = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dlg), "resend"));

  if (g_strcmp0 (response, "ok") == 0)
    run_operation (self, resend, gtk_editable_get_text (entry));
}

static void
ask_note (TtshErrorsView *self,
          gboolean        resend)
{
  g_autoptr(GtkBitset) sel = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  guint64 n = gtk_bitset_get_size (sel);
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *count = ttsh_format_count ((gint64) n);
  g_autofree char *body = NULL;
  GtkWidget *entry;
  AdwMessageDialog *dlg;

  if (!ttsh_context_check (self->context, resend ? TTSH_PERM_RESEND : TTSH_PERM_MARK_HANDLED,
                           resend ? "errors.resend" : "errors.mark-handled"))
    {
      set_outcome (self, _("Your role may not do this."));
      adw_toast_overlay_add_toast (self->toasts, adw_toast_new (_("Your role may not do this.")));
      return;
    }
  if (n == 0)
    return;
  body = resend
    ? g_strdup_printf (_("%s selected records will be sent again with their own TransactionCode. "
                         "Records whose cause is not fixed are refused with the reason. "
                         "Your name and note go into the audit journal."), count)
    : g_strdup_printf (_("%s selected records will leave the open error queue. "
                         "Your name and note go into the audit journal."), count);
  dlg = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                    resend ? _("Resend records?") : _("Mark records handled?"),
                                                    body));
  entry = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("Note (required): what was done"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Note"), -1);
  adw_message_dialog_set_extra_child (dlg, entry);
  adw_message_dialog_add_responses (dlg, "cancel", _("_Cancel"),
                                    "ok", resend ? _("_Resend") : _("_Mark handled"), NULL);
  adw_message_dialog_set_response_appearance (dlg, "ok", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_response_enabled (dlg, "ok", FALSE);
  adw_message_dialog_set_default_response (dlg, "ok");
  adw_message_dialog_set_close_response (dlg, "cancel");
  g_object_set_data (G_OBJECT (dlg), "resend", GINT_TO_POINTER (resend));
  g_signal_connect (entry, "changed", G_CALLBACK (on_note_changed), dlg);
  g_signal_connect_object (dlg, "response", G_CALLBACK (on_note_response), self, 0);
  gtk_window_present (GTK_WINDOW (dlg));
}

static void
resend_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  ask_note (TTSH_ERRORS_VIEW (widget), TRUE);
}

static void
handled_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  ask_note (TTSH_ERRORS_VIEW (widget), FALSE);
}

/* Export -------------------------------------------------------------------- */

typedef struct {
  GPtrArray *records;
  char      *path;
} ExportJob;

static void
export_job_free (ExportJob *job)
{
  g_ptr_array_unref (job->records);
  g_free (job->path);
  g_free (job);
}

static void
export_thread (GTask        *task,
               gpointer      source,
               gpointer      data,
               GCancellable *cancellable)
{
  ExportJob *job = data;
  GError *error = NULL;

  if (ttsh_export_errors (job->records, ttsh_export_format_for_path (job->path), job->path, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
export_done (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  TtshErrorsView *self = TTSH_ERRORS_VIEW (source);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  ExportJob *job = g_task_get_task_data (G_TASK (result));

  if (g_task_propagate_boolean (G_TASK (result), &error))
    text = g_strdup_printf (_("Exported to %s"), job->path);
  else
    text = g_strdup_printf (_("Export failed: %s"), error->message);
  set_outcome (self, text);
  adw_toast_overlay_add_toast (self->toasts, adw_toast_new (text));
  self->generation++;
}

/* The list as shown (filters and order applied) goes to @path off the main thread. */
void
ttsh_errors_view_export (TtshErrorsView *self,
                         const char     *path)
{
  ExportJob *job = g_new0 (ExportJob, 1);
  GListModel *model = G_LIST_MODEL (self->filtered);
  guint n = g_list_model_get_n_items (model);
  g_autoptr(GTask) task = NULL;

  job->records = g_ptr_array_new_full (n, (GDestroyNotify) ttsh_error_record_unref);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TtshErrorsItem) it = g_list_model_get_item (model, i);
      g_ptr_array_add (job->records, ttsh_error_record_ref (ttsh_errors_item_get_record (it)));
    }
  job->path = g_strdup (path);
  task = g_task_new (self, self->cancellable, export_done, NULL);
  g_task_set_source_tag (task, ttsh_errors_view_export);
  g_task_set_task_data (task, job, (GDestroyNotify) export_job_free);
  g_task_run_in_thread (task, export_thread);
}

static void
on_export_response (GtkNativeDialog *dialog,
                    int              response,
                    TtshErrorsView  *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);
      GtkFileFilter *filter = gtk_file_chooser_get_filter (GTK_FILE_CHOOSER (dialog));
      const char *ext = filter ? g_object_get_data (G_OBJECT (filter), "ext") : NULL;

      if (ext && !g_str_has_suffix (path, ext))
        {
          char *with = g_strconcat (path, ext, NULL);
          g_free (path);
          path = with;
        }
      ttsh_errors_view_export (self, path);
    }
  g_object_unref (dialog);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  TtshErrorsView *self = TTSH_ERRORS_VIEW (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkFileChooserNative *dialog;
  GtkFileFilter *xlsx, *csv;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *name = g_date_time_format (now, "hang-doi-loi-%Y%m%d-%H%M.xlsx");

  if (!ttsh_context_check (self->context, TTSH_PERM_EXPORT, "errors.export"))
    return;
  dialog = gtk_file_chooser_native_new (_("Export the error queue"),
                                        GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  xlsx = gtk_file_filter_new ();
  gtk_file_filter_set_name (xlsx, _("Excel workbook (.xlsx)"));
  gtk_file_filter_add_suffix (xlsx, "xlsx");
  g_object_set_data (G_OBJECT (xlsx), "ext", (gpointer) ".xlsx");
  csv = gtk_file_filter_new ();
  gtk_file_filter_set_name (csv, _("CSV, UTF-8 (.csv)"));
  gtk_file_filter_add_suffix (csv, "csv");
  g_object_set_data (G_OBJECT (csv), "ext", (gpointer) ".csv");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), xlsx);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), csv);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  g_object_unref (xlsx);
  g_object_unref (csv);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (on_export_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* Object -------------------------------------------------------------------- */

static void
build_columns (TtshErrorsView *self)
{
  for (int c = 0; c < N_COLUMNS; c++)
    {
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      g_autoptr(GtkSorter) sorter = GTK_SORTER (gtk_custom_sorter_new (compare_records, GINT_TO_POINTER (c), NULL));
      GtkColumnViewColumn *col;

      g_signal_connect (factory, "setup", G_CALLBACK (setup_cell), GINT_TO_POINTER (c));
      g_signal_connect (factory, "bind", G_CALLBACK (bind_cell), GINT_TO_POINTER (c));
      g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cell), GINT_TO_POINTER (c));
      col = gtk_column_view_column_new (_(column_info[c].title), factory);
      gtk_column_view_column_set_expand (col, column_info[c].expand);
      gtk_column_view_column_set_resizable (col, TRUE);
      gtk_column_view_column_set_fixed_width (col, column_info[c].fixed_width);
      gtk_column_view_column_set_sorter (col, sorter);
      gtk_column_view_append_column (self->column_view, col);
      self->columns[c] = col;
      g_object_unref (col);
    }
}

static void
fill_dropdowns (TtshErrorsView *self)
{
  const char *kinds[] = { _("All kinds"), _("Attendance"), _("Process"), _("Cancellation"), _("Summary"), NULL };
  const char *causes[] = { _("All causes"), ttsh_error_cause_label (TTSH_ERROR_CAUSE_REJECTED),
                           ttsh_error_cause_label (TTSH_ERROR_CAUSE_RETRIES),
                           ttsh_error_cause_label (TTSH_ERROR_CAUSE_STOPPED), NULL };
  g_autoptr(GtkStringList) k = gtk_string_list_new (kinds);
  g_autoptr(GtkStringList) c = gtk_string_list_new (causes);

  gtk_drop_down_set_model (self->kind_filter, G_LIST_MODEL (k));
  gtk_drop_down_set_model (self->cause_filter, G_LIST_MODEL (c));
}

static void
ttsh_errors_view_constructed (GObject *object)
{
  TtshErrorsView *self = TTSH_ERRORS_VIEW (object);
  TtshEngine *engine = ttsh_context_get_engine (self->context);

  G_OBJECT_CLASS (ttsh_errors_view_parent_class)->constructed (object);

  /* Resend and handled wait for a selection. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "errors.resend", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "errors.mark-handled", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "errors.export",
                                 ttsh_context_can (self->context, TTSH_PERM_EXPORT));
  self->changed_id = g_signal_connect (engine, "changed", G_CALLBACK (on_engine_changed), self);
  ttsh_errors_view_reload (self);
}

static void
ttsh_errors_view_dispose (GObject *object)
{
  TtshErrorsView *self = TTSH_ERRORS_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->reload_source, g_source_remove);
  if (self->context && self->changed_id)
    g_clear_signal_handler (&self->changed_id, ttsh_context_get_engine (self->context));
  if (self->filtered != NULL)
    g_signal_handlers_disconnect_by_data (self->filtered, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), TTSH_TYPE_ERRORS_VIEW);
  {
    GtkWidget *child;
    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
      gtk_widget_unparent (child);
  }
  G_OBJECT_CLASS (ttsh_errors_view_parent_class)->dispose (object);
}

static void
ttsh_errors_view_finalize (GObject *object)
{
  TtshErrorsView *self = TTSH_ERRORS_VIEW (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->context);
  g_clear_object (&self->selection);
  g_clear_object (&self->slots);
  g_clear_object (&self->filtered);
  g_clear_object (&self->sorted);
  g_clear_pointer (&self->held_ids, g_hash_table_unref);
  g_free (self->needle);
  g_free (self->last_outcome);
  G_OBJECT_CLASS (ttsh_errors_view_parent_class)->finalize (object);
}

static void
ttsh_errors_view_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  TtshErrorsView *self = TTSH_ERRORS_VIEW (object);

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
ttsh_errors_view_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  TtshErrorsView *self = TTSH_ERRORS_VIEW (object);

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
ttsh_errors_view_class_init (TtshErrorsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ttsh_errors_view_constructed;
  object_class->dispose = ttsh_errors_view_dispose;
  object_class->finalize = ttsh_errors_view_finalize;
  object_class->get_property = ttsh_errors_view_get_property;
  object_class->set_property = ttsh_errors_view_set_property;
  widget_class->map = ttsh_errors_view_map;

  properties[PROP_CONTEXT] =
    g_param_spec_object ("context", NULL, NULL, TTSH_TYPE_CONTEXT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/vn/ttsh/Console/ttsh-errors-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TtshErrorsView, toasts);
  gtk_widget_class_bind_template_child (widget_class, TtshErrorsView, search);
  gtk_widget_class_bind_template_child (widget_class, TtshErrorsView, kind_filter);
  gtk_widget_class_bind_template_child (widget_class, TtshErrorsView, cause_filter);
  gtk_widget_class_bind_template_child (widget_class, TtshErrorsView, show_handled);
  gtk_widget_class_bind_template_child (widget_class, TtshErrorsView, code_groups);
  gtk_widget_class_bind_template_child (widget_class, TtshErrorsView, list_stack);
  gtk_widget_class_bind_template_child (widget_class, TtshErrorsView, column_view);
  gtk_widget_class_bind_template_child (widget_class, TtshErrorsView, detail_box);
  gtk_widget_class_bind_template_child (widget_class, TtshErrorsView, detail_title);
  gtk_widget_class_bind_template_child (widget_class, TtshErrorsView, detail_meaning);
  gtk_widget_class_bind_template_child (widget_class, TtshErrorsView, detail_action);
  gtk_widget_class_bind_template_child (widget_class, TtshErrorsView, detail_facts);
  gtk_widget_class_bind_template_child (widget_class, TtshErrorsView, history_title);
  gtk_widget_class_bind_template_child (widget_class, TtshErrorsView, history_list);
  gtk_widget_class_bind_template_child (widget_class, TtshErrorsView, payload_title);
  gtk_widget_class_bind_template_child (widget_class, TtshErrorsView, payload_view);
  gtk_widget_class_bind_template_child (widget_class, TtshErrorsView, status_label);
  gtk_widget_class_bind_template_callback (widget_class, on_filter_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_show_handled_toggled);

  gtk_widget_class_install_action (widget_class, "errors.resend", NULL, resend_action);
  gtk_widget_class_install_action (widget_class, "errors.mark-handled", NULL, handled_action);
  gtk_widget_class_install_action (widget_class, "errors.export", NULL, export_action);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
ttsh_errors_view_init (TtshErrorsView *self)
{
  g_autoptr(GtkSorter) sorter = NULL;

  self->code_any = TRUE;
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  fill_dropdowns (self);
  build_columns (self);

  self->store = g_list_store_new (TTSH_TYPE_ERRORS_ITEM);
  /* Sort below the filter: typing in the search box then only filters an
   * already ordered list instead of sorting 50,000 records again. Both run
   * in one go; spread over frames of a busy main loop they took longer. */
  sorter = g_object_ref (gtk_column_view_get_sorter (self->column_view));
  self->sorted = gtk_sort_list_model_new (G_LIST_MODEL (self->store), g_steal_pointer (&sorter));
  self->filtered = ttsh_roster_model_new (G_LIST_MODEL (self->sorted), filter_func, self);
  /* Rows keep their widgets while records move through them (see
   * ttsh-row-slots.h); the selection is held around each change and then
   * follows its records. */
  g_signal_connect_swapped (self->filtered, "items-changed", G_CALLBACK (filtered_will_change), self);
  self->slots = ttsh_row_slots_new (G_LIST_MODEL (self->filtered));
  g_signal_connect_swapped (self->filtered, "items-changed", G_CALLBACK (filtered_changed), self);
  self->selection = gtk_multi_selection_new (G_LIST_MODEL (g_object_ref (self->slots)));
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));
  gtk_column_view_sort_by_column (self->column_view, self->columns[COL_CODE], GTK_SORT_ASCENDING);
  g_signal_connect (self->selection, "selection-changed", G_CALLBACK (on_selection_changed), self);
  g_signal_connect_swapped (self->filtered, "items-changed", G_CALLBACK (update_status), self);
}

GtkWidget *
ttsh_errors_view_new (TtshContext *context)
{
  return g_object_new (TTSH_TYPE_ERRORS_VIEW, "context", context, NULL);
}

GListModel *
ttsh_errors_view_get_model (TtshErrorsView *self)
{
  return G_LIST_MODEL (self->filtered);
}

GListStore *
ttsh_errors_view_get_store (TtshErrorsView *self)
{
  return self->store;
}

GtkMultiSelection *
ttsh_errors_view_get_selection (TtshErrorsView *self)
{
  return self->selection;
}

GtkColumnView *
ttsh_errors_view_get_column_view (TtshErrorsView *self)
{
  return self->column_view;
}

GtkEditable *
ttsh_errors_view_get_search (TtshErrorsView *self)
{
  return GTK_EDITABLE (self->search);
}

GtkWidget *
ttsh_errors_view_get_detail (TtshErrorsView *self)
{
  return self->detail_box;
}

void
ttsh_errors_view_set_code_filter (TtshErrorsView *self,
                                  gboolean        any,
                                  int             code)
{
  self->code_any = any;
  self->code = code;
  ttsh_roster_model_refilter (self->filtered);
}

gboolean
ttsh_errors_view_is_busy (TtshErrorsView *self)
{
  return self->loading || self->reload_source != 0 ||
         gtk_sort_list_model_get_pending (self->sorted) > 0;
}

guint
ttsh_errors_view_get_generation (TtshErrorsView *self)
{
  return self->generation;
}

const char *
ttsh_errors_view_get_last_outcome (TtshErrorsView *self)
{
  return self->last_outcome;
}
