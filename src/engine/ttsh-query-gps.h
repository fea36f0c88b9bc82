/* ttsh-query-gps.h — read API of the road-test GPS data for the map.
 *
 * Tracks per candidate and attempt, latest positions of the road tests in
 * progress, deduction events placed on the track, and the GPS quality
 * analysis. Stored points are never altered: quality only flags them. */
#pragma once

#include <glib.h>

#include "ttsh-store.h"

G_BEGIN_DECLS

typedef enum {
  TTSH_GPS_GAP           = 1 << 0, /* no data for too long before this point */
  TTSH_GPS_JUMP          = 1 << 1, /* impossible speed from the last good point */
  TTSH_GPS_POOR_ACCURACY = 1 << 2, /* reported accuracy worse than the limit */
} TtshGpsFlags;

typedef struct {
  gint64 id;        /* gps_point.id */
  gint64 at;        /* Unix ms */
  double lat;
  double lon;
  double speed;     /* km/h, NAN when not reported */
  double heading;   /* degrees, NAN when not reported */
  double accuracy;  /* metres, NAN when not reported */
  guint  flags;     /* TtshGpsFlags, set by ttsh_gps_analyse() */
} TtshGpsPoint;

typedef struct {
  gint64 gap_ms;            /* a longer silence is a gap */
  double max_speed_kmh;     /* a faster implied speed is a jump */
  double max_accuracy_m;    /* a worse accuracy is poor */
} TtshGpsQualityParams;

typedef struct {
  guint  n_points;
  guint  n_gaps;
  guint  n_jumps;
  guint  n_poor;
  gint64 longest_gap_ms;
  double distance_m;        /* along the track, jumps excluded */
  double max_speed_kmh;     /* highest reported speed */
  /* Analysis state so the live view can continue where it stopped. */
  gint   last_good;         /* index of the last point that was not a jump */
} TtshGpsQuality;

typedef struct {
  gint64    at;             /* Unix ms, 0 when the time could not be read */
  char     *time;           /* ThoiGian as received */
  char     *code;           /* MaLoi */
  char     *description;    /* MoTa */
  double    deduction;      /* DiemTru */
  double    lat;            /* interpolated on the track at @at */
  double    lon;
  gboolean  located;        /* FALSE when the track has no point near @at */
} TtshGpsEvent;

typedef struct {
  gint64        candidate_id;
  int           attempt;
  char         *candidate_no;
  char         *full_name;
  char         *licence_class;
  char         *session_code;
  gboolean      finished;   /* KET_THUC or result received */
  gboolean      has_score;
  double        score;
  char         *result;     /* DAT | KHONG_DAT | NULL */
  gint64        start_at;   /* first point, or 0 */
  gint64        end_at;     /* last point, or 0 */
  GArray       *points;     /* TtshGpsPoint, ordered by time */
  GPtrArray    *events;     /* TtshGpsEvent*, ordered by time */
  GArray       *route;      /* TtshGpsPoint, planned route (may be empty) */
  TtshGpsQuality quality;
} TtshGpsTrack;

typedef struct {
  GPtrArray *tracks;        /* TtshGpsTrack* of the road tests in progress:
                             * points are only those with id > since */
  gint64     max_point_id;  /* pass back as @since on the next call */
} TtshGpsLive;

typedef struct {
  gint64 candidate_id;
  int    attempt;
  char  *candidate_no;
  char  *full_name;
  char  *session_code;
  gint64 start_at;
  gint64 end_at;
  guint  n_points;
  gboolean has_score;
  double score;
  char  *result;
} TtshGpsFinished;

void          ttsh_gps_quality_params_default (TtshGpsQualityParams *params);

/* Flags points[from..n) (from the last analysed state in @quality, which
 * must be zeroed before the first call) and updates the counts. */
void          ttsh_gps_analyse        (TtshGpsPoint               *points,
                                       guint                       n,
                                       guint                       from,
                                       const TtshGpsQualityParams *params,
                                       TtshGpsQuality             *quality);

/* Great-circle distance in metres. */
double        ttsh_gps_distance_m     (double lat1, double lon1,
                                       double lat2, double lon2);

/* Douglas–Peucker on planar coordinates (screen or projected units):
 * writes the indices of the kept points in order into @keep (room for n)
 * and returns their count. Points with pinned[i] set are always kept.
 * Iterative, so very long tracks cannot exhaust the stack. */
guint         ttsh_gps_simplify       (const double *x,
                                       const double *y,
                                       guint         n,
                                       double        tolerance,
                                       const guint8 *pinned,
                                       guint        *keep);

/* Position on the track at @at (linear between the neighbouring points);
 * FALSE when @at lies outside the track. */
gboolean      ttsh_gps_track_position (const TtshGpsTrack *track,
                                       gint64              at,
                                       double             *lat,
                                       double             *lon,
                                       double             *speed);

/* Engine thread. attempt 0 means the latest attempt of the road test. */
TtshGpsTrack *ttsh_query_gps_track    (TtshStore      *store,
                                       gint64          candidate_id,
                                       int             attempt,
                                       GError        **error);

/* The quality of the road test's latest attempt, counted as for
 * ttsh_query_gps_track () from its points alone; *attempt is 0 when the
 * candidate has no GPS point. Engine thread. */
gboolean      ttsh_query_gps_quality  (TtshStore      *store,
                                       gint64          candidate_id,
                                       int            *attempt,
                                       TtshGpsQuality *quality,
                                       GError        **error);

/* The road tests in progress, with their new points since @since. */
TtshGpsLive  *ttsh_query_gps_live     (TtshStore      *store,
                                       gint64          since,
                                       GError        **error);

/* Finished road tests that have GPS data, newest first (at most @limit). */
GPtrArray    *ttsh_query_gps_finished (TtshStore      *store,
                                       guint           limit,
                                       GError        **error);

/* Planned route of a session's road test (migration 040); replaces it. */
gboolean      ttsh_gps_route_set      (TtshStore      *store,
                                       const char     *actor,
                                       const char     *session_code, /* "" = every session */
                                       const char     *name,
                                       const TtshGpsPoint *points,
                                       guint           n,
                                       GError        **error);

void          ttsh_gps_track_free     (TtshGpsTrack   *track);
void          ttsh_gps_live_free      (TtshGpsLive    *live);
void          ttsh_gps_finished_free  (TtshGpsFinished *finished);
void          ttsh_gps_event_free     (TtshGpsEvent   *event);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TtshGpsTrack, ttsh_gps_track_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TtshGpsLive, ttsh_gps_live_free)

G_END_DECLS
