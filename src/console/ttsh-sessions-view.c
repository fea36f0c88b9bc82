/* ttsh-sessions-view.c — exam sessions and the roster of the chosen one.
 *
 * The roster is a GListStore of TtshCandidateItem filled in one splice, then
 * updated in place from incremental engine reads (rows changed since the last
 * stamp) on every "changed" signal; incremental filter and sort models sit on
 * top, and each cell follows its item through a GSignalGroup. */
#define G_LOG_DOMAIN "ttsh-console"
#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "ttsh-tooltip.h"
#include "ttsh-candidate-item.h"
#include "ttsh-candidate-panel.h"
#include "ttsh-format.h"
#include "ttsh-photo-cache.h"
#include "ttsh-query.h"
#include "ttsh-roster-model.h"
#include "ttsh-row-slots.h"
#include "ttsh-roster-line.h"
#include "ttsh-sessions-view.h"
#include "ttsh-thumb.h"

#define THUMB_HEIGHT    40
#define PHOTO_CACHE_MAX 600
#define REFRESH_MIN_MS  250
#define N_COLUMNS       (5 + TTSH_N_CONTENTS + 1)
#define COLUMN_SPACING  6
#define NAME_MIN_WIDTH  122
#define CELL_INSET      6     /* matches the header buttons' padding (style.css) */

/* State filter choices, in drop-down order (0 = any). */
static const char *const state_filters[] = {
  NULL, "WAITING", "PRESENT", "IN_TEST", "PASSED", "FAILED", "ABSENT", "CANCELLED", "TX_ERROR",
};

typedef struct _TtshSessionsView TtshSessionsView;
typedef void (*CellUpdate) (TtshSessionsView *self, GtkWidget *cell, TtshCandidateItem *item, gpointer data);

/* One column of the roster: the header button and, in every row, a cell of
 * the same fixed width that follows one property of its item. */
typedef struct {
  const char  *title;
  GtkWidget *(*create) (void);
  CellUpdate   update;
  gpointer     data;
  const char  *notify;         /* detailed signal the cell follows */
  int          width;          /* px; 0: takes the remaining room */
  GtkSorter   *sorter;         /* NULL: not sortable */
  gboolean     live;           /* changes while data streams in */
} Column;

struct _TtshSessionsView {
  GtkWidget           parent_instance;

  TtshContext        *context;
  TtshPhotoCache     *photos;
  gboolean            disposed;
  GCancellable       *cancellable;
  gulong              changed_id;
  gulong              selected_id;

  /* Sessions */
  GHashTable         *session_rows;     /* id -> GtkListBoxRow */
  gboolean            sessions_in_flight;
  gboolean            sessions_again;

  /* Roster */
  gint64              session_id;
  gint64              stamp;
  guint               load_serial;      /* discards answers for another session */
  gboolean            roster_in_flight;
  gboolean            roster_again;
  guint               refresh_timer;
  guint               count_idle;
  gint64              last_refresh_us;
  guint               generation;
  GListStore         *store;
  GHashTable         *by_id;            /* id -> TtshCandidateItem (borrowed) */
  TtshRosterModel    *filter_model;
  TtshRowSlots       *slots;            /* what the list view shows */
  gboolean            filtering;        /* the filtered list is changing */
  gint64              filtering_id;     /* selected candidate while it does */
  gboolean            filtering_row;    /* ... and its row was selected */
  GtkSortListModel   *sort_model;
  GtkSingleSelection *selection;
  Column              columns[N_COLUMNS];
  int                 widths[N_COLUMNS];
  GtkWidget          *sort_arrows[N_COLUMNS];
  GtkSorter          *sorter;
  int                 sort_column;
  gboolean            sort_descending;

  /* Filter state */
  char               *search_folded;
  char               *search_raw;
  GHashTable         *cid_matches;      /* ids whose citizen ID matches a full-ID search */
  guint               search_serial;
  int                 filter_content;
  const char         *filter_state;

  /* Template */
  GtkPaned           *outer_paned;
  GtkPaned           *inner_paned;
  GtkStack           *sessions_stack;
  GtkListBox         *session_list;
  GtkSearchEntry     *search_entry;
  GtkDropDown        *content_drop;
  GtkDropDown        *state_drop;
  GtkLabel           *count_label;
  GtkStack           *roster_stack;
  GtkScrolledWindow  *roster_scroll;
  GtkBox             *header_box;
  GtkListView        *list_view;
  GtkWidget          *candidate_panel;
};

G_DEFINE_FINAL_TYPE (TtshSessionsView, ttsh_sessions_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_CONTEXT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void refresh_roster (TtshSessionsView *self);

/* An answer carries the serial of its request: answers for an older session
 * or search are dropped. */
typedef struct {
  TtshSessionsView *self;
  guint             serial;
} Call;

static Call *
call_new (TtshSessionsView *self,
          guint             serial)
{
  Call *c = g_new (Call, 1);

  c->self = self;
  c->serial = serial;
  return c;
}
static void refresh_sessions (TtshSessionsView *self);
static void refilter (TtshSessionsView *self);
static void open_session (TtshSessionsView *self, gint64 id);

/* Sessions list ------------------------------------------------------------ */

static gpointer
sessions_thread (TtshEngine  *engine,
                 TtshStore   *store,
                 gpointer     data,
                 GError     **error)
{
  return ttsh_query_sessions (store, error);
}

static GtkWidget *
session_row_new (TtshSessionRow *s)
{
  GtkWidget *row = adw_action_row_new ();

  g_object_set_data (G_OBJECT (row), "session-id", GINT_TO_POINTER (1));
  g_object_set_data_full (G_OBJECT (row), "id", g_memdup2 (&s->id, sizeof s->id), g_free);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  return row;
}

static void
session_row_update (GtkWidget      *row,
                    TtshSessionRow *s)
{
  g_autofree char *start = ttsh_format_iso (s->start_time, FALSE);
  g_autofree char *n = ttsh_format_count (s->n_candidates);
  g_autofree char *sub = NULL;

  if (s->n_unsent > 0)
    sub = g_strdup_printf (_("%s · %s candidates · %d unsent"), start, n, s->n_unsent);
  else
    sub = g_strdup_printf (_("%s · %s candidates"), start, n);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), s->name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), sub);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 2);
  gtk_widget_set_tooltip_text (row, s->code);
}

