/* ttsh-query-gps.c — road-test tracks, live positions and GPS quality.
 *
 * Runs on the engine thread. Quality analysis and track simplification are
 * pure functions so the map and the unit tests share them; neither changes
 * what is stored. */
#define G_LOG_DOMAIN "ttsh-query-gps"
#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "ttsh-journal.h"
#include "ttsh-query-gps.h"
#include "ttsh-wire.h"

#define ROAD TTSH_CONTENT_DUONG_TRUONG

/* Consecutive points that agree with each other after a jump: the vehicle
 * really is there (e.g. the receiver re-acquired after a tunnel). */
#define RELOCATE_RUN 3

void
ttsh_gps_quality_params_default (TtshGpsQualityParams *params)
{
  params->gap_ms = 5000;          /* 1 Hz stream: five missing points */
  params->max_speed_kmh = 180.0;  /* no test vehicle gets near this in town */
  params->max_accuracy_m = 25.0;  /* wider than a lane change: unreliable */
}

double
ttsh_gps_distance_m (double lat1, double lon1,
                     double lat2, double lon2)
{
  const double r = 6371008.8;
  double p1 = lat1 * G_PI / 180.0, p2 = lat2 * G_PI / 180.0;
  double dp = p2 - p1, dl = (lon2 - lon1) * G_PI / 180.0;
  double a = sin (dp / 2) * sin (dp / 2) + cos (p1) * cos (p2) * sin (dl / 2) * sin (dl / 2);

  return 2 * r * atan2 (sqrt (a), sqrt (1 - a));
}

static double
slack_m (const TtshGpsPoint *a,
         const TtshGpsPoint *b)
{
  double s = 0;

  s += isnan (a->accuracy) ? 10.0 : a->accuracy;
  s += isnan (b->accuracy) ? 10.0 : b->accuracy;
  return s;
}

static gboolean
plausible (const TtshGpsPoint         *from,
           const TtshGpsPoint         *to,
           const TtshGpsQualityParams *params)
{
  double d = ttsh_gps_distance_m (from->lat, from->lon, to->lat, to->lon);
  double dt = (to->at - from->at) / 1000.0;

  /* Within the receivers' own uncertainty nothing can be called a jump. */
  if (d <= slack_m (from, to))
    return TRUE;
  if (dt <= 0)
    return FALSE;
  return (d - slack_m (from, to)) / dt * 3.6 <= params->max_speed_kmh;
}

void
ttsh_gps_analyse (TtshGpsPoint               *points,
                  guint                       n,
                  guint                       from,
                  const TtshGpsQualityParams *params,
                  TtshGpsQuality             *q)
{
  TtshGpsQualityParams defaults;

  if (params == NULL)
    {
      ttsh_gps_quality_params_default (&defaults);
      params = &defaults;
    }
  if (from == 0)
    memset (q, 0, sizeof *q);

  for (guint i = from; i < n; i++)
    {
      TtshGpsPoint *p = &points[i];

      p->flags = 0;
      q->n_points++;
      if (!isnan (p->accuracy) && p->accuracy > params->max_accuracy_m)
        {
          p->flags |= TTSH_GPS_POOR_ACCURACY;
          q->n_poor++;
        }
      if (!isnan (p->speed) && p->speed > q->max_speed_kmh)
        q->max_speed_kmh = p->speed;
      if (i == 0)
        {
          q->last_good = 0;
          continue;
        }

      gint64 dt = p->at - points[i - 1].at;
      if (dt > params->gap_ms)
        {
          p->flags |= TTSH_GPS_GAP;
          q->n_gaps++;
          q->longest_gap_ms = MAX (q->longest_gap_ms, dt);
        }

      TtshGpsPoint *good = &points[q->last_good];
      if (plausible (good, p, params))
        {
          q->distance_m += ttsh_gps_distance_m (good->lat, good->lon, p->lat, p->lon);
          q->last_good = i;
          continue;
        }

      p->flags |= TTSH_GPS_JUMP;
      q->n_jumps++;

      /* A run of jumped points that agree among themselves means the
       * vehicle is really there: keep only the first of the run as the
       * jump, so one relocation does not condemn the rest of the test. */
      guint run = 1;
      while (run < RELOCATE_RUN && i >= run &&
             (points[i - run].flags & TTSH_GPS_JUMP) &&
             (int) (i - run) > q->last_good &&
             plausible (&points[i - run], &points[i - run + 1], params))
        run++;
      if (run == RELOCATE_RUN)
        {
          for (guint k = i - RELOCATE_RUN + 2; k <= i; k++)
            {
              points[k].flags &= ~TTSH_GPS_JUMP;
              q->n_jumps--;
              q->distance_m += ttsh_gps_distance_m (points[k - 1].lat, points[k - 1].lon,
                                                    points[k].lat, points[k].lon);
            }
          q->last_good = i;
        }
    }
}

