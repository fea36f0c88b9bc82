/* test-gps-fixture.h — road-test rows for the map tests and benchmark:
 * a session, candidates, process records and GPS points written with the
 * store's own SQL, plus a plausible route around Mỹ Đình (Hà Nội). */
#pragma once

#include <math.h>
#include <glib.h>

#include "ttsh-store.h"
#include "ttsh-wire.h"

/* Corners of a loop of streets west of the Mỹ Đình stadium. */
static const double ttsh_fixture_loop[][2] = {
  { 21.02050, 105.76150 }, { 21.02050, 105.76900 }, { 21.02620, 105.76900 },
  { 21.02620, 105.77450 }, { 21.03260, 105.77450 }, { 21.03260, 105.76150 },
};
#define TTSH_FIXTURE_LOOP_LEN G_N_ELEMENTS (ttsh_fixture_loop)

/* Moves the loop (degrees) so several routes of a centre can be shown. */
static double ttsh_fixture_shift[2] G_GNUC_UNUSED;

static inline void
ttsh_fixture_exec (TtshStore  *store,
                   const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_assert_true (ttsh_store_exec (store, sql, &error));
  g_assert_no_error (error);
}

static inline gint64
ttsh_fixture_session (TtshStore  *store,
                      const char *code)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt = ttsh_store_prepare (store,
      "INSERT INTO exam_session (code, name, centre_code, start_time, end_time, received_at, updated_at)"
      " VALUES (?, 'Kỳ sát hạch lái xe ô tô', 'TTSH-HN-01', '2026-11-23T07:30:00+07:00',"
      " '2026-11-23T17:00:00+07:00', 0, 0)", &error);
  g_assert_no_error (error);
  sqlite3_bind_text (stmt, 1, code, -1, SQLITE_TRANSIENT);
  g_assert_true (ttsh_store_step_done (store, stmt, &error));
  g_assert_no_error (error);
  return sqlite3_last_insert_rowid (ttsh_store_db (store));
}

static inline gint64
ttsh_fixture_client (TtshStore *store)
{
  ttsh_fixture_exec (store,
      "INSERT OR IGNORE INTO api_client (id, name, role, pw_hash, created_at)"
      " VALUES (1, 'duong-truong', 'EXAM_DUONG_TRUONG', 'x', 0)");
  return 1;
}

static inline gint64
ttsh_fixture_candidate (TtshStore  *store,
                        gint64      session_id,
                        const char *number,
                        const char *name)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt = ttsh_store_prepare (store,
      "INSERT INTO candidate (session_id, reg_code, full_name, name_folded, cid_hash, cid_sealed,"
      " dob_sealed, gender, candidate_no, licence_class) VALUES (?, ?, ?, ?, ?, ?, ?, 'NAM', ?, 'B')",
      &error);
  g_autofree char *reg = g_strdup_printf ("DK-%s", number);
  g_autofree char *folded = g_utf8_strdown (name, -1);

  g_assert_no_error (error);
  sqlite3_bind_int64 (stmt, 1, session_id);
  sqlite3_bind_text (stmt, 2, reg, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, folded, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, reg, -1, SQLITE_TRANSIENT);
  ttsh_store_bind_sealed (store, stmt, 6, "001090000001", 12, "candidate.cid");
  ttsh_store_bind_sealed (store, stmt, 7, "1990-01-01", 10, "candidate.dob");
  sqlite3_bind_text (stmt, 8, number, -1, SQLITE_TRANSIENT);
  g_assert_true (ttsh_store_step_done (store, stmt, &error));
  g_assert_no_error (error);
  return sqlite3_last_insert_rowid (ttsh_store_db (store));
}

static inline gint64
ttsh_fixture_process (TtshStore  *store,
                      gint64      candidate_id,
                      int         attempt,
                      int         seq,
                      const char *state,
                      double      score,
                      const char *events_json)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt = ttsh_store_prepare (store,
      "INSERT INTO process_record (candidate_id, content, attempt, seq, state, start_time, score,"
      " result, events_json, client_id, source_code, received_at)"
      " VALUES (?, 'DUONG_TRUONG', ?, ?, ?, '2026-11-23T09:00:00+07:00', ?, ?, ?, 1, ?, 0)", &error);
  g_autofree char *code = g_strdup_printf ("P-%" G_GINT64_FORMAT "-%d-%d", candidate_id, attempt, seq);

  g_assert_no_error (error);
  ttsh_fixture_client (store);
  sqlite3_bind_int64 (stmt, 1, candidate_id);
  sqlite3_bind_int (stmt, 2, attempt);
  sqlite3_bind_int (stmt, 3, seq);
  sqlite3_bind_text (stmt, 4, state, -1, SQLITE_TRANSIENT);
  sqlite3_bind_double (stmt, 5, score);
  if (g_str_equal (state, "KET_THUC"))
    sqlite3_bind_text (stmt, 6, score >= 80 ? "DAT" : "KHONG_DAT", -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, events_json ? events_json : "[]", -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 8, code, -1, SQLITE_TRANSIENT);
  g_assert_true (ttsh_store_step_done (store, stmt, &error));
  g_assert_no_error (error);
  return sqlite3_last_insert_rowid (ttsh_store_db (store));
}