static void
sessions_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  TtshSessionsView *self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = ttsh_engine_call_finish (TTSH_ENGINE (source), result, &error);
  g_autoptr(GHashTable) seen = NULL;
  gboolean reload = FALSE;
  GHashTableIter iter;
  gpointer key, value;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = TTSH_SESSIONS_VIEW (user_data);
  self->sessions_in_flight = FALSE;
  if (rows == NULL)
    {
      g_warning ("cannot read exam sessions: %s", error->message);
      return;
    }

  seen = g_hash_table_new (g_int64_hash, g_int64_equal);
  for (guint i = 0; i < rows->len; i++)
    {
      TtshSessionRow *s = g_ptr_array_index (rows, i);
      GtkWidget *row = g_hash_table_lookup (self->session_rows, &s->id);

      if (row == NULL)
        {
          row = session_row_new (s);
          gtk_list_box_insert (self->session_list, row, (int) i);
          g_hash_table_insert (self->session_rows, g_object_get_data (G_OBJECT (row), "id"), row);
        }
      session_row_update (row, s);
      g_hash_table_add (seen, g_object_get_data (G_OBJECT (row), "id"));
      /* A roster replaced by C08 before any test (revision) can drop
       * candidates, which incremental reads cannot see: read it again. */
      if (s->id == self->session_id && self->stamp != 0 && !self->roster_in_flight &&
          (guint) s->n_candidates < g_list_model_get_n_items (G_LIST_MODEL (self->store)))
        reload = TRUE;
    }
  g_hash_table_iter_init (&iter, self->session_rows);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (seen, key))
      {
        g_hash_table_iter_remove (&iter);
        gtk_list_box_remove (self->session_list, value);
      }
  gtk_stack_set_visible_child_name (self->sessions_stack, rows->len > 0 ? "list" : "empty");

  /* A single session is the common case on exam day: open it directly. */
  if (rows->len >= 1 && gtk_list_box_get_selected_row (self->session_list) == NULL && self->session_id == 0)
    {
      gint64 want = ttsh_context_get_selected_session_id (self->context);
      GtkWidget *row = want ? g_hash_table_lookup (self->session_rows, &want) : NULL;

      if (row == NULL && rows->len == 1)
        row = g_hash_table_lookup (self->session_rows, &((TtshSessionRow *) g_ptr_array_index (rows, 0))->id);
      if (row != NULL)
        gtk_list_box_select_row (self->session_list, GTK_LIST_BOX_ROW (row));
    }

  if (reload)
    {
      gint64 id = self->session_id;

      self->session_id = 0;
      open_session (self, id);
    }

  if (self->sessions_again)
    {
      self->sessions_again = FALSE;
      refresh_sessions (self);
    }
}

static void
refresh_sessions (TtshSessionsView *self)
{
  if (self->sessions_in_flight)
    {
      self->sessions_again = TRUE;
      return;
    }
  self->sessions_in_flight = TRUE;
  ttsh_engine_call_async (ttsh_context_get_engine (self->context), sessions_thread, NULL, NULL,
                          (GDestroyNotify) g_ptr_array_unref, self->cancellable, sessions_done, self);
}

/* Roster reads ------------------------------------------------------------- */

typedef struct {
  gint64   session_id;
  gint64   since;
  gboolean with_cid;
} RosterQuery;

static gpointer
roster_thread (TtshEngine  *engine,
               TtshStore   *store,
               gpointer     data,
               GError     **error)
{
  RosterQuery *q = data;

  return ttsh_query_roster (store, q->session_id, q->since, q->with_cid, error);
}

static void
update_count (TtshSessionsView *self)
{
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->filter_model));
  guint total = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  g_autofree char *a = ttsh_format_count (shown);
  g_autofree char *b = ttsh_format_count (total);
  g_autofree char *text = shown == total ? g_strdup_printf (_("%s candidates"), b)
                                         : g_strdup_printf (_("%s of %s"), a, b);

  gtk_label_set_text (self->count_label, text);
}

static gboolean
update_count_idle (gpointer data)
{
  TtshSessionsView *self = data;

  self->count_idle = 0;
  update_count (self);
  return G_SOURCE_REMOVE;
}

/* A filter change arrives as many items-changed runs: count once after. */
static void
queue_update_count (TtshSessionsView *self)
{
  if (self->count_idle == 0)
    self->count_idle = g_idle_add (update_count_idle, self);
}

static gboolean
filter_uses_live_state (TtshSessionsView *self)
{
  return self->filter_state != NULL;
}

/* Sort models do not watch item properties: re-sort when the order depends
 * on what just changed. */
static void
resort_if_live (TtshSessionsView *self)
{
  if (self->columns[self->sort_column].live)
    gtk_sorter_changed (self->sorter, GTK_SORTER_CHANGE_DIFFERENT);
}

static void
roster_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autofree Call *call = user_data;
  TtshSessionsView *self;
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshRoster) roster = ttsh_engine_call_finish (TTSH_ENGINE (source), result, &error);
  g_autoptr(GPtrArray) added = NULL;
  guint serial = call->serial;
  gboolean updated = FALSE;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = call->self;
  if (serial != self->load_serial)
    return;           /* a new session was opened meanwhile; its read is under way */
  self->roster_in_flight = FALSE;
  if (roster == NULL)
    g_warning ("cannot read the roster: %s", error->message);
  else
    {
      added = g_ptr_array_new_with_free_func (g_object_unref);
      for (guint i = 0; i < roster->rows->len; i++)
        {
          TtshRosterRow *r = g_ptr_array_index (roster->rows, i);
          TtshCandidateItem *item = g_hash_table_lookup (self->by_id, &r->id);

          if (item != NULL)
            {
              ttsh_candidate_item_update (item, r);
              updated = TRUE;
            }
          else
            {
              item = ttsh_candidate_item_new (r);
              g_hash_table_insert (self->by_id, g_memdup2 (&r->id, sizeof r->id), item);
              g_ptr_array_add (added, item);
            }
        }
      if (added->len > 0)
        g_list_store_splice (self->store, g_list_model_get_n_items (G_LIST_MODEL (self->store)), 0,
                             added->pdata, added->len);
      if (updated && filter_uses_live_state (self))
        refilter (self);
      if (updated)
        resort_if_live (self);
      self->stamp = roster->stamp;
      self->generation++;
      update_count (self);
    }

  if (self->roster_again)
    {
      self->roster_again = FALSE;
      refresh_roster (self);
    }
}