static double
segment_distance (double px, double py,
                  double ax, double ay,
                  double bx, double by)
{
  double dx = bx - ax, dy = by - ay;
  double len2 = dx * dx + dy * dy;
  double t;

  if (len2 <= 0)
    return hypot (px - ax, py - ay);
  t = ((px - ax) * dx + (py - ay) * dy) / len2;
  t = CLAMP (t, 0.0, 1.0);
  return hypot (px - (ax + t * dx), py - (ay + t * dy));
}

guint
ttsh_gps_simplify (const double *x,
                   const double *y,
                   guint         n,
                   double        tolerance,
                   const guint8 *pinned,
                   guint        *keep)
{
  g_autofree guint8 *kept = NULL;
  g_autoptr(GArray) stack = NULL;
  guint count = 0, prev = 0;

  if (n <= 2)
    {
      for (guint i = 0; i < n; i++)
        keep[i] = i;
      return n;
    }

  kept = g_new0 (guint8, n);
  stack = g_array_new (FALSE, FALSE, sizeof (guint));
  kept[0] = kept[n - 1] = 1;

  /* Pinned points split the track first, so they bound every segment. */
  for (guint i = 1; i < n; i++)
    {
      if (i < n - 1 && !(pinned != NULL && pinned[i]))
        continue;
      kept[i] = 1;
      g_array_append_val (stack, prev);
      g_array_append_val (stack, i);
      prev = i;
    }

  while (stack->len > 0)
    {
      guint b = g_array_index (stack, guint, stack->len - 1);
      guint a = g_array_index (stack, guint, stack->len - 2);
      double worst = -1;
      guint at = 0;

      g_array_set_size (stack, stack->len - 2);
      if (b <= a + 1)
        continue;
      for (guint i = a + 1; i < b; i++)
        {
          double d = segment_distance (x[i], y[i], x[a], y[a], x[b], y[b]);
          if (d > worst)
            {
              worst = d;
              at = i;
            }
        }
      if (worst > tolerance)
        {
          kept[at] = 1;
          g_array_append_val (stack, a);
          g_array_append_val (stack, at);
          g_array_append_val (stack, at);
          g_array_append_val (stack, b);
        }
    }

  for (guint i = 0; i < n; i++)
    if (kept[i])
      keep[count++] = i;
  return count;
}

/* Index of the last point at or before @at, or -1. */
static int
point_before (GArray *points,
              gint64  at)
{
  int lo = 0, hi = (int) points->len - 1, found = -1;

  while (lo <= hi)
    {
      int mid = lo + (hi - lo) / 2;
      if (g_array_index (points, TtshGpsPoint, mid).at <= at)
        {
          found = mid;
          lo = mid + 1;
        }
      else
        hi = mid - 1;
    }
  return found;
}

