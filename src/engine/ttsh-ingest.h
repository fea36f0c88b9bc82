/* ttsh-ingest.h — turning validated inbound data into durable state.
 *
 * Runs on the engine thread. Every accepted record is committed, together
 * with the C08 upload it produces (outbox), before the caller answers. */
#pragma once

#include <json-glib/json-glib.h>

#include "ttsh-store.h"

G_BEGIN_DECLS

/* Associated data of sealed columns (readers unseal with the same text). */
#define TTSH_AAD_CANDIDATE_CID    "candidate.cid"
#define TTSH_AAD_CANDIDATE_DOB    "candidate.dob"
#define TTSH_AAD_CANDIDATE_PHOTO  "candidate.photo"
#define TTSH_AAD_COUNCIL_CID      "council_member.cid"
#define TTSH_AAD_ATTENDANCE_PHOTO "attendance.photo"
#define TTSH_AAD_PROCESS_PHOTO    "process_record.photo"
#define TTSH_AAD_RESULT_PHOTO     "result.photo"

#define TTSH_INGEST_ERROR (ttsh_ingest_error_quark ())
typedef enum {
  TTSH_INGEST_ERROR_NOT_FOUND,
  TTSH_INGEST_ERROR_STATE,
} TtshIngestError;

typedef struct {
  gint64      id;
  const char *name;
  const char *role;
} TtshIngestClient;

typedef enum {
  TTSH_INGEST_ATTENDANCE,
  TTSH_INGEST_PROCESS,
  TTSH_INGEST_RESULT,
} TtshIngestKind;

/* What to answer: the envelope's code, texts and DuLieu. */
typedef struct {
  int        code;
  char      *message;     /* NULL: standard text of code */
  char      *detail;      /* MoTaChiTietLoi */
  JsonNode  *data;        /* DuLieu */
  guint      records;
  guint      accepted;
  gboolean   changed;     /* a commit happened: tell listeners */
  gboolean   outbox;      /* new C08 uploads were queued */
  /* Optional, set by the caller: runs inside the batch's transaction just
   * before it commits (the server writes its request log there, saving a
   * separate fsync). Its failure never fails the batch. */
  gboolean (*before_commit) (TtshStore *store, gpointer data, GError **error);
  gpointer   before_commit_data;
  /* Set by the caller: commit without syncing the WAL (group commit). The
   * caller must ttsh_store_sync before answering when `unsynced` is set. */
  gboolean   defer_sync;
  gboolean   unsynced;    /* out: the batch's commit awaits ttsh_store_sync */
} TtshIngestReply;

GQuark   ttsh_ingest_error_quark (void);
void     ttsh_ingest_reply_clear (TtshIngestReply *reply);

/* POST /exam-sessions (§5.1). */
void     ttsh_ingest_session   (TtshStore              *store,
                                const char             *centre_code,
                                const TtshIngestClient *client,
                                JsonNode               *body,
                                TtshIngestReply        *reply);

/* POST /attendance, /process, /results (§5.2): one §4.3 batch. */
void     ttsh_ingest_batch     (TtshStore              *store,
                                const char             *centre_code,
                                const TtshIngestClient *client,
                                TtshIngestKind          kind,
                                JsonNode               *body,
                                gint64                  now_ms,
                                TtshIngestReply        *reply);

/* GET /exam-sessions/{code}?NoiDungSatHach=…&Anh=0|1. */
void     ttsh_ingest_roster    (TtshStore              *store,
                                const TtshIngestClient *client,
                                const char             *session_code,
                                const char             *content,   /* NULL: all (C08_PUSH) */
                                gboolean                photos,
                                TtshIngestReply        *reply);

/* POST /statistics (§4.2 shape): what the TTSH received from @client. */
void     ttsh_ingest_statistics (TtshStore              *store,
                                 const char             *centre_code,
                                 const TtshIngestClient *client,
                                 JsonNode               *body,
                                 TtshIngestReply        *reply);

/* Ends an exam session: one TONG_HOP per candidate through the outbox, the
 * session becomes CLOSED. Refused while a test is still in progress. */
gboolean ttsh_ingest_close_session (TtshStore   *store,
                                    const char  *code,
                                    const char  *actor,
                                    GError     **error);

G_END_DECLS
