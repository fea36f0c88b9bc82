/* ttsh-query.h — read API of the console (engine thread, GTK-free): exam
 * sessions, roster rows with live per-content state and transmission state,
 * one candidate's full progress, photos, open alarms.
 *
 * Roster reads are incremental: pass the `stamp` of the previous answer to
 * get only the candidates that changed since. */
#pragma once

#include "ttsh-query-gps.h"
#include "ttsh-store.h"

G_BEGIN_DECLS

/* Contents in roster column order. */
#define TTSH_N_CONTENTS 4
extern const char *const ttsh_contents[TTSH_N_CONTENTS];   /* LY_THUYET, MO_PHONG, SA_HINH, DUONG_TRUONG */
int          ttsh_content_index (const char *content);      /* -1 if unknown */
const char  *ttsh_content_label (const char *content);      /* translated */
const char  *ttsh_content_state_label (const char *state);  /* translated, WAITING.. CANCELLED */
const char  *ttsh_outbox_state_label (const char *state);   /* translated, plus "NONE" */

/* Lower case, Vietnamese diacritics removed, đ→d, spaces collapsed: the form
 * of candidate.name_folded and of search text. */
char        *ttsh_text_fold     (const char *text);

typedef struct {
  gint64  id;
  char   *code;
  char   *name;
  char   *start_time;
  char   *end_time;
  char   *state;
  int     n_candidates;
  int     n_present;
  int     n_passed;
  int     n_failed;
  int     n_unsent;
} TtshSessionRow;

void       ttsh_session_row_free (TtshSessionRow *row);
GPtrArray *ttsh_query_sessions   (TtshStore  *store,
                                  GError    **error);   /* of TtshSessionRow */

typedef struct {
  char   state[12];      /* WAITING .. CANCELLED, "" if not registered */
  int    attempt;
  double score;          /* NAN when none */
} TtshContentCell;

typedef struct {
  gint64           id;
  gint64           session_id;
  char            *candidate_no;
  char            *full_name;
  char            *name_folded;
  char            *licence_class;
  char            *cid;             /* full or masked, see with_cid */
  char            *cid_hash;
  gboolean         has_photo;
  TtshContentCell  content[TTSH_N_CONTENTS];
  char             tx_state[10];    /* worst outbox state: ERROR, PENDING, INFLIGHT, ACCEPTED, NONE */
  int              tx_pending;
  int              tx_error;
  int              tx_accepted;
} TtshRosterRow;

typedef struct {
  GPtrArray *rows;       /* of TtshRosterRow */
  gint64     stamp;      /* pass back to get only later changes */
} TtshRoster;

void        ttsh_roster_free    (TtshRoster *roster);
TtshRoster *ttsh_query_roster   (TtshStore  *store,
                                 gint64      session_id,
                                 gint64      since_stamp,
                                 gboolean    with_cid,
                                 GError    **error);
/* Candidate ids of a session whose citizen ID is the given full 12-digit ID. */
GArray     *ttsh_query_find_cid (TtshStore  *store,
                                 gint64      session_id,
                                 const char *cid,
                                 GError    **error);

/* One candidate's progress. */
typedef enum {
  TTSH_EVENT_ATTENDANCE,
  TTSH_EVENT_PROCESS,      /* a process record (start, running, end) */
  TTSH_EVENT_DEDUCTION,    /* one event inside a process record */
  TTSH_EVENT_RESULT,
  TTSH_EVENT_CANCELLATION,
} TtshEventKind;

typedef struct {
  TtshEventKind kind;
  char   *content;
  int     attempt;
  char   *time;            /* ISO 8601 as received */
  gint64  at;              /* unix ms, for ordering */
  char   *title;           /* short, e.g. "CO_MAT", "BAT_DAU", event code */
  char   *detail;          /* deduction text, auth method, result */
  double  points;          /* deducted points, or score; NAN when none */
  char   *tx_state;        /* outbox state of this record, NULL if none */
  int     tx_code;         /* last C08 code, 0 if none */
  char   *tx_message;
} TtshEvent;

typedef struct {
  TtshRosterRow *row;
  char          *reg_code;
  char          *dob;      /* full or masked */
  char          *gender;
  char          *session_code;
  char          *session_name;
  GPtrArray     *events;   /* of TtshEvent, by time */
  /* Road test: the latest attempt's GPS track, analysed (nothing changed). */
  int            gps_attempt;   /* 0: no GPS point recorded */
  TtshGpsQuality gps_quality;
} TtshCandidateDetail;

void                 ttsh_candidate_detail_free (TtshCandidateDetail *detail);
TtshCandidateDetail *ttsh_query_candidate       (TtshStore  *store,
                                                 gint64      candidate_id,
                                                 gboolean    with_cid,
                                                 GError    **error);
/* Decoded photo bytes (JPEG/PNG) or NULL when none. */
GBytes              *ttsh_query_photo           (TtshStore  *store,
                                                 gint64      candidate_id,
                                                 GError    **error);

typedef struct {
  gint64  id;
  char   *kind;
  char   *severity;
  char   *subject;
  char   *message;
  gint64  raised_at;
  gint64  last_at;
  int     count;
} TtshAlarmRow;

void       ttsh_alarm_row_free       (TtshAlarmRow *row);
GPtrArray *ttsh_query_open_alarms    (TtshStore  *store,
                                      GError    **error);   /* unacknowledged, not cleared */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TtshRoster, ttsh_roster_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TtshCandidateDetail, ttsh_candidate_detail_free)

G_END_DECLS