gboolean
ttsh_gps_track_position (const TtshGpsTrack *track,
                         gint64              at,
                         double             *lat,
                         double             *lon,
                         double             *speed)
{
  GArray *points = track->points;
  const TtshGpsPoint *a, *b;
  double t;
  int i;

  if (points->len == 0)
    return FALSE;
  i = point_before (points, at);
  if (i < 0 || (i == (int) points->len - 1 && g_array_index (points, TtshGpsPoint, i).at < at))
    return FALSE;
  a = &g_array_index (points, TtshGpsPoint, i);
  if (i == (int) points->len - 1 || a->at == at)
    {
      *lat = a->lat;
      *lon = a->lon;
      if (speed)
        *speed = a->speed;
      return TRUE;
    }
  b = &g_array_index (points, TtshGpsPoint, i + 1);
  t = (double) (at - a->at) / (double) (b->at - a->at);
  *lat = a->lat + (b->lat - a->lat) * t;
  *lon = a->lon + (b->lon - a->lon) * t;
  if (speed)
    *speed = isnan (a->speed) || isnan (b->speed) ? a->speed : a->speed + (b->speed - a->speed) * t;
  return TRUE;
}

void
ttsh_gps_event_free (TtshGpsEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->time);
  g_free (event->code);
  g_free (event->description);
  g_free (event);
}

void
ttsh_gps_track_free (TtshGpsTrack *track)
{
  if (track == NULL)
    return;
  g_free (track->candidate_no);
  g_free (track->full_name);
  g_free (track->licence_class);
  g_free (track->session_code);
  g_free (track->result);
  g_clear_pointer (&track->points, g_array_unref);
  g_clear_pointer (&track->events, g_ptr_array_unref);
  g_clear_pointer (&track->route, g_array_unref);
  g_free (track);
}

void
ttsh_gps_live_free (TtshGpsLive *live)
{
  if (live == NULL)
    return;
  g_clear_pointer (&live->tracks, g_ptr_array_unref);
  g_free (live);
}

void
ttsh_gps_finished_free (TtshGpsFinished *finished)
{
  if (finished == NULL)
    return;
  g_free (finished->candidate_no);
  g_free (finished->full_name);
  g_free (finished->session_code);
  g_free (finished->result);
  g_free (finished);
}

static double
column_double_or_nan (sqlite3_stmt *stmt,
                      int           col)
{
  return sqlite3_column_type (stmt, col) == SQLITE_NULL ? NAN : sqlite3_column_double (stmt, col);
}

static char *
column_strdup (sqlite3_stmt *stmt,
               int           col)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, col));
}

static TtshGpsTrack *
track_new (void)
{
  TtshGpsTrack *track = g_new0 (TtshGpsTrack, 1);

  track->points = g_array_new (FALSE, FALSE, sizeof (TtshGpsPoint));
  track->events = g_ptr_array_new_with_free_func ((GDestroyNotify) ttsh_gps_event_free);
  track->route = g_array_new (FALSE, FALSE, sizeof (TtshGpsPoint));
  return track;
}

static gboolean
load_candidate (TtshStore     *store,
                TtshGpsTrack  *track,
                GError       **error)
{
  sqlite3_stmt *stmt = ttsh_store_prepare (store,
      "SELECT c.candidate_no, c.full_name, c.licence_class, s.code"
      "  FROM candidate c JOIN exam_session s ON s.id = c.session_id WHERE c.id = ?", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, track->candidate_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      track->candidate_no = column_strdup (stmt, 0);
      track->full_name = column_strdup (stmt, 1);
      track->licence_class = column_strdup (stmt, 2);
      track->session_code = column_strdup (stmt, 3);
    }
  sqlite3_reset (stmt);
  if (rc == SQLITE_ROW)
    return TRUE;
  if (rc == SQLITE_DONE)
    g_set_error (error, TTSH_STORE_ERROR, TTSH_STORE_ERROR_NOT_FOUND,
                 _("candidate %lld does not exist"), (long long) track->candidate_id);
  else
    ttsh_store_set_error (store, rc, error);
  return FALSE;
}