static void
refresh_roster (TtshSessionsView *self)
{
  RosterQuery *q;

  if (self->session_id == 0)
    return;
  if (self->roster_in_flight)
    {
      self->roster_again = TRUE;
      return;
    }
  self->roster_in_flight = TRUE;
  self->last_refresh_us = g_get_monotonic_time ();
  q = g_new0 (RosterQuery, 1);
  q->session_id = self->session_id;
  q->since = self->stamp;
  q->with_cid = ttsh_context_can (self->context, TTSH_PERM_VIEW_CITIZEN_ID);
  ttsh_engine_call_async (ttsh_context_get_engine (self->context), roster_thread, q, g_free,
                          (GDestroyNotify) ttsh_roster_free, self->cancellable, roster_done,
                          call_new (self, self->load_serial));
}

static gboolean
refresh_timeout (gpointer data)
{
  TtshSessionsView *self = data;

  self->refresh_timer = 0;
  refresh_roster (self);
  return G_SOURCE_REMOVE;
}

static void
on_engine_changed (TtshEngine       *engine,
                   const char       *what,
                   TtshSessionsView *self)
{
  gint64 since_us;

  if (g_strcmp0 (what, "journal") == 0 || g_strcmp0 (what, "alarm") == 0)
    return;
  if (g_strcmp0 (what, "session") == 0 || g_strcmp0 (what, "outbox") == 0 ||
      g_strcmp0 (what, "candidate") == 0)
    refresh_sessions (self);
  /* A stream of changes becomes at most one read per REFRESH_MIN_MS. */
  if (self->refresh_timer != 0)
    return;
  since_us = g_get_monotonic_time () - self->last_refresh_us;
  if (since_us >= REFRESH_MIN_MS * 1000)
    refresh_roster (self);
  else
    self->refresh_timer = g_timeout_add (REFRESH_MIN_MS - since_us / 1000, refresh_timeout, self);
}

static void
open_session (TtshSessionsView *self,
              gint64            id)
{
  if (id == self->session_id)
    return;
  self->session_id = id;
  self->stamp = 0;
  self->load_serial++;
  self->roster_in_flight = FALSE;     /* an answer for the old session is discarded */
  g_hash_table_remove_all (self->by_id);
  g_list_store_remove_all (self->store);
  ttsh_context_set_selected_candidate_id (self->context, 0);
  ttsh_context_set_selected_session_id (self->context, id);
  gtk_stack_set_visible_child_name (self->roster_stack, id ? "roster" : "empty");
  update_count (self);
  refresh_roster (self);
}

static void
on_session_selected (TtshSessionsView *self,
                     GtkListBoxRow    *row)
{
  gint64 *id = row ? g_object_get_data (G_OBJECT (row), "id") : NULL;

  if (self->disposed)
    return;
  open_session (self, id ? *id : 0);
}

/* Filtering ---------------------------------------------------------------- */

