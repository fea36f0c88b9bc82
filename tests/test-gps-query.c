/* test-gps-query.c — GPS read API of the map: tracks, live road tests,
 * finished tests, events placed on the track, quality analysis, drawing
 * simplification and planned routes, against a real store file. */
#include "config.h"

#include <math.h>

#include "ttsh-journal.h"
#include "ttsh-query-gps.h"
#include "ttsh-query.h"
#include "ttsh-test-util.h"
#include "test-gps-fixture.h"

typedef struct {
  char      *dir;
  TtshStore *store;
  gint64     session;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  f->store = ttsh_test_store_open (&f->dir);
  f->session = ttsh_fixture_session (f->store, "KSH-2026-11-23");
}

static void
teardown (Fixture *f, gconstpointer data)
{
  ttsh_test_store_close (&f->store, &f->dir);
}

static TtshGpsPoint
pt (gint64 at_s, double lat, double lon, double accuracy)
{
  return (TtshGpsPoint) { .at = at_s * 1000, .lat = lat, .lon = lon,
                          .speed = 30, .heading = 0, .accuracy = accuracy };
}

static void
add (GArray *a, TtshGpsPoint p)
{
  g_array_append_val (a, p);
}

/* ~8.3 m per second northwards: 30 km/h. */
#define STEP 0.0000752

static void
test_quality_flags (void)
{
  g_autoptr(GArray) a = g_array_new (FALSE, FALSE, sizeof (TtshGpsPoint));
  TtshGpsQuality q;
  TtshGpsPoint *p;
  int t = 0;

  for (int i = 0; i < 10; i++, t++)
    add (a, pt (t, 21.0 + t * STEP, 105.77, 4));
  /* One outlier 5 km away, then back on the road. */
  add (a, pt (t, 21.045, 105.77, 4));
  t++;
  for (int i = 0; i < 5; i++, t++)
    add (a, pt (t, 21.0 + t * STEP, 105.77, 4));
  /* Twelve seconds without data. */
  t += 12;
  for (int i = 0; i < 5; i++, t++)
    add (a, pt (t, 21.0 + t * STEP, 105.77, i == 2 ? 60 : 4));

  p = (TtshGpsPoint *) (void *) a->data;
  ttsh_gps_analyse (p, a->len, 0, NULL, &q);

  g_assert_cmpuint (q.n_points, ==, a->len);
  g_assert_cmpuint (q.n_jumps, ==, 1);
  g_assert_true (p[10].flags & TTSH_GPS_JUMP);
  g_assert_false (p[11].flags & TTSH_GPS_JUMP);
  g_assert_cmpuint (q.n_gaps, ==, 1);
  g_assert_true (p[16].flags & TTSH_GPS_GAP);
  g_assert_cmpint (q.longest_gap_ms, ==, 13000);
  g_assert_cmpuint (q.n_poor, ==, 1);
  g_assert_true (p[18].flags & TTSH_GPS_POOR_ACCURACY);
  /* The outlier is flagged, never moved. */
  g_assert_cmpfloat (p[10].lat, ==, 21.045);
  /* 32 s of driving at ~8.36 m/s; the outlier adds nothing. */
  g_assert_cmpfloat (q.distance_m, >, 262);
  g_assert_cmpfloat (q.distance_m, <, 273);
}

static void
test_quality_relocation (void)
{
  g_autoptr(GArray) a = g_array_new (FALSE, FALSE, sizeof (TtshGpsPoint));
  TtshGpsQuality q;
  TtshGpsPoint *p;

  for (int t = 0; t < 5; t++)
    add (a, pt (t, 21.0 + t * STEP, 105.77, 4));
  /* The receiver re-acquires 3 km further and stays there. */
  for (int t = 5; t < 15; t++)
    add (a, pt (t, 21.03 + t * STEP, 105.77, 4));

  p = (TtshGpsPoint *) (void *) a->data;
  ttsh_gps_analyse (p, a->len, 0, NULL, &q);
  g_assert_cmpuint (q.n_jumps, ==, 1);
  g_assert_true (p[5].flags & TTSH_GPS_JUMP);
  for (guint i = 6; i < a->len; i++)
    g_assert_false (p[i].flags & TTSH_GPS_JUMP);
}