static gboolean
load_points (TtshStore     *store,
             TtshGpsTrack  *track,
             gint64         since,
             GError       **error)
{
  sqlite3_stmt *stmt = ttsh_store_prepare (store,
      "SELECT id, at, lat, lon, speed, heading, accuracy FROM gps_point"
      " WHERE candidate_id = ? AND attempt = ? AND id > ? ORDER BY at, id", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, track->candidate_id);
  sqlite3_bind_int (stmt, 2, track->attempt);
  sqlite3_bind_int64 (stmt, 3, since);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TtshGpsPoint p = {
        .id = sqlite3_column_int64 (stmt, 0),
        .at = sqlite3_column_int64 (stmt, 1),
        .lat = sqlite3_column_double (stmt, 2),
        .lon = sqlite3_column_double (stmt, 3),
        .speed = column_double_or_nan (stmt, 4),
        .heading = column_double_or_nan (stmt, 5),
        .accuracy = column_double_or_nan (stmt, 6),
      };
      g_array_append_val (track->points, p);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return ttsh_store_set_error (store, rc, error);
  if (track->points->len > 0)
    {
      track->start_at = g_array_index (track->points, TtshGpsPoint, 0).at;
      track->end_at = g_array_index (track->points, TtshGpsPoint, track->points->len - 1).at;
    }
  return TRUE;
}

static int
event_compare (gconstpointer a,
               gconstpointer b)
{
  const TtshGpsEvent *ea = *(TtshGpsEvent **) a, *eb = *(TtshGpsEvent **) b;

  return (ea->at > eb->at) - (ea->at < eb->at);
}

static const char *
member_string (JsonObject *o,
               const char *name)
{
  JsonNode *n = json_object_get_member (o, name);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

/* Process records carry SuKien as the exam software sent them: a record may
 * repeat earlier events, so they are merged on time, code and text. */
static void
add_events (TtshGpsTrack *track,
            GHashTable   *seen,
            const char   *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *array;

  if (json == NULL || !json_parser_load_from_data (parser, json, -1, NULL))
    return;
  if (!JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)))
    return;
  array = json_node_get_array (json_parser_get_root (parser));
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonObject *o;
      TtshGpsEvent *ev;
      JsonNode *ded;
      char *key;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      o = json_node_get_object (node);
      ev = g_new0 (TtshGpsEvent, 1);
      ev->time = g_strdup (member_string (o, TTSH_W_THOI_GIAN));
      ev->code = g_strdup (member_string (o, TTSH_W_MA_LOI));
      ev->description = g_strdup (member_string (o, TTSH_W_MO_TA));
      ded = json_object_get_member (o, TTSH_W_DIEM_TRU);
      if (ded != NULL && JSON_NODE_HOLDS_VALUE (ded))
        ev->deduction = json_node_get_double (ded);
      if (ev->time == NULL || !ttsh_time_parse (ev->time, &ev->at))
        ev->at = 0;
      key = g_strdup_printf ("%s\x1f%s\x1f%s", ev->time ? ev->time : "",
                             ev->code ? ev->code : "", ev->description ? ev->description : "");
      if (!g_hash_table_add (seen, key))
        {
          ttsh_gps_event_free (ev);
          continue;
        }
      g_ptr_array_add (track->events, ev);
    }
}

static gboolean
load_process (TtshStore     *store,
              TtshGpsTrack  *track,
              GError       **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sqlite3_stmt *stmt = ttsh_store_prepare (store,
      "SELECT events_json, state, score, result FROM process_record"
      " WHERE candidate_id = ? AND content = '" ROAD "' AND attempt = ? ORDER BY seq", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, track->candidate_id);
  sqlite3_bind_int (stmt, 2, track->attempt);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      add_events (track, seen, (const char *) sqlite3_column_text (stmt, 0));
      if (g_strcmp0 ((const char *) sqlite3_column_text (stmt, 1), "KET_THUC") == 0)
        track->finished = TRUE;
      if (sqlite3_column_type (stmt, 2) != SQLITE_NULL)
        {
          track->has_score = TRUE;
          track->score = sqlite3_column_double (stmt, 2);
        }
      if (sqlite3_column_type (stmt, 3) != SQLITE_NULL)
        {
          g_free (track->result);
          track->result = column_strdup (stmt, 3);
        }
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return ttsh_store_set_error (store, rc, error);

  /* The result upload is authoritative over the process stream. */
  stmt = ttsh_store_prepare (store,
      "SELECT score, result FROM result WHERE candidate_id = ? AND content = '" ROAD "' AND attempt = ?",
      error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, track->candidate_id);
  sqlite3_bind_int (stmt, 2, track->attempt);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      track->finished = TRUE;
      track->has_score = TRUE;
      track->score = sqlite3_column_double (stmt, 0);
      g_free (track->result);
      track->result = column_strdup (stmt, 1);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return ttsh_store_set_error (store, rc, error);

  g_ptr_array_sort (track->events, event_compare);
  return TRUE;
}