static gboolean
is_full_cid (const char *text)
{
  if (text == NULL || strlen (text) != 12)
    return FALSE;
  for (const char *p = text; *p; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

static void
refilter (TtshSessionsView *self)
{
  ttsh_roster_model_refilter (self->filter_model);

}

static gboolean
roster_filter (gpointer item,
               gpointer user_data)
{
  TtshSessionsView *self = user_data;
  TtshCandidateItem *c = item;

  if (self->search_folded != NULL && *self->search_folded != '\0')
    {
      if (self->cid_matches != NULL)
        {
          gint64 id = ttsh_candidate_item_get_id (c);
          if (!g_hash_table_contains (self->cid_matches, &id))
            return FALSE;
        }
      else if (strstr (ttsh_candidate_item_get_name_folded (c), self->search_folded) == NULL &&
               strstr (ttsh_candidate_item_get_candidate_no (c), self->search_raw) == NULL)
        return FALSE;
    }

  if (g_strcmp0 (self->filter_state, "TX_ERROR") == 0)
    {
      if (ttsh_candidate_item_get_tx_error (c) == 0)
        return FALSE;
      return self->filter_content < 0 || *ttsh_candidate_item_get_state (c, self->filter_content) != '\0';
    }
  if (self->filter_content >= 0)
    {
      const char *state = ttsh_candidate_item_get_state (c, self->filter_content);

      if (*state == '\0')
        return FALSE;
      return self->filter_state == NULL || g_str_equal (state, self->filter_state);
    }
  if (self->filter_state != NULL)
    {
      for (int i = 0; i < TTSH_N_CONTENTS; i++)
        if (g_str_equal (ttsh_candidate_item_get_state (c, i), self->filter_state))
          return TRUE;
      return FALSE;
    }
  return TRUE;
}

typedef struct {
  gint64  session_id;
  char   *cid;
} CidQuery;

static void
cid_query_free (gpointer data)
{
  CidQuery *q = data;

  g_free (q->cid);
  g_free (q);
}

static gpointer
cid_thread (TtshEngine  *engine,
            TtshStore   *store,
            gpointer     data,
            GError     **error)
{
  CidQuery *q = data;

  return ttsh_query_find_cid (store, q->session_id, q->cid, error);
}

static void
cid_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autofree Call *call = user_data;
  TtshSessionsView *self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = ttsh_engine_call_finish (TTSH_ENGINE (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = call->self;
  if (call->serial != self->search_serial)
    return;
  if (ids == NULL)
    {
      g_warning ("citizen ID search failed: %s", error->message);
      return;
    }
  if (self->cid_matches == NULL)
    return;
  g_hash_table_remove_all (self->cid_matches);
  for (guint i = 0; i < ids->len; i++)
    g_hash_table_add (self->cid_matches, g_memdup2 (&g_array_index (ids, gint64, i), sizeof (gint64)));
  refilter (self);
  update_count (self);
}

static void
on_search_changed (TtshSessionsView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autofree char *old = g_steal_pointer (&self->search_folded);

  g_free (self->search_raw);
  self->search_raw = g_strstrip (g_ascii_strup (text, -1));
  self->search_folded = ttsh_text_fold (self->search_raw);
  g_clear_pointer (&self->cid_matches, g_hash_table_unref);
  self->search_serial++;

  if (is_full_cid (self->search_raw))
    {
      CidQuery *q = g_new0 (CidQuery, 1);

      /* Citizen IDs are sealed: look the keyed hash up on the engine. */
      self->cid_matches = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
      q->session_id = self->session_id;
      q->cid = g_strdup (self->search_raw);
      ttsh_engine_call_async (ttsh_context_get_engine (self->context), cid_thread, q, cid_query_free,
                              (GDestroyNotify) g_array_unref, self->cancellable, cid_done,
                              call_new (self, self->search_serial));
    }
  /* Typing often only adds a space or repeats the same text. */
  else if (g_strcmp0 (old, self->search_folded) == 0)
    return;

  refilter (self);
  update_count (self);
}

static void
on_filter_changed (TtshSessionsView *self)
{
  guint c = gtk_drop_down_get_selected (self->content_drop);
  guint s = gtk_drop_down_get_selected (self->state_drop);

  self->filter_content = (c == GTK_INVALID_LIST_POSITION || c == 0) ? -1 : (int) c - 1;
  self->filter_state = s < G_N_ELEMENTS (state_filters) ? state_filters[s] : NULL;
  if (self->filter_model != NULL)
    {
      refilter (self);
      update_count (self);
    }
}

/* Cells -------------------------------------------------------------------- */


typedef struct {
  TtshSessionsView *self;
  GtkListItem      *list_item;
  int               column;
} CellRef;

static void
cell_refresh (TtshSessionsView *self,
              GtkListItem      *list_item,
              int               column)
{
  GtkWidget **cells = g_object_get_data (G_OBJECT (list_item), "cells");
  TtshRowSlot *slot = gtk_list_item_get_item (list_item);
  TtshCandidateItem *item = slot ? ttsh_row_slot_peek_item (slot) : NULL;

  if (item != NULL && cells != NULL)
    self->columns[column].update (self, cells[column], item, self->columns[column].data);
}

static void
on_cell_notify (GObject    *item,
                GParamSpec *pspec,
                CellRef    *ref)
{
  cell_refresh (ref->self, ref->list_item, ref->column);
}

/* The row's slot now shows another candidate (or this row was just bound):
 * the same widgets, new contents. */
static void
row_show_item (GtkListItem *list_item)
{
  TtshSessionsView *self = g_object_get_data (G_OBJECT (list_item), "view");
  TtshRowSlot *slot = gtk_list_item_get_item (list_item);
  TtshCandidateItem *item = slot ? ttsh_row_slot_peek_item (slot) : NULL;
  g_autofree char *label = NULL;

  g_signal_group_set_target (g_object_get_data (G_OBJECT (list_item), "group"), item);
  if (item == NULL)
    return;
  for (int c = 0; c < N_COLUMNS; c++)
    cell_refresh (self, list_item, c);
  label = g_strdup_printf ("%s %s", ttsh_candidate_item_get_candidate_no (item),
                           ttsh_candidate_item_get_full_name (item));
  gtk_accessible_update_property (GTK_ACCESSIBLE (gtk_list_item_get_child (list_item)),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static void
row_setup (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           TtshSessionsView         *self)
{
  GSignalGroup *group = g_signal_group_new (TTSH_TYPE_CANDIDATE_ITEM);
  GtkWidget **cells = g_new0 (GtkWidget *, N_COLUMNS);
  GtkWidget *row = ttsh_roster_line_new (self->widths, N_COLUMNS, COLUMN_SPACING, NAME_MIN_WIDTH);

  gtk_widget_add_css_class (row, "roster-row");
  g_object_set_data (G_OBJECT (list_item), "view", self);
  for (int c = 0; c < N_COLUMNS; c++)
    {
      CellRef *ref = g_new (CellRef, 1);

      cells[c] = self->columns[c].create ();
      gtk_widget_set_margin_start (cells[c], CELL_INSET);
      /* A hidden cell (a content not taken) keeps its column's place: the
       * line places columns by their widths, shown or not. */
      ttsh_roster_line_append (TTSH_ROSTER_LINE (row), cells[c]);
      ref->self = self;
      ref->list_item = list_item;
      ref->column = c;
      g_signal_group_connect_data (group, self->columns[c].notify, G_CALLBACK (on_cell_notify), ref,
                                   (GClosureNotify) (void (*) (void)) g_free, 0);
    }
  gtk_list_item_set_child (list_item, row);
  g_object_set_data_full (G_OBJECT (list_item), "cells", cells, g_free);
  g_object_set_data_full (G_OBJECT (list_item), "group", group, g_object_unref);
  {
    GSignalGroup *slot_group = g_signal_group_new (TTSH_TYPE_ROW_SLOT);

    g_signal_group_connect_swapped (slot_group, "notify::item", G_CALLBACK (row_show_item), list_item);
    g_object_set_data_full (G_OBJECT (list_item), "slot-group", slot_group, g_object_unref);
  }
}

static void
row_bind (GtkSignalListItemFactory *factory,
          GtkListItem              *list_item,
          TtshSessionsView         *self)
{
  g_signal_group_set_target (g_object_get_data (G_OBJECT (list_item), "slot-group"),
                             gtk_list_item_get_item (list_item));
  row_show_item (list_item);
}

static void
row_unbind (GtkSignalListItemFactory *factory,
            GtkListItem              *list_item,
            TtshSessionsView         *self)
{
  g_signal_group_set_target (g_object_get_data (G_OBJECT (list_item), "slot-group"), NULL);
  g_signal_group_set_target (g_object_get_data (G_OBJECT (list_item), "group"), NULL);
}

static GtkWidget *
create_label (void)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  return label;
}

/* Names and citizen IDs are read whole: they get the room they need. */
static GtkWidget *
create_name_label (void)
{
  GtkWidget *label = create_label ();

  gtk_label_set_width_chars (GTK_LABEL (label), 12);
  return label;
}

static GtkWidget *
create_cid_label (void)
{
  GtkWidget *label = create_label ();

  gtk_label_set_width_chars (GTK_LABEL (label), 13);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_NONE);
  gtk_widget_add_css_class (label, "numeric");
  return label;
}

static GtkWidget *
create_chip (void)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_widget_set_halign (label, GTK_ALIGN_START);
  gtk_widget_set_valign (label, GTK_ALIGN_CENTER);
  /* Shrinks with an ellipsis rather than breaking the column (full text in the tooltip). */
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (label, "state-chip");
  return label;
}

static GtkWidget *
create_avatar (void)
{
  GtkWidget *avatar = ttsh_thumb_new (32);

  gtk_widget_set_halign (avatar, GTK_ALIGN_START);
  gtk_widget_set_valign (avatar, GTK_ALIGN_CENTER);

  gtk_widget_set_margin_top (avatar, 2);
  gtk_widget_set_margin_bottom (avatar, 2);
  return avatar;
}

static void
update_text (TtshSessionsView  *self,
             GtkWidget         *cell,
             TtshCandidateItem *item,
             gpointer           data)
{
  const char *prop = data;
  g_autofree char *text = NULL;

  g_object_get (item, prop, &text, NULL);
  gtk_label_set_text (GTK_LABEL (cell), text ? text : "");
}

static void
update_photo (TtshSessionsView  *self,
              GtkWidget         *cell,
              TtshCandidateItem *item,
              gpointer           data)
{
  GdkTexture *texture = NULL;
  gint64 id = ttsh_candidate_item_get_id (item);

  ttsh_thumb_set_name (TTSH_THUMB (cell), ttsh_candidate_item_get_full_name (item));
  g_object_set_data_full (G_OBJECT (cell), "candidate-id", g_memdup2 (&id, sizeof id), g_free);
  if (ttsh_candidate_item_get_has_photo (item))
    texture = ttsh_photo_cache_lookup (self->photos, id, THUMB_HEIGHT);
  ttsh_thumb_set_photo (TTSH_THUMB (cell), texture);
}

static const char *const state_classes[] = {
  "waiting", "present", "in-test", "passed", "failed", "absent", "cancelled",
  "tx-accepted", "tx-pending", "tx-error", "tx-none",
};

static void
set_chip_class (GtkWidget  *cell,
                const char *cls)
{
  for (guint i = 0; i < G_N_ELEMENTS (state_classes); i++)
    if (g_strcmp0 (cls, state_classes[i]) == 0)
      gtk_widget_add_css_class (cell, state_classes[i]);
    else
      gtk_widget_remove_css_class (cell, state_classes[i]);
}

static const char *
state_class (const char *state)
{
  if (g_strcmp0 (state, "WAITING") == 0) return "waiting";
  if (g_strcmp0 (state, "PRESENT") == 0) return "present";
  if (g_strcmp0 (state, "IN_TEST") == 0) return "in-test";
  if (g_strcmp0 (state, "PASSED") == 0) return "passed";
  if (g_strcmp0 (state, "FAILED") == 0) return "failed";
  if (g_strcmp0 (state, "ABSENT") == 0) return "absent";
  if (g_strcmp0 (state, "CANCELLED") == 0) return "cancelled";
  return NULL;
}

static void
update_state (TtshSessionsView  *self,
              GtkWidget         *cell,
              TtshCandidateItem *item,
              gpointer           data)
{
  int i = GPOINTER_TO_INT (data);
  const char *state = ttsh_candidate_item_get_state (item, i);
  double score = ttsh_candidate_item_get_score (item, i);
  int attempt = ttsh_candidate_item_get_attempt (item, i);
  g_autofree char *text = NULL;

  if (*state == '\0')
    text = g_strdup ("");
  else if (!isnan (score))
    {
      g_autofree char *s = ttsh_format_decimal (score, floor (score) == score ? 0 : 1);
      text = attempt > 1 ? g_strdup_printf (_("%s %s (attempt %d)"), ttsh_content_state_label (state), s, attempt)
                         : g_strdup_printf ("%s %s", ttsh_content_state_label (state), s);
    }
  else
    text = g_strdup (ttsh_content_state_label (state));
  gtk_label_set_text (GTK_LABEL (cell), text);
  ttsh_widget_set_quiet_tooltip (cell, *text ? text : NULL);
  gtk_widget_set_visible (cell, *state != '\0');
  set_chip_class (cell, state_class (state));
}

static void
update_tx (TtshSessionsView  *self,
           GtkWidget         *cell,
           TtshCandidateItem *item,
           gpointer           data)
{
  const char *state = ttsh_candidate_item_get_tx_state (item);
  g_autofree char *text = NULL;

  if (g_str_equal (state, "ERROR"))
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d record in error", "%d records in error",
                                         ttsh_candidate_item_get_tx_error (item)),
                            ttsh_candidate_item_get_tx_error (item));
  else if (g_str_equal (state, "PENDING") || g_str_equal (state, "INFLIGHT"))
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d record waiting", "%d records waiting",
                                         ttsh_candidate_item_get_tx_pending (item)),
                            ttsh_candidate_item_get_tx_pending (item));
  else
    text = g_strdup (ttsh_outbox_state_label (state));
  gtk_label_set_text (GTK_LABEL (cell), text);
  set_chip_class (cell, g_str_equal (state, "ERROR") ? "tx-error"
                       : g_str_equal (state, "ACCEPTED") ? "tx-accepted"
                       : g_str_equal (state, "NONE") ? "tx-none" : "tx-pending");
}