/* The live map analyses as points arrive: same flags as in one go. */
static void
test_quality_incremental (void)
{
  g_autoptr(GArray) a = g_array_new (FALSE, FALSE, sizeof (TtshGpsPoint));
  g_autoptr(GArray) b = NULL;
  TtshGpsQuality qa, qb;

  for (int t = 0; t < 60; t++)
    {
      double lat = 21.0 + t * STEP + (t % 17 == 0 ? 0.02 : 0);
      gint64 at = t + (t > 30 ? 9 : 0);
      add (a, pt (at, lat, 105.77, t % 11 == 0 ? 40 : 4));
    }
  b = g_array_copy (a);
  ttsh_gps_analyse ((TtshGpsPoint *) (void *) a->data, a->len, 0, NULL, &qa);
  memset (&qb, 0, sizeof qb);
  for (guint n = 0; n < b->len; n += 7)
    ttsh_gps_analyse ((TtshGpsPoint *) (void *) b->data, MIN (n + 7, b->len), n, NULL, &qb);

  g_assert_cmpuint (qa.n_jumps, >, 0);
  g_assert_cmpuint (qa.n_gaps, ==, 1);
  g_assert_cmpuint (qa.n_jumps, ==, qb.n_jumps);
  g_assert_cmpuint (qa.n_gaps, ==, qb.n_gaps);
  g_assert_cmpuint (qa.n_poor, ==, qb.n_poor);
  g_assert_cmpfloat_with_epsilon (qa.distance_m, qb.distance_m, 1e-6);
  for (guint i = 0; i < a->len; i++)
    g_assert_cmpuint (g_array_index (a, TtshGpsPoint, i).flags, ==, g_array_index (b, TtshGpsPoint, i).flags);
}

static void
test_simplify (void)
{
  const guint n = 100000;
  g_autofree double *x = g_new (double, n);
  g_autofree double *y = g_new (double, n);
  g_autofree guint *keep = g_new (guint, n);
  g_autofree guint8 *pinned = g_new0 (guint8, n);
  guint k;

  /* A straight line with sub-pixel noise collapses to its ends. */
  for (guint i = 0; i < n; i++)
    {
      x[i] = i * 0.01;
      y[i] = (i % 2) * 0.2;
    }
  k = ttsh_gps_simplify (x, y, n, 0.5, NULL, keep);
  g_assert_cmpuint (k, ==, 2);
  g_assert_cmpuint (keep[0], ==, 0);
  g_assert_cmpuint (keep[1], ==, n - 1);

  /* Pinned points (gaps, jumps) survive. */
  pinned[500] = pinned[77777] = 1;
  k = ttsh_gps_simplify (x, y, n, 0.5, pinned, keep);
  g_assert_cmpuint (k, ==, 4);
  g_assert_cmpuint (keep[1], ==, 500);
  g_assert_cmpuint (keep[2], ==, 77777);

  /* A square keeps its corners and nothing else, in order. */
  for (guint i = 0; i < 400; i++)
    {
      guint side = i / 100, t = i % 100;
      x[i] = side == 0 ? t : side == 1 ? 100 : side == 2 ? 100 - t : 0;
      y[i] = side == 0 ? 0 : side == 1 ? t : side == 2 ? 100 : 100 - t;
    }
  k = ttsh_gps_simplify (x, y, 400, 1.0, NULL, keep);
  g_assert_cmpuint (k, ==, 5);
  g_assert_cmpuint (keep[0], ==, 0);
  g_assert_cmpuint (keep[1], ==, 100);
  g_assert_cmpuint (keep[2], ==, 200);
  g_assert_cmpuint (keep[3], ==, 300);
  g_assert_cmpuint (keep[4], ==, 399);

  /* Every dropped point is within tolerance of the simplified line. */
  for (guint i = 0; i < 400; i++)
    x[i] = i, y[i] = 10 * sin (i / 9.0);
  k = ttsh_gps_simplify (x, y, 400, 0.7, NULL, keep);
  g_assert_cmpuint (k, <, 400);
  g_assert_cmpuint (k, >, 10);
  for (guint s = 0; s + 1 < k; s++)
    for (guint i = keep[s] + 1; i < keep[s + 1]; i++)
      {
        guint a = keep[s], b = keep[s + 1];
        double t = (x[i] - x[a]) / (x[b] - x[a]);
        g_assert_cmpfloat (fabs (y[i] - (y[a] + (y[b] - y[a]) * t)), <=, 0.7 * 1.5);
      }

  k = ttsh_gps_simplify (x, y, 1, 0.7, NULL, keep);
  g_assert_cmpuint (k, ==, 1);
}