static inline void
ttsh_fixture_point (TtshStore *store,
                    gint64     process_id,
                    gint64     candidate_id,
                    int        attempt,
                    gint64     at,
                    double     lat,
                    double     lon,
                    double     speed,
                    double     heading,
                    double     accuracy)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *time = ttsh_time_format_ms (at);
  sqlite3_stmt *stmt = ttsh_store_prepare (store,
      "INSERT INTO gps_point (process_id, candidate_id, attempt, point_time, at, lat, lon, speed,"
      " heading, accuracy) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &error);

  g_assert_no_error (error);
  sqlite3_bind_int64 (stmt, 1, process_id);
  sqlite3_bind_int64 (stmt, 2, candidate_id);
  sqlite3_bind_int (stmt, 3, attempt);
  sqlite3_bind_text (stmt, 4, time, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 5, at);
  sqlite3_bind_double (stmt, 6, lat);
  sqlite3_bind_double (stmt, 7, lon);
  if (!isnan (speed))
    sqlite3_bind_double (stmt, 8, speed);
  if (!isnan (heading))
    sqlite3_bind_double (stmt, 9, heading);
  if (!isnan (accuracy))
    sqlite3_bind_double (stmt, 10, accuracy);
  g_assert_true (ttsh_store_step_done (store, stmt, &error));
  g_assert_no_error (error);
}

/* Position after @metres along the loop, with the heading there. */
static inline void
ttsh_fixture_along (double  metres,
                    double *lat,
                    double *lon,
                    double *heading)
{
  const double m_per_deg_lat = 110574.0;
  const double m_per_deg_lon = 111320.0 * cos (21.026 * G_PI / 180.0);
  double total = 0;
  double seg[TTSH_FIXTURE_LOOP_LEN];

  for (guint i = 0; i < TTSH_FIXTURE_LOOP_LEN; i++)
    {
      const double *a = ttsh_fixture_loop[i], *b = ttsh_fixture_loop[(i + 1) % TTSH_FIXTURE_LOOP_LEN];
      seg[i] = hypot ((b[0] - a[0]) * m_per_deg_lat, (b[1] - a[1]) * m_per_deg_lon);
      total += seg[i];
    }
  metres = fmod (metres, total);
  for (guint i = 0; i < TTSH_FIXTURE_LOOP_LEN; i++)
    {
      const double *a = ttsh_fixture_loop[i], *b = ttsh_fixture_loop[(i + 1) % TTSH_FIXTURE_LOOP_LEN];
      if (metres <= seg[i] || i == TTSH_FIXTURE_LOOP_LEN - 1)
        {
          double t = seg[i] > 0 ? MIN (metres / seg[i], 1.0) : 0;
          double dy = (b[0] - a[0]) * m_per_deg_lat, dx = (b[1] - a[1]) * m_per_deg_lon;
          *lat = a[0] + (b[0] - a[0]) * t + ttsh_fixture_shift[0];
          *lon = a[1] + (b[1] - a[1]) * t + ttsh_fixture_shift[1];
          if (heading)
            *heading = fmod (atan2 (dx, dy) * 180.0 / G_PI + 360.0, 360.0);
          return;
        }
      metres -= seg[i];
    }
}

/* A road test of @n_points at 1 Hz starting at @start_ms, @offset_m along
 * the loop, with a gentle speed profile between 20 and 40 km/h. Returns
 * where it stopped along the loop, to continue from there. */
static inline double
ttsh_fixture_drive (TtshStore *store,
                    gint64     process_id,
                    gint64     candidate_id,
                    int        attempt,
                    gint64     start_ms,
                    guint      n_points,
                    double     offset_m)
{
  double along = offset_m;

  for (guint i = 0; i < n_points; i++)
    {
      double speed = 30.0 + 10.0 * sin (i / 20.0);
      double lat, lon, heading;

      ttsh_fixture_along (along, &lat, &lon, &heading);
      ttsh_fixture_point (store, process_id, candidate_id, attempt, start_ms + i * 1000,
                          lat, lon, speed, heading, 4.0);
      along += speed / 3.6;
    }
  return along;
}
