/* ttsh-alarm.h — raising, clearing and acknowledging alarms.
 *
 * One open alarm per (kind, subject): raising it again bumps its count and
 * time instead of piling up rows. Raising and acknowledging are journaled. */
#pragma once

#include "ttsh-store.h"

G_BEGIN_DECLS

#define TTSH_ALARM_C08_LOCKED      "C08_ACCOUNT_LOCKED"   /* -2 */
#define TTSH_ALARM_C08_CREDENTIALS "C08_BAD_CREDENTIALS"  /* -3 */
#define TTSH_ALARM_C08_IP_DENIED   "C08_IP_DENIED"        /* -7 */
#define TTSH_ALARM_CLOCK_SKEW      "CLOCK_SKEW"           /* -10 or measured */
#define TTSH_ALARM_LATE_RECORD     "LATE_RECORD"          /* unsent after 20 min */
#define TTSH_ALARM_ERROR_QUEUE     "ERROR_QUEUE"          /* records in the error queue */
#define TTSH_ALARM_CLIENT_LOCKED   "CLIENT_LOCKED"        /* TTSH API account locked */
#define TTSH_ALARM_SOURCE_ERRORS   "SOURCE_ERRORS"        /* hourly check of exam programs */
#define TTSH_ALARM_DAILY_ERRORS    "DAILY_ERRORS"         /* daily check of transmission */

typedef enum {
  TTSH_ALARM_INFO,
  TTSH_ALARM_WARNING,
  TTSH_ALARM_CRITICAL,
} TtshAlarmSeverity;

/* Returns the alarm id, or 0 with error. *is_new tells a fresh alarm. */
gint64   ttsh_alarm_raise (TtshStore          *store,
                           const char         *kind,
                           TtshAlarmSeverity   severity,
                           const char         *subject,
                           const char         *message,
                           gboolean           *is_new,
                           GError            **error);
gboolean ttsh_alarm_clear (TtshStore          *store,
                           const char         *kind,
                           const char         *subject,     /* NULL: every subject */
                           GError            **error);
gboolean ttsh_alarm_ack   (TtshStore          *store,
                           gint64              id,
                           const char         *operator_name,
                           const char         *note,
                           GError            **error);

G_END_DECLS
