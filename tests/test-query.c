/* test-query.c — the console's read API on a real store: sessions with
 * counts, the roster (masked or full citizen IDs, incremental reads by stamp),
 * lookup by full citizen ID, a candidate's timeline with deductions and the
 * C08 state of each record, photos, open alarms, name folding. */
#include "config.h"

#include <math.h>

#include "ttsh-alarm.h"
#include "ttsh-query.h"
#include "ttsh-test-util.h"
#include "test-console-fixture.h"

typedef struct {
  char      *dir;
  TtshStore *store;
  gint64     session_id;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GBytes) photo = g_bytes_new_static ("\x89PNG fake", 9);

  f->store = ttsh_test_store_open (&f->dir);
  f->session_id = fixture_populate (f->store, 30, photo);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  ttsh_test_store_close (&f->store, &f->dir);
}

static TtshRosterRow *
row_of (TtshRoster *r, gint64 id)
{
  for (guint i = 0; i < r->rows->len; i++)
    if (((TtshRosterRow *) g_ptr_array_index (r->rows, i))->id == id)
      return g_ptr_array_index (r->rows, i);
  return NULL;
}

static void
test_fold (void)
{
  const struct { const char *in, *out; } cases[] = {
    { "Nguyễn Văn Đạt", "nguyen van dat" },
    { "  ĐẶNG   thị  Hương ", "dang thi huong" },
    { "Lê Thị Thu Hà", "le thi thu ha" },
    { "", "" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = ttsh_text_fold (cases[i].in);
      g_assert_cmpstr (got, ==, cases[i].out);
    }
  g_assert_cmpint (ttsh_content_index ("SA_HINH"), ==, 2);
  g_assert_cmpint (ttsh_content_index ("NOPE"), ==, -1);
}

static void
test_sessions_and_roster (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) sessions = ttsh_query_sessions (f->store, &error);
  g_autoptr(TtshRoster) masked = NULL, full = NULL, again = NULL, later = NULL;
  TtshSessionRow *s;
  TtshRosterRow *r;

  g_assert_no_error (error);
  g_assert_cmpuint (sessions->len, ==, 1);
  s = g_ptr_array_index (sessions, 0);
  g_assert_cmpint (s->id, ==, f->session_id);
  g_assert_cmpint (s->n_candidates, ==, 30);
  g_assert_cmpint (s->n_unsent, ==, 0);

  masked = ttsh_query_roster (f->store, f->session_id, 0, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (masked->rows->len, ==, 30);
  r = row_of (masked, 7);
  g_assert_cmpstr (r->cid, ==, "0010******07");
  g_assert_cmpstr (r->candidate_no, ==, "00007");
  g_assert_cmpstr (r->content[2].state, ==, "WAITING");
  g_assert_true (isnan (r->content[2].score));
  g_assert_cmpstr (r->tx_state, ==, "NONE");
  g_assert_true (row_of (masked, 1)->has_photo);
  g_assert_false (row_of (masked, 2)->has_photo);

  full = ttsh_query_roster (f->store, f->session_id, 0, TRUE, &error);
  g_assert_cmpstr (row_of (full, 7)->cid, ==, "001090000007");

  /* Nothing changed since the stamp: an empty answer. */
  again = ttsh_query_roster (f->store, f->session_id, full->stamp + 1, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->rows->len, ==, 0);

  /* One candidate progresses: only that candidate comes back, with its state
   * and the worst transmission state of its records. */
  g_usleep (2000);
  fixture_progress (f->store, 7, "SA_HINH", 1, 1, "BAT_DAU", 100, 0, "ACCEPTED");
  fixture_progress (f->store, 7, "SA_HINH", 1, 2, "KET_THUC", 76, 24, "ERROR");
  later = ttsh_query_roster (f->store, f->session_id, full->stamp + 1, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (later->rows->len, ==, 1);
  r = g_ptr_array_index (later->rows, 0);
  g_assert_cmpint (r->id, ==, 7);
  g_assert_cmpstr (r->content[2].state, ==, "FAILED");
  g_assert_cmpfloat (r->content[2].score, ==, 76);
  g_assert_cmpstr (r->tx_state, ==, "ERROR");
  g_assert_cmpint (r->tx_error, ==, 1);
  g_assert_cmpint (r->tx_accepted, ==, 1);
  g_assert_cmpint (later->stamp, >, full->stamp);
}

static void
test_find_cid (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) hit = ttsh_query_find_cid (f->store, f->session_id, "001090000012", &error);
  g_autoptr(GArray) miss = ttsh_query_find_cid (f->store, f->session_id, "001099999999", &error);
  g_autoptr(GArray) other = ttsh_query_find_cid (f->store, f->session_id + 1, "001090000012", &error);

  g_assert_no_error (error);
  g_assert_cmpuint (hit->len, ==, 1);
  g_assert_cmpint (g_array_index (hit, gint64, 0), ==, 12);
  g_assert_cmpuint (miss->len, ==, 0);
  g_assert_cmpuint (other->len, ==, 0);
}

static void
test_candidate_detail (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshCandidateDetail) d = NULL, full = NULL;
  g_autoptr(GBytes) photo = NULL;
  g_autofree char *name = fixture_name (4);
  gboolean deduction = FALSE, ended_error = FALSE;

  fixture_progress (f->store, 4, "SA_HINH", 1, 1, "BAT_DAU", 100, 0, "ACCEPTED");
  fixture_progress (f->store, 4, "SA_HINH", 1, 2, "DANG_THI", 95, 5, "PENDING");
  fixture_progress (f->store, 4, "SA_HINH", 1, 3, "KET_THUC", 95, 0, "ERROR");

  d = ttsh_query_candidate (f->store, 4, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (d->row->full_name, ==, name);
  g_assert_cmpstr (d->row->cid, ==, "0010******04");
  g_assert_cmpstr (d->dob, ==, "**/**/1995");
  g_assert_cmpstr (d->session_code, ==, "KSH-HN01-20261123");
  g_assert_cmpuint (d->events->len, ==, 4);   /* three records and one deduction */
  for (guint i = 0; i < d->events->len; i++)
    {
      TtshEvent *e = g_ptr_array_index (d->events, i);

      if (i > 0)
        g_assert_cmpint (e->at, >=, ((TtshEvent *) g_ptr_array_index (d->events, i - 1))->at);
      if (e->kind == TTSH_EVENT_DEDUCTION)
        {
          deduction = TRUE;
          g_assert_cmpstr (e->title, ==, "SH-02");
          g_assert_cmpfloat (e->points, ==, 5);
        }
      if (e->kind == TTSH_EVENT_PROCESS && g_strcmp0 (e->title, "KET_THUC") == 0)
        {
          ended_error = TRUE;
          g_assert_cmpstr (e->tx_state, ==, "ERROR");
          g_assert_cmpint (e->tx_code, ==, -6);
          g_assert_cmpstr (e->detail, ==, "DAT");
        }
    }
  g_assert_true (deduction);
  g_assert_true (ended_error);

  full = ttsh_query_candidate (f->store, 4, TRUE, &error);
  g_assert_cmpstr (full->dob, ==, "17/04/1995");
  g_assert_cmpstr (full->row->cid, ==, "001090000004");

  g_assert_null (ttsh_query_candidate (f->store, 999, FALSE, &error));
  g_assert_error (error, TTSH_STORE_ERROR, TTSH_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  photo = ttsh_query_photo (f->store, 4, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (photo, NULL), g_bytes_get_size (photo), "\x89PNG fake", 9);
  g_assert_null (ttsh_query_photo (f->store, 5, &error));
  g_assert_no_error (error);
}

static void
test_alarms (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) none = ttsh_query_open_alarms (f->store, &error);
  g_autoptr(GPtrArray) two = NULL, one = NULL;
  gint64 id;

  g_assert_cmpuint (none->len, ==, 0);
  ttsh_alarm_raise (f->store, TTSH_ALARM_LATE_RECORD, TTSH_ALARM_WARNING, "", "muộn", NULL, &error);
  id = ttsh_alarm_raise (f->store, TTSH_ALARM_C08_LOCKED, TTSH_ALARM_CRITICAL, "", "khóa", NULL, &error);
  g_assert_no_error (error);
  two = ttsh_query_open_alarms (f->store, &error);
  g_assert_cmpuint (two->len, ==, 2);
  /* The most severe first. */
  g_assert_cmpstr (((TtshAlarmRow *) g_ptr_array_index (two, 0))->kind, ==, TTSH_ALARM_C08_LOCKED);
  g_assert_true (ttsh_alarm_ack (f->store, id, "giamsat", "", &error));
  one = ttsh_query_open_alarms (f->store, &error);
  g_assert_cmpuint (one->len, ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/query/fold", test_fold);
  g_test_add ("/query/sessions-and-roster", Fixture, NULL, setup, test_sessions_and_roster, teardown);
  g_test_add ("/query/find-cid", Fixture, NULL, setup, test_find_cid, teardown);
  g_test_add ("/query/candidate-detail", Fixture, NULL, setup, test_candidate_detail, teardown);
  g_test_add ("/query/alarms", Fixture, NULL, setup, test_alarms, teardown);
  return g_test_run ();
}
