/* ttsh-journal.h — the tamper-evident audit journal.
 *
 * Each entry's hash is HMAC-SHA256 (journal key) over the previous entry's
 * hash and the entry's own fields; the head (count and last hash) is kept in
 * `meta` with its own MAC, so deleting the newest rows is detected too. */
#pragma once

#include "ttsh-store.h"

G_BEGIN_DECLS

#define TTSH_JOURNAL_ERROR (ttsh_journal_error_quark ())

typedef enum {
  TTSH_JOURNAL_ERROR_BROKEN,
} TtshJournalError;

/* Actions used across the engine and console (stable strings, journaled). */
#define TTSH_JOURNAL_RECORD_ACCEPTED  "RECORD_ACCEPTED"
#define TTSH_JOURNAL_RECORD_SENT      "RECORD_SENT"
#define TTSH_JOURNAL_RECORD_FAILED    "RECORD_FAILED"
#define TTSH_JOURNAL_RECORD_RESENT    "RECORD_RESENT"
#define TTSH_JOURNAL_RECORD_HANDLED   "RECORD_HANDLED"
#define TTSH_JOURNAL_RESULT_CANCELLED "RESULT_CANCELLED"
#define TTSH_JOURNAL_ROUTE_SET        "ROUTE_SET"
#define TTSH_JOURNAL_SIGNED_OFF       "SIGNED_OFF"
#define TTSH_JOURNAL_LOGIN            "LOGIN"
#define TTSH_JOURNAL_LOGIN_FAILED     "LOGIN_FAILED"
#define TTSH_JOURNAL_LOGOUT           "LOGOUT"
#define TTSH_JOURNAL_ACTION_REFUSED   "ACTION_REFUSED"
#define TTSH_JOURNAL_CONFIG_CHANGED   "CONFIG_CHANGED"
#define TTSH_JOURNAL_CLIENT_ADDED     "CLIENT_ADDED"
#define TTSH_JOURNAL_SESSION_RECEIVED "SESSION_RECEIVED"
#define TTSH_JOURNAL_SESSION_CLOSED   "SESSION_CLOSED"
#define TTSH_JOURNAL_ALARM_RAISED     "ALARM_RAISED"
#define TTSH_JOURNAL_ALARM_ACKED      "ALARM_ACKED"
#define TTSH_JOURNAL_ENGINE_STARTED   "ENGINE_STARTED"
#define TTSH_JOURNAL_ENGINE_STOPPED   "ENGINE_STOPPED"

GQuark   ttsh_journal_error_quark (void);

/* Appends inside the caller's transaction when one is open, else in its own.
 * Returns the new entry's seq, or 0 with error. */
gint64   ttsh_journal_append (TtshStore   *store,
                              const char  *actor,
                              const char  *action,
                              const char  *subject,
                              const char  *detail,
                              GError     **error);

/* Checks the whole chain. On a break, *bad_seq is the first broken entry
 * (or the head's seq for a truncated tail) and error says why. */
gboolean ttsh_journal_verify (TtshStore   *store,
                              gint64      *n_entries,
                              gint64      *bad_seq,
                              GError     **error);

/* Reading the journal for the audit view, newest first. */
typedef struct {
  gint64  seq;
  gint64  at;
  char   *actor;
  char   *action;
  char   *subject;
  char   *detail;
} TtshJournalEntry;

typedef struct {
  const char *actor;      /* NULL: any */
  const char *action;     /* NULL: any */
  gint64      since_ms;   /* 0: unbounded */
  gint64      until_ms;   /* 0: unbounded */
  guint       limit;      /* 0: all */
} TtshJournalQuery;

void       ttsh_journal_entry_free (TtshJournalEntry *entry);
GPtrArray *ttsh_journal_query      (TtshStore              *store,
                                    const TtshJournalQuery *query,
                                    GError                **error);
/* Distinct values of a column ("actor" or "action"), sorted. */
GStrv      ttsh_journal_distinct   (TtshStore   *store,
                                    const char  *column,
                                    GError     **error);

G_END_DECLS