static void
locate_events (TtshGpsTrack *track)
{
  for (guint i = 0; i < track->events->len; i++)
    {
      TtshGpsEvent *ev = g_ptr_array_index (track->events, i);
      ev->located = ev->at != 0 && ttsh_gps_track_position (track, ev->at, &ev->lat, &ev->lon, NULL);
    }
}

static gboolean
load_route (TtshStore     *store,
            TtshGpsTrack  *track,
            GError       **error)
{
  sqlite3_stmt *stmt = ttsh_store_prepare (store,
      "SELECT points_json FROM gps_route WHERE session_code IN (?, '')"
      " ORDER BY session_code = '' LIMIT 1", error);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *json = NULL;
  JsonArray *array;
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, track->session_code ? track->session_code : "", -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    json = column_strdup (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return ttsh_store_set_error (store, rc, error);
  if (json == NULL || !json_parser_load_from_data (parser, json, -1, NULL) ||
      !JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)))
    return TRUE;
  array = json_node_get_array (json_parser_get_root (parser));
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonArray *pair = json_array_get_array_element (array, i);
      TtshGpsPoint p = { .speed = NAN, .heading = NAN, .accuracy = NAN };

      if (pair == NULL || json_array_get_length (pair) != 2)
        continue;
      p.lat = json_array_get_double_element (pair, 0);
      p.lon = json_array_get_double_element (pair, 1);
      g_array_append_val (track->route, p);
    }
  return TRUE;
}

static gboolean
latest_attempt (TtshStore     *store,
                gint64         candidate_id,
                int           *attempt,
                GError       **error)
{
  sqlite3_stmt *stmt = ttsh_store_prepare (store,
      "SELECT MAX(a) FROM ("
      " SELECT MAX(attempt) AS a FROM process_record WHERE candidate_id = ?1 AND content = '" ROAD "'"
      " UNION ALL SELECT MAX(attempt) FROM gps_point WHERE candidate_id = ?1"
      " UNION ALL SELECT MAX(attempt) FROM result WHERE candidate_id = ?1 AND content = '" ROAD "')",
      error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, candidate_id);
  rc = sqlite3_step (stmt);
  *attempt = rc == SQLITE_ROW ? sqlite3_column_int (stmt, 0) : 0;
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    return ttsh_store_set_error (store, rc, error);
  return TRUE;
}

static TtshGpsTrack *
load_track (TtshStore     *store,
            gint64         candidate_id,
            int            attempt,
            gint64         since,
            GError       **error)
{
  g_autoptr(TtshGpsTrack) track = track_new ();

  track->candidate_id = candidate_id;
  track->attempt = attempt;
  if (!load_candidate (store, track, error) ||
      !load_points (store, track, since, error) ||
      !load_process (store, track, error) ||
      !load_route (store, track, error))
    return NULL;
  ttsh_gps_analyse ((TtshGpsPoint *) (void *) track->points->data, track->points->len, 0, NULL, &track->quality);
  locate_events (track);
  return g_steal_pointer (&track);
}

TtshGpsTrack *
ttsh_query_gps_track (TtshStore      *store,
                      gint64          candidate_id,
                      int             attempt,
                      GError        **error)
{
  if (attempt <= 0 && !latest_attempt (store, candidate_id, &attempt, error))
    return NULL;
  return load_track (store, candidate_id, MAX (attempt, 1), 0, error);
}