static const char *events_1 =
  "[{\"ThoiGian\":\"2026-11-23T09:00:20+07:00\",\"MaLoi\":\"DT05\",\"MoTa\":\"Không bật đèn xi nhan khi chuyển hướng\",\"DiemTru\":5}]";
static const char *events_2 =
  "[{\"ThoiGian\":\"2026-11-23T09:00:20+07:00\",\"MaLoi\":\"DT05\",\"MoTa\":\"Không bật đèn xi nhan khi chuyển hướng\",\"DiemTru\":5},"
  " {\"ThoiGian\":\"2026-11-23T09:01:00+07:00\",\"MaLoi\":\"DT11\",\"MoTa\":\"Vượt quá tốc độ quy định\",\"DiemTru\":10},"
  " {\"ThoiGian\":\"không phải thời gian\",\"MaLoi\":\"DT99\",\"MoTa\":\"Sự kiện thiếu thời gian\",\"DiemTru\":1}]";

static gint64
start_ms (void)
{
  gint64 ms = 0;
  g_assert_true (ttsh_time_parse ("2026-11-23T09:00:00+07:00", &ms));
  return ms;
}

static void
test_track (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshGpsTrack) track = NULL;
  gint64 cand = ttsh_fixture_candidate (f->store, f->session, "DT001", "Nguyễn Văn An");
  gint64 p1, p2;
  double along;
  TtshGpsEvent *ev;
  double lat, lon, speed;

  /* Attempt 1 without GPS, attempt 2 driven: attempt 0 picks 2. */
  ttsh_fixture_process (f->store, cand, 1, 1, "BAT_DAU", 100, "[]");
  p1 = ttsh_fixture_process (f->store, cand, 2, 1, "BAT_DAU", 100, events_1);
  along = ttsh_fixture_drive (f->store, p1, cand, 2, start_ms (), 40, 0);
  p2 = ttsh_fixture_process (f->store, cand, 2, 2, "KET_THUC", 84, events_2);
  ttsh_fixture_drive (f->store, p2, cand, 2, start_ms () + 40000, 60, along);

  track = ttsh_query_gps_track (f->store, cand, 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (track);
  g_assert_cmpint (track->attempt, ==, 2);
  g_assert_cmpstr (track->candidate_no, ==, "DT001");
  g_assert_cmpstr (track->full_name, ==, "Nguyễn Văn An");
  g_assert_cmpstr (track->session_code, ==, "KSH-2026-11-23");
  g_assert_cmpuint (track->points->len, ==, 100);
  g_assert_true (track->finished);
  g_assert_true (track->has_score);
  g_assert_cmpfloat (track->score, ==, 84);
  g_assert_cmpstr (track->result, ==, "DAT");
  g_assert_cmpint (track->start_at, ==, start_ms ());
  g_assert_cmpint (track->end_at, ==, start_ms () + 99000);
  g_assert_cmpuint (track->quality.n_jumps, ==, 0);
  g_assert_cmpuint (track->quality.n_gaps, ==, 0);

  /* The event repeated in the second record is counted once; the one
   * with an unreadable time is kept but not placed. */
  g_assert_cmpuint (track->events->len, ==, 3);
  ev = g_ptr_array_index (track->events, 0);
  g_assert_cmpstr (ev->code, ==, "DT99");
  g_assert_false (ev->located);
  ev = g_ptr_array_index (track->events, 1);
  g_assert_cmpstr (ev->code, ==, "DT05");
  g_assert_cmpfloat (ev->deduction, ==, 5);
  g_assert_true (ev->located);
  g_assert_cmpfloat (ev->lat, ==, g_array_index (track->points, TtshGpsPoint, 20).lat);
  ev = g_ptr_array_index (track->events, 2);
  g_assert_cmpstr (ev->description, ==, "Vượt quá tốc độ quy định");
  g_assert_true (ev->located);

  /* Halfway between two points. */
  g_assert_true (ttsh_gps_track_position (track, start_ms () + 10500, &lat, &lon, &speed));
  g_assert_cmpfloat_with_epsilon (lat, (g_array_index (track->points, TtshGpsPoint, 10).lat +
                                        g_array_index (track->points, TtshGpsPoint, 11).lat) / 2, 1e-9);
  g_assert_false (ttsh_gps_track_position (track, start_ms () - 1, &lat, &lon, &speed));
  g_assert_false (ttsh_gps_track_position (track, start_ms () + 100000, &lat, &lon, &speed));

  /* Attempt 1 exists but has no track. */
  g_clear_pointer (&track, ttsh_gps_track_free);
  track = ttsh_query_gps_track (f->store, cand, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (track->points->len, ==, 0);
  g_assert_false (track->finished);
}

static void
test_missing_candidate (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  TtshGpsTrack *track = ttsh_query_gps_track (f->store, 4242, 1, &error);

  g_assert_null (track);
  g_assert_error (error, TTSH_STORE_ERROR, TTSH_STORE_ERROR_NOT_FOUND);
}

static void
test_live_and_finished (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshGpsLive) live = NULL;
  g_autoptr(GPtrArray) finished = NULL;
  gint64 a = ttsh_fixture_candidate (f->store, f->session, "DT001", "Nguyễn Văn An");
  gint64 b = ttsh_fixture_candidate (f->store, f->session, "DT002", "Trần Thị Bình");
  gint64 c = ttsh_fixture_candidate (f->store, f->session, "DT003", "Lê Hoàng Cường");
  gint64 pa, pb, pc, since;
  TtshGpsTrack *t;
  TtshGpsFinished *fin;

  pa = ttsh_fixture_process (f->store, a, 1, 1, "BAT_DAU", 100, "[]");
  ttsh_fixture_drive (f->store, pa, a, 1, start_ms (), 30, 0);
  pb = ttsh_fixture_process (f->store, b, 1, 1, "DANG_THI", 95, events_1);
  ttsh_fixture_drive (f->store, pb, b, 1, start_ms (), 20, 500);
  pc = ttsh_fixture_process (f->store, c, 1, 1, "BAT_DAU", 100, "[]");
  ttsh_fixture_drive (f->store, pc, c, 1, start_ms (), 10, 900);
  ttsh_fixture_process (f->store, c, 1, 2, "KET_THUC", 70, "[]");

  live = ttsh_query_gps_live (f->store, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (live->tracks->len, ==, 2);
  t = g_ptr_array_index (live->tracks, 0);
  g_assert_cmpint (t->candidate_id, ==, a);
  g_assert_cmpuint (t->points->len, ==, 30);
  g_assert_false (t->finished);
  t = g_ptr_array_index (live->tracks, 1);
  g_assert_cmpint (t->candidate_id, ==, b);
  g_assert_cmpuint (t->points->len, ==, 20);
  g_assert_cmpuint (t->events->len, ==, 1);
  g_assert_cmpfloat (t->score, ==, 95);
  since = live->max_point_id;
  g_assert_cmpint (since, ==, 50);

  /* Only what arrived since the cursor. */
  ttsh_fixture_drive (f->store, pa, a, 1, start_ms () + 30000, 2, 250);
  g_clear_pointer (&live, ttsh_gps_live_free);
  live = ttsh_query_gps_live (f->store, since, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (live->tracks->len, ==, 2);
  g_assert_cmpuint (((TtshGpsTrack *) g_ptr_array_index (live->tracks, 0))->points->len, ==, 2);
  g_assert_cmpuint (((TtshGpsTrack *) g_ptr_array_index (live->tracks, 1))->points->len, ==, 0);
  g_assert_cmpint (live->max_point_id, >, since);

  /* b's result ends its test; a cancelled attempt leaves the map too. */
  ttsh_fixture_exec (f->store,
      "INSERT INTO result (candidate_id, content, attempt, start_time, end_time, score, result,"
      " client_id, source_code, received_at) VALUES (2, 'DUONG_TRUONG', 1, 'x', 'y', 65, 'KHONG_DAT', 1, 'R-2', 0)");
  ttsh_fixture_exec (f->store,
      "INSERT INTO cancellation (candidate_id, content, attempt, reason_code, reason_text, by_name,"
      " by_position, cancel_time, created_at) VALUES (1, 'DUONG_TRUONG', 1, 'X', 'Thiết bị GPS hỏng giữa bài',"
      " 'Phạm Văn Dũng', 'Chủ tịch hội đồng', 'now', 0)");
  g_clear_pointer (&live, ttsh_gps_live_free);
  live = ttsh_query_gps_live (f->store, since, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (live->tracks->len, ==, 0);

  finished = ttsh_query_gps_finished (f->store, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (finished->len, ==, 2);
  /* Newest first: b drove until 09:00:19, c until 09:00:09. */
  fin = g_ptr_array_index (finished, 0);
  g_assert_cmpint (fin->candidate_id, ==, b);
  g_assert_cmpfloat (fin->score, ==, 65);
  g_assert_cmpstr (fin->result, ==, "KHONG_DAT");
  g_assert_cmpuint (fin->n_points, ==, 20);
  fin = g_ptr_array_index (finished, 1);
  g_assert_cmpint (fin->candidate_id, ==, c);
  g_assert_cmpfloat (fin->score, ==, 70);
  g_assert_cmpstr (fin->result, ==, "KHONG_DAT");
  g_assert_cmpint (fin->end_at - fin->start_at, ==, 9000);

  g_clear_pointer (&finished, g_ptr_array_unref);
  finished = ttsh_query_gps_finished (f->store, 1, &error);
  g_assert_cmpuint (finished->len, ==, 1);

  /* A closed session's unfinished test is no longer live. */
  ttsh_fixture_exec (f->store, "DELETE FROM result; DELETE FROM cancellation");
  ttsh_fixture_exec (f->store, "UPDATE exam_session SET state = 'CLOSED'");
  g_clear_pointer (&live, ttsh_gps_live_free);
  live = ttsh_query_gps_live (f->store, 0, &error);
  g_assert_cmpuint (live->tracks->len, ==, 0);
}

static void
test_route (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshGpsTrack) track = NULL;
  TtshGpsPoint route[TTSH_FIXTURE_LOOP_LEN + 1];
  TtshGpsPoint bad = { .lat = 95, .lon = 105 };
  gint64 cand = ttsh_fixture_candidate (f->store, f->session, "DT001", "Nguyễn Văn An");
  gint64 n = 0;

  for (guint i = 0; i <= TTSH_FIXTURE_LOOP_LEN; i++)
    route[i] = (TtshGpsPoint) { .lat = ttsh_fixture_loop[i % TTSH_FIXTURE_LOOP_LEN][0],
                                .lon = ttsh_fixture_loop[i % TTSH_FIXTURE_LOOP_LEN][1] };

  /* The centre's default route applies until the session has its own. */
  g_assert_true (ttsh_gps_route_set (f->store, "tester", "", "Tuyến mặc định", route, 3, &error));
  g_assert_no_error (error);
  track = ttsh_query_gps_track (f->store, cand, 1, &error);
  g_assert_cmpuint (track->route->len, ==, 3);
  g_clear_pointer (&track, ttsh_gps_track_free);

  g_assert_true (ttsh_gps_route_set (f->store, "tester", "KSH-2026-11-23", "Tuyến số 1 \"Mỹ Đình\"",
                                     route, G_N_ELEMENTS (route), &error));
  g_assert_no_error (error);
  track = ttsh_query_gps_track (f->store, cand, 1, &error);
  g_assert_cmpuint (track->route->len, ==, G_N_ELEMENTS (route));
  g_assert_cmpfloat (g_array_index (track->route, TtshGpsPoint, 1).lon, ==, ttsh_fixture_loop[1][1]);

  g_assert_false (ttsh_gps_route_set (f->store, "tester", "KSH-2026-11-23", "Hỏng", &bad, 1, &error));
  g_assert_error (error, TTSH_STORE_ERROR, TTSH_STORE_ERROR_CONSTRAINT);
  g_clear_pointer (&track, ttsh_gps_track_free);
  track = ttsh_query_gps_track (f->store, cand, 1, NULL);
  g_assert_cmpuint (track->route->len, ==, G_N_ELEMENTS (route));

  /* Each change is journaled and the chain still verifies. */
  g_clear_error (&error);
  g_assert_true (ttsh_journal_verify (f->store, &n, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 2);
}

/* The candidate detail counts the road test's GPS quality like the map:
 * a silence in the track is a gap there too; no track, no count. */
static void
test_candidate_quality (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtshGpsTrack) track = NULL;
  g_autoptr(TtshCandidateDetail) d = NULL;
  g_autoptr(TtshCandidateDetail) none = NULL;
  gint64 cand = ttsh_fixture_candidate (f->store, f->session, "DT002", "Trần Thị Bình");
  gint64 other = ttsh_fixture_candidate (f->store, f->session, "DT003", "Lê Văn Cường");
  gint64 p1;
  double along;

  p1 = ttsh_fixture_process (f->store, cand, 1, 1, "BAT_DAU", 100, "[]");
  along = ttsh_fixture_drive (f->store, p1, cand, 1, start_ms (), 30, 0);
  ttsh_fixture_drive (f->store, p1, cand, 1, start_ms () + 120000, 30, along);
  ttsh_fixture_process (f->store, other, 1, 1, "BAT_DAU", 100, "[]");

  track = ttsh_query_gps_track (f->store, cand, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (track->quality.n_gaps, ==, 1);
  d = ttsh_query_candidate (f->store, cand, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (d->gps_attempt, ==, 1);
  g_assert_cmpuint (d->gps_quality.n_points, ==, 60);
  g_assert_cmpuint (d->gps_quality.n_gaps, ==, track->quality.n_gaps);
  g_assert_cmpint (d->gps_quality.longest_gap_ms, ==, track->quality.longest_gap_ms);
  g_assert_cmpint (d->gps_quality.longest_gap_ms, >=, 90000);
  /* Read from the points alone, every count is the full track's. */
  g_assert_true (memcmp (&d->gps_quality, &track->quality, sizeof track->quality) == 0);

  none = ttsh_query_candidate (f->store, other, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (none->gps_attempt, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gps/quality/flags", test_quality_flags);
  g_test_add_func ("/gps/quality/relocation", test_quality_relocation);
  g_test_add_func ("/gps/quality/incremental", test_quality_incremental);
  g_test_add_func ("/gps/simplify", test_simplify);
  g_test_add ("/gps/track", Fixture, NULL, setup, test_track, teardown);
  g_test_add ("/gps/track/missing", Fixture, NULL, setup, test_missing_candidate, teardown);
  g_test_add ("/gps/candidate-quality", Fixture, NULL, setup, test_candidate_quality, teardown);
  g_test_add ("/gps/live-and-finished", Fixture, NULL, setup, test_live_and_finished, teardown);
  g_test_add ("/gps/route", Fixture, NULL, setup, test_route, teardown);
  return g_test_run ();
}