static void
on_photo_loaded (TtshPhotoCache   *cache,
                 gint64            id,
                 int               height,
                 TtshSessionsView *self)
{
  TtshCandidateItem *item = g_hash_table_lookup (self->by_id, &id);

  /* The photo cell follows "has-photo" and reads the cache again. */
  if (item != NULL && height == THUMB_HEIGHT)
    g_object_notify (G_OBJECT (item), "has-photo");
}

static int
compare_state (gconstpointer a,
               gconstpointer b,
               gpointer      data)
{
  int i = GPOINTER_TO_INT (data);
  TtshCandidateItem *x = (gpointer) a, *y = (gpointer) b;
  int rx = ttsh_content_state_rank (ttsh_candidate_item_get_state (x, i));
  int ry = ttsh_content_state_rank (ttsh_candidate_item_get_state (y, i));
  double sx = ttsh_candidate_item_get_score (x, i), sy = ttsh_candidate_item_get_score (y, i);

  if (rx != ry)
    return rx < ry ? GTK_ORDERING_SMALLER : GTK_ORDERING_LARGER;
  if (isnan (sx) != isnan (sy))
    return isnan (sx) ? GTK_ORDERING_LARGER : GTK_ORDERING_SMALLER;
  if (!isnan (sx) && sx != sy)
    return sx > sy ? GTK_ORDERING_SMALLER : GTK_ORDERING_LARGER;
  return GTK_ORDERING_EQUAL;
}

static int
tx_rank (const char *state)
{
  if (g_str_equal (state, "ERROR")) return 0;
  if (g_str_equal (state, "PENDING")) return 1;
  if (g_str_equal (state, "INFLIGHT")) return 2;
  if (g_str_equal (state, "ACCEPTED")) return 3;
  return 4;
}

static int
compare_tx (gconstpointer a,
            gconstpointer b,
            gpointer      data)
{
  int x = tx_rank (ttsh_candidate_item_get_tx_state ((gpointer) a));
  int y = tx_rank (ttsh_candidate_item_get_tx_state ((gpointer) b));

  return x < y ? GTK_ORDERING_SMALLER : x > y ? GTK_ORDERING_LARGER : GTK_ORDERING_EQUAL;
}