gboolean
ttsh_query_gps_quality (TtshStore       *store,
                        gint64           candidate_id,
                        int             *attempt,
                        TtshGpsQuality  *quality,
                        GError         **error)
{
  g_autoptr(TtshGpsTrack) track = track_new ();

  *attempt = 0;
  memset (quality, 0, sizeof *quality);
  track->candidate_id = candidate_id;
  if (!latest_attempt (store, candidate_id, &track->attempt, error))
    return FALSE;
  track->attempt = MAX (track->attempt, 1);
  /* The points only: no route, events or identity to read and parse. */
  if (!load_points (store, track, 0, error))
    return FALSE;
  if (track->points->len == 0)
    return TRUE;
  ttsh_gps_analyse ((TtshGpsPoint *) (void *) track->points->data, track->points->len, 0, NULL, quality);
  *attempt = track->attempt;
  return TRUE;
}

TtshGpsLive *
ttsh_query_gps_live (TtshStore      *store,
                     gint64          since,
                     GError        **error)
{
  g_autoptr(TtshGpsLive) live = g_new0 (TtshGpsLive, 1);
  g_autoptr(GArray) keys = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt;
  int rc;

  live->tracks = g_ptr_array_new_with_free_func ((GDestroyNotify) ttsh_gps_track_free);
  live->max_point_id = since;

  /* A road test is in progress from its first process record until its
   * closing record, result or cancellation, and only its latest attempt. */
  stmt = ttsh_store_prepare (store,
      "SELECT p.candidate_id, p.attempt FROM process_record p"
      "  JOIN candidate c ON c.id = p.candidate_id"
      "  JOIN exam_session s ON s.id = c.session_id AND s.state = 'OPEN'"
      " WHERE p.content = '" ROAD "'"
      "   AND p.attempt = (SELECT MAX(attempt) FROM process_record q"
      "                     WHERE q.candidate_id = p.candidate_id AND q.content = '" ROAD "')"
      "   AND NOT EXISTS (SELECT 1 FROM result r WHERE r.candidate_id = p.candidate_id"
      "                     AND r.content = '" ROAD "' AND r.attempt = p.attempt)"
      "   AND NOT EXISTS (SELECT 1 FROM cancellation x WHERE x.candidate_id = p.candidate_id"
      "                     AND x.content = '" ROAD "' AND x.attempt = p.attempt)"
      " GROUP BY p.candidate_id, p.attempt"
      " HAVING SUM(p.state = 'KET_THUC') = 0"
      " ORDER BY p.candidate_id", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 k[2] = { sqlite3_column_int64 (stmt, 0), sqlite3_column_int (stmt, 1) };
      g_array_append_vals (keys, k, 2);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      ttsh_store_set_error (store, rc, error);
      return NULL;
    }

  for (guint i = 0; i < keys->len; i += 2)
    {
      TtshGpsTrack *track = load_track (store, g_array_index (keys, gint64, i),
                                        (int) g_array_index (keys, gint64, i + 1), since, error);
      if (track == NULL)
        return NULL;
      for (guint j = 0; j < track->points->len; j++)
        live->max_point_id = MAX (live->max_point_id, g_array_index (track->points, TtshGpsPoint, j).id);
      g_ptr_array_add (live->tracks, track);
    }
  return g_steal_pointer (&live);
}