static GtkSorter *
string_sorter (const char *prop)
{
  return GTK_SORTER (gtk_string_sorter_new (gtk_property_expression_new (TTSH_TYPE_CANDIDATE_ITEM, NULL, prop)));
}

static void
define_columns (TtshSessionsView *self)
{
  Column *c = self->columns;

  c[0] = (Column) { _("Photo"), create_avatar, update_photo, NULL, "notify::has-photo", 44, NULL, FALSE };
  c[1] = (Column) { _("No."), create_label, update_text, (gpointer) "candidate-no", "notify::candidate-no",
                    66, string_sorter ("candidate-no"), FALSE };
  c[2] = (Column) { _("Full name"), create_name_label, update_text, (gpointer) "full-name", "notify::full-name",
                    0, string_sorter ("full-name"), FALSE };
  c[3] = (Column) { _("Class"), create_label, update_text, (gpointer) "licence-class", "notify::licence-class",
                    54, string_sorter ("licence-class"), FALSE };
  c[4] = (Column) { _("Citizen ID"), create_cid_label, update_text, (gpointer) "cid", "notify::cid",
                    112, string_sorter ("cid"), FALSE };
  for (int i = 0; i < TTSH_N_CONTENTS; i++)
    {
      g_autofree char *notify = g_strdup_printf ("notify::%s", ttsh_candidate_item_state_props[i]);

      c[5 + i] = (Column) { ttsh_content_label (ttsh_contents[i]), create_chip, update_state, GINT_TO_POINTER (i),
                            g_intern_string (notify), 112,
                            GTK_SORTER (gtk_custom_sorter_new (compare_state, GINT_TO_POINTER (i), NULL)), TRUE };
    }
  c[5 + TTSH_N_CONTENTS] = (Column) { _("C08 transmission"), create_chip, update_tx, NULL, "notify::tx-state",
                                      128, GTK_SORTER (gtk_custom_sorter_new (compare_tx, NULL, NULL)), TRUE };
}

/* The roster's order: the chosen column, then candidate number. */
static int
compare_rows (gconstpointer a,
              gconstpointer b,
              gpointer      data)
{
  TtshSessionsView *self = data;
  GtkSorter *sorter = self->columns[self->sort_column].sorter;
  int r = sorter ? gtk_sorter_compare (sorter, (gpointer) a, (gpointer) b) : 0;

  if (r == GTK_ORDERING_EQUAL && self->sort_column != 1)
    r = g_strcmp0 (ttsh_candidate_item_get_candidate_no ((gpointer) a),
                   ttsh_candidate_item_get_candidate_no ((gpointer) b)) < 0 ? GTK_ORDERING_SMALLER : GTK_ORDERING_LARGER;
  return self->sort_descending ? -r : r;
}

static void
update_header (TtshSessionsView *self)
{
  for (int c = 0; c < N_COLUMNS; c++)
    {
      GtkWidget *arrow = self->sort_arrows[c];

      if (arrow == NULL)
        continue;
      gtk_widget_set_visible (arrow, c == self->sort_column);
      gtk_image_set_from_icon_name (GTK_IMAGE (arrow), self->sort_descending ? "pan-down-symbolic" : "pan-up-symbolic");
      gtk_accessible_update_state (GTK_ACCESSIBLE (gtk_widget_get_parent (gtk_widget_get_parent (arrow))),
                                   GTK_ACCESSIBLE_STATE_PRESSED, c == self->sort_column, -1);
    }
}

static void
on_header_clicked (GtkButton        *button,
                   TtshSessionsView *self)
{
  int c = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "column"));

  if (c == self->sort_column)
    self->sort_descending = !self->sort_descending;
  else
    {
      self->sort_column = c;
      self->sort_descending = FALSE;
    }
  update_header (self);
  gtk_sorter_changed (self->sorter, GTK_SORTER_CHANGE_DIFFERENT);
}

static void
build_header (TtshSessionsView *self)
{
  GtkWidget *header = ttsh_roster_line_new (self->widths, N_COLUMNS, COLUMN_SPACING, NAME_MIN_WIDTH);

  for (int c = 0; c < N_COLUMNS; c++)
    {
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
      GtkWidget *inner = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
      GtkWidget *label = gtk_label_new (self->columns[c].title);

      gtk_widget_set_halign (inner, GTK_ALIGN_START);
      gtk_widget_add_css_class (label, "heading");
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_box_append (GTK_BOX (inner), label);
      if (self->columns[c].sorter != NULL)
        {
          GtkWidget *button = gtk_button_new ();
          g_autofree char *tip = g_strdup_printf (_("Sort by %s"), self->columns[c].title);

          self->sort_arrows[c] = gtk_image_new_from_icon_name ("pan-up-symbolic");
          gtk_box_append (GTK_BOX (inner), self->sort_arrows[c]);
          gtk_button_set_child (GTK_BUTTON (button), inner);
          gtk_widget_add_css_class (button, "flat");
          gtk_widget_set_hexpand (button, TRUE);
          gtk_widget_set_tooltip_text (button, tip);
          gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                          self->columns[c].title, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, tip, -1);
          g_object_set_data (G_OBJECT (button), "column", GINT_TO_POINTER (c));
          g_signal_connect (button, "clicked", G_CALLBACK (on_header_clicked), self);
          gtk_box_append (GTK_BOX (box), button);
        }
      else
        {
          gtk_widget_add_css_class (inner, "roster-header-label");
          gtk_box_append (GTK_BOX (box), inner);
        }
      ttsh_roster_line_append (TTSH_ROSTER_LINE (header), box);
    }
  gtk_widget_set_hexpand (header, TRUE);
  gtk_box_append (self->header_box, header);
  update_header (self);
}

static void
on_selection_changed (GtkSelectionModel *model,
                      guint              position,
                      guint              n_items,
                      TtshSessionsView  *self)
{
  TtshRowSlot *slot = gtk_single_selection_get_selected_item (self->selection);
  TtshCandidateItem *item = slot ? ttsh_row_slot_get_item (slot) : NULL;

  if (self->filtering)
    return;     /* the selection follows its candidate once the list settled */
  ttsh_context_set_selected_candidate_id (self->context, item ? ttsh_candidate_item_get_id (item) : 0);
}

static void
filter_will_change (TtshSessionsView *self)
{
  /* The slots still show the list before the change. */
  TtshRowSlot *slot = gtk_single_selection_get_selected_item (self->selection);
  TtshCandidateItem *item = slot ? ttsh_row_slot_get_item (slot) : NULL;

  self->filtering = TRUE;
  self->filtering_id = ttsh_context_get_selected_candidate_id (self->context);
  self->filtering_row = item != NULL && ttsh_candidate_item_get_id (item) == self->filtering_id;
}

static guint
filtered_position (TtshSessionsView *self,
                   gint64            id)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->filter_model));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TtshCandidateItem) item = g_list_model_get_item (G_LIST_MODEL (self->filter_model), i);

      if (ttsh_candidate_item_get_id (item) == id)
        return i;
    }
  return GTK_INVALID_LIST_POSITION;
}

/* Rows keep their place while candidates move through them: move the
 * selection with its candidate, or drop it when the candidate is filtered
 * out. */
static void
filter_changed (TtshSessionsView *self)
{
  gint64 id = self->filtering_id;
  guint pos = id != 0 ? filtered_position (self, id) : GTK_INVALID_LIST_POSITION;

  if (pos != GTK_INVALID_LIST_POSITION)
    ttsh_row_slots_reveal (self->slots, pos);
  if (gtk_single_selection_get_selected (self->selection) != pos)
    gtk_single_selection_set_selected (self->selection, pos);
  self->filtering = FALSE;
  /* A candidate chosen elsewhere (the map) while filtered out stays chosen;
   * one whose selected row the filter removed is unselected, as before. */
  if (pos == GTK_INVALID_LIST_POSITION && id != 0 && self->filtering_row)
    ttsh_context_set_selected_candidate_id (self->context, 0);
}

/* Another view (the map) chose a candidate: select and reveal its row. */
static void
on_context_candidate (TtshContext      *context,
                      GParamSpec       *pspec,
                      TtshSessionsView *self)
{
  gint64 id = ttsh_context_get_selected_candidate_id (context);
  TtshRowSlot *slot = gtk_single_selection_get_selected_item (self->selection);
  TtshCandidateItem *current = slot ? ttsh_row_slot_get_item (slot) : NULL;
  guint pos;

  gtk_widget_set_visible (self->candidate_panel, id != 0);
  if (id == 0 || (current != NULL && ttsh_candidate_item_get_id (current) == id))
    return;
  pos = filtered_position (self, id);
  if (pos != GTK_INVALID_LIST_POSITION)
    {
      ttsh_row_slots_reveal (self->slots, pos);
      gtk_single_selection_set_selected (self->selection, pos);
      gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", pos);
    }
}

/* GObject ------------------------------------------------------------------ */

static void
ttsh_sessions_view_constructed (GObject *object)
{
  TtshSessionsView *self = TTSH_SESSIONS_VIEW (object);
  TtshEngine *engine = ttsh_context_get_engine (self->context);
  const char *contents[TTSH_N_CONTENTS + 2] = { _("All contents") };
  const char *states[G_N_ELEMENTS (state_filters) + 1] = { _("All states") };

  G_OBJECT_CLASS (ttsh_sessions_view_parent_class)->constructed (object);

  for (int i = 0; i < TTSH_N_CONTENTS; i++)
    contents[i + 1] = ttsh_content_label (ttsh_contents[i]);
  for (guint i = 1; i < G_N_ELEMENTS (state_filters) - 1; i++)
    states[i] = ttsh_content_state_label (state_filters[i]);
  states[G_N_ELEMENTS (state_filters) - 1] = _("Transmission error");
  gtk_drop_down_set_model (self->content_drop, G_LIST_MODEL (gtk_string_list_new (contents)));
  gtk_drop_down_set_model (self->state_drop, G_LIST_MODEL (gtk_string_list_new (states)));
  g_object_unref (gtk_drop_down_get_model (self->content_drop));
  g_object_unref (gtk_drop_down_get_model (self->state_drop));

  self->photos = ttsh_photo_cache_new (engine, PHOTO_CACHE_MAX);
  g_signal_connect_object (self->photos, "loaded", G_CALLBACK (on_photo_loaded), self, 0);

  self->store = g_list_store_new (TTSH_TYPE_CANDIDATE_ITEM);
  define_columns (self);
  for (int c = 0; c < N_COLUMNS; c++)
    self->widths[c] = self->columns[c].width;
  build_header (self);
  self->sort_column = 1;
  self->sorter = GTK_SORTER (gtk_custom_sorter_new (compare_rows, self, NULL));
  /* Sort the whole roster, filter on top: a filter change then reaches only
   * the selection and the view, not a re-sort (scattered removals would
   * otherwise cost a sort-model update each). */
  self->sort_model = gtk_sort_list_model_new (G_LIST_MODEL (g_object_ref (self->store)),
                                              g_object_ref (self->sorter));
  gtk_sort_list_model_set_incremental (self->sort_model, FALSE);
  self->filter_model = ttsh_roster_model_new (G_LIST_MODEL (self->sort_model), roster_filter, self);
  /* Before the slots hear of a change: the selection is held; after: it
   * follows its candidate to wherever the change put it. */
  g_signal_connect_swapped (self->filter_model, "items-changed", G_CALLBACK (filter_will_change), self);
  self->slots = ttsh_row_slots_new (G_LIST_MODEL (self->filter_model));
  g_signal_connect_swapped (self->filter_model, "items-changed", G_CALLBACK (filter_changed), self);
  self->selection = gtk_single_selection_new (G_LIST_MODEL (g_object_ref (self->slots)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  {
    GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

    g_signal_connect (factory, "setup", G_CALLBACK (row_setup), self);
    g_signal_connect (factory, "bind", G_CALLBACK (row_bind), self);
    g_signal_connect (factory, "unbind", G_CALLBACK (row_unbind), self);
    gtk_list_view_set_factory (self->list_view, factory);
    g_object_unref (factory);
  }
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
  ttsh_row_slots_set_view (self->slots, GTK_WIDGET (self->list_view));
  g_signal_connect (self->selection, "selection-changed", G_CALLBACK (on_selection_changed), self);
  g_signal_connect_swapped (self->filter_model, "items-changed", G_CALLBACK (queue_update_count), self);
  update_header (self);

  self->candidate_panel = ttsh_candidate_panel_new (self->context, self->photos);
  gtk_widget_set_visible (self->candidate_panel, FALSE);
  gtk_paned_set_end_child (self->inner_paned, self->candidate_panel);
  gtk_paned_set_position (self->inner_paned, 640);

  self->changed_id = g_signal_connect (engine, "changed", G_CALLBACK (on_engine_changed), self);
  self->selected_id = g_signal_connect (self->context, "notify::selected-candidate-id",
                                        G_CALLBACK (on_context_candidate), self);
  on_filter_changed (self);
  refresh_sessions (self);
}

static void
ttsh_sessions_view_dispose (GObject *object)
{
  TtshSessionsView *self = TTSH_SESSIONS_VIEW (object);

  self->disposed = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->refresh_timer, g_source_remove);
  g_clear_handle_id (&self->count_idle, g_source_remove);
  if (self->context != NULL)
    {
      g_clear_signal_handler (&self->changed_id, ttsh_context_get_engine (self->context));
      g_clear_signal_handler (&self->selected_id, self->context);
    }
  if (self->filter_model != NULL)
    g_signal_handlers_disconnect_by_data (self->filter_model, self);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  if (self->list_view != NULL)
    gtk_list_view_set_model (self->list_view, NULL);
  if (self->slots != NULL)
    ttsh_row_slots_set_view (self->slots, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), TTSH_TYPE_SESSIONS_VIEW);
  g_clear_object (&self->selection);
  g_clear_object (&self->sort_model);
  g_clear_object (&self->slots);
  g_clear_object (&self->filter_model);
  g_clear_object (&self->store);
  g_clear_object (&self->photos);
  g_clear_object (&self->sorter);
  for (int c = 0; c < N_COLUMNS; c++)
    g_clear_object (&self->columns[c].sorter);
  g_clear_object (&self->context);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (ttsh_sessions_view_parent_class)->dispose (object);
}