GPtrArray *
ttsh_query_gps_finished (TtshStore      *store,
                         guint           limit,
                         GError        **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) ttsh_gps_finished_free);
  sqlite3_stmt *stmt = ttsh_store_prepare (store,
      "SELECT t.candidate_id, t.attempt, c.candidate_no, c.full_name, s.code,"
      "       COALESCE(r.score, (SELECT k.score FROM process_record k WHERE k.candidate_id = t.candidate_id"
      "                AND k.content = '" ROAD "' AND k.attempt = t.attempt AND k.state = 'KET_THUC')),"
      "       COALESCE(r.result, (SELECT k.result FROM process_record k WHERE k.candidate_id = t.candidate_id"
      "                AND k.content = '" ROAD "' AND k.attempt = t.attempt AND k.state = 'KET_THUC')),"
      "       g.first_at, g.last_at, g.n"
      "  FROM (SELECT candidate_id, attempt FROM process_record WHERE content = '" ROAD "' AND state = 'KET_THUC'"
      "        UNION SELECT candidate_id, attempt FROM result WHERE content = '" ROAD "') t"
      "  JOIN candidate c ON c.id = t.candidate_id"
      "  JOIN exam_session s ON s.id = c.session_id"
      "  LEFT JOIN result r ON r.candidate_id = t.candidate_id AND r.content = '" ROAD "' AND r.attempt = t.attempt"
      "  JOIN (SELECT candidate_id, attempt, MIN(at) AS first_at, MAX(at) AS last_at, COUNT(*) AS n"
      "          FROM gps_point GROUP BY candidate_id, attempt) g"
      "    ON g.candidate_id = t.candidate_id AND g.attempt = t.attempt"
      " ORDER BY g.last_at DESC LIMIT ?", error);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int (stmt, 1, (int) MIN (limit, G_MAXINT));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TtshGpsFinished *f = g_new0 (TtshGpsFinished, 1);

      f->candidate_id = sqlite3_column_int64 (stmt, 0);
      f->attempt = sqlite3_column_int (stmt, 1);
      f->candidate_no = column_strdup (stmt, 2);
      f->full_name = column_strdup (stmt, 3);
      f->session_code = column_strdup (stmt, 4);
      f->has_score = sqlite3_column_type (stmt, 5) != SQLITE_NULL;
      f->score = sqlite3_column_double (stmt, 5);
      f->result = column_strdup (stmt, 6);
      f->start_at = sqlite3_column_int64 (stmt, 7);
      f->end_at = sqlite3_column_int64 (stmt, 8);
      f->n_points = (guint) sqlite3_column_int (stmt, 9);
      g_ptr_array_add (list, f);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      ttsh_store_set_error (store, rc, error);
      return NULL;
    }
  return g_steal_pointer (&list);
}

gboolean
ttsh_gps_route_set (TtshStore          *store,
                    const char         *actor,
                    const char         *session_code,
                    const char         *name,
                    const TtshGpsPoint *points,
                    guint               n,
                    GError            **error)
{
  g_autoptr(GString) json = g_string_new ("[");
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *detail = NULL;
  sqlite3_stmt *stmt;
  gboolean own;

  for (guint i = 0; i < n; i++)
    {
      char lat[G_ASCII_DTOSTR_BUF_SIZE], lon[G_ASCII_DTOSTR_BUF_SIZE];

      if (!(fabs (points[i].lat) <= 90.0 && fabs (points[i].lon) <= 180.0))
        {
          g_set_error (error, TTSH_STORE_ERROR, TTSH_STORE_ERROR_CONSTRAINT,
                       _("route point %u is not a valid position"), i + 1);
          return FALSE;
        }
      g_string_append_printf (json, "%s[%s,%s]", i ? "," : "",
                              g_ascii_dtostr (lat, sizeof lat, points[i].lat),
                              g_ascii_dtostr (lon, sizeof lon, points[i].lon));
    }
  g_string_append_c (json, ']');

  /* Inside the caller's transaction when one is open, like the journal. */
  own = sqlite3_get_autocommit (ttsh_store_db (store));
  if (own && !ttsh_store_begin (store, error))
    return FALSE;
  stmt = ttsh_store_prepare (store,
      "INSERT INTO gps_route (session_code, name, points_json, updated_at) VALUES (?, ?, ?, ?)"
      " ON CONFLICT (session_code) DO UPDATE SET name = excluded.name,"
      "   points_json = excluded.points_json, updated_at = excluded.updated_at", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, session_code ? session_code : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, name ? name : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, json->str, (int) json->len, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, ttsh_now_ms ());
  if (!ttsh_store_step_done (store, stmt, error))
    goto fail;
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name ? name : "");
  json_builder_set_member_name (builder, "points");
  json_builder_add_int_value (builder, n);
  json_builder_end_object (builder);
  {
    g_autoptr(JsonNode) root = json_builder_get_root (builder);
    detail = json_to_string (root, FALSE);
  }
  if (ttsh_journal_append (store, actor, TTSH_JOURNAL_ROUTE_SET,
                           session_code ? session_code : "", detail, error) == 0)
    goto fail;
  return own ? ttsh_store_commit (store, error) : TRUE;

fail:
  if (own)
    ttsh_store_rollback (store);
  return FALSE;
}