static void
ttsh_sessions_view_finalize (GObject *object)
{
  TtshSessionsView *self = TTSH_SESSIONS_VIEW (object);

  g_hash_table_unref (self->by_id);
  g_hash_table_unref (self->session_rows);
  g_clear_pointer (&self->cid_matches, g_hash_table_unref);
  g_free (self->search_folded);
  g_free (self->search_raw);
  G_OBJECT_CLASS (ttsh_sessions_view_parent_class)->finalize (object);
}

static void
ttsh_sessions_view_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  TtshSessionsView *self = TTSH_SESSIONS_VIEW (object);

  switch (prop_id)
    {
    case PROP_CONTEXT: self->context = g_value_dup_object (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ttsh_sessions_view_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  TtshSessionsView *self = TTSH_SESSIONS_VIEW (object);

  switch (prop_id)
    {
    case PROP_CONTEXT: g_value_set_object (value, self->context); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ttsh_sessions_view_class_init (TtshSessionsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ttsh_sessions_view_constructed;
  object_class->dispose = ttsh_sessions_view_dispose;
  object_class->finalize = ttsh_sessions_view_finalize;
  object_class->set_property = ttsh_sessions_view_set_property;
  object_class->get_property = ttsh_sessions_view_get_property;

  properties[PROP_CONTEXT] =
    g_param_spec_object ("context", NULL, NULL, TTSH_TYPE_CONTEXT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/vn/ttsh/Console/ttsh-sessions-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TtshSessionsView, outer_paned);
  gtk_widget_class_bind_template_child (widget_class, TtshSessionsView, inner_paned);
  gtk_widget_class_bind_template_child (widget_class, TtshSessionsView, sessions_stack);
  gtk_widget_class_bind_template_child (widget_class, TtshSessionsView, session_list);
  gtk_widget_class_bind_template_child (widget_class, TtshSessionsView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, TtshSessionsView, content_drop);
  gtk_widget_class_bind_template_child (widget_class, TtshSessionsView, state_drop);
  gtk_widget_class_bind_template_child (widget_class, TtshSessionsView, count_label);
  gtk_widget_class_bind_template_child (widget_class, TtshSessionsView, roster_stack);
  gtk_widget_class_bind_template_child (widget_class, TtshSessionsView, roster_scroll);
  gtk_widget_class_bind_template_child (widget_class, TtshSessionsView, header_box);
  gtk_widget_class_bind_template_child (widget_class, TtshSessionsView, list_view);
  gtk_widget_class_bind_template_callback (widget_class, on_session_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_filter_changed);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
ttsh_sessions_view_init (TtshSessionsView *self)
{
  self->cancellable = g_cancellable_new ();
  self->by_id = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->session_rows = g_hash_table_new (g_int64_hash, g_int64_equal);
  self->filter_content = -1;
  gtk_widget_init_template (GTK_WIDGET (self));
}

GListModel    *ttsh_sessions_view_get_roster_model (TtshSessionsView *self) { return G_LIST_MODEL (self->filter_model); }
GListStore    *ttsh_sessions_view_get_roster_store (TtshSessionsView *self) { return self->store; }
GtkWidget     *ttsh_sessions_view_get_roster_view  (TtshSessionsView *self) { return GTK_WIDGET (self->list_view); }
GtkEditable   *ttsh_sessions_view_get_search       (TtshSessionsView *self) { return GTK_EDITABLE (self->search_entry); }
GtkListBox    *ttsh_sessions_view_get_session_list (TtshSessionsView *self) { return self->session_list; }
guint          ttsh_sessions_view_get_generation   (TtshSessionsView *self) { return self->generation; }

gboolean
ttsh_sessions_view_select_number (TtshSessionsView *self,
                                  const char       *candidate_no)
{
  GHashTableIter iter;
  gpointer item;

  g_hash_table_iter_init (&iter, self->by_id);
  while (g_hash_table_iter_next (&iter, NULL, &item))
    if (g_strcmp0 (ttsh_candidate_item_get_candidate_no (item), candidate_no) == 0)
      {
        ttsh_context_set_selected_candidate_id (self->context, ttsh_candidate_item_get_id (item));
        return TRUE;
      }
  return FALSE;
}

void
ttsh_sessions_view_focus_search (TtshSessionsView *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

void
ttsh_sessions_view_set_filter (TtshSessionsView *self,
                               int               content,
                               const char       *state)
{
  guint s = 0;

  for (guint i = 1; i < G_N_ELEMENTS (state_filters); i++)
    if (g_strcmp0 (state, state_filters[i]) == 0)
      s = i;
  gtk_drop_down_set_selected (self->content_drop, content < 0 ? 0 : (guint) content + 1);
  gtk_drop_down_set_selected (self->state_drop, s);
}

gboolean
ttsh_sessions_view_is_busy (TtshSessionsView *self)
{
  return self->roster_in_flight || self->sessions_in_flight || self->refresh_timer != 0 ||
         gtk_sort_list_model_get_pending (self->sort_model) > 0;
}
